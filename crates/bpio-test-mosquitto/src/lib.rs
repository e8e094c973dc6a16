//! A real MQTT broker for tests: Debian's `mosquitto`, started on a free loopback port with a
//! configuration of its own in a fresh temporary directory, and killed when the [`Broker`] is
//! dropped.
//!
//! ```no_run
//! use bpio_test_mosquitto::{Broker, Options};
//!
//! let broker = Broker::start(
//!     Options::new()
//!         .tls()
//!         .account("engine", "engine-secret")
//!         .account("app", "app-secret")
//!         .acl("user engine")
//!         .acl("topic readwrite bpio/#")
//!         .acl("pattern write bpio/+/command/%c")
//!         .acl("pattern read bpio/+/reply/%c"),
//! )?;
//! // mqtts://127.0.0.1:PORT, with a certificate for 127.0.0.1 signed by the CA in ca_file().
//! let (url, ca) = (broker.url(), broker.ca_file());
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! When `/usr/sbin/mosquitto` is missing, the first [`Broker::start`] of a process installs
//! Debian's package with `apt-get` (which needs root, as on the project's machines and in CI).
//! The broker never runs as a system service: each [`Broker`] is a child process of the test,
//! listening on 127.0.0.1 only.
//!
//! [`Broker::stop`] and [`Broker::restart`] take the broker away and bring it back on the same
//! port with the same files, for tests of clients that must notice a lost broker or come back.
//! Starting and restarting block until the broker accepts connections (tens of milliseconds).

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The broker binary Debian's `mosquitto` package installs.
pub const MOSQUITTO: &str = "/usr/sbin/mosquitto";
/// The password file tool of the same package.
const MOSQUITTO_PASSWD: &str = "/usr/bin/mosquitto_passwd";
/// How long a broker may take to accept connections.
const STARTUP: Duration = Duration::from_secs(10);
/// Free ports tried when the one picked is taken before the broker binds it.
const PORT_ATTEMPTS: usize = 5;

/// What the broker is to enforce. The default is a plain listener that lets anyone in.
#[derive(Debug, Clone, Default)]
pub struct Options {
    tls: bool,
    accounts: Vec<(String, String)>,
    acl: Vec<String>,
}

impl Options {
    /// A plain (`mqtt://`) broker without accounts or access list: anonymous clients may do
    /// anything.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `mqtts://` instead: a certificate for 127.0.0.1 (and `localhost`), signed by a
    /// fresh CA whose PEM file is [`Broker::ca_file`].
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Adds an account. With at least one account, anonymous clients are refused.
    pub fn account(mut self, user: &str, password: &str) -> Self {
        self.accounts.push((user.to_owned(), password.to_owned()));
        self
    }

    /// Adds one line of mosquitto's access list (`acl_file`), for example `user engine`,
    /// `topic readwrite bpio/#` or `pattern write bpio/+/command/%c`. With at least one line,
    /// whatever the list does not allow is refused.
    pub fn acl(mut self, line: &str) -> Self {
        self.acl.push(line.to_owned());
        self
    }
}

/// A running mosquitto, killed on drop; its temporary directory goes with it.
#[derive(Debug)]
pub struct Broker {
    dir: PathBuf,
    port: u16,
    ca_file: Option<PathBuf>,
    child: Option<Child>,
}

impl Broker {
    /// Writes the configuration (and the certificates, password file and access list it names)
    /// into a fresh temporary directory, starts mosquitto on a free loopback port and waits
    /// until it accepts connections. Installs mosquitto first when it is missing.
    pub fn start(options: Options) -> io::Result<Self> {
        ensure_installed()?;
        let dir = fresh_dir()?;
        // From here on a failure drops the broker, which removes the directory.
        let mut broker = Self { dir, port: 0, ca_file: None, child: None };
        broker.write_files(&options)?;
        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            broker.port = free_port()?;
            broker.write_config(&options)?;
            match broker.launch() {
                Ok(()) => return Ok(broker),
                // Someone else took the port between our look and the broker's bind.
                Err(err) if broker.log().contains("Address already in use") => {
                    last_error = Some(err);
                }
                Err(err) => return Err(err),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("no free port for mosquitto")))
    }

    /// The loopback port the broker listens on; the same after [`Broker::restart`].
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `mqtt://127.0.0.1:PORT`, or `mqtts://127.0.0.1:PORT` with [`Options::tls`].
    pub fn url(&self) -> String {
        let scheme = if self.ca_file.is_some() { "mqtts" } else { "mqtt" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// The PEM file of the CA that signed the broker's certificate, with [`Options::tls`].
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// A TLS client configuration that trusts the broker's CA, with [`Options::tls`].
    pub fn client_tls(&self) -> Option<io::Result<rustls::ClientConfig>> {
        self.ca_file.as_deref().map(client_tls)
    }

    /// What the broker has logged so far (every log type), for a failing test to show.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("mosquitto.log")).unwrap_or_default()
    }

    /// The broker's process id, while it runs (for measurements of what it takes).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether the broker runs (it has not been stopped, and has not died).
    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// Kills the broker (SIGKILL: its clients' connections drop at once). Does nothing when it
    /// is already stopped.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Fails only when the process has already exited, which is what we want.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the broker if it runs, and starts it again on the same port with the same files;
    /// returns once it accepts connections. Nothing persists: retained messages and sessions
    /// are gone.
    pub fn restart(&mut self) -> io::Result<()> {
        self.stop();
        self.launch()
    }

    fn launch(&mut self) -> io::Result<()> {
        let log = fs::File::create(self.dir.join("mosquitto.log"))?;
        let child = Command::new(MOSQUITTO)
            .arg("-c")
            .arg(self.dir.join("mosquitto.conf"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|err| io::Error::new(err.kind(), format!("cannot run {MOSQUITTO}: {err}")))?;
        self.child = Some(child);
        let result = self.wait_until_accepting();
        if result.is_err() {
            self.stop();
        }
        result
    }

    fn wait_until_accepting(&mut self) -> io::Result<()> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + STARTUP;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                return Err(io::Error::other(format!(
                    "mosquitto exited at startup ({status}); its log:\n{}",
                    self.log()
                )));
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "mosquitto does not accept connections on port {} after {STARTUP:?}; its \
                         log:\n{}",
                        self.port,
                        self.log()
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The files the configuration names: certificates, passwords, access list.
    fn write_files(&mut self, options: &Options) -> io::Result<()> {
        if options.tls {
            let (ca, cert, key) = certificates().map_err(io::Error::other)?;
            let ca_file = self.dir.join("ca.pem");
            fs::write(&ca_file, ca)?;
            fs::write(self.dir.join("server.pem"), cert)?;
            write_private(&self.dir.join("server.key"), &key)?;
            self.ca_file = Some(ca_file);
        }
        let passwords = self.dir.join("passwords");
        for (at, (user, password)) in options.accounts.iter().enumerate() {
            let mut command = Command::new(MOSQUITTO_PASSWD);
            if at == 0 {
                command.arg("-c");
            }
            let output = command.arg("-b").arg(&passwords).arg(user).arg(password).output()?;
            if !output.status.success() {
                return Err(io::Error::other(format!(
                    "{MOSQUITTO_PASSWD} refused the account {user:?}: {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                )));
            }
        }
        if !options.acl.is_empty() {
            let mut acl = options.acl.join("\n");
            acl.push('\n');
            write_private(&self.dir.join("acl"), acl.as_bytes())?;
        }
        Ok(())
    }

    fn write_config(&self, options: &Options) -> io::Result<()> {
        let dir = &self.dir;
        let mut config = String::new();
        // Run as whoever starts the test, also as root (mosquitto would switch to its own user
        // and then fail to read the files here).
        config.push_str("user root\npersistence false\nlog_dest stderr\nlog_type all\n");
        config.push_str("connection_messages true\n");
        let _ = writeln!(config, "listener {} 127.0.0.1", self.port);
        // Small messages go out at once, as a deployment for interactive use configures it.
        config.push_str("set_tcp_nodelay true\n");
        if options.tls {
            let _ = writeln!(config, "certfile {}", dir.join("server.pem").display());
            let _ = writeln!(config, "keyfile {}", dir.join("server.key").display());
        }
        if options.accounts.is_empty() {
            config.push_str("allow_anonymous true\n");
        } else {
            config.push_str("allow_anonymous false\n");
            let _ = writeln!(config, "password_file {}", dir.join("passwords").display());
        }
        if !options.acl.is_empty() {
            let _ = writeln!(config, "acl_file {}", dir.join("acl").display());
        }
        fs::write(dir.join("mosquitto.conf"), config)
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Installs Debian's mosquitto when its binary is missing, once per process; every caller gets
/// the one outcome.
fn ensure_installed() -> io::Result<()> {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| if Path::new(MOSQUITTO).exists() { Ok(()) } else { install() })
        .clone()
        .map_err(io::Error::other)
}

fn install() -> Result<(), String> {
    // Another process may be updating the lists at the same moment: try a few times.
    let mut update = Err(String::new());
    for _ in 0..5 {
        update = apt(&["update", "-qq"]);
        if update.is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_secs(3));
    }
    // A failed update may still leave usable lists; the install says whether they were.
    let install = apt(&["-o", "DPkg::Lock::Timeout=300", "install", "-y", "-qq", "mosquitto"]);
    if let Err(err) = install {
        let update = update.err().map(|err| format!(" (after a failed update: {err})"));
        return Err(format!("cannot install mosquitto: {err}{}", update.unwrap_or_default()));
    }
    if Path::new(MOSQUITTO).exists() {
        Ok(())
    } else {
        Err(format!("apt-get installed mosquitto, but {MOSQUITTO} is still missing"))
    }
}

fn apt(args: &[&str]) -> Result<(), String> {
    let output = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("cannot run apt-get: {err}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "apt-get {} failed ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// A new empty directory under the system's temporary directory.
fn fresh_dir() -> io::Result<PathBuf> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    loop {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.subsec_nanos());
        let name = format!(
            "bpio-mosquitto-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(name);
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
            Err(err) => return Err(err),
        }
    }
}

/// A loopback port nobody listens on at the moment.
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}

/// Writes a file only its owner may read (mosquitto warns about readable secrets).
fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    fs::write(path, contents)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// A fresh CA, and a server certificate for 127.0.0.1 and `localhost` it signed: (CA PEM,
/// server certificate PEM, server private key PEM).
fn certificates() -> Result<(String, String, Vec<u8>), rcgen::Error> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::new())?;
    ca_params.distinguished_name.push(DnType::CommonName, "bpio test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate()?;
    let ca = ca_params.self_signed(&ca_key)?;

    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
    params.distinguished_name.push(DnType::CommonName, "bpio test broker");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &Issuer::new(ca_params, ca_key))?;
    Ok((ca.pem(), cert.pem(), key.serialize_pem().into_bytes()))
}

/// A TLS client configuration (ring) that trusts the CAs in the PEM file `ca`, such as a
/// broker's [`Broker::ca_file`] handed to another process.
pub fn client_tls(ca: &Path) -> io::Result<rustls::ClientConfig> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let invalid =
        |err: &dyn std::fmt::Display| io::Error::new(io::ErrorKind::InvalidData, err.to_string());
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(ca).map_err(|err| invalid(&err))? {
        roots.add(certificate.map_err(|err| invalid(&err))?).map_err(|err| invalid(&err))?;
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| invalid(&err))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
