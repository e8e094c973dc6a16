//! The crate's error and warning types.

use std::fmt;
use std::path::PathBuf;

use crate::range::RangeError;
use bpio_hardware::Uuid;

/// Everything that can go wrong loading, converting or saving device configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not JSON at all.
    #[error("{file} is not valid JSON")]
    Json {
        /// Which file.
        file: FileKind,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// `version.major` is neither 4 nor 5.
    #[error("{file} has major version {major}; only 4 and 5 are supported")]
    UnsupportedVersion {
        /// Which file.
        file: FileKind,
        /// The major version found.
        major: u64,
    },
    /// A value has the wrong type or shape for its field (what the JSON schema would reject).
    #[error("{location} is malformed")]
    Malformed {
        /// Where.
        location: Box<Location>,
        /// The deserializer's description.
        #[source]
        source: serde_json::Error,
    },
    /// A value is well-formed but not acceptable.
    #[error("{location}: {problem}")]
    Invalid {
        /// Where.
        location: Box<Location>,
        /// What.
        problem: Problem,
    },
    /// The embedded database compiled into the program does not unpack: the build is broken.
    #[error("the embedded device database is damaged")]
    Packed(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Reading or writing a file failed.
    #[error("cannot access {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
}

/// Which kind of file an error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileKind {
    /// A base device database in a public format.
    Base,
    /// A user configuration in a public format.
    User,
    /// One file of the embedded database, by protocol name.
    Embedded(String),
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Base => f.write_str("the device config"),
            Self::User => f.write_str("the user config"),
            Self::Embedded(protocol) => write!(f, "embedded database file `{protocol}.json`"),
        }
    }
}

/// Where in a file a problem is: the protocol, the device definition or record, and the field
/// path inside it (`features[2].output.vibrate.value`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Which file.
    pub file: FileKind,
    /// Protocol name, when inside one.
    pub protocol: Option<String>,
    /// Device: a definition's `name`, or `devices[i]` for a user record.
    pub device: Option<String>,
    /// Field path below the protocol or device (or from the top when neither is known).
    pub field: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(protocol) = &self.protocol {
            write!(f, ", protocol `{protocol}`")?;
        }
        if let Some(device) = &self.device {
            write!(f, ", device `{device}`")?;
        }
        if !self.field.is_empty() {
            write!(f, ", field `{}`", self.field)?;
        }
        Ok(())
    }
}

/// What is wrong with a well-formed value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// A range is reversed or too wide.
    #[error(transparent)]
    Range(#[from] RangeError),
    /// A field required here is absent.
    #[error("the field is required")]
    Missing,
    /// A protocol name that cannot be a file name in the embedded database.
    #[error("the protocol name must be non-empty lower-case ASCII letters, digits, `-` or `_`")]
    UnusableProtocolName,
    /// An embedded file's `protocol` differs from its file name.
    #[error("the protocol name differs from the file name")]
    ProtocolNameMismatch,
    /// An `output` key that names no output type.
    #[error("unknown output type `{0}`")]
    UnknownOutputType(String),
    /// An `input` key that names no input type.
    #[error("unknown input type `{0}`")]
    UnknownInputType(String),
    /// The document is not a JSON object.
    #[error("a config file must be a JSON object")]
    NotAnObject,
    /// A key that only format 5 defines appears in a format-4 file.
    #[error("not defined in format 4")]
    NeedsFormat5,
    /// A user record's `base_id` names no definition.
    #[error("no device definition has id {0}")]
    UnknownBaseDefinition(Uuid),
    /// A user record lists a different number of features than its base definition.
    #[error("the record has {record} features, its base definition {base}")]
    FeatureCount {
        /// Entries in the record.
        record: usize,
        /// Features of the base definition.
        base: usize,
    },
    /// A user feature's `base_id` matches no (still unmatched) base feature.
    #[error("no unmatched base feature has id {0}")]
    UnknownBaseFeature(Uuid),
    /// A user limit is outside `[0, base max]`.
    #[error("user limit [{min}, {max}] is outside [0, {base_max}]")]
    LimitOutsideBase {
        /// Limit lower end.
        min: i32,
        /// Limit upper end.
        max: i32,
        /// The base range's `max`.
        base_max: i32,
    },
}

/// Something the loader accepted but logged: duplicates resolved by rule, definitions skipped,
/// user records dropped. Loading returns them so callers and tests can see them too.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Warning {
    /// Several definitions share one id (resolved by rule D, docs/DEVICE_CONFIG.md 1.1).
    #[error("definition id {id} is used {count} times")]
    DuplicateDefinitionId {
        /// The id.
        id: Uuid,
        /// How many definitions carry it.
        count: usize,
    },
    /// Several features of one definition share an id (paired by rule F).
    #[error("protocol `{protocol}`, device `{device}`: feature id {id} is used {count} times")]
    DuplicateFeatureId {
        /// Protocol.
        protocol: String,
        /// Definition name.
        device: String,
        /// The id.
        id: Uuid,
        /// How many features carry it.
        count: usize,
    },
    /// Several configurations of one protocol list one identifier (the last wins, rule I).
    #[error("protocol `{protocol}`: identifier `{identifier}` is listed by {count} configurations")]
    DuplicateIdentifier {
        /// Protocol.
        protocol: String,
        /// The identifier.
        identifier: String,
        /// How many configurations list it.
        count: usize,
    },
    /// A communication specifier with an unknown key was skipped.
    #[error("protocol `{protocol}`: unknown communication specifier `{key}` skipped")]
    UnknownSpecifier {
        /// Protocol.
        protocol: String,
        /// The key.
        key: String,
    },
    /// A definition with an invalid range was skipped (docs/DEVICE_CONFIG.md 1, rule 6).
    #[error("definition skipped")]
    SkippedDefinition(#[source] Box<Error>),
    /// A user device record was dropped (docs/DEVICE_CONFIG.md 6.5).
    #[error("user device record dropped")]
    DroppedRecord(#[source] Box<Error>),
}

impl Warning {
    /// Logs the warning; device names and addresses are personal data, so the details go to
    /// `debug` and `warn` carries only the kind. Duplicates are facts of the public database,
    /// resolved by the documented rule on every load, so they go to `debug`: callers get them
    /// all from `warnings()` and decide how to report them.
    pub(crate) fn log(&self) {
        match self {
            Self::SkippedDefinition(error) | Self::DroppedRecord(error) => {
                tracing::warn!(warning = %self, "device config");
                tracing::debug!(cause = %error, "device config warning detail");
            }
            Self::DuplicateDefinitionId { .. }
            | Self::DuplicateFeatureId { .. }
            | Self::DuplicateIdentifier { .. } => tracing::debug!(warning = %self, "device config"),
            Self::UnknownSpecifier { .. } => tracing::warn!(warning = %self, "device config"),
        }
    }
}
