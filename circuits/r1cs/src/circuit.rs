//! The model circuit: public inputs, the input range check and commitment, every node's
//! lowering, the packed outputs, and in lookup mode the lookup argument and its challenge.

use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, LinearCombination,
    SynthesisError, SynthesisMode, Variable,
};
use zkinfer_ir::{CompiledModel, Op, ProofMode, Witness};

use crate::cell::{combine, Cell};
use crate::estimate::tally_graph;
use crate::gadgets::poseidon;
use crate::gadgets::range::{decompose, pow2, weighted_sum};
use crate::lookup::{FunctionDemand, LookupTrace, RangeChecker, RangeMode, RangePlan};
use crate::lower::Lowering;
use crate::packing::{binding_value, pack_positions, OutputPacking};
use crate::{fr_from_i128, Fr, R1csError};

/// Field elements as linear combinations, with their values when proving.
type Packed = Vec<(LinearCombination<Fr>, Option<Fr>)>;

/// Who may be paid for the proof: the chain, the escrow contract, the job on it and the
/// provider's address. A proof for one of them pays on no other chain, escrow, job or sender.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProofBinding {
    /// The EVM chain id (`block.chainid`); 0 for a proof not meant for a chain.
    pub chain_id: u64,
    /// The escrow contract's address (zero for a proof not meant for an escrow).
    pub escrow: [u8; 20],
    /// The escrow job id.
    pub job_id: u64,
    /// The provider's 20-byte address.
    pub provider: [u8; 20],
}

impl ProofBinding {
    /// The binding public input ([`binding_value`]).
    pub fn value(&self) -> Fr {
        binding_value(self.chain_id, self.escrow, self.job_id, self.provider)
    }
}

/// The circuit of one compiled model; with a witness it proves one inference.
pub struct ModelCircuit<'a> {
    /// The model.
    pub model: &'a CompiledModel,
    /// The reference executor's witness (`None` for setup).
    pub witness: Option<&'a Witness>,
    /// Job and provider the proof is bound to.
    pub binding: ProofBinding,
}

/// Size of a model's circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CircuitStats {
    /// R1CS constraints.
    pub constraints: usize,
    /// Public inputs (without the constant 1; in lookup mode with the challenge).
    pub public_inputs: usize,
    /// Private witness variables (both rounds).
    pub witness_variables: usize,
    /// Witness variables of round 2 (lookup mode: they depend on the challenge and are dense,
    /// the most expensive for the prover); 0 in plain mode.
    pub round2_witness: usize,
}

/// Counts constraints and variables by synthesizing the circuit (in the model's proof mode)
/// in setup mode.
pub fn estimate(model: &CompiledModel) -> Result<CircuitStats, R1csError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    let trace = ModelCircuit {
        model,
        witness: None,
        binding: ProofBinding::default(),
    }
    .synthesize(&cs)?;
    Ok(CircuitStats {
        constraints: cs.num_constraints(),
        public_inputs: cs.num_instance_variables() - 1,
        witness_variables: cs.num_witness_variables(),
        round2_witness: trace.map_or(0, |t| t.round2_len()),
    })
}

impl ModelCircuit<'_> {
    fn check_witness(&self) -> Result<(), R1csError> {
        let Some(w) = self.witness else { return Ok(()) };
        let g = &self.model.graph;
        if w.tensors.len() != g.inputs.len() + g.nodes.len() {
            return Err(R1csError::WitnessMismatch(format!(
                "{} tensors for a model with {}",
                w.tensors.len(),
                g.inputs.len() + g.nodes.len()
            )));
        }
        for (i, t) in w.tensors.iter().enumerate() {
            let shape = &g
                .fact(zkinfer_ir::TensorId(i))
                .map(|f| f.shape.clone())
                .unwrap_or_default();
            if &t.shape != shape || t.len() != shape.iter().product::<usize>() {
                return Err(R1csError::WitnessMismatch(format!(
                    "tensor {i} has shape {:?}, the model says {shape:?}",
                    t.shape
                )));
            }
        }
        Ok(())
    }

    /// Range-checks every input value to its bit width and packs the offset values into
    /// field elements (no extra constraints): plain mode decomposes `x + 2^(b−1)` and packs
    /// its bits (the top bit is `x`'s sign bit); lookup mode checks `x + 2^(b−1)` in `b` bits
    /// and packs that combination itself. The packed values are the same in both modes.
    fn lower_inputs(
        &self,
        cs: &ConstraintSystemRef<Fr>,
        rc: &RangeChecker,
    ) -> Result<(Vec<Vec<Cell>>, Packed), R1csError> {
        let mut cells = Vec::new();
        let mut slots: Vec<(LinearCombination<Fr>, Option<u128>, u32)> = Vec::new();
        for (i, input) in self.model.graph.inputs.iter().enumerate() {
            let b = input.bits;
            let mut tensor = Vec::with_capacity(input.fact.len());
            for j in 0..input.fact.len() {
                let val = self.witness.map(|w| w.tensors[i].data[j] as i128);
                let x = cs.new_witness_variable(|| {
                    val.map(fr_from_i128)
                        .ok_or(SynthesisError::AssignmentMissing)
                })?;
                let xlc = LinearCombination(vec![(Fr::from(1u8), x)]);
                if rc.mode() == RangeMode::Lookup {
                    let offset = combine([(Fr::from(1u8), &xlc)], pow2(b - 1));
                    let unsigned = val.map(|v| v + (1i128 << (b - 1)));
                    rc.check(cs, &offset, unsigned, b)?;
                    slots.push((offset, unsigned.map(|v| v as u128), b));
                    tensor.push(Cell::var(x, val));
                    continue;
                }
                let bits = decompose(
                    cs,
                    &xlc,
                    pow2(b - 1),
                    val.map(|v| v + (1i128 << (b - 1))),
                    b,
                )?;
                slots.push((
                    weighted_sum(&bits),
                    val.map(|v| (v + (1i128 << (b - 1))) as u128),
                    b,
                ));
                tensor.push(Cell {
                    lc: xlc,
                    val,
                    sign: bits.last().copied(),
                });
            }
            cells.push(tensor);
        }
        Ok((cells, pack(&slots)))
    }
}

/// Packs `(lc, value, bits)` slots into field elements of at most [`crate::PACK_BITS`] bits, the first
/// slot least significant, greedily by accumulated width ([`pack_positions`]: the layout the
/// verifier's native `commit_input` uses).
fn pack(
    slots: &[(LinearCombination<Fr>, Option<u128>, u32)],
) -> Vec<(LinearCombination<Fr>, Option<Fr>)> {
    // Per element: its weighted slot terms and its value (when proving).
    type Chunk<'a> = (Vec<(Fr, &'a LinearCombination<Fr>)>, Option<Fr>);
    let mut chunks: Vec<Chunk<'_>> = Vec::new();
    for ((lc, v, _), (element, shift)) in
        slots.iter().zip(pack_positions(slots.iter().map(|s| s.2)))
    {
        if element == chunks.len() {
            chunks.push((Vec::new(), Some(Fr::from(0u8))));
        }
        let (terms, value) = &mut chunks[element];
        let weight = pow2(shift);
        *value = value.zip(*v).map(|(acc, v)| acc + Fr::from(v) * weight);
        terms.push((weight, lc));
    }
    chunks
        .into_iter()
        .map(|(terms, value)| (combine(terms, Fr::from(0u8)), value))
        .collect()
}

impl ConstraintSynthesizer<Fr> for ModelCircuit<'_> {
    /// [`ModelCircuit::synthesize`], discarding the lookup trace.
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        self.synthesize(&cs).map(|_| ()).map_err(|e| match e {
            R1csError::Synthesis(s) => s,
            _ => SynthesisError::Unsatisfiable,
        })
    }
}

impl ModelCircuit<'_> {
    /// Builds every constraint; the public inputs are allocated in the documented order.
    ///
    /// In lookup mode (the model's [`ProofMode`]) the range checks are lookups, the challenge
    /// is the last public input, and the returned [`LookupTrace`] tells the prover how to run
    /// the two rounds (the trace is the same in setup and prove mode; when proving, the mask,
    /// the challenge and the round-2 wires hold 0 until [`LookupTrace::fill`]). `None` in
    /// plain mode, whose circuit is exactly the one-round circuit.
    pub fn synthesize(
        &self,
        cs: &ConstraintSystemRef<Fr>,
    ) -> Result<Option<LookupTrace>, R1csError> {
        self.check_witness()?;
        let proving = self.witness.is_some();
        let graph = &self.model.graph;
        let rc = match self.model.proof_mode {
            ProofMode::Plain => {
                if let Some(node) = graph.nodes.iter().find(|n| matches!(n.op, Op::Table(_))) {
                    return Err(crate::lookup::table_needs_lookup(Some(node)));
                }
                RangeChecker::bits()
            }
            ProofMode::Lookup { limb_bits } => {
                let (tally, _) = tally_graph(graph, RangeMode::Lookup)?;
                let functions = FunctionDemand::of(&tally.functions);
                RangeChecker::lookup(
                    cs,
                    RangePlan::new_with(limb_bits, &tally.checks, functions)?,
                )
            }
        };

        // 1. Input commitment.
        let (input_cells, packed) = self.lower_inputs(cs, &rc)?;
        let total: usize = graph.inputs.iter().map(|i| i.fact.len()).sum();
        let digest = poseidon::commit(cs, &poseidon::params(), total as u64, &packed)?;
        let commitment = cs.new_input_variable(|| {
            if proving {
                digest.value()
            } else {
                Err(SynthesisError::AssignmentMissing)
            }
        })?;
        if let FpVar::Var(v) = &digest {
            let dv = v.variable;
            cs.enforce_r1cs_constraint(
                || dv.into(),
                || Variable::One.into(),
                || commitment.into(),
            )?;
        }

        // 2. Binding: a hash of (chain, escrow, job, provider), public and otherwise free. Its
        //    structure is checked by whoever builds the public inputs (the escrow, the verifier);
        //    Groth16 binds every public input (each has its own instance row in the QAP), so no
        //    constraint on it is needed here.
        let bind_val = proving.then(|| self.binding.value());
        let _binding =
            cs.new_input_variable(|| bind_val.ok_or(SynthesisError::AssignmentMissing))?;

        // 3. The model.
        let mut lowering = Lowering {
            cs: cs.clone(),
            witness: self.witness,
            rc: rc.clone(),
            cells: input_cells,
            tables: Default::default(),
        };
        for (i, node) in graph.nodes.iter().enumerate() {
            let facts: Vec<&zkinfer_ir::Fact> =
                node.inputs.iter().filter_map(|t| graph.fact(*t)).collect();
            let cells = lowering
                .node(node, graph.inputs.len() + i, &facts)
                .map_err(|e| match e {
                    R1csError::Synthesis(s) => R1csError::Synthesis(s),
                    other => R1csError::WitnessMismatch(format!("node `{}`: {other}", node.name)),
                })?;
            lowering.cells.push(cells);
        }

        // 4. Packed outputs.
        let layout = OutputPacking::for_graph(graph);
        let half = 1i128 << (layout.slot_bits - 1);
        let slots: Vec<(LinearCombination<Fr>, Option<u128>, u32)> = graph
            .outputs
            .iter()
            .flat_map(|o| lowering.cells[o.tensor.0].iter())
            .map(|c| {
                let mut lc = c.lc.clone();
                lc.0.push((fr_from_i128(half), Variable::One));
                lc.compactify();
                (lc, c.val.map(|v| (v + half) as u128), layout.slot_bits)
            })
            .collect();
        for (lc, value) in pack(&slots) {
            let public =
                cs.new_input_variable(|| value.ok_or(SynthesisError::AssignmentMissing))?;
            cs.enforce_r1cs_constraint(|| lc, || Variable::One.into(), || public.into())?;
        }

        // 5. Lookup mode: the lookup argument, with the challenge as the last public input.
        rc.finish(cs)
    }
}
