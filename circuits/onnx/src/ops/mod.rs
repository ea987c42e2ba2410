//! The op registry: ONNX op type → importer. One file per op family, each with a `register`.
//!
//! An op absent from the registry is refused at import with the node, op type and opset, so a
//! model that imports is a model the circuit can prove.

mod broadcast;
mod math;
mod movement;
mod nn;
mod normalize;
mod pad;
mod recurrent;
mod reduce;
mod shape;
mod split;
mod tables;

use std::collections::BTreeMap;

use tract_onnx::pb::NodeProto;
use zkinfer_ir::IrError;

use crate::float_graph::{FGraph, FOp};
use crate::proto::{Attributes, ConstTensor};
use crate::ImportError;

/// What an ONNX value name refers to during import.
#[derive(Clone, Debug)]
pub enum Value {
    /// A tensor computed by the float graph (its id).
    Tensor(usize),
    /// A constant known at import time.
    Const(ConstTensor),
}

/// Everything an importer needs about one node.
pub struct NodeCtx<'a> {
    /// The ONNX node.
    pub node: &'a NodeProto,
    /// Node name (synthesised when the file has none).
    pub name: String,
    /// The default-domain opset the model imports.
    pub opset: i64,
    /// The node's attributes.
    pub attrs: Attributes<'a>,
    /// Resolved inputs; `None` for an omitted optional input.
    pub inputs: Vec<Option<Value>>,
    /// The graph being built.
    pub graph: &'a mut FGraph,
    /// Values of outputs after the first (Split's parts, a recurrent op's final state), by
    /// output position; the importer's return value is output 0.
    pub more_outputs: Vec<(usize, Value)>,
}

impl NodeCtx<'_> {
    /// The ONNX op type.
    pub fn op_type(&self) -> &str {
        &self.node.op_type
    }

    /// Refuses a node whose input count is outside `min..=max`.
    pub fn arity(&self, min: usize, max: usize) -> Result<(), ImportError> {
        let found = self.inputs.len();
        if found < min || found > max || self.inputs.iter().take(min).any(Option::is_none) {
            let expected = if min == max {
                min.to_string()
            } else {
                format!("{min} to {max}")
            };
            return Err(ImportError::Arity {
                node: self.name.clone(),
                op_type: self.op_type().into(),
                expected,
                found,
            });
        }
        Ok(())
    }

    fn input_name(&self, i: usize) -> String {
        self.node.input.get(i).cloned().unwrap_or_default()
    }

    /// Input `i`, which must be a computed tensor.
    pub fn tensor(&self, i: usize) -> Result<usize, ImportError> {
        match self.inputs.get(i) {
            Some(Some(Value::Tensor(t))) => Ok(*t),
            _ => Err(ImportError::NotTensor {
                node: self.name.clone(),
                op_type: self.op_type().into(),
                index: i,
                name: self.input_name(i),
            }),
        }
    }

    /// Input `i`, which must be a constant.
    pub fn constant(&self, i: usize) -> Result<&ConstTensor, ImportError> {
        match self.inputs.get(i) {
            Some(Some(Value::Const(c))) => Ok(c),
            _ => Err(ImportError::NotConstant {
                node: self.name.clone(),
                op_type: self.op_type().into(),
                index: i,
                name: self.input_name(i),
            }),
        }
    }

    /// Optional input `i`: `None` when omitted, else it must be a constant.
    pub fn opt_constant(&self, i: usize) -> Result<Option<&ConstTensor>, ImportError> {
        match self.inputs.get(i) {
            None | Some(None) => Ok(None),
            Some(Some(_)) => self.constant(i).map(Some),
        }
    }

    /// An `UnsupportedAttribute` error for this node.
    pub fn unsupported(&self, attribute: &str, detail: impl Into<String>) -> ImportError {
        ImportError::UnsupportedAttribute {
            node: self.name.clone(),
            op_type: self.op_type().into(),
            attribute: attribute.into(),
            detail: detail.into(),
        }
    }

    /// Maps a shape/parameter error to this node.
    pub fn ir_error(&self, source: IrError) -> ImportError {
        ImportError::Ir {
            node: self.name.clone(),
            op_type: self.op_type().into(),
            source: Box::new(source),
        }
    }

    /// Binds output `i` (≥ 1) of the node to `value`; outputs left unbound are unknown to
    /// every later node.
    pub fn set_output(&mut self, i: usize, value: Value) {
        self.more_outputs.push((i, value));
    }

    /// How many outputs the node names (empty names included).
    pub fn output_count(&self) -> usize {
        self.node.output.len()
    }

    /// Shape of a computed tensor.
    pub fn shape(&self, t: usize) -> Vec<usize> {
        self.graph.shape(t).to_vec()
    }

    /// Appends a float node named after this ONNX node (plus `suffix`).
    pub fn push(
        &mut self,
        suffix: &str,
        op: FOp,
        inputs: Vec<usize>,
    ) -> Result<Value, ImportError> {
        self.push_tensor(suffix, op, inputs).map(Value::Tensor)
    }

    /// [`NodeCtx::push`], returning the new tensor's id (for an op that becomes several nodes).
    pub fn push_tensor(
        &mut self,
        suffix: &str,
        op: FOp,
        inputs: Vec<usize>,
    ) -> Result<usize, ImportError> {
        let name = format!("{}{suffix}", self.name);
        let op_type = self.node.op_type.clone();
        self.graph
            .push(&name, &op_type, op, inputs)
            .map_err(|e| self.ir_error(e))
    }
}

/// Builds the float op(s) for one ONNX node and returns the value of its first output.
pub type Importer = fn(&mut NodeCtx<'_>) -> Result<Value, ImportError>;

/// ONNX op type → importer.
#[derive(Default)]
pub struct Registry(BTreeMap<&'static str, Importer>);

impl Registry {
    /// Registers an importer for an op type.
    pub fn insert(&mut self, op_type: &'static str, importer: Importer) {
        self.0.insert(op_type, importer);
    }

    /// The importer for an op type, if supported.
    pub fn get(&self, op_type: &str) -> Option<Importer> {
        self.0.get(op_type).copied()
    }

    /// Every supported op type, sorted.
    pub fn op_types(&self) -> Vec<&'static str> {
        self.0.keys().copied().collect()
    }
}

/// The registry of every op zkinfer imports.
pub fn registry() -> Registry {
    let mut reg = Registry::default();
    nn::register(&mut reg);
    math::register(&mut reg);
    shape::register(&mut reg);
    movement::register(&mut reg);
    tables::register(&mut reg);
    reduce::register(&mut reg);
    normalize::register(&mut reg);
    recurrent::register(&mut reg);
    split::register(&mut reg);
    pad::register(&mut reg);
    reg
}

/// Reads an integer-list attribute as `usize`s, refusing negatives.
pub(crate) fn usizes(
    ctx: &NodeCtx<'_>,
    attr: &str,
    default: Vec<usize>,
) -> Result<Vec<usize>, ImportError> {
    match ctx.attrs.ints(attr) {
        None => Ok(default),
        Some(v) => v
            .iter()
            .map(|&x| {
                usize::try_from(x).map_err(|_| ctx.unsupported(attr, format!("negative value {x}")))
            })
            .collect(),
    }
}
