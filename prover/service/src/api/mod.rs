//! The HTTP API: one filter per endpoint, every body size-limited and JSON-typed, every error a
//! JSON body. See `prover/service/openapi.json` for the document a test holds against these
//! routes.
//!
//! Every request but `GET /healthz` passes, in this order:
//! 1. the `Host` check (421 `unknown_host`): the bound address, `localhost`-style names of a
//!    loopback or unspecified address, and `--allowed-host` entries; this defeats DNS
//!    rebinding;
//! 2. the `Origin` check (403 `origin_refused`): a request carrying `Origin` is served only if
//!    it is one of `--cors-origin`, and then gets `Access-Control-Allow-Origin` (no CORS
//!    headers otherwise); preflight `OPTIONS` requests from those origins are answered;
//! 3. routing (404, 405), then the bearer token (401 `unauthorized`), then for POST bodies the
//!    JSON content type (415 `unsupported_media_type`) and the size limit (413), all before
//!    the body is read.

mod ceremony;
pub mod error;
mod jobs;
mod models;
mod verify;

use std::net::SocketAddr;
use std::sync::Arc;

use warp::http::StatusCode;
use warp::{Filter, Reply};

use crate::auth::Owner;
use crate::AppState;
use error::{answer, handle_rejection, ApiError};

/// Largest `POST /v1/models` body (the ONNX file, base64, and calibration data).
pub const MODEL_BODY_LIMIT: u64 = 64 << 20;
/// Largest `POST /v1/models/{id}/ceremony/contributions` body (a `.zkey`: 112 MB for
/// LeNet-5).
pub const ZKEY_BODY_LIMIT: u64 = 1 << 30;
/// Largest `POST /v1/jobs` and `POST /v1/verify` body.
pub const JOB_BODY_LIMIT: u64 = 4 << 20;
/// Longest idempotency key, bytes.
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 128;

fn with_state(
    state: AppState,
) -> impl Filter<Extract = (AppState,), Error = std::convert::Infallible> + Clone {
    warp::any().map(move || state.clone())
}

/// The `Host` values and origins the service accepts.
#[derive(Debug, Clone)]
pub struct Gate {
    hosts: Vec<String>,
    cors: Vec<String>,
}

impl Gate {
    /// Accepts the bound address `bound` (and `localhost`, `127.0.0.1`, `[::1]` with its port
    /// when it is a loopback or unspecified address), the configured `allowed_hosts`, and
    /// `Origin`s in `cors_origins`.
    pub fn new(bound: SocketAddr, allowed_hosts: &[String], cors_origins: &[String]) -> Self {
        let port = bound.port();
        let mut hosts = vec![bound.to_string()];
        if bound.ip().is_loopback() || bound.ip().is_unspecified() {
            for name in ["localhost", "127.0.0.1", "[::1]"] {
                hosts.push(format!("{name}:{port}"));
            }
        }
        hosts.extend(allowed_hosts.iter().map(|h| h.trim().to_ascii_lowercase()));
        let cors = cors_origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
            .collect();
        Gate { hosts, cors }
    }

    /// Whether a `Host` header value is accepted: an entry equal to it, or a bare entry
    /// (no port) equal to its name.
    pub fn host_ok(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let (name, _) = split_host(&host);
        !name.is_empty()
            && self.hosts.iter().any(|h| {
                let (entry, port) = split_host(h);
                *h == host || (port.is_none() && entry == name)
            })
    }

    /// Whether an `Origin` header value is accepted.
    pub fn origin_ok(&self, origin: &str) -> bool {
        let o = origin.trim().trim_end_matches('/').to_ascii_lowercase();
        self.cors.contains(&o)
    }
}

/// Splits `name:port` (`[v6]:port` for IPv6) into the name and the port, if any.
fn split_host(host: &str) -> (&str, Option<&str>) {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(i) => (&host[..=i], host[i + 1..].strip_prefix(':')),
            None => (host, None),
        };
    }
    match host.rsplit_once(':') {
        Some((n, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => (n, Some(p)),
        _ => (host, None),
    }
}

/// The `Host` and `Origin` checks; extracts the origin to echo in CORS headers (if any).
fn gate(
    gate: Arc<Gate>,
) -> impl Filter<Extract = (Option<String>,), Error = warp::Rejection> + Clone {
    warp::header::optional::<String>("host")
        .and(warp::header::optional::<String>("origin"))
        .and_then(move |host: Option<String>, origin: Option<String>| {
            let gate = gate.clone();
            async move {
                let Some(host) = host else {
                    return Err(warp::reject::custom(ApiError::bad_request(
                        "missing_host",
                        "the request has no Host header",
                    )));
                };
                if !gate.host_ok(&host) {
                    return Err(warp::reject::custom(ApiError::new(
                        StatusCode::MISDIRECTED_REQUEST,
                        "unknown_host",
                        format!(
                            "this service does not answer for host {host:?} (see --allowed-host)"
                        ),
                    )));
                }
                match origin {
                    Some(o) if !gate.origin_ok(&o) => Err(warp::reject::custom(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "origin_refused",
                        format!("requests from origin {o:?} are not allowed (see --cors-origin)"),
                    ))),
                    o => Ok(o),
                }
            }
        })
}

/// The caller's token, from `Authorization: Bearer <token>` (401 without a valid one).
fn authenticated(
    state: AppState,
) -> impl Filter<Extract = (Owner,), Error = warp::Rejection> + Clone {
    warp::header::optional::<String>("authorization")
        .and(with_state(state))
        .and_then(|header: Option<String>, s: AppState| async move {
            let unauthorized = |m: &str| {
                warp::reject::custom(ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m))
            };
            let Some(header) = header else {
                return Err(unauthorized(
                    "this endpoint needs a token: send `Authorization: Bearer <token>` (made by `zkinfer token create`)",
                ));
            };
            let Some(token) = crate::auth::bearer(&header) else {
                return Err(unauthorized(
                    "the Authorization header must be `Bearer <token>`",
                ));
            };
            match s.store.token(token) {
                Ok(Some(rec)) => Ok(Owner(rec.id)),
                Ok(None) => Err(unauthorized("unknown or revoked token")),
                Err(e) => Err(warp::reject::custom(ApiError::internal(e))),
            }
        })
}

/// A JSON body of at most `limit` bytes: 415 unless `Content-Type` is `application/json`
/// (parameters such as `charset` allowed), checked before the body is read.
fn json_body(
    limit: u64,
) -> impl Filter<Extract = (bytes::Bytes,), Error = warp::Rejection> + Clone {
    warp::header::optional::<String>("content-type")
        .and_then(|ct: Option<String>| async move {
            let media = ct
                .as_deref()
                .and_then(|c| c.split(';').next())
                .map(|m| m.trim().to_ascii_lowercase());
            if media.as_deref() == Some("application/json") {
                Ok(())
            } else {
                Err(warp::reject::custom(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    format!(
                        "the body must be JSON with `Content-Type: application/json` (got {})",
                        ct.map_or("none".into(), |c| format!("{c:?}"))
                    ),
                )))
            }
        })
        .untuple_one()
        .and(warp::body::content_length_limit(limit))
        .and(warp::body::bytes())
}

/// A binary body of at most `limit` bytes: 415 unless `Content-Type` is
/// `application/octet-stream`, checked before the body is read.
fn binary_body(
    limit: u64,
) -> impl Filter<Extract = (bytes::Bytes,), Error = warp::Rejection> + Clone {
    warp::header::optional::<String>("content-type")
        .and_then(|ct: Option<String>| async move {
            let media = ct
                .as_deref()
                .and_then(|c| c.split(';').next())
                .map(|m| m.trim().to_ascii_lowercase());
            if media.as_deref() == Some("application/octet-stream") {
                Ok(())
            } else {
                Err(warp::reject::custom(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    format!(
                        "the body must be a .zkey with `Content-Type: application/octet-stream` \
                         (got {})",
                        ct.map_or("none".into(), |c| format!("{c:?}"))
                    ),
                )))
            }
        })
        .untuple_one()
        .and(warp::body::content_length_limit(limit))
        .and(warp::body::bytes())
}

/// Adds CORS headers for an allowed origin.
fn with_cors(mut r: warp::reply::Response, origin: Option<String>) -> warp::reply::Response {
    if let Some(o) = origin.and_then(|o| o.parse().ok()) {
        let h = r.headers_mut();
        h.insert("access-control-allow-origin", o);
        h.insert("vary", warp::http::HeaderValue::from_static("Origin"));
    }
    r
}

/// Every route of the API for a service bound to `bound`, with JSON errors for everything it
/// refuses.
pub fn routes(
    state: AppState,
    bound: SocketAddr,
) -> impl Filter<Extract = (warp::reply::Response,), Error = std::convert::Infallible> + Clone {
    let gatekeeper = Arc::new(Gate::new(
        bound,
        &state.config.allowed_hosts,
        &state.config.cors_origins,
    ));
    // GET /healthz
    // (answers with the engine the provers run on)
    let engine = state.models.engine().name();
    let health = warp::path!("healthz")
        .and(warp::get())
        .map(move || warp::reply::json(&serde_json::json!({ "status": "ok", "engine": engine })));
    let api = model_routes(state.clone())
        .or(ceremony_routes(state.clone()))
        .unify()
        .or(job_routes(state))
        .unify()
        .or(preflight())
        .unify();
    let guarded = gate(gatekeeper)
        .and(api)
        .map(|origin, r| with_cors(r, origin));

    health
        .map(warp::Reply::into_response)
        .or(guarded)
        .unify()
        .recover(handle_rejection)
        .unify()
}

/// Metrics and the model routes (each needs a token).
fn model_routes(
    state: AppState,
) -> impl Filter<Extract = (warp::reply::Response,), Error = warp::Rejection> + Clone {
    let auth = authenticated(state.clone());
    // GET /metrics
    let metrics = warp::path!("metrics")
        .and(warp::get())
        .and(auth.clone())
        .and(with_state(state.clone()))
        .map(|_: Owner, s: AppState| {
            warp::reply::with_header(
                s.metrics.render(s.store.queued(), s.models.engine().name()),
                "content-type",
                "text/plain; version=0.0.4",
            )
            .into_response()
        });
    // POST /v1/models
    let register = warp::path!("v1" / "models")
        .and(warp::post())
        .and(auth.clone())
        .and(with_state(state.clone()))
        .and(json_body(MODEL_BODY_LIMIT))
        .and_then(|o, s, b| async move { answer(models::register(s, o, b).await) });
    // GET /v1/models/{id}
    let model = warp::path!("v1" / "models" / String)
        .and(warp::get())
        .and(auth.clone())
        .and(with_state(state.clone()))
        .and_then(|id, o, s| async move { answer(models::get(s, o, id).await) });
    // GET /v1/models/{id}/vk
    let vk = warp::path!("v1" / "models" / String / "vk")
        .and(warp::get())
        .and(auth.clone())
        .and(with_state(state.clone()))
        .and_then(|id, o, s| async move { answer(models::vk(s, o, id).await) });
    // GET /v1/models/{id}/verifier
    let verifier = warp::path!("v1" / "models" / String / "verifier")
        .and(warp::get())
        .and(auth)
        .and(with_state(state))
        .and_then(|id, o, s| async move { answer(models::verifier(s, o, id).await) });
    metrics
        .or(register)
        .unify()
        .or(model)
        .unify()
        .or(vk)
        .unify()
        .or(verifier)
        .unify()
}

/// The ceremony routes of a model (each needs a token).
fn ceremony_routes(
    state: AppState,
) -> impl Filter<Extract = (warp::reply::Response,), Error = warp::Rejection> + Clone {
    let auth = authenticated(state.clone());
    // GET /v1/models/{id}/ceremony
    let view = warp::path!("v1" / "models" / String / "ceremony")
        .and(warp::get())
        .and(auth.clone())
        .and(with_state(state.clone()))
        .and_then(|id, o, s| async move { answer(ceremony::get(s, o, id).await) });
    // GET /v1/models/{id}/ceremony/zkey
    let zkey = warp::path!("v1" / "models" / String / "ceremony" / "zkey")
        .and(warp::get())
        .and(auth.clone())
        .and(with_state(state.clone()))
        .and_then(|id, o, s| async move { answer(ceremony::zkey(s, o, id).await) });
    // POST /v1/models/{id}/ceremony/contributions
    let contribute = warp::path!("v1" / "models" / String / "ceremony" / "contributions")
        .and(warp::post())
        .and(auth.clone())
        .and(with_state(state.clone()))
        .and(binary_body(ZKEY_BODY_LIMIT))
        .and_then(|id, o, s, b| async move { answer(ceremony::contribute(s, o, id, b).await) });
    // POST /v1/models/{id}/ceremony/finalize
    let finalize = warp::path!("v1" / "models" / String / "ceremony" / "finalize")
        .and(warp::post())
        .and(auth)
        .and(with_state(state))
        .and(json_body(JOB_BODY_LIMIT))
        .and_then(|id, o, s, b| async move { answer(ceremony::finalize(s, o, id, b).await) });
    view.or(zkey)
        .unify()
        .or(contribute)
        .unify()
        .or(finalize)
        .unify()
}

/// The job and verification routes (each needs a token).
fn job_routes(
    state: AppState,
) -> impl Filter<Extract = (warp::reply::Response,), Error = warp::Rejection> + Clone {
    let auth = authenticated(state.clone());
    // POST /v1/jobs
    let submit = warp::path!("v1" / "jobs")
        .and(warp::post())
        .and(auth.clone())
        .and(with_state(state.clone()))
        .and(warp::header::optional::<String>("idempotency-key"))
        .and(json_body(JOB_BODY_LIMIT))
        .and_then(|o, s, k, b| async move { answer(jobs::submit(s, o, k, b).await) });
    // GET /v1/jobs/{id}
    let job = warp::path!("v1" / "jobs" / String)
        .and(warp::get())
        .and(auth.clone())
        .and(with_state(state.clone()))
        .and_then(|id, o, s| async move { answer(jobs::get(s, o, id).await) });
    // POST /v1/verify
    let check = warp::path!("v1" / "verify")
        .and(warp::post())
        .and(auth)
        .and(with_state(state))
        .and(json_body(JOB_BODY_LIMIT))
        .and_then(|o, s, b| async move { answer(verify::verify(s, o, b).await) });
    submit.or(job).unify().or(check).unify()
}

/// CORS preflight on any path (the gate has already checked the origin). Not
/// `warp::options()`: that would turn every other method's "no such path" into 405.
fn preflight() -> impl Filter<Extract = (warp::reply::Response,), Error = warp::Rejection> + Clone {
    warp::method()
        .and_then(|m: warp::http::Method| async move {
            if m == warp::http::Method::OPTIONS {
                Ok(())
            } else {
                Err(warp::reject::not_found())
            }
        })
        .untuple_one()
        .map(|| {
            let mut r = warp::reply::Response::new(Default::default());
            *r.status_mut() = StatusCode::NO_CONTENT;
            let h = r.headers_mut();
            h.insert(
                "access-control-allow-methods",
                warp::http::HeaderValue::from_static("GET, POST"),
            );
            h.insert(
                "access-control-allow-headers",
                warp::http::HeaderValue::from_static(
                    "authorization, content-type, idempotency-key",
                ),
            );
            h.insert(
                "access-control-max-age",
                warp::http::HeaderValue::from_static("600"),
            );
            r
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_origins() {
        let g = Gate::new(
            "127.0.0.1:8080".parse().unwrap(),
            &["api.example.com".into(), "proxy.internal:9000".into()],
            &["https://app.example/".into()],
        );
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST:8080",
            "[::1]:8080",
            "api.example.com",
            "api.example.com:443",
            "proxy.internal:9000",
        ] {
            assert!(g.host_ok(ok), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "localhost:8081",
            "127.0.0.1",
            "proxy.internal",
            "proxy.internal:9001",
            "",
        ] {
            assert!(!g.host_ok(bad), "{bad}");
        }
        assert!(g.origin_ok("https://app.example"));
        assert!(!g.origin_ok("https://evil.example"));
        assert!(!g.origin_ok("null"));
        let public = Gate::new("10.0.0.5:80".parse().unwrap(), &[], &[]);
        assert!(public.host_ok("10.0.0.5:80") && !public.host_ok("localhost:80"));
    }
}
