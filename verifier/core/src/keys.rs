//! The verifying key file: header, then the layout and provenance (JSON), then the arkworks
//! key (compressed).

use ark_groth16::VerifyingKey;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use serde::{Deserialize, Serialize};

use crate::header::{ArtifactKind, Header, SYSTEM_GROTH16_BN254, VERIFYING_KEY_VERSION};
use crate::{Curve, FormatError, ModelDigest, PublicLayout};

/// Who made a key and how: keys made by the prover itself are not trustworthy (DESIGN: setup
/// is run by the requester or the registry).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyProvenance {
    /// Free text naming the party that ran setup.
    pub made_by: String,
    /// Set when the key was made from a fixed seed (tests only: anyone can forge proofs).
    pub insecure_seed: Option<u64>,
    /// Seconds since the Unix epoch.
    pub created_unix: u64,
}

#[derive(Serialize, Deserialize)]
struct Meta {
    layout: PublicLayout,
    provenance: KeyProvenance,
}

/// A model's verifying key with everything needed to check its proofs.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifyingKeyFile {
    /// The model (blake3 model id).
    pub model_id: ModelDigest,
    /// The Groth16 verifying key.
    pub vk: VerifyingKey<Curve>,
    /// How public inputs are laid out.
    pub layout: PublicLayout,
    /// Who made the key.
    pub provenance: KeyProvenance,
}

impl VerifyingKeyFile {
    /// Serializes with the header.
    pub fn to_bytes(&self) -> Result<Vec<u8>, FormatError> {
        let meta = serde_json::to_vec(&Meta {
            layout: self.layout.clone(),
            provenance: self.provenance.clone(),
        })?;
        let mut payload = (meta.len() as u32).to_le_bytes().to_vec();
        payload.extend_from_slice(&meta);
        self.vk
            .serialize_compressed(&mut payload)
            .map_err(|e| FormatError::Corrupt(e.to_string()))?;
        Ok(Header {
            version: VERIFYING_KEY_VERSION,
            kind: ArtifactKind::VerifyingKey,
            system: SYSTEM_GROTH16_BN254,
            model: self.model_id,
        }
        .seal(&payload))
    }

    /// Parses and checks a verifying key file (for `model` when given).
    pub fn from_bytes(bytes: &[u8], model: Option<&ModelDigest>) -> Result<Self, FormatError> {
        let (header, payload) = Header::open(bytes, ArtifactKind::VerifyingKey, model)?;
        if payload.len() < 4 {
            return Err(FormatError::Truncated {
                needed: 4,
                got: payload.len(),
            });
        }
        let meta_len =
            u32::from_le_bytes([payload[0], payload[1], payload[2], payload[3]]) as usize;
        let meta_end = 4usize
            .checked_add(meta_len)
            .filter(|e| *e <= payload.len())
            .ok_or(FormatError::Corrupt(
                "metadata length exceeds the payload".into(),
            ))?;
        let meta: Meta = serde_json::from_slice(&payload[4..meta_end])?;
        meta.layout.check_binding_scheme()?;
        let vk = VerifyingKey::<Curve>::deserialize_compressed(&payload[meta_end..])
            .map_err(|e| FormatError::Corrupt(format!("verifying key: {e}")))?;
        if vk.gamma_abc_g1.len() != meta.layout.num_public() + 1 {
            return Err(FormatError::Corrupt(format!(
                "key has {} public inputs, its layout {}",
                vk.gamma_abc_g1.len().saturating_sub(1),
                meta.layout.num_public()
            )));
        }
        Ok(VerifyingKeyFile {
            model_id: header.model,
            vk,
            layout: meta.layout,
            provenance: meta.provenance,
        })
    }
}
