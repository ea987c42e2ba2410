//! The analytic circuit size: constraints, public inputs and witness variables of a model's
//! circuit computed from the IR alone, without synthesizing it.
//!
//! [`crate::estimate`] synthesizes the whole circuit in setup mode (for a 33 M-constraint
//! model: 25.8 s and 4 GB, security review finding #3). [`estimate_graph`] adds up the cost
//! each gadget states next to its code (`gadgets::*::cost`, [`crate::cell::CellKind`] for
//! materialization) in the order [`crate::ModelCircuit::synthesize`] spends them. It walks each
//! tensor's elements once (and each convolution's or pool's outputs once) and keeps two
//! booleans per element; it builds no variable, constraint or linear combination.

use zkinfer_ir::{Fact, Graph, IrError};

use crate::cell::CellKind;
use crate::cost::{Cost, Tally};
use crate::gadgets::{poseidon, range};
use crate::lookup::RangeMode;
use crate::lower::node_cost;
use crate::packing::pack_positions;
use crate::{CircuitStats, Fr, OutputPacking, R1csError};
use ark_ff::FftField;

/// The size of `graph`'s circuit in plain mode, counted analytically
/// ([`crate::lookup::estimate_graph_mode`] counts either mode).
///
/// Equal to [`crate::estimate`] (a setup-mode synthesis) for every bundled model and one-op
/// fixture, which the e2e test `estimate.rs` checks. In the corner cases named on the
/// lowering's cost function (cells built from Clip's constant outputs, or affine coefficients
/// that cancel to one) it may count one materialization too many per such cell: it is an
/// upper bound, never lower than the real count.
pub fn estimate_graph(graph: &Graph) -> Result<CircuitStats, R1csError> {
    let (tally, outputs) = tally_graph(graph, RangeMode::Bits)?;
    Ok(CircuitStats {
        constraints: tally.cost.constraints,
        public_inputs: 2 + outputs,
        witness_variables: tally.cost.witness,
        round2_witness: 0,
    })
}

/// What `graph`'s circuit spends outside the lookup argument in `mode` (the range checks it
/// hands to the argument are counted in the tally, not priced), and the number of packed
/// output elements (one public input each).
pub(crate) fn tally_graph(graph: &Graph, mode: RangeMode) -> Result<(Tally, usize), R1csError> {
    let mut cost = Tally::default();
    let mut kinds: Vec<Vec<CellKind>> = Vec::with_capacity(graph.inputs.len() + graph.nodes.len());

    // 1. Inputs: one variable and a `b`-bit range check each (of `x + 2^(b−1)`), then the
    //    packed commitment. A decomposition leaves the sign bit on the cell; a lookup does not.
    for input in &graph.inputs {
        let n = input.fact.len();
        let check = match mode {
            RangeMode::Bits => range::decompose_cost(input.bits).into(),
            RangeMode::Lookup => Tally::check(input.bits),
        };
        cost += &Tally::from(Cost::new(0, 1)).plus(&check).times(n);
        kinds.push(vec![CellKind::var(mode == RangeMode::Bits); n]);
    }
    let widths = graph
        .inputs
        .iter()
        .flat_map(|i| std::iter::repeat_n(i.bits, i.fact.len()));
    let packed = pack_positions(widths).last().map_or(0, |(e, _)| e + 1);
    cost += poseidon::commit_cost(packed);
    if packed > 0 {
        cost += Cost::new(1, 0); // the digest equals the public commitment
    }

    // 2. The binding (a keccak of chain, escrow, job and provider) is a public input with no
    //    constraint of its own: nothing to count here.

    // 3. The nodes.
    for node in &graph.nodes {
        let unknown = |t: usize| {
            R1csError::Graph(IrError::UnknownTensor {
                node: node.name.clone(),
                tensor: t,
            })
        };
        let facts = node
            .inputs
            .iter()
            .map(|t| graph.fact(*t).ok_or_else(|| unknown(t.0)))
            .collect::<Result<Vec<&Fact>, _>>()?;
        let inputs = node
            .inputs
            .iter()
            .map(|t| {
                kinds
                    .get(t.0)
                    .map(Vec::as_slice)
                    .ok_or_else(|| unknown(t.0))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (c, out) = node_cost(node, &facts, &inputs, mode)?;
        cost += &c;
        kinds.push(out);
    }

    // 4. Outputs: one public input and one constraint per packed element.
    let outputs = OutputPacking::for_graph(graph).elements();
    cost += Cost::new(outputs, 0);
    Ok((cost, outputs))
}

/// Bytes of a BN254 G1 point in the key file (uncompressed affine `x, y`).
pub const G1_BYTES: u64 = 64;
/// Bytes of a BN254 G2 point in the key file (uncompressed affine, two `Fq2` coordinates).
pub const G2_BYTES: u64 = 128;
/// Bytes of the artifact header before every key (`zkinfer_verifier::HEADER_LEN`).
pub const KEY_HEADER_BYTES: u64 = 84;

impl CircuitStats {
    /// Size of the QAP evaluation domain the prover uses (`zkinfer_prover`'s `QapDomain`): at
    /// least one point per constraint and per instance variable (the constant 1 and every
    /// public input), and the smallest `3^j·2^k` (`j ≤ 2`, BN254's small subgroups) that holds
    /// them, so `3·2^16` for LeNet-5's 186k constraints rather than `2^18`.
    pub fn domain_size(&self) -> u64 {
        let needed = self.constraints as u64 + self.public_inputs as u64 + 1;
        let base = <Fr as FftField>::SMALL_SUBGROUP_BASE.unwrap_or(1) as u64;
        let adicity = <Fr as FftField>::SMALL_SUBGROUP_BASE_ADICITY.unwrap_or(0);
        (0..=adicity)
            .map(|j| {
                let r = base.pow(j);
                r * needed.div_ceil(r).next_power_of_two()
            })
            .min()
            .unwrap_or_else(|| needed.next_power_of_two())
    }

    /// Size of the proving key file `zkinfer setup` writes (format version 2, arkworks'
    /// uncompressed serialization after the 84-byte header), in bytes; loading it needs about
    /// as much memory. With `V = 1 + public + witness` variables, `ℓ = public + 1` and `n` the
    /// [`Self::domain_size`], the key holds
    /// * the verifying key: `α₁` (G1), `β₂, γ₂, δ₂` (G2), `γ_abc` (`ℓ` G1);
    /// * `β₁, δ₁` (G1);
    /// * `a_query`, `b_g1_query` (`V` G1 each), `b_g2_query` (`V` G2);
    /// * `h_query` (`n` G1, coset Lagrange basis; a version-1 key has `n − 1` in powers of τ);
    /// * `l_query` (`witness` G1);
    ///
    /// and every vector has an 8-byte length. G1 points are 64 bytes, G2 128 (compressed they
    /// would be 32 and 64). The file is dominated by `(3V + n + witness)·64 + V·128` bytes.
    pub fn proving_key_bytes(&self) -> u64 {
        let public = self.public_inputs as u64;
        let witness = self.witness_variables as u64;
        let vars = 1 + public + witness;
        let vectors = 6 * 8; // γ_abc, a, b_g1, b_g2, h, l
        let vk = G1_BYTES + 3 * G2_BYTES + (public + 1) * G1_BYTES;
        KEY_HEADER_BYTES
            + vectors
            + vk
            + 2 * G1_BYTES
            + vars * (2 * G1_BYTES + G2_BYTES)
            + self.domain_size() * G1_BYTES
            + witness * G1_BYTES
    }
}
