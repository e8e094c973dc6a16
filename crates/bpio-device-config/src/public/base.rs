//! Reading a base device database in a public format.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::{
    DefinitionError, DefinitionPlace, RawDefinition, RawSpecifier, deserialize, read_version,
};
use crate::base::BaseDatabase;
use crate::definition::{Definition, Inherited, Protocol};
use crate::error::{Error, FileKind, Warning};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBaseFile {
    #[allow(dead_code)]
    version: IgnoredAny,
    #[serde(default)]
    protocols: BTreeMap<String, RawProtocol>,
    /// A base file may carry user configs (the schema allows it); they are not base data.
    #[serde(default)]
    #[allow(dead_code)]
    user_configs: Option<IgnoredAny>,
}

/// Unknown keys (e.g. `configuration` in 4.189's sexverse-v5) are ignored (docs/DEVICE_CONFIG.md
/// 1, rule 4).
#[derive(Deserialize)]
pub(crate) struct RawProtocol {
    #[serde(default)]
    communication: Vec<RawSpecifier>,
    #[serde(default)]
    defaults: Option<RawDefinition>,
    #[serde(default)]
    configurations: Vec<RawDefinition>,
}

/// How to treat a definition whose range has `min > max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strictness {
    /// Skip the definition with a warning, as docs/DEVICE_CONFIG.md 1 rule 6 requires.
    #[default]
    SkipInvalidDefinitions,
    /// Reject the whole file (for checking a database before shipping it).
    RejectInvalidDefinitions,
}

/// Parses a base database file of major 4 or 5.
pub(crate) fn parse_base(text: &str, strictness: Strictness) -> Result<BaseDatabase, Error> {
    let file = FileKind::Base;
    let version = read_version(text, &file)?;
    let raw: RawBaseFile = deserialize(text, &file)?;
    let mut warnings = Vec::new();
    let mut protocols = Vec::with_capacity(raw.protocols.len());
    for (name, raw_protocol) in raw.protocols {
        protocols.push(convert_protocol(name, raw_protocol, &file, strictness, &mut warnings)?);
    }
    Ok(BaseDatabase::new(version, protocols, warnings))
}

pub(crate) fn convert_protocol(
    name: String,
    raw: RawProtocol,
    file: &FileKind,
    strictness: Strictness,
    warnings: &mut Vec<Warning>,
) -> Result<Protocol, Error> {
    let communication = super::user::known_specifiers(&name, raw.communication, warnings);
    let place = DefinitionPlace { file, protocol: &name };
    let mut accept = |result: Result<(Definition, Inherited), DefinitionError>| match result {
        Ok(converted) => Ok(Some(converted)),
        Err(DefinitionError::Fatal(error)) => Err(error),
        Err(DefinitionError::Skip(error)) => match strictness {
            Strictness::RejectInvalidDefinitions => Err(error),
            Strictness::SkipInvalidDefinitions => {
                let warning = Warning::SkippedDefinition(Box::new(error));
                warning.log();
                warnings.push(warning);
                Ok(None)
            }
        },
    };
    let defaults = match raw.defaults {
        Some(raw_defaults) => {
            accept(raw_defaults.convert(&place))?.map(|(definition, _)| definition)
        }
        None => None,
    };
    let mut configurations = Vec::with_capacity(raw.configurations.len());
    for raw_configuration in raw.configurations {
        if let Some((mut configuration, missing)) = accept(raw_configuration.convert(&place))? {
            if let Some(defaults) = &defaults {
                configuration.inherit_from(defaults, missing);
            }
            configurations.push(configuration);
        }
    }
    let mut protocol = Protocol { name, communication, defaults, configurations };
    protocol.shrink_to_fit();
    Ok(protocol)
}
