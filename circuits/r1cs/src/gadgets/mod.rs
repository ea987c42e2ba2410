//! The gadgets: the only places constraints are spent. Each file enforces one relation and
//! states its exact constraint count, as prose and as a `cost` function that
//! [`crate::estimate_graph`] adds up without synthesizing.
//!
//! | gadget | relation | constraints |
//! |---|---|---|
//! | [`range::decompose`] | `x + offset = Σ 2^i·β_i`, `β_i ∈ {0,1}` | `n + 1` |
//! | [`rescale::rescale`] | `y = ⌊(x + 2^(k−1)) / 2^k⌋`, `y ∈ [−2^(b−1), 2^(b−1))` | `k + b + 2` |
//! | [`relu::relu`] | `z = max(y, 0)` | `1` after a rescale, else `B + 2` |
//! | [`compare::max`] | `m = max(a, b)` for `|a|, |b| ≤ M` | `bits(2M) + 2` |
//! | [`poseidon::commit`] | Poseidon sponge over `e` packed field elements | `243·⌈(e+1)/2⌉ − 6` |

pub mod compare;
pub mod poseidon;
pub mod range;
pub mod relu;
pub mod rescale;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
