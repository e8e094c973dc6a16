//! The last level of each motor, for firmware whose every write carries all of them: a batch
//! updates some levels and the packet carries them all. A batch is taken whole or not at all.

use bpio_device_config::Definition;
use bpio_protocol::v4::OutputType;

use super::{magnitude, unsupported};
use crate::error::ProtocolError;
use crate::protocol::HwOutput;

/// The last level of each motor, one slot per feature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Levels {
    /// The feature of each slot, in slot order.
    features: Vec<u32>,
    /// The level of each slot.
    levels: Vec<u8>,
}

impl Levels {
    /// One slot per feature index, in that order, all at 0.
    pub(crate) fn new(features: impl IntoIterator<Item = u32>) -> Self {
        Self::at_rest(features, 0)
    }

    /// One slot per feature index, in that order, for motors whose level at rest is `rest`.
    pub(crate) fn at_rest(features: impl IntoIterator<Item = u32>, rest: u8) -> Self {
        let features: Vec<u32> = features.into_iter().collect();
        let levels = vec![rest; features.len()];
        Self { features, levels }
    }

    /// The slots of features `0..count`, all at 0.
    pub(crate) fn first(count: usize) -> Self {
        Self::new((0..).take(count))
    }

    /// One slot per feature with at least one output, in definition order.
    pub(crate) fn of_outputs(definition: &Definition) -> Self {
        Self::new(
            definition
                .features
                .iter()
                .filter(|feature| !feature.outputs.is_empty())
                .map(|feature| feature.index),
        )
    }

    /// Sets the level of `feature`; `false` when it has no slot.
    pub(crate) fn set(&mut self, feature: u32, level: u8) -> bool {
        match self.slot(feature).and_then(|slot| self.levels.get_mut(slot)) {
            Some(slot) => {
                *slot = level;
                true
            }
            None => false,
        }
    }

    /// Sets every command of `batch` to its [`magnitude`], or changes nothing and refuses the
    /// batch: a command must be one of `outputs`, on a feature with a slot.
    pub(crate) fn apply(
        &mut self,
        batch: &[(u32, HwOutput)],
        outputs: &[OutputType],
    ) -> Result<(), ProtocolError> {
        let updates = batch.iter().map(|(feature, command)| {
            let level = magnitude(*feature, command)?;
            let slot = self.slot(*feature).filter(|_| outputs.contains(&command.output));
            slot.map(|slot| (slot, level)).ok_or_else(|| unsupported(*feature, command))
        });
        self.levels = write_all(&self.levels, updates)?;
        Ok(())
    }

    /// Sets every command of `batch` to the level `encode` gives (or refuses), or changes
    /// nothing and refuses the batch; a feature without a slot is unknown.
    pub(crate) fn apply_with(
        &mut self,
        batch: &[(u32, HwOutput)],
        encode: impl Fn(u32, &HwOutput) -> Result<u8, ProtocolError>,
    ) -> Result<(), ProtocolError> {
        let updates = batch.iter().map(|(feature, command)| {
            let level = encode(*feature, command)?;
            let slot = self.slot(*feature).ok_or(ProtocolError::UnknownFeature(*feature))?;
            Ok((slot, level))
        });
        self.levels = write_all(&self.levels, updates)?;
        Ok(())
    }

    /// The level of the slot at `position` (0 past the end: a motor the device lacks).
    pub(crate) fn at(&self, position: usize) -> u8 {
        self.levels.get(position).copied().unwrap_or(0)
    }

    /// Every level, in slot order.
    pub(crate) fn levels(&self) -> &[u8] {
        &self.levels
    }

    /// The number of slots.
    pub(crate) fn len(&self) -> usize {
        self.levels.len()
    }

    /// Whether any motor runs.
    pub(crate) fn any_running(&self) -> bool {
        self.levels.iter().any(|level| *level != 0)
    }

    fn slot(&self, feature: u32) -> Option<usize> {
        self.features.iter().position(|index| *index == feature)
    }
}

/// The last level of each output type, for firmware whose one packet carries a level per type
/// (one vibrator, one rotator, …) whichever feature sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypeLevels {
    /// The type of each slot, in packet order.
    types: Vec<OutputType>,
    /// The level of each slot.
    levels: Vec<u8>,
}

impl TypeLevels {
    /// One slot per type, in packet order, all at 0.
    pub(crate) fn new(types: &[OutputType]) -> Self {
        Self { types: types.to_vec(), levels: vec![0; types.len()] }
    }

    /// Sets the slot of each command's type to its [`magnitude`], or changes nothing and refuses
    /// the batch.
    pub(crate) fn apply(&mut self, batch: &[(u32, HwOutput)]) -> Result<(), ProtocolError> {
        let updates = batch.iter().map(|(feature, command)| {
            let level = magnitude(*feature, command)?;
            let slot = self.types.iter().position(|output| *output == command.output);
            slot.map(|slot| (slot, level)).ok_or_else(|| unsupported(*feature, command))
        });
        self.levels = write_all(&self.levels, updates)?;
        Ok(())
    }

    /// Every level, in packet order.
    pub(crate) fn levels(&self) -> &[u8] {
        &self.levels
    }
}

/// `levels` with every `(slot, level)` of `updates` written, or the first refusal among them.
fn write_all(
    levels: &[u8],
    updates: impl Iterator<Item = Result<(usize, u8), ProtocolError>>,
) -> Result<Vec<u8>, ProtocolError> {
    let mut next = levels.to_vec();
    for update in updates {
        let (slot, level) = update?;
        if let Some(current) = next.get_mut(slot) {
            *current = level;
        }
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use bpio_protocol::v4::OutputType;

    use super::{Levels, TypeLevels};
    use crate::error::ProtocolError;
    use crate::protocol::HwOutput;
    use crate::protocols::common::{byte_of, unsupported};

    fn vibrate(value: i32) -> HwOutput {
        HwOutput::new(OutputType::Vibrate, value)
    }

    #[test]
    fn levels_take_a_batch_whole_or_not_at_all() {
        let mut levels = Levels::first(2);
        let vibrators = byte_of(&[OutputType::Vibrate]);
        levels.apply_with(&[(0, vibrate(5)), (1, vibrate(6))], &vibrators).unwrap();
        assert_eq!(levels.levels(), [5, 6]);
        let refused = levels.apply_with(&[(0, vibrate(9)), (2, vibrate(1))], &vibrators);
        assert_eq!(refused, Err(ProtocolError::UnknownFeature(2)));
        let refused = levels.apply_with(&[(0, vibrate(9)), (1, vibrate(256))], &vibrators);
        assert!(matches!(refused, Err(ProtocolError::ValueOutOfRange { feature: 1, .. })));
        let refused = levels.apply_with(&[(0, vibrate(9))], byte_of(&[OutputType::Rotate]));
        assert!(matches!(refused, Err(ProtocolError::UnsupportedOutput { feature: 0, .. })));
        assert_eq!(levels.levels(), [5, 6], "nothing of a refused batch is kept");
        assert!(levels.any_running());
    }

    #[test]
    fn apply_takes_magnitudes_of_the_listed_outputs_on_features_with_a_slot() {
        let mut levels = Levels::new([3, 5]);
        levels.apply(&[(3, vibrate(-4)), (5, vibrate(2))], &[OutputType::Vibrate]).unwrap();
        assert_eq!(levels.levels(), [4, 2]);
        let refused = levels.apply(&[(3, vibrate(1)), (4, vibrate(1))], &[OutputType::Vibrate]);
        assert_eq!(refused, Err(unsupported(4, &vibrate(1))));
        let refused = levels.apply(&[(3, vibrate(1))], &[OutputType::Rotate]);
        assert_eq!(refused, Err(unsupported(3, &vibrate(1))));
        assert_eq!(levels.levels(), [4, 2]);
        assert_eq!((levels.at(1), levels.at(2)), (2, 0), "a missing motor is at rest");
        assert!(levels.set(5, 9) && !levels.set(4, 9));
        assert_eq!(Levels::at_rest(0..2, 0x80).levels(), [0x80, 0x80]);
    }

    #[test]
    fn type_levels_keep_one_level_per_type() {
        let mut levels = TypeLevels::new(&[OutputType::Oscillate, OutputType::Vibrate]);
        levels.apply(&[(0, vibrate(3)), (1, vibrate(7))]).unwrap();
        assert_eq!(levels.levels(), [0, 7], "the last command of a type wins");
        let rotate = HwOutput::new(OutputType::Rotate, 1);
        assert_eq!(levels.apply(&[(0, rotate)]), Err(unsupported(0, &rotate)));
        assert_eq!(levels.levels(), [0, 7]);
    }
}
