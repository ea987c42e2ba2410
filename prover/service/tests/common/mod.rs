//! What the service tests share: a real server on 127.0.0.1 over a fresh sled store with one
//! token, clients that send it, the bundled models as registrations, and request helpers.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use zkinfer_service::{serve, AppState, ServiceConfig};

pub fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

/// A running service and the secret of its first token.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A token's secret (`Authorization: Bearer ...`).
    pub token: String,
    /// The service's state (its store, for checks behind the API).
    pub state: AppState,
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
    pub fn new_token(&self, label: &str) -> String {
        let (secret, _) = self.state.store.create_token(label, 0).unwrap();
        secret.as_str().to_string()
    }
}

/// A client that sends `token` with every request.
///
/// It opens a connection per request: the server answers a refused request (403, 413) before
/// reading its body and then closes the connection, so a pooled connection can be gone when
/// the next request is written on it (a `BrokenPipe` race in the client, not a server error).
pub fn client(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

pub async fn start(max_queue: usize) -> Server {
    start_with(|c| c.max_queue = max_queue).await
}

pub async fn start_with(configure: impl FnOnce(&mut ServiceConfig)) -> Server {
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

pub fn registration(name: &str) -> Value {
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

pub fn sample(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(models().join(name).join("input.json")).unwrap())
        .unwrap()
}

pub async fn post(c: &reqwest::Client, url: String, body: &Value) -> (u16, Value) {
    let r = c.post(url).json(body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub async fn get(c: &reqwest::Client, url: String) -> (u16, Value) {
    let r = c.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Sends only the headers of a POST announcing a `len`-byte body and reads the answer.
pub async fn oversize_post(base: &str, token: &str, path: &str, len: usize) -> (u16, Value) {
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
pub async fn register(c: &reqwest::Client, s: &Server, name: &str) -> String {
    register_body(c, s, &registration(name)).await
}

/// Registers the model of `body` and waits until its keys exist; returns the model id.
pub async fn register_body(c: &reqwest::Client, s: &Server, body: &Value) -> String {
    let (status, body) = post(c, format!("{}/v1/models", s.base), body).await;
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
pub async fn finished(c: &reqwest::Client, s: &Server, id: &str) -> Value {
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

/// Sends `req` and returns the status and the JSON body (Null if none).
pub async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub fn assert_error(got: (u16, Value), status: u16, code: &str, what: &str) {
    assert_eq!(got.0, status, "{what}: {}", got.1);
    assert_eq!(got.1["code"], code, "{what}: {}", got.1);
    assert!(
        got.1["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: {}",
        got.1
    );
}
