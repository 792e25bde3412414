//! Token endpoints as each provider runs them: OAuth client credentials (Entra, Auth0,
//! Keycloak), a `private_key_jwt` client assertion (Okta), a JWT bearer assertion (Google,
//! Salesforce) and a GitHub App JWT exchanged for an installation token. Assertions are
//! checked for form and claims (three base64url parts, JSON header and claims, `iss`/`sub`/
//! `aud` as expected, `exp` in the future), not for their signature.

use actix_web::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use super::auth::{Credentials, TokenStore, token_url};
use super::reply::{Ctx, Reply};
use crate::Provider;

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const CLIENT_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The claims of a well-formed, unexpired JWT; the reason it is not one otherwise.
pub fn jwt_claims(jwt: &str) -> Result<Value, &'static str> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header, claims, signature] = parts.as_slice() else {
        return Err("the assertion is not a three-part JWT");
    };
    let decode = |part: &str| -> Option<Value> {
        let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
        serde_json::from_slice::<Value>(&bytes)
            .ok()
            .filter(Value::is_object)
    };
    let header = decode(header).ok_or("the JWT header is not base64url JSON")?;
    if header
        .get("alg")
        .and_then(Value::as_str)
        .is_none_or(|a| a.eq_ignore_ascii_case("none"))
    {
        return Err("the JWT header names no signing algorithm");
    }
    if signature.is_empty()
        || URL_SAFE_NO_PAD
            .decode(signature.trim_end_matches('='))
            .is_err()
    {
        return Err("the JWT has no signature");
    }
    let claims = decode(claims).ok_or("the JWT claims are not base64url JSON")?;
    match claims.get("exp").and_then(Value::as_u64) {
        Some(exp) if exp > epoch_now() => Ok(claims),
        Some(_) => Err("the JWT has expired"),
        None => Err("the JWT has no `exp`"),
    }
}

fn claim_is(claims: &Value, name: &str, expected: &str) -> bool {
    match claims.get(name) {
        Some(Value::String(s)) => s == expected,
        Some(Value::Number(n)) => n.to_string() == expected,
        Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(expected)),
        _ => false,
    }
}

/// Answer a token request for the tenant.
pub fn issue(ctx: &Ctx<'_>, store: &TokenStore) -> Reply {
    let c = Credentials::for_tenant(ctx.estate, ctx.provider, ctx.tenant);
    let url = token_url(&ctx.base_url, ctx.provider, &c).unwrap_or_default();
    if ctx.provider == Provider::Github {
        return github_installation_token(ctx, store, &c);
    }
    let form: HashMap<String, String> =
        if ctx.provider == Provider::Auth0 && ctx.body.first() == Some(&b'{') {
            serde_json::from_slice::<HashMap<String, Value>>(ctx.body)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
                .collect()
        } else {
            form_urlencoded::parse(ctx.body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        };
    let get = |k: &str| form.get(k).map(String::as_str);
    let bad = |error: &str, why: &str| oauth_error(StatusCode::BAD_REQUEST, error, why);
    let denied = |why: &str| oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", why);
    match ctx.provider {
        Provider::Entra | Provider::Auth0 | Provider::Keycloak => {
            if get("grant_type") != Some("client_credentials") {
                return bad(
                    "unsupported_grant_type",
                    "grant_type must be client_credentials",
                );
            }
            if get("client_id") != Some(c.client_id.as_str())
                || get("client_secret") != c.client_secret.as_deref()
            {
                return denied("unknown client or wrong client secret");
            }
            if ctx.provider == Provider::Entra
                && !get("scope").is_some_and(|s| s.ends_with("/.default"))
            {
                return bad(
                    "invalid_scope",
                    "scope must be the resource's /.default scope",
                );
            }
            if ctx.provider == Provider::Auth0
                && !get("audience").is_some_and(|a| a.ends_with("/api/v2/"))
            {
                return bad(
                    "access_denied",
                    "audience must be the Management API (…/api/v2/)",
                );
            }
        }
        Provider::Okta => {
            if get("grant_type") != Some("client_credentials")
                || get("client_assertion_type") != Some(CLIENT_ASSERTION)
            {
                return bad(
                    "invalid_request",
                    "client_credentials with a private_key_jwt client assertion expected",
                );
            }
            let claims = match jwt_claims(get("client_assertion").unwrap_or_default()) {
                Ok(claims) => claims,
                Err(why) => return denied(why),
            };
            if !claim_is(&claims, "iss", &c.client_id)
                || !claim_is(&claims, "sub", &c.client_id)
                || !claim_is(&claims, "aud", &url)
            {
                return denied(
                    "the client assertion's iss, sub or aud is not this client and token endpoint",
                );
            }
            if !get("scope").is_some_and(|s| s.split(' ').any(|s| s.starts_with("okta."))) {
                return bad("invalid_scope", "request okta.* scopes");
            }
        }
        Provider::Google | Provider::Salesforce => {
            if get("grant_type") != Some(JWT_BEARER) {
                return bad(
                    "unsupported_grant_type",
                    "grant_type must be urn:ietf:params:oauth:grant-type:jwt-bearer",
                );
            }
            let claims = match jwt_claims(get("assertion").unwrap_or_default()) {
                Ok(claims) => claims,
                Err(why) => return bad("invalid_grant", why),
            };
            let iss = c.issuer.as_deref().unwrap_or_default();
            let sub = c.subject.as_deref().unwrap_or_default();
            // Salesforce wants the login host itself (`https://login.salesforce.com`, or the
            // origin of the token endpoint a connector was pointed at), not the endpoint URL.
            let login_host = origin(&url);
            let aud_ok = if ctx.provider == Provider::Google {
                claim_is(&claims, "aud", &url)
            } else {
                [
                    "https://login.salesforce.com",
                    "https://test.salesforce.com",
                    login_host,
                    url.as_str(),
                    ctx.base_url.as_str(),
                ]
                .iter()
                .any(|aud| claim_is(&claims, "aud", aud))
            };
            if !claim_is(&claims, "iss", iss) || !claim_is(&claims, "sub", sub) || !aud_ok {
                return bad(
                    "invalid_grant",
                    "the assertion's iss, sub or aud is not what this tenant expects",
                );
            }
            if ctx.provider == Provider::Google
                && claims
                    .get("scope")
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
            {
                return bad("invalid_scope", "the assertion names no scope");
            }
        }
        _ => return bad("unsupported_grant_type", "no token endpoint"),
    }
    let token = store.issue(ctx.provider, ctx.tenant, "sim_at_");
    let body = if ctx.provider == Provider::Salesforce {
        // Salesforce's JWT bearer answer has no `expires_in`; the instance URL is the API root.
        json!({"access_token": token, "scope": "api", "instance_url": ctx.base_url, "id": format!("{}/id/sim", ctx.base_url), "token_type": "Bearer", "issued_at": (epoch_now() * 1000).to_string()})
    } else {
        json!({"access_token": token, "token_type": "Bearer", "expires_in": store.lifetime_secs()})
    };
    Reply::ok(&body)
}

/// `scheme://host[:port]` of a URL.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

fn github_installation_token(ctx: &Ctx<'_>, store: &TokenStore, c: &Credentials) -> Reply {
    let denied = || {
        Reply::json(
            StatusCode::UNAUTHORIZED,
            &json!({"message": "A JSON web token could not be decoded", "documentation_url": "https://docs.github.com/rest"}),
        )
    };
    let Some(jwt) = ctx
        .authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Bearer "))
    else {
        return denied();
    };
    let Ok(claims) = jwt_claims(jwt) else {
        return denied();
    };
    if !claim_is(&claims, "iss", c.issuer.as_deref().unwrap_or_default()) {
        return Reply::json(
            StatusCode::UNAUTHORIZED,
            &json!({"message": "'Issuer' claim ('iss') must be an Integer", "documentation_url": "https://docs.github.com/rest"}),
        );
    }
    let token = store.issue(ctx.provider, ctx.tenant, "ghs_");
    let expires = SystemTime::now() + store.lifetime();
    let expires_at = chrono::DateTime::<chrono::Utc>::from(expires)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Reply::json(
        StatusCode::CREATED,
        &json!({"token": token, "expires_at": expires_at, "permissions": {"members": "read", "organization_administration": "read"}, "repository_selection": "all"}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: Value) -> String {
        let enc = |v: Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(&v).unwrap());
        format!(
            "{}.{}.{}",
            enc(json!({"alg": "RS256", "typ": "JWT"})),
            enc(claims),
            URL_SAFE_NO_PAD.encode(b"sig")
        )
    }

    #[test]
    fn a_well_formed_unexpired_jwt_yields_its_claims() {
        let claims = jwt_claims(&jwt(json!({"iss": "a", "exp": epoch_now() + 60}))).unwrap();
        assert!(claim_is(&claims, "iss", "a"));
    }

    #[test]
    fn malformed_expired_and_unsigned_jwts_are_refused() {
        assert!(jwt_claims("a.b").is_err());
        assert!(jwt_claims(&jwt(json!({"iss": "a", "exp": 1}))).is_err());
        assert!(jwt_claims(&jwt(json!({"iss": "a"}))).is_err());
        let unsigned = jwt(json!({"exp": epoch_now() + 60}));
        let unsigned = unsigned.rsplit_once('.').unwrap().0.to_string() + ".";
        assert!(jwt_claims(&unsigned).is_err());
    }
}
