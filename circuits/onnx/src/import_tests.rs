//! Importer tests on hand-built ONNX protobufs: attribute handling and refusals that the
//! fixture models do not exercise.

use tract_onnx::pb::{
    attribute_proto::AttributeType, tensor_proto::DataType, tensor_shape_proto,
    tensor_shape_proto::dimension, type_proto, AttributeProto, GraphProto, ModelProto, NodeProto,
    OperatorSetIdProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};

use crate::float_graph::FOp;
use crate::import::import_proto;
use crate::ImportError;

fn value_info(name: &str, dims: &[i64]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|&d| tensor_shape_proto::Dimension {
            value: Some(dimension::Value::DimValue(d)),
            ..Default::default()
        })
        .collect();
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: DataType::Float as i32,
                shape: Some(TensorShapeProto { dim }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn floats(name: &str, dims: &[i64], data: Vec<f32>) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: DataType::Float as i32,
        float_data: data,
        ..Default::default()
    }
}

/// A 1-D int64 initializer (Slice bounds, Gather indices, axes).
fn ints(name: &str, v: Vec<i64>) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: vec![v.len() as i64],
        data_type: DataType::Int64 as i32,
        int64_data: v,
        ..Default::default()
    }
}

fn ints_attr(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: AttributeType::Ints as i32,
        ints: v.to_vec(),
        ..Default::default()
    }
}

fn int_attr(name: &str, v: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: AttributeType::Int as i32,
        i: v,
        ..Default::default()
    }
}

fn str_attr(name: &str, v: &str) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: AttributeType::String as i32,
        s: v.as_bytes().to_vec(),
        ..Default::default()
    }
}

fn node(op: &str, inputs: &[&str], attrs: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        name: format!("{op}_node"),
        op_type: op.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec!["y".into()],
        attribute: attrs,
        ..Default::default()
    }
}

fn model(input: &[i64], nodes: Vec<NodeProto>, inits: Vec<TensorProto>) -> ModelProto {
    ModelProto {
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: 13,
        }],
        graph: Some(GraphProto {
            node: nodes,
            initializer: inits,
            input: vec![value_info("x", input)],
            output: vec![value_info("y", &[])],
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn same_upper_padding_keeps_the_spatial_size() {
    let w = floats("w", &[2, 1, 3, 3], vec![0.1; 18]);
    let conv = node(
        "Conv",
        &["x", "w"],
        vec![
            str_attr("auto_pad", "SAME_UPPER"),
            ints_attr("strides", &[2, 2]),
        ],
    );
    let g = import_proto(&model(&[1, 1, 5, 5], vec![conv], vec![w])).unwrap();
    assert_eq!(g.nodes[0].shape, vec![1, 2, 3, 3]);
    let FOp::Conv { geometry, .. } = &g.nodes[0].op else {
        panic!("conv expected")
    };
    assert_eq!(geometry.pads, [1, 1, 1, 1]);
}

#[test]
fn reshape_copies_zero_and_infers_minus_one() {
    let shape = TensorProto {
        name: "s".into(),
        dims: vec![2],
        data_type: DataType::Int64 as i32,
        int64_data: vec![0, -1],
        ..Default::default()
    };
    let g = import_proto(&model(
        &[1, 2, 3, 3],
        vec![node("Reshape", &["x", "s"], vec![])],
        vec![shape],
    ))
    .unwrap();
    assert_eq!(g.nodes[0].shape, vec![1, 18]);
}

#[test]
fn unsupported_attributes_are_named() {
    let pool = node(
        "MaxPool",
        &["x"],
        vec![ints_attr("kernel_shape", &[2, 2]), int_attr("ceil_mode", 1)],
    );
    let e = import_proto(&model(&[1, 1, 4, 4], vec![pool], vec![])).unwrap_err();
    assert!(
        matches!(&e, ImportError::UnsupportedAttribute { attribute, .. } if attribute == "ceil_mode"),
        "{e}"
    );

    let avg = node(
        "AveragePool",
        &["x"],
        vec![
            ints_attr("kernel_shape", &[3, 3]),
            ints_attr("pads", &[1, 1, 1, 1]),
        ],
    );
    let e = import_proto(&model(&[1, 1, 4, 4], vec![avg], vec![])).unwrap_err();
    assert!(e.to_string().contains("count_include_pad"), "{e}");

    // A product of two computed tensors is a product (one constraint per element).
    let g = import_proto(&model(
        &[1, 4],
        vec![node("Mul", &["x", "x"], vec![])],
        vec![],
    ))
    .unwrap();
    assert_eq!(g.nodes[0].op, FOp::Mul);
}

#[test]
fn dynamic_inputs_and_unknown_values_are_refused() {
    let e = import_proto(&model(&[-1, 4], vec![node("Relu", &["x"], vec![])], vec![])).unwrap_err();
    assert!(matches!(e, ImportError::DynamicShape { .. }), "{e}");
    let e = import_proto(&model(
        &[1, 4],
        vec![node("Relu", &["nowhere"], vec![])],
        vec![],
    ))
    .unwrap_err();
    assert!(e.to_string().contains("`nowhere` is not defined"), "{e}");
    let mut m = model(&[1, 4], vec![node("Relu", &["x"], vec![])], vec![]);
    m.graph.as_mut().unwrap().node[0].domain = "com.microsoft".into();
    assert!(matches!(
        import_proto(&m).unwrap_err(),
        ImportError::UnsupportedOp { .. }
    ));
}

#[test]
fn weights_with_nan_are_refused() {
    let w = floats(
        "w",
        &[2, 4],
        vec![0.0, f32::NAN, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    );
    let e = import_proto(&model(
        &[1, 4],
        vec![node("MatMul", &["x", "w"], vec![])],
        vec![w],
    ))
    .unwrap_err();
    assert!(e.to_string().contains("not a finite number"), "{e}");
}

#[test]
fn movement_ops_refuse_bad_parameters_by_name() {
    let bad_perm = node("Transpose", &["x"], vec![ints_attr("perm", &[0, 0])]);
    let e = import_proto(&model(&[2, 3], vec![bad_perm], vec![])).unwrap_err();
    assert!(
        matches!(&e, ImportError::UnsupportedAttribute { attribute, .. } if attribute == "perm"),
        "{e}"
    );
    let e = import_proto(&model(
        &[1, 4],
        vec![node("Gather", &["x", "i"], vec![int_attr("axis", 1)])],
        vec![ints("i", vec![4])],
    ))
    .unwrap_err();
    assert!(e.to_string().contains("out of range"), "{e}");
    let e = import_proto(&model(
        &[1, 3, 4],
        vec![node("Squeeze", &["x", "a"], vec![])],
        vec![ints("a", vec![1])],
    ))
    .unwrap_err();
    assert!(e.to_string().contains("not of size 1"), "{e}");
    let e = import_proto(&model(
        &[1, 4],
        vec![node("Slice", &["x", "s", "e", "a", "st"], vec![])],
        vec![
            ints("s", vec![0]),
            ints("e", vec![2]),
            ints("a", vec![1]),
            ints("st", vec![0]),
        ],
    ))
    .unwrap_err();
    assert!(e.to_string().contains("a step of 0"), "{e}");
    let e = import_proto(&model(
        &[1, 4],
        vec![node("Cast", &["x"], vec![int_attr("to", 7)])],
        vec![],
    ))
    .unwrap_err();
    assert!(e.to_string().contains("only float types"), "{e}");
    let c = floats("c", &[1, 2], vec![1.0, 2.0]);
    let e = import_proto(&model(
        &[1, 4],
        vec![node("Concat", &["x", "c"], vec![int_attr("axis", 1)])],
        vec![c],
    ))
    .unwrap_err();
    assert!(e.to_string().contains("Concat of constants"), "{e}");
}

#[test]
fn slices_follow_onnx_clamping() {
    // Reverse the last axis with an end far below the start (ONNX's "to the beginning").
    let g = import_proto(&model(
        &[2, 5],
        vec![node("Slice", &["x", "s", "e", "a", "st"], vec![])],
        vec![
            ints("s", vec![-1]),
            ints("e", vec![i64::MIN]),
            ints("a", vec![1]),
            ints("st", vec![-2]),
        ],
    ))
    .unwrap();
    let FOp::Select { shape, index } = &g.nodes[0].op else {
        panic!("select expected")
    };
    assert_eq!(shape, &vec![2, 3]);
    assert_eq!(index, &vec![4, 2, 0, 9, 7, 5]);
}

/// A node with a given output name.
fn node_to(op: &str, inputs: &[&str], output: &str, attrs: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        output: vec![output.into()],
        ..node(op, inputs, attrs)
    }
}

#[test]
fn products_of_tensors_fuse_only_the_exported_activations() {
    // x · sigmoid(x) is SiLU: one table.
    let silu = model(
        &[1, 4],
        vec![
            node_to("Sigmoid", &["x"], "s", vec![]),
            node("Mul", &["s", "x"], vec![]),
        ],
        vec![],
    );
    let g = import_proto(&silu).unwrap();
    assert!(g
        .nodes
        .iter()
        .any(|n| n.op == FOp::Table(zkinfer_ir::ops::TableFn::Silu)));
    // torch's opset-18 GELU, x · (0.5 · (erf(x/√2) + 1)): one GELU table (factor 2c = 1; with
    // c = 0.4, 0.8). With an addend of 2 instead of 1 it is not GELU: a plain product.
    for (half, one, fused) in [(0.5f32, 1.0f32, true), (0.4, 1.0, true), (0.5, 2.0, false)] {
        let gelu = model(
            &[1, 4],
            vec![
                node_to("Div", &["x", "r2"], "d", vec![]),
                node_to("Erf", &["d"], "e", vec![]),
                node_to("Add", &["e", "one"], "e1", vec![]),
                node_to("Mul", &["half", "e1"], "h", vec![]),
                node("Mul", &["x", "h"], vec![]),
            ],
            vec![
                floats("r2", &[], vec![std::f32::consts::SQRT_2]),
                floats("one", &[], vec![one]),
                floats("half", &[], vec![half]),
            ],
        );
        let g = import_proto(&gelu).unwrap();
        let has_gelu = g
            .nodes
            .iter()
            .any(|n| n.op == FOp::Table(zkinfer_ir::ops::TableFn::Gelu));
        assert_eq!(has_gelu, fused, "half {half}, one {one}");
    }
    // tanh(x) · sigmoid(x), or sigmoid of another tensor times x: plain products.
    for nodes in [
        vec![
            node_to("Sigmoid", &["x"], "s", vec![]),
            node_to("Tanh", &["x"], "t", vec![]),
            node("Mul", &["s", "t"], vec![]),
        ],
        vec![
            node_to("Tanh", &["x"], "t", vec![]),
            node_to("Sigmoid", &["t"], "s", vec![]),
            node("Mul", &["s", "x"], vec![]),
        ],
    ] {
        let g = import_proto(&model(&[1, 4], nodes, vec![])).unwrap();
        assert_eq!(g.nodes.last().map(|n| &n.op), Some(&FOp::Mul));
        assert!(!g
            .nodes
            .iter()
            .any(|n| n.op == FOp::Table(zkinfer_ir::ops::TableFn::Silu)));
    }
    // Shapes that do not broadcast ([1,4] and [1,3]) are refused, naming the node.
    let bad = model(
        &[1, 4],
        vec![
            node_to("Gemm", &["x", "w"], "g", vec![int_attr("transB", 1)]),
            node("Mul", &["x", "g"], vec![]),
        ],
        vec![floats("w", &[3, 4], vec![0.5; 12])],
    );
    let e = import_proto(&bad).unwrap_err().to_string();
    assert!(
        e.contains("Mul_node") && e.contains("do not broadcast"),
        "{e}"
    );
}

#[test]
fn divisions_and_gelu_forms_are_checked() {
    let two = model(
        &[1, 4],
        vec![
            node_to("Tanh", &["x"], "t", vec![]),
            node("Div", &["x", "t"], vec![]),
        ],
        vec![],
    );
    let g = import_proto(&two).unwrap();
    assert_eq!(g.nodes.last().map(|n| &n.op), Some(&FOp::Div));
    let zero = model(
        &[1, 4],
        vec![node("Div", &["x", "z"], vec![])],
        vec![floats("z", &[], vec![0.0])],
    );
    let e = import_proto(&zero).unwrap_err().to_string();
    assert!(e.contains("division by a constant zero"), "{e}");
    let fast = model(
        &[1, 4],
        vec![node("Gelu", &["x"], vec![str_attr("approximate", "fast")])],
        vec![],
    );
    let e = import_proto(&fast).unwrap_err().to_string();
    assert!(e.contains("approximate") && e.contains("fast"), "{e}");
}

#[test]
fn reduction_axes_are_checked() {
    for (axes, want) in [(vec![3], "outside rank"), (vec![1, -2], "repeated")] {
        let m = model(
            &[1, 4, 6],
            vec![node("ReduceMax", &["x"], vec![ints_attr("axes", &axes)])],
            vec![],
        );
        let e = import_proto(&m).unwrap_err().to_string();
        assert!(e.contains(want) && e.contains("ReduceMax_node"), "{e}");
    }
    // No axes: every axis, unless `noop_with_empty_axes` makes it the identity.
    let all = model(&[1, 4, 6], vec![node("ReduceSum", &["x"], vec![])], vec![]);
    assert_eq!(import_proto(&all).unwrap().nodes[0].shape, vec![1, 1, 1]);
    let noop = model(
        &[1, 4, 6],
        vec![
            node_to(
                "ReduceSum",
                &["x"],
                "r",
                vec![int_attr("noop_with_empty_axes", 1)],
            ),
            node("Relu", &["r"], vec![]),
        ],
        vec![],
    );
    let g = import_proto(&noop).unwrap();
    assert_eq!((g.nodes.len(), g.nodes[0].inputs.as_slice()), (1, &[0][..]));
}

#[test]
fn layer_norm_scales_over_several_axes_are_refused() {
    let ln = model(
        &[1, 4, 8],
        vec![node(
            "LayerNormalization",
            &["x", "g"],
            vec![int_attr("axis", 1)],
        )],
        vec![floats("g", &[4, 8], vec![1.0; 32])],
    );
    let e = import_proto(&ln).unwrap_err().to_string();
    assert!(e.contains("several normalised axes"), "{e}");
    // Over the last axis only: imports.
    let ok = model(
        &[1, 4, 8],
        vec![node("LayerNormalization", &["x", "g"], vec![])],
        vec![floats("g", &[8], vec![1.0; 8])],
    );
    assert!(import_proto(&ok).is_ok());
}

/// A GRU over `x` `[5, 1, 3]` with hidden size 4 and the given extra inputs and attributes.
fn gru(extra_inputs: &[&str], attrs: Vec<AttributeProto>, inits: Vec<TensorProto>) -> ModelProto {
    let mut inputs = vec!["x", "w", "r"];
    inputs.extend_from_slice(extra_inputs);
    let mut all = vec![
        floats("w", &[1, 12, 3], vec![0.1; 36]),
        floats("r", &[1, 12, 4], vec![0.1; 48]),
    ];
    all.extend(inits);
    model(&[5, 1, 3], vec![node("GRU", &inputs, attrs)], all)
}

#[test]
fn recurrent_layers_refuse_what_they_cannot_unroll_by_name() {
    let err = |m: &ModelProto| import_proto(m).unwrap_err().to_string();
    let e = err(&gru(&[], vec![int_attr("layout", 1)], vec![]));
    assert!(e.contains("layout"), "{e}");
    let softsign = AttributeProto {
        name: "activations".into(),
        r#type: AttributeType::Strings as i32,
        strings: vec![b"Softsign".to_vec(), b"Tanh".to_vec()],
        ..Default::default()
    };
    let e = err(&gru(&[], vec![softsign], vec![]));
    assert!(e.contains("Softsign"), "{e}");
    let e = err(&gru(&["", "lens"], vec![], vec![ints("lens", vec![3])]));
    assert!(e.contains("shorter"), "{e}");
    let h0 = floats("h0", &[1, 1, 4], vec![0.5; 4]);
    let e = err(&gru(&["", "", "h0"], vec![], vec![h0]));
    assert!(e.contains("non-zero constant initial state"), "{e}");
    let e = err(&gru(
        &[],
        vec![str_attr("direction", "bidirectional")],
        vec![],
    ));
    assert!(e.contains("bidirectional"), "{e}");
    // A zero initial state and full-length sequences import; Y_h (output 1) is bound.
    let mut ok = gru(
        &["", "lens", "h0"],
        vec![],
        vec![
            ints("lens", vec![5]),
            floats("h0", &[1, 1, 4], vec![0.0; 4]),
        ],
    );
    ok.graph.as_mut().unwrap().node[0].output = vec![String::new(), "y".into()];
    let g = import_proto(&ok).unwrap();
    assert_eq!(g.nodes[g.outputs[0].1 - 1].shape, vec![1, 1, 4]);
}

#[test]
fn split_and_pad_check_their_sizes() {
    let mut split = model(
        &[1, 6],
        vec![node("Split", &["x", "s"], vec![int_attr("axis", 1)])],
        vec![ints("s", vec![2, 3])],
    );
    split.graph.as_mut().unwrap().node[0].output = vec!["y".into(), "z".into()];
    let e = import_proto(&split).unwrap_err().to_string();
    assert!(e.contains("parts [2, 3]"), "{e}");
    let reflect = model(
        &[1, 3],
        vec![node("Pad", &["x", "p"], vec![str_attr("mode", "reflect")])],
        vec![ints("p", vec![0, 3, 0, 0])],
    );
    let e = import_proto(&reflect).unwrap_err().to_string();
    assert!(e.contains("pads 3/0"), "{e}");
    // A non-zero fill pads x − c with zeros and adds c back: exact at any scale.
    let fill = model(
        &[1, 3],
        vec![node("Pad", &["x", "p", "c"], vec![])],
        vec![ints("p", vec![0, 1, 0, 1]), floats("c", &[], vec![2.0])],
    );
    let g = import_proto(&fill).unwrap();
    let kinds: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).collect();
    assert_eq!(kinds, ["affine", "select", "affine"]);
    assert_eq!(g.nodes[1].shape, vec![1, 5]);
}
