//! The public-input layout of a compiled model, as the verifier needs it.

use zkinfer_ir::CompiledModel;
use zkinfer_r1cs::OutputPacking;
use zkinfer_verifier::PublicLayout;

/// Builds the layout the circuit of `model` uses.
pub fn public_layout(model: &CompiledModel) -> PublicLayout {
    let g = &model.graph;
    let packing = OutputPacking::for_graph(g);
    let outputs = g.output_facts();
    PublicLayout {
        input_bits: g.inputs.iter().map(|i| i.bits).collect(),
        input_lens: g.inputs.iter().map(|i| i.fact.len()).collect(),
        input_scales: g.inputs.iter().map(|i| i.fact.scale).collect(),
        output_slot_bits: packing.slot_bits,
        output_per_element: packing.per_element,
        output_shapes: outputs.iter().map(|f| f.shape.clone()).collect(),
        output_scales: outputs.iter().map(|f| f.scale).collect(),
        binding_scheme: zkinfer_verifier::BINDING_SCHEME,
    }
}
