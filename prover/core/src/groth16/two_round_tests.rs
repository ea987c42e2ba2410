//! The two-round prover on a small circuit of the lookup shape: round-1 wires `a, b` with
//! `a·b = x` (public), round-2 wire `inv = 1/(c − a)` with `inv·(c − a) = 1`, where `c` is
//! the challenge, the last public input. Valid proofs verify natively; a swapped `C₁`, a
//! challenge over other public inputs, a tampered `C₂` or round-2 value do not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use ark_bn254::{Bn254, Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, UniformRand};
use ark_groth16::{Proof, ProvingKey};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, LinearCombination,
    OptimizationGoal, SynthesisError, SynthesisMode, Variable,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkinfer_accel::CpuEngine;
use zkinfer_verifier::{challenge, verify_two_round, Round1Key};

use super::{
    create_proof_with_offset, two_round_setup, PreparedProvingKey, PreparedRound1, R1csInstance,
    R1csMatrices, Round1ProvingKey,
};

/// `(x, c, a, b, inv)`; `None` in setup.
#[derive(Clone, Copy)]
struct Lookupish(Option<[Fr; 5]>);

impl ConstraintSynthesizer<Fr> for Lookupish {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let v = |i: usize| {
            self.0
                .map(|a| a[i])
                .ok_or(SynthesisError::AssignmentMissing)
        };
        let x = cs.new_input_variable(|| v(0))?;
        let c = cs.new_input_variable(|| v(1))?;
        let a = cs.new_witness_variable(|| v(2))?;
        let b = cs.new_witness_variable(|| v(3))?;
        let inv = cs.new_witness_variable(|| v(4))?;
        cs.enforce_r1cs_constraint(|| a.into(), || b.into(), || x.into())?;
        cs.enforce_r1cs_constraint(
            || inv.into(),
            || LinearCombination(vec![(Fr::from(1u8), c), (-Fr::from(1u8), a)]),
            || Variable::One.into(),
        )?;
        Ok(())
    }
}

struct Setup {
    engine: CpuEngine,
    pk: PreparedProvingKey<CpuEngine>,
    r1: PreparedRound1<CpuEngine>,
    matrices: Arc<R1csMatrices>,
}

fn setup() -> Setup {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    // round 1: witness variables 0 (a) and 1 (b)
    let (pk, r1): (ProvingKey<Bn254>, Round1ProvingKey) =
        two_round_setup(Lookupish(None), &[0, 1], &mut rng).unwrap();
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    Lookupish(None).generate_constraints(cs.clone()).unwrap();
    cs.finalize();
    let engine = CpuEngine::default();
    Setup {
        pk: PreparedProvingKey::new(&engine, pk).unwrap(),
        r1: PreparedRound1::new(&engine, r1).unwrap(),
        matrices: Arc::new(R1csMatrices::from_cs(&cs).unwrap()),
        engine,
    }
}

/// Proves `a·b = x` in two rounds; `inv_tamper` is added to the round-2 value.
fn prove(s: &Setup, a: Fr, b: Fr, inv_tamper: Fr) -> (Proof<Bn254>, G1Affine, [Fr; 2]) {
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    let x = a * b;
    let rho = Fr::rand(&mut rng);
    let c1 = s.r1.commit(&s.engine, s.pk.pk(), &[a, b], rho).unwrap();
    let c = challenge(&c1, &[x]);
    let inv = (c - a).inverse().unwrap() + inv_tamper;
    let inst = R1csInstance {
        matrices: s.matrices.clone(),
        assignment: vec![Fr::from(1u8), x, c, a, b, inv],
    };
    let (r, t) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    let (proof, _) =
        create_proof_with_offset(&s.engine, &s.pk, &inst, r, t, s.r1.c_offset(rho)).unwrap();
    (proof, c1, [x, c])
}

fn check(s: &Setup, proof: &Proof<Bn254>, c1: &G1Affine, public: &[Fr]) -> bool {
    let key = Round1Key {
        delta1_g2: s.r1.key().delta1_g2,
    };
    verify_two_round(&s.pk.pk().vk, &key, public, proof, c1).unwrap()
}

#[test]
fn two_round_proofs_verify_and_every_tampering_is_rejected() {
    let s = setup();
    let (a, b) = (Fr::from(6u8), Fr::from(7u8));
    let (proof, c1, public) = prove(&s, a, b, Fr::from(0u8));
    assert!(check(&s, &proof, &c1, &public));

    // C₁ swapped for another proof's (of other round-1 values): the equation breaks
    let (other, other_c1, other_public) = prove(&s, Fr::from(3u8), Fr::from(14u8), Fr::from(0u8));
    assert!(check(&s, &other, &other_c1, &other_public));
    assert!(!check(&s, &proof, &other_c1, &public));
    let recomputed = [public[0], challenge(&other_c1, &public[..1])];
    assert!(!check(&s, &proof, &other_c1, &recomputed));

    // a challenge over other public inputs
    let other_x = public[0] + Fr::from(1u8);
    assert!(!check(
        &s,
        &proof,
        &c1,
        &[other_x, challenge(&c1, &[other_x])]
    ));
    assert!(!check(
        &s,
        &proof,
        &c1,
        &[public[0], public[1] + Fr::from(1u8)]
    ));

    // a tampered C₂, A, or round-2 value
    let mut bad = proof.clone();
    bad.c = (bad.c + G1Affine::generator()).into_affine();
    assert!(!check(&s, &bad, &c1, &public));
    let mut bad = proof.clone();
    bad.a = (bad.a + bad.a).into_affine();
    assert!(!check(&s, &bad, &c1, &public));
    let (tampered, tc1, tpublic) = prove(&s, a, b, Fr::from(1u8));
    assert!(!check(&s, &tampered, &tc1, &tpublic));

    // C₁ re-blinded (C₁ + k·δ, C₂ − k·δ₁): the pairing still balances for the old c, so a
    // verifier that took c from the proof would accept; recomputing c from the new C₁ refuses
    let k = Fr::from(5u8);
    let moved_c1 = (c1 + s.pk.pk().delta_g1 * k).into_affine();
    let mut moved = proof.clone();
    moved.c = (moved.c.into_group() - s.r1.key().delta1_g1 * k).into_affine();
    assert!(check(&s, &moved, &moved_c1, &public), "stale c balances");
    let fresh = [public[0], challenge(&moved_c1, &public[..1])];
    assert!(!check(&s, &moved, &moved_c1, &fresh));

    // C₁ is blinded: the same round-1 values commit to different points under other ρ
    let c1b =
        s.r1.commit(&s.engine, s.pk.pk(), &[a, b], Fr::from(5u8))
            .unwrap();
    assert_ne!(c1, c1b);
}

#[test]
fn round1_bases_leave_l_query_and_bad_indices_are_refused() {
    let s = setup();
    assert!(s.pk.pk().l_query[0].is_zero() && s.pk.pk().l_query[1].is_zero());
    assert!(!s.pk.pk().l_query[2].is_zero());
    assert_eq!(s.r1.key().k1_query.len(), 2);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    assert!(two_round_setup(Lookupish(None), &[1, 0], &mut rng).is_err());
    assert!(two_round_setup(Lookupish(None), &[7], &mut rng).is_err());
}
