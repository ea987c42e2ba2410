//! `POST /v1/models` (compile now, setup in the background), `GET /v1/models/{id}`,
//! `GET /v1/models/{id}/vk` and `GET /v1/models/{id}/verifier`.

use serde::Deserialize;
use serde_json::json;
use warp::http::StatusCode;
use warp::reply::{json as reply_json, with_header, with_status, Response};
use warp::Reply;
use zkinfer_ir::{CompiledModel, InputData, QuantizeSettings};

use super::error::{parse_json, ApiError};
use crate::auth::Owner;
use crate::budget;
use crate::models::{ModelRecord, ModelState, VK_FILE};
use crate::setups::{SetupRefusal, Ticket};
use crate::{now_unix, AppState};

/// The body of `POST /v1/models`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterModel {
    /// A name for the model (also used in error messages).
    #[serde(default = "default_name")]
    name: String,
    /// The ONNX file, base64.
    onnx_base64: String,
    /// Calibration samples in EZKL's layout.
    calibration: InputData,
    /// Quantization settings (defaults if absent).
    settings: Option<QuantizeSettings>,
    /// `plain`, `lookup` or `auto` (default): how proofs of the model are made.
    #[serde(default)]
    proof_mode: Option<String>,
}

fn default_name() -> String {
    "model.onnx".into()
}

/// `POST /v1/models`: admits the registration (429 when the service's queue of pending setups,
/// or this token's share of it, is full), compiles the model off the async executor (errors
/// answer 400 naming the op or input), checks it against the budget (422 naming the figure and
/// the limit), and answers 202 with the record in state `setting_up`; setup runs in the
/// background, one at a time, and the record turns `ready` (or `failed`). A model this token
/// already registered answers 200 with its record; one only other tokens registered is added
/// to this token's models (200, no new setup) within its model quota (429 beyond).
pub async fn register(
    state: AppState,
    owner: Owner,
    body: bytes::Bytes,
) -> Result<Response, ApiError> {
    use base64::Engine as _;
    let req: RegisterModel = parse_json(&body)?;
    let onnx = base64::engine::general_purpose::STANDARD
        .decode(req.onnx_base64.trim())
        .map_err(|e| ApiError::bad_request("bad_onnx", format!("onnx_base64: {e}")))?;
    let mut ticket = state.setups.admit(&owner.0).map_err(|e| {
        let code = match e {
            SetupRefusal::Full { .. } => "setup_queue_full",
            SetupRefusal::TokenBusy { .. } => "too_many_setups",
        };
        ApiError::too_many(code, e.to_string())
    })?;
    let request = match req.proof_mode.as_deref().unwrap_or("auto") {
        "plain" => zkinfer_r1cs::ModeRequest::Plain,
        "lookup" => zkinfer_r1cs::ModeRequest::Lookup,
        "auto" => zkinfer_r1cs::ModeRequest::Auto,
        other => {
            return Err(ApiError::bad_request(
                "bad_proof_mode",
                format!("proof_mode `{other}`: expected plain, lookup or auto"),
            ))
        }
    };
    let (mut record, stats, model) = compile(
        &state,
        req.name,
        onnx,
        req.calibration,
        req.settings,
        request,
    )
    .await?;
    budget::check(&stats, &state.config.limits)
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string()))?;
    let id = record.model_id.clone();
    // owners and state are read, changed and written under one lock
    let models_lock = state.model_lock.lock().await;
    let existing = state.store.model(&id)?;
    let already_mine = existing.as_ref().is_some_and(|m| m.owned_by(&owner.0));
    if !already_mine {
        check_model_quota(&state, &owner)?;
    }
    if let Some(mut m) = existing {
        let failed = matches!(m.state, ModelState::Failed { .. });
        if !failed || !ticket.claim_model(&id) {
            // ready, or being set up by another registration: no second setup
            if !already_mine {
                m.owners.push(owner.0.clone());
                state.store.put_model(&m).await?;
            }
            return Ok(reply_json(&m.view()).into_response());
        }
        record.owners = m.owners;
    } else if !ticket.claim_model(&id) {
        return Err(ApiError::internal(format!(
            "model {id} is being set up but has no record"
        )));
    }
    if !record.owned_by(&owner.0) {
        record.owners.push(owner.0.clone());
    }
    let saved = {
        let models = state.models.clone();
        let model = model.clone();
        tokio::task::spawn_blocking(move || models.save(&model)).await
    };
    saved.map_err(ApiError::internal)??;
    state.store.put_model(&record).await?;
    drop(models_lock);
    spawn_setup(state, ticket, model);
    Ok(with_status(reply_json(&record.view()), StatusCode::ACCEPTED).into_response())
}

/// Compiles (and counts) a model on a blocking thread, one compile at a time.
async fn compile(
    state: &AppState,
    name: String,
    onnx: Vec<u8>,
    calibration: InputData,
    settings: Option<QuantizeSettings>,
    request: zkinfer_r1cs::ModeRequest,
) -> Result<(ModelRecord, budget::ModelStats, CompiledModel), ApiError> {
    let _compiling = state.setups.compile_slot().await;
    let models = state.models.clone();
    let settings = settings.unwrap_or_default();
    tokio::task::spawn_blocking(move || {
        models.compile(&name, &onnx, &calibration, settings, request, now_unix())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| match e {
        crate::ServiceError::BadModel(m) => ApiError::bad_request("bad_model", m),
        other => ApiError::internal(other),
    })
}

/// 429 if `owner` already registered its quota of models.
fn check_model_quota(state: &AppState, owner: &Owner) -> Result<(), ApiError> {
    let mine = state.store.models_of(&owner.0)?;
    if mine >= state.config.max_models_per_token {
        return Err(ApiError::too_many(
            "too_many_models",
            format!(
                "this token already registered {mine} models (limit {}, --max-models-per-token)",
                state.config.max_models_per_token
            ),
        ));
    }
    Ok(())
}

/// Runs the model's setup in the background when the setup slot is free, then records the
/// outcome. The ticket (the registration's place and its model's setup lock) lives until then.
fn spawn_setup(state: AppState, ticket: Ticket, model: CompiledModel) {
    tokio::spawn(async move {
        let _ticket = ticket;
        let id = model.model_id.to_string();
        let outcome = {
            let _slot = state.setups.setup_slot().await;
            let models = state.models.clone();
            let made_by = state.config.made_by.clone();
            let ptau = state.ptau.clone();
            let result = tokio::task::spawn_blocking(move || match ptau {
                Some(ptau) => models
                    .ceremony_start(&model, &ptau, &made_by)
                    .map(|contributions| ModelState::Ceremony { contributions }),
                None => models
                    .setup(&model, &made_by, now_unix())
                    .map(|()| ModelState::Ready),
            })
            .await;
            match result {
                Ok(Ok(state)) => state,
                Ok(Err(e)) => ModelState::Failed {
                    reason: e.to_string(),
                },
                Err(e) => ModelState::Failed {
                    reason: format!("setup task ended: {e}"),
                },
            }
        };
        let _models = state.model_lock.lock().await;
        let stored = match state.store.model(&id) {
            Ok(Some(mut m)) => {
                m.state = outcome;
                state.store.put_model(&m).await
            }
            Ok(None) => Err(crate::ServiceError::Store(format!("model {id} vanished"))),
            Err(e) => Err(e),
        };
        if let Err(e) = stored {
            tracing::error!("storing model {id}: {e}");
        }
    });
}

/// The model `id` if token `owner` registered it; 404 otherwise (whether or not it exists).
pub(super) fn visible(state: &AppState, owner: &Owner, id: &str) -> Result<ModelRecord, ApiError> {
    state
        .store
        .model(id)?
        .filter(|m| m.owned_by(&owner.0))
        .ok_or_else(|| {
            ApiError::not_found("unknown_model", format!("no model {id:?} is registered"))
        })
}

/// The model `id` if `owner` registered it and its keys exist (409 while setting up or failed).
pub(super) fn ready(state: &AppState, owner: &Owner, id: &str) -> Result<ModelRecord, ApiError> {
    let m = visible(state, owner, id)?;
    if m.state != ModelState::Ready {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "model_not_ready",
            format!("model {id} has no keys yet: {:?}", m.state),
        ));
    }
    Ok(m)
}

/// `GET /v1/models/{id}`: the model's record (state, constraint count, inputs, outputs, scales).
pub async fn get(state: AppState, owner: Owner, id: String) -> Result<Response, ApiError> {
    Ok(reply_json(&visible(&state, &owner, &id)?.view()).into_response())
}

/// `GET /v1/models/{id}/vk`: the verifying key file (binary, with zkinfer's header).
pub async fn vk(state: AppState, owner: Owner, id: String) -> Result<Response, ApiError> {
    ready(&state, &owner, &id)?;
    let bytes =
        std::fs::read(state.models.dir_of(&id).join(VK_FILE)).map_err(ApiError::internal)?;
    Ok(with_header(bytes, "content-type", "application/octet-stream").into_response())
}

/// `GET /v1/models/{id}/verifier`: the on-chain verifier: init code (deployable as is), the
/// `publishKey` calldata and key hash of the model's key, ABI and the Solidity source.
pub async fn verifier(state: AppState, owner: Owner, id: String) -> Result<Response, ApiError> {
    ready(&state, &owner, &id)?;
    let key = state.models.verifying_key(&id)?;
    let artifact: serde_json::Value =
        serde_json::from_str(zkinfer_evm::bindings::artifact_json::GROTH16_VERIFIER)
            .map_err(ApiError::internal)?;
    let init = zkinfer_evm::verifier_init_code();
    let publish = zkinfer_evm::publish_key_calldata(&key);
    Ok(reply_json(&json!({
        "model_id": id,
        "key_hash": zkinfer_evm::key_hash(&key).to_string(),
        "init_code": format!("0x{}", hex::encode(&init)),
        "publish_key_calldata": format!("0x{}", hex::encode(&publish)),
        "abi": artifact["abi"],
        "solc_version": artifact["solcVersion"],
        "solidity": zkinfer_evm::GROTH16_VERIFIER_SOL,
    }))
    .into_response())
}
