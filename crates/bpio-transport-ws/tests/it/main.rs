//! The websocket transport over real loopback sockets.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod exposure;

use std::net::SocketAddr;
use std::time::Duration;

use bpio_transport_ws::{CloseCode, Config, Connection, Error, Inbound, Listener, connect, listen};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};

/// Generous bound for anything that should happen "now"; only hit when a test fails.
const PATIENCE: Duration = Duration::from_secs(10);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

async fn server(config: Config) -> (Listener, String) {
    let listener = listen(SocketAddr::from(([127, 0, 0, 1], 0)), config).await.unwrap();
    let url = format!("ws://{}", listener.local_addr());
    (listener, url)
}

/// Connects as soon as the server has a free slot: a slot frees when the socket's task of a
/// client that left ends, a moment after the close.
async fn connect_once_a_slot_frees(url: &str, config: &Config) -> Connection {
    for _ in 0..100 {
        match connect(url, config).await {
            Ok(client) => return client,
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    panic!("no slot freed for a new client");
}

async fn pair(config: Config) -> (Listener, String, Connection, Connection) {
    let (mut listener, url) = server(config.clone()).await;
    let client = connect(&url, &config).await.unwrap();
    let server_side = within("accept", listener.accept()).await.unwrap();
    (listener, url, server_side, client)
}

#[tokio::test]
async fn text_frames_travel_both_ways_in_order() {
    let (_listener, _url, mut server_side, mut client) = pair(Config::default()).await;
    for n in 0..100 {
        assert!(client.send(format!("[{{\"Ping\":{{\"Id\":{n}}}}}]")));
    }
    for n in 0..100 {
        assert_eq!(
            within("text", server_side.recv()).await,
            Inbound::Text(format!("[{{\"Ping\":{{\"Id\":{n}}}}}]"))
        );
    }
    assert!(server_side.send("[{\"Ok\":{\"Id\":1}}]".into()));
    assert_eq!(within("reply", client.recv()).await, Inbound::Text("[{\"Ok\":{\"Id\":1}}]".into()));
}

#[tokio::test]
async fn a_second_client_is_refused_and_the_first_is_unaffected() {
    let (mut listener, url, mut server_side, mut client) = pair(Config::default()).await;

    let refused = connect(&url, &Config::default()).await.unwrap_err();
    let Error::Connect { source, .. } = &refused else { panic!("{refused:?}") };
    let tungstenite::Error::Http(response) = source.as_ref() else { panic!("{source:?}") };
    assert_eq!(response.status(), 503);
    let body = String::from_utf8(response.body().clone().unwrap()).unwrap();
    assert!(body.contains("one client at a time"), "{body}");

    // The first session still works both ways.
    client.send("after".into());
    assert_eq!(within("text", server_side.recv()).await, Inbound::Text("after".into()));
    server_side.send("back".into());
    assert_eq!(within("text", client.recv()).await, Inbound::Text("back".into()));

    // Once it is gone, the next client gets in.
    drop(client);
    assert_eq!(within("close", server_side.recv()).await, Inbound::Closed);
    drop(server_side);
    let next = connect_once_a_slot_frees(&url, &Config::default()).await;
    let mut server_side = within("accept", listener.accept()).await.unwrap();
    next.send("hello".into());
    assert_eq!(within("text", server_side.recv()).await, Inbound::Text("hello".into()));
}

/// With room for two, two clients are served side by side, a third is refused, and a slot
/// that frees takes the next.
#[tokio::test]
async fn max_clients_are_served_at_once_and_one_more_is_refused() {
    let config = Config { max_clients: 2, ..Config::default() };
    let (mut listener, url) = server(config.clone()).await;
    let mut clients = Vec::new();
    let mut server_sides = Vec::new();
    for _ in 0..2 {
        clients.push(connect(&url, &config).await.unwrap());
        server_sides.push(within("accept", listener.accept()).await.unwrap());
    }
    let refused = connect(&url, &config).await.unwrap_err();
    let Error::Connect { source, .. } = &refused else { panic!("{refused:?}") };
    let tungstenite::Error::Http(response) = source.as_ref() else { panic!("{source:?}") };
    assert_eq!(response.status(), 503);
    let body = String::from_utf8(response.body().clone().unwrap()).unwrap();
    assert!(body.contains("2 clients"), "{body}");

    // Both connected clients still work, each on its own connection.
    for (n, (client, server_side)) in clients.iter().zip(&mut server_sides).enumerate() {
        client.send(format!("from {n}"));
        assert_eq!(within("text", server_side.recv()).await, Inbound::Text(format!("from {n}")));
    }

    // One leaves: the next client gets its slot, and a further one is refused again.
    drop(clients.remove(0));
    let mut first_side = server_sides.remove(0);
    assert_eq!(within("close", first_side.recv()).await, Inbound::Closed);
    drop(first_side);
    let next = connect_once_a_slot_frees(&url, &config).await;
    let mut next_side = within("accept", listener.accept()).await.unwrap();
    next.send("hello".into());
    assert_eq!(within("text", next_side.recv()).await, Inbound::Text("hello".into()));
    assert!(connect(&url, &config).await.is_err(), "a third client while two are connected");
}

#[tokio::test]
async fn a_sender_sees_frames_on_their_way_until_a_slow_reader_has_read_them() {
    let (_listener, _url, server_side, mut client) = pair(Config::default()).await;
    assert!(!server_side.is_sending());
    within("nothing to send", server_side.sent()).await;
    // Far more than the socket buffers and the reader's queue hold, and nobody reads yet.
    let frame = "x".repeat(512 << 10);
    for _ in 0..64 {
        assert!(server_side.send(frame.clone()));
    }
    let sent = server_side.sent();
    tokio::pin!(sent);
    let early = tokio::time::timeout(Duration::from_millis(300), sent.as_mut()).await;
    assert!(early.is_err(), "sent before the reader read anything");
    assert!(server_side.is_sending());
    for _ in 0..64 {
        assert_eq!(within("a frame", client.recv()).await, Inbound::Text(frame.clone()));
    }
    within("everything written", sent).await;
    assert!(!server_side.is_sending());
}

#[tokio::test]
async fn binary_frames_are_passed_on_as_binary() {
    let (mut listener, url) = server(Config::default()).await;
    let (mut raw, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let mut server_side = within("accept", listener.accept()).await.unwrap();
    raw.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(within("binary", server_side.recv()).await, Inbound::Binary(vec![1, 2, 3]));
}

#[tokio::test]
async fn binary_and_text_frames_go_out_in_the_order_queued() {
    let (_listener, _url, mut server_side, mut client) = pair(Config::default()).await;
    let outbound = server_side.outbound();
    assert!(outbound.send_binary(vec![0, 255]));
    assert!(outbound.send("between".into()));
    assert!(outbound.send_binary(Vec::new()));
    assert_eq!(within("binary", client.recv()).await, Inbound::Binary(vec![0, 255]));
    assert_eq!(within("text", client.recv()).await, Inbound::Text("between".into()));
    assert_eq!(within("empty binary", client.recv()).await, Inbound::Binary(Vec::new()));
    assert!(client.outbound().send_binary(vec![7]));
    assert_eq!(within("binary back", server_side.recv()).await, Inbound::Binary(vec![7]));
}

#[tokio::test]
async fn the_peers_close_code_and_reason_are_kept() {
    let (_listener, _url, mut server_side, mut client) = pair(Config::default()).await;
    assert_eq!(client.peer_close(), None);
    server_side.outbound().close(CloseCode::Library(4321), "why not");
    assert_eq!(within("closed", client.recv()).await, Inbound::Closed);
    assert_eq!(client.peer_close(), Some((CloseCode::Library(4321), "why not")));
    // The side that closed has no close frame of its peer's.
    assert_eq!(within("closed too", server_side.recv()).await, Inbound::Closed);
    assert_eq!(server_side.peer_close(), None);
}

#[tokio::test]
async fn a_message_over_the_limit_closes_with_1009() {
    let config = Config { max_message_bytes: 1024, ..Config::default() };
    let (mut listener, url) = server(config).await;
    let (mut raw, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let mut server_side = within("accept", listener.accept()).await.unwrap();
    raw.send(Message::text("x".repeat(4096))).await.unwrap();
    assert_eq!(within("too big", server_side.recv()).await, Inbound::TooBig);
    assert_eq!(within("closed", server_side.recv()).await, Inbound::Closed);
    let close = within("close frame", async {
        loop {
            match raw.next().await {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => continue,
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    })
    .await;
    assert_eq!(close.unwrap().code, CloseCode::Size);
}

#[tokio::test]
async fn a_peer_that_vanishes_without_a_close_frame_is_seen_as_closed() {
    let (mut listener, url) = server(Config::default()).await;
    let (raw, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let mut server_side = within("accept", listener.accept()).await.unwrap();
    // Drop the TCP stream itself: no close handshake.
    drop(raw.into_inner());
    assert_eq!(within("closed", server_side.recv()).await, Inbound::Closed);
    assert_eq!(within("still closed", server_side.recv()).await, Inbound::Closed);
}

#[tokio::test]
async fn a_peer_that_never_answers_pings_is_dropped() {
    let config = Config { keepalive: Some(Duration::from_millis(50)), ..Config::default() };
    let (mut listener, url) = server(config).await;
    // A hand-made client that completes the handshake and then never reads, so never pongs.
    let addr = url.trim_start_matches("ws://");
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut response = [0u8; 12];
    tcp.read_exact(&mut response).await.unwrap();
    assert_eq!(&response, b"HTTP/1.1 101");
    let mut server_side = within("accept", listener.accept()).await.unwrap();
    assert_eq!(within("keep-alive drop", server_side.recv()).await, Inbound::Closed);
}

#[tokio::test]
async fn the_server_closes_with_the_code_it_is_given() {
    let (mut listener, url) = server(Config::default()).await;
    let (mut raw, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let server_side = within("accept", listener.accept()).await.unwrap();
    let outbound = server_side.outbound();
    outbound.send("last words".into());
    outbound.close(CloseCode::Away, "engine stopping");
    assert_eq!(within("text", raw.next()).await.unwrap().unwrap(), Message::text("last words"));
    let Message::Close(Some(frame)) = within("close", raw.next()).await.unwrap().unwrap() else {
        panic!()
    };
    assert_eq!((frame.code, frame.reason.as_str()), (CloseCode::Away, "engine stopping"));
}

#[tokio::test]
async fn a_taken_port_is_named_in_the_error() {
    let (listener, _url) = server(Config::default()).await;
    let addr = listener.local_addr();
    let err = listen(addr, Config::default()).await.unwrap_err();
    assert!(matches!(err, Error::AddrInUse { addr: a } if a == addr), "{err:?}");
    assert_eq!(err.to_string(), format!("address {addr} is already in use"));
}

#[tokio::test]
async fn a_plain_http_request_does_not_take_the_slot() {
    let (mut listener, url) = server(Config::default()).await;
    let addr = url.trim_start_matches("ws://");
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    let _ = within("http answer", tcp.read_to_end(&mut answer)).await;
    let _client = connect(&url, &Config::default()).await.unwrap();
    assert!(within("accept", listener.accept()).await.is_some());
}
