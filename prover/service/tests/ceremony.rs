//! A model's ceremony through the real HTTP API (`serve --ptau`): the service contributes
//! first; the requester downloads the `.zkey`, contributes on its own side and uploads it;
//! bad uploads are refused naming the check; the model proves only after a finalize that
//! verified the transcript, and the final key lists the requester's contribution.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use zkinfer_ceremony::contribute::contribute;
use zkinfer_ceremony::points::g1_to_lem;
use zkinfer_ceremony::ptau::{new_ptau, Ptau};
use zkinfer_ceremony::rng::ChaCha;
use zkinfer_ceremony::zkey::{section, Zkey, CONTRIBUTION_ORDER};

/// Waits until model `id` leaves `setting_up`; returns its record.
async fn settled(c: &reqwest::Client, s: &Server, id: &str) -> Value {
    let start = Instant::now();
    loop {
        let (_, m) = get(c, format!("{}/v1/models/{id}", s.base)).await;
        if m["state"] != "setting_up" {
            return m;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "setup never finished"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A service whose registrations run ceremonies on a fresh power-10 `.ptau` (made in `dir`);
/// returns it and the `.ptau`'s bytes.
async fn with_ptau(dir: &std::path::Path) -> (Server, Vec<u8>) {
    let path = dir.join("p10.ptau");
    let bytes = new_ptau(10, None, &mut ChaCha::new([7; 8])).unwrap().bytes;
    std::fs::write(&path, &bytes).unwrap();
    (start_with(|cfg| cfg.ptau = Some(path)).await, bytes)
}

/// Registers `ops/add_const` in plain mode and waits for its ceremony (the service's own
/// contribution made); returns the model id.
async fn register_in_ceremony(c: &reqwest::Client, s: &Server) -> String {
    let mut reg = registration("ops/add_const");
    reg["proof_mode"] = json!("plain");
    let (status, body) = post(c, format!("{}/v1/models", s.base), &reg).await;
    assert_eq!(status, 202, "{body}");
    let id = body["model_id"].as_str().unwrap().to_string();
    let m = settled(c, s, &id).await;
    assert_eq!(
        (m["state"].as_str(), m["contributions"].as_u64()),
        (Some("ceremony"), Some(1)),
        "{m}"
    );
    id
}

async fn upload(c: &reqwest::Client, url: &str, bytes: Vec<u8>) -> (u16, Value) {
    send(
        c.post(url)
            .header("content-type", "application/octet-stream")
            .body(bytes),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requester_contributes_and_the_model_proves_only_after_a_verified_finalize() {
    let ptau_dir = tempfile::tempdir().unwrap();
    let (s, bytes) = with_ptau(ptau_dir.path()).await;
    let c = client(&s.token);
    let id = register_in_ceremony(&c, &s).await;
    let base = format!("{}/v1/models/{id}/ceremony", s.base);

    // No keys yet: no jobs, no verifying key.
    let job = json!({ "model_id": id, "input": sample("ops/add_const"), "job_id": 1,
                      "provider": "0x00000000000000000000000000000000000000b2" });
    assert_error(
        post(&c, format!("{}/v1/jobs", s.base), &job).await,
        409,
        "model_not_ready",
        "job before finalize",
    );

    // Another token sees nothing.
    let stranger = client(&s.new_token("stranger"));
    assert_error(
        get(&stranger, base.clone()).await,
        404,
        "unknown_model",
        "stranger's view",
    );
    assert_error(
        upload(&stranger, &format!("{base}/contributions"), vec![1]).await,
        404,
        "unknown_model",
        "stranger's upload",
    );

    // The requester contributes on its side and uploads.
    let (status, view) = get(&c, base.clone()).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["contributions"].as_array().unwrap().len(), 1);
    let current = c
        .get(format!("{base}/zkey"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let current = Zkey::from_bytes(current.to_vec()).unwrap();
    let (mine, my_hash) =
        contribute(&current, &mut ChaCha::new([9; 8]), Some("requester".into())).unwrap();
    let mine_bytes = mine.to_bytes(&CONTRIBUTION_ORDER);

    refusals(&c, &base, &mine).await;
    let (status, step) = upload(&c, &format!("{base}/contributions"), mine_bytes).await;
    assert_eq!(status, 200, "{step}");
    assert_eq!(
        (step["index"].as_u64(), step["hash"].as_str()),
        (Some(2), Some(hex::encode(my_hash).as_str()))
    );

    // Finalize with a beacon: the model is ready and its transcript lists the requester.
    let fin = json!({ "beacon": { "hash": "00112233445566778899aabbccddeeff", "exp": 10 } });
    let (status, done) = post(&c, format!("{base}/finalize"), &fin).await;
    assert_eq!(status, 200, "{done}");
    let listed: Vec<&str> = done["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["hash"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[1], hex::encode(my_hash));
    assert_error(
        upload(&c, &format!("{base}/contributions"), vec![0]).await,
        409,
        "ceremony_closed",
        "upload after finalize",
    );

    final_key_lists(&c, &s, &id, &base, &bytes, my_hash).await;
    // Now it proves, and the proof verifies.
    let (status, accepted) = post(&c, format!("{}/v1/jobs", s.base), &job).await;
    assert_eq!(status, 202, "{accepted}");
    let done = finished(&c, &s, accepted["id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "proved", "{done}");
    let (status, v) = post(
        &c,
        format!("{}/v1/verify", s.base),
        &json!({"model_id": id, "proof": done["proof"]}),
    )
    .await;
    assert_eq!((status, v["valid"].as_bool()), (200, Some(true)), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_without_a_ptau_says_it_runs_no_ceremonies() {
    let s = start(8).await;
    let c = client(&s.token);
    let mut reg = registration("ops/add_const");
    reg["proof_mode"] = json!("plain");
    let id = register_body(&c, &s, &reg).await;
    assert_error(
        get(&c, format!("{}/v1/models/{id}/ceremony", s.base)).await,
        409,
        "no_ceremony",
        "no --ptau",
    );
    let vk = s.state.models.verifying_key(&id).unwrap();
    assert!(
        vk.provenance.ceremony.is_none(),
        "a development key says so"
    );
}

/// Wrong media type, a tampered key, a key that skips the current one: each refused.
async fn refusals(c: &reqwest::Client, base: &str, mine: &Zkey) {
    // Refusals first: wrong media type, a tampered key, a key that skips the current one.
    let (status, e) = send(c.post(format!("{base}/contributions")).json(&json!({}))).await;
    assert_eq!(
        (status, e["code"].as_str()),
        (415, Some("unsupported_media_type")),
        "{e}"
    );
    let mut bad = (*mine).clone();
    let l = bad.sections.get_mut(&section::L).unwrap();
    l[..64].copy_from_slice(&g1_to_lem(
        &<ark_bn254::G1Affine as ark_ec::AffineRepr>::generator(),
    ));
    let (status, e) = upload(
        c,
        &format!("{base}/contributions"),
        bad.to_bytes(&CONTRIBUTION_ORDER),
    )
    .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (400, Some("bad_contribution")),
        "{e}"
    );
    assert!(
        e["message"].as_str().unwrap().contains("section 8 (L)"),
        "{e}"
    );
    let (skipped, _) = contribute(mine, &mut ChaCha::new([3; 8]), None).unwrap();
    let (status, e) = upload(
        c,
        &format!("{base}/contributions"),
        skipped.to_bytes(&CONTRIBUTION_ORDER),
    )
    .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (400, Some("bad_contribution")),
        "{e}"
    );
}

/// The final `.zkey` verifies on our side, and the verifying key records the ceremony, with
/// the requester's contribution in it.
async fn final_key_lists(
    c: &reqwest::Client,
    s: &Server,
    id: &str,
    base: &str,
    ptau: &[u8],
    my_hash: [u8; 64],
) {
    let final_bytes = c
        .get(format!("{base}/zkey"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let final_zkey = Zkey::from_bytes(final_bytes.to_vec()).unwrap();
    let model =
        zkinfer_ir::CompiledModel::load(&s.state.models.dir_of(id).join("model.json")).unwrap();
    let (r1cs, _) = zkinfer_ceremony::finalize::model_circuit(&model).unwrap();
    let report = zkinfer_ceremony::verify::verify(
        &final_zkey,
        &r1cs,
        &Ptau::from_bytes(ptau.to_vec()).unwrap(),
    )
    .unwrap();
    assert_eq!(report.contributions[1].hash, my_hash);
    let vk = s.state.models.verifying_key(id).unwrap();
    let record = vk
        .provenance
        .ceremony
        .expect("the key records its ceremony");
    assert_eq!(record.contributions[1].hash, hex::encode(my_hash));
}
