//! Lookup mode: range checks (and function tables) as a log-derivative lookup argument inside
//! a two-round Groth16 proof.
//!
//! # The proof
//! Round 1 commits, in its own G1 element `C₁`, to the round-1 wires: here every witness wire
//! but the round-2 ones, which includes every limb and query input, every multiplicity and a
//! mask. The Fiat–Shamir challenge `c = H(C₁, public inputs)` is the **last public input**.
//! Round-2 wires (inverses, quotients, the derived challenges) depend on `c`. The prover core
//! and the verifier compute `c`; this module builds the circuit side and hands the prover a
//! [`LookupTrace`] (which wires are round 1, where the mask and `c` go, and how to compute
//! round 2). Round-1 values never depend on `c`; round-2 values depend only on round-1 wires,
//! other witness wires, the public inputs and `c`.
//!
//! # The argument (Haböck, eprint 2022/1530)
//! For queries `q_i` and a table `t_j` with multiplicities `m_j`,
//! `Σ_j m_j/(c − t_j) = Σ_i 1/(c − q_i)` at a random `c` implies (but for probability about
//! `(#queries + #entries)/2^254`) that every `q_i` is some `t_j`. In R1CS:
//! * per query one round-2 wire `inv_i` with `inv_i · (c − q_i) = 1` (the dense `inv_i` in A);
//! * per table entry one round-2 wire `w_j` with `w_j · (c − t_j) = m_j`;
//! * one linear constraint `Σ_j w_j = Σ_i inv_i` (R1CS sums are free).
//!
//! Queries and multiplicities are fixed before `c`: a query is a linear combination of round-1
//! wires and constants, a multiplicity a round-1 wire. Because every wire that is not round 2
//! is round 1, a range check needs no recomposition constraint: one limb is the checked value
//! minus the others ([`range`]). A round-1 **mask** wire, uniformly random and constrained by
//! `mask · 1 = mask` (so its QAP column is not zero), keeps `C₁` hiding even though most
//! committed values are small (gnark CVE-2024-45040).
//!
//! With one table, an entry is its value. With two or more (range tables of several widths,
//! function tables), an entry is a triple `(a, b, tag)` compressed as `a + r_y·b + r_t·tag`
//! with challenges derived from `c` in the circuit ([`challenge`], which explains why the
//! tag may not be folded into the value and why `r = c²` would not do).
//!
//! # Tables
//! * **Range tables** `{0, …, 2^w − 1}`: the full table of the limb width `L`, and tables for
//!   partial top limbs where that is cheaper than querying them twice ([`range`]). Only tables
//!   actually used are built; each costs `2^w` constraints.
//! * **Function tables** `(x, f(x))` ([`FunctionTable`]), looked up with
//!   [`RangeChecker::lookup_function`]: one product `p = r_y·y` (round 2) and one inverse per
//!   lookup. The rows are constants; whatever determines them must be in the op's IR, so that
//!   the model id covers them (`zkinfer_ir::ProofMode`). No op uses one yet; an op that does
//!   must also add its tables and lookups to the estimator's tally.
//!
//! Multiplicities are computed at the end of synthesis, after every query.
//!
//! # Costs
//! A range check of `n` bits costs `⌈n/L⌉ − 1` limb wires and one query per limb (a 1-bit
//! limb is a boolean constraint instead, a partial limb without a table of its own two
//! queries); a query costs one constraint and one round-2 wire. [`choose_mode`] picks `L` and
//! the mode from [`estimate_graph_mode`], which is exact (equal to synthesis).

pub mod challenge;
mod checker;
mod choose;
mod logup;
pub mod range;
mod tables;
mod trace;

pub use challenge::CONSTRAINTS as DERIVED_CHALLENGE_CONSTRAINTS;
pub use checker::RangeChecker;
pub(crate) use choose::table_needs_lookup;
pub use choose::{
    choose_mode, estimate_graph_mode, ModeChoice, ModeRequest, AUTO_MIN_PLAIN_CONSTRAINTS,
    AUTO_MIN_SAVING, LOOKUP_EXTRA_GAS, SEARCHED_LIMB_BITS,
};
pub use range::{FunctionDemand, LookupPrice, RangeMode, RangePlan};
pub use tables::{FunctionTable, TableKey};
pub use trace::LookupTrace;

pub(crate) use checker::boolean;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
