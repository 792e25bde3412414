//! Retention: history older than `retention.days` goes; the current inventory, open findings,
//! each app's current version and the scans that history still points at stay.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use diesel::sql_types::BigInt;
use diesel::{Connection, QueryableByName, RunQueryDsl};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::{Arc, Mutex};

use oauth_audit::clock::Clock;
use oauth_audit::collector::{Trigger, retention, run_scan};
use oauth_audit::config::Config;
use support::{Backend, TestDb, backends, copy_dir, fixture, write_config};

/// A clock the test sets.
struct TestClock(Mutex<DateTime<Utc>>);

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// `SELECT COUNT(*) AS n …` straight from the database.
fn count(db: &TestDb, sql: &str) -> i64 {
    let q = diesel::sql_query(sql);
    match db.backend {
        Backend::Sqlite => {
            let mut c = diesel::sqlite::SqliteConnection::establish(&db.url).unwrap();
            q.get_result::<Count>(&mut c).unwrap().n
        }
        Backend::Postgres => {
            let mut c = diesel::pg::PgConnection::establish(&db.url).unwrap();
            q.get_result::<Count>(&mut c).unwrap().n
        }
    }
}

fn edit_page(path: &Path, f: impl FnOnce(&mut Vec<Value>)) {
    let mut page: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    f(page["value"].as_array_mut().unwrap());
    std::fs::write(path, serde_json::to_string_pretty(&page).unwrap()).unwrap();
}

#[test]
fn pruning_removes_old_history_and_keeps_the_current_inventory_and_recent_history() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for backend in backends() {
        let db = TestDb::new(backend);
        let dir = tempfile::tempdir().unwrap();
        let export = dir.path().join("contoso");
        copy_dir(&fixture("entra/basic"), &export);
        let file = write_config(dir.path(), &db.url, &[("contoso", "entra", &export)]);
        let mut config = Config::load_with_env(Some(&file), Vec::new()).unwrap();
        // The test prunes by hand; 0 keeps the scans from pruning on their own.
        config.retention.days = 0;
        let store = db.store();
        let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 2, 0, 0).unwrap();
        let clock = Arc::new(TestClock(Mutex::new(t0)));
        let scan_at = |days: i64| {
            *clock.0.lock().unwrap() = t0 + Duration::days(days);
            let report = rt
                .block_on(run_scan(
                    &store,
                    &config,
                    clock.clone(),
                    Trigger::Cli,
                    config.tenants.clone(),
                ))
                .unwrap();
            assert_eq!(
                report.status.as_str(),
                "succeeded",
                "[{backend:?}] {report:?}"
            );
            report.scan_id
        };

        // Day 0: the baseline. Day 1: a third-party app goes (its findings resolve) and the SPA
        // gets a new certificate (a new version). Day 2: nothing changes. Day 400: a new app.
        scan_at(0);
        edit_page(&export.join("servicePrincipals.json"), |sps| {
            sps.retain(|sp| sp["displayName"] != "ChatPilot Sales Assistant")
        });
        edit_page(&export.join("applications.json"), |apps| {
            let spa = apps
                .iter_mut()
                .find(|a| a["displayName"] == "Expenses SPA")
                .unwrap();
            spa["keyCredentials"].as_array_mut().unwrap().push(json!({
                "customKeyIdentifier": "FFEEDDCCBBAA", "displayName": "CN=expenses-2026",
                "keyId": "0e1d2c3b-4a59-4867-8756-a4b3c2d1e0f9",
                "startDateTime": "2026-01-15T12:00:00Z", "endDateTime": "2027-01-15T12:00:00Z",
                "type": "AsymmetricX509Cert", "usage": "Verify"
            }));
        });
        scan_at(1);
        let quiet_scan = scan_at(2);
        edit_page(&export.join("servicePrincipals.json"), |sps| {
            sps.push(json!({"id": "55555555-eeee-4fff-8aaa-000000000006",
                "appId": "5e5e5e5e-0000-4000-8000-000000000006", "displayName": "Survey Tool",
                "accountEnabled": true, "appOwnerOrganizationId": "0b0b0b0b-1111-4222-8333-444444444444",
                "publisherName": "Survey Co", "servicePrincipalType": "Application",
                "replyUrls": ["https://survey.example/cb"]}))
        });
        let last_scan = scan_at(400);

        let old = "'2025-01-20 00:00:00'";
        let old_resolved = format!(
            "SELECT COUNT(*) AS n FROM findings WHERE status = 'resolved' AND resolved_at < {old}"
        );
        let before = (
            count(
                &db,
                &format!("SELECT COUNT(*) AS n FROM events WHERE occurred_at < {old}"),
            ),
            count(&db, "SELECT COUNT(*) AS n FROM events"),
            count(&db, &old_resolved),
            count(
                &db,
                "SELECT COUNT(*) AS n FROM findings WHERE status <> 'resolved'",
            ),
            count(&db, "SELECT COUNT(*) AS n FROM app_versions"),
            count(
                &db,
                "SELECT COUNT(*) AS n FROM findings WHERE status = 'resolved'",
            ),
        );
        let current_versions = "SELECT COUNT(*) AS n FROM app_versions v JOIN apps a \
                                ON a.id = v.app_id AND a.version = v.version";
        let versions_current = count(&db, current_versions);
        let tenant = store.tenant_by_name("contoso").unwrap().unwrap();
        let inventory = format!("{:?}", store.inventory_counts(tenant.id).unwrap().apps);
        assert!(before.0 > 0, "[{backend:?}] day-1 events exist: {before:?}");
        assert!(
            before.1 > before.0,
            "[{backend:?}] day-400 events exist: {before:?}"
        );
        assert!(
            before.2 > 0,
            "[{backend:?}] day-1 findings resolved: {before:?}"
        );
        assert!(
            before.4 > versions_current,
            "[{backend:?}] an old version exists: {before:?}"
        );
        assert_eq!(store.tenant_runs(quiet_scan).unwrap().len(), 1);

        // 365 days on day 400: everything from days 0 to 2 is old.
        let deleted = rt.block_on(retention::prune(&store, clock.as_ref(), 365));
        assert!(deleted > 0, "[{backend:?}]");

        let after_old_events = count(
            &db,
            &format!("SELECT COUNT(*) AS n FROM events WHERE occurred_at < {old}"),
        );
        assert_eq!(after_old_events, 0, "[{backend:?}] old events go");
        assert_eq!(
            count(&db, "SELECT COUNT(*) AS n FROM events"),
            before.1 - before.0,
            "[{backend:?}] recent events stay"
        );
        assert_eq!(
            count(&db, &old_resolved),
            0,
            "[{backend:?}] findings resolved on day 1 go"
        );
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) AS n FROM findings WHERE status = 'resolved'"
            ),
            before.5 - before.2,
            "[{backend:?}] findings resolved recently stay"
        );
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) AS n FROM findings WHERE status <> 'resolved'"
            ),
            before.3,
            "[{backend:?}] open findings stay"
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) AS n FROM app_versions"),
            versions_current,
            "[{backend:?}] only each app's current version is left"
        );
        assert_eq!(
            count(&db, current_versions),
            versions_current,
            "[{backend:?}]"
        );
        assert_eq!(
            format!("{:?}", store.inventory_counts(tenant.id).unwrap().apps),
            inventory,
            "[{backend:?}] the current inventory is untouched"
        );
        assert!(
            store.scan(quiet_scan).unwrap().is_none(),
            "[{backend:?}] an old scan goes"
        );
        assert!(
            store.tenant_runs(quiet_scan).unwrap().is_empty(),
            "[{backend:?}]"
        );
        assert_eq!(
            count(
                &db,
                &format!("SELECT COUNT(*) AS n FROM scan_jobs WHERE scan_id = {quiet_scan}")
            ),
            0,
            "[{backend:?}] with its jobs"
        );
        assert!(
            store.scan(last_scan).unwrap().is_some(),
            "[{backend:?}] the last scan stays"
        );
        assert_eq!(
            store.tenant_runs(last_scan).unwrap().len(),
            1,
            "[{backend:?}]"
        );
        assert_eq!(
            store.last_successful_scan_at().unwrap(),
            Some(t0 + Duration::days(400)),
            "[{backend:?}] the catch-up check still sees the last success"
        );

        // Pruning again finds nothing; retention 0 is never called (kept forever).
        assert_eq!(
            rt.block_on(retention::prune(&store, clock.as_ref(), 365)),
            0
        );
    }
}

/// A retention batch that starts while another connection holds SQLite's write lock (a scan in
/// another process storing its inventory) waits for it, then deletes: it does not fail with
/// "database is locked" because its read snapshot went stale under the other writer.
#[test]
fn a_pruning_batch_waits_for_a_writer_holding_the_sqlite_lock() {
    use oauth_audit::store::retention::History;
    use std::sync::mpsc;

    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = TestDb::new(Backend::Sqlite);
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("contoso");
    copy_dir(&fixture("entra/basic"), &export);
    let file = write_config(dir.path(), &db.url, &[("contoso", "entra", &export)]);
    let config = Config::load_with_env(Some(&file), Vec::new()).unwrap();
    let store = db.store();
    let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 2, 0, 0).unwrap();
    let clock = Arc::new(TestClock(Mutex::new(t0)));
    let report = rt
        .block_on(run_scan(
            &store,
            &config,
            clock,
            Trigger::Cli,
            config.tenants.clone(),
        ))
        .unwrap();
    assert_eq!(report.status.as_str(), "succeeded", "{report:?}");
    let events = count(&db, "SELECT COUNT(*) AS n FROM events");
    assert!(events > 0);

    // Another connection takes the write lock, writes, and commits only after the batch began.
    let (locked_tx, locked) = mpsc::channel();
    let url = db.url.clone();
    let writer = std::thread::spawn(move || {
        use diesel::connection::SimpleConnection;
        let mut c = diesel::sqlite::SqliteConnection::establish(&url).unwrap();
        c.batch_execute(
            "PRAGMA busy_timeout = 30000; BEGIN IMMEDIATE; UPDATE tenants SET name = name;",
        )
        .unwrap();
        locked_tx.send(()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(500));
        c.batch_execute("COMMIT;").unwrap();
    });
    locked.recv().unwrap();
    let deleted = store
        .prune_batch(History::Events, t0 + Duration::days(1), 1000)
        .expect("the batch waits for the lock instead of failing");
    writer.join().unwrap();
    assert_eq!(deleted as i64, events);
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM events"), 0);
}
