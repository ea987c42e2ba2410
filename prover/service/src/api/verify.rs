//! `POST /v1/verify`: checks a proof file against a registered model's verifying key.

use serde::Deserialize;
use serde_json::json;
use warp::reply::{json as reply_json, Response};
use warp::Reply;
use zkinfer_verifier::{verify as verify_proof, ProofFile, Verdict};

use super::error::{parse_json, ApiError};
use crate::auth::Owner;
use crate::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    model_id: String,
    /// The proof file, as `zkinfer prove` writes it or `GET /v1/jobs/{id}` returns it.
    proof: serde_json::Value,
}

/// `POST /v1/verify`: `{"valid": true}` or `{"valid": false, "reason": ...}` (200 either way);
/// 400 for a proof file that does not parse, 404 for a model this token did not register, 409
/// for a model whose keys are not made yet.
pub async fn verify(
    state: AppState,
    owner: Owner,
    body: bytes::Bytes,
) -> Result<Response, ApiError> {
    let req: VerifyRequest = parse_json(&body)?;
    super::models::ready(&state, &owner, &req.model_id)?;
    let file = ProofFile::from_json(&req.proof.to_string())
        .map_err(|e| ApiError::bad_request("bad_proof", format!("proof: {e}")))?;
    let key = state.models.verifying_key(&req.model_id)?;
    let answer = match verify_proof(&key, &file)
        .map_err(|e| ApiError::bad_request("bad_proof", format!("proof: {e}")))?
    {
        Verdict::Accepted => json!({ "valid": true }),
        Verdict::Rejected(why) => json!({ "valid": false, "reason": why.to_string() }),
    };
    Ok(reply_json(&answer).into_response())
}
