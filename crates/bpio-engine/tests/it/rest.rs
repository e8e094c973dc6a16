//! The REST API of `--rest-api-port` (served beside the websocket server), over real HTTP
//! from a real engine process.

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::{Engine, within};

/// An engine serving the REST API beside its websocket server, with the simulated devices, and
/// the API's `http://…/api/v1` base.
async fn rest_engine() -> (Engine, String) {
    let mut engine = Engine::start(&["--rest-api-port", "0", "--simulate"]).await;
    let base = engine.url_logged_after("REST API listening on").await;
    (engine, base)
}

/// Sends one request without a body; returns the status and the body.
async fn request(base: &str, method: &str, path: &str) -> (u16, String) {
    let (host, prefix) = split(base);
    let mut stream = TcpStream::connect(host).await.unwrap();
    let head = format!(
        "{method} {prefix}{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let what = format!("the response to {method} {path}");
    within(&what, stream.read_to_end(&mut response)).await.unwrap();
    let response = String::from_utf8(response).unwrap();
    let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap();
    (status, body)
}

async fn json(base: &str, method: &str, path: &str) -> Value {
    let (status, body) = request(base, method, path).await;
    assert_eq!(status, 200, "{method} {path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// The devices the API lists, once all five simulated devices are there.
async fn simulated_devices(base: &str) -> Value {
    within("the simulated devices", async {
        loop {
            let devices = json(base, "GET", "/devices").await;
            if devices.as_object().unwrap().len() == 5 {
                return devices;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
}

/// `http://host:port/api/v1` as (`host:port`, `/api/v1`).
fn split(base: &str) -> (&str, &str) {
    let rest = base.strip_prefix("http://").unwrap();
    rest.split_at(rest.find('/').unwrap())
}

#[tokio::test]
async fn the_rest_api_scans_lists_drives_and_refuses_what_it_cannot_do() {
    let (mut engine, base) = rest_engine().await;
    // An event stream, open from the start, and still open when the engine is stopped.
    let (host, prefix) = split(&base);
    let mut events = TcpStream::connect(host).await.unwrap();
    let head = format!("GET {prefix}/events HTTP/1.1\r\nHost: {host}\r\n\r\n");
    events.write_all(head.as_bytes()).await.unwrap();

    assert_eq!(request(&base, "GET", "/start-scanning").await, (200, String::new()));
    let devices = simulated_devices(&base).await;
    let (index, hush) = devices
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, device)| device["name"] == "Lovense Hush")
        .unwrap();
    assert_eq!(hush["index"].to_string(), *index);
    assert_eq!(hush["features"]["0"]["Output"]["Vibrate"]["Value"], serde_json::json!([0, 20]));
    assert_eq!(json(&base, "GET", &format!("/devices/{index}")).await, *hush);
    assert_eq!(json(&base, "GET", &format!("/devices/{index}/features")).await, hush["features"]);
    assert_eq!(
        json(&base, "PUT", &format!("/devices/{index}/features/0/")).await,
        hush["features"]["0"]
    );

    // Outputs by type and fraction, for the device and for one feature; stops.
    for path in [
        format!("/devices/{index}/outputs/Vibrate/0.5"),
        format!("/devices/{index}/features/0/outputs/Vibrate/0.25"),
        format!("/devices/{index}/stop"),
        "/devices/stop".to_owned(),
    ] {
        assert_eq!(request(&base, "PUT", &path).await, (200, String::new()), "{path}");
    }
    assert_eq!(request(&base, "GET", "/stop-scanning").await, (200, String::new()));
    assert_eq!(request(&base, "PUT", "/stop-scanning").await.0, 405);

    // Refusals, each with a reason: nothing there (404), or nothing the device can take (400).
    for (path, status, reason) in [
        ("/devices/99/stop".to_owned(), 404, "no device is connected at index 99"),
        (format!("/devices/{index}/features/7/outputs/Vibrate/0.5"), 404, "has no feature 7"),
        (format!("/devices/{index}/outputs/Rotate/0.5"), 400, "Rotate"),
        (format!("/devices/{index}/outputs/Bogus/0.5"), 400, "Bogus is not an output type"),
        (format!("/devices/{index}/outputs/Vibrate/1.5"), 400, "outside the range"),
        (format!("/devices/{index}/outputs/HwPositionWithDuration/0.5"), 400, "needs a duration"),
    ] {
        let (got, body) = request(&base, "PUT", &path).await;
        assert_eq!(got, status, "{path}: {body}");
        assert!(body.contains(reason), "{path}: {body}");
    }

    // The stream reported the devices as they came.
    let mut seen = Vec::new();
    let found = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while !String::from_utf8_lossy(&seen).contains(r#"data: {"DeviceAdded":"#) {
            let mut chunk = [0u8; 4096];
            let n = events.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the event stream ended: {}", String::from_utf8_lossy(&seen));
            seen.extend_from_slice(&chunk[..n]);
        }
    })
    .await;
    assert!(
        found.is_ok(),
        "no DeviceAdded event; the stream so far: {}",
        String::from_utf8_lossy(&seen)
    );

    // SIGTERM stops the engine cleanly although the event stream is still open.
    let pid = engine.child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let exit = within("the engine to exit", engine.child.wait()).await.unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn the_rest_api_is_one_more_client_beside_the_websocket_one() {
    let (engine, base) = rest_engine().await;
    // The REST API's session does not take the one websocket client's place.
    let mut client = engine.client().await;
    assert!(client.handshake().await.get("ServerInfo").is_some());
    client.send(json!([{"StartScanning": {"Id": 2}}])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 2}}));
    while client.next().await != json!({"ScanningFinished": {"Id": 0}}) {}
    let hush = json!({"OutputCmd": {"Id": 3, "DeviceIndex": 0, "FeatureIndex": 0, "Command": {"Vibrate": {"Value": 10}}}});
    client.send(json!([hush])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 3}}));
    // Both see the same devices, and the REST API's stop-all leaves the client connected.
    let devices = simulated_devices(&base).await;
    assert_eq!(devices["0"]["name"], "Lovense Hush", "{devices}");
    assert_eq!(request(&base, "PUT", "/devices/stop").await, (200, String::new()));
    client.send(json!([{"Ping": {"Id": 4}}])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 4}}));
}
