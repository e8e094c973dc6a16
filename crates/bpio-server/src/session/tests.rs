//! The session against docs/PROTOCOL.md, with a manual clock.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bpio_protocol::v4::{self, ServerMessage};
use bpio_protocol::{ErrorCode, serialize_frame};
use proptest::prelude::*;

use super::{Action, Session, SessionConfig, State};
use crate::{DeviceIndex, DeviceRequest, Error, FeatureIndex};

const PING: Duration = Duration::from_millis(2000);

fn origin() -> Instant {
    #[allow(clippy::disallowed_methods)] // an origin for offsets, not a measurement
    Instant::now()
}

/// The devices of the DeviceList example in docs/PROTOCOL.md 6.11.
fn example_devices() -> BTreeMap<u32, v4::Device> {
    let text = r#"[{"DeviceList":{"Id":4,"Devices":{
      "0":{"DeviceIndex":0,"DeviceName":"Example Rabbit","DeviceDisplayName":"Bedside rabbit","DeviceMessageTimingGap":75,"DeviceFeatures":{
        "0":{"FeatureIndex":0,"FeatureDescription":"Shaft Vibrator","Output":{"Vibrate":{"Value":[0,20]}}},
        "1":{"FeatureIndex":1,"FeatureDescription":"Rotating Beads","Output":{"Rotate":{"Value":[-10,10]}}},
        "2":{"FeatureIndex":2,"FeatureDescription":"Battery","Input":{"Battery":{"Value":[[0,100]],"Command":["Read"]}}}}},
      "3":{"DeviceIndex":3,"DeviceName":"Example Stroker","DeviceMessageTimingGap":50,"DeviceFeatures":{
        "0":{"FeatureIndex":0,"FeatureDescription":"Stroke Axis","Output":{"Position":{"Value":[0,100]},"HwPositionWithDuration":{"Value":[0,100],"Duration":[0,60000]}}},
        "1":{"FeatureIndex":1,"FeatureDescription":"Grip Sensor","Input":{"Pressure":{"Value":[[0,4095]],"Command":["Read","Subscribe"]}}}}}}}}]"#;
    match bpio_protocol::parse_frame::<ServerMessage>(text.as_bytes()).remove(0) {
        Ok(ServerMessage::DeviceList(list)) => (*list.devices).clone(),
        other => panic!("{other:?}"),
    }
}

/// A session and its clock, with helpers that speak JSON.
struct Harness {
    session: Session,
    now: Instant,
}

impl Harness {
    fn new(max_ping_time: Duration) -> Self {
        let config = SessionConfig { max_ping_time, ..SessionConfig::new("Workshop Server") };
        Self { session: Session::new(config, example_devices().into()), now: origin() }
    }

    fn connected() -> Self {
        let mut h = Self::new(PING);
        h.send(r#"[{"RequestServerInfo":{"Id":1,"ClientName":"t","ProtocolVersionMajor":4,"ProtocolVersionMinor":0}}]"#);
        h.received();
        h
    }

    fn send(&mut self, text: &str) {
        self.session.handle_text(self.now, text.as_bytes());
    }

    /// Everything sent since the last call, one JSON message per entry.
    fn received(&mut self) -> Vec<String> {
        std::iter::from_fn(|| self.session.poll_transmit()).map(|m| serialize_frame(&[m])).collect()
    }

    fn actions(&mut self) -> Vec<Action> {
        std::iter::from_fn(|| self.session.poll_action()).collect()
    }

    /// Sends `text` and returns the replies.
    fn exchange(&mut self, text: &str) -> Vec<String> {
        self.send(text);
        self.received()
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
        if self.session.poll_timeout().is_some_and(|deadline| deadline <= self.now) {
            self.session.handle_timeout(self.now);
        }
    }

    /// A reading of `feature` of `device` arrives, as a subscription delivers it.
    fn input_event(&mut self, device: u32, feature: u32, reading: v4::Reading) {
        self.session.handle_input_event(
            DeviceIndex::new(device),
            FeatureIndex::new(feature),
            reading,
        );
    }
}

/// What a session hands every device when it stops all of them.
const STOP_ALL: Action = Action::EveryDevice { request: DeviceRequest::Stop { feature: None } };
/// What a session hands every device when it ends: each stops what the session owns.
const END_SESSION: Action = Action::EveryDevice { request: DeviceRequest::SessionEnded };
const END_INPUTS: Action =
    Action::EveryDevice { request: DeviceRequest::StopInputs { feature: None } };

/// The action carrying `request` for device `device`.
fn for_device(device: u32, request: DeviceRequest) -> Action {
    Action::Device { device: DeviceIndex::new(device), request }
}

fn ok(id: u32) -> String {
    format!(r#"[{{"Ok":{{"Id":{id}}}}}]"#)
}

/// `(Id, ErrorCode)` of an Error reply, or a panic.
fn error_of(reply: &str) -> (u32, u8) {
    let value: serde_json::Value = serde_json::from_str(reply).unwrap();
    let error = &value[0]["Error"];
    assert!(error.is_object(), "expected an Error, got {reply}");
    (
        u32::try_from(error["Id"].as_u64().unwrap()).unwrap(),
        u8::try_from(error["ErrorCode"].as_u64().unwrap()).unwrap(),
    )
}

#[test]
fn handshake_replies_with_server_info() {
    let mut h = Harness::new(PING);
    let replies = h.exchange(
        r#"[{"RequestServerInfo":{"Id":1,"ClientName":"Lamp Controller","ProtocolVersionMajor":4,"ProtocolVersionMinor":0}}]"#,
    );
    assert_eq!(
        replies,
        [
            r#"[{"ServerInfo":{"Id":1,"ServerName":"Workshop Server","ProtocolVersionMajor":4,"ProtocolVersionMinor":0,"MaxPingTime":2000}}]"#
        ]
    );
    assert_eq!(h.session.state(), State::Connected);
    assert_eq!(h.session.poll_timeout(), Some(h.now + PING));
}

#[test]
fn messages_before_the_handshake_get_error_init_and_wait() {
    let mut h = Harness::new(PING);
    let replies =
        h.exchange(r#"[{"RequestDeviceList":{"Id":5}},{"Ping":{"Id":6}},{"Nope":{"Id":7}}]"#);
    let codes: Vec<_> = replies.iter().map(|r| error_of(r)).collect();
    assert_eq!(codes, [(5, 1), (6, 1), (7, 3)]);
    assert_eq!(h.session.state(), State::AwaitingHandshake);
    assert!(h.actions().is_empty());
    h.send(r#"[{"RequestServerInfo":{"Id":8,"ClientName":"","ProtocolVersionMajor":4,"ProtocolVersionMinor":3}}]"#);
    assert!(h.received()[0].starts_with(r#"[{"ServerInfo":{"Id":8,"#));
    assert_eq!(h.session.client_minor(), 3);
}

#[test]
fn a_newer_or_inconsistent_major_version_is_refused_and_closed() {
    for major in [5, 3, 0] {
        let mut h = Harness::new(PING);
        let replies = h.exchange(&format!(
            r#"[{{"RequestServerInfo":{{"Id":2,"ClientName":"x","ProtocolVersionMajor":{major},"ProtocolVersionMinor":0}}}}]"#
        ));
        assert_eq!(
            replies.iter().map(|r| error_of(r)).collect::<Vec<_>>(),
            [(2, 1)],
            "major {major}"
        );
        assert!(h.session.wants_close());
        assert_eq!(error_of(&h.exchange(r#"[{"Ping":{"Id":3}}]"#)[0]), (3, 1));
    }
}

#[test]
fn a_second_handshake_is_refused_and_the_session_goes_on() {
    let mut h = Harness::connected();
    let replies = h.exchange(
        r#"[{"RequestServerInfo":{"Id":2,"ClientName":"t","ProtocolVersionMajor":4,"ProtocolVersionMinor":0}},{"Ping":{"Id":3}}]"#,
    );
    assert_eq!(error_of(&replies[0]), (2, 1));
    assert_eq!(replies[1], ok(3));
    assert_eq!(h.session.state(), State::Connected);
}

#[test]
fn pings_keep_the_session_alive_and_silence_ends_it() {
    let mut h = Harness::connected();
    h.advance(Duration::from_millis(1500));
    assert_eq!(h.exchange(r#"[{"Ping":{"Id":2}}]"#), [ok(2)]);
    // Other traffic does not count as a ping.
    h.advance(Duration::from_millis(1500));
    assert_eq!(h.exchange(r#"[{"StartScanning":{"Id":3}}]"#), [ok(3)]);
    h.actions();
    h.advance(Duration::from_millis(499));
    assert_eq!(h.session.state(), State::Connected);
    h.advance(Duration::from_millis(1));
    assert_eq!(h.session.state(), State::PingedOut);
    let replies = h.received();
    assert_eq!(replies.len(), 1);
    assert_eq!(error_of(&replies[0]), (0, 2));
    assert_eq!(h.actions(), [Action::StopScanning, END_SESSION, END_INPUTS]);
    assert!(h.session.wants_close());
    assert_eq!(error_of(&h.exchange(r#"[{"Ping":{"Id":4}}]"#)[0]), (4, 2));
    assert_eq!(h.session.poll_timeout(), None);
}

#[test]
fn with_the_watchdog_off_a_ping_is_still_ok() {
    let mut h = Harness::new(Duration::ZERO);
    h.exchange(r#"[{"RequestServerInfo":{"Id":1,"ClientName":"t","ProtocolVersionMajor":4,"ProtocolVersionMinor":0}}]"#);
    assert_eq!(h.session.poll_timeout(), None);
    h.advance(Duration::from_secs(3600));
    assert_eq!(h.exchange(r#"[{"Ping":{"Id":2}}]"#), [ok(2)]);
}

#[test]
fn the_spec_example_session_gets_the_spec_replies() {
    let mut h = Harness::new(PING);
    h.session.handle_devices(v4::Devices::default());
    h.exchange(r#"[{"RequestServerInfo":{"Id":1,"ClientName":"Lamp Controller","ProtocolVersionMajor":4,"ProtocolVersionMinor":0}}]"#);
    assert_eq!(
        h.exchange(r#"[{"RequestDeviceList":{"Id":2}}]"#),
        [r#"[{"DeviceList":{"Id":2,"Devices":{}}}]"#]
    );
    assert_eq!(h.exchange(r#"[{"StartScanning":{"Id":3}}]"#), [ok(3)]);
    assert_eq!(h.actions(), [Action::StartScanning]);
    let rabbit: BTreeMap<u32, v4::Device> = example_devices().into_iter().take(1).collect();
    h.session.handle_devices(rabbit.into());
    let event = h.received();
    assert!(event[0].starts_with(
        r#"[{"DeviceList":{"Id":0,"Devices":{"0":{"DeviceIndex":0,"DeviceName":"Example Rabbit""#
    ));
    let replies = h.exchange(
        r#"[{"Ping":{"Id":4}},{"OutputCmd":{"Id":5,"DeviceIndex":0,"FeatureIndex":0,"Command":{"Vibrate":{"Value":7}}}}]"#,
    );
    assert_eq!(replies, [ok(4), ok(5)]);
    assert_eq!(
        h.actions(),
        [for_device(
            0,
            DeviceRequest::Output {
                commands: vec![(
                    FeatureIndex::new(0),
                    v4::OutputCommand::new(v4::OutputType::Vibrate, 7, 0)
                )]
            }
        )]
    );
    let replies =
        h.exchange(r#"[{"OutputCmd":{"Id":6,"DeviceIndex":0,"FeatureIndex":0,"Command":{"Vibrate":{"Value":21}}}}]"#);
    assert_eq!(error_of(&replies[0]), (6, 4));
    assert!(replies[0].contains("21"), "{}", replies[0]);
    assert_eq!(h.exchange(r#"[{"StopScanning":{"Id":7}},{"StopCmd":{"Id":8}}]"#), [ok(7), ok(8)]);
    assert_eq!(h.actions(), [Action::StopScanning, STOP_ALL, END_INPUTS]);
    assert_eq!(h.exchange(r#"[{"Disconnect":{"Id":9}}]"#), [ok(9)]);
    assert!(h.session.wants_close());
    assert_eq!(h.actions(), [Action::StopScanning, END_SESSION, END_INPUTS]);
    assert_eq!(error_of(&h.exchange(r#"[{"Ping":{"Id":10}}]"#)[0]), (10, 1));
}

#[test]
fn output_commands_are_checked_against_the_advertised_features() {
    let mut h = Harness::connected();
    let cmd = |id: u32, device: u32, feature: u32, command: &str| {
        format!(
            r#"[{{"OutputCmd":{{"Id":{id},"DeviceIndex":{device},"FeatureIndex":{feature},"Command":{command}}}}}]"#
        )
    };
    let refused = [
        cmd(10, 9, 0, r#"{"Vibrate":{"Value":1}}"#), // no such device
        cmd(11, 0, 7, r#"{"Vibrate":{"Value":1}}"#), // no such feature
        cmd(12, 0, 0, r#"{"Rotate":{"Value":1}}"#),  // type not offered
        cmd(13, 0, 2, r#"{"Vibrate":{"Value":1}}"#), // an input-only feature
        cmd(14, 0, 0, r#"{"Vibrate":{"Value":-1}}"#), // negative on [0, 20]
        cmd(15, 0, 1, r#"{"Rotate":{"Value":-11}}"#), // outside [-10, 10]
        cmd(16, 0, 0, r#"{"Vibrate":{"Value":99999999999999999999}}"#),
        cmd(17, 3, 0, r#"{"HwPositionWithDuration":{"Value":50,"Duration":60001}}"#),
        cmd(18, 3, 0, r#"{"HwPositionWithDuration":{"Value":50,"Duration":-1}}"#),
        cmd(19, 3, 0, r#"{"HwPositionWithDuration":{"Value":101,"Duration":10}}"#),
    ];
    for (text, id) in refused.iter().zip(10..) {
        assert_eq!(error_of(&h.exchange(text)[0]), (id, 4), "{text}");
    }
    assert!(h.actions().is_empty(), "refused commands never reach the devices");
    let accepted = [
        cmd(20, 0, 0, r#"{"Vibrate":{"Value":20}}"#),
        cmd(21, 0, 1, r#"{"Rotate":{"Value":-10}}"#),
        cmd(22, 3, 0, r#"{"HwPositionWithDuration":{"Value":0,"Duration":60000}}"#),
        cmd(23, 3, 0, r#"{"Position":{"Value":100}}"#),
    ];
    for (text, id) in accepted.iter().zip(20..) {
        assert_eq!(h.exchange(text), [ok(id)]);
    }
    assert_eq!(h.actions().len(), 4);
}

#[test]
fn a_read_holds_later_replies_until_its_reading_arrives() {
    let mut h = Harness::connected();
    let replies = h.exchange(
        r#"[{"InputCmd":{"Id":20,"DeviceIndex":0,"FeatureIndex":2,"Type":"Battery","Command":"Read"}},{"Ping":{"Id":21}}]"#,
    );
    assert!(replies.is_empty(), "the Ok of the Ping waits behind the read: {replies:?}");
    let [Action::Device { device, request: DeviceRequest::Read { token, feature, input } }] =
        h.actions()[..]
    else {
        panic!()
    };
    assert_eq!(
        (device, feature, input),
        (DeviceIndex::new(0), FeatureIndex::new(2), v4::InputType::Battery)
    );
    h.session.handle_reading(token, Ok(v4::Reading::Battery(v4::ReadingValue { value: 64 })));
    assert_eq!(
        h.received(),
        [r#"[{"InputReading":{"Id":20,"DeviceIndex":0,"FeatureIndex":2,"Reading":{"Battery":{"Value":64}}}}]"#.to_owned(), ok(21)]
    );
    // A second answer for the same read is ignored: one reply per message.
    h.session.handle_reading(token, Ok(v4::Reading::Battery(v4::ReadingValue { value: 1 })));
    assert!(h.received().is_empty());
}

#[test]
fn a_failed_read_or_a_device_that_drops_answers_error_device() {
    let mut h = Harness::connected();
    h.send(r#"[{"InputCmd":{"Id":30,"DeviceIndex":0,"FeatureIndex":2,"Type":"Battery","Command":"Read"}}]"#);
    h.send(r#"[{"InputCmd":{"Id":31,"DeviceIndex":3,"FeatureIndex":1,"Type":"Pressure","Command":"Read"}}]"#);
    let tokens: Vec<_> = h
        .actions()
        .into_iter()
        .map(|a| {
            if let Action::Device { request: DeviceRequest::Read { token, .. }, .. } = a {
                token
            } else {
                panic!()
            }
        })
        .collect();
    h.session.handle_reading(tokens[0], Err(Error::ReadTimedOut));
    let mut devices = example_devices();
    devices.remove(&3);
    h.session.handle_devices(devices.into());
    let replies = h.received();
    assert!(replies[0].starts_with(r#"[{"DeviceList":{"Id":0,"#), "{replies:?}");
    assert_eq!(error_of(&replies[1]), (30, 4));
    assert_eq!(error_of(&replies[2]), (31, 4));
    // The index now names no device.
    let replies = h.exchange(r#"[{"StopCmd":{"Id":32,"DeviceIndex":3}}]"#);
    assert_eq!(error_of(&replies[0]), (32, 4));
}

#[test]
fn subscriptions_are_acknowledged_once_and_deliver_events() {
    let mut h = Harness::connected();
    let sub = r#"[{"InputCmd":{"Id":40,"DeviceIndex":3,"FeatureIndex":1,"Type":"Pressure","Command":"Subscribe"}}]"#;
    assert_eq!(h.exchange(sub), [ok(40)]);
    assert_eq!(h.exchange(sub), [ok(40)]);
    // The device keeps the subscriptions: it ignores the repeat, and reports readings of
    // subscribed inputs only.
    let pressure = FeatureIndex::new(1);
    let subscribe = for_device(
        3,
        DeviceRequest::Subscribe { feature: pressure, input: v4::InputType::Pressure },
    );
    assert_eq!(h.actions(), [subscribe.clone(), subscribe]);
    h.input_event(3, 1, v4::Reading::Pressure(v4::ReadingValue { value: 1830 }));
    assert_eq!(
        h.received(),
        [
            r#"[{"InputReading":{"Id":0,"DeviceIndex":3,"FeatureIndex":1,"Reading":{"Pressure":{"Value":1830}}}}]"#
        ]
    );
    // Subscribing to a Read-only input is refused; Unsubscribe is allowed where Subscribe is.
    let refused = h.exchange(r#"[{"InputCmd":{"Id":41,"DeviceIndex":0,"FeatureIndex":2,"Type":"Battery","Command":"Subscribe"}}]"#);
    assert_eq!(error_of(&refused[0]), (41, 4));
    let unsub = r#"[{"InputCmd":{"Id":42,"DeviceIndex":3,"FeatureIndex":1,"Type":"Pressure","Command":"Unsubscribe"}}]"#;
    assert_eq!(h.exchange(unsub), [ok(42)]);
    assert_eq!(h.exchange(unsub), [ok(42)]);
    let unsubscribe = for_device(
        3,
        DeviceRequest::Unsubscribe { feature: pressure, input: v4::InputType::Pressure },
    );
    assert_eq!(h.actions(), [unsubscribe.clone(), unsubscribe]);
}

#[test]
fn stop_cmd_selects_devices_features_inputs_and_outputs() {
    let mut h = Harness::connected();
    h.exchange(r#"[{"InputCmd":{"Id":2,"DeviceIndex":3,"FeatureIndex":1,"Type":"Pressure","Command":"Subscribe"}}]"#);
    h.actions();
    assert_eq!(
        h.exchange(r#"[{"StopCmd":{"Id":3,"DeviceIndex":0,"FeatureIndex":1,"Inputs":false}}]"#),
        [ok(3)]
    );
    assert_eq!(
        h.actions(),
        [for_device(0, DeviceRequest::Stop { feature: Some(FeatureIndex::new(1)) })]
    );
    // A feature without a device is ignored: everything is stopped.
    assert_eq!(h.exchange(r#"[{"StopCmd":{"Id":4,"FeatureIndex":1,"Outputs":false}}]"#), [ok(4)]);
    assert_eq!(h.actions(), [END_INPUTS]);
    assert_eq!(h.exchange(r#"[{"StopCmd":{"Id":5,"Inputs":false,"Outputs":false}}]"#), [ok(5)]);
    assert!(h.actions().is_empty());
    assert_eq!(error_of(&h.exchange(r#"[{"StopCmd":{"Id":6,"DeviceIndex":1}}]"#)[0]), (6, 4));
    assert_eq!(
        error_of(&h.exchange(r#"[{"StopCmd":{"Id":7,"DeviceIndex":0,"FeatureIndex":5}}]"#)[0]),
        (7, 4)
    );
}

#[test]
fn a_stop_all_read_ahead_stops_at_once_and_the_outputs_before_it_are_answered_not_sent() {
    let mut h = Harness::connected();
    let frames = [
        r#"[{"OutputCmd":{"Id":2,"DeviceIndex":0,"FeatureIndex":0,"Command":{"Vibrate":{"Value":5}}}}]"#,
        r#"[{"OutputCmd":{"Id":3,"DeviceIndex":9,"FeatureIndex":0,"Command":{"Vibrate":{"Value":5}}}}]"#,
        r#"[{"StopCmd":{"Id":4,"DeviceIndex":0}}]"#,
        r#"[{"StopCmd":{"Id":5}}]"#,
        r#"[{"OutputCmd":{"Id":6,"DeviceIndex":0,"FeatureIndex":1,"Command":{"Rotate":{"Value":-3}}}}]"#,
    ];
    let stops: Vec<bool> = frames.iter().map(|f| h.session.read_ahead(f.as_bytes())).collect();
    assert_eq!(stops, [false, false, false, true, false], "only the stop-all is acted on early");
    assert_eq!(h.actions(), [STOP_ALL], "the stop goes out before anything before it is handled");
    let replies: Vec<String> = frames.iter().flat_map(|f| h.exchange(f)).collect();
    assert_eq!(replies[0], ok(2), "a superseded command is still answered");
    assert_eq!(error_of(&replies[1]), (3, 4), "and still checked");
    assert_eq!(replies[2..], [ok(4), ok(5), ok(6)]);
    let rotate = v4::OutputCommand::new(v4::OutputType::Rotate, -3, 0);
    assert_eq!(
        h.actions(),
        [
            for_device(0, DeviceRequest::Stop { feature: None }),
            for_device(0, DeviceRequest::StopInputs { feature: None }),
            // The stop-all's own turn: its output stop already went out; its inputs end now.
            END_INPUTS,
            for_device(0, DeviceRequest::Output { commands: vec![(FeatureIndex::new(1), rotate)] }),
        ],
        "the command after the stop-all runs; the stop-all's output stop is not sent twice"
    );
}

#[test]
fn a_legacy_stop_all_read_ahead_is_acted_on_early_too() {
    let mut h = Harness::new(PING);
    h.exchange(r#"[{"RequestServerInfo":{"Id":1,"ClientName":"old","MessageVersion":3}}]"#);
    let vibrate = r#"[{"VibrateCmd":{"Id":2,"DeviceIndex":0,"Speeds":[{"Index":0,"Speed":0.5}]}}]"#;
    let stop = r#"[{"StopAllDevices":{"Id":3}}]"#;
    assert!(!h.session.read_ahead(vibrate.as_bytes()));
    assert!(h.session.read_ahead(stop.as_bytes()));
    assert_eq!(h.actions(), [STOP_ALL]);
    assert_eq!(h.exchange(vibrate), [ok(2)]);
    assert_eq!(h.exchange(stop), [ok(3)]);
    assert_eq!(h.actions(), [END_INPUTS]);
    // Not before the handshake, and not a stop that leaves the outputs alone.
    let mut h = Harness::new(PING);
    assert!(!h.session.read_ahead(br#"[{"StopCmd":{"Id":1}}]"#));
    let mut h = Harness::connected();
    assert!(!h.session.read_ahead(br#"[{"StopCmd":{"Id":2,"Outputs":false}}]"#));
    assert!(!h.session.read_ahead(br#"[{"StopCmd":{"Id":2,"Outputs":"no"}}]"#));
    assert!(h.actions().is_empty());
}

#[test]
fn a_dropped_transport_stops_everything_and_sends_nothing() {
    let mut h = Harness::connected();
    h.exchange(r#"[{"InputCmd":{"Id":2,"DeviceIndex":3,"FeatureIndex":1,"Type":"Pressure","Command":"Subscribe"}}]"#);
    h.send(r#"[{"InputCmd":{"Id":3,"DeviceIndex":0,"FeatureIndex":2,"Type":"Battery","Command":"Read"}}]"#);
    h.actions();
    h.session.handle_transport_closed();
    assert_eq!(h.actions(), [Action::StopScanning, END_SESSION, END_INPUTS,]);
    assert!(h.received().is_empty());
    assert_eq!(h.session.state(), State::Closed);
}

#[test]
fn device_list_events_follow_changes_only_after_the_handshake() {
    let mut h = Harness::new(PING);
    h.session.handle_devices(v4::Devices::default());
    assert!(h.received().is_empty(), "no events before the handshake");
    h.exchange(r#"[{"RequestServerInfo":{"Id":1,"ClientName":"t","ProtocolVersionMajor":4,"ProtocolVersionMinor":0}}]"#);
    h.session.handle_devices(v4::Devices::default());
    assert!(h.received().is_empty(), "no event when nothing changed");
    h.session.handle_devices(example_devices().into());
    assert_eq!(h.received().len(), 1);
    // A different device at the same index is a change too.
    let mut devices = example_devices();
    if let Some(device) = devices.get_mut(&3) {
        device.device_name = "Another Stroker".into();
    }
    h.session.handle_devices(devices.into());
    assert!(h.received()[0].contains("Another Stroker"));
    h.session.handle_scanning_finished();
    assert_eq!(h.received(), [r#"[{"ScanningFinished":{"Id":0}}]"#]);
}

#[test]
fn device_changes_not_yet_sent_go_out_as_one_list_of_the_newest() {
    let mut h = Harness::connected();
    h.session.handle_devices(v4::Devices::default());
    h.session.handle_scanning_finished();
    let mut devices = example_devices();
    if let Some(device) = devices.get_mut(&3) {
        device.device_name = "Another Stroker".into();
    }
    h.session.handle_devices(devices.into());
    let received = h.received();
    // The queued event carries the newest list in its own place, before the ScanningFinished.
    assert_eq!(received.len(), 2, "{received:?}");
    assert!(received[0].starts_with(r#"[{"DeviceList":{"Id":0,"#), "{received:?}");
    assert!(received[0].contains("Another Stroker"));
    assert_eq!(received[1], r#"[{"ScanningFinished":{"Id":0}}]"#);
    // Once sent, the next change is an event of its own again.
    h.session.handle_devices(v4::Devices::default());
    assert_eq!(h.received(), [r#"[{"DeviceList":{"Id":0,"Devices":{}}}]"#]);
}

#[test]
fn binary_frames_and_bad_messages_get_error_msg() {
    let mut h = Harness::connected();
    h.session.handle_binary();
    assert_eq!(error_of(&h.received()[0]), (0, 3));
    let replies = h.exchange(r#"[{"Ping":{"Id":2,"X":1}},{"Ok":{"Id":3}}][{"Ping":{"Id":4}}]"#);
    assert_eq!(error_of(&replies[0]), (2, 3));
    assert_eq!(error_of(&replies[1]), (3, 3));
    assert_eq!(replies[2], ok(4));
    assert_eq!(h.exchange("not json").iter().map(|r| error_of(r)).collect::<Vec<_>>(), [(0, 3)]);
}

#[test]
fn a_transmission_over_the_message_limit_is_handled_up_to_it_and_answered_once_beyond() {
    let config = SessionConfig { max_messages_per_frame: 3, ..SessionConfig::new("limited") };
    let mut session = Session::new(config, example_devices().into());
    let pings: Vec<String> = (1..=5).map(|id| format!(r#"{{"Ping":{{"Id":{id}}}}}"#)).collect();
    let handshake = r#"{"RequestServerInfo":{"Id":9,"ClientName":"t","ProtocolVersionMajor":4,"ProtocolVersionMinor":0}}"#;
    session.handle_text(origin(), format!("[{handshake},{}]", pings.join(",")).as_bytes());
    let replies: Vec<String> =
        std::iter::from_fn(|| session.poll_transmit()).map(|m| serialize_frame(&[m])).collect();
    assert_eq!(replies.len(), 4, "{replies:?}");
    assert!(replies[0].contains("ServerInfo"));
    assert_eq!(replies[1..3], [ok(1), ok(2)]);
    assert_eq!(error_of(&replies[3]), (0, 3));
    assert!(replies[3].contains("at most 3 messages; the 3 after them"), "{}", replies[3]);
    // The session goes on.
    session.handle_text(origin(), br#"[{"Ping":{"Id":6}}]"#);
    assert_eq!(session.poll_transmit().map(|m| serialize_frame(&[m])), Some(ok(6)));
}

#[test]
fn a_legacy_handshake_fixes_the_version_for_the_rest_of_the_frame() {
    let mut h = Harness::new(PING);
    let replies = h.exchange(
        r#"[{"RequestServerInfo":{"Id":1,"ClientName":"old","MessageVersion":1}},{"SingleMotorVibrateCmd":{"Id":2,"DeviceIndex":0,"Speed":0.5}},{"ScalarCmd":{"Id":3,"DeviceIndex":0,"Scalars":[]}}]"#,
    );
    assert_eq!(h.session.version(), bpio_protocol::SpecVersion::V1);
    assert_eq!(
        replies[0],
        r#"[{"ServerInfo":{"Id":1,"ServerName":"Workshop Server","MajorVersion":0,"MinorVersion":0,"BuildVersion":0,"MessageVersion":1,"MaxPingTime":2000}}]"#
    );
    assert_eq!(replies[1], ok(2));
    assert_eq!(error_of(&replies[2]), (3, 3), "ScalarCmd is not part of v1");
    let vibrate = v4::OutputCommand::new(v4::OutputType::Vibrate, 10, 0);
    assert_eq!(
        h.actions(),
        [for_device(0, DeviceRequest::Output { commands: vec![(FeatureIndex::new(0), vibrate)] })]
    );
}

#[test]
fn a_legacy_command_on_several_features_is_one_batch_with_one_reply_or_nothing() {
    let mut h = Harness::new(PING);
    h.send(r#"[{"RequestServerInfo":{"Id":1,"ClientName":"old","MessageVersion":3}}]"#);
    h.received();
    let replies = h.exchange(
        r#"[{"ScalarCmd":{"Id":2,"DeviceIndex":0,"Scalars":[{"Index":0,"Scalar":1.0,"ActuatorType":"Vibrate"},{"Index":1,"Scalar":0.5,"ActuatorType":"Rotate"}]}}]"#,
    );
    assert_eq!(replies, [ok(2)]);
    let commands = vec![
        (FeatureIndex::new(0), v4::OutputCommand::new(v4::OutputType::Vibrate, 20, 0)),
        (FeatureIndex::new(1), v4::OutputCommand::new(v4::OutputType::Rotate, 5, 0)),
    ];
    assert_eq!(h.actions(), [for_device(0, DeviceRequest::Output { commands })]);
    // The second sub-command names the wrong actuator type: the first is not sent either.
    let replies = h.exchange(
        r#"[{"ScalarCmd":{"Id":3,"DeviceIndex":0,"Scalars":[{"Index":0,"Scalar":1.0,"ActuatorType":"Vibrate"},{"Index":1,"Scalar":0.5,"ActuatorType":"Vibrate"}]}}]"#,
    );
    assert_eq!(error_of(&replies[0]), (3, 4));
    assert_eq!(h.actions(), []);
}

#[test]
fn legacy_sessions_hear_of_device_changes_as_added_and_removed() {
    let mut h = Harness::new(PING);
    let mut devices = example_devices();
    let stroker = devices.remove(&3).unwrap();
    h.session.handle_devices(devices.clone().into());
    h.send(r#"[{"RequestServerInfo":{"Id":1,"ClientName":"old","MessageVersion":2}}]"#);
    h.received();
    // Present at the handshake: no event, the client asks with RequestDeviceList.
    h.session.handle_devices(devices.clone().into());
    assert_eq!(h.received(), Vec::<String>::new());
    devices.insert(3, stroker);
    h.session.handle_devices(devices.clone().into());
    assert_eq!(
        h.received(),
        [
            r#"[{"DeviceAdded":{"Id":0,"DeviceIndex":3,"DeviceName":"Example Stroker","DeviceMessages":{"LinearCmd":{"FeatureCount":1,"StepCount":[100]},"StopDeviceCmd":{}}}}]"#
        ]
    );
    devices.remove(&0);
    h.session.handle_devices(devices.into());
    assert_eq!(h.received(), [r#"[{"DeviceRemoved":{"Id":0,"DeviceIndex":0}}]"#]);
}

#[test]
fn a_legacy_battery_read_answers_in_the_legacy_shape() {
    let mut h = Harness::new(PING);
    h.send(r#"[{"RequestServerInfo":{"Id":1,"ClientName":"old","MessageVersion":3}}]"#);
    h.received();
    h.send(
        r#"[{"SensorReadCmd":{"Id":2,"DeviceIndex":0,"SensorIndex":0,"SensorType":"Battery"}}]"#,
    );
    let [Action::Device { device, request: DeviceRequest::Read { token, feature, input } }] =
        h.actions()[..]
    else {
        panic!("one battery read");
    };
    assert_eq!(
        (device, feature, input),
        (DeviceIndex::new(0), FeatureIndex::new(2), v4::InputType::Battery)
    );
    h.session.handle_reading(token, Ok(v4::Reading::Battery(v4::ReadingValue { value: 42 })));
    assert_eq!(
        h.received(),
        [
            r#"[{"SensorReading":{"Id":2,"DeviceIndex":0,"SensorIndex":0,"SensorType":"Battery","Data":[42]}}]"#
        ]
    );
}

#[test]
fn a_message_version_of_4_or_more_is_refused_and_closed() {
    let mut h = Harness::new(PING);
    let replies =
        h.exchange(r#"[{"RequestServerInfo":{"Id":1,"ClientName":"odd","MessageVersion":4}}]"#);
    assert_eq!(error_of(&replies[0]), (1, 1));
    assert!(h.session.wants_close());
}

fn any_message() -> impl Strategy<Value = String> {
    let device = prop_oneof![Just(0u32), Just(3), Just(9)];
    let feature = 0u32..3;
    prop_oneof![
        Just(r#"{"Ping":{"Id":ID}}"#.to_owned()),
        Just(r#"{"RequestDeviceList":{"Id":ID}}"#.to_owned()),
        Just(r#"{"StartScanning":{"Id":ID}}"#.to_owned()),
        Just(r#"{"Pong":{"Id":ID}}"#.to_owned()),
        Just(r#"{"Ping":{"Id":ID,"Extra":1}}"#.to_owned()),
        Just(r#"{"RequestServerInfo":{"Id":ID,"ClientName":"","ProtocolVersionMajor":4,"ProtocolVersionMinor":0}}"#.to_owned()),
        (device.clone(), feature.clone(), -30i64..30).prop_map(|(d, f, v)| format!(
            r#"{{"OutputCmd":{{"Id":ID,"DeviceIndex":{d},"FeatureIndex":{f},"Command":{{"Vibrate":{{"Value":{v}}}}}}}}}"#
        )),
        (device.clone(), feature.clone(), prop_oneof![Just("Read"), Just("Subscribe"), Just("Unsubscribe")],
            prop_oneof![Just("Battery"), Just("Pressure")])
            .prop_map(|(d, f, c, t)| format!(
                r#"{{"InputCmd":{{"Id":ID,"DeviceIndex":{d},"FeatureIndex":{f},"Type":"{t}","Command":"{c}"}}}}"#
            )),
        (proptest::option::of(device), proptest::option::of(feature))
            .prop_map(|(d, f)| {
                let d = d.map(|d| format!(r#","DeviceIndex":{d}"#)).unwrap_or_default();
                let f = f.map(|f| format!(r#","FeatureIndex":{f}"#)).unwrap_or_default();
                format!(r#"{{"StopCmd":{{"Id":ID{d}{f}}}}}"#)
            }),
    ]
}

proptest! {
    /// Every client message gets exactly one reply, replies come in arrival order, and reads
    /// are answered whether the reading arrives, fails or the device drops.
    #[test]
    fn every_message_gets_exactly_one_reply_in_order(
        batches in proptest::collection::vec(proptest::collection::vec(any_message(), 1..5), 1..12),
        drop_stroker_after in 0usize..12,
    ) {
        let mut h = Harness::connected();
        let mut next_id = 2u32;
        let mut replies = Vec::new();
        for (n, batch) in batches.iter().enumerate() {
            let messages: Vec<String> = batch.iter().map(|m| { next_id += 1; m.replace("ID", &next_id.to_string()) }).collect();
            h.send(&format!("[{}]", messages.join(",")));
            for (i, action) in h.actions().into_iter().enumerate() {
                if let Action::Device { request: DeviceRequest::Read { token, .. }, .. } = action
                    && i % 2 == 0
                {
                        h.session.handle_reading(token, Ok(v4::Reading::Battery(v4::ReadingValue { value: 5 })));
                }
            }
            if n == drop_stroker_after {
                let mut devices = example_devices();
                devices.remove(&3);
                h.session.handle_devices(devices.into());
            }
            replies.extend(h.received());
        }
        // Reads still open get their answer from a final device drop.
        h.session.handle_devices(v4::Devices::default());
        replies.extend(h.received());
        let ids: Vec<u64> = replies
            .iter()
            .map(|r| serde_json::from_str::<serde_json::Value>(r).unwrap())
            .filter_map(|v| v[0].as_object().and_then(|o| o.values().next()).and_then(|m| m["Id"].as_u64()))
            .filter(|id| *id != 0)
            .collect();
        let expected: Vec<u64> = (3..=u64::from(next_id)).collect();
        prop_assert_eq!(ids, expected);
    }
}

proptest! {
    /// Reading transmissions ahead changes no reply: the same replies in the same order, and
    /// never more output work than handling them one by one.
    #[test]
    fn reading_ahead_changes_no_reply(
        batches in proptest::collection::vec(proptest::collection::vec(any_message(), 1..5), 1..12),
        ahead in 0usize..12,
    ) {
        let mut next_id = 2u32;
        let frames: Vec<String> = batches
            .iter()
            .map(|batch| {
                let messages: Vec<String> = batch.iter().map(|m| { next_id += 1; m.replace("ID", &next_id.to_string()) }).collect();
                format!("[{}]", messages.join(","))
            })
            .collect();
        let (mut plain, mut early) = (Harness::connected(), Harness::connected());
        let outputs = |actions: Vec<Action>| {
            actions
                .iter()
                .filter(|a| matches!(a, Action::Device { request: DeviceRequest::Output { .. }, .. }))
                .count()
        };
        let (mut plain_replies, mut early_replies) = (Vec::new(), Vec::new());
        let (mut plain_outputs, mut early_outputs) = (0, 0);
        for (n, frame) in frames.iter().enumerate() {
            // The early session has read `ahead` transmissions beyond the one it handles.
            if n == 0 {
                for f in frames.iter().take(ahead + 1) {
                    early.session.read_ahead(f.as_bytes());
                }
            } else if let Some(f) = frames.get(n + ahead) {
                early.session.read_ahead(f.as_bytes());
            }
            plain.send(frame);
            early.send(frame);
            plain_outputs += outputs(plain.actions());
            early_outputs += outputs(early.actions());
            plain_replies.extend(plain.received());
            early_replies.extend(early.received());
        }
        prop_assert_eq!(plain_replies, early_replies);
        prop_assert!(early_outputs <= plain_outputs);
    }
}

#[test]
fn error_codes_are_the_wire_codes() {
    assert_eq!(ErrorCode::Device as u8, 4);
}
