//! Float-graph simplification before quantization: per-channel affine maps (BatchNorm, bias
//! Add, constant Mul) that directly follow a Gemm or Conv are folded into its weights.
//!
//! Folding is exact in real arithmetic and saves a rounding step (and its constraints) per
//! folded layer; it only happens when the layer's output feeds nothing else.

use crate::float_graph::{FGraph, FNode, FOp};

/// Every simplification, in order: affine chains merged, affine maps folded into layers, max
/// pooling moved before ReLU.
pub fn simplify(g: FGraph) -> FGraph {
    pool_before_relu(fold_affine(merge_affines(g)))
}

/// Merges an affine map that reads another (read by nothing else) into one: `m₂·(m₁·x + a₁) +
/// a₂`. Torch's GELU export ends in `×2` then `×0.5`; a merged map that is the identity
/// becomes a free reshape. Exact in real arithmetic; saves a rounding step per merge.
pub fn merge_affines(mut g: FGraph) -> FGraph {
    let first = g.inputs.len();
    let uses = g.use_counts();
    for j in 0..g.nodes.len() {
        let FOp::Affine { axis, mul, add } = &g.nodes[j].op else {
            continue;
        };
        let src = g.nodes[j].inputs[0];
        if src < first || uses[src] != 1 {
            continue;
        }
        let FOp::Affine {
            axis: a1,
            mul: m1,
            add: d1,
        } = &g.nodes[src - first].op
        else {
            continue;
        };
        let scalar = |m: &[f64], a: &[f64]| m.len() == 1 && a.len() == 1;
        let axis = match (scalar(m1, d1), scalar(mul, add)) {
            (true, _) => *axis,
            (false, true) => *a1,
            (false, false) if a1 == axis => *axis,
            _ => continue,
        };
        let n = [m1.len(), d1.len(), mul.len(), add.len()]
            .into_iter()
            .max()
            .unwrap_or(1);
        if [m1.len(), d1.len(), mul.len(), add.len()]
            .iter()
            .any(|&l| l != 1 && l != n)
        {
            continue;
        }
        let at = |v: &[f64], c: usize| if v.len() == 1 { v[0] } else { v[c] };
        let m: Vec<f64> = (0..n).map(|c| at(mul, c) * at(m1, c)).collect();
        let a: Vec<f64> = (0..n)
            .map(|c| at(mul, c) * at(d1, c) + at(add, c))
            .collect();
        let identity = m.iter().all(|&v| v == 1.0) && a.iter().all(|&v| v == 0.0);
        let shape = g.nodes[j].shape.clone();
        let inputs = g.nodes[src - first].inputs.clone();
        let node = &mut g.nodes[j];
        node.inputs = inputs;
        node.op = if identity {
            FOp::Reshape(shape)
        } else {
            FOp::Affine {
                axis,
                mul: m,
                add: a,
            }
        };
    }
    remove_dead(g)
}

/// Folds affine maps into the preceding dense/conv layer and drops nodes left unused.
pub fn fold_affine(mut g: FGraph) -> FGraph {
    let uses = g.use_counts();
    let first = g.inputs.len();
    for i in 0..g.nodes.len() {
        let FOp::Affine { axis, mul, add } = &g.nodes[i].op else {
            continue;
        };
        let src = g.nodes[i].inputs[0];
        if src < first || uses[src] != 1 {
            continue;
        }
        let prev = &g.nodes[src - first];
        let rank = prev.shape.len();
        let scalar = mul.len() == 1 && add.len() == 1;
        let folded = match &prev.op {
            FOp::Conv {
                geometry,
                weight,
                bias,
            } if scalar || *axis == 1 => {
                let per = geometry.per_out_channel();
                fold(weight, bias, per, mul, add).map(|(weight, bias)| FOp::Conv {
                    geometry: geometry.clone(),
                    weight,
                    bias,
                })
            }
            FOp::Gemm {
                in_features,
                out_features,
                weight,
                bias,
            } if scalar || *axis + 1 == rank => {
                fold(weight, bias, *in_features, mul, add).map(|(weight, bias)| FOp::Gemm {
                    in_features: *in_features,
                    out_features: *out_features,
                    weight,
                    bias,
                })
            }
            _ => None,
        };
        if let Some(op) = folded {
            let name = format!("{}+{}", prev.name, g.nodes[i].name);
            let node = FNode {
                name,
                op_type: prev.op_type.clone(),
                op,
                inputs: prev.inputs.clone(),
                shape: g.nodes[i].shape.clone(),
            };
            g.nodes[i] = node;
        }
    }
    remove_dead(g)
}

/// Rewrites `Relu → MaxPool` as `MaxPool → Relu` (equal results: ReLU is monotone), so the
/// pooling reads the layer's output directly and its rounding step can follow the pooling.
pub fn pool_before_relu(mut g: FGraph) -> FGraph {
    let first = g.inputs.len();
    let uses = g.use_counts();
    for j in 0..g.nodes.len() {
        let FOp::MaxPool(_) = g.nodes[j].op else {
            continue;
        };
        let src = g.nodes[j].inputs[0];
        if src < first || uses[src] != 1 || !matches!(g.nodes[src - first].op, FOp::Relu) {
            continue;
        }
        let i = src - first;
        let relu_input = g.nodes[i].inputs[0];
        let (relu, pool) = (g.nodes[i].clone(), g.nodes[j].clone());
        g.nodes[i] = FNode {
            inputs: vec![relu_input],
            ..pool.clone()
        };
        g.nodes[j] = FNode {
            inputs: vec![src],
            shape: pool.shape,
            ..relu
        };
    }
    g
}

/// `w'[o] = w[o]·mul[o]`, `b'[o] = b[o]·mul[o] + add[o]` for rows of `per` weights.
fn fold(
    weight: &[f64],
    bias: &[f64],
    per: usize,
    mul: &[f64],
    add: &[f64],
) -> Option<(Vec<f64>, Vec<f64>)> {
    let n = bias.len();
    let pick = |v: &[f64], o: usize| {
        if v.len() == 1 {
            Some(v[0])
        } else {
            v.get(o).copied()
        }
    };
    if (mul.len() != 1 && mul.len() != n) || (add.len() != 1 && add.len() != n) {
        return None;
    }
    let mut w = weight.to_vec();
    let mut b = bias.to_vec();
    for o in 0..n {
        let (m, a) = (pick(mul, o)?, pick(add, o)?);
        w[o * per..(o + 1) * per].iter_mut().for_each(|v| *v *= m);
        b[o] = b[o] * m + a;
    }
    Some((w, b))
}

/// Drops nodes whose outputs nothing reads, renumbering tensors.
pub fn remove_dead(g: FGraph) -> FGraph {
    let first = g.inputs.len();
    let mut live = vec![false; first + g.nodes.len()];
    for (_, t) in &g.outputs {
        live[*t] = true;
    }
    for i in (0..g.nodes.len()).rev() {
        if live[first + i] {
            for &t in &g.nodes[i].inputs {
                live[t] = true;
            }
        }
    }
    let mut new_id: Vec<usize> = (0..first).collect();
    let mut out = FGraph {
        inputs: g.inputs,
        nodes: Vec::new(),
        outputs: Vec::new(),
    };
    for (i, mut node) in g.nodes.into_iter().enumerate() {
        if live[first + i] {
            node.inputs = node.inputs.iter().map(|&t| new_id[t]).collect();
            new_id.push(first + out.nodes.len());
            out.nodes.push(node);
        } else {
            new_id.push(usize::MAX);
        }
    }
    out.outputs = g.outputs.into_iter().map(|(n, t)| (n, new_id[t])).collect();
    out
}
