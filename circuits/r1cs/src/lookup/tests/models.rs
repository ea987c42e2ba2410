//! Whole circuits in lookup mode: honest models at every limb width, tampered model
//! witnesses, the trace in setup and prove mode, exact costs, and the public inputs.

use super::*;

fn graph_input(name: &str, shape: Vec<usize>, bits: u32) -> GraphInput {
    GraphInput {
        name: name.into(),
        fact: Fact {
            shape,
            scale: 4,
            max_abs: 1 << (bits - 1),
        },
        bits,
    }
}

fn outputs(g: &mut Graph, ts: &[TensorId]) {
    for (i, t) in ts.iter().enumerate() {
        g.outputs.push(GraphOutput {
            name: format!("y{i}"),
            tensor: *t,
        });
    }
}

/// Graphs covering every op: an MLP whose input also feeds a ReLU directly and a rescale by
/// `2^0`; a small CNN with Conv, MaxPool, Rescale, Clip, SumPool, Add.
fn graphs() -> Vec<(&'static str, Graph)> {
    vec![("mlp", mlp_graph()), ("cnn", cnn_graph())]
}

fn mlp_graph() -> Graph {
    let input = graph_input;
    let mut mlp = Graph {
        inputs: vec![input("x", vec![1, 6], 8)],
        ..Graph::default()
    };
    let gemm = |o: usize, i: usize, w: i64| Gemm {
        out_features: o,
        in_features: i,
        weight: (0..o * i).map(|k| (k as i64 % 7 - 3) * w).collect(),
        bias: (0..o).map(|k| k as i64 * 5 - 4).collect(),
        weight_scale: 3,
    };
    let a = mlp
        .push("fc1", Op::Gemm(gemm(4, 6, 2)), vec![TensorId(0)])
        .unwrap();
    let r = mlp
        .push("r1", Op::Rescale(Rescale { shift: 5, bits: 10 }), vec![a])
        .unwrap();
    let z = mlp.push("relu1", Op::Relu, vec![r]).unwrap();
    let b = mlp.push("fc2", Op::Gemm(gemm(3, 4, 1)), vec![z]).unwrap();
    let y = mlp
        .push("r2", Op::Rescale(Rescale { shift: 4, bits: 9 }), vec![b])
        .unwrap();
    let direct = mlp.push("relu0", Op::Relu, vec![TensorId(0)]).unwrap();
    let same = mlp
        .push(
            "r0",
            Op::Rescale(Rescale { shift: 0, bits: 9 }),
            vec![TensorId(0)],
        )
        .unwrap();
    outputs(&mut mlp, &[y, direct, same]);
    mlp
}

fn cnn_graph() -> Graph {
    let input = graph_input;
    let mut cnn = Graph {
        inputs: vec![input("img", vec![1, 1, 5, 5], 6)],
        ..Graph::default()
    };
    let conv = Conv2d {
        geometry: ConvGeometry {
            out_channels: 2,
            in_channels: 1,
            kernel: [3, 3],
            strides: [1, 1],
            pads: [1, 1, 1, 1],
            dilations: [1, 1],
            groups: 1,
        },
        weight: (0..18).map(|k| k % 5 - 2).collect(),
        bias: vec![3, -7],
        weight_scale: 2,
    };
    let pool = |k: usize| Pool2d {
        kernel: [k, k],
        strides: [k, k],
        pads: [0; 4],
    };
    let c = cnn
        .push("conv", Op::Conv2d(conv), vec![TensorId(0)])
        .unwrap();
    let m = cnn
        .push("maxpool", Op::MaxPool2d(pool(2)), vec![c])
        .unwrap();
    let s = cnn
        .push(
            "rescale",
            Op::Rescale(Rescale { shift: 3, bits: 8 }),
            vec![m],
        )
        .unwrap();
    let k = cnn
        .push("clip", Op::Clip(Clip { min: -20, max: 30 }), vec![s])
        .unwrap();
    let sum = cnn
        .push("sumpool", Op::SumPool2d(pool(2)), vec![k])
        .unwrap();
    let add = cnn.push("add", Op::Add, vec![s, s]).unwrap();
    outputs(&mut cnn, &[sum, add]);
    cnn
}

/// The executor's witness on a deterministic pseudo-random input.
fn witness(g: &Graph, seed: u64) -> Witness {
    let mut rng = StdRng::seed_from_u64(seed);
    let inputs = g
        .inputs
        .iter()
        .map(|i| {
            let half = 1i64 << (i.bits - 1);
            let data = (0..i.fact.len())
                .map(|_| (u64::rand(&mut rng) % (2 * half as u64)) as i64 - half)
                .collect();
            QTensor::new(i.fact.shape.clone(), data).unwrap()
        })
        .collect();
    g.eval(inputs).unwrap()
}

fn lookup_model(g: &Graph, limb_bits: u32) -> CompiledModel {
    CompiledModel::new(g.clone(), QuantizeSettings::default())
        .unwrap()
        .with_proof_mode(ProofMode::Lookup { limb_bits })
}

#[test]
fn honest_models_satisfy_in_lookup_mode_at_every_limb_width() {
    for (name, g) in graphs() {
        for limb_bits in [2, 3, 4, 6, 9, 13] {
            let m = lookup_model(&g, limb_bits);
            for seed in 0..3 {
                let w = witness(&g, seed);
                let mut p = Proving::model(&m, &w);
                assert!(p.check(), "{name}, L = {limb_bits}, seed {seed}");
                let stats = crate::estimate_graph_mode(&g, &m.proof_mode).unwrap();
                assert_eq!(stats.constraints, p.cs.num_constraints(), "{name}");
                assert_eq!(stats.round2_witness, p.trace.round2_len(), "{name}");
            }
        }
    }
}

#[test]
fn a_tampered_model_witness_is_rejected() {
    for (name, g) in graphs() {
        let m = lookup_model(&g, 4);
        let honest = witness(&g, 5);
        // An input just out of its range.
        let mut bad = honest.clone();
        bad.tensors[0].data[0] = 1 << (g.inputs[0].bits - 1);
        assert!(!Proving::model(&m, &bad).recount().check(), "{name}: input");
        // Rescale outputs are wires (ReLU, MaxPool and Clip outputs are computed from their
        // inputs' cells, not read from the witness).
        for (node, n) in g.nodes.iter().enumerate() {
            if !matches!(n.op, Op::Rescale(_)) {
                continue;
            }
            let mut bad = honest.clone();
            bad.tensors[g.inputs.len() + node].data[0] += 1;
            assert!(
                !Proving::model(&m, &bad).recount().check(),
                "{name}: node `{}` off by one",
                n.name
            );
        }
    }
}

#[test]
fn the_trace_is_the_same_in_setup_and_prove_mode_and_round1_ignores_the_challenge() {
    for (name, g) in graphs() {
        let m = lookup_model(&g, 5);
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(SynthesisMode::Setup);
        let setup = ModelCircuit {
            model: &m,
            witness: None,
            binding: ProofBinding::default(),
        }
        .synthesize(&cs)
        .unwrap()
        .unwrap();
        let mut p = Proving::model(&m, &witness(&g, 1));
        let t = p.trace.clone();
        assert_eq!(
            (
                &setup.round1,
                setup.mask,
                setup.challenge,
                setup.round2_len()
            ),
            (&t.round1, t.mask, t.challenge, t.round2_len()),
            "{name}"
        );
        assert_eq!(setup.table_keys(), t.table_keys());
        assert_eq!(cs.num_constraints(), p.cs.num_constraints());
        // The challenge is the last public input; the mask is round 1.
        assert_eq!(t.challenge, p.cs.num_instance_variables() - 1);
        assert!(t.round1.contains(&t.mask));
        // Round 1 does not move when round 2 is filled with another challenge.
        p.fill();
        let (r1, first) = {
            let b = p.cs.borrow().unwrap();
            let w = &b.assignments.witness_assignment;
            (p.trace.round1_values(w), w[t.round1.len()..].to_vec())
        };
        p.fill();
        let b = p.cs.borrow().unwrap();
        let w = &b.assignments.witness_assignment;
        assert_eq!(p.trace.round1_values(w)[..r1.len() - 1], r1[..r1.len() - 1]);
        assert_ne!(w[p.trace.round1.len()..], first[..]);
    }
    // Plain mode has no trace and no challenge.
    let (_, g) = &graphs()[0];
    let plain = CompiledModel::new(g.clone(), QuantizeSettings::default()).unwrap();
    let cs = prove_cs();
    let out = ModelCircuit {
        model: &plain,
        witness: Some(&witness(g, 1)),
        binding: ProofBinding::default(),
    }
    .synthesize(&cs)
    .unwrap();
    assert!(out.is_none());
}

/// Each gadget's `cost_with` in lookup mode is exact: its range checks are those it hands to
/// the argument, and with them priced, the whole circuit's size.
#[test]
fn gadget_costs_match_their_synthesis_in_lookup_mode() {
    let p = plan(5, &[]);
    let spent = |f: &dyn Fn(&ConstraintSystemRef<Fr>, &RangeChecker)| {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(SynthesisMode::Setup);
        let rc = RangeChecker::lookup(&cs, p.clone());
        f(&cs, &rc);
        let checks = rc.checks();
        rc.finish(&cs).unwrap();
        (cs.num_constraints(), cs.num_witness_variables(), checks)
    };
    let predicted = |t: Tally| {
        let price = p.price(&t.checks);
        (
            t.cost.constraints + price.constraints,
            t.cost.witness + price.witness,
            t.checks,
        )
    };
    let var = |cs: &ConstraintSystemRef<Fr>, sign: bool| {
        let v = cs.new_witness_variable(|| Ok(Fr::zero())).unwrap();
        let mut c = Cell::var(v, None);
        if sign {
            c.sign = Some(v);
        }
        c
    };
    let input = Tally::from(Cost::new(0, 1));
    let mode = RangeMode::Lookup;
    for (shift, bits) in [(0, 8), (9, 12), (20, 18)] {
        let cost = spent(&|cs, rc| {
            let x = var(cs, false);
            rescale::rescale_with(cs, rc, &x, None, shift, bits).unwrap();
        });
        assert_eq!(
            cost,
            predicted(rescale::cost_with(mode, shift, bits).plus(&input))
        );
    }
    for sign in [false, true] {
        let cost = spent(&|cs, rc| {
            let x = var(cs, sign);
            relu::relu_with(cs, rc, &x, 19).unwrap();
        });
        assert_eq!(
            cost,
            predicted(relu::cost_with(mode, sign, 19).plus(&input))
        );
    }
    let cost = spent(&|cs, rc| {
        let (a, b) = (var(cs, true), var(cs, false));
        compare::max_with(cs, rc, &a, &b, 18).unwrap();
    });
    assert_eq!(
        cost,
        predicted(compare::max_cost_with(mode, 18).plus(&input.times(2)))
    );
}

/// [`RangePlan::price`] equals a synthesis of the checks and the argument, for plans with and
/// without tables of their own, every limb width kind, and one or several tables.
#[test]
fn plan_prices_equal_synthesis() {
    let checks = BTreeMap::from([(0, 2), (1, 3), (3, 5), (7, 4), (12, 6), (17, 2), (33, 1)]);
    for limb_bits in [2, 3, 5, 8] {
        let all: Vec<u32> = (2..limb_bits).collect();
        for p in [
            RangePlan::new(limb_bits, &checks).unwrap(),
            plan(limb_bits, &[]),
            plan(limb_bits, &all),
        ] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            cs.set_mode(SynthesisMode::Setup);
            let rc = RangeChecker::lookup(&cs, p.clone());
            let mut values = 0;
            for (&n, &count) in &checks {
                for _ in 0..count {
                    let x = cs.new_witness_variable(|| Ok(Fr::zero())).unwrap();
                    values += 1;
                    rc.check(&cs, &LinearCombination::from(x), None, n).unwrap();
                }
            }
            let trace = rc.finish(&cs).unwrap().unwrap();
            let price = p.price(&checks);
            assert_eq!(price.constraints, cs.num_constraints(), "{p:?}");
            assert_eq!(price.witness, cs.num_witness_variables() - values, "{p:?}");
            assert_eq!(price.round2, trace.round2_len(), "{p:?}");
            let widths: Vec<TableKey> = price.tables.iter().map(|w| TableKey::Range(*w)).collect();
            assert_eq!(widths, trace.table_keys(), "{p:?}");
        }
    }
}

/// Lookup mode's public inputs are plain mode's (input commitment, binding, packed outputs:
/// same values, the input packed from `x + 2^(b−1)` instead of its bits) followed by the
/// challenge.
#[test]
fn lookup_public_inputs_are_the_plain_ones_then_the_challenge() {
    let binding = ProofBinding {
        chain_id: 31337,
        escrow: [0xe5; 20],
        job_id: 7,
        provider: [0xab; 20],
    };
    for (name, g) in graphs() {
        let w = witness(&g, 4);
        let public = |model: &CompiledModel| {
            let cs = prove_cs();
            ModelCircuit {
                model,
                witness: Some(&w),
                binding,
            }
            .synthesize(&cs)
            .unwrap();
            let b = cs.borrow().unwrap();
            b.assignments.instance_assignment.clone()
        };
        let plain = public(&CompiledModel::new(g.clone(), QuantizeSettings::default()).unwrap());
        let lookup = public(&lookup_model(&g, 6));
        assert_eq!(lookup.len(), plain.len() + 1, "{name}");
        assert_eq!(lookup[..plain.len()], plain[..], "{name}");
    }
}
