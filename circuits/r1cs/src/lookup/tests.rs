//! Lookup mode, soundness first: honest witnesses satisfy the circuit once the trace is filled
//! with a random challenge and mask; every way a cheater could lie (a value outside its
//! table, a wrong multiplicity, limbs that do not recompose, a partial top limb at `2^t`, a
//! tampered round-2 wire, a function lookup with a wrong `y` or `x`, another table's entry)
//! leaves it unsatisfied. A cheater may choose every round-1 wire, multiplicities included, so
//! most tests recount the multiplicities from the tampered queries before round 2.

use std::collections::BTreeMap;
use std::sync::Arc;

use ark_ff::{Field, One, PrimeField, UniformRand, Zero};
use ark_relations::gr1cs::{
    ConstraintSystem, ConstraintSystemRef, LinearCombination, SynthesisMode, Variable,
};
use ark_std::rand::rngs::StdRng;
use ark_std::rand::SeedableRng;
use zkinfer_ir::ops::{Clip, Conv2d, ConvGeometry, Gemm, Pool2d, Rescale};
use zkinfer_ir::{
    CompiledModel, Fact, Graph, GraphInput, GraphOutput, Op, ProofMode, QTensor, QuantizeSettings,
    TensorId, Witness,
};

use super::{FunctionTable, LookupTrace, RangeChecker, RangeMode, RangePlan, TableKey};
use crate::cell::Cell;
use crate::cost::{Cost, Tally};
use crate::gadgets::{compare, relu, rescale};
use crate::{fr_from_i128, Fr, ModelCircuit, ProofBinding, R1csError};

fn prove_cs() -> ConstraintSystemRef<Fr> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: true,
        generate_lc_assignments: false,
    });
    cs
}

/// A circuit synthesized in prove mode with its lookup trace: tamper with the assignment,
/// fill round 2 with a random challenge and mask, check.
struct Proving {
    cs: ConstraintSystemRef<Fr>,
    trace: LookupTrace,
    rng: StdRng,
}

impl Proving {
    /// `build` lowers something through the range checker; then the argument is finished.
    fn build(plan: RangePlan, build: impl FnOnce(&ConstraintSystemRef<Fr>, &RangeChecker)) -> Self {
        let cs = prove_cs();
        let rc = RangeChecker::lookup(&cs, plan);
        build(&cs, &rc);
        let trace = rc.finish(&cs).unwrap().unwrap();
        Proving {
            cs,
            trace,
            rng: StdRng::seed_from_u64(7),
        }
    }

    /// A model's circuit with a witness.
    fn model(model: &CompiledModel, witness: &Witness) -> Self {
        let cs = prove_cs();
        let trace = ModelCircuit {
            model,
            witness: Some(witness),
            binding: ProofBinding::default(),
        }
        .synthesize(&cs)
        .unwrap()
        .expect("a lookup-mode model has a trace");
        Proving {
            cs,
            trace,
            rng: StdRng::seed_from_u64(11),
        }
    }

    /// Changes the assignment (`instance`, `witness`).
    fn tamper(&mut self, f: impl FnOnce(&mut [Fr], &mut [Fr], &LookupTrace)) -> &mut Self {
        let mut cs = self.cs.borrow_mut().unwrap();
        let a = &mut cs.assignments;
        f(
            &mut a.instance_assignment,
            &mut a.witness_assignment,
            &self.trace,
        );
        drop(cs);
        self
    }

    /// What a cheater does after changing round-1 values: multiplicities that count the
    /// queries as they now are.
    fn recount(&mut self) -> &mut Self {
        let trace = self.trace.clone();
        self.tamper(|i, w, _| trace.recount(i, w).unwrap())
    }

    /// Round 2 with a random challenge and mask.
    fn fill(&mut self) -> &mut Self {
        let (c, mask) = (Fr::rand(&mut self.rng), Fr::rand(&mut self.rng));
        let trace = self.trace.clone();
        self.tamper(|i, w, _| trace.fill(i, w, c, mask).unwrap())
    }

    fn satisfied(&self) -> bool {
        self.cs.finalize();
        self.cs.is_satisfied().unwrap()
    }

    /// Fills and checks, for an honest run.
    fn check(&mut self) -> bool {
        self.fill().satisfied()
    }
}

/// A witness wire with a value.
fn wire(cs: &ConstraintSystemRef<Fr>, v: Fr) -> Variable {
    cs.new_witness_variable(|| Ok(v)).unwrap()
}

/// Checks `v ∈ [0, 2^n)` for one value `v` (witness 0; its limbs are witnesses `1..m`).
fn range_check(plan: RangePlan, v: i128, n: u32) -> Proving {
    Proving::build(plan, |cs, rc| {
        let x = wire(cs, fr_from_i128(v));
        rc.check(cs, &x.into(), Some(v), n).unwrap();
    })
}

fn plan(limb_bits: u32, own: &[u32]) -> RangePlan {
    RangePlan::with_tables(limb_bits, own.iter().copied()).unwrap()
}

#[test]
fn range_checks_accept_exactly_the_range() {
    // Full limbs, a partial top limb with a table of its own, the same queried twice, a
    // boolean top limb, a single partial limb, a zero-width check.
    for (p, n) in [
        (plan(4, &[]), 8),
        (plan(4, &[3]), 11),
        (plan(4, &[]), 11),
        (plan(4, &[]), 9),
        (plan(8, &[5]), 5),
        (plan(8, &[]), 5),
        (plan(3, &[]), 0),
    ] {
        let top = (1i128 << n) - 1;
        for v in [0, top / 2, top] {
            assert!(
                range_check(p.clone(), v, n).check(),
                "{p:?}: {v} in {n} bits"
            );
        }
        for v in [top + 1, -1, top + 1 + (1 << 40)] {
            assert!(
                !range_check(p.clone(), v, n).recount().check(),
                "{p:?}: {v} is not in {n} bits"
            );
        }
    }
}

#[test]
fn a_partial_top_limb_cannot_reach_two_to_the_t() {
    // n = L + t: v = 2^n with the top limb set to 2^t (so the low limb is 0 and in its table).
    // A top limb checked only against the full table would accept it (GHSA-rjjm-x32p-m3f7).
    for (p, t) in [(plan(4, &[3]), 3), (plan(4, &[]), 3), (plan(4, &[]), 1)] {
        let n = 4 + t;
        let mut cheat = range_check(p.clone(), 1 << n, n);
        cheat.tamper(|_, w, _| w[1] = Fr::from(1u64 << t)).recount();
        assert!(!cheat.check(), "{p:?}, t = {t}");
        // The largest honest top limb passes.
        assert!(range_check(p, (1 << n) - 1, n).check());
    }
}

#[test]
fn limbs_that_do_not_recompose_are_rejected() {
    // 12 bits in limbs of 4: the low limb is v minus the others; changing an upper limb (and
    // recounting) moves the low limb out of its table.
    for delta in [1i64, -1, 5] {
        let mut p = range_check(plan(4, &[]), 0x5a5, 12);
        p.tamper(|_, w, _| w[2] += fr_from_i128(delta.into()))
            .recount();
        assert!(!p.check(), "delta {delta}");
    }
}

#[test]
fn a_wrong_multiplicity_is_rejected() {
    for (j, delta) in [(0usize, 1i64), (0x5, 1), (0xa, -1), (3, 2)] {
        let mut p = range_check(plan(4, &[]), 0x5a5, 12);
        p.tamper(|_, w, t| w[t.tables[0].multiplicities + j] += fr_from_i128(delta.into()));
        assert!(!p.check(), "entry {j} {delta:+}");
    }
    assert!(range_check(plan(4, &[]), 0x5a5, 12).check());
}

#[test]
fn a_tampered_round2_value_is_rejected() {
    // Two tables, so the derived challenges are wires too.
    let build = || {
        Proving::build(plan(4, &[3]), |cs, rc| {
            for (v, n) in [(0x5a5, 11), (6, 3)] {
                let x = wire(cs, fr_from_i128(v));
                rc.check(cs, &x.into(), Some(v), n).unwrap();
            }
        })
    };
    assert!(build().check());
    let picks: [fn(&LookupTrace) -> usize; 4] = [
        |t| t.queries[0].inv,
        |t| t.queries[2].inv,
        |t| t.tables[1].quotients + 6,
        |t| t.products[5].out,
    ];
    for pick in picks {
        let mut p = build();
        p.fill().tamper(|_, w, t| w[pick(t)] += Fr::one());
        assert!(!p.satisfied());
    }
}

#[test]
fn a_query_cannot_borrow_another_tables_entry() {
    // A 3-bit check of 200 counted against the 8-bit table's entry 200: with the tag folded
    // into the compressed entry by the derived challenge, the fractions differ.
    let two = |small: i128| {
        Proving::build(plan(8, &[3]), |cs, rc| {
            for (v, n) in [(small, 3), (17, 8)] {
                let x = wire(cs, fr_from_i128(v));
                rc.check(cs, &x.into(), Some(v), n).unwrap();
            }
        })
    };
    assert!(two(5).check());
    let mut p = two(200);
    assert_eq!(
        p.trace.table_keys(),
        vec![TableKey::Range(3), TableKey::Range(8)]
    );
    p.tamper(|_, w, t| w[t.tables[1].multiplicities + 200] += Fr::one());
    assert!(!p.check());
    assert!(!two(200).recount().check());
}

/// `f(x) = x² − 3` on `−8..8`.
fn square_table() -> Arc<FunctionTable> {
    FunctionTable::new(9, -8, 16, |x| x * x - 3)
}

/// Looks up `(x, y)` in [`square_table`], next to a range check (two tables).
fn function_lookup(x: i128, y: i128) -> Proving {
    Proving::build(plan(4, &[]), |cs, rc| {
        let (xv, yv) = (wire(cs, fr_from_i128(x)), wire(cs, fr_from_i128(y)));
        let table = square_table();
        rc.lookup_function(&table, &Cell::var(xv, Some(x)), &Cell::var(yv, Some(y)))
            .unwrap();
        let z = wire(cs, Fr::from(5u8));
        rc.check(cs, &z.into(), Some(5), 4).unwrap();
    })
}

#[test]
fn function_lookups_accept_only_rows_of_the_table() {
    for x in [-8i128, -1, 0, 7] {
        assert!(function_lookup(x, x * x - 3).check(), "f({x})");
    }
    // Wrong y, x outside the domain (with the table's value extended), x of another row.
    for (x, y) in [(3, 7), (3, 5), (8, 61), (-9, 78), (2, 6)] {
        assert!(!function_lookup(x, y).recount().check(), "({x}, {y})");
    }
    // The same tag for another table is refused.
    let cs = prove_cs();
    let rc = RangeChecker::lookup(&cs, plan(4, &[]));
    let x = Cell::var(wire(&cs, Fr::zero()), Some(0));
    rc.lookup_function(&square_table(), &x, &x).unwrap();
    let other = FunctionTable::new(9, -8, 16, |x| x);
    assert!(matches!(
        rc.lookup_function(&other, &x, &x),
        Err(R1csError::TableTagReused { tag: 9 })
    ));
    assert!(matches!(
        RangeChecker::bits().lookup_function(&other, &x, &x),
        Err(R1csError::NeedsLookupMode)
    ));
}

/// Why the columns are not combined with `r = c²`: three queries whose denominators
/// `c − a − c²·b` have the roots `{u, λu}`, `{λu, λ²u}`, `{λ²u, u}` (`λ³ = 1`) have fractions
/// that sum to zero for every `c`, so they would pass without being in any table. With the
/// derived challenges they do not.
#[test]
fn three_cancelling_queries_for_r_equal_c_squared_are_rejected() {
    let mut rng = StdRng::seed_from_u64(3);
    let mut p_minus_one = <Fr as PrimeField>::MODULUS;
    p_minus_one.0[0] -= 1; // p is odd: no borrow
    let lambda = (2u64..)
        .map(|g| Fr::from(g).pow(div3(p_minus_one)))
        .find(|l| !l.is_one())
        .unwrap();
    assert!(lambda.pow([3u64]).is_one());
    let u = Fr::rand(&mut rng);
    let roots = [
        (u, lambda * u),
        (lambda * u, lambda * lambda * u),
        (lambda * lambda * u, u),
    ];
    let pairs: Vec<(Fr, Fr)> = roots
        .iter()
        .map(|(a, b)| {
            let s = (*a + *b).inverse().unwrap();
            (*a * *b * s, s)
        })
        .collect();
    // Under r = c² the three fractions cancel at any c.
    let c = Fr::rand(&mut rng);
    let sum: Fr = pairs
        .iter()
        .map(|(a, b)| (c - a - c * c * b).inverse().unwrap())
        .sum();
    assert!(sum.is_zero());
    // In our circuit they are three lookups with unconstrained x and y: rejected.
    let mut p = Proving::build(plan(4, &[]), |cs, rc| {
        let table = square_table();
        for (a, b) in &pairs {
            let (x, y) = (wire(cs, *a), wire(cs, *b));
            rc.lookup_function(&table, &Cell::var(x, None), &Cell::var(y, None))
                .unwrap();
        }
    });
    assert!(!p.check());
}

/// `(p − 1) / 3` as limbs.
fn div3(mut e: <Fr as PrimeField>::BigInt) -> [u64; 4] {
    let mut rem = 0u128;
    for limb in e.0.iter_mut().rev() {
        let cur = (rem << 64) | u128::from(*limb);
        *limb = (cur / 3) as u64;
        rem = cur % 3;
    }
    assert_eq!(rem, 0);
    e.0
}

#[test]
fn the_challenge_hitting_a_query_is_reported() {
    let p = range_check(plan(4, &[]), 9, 4);
    let (mut i, mut w) = {
        let b = p.cs.borrow().unwrap();
        (
            b.assignments.instance_assignment.clone(),
            b.assignments.witness_assignment.clone(),
        )
    };
    assert!(matches!(
        p.trace.fill(&mut i, &mut w, Fr::from(9u8), Fr::one()),
        Err(R1csError::ChallengeHitsLookup)
    ));
    assert!(matches!(
        p.trace.fill(&mut i, &mut w[1..], Fr::from(99u8), Fr::one()),
        Err(R1csError::TraceMismatch(_))
    ));
    assert!(p
        .trace
        .fill(&mut i, &mut w, Fr::from(99u8), Fr::one())
        .is_ok());
}

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
