//! Helpers for the simulator tests: a plain HTTP client, each provider's auth, and a collector
//! per provider that pages through the simulator the way that provider pages and feeds every
//! page to the provider's existing parser.
#![allow(dead_code)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use connectors::Provider;
use connectors::simulator::RunningSimulator;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

/// At most this many pages per listing: a looping cursor fails the test instead of hanging it.
pub const MAX_PAGES: usize = 500;

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// A well-formed JWT (with a dummy signature) carrying `claims`.
pub fn jwt(claims: Value) -> String {
    let enc = |v: Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(&v).unwrap());
    format!(
        "{}.{}.{}",
        enc(json!({"alg": "RS256", "typ": "JWT"})),
        enc(claims),
        URL_SAFE_NO_PAD.encode(b"signature")
    )
}

pub fn exp() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 300
}

/// One answer: status, headers, body bytes.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// The `rel="next"` URL of a `Link` header.
    pub fn next_link(&self) -> Option<String> {
        self.headers
            .get_all("link")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .find_map(|part| {
                let (url, rel) = part.split_once(';')?;
                rel.contains("rel=\"next\"").then(|| {
                    url.trim()
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_string()
                })
            })
    }
}

pub async fn get(url: &str, auth: &str) -> Answer {
    let resp = client()
        .get(url)
        .header("Authorization", auth)
        .send()
        .await
        .unwrap();
    Answer {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.bytes().await.unwrap().to_vec(),
    }
}

pub async fn post_form(url: &str, form: &[(&str, &str)], auth: Option<&str>) -> Answer {
    let mut req = client()
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(
            form.iter()
                .map(|(k, v)| format!("{k}={}", urlenc(v)))
                .collect::<Vec<_>>()
                .join("&"),
        );
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    let resp = req.send().await.unwrap();
    Answer {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.bytes().await.unwrap().to_vec(),
    }
}

pub fn urlenc(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The tenant's static token as the `Authorization` header value.
pub fn static_auth(sim: &RunningSimulator, p: Provider, t: usize) -> String {
    let scheme = if p == Provider::Okta {
        "SSWS"
    } else {
        "Bearer"
    };
    format!("{scheme} {}", sim.credentials(p, t).static_token)
}

/// Get an access token the provider's own way, as the `Authorization` header value.
pub async fn oauth_auth(sim: &RunningSimulator, p: Provider, t: usize) -> String {
    let c = sim.credentials(p, t);
    let url = sim.token_url(p, t).unwrap();
    let secret = c.client_secret.clone().unwrap_or_default();
    let answer = match p {
        Provider::Entra => {
            post_form(
                &url,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &c.client_id),
                    ("client_secret", &secret),
                    ("scope", "https://graph.microsoft.com/.default"),
                ],
                None,
            )
            .await
        }
        Provider::Auth0 => {
            let audience = format!("{}/api/v2/", sim.base_url(p, t));
            post_form(
                &url,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &c.client_id),
                    ("client_secret", &secret),
                    ("audience", &audience),
                ],
                None,
            )
            .await
        }
        Provider::Keycloak => {
            post_form(
                &url,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &c.client_id),
                    ("client_secret", &secret),
                ],
                None,
            )
            .await
        }
        Provider::Okta => {
            let assertion = jwt(
                json!({"iss": c.client_id, "sub": c.client_id, "aud": url, "exp": exp(), "jti": "1"}),
            );
            post_form(
                &url,
                &[
                    ("grant_type", "client_credentials"),
                    ("scope", "okta.apps.read okta.appGrants.read"),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", &assertion),
                ],
                None,
            )
            .await
        }
        Provider::Google => {
            let assertion = jwt(
                json!({"iss": c.issuer, "sub": c.subject, "aud": url, "scope": "https://www.googleapis.com/auth/admin.directory.user.security", "exp": exp()}),
            );
            post_form(
                &url,
                &[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                    ("assertion", &assertion),
                ],
                None,
            )
            .await
        }
        Provider::Salesforce => {
            let assertion = jwt(
                json!({"iss": c.client_id, "sub": c.subject, "aud": "https://login.salesforce.com", "exp": exp()}),
            );
            post_form(
                &url,
                &[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                    ("assertion", &assertion),
                ],
                None,
            )
            .await
        }
        Provider::Github => {
            let app_jwt = jwt(
                json!({"iss": c.issuer.unwrap().parse::<u64>().unwrap(), "iat": exp() - 360, "exp": exp()}),
            );
            post_form(&url, &[], Some(&format!("Bearer {app_jwt}"))).await
        }
        _ => panic!("{p:?} has no token endpoint"),
    };
    assert!(
        answer.status == 200 || answer.status == 201,
        "{p:?} token: {} {}",
        answer.status,
        String::from_utf8_lossy(&answer.body)
    );
    let body = answer.json();
    let token = body
        .get("access_token")
        .or(body.get("token"))
        .and_then(Value::as_str)
        .unwrap();
    format!("Bearer {token}")
}

mod collect;
#[allow(unused_imports)]
pub use collect::collect;

pub mod live;
