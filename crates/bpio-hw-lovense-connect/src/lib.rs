//! Lovense Connect: a hardware backend for toys paired with the Lovense Connect app, driven
//! through the app's local HTTP API as the reference drives them.
//!
//! A scan asks a discovery service (by default the vendor's, [`DEFAULT_DISCOVERY_URL`]) which
//! apps run on the network; it answers with each app's address and ports. Each app is then asked
//! for its toys (`GET http://<app>/GetToys`), and every toy connected to it is reported as a
//! device whose address is the app's id of the toy and whose name is the toy type the app
//! reports (`Lush`, `Edge`), which the `lovense-connect-service` configurations of the device
//! database match. The discovery URL is configurable, so tests point it at `fake::FakeApp` (feature
//! `fake`), a fake of the app's API on loopback.
//!
//! The key design decision: **the protocol writes commands as text, and the hardware only sends
//! them.** As with the reference, the `lovense-connect-service` protocol writes a command's path
//! and query (`Vibrate1?v=10&t=<toy>`) to `tx`, which becomes `GET http://<app>/<command>`, and
//! reads the battery level from `rx`, which is the level the app reported at its latest poll.
//! While any of its toys is connected, each app is polled once a second ([`Config::poll_interval`]);
//! a toy the app no longer lists as connected, and every toy of an app that stops answering or
//! answers nonsense, is disconnected, once. A toy that comes back is found again by the next
//! scan, under the same address. Every request ends within [`Config::request_timeout`], and
//! the app's refusals and bad answers are [`Error`]s that say which.
#![warn(missing_docs)]

mod api;
mod app;
#[cfg(feature = "fake")]
pub mod fake;
mod http;
mod manager;
mod toy;

use std::time::Duration;

use bpio_hardware::HwError;

pub use manager::{LovenseConnect, LovenseConnectManager};

/// The discovery service the reference asks: the vendor's list of the apps on the caller's
/// network.
pub const DEFAULT_DISCOVERY_URL: &str = "https://api.lovense.com/api/lan/getToys";

/// Settings of the Lovense Connect backend.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to ask for the apps on the network.
    pub discovery_url: String,
    /// How often an app with connected toys is asked for its toy list, which tells whether the
    /// toys (and the app) are still there and how full their batteries are.
    pub poll_interval: Duration,
    /// How long any request may take, connecting included.
    pub request_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        // Once a second, as the reference polls; the app's HTTP server is known to fall over
        // when asked much more often. Three seconds leaves a command time to finish within the
        // server's deadline for a hardware operation.
        Self {
            discovery_url: DEFAULT_DISCOVERY_URL.to_owned(),
            poll_interval: Duration::from_secs(1),
            request_timeout: Duration::from_secs(3),
        }
    }
}

/// What went wrong talking to the discovery service or an app.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The discovery URL is not an `http://` or `https://` URL.
    #[error("the Lovense Connect discovery URL `{0}` is not an http:// or https:// URL")]
    BadUrl(String),
    /// The TLS settings could not be built.
    #[error("cannot set up TLS for Lovense Connect")]
    Tls(#[source] rustls::Error),
    /// The HTTP client could not be built.
    #[error("cannot set up the HTTP client for Lovense Connect")]
    Client(#[source] reqwest::Error),
    /// No answer within [`Config::request_timeout`].
    #[error("{what} did not answer in time")]
    Timeout {
        /// Who was asked.
        what: &'static str,
    },
    /// The request failed: nobody listens there, the connection broke, ...
    #[error("cannot reach {what}")]
    Unreachable {
        /// Who was asked.
        what: &'static str,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// An HTTP status other than success.
    #[error("{what} answered with HTTP status {status}")]
    Status {
        /// Who was asked.
        what: &'static str,
        /// The status code.
        status: u16,
    },
    /// A body that is not the JSON expected.
    #[error("cannot read the answer of {what}")]
    BadJson {
        /// Who answered.
        what: &'static str,
        /// What was wrong with it.
        #[source]
        source: serde_json::Error,
    },
    /// The app refused, with its code (401 toy not found, 402 toy not connected, 403 not
    /// supported by the toy, 404 invalid parameter, 506 server error, ...).
    #[error("the Lovense Connect app refused: {code} {message}")]
    App {
        /// The app's code.
        code: i64,
        /// The app's message (may be empty).
        message: String,
    },
    /// A battery read, while the app reports no level for the toy.
    #[error("the Lovense Connect app reports no battery level for this toy")]
    NoBattery,
    /// A write whose bytes are not a text command.
    #[error("a Lovense Connect command must be text")]
    NotText,
}

impl From<Error> for HwError {
    fn from(error: Error) -> Self {
        match error {
            Error::Timeout { .. } => Self::Timeout,
            other => Self::Backend(Box::new(other)),
        }
    }
}
