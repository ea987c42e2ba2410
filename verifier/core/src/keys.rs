//! The verifying key file: header (whose proof-system byte names the mode), then the layout and
//! provenance (JSON), then the arkworks key (compressed), then, in lookup mode, `[δ₁]₂`
//! (compressed).

use ark_groth16::VerifyingKey;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use serde::{Deserialize, Serialize};

use crate::header::{
    ArtifactKind, Header, SYSTEM_GROTH16_BN254, SYSTEM_GROTH16_BN254_LOOKUP, VERIFYING_KEY_VERSION,
};
use crate::{Curve, FormatError, ModelDigest, ProofMode, PublicLayout, Round1Key};

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
    /// The ceremony the key came from (`None` for a key from `zkinfer setup`). What this
    /// record says is only a claim: whoever relies on it verifies the transcript again.
    #[serde(default)]
    pub ceremony: Option<CeremonyRecord>,
}

/// Where a ceremony key came from: hashes of its inputs and every contribution, as
/// `zkinfer ceremony finalize` recorded them after verifying the transcript.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CeremonyRecord {
    /// BLAKE2b-512 of the circuit's init key (snarkjs's "circuit hash"), hex.
    pub circuit_hash: String,
    /// BLAKE2b-512 of the final `.zkey` file (what `b2sum` prints), hex.
    pub zkey_hash: String,
    /// keccak256 of the final `.zkey` file, hex: the transcript hash the on-chain registry
    /// records with the key (and hashes into its key hash). Empty in records written before
    /// it existed (published as zero).
    #[serde(default)]
    pub transcript_hash: String,
    /// BLAKE2b-512 of the `.ptau` file, hex.
    pub ptau_hash: String,
    /// The public phase-1 file with that hash, when it is a known one.
    pub ptau_name: Option<String>,
    /// Every contribution in order.
    pub contributions: Vec<ContributionRecord>,
}

/// One contribution of a ceremony.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionRecord {
    /// The name its author gave.
    pub name: Option<String>,
    /// The contribution hash its author was shown, hex.
    pub hash: String,
    /// For a random beacon: `"<exp>:<beacon hex>"`.
    pub beacon: Option<String>,
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
    /// Lookup mode's `[δ₁]₂`; `None` for a plain-mode key.
    pub round1: Option<Round1Key>,
}

impl VerifyingKeyFile {
    /// The keccak256 of the ceremony's final `.zkey` this key came from, as its provenance
    /// records it (zero for a development key, or a record without a valid hash): what the
    /// on-chain registry publishes beside the key.
    pub fn transcript_hash(&self) -> [u8; 32] {
        self.provenance
            .ceremony
            .as_ref()
            .and_then(|c| hex::decode(&c.transcript_hash).ok())
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .unwrap_or([0; 32])
    }

    /// The mode of the proofs this key checks.
    pub fn mode(&self) -> ProofMode {
        if self.round1.is_some() {
            ProofMode::Lookup
        } else {
            ProofMode::Plain
        }
    }

    /// Public inputs a proof states: the layout's, plus the challenge in lookup mode.
    pub fn num_public(&self) -> usize {
        self.layout.num_public() + usize::from(self.round1.is_some())
    }

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
        if let Some(r1) = &self.round1 {
            r1.delta1_g2
                .serialize_compressed(&mut payload)
                .map_err(|e| FormatError::Corrupt(e.to_string()))?;
        }
        Ok(Header {
            version: VERIFYING_KEY_VERSION,
            kind: ArtifactKind::VerifyingKey,
            system: match self.mode() {
                ProofMode::Plain => SYSTEM_GROTH16_BN254,
                ProofMode::Lookup => SYSTEM_GROTH16_BN254_LOOKUP,
            },
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
        let mut rest = &payload[meta_end..];
        let vk = VerifyingKey::<Curve>::deserialize_compressed(&mut rest)
            .map_err(|e| FormatError::Corrupt(format!("verifying key: {e}")))?;
        let round1 = if header.system == SYSTEM_GROTH16_BN254_LOOKUP {
            let delta1_g2 = ark_bn254::G2Affine::deserialize_compressed(&mut rest)
                .map_err(|e| FormatError::Corrupt(format!("verifying key's δ₁: {e}")))?;
            Some(Round1Key { delta1_g2 })
        } else {
            None
        };
        if !rest.is_empty() {
            return Err(FormatError::Corrupt(format!(
                "{} bytes after the verifying key",
                rest.len()
            )));
        }
        let file = VerifyingKeyFile {
            model_id: header.model,
            vk,
            layout: meta.layout,
            provenance: meta.provenance,
            round1,
        };
        if file.vk.gamma_abc_g1.len() != file.num_public() + 1 {
            return Err(FormatError::Corrupt(format!(
                "{} key has {} public inputs, its layout {}",
                file.mode(),
                file.vk.gamma_abc_g1.len().saturating_sub(1),
                file.num_public()
            )));
        }
        Ok(file)
    }
}
