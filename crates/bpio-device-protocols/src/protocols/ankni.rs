//! Ankni (Roselex; BLE): 20-byte packets on `tx`, all written with response.
//!
//! Facts from the reference implementation:
//! - init reads 16 bytes from `generic0` (the device information service's PnP ID
//!   characteristic). Firmware that wants a handshake keeps its six-byte address there; longer
//!   contents mean no handshake. The handshake is two writes: twenty `01` bytes, then
//!   `01 02`, sixteen copies of a check byte, `00 00`. The check byte is the high byte of
//!   the CRC-16/XMODEM of `01` followed by the bytes read.
//! - a command is `03 12 <speed>` padded with zeros to 20 bytes.
//!
//! No inputs; the identifier is the advertised name.

use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;
use crc::{CRC_16_XMODEM, Crc};

use super::common::{byte, tx_acked, unsupported, write_each};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol, Step};

/// The database name.
pub(crate) const NAME: &str = "ankni";

const PACKET_LENGTH: usize = 20;
const ADDRESS_READ_LENGTH: u32 = 16;
const ADDRESS_READ_TIMEOUT: Duration = Duration::from_millis(100);
/// Contents longer than an address: the firmware needs no handshake.
const ADDRESS_LENGTH: usize = 6;
/// How many times the second handshake write repeats the check byte.
const CHECK_COPIES: usize = 16;
const CHECKSUM: Crc<u16> = Crc::<u16>::new(&CRC_16_XMODEM);

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Ankni { init: Init::Identified })
}

/// Where init stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Init {
    /// Before `configure`: identification has no steps.
    Identified,
    ReadAddress,
    Reading,
    /// The first handshake write is next; the check byte for the second.
    Hello(u8),
    /// The second handshake write is next.
    Check(u8),
    Done,
}

#[derive(Debug)]
struct Ankni {
    init: Init,
}

/// A packet: `head`, then zeros.
fn packet(head: &[u8]) -> HardwareCommand {
    let mut data = head.to_vec();
    data.resize(PACKET_LENGTH, 0);
    tx_acked(data)
}

/// The check byte of the second handshake write, for the address read from the device.
fn check_byte(address: &[u8]) -> u8 {
    let mut digest = CHECKSUM.digest();
    digest.update(&[0x01]);
    digest.update(address);
    let [high, _] = digest.finalize().to_be_bytes();
    high
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(packet(&[0x03, 0x12, speed]))
}

impl Protocol for Ankni {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        let (command, next) = match self.init {
            Init::Identified | Init::Done => return Ok(Step::Done),
            Init::ReadAddress => (
                HardwareCommand::read(
                    Endpoint::Generic(0),
                    ADDRESS_READ_LENGTH,
                    ADDRESS_READ_TIMEOUT,
                ),
                Init::Reading,
            ),
            Init::Reading => {
                return Err(ProtocolError::BadReply { protocol: NAME, reason: "no address read" });
            }
            Init::Hello(check) => (tx_acked([0x01; PACKET_LENGTH]), Init::Check(check)),
            Init::Check(check) => {
                let mut head = vec![0x01, 0x02];
                head.extend([check; CHECK_COPIES]);
                (packet(&head), Init::Done)
            }
        };
        self.init = next;
        Ok(Step::Command(command))
    }

    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        if self.init != Init::Reading || endpoint != Endpoint::Generic(0) {
            return Err(ProtocolError::OutOfOrder("data the Ankni handshake did not ask for"));
        }
        self.init = if data.len() > ADDRESS_LENGTH {
            tracing::debug!(protocol = NAME, "no handshake needed");
            Init::Done
        } else {
            Init::Hello(check_byte(data))
        };
        Ok(())
    }

    fn configure(&mut self, _: &Definition) -> Result<(), ProtocolError> {
        self.init = Init::ReadAddress;
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        write_each(batch, byte, write)
    }
}

#[cfg(test)]
mod tests {
    use bpio_hardware::{Endpoint, Transport};

    use super::{NAME, check_byte, create};
    use crate::error::ProtocolError;
    use crate::protocol::{DeviceInfo, Step};

    #[test]
    fn the_check_byte_follows_the_address() {
        // The reference's test case, and two more addresses.
        assert_eq!(check_byte(&[0xa2, 0x31, 0x35, 0x53, 0x52, 0xd8]), 0xc1);
        assert_eq!(check_byte(&[0x11, 0x22, 0x33, 0x44, 0x55, 0x66]), 0x20);
        assert_eq!(check_byte(&[]), 0x10);
    }

    #[test]
    fn init_needs_the_read_it_asked_for() {
        let mut device = create(&DeviceInfo::new("DSJM", Transport::Btle));
        assert_eq!(device.poll_step().unwrap(), Step::Done, "no identification steps");
        assert!(device.handle_step_data(Endpoint::Generic(0), &[1]).is_err(), "not asked yet");
        let config = bpio_device_config::DeviceConfig::embedded().unwrap();
        device.configure(config.resolve("a", NAME, Some("DSJM")).unwrap().definition).unwrap();
        assert!(matches!(device.poll_step().unwrap(), Step::Command(_)), "the read");
        assert!(device.handle_step_data(Endpoint::Tx, &[1]).is_err(), "from elsewhere");
        assert!(matches!(device.poll_step(), Err(ProtocolError::BadReply { .. })), "no answer");
    }
}
