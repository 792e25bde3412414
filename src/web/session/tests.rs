//! Sessions against a real (SQLite) store with a clock the test moves: idle and absolute
//! expiry, revocation of the key a session was opened with, and the derived CSRF token.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::clock::Clock;
use actix_web::test::TestRequest;
use chrono::TimeZone;
use std::sync::{Arc, Mutex};

struct TestClock(Mutex<DateTime<Utc>>);

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

impl TestClock {
    fn advance(&self, d: Duration) {
        *self.0.lock().unwrap() += d;
    }
}

fn state(dir: &std::path::Path) -> (AppState, Arc<TestClock>) {
    let store = crate::store::Store::open(&dir.join("t.db").display().to_string(), 2).unwrap();
    let clock = Arc::new(TestClock(Mutex::new(
        Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap(),
    )));
    let mut config = Config::default();
    config.login.session_idle_minutes = 30;
    config.login.session_max_hours = 2;
    let state = AppState {
        store,
        clock: clock.clone(),
        demo: false,
        scan_gate: Default::default(),
        scheduler: Default::default(),
        config: Arc::new(config),
    };
    (state, clock)
}

/// A request carrying the cookie from a `Set-Cookie` value.
fn with_cookie(set_cookie: &str) -> (HttpRequest, String) {
    let pair = set_cookie.split(';').next().unwrap();
    let id = pair.split_once('=').unwrap().1.to_owned();
    (
        TestRequest::default()
            .insert_header(("Cookie", pair))
            .to_http_request(),
        id,
    )
}

fn who(key: Option<i64>) -> NewSession {
    NewSession {
        principal: "test".into(),
        display_name: "Tess".into(),
        role: Role::Admin,
        api_key_id: key,
    }
}

#[actix_web::test]
async fn a_session_ends_when_idle_for_too_long_but_not_while_used() {
    let dir = tempfile::tempdir().unwrap();
    let (state, clock) = state(dir.path());
    let set = open_session(&state, &TestRequest::default().to_http_request(), who(None))
        .await
        .unwrap()
        .set_cookie;
    let (req, id) = with_cookie(&set);
    let v = current(&state, &req)
        .await
        .unwrap()
        .expect("a fresh session is live");
    assert_eq!((v.name.as_str(), v.role), ("Tess", Role::Admin));
    assert_eq!(v.csrf_token, token::csrf_token(&id));
    assert!(v.check_csrf(&token::csrf_token(&id)) && !v.check_csrf("forged"));
    // Used every 20 minutes: still live after an hour.
    for _ in 0..3 {
        clock.advance(Duration::minutes(20));
        assert!(current(&state, &req).await.unwrap().is_some());
    }
    clock.advance(Duration::minutes(31));
    assert!(
        current(&state, &req).await.unwrap().is_none(),
        "idle for 31 minutes"
    );
}

#[actix_web::test]
async fn a_session_ends_at_its_absolute_expiry_however_active() {
    let dir = tempfile::tempdir().unwrap();
    let (state, clock) = state(dir.path());
    let set = open_session(&state, &TestRequest::default().to_http_request(), who(None))
        .await
        .unwrap()
        .set_cookie;
    let (req, _) = with_cookie(&set);
    for _ in 0..5 {
        clock.advance(Duration::minutes(23));
        assert!(current(&state, &req).await.unwrap().is_some());
    }
    clock.advance(Duration::minutes(10)); // 2 h 5 min after sign-in
    assert!(current(&state, &req).await.unwrap().is_none());
}

#[actix_web::test]
async fn revoking_the_key_ends_its_sessions_and_unknown_cookies_are_no_session() {
    let dir = tempfile::tempdir().unwrap();
    let (state, _) = state(dir.path());
    let (key, _) = state
        .store
        .create_api_key("k", Role::Admin, state.clock.now())
        .unwrap();
    let set = open_session(
        &state,
        &TestRequest::default().to_http_request(),
        who(Some(key.id)),
    )
    .await
    .unwrap()
    .set_cookie;
    let (req, _) = with_cookie(&set);
    assert!(current(&state, &req).await.unwrap().is_some());
    state
        .store
        .revoke_api_key(key.id, state.clock.now())
        .unwrap();
    assert!(current(&state, &req).await.unwrap().is_none());

    let forged = format!("{}={}", cookie::SESSION_COOKIE, token::random_token());
    let (req, _) = with_cookie(&forged);
    assert!(current(&state, &req).await.unwrap().is_none());
    let (req, _) = with_cookie(&format!("{}=not-a-token", cookie::SESSION_COOKIE));
    assert!(current(&state, &req).await.unwrap().is_none());
}

#[actix_web::test]
async fn signing_in_again_ends_the_session_the_browser_had() {
    let dir = tempfile::tempdir().unwrap();
    let (state, _) = state(dir.path());
    let first = open_session(&state, &TestRequest::default().to_http_request(), who(None))
        .await
        .unwrap();
    let (old, _) = with_cookie(&first.set_cookie);
    let second = open_session(&state, &old, who(None)).await.unwrap();
    assert_ne!(first.set_cookie, second.set_cookie);
    assert!(current(&state, &old).await.unwrap().is_none());
    let (new, id) = with_cookie(&second.set_cookie);
    assert!(current(&state, &new).await.unwrap().is_some());
    assert_eq!(second.csrf_token, token::csrf_token(&id));
}
