//! The LogUp argument as it is built: queries are collected while the model is lowered, and
//! [`LogUp::finish`] adds the multiplicities, the mask, the challenge and every round-2 wire
//! and constraint once all queries are known.

use std::collections::BTreeMap;
use std::sync::Arc;

use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};

use super::challenge;
use super::range::{Limb, RangePlan};
use super::tables::{FunctionTable, Table, TableKey};
use super::trace::{LcArena, LcRef, LookupTrace, Product, QueryTrace, TableTrace};
use crate::cell::{combine, Cell};
use crate::gadgets::range::pow2;
use crate::{fr_from_i128, Fr, R1csError};

/// A query before the challenge exists.
struct Pending {
    /// The looked-up value or argument.
    a: LcRef,
    /// The function value `y` of a function lookup.
    y: Option<LcRef>,
    table: TableKey,
    /// The table row the query hits (when proving; `None` if it hits none).
    row: Option<usize>,
}

/// The lookup argument of one circuit, under construction.
pub(crate) struct LogUp {
    plan: RangePlan,
    proving: bool,
    arena: LcArena,
    queries: Vec<Pending>,
    functions: BTreeMap<u32, Arc<FunctionTable>>,
    /// Range checks made, by width (what the cost functions predict).
    pub checks: BTreeMap<u32, usize>,
}

impl LogUp {
    /// An empty argument; `proving` when the constraint system holds values.
    pub fn new(plan: RangePlan, proving: bool) -> Self {
        LogUp {
            plan,
            proving,
            arena: LcArena::default(),
            queries: Vec::new(),
            functions: BTreeMap::new(),
            checks: BTreeMap::new(),
        }
    }

    /// Enforces `lc ∈ [0, 2^n)`: limbs `1..m` become round-1 wires, limb 0 is `lc` minus
    /// them, and each limb is checked as the plan says. `value` is `lc`'s value when proving.
    pub fn check(
        &mut self,
        cs: &ConstraintSystemRef<Fr>,
        lc: &LinearCombination<Fr>,
        value: Option<i128>,
        n: u32,
    ) -> Result<(), SynthesisError> {
        *self.checks.entry(n).or_insert(0) += 1;
        let widths = self.plan.limbs(n);
        let Some((&w0, upper)) = widths.split_first() else {
            let lc = lc.clone();
            return cs.enforce_r1cs_constraint(
                || lc,
                || Variable::One.into(),
                LinearCombination::zero,
            );
        };
        let mut limb0 = lc.clone();
        let mut v0 = value;
        let mut shift = w0;
        let mut limbs = Vec::with_capacity(upper.len());
        for &w in upper {
            let v = value.map(|v| (v >> shift.min(127)) & ((1i128 << w) - 1));
            let var = cs.new_witness_variable(|| {
                v.map(fr_from_i128).ok_or(SynthesisError::AssignmentMissing)
            })?;
            limb0.0.push((-pow2(shift), var));
            v0 = v0
                .zip(v)
                .map(|(acc, v)| acc.wrapping_sub(v << shift.min(127)));
            limbs.push((LinearCombination::from(var), v, w));
            shift += w;
        }
        limb0.compactify();
        self.limb(cs, limb0, v0, w0)?;
        for (lc, v, w) in limbs {
            self.limb(cs, lc, v, w)?;
        }
        Ok(())
    }

    fn limb(
        &mut self,
        cs: &ConstraintSystemRef<Fr>,
        lc: LinearCombination<Fr>,
        value: Option<i128>,
        w: u32,
    ) -> Result<(), SynthesisError> {
        let l = self.plan.limb_bits();
        let row = |v: Option<i128>, bits: u32| {
            v.filter(|v| (0..1i128 << bits).contains(v))
                .map(|v| v as usize)
        };
        match self.plan.limb(w) {
            Limb::Boolean => {
                let (a, b) = (lc.clone(), lc.clone());
                cs.enforce_r1cs_constraint(|| a, || b, || lc)?;
            }
            Limb::Table(t) => self.query(&lc, None, TableKey::Range(t), row(value, w)),
            Limb::Twice => {
                self.query(&lc, None, TableKey::Range(l), row(value, l));
                let k = pow2(l - w);
                let scaled = LinearCombination(lc.0.iter().map(|(c, v)| (*c * k, *v)).collect());
                let v = value.and_then(|v| v.checked_mul(1i128 << (l - w)));
                self.query(&scaled, None, TableKey::Range(l), row(v, l));
            }
        }
        Ok(())
    }

    fn query(
        &mut self,
        a: &LinearCombination<Fr>,
        y: Option<&LinearCombination<Fr>>,
        table: TableKey,
        row: Option<usize>,
    ) {
        let a = self.arena.push(a);
        let y = y.map(|y| self.arena.push(y));
        self.queries.push(Pending {
            a,
            y,
            table,
            row: if self.proving { row } else { None },
        });
    }

    /// Looks up `(x, y)` in `table`: enforces that `y = f(x)` for a row of the table. `x` and
    /// `y` must be combinations of round-1 wires (any wire but the lookup's own).
    pub fn lookup_function(
        &mut self,
        table: &Arc<FunctionTable>,
        x: &Cell,
        y: &Cell,
    ) -> Result<(), R1csError> {
        match self.functions.get(&table.tag) {
            Some(known) if known != table => {
                return Err(R1csError::TableTagReused { tag: table.tag });
            }
            Some(_) => {}
            None => {
                self.functions.insert(table.tag, Arc::clone(table));
            }
        }
        let row = x.val.zip(y.val).and_then(|(x, y)| table.row(x, y));
        self.query(&x.lc, Some(&y.lc), TableKey::Function(table.tag), row);
        Ok(())
    }

    /// Adds the multiplicities (round 1), the mask (round 1), the challenge (the last public
    /// input), then the round-2 wires and their constraints: the derived challenges if two or
    /// more tables are in use, `p = r_y·y` per function lookup, `inv·(c − q) = 1` per query,
    /// `w_j·(c − t_j) = m_j` per table entry, and `Σ w_j = Σ inv`.
    pub fn finish(&mut self, cs: &ConstraintSystemRef<Fr>) -> Result<LookupTrace, R1csError> {
        let queries = std::mem::take(&mut self.queries);
        let mut arena = std::mem::take(&mut self.arena);
        let (keys, tables) = self.used_tables(&queries);
        let index = |key: TableKey| keys.binary_search(&key).unwrap_or(0);

        // Round 1: multiplicities (counted from the queries' rows) and the mask.
        let mut counts: Vec<Vec<u64>> = tables.iter().map(|t| vec![0; t.len()]).collect();
        for q in &queries {
            if let Some(c) = q.row.and_then(|r| counts[index(q.table)].get_mut(r)) {
                *c += 1;
            }
        }
        let mut multiplicities = Vec::with_capacity(tables.len());
        for count in &counts {
            multiplicities.push(cs.num_witness_variables());
            for &m in count {
                let _multiplicity = cs.new_witness_variable(|| Ok(Fr::from(m)))?;
            }
        }
        let mask = cs.new_witness_variable(|| Ok(Fr::from(0u8)))?;
        cs.enforce_r1cs_constraint(|| mask.into(), || Variable::One.into(), || mask.into())?;
        let c = cs.new_input_variable(|| Ok(Fr::from(0u8)))?;
        let round1 = cs.num_witness_variables();

        // Round 2.
        let mut products = Vec::new();
        let derived = if tables.len() >= 2 || tables.iter().any(|t| t.function.is_some()) {
            Some(challenge::derive(cs, c, &mut arena, &mut products)?)
        } else {
            None
        };
        let round2 = Round2 {
            cs,
            c: c.into(),
            r: derived.map(|(y, t)| (arena.get(y), arena.get(t))),
        };
        let mut sum = Vec::new();
        let mut traces = Vec::with_capacity(queries.len());
        for q in &queries {
            let product = match (q.y, derived) {
                (Some(y), Some((r_y, _))) => {
                    let out = round2.product(arena.get(r_y), arena.get(y))?;
                    products.push(Product { out, a: r_y, b: y });
                    Some((out, y))
                }
                _ => None,
            };
            traces.push(QueryTrace {
                a: q.a,
                product,
                table: index(q.table),
                inv: 0,
            });
        }
        for (t, q) in traces.iter_mut().zip(&queries) {
            t.inv = round2.inverse(q.table, || arena.get(t.a), t.product.map(|p| p.0))?;
            sum.push((-Fr::from(1u8), Variable::witness(t.inv)));
        }
        let mut table_traces = Vec::with_capacity(tables.len());
        for (table, first) in tables.into_iter().zip(multiplicities) {
            let quotients = round2.quotients(&table, first, &mut sum)?;
            table_traces.push(TableTrace {
                table,
                multiplicities: first,
                quotients,
            });
        }
        let sum = LinearCombination(sum);
        cs.enforce_r1cs_constraint(|| sum, || Variable::One.into(), LinearCombination::zero)?;
        Ok(LookupTrace {
            round1: (0..round1).collect(),
            mask: index_of(mask)?,
            challenge: index_of(c)?,
            witness_len: cs.num_witness_variables(),
            arena,
            products,
            derived,
            queries: traces,
            tables: table_traces,
        })
    }
}

impl LogUp {
    /// The tables `queries` read, sorted by key (range tables by width, then function tables
    /// by tag), and the sorted keys.
    fn used_tables(&self, queries: &[Pending]) -> (Vec<TableKey>, Vec<Table>) {
        let mut keys: Vec<TableKey> = queries.iter().map(|q| q.table).collect();
        keys.sort_unstable();
        keys.dedup();
        let tables = keys
            .iter()
            .map(|&key| Table {
                key,
                function: match key {
                    TableKey::Function(tag) => self.functions.get(&tag).cloned(),
                    TableKey::Range(_) => None,
                },
            })
            .collect();
        (keys, tables)
    }
}

/// Builds the round-2 wires once the challenge (and the derived ones) exist.
struct Round2<'a> {
    cs: &'a ConstraintSystemRef<Fr>,
    c: LinearCombination<Fr>,
    /// `(r_y, r_t)`, when entries are compressed triples.
    r: Option<(LinearCombination<Fr>, LinearCombination<Fr>)>,
}

impl Round2<'_> {
    /// `c − tag·r_t` for a table (just `c` without derived challenges).
    fn base(&self, key: TableKey) -> LinearCombination<Fr> {
        match &self.r {
            Some((_, r_t)) => combine([(Fr::from(1u8), &self.c), (-key.tag(), r_t)], Fr::from(0u8)),
            None => self.c.clone(),
        }
    }

    /// A new wire `p = a · b` (a function lookup's `r_y · y`); its witness index.
    fn product(
        &self,
        a: LinearCombination<Fr>,
        b: LinearCombination<Fr>,
    ) -> Result<usize, SynthesisError> {
        let p = new_round2(self.cs)?;
        self.cs.enforce_r1cs_constraint(|| a, || b, || p.into())?;
        index_of(p)
    }

    /// `inv · (c − tag·r_t − a − p) = 1`, the dense `inv` in A; its witness index.
    ///
    /// `a` builds the query's combination; like every constraint's combination here it is
    /// only built when the matrices are (setup), not for each proof.
    fn inverse(
        &self,
        table: TableKey,
        a: impl FnOnce() -> LinearCombination<Fr>,
        product: Option<usize>,
    ) -> Result<usize, SynthesisError> {
        let one = Fr::from(1u8);
        let inv = new_round2(self.cs)?;
        let den = || {
            let mut den = combine([(one, &self.base(table)), (-one, &a())], Fr::from(0u8));
            if let Some(p) = product {
                den.0.push((-one, Variable::witness(p)));
            }
            den
        };
        self.cs
            .enforce_r1cs_constraint(|| inv.into(), den, || Variable::One.into())?;
        index_of(inv)
    }

    /// `w_j · (c − tag·r_t − a_j − r_y·b_j) = m_j` for every entry (multiplicities from witness
    /// `first` on); adds each `w_j` to `sum`; returns the first `w_j`'s witness index.
    fn quotients(
        &self,
        table: &Table,
        first: usize,
        sum: &mut Vec<(Fr, Variable)>,
    ) -> Result<usize, SynthesisError> {
        let start = self.cs.num_witness_variables();
        let base = self.base(table.key);
        for j in 0..table.len() {
            let w = new_round2(self.cs)?;
            let den = || {
                let (a, b) = table.entry(j);
                let mut den = base.clone();
                den.0.push((-a, Variable::One));
                if let Some((r_y, _)) = &self.r {
                    den = combine([(Fr::from(1u8), &den), (-b, r_y)], Fr::from(0u8));
                }
                den
            };
            let m = Variable::witness(first + j);
            self.cs
                .enforce_r1cs_constraint(|| w.into(), den, || m.into())?;
            sum.push((Fr::from(1u8), w));
        }
        Ok(start)
    }
}

/// A round-2 wire, 0 until [`LookupTrace::fill`] computes it.
fn new_round2(cs: &ConstraintSystemRef<Fr>) -> Result<Variable, SynthesisError> {
    cs.new_witness_variable(|| Ok(Fr::from(0u8)))
}

fn index_of(v: Variable) -> Result<usize, SynthesisError> {
    v.index().ok_or(SynthesisError::Unsatisfiable)
}
