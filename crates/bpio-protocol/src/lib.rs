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
//! Message types are grouped by spec version, one module each: [`v0`], [`v1`], [`v2`], [`v3`] and
//! [`v4`]. Names are qualified by their module (`v3::ScalarCmd`); a message whose shape never
//! changed is defined in the oldest version that has it and re-exported by name from the later
//! ones (`v4::Ping` is `v0::Ping`). Each module has its per-direction `ClientMessage` and
//! `ServerMessage` enums, parsed with the same [`parse_frame`].
//!
//! Before the handshake the session's version is unknown: [`split_frame`] splits a transmission
//! into [`RawMessage`]s, [`PreHandshake`] reads each one (any `RequestServerInfo` shape, and every
//! client message of every version), and [`AnyRequestServerInfo::detect`] chooses the
//! [`SpecVersion`]. Internally everything is v4: [`convert`] translates between adjacent versions
//! only, as pure functions whose context (the v4 device list) is an argument.
#![warn(missing_docs)]
#![warn(clippy::indexing_slicing)]

pub mod convert;
mod error;
mod frame;
mod ids;
mod message_set;
mod object;
pub mod v0;
pub mod v1;
pub mod v2;
pub mod v3;
pub mod v4;
mod version;

pub use error::{ErrorCode, IdProblem, ParseError, ParseErrorKind};
pub use frame::{MessageSet, RawMessage, parse_frame, serialize_frame, split_frame};
pub use ids::ClientId;
pub use version::{
    AnyRequestServerInfo, Handshake, OtherMessage, PreHandshake, SpecVersion, VersionError,
};
