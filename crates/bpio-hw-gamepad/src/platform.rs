//! The platform layer: the few gamepad operations the backend needs, as a small trait.
//! Everything above this file is tested with a fake; the implementations are `evdev.rs` (Linux)
//! and `gilrs.rs` (the other systems).

/// An error of the platform layer, carried to the server inside a [`crate::GamepadError`].
pub type PlatformError = Box<dyn std::error::Error + Send + Sync>;

/// One gamepad with rumble that the platform lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PadInfo {
    /// What opens the pad again (Linux: its event device; gilrs: its id).
    pub path: String,
    /// The name the pad gives itself.
    pub name: String,
    /// Stable across unplugging and plugging back: the server gives a pad at the same address
    /// its device index back. Personal data.
    pub address: String,
}

/// What the backend asks of the platform.
pub trait GamepadPlatform: Send + Sync + 'static {
    /// Every gamepad with rumble motors present now.
    fn enumerate(&self) -> Result<Vec<PadInfo>, PlatformError>;

    /// Opens `pad`, which [`GamepadPlatform::enumerate`] listed.
    fn open(&self, pad: &PadInfo) -> Result<Box<dyn PadHandle>, PlatformError>;
}

/// One open gamepad; used from one thread at a time. Dropping it lets the pad go, which ends
/// any rumble.
pub trait PadHandle: Send + 'static {
    /// Sets both motors: `strong` the low-frequency (large) one, `weak` the high-frequency (small)
    /// one, each from 0 (off) to `u16::MAX`. The pad keeps rumbling until told otherwise, or
    /// for at least [`RUMBLE_HOLD`] when the platform bounds an effect's length.
    fn rumble(&mut self, strong: u16, weak: u16) -> Result<(), PlatformError>;

    /// The battery level in percent; `None` when the pad reports none (wired, or the driver
    /// does not say).
    fn battery(&mut self) -> Result<Option<u8>, PlatformError>;

    /// Whether the pad is still there. An error means it is gone, like `false`.
    fn connected(&mut self) -> Result<bool, PlatformError>;
}

/// The shortest time a platform keeps a rumble going without being told again; the backend
/// repeats a rumble well within it ([`crate::Config::rearm`]).
pub const RUMBLE_HOLD: std::time::Duration = std::time::Duration::from_secs(60);
