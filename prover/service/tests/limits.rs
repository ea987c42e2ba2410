//! The security review's findings #3, #5 and #13 on a real server: budgets before setup,
//! quotas, bounded registrations, retention, and hostile ONNX files refused quickly.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod common;

#[allow(clippy::wildcard_imports)]
use common::*;

use std::time::{Duration, Instant};

use serde_json::json;

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
        message.contains("3296") && message.contains("1000"),
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
