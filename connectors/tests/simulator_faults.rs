//! The simulator's auth checks and fault knobs, each observed from outside.

mod simulator_support;

use connectors::Provider;
use connectors::simulator::{
    EstateSize, Faults, Preset, RedirectMix, RunningSimulator, Simulator, SimulatorConfig,
};
use serde_json::{Value, json};
use simulator_support::{exp, get, jwt, oauth_auth, post_form, static_auth};
use std::time::{Duration, Instant};

fn config(faults: Faults) -> SimulatorConfig {
    SimulatorConfig {
        seed: 3,
        preset: Preset::Generated(EstateSize {
            tenants: 2,
            apps_per_tenant: 30,
            grants_per_app: 2,
            users_per_tenant: 4,
            redirect_mix: RedirectMix::default(),
        }),
        faults,
        page_size: 10,
        ..SimulatorConfig::default()
    }
}

/// One listing URL per provider.
fn listing(sim: &RunningSimulator, p: Provider, t: usize) -> String {
    let base = sim.base_url(p, t);
    let c = sim.credentials(p, t);
    match p {
        Provider::Entra => format!("{base}/v1.0/servicePrincipals"),
        Provider::Okta => format!("{base}/api/v1/apps"),
        Provider::Google => format!("{base}/admin/directory/v1/users?customer=my_customer"),
        Provider::Github => format!("{base}/orgs/{}/installations", c.org.unwrap()),
        Provider::Salesforce => {
            format!("{base}/services/data/v62.0/query?q=SELECT+Id+FROM+ConnectedApplication")
        }
        Provider::Slack => format!("{base}/admin.apps.approved.list"),
        Provider::Auth0 => format!("{base}/api/v2/clients"),
        _ => format!("{base}/admin/realms/{}/clients", c.realm.unwrap()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_calls_without_a_valid_token_get_the_providers_401() {
    let sim = Simulator::start(config(Faults::none())).unwrap();
    for p in Provider::SAAS {
        let url = listing(&sim, p, 0);
        let other_tenant = if p == Provider::Okta {
            static_auth(&sim, p, 1)
        } else {
            oauth_or_static(&sim, p, 1).await
        };
        for auth in ["", "Bearer not-a-token", other_tenant.as_str()] {
            let answer = get(&url, auth).await;
            if p == Provider::Slack {
                assert_eq!(
                    (answer.status, answer.json()),
                    (200, json!({"ok": false, "error": "invalid_auth"}))
                );
            } else {
                assert_eq!(answer.status, 401, "{p:?} with {auth:?}");
                let body = answer.json();
                assert!(body.is_object() || body.is_array(), "{p:?}: {body}");
            }
        }
        assert_eq!(
            get(&url, &static_auth(&sim, p, 0)).await.status,
            200,
            "{p:?} static token"
        );
        assert_eq!(
            get(&url, &oauth_or_static(&sim, p, 0).await).await.status,
            200,
            "{p:?} issued token"
        );
    }
    assert_eq!(sim.requests(Provider::Okta, 0, "apps"), 5);
    sim.shutdown().await;
}

async fn oauth_or_static(sim: &RunningSimulator, p: Provider, t: usize) -> String {
    if p == Provider::Slack {
        static_auth(sim, p, t)
    } else {
        oauth_auth(sim, p, t).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoints_refuse_wrong_secrets_and_assertions() {
    let sim = Simulator::start(config(Faults::none())).unwrap();
    let entra = sim.credentials(Provider::Entra, 0);
    let url = sim.token_url(Provider::Entra, 0).unwrap();
    let wrong = post_form(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &entra.client_id),
            ("client_secret", "wrong"),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
        None,
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.json()["error"], "invalid_client");
    assert!(
        !String::from_utf8_lossy(&wrong.body).contains(entra.client_secret.as_deref().unwrap())
    );

    let google = sim.credentials(Provider::Google, 0);
    let gurl = sim.token_url(Provider::Google, 0).unwrap();
    for claims in [
        json!({"iss": google.issuer, "sub": google.subject, "aud": "https://elsewhere.example/token", "scope": "s", "exp": exp()}),
        json!({"iss": "someone@else.example", "sub": google.subject, "aud": gurl, "scope": "s", "exp": exp()}),
        json!({"iss": google.issuer, "sub": google.subject, "aud": gurl, "scope": "s", "exp": 1000}),
    ] {
        let answer = post_form(
            &gurl,
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", &jwt(claims)),
            ],
            None,
        )
        .await;
        assert_eq!(answer.status, 400);
        assert_eq!(answer.json()["error"], "invalid_grant");
    }
    let not_jwt = post_form(
        &gurl,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", "abc"),
        ],
        None,
    )
    .await;
    assert_eq!(not_jwt.status, 400);

    let gh = sim.token_url(Provider::Github, 0).unwrap();
    assert_eq!(post_form(&gh, &[], Some("Bearer nope")).await.status, 401);
    let wrong_app = jwt(json!({"iss": 1, "exp": exp()}));
    assert_eq!(
        post_form(&gh, &[], Some(&format!("Bearer {wrong_app}")))
            .await
            .status,
        401
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issued_tokens_expire() {
    let sim = Simulator::start(SimulatorConfig {
        token_lifetime: Duration::from_millis(300),
        ..config(Faults::none())
    })
    .unwrap();
    let auth = oauth_auth(&sim, Provider::Keycloak, 0).await;
    let url = listing(&sim, Provider::Keycloak, 0);
    assert_eq!(get(&url, &auth).await.status, 200);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(get(&url, &auth).await.status, 401);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_answer_429_with_retry_after_and_the_providers_headers() {
    let sim = Simulator::start(config(Faults {
        rate_limited_share: 1.0,
        retry_after_seconds: 7,
        ..Faults::none()
    }))
    .unwrap();
    for p in Provider::SAAS {
        let answer = get(&listing(&sim, p, 0), &static_auth(&sim, p, 0)).await;
        assert_eq!(answer.status, 429, "{p:?}");
        assert_eq!(answer.header("retry-after").as_deref(), Some("7"), "{p:?}");
        match p {
            Provider::Okta => assert_eq!(
                answer.header("x-rate-limit-remaining").as_deref(),
                Some("0")
            ),
            Provider::Github | Provider::Auth0 => {
                assert_eq!(answer.header("x-ratelimit-remaining").as_deref(), Some("0"))
            }
            _ => {}
        }
    }
    sim.shutdown().await;

    // With half the requests limited, retrying the same request gets through.
    let sim = Simulator::start(config(Faults {
        rate_limited_share: 0.5,
        retry_after_seconds: 1,
        ..Faults::none()
    }))
    .unwrap();
    let url = listing(&sim, Provider::Okta, 0);
    let auth = static_auth(&sim, Provider::Okta, 0);
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(get(&url, &auth).await.status);
    }
    assert!(
        statuses.contains(&429) && statuses.contains(&200),
        "{statuses:?}"
    );
    assert_eq!(sim.requests(Provider::Okta, 0, "apps"), 40);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_hit_only_the_tenant_configured_for_them() {
    let mut cfg = config(Faults::none());
    cfg.tenant_faults.push((
        Provider::Auth0,
        1,
        Faults {
            server_error_share: 1.0,
            ..Faults::none()
        },
    ));
    let sim = Simulator::start(cfg).unwrap();
    assert_eq!(
        get(
            &listing(&sim, Provider::Auth0, 1),
            &static_auth(&sim, Provider::Auth0, 1)
        )
        .await
        .status,
        503
    );
    assert_eq!(
        get(
            &listing(&sim, Provider::Auth0, 0),
            &static_auth(&sim, Provider::Auth0, 0)
        )
        .await
        .status,
        200
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_page_is_not_json_and_the_pages_before_it_are() {
    let sim = Simulator::start(config(Faults {
        truncated_page: Some(1),
        ..Faults::none()
    }))
    .unwrap();
    let auth = static_auth(&sim, Provider::Entra, 0);
    let first = get(&listing(&sim, Provider::Entra, 0), &auth).await;
    let next = first.json()["@odata.nextLink"]
        .as_str()
        .unwrap()
        .to_string();
    let second = get(&next, &auth).await;
    assert_eq!(second.status, 200);
    assert!(serde_json::from_slice::<Value>(&second.body).is_err());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_looping_cursor_sends_a_pager_back_to_a_link_it_has_seen() {
    let sim = Simulator::start(config(Faults {
        looping_page: Some(2),
        ..Faults::none()
    }))
    .unwrap();
    for p in [Provider::Okta, Provider::Github] {
        let auth = static_auth(&sim, p, 0);
        let mut seen = Vec::new();
        let mut url = listing(&sim, p, 0);
        let repeated = loop {
            let answer = get(&url, &auth).await;
            let Some(next) = answer.next_link() else {
                panic!("{p:?}: listing ended without looping")
            };
            if seen.contains(&next) {
                break next;
            }
            assert!(seen.len() < 10, "{p:?}: no loop after {seen:?}");
            seen.push(next.clone());
            url = next;
        };
        assert_eq!(
            seen.iter().position(|s| *s == repeated),
            Some(0),
            "{p:?}: loops back to page 1"
        );
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_page_is_padded_to_the_configured_size_and_still_parses() {
    let sim = Simulator::start(config(Faults {
        oversized_page: Some(0),
        oversized_bytes: 300_000,
        ..Faults::none()
    }))
    .unwrap();
    let answer = get(
        &listing(&sim, Provider::Slack, 0),
        &static_auth(&sim, Provider::Slack, 0),
    )
    .await;
    assert_eq!(answer.body.len(), 300_000);
    assert_eq!(answer.json()["ok"], true);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_delays_every_answer_and_requests_are_counted() {
    let sim = Simulator::start(config(Faults {
        latency: Duration::from_millis(120),
        ..Faults::none()
    }))
    .unwrap();
    let auth = static_auth(&sim, Provider::Google, 0);
    let url = listing(&sim, Provider::Google, 0);
    let started = Instant::now();
    let (a, b, c) = tokio::join!(get(&url, &auth), get(&url, &auth), get(&url, &auth));
    let took = started.elapsed();
    assert!([a.status, b.status, c.status].iter().all(|s| *s == 200));
    // Concurrent requests wait side by side, not one after another.
    assert!(
        took >= Duration::from_millis(120) && took < Duration::from_millis(340),
        "{took:?}"
    );
    assert_eq!(sim.requests(Provider::Google, 0, "users"), 3);
    assert_eq!(sim.total_requests(), 3);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_gzipped_when_the_client_asks() {
    let sim = Simulator::start(config(Faults::none())).unwrap();
    let url = listing(&sim, Provider::Entra, 0);
    let auth = static_auth(&sim, Provider::Entra, 0);
    // Decoding off, so the answer's own Content-Encoding is visible.
    let client = reqwest::Client::builder()
        .no_proxy()
        .no_gzip()
        .build()
        .unwrap();
    let gzipped = client
        .get(&url)
        .header("Authorization", &auth)
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers().get("content-encoding").unwrap(), "gzip");
    let plain = client
        .get(&url)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_the_port() {
    let sim = Simulator::start(config(Faults::none())).unwrap();
    let url = listing(&sim, Provider::Slack, 0);
    sim.shutdown().await;
    assert!(reqwest::Client::new().get(&url).send().await.is_err());
}
