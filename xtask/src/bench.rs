//! `cargo xtask bench [--runs N] [--reference PATH] [--soak-secs S] [--update-docs]`: measures
//! bpio-engine, the echo baseline and, when a path to an `intiface-engine` binary is given (or
//! `BPIO_BENCH_REFERENCE` names one), the reference server with the same tool, N times in turn
//! (1 unless told), each with the parked client and then with the spinning one; then soaks
//! bpio-engine in each mode that keeps per-device or per-session state (simulated, websocket
//! and serial devices, several clients), S seconds each after a warm-up (120
//! unless told, 0 for none); prints one table of the medians, writes every figure as JSON and
//! the pictures (latency distributions, memory against devices) as SVG to `target/bench/`, and
//! with `--update-docs` copies the pictures to `docs/perf/`, where docs/PERFORMANCE.md shows
//! them. Not part of CI: timings of shared machines are noise (a short soak with a generous bound
//! runs in bpio-engine's tests).
//!
//! `cargo xtask bench --scale` measures instead how many devices and clients one engine serves
//! (`bpio-bench scale`, docs/SCALING.md): a few minutes, so not part of the default run.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

/// How long a server may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Simulated devices `--simulate` adds (see the README).
const SIMULATED_DEVICES: &str = "5";

/// Fake websocket devices of the websocket soak: as many as `--simulate` has devices.
const SOAK_FAKE_DEVICES: &str = "5";

/// Clients of the soak of several clients at once, over the websocket soak's devices.
const SOAK_CLIENTS: &str = "4";

/// `--max-clients` of that soak's engine: its clients, the one that comes and goes, and room for
/// that one's last session while the engine is still closing it.
const SOAK_MAX_CLIENTS: &str = "6";

/// `--max-clients` of the engine the scale steps run on: above the largest step of clients
/// (`bpio-bench scale`'s default steps end at 1600), plus the client that finds the devices.
const SCALE_MAX_CLIENTS: &str = "2000";

pub(crate) fn run(root: &Path, args: &[String]) -> Result<()> {
    let options = Options::parse(args)?;
    let (engine, bench) = build_release(root)?;
    crate::hot_code::report_matches(root, &engine);
    let out = target_dir(root).join("bench");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;

    if options.scale {
        return scale(&bench, &engine, &out);
    }

    let mut report: Vec<String> = vec!["report".into()];

    // The servers take turns in every run, so a slow spell of the machine hits them alike.
    for run in 1..=options.runs {
        crate::step(&format!("run {run} of {}: the echo baseline", options.runs));
        let echo = format!("echo-{run}.json");
        tool(&bench, &["echo", "--spin", "--json"], &out.join(&echo))?;
        report.extend(["--echo".into(), echo]);

        crate::step(&format!("run {run}: bpio-engine with fake websocket devices"));
        let name = format!("bpio-{run}");
        measure_server(&bench, &engine, "bpio", &name, &out)?;
        report.extend(["--bpio".into(), format!("{name}.json")]);

        if let Some(reference) = &options.reference {
            crate::step(&format!("run {run}: the reference server ({})", reference.display()));
            let name = format!("reference-{run}");
            match measure_server(&bench, reference, "reference", &name, &out) {
                Ok(()) => report.extend(["--reference".into(), format!("{name}.json")]),
                // bpio's figures are still worth the table.
                Err(err) => {
                    crate::step(&format!("the reference server could not be measured: {err:#}"))
                }
            }
        }
    }

    crate::step("bpio-engine with simulated devices");
    let port = free_port()?.to_string();
    let mut simulated = Server::start(
        &engine,
        &["--simulate", "--websocket-port", &port],
        &out.join("bpio-simulated.log"),
    )?;
    simulated.wait_listening(&port)?;
    let pid = simulated.pid().to_string();
    let url = format!("ws://127.0.0.1:{port}");
    tool(
        &bench,
        &["memory", "--url", &url, "--pid", &pid, "--devices", SIMULATED_DEVICES, "--json"],
        &out.join("bpio-simulated.json"),
    )?;
    drop(simulated);
    report.extend(["--simulated".into(), "bpio-simulated.json".into()]);

    crate::step("bpio-engine on an MQTT broker (mosquitto on loopback)");
    if let Err(err) = mqtt(&bench, &engine, &out) {
        // The rest of the run is still worth its table.
        crate::step(&format!("the MQTT figures could not be measured: {err:#}"));
    }

    if options.soak_secs > 0 {
        for mode in ["simulate", "websocket", "serial", "clients"] {
            crate::step(&format!("soak of bpio-engine, {mode}: {} s", options.soak_secs));
            let file = format!("soak-{mode}.json");
            soak(&bench, &engine, mode, options.soak_secs, &out, &file)?;
            report.extend(["--soak".into(), format!("{mode}={file}")]);
        }
    }

    let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |t| t.as_secs());
    let history = format!("bench-{stamp}.json");
    report.extend(["--out".into(), history.clone()]);
    for picture in PICTURES {
        report.extend([format!("--{picture}-svg"), format!("{picture}-{stamp}.svg")]);
    }
    crate::step("results");
    succeed(Command::new(&bench).args(&report).current_dir(&out), "bpio-bench report")?;
    std::fs::copy(out.join(&history), out.join("latest.json")).context("copying latest.json")?;
    crate::step(&format!("written to {}: {history} and latest.json", out.display()));
    for picture in PICTURES {
        let drawn = out.join(format!("{picture}-{stamp}.svg"));
        // `report` leaves out a picture it had nothing for, and says so.
        if !drawn.is_file() {
            continue;
        }
        let latest = out.join(format!("{picture}-latest.svg"));
        std::fs::copy(&drawn, &latest).with_context(|| format!("copying {}", latest.display()))?;
        crate::step(&format!("drawn: {} and {}", drawn.display(), latest.display()));
        if options.update_docs {
            let dir = root.join(DOCS_PICTURES);
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let docs = dir.join(format!("{picture}.svg"));
            std::fs::copy(&drawn, &docs).with_context(|| format!("copying {}", docs.display()))?;
            crate::step(&format!("copied to {DOCS_PICTURES}/{picture}.svg"));
        }
    }
    Ok(())
}

/// The pictures `bpio-bench report` draws, by name: `--NAME-svg`, `NAME-<unix time>.svg`.
const PICTURES: [&str; 2] = ["latency", "memory"];

/// Where `--update-docs` puts them, for docs/PERFORMANCE.md.
const DOCS_PICTURES: &str = "docs/perf";

/// Builds bpio-engine and bpio-bench for release and returns their paths. The engine is built on
/// its own, as `cargo run --release -p bpio-engine` builds it: built together with bpio-bench,
/// its dependencies would be compiled with the union of both packages' features, under other
/// symbol names than the ones `hot-code.ld` lists (`cargo xtask hot-code`).
pub(crate) fn build_release(root: &Path) -> Result<(PathBuf, PathBuf)> {
    crate::cargo(root, &["build", "--release", "--package", "bpio-engine"], &[])?;
    crate::cargo(root, &["build", "--release", "--package", "bpio-bench"], &[])?;
    let release = target_dir(root).join("release");
    Ok((release.join("bpio-engine"), release.join("bpio-bench")))
}

/// The build's target directory: `CARGO_TARGET_DIR` (relative to the root when relative), else
/// `target/` in the root.
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| root.join("target"), |dir| root.join(dir))
}

/// The command line of `cargo xtask bench`.
struct Options {
    /// Only the scale measurement.
    scale: bool,
    runs: u32,
    reference: Option<PathBuf>,
    /// Seconds of each soak after its warm-up; 0 skips them.
    soak_secs: u64,
    /// Copy the pictures to docs/perf/.
    update_docs: bool,
}

impl Options {
    /// `--runs N`, `--reference PATH` (else `BPIO_BENCH_REFERENCE`), `--soak-secs S` and
    /// `--update-docs`, in any order, or `--scale`; the reference must exist.
    fn parse(args: &[String]) -> Result<Self> {
        const USAGE: &str = "usage: cargo xtask bench [--runs N] \
                             [--reference PATH-TO-intiface-engine] [--soak-secs S] [--update-docs] | --scale";
        let mut options = Self {
            scale: false,
            runs: 1,
            reference: std::env::var_os("BPIO_BENCH_REFERENCE").map(PathBuf::from),
            soak_secs: 120,
            update_docs: false,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            if flag == "--update-docs" {
                options.update_docs = true;
                continue;
            }
            if flag == "--scale" {
                options.scale = true;
                continue;
            }
            let value = args.next().context(USAGE)?;
            match flag.as_str() {
                "--runs" => options.runs = value.parse().ok().filter(|&n| n > 0).context(USAGE)?,
                "--reference" => options.reference = Some(PathBuf::from(value)),
                "--soak-secs" => options.soak_secs = value.parse().context(USAGE)?,
                _ => bail!(USAGE),
            }
        }
        if let Some(path) = &options.reference
            && !path.is_file()
        {
            bail!("no reference server at {}", path.display());
        }
        Ok(options)
    }
}

/// Starts `engine` with the device websocket server and the user config on free loopback ports,
/// and runs `bpio-bench measure` against it, labelled `label`; the results go to `<name>.json`,
/// its log to `<name>.log` and its user config to `<name>-user-config.json`.
fn measure_server(bench: &Path, engine: &Path, label: &str, name: &str, out: &Path) -> Result<()> {
    let (server, port, device_port) = with_devices(&[], bench, engine, name, &[], out)?;
    for port in [&port, &device_port] {
        if listens_beyond_loopback(port)? {
            bail!(
                "{} listens on port {port} on every interface, not on loopback only; the bench \
                 does not expose servers (docs/PERFORMANCE.md shows the one-line change the \
                 reference server needs)",
                engine.display()
            );
        }
    }
    measure(
        bench,
        &server,
        (&port, &device_port),
        &["--name", label, "--spin"],
        &out.join(format!("{name}.json")),
    )
}

/// Runs `bpio-bench measure` with `options` against `server`, listening on `ports` (clients,
/// devices); the figures go to `output`.
pub(crate) fn measure(
    bench: &Path,
    server: &Server,
    ports: (&str, &str),
    options: &[&str],
    output: &Path,
) -> Result<()> {
    with_device_url(bench, "measure", server, ports, options, output)
}

/// `bpio-bench COMMAND` with `options` against `server`'s client and device websockets
/// (`measure`, `soak`, `mqtt`, `scale`); the figures go to `output`.
pub(crate) fn with_device_url(
    bench: &Path,
    command: &str,
    server: &Server,
    (port, device_port): (&str, &str),
    options: &[&str],
    output: &Path,
) -> Result<()> {
    let (url, device_url) =
        (format!("ws://127.0.0.1:{port}"), format!("ws://127.0.0.1:{device_port}"));
    let pid = server.pid().to_string();
    let args = [command, "--url", &url, "--device-url", &device_url, "--pid", &pid];
    tool(bench, &[&args[..], options, &["--json"]].concat(), output)
}

/// Starts a plain mosquitto on loopback and bpio-engine on it (with the device websocket server),
/// and runs `bpio-bench mqtt`: the broker's hop next to a direct websocket, and remote sessions
/// side by side. The figures go to `mqtt.json`, the table to the terminal (docs/SCALING.md).
fn mqtt(bench: &Path, engine: &Path, out: &Path) -> Result<()> {
    let broker = bpio_test_mosquitto::Broker::start(bpio_test_mosquitto::Options::new())
        .context("starting mosquitto")?;
    let broker_url = broker.url();
    let extra = ["--mqtt-url", &broker_url, "--mqtt-name", "bench"];
    let (server, port, device_port) = with_devices(&[], bench, engine, "mqtt", &extra, out)?;
    let broker_address = format!("127.0.0.1:{}", broker.port());
    let broker_pid = broker.pid().context("the broker is not running")?.to_string();
    let options = ["--broker", &broker_address, "--broker-pid", &broker_pid];
    let ports = (port.as_str(), device_port.as_str());
    with_device_url(bench, "mqtt", &server, ports, &options, &out.join("mqtt.json"))
}

/// Steps up the devices on one client, then the clients, each on a fresh engine with the device
/// websocket server and room for every client (`bpio-bench scale`); the figures go to
/// `scale-devices.json` and `scale-clients.json`, the tables to the terminal.
fn scale(bench: &Path, engine: &Path, out: &Path) -> Result<()> {
    for mode in ["devices", "clients"] {
        crate::step(&format!("bpio-engine: how many {mode} it serves"));
        let name = format!("scale-{mode}");
        let extra = ["--max-clients", SCALE_MAX_CLIENTS];
        let (server, port, device_port) = with_devices(&[], bench, engine, &name, &extra, out)?;
        let ports = (port.as_str(), device_port.as_str());
        let output = out.join(format!("{name}.json"));
        with_device_url(bench, "scale", &server, ports, &[mode], &output)?;
    }
    crate::step("written to target/bench/scale-devices.json and target/bench/scale-clients.json");
    Ok(())
}

/// Starts `engine` with the device websocket server, the bench's user config and `extra` flags,
/// on free loopback ports; its log goes to `<name>.log`. Returns the server, its client port and
/// its device port, both listening.
/// With a `launcher` (a program and its arguments), the engine is started by it.
pub(crate) fn with_devices(
    launcher: &[&str],
    bench: &Path,
    engine: &Path,
    name: &str,
    extra: &[&str],
    out: &Path,
) -> Result<(Server, String, String)> {
    // A fresh file for every server: the reference rewrites its user config as devices come and
    // go, and a server stopped in the middle of that leaves it truncated.
    let user_config = out.join(format!("{name}-user-config.json"));
    tool(bench, &["user-config", "--json"], &user_config)?;
    let (port, device_port) = (free_port()?.to_string(), free_port()?.to_string());
    let config = user_config.to_str().context("the user config path is not UTF-8")?;
    let args = [
        "--websocket-port",
        &port,
        "--use-device-websocket-server",
        "--device-websocket-server-port",
        &device_port,
        "--user-device-config-file",
        config,
    ];
    let log = out.join(format!("{name}.log"));
    let mut server = Server::start_under(launcher, engine, &[&args[..], extra].concat(), &log)?;
    server.wait_listening(&port)?;
    server.wait_listening(&device_port)?;
    Ok((server, port, device_port))
}

/// Soaks bpio-engine in `mode` (`simulate`, `websocket` devices, `serial` on a pseudo-terminal, or
/// several `clients` at once over the websocket devices, with one more coming and going) for
/// `secs` seconds after the tool's warm-up: 100 commands a second to every output, the
/// engine's memory sampled every second. The figures go to `file`, the engine's log beside it.
fn soak(bench: &Path, engine: &Path, mode: &str, secs: u64, out: &Path, file: &str) -> Result<()> {
    let port = free_port()?.to_string();
    let device_port = free_port()?.to_string();
    let user_config = out.join(format!("soak-{mode}-user-config.json"));
    let config = user_config.to_str().context("the user config path is not UTF-8")?.to_owned();
    let mut engine_args = vec!["--websocket-port", &port];
    let mut soak_args = vec!["--devices", SIMULATED_DEVICES];
    // The fake serial device runs as long as the soak, in a process of its own.
    let mut _serial_device = None;
    match mode {
        "simulate" => engine_args.push("--simulate"),
        "websocket" | "clients" => {
            tool(bench, &["user-config", "--json"], &user_config)?;
            engine_args.extend([
                "--use-device-websocket-server",
                "--device-websocket-server-port",
                &device_port,
                "--user-device-config-file",
                &config,
            ]);
            soak_args = vec!["--devices", SOAK_FAKE_DEVICES, "--fake-devices", SOAK_FAKE_DEVICES];
            if mode == "clients" {
                engine_args.extend(["--max-clients", SOAK_MAX_CLIENTS]);
                soak_args.extend(["--clients", SOAK_CLIENTS]);
            }
        }
        "serial" => {
            _serial_device = Some(SerialDevice::start(bench, &user_config)?);
            engine_args.extend(["--use-serial", "--user-device-config-file", &config]);
            soak_args = vec!["--devices", "1"];
        }
        _ => bail!("no soak mode {mode}"),
    }
    let log = out.join(format!("soak-{mode}.log"));
    let mut server = Server::start(engine, &engine_args, &log)?;
    server.wait_listening(&port)?;
    let (url, device_url) =
        (format!("ws://127.0.0.1:{port}"), format!("ws://127.0.0.1:{device_port}"));
    let (pid, secs) = (server.pid().to_string(), secs.to_string());
    let mut args = vec!["soak", "--url", &url, "--pid", &pid, "--secs", &secs];
    if matches!(mode, "websocket" | "clients") {
        server.wait_listening(&device_port)?;
        args.extend(["--device-url", &device_url]);
    }
    args.extend(soak_args);
    args.push("--json");
    tool(bench, &args, &out.join(file))
}

/// `bpio-bench serial-device`: a fake TCode device on a pseudo-terminal, killed when dropped.
struct SerialDevice(Child);

impl SerialDevice {
    /// Starts it and waits until it has written the user config naming its port.
    fn start(bench: &Path, user_config: &Path) -> Result<Self> {
        use std::io::BufRead;
        let mut child = Command::new(bench)
            .arg("serial-device")
            .arg("--user-config")
            .arg(user_config)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .context("starting bpio-bench serial-device")?;
        let stdout = child.stdout.take().context("the serial device's output")?;
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        if !line.starts_with("serial device at ") {
            let _ = child.kill();
            bail!("bpio-bench serial-device did not start: {line:?}");
        }
        Ok(Self(child))
    }
}

impl Drop for SerialDevice {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `bpio-bench` with `args` followed by `output`.
pub(crate) fn tool(bench: &Path, args: &[&str], output: &Path) -> Result<()> {
    succeed(Command::new(bench).args(args).arg(output), &format!("bpio-bench {}", args.join(" ")))
}

/// Runs `command` to the end, failing unless it succeeds.
fn succeed(command: &mut Command, what: &str) -> Result<()> {
    let status = command.status().with_context(|| format!("running {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// Whether some socket listens on TCP `port` on an address other than loopback, by Linux's
/// `/proc/net/tcp` and `tcp6` (elsewhere nothing is checked).
fn listens_beyond_loopback(port: &str) -> Result<bool> {
    let port: u16 = port.parse()?;
    let mut beyond = false;
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else { continue };
        beyond |= text.lines().skip(1).any(|line| listens_beyond_loopback_in(line, port));
    }
    Ok(beyond)
}

/// One line of `/proc/net/tcp{,6}`: `sl local_address rem_address st …`, addresses as hex
/// `ADDRESS:PORT`, state `0A` for listening.
fn listens_beyond_loopback_in(line: &str, port: u16) -> bool {
    const LOOPBACK: [&str; 2] = ["0100007F", "00000000000000000000000001000000"];
    let fields: Vec<&str> = line.split_whitespace().collect();
    let (Some(local), Some(&"0A")) = (fields.get(1), fields.get(3)) else { return false };
    let Some((address, local_port)) = local.split_once(':') else { return false };
    u16::from_str_radix(local_port, 16) == Ok(port) && !LOOPBACK.contains(&address)
}

/// A port on loopback nobody listens on (free when asked; servers bind it right after).
pub(crate) fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// A server process under test, killed when dropped; its output goes to a log file.
pub(crate) struct Server {
    child: Child,
    log: PathBuf,
}

impl Server {
    fn start(program: &Path, args: &[&str], log: &Path) -> Result<Self> {
        Self::start_under(&[], program, args, log)
    }

    /// Starts `program` with `args`, by way of `launcher` (a program and its first arguments)
    /// when it is not empty.
    pub(crate) fn start_under(
        launcher: &[&str],
        program: &Path,
        args: &[&str],
        log: &Path,
    ) -> Result<Self> {
        let file =
            std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let mut command = match launcher.split_first() {
            Some((first, rest)) => {
                let mut command = Command::new(first);
                command.args(rest).arg(program);
                command
            }
            None => Command::new(program),
        };
        let child = command
            .args(args)
            .env("NO_COLOR", "1")
            .stdout(file.try_clone()?)
            .stderr(file)
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        Ok(Self { child, log: log.to_owned() })
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server as a user would, with SIGTERM, and waits for it to exit (a program
    /// wrapped by a profiler writes the profile then); killed after `patience`.
    pub(crate) fn stop(mut self, patience: Duration) -> Result<std::process::ExitStatus> {
        succeed(Command::new("kill").args(["-TERM", &self.pid().to_string()]), "kill -TERM")?;
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if started.elapsed() > patience {
                bail!("the server did not exit within {patience:?} of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until something accepts TCP connections on `port` of loopback.
    pub(crate) fn wait_listening(&mut self, port: &str) -> Result<()> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port.parse::<u16>()?));
        let started = Instant::now();
        while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited ({status}); see {}", self.log.display());
            }
            if started.elapsed() > START_TIMEOUT {
                bail!(
                    "nothing listens on port {port} after {START_TIMEOUT:?}; see {}",
                    self.log.display()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_options_take_flags_with_and_without_values() {
        let args = |list: &[&str]| list.iter().map(|&a| a.to_owned()).collect::<Vec<_>>();
        let options = Options::parse(&args(&["--update-docs", "--runs", "3", "--soak-secs", "0"]));
        let options = options.unwrap();
        assert!(options.update_docs);
        assert_eq!((options.runs, options.soak_secs), (3, 0));
        assert!(!Options::parse(&args(&["--runs", "3"])).unwrap().update_docs);
        assert!(Options::parse(&args(&["--runs"])).is_err());
        assert!(Options::parse(&args(&["--runs", "0"])).is_err());
        assert!(Options::parse(&args(&["--spin", "1"])).is_err());
    }

    #[test]
    fn listening_sockets_beyond_loopback_are_recognised() {
        let all = "   1: 00000000:5B8E 00000000:0000 0A 00000000:00000000 00:00000000 00000000";
        let loopback = "   0: 0100007F:5B8E 00000000:0000 0A 00000000:00000000 00:00000000";
        let connected = "   2: 00000000:5B8E 0100007F:D2F0 01 00000000:00000000 00:00000000";
        let six =
            "   0: 00000000000000000000000000000000:5B8E 00000000000000000000000000000000:0000 0A";
        assert!(listens_beyond_loopback_in(all, 23438));
        assert!(listens_beyond_loopback_in(six, 23438));
        assert!(!listens_beyond_loopback_in(all, 23439));
        assert!(!listens_beyond_loopback_in(loopback, 23438));
        assert!(!listens_beyond_loopback_in(connected, 23438));
        assert!(!listens_beyond_loopback_in("garbage", 23438));
    }
}
