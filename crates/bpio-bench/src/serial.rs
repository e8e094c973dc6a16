//! A fake TCode device behind a pseudo-terminal: the serial counterpart of the fake websocket
//! device, for servers that open serial ports named in their user config.
//!
//! The device side of the pair reads whatever the server writes (newline-ended TCode lines) and
//! answers the identification requests `D0` and `D1` as a TCode v0.3 device does; the server
//! opens the port side by its path, which [`user_config`] names.

use std::io::{ErrorKind, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::{Value, json};
use serialport::{SerialPort, TTYPort};

/// A running fake TCode device; it stops when dropped.
#[derive(Debug)]
pub struct PtyDevice {
    path: String,
    stop: Arc<AtomicBool>,
    received: Arc<AtomicU64>,
    /// Kept open until the server has opened it: a pseudo-terminal whose port side nobody holds
    /// hangs up.
    _port_side: TTYPort,
}

impl PtyDevice {
    /// Opens a pseudo-terminal pair and serves the device side on a thread of its own.
    pub fn start() -> Result<Self> {
        let (mut device, port_side) = TTYPort::pair().context("opening a pseudo-terminal")?;
        device.set_timeout(Duration::from_millis(50))?;
        let path = port_side.name().context("the pseudo-terminal has no name")?;
        let stop = Arc::new(AtomicBool::new(false));
        let received = Arc::new(AtomicU64::new(0));
        let (stopped, count) = (Arc::clone(&stop), Arc::clone(&received));
        std::thread::spawn(move || {
            let mut buffer = [0_u8; 1024];
            let mut line = Vec::new();
            while !stopped.load(Ordering::Relaxed) {
                let read = match device.read(&mut buffer) {
                    Ok(read) => read,
                    Err(err) if err.kind() == ErrorKind::TimedOut => continue,
                    Err(_) => return,
                };
                count.fetch_add(u64::try_from(read).unwrap_or(0), Ordering::Relaxed);
                for byte in buffer.get(..read).unwrap_or_default() {
                    if *byte != b'\n' {
                        // Only identification lines are looked at, and they are short.
                        if line.len() < 16 {
                            line.push(*byte);
                        }
                        continue;
                    }
                    if let Some(answer) = answer(&line) {
                        let _ = device.write_all(answer.as_bytes());
                    }
                    line.clear();
                }
            }
        });
        Ok(Self { path, stop, received, _port_side: port_side })
    }

    /// The path the server opens.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Bytes the device has read so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }
}

impl Drop for PtyDevice {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A TCode v0.3 device's answer to one line (without its newline).
pub fn answer(line: &[u8]) -> Option<&'static str> {
    match line.trim_ascii() {
        b"D0" => Some("bpio-bench fake TCode device\n"),
        b"D1" => Some("TCode v0.3\n"),
        _ => None,
    }
}

/// A user config (format major 5) that gives the `tcode-v03` protocol the serial port `port`.
pub fn user_config(port: &str) -> Value {
    json!({
        "version": {"major": 5, "minor": 0},
        "user_configs": {"protocols": {
            "tcode-v03": {"communication": [{"serial": {
                "port": port, "baud_rate": 115200, "data_bits": 8, "parity": "N", "stop_bits": 1
            }}]}
        }}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_answers_identification_and_nothing_else() {
        assert_eq!(answer(b"D1"), Some("TCode v0.3\n"));
        assert_eq!(answer(b"D0\r"), Some("bpio-bench fake TCode device\n"));
        assert_eq!(answer(b"L0500"), None);
        let config = user_config("/dev/pts/9");
        assert_eq!(
            config.pointer("/user_configs/protocols/tcode-v03/communication/0/serial/port"),
            Some(&json!("/dev/pts/9"))
        );
    }
}
