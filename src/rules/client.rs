//! CLIENT rules (RULES §3.9): the client type the authorization server records.

use connectors::model::{AppKind, ClientType};

use super::{AppContext, Check, Family, Hit, Rule, Severity};

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "CLIENT-001",
        family: Family::Client,
        title: "Native or SPA app registered as a confidential client",
        severity: Severity::Medium,
        checks: "`app_kind in {native, spa}` and `client_type == confidential`, with no per-instance dynamic registration.",
        rationale: "The AS will treat an extractable secret as proof of identity (see SECRET-001) and skip public-client protections.",
        cites: &[
            "RFC 8252 §8.4",
            "OAuth 2.1 §8.1",
            "OAuth 2.1 §8.1.1",
            "RFC 6749 §2.1",
        ],
        nhi: &["NHI4"],
        csf: &["PR.AA-02", "PR.AA-03"],
        fix: "Re-register the app as a public client with PKCE and no secret.",
        check: Check::App(client_001),
    },
    Rule {
        id: "CLIENT-002",
        family: Family::Client,
        title: "Client type cannot be determined",
        severity: Severity::Info,
        checks: "`client_type == unknown` and `app_kind == unknown`.",
        rationale: "Several rules depend on the client type; the gap must be explicit.",
        cites: &["RFC 8252 §8.4"],
        nhi: &["NHI4"],
        csf: &["ID.AM-02"],
        fix: "Record the client type as an override in configuration.",
        check: Check::App(client_002),
    },
];

fn client_001(ctx: &AppContext<'_>) -> Option<Hit> {
    let app = ctx.app;
    (matches!(app.app_kind, AppKind::Native | AppKind::Spa)
        && app.client_type == ClientType::Confidential
        && app.dynamically_registered != Some(true))
    .then(|| {
        Hit::new()
            .with("app_kind", app.app_kind.as_str())
            .with("client_type", "confidential")
            .with(
                "token_endpoint_auth_method",
                app.token_endpoint_auth_method.clone(),
            )
    })
}

fn client_002(ctx: &AppContext<'_>) -> Option<Hit> {
    let app = ctx.app;
    (app.client_type == ClientType::Unknown && app.app_kind == AppKind::Unknown).then(|| {
        let reason = app
            .note("client_type")
            .or_else(|| app.note("app_kind"))
            .map(|n| n.reason.clone());
        Hit::new()
            .with("client_type", "unknown")
            .with("app_kind", "unknown")
            .with("reason", reason)
    })
}

#[cfg(test)]
mod tests {
    use connectors::model::{AppKind, ClientType};

    use crate::rules::testkit::*;

    #[test]
    fn client_001_spa_registered_confidential() {
        let mut app = web_app("spa");
        app.app_kind = AppKind::Spa;
        assert!(ids(&app).contains(&"CLIENT-001"));
        // Close cases: a confidential web app; a dynamically registered per-instance client.
        app.dynamically_registered = Some(true);
        assert!(!ids(&app).contains(&"CLIENT-001"));
        assert!(!ids(&web_app("web")).contains(&"CLIENT-001"));
    }

    #[test]
    fn client_002_unknown_type_and_kind() {
        let mut app = web_app("x");
        app.client_type = ClientType::Unknown;
        app.app_kind = AppKind::Unknown;
        assert!(ids(&app).contains(&"CLIENT-002"));
        app.app_kind = AppKind::Web;
        assert!(!ids(&app).contains(&"CLIENT-002"));
    }
}
