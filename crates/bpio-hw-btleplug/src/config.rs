//! What the backend is told: which advertisements to report, how long each operation may take,
//! and whether to bring dropped devices back.

use std::collections::BTreeSet;
use std::time::Duration;

use bpio_hardware::{Advertisement, Uuid};

/// How the backend behaves. `Default` gives the values the engine uses.
#[derive(Debug, Clone)]
pub struct BtleplugConfig {
    /// Which advertisements a scan reports; `None` reports every device the adapter sees.
    pub filter: Option<DeviceFilter>,
    /// The longest a connection (link, then service discovery) may take.
    pub connect_timeout: Duration,
    /// The longest any other operation (write, subscribe, disconnect, a D-Bus query) may take;
    /// reads take the timeout their command names.
    pub operation_timeout: Duration,
    /// Whether and how often to reconnect a device that dropped its link; `None` never does.
    pub reconnect: Option<Reconnect>,
}

impl Default for BtleplugConfig {
    fn default() -> Self {
        Self {
            filter: None,
            connect_timeout: Duration::from_secs(30),
            operation_timeout: Duration::from_secs(5),
            reconnect: Some(Reconnect::default()),
        }
    }
}

/// The retry schedule for a device that dropped: the first attempt after `first_delay`, then
/// twice the previous wait each time, never more than `max_delay`, for as long as the manager
/// exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reconnect {
    /// Wait before the first attempt.
    pub first_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
}

impl Default for Reconnect {
    fn default() -> Self {
        Self { first_delay: Duration::from_secs(1), max_delay: Duration::from_secs(30) }
    }
}

/// The advertisements worth reporting: those that could match a `btle` specifier of the device
/// database, by advertised name (exact, or a prefix for entries ending in `*`), advertised
/// service or manufacturer company.
///
/// It only thins out what reaches the server, which matches every report against the database
/// anyway, so it errs on the side of reporting: manufacturer data counts by company alone. It is
/// applied here rather than handed to BlueZ as a discovery filter, because BlueZ can only filter
/// on advertised services and most toys are recognised by name alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceFilter {
    names: BTreeSet<String>,
    prefixes: BTreeSet<String>,
    services: BTreeSet<Uuid>,
    companies: BTreeSet<u16>,
}

impl DeviceFilter {
    /// Accepts these names; an entry ending in `*` accepts every name starting with the rest.
    pub fn add_names<S: AsRef<str>>(&mut self, names: impl IntoIterator<Item = S>) {
        for name in names {
            let name = name.as_ref();
            match name.strip_suffix('*') {
                Some(prefix) => self.prefixes.insert(prefix.to_owned()),
                None => self.names.insert(name.to_owned()),
            };
        }
    }

    /// Accepts devices advertising any of these services.
    pub fn add_services(&mut self, services: impl IntoIterator<Item = Uuid>) {
        self.services.extend(services);
    }

    /// Accepts devices with manufacturer data of any of these companies.
    pub fn add_companies(&mut self, companies: impl IntoIterator<Item = u16>) {
        self.companies.extend(companies);
    }

    /// Whether a BLE advertisement could match; other transports never do.
    pub fn accepts(&self, advertisement: &Advertisement<'_>) -> bool {
        let Advertisement::Btle { name, manufacturer_data, services } = advertisement else {
            return false;
        };
        self.names.contains(*name)
            || self.prefixes.iter().any(|prefix| name.starts_with(prefix.as_str()))
            || services.iter().any(|service| self.services.contains(service))
            || manufacturer_data.iter().any(|data| self.companies.contains(&data.company))
    }
}

#[cfg(test)]
mod tests {
    use bpio_hardware::CompanyData;

    use super::*;

    fn btle<'a>(
        name: &'a str,
        data: &'a [CompanyData<'a>],
        services: &'a [Uuid],
    ) -> Advertisement<'a> {
        Advertisement::Btle { name, manufacturer_data: data, services }
    }

    #[test]
    fn accepts_names_prefixes_services_and_companies() {
        let service = Uuid::from_u128(0x5a30_0001_0023_4bd4_bbd5_a692_0e4c_5653);
        let mut filter = DeviceFilter::default();
        filter.add_names(["LVS-*", "Exact Toy"]);
        filter.add_services([service]);
        filter.add_companies([620]);

        assert!(filter.accepts(&btle("LVS-Z36", &[], &[])));
        assert!(filter.accepts(&btle("Exact Toy", &[], &[])));
        assert!(!filter.accepts(&btle("Exact Toy 2", &[], &[])));
        assert!(!filter.accepts(&btle("lvs-z36", &[], &[])));
        assert!(filter.accepts(&btle("", &[], &[service])));
        assert!(filter.accepts(&btle("", &[CompanyData { company: 620, data: &[1] }], &[])));
        assert!(!filter.accepts(&btle(
            "Headphones",
            &[CompanyData { company: 6, data: &[] }],
            &[]
        )));
        assert!(!filter.accepts(&Advertisement::Serial { port: "LVS-Z36" }));
    }

    #[test]
    fn a_lone_star_accepts_every_name() {
        let mut filter = DeviceFilter::default();
        assert!(!filter.accepts(&btle("anything", &[], &[])));
        filter.add_names(["*"]);
        assert!(filter.accepts(&btle("anything", &[], &[])));
        assert!(filter.accepts(&btle("", &[], &[])));
    }
}
