//! The Linux platform layer: gamepads are event devices (`/dev/input/event*`) with gamepad
//! buttons and rumble force feedback; rumble is one uploaded `FF_RUMBLE` effect per pad, and the
//! battery is the capacity of a power supply the pad's driver registers in sysfs.

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use evdev::{
    Device, FFEffect, FFEffectCode, FFEffectData, FFEffectKind, FFReplay, FFTrigger, KeyCode,
};

use tracing::warn;

use crate::platform::{GamepadPlatform, PadHandle, PadInfo, PlatformError};

/// Where the kernel's event devices are.
const INPUT_DIR: &str = "/dev/input";

/// How long one rumble effect lasts, in ms: the longest the kernel takes (drivers differ on what
/// a length of 0 means), and repeated by the backend well before it ends.
const EFFECT_LENGTH_MS: u16 = u16::MAX;

/// How many directories above the pad's input device may hold its power supply (the HID or USB
/// device the input device belongs to).
const POWER_SUPPLY_DEPTH: usize = 4;

/// Gamepads as Linux event devices. Needs read and write access to `/dev/input/event*` (the
/// `input` group, or a udev rule for the pad).
#[derive(Debug, Default)]
pub struct Evdev;

impl GamepadPlatform for Evdev {
    fn enumerate(&self) -> Result<Vec<PadInfo>, PlatformError> {
        let entries = match fs::read_dir(INPUT_DIR) {
            Ok(entries) => entries,
            // A machine without input devices has no pads.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(err.into()),
        };
        let mut nodes: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                path.file_name().is_some_and(|name| name.as_bytes().starts_with(b"event"))
            })
            .collect();
        nodes.sort();
        let mut pads = Vec::new();
        let mut refused = 0_usize;
        for node in nodes {
            match Device::open(&node) {
                Ok(device) => pads.extend(pad_info(&node, &device)),
                Err(err) if err.kind() == std::io::ErrorKind::PermissionDenied => refused += 1,
                // Gone meanwhile, or no input device at all: nothing to list.
                Err(_) => {}
            }
        }
        if refused > 0 {
            // Without this line a user whose pad is among them would see nothing at all.
            warn!(
                refused,
                "event devices in {INPUT_DIR} could not be opened (permission denied); gamepads \
                 among them are not listed: membership of the `input` group, or a udev rule for \
                 the pad, gives access"
            );
        }
        Ok(pads)
    }

    fn open(&self, pad: &PadInfo) -> Result<Box<dyn PadHandle>, PlatformError> {
        let path = Path::new(&pad.path);
        let device = Device::open(path)?;
        // Event device numbers are reused: the node must still be the same pad.
        if pad_info(path, &device).is_none_or(|found| found.address != pad.address) {
            return Err(format!("{} is no longer the gamepad listed", pad.path).into());
        }
        let sysfs = path.file_name().map(|node| Path::new("/sys/class/input").join(node));
        Ok(Box::new(EvdevPad { device, effect: None, sysfs }))
    }
}

/// The pad an event device is, if it has gamepad buttons and rumble.
fn pad_info(path: &Path, device: &Device) -> Option<PadInfo> {
    let buttons = device.supported_keys().is_some_and(|keys| keys.contains(KeyCode::BTN_SOUTH));
    let rumble =
        device.supported_ff().is_some_and(|effects| effects.contains(FFEffectCode::FF_RUMBLE));
    if !buttons || !rumble {
        return None;
    }
    let path_text = path.to_string_lossy().into_owned();
    let id = device.input_id();
    // The pad's own serial (Bluetooth: its address) names it wherever it is plugged in; without
    // one, the port it is plugged into does; the node path only when neither exists.
    let place = [device.unique_name(), device.physical_path()]
        .into_iter()
        .flatten()
        .find(|text| !text.trim().is_empty())
        .unwrap_or(&path_text);
    let address = format!("gamepad-{:04x}:{:04x}-{place}", id.vendor(), id.product());
    let name = device.name().filter(|name| !name.trim().is_empty()).unwrap_or("Gamepad");
    Some(PadInfo { path: path_text, name: name.to_owned(), address })
}

struct EvdevPad {
    device: Device,
    /// Uploaded at the first rumble, updated by the next ones; removed from the pad when dropped.
    effect: Option<FFEffect>,
    /// The event device's directory in sysfs.
    sysfs: Option<PathBuf>,
}

impl PadHandle for EvdevPad {
    fn rumble(&mut self, strong: u16, weak: u16) -> Result<(), PlatformError> {
        if strong == 0 && weak == 0 {
            if let Some(effect) = &mut self.effect {
                effect.stop()?;
            }
            return Ok(());
        }
        let data = FFEffectData {
            direction: 0,
            trigger: FFTrigger::default(),
            replay: FFReplay { length: EFFECT_LENGTH_MS, delay: 0 },
            kind: FFEffectKind::Rumble { strong_magnitude: strong, weak_magnitude: weak },
        };
        let effect = match &mut self.effect {
            Some(effect) => {
                effect.update(data)?;
                effect
            }
            None => self.effect.insert(self.device.upload_ff_effect(data)?),
        };
        // Playing again also restarts the effect's length.
        effect.play(1)?;
        Ok(())
    }

    fn battery(&mut self) -> Result<Option<u8>, PlatformError> {
        let Some(sysfs) = &self.sysfs else { return Ok(None) };
        Ok(battery_near(&sysfs.join("device"))?)
    }

    fn connected(&mut self) -> Result<bool, PlatformError> {
        // Any query of the device fails once it is unplugged (ENODEV).
        self.device.get_key_state()?;
        Ok(true)
    }
}

/// The capacity of the first battery registered at `input_device` (the `inputN` directory of an
/// event device in sysfs) or in one of the directories above it, in percent.
pub(crate) fn battery_near(input_device: &Path) -> std::io::Result<Option<u8>> {
    let mut dir = match fs::canonicalize(input_device) {
        Ok(dir) => dir,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    for _ in 0..POWER_SUPPLY_DEPTH {
        if let Some(level) = battery_in(&dir.join("power_supply"))? {
            return Ok(Some(level));
        }
        if !dir.pop() {
            break;
        }
    }
    Ok(None)
}

/// The capacity of the first battery among the power supplies in `dir`, sorted by name.
fn battery_in(dir: &Path) -> std::io::Result<Option<u8>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    let mut supplies: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    supplies.sort();
    for supply in supplies {
        // A supply without a type is taken for a battery; a mains supply is not one.
        let kind = fs::read_to_string(supply.join("type")).unwrap_or_default();
        if !kind.trim().is_empty() && kind.trim() != "Battery" {
            continue;
        }
        let Ok(capacity) = fs::read_to_string(supply.join("capacity")) else { continue };
        if let Ok(level) = capacity.trim().parse::<u8>() {
            return Ok(Some(level.min(100)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::fs;
    use std::path::PathBuf;

    use super::battery_near;

    /// A fresh directory for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("bpio-gamepad-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_battery_is_found_at_the_device_the_input_device_belongs_to() {
        let root = scratch("battery");
        // As hid-playstation lays it out: the supply beside the HID device's input devices.
        let hid = root.join("0005:054C:0CE6.0001");
        let input = hid.join("input/input20");
        fs::create_dir_all(&input).unwrap();
        assert_eq!(battery_near(&input).unwrap(), None, "no supply yet");
        let mains = hid.join("power_supply/a-mains");
        fs::create_dir_all(&mains).unwrap();
        fs::write(mains.join("type"), "Mains\n").unwrap();
        fs::write(mains.join("capacity"), "100\n").unwrap();
        assert_eq!(battery_near(&input).unwrap(), None, "a mains supply is no battery");
        let battery = hid.join("power_supply/ps-controller-battery");
        fs::create_dir_all(&battery).unwrap();
        fs::write(battery.join("type"), "Battery\n").unwrap();
        fs::write(battery.join("capacity"), "garbage\n").unwrap();
        assert_eq!(battery_near(&input).unwrap(), None, "an unreadable capacity is none");
        fs::write(battery.join("capacity"), "85\n").unwrap();
        assert_eq!(battery_near(&input).unwrap(), Some(85));
        assert_eq!(battery_near(&root.join("missing")).unwrap(), None);
        fs::remove_dir_all(&root).unwrap();
    }
}
