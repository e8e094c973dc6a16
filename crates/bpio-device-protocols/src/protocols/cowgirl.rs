//! The Cowgirl and The Unicorn (BLE): `[00 01 <vibrate> <rotate>]` on `tx`, with response; every
//! packet carries the last level of both, whichever feature set them. A batch is one packet. No
//! handshake, no inputs; the identifier is the advertised name.
//!
//! [`TypedPacket`] is that state machine for any header and list of output types; `sexverse-v6`
//! builds on it.

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::TypeLevels;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "cowgirl";

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let types = [OutputType::Vibrate, OutputType::Rotate];
    TypedPacket::create(NAME, info, &[0x00, 0x01], &types, true)
}

/// Firmware that takes one packet on `tx`: a fixed header, then the last level of each output
/// type in a fixed order.
#[derive(Debug)]
pub(crate) struct TypedPacket {
    protocol: &'static str,
    identifier: String,
    header: &'static [u8],
    levels: TypeLevels,
    with_response: bool,
}

impl TypedPacket {
    /// The protocol `protocol` for the device `info`: packets start with `header`, carry the
    /// levels of `types` in that order, and are written `with_response` or not.
    pub(crate) fn create(
        protocol: &'static str,
        info: &DeviceInfo<'_>,
        header: &'static [u8],
        types: &[OutputType],
        with_response: bool,
    ) -> Box<Self> {
        let levels = TypeLevels::new(types);
        Box::new(Self { protocol, identifier: info.name.to_owned(), header, levels, with_response })
    }
}

impl Protocol for TypedPacket {
    identified_by_name!(protocol);

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.levels.apply(batch)?;
        let mut data = self.header.to_vec();
        data.extend(self.levels.levels());
        Ok(vec![HardwareCommand::Write {
            endpoint: Endpoint::Tx,
            data,
            with_response: self.with_response,
        }])
    }

    no_inputs!();
}
