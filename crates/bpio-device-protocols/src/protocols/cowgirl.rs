//! The Cowgirl and The Unicorn (BLE): `[00 01 <vibrate> <rotate>]` on `tx`, with response; every
//! packet carries the last level of both, whichever feature set them. A batch is one packet. No
//! handshake, no inputs; the identifier is the advertised name.
//!
//! [`TypedPacket`] is that state machine for any header (or packet layout) and list of output
//! types; `sexverse-v6`, `sexverse-lg389` and `galaku-pump` build on it.

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

/// Firmware that takes one packet on `tx` built from the last level of each output type: by
/// default a fixed header, then the levels in a fixed order.
#[derive(Debug)]
pub(crate) struct TypedPacket {
    protocol: &'static str,
    identifier: String,
    layout: Layout,
    levels: TypeLevels,
    with_response: bool,
}

/// How a [`TypedPacket`] lays out its levels.
#[derive(Debug, Clone, Copy)]
enum Layout {
    /// This header, then the levels.
    Header(&'static [u8]),
    /// The packet this function builds from the levels (in the order of the types).
    Framed(fn(&[u8]) -> Vec<u8>),
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
        Self::new(protocol, info, Layout::Header(header), types, with_response)
    }

    /// The protocol `protocol` for the device `info`: packets are what `frame` builds from the
    /// levels of `types`, in that order, and are written `with_response` or not.
    pub(crate) fn framed(
        protocol: &'static str,
        info: &DeviceInfo<'_>,
        frame: fn(&[u8]) -> Vec<u8>,
        types: &[OutputType],
        with_response: bool,
    ) -> Box<Self> {
        Self::new(protocol, info, Layout::Framed(frame), types, with_response)
    }

    fn new(
        protocol: &'static str,
        info: &DeviceInfo<'_>,
        layout: Layout,
        types: &[OutputType],
        with_response: bool,
    ) -> Box<Self> {
        let levels = TypeLevels::new(types);
        Box::new(Self { protocol, identifier: info.name.to_owned(), layout, levels, with_response })
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
        let data = match self.layout {
            Layout::Header(header) => [header, self.levels.levels()].concat(),
            Layout::Framed(frame) => frame(self.levels.levels()),
        };
        Ok(vec![HardwareCommand::Write {
            endpoint: Endpoint::Tx,
            data,
            with_response: self.with_response,
        }])
    }

    no_inputs!();
}
