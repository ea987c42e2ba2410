//! [`RangeChecker`]: the one thing the lowering and the gadgets ask for range checks and sign
//! bits, by bit decomposition (plain mode) or by lookup (lookup mode).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};

use super::logup::LogUp;
use super::range::{RangeMode, RangePlan};
use super::tables::FunctionTable;
use super::trace::LookupTrace;
use crate::cell::{combine, Cell};
use crate::gadgets::range::{decompose, pow2};
use crate::gadgets::relu;
use crate::{Fr, R1csError};

/// Range checks for one circuit: bit decomposition, or a handle on the circuit's LogUp
/// argument (cheap to clone, like a `ConstraintSystemRef`; every clone adds to the same
/// argument).
#[derive(Clone)]
pub struct RangeChecker(Option<Rc<RefCell<LogUp>>>);

impl RangeChecker {
    /// Plain mode: every range check is a bit decomposition.
    pub fn bits() -> Self {
        RangeChecker(None)
    }

    /// Lookup mode with `plan`'s tables, for the circuit being built in `cs`.
    pub fn lookup(cs: &ConstraintSystemRef<Fr>, plan: RangePlan) -> Self {
        let proving = !cs.is_in_setup_mode();
        RangeChecker(Some(Rc::new(RefCell::new(LogUp::new(plan, proving)))))
    }

    /// Which kind of checks this makes.
    pub fn mode(&self) -> RangeMode {
        match self.0 {
            None => RangeMode::Bits,
            Some(_) => RangeMode::Lookup,
        }
    }

    /// Enforces `lc ∈ [0, 2^bits)` (`value` is `lc`'s value when proving). Bits: a
    /// decomposition, `bits + 1` constraints. Lookup: limbs (see [`crate::lookup::range`]), which
    /// `lc` may be any combination of round-1 wires for.
    pub fn check(
        &self,
        cs: &ConstraintSystemRef<Fr>,
        lc: &LinearCombination<Fr>,
        value: Option<i128>,
        bits: u32,
    ) -> Result<(), SynthesisError> {
        match &self.0 {
            None => decompose(cs, lc, Fr::from(0u8), value, bits).map(|_| ()),
            Some(l) => l.borrow_mut().check(cs, lc, value, bits),
        }
    }

    /// The sign bit `s` of `y` (1 iff `y ≥ 0`) for `−2^(B−1) ≤ y < 2^(B−1)`, `B = bound_bits`;
    /// the one `y` carries if any. Bits: [`relu::sign_bit`] (a `B`-bit decomposition).
    /// Lookup: a boolean `s` (1 constraint) and `y + 2^(B−1) − 2^(B−1)·s ∈ [0, 2^(B−1))` (a
    /// `B − 1`-bit check), so `y + 2^(B−1) = 2^(B−1)·s + low` is `B` bits with top bit `s`.
    pub fn sign_bit(
        &self,
        cs: &ConstraintSystemRef<Fr>,
        y: &Cell,
        bound_bits: u32,
    ) -> Result<Variable, SynthesisError> {
        let Some(l) = &self.0 else {
            return relu::sign_bit(cs, y, bound_bits);
        };
        if let Some(s) = y.sign {
            return Ok(s);
        }
        let s = boolean(cs, y.val.map(|v| v >= 0))?;
        let half = pow2(bound_bits - 1);
        let low = combine(
            [(Fr::from(1u8), &y.lc), (-half, &LinearCombination::from(s))],
            half,
        );
        let h = 1i128 << (bound_bits - 1);
        let low_val = y.val.map(|v| if v >= 0 { v } else { v + h });
        l.borrow_mut().check(cs, &low, low_val, bound_bits - 1)?;
        Ok(s)
    }

    /// Looks up `(x, y)` in a function table: enforces `y = f(x)` for a row `(x, f(x))`.
    /// `x` and `y` must be combinations of round-1 wires. Lookup mode only.
    pub fn lookup_function(
        &self,
        table: &Arc<FunctionTable>,
        x: &Cell,
        y: &Cell,
    ) -> Result<(), R1csError> {
        match &self.0 {
            None => Err(R1csError::NeedsLookupMode),
            Some(l) => l.borrow_mut().lookup_function(table, x, y),
        }
    }

    /// Ends the lookup argument (lookup mode): adds the multiplicities, the mask, the
    /// challenge as the last public input and every round-2 wire and constraint, and returns
    /// the trace. `None` in plain mode. Call once, after every other public input.
    pub fn finish(&self, cs: &ConstraintSystemRef<Fr>) -> Result<Option<LookupTrace>, R1csError> {
        self.0
            .as_ref()
            .map(|l| l.borrow_mut().finish(cs))
            .transpose()
    }

    /// The range checks made so far, by width (lookup mode; empty in plain mode).
    pub fn checks(&self) -> BTreeMap<u32, usize> {
        self.0
            .as_ref()
            .map(|l| l.borrow().checks.clone())
            .unwrap_or_default()
    }
}

/// A boolean wire (`s·s = s`, one constraint) with value `value` when proving.
pub(crate) fn boolean(
    cs: &ConstraintSystemRef<Fr>,
    value: Option<bool>,
) -> Result<Variable, SynthesisError> {
    let s =
        cs.new_witness_variable(|| value.map(Fr::from).ok_or(SynthesisError::AssignmentMissing))?;
    cs.enforce_r1cs_constraint(|| s.into(), || s.into(), || s.into())?;
    Ok(s)
}
