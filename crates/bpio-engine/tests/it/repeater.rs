//! Repeater mode: an engine process that joins its clients to a remote server, frame for frame.
//!
//! The remote is a real server: the engine's accept loop in process with simulated devices, so
//! the test reads what the Hush was sent; an engine process, so the test can kill it; or a bare
//! transport listener, so the test sees each frame and close code as the repeater passes it on.

use std::time::Duration;

use bpio::client::{Client, Event, WebsocketConnector};
use bpio::server::SessionConfig;
use bpio::transport_ws::{self, CloseCode, Config, Inbound};
use serde_json::json;

use crate::safety::{last_write, stopped};
use crate::{Engine, connection, serve, within};

/// A repeater process in front of `remote`, listening on a free loopback port.
async fn repeater(remote: &str) -> Engine {
    let mut repeater = Engine::launch(&[
        "--repeater",
        "--repeater-port",
        "0",
        "--repeater-remote-address",
        remote,
    ]);
    repeater.url = repeater.url_logged_after("listening for clients on").await;
    repeater
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bpio_client_drives_a_device_through_the_repeater_and_leaving_stops_it() {
    let (remote, devices) = serve(SessionConfig::new("remote")).await;
    let repeater = repeater(&remote).await;
    let client = within("connect", Client::connect("it", WebsocketConnector::new(&repeater.url)))
        .await
        .unwrap();
    assert_eq!(client.server_name(), "remote");
    let mut events = client.events();
    within("scan", client.start_scanning()).await.unwrap();
    let hush = within("the Hush", async {
        loop {
            if let Some(Event::DeviceAdded(device)) = events.next().await
                && device.name() == "Lovense Hush"
            {
                return device;
            }
        }
    })
    .await;
    within("vibrate", hush.vibrate(0.5)).await.unwrap();
    within("the vibrate write", async {
        while last_write(&devices.hush).as_deref() != Some("Vibrate:10;") {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    // The client leaves; the repeater closes the remote side, whose session stops the devices.
    within("disconnect", client.disconnect()).await;
    stopped(&devices.hush).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_client_through_the_repeater_killed_stops_the_device() {
    let (remote, devices) = serve(SessionConfig::new("remote")).await;
    let repeater = repeater(&remote).await;
    crate::safety::python_client_killed_stops_the_hush(&repeater.url, &devices.hush).await;
}

#[tokio::test]
async fn frames_cross_in_order_both_ways_and_close_codes_are_carried() {
    let mut remote =
        transport_ws::listen(([127, 0, 0, 1], 0).into(), Config::default()).await.unwrap();
    let repeater = repeater(&format!("ws://{}", remote.local_addr())).await;

    // The client closes: its code and reason reach the remote.
    let mut client = connection(&repeater.url).await;
    let mut server = within("the repeater to dial", remote.accept()).await.unwrap();
    assert!(client.send("one".into()));
    assert!(client.outbound().send_binary(vec![2, 0, 2]));
    assert!(client.send("three".into()));
    assert_eq!(within("1", server.recv()).await, Inbound::Text("one".into()));
    assert_eq!(within("2", server.recv()).await, Inbound::Binary(vec![2, 0, 2]));
    assert_eq!(within("3", server.recv()).await, Inbound::Text("three".into()));
    assert!(server.outbound().send_binary(vec![9]));
    assert!(server.send("ten".into()));
    assert_eq!(within("9", client.recv()).await, Inbound::Binary(vec![9]));
    assert_eq!(within("10", client.recv()).await, Inbound::Text("ten".into()));
    client.outbound().close(CloseCode::Library(4001), "client done");
    assert_eq!(within("the remote side to close", server.recv()).await, Inbound::Closed);
    assert_eq!(server.peer_close(), Some((CloseCode::Library(4001), "client done")));

    // The remote closes: its code and reason reach the client.
    let mut client = connection(&repeater.url).await;
    let server = within("the repeater to dial again", remote.accept()).await.unwrap();
    assert!(server.send("hello".into()));
    assert_eq!(within("hello", client.recv()).await, Inbound::Text("hello".into()));
    server.outbound().close(CloseCode::Again, "try later");
    assert_eq!(within("the client to be closed", client.recv()).await, Inbound::Closed);
    assert_eq!(client.peer_close(), Some((CloseCode::Again, "try later")));
}

#[tokio::test]
async fn killing_the_remote_engine_closes_the_client() {
    let mut remote = Engine::start(&["--simulate"]).await;
    let repeater = repeater(&remote.url).await;
    let mut client = crate::Client(connection(&repeater.url).await);
    let info = client.handshake().await;
    assert_eq!(info["ServerInfo"]["ServerName"], json!("Buttplug Server"), "{info}");
    remote.child.start_kill().unwrap();
    remote.child.wait().await.unwrap();
    assert_eq!(within("the client to be closed", client.0.recv()).await, Inbound::Closed);
    assert_eq!(client.0.peer_close(), Some((CloseCode::Away, "the remote server went away")));
}

#[tokio::test]
async fn an_unreachable_remote_closes_the_client_with_a_reason_and_a_log_line() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut repeater = repeater(&format!("127.0.0.1:{port}")).await;
    let mut client = connection(&repeater.url).await;
    assert_eq!(within("the client to be closed", client.recv()).await, Inbound::Closed);
    assert_eq!(
        client.peer_close(),
        Some((CloseCode::Error, "the repeater cannot reach the remote server"))
    );
    let line = within("the log line", async {
        loop {
            let line = repeater.log.recv().await.unwrap();
            if line.contains("cannot reach the remote server") {
                return line;
            }
        }
    })
    .await;
    assert!(line.contains(&format!("ws://127.0.0.1:{port}")), "{line}");
}

#[tokio::test]
async fn the_repeater_needs_a_usable_remote_address() {
    for (args, expected) in [
        (&["--repeater"][..], "--repeater needs --repeater-remote-address URL"),
        (
            &["--repeater", "--repeater-remote-address", "http://127.0.0.1:1/?token=secret"],
            "must be a ws:// or wss:// URL, not http://",
        ),
        (
            &["--repeater", "--repeater-remote-address", "wss://127.0.0.1:1"],
            "name the certificates to trust with --websocket-tls-roots",
        ),
    ] {
        let output = within(
            "the engine to give up",
            tokio::process::Command::new(env!("CARGO_BIN_EXE_bpio-engine"))
                .args(args)
                .env("NO_COLOR", "1")
                .output(),
        )
        .await
        .unwrap();
        assert!(!output.status.success(), "{args:?}");
        let log = String::from_utf8_lossy(&output.stdout);
        assert!(log.contains(expected) && !log.contains("secret"), "{args:?}: {log}");
    }
}

#[tokio::test]
async fn a_wss_remote_with_a_token_is_reached_with_the_roots_given() {
    let (cert, key) = crate::exposure::certificate("repeater-remote");
    let token = crate::exposure::scratch("repeater-remote-token");
    std::fs::write(&token, "hunter2\n").unwrap();
    let [cert, key, token] = [&cert, &key, &token].map(|path| path.to_str().unwrap().to_owned());
    let remote = Engine::start(&[
        "--websocket-tls-cert",
        &cert,
        "--websocket-tls-key",
        &key,
        "--websocket-token-file",
        &token,
        "--server-name",
        "behind TLS",
    ])
    .await;
    assert!(remote.url.starts_with("wss://"), "{}", remote.url);
    let mut repeater = Engine::launch(&[
        "--repeater",
        "--repeater-port",
        "0",
        "--repeater-remote-address",
        &format!("{}/?token=hunter2", remote.url),
        "--websocket-tls-roots",
        &cert,
    ]);
    repeater.url = repeater.url_logged_after("listening for clients on").await;
    let mut client = crate::Client(connection(&repeater.url).await);
    let info = client.handshake().await;
    assert_eq!(info["ServerInfo"]["ServerName"], json!("behind TLS"), "{info}");
    assert!(repeater.seen.iter().all(|line| !line.contains("hunter2")), "{:#?}", repeater.seen);
}

#[tokio::test]
async fn stopping_the_repeater_closes_both_sides_saying_so() {
    let mut remote =
        transport_ws::listen(([127, 0, 0, 1], 0).into(), Config::default()).await.unwrap();
    let mut repeater = repeater(&format!("ws://{}", remote.local_addr())).await;
    let mut client = connection(&repeater.url).await;
    let mut server = within("the repeater to dial", remote.accept()).await.unwrap();
    assert!(client.send("joined?".into()));
    assert_eq!(within("a frame", server.recv()).await, Inbound::Text("joined?".into()));
    let pid = repeater.child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    for side in [&mut client, &mut server] {
        assert_eq!(within("the close", side.recv()).await, Inbound::Closed);
        assert_eq!(side.peer_close(), Some((CloseCode::Away, "repeater stopping")));
    }
    let exit = within("the repeater to exit", repeater.child.wait()).await.unwrap();
    assert!(exit.success(), "{exit:?}");
}
