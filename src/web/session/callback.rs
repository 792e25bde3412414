//! The end of a single sign-on: `GET /login/oidc/callback` (see `oidc.rs` for the start).
//!
//! The flow named by the browser's flow cookie is taken (read and deleted: single use), the
//! `state` compared in constant time, the code exchanged with the PKCE verifier derived from
//! the flow id, and the ID token verified by the crate (signature with the provider's keys
//! and an asymmetric algorithm it advertises, issuer, audience, expiry, nonce). The `[oidc]`
//! mapping (`roles.rs`) then decides the role. Any failure ends the flow and deletes the
//! flow cookie; nothing the provider sent is shown beyond a short error code.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use chrono::Duration;
use openidconnect::core::{CoreJwsSigningAlgorithm, CoreProviderMetadata};
use openidconnect::{AuthorizationCode, Nonce, PkceCodeVerifier, TokenResponse};
use serde::Deserialize;

use super::login::{LoginPage, page_response};
use super::oidc::{FLOW_MINUTES, oidc_of, provider_failure};
use super::roles::{Identity, map_role};
use super::{NewSession, cookie, token};
use crate::store::api_keys::hash_key;
use crate::web::AppState;
use crate::web::dashboard::PageError;
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// OpenID Connect Core §2 caps `sub` at 255 ASCII characters; more is not an honest subject.
const MAX_SUBJECT: usize = 255;

/// The `Set-Cookie` value deleting the flow cookie (sent with every callback answer).
fn clear_flow(secure: bool) -> String {
    cookie::set_cookie(
        cookie::FLOW_COOKIE,
        "",
        cookie::FLOW_PATH,
        "Lax",
        Some(0),
        secure,
    )
}

/// `GET /login/oidc/callback`: finish the flow and open a session.
pub async fn callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, PageError> {
    use actix_web::ResponseError;
    let secure = cookie::behind_tls(&state.config.server, &req);
    match finish(&state, &req, query.into_inner()).await {
        Ok((set_session, page)) => {
            page_response(StatusCode::OK, &page, &[set_session, clear_flow(secure)])
        }
        Err(e) => {
            let mut res = e.error_response();
            if let Ok(v) = header::HeaderValue::from_str(&clear_flow(secure)) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(res)
        }
    }
}

fn expired() -> PageError {
    PageError::bad_request(
        "This sign-in is no longer valid (it was used already, took too long, or did not start here). Please sign in again.",
    )
}

async fn finish(
    state: &AppState,
    req: &HttpRequest,
    q: CallbackQuery,
) -> Result<(String, LoginPage), PageError> {
    let oidc = oidc_of(req)?;
    let flow = cookie::read_cookie(req, cookie::FLOW_COOKIE)
        .filter(|f| token::well_formed(f))
        .ok_or_else(expired)?;
    let now = state.clock.now();
    let (store, flow_hash) = (state.store.clone(), hash_key(&flow));
    let row = web::block(move || {
        store.take_login_flow(&flow_hash, now - Duration::minutes(FLOW_MINUTES))
    })
    .await
    .map_err(PageError::internal)??
    .ok_or_else(expired)?;
    if let Some(code) = q.error {
        // Only a short, plain error code is echoed (RFC 6749 §4.1.2.1 codes are such).
        let shown = if code.len() <= 40 && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        {
            format!(" ({code})")
        } else {
            String::new()
        };
        return Err(PageError::new(
            StatusCode::UNAUTHORIZED,
            format!("The identity provider did not sign you in{shown}."),
        ));
    }
    if !token::same(&row.state, q.state.as_deref().unwrap_or_default()) {
        tracing::warn!("single sign-on callback with a state that does not match its flow");
        return Err(expired());
    }
    let code = q
        .code
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or_else(expired)?;
    let metadata = oidc.metadata().await?;
    let algs = signing_algs(&metadata);
    let client = oidc.client(metadata);
    let verifier = PkceCodeVerifier::new(token::derive("oauth-audit pkce", &flow));
    let nonce = Nonce::new(token::derive("oauth-audit nonce", &flow));
    let response = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| provider_failure("token endpoint", &e))?
        .set_pkce_verifier(verifier)
        .request_async(&oidc.http)
        .await
        .map_err(|e| provider_failure("code exchange", &e))?;
    let id_token = response.id_token().ok_or_else(|| {
        PageError::new(
            StatusCode::BAD_GATEWAY,
            "The identity provider sent no ID token.",
        )
    })?;
    let claims = id_token
        .claims(&client.id_token_verifier().set_allowed_algs(algs), &nonce)
        .map_err(|e| provider_failure("ID token", &e))?;
    let identity = Identity {
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().to_owned()),
        email_verified: claims.email_verified(),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned()),
        groups: groups_claim(&id_token.to_string(), &oidc.cfg.groups_claim),
    };
    let role = map_role(&oidc.cfg, &identity).map_err(|r| {
        let subject = connectors::redact::printable(&identity.subject, MAX_SUBJECT);
        tracing::info!(%subject, "single sign-on refused: {r:?}");
        PageError::new(StatusCode::FORBIDDEN, r.message())
    })?;
    // Logged and stored: bounded and printable whatever the provider sent.
    let principal = connectors::redact::printable(
        &format!("oidc:{}#{}", claims.issuer().as_str(), identity.subject),
        2 * MAX_SUBJECT,
    );
    let display_name = identity.display_name();
    tracing::info!(%principal, role = role.as_str(), "dashboard sign-in with single sign-on");
    let opened = super::open_session(
        state,
        req,
        NewSession {
            principal,
            display_name: display_name.clone(),
            role,
            api_key_id: None,
        },
    )
    .await?;
    let page = LoginPage {
        next: row.next_path.clone(),
        csrf_token: opened.csrf_token.clone(),
        api_key_login: false,
        sso_name: None,
        error: None,
        viewer: Some(super::Viewer {
            name: display_name,
            role,
            csrf_token: opened.csrf_token,
            demo: false,
        }),
        refresh: true,
    };
    Ok((opened.set_cookie, page))
}

/// The ID-token signature algorithms accepted: those the provider advertises, less `none`
/// and the HMAC ones (a token signed with the client secret proves nothing about who issued
/// it); RS256 alone when it advertises none of the others.
fn signing_algs(m: &CoreProviderMetadata) -> Vec<CoreJwsSigningAlgorithm> {
    use CoreJwsSigningAlgorithm as A;
    let algs: Vec<_> = m
        .id_token_signing_alg_values_supported()
        .iter()
        .filter(|a| !matches!(a, A::None | A::HmacSha256 | A::HmacSha384 | A::HmacSha512))
        .cloned()
        .collect();
    if algs.is_empty() {
        vec![A::RsaSsaPkcs1V15Sha256]
    } else {
        algs
    }
}

/// The string values of claim `name` in an ID token whose signature has been verified. The
/// crate's standard claims have no place for groups, so the payload is read again here.
fn groups_claim(jwt: &str, name: &str) -> Vec<String> {
    let payload = jwt.split('.').nth(1).unwrap_or_default();
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload) else {
        return Vec::new();
    };
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Vec::new();
    };
    match doc.get(name) {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_read_from_the_token_payload() {
        let enc = |v: serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let jwt = format!(
            "h.{}.s",
            enc(serde_json::json!({"groups": ["a", 1, "b"], "role": "x"}))
        );
        assert_eq!(groups_claim(&jwt, "groups"), ["a", "b"]);
        assert_eq!(groups_claim(&jwt, "role"), ["x"]);
        assert!(groups_claim(&jwt, "missing").is_empty());
        assert!(groups_claim("not-a-jwt", "groups").is_empty());
    }
}
