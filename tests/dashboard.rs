//! The dashboard over HTTP: the real binary in `serve --demo` (the simulator's demo estate),
//! and the real web app over a seeded database on every backend. Pages are fetched as a
//! browser would and their content asserted: hostile names escaped, filters narrowing,
//! pagination covering every row once, security headers, HTML error pages.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use connectors::simulator::demo::{HTML_PAYLOAD_NAME, SALES_CHAT};
use oauth_audit::clock::SystemClock;
use oauth_audit::collector::{self, Trigger};
use oauth_audit::config::Config;
use oauth_audit::web::AppState;
use support::server::Serve;
use support::{Backend, TestDb, backends};

/// A fetched page.
struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Page {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// App ids linked from the rows of an app list.
    fn app_ids(&self) -> Vec<i64> {
        let re = regex::Regex::new(r#"<th scope="row"><a href="/apps/(\d+)">"#).unwrap();
        re.captures_iter(&self.body)
            .map(|c| c[1].parse().unwrap())
            .collect()
    }

    fn link(&self, rel: &str) -> Option<String> {
        let re = regex::Regex::new(&format!(r#"<a href="([^"]+)" rel="{rel}">"#)).unwrap();
        re.captures(&self.body)
            .map(|c| c[1].replace("&#38;", "&").replace("&amp;", "&"))
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn fetch(base: &str, path: &str) -> Page {
    let resp = client().get(format!("{base}{path}")).send().await.unwrap();
    Page {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.text().await.unwrap(),
    }
}

async fn ok(base: &str, path: &str) -> Page {
    let p = fetch(base, path).await;
    assert_eq!(p.status, 200, "{path}: {}", p.body);
    assert_eq!(
        p.header("content-type"),
        "text/html; charset=utf-8",
        "{path}"
    );
    p
}

/// The payload must never appear as markup, only escaped.
fn assert_no_raw_payload(path: &str, body: &str) {
    assert!(!body.contains(HTML_PAYLOAD_NAME), "{path}: raw payload");
    assert!(!body.contains("<script"), "{path}: a script element");
    assert!(!body.contains("<img src=x"), "{path}: an injected img");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_pages_show_the_estate_with_hostile_names_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let server = tokio::task::spawn_blocking(move || Serve::demo(&d))
        .await
        .unwrap();
    let base = server.base.clone();

    // Every page: HTML, security headers, the demo banner, no raw payload.
    for path in [
        "/",
        "/apps",
        "/findings",
        "/tenants",
        "/scans",
        "/apps?q=onerror",
    ] {
        let p = ok(&base, path).await;
        let csp = p.header("content-security-policy");
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(p.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(p.header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(p.header("cache-control"), "no-store", "{path}");
        assert!(p.body.contains("Demo mode"), "{path}");
        assert!(!p.body.contains(" style="), "{path}: an inline style");
        assert_no_raw_payload(path, &p.body);
    }

    // The overview: 8 demo tenants, charts with accessible names and table fallbacks.
    let home = ok(&base, "/").await;
    assert!(
        home.body
            .contains(r#"<div class="n">8</div><div class="l"><a href="/tenants">Tenants</a>"#),
        "{}",
        home.body
    );
    assert!(
        home.body
            .matches(r#"<svg class="chart" role="img" aria-label=""#)
            .count()
            >= 6
    );
    assert!(
        home.body
            .contains("<caption>Open findings by severity</caption>")
    );
    assert!(home.body.contains("Next scheduled scan:"));

    // The payload app is listed by name, escaped; its detail page shows it as text.
    let hostile = ok(&base, "/apps?q=onerror").await;
    let escaped = "&#60;img src=x onerror=alert(1)&#62;&#60;script&#62;alert(1)&#60;/script&#62;";
    assert!(hostile.body.contains(escaped), "{}", hostile.body);
    let ids = hostile.app_ids();
    assert_eq!(ids.len(), 8, "one payload app per demo tenant");
    let detail = ok(&base, &format!("/apps/{}", ids[0])).await;
    assert!(detail.body.contains(escaped));
    assert_no_raw_payload("payload app", &detail.body);

    // Filters narrow: the sales-chat vendor is in three tenants, one of them Slack.
    let chat = ok(&base, "/apps?q=chatloft").await;
    assert_eq!(chat.app_ids().len(), 3, "{}", chat.body);
    assert!(chat.body.matches(SALES_CHAT).count() >= 3);
    let slack = ok(&base, "/apps?q=chatloft&provider=slack").await;
    assert_eq!(slack.app_ids().len(), 1);
    let none = ok(&base, "/apps?q=chatloft&provider=entra").await;
    assert!(none.app_ids().is_empty());
    assert!(none.body.contains("No apps match these filters."));

    // The app detail page of the Slack copy: grants, findings with remediation, the score.
    let app = ok(&base, &format!("/apps/{}", slack.app_ids()[0])).await;
    for part in [
        "Redirect URIs",
        "Token policy",
        "Grants (",
        "Remediation",
        "References",
        "Version 1",
        "What each finding added",
    ] {
        assert!(app.body.contains(part), "{part}: {}", app.body);
    }

    // The vendor's blast radius covers Google, Salesforce and Slack with a checklist each.
    let vendor = ok(&base, "/vendors/chatloft-demo.example").await;
    assert!(
        vendor
            .body
            .contains("Providers: google, salesforce, slack."),
        "{}",
        vendor.body
    );
    for step in [
        "Manage third-party app access",
        "Connected Apps OAuth Usage",
        "admin.apps.uninstall",
    ] {
        assert!(vendor.body.contains(step), "{step}");
    }
    assert_eq!(fetch(&base, "/vendors/nobody.example").await.status, 404);

    // Pagination: 50 apps a page, every app exactly once, the last page without a next link.
    let mut seen = BTreeSet::new();
    let mut path = "/apps?sort=name".to_string();
    let mut pages = 0;
    loop {
        let p = ok(&base, &path).await;
        let ids = p.app_ids();
        assert!(ids.len() <= 50);
        for id in &ids {
            assert!(seen.insert(*id), "app {id} on two pages");
        }
        pages += 1;
        match p.link("next") {
            Some(next) => {
                assert_eq!(ids.len(), 50);
                path = next;
            }
            None => break,
        }
    }
    assert!(pages >= 3, "{pages} pages");
    let total: usize = home
        .body
        .split(r#"<div class="l"><a href="/apps">Apps</a>"#)
        .next()
        .and_then(|s| s.rsplit(r#"<div class="n">"#).next())
        .and_then(|s| s.split('<').next())
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(seen.len(), total, "the overview's app count");

    // Findings: a minimum severity shows nothing below it.
    let crit = ok(&base, "/findings?severity=high&status=open").await;
    assert!(crit.body.contains("sev-high") || crit.body.contains("sev-critical"));
    for low in ["sev-medium", "sev-low", "sev-info"] {
        assert!(!crit.body.contains(low), "{low} in a high-or-worse list");
    }

    // Tenants and scans.
    let tenants = ok(&base, "/tenants").await;
    assert_eq!(
        tenants
            .body
            .matches(r#"<span class="health health-ok">"#)
            .count(),
        8
    );
    let scans = ok(&base, "/scans").await;
    assert!(scans.body.contains("Scan 1"));
    assert!(scans.body.contains(r#"name="csrf_token""#));

    // Errors are HTML pages.
    for (path, status) in [
        ("/apps/999999", 404),
        ("/apps/abc", 404),
        ("/apps?page=0", 400),
        ("/apps?sort=evil", 400),
        ("/nowhere", 404),
    ] {
        let p = fetch(&base, path).await;
        assert_eq!(p.status, status, "{path}");
        assert!(p.header("content-type").starts_with("text/html"), "{path}");
        assert!(p.body.contains("<h1>"), "{path}");
        assert!(
            p.header("content-security-policy")
                .contains("default-src 'none'")
        );
    }

    // Run scan now (the demo viewer is an admin) starts a scan and comes back to /scans.
    let resp = client()
        .post(format!("{base}/scans"))
        .form(&[("csrf_token", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    let to = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        to == "/scans?notice=started" || to == "/scans?notice=running",
        "{to}"
    );
    let after = ok(&base, &to).await;
    assert!(after.body.contains("Scan 2"), "a second scan is listed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_demo_every_page_and_the_scan_form_need_a_login() {
    let db = TestDb::new(Backend::Sqlite);
    let dir = tempfile::tempdir().unwrap();
    support::write_config(dir.path(), &db.url, &[]);
    let server = Serve::spawn(
        dir.path(),
        &["--config", "oauth-audit.toml", "--bind", "127.0.0.1:0"],
        &[],
    );
    for path in [
        "/",
        "/apps",
        "/apps/1",
        "/findings",
        "/tenants",
        "/scans",
        "/vendors/x",
    ] {
        let p = fetch(&server.base, path).await;
        assert_eq!(p.status, 303, "{path}");
        assert!(p.header("location").starts_with("/login?next="), "{path}");
    }
    let resp = client()
        .post(format!("{}/scans", server.base))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    assert!(
        db.store().recent_scans(5).unwrap().is_empty(),
        "no scan was started"
    );
}

/// The web app (demo viewer) over a database seeded by a real scan of an Entra export with
/// `extra` generated apps.
async fn seeded(
    backend: Backend,
    extra: usize,
) -> (String, oauth_audit::store::Store, TestDb, tempfile::TempDir) {
    let db = TestDb::new(backend);
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("contoso");
    support::api::entra_export(&export, extra, "Generated");
    let other = dir.path().join("fabrikam");
    support::api::entra_export(&other, 3, "Fabrikam app");
    let file = support::write_config(
        dir.path(),
        &db.url,
        &[("contoso", "entra", &export), ("fabrikam", "entra", &other)],
    );
    let config = Config::load_with_env(Some(&file), std::iter::empty()).unwrap();
    let _ = oauth_audit::digest_key::install(&dir.path().join("digest.key"));
    let store = db.store();
    collector::run_scan(
        &store,
        &config,
        Arc::new(SystemClock),
        Trigger::Cli,
        config.tenants.clone(),
    )
    .await
    .unwrap();
    let state = AppState {
        store: store.clone(),
        clock: Arc::new(SystemClock),
        demo: true,
        config: Arc::new(config),
        scan_gate: Default::default(),
        scheduler: Default::default(),
    };
    let (server, addr) = oauth_audit::web::start(state, "127.0.0.1:0".parse().unwrap()).unwrap();
    tokio::spawn(server);
    (format!("http://{addr}"), store, db, dir)
}

/// Every app id of a list, following next links from `path`.
async fn all_app_ids(base: &str, path: &str) -> Vec<i64> {
    let mut out = Vec::new();
    let mut path = path.to_string();
    loop {
        let p = ok(base, &path).await;
        out.extend(p.app_ids());
        match p.link("next") {
            Some(n) => path = n,
            None => return out,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_list_filters_sorts_and_pages_on_every_backend() {
    let re = regex::Regex::new(r#"<span class="score band-[a-z]+">(\d+)</span>"#).unwrap();
    for backend in backends() {
        let (base, store, _db, _dir) = seeded(backend, 120).await;
        let current: BTreeSet<i64> = store
            .list_apps(&Default::default(), 0, 1000)
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect();
        assert!(current.len() > 120, "[{backend:?}]");
        for sort in ["risk", "name", "last_used", "first_seen"] {
            let ids = all_app_ids(&base, &format!("/apps?sort={sort}")).await;
            let unique: BTreeSet<i64> = ids.iter().copied().collect();
            assert_eq!(
                unique.len(),
                ids.len(),
                "[{backend:?}] {sort}: an app on two pages"
            );
            assert_eq!(
                unique, current,
                "[{backend:?}] {sort}: every current app once"
            );
        }
        // Risk order: scores never increase down the list.
        let page = ok(&base, "/apps?sort=risk").await;
        let scores: Vec<i64> = re
            .captures_iter(&page.body)
            .map(|c| c[1].parse().unwrap())
            .collect();
        assert!(
            !scores.is_empty() && scores.windows(2).all(|w| w[0] >= w[1]),
            "[{backend:?}] {scores:?}"
        );

        // Tenant and search filters narrow to exactly the matching apps.
        let fabrikam = all_app_ids(&base, "/apps?tenant=fabrikam").await;
        let expected: BTreeSet<i64> = store
            .list_apps(
                &oauth_audit::store::queries::apps::AppFilter {
                    tenant: Some("fabrikam".into()),
                    ..Default::default()
                },
                0,
                1000,
            )
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(
            fabrikam.iter().copied().collect::<BTreeSet<_>>(),
            expected,
            "[{backend:?}]"
        );
        let searched = all_app_ids(&base, "/apps?q=generated%2011").await;
        // "Generated 11", "Generated 110" … "Generated 119": case-insensitive substring.
        assert_eq!(searched.len(), 11, "[{backend:?}]");
        let wildcard = all_app_ids(&base, "/apps?q=%25").await;
        assert!(
            wildcard.is_empty(),
            "[{backend:?}] a % is literal, not a wildcard"
        );

        // A severity filter keeps only apps with an open finding that bad.
        let high = all_app_ids(&base, "/apps?severity=high").await;
        for id in high.iter().take(5) {
            let findings = store
                .list_findings(
                    &oauth_audit::store::queries::findings::FindingFilter {
                        app_id: Some(*id),
                        status: Some("open".into()),
                        min_severity_rank: Some(3),
                        ..Default::default()
                    },
                    oauth_audit::store::queries::After::Start,
                    10,
                )
                .unwrap();
            assert!(!findings.is_empty(), "[{backend:?}] app {id}");
        }
        assert!(
            high.len() < current.len(),
            "[{backend:?}] the filter narrows"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_pages_cover_every_finding_once_on_every_backend() {
    for backend in backends() {
        let (base, store, _db, _dir) = seeded(backend, 60).await;
        let all = store
            .list_findings(
                &Default::default(),
                oauth_audit::store::queries::After::Start,
                1000,
            )
            .unwrap();
        assert!(all.len() > 50, "[{backend:?}] more than one page");
        let mut count = 0;
        let mut path = "/findings".to_string();
        loop {
            let p = ok(&base, &path).await;
            count += p.body.matches(r#"<td><span class="status status-"#).count();
            match p.link("next") {
                Some(n) => path = n,
                None => break,
            }
        }
        assert_eq!(count, all.len(), "[{backend:?}]");
        let fab = ok(&base, "/findings?tenant=fabrikam").await;
        assert!(
            fab.body.contains(r#"<td>fabrikam<div class="muted">"#),
            "[{backend:?}]"
        );
        assert!(
            !fab.body.contains(r#"<td>contoso<div class="muted">"#),
            "[{backend:?}] another tenant's finding"
        );
        let overview = ok(&base, "/").await;
        assert!(
            overview
                .body
                .contains(r#"<div class="n">2</div><div class="l"><a href="/tenants">Tenants</a>"#),
            "[{backend:?}]"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_is_reused_until_a_scan_changes_the_data() {
    for backend in backends() {
        let (base, store, db, dir) = seeded(backend, 5).await;
        let tenants_card = |n: usize| {
            format!(r#"<div class="n">{n}</div><div class="l"><a href="/tenants">Tenants</a>"#)
        };
        for _ in 0..2 {
            let home = ok(&base, "/").await;
            assert!(home.body.contains(&tenants_card(2)), "[{backend:?}]");
        }
        // A scan with a third tenant: the next overview counts it.
        let third = dir.path().join("northwind");
        support::api::entra_export(&third, 1, "Northwind app");
        let contoso = dir.path().join("contoso");
        let fabrikam = dir.path().join("fabrikam");
        let file = support::write_config(
            dir.path(),
            &db.url,
            &[
                ("contoso", "entra", &contoso),
                ("fabrikam", "entra", &fabrikam),
                ("northwind", "entra", &third),
            ],
        );
        let config = Config::load_with_env(Some(&file), std::iter::empty()).unwrap();
        collector::run_scan(
            &store,
            &config,
            Arc::new(SystemClock),
            Trigger::Cli,
            config.tenants.clone(),
        )
        .await
        .unwrap();
        let home = ok(&base, "/").await;
        assert!(
            home.body.contains(&tenants_card(3)),
            "[{backend:?}] {}",
            home.body
        );
    }
}
