use serde_json::{Value, json};

use super::*;
use crate::model::{Lifetime, NoteKind, Ownership, PolicySource};
use crate::test_util::{assert_no_secret, fixture, has_note};

/// Every fixture document and the format it is in.
const DOCUMENTS: &[(&str, Format)] = &[
    ("entra/basic/applications.json", Format::Entra),
    ("entra/basic/servicePrincipals.json", Format::Entra),
    ("okta/basic/apps.json", Format::Okta),
    ("keycloak/realm-export.json", Format::Keycloak),
    ("auth0/clients.json", Format::Auth0),
    ("auth0/grants.json", Format::Auth0),
    ("auth0/client-grants.json", Format::Auth0),
    ("github/installations.json", Format::Github),
    ("github/app-from-manifest.json", Format::Github),
    ("github/manifest.json", Format::Github),
    ("github/oauth-apps.json", Format::Github),
    ("github/credential-authorizations.json", Format::Github),
    ("github/fine-grained-pats.json", Format::Github),
    ("slack/approved.json", Format::Slack),
    ("slack/restricted.json", Format::Slack),
    ("slack/manifest-export.json", Format::Slack),
    ("slack/manifest-pkce.json", Format::Slack),
    ("salesforce/connected-apps.json", Format::Salesforce),
    ("salesforce/connected-applications.json", Format::Salesforce),
    ("salesforce/oauth-tokens.json", Format::Salesforce),
    ("google/tokens.json", Format::Google),
    ("rfc7591/registration-response.json", Format::Rfc7591),
    ("rfc7591/clients.json", Format::Rfc7591),
];

/// The first item of a list document, or the document itself.
fn first_item(doc: &Value) -> Value {
    if let Some(items) = doc.as_array() {
        return items[0].clone();
    }
    for key in [
        "value",
        "clients",
        "installations",
        "records",
        "items",
        "approved_apps",
        "restricted_apps",
        "grants",
        "client_grants",
    ] {
        if let Some(items) = doc.get(key).and_then(Value::as_array) {
            return items[0].clone();
        }
    }
    if let Some(result) = doc.get("result") {
        return first_item(result);
    }
    doc.clone()
}

#[test]
fn every_fixture_document_and_its_first_item_are_detected() {
    for (path, format) in DOCUMENTS {
        let doc = fixture(path);
        assert_eq!(detect(&doc), Some(*format), "{path}");
        let item = first_item(&doc);
        // A Keycloak client and an Auth0 grant are recognisable on their own as well.
        assert_eq!(detect(&item), Some(*format), "first item of {path}: {item}");
    }
}

#[test]
fn every_fixture_document_parses_in_its_detected_format() {
    for (path, format) in DOCUMENTS {
        let (found, inv) =
            read_document(None, &fixture(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(found, *format, "{path}");
        assert!(
            !inv.apps.is_empty() || !inv.grants.is_empty(),
            "{path} yields nothing"
        );
        assert!(
            inv.apps.iter().all(|a| a.provider == format.provider()),
            "{path}"
        );
    }
}

#[test]
fn no_secret_in_any_fixture_survives_into_the_model_or_its_evidence() {
    crate::test_util::with_digest_key();
    let secrets = [
        "okta-returned-this-secret-value-0001",
        "auth0-returned-this-secret-value-0042",
        "native-app-secret-that-ships-in-the-apk-7781",
        "sf-consumer-secret-value-0099",
        "sf-delete-token-value-5566",
        "github-app-client-secret-1f2e3d4c5b6a",
        "github-webhook-secret-778899",
        "demoPrivateKeyThatMustNeverBeStored",
        "gho_16C7e42F292c6912E7710c838347Ae178B4a",
        "cf136dc3c1fc93f31185e5885805d-rfc7591-secret",
        "this.is.an.access.token.value.ffx83",
        "X4cTteJY_gn4FYPsXB8rdXix5vwsg1FLN5E3EaG6RJoVH",
    ];
    for (path, _) in DOCUMENTS {
        let (_, inv) = read_document(None, &fixture(path)).unwrap();
        assert_no_secret(&inv.apps, &secrets);
        let grants = serde_json::to_string(&inv.grants).unwrap();
        assert!(secrets.iter().all(|s| !grants.contains(s)), "{path}");
    }
}

#[test]
fn applications_without_service_principals_are_first_party_apps() {
    let (format, apps) = parse_document(None, &fixture("entra/basic/applications.json")).unwrap();
    assert_eq!(format, Format::Entra);
    assert_eq!(apps.len(), 2);
    assert!(apps.iter().all(|a| a.ownership == Ownership::FirstParty));
    assert!(
        apps.iter()
            .all(|a| has_note(a, "enabled", NoteKind::Unknown)),
        "no service principal"
    );
}

#[test]
fn service_principals_alone_have_unknown_ownership_and_merge_with_their_applications() {
    let sps = fixture("entra/basic/servicePrincipals.json");
    let (_, apps) = parse_document(None, &sps).unwrap();
    assert_eq!(apps.len(), 4, "the managed identity is not an OAuth client");
    assert!(apps.iter().all(|a| a.ownership == Ownership::Unknown));

    let mut both = fixture("entra/basic/applications.json")["value"]
        .as_array()
        .unwrap()
        .clone();
    both.extend(sps["value"].as_array().unwrap().clone());
    let (_, apps) = parse_document(Some(Format::Entra), &Value::Array(both)).unwrap();
    assert_eq!(
        apps.len(),
        4,
        "two merged first-party apps and two third-party ones"
    );
    let mobile = apps
        .iter()
        .find(|a| a.name == "Field Service Mobile")
        .unwrap();
    assert_eq!(
        (mobile.ownership, mobile.enabled),
        (Ownership::FirstParty, Some(true))
    );
    let chat = apps
        .iter()
        .find(|a| a.name == "ChatPilot Sales Assistant")
        .unwrap();
    assert_eq!(chat.ownership, Ownership::ThirdParty);
}

#[test]
fn a_realm_export_applies_realm_settings_and_bare_clients_note_their_absence() {
    let realm = fixture("keycloak/realm-export.json");
    let (_, inv) = read_document(None, &realm).unwrap();
    assert_eq!(inv.apps.len(), 4);
    assert_eq!(inv.policies.len(), 1);
    let crm = inv
        .apps
        .iter()
        .find(|a| a.client_id.as_deref() == Some("crm-backend"))
        .unwrap();
    assert!(
        crm.token_policy.refresh_token_rotation.is_some(),
        "realm revokeRefreshToken applies"
    );

    let clients = realm["clients"].clone();
    let (format, apps) = parse_document(None, &clients).unwrap();
    assert_eq!(format, Format::Keycloak);
    let crm = apps
        .iter()
        .find(|a| a.client_id.as_deref() == Some("crm-backend"))
        .unwrap();
    assert_eq!(crm.token_policy.refresh_token_rotation, None);
    assert!(has_note(crm, "token_policy", NoteKind::Unknown));
}

#[test]
fn a_named_format_is_used_as_given() {
    let doc = json!({"client_id": "abc", "client_name": "Minimal", "redirect_uris": ["https://a.example/cb"]});
    let (format, apps) = parse_document(Some(Format::Rfc7591), &doc).unwrap();
    assert_eq!((format, apps.len()), (Format::Rfc7591, 1));
    let (_, apps) = parse_document(Some(Format::Rfc7591), &json!([])).unwrap();
    assert!(
        apps.is_empty(),
        "an empty list in a named format is an empty inventory"
    );
}

#[test]
fn the_wrong_named_format_says_what_the_document_looks_like() {
    let e = parse_document(Some(Format::Okta), &fixture("auth0/clients.json")).unwrap_err();
    assert_eq!(e.kind, crate::ErrorKind::Malformed);
    assert!(e.message.contains("looks like auth0"), "{e}");
    let e = parse_document(
        Some(Format::Auth0),
        &json!({"clients": [{"name": "no id"}]}),
    )
    .unwrap_err();
    assert!(e.message.starts_with("auth0 document: clients[0]:"), "{e}");
    let e = parse_document(Some(Format::Auth0), &fixture("slack/manifest-pkce.json")).unwrap_err();
    assert!(
        e.message.ends_with("(the document looks like slack)"),
        "{e}"
    );
}

#[test]
fn unrecognised_documents_are_malformed_and_list_the_accepted_shapes() {
    for doc in [
        json!({"foo": 1}),
        json!([]),
        json!([{"name": "x"}]),
        json!("text"),
        json!(42),
    ] {
        let e = parse_document(None, &doc).unwrap_err();
        assert_eq!(e.kind, crate::ErrorKind::Malformed, "{doc}");
        assert!(e.message.contains("expected one of"), "{doc}: {e}");
        assert!(
            e.message.contains("RFC 7591") && e.message.contains("realm export"),
            "{e}"
        );
        assert_eq!(detect(&doc), None, "{doc}");
    }
}

#[test]
fn format_names_round_trip_and_match_the_providers() {
    for f in Format::ALL {
        assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        assert_eq!(Format::of(f.provider()), f);
        assert_eq!(f.to_string(), f.as_str());
    }
    assert_eq!(Format::ALL.len(), Provider::ALL.len());
    let e = "azure".parse::<Format>().unwrap_err();
    assert!(e.to_string().contains("rfc7591"));
}

#[test]
fn shared_field_names_do_not_confuse_the_detector() {
    // An Auth0 client has `client_id`, `name`, `grant_types` and `token_endpoint_auth_method`.
    let auth0 = json!({"client_id": "x", "name": "n", "callbacks": [], "grant_types": ["implicit"], "token_endpoint_auth_method": "none"});
    assert_eq!(detect(&auth0), Some(Format::Auth0));
    // RFC 7591 metadata with the same auth fields but `redirect_uris`.
    let rfc = json!({"client_id": "x", "redirect_uris": [], "token_endpoint_auth_method": "none"});
    assert_eq!(detect(&rfc), Some(Format::Rfc7591));
    // A GitHub authorization's `app` has `client_id`; a Slack list item's `app` has `id`.
    let gh = json!({"app": {"client_id": "c", "name": "n", "url": "u"}, "scopes": ["repo"]});
    assert_eq!(detect(&gh), Some(Format::Github));
    let slack = json!({"app": {"id": "A1", "name": "n"}, "scopes": [{"name": "chat:write", "token_type": "bot"}]});
    assert_eq!(detect(&slack), Some(Format::Slack));
    // A Keycloak client and a Google token both have `clientId`.
    assert_eq!(
        detect(&json!({"clientId": "c", "publicClient": true})),
        Some(Format::Keycloak)
    );
    assert_eq!(
        detect(&json!({"clientId": "c", "displayText": "d", "scopes": []})),
        Some(Format::Google)
    );
    // An Okta app from a page of other things.
    assert_eq!(
        detect(&json!({"label": "l", "_links": {}})),
        Some(Format::Okta)
    );
}

#[test]
fn empty_pages_are_recognised_by_their_envelope() {
    let pages = [
        (
            json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#applications", "value": []}),
            Format::Entra,
        ),
        (
            json!({"total": 0, "start": 0, "limit": 50, "clients": []}),
            Format::Auth0,
        ),
        (
            json!({"ok": true, "approved_apps": [], "response_metadata": {"next_cursor": ""}}),
            Format::Slack,
        ),
        (
            json!({"totalSize": 0, "done": true, "records": []}),
            Format::Salesforce,
        ),
        (
            json!({"total_count": 0, "installations": []}),
            Format::Github,
        ),
        (
            json!({"kind": "admin#directory#tokenList", "etag": "x", "items": []}),
            Format::Google,
        ),
        (json!({"realm": "demo", "clients": []}), Format::Keycloak),
    ];
    for (page, format) in pages {
        let (found, apps) = parse_document(None, &page).unwrap();
        assert_eq!((found, apps.len()), (format, 0), "{page}");
    }
}

#[test]
fn a_google_token_list_keeps_provider_default_lifetimes() {
    let (_, apps) = parse_document(None, &fixture("google/tokens.json")).unwrap();
    let app = &apps[0];
    assert_eq!(
        app.token_policy
            .access_token_lifetime
            .as_ref()
            .map(|s| (s.value, s.source)),
        Some((Lifetime::Seconds(3600), PolicySource::ProviderDefault))
    );
}
