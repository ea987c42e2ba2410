//! The binary header every key file starts with: magic, format version, kind, proof system,
//! model id, payload length and payload blake3.

use crate::{FormatError, ModelDigest};

/// Magic bytes of every zkinfer binary artifact.
pub const MAGIC: [u8; 8] = *b"ZKINFER\0";
/// Binary format version of verifying keys.
pub const VERIFYING_KEY_VERSION: u16 = 1;
/// Binary format version of proving keys that setup writes: 2, with `h_query` in the Lagrange
/// basis of the QAP domain's coset. Version 1 keys (`h_query` in powers of τ, one base fewer)
/// are still read and proved with.
pub const PROVING_KEY_VERSION: u16 = 2;
/// Binary format version of proving keys from a ceremony: `h_query` in snarkjs's basis (the
/// odd `2n`-th roots of a power-of-two domain). Read beside versions 1 and 2.
pub const PROVING_KEY_VERSION_ODD_COSET: u16 = 3;
/// Proof system id: Groth16 over BN254 (plain mode).
pub const SYSTEM_GROTH16_BN254: u8 = 1;
/// Proof system id: two-round Groth16 over BN254 with a committed first round (lookup mode).
pub const SYSTEM_GROTH16_BN254_LOOKUP: u8 = 2;
/// Header length in bytes.
pub const HEADER_LEN: usize = 8 + 2 + 1 + 1 + 32 + 8 + 32;

/// What an artifact holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtifactKind {
    /// A proving key (stays with the prover).
    ProvingKey = 1,
    /// A verifying key (public).
    VerifyingKey = 2,
}

impl ArtifactKind {
    fn from_u8(v: u8) -> Result<Self, FormatError> {
        match v {
            1 => Ok(ArtifactKind::ProvingKey),
            2 => Ok(ArtifactKind::VerifyingKey),
            other => Err(FormatError::Corrupt(format!(
                "unknown artifact kind {other}"
            ))),
        }
    }

    /// The format version this build writes for this kind.
    pub fn version(self) -> u16 {
        match self {
            ArtifactKind::ProvingKey => PROVING_KEY_VERSION,
            ArtifactKind::VerifyingKey => VERIFYING_KEY_VERSION,
        }
    }

    /// The newest format version of this kind this build reads (3 for proving keys: ceremony
    /// keys in snarkjs's H basis).
    pub fn newest_readable(self) -> u16 {
        match self {
            ArtifactKind::ProvingKey => PROVING_KEY_VERSION_ODD_COSET,
            ArtifactKind::VerifyingKey => VERIFYING_KEY_VERSION,
        }
    }

    /// Whether this build reads format `version` of this kind (the current one, and versions 1
    /// and 3 of proving keys).
    pub fn reads(self, version: u16) -> bool {
        match self {
            ArtifactKind::ProvingKey => (1..=PROVING_KEY_VERSION_ODD_COSET).contains(&version),
            ArtifactKind::VerifyingKey => version == VERIFYING_KEY_VERSION,
        }
    }

    /// Human name.
    pub fn name(self) -> &'static str {
        match self {
            ArtifactKind::ProvingKey => "proving key",
            ArtifactKind::VerifyingKey => "verifying key",
        }
    }
}

/// A parsed header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Format version of the payload (see [`ArtifactKind::version`]).
    pub version: u16,
    /// Artifact kind.
    pub kind: ArtifactKind,
    /// Proof system id.
    pub system: u8,
    /// The model the artifact belongs to.
    pub model: ModelDigest,
}

impl Header {
    /// Header bytes followed by `payload`.
    pub fn seal(&self, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&self.version.to_le_bytes());
        out.push(self.kind as u8);
        out.push(self.system);
        out.extend_from_slice(&self.model);
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(blake3::hash(payload).as_bytes());
        out.extend_from_slice(payload);
        out
    }

    /// Checks the header of `bytes` against the expected kind (and model, when given) and
    /// returns the header and the verified payload.
    pub fn open<'a>(
        bytes: &'a [u8],
        kind: ArtifactKind,
        model: Option<&ModelDigest>,
    ) -> Result<(Header, &'a [u8]), FormatError> {
        if bytes.len() < MAGIC.len() || bytes[..8] != MAGIC {
            return Err(FormatError::BadMagic {
                expected: kind.name(),
            });
        }
        if bytes.len() < HEADER_LEN {
            return Err(FormatError::Truncated {
                needed: HEADER_LEN,
                got: bytes.len(),
            });
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        let found_kind = ArtifactKind::from_u8(bytes[10])?;
        if found_kind != kind {
            return Err(FormatError::WrongKind {
                expected: kind.name().into(),
                found: found_kind.name().into(),
            });
        }
        if !kind.reads(version) {
            return Err(FormatError::UnsupportedVersion {
                found: version as u32,
                supported: kind.newest_readable() as u32,
            });
        }
        if bytes[11] != SYSTEM_GROTH16_BN254 && bytes[11] != SYSTEM_GROTH16_BN254_LOOKUP {
            return Err(FormatError::WrongSystem {
                expected: SYSTEM_GROTH16_BN254,
                found: bytes[11],
            });
        }
        let mut digest = [0u8; 32];
        digest.copy_from_slice(&bytes[12..44]);
        if let Some(expected) = model {
            if *expected != digest {
                return Err(FormatError::WrongModel {
                    expected: hex::encode(expected),
                    found: hex::encode(digest),
                });
            }
        }
        let mut len = [0u8; 8];
        len.copy_from_slice(&bytes[44..52]);
        let len = u64::from_le_bytes(len) as usize;
        let payload = &bytes[HEADER_LEN..];
        if payload.len() < len {
            return Err(FormatError::Truncated {
                needed: HEADER_LEN + len,
                got: bytes.len(),
            });
        }
        if payload.len() > len {
            return Err(FormatError::Corrupt(format!(
                "{} trailing bytes after the payload",
                payload.len() - len
            )));
        }
        if blake3::hash(payload).as_bytes() != &bytes[52..84] {
            return Err(FormatError::Corrupt("payload checksum mismatch".into()));
        }
        Ok((
            Header {
                version,
                kind: found_kind,
                system: bytes[11],
                model: digest,
            },
            payload,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed() -> Vec<u8> {
        Header {
            version: VERIFYING_KEY_VERSION,
            kind: ArtifactKind::VerifyingKey,
            system: SYSTEM_GROTH16_BN254,
            model: [7; 32],
        }
        .seal(b"payload")
    }

    #[test]
    fn round_trip() {
        let bytes = sealed();
        let (h, p) = Header::open(&bytes, ArtifactKind::VerifyingKey, Some(&[7; 32])).unwrap();
        assert_eq!((h.model, p), ([7; 32], &b"payload"[..]));
    }

    #[test]
    fn every_defect_has_its_error() {
        let bytes = sealed();
        assert!(matches!(
            Header::open(b"nope", ArtifactKind::VerifyingKey, None),
            Err(FormatError::BadMagic { .. })
        ));
        assert!(matches!(
            Header::open(&bytes[..40], ArtifactKind::VerifyingKey, None),
            Err(FormatError::Truncated { .. })
        ));
        assert!(matches!(
            Header::open(&bytes[..bytes.len() - 1], ArtifactKind::VerifyingKey, None),
            Err(FormatError::Truncated { .. })
        ));
        assert!(matches!(
            Header::open(&bytes, ArtifactKind::ProvingKey, None),
            Err(FormatError::WrongKind { .. })
        ));
        assert!(matches!(
            Header::open(&bytes, ArtifactKind::VerifyingKey, Some(&[8; 32])),
            Err(FormatError::WrongModel { .. })
        ));
        let mut v2 = bytes.clone();
        v2[8] = 2;
        assert!(matches!(
            Header::open(&v2, ArtifactKind::VerifyingKey, None),
            Err(FormatError::UnsupportedVersion { found: 2, .. })
        ));
        // Proving keys: versions 1 (h_query in powers of τ), 2 and 3 (ceremony keys) are read,
        // 4 is not.
        let mut pk = Header {
            version: PROVING_KEY_VERSION,
            kind: ArtifactKind::ProvingKey,
            system: SYSTEM_GROTH16_BN254,
            model: [7; 32],
        }
        .seal(b"payload");
        for version in [1u8, 2, 3] {
            pk[8] = version;
            let (h, _) = Header::open(&pk, ArtifactKind::ProvingKey, None).unwrap();
            assert_eq!(h.version, u16::from(version));
        }
        for version in [0u8, 4] {
            pk[8] = version;
            assert!(matches!(
                Header::open(&pk, ArtifactKind::ProvingKey, None),
                Err(FormatError::UnsupportedVersion { supported: 3, .. })
            ));
        }
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(matches!(
            Header::open(&flipped, ArtifactKind::VerifyingKey, None),
            Err(FormatError::Corrupt(_))
        ));
    }
}
