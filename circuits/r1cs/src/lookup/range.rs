//! Range checks by lookup: how an `n`-bit check splits into limbs, which range tables a
//! circuit builds, and what all of it costs.
//!
//! A check of `v ∈ [0, 2^n)`, `v` any linear combination of round-1 wires, splits `v` into
//! `m = ⌈n/L⌉` limbs, little-endian: `m − 1` limbs of `L` bits and a top limb of
//! `t = n − (m−1)·L` bits (`1 ≤ t ≤ L`). Limbs `1..m` are new round-1 wires; limb 0 is the
//! linear combination `v − Σ_{i≥1} 2^(iL)·limb_i`, so the recomposition costs nothing. Each
//! limb of width `w` is then checked exactly:
//! * `w = 1`: a boolean constraint `b·b = b` (cheaper than any lookup, and no round-2 wire);
//! * `w = L`: one query into the full table `{0, …, 2^L − 1}`;
//! * `1 < w < L` (a partial top limb): either one query into a table of its own of width `w`,
//!   or two queries into the full table, of the limb and of `2^(L−w)·limb` (the second is in
//!   the table only if `limb < 2^w`). Either way the limb is exact: a partial limb that were
//!   only checked against the full table would accept `2^w` (gnark GHSA-rjjm-x32p-m3f7).
//!
//! `n = 0` (a rescale by `2^0`) is the linear constraint `v = 0`.
//!
//! [`RangePlan::new`] chooses, for each partial width, a table or the double query, to
//! minimise the constraint count (then the round-2 wires) over the whole circuit: a table of
//! width `w` costs `2^w` constraints and `2^w` round-2 wires, a double query one more of each
//! per limb, and a second table of any kind brings the derived challenges (see
//! [`super::challenge`]) that keep tables apart. It tries every subset of the partial widths
//! in use (at most `L − 2` of them), so the choice is optimal for the limb width.

use std::collections::{BTreeMap, BTreeSet};

use zkinfer_ir::ProofMode;

use super::challenge;
use crate::R1csError;

/// How a cost function or a range checker checks ranges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeMode {
    /// Bit decomposition (plain mode).
    Bits,
    /// Limbs looked up in tables (lookup mode).
    Lookup,
}

/// How one limb is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Limb {
    /// `b·b = b`.
    Boolean,
    /// One query into the range table of this width.
    Table(u32),
    /// Two queries into the full table: the limb and the limb times `2^(L − w)`.
    Twice,
}

/// The range tables of a lookup-mode circuit and how each limb width is checked, next to the
/// circuit's function tables (which the plan does not choose, but prices: they share the
/// derived challenges with the range tables).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangePlan {
    limb_bits: u32,
    /// Partial widths (`1 < w < limb_bits`) that get a table of their own.
    own: BTreeSet<u32>,
    /// The function tables and their lookups.
    functions: FunctionDemand,
}

/// A circuit's function-table lookups, as the argument prices them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FunctionDemand {
    /// Distinct function tables.
    pub tables: usize,
    /// Their entries, all tables together.
    pub entries: usize,
    /// Lookups into them.
    pub queries: usize,
}

impl FunctionDemand {
    /// The demand of `functions[t]` lookups into the table of each table op `t` (a table of
    /// `2·in_max + 1` entries).
    pub fn of(functions: &BTreeMap<zkinfer_ir::ops::Table, usize>) -> Self {
        functions
            .iter()
            .fold(FunctionDemand::default(), |d, (t, &q)| FunctionDemand {
                tables: d.tables + 1,
                entries: d
                    .entries
                    .saturating_add(2usize.saturating_mul(t.in_max as usize) + 1),
                queries: d.queries.saturating_add(q),
            })
    }
}

/// What the lookup argument costs for a circuit's range checks under a [`RangePlan`]: the
/// limb wires, the queries, the tables, the derived challenges, the mask and the final sum.
/// The challenge itself is one more public input (not counted here).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LookupPrice {
    /// Constraints.
    pub constraints: usize,
    /// Witness variables (round 1 and round 2).
    pub witness: usize,
    /// Round-2 witness variables: the inverses, the table quotients, the derived challenges.
    pub round2: usize,
    /// Widths of the range tables built, ascending.
    pub tables: Vec<u32>,
}

/// The limbs a set of range checks needs, by kind.
#[derive(Default)]
struct Demand {
    /// `n = 0` checks (one linear constraint each).
    zero: usize,
    /// New limb wires (`m − 1` per check).
    wires: usize,
    /// Limbs of width 1.
    booleans: usize,
    /// Limbs of the full width.
    full: usize,
    /// Partial limbs by width.
    partial: BTreeMap<u32, usize>,
}

impl RangePlan {
    /// The cheapest plan for limbs of `limb_bits` bits and these range checks (`checks[n]`
    /// checks of `n` bits, as a [`crate::Tally`] counts them). Fails for a limb width outside
    /// [`ProofMode::MIN_LIMB_BITS`]`..=`[`ProofMode::MAX_LIMB_BITS`].
    pub fn new(limb_bits: u32, checks: &BTreeMap<u32, usize>) -> Result<Self, R1csError> {
        Self::new_with(limb_bits, checks, FunctionDemand::default())
    }

    /// [`RangePlan::new`] for a circuit that also has `functions` (which change what a second
    /// range table costs: with a function table the derived challenges are paid already).
    pub fn new_with(
        limb_bits: u32,
        checks: &BTreeMap<u32, usize>,
        functions: FunctionDemand,
    ) -> Result<Self, R1csError> {
        let mut best = Self::with_tables(limb_bits, [])?;
        best.functions = functions;
        let demand = best.demand(checks);
        let partial: Vec<u32> = demand.partial.keys().copied().collect();
        let mut best_price = best.price_demand(&demand);
        for subset in 1u32..(1 << partial.len()) {
            let plan = RangePlan {
                limb_bits,
                own: (0..partial.len())
                    .filter(|i| subset >> i & 1 == 1)
                    .map(|i| partial[i])
                    .collect(),
                functions,
            };
            let price = plan.price_demand(&demand);
            if (price.constraints, price.round2) < (best_price.constraints, best_price.round2) {
                (best, best_price) = (plan, price);
            }
        }
        Ok(best)
    }

    /// A plan with the given partial widths on tables of their own (the others use double
    /// queries). Widths outside `2..limb_bits` are ignored.
    pub fn with_tables(
        limb_bits: u32,
        own: impl IntoIterator<Item = u32>,
    ) -> Result<Self, R1csError> {
        ProofMode::Lookup { limb_bits }
            .validate()
            .map_err(|_| R1csError::UnsupportedLimbBits { limb_bits })?;
        Ok(RangePlan {
            limb_bits,
            own: own
                .into_iter()
                .filter(|w| (2..limb_bits).contains(w))
                .collect(),
            functions: FunctionDemand::default(),
        })
    }

    /// The limb width `L`.
    pub fn limb_bits(&self) -> u32 {
        self.limb_bits
    }

    /// The partial widths with a table of their own.
    pub fn own_tables(&self) -> impl Iterator<Item = u32> + '_ {
        self.own.iter().copied()
    }

    /// The limb widths of an `n`-bit check, least significant first (none for `n = 0`).
    pub fn limbs(&self, n: u32) -> Vec<u32> {
        let l = self.limb_bits;
        let m = n.div_ceil(l);
        (0..m)
            .map(|i| if i + 1 < m { l } else { n - (m - 1) * l })
            .collect()
    }

    /// How a limb of width `w` is checked.
    pub(crate) fn limb(&self, w: u32) -> Limb {
        if w == 1 {
            Limb::Boolean
        } else if w == self.limb_bits || self.own.contains(&w) {
            Limb::Table(w)
        } else {
            Limb::Twice
        }
    }

    /// What the lookup argument costs for `checks` under this plan (and for its function
    /// tables).
    pub fn price(&self, checks: &BTreeMap<u32, usize>) -> LookupPrice {
        self.price_demand(&self.demand(checks))
    }

    fn demand(&self, checks: &BTreeMap<u32, usize>) -> Demand {
        let mut d = Demand::default();
        for (&n, &count) in checks {
            let limbs = self.limbs(n);
            if limbs.is_empty() {
                d.zero += count;
                continue;
            }
            d.wires += (limbs.len() - 1) * count;
            for w in limbs {
                match w {
                    1 => d.booleans += count,
                    w if w == self.limb_bits => d.full += count,
                    w => *d.partial.entry(w).or_insert(0) += count,
                }
            }
        }
        d
    }

    fn price_demand(&self, d: &Demand) -> LookupPrice {
        let mut queries = d.full;
        let mut tables = BTreeSet::new();
        if d.full > 0 {
            tables.insert(self.limb_bits);
        }
        for (&w, &q) in &d.partial {
            if self.own.contains(&w) {
                queries += q;
                tables.insert(w);
            } else {
                queries += 2 * q;
                tables.insert(self.limb_bits);
            }
        }
        let f = self.functions;
        let entries: usize = tables.iter().map(|w| 1usize << w).sum::<usize>() + f.entries;
        let derived = if tables.len() + f.tables >= 2 || f.tables > 0 {
            challenge::CONSTRAINTS
        } else {
            0
        };
        // Queries: one constraint and one inverse each, and for a function lookup one more of
        // each for `r_y·y`. Tables: per entry one constraint, a multiplicity (round 1) and a
        // quotient (round 2). Then the mask (a wire and its constraint) and the final sum.
        let queries = queries + 2 * f.queries;
        let round2 = queries + entries + derived;
        LookupPrice {
            constraints: d.zero + d.booleans + queries + entries + derived + 2,
            witness: d.wires + entries + 1 + round2,
            round2,
            tables: tables.into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limbs_split_little_endian_with_the_partial_limb_on_top() {
        let plan = RangePlan::with_tables(8, []).unwrap();
        assert_eq!(plan.limbs(0), Vec::<u32>::new());
        assert_eq!(plan.limbs(5), vec![5]);
        assert_eq!(plan.limbs(8), vec![8]);
        assert_eq!(plan.limbs(17), vec![8, 8, 1]);
        assert_eq!(plan.limbs(20), vec![8, 8, 4]);
        assert_eq!(plan.limb(1), Limb::Boolean);
        assert_eq!(plan.limb(8), Limb::Table(8));
        assert_eq!(plan.limb(4), Limb::Twice);
        assert!(RangePlan::with_tables(1, []).is_err());
        assert!(RangePlan::with_tables(21, []).is_err());
    }

    #[test]
    fn a_partial_width_gets_its_table_only_when_that_is_cheaper() {
        // 1000 checks of 12 bits with L = 8: 1000 top limbs of 4 bits. A 16-entry table (plus
        // the derived challenges a second table needs) beats 1000 extra queries.
        let many = BTreeMap::from([(12, 1000)]);
        let plan = RangePlan::new(8, &many).unwrap();
        assert_eq!(plan.own_tables().collect::<Vec<_>>(), vec![4]);
        let price = plan.price(&many);
        assert_eq!(price.tables, vec![4, 8]);
        assert_eq!(
            price.constraints,
            2000 + 256 + 16 + challenge::CONSTRAINTS + 2,
            "{price:?}"
        );
        // Three such checks: double queries are cheaper than a second table.
        let few = BTreeMap::from([(12, 3)]);
        let plan = RangePlan::new(8, &few).unwrap();
        assert_eq!(plan.own_tables().count(), 0);
        assert_eq!(plan.price(&few).constraints, 9 + 256 + 2);
        // Only partial limbs, of one width: that width's table alone.
        let alone = BTreeMap::from([(5, 3)]);
        let plan = RangePlan::new(8, &alone).unwrap();
        let price = plan.price(&alone);
        assert_eq!(price.tables, vec![5]);
        assert_eq!(price.constraints, 3 + 32 + 2);
        assert_eq!(price.witness, 32 + 1 + price.round2);
    }
}
