//! TENANT rules (RULES §3.10): tenant-wide policy. Attached to the tenant, shown as context in
//! app scores, never added to an app's likelihood.

use connectors::model::UserConsentPolicy;

use super::{Check, Family, Hit, Rule, Severity, TenantContext};

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "TENANT-001",
        family: Family::Tenant,
        title: "Users may consent to any application",
        severity: Severity::Medium,
        checks: "User consent allowed without restriction (Entra user consent \"allow for all apps\", no verified-publisher/low-risk limit; Okta/Auth0 equivalent; Slack app approval off).",
        rationale: "Consent phishing and shadow integrations need only one user.",
        cites: &[
            "OWASP NHI3",
            "OAuth 2.1 §7.9 (editors' copy, consent phishing)",
        ],
        nhi: &["NHI3"],
        csf: &["PR.AA-05", "GV.SC-07"],
        fix: "Limit user consent to verified publishers and low-impact permissions and route the rest through an admin consent workflow.",
        check: Check::Tenant(tenant_001),
    },
    Rule {
        id: "TENANT-002",
        family: Family::Tenant,
        title: "Unreviewed third-party apps may reach high-risk data",
        severity: Severity::Medium,
        checks: "Google Workspace allows unconfigured third-party apps to access restricted/high-risk scopes; Salesforce API Access Control off (any connected app may be authorized); GitHub organization OAuth app access restrictions off.",
        rationale: "No allow-list stands between a user's click and organisation data.",
        cites: &["OWASP NHI3", "Salesforce help 005226734"],
        nhi: &["NHI3"],
        csf: &["GV.SC-07", "PR.AA-05"],
        fix: "Turn on the provider's app allow-listing and pre-approve only reviewed integrations.",
        check: Check::Tenant(tenant_002),
    },
    Rule {
        id: "TENANT-003",
        family: Family::Tenant,
        title: "Open dynamic client registration",
        severity: Severity::Medium,
        checks: "The authorization server accepts anonymous RFC 7591 registrations (Keycloak anonymous registration policies, Okta/Auth0 open DCR) without policies on redirect URIs and scopes.",
        rationale: "Anyone can mint clients that look like legitimate ones; dynamically registered clients prove no identity.",
        cites: &["RFC 7591 §3", "OAuth 2.1 §7.2", "RFC 9700 §4.15"],
        nhi: &["NHI4"],
        csf: &["PR.AA-02", "PR.PS-01"],
        fix: "Require an initial access token or software statement for registration and enforce redirect-URI and scope policies on registered clients.",
        check: Check::Tenant(tenant_003),
    },
];

fn policy_evidence(ctx: &TenantContext<'_>) -> Hit {
    Hit::new()
        .with("tenant", ctx.name)
        .with("provider", ctx.provider.as_str())
}

fn tenant_001(ctx: &TenantContext<'_>) -> Option<Hit> {
    (ctx.policy?.user_consent? == UserConsentPolicy::AllowAll)
        .then(|| policy_evidence(ctx).with("user_consent", "allow_all"))
}

fn tenant_002(ctx: &TenantContext<'_>) -> Option<Hit> {
    (!ctx.policy?.third_party_apps_restricted?)
        .then(|| policy_evidence(ctx).with("third_party_apps_restricted", false))
}

fn tenant_003(ctx: &TenantContext<'_>) -> Option<Hit> {
    ctx.policy?
        .open_dynamic_registration?
        .then(|| policy_evidence(ctx).with("open_dynamic_registration", true))
}

#[cfg(test)]
mod tests {
    use connectors::model::{TenantPolicy, UserConsentPolicy};

    use crate::rules::testkit::Env;

    fn with(policy: TenantPolicy) -> Vec<&'static str> {
        let env = Env {
            policy: Some(policy),
            ..Env::default()
        };
        env.tenant_ids()
    }

    #[test]
    fn tenant_rules_fire_on_known_unsafe_policy_only() {
        let open = TenantPolicy {
            user_consent: Some(UserConsentPolicy::AllowAll),
            third_party_apps_restricted: Some(false),
            open_dynamic_registration: Some(true),
            ..TenantPolicy::default()
        };
        assert_eq!(with(open), vec!["TENANT-001", "TENANT-002", "TENANT-003"]);
        let closed = TenantPolicy {
            user_consent: Some(UserConsentPolicy::Limited),
            third_party_apps_restricted: Some(true),
            open_dynamic_registration: Some(false),
            ..TenantPolicy::default()
        };
        assert!(with(closed).is_empty());
        // Unknown is not unsafe: nothing read, nothing fires.
        assert!(with(TenantPolicy::default()).is_empty());
        assert!(Env::default().tenant_ids().is_empty());
    }
}
