//! What every page's frame shows: the navigation, who is signed in (with the logout form and
//! its CSRF token) and the demo banner.

use crate::web::session::Viewer;

/// The navigation entry a page belongs to (highlighted in the menu).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Overview,
    Apps,
    Vendors,
    Findings,
    Tenants,
    Scans,
    None,
}

/// The frame around a page (`templates/base.html`).
#[derive(Debug, Clone)]
pub struct Layout {
    /// The page title, shown in the tab and as the main heading.
    pub title: String,
    pub nav: Nav,
    pub viewer: Viewer,
}

impl Layout {
    pub fn new(title: impl Into<String>, nav: Nav, viewer: Viewer) -> Layout {
        Layout {
            title: title.into(),
            nav,
            viewer,
        }
    }

    /// `aria-current="page"` for the active menu entry, named as in [`Nav::as_str`].
    pub fn current(&self, nav: &str) -> &'static str {
        if self.nav.as_str() == nav {
            "page"
        } else {
            "false"
        }
    }
}

impl Nav {
    pub fn as_str(self) -> &'static str {
        match self {
            Nav::Overview => "overview",
            Nav::Apps => "apps",
            Nav::Vendors => "vendors",
            Nav::Findings => "findings",
            Nav::Tenants => "tenants",
            Nav::Scans => "scans",
            Nav::None => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::api_keys::Role;
    use askama::Template;

    #[derive(Template)]
    #[template(
        source = "{% extends \"base.html\" %}{% block content %}<p>body</p>{% endblock %}",
        ext = "html"
    )]
    struct Probe {
        layout: Layout,
    }

    fn viewer(name: &str, demo: bool) -> Viewer {
        Viewer {
            name: name.to_owned(),
            role: Role::Reader,
            csrf_token: "tok123".to_owned(),
            demo,
        }
    }

    #[test]
    fn frame_marks_the_active_page_and_escapes_the_viewer_name() {
        let page = Probe {
            layout: Layout::new("Apps <b>", Nav::Apps, viewer("<script>x</script>", false)),
        };
        let html = page.render().unwrap();
        assert!(
            html.contains(r#"<a href="/apps" aria-current="page">"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<a href="/" aria-current="false">"#),
            "{html}"
        );
        assert!(
            html.contains("&#60;script&#62;x&#60;/script&#62;"),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("Apps &#60;b&#62;"), "{html}");
        assert!(
            html.contains(r#"name="csrf_token" value="tok123""#),
            "{html}"
        );
        assert!(!html.contains("Demo mode"), "{html}");
    }

    #[test]
    fn demo_frame_has_the_banner_and_no_logout() {
        let page = Probe {
            layout: Layout::new("Overview", Nav::Overview, viewer("demo", true)),
        };
        let html = page.render().unwrap();
        assert!(html.contains("Demo mode"), "{html}");
        assert!(!html.contains("/logout"), "{html}");
    }
}
