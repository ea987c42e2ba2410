//! Walks an ONNX graph node by node through the registry, producing the float graph.

use std::collections::HashMap;

use tract_onnx::pb::{self, type_proto, ModelProto};

use crate::float_graph::FGraph;
use crate::ops::{registry, NodeCtx, Registry, Value};
use crate::proto::{decode_tensor, opset_of, Attributes};
use crate::ImportError;
use zkinfer_ir::Limits;

/// Imports a decoded ONNX model into a float graph (before folding), with the default
/// [`Limits`].
#[cfg(test)]
pub fn import_proto(model: &ModelProto) -> Result<FGraph, ImportError> {
    import_proto_with_limits(model, &Limits::default())
}

/// Imports a decoded ONNX model into a float graph (before folding). Every tensor's element
/// count is checked against `limits` as soon as its shape is known: graph inputs on entry,
/// each node's outputs right after the node's shape inference, so no importer ever sees (or
/// allocates from) an oversized shape.
pub fn import_proto_with_limits(
    model: &ModelProto,
    limits: &Limits,
) -> Result<FGraph, ImportError> {
    let graph = model.graph.as_ref().ok_or(ImportError::EmptyGraph)?;
    let opset = opset_of(model, "");
    let reg = registry();
    let mut values: HashMap<String, Value> = HashMap::new();
    for init in &graph.initializer {
        values.insert(init.name.clone(), Value::Const(decode_tensor(init)?));
    }
    let mut fg = FGraph::default();
    for input in &graph.input {
        if values.contains_key(&input.name) {
            continue; // an initializer listed as an input (older exporters)
        }
        let shape = input_shape(input)?;
        limits
            .check_tensor("graph input", &input.name, &shape)
            .map_err(|e| ImportError::Ir {
                node: "graph input".into(),
                op_type: "input".into(),
                source: Box::new(e),
            })?;
        values.insert(input.name.clone(), Value::Tensor(fg.inputs.len()));
        fg.inputs.push((input.name.clone(), shape));
    }
    if fg.inputs.is_empty() || graph.output.is_empty() {
        return Err(ImportError::EmptyGraph);
    }
    for (index, node) in graph.node.iter().enumerate() {
        let before = fg.nodes.len();
        import_node(model, &reg, opset, index, node, &mut values, &mut fg)?;
        for n in &fg.nodes[before..] {
            limits
                .check_tensor(&n.name, &n.name, &n.shape)
                .map_err(|e| ImportError::Ir {
                    node: n.name.clone(),
                    op_type: n.op_type.clone(),
                    source: Box::new(e),
                })?;
        }
    }
    for out in &graph.output {
        match values.get(&out.name) {
            Some(Value::Tensor(t)) => fg.outputs.push((out.name.clone(), *t)),
            Some(Value::Const(_)) => {
                return Err(ImportError::NotTensor {
                    node: "graph output".into(),
                    op_type: "output".into(),
                    index: 0,
                    name: out.name.clone(),
                })
            }
            None => {
                return Err(ImportError::UnknownValue {
                    node: "graph output".into(),
                    name: out.name.clone(),
                })
            }
        }
    }
    Ok(fg)
}

/// Imports one node: looks up its importer, resolves its inputs, binds its output.
fn import_node(
    model: &ModelProto,
    reg: &Registry,
    opset: i64,
    index: usize,
    node: &pb::NodeProto,
    values: &mut HashMap<String, Value>,
    fg: &mut FGraph,
) -> Result<(), ImportError> {
    let name = if node.name.is_empty() {
        format!("{}_{index}", node.op_type)
    } else {
        node.name.clone()
    };
    let importer = match (node.domain.as_str(), reg.get(&node.op_type)) {
        ("" | "ai.onnx", Some(imp)) => imp,
        _ => {
            return Err(ImportError::UnsupportedOp {
                node: name,
                op_type: node.op_type.clone(),
                domain: node.domain.clone(),
                opset: opset_of(model, &node.domain),
            })
        }
    };
    let inputs = node
        .input
        .iter()
        .map(|n| match n.as_str() {
            "" => Ok(None),
            n => values
                .get(n)
                .cloned()
                .map(Some)
                .ok_or_else(|| ImportError::UnknownValue {
                    node: name.clone(),
                    name: n.into(),
                }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut ctx = NodeCtx {
        node,
        name,
        opset,
        attrs: Attributes::new(node),
        inputs,
        graph: fg,
        more_outputs: Vec::new(),
    };
    let out = importer(&mut ctx)?;
    let more = std::mem::take(&mut ctx.more_outputs);
    if let Some(first) = node.output.first() {
        values.insert(first.clone(), out);
    }
    for (i, value) in more {
        match node.output.get(i).map(String::as_str) {
            None | Some("") => {}
            Some(name) => {
                values.insert(name.to_string(), value);
            }
        }
    }
    Ok(())
}

/// The fixed shape of a float graph input.
fn input_shape(input: &pb::ValueInfoProto) -> Result<Vec<usize>, ImportError> {
    let dynamic = |dims: Vec<i64>| ImportError::DynamicShape {
        name: input.name.clone(),
        dims,
    };
    let Some(type_proto::Value::TensorType(tt)) =
        input.r#type.as_ref().and_then(|t| t.value.as_ref())
    else {
        return Err(dynamic(vec![]));
    };
    if tt.elem_type != pb::tensor_proto::DataType::Float as i32 {
        return Err(ImportError::BadTensor {
            name: input.name.clone(),
            detail: format!(
                "graph inputs must be float32 (ONNX type 1), found type {}",
                tt.elem_type
            ),
        });
    }
    let dims: Vec<i64> = tt
        .shape
        .as_ref()
        .map(|s| {
            s.dim
                .iter()
                .map(|d| match d.value {
                    Some(pb::tensor_shape_proto::dimension::Value::DimValue(v)) => v,
                    _ => -1,
                })
                .collect()
        })
        .unwrap_or_default();
    if dims.is_empty() || dims.iter().any(|&d| d <= 0) {
        return Err(dynamic(dims));
    }
    Ok(dims.iter().map(|&d| d as usize).collect())
}
