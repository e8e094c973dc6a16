//! Link settings of the engine's programs, on Linux with glibc.
//!
//! - The relative relocations of the position-independent executable are packed (`DT_RELR`,
//!   `-z pack-relative-relocs`): about 400 KB of `.rela.dyn` that the dynamic loader reads at
//!   every start, and that stayed resident, become a few KB. GNU ld 2.38 and lld 15 write it,
//!   and glibc 2.36 reads it; a linker that does not know the option ignores it with a warning,
//!   and the relocations stay as they were.
//! - `bpio-engine` is linked with `hot-code.ld`, which puts the functions the engine runs first
//!   in its code and the constants it reads first in its read-only data (`cargo xtask hot-code`
//!   writes it; docs/PERFORMANCE.md, "Where the memory goes"): about 4 MiB less of the program
//!   is resident. Only where rustc links with its own LLD (x86_64 since Rust 1.90) and the build
//!   names no linker of its own: GNU ld would read the script as a second `.text`.
//!   `BPIO_NO_HOT_CODE=1` links without it; `BPIO_LINK_MAP=PATH` also writes a link map there,
//!   which `cargo xtask hot-code` reads.

use std::process::Command;

fn main() {
    let var = |key: &str| std::env::var(key).unwrap_or_default();
    println!("cargo::rerun-if-env-changed=BPIO_NO_HOT_CODE");
    println!("cargo::rerun-if-env-changed=BPIO_LINK_MAP");
    println!("cargo::rerun-if-changed=hot-code.ld");
    if var("CARGO_CFG_TARGET_OS") != "linux" || var("CARGO_CFG_TARGET_ENV") != "gnu" {
        return;
    }
    println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    let flags = var("CARGO_ENCODED_RUSTFLAGS");
    let own_linker = !var("RUSTC_LINKER").is_empty()
        || flags.contains("linker")
        || flags.contains("fuse-ld")
        || flags.contains("link-self-contained");
    let rust_lld =
        var("CARGO_CFG_TARGET_ARCH") == "x86_64" && rustc_minor().is_some_and(|m| m >= 90);
    if var("BPIO_NO_HOT_CODE").is_empty() && rust_lld && !own_linker {
        let script = std::path::Path::new(&var("CARGO_MANIFEST_DIR")).join("hot-code.ld");
        println!("cargo::rustc-link-arg-bin=bpio-engine=-Wl,-T,{}", script.display());
        // Where each input section went, for `cargo xtask hot-code` to find the constants the
        // hot functions read. Link arguments only: the code and its symbol names stay the same.
        let map = var("BPIO_LINK_MAP");
        if !map.is_empty() {
            println!("cargo::rustc-link-arg-bin=bpio-engine=-Wl,-Map,{map},--no-demangle");
        }
    }
}

/// The minor version of the rustc that builds this crate (`rustc 1.95.0 (…)`).
fn rustc_minor() -> Option<u32> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let output = Command::new(rustc).arg("--version").output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    text.split_whitespace().nth(1)?.split('.').nth(1)?.parse().ok()
}
