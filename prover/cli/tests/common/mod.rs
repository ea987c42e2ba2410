//! Helpers shared by the CLI tests: run the real `zkinfer` binary on the bundled models.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod anvil;
pub mod snarkjs;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `zkinfer` with `args`.
pub fn zkinfer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkinfer"))
        .args(args)
        .output()
        .expect("the zkinfer binary runs")
}

/// The repository's `models/`.
pub fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

/// A path as `&str` (test paths are UTF-8).
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The stdout of a successful run (panics with both streams otherwise).
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Compiles `models/mlp` into `dir` and makes its keys from the public `seed`.
pub fn compile_mlp(dir: &Path, seed: u64) {
    compile_setup("mlp", dir, seed);
}

/// Compiles `models/NAME` into `dir` and makes its keys from the public `seed`; returns what
/// `zkinfer setup` printed.
pub fn compile_setup(name: &str, dir: &Path, seed: u64) -> String {
    let m = models().join(name);
    ok(&zkinfer(&[
        "compile",
        s(&m.join("model.onnx")),
        "--calibration",
        s(&m.join("calibration.json")),
        "--out",
        s(dir),
    ]));
    ok(&zkinfer(&[
        "setup",
        s(dir),
        "--insecure-seed",
        &seed.to_string(),
    ]))
}

/// The 128 hex digits after `label` in zkinfer's output.
pub fn hash_after(out: &str, label: &str) -> String {
    let at = out
        .find(label)
        .unwrap_or_else(|| panic!("no {label:?} in:\n{out}"))
        + label.len();
    out[at..].trim_start()[..128].to_owned()
}
