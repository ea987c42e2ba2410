//! Differential tests: the engine prover against ark-groth16, byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{
    create_proof, create_proof_timed, witness_map, witness_map_coefficients, witness_map_odd_coset,
    Groth16Error, HBasis, OddCosetReduction, PowersReduction, PreparedProvingKey, QapDomain,
    QapReduction, R1csInstance, R1csMatrices,
};
use ark_bn254::{Bn254, Fr};
use ark_ff::{FftField, Field, PrimeField, UniformRand};
use ark_groth16::{
    r1cs_to_qap::{LibsnarkReduction, R1CSToQAP},
    Groth16, Proof, ProvingKey, VerifyingKey,
};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, LinearCombination,
    OptimizationGoal, SynthesisError, SynthesisMode, Variable,
};
use ark_serialize::CanonicalSerialize;
use ark_snark::SNARK;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::sync::Arc;
use zkinfer_accel::{Accelerator, CpuEngine};

/// Number of quantized elements; 12 constraints each, plus 3 for the public sums.
const N: usize = 32;

/// A quantized layer in miniature: for signed 8-bit `x_i` and constant weights `w_i`, proves
/// the public `Σ w_i·x_i`, `Σ relu(x_i)` and `Σ x_i²`. Each `x_i` is range-checked through
/// the 8 bits of `x_i + 128`, whose top bit is the ReLU's sign bit. The witness is mostly
/// small integers, many negative (`x_i`, `w_i·x_i`), and bits.
#[derive(Clone)]
struct SignedLayer {
    xs: Vec<i64>,
    weights: Vec<i64>,
}

impl SignedLayer {
    fn new(seed: u64, n: usize) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        Self {
            xs: (0..n).map(|_| rng.gen_range(-128..=127)).collect(),
            weights: (0..n).map(|_| rng.gen_range(-50..=50)).collect(),
        }
    }

    /// The public inputs, in allocation order.
    fn public_inputs(&self) -> Vec<Fr> {
        let dot: i64 = self.xs.iter().zip(&self.weights).map(|(x, w)| x * w).sum();
        let relu: i64 = self.xs.iter().map(|x| (*x).max(0)).sum();
        let squares: i64 = self.xs.iter().map(|x| x * x).sum();
        vec![Fr::from(dot), Fr::from(relu), Fr::from(squares)]
    }
}

impl ConstraintSynthesizer<Fr> for SignedLayer {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let public = self.public_inputs();
        let witness = |v: i64| cs.new_witness_variable(|| Ok(Fr::from(v)));
        let (mut dot, mut relu, mut squares) = (
            LinearCombination::new(),
            LinearCombination::new(),
            LinearCombination::new(),
        );
        for (&x, &w) in self.xs.iter().zip(&self.weights) {
            let xv = witness(x)?;
            let product = witness(w * x)?;
            cs.enforce_r1cs_constraint(
                || (Fr::from(w), xv).into(),
                || Variable::One.into(),
                || product.into(),
            )?;
            let square = witness(x * x)?;
            cs.enforce_r1cs_constraint(|| xv.into(), || xv.into(), || square.into())?;
            let mut packed = LinearCombination::new();
            let mut bits = Vec::with_capacity(8);
            for j in 0..8 {
                let b = witness(((x + 128) >> j) & 1)?;
                cs.enforce_r1cs_constraint(|| b.into(), || b.into(), || b.into())?;
                packed += (Fr::from(1u64 << j), b);
                bits.push(b);
            }
            let offset = LinearCombination::from(xv) + (Fr::from(128u64), Variable::One);
            cs.enforce_r1cs_constraint(|| packed, || Variable::One.into(), || offset)?;
            let r = witness(x.max(0))?;
            cs.enforce_r1cs_constraint(|| bits[7].into(), || xv.into(), || r.into())?;
            dot += (Fr::from(1u64), product);
            relu += (Fr::from(1u64), r);
            squares += (Fr::from(1u64), square);
        }
        for (sum, value) in [dot, relu, squares].into_iter().zip(public) {
            let input = cs.new_input_variable(|| Ok(value))?;
            cs.enforce_r1cs_constraint(|| sum, || Variable::One.into(), || input.into())?;
        }
        Ok(())
    }
}

/// A finalized constraint system of `circuit` synthesized in `mode`.
fn synthesize_in(circuit: SignedLayer, mode: SynthesisMode) -> ConstraintSystemRef<Fr> {
    let cs = ConstraintSystem::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(mode);
    circuit.generate_constraints(cs.clone()).unwrap();
    cs.finalize();
    cs
}

/// Synthesizes `circuit` exactly as `Groth16::create_proof_with_reduction` does.
fn synthesize(circuit: SignedLayer) -> ConstraintSystemRef<Fr> {
    let cs = synthesize_in(
        circuit,
        SynthesisMode::Prove {
            construct_matrices: true,
            generate_lc_assignments: false,
        },
    );
    assert!(cs.is_satisfied().unwrap());
    cs
}

/// The circuit's matrices from a setup-mode synthesis (no witness), as a prover builds them once.
fn matrices(circuit: SignedLayer) -> Arc<R1csMatrices> {
    let cs = synthesize_in(circuit, SynthesisMode::Setup);
    Arc::new(R1csMatrices::from_cs(&cs).unwrap())
}

/// A prove-mode synthesis that builds no matrices: the assignment only.
fn assign(circuit: SignedLayer) -> ConstraintSystemRef<Fr> {
    synthesize_in(
        circuit,
        SynthesisMode::Prove {
            construct_matrices: false,
            generate_lc_assignments: false,
        },
    )
}

fn setup(circuit: &SignedLayer) -> (ProvingKey<Bn254>, VerifyingKey<Bn254>) {
    let mut rng = ChaCha20Rng::seed_from_u64(2024);
    Groth16::<Bn254, QapReduction>::circuit_specific_setup(circuit.clone(), &mut rng).unwrap()
}

fn bytes(proof: &Proof<Bn254>) -> Vec<u8> {
    let mut out = Vec::new();
    proof.serialize_compressed(&mut out).unwrap();
    out
}

fn blindings() -> Vec<(Fr, Fr)> {
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    vec![
        (Fr::from(7u64), Fr::from(11u64)),
        (Fr::rand(&mut rng), Fr::rand(&mut rng)),
        (Fr::from(0u64), Fr::from(5u64)), // r = 0: ark skips B in G1
        (Fr::from(0u64), Fr::from(0u64)),
    ]
}

fn assert_matches_ark<A: Accelerator>(engine: &A) {
    assert_matches_ark_at(engine, N);
}

fn assert_matches_ark_at<A: Accelerator>(engine: &A, n: usize) {
    let circuit = SignedLayer::new(1, n);
    let (pk, _) = setup(&circuit);
    let inst = R1csInstance::from_cs(synthesize(circuit.clone())).unwrap();
    let prepared = PreparedProvingKey::new(engine, pk.clone()).unwrap();
    for (r, s) in blindings() {
        let ours = create_proof(engine, &prepared, &inst, r, s).unwrap();
        let ark =
            Groth16::<Bn254, QapReduction>::create_proof_with_reduction(circuit.clone(), &pk, r, s)
                .unwrap();
        assert_eq!(
            bytes(&ours),
            bytes(&ark),
            "engine `{}`, r = {r}, s = {s}",
            engine.name()
        );
    }
}

#[test]
fn fixture_has_the_witness_shape_we_optimise_for() {
    let inst = R1csInstance::from_cs(synthesize(SignedLayer::new(1, N))).unwrap();
    assert_eq!(inst.num_instance(), 4);
    assert_eq!(inst.num_constraints(), 12 * N + 3);
    let negative = inst
        .witness()
        .iter()
        .filter(|v| v.into_bigint() > Fr::MODULUS_MINUS_ONE_DIV_TWO)
        .count();
    let bits = inst
        .witness()
        .iter()
        .filter(|v| v.into_bigint() <= 1u64.into())
        .count();
    assert!(negative >= N / 2, "only {negative} negative witness values");
    assert!(bits >= 8 * N, "only {bits} bit-valued witness values");
}

#[test]
fn sign_normalised_engine_matches_ark_byte_for_byte() {
    assert_matches_ark(&CpuEngine::new());
}

#[test]
fn plain_engine_matches_ark_byte_for_byte() {
    assert_matches_ark(&CpuEngine::plain());
}

/// A whole proof on the GPU is the CPU's (= arkworks') byte for byte for the same r and s,
/// on a power-of-two domain (GPU NTTs) and a mixed-radix one (the CUDA engine's CPU side).
#[cfg(feature = "cuda")]
#[test]
#[ignore = "needs an NVIDIA GPU with a CUDA 13 driver: run by scripts/gpu-check.sh"]
fn a_proof_on_the_gpu_is_the_cpu_proof_byte_for_byte() {
    let gpu = crate::Engine::select(crate::EngineChoice::Cuda)
        .unwrap_or_else(|e| panic!("the CUDA engine cannot start: {e}"))
        .engine;
    assert_eq!(gpu.name(), "cuda");
    assert_matches_ark(&gpu);
    assert_matches_ark_at(&gpu, 31);
}

#[test]
fn mixed_radix_domain_matches_ark_and_verifies() {
    // 31 inputs: 375 constraints + 4 instance variables fit 3·2^7 = 384 points, not 512.
    let circuit = SignedLayer::new(2, 31);
    let inst = R1csInstance::from_cs(synthesize(circuit.clone())).unwrap();
    assert_eq!(
        super::qap::domain_size(&inst, HBasis::CosetLagrange).unwrap(),
        384
    );
    assert_matches_ark_at(&CpuEngine::new(), 31);
    let (pk, vk) = setup(&circuit);
    let engine = CpuEngine::new();
    let prepared = PreparedProvingKey::new(&engine, pk).unwrap();
    let proof = create_proof(&engine, &prepared, &inst, Fr::from(3u8), Fr::from(4u8)).unwrap();
    assert!(Groth16::<Bn254, QapReduction>::verify(&vk, &circuit.public_inputs(), &proof).unwrap());
    let h = witness_map(&engine, &inst).unwrap();
    let cs = synthesize(circuit);
    assert_eq!(
        h,
        QapReduction::witness_map::<Fr, GeneralEvaluationDomain<Fr>>(cs).unwrap()
    );
}

#[test]
fn witness_map_matches_ark() {
    let cs = synthesize(SignedLayer::new(3, N));
    let ark = QapReduction::witness_map::<Fr, GeneralEvaluationDomain<Fr>>(cs.clone()).unwrap();
    let libsnark =
        LibsnarkReduction::witness_map::<Fr, GeneralEvaluationDomain<Fr>>(cs.clone()).unwrap();
    let inst = R1csInstance::from_cs(cs).unwrap();
    let ours = witness_map(&CpuEngine::new(), &inst).unwrap();
    assert_eq!(ours, ark);
    // Interpolated on the coset and divided by Z_H there, it is libsnark's h (whose last
    // coefficient is zero for a satisfied instance).
    let n = ours.len();
    let domain = QapDomain::<Fr>::new(n).unwrap();
    let coset = domain.get_coset(Fr::GENERATOR).unwrap();
    let z_inv = (Fr::GENERATOR.pow([n as u64]) - Fr::from(1u64))
        .inverse()
        .unwrap();
    let h: Vec<Fr> = coset.ifft(&ours).into_iter().map(|v| v * z_inv).collect();
    assert_eq!(h, libsnark);
    assert_eq!(h[n - 1], Fr::from(0u64));
}

#[test]
fn proof_verifies_and_tampered_input_is_rejected() {
    let circuit = SignedLayer::new(4, N);
    let (pk, vk) = setup(&circuit);
    let engine = CpuEngine::new();
    let prepared = PreparedProvingKey::new(&engine, pk).unwrap();
    let inst = R1csInstance::from_cs(synthesize(circuit.clone())).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let (proof, timings) = create_proof_timed(
        &engine,
        &prepared,
        &inst,
        Fr::rand(&mut rng),
        Fr::rand(&mut rng),
    )
    .unwrap();
    assert!(timings.total >= timings.witness_map + timings.msm_a);

    let public = circuit.public_inputs();
    assert_eq!(inst.public_inputs(), public.as_slice());
    assert!(Groth16::<Bn254, QapReduction>::verify(&vk, &public, &proof).unwrap());
    for i in 0..public.len() {
        let mut tampered = public.clone();
        tampered[i] += Fr::from(1u64);
        assert!(
            !Groth16::<Bn254, QapReduction>::verify(&vk, &tampered, &proof).unwrap(),
            "tampered input {i} accepted"
        );
    }
}

#[test]
fn key_for_another_circuit_is_refused() {
    let (pk, _) = setup(&SignedLayer::new(1, N / 2));
    let engine = CpuEngine::new();
    let prepared = PreparedProvingKey::new(&engine, pk).unwrap();
    let inst = R1csInstance::from_cs(synthesize(SignedLayer::new(1, N))).unwrap();
    let err = create_proof(&engine, &prepared, &inst, Fr::from(1u64), Fr::from(2u64)).unwrap_err();
    assert!(
        matches!(
            err,
            Groth16Error::KeyMismatch {
                query: "a_query",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn malformed_instances_are_errors_not_panics() {
    let engine = CpuEngine::new();
    let good = R1csInstance::from_cs(synthesize(SignedLayer::new(1, 4))).unwrap();

    let mut bad_index = good.clone();
    Arc::make_mut(&mut bad_index.matrices).c[0].push((Fr::from(1u64), good.assignment.len()));
    let mut missing_row = good.clone();
    Arc::make_mut(&mut missing_row.matrices).b.pop();
    let mut no_one = good.clone();
    no_one.assignment[0] = Fr::from(2u64);
    let mut short = good.clone();
    Arc::make_mut(&mut short.matrices).num_instance = good.assignment.len() + 1;
    for inst in [bad_index, missing_row, no_one, short] {
        let err = witness_map(&engine, &inst).unwrap_err();
        assert!(
            matches!(err, Groth16Error::MalformedInstance { .. }),
            "{err:?}"
        );
    }
}

#[test]
fn setup_mode_constraint_system_is_refused() {
    let cs = ConstraintSystem::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    SignedLayer::new(1, 4)
        .generate_constraints(cs.clone())
        .unwrap();
    cs.finalize();
    let err = R1csInstance::from_cs(cs).unwrap_err();
    assert!(matches!(err, Groth16Error::Synthesis { .. }), "{err:?}");
}

#[test]
fn matrices_built_once_give_the_same_instance_and_proof() {
    let circuit = SignedLayer::new(6, N);
    let full = R1csInstance::from_cs(synthesize(circuit.clone())).unwrap();
    let shared = matrices(circuit.clone());
    let inst = R1csInstance::with_matrices(shared.clone(), &assign(circuit.clone())).unwrap();
    assert!(
        inst == full,
        "setup-mode matrices and assignment differ from one synthesis"
    );
    let (pk, _) = setup(&circuit);
    let engine = CpuEngine::new();
    let prepared = PreparedProvingKey::new(&engine, pk).unwrap();
    let (r, s) = (Fr::from(3u8), Fr::from(9u8));
    assert_eq!(
        bytes(&create_proof(&engine, &prepared, &inst, r, s).unwrap()),
        bytes(&create_proof(&engine, &prepared, &full, r, s).unwrap())
    );
    // A witness of another circuit shape is refused, not proved against the wrong matrices.
    let err = R1csInstance::with_matrices(shared, &assign(SignedLayer::new(6, N / 2))).unwrap_err();
    assert!(
        matches!(err, Groth16Error::MalformedInstance { .. }),
        "{err:?}"
    );
}

#[test]
fn version_1_keys_in_powers_of_tau_still_prove_byte_for_byte() {
    for n in [N, 31] {
        let circuit = SignedLayer::new(8, n);
        let (pk, vk) = Groth16::<Bn254, PowersReduction>::circuit_specific_setup(
            circuit.clone(),
            &mut ChaCha20Rng::seed_from_u64(2024),
        )
        .unwrap();
        let cs = synthesize(circuit.clone());
        let libsnark = LibsnarkReduction::witness_map::<Fr, QapDomain<Fr>>(cs.clone()).unwrap();
        let inst = R1csInstance::from_cs(cs).unwrap();
        let engine = CpuEngine::new();
        let coefficients = witness_map_coefficients(&engine, &inst).unwrap();
        assert_eq!(coefficients[..], libsnark[..libsnark.len() - 1]);
        let prepared = PreparedProvingKey::with_basis(&engine, pk.clone(), HBasis::Powers).unwrap();
        for (r, s) in blindings() {
            let ours = create_proof(&engine, &prepared, &inst, r, s).unwrap();
            let ark = Groth16::<Bn254, PowersReduction>::create_proof_with_reduction(
                circuit.clone(),
                &pk,
                r,
                s,
            )
            .unwrap();
            assert_eq!(bytes(&ours), bytes(&ark), "n = {n}, r = {r}, s = {s}");
            assert!(Groth16::<Bn254, PowersReduction>::verify(
                &vk,
                &circuit.public_inputs(),
                &ours
            )
            .unwrap());
        }
        // Prepared as the other basis, the key is refused rather than proved with wrongly.
        let wrong = PreparedProvingKey::new(&engine, pk).unwrap();
        let err = create_proof(&engine, &wrong, &inst, Fr::from(1u8), Fr::from(2u8)).unwrap_err();
        assert!(
            matches!(
                err,
                Groth16Error::KeyMismatch {
                    query: "h_query",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}

#[test]
fn odd_coset_keys_prove_byte_for_byte_and_reject_wrong_witnesses() {
    // N + instance rounds up to 2^k; 31 does not fill a power of two either, which the
    // power-of-two domain pads (where the mixed-radix domain of the other bases would not).
    for n in [N, 31] {
        let circuit = SignedLayer::new(8, n);
        let (pk, vk) = Groth16::<Bn254, OddCosetReduction>::circuit_specific_setup(
            circuit.clone(),
            &mut ChaCha20Rng::seed_from_u64(7),
        )
        .unwrap();
        let inst = R1csInstance::from_cs(synthesize(circuit.clone())).unwrap();
        let engine = CpuEngine::new();
        let ours_map = witness_map_odd_coset(&engine, &inst).unwrap();
        assert!(ours_map.len().is_power_of_two());
        assert_eq!(pk.h_query.len(), ours_map.len());
        let prepared =
            PreparedProvingKey::with_basis(&engine, pk.clone(), HBasis::OddCoset).unwrap();
        for (r, s) in blindings() {
            let ours = create_proof(&engine, &prepared, &inst, r, s).unwrap();
            let ark = Groth16::<Bn254, OddCosetReduction>::create_proof_with_reduction(
                circuit.clone(),
                &pk,
                r,
                s,
            )
            .unwrap();
            assert_eq!(bytes(&ours), bytes(&ark), "n = {n}, r = {r}, s = {s}");
            let public = circuit.public_inputs();
            assert!(Groth16::<Bn254, OddCosetReduction>::verify(&vk, &public, &ours).unwrap());
            // A tampered public input is rejected.
            let mut wrong = public.clone();
            wrong[0] += Fr::from(1u8);
            assert!(!Groth16::<Bn254, OddCosetReduction>::verify(&vk, &wrong, &ours).unwrap());
        }
        // A witness that does not satisfy the constraints gives a proof that does not verify.
        let mut bad = inst.clone();
        let last = bad.assignment.len() - 1;
        bad.assignment[last] += Fr::from(1u8);
        let forged = create_proof(&engine, &prepared, &bad, Fr::from(3u8), Fr::from(4u8)).unwrap();
        assert!(!Groth16::<Bn254, OddCosetReduction>::verify(
            &vk,
            &circuit.public_inputs(),
            &forged
        )
        .unwrap());
    }
}
