//! Devices that are a byte stream both ways (serial ports, HID devices, websocket devices): one
//! [`Hardware`] implementation over whatever carries the bytes.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::endpoint::Endpoint;
use crate::error::HwError;
use crate::link::DeviceLink;
use crate::traits::{EndpointScope, Hardware};

/// The endpoints of every byte-stream device (docs/DEVICE_CONFIG.md 4).
const ENDPOINTS: [Endpoint; 2] = [Endpoint::Tx, Endpoint::Rx];

/// How a [`StreamHardware`] reaches its device: the backend's side.
#[async_trait]
pub trait StreamTransport: Send + Sync + fmt::Debug + 'static {
    /// Sends bytes written to `tx`.
    async fn send(&self, data: &[u8]) -> Result<(), HwError>;

    /// Ends the connection. The backend's I/O side then closes the [`DeviceLink`], which
    /// reports the disconnect.
    async fn close(&self);
}

/// A connected byte-stream device: writes to `tx` go to the transport, and what the device sends
/// reaches the server as notifications on `rx` through the [`DeviceLink`] the backend's I/O side
/// holds. Notifications flow without subscribing (subscribing to `rx` changes nothing), and
/// there is nothing to read on demand.
///
/// A link whose scope is [`EndpointScope::Every`] makes the device take writes and subscriptions
/// on any endpoint: every write goes to the transport, and subscriptions decide where the bytes
/// the device sends arrive ([`DeviceLink::notify_received`]). It still names only `tx` and `rx`
/// as its endpoints, and reads still fail.
#[derive(Debug)]
pub struct StreamHardware<T> {
    name: String,
    address: String,
    link: Arc<DeviceLink>,
    transport: T,
}

impl<T: StreamTransport> StreamHardware<T> {
    /// A device named `name` at `address`, whose link is shared with the backend's I/O side.
    pub fn new(name: String, address: String, link: Arc<DeviceLink>, transport: T) -> Self {
        Self { name, address, link, transport }
    }

    fn every_endpoint(&self) -> bool {
        self.link.scope() == EndpointScope::Every
    }

    fn check(&self, endpoint: Endpoint) -> Result<(), HwError> {
        if !self.every_endpoint() && !ENDPOINTS.contains(&endpoint) {
            return Err(HwError::NoEndpoint(endpoint));
        }
        if self.link.is_closed() {
            return Err(HwError::Disconnected);
        }
        Ok(())
    }
}

#[async_trait]
impl<T: StreamTransport> Hardware for StreamHardware<T> {
    fn name(&self) -> &str {
        &self.name
    }

    fn address(&self) -> &str {
        &self.address
    }

    fn endpoints(&self) -> &[Endpoint] {
        &ENDPOINTS
    }

    fn endpoint_scope(&self) -> EndpointScope {
        self.link.scope()
    }

    async fn write(
        &self,
        endpoint: Endpoint,
        data: &[u8],
        _with_response: bool,
    ) -> Result<(), HwError> {
        if !self.every_endpoint() && endpoint != Endpoint::Tx {
            return Err(HwError::NoEndpoint(endpoint));
        }
        self.check(endpoint)?;
        self.transport.send(data).await
    }

    async fn read(&self, endpoint: Endpoint, _: u32, _: Duration) -> Result<Vec<u8>, HwError> {
        self.check(endpoint)?;
        Err(HwError::Unsupported(if self.every_endpoint() {
            "nothing can be read from this device; its bytes arrive as notifications"
        } else {
            "this device sends its bytes as notifications on rx"
        }))
    }

    async fn subscribe(&self, endpoint: Endpoint) -> Result<(), HwError> {
        self.check(endpoint)?;
        self.link.subscribe(endpoint);
        Ok(())
    }

    async fn unsubscribe(&self, endpoint: Endpoint) -> Result<(), HwError> {
        self.check(endpoint)?;
        self.link.unsubscribe(endpoint);
        Ok(())
    }

    async fn disconnect(&self) -> Result<(), HwError> {
        self.transport.close().await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::{EventSink, HardwareEvent};

    /// Records what is sent; closing closes the link, as a backend's I/O side would.
    #[derive(Debug)]
    struct Recorder {
        sent: Mutex<Vec<Vec<u8>>>,
        link: Arc<DeviceLink>,
    }

    #[async_trait]
    impl StreamTransport for Recorder {
        async fn send(&self, data: &[u8]) -> Result<(), HwError> {
            self.sent.lock().unwrap().push(data.to_vec());
            Ok(())
        }

        async fn close(&self) {
            self.link.close();
        }
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        // The futures here never wait, so one poll finishes them.
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        match std::pin::pin!(future).poll(&mut context) {
            std::task::Poll::Ready(output) => output,
            std::task::Poll::Pending => panic!("the future waited"),
        }
    }

    type Events = Arc<Mutex<Vec<HardwareEvent>>>;

    /// A device over a [`Recorder`] on a link of `scope`, and the events it reports.
    fn device(scope: EndpointScope) -> (StreamHardware<Recorder>, Events) {
        let link = Arc::new(DeviceLink::with_scope(scope));
        let events = Arc::new(Mutex::new(Vec::new()));
        let store = Arc::clone(&events);
        link.attach(EventSink::new(move |event| {
            store.lock().unwrap().push(event);
            Ok(())
        }))
        .unwrap();
        let transport = Recorder { sent: Mutex::default(), link: Arc::clone(&link) };
        (StreamHardware::new("n".into(), "a".into(), link, transport), events)
    }

    #[test]
    fn tx_sends_rx_notifies_and_disconnect_closes() {
        let (device, events) = device(EndpointScope::Named);
        assert_eq!(
            (device.name(), device.address(), device.endpoints(), device.endpoint_scope()),
            ("n", "a", &ENDPOINTS[..], EndpointScope::Named)
        );

        block_on(device.write(Endpoint::Tx, b"L0500\n", false)).unwrap();
        assert_eq!(*device.transport.sent.lock().unwrap(), [b"L0500\n".to_vec()]);
        assert!(matches!(
            block_on(device.write(Endpoint::Rx, b"x", false)),
            Err(HwError::NoEndpoint(Endpoint::Rx))
        ));
        assert!(matches!(
            block_on(device.subscribe(Endpoint::Command)),
            Err(HwError::NoEndpoint(Endpoint::Command))
        ));
        block_on(device.subscribe(Endpoint::Rx)).unwrap();
        block_on(device.unsubscribe(Endpoint::Rx)).unwrap();
        assert!(matches!(
            block_on(device.read(Endpoint::Rx, 0, Duration::ZERO)),
            Err(HwError::Unsupported(_))
        ));

        block_on(device.disconnect()).unwrap();
        assert_eq!(*events.lock().unwrap(), [HardwareEvent::Disconnected]);
        assert!(matches!(
            block_on(device.write(Endpoint::Tx, b"x", false)),
            Err(HwError::Disconnected)
        ));
        assert!(matches!(block_on(device.subscribe(Endpoint::Rx)), Err(HwError::Disconnected)));
    }

    #[test]
    fn a_device_that_serves_every_endpoint_takes_writes_and_subscriptions_anywhere() {
        let (device, events) = device(EndpointScope::Every);
        assert_eq!(
            (device.endpoints(), device.endpoint_scope()),
            (&ENDPOINTS[..], EndpointScope::Every)
        );
        block_on(device.write(Endpoint::Firmware, &[0], true)).unwrap();
        block_on(device.write(Endpoint::TxMode, &[0x43, 0x02, 0x00], true)).unwrap();
        block_on(device.write(Endpoint::Generic(0), &[7], false)).unwrap();
        assert_eq!(
            *device.transport.sent.lock().unwrap(),
            [vec![0], vec![0x43, 0x02, 0x00], vec![7]]
        );

        block_on(device.subscribe(Endpoint::Whitelist)).unwrap();
        assert!(device.link.notify_received(vec![1, 0]));
        block_on(device.unsubscribe(Endpoint::Whitelist)).unwrap();
        assert!(device.link.notify_received(vec![2]));
        for endpoint in [Endpoint::Rx, Endpoint::Whitelist, Endpoint::Firmware] {
            let read = block_on(device.read(endpoint, 0, Duration::ZERO));
            let Err(HwError::Unsupported(why)) = read else { panic!("{read:?}") };
            assert!(why.contains("nothing can be read"), "{why}");
        }

        block_on(device.disconnect()).unwrap();
        assert_eq!(
            *events.lock().unwrap(),
            [
                HardwareEvent::Notification { endpoint: Endpoint::Whitelist, data: vec![1, 0] },
                HardwareEvent::Notification { endpoint: Endpoint::Rx, data: vec![2] },
                HardwareEvent::Disconnected
            ]
        );
        assert!(matches!(
            block_on(device.write(Endpoint::Firmware, b"x", false)),
            Err(HwError::Disconnected)
        ));
        assert!(matches!(
            block_on(device.read(Endpoint::Firmware, 0, Duration::ZERO)),
            Err(HwError::Disconnected)
        ));
    }
}
