//! [`TypedPacket`]: firmware that takes every output in one packet, built from the last level of
//! each output type, whichever feature set it (`cowgirl`, `sexverse-v6`, `sexverse-lg389`,
//! `galaku-pump`).

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::TypeLevels;
use crate::error::ProtocolError;
use crate::protocol::{HwOutput, Protocol};

/// Firmware that takes one packet on `tx` built from the last level of each output type: by
/// default a fixed header, then the levels in a fixed order.
#[derive(Debug)]
pub(crate) struct TypedPacket {
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
        header: &'static [u8],
        types: &[OutputType],
        with_response: bool,
    ) -> Box<Self> {
        Self::new(Layout::Header(header), types, with_response)
    }

    /// The protocol `protocol` for the device `info`: packets are what `frame` builds from the
    /// levels of `types`, in that order, and are written `with_response` or not.
    pub(crate) fn framed(
        frame: fn(&[u8]) -> Vec<u8>,
        types: &[OutputType],
        with_response: bool,
    ) -> Box<Self> {
        Self::new(Layout::Framed(frame), types, with_response)
    }

    fn new(layout: Layout, types: &[OutputType], with_response: bool) -> Box<Self> {
        let levels = TypeLevels::new(types);
        Box::new(Self { layout, levels, with_response })
    }
}

impl Protocol for TypedPacket {
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
}
