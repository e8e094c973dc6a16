//! The checks behind each fuzz target, in a library so the regression tests of the crates under
//! test can replay saved inputs through exactly the same checks (see `tests/replay.rs`).
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bpio_device_config::{BaseDatabase, DeviceConfig};
use bpio_protocol::convert::{AnyClientMessage, client_to_v4, server_from_v4};
use bpio_protocol::v4::{self, ServerMessage};
use bpio_protocol::{MessageSet, SpecVersion, parse_frame, serialize_frame, split_frame};
use bpio_server::{Action, DeviceRequest, Session, SessionConfig};

/// The v4 devices conversions and sessions run against: a vibrator with a rotator and a
/// battery, and a stroker with a pressure sensor (docs/PROTOCOL.md 6.11).
pub fn devices() -> &'static v4::DeviceList {
    static DEVICES: OnceLock<v4::DeviceList> = OnceLock::new();
    DEVICES.get_or_init(|| {
        let text = r#"[{"DeviceList":{"Id":0,"Devices":{
          "0":{"DeviceIndex":0,"DeviceName":"Rabbit","DeviceMessageTimingGap":75,"DeviceFeatures":{
            "0":{"FeatureIndex":0,"FeatureDescription":"Shaft","Output":{"Vibrate":{"Value":[0,20]}}},
            "1":{"FeatureIndex":1,"FeatureDescription":"Beads","Output":{"Rotate":{"Value":[-10,10]}}},
            "2":{"FeatureIndex":2,"FeatureDescription":"Battery","Input":{"Battery":{"Value":[[0,100]],"Command":["Read"]}}}}},
          "3":{"DeviceIndex":3,"DeviceName":"Stroker","DeviceMessageTimingGap":50,"DeviceFeatures":{
            "0":{"FeatureIndex":0,"FeatureDescription":"Axis","Output":{"Position":{"Value":[0,100]},"HwPositionWithDuration":{"Value":[0,100],"Duration":[0,60000]}}},
            "1":{"FeatureIndex":1,"FeatureDescription":"Grip","Input":{"Pressure":{"Value":[[0,4095]],"Command":["Read","Subscribe"]}}}}}}}}]"#;
        match parse_frame::<ServerMessage>(text.as_bytes()).remove(0) {
            Ok(ServerMessage::DeviceList(list)) => list,
            other => panic!("the fixed device list: {other:?}"),
        }
    })
}

/// The `frame` target: the v4 parser from both directions. The result is never empty, and every
/// message that parses re-serializes to text that parses back to the same message.
pub fn check_frame(data: &[u8]) {
    round_trip::<v4::ClientMessage>(data);
    round_trip::<ServerMessage>(data);
}

fn round_trip<M: MessageSet + serde::Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let parsed = parse_frame::<M>(data);
    assert!(!parsed.is_empty(), "every transmission gets at least one result");
    let messages: Vec<M> = parsed.into_iter().filter_map(Result::ok).collect();
    if messages.is_empty() {
        return;
    }
    let text = serialize_frame(&messages);
    let again: Vec<M> =
        parse_frame::<M>(text.as_bytes()).into_iter().map(|m| m.expect("re-parse")).collect();
    assert_eq!(again, messages);
}

/// The `convert` target.
pub fn check_convert(data: &[u8]) {
    let devices = devices();
    for raw in split_frame(data).into_iter().flatten() {
        for version in SpecVersion::ALL {
            let Ok(message) = AnyClientMessage::parse(version, &raw) else { continue };
            let id = message.id();
            match client_to_v4(message, devices) {
                Ok(commands) => {
                    for command in commands {
                        assert_eq!(command.id(), id, "a lifted command keeps the request's Id");
                    }
                }
                Err(err) => assert_eq!(err.id, id, "a refusal carries the request's Id"),
            }
        }
        let Ok(message) = raw.parse::<ServerMessage>() else { continue };
        let id = message.id();
        for version in SpecVersion::ALL {
            for lowered in server_from_v4(version, message.clone(), devices) {
                let text = serde_json::to_string(&lowered).expect("serializable");
                let body: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
                let lowered_id = body.as_object().and_then(|o| o.values().next()).map(|b| &b["Id"]);
                assert!(
                    lowered_id.is_some_and(|x| x == id || x == 0),
                    "lowering invents no Id: {text}"
                );
            }
        }
    }
}

/// The `device_config` target.
pub fn check_device_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(base) = BaseDatabase::from_json(text) {
        let config = DeviceConfig::new(base);
        let _ = config.next_free_index();
        let _ = config.is_allowed("00:00:00:00:00:00");
    }
    thread_local! {
        // Applying a user config replaces the previous one, so one database serves every input.
        static EMBEDDED: std::cell::RefCell<DeviceConfig> =
            std::cell::RefCell::new(DeviceConfig::embedded().expect("embedded database"));
    }
    EMBEDDED.with_borrow_mut(|config| {
        if config.apply_user_json(text).is_ok() {
            let _ = config.next_free_index();
            let _ = config.is_allowed("00:00:00:00:00:00");
        }
    });
}

/// The `session` target.
pub fn check_session(data: &[u8]) {
    let config = SessionConfig {
        max_ping_time: Duration::from_secs(1),
        max_messages_per_frame: 64,
        ..SessionConfig::new("fuzz")
    };
    let mut session = Session::new(config, devices().devices.clone());
    #[allow(clippy::disallowed_methods)] // an origin for offsets, not a measurement
    let now = Instant::now();
    session.handle_text(
        now,
        br#"[{"RequestServerInfo":{"Id":1,"ClientName":"fuzz","ProtocolVersionMajor":4,"ProtocolVersionMinor":0}}]"#,
    );
    assert!(session.poll_transmit().is_some(), "the handshake is answered");
    for transmission in data.split(|byte| *byte == 0xff) {
        if session.wants_close() {
            break;
        }
        let messages = split_frame(transmission).len();
        let expected = messages.min(64) + usize::from(messages > 64);
        session.handle_text(now, transmission);
        // Answer every read, so every reply can be counted now.
        let mut readings = BTreeMap::new();
        while let Some(action) = session.poll_action() {
            if let Action::Device { request: DeviceRequest::Read { token, .. }, .. } = action {
                readings.insert(token, ());
            }
        }
        for token in readings.into_keys() {
            let reading = v4::Reading::Battery(v4::ReadingValue { value: 50 });
            session.handle_reading(token, Ok(reading));
        }
        let replies = std::iter::from_fn(|| session.poll_transmit()).count();
        assert_eq!(
            replies,
            expected,
            "one reply per message: {:?}",
            String::from_utf8_lossy(transmission)
        );
    }
}
