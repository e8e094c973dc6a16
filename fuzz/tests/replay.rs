//! Replays every saved input in `regressions/<target>/` through the target's checks: inputs the
//! fuzzer once found to fail (`cargo xtask fuzz` copies each crash here) and hand-picked inputs
//! at the edges each target is about. Runs in CI without the fuzzer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions").join(target);
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).unwrap().map(|entry| entry.unwrap().path()).collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no inputs", dir.display());
    for file in files {
        let data = std::fs::read(&file).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{target}: {} fails its check", file.display());
    }
}

#[test]
fn frame() {
    replay("frame", bpio_fuzz::check_frame);
}

#[test]
fn convert() {
    replay("convert", bpio_fuzz::check_convert);
}

#[test]
fn device_config() {
    replay("device_config", bpio_fuzz::check_device_config);
}

#[test]
fn session() {
    replay("session", bpio_fuzz::check_session);
}
