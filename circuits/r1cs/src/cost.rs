//! Constraint and witness-variable counts, as the analytic estimator adds them up. Each gadget
//! states its own cost next to its code (`gadgets::*::cost`); [`crate::estimate_graph`] sums
//! them over a graph without synthesizing anything.

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
