//! The two proof modes and what the lookup mode adds to a key and a proof.
//!
//! **Plain**: Groth16 as published (one δ). **Lookup**: two-round Groth16 (docs/two-round-groth16.md):
//! the proof carries a round-1 commitment `C₁` over its own `δ₁`; the challenge
//! `c = keccak256(C₁.x ‖ C₁.y ‖ public inputs) mod r` is the last public input, recomputed by
//! every verifier (never taken from the proof); verification adds the pairing `e(C₁, δ₁)`.

use ark_bn254::{G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use serde::{Deserialize, Serialize};
use sha3::{Digest, Keccak256};

use crate::Fr;

/// How a model's proofs are made and checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProofMode {
    /// Groth16 as published: range checks by bit decomposition.
    #[default]
    Plain,
    /// Two-round Groth16 with a committed first round: range checks and tables by LogUp.
    Lookup,
}

impl ProofMode {
    /// `plain` or `lookup`.
    pub fn name(self) -> &'static str {
        match self {
            ProofMode::Plain => "plain",
            ProofMode::Lookup => "lookup",
        }
    }

    /// Whether this is [`ProofMode::Plain`] (for serde's `skip_serializing_if`).
    pub fn is_plain(&self) -> bool {
        *self == ProofMode::Plain
    }
}

impl std::fmt::Display for ProofMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a lookup-mode verifying key holds beyond a Groth16 key: `[δ₁]₂`, the second δ that
/// round-1 wires are divided by. (The challenge's own `γ`-basis is the key's last `IC` entry.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Round1Key {
    /// `[δ₁]₂`.
    pub delta1_g2: G2Affine,
}

/// The 32-byte big-endian words of a G1 point as the EVM sees it (`(0, 0)` for infinity).
pub fn g1_words(p: &G1Affine) -> [[u8; 32]; 2] {
    let word = |x: &ark_bn254::Fq| {
        let mut out = [0u8; 32];
        out.copy_from_slice(&x.into_bigint().to_bytes_be());
        out
    };
    match p.xy() {
        Some((x, y)) => [word(&x), word(&y)],
        None => [[0u8; 32]; 2],
    }
}

/// The Fiat–Shamir challenge of a lookup-mode proof:
/// `uint256(keccak256(abi.encodePacked(C₁.x, C₁.y, public[0], …, public[k−1]))) mod r`, where
/// `public` are the public inputs before the challenge (input commitment, binding, outputs).
/// The Solidity verifier computes the same value.
pub fn challenge(c1: &G1Affine, public: &[Fr]) -> Fr {
    let mut h = Keccak256::new();
    for w in g1_words(c1) {
        h.update(w);
    }
    for p in public {
        h.update(p.into_bigint().to_bytes_be());
    }
    Fr::from_be_bytes_mod_order(&h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;

    #[test]
    fn the_challenge_covers_the_commitment_and_every_public_input_in_order() {
        let g = G1Affine::generator();
        let two = (g + g).into_affine();
        let p = [Fr::from(1u8), Fr::from(2u8)];
        let c = challenge(&g, &p);
        assert_ne!(c, challenge(&two, &p));
        assert_ne!(c, challenge(&g, &[Fr::from(2u8), Fr::from(1u8)]));
        assert_ne!(c, challenge(&g, &p[..1]));
        assert_eq!(c, challenge(&g, &p));
        // keccak256(1 ‖ 2 ‖ 1 ‖ 2) as 32-byte words, reduced: a fixed vector Solidity must match
        let mut h = Keccak256::new();
        for v in [1u8, 2, 1, 2] {
            let mut w = [0u8; 32];
            w[31] = v;
            h.update(w);
        }
        assert_eq!(c, Fr::from_be_bytes_mod_order(&h.finalize()));
        // infinity encodes as (0, 0)
        assert_eq!(g1_words(&G1Affine::zero()), [[0u8; 32]; 2]);
    }
}
