//! AES-128 in ECB mode, the encryption of several firmwares.

use aes::Aes128;
use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};

/// AES-128 in ECB mode with PKCS#7 padding, which the encrypted firmwares of several makers use
/// with a key fixed per protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EcbKey(pub(crate) [u8; 16]);

impl EcbKey {
    const BLOCK: usize = 16;

    /// `data`, padded and encrypted: one to sixteen bytes longer, in whole blocks.
    pub(crate) fn encrypt(&self, data: &[u8]) -> Vec<u8> {
        let cipher = Aes128::new(&GenericArray::from(self.0));
        let padding = Self::BLOCK - data.len() % Self::BLOCK;
        let mut out = data.to_vec();
        // `padding` is 1 to 16, so the byte conversion cannot fail.
        out.resize(data.len() + padding, u8::try_from(padding).unwrap_or(0));
        for block in out.chunks_exact_mut(Self::BLOCK) {
            cipher.encrypt_block(GenericArray::from_mut_slice(block));
        }
        out
    }

    /// The plain bytes of `data`; `None` unless it is whole blocks with valid padding.
    pub(crate) fn decrypt(&self, data: &[u8]) -> Option<Vec<u8>> {
        if data.is_empty() || !data.len().is_multiple_of(Self::BLOCK) {
            return None;
        }
        let cipher = Aes128::new(&GenericArray::from(self.0));
        let mut out = data.to_vec();
        for block in out.chunks_exact_mut(Self::BLOCK) {
            cipher.decrypt_block(GenericArray::from_mut_slice(block));
        }
        let padding = *out.last()?;
        let kept = out.len().checked_sub(usize::from(padding))?;
        let valid = (1..=16).contains(&padding)
            && out.get(kept..).is_some_and(|tail| tail.iter().all(|byte| *byte == padding));
        valid.then(|| {
            out.truncate(kept);
            out
        })
    }
}
