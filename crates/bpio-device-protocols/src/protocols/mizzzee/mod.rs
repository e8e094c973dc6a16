//! The Mizz Zee generations.

mod common;
pub(crate) mod v1;
pub(crate) mod v2;
pub(crate) mod v3;
