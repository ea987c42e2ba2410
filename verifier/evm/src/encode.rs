//! BN254 values as EVM words, in the order the precompiles (EIP-196/197) and zkinfer's
//! verifier contract read them: field elements as big-endian `uint256`, G1 as `(x, y)`, G2 as
//! `(x.c1, x.c0, y.c1, y.c0)` (imaginary part first), the point at infinity as zeros.

use alloy::primitives::U256;
use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};
use ark_groth16::Proof;
use zkinfer_verifier::{Curve, Fr, ProofFile, ProofMode, VerifyingKeyFile};

use crate::EvmError;

/// Words of a plain-mode proof: A (2), B (4), C (2).
pub const PLAIN_PROOF_WORDS: usize = 8;
/// Words of a lookup-mode proof: A (2), B (4), C₂ (2), then the round-1 commitment C₁ (2).
pub const LOOKUP_PROOF_WORDS: usize = 10;

/// The first word of an on-chain key (`publishKey`'s `vk`) naming plain mode.
pub const KEY_MODE_PLAIN: u8 = 0;
/// The first word of an on-chain key naming lookup mode.
pub const KEY_MODE_LOOKUP: u8 = 1;

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

/// The first word of a key of `mode` on chain: [`KEY_MODE_PLAIN`] or [`KEY_MODE_LOOKUP`] (the
/// contract's `ProofMode` enum, as `keyInfo` reports it).
pub fn key_mode_word(mode: ProofMode) -> u8 {
    match mode {
        ProofMode::Plain => KEY_MODE_PLAIN,
        ProofMode::Lookup => KEY_MODE_LOOKUP,
    }
}

/// A Groth16 proof `(A, B, C)` as words: `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]`
/// (a plain-mode proof; in lookup mode `C` is `C₂` and [`proof_words`] appends `C₁`).
pub fn groth16_words(proof: &Proof<Curve>) -> [U256; PLAIN_PROOF_WORDS] {
    let mut out = [U256::ZERO; PLAIN_PROOF_WORDS];
    out[..2].copy_from_slice(&g1_words(&proof.a));
    out[2..6].copy_from_slice(&g2_words(&proof.b));
    out[6..].copy_from_slice(&g1_words(&proof.c));
    out
}

/// A proof file's proof as the verifier contract takes it: the 8 words of [`groth16_words`] in
/// plain mode; in lookup mode 10, `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C₂.x, C₂.y, C₁.x,
/// C₁.y]`.
pub fn proof_words(file: &ProofFile) -> Result<Vec<U256>, EvmError> {
    let mut words = groth16_words(&file.groth16()?).to_vec();
    match (file.mode, file.round1()?) {
        (ProofMode::Plain, None) => {}
        (ProofMode::Lookup, Some(c1)) => words.extend(g1_words(&c1)),
        (mode, c1) => {
            return Err(EvmError::BadProofWords(format!(
                "a {mode}-mode proof file {} a round-1 commitment",
                if c1.is_some() { "with" } else { "without" }
            )))
        }
    }
    Ok(words)
}

/// The inverse of [`proof_words`]: 8 words are a plain-mode proof, 10 a lookup-mode proof and its
/// round-1 commitment `C₁`; any other length is refused. Every point is checked to be on the
/// curve and in its prime-order subgroup (what a requester reading a proof from the chain needs).
pub fn proof_from_words(words: &[U256]) -> Result<(Proof<Curve>, Option<G1Affine>), EvmError> {
    if words.len() != PLAIN_PROOF_WORDS && words.len() != LOOKUP_PROOF_WORDS {
        return Err(EvmError::BadProofWords(format!(
            "{} words (a plain-mode proof has {PLAIN_PROOF_WORDS}, a lookup-mode proof \
             {LOOKUP_PROOF_WORDS})",
            words.len()
        )));
    }
    let fq = |i: usize| {
        word_fq(&words[i]).ok_or_else(|| EvmError::BadProofWords(format!("word {i} is ≥ q")))
    };
    let g1 = |i: usize, what: &str| -> Result<G1Affine, EvmError> {
        let (x, y) = (fq(i)?, fq(i + 1)?);
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
    let a = g1(0, "A")?;
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
    let c = g1(6, "C")?;
    let c1 = if words.len() == LOOKUP_PROOF_WORDS {
        Some(g1(8, "C₁")?)
    } else {
        None
    };
    Ok((Proof { a, b, c }, c1))
}

/// The hash a published key is named by on chain (`Groth16Verifier.publishKey`):
/// `keccak256(model_id ‖ transcript_hash ‖ verifying_key_bytes(key))`, the mode word included;
/// the transcript hash is the keccak256 of the key's ceremony `.zkey` (zero for a development
/// key). A job pins it, so it is computed from the requester's own key file, never read from a
/// contract.
pub fn key_hash(key: &VerifyingKeyFile) -> alloy::primitives::B256 {
    let mut data = key.model_id.to_vec();
    data.extend(key.transcript_hash());
    data.extend(verifying_key_bytes(key));
    alloy::primitives::keccak256(data)
}

/// The verifying key as `publishKey`'s `vk` words: `mode (1: 0 plain, 1 lookup) ‖ alpha (2) ‖
/// beta (4) ‖ gamma (4) ‖ delta (4) ‖ [lookup: delta1 (4)] ‖ IC[0..k) (2 each)`. A lookup key's
/// last IC point is the challenge's.
pub fn vk_words(key: &VerifyingKeyFile) -> Vec<U256> {
    let vk = &key.vk;
    let mut words: Vec<U256> = Vec::with_capacity(19 + 2 * vk.gamma_abc_g1.len());
    words.push(U256::from(key_mode_word(key.mode())));
    words.extend(g1_words(&vk.alpha_g1));
    words.extend(g2_words(&vk.beta_g2));
    words.extend(g2_words(&vk.gamma_g2));
    words.extend(g2_words(&vk.delta_g2));
    if let Some(r1) = &key.round1 {
        words.extend(g2_words(&r1.delta1_g2));
    }
    for p in &vk.gamma_abc_g1 {
        words.extend(g1_words(p));
    }
    words
}

/// [`vk_words`] as bytes (32-byte big-endian words): `publishKey`'s `vk` argument.
pub fn verifying_key_bytes(key: &VerifyingKeyFile) -> Vec<u8> {
    vk_words(key)
        .iter()
        .flat_map(|w| w.to_be_bytes::<32>())
        .collect()
}

/// Public inputs as words.
pub fn public_words(inputs: &[Fr]) -> Vec<U256> {
    inputs.iter().map(fr_word).collect()
}

/// The public inputs a caller passes on chain for a proof file: those it states, without a
/// lookup-mode proof's challenge (its last), which the contract computes itself.
pub fn caller_public_inputs(file: &ProofFile) -> Result<Vec<Fr>, EvmError> {
    let mut publics = file.stated_public_inputs()?;
    if file.mode == ProofMode::Lookup && publics.pop().is_none() {
        return Err(EvmError::BadProofWords(
            "a lookup-mode proof file without public inputs".into(),
        ));
    }
    Ok(publics)
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
        let words = groth16_words(&proof);
        assert_eq!(proof_from_words(&words).ok(), Some((proof.clone(), None)));
        let c1 = (G1Affine::generator() * Fr::rand(&mut rng)).into_affine();
        let lookup = [words.as_slice(), &g1_words(&c1)].concat();
        assert_eq!(proof_from_words(&lookup).ok(), Some((proof, Some(c1))));
        assert!(proof_from_words(&words[..7]).is_err(), "7 words");
        assert!(proof_from_words(&lookup[..9]).is_err(), "9 words");
        let mut bad = lookup.clone();
        bad[9] += U256::from(1u8);
        assert!(proof_from_words(&bad).is_err(), "C₁ moved off the curve");

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
