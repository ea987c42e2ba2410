//! The gadgets: the only places constraints are spent. Each file enforces one relation and
//! states its exact constraint count, as prose and as a `cost` function that
//! [`crate::estimate_graph`] adds up without synthesizing (`cost_with` for either proof mode,
//! over a [`crate::lookup::RangeMode`]).
//!
//! | gadget | relation | constraints (plain) |
//! |---|---|---|
//! | [`range::decompose`] | `x + offset = Σ 2^i·β_i`, `β_i ∈ {0,1}` | `n + 1` |
//! | [`rescale::rescale`] | `y = ⌊(x + 2^(k−1)) / 2^k⌋`, `y ∈ [−2^(b−1), 2^(b−1))` | `k + b + 2` |
//! | [`relu::relu`] | `z = max(y, 0)` | `1` after a rescale, else `B + 2` |
//! | [`compare::max`] | `m = max(a, b)` for `|a|, |b| ≤ M` | `bits(2M) + 2` |
//! | [`divide::divide`] | `y = ⌊(2^(k+1)·a + s) / (2s)⌋`, `s ≤ S` | `2·(B+1) + b + 2`, `2^B ≥ 2S` |
//! | [`product::product`] | `p = a · b` | `1` |
//! | [`poseidon::commit`] | Poseidon sponge over `e` packed field elements | `243·⌈(e+1)/2⌉ − 6` |
//!
//! In lookup mode the `_with` variants take their range checks from a lookup
//! [`crate::lookup::RangeChecker`]: a check of `n` bits is `⌈n/L⌉` lookups (priced by
//! [`crate::lookup::RangePlan`]), and a sign bit is a boolean plus a `B − 1`-bit check.
//!
//! | gadget | constraints of its own (lookup) | range checks (lookup) |
//! |---|---|---|
//! | [`rescale::rescale_with`] | `1` (the sign bit is boolean) | `b − 1` and `k` bits |
//! | [`relu::relu_with`] | `1` after a rescale, else `2` | none, else `B − 1` bits |
//! | [`compare::max_with`] | `2` | `B` bits (the sign of `b − a`) |
//! | [`divide::divide`] | `1` | `B`, `B` and `b` bits |

pub mod compare;
pub mod divide;
pub mod poseidon;
pub mod product;
pub mod range;
pub mod relu;
pub mod rescale;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
