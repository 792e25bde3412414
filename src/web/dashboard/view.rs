//! Small helpers every page's view uses: bounded, truncated display of SaaS-supplied text
//! (the full value stays available), times and ages, severity names, and query strings for
//! links. Nothing here marks text safe: askama escapes whatever these return.

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::rules::Severity;

/// Longest full value kept for display (beyond it, the value is cut and says so).
pub const FULL_MAX: usize = 4096;

/// A value shown short, with its full text (bounded) for a `title` or a `<details>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clip {
    pub short: String,
    pub full: String,
    /// `short` is not the whole value.
    pub cut: bool,
}

impl Clip {
    /// `text` cut to `max` characters for display; the full value is bounded by [`FULL_MAX`].
    pub fn new(text: &str, max: usize) -> Clip {
        let count = text.chars().count();
        let short: String = text.chars().take(max).collect();
        let full = if count > FULL_MAX {
            let kept: String = text.chars().take(FULL_MAX).collect();
            format!("{kept}… ({} more characters not shown)", count - FULL_MAX)
        } else {
            text.to_owned()
        };
        Clip {
            short,
            full,
            cut: count > max,
        }
    }

    /// An optional value, `—` when absent.
    pub fn opt(text: Option<&str>, max: usize) -> Clip {
        Clip::new(text.unwrap_or("—"), max)
    }
}

/// A stored instant as shown: `2026-11-25 14:03 UTC`.
pub fn when(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// An optional instant, `—` when absent.
pub fn when_opt(t: Option<NaiveDateTime>) -> String {
    t.map(when).unwrap_or_else(|| "—".to_owned())
}

/// A UTC instant as shown.
pub fn when_utc(t: DateTime<Utc>) -> String {
    when(t.naive_utc())
}

/// How long ago `t` was, coarsely (`just now`, `5 min ago`, `3 h ago`, `12 days ago`).
pub fn ago(now: DateTime<Utc>, t: NaiveDateTime) -> String {
    let secs = (now.naive_utc() - t).num_seconds();
    match secs {
        s if s < 60 => "just now".to_owned(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    }
}

/// Whole days from `now` until `t` (negative once past).
pub fn days_until(now: DateTime<Utc>, t: NaiveDateTime) -> i64 {
    (t - now.naive_utc()).num_days()
}

/// The severity named by a rank (info 0 … critical 4).
pub fn severity_of_rank(rank: i16) -> Severity {
    match rank {
        r if r <= 0 => Severity::Info,
        1 => Severity::Low,
        2 => Severity::Medium,
        3 => Severity::High,
        _ => Severity::Critical,
    }
}

/// A parsed `severity` parameter: `None` when empty, an error message when unknown.
pub fn parse_severity(s: Option<&str>) -> Result<Option<Severity>, String> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse::<Severity>().map(Some),
    }
}

/// A filter parameter: trimmed, empty as absent, bounded in length.
pub fn param(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(256).collect())
}

/// A query string (`?a=1&b=2`, or empty) of the non-empty pairs, form-encoded.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        ser.append_pair(k, v);
        any = true;
    }
    if any {
        format!("?{}", ser.finish())
    } else {
        String::new()
    }
}

/// A path segment, percent-encoded (for links built from provider data, such as publishers).
pub fn path_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_cuts_by_characters_and_keeps_the_full_value() {
        let c = Clip::new("héllo wörld", 5);
        assert_eq!(c.short, "héllo");
        assert_eq!(c.full, "héllo wörld");
        assert!(c.cut);
        let c = Clip::new("short", 5);
        assert!(!c.cut);
        assert_eq!(c.short, "short");
    }

    #[test]
    fn clip_bounds_a_huge_value_and_says_how_much_is_missing() {
        let c = Clip::new(&"x".repeat(FULL_MAX + 10), 40);
        assert!(
            c.full.ends_with("(10 more characters not shown)"),
            "{}",
            c.full
        );
        assert_eq!(c.short.len(), 40);
    }

    #[test]
    fn query_strings_skip_empty_values_and_encode_the_rest() {
        assert_eq!(query_string(&[("a", String::new())]), "");
        assert_eq!(
            query_string(&[
                ("q", "a&b <x>".into()),
                ("s", String::new()),
                ("p", "2".into())
            ]),
            "?q=a%26b+%3Cx%3E&p=2"
        );
        assert_eq!(path_segment("ChatLoft Inc./x?"), "ChatLoft%20Inc.%2Fx%3F");
    }

    #[test]
    fn severities_parse_and_ranks_map_back() {
        assert_eq!(parse_severity(Some("")).unwrap(), None);
        assert_eq!(parse_severity(Some("High")).unwrap(), Some(Severity::High));
        assert!(parse_severity(Some("urgent")).is_err());
        assert_eq!(severity_of_rank(4), Severity::Critical);
        assert_eq!(severity_of_rank(0), Severity::Info);
    }
}
