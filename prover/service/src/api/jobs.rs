//! `POST /v1/jobs` and `GET /v1/jobs/{id}`.

use serde::Deserialize;
use warp::http::StatusCode;
use warp::reply::{json, with_status, Response};
use warp::Reply;
use zkinfer_ir::{quantize, InputData};
use zkinfer_verifier::address_from_hex;

use super::error::{parse_json, ApiError};
use crate::job::JobState;
use crate::models::ModelState;
use crate::store::{parse_job_id, NewJob};
use crate::{now_unix, AppState};

/// The body of `POST /v1/jobs`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitJob {
    model_id: String,
    /// `{"input_data": [[...]]}`, `[[...]]` (one list per input) or `[...]` (single input).
    input: serde_json::Value,
    #[serde(default)]
    chain_id: u64,
    escrow: Option<String>,
    #[serde(default)]
    job_id: u64,
    provider: Option<String>,
    idempotency_key: Option<String>,
}

fn input_lists(v: serde_json::Value) -> Result<Vec<Vec<f64>>, ApiError> {
    let bad = |m: String| ApiError::bad_request("bad_input", m);
    match v {
        serde_json::Value::Object(_) => serde_json::from_value::<InputData>(v)
            .map(|d| d.input_data)
            .map_err(|e| bad(format!("input: {e}"))),
        serde_json::Value::Array(ref items) if items.iter().all(|i| i.is_array()) => {
            serde_json::from_value(v).map_err(|e| bad(format!("input: {e}")))
        }
        serde_json::Value::Array(_) => serde_json::from_value::<Vec<f64>>(v)
            .map(|l| vec![l])
            .map_err(|e| bad(format!("input: {e}"))),
        _ => Err(bad(
            "input must be {\"input_data\": [[...]]}, [[...]] or [...]".into(),
        )),
    }
}

/// `POST /v1/jobs`: validates, persists the job as queued, and answers 202 with its id (200
/// with the existing job for a repeated idempotency key; 429 when the queue is full).
pub async fn submit(
    state: AppState,
    header_key: Option<String>,
    body: bytes::Bytes,
) -> Result<Response, ApiError> {
    let req: SubmitJob = parse_json(&body)?;
    let key = req.idempotency_key.clone().or(header_key);
    if let Some(k) = &key {
        if let Some(existing) = state.store.by_idempotency_key(k)? {
            return Ok(with_status(json(&existing), StatusCode::OK).into_response());
        }
    }
    let model = state.store.model(&req.model_id)?.ok_or_else(|| {
        ApiError::not_found(
            "unknown_model",
            format!("no model {:?} is registered", req.model_id),
        )
    })?;
    if model.state != ModelState::Ready {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "model_not_ready",
            format!("model {} is not ready: {:?}", req.model_id, model.state),
        ));
    }
    let lists = input_lists(req.input)?;
    let shapes: Vec<Vec<usize>> = model.inputs.iter().map(|i| i.shape.clone()).collect();
    let values = InputData { input_data: lists }
        .single(&shapes)
        .map_err(|e| ApiError::bad_request("bad_input", format!("input: {e}")))?;
    let quantized = model
        .inputs
        .iter()
        .zip(&values)
        .enumerate()
        .map(|(i, (spec, v))| quantize(i, v, spec.scale, spec.bits))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::bad_request("bad_input", format!("input: {e}")))?;
    let provider = req
        .provider
        .unwrap_or_else(|| format!("0x{}", "00".repeat(20)));
    address_from_hex(&provider)
        .map_err(|e| ApiError::bad_request("bad_provider", format!("provider: {e}")))?;
    let escrow = req.escrow.unwrap_or_else(crate::job::zero_address);
    address_from_hex(&escrow)
        .map_err(|e| ApiError::bad_request("bad_escrow", format!("escrow: {e}")))?;
    // admission is serialised so that concurrent submissions cannot overshoot the bound
    let _admission = state.admission.lock().await;
    let in_flight = state.store.queued() + state.metrics.proving_now() as usize;
    if in_flight >= state.config.max_queue {
        state.metrics.rejected_full();
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "queue_full",
            format!(
                "the queue is full ({in_flight} jobs queued or proving, limit {}): retry later",
                state.config.max_queue
            ),
        ));
    }
    let new = NewJob {
        model_id: req.model_id,
        input: quantized,
        chain_id: req.chain_id,
        escrow,
        job_id: req.job_id,
        provider,
        idempotency_key: key,
    };
    let (record, created) = state.store.insert(new, now_unix()).await?;
    state.wake.notify_one();
    let status = if created {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok(with_status(json(&record), status).into_response())
}

/// `GET /v1/jobs/{id}`: the job's state (while proving, with its progress: seconds elapsed
/// and, once the model has been proved since the service started, the expected total), and
/// when proved its outputs, proof, public inputs and escrow calldata.
pub async fn get(state: AppState, id: String) -> Result<Response, ApiError> {
    let missing = || ApiError::not_found("unknown_job", format!("no job {id:?}"));
    let n = parse_job_id(&id).ok_or_else(missing)?;
    let record = state.store.get(n)?.ok_or_else(missing)?;
    let mut body = serde_json::to_value(&record).map_err(ApiError::internal)?;
    if let JobState::Proving { started_unix, .. } = record.state {
        let elapsed = now_unix().saturating_sub(started_unix) as f64;
        let expected = state
            .metrics
            .expected_prove_ms(&record.model_id)
            .map(|ms| ms as f64 / 1000.0);
        body["progress"] = serde_json::json!({
            "elapsed_s": elapsed,
            "expected_total_s": expected,
            "fraction": expected.map(|e| if e > 0.0 { (elapsed / e).min(0.99) } else { 0.99 }),
        });
    }
    Ok(json(&body).into_response())
}
