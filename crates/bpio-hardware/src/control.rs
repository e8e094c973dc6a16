//! USB control transfers as the bytes of a write: the one place their layout is defined.

use crate::command::HardwareCommand;
use crate::endpoint::Endpoint;

/// A USB control transfer from host to device (docs/DEVICE_CONFIG.md 4).
///
/// Protocols send it as a write to [`Endpoint::TxVendorControl`], and the USB backend performs
/// it on the device's control pipe. The bytes of that write are the first six bytes of the
/// transfer's SETUP packet as they go on the wire, then the data stage:
///
/// | bytes | field |
/// |---|---|
/// | 0 | `bmRequestType` (bit 7 clear: host to device; bits 5–6 the type; bits 0–4 the recipient) |
/// | 1 | `bRequest` |
/// | 2–3 | `wValue`, little-endian |
/// | 4–5 | `wIndex`, little-endian |
/// | 6… | the data stage, whose length is `wLength` |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlOut {
    /// `bmRequestType`.
    pub request_type: u8,
    /// `bRequest`.
    pub request: u8,
    /// `wValue`.
    pub value: u16,
    /// `wIndex`.
    pub index: u16,
    /// The data stage (often empty).
    pub data: Vec<u8>,
}

/// Bytes that are no host-to-device control transfer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidControl {
    /// Fewer than the six setup bytes.
    #[error("a control transfer needs 6 setup bytes, got {0}")]
    Short(usize),
    /// `bmRequestType` says device to host, which a write cannot carry.
    #[error("request type {0:#04x} is device to host; only host-to-device transfers are written")]
    DeviceToHost(u8),
}

impl ControlOut {
    /// The length of the setup part of the bytes.
    pub const SETUP_LEN: usize = 6;

    /// The bit of `bmRequestType` set for device-to-host transfers.
    const DEVICE_TO_HOST: u8 = 0x80;

    /// The bytes of the write (the layout is in the type's documentation).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(Self::SETUP_LEN + self.data.len());
        bytes.extend([self.request_type, self.request]);
        bytes.extend(self.value.to_le_bytes());
        bytes.extend(self.index.to_le_bytes());
        bytes.extend(&self.data);
        bytes
    }

    /// Reads the bytes of a write.
    pub fn parse(bytes: &[u8]) -> Result<Self, InvalidControl> {
        let Some(([request_type, request, value @ .., index_low, index_high], data)) =
            bytes.split_first_chunk::<{ Self::SETUP_LEN }>().map(|(setup, data)| (*setup, data))
        else {
            return Err(InvalidControl::Short(bytes.len()));
        };
        if request_type & Self::DEVICE_TO_HOST != 0 {
            return Err(InvalidControl::DeviceToHost(request_type));
        }
        Ok(Self {
            request_type,
            request,
            value: u16::from_le_bytes(value),
            index: u16::from_le_bytes([index_low, index_high]),
            data: data.to_vec(),
        })
    }

    /// The write that carries this transfer.
    pub fn command(&self) -> HardwareCommand {
        HardwareCommand::write(Endpoint::TxVendorControl, self.to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_the_setup_packet_without_its_length_then_the_data() {
        let transfer = ControlOut {
            request_type: 0x41,
            request: 1,
            value: 0x01ff,
            index: 0x0302,
            data: vec![9],
        };
        assert_eq!(transfer.to_bytes(), [0x41, 0x01, 0xff, 0x01, 0x02, 0x03, 0x09]);
        assert_eq!(ControlOut::parse(&transfer.to_bytes()), Ok(transfer.clone()));
        assert_eq!(
            transfer.command(),
            HardwareCommand::write(Endpoint::TxVendorControl, transfer.to_bytes())
        );
        let bare = ControlOut::parse(&[0x40, 2, 3, 0, 0, 0]).unwrap();
        assert_eq!((bare.value, bare.index, bare.data.as_slice()), (3, 0, &[][..]));
    }

    #[test]
    fn short_or_device_to_host_bytes_are_refused() {
        assert_eq!(ControlOut::parse(&[]), Err(InvalidControl::Short(0)));
        assert_eq!(ControlOut::parse(&[0x41, 1, 0, 0, 0]), Err(InvalidControl::Short(5)));
        assert_eq!(
            ControlOut::parse(&[0xc1, 1, 0, 0, 0, 0]),
            Err(InvalidControl::DeviceToHost(0xc1))
        );
    }
}
