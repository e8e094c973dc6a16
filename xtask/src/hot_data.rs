//! The constants half of `hot-code.ld`: the `.rodata` input sections the engine reads, placed
//! first in its read-only data, as the functions it runs are placed first in its code.
//!
//! Constants are read through addresses the code computes, so no profile of calls finds them.
//! Valgrind's lackey traces every load instead: the engine, linked with a map of where each
//! input section went (`BPIO_LINK_MAP`, see `bpio-engine`'s `build.rs`), runs through a
//! shortened `bpio-bench measure`, and every load that falls in `.rodata` names its section.
//! Most constants are anonymous (`.rodata..Lanon.HASH.N`); their names carry the same hashes
//! as the functions' symbols and hold for the same build.

use std::collections::{BTreeSet, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::bench;

/// An input section in the link map: where it went, its size, its name and the symbols in it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Section {
    pub(crate) address: u64,
    pub(crate) size: u64,
    pub(crate) name: String,
    pub(crate) symbols: Vec<String>,
}

/// The input sections of output section `output` in an LLD link map (`-Map`, written with
/// `--no-demangle`), by address.
///
/// Each line is `VMA LMA Size Align` and then, indented by depth, an output section's name,
/// an input section as `file:(name)`, or a symbol inside the input section above it.
pub(crate) fn input_sections(map: &str, output: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut inside = false;
    for line in map.lines() {
        let mut fields = line.split_whitespace();
        let (Some(vma), Some(_lma), Some(size), Some(_align)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let (Ok(address), Ok(size)) = (u64::from_str_radix(vma, 16), u64::from_str_radix(size, 16))
        else {
            continue; // the header line
        };
        // What follows the four columns, with its indentation: 1 for an output section, 9 for
        // an input section, more for a symbol.
        let rest = after_columns(line, 4);
        let depth = rest.len() - rest.trim_start().len();
        if depth <= 1 {
            inside = rest.trim() == output;
            continue;
        }
        if !inside {
            continue;
        }
        if depth <= 9 {
            let name = rest.trim().rsplit_once(":(").and_then(|(_, name)| name.strip_suffix(')'));
            if let Some(name) = name {
                sections.push(Section { address, size, name: name.to_owned(), symbols: vec![] });
            }
        } else if let Some(section) = sections.last_mut() {
            section.symbols.push(rest.trim().to_owned());
        }
    }
    sections.sort_by_key(|section| section.address);
    sections
}

/// `line` after its first `count` whitespace-separated columns, with the spaces that follow.
fn after_columns(line: &str, count: usize) -> &str {
    let mut rest = line;
    for _ in 0..count {
        let column = rest.trim_start();
        rest = &column[column.find(char::is_whitespace).unwrap_or(column.len())..];
    }
    rest
}

/// The names of `sections` that any of `loads` (address and size, relative to where the engine
/// was loaded, sorted) read from, sorted.
pub(crate) fn read_sections(sections: &[Section], loads: &[(u64, u64)]) -> BTreeSet<String> {
    // No load is wider than this (a 64-byte vector register), so one that reaches into a
    // section starts at most this far before it.
    const WIDEST: u64 = 64;
    let mut read = BTreeSet::new();
    for section in sections {
        let (start, end) = (section.address, section.address + section.size.max(1));
        let from = loads.partition_point(|&(address, _)| address + WIDEST < start);
        let overlaps = loads[from..]
            .iter()
            .take_while(|&&(address, _)| address < end)
            .any(|&(address, size)| address + size.max(1) > start);
        if overlaps {
            read.insert(section.name.clone());
        }
    }
    read
}

/// The block of the linker script that puts `names` first in `.rodata`.
pub(crate) fn script(names: &BTreeSet<String>) -> String {
    let mut script = String::from(
        "/* The constants bpio-engine reads, by input section, first in .rodata (valgrind's\n   \
         lackey; see xtask/src/hot_data.rs). */\nSECTIONS\n{\n  .rodata : {\n",
    );
    for name in names {
        script.push_str(&format!("    *({name})\n"));
    }
    script.push_str("  }\n}\nINSERT AFTER .gcc_except_table;\n");
    script
}

/// Builds the release engine as `cargo xtask bench` does, with a link map (`BPIO_LINK_MAP`,
/// see `bpio-engine`'s `build.rs`), and returns the engine and the map's text.
pub(crate) fn build_with_map(root: &Path, out: &Path) -> Result<(PathBuf, String)> {
    let map_path = out.join("bpio-engine.map");
    let map_arg = map_path.to_str().context("the target directory is not UTF-8")?;
    crate::cargo(
        root,
        &["build", "--release", "--package", "bpio-engine"],
        &[("BPIO_LINK_MAP", map_arg)],
    )?;
    let map = std::fs::read_to_string(&map_path)
        .with_context(|| format!("reading {}", map_path.display()))?;
    Ok((bench::target_dir(root).join("release").join("bpio-engine"), map))
}

/// Runs `engine` (linked with `map`) under lackey and returns the script block for the
/// constants it read.
pub(crate) fn run(map: &str, engine: &Path, bench_tool: &Path, out: &Path) -> Result<String> {
    let sections = input_sections(map, ".rodata");
    if sections.is_empty() {
        bail!("the link map names no .rodata input sections");
    }

    crate::step("bpio-engine under lackey: the constants it reads");
    let fifo = out.join("lackey.fifo");
    let _ = std::fs::remove_file(&fifo);
    let status = Command::new("mkfifo").arg(&fifo).status().context("running mkfifo")?;
    if !status.success() {
        bail!("mkfifo {} failed", fifo.display());
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || loads(&fifo))
    };
    let log_arg = format!("--log-file={}", fifo.display());
    let launcher = ["valgrind", "--tool=lackey", "--trace-mem=yes", &log_arg];
    let (server, port, device_port) =
        bench::with_devices(&launcher, bench_tool, engine, "hot-data", &[], out)?;
    let base = load_base(server.pid())?;
    let options = [
        "--handshakes",
        "2",
        "--round-trips",
        "50",
        "--latency-samples",
        "20",
        "--pipelined",
        "100",
        "--stop-rounds",
        "1",
        "--extra-devices",
        "3",
        "--extra-device-steps=3",
    ];
    bench::measure(
        bench_tool,
        &server,
        (&port, &device_port),
        &options,
        &out.join("hot-data.json"),
    )?;
    let status = server.stop(std::time::Duration::from_secs(120))?;
    let loads = reader.join().map_err(|_| anyhow::anyhow!("the lackey reader panicked"))??;
    let _ = std::fs::remove_file(&fifo);
    if !status.success() {
        bail!("the traced engine exited with {status}");
    }
    let mut relative: Vec<(u64, u64)> = loads
        .into_iter()
        .filter_map(|(address, size)| Some((address.checked_sub(base)?, size)))
        .collect();
    relative.sort_unstable();
    let read = read_sections(&sections, &relative);
    crate::step(&format!("{} constants' sections read, of {}", read.len(), sections.len()));
    Ok(script(&read))
}

/// Where the traced engine's file is mapped from offset 0 (valgrind maps the client in its own
/// process).
fn load_base(pid: u32) -> Result<u64> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .with_context(|| format!("reading /proc/{pid}/maps"))?;
    maps.lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [range, _, offset, _, _, path] = fields[..] else { return None };
            if !path.ends_with("/bpio-engine") || u64::from_str_radix(offset, 16) != Ok(0) {
                return None;
            }
            u64::from_str_radix(range.split_once('-')?.0, 16).ok()
        })
        .context("the traced engine's mapping is not in its /proc/PID/maps")
}

/// Every load lackey reports (` L ADDRESS,SIZE`), once each.
fn loads(fifo: &Path) -> Result<HashSet<(u64, u64)>> {
    let file = std::fs::File::open(fifo).with_context(|| format!("opening {}", fifo.display()))?;
    let mut loads = HashSet::new();
    for line in BufReader::with_capacity(1 << 20, file).split(b'\n') {
        let line = line.context("reading lackey's trace")?;
        let Some(load) = line.strip_prefix(b" L ") else { continue };
        let Some(comma) = load.iter().position(|&byte| byte == b',') else { continue };
        if let (Some(address), Some(size)) = (hex(&load[..comma]), decimal(&load[comma + 1..])) {
            loads.insert((address, size));
        }
    }
    Ok(loads)
}

fn hex(digits: &[u8]) -> Option<u64> {
    u64::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

fn decimal(digits: &[u8]) -> Option<u64> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines as LLD writes them: an output section, input sections with their symbols, and a
    /// section of another output section.
    const MAP: &str = "\
             VMA              LMA     Size Align Out     In      Symbol
           be000            be000      200  4096 .rodata
           be000            be000       10     1         /x/a.o:(.rodata..Lanon.abc.1)
           be010            be010       20     1         /x/lib.rlib(b.o):(.rodata._ZN1b5TABLE17hE)
           be010            be010       20     1                 b::TABLE
           be030            be030      100     1         <internal>:(.rodata.str1.1)
          1c0000           1c0000       30     4 .eh_frame_hdr
          1c0000           1c0000       30     1         <internal>:(.eh_frame_hdr)
";

    #[test]
    fn the_map_gives_the_rodata_input_sections_and_nothing_else() {
        let sections = input_sections(MAP, ".rodata");
        let names: Vec<(u64, u64, &str)> =
            sections.iter().map(|s| (s.address, s.size, s.name.as_str())).collect();
        assert_eq!(
            names,
            [
                (0xbe000, 0x10, ".rodata..Lanon.abc.1"),
                (0xbe010, 0x20, ".rodata._ZN1b5TABLE17hE"),
                (0xbe030, 0x100, ".rodata.str1.1"),
            ]
        );
        let symbols: Vec<&[String]> = sections.iter().map(|s| s.symbols.as_slice()).collect();
        assert_eq!(symbols, [&[][..], &["b::TABLE".to_owned()][..], &[][..]]);
        assert_eq!(input_sections(MAP, ".eh_frame_hdr")[0].name, ".eh_frame_hdr");
    }

    #[test]
    fn a_section_is_read_when_a_load_reaches_into_it() {
        let sections = input_sections(MAP, ".rodata");
        let names =
            |loads: &[(u64, u64)]| read_sections(&sections, loads).into_iter().collect::<Vec<_>>();
        // The table's last byte alone; a load just before the first section, and one just
        // after the strings, read nothing.
        assert_eq!(names(&[(0xbdff8, 8), (0xbe02f, 1), (0xbe130, 8)]), [".rodata._ZN1b5TABLE17hE"]);
        // An 8-byte load that starts in the first section and ends in the table reads both.
        assert_eq!(names(&[(0xbe00c, 8)]), [".rodata..Lanon.abc.1", ".rodata._ZN1b5TABLE17hE"]);
    }

    #[test]
    fn the_script_lists_the_sections_first_in_rodata() {
        let names: BTreeSet<String> = [".rodata.b".to_owned(), ".rodata.a".to_owned()].into();
        let script = script(&names);
        assert!(script.contains("  .rodata : {\n    *(.rodata.a)\n    *(.rodata.b)\n  }\n"));
        assert!(script.ends_with("INSERT AFTER .gcc_except_table;\n"));
    }
}
