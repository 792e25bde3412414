//! The command line: API keys, configuration errors and exit codes.

mod support;

use support::{TestDb, backends, copy_dir, fixture, oauth_audit, stderr, stdout, write_config};

#[test]
fn api_keys_are_printed_once_stored_hashed_listed_without_secret_and_revoked_at_once() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let dir = tempfile::tempdir().unwrap();
        write_config(dir.path(), &db.url, &[]);

        let out = oauth_audit(
            dir.path(),
            &["api-key", "create", "--name", "siem", "--role", "reader"],
        );
        assert_eq!(out.status.code(), Some(0), "[{backend:?}] {}", stderr(&out));
        let printed = stdout(&out);
        let lines: Vec<&str> = printed.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "[{backend:?}] the key is the only line on stdout: {printed:?}"
        );
        let key = lines[0];
        assert!(
            key.starts_with("oaa_") && key.len() == 68,
            "[{backend:?}] {key}"
        );

        let store = db.store();
        let (row, role) = store
            .authenticate_api_key(key)
            .unwrap()
            .expect("the new key authenticates");
        assert_eq!(role, oauth_audit::store::api_keys::Role::Reader);
        assert_ne!(row.key_hash, key, "[{backend:?}] only the hash is stored");
        assert_eq!(row.key_hash, oauth_audit::store::api_keys::hash_key(key));
        assert!(
            store
                .authenticate_api_key(&format!("{key}x"))
                .unwrap()
                .is_none(),
            "[{backend:?}]"
        );

        let list = oauth_audit(dir.path(), &["api-key", "list"]);
        assert_eq!(list.status.code(), Some(0));
        let listing = stdout(&list);
        assert!(
            listing.contains("siem") && listing.contains("reader"),
            "[{backend:?}] {listing}"
        );
        assert!(
            !listing.contains(&key[12..]),
            "[{backend:?}] the listing never shows the key"
        );

        let revoke = oauth_audit(dir.path(), &["api-key", "revoke", &row.id.to_string()]);
        assert_eq!(
            revoke.status.code(),
            Some(0),
            "[{backend:?}] {}",
            stderr(&revoke)
        );
        assert!(
            store.authenticate_api_key(key).unwrap().is_none(),
            "[{backend:?}] revoked keys stop working at once"
        );
        let again = oauth_audit(dir.path(), &["api-key", "revoke", &row.id.to_string()]);
        assert_eq!(
            again.status.code(),
            Some(1),
            "[{backend:?}] revoking twice is an error"
        );
    }
}

#[test]
fn bad_config_exits_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("oauth-audit.toml"),
        "[[tenants]]\nname = \"x\"\nprovider = \"azure\"\n",
    )
    .unwrap();
    let out = oauth_audit(dir.path(), &["scan"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("tenants[0].provider") && err.contains("azure"),
        "{err}"
    );
}

#[test]
fn scanning_an_unknown_tenant_exits_2() {
    let db = TestDb::new(support::Backend::Sqlite);
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("entra");
    copy_dir(&fixture("entra/basic"), &export);
    write_config(dir.path(), &db.url, &[("contoso", "entra", &export)]);
    let out = oauth_audit(dir.path(), &["scan", "--tenant", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope"), "{}", stderr(&out));
    let out = oauth_audit(dir.path(), &["scan", "--tenant", "contoso"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("contoso") && stdout(&out).contains("succeeded"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn migrate_prepares_an_empty_database() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let dir = tempfile::tempdir().unwrap();
        write_config(dir.path(), &db.url, &[]);
        let out = oauth_audit(dir.path(), &["migrate"]);
        assert_eq!(out.status.code(), Some(0), "[{backend:?}] {}", stderr(&out));
        // Every migration folder of the backend, however many later changes add.
        let folders = std::fs::read_dir(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite"),
        )
        .unwrap()
        .count();
        assert!(
            stderr(&out).contains(&format!("applied {folders} migration")),
            "[{backend:?}] {}",
            stderr(&out)
        );
        let store = oauth_audit::store::Store::connect(&db.url, 1).unwrap();
        store.ready().unwrap();
        let again = oauth_audit(dir.path(), &["migrate"]);
        assert!(
            stderr(&again).contains("applied 0 migration"),
            "[{backend:?}] {}",
            stderr(&again)
        );
    }
}

/// On SQLite the bulk-write migration rewrites constraints in place (FAIL instead of ABORT,
/// deferred foreign keys): the file stays sound and every constraint still holds, a foreign
/// key at COMMIT, a NOT NULL at the statement.
#[test]
fn sqlite_constraints_hold_after_the_bulk_write_migration() {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;

    let db = TestDb::new(support::Backend::Sqlite);
    drop(db.store());
    let mut c = diesel::sqlite::SqliteConnection::establish(&db.url).unwrap();
    #[derive(diesel::QueryableByName)]
    struct Text {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let one = |c: &mut diesel::sqlite::SqliteConnection, sql: &str| -> String {
        use diesel::RunQueryDsl;
        diesel::sql_query(sql).get_result::<Text>(c).unwrap().v
    };
    assert_eq!(
        one(
            &mut c,
            "SELECT integrity_check AS v FROM pragma_integrity_check"
        ),
        "ok"
    );
    assert!(
        one(
            &mut c,
            "SELECT sql AS v FROM sqlite_schema WHERE name = 'grants'"
        )
        .contains("REFERENCES apps (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED")
    );

    let grant = |app_id: i64, scopes: &str| {
        format!(
            "INSERT INTO grants (tenant_id, app_id, key_digest, principal_type, scopes, \
             consent_type, kind, content_hash, first_seen) VALUES (1, {app_id}, x'00', 'user', \
             {scopes}, 'user', 'delegated', x'00', '2026-01-01 00:00:00');"
        )
    };
    // A grant of an app that does not exist: the insert passes, the COMMIT does not.
    c.batch_execute("BEGIN;").unwrap();
    c.batch_execute(&grant(999, "''")).unwrap();
    let err = c.batch_execute("COMMIT;").unwrap_err();
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
    c.batch_execute("ROLLBACK;").unwrap();
    // A missing NOT NULL value fails the statement at once.
    let err = c.batch_execute(&grant(999, "NULL")).unwrap_err();
    assert!(err.to_string().contains("NOT NULL"), "{err}");
    assert_eq!(
        one(&mut c, "SELECT CAST(COUNT(*) AS TEXT) AS v FROM grants"),
        "0"
    );
}
