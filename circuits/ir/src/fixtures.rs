//! Tiny hand-built graphs for unit tests across crates (enabled by `cfg(test)` here and by the
//! `test-support` feature elsewhere): one place instead of a copy per test module.

// Test support: a fixture that cannot be built is a bug in the fixture, so it panics.
#![allow(clippy::expect_used)]

use crate::ops::{Gemm, Rescale};
use crate::{CompiledModel, Fact, Graph, GraphInput, GraphOutput, Op, QuantizeSettings, TensorId};

/// `x: [1, 2]` (scale 4, 8 bits) → Gemm `[weight[0], weight[1]]` + `bias` (weight scale 2) →
/// Rescale by 2 to `bits` bits. Returns the graph (no outputs yet) and the rescaled tensor.
pub fn gemm_rescale(weight: [i64; 2], bias: i64, bits: u32) -> (Graph, TensorId) {
    let mut g = Graph {
        inputs: vec![GraphInput {
            name: "x".into(),
            fact: Fact {
                shape: vec![1, 2],
                scale: 4,
                max_abs: 128,
            },
            bits: 8,
        }],
        ..Graph::default()
    };
    let gemm = Gemm {
        out_features: 1,
        in_features: 2,
        weight: weight.to_vec(),
        bias: vec![bias],
        weight_scale: 2,
    };
    let acc = g
        .push("fc", Op::Gemm(gemm), vec![TensorId(0)])
        .expect("a valid Gemm");
    let y = g
        .push(
            "fc.rescale",
            Op::Rescale(Rescale { shift: 2, bits }),
            vec![acc],
        )
        .expect("a valid Rescale");
    (g, y)
}

/// `y = rescale(x·[w, 1])` as a compiled model with default settings: models that differ only
/// in `w` have different ids.
pub fn tiny_model(w: i64) -> CompiledModel {
    let (mut g, y) = gemm_rescale([w, 1], 0, 12);
    g.outputs.push(GraphOutput {
        name: "y".into(),
        tensor: y,
    });
    CompiledModel::new(g, QuantizeSettings::default()).expect("a valid model")
}
