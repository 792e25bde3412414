//! Credentials shared between apps, found through the estate: SECRET-010 (the same secret,
//! by keyed digest) and SECRET-011 (the same certificate or key, by fingerprint).
//!
//! Both look at this app's active credentials and report every other app, in any tenant the
//! run can see, holding the same one. Evidence never carries a digest: a credential is named
//! by kind, key id and dates, the other apps by tenant, provider, name and id.

use connectors::model::{Credential, CredentialKind};
use serde_json::{Value, json};

use super::{credential, shown};
use crate::rules::context::AppRef;
use crate::rules::{AppContext, Hit};

/// Most other apps listed per credential.
const MAX_OTHERS: usize = 20;

fn app_ref(r: &AppRef) -> Value {
    json!({
        "tenant": shown(&r.tenant),
        "provider": r.provider.as_str(),
        "name": shown(&r.name),
        "external_id": shown(&r.external_id),
    })
}

/// One shared credential: the credential, whether it is this app's key fingerprint, and
/// where else it is held.
fn shared(c: &Credential, others: &[&AppRef], with_fingerprint: bool) -> Value {
    let mut m = credential(c);
    if with_fingerprint {
        // A hash of the key's public identity, not of anything secret.
        m.insert("fingerprint".into(), c.fingerprint.clone().into());
    }
    let listed: Vec<Value> = others.iter().take(MAX_OTHERS).map(|r| app_ref(r)).collect();
    m.insert("also_on".into(), listed.into());
    m.insert("also_on_count".into(), others.len().into());
    Value::Object(m)
}

fn hit(found: Vec<Value>) -> Option<Hit> {
    (!found.is_empty()).then(|| {
        let count = found.len();
        Hit::new().with("shared", found).with("count", count)
    })
}

/// SECRET-010: an active credential whose keyed secret digest another app also holds.
pub(super) fn secret_010(ctx: &AppContext<'_>) -> Option<Hit> {
    let estate = ctx.tenant.estate;
    let found: Vec<Value> = ctx
        .active_credentials()
        .filter_map(|c| {
            let digest = c.secret_digest.as_deref()?;
            let others = estate.secret_reuse(digest, ctx.tenant.name, &ctx.app.external_id);
            (!others.is_empty()).then(|| shared(c, &others, false))
        })
        .collect();
    hit(found)
}

/// SECRET-011: an active certificate or key whose fingerprint another app also holds. The
/// parsers derive key fingerprints from the key alone (thumbprint, JWK thumbprint), never
/// from the app, so equal fingerprints mean the same key.
pub(super) fn secret_011(ctx: &AppContext<'_>) -> Option<Hit> {
    let estate = ctx.tenant.estate;
    let found: Vec<Value> = ctx
        .active_credentials()
        .filter(|c| {
            matches!(
                c.kind,
                CredentialKind::Certificate | CredentialKind::PrivateKeyJwt
            )
        })
        .filter_map(|c| {
            let others = estate.key_reuse(&c.fingerprint, ctx.tenant.name, &ctx.app.external_id);
            (!others.is_empty()).then(|| shared(c, &others, true))
        })
        .collect();
    hit(found)
}
