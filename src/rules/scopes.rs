//! Permission privilege tiers per provider (RULES §3.6 and §8.4): T0 tenant control, T1 broad
//! sensitive data, T2 limited data, T3 sign-in and profile.
//!
//! The table is the data file `scope_tiers.tsv`, compiled into the binary and parsed once. Each
//! row names a provider, a permission (or a prefix pattern ending in `*`), its tier, flags
//! (`offline`: the scope yields refresh tokens; `catch_all`: a coarse "everything" scope for
//! SCOPE-006) and the source the row rests on. The file's header documents the format.
//!
//! Matching, per provider (the same normalization applies to the table's rows and to lookups):
//! - every provider: ASCII case-insensitive, surrounding whitespace ignored. Graph permission
//!   names are case-insensitive by definition; the other providers' scope names are lower-case
//!   (or, for Okta, fixed camel case), so folding never merges two distinct scopes.
//! - Entra: a resource URI in front of the permission is dropped
//!   (`https://graph.microsoft.com/Mail.Read` is `Mail.Read`, `api://x/.default` is `.default`).
//! - Google: `https://www.googleapis.com/auth/` is dropped, so the full URL and the short form
//!   (`gmail.readonly`) are one row; other URLs (`https://mail.google.com/`) stay whole.
//! - Salesforce: `_` is ignored, so the OAuth wire names (`refresh_token`) and the Metadata API
//!   enum names (`RefreshToken`) are one row.
//! - An exact row wins over a prefix row; among prefix rows the longest prefix wins.
//!
//! Offline access: `offline_access` (Entra, Okta, Auth0, Keycloak, Salesforce) and Salesforce
//! `refresh_token` are offline scopes. Google has no offline scope: a refresh token is issued
//! when the authorization request says `access_type=offline`, which the grant does not record,
//! so for Google the token policy (`refresh_tokens_issued`) is the only signal.
//!
//! Lookups allocate nothing for scopes up to 128 bytes: the normalized key is built in a stack
//! buffer and looked up in a per-provider hash map with a word-at-a-time hash (only the table's
//! own keys are ever inserted, so hostile lookup strings cannot degrade it).

use connectors::Provider;
use serde::Serialize;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

/// A privilege tier; `T0` is the highest, so `Ord` sorts the most powerful first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Tier {
    T0,
    T1,
    T2,
    T3,
}

impl Tier {
    /// `T0` … `T3`, as [`Tier::as_str`] writes them.
    pub fn parse(s: &str) -> Option<Tier> {
        match s {
            "T0" => Some(Tier::T0),
            "T1" => Some(Tier::T1),
            "T2" => Some(Tier::T2),
            "T3" => Some(Tier::T3),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::T0 => "T0",
            Tier::T1 => "T1",
            Tier::T2 => "T2",
            Tier::T3 => "T3",
        }
    }
}

/// The table's version (the `@version` line of `scope_tiers.tsv`), shown with the catalog.
pub const TABLE_VERSION: &str = "2026-11-25";

const TABLE_TEXT: &str = include_str!("scope_tiers.tsv");

/// One row of the tier table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub provider: Provider,
    /// The permission as written in the table; a prefix pattern ends in `*`.
    pub scope: &'static str,
    /// `None` for rows that only carry flags (Entra `.default`).
    pub tier: Option<Tier>,
    /// The scope yields refresh tokens.
    pub offline: bool,
    /// A coarse "everything" scope (SCOPE-006).
    pub catch_all: bool,
    /// The source's key in the table.
    pub source_key: &'static str,
    /// The source itself: a URL or a document.
    pub source: &'static str,
    /// Line in `scope_tiers.tsv`.
    pub line: usize,
}

impl Row {
    pub fn is_prefix(&self) -> bool {
        self.scope.ends_with('*')
    }
}

/// Every row of the tier table, in file order (for `oauth-audit rules` and the docs).
pub fn rows() -> &'static [Row] {
    &TABLE.rows
}

/// The row that decides `scope` on `provider`: the exact row, else the longest prefix row.
pub fn lookup(provider: Provider, scope: &str) -> Option<&'static Row> {
    let table: &'static Table = &TABLE;
    let index = &table.index[provider_index(provider)];
    with_key(provider, scope, |key| {
        if let Some(&i) = index.exact.get(key) {
            return Some(i);
        }
        index
            .prefix_lens
            .iter()
            .filter(|&&len| len <= key.len())
            .find_map(|&len| index.prefixes.get(&key[..len]).copied())
    })
    .and_then(|i| table.rows.get(i as usize))
}

/// The tier of `scope` on `provider`, or `None` when the table does not know it.
pub fn tier(provider: Provider, scope: &str) -> Option<Tier> {
    lookup(provider, scope).and_then(|r| r.tier)
}

/// Whether `scope` grants offline (refresh-token) access on `provider`.
pub fn is_offline_scope(provider: Provider, scope: &str) -> bool {
    flagged(provider, scope, |ix| &ix.offline_first, |r| r.offline)
}

/// Whether `scope` is a catch-all scope on `provider` (SCOPE-006): Salesforce `full`, Google
/// `cloud-platform`, Slack's legacy umbrella scopes (`client`, `read`, `post`, `admin`),
/// Keycloak `realm-admin` and the master realm's `admin`, Entra `.default` (which SCOPE-006
/// reports only when it resolves to more than 10 permissions).
pub fn is_catch_all(provider: Provider, scope: &str) -> bool {
    flagged(provider, scope, |ix| &ix.catch_all_first, |r| r.catch_all)
}

/// Whether `scope` is Entra's `.default` (any resource).
pub fn is_entra_default(provider: Provider, scope: &str) -> bool {
    provider == Provider::Entra
        && strip_resource(provider, scope.trim()).eq_ignore_ascii_case(".default")
}

/// A flag lookup: most scopes are rejected by the first byte of their key alone (few rows carry
/// flags), without normalizing or hashing.
fn flagged(
    provider: Provider,
    scope: &str,
    first: impl Fn(&ProviderIndex) -> &FirstBytes,
    flag: impl Fn(&Row) -> bool,
) -> bool {
    let index = &TABLE.index[provider_index(provider)];
    match first_key_byte(provider, scope) {
        Some(b) if first(index).contains(b) => lookup(provider, scope).is_some_and(flag),
        _ => false,
    }
}

/// The first byte of `scope`'s normalized key.
fn first_key_byte(provider: Provider, scope: &str) -> Option<u8> {
    let s = strip_resource(provider, scope.trim()).as_bytes();
    let skip_underscore = provider == Provider::Salesforce;
    s.iter()
        .find(|&&b| !(skip_underscore && b == b'_'))
        .map(u8::to_ascii_lowercase)
}

/// A set of bytes.
#[derive(Default)]
struct FirstBytes([u64; 4]);

impl FirstBytes {
    fn insert(&mut self, b: u8) {
        self.0[usize::from(b >> 6)] |= 1 << (b & 63);
    }

    fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }
}

// ---- lookup ------------------------------------------------------------------------------

/// An Fx-style word-at-a-time hash: fast for short keys. Use it only for keys an attacker
/// cannot choose freely: the table's own keys (lookups of hostile strings cannot degrade the
/// map) and SHA-256/HMAC hex digests (the estate); keep SipHash for raw provider strings.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl KeyHasher {
    const K: u64 = 0x517c_c1b7_2722_0a95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

type KeyMap<V> = HashMap<Box<[u8]>, V, BuildHasherDefault<KeyHasher>>;

#[derive(Default)]
struct ProviderIndex {
    exact: KeyMap<u32>,
    prefixes: KeyMap<u32>,
    /// Distinct prefix lengths, longest first.
    prefix_lens: Vec<usize>,
    /// First key bytes of the rows flagged `offline` and `catch_all`.
    offline_first: FirstBytes,
    catch_all_first: FirstBytes,
}

struct Table {
    rows: Vec<Row>,
    index: [ProviderIndex; 9],
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    // Bad rows are skipped here; the tests assert the shipped file has none.
    let (rows, _problems) = parse(TABLE_TEXT);
    let mut index: [ProviderIndex; 9] = Default::default();
    for (i, row) in rows.iter().enumerate() {
        let Ok(i) = u32::try_from(i) else { break };
        let ix = &mut index[provider_index(row.provider)];
        let pattern = row.scope.strip_suffix('*');
        let key: Box<[u8]> = with_key(row.provider, pattern.unwrap_or(row.scope), |k| k.into());
        if let Some(&b) = key.first() {
            if row.offline {
                ix.offline_first.insert(b);
            }
            if row.catch_all {
                ix.catch_all_first.insert(b);
            }
        }
        if pattern.is_some() {
            if !ix.prefix_lens.contains(&key.len()) {
                ix.prefix_lens.push(key.len());
            }
            ix.prefixes.entry(key).or_insert(i);
        } else {
            ix.exact.entry(key).or_insert(i);
        }
    }
    for ix in &mut index {
        ix.prefix_lens.sort_unstable_by(|a, b| b.cmp(a));
    }
    Table { rows, index }
});

fn provider_index(p: Provider) -> usize {
    match p {
        Provider::Entra => 0,
        Provider::Okta => 1,
        Provider::Google => 2,
        Provider::Github => 3,
        Provider::Salesforce => 4,
        Provider::Slack => 5,
        Provider::Auth0 => 6,
        Provider::Keycloak => 7,
        Provider::Rfc7591 => 8,
    }
}

const GOOGLE_AUTH_PREFIX: &str = "https://www.googleapis.com/auth/";
const STACK_KEY: usize = 128;

/// Run `f` on the normalized lookup key of `scope` (see the module docs), built without
/// allocating for scopes up to [`STACK_KEY`] bytes.
fn with_key<R>(provider: Provider, scope: &str, f: impl FnOnce(&[u8]) -> R) -> R {
    let s = strip_resource(provider, scope.trim()).as_bytes();
    let skip_underscore = provider == Provider::Salesforce;
    let keep = |b: &&u8| !(skip_underscore && **b == b'_');
    if s.len() <= STACK_KEY {
        let mut buf = [0u8; STACK_KEY];
        let mut n = 0;
        for &b in s.iter().filter(keep) {
            buf[n] = b.to_ascii_lowercase();
            n += 1;
        }
        f(&buf[..n])
    } else {
        let v: Vec<u8> = s.iter().filter(keep).map(u8::to_ascii_lowercase).collect();
        f(&v)
    }
}

/// Drop the part of a scope string that names its resource rather than the permission.
fn strip_resource(provider: Provider, s: &str) -> &str {
    match provider {
        Provider::Google => strip_prefix_ignore_case(s, GOOGLE_AUTH_PREFIX).unwrap_or(s),
        Provider::Entra => {
            // Most permissions are bare names: look for the last `/` only in a URI.
            let is_uri = ["https://", "http://", "api://"]
                .iter()
                .any(|p| strip_prefix_ignore_case(s, p).is_some());
            match is_uri.then(|| s.rfind('/')).flatten() {
                Some(i) => &s[i + 1..],
                None => s,
            }
        }
        _ => s,
    }
}

fn strip_prefix_ignore_case<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

// ---- parsing -----------------------------------------------------------------------------

/// Parse the table: the rows that are well formed, and a message for every line that is not.
fn parse(text: &'static str) -> (Vec<Row>, Vec<String>) {
    let mut sources: HashMap<&'static str, &'static str> = HashMap::new();
    let mut pending: Vec<(usize, [&'static str; 5])> = Vec::new();
    let mut problems = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let fields: Vec<&'static str> = raw
            .split('\t')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .collect();
        match fields.first().copied() {
            Some("@version") => {
                if fields.len() != 2 {
                    problems.push(format!("line {line}: `@version` takes one value"));
                }
            }
            Some("@source") => match fields.as_slice() {
                [_, key, what] => {
                    if sources.insert(key, what).is_some() {
                        problems.push(format!("line {line}: source `{key}` declared twice"));
                    }
                }
                _ => problems.push(format!(
                    "line {line}: `@source` takes a key and a description, tab-separated"
                )),
            },
            _ => match <[&'static str; 5]>::try_from(fields.as_slice()) {
                Ok(cols) => pending.push((line, cols)),
                Err(_) => problems.push(format!(
                    "line {line}: expected 5 tab-separated columns (provider, scope, tier, flags, source), found {}",
                    fields.len()
                )),
            },
        }
    }

    let mut rows = Vec::with_capacity(pending.len());
    let mut seen: HashMap<(Provider, bool, Vec<u8>), usize> = HashMap::new();
    for (line, [provider, scope, tier, flags, source_key]) in pending {
        match parse_row(provider, scope, tier, flags, source_key, &sources) {
            Ok(row) => {
                let pattern = scope.strip_suffix('*');
                let key = with_key(row.provider, pattern.unwrap_or(scope), |k| k.to_vec());
                if let Some(first) = seen.insert((row.provider, pattern.is_some(), key), line) {
                    problems.push(format!(
                        "line {line}: `{scope}` repeats the {provider} row of line {first}"
                    ));
                    continue;
                }
                rows.push(Row { line, ..row });
            }
            Err(e) => problems.push(format!("line {line}: {e}")),
        }
    }
    (rows, problems)
}

fn parse_row(
    provider: &'static str,
    scope: &'static str,
    tier: &'static str,
    flags: &'static str,
    source_key: &'static str,
    sources: &HashMap<&'static str, &'static str>,
) -> Result<Row, String> {
    let provider: Provider = provider.parse().map_err(|e| format!("{e}"))?;
    let body = scope.strip_suffix('*').unwrap_or(scope);
    if body.contains('*') {
        return Err(format!(
            "`{scope}`: `*` is allowed only at the end of a prefix pattern"
        ));
    }
    if with_key(provider, body, |k| k.is_empty()) {
        return Err(format!("`{scope}` is empty once normalized"));
    }
    let tier = match (tier, Tier::parse(tier)) {
        ("-", _) => None,
        (_, Some(t)) => Some(t),
        (other, None) => return Err(format!("tier `{other}` is not T0, T1, T2, T3 or -")),
    };
    let (mut offline, mut catch_all) = (false, false);
    if flags != "-" {
        for flag in flags.split(',').map(str::trim) {
            match flag {
                "offline" => offline = true,
                "catch_all" => catch_all = true,
                other => return Err(format!("flag `{other}` is not offline or catch_all")),
            }
        }
    }
    if tier.is_none() && !offline && !catch_all {
        return Err(format!("`{scope}` has neither a tier nor a flag"));
    }
    let source = sources
        .get(source_key)
        .copied()
        .ok_or_else(|| format!("source `{source_key}` is not declared by an @source line"))?;
    Ok(Row {
        provider,
        scope,
        tier,
        offline,
        catch_all,
        source_key,
        source,
        line: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_parses_without_problems() {
        let (rows, problems) = parse(TABLE_TEXT);
        assert!(problems.is_empty(), "{problems:#?}");
        assert_eq!(rows.len(), super::rows().len());
        assert!(rows.len() > 600, "{} rows", rows.len());
    }

    #[test]
    fn the_version_constant_matches_the_file() {
        let line = TABLE_TEXT
            .lines()
            .find(|l| l.starts_with("@version"))
            .expect("@version line");
        assert_eq!(line.split('\t').nth(1).map(str::trim), Some(TABLE_VERSION));
    }

    #[test]
    fn every_provider_has_rows_in_every_tier_it_uses() {
        for p in Provider::SAAS {
            let of = |t: Tier| {
                rows()
                    .iter()
                    .filter(|r| r.provider == p && r.tier == Some(t))
                    .count()
            };
            assert!(of(Tier::T0) > 0, "{p} has no T0 row");
            assert!(of(Tier::T1) > 0, "{p} has no T1 row");
            assert!(of(Tier::T3) > 0, "{p} has no T3 row");
            assert!(
                rows().iter().filter(|r| r.provider == p).count() >= 30,
                "{p} is thin"
            );
        }
    }

    #[test]
    fn every_row_names_a_source() {
        for r in rows() {
            assert!(!r.source.is_empty(), "line {}", r.line);
        }
    }

    #[test]
    fn rules_examples_have_their_tiers() {
        use Provider::*;
        let cases: &[(Provider, &str, Tier)] = &[
            // T0 of RULES §3.6
            (Entra, "RoleManagement.ReadWrite.Directory", Tier::T0),
            (Entra, "AppRoleAssignment.ReadWrite.All", Tier::T0),
            (Entra, "Application.ReadWrite.All", Tier::T0),
            (Entra, "Directory.ReadWrite.All", Tier::T0),
            (Entra, "full_access_as_app", Tier::T0),
            (
                Google,
                "https://www.googleapis.com/auth/admin.directory.user",
                Tier::T0,
            ),
            (
                Google,
                "https://www.googleapis.com/auth/admin.directory.group.member",
                Tier::T0,
            ),
            (Okta, "okta.apps.manage", Tier::T0),
            (Okta, "okta.roles.manage", Tier::T0),
            (Okta, "okta.users.manage", Tier::T0),
            (Github, "admin:org", Tier::T0),
            (Github, "admin:enterprise", Tier::T0),
            (Github, "delete_repo", Tier::T0),
            (Github, "workflow", Tier::T0),
            (Salesforce, "full", Tier::T0),
            (Slack, "admin.users:write", Tier::T0),
            (Slack, "admin.conversations:read", Tier::T0),
            (Auth0, "create:clients", Tier::T0),
            (Auth0, "update:client_grants", Tier::T0),
            (Auth0, "update:users", Tier::T0),
            (Keycloak, "realm-admin", Tier::T0),
            (Keycloak, "manage-clients", Tier::T0),
            (Keycloak, "manage-users", Tier::T0),
            // T1
            (Entra, "Mail.Read", Tier::T1),
            (Entra, "Mail.ReadWrite", Tier::T1),
            (Entra, "Files.Read.All", Tier::T1),
            (Entra, "Files.ReadWrite.All", Tier::T1),
            (Entra, "Sites.Read.All", Tier::T1),
            (Entra, "Chat.Read.All", Tier::T1),
            (Google, "https://mail.google.com/", Tier::T1),
            (
                Google,
                "https://www.googleapis.com/auth/gmail.readonly",
                Tier::T1,
            ),
            (Google, "https://www.googleapis.com/auth/drive", Tier::T1),
            (
                Google,
                "https://www.googleapis.com/auth/drive.readonly",
                Tier::T1,
            ),
            (Salesforce, "api", Tier::T1),
            (Slack, "channels:history", Tier::T1),
            (Slack, "groups:history", Tier::T1),
            (Slack, "im:history", Tier::T1),
            (Github, "repo", Tier::T1),
            // T2
            (Entra, "Calendars.Read", Tier::T2),
            (
                Google,
                "https://www.googleapis.com/auth/drive.file",
                Tier::T2,
            ),
            (Github, "public_repo", Tier::T2),
            // T3
            (Entra, "openid", Tier::T3),
            (Entra, "profile", Tier::T3),
            (Entra, "email", Tier::T3),
            (Entra, "User.Read", Tier::T3),
            (Google, "openid", Tier::T3),
            (Okta, "openid", Tier::T3),
            (Keycloak, "profile", Tier::T3),
        ];
        for (p, s, t) in cases {
            assert_eq!(tier(*p, s), Some(*t), "{p} {s}");
        }
    }

    #[test]
    fn graph_names_are_case_insensitive_and_resource_uris_are_dropped() {
        assert_eq!(tier(Provider::Entra, "mail.read"), Some(Tier::T1));
        assert_eq!(tier(Provider::Entra, "MAIL.READWRITE"), Some(Tier::T1));
        assert_eq!(
            tier(
                Provider::Entra,
                "https://graph.microsoft.com/RoleManagement.ReadWrite.Directory"
            ),
            Some(Tier::T0)
        );
        assert_eq!(tier(Provider::Entra, " User.Read "), Some(Tier::T3));
        assert!(is_catch_all(
            Provider::Entra,
            "https://graph.microsoft.com/.default"
        ));
        assert!(is_entra_default(Provider::Entra, "api://1234/.default"));
        assert!(!is_entra_default(Provider::Google, ".default"));
        assert_eq!(tier(Provider::Entra, ".default"), None);
    }

    #[test]
    fn google_short_and_full_forms_are_one_row() {
        for s in [
            "gmail.readonly",
            "https://www.googleapis.com/auth/gmail.readonly",
            "HTTPS://WWW.GOOGLEAPIS.COM/auth/gmail.readonly",
        ] {
            assert_eq!(tier(Provider::Google, s), Some(Tier::T1), "{s}");
        }
        // Read-only directory scopes are exact rows below the T0 prefix row.
        assert_eq!(
            tier(
                Provider::Google,
                "https://www.googleapis.com/auth/admin.directory.user.readonly"
            ),
            Some(Tier::T2)
        );
        // An unlisted directory scope falls to the conservative prefix row.
        let r = lookup(Provider::Google, "admin.directory.something.new").expect("prefix row");
        assert!(r.is_prefix());
        assert_eq!(r.tier, Some(Tier::T0));
        assert!(is_catch_all(
            Provider::Google,
            "https://www.googleapis.com/auth/cloud-platform"
        ));
    }

    #[test]
    fn salesforce_wire_and_metadata_names_are_one_row() {
        assert_eq!(tier(Provider::Salesforce, "RefreshToken"), Some(Tier::T3));
        assert!(is_offline_scope(Provider::Salesforce, "refresh_token"));
        assert!(is_offline_scope(Provider::Salesforce, "RefreshToken"));
        assert!(is_offline_scope(Provider::Salesforce, "offline_access"));
        assert!(is_offline_scope(Provider::Salesforce, "OfflineAccess"));
        assert_eq!(tier(Provider::Salesforce, "Full"), Some(Tier::T0));
        assert_eq!(tier(Provider::Salesforce, "Api"), Some(Tier::T1));
        assert_eq!(tier(Provider::Salesforce, "OpenID"), Some(Tier::T3));
        assert!(is_catch_all(Provider::Salesforce, "full"));
        assert!(!is_catch_all(Provider::Salesforce, "api"));
    }

    #[test]
    fn offline_scopes_per_provider() {
        for p in [
            Provider::Entra,
            Provider::Okta,
            Provider::Auth0,
            Provider::Keycloak,
            Provider::Salesforce,
        ] {
            assert!(is_offline_scope(p, "offline_access"), "{p}");
        }
        // Google offline access is `access_type=offline`, not a scope.
        assert!(!is_offline_scope(Provider::Google, "offline_access"));
        assert!(!is_offline_scope(Provider::Entra, "refresh_token"));
        assert!(!is_offline_scope(Provider::Github, "repo"));
    }

    #[test]
    fn representative_lookups_per_provider() {
        use Provider::*;
        let cases: &[(Provider, &str, Option<Tier>)] = &[
            (Okta, "okta.users.read", Some(Tier::T2)),
            (Okta, "okta.myAccount.email.read", Some(Tier::T3)),
            (Github, "contents:write", Some(Tier::T1)),
            (Github, "metadata:read", Some(Tier::T3)),
            (Slack, "chat:write", Some(Tier::T2)),
            (Slack, "users:read", Some(Tier::T2)),
            (Auth0, "read:client_keys", Some(Tier::T0)),
            (Auth0, "read:stats", Some(Tier::T3)),
            (Keycloak, "view-users", Some(Tier::T2)),
            (Keycloak, "query-users", Some(Tier::T3)),
            (Salesforce, "chatter_api", Some(Tier::T2)),
            (Entra, "Directory.Read.All", Some(Tier::T2)),
        ];
        for (p, s, t) in cases {
            assert_eq!(tier(*p, s), *t, "{p} {s}");
        }
    }

    #[test]
    fn unknown_scopes_have_no_tier() {
        use Provider::*;
        for (p, s) in [
            (Entra, "Widget.Frobnicate.All"),
            (Entra, "user_impersonation"),
            (Entra, ""),
            (Google, "https://www.googleapis.com/auth/unknown.scope"),
            (Okta, "custom:scope"),
            (Auth0, "read:messages"),
            (Slack, "adminx"),
            (Github, "repo:unknown"),
            (Keycloak, "my-client-role"),
            // Scopes do not leak between providers.
            (Github, "Mail.Read"),
            (Slack, "repo"),
        ] {
            assert_eq!(tier(p, s), None, "{p} {s:?}");
            assert!(!is_catch_all(p, s));
        }
        let long = "x".repeat(500);
        assert_eq!(tier(Entra, &long), None);
    }

    #[test]
    fn bad_rows_are_reported_with_their_line() {
        let text: &'static str = "@source\tk\tsomewhere\n\
            entra\tA.B\tT0\t-\tk\n\
            entra\ta.b\tT1\t-\tk\n\
            nowhere\tX\tT0\t-\tk\n\
            entra\tY\tT9\t-\tk\n\
            entra\tZ\tT2\tfast\tk\n\
            entra\tW\tT2\t-\tmissing\n\
            entra\ta*b\tT2\t-\tk\n\
            entra\tonly-three\tT2\n\
            entra\tV\t-\t-\tk\n";
        let (rows, problems) = parse(text);
        assert_eq!(rows.len(), 1);
        let lines: Vec<&str> = problems
            .iter()
            .map(|p| p.split(':').next().unwrap_or(""))
            .collect();
        assert_eq!(
            lines,
            [
                "line 9", "line 3", "line 4", "line 5", "line 6", "line 7", "line 8", "line 10"
            ],
            "{problems:#?}"
        );
        assert!(problems[1].contains("repeats"), "{}", problems[1]);
    }
}
