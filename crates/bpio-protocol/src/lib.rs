//! Buttplug protocol wire types and the frame parser.
//!
//! Every message of the protocol is a Rust type whose serde implementation produces exactly the
//! JSON the spec defines, field order included. The key design decision: **the types are the
//! validator.** Reserved ids, ranges and one-key objects are newtypes checked while deserializing,
//! so a value that exists is valid and no fix-up pass follows parsing.
//!
//! Parsing is total. [`parse_frame`] takes the raw bytes of one transmission and returns one result
//! per message it could find: a bad message yields its own [`ParseError`] (carrying the message
//! Id when one could be read) and never hides the good messages around it. No input panics.
//!
//! Message types are grouped by spec version, one module each; only [`v4`] exists so far.
#![warn(missing_docs)]
#![warn(clippy::indexing_slicing)]

mod error;
mod frame;
mod ids;
mod object;
pub mod v4;

pub use error::{ErrorCode, IdProblem, ParseError, ParseErrorKind};
pub use frame::{MessageSet, parse_frame, serialize_frame};
pub use ids::ClientId;
