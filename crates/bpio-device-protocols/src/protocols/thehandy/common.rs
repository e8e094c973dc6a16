//! What the Handy's protocols share: their firmware speaks protocol buffers, and the few
//! messages they send are fixed shapes. [`Fields`] writes such a message field by field, in the
//! protocol-buffers wire format, as much of it as these messages need (no decoding, no schema).
//! As protocol buffers (version 3) do, a scalar field at its default (0, 0.0) is left out, and
//! a nested message is written even when empty (it is the set member of a `oneof`, or an
//! element of a repeated field).

/// Wire types of the protocol-buffers encoding.
const VARINT: u32 = 0;
const FIXED64: u32 = 1;
const LENGTH_DELIMITED: u32 = 2;
const FIXED32: u32 = 5;

/// The encoded fields of one message, in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fields(Vec<u8>);

impl Fields {
    /// A message without fields.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// An unsigned integer (`uint32`, or an enum) field.
    pub(crate) fn uint(mut self, field: u32, value: u32) -> Self {
        if value != 0 {
            self.key(field, VARINT);
            self.varint(value.into());
        }
        self
    }

    /// A `float` field.
    pub(crate) fn float(mut self, field: u32, value: f32) -> Self {
        if value != 0.0 {
            self.key(field, FIXED32);
            self.0.extend(value.to_le_bytes());
        }
        self
    }

    /// A `double` field.
    pub(crate) fn double(mut self, field: u32, value: f64) -> Self {
        if value != 0.0 {
            self.key(field, FIXED64);
            self.0.extend(value.to_le_bytes());
        }
        self
    }

    /// A nested message field.
    pub(crate) fn message(mut self, field: u32, body: Self) -> Self {
        self.key(field, LENGTH_DELIMITED);
        // A length beyond u64 cannot occur; saturating keeps this free of panics.
        self.varint(u64::try_from(body.0.len()).unwrap_or(u64::MAX));
        self.0.extend(body.0);
        self
    }

    /// The encoded message.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    fn key(&mut self, field: u32, wire_type: u32) {
        self.varint(u64::from(field << 3 | wire_type));
    }

    /// Seven bits a byte, least significant first, the top bit set on all but the last.
    fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.0.push(low_seven_bits(value) | 0x80);
            value >>= 7;
        }
        self.0.push(low_seven_bits(value));
    }
}

fn low_seven_bits(value: u64) -> u8 {
    u8::try_from(value & 0x7f).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::Fields;

    /// Bytes as the `prost` crate encodes the same messages.
    #[test]
    fn fields_encode_as_protocol_buffers_do() {
        let empty = Fields::new().uint(1, 0).float(2, 0.0).double(3, 0.0);
        assert_eq!(empty.into_bytes(), [] as [u8; 0], "defaults are left out");
        let ping = Fields::new().message(1, Fields::new().message(102, Fields::new().uint(1, 999)));
        assert_eq!(ping.into_bytes(), [0x0a, 0x06, 0xb2, 0x06, 0x03, 0x08, 0xe7, 0x07]);
        let vector = Fields::new().uint(2, 100_000).double(3, 0.37);
        assert_eq!(
            vector.into_bytes(),
            [0x10, 0xa0, 0x8d, 0x06, 0x19, 0xae, 0x47, 0xe1, 0x7a, 0x14, 0xae, 0xd7, 0x3f]
        );
        let float = Fields::new().float(1, 0.25).uint(2, 1000);
        assert_eq!(float.into_bytes(), [0x0d, 0x00, 0x00, 0x80, 0x3e, 0x10, 0xe8, 0x07]);
        let nested_empty = Fields::new().message(3, Fields::new());
        assert_eq!(nested_empty.into_bytes(), [0x1a, 0x00]);
        let long = Fields::new().message(1, Fields::new().uint(1, u32::MAX));
        assert_eq!(long.into_bytes(), [0x0a, 0x06, 0x08, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    }
}
