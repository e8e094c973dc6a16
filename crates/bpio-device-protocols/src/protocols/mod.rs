//! One module per device protocol. Each exports `NAME` (the database's protocol name) and
//! `create`, and is listed once in [`crate::registry::PROTOCOLS`].

pub(crate) mod amorelie_joy;
pub(crate) mod cueme;
pub(crate) mod fmachine;
pub(crate) mod kiiroo_v21;
pub(crate) mod kiiroo_v21_initialized;
pub(crate) mod kiiroo_v2_vibrator;
pub(crate) mod lovedistance;
pub(crate) mod lovehoney_desire;
pub(crate) mod lovense;
pub(crate) mod magic_motion_1;
pub(crate) mod magic_motion_2;
pub(crate) mod magic_motion_4;
pub(crate) mod mysteryvibe;
pub(crate) mod mysteryvibe_v2;
pub(crate) mod pink_punch;
pub(crate) mod sakuraneko;
pub(crate) mod sensee_v2;
pub(crate) mod sexverse_v1;
pub(crate) mod sexverse_v2;
pub(crate) mod sexverse_v3;
pub(crate) mod sexverse_v4;
pub(crate) mod simple;
pub(crate) mod simulated;
mod support;
pub(crate) mod svakom;
pub(crate) mod svakom_pulse;
pub(crate) mod svakom_v1;
pub(crate) mod svakom_v2;
pub(crate) mod svakom_v3;
pub(crate) mod svakom_v4;
pub(crate) mod svakom_v5;
pub(crate) mod svakom_v6;
pub(crate) mod tcode_v03;
pub(crate) mod thehandy_v3;
pub(crate) mod umove;
pub(crate) mod vibcrafter;
pub(crate) mod vibio;
pub(crate) mod vorze_sa;

use bpio_hardware::Endpoint;

use crate::error::ProtocolError;

/// `handle_step_data` for protocols without a handshake: no data is expected.
pub(crate) fn no_step_data(
    protocol: &'static str,
    _: Endpoint,
    _: &[u8],
) -> Result<(), ProtocolError> {
    Err(ProtocolError::BadReply { protocol, reason: "data during a handshake without steps" })
}
