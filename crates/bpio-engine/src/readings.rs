//! Readings a session asks for on behalf of people who look at the engine: the web panel and
//! Home Assistant show every battery and signal strength without a client asking.

use std::sync::Arc;
use std::time::Duration;

use bpio::client::{Client, Event};
use bpio::protocol::v4::{InputCommandType, InputType};
use tracing::debug;

/// How often every battery and signal strength is read again.
const READ_EVERY: Duration = Duration::from_secs(60);

/// Reads the battery and signal strength of every device that has them as it is listed, and
/// again every minute, so the panel and Home Assistant show them; the readings reach them as
/// observations.
pub(crate) async fn read_batteries(client: Arc<Client>) {
    let mut events = client.events();
    // Devices already listed are read at once: the event stream starts with them.
    let mut every = tokio::time::interval_at(tokio::time::Instant::now() + READ_EVERY, READ_EVERY);
    loop {
        let devices = tokio::select! {
            event = events.next() => match event {
                Some(Event::DeviceAdded(device)) => vec![device],
                Some(_) => continue,
                None => return,
            },
            _ = every.tick() => client.devices(),
        };
        for device in devices {
            for input in [InputType::Battery, InputType::Rssi] {
                let readable = device.features().iter().any(|feature| {
                    feature.input(input).is_some_and(|p| p.accepts(InputCommandType::Read))
                });
                if readable && let Err(err) = device.read(input).await {
                    debug!(device = device.index(), %input, cause = %err, "cannot read");
                }
            }
        }
    }
}
