use super::*;
use crate::model::{
    AppKind, ClientType, ConsentType, CredentialKind, GrantType, Lifetime, NoteKind, Ownership,
    PkceStatus, PolicySource, Principal, RedirectKind,
};
use crate::test_util::{assert_no_secret, by_name, fixture, has_note, with_digest_key};

fn connected_apps() -> Inventory {
    read_document(&fixture("salesforce/connected-apps.json")).unwrap()
}

#[test]
fn a_packaged_app_with_full_scope_relaxed_ip_and_refresh_tokens_valid_until_revoked() {
    let inv = connected_apps();
    assert_eq!(inv.apps.len(), 4);
    let chat = by_name(&inv.apps, "ChatPilot Sales Assistant");
    assert_eq!(chat.external_id, "chatpilot__ChatPilot_Sales");
    assert_eq!(chat.ownership, Ownership::ThirdParty);
    assert_eq!(
        chat.client_id.as_deref(),
        Some("3MVG9ChatPilotDemoConsumerKey0000000000000000000000000000000000000001")
    );
    assert_eq!(chat.client_type, ClientType::Confidential);
    assert_eq!(chat.requested_scopes, vec!["api", "full", "refresh_token"]);
    assert_eq!(chat.pkce.status, PkceStatus::Optional);
    assert_eq!(chat.network_restricted, Some(false));
    let tp = &chat.token_policy;
    let client = |v| Some((v, PolicySource::Client));
    assert_eq!(
        tp.refresh_token_lifetime
            .as_ref()
            .map(|s| (s.value, s.source)),
        client(Lifetime::Unlimited)
    );
    assert_eq!(
        tp.refresh_token_idle_lifetime
            .as_ref()
            .map(|s| (s.value, s.source)),
        client(Lifetime::Unlimited)
    );
    assert_eq!(
        tp.refresh_tokens_issued.as_ref().map(|s| s.value),
        Some(true)
    );
    assert!(has_note(
        chat,
        "token_policy.access_token_lifetime",
        NoteKind::Unknown
    ));
    assert!(chat.grant_types.contains(&GrantType::AuthorizationCode));
    assert!(chat.grant_types.contains(&GrantType::RefreshToken));
    assert!(
        has_note(chat, "grant_types", NoteKind::Unknown),
        "implicit and ROPC are org-wide"
    );
}

#[test]
fn a_native_app_with_a_consumer_secret_keeps_only_its_digest() {
    with_digest_key();
    let inv = connected_apps();
    let mobile = by_name(&inv.apps, "Field Mobile (iOS)");
    assert_eq!(mobile.app_kind, AppKind::Native);
    assert_eq!(
        mobile.client_type,
        ClientType::Confidential,
        "the secret is required"
    );
    assert_eq!(
        mobile.redirect_uris.len(),
        2,
        "callbackUrl holds one URI per line"
    );
    assert!(
        mobile
            .redirect_uris
            .iter()
            .all(|r| r.kind == RedirectKind::Native)
    );
    assert_eq!(mobile.credentials[0].kind, CredentialKind::Secret);
    assert_eq!(
        mobile.credentials[0].secret_digest,
        crate::secret_digest::digest("sf-consumer-secret-value-0099")
    );
    let tp = &mobile.token_policy;
    assert_eq!(
        tp.refresh_token_lifetime.as_ref().map(|s| s.value),
        Some(Lifetime::Seconds(90 * 86_400))
    );
    assert_eq!(
        tp.refresh_token_rotation.as_ref().map(|s| s.value),
        Some(true)
    );
    assert_eq!(
        mobile.network_restricted,
        Some(false),
        "ENFORCE_RELAXREFRESH relaxes refresh"
    );
    assert_no_secret(&inv.apps, &["sf-consumer-secret-value-0099"]);
}

#[test]
fn a_jwt_integration_is_a_network_restricted_service_with_pkce_and_a_certificate() {
    let inv = connected_apps();
    let jwt = by_name(&inv.apps, "Data Loader Integration");
    assert_eq!(jwt.app_kind, AppKind::Service);
    assert_eq!(jwt.pkce.status, PkceStatus::Required);
    assert_eq!(jwt.network_restricted, Some(true));
    assert!(has_note(jwt, "network_restricted", NoteKind::Inferred));
    assert_eq!(
        jwt.requested_scopes,
        vec!["api"],
        "a single scope string is a one-item list"
    );
    for g in [GrantType::ClientCredentials, GrantType::JwtBearer] {
        assert!(jwt.grant_types.contains(&g), "{g:?}");
    }
    assert!(
        jwt.credentials
            .iter()
            .any(|c| c.kind == CredentialKind::Certificate)
    );
    let tp = &jwt.token_policy;
    assert_eq!(
        tp.access_token_lifetime.as_ref().map(|s| s.value),
        Some(Lifetime::Seconds(15 * 60))
    );
    assert_eq!(
        tp.refresh_token_idle_lifetime.as_ref().map(|s| s.value),
        Some(Lifetime::Seconds(30 * 86_400))
    );
    assert_eq!(
        tp.refresh_tokens_issued.as_ref().map(|s| s.value),
        Some(false)
    );
}

#[test]
fn a_public_app_with_a_script_label_has_no_secret() {
    let inv = connected_apps();
    let xss = by_name(
        &inv.apps,
        "<script>alert(\"oauth-audit-xss\")</script><img src=x onerror=alert(1)>",
    );
    assert_eq!(xss.client_type, ClientType::Public);
    assert!(xss.credentials.is_empty());
    assert_eq!(xss.pkce.status, PkceStatus::Unknown);
    assert!(
        has_note(
            xss,
            "token_policy.refresh_token_lifetime",
            NoteKind::Inferred
        ),
        "default policy"
    );
    assert_eq!(
        xss.token_policy
            .refresh_token_lifetime
            .as_ref()
            .map(|s| s.source),
        Some(PolicySource::ProviderDefault)
    );
}

#[test]
fn connected_application_rows_leave_metadata_only_fields_unknown() {
    let inv = read_document(&fixture("salesforce/connected-applications.json")).unwrap();
    assert_eq!(inv.apps.len(), 2);
    let chat = by_name(&inv.apps, "ChatPilot Sales Assistant");
    assert_eq!(chat.external_id, "0H4Hs000000ChAtAAA");
    assert_eq!(chat.pkce.status, PkceStatus::Unknown);
    assert!(has_note(chat, "pkce", NoteKind::Unknown));
    assert_eq!(
        chat.token_policy
            .refresh_token_lifetime
            .as_ref()
            .map(|s| s.value),
        Some(Lifetime::Unlimited)
    );
    let loader = by_name(&inv.apps, "Data Loader Integration");
    assert_eq!(loader.token_policy.refresh_token_idle_lifetime, None);
    assert!(has_note(
        loader,
        "token_policy.refresh_token_idle_lifetime",
        NoteKind::Unknown
    ));
}

#[test]
fn oauth_tokens_become_user_grants_and_apps_known_only_from_them() {
    let inv = read_document(&fixture("salesforce/oauth-tokens.json")).unwrap();
    assert_eq!(inv.grants.len(), 3);
    let g = &inv.grants[0];
    assert_eq!(g.app_external_id, "0H4Hs000000ChAtAAA");
    assert_eq!(g.consent_type, ConsentType::User);
    assert!(g.scopes.is_empty());
    assert!(
        matches!(&g.principal, Principal::User { display_name: Some(u), .. } if u == "alice@acme-demo.com")
    );
    assert_eq!(
        g.last_used_at.map(|t| t.to_rfc3339()),
        Some("2025-08-19T23:41:07+00:00".into())
    );
    assert!(matches!(
        &inv.grants[1].principal,
        Principal::User {
            active: Some(false),
            ..
        }
    ));
    assert_eq!(inv.apps.len(), 2);
    let legacy = by_name(&inv.apps, "Legacy Report Exporter");
    assert_eq!(legacy.external_id, "app:Legacy Report Exporter");
    assert_eq!(legacy.ownership, Ownership::Unknown);
    assert!(legacy.last_used_at.is_some());
    let json = serde_json::to_string(&(&inv.apps, &inv.grants)).unwrap();
    assert!(!json.contains("sf-delete-token-value-5566"));
}

#[test]
fn token_rows_point_at_a_connected_app_in_the_same_document() {
    let mut records = fixture("salesforce/connected-apps.json")
        .as_array()
        .unwrap()
        .clone();
    records.extend(
        fixture("salesforce/oauth-tokens.json")["result"]["records"]
            .as_array()
            .unwrap()
            .clone(),
    );
    let inv = read_document(&serde_json::Value::Array(records)).unwrap();
    assert_eq!(
        inv.apps.len(),
        5,
        "the four connected apps and the uninstalled exporter"
    );
    assert_eq!(inv.grants[0].app_external_id, "chatpilot__ChatPilot_Sales");
}

#[test]
fn an_unknown_record_is_malformed_and_named() {
    let e = read_document(
        &serde_json::json!({"records": [{"attributes": {"type": "Account"}, "Id": "001"}]}),
    )
    .unwrap_err();
    assert_eq!(e.kind, crate::ErrorKind::Malformed);
    assert!(e.message.starts_with("records[0]:"), "{e}");
}

#[test]
fn connected_app_settings_are_the_orgs_api_access_control() {
    let doc = serde_json::json!({"fullName": "ConnectedApp", "enableAdminApprovedAppsOnly": "true", "enableAdminApprovedAppsOnlyForExternalUser": "false"});
    let inv = read_document(&doc).unwrap();
    assert!(inv.apps.is_empty());
    assert_eq!(inv.policies.len(), 1);
    assert_eq!(inv.policies[0].third_party_apps_restricted, Some(true));
    assert_eq!(
        crate::detect::detect(&doc),
        Some(crate::detect::Format::Salesforce)
    );
}

mod live;
