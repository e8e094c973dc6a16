//! Project automation, run as `cargo xtask <command>`.
//!
//! Each command is plain Rust calling cargo, so CI and a developer run exactly the same steps.

mod coverage;
mod import_device_db;
mod schema;
mod tidy;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ci                 everything CI runs: fmt, clippy, tests, docs, schema, fuzz and bench builds
  tidy               check the dependency table, pure crates, test attributes
  coverage [--db FILE]  supported protocols and the device configurations they cover
  schema             validate the v4 fixtures against our schema and the public one
  fuzz [SECONDS]     run the frame fuzzer (installs cargo-fuzz; uses RUSTC_BOOTSTRAP=1)
  import-device-db [FILE]  regenerate the embedded device database from a public file (default: v5)
";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    match args.first().map(String::as_str) {
        Some("ci") => ci(&root),
        Some("schema") => schema::run(&root),
        Some("tidy") => tidy::run(&root),
        Some("coverage") => coverage::run(&root, args.get(1..).unwrap_or_default()),
        Some("fuzz") => fuzz(&root, args.get(1).map(String::as_str)),
        Some("import-device-db") => import_device_db::run(&root, args.get(1).map(String::as_str)),
        Some("help" | "--help" | "-h") => {
            print_usage();
            Ok(())
        }
        _ => {
            print_usage();
            bail!("unknown or missing command")
        }
    }
}

#[allow(clippy::print_stdout)]
fn print_usage() {
    print!("{USAGE}");
}

fn project_root() -> PathBuf {
    // xtask lives one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Runs `cargo` with `args` in `root`, failing if it fails.
fn cargo(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    step(&format!("cargo {}", args.join(" ")));
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root)
        .status()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}

#[allow(clippy::print_stderr)]
fn step(what: &str) {
    eprintln!("\n==> {what}");
}

fn ci(root: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    cargo(root, &["fmt", "--all", "--check"], &[])?;
    cargo(
        root,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    // --all-targets also runs each criterion benchmark once in test mode, so benches stay working
    // without a second (release) build. The fuzz targets are libFuzzer mains that would fuzz
    // forever if run: they are only built.
    cargo(
        root,
        &[
            "test",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--exclude",
            "bpio-fuzz",
            "--locked",
        ],
        &[],
    )?;
    cargo(root, &["test", "--workspace", "--doc", "--all-features", "--locked"], &[])?;
    cargo(root, &["build", "--package", "bpio-fuzz", "--bins", "--locked"], &[])?;
    cargo(
        root,
        &["doc", "--workspace", "--no-deps", "--all-features", "--locked"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    schema::run(root)?;
    tidy::run(root)?;
    step(&format!("ci passed in {:.0?}", started.elapsed()));
    Ok(())
}

fn fuzz(root: &Path, seconds: Option<&str>) -> Result<()> {
    let seconds = seconds.unwrap_or("60");
    let have_fuzz = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !have_fuzz {
        cargo(root, &["install", "cargo-fuzz", "--locked"], &[])?;
    }
    // Seed the corpus with every golden fixture, so the fuzzer starts from real messages.
    let corpus = root.join("fuzz/corpus/frame");
    std::fs::create_dir_all(&corpus)?;
    let mut pending = vec![root.join("crates/bpio-protocol/test_data")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "json" || ext == "bin") {
                let name =
                    path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('/', "_");
                std::fs::copy(&path, corpus.join(name))?;
            }
        }
    }
    let max_time = format!("-max_total_time={seconds}");
    let dict = format!("-dict={}", root.join("fuzz/frame.dict").display());
    // The machine has only stable Rust; cargo-fuzz needs nightly flags for the sanitizer.
    cargo(
        &root.join("fuzz"),
        &["fuzz", "run", "frame", "--", &max_time, "-max_len=4096", &dict],
        &[("RUSTC_BOOTSTRAP", "1")],
    )?;
    let artifacts = root.join("fuzz/artifacts/frame");
    if artifacts.is_dir() && std::fs::read_dir(&artifacts)?.next().is_some() {
        bail!(
            "the fuzzer found crashes in {}; copy each into crates/bpio-protocol/test_data/fuzz/ as a regression test",
            artifacts.display()
        );
    }
    Ok(())
}
