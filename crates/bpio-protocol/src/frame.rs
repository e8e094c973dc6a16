//! Splitting a transmission into messages, and writing messages back out.
//!
//! A transmission is a sequence of JSON values, each normally an array of one-key objects
//! (docs/PROTOCOL.md 2.1 and 5.3). The reader makes one pass over the text that finds the
//! extent of every message without interpreting it; each message body is then parsed into its
//! type on its own, so one bad message costs only its own reply.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

use crate::error::{IdProblem, ParseError, ParseErrorKind};

/// Visitor methods that map every scalar JSON value to `$value`.
macro_rules! scalars_are {
    ($value:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

/// The set of messages one side of one spec version accepts (for example the v4 client messages).
///
/// Implemented by the message enums; the parser uses it to turn a message name and its JSON body
/// into a value.
pub trait MessageSet: Sized {
    /// Message names of this set, as written on the wire.
    const NAMES: &'static [&'static str];
    /// Message names that exist in this spec version but travel the other way.
    const OTHER_DIRECTION: &'static [&'static str];
    /// Who receives this set: "server" or "client".
    const RECEIVER: &'static str;
    /// The smallest valid Id: 1 for client messages, 0 for server messages.
    const MIN_ID: u32;

    /// Parses the body of the message called `name`; `None` if `name` is not in [`Self::NAMES`].
    fn parse_body(name: &str, body: &str) -> Option<Result<Self, serde_json::Error>>;

    /// The message's Id.
    fn id(&self) -> u32;

    /// The message's name on the wire.
    fn name(&self) -> &'static str;
}

/// Parses one transmission into its messages, in order.
///
/// Returns one entry per message found, and one error entry for each part of the input that could
/// not be split into messages (docs/PROTOCOL.md 5.3). The result is never empty.
pub fn parse_frame<M: MessageSet>(bytes: &[u8]) -> Vec<Result<M, ParseError>> {
    split_frame(bytes).into_iter().map(|message| message.and_then(|m| m.parse())).collect()
}

/// One message of a transmission, split off but not yet interpreted: its name and its JSON body.
///
/// [`split_frame`] yields these so that a caller can choose the parser message by message, as a
/// server must when a transmission holds the handshake followed by messages of the version the
/// handshake chose.
#[derive(Debug, Clone)]
pub struct RawMessage<'a> {
    name: Cow<'a, str>,
    body: &'a RawValue,
}

impl RawMessage<'_> {
    /// The message name, as sent.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The message body, as sent.
    pub fn body(&self) -> &str {
        self.body.get()
    }

    /// Parses the message as a member of `M`.
    pub fn parse<M: MessageSet>(&self) -> Result<M, ParseError> {
        parse_message::<M>(&self.name, self.body.get())
    }
}

/// Splits one transmission into its messages, in order, without interpreting them.
///
/// Returns one entry per message found, and one error entry for each part of the input that could
/// not be split into messages (docs/PROTOCOL.md 5.3). The result is never empty.
/// [`parse_frame`] is this followed by [`RawMessage::parse`] on every message.
pub fn split_frame(bytes: &[u8]) -> Vec<Result<RawMessage<'_>, ParseError>> {
    let (text, invalid_utf8_at) = match std::str::from_utf8(bytes) {
        Ok(text) => (text, None),
        // Keep the valid prefix: complete messages before the bad byte are still handled.
        Err(err) => {
            let valid = bytes.get(..err.valid_up_to()).unwrap_or_default();
            (std::str::from_utf8(valid).unwrap_or_default(), Some(err.valid_up_to()))
        }
    };
    let utf8_error =
        |valid_up_to| ParseError::unattributed(ParseErrorKind::InvalidUtf8 { valid_up_to });

    let mut out = Vec::new();
    if text.trim_start().is_empty() {
        out.push(Err(match invalid_utf8_at {
            Some(at) => utf8_error(at),
            None => ParseError::unattributed(ParseErrorKind::Empty),
        }));
        return out;
    }

    for value in serde_json::Deserializer::from_str(text).into_iter::<TopValue<'_>>() {
        match value {
            Ok(TopValue::Array(elements)) if elements.is_empty() => {
                out.push(Err(ParseError::unattributed(ParseErrorKind::EmptyArray)));
            }
            Ok(TopValue::Array(elements)) => {
                out.extend(elements.into_iter().map(|element| match element {
                    Element::Message { name, body } => Ok(RawMessage { name, body }),
                    Element::Malformed => {
                        Err(ParseError::unattributed(ParseErrorKind::NotAMessageObject))
                    }
                }));
            }
            Ok(TopValue::Other) => {
                out.push(Err(ParseError::unattributed(ParseErrorKind::NotAnArray)))
            }
            Err(err) => {
                // No reliable point to resume from: report once and drop the rest.
                out.push(Err(match invalid_utf8_at {
                    Some(at) => utf8_error(at),
                    None => ParseError::unattributed(ParseErrorKind::Syntax {
                        line: err.line(),
                        column: err.column(),
                        reason: reason_of(&err),
                    }),
                }));
                return out;
            }
        }
    }
    if let Some(at) = invalid_utf8_at {
        out.push(Err(utf8_error(at)));
    }
    out
}

/// Writes messages as one transmission: a JSON array with one element per message.
pub fn serialize_frame<M: Serialize>(messages: &[M]) -> String {
    // Serializing these types can not fail: no maps with non-string keys, no non-finite floats.
    serde_json::to_string(messages).unwrap_or_else(|_| String::from("[]"))
}

fn parse_message<M: MessageSet>(name: &str, body: &str) -> Result<M, ParseError> {
    let Some(parsed) = M::parse_body(name, body) else {
        let name = name.to_owned();
        let kind = if M::OTHER_DIRECTION.contains(&name.as_str()) {
            ParseErrorKind::WrongDirection { name, receiver: M::RECEIVER }
        } else {
            ParseErrorKind::UnknownMessage { name }
        };
        return Err(ParseError { id: probe_id(body, M::MIN_ID).unwrap_or(0), kind });
    };
    // The Id is only looked for on failure, so the happy path reads each message once.
    parsed.map_err(|err| {
        let message = name.to_owned();
        let reason = reason_of(&err);
        match probe_id(body, M::MIN_ID) {
            Ok(id) => ParseError { id, kind: ParseErrorKind::InvalidFields { message, reason } },
            Err(IdProbe::NotAnObject) => {
                ParseError::unattributed(ParseErrorKind::InvalidFields { message, reason })
            }
            Err(IdProbe::Bad(problem)) => {
                ParseError::unattributed(ParseErrorKind::InvalidId { message, problem })
            }
        }
    })
}

enum IdProbe {
    NotAnObject,
    Bad(IdProblem),
}

/// Reads just the `Id` of a message body, so that an error reply can carry it.
fn probe_id(body: &str, min_id: u32) -> Result<u32, IdProbe> {
    #[derive(Deserialize)]
    struct Probe<'a> {
        #[serde(rename = "Id", borrow)]
        id: Option<&'a RawValue>,
    }
    // Checked first: a derived struct would also read an array, taking `[7]` as Id 7.
    if !body.starts_with('{') {
        return Err(IdProbe::NotAnObject);
    }
    // An object whose probe fails can only have repeated the `Id` key.
    let probe =
        serde_json::from_str::<Probe<'_>>(body).map_err(|_| IdProbe::Bad(IdProblem::Duplicate))?;
    let raw = probe.id.ok_or(IdProbe::Bad(IdProblem::Missing))?.get();
    let problem = match integer_token(raw) {
        None => IdProblem::NotAnInteger,
        Some(Integer::Negative) | Some(Integer::Huge) => IdProblem::OutOfRange,
        Some(Integer::Small(value)) => match u32::try_from(value) {
            Ok(id) if id >= min_id => return Ok(id),
            Ok(_) => IdProblem::Zero,
            Err(_) => IdProblem::OutOfRange,
        },
    };
    Err(IdProbe::Bad(problem))
}

/// A JSON integer token, classified without going through `f64`.
pub(crate) enum Integer {
    /// Fits in `i64`... as an `i64`.
    Small(i64),
    /// A negative integer below `i64::MIN`.
    Negative,
    /// A positive integer above `i64::MAX`.
    Huge,
}

/// Reads `raw` as a JSON integer: an optional minus and digits, no fraction or exponent.
pub(crate) fn integer_token(raw: &str) -> Option<Integer> {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(match raw.parse::<i64>() {
        Ok(value) => Integer::Small(value),
        Err(_) if raw.starts_with('-') => Integer::Negative,
        Err(_) => Integer::Huge,
    })
}

/// A serde_json error without its position suffix, which would point into the message body
/// rather than the transmission.
fn reason_of(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rsplit_once(" at line ") {
        Some((reason, _)) => reason.to_owned(),
        None => text,
    }
}

/// One top-level JSON value of a transmission.
enum TopValue<'a> {
    Array(Vec<Element<'a>>),
    Other,
}

/// One element of a top-level array.
enum Element<'a> {
    Message { name: Cow<'a, str>, body: &'a RawValue },
    Malformed,
}

impl<'de> Deserialize<'de> for TopValue<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TopVisitor;
        impl<'de> Visitor<'de> for TopVisitor {
            type Value = TopValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut elements = Vec::with_capacity(seq.size_hint().unwrap_or(1).min(64));
                while let Some(element) = seq.next_element::<Element<'de>>()? {
                    elements.push(element);
                }
                Ok(TopValue::Array(elements))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                drain_map(map)?;
                Ok(TopValue::Other)
            }
            scalars_are!(TopValue::Other);
        }
        deserializer.deserialize_any(TopVisitor)
    }
}

impl<'de> Deserialize<'de> for Element<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ElementVisitor;
        impl<'de> Visitor<'de> for ElementVisitor {
            type Value = Element<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let Some(Key(name)) = map.next_key::<Key<'de>>()? else {
                    return Ok(Element::Malformed);
                };
                let body = map.next_value::<&'de RawValue>()?;
                if map.next_key::<IgnoredAny>()?.is_some() {
                    map.next_value::<IgnoredAny>()?;
                    drain_map(map)?;
                    return Ok(Element::Malformed);
                }
                Ok(Element::Message { name, body })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Element::Malformed)
            }
            scalars_are!(Element::Malformed);
        }
        deserializer.deserialize_any(ElementVisitor)
    }
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// An object key, borrowed from the input when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}
