//! Writing instants as RFC 3339 quickly. The API answers hundreds of timestamps per page;
//! chrono's serializer goes through the formatting machinery and costs about a microsecond
//! each. [`serialize`] writes the same text (`YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z`,
//! chrono's `AutoSi` with `Z`) from a stack buffer, and leaves years outside 0–9999 and leap
//! seconds to chrono.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serializer;

/// `#[serde(serialize_with = "crate::export::time::serialize")]` on a `DateTime<Utc>`.
pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; 32];
    match write(t, &mut buf) {
        // Only ASCII digits and separators were written.
        Some(n) => s.serialize_str(std::str::from_utf8(&buf[..n]).unwrap_or_default()),
        None => serde::Serialize::serialize(t, s),
    }
}

/// `#[serde(serialize_with = "crate::export::time::serialize_opt")]` on an
/// `Option<DateTime<Utc>>`.
pub fn serialize_opt<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => serialize(t, s),
        None => s.serialize_none(),
    }
}

/// The RFC 3339 text of `t` in `buf`, its length; `None` where chrono must write it.
fn write(t: &DateTime<Utc>, buf: &mut [u8; 32]) -> Option<usize> {
    let year = t.year();
    let nano = t.nanosecond();
    if !(0..=9999).contains(&year) || nano >= 1_000_000_000 {
        return None;
    }
    let mut w = Writer { buf, len: 0 };
    w.digits(year as u32, 4);
    w.byte(b'-');
    w.digits(t.month(), 2);
    w.byte(b'-');
    w.digits(t.day(), 2);
    w.byte(b'T');
    w.digits(t.hour(), 2);
    w.byte(b':');
    w.digits(t.minute(), 2);
    w.byte(b':');
    w.digits(t.second(), 2);
    if nano != 0 {
        w.byte(b'.');
        if nano.is_multiple_of(1_000_000) {
            w.digits(nano / 1_000_000, 3);
        } else if nano.is_multiple_of(1_000) {
            w.digits(nano / 1_000, 6);
        } else {
            w.digits(nano, 9);
        }
    }
    w.byte(b'Z');
    Some(w.len)
}

/// Appends to a buffer long enough for the longest text (30 bytes).
struct Writer<'a> {
    buf: &'a mut [u8; 32],
    len: usize,
}

impl Writer<'_> {
    fn byte(&mut self, c: u8) {
        self.buf[self.len] = c;
        self.len += 1;
    }

    /// `value` zero-padded to `width` digits.
    fn digits(&mut self, value: u32, width: u32) {
        for i in (0..width).rev() {
            self.byte(b'0' + ((value / 10u32.pow(i)) % 10) as u8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ours(t: &DateTime<Utc>) -> String {
        #[derive(serde::Serialize)]
        struct W<'a>(#[serde(serialize_with = "serialize")] &'a DateTime<Utc>);
        serde_json::to_string(&W(t)).unwrap()
    }

    #[test]
    fn writes_exactly_what_chrono_writes() {
        let base = Utc.with_ymd_and_hms(2026, 11, 25, 7, 8, 9).unwrap();
        let mut cases = vec![
            base,
            Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(-5, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(12_000, 1, 1, 0, 0, 0).unwrap(),
        ];
        for nanos in [
            1,
            999,
            1_000,
            120_000,
            500_000_000,
            123_456_789,
            999_999_999,
        ] {
            cases.push(base + chrono::Duration::nanoseconds(nanos));
        }
        // A spread of instants across four centuries, with microsecond parts.
        let mut x: i64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let secs = x.rem_euclid(12_000_000_000) - 2_000_000_000;
            let micros = (x >> 20).rem_euclid(1_000_000);
            cases.push(Utc.timestamp_opt(secs, (micros * 1000) as u32).unwrap());
        }
        for t in &cases {
            assert_eq!(ours(t), serde_json::to_string(t).unwrap(), "{t:?}");
        }
    }

    #[test]
    fn writes_none_as_null() {
        #[derive(serde::Serialize)]
        struct W(#[serde(serialize_with = "serialize_opt")] Option<DateTime<Utc>>);
        assert_eq!(serde_json::to_string(&W(None)).unwrap(), "null");
    }
}
