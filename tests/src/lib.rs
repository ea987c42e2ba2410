//! Test harness shared by the end-to-end tests: locating the bundled models and fixtures, a
//! seeded generator for random inputs, and tract-onnx as the independent float oracle.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use tract_onnx::prelude::*;
use zkinfer_ir::InputData;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `models/<name>`.
pub fn model_dir(name: &str) -> PathBuf {
    repo_root().join("models").join(name)
}

/// The real models shipped in `models/` (every directory with a `test.json`).
pub fn real_models() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo_root().join("models"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("test.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The one-op fixtures in `models/ops/` (negative fixtures start with `_` and are excluded).
pub fn op_fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo_root().join("models/ops"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('_'))
        .collect();
    names.sort();
    names
}

/// Compiles `dir/model.onnx` with `dir/calibration.json` and the default settings.
pub fn compile_default(dir: &Path) -> zkinfer_onnx::Compiled {
    compile_with(dir, zkinfer_ir::QuantizeSettings::default())
}

/// Compiles `dir/model.onnx` with `dir/calibration.json` and `settings`.
pub fn compile_with(dir: &Path, settings: zkinfer_ir::QuantizeSettings) -> zkinfer_onnx::Compiled {
    zkinfer_onnx::compile(
        &dir.join("model.onnx"),
        &read_input(&dir.join("calibration.json")),
        settings,
    )
    .unwrap_or_else(|e| panic!("{}: {e:?}", dir.display()))
}

/// The input shapes of a compiled model's float graph.
pub fn input_shapes(compiled: &zkinfer_onnx::Compiled) -> Vec<Vec<usize>> {
    compiled
        .float
        .inputs
        .iter()
        .map(|(_, s)| s.clone())
        .collect()
}

/// Reads an input/calibration/test file.
pub fn read_input(path: &Path) -> InputData {
    InputData::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Labels of a `test.json`.
pub fn read_labels(path: &Path) -> Vec<usize> {
    #[derive(serde::Deserialize)]
    struct Labels {
        labels: Vec<usize>,
    }
    let l: Labels = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    l.labels
}

/// A small deterministic generator (SplitMix64), so random tests are reproducible without a
/// dependency.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// tract's float inference of an ONNX file: the oracle our import and quantization are held to.
pub struct TractModel {
    plan: std::sync::Arc<TypedSimplePlan>,
    shapes: Vec<Vec<usize>>,
}

impl TractModel {
    /// Loads and optimizes a model with tract.
    pub fn load(path: &Path, shapes: Vec<Vec<usize>>) -> Self {
        let mut model = tract_onnx::onnx().model_for_path(path).unwrap();
        for (i, s) in shapes.iter().enumerate() {
            model.set_input_fact(i, f32::fact(s).into()).unwrap();
        }
        let plan = model.into_optimized().unwrap().into_runnable().unwrap();
        TractModel { plan, shapes }
    }

    /// Runs one sample (one flat list per input) and returns one flat list per output.
    pub fn run(&self, sample: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let inputs: TVec<TValue> = sample
            .iter()
            .zip(&self.shapes)
            .map(|(v, s)| {
                let data: Vec<f32> = v.iter().map(|x| *x as f32).collect();
                Tensor::from_shape(s, &data).unwrap().into()
            })
            .collect();
        let out = self.plan.run(inputs).unwrap();
        out.iter()
            .map(|t| {
                t.to_plain_array_view::<f32>()
                    .unwrap()
                    .iter()
                    .map(|x| *x as f64)
                    .collect()
            })
            .collect()
    }
}
