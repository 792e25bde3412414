use super::*;
use secrecy::ExposeSecret;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn load(toml: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("exports/entra")).unwrap();
    let file = dir.path().join("oauth-audit.toml");
    std::fs::write(&file, toml).unwrap();
    Config::load_with_env(Some(&file), env(vars))
}

fn err(toml: &str, vars: &[(&str, &str)]) -> ConfigError {
    load(toml, vars).unwrap_err()
}

const FULL: &str = r#"
[database]
url = "postgres://oauth@db.internal/audit"
pool_size = 16

[server]
bind = "0.0.0.0:9000"

[schedule]
cron = "0 30 1 * * *"
run_on_start = true

[[tenants]]
name = "contoso"
provider = "entra"
tenant_id = "3f1c7e52-8a1d-4c5e-9b7a-2d4e6f8a0b1c"
client_id = "b8e1e2a4-3c5d-4e6f-8a9b-0c1d2e3f4a5b"
client_secret_env = "CONTOSO_SECRET"

[[tenants]]
name = "offline-entra"
provider = "file"
format = "entra"
path = "exports/entra"
"#;

#[test]
fn defaults_apply_without_a_file() {
    let c = Config::load_with_env(None, env(&[])).unwrap();
    assert_eq!(c.database.url, "oauth-audit.db");
    assert_eq!(c.server.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(c.schedule.cron, "0 0 2 * * *");
    assert_eq!(c.collector.concurrency, 4);
    assert!(c.tenants.is_empty());
}

#[test]
fn a_full_config_parses_and_resolves_relative_paths() {
    let c = load(
        FULL,
        &[
            ("OAUTH_AUDIT_TEST_PG_URL", "postgres://x"),
            ("CONTOSO_SECRET", "s"),
        ],
    )
    .unwrap_or_else(|e| {
        // The secret is checked against the explicit environment first, then the process's.
        panic!("{e}")
    });
    assert!(c.database_is_postgres());
    assert_eq!(c.database.pool_size, 16);
    assert_eq!(c.tenants[0].provider, TenantProvider::Saas(Provider::Entra));
    assert_eq!(c.tenants[1].data_provider(), Provider::Entra);
    assert!(
        c.tenants[1].path.as_ref().unwrap().is_absolute(),
        "paths are relative to the config file"
    );
}

#[test]
fn environment_overrides_sections_and_tenants_by_name() {
    let c = load(
        FULL,
        &[
            ("CONTOSO_SECRET", "s"),
            ("OAUTH_AUDIT_DATABASE__URL", "/var/lib/oauth-audit.db"),
            ("OAUTH_AUDIT_COLLECTOR__CONCURRENCY", "8"),
            ("OAUTH_AUDIT_COLLECTOR__LEASE_SECS", "20"),
            ("OAUTH_AUDIT_RETENTION__DAYS", "30"),
            ("OAUTH_AUDIT_SCHEDULE__RUN_ON_START", "false"),
            (
                "OAUTH_AUDIT_TENANTS__CONTOSO__BASE_URL",
                "http://127.0.0.1:9999",
            ),
            ("OAUTH_AUDIT_TENANTS__OFFLINE_ENTRA__FORMAT", "entra"),
            ("OAUTH_AUDIT_TENANTS__CONTOSO__INSTALLATION_ID", "12345"),
        ],
    )
    .unwrap();
    assert_eq!(c.database.url, "/var/lib/oauth-audit.db");
    assert_eq!(c.collector.concurrency, 8);
    assert_eq!((c.collector.lease_secs, c.retention.days), (20, 30));
    assert!(!c.schedule.run_on_start);
    assert_eq!(
        c.tenants[0].base_url.as_deref(),
        Some("http://127.0.0.1:9999")
    );
    assert_eq!(
        c.tenants[0].installation_id.as_deref(),
        Some("12345"),
        "numbers stay strings where keys are strings"
    );
}

#[test]
fn unknown_environment_variables_are_errors_but_test_and_log_ones_are_ignored() {
    let e = err("", &[("OAUTH_AUDIT_FOO", "1")]);
    assert_eq!(e.key, "OAUTH_AUDIT_FOO");
    let e = err("", &[("OAUTH_AUDIT_DATABASE__NOPE", "1")]);
    assert_eq!(e.key, "database.nope");
    assert!(e.reason.contains("unknown field"), "{e}");
    assert!(
        load(
            "",
            &[
                ("OAUTH_AUDIT_TEST_PG_URL", "postgres://x"),
                ("OAUTH_AUDIT_LOG", "debug"),
                ("OAUTH_AUDIT_CONFIG", "x")
            ]
        )
        .is_ok()
    );
    let e = err("", &[("OAUTH_AUDIT_TENANTS__GHOST__BASE_URL", "http://x")]);
    assert!(e.reason.contains("no tenant named"), "{e}");
    let e = err("", &[("OAUTH_AUDIT_COLLECTOR__CONCURRENCY", "four")]);
    assert!(e.reason.contains("whole number"), "{e}");
}

#[test]
fn validation_errors_name_the_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "[[tenants]]\nname = \"a\"\nprovider = \"azure\"\n",
            "tenants[0].provider",
            "unknown provider",
        ),
        (
            "[[tenants]]\nname = \"a\"\nprovider = \"file\"\nformat = \"entra\"\npath = \"exports/entra\"\n[[tenants]]\nname = \"a\"\nprovider = \"file\"\nformat = \"entra\"\npath = \"exports/entra\"\n",
            "tenants[1].name",
            "duplicate",
        ),
        (
            "[collector]\nlease_secs = 10\nheartbeat_secs = 10\n",
            "collector.heartbeat_secs",
            "less than collector.lease_secs",
        ),
        ("[retention]\nkeep = 3\n", "retention.keep", "unknown field"),
        (
            "[[tenants]]\nname = \"a b\"\nprovider = \"okta\"\n",
            "tenants[0].name",
            "characters",
        ),
        (
            "[[tenants]]\nname = \"a\"\nprovider = \"file\"\npath = \"exports/entra\"\n",
            "tenants[0].format",
            "needs `format`",
        ),
        (
            "[[tenants]]\nname = \"a\"\nprovider = \"file\"\nformat = \"entra\"\n",
            "tenants[0].path",
            "needs `path`",
        ),
        (
            "[[tenants]]\nname = \"a\"\nprovider = \"okta\"\nprivate_key_file = \"nokey.pem\"\n",
            "tenants[0].private_key_file",
            "missing file",
        ),
        (
            "[[tenants]]\nname = \"a\"\nprovider = \"okta\"\ntoken_env = \"OAUTH_AUDIT_UNSET_FOR_TEST_XYZ\"\n",
            "tenants[0].token_env",
            "is not set",
        ),
        (
            "[[tenants]]\nname = \"a\"\nprovider = \"okta\"\nbase_url = \"acme.okta.com\"\n",
            "tenants[0].base_url",
            "not an http",
        ),
        (
            "[[tenants]]\nname = \"a\"\nprovider = \"okta\"\nclient_secret = \"hunter2\"\n",
            "tenants[0].client_secret",
            "not accepted inline",
        ),
        (
            "[[tenants]]\nname = \"a\"\nprovider = \"okta\"\nflavour = \"x\"\n",
            "tenants[0].flavour",
            "unknown field",
        ),
        (
            "[collector]\nconcurrency = \"four\"\n",
            "collector.concurrency",
            "invalid type",
        ),
        (
            "[collector]\nconcurrency = 0\n",
            "collector.concurrency",
            "between 1 and 64",
        ),
        (
            "[schedule]\ncron = \"0 2 * * *\"\n",
            "schedule.cron",
            "6 fields",
        ),
        ("[server]\nbind = \"localhost\"\n", "server.bind", "invalid"),
        (
            "[databse]\nurl = \"x\"\n",
            "databse",
            "unknown field `databse`",
        ),
    ];
    for (toml, key, reason) in cases {
        let e = err(toml, &[]);
        assert_eq!(&e.key, key, "{toml}: {e}");
        assert!(e.to_string().contains(reason), "{toml}: {e}");
    }
}

#[test]
fn unreadable_and_invalid_files_are_named() {
    let e = Config::load_with_env(Some(Path::new("/nonexistent/oauth-audit.toml")), env(&[]))
        .unwrap_err();
    assert!(
        e.reason
            .contains("cannot read /nonexistent/oauth-audit.toml"),
        "{e}"
    );
    let e = err("[database\nurl = 1", &[]);
    assert!(
        e.reason.contains("oauth-audit.toml") && e.reason.contains("line 1"),
        "{e}"
    );
}

#[test]
fn secrets_resolve_from_env_and_file_and_never_print() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secret");
    std::fs::write(&file, "from-file-secret\n").unwrap();
    let var = "OAUTH_AUDIT_TEST_CONFIG_SECRET_VAR";
    let toml = format!(
        "[[tenants]]\nname = \"a\"\nprovider = \"entra\"\ntenant_id = \"t\"\nclient_id = \"c\"\nclient_secret_file = {:?}\ntoken_env = \"{var}\"\n",
        file.display().to_string()
    );
    let path = dir.path().join("c.toml");
    std::fs::write(&path, toml).unwrap();
    let vars = env(&[(var, "from-env-token")]);
    let c = Config::load_with_env(Some(&path), vars.clone()).unwrap();
    let lookup = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let settings = c.tenants[0].connection(&c.collector, &lookup).unwrap();
    assert_eq!(
        settings.client_secret.as_ref().unwrap().expose_secret(),
        "from-file-secret"
    );
    assert_eq!(
        settings.token.as_ref().unwrap().expose_secret(),
        "from-env-token"
    );
    let printed = format!("{settings:?} {c:?}");
    assert!(
        !printed.contains("from-file-secret") && !printed.contains("from-env-token"),
        "{printed}"
    );
    // Without the variable, the tenant's connection cannot be made, and says which key.
    let e = c.tenants[0]
        .connection(&c.collector, &|_| None)
        .unwrap_err();
    assert_eq!(e.key, "tenants.a.token_env");
    assert!(e.reason.contains("is not set"), "{e}");
}

#[test]
fn an_api_tenant_missing_a_key_its_connector_needs_fails_at_start() {
    let e = err(
        "[[tenants]]\nname = \"contoso\"\nprovider = \"entra\"\nclient_id = \"c\"\nclient_secret_env = \"S\"\n",
        &[("S", "x")],
    );
    assert_eq!(e.key, "tenants[0]");
    assert!(e.reason.contains("`tenant_id` is required"), "{e}");
    // A certificate file that holds no certificate.
    let not_pem = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let e = err(
        &format!(
            "[[tenants]]\nname = \"contoso\"\nprovider = \"entra\"\ntenant_id = \"t\"\nclient_id = \"c\"\nclient_certificate_file = {not_pem:?}\n"
        ),
        &[],
    );
    assert_eq!(e.key, "tenants[0]");
    assert!(
        e.reason
            .contains("`client_certificate_file` the certificate file holds no CERTIFICATE"),
        "{e}"
    );
}
