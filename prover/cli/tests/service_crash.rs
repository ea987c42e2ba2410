//! `zkinfer serve` killed with SIGKILL while a proof runs, then restarted on the same data
//! directory: the job is resumed and completes, nothing is lost or duplicated. The client
//! authenticates with a token made by `zkinfer token create`, which survives the restart.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::models;
use serde_json::{json, Value};

/// A `zkinfer serve` process, killed when dropped.
struct Served {
    child: Child,
    base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data: &Path) -> Served {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_zkinfer"))
        .args(["serve", "--data", data.to_str().unwrap()])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "serve did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Served {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

/// Makes an API token with `zkinfer token create` (the service must not be running).
fn token(data: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_zkinfer"))
        .args(["token", "create", "--data", data.to_str().unwrap()])
        .args(["--label", "crash test"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("zkt_"), "{token}");
    token
}

fn client(token: &str) -> reqwest::blocking::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    // registration compiles the model inside the request: allow for a loaded machine
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(300))
        .default_headers(headers)
        .build()
        .unwrap()
}

#[test]
fn a_job_killed_mid_proof_is_resumed_after_restart() {
    let data = tempfile::tempdir().unwrap();
    let dir = models().join("lenet5");
    let c = client(&token(data.path()));
    let get = |url: String| -> Value { c.get(url).send().unwrap().json().unwrap() };
    let post = |url: String, body: &Value| -> Value {
        c.post(url).json(body).send().unwrap().json().unwrap()
    };
    let server = serve(data.path());
    // without the token: 401
    let anon =
        reqwest::blocking::get(format!("{}/v1/jobs/{}", server.base, "0".repeat(32))).unwrap();
    assert_eq!(anon.status().as_u16(), 401);

    let registration = json!({
        "name": "lenet5.onnx",
        "onnx_base64": base64::engine::general_purpose::STANDARD
            .encode(std::fs::read(dir.join("model.onnx")).unwrap()),
        "calibration": serde_json::from_str::<Value>(
            &std::fs::read_to_string(dir.join("calibration.json")).unwrap()).unwrap(),
    });
    let r: Value = post(format!("{}/v1/models", server.base), &registration);
    let id = r["model_id"].as_str().unwrap().to_string();
    let start = Instant::now();
    while get(format!("{}/v1/models/{id}", server.base))["state"] != "ready" {
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "setup never finished"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let input: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("input.json")).unwrap()).unwrap();
    let job = json!({ "model_id": id, "input": input, "job_id": 3, "idempotency_key": "crash-1" });
    let accepted: Value = post(format!("{}/v1/jobs", server.base), &job);
    let job_id = accepted["id"].as_str().unwrap().to_string();

    // wait until a worker is proving it, then SIGKILL the server
    let start = Instant::now();
    loop {
        let j = get(format!("{}/v1/jobs/{job_id}", server.base));
        if j["state"] == "proving" {
            assert!(j["progress"]["elapsed_s"].is_number(), "{j}");
            break;
        }
        assert_eq!(
            j["state"], "queued",
            "finished before it could be killed: {j}"
        );
        assert!(start.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(server); // Child::kill sends SIGKILL

    let server = serve(data.path());
    // the same idempotency key still names the same job: no duplicate
    let again: Value = post(format!("{}/v1/jobs", server.base), &job);
    assert_eq!(again["id"].as_str(), Some(job_id.as_str()));
    let start = Instant::now();
    let done = loop {
        let j = get(format!("{}/v1/jobs/{job_id}", server.base));
        if j["state"] == "proved" || j["state"] == "failed" {
            break j;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "never resumed: {j}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(done["state"], "proved", "{done}");
    assert_eq!(done["attempts"], 2, "{done}");
    assert_eq!(done["job_id"], 3);
    let v: Value = post(
        format!("{}/v1/verify", server.base),
        &json!({ "model_id": id, "proof": done["proof"] }),
    );
    assert_eq!(v["valid"], true, "{v}");
    let metrics = c
        .get(format!("{}/metrics", server.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(metrics.contains("zkinfer_queue_depth 0"), "{metrics}");
}

#[test]
fn tokens_are_listed_without_secrets_and_revoked_by_id() {
    let data = tempfile::tempdir().unwrap();
    let secret = token(data.path());
    let zkinfer = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_zkinfer"))
            .args(args)
            .args(["--data", data.path().to_str().unwrap()])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (code, list, _) = zkinfer(&["token", "list"]);
    assert_eq!(code, Some(0));
    assert!(list.contains("crash test"), "{list}");
    assert!(!list.contains(&secret), "the list shows a secret: {list}");
    let id = list
        .lines()
        .find(|l| l.contains("crash test"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    assert_eq!(zkinfer(&["token", "revoke", &id]).0, Some(0));
    let (_, list, _) = zkinfer(&["token", "list"]);
    assert!(!list.contains(&id), "{list}");
    let (code, _, err) = zkinfer(&["token", "revoke", &id]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no token"), "{err}");
    // a revoked token is refused by the service
    let server = serve(data.path());
    let r = client(&secret)
        .get(format!("{}/metrics", server.base))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}
