//! The input commitment: a Poseidon sponge over the packed quantized input.
//!
//! Parameters: BN254 scalar field, width 3 (rate 2, capacity 1), `x^5` S-box, 8 full and 57
//! partial rounds, round constants and MDS from arkworks' Grain LFSR. The native computation
//! lives with the verifier (`zkinfer_verifier::commitment`); both must use these parameters,
//! which a cross-crate test checks.

use ark_crypto_primitives::sponge::constraints::CryptographicSpongeVar;
use ark_crypto_primitives::sponge::poseidon::constraints::PoseidonSpongeVar;
use ark_crypto_primitives::sponge::poseidon::{find_poseidon_ark_and_mds, PoseidonConfig};
use ark_r1cs_std::fields::fp::{AllocatedFp, FpVar};
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError};

use crate::cost::Cost;
use crate::Fr;

/// Full rounds.
pub const FULL_ROUNDS: usize = 8;
/// Partial rounds.
pub const PARTIAL_ROUNDS: usize = 57;
/// S-box exponent.
pub const ALPHA: u64 = 5;
/// Sponge rate.
pub const RATE: usize = 2;

/// The Poseidon parameters of the input commitment (derived once per process: the Grain
/// LFSR that makes the round constants costs milliseconds, every proof would pay it).
pub fn params() -> PoseidonConfig<Fr> {
    static PARAMS: std::sync::OnceLock<PoseidonConfig<Fr>> = std::sync::OnceLock::new();
    PARAMS
        .get_or_init(|| {
            let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(
                254,
                RATE,
                FULL_ROUNDS as u64,
                PARTIAL_ROUNDS as u64,
                0,
            );
            PoseidonConfig::new(FULL_ROUNDS, PARTIAL_ROUNDS, ALPHA, mds, ark, RATE, 1)
        })
        .clone()
}

/// Absorbs `[count, e_0, e_1, ...]` (each element a linear combination, with its value when
/// proving) and squeezes one field element: the commitment. About 250 constraints per
/// permutation (one permutation per 2 absorbed elements).
pub fn commit(
    cs: &ConstraintSystemRef<Fr>,
    config: &PoseidonConfig<Fr>,
    count: u64,
    elements: &[(LinearCombination<Fr>, Option<Fr>)],
) -> Result<FpVar<Fr>, SynthesisError> {
    let mut absorbed = Vec::with_capacity(elements.len() + 1);
    absorbed.push(FpVar::Constant(Fr::from(count)));
    for (lc, value) in elements {
        let lc = lc.clone();
        let v = cs.new_lc(|| lc)?;
        absorbed.push(FpVar::Var(AllocatedFp::new(*value, v, cs.clone())));
    }
    let mut sponge = PoseidonSpongeVar::new(cs.clone(), config);
    sponge.absorb(&absorbed)?;
    let out = sponge.squeeze_field_elements(1)?;
    out.into_iter().next().ok_or(SynthesisError::Unsatisfiable)
}

/// Constraints of one permutation whose whole state is variable: each `x^5` S-box is three
/// products (`x²`, `x⁴`, `x⁴·x`), three S-boxes in each of the 8 full rounds and one in each
/// of the 57 partial rounds; ARK and MDS are linear and free.
pub const PERMUTATION_CONSTRAINTS: usize = 3 * (3 * FULL_ROUNDS + PARTIAL_ROUNDS);

/// What [`commit`] costs for `elements` packed field elements. The sponge absorbs
/// `m = elements + 1` values (the count first) at rate 2 and squeezes once: `⌈m/2⌉`
/// permutations. In the first one the capacity and the count are constants, so two of the
/// first round's S-boxes are constant-folded (6 products saved). With no elements at all
/// the whole sponge is constant and costs nothing. Every product allocates one witness
/// variable.
pub fn commit_cost(elements: usize) -> Cost {
    if elements == 0 {
        return Cost::default();
    }
    let permutations = (elements + 1).div_ceil(RATE);
    let products = permutations * PERMUTATION_CONSTRAINTS - 6;
    Cost::new(products, products)
}

/// The value of a committed variable (when proving).
pub fn value_of(v: &FpVar<Fr>) -> Option<Fr> {
    v.value().ok()
}
