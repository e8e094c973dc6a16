//! mDNS advertisement, browsed for with `bpio-mdns-browse`.
//!
//! Every packet stays inside namespaces the test makes itself: `unshare` gives the shell below
//! a new user namespace (no root needed), a new network namespace with its own loopback and a
//! veth pair whose two ends carry 192.0.2.1 and 192.0.2.2 (TEST-NET-1, documentation addresses),
//! and a new PID namespace, so that every process in it dies with the shell, whatever the test
//! does. The engines and the browser run in there; the test reads their output from outside and
//! nudges the shell through its stdin.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};

use crate::within;

/// How long a browse runs when the test checks that something is *not* advertised: an
/// advertisement is announced as it starts and answers the browser's first query at once, so
/// it would show within a fraction of this.
const ABSENCE_WINDOW_S: u32 = 5;

/// A shell in namespaces of its own, with the network above configured.
struct Namespace {
    child: Child,
    stdin: ChildStdin,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    /// Where the engines write their logs, one file each.
    dir: PathBuf,
}

impl Namespace {
    /// Runs `script` after the network setup; `$ENGINE`, `$BROWSE` and `$LOGS` name the engine,
    /// the browser and the log folder.
    fn start(name: &str, script: &str) -> Self {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let setup = "set -e
            ip link set lo up
            ip link add v0 type veth peer name v1
            ip addr add 192.0.2.1/24 dev v0
            ip addr add 192.0.2.2/24 dev v1
            ip link set v0 up
            ip link set v1 up
        ";
        let mut child = Command::new("unshare")
            .args(["--user", "--map-root-user", "--net", "--pid", "--fork", "--kill-child"])
            .args(["sh", "-c", &format!("{setup}{script}")])
            .env("ENGINE", env!("CARGO_BIN_EXE_bpio-engine"))
            .env("BROWSE", env!("CARGO_BIN_EXE_bpio-mdns-browse"))
            .env("LOGS", &dir)
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("unshare (util-linux)");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Self { child, stdin, lines, dir }
    }

    /// The next line the shell or the browser printed.
    async fn line(&mut self) -> String {
        within("output from the namespace", self.lines.next_line())
            .await
            .unwrap()
            .expect("the namespace ended early")
    }

    /// The next browse event (lines that are not JSON are returned as strings).
    async fn event(&mut self) -> Value {
        let line = self.line().await;
        serde_json::from_str(&line).unwrap_or(Value::String(line))
    }

    /// Lets the script go past its next `read`.
    async fn proceed(&mut self) {
        self.stdin.write_all(b"\n").await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    /// The first line of the log `name` that contains `text`, once it is there.
    async fn logged(&self, name: &str, text: &str) -> String {
        let path = self.dir.join(name);
        within(&format!("{text:?} in {name}"), async {
            loop {
                let log = std::fs::read_to_string(&path).unwrap_or_default();
                if let Some(line) = log.lines().find(|line| line.contains(text)) {
                    return line.to_owned();
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
    }

    /// The port of the websocket URL in the log line `name` wrote when it started listening.
    async fn port(&self, name: &str) -> u64 {
        let line = self.logged(name, "listening for clients on ws://").await;
        let url = line.split("ws://").nth(1).unwrap().split_whitespace().next().unwrap();
        url.rsplit(':').next().unwrap().parse().unwrap()
    }

    async fn finish(mut self) {
        drop(self.stdin);
        let status = within("the namespace to end", self.child.wait()).await.unwrap();
        assert!(status.success(), "{status:?}");
    }
}

/// Whether `name` is an instance name as the reference makes it: "Intiface", six random
/// alphanumerics, then the suffix.
fn is_instance_name(name: &str, suffix: &str) -> bool {
    let Some(rest) = name.strip_prefix("Intiface ") else { return false };
    let Some((random, rest)) = rest.split_at_checked(6) else { return false };
    random.chars().all(|c| c.is_ascii_alphanumeric()) && rest == format!(" {suffix}")
}

#[tokio::test]
async fn an_engine_on_every_interface_is_found_at_its_port_and_says_goodbye_when_it_stops() {
    let mut ns = Namespace::start(
        "mdns-everywhere",
        r#"
            "$ENGINE" --websocket-use-all-interfaces --websocket-port 0 --broadcast-server-mdns \
                --mdns-suffix "living room" > "$LOGS/engine.log" 2>&1 &
            engine=$!
            "$BROWSE" --seconds 120 &
            read _
            kill -TERM $engine
            status=0
            wait $engine || status=$?
            echo "engine stopped with $status"
            read _
        "#,
    );
    let found = within("the advertisement", async {
        loop {
            let event = ns.event().await;
            if event["event"] == "resolved" {
                return event;
            }
        }
    })
    .await;
    let instance = found["instance"].as_str().unwrap().to_owned();
    assert!(is_instance_name(&instance, "living room"), "{found}");
    assert_eq!(found["port"], json!(ns.port("engine.log").await), "{found}");
    assert_eq!(found["addresses"], json!(["192.0.2.1", "192.0.2.2"]), "{found}");
    assert_eq!(found["txt"], json!({"path": "/"}), "{found}");

    // Stopped, the engine withdraws the advertisement: the browser hears the goodbye long
    // before the records' time to live (minutes) would run out.
    ns.proceed().await;
    let (mut removed, mut stopped) = (false, false);
    while !(removed && stopped) {
        match ns.event().await {
            event if event["event"] == "removed" => {
                assert_eq!(event["instance"], json!(instance));
                removed = true;
            }
            event if event.as_str().is_some_and(|line| line.starts_with("engine stopped")) => {
                assert_eq!(event, "engine stopped with 0");
                stopped = true;
            }
            // The browser may resolve the instance again before the goodbye.
            event => assert_eq!(event["instance"], json!(instance), "{event}"),
        }
    }
    ns.proceed().await;
    ns.finish().await;
}

#[tokio::test]
async fn only_what_clients_can_reach_is_advertised_and_only_where_they_can() {
    let mut ns = Namespace::start(
        "mdns-loopback",
        &format!(
            r#"
            "$ENGINE" --websocket-port 0 --broadcast-server-mdns --mdns-suffix loopback \
                > "$LOGS/loopback.log" 2>&1 &
            "$ENGINE" --websocket-listen-address 192.0.2.1:0 --broadcast-server-mdns \
                --mdns-suffix one > "$LOGS/one.log" 2>&1 &
            "$ENGINE" --repeater --websocket-use-all-interfaces --repeater-port 0 \
                --repeater-remote-address ws://127.0.0.1:9 --broadcast-server-mdns \
                --mdns-suffix repeater > "$LOGS/repeater.log" 2>&1 &
            read _
            "$BROWSE" --seconds {ABSENCE_WINDOW_S}
            echo "browse done"
            read _
        "#
        ),
    );
    let line = ns.logged("loopback.log", "not advertising over mDNS").await;
    assert!(line.contains("loopback only"), "{line}");
    // Every engine has made up its mind before the browse starts.
    ns.logged("one.log", "advertising over mDNS").await;
    ns.logged("repeater.log", "advertising over mDNS").await;
    ns.proceed().await;
    let mut found = HashMap::new();
    loop {
        match ns.event().await {
            event if event == "browse done" => break,
            event if event["event"] == "resolved" => {
                found.insert(event["instance"].as_str().unwrap().to_owned(), event);
            }
            event => panic!("unexpected: {event}"),
        }
    }
    let mut instances: Vec<&String> = found.keys().collect();
    instances.sort_by_key(|name| name.rsplit(' ').next());
    assert_eq!(instances.len(), 2, "not the engine on loopback: {found:?}");
    assert!(is_instance_name(instances[0], "one"), "{instances:?}");
    assert!(is_instance_name(instances[1], "repeater"), "{instances:?}");
    let (one, repeater) = (&found[instances[0]], &found[instances[1]]);
    assert_eq!(one["addresses"], json!(["192.0.2.1"]), "{one}");
    assert_eq!(one["port"], json!(ns.port("one.log").await), "{one}");
    // The repeater is what its clients connect to, so it is advertised like a client server.
    assert_eq!(repeater["addresses"], json!(["192.0.2.1", "192.0.2.2"]), "{repeater}");
    assert_eq!(repeater["port"], json!(ns.port("repeater.log").await), "{repeater}");
    ns.proceed().await;
    ns.finish().await;
}
