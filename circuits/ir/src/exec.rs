//! The reference executor: evaluates a [`Graph`] on quantized inputs, keeping every tensor.

use serde::{Deserialize, Serialize};

use crate::{Graph, IrError, QTensor, TensorId};

/// Every tensor of one evaluation, indexed by [`TensorId`]: what the prover turns into a
/// circuit witness, and what tests compare against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Witness {
    /// Values of every tensor, inputs first, then one per node.
    pub tensors: Vec<QTensor>,
}

impl Witness {
    /// The value of one tensor.
    pub fn tensor(&self, id: TensorId) -> &QTensor {
        &self.tensors[id.0]
    }

    /// The graph's outputs, in order.
    pub fn outputs<'a>(&'a self, graph: &Graph) -> Vec<&'a QTensor> {
        graph
            .outputs
            .iter()
            .map(|o| self.tensor(o.tensor))
            .collect()
    }
}

impl Graph {
    /// Runs the model on quantized inputs (one tensor per graph input, in order), checking each
    /// input's shape and range, and returns every intermediate tensor.
    ///
    /// This is the specification the circuit proves: every op's `eval`, applied in node order.
    pub fn eval(&self, inputs: Vec<QTensor>) -> Result<Witness, IrError> {
        if inputs.len() != self.inputs.len() {
            return Err(IrError::InputCount {
                expected: self.inputs.len(),
                found: inputs.len(),
            });
        }
        for (spec, t) in self.inputs.iter().zip(&inputs) {
            if t.shape != spec.fact.shape {
                return Err(IrError::AtInput {
                    input: spec.name.clone(),
                    source: Box::new(IrError::Shape {
                        op: "input",
                        detail: format!("expected shape {:?}, got {:?}", spec.fact.shape, t.shape),
                    }),
                });
            }
            let (min, max) = spec.range();
            if let Some((index, &v)) = t
                .data
                .iter()
                .enumerate()
                .find(|(_, v)| **v < min || **v > max)
            {
                return Err(IrError::AtInput {
                    input: spec.name.clone(),
                    source: Box::new(IrError::OutOfRange {
                        value: v as i128,
                        index,
                        min,
                        max,
                    }),
                });
            }
        }
        let mut tensors = inputs;
        tensors.reserve(self.nodes.len());
        for node in &self.nodes {
            let args = node
                .inputs
                .iter()
                .map(|t| {
                    tensors.get(t.0).ok_or(IrError::UnknownTensor {
                        node: node.name.clone(),
                        tensor: t.0,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let out = node
                .op
                .eval(&args)
                .map_err(|e| e.at_node(&node.name, node.op.name()))?;
            tensors.push(out);
        }
        Ok(Witness { tensors })
    }
}

#[cfg(test)]
mod tests {
    use crate::{Graph, GraphOutput, IrError, Op, QTensor};

    fn tiny() -> Graph {
        let (mut g, y) = crate::fixtures::gemm_rescale([3, -2], 8, 8);
        let r = g.push("relu", Op::Relu, vec![y]).unwrap();
        g.outputs.push(GraphOutput {
            name: "y".into(),
            tensor: r,
        });
        g
    }

    #[test]
    fn evaluates_in_node_order_and_keeps_every_tensor() {
        let g = tiny();
        g.validate().unwrap();
        let w = g
            .eval(vec![QTensor::new(vec![1, 2], vec![10, 4]).unwrap()])
            .unwrap();
        assert_eq!(w.tensors.len(), 4);
        // 3*10 - 2*4 + 8 = 30; 30/4 = 7.5 → 8
        assert_eq!(w.outputs(&g)[0].data, vec![8]);
    }

    #[test]
    fn refuses_out_of_range_inputs_and_wrong_shapes() {
        let g = tiny();
        let e = g
            .eval(vec![QTensor::new(vec![1, 2], vec![10, 128]).unwrap()])
            .unwrap_err();
        assert!(matches!(e, IrError::AtInput { .. }), "{e}");
        let e = g
            .eval(vec![QTensor::new(vec![2], vec![1, 1]).unwrap()])
            .unwrap_err();
        assert!(e.to_string().contains("expected shape"), "{e}");
        assert!(g.eval(vec![]).is_err());
    }

    #[test]
    fn names_the_node_whose_result_overflows() {
        let g = tiny();
        let e = g
            .eval(vec![QTensor::new(vec![1, 2], vec![127, -128]).unwrap()])
            .unwrap_err();
        assert!(e.to_string().contains("fc.rescale"), "{e}");
    }

    #[test]
    fn validate_catches_a_tampered_fact() {
        let mut g = tiny();
        g.nodes[1].fact.scale += 1;
        assert!(matches!(g.validate(), Err(IrError::FactMismatch { .. })));
    }
}
