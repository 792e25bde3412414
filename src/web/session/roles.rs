//! Who may use the dashboard after single sign-on, and with which role: the `[oidc]` mapping
//! applied to the claims of a verified ID token. Pure, so every rule is unit-tested.

use crate::config::{DefaultRole, OidcConfig};
use crate::store::api_keys::Role;

/// What the ID token says about the user (already verified by the OIDC client).
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub name: Option<String>,
    pub groups: Vec<String>,
}

/// Why a verified user is still refused (shown to them: our words, not the provider's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    DomainNotAllowed,
    NoRole,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::DomainNotAllowed => {
                "Your account's verified email address is not in a domain allowed to use this dashboard."
            }
            Refusal::NoRole => "Your account has no role on this dashboard. Ask an administrator.",
        }
    }
}

impl Identity {
    /// The email address, if it may be trusted (verified, or verification not required and
    /// not explicitly false), lowercased.
    fn trusted_email(&self, require_verified: bool) -> Option<String> {
        let trusted = match self.email_verified {
            Some(v) => v,
            None => !require_verified,
        };
        self.email
            .as_deref()
            .filter(|_| trusted)
            .map(|e| e.trim().to_ascii_lowercase())
    }

    /// The name to show: the display name, else the email, else the subject.
    pub fn display_name(&self) -> String {
        let name = self
            .name
            .as_deref()
            .or(self.email.as_deref())
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.subject);
        name.chars().take(200).collect()
    }
}

/// The role `who` gets under `cfg`, or why they are refused.
pub fn map_role(cfg: &OidcConfig, who: &Identity) -> Result<Role, Refusal> {
    let email = who.trusted_email(cfg.require_verified_email);
    if !cfg.allowed_domains.is_empty() {
        let domain = email
            .as_deref()
            .and_then(|e| e.rsplit_once('@'))
            .map(|(_, d)| d);
        let allowed = domain.is_some_and(|d| {
            cfg.allowed_domains
                .iter()
                .any(|a| a.trim().trim_start_matches('@').eq_ignore_ascii_case(d))
        });
        if !allowed {
            return Err(Refusal::DomainNotAllowed);
        }
    }
    let in_groups = |list: &[String]| who.groups.iter().any(|g| list.contains(g));
    let admin_by_email = email
        .as_deref()
        .is_some_and(|e| cfg.admin_emails.iter().any(|a| a.eq_ignore_ascii_case(e)));
    if admin_by_email || in_groups(&cfg.admin_groups) {
        return Ok(Role::Admin);
    }
    if in_groups(&cfg.reader_groups) || cfg.default_role == DefaultRole::Reader {
        return Ok(Role::Reader);
    }
    Err(Refusal::NoRole)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(toml_extra: &str) -> OidcConfig {
        toml::from_str(&format!(
            "issuer_url = \"https://idp.example\"\nclient_id = \"c\"\n{toml_extra}"
        ))
        .unwrap()
    }

    fn who(email: &str, verified: Option<bool>, groups: &[&str]) -> Identity {
        Identity {
            subject: "sub-1".into(),
            email: Some(email.into()),
            email_verified: verified,
            name: None,
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    #[test]
    fn admins_come_from_verified_emails_or_admin_groups() {
        let c = cfg("admin_emails = [\"Alice@Example.com\"]\nadmin_groups = [\"secops\"]");
        assert_eq!(
            map_role(&c, &who("alice@example.com", Some(true), &[])),
            Ok(Role::Admin)
        );
        assert_eq!(
            map_role(&c, &who("x@example.com", Some(true), &["secops"])),
            Ok(Role::Admin)
        );
        assert_eq!(
            map_role(&c, &who("alice@example.com", Some(false), &[])),
            Err(Refusal::NoRole),
            "an unverified email proves nothing"
        );
        assert_eq!(
            map_role(&c, &who("alice@example.com", None, &[])),
            Err(Refusal::NoRole),
            "verification is required by default"
        );
        let lax = cfg("admin_emails = [\"alice@example.com\"]\nrequire_verified_email = false");
        assert_eq!(
            map_role(&lax, &who("alice@example.com", None, &[])),
            Ok(Role::Admin)
        );
        assert_eq!(
            map_role(&lax, &who("alice@example.com", Some(false), &[])),
            Err(Refusal::NoRole)
        );
    }

    #[test]
    fn readers_come_from_reader_groups_or_the_default_role() {
        let c = cfg("reader_groups = [\"staff\"]");
        assert_eq!(
            map_role(&c, &who("b@example.com", Some(true), &["staff"])),
            Ok(Role::Reader)
        );
        assert_eq!(
            map_role(&c, &who("b@example.com", Some(true), &["other"])),
            Err(Refusal::NoRole)
        );
        let open = cfg("default_role = \"reader\"");
        assert_eq!(
            map_role(&open, &who("b@example.com", Some(true), &[])),
            Ok(Role::Reader)
        );
    }

    #[test]
    fn allowed_domains_need_a_verified_email_in_them() {
        let c = cfg(
            "allowed_domains = [\"example.com\"]\ndefault_role = \"reader\"\nadmin_groups = [\"secops\"]",
        );
        assert_eq!(
            map_role(&c, &who("b@EXAMPLE.com", Some(true), &[])),
            Ok(Role::Reader)
        );
        assert_eq!(
            map_role(&c, &who("m@evil.test", Some(true), &["secops"])),
            Err(Refusal::DomainNotAllowed),
            "a group does not bypass the domain restriction"
        );
        assert_eq!(
            map_role(&c, &who("b@example.com.evil.test", Some(true), &[])),
            Err(Refusal::DomainNotAllowed)
        );
        assert_eq!(
            map_role(&c, &who("b@example.com", Some(false), &[])),
            Err(Refusal::DomainNotAllowed)
        );
    }

    #[test]
    fn the_display_name_falls_back_to_email_then_subject() {
        let mut w = who("b@example.com", Some(true), &[]);
        assert_eq!(w.display_name(), "b@example.com");
        w.name = Some("Bob".into());
        assert_eq!(w.display_name(), "Bob");
        w.name = None;
        w.email = None;
        assert_eq!(w.display_name(), "sub-1");
    }
}
