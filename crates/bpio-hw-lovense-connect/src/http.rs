//! GET requests with a deadline, and what their failures mean.

use std::sync::Arc;
use std::time::Duration;

use crate::Error;

/// The discovery service, in errors.
pub(crate) const DISCOVERY: &str = "the Lovense Connect discovery service";
/// The app's `GetToys`, in errors.
pub(crate) const TOY_LIST: &str = "the Lovense Connect app's toy list";
/// The app, answering a command, in errors.
pub(crate) const APP: &str = "the Lovense Connect app";

/// A shared HTTP client whose every request ends within the timeout it was built with.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
}

impl Http {
    pub(crate) fn new(timeout: Duration) -> Result<Self, Error> {
        // The ring provider, chosen here rather than through a process-wide default, and the
        // bundled Mozilla roots: nothing is read from the system, nothing needs a C build.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(Error::Tls)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(timeout)
            .connect_timeout(timeout)
            // The app is on the local network or this machine: never through a proxy.
            .no_proxy()
            .build()
            .map_err(Error::Client)?;
        Ok(Self { client })
    }

    /// The body of a `200 OK` answer to `GET url`; `what` names the peer in errors.
    pub(crate) async fn get(&self, url: &str, what: &'static str) -> Result<String, Error> {
        let failed = |source: reqwest::Error| {
            if source.is_timeout() {
                Error::Timeout { what }
            } else {
                Error::Unreachable { what, source }
            }
        };
        let response = self.client.get(url).send().await.map_err(failed)?;
        let status = response.status();
        if !status.is_success() {
            return Err(Error::Status { what, status: status.as_u16() });
        }
        response.text().await.map_err(failed)
    }
}
