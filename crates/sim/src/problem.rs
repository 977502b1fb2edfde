//! Error answers: RFC 7807 `application/problem+json` bodies
//! `{"title", "detail", "status"}` as Replicate sends them, and the HTML a
//! proxy sends.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A problem+json answer; `extra` fields are merged into the body.
pub fn problem(status: u16, title: &str, detail: &str, extra: Option<Value>) -> Response {
    let mut body = json!({"title": title, "detail": detail, "status": status});
    if let Some(Value::Object(map)) = extra {
        for (k, v) in map {
            body[k] = v;
        }
    }
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body.to_string(),
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// 401 without a token ("You did not pass an authentication token").
pub fn no_token() -> Response {
    problem(
        401,
        "Unauthenticated",
        "You did not pass an authentication token",
        None,
    )
}

/// 401 for an unknown, invalid or revoked token.
pub fn bad_token() -> Response {
    problem(
        401,
        "Unauthenticated",
        "You did not pass a valid authentication token",
        None,
    )
}

/// 402 when the account has no credit (Replicate's wording).
pub fn no_credit() -> Response {
    problem(
        402,
        "Insufficient credit",
        "You have insufficient credit to run this model. Go to https://replicate.com/account/billing#billing to purchase credit. Once you purchase credit, please wait a few minutes before trying again.",
        None,
    )
}

/// 404 for a prediction, model or route that is not there (or not yours).
pub fn not_found() -> Response {
    problem(404, "Not found", "Not found.", None)
}

/// 429 with `retry_after` seconds in the body and a `Retry-After` header.
/// `low_credit` uses the longer wording Replicate sends to accounts with
/// under $5 of credit.
pub fn throttled(retry_after: u64, low_credit: bool) -> Response {
    let detail = if low_credit {
        format!(
            "Request was throttled. Your rate limit for creating predictions is reduced to 6 requests per minute with a burst of 1 requests while you have less than $5.0 in credit. Your rate limit resets in ~{retry_after}s."
        )
    } else {
        format!("Request was throttled. Your rate limit resets in ~{retry_after}s.")
    };
    let mut response = problem(
        429,
        "Too Many Requests",
        &detail,
        Some(json!({"retry_after": retry_after})),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

/// A 5xx with a problem+json body.
pub fn server_error_json(status: u16) -> Response {
    let title = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Server Error");
    problem(
        status,
        title,
        "An unexpected error occurred. Please try again.",
        None,
    )
}

/// A 5xx with an HTML body, as a load balancer or CDN answers.
pub fn server_error_html(status: u16) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let reason = code.canonical_reason().unwrap_or("Error");
    let html = format!(
        "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut response = (code, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}
