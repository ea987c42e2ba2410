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

mod argument;
mod models;
