//! The stand-in for BlueZ: a private `dbus-daemon` on a unix socket in a temporary directory,
//! and python-dbusmock's `bluez5` template on it, from PyPI in a virtualenv of its own.
//!
//! dbusmock needs dbus-python, a C extension that pip can only build with libdbus's development
//! files. Debian's `python3-dbus` is on the machine instead (it is part of the base image, with
//! `dbus-daemon`), so the virtualenv is made by Debian's own Python with
//! `--system-site-packages`, and pip adds only the pure-Python dbusmock.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};

/// Set in the environment of the process that runs the scenarios.
pub(crate) const SCENARIO_PROCESS: &str = "BPIO_BLE_SCENARIOS";

/// The Python whose `dbus` module is Debian's `python3-dbus`.
const SYSTEM_PYTHON: &str = "/usr/bin/python3";
const DBUSMOCK: &str = "python-dbusmock==0.38.1";

/// Starts the bus and the mock, runs the scenarios in a child process whose system bus is the
/// private one, and stops both again. libdbus reads the bus address from the environment, which
/// a running test process cannot safely change for itself.
pub(crate) fn run_scenarios_on_private_bus() -> ExitCode {
    let python = virtualenv();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bluez-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory for the private bus");
    let (mut daemon, address) = start_bus(&dir);
    let log = dir.join("dbusmock.log");
    let mut mock = Command::new(&python)
        .args(["-m", "dbusmock", "--system", "--template", "bluez5"])
        .env("DBUS_SYSTEM_BUS_ADDRESS", &address)
        .stdout(File::create(&log).expect("the mock's log"))
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python -m dbusmock");
    let status = Command::new(std::env::current_exe().expect("this test's path"))
        .args(std::env::args_os().skip(1))
        .env(SCENARIO_PROCESS, "1")
        .env("DBUS_SYSTEM_BUS_ADDRESS", &address)
        .status();
    stop(&mut mock);
    stop(&mut daemon);
    match status {
        Ok(status) if status.success() => {
            let _ = std::fs::remove_dir_all(&dir);
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("scenarios failed ({other:?}); the mock's call log is {}", log.display());
            ExitCode::FAILURE
        }
    }
}

/// A virtualenv with dbusmock, made once per target directory.
fn virtualenv() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-dbusmock-0.38.1");
    let python = venv.join("bin/python");
    let works = |python: &Path, module: &str| {
        Command::new(python)
            .args(["-c", &format!("import {module}")])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    if works(&python, "dbusmock") {
        return python;
    }
    assert!(
        works(Path::new(SYSTEM_PYTHON), "dbus"),
        "{SYSTEM_PYTHON} cannot import dbus: the mock BlueZ needs Debian's python3-dbus"
    );
    let made = Command::new(SYSTEM_PYTHON)
        .args(["-m", "venv", "--clear", "--system-site-packages"])
        .arg(&venv)
        .status()
        .expect("python3 -m venv");
    assert!(made.success(), "cannot create the virtualenv");
    let pip = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", DBUSMOCK])
        .status()
        .expect("pip");
    assert!(pip.success(), "cannot install {DBUSMOCK} from PyPI");
    python
}

/// A `dbus-daemon` that lets everyone do everything, listening in `dir`; returns its address.
fn start_bus(dir: &Path) -> (Child, String) {
    let config = dir.join("bus.conf");
    let socket = dir.join("bus");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
</busconfig>
"#,
            socket.display()
        ),
    )
    .expect("the bus configuration");
    let mut daemon = Command::new("dbus-daemon")
        .arg(format!("--config-file={}", config.display()))
        .args(["--nofork", "--print-address"])
        .stdout(Stdio::piped())
        // It says that it cannot raise its file limit, which does not matter here.
        .stderr(File::create(dir.join("dbus-daemon.log")).expect("the daemon's log"))
        .spawn()
        .expect("dbus-daemon (Debian's dbus-daemon package)");
    let mut address = String::new();
    let stdout = daemon.stdout.take().expect("the daemon's stdout");
    BufReader::new(stdout).read_line(&mut address).expect("the bus address");
    let address = address.trim().to_owned();
    assert!(!address.is_empty(), "dbus-daemon printed no address");
    (daemon, address)
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}
