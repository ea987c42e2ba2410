//! One-op fixtures (models/ops/*): for every supported op, the integer executor against tract's
//! float output on random inputs drawn like the calibration data (uniform in [-1, 1]); where
//! tract is wrong about an op (the fixture says why), against onnxruntime's stored outputs.
//!
//! Stated tolerance: |float − dequantized integer| ≤ 0.002 · max(1, max |float output|).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use zkinfer_e2e::{compile_with, input_shapes, model_dir, op_fixtures, SplitMix, TractModel};
use zkinfer_ir::QuantizeSettings;
use zkinfer_onnx::{dequantized, run_integer};

/// One sample (per input, flat) and its reference outputs (per output, flat).
type Case = (Vec<Vec<f64>>, Vec<Vec<f64>>);

/// A fixture whose op tract gets wrong carries onnxruntime's outputs on 25 samples
/// (`onnxruntime.json`, written by make_models.py with the reason); those are the reference.
fn onnxruntime_reference(dir: &std::path::Path) -> Option<Vec<Case>> {
    let text = std::fs::read_to_string(dir.join("onnxruntime.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let floats = |key: &str| -> Vec<Vec<f64>> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                s.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap())
                    .collect()
            })
            .collect()
    };
    let cases: Vec<Case> = floats("input_data")
        .into_iter()
        .zip(floats("output_data"))
        .map(|(x, y)| (vec![x], vec![y]))
        .collect();
    assert!(!cases.is_empty(), "{}: no samples", dir.display());
    Some(cases)
}

const RELATIVE_TOLERANCE: f64 = 0.002;
const SAMPLES: usize = 25;

#[test]
fn every_op_fixture_matches_tract_on_random_inputs() {
    let fixtures = op_fixtures();
    assert!(
        fixtures.len() >= 20,
        "expected the one-op fixtures, found {fixtures:?}"
    );
    // 18-bit inputs isolate each op's integer semantics from input rounding (the random
    // inputs here have 4 decimals; the default 12-bit inputs round them to 1/1024, which
    // alone moves these outputs by up to ~2e-3 relative; the real-model test covers defaults).
    // Likewise 14-bit table inputs (16,385 entries instead of 4,097) keep the exp table's input
    // rounding inside attention's softmax below the tolerance; the table ops' own semantics
    // are what is compared.
    let settings = QuantizeSettings {
        input_bits: 18,
        table_bits: 14,
        ..QuantizeSettings::default()
    };
    let mut rng = SplitMix(0x5eed);
    for name in fixtures {
        let dir = model_dir(&format!("ops/{name}"));
        let compiled = compile_with(&dir, settings.clone());
        // Every op survives the compiled model file (a field of an op must not collide with
        // the node's own fields when flattened into it).
        let json = compiled.model.to_json();
        let back = zkinfer_ir::CompiledModel::from_json(&json, &dir.join("model.json"))
            .unwrap_or_else(|e| panic!("{name}: the compiled model does not read back: {e}"));
        assert_eq!(
            back.to_json(),
            json,
            "{name}: the model file does not round-trip"
        );
        let shapes = input_shapes(&compiled);
        let cases = match onnxruntime_reference(&dir) {
            Some(cases) => cases,
            None => {
                let tract = TractModel::load(&dir.join("model.onnx"), shapes.clone());
                (0..SAMPLES)
                    .map(|_| {
                        let sample: Vec<Vec<f64>> = shapes
                            .iter()
                            .map(|s| {
                                (0..s.iter().product())
                                    .map(|_| rng.uniform(-1.0, 1.0))
                                    .collect()
                            })
                            .collect();
                        let reference = tract.run(&sample);
                        (sample, reference)
                    })
                    .collect()
            }
        };
        let mut worst = 0.0f64;
        for (sample, reference) in cases {
            let ints =
                run_integer(&compiled.model, &sample).unwrap_or_else(|e| panic!("{name}: {e}"));
            let deq = dequantized(&compiled.model, &ints);
            let scale = reference[0].iter().fold(1.0f64, |m, v| m.max(v.abs()));
            for (a, b) in reference[0].iter().zip(&deq[0]) {
                worst = worst.max((a - b).abs() / scale);
            }
        }
        println!(
            "{name:<22} ops {:?}  worst relative error {worst:.2e}",
            compiled.model.graph.op_histogram()
        );
        assert!(
            worst <= RELATIVE_TOLERANCE,
            "{name}: relative error {worst} > {RELATIVE_TOLERANCE}"
        );
    }
}
