//! The command line, flag-compatible with intiface-engine 5.0.5.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use clap::Parser;

/// Where clients connect when no port is given (the reference refuses to start instead).
pub(crate) const DEFAULT_PORT: u16 = 12345;

/// bpio-engine: a Buttplug server. Serves clients over a websocket on loopback unless told
/// otherwise.
#[derive(Debug, Parser)]
#[command(name = "bpio-engine", disable_version_flag = true)]
pub(crate) struct Options {
    /// Print the version and exit.
    #[arg(long)]
    pub(crate) version: bool,
    /// Print the bare version number and exit.
    #[arg(long)]
    pub(crate) server_version: bool,

    /// Port of the client websocket server [default: 12345].
    #[arg(long, value_name = "PORT")]
    pub(crate) websocket_port: Option<u16>,
    /// Full listen address of the client websocket server (e.g. 127.0.0.1:12345); overrides
    /// --websocket-port and --websocket-use-all-interfaces.
    #[arg(long, value_name = "ADDRESS")]
    pub(crate) websocket_listen_address: Option<SocketAddr>,
    /// Listen on all interfaces instead of loopback only.
    #[arg(long)]
    pub(crate) websocket_use_all_interfaces: bool,

    /// Name the server gives clients in ServerInfo.
    #[arg(long, value_name = "NAME", default_value = "Buttplug Server")]
    pub(crate) server_name: String,
    /// Device configuration file (public format, major 4 or 5) replacing the built-in database.
    #[arg(long, value_name = "PATH")]
    pub(crate) device_config_file: Option<PathBuf>,
    /// User device configuration file.
    #[arg(long, value_name = "PATH")]
    pub(crate) user_device_config_file: Option<PathBuf>,
    /// Milliseconds within which clients must ping; 0 disables the watchdog.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub(crate) max_ping_time: u32,
    /// Log level: error, warn, info, debug or trace [default: info].
    #[arg(long, value_name = "LEVEL")]
    pub(crate) log: Option<tracing::Level>,

    /// Use Bluetooth LE devices.
    #[arg(long)]
    pub(crate) use_bluetooth_le: bool,
    /// Use serial-port devices.
    #[arg(long)]
    pub(crate) use_serial: bool,
    /// Use HID devices.
    #[arg(long)]
    pub(crate) use_hid: bool,
    /// Accept devices that connect over the device websocket server.
    #[arg(long)]
    pub(crate) use_device_websocket_server: bool,
    /// Port of the device websocket server [default: 54817].
    #[arg(long, value_name = "PORT")]
    pub(crate) device_websocket_server_port: Option<u16>,
    /// Add the simulated devices (for trying things out without hardware).
    #[arg(long)]
    pub(crate) simulate: bool,

    // intiface-engine flags accepted for compatibility; each says at start that it is not
    // supported yet.
    #[arg(long, hide = true)]
    pub(crate) use_lovense_dongle_serial: bool,
    #[arg(long, hide = true)]
    pub(crate) use_lovense_dongle_hid: bool,
    #[arg(long, hide = true)]
    pub(crate) use_xinput: bool,
    #[arg(long, hide = true)]
    pub(crate) use_sdl_gamepad: bool,
    #[arg(long, hide = true)]
    pub(crate) use_lovense_connect: bool,
    #[arg(long, hide = true)]
    pub(crate) broadcast_server_mdns: bool,
    #[arg(long, hide = true, value_name = "SUFFIX")]
    pub(crate) mdns_suffix: Option<String>,
    #[arg(long, hide = true)]
    pub(crate) repeater: bool,
    #[arg(long, hide = true, value_name = "PORT")]
    pub(crate) repeater_port: Option<u16>,
    #[arg(long, hide = true, value_name = "PORT")]
    pub(crate) rest_api_port: Option<u16>,
    #[arg(long, hide = true, value_name = "PORT")]
    pub(crate) frontend_websocket_port: Option<u16>,
    #[arg(long, hide = true, value_name = "ADDRESS")]
    pub(crate) websocket_client_address: Option<String>,
    #[arg(long, hide = true)]
    pub(crate) allow_raw: bool,
    #[arg(long, hide = true)]
    pub(crate) crash_reporting: bool,
}

impl Options {
    /// Where the client websocket server listens.
    pub(crate) fn listen_address(&self) -> SocketAddr {
        if let Some(address) = self.websocket_listen_address {
            return address;
        }
        let ip = if self.websocket_use_all_interfaces {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        };
        SocketAddr::new(ip, self.websocket_port.unwrap_or(DEFAULT_PORT))
    }

    /// The flag that chose the listen address, for error messages.
    pub(crate) fn listen_flag(&self) -> &'static str {
        if self.websocket_listen_address.is_some() {
            "--websocket-listen-address"
        } else {
            "--websocket-port"
        }
    }

    /// Flags given that this engine accepts but does not implement yet.
    pub(crate) fn unsupported(&self) -> Vec<&'static str> {
        let flags = [
            (self.use_bluetooth_le, "--use-bluetooth-le"),
            (self.use_serial, "--use-serial"),
            (self.use_hid, "--use-hid"),
            (self.use_device_websocket_server, "--use-device-websocket-server"),
            (self.device_websocket_server_port.is_some(), "--device-websocket-server-port"),
            (self.use_lovense_dongle_serial, "--use-lovense-dongle-serial"),
            (self.use_lovense_dongle_hid, "--use-lovense-dongle-hid"),
            (self.use_xinput, "--use-xinput"),
            (self.use_sdl_gamepad, "--use-sdl-gamepad"),
            (self.use_lovense_connect, "--use-lovense-connect"),
            (self.broadcast_server_mdns, "--broadcast-server-mdns"),
            (self.mdns_suffix.is_some(), "--mdns-suffix"),
            (self.repeater, "--repeater"),
            (self.repeater_port.is_some(), "--repeater-port"),
            (self.rest_api_port.is_some(), "--rest-api-port"),
            (self.frontend_websocket_port.is_some(), "--frontend-websocket-port"),
            (self.websocket_client_address.is_some(), "--websocket-client-address"),
            (self.allow_raw, "--allow-raw"),
            (self.crash_reporting, "--crash-reporting"),
        ];
        flags.into_iter().filter_map(|(given, flag)| given.then_some(flag)).collect()
    }
}
