//! Every dashboard page in a real browser: headless Chromium over WebDriver
//! (`support::browser`) against the real `oauth-audit serve --demo`, which collects the demo
//! estate from the built-in SaaS simulator. The pages' content is asserted as the browser
//! shows it, the filter form is used as a person would, the app named with an HTML/script
//! payload must render as text (no dialog, no injected element), and the overview must fit a
//! phone-sized window. Each visited page is saved under `target/screenshots/`. Skipped with a
//! message when chromium is missing, unless `CI` is set.

mod support;

use connectors::simulator::demo::{HTML_PAYLOAD_NAME, SALES_CHAT};
use fantoccini::Locator;
use fantoccini::key::Key;
use support::browser::{self, Browser};
use support::server::Serve;

/// How many elements match the CSS selector on the current page.
async fn count(b: &Browser, css: &str) -> usize {
    b.client.find_all(Locator::Css(css)).await.unwrap().len()
}

/// The app rows of an app list.
const APP_ROWS: &str = "table tbody th[scope=row] a[href^='/apps/']";

/// Nothing the hostile app name could have injected: no dialog, no script, no image.
async fn assert_no_injection(b: &Browser, page: &str) {
    assert_eq!(b.alert().await, None, "{page}: a dialog opened");
    assert_eq!(count(b, "script").await, 0, "{page}: a script element");
    assert_eq!(count(b, "img").await, 0, "{page}: an img element");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_page_renders_in_the_browser_with_hostile_names_as_text() {
    if !browser::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let serve = tokio::task::spawn_blocking(move || Serve::demo(&d))
        .await
        .unwrap();
    let mut b = Browser::new("pages").await;

    // The overview: counts, charts drawn on the server with accessible names, the banner.
    b.goto(&serve.url("/"), "overview").await;
    assert_eq!(b.text("main h1").await, "Overview");
    assert!(b.text(".banner").await.contains("Demo mode"));
    assert!(
        count(
            &b,
            "svg[role=img][aria-labelledby], svg[role=img][aria-label]"
        )
        .await
            >= 4,
        "the overview's charts"
    );
    assert_no_injection(&b, "/").await;

    // Keyboard: the first Tab reaches the skip link, which leads to the main content.
    b.client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys(&Key::Tab.to_string())
        .await
        .unwrap();
    let focused = b.client.active_element().await.unwrap();
    assert_eq!(focused.text().await.unwrap(), "Skip to content");
    assert_eq!(
        focused.attr("href").await.unwrap().as_deref(),
        Some("#main")
    );

    // The app list, narrowed with the filter form; the filters land in the query string.
    b.goto(&serve.url("/apps"), "apps").await;
    assert_eq!(b.text("main h1").await, "Apps");
    let all = count(&b, APP_ROWS).await;
    b.fill("input[name=q]", "chatloft").await;
    b.click("form.filters button[type=submit]").await;
    b.wait_for_url("the searched list", |u| u.contains("q=chatloft"))
        .await;
    b.screenshot("apps-search").await;
    assert_eq!(count(&b, APP_ROWS).await, 3, "ChatLoft in three tenants");
    assert!(
        all > 3,
        "the unfiltered list holds more than the vendor's apps"
    );
    for link in b.client.find_all(Locator::Css(APP_ROWS)).await.unwrap() {
        assert_eq!(link.text().await.unwrap(), SALES_CHAT);
    }
    b.find("select[name=provider]")
        .await
        .select_by_value("slack")
        .await
        .unwrap();
    b.click("form.filters button[type=submit]").await;
    let url = b
        .wait_for_url("the provider filter", |u| u.contains("provider=slack"))
        .await;
    assert!(url.contains("q=chatloft"), "the search is kept: {url}");
    b.screenshot("apps-search-slack").await;
    assert_eq!(count(&b, APP_ROWS).await, 1);
    // The form shows the filters it applied.
    let search = b.find("input[name=q]").await;
    assert_eq!(
        search.prop("value").await.unwrap().as_deref(),
        Some("chatloft")
    );

    // The hostile name: listed and detailed as text.
    b.goto(&serve.url("/apps?q=onerror"), "apps-hostile").await;
    assert_no_injection(&b, "/apps?q=onerror").await;
    let hostile = b.client.find_all(Locator::Css(APP_ROWS)).await.unwrap();
    assert!(!hostile.is_empty(), "the hostile app is listed");
    assert_eq!(hostile[0].text().await.unwrap(), HTML_PAYLOAD_NAME);
    hostile[0].clone().click().await.unwrap();
    b.wait_for_url("the hostile app's page", |u| {
        u.contains("/apps/") && !u.contains('?')
    })
    .await;
    b.screenshot("app-hostile").await;
    assert_no_injection(&b, "the hostile app's page").await;
    assert_eq!(b.text("main h1").await, format!("App: {HTML_PAYLOAD_NAME}"));

    // An app's page: its sections are there.
    b.goto(
        &serve.url("/apps?q=chatloft&provider=salesforce"),
        "apps-sf",
    )
    .await;
    b.click(APP_ROWS).await;
    b.wait_for_url("ChatLoft's page", |u| {
        u.contains("/apps/") && !u.contains('?')
    })
    .await;
    b.screenshot("app-chatloft").await;
    assert_eq!(b.text("main h1").await, format!("App: {SALES_CHAT}"));
    let headings = b.text("main").await;
    for section in ["Findings", "Grants", "Token policy"] {
        assert!(headings.contains(section), "app page lacks {section}");
    }

    // The vendor's blast radius across the three providers that granted it.
    b.goto(&serve.url("/vendors/chatloft-demo.example"), "vendor")
        .await;
    assert!(b.text("main h1").await.starts_with("Vendor: "));
    let vendor = b.text("main").await.to_lowercase();
    for provider in ["salesforce", "google", "slack"] {
        assert!(vendor.contains(provider), "vendor page lacks {provider}");
    }
    assert!(b.text("#contain-h").await.contains("Containment"));
    assert_no_injection(&b, "/vendors").await;

    // Findings, tenants and scans.
    b.goto(&serve.url("/findings?severity=high"), "findings")
        .await;
    assert_eq!(b.text("main h1").await, "Findings");
    assert!(
        count(&b, "table tbody tr").await > 0,
        "high findings listed"
    );
    for sev in b
        .client
        .find_all(Locator::Css("table tbody .sev"))
        .await
        .unwrap()
    {
        let s = sev.text().await.unwrap();
        assert!(["high", "critical"].contains(&s.as_str()), "{s} below high");
    }
    assert_no_injection(&b, "/findings").await;
    b.goto(&serve.url("/tenants"), "tenants").await;
    assert_eq!(b.text("main h1").await, "Tenants");
    assert_eq!(count(&b, "table tbody tr").await, 8, "eight demo tenants");
    b.goto(&serve.url("/scans"), "scans").await;
    assert_eq!(b.text("main h1").await, "Scans");
    assert!(b.has("form[action='/scans'] input[name=csrf_token]").await);

    // An unknown app: the HTML error page.
    b.goto(&serve.url("/apps/999999"), "not-found").await;
    assert_eq!(b.text("main h1").await, "404 Not Found");

    // A phone-sized window: the overview fits without sideways scrolling.
    b.client.set_window_size(390, 844).await.unwrap();
    b.goto(&serve.url("/"), "overview-narrow").await;
    let widths = b
        .client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, inner) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    assert!(
        scroll <= inner,
        "page {scroll} px wide in a {inner} px window"
    );
    b.goto(&serve.url("/apps"), "apps-narrow").await;
    b.close().await;
}
