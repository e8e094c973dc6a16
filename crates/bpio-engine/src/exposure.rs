//! How the client websocket server is exposed: TLS and the shared-secret token from the flags, and
//! the warnings for listening beyond this machine; and the roots trusted when connecting out.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, Result, bail};
use bpio::transport_ws::{TlsIdentity, TlsRoots, Token};

use crate::Options;

/// The protections the flags ask for, loaded and checked.
#[derive(Debug, Default)]
pub(crate) struct Exposure {
    pub(crate) tls: Option<TlsIdentity>,
    pub(crate) token: Option<Token>,
    /// What the engine trusts when it connects out over wss:// (`--websocket-tls-roots`).
    pub(crate) roots: Option<TlsRoots>,
}

impl Exposure {
    /// Reads the certificate, key and token the flags name. Every error is one line that names
    /// the flag or the file at fault.
    pub(crate) fn from_options(options: &Options) -> Result<Self> {
        let tls = match (&options.websocket_tls_cert, &options.websocket_tls_key) {
            (Some(cert), Some(key)) => Some(TlsIdentity::from_pem_files(cert, key)?),
            (None, None) => None,
            (Some(_), None) => bail!("--websocket-tls-cert needs --websocket-tls-key as well"),
            (None, Some(_)) => bail!("--websocket-tls-key needs --websocket-tls-cert as well"),
        };
        let token = match (&options.websocket_token, &options.websocket_token_file) {
            (Some(token), None) => {
                Some(Token::new(token).context("--websocket-token cannot be used")?)
            }
            (None, Some(path)) => Some(token_from_file(path)?),
            (None, None) => None,
            (Some(_), Some(_)) => {
                bail!("--websocket-token and --websocket-token-file cannot be used together")
            }
        };
        let roots =
            options.websocket_tls_roots.as_deref().map(TlsRoots::from_pem_file).transpose()?;
        Ok(Self { tls, token, roots })
    }

    /// The scheme clients use: `wss` with TLS, else `ws`.
    pub(crate) fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "wss" } else { "ws" }
    }

    /// What to warn about when the client server listens on `address` (and the device server,
    /// if any, on `device_port`), one line each.
    pub(crate) fn warnings(&self, address: SocketAddr, device_port: Option<u16>) -> Vec<String> {
        warnings(address, self.tls.is_some(), self.token.is_some(), device_port)
    }
}

/// Nothing on loopback; beyond it, who can reach the servers and what is left unprotected.
fn warnings(address: SocketAddr, tls: bool, token: bool, device_port: Option<u16>) -> Vec<String> {
    if address.ip().to_canonical().is_loopback() {
        return Vec::new();
    }
    let reach = format!(
        "clients are served on {address}, beyond this machine: anyone on the network who can \
             reach it can try to connect"
    );
    let advice = match (tls, token) {
        (true, true) => "; connections need TLS and the token".to_owned(),
        (true, false) => {
            "; with no token, anyone who reaches it can control the connected devices; \
                 require one with --websocket-token-file"
                .to_owned()
        }
        (false, true) => {
            "; without TLS the token and every command travel unencrypted, readable by anyone \
                 on the network; add --websocket-tls-cert and --websocket-tls-key"
                .to_owned()
        }
        (false, false) => {
            "; with neither TLS nor a token, ANYONE WHO REACHES IT CAN CONTROL THE CONNECTED \
                 DEVICES and read every command; require a token with --websocket-token-file and \
                 encrypt with --websocket-tls-cert and --websocket-tls-key, or listen on loopback"
                .to_owned()
        }
    };
    let mut warnings = vec![reach + &advice];
    if let Some(port) = device_port {
        warnings.push(format!(
            "the device websocket server listens on {} too, with neither TLS nor a token: \
                 anyone who reaches it can pose as a device",
            SocketAddr::new(address.ip(), port)
        ));
    }
    warnings
}

/// The token in `path`, without surrounding whitespace (a trailing newline above all).
fn token_from_file(path: &Path) -> Result<Token> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the token file {}", path.display()))?;
    Token::new(text.trim())
        .with_context(|| format!("the token file {} cannot be used", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_needs_no_warning() {
        for address in ["127.0.0.1:1", "127.8.9.1:1", "[::1]:1", "[::ffff:127.0.0.1]:1"] {
            assert!(warnings(address.parse().unwrap(), false, false, Some(2)).is_empty());
        }
    }

    #[test]
    fn beyond_loopback_the_warning_names_what_is_unprotected() {
        let all: SocketAddr = "0.0.0.0:12345".parse().unwrap();
        let line = |tls, token| {
            let lines = warnings(all, tls, token, None);
            assert_eq!(lines.len(), 1);
            assert!(lines[0].contains("0.0.0.0:12345, beyond this machine"), "{}", lines[0]);
            lines[0].clone()
        };
        let bare = line(false, false);
        assert!(bare.contains("neither TLS nor a token, ANYONE WHO REACHES IT CAN CONTROL"));
        assert!(line(false, true).contains("the token and every command travel unencrypted"));
        assert!(line(true, false).contains("with no token, anyone who reaches it can control"));
        let both = line(true, true);
        assert!(both.ends_with("connections need TLS and the token"), "{both}");
    }

    #[test]
    fn an_exposed_device_server_is_named_too() {
        let lines = warnings("[2001:db8::1]:1".parse().unwrap(), true, true, Some(54817));
        assert_eq!(lines.len(), 2);
        assert!(lines[1].contains("[2001:db8::1]:54817") && lines[1].contains("pose as a device"));
    }
}
