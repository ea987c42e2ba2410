//! The integer model graph: inputs, topologically ordered nodes, outputs.

use serde::{Deserialize, Serialize};

use crate::{quantize, Fact, InputError, IrError, Op};

/// Index of a tensor: graph inputs come first (`0..inputs.len()`), then one tensor per node in
/// node order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TensorId(pub usize);

/// A model input: quantized at `fact.scale` and range-checked to `bits` signed bits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphInput {
    /// The ONNX input name.
    pub name: String,
    /// Shape and scale; `max_abs` is `2^(bits−1)`.
    pub fact: Fact,
    /// Signed bit width the circuit range-checks every input value to.
    pub bits: u32,
}

impl GraphInput {
    /// Smallest and largest allowed quantized value.
    pub fn range(&self) -> (i64, i64) {
        let half = 1i64 << (self.bits - 1);
        (-half, half - 1)
    }
}

/// One operation applied to earlier tensors, producing the next tensor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// Name of the ONNX node it came from (with a suffix when one ONNX node became several).
    pub name: String,
    /// The operation.
    #[serde(flatten)]
    pub op: Op,
    /// Operand tensors.
    pub inputs: Vec<TensorId>,
    /// The output's fact, as inferred at compile time (checked again on load).
    pub fact: Fact,
}

/// A model output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphOutput {
    /// The ONNX output name.
    pub name: String,
    /// The tensor holding it.
    pub tensor: TensorId,
}

/// A quantized model: the thing the circuit proves.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Graph {
    /// Inputs, in ONNX order.
    pub inputs: Vec<GraphInput>,
    /// Nodes in topological order.
    pub nodes: Vec<Node>,
    /// Outputs, in ONNX order.
    pub outputs: Vec<GraphOutput>,
}

impl Graph {
    /// The id the next pushed node's output will get.
    pub fn next_tensor(&self) -> TensorId {
        TensorId(self.inputs.len() + self.nodes.len())
    }

    /// Infers the node's fact, appends it, and returns its output tensor.
    pub fn push(
        &mut self,
        name: impl Into<String>,
        op: Op,
        inputs: Vec<TensorId>,
    ) -> Result<TensorId, IrError> {
        let name = name.into();
        let facts = inputs
            .iter()
            .map(|t| {
                self.fact(*t).ok_or(IrError::UnknownTensor {
                    node: name.clone(),
                    tensor: t.0,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let fact = op.infer(&facts).map_err(|e| e.at_node(&name, op.name()))?;
        let id = self.next_tensor();
        self.nodes.push(Node {
            name,
            op,
            inputs,
            fact,
        });
        Ok(id)
    }

    /// The shape of each input, in order (what `InputData::single` checks a sample against).
    pub fn input_shapes(&self) -> Vec<Vec<usize>> {
        self.inputs.iter().map(|i| i.fact.shape.clone()).collect()
    }

    /// Quantizes one float sample (one flat list per input) with each input's scale and range.
    pub fn quantize_inputs(&self, sample: &[Vec<f64>]) -> Result<Vec<Vec<i64>>, InputError> {
        self.inputs
            .iter()
            .zip(sample)
            .enumerate()
            .map(|(i, (spec, values))| quantize(i, values, spec.fact.scale, spec.bits))
            .collect()
    }

    /// The fact of a tensor, if it exists.
    pub fn fact(&self, t: TensorId) -> Option<&Fact> {
        if t.0 < self.inputs.len() {
            Some(&self.inputs[t.0].fact)
        } else {
            self.nodes.get(t.0 - self.inputs.len()).map(|n| &n.fact)
        }
    }

    /// The facts of the outputs, in order.
    pub fn output_facts(&self) -> Vec<&Fact> {
        self.outputs
            .iter()
            .filter_map(|o| self.fact(o.tensor))
            .collect()
    }

    /// Checks the graph is well formed: operands defined before use, every stored fact equal
    /// to the inferred one, input facts consistent with their bit widths, outputs defined.
    pub fn validate(&self) -> Result<(), IrError> {
        for input in &self.inputs {
            crate::shape_len("graph input", &input.fact.shape)
                .map_err(|e| e.at_node(&input.name, "input"))?;
            if !(2..=62).contains(&input.bits) || input.fact.max_abs != 1u64 << (input.bits - 1) {
                return Err(IrError::FactMismatch {
                    node: input.name.clone(),
                    stored: input.fact.to_string(),
                    inferred: format!("a {}-bit range-checked input", input.bits),
                });
            }
        }
        for (i, node) in self.nodes.iter().enumerate() {
            let here = self.inputs.len() + i;
            let facts = node
                .inputs
                .iter()
                .map(|t| {
                    if t.0 >= here {
                        return Err(IrError::UnknownTensor {
                            node: node.name.clone(),
                            tensor: t.0,
                        });
                    }
                    self.fact(*t).ok_or(IrError::UnknownTensor {
                        node: node.name.clone(),
                        tensor: t.0,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let inferred = node
                .op
                .infer(&facts)
                .map_err(|e| e.at_node(&node.name, node.op.name()))?;
            if inferred != node.fact {
                return Err(IrError::FactMismatch {
                    node: node.name.clone(),
                    stored: node.fact.to_string(),
                    inferred: inferred.to_string(),
                });
            }
        }
        for out in &self.outputs {
            if self.fact(out.tensor).is_none() {
                return Err(IrError::UnknownTensor {
                    node: format!("output {}", out.name),
                    tensor: out.tensor.0,
                });
            }
        }
        Ok(())
    }

    /// Counts nodes per op name, for reports.
    pub fn op_histogram(&self) -> Vec<(&'static str, usize)> {
        let mut counts: Vec<(&'static str, usize)> = Vec::new();
        for n in &self.nodes {
            match counts.iter_mut().find(|(k, _)| *k == n.op.name()) {
                Some((_, c)) => *c += 1,
                None => counts.push((n.op.name(), 1)),
            }
        }
        counts
    }
}
