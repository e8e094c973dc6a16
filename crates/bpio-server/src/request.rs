//! The one request type from a session to a device.
//!
//! A session names the device by index in [`Action::Device`](crate::Action::Device); the runtime
//! routes the [`DeviceRequest`] inside it to that device's task as it is, without rebuilding it.

use bpio_protocol::v4;

use crate::index::FeatureIndex;

/// Work for one device. Output values are in the client's advertised steps; mapping them to
/// hardware values is the device's job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceRequest {
    /// Accepted output commands, one per feature, to be scheduled together (one v4
    /// `OutputCmd`, or every feature a legacy command addresses).
    Output {
        /// `(feature, command)`, each already checked against the advertised ranges.
        commands: Vec<(FeatureIndex, v4::OutputCommand)>,
    },
    /// Send the stop commands of the selected outputs at once and drop held output for them:
    /// every feature when `feature` is `None`.
    Stop {
        /// Feature index, or all.
        feature: Option<FeatureIndex>,
    },
    /// The session that sent this ended: stop the features it owns, and nothing another
    /// session owns (docs/PROTOCOL.md 14.4). The device knows the sender and the owners.
    SessionEnded,
    /// Read an input once and report it with
    /// [`Session::handle_reading`](crate::Session::handle_reading) and this `token`.
    Read {
        /// Names this read in the reply.
        token: ReadToken,
        /// Feature index.
        feature: FeatureIndex,
        /// Which input.
        input: v4::InputType,
    },
    /// Start delivering readings of an input to
    /// [`Session::handle_input_event`](crate::Session::handle_input_event). The device keeps its
    /// subscriptions, the only record of them, so a repeat changes nothing.
    Subscribe {
        /// Feature index.
        feature: FeatureIndex,
        /// Which input.
        input: v4::InputType,
    },
    /// Stop delivering readings of an input; nothing happens when it is not subscribed.
    Unsubscribe {
        /// Feature index.
        feature: FeatureIndex,
        /// Which input.
        input: v4::InputType,
    },
    /// End every input subscription of the selected features: every feature when `feature` is
    /// `None`.
    StopInputs {
        /// Feature index, or all.
        feature: Option<FeatureIndex>,
    },
}

/// Names an outstanding read. Client Ids are not unique, so they never key server state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReadToken(pub(crate) u64);
