//! Packs the embedded device database, the protocol files in `db/`, into one zlib stream that
//! `src/embedded/packed.rs` compiles in.
//!
//! The JSON files stay the reviewable source (`cargo xtask import-device-db` writes them); the
//! program carries them compressed, 80 KB instead of 410 KB of text, and unpacks them into a
//! buffer that lives only while the database is parsed. The stream holds, for each file in name
//! order, the protocol name, a newline, the file's text and a NUL (which JSON text never holds).

// A build script reports failure by panicking: cargo shows the message.
#![allow(clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

/// The best compression miniz offers: the stream is packed once per build and read at every
/// start.
const LEVEL: u8 = 10;

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let db = root.join("db");
    println!("cargo::rerun-if-changed={}", db.display());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    match pack(&db) {
        Ok(packed) => {
            let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&packed, LEVEL);
            fs::write(out.join("db.zlib"), compressed).expect("OUT_DIR is writable");
        }
        Err(message) => panic!("db/: {message}"),
    }
}

/// Every `*.json` file of `dir`, in name order, as `name \n text \0`.
fn pack(dir: &Path) -> Result<Vec<u8>, String> {
    let entries = fs::read_dir(dir).map_err(|err| format!("cannot list: {err}"))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|err| format!("cannot list: {err}"))?.path();
        if path.extension().is_some_and(|ext| ext == "json") {
            files.push(path);
        }
    }
    // By protocol name, the order of the embedded database (`cowgirl` before `cowgirl-cone`).
    files.sort_by(|a, b| a.file_stem().cmp(&b.file_stem()));
    let mut packed = Vec::new();
    for path in files {
        let name = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .ok_or_else(|| format!("{} has no UTF-8 name", path.display()))?;
        let text = fs::read_to_string(&path)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        if name.contains('\n') || text.contains('\0') {
            return Err(format!("{} holds a separator of the packed form", path.display()));
        }
        packed.extend_from_slice(name.as_bytes());
        packed.push(b'\n');
        packed.extend_from_slice(text.as_bytes());
        packed.push(0);
    }
    Ok(packed)
}
