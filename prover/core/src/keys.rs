//! The proving key file: the common header (kind = proving key; its proof-system byte names
//! the mode), then the arkworks proving key uncompressed (fast to load; integrity comes from
//! the header's blake3), then, in lookup mode, the [`Round1ProvingKey`]. Format version 2
//! (what setup writes) has `h_query` in the coset's Lagrange basis; version 1 in powers of τ;
//! version 3 (ceremony keys) in snarkjs's odd-coset basis over a power-of-two domain.

use std::path::Path;

use ark_groth16::ProvingKey;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use zkinfer_verifier::{
    ArtifactKind, FormatError, Header, ModelDigest, VerifyingKeyFile, SYSTEM_GROTH16_BN254,
    SYSTEM_GROTH16_BN254_LOOKUP,
};

use crate::groth16::{HBasis, Round1ProvingKey};
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
    /// Lookup mode: the round-1 wires and their bases over `δ₁` (`None` in plain mode).
    pub round1: Option<Round1ProvingKey>,
}

impl ProvingKeyFile {
    /// Serializes with the header.
    pub fn to_bytes(&self) -> Result<Vec<u8>, FormatError> {
        let mut payload = Vec::new();
        self.pk
            .serialize_uncompressed(&mut payload)
            .map_err(|e| FormatError::Corrupt(e.to_string()))?;
        if let Some(r1) = &self.round1 {
            r1.serialize_uncompressed(&mut payload)
                .map_err(|e| FormatError::Corrupt(e.to_string()))?;
        }
        Ok(Header {
            version: match self.h_basis {
                HBasis::Powers => 1,
                HBasis::CosetLagrange => zkinfer_verifier::PROVING_KEY_VERSION,
                HBasis::OddCoset => zkinfer_verifier::PROVING_KEY_VERSION_ODD_COSET,
            },
            kind: ArtifactKind::ProvingKey,
            system: if self.round1.is_some() {
                SYSTEM_GROTH16_BN254_LOOKUP
            } else {
                SYSTEM_GROTH16_BN254
            },
            model: self.model_id,
        }
        .seal(&payload))
    }

    /// Parses a proving key file for `model`.
    pub fn from_bytes(bytes: &[u8], model: &ModelDigest) -> Result<Self, FormatError> {
        let (header, payload) = Header::open(bytes, ArtifactKind::ProvingKey, Some(model))?;
        let h_basis = match header.version {
            1 => HBasis::Powers,
            zkinfer_verifier::PROVING_KEY_VERSION_ODD_COSET => HBasis::OddCoset,
            _ => HBasis::CosetLagrange,
        };
        // The payload's blake3 was checked by the header: skip the slow curve checks.
        let mut rest = payload;
        let pk = ProvingKey::deserialize_uncompressed_unchecked(&mut rest)
            .map_err(|e| FormatError::Corrupt(format!("proving key: {e}")))?;
        let round1 = if header.system == SYSTEM_GROTH16_BN254_LOOKUP {
            Some(
                Round1ProvingKey::deserialize_uncompressed_unchecked(&mut rest)
                    .map_err(|e| FormatError::Corrupt(format!("proving key's round 1: {e}")))?,
            )
        } else {
            None
        };
        if !rest.is_empty() {
            return Err(FormatError::Corrupt(format!(
                "{} bytes after the proving key",
                rest.len()
            )));
        }
        Ok(ProvingKeyFile {
            model_id: *model,
            pk,
            h_basis,
            round1,
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

/// Refuses a proving key and a verifying key that were not made together: the proving key
/// embeds its verifying key, which must equal the one in the verifying key file, and both must
/// name the same model. (Two racing setups of one model could otherwise leave one setup's
/// proving key next to the other's verifying key, and every proof would fail its self-check.)
pub fn check_key_pair(pk: &ProvingKeyFile, vk: &VerifyingKeyFile) -> Result<(), ProveError> {
    let hex = |d: &ModelDigest| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    if pk.model_id != vk.model_id {
        return Err(ProveError::KeyMismatch {
            model: hex(&vk.model_id),
            what: format!(
                "the proving key is for model {}, the verifying key for model {}",
                hex(&pk.model_id),
                hex(&vk.model_id)
            ),
        });
    }
    let same_round1 = match (&pk.round1, &vk.round1) {
        (None, None) => true,
        (Some(p), Some(v)) => p.delta1_g2 == v.delta1_g2,
        _ => false,
    };
    if pk.pk.vk != vk.vk || !same_round1 {
        return Err(ProveError::KeyMismatch {
            model: hex(&vk.model_id),
            what: "the verifying key embedded in the proving key differs from the verifying key \
                   file (the two come from different setups)"
                .into(),
        });
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically: a temporary file with a unique name in the same
/// directory, then rename. Concurrent writers of one path never share a temporary file; the
/// last rename wins and readers see one whole file or the other.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ProveError> {
    use std::io::Write as _;
    let io = |source| ProveError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".zkinfer-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;
    use zkinfer_verifier::KeyProvenance;

    use super::*;
    use crate::{setup, Engine, Prover};

    use zkinfer_ir::fixtures::tiny_model;
    use zkinfer_ir::CompiledModel;

    fn keys(m: &CompiledModel, seed: u64) -> (ProvingKeyFile, VerifyingKeyFile) {
        let provenance = KeyProvenance {
            made_by: "keys test".into(),
            insecure_seed: Some(seed),
            created_unix: 0,
            ceremony: None,
        };
        setup(m, &mut ChaCha20Rng::seed_from_u64(seed), provenance).unwrap()
    }

    #[test]
    fn keys_of_two_setups_are_refused_as_a_pair() {
        let m = tiny_model(3);
        let (pk1, vk1) = keys(&m, 1);
        let (pk2, vk2) = keys(&m, 2);
        check_key_pair(&pk1, &vk1).unwrap();
        check_key_pair(&pk2, &vk2).unwrap();
        let err = check_key_pair(&pk1, &vk2).unwrap_err();
        assert!(matches!(err, ProveError::KeyMismatch { .. }), "{err}");
        assert!(err.to_string().contains("different setups"), "{err}");
        // the prover refuses the mixed pair before doing any work
        let mixed = Prover::new(Engine::new(), m.clone(), pk2, vk1);
        assert!(matches!(mixed, Err(ProveError::KeyMismatch { .. })));
        // keys of another model are refused too
        let other = tiny_model(4);
        let (_, vk_other) = keys(&other, 1);
        let err = check_key_pair(&pk1, &vk_other).unwrap_err();
        assert!(err.to_string().contains("is for model"), "{err}");
    }

    #[test]
    fn concurrent_atomic_writes_do_not_collide() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("proving_key.bin");
        std::thread::scope(|s| {
            for i in 0..8u8 {
                let path = &path;
                s.spawn(move || write_atomic(path, &[i; 4096]).unwrap());
            }
        });
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.iter().all(|b| *b == bytes[0]) && bytes.len() == 4096);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
