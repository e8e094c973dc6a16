//! The protocol files as compiled in: one zlib stream that `build.rs` packs from `db/`.
//!
//! The program carries 80 KB instead of 410 KB of JSON text, which stayed resident once the
//! database had been parsed from it; unpacked, the text lives only while it is parsed.

use crate::error::Error;

static PACKED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/db.zlib"));

/// Far more than the files unpack to (0.4 MB for the public database 5.57): a damaged stream
/// stops here instead of allocating without end.
const UNPACKED_LIMIT: usize = 32 << 20;

/// The unpacked stream: for each file in name order, the protocol name, a newline, the file's
/// text and a NUL.
pub(super) struct Unpacked(String);

impl Unpacked {
    pub(super) fn new() -> Result<Self, Error> {
        let bytes = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(PACKED, UNPACKED_LIMIT)
            .map_err(|err| Error::Packed(Box::new(err)))?;
        String::from_utf8(bytes).map(Self).map_err(|err| Error::Packed(Box::new(err)))
    }

    /// Every file as `(protocol name, text)`, in name order.
    pub(super) fn files(&self) -> impl Iterator<Item = Result<(&str, &str), Error>> {
        self.0.split_terminator('\0').map(|entry| {
            entry.split_once('\n').ok_or_else(|| Error::Packed("an entry has no name line".into()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{PACKED, Unpacked};

    /// The reason the stream exists: the program carries a small fraction of the text.
    #[test]
    fn the_stream_is_under_a_quarter_of_the_text() {
        let unpacked = Unpacked::new().unwrap();
        assert!(PACKED.len() * 4 < unpacked.0.len(), "{} of {}", PACKED.len(), unpacked.0.len());
        assert!(unpacked.files().all(|file| file.is_ok()));
    }
}
