//! `cargo xtask import-device-db [<public file>]`: regenerates the embedded device database of
//! `bpio-device-config` from a public base database (default: the public v5 file in `shared/`).
//!
//! The conversion itself lives in `bpio_device_config::embedded::generate`, so the crate's tests
//! can check that the committed files are what this command produces.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

const CRATE_DIR: &str = "crates/bpio-device-config";
const DEFAULT_SOURCE: &str = "../shared/device-config/buttplug-device-config-v5.json";

pub(crate) fn run(root: &Path, source: Option<&str>) -> Result<()> {
    let source = source.map_or_else(|| root.join(DEFAULT_SOURCE), PathBuf::from);
    let text = std::fs::read_to_string(&source)
        .with_context(|| format!("reading {}", source.display()))?;
    let files = bpio_device_config::embedded::generate(&text)
        .with_context(|| format!("converting {}", source.display()))?;
    let crate_dir = root.join(CRATE_DIR);
    let db_dir = crate_dir.join("db");
    std::fs::create_dir_all(&db_dir)?;
    // Remove protocol files the new source no longer has.
    let wanted: Vec<PathBuf> = files.iter().map(|file| crate_dir.join(&file.path)).collect();
    for entry in std::fs::read_dir(&db_dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "json") && !wanted.contains(&path) {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        }
    }
    let mut changed = 0_usize;
    for (file, path) in files.iter().zip(&wanted) {
        if std::fs::read_to_string(path).ok().as_deref() != Some(file.contents.as_str()) {
            std::fs::write(path, &file.contents)
                .with_context(|| format!("writing {}", path.display()))?;
            changed += 1;
        }
    }
    crate::step(&format!("import-device-db: {} files, {changed} changed", files.len()));
    Ok(())
}
