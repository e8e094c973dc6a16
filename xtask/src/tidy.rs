//! `cargo xtask tidy`: rules of the road that the compiler does not check.
//!
//! - Dependencies between workspace crates point down the layers (`ALLOWED`; docs/ARCHITECTURE.md).
//! - A crate is unpublished (`publish = false`) exactly when `UNPUBLISHED` in xtask/src/main.rs
//!   names it, and a published one says what its registry page needs (`PUBLISHED_FIELDS`).
//! - The pure crates have no tokio anywhere in their normal dependency tree.
//! - No test is skipped or expects a panic (the `ignore` and `should_panic` attributes).
//! - Every library crate root opens with a `//!` doc.
//! - In `bpio-server`, only `src/runtime/` names tokio: the rest is sans-IO.
//! - No two modules of `bpio-server`'s `src/runtime/` import each other, directly or around a
//!   loop: types both need live in a module of their own.
//! - Every document a comment or a Markdown file cites is in the repository, and a numbered
//!   citation names a section it has (`citations`).
//! - A package with several programs names the one `cargo run -p PACKAGE` runs (`default-run`):
//!   the README's `cargo run --release -p bpio-engine` depends on it.

mod citations;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Workspace crates each crate may depend on (normal dependencies). A crate missing here fails
/// tidy, so a new crate has to take its place in the table.
const ALLOWED: &[(&str, &[&str])] = &[
    ("bpio-protocol", &[]),
    // One definition of endpoints, UUIDs and what a backend observes: the database names them.
    ("bpio-device-config", &["bpio-protocol", "bpio-hardware"]),
    ("bpio-hardware", &[]),
    ("bpio-device-protocols", &["bpio-protocol", "bpio-device-config", "bpio-hardware"]),
    (
        "bpio-server",
        &["bpio-protocol", "bpio-device-config", "bpio-device-protocols", "bpio-hardware"],
    ),
    ("bpio-hw-btleplug", &["bpio-hardware"]),
    ("bpio-hw-serial", &["bpio-hardware"]),
    ("bpio-hw-hid", &["bpio-hardware"]),
    ("bpio-hw-usb", &["bpio-hardware"]),
    ("bpio-hw-gamepad", &["bpio-hardware"]),
    ("bpio-hw-websocket", &["bpio-hardware"]),
    ("bpio-hw-lovense-connect", &["bpio-hardware"]),
    ("bpio-transport-ws", &["bpio-protocol"]),
    ("bpio-client", &["bpio-protocol", "bpio-transport-ws"]),
    ("bpio-in-process", &["bpio-client", "bpio-server", "bpio-protocol"]),
    // The device-database importer is library code, so its staleness test can run in CI; the
    // coverage report reads the protocol registry; the bench runs a broker for the MQTT figures.
    (
        "xtask",
        &["bpio-device-config", "bpio-device-protocols", "bpio-protocol", "bpio-test-mosquitto"],
    ),
    ("bpio-fuzz", &["bpio-protocol", "bpio-device-config", "bpio-device-protocols", "bpio-server"]),
    // Measures any server from outside, over the wire only: never the server itself.
    ("bpio-bench", &["bpio-protocol"]),
    // A real MQTT broker for the tests of both ends of the MQTT bridge: it knows neither.
    ("bpio-test-mosquitto", &[]),
];

/// Crates that may depend on any workspace crate.
const TOP: &[&str] = &["bpio", "bpio-engine"];

/// Crates whose normal dependency tree must not contain tokio.
const PURE: &[&str] = &["bpio-protocol", "bpio-device-config", "bpio-device-protocols"];

pub(crate) fn run(root: &Path) -> Result<()> {
    let mut problems = Vec::new();
    let crates = workspace_crates(root)?;
    for (name, manifest) in &crates {
        check_dependencies(name, manifest, &mut problems)?;
        check_publishing(name, manifest, &mut problems);
    }
    for name in PURE {
        if crates.iter().any(|(n, _)| n == name) {
            check_no_tokio(root, name, &mut problems)?;
        }
    }
    for file in rust_files(root)? {
        check_source(root, &file, &mut problems)?;
        check_citations(root, &file, citations::Kind::Rust, &mut problems)?;
    }
    for file in markdown_files(root)? {
        check_citations(root, &file, citations::Kind::Markdown, &mut problems)?;
    }
    check_runtime_imports(root, &mut problems)?;
    check_default_run(root, &mut problems)?;
    if !problems.is_empty() {
        bail!("tidy found {} problem(s):\n  {}", problems.len(), problems.join("\n  "));
    }
    crate::step(&format!("tidy: {} crates and their sources follow the rules", crates.len()));
    Ok(())
}

/// (package name, manifest text) of every member: crates/*, xtask and fuzz.
fn workspace_crates(root: &Path) -> Result<Vec<(String, String)>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    dirs.sort();
    dirs.push(root.join("xtask"));
    dirs.push(root.join("fuzz"));
    let mut crates = Vec::new();
    for dir in dirs {
        let path = dir.join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let name = package_name(&text)
            .with_context(|| format!("no package name in {}", path.display()))?;
        crates.push((name, text));
    }
    Ok(crates)
}

fn package_name(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package && let Some(value) = line.strip_prefix("name") {
            return Some(value.trim_start().strip_prefix('=')?.trim().trim_matches('"').to_owned());
        }
    }
    None
}

/// Names of the workspace crates in the `[dependencies]` section (and target-specific ones).
fn workspace_dependencies(manifest: &str) -> Vec<String> {
    let mut in_deps = false;
    let mut deps = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_deps = line == "[dependencies]"
                || (line.starts_with("[target.") && line.ends_with(".dependencies]"));
        } else if in_deps && line.starts_with("bpio") {
            let name: String = line
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            deps.push(name);
        }
    }
    deps
}

fn check_dependencies(name: &str, manifest: &str, problems: &mut Vec<String>) -> Result<()> {
    if TOP.contains(&name) {
        return Ok(());
    }
    let Some((_, allowed)) = ALLOWED.iter().find(|(crate_name, _)| *crate_name == name) else {
        problems
            .push(format!("{name}: not in the dependency table `ALLOWED` of xtask/src/tidy.rs"));
        return Ok(());
    };
    for dep in workspace_dependencies(manifest) {
        if !allowed.contains(&dep.as_str()) {
            problems
                .push(format!("{name}: may not depend on {dep} (`ALLOWED` in xtask/src/tidy.rs)"));
        }
    }
    Ok(())
}

/// What every published crate's `[package]` sets (itself or from the workspace).
const PUBLISHED_FIELDS: &[&str] =
    &["description", "license", "repository", "rust-version", "readme", "keywords", "categories"];

fn check_publishing(name: &str, manifest: &str, problems: &mut Vec<String>) {
    let mut in_package = false;
    let mut fields = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package && let Some((key, value)) = line.split_once('=') {
            let key = key.trim();
            fields.push((key.strip_suffix(".workspace").unwrap_or(key).to_owned(), value.trim()));
        }
    }
    let unpublished = fields.iter().any(|(key, value)| key == "publish" && *value == "false");
    if unpublished != crate::UNPUBLISHED.contains(&name) {
        problems.push(format!(
            "{name}: `publish = false` in its Cargo.toml and `UNPUBLISHED` in xtask/src/main.rs \
             disagree"
        ));
    }
    if unpublished {
        return;
    }
    for field in PUBLISHED_FIELDS {
        if !fields.iter().any(|(key, _)| key == field) {
            problems.push(format!("{name}: a published crate sets `{field}` in [package]"));
        }
    }
}

fn check_no_tokio(root: &Path, name: &str, problems: &mut Vec<String>) -> Result<()> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["tree", "--quiet", "-e", "normal", "--prefix", "none", "-p", name])
        .current_dir(root)
        .output()
        .context("running cargo tree")?;
    if !output.status.success() {
        bail!("cargo tree -p {name} failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    if String::from_utf8_lossy(&output.stdout).lines().any(|line| line.starts_with("tokio ")) {
        problems
            .push(format!("{name}: tokio is in its dependency tree, but the crate must stay pure"));
    }
    Ok(())
}

/// Every workspace package with more than one binary target sets `default-run`, by `cargo
/// metadata` (which also counts programs found in `src/bin/` without a `[[bin]]` section).
fn check_default_run(root: &Path, problems: &mut Vec<String>) -> Result<()> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(root)
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("reading cargo metadata's output")?;
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let programs = package["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|target| {
                target["kind"].as_array().is_some_and(|kinds| kinds.iter().any(|k| k == "bin"))
            })
            .count();
        let name = package["name"].as_str().unwrap_or("?");
        // Its programs are fuzz targets, each run by name (`cargo xtask fuzz`).
        if name == "bpio-fuzz" {
            continue;
        }
        if programs > 1 && package["default_run"].is_null() {
            problems.push(format!(
                "{name}: {programs} programs and no `default-run`, so `cargo run -p {name}` \
                 cannot choose one"
            ));
        }
    }
    Ok(())
}

fn rust_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![root.join("crates"), root.join("xtask"), root.join("fuzz")];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                if !path.ends_with("target") {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn check_source(root: &Path, file: &Path, problems: &mut Vec<String>) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let shown = file.strip_prefix(root).unwrap_or(file).display().to_string();
    // Spelled in two pieces so this file does not flag itself.
    for attribute in [concat!("#[", "ignore"), concat!("#[", "should_panic")] {
        if text.contains(attribute) {
            problems.push(format!("{shown}: uses {attribute}]; assert today's behaviour instead"));
        }
    }
    let server_src = root.join("crates/bpio-server/src");
    if file.starts_with(&server_src)
        && !file.starts_with(server_src.join("runtime"))
        && text.contains("tokio::")
    {
        problems.push(format!("{shown}: names tokio outside runtime/; the server core is sans-IO"));
    }
    let is_lib_root = file.ends_with("src/lib.rs");
    if is_lib_root && !text.trim_start().starts_with("//!") {
        problems.push(format!(
            "{shown}: a crate root opens with a //! doc saying what the crate is for"
        ));
    }
    Ok(())
}

/// Every Markdown file of the repository outside build output and hidden folders.
fn markdown_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            let hidden =
                path.file_name().is_some_and(|name| name.to_string_lossy().starts_with('.'));
            if hidden || path.ends_with("target") {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Checks the citations of one file. A mentioned name resolves against the file's folder, its
/// crate's root, `docs/` and the repository root, and must stay inside the repository.
fn check_citations(
    root: &Path,
    file: &Path,
    kind: citations::Kind,
    problems: &mut Vec<String>,
) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let root = root.canonicalize()?;
    let dir = file.parent().unwrap_or(&root);
    let crate_root = dir
        .ancestors()
        .take_while(|at| at.starts_with(&root))
        .find(|at| at.join("Cargo.toml").is_file());
    let bases: Vec<PathBuf> = [Some(dir), crate_root, Some(&root.join("docs")), Some(&root)]
        .into_iter()
        .flatten()
        .map(Path::to_path_buf)
        .collect();
    let resolve = |name: &str| {
        bases.iter().find_map(|base| {
            let path = base.join(name).canonicalize().ok()?;
            if path.starts_with(&root) { std::fs::read_to_string(path).ok() } else { None }
        })
    };
    let shown = file.strip_prefix(&root).unwrap_or(file).display().to_string();
    for problem in citations::check(&text, kind, &resolve) {
        problems.push(format!("{shown} {problem}"));
    }
    Ok(())
}

/// Fails on an import cycle between the modules of `bpio-server/src/runtime/`.
fn check_runtime_imports(root: &Path, problems: &mut Vec<String>) -> Result<()> {
    let dir = root.join("crates/bpio-server/src/runtime");
    let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(()) };
    let mut modules = BTreeMap::new();
    for entry in entries {
        let path = entry?.path();
        // `mod.rs` declares the modules; its `super` is the crate root, not a sibling.
        let Some(name) = path.file_stem().and_then(|stem| stem.to_str()) else { continue };
        if path.extension().is_some_and(|ext| ext == "rs") && name != "mod" {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            modules.insert(name.to_owned(), text);
        }
    }
    if let Some(cycle) = import_cycle(&modules) {
        let shown: Vec<String> = cycle.iter().map(|name| format!("runtime/{name}.rs")).collect();
        problems.push(format!(
            "crates/bpio-server/src/runtime: import cycle {}; move what both need to a module \
             both use",
            shown.join(" -> ")
        ));
    }
    Ok(())
}

/// The first import cycle among `modules` (name to source text), as the names along it with
/// the first repeated at the end; `None` when the imports form no cycle.
fn import_cycle(modules: &BTreeMap<String, String>) -> Option<Vec<String>> {
    let names: BTreeSet<&str> = modules.keys().map(String::as_str).collect();
    let graph: BTreeMap<&str, BTreeSet<&str>> = modules
        .iter()
        .map(|(name, text)| {
            let mut imported = sibling_imports(text, &names);
            imported.remove(name.as_str());
            (name.as_str(), imported)
        })
        .collect();
    // Depth-first search; a module met again while still on the path closes a cycle.
    let mut done = BTreeSet::new();
    for start in graph.keys() {
        let mut path = Vec::new();
        if let Some(cycle) = find_cycle(start, &graph, &mut path, &mut done) {
            return Some(cycle);
        }
    }
    None
}

fn find_cycle<'a>(
    module: &'a str,
    graph: &BTreeMap<&'a str, BTreeSet<&'a str>>,
    path: &mut Vec<&'a str>,
    done: &mut BTreeSet<&'a str>,
) -> Option<Vec<String>> {
    if let Some(at) = path.iter().position(|on_path| *on_path == module) {
        let mut cycle: Vec<String> = path[at..].iter().map(|name| (*name).to_owned()).collect();
        cycle.push(module.to_owned());
        return Some(cycle);
    }
    if !done.insert(module) {
        return None;
    }
    path.push(module);
    for next in graph.get(module).into_iter().flatten() {
        if let Some(cycle) = find_cycle(next, graph, path, done) {
            return Some(cycle);
        }
    }
    path.pop();
    None
}

/// The sibling modules (of `names`) that `text` reaches through `super::X` or
/// `crate::runtime::X`, in `use` lines or inline paths, grouped (`super::{a::T, b}`) or not.
/// Line comments are skipped, so a comment that mentions a path adds no edge.
fn sibling_imports<'a>(text: &str, names: &BTreeSet<&'a str>) -> BTreeSet<&'a str> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        for prefix in ["super::", "crate::runtime::"] {
            for (at, _) in code.match_indices(prefix) {
                let rest = &code[at + prefix.len()..];
                let segments: Vec<&str> = match rest.strip_prefix('{') {
                    Some(group) => group.split(',').collect(),
                    None => vec![rest],
                };
                for segment in segments {
                    let first: String = segment
                        .trim_start()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if let Some(name) = names.get(first.as_str()) {
                        found.insert(*name);
                    }
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::import_cycle;

    fn modules(sources: &[(&str, &str)]) -> BTreeMap<String, String> {
        sources.iter().map(|(name, text)| ((*name).to_owned(), (*text).to_owned())).collect()
    }

    #[test]
    fn two_modules_that_import_each_other_are_a_cycle() {
        let found = import_cycle(&modules(&[
            ("devices", "use super::device_task::{DeviceTask, handshake};"),
            ("device_task", "use super::devices::{DeviceEvent, Reports};"),
        ]));
        assert_eq!(found.unwrap(), ["device_task", "devices", "device_task"]);
    }

    #[test]
    fn a_longer_loop_through_grouped_and_crate_paths_is_a_cycle() {
        let found = import_cycle(&modules(&[
            ("a", "use super::{b::X, precise};"),
            ("b", "fn f() { crate::runtime::c::go() }"),
            ("c", "use super::a;"),
            ("precise", ""),
        ]));
        assert_eq!(found.unwrap(), ["a", "b", "c", "a"]);
    }

    #[test]
    fn modules_sharing_a_third_have_no_cycle() {
        let found = import_cycle(&modules(&[
            ("devices", "use super::device_task::DeviceTask;\nuse super::route::Routes;"),
            ("device_task", "use super::route::{Queued, Routes};\nuse super::super::Error;"),
            ("route", "use super::backlog::Ticket;\nuse crate::request::DeviceRequest;"),
            (
                "backlog",
                "// super::route would be a cycle, but this is a comment\nuse std::sync::Arc;",
            ),
        ]));
        assert_eq!(found, None);
    }
}
