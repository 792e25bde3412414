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
use std::hash::BuildHasherDefault;
use std::path::Path;

use super::context::normalize_vendor_name;
use super::scopes::KeyHasher;

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
    index: [KeyIndex; 6],
}

/// The normalized keys of one [`Key`] kind and the entries holding each.
///
/// Matching looks up every suffix of every redirect host, so most lookups miss: a miss is
/// mostly decided by the key's length alone, and the rest hash with the fast [`KeyHasher`]
/// (the map holds the list's own keys, so an app's values cannot degrade it).
#[derive(Debug, Clone, Default)]
struct KeyIndex {
    map: HashMap<String, Vec<usize>, BuildHasherDefault<KeyHasher>>,
    /// Bit `n` set when some key is `n` bytes long (bit 127: 127 bytes or longer).
    lens: u128,
}

impl KeyIndex {
    fn len_bit(len: usize) -> u128 {
        1 << len.min(127)
    }

    fn insert(&mut self, key: String, entry: usize) {
        self.lens |= Self::len_bit(key.len());
        let v = self.map.entry(key).or_default();
        if !v.contains(&entry) {
            v.push(entry);
        }
    }

    fn get(&self, key: &str) -> Option<&Vec<usize>> {
        if self.lens & Self::len_bit(key.len()) == 0 {
            return None;
        }
        self.map.get(key)
    }

    fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
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
            self.index[kind as usize].insert(k, i);
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
        {
            with_ascii_lower(d.trim(), |lower| {
                if let Some(domain) = clean_lower_domain(lower) {
                    for suffix in suffixes(domain) {
                        hit(Key::PublisherDomain, suffix, d, "publisher_domain");
                    }
                }
            });
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
    if !s.bytes().any(|b| b.is_ascii_uppercase()) {
        return f(s);
    }
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
    clean_lower_domain(&d.trim().to_ascii_lowercase()).map(str::to_string)
}

/// [`clean_domain`] of a value already trimmed and ASCII-lower-cased, without allocating.
fn clean_lower_domain(d: &str) -> Option<&str> {
    let d = d.trim_start_matches("*.").trim_start_matches('.');
    let d = d.trim_end_matches('.');
    let d = d.strip_prefix("www.").unwrap_or(d);
    let ok = !d.is_empty()
        && !d.contains(['/', ':', '@', '?', '#', '*'])
        && !d.chars().any(char::is_whitespace);
    ok.then_some(d)
}

/// The host of a registered redirect URI as written (without a trailing `.`), or `None` when
/// it has no authority (private-use schemes such as `com.example.app:/cb`). Works on raw
/// strings, so wildcard registrations (`https://*.drift.com/cb`) keep their host.
fn redirect_host(uri: &str) -> Option<&str> {
    // Byte scans for ASCII delimiters: every cut falls on a character boundary.
    let uri = uri.trim();
    let b = uri.as_bytes();
    let start = b.windows(3).position(|w| w == b"://")? + 3;
    let rest = &uri[start..];
    let end = rest
        .bytes()
        .position(|c| matches!(c, b'/' | b'?' | b'#' | b'\\'))
        .unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = match authority.bytes().rposition(|c| c == b'@') {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
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
mod tests;
