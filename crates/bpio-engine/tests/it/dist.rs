//! The shell completions and man page in `dist/` are what the engine's flags generate now:
//! `cargo xtask man` writes them again after a flag changes.

use std::path::Path;

#[path = "../../examples/dist.rs"]
#[allow(dead_code)]
mod example;

#[test]
fn dist_holds_the_current_completions_and_man_page() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("dist");
    let files = example::files().unwrap();
    let stale: Vec<&str> = files
        .iter()
        .filter(|(name, content)| std::fs::read(dir.join(name)).ok().as_ref() != Some(content))
        .map(|(name, _)| name.as_str())
        .collect();
    let extra: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                .filter(|name| !files.iter().any(|(generated, _)| generated == name))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "dist/ is out of date (missing or changed: {stale:?}; not generated: {extra:?}): \
         run `cargo xtask man`"
    );
}
