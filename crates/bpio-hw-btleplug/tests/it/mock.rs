//! Driving the mock BlueZ. The `bluez5` template has adapters and devices only; GATT services
//! and characteristics are added here through dbusmock's own API (`AddObject`, `AddMethods`,
//! `UpdateProperties`), with the small Python bodies dbusmock runs for each method.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use dbus::arg::{AppendAll, PropMap, ReadAll, RefArg, Variant};
use dbus::blocking::SyncConnection;
use dbus::blocking::stdintf::org_freedesktop_dbus::Properties;

const MOCK: &str = "org.freedesktop.DBus.Mock";
const BLUEZ_MOCK: &str = "org.bluez.Mock";
const DEVICE: &str = "org.bluez.Device1";
const SERVICE: &str = "org.bluez.GattService1";
const CHARACTERISTIC: &str = "org.bluez.GattCharacteristic1";
/// The tests' own methods for steering a peripheral.
const STEER: &str = "org.bpio.MockPeripheral";
const TIMEOUT: Duration = Duration::from_secs(10);

/// `Connect` refuses while the device is away (out of range), as BlueZ does when a connection
/// attempt finds nobody; otherwise the link comes up with its services resolved.
const CONNECT: &str = "\
self.attempts = getattr(self, 'attempts', 0) + 1
if getattr(self, 'away', False):
    raise dbus.exceptions.DBusException('le-connection-abort-by-local', name='org.bluez.Error.Failed')
self.UpdateProperties('org.bluez.Device1', {'Connected': dbus.Boolean(True), 'ServicesResolved': dbus.Boolean(True)})
";
const DISCONNECT: &str = "\
self.UpdateProperties('org.bluez.Device1', {'Connected': dbus.Boolean(False), 'ServicesResolved': dbus.Boolean(False)})
";
/// The device walks out of range: the link drops and connecting fails until it comes back.
const WALK_AWAY: &str = "\
self.away = True
self.UpdateProperties('org.bluez.Device1', {'Connected': dbus.Boolean(False), 'ServicesResolved': dbus.Boolean(False)})
";
const READ_VALUE: &str = "ret = self.props['org.bluez.GattCharacteristic1']['Value']";
const WRITE_VALUE: &str =
    "self.writes = getattr(self, 'writes', []) + [(bytes(args[0]), str(args[1].get('type', '')))]";
const START_NOTIFY: &str =
    "self.UpdateProperties('org.bluez.GattCharacteristic1', {'Notifying': dbus.Boolean(True)})";
const STOP_NOTIFY: &str =
    "self.UpdateProperties('org.bluez.GattCharacteristic1', {'Notifying': dbus.Boolean(False)})";
const WRITTEN: &str =
    "ret = [(dbus.ByteArray(data), kind) for data, kind in getattr(self, 'writes', [])]";

/// A method for dbusmock: name, input and output signatures, Python body.
type Method<'a> = (&'a str, &'a str, &'a str, &'a str);

/// The mock BlueZ on the private system bus.
pub(crate) struct Bluez {
    bus: SyncConnection,
    adapter: AtomicBool,
}

/// What a peripheral advertises and which GATT services it has.
pub(crate) struct PeripheralSpec<'a> {
    pub(crate) address: &'a str,
    pub(crate) name: &'a str,
    pub(crate) advertised_services: &'a [u128],
    pub(crate) manufacturer_data: &'a [(u16, &'a [u8])],
    /// GATT service → its characteristics.
    pub(crate) gatt: &'a [(u128, &'a [u128])],
}

/// One peripheral of the mock.
pub(crate) struct MockPeripheral<'a> {
    bluez: &'a Bluez,
    path: String,
    characteristics: HashMap<u128, String>,
}

impl Bluez {
    /// Connects to the system bus (the private one) and waits for the mock to own `org.bluez`.
    pub(crate) fn connect() -> Self {
        let bus = SyncConnection::new_system().expect("the private system bus");
        let deadline = Instant::now() + Duration::from_secs(60);
        let daemon = bus.with_proxy("org.freedesktop.DBus", "/org/freedesktop/DBus", TIMEOUT);
        loop {
            let (owned,): (bool,) = daemon
                .method_call("org.freedesktop.DBus", "NameHasOwner", ("org.bluez",))
                .expect("NameHasOwner");
            if owned {
                break;
            }
            assert!(Instant::now() < deadline, "the mock BlueZ never appeared on the bus");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { bus, adapter: AtomicBool::new(false) }
    }

    fn call<A: AppendAll, R: ReadAll>(
        &self,
        path: &str,
        interface: &str,
        method: &str,
        args: A,
    ) -> R {
        self.bus
            .with_proxy("org.bluez", path, TIMEOUT)
            .method_call(interface, method, args)
            .unwrap_or_else(|err| panic!("{interface}.{method} on {path}: {err}"))
    }

    fn add_methods(&self, path: &str, interface: &str, methods: &[Method<'_>]) {
        self.call::<_, ()>(path, MOCK, "AddMethods", (interface, methods.to_vec()));
    }

    fn update(&self, path: &str, interface: &str, properties: PropMap) {
        self.call::<_, ()>(path, MOCK, "UpdateProperties", (interface, properties));
    }

    /// Adds the adapter `hci0` (once).
    pub(crate) fn ensure_adapter(&self) {
        if !self.adapter.swap(true, Ordering::SeqCst) {
            let (_path,): (String,) =
                self.call("/", BLUEZ_MOCK, "AddAdapter", ("hci0", "bpio-test"));
        }
    }

    /// Adds a peripheral the adapter hears advertising, with its GATT services.
    pub(crate) fn add_peripheral(&self, spec: &PeripheralSpec<'_>) -> MockPeripheral<'_> {
        self.ensure_adapter();
        let (path,): (String,) =
            self.call("/", BLUEZ_MOCK, "AddDevice", ("hci0", spec.address, spec.name));
        let uuids: Vec<String> = spec.advertised_services.iter().map(|s| uuid(*s)).collect();
        let companies: HashMap<u16, Variant<Box<dyn RefArg>>> = spec
            .manufacturer_data
            .iter()
            .map(|(company, data)| (*company, Variant(Box::new(data.to_vec()) as Box<dyn RefArg>)))
            .collect();
        self.update(
            &path,
            DEVICE,
            props([("UUIDs", boxed(uuids)), ("ManufacturerData", boxed(companies))]),
        );
        self.add_methods(
            &path,
            DEVICE,
            &[("Connect", "", "", CONNECT), ("Disconnect", "", "", DISCONNECT)],
        );
        self.add_methods(
            &path,
            STEER,
            &[
                ("WalkAway", "", "", WALK_AWAY),
                ("ComeBack", "", "", "self.away = False"),
                ("Attempts", "", "u", "ret = dbus.UInt32(getattr(self, 'attempts', 0))"),
            ],
        );
        let mut characteristics = HashMap::new();
        for (number, (service, chars)) in (1..).zip(spec.gatt) {
            let service_path = format!("{path}/service{:04x}", number * 0x10);
            let properties = props([
                ("UUID", boxed(uuid(*service))),
                ("Primary", boxed(true)),
                ("Device", boxed(dbus::Path::from(path.clone()))),
            ]);
            // BlueZ's GATT services have no methods; dbusmock's introspection of an interface
            // without any trips the XML parser btleplug reads the object tree with ("duplicate
            // field `interface`"), so the mock's service gets one that nobody calls.
            let methods = vec![("Unused", "", "", "")];
            self.call::<_, ()>(
                "/",
                MOCK,
                "AddObject",
                (&service_path, SERVICE, properties, methods),
            );
            for (offset, characteristic) in (1..).zip(*chars) {
                let path = format!("{service_path}/char{:04x}", number * 0x10 + offset);
                let properties = props([
                    ("UUID", boxed(uuid(*characteristic))),
                    ("Service", boxed(dbus::Path::from(service_path.clone()))),
                    ("Value", boxed(Vec::<u8>::new())),
                    ("Notifying", boxed(false)),
                    (
                        "Flags",
                        boxed(
                            ["read", "write", "write-without-response", "notify"]
                                .map(String::from)
                                .to_vec(),
                        ),
                    ),
                ]);
                let methods = vec![
                    ("ReadValue", "a{sv}", "ay", READ_VALUE),
                    ("WriteValue", "aya{sv}", "", WRITE_VALUE),
                    ("StartNotify", "", "", START_NOTIFY),
                    ("StopNotify", "", "", STOP_NOTIFY),
                ];
                self.call::<_, ()>(
                    "/",
                    MOCK,
                    "AddObject",
                    (&path, CHARACTERISTIC, properties, methods),
                );
                self.add_methods(&path, STEER, &[("Written", "", "a(ays)", WRITTEN)]);
                characteristics.insert(*characteristic, path);
            }
        }
        MockPeripheral { bluez: self, path, characteristics }
    }
}

impl MockPeripheral<'_> {
    fn characteristic(&self, uuid: u128) -> &str {
        self.characteristics.get(&uuid).expect("a characteristic of this peripheral")
    }

    /// The adapter hears the device again (BlueZ updates the signal strength).
    pub(crate) fn advertise(&self, rssi: i16) {
        self.bluez.update(&self.path, DEVICE, props([("RSSI", boxed(rssi))]));
    }

    /// Everything written to a characteristic: the bytes, and BlueZ's write type (`command` is
    /// without response, `request` with).
    pub(crate) fn written(&self, characteristic: u128) -> Vec<(Vec<u8>, String)> {
        let (written,): (Vec<(Vec<u8>, String)>,) =
            self.bluez.call(self.characteristic(characteristic), STEER, "Written", ());
        written
    }

    /// The characteristic's value changes; BlueZ signals it (a notification when notifying).
    pub(crate) fn change_value(&self, characteristic: u128, value: &[u8]) {
        let path = self.characteristic(characteristic);
        self.bluez.update(path, CHARACTERISTIC, props([("Value", boxed(value.to_vec()))]));
    }

    /// Whether notifications of the characteristic are on.
    pub(crate) fn notifying(&self, characteristic: u128) -> bool {
        self.property(self.characteristic(characteristic), CHARACTERISTIC, "Notifying")
    }

    /// Whether the link is up.
    pub(crate) fn connected(&self) -> bool {
        self.property(&self.path, DEVICE, "Connected")
    }

    /// How often something tried to connect the device.
    pub(crate) fn attempts(&self) -> u32 {
        let (attempts,): (u32,) = self.bluez.call(&self.path, STEER, "Attempts", ());
        attempts
    }

    /// The link drops and the device is out of reach.
    pub(crate) fn walk_away(&self) {
        self.bluez.call::<_, ()>(&self.path, STEER, "WalkAway", ());
    }

    /// The device is in reach again.
    pub(crate) fn come_back(&self) {
        self.bluez.call::<_, ()>(&self.path, STEER, "ComeBack", ());
    }

    fn property(&self, path: &str, interface: &str, name: &str) -> bool {
        self.bluez
            .bus
            .with_proxy("org.bluez", path, TIMEOUT)
            .get(interface, name)
            .unwrap_or_else(|err| panic!("{interface}.{name} of {path}: {err}"))
    }
}

fn uuid(value: u128) -> String {
    bpio_hardware::Uuid::from_u128(value).to_string()
}

fn boxed(value: impl RefArg + 'static) -> Variant<Box<dyn RefArg>> {
    Variant(Box::new(value))
}

fn props<const N: usize>(entries: [(&str, Variant<Box<dyn RefArg>>); N]) -> PropMap {
    entries.into_iter().map(|(name, value)| (name.to_owned(), value)).collect()
}
