//! `cargo xtask schema`: keeps our JSON Schema, the public schema and the golden v4 fixtures in
//! agreement.
//!
//! 1. `schema/bpio-v4.schema.json` must be a valid JSON Schema (checked against its meta-schema).
//! 2. Every fixture under `test_data/v4/ok/` (`ok/alias/` included) must be valid against our
//!    schema, through the entry point of its direction (`$defs/ClientTransmission` or
//!    `$defs/ServerTransmission`, chosen by the name of its first message).
//! 3. The same fixtures must be valid against the public schema, entered at
//!    `#/specs/MessageSpecV4`. Not the root: the root is the union of every spec version, so it
//!    would also pass a fixture that slipped in a v3 message or a v3 shape; `MessageSpecV4` is
//!    what the public schema claims a v4 message is, and it rejects everything the root rejects.
//!    Messages hit by a gap in [`PUBLIC_GAPS`] are left out of that check, and each of them must
//!    be rejected by the public schema on its own, so a gap that has been fixed upstream fails
//!    here instead of hiding a check.
//! 4. Every fixture under `test_data/v4/err/schema/` must be rejected by our schema's root (so
//!    whatever its direction). Inputs only the Rust parser can reject (broken JSON, map keys that
//!    differ from the index inside, min > max, `2.0` as an integer) live in `err/parse/`, which
//!    this check does not read.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use jsonschema::Validator;
use serde_json::Value;

/// Our schema, relative to the workspace root.
const OUR_SCHEMA: &str = "schema/bpio-v4.schema.json";
/// The public schema, relative to the workspace root (`../shared/` exists on every machine and in
/// CI).
const PUBLIC_SCHEMA: &str = "../shared/spec/buttplug-schema.json";
/// The public schema's list of v4 messages.
const PUBLIC_V4_ENTRY: &str = "#/specs/MessageSpecV4";
/// The v4 fixtures, relative to the workspace root.
const FIXTURES: &str = "crates/bpio-protocol/test_data/v4";
/// The fixtures of spec v0 to v3, relative to the workspace root: `v<N>/ok/`.
const LEGACY_FIXTURES: &str = "crates/bpio-protocol/test_data";

/// A message that the public schema rejects although docs/PROTOCOL.md or docs/VERSIONS.md allows
/// it.
///
/// Fixture messages matching a gap are checked against our schema only. `schema/README.md` lists
/// these and every other point where the public schema and docs/PROTOCOL.md disagree.
struct Gap {
    /// Short name, used in the report.
    name: &'static str,
    /// The spec versions whose public message set has the gap.
    versions: &'static [u32],
    /// Whether the array element `message` (`{"Name": {...}}`) is hit by this gap.
    matches: fn(&Value) -> bool,
}

const PUBLIC_GAPS: &[Gap] = &[
    // docs/PROTOCOL.md 6.4 and 13 (D2): `MessageSpecV4` (and every other version) lacks
    // `Disconnect`.
    Gap {
        name: "Disconnect",
        versions: &[4],
        matches: |message| message.get("Disconnect").is_some(),
    },
    // docs/PROTOCOL.md 6.12 and 13 (D13): any integer `Value`/`Duration` is well-typed and a
    // negative one is answered with ErrorCode 4; the public schema sets `minimum: 0` on both
    // parameters of `HwPositionWithDuration` (but on no other output type).
    Gap {
        name: "negative HwPositionWithDuration",
        versions: &[4],
        matches: |message| {
            message
                .pointer("/OutputCmd/Command/HwPositionWithDuration")
                .and_then(Value::as_object)
                .is_some_and(|parameters| {
                    parameters.values().any(|v| v.as_f64().is_some_and(|n| n < 0.0))
                })
        },
    },
    // docs/VERSIONS.md 2: `MessageSpecV0` and `MessageSpecV1` lack `ScanningFinished` (added in
    // v0).
    Gap {
        name: "ScanningFinished in v0/v1",
        versions: &[0, 1],
        matches: |message| message.get("ScanningFinished").is_some(),
    },
    // docs/VERSIONS.md 2.1: `MessageSpecV1` lacks `SingleMotorVibrateCmd` (deprecated, not
    // removed).
    Gap {
        name: "SingleMotorVibrateCmd in v1",
        versions: &[1],
        matches: |message| message.get("SingleMotorVibrateCmd").is_some(),
    },
    // docs/VERSIONS.md 2.1: `LovenseCmd` is defined but absent from
    // `MessageSpecV0`/`MessageSpecV1`; we recognise it so that its refusal carries its Id.
    Gap {
        name: "LovenseCmd in v0/v1",
        versions: &[0, 1],
        matches: |message| message.get("LovenseCmd").is_some(),
    },
    // docs/VERSIONS.md 2.1: `MessageSpecV3` lacks `VibrateCmd`, which v3 clients may still send.
    Gap {
        name: "VibrateCmd in v3",
        versions: &[3],
        matches: |message| message.get("VibrateCmd").is_some(),
    },
    // docs/VERSIONS.md 7.5: any integer `Duration` is well-typed (a negative one is ERROR_DEVICE);
    // the schema sets `minimum: 0`.
    Gap {
        name: "negative LinearCmd Duration",
        versions: &[1, 2, 3],
        matches: |message| {
            message.pointer("/LinearCmd/Vectors").and_then(Value::as_array).is_some_and(|vectors| {
                vectors.iter().any(|v| v["Duration"].as_f64().is_some_and(|d| d < 0.0))
            })
        },
    },
    // docs/VERSIONS.md 8.3: `RawReadCmd` also accepts the public spec's `ExpectedLength`; the
    // schema knows only `Length`.
    Gap {
        name: "RawReadCmd ExpectedLength",
        versions: &[2, 3],
        matches: |message| message.pointer("/RawReadCmd/ExpectedLength").is_some(),
    },
    // docs/VERSIONS.md 8.3: `RSSILevel` is a dBm integer (public spec); the schema says a number in
    // 0..1.
    Gap {
        name: "RSSILevelReading in dBm",
        versions: &[2],
        matches: |message| {
            message
                .pointer("/RSSILevelReading/RSSILevel")
                .and_then(Value::as_f64)
                .is_some_and(|level| !(0.0..=1.0).contains(&level))
        },
    },
];

pub(crate) fn run(root: &Path) -> Result<()> {
    let ours = load_json(&root.join(OUR_SCHEMA))?;
    if let Err(err) = jsonschema::meta::validate(&ours) {
        bail!("{OUR_SCHEMA} is not a valid JSON Schema: {err} (at {})", err.instance_path());
    }
    let our_root = compile(&ours, OUR_SCHEMA)?;
    let our_client = compile(&entry_point(&ours, "#/$defs/ClientTransmission")?, OUR_SCHEMA)?;
    let our_server = compile(&entry_point(&ours, "#/$defs/ServerTransmission")?, OUR_SCHEMA)?;
    let server_names = message_names(&ours, "/$defs/ServerMessage/properties")?;
    let public_path = root.join(PUBLIC_SCHEMA);
    let public = load_json(&public_path)?;
    let public_v4 = compile(&entry_point(&public, PUBLIC_V4_ENTRY)?, PUBLIC_SCHEMA)?;

    let fixtures = root.join(FIXTURES);
    let mut failures = Vec::new();
    let mut report = Report::default();

    for file in json_files(&fixtures.join("ok"))? {
        let name = display_name(&file, &fixtures);
        let transmission = load_json(&file)?;
        let to_client =
            first_message_name(&transmission).is_some_and(|n| server_names.contains(&n));
        let ours = if to_client { &our_server } else { &our_client };
        match ours.validate(&transmission) {
            Ok(()) => report.ok_ours += 1,
            Err(err) => failures.push(format!(
                "{name}: rejected by {OUR_SCHEMA}: {err} (at {})",
                err.instance_path()
            )),
        }
        let target = Public { version: 4, entry: PUBLIC_V4_ENTRY, validator: &public_v4 };
        check_public(&name, &transmission, &target, &mut report, &mut failures);
    }

    for version in 0..=3 {
        let entry = format!("#/specs/MessageSpecV{version}");
        let validator = compile(&entry_point(&public, &entry)?, PUBLIC_SCHEMA)?;
        let target = Public { version, entry: &entry, validator: &validator };
        let dir = root.join(LEGACY_FIXTURES).join(format!("v{version}"));
        for file in json_files(&dir.join("ok"))? {
            let name = display_name(&file, &root.join(LEGACY_FIXTURES));
            let transmission = load_json(&file)?;
            report.legacy_ok += 1;
            check_public(&name, &transmission, &target, &mut report, &mut failures);
        }
    }

    for file in json_files(&fixtures.join("err/schema"))? {
        let name = display_name(&file, &fixtures);
        let transmission = load_json(&file)?;
        if our_root.is_valid(&transmission) {
            failures.push(format!(
                "{name}: accepted by {OUR_SCHEMA}, but err/schema fixtures must be rejected"
            ));
        } else {
            report.err_rejected += 1;
        }
        if !public_v4.is_valid(&transmission) {
            report.err_public_rejected += 1;
        }
    }

    for gap in PUBLIC_GAPS {
        if !report.gap_hits.contains_key(gap.name) {
            failures.push(format!(
                "the public-schema gap `{}` matches no ok fixture: add one, or remove the gap",
                gap.name
            ));
        }
    }
    report.print(&failures);
    if !failures.is_empty() {
        bail!("schema check failed: {} problem(s)", failures.len());
    }
    Ok(())
}

/// Checks one ok fixture against the public schema: the messages outside every gap must be valid,
/// and each message inside a gap must be rejected on its own.
/// One per-version message set of the public schema.
struct Public<'a> {
    version: u32,
    entry: &'a str,
    validator: &'a Validator,
}

fn check_public(
    name: &str,
    transmission: &Value,
    public: &Public<'_>,
    report: &mut Report,
    failures: &mut Vec<String>,
) {
    let Some(messages) = transmission.as_array() else {
        failures.push(format!("{name}: an ok fixture must be a JSON array"));
        return;
    };
    let mut checked = Vec::new();
    let mut skipped = false;
    for message in messages {
        let Some(gap) = PUBLIC_GAPS
            .iter()
            .find(|gap| gap.versions.contains(&public.version) && (gap.matches)(message))
        else {
            checked.push(message.clone());
            continue;
        };
        skipped = true;
        *report.gap_hits.entry(gap.name).or_default() += 1;
        if public.validator.is_valid(&Value::Array(vec![message.clone()])) {
            failures.push(format!(
                "{name}: the public schema now accepts {message}; remove the gap `{}` from xtask/src/schema.rs \
                 and schema/README.md",
                gap.name
            ));
        }
    }
    if checked.is_empty() {
        report.public_skipped += 1;
        return;
    }
    match public.validator.validate(&Value::Array(checked)) {
        Ok(()) if skipped => report.public_partly += 1,
        Ok(()) => report.ok_public += 1,
        Err(err) => failures.push(format!(
            "{name}: rejected by the public schema ({}): {err} (at {}); if the public schema is wrong, \
             add a gap to xtask/src/schema.rs and schema/README.md",
            public.entry,
            err.instance_path()
        )),
    }
}

#[derive(Default)]
struct Report {
    ok_ours: usize,
    /// v0–v3 ok fixtures (checked against the public schema only).
    legacy_ok: usize,
    /// Fixtures checked against the public schema in full.
    ok_public: usize,
    /// Fixtures checked against the public schema without their gap messages.
    public_partly: usize,
    /// Fixtures made only of gap messages.
    public_skipped: usize,
    /// Gap messages per gap.
    gap_hits: std::collections::BTreeMap<&'static str, usize>,
    err_rejected: usize,
    err_public_rejected: usize,
}

impl Report {
    #[allow(clippy::print_stdout)]
    fn print(&self, failures: &[String]) {
        for failure in failures {
            println!("schema: FAIL {failure}");
        }
        let mut gaps = String::new();
        for (gap, count) in &self.gap_hits {
            let sep = if gaps.is_empty() { "" } else { ", " };
            let _ = write!(gaps, "{sep}{count} {gap}");
        }
        println!(
            "schema: {} v4 ok fixtures valid against bpio-v4 schema; {} v4 and {} v0-v3 ok fixtures, \
             {} of them valid against the public schema's per-version sets \
             ({} skipped, {} partly; gap messages, each rejected by it: {}), \
             {} err fixtures rejected ({} also by the public schema)",
            self.ok_ours,
            self.ok_ours,
            self.legacy_ok,
            self.ok_public + self.public_partly,
            self.public_skipped,
            self.public_partly,
            if gaps.is_empty() { "none" } else { &gaps },
            self.err_rejected,
            self.err_public_rejected,
        );
    }
}

fn load_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {} as JSON", path.display()))
}

fn compile(schema: &Value, what: &str) -> Result<Validator> {
    jsonschema::validator_for(schema).map_err(|err| anyhow::anyhow!("compiling {what}: {err}"))
}

/// The schema document with its root replaced by a reference to `pointer` (`#/...`), so one of
/// its definitions can be used as the entry point while its references still resolve.
fn entry_point(schema: &Value, pointer: &str) -> Result<Value> {
    let target = pointer.strip_prefix('#').unwrap_or(pointer);
    if schema.pointer(target).is_none() {
        bail!("schema has no {pointer}");
    }
    let mut document = schema.clone();
    let Some(object) = document.as_object_mut() else { bail!("schema root is not an object") };
    for keyword in ["anyOf", "oneOf", "allOf", "$ref"] {
        object.remove(keyword);
    }
    object.insert("$ref".to_owned(), Value::String(pointer.to_owned()));
    Ok(document)
}

/// The keys of the object at `pointer` in `schema`: the message names of one direction.
fn message_names(schema: &Value, pointer: &str) -> Result<Vec<String>> {
    let names = schema
        .pointer(pointer)
        .and_then(Value::as_object)
        .with_context(|| format!("{OUR_SCHEMA} has no {pointer}"))?;
    Ok(names.keys().cloned().collect())
}

fn first_message_name(transmission: &Value) -> Option<String> {
    transmission.as_array()?.first()?.as_object()?.keys().next().cloned()
}

/// Every `.json` file below `dir`, sorted.
fn json_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .with_context(|| format!("reading directory {}", dir.display()))?;
        for entry in entries {
            let path =
                entry.with_context(|| format!("reading directory {}", dir.display()))?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    if files.is_empty() {
        bail!("no fixtures in {}", dir.display());
    }
    Ok(files)
}

fn display_name(file: &Path, fixtures: &Path) -> String {
    file.strip_prefix(fixtures).unwrap_or(file).display().to_string()
}
