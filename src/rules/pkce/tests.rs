use connectors::model::{PkceMethod, PkceStatus, RedirectKind, TenantPolicy};

use crate::rules::Severity;
use crate::rules::testkit::*;

fn has(app: &connectors::model::OAuthApp, id: &str) -> bool {
    ids(app).contains(&id)
}

#[test]
fn pkce_001_public_client_without_enforced_pkce() {
    let mut app = native_app("spa");
    app.app_kind = connectors::model::AppKind::Spa;
    app.redirect_uris = vec![redirect("https://app.example.com/", RedirectKind::Spa)];
    app.pkce.status = PkceStatus::Optional;
    assert!(has(&app, "PKCE-001"));
    app.pkce.status = PkceStatus::NotSupported;
    assert!(has(&app, "PKCE-001"));
    // Close cases: enforced, or no code flow, or a confidential web app.
    app.pkce.status = PkceStatus::Required;
    assert!(!has(&app, "PKCE-001"));
    app.pkce.status = PkceStatus::Optional;
    app.grant_types.clear();
    assert!(!has(&app, "PKCE-001"));
    let mut web = web_app("web");
    web.pkce.status = PkceStatus::Optional;
    assert!(!has(&web, "PKCE-001"));
}

#[test]
fn pkce_002_native_interceptable_redirect_without_pkce() {
    let mut app = native_app("mobile");
    app.redirect_uris = vec![redirect("myapp://callback", RedirectKind::Native)];
    app.pkce.status = PkceStatus::Optional;
    let f = finding(&app, &[], "PKCE-002").expect("fires");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.evidence["uris"][0], "myapp://callback");
    // Loopback counts as interceptable too.
    app.redirect_uris = vec![redirect("http://127.0.0.1:7000/cb", RedirectKind::Native)];
    assert!(has(&app, "PKCE-002"));
    // Close cases: PKCE enforced; or a claimed https redirect only.
    app.pkce.status = PkceStatus::Required;
    assert!(!has(&app, "PKCE-002"));
    app.pkce.status = PkceStatus::Optional;
    app.redirect_uris = vec![redirect("https://app.example.com/cb", RedirectKind::Native)];
    assert!(!has(&app, "PKCE-002"));
    // Unknown PKCE is PKCE-005's business, not a critical finding.
    app.redirect_uris = vec![redirect("myapp://callback", RedirectKind::Native)];
    app.pkce.status = PkceStatus::Unknown;
    let fired = ids(&app);
    assert!(!fired.contains(&"PKCE-002") && fired.contains(&"PKCE-005"));
}

#[test]
fn pkce_003_confidential_client_without_pkce() {
    let mut app = web_app("portal");
    app.pkce.status = PkceStatus::Optional;
    let f = finding(&app, &[], "PKCE-003").expect("fires");
    assert_eq!(f.severity, Severity::Low);
    app.pkce.status = PkceStatus::Required;
    assert!(!has(&app, "PKCE-003"));
    // A public client is PKCE-001's case, not 003's.
    let mut public = native_app("n");
    public.pkce.status = PkceStatus::Optional;
    assert!(!has(&public, "PKCE-003"));
}

#[test]
fn pkce_003_can_be_raised_for_an_oauth_21_baseline() {
    let mut env = Env::default();
    env.settings
        .severity
        .insert("PKCE-003".into(), Severity::Medium);
    let mut app = web_app("portal");
    app.pkce.status = PkceStatus::Optional;
    let f = env.run(&app, Some(&[]));
    let f = f.iter().find(|f| f.rule.id == "PKCE-003").expect("fires");
    assert_eq!(f.severity, Severity::Medium);
}

#[test]
fn pkce_004_plain_method() {
    let mut app = web_app("legacy");
    app.pkce.status = PkceStatus::Required;
    app.pkce.methods = vec![PkceMethod::S256, PkceMethod::Plain];
    let f = finding(&app, &[], "PKCE-004").expect("fires");
    assert_eq!(f.evidence["methods"], serde_json::json!(["S256", "plain"]));
    app.pkce.methods = vec![PkceMethod::S256];
    assert!(!has(&app, "PKCE-004"));
}

#[test]
fn pkce_005_unknown_enforcement_with_code_flow() {
    let mut app = web_app("x");
    app.note_unknown("pkce", "the API does not expose PKCE enforcement");
    let f = finding(&app, &[], "PKCE-005").expect("fires");
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(
        f.evidence["reason"],
        "the API does not expose PKCE enforcement"
    );
    // No code flow: nothing to protect.
    app.grant_types = vec![connectors::model::GrantType::ClientCredentials];
    assert!(!has(&app, "PKCE-005"));
}

#[test]
fn pkce_006_server_metadata_without_s256() {
    let mut env = Env {
        policy: Some(TenantPolicy {
            pkce_methods_advertised: Some(vec!["plain".into()]),
            ..TenantPolicy::default()
        }),
        ..Env::default()
    };
    assert_eq!(env.tenant_ids(), vec!["PKCE-006"]);
    env.policy = Some(TenantPolicy {
        pkce_methods_advertised: Some(vec![]),
        ..TenantPolicy::default()
    });
    assert_eq!(env.tenant_ids(), vec!["PKCE-006"]);
    env.policy = Some(TenantPolicy {
        pkce_methods_advertised: Some(vec!["plain".into(), "S256".into()]),
        ..TenantPolicy::default()
    });
    assert!(env.tenant_ids().is_empty());
    // Metadata not read: unknown, never fires.
    env.policy = Some(TenantPolicy::default());
    assert!(env.tenant_ids().is_empty());
}
