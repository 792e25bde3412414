//! The scan pipeline end to end: the real `oauth-audit scan` on file exports, twice and more,
//! on every available backend, checking what the database holds afterwards.

mod support;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use support::{
    Backend, TestDb, backends, copy_dir, fixture, oauth_audit, stderr, stdout, write_config,
};

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn write_json(path: &Path, v: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

/// Edit the `value` list of a Graph page file.
fn edit_page(path: &Path, f: impl FnOnce(&mut Vec<Value>)) {
    let mut page = read_json(path);
    f(page["value"].as_array_mut().unwrap());
    write_json(path, &page);
}

/// A database and a config with one Entra file tenant per name, each a copy of the basic
/// fixture in a directory named after it.
fn entra_tenants(backend: Backend, names: &[&str]) -> (TestDb, tempfile::TempDir) {
    let db = TestDb::new(backend);
    let dir = tempfile::tempdir().unwrap();
    let exports: Vec<std::path::PathBuf> = names.iter().map(|n| dir.path().join(n)).collect();
    for export in &exports {
        copy_dir(&fixture("entra/basic"), export);
    }
    let tenants: Vec<(&str, &str, &Path)> = names
        .iter()
        .zip(&exports)
        .map(|(n, e)| (*n, "entra", e.as_path()))
        .collect();
    write_config(dir.path(), &db.url, &tenants);
    (db, dir)
}

fn scan(dir: &Path, backend: Backend) -> std::process::Output {
    let out = oauth_audit(dir, &["scan"]);
    eprintln!(
        "[{backend:?}] scan stdout:\n{}\nstderr:\n{}",
        stdout(&out),
        stderr(&out)
    );
    out
}

fn event_kinds(
    store: &oauth_audit::store::Store,
    tenant_id: i64,
    scan_id: i64,
) -> BTreeMap<String, usize> {
    let mut kinds = BTreeMap::new();
    for e in store
        .tenant_events(tenant_id, 0, 10_000)
        .unwrap()
        .into_iter()
        .filter(|e| e.scan_id == scan_id)
    {
        *kinds.entry(e.kind).or_insert(0) += 1;
    }
    kinds
}

fn event_counts(kinds: &[(&str, usize)]) -> BTreeMap<String, usize> {
    kinds.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn new_sp(id: &str, app_id: &str, name: &str) -> Value {
    json!({"id": id, "appId": app_id, "displayName": name, "accountEnabled": true,
           "appOwnerOrganizationId": "0b0b0b0b-1111-4222-8333-444444444444", "publisherName": "Survey Co",
           "servicePrincipalType": "Application", "replyUrls": ["https://survey.example/cb"]})
}

#[test]
fn baseline_then_unchanged_rescan_writes_no_versions_and_no_events() {
    for backend in backends() {
        let (db, dir) = entra_tenants(backend, &["contoso"]);

        let first = scan(dir.path(), backend);
        assert_eq!(first.status.code(), Some(0), "[{backend:?}] first scan");
        let store = db.store();
        let tenant = store.tenant_by_name("contoso").unwrap().unwrap();
        let after_first = store.inventory_counts(tenant.id).unwrap();
        assert_eq!(
            (
                after_first.apps,
                after_first.grants,
                after_first.credentials
            ),
            (4, 3, 2),
            "[{backend:?}] {after_first:?}"
        );
        assert_eq!(
            after_first.app_versions, 4,
            "[{backend:?}] one version per app"
        );
        let baseline = store.tenant_events(tenant.id, 0, 100).unwrap();
        assert_eq!(
            baseline.len(),
            1,
            "[{backend:?}] the baseline is one event: {baseline:?}"
        );
        assert_eq!(baseline[0].kind, "tenant_baselined");
        let details: Value = serde_json::from_str(&baseline[0].details).unwrap();
        assert_eq!(
            details,
            json!({"apps": 4, "grants": 3, "credentials": 2}),
            "[{backend:?}]"
        );

        let second = scan(dir.path(), backend);
        assert_eq!(second.status.code(), Some(0), "[{backend:?}] second scan");
        assert_eq!(
            store.inventory_counts(tenant.id).unwrap(),
            after_first,
            "[{backend:?}] nothing new stored"
        );
        let runs = store
            .tenant_runs(store.recent_scans(1).unwrap()[0].id)
            .unwrap();
        assert_eq!(runs[0].status, "succeeded", "[{backend:?}]");
        assert_eq!(
            runs[0].rows_written, 1,
            "[{backend:?}] an unchanged rescan only updates the tenant row"
        );
        assert_eq!(
            (runs[0].apps_seen, runs[0].grants_seen),
            (4, 3),
            "[{backend:?}]"
        );
    }
}

#[test]
fn a_modified_export_yields_exactly_the_expected_events() {
    for backend in backends() {
        let (db, dir) = entra_tenants(backend, &["contoso"]);
        let export = dir.path().join("contoso");
        assert_eq!(scan(dir.path(), backend).status.code(), Some(0));

        // A user revokes their consent, the admin consent loses Mail.Read, the SPA gets a new
        // certificate, and a new third-party app is consented.
        edit_page(&export.join("oauth2PermissionGrants.json"), |grants| {
            grants.retain(|g| g["consentType"] != "Principal" || g["id"] == "orphan");
            for g in grants
                .iter_mut()
                .filter(|g| g["consentType"] == "AllPrincipals")
            {
                g["scope"] = json!("offline_access User.Read");
            }
        });
        edit_page(&export.join("applications.json"), |apps| {
            let spa = apps
                .iter_mut()
                .find(|a| a["displayName"] == "Expenses SPA")
                .unwrap();
            spa["keyCredentials"].as_array_mut().unwrap().push(json!({
                "customKeyIdentifier": "FFEEDDCCBBAA", "displayName": "CN=expenses-2026", "keyId": "0e1d2c3b-4a59-4867-8756-a4b3c2d1e0f9",
                "startDateTime": "2026-01-15T12:00:00Z", "endDateTime": "2027-01-15T12:00:00Z", "type": "AsymmetricX509Cert", "usage": "Verify"
            }));
        });
        edit_page(&export.join("servicePrincipals.json"), |sps| {
            sps.push(new_sp(
                "55555555-eeee-4fff-8aaa-000000000006",
                "5e5e5e5e-0000-4000-8000-000000000006",
                "Survey Tool",
            ));
        });
        assert_eq!(scan(dir.path(), backend).status.code(), Some(0));
        let store = db.store();
        let tenant = store.tenant_by_name("contoso").unwrap().unwrap();
        let scan_id = store.recent_scans(1).unwrap()[0].id;
        let expected = event_counts(&[
            ("app_added", 1),
            ("app_changed", 1),
            ("credential_added", 1),
            ("grant_removed", 1),
            ("scopes_changed", 1),
        ]);
        assert_eq!(
            event_kinds(&store, tenant.id, scan_id),
            expected,
            "[{backend:?}]"
        );
        let events = store.tenant_events(tenant.id, 0, 100).unwrap();
        let changed = events.iter().find(|e| e.kind == "app_changed").unwrap();
        let details: Value = serde_json::from_str(&changed.details).unwrap();
        assert_eq!(details["name"], "Expenses SPA", "[{backend:?}]");
        assert!(
            details["changed_fields"]
                .as_array()
                .unwrap()
                .contains(&json!("credentials")),
            "[{backend:?}] {details}"
        );
        let scopes = events.iter().find(|e| e.kind == "scopes_changed").unwrap();
        let details: Value = serde_json::from_str(&scopes.details).unwrap();
        assert_eq!(
            (details["added"].clone(), details["removed"].clone()),
            (json!([]), json!(["Mail.Read"])),
            "[{backend:?}]"
        );
        let counts = store.inventory_counts(tenant.id).unwrap();
        assert_eq!(
            (
                counts.apps,
                counts.grants,
                counts.grants_removed,
                counts.credentials,
                counts.app_versions
            ),
            (5, 2, 1, 3, 6),
            "[{backend:?}] {counts:?}"
        );

        // The vendor's app disappears: the app and both of its grants are removed.
        edit_page(&export.join("servicePrincipals.json"), |sps| {
            sps.retain(|s| s["displayName"] != "ChatPilot Sales Assistant")
        });
        assert_eq!(scan(dir.path(), backend).status.code(), Some(0));
        let scan_id = store.recent_scans(1).unwrap()[0].id;
        let expected = event_counts(&[("app_removed", 1), ("grant_removed", 2)]);
        assert_eq!(
            event_kinds(&store, tenant.id, scan_id),
            expected,
            "[{backend:?}]"
        );
        let counts = store.inventory_counts(tenant.id).unwrap();
        assert_eq!(
            (counts.apps, counts.apps_removed, counts.grants),
            (4, 1, 0),
            "[{backend:?}] {counts:?}"
        );
    }
}

#[test]
fn a_failing_tenant_keeps_its_inventory_and_goes_stale_while_another_succeeds() {
    for backend in backends() {
        let (db, dir) = entra_tenants(backend, &["alpha", "beta"]);
        let (alpha, beta) = (dir.path().join("alpha"), dir.path().join("beta"));
        assert_eq!(scan(dir.path(), backend).status.code(), Some(0));
        let store = db.store();
        let a = store.tenant_by_name("alpha").unwrap().unwrap();
        let before = store.inventory_counts(a.id).unwrap();

        // alpha's grants export is cut off mid-file; beta gains an app.
        std::fs::write(
            alpha.join("oauth2PermissionGrants.json"),
            r#"{"value": [{"clientId": "x", "id": "#,
        )
        .unwrap();
        edit_page(&beta.join("servicePrincipals.json"), |sps| {
            sps.push(new_sp(
                "55555555-eeee-4fff-8aaa-000000000006",
                "5e5e5e5e-0000-4000-8000-000000000006",
                "Survey Tool",
            ));
        });
        let out = scan(dir.path(), backend);
        assert_eq!(
            out.status.code(),
            Some(1),
            "[{backend:?}] a failed tenant fails the scan"
        );
        assert!(
            stdout(&out).contains("partial"),
            "[{backend:?}] {}",
            stdout(&out)
        );

        let a = store.tenant_by_name("alpha").unwrap().unwrap();
        assert!(a.stale, "[{backend:?}] alpha is stale");
        let error = a.last_error.clone().unwrap_or_default();
        assert!(
            error.contains("oauth2PermissionGrants.json") && error.contains("malformed"),
            "[{backend:?}] {error}"
        );
        assert_eq!(
            store.inventory_counts(a.id).unwrap(),
            before,
            "[{backend:?}] alpha's inventory is untouched"
        );
        let b = store.tenant_by_name("beta").unwrap().unwrap();
        assert!(!b.stale, "[{backend:?}]");
        assert_eq!(
            store.inventory_counts(b.id).unwrap().apps,
            5,
            "[{backend:?}] beta's new app is stored"
        );
        let last = &store.recent_scans(1).unwrap()[0];
        assert_eq!(
            (last.status.as_str(), last.tenants_failed),
            ("partial", 1),
            "[{backend:?}]"
        );

        // The export disappears altogether: still nothing lost.
        std::fs::remove_dir_all(&alpha).unwrap();
        assert_eq!(
            scan(dir.path(), backend).status.code(),
            Some(1),
            "[{backend:?}]"
        );
        assert_eq!(
            store.inventory_counts(a.id).unwrap(),
            before,
            "[{backend:?}]"
        );

        // Restored: the tenant recovers and nothing was removed in between.
        copy_dir(&fixture("entra/basic"), &alpha);
        assert_eq!(
            scan(dir.path(), backend).status.code(),
            Some(0),
            "[{backend:?}]"
        );
        let a = store.tenant_by_name("alpha").unwrap().unwrap();
        assert!(!a.stale && a.last_error.is_none(), "[{backend:?}]");
        let after = store.inventory_counts(a.id).unwrap();
        assert_eq!(
            (
                after.apps,
                after.grants,
                after.grants_removed,
                after.app_versions
            ),
            (4, 3, 0, 4),
            "[{backend:?}] {after:?}"
        );
    }
}

#[test]
fn two_scans_of_one_tenant_cannot_both_store_their_collection() {
    use connectors::model::{
        ConsentType, Grant, GrantKind, OAuthApp, Principal, canonical_json_into,
    };
    use oauth_audit::store::inventory::{AppChange, ApplyContext, grant_digest, grant_hash};

    for backend in backends() {
        let db = TestDb::new(backend);
        let store = db.store();
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-24T02:00:00Z")
            .unwrap()
            .to_utc();
        let tenant = store.ensure_tenant("race", "okta", "file", now).unwrap();
        let mut app = OAuthApp::new(connectors::Provider::Okta, "0oa1", "Payroll");
        app.normalize();
        let mut buf = Vec::new();
        let hash = canonical_json_into(&app, &mut buf);
        let change = AppChange {
            app,
            hash,
            document: String::from_utf8(buf).unwrap(),
        };
        let grant = Grant {
            external_id: Some("oag1".into()),
            app_external_id: "0oa1".into(),
            principal: Principal::User {
                id: "00u1".into(),
                email: None,
                display_name: None,
                active: None,
            },
            resource: None,
            scopes: vec!["offline_access".into()],
            consent_type: ConsentType::User,
            kind: GrantKind::Delegated,
            created_at: None,
            expires_at: None,
            last_used_at: None,
        };
        // Two processes take their snapshots before either stores.
        let first = store.load_snapshot(&tenant).unwrap();
        let second = store.load_snapshot(&tenant).unwrap();
        let apply = |snap, scan| {
            let ctx = ApplyContext {
                scan_id: scan,
                now,
                apps_seen: 1,
                grants_seen: 1,
                credentials_seen: 0,
                policy: None,
            };
            let grants = vec![Ok((
                grant.clone(),
                grant_digest(&grant),
                grant_hash(&grant),
            ))];
            store.apply_inventory(
                snap,
                &ctx,
                vec![Ok(change.clone())].into_iter(),
                grants.into_iter(),
            )
        };
        let scan_a = store.start_scan("cli", 1, now).unwrap();
        let scan_b = store.start_scan("cli", 1, now).unwrap();
        apply(&first, scan_a).unwrap();
        let err = apply(&second, scan_b).unwrap_err();
        assert!(
            matches!(err, oauth_audit::store::StoreError::Conflict(_)),
            "[{backend:?}] {err}"
        );
        let counts = store.inventory_counts(tenant.id).unwrap();
        assert_eq!(
            (counts.apps, counts.grants, counts.app_versions),
            (1, 1, 1),
            "[{backend:?}] nothing stored twice"
        );
    }
}
