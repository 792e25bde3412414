//! Rules benchmark (issue: Rules engine): the whole catalog plus the `oa-risk-v1` score over
//! generated apps with three redirect URIs, two credentials and ten grants each, on one core.
//!
//! Run: `cargo bench --bench rules` (app count: `RULES_APPS`, default 100,000). Criterion
//! reports the time per pass over all apps; the throughput line is apps per second.

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

use connectors::Provider;
use connectors::model::{
    AppKind, ClientType, ConsentType, Credential, CredentialKind, Grant, GrantKind, GrantType,
    Lifetime, OAuthApp, Ownership, PkceStatus, PolicySource, Principal, Publisher, RedirectKind,
    RedirectUri, Setting,
};
use oauth_audit::rules::context::{EstateBuilder, EstateFacts, TenantContext};
use oauth_audit::rules::score::{self, Impact};
use oauth_audit::rules::watchlist::Watchlist;
use oauth_audit::rules::{AppContext, Settings, evaluate_app};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const REDIRECTS: [(&str, RedirectKind); 9] = [
    (
        "https://app{n}.example.com/oauth/callback",
        RedirectKind::Web,
    ),
    ("http://localhost:3000/cb", RedirectKind::Web),
    ("https://*.example{n}.com/cb", RedirectKind::Web),
    (
        "https://tenant{n}.azurewebsites.net/signin-oidc",
        RedirectKind::Web,
    ),
    ("com.example.app{n}:/oauth2redirect", RedirectKind::Native),
    ("myapp{n}://callback", RedirectKind::Native),
    (
        "https://app{n}.example.com/login?next=https://app.example.com/home",
        RedirectKind::Web,
    ),
    ("http://127.0.0.1/cb", RedirectKind::Native),
    ("https://a{n}.ngrok-free.app/cb", RedirectKind::Web),
];

const SCOPES: [&str; 10] = [
    "User.Read",
    "Mail.Read",
    "Files.Read.All",
    "Calendars.Read",
    "offline_access",
    "openid",
    "profile",
    "Sites.Read.All",
    "Directory.Read.All",
    "Custom.Scope",
];

fn generate(n: usize) -> Vec<(OAuthApp, Vec<Grant>)> {
    let t0 = Utc
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    (0..n)
        .map(|i| {
            let mut app = OAuthApp::new(Provider::Entra, format!("sp-{i}"), format!("App {i}"));
            app.client_id = Some(format!("client-{i}"));
            app.client_type = if i % 3 == 0 {
                ClientType::Public
            } else {
                ClientType::Confidential
            };
            app.app_kind = [
                AppKind::Web,
                AppKind::Spa,
                AppKind::Native,
                AppKind::Service,
            ][i % 4];
            app.ownership = if i % 2 == 0 {
                Ownership::ThirdParty
            } else {
                Ownership::FirstParty
            };
            app.publisher = Publisher {
                name: Some(format!("Vendor {}", i % 500)),
                domain: Some(format!("vendor{}.example", i % 500)),
                verified: Some(i % 5 != 0),
            };
            app.grant_types = vec![GrantType::AuthorizationCode, GrantType::RefreshToken];
            if i % 7 == 0 {
                app.grant_types.push(GrantType::Implicit);
            }
            app.pkce.status = [
                PkceStatus::Required,
                PkceStatus::Optional,
                PkceStatus::Unknown,
            ][i % 3];
            app.redirect_uris = (0..3)
                .map(|k| {
                    let (uri, kind) = REDIRECTS[(i + k * 4) % REDIRECTS.len()];
                    RedirectUri {
                        uri: uri.replace("{n}", &i.to_string()),
                        kind,
                        kind_inferred: false,
                    }
                })
                .collect();
            app.credentials = (0..2)
                .map(|k| Credential {
                    kind: if k == 0 {
                        CredentialKind::Secret
                    } else {
                        CredentialKind::Certificate
                    },
                    key_id: Some(format!("key-{i}-{k}")),
                    hint: Some("abc".into()),
                    display_name: Some(format!("credential {k}")),
                    created_at: Some(t0 + Duration::days((i % 700) as i64)),
                    expires_at: Some(t0 + Duration::days((i % 700) as i64 + 400 + 300 * k)),
                    never_expires: false,
                    fingerprint: format!("fp-{i}-{k}"),
                    secret_digest: None,
                })
                .collect();
            app.token_policy.access_token_lifetime = Some(Setting::new(
                Lifetime::Seconds(3600 + (i % 3) as u64 * 3600),
                PolicySource::TenantDefault,
            ));
            app.token_policy.refresh_token_lifetime = Some(Setting::new(
                Lifetime::Unlimited,
                PolicySource::ProviderDefault,
            ));
            app.requested_scopes = SCOPES.iter().take(4).map(|s| s.to_string()).collect();
            app.owners = vec![format!("owner-{i}@example.com")];
            app.normalize();
            let grants = (0..10)
                .map(|k| Grant {
                    external_id: Some(format!("g-{i}-{k}")),
                    app_external_id: app.external_id.clone(),
                    principal: if k == 0 {
                        Principal::Tenant
                    } else {
                        Principal::User {
                            id: format!("user-{}", (i * 10 + k) % 5000),
                            email: None,
                            display_name: None,
                            active: Some(k != 9),
                        }
                    },
                    resource: Some("graph".into()),
                    scopes: vec![SCOPES[k].to_string(), SCOPES[(k + i) % 10].to_string()],
                    consent_type: if k == 0 {
                        ConsentType::Admin
                    } else {
                        ConsentType::User
                    },
                    kind: GrantKind::Delegated,
                    created_at: Some(t0),
                    expires_at: None,
                    last_used_at: Some(t0 + Duration::days((k * 40) as i64)),
                })
                .collect();
            (app, grants)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let n = std::env::var("RULES_APPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000usize);
    let apps = generate(n);
    let settings = Settings::default();
    let watchlist = Watchlist::builtin();
    let now = Utc
        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let mut estate = EstateBuilder::new();
    for (app, _) in &apps {
        let facts = EstateFacts {
            secret_digests: Vec::new(),
            key_fingerprints: app
                .credentials
                .iter()
                .map(|c| c.fingerprint.clone())
                .collect(),
            vendor: oauth_audit::rules::context::publisher_key(app),
            max_tier: None,
        };
        estate.add("bench", app.provider, &app.external_id, &app.name, &facts);
    }
    let estate = estate.build();
    let tenant = TenantContext {
        name: "bench",
        provider: Provider::Entra,
        policy: None,
        now,
        settings: &settings,
        estate: &estate,
        watchlist: &watchlist,
        resolver: None,
    };

    let mut group = c.benchmark_group("catalog");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(
        format!("{n} apps, 3 redirects, 2 credentials, 10 grants"),
        |b| {
            b.iter(|| {
                let mut findings = 0usize;
                let mut total = 0u64;
                for (app, grants) in &apps {
                    let ctx = AppContext::new(&tenant, app, Some(grants), None);
                    let found = evaluate_app(&ctx);
                    let inputs: Vec<score::Input<'_>> =
                        found.iter().map(score::Input::from).collect();
                    let impact = Impact::of(
                        &ctx.privilege,
                        &settings.score,
                        settings.thresholds.broad_user_count,
                    );
                    total += u64::from(score::score(impact, &inputs, &settings.score).score);
                    findings += found.len();
                }
                black_box((findings, total))
            })
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
