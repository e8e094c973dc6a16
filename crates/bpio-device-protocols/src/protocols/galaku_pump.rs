//! Galaku pumps (Nebula; BLE): the scrambled packet of [`super::galaku`] with the payload
//! `5a 00 00 01 60 03 <oscillate> <vibrate> 00 00`, written to `tx` with response. Each level is
//! the last one of its output type, whichever feature set it, so a batch is one write. No
//! handshake, no inputs; the identifier is the advertised name.

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::TypeLevels;
use super::galaku;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "galaku-pump";

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let levels = TypeLevels::new(&[OutputType::Oscillate, OutputType::Vibrate]);
    Box::new(GalakuPump { identifier: info.name.to_owned(), levels })
}

#[derive(Debug)]
struct GalakuPump {
    identifier: String,
    levels: TypeLevels,
}

impl Protocol for GalakuPump {
    identified_by_name!();

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.levels.apply(batch)?;
        let mut payload = [0x5a, 0x00, 0x00, 0x01, 0x60, 0x03, 0x00, 0x00, 0x00, 0x00];
        for (slot, level) in payload.iter_mut().skip(6).zip(self.levels.levels()) {
            *slot = *level;
        }
        Ok(vec![HardwareCommand::write_with_response(Endpoint::Tx, galaku::packet(payload))])
    }

    no_inputs!();
}
