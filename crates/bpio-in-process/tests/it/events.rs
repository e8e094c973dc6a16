//! Devices leaving, and the end of the session.

use bpio_client::{Error, Event, InputType};

use crate::{BOTH, HUSH, NORA, SENSOR, Setup, text_written, within};

#[tokio::test]
async fn a_device_that_drops_is_removed_and_its_handle_refuses_commands() {
    for via in BOTH {
        let setup = Setup::start(via).await;
        let nora = setup.device(NORA);
        let sensor = setup.device(SENSOR);
        let mut pressure = sensor.subscribe(InputType::Pressure).await.unwrap();
        let mut events = setup.client.events();
        // The stream starts with the devices connected now.
        for _ in 0..6 {
            assert!(matches!(
                within("the backlog", events.next()).await,
                Some(Event::DeviceAdded(_))
            ));
        }

        setup.devices.nora.drop_connection();
        match within("the removal", events.next()).await {
            Some(Event::DeviceRemoved(device)) => assert_eq!(device.name(), NORA),
            other => panic!("{other:?}"),
        }
        assert!(!nora.is_connected());
        assert!(setup.client.devices().iter().all(|device| device.name() != NORA));
        let refused = nora.vibrate(0.5).await;
        assert!(
            matches!(refused, Err(Error::DeviceGone(index)) if index == nora.index()),
            "{refused:?}"
        );

        // Subscriptions of a device that leaves end with it.
        setup.devices.sensor.drop_connection();
        assert!(matches!(
            within("the removal", events.next()).await,
            Some(Event::DeviceRemoved(_))
        ));
        assert_eq!(within("the end of the subscription", pressure.next()).await, None);
    }
}

#[tokio::test]
async fn disconnecting_ends_the_session_which_stops_every_device() {
    for via in BOTH {
        let setup = Setup::start(via).await;
        let hush = setup.device(HUSH);
        let before = setup.devices.hush.writes().len();
        hush.vibrate(1.0).await.unwrap();
        text_written(&setup.devices.hush, before, "Vibrate:20;").await;
        let mut events = setup.client.events();

        setup.client.disconnect().await;
        assert!(!setup.client.is_connected() && !hush.is_connected());
        // The server stops every device when a session ends.
        text_written(&setup.devices.hush, before, "Vibrate:20;Vibrate:0;").await;
        // The backlog of devices, then the end: no ServerDisconnect for a disconnect we asked for.
        while let Some(event) = within("the end of the events", events.next()).await {
            assert!(matches!(event, Event::DeviceAdded(_)), "{event:?}");
        }
        let after = hush.vibrate(0.5).await;
        assert!(matches!(after, Err(Error::DeviceGone(_))), "{after:?}");
    }
}
