//! `openapi.json` describes exactly the server's routes: every documented operation is routed
//! by a live server (it never answers the router's `not_found`/`method_not_allowed`), its
//! answers, with a token and without, use documented status codes with the documented error
//! shape, and every route in `src/api/mod.rs` is documented.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;

use serde_json::Value;
use zkinfer_service::{serve, AppState, ServiceConfig};

fn spec() -> Value {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json"))
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn documented(spec: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.insert((method.to_uppercase(), path.clone()));
        }
    }
    ops
}

#[test]
fn every_route_in_the_source_is_documented_and_vice_versa() {
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api/mod.rs"))
            .unwrap();
    let routed: BTreeSet<(String, String)> = source
        .lines()
        .filter_map(|l| l.trim().strip_prefix("// "))
        .filter_map(|l| l.split_once(' '))
        .filter(|(m, p)| ["GET", "POST"].contains(m) && p.starts_with('/'))
        .map(|(m, p)| (m.to_string(), p.trim().to_string()))
        .collect();
    assert_eq!(routed, documented(&spec()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_server_answers_every_documented_operation_as_documented() {
    let spec = spec();
    let data = tempfile::tempdir().unwrap();
    let mut config = ServiceConfig::new(data.path().to_path_buf(), "openapi test");
    config.max_queue = 8;
    let state = AppState::open(config).await.unwrap();
    let (token, _) = state.store.create_token("openapi", 0).unwrap();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let listen: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let (addr, _task) = serve(state, listen, async {
        let _ = rx.await;
    })
    .await
    .unwrap();
    let c = reqwest::Client::new();
    for authorized in [true, false] {
        for (method, path) in documented(&spec) {
            let url = format!("http://{addr}{}", path.replace("{id}", "0"));
            let mut req = match method.as_str() {
                "GET" => c.get(&url),
                _ => c.post(&url).json(&serde_json::json!({})),
            };
            if authorized {
                req = req.bearer_auth(token.as_str());
            }
            let r = req.send().await.unwrap();
            let status = r.status().as_u16().to_string();
            let body = r.bytes().await.unwrap();
            let op = &spec["paths"][&path][method.to_lowercase()];
            assert!(
                op["responses"].get(&status).is_some(),
                "{method} {path} (token: {authorized}) answered {status}, which the document does not list"
            );
            if !authorized && path != "/healthz" {
                assert_eq!(status, "401", "{method} {path} without a token");
            }
            if status.starts_with('4') || status.starts_with('5') {
                let e: Value = serde_json::from_slice(&body).unwrap();
                let code = e["code"].as_str().unwrap();
                assert!(
                    code != "not_found" && code != "method_not_allowed",
                    "{method} {path} is not routed: {e}"
                );
                assert!(e["message"].is_string(), "{e}");
            }
        }
    }
    let _ = stop.send(());
}
