//! Network exposure: TLS and the shared-secret token from the command line, the one-line errors
//! of bad TLS flags, and the warning for listening beyond loopback.

use std::path::{Path, PathBuf};

use bpio::transport_ws::{self, Config, Error, TlsRoots};
use serde_json::json;
use tokio::process::Command;
use tokio_tungstenite::tungstenite::Error::Http;

use crate::{Client, Engine, within};

/// A file in the test scratch directory.
pub(crate) fn scratch(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// A self-signed certificate for 127.0.0.1, written as `<name>-cert.pem` and `<name>-key.pem`.
pub(crate) fn certificate(name: &str) -> (PathBuf, PathBuf) {
    let generated = rcgen::generate_simple_self_signed(["127.0.0.1".to_owned()]).unwrap();
    let (cert, key) = (scratch(&format!("{name}-cert.pem")), scratch(&format!("{name}-key.pem")));
    std::fs::write(&cert, generated.cert.pem()).unwrap();
    std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();
    (cert, key)
}

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[tokio::test]
async fn with_tls_and_a_token_only_a_wss_client_with_the_token_is_served() {
    let (cert, key) = certificate("engine-tls");
    let token_file = scratch("engine-tls-token");
    std::fs::write(&token_file, "  correct horse battery staple\n").unwrap();
    let engine = Engine::start(&[
        "--websocket-tls-cert",
        path(&cert),
        "--websocket-tls-key",
        path(&key),
        "--websocket-token-file",
        path(&token_file),
    ])
    .await;
    assert!(engine.url.starts_with("wss://127.0.0.1:"), "{}", engine.url);
    let trusting =
        Config { tls_roots: Some(TlsRoots::from_pem_file(&cert).unwrap()), ..Config::default() };

    // Without the token: 401, and the slot stays free.
    let err = transport_ws::connect(&engine.url, &trusting).await.unwrap_err();
    let Error::Connect { source, .. } = &err else { panic!("{err:?}") };
    let Http(response) = source.as_ref() else { panic!("{source:?}") };
    assert_eq!(response.status(), 401);

    // With it (trimmed from the file, percent-encoded in the URL): served.
    let url = format!("{}/?token=correct%20horse%20battery%20staple", engine.url);
    let mut client =
        Client(within("a wss client", transport_ws::connect(&url, &trusting)).await.unwrap());
    let info = client.handshake().await;
    assert_eq!(info["ServerInfo"]["Id"], json!(1), "{info}");
    client.send(json!([{"Ping": {"Id": 2}}])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 2}}));
}

/// Runs the engine with `args`, which must stop it at once with exactly one error line that
/// contains every one of `expected`.
pub(crate) async fn refused(args: &[&str], expected: &[&str]) {
    let output = within(
        "the engine to give up",
        Command::new(env!("CARGO_BIN_EXE_bpio-engine"))
            .args(["--websocket-port", "0"])
            .args(args)
            .env("NO_COLOR", "1")
            .output(),
    )
    .await
    .unwrap();
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{log}");
    let errors: Vec<&str> = log.lines().filter(|line| line.contains("ERROR")).collect();
    assert_eq!(errors.len(), 1, "{log}");
    for text in expected {
        assert!(errors[0].contains(text), "{text:?} missing from {log}");
    }
    assert!(!log.contains("listening"), "{log}");
}

#[tokio::test]
async fn bad_tls_and_token_flags_stop_the_engine_with_one_clear_line() {
    let (cert, key) = certificate("engine-bad-flags");
    let missing = scratch("engine-bad-flags-missing.pem");
    let not_a_key = scratch("engine-bad-flags-not-a-key.pem");
    std::fs::write(&not_a_key, "not a key\n").unwrap();
    let empty_token = scratch("engine-bad-flags-empty-token");
    std::fs::write(&empty_token, "\n").unwrap();

    refused(&["--websocket-tls-cert", path(&cert)], &["--websocket-tls-key"]).await;
    refused(&["--websocket-tls-key", path(&key)], &["--websocket-tls-cert"]).await;
    refused(
        &["--websocket-tls-cert", path(&missing), "--websocket-tls-key", path(&key)],
        &["cannot read the TLS certificate chain file", path(&missing), "No such file"],
    )
    .await;
    refused(
        &["--websocket-tls-cert", path(&cert), "--websocket-tls-key", path(&not_a_key)],
        &["holds no PEM private key", path(&not_a_key)],
    )
    .await;
    refused(
        &["--websocket-token", "a", "--websocket-token-file", path(&empty_token)],
        &["--websocket-token and --websocket-token-file cannot be used together"],
    )
    .await;
    refused(&["--websocket-token-file", path(&empty_token)], &[path(&empty_token), "empty"]).await;
    refused(
        &["--websocket-token-file", path(&missing)],
        &["cannot read the token file", path(&missing)],
    )
    .await;
}

#[tokio::test]
async fn listening_on_all_interfaces_warns_and_names_the_risk() {
    // Only the log is checked: nothing connects from another interface.
    let engine = Engine::start(&["--websocket-use-all-interfaces"]).await;
    let warning = engine.seen.iter().find(|line| line.contains("beyond this machine"));
    let warning = warning.unwrap_or_else(|| panic!("no warning in {:?}", engine.seen));
    assert!(warning.contains("WARN") && warning.contains("0.0.0.0:"), "{warning}");
    assert!(warning.contains("neither TLS nor a token"), "{warning}");
    assert!(engine.url.starts_with("ws://0.0.0.0:"), "{}", engine.url);

    let quiet = Engine::start(&[]).await;
    assert!(
        !quiet.seen.iter().any(|line| line.contains("beyond this machine")),
        "{:?}",
        quiet.seen
    );

    let engine = Engine::start(&["--websocket-use-all-interfaces", "--websocket-token", "t"]).await;
    let warning = engine.seen.iter().find(|line| line.contains("beyond this machine")).unwrap();
    assert!(!warning.contains("neither TLS nor a token") && warning.contains("unencrypted"));
}
