//! The demo estate's featured apps: the risky cases a first-time user should see findings for,
//! placed first in each demo tenant, ahead of ordinary clean apps. All names are fictional.

use chrono::Duration;

use super::estate::{AppSpec, Kind, Reach, estate_now};
use crate::Provider;

/// The vendor's name in the demo: a sales-chat app with broad access in Salesforce, Google
/// Workspace and Slack, whose refresh tokens never expire.
pub const SALES_CHAT: &str = "ChatLoft Sales Chat";

/// The name of the demo app whose name is an HTML/script payload; it must show as text.
pub const HTML_PAYLOAD_NAME: &str = "<img src=x onerror=alert(1)><script>alert(1)</script>";

/// Names of the featured apps in a provider's demo tenant, in tenant order.
pub fn featured_names(provider: Provider) -> Vec<&'static str> {
    let mut names = Vec::new();
    if has_sales_chat(provider) {
        names.push(SALES_CHAT);
    }
    names.extend([
        "Field Service Mobile",
        "Expense Tracker SPA",
        "Partner Portal",
        "Legacy Report Exporter",
        HTML_PAYLOAD_NAME,
    ]);
    names
}

fn has_sales_chat(provider: Provider) -> bool {
    matches!(
        provider,
        Provider::Salesforce | Provider::Google | Provider::Slack
    )
}

/// The featured app at `index` of a provider's demo tenant, or `None` past the featured list.
pub fn featured(provider: Provider, index: usize, key: &str) -> Option<AppSpec> {
    let name = *featured_names(provider).get(index)?;
    let base = AppSpec {
        index,
        key: key.to_string(),
        name: name.to_string(),
        publisher: "Acme IT".to_string(),
        domain: "acme-demo.example.com".to_string(),
        first_party: true,
        kind: Kind::Web,
        redirect_uris: Vec::new(),
        implicit: false,
        has_secret: true,
        non_expiring_refresh: false,
        enabled: true,
        reach: Reach::Narrow,
        created: estate_now() - Duration::days(400 + 30 * index as i64),
        stale: false,
    };
    Some(match name {
        SALES_CHAT => AppSpec {
            publisher: "ChatLoft Inc.".to_string(),
            domain: "chatloft-demo.example".to_string(),
            first_party: false,
            redirect_uris: vec!["https://app.chatloft-demo.example/oauth/callback".to_string()],
            non_expiring_refresh: true,
            reach: Reach::Broad,
            ..base
        },
        "Field Service Mobile" => AppSpec {
            kind: Kind::Native,
            redirect_uris: vec![
                "com.acme.fieldservice://callback".to_string(),
                "http://localhost:8400/callback".to_string(),
            ],
            // A secret shipped inside a mobile app is no secret.
            has_secret: true,
            non_expiring_refresh: true,
            ..base
        },
        "Expense Tracker SPA" => AppSpec {
            kind: Kind::Spa,
            redirect_uris: vec!["https://expenses.acme-demo.example.com/".to_string()],
            implicit: true,
            has_secret: false,
            ..base
        },
        "Partner Portal" => AppSpec {
            redirect_uris: vec![
                "https://*.partners.acme-demo.example.com/callback".to_string(),
                "https://acme-partner-portal.herokuapp.com/callback".to_string(),
                "https://acme-partners.azurewebsites.net/signin-oidc".to_string(),
                "http://partners.acme-demo.example.com/callback".to_string(),
            ],
            reach: Reach::Broad,
            ..base
        },
        "Legacy Report Exporter" => AppSpec {
            redirect_uris: vec!["https://reports.acme-demo.example.com/callback".to_string()],
            stale: true,
            non_expiring_refresh: true,
            created: estate_now() - Duration::days(2000),
            ..base
        },
        _ => AppSpec {
            publisher: "Unverified Tools Ltd".to_string(),
            domain: "tools.example.org".to_string(),
            first_party: false,
            redirect_uris: vec!["https://tools.example.org/callback".to_string()],
            ..base
        },
    })
}
