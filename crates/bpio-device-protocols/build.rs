//! Finds every protocol under `src/protocols/` and writes their module declarations and the
//! registry table, so that adding a protocol is adding its file and nothing else.
//!
//! The layout (also in docs/ARCHITECTURE.md):
//! - `src/protocols/<name>.rs`: a protocol on its own;
//! - `src/protocols/<family>/<member>.rs`: a protocol of a family, whose shared code is in
//!   `src/protocols/<family>/common.rs`;
//! - `src/protocols/common/`: code several families share; `src/protocols/mod.rs`: the module
//!   that includes what this script writes.
//!
//! Each protocol file declares `pub(crate) const NAME: &str = "<database name>";` and
//! `pub(crate) fn create(..)`. The script reads the name to sort the table; the compiler checks
//! the rest.

// A build script reports failure by panicking: cargo shows the message.
#![allow(clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// One protocol file.
struct Found {
    /// The database name, from the file's `NAME`.
    name: String,
    /// The module path below `protocols`, e.g. `svakom::v1`.
    module: String,
}

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let protocols = root.join("src").join("protocols");
    println!("cargo:rerun-if-changed={}", protocols.display());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    match generate(&protocols) {
        Ok(code) => fs::write(out.join("protocols.rs"), code).expect("OUT_DIR is writable"),
        Err(message) => panic!("src/protocols: {message}"),
    }
}

fn generate(dir: &Path) -> Result<String, String> {
    let mut code =
        String::from("// Written by build.rs from the files in src/protocols/; do not edit.\n\n");
    let mut found = Vec::new();
    for entry in sorted_entries(dir)? {
        let stem = module_name(&entry)?;
        if entry.is_dir() {
            if stem == "common" {
                continue;
            }
            family(&mut code, &mut found, &entry, &stem)?;
        } else if is_rust(&entry) && stem != "mod" {
            let _ = writeln!(code, "#[path = {:?}]\npub(crate) mod {stem};", path_str(&entry)?);
            found.push(Found { name: protocol_name(&entry)?, module: stem });
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(pair) = found.windows(2).find(|pair| pair[0].name == pair[1].name) {
        return Err(format!("two protocols are named {:?}", pair[0].name));
    }
    code.push_str("\n/// Every protocol, sorted by database name.\n");
    code.push_str("pub(crate) const ENTRIES: &[crate::registry::ProtocolEntry] = &[\n");
    for Found { module, .. } in &found {
        let _ = writeln!(
            code,
            "    crate::registry::ProtocolEntry {{ name: {module}::NAME, create: {module}::create }},"
        );
    }
    code.push_str("];\n");
    Ok(code)
}

/// A family folder: its `common.rs` (private to the family) and one module per other file.
fn family(
    code: &mut String,
    found: &mut Vec<Found>,
    dir: &Path,
    family: &str,
) -> Result<(), String> {
    // A member may share its family's name (`galaku/galaku.rs`): that reads well as a path.
    let _ = writeln!(code, "#[allow(clippy::module_inception)]\npub(crate) mod {family} {{");
    let mut members = 0;
    for entry in sorted_entries(dir)? {
        if !is_rust(&entry) {
            return Err(format!("{}: a family folder holds only .rs files", entry.display()));
        }
        let stem = module_name(&entry)?;
        let path = path_str(&entry)?;
        if stem == "common" {
            let _ = writeln!(code, "    #[path = {path:?}]\n    mod common;");
        } else if stem == "mod" {
            return Err(format!("{}: family code goes in common.rs", entry.display()));
        } else {
            let _ = writeln!(code, "    #[path = {path:?}]\n    pub(crate) mod {stem};");
            found.push(Found { name: protocol_name(&entry)?, module: format!("{family}::{stem}") });
            members += 1;
        }
    }
    code.push_str("}\n");
    if members == 0 {
        return Err(format!("{}: a family without protocols", dir.display()));
    }
    Ok(())
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let read = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut entries = read
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    entries.sort();
    Ok(entries)
}

fn is_rust(path: &Path) -> bool {
    path.is_file() && path.extension().is_some_and(|extension| extension == "rs")
}

fn module_name(path: &Path) -> Result<String, String> {
    let stem = path.file_stem().and_then(|stem| stem.to_str()).unwrap_or_default();
    let valid = stem.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && stem.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(stem.to_owned())
    } else {
        Err(format!("{}: not a module name (lower case, digits, `_`)", path.display()))
    }
}

fn path_str(path: &Path) -> Result<&str, String> {
    path.to_str().ok_or_else(|| format!("{}: the path is not UTF-8", path.display()))
}

/// The string of the file's `const NAME: &str = "…";`.
fn protocol_name(path: &Path) -> Result<String, String> {
    const DECLARATION: &str = "const NAME: &str = \"";
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .filter_map(|line| line.split_once(DECLARATION))
        .find(|(before, _)| before.trim() == "pub(crate)")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(name, _)| name.to_owned())
        .ok_or_else(|| format!("{}: no `pub(crate) {DECLARATION}…\";`", path.display()))
}
