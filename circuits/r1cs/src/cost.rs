//! Constraint and witness-variable counts, as the analytic estimator adds them up. Each gadget
//! states its own cost next to its code (`gadgets::*::cost`, and `cost_with` for either proof
//! mode); [`crate::estimate_graph`] sums them over a graph without synthesizing anything.
//!
//! In lookup mode a gadget's range checks are not priced where they are made: they become
//! limbs and queries of the LogUp argument, whose price depends on the limb width and on which
//! tables the whole circuit needs. A [`Tally`] therefore carries, next to the [`Cost`] spent
//! outright, the range checks by bit width; [`crate::lookup::RangePlan::price`] prices them.

use std::collections::BTreeMap;

use zkinfer_ir::ops::Table;

/// Constraints and private witness variables spent by one gadget or op.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    /// R1CS constraints.
    pub constraints: usize,
    /// Private witness variables.
    pub witness: usize,
}

impl Cost {
    /// A cost of `constraints` constraints and `witness` witness variables.
    pub const fn new(constraints: usize, witness: usize) -> Self {
        Cost {
            constraints,
            witness,
        }
    }

    /// The sum of two costs (saturating: a saturated count is refused as too large anyway).
    pub fn plus(self, other: Cost) -> Cost {
        Cost {
            constraints: self.constraints.saturating_add(other.constraints),
            witness: self.witness.saturating_add(other.witness),
        }
    }

    /// `n` times this cost (saturating).
    pub fn times(self, n: usize) -> Cost {
        Cost {
            constraints: self.constraints.saturating_mul(n),
            witness: self.witness.saturating_mul(n),
        }
    }
}

impl std::ops::AddAssign for Cost {
    fn add_assign(&mut self, other: Cost) {
        *self = self.plus(other);
    }
}

/// A cost in either proof mode: what is spent outright, plus (lookup mode only) the range
/// checks and function lookups handed to the lookup argument, counted by bit width and by
/// table and priced later by [`crate::lookup::RangePlan::price`]. In plain mode both stay
/// empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Constraints and witness variables spent outright.
    pub cost: Cost,
    /// `checks[n]` linear combinations are checked to lie in `[0, 2^n)`.
    pub checks: BTreeMap<u32, usize>,
    /// `functions[t]` lookups into the function table of the table op `t` (one table per
    /// distinct op, shared by every node with the same parameters).
    pub functions: BTreeMap<Table, usize>,
}

impl Tally {
    /// One range check of `bits` bits (lookup mode).
    pub fn check(bits: u32) -> Tally {
        Tally {
            checks: BTreeMap::from([(bits, 1)]),
            ..Tally::default()
        }
    }

    /// One lookup into the function table of `table` (lookup mode).
    pub fn function(table: Table) -> Tally {
        Tally {
            functions: BTreeMap::from([(table, 1)]),
            ..Tally::default()
        }
    }

    /// The sum of two tallies (counts saturate).
    pub fn plus(mut self, other: &Tally) -> Tally {
        self += other;
        self
    }

    /// `n` times this tally (saturating).
    pub fn times(&self, n: usize) -> Tally {
        Tally {
            cost: self.cost.times(n),
            checks: self
                .checks
                .iter()
                .filter(|_| n > 0)
                .map(|(&b, &c)| (b, c.saturating_mul(n)))
                .collect(),
            functions: self
                .functions
                .iter()
                .filter(|_| n > 0)
                .map(|(&t, &c)| (t, c.saturating_mul(n)))
                .collect(),
        }
    }
}

impl From<Cost> for Tally {
    fn from(cost: Cost) -> Tally {
        Tally {
            cost,
            ..Tally::default()
        }
    }
}

impl std::ops::AddAssign<&Tally> for Tally {
    fn add_assign(&mut self, other: &Tally) {
        self.cost += other.cost;
        for (&bits, &n) in &other.checks {
            let c = self.checks.entry(bits).or_insert(0);
            *c = c.saturating_add(n);
        }
        for (&table, &n) in &other.functions {
            let c = self.functions.entry(table).or_insert(0);
            *c = c.saturating_add(n);
        }
    }
}

impl std::ops::AddAssign<Cost> for Tally {
    fn add_assign(&mut self, other: Cost) {
        self.cost += other;
    }
}
