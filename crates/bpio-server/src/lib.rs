//! The bpio server core.
//!
//! Key design decision: the core is sans-IO. Its state machines take inputs with the current time
//! as an argument (`handle_*`) and hand back what must be done (`poll_*`); they never read the
//! clock, sleep or spawn. The thin tokio driver in [`runtime`] runs them with real timers, while
//! tests and benchmarks drive them with a manual clock.
//!
//! The crate holds the client [`session`], the [`DeviceRequest`] it hands a device, the
//! per-device output [`scheduler`], the table of which session [`owners`] which output, and the [`runtime`] that drives them and owns the devices.
#![warn(missing_docs)]

mod error;
mod index;
pub mod owners;
mod request;
pub mod runtime;
pub mod scheduler;
pub mod session;

pub use error::Error;
pub use index::{DeviceIndex, FeatureIndex};
pub use owners::SessionId;
pub use request::{DeviceRequest, ReadToken};
pub use scheduler::{DeviceScheduler, Dispatch, Enqueued};
pub use session::{Action, Session, SessionConfig, State};
