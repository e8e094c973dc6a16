//! The Handy with firmware 4 and up (and The Oh!): requests in the firmware's protocol-buffers
//! RPC format on `tx`, answers as notifications on `rx`.
//!
//! Identification: the advertised name is `OHD_<hardware>_<serial>`; the hardware part (`hw4`)
//! is the identifier. Init subscribes to `rx` and asks for the battery state (request id 1)
//! and the capabilities (id 2), waiting up to a second for each answer; the answers are not
//! needed, so a silent device is initialised all the same. Later requests count on from id 3.
//!
//! Every request is an `RpcMessage` of type 1 (request) carrying a `Request`: its id (field 2)
//! and one parameter message whose field number names the call. Calls used: battery 710,
//! capabilities 713, `HwPositionWithDuration` 744 (`xp`, the position as a fraction, float
//! field 1; `t`, the time in ms, field 2), vibrator on 900 (`amplitude` as a fraction, float
//! field 1; `frequency` 100 Hz, field 2) and vibrator off 901 (speed 0). Outputs are written
//! with response, one per feature. As in protocol buffers, fields at their default (0, 0.0,
//! false) are left out. For backends that need a keep-alive, the capabilities request (without
//! an id) is sent after 5 s of silence.

use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::Fields;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Identifier, Keepalive, KeepaliveWhen, Protocol, Step};
use crate::protocols::common::{out_of_range, tx, tx_acked, unsupported};

/// The database name.
pub(crate) const NAME: &str = "thehandy-v3";

const REPLY_TIMEOUT: Duration = Duration::from_secs(1);
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);

const BATTERY_GET: u32 = 710;
const CAPABILITIES_GET: u32 = 713;
const POSITION_IN_TIME: u32 = 744;
const VIBRATE_SET: u32 = 900;
const VIBRATE_STOP: u32 = 901;
/// The vibrator frequency the firmware is given, in Hz.
const VIBRATE_FREQUENCY: u32 = 100;

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let parts: Vec<&str> = info.name.split('_').collect();
    let identifier = match parts.as_slice() {
        [_, hardware, _, ..] => Some((*hardware).to_owned()),
        _ => None,
    };
    Box::new(TheHandyV3 { identifier, init: Init::Identified, next_id: 1 })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Init {
    /// Identification has no steps; init starts once configured.
    Identified,
    Subscribe,
    Ask {
        call: u32,
    },
    Wait {
        call: u32,
    },
    Done,
}

#[derive(Debug)]
struct TheHandyV3 {
    identifier: Option<String>,
    init: Init,
    /// The id of the next request.
    next_id: u32,
}

/// An `RpcMessage` holding the request `call` with parameters `params` and id `id` (0: none).
fn request(id: u32, call: u32, params: Fields) -> Vec<u8> {
    let inner = Fields::new().uint(2, id).message(call, params);
    Fields::new().uint(1, 1).message(2, inner).into_bytes()
}

/// `value` percent as a fraction.
fn fraction(feature: u32, command: &HwOutput) -> Result<f32, ProtocolError> {
    let value = u16::try_from(command.value).map_err(|_| out_of_range(feature, command))?;
    Ok(f32::from(value) / 100.0)
}

/// The call and parameters of one output command.
fn call_of(feature: u32, command: &HwOutput) -> Result<(u32, Fields), ProtocolError> {
    Ok(match (command.output, command.duration) {
        (OutputType::HwPositionWithDuration, Some(ms)) => {
            let params = Fields::new().float(1, fraction(feature, command)?).uint(2, ms);
            (POSITION_IN_TIME, params)
        }
        (OutputType::Vibrate, _) if command.value == 0 => (VIBRATE_STOP, Fields::new()),
        (OutputType::Vibrate, _) => {
            let amplitude = fraction(feature, command)?;
            (VIBRATE_SET, Fields::new().float(1, amplitude).uint(2, VIBRATE_FREQUENCY))
        }
        _ => return Err(unsupported(feature, command)),
    })
}

impl TheHandyV3 {
    fn take_id(&mut self) -> u32 {
        let id = self.next_id;
        // Ids skip 0, which the firmware reads as "no id".
        self.next_id = self.next_id.wrapping_add(1).max(1);
        id
    }
}

impl Protocol for TheHandyV3 {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        Ok(match self.init {
            Init::Identified | Init::Done => Step::Done,
            Init::Subscribe => {
                self.init = Init::Ask { call: BATTERY_GET };
                Step::Command(HardwareCommand::subscribe(Endpoint::Rx))
            }
            Init::Ask { call } => {
                self.init = Init::Wait { call };
                let id = self.take_id();
                Step::Command(tx(request(id, call, Fields::new())))
            }
            Init::Wait { .. } => Step::Await { endpoint: Endpoint::Rx, timeout: REPLY_TIMEOUT },
        })
    }

    fn handle_step_data(&mut self, _: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        tracing::debug!(protocol = NAME, len = data.len(), "init answer");
        self.handle_step_timeout()
    }

    fn handle_step_timeout(&mut self) -> Result<(), ProtocolError> {
        self.init = match self.init {
            Init::Wait { call: BATTERY_GET } => Init::Ask { call: CAPABILITIES_GET },
            Init::Wait { .. } => Init::Done,
            other => other,
        };
        Ok(())
    }

    fn identifier(&self) -> Identifier<'_> {
        Identifier::found(self.identifier.as_deref())
    }

    fn configure(&mut self, _: &Definition) -> Result<(), ProtocolError> {
        self.init = Init::Subscribe;
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let calls = batch
            .iter()
            .map(|(feature, command)| call_of(*feature, command))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(calls
            .into_iter()
            .map(|(call, params)| {
                let id = self.take_id();
                tx_acked(request(id, call, params))
            })
            .collect())
    }

    fn keepalive(&self) -> Option<Keepalive> {
        Some(Keepalive {
            interval: KEEPALIVE_INTERVAL,
            commands: vec![tx_acked(request(0, CAPABILITIES_GET, Fields::new()))],
            when: KeepaliveWhen::BackendRequires,
        })
    }
}
