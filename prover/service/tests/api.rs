//! The prover service on a real server (127.0.0.1, ephemeral port) over a real sled store:
//! register a model, prove jobs, verify, every 4xx path, idempotency, metrics, a bounded load
//! test of 200 concurrent submissions, and lookup-mode models. Tokens and scoping: `auth.rs`;
//! budgets, quotas, retention and hostile models: `limits.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod common;

#[allow(clippy::wildcard_imports)]
use common::*;

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_prove_verify_and_every_refusal() {
    let s = start(64).await;
    let c = client(&s.token);
    let (status, h) = get(&c, format!("{}/healthz", s.base)).await;
    assert_eq!((status, h["status"].as_str()), (200, Some("ok")));
    // The tests build without the `cuda` feature: `auto` (the default) runs on the CPU.
    assert_eq!(h["engine"].as_str(), Some("cpu"), "{h}");

    let id = register(&c, &s, "mlp").await;
    // registering again answers with the same model
    let (status, again) = post(&c, format!("{}/v1/models", s.base), &registration("mlp")).await;
    assert_eq!(
        (status, again["model_id"].as_str()),
        (200, Some(id.as_str()))
    );

    let provider = "0x00000000000000000000000000000000000000b2";
    let job = json!({ "model_id": id, "input": sample("mlp"), "job_id": 7, "provider": provider });
    let (status, accepted) = post(&c, format!("{}/v1/jobs", s.base), &job).await;
    assert_eq!(status, 202, "{accepted}");
    assert_eq!(accepted["state"], "queued");
    let done = finished(&c, &s, accepted["id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "proved", "{done}");
    assert_eq!(done["job_id"], 7);
    assert!(done["escrow_calldata"].as_str().unwrap().starts_with("0x"));
    assert_eq!(
        done["outputs"].as_array().unwrap()[0]
            .as_array()
            .unwrap()
            .len(),
        10
    );

    // the proof verifies; a tampered one does not
    let proof = done["proof"].clone();
    let (status, v) = post(
        &c,
        format!("{}/v1/verify", s.base),
        &json!({"model_id": id, "proof": proof}),
    )
    .await;
    assert_eq!((status, v["valid"].as_bool()), (200, Some(true)), "{v}");
    let mut forged = proof.clone();
    forged["job_id"] = json!(8);
    let (status, v) = post(
        &c,
        format!("{}/v1/verify", s.base),
        &json!({"model_id": id, "proof": forged}),
    )
    .await;
    assert_eq!((status, v["valid"].as_bool()), (200, Some(false)), "{v}");
    assert!(v["reason"].as_str().unwrap().len() > 5);

    // the vk and the verifier
    let r = c
        .get(format!("{}/v1/models/{id}/vk", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"ZKINFER\0"));
    let (status, ver) = get(&c, format!("{}/v1/models/{id}/verifier", s.base)).await;
    assert_eq!(status, 200);
    assert!(ver["init_code"].as_str().unwrap().len() > 1000);

    // every refusal is a 4xx with a JSON error naming the problem
    let jobs = format!("{}/v1/jobs", s.base);
    let raw = |body: &'static str| {
        c.post(jobs.clone())
            .header("content-type", "application/json")
            .body(body)
    };
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (raw("{\"model_id\": "), 400, "malformed_json"),
        (
            raw("{\"model_id\": \"x\", \"input\": [NaN]}"),
            400,
            "malformed_json",
        ),
        (
            c.post(jobs.clone())
                .json(&json!({"model_id": "nope", "input": [1.0]})),
            404,
            "unknown_model",
        ),
        (
            c.post(jobs.clone())
                .json(&json!({"model_id": id, "input": [0.5, 0.5]})),
            400,
            "bad_input",
        ),
        (
            c.post(jobs.clone())
                .json(&json!({"model_id": id, "input": vec![1e9; 64]})),
            400,
            "bad_input",
        ),
        (
            c.post(jobs.clone())
                .json(&json!({"model_id": id, "input": sample("mlp"), "provider": "0x12"})),
            400,
            "bad_provider",
        ),
        (
            c.post(jobs.clone())
                .json(&json!({"model_id": id, "input": sample("mlp"), "colour": 1})),
            400,
            "malformed_json",
        ),
        (
            c.get(format!("{}/v1/jobs/12345678", s.base)),
            404,
            "unknown_job",
        ),
        (
            c.get(format!("{}/v1/jobs/{}", s.base, "0".repeat(32))),
            404,
            "unknown_job",
        ),
        (c.get(format!("{}/v1/jobs/abc", s.base)), 404, "unknown_job"),
        (
            c.get(format!("{}/v1/models/nope", s.base)),
            404,
            "unknown_model",
        ),
        (c.get(format!("{}/v1/nothing", s.base)), 404, "not_found"),
        (
            c.post(format!("{}/v1/verify", s.base))
                .json(&json!({"model_id": id, "proof": {"version": 1}})),
            400,
            "bad_proof",
        ),
        (
            c.post(format!("{}/v1/models", s.base))
                .json(&json!({"onnx_base64": "!!", "calibration": {"input_data": [[1.0]]}})),
            400,
            "bad_onnx",
        ),
        (
            c.post(format!("{}/v1/models", s.base))
                .json(&registration("ops/_unsupported_sin")),
            400,
            "bad_model",
        ),
        (
            c.post(format!("{}/v1/models", s.base)).json(&json!({
                "onnx_base64": base64::engine::general_purpose::STANDARD.encode(b"not onnx"),
                "calibration": {"input_data": [[1.0]]}})),
            400,
            "bad_model",
        ),
    ];
    for (i, (req, status, code)) in cases.into_iter().enumerate() {
        let r = req.send().await.unwrap();
        let got = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(got, status, "case {i}: {body}");
        assert_eq!(body["code"], code, "case {i}: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "case {i}: {body}"
        );
    }
    // an oversize body is refused from its Content-Length, before it is read (sent by hand:
    // a client still writing the body may see the connection close under it)
    let (status, body) = oversize_post(&s.base, &s.token, "/v1/jobs", 5 << 20).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["code"], "body_too_large", "{body}");

    // NaN gets a message that says so
    let r = raw("{\"model_id\": \"x\", \"input\": [NaN]}")
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("NaN"), "{body}");

    // nothing stored was harmed: the proved job is still there, unchanged
    let (_, still) = get(
        &c,
        format!("{}/v1/jobs/{}", s.base, done["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(still, done);

    // an idempotency key returns the same job
    let keyed = json!({ "model_id": id, "input": sample("mlp"), "idempotency_key": "req-1" });
    let (s1, first) = post(&c, jobs.clone(), &keyed).await;
    let (s2, second) = post(&c, jobs.clone(), &keyed).await;
    assert_eq!((s1, s2), (202, 200));
    assert_eq!(first["id"], second["id"]);
    let r = c
        .post(jobs.clone())
        .header("idempotency-key", "req-1")
        .json(&json!({ "model_id": id, "input": sample("mlp") }))
        .send()
        .await
        .unwrap();
    let third: Value = r.json().await.unwrap();
    assert_eq!(third["id"], first["id"]);
    finished(&c, &s, first["id"].as_str().unwrap()).await;

    let metrics = c
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for m in [
        "zkinfer_queue_depth 0",
        "zkinfer_engine_info{engine=\"cpu\"} 1",
        "zkinfer_proofs_total 2",
        "zkinfer_job_failures_total 0",
        "zkinfer_prove_seconds_count 2",
        "zkinfer_prove_seconds_bucket{le=\"+Inf\"} 2",
    ] {
        assert!(metrics.contains(m), "{m} missing in:\n{metrics}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_submissions_are_accepted_or_refused_and_none_is_lost() {
    let s = start_with(|c| {
        c.max_queue = 24;
        c.max_queue_per_token = 1000;
    })
    .await;
    let c = client(&s.token);
    let id = register(&c, &s, "mlp").await;
    let input = sample("mlp");
    let mut tasks = Vec::new();
    for n in 0..200u64 {
        let c = c.clone();
        let url = format!("{}/v1/jobs", s.base);
        let body = json!({ "model_id": id, "input": input, "job_id": n });
        tasks.push(tokio::spawn(async move { post(&c, url, &body).await }));
    }
    let mut accepted = Vec::new();
    let mut refused = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            202 => accepted.push(body["id"].as_str().unwrap().to_string()),
            429 => {
                assert_eq!(body["code"], "queue_full", "{body}");
                refused += 1;
            }
            other => panic!("unexpected status {other}: {body}"),
        }
    }
    println!(
        "200 concurrent submissions: {} accepted, {refused} refused with 429",
        accepted.len()
    );
    assert_eq!(accepted.len() + refused, 200);
    assert!(
        !accepted.is_empty() && refused > 0,
        "the bound of 24 was not exercised"
    );
    let mut ids = accepted.clone();
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        accepted.len(),
        "two submissions got the same job"
    );
    for id in &accepted {
        let j = finished(&c, &s, id).await;
        assert_eq!(j["state"], "proved", "{j}");
    }
}

/// Lookup mode through the service: a model registered with `"proof_mode": "lookup"` gets a
/// two-round key (its record says so), its jobs' proofs state the mode, carry `C₁` and
/// ten-word escrow calldata, and verify; a tampered challenge does not; the same model
/// registered in plain mode is another model (the mode is part of the id); an unknown mode is
/// a 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookup_mode_models_prove_and_verify() {
    let s = start(8).await;
    let c = client(&s.token);
    let mut body = registration("mlp");
    body["proof_mode"] = json!("lookup");
    let (status, m) = post(&c, format!("{}/v1/models", s.base), &body).await;
    assert_eq!(status, 202, "{m}");
    let id = m["model_id"].as_str().unwrap().to_string();
    assert!(
        m["proof_mode"].as_str().unwrap().starts_with("lookup"),
        "{m}"
    );
    let plain = register(&c, &s, "mlp").await;
    assert_ne!(plain, id);
    let start = Instant::now();
    while get(&c, format!("{}/v1/models/{id}", s.base)).await.1["state"] != "ready" {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "setup never finished"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let job = json!({ "model_id": id, "input": sample("mlp"), "job_id": 3,
        "provider": "0x00000000000000000000000000000000000000b2" });
    let (status, accepted) = post(&c, format!("{}/v1/jobs", s.base), &job).await;
    assert_eq!(status, 202, "{accepted}");
    let done = finished(&c, &s, accepted["id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "proved", "{done}");
    let proof = done["proof"].clone();
    assert_eq!(proof["mode"], "lookup");
    assert!(proof["round1_commitment"].as_str().is_some());
    // selector, job id, two offsets, proof length + 10 words, outputs
    let calldata = hex::decode(&done["escrow_calldata"].as_str().unwrap()[2..]).unwrap();
    let words = u64::from_be_bytes(calldata[4 + 96 + 24..4 + 128].try_into().unwrap());
    assert_eq!(words, 10);
    let verify = |p: Value| {
        let c = c.clone();
        let url = format!("{}/v1/verify", s.base);
        let body = json!({"model_id": id, "proof": p});
        async move { post(&c, url, &body).await }
    };
    let (status, v) = verify(proof.clone()).await;
    assert_eq!((status, v["valid"].as_bool()), (200, Some(true)), "{v}");
    let mut forged = proof.clone();
    let last = forged["public_inputs"].as_array().unwrap().len() - 1;
    forged["public_inputs"][last] = json!(format!("0x{}", "00".repeat(31) + "01"));
    let (status, v) = verify(forged).await;
    assert_eq!((status, v["valid"].as_bool()), (200, Some(false)), "{v}");

    let mut bad = registration("mlp");
    bad["proof_mode"] = json!("fast");
    let got = post(&c, format!("{}/v1/models", s.base), &bad).await;
    assert_error(got, 400, "bad_proof_mode", "unknown mode");
}
