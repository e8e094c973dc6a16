//! A fake of the Lovense Connect app and of the discovery service that lists it, as real HTTP
//! servers on loopback, for tests (feature `fake`).
//!
//! They answer as the real ones do, with the same paths, JSON shapes and codes: the discovery
//! service at `/api/lan/getToys` lists the app under its dashed-address domain with its ports,
//! the app lists its toys at `/GetToys` (`{"type": "OK", "code": 200, "data": {...}}`, status
//! `"1"`/`"0"`, battery a number or `null`) and answers each command (`/Vibrate1?v=10&t=<toy>`)
//! with `{"type": "OK", "code": 200}` or its refusal: 400 for an unknown command, 401 for an
//! unknown toy, 402 for a toy not connected, 404 for a bad parameter. The fake records every
//! command it receives, in order, and a test can add and remove toys, make the toy list fail,
//! and make the app go away.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

/// The path of the discovery service, as in [`crate::DEFAULT_DISCOVERY_URL`].
pub const DISCOVERY_PATH: &str = "/api/lan/getToys";

/// The commands of the app's API (its documented ones and those the reference sends).
const COMMANDS: [&str; 22] = [
    "Vibrate",
    "Vibrate1",
    "Vibrate2",
    "Vibrate3",
    "Rotate",
    "RotateAntiClockwise",
    "RotateClockwise",
    "RotateChange",
    "AirAuto",
    "AirIn",
    "AirOut",
    "Preset",
    "Battery",
    "AVibrate",
    "ARotate",
    "AAirLevel",
    "AVibRotate",
    "AVibAir",
    "AVibrate1",
    "AVibrate2",
    "Thrusting",
    "Depth",
];

/// A toy paired with the fake app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeToy {
    /// The app's id of the toy.
    pub id: String,
    /// The toy type (`Lush`, `Edge`, ...).
    pub name: String,
    /// Percent, or `None` for the app's `null`.
    pub battery: Option<u8>,
    /// Whether the toy is connected to the app (status `"1"`).
    pub connected: bool,
}

impl FakeToy {
    /// A connected toy with a battery level.
    pub fn new(id: &str, name: &str, battery: u8) -> Self {
        Self { id: id.to_owned(), name: name.to_owned(), battery: Some(battery), connected: true }
    }
}

/// How the fake app's toy list fails, while it is told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// A body that is not JSON.
    BadJson,
    /// This HTTP status, with an empty body.
    Status(u16),
    /// The app's refusal with this code (`{"type": "error", "code": ...}`).
    Refusal(i64),
}

#[derive(Debug, Default)]
struct FakeState {
    toys: BTreeMap<String, FakeToy>,
    fault: Option<Fault>,
    gone: bool,
    toy_list_requests: usize,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<FakeState>,
    commands: watch::Sender<Vec<String>>,
    app_port: u16,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The fake discovery service and app, each on its own loopback port. Dropping it stops both.
#[derive(Debug)]
pub struct FakeApp {
    shared: Arc<Shared>,
    discovery_port: u16,
    discovery: JoinHandle<()>,
    app: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
}

impl FakeApp {
    /// Starts both servers on free loopback ports, with no toys.
    pub async fn start() -> std::io::Result<Self> {
        let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let discovery_listener = TcpListener::bind(loopback).await?;
        let app_listener = TcpListener::bind(loopback).await?;
        let shared = Arc::new(Shared {
            state: Mutex::default(),
            commands: watch::channel(Vec::new()).0,
            app_port: app_listener.local_addr()?.port(),
        });
        let discovery_port = discovery_listener.local_addr()?.port();
        let router =
            Router::new().route(DISCOVERY_PATH, get(discovery)).with_state(Arc::clone(&shared));
        let discovery = tokio::spawn(async move {
            let _ = axum::serve(discovery_listener, router).await;
        });
        let router = Router::new()
            .route("/GetToys", get(toy_list))
            .fallback(command)
            .with_state(Arc::clone(&shared));
        let (stop, stopped) = oneshot::channel::<()>();
        let app = tokio::spawn(async move {
            let _ = axum::serve(app_listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Self { shared, discovery_port, discovery, app: Some((stop, app)) })
    }

    /// The URL of the fake discovery service.
    pub fn discovery_url(&self) -> String {
        format!("http://127.0.0.1:{}{DISCOVERY_PATH}", self.discovery_port)
    }

    /// The base URL of the fake app.
    pub fn app_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.shared.app_port)
    }

    /// Pairs `toy` with the app (or replaces the toy with its id).
    pub fn add_toy(&self, toy: FakeToy) {
        self.shared.lock().toys.insert(toy.id.clone(), toy);
    }

    /// Unpairs the toy `id`: the app no longer lists it.
    pub fn remove_toy(&self, id: &str) {
        self.shared.lock().toys.remove(id);
    }

    /// Sets whether the toy `id` is connected to the app.
    pub fn set_connected(&self, id: &str, connected: bool) {
        if let Some(toy) = self.shared.lock().toys.get_mut(id) {
            toy.connected = connected;
        }
    }

    /// Sets the battery level the app reports for the toy `id`.
    pub fn set_battery(&self, id: &str, battery: Option<u8>) {
        if let Some(toy) = self.shared.lock().toys.get_mut(id) {
            toy.battery = battery;
        }
    }

    /// Makes the toy list fail as `fault` says, or answer again with `None`.
    pub fn fail_toy_list(&self, fault: Option<Fault>) {
        self.shared.lock().fault = fault;
    }

    /// How many times the toy list was asked for.
    pub fn toy_list_requests(&self) -> usize {
        self.shared.lock().toy_list_requests
    }

    /// Every command received so far, as `Vibrate1?v=10&t=<toy>`, in order.
    pub fn commands(&self) -> Vec<String> {
        self.shared.commands.borrow().clone()
    }

    /// Waits until at least `count` commands have been received; gives them all.
    pub async fn wait_for_commands(&self, count: usize) -> Vec<String> {
        let mut commands = self.shared.commands.subscribe();
        let received = commands.wait_for(|received| received.len() >= count).await;
        received.map(|received| received.clone()).unwrap_or_default()
    }

    /// The app quits: its server stops (connections are refused from now on) and the discovery
    /// service no longer lists it. Returns once the server has stopped.
    pub async fn go_away(&mut self) {
        self.shared.lock().gone = true;
        if let Some((stop, app)) = self.app.take() {
            let _ = stop.send(());
            let _ = app.await;
        }
    }
}

impl Drop for FakeApp {
    fn drop(&mut self) {
        self.discovery.abort();
        if let Some((_, app)) = &self.app {
            app.abort();
        }
    }
}

async fn discovery(State(shared): State<Arc<Shared>>) -> Response {
    let state = shared.lock();
    if state.gone {
        return axum::Json(json!({})).into_response();
    }
    let domain = "127-0-0-1.lovense.club";
    let port = shared.app_port;
    let toys: BTreeMap<&str, Value> =
        state.toys.values().map(|toy| (toy.id.as_str(), toy_json(toy))).collect();
    let app = json!({
        "deviceId": "fake-connect",
        "domain": domain,
        "httpPort": port,
        "wsPort": port,
        "httpsPort": 30010,
        "wssPort": 30010,
        "platform": "pc",
        "appVersion": "1.6.8",
        "appType": "connect",
        "version": "101",
        "toys": toys,
    });
    axum::Json(json!({ domain: app })).into_response()
}

fn toy_json(toy: &FakeToy) -> Value {
    json!({
        "id": toy.id,
        "name": toy.name,
        "nickName": "",
        "status": if toy.connected { "1" } else { "0" },
        "version": "",
        "battery": toy.battery,
    })
}

async fn toy_list(State(shared): State<Arc<Shared>>) -> Response {
    let mut state = shared.lock();
    state.toy_list_requests += 1;
    match state.fault {
        Some(Fault::BadJson) => return "{\"type\": \"OK\", \"code\": 2".into_response(),
        Some(Fault::Status(status)) => {
            return StatusCode::from_u16(status)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
                .into_response();
        }
        Some(Fault::Refusal(code)) => return refusal(code, "Server Error"),
        None => {}
    }
    let toys: BTreeMap<&str, Value> =
        state.toys.values().map(|toy| (toy.id.as_str(), toy_json(toy))).collect();
    axum::Json(json!({"type": "OK", "code": 200, "data": toys})).into_response()
}

fn refusal(code: i64, message: &str) -> Response {
    axum::Json(json!({"type": "error", "code": code, "message": message})).into_response()
}

async fn command(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let name = uri.path().trim_start_matches('/');
    let query = uri.query().unwrap_or_default();
    let received = if query.is_empty() { name.to_owned() } else { format!("{name}?{query}") };
    shared.commands.send_modify(|commands| commands.push(received));
    if !COMMANDS.contains(&name) {
        return refusal(400, "Invalid Command");
    }
    let params: Vec<(&str, &str)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    let value = |key: &str| params.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    if let Some(id) = value("t") {
        match shared.lock().toys.get(id) {
            None => return refusal(401, "Toy Not Found"),
            Some(toy) if !toy.connected => return refusal(402, "Toy Not Connected"),
            Some(_) => {}
        }
    }
    let valid = ["v", "a", "r", "sec"]
        .iter()
        .filter_map(|key| value(key))
        .all(|level| level.parse::<u32>().is_ok_and(|level| level <= 20));
    if !valid {
        return refusal(404, "Invalid Parameter");
    }
    axum::Json(json!({"type": "OK", "code": 200})).into_response()
}
