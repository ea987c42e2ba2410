//! Every bundled model and one-op fixture: the reference executor's witness satisfies the
//! circuit, and a witness with one tampered rescaled value does not; in plain mode, and in
//! lookup mode with the trace filled by a random challenge and mask.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ark_ff::UniformRand;
use ark_relations::gr1cs::{ConstraintSystem, SynthesisMode};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkinfer_e2e::{model_dir, op_fixtures, read_input, real_models};
use zkinfer_ir::{quantize, CompiledModel, Op, ProofMode, QTensor, QuantizeSettings, Witness};
use zkinfer_onnx::compile;
use zkinfer_r1cs::{choose_mode, estimate, Fr, ModeRequest, ModelCircuit, ProofBinding};

fn witness(model: &CompiledModel, dir: &std::path::Path) -> Witness {
    let shapes = model.graph.input_shapes();
    let sample = read_input(&dir.join("input.json")).single(&shapes).unwrap();
    let inputs = model
        .graph
        .inputs
        .iter()
        .zip(&sample)
        .enumerate()
        .map(|(i, (spec, v))| {
            QTensor::new(
                spec.fact.shape.clone(),
                quantize(i, v, spec.fact.scale, spec.bits).unwrap(),
            )
            .unwrap()
        })
        .collect();
    model.graph.eval(inputs).unwrap()
}

/// Lookup mode: synthesizes with matrices (no cached combination values, which round 2
/// would make stale), fills round 2 with a random challenge and mask, then checks.
fn satisfied_lookup(model: &CompiledModel, w: &Witness, seed: u64) -> (bool, usize) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: true,
        generate_lc_assignments: false,
    });
    let trace = ModelCircuit {
        model,
        witness: Some(w),
        binding: ProofBinding::default(),
    }
    .synthesize(&cs)
    .unwrap()
    .expect("lookup mode returns a trace");
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    {
        let mut b = cs.borrow_mut().unwrap();
        let a = &mut b.assignments;
        let (c, mask) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        trace
            .fill(
                &mut a.instance_assignment,
                &mut a.witness_assignment,
                c,
                mask,
            )
            .unwrap();
    }
    cs.finalize();
    (cs.is_satisfied().unwrap(), cs.num_constraints())
}

fn satisfied(model: &CompiledModel, w: &Witness) -> (bool, usize) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: true,
        generate_lc_assignments: true,
    });
    let binding = ProofBinding {
        chain_id: 31337,
        escrow: [0xe5; 20],
        job_id: 7,
        provider: [0xab; 20],
    };
    ModelCircuit {
        model,
        witness: Some(w),
        binding,
    }
    .synthesize(&cs)
    .unwrap();
    (cs.is_satisfied().unwrap(), cs.num_constraints())
}

fn check(name: &str, dir: &std::path::Path) {
    let model = compile(
        &dir.join("model.onnx"),
        &read_input(&dir.join("calibration.json")),
        QuantizeSettings::default(),
    )
    .unwrap()
    .model;
    let w = witness(&model, dir);
    if model
        .graph
        .nodes
        .iter()
        .any(|n| matches!(n.op, Op::Table(_)))
    {
        // Function tables: only lookup mode proves them; plain mode refuses, naming the node.
        let e = estimate(&model).unwrap_err().to_string();
        assert!(e.contains("only lookup mode proves"), "{name}: {e}");
        return check_lookup(name, &model, &w);
    }
    let (ok, n) = satisfied(&model, &w);
    assert!(ok, "{name}: the honest witness must satisfy the circuit");
    let stats = estimate(&model).unwrap();
    assert_eq!(
        stats.constraints, n,
        "{name}: setup and prove synthesize the same constraints"
    );
    println!(
        "{name:<22} constraints {n:>7}  public inputs {}",
        stats.public_inputs
    );
    // Tamper: the last rescaled tensor, one element off by one.
    if let Some(i) = model
        .graph
        .nodes
        .iter()
        .rposition(|n| matches!(n.op, Op::Rescale(_)))
    {
        let mut bad = w.clone();
        bad.tensors[model.graph.inputs.len() + i].data[0] += 1;
        assert!(
            !satisfied(&model, &bad).0,
            "{name}: a tampered rescale output must be rejected"
        );
    }
    check_lookup(name, &model, &w);
}

/// The same in lookup mode, at the limb width `choose_mode` picks.
fn check_lookup(name: &str, model: &CompiledModel, w: &Witness) {
    let choice = choose_mode(&model.graph, ModeRequest::Lookup).unwrap();
    let model = model.clone().with_proof_mode(choice.mode);
    let ProofMode::Lookup { limb_bits } = choice.mode else {
        panic!("{name}: lookup was requested")
    };
    let (ok, n) = satisfied_lookup(&model, w, 1);
    assert!(
        ok,
        "{name}: the honest witness must satisfy the lookup circuit"
    );
    assert_eq!(estimate(&model).unwrap().constraints, n, "{name}");
    println!("{:<22} lookup L={limb_bits:<2} constraints {n:>7}", "");
    if let Some(i) = model
        .graph
        .nodes
        .iter()
        .rposition(|n| matches!(n.op, Op::Rescale(_)))
    {
        let mut bad = w.clone();
        bad.tensors[model.graph.inputs.len() + i].data[0] += 1;
        assert!(
            !satisfied_lookup(&model, &bad, 2).0,
            "{name}: a tampered rescale output must be rejected in lookup mode"
        );
    }
    // Tamper: one output of each table op off by one (another row's value, or none).
    for (i, node) in model.graph.nodes.iter().enumerate() {
        if !matches!(node.op, Op::Table(_)) {
            continue;
        }
        for delta in [1, -1] {
            let mut bad = w.clone();
            bad.tensors[model.graph.inputs.len() + i].data[0] += delta;
            assert!(
                !satisfied_lookup(&model, &bad, 3).0,
                "{name}: a table output off by {delta} must be rejected"
            );
        }
    }
}

#[test]
fn every_real_model_is_satisfied_by_its_witness_only() {
    for name in real_models() {
        check(&name, &model_dir(&name));
    }
}

#[test]
fn every_op_fixture_is_satisfied_by_its_witness_only() {
    for name in op_fixtures() {
        check(&name, &model_dir(&format!("ops/{name}")));
    }
}
