//! The Handy with firmware before 4 (BLE): the "handyplug" protocol, protocol-buffers messages
//! on `tx`, written with response. No handshake; the identifier is the advertised name.
//!
//! Facts from the reference implementation. Every write is a `Payload` holding one `Message`
//! (field 1). `HwPositionWithDuration` is the message's `LinearCmd` (field 403): id 2 (field
//! 1), device 0 (field 2) and one vector (field 3) holding index 0 (field 1), the duration in
//! ms (field 2) and the position as a fraction, a `double` (field 3). For backends that need
//! traffic, a `Ping` (field 102) with id 999 (field 1) after 5 s of silence. The firmware also
//! knows a session setup and a server-info exchange; the reference sends neither, and neither
//! do we.

use std::time::Duration;

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::Fields;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Keepalive, KeepaliveWhen, Protocol};
use crate::protocols::common::{out_of_range, tx_acked, unsupported};

/// The database name.
pub(crate) const NAME: &str = "thehandy";

const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);

/// Field numbers of the messages.
const PAYLOAD_MESSAGE: u32 = 1;
const MESSAGE_PING: u32 = 102;
const MESSAGE_LINEAR: u32 = 403;
/// The ids the reference gives its messages.
const PING_ID: u32 = 999;
const LINEAR_ID: u32 = 2;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(TheHandy)
}

#[derive(Debug)]
struct TheHandy;

/// A `Payload` holding `message` as its member `field`.
fn payload(field: u32, message: Fields) -> HardwareCommand {
    let body = Fields::new().message(PAYLOAD_MESSAGE, Fields::new().message(field, message));
    tx_acked(body.into_bytes())
}

fn linear(feature: u32, command: &HwOutput) -> Result<HardwareCommand, ProtocolError> {
    let (OutputType::HwPositionWithDuration, Some(ms)) = (command.output, command.duration) else {
        return Err(unsupported(feature, command));
    };
    let position = u32::try_from(command.value).map_err(|_| out_of_range(feature, command))?;
    let vector = Fields::new().uint(1, 0).uint(2, ms).double(3, f64::from(position) / 100.0);
    let linear = Fields::new().uint(1, LINEAR_ID).uint(2, 0).message(3, vector);
    Ok(payload(MESSAGE_LINEAR, linear))
}

impl Protocol for TheHandy {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        batch.iter().map(|(feature, command)| linear(*feature, command)).collect()
    }

    fn keepalive(&self) -> Option<Keepalive> {
        Some(Keepalive {
            interval: KEEPALIVE_INTERVAL,
            commands: vec![payload(MESSAGE_PING, Fields::new().uint(1, PING_ID))],
            when: KeepaliveWhen::BackendRequires,
        })
    }
}
