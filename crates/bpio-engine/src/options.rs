//! The command line, flag-compatible with intiface-engine 5.0.5.
//!
//! The flags are grouped in `--help` by what they do; the bpio-specific group holds the flags the
//! reference does not have.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use bpio::server::SessionConfig;
use clap::Parser;

/// Where clients connect when no port is given (the reference refuses to start instead).
pub const DEFAULT_PORT: u16 = 12345;

/// Where devices connect to the device websocket server unless told otherwise.
pub const DEFAULT_DEVICE_PORT: u16 = bpio::hw_websocket::DEFAULT_PORT;

// The groups of `--help`.
const CLIENT_SERVER: &str = "Client server";
const DEVICE_TRANSPORTS: &str = "Device transports";
const DEVICE_CONFIG: &str = "Device config";
const REPEATER: &str = "Repeater";
const LOGGING_AND_GUI: &str = "Logging and GUI compatibility";
const BPIO_SPECIFIC: &str = "bpio-specific";
const MQTT: &str = "MQTT (bpio-specific)";

/// bpio-engine: a Buttplug server. Serves clients over a websocket on loopback unless told
/// otherwise.
#[derive(Debug, Parser)]
#[command(name = "bpio-engine", disable_version_flag = true, next_line_help = true)]
pub struct Options {
    /// Port of the client websocket server [default: 12345].
    #[arg(long, help_heading = CLIENT_SERVER, value_name = "PORT")]
    pub websocket_port: Option<u16>,
    /// Listen on all interfaces instead of loopback only.
    #[arg(long, help_heading = CLIENT_SERVER)]
    pub websocket_use_all_interfaces: bool,
    /// Full listen address of the client websocket server (e.g. 192.168.1.2:12345), in place of
    /// --websocket-port and --websocket-use-all-interfaces, which it cannot be given with.
    #[arg(
        long,
        help_heading = CLIENT_SERVER,
        value_name = "ADDRESS",
        conflicts_with_all = ["websocket_port", "websocket_use_all_interfaces"]
    )]
    pub websocket_listen_address: Option<SocketAddr>,
    /// Connect out to a client that listens at this websocket URL (e.g. ws://127.0.0.1:12346)
    /// instead of listening, and again whenever the connection ends; used only when neither
    /// --websocket-port nor --websocket-listen-address is given.
    #[arg(long, help_heading = CLIENT_SERVER, value_name = "URL")]
    pub websocket_client_address: Option<String>,
    /// Serve the REST API (HTTP, /api/v1, on 127.0.0.1) on this port, beside the client
    /// websocket server; it is one more client that --max-clients does not count.
    #[arg(long, help_heading = CLIENT_SERVER, value_name = "PORT")]
    pub rest_api_port: Option<u16>,
    /// Name the server gives clients in ServerInfo.
    #[arg(long, help_heading = CLIENT_SERVER, value_name = "NAME", default_value = "Buttplug Server")]
    pub server_name: String,
    /// Milliseconds within which clients must ping; 0 disables the watchdog.
    #[arg(long, help_heading = CLIENT_SERVER, value_name = "MS", default_value_t = 0)]
    pub max_ping_time: u32,

    /// Use Bluetooth LE devices.
    #[arg(long, help_heading = DEVICE_TRANSPORTS)]
    pub use_bluetooth_le: bool,
    /// Use serial-port devices.
    #[arg(long, help_heading = DEVICE_TRANSPORTS)]
    pub use_serial: bool,
    /// Use HID devices.
    #[arg(long, help_heading = DEVICE_TRANSPORTS)]
    pub use_hid: bool,
    /// Use gamepads with rumble motors (on Linux the event devices of /dev/input, which needs
    /// read and write access to them). `--use-xinput`, the flag of older engines, does the same.
    #[arg(long, help_heading = DEVICE_TRANSPORTS, alias = "use-xinput")]
    pub use_sdl_gamepad: bool,
    /// Accept devices that connect over the device websocket server.
    #[arg(long, help_heading = DEVICE_TRANSPORTS)]
    pub use_device_websocket_server: bool,
    /// Port of the device websocket server [default: 54817].
    #[arg(long, help_heading = DEVICE_TRANSPORTS, value_name = "PORT")]
    pub device_websocket_server_port: Option<u16>,
    /// Use toys paired with the Lovense Connect app, through the app's local network API (the
    /// app is found through the vendor's discovery service, see --lovense-connect-discovery-url).
    #[arg(long, help_heading = DEVICE_TRANSPORTS)]
    pub use_lovense_connect: bool,

    /// Device configuration file (public format, major 4 or 5) replacing the built-in database.
    #[arg(long, help_heading = DEVICE_CONFIG, value_name = "PATH")]
    pub device_config_file: Option<PathBuf>,
    /// User device configuration file.
    #[arg(long, help_heading = DEVICE_CONFIG, value_name = "PATH")]
    pub user_device_config_file: Option<PathBuf>,

    /// Log level: error, warn, info, debug or trace [default: the RUST_LOG environment variable,
    /// else info].
    #[arg(long, help_heading = LOGGING_AND_GUI, value_name = "LEVEL")]
    pub log: Option<tracing::Level>,
    /// Print the version and exit.
    #[arg(long, help_heading = LOGGING_AND_GUI)]
    pub version: bool,
    /// Print the bare version number and exit.
    #[arg(long, help_heading = LOGGING_AND_GUI)]
    pub server_version: bool,
    /// Serve a GUI (such as Intiface Central) on ws://127.0.0.1:PORT: the engine waits for it to
    /// connect before it starts, tells it what happens and sends it the log, and stops when it
    /// sends Stop or goes away.
    #[arg(long, help_heading = LOGGING_AND_GUI, value_name = "PORT")]
    pub frontend_websocket_port: Option<u16>,

    /// PEM certificate chain (server certificate first) to serve clients over TLS, wss://; needs
    /// --websocket-tls-key.
    #[arg(long, help_heading = BPIO_SPECIFIC, value_name = "PATH")]
    pub websocket_tls_cert: Option<PathBuf>,
    /// PEM private key of --websocket-tls-cert.
    #[arg(long, help_heading = BPIO_SPECIFIC, value_name = "PATH")]
    pub websocket_tls_key: Option<PathBuf>,
    /// Shared secret a client must present, as ?token=TOKEN in its URL or an
    /// `Authorization: Bearer TOKEN` header; other users of this machine can see it in the
    /// process list, so prefer --websocket-token-file.
    #[arg(long, help_heading = BPIO_SPECIFIC, value_name = "TOKEN")]
    pub websocket_token: Option<String>,
    /// File holding the shared secret of --websocket-token (surrounding whitespace ignored).
    #[arg(long, help_heading = BPIO_SPECIFIC, value_name = "PATH")]
    pub websocket_token_file: Option<PathBuf>,
    /// Largest client message accepted, in bytes; a larger one stops the client's devices and
    /// closes its connection with code 1009 (message too big).
    #[arg(long, help_heading = BPIO_SPECIFIC, value_name = "BYTES", default_value_t = 1 << 20)]
    pub max_message_size: usize,
    /// Most protocol messages handled from one client message; the rest of a longer one gets
    /// one Error.
    #[arg(long, help_heading = BPIO_SPECIFIC, value_name = "N", default_value_t = SessionConfig::DEFAULT_MAX_MESSAGES_PER_FRAME)]
    pub max_messages_per_frame: usize,
    /// Put the engine on an MQTT broker: mqtt://HOST:PORT, or mqtts://HOST:PORT for TLS.
    /// Remote clients send on PREFIX/NAME/command/ID and get replies on PREFIX/NAME/reply/ID
    /// (docs/MQTT.md).
    #[arg(long, help_heading = MQTT, value_name = "URL")]
    pub mqtt_url: Option<String>,
    /// PEM certificates to trust as roots for an mqtts:// broker [default: the bundled public
    /// roots].
    #[arg(long, help_heading = MQTT, value_name = "PATH")]
    pub mqtt_ca: Option<PathBuf>,
    /// The engine's account on the broker.
    #[arg(long, help_heading = MQTT, value_name = "NAME")]
    pub mqtt_username: Option<String>,
    /// A file whose first line is the password of --mqtt-username.
    #[arg(long, help_heading = MQTT, value_name = "PATH")]
    pub mqtt_password_file: Option<PathBuf>,
    /// The engine's name in topics [default: --server-name, lower case, with - for anything
    /// but letters, digits, - and _].
    #[arg(long, help_heading = MQTT, value_name = "NAME")]
    pub mqtt_name: Option<String>,
    /// The first level of every topic.
    #[arg(long, help_heading = MQTT, value_name = "PREFIX", default_value = "bpio")]
    pub mqtt_prefix: String,
    /// Milliseconds within which remote clients must ping (never 0: a remote client that
    /// vanishes must not keep devices running).
    #[arg(long, help_heading = MQTT, value_name = "MS", default_value_t = 2000)]
    pub mqtt_max_ping_time: u32,
    /// Home Assistant MQTT discovery: each output a number entity, each battery a sensor, a
    /// stop-all button.
    #[arg(long, help_heading = MQTT)]
    pub mqtt_homeassistant: bool,
    /// Serve the web control panel on this port (http://127.0.0.1:PORT/, on the client server's
    /// interface, with its TLS and token): devices, levels and readings live, sliders, stop-all.
    #[arg(long, help_heading = BPIO_SPECIFIC, value_name = "PORT")]
    pub web_port: Option<u16>,
    /// Clients served at once, each its own session with its own spec version; beyond them a
    /// connection is refused with HTTP 503. Who stops what: docs/PROTOCOL.md 14.
    #[arg(
        long,
        help_heading = BPIO_SPECIFIC,
        value_name = "N",
        default_value_t = 1,
        value_parser = clap::value_parser!(u16).range(1..)
    )]
    pub max_clients: u16,
    /// Add the simulated devices (for trying things out without hardware).
    #[arg(long, help_heading = BPIO_SPECIFIC)]
    pub simulate: bool,
    /// Use raw USB devices that the device config names in `usb` specifiers (the Rez
    /// TranceVibrator).
    // intiface-engine 5.0.5 has no USB transport, so no flag to copy; every transport it has is
    // off unless its `--use-*` flag asks for it, and so is this one. Not part of --use-hid: raw
    // USB is another transport (another device node, permission and driver), as it was for the
    // reference's C# server, whose HID and WinUSB managers were separate.
    #[arg(long, help_heading = BPIO_SPECIFIC)]
    pub use_usb: bool,
    /// Where --use-lovense-connect asks which Lovense Connect apps run on this network
    /// [default: <https://api.lovense.com/api/lan/getToys>, the vendor's service].
    #[arg(long, help_heading = BPIO_SPECIFIC, value_name = "URL")]
    pub lovense_connect_discovery_url: Option<String>,

    /// Not supported: the Lovense USB dongle is deprecated by the reference project; the engine
    /// says so and runs on. Use --use-bluetooth-le for Lovense toys.
    #[arg(long, help_heading = DEVICE_TRANSPORTS)]
    pub use_lovense_dongle_serial: bool,
    /// Not supported: the Lovense USB dongle is deprecated by the reference project; the engine
    /// says so and runs on. Use --use-bluetooth-le for Lovense toys.
    #[arg(long, help_heading = DEVICE_TRANSPORTS)]
    pub use_lovense_dongle_hid: bool,
    /// Advertise the client websocket server on the local network over mDNS (service
    /// _intiface_engine._tcp); never while it listens on loopback only.
    #[arg(long, help_heading = CLIENT_SERVER)]
    pub broadcast_server_mdns: bool,
    /// Text appended to the advertised mDNS instance name (`Intiface <random> <SUFFIX>`).
    #[arg(long, help_heading = CLIENT_SERVER, value_name = "SUFFIX")]
    pub mdns_suffix: Option<String>,
    /// Repeater mode: run no devices; join each client that connects to --repeater-port to the
    /// server at --repeater-remote-address, frame for frame.
    #[arg(long, help_heading = REPEATER)]
    pub repeater: bool,
    /// Port clients of the repeater connect to, on the interface of the client server
    /// (loopback unless --websocket-use-all-interfaces) [default: the client server's port].
    #[arg(long, help_heading = REPEATER, value_name = "PORT")]
    pub repeater_port: Option<u16>,
    /// (bpio-specific) The server the repeater joins its clients to: ws://HOST:PORT, or wss://
    /// with --websocket-tls-roots; a token goes in the URL (?token=…).
    #[arg(long, help_heading = REPEATER, value_name = "URL")]
    pub repeater_remote_address: Option<String>,
    /// PEM certificates trusted as roots when the engine connects out over wss://
    /// (--repeater-remote-address, --websocket-client-address).
    #[arg(long, help_heading = BPIO_SPECIFIC, value_name = "PATH")]
    pub websocket_tls_roots: Option<PathBuf>,
    // Flags of older intiface-engine releases (and of its debug builds): accepted so that old
    // command lines still start, hidden, and each given one is warned about (`legacy`).
    #[arg(long, hide = true)]
    #[allow(missing_docs)]
    pub allow_raw: bool,
    #[arg(long, hide = true)]
    #[allow(missing_docs)]
    pub crash_reporting: bool,
    #[arg(long, hide = true)]
    #[allow(missing_docs)]
    pub crash_main_thread: bool,
    #[arg(long, hide = true)]
    #[allow(missing_docs)]
    pub crash_task_thread: bool,
}

impl Options {
    /// What every client session is told by the flags.
    pub fn session_config(&self) -> SessionConfig {
        SessionConfig {
            server_name: self.server_name.clone(),
            max_ping_time: Duration::from_millis(u64::from(self.max_ping_time)),
            max_messages_per_frame: self.max_messages_per_frame,
        }
    }

    /// Where the client websocket server listens.
    pub fn listen_address(&self) -> SocketAddr {
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

    /// The client to connect out to (`--websocket-client-address`, `ws://` assumed when the
    /// address has no scheme), unless a listen port or address is given, which wins as it does
    /// for the reference.
    pub fn client_address(&self) -> Option<String> {
        let address = self.websocket_client_address.as_deref()?;
        if self.websocket_port.is_some() || self.websocket_listen_address.is_some() {
            return None;
        }
        Some(if address.contains("://") { address.to_owned() } else { format!("ws://{address}") })
    }

    /// The flag that chose the listen address, for error messages.
    pub fn listen_flag(&self) -> &'static str {
        if self.websocket_listen_address.is_some() {
            "--websocket-listen-address"
        } else {
            "--websocket-port"
        }
    }

    /// Where the device websocket server listens: on the interface the client server uses
    /// (loopback unless told otherwise), at --device-websocket-server-port.
    pub fn device_listen_address(&self) -> SocketAddr {
        let port = self.device_websocket_server_port.unwrap_or(DEFAULT_DEVICE_PORT);
        SocketAddr::new(self.listen_address().ip(), port)
    }
}

#[cfg(test)]
mod tests {
    use clap::error::ErrorKind;

    use super::*;

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        Options::try_parse_from(std::iter::once("bpio-engine").chain(args.iter().copied()))
    }

    #[test]
    fn a_listen_address_is_refused_beside_the_flags_it_replaces_as_the_reference_does() {
        let alone = parse(&["--websocket-listen-address", "127.0.0.2:4000"]).unwrap();
        assert_eq!(alone.listen_address(), "127.0.0.2:4000".parse().unwrap());
        for other in [&["--websocket-port", "4001"][..], &["--websocket-use-all-interfaces"]] {
            let mut args = vec!["--websocket-listen-address", "127.0.0.2:4000"];
            args.extend_from_slice(other);
            let err = parse(&args).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ArgumentConflict, "{other:?}");
        }
    }
}
