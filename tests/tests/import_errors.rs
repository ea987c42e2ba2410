//! Bad models and bad data give clear errors naming what and where, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use zkinfer_e2e::{model_dir, read_input};
use zkinfer_ir::{InputData, QuantizeSettings};
use zkinfer_onnx::{compile, import, import_bytes, CompileError, ImportError};

#[test]
fn malformed_onnx_is_refused() {
    let e = import(&model_dir("ops/_malformed").join("model.onnx")).unwrap_err();
    assert!(matches!(e, ImportError::Decode { .. }), "{e:?}");
    assert!(e.to_string().contains("not a valid ONNX model"), "{e}");
    for junk in [&b""[..], b"\x00\x01\x02garbage", b"{\"json\": true}"] {
        assert!(import_bytes(junk, Path::new("junk.onnx")).is_err());
    }
}

/// Weights stored as external data (torch.onnx.export's default) load from the model's own
/// directory; a reference that leaves it, or a byte range past the data file, is refused with
/// the tensor's name; bytes alone cannot carry external data.
#[test]
fn external_data_loads_beside_the_model_and_nowhere_else() {
    let ok = model_dir("ops/external_data").join("model.onnx");
    let g = import(&ok).unwrap();
    assert_eq!(g.nodes.len(), 1);
    let escape = import(&model_dir("ops/_external_escape").join("model.onnx")).unwrap_err();
    assert!(
        matches!(escape, ImportError::BadTensor { .. }),
        "{escape:?}"
    );
    assert!(
        escape.to_string().contains("inside the model's directory"),
        "{escape}"
    );
    let short = import(&model_dir("ops/_external_truncated").join("model.onnx")).unwrap_err();
    assert!(
        short.to_string().contains("outside `model.onnx.data`"),
        "{short}"
    );
    let bytes = std::fs::read(&ok).unwrap();
    let e = import_bytes(&bytes, &ok).unwrap_err();
    assert!(
        e.to_string().contains("can only be read from a file"),
        "{e}"
    );
}

#[test]
fn an_unsupported_op_names_node_op_and_opset() {
    let e = import(&model_dir("ops/_unsupported_sin").join("model.onnx")).unwrap_err();
    let ImportError::UnsupportedOp {
        ref op_type, opset, ..
    } = e
    else {
        panic!("{e:?}")
    };
    assert_eq!(op_type, "Sin");
    assert_eq!(opset, 13);
    let msg = e.to_string();
    assert!(
        msg.contains("node `") && msg.contains("zkinfer ops"),
        "{msg}"
    );
}

#[test]
fn an_unreadable_file_is_an_error() {
    let e = import(Path::new("/nonexistent/model.onnx")).unwrap_err();
    assert!(matches!(e, ImportError::Read { .. }));
    assert!(e.to_string().contains("/nonexistent/model.onnx"));
}

#[test]
fn bad_calibration_data_is_refused() {
    let dir = model_dir("mlp");
    let path = dir.join("model.onnx");
    let short = InputData {
        input_data: vec![vec![0.5; 63]],
    };
    let e = compile(&path, &short, QuantizeSettings::default())
        .err()
        .unwrap();
    assert!(matches!(e, CompileError::Calibration(_)), "{e:?}");
    let nan = InputData {
        input_data: vec![vec![f64::NAN; 64]],
    };
    assert!(compile(&path, &nan, QuantizeSettings::default()).is_err());
    let two_inputs = InputData {
        input_data: vec![vec![0.0; 64], vec![0.0; 64]],
    };
    assert!(compile(&path, &two_inputs, QuantizeSettings::default()).is_err());
    let bad_settings = QuantizeSettings {
        activation_bits: 80,
        ..QuantizeSettings::default()
    };
    let e = compile(
        &path,
        &read_input(&dir.join("calibration.json")),
        bad_settings,
    )
    .err()
    .unwrap();
    assert!(matches!(e, CompileError::Settings(_)), "{e:?}");
}

#[test]
fn inputs_beyond_the_calibrated_range_are_refused_not_clamped() {
    let dir = model_dir("mlp");
    let compiled = compile(
        &dir.join("model.onnx"),
        &read_input(&dir.join("calibration.json")),
        QuantizeSettings::default(),
    )
    .unwrap();
    let mut sample = vec![vec![0.5; 64]];
    sample[0][7] = 1.0e6;
    let e = zkinfer_onnx::run_integer(&compiled.model, &sample).unwrap_err();
    assert!(e.to_string().contains("input 0, value 7"), "{e}");
}

/// Security review #3: a one-Conv ONNX (`pads = 2^20` on 1×1×8×8) asked calibration for a
/// 1×2×2097158×2097158 tensor and the allocation failure aborted the process. The tensor
/// limit refuses it from its shape, at import, naming node, tensor and size.
#[test]
fn a_tiny_conv_with_huge_pads_is_refused_before_allocating() {
    let dir = model_dir("ops/_conv_pads_huge");
    let bytes = std::fs::read(dir.join("model.onnx")).unwrap();
    assert!(bytes.len() < 300, "{} bytes", bytes.len());
    let e = import(&dir.join("model.onnx")).unwrap_err();
    let msg = format!("{e}: {}", std::error::Error::source(&e).unwrap());
    assert!(
        msg.contains("node `conv`")
            && msg.contains("[1, 2, 2097158, 2097158]")
            && msg.contains("8796143353928 elements")
            && msg.contains("limit of 16777216"),
        "{msg}"
    );
    let e = compile(
        &dir.join("model.onnx"),
        &read_input(&dir.join("calibration.json")),
        QuantizeSettings::default(),
    )
    .err()
    .expect("the model must be refused");
    assert!(matches!(e, CompileError::Import(_)), "{e:?}");
}

/// The limit is a setting: the same check refuses ordinary models under a tiny limit, and
/// names the first tensor over it.
#[test]
fn the_tensor_limit_is_configurable() {
    let dir = model_dir("mlp");
    let small = zkinfer_ir::Limits {
        max_tensor_elements: 10,
    };
    let e = zkinfer_onnx::compile_with_limits(
        &dir.join("model.onnx"),
        &read_input(&dir.join("calibration.json")),
        QuantizeSettings::default(),
        &small,
    )
    .err()
    .expect("the model must be refused");
    let msg = format!("{e:?}");
    assert!(
        msg.contains("TensorTooLarge") && msg.contains("limit: 10"),
        "{msg}"
    );
    let float = import(&dir.join("model.onnx")).unwrap();
    let e = zkinfer_onnx::compile_graph_with_limits(
        float,
        &read_input(&dir.join("calibration.json")),
        QuantizeSettings::default(),
        &small,
    )
    .err()
    .expect("the model must be refused");
    assert!(matches!(e, CompileError::Limits(_)), "{e:?}");
}

/// Security review #13: `dilations = 2^62` on a 5×5 kernel made the span `4·2^62 + 1` wrap to
/// 1, and the model compiled into a "convolution" that adds one pixel four times.
#[test]
fn a_conv_whose_dilated_kernel_overflows_is_refused() {
    let dir = model_dir("ops/_conv_dilation_wrap");
    let e = import(&dir.join("model.onnx")).unwrap_err();
    let ImportError::Ir {
        ref node,
        ref source,
        ..
    } = e
    else {
        panic!("{e:?}")
    };
    assert_eq!(node, "conv");
    assert!(
        matches!(**source, zkinfer_ir::IrError::Overflow { .. }),
        "{source:?}"
    );
    let msg = source.to_string();
    assert!(msg.contains("dilations[0] 4611686018427387904"), "{msg}");
}
