//! BN254 values as EVM words, in the order the precompiles (EIP-196/197) and zkinfer's
//! verifier contract read them: field elements as big-endian `uint256`, G1 as `(x, y)`, G2 as
//! `(x.c1, x.c0, y.c1, y.c0)` (imaginary part first), the point at infinity as zeros.

use alloy::primitives::U256;
use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};
use ark_groth16::{Proof, VerifyingKey};
use zkinfer_verifier::{Curve, Fr};

use crate::EvmError;

/// Words in an encoded proof: A (2), B (4), C (2).
pub const PROOF_WORDS: usize = 8;

/// A base-field element as a word.
pub fn fq_word(v: &Fq) -> U256 {
    U256::from_limbs(v.into_bigint().0)
}

/// A scalar-field element (a public input) as a word.
pub fn fr_word(v: &Fr) -> U256 {
    U256::from_limbs(v.into_bigint().0)
}

/// A word as a scalar-field element; `None` when it is not below the field modulus.
pub fn word_fr(w: &U256) -> Option<Fr> {
    Fr::from_bigint(BigInt(w.into_limbs()))
}

/// A word as a base-field element; `None` when it is not below the field modulus.
fn word_fq(w: &U256) -> Option<Fq> {
    Fq::from_bigint(BigInt(w.into_limbs()))
}

/// A G1 point as `(x, y)`.
pub fn g1_words(p: &G1Affine) -> [U256; 2] {
    match p.xy() {
        Some((x, y)) => [fq_word(&x), fq_word(&y)],
        None => [U256::ZERO; 2],
    }
}

/// A G2 point as `(x.c1, x.c0, y.c1, y.c0)`.
pub fn g2_words(p: &G2Affine) -> [U256; 4] {
    match p.xy() {
        Some((x, y)) => [
            fq_word(&x.c1),
            fq_word(&x.c0),
            fq_word(&y.c1),
            fq_word(&y.c0),
        ],
        None => [U256::ZERO; 4],
    }
}

/// A proof as the verifier contract's `uint256[8]`: `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1,
/// B.y.c0, C.x, C.y]`.
pub fn proof_words(proof: &Proof<Curve>) -> [U256; PROOF_WORDS] {
    let mut out = [U256::ZERO; PROOF_WORDS];
    out[..2].copy_from_slice(&g1_words(&proof.a));
    out[2..6].copy_from_slice(&g2_words(&proof.b));
    out[6..].copy_from_slice(&g1_words(&proof.c));
    out
}

/// The inverse of [`proof_words`], checking that every point is on the curve and in its
/// prime-order subgroup (what a requester reading a proof from the chain needs).
pub fn proof_from_words(words: &[U256; PROOF_WORDS]) -> Result<Proof<Curve>, EvmError> {
    let fq = |i: usize| {
        word_fq(&words[i]).ok_or_else(|| EvmError::BadProofWords(format!("word {i} is ≥ q")))
    };
    let g1 = |x: Fq, y: Fq, what: &str| -> Result<G1Affine, EvmError> {
        if x == Fq::from(0u8) && y == Fq::from(0u8) {
            return Ok(G1Affine::zero());
        }
        let p = G1Affine::new_unchecked(x, y);
        if p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve() {
            Ok(p)
        } else {
            Err(EvmError::BadProofWords(format!(
                "{what} is not on the curve"
            )))
        }
    };
    let a = g1(fq(0)?, fq(1)?, "A")?;
    let bx = Fq2::new(fq(3)?, fq(2)?);
    let by = Fq2::new(fq(5)?, fq(4)?);
    let b = if bx == Fq2::from(0u8) && by == Fq2::from(0u8) {
        G2Affine::zero()
    } else {
        let p = G2Affine::new_unchecked(bx, by);
        if !(p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()) {
            return Err(EvmError::BadProofWords("B is not on the curve".into()));
        }
        p
    };
    let c = g1(fq(6)?, fq(7)?, "C")?;
    Ok(Proof { a, b, c })
}

/// The hash a published key is named by on chain (`Groth16Verifier.publishKey`):
/// `keccak256(model_id ‖ verifying_key_bytes(vk))`. A job pins it, so it is computed from the
/// requester's own key file, never read from a contract.
pub fn key_hash(key: &zkinfer_verifier::VerifyingKeyFile) -> alloy::primitives::B256 {
    let mut data = key.model_id.to_vec();
    data.extend(verifying_key_bytes(&key.vk));
    alloy::primitives::keccak256(data)
}

/// The verifying key as `publishKey`'s `vk` argument: 32-byte words
/// `alpha (2) ‖ beta (4) ‖ gamma (4) ‖ delta (4) ‖ IC[0..=n] (2 each)`.
pub fn verifying_key_bytes(vk: &VerifyingKey<Curve>) -> Vec<u8> {
    let mut words: Vec<U256> = Vec::with_capacity(14 + 2 * vk.gamma_abc_g1.len());
    words.extend(g1_words(&vk.alpha_g1));
    words.extend(g2_words(&vk.beta_g2));
    words.extend(g2_words(&vk.gamma_g2));
    words.extend(g2_words(&vk.delta_g2));
    for p in &vk.gamma_abc_g1 {
        words.extend(g1_words(p));
    }
    words.iter().flat_map(|w| w.to_be_bytes::<32>()).collect()
}

/// Public inputs as words.
pub fn public_words(inputs: &[Fr]) -> Vec<U256> {
    inputs.iter().map(fr_word).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;

    #[test]
    fn proof_words_round_trip_and_reject_off_curve_points() {
        let mut rng = rand::thread_rng();
        let proof = Proof::<Curve> {
            a: (G1Affine::generator() * Fr::rand(&mut rng)).into_affine(),
            b: (G2Affine::generator() * Fr::rand(&mut rng)).into_affine(),
            c: (G1Affine::generator() * Fr::rand(&mut rng)).into_affine(),
        };
        let words = proof_words(&proof);
        assert_eq!(proof_from_words(&words).ok(), Some(proof));

        let mut bad = words;
        bad[1] += U256::from(1u8);
        assert!(proof_from_words(&bad).is_err(), "A moved off the curve");
        let mut bad = words;
        bad[2] = U256::MAX;
        assert!(proof_from_words(&bad).is_err(), "coordinate ≥ q");
    }

    #[test]
    fn g2_words_put_the_imaginary_part_first() {
        let g = G2Affine::generator();
        let w = g2_words(&g);
        assert_eq!(w[0], fq_word(&g.x.c1));
        assert_eq!(w[1], fq_word(&g.x.c0));
        assert_eq!(w[2], fq_word(&g.y.c1));
        assert_eq!(w[3], fq_word(&g.y.c0));
    }

    #[test]
    fn field_words_round_trip_and_reject_the_modulus() {
        let v = Fr::from(123_456_789u64);
        assert_eq!(word_fr(&fr_word(&v)), Some(v));
        let r = U256::from_limbs(Fr::MODULUS.0);
        assert_eq!(word_fr(&r), None);
        assert_eq!(word_fr(&(r - U256::from(1u8))), Some(-Fr::from(1u8)));
    }
}
