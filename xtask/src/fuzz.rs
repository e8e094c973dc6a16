//! `cargo xtask fuzz [SECONDS] [TARGET...]`: runs each fuzz target of `fuzz/` for SECONDS (60 by
//! default), every target unless some are named.
//!
//! Each target's corpus is seeded with the project's own fixtures, so the fuzzer starts from real
//! messages and files. A crash input is copied into `fuzz/regressions/<target>/`, where the
//! `replay` test of `bpio-fuzz` (run by `cargo xtask ci`) keeps it as a regression test.

use std::path::Path;
use std::process::Command;

use anyhow::{Result, bail};

use crate::cargo;

struct Target {
    name: &'static str,
    /// Folders whose files (with these endings) seed the corpus.
    seeds: &'static [&'static str],
    endings: &'static [&'static str],
    /// Largest input; device-config files are larger than messages.
    max_len: u32,
    dict: bool,
}

const TARGETS: &[Target] = &[
    Target {
        name: "frame",
        seeds: &["crates/bpio-protocol/test_data/v4"],
        endings: &["json", "bin"],
        max_len: 4096,
        dict: true,
    },
    Target {
        name: "convert",
        seeds: &[
            "crates/bpio-protocol/test_data/v0",
            "crates/bpio-protocol/test_data/v1",
            "crates/bpio-protocol/test_data/v2",
            "crates/bpio-protocol/test_data/v3",
            "crates/bpio-protocol/test_data/convert",
        ],
        endings: &["json"],
        max_len: 4096,
        dict: true,
    },
    Target {
        name: "device_config",
        seeds: &["crates/bpio-device-config/db", "crates/bpio-device-protocols/test_data"],
        endings: &["json"],
        max_len: 16384,
        dict: false,
    },
    Target {
        name: "session",
        seeds: &["crates/bpio-protocol/test_data/v4/ok", "fuzz/regressions/session"],
        endings: &["json", "bin"],
        max_len: 4096,
        dict: true,
    },
];

pub(crate) fn run(root: &Path, args: &[String]) -> Result<()> {
    let (seconds, names) = match args.first() {
        Some(first) if first.parse::<u32>().is_ok() => (first.as_str(), &args[1..]),
        _ => ("60", args),
    };
    let unknown: Vec<&String> =
        names.iter().filter(|name| !TARGETS.iter().any(|t| t.name == name.as_str())).collect();
    if !unknown.is_empty() {
        let known: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
        bail!("unknown fuzz target(s) {unknown:?}; the targets are {known:?}");
    }
    let have_fuzz = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !have_fuzz {
        cargo(root, &["install", "cargo-fuzz", "--locked"], &[])?;
    }
    let mut crashed = Vec::new();
    for target in TARGETS.iter().filter(|t| names.is_empty() || names.iter().any(|n| n == t.name)) {
        if !fuzz_one(root, target, seconds)? {
            crashed.push(target.name);
        }
    }
    if !crashed.is_empty() {
        bail!(
            "the fuzzer found crashes in {crashed:?}; each input is now in fuzz/regressions/<target>/: fix the cause and commit it"
        );
    }
    Ok(())
}

/// Runs one target; `false` when it crashed (its inputs are then kept as regressions).
fn fuzz_one(root: &Path, target: &Target, seconds: &str) -> Result<bool> {
    let corpus = root.join("fuzz/corpus").join(target.name);
    std::fs::create_dir_all(&corpus)?;
    for seed in target.seeds {
        seed_from(root, &root.join(seed), target.endings, &corpus)?;
    }
    let artifacts = root.join("fuzz/artifacts").join(target.name);
    if artifacts.is_dir() {
        std::fs::remove_dir_all(&artifacts)?;
    }
    let mut args = vec![
        "fuzz".to_owned(),
        "run".to_owned(),
        target.name.to_owned(),
        "--".to_owned(),
        format!("-max_total_time={seconds}"),
        format!("-max_len={}", target.max_len),
    ];
    if target.dict {
        args.push(format!("-dict={}", root.join("fuzz/frame.dict").display()));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // The machine has only stable Rust; cargo-fuzz needs nightly flags for the sanitizer.
    let outcome = cargo(&root.join("fuzz"), &args, &[("RUSTC_BOOTSTRAP", "1")]);
    let mut kept = 0_usize;
    if artifacts.is_dir() {
        let regressions = root.join("fuzz/regressions").join(target.name);
        std::fs::create_dir_all(&regressions)?;
        for entry in std::fs::read_dir(&artifacts)? {
            let path = entry?.path();
            if let Some(name) = path.file_name() {
                std::fs::copy(&path, regressions.join(name))?;
                kept += 1;
            }
        }
    }
    match (outcome, kept) {
        (Ok(()), 0) => Ok(true),
        (_, 1..) => Ok(false),
        (Err(err), 0) => Err(err),
    }
}

fn seed_from(root: &Path, dir: &Path, endings: &[&str], corpus: &Path) -> Result<()> {
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| endings.iter().any(|e| ext == *e)) {
                let name =
                    path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('/', "_");
                std::fs::copy(&path, corpus.join(name))?;
            }
        }
    }
    Ok(())
}
