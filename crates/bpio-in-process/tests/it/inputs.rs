//! Reads, subscriptions and their ends, against the simulated sensor and the Lovense battery.

use bpio_client::{Capability, Error, Event, InputCommandType, InputType, Reading};
use bpio_hardware::sim::{SimHandle, SimulatedFirmware};
use bpio_hardware::{Endpoint, HardwareCommand};

use crate::{BOTH, HUSH, SENSOR, Setup, eventually, text_written, within};

/// Waits until the sensor has received `command` on `endpoint` (subscribe or unsubscribe).
async fn received(sensor: &SimHandle<SimulatedFirmware>, expected: HardwareCommand) {
    eventually("the sensor command", || sensor.received().contains(&expected)).await;
}

#[tokio::test]
async fn reads_return_what_the_device_reports() {
    for via in BOTH {
        let setup = Setup::start(via).await;
        let sims = &setup.devices;

        let hush = setup.device(HUSH);
        let before = sims.hush.writes().len();
        assert_eq!(hush.battery().await.unwrap(), 85);
        text_written(&sims.hush, before, "Battery;").await;
        sims.hush.update(|f| {
            f.set_battery(42);
            Vec::new()
        });
        assert_eq!(hush.feature(1).unwrap().battery().await.unwrap(), 42);

        let sensor = setup.device(SENSOR);
        sims.sensor.update(|f| {
            f.set_battery(33);
            Vec::new()
        });
        assert_eq!(sensor.battery().await.unwrap(), 33);
        sims.sensor.update(|f| f.set_pressure(1234));
        let reading = sensor.read(InputType::Pressure).await.unwrap();
        assert_eq!((reading.input_type(), reading.value()), (InputType::Pressure, 1234));
        assert!(sims.sensor.received().iter().any(|command| matches!(
            command,
            HardwareCommand::Read { endpoint: Endpoint::RxPressure, .. }
        )));

        // No simulated device has a radio input, and the button can only be subscribed to.
        let rssi = sensor.rssi().await;
        assert!(
            matches!(
                rssi,
                Err(Error::Unsupported { capability: Capability::Input(InputType::Rssi, _), .. })
            ),
            "{rssi:?}"
        );
        let button = sensor.feature(1).unwrap().read(InputType::Button).await;
        assert!(
            matches!(
                button,
                Err(Error::Unsupported {
                    capability: Capability::Input(_, InputCommandType::Read),
                    ..
                })
            ),
            "{button:?}"
        );
    }
}

#[tokio::test]
async fn subscriptions_stream_readings_until_unsubscribed_or_stopped() {
    for via in BOTH {
        let setup = Setup::start(via).await;
        let sim = &setup.devices.sensor;
        let sensor = setup.device(SENSOR);
        let mut events = setup.client.events();

        let mut pressure = sensor.subscribe(InputType::Pressure).await.unwrap();
        assert_eq!((pressure.device(), pressure.feature()), (sensor.index(), 0));
        let mut button = sensor.feature(1).unwrap().subscribe(InputType::Button).await.unwrap();
        received(sim, HardwareCommand::subscribe(Endpoint::RxPressure)).await;
        received(sim, HardwareCommand::subscribe(Endpoint::RxTouch)).await;

        sim.update(|f| f.set_pressure(777));
        let reading = within("the pressure", pressure.next()).await.unwrap();
        assert_eq!(reading.value(), 777);
        sim.update(|f| f.set_button(true));
        let reading = within("the button", button.next()).await.unwrap();
        assert!(matches!(reading, Reading::Button(value) if value.value == 1), "{reading:?}");

        // The readings are events too (after the devices the stream starts with).
        let mut readings = Vec::new();
        while readings.len() < 2 {
            if let Event::InputReading { feature, reading, .. } =
                within("the events", events.next()).await.unwrap()
            {
                readings.push((feature, reading.value()));
            }
        }
        assert_eq!(readings, [(0, 777), (1, 1)]);

        pressure.unsubscribe().await.unwrap();
        received(sim, HardwareCommand::unsubscribe(Endpoint::RxPressure)).await;

        // A stop of the device ends its subscriptions, and their streams.
        sensor.stop().await.unwrap();
        assert_eq!(within("the end of the button stream", button.next()).await, None);
        received(sim, HardwareCommand::unsubscribe(Endpoint::RxTouch)).await;
    }
}
