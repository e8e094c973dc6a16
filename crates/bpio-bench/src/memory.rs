//! Resident memory of a process, from Linux's `/proc/PID/status`.

use anyhow::{Context, Result};

/// The resident set size of process `pid` in KiB (`VmRSS`).
pub fn rss_kib(pid: u32) -> Result<u64> {
    status_kib(pid, "VmRSS")
}

/// The largest resident set size process `pid` has had, in KiB (`VmHWM`, the high-water mark).
pub fn peak_rss_kib(pid: u32) -> Result<u64> {
    status_kib(pid, "VmHWM")
}

/// Resets the high-water mark of process `pid` to its current resident size (Linux's
/// `clear_refs`; allowed for the processes of the same user).
pub fn reset_peak_rss(pid: u32) -> Result<()> {
    let path = format!("/proc/{pid}/clear_refs");
    std::fs::write(&path, "5").with_context(|| format!("writing {path}"))
}

fn status_kib(pid: u32, field: &str) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    parse_status_kib(&status, field).with_context(|| format!("no {field} line in {path}"))
}

/// The value of the `field` line of a status file, in KiB.
pub fn parse_status_kib(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))?;
    let mut parts = line.split_whitespace();
    let value = parts.next()?.parse().ok()?;
    (parts.next() == Some("kB")).then_some(value)
}

/// The processor time process `pid` has used so far, user and system (`/proc/PID/stat`).
pub fn cpu_time(pid: u32) -> Result<std::time::Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may hold spaces; the fields after it are numbers.
    let fields: Vec<&str> =
        stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
    let ticks = |n: usize| -> Result<u64> {
        fields.get(n).context("a short /proc/PID/stat")?.parse::<u64>().context("not a number")
    };
    // utime and stime, fields 14 and 15 of stat(5): 12 and 13 after the name and the state.
    let total = ticks(11)? + ticks(12)?;
    // The kernel's clock tick: 100 Hz wherever this runs (USER_HZ).
    Ok(std::time::Duration::from_millis(total * 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_rss_is_read_in_kib() {
        let status = "Name:\tbpio-engine\nVmHWM:\t  20000 kB\nVmRSS:\t    9876 kB\nThreads:\t3\n";
        assert_eq!(parse_status_kib(status, "VmRSS"), Some(9876));
        assert_eq!(parse_status_kib(status, "VmHWM"), Some(20000));
        assert_eq!(parse_status_kib(status, "VmRS"), None);
        assert_eq!(parse_status_kib("Name:\tx\n", "VmRSS"), None);
        assert_eq!(parse_status_kib("VmRSS:\t12 MB\n", "VmRSS"), None);
        // This process has both.
        let pid = std::process::id();
        assert!(0 < rss_kib(pid).unwrap() && rss_kib(pid).unwrap() <= peak_rss_kib(pid).unwrap());
    }
}
