//! The v4 `DeviceList` event as text, made once per list and copied to every session that sends
//! it: with M v4 clients, a device that connects costs one serialization of the list, not M
//! (docs/SCALING.md).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use bpio_protocol::serialize_frame;
use bpio_protocol::v4::{self, ServerMessage};

/// The frame of the list event last made, and the list it was made of.
#[derive(Default)]
pub(super) struct ListEventText {
    last: Mutex<Option<Made>>,
}

/// A list and its event's frame.
struct Made {
    /// A weak reference keeps the list's allocation, so no newer list can take its address.
    list: Weak<BTreeMap<u32, v4::Device>>,
    frame: Arc<str>,
}

impl ListEventText {
    /// The frame `[{"DeviceList":{"Id":0,…}}]` of `devices`, as `serialize_frame` writes it.
    pub(super) fn frame(&self, devices: &v4::Devices) -> String {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(made) = &*last
            && std::ptr::eq(made.list.as_ptr(), Arc::as_ptr(devices))
        {
            return String::from(&*made.frame);
        }
        let event = ServerMessage::DeviceList(v4::DeviceList { id: 0, devices: devices.clone() });
        let frame = serialize_frame(&[event]);
        *last = Some(Made { list: Arc::downgrade(devices), frame: Arc::from(frame.as_str()) });
        frame
    }
}

#[cfg(test)]
mod tests {

    use bpio_protocol::convert::AnyServerMessage;

    use super::*;

    fn rabbit(name: &str) -> v4::Devices {
        let device: v4::Device = serde_json::from_value(serde_json::json!({
            "DeviceIndex": 2,
            "DeviceName": name,
            "DeviceMessageTimingGap": 0,
            "DeviceFeatures": {"0": {
                "FeatureIndex": 0,
                "FeatureDescription": "Vibrator",
                "Output": {"Vibrate": {"Value": [0, 20]}},
            }},
        }))
        .unwrap();
        Arc::new(BTreeMap::from([(2, device)]))
    }

    fn serialized(devices: &v4::Devices) -> String {
        let event = ServerMessage::DeviceList(v4::DeviceList { id: 0, devices: devices.clone() });
        serialize_frame(&[AnyServerMessage::V4(event)])
    }

    #[test]
    fn a_list_is_serialized_once_and_a_new_list_again() {
        let texts = ListEventText::default();
        let first = rabbit("Example Rabbit");
        assert_eq!(texts.frame(&first), serialized(&first));
        assert_eq!(texts.frame(&first.clone()), serialized(&first));
        // An equal list of its own is serialized anew, and a different one shows its change.
        let second = rabbit("Another Rabbit");
        assert_eq!(texts.frame(&second), serialized(&second));
        assert!(texts.frame(&second).contains("Another Rabbit"));
        assert_eq!(texts.frame(&first), serialized(&first));
    }

    #[test]
    fn a_dropped_list_is_not_mistaken_for_a_newer_one() {
        let texts = ListEventText::default();
        let old = rabbit("Old Rabbit");
        texts.frame(&old);
        drop(old);
        // The cache's weak reference keeps the old allocation, so the new list cannot reuse
        // its address and be answered with the old text.
        let new = rabbit("New Rabbit");
        assert!(texts.frame(&new).contains("New Rabbit"));
    }
}
