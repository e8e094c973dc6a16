//! Link settings of the engine's programs.
//!
//! On Linux with glibc, the relative relocations of the position-independent executable are
//! packed (`DT_RELR`, `-z pack-relative-relocs`): about 400 KB of `.rela.dyn` that the dynamic
//! loader reads at every start, and that stayed resident, become a few KB. GNU ld 2.38 and lld
//! 15 write it, and glibc 2.36 reads it; a linker that does not know the option ignores it with a
//! warning, and the relocations stay as they were.

fn main() {
    let target = |key: &str| std::env::var(key).unwrap_or_default();
    if target("CARGO_CFG_TARGET_OS") == "linux" && target("CARGO_CFG_TARGET_ENV") == "gnu" {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
