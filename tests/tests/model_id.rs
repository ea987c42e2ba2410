//! Model ids: the same ONNX compiles to the same id; a changed weight changes it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use zkinfer_e2e::{model_dir, read_input};
use zkinfer_ir::{CompiledModel, QuantizeSettings};
use zkinfer_onnx::{compile, compile_graph, import_bytes, proto};

#[test]
fn compiling_twice_gives_the_same_id_and_bytes() {
    let dir = model_dir("cnn");
    let cal = read_input(&dir.join("calibration.json"));
    let a = compile(&dir.join("model.onnx"), &cal, QuantizeSettings::default()).unwrap();
    let b = compile(&dir.join("model.onnx"), &cal, QuantizeSettings::default()).unwrap();
    assert_eq!(a.model.model_id, b.model.model_id);
    assert_eq!(a.model.to_json(), b.model.to_json());
    // And the id survives a save/load round trip.
    let tmp = std::env::temp_dir().join(format!("zkinfer-id-{}.json", std::process::id()));
    a.model.save(&tmp).unwrap();
    assert_eq!(
        CompiledModel::load(&tmp).unwrap().model_id,
        a.model.model_id
    );
    std::fs::remove_file(tmp).ok();
}

#[test]
fn a_changed_weight_in_the_onnx_file_changes_the_id() {
    let dir = model_dir("mlp");
    let path = dir.join("model.onnx");
    let cal = read_input(&dir.join("calibration.json"));
    let bytes = std::fs::read(&path).unwrap();
    // Find the raw bytes of the first weight initializer in the file and nudge one weight.
    let model = proto::decode_model(&bytes, &path).unwrap();
    let init = &model.graph.as_ref().unwrap().initializer[0];
    assert!(
        init.raw_data.len() >= 8,
        "fixture stores weights as raw data"
    );
    let at = bytes
        .windows(init.raw_data.len())
        .position(|w| w == &init.raw_data[..])
        .unwrap();
    let mut edited = bytes.clone();
    let w = f32::from_le_bytes(edited[at..at + 4].try_into().unwrap());
    edited[at..at + 4].copy_from_slice(&(w + 0.25).to_le_bytes());

    let original = compile_graph(
        import_bytes(&bytes, &path).unwrap(),
        &cal,
        QuantizeSettings::default(),
    )
    .unwrap();
    let changed = compile_graph(
        import_bytes(&edited, &path).unwrap(),
        &cal,
        QuantizeSettings::default(),
    )
    .unwrap();
    assert_ne!(original.model.model_id, changed.model.model_id);
    // Other settings give another model too.
    let coarse = QuantizeSettings {
        activation_bits: 14,
        ..QuantizeSettings::default()
    };
    let other = compile_graph(import_bytes(&bytes, &path).unwrap(), &cal, coarse).unwrap();
    assert_ne!(original.model.model_id, other.model.model_id);
}
