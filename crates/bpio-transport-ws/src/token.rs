//! The shared-secret token a server may require of every upgrade request.

use std::fmt;
use std::sync::Arc;

use subtle::ConstantTimeEq;
use tokio_tungstenite::tungstenite::handshake::server::Request;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_tungstenite::tungstenite::http::{HeaderMap, Uri};

use crate::Error;

/// A shared secret that a client must present to be served: as the URL query parameter
/// `token=<secret>` (percent-encoded where needed) or as the header `Authorization: Bearer
/// <secret>`. Given to [`Config::token`](crate::Config::token).
#[derive(Clone)]
pub struct Token(Arc<[u8]>);

impl Token {
    /// A token with this secret; an empty secret is refused, since it would admit everyone.
    pub fn new(secret: &str) -> Result<Self, Error> {
        if secret.is_empty() {
            return Err(Error::EmptyToken);
        }
        Ok(Self(secret.as_bytes().into()))
    }

    /// Whether `request` presents this token in its query or its `Authorization` header.
    pub(crate) fn admits(&self, request: &Request) -> bool {
        self.admits_http(request.uri(), request.headers())
    }

    /// Whether a request to `uri` with `headers` presents this token in its query or its
    /// `Authorization` header, for a server of another protocol that shares the token (the
    /// engine's web panel).
    pub fn admits_http(&self, uri: &Uri, headers: &HeaderMap) -> bool {
        let from_query =
            uri.query().into_iter().flat_map(|query| query.split('&')).filter_map(|pair| {
                pair.strip_prefix("token=").map(|value| percent_decode(value.as_bytes()))
            });
        let from_header = headers
            .get_all(AUTHORIZATION)
            .into_iter()
            .filter_map(|value| bearer(value.as_bytes()).map(<[u8]>::to_vec));
        // Every candidate is compared in full, so the time taken says nothing of the secret's
        // content (only, as with any comparison, of its length).
        from_query
            .chain(from_header)
            .fold(false, |found, candidate| found | bool::from(candidate.as_slice().ct_eq(&self.0)))
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(..)")
    }
}

/// The credentials of an `Authorization: Bearer <credentials>` value (scheme in any case).
fn bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = value.split_at_checked(b"Bearer".len())?;
    if !scheme.eq_ignore_ascii_case(b"Bearer") || !rest.starts_with(b" ") {
        return None;
    }
    Some(rest.trim_ascii())
}

/// Decodes `%XX` escapes; anything else, a malformed escape included, stays as it is.
fn percent_decode(text: &[u8]) -> Vec<u8> {
    let mut decoded = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some((&byte, tail)) = rest.split_first() {
        let escaped = match (byte, tail) {
            (b'%', [high, low, ..]) => hex(*high).zip(hex(*low)).map(|(h, l)| h << 4 | l),
            _ => None,
        };
        match escaped {
            Some(value) => {
                decoded.push(value);
                rest = tail.get(2..).unwrap_or_default();
            }
            None => {
                decoded.push(byte);
                rest = tail;
            }
        }
    }
    decoded
}

fn hex(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str, authorization: Option<&str>) -> Request {
        let mut builder = Request::builder().uri(uri);
        if let Some(value) = authorization {
            builder = builder.header(AUTHORIZATION, value);
        }
        builder.body(()).unwrap()
    }

    #[test]
    fn the_token_is_found_in_the_query_or_the_header() {
        let token = Token::new("s3cret&more").unwrap();
        let admitted = |uri, header| token.admits(&request(uri, header));
        assert!(admitted("/?token=s3cret%26more", None));
        assert!(admitted("/?a=1&token=s3cret%26more&b=2", None));
        assert!(admitted("/", Some("Bearer s3cret&more")));
        assert!(admitted("/", Some("bearer  s3cret&more ")));
        assert!(admitted("/?token=wrong", Some("Bearer s3cret&more")));

        assert!(!admitted("/", None));
        assert!(!admitted("/?token=s3cret", None));
        assert!(!admitted("/?token=s3cret&more", None));
        assert!(!admitted("/?xtoken=s3cret%26more", None));
        assert!(!admitted("/", Some("Basic s3cret&more")));
        assert!(!admitted("/", Some("Bearers3cret&more")));
        assert!(!admitted("/", Some("Bearer")));
        assert!(!admitted("/", Some("Bearer s3cret&more2")));
    }

    #[test]
    fn percent_escapes_decode_and_malformed_ones_stay() {
        assert_eq!(percent_decode(b"a%20b%2Fc"), b"a b/c");
        assert_eq!(percent_decode(b"%zz%4"), b"%zz%4");
        assert_eq!(percent_decode(b"%"), b"%");
        assert_eq!(percent_decode(b"%e2%9C%93"), "\u{2713}".as_bytes());
    }

    #[test]
    fn an_empty_token_is_refused_and_a_token_never_prints_its_secret() {
        assert!(matches!(Token::new(""), Err(Error::EmptyToken)));
        assert_eq!(format!("{:?}", Token::new("hunter2").unwrap()), "Token(..)");
    }
}
