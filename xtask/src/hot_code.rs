//! `cargo xtask hot-code`: writes `crates/bpio-engine/hot-code.ld`, the linker script that puts
//! the functions the engine runs next to each other at the start of its code, and the constants
//! it reads at the start of its read-only data.
//!
//! Linux maps up to 64 KiB of a program's file around each page a fault touches (fault-around),
//! so functions the engine runs, scattered over 11 MB of code, made about 6 MiB of it resident
//! (docs/PERFORMANCE.md, "Where the memory goes"). The script lists them, by input section,
//! first in the output section `.text`; LLD appends every other function after them, in its
//! usual order. A separate output section would do the same for GNU ld too, but tools that look
//! for a program's code in `.text` alone (valgrind among them) would no longer name these
//! functions. The script's second half does the same for constants in `.rodata` (`hot_data.rs`).
//!
//! The functions come from running the release engine under valgrind's callgrind through three
//! workloads: `bpio-bench measure` with fake websocket devices (a client's handshake, commands,
//! floods, stops, 200 more devices coming and going, so that the code of many devices counts),
//! and `bpio-bench soak` on `--simulate` (scanning and every simulated output) and on a fake
//! websocket device at 100 Hz. The engine is linked with a map, which names the input section
//! each function is in: usually `.text.SYMBOL`, but a function LLVM merged with an identical one
//! lives in that one's section.
//! Symbol and section names carry hashes of the crates' build settings: they hold for the engine
//! built as `cargo build --release -p bpio-engine` with this Cargo.lock and toolchain. A name
//! that no longer exists matches nothing and costs nothing; run this again after updating
//! dependencies or the toolchain.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::bench;

/// Where the script goes, relative to the workspace root.
const SCRIPT: &str = "crates/bpio-engine/hot-code.ld";

/// Time a profiled engine has to write its profile and exit after SIGTERM.
const EXIT_PATIENCE: Duration = Duration::from_secs(60);

pub(crate) fn run(root: &Path) -> Result<()> {
    let valgrind = std::process::Command::new("valgrind").arg("--version").output();
    if !valgrind.is_ok_and(|output| output.status.success()) {
        bail!("cargo xtask hot-code needs valgrind (Debian: apt install valgrind)");
    }
    let out = bench::target_dir(root).join("hot-code");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    // The map names the input section of every function (some share one, when LLVM merged
    // identical functions) and where every constant went.
    let (engine, map) = crate::hot_data::build_with_map(root, &out)?;
    crate::cargo(root, &["build", "--release", "--package", "bpio-bench"], &[])?;
    let bench = engine.with_file_name("bpio-bench");

    let mut cost = HashMap::new();
    for workload in [Workload::WebsocketDevices, Workload::Simulated, Workload::WebsocketSoak] {
        let profile = out.join(format!("{}.callgrind", workload.name()));
        crate::step(&format!("bpio-engine under callgrind: {}", workload.name()));
        workload.profile(&bench, &engine, &profile, &out)?;
        let text = std::fs::read_to_string(&profile)
            .with_context(|| format!("reading {}", profile.display()))?;
        for (symbol, ir) in executed_functions(&text, "bpio-engine") {
            *cost.entry(symbol).or_insert(0) += ir;
        }
    }
    let code_sections = crate::hot_data::input_sections(&map, ".text");
    let sections: HashMap<&str, &str> = code_sections
        .iter()
        .flat_map(|section| {
            section.symbols.iter().map(|symbol| (symbol.as_str(), section.name.as_str()))
        })
        .collect();
    let code = linker_script(&cost, &sections);
    let data = crate::hot_data::run(&map, &engine, &bench, &out)?;
    let path = root.join(SCRIPT);
    std::fs::write(&path, format!("{code}\n{data}"))
        .with_context(|| format!("writing {}", path.display()))?;
    crate::step(&format!("{} functions and the constants written to {SCRIPT}", cost.len()));
    Ok(())
}

/// Says how many of the script's functions `engine` has, by `nm` when there is one: a share well
/// below all of them means the names moved (updated dependencies or toolchain), and
/// `cargo xtask hot-code` should run again before memory is measured.
pub(crate) fn report_matches(root: &Path, engine: &Path) {
    let Ok(script) = std::fs::read_to_string(root.join(SCRIPT)) else { return };
    let Ok(output) = std::process::Command::new("nm").arg("--defined-only").arg(engine).output()
    else {
        return;
    };
    let symbols: std::collections::HashSet<&str> = std::str::from_utf8(&output.stdout)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_whitespace().nth(2))
        .map(|symbol| symbol.split_once(".llvm.").map_or(symbol, |(base, _)| base))
        .collect();
    let listed: Vec<&str> = script
        .lines()
        .filter_map(|line| line.trim().strip_prefix("*(.text.")?.split_whitespace().next())
        .map(|pattern| pattern.strip_suffix(".llvm.*").unwrap_or(pattern))
        .collect();
    let found = listed.iter().filter(|symbol| symbols.contains(*symbol)).count();
    crate::step(&format!(
        "{SCRIPT}: {found} of its {} functions are in the engine{}",
        listed.len(),
        if found * 100 < listed.len() * 95 { "; run `cargo xtask hot-code`" } else { "" }
    ));
}

/// What the profiled engine is put through.
#[derive(Clone, Copy)]
enum Workload {
    /// `bpio-bench measure`, shortened, with fake websocket devices.
    WebsocketDevices,
    /// `--simulate`, scanned and every output driven by `bpio-bench soak`.
    Simulated,
    /// A fake websocket device driven at 100 Hz by `bpio-bench soak`, as a user's toy is.
    WebsocketSoak,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Self::WebsocketDevices => "websocket-devices",
            Self::Simulated => "simulated",
            Self::WebsocketSoak => "websocket-soak",
        }
    }

    fn profile(self, bench: &Path, engine: &Path, profile: &Path, out: &Path) -> Result<()> {
        let profile_arg = format!("--callgrind-out-file={}", profile.display());
        let launcher = [
            "valgrind",
            "--tool=callgrind",
            "--demangle=no",
            "--dump-instr=no",
            "--dump-line=no",
            &profile_arg,
        ];
        let name = format!("hot-code-{}", self.name());
        let server = match self {
            Self::WebsocketDevices => {
                let (server, port, device_port) =
                    bench::with_devices(&launcher, bench, engine, &name, &[], out)?;
                let options = [
                    "--handshakes",
                    "3",
                    "--round-trips",
                    "200",
                    "--latency-samples",
                    "100",
                    "--pipelined",
                    "500",
                    "--stop-rounds",
                    "2",
                    "--extra-devices",
                    "200",
                    "--extra-device-steps=200",
                ];
                let output = out.join(format!("{name}.json"));
                bench::measure(bench, &server, (&port, &device_port), &options, &output)?;
                server
            }
            Self::Simulated => {
                let port = bench::free_port()?.to_string();
                let log = out.join(format!("{name}.log"));
                let args = ["--simulate", "--websocket-port", &port];
                let mut server = bench::Server::start_under(&launcher, engine, &args, &log)?;
                server.wait_listening(&port)?;
                let (url, pid) = (format!("ws://127.0.0.1:{port}"), server.pid().to_string());
                let args = [
                    "soak",
                    "--url",
                    &url,
                    "--pid",
                    &pid,
                    "--devices",
                    "5",
                    "--rate-hz",
                    "20",
                    "--warmup-secs",
                    "1",
                    "--secs",
                    "3",
                    "--json",
                ];
                bench::tool(bench, &args, &out.join(format!("{name}.json")))?;
                server
            }
            Self::WebsocketSoak => {
                let (server, port, device_port) =
                    bench::with_devices(&launcher, bench, engine, &name, &[], out)?;
                let options = ["--fake-devices", "1", "--warmup-secs", "1", "--secs", "3"];
                let output = out.join(format!("{name}.json"));
                let ports = (port.as_str(), device_port.as_str());
                bench::with_device_url(bench, "soak", &server, ports, &options, &output)?;
                server
            }
        };
        let status = server.stop(EXIT_PATIENCE)?;
        if !status.success() {
            bail!("the profiled engine exited with {status}");
        }
        Ok(())
    }
}

/// The functions of the object whose path ends in `/{object}` that ran, by symbol, with the
/// instructions each ran itself (callgrind's first event), from a callgrind profile.
///
/// The format (valgrind's "Callgrind Format Specification"): `ob=`, `fn=` and `cfn=` lines name
/// the current object, function and callee (`cob=` the callee's object), the first time as
/// `(id) name` and later by `(id)` alone, wherever that first time is; a cost line (`positions… events…`) following a `calls=` line is the call's inclusive
/// cost, any other cost line belongs to the current function itself.
pub(crate) fn executed_functions(profile: &str, object: &str) -> HashMap<String, u64> {
    let suffix = format!("/{object}");
    let mut objects = HashMap::new();
    let mut functions = HashMap::new();
    let mut positions = 1;
    let (mut in_object, mut function, mut after_call) = (false, None::<String>, false);
    let mut cost: HashMap<String, u64> = HashMap::new();
    for line in profile.lines() {
        if let Some(kinds) = line.strip_prefix("positions:") {
            positions = kinds.split_whitespace().count();
        } else if let Some(name) = line.strip_prefix("ob=") {
            in_object = compressed(&mut objects, name).ends_with(&suffix);
        } else if let Some(name) = line.strip_prefix("fn=") {
            let name = compressed(&mut functions, name);
            function = (in_object && is_symbol(name)).then(|| plain_symbol(name).to_owned());
            if let Some(symbol) = &function {
                cost.entry(symbol.clone()).or_insert(0);
            }
            after_call = false;
        } else if let Some(name) = line.strip_prefix("cob=") {
            compressed(&mut objects, name);
        } else if let Some(name) = line.strip_prefix("cfn=") {
            compressed(&mut functions, name);
        } else if line.starts_with("calls=") {
            after_call = true;
        } else if line.starts_with(|c: char| c.is_ascii_digit() || "+-*".contains(c)) {
            if std::mem::take(&mut after_call) {
                continue;
            }
            let ir = line.split_whitespace().nth(positions).and_then(|n| n.parse::<u64>().ok());
            if let (Some(symbol), Some(ir)) = (&function, ir) {
                *cost.entry(symbol.clone()).or_insert(0) += ir;
            }
        }
    }
    cost
}

/// The name of a compressed `(id) name` or `(id)` reference, remembering new ones in `table`.
fn compressed<'a>(table: &'a mut HashMap<String, String>, text: &str) -> &'a str {
    let text = text.trim();
    let (id, name) = match text.strip_prefix('(').and_then(|rest| rest.split_once(')')) {
        Some((id, name)) => (id.to_owned(), name.trim()),
        None => (text.to_owned(), text),
    };
    if !name.is_empty() {
        table.insert(id.clone(), name.to_owned());
    }
    table.get(&id).map_or("", String::as_str)
}

/// A symbol as callgrind names it: a mangled name, possibly with callgrind's `'N` recursion
/// mark; not a placeholder such as `(below main)` or an address.
fn is_symbol(name: &str) -> bool {
    let name = plain_symbol(name);
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && !name.starts_with("0x")
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "_.$".contains(c))
}

/// `name` without callgrind's recursion mark (`'2`).
fn plain_symbol(name: &str) -> &str {
    name.split_once('\'').map_or(name, |(symbol, _)| symbol)
}

/// The linker script: the functions of `cost` first in `.text`, the most run first (by the
/// power of two of their cost). A function is in the input section `sections` names for it,
/// else in `.text.SYMBOL`; either may be `.text.unlikely.…` when the function is marked cold,
/// so both are listed. A `.llvm.N` suffix, which LLVM derives from the module and which moves
/// with any change to it, is matched by a wildcard.
pub(crate) fn linker_script(cost: &HashMap<String, u64>, sections: &HashMap<&str, &str>) -> String {
    // By the power of two of the cost, then by name: the most run still come first, and a
    // profile run again moves few lines of the script.
    let mut functions: Vec<(&String, &u64)> = cost.iter().collect();
    functions.sort_by_key(|(symbol, ir)| (std::cmp::Reverse(ir.checked_ilog2()), *symbol));
    let mut script = String::from(
        "/* The functions bpio-engine runs, placed together so that fewer pages of its code are\n   \
         resident. Written by `cargo xtask hot-code`; see xtask/src/hot_code.rs. */\n\
         SECTIONS\n{\n  .text : {\n",
    );
    let mut seen = std::collections::HashSet::new();
    for (symbol, _) in functions {
        // LLVM merges identical functions into one, whose section keeps the first one's name.
        let name = sections.get(symbol.as_str()).map_or(symbol.as_str(), |section| {
            section
                .strip_prefix(".text.unlikely.")
                .or_else(|| section.strip_prefix(".text."))
                .unwrap_or(symbol)
        });
        let pattern = match name.split_once(".llvm.") {
            Some((base, _)) => format!("{base}.llvm.*"),
            None => name.to_owned(),
        };
        if seen.insert(pattern.clone()) {
            script.push_str(&format!("    *(.text.{pattern} .text.unlikely.{pattern})\n"));
        }
    }
    script.push_str("  }\n}\nINSERT BEFORE .init;\n");
    script
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A profile in callgrind's compressed form: two objects, the engine first named as a callee's,
    /// a call whose inclusive cost must not count as the caller's own, a recursion mark and a
    /// placeholder.
    const PROFILE: &str = "\
version: 1
positions: line
events: Ir
summary: 1000

ob=(1) /usr/lib/libc.so.6
fn=(1) memcpy
3 50
cob=(2) /opt/bin/bpio-engine
cfn=(2) _ZN4bpio3hot17h0123456789abcdefE
calls=1 0
4 20

ob=(2)
fn=(2)
10 7
+1 3
cob=(1)
cfn=(1)
calls=1 0
11 50
12 1
fn=(3) _ZN4bpio4cold17hfedcba9876543210E.llvm.123456
20 4
fn=(4) _ZN4bpio5again17h1111111111111111E'2
30 2
fn=(5) (below main)
40 9
ob=(1)
fn=(1)
5 10
ob=(2)
fn=(2)
13 5
";

    #[test]
    fn a_profile_gives_the_objects_functions_with_their_own_instructions() {
        let cost = executed_functions(PROFILE, "bpio-engine");
        let mut found: Vec<(&str, u64)> = cost.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        found.sort_unstable();
        assert_eq!(
            found,
            [
                ("_ZN4bpio3hot17h0123456789abcdefE", 16),
                ("_ZN4bpio4cold17hfedcba9876543210E.llvm.123456", 4),
                ("_ZN4bpio5again17h1111111111111111E", 2),
            ]
        );
        assert!(executed_functions(PROFILE, "engine").is_empty(), "a whole file name is matched");
    }

    /// The script's lines for the profile's three functions.
    const HOT: &str = "    *(.text._ZN4bpio3hot17h0123456789abcdefE \
                       .text.unlikely._ZN4bpio3hot17h0123456789abcdefE)";
    const COLD: &str = "    *(.text._ZN4bpio4cold17hfedcba9876543210E.llvm.* \
                        .text.unlikely._ZN4bpio4cold17hfedcba9876543210E.llvm.*)";
    const AGAIN: &str = "    *(.text._ZN4bpio5again17h1111111111111111E \
                         .text.unlikely._ZN4bpio5again17h1111111111111111E)";

    /// The input-section lines of a script.
    fn listed(script: &str) -> Vec<&str> {
        script.lines().filter(|line| line.contains("*(")).collect()
    }

    #[test]
    fn the_script_lists_the_most_run_first_with_cold_sections_and_module_suffixes_matched() {
        let cost = executed_functions(PROFILE, "bpio-engine");
        let script = linker_script(&cost, &HashMap::new());
        assert_eq!(listed(&script), [HOT, COLD, AGAIN]);
        assert!(script.contains("SECTIONS\n{\n  .text : {\n"));
        assert!(script.trim_end().ends_with("INSERT BEFORE .init;"));
    }

    /// A function LLVM merged into another is listed by the section it lives in, once.
    #[test]
    fn a_merged_function_is_listed_by_its_section() {
        let cost = executed_functions(PROFILE, "bpio-engine");
        let sections = HashMap::from([
            ("_ZN4bpio5again17h1111111111111111E", ".text._ZN4bpio3hot17h0123456789abcdefE"),
            (
                "_ZN4bpio4cold17hfedcba9876543210E.llvm.123456",
                ".text.unlikely._ZN4bpio4cold17hfedcba9876543210E.llvm.123456",
            ),
        ]);
        assert_eq!(listed(&linker_script(&cost, &sections)), [HOT, COLD]);
    }
}
