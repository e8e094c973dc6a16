//! Discovery: the apps the discovery service lists, and the toys each app lists.

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use bpio_hardware::{
    AdvertisementBuf, EventSink, FoundDevice, HardwareManager, HwError, ManagerEvent,
};
use tracing::{debug, info, warn};

use crate::api;
use crate::app::App;
use crate::http::{DISCOVERY, Http};
use crate::toy::ToyConnector;
use crate::{Config, Error};

/// A checked configuration with its HTTP client, ready to start.
///
/// Checking is separate from [`LovenseConnect::start`] so that a bad discovery URL is an error
/// at start-up, before the manager is handed to the device hub.
#[derive(Debug)]
pub struct LovenseConnect {
    config: Config,
    http: Http,
}

impl LovenseConnect {
    /// Checks `config` (the discovery URL must be `http://` or `https://`) and builds the client.
    pub fn new(config: Config) -> Result<Self, Error> {
        let url = reqwest::Url::parse(&config.discovery_url)
            .map_err(|_| Error::BadUrl(config.discovery_url.clone()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(Error::BadUrl(config.discovery_url.clone()));
        }
        let http = Http::new(config.request_timeout)?;
        Ok(Self { config, http })
    }

    /// The manager, reporting to `events`.
    pub fn start(self, events: EventSink<ManagerEvent>) -> LovenseConnectManager {
        LovenseConnectManager {
            events,
            config: self.config,
            http: self.http,
            apps: Mutex::default(),
            scanning: tokio::sync::Mutex::new(()),
        }
    }
}

/// The [`HardwareManager`] of Lovense Connect. A scan asks the discovery service for the apps
/// on the network (once; an app that stops answering is looked up again at the next scan), asks
/// each app for its toys, reports those connected to it, and finishes.
#[derive(Debug)]
pub struct LovenseConnectManager {
    events: EventSink<ManagerEvent>,
    config: Config,
    http: Http,
    /// The apps found so far.
    apps: Mutex<Vec<Arc<App>>>,
    /// One scan at a time.
    scanning: tokio::sync::Mutex<()>,
}

impl LovenseConnectManager {
    fn known_apps(&self) -> Vec<Arc<App>> {
        self.apps.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn forget(&self, app: &Arc<App>) {
        self.apps.lock().unwrap_or_else(PoisonError::into_inner).retain(|a| !Arc::ptr_eq(a, app));
    }

    /// Asks the discovery service for the apps, and keeps them.
    async fn discover(&self) -> Result<Vec<Arc<App>>, Error> {
        let text = self.http.get(&self.config.discovery_url, DISCOVERY).await?;
        let apps: Vec<Arc<App>> = api::parse_discovery(&text)?
            .into_iter()
            .map(|addr| {
                debug!(app = %addr.base_url(), "Lovense Connect app");
                let base = addr.base_url();
                Arc::new(App::new(base, self.http.clone(), self.config.poll_interval))
            })
            .collect();
        info!(apps = apps.len(), "Lovense Connect discovery");
        *self.apps.lock().unwrap_or_else(PoisonError::into_inner) = apps.clone();
        Ok(apps)
    }

    async fn scan(&self) {
        let _one_at_a_time = self.scanning.lock().await;
        let mut apps = self.known_apps();
        if apps.is_empty() {
            apps = self.discover().await.unwrap_or_else(|err| {
                warn!(cause = %err, "Lovense Connect: no app found");
                Vec::new()
            });
        }
        for app in apps {
            let toys = match app.toys().await {
                Ok(toys) => toys,
                Err(err) => {
                    warn!(cause = %err, "a Lovense Connect app did not list its toys");
                    self.forget(&app);
                    continue;
                }
            };
            for info in toys.into_iter().filter(|toy| toy.connected) {
                debug!(toy = %info.id, name = %info.name, "Lovense Connect toy");
                let found = FoundDevice {
                    name: info.name.clone(),
                    address: info.id.clone(),
                    advertisement: AdvertisementBuf::LovenseConnect,
                    connector: Box::new(ToyConnector { app: Arc::clone(&app), info }),
                };
                if self.events.send(ManagerEvent::Found(found)).is_err() {
                    return;
                }
            }
        }
        let _ = self.events.send(ManagerEvent::ScanningFinished);
    }
}

#[async_trait]
impl HardwareManager for LovenseConnectManager {
    fn name(&self) -> &'static str {
        "lovense-connect"
    }

    /// One pass over the apps; it always ends with [`ManagerEvent::ScanningFinished`], whatever
    /// failed on the way (each failure is logged).
    async fn start_scanning(&self) -> Result<(), HwError> {
        self.scan().await;
        Ok(())
    }

    async fn stop_scanning(&self) -> Result<(), HwError> {
        Ok(())
    }
}
