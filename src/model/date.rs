//! Calendar dates as days since 1970-01-01, without a time zone.
//!
//! Scoring needs only whole days between a contact's date and the model's `as_of`, so a date
//! is an `i32` day number. Parsing accepts ISO dates (`2026-11-01`), ISO date-times (the date
//! part is used), and `2026/11/01`; anything else is not a date.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Days since 1970-01-01.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);

impl Date {
    /// Today in UTC.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Date((secs / 86_400) as i32)
    }

    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Date> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        // Howard Hinnant's days_from_civil.
        let y = if m <= 2 { y - 1 } else { y } as i64;
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = m as i64;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Date((era * 146_097 + doe - 719_468) as i32))
    }

    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 as i64 + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
    }

    /// Parses `YYYY-MM-DD`, `YYYY/MM/DD`, or the date part of an ISO date-time (whose time
    /// must start with a valid `HH:MM`).
    pub fn parse(text: &str) -> Option<Date> {
        let t = text.trim().as_bytes();
        if t.len() < 10 {
            return None;
        }
        let digits = |s: &[u8]| -> Option<u32> {
            if s.iter().all(u8::is_ascii_digit) {
                Some(s.iter().fold(0u32, |a, &b| a * 10 + (b - b'0') as u32))
            } else {
                None
            }
        };
        let sep = t[4];
        if (sep != b'-' && sep != b'/') || t[7] != sep {
            return None;
        }
        // A time after the date starts with an hour of 00 to 23 and minutes of 00 to 59
        // (`T10:00`, ` 23:59:59Z`); what follows is not read. `T25:00` is no time of a day.
        if t.len() > 10 {
            let time = |i: usize| t.get(i).copied().unwrap_or(0);
            let shape = matches!(t[10], b'T' | b' ' | b't')
                && matches!(
                    (time(11), time(12)),
                    (b'0' | b'1', b'0'..=b'9') | (b'2', b'0'..=b'3')
                )
                && time(13) == b':'
                && matches!((time(14), time(15)), (b'0'..=b'5', b'0'..=b'9'));
            if !shape {
                return None;
            }
        }
        let y = digits(&t[0..4])?;
        let m = digits(&t[5..7])?;
        let d = digits(&t[8..10])?;
        Date::from_ymd(y as i32, m, d)
    }
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Refused inside the visitor, while the parser still knows where the value is: an
        // error raised after `String::deserialize` returned was placed at 1:1.
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date written as YYYY-MM-DD")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Date, E> {
                Date::parse(s).ok_or_else(|| {
                    E::custom(format!("'{s}' is not a date: write it as YYYY-MM-DD"))
                })
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_known_days() {
        assert_eq!(Date::from_ymd(1970, 1, 1), Some(Date(0)));
        // 2026-11-01 is 20,758 days after the epoch (56 years, 14 leap days, Jan..Oct 2026).
        assert_eq!(Date::parse("2026-11-01"), Some(Date(20_758)));
        assert_eq!(Date(20_758).to_string(), "2026-11-01");
        assert_eq!(
            Date::parse("2024-02-29T10:00:00Z"),
            Date::from_ymd(2024, 2, 29)
        );
        assert_eq!(Date::parse("2026/01/31"), Date::from_ymd(2026, 1, 31));
    }

    #[test]
    fn refuses_non_dates() {
        assert_eq!(Date::parse("2023-02-29"), None);
        assert_eq!(Date::parse("yesterday"), None);
        assert_eq!(Date::parse("2026-13-01"), None);
        assert_eq!(Date::parse("2026-11-01x"), None);
        // Issue 12, item 19: an hour of 25 was accepted; a time is HH:MM of a day.
        assert_eq!(Date::parse("2026-11-01T25:00:00"), None);
        assert_eq!(Date::parse("2026-11-01 24:00"), None);
        assert_eq!(Date::parse("2026-11-01T10:60"), None);
        assert_eq!(Date::parse("2026-11-01T1"), None);
        assert_eq!(
            Date::parse("2026-11-01T23:59:59Z"),
            Date::from_ymd(2026, 11, 1)
        );
        assert_eq!(Date::parse("2026-11-01 00:00"), Date::from_ymd(2026, 11, 1));
    }
}
