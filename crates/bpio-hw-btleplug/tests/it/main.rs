//! Integration tests through the real btleplug code path, with no radio: btleplug talks to BlueZ
//! over D-Bus, and a mock BlueZ (python-dbusmock) on a private `dbus-daemon` stands in for it.
//!
//! The bus address reaches libdbus only through the environment, so this binary has its own
//! small runner: run by cargo, it starts the bus and the mock and runs itself again as a child
//! with `DBUS_SYSTEM_BUS_ADDRESS` set, where the scenarios run one after another (they share the
//! mock). Arguments that are not flags select scenarios by substring, as libtest's do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]

mod bus;
mod mock;
mod scenarios;

use std::process::ExitCode;

fn main() -> ExitCode {
    if std::env::var_os(bus::SCENARIO_PROCESS).is_some() {
        return scenarios::run();
    }
    match scenarios::select().without_bus() {
        Some(code) => code,
        None => bus::run_scenarios_on_private_bus(),
    }
}
