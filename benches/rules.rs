//! Rules benchmark (issue: Rules engine): the whole catalog plus the `oa-risk-v1` score over
//! generated apps with three redirect URIs, two credentials and ten grants each, on one core.
//!
//! Run: `cargo bench --bench rules` (app count: `RULES_APPS`, default 100,000). Criterion
//! reports the time per pass over all apps; the throughput line is apps per second. A pass
//! runs the tenant rules once and every app rule over every app, building each finding's
//! evidence, then scores each app.
//!
//! Instruction counts, which a loaded machine does not skew: `RULES_ONE_PASS=1` runs one
//! pass per mix instead of criterion's samples (printing its time on the CPU), for
//! `valgrind --tool=callgrind --toggle-collect='*one_pass*' target/release/deps/rules-<hash>`.
//!
//! Measured on the development machine (2 cores shared with other builds), 2026-11-25, one
//! pass over 10,000 apps under callgrind, instructions per app (findings per app):
//! clean 45.1k (0), typical 74.3k (2.73), worst case 186.4k (13.43); before the hot-path work
//! of that day 61.6k, 95.2k and 225.2k, with the same findings and scores. Criterion over
//! 100,000 apps on one pinned core, the other core busy with builds (load about 2.8), before
//! and after, run back to back: clean 179k and 246k, typical 99k and 118k, worst case 36k and
//! 49k apps per second.

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

use connectors::Provider;
use connectors::model::{
    AppKind, ClientType, ConsentType, Credential, CredentialKind, Grant, GrantKind, GrantType,
    Lifetime, OAuthApp, Ownership, PkceStatus, PolicySource, Principal, Publisher, RedirectKind,
    RedirectUri, Setting, TenantPolicy, UserConsentPolicy,
};
use oauth_audit::rules::context::{EstateBuilder, EstateFacts, TenantContext};
use oauth_audit::rules::score::{self, Impact};
use oauth_audit::rules::watchlist::Watchlist;
use oauth_audit::rules::{AppContext, Settings, evaluate_app, evaluate_tenant};

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

/// A well-run app: confidential web client with PKCE, exact https redirects on its own domain,
/// a certificate and a fresh short-lived secret, one-hour access tokens, rotated refresh tokens
/// with 30-day idle and 90-day absolute limits, grants in use.
fn clean(app: &mut OAuthApp, grants: &mut [Grant], i: usize, now: chrono::DateTime<Utc>) {
    app.client_type = ClientType::Confidential;
    app.app_kind = AppKind::Web;
    app.publisher.verified = Some(true);
    app.grant_types = vec![GrantType::AuthorizationCode, GrantType::RefreshToken];
    app.pkce.status = PkceStatus::Required;
    app.redirect_uris = (0..3)
        .map(|k| RedirectUri {
            uri: format!("https://app{i}.vendor{}.example/oauth/callback{k}", i % 500),
            kind: RedirectKind::Web,
            kind_inferred: false,
        })
        .collect();
    for (k, c) in app.credentials.iter_mut().enumerate() {
        c.created_at = Some(now - Duration::days(30 + k as i64));
        c.expires_at = Some(now + Duration::days(150));
    }
    let d = PolicySource::Client;
    app.token_policy.access_token_lifetime = Some(Setting::new(Lifetime::Seconds(3600), d));
    app.token_policy.refresh_token_lifetime = Some(Setting::new(Lifetime::Seconds(90 * 86_400), d));
    app.token_policy.refresh_token_idle_lifetime =
        Some(Setting::new(Lifetime::Seconds(30 * 86_400), d));
    app.token_policy.refresh_token_rotation = Some(Setting::new(true, d));
    app.token_policy.sender_constrained = Some(Setting::new(false, d));
    for g in grants.iter_mut() {
        g.created_at = Some(now - Duration::days(200));
        g.last_used_at = Some(now - Duration::days(3));
        g.scopes = vec!["openid".into(), "profile".into(), "Calendars.Read".into()];
        if let Principal::User { active, .. } = &mut g.principal {
            *active = Some(true);
        }
    }
}

/// `n` apps; every `risky_every`-th one keeps the risky settings below, the others are
/// [`clean`]ed (1 = every app risky, 0 = none).
fn generate(
    n: usize,
    risky_every: usize,
    now: chrono::DateTime<Utc>,
) -> Vec<(OAuthApp, Vec<Grant>)> {
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
            let grants: Vec<Grant> = (0..10)
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
            let mut grants: Vec<Grant> = grants;
            if risky_every == 0 || i % risky_every != 0 {
                clean(&mut app, &mut grants, i, now);
            }
            app.normalize();
            (app, grants)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let n = std::env::var("RULES_APPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000usize);
    let mut group = c.benchmark_group("catalog");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    // A clean estate (no risky app), a typical one (one app in five with risky settings) and
    // the worst case (all of them); RULES_RISKY_EVERY=k runs only a mix with every k-th app
    // risky (0: none).
    if let Some(k) = std::env::var("RULES_RISKY_EVERY")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        run_mix(&mut group, n, &format!("1 in {k} apps risky"), k);
        group.finish();
        return;
    }
    for (label, risky_every) in [
        ("clean: no app risky", 0),
        ("typical: 1 in 5 apps risky", 5),
        ("worst case: every app risky", 1),
    ] {
        run_mix(&mut group, n, label, risky_every);
    }
    group.finish();
}

fn run_mix(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    n: usize,
    label: &str,
    risky_every: usize,
) {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let apps = generate(n, risky_every, now);
    let settings = Settings::default();
    let watchlist = Watchlist::builtin();
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
    // The tenant rules run once per pass; outside the clean mix the tenant's policy fires them.
    let policy = TenantPolicy {
        user_consent: Some(if risky_every == 0 {
            UserConsentPolicy::Limited
        } else {
            UserConsentPolicy::AllowAll
        }),
        third_party_apps_restricted: Some(risky_every == 0),
        open_dynamic_registration: Some(risky_every != 0),
        ..TenantPolicy::default()
    };
    let tenant = TenantContext {
        name: "bench",
        provider: Provider::Entra,
        policy: Some(&policy),
        now,
        settings: &settings,
        estate: &estate,
        watchlist: &watchlist,
        resolver: None,
    };

    // How rule-heavy the estate is: findings per app by rule, so the figure can be judged.
    let mut by_rule: std::collections::BTreeMap<&str, usize> = Default::default();
    for f in evaluate_tenant(&tenant) {
        *by_rule.entry(f.rule.id).or_default() += 1;
    }
    for (app, grants) in &apps {
        let ctx = AppContext::new(&tenant, app, Some(grants), None);
        for f in evaluate_app(&ctx) {
            *by_rule.entry(f.rule.id).or_default() += 1;
        }
    }
    let total: usize = by_rule.values().sum();
    eprintln!(
        "{label}: {n} apps, {:.2} findings per app; {} rules fire: {:?}",
        total as f64 / n as f64,
        by_rule.len(),
        by_rule
    );

    if std::env::var_os("RULES_ONE_PASS").is_some() {
        // One pass, the run `valgrind --tool=callgrind --toggle-collect=*one_pass*` counts
        // instructions over, which the other processes on the machine cannot skew. Its time
        // on the CPU (not waiting for it) is printed too, a figure a busy machine skews less
        // than wall time.
        let started = cpu_ns();
        let result = one_pass(&tenant, &apps);
        let ns = cpu_ns().saturating_sub(started).max(1);
        eprintln!(
            "{label}: one pass: {result:?}; {:.0} apps per CPU second",
            n as f64 * 1e9 / ns as f64
        );
        return;
    }
    group.bench_function(
        format!("{n} apps, 3 redirects, 2 credentials, 10 grants; {label}"),
        |b| b.iter(|| black_box(one_pass(&tenant, &apps))),
    );
}

/// This thread's time on a CPU so far, in nanoseconds (0 where the kernel does not say).
fn cpu_ns() -> u128 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// One run of the whole catalog over every app: the tenant rules, then each app's rules and
/// its `oa-risk-v1` score. Returns the number of findings and the sum of the scores, so the
/// work cannot be optimized away.
#[inline(never)]
fn one_pass(tenant: &TenantContext<'_>, apps: &[(OAuthApp, Vec<Grant>)]) -> (usize, u64) {
    let settings = tenant.settings;
    let mut findings = evaluate_tenant(tenant).len();
    let mut total = 0u64;
    for (app, grants) in apps {
        let ctx = AppContext::new(tenant, app, Some(grants), None);
        let found = evaluate_app(&ctx);
        let inputs: Vec<score::Input<'_>> = found.iter().map(score::Input::from).collect();
        let impact = Impact::of(
            &ctx.privilege,
            &settings.score,
            settings.thresholds.broad_user_count,
        );
        total += u64::from(score::score(impact, &inputs, &settings.score).score);
        findings += found.len();
    }
    (findings, total)
}

criterion_group!(benches, bench);
criterion_main!(benches);
