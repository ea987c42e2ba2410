//! The prover service on a real server (127.0.0.1, ephemeral port) over a real sled store:
//! register a model, prove jobs, verify, every 4xx path, idempotency, metrics, and a bounded
//! load test of 200 concurrent submissions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use zkinfer_service::{serve, AppState, ServiceConfig};

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

struct Server {
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

async fn start(max_queue: usize) -> Server {
    let data = tempfile::tempdir().unwrap();
    let state = AppState::open(ServiceConfig {
        data: data.path().to_path_buf(),
        workers: 1,
        max_queue,
        made_by: "service test".into(),
    })
    .await
    .unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let listen: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let (addr, _task) = serve(state, listen, async {
        let _ = rx.await;
    })
    .await
    .unwrap();
    Server {
        base: format!("http://{addr}"),
        stop: Some(tx),
        _data: data,
    }
}

fn registration(name: &str) -> Value {
    let dir = models().join(name);
    let onnx = std::fs::read(dir.join("model.onnx")).unwrap();
    let calibration: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("calibration.json")).unwrap())
            .unwrap();
    json!({
        "name": format!("{name}.onnx"),
        "onnx_base64": base64::engine::general_purpose::STANDARD.encode(onnx),
        "calibration": calibration,
    })
}

fn sample(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(models().join(name).join("input.json")).unwrap())
        .unwrap()
}

async fn post(c: &reqwest::Client, url: String, body: &Value) -> (u16, Value) {
    let r = c.post(url).json(body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get(c: &reqwest::Client, url: String) -> (u16, Value) {
    let r = c.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Sends only the headers of a POST announcing a `len`-byte body and reads the answer.
async fn oversize_post(base: &str, path: &str, len: usize) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {len}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
        .await
        .expect("the server answers without waiting for the body")
        .unwrap();
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    // the body may be chunked: take the JSON object inside it
    let json = match (body.find('{'), body.rfind('}')) {
        (Some(a), Some(b)) => serde_json::from_str(&body[a..=b]).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (status, json)
}

/// Registers `name` and waits until its keys exist; returns the model id.
async fn register(c: &reqwest::Client, s: &Server, name: &str) -> String {
    let (status, body) = post(c, format!("{}/v1/models", s.base), &registration(name)).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["state"], "setting_up");
    let id = body["model_id"].as_str().unwrap().to_string();
    let start = Instant::now();
    loop {
        let (_, m) = get(c, format!("{}/v1/models/{id}", s.base)).await;
        if m["state"] == "ready" {
            assert!(m["constraints"].as_u64().unwrap() > 0);
            return id;
        }
        assert_ne!(m["state"], "failed", "{m}");
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "setup never finished"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until job `id` is final; returns its record.
async fn finished(c: &reqwest::Client, s: &Server, id: &str) -> Value {
    let start = Instant::now();
    loop {
        let (status, j) = get(c, format!("{}/v1/jobs/{id}", s.base)).await;
        assert_eq!(status, 200, "{j}");
        if j["state"] == "proved" || j["state"] == "failed" {
            return j;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "job {id} never finished: {j}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_prove_verify_and_every_refusal() {
    let s = start(64).await;
    let c = reqwest::Client::new();
    let (status, h) = get(&c, format!("{}/healthz", s.base)).await;
    assert_eq!((status, h["status"].as_str()), (200, Some("ok")));

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
                .json(&registration("ops/_unsupported_sigmoid")),
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
    let (status, body) = oversize_post(&s.base, "/v1/jobs", 5 << 20).await;
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
    let s = start(24).await;
    let c = reqwest::Client::new();
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
