//! The `zkinfer` binary as a user runs it: compile, run, ops, and every bad-input path
//! (clear message on stderr, exit code 2, no panic).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Output;

use common::{models, s, zkinfer};

fn compile(name: &str, out: &Path) -> Output {
    let dir = models().join(name);
    zkinfer(&[
        "compile",
        s(&dir.join("model.onnx")),
        "--calibration",
        s(&dir.join("calibration.json")),
        "--out",
        s(out),
    ])
}

fn assert_refused(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "expected exit 2, stderr: {err}");
    assert!(
        err.contains(needle),
        "stderr should mention `{needle}`: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn compile_then_run_prints_outputs_and_integers() {
    let tmp = tempfile::tempdir().unwrap();
    let out = compile("mlp", tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("model id") && text.contains("argmax agreement"),
        "{text}"
    );
    assert!(
        tmp.path().join("model.json").is_file()
            && tmp.path().join("calibration_report.json").is_file()
    );

    let run = zkinfer(&[
        "run",
        s(tmp.path()),
        "--input",
        s(&models().join("mlp/input.json")),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let outputs = v["outputs"].as_array().unwrap();
    let ints = v["outputs_int"].as_array().unwrap();
    assert_eq!(outputs.len(), 1);
    assert_eq!(outputs[0].as_array().unwrap().len(), 10);
    assert_eq!(ints[0].as_array().unwrap().len(), 10);
    assert!(ints[0].as_array().unwrap().iter().all(|x| x.is_i64()));
}

#[test]
fn ops_lists_the_supported_set() {
    let out = zkinfer(&["ops"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for op in [
        "Gemm",
        "MatMul",
        "Conv",
        "Relu",
        "Add",
        "Sub",
        "Mul",
        "BatchNormalization",
        "AveragePool",
        "GlobalAveragePool",
        "MaxPool",
        "Flatten",
        "Reshape",
        "Clip",
        "Identity",
        "Dropout",
    ] {
        assert!(
            text.lines().any(|l| l.trim() == op),
            "`zkinfer ops` lacks {op}: {text}"
        );
    }
}

#[test]
fn bad_models_are_refused_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let malformed = models().join("ops/_malformed/model.onnx");
    let cal = models().join("mlp/calibration.json");
    let out = zkinfer(&[
        "compile",
        s(&malformed),
        "--calibration",
        s(&cal),
        "--out",
        s(tmp.path()),
    ]);
    assert_refused(&out, "not a valid ONNX model");
    let out = compile("ops/_unsupported_sin", tmp.path());
    assert_refused(&out, "Sin");
    assert_refused(&out, "opset 13");
    let missing = zkinfer(&[
        "compile",
        "/nonexistent.onnx",
        "--calibration",
        "/nonexistent.json",
        "--out",
        s(tmp.path()),
    ]);
    assert_refused(&missing, "/nonexistent.json");
}

#[test]
fn bad_inputs_are_refused_clearly_and_leave_the_model_intact() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(compile("mlp", tmp.path()).status.success());
    let before = std::fs::read(tmp.path().join("model.json")).unwrap();
    let write = |name: &str, text: &str| {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let run = |input: &Path| zkinfer(&["run", s(tmp.path()), "--input", s(input)]);

    assert_refused(
        &run(&write("short.json", r#"{"input_data": [[0.1, 0.2]]}"#)),
        "expected 64 values",
    );
    assert_refused(
        &run(&write("nan.json", r#"{"input_data": [[NaN]]}"#)),
        "finite",
    );
    assert_refused(
        &run(&write(
            "huge.json",
            &format!(r#"{{"input_data": [[1e9{}]]}}"#, ", 0.0".repeat(63)),
        )),
        "outside the model's input range",
    );
    assert_refused(&run(&write("garbage.json", "not json")), "input_data");
    assert_refused(&run(&tmp.path().join("absent.json")), "cannot read");
    assert_refused(
        &zkinfer(&[
            "run",
            "/nonexistent-dir",
            "--input",
            s(&models().join("mlp/input.json")),
        ]),
        "/nonexistent-dir",
    );
    assert_eq!(
        std::fs::read(tmp.path().join("model.json")).unwrap(),
        before
    );
}

#[test]
fn a_tampered_compiled_model_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(compile("mlp", tmp.path()).status.success());
    let path = tmp.path().join("model.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen("\"weight\":[", "\"weight\":[1", 1);
    assert_ne!(text, edited);
    std::fs::write(&path, edited).unwrap();
    let out = zkinfer(&[
        "run",
        s(tmp.path()),
        "--input",
        s(&models().join("mlp/input.json")),
    ]);
    assert_refused(&out, "modified or corrupted");
}

/// Security review #3 and #13: a tiny Conv with `pads = 2^20` (output 8.8·10^12 elements)
/// aborted the process (SIGABRT, exit 134) when calibration allocated it; one with
/// `dilations = 2^62` wrapped and compiled. Both must be refused with exit 2.
#[test]
fn compile_refuses_hostile_conv_geometry_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    assert_refused(
        &compile("ops/_conv_pads_huge", tmp.path()),
        "more than the limit of 16777216",
    );
    assert_refused(&compile("ops/_conv_dilation_wrap", tmp.path()), "overflows");
    assert!(!tmp.path().join("model.json").exists());
}
