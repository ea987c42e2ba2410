//! The tables of the LogUp argument: range tables `{0, …, 2^w − 1}` and function tables of
//! rows `(x, f(x))`, all of whose entries are circuit constants.
//!
//! Every table entry is a triple `(a, b, tag)`: `a` the value (range) or the argument `x`
//! (function), `b` zero (range) or `f(x)` (function), and `tag` a constant naming the table:
//! `w` for the range table of width `w`, `2^32 + t` for the function table with tag `t`. The
//! argument compresses a triple as `a + r_y·b + r_t·tag` with challenges derived from `c`
//! (see [`super::challenge`]); a circuit with one range table and no function table needs
//! neither `b` nor `tag`, and compresses an entry to `a` alone.

use std::sync::Arc;

use crate::{fr_from_i128, Fr};

/// Which table a lookup reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableKey {
    /// The range table `{0, …, 2^w − 1}` of width `w` bits.
    Range(u32),
    /// The function table with this tag ([`FunctionTable::tag`]).
    Function(u32),
}

impl TableKey {
    /// The constant naming the table in the compressed entries: `w` for a range table,
    /// `2^32 + tag` for a function table (so no two tables share one).
    pub fn tag(self) -> Fr {
        match self {
            TableKey::Range(w) => Fr::from(w),
            TableKey::Function(t) => Fr::from((1u64 << 32) + u64::from(t)),
        }
    }
}

/// A function table: the rows `(lo + j, values[j])` for `j < values.len()`, whose entries are
/// circuit constants. Identified by `tag` within one circuit: two different tables must not
/// share a tag.
///
/// Whatever determines the rows (the function, the domain, the scales, the rounding) must be in
/// the IR of the op that uses the table, so that the model id covers the table (see
/// `zkinfer_ir::ProofMode`). The IR's table op (`zkinfer_ir::ops::Table`) carries all of it;
/// the lowering builds one function table per distinct op.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionTable {
    /// The table's name in the circuit.
    pub tag: u32,
    /// The first argument of the domain.
    pub lo: i64,
    /// `values[j] = f(lo + j)`.
    pub values: Vec<i64>,
}

impl FunctionTable {
    /// The table of `f` over `lo..lo + len`.
    pub fn new(tag: u32, lo: i64, len: usize, f: impl Fn(i64) -> i64) -> Arc<Self> {
        Arc::new(FunctionTable {
            tag,
            lo,
            values: (0..len as i64).map(|j| f(lo + j)).collect(),
        })
    }

    /// The row holding `(x, y)`, if any.
    pub fn row(&self, x: i128, y: i128) -> Option<usize> {
        let j = usize::try_from(x.checked_sub(i128::from(self.lo))?).ok()?;
        (i128::from(*self.values.get(j)?) == y).then_some(j)
    }

    /// Row `j` as field elements `(x, f(x))`.
    pub fn entry(&self, j: usize) -> (Fr, Fr) {
        (
            fr_from_i128(i128::from(self.lo) + j as i128),
            fr_from_i128(i128::from(self.values[j])),
        )
    }
}

/// One table as the trace needs it: its key, its entries and (for a function table) the rows.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    /// The key.
    pub key: TableKey,
    /// The rows of a function table (`None` for a range table).
    pub function: Option<Arc<FunctionTable>>,
}

impl Table {
    /// Number of entries.
    pub fn len(&self) -> usize {
        match (&self.function, self.key) {
            (Some(f), _) => f.values.len(),
            (None, TableKey::Range(w)) => 1usize << w,
            (None, TableKey::Function(_)) => 0,
        }
    }

    /// Entry `j` as `(a, b)`.
    pub fn entry(&self, j: usize) -> (Fr, Fr) {
        match &self.function {
            Some(f) => f.entry(j),
            None => (Fr::from(j as u64), Fr::from(0u8)),
        }
    }
}
