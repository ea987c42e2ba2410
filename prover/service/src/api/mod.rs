//! The HTTP API: one filter per endpoint, every body size-limited, every error a JSON body.
//! See `prover/service/openapi.json` for the document a test holds against these routes.

pub mod error;
mod jobs;
mod models;
mod verify;

use warp::Filter;

use crate::AppState;
use error::{answer, handle_rejection};

/// Largest `POST /v1/models` body (the ONNX file, base64, and calibration data).
pub const MODEL_BODY_LIMIT: u64 = 64 << 20;
/// Largest `POST /v1/jobs` and `POST /v1/verify` body.
pub const JOB_BODY_LIMIT: u64 = 4 << 20;

fn with_state(
    state: AppState,
) -> impl Filter<Extract = (AppState,), Error = std::convert::Infallible> + Clone {
    warp::any().map(move || state.clone())
}

/// Every route of the API, with JSON errors for everything it refuses.
pub fn routes(
    state: AppState,
) -> impl Filter<Extract = (warp::reply::Response,), Error = std::convert::Infallible> + Clone {
    // GET /healthz
    let health = warp::path!("healthz")
        .and(warp::get())
        .map(|| warp::reply::json(&serde_json::json!({ "status": "ok" })));
    // GET /metrics
    let metrics = warp::path!("metrics")
        .and(warp::get())
        .and(with_state(state.clone()))
        .map(|s: AppState| {
            warp::reply::with_header(
                s.metrics.render(s.store.queued()),
                "content-type",
                "text/plain; version=0.0.4",
            )
        });
    // POST /v1/models
    let register = warp::path!("v1" / "models")
        .and(warp::post())
        .and(with_state(state.clone()))
        .and(warp::body::content_length_limit(MODEL_BODY_LIMIT))
        .and(warp::body::bytes())
        .and_then(|s, b| async move { answer(models::register(s, b).await) });
    // GET /v1/models/{id}
    let model = warp::path!("v1" / "models" / String)
        .and(warp::get())
        .and(with_state(state.clone()))
        .and_then(|id, s| async move { answer(models::get(s, id).await) });
    // GET /v1/models/{id}/vk
    let vk = warp::path!("v1" / "models" / String / "vk")
        .and(warp::get())
        .and(with_state(state.clone()))
        .and_then(|id, s| async move { answer(models::vk(s, id).await) });
    // GET /v1/models/{id}/verifier
    let verifier = warp::path!("v1" / "models" / String / "verifier")
        .and(warp::get())
        .and(with_state(state.clone()))
        .and_then(|id, s| async move { answer(models::verifier(s, id).await) });
    // POST /v1/jobs
    let submit = warp::path!("v1" / "jobs")
        .and(warp::post())
        .and(with_state(state.clone()))
        .and(warp::header::optional::<String>("idempotency-key"))
        .and(warp::body::content_length_limit(JOB_BODY_LIMIT))
        .and(warp::body::bytes())
        .and_then(|s, k, b| async move { answer(jobs::submit(s, k, b).await) });
    // GET /v1/jobs/{id}
    let job = warp::path!("v1" / "jobs" / String)
        .and(warp::get())
        .and(with_state(state.clone()))
        .and_then(|id, s| async move { answer(jobs::get(s, id).await) });
    // POST /v1/verify
    let check = warp::path!("v1" / "verify")
        .and(warp::post())
        .and(with_state(state))
        .and(warp::body::content_length_limit(JOB_BODY_LIMIT))
        .and(warp::body::bytes())
        .and_then(|s, b| async move { answer(verify::verify(s, b).await) });

    health
        .map(warp::Reply::into_response)
        .or(metrics.map(warp::Reply::into_response))
        .unify()
        .or(register)
        .unify()
        .or(model)
        .unify()
        .or(vk)
        .unify()
        .or(verifier)
        .unify()
        .or(submit)
        .unify()
        .or(job)
        .unify()
        .or(check)
        .unify()
        .recover(handle_rejection)
        .unify()
}
