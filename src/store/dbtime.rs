//! Reading stored timestamps quickly. diesel reads an SQLite timestamp by trying chrono
//! format strings one after another, which costs about a microsecond per value; a page of
//! findings holds five hundred of them. [`DbTime`] parses the one layout this store writes
//! (`YYYY-MM-DD HH:MM:SS[.fraction]`) directly and falls back to diesel's reader for anything
//! else; on PostgreSQL (a binary timestamp) it is diesel's reader.
//!
//! Use it in `Queryable` views with `#[diesel(deserialize_as = DbTime)]` on a
//! `NaiveDateTime` field, or `DbTimeOpt` on an `Option<NaiveDateTime>` one.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::Pg;
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::Sqlite;

/// A stored timestamp (read fast on SQLite).
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct DbTime(pub NaiveDateTime);

/// A nullable stored timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct DbTimeOpt(pub Option<NaiveDateTime>);

impl From<DbTime> for NaiveDateTime {
    fn from(t: DbTime) -> NaiveDateTime {
        t.0
    }
}

impl From<DbTimeOpt> for Option<NaiveDateTime> {
    fn from(t: DbTimeOpt) -> Option<NaiveDateTime> {
        t.0
    }
}

impl FromSql<Timestamp, Sqlite> for DbTime {
    fn from_sql(mut value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        if let Some(t) = parse_stored(value.read_text()) {
            return Ok(DbTime(t));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(DbTime)
    }
}

impl FromSql<Timestamp, Pg> for DbTime {
    fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(DbTime)
    }
}

impl<DB: Backend> FromSql<Nullable<Timestamp>, DB> for DbTimeOpt
where
    DbTime: FromSql<Timestamp, DB>,
{
    fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
        DbTime::from_sql(value).map(|t| DbTimeOpt(Some(t.0)))
    }

    fn from_nullable_sql(value: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        match value {
            Some(v) => Self::from_sql(v),
            None => Ok(DbTimeOpt(None)),
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS` with an optional `.` and one to nine fraction digits, exactly as
/// diesel writes a `NaiveDateTime` to SQLite; `None` for any other text.
fn parse_stored(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)?;
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let value = num(20..b.len())?;
            value * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let time = NaiveTime::from_hms_nano_opt(num(11..13)?, num(14..16)?, num(17..19)?, nanos)?;
    Some(NaiveDateTime::new(date, time))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrono_parse(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%F %T%.f").unwrap()
    }

    #[test]
    fn parses_what_diesel_writes_exactly_as_chrono_does() {
        for s in [
            "2026-11-25 00:00:00",
            "2026-11-25 23:59:59.5",
            "1999-01-31 12:34:56.123456",
            "2024-02-29 01:02:03.000001",
            "2026-11-25 10:11:12.123456789",
        ] {
            assert_eq!(parse_stored(s), Some(chrono_parse(s)), "{s}");
        }
        // Written by diesel itself, round-tripped.
        let t = chrono_parse("2026-03-04 05:06:07.089");
        let written = t.format("%F %T%.f").to_string();
        assert_eq!(parse_stored(&written), Some(t));
    }

    #[test]
    fn leaves_other_layouts_to_the_fallback() {
        for s in [
            "",
            "2026-11-25",
            "2026-11-25T00:00:00",
            "2026-11-25 00:00:00Z",
            "2026-11-25 00:00:00.",
            "2026-11-25 00:00:00.1234567890",
            "2026-13-25 00:00:00",
            "2026-11-25 24:00:00",
            "2026-1a-25 00:00:00",
            "+026-11-25 00:00:00",
        ] {
            assert_eq!(parse_stored(s), None, "{s:?}");
        }
    }
}
