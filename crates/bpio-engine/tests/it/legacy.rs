//! The command line against intiface-engine 5.0.5's: every flag listed, and the flags this engine
//! accepts without acting on them answered with one line each.

use serde_json::json;

use crate::Engine;

/// The flags of intiface-engine 5.0.5's command line (release builds).
const REFERENCE_FLAGS: &[&str] = &[
    "--version",
    "--server-version",
    "--websocket-use-all-interfaces",
    "--websocket-port",
    "--websocket-listen-address",
    "--websocket-client-address",
    "--server-name",
    "--device-config-file",
    "--user-device-config-file",
    "--max-ping-time",
    "--log",
    "--use-bluetooth-le",
    "--use-serial",
    "--use-lovense-dongle-serial",
    "--use-lovense-dongle-hid",
    "--use-device-websocket-server",
    "--device-websocket-server-port",
    "--broadcast-server-mdns",
    "--mdns-suffix",
    "--repeater",
    "--repeater-port",
    "--rest-api-port",
    "--use-sdl-gamepad",
    "--use-lovense-connect",
    "--frontend-websocket-port",
];

#[tokio::test]
async fn help_lists_every_flag_of_intiface_engine_5_0_5() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_bpio-engine"))
        .arg("--help")
        .output()
        .await
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    let listed: Vec<&str> =
        help.lines().filter_map(|line| line.trim_start().split([' ', ',']).next()).collect();
    for flag in REFERENCE_FLAGS {
        assert!(listed.contains(flag), "{flag} is not in --help:\n{help}");
    }
    for flag in ["--allow-raw", "--crash-reporting"] {
        assert!(!listed.contains(&flag), "{flag} is hidden");
    }
    let dongle = help.split("--use-lovense-dongle-hid").nth(1).unwrap();
    assert!(dongle.trim_start().starts_with("Not supported"), "{help}");
}

#[tokio::test]
async fn flags_without_effect_say_so_in_one_line_each_and_the_engine_runs_on() {
    let engine = Engine::start(&[
        "--use-lovense-dongle-hid",
        "--use-lovense-dongle-serial",
        "--allow-raw",
        "--crash-reporting",
    ])
    .await;
    let warned = |text: &str| engine.seen.iter().filter(|line| line.contains(text)).count();
    for flag in ["--use-lovense-dongle-hid", "--use-lovense-dongle-serial"] {
        let line = format!("{flag}: the Lovense USB dongle is not supported");
        assert_eq!(warned(&line), 1, "{:#?}", engine.seen);
    }
    assert_eq!(warned("use --use-bluetooth-le"), 2, "{:#?}", engine.seen);
    assert_eq!(warned("--allow-raw has no effect"), 1, "{:#?}", engine.seen);
    assert_eq!(warned("--crash-reporting has no effect"), 1, "{:#?}", engine.seen);
    assert_eq!(warned("not implemented"), 0, "{:#?}", engine.seen);
    assert_eq!(warned("not supported yet"), 0, "{:#?}", engine.seen);
    let mut client = engine.client().await;
    let info = client.handshake().await;
    assert_eq!(info["ServerInfo"]["ProtocolVersionMajor"], json!(4), "{info}");
}
