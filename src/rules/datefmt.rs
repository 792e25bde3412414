//! RFC 3339 text for evidence timestamps, written without chrono's general formatter.
//!
//! Evidence carries many timestamps (every permission's last use, every stale grant's date),
//! and chrono's formatter costs more than building the rest of a finding. The usual instant
//! (whole seconds, years 0 to 9999) is written here digit by digit; any other instant goes to
//! chrono, so the text is always exactly chrono's. This module owns formatting only: it must
//! not round, truncate or shift a time.

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use serde_json::Value;

/// `t.to_rfc3339()`: `2026-11-01T00:00:00+00:00`.
pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    fast(t, "+00:00").unwrap_or_else(|| t.to_rfc3339())
}

/// `t.to_rfc3339_opts(SecondsFormat::Secs, true)`: `2026-11-01T00:00:00Z`.
pub(crate) fn rfc3339_secs_z(t: DateTime<Utc>) -> String {
    fast(t, "Z").unwrap_or_else(|| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// `serde_json::json!(t)`: chrono's serde form (`2026-11-01T00:00:00Z`), `null` for `None`.
pub(crate) fn date_json(t: Option<DateTime<Utc>>) -> Value {
    match t {
        None => Value::Null,
        Some(t) => Value::String(
            fast(t, "Z").unwrap_or_else(|| t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        ),
    }
}

/// The text of a whole-second instant in years 0 to 9999 with `offset` appended, or `None`
/// for any other instant (fractions and leap seconds, which chrono writes with a fraction, and
/// years that need a sign or more digits).
fn fast(t: DateTime<Utc>, offset: &str) -> Option<String> {
    let n = t.naive_utc();
    let (date, time) = (n.date(), n.time());
    if time.nanosecond() != 0 {
        return None;
    }
    let year = u32::try_from(date.year()).ok().filter(|y| *y <= 9999)?;
    let mut out = String::with_capacity(19 + offset.len());
    let mut push = |v: u32, width: u32, sep: Option<char>| {
        for i in (0..width).rev() {
            let digit = (v / 10u32.pow(i)) % 10;
            out.push(char::from(b'0' + digit as u8));
        }
        if let Some(c) = sep {
            out.push(c);
        }
    };
    push(year, 4, Some('-'));
    push(date.month(), 2, Some('-'));
    push(date.day(), 2, Some('T'));
    push(time.hour(), 2, Some(':'));
    push(time.minute(), 2, Some(':'));
    push(time.second(), 2, None);
    out.push_str(offset);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    fn instants() -> Vec<DateTime<Utc>> {
        let mut v: Vec<DateTime<Utc>> = vec![
            Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 6, 15, 12, 30, 5).unwrap(),
            Utc.timestamp_opt(1_700_000_000, 5_000_000).unwrap(),
            Utc.timestamp_opt(1_700_000_000, 123_456_789).unwrap(),
            Utc.timestamp_opt(1_700_000_000, 1).unwrap(),
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
        ];
        // A leap second, which chrono writes with a fraction (`:60` is not produced here).
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 59, 1_000_000_000)
            .unwrap();
        v.push(Utc.from_utc_datetime(&leap));
        // Every day of a few years, at varying times of day.
        let mut t = Utc.with_ymd_and_hms(1999, 12, 1, 0, 0, 0).unwrap();
        for i in 0..3000 {
            v.push(t);
            t += chrono::Duration::seconds(86_400 + i * 37);
        }
        v
    }

    #[test]
    fn every_form_is_exactly_chronos() {
        for t in instants() {
            assert_eq!(rfc3339(t), t.to_rfc3339(), "{t:?}");
            assert_eq!(
                rfc3339_secs_z(t),
                t.to_rfc3339_opts(SecondsFormat::Secs, true),
                "{t:?}"
            );
            assert_eq!(date_json(Some(t)), serde_json::json!(t), "{t:?}");
        }
        assert_eq!(date_json(None), serde_json::json!(None::<DateTime<Utc>>));
    }

    #[test]
    fn the_usual_instant_takes_the_fast_path() {
        let t = Utc.with_ymd_and_hms(2026, 3, 7, 4, 5, 6).unwrap();
        assert_eq!(fast(t, "Z").as_deref(), Some("2026-03-07T04:05:06Z"));
        assert!(fast(Utc.timestamp_opt(0, 1).unwrap(), "Z").is_none());
    }
}
