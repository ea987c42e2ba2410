//! The input commitment: the circuit's Poseidon commitment equals the verifier's native
//! `commit_input`, including for a model whose inputs have different bit widths (security
//! review finding #7), and the greedy packing leaves every model `zkinfer compile` makes (one
//! input width) with exactly the commitment it had before.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ark_ff::{BigInteger, Field, PrimeField};
use ark_relations::gr1cs::{ConstraintSystem, SynthesisMode};
use zkinfer_e2e::{model_dir, read_input, real_models};
use zkinfer_ir::ops::Rescale;
use zkinfer_ir::{
    CompiledModel, Fact, Graph, GraphInput, GraphOutput, Op, QTensor, QuantizeSettings,
};
use zkinfer_onnx::compile;
use zkinfer_prover::public_layout;
use zkinfer_r1cs::{Fr, ModelCircuit, ProofBinding};
use zkinfer_verifier::{commit_input, poseidon_params};

fn input(name: &str, len: usize, bits: u32) -> GraphInput {
    GraphInput {
        name: name.into(),
        fact: Fact {
            shape: vec![len],
            scale: 8,
            max_abs: 1 << (bits - 1),
        },
        bits,
    }
}

/// The review's model: input `a` (2 bits × 1), input `b` (40 bits × 130), one rescale of `b`.
fn mixed_model() -> CompiledModel {
    let mut g = Graph {
        inputs: vec![input("a", 1, 2), input("b", 130, 40)],
        ..Graph::default()
    };
    let out = g
        .push(
            "rescale",
            Op::Rescale(Rescale { shift: 8, bits: 33 }),
            vec![zkinfer_ir::TensorId(1)],
        )
        .unwrap();
    g.outputs.push(GraphOutput {
        name: "y".into(),
        tensor: out,
    });
    CompiledModel::new(g, QuantizeSettings::default()).unwrap()
}

/// The circuit's public input 0 (the input commitment) for `inputs`, and whether the honest
/// witness satisfies the circuit.
fn circuit_commitment(model: &CompiledModel, inputs: &[Vec<i64>]) -> (Fr, bool) {
    let tensors = model
        .graph
        .inputs
        .iter()
        .zip(inputs)
        .map(|(spec, v)| QTensor::new(spec.fact.shape.clone(), v.clone()).unwrap())
        .collect();
    let w = model.graph.eval(tensors).unwrap();
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: true,
        generate_lc_assignments: true,
    });
    ModelCircuit {
        model,
        witness: Some(&w),
        binding: ProofBinding::default(),
    }
    .synthesize(&cs)
    .unwrap();
    // Instance 0 is the constant 1.
    (
        cs.instance_assignment().unwrap()[1],
        cs.is_satisfied().unwrap(),
    )
}

/// Two inputs of the mixed model that collided under the old packing (see
/// `zkinfer_verifier::commitment`'s unit test): B's old first element is A's plus `p`.
fn colliding_pair() -> (Vec<Vec<i64>>, Vec<Vec<i64>>) {
    let half = 1i64 << 39;
    let p = Fr::MODULUS.to_bits_le();
    let digit = |from: usize, len: usize| -> i64 {
        (0..len)
            .filter(|&i| from + i < p.len() && p[from + i])
            .map(|i| 1i64 << i)
            .sum()
    };
    let mut b = vec![-half; 130];
    for (j, v) in b.iter_mut().enumerate().take(7) {
        *v = digit(2 + 40 * j, 40) - half;
    }
    (
        vec![vec![-2], vec![-half; 130]],
        vec![vec![digit(0, 2) - 2], b],
    )
}

#[test]
fn circuit_commitment_equals_native_commitment_for_mixed_input_widths() {
    let model = mixed_model();
    let layout = public_layout(&model);
    assert_eq!(layout.input_bits, vec![2, 40]);
    let (a, b) = colliding_pair();
    let mut ramp = vec![
        vec![1i64],
        (0..130).map(|i| i * 1_000_003 - 60_000_000).collect(),
    ];
    ramp[1][129] = (1 << 39) - 1;
    for inputs in [&a, &b, &ramp] {
        let (in_circuit, ok) = circuit_commitment(&model, inputs);
        assert!(ok, "the honest witness satisfies the circuit");
        assert_eq!(in_circuit, commit_input(&layout, inputs).unwrap());
    }
    assert_ne!(
        commit_input(&layout, &a).unwrap(),
        commit_input(&layout, &b).unwrap(),
        "inputs that collided under the old packing now have different commitments"
    );
}

#[test]
fn circuit_and_verifier_pack_positions_agree() {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for n in [0usize, 1, 2, 7, 64, 300] {
        for _ in 0..20 {
            let widths: Vec<u32> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    2 + (x % 61) as u32
                })
                .collect();
            assert_eq!(
                zkinfer_r1cs::pack_positions(widths.iter().copied()),
                zkinfer_verifier::pack_positions(widths.iter().copied()),
                "{widths:?}"
            );
        }
    }
}

/// The commitment as computed before the fix: chunks of `248 / bits` slots of the chunk's
/// first slot width.
fn old_commitment(bits: &[u32], inputs: &[Vec<i64>]) -> Fr {
    use ark_crypto_primitives::sponge::poseidon::PoseidonSponge;
    use ark_crypto_primitives::sponge::CryptographicSponge;
    let slots: Vec<(u128, u32)> = inputs
        .iter()
        .zip(bits)
        .flat_map(|(v, &b)| v.iter().map(move |&x| ((x + (1i64 << (b - 1))) as u128, b)))
        .collect();
    let mut packed = vec![Fr::from(slots.len() as u64)];
    let mut i = 0;
    while i < slots.len() {
        let per = (248 / slots[i].1).max(1) as usize;
        let chunk = &slots[i..(i + per).min(slots.len())];
        let (mut shift, mut acc) = (0u32, Fr::from(0u8));
        for (v, b) in chunk {
            acc += Fr::from(*v) * Fr::from(2u8).pow([u64::from(shift)]);
            shift += b;
        }
        packed.push(acc);
        i += chunk.len();
    }
    let mut sponge = PoseidonSponge::new(&poseidon_params());
    sponge.absorb(&packed);
    sponge.squeeze_field_elements::<Fr>(1)[0]
}

#[test]
fn bundled_models_keep_their_commitments() {
    for name in real_models() {
        let dir = model_dir(&name);
        let model = compile(
            &dir.join("model.onnx"),
            &read_input(&dir.join("calibration.json")),
            QuantizeSettings::default(),
        )
        .unwrap()
        .model;
        let layout = public_layout(&model);
        let sample = read_input(&dir.join("input.json"))
            .single(&model.graph.input_shapes())
            .unwrap();
        let q = model.graph.quantize_inputs(&sample).unwrap();
        assert_eq!(
            commit_input(&layout, &q).unwrap(),
            old_commitment(&layout.input_bits, &q),
            "{name}: a one-width model keeps the commitment of the old packing"
        );
        // A model with function tables has only the lookup mode, whose two-round synthesis
        // this plain-mode harness does not run; its proofs verify against the native
        // commitment in `prove.rs` (the commitment is public input 0).
        let tables = model
            .graph
            .nodes
            .iter()
            .any(|n| matches!(n.op, Op::Table(_)));
        if !tables {
            assert_eq!(
                circuit_commitment(&model, &q).0,
                old_commitment(&layout.input_bits, &q)
            );
        }
    }
}
