//! The web panel of `--web-port` (docs/PANEL.md): its page and live channel over real HTTP and
//! websockets, who may use it, and what its commands do to the simulated firmware beside a
//! connected client.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use bpio::server::SessionConfig;
use bpio::transport_ws::{self, Config, Inbound, TlsRoots};
use bpio_engine::{ServerView, WebPanel};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::several::levels;
use crate::{Engine, within};

type Live = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// An engine with the simulated devices and the panel; returns the panel's `http://host:port`.
async fn panel_engine(flags: &[&str]) -> (Engine, String) {
    let mut engine = Engine::start(&[&["--simulate", "--web-port", "0"], flags].concat()).await;
    let url = engine.url_logged_after("web panel on").await;
    (engine, url.trim_end_matches('/').to_owned())
}

/// `GET path` with `headers`; the status, the headers and the body.
async fn get(base: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
    let host = base.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(host).await.unwrap();
    let mut head = format!("GET {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {host}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    within("the response", async {
        let mut chunk = [0; 4096];
        loop {
            let n = stream.read(&mut chunk).await.unwrap();
            response.extend_from_slice(&chunk[..n]);
            // An upgraded connection stays open: its head is the whole answer.
            let upgraded = response.starts_with(b"HTTP/1.1 101")
                && response.windows(4).any(|w| w == b"\r\n\r\n");
            if n == 0 || upgraded {
                return;
            }
        }
    })
    .await;
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_owned())
}

/// The live channel of the panel at `base`, opened as its own page would (with its `Origin`).
async fn open_live(base: &str, query: &str) -> Live {
    let url = format!("{}/live{query}", base.replacen("http", "ws", 1));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("Origin", base.parse().unwrap());
    within("the live channel", tokio_tungstenite::connect_async(request)).await.unwrap().0
}

async fn next(live: &mut Live) -> Value {
    loop {
        match within("a panel message", live.next()).await {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected a panel message, got {other:?}"),
        }
    }
}

/// Reads the channel until a message of `kind` for which `wanted` holds.
async fn until(live: &mut Live, kind: &str, wanted: impl Fn(&Value) -> bool) -> Value {
    loop {
        let message = next(live).await;
        if message["type"] == kind && wanted(&message) {
            return message;
        }
    }
}

async fn command(live: &mut Live, command: Value) {
    let id = command["id"].clone();
    live.send(Message::text(command.to_string())).await.unwrap();
    let reply = until(live, "reply", |m| m["id"] == id).await;
    assert_eq!(reply["error"], Value::Null, "{reply}");
}

#[tokio::test]
async fn the_page_is_compiled_in_and_answers_only_to_an_address_of_the_panel() {
    let (_engine, base) = panel_engine(&[]).await;
    let (status, head, body) = get(&base, "/", &[]).await;
    assert_eq!(status, 200);
    assert!(body.contains("panel.js"), "{body}");
    assert!(head.contains("content-security-policy: default-src 'self'"), "{head}");
    assert!(head.contains("frame-ancestors 'none'"), "{head}");
    assert!(head.contains("x-frame-options: deny"), "{head}");
    for (path, kind) in [("/panel.js", "text/javascript"), ("/panel.css", "text/css")] {
        let (status, head, _) = get(&base, path, &[]).await;
        assert_eq!(status, 200, "{path}");
        assert!(head.contains(&format!("content-type: {kind}")), "{head}");
    }
    let port = base.rsplit(':').next().unwrap();
    for host in [format!("localhost:{port}"), format!("[::1]:{port}")] {
        assert_eq!(get(&base, "/", &[("Host", &host)]).await.0, 200, "{host}");
    }
    // A name that an attacker's DNS points at this machine (DNS rebinding) gets nothing.
    for host in [format!("attacker.example:{port}"), "attacker.example".to_owned()] {
        let (status, _, body) = get(&base, "/", &[("Host", &host)]).await;
        assert_eq!(status, 421, "{host}: {body}");
    }
    assert_eq!(get(&base, "/live", &[("Host", "attacker.example")]).await.0, 421);
}

#[tokio::test]
async fn the_live_channel_refuses_other_origins_and_serves_the_panels_own() {
    let (_engine, base) = panel_engine(&[]).await;
    let upgrade = [
        ("Connection", "Upgrade"),
        ("Upgrade", "websocket"),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];
    // Another page in the same browser, whatever it claims to be.
    let port = base.rsplit(':').next().unwrap();
    for origin in [
        "http://attacker.example".to_owned(),
        "null".to_owned(),
        format!("https://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{port}.attacker.example"),
    ] {
        let headers = [&upgrade[..], &[("Origin", origin.as_str())]].concat();
        let (status, _, body) = get(&base, "/live", &headers).await;
        assert_eq!(status, 403, "{origin}: {body}");
    }
    let own = [&upgrade[..], &[("Origin", base.as_str())]].concat();
    let (status, head, _) = get(&base, "/live", &own).await;
    assert_eq!(status, 101, "{head}");
    assert!(head.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="), "{head}");
    // A plain GET is not a websocket.
    assert_eq!(get(&base, "/live", &[]).await.0, 400);
}

#[tokio::test]
async fn with_a_token_the_page_and_its_live_channel_need_it() {
    let (_engine, base) = panel_engine(&["--websocket-token", "open-sesame"]).await;
    assert_eq!(get(&base, "/", &[]).await.0, 401);
    assert_eq!(get(&base, "/?token=wrong", &[]).await.0, 401);
    assert_eq!(get(&base, "/?token=open-sesame", &[]).await.0, 200);
    // The page's own files hold nothing secret.
    assert_eq!(get(&base, "/panel.js", &[]).await.0, 200);
    let upgrade = [
        ("Connection", "Upgrade"),
        ("Upgrade", "websocket"),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("Origin", base.as_str()),
    ];
    assert_eq!(get(&base, "/live", &upgrade).await.0, 401);
    let mut live = open_live(&base, "?token=open-sesame").await;
    assert_eq!(next(&mut live).await["type"], "hello");
}

#[tokio::test]
async fn the_panel_scans_shows_every_device_and_pushes_what_clients_do() {
    let (engine, base) = panel_engine(&[]).await;
    let mut live = open_live(&base, "").await;
    let hello = next(&mut live).await;
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["server"]["name"], "Buttplug Server");
    assert_eq!(hello["server"]["clients_url"], json!(engine.url));
    assert_eq!(hello["clients"], json!([]));
    assert_eq!(hello["devices"], json!([]));
    assert!(hello["log"].is_array(), "{hello}");

    command(&mut live, json!({"type": "scan", "id": 1, "scanning": true})).await;
    // Until the scan is over and every battery was read, whatever comes in between.
    let mut seen = Vec::new();
    within("the scan and the battery readings", async {
        loop {
            seen.push(next(&mut live).await);
            let count = |kind: &str| seen.iter().filter(|m| m["type"] == kind).count();
            let batteries = seen.iter().filter(|m| m["type"] == "input" && m["input"] == "Battery");
            let scanned = seen.iter().any(|m| m["type"] == "scanning" && m["scanning"] == false);
            // Four of the simulated devices have a battery.
            if count("device_added") == 5 && batteries.count() >= 4 && scanned {
                return;
            }
        }
    })
    .await;
    let added: Vec<&Value> =
        seen.iter().filter(|m| m["type"] == "device_added").map(|m| &m["device"]).collect();
    let hush = added.iter().find(|d| d["name"] == "Lovense Hush").unwrap();
    // The simulated Lovense devices stand in for Bluetooth LE ones, and say so.
    assert_eq!(hush["transport"], "Bluetooth LE");
    assert_eq!(
        hush["features"][0]["outputs"],
        json!([{"type": "Vibrate", "min": 0, "max": 20, "level": 0}])
    );
    let index = hush["index"].as_u64().unwrap();
    assert!(
        seen.iter().any(|m| m["type"] == "input" && m["device"] == index && m["value"].is_i64()),
        "{seen:?}"
    );
    assert!(seen.iter().any(|m| m["type"] == "log" && m["line"].as_str().unwrap().contains("device connected")), "{seen:?}");

    // A client connects and drives the Hush: the panel sees the client and the level.
    let mut client = engine.client().await;
    client.handshake().await;
    let connected = until(&mut live, "client_connected", |_| true).await;
    assert_eq!(connected["client"]["name"], "it");
    assert_eq!(connected["client"]["version"], "v4");
    let vibrate = json!({"OutputCmd": {"Id": 2, "DeviceIndex": index, "FeatureIndex": 0, "Command": {"Vibrate": {"Value": 12}}}});
    client.send(json!([vibrate])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 2}}));
    let output = until(&mut live, "output", |_| true).await;
    assert_eq!(
        output,
        json!({"type": "output", "device": index, "feature": 0, "output": "Vibrate", "value": 12})
    );

    // The panel's stop-all stops it while the client stays connected.
    command(&mut live, json!({"type": "stop_all", "id": 2})).await;
    until(&mut live, "output", |m| m["device"] == index && m["value"] == 0).await;
    client.send(json!([{"Ping": {"Id": 3}}])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 3}}));

    // A page that opens now is told everything as it is.
    let mut later = open_live(&base, "").await;
    let hello = next(&mut later).await;
    assert_eq!(hello["devices"].as_array().unwrap().len(), 5);
    assert_eq!(hello["clients"].as_array().unwrap().len(), 1);

    // Commands it cannot carry out get a reply that says why, and nothing else happens.
    for (bad, why) in [
        (
            json!({"type": "output", "id": 7, "device": 99, "feature": 0, "output": "Vibrate", "value": 1}),
            "no device",
        ),
        (
            json!({"type": "output", "id": 8, "device": index, "feature": 0, "output": "Vibrate", "value": 21}),
            "range",
        ),
        (json!({"type": "launch", "id": 9}), "not a command"),
    ] {
        let id = bad["id"].clone();
        later.send(Message::text(bad.to_string())).await.unwrap();
        let reply = until(&mut later, "reply", |m| m["id"] == id).await;
        assert!(reply["error"].as_str().unwrap().contains(why), "{reply}");
    }
    client.send(json!([{"Disconnect": {"Id": 4}}])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 4}}));
    until(&mut later, "client_disconnected", |_| true).await;
}

#[tokio::test]
async fn with_tls_the_panel_is_https_and_its_live_channel_wss() {
    let (cert, key) = crate::exposure::certificate("panel-tls");
    let (cert_flag, key_flag) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let tls = ["--websocket-tls-cert", cert_flag, "--websocket-tls-key", key_flag];
    let (_engine, base) = panel_engine(&tls).await;
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    let url = format!("{}/live", base.replacen("https", "wss", 1));
    let roots = TlsRoots::from_pem_file(&cert).unwrap();
    let trusting = Config { tls_roots: Some(roots), ..Config::default() };
    let mut live =
        within("the live channel", transport_ws::connect(&url, &trusting)).await.unwrap();
    let Inbound::Text(hello) = within("the hello", live.recv()).await else { panic!("no hello") };
    let hello: Value = serde_json::from_str(&hello).unwrap();
    assert_eq!(hello["type"], "hello");
    assert!(hello["server"]["clients_url"].as_str().unwrap().starts_with("wss://"), "{hello}");
}

/// The panel in process beside the websocket server of the simulated devices, for what a test
/// must read off the firmware; returns the panel's base URL, the clients' URL and the devices.
pub(crate) async fn serve_panel() -> (String, String, crate::Devices) {
    let (url, devices, hub) = crate::serve_with_hub(SessionConfig::new("panel")).await;
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let name = "Buttplug Server".to_owned();
    let server = ServerView { name, clients_url: Some(url.clone()), max_clients: 1 };
    let (_stop, stopping) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let _stop = _stop;
        WebPanel::new(listener).serve(hub, SessionConfig::new("panel"), server, stopping).await
    });
    (base, url, devices)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slider_reaches_the_firmware_and_the_panels_stop_all_stops_a_clients_device() {
    let (base, url, devices) = serve_panel().await;
    let mut live = open_live(&base, "").await;
    command(&mut live, json!({"type": "scan", "id": 1, "scanning": true})).await;
    until(&mut live, "scanning", |m| m["scanning"] == false).await;
    command(&mut live, json!({"type": "output", "id": 2, "device": 0, "feature": 0, "output": "Vibrate", "value": 5})).await;
    levels(&devices.hush, &[5]).await;
    // A client drives the Edge; the panel's stop-all stops both, and the client stays.
    let mut client = crate::Client(crate::connection(&url).await);
    client.handshake().await;
    let edge = json!({"OutputCmd": {"Id": 2, "DeviceIndex": 1, "FeatureIndex": 1, "Command": {"Vibrate": {"Value": 9}}}});
    client.send(json!([edge])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 2}}));
    until(&mut live, "output", |m| m["device"] == 1 && m["value"] == 9).await;
    command(&mut live, json!({"type": "stop_all", "id": 3})).await;
    levels(&devices.hush, &[0]).await;
    levels(&devices.edge, &[0, 0]).await;
    client.send(json!([{"Ping": {"Id": 3}}])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 3}}));
}

/// How long the page may take to show a level a client set.
const FOLLOW_WITHIN: Duration = Duration::from_millis(100);

/// Debian's Chromium, installed with apt-get when it is missing (CI runs as root).
fn chromium() -> PathBuf {
    let chromium = PathBuf::from("/usr/bin/chromium");
    if !chromium.exists() {
        for args in [
            &["update", "-qq"][..],
            &["install", "-y", "-qq", "--no-install-recommends", "chromium"],
        ] {
            let status = std::process::Command::new("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .status()
                .expect("apt-get, to install Debian's chromium for the browser test");
            assert!(status.success(), "apt-get {args:?} failed: install Debian's chromium first");
        }
    }
    chromium
}

/// playwright-core as `tests/web/package.json` pins it, installed once per target directory; it
/// drives the machine's Chromium and never downloads a browser.
fn playwright() -> PathBuf {
    static DIR: crate::interop::Installed = crate::interop::Installed::new(None);
    crate::interop::install_once(&DIR, || {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("panel-browser");
        let manifest = include_str!("../web/package.json");
        let installed = dir.join("node_modules/playwright-core/package.json").exists()
            && std::fs::read_to_string(dir.join("package.json")).is_ok_and(|m| m == manifest);
        if !installed {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("package.json"), manifest).unwrap();
            let npm = std::process::Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir)
                .status()
                .expect("npm");
            assert!(npm.success(), "cannot install playwright-core from npm");
        }
        dir
    })
}

/// The browser check's side of the lockstep: its lines out, and lines in.
struct Browser {
    child: tokio::process::Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    stdin: tokio::process::ChildStdin,
}

impl Browser {
    /// The next step the check reports, which must be `step`.
    async fn step(&mut self, step: &str) -> Value {
        let line = within(step, self.lines.next_line()).await.unwrap();
        let Some(line) = line else {
            let status = self.child.wait().await.unwrap();
            panic!("the browser check ended before {step}: {status:?}");
        };
        let report: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(report["step"], step, "{report}");
        report
    }

    async fn tell(&mut self, line: Value) {
        self.stdin.write_all(format!("{line}\n").as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_real_browser_the_panel_scans_drives_follows_a_client_and_stops_all() {
    crate::in_own_process(
        "web::in_a_real_browser_the_panel_scans_drives_follows_a_client_and_stops_all",
        browser_check(),
    )
    .await;
}

async fn browser_check() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    // The engine's log, as its binary sets it up, so the page shows log lines (this test runs
    // in a process of its own).
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::INFO)
        .with(bpio_engine::LogTaps)
        .try_init();
    let chromium = tokio::task::spawn_blocking(chromium).await.unwrap();
    let dir = tokio::task::spawn_blocking(playwright).await.unwrap();
    // Beside its node_modules, where an ES module finds its imports.
    let script = dir.join("panel_check.mjs");
    std::fs::write(&script, include_str!("../web/panel_check.mjs")).unwrap();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("panel-screenshots");
    let (base, url, devices) = serve_panel().await;
    let mut child = tokio::process::Command::new("node")
        .arg(&script)
        .arg(format!("{base}/"))
        .arg(&shots)
        .env("CHROMIUM", &chromium)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let stdin = child.stdin.take().unwrap();
    let mut browser = Browser { child, lines, stdin };

    // The page scanned and shows every simulated device.
    let listed = browser.step("listed").await;
    let names: Vec<String> =
        listed["devices"].as_array().unwrap().iter().map(|n| n.to_string()).collect();
    for name in ["Lovense Hush", "Lovense Edge", "Lovense Nora"] {
        assert!(names.iter().any(|n| n.contains(name)), "{name} is not listed: {names:?}");
    }
    browser.tell(json!({"next": true})).await;

    // Five key presses on the Hush's slider: the firmware runs at 5.
    assert_eq!(browser.step("slider").await["value"], 5);
    levels(&devices.hush, &[5]).await;

    // A client sets the Hush to 12: the slider follows.
    let mut client = crate::Client(crate::connection(&url).await);
    client.handshake().await;
    browser.tell(json!({"expect": 12})).await;
    // The check has read the line and watches the slider before the command is sent.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = std::time::SystemTime::now();
    let vibrate = json!({"OutputCmd": {"Id": 2, "DeviceIndex": 0, "FeatureIndex": 0, "Command": {"Vibrate": {"Value": 12}}}});
    client.send(json!([vibrate])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 2}}));
    let followed = browser.step("followed").await;
    let seen_at = followed["seen_at"].as_f64().unwrap();
    let sent_at = sent.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64() * 1000.0;
    let took = Duration::from_secs_f64((seen_at - sent_at).max(0.0) / 1000.0);
    assert!(
        took < FOLLOW_WITHIN,
        "the slider showed the client's level {took:?} after it was sent"
    );
    browser.tell(json!({"next": true})).await;

    // The page's stop-all stops the Hush, and the client stays connected.
    browser.step("stopped").await;
    levels(&devices.hush, &[0]).await;
    assert_eq!(crate::safety::last_write(&devices.hush).as_deref(), Some("Vibrate:0;"));
    client.send(json!([{"Ping": {"Id": 3}}])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 3}}));
    browser.tell(json!({"next": true})).await;

    // On a phone's width nothing overflows and stop-all stays in view.
    let phone = browser.step("phone").await;
    assert!(phone["scroll_width"].as_u64().unwrap() <= 375, "{phone}");
    assert_eq!(phone["stop_all_visible"], true, "{phone}");
    let status = within("the browser check to end", browser.child.wait()).await.unwrap();
    assert!(status.success(), "{status:?}");
    for shot in ["panel-desktop.png", "panel-phone.png"] {
        assert!(shots.join(shot).metadata().unwrap().len() > 10_000, "{shot} is missing or empty");
    }
}
