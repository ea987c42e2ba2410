//! `POST /v1/jobs` and `GET /v1/jobs/{id}`.

use serde::Deserialize;
use warp::http::StatusCode;
use warp::reply::{json, with_status, Response};
use warp::Reply;
use zkinfer_ir::{quantize, InputData};
use zkinfer_verifier::address_from_hex;

use super::error::{parse_json, ApiError};
use super::MAX_IDEMPOTENCY_KEY_BYTES;
use crate::auth::Owner;
use crate::job::{JobId, JobRecord, JobState};
use crate::models::ModelState;
use crate::store::{Idempotency, Inserted, NewJob};
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

/// The hash an idempotency key remembers: blake3 of the canonical request (model, quantized
/// input, the binding: chain id, escrow, job id and provider in lower case), so that two
/// spellings of one input match and the key itself is not part of it.
fn request_hash(model_id: &str, input: &[Vec<i64>], bind: &Binding) -> String {
    let canonical = serde_json::json!({
        "model_id": model_id,
        "input": input,
        "chain_id": bind.chain_id,
        "escrow": bind.escrow.to_ascii_lowercase(),
        "job_id": bind.job_id,
        "provider": bind.provider.to_ascii_lowercase(),
    });
    blake3::hash(canonical.to_string().as_bytes())
        .to_hex()
        .to_string()
}

/// The job as the API shows it to its owner (without the owner's token id).
fn view(record: &JobRecord) -> Result<serde_json::Value, ApiError> {
    let mut v = serde_json::to_value(record).map_err(ApiError::internal)?;
    if let Some(o) = v.as_object_mut() {
        o.remove("owner");
    }
    Ok(v)
}

fn reused(key: &str, existing: &JobRecord) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "idempotency_key_reused",
        format!(
            "idempotency key {key:?} was already used for job {} with a different request \
             (model, input, job_id or provider): use a new key for a new request",
            existing.id
        ),
    )
}

/// `POST /v1/jobs`: validates, persists the job as queued (owned by the caller's token), and
/// answers 202 with its id; 200 with the existing job for an idempotency key this token used
/// with the same request, 409 if it used it with another; 429 when the queue, or this token's
/// share of it, is full.
pub async fn submit(
    state: AppState,
    owner: Owner,
    header_key: Option<String>,
    body: bytes::Bytes,
) -> Result<Response, ApiError> {
    let req: SubmitJob = parse_json(&body)?;
    for k in [&req.idempotency_key, &header_key].into_iter().flatten() {
        if k.is_empty() || k.len() > MAX_IDEMPOTENCY_KEY_BYTES {
            return Err(ApiError::bad_request(
                "bad_idempotency_key",
                format!(
                    "an idempotency key must be 1 to {MAX_IDEMPOTENCY_KEY_BYTES} bytes (got {})",
                    k.len()
                ),
            ));
        }
    }
    let key = req.idempotency_key.clone().or(header_key);
    let (quantized, bind) = checked_input(&state, &owner, &req)?;
    let hash = request_hash(&req.model_id, &quantized, &bind);
    if let Some(k) = &key {
        if let Some((existing, h)) = state.store.by_idempotency_key(&owner.0, k)? {
            if h != hash {
                return Err(reused(k, &existing));
            }
            return Ok(with_status(json(&view(&existing)?), StatusCode::OK).into_response());
        }
    }
    // admission is serialised so that concurrent submissions cannot overshoot the bounds
    let _admission = state.admission.lock().await;
    check_queue(&state, &owner)?;
    let new = NewJob {
        owner: owner.0,
        model_id: req.model_id.clone(),
        input: quantized,
        chain_id: bind.chain_id,
        escrow: bind.escrow,
        job_id: bind.job_id,
        provider: bind.provider,
        idempotency: key.clone().map(|key| Idempotency {
            key,
            request_hash: hash,
        }),
    };
    let (record, status) = match state.store.insert(new, now_unix()).await? {
        Inserted::Created(r) => (r, StatusCode::ACCEPTED),
        Inserted::Existing(r) => (r, StatusCode::OK),
        Inserted::KeyReused(r) => return Err(reused(key.as_deref().unwrap_or_default(), &r)),
    };
    state.wake.notify_one();
    Ok(with_status(json(&view(&record)?), status).into_response())
}

/// What a job's proof is bound to (checked addresses, `0x…`).
struct Binding {
    chain_id: u64,
    escrow: String,
    job_id: u64,
    provider: String,
}

/// The model (visible to `owner` and ready), the quantized input and the binding of a job.
fn checked_input(
    state: &AppState,
    owner: &Owner,
    req: &SubmitJob,
) -> Result<(Vec<Vec<i64>>, Binding), ApiError> {
    let model = super::models::visible(state, owner, &req.model_id)?;
    if model.state != ModelState::Ready {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "model_not_ready",
            format!("model {} is not ready: {:?}", req.model_id, model.state),
        ));
    }
    let lists = input_lists(req.input.clone())?;
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
        .clone()
        .unwrap_or_else(|| format!("0x{}", "00".repeat(20)));
    address_from_hex(&provider)
        .map_err(|e| ApiError::bad_request("bad_provider", format!("provider: {e}")))?;
    let escrow = req.escrow.clone().unwrap_or_else(crate::job::zero_address);
    address_from_hex(&escrow)
        .map_err(|e| ApiError::bad_request("bad_escrow", format!("escrow: {e}")))?;
    let bind = Binding {
        chain_id: req.chain_id,
        escrow,
        job_id: req.job_id,
        provider,
    };
    Ok((quantized, bind))
}

/// 429 when the queue, or `owner`'s share of it, is full (the caller holds the admission lock).
fn check_queue(state: &AppState, owner: &Owner) -> Result<(), ApiError> {
    let in_flight = state.store.queued() + state.metrics.proving_now() as usize;
    if in_flight >= state.config.max_queue {
        state.metrics.rejected_full();
        return Err(ApiError::too_many(
            "queue_full",
            format!(
                "the queue is full ({in_flight} jobs queued or proving, limit {}): retry later",
                state.config.max_queue
            ),
        ));
    }
    let mine = state.store.queued_for(&owner.0)?;
    if mine >= state.config.max_queue_per_token {
        state.metrics.rejected_full();
        return Err(ApiError::too_many(
            "token_queue_full",
            format!(
                "this token already has {mine} jobs waiting (limit {}, --max-queue-per-token): \
                 retry when some have started",
                state.config.max_queue_per_token
            ),
        ));
    }
    Ok(())
}

/// `GET /v1/jobs/{id}`: the job's state (while proving, with its progress: seconds elapsed
/// and, once the model has been proved since the service started, the expected total), and
/// when proved its outputs, proof, public inputs and escrow calldata. Another token's job, like
/// a job that does not exist, is 404.
pub async fn get(state: AppState, owner: Owner, id: String) -> Result<Response, ApiError> {
    let missing = || ApiError::not_found("unknown_job", format!("no job {id:?}"));
    let n = JobId::parse(&id).ok_or_else(missing)?;
    let record = state.store.get(&n)?.ok_or_else(missing)?;
    if record.owner != owner.0 {
        return Err(missing());
    }
    let mut body = view(&record)?;
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
