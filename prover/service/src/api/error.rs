//! API errors: every failure is a JSON body `{"code": ..., "message": ...}` with a 4xx or 5xx
//! status. Internal details are logged, not returned.

use serde::Serialize;
use warp::http::StatusCode;
use warp::reply::{json, with_status, Response};
use warp::Reply;

/// An error answer.
#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    status: StatusCode,
    /// A stable machine-readable code, e.g. `unknown_model`.
    pub code: &'static str,
    /// What went wrong, naming the field or value.
    pub message: String,
}

impl ApiError {
    /// An error with `status`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 Not Found.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 500, with the detail logged rather than returned.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {detail}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error (see the service log)",
        )
    }

    /// 429 Too Many Requests.
    pub fn too_many(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, code, message)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The HTTP response (a 401 also says which scheme to use).
    pub fn response(&self) -> Response {
        let mut r = with_status(json(self), self.status).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                "www-authenticate",
                warp::http::HeaderValue::from_static("Bearer realm=\"zkinfer\""),
            );
        }
        r
    }
}

/// Filters (the `Host`, `Origin`, token and content-type checks) reject with an `ApiError`.
impl warp::reject::Reject for ApiError {}

impl From<crate::ServiceError> for ApiError {
    fn from(e: crate::ServiceError) -> Self {
        ApiError::internal(e)
    }
}

/// A handler's answer: a reply, or an error turned into one.
pub fn answer(result: Result<Response, ApiError>) -> Result<Response, std::convert::Infallible> {
    Ok(result.unwrap_or_else(|e| e.response()))
}

/// Parses a JSON body, saying where it is malformed (and that JSON has no NaN or infinity).
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        let text = String::from_utf8_lossy(body).to_ascii_lowercase();
        let hint = if ["nan", "infinity"].iter().any(|w| text.contains(w)) {
            " (JSON has no NaN or infinity: every input value must be a finite number)"
        } else {
            ""
        };
        ApiError::bad_request("malformed_json", format!("malformed JSON body: {e}{hint}"))
    })
}

/// Maps warp's own rejections (unknown path, wrong method, oversize body) to JSON errors.
pub async fn handle_rejection(r: warp::Rejection) -> Result<Response, std::convert::Infallible> {
    if let Some(e) = r.find::<ApiError>() {
        return Ok(e.response());
    }
    let e = if r.is_not_found() {
        ApiError::not_found("not_found", "no such endpoint")
    } else if let Some(e) = r.find::<warp::reject::PayloadTooLarge>() {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            e.to_string(),
        )
    } else if let Some(e) = r.find::<warp::reject::LengthRequired>() {
        ApiError::new(
            StatusCode::LENGTH_REQUIRED,
            "length_required",
            e.to_string(),
        )
    } else if let Some(e) = r.find::<warp::reject::MethodNotAllowed>() {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            e.to_string(),
        )
    } else if let Some(e) = r.find::<warp::reject::InvalidHeader>() {
        ApiError::bad_request("bad_header", e.to_string())
    } else {
        ApiError::internal(format!("unhandled rejection: {r:?}"))
    };
    Ok(e.response())
}
