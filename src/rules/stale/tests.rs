use connectors::model::{Credential, CredentialKind, Principal};

use crate::rules::testkit::*;

#[test]
fn stale_001_grant_unused_beyond_threshold() {
    let app = web_app("crm");
    let mut old = user_grant(&app, "u1", &["api"]);
    old.last_used_at = Some(days_ago(91));
    let mut recent = user_grant(&app, "u2", &["api"]);
    recent.last_used_at = Some(days_ago(89));
    let no_data = user_grant(&app, "u3", &["api"]);
    let f = finding(
        &app,
        &[old.clone(), recent.clone(), no_data.clone()],
        "STALE-001",
    )
    .expect("fires");
    assert_eq!(f.evidence["grant_count"], 1);
    assert_eq!(f.evidence["principals"][0], "user:u1");
    assert_eq!(f.evidence["scopes"][0], "api");
    assert!(finding(&app, &[recent, no_data], "STALE-001").is_none());
    // An expired grant is not a working grant.
    old.expires_at = Some(days_ago(1));
    assert!(finding(&app, &[old], "STALE-001").is_none());
}

#[test]
fn stale_002_inactive_app_with_live_credentials() {
    let mut app = web_app("old");
    app.last_used_at = Some(days_ago(120));
    app.credentials.push(Credential {
        kind: CredentialKind::Secret,
        key_id: Some("k1".into()),
        hint: None,
        display_name: None,
        created_at: None,
        expires_at: Some(days_ago(-30)),
        never_expires: false,
        fingerprint: "f1".into(),
        secret_digest: None,
    });
    assert!(ids(&app).contains(&"STALE-002"));
    app.last_used_at = Some(days_ago(10));
    assert!(!ids(&app).contains(&"STALE-002"));
    // Unknown last use never fires.
    app.last_used_at = None;
    assert!(!ids(&app).contains(&"STALE-002"));
    // Inactive, but nothing left that works.
    app.last_used_at = Some(days_ago(120));
    app.credentials[0].expires_at = Some(days_ago(1));
    assert!(!ids(&app).contains(&"STALE-002"));
}

#[test]
fn stale_003_disabled_app_with_grants() {
    let mut app = web_app("gone");
    app.enabled = Some(false);
    let g = user_grant(&app, "u1", &["openid"]);
    assert!(finding(&app, std::slice::from_ref(&g), "STALE-003").is_some());
    assert!(finding(&app, &[], "STALE-003").is_none());
    app.enabled = None;
    assert!(finding(&app, &[g], "STALE-003").is_none());
}

#[test]
fn stale_004_no_accountable_owner() {
    let mut app = web_app("orphan");
    app.provider = connectors::Provider::Entra;
    assert!(ids(&app).contains(&"STALE-004"));
    app.owners = vec!["alice".into(), "bob".into()];
    app.inactive_owners = vec!["alice".into()];
    assert!(!ids(&app).contains(&"STALE-004"));
    app.inactive_owners.push("bob".into());
    assert!(ids(&app).contains(&"STALE-004"));
    // Not read by this collection: not judged.
    let mut unknown = web_app("entra-export");
    unknown.provider = connectors::Provider::Entra;
    unknown.note_unknown("owners", "the export does not hold owners");
    assert!(!ids(&unknown).contains(&"STALE-004"));
    // A provider without owners: an empty list means nothing.
    assert!(!ids(&web_app("okta")).contains(&"STALE-004"));
}

#[test]
fn stale_005_grant_of_deactivated_user() {
    let app = web_app("x");
    let mut g = user_grant(&app, "u9", &["Mail.Read"]);
    if let Principal::User { active, .. } = &mut g.principal {
        *active = Some(false);
    }
    assert!(finding(&app, &[g.clone()], "STALE-005").is_some());
    if let Principal::User { active, .. } = &mut g.principal {
        *active = None;
    }
    assert!(finding(&app, &[g], "STALE-005").is_none());
}

#[test]
fn stale_006_old_grant_without_expiry() {
    let app = web_app("x");
    let mut g = user_grant(&app, "u1", &["Files.Read"]);
    g.created_at = Some(days_ago(400));
    assert!(finding(&app, &[g.clone()], "STALE-006").is_some());
    g.created_at = Some(days_ago(300));
    assert!(finding(&app, &[g.clone()], "STALE-006").is_none());
    g.created_at = Some(days_ago(400));
    g.expires_at = Some(days_ago(-10));
    assert!(finding(&app, &[g], "STALE-006").is_none());
}
