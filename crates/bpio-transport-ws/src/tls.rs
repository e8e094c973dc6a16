//! TLS for websockets (wss): the server's identity and the roots a client trusts, both read from
//! PEM files, on rustls with the ring provider.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::crypto::{CryptoProvider, ring};
use tokio_rustls::rustls::pki_types::pem::{self, PemObject};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::{TlsAcceptor, TlsConnector};

use crate::Error;

/// A server's TLS identity: a certificate chain and its private key. Given to
/// [`Config::tls`](crate::Config::tls), it makes the server speak wss instead of ws.
#[derive(Clone)]
pub struct TlsIdentity(Arc<ServerConfig>);

impl TlsIdentity {
    /// Reads a PEM certificate chain (the server's certificate first) and the PEM private key
    /// (PKCS#8, PKCS#1 or SEC1) that belongs to it. Every error names the file at fault.
    pub fn from_pem_files(cert_chain: &Path, private_key: &Path) -> Result<Self, Error> {
        const CHAIN: &str = "certificate chain";
        const KEY: &str = "private key";
        let chain = read_certificates(cert_chain, CHAIN)?;
        let key_pem = read(private_key, KEY)?;
        let key = PrivateKeyDer::from_pem_slice(&key_pem)
            .map_err(|source| pem_error(private_key, KEY, source))?;
        let provider = provider();
        // Loaded once on its own so that a key TLS cannot use is blamed on the key file.
        provider.key_provider.load_private_key(key.clone_key()).map_err(|source| {
            Error::TlsRefused { what: KEY, path: private_key.to_owned(), source }
        })?;
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, key))
            .map_err(|source| match source {
                rustls::Error::InconsistentKeys(_) => Error::TlsKeyMismatch {
                    cert_chain: cert_chain.to_owned(),
                    private_key: private_key.to_owned(),
                },
                source => Error::TlsRefused { what: CHAIN, path: cert_chain.to_owned(), source },
            })?;
        Ok(Self(Arc::new(config)))
    }

    /// What accepts TLS connections with this identity, for a server of another protocol on the
    /// same certificate (the engine's web panel serves HTTPS with it).
    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(Arc::clone(&self.0))
    }
}

impl fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsIdentity").finish_non_exhaustive()
    }
}

/// The certificates a client trusts when it connects to a `wss://` URL, for example a
/// self-signed server's own certificate. Given to [`Config::tls_roots`](crate::Config::tls_roots).
#[derive(Clone)]
pub struct TlsRoots(Arc<ClientConfig>);

impl TlsRoots {
    /// Reads one or more PEM certificates to trust as roots.
    pub fn from_pem_file(path: &Path) -> Result<Self, Error> {
        const ROOTS: &str = "trusted roots";
        let mut roots = RootCertStore::empty();
        for certificate in read_certificates(path, ROOTS)? {
            roots.add(certificate).map_err(|source| Error::TlsRefused {
                what: ROOTS,
                path: path.to_owned(),
                source,
            })?;
        }
        let config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|source| Error::TlsRefused { what: ROOTS, path: path.to_owned(), source })?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self(Arc::new(config)))
    }

    /// Opens TLS over `tcp` to `host`, checking its certificate against these roots.
    pub(crate) async fn connect(
        &self,
        host: &str,
        tcp: TcpStream,
    ) -> std::io::Result<TlsStream<TcpStream>> {
        let name = ServerName::try_from(host.to_owned())
            .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidInput, err))?;
        TlsConnector::from(Arc::clone(&self.0)).connect(name, tcp).await
    }
}

impl fmt::Debug for TlsRoots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsRoots").finish_non_exhaustive()
    }
}

/// Named explicitly rather than taken from the process default, which is ambiguous (and rustls
/// panics) when a program's dependencies enable more than one provider.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|source| Error::TlsRead { what, path: path.to_owned(), source })
}

fn read_certificates(
    path: &Path,
    what: &'static str,
) -> Result<Vec<CertificateDer<'static>>, Error> {
    let text = read(path, what)?;
    let certificates = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| pem_error(path, what, source))?;
    if certificates.is_empty() {
        return Err(Error::TlsMissing { what, path: path.to_owned() });
    }
    Ok(certificates)
}

fn pem_error(path: &Path, what: &'static str, source: pem::Error) -> Error {
    let path: PathBuf = path.to_owned();
    match source {
        pem::Error::NoItemsFound => Error::TlsMissing { what, path },
        source => Error::TlsPem { what, path, source },
    }
}
