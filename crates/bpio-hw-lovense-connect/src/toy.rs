//! One toy of the app: the connector the manager reports and the hardware the server drives.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bpio_hardware::{
    DeviceConnector, Endpoint, EventSink, Hardware, HardwareEvent, HwError, Specialization,
};
use tracing::{debug, trace};

use crate::Error;
use crate::api::{self, ToyInfo};
use crate::app::{App, Toy};
use crate::http::APP;

/// What a toy offers: commands as text on `tx`, its battery level on `rx`.
const ENDPOINTS: [Endpoint; 2] = [Endpoint::Rx, Endpoint::Tx];

/// Connects a toy the app listed; nothing runs until it is connected.
#[derive(Debug)]
pub(crate) struct ToyConnector {
    pub(crate) app: Arc<App>,
    pub(crate) info: ToyInfo,
}

#[async_trait]
impl DeviceConnector for ToyConnector {
    async fn connect(
        self: Box<Self>,
        specialization: Specialization,
        events: EventSink<HardwareEvent>,
    ) -> Result<Arc<dyn Hardware>, HwError> {
        if !matches!(specialization, Specialization::Fixed) {
            return Err(HwError::WrongSpecialization);
        }
        let Self { app, info } = *self;
        let toy = Arc::new(Toy::new(info.battery));
        toy.link.attach(events)?;
        app.attach(&info.id, Arc::clone(&toy));
        debug!(toy = %info.id, name = %info.name, "Lovense Connect toy connected");
        Ok(Arc::new(ToyHardware { app, name: info.name, id: info.id, toy }))
    }
}

/// A toy as the server sees it. Writes on `tx` are the command's path and query
/// (`Vibrate1?v=10&t=<id>`), sent as `GET http://<app>/<command>`; a read of `rx` gives the
/// battery level the app reported at the latest poll, as one byte.
#[derive(Debug)]
pub(crate) struct ToyHardware {
    app: Arc<App>,
    name: String,
    id: String,
    toy: Arc<Toy>,
}

impl Drop for ToyHardware {
    fn drop(&mut self) {
        self.app.detach(&self.id, &self.toy);
    }
}

impl ToyHardware {
    fn check_open(&self) -> Result<(), HwError> {
        if self.toy.link.is_closed() { Err(HwError::Disconnected) } else { Ok(()) }
    }
}

#[async_trait]
impl Hardware for ToyHardware {
    fn name(&self) -> &str {
        &self.name
    }

    fn address(&self) -> &str {
        &self.id
    }

    fn endpoints(&self) -> &[Endpoint] {
        &ENDPOINTS
    }

    async fn write(
        &self,
        endpoint: Endpoint,
        data: &[u8],
        _with_response: bool,
    ) -> Result<(), HwError> {
        if endpoint != Endpoint::Tx {
            return Err(HwError::NoEndpoint(endpoint));
        }
        self.check_open()?;
        let command = std::str::from_utf8(data).map_err(|_| HwError::from(Error::NotText))?;
        // The command names the toy in its query (personal data): trace level only.
        trace!(%command, "Lovense Connect command");
        let url = format!("{}/{}", self.app.base(), command.trim_start_matches('/'));
        let reply = self.app.http().get(&url, APP).await?;
        api::check_command_reply(&reply)?;
        Ok(())
    }

    async fn read(
        &self,
        endpoint: Endpoint,
        _length: u32,
        _timeout: Duration,
    ) -> Result<Vec<u8>, HwError> {
        if endpoint != Endpoint::Rx {
            return Err(HwError::NoEndpoint(endpoint));
        }
        self.check_open()?;
        let level = self.toy.battery().ok_or(Error::NoBattery)?;
        Ok(vec![level])
    }

    async fn subscribe(&self, _endpoint: Endpoint) -> Result<(), HwError> {
        Err(HwError::Unsupported("the Lovense Connect app pushes nothing to subscribe to"))
    }

    async fn unsubscribe(&self, _endpoint: Endpoint) -> Result<(), HwError> {
        Err(HwError::Unsupported("the Lovense Connect app pushes nothing to subscribe to"))
    }

    async fn disconnect(&self) -> Result<(), HwError> {
        // The toy stays with the app; bpio only stops following it.
        self.app.detach(&self.id, &self.toy);
        self.toy.link.close();
        Ok(())
    }
}
