//! Interop with the official Python client, installed from PyPI into its own virtualenv by the
//! test itself (issue 5).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::{Engine, within};

/// A virtualenv with `buttplug` 1.0.0, made once per target directory.
fn python_client() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-buttplug-1.0.0");
    let python = venv.join("bin/python");
    let installed = python.exists()
        && Command::new(&python)
            .args(["-c", "import buttplug"])
            .status()
            .is_ok_and(|s| s.success());
    if !installed {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 -m venv");
        assert!(made.success(), "cannot create the virtualenv");
        let pip = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "buttplug==1.0.0"])
            .status()
            .expect("pip");
        assert!(pip.success(), "cannot install buttplug 1.0.0 from PyPI");
    }
    python
}

#[tokio::test]
async fn the_python_client_lists_vibrates_and_reads_battery() {
    let python = tokio::task::spawn_blocking(python_client).await.unwrap();
    let engine = Engine::start(&["--simulate", "--server-name", "bpio interop"]).await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/python_client.py");
    let output = within(
        "the Python client",
        tokio::process::Command::new(python).arg(script).arg(&engine.url).output(),
    )
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "python client failed: {stderr}");
    let seen: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(seen["server"], "bpio interop");
    let devices: Vec<&str> =
        seen["devices"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    for name in ["Lovense Edge", "Lovense Hush", "Lovense Nora", "Simulated Sensor"] {
        assert!(devices.contains(&name), "{devices:?}");
    }
    // The simulated Hush firmware reports 85 %; the client gives a fraction.
    assert_eq!(seen["battery"].as_f64(), Some(0.85), "{seen}");
}
