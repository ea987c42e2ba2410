//! The ceremony of a model registered on a service started with `--ptau`:
//! `GET /v1/models/{id}/ceremony` (circuit hash, contributions), `GET …/ceremony/zkey` (the
//! current key, to contribute to), `POST …/ceremony/contributions` (the next key: accepted
//! only if it verifies as one contribution on the current one) and `POST …/ceremony/finalize`
//! (an optional beacon, then the whole transcript verified and the keys made). Only the
//! model's owners see or change it (404 for anyone else).

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;
use warp::http::StatusCode;
use warp::reply::{json as reply_json, with_header, Response};
use warp::Reply;
use zkinfer_ceremony::ptau::Ptau;

use super::error::{parse_json, ApiError};
use super::models::visible;
use crate::auth::Owner;
use crate::ceremony::ContributionView;
use crate::models::{ModelRecord, ModelState};
use crate::{now_unix, AppState, ServiceError};

/// The body of `POST /v1/models/{id}/ceremony/finalize`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Finalize {
    /// A random beacon applied last: a value nobody could know in advance (hex) and the
    /// exponent of its SHA-256 iterations (10..=63).
    beacon: Option<Beacon>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Beacon {
    hash: String,
    exp: u32,
}

fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, code, message)
}

/// The model (visible to `owner`) and the service's `.ptau`; 409 when the service runs no
/// ceremonies or the model has none.
fn with_ceremony(
    state: &AppState,
    owner: &Owner,
    id: &str,
) -> Result<(ModelRecord, Arc<Ptau>), ApiError> {
    let m = visible(state, owner, id)?;
    let Some(ptau) = state.ptau.clone() else {
        return Err(conflict(
            "no_ceremony",
            "this service runs no ceremonies (it was started without --ptau): its keys are \
             development keys",
        ));
    };
    if !state
        .models
        .dir_of(id)
        .join(crate::ceremony::ZKEY_FILE)
        .exists()
    {
        return Err(conflict(
            "no_ceremony",
            format!("model {id} has no ceremony"),
        ));
    }
    Ok((m, ptau))
}

/// 409 unless the ceremony is still open.
fn open(m: &ModelRecord) -> Result<(), ApiError> {
    match m.state {
        ModelState::Ceremony { .. } => Ok(()),
        ModelState::Ready => Err(conflict(
            "ceremony_closed",
            format!(
                "model {}'s ceremony is finalized: its keys are made",
                m.model_id
            ),
        )),
        _ => Err(conflict(
            "ceremony_not_open",
            format!("model {} has no open ceremony: {:?}", m.model_id, m.state),
        )),
    }
}

fn ceremony_error(e: ServiceError) -> ApiError {
    match e {
        ServiceError::BadCeremony(m) => ApiError::bad_request("bad_contribution", m),
        other => ApiError::internal(other),
    }
}

/// `GET /v1/models/{id}/ceremony`.
pub async fn get(state: AppState, owner: Owner, id: String) -> Result<Response, ApiError> {
    let (m, ptau) = with_ceremony(&state, &owner, &id)?;
    let models = state.models.clone();
    let view = tokio::task::spawn_blocking(move || models.ceremony_view(&id, &ptau))
        .await
        .map_err(ApiError::internal)??;
    let mut v = serde_json::to_value(view).map_err(ApiError::internal)?;
    v["model_id"] = json!(m.model_id);
    v["open"] = json!(matches!(m.state, ModelState::Ceremony { .. }));
    Ok(reply_json(&v).into_response())
}

/// `GET /v1/models/{id}/ceremony/zkey`: the current `.zkey` (binary).
pub async fn zkey(state: AppState, owner: Owner, id: String) -> Result<Response, ApiError> {
    with_ceremony(&state, &owner, &id)?;
    let bytes = state.models.ceremony_zkey(&id)?;
    Ok(with_header(bytes, "content-type", "application/octet-stream").into_response())
}

/// `POST /v1/models/{id}/ceremony/contributions`: the body (binary) becomes the current
/// `.zkey` if it is the current one plus one valid contribution (400 naming the failed check
/// otherwise; 409 once finalized). One contribution or finalize at a time per service.
pub async fn contribute(
    state: AppState,
    owner: Owner,
    id: String,
    body: bytes::Bytes,
) -> Result<Response, ApiError> {
    with_ceremony(&state, &owner, &id)?;
    let _one = state.ceremony_lock.lock().await;
    let m = visible(&state, &owner, &id)?;
    open(&m)?;
    let models = state.models.clone();
    let key = id.clone();
    let step = tokio::task::spawn_blocking(move || models.ceremony_contribute(&key, body.to_vec()))
        .await
        .map_err(ApiError::internal)?
        .map_err(ceremony_error)?;
    set_state(
        &state,
        &id,
        ModelState::Ceremony {
            contributions: step.index,
        },
    )
    .await?;
    Ok(reply_json(&ContributionView::from(&step)).into_response())
}

/// `POST /v1/models/{id}/ceremony/finalize`: applies the beacon if given, verifies the whole
/// transcript against the model's circuit and the service's `.ptau`, writes the keys, and
/// the model becomes `ready` (400 naming the failed check, the ceremony staying open).
pub async fn finalize(
    state: AppState,
    owner: Owner,
    id: String,
    body: bytes::Bytes,
) -> Result<Response, ApiError> {
    let (_, ptau) = with_ceremony(&state, &owner, &id)?;
    let req: Finalize = if body.iter().all(u8::is_ascii_whitespace) {
        Finalize::default()
    } else {
        parse_json(&body)?
    };
    let beacon = match req.beacon {
        Some(b) => Some((
            hex::decode(b.hash.trim_start_matches("0x"))
                .map_err(|e| ApiError::bad_request("bad_beacon", format!("beacon.hash: {e}")))?,
            b.exp,
        )),
        None => None,
    };
    let _one = state.ceremony_lock.lock().await;
    open(&visible(&state, &owner, &id)?)?;
    let report = {
        let _slot = state.setups.setup_slot().await;
        let models = state.models.clone();
        let made_by = state.config.made_by.clone();
        let key = id.clone();
        tokio::task::spawn_blocking(move || {
            models.ceremony_finalize(&key, &ptau, beacon, &made_by, now_unix())
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ceremony_error)?
    };
    set_state(&state, &id, ModelState::Ready).await?;
    let contributions: Vec<ContributionView> = report
        .contributions
        .iter()
        .map(ContributionView::from)
        .collect();
    Ok(reply_json(&json!({
        "model_id": id,
        "state": "ready",
        "circuit_hash": hex::encode(report.cs_hash),
        "contributions": contributions,
    }))
    .into_response())
}

async fn set_state(state: &AppState, id: &str, new: ModelState) -> Result<(), ApiError> {
    let _models = state.model_lock.lock().await;
    let mut m = state
        .store
        .model(id)?
        .ok_or_else(|| ApiError::internal(format!("model {id} vanished")))?;
    m.state = new;
    state.store.put_model(&m).await?;
    Ok(())
}
