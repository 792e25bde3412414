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
