//! The user device config a server under test is started with (format major 5, which both the
//! reference and bpio read).
//!
//! It adds a `websocket` specifier to the `lovense` protocol, so the fake devices are identified
//! as Lovense toys, and one device record that gives the device at [`GAP_ADDRESS`] a timing gap.
//! The record customises the Lovense Hush definition of the public device database; the ids it
//! names are that database's, which every server's built-in database keeps.

use serde_json::{Value, json};

use crate::device::IDENTIFIER;

/// Address of the fake device most measurements drive (no record, so the websocket default gap
/// of 0 applies).
pub const MAIN_ADDRESS: &str = "bench-main";

/// Address of the fake device whose record sets the timing gap.
pub const GAP_ADDRESS: &str = "bench-gap";

/// Address of the fake device that spins on its socket (no record: gap 0, as the main device).
pub const SPIN_ADDRESS: &str = "bench-spin";

/// The display name the record gives the gap device, by which the tool finds it in the list.
pub const GAP_DISPLAY_NAME: &str = "bench gap device";

/// Index the record gives the gap device, clear of the indexes given in order of connection.
pub const GAP_INDEX: u32 = 1000;

/// Id of the Lovense Hush definition (model `Z`) in the public device database.
const HUSH_ID: &str = "37642e1c-a416-44d3-bada-76b6d9e245c9";
/// Ids of the features the Hush takes from the Lovense defaults: the vibrator and the battery.
const HUSH_FEATURE_IDS: [&str; 2] =
    ["3f7a25a5-df21-42ca-bf9f-d1c52df1f37e", "14bd7637-13ed-49ba-9eb9-9c8ba9abec20"];

/// The user config with a timing gap of `gap_ms` for the device at [`GAP_ADDRESS`].
pub fn user_config(gap_ms: u32) -> Value {
    let features: Vec<Value> = HUSH_FEATURE_IDS
        .iter()
        .zip(1..)
        .map(|(base_id, n)| {
            json!({"id": format!("b3e4c000-0000-4000-8000-00000000000{n}"), "base_id": base_id})
        })
        .collect();
    json!({
        "version": {"major": 5, "minor": 0},
        "user_configs": {
            "protocols": {
                "lovense": {"communication": [{"websocket": {"name": IDENTIFIER}}]}
            },
            "devices": [{
                "identifier": {"address": GAP_ADDRESS, "protocol": "lovense", "identifier": "Z"},
                "config": {
                    "id": "b3e4c000-0000-4000-8000-000000000000",
                    "base_id": HUSH_ID,
                    "features": features,
                    "user_config": {
                        "allow": false,
                        "deny": false,
                        "index": GAP_INDEX,
                        "display_name": GAP_DISPLAY_NAME,
                        "message_gap_ms": gap_ms
                    }
                }
            }]
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_names_the_websocket_identifier_and_the_gap() {
        let config = user_config(40);
        assert_eq!(config["version"]["major"], 5);
        assert_eq!(
            config.pointer("/user_configs/protocols/lovense/communication/0/websocket/name"),
            Some(&json!(IDENTIFIER))
        );
        let record = &config["user_configs"]["devices"][0];
        assert_eq!(record["identifier"]["address"], GAP_ADDRESS);
        assert_eq!(record["config"]["user_config"]["message_gap_ms"], 40);
        assert_eq!(record["config"]["features"].as_array().map(Vec::len), Some(2));
    }
}
