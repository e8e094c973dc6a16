//! The device protocols, one file each, found by `build.rs`: `<name>.rs` for a protocol on its
//! own, `<family>/<member>.rs` for a member of a family whose shared code is in
//! `<family>/common.rs`. What several families share is in [`common`]. Each protocol file
//! exports `NAME` (the database's protocol name) and `create`; the build script writes their
//! module declarations and the registry table ([`ENTRIES`]) from the files, so adding a
//! protocol is adding its file (and its byte vectors in `test_data/`).

pub(crate) mod common;

include!(concat!(env!("OUT_DIR"), "/protocols.rs"));
