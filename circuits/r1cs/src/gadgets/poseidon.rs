//! The input commitment: a Poseidon sponge over the packed quantized input; and the narrow
//! permutation the lookup argument derives its extra challenges with.
//!
//! Commitment parameters: BN254 scalar field, width 9 (rate 8, capacity 1), `x^5` S-box, 8
//! full and 63 partial rounds (the Poseidon paper's 128-bit parameters for `t = 9`, as
//! circomlib uses), round constants and MDS from arkworks' Grain LFSR. Width 9 rather than 3:
//! an input is dozens of packed elements, and per absorbed element the wide sponge costs
//! `3·(9·8 + 63)/8 ≈ 51` products against `3·(3·8 + 57)/2 ≈ 122` at width 3 (LeNet-5's
//! 41 absorbed values: 2,424 products instead of 5,097). Every product is a dense wire that
//! four MSMs (A, B in G1 and G2, and L or `C₁`) pay for. The native computation lives with
//! the verifier (`zkinfer_verifier::commitment`); both must use these parameters, which a
//! cross-crate test checks.
//!
//! [`narrow_params`] (width 3, 57 partial rounds) hashes a single element, the lookup
//! challenge, where the narrow permutation is the cheaper one.

use ark_crypto_primitives::sponge::constraints::CryptographicSpongeVar;
use ark_crypto_primitives::sponge::poseidon::constraints::PoseidonSpongeVar;
use ark_crypto_primitives::sponge::poseidon::{find_poseidon_ark_and_mds, PoseidonConfig};
use ark_r1cs_std::fields::fp::{AllocatedFp, FpVar};
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError};

use crate::cost::Cost;
use crate::Fr;

/// Full rounds (both permutations).
pub const FULL_ROUNDS: usize = 8;
/// Partial rounds of the commitment's width-9 permutation.
pub const PARTIAL_ROUNDS: usize = 63;
/// S-box exponent.
pub const ALPHA: u64 = 5;
/// Sponge rate of the commitment.
pub const RATE: usize = 8;
/// State width of the commitment's permutation.
pub const WIDTH: usize = RATE + 1;
/// Partial rounds of the narrow (width-3) permutation.
pub const NARROW_PARTIAL_ROUNDS: usize = 57;
/// Rate of the narrow permutation.
pub const NARROW_RATE: usize = 2;

/// The Poseidon parameters of the input commitment (derived once per process: the Grain
/// LFSR that makes the round constants costs milliseconds, every proof would pay it).
pub fn params() -> PoseidonConfig<Fr> {
    static PARAMS: std::sync::OnceLock<PoseidonConfig<Fr>> = std::sync::OnceLock::new();
    PARAMS.get_or_init(|| config(RATE, PARTIAL_ROUNDS)).clone()
}

/// The narrow parameters (width 3, rate 2, 57 partial rounds): the lookup argument's
/// derived challenges.
pub fn narrow_params() -> PoseidonConfig<Fr> {
    static PARAMS: std::sync::OnceLock<PoseidonConfig<Fr>> = std::sync::OnceLock::new();
    PARAMS
        .get_or_init(|| config(NARROW_RATE, NARROW_PARTIAL_ROUNDS))
        .clone()
}

fn config(rate: usize, partial_rounds: usize) -> PoseidonConfig<Fr> {
    let (ark, mds) =
        find_poseidon_ark_and_mds::<Fr>(254, rate, FULL_ROUNDS as u64, partial_rounds as u64, 0);
    PoseidonConfig::new(FULL_ROUNDS, partial_rounds, ALPHA, mds, ark, rate, 1)
}

/// Absorbs `[count, e_0, e_1, ...]` (each element a linear combination, with its value when
/// proving) and squeezes one field element: the commitment. [`PERMUTATION_CONSTRAINTS`]
/// (405) constraints per permutation, one permutation per 8 absorbed values.
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

/// Constraints of one commitment permutation whose whole state is variable: each `x^5`
/// S-box is three products (`x²`, `x⁴`, `x⁴·x`), [`WIDTH`] S-boxes in each of the 8 full
/// rounds and one in each of the 63 partial rounds; ARK and MDS are linear and free.
pub const PERMUTATION_CONSTRAINTS: usize = 3 * (WIDTH * FULL_ROUNDS + PARTIAL_ROUNDS);

/// The same for the narrow (width-3) permutation.
pub const NARROW_PERMUTATION_CONSTRAINTS: usize = 3 * (3 * FULL_ROUNDS + NARROW_PARTIAL_ROUNDS);

/// What [`commit`] costs for `elements` packed field elements. The sponge absorbs
/// `m = elements + 1` values (the count first) at rate 8 and squeezes once: `⌈m/8⌉`
/// permutations. In the first one the capacity, the count and any rate slot no element
/// reached are constants, so their first-round S-boxes are constant-folded (three products
/// each). With no elements at all the whole sponge is constant and costs nothing. Every
/// product allocates one witness variable.
pub fn commit_cost(elements: usize) -> Cost {
    if elements == 0 {
        return Cost::default();
    }
    let permutations = (elements + 1).div_ceil(RATE);
    let constant_slots = WIDTH - elements.min(RATE - 1);
    let products = permutations * PERMUTATION_CONSTRAINTS - 3 * constant_slots;
    Cost::new(products, products)
}

/// The value of a committed variable (when proving).
pub fn value_of(v: &FpVar<Fr>) -> Option<Fr> {
    v.value().ok()
}
