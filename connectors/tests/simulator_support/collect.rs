//! A collector per provider: page through the simulator the way that provider pages, and feed
//! every page to the provider's existing parser.

use connectors::Provider;
use connectors::file::Inventory;
use connectors::simulator::RunningSimulator;
use connectors::{auth0, entra, github, google, keycloak, okta, salesforce, slack};
use serde_json::{Value, json};
use std::collections::HashMap;

use super::{Answer, MAX_PAGES, get, oauth_auth, static_auth, urlenc};

fn absorb(into: &mut Inventory, inv: Inventory) {
    into.apps.extend(inv.apps);
    into.grants.extend(inv.grants);
    into.policies.extend(inv.policies);
}

/// Follow a listing page by page: `next` reads the next URL from an answer.
pub async fn pages(
    first: String,
    auth: &str,
    next: impl Fn(&Answer, &Value) -> Option<String>,
) -> Vec<Value> {
    let mut out = Vec::new();
    let mut url = Some(first);
    while let Some(u) = url {
        assert!(out.len() < MAX_PAGES, "more than {MAX_PAGES} pages at {u}");
        let answer = get(&u, auth).await;
        assert_eq!(
            answer.status,
            200,
            "{u}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        let body = answer.json();
        url = next(&answer, &body);
        out.push(body);
    }
    out
}

/// Everything of one tenant, collected through the simulator and the provider's parser.
pub async fn collect(sim: &RunningSimulator, p: Provider, t: usize) -> Inventory {
    let base = sim.base_url(p, t);
    let mut inv = Inventory::default();
    match p {
        Provider::Entra => {
            let auth = oauth_auth(sim, p, t).await;
            let odata = |_: &Answer, b: &Value| {
                b.get("@odata.nextLink")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            let sps = pages(
                format!("{base}/v1.0/servicePrincipals?$top=7"),
                &auth,
                odata,
            )
            .await;
            let apps = pages(format!("{base}/v1.0/applications?$top=7"), &auth, odata).await;
            let all: Vec<Value> = sps
                .iter()
                .chain(&apps)
                .flat_map(|p| p["value"].as_array().unwrap().clone())
                .collect();
            absorb(
                &mut inv,
                entra::read_document(&Value::Array(all.clone())).unwrap(),
            );
            let app_of_sp: HashMap<String, String> = all
                .iter()
                .filter(|v| v.get("servicePrincipalType").is_some())
                .map(|v| {
                    (
                        v["id"].as_str().unwrap().to_string(),
                        v["appId"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            for page in pages(
                format!("{base}/v1.0/oauth2PermissionGrants?$top=11"),
                &auth,
                odata,
            )
            .await
            {
                for g in page["value"].as_array().unwrap() {
                    let g: entra::parse::PermissionGrant =
                        serde_json::from_value(g.clone()).unwrap();
                    let app = app_of_sp[&g.client_id].clone();
                    let resource = app_of_sp.get(&g.resource_id).cloned();
                    inv.grants
                        .push(entra::parse::delegated_grant(g, app, resource));
                }
            }
            let mut names = entra::parse::PermissionNames::default();
            for sp in all
                .iter()
                .filter(|v| v.get("servicePrincipalType").is_some())
            {
                names.learn(&entra::parse::service_principal(sp).unwrap());
            }
            for sp_id in app_of_sp.keys() {
                let answer = get(
                    &format!("{base}/v1.0/servicePrincipals/{sp_id}/appRoleAssignments"),
                    &auth,
                )
                .await;
                assert_eq!(answer.status, 200, "{sp_id}");
                for a in answer.json()["value"].as_array().unwrap() {
                    let a: entra::parse::AppRoleAssignment =
                        serde_json::from_value(a.clone()).unwrap();
                    let app = app_of_sp[&a.principal_id].clone();
                    let resource = app_of_sp.get(&a.resource_id).cloned();
                    inv.grants
                        .push(entra::parse::application_grant(a, app, resource, &names));
                }
            }
            let policy = get(&format!("{base}/v1.0/policies/authorizationPolicy"), &auth).await;
            inv.policies
                .push(entra::parse::tenant_policy(&policy.json()));
        }
        Provider::Okta => {
            let auth = static_auth(sim, p, t);
            let link = |a: &Answer, _: &Value| a.next_link();
            let app_pages = pages(format!("{base}/api/v1/apps?limit=6"), &auth, link).await;
            for page in &app_pages {
                absorb(&mut inv, okta::read_document(page).unwrap());
            }
            let ids: Vec<(String, String)> = app_pages
                .iter()
                .flat_map(|p| p.as_array().unwrap().clone())
                .map(|a| {
                    (
                        a["id"].as_str().unwrap().to_string(),
                        a["credentials"]["oauthClient"]["client_id"]
                            .as_str()
                            .unwrap()
                            .to_string(),
                    )
                })
                .collect();
            let app_of: HashMap<String, String> =
                ids.iter().map(|(id, c)| (c.clone(), id.clone())).collect();
            for (id, _) in &ids {
                for page in pages(
                    format!("{base}/api/v1/apps/{id}/grants?limit=4&expand=scope"),
                    &auth,
                    link,
                )
                .await
                {
                    for g in page.as_array().unwrap() {
                        inv.grants.extend(
                            okta::parse::parse_grant(g.clone(), |c| app_of.get(c).cloned())
                                .unwrap(),
                        );
                    }
                }
            }
        }
        Provider::Google => {
            let auth = oauth_auth(sim, p, t).await;
            let token = |_: &Answer, b: &Value| {
                b.get("nextPageToken").and_then(Value::as_str).map(|tok| format!("{base}/admin/directory/v1/users?customer=my_customer&maxResults=4&pageToken={tok}"))
            };
            for page in pages(
                format!("{base}/admin/directory/v1/users?customer=my_customer&maxResults=4"),
                &auth,
                token,
            )
            .await
            {
                for user in page["users"].as_array().unwrap() {
                    let key = user["primaryEmail"].as_str().unwrap();
                    let answer = get(
                        &format!("{base}/admin/directory/v1/users/{}/tokens", urlenc(key)),
                        &auth,
                    )
                    .await;
                    assert_eq!(answer.status, 200);
                    let got = google::read_document(&answer.json()).unwrap();
                    for app in got.apps {
                        if !inv.apps.iter().any(|a| a.external_id == app.external_id) {
                            inv.apps.push(app);
                        }
                    }
                    inv.grants.extend(got.grants);
                }
            }
        }
        Provider::Github => {
            let auth = oauth_auth(sim, p, t).await;
            let org = sim.credentials(p, t).org.unwrap();
            let link = |a: &Answer, _: &Value| a.next_link();
            for page in pages(
                format!("{base}/orgs/{org}/installations?per_page=8"),
                &auth,
                link,
            )
            .await
            {
                absorb(&mut inv, github::read_document(&page).unwrap());
            }
            for page in pages(
                format!("{base}/orgs/{org}/credential-authorizations?per_page=3"),
                &auth,
                link,
            )
            .await
            {
                absorb(&mut inv, github::read_document(&page).unwrap());
            }
        }
        Provider::Salesforce => {
            let auth = oauth_auth(sim, p, t).await;
            for object in ["ConnectedApplication", "OauthToken"] {
                let q = urlenc(&format!("SELECT Id, Name FROM {object}"));
                let next = |_: &Answer, b: &Value| {
                    (b["done"] == json!(false))
                        .then(|| format!("{base}{}", b["nextRecordsUrl"].as_str().unwrap()))
                };
                for page in pages(
                    format!("{base}/services/data/v62.0/query?q={q}"),
                    &auth,
                    next,
                )
                .await
                {
                    absorb(&mut inv, salesforce::read_document(&page).unwrap());
                }
            }
        }
        Provider::Slack => {
            let auth = static_auth(sim, p, t);
            let next = |_: &Answer, b: &Value| {
                assert_eq!(b["ok"], json!(true), "{b}");
                let c = b["response_metadata"]["next_cursor"].as_str().unwrap();
                (!c.is_empty())
                    .then(|| format!("{base}/admin.apps.approved.list?limit=6&cursor={c}"))
            };
            for page in pages(
                format!("{base}/admin.apps.approved.list?limit=6"),
                &auth,
                next,
            )
            .await
            {
                absorb(&mut inv, slack::read_document(&page).unwrap());
            }
        }
        Provider::Auth0 => {
            let auth = oauth_auth(sim, p, t).await;
            for list in ["clients", "grants"] {
                let next = |_: &Answer, b: &Value| {
                    let (start, limit, total) = (
                        b["start"].as_u64().unwrap(),
                        b["limit"].as_u64().unwrap(),
                        b["total"].as_u64().unwrap(),
                    );
                    (start + limit < total).then(|| {
                        format!(
                            "{base}/api/v2/{list}?include_totals=true&per_page=9&page={}",
                            (start + limit) / 9
                        )
                    })
                };
                for page in pages(
                    format!("{base}/api/v2/{list}?include_totals=true&per_page=9&page=0"),
                    &auth,
                    next,
                )
                .await
                {
                    absorb(&mut inv, auth0::read_document(&page).unwrap());
                }
            }
            let next = |_: &Answer, b: &Value| {
                b["next"]
                    .as_str()
                    .map(|n| format!("{base}/api/v2/client-grants?take=2&from={n}"))
            };
            for page in pages(format!("{base}/api/v2/client-grants?take=2"), &auth, next).await {
                absorb(&mut inv, auth0::read_document(&page).unwrap());
            }
        }
        Provider::Keycloak => {
            let auth = oauth_auth(sim, p, t).await;
            let realm = sim.credentials(p, t).realm.unwrap();
            let admin = format!("{base}/admin/realms/{realm}");
            let realm_rep = get(&admin, &auth).await.json();
            let mut clients = Vec::new();
            let mut users = Vec::new();
            for (list, into) in [("clients", &mut clients), ("users", &mut users)] {
                let mut first = 0;
                loop {
                    let page = get(&format!("{admin}/{list}?first={first}&max=5"), &auth)
                        .await
                        .json();
                    let got = page.as_array().unwrap().clone();
                    let n = got.len();
                    into.extend(got);
                    if n < 5 {
                        break;
                    }
                    first += 5;
                }
            }
            for user in &mut users {
                let consents = get(
                    &format!("{admin}/users/{}/consents", user["id"].as_str().unwrap()),
                    &auth,
                )
                .await
                .json();
                user["clientConsents"] = consents;
            }
            let mut export = realm_rep;
            export["clients"] = json!(clients);
            export["users"] = json!(users);
            export["clientPolicies"] = get(&format!("{admin}/client-policies/policies"), &auth)
                .await
                .json();
            export["clientProfiles"] = get(&format!("{admin}/client-policies/profiles"), &auth)
                .await
                .json();
            let kind = "org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy";
            let components = get(&format!("{admin}/components?type={kind}"), &auth)
                .await
                .json();
            export["components"] = json!({ kind: components });
            absorb(&mut inv, keycloak::read_document(&export).unwrap());
        }
        _ => unreachable!(),
    }
    inv
}
