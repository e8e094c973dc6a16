//! Gamepad hardware backend: game controllers with rumble motors, for the `sdl-gamepad` and
//! `xinput` protocols.
//!
//! The key design decision: **the platform sits behind a small trait ([`GamepadPlatform`],
//! [`PadHandle`]) that only lists pads, opens one, sets its two motors, reads its battery and
//! says whether it is still there.** Everything above it (scanning, addresses, the I/O thread,
//! removal) is plain code tested with a fake platform, because a machine without gamepads cannot
//! run the platform's side.
//!
//! On Linux the platform is the kernel's event devices through the pure-Rust `evdev` crate
//! ([`Evdev`]), so building needs no system library; elsewhere it is gilrs (`Gilrs`, built on
//! Linux too with `RUSTFLAGS="--cfg bpio_gilrs"`, where gilrs needs libudev to build).
//!
//! A connected pad has two endpoints:
//! - `tx` takes 8 bytes, four motor magnitudes, each a little-endian `u16` from 0 (off) to 65535:
//!   the strong (low-frequency) motor, the weak (high-frequency) one, and the left and the right
//!   trigger's motor (the slots of the reference's SDL backend). The pads have no trigger motors,
//!   so a packet that turns one on is refused, as is any other length;
//! - a read of `rx` gives 1 byte: the battery level in percent; a pad that reports none (wired,
//!   or its driver does not say) fails the read with [`GamepadError::NoBattery`].
//!
//! A scan reports each pad present once and finishes. Addresses stay the same when a pad is
//! unplugged and plugged back, so the server gives it back its device index; an unplugged pad is
//! a disconnect, and the next scan finds it again. Its one I/O thread performs commands as they
//! come, checks every [`Config::poll`] that the pad is still there, and repeats a rumble every
//! [`Config::rearm`] so that it lasts however long a platform keeps one effect going.
#![warn(missing_docs)]

mod device;
#[cfg(target_os = "linux")]
mod evdev;
#[cfg(any(bpio_gilrs, not(target_os = "linux")))]
mod gilrs;
mod platform;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bpio_hardware::{
    AdvertisementBuf, DeviceConnector, EventSink, FoundDevice, Hardware, HardwareEvent,
    HardwareManager, HwError, ManagerEvent, Specialization,
};
use tracing::{debug, warn};

#[cfg(target_os = "linux")]
pub use crate::evdev::Evdev;
#[cfg(any(bpio_gilrs, not(target_os = "linux")))]
pub use crate::gilrs::Gilrs;
pub use crate::platform::{GamepadPlatform, PadHandle, PadInfo, PlatformError, RUMBLE_HOLD};

/// How the I/O thread of each pad paces itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// How often an idle pad is checked for removal.
    pub poll: Duration,
    /// How often a rumble that is on is repeated; well within [`RUMBLE_HOLD`].
    pub rearm: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self { poll: Duration::from_millis(250), rearm: Duration::from_secs(20) }
    }
}

/// Why a gamepad operation failed, carried inside [`HwError::Backend`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GamepadError {
    /// A write to `tx` that is not a rumble packet.
    #[error(
        "a gamepad takes 8 bytes on tx (four little-endian u16: strong, weak, left trigger, right \
         trigger), not {0}"
    )]
    Packet(usize),
    /// A rumble packet that turns a trigger motor on.
    #[error("this gamepad has no trigger motors")]
    NoTriggerMotors,
    /// The pad reports no battery level.
    #[error("this gamepad reports no battery level")]
    NoBattery,
    /// The platform failed.
    #[error("cannot {operation} the gamepad: {source}")]
    Platform {
        /// What was being done.
        operation: &'static str,
        /// The platform's reason.
        source: PlatformError,
    },
}

/// The [`HardwareManager`] for gamepads. A scan reports each pad present once and finishes; the
/// server ignores pads already connected.
pub struct GamepadManager {
    events: EventSink<ManagerEvent>,
    platform: Arc<dyn GamepadPlatform>,
    config: Config,
}

impl fmt::Debug for GamepadManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GamepadManager").field("config", &self.config).finish_non_exhaustive()
    }
}

impl GamepadManager {
    /// A manager over this system's platform layer, reporting to `events`.
    pub fn new(events: EventSink<ManagerEvent>) -> Self {
        Self::with_platform(events, native(), Config::default())
    }

    /// A manager over another platform layer (tests use a fake).
    pub fn with_platform(
        events: EventSink<ManagerEvent>,
        platform: Arc<dyn GamepadPlatform>,
        config: Config,
    ) -> Self {
        Self { events, platform, config }
    }
}

#[cfg(target_os = "linux")]
fn native() -> Arc<dyn GamepadPlatform> {
    Arc::new(Evdev)
}

#[cfg(not(target_os = "linux"))]
fn native() -> Arc<dyn GamepadPlatform> {
    Arc::new(Gilrs::default())
}

#[async_trait]
impl HardwareManager for GamepadManager {
    fn name(&self) -> &'static str {
        "gamepad"
    }

    async fn start_scanning(&self) -> Result<(), HwError> {
        let pads = match self.platform.enumerate() {
            Ok(pads) => pads,
            Err(err) => {
                // The scan still ends, so a client waiting for ScanningFinished gets it.
                warn!(cause = %err, "cannot list gamepads");
                Vec::new()
            }
        };
        let mut found: Vec<FoundDevice> = Vec::with_capacity(pads.len());
        for pad in pads {
            if found.iter().any(|device| device.address == pad.address) {
                continue;
            }
            debug!(name = %pad.name, address = %pad.address, "gamepad");
            found.push(FoundDevice {
                name: pad.name.clone(),
                address: pad.address.clone(),
                advertisement: AdvertisementBuf::Gamepad,
                connector: Box::new(PadConnector {
                    platform: Arc::clone(&self.platform),
                    pad,
                    config: self.config,
                }),
            });
        }
        self.events.report_scan(found);
        Ok(())
    }

    async fn stop_scanning(&self) -> Result<(), HwError> {
        Ok(())
    }
}

/// Opens one pad.
struct PadConnector {
    platform: Arc<dyn GamepadPlatform>,
    pad: PadInfo,
    config: Config,
}

impl fmt::Debug for PadConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PadConnector").field("pad", &self.pad).finish_non_exhaustive()
    }
}

#[async_trait]
impl DeviceConnector for PadConnector {
    async fn connect(
        self: Box<Self>,
        specialization: Specialization,
        events: EventSink<HardwareEvent>,
    ) -> Result<Arc<dyn Hardware>, HwError> {
        if !matches!(specialization, Specialization::Fixed) {
            return Err(HwError::WrongSpecialization);
        }
        let handle = self.platform.open(&self.pad).map_err(|source| {
            HwError::Backend(Box::new(GamepadError::Platform { operation: "open", source }))
        })?;
        let PadInfo { name, address, .. } = self.pad;
        Ok(Arc::new(device::start(name, address, handle, self.config, events)?))
    }
}
