//! Every output helper, per feature and per device, and every stop, down to the bytes.

use std::pin::Pin;
use std::time::Duration;

use bpio_client::Error;
use bpio_hardware::sim::{SimHandle, SimulatedFirmware};

use crate::{
    BOTH, EDGE, HUSH, NORA, OUTPUTS, STROKER, Setup, eventually, text_written, within, writes_since,
};

type Call<'a> = Pin<Box<dyn Future<Output = Result<(), Error>> + 'a>>;

/// One output record of the `simulated` protocol: feature, type code, value, duration.
fn record(feature: u8, code: u8, value: i32, duration_ms: u32) -> Vec<u8> {
    let mut bytes = vec![feature, code];
    bytes.extend(value.to_le_bytes());
    bytes.extend(duration_ms.to_le_bytes());
    bytes
}

/// Runs each call in turn; each must write exactly its record.
async fn check_records(device: &SimHandle<SimulatedFirmware>, calls: Vec<(Call<'_>, Vec<u8>)>) {
    for (at, (call, expected)) in calls.into_iter().enumerate() {
        let before = device.writes().len();
        within("the command", call).await.unwrap_or_else(|err| panic!("call {at}: {err}"));
        assert_eq!(writes_since(device, before).await, [expected], "call {at}");
    }
}

#[tokio::test]
async fn every_feature_helper_writes_its_command() {
    for via in BOTH {
        let setup = Setup::start(via).await;
        let device = setup.device(OUTPUTS);
        let features = device.features();
        let [vibe, rotor, oscillator, constrictor, heater, light, sprayer, axis] =
            features.as_slice()
        else {
            panic!("{features:?}")
        };
        let calls: Vec<(Call<'_>, Vec<u8>)> = vec![
            (Box::pin(vibe.vibrate(0.5)), record(0, 1, 50, 0)),
            (Box::pin(vibe.vibrate(7)), record(0, 1, 7, 0)),
            (Box::pin(rotor.rotate(-0.25)), record(1, 2, -25, 0)),
            (Box::pin(rotor.rotate_with_direction(0.5, true)), record(1, 2, 50, 0)),
            (Box::pin(rotor.rotate_with_direction(10, false)), record(1, 2, -10, 0)),
            (Box::pin(oscillator.oscillate(30)), record(2, 3, 30, 0)),
            (Box::pin(constrictor.constrict(1.0)), record(3, 4, 10, 0)),
            (Box::pin(heater.temperature(-0.5)), record(4, 5, -5, 0)),
            (Box::pin(light.led(255)), record(5, 6, 255, 0)),
            (Box::pin(sprayer.spray(1.0)), record(6, 7, 1, 0)),
            (Box::pin(axis.position(0.25)), record(7, 8, 250, 0)),
            (
                Box::pin(axis.position_with_duration(0.5, Duration::from_millis(1500))),
                record(7, 9, 500, 1500),
            ),
        ];
        check_records(&setup.devices.outputs, calls).await;
    }
}

#[tokio::test]
async fn every_device_helper_writes_to_the_features_that_have_the_output() {
    for via in BOTH {
        let setup = Setup::start(via).await;
        let device = setup.device(OUTPUTS);
        let calls: Vec<(Call<'_>, Vec<u8>)> = vec![
            (Box::pin(device.vibrate(0.3)), record(0, 1, 30, 0)),
            (Box::pin(device.rotate(40)), record(1, 2, 40, 0)),
            (Box::pin(device.rotate_with_direction(0.5, false)), record(1, 2, -50, 0)),
            (Box::pin(device.oscillate(0.01)), record(2, 3, 1, 0)),
            (Box::pin(device.constrict(4)), record(3, 4, 4, 0)),
            (Box::pin(device.temperature(1.0)), record(4, 5, 10, 0)),
            (Box::pin(device.led(0.5)), record(5, 6, 128, 0)),
            (Box::pin(device.spray(1)), record(6, 7, 1, 0)),
            (Box::pin(device.position(1000)), record(7, 8, 1000, 0)),
            (
                Box::pin(device.position_with_duration(0.0, Duration::from_secs(10))),
                record(7, 9, 0, 10_000),
            ),
        ];
        check_records(&setup.devices.outputs, calls).await;

        // A duration outside the advertised range is refused before anything is sent.
        let refused = device.position_with_duration(0.5, Duration::from_secs(11)).await;
        assert!(matches!(refused, Err(Error::DurationOutOfRange { .. })), "{refused:?}");
    }
}

#[tokio::test]
async fn real_protocols_get_their_own_bytes() {
    for via in BOTH {
        let setup = Setup::start(via).await;
        let sims = &setup.devices;

        let before = sims.hush.writes().len();
        setup.device(HUSH).vibrate(0.5).await.unwrap();
        text_written(&sims.hush, before, "Vibrate:10;").await;

        // Both motors of the Edge, each converted with its own range; how the protocol bundles
        // them depends on the timing gap, so the firmware's state is checked.
        setup.device(EDGE).vibrate(0.75).await.unwrap();
        eventually("both Edge motors", || sims.edge.firmware(|f| f.motors() == [15, 15])).await;
        let before = sims.edge.writes().len();
        setup.device(EDGE).feature(1).unwrap().vibrate(5).await.unwrap();
        text_written(&sims.edge, before, "Vibrate2:5;").await;

        // The Nora starts clockwise: turning counter-clockwise changes direction first.
        let nora = setup.device(NORA);
        let before = sims.nora.writes().len();
        nora.rotate_with_direction(0.5, true).await.unwrap();
        text_written(&sims.nora, before, "Rotate:10;").await;
        let before = sims.nora.writes().len();
        nora.rotate(-0.25).await.unwrap();
        text_written(&sims.nora, before, "RotateChange;Rotate:5;").await;
        assert_eq!(sims.nora.firmware(|f| f.rotation()), -5);

        let stroker = setup.device(STROKER);
        let before = sims.stroker.writes().len();
        stroker.position(0.5).await.unwrap();
        text_written(&sims.stroker, before, "L0500\nR0500\n").await;
        let before = sims.stroker.writes().len();
        stroker.position_with_duration(1.0, Duration::from_millis(200)).await.unwrap();
        text_written(&sims.stroker, before, "L0999I200\n").await;
    }
}

#[tokio::test]
async fn stops_on_a_feature_a_device_and_the_client_write_the_stop_commands() {
    for via in BOTH {
        let setup = Setup::start(via).await;
        let sims = &setup.devices;
        let device = setup.device(OUTPUTS);

        let oscillator = device.feature(2).unwrap();
        oscillator.oscillate(40).await.unwrap();
        eventually("the oscillation", || {
            sims.outputs.firmware(|f| f.output(2).is_some_and(|o| o.value == 40))
        })
        .await;
        let before = sims.outputs.writes().len();
        oscillator.stop().await.unwrap();
        assert_eq!(writes_since(&sims.outputs, before).await, [record(2, 3, 0, 0)]);

        // Every feature with a stoppable output gets its zero in one write; the axis, which only
        // moves to positions, gets none.
        let all_zero: Vec<u8> =
            (0..7).flat_map(|feature| record(feature, feature + 1, 0, 0)).collect();
        let before = sims.outputs.writes().len();
        device.stop().await.unwrap();
        assert_eq!(writes_since(&sims.outputs, before).await, std::slice::from_ref(&all_zero));

        let hush_before = sims.hush.writes().len();
        let before = sims.outputs.writes().len();
        setup.client.stop().await.unwrap();
        assert_eq!(writes_since(&sims.outputs, before).await, [all_zero]);
        text_written(&sims.hush, hush_before, "Vibrate:0;").await;
    }
}
