//! Helpers for the parsers' tests: fixtures, lookups, and the "no secret survives" check.

use serde_json::Value;

use crate::model::OAuthApp;

/// The test key for secret digests; installed once per test process.
pub const DIGEST_KEY: [u8; 32] = [7; 32];

/// Install the test digest key (the first install in the process wins; all tests use this one).
pub fn with_digest_key() {
    crate::secret_digest::install_key(DIGEST_KEY);
}

/// A fixture under `tests/fixtures/`, parsed.
pub fn fixture(path: &str) -> Value {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The app named `name`.
pub fn by_name<'a>(apps: &'a [OAuthApp], name: &str) -> &'a OAuthApp {
    apps.iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no app named {name}"))
}

/// Fail if any of `secrets` appears anywhere in the serialized apps (model fields and `raw`).
pub fn assert_no_secret(apps: &[OAuthApp], secrets: &[&str]) {
    let json = serde_json::to_string(apps).unwrap();
    for s in secrets {
        assert!(!json.contains(s), "secret value {s} survived parsing");
    }
}

/// Whether `app` has a note of `kind` on `field`.
pub fn has_note(app: &OAuthApp, field: &str, kind: crate::model::NoteKind) -> bool {
    app.notes.iter().any(|n| n.field == field && n.kind == kind)
}

/// Run `connector` to the end and gather what it sends, in order.
pub async fn collect_all(
    connector: &dyn crate::Connector,
) -> Result<(crate::file::Inventory, crate::CollectSummary), crate::ConnectorError> {
    use crate::model::InventoryItem;
    let (mut sink, mut rx) = crate::ItemSink::channel(4);
    let gather = tokio::spawn(async move {
        let mut inv = crate::file::Inventory::default();
        while let Some(batch) = rx.recv().await {
            for item in batch {
                match item {
                    InventoryItem::App(app) => inv.apps.push(*app),
                    InventoryItem::Grant(grant) => inv.grants.push(grant),
                    InventoryItem::TenantPolicy(policy) => inv.policies.push(policy),
                }
            }
        }
        inv
    });
    let result = connector.collect(&mut sink).await;
    let flushed = sink.flush().await;
    drop(sink);
    let inv = gather.await.unwrap();
    let summary = result?;
    flushed?;
    Ok((inv, summary))
}

/// A test key file under `tests/fixtures/keys/`, as bytes.
pub fn test_key(name: &str) -> Vec<u8> {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The header and claims of `jwt`, its RS256 signature verified with the test key's public
/// half (`aud` and times are left to the caller to check).
pub fn verified_claims(jwt: &str) -> (jsonwebtoken::Header, Value) {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    let key = DecodingKey::from_rsa_pem(&test_key("test-rsa.pub.pem")).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let data = jsonwebtoken::decode::<Value>(jwt, &key, &validation).unwrap();
    (data.header, data.claims)
}

/// Each item as JSON, sorted: two collections with the same items in any order compare equal.
pub fn sorted_json<T: serde::Serialize>(items: &[T]) -> Vec<String> {
    let mut out: Vec<String> = items
        .iter()
        .map(|i| serde_json::to_string(i).unwrap())
        .collect();
    out.sort();
    out
}

/// The apps and grants of `inv` serialized and sorted: two collections of the same objects
/// compare equal whatever order they were sent in.
pub fn inventory_json(inv: &crate::file::Inventory) -> (Vec<String>, Vec<String>) {
    (sorted_json(&inv.apps), sorted_json(&inv.grants))
}
