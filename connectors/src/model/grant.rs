//! A grant (consent) that lets an app act in the tenant: delegated for users or app-only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A consent or permission grant held by an app.
///
/// A grant is identified by [`Grant::natural_key`]: the provider's grant id when there is one,
/// otherwise the app, the principal and the resource together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The provider's id for the grant, when it has one.
    pub external_id: Option<String>,
    /// [`crate::model::OAuthApp::external_id`] of the app holding the grant.
    pub app_external_id: String,
    pub principal: Principal,
    /// The API the scopes apply to (Entra resource service principal id, Okta authorization
    /// server, ...), when the provider scopes grants per resource.
    pub resource: Option<String>,
    /// Sorted, de-duplicated.
    pub scopes: Vec<String>,
    pub consent_type: ConsentType,
    pub kind: GrantKind,
    pub created_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Volatile: excluded from change events, but stored when it moves.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl Grant {
    /// The identity of the grant inside its tenant.
    pub fn natural_key(&self) -> String {
        match &self.external_id {
            Some(id) => format!("id:{id}"),
            None => format!(
                "app:{}|{}|res:{}",
                self.app_external_id,
                self.principal.key(),
                self.resource.as_deref().unwrap_or("")
            ),
        }
    }

    /// Sort and de-duplicate the scopes.
    pub fn normalize(&mut self) {
        self.scopes.sort();
        self.scopes.dedup();
    }
}

/// Who the grant was given for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Principal {
    /// Every user in the tenant (admin consent, Entra `AllPrincipals`) or the tenant itself
    /// (app-only permissions).
    Tenant,
    User {
        id: String,
        email: Option<String>,
        display_name: Option<String>,
        /// `Some(false)` when the directory says the user is disabled, suspended or deleted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        active: Option<bool>,
    },
    /// Another non-human identity (a service principal or a group).
    Other {
        id: String,
        display_name: Option<String>,
    },
}

impl Principal {
    fn key(&self) -> String {
        match self {
            Principal::Tenant => "tenant".to_string(),
            Principal::User { id, .. } => format!("user:{id}"),
            Principal::Other { id, .. } => format!("other:{id}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentType {
    User,
    Admin,
    Unknown,
}

/// Delegated (acts for a user) or application (acts as itself, app-only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantKind {
    Delegated,
    Application,
}
