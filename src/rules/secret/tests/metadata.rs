//! SECRET-012: secret-like material in metadata, and the catalog throughput check.

use super::*;

// SECRET-012: secret-like material in metadata

#[test]
fn secret_012_fires_on_a_live_match_in_a_model_field_without_showing_it() {
    let mut a = with_creds(vec![]);
    a.description = Some(format!("deploy with {AWS}"));
    a.redirect_uris = vec![redirect(
        "https://app.example/cb?client_secret=abcdef123456",
        RedirectKind::Web,
    )];
    let hit = fires("SECRET-012", &a);
    assert_eq!(
        hit.evidence["matches"],
        json!([
            {"field": "description", "kind": "aws-access-key"},
            {"field": "redirect_uris[0]", "kind": "client-secret-param"},
        ])
    );
    let text = serde_json::to_string(&hit.evidence).unwrap();
    assert!(
        !text.contains("AKIA") && !text.contains("abcdef123456"),
        "{text}"
    );
}

#[test]
fn secret_012_fires_on_a_marker_left_in_raw_by_ingest_redaction() {
    let mut a = with_creds(vec![]);
    a.raw = connectors::redact::evidence(json!({
        "settings": {"notes": {"admin": "bot token xoxb-1234567890-abcdefghijkl"}},
        "client_secret": "not-a-pattern-but-redacted-by-key",
    }));
    let hit = fires("SECRET-012", &a);
    assert_eq!(
        hit.evidence["matches"],
        json!([{"field": "raw.settings.notes.admin", "kind": "slack-token", "redacted_at_ingest": true}])
    );
}

#[test]
fn secret_012_is_silent_on_clean_metadata() {
    let mut a = with_creds(vec![cred(Secret, "s1", None, None)]);
    a.description = Some("Syncs payroll; password rotation is handled by IT".into());
    a.redirect_uris = vec![redirect(
        "https://app.example/cb?client_id=abc&state=xyz",
        RedirectKind::Web,
    )];
    a.owners = vec!["alice@example.com".into()];
    a.raw = connectors::redact::evidence(json!({
        "secret": "value-redacted-by-key",
        "passwordCredentials": [{"hint": "Q~8", "endDateTime": "2030-01-01T00:00:00Z"}],
        "notes": "[redacted] is the plain marker, not a pattern marker",
    }));
    silent("SECRET-012", &a);
}

#[test]
fn secret_012_matches_a_credential_secret_value_by_its_digest() {
    let key = [9u8; 32];
    let digest: fn(&str) -> Option<String> =
        |s| Some(connectors::secret_digest::digest_with(&[9u8; 32], s));
    let value = "Zx8vQ2pLm4Nn7Rt1Yw3Kb6Hc";
    let mut a = with_creds(vec![]);
    let mut c = cred(Secret, "s1", None, None);
    c.secret_digest = Some(connectors::secret_digest::digest_with(&key, value));
    a.credentials = vec![c];
    a.description = Some(format!("fallback secret: {value} (do not share)"));
    let hit = with_ctx(&a, &[], &Estate::default(), |ctx| {
        crate::rules::secret::metadata::scan(ctx, Some(digest))
    })
    .unwrap();
    assert_eq!(hit.evidence["matches"][0]["field"], "description");
    assert_eq!(
        hit.evidence["matches"][0]["kind"],
        "credential-secret-value"
    );
    assert_eq!(
        hit.evidence["matches"][0]["credential_of"],
        json!(["this app"])
    );
    assert!(
        !serde_json::to_string(&hit.evidence)
            .unwrap()
            .contains(value)
    );

    a.description = Some("fallback secret: Zx8vQ2pLm4Nn7Rt1Yw3Kb6Hd".into());
    let miss = with_ctx(&a, &[], &Estate::default(), |ctx| {
        crate::rules::secret::metadata::scan(ctx, Some(digest))
    });
    assert_eq!(miss, None);
}
