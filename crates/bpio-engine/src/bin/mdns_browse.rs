//! bpio-mdns-browse: lists the Buttplug engines (bpio-engine with `--broadcast-server-mdns`, or
//! intiface-engine) advertised over mDNS on the local network.
//!
//! It prints one JSON object a line as advertisements come and go, `{"event": "resolved", ...}`
//! with the instance name, host, port, addresses and TXT record, or `{"event": "removed", ...}`,
//! and exits after `--seconds`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use bpio_engine::MDNS_SERVICE_TYPE;
use clap::Parser;
use mdns_sd::{ServiceDaemon, ServiceEvent};
use serde_json::json;

/// Lists the Buttplug engines advertised over mDNS, one JSON object a line.
#[derive(Debug, Parser)]
#[command(name = "bpio-mdns-browse")]
struct Args {
    /// How long to browse, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let daemon = match ServiceDaemon::new() {
        Ok(daemon) => daemon,
        Err(err) => {
            eprintln!("cannot start mDNS: {err}");
            return ExitCode::FAILURE;
        }
    };
    let events = match daemon.browse(MDNS_SERVICE_TYPE) {
        Ok(events) => events,
        Err(err) => {
            eprintln!("cannot browse for {MDNS_SERVICE_TYPE}: {err}");
            return ExitCode::FAILURE;
        }
    };
    let end = Instant::now() + Duration::from_secs(args.seconds);
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        let Ok(event) = events.recv_timeout(left) else { break };
        if let Some(line) = describe(event) {
            println!("{line}");
        }
    }
    let _ = daemon.shutdown();
    ExitCode::SUCCESS
}

/// The line printed for `event`, if any.
fn describe(event: ServiceEvent) -> Option<serde_json::Value> {
    let instance = |fullname: &str| {
        let suffix = format!(".{MDNS_SERVICE_TYPE}");
        fullname.strip_suffix(&suffix).unwrap_or(fullname).to_owned()
    };
    match event {
        ServiceEvent::ServiceResolved(service) => {
            let mut addresses: Vec<String> =
                service.addresses.iter().map(|ip| ip.to_ip_addr().to_string()).collect();
            addresses.sort();
            let txt: BTreeMap<&str, String> = service
                .txt_properties
                .iter()
                .map(|property| (property.key(), property.val_str().to_owned()))
                .collect();
            Some(json!({
                "event": "resolved",
                "instance": instance(&service.fullname),
                "host": service.host,
                "port": service.port,
                "addresses": addresses,
                "txt": txt,
            }))
        }
        ServiceEvent::ServiceRemoved(_, fullname) => {
            Some(json!({"event": "removed", "instance": instance(&fullname)}))
        }
        _ => None,
    }
}
