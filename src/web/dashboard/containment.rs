//! Where to revoke a vendor's access, per provider: our own text (never provider data), shown
//! in the vendor page's containment checklist. Console paths and API calls as each provider
//! documents them; they name the place to act, the operator confirms the exact object.

/// The steps to cut an app's access in a tenant of `provider`: (where, what to do).
pub fn steps(provider: &str) -> &'static [(&'static str, &'static str)] {
    match provider {
        "entra" => &[
            (
                "Entra admin center → Enterprise applications → the app → Permissions",
                "Review and revoke admin consent; under Properties set \"Enabled for users to sign in\" to No.",
            ),
            (
                "Microsoft Graph",
                "DELETE /oauth2PermissionGrants/{id} for each delegated grant; DELETE /servicePrincipals/{id}/appRoleAssignedTo/{assignmentId} for application permissions.",
            ),
            (
                "Microsoft Graph",
                "Rotate or remove the app's credentials; POST /users/{id}/revokeSignInSessions for users who consented.",
            ),
        ],
        "google" => &[
            (
                "Admin console → Security → Access and data control → API controls → Manage third-party app access",
                "Set the app to Blocked.",
            ),
            (
                "Admin SDK Directory API",
                "DELETE admin/directory/v1/users/{user}/tokens/{clientId} for every user holding a token.",
            ),
            (
                "Admin console → Security → API controls → Domain-wide delegation",
                "Remove the client id if it is delegated domain-wide.",
            ),
        ],
        "slack" => &[
            (
                "Workspace settings → Manage apps",
                "Remove (uninstall) the app; on Enterprise Grid, restrict it in the org's app management.",
            ),
            (
                "Slack Web API",
                "admin.apps.uninstall (Enterprise Grid) or auth.revoke with each of the app's tokens.",
            ),
        ],
        "salesforce" => &[
            (
                "Setup → Connected Apps OAuth Usage",
                "Revoke all user tokens of the app, then Block it.",
            ),
            (
                "Setup → Manage Connected Apps → the app",
                "Set Permitted Users to \"Admin approved users are pre-authorized\" and remove profiles and permission sets.",
            ),
            (
                "Salesforce API",
                "POST /services/oauth2/revoke with each refresh token, or delete the OauthToken records of the app.",
            ),
        ],
        "okta" => &[
            (
                "Admin Console → Applications → the app",
                "Deactivate the app; under Okta API Scopes revoke granted scopes.",
            ),
            (
                "Okta API",
                "DELETE /api/v1/apps/{appId}/grants/{grantId}; DELETE /api/v1/apps/{appId}/tokens to revoke all refresh tokens.",
            ),
        ],
        "github" => &[
            (
                "Organization settings → Third-party access / GitHub Apps",
                "Revoke the OAuth app's access or uninstall (or suspend) the GitHub App installation.",
            ),
            (
                "Organization settings → Personal access tokens → Active tokens",
                "Revoke fine-grained tokens that act for the vendor.",
            ),
        ],
        "auth0" => &[
            (
                "Dashboard → Applications → the application",
                "Rotate the client secret; disable the grant types it should not use.",
            ),
            (
                "Auth0 Management API",
                "DELETE /api/v2/grants/{id} for user grants; DELETE /api/v2/device-credentials/{id} for refresh tokens.",
            ),
        ],
        "keycloak" => &[
            (
                "Admin console → Clients → the client",
                "Disable the client; on its Sessions tab sign out all sessions.",
            ),
            (
                "Admin REST API",
                "POST /admin/realms/{realm}/clients/{id}/push-revocation; DELETE /admin/realms/{realm}/users/{user}/consents/{clientId} per user.",
            ),
        ],
        _ => &[(
            "The provider's admin console",
            "This tenant was imported from a file: revoke the app's grants and tokens where the export came from.",
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_collected_provider_has_its_own_steps_and_others_fall_back() {
        for p in connectors::Provider::SAAS {
            let s = steps(p.as_str());
            assert!(!s.is_empty(), "{p:?}");
            assert!(!s[0].1.contains("imported from a file"), "{p:?}");
        }
        assert!(steps("rfc7591")[0].1.contains("imported from a file"));
    }
}
