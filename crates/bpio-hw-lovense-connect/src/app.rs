//! One Lovense Connect app: its address, the toys connected through it, and the task that polls
//! its toy list while any are.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bpio_hardware::DeviceLink;
use tracing::{debug, info, trace};

use crate::Error;
use crate::api::{self, ToyInfo};
use crate::http::{Http, TOY_LIST};

/// An app found through discovery. Shared by the manager and the toys connected through it.
#[derive(Debug)]
pub(crate) struct App {
    base: String,
    http: Http,
    poll_interval: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    toys: HashMap<String, Arc<Toy>>,
    /// Whether the polling task runs; it ends once no toy is left.
    polling: bool,
}

/// What the app's poll keeps up to date for one connected toy.
#[derive(Debug)]
pub(crate) struct Toy {
    pub(crate) link: DeviceLink,
    battery: Mutex<Option<u8>>,
}

impl Toy {
    pub(crate) fn new(battery: Option<u8>) -> Self {
        Self { link: DeviceLink::new(), battery: Mutex::new(battery) }
    }

    /// The level of the latest poll (or of discovery), when the app knew it.
    pub(crate) fn battery(&self) -> Option<u8> {
        *self.battery.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set_battery(&self, level: Option<u8>) {
        *self.battery.lock().unwrap_or_else(PoisonError::into_inner) = level;
    }
}

impl App {
    pub(crate) fn new(base: String, http: Http, poll_interval: Duration) -> Self {
        Self { base, http, poll_interval, state: Mutex::default() }
    }

    /// The app's base URL (`http://ip:port`).
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    pub(crate) fn http(&self) -> &Http {
        &self.http
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The toys the app lists now.
    pub(crate) async fn toys(&self) -> Result<Vec<ToyInfo>, Error> {
        let text = self.http.get(&format!("{}/GetToys", self.base), TOY_LIST).await?;
        api::parse_toys(&text)
    }

    /// Keeps `toy` up to date from now on, polling the app while any toy is attached. Must be
    /// called within a tokio runtime.
    pub(crate) fn attach(self: &Arc<Self>, id: &str, toy: Arc<Toy>) {
        let mut state = self.lock();
        state.toys.insert(id.to_owned(), toy);
        if !state.polling {
            state.polling = true;
            tokio::spawn(poll(Arc::clone(self)));
        }
    }

    /// Stops following the toy `id`, if `toy` is still the one attached under it.
    pub(crate) fn detach(&self, id: &str, toy: &Arc<Toy>) {
        let mut state = self.lock();
        if state.toys.get(id).is_some_and(|attached| Arc::ptr_eq(attached, toy)) {
            state.toys.remove(id);
        }
    }

    /// One poll's news: toys gone or disconnected from the app leave, the rest get their battery
    /// level. Returns whether polling goes on.
    fn handle_poll(&self, listed: Result<Vec<ToyInfo>, Error>) -> bool {
        let mut state = self.lock();
        match listed {
            Ok(listed) => state.toys.retain(|id, toy| {
                match listed.iter().find(|info| info.id == *id && info.connected) {
                    Some(info) => {
                        toy.set_battery(info.battery);
                        true
                    }
                    None => {
                        info!("a Lovense Connect toy left the app");
                        debug!(toy = %id, "toy gone");
                        toy.link.close();
                        false
                    }
                }
            }),
            Err(err) => {
                // Not answering, or answering nonsense: the app has gone, and its toys with it.
                info!(cause = %err, toys = state.toys.len(), "the Lovense Connect app went away");
                for toy in state.toys.values() {
                    toy.link.close();
                }
                state.toys.clear();
            }
        }
        state.polling = !state.toys.is_empty();
        state.polling
    }
}

/// Polls the app's toy list every interval until no toy is attached any more.
async fn poll(app: Arc<App>) {
    loop {
        // The app's HTTP server is known to fall over when asked too often: one request per
        // interval for all its toys.
        tokio::time::sleep(app.poll_interval).await;
        {
            let mut state = app.lock();
            if state.toys.is_empty() {
                state.polling = false;
                return;
            }
        }
        trace!("polling the Lovense Connect app");
        let listed = app.toys().await;
        if !app.handle_poll(listed) {
            return;
        }
    }
}
