//! Resolving user device records against base definitions (docs/DEVICE_CONFIG.md 6.5, rules D and
//! F).

use std::collections::{BTreeMap, HashMap};

use crate::config::{DefRef, DeviceConfig, UserDefinition};
use crate::definition::Definition;
use crate::error::{Error, FileKind, Location, Problem, Warning};
use crate::feature::{ConfigKey, Output};
use crate::range::ConfigRange;
use crate::user::{DeviceKey, DeviceRecord, OutputOverride};

/// Every usable record by device key, and a warning per dropped record.
pub(crate) fn resolve_records(
    config: &DeviceConfig,
) -> (HashMap<DeviceKey, UserDefinition>, Vec<Warning>) {
    let mut resolved = HashMap::new();
    let mut warnings = Vec::new();
    for (at, record) in config.user_records().iter().enumerate() {
        match resolve_record(config, at, record) {
            Ok(user_definition) => {
                // A later record for the same device replaces an earlier one, like a later
                // configuration listing the same identifier (rule I).
                resolved.insert(record.key.clone(), user_definition);
            }
            Err(error) => {
                let warning = Warning::DroppedRecord(Box::new(error));
                warning.log();
                warnings.push(warning);
            }
        }
    }
    (resolved, warnings)
}

fn resolve_record(
    config: &DeviceConfig,
    at: usize,
    record: &DeviceRecord,
) -> Result<UserDefinition, Error> {
    let invalid = |field: &str, problem| Error::Invalid {
        location: Location {
            file: FileKind::User,
            protocol: Some(record.key.protocol.clone()),
            device: Some(format!("devices[{at}]")),
            field: field.to_owned(),
        }
        .into(),
        problem,
    };
    let reference = choose_base(config, record)
        .ok_or_else(|| invalid("config.base_id", Problem::UnknownBaseDefinition(record.base_id)))?;
    let base = config
        .definition(reference)
        .ok_or_else(|| invalid("config.base_id", Problem::UnknownBaseDefinition(record.base_id)))?;
    if record.features.len() != base.features.len() {
        return Err(invalid(
            "config.features",
            Problem::FeatureCount { record: record.features.len(), base: base.features.len() },
        ));
    }
    // Rule F: each entry takes the lowest-index unmatched base feature with its base_id.
    let mut order: Vec<usize> = (0..base.features.len()).collect();
    order.sort_by_key(|&slot| base.features.get(slot).map(|feature| feature.index));
    let mut overrides: Vec<Option<(usize, &BTreeMap<_, OutputOverride>)>> =
        vec![None; base.features.len()];
    for (slot, entry) in record.features.iter().enumerate() {
        let target = order.iter().copied().find(|&candidate| {
            overrides.get(candidate).is_some_and(Option::is_none)
                && base.features.get(candidate).is_some_and(|feature| feature.id == entry.base_id)
        });
        let target = target.ok_or_else(|| {
            invalid(
                &format!("config.features[{slot}].base_id"),
                Problem::UnknownBaseFeature(entry.base_id),
            )
        })?;
        if let Some(place) = overrides.get_mut(target) {
            *place = Some((slot, &entry.outputs));
        }
    }
    let mut features = Vec::with_capacity(base.features.len());
    for (feature, paired) in base.features.iter().zip(&overrides) {
        let mut merged = feature.clone();
        if let Some((slot, outputs)) = paired {
            for (kind, output) in &mut merged.outputs {
                let Some(user) = outputs.get(kind) else { continue };
                apply_override(output, user).map_err(|(key, problem)| {
                    let field =
                        format!("config.features[{slot}].output.{}.{key}", kind.config_key());
                    invalid(&field, problem)
                })?;
            }
        }
        features.push(merged);
    }
    let definition = Definition { id: record.id, features: features.into(), ..base.clone() };
    let protocol = config
        .protocol_index(&record.key.protocol)
        .unwrap_or_else(|| DeviceConfig::protocol_of(reference));
    Ok(UserDefinition { protocol, record: at, definition })
}

/// Rule D (docs/DEVICE_CONFIG.md 1.1): same protocol first, then the definition the record's
/// identifier resolves to, then file order.
fn choose_base(config: &DeviceConfig, record: &DeviceRecord) -> Option<DefRef> {
    let own_protocol = config.protocol_index(&record.key.protocol);
    let looked_up =
        own_protocol.and_then(|p| config.model_for(p, record.key.identifier.as_deref()));
    config
        .definitions_with_id(record.base_id)
        .enumerate()
        .min_by_key(|(position, reference)| {
            (
                Some(DeviceConfig::protocol_of(*reference)) != own_protocol,
                Some(*reference) != looked_up,
                *position,
            )
        })
        .map(|(_, reference)| reference)
}

/// Applies one output override; limits must lie inside `[0, base max]`.
fn apply_override(
    output: &mut Output,
    user: &OutputOverride,
) -> Result<(), (&'static str, Problem)> {
    let check = |limit: ConfigRange, base: ConfigRange| {
        if limit.min() < 0 || limit.max() > base.max() {
            Err(Problem::LimitOutsideBase {
                min: limit.min(),
                max: limit.max(),
                base_max: base.max(),
            })
        } else {
            Ok(limit)
        }
    };
    if let Some(limit) = user.limit {
        output.limit = Some(check(limit, output.value).map_err(|problem| ("value", problem))?);
    }
    if let (Some(limit), Some(duration)) = (user.duration_limit, output.duration) {
        output.duration_limit =
            Some(check(limit, duration).map_err(|problem| ("duration", problem))?);
    }
    output.disabled = user.disabled;
    output.reverse = user.reverse;
    Ok(())
}
