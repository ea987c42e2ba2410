//! R1CS lowering of the zkinfer integer model over the BN254 scalar field.
//!
//! [`ModelCircuit`] turns a [`zkinfer_ir::CompiledModel`] (and, when proving, the reference
//! executor's [`zkinfer_ir::Witness`]) into arkworks constraints. Weights are circuit constants,
//! so Gemm, Conv, affine maps, sum pooling, additions and reshapes are linear combinations and
//! cost no multiplication constraints; only the gadgets in [`gadgets`] cost constraints:
//! rescale (remainder and result range-checked), ReLU (sign bit), Clip and MaxPool
//! (comparisons), the range check of the private input, and the Poseidon input commitment.
//!
//! [`estimate_graph`] counts the circuit's constraints, public inputs and witness variables from
//! the IR alone (each gadget's `cost` summed; nothing synthesized), and
//! [`CircuitStats::proving_key_bytes`] sizes its proving key: use them to refuse an oversized
//! model before setup. [`estimate`] synthesizes the circuit in setup mode to count the same.
//!
//! Public inputs, in order (the layout the verifier and the contracts share):
//! 1. the input commitment: Poseidon over the packed quantized input ([`gadgets::poseidon`]);
//! 2. the binding `job_id · 2^160 + provider` ([`binding_value`]);
//! 3. the outputs, offset to unsigned and packed several to a field element ([`OutputPacking`]);
//! 4. in lookup mode only, the Fiat–Shamir challenge `c` of the lookup argument ([`lookup`]).
//!
//! A model is proved in plain mode (one-round Groth16, range checks by bit decomposition) or
//! in lookup mode (two-round Groth16, range checks by LogUp lookups: [`lookup`]), as its
//! [`zkinfer_ir::ProofMode`] says; [`choose_mode`] picks one from the estimates.

mod cell;
mod circuit;
mod cost;
mod error;
mod estimate;
pub mod gadgets;
pub mod lookup;
mod lower;
mod packing;

pub use circuit::{estimate, CircuitStats, ModelCircuit, ProofBinding};
pub use cost::{Cost, Tally};
pub use error::R1csError;
pub use estimate::{estimate_graph, G1_BYTES, G2_BYTES, KEY_HEADER_BYTES};
pub use lookup::{
    choose_mode, estimate_graph_mode, LookupTrace, ModeChoice, ModeRequest, RangeChecker,
};
pub use packing::{binding_value, pack_positions, OutputPacking, PACK_BITS};

/// The BN254 scalar field.
pub type Fr = ark_bn254::Fr;

/// Maps a signed integer into the field (`−v` as `p − v`).
pub fn fr_from_i128(v: i128) -> Fr {
    if v < 0 {
        -Fr::from(v.unsigned_abs())
    } else {
        Fr::from(v as u128)
    }
}
