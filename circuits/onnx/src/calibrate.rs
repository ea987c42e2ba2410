//! Calibration: the largest magnitude each float tensor reaches over the calibration samples.

use zkinfer_ir::IrError;

use crate::float_graph::FGraph;

/// Per-tensor maximum absolute value over all samples (indexed like the float graph's tensors).
pub fn ranges(g: &FGraph, samples: &[Vec<Vec<f64>>]) -> Result<Vec<f64>, IrError> {
    let mut max_abs = vec![0.0f64; g.inputs.len() + g.nodes.len()];
    for sample in samples {
        for (t, values) in g.eval(sample)?.iter().enumerate() {
            let m = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            max_abs[t] = max_abs[t].max(m);
        }
    }
    Ok(max_abs)
}
