//! Watchlist parsing and matching tests.

use super::*;
use connectors::model::{RedirectKind, RedirectUri};

fn app(provider: Provider, name: &str) -> OAuthApp {
    OAuthApp::new(provider, "ext-1", name)
}

fn redirect(uri: &str) -> RedirectUri {
    RedirectUri {
        uri: uri.to_string(),
        kind: RedirectKind::Web,
        kind_inferred: false,
    }
}

fn names(w: &Watchlist, a: &OAuthApp) -> Vec<String> {
    w.matches(a).iter().map(|m| m.entry.name.clone()).collect()
}

#[test]
fn the_seed_parses_with_drift_and_gainsight() {
    let w = Watchlist::parse(SEED, "seed").expect("seed parses");
    let names: Vec<&str> = w.entries().iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["Salesloft Drift", "Gainsight connected apps"]);
    let drift = &w.entries()[0];
    assert_eq!(drift.date.to_string(), "2025-08-26");
    assert!(drift.advisory.contains("cloud.google.com"));
    assert!(drift.references.iter().any(|r| r.contains("005134951")));
    assert_eq!(
        drift.providers,
        [Provider::Salesforce, Provider::Google, Provider::Slack]
    );
    assert_eq!(w.entries()[1].redirect_domains, ["gainsightcloud.com"]);
    assert_eq!(Watchlist::builtin().entries().len(), 2);
}

#[test]
fn drift_matches_by_name_in_each_named_provider_but_not_elsewhere() {
    let w = Watchlist::builtin();
    for (p, n) in [
        (Provider::Salesforce, "Drift"),
        (Provider::Google, "Drift Email"),
        (Provider::Google, "  drift   EMAIL "),
        (Provider::Slack, "DRIFT"),
    ] {
        assert_eq!(names(&w, &app(p, n)), ["Salesloft Drift"], "{p} {n}");
    }
    // Near misses: another provider, a longer name, a prefix.
    assert!(names(&w, &app(Provider::Github, "Drift")).is_empty());
    assert!(names(&w, &app(Provider::Salesforce, "Drift Detector")).is_empty());
    assert!(names(&w, &app(Provider::Salesforce, "Drif")).is_empty());
}

#[test]
fn redirect_hosts_match_the_domain_and_its_subdomains_only() {
    let w = Watchlist::builtin();
    let mut a = app(Provider::Google, "Customer Success");
    a.redirect_uris = vec![redirect("https://eu1.gainsightcloud.com/oauth/callback")];
    let m = w.matches(&a);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].entry.name, "Gainsight connected apps");
    assert_eq!(m[0].on[0].field, "redirect_uri");
    assert_eq!(m[0].on[0].key, "gainsightcloud.com");

    for near in [
        "https://gainsightcloud.com.evil.example/cb",
        "https://notgainsightcloud.com/cb",
        "https://example.com/cb?next=gainsightcloud.com",
        "com.gainsightcloud.app:/cb",
    ] {
        a.redirect_uris = vec![redirect(near)];
        assert!(w.matches(&a).is_empty(), "{near}");
    }
    for hit in [
        "https://GainsightCloud.com./cb",
        "https://user@app.gainsightcloud.com:8443/cb",
        "https://*.gainsightcloud.com/cb",
    ] {
        a.redirect_uris = vec![redirect(hit)];
        assert_eq!(w.matches(&a).len(), 1, "{hit}");
    }
}

#[test]
fn client_ids_match_exactly() {
    let text = r#"
        [[entry]]
        name = "Test"
        advisory = "https://example.com/advisory"
        date = "2025-01-02"
        client_ids = ["3MVG9abcDEF"]
        redirect_hosts = ["cb.example.net"]
    "#;
    let w = Watchlist::parse(text, "t").expect("parses");
    let mut a = app(Provider::Salesforce, "Something");
    a.client_id = Some("3MVG9abcDEF".into());
    let m = w.matches(&a);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].on[0].field, "client_id");
    a.client_id = Some("3MVG9abcDEFx".into());
    assert!(w.matches(&a).is_empty());
    a.client_id = Some("3mvg9abcdef".into());
    assert!(w.matches(&a).is_empty(), "client ids are case-sensitive");

    // A host entry matches only that host.
    a.redirect_uris = vec![redirect("https://cb.example.net/x")];
    assert_eq!(w.matches(&a).len(), 1);
    a.redirect_uris = vec![redirect("https://a.cb.example.net/x")];
    assert!(w.matches(&a).is_empty());
}

#[test]
fn publisher_names_and_domains_match_after_normalization() {
    let w = Watchlist::builtin();
    let mut a = app(Provider::Entra, "CS Platform");
    a.publisher.name = Some("Gainsight, Inc.".into());
    assert_eq!(names(&w, &a), ["Gainsight connected apps"]);
    a.publisher.name = Some("Gainsightly".into());
    assert!(names(&w, &a).is_empty());
    a.publisher.domain = Some("www.gainsight.com".into());
    assert_eq!(names(&w, &a), ["Gainsight connected apps"]);
    a.publisher.domain = Some("gainsight.com.example.org".into());
    assert!(names(&w, &a).is_empty());
}

#[test]
fn errors_name_the_origin_and_the_entry() {
    let cases: &[(&str, &str)] = &[
        (
            "[[entry]]\nname = \"A\"\nadvisory = \"https://x\"\ndate = \"2025-13-01\"\napp_names = [\"A\"]\n",
            "entry 1 (`A`): `date` must be YYYY-MM-DD",
        ),
        (
            "[[entry]]\nname = \"A\"\nadvisory = \"x\"\ndate = \"2025-01-01\"\napp_names = [\"A\"]\n",
            "`advisory` must be an http(s) URL",
        ),
        (
            "[[entry]]\nname = \"A\"\nadvisory = \"https://x\"\ndate = \"2025-01-01\"\n",
            "no match key",
        ),
        (
            "[[entry]]\nname = \"A\"\nadvisory = \"https://x\"\ndate = \"2025-01-01\"\nclientids = [\"x\"]\n",
            "entry 1 (`A`): `clientids`",
        ),
        (
            "[[entry]]\nname = \"A\"\nadvisory = \"https://x\"\ndate = \"2025-01-01\"\napp_names = [\"A\"]\nproviders = [\"azure\"]\n",
            "unknown provider `azure`",
        ),
        (
            "[[entry]]\nname = \"A\"\nadvisory = \"https://x\"\ndate = \"2025-01-01\"\nredirect_domains = [\"https://a.example/cb\"]\n",
            "is not a domain name",
        ),
        (
            "[[entry]]\nadvisory = \"https://x\"\ndate = \"2025-01-01\"\napp_names = [\"A\"]\n",
            "entry 1: `.`: missing field `name`",
        ),
        (
            "[[entry]]\nname = \"A\"\nadvisory = \"https://x\"\ndate = \"2025-01-01\"\napp_names = [\"A\"]\n[[entry]]\nname = \"A\"\nadvisory = \"https://x\"\ndate = \"2025-01-01\"\napp_names = [\"B\"]\n",
            "entry 2 (`A`): another entry has the same name",
        ),
        ("entries = []\n", "unknown key `entries`"),
        ("[[entry]\n", "wl.toml"),
    ];
    for (text, want) in cases {
        let e = Watchlist::parse(text, "wl.toml").expect_err(want);
        assert!(e.starts_with("wl.toml"), "{e}");
        assert!(e.contains(want), "{e} lacks {want}");
    }
}

#[test]
fn load_reads_a_file_and_names_it_in_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("watch.toml");
    std::fs::write(&path, SEED).expect("write");
    assert_eq!(Watchlist::load(&path).expect("loads").entries().len(), 2);
    std::fs::write(&path, "[[entry]]\nname = 1\n").expect("write");
    let e = Watchlist::load(&path).expect_err("bad");
    assert!(e.contains("watch.toml") && e.contains("entry 1"), "{e}");
    let e = Watchlist::load(&dir.path().join("missing.toml")).expect_err("missing");
    assert!(
        e.contains("missing.toml") && e.contains("cannot read"),
        "{e}"
    );
}

#[test]
fn an_empty_list_matches_nothing() {
    let w = Watchlist::parse("", "empty").expect("empty parses");
    assert!(w.is_empty());
    assert!(w.matches(&app(Provider::Salesforce, "Drift")).is_empty());
}

/// The host extraction as first written, with `str` searches: the byte scans must agree.
fn reference_redirect_host(uri: &str) -> Option<&str> {
    let (_, rest) = uri.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#', '\\']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => host_port.split(':').next()?,
    };
    let host = host.trim_end_matches('.');
    (!host.is_empty()).then_some(host)
}

#[test]
fn redirect_hosts_are_read_as_before() {
    let cases = [
        "https://app.drift.com/cb",
        "  https://App.Drift.COM./cb?x=1  ",
        "https://user:pw@evil.example@app.drift.com:8443/cb",
        "https://[::1]:8080/cb",
        "https://[::1/cb",
        "http://127.0.0.1",
        "https://*.drift.com/cb",
        "https://app.drift.com\\@evil.com/cb",
        "https://app.drift.com#frag://x",
        "https://app.drift.com?next=https://evil.com/",
        "com.example.app:/oauth2redirect",
        "myapp://callback",
        "://",
        "https://",
        "https://./",
        ":/",
        "",
        "x://y://z",
        "https://bücher.example/cb",
        "https://ドメイン.テスト:443/パス",
        "ht://a@b:c@d/e",
    ];
    for uri in cases {
        assert_eq!(redirect_host(uri), reference_redirect_host(uri), "{uri:?}");
    }
}

#[test]
fn lower_casing_skips_the_copy_only_when_nothing_changes() {
    assert_eq!(
        with_ascii_lower("app.drift.com", str::to_string),
        "app.drift.com"
    );
    assert_eq!(
        with_ascii_lower("App.Drift.COM", str::to_string),
        "app.drift.com"
    );
    assert_eq!(with_ascii_lower("BÜCHER.de", str::to_string), "bÜcher.de");
}
