//! Advertising the client websocket server over mDNS (`--broadcast-server-mdns`), as
//! intiface-engine does, so that apps on the local network find it without being told an address.
//!
//! The service is `_intiface_engine._tcp`, the instance "Intiface <6 random alphanumerics>"
//! followed by `--mdns-suffix` if given, the TXT record `path=/`, at the port actually bound.
//! It is advertised only on the addresses the server listens on, and not at all while it listens
//! on loopback only: nobody on the network could connect.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::{Result, bail};
use mdns_sd::{IfKind, ServiceDaemon, ServiceInfo};
use tracing::{debug, info, warn};

use crate::options::Options;

/// The service type (with its domain) that intiface-engine advertises and apps browse for.
pub const SERVICE_TYPE: &str = "_intiface_engine._tcp.local.";

/// What makes the instance name unique on the network, as in intiface-engine.
const RANDOM_LEN: usize = 6;

/// The longest instance name DNS allows (one label).
const MAX_INSTANCE_NAME: usize = 63;

/// How long shutdown waits for the daemon to confirm that the goodbye went out.
const GOODBYE_PATIENCE: Duration = Duration::from_secs(1);

/// The daemon repeats the goodbye after 120 ms for peers that missed the first; shutdown waits
/// that long before it stops the daemon.
const GOODBYE_REPEAT: Duration = Duration::from_millis(200);

/// An advertisement the flags ask for, checked before the engine listens.
#[derive(Debug)]
pub(crate) struct Plan {
    instance_name: String,
    /// Unique like the instance name: the engine does not claim the machine's own host name,
    /// which the system's mDNS responder may already answer for.
    host_name: String,
}

impl Plan {
    /// The advertisement `--broadcast-server-mdns` asks for, `None` without it. A suffix that
    /// makes the instance name too long for DNS is an error.
    pub(crate) fn from_options(options: &Options) -> Result<Option<Self>> {
        if !options.broadcast_server_mdns {
            if options.mdns_suffix.is_some() {
                warn!("--mdns-suffix has no effect without --broadcast-server-mdns");
            }
            return Ok(None);
        }
        let random: String =
            std::iter::repeat_with(fastrand::alphanumeric).take(RANDOM_LEN).collect();
        let instance_name = instance_name(options.mdns_suffix.as_deref(), &random)?;
        let host_name = format!("bpio-{}.local.", random.to_ascii_lowercase());
        Ok(Some(Self { instance_name, host_name }))
    }

    /// The instance name advertised.
    pub(crate) fn instance_name(&self) -> &str {
        &self.instance_name
    }

    /// Starts advertising a server listening at `address` (its real port). `None`, after one log
    /// line saying why, when it listens on loopback only or the advertisement cannot start; the
    /// engine runs on either way.
    pub(crate) fn start(&self, address: SocketAddr) -> Option<Advertisement> {
        let Some(reach) = Reach::of(address.ip()) else {
            info!(
                "not advertising over mDNS: clients are served on {address}, loopback only, \
                 which nobody on the network can reach; listen beyond it with \
                 --websocket-use-all-interfaces or --websocket-listen-address"
            );
            return None;
        };
        match self.register(reach, address.port()) {
            Ok(advertisement) => {
                info!(
                    instance = %self.instance_name,
                    port = address.port(),
                    "advertising over mDNS as \"{}\" ({SERVICE_TYPE}) on {}",
                    self.instance_name,
                    reach.describe(),
                );
                Some(advertisement)
            }
            Err(err) => {
                warn!(cause = %err, "cannot advertise over mDNS; running on without it");
                None
            }
        }
    }

    fn register(&self, reach: Reach, port: u16) -> Result<Advertisement, mdns_sd::Error> {
        let daemon = ServiceDaemon::new()?;
        // Selections apply in order; each later one wins for the interfaces it matches.
        let info = match reach {
            Reach::One(ip) => {
                daemon.disable_interface(IfKind::All)?;
                daemon.enable_interface(IfKind::Addr(ip))?;
                self.service(ip, port)?
            }
            Reach::AllV4 => {
                daemon.disable_interface(IfKind::IPv6)?;
                daemon.disable_interface(IfKind::LoopbackV4)?;
                self.service((), port)?.enable_addr_auto()
            }
            Reach::All => {
                daemon.disable_interface(vec![IfKind::LoopbackV4, IfKind::LoopbackV6])?;
                self.service((), port)?.enable_addr_auto()
            }
        };
        let fullname = info.get_fullname().to_owned();
        daemon.register(info)?;
        Ok(Advertisement { daemon, fullname })
    }

    fn service(&self, ip: impl mdns_sd::AsIpAddrs, port: u16) -> mdns_sd::Result<ServiceInfo> {
        let txt: &[(&str, &str)] = &[("path", "/")];
        ServiceInfo::new(SERVICE_TYPE, &self.instance_name, &self.host_name, ip, port, txt)
    }
}

/// Starts the advertisement `plan` describes for a websocket server listening at `listening`;
/// `None` when there is no plan or, after one log line, no such server (the engine serves the REST
/// API or connects out to its client).
pub(crate) fn advertise(
    plan: Option<&Plan>,
    listening: Option<SocketAddr>,
) -> Option<Advertisement> {
    let plan = plan?;
    let Some(address) = listening else {
        info!(
            "not advertising over mDNS: it names the client websocket server, and the engine \
             runs none (it serves the REST API or connects out to its client)"
        );
        return None;
    };
    plan.start(address)
}

/// A running advertisement. [`Self::stop`] says goodbye, so browsers forget the engine at once.
pub(crate) struct Advertisement {
    daemon: ServiceDaemon,
    fullname: String,
}

impl Advertisement {
    /// Withdraws the advertisement (the goodbye packets) and stops the mDNS daemon.
    pub(crate) async fn stop(self) {
        let Self { daemon, fullname } = self;
        let said = tokio::task::spawn_blocking(move || {
            let goodbye = daemon
                .unregister(&fullname)
                .map(|status| status.recv_timeout(GOODBYE_PATIENCE).is_ok());
            (daemon, goodbye)
        })
        .await;
        let Ok((daemon, goodbye)) = said else { return };
        match goodbye {
            Ok(true) => {
                tokio::time::sleep(GOODBYE_REPEAT).await;
                info!("mDNS advertisement withdrawn");
            }
            Ok(false) => warn!("the mDNS daemon did not confirm the goodbye"),
            Err(err) => warn!(cause = %err, "cannot withdraw the mDNS advertisement"),
        }
        if let Err(err) = daemon.shutdown() {
            debug!(cause = %err, "the mDNS daemon had already stopped");
        }
    }
}

/// Where on the network a server listening on an address can be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// `0.0.0.0`: every IPv4 address of the machine.
    AllV4,
    /// `::`: every address of the machine (IPv6 sockets take IPv4 too, unless told not to).
    All,
    /// One address.
    One(IpAddr),
}

impl Reach {
    /// `None` for loopback: from this machine only.
    fn of(ip: IpAddr) -> Option<Self> {
        Some(match ip.to_canonical() {
            ip if ip.is_loopback() => return None,
            IpAddr::V4(v4) if v4.is_unspecified() => Self::AllV4,
            IpAddr::V6(v6) if v6.is_unspecified() => Self::All,
            ip => Self::One(ip),
        })
    }

    fn describe(self) -> String {
        match self {
            Self::AllV4 => "every IPv4 interface but loopback".to_owned(),
            Self::All => "every interface but loopback".to_owned(),
            Self::One(ip) => format!("{ip}"),
        }
    }
}

/// "Intiface <random>", then the suffix unless it is blank; it must fit in one DNS label.
fn instance_name(suffix: Option<&str>, random: &str) -> Result<String> {
    let name = match suffix.map(str::trim).filter(|suffix| !suffix.is_empty()) {
        Some(suffix) => format!("Intiface {random} {suffix}"),
        None => format!("Intiface {random}"),
    };
    if name.len() > MAX_INSTANCE_NAME {
        bail!(
            "--mdns-suffix is too long: the mDNS instance name \"{name}\" has {} bytes, and DNS \
             allows {MAX_INSTANCE_NAME}",
            name.len()
        );
    }
    if name.chars().any(char::is_control) {
        bail!("--mdns-suffix must not contain control characters");
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_instance_name_is_the_references_with_the_suffix_last() {
        assert_eq!(instance_name(None, "AbC123").unwrap(), "Intiface AbC123");
        assert_eq!(instance_name(Some("phone"), "AbC123").unwrap(), "Intiface AbC123 phone");
        assert_eq!(instance_name(Some("  "), "AbC123").unwrap(), "Intiface AbC123");
        let longest = "x".repeat(MAX_INSTANCE_NAME - "Intiface AbC123 ".len());
        assert!(instance_name(Some(&longest), "AbC123").is_ok());
        let error = instance_name(Some(&format!("{longest}y")), "AbC123").unwrap_err();
        assert!(error.to_string().starts_with("--mdns-suffix is too long"), "{error}");
        assert!(instance_name(Some("a\nb"), "AbC123").is_err());
    }

    #[test]
    fn the_listen_address_decides_where_to_advertise() {
        let reach = |ip: &str| Reach::of(ip.parse().unwrap());
        for loopback in ["127.0.0.1", "127.3.2.1", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(reach(loopback), None, "{loopback}");
        }
        assert_eq!(reach("0.0.0.0"), Some(Reach::AllV4));
        assert_eq!(reach("::"), Some(Reach::All));
        let one = Some(Reach::One("192.0.2.7".parse().unwrap()));
        assert_eq!(reach("192.0.2.7"), one);
        assert_eq!(reach("::ffff:192.0.2.7"), one);
    }
}
