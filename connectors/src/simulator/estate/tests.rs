//! The estate is deterministic, finds grants from users, and follows its redirect mix.

use super::*;

fn size(apps: usize, grants: usize, users: usize) -> EstateSize {
    EstateSize {
        tenants: 1,
        apps_per_tenant: apps,
        grants_per_app: grants,
        users_per_tenant: users,
        redirect_mix: RedirectMix::default(),
    }
}

#[test]
fn same_seed_generates_the_same_apps_and_another_seed_does_not() {
    let a = Estate::new(7, Preset::Generated(size(50, 2, 10)));
    let b = Estate::new(7, Preset::Generated(size(50, 2, 10)));
    let c = Estate::new(8, Preset::Generated(size(50, 2, 10)));
    let apps = |e: &Estate| {
        (0..50)
            .map(|i| e.app(Provider::Okta, 0, i))
            .collect::<Vec<_>>()
    };
    assert_eq!(apps(&a), apps(&b));
    assert_ne!(apps(&a), apps(&c));
}

#[test]
fn each_user_grant_is_found_from_its_user() {
    let e = Estate::new(1, Preset::Generated(size(40, 3, 7)));
    let mut from_users: Vec<(usize, usize)> = (0..7).flat_map(|u| e.grants_of_user(u)).collect();
    from_users.sort();
    let mut from_apps = Vec::new();
    for a in 0..40 {
        let app = e.app(Provider::Google, 0, a);
        for g in 0..3 {
            let grant = e.grant(Provider::Google, 0, &app, g);
            assert!(e.grants_of_user(grant.user).any(|x| x == (a, g)));
            from_apps.push((a, g));
        }
    }
    assert_eq!(from_users, from_apps);
}

#[test]
fn redirect_mix_sets_the_share_of_risky_redirects() {
    let mut mix = RedirectMix::CLEAN;
    mix.takeover = 0.5;
    let e = Estate::new(
        3,
        Preset::Generated(EstateSize {
            redirect_mix: mix,
            ..size(400, 1, 1)
        }),
    );
    let apps: Vec<AppSpec> = (0..400).map(|i| e.app(Provider::Okta, 0, i)).collect();
    let with_redirects = apps.iter().filter(|a| a.kind != Kind::Service).count();
    let risky = apps
        .iter()
        .filter(|a| a.redirect_uris.iter().any(|u| u.contains(".herokuapp.com")))
        .count();
    let share = risky as f64 / with_redirects as f64;
    assert!((0.4..0.6).contains(&share), "share {share}");
    let clean = Estate::new(3, Preset::Generated(size(100, 1, 1)));
    assert!(
        (0..100)
            .map(|i| clean.app(Provider::Okta, 0, i))
            .all(|a| a.redirect_uris.len() <= 2)
    );
}
