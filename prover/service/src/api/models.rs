//! `POST /v1/models` (compile now, setup in the background), `GET /v1/models/{id}`,
//! `GET /v1/models/{id}/vk` and `GET /v1/models/{id}/verifier`.

use serde::Deserialize;
use serde_json::json;
use warp::http::StatusCode;
use warp::reply::{json as reply_json, with_header, with_status, Response};
use warp::Reply;
use zkinfer_ir::{InputData, QuantizeSettings};

use super::error::{parse_json, ApiError};
use crate::models::{ModelRecord, ModelState, VK_FILE};
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
}

fn default_name() -> String {
    "model.onnx".into()
}

/// `POST /v1/models`: compiles the model (errors answer 400 naming the op or input) and
/// answers 202 with the record in state `setting_up`; setup runs in the background and the
/// record turns `ready` (or `failed`). A model already registered answers 200 with its record.
pub async fn register(state: AppState, body: bytes::Bytes) -> Result<Response, ApiError> {
    use base64::Engine as _;
    let req: RegisterModel = parse_json(&body)?;
    let onnx = base64::engine::general_purpose::STANDARD
        .decode(req.onnx_base64.trim())
        .map_err(|e| ApiError::bad_request("bad_onnx", format!("onnx_base64: {e}")))?;
    let settings = req.settings.unwrap_or_default();
    let models = state.models.clone();
    let name = req.name.clone();
    let compiled = tokio::task::spawn_blocking(move || {
        models.compile(&name, &onnx, &req.calibration, settings, now_unix())
    })
    .await
    .map_err(ApiError::internal)?;
    let (record, model) = compiled.map_err(|e| match e {
        crate::ServiceError::BadModel(m) => ApiError::bad_request("bad_model", m),
        other => ApiError::internal(other),
    })?;
    if let Some(existing) = state.store.model(&record.model_id)? {
        if !matches!(existing.state, ModelState::Failed { .. }) {
            return Ok(reply_json(&existing).into_response());
        }
    }
    state.store.put_model(&record).await?;
    let bg = state.clone();
    let mut done = record.clone();
    tokio::spawn(async move {
        let models = bg.models.clone();
        let made_by = bg.config.made_by.clone();
        let result =
            tokio::task::spawn_blocking(move || models.setup(&model, &made_by, now_unix())).await;
        done.state = match result {
            Ok(Ok(())) => ModelState::Ready,
            Ok(Err(e)) => ModelState::Failed {
                reason: e.to_string(),
            },
            Err(e) => ModelState::Failed {
                reason: format!("setup task ended: {e}"),
            },
        };
        if let Err(e) = bg.store.put_model(&done).await {
            tracing::error!("storing model {}: {e}", done.model_id);
        }
    });
    Ok(with_status(reply_json(&record), StatusCode::ACCEPTED).into_response())
}

fn known(state: &AppState, id: &str) -> Result<ModelRecord, ApiError> {
    state.store.model(id)?.ok_or_else(|| {
        ApiError::not_found("unknown_model", format!("no model {id:?} is registered"))
    })
}

fn ready(state: &AppState, id: &str) -> Result<ModelRecord, ApiError> {
    let m = known(state, id)?;
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
pub async fn get(state: AppState, id: String) -> Result<Response, ApiError> {
    Ok(reply_json(&known(&state, &id)?).into_response())
}

/// `GET /v1/models/{id}/vk`: the verifying key file (binary, with zkinfer's header).
pub async fn vk(state: AppState, id: String) -> Result<Response, ApiError> {
    ready(&state, &id)?;
    let bytes =
        std::fs::read(state.models.dir_of(&id).join(VK_FILE)).map_err(ApiError::internal)?;
    Ok(with_header(bytes, "content-type", "application/octet-stream").into_response())
}

/// `GET /v1/models/{id}/verifier`: the on-chain verifier: init code (deployable as is), the
/// `publishKey` calldata and key hash of the model's key, ABI and the Solidity source.
pub async fn verifier(state: AppState, id: String) -> Result<Response, ApiError> {
    ready(&state, &id)?;
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
