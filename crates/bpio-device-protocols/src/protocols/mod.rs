//! One module per device protocol. Each exports `NAME` (the database's protocol name) and
//! `create`, and is listed once in [`crate::registry::PROTOCOLS`].

pub(crate) mod lovense;
pub(crate) mod simulated;
pub(crate) mod tcode_v03;

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
