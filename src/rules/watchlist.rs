//! VENDOR-004's watchlist of known-compromised integrations.
//!
//! A watchlist is a TOML file of `[[entry]]` tables (the format is documented at the top of
//! `watchlist.toml`, the seed list compiled into the binary): each entry names an incident, its
//! advisory URL and date, and the keys that identify the integration: client ids, app names,
//! publisher names or domains, redirect hosts or domains, optionally limited to some providers.
//!
//! Matching ([`Watchlist::matches`]): client ids exactly; app names case-insensitively on the
//! whole name with runs of whitespace collapsed; publisher names after
//! [`normalize_vendor_name`] (`"Gainsight, Inc."` is `gainsight`); domains (publisher domain,
//! redirect host) when equal to the entry's domain or a subdomain of it, so `drift.com` matches
//! `app.drift.com` but not `notdrift.com`; redirect hosts listed as hosts only when equal.
//! Entries are indexed by key when loaded, so matching one app costs a few hash lookups however
//! long the list is.

use chrono::NaiveDate;
use connectors::Provider;
use connectors::model::OAuthApp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::context::normalize_vendor_name;

const SEED: &str = include_str!("watchlist.toml");

/// One known-compromised integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub name: String,
    /// The advisory's URL.
    pub advisory: String,
    /// Further URLs about the incident.
    pub references: Vec<String>,
    /// The advisory's date.
    pub date: NaiveDate,
    /// Providers the entry is limited to; empty means every provider.
    pub providers: Vec<Provider>,
    pub client_ids: Vec<String>,
    pub app_names: Vec<String>,
    pub publisher_names: Vec<String>,
    pub publisher_domains: Vec<String>,
    pub redirect_domains: Vec<String>,
    pub redirect_hosts: Vec<String>,
    pub note: Option<String>,
}

impl Entry {
    fn applies_to(&self, provider: Provider) -> bool {
        self.providers.is_empty() || self.providers.contains(&provider)
    }
}

/// Which property of the app matched which key of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchedOn {
    /// `client_id`, `app_name`, `publisher_name`, `publisher_domain` or `redirect_uri`.
    pub field: &'static str,
    /// The app's value (for a redirect, the whole registered URI).
    pub value: String,
    /// The entry's key it matched.
    pub key: String,
}

/// An entry that matches an app, with every reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match<'w> {
    pub entry: &'w Entry,
    pub on: Vec<MatchedOn>,
}

/// The kinds of match key; each has its own index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    ClientId = 0,
    AppName,
    PublisherName,
    PublisherDomain,
    RedirectDomain,
    RedirectHost,
}

/// Known-compromised integrations, indexed for matching.
#[derive(Debug, Clone, Default)]
pub struct Watchlist {
    entries: Vec<Entry>,
    /// Per [`Key`]: the normalized key to the entries holding it.
    index: [HashMap<String, Vec<usize>>; 6],
}

impl Watchlist {
    /// The seed entries shipped with the binary (`watchlist.toml`: Salesloft Drift, Gainsight).
    pub fn builtin() -> Self {
        // The seed is tested to parse; should it ever not, VENDOR-004 has nothing to match
        // rather than stopping the audit.
        Self::parse(SEED, "built-in watchlist.toml").unwrap_or_default()
    }

    /// Read a watchlist file. Errors name the file and, for a bad entry, its position and name.
    pub fn load(path: &Path) -> Result<Watchlist, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("watchlist {}: cannot read: {e}", path.display()))?;
        Self::parse(&text, &format!("watchlist {}", path.display()))
    }

    /// Parse watchlist TOML; `origin` names the source in error messages.
    pub fn parse(text: &str, origin: &str) -> Result<Watchlist, String> {
        let doc: toml::Table = text.parse().map_err(|e| format!("{origin}: {e}"))?;
        if let Some(other) = doc.keys().find(|k| k.as_str() != "entry") {
            return Err(format!(
                "{origin}: unknown key `{other}` (expected [[entry]] tables only)"
            ));
        }
        let tables = match doc.get("entry") {
            None => &Vec::new(),
            Some(toml::Value::Array(a)) => a,
            Some(_) => return Err(format!("{origin}: `entry` must be [[entry]] tables")),
        };
        let mut list = Watchlist::default();
        for (i, value) in tables.iter().enumerate() {
            let label = match value.get("name").and_then(toml::Value::as_str) {
                Some(name) => format!("{origin}: entry {} (`{name}`)", i + 1),
                None => format!("{origin}: entry {}", i + 1),
            };
            let raw: RawEntry = serde_path_to_error::deserialize(value.clone())
                .map_err(|e| format!("{label}: `{}`: {}", e.path(), e.inner()))?;
            let entry = raw.validate().map_err(|e| format!("{label}: {e}"))?;
            if list.entries.iter().any(|e| e.name == entry.name) {
                return Err(format!("{label}: another entry has the same name"));
            }
            list.add(entry);
        }
        Ok(list)
    }

    fn add(&mut self, entry: Entry) {
        let i = self.entries.len();
        let mut keys: Vec<(Key, String)> = Vec::new();
        keys.extend(entry.client_ids.iter().map(|c| (Key::ClientId, c.clone())));
        keys.extend(entry.app_names.iter().map(|n| (Key::AppName, fold_name(n))));
        keys.extend(
            entry
                .publisher_names
                .iter()
                .map(|n| (Key::PublisherName, normalize_vendor_name(n))),
        );
        keys.extend(
            entry
                .publisher_domains
                .iter()
                .map(|d| (Key::PublisherDomain, d.clone())),
        );
        keys.extend(
            entry
                .redirect_domains
                .iter()
                .map(|d| (Key::RedirectDomain, d.clone())),
        );
        keys.extend(
            entry
                .redirect_hosts
                .iter()
                .map(|h| (Key::RedirectHost, h.clone())),
        );
        for (kind, k) in keys {
            let v = self.index[kind as usize].entry(k).or_default();
            if !v.contains(&i) {
                v.push(i);
            }
        }
        self.entries.push(entry);
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries `app` matches, in list order, each with what matched.
    pub fn matches(&self, app: &OAuthApp) -> Vec<Match<'_>> {
        if self.entries.is_empty() {
            return Vec::new();
        }
        let mut hits: BTreeMap<usize, Vec<MatchedOn>> = BTreeMap::new();
        let mut hit = |key: Key, lookup: &str, value: &str, field: &'static str| {
            if let Some(ids) = self.index[key as usize].get(lookup) {
                for &i in ids {
                    hits.entry(i).or_default().push(MatchedOn {
                        field,
                        value: value.to_string(),
                        key: lookup.to_string(),
                    });
                }
            }
        };
        let has = |key: Key| !self.index[key as usize].is_empty();
        if has(Key::ClientId)
            && let Some(id) = app
                .client_id
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
        {
            hit(Key::ClientId, id, id, "client_id");
        }
        if has(Key::AppName) {
            with_folded_name(&app.name, |name| {
                if !name.is_empty() {
                    hit(Key::AppName, name, &app.name, "app_name");
                }
            });
        }
        if has(Key::PublisherName)
            && let Some(p) = app.publisher.name.as_deref()
        {
            let n = normalize_vendor_name(p);
            if !n.is_empty() {
                hit(Key::PublisherName, &n, p, "publisher_name");
            }
        }
        if has(Key::PublisherDomain)
            && let Some(d) = app.publisher.domain.as_deref()
            && let Some(domain) = clean_domain(d)
        {
            for suffix in suffixes(&domain) {
                hit(Key::PublisherDomain, suffix, d, "publisher_domain");
            }
        }
        if has(Key::RedirectHost) || has(Key::RedirectDomain) {
            for r in &app.redirect_uris {
                let Some(host) = redirect_host(&r.uri) else {
                    continue;
                };
                with_ascii_lower(host, |host| {
                    hit(Key::RedirectHost, host, &r.uri, "redirect_uri");
                    for suffix in suffixes(host) {
                        hit(Key::RedirectDomain, suffix, &r.uri, "redirect_uri");
                    }
                });
            }
        }
        hits.into_iter()
            .filter_map(|(i, on)| {
                let entry = self.entries.get(i)?;
                entry
                    .applies_to(app.provider)
                    .then_some(Match { entry, on })
            })
            .collect()
    }
}

/// `"  Drift   Email "` and `"drift email"` both become `drift email`.
fn fold_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// Run `f` on [`fold_name`] of `s`, without allocating for short ASCII names.
fn with_folded_name<R>(s: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; STACK];
    if s.is_ascii() && s.len() <= STACK {
        let mut n = 0;
        for word in s.split_ascii_whitespace() {
            if n > 0 {
                buf[n] = b' ';
                n += 1;
            }
            for b in word.bytes() {
                buf[n] = b.to_ascii_lowercase();
                n += 1;
            }
        }
        if let Ok(folded) = std::str::from_utf8(&buf[..n]) {
            return f(folded);
        }
    }
    f(&fold_name(s))
}

/// Run `f` on the ASCII-lower-cased `s`, without allocating for short strings.
fn with_ascii_lower<R>(s: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; STACK];
    if let Some(out) = buf.get_mut(..s.len()) {
        out.copy_from_slice(s.as_bytes());
        out.make_ascii_lowercase();
        if let Ok(lower) = std::str::from_utf8(out) {
            return f(lower);
        }
    }
    f(&s.to_ascii_lowercase())
}

const STACK: usize = 256;

/// `a.b.example.com`, `b.example.com`, `example.com`, `com`.
fn suffixes(host: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(host), |h| h.split_once('.').map(|(_, rest)| rest))
        .filter(|s| !s.is_empty())
}

/// A domain as written in a list or a publisher record: lower-case, without a leading `*.` or
/// `.`, a trailing `.`, or a `www.`; `None` when it is not a bare domain name.
fn clean_domain(d: &str) -> Option<String> {
    let d = d.trim().to_ascii_lowercase();
    let d = d.trim_start_matches("*.").trim_start_matches('.');
    let d = d.trim_end_matches('.');
    let d = d.strip_prefix("www.").unwrap_or(d);
    let ok = !d.is_empty()
        && !d.contains(['/', ':', '@', '?', '#', '*'])
        && !d.chars().any(char::is_whitespace);
    ok.then(|| d.to_string())
}

/// The host of a registered redirect URI as written (without a trailing `.`), or `None` when
/// it has no authority (private-use schemes such as `com.example.app:/cb`). Works on raw
/// strings, so wildcard registrations (`https://*.drift.com/cb`) keep their host.
fn redirect_host(uri: &str) -> Option<&str> {
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

/// An `[[entry]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    name: String,
    advisory: String,
    #[serde(default)]
    references: Vec<String>,
    date: String,
    #[serde(default)]
    providers: Vec<String>,
    #[serde(default)]
    client_ids: Vec<String>,
    #[serde(default)]
    app_names: Vec<String>,
    #[serde(default)]
    publisher_names: Vec<String>,
    #[serde(default)]
    publisher_domains: Vec<String>,
    #[serde(default)]
    redirect_domains: Vec<String>,
    #[serde(default)]
    redirect_hosts: Vec<String>,
    #[serde(default)]
    note: Option<String>,
}

impl RawEntry {
    fn validate(self) -> Result<Entry, String> {
        let name = self.name.trim().to_string();
        if name.is_empty() {
            return Err("`name` is empty".into());
        }
        let is_url = |u: &str| u.starts_with("https://") || u.starts_with("http://");
        let advisory = self.advisory.trim().to_string();
        if !is_url(&advisory) {
            return Err(format!(
                "`advisory` must be an http(s) URL, not `{advisory}`"
            ));
        }
        if let Some(bad) = self.references.iter().find(|u| !is_url(u.trim())) {
            return Err(format!("`references` must hold http(s) URLs, not `{bad}`"));
        }
        let date = NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d")
            .map_err(|_| format!("`date` must be YYYY-MM-DD, not `{}`", self.date))?;
        let providers = self
            .providers
            .iter()
            .map(|p| {
                p.trim()
                    .parse::<Provider>()
                    .map_err(|e| format!("`providers`: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let strings = |field: &str, v: Vec<String>| -> Result<Vec<String>, String> {
            v.into_iter()
                .map(|s| {
                    let s = s.trim().to_string();
                    if s.is_empty() {
                        Err(format!("`{field}` holds an empty string"))
                    } else {
                        Ok(s)
                    }
                })
                .collect()
        };
        let domains = |field: &str, v: Vec<String>| -> Result<Vec<String>, String> {
            v.into_iter()
                .map(|d| {
                    clean_domain(&d).ok_or_else(|| {
                        format!("`{field}`: `{d}` is not a domain name (no scheme, path or port)")
                    })
                })
                .collect()
        };
        let entry = Entry {
            name,
            advisory,
            references: self
                .references
                .iter()
                .map(|s| s.trim().to_string())
                .collect(),
            date,
            providers,
            client_ids: strings("client_ids", self.client_ids)?,
            app_names: strings("app_names", self.app_names)?,
            publisher_names: strings("publisher_names", self.publisher_names)?,
            publisher_domains: domains("publisher_domains", self.publisher_domains)?,
            redirect_domains: domains("redirect_domains", self.redirect_domains)?,
            redirect_hosts: domains("redirect_hosts", self.redirect_hosts)?,
            note: self
                .note
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty()),
        };
        let keys = entry.client_ids.len()
            + entry.app_names.len()
            + entry.publisher_names.len()
            + entry.publisher_domains.len()
            + entry.redirect_domains.len()
            + entry.redirect_hosts.len();
        if keys == 0 {
            return Err("no match key: give at least one of client_ids, app_names, publisher_names, publisher_domains, redirect_domains, redirect_hosts".into());
        }
        if entry
            .publisher_names
            .iter()
            .any(|n| normalize_vendor_name(n).is_empty())
        {
            return Err("`publisher_names` holds a name with no letters or digits".into());
        }
        Ok(entry)
    }
}

#[cfg(test)]
mod tests {
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
}
