//! bpio-bench: measures any Buttplug server from outside, the same way for every server.
//!
//! A run connects a fake websocket device to the server's device port and a Spec v4 client to its
//! client port, and times what a user feels: the handshake, OutputCmd → Ok round trips, pipelined
//! throughput, the time until the device receives its bytes, the timing gap, stops (a StopCmd in
//! the middle of a flood, and a client process that is killed) and the server's resident memory.
//! The echo baseline, a bare websocket server answering every message with `Ok`, is measured by
//! the same client code, and the report gives each figure as a ratio to it. The round trips and
//! the device latency are timed twice: by a client that parks between messages, as apps do, and
//! by one that spins on its socket (`spin`), so that the client's own wake-up is not in the
//! figure. `chart` draws the distributions and memory against device count as SVG.
//!
//! The key design decision: **the tool knows nothing of the server it measures.** It speaks only
//! the wire (JSON text frames to the client port, the device websocket protocol to the device
//! port) and reads memory from `/proc`, so bpio and the reference server are measured by exactly
//! the same code in one run. That is why it depends on `bpio-protocol` and never on the server.
#![warn(missing_docs)]

pub mod chart;
pub mod client;
pub mod config;
pub mod device;
pub mod echo;
pub mod gap;
pub mod measure;
pub mod memory;
pub mod mqtt;
pub mod report;
pub mod scale;
pub mod serial;
pub mod soak;
pub mod spin;
pub mod stats;
pub mod timings;
