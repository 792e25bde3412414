//! Keyset paging and the change feeds of the JSON API while a scan writes, on every
//! backend: nothing skipped, nothing repeated, nothing missed.

mod support;

use serde_json::Value;
use std::collections::{HashMap, HashSet};
use support::api::seeded;
use support::backends;

/// Page through every finding (and poll the change feed) while a scan changes half the
/// estate: each finding that existed before appears in the list exactly once, none twice,
/// and the feed ends holding every finding's final state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_and_the_feed_during_a_scan_skip_and_repeat_nothing() {
    for backend in backends() {
        let (app, _exports) = seeded(backend, 150, "api_rate_limit = 0").await;
        let before: HashSet<i64> = app
            .all("/api/v1/findings?limit=1000")
            .await
            .iter()
            .map(|f| f["id"].as_i64().unwrap())
            .collect();
        // Start a feed now; it must see everything the scan changes.
        let (_, start) = app
            .get(
                "/api/v1/findings?since=2000-01-01T00:00:00Z&limit=1000",
                Some(&app.reader_key),
            )
            .await;
        let mut feed_cursor = start["next_cursor"].as_str().unwrap().to_string();
        let mut latest: HashMap<i64, Value> = HashMap::new();
        for f in start["data"].as_array().unwrap() {
            latest.insert(f["id"].as_i64().unwrap(), f.clone());
        }

        // The rescan removes a third of the generated apps and adds new ones.
        let export = app.config.tenants[0].path.clone().unwrap();
        let file = export.join("applications.json");
        let mut doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let apps = doc["value"].as_array_mut().unwrap();
        apps.retain(|a| {
            !a["displayName"].as_str().unwrap().ends_with('0')
                && !a["displayName"].as_str().unwrap().ends_with('5')
        });
        for i in 0..60 {
            let mut a = apps[0].clone();
            a["id"] = format!("30000000-0000-4000-8000-{i:012}").into();
            a["appId"] = format!("40000000-0000-4000-8000-{i:012}").into();
            a["displayName"] = format!("Added {i}").into();
            apps.push(a);
        }
        std::fs::write(&file, serde_json::to_string(&doc).unwrap()).unwrap();

        let scanning = {
            let (store, config) = (app.store.clone(), app.config.clone());
            tokio::spawn(async move {
                oauth_audit::collector::run_scan(
                    &store,
                    &config,
                    std::sync::Arc::new(oauth_audit::clock::SystemClock),
                    oauth_audit::collector::Trigger::Cli,
                    config.tenants.clone(),
                )
                .await
                .unwrap()
            })
        };
        let mut seen: Vec<i64> = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages_during_scan = 0;
        loop {
            let url = match &cursor {
                Some(c) => format!("/api/v1/findings?limit=10&cursor={c}"),
                None => "/api/v1/findings?limit=10".into(),
            };
            let (status, body) = app.get(&url, Some(&app.reader_key)).await;
            assert_eq!(status, 200);
            if !scanning.is_finished() {
                pages_during_scan += 1;
            }
            seen.extend(
                body["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["id"].as_i64().unwrap()),
            );
            // Poll the feed as a SIEM would, between pages.
            let (_, polled) = app
                .get(
                    &format!("/api/v1/findings?limit=50&cursor={feed_cursor}"),
                    Some(&app.reader_key),
                )
                .await;
            for f in polled["data"].as_array().unwrap() {
                latest.insert(f["id"].as_i64().unwrap(), f.clone());
            }
            feed_cursor = polled["next_cursor"].as_str().unwrap().to_string();
            match body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        let report = scanning.await.unwrap();
        assert_eq!(report.status.as_str(), "succeeded");
        let unique: HashSet<i64> = seen.iter().copied().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "[{backend:?}] a finding was listed twice"
        );
        assert!(
            before.is_subset(&unique),
            "[{backend:?}] a finding was skipped"
        );
        eprintln!("[{backend:?}] {pages_during_scan} pages read while the scan wrote");

        // Drain the feed: it now holds the final state of every finding.
        loop {
            let (_, polled) = app
                .get(
                    &format!("/api/v1/findings?limit=1000&cursor={feed_cursor}"),
                    Some(&app.reader_key),
                )
                .await;
            let data = polled["data"].as_array().unwrap();
            for f in data {
                latest.insert(f["id"].as_i64().unwrap(), f.clone());
            }
            feed_cursor = polled["next_cursor"].as_str().unwrap().to_string();
            if data.is_empty() {
                break;
            }
        }
        let now = app.all("/api/v1/findings?limit=1000").await;
        assert_eq!(
            latest.len(),
            now.len(),
            "[{backend:?}] feed saw every finding"
        );
        for f in &now {
            let fed = &latest[&f["id"].as_i64().unwrap()];
            assert_eq!(
                (&fed["status"], &fed["updated_at"]),
                (&f["status"], &f["updated_at"]),
                "[{backend:?}] the feed's last word on finding {} is its state",
                f["id"]
            );
        }
        assert!(
            now.iter().any(|f| f["status"] == "resolved"),
            "[{backend:?}] the rescan resolved some"
        );
        // The inventory feed lists the rescan's changes.
        let events = app.all_feed("/api/v1/events?limit=100").await;
        assert!(
            events
                .iter()
                .any(|e| e["kind"].as_str().unwrap().contains("removed")),
            "[{backend:?}]"
        );
    }
}
