//! Project automation, run as `cargo xtask <command>`.
//!
//! Each command is plain Rust calling cargo, so CI and a developer run exactly the same steps.

mod bench;
mod coverage;
mod fuzz;
mod hot_code;
mod hot_data;
mod import_device_db;
mod schema;
mod tidy;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ci                 everything CI runs: fmt, clippy, tests, docs, packages, schema, fuzz and
                     bench builds
  fmt                cargo fmt, and the protocol files that only the build script declares
  man                write bpio-engine's shell completions and man page to crates/bpio-engine/dist
  package            package every published crate and build each from its package
  tidy               check the dependency table, pure crates, test attributes, citations
  coverage [--db FILE]  supported protocols and the device configurations they cover
  schema             validate the v4 fixtures against our schema and the public one
  fuzz [SECONDS] [TARGET...]  run the fuzz targets, 60 s each (installs cargo-fuzz; RUSTC_BOOTSTRAP=1)
  bench [--runs N] [--reference PATH] [--soak-secs S] [--update-docs]  measure bpio-engine, the
                     echo baseline and the reference server, parked and spinning; soak
                     bpio-engine S seconds per mode (120); draw the SVGs (--update-docs: to docs/perf)
  bench --scale      how many devices and clients one engine serves, step by step
  hot-code           profile the release engine under callgrind and write the linker script that
                     places the code it runs together (crates/bpio-engine/hot-code.ld)
  import-device-db [FILE]  regenerate the embedded device database from a public file (default: v5)
";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    match args.first().map(String::as_str) {
        Some("ci") => ci(&root),
        Some("fmt") => fmt(&root, false),
        Some("schema") => schema::run(&root),
        Some("tidy") => tidy::run(&root),
        Some("man") => man(&root),
        Some("package") => package(&root),
        Some("coverage") => coverage::run(&root, args.get(1..).unwrap_or_default()),
        Some("fuzz") => fuzz::run(&root, &args[1..]),
        Some("bench") => bench::run(&root, &args[1..]),
        Some("hot-code") => hot_code::run(&root),
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

/// Formats the workspace (or checks it, with `check`). The protocol modules are declared by a
/// build script's generated code, which `cargo fmt` does not follow, so they are passed to
/// rustfmt by name.
fn fmt(root: &Path, check: bool) -> Result<()> {
    cargo(root, if check { &["fmt", "--all", "--check"] } else { &["fmt", "--all"] }, &[])?;
    let mut files = Vec::new();
    rust_files(&root.join("crates/bpio-device-protocols/src/protocols"), &mut files)?;
    step(&format!("rustfmt {} protocol files", files.len()));
    let status = Command::new("rustfmt")
        .args(["--edition", "2024"])
        .args(check.then_some("--check"))
        .args(&files)
        .current_dir(root)
        .status()
        .context("running rustfmt")?;
    if !status.success() {
        bail!("rustfmt failed ({status}): run `cargo xtask fmt`");
    }
    Ok(())
}

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files(&path, files)?;
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
    Ok(())
}

fn ci(root: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    fmt(root, true)?;
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
    // The fuzz targets are only built; the saved inputs replay through their checks.
    cargo(root, &["build", "--package", "bpio-fuzz", "--bins", "--locked"], &[])?;
    cargo(root, &["test", "--package", "bpio-fuzz", "--test", "replay", "--locked"], &[])?;
    cargo(
        root,
        &["doc", "--workspace", "--no-deps", "--all-features", "--locked"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    package(root)?;
    schema::run(root)?;
    tidy::run(root)?;
    step(&format!("ci passed in {:.0?}", started.elapsed()));
    Ok(())
}

/// The crates that are never published (`publish = false`): `cargo package` leaves them out.
const UNPUBLISHED: &[&str] = &["xtask", "bpio-bench", "bpio-fuzz", "bpio-test-mosquitto"];

/// Where `cargo xtask man` writes the engine's completions and man page, from the root.
const DIST: &str = "crates/bpio-engine/dist";

/// Packages every published crate as `cargo publish` would, and builds each from its package
/// alone, so that a crate whose build reaches outside its folder, or a dependency without a
/// version, fails here rather than at publishing. CI (a fresh clone, `CI` set) packages the
/// committed files only; elsewhere uncommitted changes are packaged too.
fn package(root: &Path) -> Result<()> {
    // Each package builds as a workspace of its own, which has none of this workspace's
    // profiles: they are passed along, so that what the tests already built can serve again.
    let mut args = vec![
        "package",
        "--workspace",
        "--locked",
        "--config",
        "profile.dev.debug='line-tables-only'",
        "--config",
        "profile.dev.package.'*'.debug=false",
    ];
    for name in UNPUBLISHED {
        args.extend(["--exclude", name]);
    }
    if std::env::var_os("CI").is_none() {
        args.push("--allow-dirty");
    }
    cargo(root, &args, &[])
}

/// Writes `bpio-engine`'s shell completions and man page, generated from its flags, into
/// `DIST` (replacing what was there); the engine's test `dist` checks that they are current.
fn man(root: &Path) -> Result<()> {
    let dist = root.join(DIST);
    if dist.exists() {
        std::fs::remove_dir_all(&dist).with_context(|| format!("removing {}", dist.display()))?;
    }
    cargo(
        root,
        &["run", "--quiet", "--package", "bpio-engine", "--example", "dist", "--", DIST],
        &[],
    )
}
