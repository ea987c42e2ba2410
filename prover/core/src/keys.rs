//! The proving key file: the common header (kind = proving key), then the arkworks proving key
//! uncompressed (fast to load; integrity comes from the header's blake3). Format version 2
//! (what setup writes) has `h_query` in the coset's Lagrange basis; version 1 in powers of τ.

use std::path::Path;

use ark_groth16::ProvingKey;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use zkinfer_verifier::{ArtifactKind, FormatError, Header, ModelDigest, SYSTEM_GROTH16_BN254};

use crate::groth16::HBasis;
use crate::ProveError;

/// A model's Groth16 proving key.
#[derive(Clone)]
pub struct ProvingKeyFile {
    /// The model it belongs to.
    pub model_id: ModelDigest,
    /// The key.
    pub pk: ProvingKey<ark_bn254::Bn254>,
    /// The basis of the key's `h_query` (from the file's format version).
    pub h_basis: HBasis,
}

impl ProvingKeyFile {
    /// Serializes with the header.
    pub fn to_bytes(&self) -> Result<Vec<u8>, FormatError> {
        let mut payload = Vec::new();
        self.pk
            .serialize_uncompressed(&mut payload)
            .map_err(|e| FormatError::Corrupt(e.to_string()))?;
        Ok(Header {
            version: match self.h_basis {
                HBasis::Powers => 1,
                HBasis::CosetLagrange => zkinfer_verifier::PROVING_KEY_VERSION,
            },
            kind: ArtifactKind::ProvingKey,
            system: SYSTEM_GROTH16_BN254,
            model: self.model_id,
        }
        .seal(&payload))
    }

    /// Parses a proving key file for `model`.
    pub fn from_bytes(bytes: &[u8], model: &ModelDigest) -> Result<Self, FormatError> {
        let (header, payload) = Header::open(bytes, ArtifactKind::ProvingKey, Some(model))?;
        let h_basis = if header.version == 1 {
            HBasis::Powers
        } else {
            HBasis::CosetLagrange
        };
        // The payload's blake3 was checked by the header: skip the slow curve checks.
        let pk = ProvingKey::deserialize_uncompressed_unchecked(payload)
            .map_err(|e| FormatError::Corrupt(format!("proving key: {e}")))?;
        Ok(ProvingKeyFile {
            model_id: *model,
            pk,
            h_basis,
        })
    }

    /// Reads a proving key file for `model`.
    pub fn load(path: &Path, model: &ModelDigest) -> Result<Self, ProveError> {
        let bytes = std::fs::read(path).map_err(|source| ProveError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self::from_bytes(&bytes, model)?)
    }
}

/// Writes `bytes` to `path` atomically (temporary file, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ProveError> {
    let tmp = path.with_extension("tmp");
    let io = |source| ProveError::Io {
        path: path.to_path_buf(),
        source,
    };
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
