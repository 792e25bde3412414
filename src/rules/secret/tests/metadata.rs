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

/// This thread's time on a CPU (ns), so a busy machine does not skew the figures.
fn cpu_ns() -> u128 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Throughput of the catalog over the sample exports (run by hand with `--ignored`, in a
/// release build for a meaningful figure; the catalog's budget is 100,000 apps/s on a core).
#[test]
#[ignore]
fn catalog_throughput_over_sample_apps() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("connectors/tests/fixtures");
    let mut apps = Vec::new();
    for (provider, path) in [
        (Provider::Entra, "entra/basic"),
        (Provider::Okta, "okta/basic"),
        (Provider::Keycloak, "keycloak/realm-export.json"),
    ] {
        apps.extend(
            connectors::file::read_all(provider, &dir.join(path))
                .unwrap()
                .apps,
        );
    }
    // One app carries secrets in its metadata, as a worst case for SECRET-012.
    apps[0].description = Some(format!("key {AWS}"));
    let settings = crate::rules::Settings::default();
    let watchlist = crate::rules::watchlist::Watchlist::builtin();
    let estate = Estate::default();
    let tenant = crate::rules::TenantContext {
        name: TENANT,
        provider: Provider::Entra,
        policy: None,
        now: crate::rules::testkit::now(),
        settings: &settings,
        estate: &estate,
        watchlist: &watchlist,
        resolver: None,
    };
    let n = 200_000;
    let started = cpu_ns();
    let mut findings = 0;
    for i in 0..n {
        let ctx = crate::rules::AppContext::new(&tenant, &apps[i % apps.len()], Some(&[]), None);
        findings += crate::rules::evaluate_app(&ctx).len();
    }
    let secs = (cpu_ns() - started) as f64 / 1e9;
    println!(
        "{n} apps ({} distinct), {findings} findings, {:.0} apps/s",
        apps.len(),
        n as f64 / secs
    );
    // Where the time goes: building the context, then each SECRET and TOKEN rule.
    let contexts: Vec<crate::rules::AppContext<'_>> = apps
        .iter()
        .map(|a| crate::rules::AppContext::new(&tenant, a, Some(&[]), None))
        .collect();
    let started = cpu_ns();
    for i in 0..n {
        std::hint::black_box(crate::rules::AppContext::new(
            &tenant,
            &apps[i % apps.len()],
            Some(&[]),
            None,
        ));
    }
    println!(
        "context: {:.0} ns/app",
        (cpu_ns() - started) as f64 / n as f64
    );
    for rule in crate::rules::secret::RULES
        .iter()
        .chain(crate::rules::token::RULES)
    {
        let crate::rules::Check::App(check) = rule.check else {
            continue;
        };
        let started = cpu_ns();
        for i in 0..n {
            std::hint::black_box(check(&contexts[i % contexts.len()]));
        }
        println!(
            "{}: {:.0} ns/app",
            rule.id,
            (cpu_ns() - started) as f64 / n as f64
        );
    }
}
