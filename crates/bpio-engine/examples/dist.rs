//! Writes the engine's shell completions and man page, generated from its flags, into a folder:
//! `cargo xtask man` runs it for `crates/bpio-engine/dist/`, and a test checks that the committed
//! files are what it writes.
//!
//! ```sh
//! cargo run -p bpio-engine --example dist -- crates/bpio-engine/dist
//! ```

use std::path::PathBuf;

use anyhow::{Context, Result};
use bpio_engine::Options;
use clap::{CommandFactory, ValueEnum};
use clap_complete::{Generator, Shell};

/// The program the files describe.
const BIN: &str = "bpio-engine";

/// Every generated file: its name in the folder and its content.
pub(crate) fn files() -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for shell in Shell::value_variants() {
        let mut content = Vec::new();
        clap_complete::generate(*shell, &mut Options::command(), BIN, &mut content);
        files.push((shell.file_name(BIN), content));
    }
    // The man page names the version; the engine's own `--version` flag is not clap's, so the
    // command is told it here.
    let command = Options::command().version(env!("CARGO_PKG_VERSION"));
    let man = clap_mangen::Man::new(command);
    let mut content = Vec::new();
    man.render(&mut content).context("rendering the man page")?;
    files.push((man.get_filename(), content));
    Ok(files)
}

fn main() -> Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dist"), PathBuf::from);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for (name, content) in files()? {
        let path = dir.join(name);
        std::fs::write(&path, content).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
