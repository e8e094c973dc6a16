//! The REST API of `--rest-api-port`, served beside the websocket server (the reference serves it
//! instead): plain HTTP on loopback for scripts and tools that do not speak the Buttplug protocol.
//!
//! Routes, under `/api/v1` (the reference's paths and methods):
//!
//! | route | does |
//! |---|---|
//! | `GET /start-scanning`, `GET /stop-scanning` | scanning |
//! | `GET /devices` | the devices by index: `index`, `name`, `display_name`, `features` (the wire features) |
//! | `GET /devices/{index}` | one device |
//! | `GET /devices/{index}/features` | its features by index |
//! | `PUT /devices/{index}/features/{feature}/` | one feature |
//! | `PUT /devices/stop`, `PUT /devices/{index}/stop` | stops everything, or one device |
//! | `PUT /devices/{index}/outputs/{type}/{level}` | sets every feature of the device with that output |
//! | `PUT /devices/{index}/features/{feature}/outputs/{type}/{level}` | sets one feature |
//! | `GET /events` | server-sent events, one JSON object each (`DeviceAdded`, `DeviceRemoved`, `ScanningFinished`, `InputReading`, `ServerDisconnect`, `Error`) |
//!
//! An output type is a spec name (`Vibrate`, `Rotate`, …) and a level a fraction of the output's
//! range (0 to 1; negative for the other direction where the range allows). A device or feature
//! that is not there is `404`, a request the device cannot take `400` (nothing is sent), and a
//! failure of the server or the device `500`, each with a one-line reason.
//!
//! Behind it is an ordinary session (through the in-process connector), so every rule of the
//! server applies, those of several clients included (docs/PROTOCOL.md 14): it does not count
//! toward `--max-clients`, its stop-all stops every device, and when the REST server stops, its
//! session ends and what it runs stops.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use bpio::client::{Client, Device, Error as ClientError, Event, Feature};
use bpio::in_process::InProcessConnector;
use bpio::protocol::v4::{self, OutputType};
use bpio::server::SessionConfig;
use bpio::server::runtime::DeviceHub;
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::watch;
use tracing::info;

use crate::frontend::PortInUse;

/// The name the REST API's session gives the server.
const CLIENT_NAME: &str = "Intiface REST API";

/// The REST API's listener, bound before any device starts so a taken port stops the engine
/// with one clear line.
pub(crate) struct Rest(tokio::net::TcpListener);

impl Rest {
    /// Binds 127.0.0.1:`port`.
    pub(crate) async fn bind(port: u16) -> Result<Self> {
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = tokio::net::TcpListener::bind(address).await.map_err(|err| {
            if err.kind() == std::io::ErrorKind::AddrInUse {
                anyhow::Error::new(PortInUse { address, flag: "--rest-api-port" })
            } else {
                anyhow::Error::new(err).context(format!("cannot listen on {address}"))
            }
        })?;
        Ok(Self(listener))
    }

    /// Serves the API until `stopping` turns true; then its session ends, which stops what it
    /// runs.
    pub(crate) async fn serve(
        self,
        hub: DeviceHub,
        config: SessionConfig,
        mut stopping: watch::Receiver<bool>,
    ) -> Result<()> {
        let client = Client::connect(CLIENT_NAME, InProcessConnector::new(hub, config))
            .await
            .context("starting the REST API's session")?;
        let local = self.0.local_addr().context("the REST API's address")?;
        info!(address = %local, "REST API listening on http://{local}/api/v1");
        // Event streams end when the engine stops, or the graceful shutdown would wait for them.
        let state = Api { client: Arc::new(client), stop: stopping.clone() };
        let app = Router::new().nest("/api/v1", routes()).with_state(state.clone());
        axum::serve(self.0, app)
            .with_graceful_shutdown(async move {
                let _ = stopping.wait_for(|stopping| *stopping).await;
            })
            .await
            .context("serving the REST API")?;
        state.client.disconnect().await;
        Ok(())
    }
}

/// What every handler gets.
#[derive(Clone)]
struct Api {
    client: Arc<Client>,
    /// Turns true when the engine stops.
    stop: watch::Receiver<bool>,
}

fn routes() -> Router<Api> {
    Router::new()
        .route("/start-scanning", get(start_scanning))
        .route("/stop-scanning", get(stop_scanning))
        .route("/devices", get(devices))
        .route("/devices/stop", put(stop_all))
        .route("/devices/{index}", get(device))
        .route("/devices/{index}/stop", put(stop_device))
        .route("/devices/{index}/features", get(features))
        .route("/devices/{index}/features/{feature}/", put(feature))
        .route("/devices/{index}/outputs/{output}/{level}", put(device_output))
        .route("/devices/{index}/features/{feature}/outputs/{output}/{level}", put(feature_output))
        .route("/events", get(events))
}

/// Why a request failed, as an HTTP status and a one-line reason.
struct Failure(StatusCode, String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

impl From<ClientError> for Failure {
    fn from(err: ClientError) -> Self {
        let status = match err {
            // Checked by the client before anything is sent: the request asked for too much.
            ClientError::Unsupported { .. }
            | ClientError::OutOfRange { .. }
            | ClientError::DurationOutOfRange { .. }
            | ClientError::NeedsDuration => StatusCode::BAD_REQUEST,
            ClientError::DeviceGone(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self(status, err.to_string())
    }
}

type Reply<T> = Result<T, Failure>;

/// A device as the REST API shows it.
#[derive(Serialize)]
struct DeviceView {
    index: u32,
    name: String,
    display_name: Option<String>,
    features: BTreeMap<u32, v4::Feature>,
}

impl From<&Device> for DeviceView {
    fn from(device: &Device) -> Self {
        Self {
            index: device.index(),
            name: device.name().to_owned(),
            display_name: device.display_name().map(str::to_owned),
            features: device.description().device_features.clone(),
        }
    }
}

fn find_device(client: &Client, index: u32) -> Reply<Device> {
    client.device(index).ok_or_else(|| {
        Failure(StatusCode::NOT_FOUND, format!("no device is connected at index {index}"))
    })
}

fn find_feature(client: &Client, index: u32, feature: u32) -> Reply<Feature> {
    find_device(client, index)?.feature(feature).ok_or_else(|| {
        Failure(StatusCode::NOT_FOUND, format!("device {index} has no feature {feature}"))
    })
}

/// An output type from its spec name in a path.
fn output_type(name: &str) -> Reply<OutputType> {
    serde_json::from_value(Value::String(name.to_owned())).map_err(|_| {
        Failure(StatusCode::BAD_REQUEST, format!("{name} is not an output type of the spec"))
    })
}

async fn start_scanning(State(Api { client, .. }): State<Api>) -> Reply<()> {
    Ok(client.start_scanning().await?)
}

async fn stop_scanning(State(Api { client, .. }): State<Api>) -> Reply<()> {
    Ok(client.stop_scanning().await?)
}

async fn stop_all(State(Api { client, .. }): State<Api>) -> Reply<()> {
    Ok(client.stop().await?)
}

async fn devices(State(Api { client, .. }): State<Api>) -> Json<BTreeMap<u32, DeviceView>> {
    Json(client.devices().iter().map(|device| (device.index(), device.into())).collect())
}

async fn device(
    State(Api { client, .. }): State<Api>,
    Path(index): Path<u32>,
) -> Reply<Json<DeviceView>> {
    Ok(Json((&find_device(&client, index)?).into()))
}

async fn stop_device(State(Api { client, .. }): State<Api>, Path(index): Path<u32>) -> Reply<()> {
    Ok(find_device(&client, index)?.stop().await?)
}

async fn features(
    State(Api { client, .. }): State<Api>,
    Path(index): Path<u32>,
) -> Reply<Json<BTreeMap<u32, v4::Feature>>> {
    Ok(Json(find_device(&client, index)?.description().device_features.clone()))
}

async fn feature(
    State(Api { client, .. }): State<Api>,
    Path((index, feature)): Path<(u32, u32)>,
) -> Reply<Json<v4::Feature>> {
    Ok(Json(find_feature(&client, index, feature)?.info().clone()))
}

async fn device_output(
    State(Api { client, .. }): State<Api>,
    Path((index, output, level)): Path<(u32, String, f64)>,
) -> Reply<()> {
    let output = output_type(&output)?;
    Ok(find_device(&client, index)?.output(output, level).await?)
}

async fn feature_output(
    State(Api { client, .. }): State<Api>,
    Path((index, feature, output, level)): Path<(u32, u32, String, f64)>,
) -> Reply<()> {
    let output = output_type(&output)?;
    Ok(find_feature(&client, index, feature)?.output(output, level).await?)
}

async fn events(
    State(Api { client, mut stop }): State<Api>,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let stopping = async move {
        let _ = stop.wait_for(|stopping| *stopping).await;
    };
    let stream = client
        .events()
        .map(|event| Ok(SseEvent::default().data(event_json(&event).to_string())))
        .take_until(Box::pin(stopping));
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// One client event as the JSON of a server-sent event.
fn event_json(event: &Event) -> Value {
    match event {
        Event::DeviceAdded(device) => json!({"DeviceAdded": DeviceView::from(device)}),
        Event::DeviceRemoved(device) => json!({"DeviceRemoved": {"index": device.index()}}),
        Event::ScanningFinished => json!({"ScanningFinished": {}}),
        Event::InputReading { device, feature, reading } => {
            json!({"InputReading": {"index": device, "feature": feature, "reading": reading}})
        }
        Event::ServerDisconnect => json!({"ServerDisconnect": {}}),
        Event::Error(err) => json!({"Error": {"message": err.to_string()}}),
        // Events a later client version adds.
        _ => json!({"Other": {}}),
    }
}
