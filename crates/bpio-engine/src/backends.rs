//! The hardware backends the flags ask for, each as the factory of its manager.

use std::sync::Arc;

use anyhow::{Context, Result};
use bpio::device_config::{DeviceConfig, Specifier, UsbId};
use bpio::hardware::sim::{self, SimulatedManager};
use bpio::hw_btleplug::{BtleplugConfig, BtleplugManager, DeviceFilter};
use bpio::hw_gamepad::GamepadManager;
use bpio::hw_hid::HidManager;
use bpio::hw_lovense_connect::{self, LovenseConnect};
use bpio::hw_serial::SerialManager;
use bpio::hw_usb::UsbManager;
use bpio::hw_websocket::{self, DeviceServer};
use bpio::server::runtime::ManagerFactory;
use tracing::{debug, info, warn};

use crate::frontend::PortInUse;
use crate::options::Options;

/// The hardware managers the flags ask for. The device websocket server is bound here, so a
/// taken port stops the engine with one clear line.
pub(crate) async fn managers(
    options: &Options,
    config: &DeviceConfig,
) -> Result<Vec<ManagerFactory>> {
    let mut managers: Vec<ManagerFactory> = Vec::new();
    if options.simulate {
        managers.push(Box::new(|events| {
            // Not recording: an engine keeps no history of what its devices were sent.
            let manager = SimulatedManager::new(events);
            manager.add(sim::lovense_hush("sim-lovense-hush"));
            manager.add(sim::lovense_edge("sim-lovense-edge"));
            manager.add(sim::lovense_nora("sim-lovense-nora"));
            manager.add(sim::tcode_stroker("simulated-tcode"));
            manager.add(sim::sensor("sim-sensor"));
            Arc::new(manager)
        }));
    }
    if options.use_bluetooth_le {
        // Scan results are narrowed to what the database could recognise.
        let mut filter = DeviceFilter::default();
        for btle in config.btle_specifiers() {
            filter.add_names(&btle.names);
            filter.add_services(btle.advertised_services.iter().copied());
            filter.add_companies(btle.manufacturer_data.iter().map(|data| data.company));
        }
        let ble = BtleplugConfig { filter: Some(filter), ..BtleplugConfig::default() };
        managers.push(Box::new(BtleplugManager::factory(ble)));
    }
    if options.use_serial {
        let ports = serial_ports(config);
        debug!(ports = ?ports, "serial ports named in the device config");
        managers.push(Box::new(move |events| Arc::new(SerialManager::new(events, ports))));
    }
    if options.use_hid {
        managers.push(Box::new(|events| Arc::new(HidManager::new(events))));
    }
    if options.use_usb {
        let ids = usb_ids(config);
        debug!(ids = ?ids, "USB devices named in the device config");
        managers.push(Box::new(move |events| Arc::new(UsbManager::new(events, ids))));
    }
    if options.use_sdl_gamepad {
        managers.push(Box::new(|events| Arc::new(GamepadManager::new(events))));
    }
    if options.use_device_websocket_server {
        let address = options.device_listen_address();
        let server = DeviceServer::bind(address).await.map_err(|err| match err {
            hw_websocket::Error::AddrInUse { .. } => {
                anyhow::Error::new(PortInUse { address, flag: "--device-websocket-server-port" })
            }
            other => {
                anyhow::Error::new(other).context(format!("cannot listen for devices on {address}"))
            }
        })?;
        info!("listening for devices on ws://{}", server.local_addr());
        managers.push(Box::new(move |events| {
            Arc::new(server.start(hw_websocket::Config::default(), events))
        }));
    } else if options.device_websocket_server_port.is_some() {
        warn!("--device-websocket-server-port has no effect without --use-device-websocket-server");
    }
    if options.use_lovense_connect {
        let mut config = hw_lovense_connect::Config::default();
        if let Some(url) = &options.lovense_connect_discovery_url {
            config.discovery_url.clone_from(url);
        }
        let lovense_connect =
            LovenseConnect::new(config).context("check --lovense-connect-discovery-url")?;
        managers.push(Box::new(move |events| Arc::new(lovense_connect.start(events))));
    } else if options.lovense_connect_discovery_url.is_some() {
        warn!("--lovense-connect-discovery-url has no effect without --use-lovense-connect");
    }
    Ok(managers)
}

/// The ports the device config's `serial` specifiers name: the serial backend opens them even
/// when enumeration does not list them.
fn serial_ports(config: &DeviceConfig) -> Vec<String> {
    config
        .specifiers()
        .filter_map(|rule| match rule {
            Specifier::Serial(serial) => Some(serial.port.clone()),
            _ => None,
        })
        .collect()
}

/// The vendor/product ids the device config's `usb` specifiers name: the only devices the USB
/// backend looks at.
fn usb_ids(config: &DeviceConfig) -> Vec<UsbId> {
    config
        .specifiers()
        .filter_map(|rule| match rule {
            Specifier::Usb(ids) => Some(ids.pairs.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect()
}
