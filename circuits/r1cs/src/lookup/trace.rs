//! What the prover needs between the two rounds: which wires are round 1, where the mask and
//! the challenge live, and how to compute every round-2 wire once the challenge is known.

use ark_ff::{Field, Zero};
use ark_relations::gr1cs::{LinearCombination, Variable};
use ark_relations::utils::variable::VarKind;

use rayon::prelude::*;

use super::tables::Table;
use crate::{Fr, R1csError};

/// A linear combination stored in a [`LcArena`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LcRef {
    start: usize,
    len: usize,
}

/// Linear combinations kept for the trace, back to back (a query's combination can hold a
/// few hundred terms; one vector for all of them keeps the trace compact).
#[derive(Clone, Debug, Default)]
pub(crate) struct LcArena {
    terms: Vec<(Fr, Variable)>,
}

impl LcArena {
    /// Stores `lc`.
    pub fn push(&mut self, lc: &LinearCombination<Fr>) -> LcRef {
        let start = self.terms.len();
        self.terms.extend(lc.0.iter().copied());
        LcRef {
            start,
            len: lc.0.len(),
        }
    }

    /// A stored combination, as a [`LinearCombination`].
    pub fn get(&self, r: LcRef) -> LinearCombination<Fr> {
        LinearCombination(self.terms[r.start..r.start + r.len].to_vec())
    }

    /// The value of a stored combination under an assignment (`instance` with the leading 1).
    pub fn eval(&self, r: LcRef, instance: &[Fr], witness: &[Fr]) -> Result<Fr, R1csError> {
        let (one, minus_one) = (Fr::ONE, -Fr::ONE);
        let mut acc = Fr::zero();
        for &(coeff, var) in &self.terms[r.start..r.start + r.len] {
            let value = match (var.kind(), var.index()) {
                (VarKind::Zero, _) => Fr::zero(),
                (VarKind::One, _) => one,
                (VarKind::Instance, Some(i)) => *instance.get(i).ok_or_else(|| short(i))?,
                (VarKind::Witness, Some(i)) => *witness.get(i).ok_or_else(|| short(i))?,
                _ => {
                    return Err(R1csError::TraceMismatch(format!(
                        "a lookup combination refers to {var:?}, not a variable"
                    )))
                }
            };
            if coeff == one {
                acc += value;
            } else if coeff == minus_one {
                acc -= value;
            } else {
                acc += coeff * value;
            }
        }
        Ok(acc)
    }
}

fn short(i: usize) -> R1csError {
    R1csError::TraceMismatch(format!("the assignment has no variable {i}"))
}

/// A round-2 wire that is a product: `witness[out] = a · b`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Product {
    pub out: usize,
    pub a: LcRef,
    pub b: LcRef,
}

/// One lookup query as the trace needs it: `inv · (c − a − p − tag·r_t) = 1` where `p = r_y·y`
/// for a function lookup.
#[derive(Clone, Copy, Debug)]
pub(crate) struct QueryTrace {
    /// The looked-up value (range) or argument (function): a combination of round-1 wires.
    pub a: LcRef,
    /// For a function lookup: the product wire `p = r_y · y` and `y`.
    pub product: Option<(usize, LcRef)>,
    /// The table (index into [`LookupTrace::tables`]).
    pub table: usize,
    /// Witness index of the inverse.
    pub inv: usize,
}

/// One table as the trace needs it.
#[derive(Clone, Debug)]
pub(crate) struct TableTrace {
    pub table: Table,
    /// Witness index of the first multiplicity (round 1; one per entry, consecutive).
    pub multiplicities: usize,
    /// Witness index of the first quotient `w_j = m_j / (c − t_j)` (round 2, consecutive).
    pub quotients: usize,
}

/// What the prover needs to run round 1 and round 2 of a lookup-mode proof.
///
/// The round-2 wires are the last witness variables (indices `round1.len()..`): the derived
/// challenges, the products `r_y·y` of function lookups, the inverses of the queries, then the
/// quotients of the tables. Every other witness variable is a round-1 wire, so a query may be
/// any linear combination of the circuit's other wires. The intended flow:
/// 1. synthesize in prove mode (mask and round-2 wires are 0 placeholders, the challenge too);
/// 2. [`set_mask`](Self::set_mask) with a fresh uniformly random mask;
/// 3. commit to [`round1_values`](Self::round1_values) (`C₁`), derive `c`;
/// 4. [`fill`](Self::fill) with `c` (and the same mask); on [`R1csError::ChallengeHitsLookup`]
///    start again at 2 with a new mask (probability about `#queries / 2^254`).
#[derive(Clone, Debug)]
pub struct LookupTrace {
    /// Indices (among witness variables, 0-based: `Variable::witness(i)`) of the round-1 wires,
    /// ascending. Includes every limb/query input, every multiplicity and the mask (and every
    /// other wire that is not round 2: it is `0..round1.len()`).
    pub round1: Vec<usize>,
    /// Witness index of the mask wire (a uniformly random value the prover sets; it is in
    /// `round1`).
    pub mask: usize,
    /// Instance index of the challenge `c` (`Variable::instance(i)`; index 0 is the constant
    /// one). Always the last instance variable.
    pub challenge: usize,
    /// Number of witness variables.
    pub(crate) witness_len: usize,
    pub(crate) arena: LcArena,
    /// Products, in dependency order (the derived challenges, then the function lookups').
    pub(crate) products: Vec<Product>,
    /// `(r_y, r_t)` when the tables need them.
    pub(crate) derived: Option<(LcRef, LcRef)>,
    pub(crate) queries: Vec<QueryTrace>,
    pub(crate) tables: Vec<TableTrace>,
}

impl LookupTrace {
    /// Witness indices of every table's multiplicities (round 1), one range per table: for
    /// soundness tests that change a multiplicity.
    pub fn multiplicity_wires(&self) -> Vec<std::ops::Range<usize>> {
        self.tables
            .iter()
            .map(|t| t.multiplicities..t.multiplicities + t.table.len())
            .collect()
    }

    /// Witness indices of the queries' inverses (round 2), for soundness tests.
    pub fn inverse_wires(&self) -> Vec<usize> {
        self.queries.iter().map(|q| q.inv).collect()
    }

    /// Number of round-2 witness variables (the last ones).
    pub fn round2_len(&self) -> usize {
        self.witness_len - self.round1.len()
    }

    /// Number of lookup queries.
    pub fn query_count(&self) -> usize {
        self.queries.len()
    }

    /// Widths of the range tables and tags of the function tables the circuit uses.
    pub fn table_keys(&self) -> Vec<super::TableKey> {
        self.tables.iter().map(|t| t.table.key).collect()
    }

    /// Sets the mask in the assignment (before reading [`Self::round1_values`]).
    pub fn set_mask(&self, witness: &mut [Fr], mask: Fr) -> Result<(), R1csError> {
        *witness.get_mut(self.mask).ok_or_else(|| short(self.mask))? = mask;
        Ok(())
    }

    /// The round-1 values, in `round1` order (read after the mask is set).
    pub fn round1_values(&self, witness: &[Fr]) -> Vec<Fr> {
        self.round1
            .iter()
            .map(|&i| witness.get(i).copied().unwrap_or_default())
            .collect()
    }

    /// Sets the mask and the challenge in the assignment and computes every round-2 wire
    /// (Montgomery batch inversion: one field inversion for all denominators), in place.
    /// `instance` includes the leading 1. Err if a denominator is zero (c hit a query or a
    /// table entry: the prover retries with a new mask), or if the assignment does not have
    /// this circuit's variables.
    pub fn fill(
        &self,
        instance: &mut [Fr],
        witness: &mut [Fr],
        challenge: Fr,
        mask: Fr,
    ) -> Result<(), R1csError> {
        if witness.len() != self.witness_len || instance.len() != self.challenge + 1 {
            return Err(R1csError::TraceMismatch(format!(
                "an assignment of {} instance and {} witness variables for a circuit of {} and {}",
                instance.len(),
                witness.len(),
                self.challenge + 1,
                self.witness_len
            )));
        }
        instance[self.challenge] = challenge;
        self.set_mask(witness, mask)?;
        for p in &self.products {
            let v = self.arena.eval(p.a, instance, witness)?
                * self.arena.eval(p.b, instance, witness)?;
            witness[p.out] = v;
        }
        let (r_y, r_t) = match self.derived {
            Some((y, t)) => (
                self.arena.eval(y, instance, witness)?,
                self.arena.eval(t, instance, witness)?,
            ),
            None => (Fr::zero(), Fr::zero()),
        };
        // Denominators: the queries', then every table entry's.
        // In parallel: a query's combination can hold hundreds of terms.
        let read: &[Fr] = witness;
        let mut den = self
            .queries
            .par_iter()
            .map(|q| {
                let tag = self.tables[q.table].table.key.tag();
                let p = q.product.map_or(Fr::zero(), |(i, _)| read[i]);
                Ok(challenge - self.arena.eval(q.a, instance, read)? - p - tag * r_t)
            })
            .collect::<Result<Vec<Fr>, R1csError>>()?;
        den.reserve(self.tables.iter().map(|t| t.table.len()).sum::<usize>());
        for t in &self.tables {
            let tag = t.table.key.tag();
            for j in 0..t.table.len() {
                let (a, b) = t.table.entry(j);
                den.push(challenge - a - r_y * b - tag * r_t);
            }
        }
        if den.par_iter().any(Fr::is_zero) {
            return Err(R1csError::ChallengeHitsLookup);
        }
        // ark-ff's `parallel` feature splits the batch across threads.
        ark_ff::batch_inversion(&mut den);
        let mut inverses = den.into_iter();
        for (q, inv) in self.queries.iter().zip(inverses.by_ref()) {
            witness[q.inv] = inv;
        }
        for t in &self.tables {
            for (j, inv) in (0..t.table.len()).zip(inverses.by_ref()) {
                witness[t.quotients + j] = witness[t.multiplicities + j] * inv;
            }
        }
        Ok(())
    }

    /// What a cheating prover would do after changing round-1 wires: recount every
    /// multiplicity from the queries' current values (a query outside its table counts
    /// nowhere). For soundness tests.
    #[cfg(test)]
    pub(crate) fn recount(&self, instance: &[Fr], witness: &mut [Fr]) -> Result<(), R1csError> {
        for t in &self.tables {
            for j in 0..t.table.len() {
                witness[t.multiplicities + j] = Fr::zero();
            }
        }
        for q in &self.queries {
            let t = &self.tables[q.table];
            let a = self.arena.eval(q.a, instance, witness)?;
            let b = match q.product {
                Some((_, y)) => self.arena.eval(y, instance, witness)?,
                None => Fr::zero(),
            };
            if let Some(j) = (0..t.table.len()).find(|&j| t.table.entry(j) == (a, b)) {
                witness[t.multiplicities + j] += Fr::from(1u8);
            }
        }
        Ok(())
    }
}
