//! The analytic circuit estimator (`zkinfer_r1cs::estimate_graph`, and
//! `estimate_graph_mode` in lookup mode) against a real setup-mode synthesis
//! (`zkinfer_r1cs::estimate`), and the proving-key size formula against a real key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkinfer_e2e::{model_dir, op_fixtures, read_input, real_models};
use zkinfer_ir::ops::{Clip, Gemm, Rescale};
use zkinfer_ir::{
    CompiledModel, Fact, Graph, GraphInput, GraphOutput, Op, ProofMode, QuantizeSettings, TensorId,
};
use zkinfer_onnx::compile;
use zkinfer_r1cs::{estimate, estimate_graph, estimate_graph_mode};

/// Limb widths the lookup-mode estimate is checked at: a small one (many limbs, partial top
/// limbs of several widths), the one LeNet-5 picks, and a wide one (single limbs).
const LIMB_BITS: [u32; 3] = [5, 10, 16];
use zkinfer_verifier::KeyProvenance;

fn model(dir: &std::path::Path) -> CompiledModel {
    compile(
        &dir.join("model.onnx"),
        &read_input(&dir.join("calibration.json")),
        QuantizeSettings::default(),
    )
    .unwrap()
    .model
}

fn check(name: &str, m: &CompiledModel) {
    let tables = m
        .graph
        .nodes
        .iter()
        .any(|n| matches!(n.op, zkinfer_ir::Op::Table(_)));
    if tables {
        // No plain circuit: both counts refuse it the same way.
        let (real, analytic) = (
            estimate(m).unwrap_err(),
            estimate_graph(&m.graph).unwrap_err(),
        );
        assert_eq!(real.to_string(), analytic.to_string(), "{name}");
    } else {
        check_plain(name, m);
    }
    check_lookup(name, m);
}

fn check_plain(name: &str, m: &CompiledModel) {
    let t = Instant::now();
    let real = estimate(m).unwrap();
    let synth = t.elapsed();
    let t = Instant::now();
    let analytic = estimate_graph(&m.graph).unwrap();
    let counted = t.elapsed();
    println!(
        "{name:<22} constraints {:>8}  witness {:>8}  public {:>4}  synthesis {:>8.2?}  analytic {:>8.2?}",
        real.constraints, real.witness_variables, real.public_inputs, synth, counted
    );
    assert_eq!(analytic, real, "{name}");
}

fn check_lookup(name: &str, m: &CompiledModel) {
    for limb_bits in LIMB_BITS {
        let lookup = m.clone().with_proof_mode(ProofMode::Lookup { limb_bits });
        let real = estimate(&lookup).unwrap();
        let analytic = estimate_graph_mode(&lookup.graph, &lookup.proof_mode).unwrap();
        println!(
            "{:<22} constraints {:>8}  witness {:>8}  round 2 {:>7}  public {:>4}",
            format!("  lookup L={limb_bits}"),
            real.constraints,
            real.witness_variables,
            real.round2_witness,
            real.public_inputs
        );
        assert_eq!(analytic, real, "{name}, lookup mode, L = {limb_bits}");
    }
}

#[test]
fn analytic_estimate_equals_synthesis_on_every_model_and_fixture() {
    for name in real_models() {
        check(&name, &model(&model_dir(&name)));
    }
    for name in op_fixtures() {
        check(&name, &model(&model_dir(&format!("ops/{name}"))));
    }
}

fn input(len: usize, bits: u32) -> GraphInput {
    GraphInput {
        name: format!("x{bits}"),
        fact: Fact {
            shape: vec![1, len],
            scale: 8,
            max_abs: 1 << (bits - 1),
        },
        bits,
    }
}

/// Mixed input widths, a Gemm with identity rows (single-variable outputs), a ReLU on a
/// rescale's sign bit and one without, a Clip on both sides.
#[test]
fn analytic_estimate_is_exact_on_hand_built_corner_cases() {
    let mut g = Graph {
        inputs: vec![input(3, 2), input(3, 40)],
        ..Graph::default()
    };
    let gemm = Gemm {
        out_features: 3,
        in_features: 3,
        weight: vec![1, 0, 0, 0, 2, 0, 1, 1, 0],
        bias: vec![0, 0, 0],
        weight_scale: 0,
    };
    let a = g
        .push("gemm", Op::Gemm(gemm.clone()), vec![TensorId(0)])
        .unwrap();
    let b = g.push("gemm2", Op::Gemm(gemm), vec![a]).unwrap();
    let r = g.push("relu", Op::Relu, vec![b]).unwrap();
    let s = g
        .push(
            "rescale",
            Op::Rescale(Rescale { shift: 4, bits: 30 }),
            vec![TensorId(1)],
        )
        .unwrap();
    let t = g.push("relu2", Op::Relu, vec![s]).unwrap();
    let c = g
        .push("clip", Op::Clip(Clip { min: -3, max: 5 }), vec![s])
        .unwrap();
    for (i, out) in [r, t, c].into_iter().enumerate() {
        g.outputs.push(GraphOutput {
            name: format!("y{i}"),
            tensor: out,
        });
    }
    let m = CompiledModel::new(g, QuantizeSettings::default()).unwrap();
    check("corner cases", &m);
}

/// The proving key `setup` writes has exactly the size the formula gives.
#[test]
fn proving_key_size_formula_matches_a_real_key() {
    let m = model(&model_dir("mlp"));
    let stats = estimate_graph(&m.graph).unwrap();
    let provenance = KeyProvenance {
        made_by: "estimate test".into(),
        insecure_seed: Some(1),
        created_unix: 0,
        ceremony: None,
    };
    let (pk, _) =
        zkinfer_prover::setup(&m, &mut ChaCha20Rng::seed_from_u64(1), provenance).unwrap();
    let bytes = pk.to_bytes().unwrap().len() as u64;
    println!(
        "mlp: proving key {bytes} bytes, formula {} (domain {})",
        stats.proving_key_bytes(),
        stats.domain_size()
    );
    assert_eq!(bytes, stats.proving_key_bytes());
}
