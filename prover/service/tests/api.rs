//! The prover service on a real server (127.0.0.1, ephemeral port) over a real sled store:
//! register a model, prove jobs, verify, every 4xx path, idempotency, metrics, a bounded load
//! test of 200 concurrent submissions, and the security review's service findings (tokens,
//! per-token scoping, random job ids, content type, Host and Origin, budgets, quotas,
//! idempotency conflicts, retention).

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
    /// A token's secret (`Authorization: Bearer ...`).
    token: String,
    state: AppState,
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

impl Server {
    /// Makes another token on this server's store.
    fn new_token(&self, label: &str) -> String {
        let (secret, _) = self.state.store.create_token(label, 0).unwrap();
        secret.as_str().to_string()
    }
}

/// A client that sends `token` with every request.
fn client(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

async fn start(max_queue: usize) -> Server {
    start_with(|c| c.max_queue = max_queue).await
}

async fn start_with(configure: impl FnOnce(&mut ServiceConfig)) -> Server {
    let data = tempfile::tempdir().unwrap();
    let mut config = ServiceConfig::new(data.path().to_path_buf(), "service test");
    configure(&mut config);
    let state = AppState::open(config).await.unwrap();
    let (secret, _) = state.store.create_token("test", 0).unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let listen: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let (addr, _task) = serve(state.clone(), listen, async {
        let _ = rx.await;
    })
    .await
    .unwrap();
    Server {
        base: format!("http://{addr}"),
        token: secret.as_str().to_string(),
        state,
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
async fn oversize_post(base: &str, token: &str, path: &str, len: usize) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Authorization: Bearer {token}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
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
    let c = client(&s.token);
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

/// Sends `req` and returns the status and the JSON body (Null if none).
async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn assert_error(got: (u16, Value), status: u16, code: &str, what: &str) {
    assert_eq!(got.0, status, "{what}: {}", got.1);
    assert_eq!(got.1["code"], code, "{what}: {}", got.1);
    assert!(
        got.1["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: {}",
        got.1
    );
}

/// Findings #4 and #8 of the security review: every route but /healthz needs a token; jobs and
/// models are per token (404 to others); job ids are random; idempotency keys are per token,
/// tied to their request and bounded; JSON bodies only; foreign Host and Origin refused; a
/// token cannot fill the whole queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_scope_everything_and_browsers_and_foreign_hosts_are_refused() {
    // no workers: submitted jobs stay queued, so the per-token quota is deterministic
    let s = start_with(|c| {
        c.workers = 0;
        c.max_queue_per_token = 3;
        c.cors_origins = vec!["https://app.example".into()];
    })
    .await;
    let alice = client(&s.token);
    let bob = client(&s.new_token("bob"));
    let anon = reqwest::Client::new();
    let b = &s.base;

    // /healthz is open; everything else needs a valid token
    let (status, h) = send(anon.get(format!("{b}/healthz"))).await;
    assert_eq!((status, h["status"].as_str()), (200, Some("ok")));
    let id = register(&alice, &s, "mlp").await;
    let anon_requests = [
        anon.get(format!("{b}/metrics")),
        anon.post(format!("{b}/v1/models"))
            .json(&registration("mlp")),
        anon.get(format!("{b}/v1/models/{id}")),
        anon.get(format!("{b}/v1/models/{id}/vk")),
        anon.get(format!("{b}/v1/models/{id}/verifier")),
        anon.post(format!("{b}/v1/jobs"))
            .json(&json!({"model_id": id, "input": sample("mlp")})),
        anon.get(format!("{b}/v1/jobs/{}", "0".repeat(32))),
        anon.post(format!("{b}/v1/verify"))
            .json(&json!({"model_id": id, "proof": {}})),
        anon.get(format!("{b}/v1/models/{id}"))
            .header("authorization", "Bearer zkt_0000"),
        anon.get(format!("{b}/v1/models/{id}"))
            .header("authorization", format!("Basic {}", s.token)),
    ];
    for (i, req) in anon_requests.into_iter().enumerate() {
        let r = req.send().await.unwrap();
        assert_eq!(
            r.headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap().to_string()),
            Some("Bearer realm=\"zkinfer\"".to_string()),
            "case {i}"
        );
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_error(
            (status, body),
            401,
            "unauthorized",
            &format!("anonymous case {i}"),
        );
    }

    // bob cannot see, prove with or verify against alice's model
    for (what, req) in [
        ("model", bob.get(format!("{b}/v1/models/{id}"))),
        ("vk", bob.get(format!("{b}/v1/models/{id}/vk"))),
        ("verifier", bob.get(format!("{b}/v1/models/{id}/verifier"))),
        (
            "job",
            bob.post(format!("{b}/v1/jobs"))
                .json(&json!({"model_id": id, "input": sample("mlp")})),
        ),
        (
            "verify",
            bob.post(format!("{b}/v1/verify"))
                .json(&json!({"model_id": id, "proof": {}})),
        ),
    ] {
        assert_error(send(req).await, 404, "unknown_model", what);
    }

    // job ids are 128-bit random hex; another token's job is 404, like a missing one
    let jobs = format!("{b}/v1/jobs");
    let job = |job_id: u64| json!({ "model_id": id, "input": sample("mlp"), "job_id": job_id });
    let (st, j1) = post(&alice, jobs.clone(), &job(1)).await;
    assert_eq!(st, 202, "{j1}");
    let (st, j2) = post(&alice, jobs.clone(), &job(2)).await;
    assert_eq!(st, 202, "{j2}");
    let (id1, id2) = (j1["id"].as_str().unwrap(), j2["id"].as_str().unwrap());
    for jid in [id1, id2] {
        assert!(
            jid.len() == 32 && jid.bytes().all(|c| c.is_ascii_hexdigit()),
            "{jid}"
        );
    }
    assert_ne!(id1, id2);
    assert!(j1.get("owner").is_none(), "{j1}");
    let (st, mine) = get(&alice, format!("{jobs}/{id1}")).await;
    assert_eq!((st, mine["id"].as_str()), (200, Some(id1)));
    assert_error(
        send(bob.get(format!("{jobs}/{id1}"))).await,
        404,
        "unknown_job",
        "bob reads alice's job",
    );
    for guess in ["0", "1", "+0", "00", &id1.to_uppercase()] {
        assert_error(
            send(alice.get(format!("{jobs}/{guess}"))).await,
            404,
            "unknown_job",
            guess,
        );
    }

    // idempotency keys: per token, tied to the request, bounded
    let keyed = |job_id: u64| {
        let mut j = job(job_id);
        j["idempotency_key"] = json!("k1");
        j
    };
    let (st, k1) = post(&alice, jobs.clone(), &keyed(3)).await;
    assert_eq!(st, 202, "{k1}");
    let (st, again) = post(&alice, jobs.clone(), &keyed(3)).await;
    assert_eq!((st, &again["id"]), (200, &k1["id"]), "{again}");
    assert_eq!(again["idempotency_key"], "k1");
    assert_error(
        post(&alice, jobs.clone(), &keyed(4)).await,
        409,
        "idempotency_key_reused",
        "same key, other job_id",
    );
    let r = alice
        .post(jobs.clone())
        .header("idempotency-key", "k1")
        .json(&json!({ "model_id": id, "input": sample("mlp"), "job_id": 3, "provider": "0x00000000000000000000000000000000000000b2" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409, "same key, other provider");
    for long in ["x".repeat(129), String::new()] {
        let mut j = job(5);
        j["idempotency_key"] = json!(long);
        assert_error(
            post(&alice, jobs.clone(), &j).await,
            400,
            "bad_idempotency_key",
            "key length",
        );
    }
    let r = alice
        .post(jobs.clone())
        .header("idempotency-key", "y".repeat(4096))
        .json(&job(5))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400, "long header key");

    // alice has 3 jobs waiting: her quota; bob's key k1 is his own
    assert_error(
        post(&alice, jobs.clone(), &job(6)).await,
        429,
        "token_queue_full",
        "alice over her quota",
    );
    assert_eq!(
        post(&bob, format!("{b}/v1/models"), &registration("mlp"))
            .await
            .0,
        200,
        "bob registers the same model: no new setup"
    );
    let (st, bk1) = post(&bob, jobs.clone(), &keyed(99)).await;
    assert_eq!(st, 202, "{bk1}");
    assert_ne!(bk1["id"], k1["id"]);

    // JSON bodies only (what a cross-site form or fetch without preflight can send is refused)
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut req = alice.post(jobs.clone()).body(job(7).to_string());
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        assert_error(
            send(req).await,
            415,
            "unsupported_media_type",
            &format!("{ct:?}"),
        );
    }
    let r = alice
        .post(format!("{b}/v1/models"))
        .header("content-type", "text/plain")
        .body(registration("mlp").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);

    // foreign Host (DNS rebinding) and foreign Origin (cross-site) are refused
    let port = b.rsplit(':').next().unwrap();
    assert_error(
        send(
            alice
                .get(format!("{jobs}/{id1}"))
                .header("host", format!("evil.example:{port}")),
        )
        .await,
        421,
        "unknown_host",
        "foreign host",
    );
    let (st, _) = send(
        alice
            .get(format!("{jobs}/{id1}"))
            .header("host", format!("localhost:{port}")),
    )
    .await;
    assert_eq!(st, 200, "localhost is this service");
    assert_error(
        send(
            alice
                .post(format!("{b}/v1/models"))
                .header("origin", "https://evil.example")
                .json(&registration("mlp")),
        )
        .await,
        403,
        "origin_refused",
        "foreign origin",
    );
    let r = alice
        .get(format!("{jobs}/{id1}"))
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.headers().get("access-control-allow-origin").unwrap(),
        "https://app.example"
    );
    let r = alice.get(format!("{jobs}/{id1}")).send().await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = anon
        .request(reqwest::Method::OPTIONS, jobs.clone())
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert!(r
        .headers()
        .get("access-control-allow-headers")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("authorization"));
    // /healthz answers whatever the Host
    let (st, _) = send(
        anon.get(format!("{b}/healthz"))
            .header("host", "evil.example"),
    )
    .await;
    assert_eq!(st, 200);
}

/// Finding #3 (part): a model over the constraint or memory budget is refused before its
/// setup, quickly, naming the figure; the service keeps answering. Finding #5 (part): models
/// per token are bounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_over_budget_or_quota_are_refused_before_setup() {
    let s = start_with(|c| c.limits.max_constraints = 1_000).await;
    let c = client(&s.token);
    let start = Instant::now();
    let got = post(&c, format!("{}/v1/models", s.base), &registration("mlp")).await;
    println!(
        "mlp refused in {:.2}s: {}",
        start.elapsed().as_secs_f64(),
        got.1
    );
    assert_error(got.clone(), 422, "too_many_constraints", "over constraints");
    let message = got.1["message"].as_str().unwrap();
    assert!(
        message.contains("3629") && message.contains("1000"),
        "{message}"
    );
    assert!(start.elapsed() < Duration::from_secs(60));
    let (st, h) = get(&c, format!("{}/healthz", s.base)).await;
    assert_eq!((st, h["status"].as_str()), (200, Some("ok")));
    // nothing was kept of the refused model
    let (st, _) = get(&c, format!("{}/metrics", s.base)).await;
    assert_eq!(st, 200);
    assert_eq!(s.state.store.models().unwrap().len(), 0);

    // one model per token here: the second is refused
    let s = start_with(|c| c.max_models_per_token = 1).await;
    let c = client(&s.token);
    let relu = register(&c, &s, "ops/relu").await;
    assert!(!relu.is_empty());
    assert_error(
        post(
            &c,
            format!("{}/v1/models", s.base),
            &registration("ops/gemm"),
        )
        .await,
        429,
        "too_many_models",
        "second model",
    );
    // registering the one it has is still fine
    let (st, again) = post(
        &c,
        format!("{}/v1/models", s.base),
        &registration("ops/relu"),
    )
    .await;
    assert_eq!((st, again["model_id"].as_str()), (200, Some(relu.as_str())));

    // the memory estimate: mlp is 64 MiB + 4 KiB × 3,8xx ≈ 79 MiB
    let s = start_with(|c| c.limits.max_memory_bytes = 70 << 20).await;
    let c = client(&s.token);
    let got = post(&c, format!("{}/v1/models", s.base), &registration("mlp")).await;
    assert_error(got.clone(), 422, "over_memory_budget", "over memory");
    assert!(
        got.1["message"].as_str().unwrap().contains("70 MiB"),
        "{}",
        got.1
    );
}

/// Finding #14: verifying against a model still setting up is 409, not 500. Finding #5 (part):
/// registrations are bounded per token and in the whole service, and setups run one at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_while_setting_up_is_409_and_registrations_are_bounded() {
    let s = start_with(|c| {
        c.max_pending_setups = 2;
        c.max_setups_per_token = 1;
    })
    .await;
    let c = client(&s.token);
    let (status, body) = post(&c, format!("{}/v1/models", s.base), &registration("lenet5")).await;
    assert_eq!(
        (status, body["state"].as_str()),
        (202, Some("setting_up")),
        "{body}"
    );
    let id = body["model_id"].as_str().unwrap();
    let got = post(
        &c,
        format!("{}/v1/verify", s.base),
        &json!({"model_id": id, "proof": {"version": 1}}),
    )
    .await;
    assert_error(got, 409, "model_not_ready", "verify while setting up");

    // lenet5's setup takes seconds: meanwhile this token may not start another registration
    assert_error(
        post(&c, format!("{}/v1/models", s.base), &registration("mlp")).await,
        429,
        "too_many_setups",
        "second registration of one token",
    );
    // another token may (its setup waits for the one setup slot) ...
    let bob = client(&s.new_token("bob"));
    let (status, body) = post(&bob, format!("{}/v1/models", s.base), &registration("mlp")).await;
    assert_eq!(
        (status, body["state"].as_str()),
        (202, Some("setting_up")),
        "{body}"
    );
    // ... until the service's queue of pending registrations is full
    let carol = client(&s.new_token("carol"));
    assert_error(
        post(
            &carol,
            format!("{}/v1/models", s.base),
            &registration("ops/relu"),
        )
        .await,
        429,
        "setup_queue_full",
        "third pending registration",
    );
}

/// Finding #5 (part): finished jobs are deleted after the retention time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_jobs_expire_after_the_retention_time() {
    let s = start_with(|c| c.job_retention_secs = 1).await;
    let c = client(&s.token);
    let id = register(&c, &s, "mlp").await;
    let (st, j) = post(
        &c,
        format!("{}/v1/jobs", s.base),
        &json!({ "model_id": id, "input": sample("mlp"), "idempotency_key": "r1" }),
    )
    .await;
    assert_eq!(st, 202, "{j}");
    let jid = j["id"].as_str().unwrap();
    assert_eq!(finished(&c, &s, jid).await["state"], "proved");
    let start = Instant::now();
    loop {
        let (st, body) = get(&c, format!("{}/v1/jobs/{jid}", s.base)).await;
        if st == 404 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "job never expired: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // its idempotency key went with it: the key makes a new job
    let (st, j2) = post(
        &c,
        format!("{}/v1/jobs", s.base),
        &json!({ "model_id": id, "input": sample("mlp"), "idempotency_key": "r1" }),
    )
    .await;
    assert_eq!(st, 202, "{j2}");
    assert_ne!(j2["id"].as_str(), Some(jid));
}

/// Finding #3 and #13 of the security review, over HTTP with the default limits: the 218-byte
/// Conv with pads 2^20 (a 70 TB tensor), the Conv whose dilation wrapped, and the 2.4 KB Conv
/// whose million-element output would be tens of millions of constraints are each refused with
/// a 4xx naming the figure, before anything large is allocated; the service keeps answering
/// and stores nothing of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_onnx_files_are_refused_quickly_and_the_service_lives() {
    let s = start_with(|_| {}).await;
    let c = client(&s.token);
    for (name, status, code, figure) in [
        (
            "ops/_conv_pads_huge",
            400,
            "bad_model",
            "8796143353928 elements",
        ),
        ("ops/_conv_dilation_wrap", 400, "bad_model", "overflow"),
        ("ops/_conv_amplify", 422, "too_many_constraints", "4000000"),
    ] {
        let start = Instant::now();
        let got = post(&c, format!("{}/v1/models", s.base), &registration(name)).await;
        println!(
            "{name}: {} in {:.2}s: {}",
            got.0,
            start.elapsed().as_secs_f64(),
            got.1
        );
        assert_error(got.clone(), status, code, name);
        let message = got.1["message"].as_str().unwrap();
        assert!(message.contains(figure), "{name}: {message}");
        let (st, h) = get(&c, format!("{}/healthz", s.base)).await;
        assert_eq!((st, h["status"].as_str()), (200, Some("ok")), "{name}");
    }
    assert_eq!(s.state.store.models().unwrap().len(), 0);
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
