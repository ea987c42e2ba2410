//! Groth16 end to end on every bundled model: the proof verifies natively, its outputs equal
//! the reference executor's bit for bit, and every tampering is rejected.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkinfer_e2e::{model_dir, read_input, real_models};
use zkinfer_ir::{CompiledModel, QuantizeSettings};
use zkinfer_onnx::{compile, run_integer};
use zkinfer_prover::groth16::HBasis;
use zkinfer_prover::{setup, setup_with_basis, Engine, Prover, ProvingKeyFile};
use zkinfer_r1cs::{choose_mode, ModeRequest, ProofBinding};
use zkinfer_verifier::{
    fr_to_hex, verify, FormatError, KeyProvenance, ProofFile, Rejection, Verdict, VerifyingKeyFile,
};

fn provenance() -> KeyProvenance {
    KeyProvenance {
        made_by: "e2e test".into(),
        insecure_seed: Some(1),
        created_unix: 0,
        ceremony: None,
    }
}

fn model(name: &str) -> CompiledModel {
    let dir = model_dir(name);
    compile(
        &dir.join("model.onnx"),
        &read_input(&dir.join("calibration.json")),
        QuantizeSettings::default(),
    )
    .unwrap()
    .model
}

fn sample(name: &str, m: &CompiledModel) -> Vec<Vec<f64>> {
    let shapes = m.graph.input_shapes();
    read_input(&model_dir(name).join("input.json"))
        .single(&shapes)
        .unwrap()
}

fn prover(m: &CompiledModel, seed: u64) -> Prover<Engine> {
    let (pk, vk) = setup(m, &mut ChaCha20Rng::seed_from_u64(seed), provenance()).unwrap();
    Prover::new(Engine::new(), m.clone(), pk, vk).unwrap()
}

const BINDING: ProofBinding = ProofBinding {
    chain_id: 31337,
    escrow: [0xe5; 20],
    job_id: 42,
    provider: [0x11; 20],
};

fn rejected(vk: &VerifyingKeyFile, f: &ProofFile) -> Rejection {
    match verify(vk, f).unwrap() {
        Verdict::Rejected(r) => r,
        Verdict::Accepted => panic!("a tampered proof was accepted"),
    }
}

/// `model(name)` compiled for `mode` (plain, or lookup at the limb width the compiler picks).
fn model_in(name: &str, mode: ModeRequest) -> CompiledModel {
    let m = model(name);
    let choice = choose_mode(&m.graph, mode).unwrap();
    m.with_proof_mode(choice.mode)
}

/// Both modes (so whichever `auto` picks): every model proves and verifies, with the
/// reference executor's outputs, the same in both modes. A model with function tables (the
/// torch models' Tanh, Softmax, GELU, GRU gates) has only the lookup mode; plain is refused.
#[test]
fn every_model_proves_and_verifies_with_exact_outputs() {
    for (name, request) in real_models()
        .into_iter()
        .flat_map(|n| [(n.clone(), ModeRequest::Plain), (n, ModeRequest::Lookup)])
    {
        let compiled = model(&name);
        let choice = match choose_mode(&compiled.graph, request) {
            Ok(choice) => choice,
            Err(e) => {
                assert_eq!(request, ModeRequest::Plain, "{name}: {e}");
                assert!(
                    matches!(e, zkinfer_r1cs::R1csError::TableNeedsLookupMode { .. }),
                    "{name}: {e}"
                );
                continue;
            }
        };
        let m = compiled.with_proof_mode(choice.mode);
        let p = prover(&m, 7);
        let input = sample(&name, &m);
        let (file, t) = p
            .prove(&input, BINDING, &mut ChaCha20Rng::seed_from_u64(1))
            .unwrap();
        assert_eq!(
            verify(p.verifying_key(), &file).unwrap(),
            Verdict::Accepted,
            "{name}"
        );
        let expected: Vec<Vec<i64>> = run_integer(&m, &input)
            .unwrap()
            .into_iter()
            .map(|t| t.data)
            .collect();
        assert_eq!(
            file.outputs_int, expected,
            "{name}: outputs must equal the reference executor's"
        );
        println!(
            "{name:<12} {:<7} prove {:.3} s (synthesis {:.3} s)",
            p.mode(),
            t.prove.as_secs_f64(),
            t.synthesis.as_secs_f64()
        );
    }
}

/// A valid mlp proof and its prover.
fn good_proof() -> (Prover<Engine>, ProofFile) {
    let m = model("mlp");
    let p = prover(&m, 7);
    let (good, _) = p
        .prove(
            &sample("mlp", &m),
            BINDING,
            &mut ChaCha20Rng::seed_from_u64(2),
        )
        .unwrap();
    assert_eq!(verify(p.verifying_key(), &good).unwrap(), Verdict::Accepted);
    (p, good)
}

#[test]
fn tampered_proof_bytes_and_public_inputs_are_rejected() {
    let (p, good) = good_proof();
    let vk = p.verifying_key();

    // Every byte region of the proof (A, B, C): flip a bit, re-encode if it still decodes.
    let bytes = hex::decode(&good.proof).unwrap();
    for i in [0usize, 5, 31, 40, 70, 95, 100, 127] {
        let mut b = bytes.clone();
        b[i] ^= 0x04;
        let f = ProofFile {
            proof: hex::encode(&b),
            ..good.clone()
        };
        assert!(
            matches!(verify(vk, &f).unwrap(), Verdict::Rejected(_)),
            "proof byte {i}"
        );
    }
    // Each public input, changed consistently with its claim or alone.
    for i in 0..good.public_inputs.len() {
        let mut f = good.clone();
        let v = f.stated_public_inputs().unwrap()[i] + zkinfer_verifier::Fr::from(1u8);
        f.public_inputs[i] = fr_to_hex(&v);
        assert_eq!(
            rejected(vk, &f),
            Rejection::PublicInputsMismatch,
            "public input {i}"
        );
    }
}

#[test]
fn changed_claims_with_matching_public_inputs_are_rejected() {
    let (p, good) = good_proof();
    let vk = p.verifying_key();
    // Claims changed together with the public inputs they imply: the proof itself fails.
    let mut claims = good.claims().unwrap();
    claims.outputs[0][3] += 1;
    let f = good.restated(&claims, &vk.layout).unwrap();
    assert_eq!(rejected(vk, &f), Rejection::InvalidProof, "changed output");
    for (job, provider) in [(43u64, [0x11u8; 20]), (42, [0x12; 20])] {
        let mut c = good.claims().unwrap();
        c.job_id = job;
        c.provider = provider;
        let f = good.restated(&c, &vk.layout).unwrap();
        assert_eq!(
            rejected(vk, &f),
            Rejection::InvalidProof,
            "job {job} provider {provider:?}"
        );
    }
    // the binding names the chain and the escrow too (review finding #10: replay elsewhere)
    for (chain_id, escrow) in [(1u64, [0xe5u8; 20]), (31337, [0xe6; 20])] {
        let mut c = good.claims().unwrap();
        c.chain_id = chain_id;
        c.escrow = escrow;
        let f = good.restated(&c, &vk.layout).unwrap();
        assert_eq!(
            rejected(vk, &f),
            Rejection::InvalidProof,
            "chain {chain_id} escrow {escrow:?}"
        );
    }
    let mut c = good.claims().unwrap();
    c.input_commitment += zkinfer_verifier::Fr::from(1u8);
    let f = good.restated(&c, &vk.layout).unwrap();
    assert_eq!(
        rejected(vk, &f),
        Rejection::InvalidProof,
        "input commitment"
    );
    // Restating the true claims changes nothing.
    assert_eq!(
        good.restated(&good.claims().unwrap(), &vk.layout).unwrap(),
        good
    );
    // Printed outputs that differ from the proven ones.
    let mut f = good.clone();
    f.outputs[0][0] += 0.5;
    assert!(matches!(rejected(vk, &f), Rejection::InconsistentClaims(_)));
}

#[test]
fn other_keys_reject_the_proof() {
    let (_, good) = good_proof();
    let m = model("mlp");
    // Another key of the same model (other setup) and another model's key.
    let other_setup = prover(&m, 8);
    assert_eq!(
        rejected(other_setup.verifying_key(), &good),
        Rejection::InvalidProof
    );
    let other_model = prover(&model("cnn"), 7);
    assert!(matches!(
        rejected(other_model.verifying_key(), &good),
        Rejection::WrongModel { .. }
    ));
}

#[test]
fn circuit_and_verifier_use_the_same_poseidon_parameters() {
    let (a, b) = (
        zkinfer_r1cs::gadgets::poseidon::params(),
        zkinfer_verifier::poseidon_params(),
    );
    assert_eq!(
        (a.full_rounds, a.partial_rounds, a.alpha, a.rate, a.capacity),
        (b.full_rounds, b.partial_rounds, b.alpha, b.rate, b.capacity)
    );
    assert_eq!(a.ark, b.ark);
    assert_eq!(a.mds, b.mds);
}

#[test]
fn truncated_or_corrupted_keys_and_proofs_give_clear_errors() {
    let m = model("mlp");
    let (pk, vk) = setup(&m, &mut ChaCha20Rng::seed_from_u64(3), provenance()).unwrap();
    let id = m.model_id.0;
    let pk_bytes = pk.to_bytes().unwrap();
    let vk_bytes = vk.to_bytes().unwrap();
    assert!(ProvingKeyFile::from_bytes(&pk_bytes, &id).is_ok());
    assert!(VerifyingKeyFile::from_bytes(&vk_bytes, Some(&id)).is_ok());
    for cut in [10, 90, pk_bytes.len() / 2, pk_bytes.len() - 1] {
        assert!(
            matches!(
                ProvingKeyFile::from_bytes(&pk_bytes[..cut], &id),
                Err(FormatError::Truncated { .. }) | Err(FormatError::BadMagic { .. })
            ),
            "cut {cut}"
        );
    }
    let mut flipped = vk_bytes.clone();
    let last = flipped.len() - 3;
    flipped[last] ^= 1;
    assert!(matches!(
        VerifyingKeyFile::from_bytes(&flipped, Some(&id)),
        Err(FormatError::Corrupt(_))
    ));
    let other = [9u8; 32];
    let e = VerifyingKeyFile::from_bytes(&vk_bytes, Some(&other)).unwrap_err();
    assert!(
        matches!(e, FormatError::WrongModel { .. }) && e.to_string().contains("model"),
        "{e}"
    );
    assert!(matches!(
        ProvingKeyFile::from_bytes(&vk_bytes, &id),
        Err(FormatError::WrongKind { .. })
    ));
    // Proof files: bad JSON, another version.
    assert!(ProofFile::from_json("{").is_err());
    assert!(matches!(
        ProofFile::from_json(r#"{"version": 9}"#),
        Err(FormatError::UnsupportedVersion { found: 9, .. })
    ));
}

#[test]
fn version_1_proving_keys_still_prove() {
    // Keys written before h_query moved to the coset's Lagrange basis (format version 1).
    let m = model("mlp");
    let (pk, vk) = setup_with_basis(
        &m,
        &mut ChaCha20Rng::seed_from_u64(4),
        provenance(),
        HBasis::Powers,
    )
    .unwrap();
    let bytes = pk.to_bytes().unwrap();
    assert_eq!(
        u16::from_le_bytes([bytes[8], bytes[9]]),
        1,
        "written as version 1"
    );
    let pk = ProvingKeyFile::from_bytes(&bytes, &m.model_id.0).unwrap();
    assert_eq!(pk.h_basis, HBasis::Powers);
    let prover = Prover::new(Engine::new(), m.clone(), pk, vk.clone()).unwrap();
    let (file, _) = prover
        .prove(
            &sample("mlp", &m),
            BINDING,
            &mut ChaCha20Rng::seed_from_u64(5),
        )
        .unwrap();
    assert_eq!(verify(&vk, &file).unwrap(), Verdict::Accepted);
    // What setup writes now is version 2.
    let (pk2, _) = setup(&m, &mut ChaCha20Rng::seed_from_u64(4), provenance()).unwrap();
    let bytes2 = pk2.to_bytes().unwrap();
    assert_eq!(u16::from_le_bytes([bytes2[8], bytes2[9]]), 2);
}

/// Review finding #14: a proof file's `system` was unchecked and unknown fields were ignored;
/// and a key made for the old binding scheme (another circuit) must be refused, not used.
#[test]
fn proof_files_and_keys_are_read_strictly() {
    let (p, good) = good_proof();
    let json = good.to_json().unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["extra_field"] = serde_json::json!(1);
    let e = ProofFile::from_json(&v.to_string())
        .unwrap_err()
        .to_string();
    assert!(e.contains("extra_field"), "{e}");
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["system"] = serde_json::json!("anything");
    let e = ProofFile::from_json(&v.to_string())
        .unwrap_err()
        .to_string();
    assert!(e.contains("proof system"), "{e}");
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["version"] = serde_json::json!(1);
    assert!(
        ProofFile::from_json(&v.to_string()).is_err(),
        "version 1 proof"
    );
    assert_eq!(ProofFile::from_json(&json).unwrap(), good);

    let mut old = p.verifying_key().clone();
    old.layout.binding_scheme = 1;
    let bytes = old.to_bytes().unwrap();
    let e = VerifyingKeyFile::from_bytes(&bytes, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("binding scheme 1"), "{e}");
}

/// Lookup mode natively: a valid two-round proof verifies; its proof bytes, `C₁`, each public
/// input (the challenge included) and its mode label are each refused when changed; a key of
/// the other mode refuses it (and a lookup key refuses a plain proof), naming the modes.
#[test]
fn lookup_mode_proofs_verify_and_tampering_is_rejected() {
    let m = model_in("mlp", ModeRequest::Lookup);
    let p = prover(&m, 9);
    let vk = p.verifying_key();
    assert_eq!(vk.mode(), zkinfer_verifier::ProofMode::Lookup);
    let input = sample("mlp", &m);
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let (good, _) = p.prove(&input, BINDING, &mut rng).unwrap();
    assert_eq!(verify(vk, &good).unwrap(), Verdict::Accepted);
    // the layout's public inputs plus the challenge
    assert_eq!(good.public_inputs.len(), vk.layout.num_public() + 1);

    let bytes = hex::decode(&good.proof).unwrap();
    for i in [0usize, 40, 100, 127] {
        let mut b = bytes.clone();
        b[i] ^= 0x04;
        let f = ProofFile {
            proof: hex::encode(&b),
            ..good.clone()
        };
        assert!(
            matches!(verify(vk, &f).unwrap(), Verdict::Rejected(_)),
            "byte {i}"
        );
    }
    // another proof's C₁ (stated challenge kept, or restated)
    let (other, _) = p
        .prove(
            &input,
            ProofBinding {
                job_id: 43,
                ..BINDING
            },
            &mut rng,
        )
        .unwrap();
    let mut f = good.clone();
    f.round1_commitment = other.round1_commitment.clone();
    assert_eq!(rejected(vk, &f), Rejection::PublicInputsMismatch);
    let f = f.restated(&f.claims().unwrap(), &vk.layout).unwrap();
    assert_eq!(rejected(vk, &f), Rejection::InvalidProof);
    // each public input; the last is the challenge
    for i in 0..good.public_inputs.len() {
        let mut f = good.clone();
        let v = f.stated_public_inputs().unwrap()[i] + zkinfer_verifier::Fr::from(1u8);
        f.public_inputs[i] = fr_to_hex(&v);
        assert_eq!(
            rejected(vk, &f),
            Rejection::PublicInputsMismatch,
            "input {i}"
        );
    }
    // relabelled as plain: refused when read, and by the key
    let mut f = good.clone();
    f.mode = zkinfer_verifier::ProofMode::Plain;
    assert!(ProofFile::from_json(&f.to_json().unwrap()).is_err());
    assert!(matches!(rejected(vk, &f), Rejection::WrongMode { .. }));
    // keys of the other mode: the model id covers the mode, so they are another model's keys
    let plain = prover(&model_in("mlp", ModeRequest::Plain), 9);
    let r = rejected(plain.verifying_key(), &good);
    assert!(matches!(r, Rejection::WrongModel { .. }), "{r}");
    let (plain_proof, _) = plain.prove(&input, BINDING, &mut rng).unwrap();
    // a plain proof restamped with the lookup model's id: refused for its mode
    let mut f = plain_proof.clone();
    f.model_id = good.model_id.clone();
    assert!(matches!(rejected(vk, &f), Rejection::WrongMode { .. }));
    // the same integers in both modes
    assert_eq!(plain_proof.outputs_int, good.outputs_int);
    // snarkjs cannot check a second commitment: the export refuses, saying why
    let dir = std::env::temp_dir().join(format!("zkinfer-snarkjs-lookup-{}", std::process::id()));
    let e = zkinfer_verifier::snarkjs::write_all(&dir, vk, &good).unwrap_err();
    assert!(
        e.to_string()
            .contains("snarkjs verifies plain Groth16 only"),
        "{e}"
    );
    assert!(!dir.exists());
}

/// Models with function tables (sigmoid, GELU, exp, a reciprocal, softmax, an attention
/// head with two products of computed tensors, a LayerNorm) prove in lookup mode, which
/// `auto` picks for them; the proof carries the executor's outputs, and a claim of another
/// output (restated consistently) or another input commitment is rejected.
#[test]
fn function_table_models_prove_and_verify() {
    for name in [
        "ops/silu_torch",
        "ops/gelu_torch",
        "ops/exp",
        "ops/div_const",
        "ops/softmax",
        "ops/attention",
        "ops/layer_norm",
    ] {
        let m = model_in(name, ModeRequest::Auto);
        assert!(!m.proof_mode.is_plain(), "{name}: auto must pick lookup");
        let p = prover(&m, 5);
        let vk = p.verifying_key();
        let input = sample(name, &m);
        let (good, t) = p
            .prove(&input, BINDING, &mut ChaCha20Rng::seed_from_u64(4))
            .unwrap();
        assert_eq!(verify(vk, &good).unwrap(), Verdict::Accepted, "{name}");
        let expected: Vec<Vec<i64>> = run_integer(&m, &input)
            .unwrap()
            .into_iter()
            .map(|t| t.data)
            .collect();
        assert_eq!(good.outputs_int, expected, "{name}");
        let mut claims = good.claims().unwrap();
        claims.outputs[0][0] += 1;
        let lie = good.restated(&claims, &vk.layout).unwrap();
        assert_eq!(rejected(vk, &lie), Rejection::InvalidProof, "{name}");
        println!(
            "{name:<16} {} prove {:.3} s",
            p.mode(),
            t.prove.as_secs_f64()
        );
    }
}
