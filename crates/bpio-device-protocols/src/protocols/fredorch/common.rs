//! What both Fredorch firmwares share: the init (subscribe to `rx`, then a fixed list of
//! writes to `tx`, each followed by a wait for the device's notification on `rx`), and the
//! protocol around it; each firmware adds its encoding.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};

use crate::error::ProtocolError;
use crate::protocol::{HwOutput, Protocol, Step};
use crate::protocols::common::tx;

/// How one Fredorch firmware encodes a validated batch.
pub(crate) trait Encoder: Send + fmt::Debug {
    /// The writes of `batch`.
    fn encode(&mut self, batch: &[(u32, HwOutput)]) -> Result<Vec<HardwareCommand>, ProtocolError>;
}

/// A Fredorch device: its init, then its firmware's encoding. No inputs; the identifier is the
/// advertised name.
#[derive(Debug)]
pub(crate) struct Fredorch<E> {
    init: EchoedInit,
    encoder: E,
}

impl<E: Encoder> Fredorch<E> {
    /// A device whose init is `init` and whose commands `encoder` encodes.
    pub(crate) fn create(init: EchoedInit, encoder: E) -> Box<Self> {
        Box::new(Self { init, encoder })
    }
}

impl<E: Encoder> Protocol for Fredorch<E> {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        Ok(self.init.poll())
    }

    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        self.init.handle_data(endpoint, data)
    }

    fn handle_step_timeout(&mut self) -> Result<(), ProtocolError> {
        self.init.handle_timeout()
    }

    fn configure(&mut self, _: &Definition) -> Result<(), ProtocolError> {
        self.init.start();
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.encoder.encode(batch)
    }
}

/// One thing init does.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Command(HardwareCommand),
    /// Wait for a notification on `rx`; `required`: its absence fails init.
    Wait {
        required: bool,
    },
}

/// A Fredorch init, run once the device is configured.
#[derive(Debug, Clone)]
pub(crate) struct EchoedInit {
    protocol: &'static str,
    items: VecDeque<Item>,
    timeout: Duration,
    /// The wait under way: whether its absence fails init.
    waiting: Option<bool>,
    configured: bool,
}

impl EchoedInit {
    /// Subscribe, then each of `writes` (without response) followed by a wait of up to
    /// `timeout`; `answers_required`: a write the device does not answer fails init.
    pub(crate) fn new(
        protocol: &'static str,
        writes: impl IntoIterator<Item = Vec<u8>>,
        timeout: Duration,
        answers_required: bool,
    ) -> Self {
        let mut items = VecDeque::from([Item::Command(HardwareCommand::subscribe(Endpoint::Rx))]);
        for data in writes {
            items.push_back(Item::Command(tx(data)));
            items.push_back(Item::Wait { required: answers_required });
        }
        Self { protocol, items, timeout, waiting: None, configured: false }
    }

    /// The same init, with a wait for a greeting the device may send on its own before the
    /// first write (its absence is no failure).
    pub(crate) fn with_greeting(mut self) -> Self {
        self.items.insert(1, Item::Wait { required: false });
        self
    }

    /// `configure` ran: init follows.
    pub(crate) fn start(&mut self) {
        self.configured = true;
    }

    /// The next handshake step.
    pub(crate) fn poll(&mut self) -> Step {
        let await_rx = Step::Await { endpoint: Endpoint::Rx, timeout: self.timeout };
        if self.waiting.is_some() {
            return await_rx;
        }
        let next = if self.configured { self.items.pop_front() } else { None };
        match next {
            None => Step::Done,
            Some(Item::Command(command)) => Step::Command(command),
            Some(Item::Wait { required }) => {
                self.waiting = Some(required);
                await_rx
            }
        }
    }

    /// A notification during init: the answer waited for. The content is not checked (the
    /// reference only logs it).
    pub(crate) fn handle_data(
        &mut self,
        endpoint: Endpoint,
        data: &[u8],
    ) -> Result<(), ProtocolError> {
        if self.waiting.is_none() || endpoint != Endpoint::Rx {
            return Err(ProtocolError::OutOfOrder("data the Fredorch init did not wait for"));
        }
        tracing::debug!(protocol = self.protocol, ?data, "answered");
        self.waiting = None;
        Ok(())
    }

    /// The wait ended without an answer.
    pub(crate) fn handle_timeout(&mut self) -> Result<(), ProtocolError> {
        match self.waiting.take() {
            Some(true) => Err(ProtocolError::Timeout { protocol: self.protocol }),
            Some(false) | None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use bpio_hardware::{Endpoint, HardwareCommand};

    use super::EchoedInit;
    use crate::error::ProtocolError;
    use crate::protocol::Step;
    use crate::protocols::common::tx;

    const TIMEOUT: std::time::Duration = std::time::Duration::from_millis(5);

    fn started(required: bool) -> EchoedInit {
        let mut init = EchoedInit::new("test", [vec![1], vec![2]], TIMEOUT, required);
        assert_eq!(init.poll(), Step::Done, "nothing before configure");
        init.start();
        assert_eq!(init.poll(), Step::Command(HardwareCommand::subscribe(Endpoint::Rx)));
        init
    }

    #[test]
    fn each_write_waits_for_an_answer() {
        let wait = Step::Await { endpoint: Endpoint::Rx, timeout: TIMEOUT };
        let mut init = started(true);
        assert_eq!(init.poll(), Step::Command(tx([1])));
        assert_eq!(init.poll(), wait);
        assert_eq!(init.poll(), wait, "still waiting");
        assert!(init.handle_data(Endpoint::Tx, &[1]).is_err(), "only rx answers");
        init.handle_data(Endpoint::Rx, &[1]).unwrap();
        assert_eq!(init.poll(), Step::Command(tx([2])));
        assert_eq!(init.poll(), wait);
        assert_eq!(init.handle_timeout(), Err(ProtocolError::Timeout { protocol: "test" }));
    }

    #[test]
    fn optional_answers_and_the_greeting_may_stay_away() {
        let mut init = EchoedInit::new("test", [vec![1]], TIMEOUT, false).with_greeting();
        init.start();
        assert!(matches!(init.poll(), Step::Command(HardwareCommand::Subscribe { .. })));
        assert!(matches!(init.poll(), Step::Await { .. }), "the greeting");
        init.handle_timeout().unwrap();
        assert_eq!(init.poll(), Step::Command(tx([1])));
        assert!(matches!(init.poll(), Step::Await { .. }));
        init.handle_timeout().unwrap();
        assert_eq!(init.poll(), Step::Done);
        assert!(init.handle_data(Endpoint::Rx, &[1]).is_err(), "nothing is awaited any more");
    }
}
