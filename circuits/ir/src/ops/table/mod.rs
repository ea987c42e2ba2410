//! `Table`: an element-wise function given by a constant table of integers (sigmoid, tanh, exp,
//! GELU, …), proved by a lookup into that table (lookup mode only).
//!
//! **The table is the spec.** For an input `x` at scale `s` (it stands for `x / 2^s`) the
//! output is `⌊f(x / 2^s) · 2^t + 1/2⌋` (rounded half up, exactly: [`exact::rounded`]), then
//! clamped to `out_bits` signed bits. Where `f` is undefined the value is its limit from the
//! right at 0 (`log`: the lowest output; `rsqrt` and `reciprocal` of 0: the highest; `sqrt` of a
//! negative: 0). The domain is `[−in_max, in_max]`, which must cover every integer the input
//! can hold (its fact's bound), so no input falls outside it; outputs saturate at the clamp as
//! the float function does at the ends of the domain.
//!
//! Everything that determines the rows (the function and its parameters, the input's scale
//! and bound, the output scale and width) is in the IR, so the model id covers the table.

mod exact;
mod func;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

pub use exact::{rounded, Undefined};
pub use func::{Dyadic, TableFn};

use crate::{Fact, IrError, QTensor};

/// The widest table input: a domain of at most `2^MAX_INPUT_BITS + 1` entries (a table costs
/// one constraint and two wires per entry, so 2^20 entries is already a million constraints).
pub const MAX_INPUT_BITS: u32 = 20;

/// `y = clamp(⌊f(x / 2^in_scale) · 2^out_scale + 1/2⌋, out_bits)` element-wise, for inputs in
/// `[−in_max, in_max]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Table {
    /// The function.
    pub func: TableFn,
    /// Fractional bits of the input (must equal the input's scale).
    pub in_scale: i32,
    /// The domain's bound (at least the input's bound; at most `2^(MAX_INPUT_BITS−1)`).
    pub in_max: u64,
    /// Fractional bits of the output.
    pub out_scale: i32,
    /// Signed bit width the outputs are clamped to (2..=40).
    pub out_bits: u32,
}

/// The rows of one table: `values[j]` is the output for input `lo + j`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableRows {
    /// The first input of the domain (`−in_max`).
    pub lo: i64,
    /// One output per input of the domain.
    pub values: Vec<i64>,
    /// `max |values|`: the output's bound.
    pub max_abs: u64,
}

/// Tables already built in this process.
type Cache = Mutex<HashMap<Table, Arc<TableRows>>>;

impl Table {
    /// Refuses parameters out of range and domains too large to build.
    pub fn check(&self) -> Result<(), IrError> {
        let scales = -40..=40;
        if !(2..=40).contains(&self.out_bits)
            || !scales.contains(&self.out_scale)
            || !scales.contains(&self.in_scale)
        {
            return Err(IrError::InvalidParameter {
                op: self.func.name(),
                detail: format!(
                    "output bits {} must be in 2..=40, and the scales (in {}, out {}) in -40..=40",
                    self.out_bits, self.in_scale, self.out_scale
                ),
            });
        }
        if self.in_max > 1 << (MAX_INPUT_BITS - 1) {
            return Err(IrError::TableTooLarge {
                op: self.func.name(),
                entries: 2 * u128::from(self.in_max) + 1,
                max: (1u128 << MAX_INPUT_BITS) + 1,
            });
        }
        Ok(())
    }

    /// The output for input `k` (the op's semantics for one element).
    pub fn value(&self, k: i64) -> i64 {
        let half = 1i128 << (self.out_bits - 1);
        let v = match rounded(&self.func, k, self.in_scale, self.out_scale) {
            Ok(v) => v,
            Err(Undefined::OutsideDomain) => match self.func {
                TableFn::Sqrt => 0,
                TableFn::Log => -half,
                _ => half - 1,
            },
        };
        v.clamp(-half, half - 1) as i64
    }

    /// The table's rows (built once per process and shared).
    pub fn rows(&self) -> Result<Arc<TableRows>, IrError> {
        self.check()?;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let cache = CACHE.get_or_init(Cache::default);
        if let Some(rows) = cache.lock().ok().and_then(|c| c.get(self).cloned()) {
            return Ok(rows);
        }
        let m = self.in_max as i64;
        let values: Vec<i64> = (-m..=m).map(|k| self.value(k)).collect();
        let max_abs = values.iter().map(|v| v.unsigned_abs()).max().unwrap_or(0);
        let rows = Arc::new(TableRows {
            lo: -m,
            values,
            max_abs,
        });
        if let Ok(mut c) = cache.lock() {
            c.insert(*self, Arc::clone(&rows));
        }
        Ok(rows)
    }

    /// Output fact: the input's shape, scale `out_scale`, bound the largest table value. The
    /// input must have scale `in_scale` and a bound within the domain.
    pub fn infer(&self, x: &Fact) -> Result<Fact, IrError> {
        let rows = self.rows()?;
        if x.scale != self.in_scale || x.max_abs > self.in_max {
            return Err(IrError::InvalidParameter {
                op: self.func.name(),
                detail: format!(
                    "the table is for inputs at scale {} within ±{}, the input has scale {} and bound {}",
                    self.in_scale, self.in_max, x.scale, x.max_abs
                ),
            });
        }
        Fact::new(
            self.func.name(),
            x.shape.clone(),
            self.out_scale,
            u128::from(rows.max_abs),
        )
    }

    /// Exact evaluation: each element looked up in the table.
    pub fn eval(&self, x: &QTensor) -> Result<QTensor, IrError> {
        let rows = self.rows()?;
        let data = x
            .data
            .iter()
            .enumerate()
            .map(|(index, &v)| {
                usize::try_from(v - rows.lo)
                    .ok()
                    .and_then(|j| rows.values.get(j).copied())
                    .ok_or(IrError::OutOfRange {
                        value: i128::from(v),
                        index,
                        min: rows.lo,
                        max: -rows.lo,
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        QTensor::new(x.shape.clone(), data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(func: TableFn, in_scale: i32, in_max: u64, out_scale: i32, out_bits: u32) -> Table {
        Table {
            func,
            in_scale,
            in_max,
            out_scale,
            out_bits,
        }
    }

    fn fact(scale: i32, max_abs: u64) -> Fact {
        Fact {
            shape: vec![3],
            scale,
            max_abs,
        }
    }

    #[test]
    fn sigmoid_rows_and_bound() {
        let t = table(TableFn::Sigmoid, 4, 128, 8, 12);
        let rows = t.rows().unwrap();
        assert_eq!((rows.lo, rows.values.len()), (-128, 257));
        // sigmoid(0) = 1/2 exactly; sigmoid(8) = 0.99966… → 255.9 → 256; sigmoid(-8) → 0.
        assert_eq!(rows.values[128], 128);
        assert_eq!(rows.values[256], 256);
        assert_eq!(rows.values[0], 0);
        assert_eq!(t.infer(&fact(4, 100)).unwrap().max_abs, 256);
        let q = QTensor::new(vec![3], vec![-128, 0, 16]).unwrap();
        // sigmoid(1) = 0.731058… · 256 = 187.15 → 187
        assert_eq!(t.eval(&q).unwrap().data, vec![0, 128, 187]);
    }

    #[test]
    fn outputs_clamp_and_undefined_points_saturate() {
        // e^8 · 16 far above 127: clamped.
        assert_eq!(table(TableFn::Exp, 0, 8, 4, 8).value(8), 127);
        let log = table(TableFn::Log, 0, 8, 4, 8);
        assert_eq!((log.value(0), log.value(-3)), (-128, -128));
        assert_eq!(table(TableFn::Sqrt, 0, 8, 4, 8).value(-1), 0);
        assert_eq!(table(TableFn::Reciprocal, 0, 8, 4, 8).value(0), 127);
    }

    #[test]
    fn refuses_domains_too_large_bad_parameters_and_mismatched_inputs() {
        let e = table(TableFn::Tanh, 4, 1 << 20, 8, 12)
            .infer(&fact(4, 8))
            .unwrap_err();
        assert!(matches!(e, IrError::TableTooLarge { .. }), "{e}");
        assert!(e.to_string().contains("2097153"), "{e}");
        assert!(table(TableFn::Tanh, 4, 8, 8, 1).infer(&fact(4, 8)).is_err());
        let t = table(TableFn::Tanh, 4, 8, 8, 12);
        assert!(t.infer(&fact(5, 8)).is_err(), "scale differs");
        assert!(t.infer(&fact(4, 9)).is_err(), "input beyond the domain");
    }

    #[test]
    fn values_outside_the_domain_are_refused() {
        let t = table(TableFn::Tanh, 2, 8, 8, 12);
        let q = QTensor::new(vec![3], vec![0, 1, 9]).unwrap();
        assert!(matches!(
            t.eval(&q),
            Err(IrError::OutOfRange { value: 9, .. })
        ));
    }
}
