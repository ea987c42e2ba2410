//! Choosing the proof mode and the limb width from the analytic estimates.
//!
//! The measure is the **constraint count** (then the round-2 wires, on a tie): it sets the
//! QAP domain, the FFTs and the `h` MSM, and every lookup table costs `2^L` of it, which is
//! what bounds `L`. Lookup mode also costs one more pairing on chain (about 41k gas), and its
//! round-2 wires are dense (a prover handles bit wires about 4× faster than dense ones), so
//! [`ModeRequest::Auto`] takes it only where it pays: for circuits of at least
//! [`AUTO_MIN_PLAIN_CONSTRAINTS`] plain constraints that it shrinks at least
//! [`AUTO_MIN_SAVING`]-fold. Below that, proving takes well under a second on a CPU either way.

use std::ops::RangeInclusive;

use zkinfer_ir::{Graph, Node, Op, ProofMode};

use super::range::{FunctionDemand, RangeMode, RangePlan};
use crate::cost::Tally;
use crate::estimate::tally_graph;
use crate::{estimate_graph, CircuitStats, R1csError};

/// The limb widths [`choose_mode`] tries.
pub const SEARCHED_LIMB_BITS: RangeInclusive<u32> = 4..=16;
/// Extra verification gas of a lookup-mode proof: one more pairing (EIP-1108: 34,000), the
/// challenge's scalar multiplication and addition, and `C₁` in calldata, about 41k.
pub const LOOKUP_EXTRA_GAS: u64 = 41_000;
/// [`ModeRequest::Auto`] keeps plain mode for circuits with fewer plain constraints.
pub const AUTO_MIN_PLAIN_CONSTRAINTS: usize = 1 << 16;
/// [`ModeRequest::Auto`] takes lookup mode only if it divides the constraints by at least this.
pub const AUTO_MIN_SAVING: usize = 2;

/// The proof mode a user asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModeRequest {
    /// Plain mode.
    Plain,
    /// Lookup mode, with the limb width that minimises the constraints.
    Lookup,
    /// Lookup mode where it pays, else plain.
    Auto,
}

/// The mode [`choose_mode`] picked, the figures it compared, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModeChoice {
    /// The chosen mode (with its limb width).
    pub mode: ProofMode,
    /// The circuit in plain mode (`None` when the graph has a table op, which only lookup mode
    /// proves).
    pub plain: Option<CircuitStats>,
    /// The circuit in lookup mode with the best limb width (`None` when plain was requested).
    pub lookup: Option<CircuitStats>,
    /// One line for humans, with the figures.
    pub reason: String,
}

/// The size of `graph`'s circuit in `mode`, counted analytically: [`estimate_graph`] in plain
/// mode; in lookup mode, what the circuit spends outside the lookup argument plus the price of
/// its range checks under the plan [`RangePlan::new`] picks for the limb width (what circuit
/// synthesis builds). Equal to a synthesis on every bundled model and fixture (e2e test
/// `estimate.rs`), with the same caveat as [`estimate_graph`].
pub fn estimate_graph_mode(graph: &Graph, mode: &ProofMode) -> Result<CircuitStats, R1csError> {
    match *mode {
        ProofMode::Plain => estimate_graph(graph),
        ProofMode::Lookup { limb_bits } => {
            let (tally, outputs) = tally_graph(graph, RangeMode::Lookup)?;
            lookup_stats(&tally, outputs, limb_bits)
        }
    }
}

fn lookup_stats(tally: &Tally, outputs: usize, limb_bits: u32) -> Result<CircuitStats, R1csError> {
    let functions = FunctionDemand::of(&tally.functions);
    let price = RangePlan::new_with(limb_bits, &tally.checks, functions)?.price(&tally.checks);
    Ok(CircuitStats {
        constraints: tally.cost.constraints + price.constraints,
        public_inputs: 2 + outputs + 1,
        witness_variables: tally.cost.witness + price.witness,
        round2_witness: price.round2,
    })
}

/// Picks the proof mode for `graph`: plain as asked; for lookup, the limb width in
/// [`SEARCHED_LIMB_BITS`] with the fewest constraints (then round-2 wires); for auto, that
/// lookup mode where it pays (see the module doc), else plain. A graph with a table op
/// (sigmoid, exp, …) has no plain circuit: auto takes lookup mode, plain is refused naming the
/// node.
pub fn choose_mode(graph: &Graph, requested: ModeRequest) -> Result<ModeChoice, R1csError> {
    let table = graph.nodes.iter().find(|n| matches!(n.op, Op::Table(_)));
    let plain = match table {
        None => Some(estimate_graph(graph)?),
        Some(_) => None,
    };
    if requested == ModeRequest::Plain {
        return match (plain, table) {
            (Some(plain), _) => Ok(ModeChoice {
                mode: ProofMode::Plain,
                plain: Some(plain),
                lookup: None,
                reason: format!(
                    "plain mode, as requested: {} constraints",
                    thousands(plain.constraints)
                ),
            }),
            (None, node) => Err(table_needs_lookup(node)),
        };
    }
    let (tally, outputs) = tally_graph(graph, RangeMode::Lookup)?;
    let mut best: Option<(u32, CircuitStats)> = None;
    for limb_bits in SEARCHED_LIMB_BITS {
        let stats = lookup_stats(&tally, outputs, limb_bits)?;
        let key = |s: &CircuitStats| (s.constraints, s.round2_witness);
        if best.as_ref().is_none_or(|(_, b)| key(&stats) < key(b)) {
            best = Some((limb_bits, stats));
        }
    }
    let Some((limb_bits, lookup)) = best else {
        return Err(R1csError::UnsupportedLimbBits { limb_bits: 0 });
    };
    let lookup_figures = format!(
        "{} constraints with {limb_bits}-bit limbs ({} round-2 wires)",
        thousands(lookup.constraints),
        thousands(lookup.round2_witness),
    );
    let lookup_mode = ProofMode::Lookup { limb_bits };
    let Some(plain) = plain else {
        let node = table.map_or("?", |n| n.name.as_str());
        return Ok(ModeChoice {
            mode: lookup_mode,
            plain: None,
            lookup: Some(lookup),
            reason: format!(
                "lookup mode: {lookup_figures}; node `{node}` is a function table, which only lookup mode proves"
            ),
        });
    };
    let ratio = plain.constraints as f64 / lookup.constraints.max(1) as f64;
    let figures = format!(
        "{lookup_figures} against {} in plain mode, {ratio:.1}× fewer",
        thousands(plain.constraints),
    );
    let pays = plain.constraints >= AUTO_MIN_PLAIN_CONSTRAINTS
        && lookup.constraints.saturating_mul(AUTO_MIN_SAVING) <= plain.constraints;
    let (mode, reason) = match requested {
        ModeRequest::Lookup => (lookup_mode, format!("lookup mode, as requested: {figures}")),
        _ if pays => (
            lookup_mode,
            format!("lookup mode: {figures}, worth one more pairing (~{}k gas)", LOOKUP_EXTRA_GAS / 1000),
        ),
        _ => (
            ProofMode::Plain,
            format!(
                "plain mode: lookup would give {figures}; it pays from {} plain constraints and {AUTO_MIN_SAVING}× fewer, for one more pairing (~{}k gas)",
                thousands(AUTO_MIN_PLAIN_CONSTRAINTS),
                LOOKUP_EXTRA_GAS / 1000
            ),
        ),
    };
    Ok(ModeChoice {
        mode,
        plain: Some(plain),
        lookup: Some(lookup),
        reason,
    })
}

/// The error for a plain-mode request on a graph with a table op.
pub(crate) fn table_needs_lookup(node: Option<&Node>) -> R1csError {
    R1csError::TableNeedsLookupMode {
        node: node.map_or_else(String::new, |n| n.name.clone()),
        op: node.map_or("table", |n| n.op.name()),
    }
}

/// `185851` as `185,851`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(185_851), "185,851");
        assert_eq!(thousands(1_048_576), "1,048,576");
    }
}
