//! `cargo xtask coverage [--db <file>]`: how much of a public device database the implemented
//! protocols cover.
//!
//! A protocol counts as supported when `bpio-device-protocols` registers it and it has vector
//! files (`test_data/<protocol>/*.toml`), which its tests run through the state machine and the
//! whole server path. Configurations are counted per protocol from the database file given
//! (default: the public v5 file beside the project).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use bpio_device_config::BaseDatabase;

const DEFAULT_DB: &str = "../shared/device-config/buttplug-device-config-v5.json";
const VECTORS: &str = "crates/bpio-device-protocols/test_data";

pub(crate) fn run(root: &Path, args: &[String]) -> Result<()> {
    let db = match args {
        [] => root.join(DEFAULT_DB),
        [flag, path] if flag == "--db" => PathBuf::from(path),
        _ => bail!("usage: cargo xtask coverage [--db <file>]"),
    };
    let text = std::fs::read_to_string(&db).with_context(|| format!("reading {}", db.display()))?;
    let database =
        BaseDatabase::from_json(&text).with_context(|| format!("loading {}", db.display()))?;
    let vectors = root.join(VECTORS);
    let table = Coverage::new(&database, |name| {
        bpio_device_protocols::registry::is_implemented(name) && has_vectors(&vectors, name)
    });
    print_report(&table.render());
    Ok(())
}

#[allow(clippy::print_stdout)] // The report is the command's output.
fn print_report(report: &str) {
    print!("{report}");
}

/// Whether `dir/<protocol>/` holds a vector file.
fn has_vectors(dir: &Path, protocol: &str) -> bool {
    std::fs::read_dir(dir.join(protocol)).is_ok_and(|entries| {
        entries.flatten().any(|entry| entry.path().extension().is_some_and(|ext| ext == "toml"))
    })
}

/// One protocol of the database.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    name: String,
    configurations: usize,
    supported: bool,
}

/// Every protocol of a database, most configurations first (ties by name).
#[derive(Debug)]
struct Coverage {
    rows: Vec<Row>,
}

impl Coverage {
    fn new(database: &BaseDatabase, supported: impl Fn(&str) -> bool) -> Self {
        let mut rows: Vec<Row> = database
            .protocols()
            .iter()
            .map(|protocol| Row {
                name: protocol.name.clone(),
                configurations: protocol.configurations.len(),
                supported: supported(&protocol.name),
            })
            .collect();
        rows.sort_by(|a, b| b.configurations.cmp(&a.configurations).then(a.name.cmp(&b.name)));
        Self { rows }
    }

    fn render(&self) -> String {
        let (supported, missing): (Vec<&Row>, Vec<&Row>) =
            self.rows.iter().partition(|row| row.supported);
        let covered: usize = supported.iter().map(|row| row.configurations).sum();
        let total: usize = self.rows.iter().map(|row| row.configurations).sum();
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = writeln!(out, "supported ({}):", supported.len());
        for row in &supported {
            let _ = writeln!(out, "  {:<32} {:>4}", row.name, row.configurations);
        }
        let _ = writeln!(out, "not yet supported ({}), most configurations first:", missing.len());
        for row in &missing {
            let _ = writeln!(out, "  {:<32} {:>4}", row.name, row.configurations);
        }
        let _ = writeln!(
            out,
            "coverage: {}/{} protocols, {covered}/{total} device configurations ({})",
            supported.len(),
            self.rows.len(),
            percent(covered, total)
        );
        out
    }
}

/// `part` of `whole` as a percentage with one decimal.
fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "0.0%".to_owned();
    }
    // Tenths of a percent, rounded half up, in integers.
    let tenths = (part * 2000 + whole) / (2 * whole);
    format!("{}.{}%", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DB: &str = r#"{
      "version": {"major": 5, "minor": 0},
      "protocols": {
        "alpha": {"communication": [{"btle": {"names": ["A"], "services": {}}}],
                  "defaults": {"id": "00000000-0000-4000-8000-000000000001", "name": "A",
                    "features": [{"id": "00000000-0000-4000-8000-000000000002", "index": 0,
                      "output": {"vibrate": {"value": [0, 10]}}}]},
                  "configurations": [
                    {"id": "00000000-0000-4000-8000-000000000003", "identifier": ["A1"], "name": "A1"},
                    {"id": "00000000-0000-4000-8000-000000000004", "identifier": ["A2"], "name": "A2"}]},
        "beta": {"communication": [{"btle": {"names": ["B"], "services": {}}}],
                 "defaults": {"id": "00000000-0000-4000-8000-000000000005", "name": "B",
                   "features": [{"id": "00000000-0000-4000-8000-000000000006", "index": 0,
                     "output": {"vibrate": {"value": [0, 10]}}}]},
                 "configurations": [
                   {"id": "00000000-0000-4000-8000-000000000007", "identifier": ["B1"], "name": "B1"}]},
        "gamma": {"communication": [{"btle": {"names": ["C"], "services": {}}}],
                  "defaults": {"id": "00000000-0000-4000-8000-000000000008", "name": "C",
                    "features": [{"id": "00000000-0000-4000-8000-000000000009", "index": 0,
                      "output": {"vibrate": {"value": [0, 10]}}}]}}
      }
    }"#;

    #[test]
    fn counts_configurations_of_supported_protocols() {
        let database = BaseDatabase::from_json(DB).unwrap();
        let report = Coverage::new(&database, |name| name == "beta").render();
        let expected = "\
supported (1):
  beta                                1
not yet supported (2), most configurations first:
  alpha                               2
  gamma                               0
coverage: 1/3 protocols, 1/3 device configurations (33.3%)
";
        assert_eq!(report, expected);
    }

    #[test]
    fn percentages_round_to_one_decimal() {
        assert_eq!(percent(0, 806), "0.0%");
        assert_eq!(percent(806, 806), "100.0%");
        assert_eq!(percent(2, 3), "66.7%");
        assert_eq!(percent(1, 0), "0.0%");
    }

    #[test]
    fn the_real_database_has_every_protocol() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let text = std::fs::read_to_string(root.join(DEFAULT_DB)).unwrap();
        let database = BaseDatabase::from_json(&text).unwrap();
        let report = Coverage::new(&database, |name| name == "lovense").render();
        let last = report.lines().last().unwrap();
        assert_eq!(last, "coverage: 1/149 protocols, 36/806 device configurations (4.5%)");
    }
}
