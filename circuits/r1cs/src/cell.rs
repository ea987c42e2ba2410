//! A tensor element inside the circuit: a linear combination of variables and, when proving,
//! its integer value (taken from the reference executor's witness).

use ark_ff::Field;
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};

use crate::cost::Cost;
use crate::{fr_from_i128, Fr};

/// One tensor element: `lc` evaluates to the element; `sign` is a boolean variable equal to 1
/// iff the element is ≥ 0, when a range check already produced it (so ReLU is one product).
#[derive(Clone, Debug)]
pub struct Cell {
    /// The element as a linear combination.
    pub lc: LinearCombination<Fr>,
    /// Its value when proving (`None` during setup).
    pub val: Option<i128>,
    /// A known sign bit (1 iff `val ≥ 0`), if any.
    pub sign: Option<Variable>,
}

impl Cell {
    /// A cell that is exactly one variable.
    pub fn var(v: Variable, val: Option<i128>) -> Self {
        Cell {
            lc: LinearCombination(vec![(Fr::from(1u8), v)]),
            val,
            sign: None,
        }
    }

    /// True when the cell is a single variable with coefficient one (cheap to reuse).
    pub fn is_single_var(&self) -> bool {
        self.lc.0.len() == 1 && self.lc.0[0].0 == Fr::from(1u8) && self.lc.0[0].1 != Variable::One
    }

    /// The cell as a single variable, adding one constraint `lc · 1 = v` if it is a longer
    /// combination. Used before fan-out (Gemm, Conv), so combinations never multiply in size.
    pub fn materialize(&self, cs: &ConstraintSystemRef<Fr>) -> Result<Cell, SynthesisError> {
        if self.is_single_var() {
            return Ok(self.clone());
        }
        let v = cs.new_witness_variable(|| {
            self.val
                .map(fr_from_i128)
                .ok_or(SynthesisError::AssignmentMissing)
        })?;
        let lc = self.lc.clone();
        cs.enforce_r1cs_constraint(|| lc, || Variable::One.into(), || v.into())?;
        Ok(Cell {
            sign: self.sign,
            ..Cell::var(v, self.val)
        })
    }
}

/// What the analytic estimator knows of a cell without building it: whether it is a single
/// variable with coefficient one ([`Cell::is_single_var`]: materializing it is free) and
/// whether it carries a sign bit (a following ReLU costs one constraint).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellKind {
    /// [`Cell::is_single_var`].
    pub single_var: bool,
    /// `Cell::sign` is known.
    pub sign: bool,
}

impl CellKind {
    /// A single variable (a fresh product, rescale result or input), with or without a sign bit.
    pub const fn var(sign: bool) -> Self {
        CellKind {
            single_var: true,
            sign,
        }
    }

    /// A longer linear combination (or a constant), without a sign bit.
    pub const COMBINATION: CellKind = CellKind {
        single_var: false,
        sign: false,
    };

    /// What [`Cell::materialize`] costs: nothing for a single variable, else one constraint
    /// and one witness variable.
    pub fn materialize_cost(self) -> Cost {
        if self.single_var {
            Cost::default()
        } else {
            Cost::new(1, 1)
        }
    }
}

impl Cell {
    /// This cell's [`CellKind`] (what the estimator predicts for it).
    pub fn kind(&self) -> CellKind {
        CellKind {
            single_var: self.is_single_var(),
            sign: self.sign.is_some(),
        }
    }
}

/// `Σ coeff · cell + constant` as a compact linear combination.
pub fn combine<'a>(
    terms: impl IntoIterator<Item = (Fr, &'a LinearCombination<Fr>)>,
    constant: Fr,
) -> LinearCombination<Fr> {
    let (one, minus_one) = (Fr::ONE, -Fr::ONE);
    let mut out = Vec::new();
    for (c, lc) in terms {
        // ±1 is most terms (differences, sums): a copy or a negation, not a multiplication.
        if c == Fr::from(0u8) {
            continue;
        } else if c == one {
            out.extend_from_slice(&lc.0);
        } else if c == minus_one {
            out.extend(lc.0.iter().map(|(k, v)| (-*k, *v)));
        } else {
            out.extend(
                lc.0.iter()
                    .map(|(k, v)| (if *k == one { c } else { *k * c }, *v)),
            );
        }
    }
    if constant != Fr::from(0u8) {
        out.push((constant, Variable::One));
    }
    let mut lc = LinearCombination(out);
    lc.compactify();
    lc
}
