//! REDIRECT tests: the RULES §4 vectors, then for every rule a case that fires and a close
//! case that must not, then the URI reader's building blocks.

use chrono::{DateTime, TimeZone, Utc};
use connectors::Provider;
use connectors::model::{
    AppKind, ClientType, GrantType, OAuthApp, PkceMethod, PkcePolicy, PkceStatus, Publisher,
    RedirectKind, RedirectUri,
};
use std::collections::BTreeSet;
use std::sync::Mutex;

use super::super::context::{HostResolver, HostStatus};
use super::super::watchlist::Watchlist;
use super::super::{AppContext, Estate, Finding, Settings, Severity, TenantContext, evaluate_app};
use super::{RULES, analyze, dns, uri};

const CLIENT_ID: &str = "00000000-0000-0000-0000-000000000000";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 9, 1, 0, 0, 0).unwrap()
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Web,
    Native,
}

/// An app published by example.com (verified) with these URIs: `Web` is a confidential web app
/// with web redirects, `Native` a public native app with native redirects and PKCE required.
fn app(kind: Kind, uris: &[&str]) -> OAuthApp {
    let mut a = OAuthApp::new(Provider::Entra, "app-1", "Test app");
    a.client_id = Some(CLIENT_ID.into());
    a.publisher = Publisher {
        name: Some("Example".into()),
        domain: Some("example.com".into()),
        verified: Some(true),
    };
    a.grant_types = vec![GrantType::AuthorizationCode];
    let rk = match kind {
        Kind::Web => {
            a.app_kind = AppKind::Web;
            a.client_type = ClientType::Confidential;
            RedirectKind::Web
        }
        Kind::Native => {
            a.app_kind = AppKind::Native;
            a.client_type = ClientType::Public;
            a.pkce = PkcePolicy {
                status: PkceStatus::Required,
                methods: vec![PkceMethod::S256],
            };
            RedirectKind::Native
        }
    };
    a.redirect_uris = uris
        .iter()
        .map(|u| RedirectUri {
            uri: (*u).to_string(),
            kind: rk,
            kind_inferred: false,
        })
        .collect();
    a
}

fn web(uris: &[&str]) -> OAuthApp {
    app(Kind::Web, uris)
}

fn native(uris: &[&str]) -> OAuthApp {
    app(Kind::Native, uris)
}

/// The REDIRECT findings for `app` under `settings` and `resolver`.
fn run_with(
    app: &OAuthApp,
    settings: &Settings,
    resolver: Option<&dyn HostResolver>,
) -> Vec<Finding> {
    let estate = Estate::default();
    let watchlist = Watchlist::builtin();
    let tenant = TenantContext {
        name: "t",
        provider: app.provider,
        policy: None,
        now: now(),
        settings,
        estate: &estate,
        watchlist: &watchlist,
        resolver,
    };
    let ctx = AppContext::new(&tenant, app, Some(&[]), None);
    evaluate_app(&ctx)
        .into_iter()
        .filter(|f| f.rule.id.starts_with("REDIRECT-"))
        .collect()
}

fn run(app: &OAuthApp) -> Vec<Finding> {
    run_with(app, &Settings::default(), None)
}

fn ids_of(findings: &[Finding]) -> BTreeSet<&'static str> {
    findings.iter().map(|f| f.rule.id).collect()
}

fn ids(app: &OAuthApp) -> BTreeSet<&'static str> {
    ids_of(&run(app))
}

fn set(ids: &[&'static str]) -> BTreeSet<&'static str> {
    ids.iter().copied().collect()
}

fn finding<'a>(findings: &'a [Finding], id: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.rule.id == id)
        .unwrap_or_else(|| panic!("{id} did not fire: {:?}", ids_of(findings)))
}

#[track_caller]
fn assert_fires(app: &OAuthApp, id: &str) {
    let got = ids(app);
    assert!(
        got.contains(id),
        "{id} should fire for {:?}; got {got:?}",
        app.redirect_uris.iter().map(|r| &r.uri).collect::<Vec<_>>()
    );
}

#[track_caller]
fn assert_quiet(app: &OAuthApp, id: &str) {
    let got = ids(app);
    assert!(
        !got.contains(id),
        "{id} should not fire for {:?}; got {got:?}",
        app.redirect_uris.iter().map(|r| &r.uri).collect::<Vec<_>>()
    );
}

fn uris_of(f: &Finding) -> Vec<String> {
    f.evidence["uris"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// RULES §4

#[test]
fn rules_section_4_vectors() {
    use Kind::*;
    let vectors: &[(&str, Kind, &[&str])] = &[
        ("https://app.example.com/oauth/callback", Web, &[]),
        ("*", Web, &["REDIRECT-001"]),
        ("https://*.example.com/cb", Web, &["REDIRECT-002"]),
        ("https://*.azurewebsites.net/cb", Web, &["REDIRECT-003"]),
        ("https://app.example.com/*", Web, &["REDIRECT-004"]),
        ("http://app.example.com/cb", Web, &["REDIRECT-005"]),
        ("http://localhost:3000/cb", Native, &["REDIRECT-006"]),
        ("http://127.0.0.1/cb", Native, &[]),
        ("http://[::1]/cb", Native, &[]),
        ("http://127.0.0.1:8080/cb", Web, &["REDIRECT-007"]),
        ("myapp://callback", Native, &["REDIRECT-008"]),
        (
            "msal00000000-0000-0000-0000-000000000000://auth",
            Native,
            &["REDIRECT-008"],
        ),
        ("com.example.app:/oauth2redirect", Native, &[]),
        (
            "com.example.app://oauth2redirect",
            Native,
            &["REDIRECT-009"],
        ),
        ("com.other.app:/cb", Native, &["REDIRECT-009"]),
        ("javascript:alert(1)", Web, &["REDIRECT-010"]),
        ("https://10.0.0.5/cb", Web, &["REDIRECT-011"]),
        ("https://app.example.com/cb#x", Web, &["REDIRECT-012"]),
        ("https://app.example.com/cb?code=1", Web, &["REDIRECT-013"]),
        (
            "https://app.example.com/login?next=https://app.example.com/home",
            Web,
            &["REDIRECT-014"],
        ),
        (
            "https://app.example.com@evil.example/cb",
            Web,
            &["REDIRECT-015"],
        ),
        (
            "https://app.example.com/cb/..%2f..%2fredirect",
            Web,
            &["REDIRECT-015"],
        ),
        ("https://a1b2.ngrok-free.app/cb", Web, &["REDIRECT-016"]),
        (
            "https://contoso-prod.azurewebsites.net/cb",
            Web,
            &["REDIRECT-017"],
        ),
        ("urn:ietf:wg:oauth:2.0:oob", Native, &["REDIRECT-022"]),
        (
            "https://login.microsoftonline.com/common/oauth2/nativeclient",
            Native,
            &["REDIRECT-022"],
        ),
    ];
    assert_eq!(vectors.len(), 26);
    let mut failures = Vec::new();
    for (uri, kind, expected) in vectors {
        let findings = run(&app(*kind, &[uri]));
        let got = ids_of(&findings);
        if got != set(expected) {
            failures.push(format!(
                "{uri} ({kind:?}): expected {expected:?}, got {got:?}"
            ));
        }
        for f in &findings {
            let want = if uri.starts_with("msal") {
                Severity::Low
            } else {
                f.rule.severity
            };
            if f.severity != want {
                failures.push(format!("{uri}: {} at {} not {want}", f.rule.id, f.severity));
            }
            if uris_of(f) != vec![uri.to_string()] {
                failures.push(format!("{uri}: {} evidence {}", f.rule.id, f.evidence));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn vector_notes_hold_with_a_production_uri_and_without_pkce() {
    // REDIRECT-007's "+ REDIRECT-021 if a prod URI exists".
    let a = web(&["http://127.0.0.1:8080/cb", "https://app.example.com/cb"]);
    assert_eq!(ids(&a), set(&["REDIRECT-007", "REDIRECT-021"]));
    // `myapp://callback` keeps 009 suppressed whatever the PKCE setting.
    let mut a = native(&["myapp://callback"]);
    a.pkce = PkcePolicy::unknown();
    assert_eq!(ids(&a), set(&["REDIRECT-008"]));
}

// ---------------------------------------------------------------------------------------------
// The catalog entries

#[test]
fn catalog_has_the_23_redirect_rules_in_order_with_their_severities() {
    use Severity::*;
    let expected = [
        Critical, High, Critical, Medium, High, Low, Medium, Medium, Info, Critical, Medium, Low,
        Medium, Medium, High, High, Medium, Critical, Low, Medium, Medium, Low, Medium,
    ];
    assert_eq!(RULES.len(), 23);
    for (i, (r, sev)) in RULES.iter().zip(expected).enumerate() {
        assert_eq!(r.id, format!("REDIRECT-{:03}", i + 1));
        assert_eq!(r.severity, sev, "{}", r.id);
        assert_eq!(r.family, super::super::Family::Redirect);
        assert!(!r.checks.is_empty() && !r.rationale.is_empty() && !r.fix.is_empty());
        assert!(!r.cites.is_empty() && !r.nhi.is_empty() && !r.csf.is_empty());
        assert!(r.nhi.iter().all(|n| n.starts_with("NHI")), "{}", r.id);
    }
}

// ---------------------------------------------------------------------------------------------
// Rule by rule

#[test]
fn r001_catch_all_patterns() {
    for v in [
        "*",
        "**",
        "",
        ".*",
        "/*",
        "https://*",
        "https://*/*",
        "http*://*",
        "https://.*",
        "*://*",
        "^https://.*$",
    ] {
        assert_eq!(ids(&web(&[v])), set(&["REDIRECT-001"]), "{v:?}");
    }
    for v in [
        "https://*.example.com/cb",
        "/cb",
        "https://app.example.com/*",
    ] {
        assert_quiet(&web(&[v]), "REDIRECT-001");
    }
}

#[test]
fn r001_disabled_lets_the_host_rules_speak() {
    let settings = Settings {
        disabled: vec!["REDIRECT-001".into()],
        ..Settings::default()
    };
    let got = ids_of(&run_with(&web(&["https://*"]), &settings, None));
    assert_eq!(got, set(&["REDIRECT-003"]));
}

#[test]
fn r002_wildcard_host_owned_by_the_publisher_or_another_domain() {
    for v in [
        "https://*.example.com/cb",
        "https://app-*.example.com/cb",
        "https://*.contoso.co.uk/cb",
        "https://app.*.example.com/cb",
    ] {
        assert_eq!(ids(&web(&[v])), set(&["REDIRECT-002"]), "{v}");
    }
    assert_quiet(&web(&["https://app.example.com/cb"]), "REDIRECT-002");

    let f = run(&web(&["https://*.Example.com/cb"]));
    let m = &finding(&f, "REDIRECT-002").evidence["matches"][0];
    assert_eq!(m["host_pattern"], "*.example.com");
    assert_eq!(m["registrable_domain"], "example.com");
}

#[test]
fn r002_reports_the_providers_wildcard_setting() {
    let mut a = web(&["https://*.example.com/cb"]);
    a.note_inferred(
        "redirect_uris",
        "wildcard_redirect = SUBDOMAIN: `*` in a redirect's host matches any subdomain",
    );
    let f = run(&a);
    assert!(
        finding(&f, "REDIRECT-002").evidence["provider_setting"]
            .as_str()
            .is_some_and(|s| s.contains("SUBDOMAIN"))
    );
}

#[test]
fn r003_wildcard_over_a_public_suffix_or_tld() {
    for v in [
        "https://*.azurewebsites.net/cb",
        "https://*.herokuapp.com/cb",
        "https://*.vercel.app/cb",
        "https://*.github.io/cb",
        "https://*.ngrok-free.app/cb",
        "https://*.run.app/cb",
        "https://*.com/cb",
        "https://*example.com/cb",
        "https://example.*/cb",
        "https://*.co.uk/cb",
    ] {
        assert_eq!(ids(&web(&[v])), set(&["REDIRECT-003"]), "{v}");
    }
    // A registrable domain under the private suffix stays with its owner.
    assert_eq!(
        ids(&web(&["https://*.contoso.azurewebsites.net/cb"])),
        set(&["REDIRECT-002"])
    );
    let f = run(&web(&["https://*.azurewebsites.net/cb"]));
    let m = &finding(&f, "REDIRECT-003").evidence["matches"][0];
    assert_eq!(m["fixed_part"], "azurewebsites.net");
    assert_eq!(m["suffix_type"], "private");
}

#[test]
fn r003_disabled_lets_002_report_the_wildcard() {
    let settings = Settings {
        disabled: vec!["REDIRECT-003".into()],
        ..Settings::default()
    };
    let got = ids_of(&run_with(
        &web(&["https://*.azurewebsites.net/cb"]),
        &settings,
        None,
    ));
    assert_eq!(got, set(&["REDIRECT-002"]));
}

#[test]
fn r004_wildcards_in_path_query_or_port() {
    let f = run(&web(&[
        "https://app.example.com/*",
        "https://app.example.com/cb?tenant=*",
        "https://app.example.com:*/cb",
    ]));
    let hit = finding(&f, "REDIRECT-004");
    assert_eq!(uris_of(hit).len(), 3);
    assert!(hit.evidence.get("inferred").is_none());
    assert_eq!(hit.evidence["matches"][1]["wildcard_in"][0], "query");
    assert_eq!(hit.evidence["matches"][2]["wildcard_in"][0], "port");

    assert_quiet(&web(&["https://app.example.com/cb"]), "REDIRECT-004");
    // Any loopback port is what RFC 8252 asks the AS to accept anyway.
    assert_quiet(&native(&["http://127.0.0.1:*/cb"]), "REDIRECT-004");
}

#[test]
fn r004_github_prefix_matching_is_inferred() {
    let mut a = web(&["https://app.example.com/oauth/callback"]);
    a.provider = Provider::Github;
    let f = run(&a);
    let hit = finding(&f, "REDIRECT-004");
    assert_eq!(hit.evidence["inferred"], true);
    assert_eq!(
        hit.evidence["inference_source"],
        "GitHub OAuth apps accept any subdirectory of the registered callback"
    );
    assert_eq!(hit.severity, Severity::Medium);

    // Same URI on another provider: exact matching, nothing to report.
    assert_quiet(
        &web(&["https://app.example.com/oauth/callback"]),
        "REDIRECT-004",
    );

    // An explicit wildcard on a GitHub app is a fact, not an inference.
    a.redirect_uris.push(RedirectUri {
        uri: "https://app.example.com/cb/*".into(),
        kind: RedirectKind::Web,
        kind_inferred: false,
    });
    let f = run(&a);
    let hit = finding(&f, "REDIRECT-004");
    assert!(hit.evidence.get("inferred").is_none());
    assert_eq!(uris_of(hit), vec!["https://app.example.com/cb/*"]);
    assert_eq!(hit.evidence["prefix_matching"]["inferred"], true);

    // A catch-all on GitHub is 001 alone.
    let mut a = web(&["*"]);
    a.provider = Provider::Github;
    assert_eq!(ids(&a), set(&["REDIRECT-001"]));
}

#[test]
fn r005_plain_http_off_loopback() {
    for v in [
        "http://app.example.com/cb",
        "HTTP://APP.EXAMPLE.COM/cb",
        "http*://app.example.com/cb",
    ] {
        assert_fires(&web(&[v]), "REDIRECT-005");
    }
    for v in [
        "https://app.example.com/cb",
        "http://127.0.0.1/cb",
        "http://[::1]/cb",
        "http://localhost/cb",
        "http://127.1/cb",
    ] {
        assert_quiet(&native(&[v]), "REDIRECT-005");
    }
    let f = run(&web(&["http://10.0.0.5/cb"]));
    assert!(ids_of(&f).is_superset(&set(&["REDIRECT-005", "REDIRECT-011"])));
}

#[test]
fn r006_localhost_names() {
    for v in [
        "http://localhost:3000/cb",
        "http://LocalHost/cb",
        "https://localhost/cb",
        "http://app.localhost/cb",
        "http://localhost./cb",
    ] {
        assert_fires(&native(&[v]), "REDIRECT-006");
    }
    for v in [
        "http://127.0.0.1/cb",
        "https://localhost.example.com/cb",
        "com.example.app://localhost/cb",
    ] {
        assert_quiet(&native(&[v]), "REDIRECT-006");
    }
}

#[test]
fn r007_loopback_on_a_non_native_client() {
    assert_fires(&web(&["http://127.0.0.1:8080/cb"]), "REDIRECT-007");
    assert_fires(&web(&["http://localhost/cb"]), "REDIRECT-007");
    assert_quiet(&native(&["http://127.0.0.1:8080/cb"]), "REDIRECT-007");

    // A native app with the loopback URI registered on the web platform.
    let mut a = native(&["http://127.0.0.1/cb"]);
    a.redirect_uris[0].kind = RedirectKind::Web;
    assert_fires(&a, "REDIRECT-007");

    // Nothing known about either kind: quiet.
    let mut a = native(&["http://127.0.0.1/cb"]);
    a.app_kind = AppKind::Unknown;
    a.redirect_uris[0].kind = RedirectKind::Unknown;
    assert_quiet(&a, "REDIRECT-007");

    let f = run(&web(&["http://127.0.0.1:8080/cb"]));
    let hit = finding(&f, "REDIRECT-007");
    assert_eq!(hit.evidence["app_kind"], "web");
    assert_eq!(hit.evidence["matches"][0]["redirect_kind"], "web");
}

#[test]
fn r008_private_use_scheme_without_a_dot() {
    let f = run(&native(&["myapp://callback"]));
    assert_eq!(finding(&f, "REDIRECT-008").severity, Severity::Medium);
    assert_eq!(
        finding(&f, "REDIRECT-008").evidence["matches"][0]["scheme"],
        "myapp"
    );

    let f = run(&native(&[
        "msal00000000-0000-0000-0000-000000000000://auth",
    ]));
    assert_eq!(finding(&f, "REDIRECT-008").severity, Severity::Low);

    // One ordinary scheme among them keeps the default severity.
    let f = run(&native(&[
        "msal00000000-0000-0000-0000-000000000000://auth",
        "sfdc://success",
    ]));
    let hit = finding(&f, "REDIRECT-008");
    assert_eq!(hit.severity, Severity::Medium);
    assert_eq!(uris_of(hit).len(), 2);

    // The msal scheme of another client id is not collision-resistant for this one.
    let mut a = native(&["msal00000000-0000-0000-0000-000000000000://auth"]);
    a.client_id = Some("11111111-1111-1111-1111-111111111111".into());
    assert_eq!(finding(&run(&a), "REDIRECT-008").severity, Severity::Medium);

    assert_quiet(
        &native(&["com.example.app:/oauth2redirect"]),
        "REDIRECT-008",
    );
}

#[test]
fn r009_authority_form_or_foreign_scheme() {
    let f = run(&native(&["com.example.app://oauth2redirect"]));
    assert_eq!(
        finding(&f, "REDIRECT-009").evidence["matches"][0]["reasons"],
        serde_json::json!(["authority_form"])
    );
    let f = run(&native(&["com.other.app:/cb"]));
    let hit = finding(&f, "REDIRECT-009");
    assert_eq!(
        hit.evidence["matches"][0]["reasons"],
        serde_json::json!(["not_publisher_domain"])
    );
    assert_eq!(hit.evidence["publisher_domain"], "example.com");

    for v in [
        "com.example.app:/oauth2redirect",
        "COM.Example.App:/cb",
        "com.example:/cb",
        // MSAL's iOS broker scheme: `msauth.` + bundle id.
        "msauth.com.example.field:/auth",
    ] {
        assert_quiet(&native(&[v]), "REDIRECT-009");
    }
    // Google's reversed client id is tied to the client.
    let mut a = native(&["com.googleusercontent.apps.1234-abcd:/oauth2redirect"]);
    a.client_id = Some("1234-abcd.apps.googleusercontent.com".into());
    assert_quiet(&a, "REDIRECT-009");

    // Without a verified publisher domain there is nothing to compare against.
    let mut a = native(&["com.other.app:/cb"]);
    a.publisher.verified = Some(false);
    assert_quiet(&a, "REDIRECT-009");
    let mut a = native(&["com.other.app://cb"]);
    a.publisher.verified = None;
    assert_fires(&a, "REDIRECT-009");
}

#[test]
fn r009_runs_on_undotted_schemes_when_008_is_disabled() {
    let settings = Settings {
        disabled: vec!["REDIRECT-008".into()],
        ..Settings::default()
    };
    let got = ids_of(&run_with(&native(&["myapp://callback"]), &settings, None));
    assert_eq!(got, set(&["REDIRECT-009"]));
}

#[test]
fn r010_dangerous_schemes() {
    for v in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "file:///etc/passwd",
        "blob:https://app.example.com/uuid",
        "about:blank",
        "view-source:https://app.example.com/",
    ] {
        assert_eq!(ids(&web(&[v])), set(&["REDIRECT-010"]), "{v}");
    }
    assert_quiet(&web(&["https://javascript.example.com/cb"]), "REDIRECT-010");
    // Whitespace before the scheme is stripped by browsers: still dangerous, and odd.
    assert_eq!(
        ids(&web(&["\tjava\nscript:alert(1)"])),
        set(&["REDIRECT-010", "REDIRECT-015"])
    );
}

#[test]
fn r011_ip_literals_other_than_loopback() {
    let f = run(&web(&["https://10.0.0.5/cb"]));
    let m = &finding(&f, "REDIRECT-011").evidence["matches"][0];
    assert_eq!(m["ip"], "10.0.0.5");
    assert_eq!(m["range"], "private");
    for (v, range) in [
        ("https://[fe80::1]/cb", "link_local"),
        ("https://100.64.1.1/cb", "cgnat"),
        ("https://8.8.8.8/cb", "public"),
        ("https://[2001:db8::1]/cb", "public"),
    ] {
        let f = run(&web(&[v]));
        assert_eq!(
            finding(&f, "REDIRECT-011").evidence["matches"][0]["range"],
            range,
            "{v}"
        );
    }
    for v in [
        "http://127.0.0.1/cb",
        "http://127.8.9.10/cb",
        "http://[::1]/cb",
    ] {
        assert_quiet(&native(&[v]), "REDIRECT-011");
    }
}

#[test]
fn ipv4_shorthand_is_loopback_but_flagged() {
    for v in [
        "http://127.1/cb",
        "http://2130706433/cb",
        "http://0x7f.1/cb",
        "http://0177.0.0.1/cb",
        "http://[::ffff:127.0.0.1]/cb",
        "http://[0:0:0:0:0:0:0:1]/cb",
    ] {
        let f = run(&native(&[v]));
        assert_eq!(ids_of(&f), set(&["REDIRECT-015"]), "{v}");
        let m = &finding(&f, "REDIRECT-015").evidence["matches"][0];
        assert_eq!(
            m["reasons"],
            serde_json::json!(["non_canonical_ip_literal"])
        );
    }
    let f = run(&native(&["http://127.1/cb"]));
    assert_eq!(
        finding(&f, "REDIRECT-015").evidence["matches"][0]["parsed_host"],
        "127.0.0.1"
    );
    // A shorthand for a non-loopback address is both.
    assert_eq!(
        ids(&web(&["https://10.1/cb"])),
        set(&["REDIRECT-011", "REDIRECT-015"])
    );
}

#[test]
fn r012_fragment() {
    assert_fires(
        &web(&["https://app.example.com/#/auth/callback"]),
        "REDIRECT-012",
    );
    assert_fires(&native(&["com.example.app:/cb#"]), "REDIRECT-012");
    assert_quiet(&web(&["https://app.example.com/cb"]), "REDIRECT-012");
}

#[test]
fn r013_reserved_oauth_parameters() {
    for v in [
        "https://app.example.com/cb?code=1",
        "https://app.example.com/cb?x=1&State=abc",
        "https://app.example.com/cb?c%6fde=1",
        "https://app.example.com/cb?client_id",
        "com.example.app:/cb?iss=x",
    ] {
        assert_fires(&app(Kind::Native, &[v]), "REDIRECT-013");
    }
    for v in [
        "https://app.example.com/cb?mode=1",
        "https://app.example.com/cb?codex=1",
        "https://app.example.com/code/cb",
    ] {
        assert_quiet(&web(&[v]), "REDIRECT-013");
    }
    let f = run(&web(&["https://app.example.com/cb?code=1&state=2&x=3"]));
    assert_eq!(
        finding(&f, "REDIRECT-013").evidence["matches"][0]["params"],
        serde_json::json!(["code", "state"])
    );
}

#[test]
fn r014_open_redirect_prone() {
    for v in [
        "https://app.example.com/login?next=/dashboard",
        "https://app.example.com/cb?ReturnUrl=%2Fhome",
        "https://app.example.com/cb?x=https%3A%2F%2Fevil.example",
        "https://app.example.com/cb?x=//evil.example",
        "https://app.example.com/out/cb",
        "https://app.example.com/Redirect",
    ] {
        assert_fires(&web(&[v]), "REDIRECT-014");
    }
    for v in [
        "https://app.example.com/cb?lang=en",
        "https://app.example.com/outbound/cb",
        "https://app.example.com/cb?time=12:30",
    ] {
        assert_quiet(&web(&[v]), "REDIRECT-014");
    }
    // Only web endpoints forward over HTTP.
    assert_quiet(&native(&["com.example.app:/cb?next=x"]), "REDIRECT-014");

    let f = run(&web(&[
        "https://app.example.com/r/cb?next=1&u=https://x.example",
    ]));
    let m = &finding(&f, "REDIRECT-014").evidence["matches"][0];
    assert_eq!(m["forward_params"], serde_json::json!(["next", "u"]));
    assert_eq!(m["url_valued_params"], serde_json::json!(["u"]));
    assert_eq!(m["path_segments"], serde_json::json!(["r"]));
}

#[test]
fn r015_parser_confusion() {
    let cases: &[(&str, &str)] = &[
        ("https://app.example.com@evil.example/cb", "userinfo"),
        ("https://app.example.com\\@evil.example/cb", "backslash"),
        (
            "https://app.example.com/cb/..%2f..%2fredirect",
            "percent_encoded_delimiter",
        ),
        (
            "https://app.example.com/cb%3Fx",
            "percent_encoded_delimiter",
        ),
        ("https://app%2eexample.com/cb", "percent_encoded_delimiter"),
        ("https://app.example.com/cb?x=%252f", "double_encoding"),
        ("https://app.example.com/a/../cb", "dot_segment"),
        ("https://app.example.com/./cb", "dot_segment"),
        ("https://app.example.com/cb/..;/admin", "path_parameter"),
        ("https://app.example.com/cb;jsessionid=1", "path_parameter"),
        (" https://app.example.com/cb", "whitespace_or_control"),
        ("https://app.example.com/c b", "whitespace_or_control"),
        ("https://app.example.com/cb\u{0}", "whitespace_or_control"),
        (
            "https://app.example.com/cb\u{202e}",
            "whitespace_or_control",
        ),
        ("https://xn--pple-43d.com/cb", "idn_or_punycode_host"),
        ("https://аpple.com/cb", "idn_or_punycode_host"),
        ("https:/app.example.com/cb", "irregular_slashes"),
        ("https:///app.example.com/cb", "irregular_slashes"),
        (
            "https://app.example.com//evil.example/cb",
            "irregular_slashes",
        ),
        ("https://exa<mple.com/cb", "unparsable_host"),
    ];
    for (v, reason) in cases {
        let f = run(&web(&[v]));
        assert!(
            ids_of(&f).contains("REDIRECT-015"),
            "{v:?}: {:?}",
            ids_of(&f)
        );
        let hit = finding(&f, "REDIRECT-015");
        let reasons = &hit.evidence["matches"][0]["reasons"];
        assert!(
            reasons
                .as_array()
                .is_some_and(|r| r.iter().any(|x| x == reason)),
            "{v:?}: {reasons}"
        );
    }
    for v in [
        "https://app.example.com/oauth/callback",
        "https://app.example.com/cb?next=https%3A%2F%2Fapp.example.com%2F",
        "https://app.example.com/cb?x=a.b/c",
        "data:text/html;base64,PHA+",
        "com.example.app:/oauth2redirect",
    ] {
        assert_quiet(&web(&[v]), "REDIRECT-015");
    }
    // The host the browser would reach is the one after the userinfo.
    let f = run(&web(&["https://app.example.com@evil.example/cb"]));
    assert_eq!(
        finding(&f, "REDIRECT-015").evidence["matches"][0]["parsed_host"],
        "evil.example"
    );
    // An IDN host is shown with its ASCII form.
    let f = run(&web(&["https://аpple.com/cb"]));
    assert_eq!(
        finding(&f, "REDIRECT-015").evidence["matches"][0]["parsed_host"],
        "xn--pple-43d.com"
    );
}

#[test]
fn r016_tunnel_hosts() {
    for v in [
        "https://a1b2.ngrok-free.app/cb",
        "https://abc.ngrok.io/cb",
        "https://x.trycloudflare.com/cb",
        "https://x.euw.devtunnels.ms/cb",
        "https://abc.loca.lt/cb",
        "https://webhook.site/uuid",
    ] {
        let got = ids(&web(&[v]));
        assert!(got.contains("REDIRECT-016"), "{v}: {got:?}");
        assert!(!got.contains("REDIRECT-017"), "{v}: {got:?}");
    }
    for v in ["https://ngrok.com/cb", "https://notngrok.io/cb"] {
        assert_quiet(&web(&[v]), "REDIRECT-016");
    }
    // The list comes from the config.
    let mut settings = Settings::default();
    settings.thresholds.tunnel_domains = vec!["Tunnels.Example.NET".into()];
    let got = ids_of(&run_with(
        &web(&["https://abc.tunnels.example.net/cb"]),
        &settings,
        None,
    ));
    assert!(got.contains("REDIRECT-016"));
    let got = ids_of(&run_with(
        &web(&["https://a1b2.ngrok-free.app/cb"]),
        &settings,
        None,
    ));
    assert_eq!(got, set(&["REDIRECT-017"]));

    let f = run(&web(&["https://x.euw.devtunnels.ms/cb"]));
    assert_eq!(
        finding(&f, "REDIRECT-016").evidence["matches"][0]["tunnel_domain"],
        "devtunnels.ms"
    );
}

#[test]
fn r016_disabled_lets_017_report_private_suffix_tunnels() {
    let settings = Settings {
        disabled: vec!["REDIRECT-016".into()],
        ..Settings::default()
    };
    let got = ids_of(&run_with(
        &web(&["https://a1b2.ngrok-free.app/cb"]),
        &settings,
        None,
    ));
    assert_eq!(got, set(&["REDIRECT-017"]));
}

#[test]
fn r017_shared_hosting_default_domains() {
    for host in [
        "x.azurewebsites.net",
        "x.cloudapp.net",
        "x.trafficmanager.net",
        "x.azureedge.net",
        "x.blob.core.windows.net",
        "x.herokuapp.com",
        "x.github.io",
        "x.netlify.app",
        "x.vercel.app",
        "x.pages.dev",
        "x.workers.dev",
        "x.web.app",
        "x.firebaseapp.com",
        "x.appspot.com",
        "x.run.app",
        "svc-abc-uc.a.run.app",
        "x.elasticbeanstalk.com",
        "bucket.s3.amazonaws.com",
        "x.onrender.com",
        "x.fly.dev",
        "x.repl.co",
    ] {
        let v = format!("https://{host}/cb");
        assert_eq!(ids(&web(&[&v])), set(&["REDIRECT-017"]), "{v}");
    }
    for v in [
        "https://azurewebsites.net/cb",
        "https://github.io/cb",
        "https://app.example.com/cb",
        "https://x.cloudapp.azure.com/cb",
    ] {
        assert_quiet(&web(&[v]), "REDIRECT-017");
    }
    let f = run(&web(&["https://contoso-prod.azurewebsites.net/cb"]));
    let m = &finding(&f, "REDIRECT-017").evidence["matches"][0];
    assert_eq!(m["registrable_domain"], "contoso-prod.azurewebsites.net");
    assert_eq!(m["suffix"], "azurewebsites.net");
    assert_eq!(m["suffix_type"], "private");
}

/// A resolver that answers from a table and records what it was asked.
struct Stub {
    answers: Vec<(&'static str, HostStatus)>,
    asked: Mutex<Vec<String>>,
}

impl Stub {
    fn new(answers: Vec<(&'static str, HostStatus)>) -> Self {
        Stub {
            answers,
            asked: Mutex::new(Vec::new()),
        }
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

impl HostResolver for Stub {
    fn resolve(&self, host: &str) -> HostStatus {
        self.asked.lock().unwrap().push(host.to_string());
        self.answers
            .iter()
            .find(|(h, _)| *h == host)
            .map_or(HostStatus::Resolves, |(_, s)| s.clone())
    }
}

fn dns_on() -> Settings {
    Settings {
        dns_check: true,
        ..Settings::default()
    }
}

#[test]
fn r018_nxdomain_fires_with_the_resolver_and_the_setting() {
    let a = web(&["https://gone-app.azurewebsites.net/cb"]);
    let stub = Stub::new(vec![("gone-app.azurewebsites.net", HostStatus::NxDomain)]);
    let f = run_with(&a, &dns_on(), Some(&stub));
    // Reported in addition to 017.
    assert_eq!(ids_of(&f), set(&["REDIRECT-017", "REDIRECT-018"]));
    let m = &finding(&f, "REDIRECT-018").evidence["matches"][0];
    assert_eq!(m["status"], "nxdomain");
    assert_eq!(m["host"], "gone-app.azurewebsites.net");

    // The same answer with the check off: no lookup, no finding.
    let stub = Stub::new(vec![("gone-app.azurewebsites.net", HostStatus::NxDomain)]);
    let f = run_with(&a, &Settings::default(), Some(&stub));
    assert!(!ids_of(&f).contains("REDIRECT-018"));
    assert!(stub.asked().is_empty());

    // On, but no resolver given.
    assert!(!ids_of(&run_with(&a, &dns_on(), None)).contains("REDIRECT-018"));

    // The host resolves.
    let stub = Stub::new(vec![]);
    assert!(!ids_of(&run_with(&a, &dns_on(), Some(&stub))).contains("REDIRECT-018"));
    // A transient failure is never reported.
    let stub = Stub::new(vec![("gone-app.azurewebsites.net", HostStatus::Unknown)]);
    assert!(!ids_of(&run_with(&a, &dns_on(), Some(&stub))).contains("REDIRECT-018"));
}

#[test]
fn r018_dangling_cname_and_what_is_looked_up() {
    let a = web(&[
        "https://login.example.com/cb",
        "https://login.example.com/other",
        "https://a1b2.ngrok-free.app/cb",
        "http://127.0.0.1/cb",
        "http://localhost/cb",
        "https://10.0.0.5/cb",
        "https://*.example.com/cb",
        "https://intranet.corp/cb",
        "com.example.app:/cb",
    ]);
    let stub = Stub::new(vec![(
        "login.example.com",
        HostStatus::DanglingCname {
            target: "old-tenant.azurewebsites.net".into(),
        },
    )]);
    let f = run_with(&a, &dns_on(), Some(&stub));
    let hit = finding(&f, "REDIRECT-018");
    assert_eq!(uris_of(hit).len(), 2);
    assert_eq!(hit.evidence["matches"][0]["status"], "dangling_cname");
    assert_eq!(
        hit.evidence["matches"][0]["cname_target"],
        "old-tenant.azurewebsites.net"
    );
    // One lookup per distinct public DNS name; never IPs, localhost, patterns or private TLDs.
    assert_eq!(
        stub.asked(),
        vec!["login.example.com", "a1b2.ngrok-free.app"]
    );
}

#[test]
fn r019_too_many_uris() {
    let many: Vec<String> = (0..21)
        .map(|i| format!("https://app.example.com/cb{i}"))
        .collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let f = run(&web(&refs));
    let hit = finding(&f, "REDIRECT-019");
    assert_eq!(hit.evidence["count"], 21);
    assert_eq!(hit.evidence["max_uris"], 20);
    assert_quiet(&web(&refs[..20]), "REDIRECT-019");

    // 21 entries but 20 distinct URIs (one registered on two platforms).
    let mut a = web(&refs[..20]);
    a.redirect_uris.push(RedirectUri {
        uri: refs[0].to_string(),
        kind: RedirectKind::Spa,
        kind_inferred: false,
    });
    assert_quiet(&a, "REDIRECT-019");
}

#[test]
fn r020_many_foreign_domains() {
    let three = [
        "https://app.example.com/cb",
        "https://a.contoso.com/cb",
        "https://b.fabrikam.com/cb",
        "https://login.tailspin.co.uk/cb",
        "https://www.tailspin.co.uk/cb",
        "http://127.0.0.1/cb",
    ];
    assert_quiet(&web(&three), "REDIRECT-020");
    let mut four = three.to_vec();
    four.push("https://wingtip.example.org/cb");
    let f = run(&web(&four));
    let hit = finding(&f, "REDIRECT-020");
    assert_eq!(hit.evidence["count"], 4);
    assert_eq!(
        hit.evidence["domains"],
        serde_json::json!([
            "contoso.com",
            "example.org",
            "fabrikam.com",
            "tailspin.co.uk"
        ])
    );
    assert_eq!(hit.evidence["publisher_domain"], "example.com");

    // Without a verified publisher, its own domain counts too.
    let mut a = web(&three);
    a.publisher.verified = Some(false);
    assert_fires(&a, "REDIRECT-020");
    // http hosts are not counted.
    let mut a = web(&three);
    a.redirect_uris[0].uri = "http://d.adatum.com/cb".into();
    a.redirect_uris[1].uri = "http://e.litware.com/cb".into();
    assert_quiet(&a, "REDIRECT-020");
}

#[test]
fn r021_production_and_development_together() {
    let prod = "https://app.example.com/cb";
    assert_quiet(&web(&[prod, "https://www.example.com/cb"]), "REDIRECT-021");
    for dev in [
        "http://localhost:3000/cb",
        "http://127.0.0.1:8080/cb",
        "https://10.0.0.5/cb",
        "https://192.168.1.10/cb",
        "https://a1b2.ngrok-free.app/cb",
        "https://app.test/cb",
        "https://nas.home.arpa/cb",
        "https://intranet.corp/cb",
        "https://staging.example.com/cb",
        "https://api-uat.example.com/cb",
        "https://app.example.com:8443/cb",
    ] {
        let f = run(&web(&[prod, dev]));
        let hit = finding(&f, "REDIRECT-021");
        assert_eq!(uris_of(hit), vec![dev.to_string()], "{dev}");
        assert_eq!(
            hit.evidence["production_uris"],
            serde_json::json!([prod]),
            "{dev}"
        );
    }
    // Development only, or development words outside the subdomain part: quiet.
    assert_quiet(&web(&["http://localhost:3000/cb"]), "REDIRECT-021");
    assert_quiet(&web(&[prod, "https://test.com/cb"]), "REDIRECT-021");
    assert_quiet(&web(&[prod, "https://app.dev/cb"]), "REDIRECT-021");
    assert_quiet(
        &web(&[prod, "https://app.example.com:443/cb"]),
        "REDIRECT-021",
    );
    // A plain-http public host is not production.
    assert_quiet(
        &web(&["http://app.example.com/cb", "http://localhost/cb"]),
        "REDIRECT-021",
    );

    let f = run(&web(&[prod, "https://staging.example.com/cb"]));
    assert_eq!(
        finding(&f, "REDIRECT-021").evidence["matches"][0]["reason"],
        "development_label"
    );
}

#[test]
fn r022_oob_and_embedded_browser() {
    for v in [
        "urn:ietf:wg:oauth:2.0:oob",
        "urn:ietf:wg:oauth:2.0:oob:auto",
        "URN:IETF:WG:OAUTH:2.0:OOB",
        "https://login.microsoftonline.com/common/oauth2/nativeclient",
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/nativeclient",
    ] {
        assert_eq!(ids(&native(&[v])), set(&["REDIRECT-022"]), "{v}");
    }
    for v in [
        "urn:ietf:params:oauth:grant-type:device_code",
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
    ] {
        assert_quiet(&native(&[v]), "REDIRECT-022");
    }
}

#[test]
fn r023_redirect_grant_without_uris() {
    let a = web(&[]);
    let f = run(&a);
    assert_eq!(
        finding(&f, "REDIRECT-023").evidence["grant_types"],
        serde_json::json!(["authorization_code"])
    );
    assert_quiet(&web(&["https://app.example.com/cb"]), "REDIRECT-023");

    let mut a = web(&[]);
    a.grant_types = vec![GrantType::ClientCredentials];
    assert_quiet(&a, "REDIRECT-023");
    a.response_types = vec!["id_token token".into()];
    assert_fires(&a, "REDIRECT-023");
    a.grant_types = vec![GrantType::Implicit];
    a.response_types.clear();
    assert_fires(&a, "REDIRECT-023");

    // Okta's service-app default: client credentials, `response_types: ["token"]`, and the
    // implicit grant the connector infers from it. No redirect flow.
    let mut a = web(&[]);
    a.app_kind = AppKind::Service;
    a.grant_types = vec![GrantType::ClientCredentials, GrantType::Implicit];
    a.response_types = vec!["token".into()];
    a.note_inferred(
        "grant_types",
        "response_types include `token` or `id_token`",
    );
    assert_quiet(&a, "REDIRECT-023");
    // The same inference on an interactive client is reported, as inferred.
    a.app_kind = AppKind::Spa;
    let f = run(&a);
    let hit = finding(&f, "REDIRECT-023");
    assert_eq!(hit.evidence["inferred"], true);
    assert_eq!(
        hit.evidence["inference_source"],
        "response_types include `token` or `id_token`"
    );
    // A stated code grant on a service app still counts.
    a.app_kind = AppKind::Service;
    a.grant_types.push(GrantType::AuthorizationCode);
    let f = run(&a);
    assert!(
        finding(&f, "REDIRECT-023")
            .evidence
            .get("inferred")
            .is_none()
    );

    // The connector could not see the URIs: an empty list proves nothing.
    let mut a = web(&[]);
    a.note_unknown(
        "redirect_uris",
        "third-party client redirect URIs are not exposed",
    );
    assert_quiet(&a, "REDIRECT-023");
}

// ---------------------------------------------------------------------------------------------
// The analysis the dashboard reads, and evidence hygiene

#[test]
fn uri_reports_carry_each_uris_rules_and_host_facts() {
    let a = web(&[
        "https://app.example.com/cb",
        "https://*.azurewebsites.net/cb",
        "http://localhost:3000/cb",
        "myapp://cb",
    ]);
    let estate = Estate::default();
    let watchlist = Watchlist::builtin();
    let settings = Settings::default();
    let tenant = TenantContext {
        name: "t",
        provider: a.provider,
        policy: None,
        now: now(),
        settings: &settings,
        estate: &estate,
        watchlist: &watchlist,
        resolver: None,
    };
    let ctx = AppContext::new(&tenant, &a, Some(&[]), None);
    let an = ctx.redirects();
    assert_eq!(an.uris.len(), 4);
    let r = &an.uris[0];
    assert!(r.rules.is_empty());
    assert!(r.production);
    assert_eq!(r.host.as_deref(), Some("app.example.com"));
    assert_eq!(r.registrable_domain(), Some("example.com"));
    assert_eq!(r.public_suffix(), Some("com"));
    assert_eq!(r.suffix_type, Some(uri::SuffixType::Icann));

    assert_eq!(an.uris[1].rules, vec!["REDIRECT-003"]);
    assert_eq!(an.uris[1].host_kind, uri::HostKind::Wildcard);
    assert_eq!(
        an.uris[2].rules,
        vec!["REDIRECT-006", "REDIRECT-007", "REDIRECT-021"]
    );
    assert_eq!(an.uris[2].port, Some(3000));
    assert!(an.uris[2].is_loopback_or_localhost());
    assert!(an.uris[3].fires("REDIRECT-008"));
    assert!(an.uris[3].is_private_use_scheme());
    assert_eq!(an.uris[3].index, 3);

    // `analyze` is what the context caches.
    assert_eq!(analyze(&ctx).uris.len(), 4);
}

#[test]
fn evidence_is_bounded_and_capped() {
    let long = format!("https://app.example.com/cb#{}", "x".repeat(5000));
    let f = run(&web(&[&long]));
    let u = &uris_of(finding(&f, "REDIRECT-012"))[0];
    assert!(u.len() < 600, "{}", u.len());
    assert!(u.contains("bytes cut"));

    let many: Vec<String> = (0..60).map(|i| format!("app{i}://cb")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let f = run(&native(&refs));
    let hit = finding(&f, "REDIRECT-008");
    assert_eq!(uris_of(hit).len(), super::MAX_LISTED);
    assert_eq!(hit.evidence["uris_total"], 60);
}

#[test]
fn quiet_app_makes_no_findings() {
    let a = web(&[
        "https://app.example.com/oauth/callback",
        "https://www.example.com/signin-oidc",
    ]);
    assert!(run(&a).is_empty());
}

#[test]
fn hostile_inputs_do_not_panic() {
    let nasty = [
        "https://[",
        "https://[::1",
        "https://]",
        "http://:",
        "https://@",
        "https://a@@b",
        "%",
        "%%%",
        "%2",
        "https://%zz/",
        "https:",
        "://",
        ":",
        "a:",
        "https://é.com:99999/x",
        "https://app.example.com:-1/",
        "\u{0}",
        "https://xn--/",
        "https://*.",
        "https://.*.",
        "https://*.\u{e9}.com/",
        "msal://",
        "https://exa\u{202e}mple.com/",
    ];
    for v in nasty {
        let _ = run(&web(&[v]));
        let _ = run(&native(&[v]));
    }
}

// ---------------------------------------------------------------------------------------------
// The URI reader

#[test]
fn split_reads_the_components_of_the_raw_string() {
    let p = uri::split("https://user@Host.example.com:8443/a/b?x=1&y=2#frag");
    assert_eq!(p.scheme, Some("https"));
    assert_eq!(p.class, uri::SchemeClass::Https);
    assert_eq!(p.authority, Some("user@Host.example.com:8443"));
    assert_eq!(p.path, "/a/b");
    assert_eq!(p.query, Some("x=1&y=2"));
    assert_eq!(p.fragment, Some("frag"));

    let p = uri::split("com.example.app:/oauth2redirect");
    assert_eq!(p.class, uri::SchemeClass::PrivateUse);
    assert_eq!(p.authority, None);
    assert_eq!(p.path, "/oauth2redirect");

    // WHATWG: a backslash ends the authority of an http(s) URL.
    let p = uri::split("https://evil.example\\@app.example.com/");
    assert_eq!(p.authority, Some("evil.example"));
    // ...except in a regex-style host pattern.
    let p = uri::split("https://.*\\.example\\.com/cb");
    assert_eq!(p.authority, Some(".*\\.example\\.com"));
    assert_eq!(
        uri::Host::parse(p.authority.unwrap_or(""), u8::MAX).kind,
        uri::HostKind::Wildcard
    );

    assert_eq!(uri::split("http*://x").class, uri::SchemeClass::HttpPattern);
    assert_eq!(
        uri::split("(http|https)://x").class,
        uri::SchemeClass::HttpPattern
    );
    assert_eq!(uri::split("/cb").class, uri::SchemeClass::Missing);
    assert_eq!(uri::split("cb?a=b:c").class, uri::SchemeClass::Missing);
}

#[test]
fn clean_strips_what_browsers_strip() {
    assert_eq!(uri::clean("  https://a.example/\n"), "https://a.example/");
    assert_eq!(uri::clean("ht\ttps://a.exa\nmple/"), "https://a.example/");
    assert!(matches!(
        uri::clean("https://a.example/"),
        std::borrow::Cow::Borrowed(_)
    ));
}

#[test]
fn query_helpers() {
    let q = "next=%2Fhome&Code=1&u=https%3A%2F%2Fevil.example&v=HTTPS:evil.example&w=mailto:x";
    assert_eq!(uri::reserved_params(q).collect::<Vec<_>>(), vec!["Code"]);
    assert_eq!(
        uri::forward_params(q).collect::<Vec<_>>(),
        vec!["next", "u"]
    );
    assert_eq!(
        uri::url_valued_params(q).collect::<Vec<_>>(),
        vec!["u", "v"]
    );
    assert!(uri::decoded_eq_ignore_case("%63ODE", "code"));
    assert!(!uri::decoded_eq_ignore_case("code%", "code"));
}

#[test]
fn system_resolver_helpers_are_conservative() {
    use std::io::{Error, ErrorKind};
    let not_found = Error::other("failed to lookup address information: Name or service not known");
    assert!(dns::is_name_not_found(&not_found));
    let mac = Error::other("nodename nor servname provided, or not known");
    assert!(dns::is_name_not_found(&mac));
    for transient in [
        "failed to lookup address information: Temporary failure in name resolution",
        "failed to lookup address information: No address associated with hostname",
        "failed to lookup address information: Try again",
    ] {
        assert!(
            !dns::is_name_not_found(&Error::other(transient)),
            "{transient}"
        );
    }
    assert!(!dns::is_name_not_found(&Error::from(ErrorKind::TimedOut)));

    assert!(dns::is_dns_name("gone-app.azurewebsites.net"));
    for bad in [
        "localhost",
        "a..b",
        "-a.com",
        "a b.com",
        "A.com",
        "é.com",
        "a.com.",
    ] {
        assert!(!dns::is_dns_name(bad), "{bad}");
    }
    // Names that are not worth sending to a resolver are answered without one.
    assert_eq!(
        super::SystemResolver.resolve("not a name"),
        HostStatus::Unknown
    );
}

#[test]
fn catch_all_and_whitespace_detection() {
    assert!(uri::is_catch_all(""));
    assert!(uri::is_catch_all("myapp://*"));
    assert!(!uri::is_catch_all("/"));
    assert!(!uri::is_catch_all("https://"));
    assert!(uri::has_whitespace_or_control("a\u{200b}b"));
    assert!(uri::has_whitespace_or_control("a\u{a0}b"));
    assert!(!uri::has_whitespace_or_control("https://münchen.de/"));
}

// ---------------------------------------------------------------------------------------------
// Properties over hostile values

mod properties {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// Values assembled from the pieces that matter to the reader, plus arbitrary text.
    fn value() -> impl Strategy<Value = String> {
        let scheme = prop::sample::select(vec![
            "https://",
            "http://",
            "HTTP://",
            "http*://",
            "myapp://",
            "com.example.app:/",
            "javascript:",
            "urn:",
            "",
            "https:\\\\",
            "https:/",
        ]);
        let host = prop::sample::select(vec![
            "app.example.com",
            "*.example.com",
            "*.azurewebsites.net",
            "x.ngrok-free.app",
            "127.1",
            "[::1]",
            "localhost",
            "10.0.0.5",
            "xn--pple-43d.com",
            "аpple.com",
            "a@b.example",
            "*",
            "",
            "x.run.app",
            "app.example.com:8443",
            "[::ffff:127.0.0.1]",
        ]);
        let tail = prop::sample::select(vec![
            "/cb",
            "/*",
            "/cb?code=1",
            "/a/../b",
            "/cb#x",
            "/r?next=https://x",
            "/%2e%2e/",
            "/..;/",
            "",
            "?",
            "#",
            "/cb%252f",
            "\t",
            " ",
            "/\u{202e}",
        ]);
        prop_oneof![
            3 => (scheme, host, tail).prop_map(|(s, h, t)| format!("{s}{h}{t}")),
            1 => "\\PC{0,60}",
            1 => any::<String>(),
        ]
    }

    fn check(uris: &[String]) -> Result<(), TestCaseError> {
        let refs: Vec<&str> = uris.iter().map(String::as_str).collect();
        let a = web(&refs);
        let estate = Estate::default();
        let watchlist = Watchlist::builtin();
        let settings = Settings::default();
        let tenant = TenantContext {
            name: "t",
            provider: a.provider,
            policy: None,
            now: now(),
            settings: &settings,
            estate: &estate,
            watchlist: &watchlist,
            resolver: None,
        };
        let ctx = AppContext::new(&tenant, &a, Some(&[]), None);
        let findings = evaluate_app(&ctx);
        for u in &ctx.redirects().uris {
            let r = |id: &str| u.fires(id);
            prop_assert!(!(r("REDIRECT-002") && r("REDIRECT-003")), "{:?}", u.uri);
            prop_assert!(!(r("REDIRECT-016") && r("REDIRECT-017")), "{:?}", u.uri);
            if r("REDIRECT-001") {
                prop_assert!(!(r("REDIRECT-002") || r("REDIRECT-003") || r("REDIRECT-004")));
            }
            if let (Some(host), Some(site)) = (u.host.as_deref(), u.registrable_domain()) {
                prop_assert!(host.ends_with(site));
            }
            // Every URI-level rule that fires is a finding of the app.
            for id in &u.rules {
                prop_assert!(findings.iter().any(|f| f.rule.id == *id), "{id}");
            }
        }
        for f in &findings {
            if let Some(list) = f.evidence.get("uris").and_then(Value::as_array) {
                for s in list.iter().filter_map(Value::as_str) {
                    prop_assert!(s.len() <= 512 + 40);
                }
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn analysis_holds_its_invariants(uris in prop::collection::vec(value(), 1..4)) {
            check(&uris)?;
        }
    }
}
