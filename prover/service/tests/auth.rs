//! The security review's findings #4 and #8 on a real server: tokens, per-token scoping,
//! random job ids, idempotency per token, content type, Host and Origin.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod common;

#[allow(clippy::wildcard_imports)]
use common::*;

use serde_json::{json, Value};

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
    let anon = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
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
