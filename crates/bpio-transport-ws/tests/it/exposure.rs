//! TLS (wss) with a certificate made here, and the shared-secret token.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use bpio_transport_ws::{Config, Error, Inbound, TlsIdentity, TlsRoots, Token, connect, listen};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, http::HeaderValue};

use crate::{server, within};

/// A self-signed certificate for 127.0.0.1 and localhost, written as `<name>-cert.pem` and
/// `<name>-key.pem`; returns their paths.
fn certificate(name: &str) -> (PathBuf, PathBuf) {
    let generated =
        rcgen::generate_simple_self_signed(["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let (cert, key) = (dir.join(format!("{name}-cert.pem")), dir.join(format!("{name}-key.pem")));
    std::fs::write(&cert, generated.cert.pem()).unwrap();
    std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();
    (cert, key)
}

fn trusting(cert: &Path) -> Config {
    Config { tls_roots: Some(TlsRoots::from_pem_file(cert).unwrap()), ..Config::default() }
}

/// A TLS server on loopback with the certificate `name`; returns it and its wss URL.
async fn tls_server(name: &str) -> (bpio_transport_ws::Listener, String, PathBuf) {
    let (cert, key) = certificate(name);
    let tls = TlsIdentity::from_pem_files(&cert, &key).unwrap();
    let config = Config { tls: Some(tls), ..Config::default() };
    let listener = listen(SocketAddr::from(([127, 0, 0, 1], 0)), config).await.unwrap();
    let url = format!("wss://{}", listener.local_addr());
    (listener, url, cert)
}

/// The HTTP status and body of a refused upgrade.
fn refusal(err: &Error) -> (u16, String) {
    let Error::Connect { source, .. } = err else { panic!("{err:?}") };
    let tungstenite::Error::Http(response) = source.as_ref() else { panic!("{source:?}") };
    let body = String::from_utf8(response.body().clone().unwrap_or_default()).unwrap();
    (response.status().as_u16(), body)
}

#[tokio::test]
async fn a_wss_client_that_trusts_the_certificate_talks_both_ways() {
    let (mut listener, url, cert) = tls_server("wss-both-ways").await;
    let mut client = connect(&url, &trusting(&cert)).await.unwrap();
    let mut server_side = within("accept", listener.accept()).await.unwrap();
    assert!(client.peer().is_some());
    assert!(client.send("[{\"Ping\":{\"Id\":1}}]".into()));
    assert_eq!(
        within("text", server_side.recv()).await,
        Inbound::Text("[{\"Ping\":{\"Id\":1}}]".into())
    );
    assert!(server_side.send("[{\"Ok\":{\"Id\":1}}]".into()));
    assert_eq!(within("reply", client.recv()).await, Inbound::Text("[{\"Ok\":{\"Id\":1}}]".into()));
}

#[tokio::test]
async fn clients_that_cannot_do_tls_with_the_server_are_turned_away_and_take_nothing() {
    let (mut listener, url, cert) = tls_server("wss-turned-away").await;

    // Plain ws to a TLS server: the TLS handshake fails.
    let plain = connect(&url.replace("wss://", "ws://"), &Config::default()).await;
    assert!(matches!(plain, Err(Error::Connect { .. })), "{plain:?}");

    // Trusting another certificate: the client refuses the server's.
    let (other, _) = certificate("wss-turned-away-other");
    let err = connect(&url, &trusting(&other)).await.unwrap_err();
    let Error::Connect { source, .. } = &err else { panic!("{err:?}") };
    assert!(matches!(source.as_ref(), tungstenite::Error::Io(_)), "{source:?}");
    assert!(format!("{source}").contains("invalid peer certificate"), "{source}");

    // Trusting nothing: refused before any connection is made.
    let err = connect(&url, &Config::default()).await.unwrap_err();
    assert!(matches!(err, Error::NoTlsRoots { .. }), "{err:?}");

    // None of them took the slot. (By name this time: localhost is in the certificate too.)
    let by_name = url.replace("127.0.0.1", "localhost");
    let _client = connect(&by_name, &trusting(&cert)).await.unwrap();
    assert!(within("accept", listener.accept()).await.is_some());
}

#[tokio::test]
async fn tls_files_that_cannot_be_used_are_named_in_the_error() {
    let (cert, key) = certificate("tls-errors");
    let (other_cert, _) = certificate("tls-errors-other");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let missing = dir.join("tls-errors-missing.pem");
    let not_pem = dir.join("tls-errors-not-pem.pem");
    std::fs::write(&not_pem, "hello\n").unwrap();
    let broken = dir.join("tls-errors-broken.pem");
    std::fs::write(&broken, "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
        .unwrap();
    let garbage_key = dir.join("tls-errors-garbage-key.pem");
    std::fs::write(&garbage_key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        .unwrap();

    let shown = |path: &PathBuf| path.display().to_string();
    let cases = [
        (&missing, &key, format!("cannot read the TLS certificate chain file {}", shown(&missing))),
        (
            &not_pem,
            &key,
            format!(
                "the TLS certificate chain file {} holds no PEM certificate chain",
                shown(&not_pem)
            ),
        ),
        (
            &broken,
            &key,
            format!("the TLS certificate chain file {} is not valid PEM", shown(&broken)),
        ),
        (&cert, &missing, format!("cannot read the TLS private key file {}", shown(&missing))),
        // A certificate is not a key.
        (
            &cert,
            &cert,
            format!("the TLS private key file {} holds no PEM private key", shown(&cert)),
        ),
        (
            &cert,
            &garbage_key,
            format!("the TLS private key in {} is not usable", shown(&garbage_key)),
        ),
        (
            &other_cert,
            &key,
            format!(
                "the private key in {} does not belong to the certificate in {}",
                shown(&key),
                shown(&other_cert)
            ),
        ),
    ];
    for (chain, private_key, expected) in cases {
        let err = TlsIdentity::from_pem_files(chain, private_key).unwrap_err();
        assert_eq!(err.to_string(), expected);
    }
    let roots = TlsRoots::from_pem_file(&key).unwrap_err();
    assert_eq!(
        roots.to_string(),
        format!("the TLS trusted roots file {} holds no PEM trusted roots", key.display())
    );
}

async fn token_server() -> (bpio_transport_ws::Listener, String) {
    server(Config { token: Some(Token::new("open sesame").unwrap()), ..Config::default() }).await
}

#[tokio::test]
async fn the_token_is_accepted_in_the_query() {
    let (mut listener, url) = token_server().await;
    let client = connect(&format!("{url}/?token=open%20sesame"), &Config::default()).await.unwrap();
    let mut server_side = within("accept", listener.accept()).await.unwrap();
    client.send("hello".into());
    assert_eq!(within("text", server_side.recv()).await, Inbound::Text("hello".into()));
}

#[tokio::test]
async fn the_token_is_accepted_in_the_authorization_header() {
    let (mut listener, url) = token_server().await;
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("Authorization", HeaderValue::from_static("Bearer open sesame"));
    let (_raw, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.status(), 101);
    assert!(within("accept", listener.accept()).await.is_some());
}

#[tokio::test]
async fn without_the_right_token_the_upgrade_is_refused_with_401_and_takes_nothing() {
    let (mut listener, url) = token_server().await;
    let unauthorized = |err: Error| {
        let (status, body) = refusal(&err);
        assert_eq!(status, 401);
        assert!(body.contains("requires a token") && !body.contains('\n'), "{body}");
        // The secret a client tried is not repeated in messages.
        assert!(!err.to_string().contains("wrong"), "{err}");
    };
    unauthorized(connect(&url, &Config::default()).await.unwrap_err());
    unauthorized(connect(&format!("{url}/?token=wrong"), &Config::default()).await.unwrap_err());
    unauthorized(connect(&format!("{url}/?token=open"), &Config::default()).await.unwrap_err());
    let mut request = url.clone().into_client_request().unwrap();
    request.headers_mut().insert("Authorization", HeaderValue::from_static("Bearer wrong"));
    let err = tokio_tungstenite::connect_async(request).await.unwrap_err();
    let tungstenite::Error::Http(response) = err else { panic!("{err:?}") };
    assert_eq!(response.status(), 401);

    // None of them took the slot: a client with the token gets in at once.
    let _client =
        connect(&format!("{url}/?token=open%20sesame"), &Config::default()).await.unwrap();
    let _server_side = within("accept", listener.accept()).await.unwrap();
    // And while it is served, a client without the token still hears 401, not 503.
    unauthorized(connect(&url, &Config::default()).await.unwrap_err());
    let (status, _) = refusal(
        &connect(&format!("{url}/?token=open%20sesame"), &Config::default()).await.unwrap_err(),
    );
    assert_eq!(status, 503);
}
