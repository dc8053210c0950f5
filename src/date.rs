//! Calendar dates as authors write them: `2013`, `2013-03` or `2013-03-18`.
//!
//! Records often know only the month or year something happened, so every date field
//! holds a [`PartialDate`]. Readiness rules need to compare them with a full readiness
//! date: a deadline counts as its period's last day, a thing that happened as its first
//! (SPEC §5 "Precise rules"). Day arithmetic uses the proleptic Gregorian calendar via
//! days since 1970-01-01, which is all we need and keeps a date crate out.

use std::fmt;

/// A full calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in a month of a year.
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

impl Date {
    /// A date, if it exists in the calendar.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Date { year, month, day })
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date a number of days after 1970-01-01 (inverse of [`Date::days`]).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Today in UTC, read from the system clock.
    pub fn today_utc() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Date::from_days(secs.div_euclid(86_400))
    }

    /// Parses a full `YYYY-MM-DD` date (the readiness date must be one).
    pub fn parse_full(text: &str) -> Option<Date> {
        match PartialDate::parse(text) {
            Ok(PartialDate {
                year,
                month: Some(m),
                day: Some(d),
            }) => Date::new(year, m, d),
            _ => None,
        }
    }

    /// `12 March 2009`.
    pub fn long(self) -> String {
        format!(
            "{} {} {}",
            self.day,
            MONTHS[usize::from(self.month - 1)],
            self.year
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A date known to the year, the month or the day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`. The error is a plain-English hint.
    pub fn parse(text: &str) -> Result<PartialDate, String> {
        let text = text.trim();
        let parts: Vec<&str> = text.split('-').collect();
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let shape_ok = match parts.as_slice() {
            [y] => digits(y, 4),
            [y, m] => digits(y, 4) && digits(m, 2),
            [y, m, d] => digits(y, 4) && digits(m, 2) && digits(d, 2),
            _ => false,
        };
        if !shape_ok {
            return Err(hint_for_bad_date(text));
        }
        // The digit checks above make these parses infallible.
        let num = |s: &str| s.parse::<u16>().unwrap_or(0);
        let year = i32::from(num(parts[0]));
        let month = parts.get(1).map(|m| num(m) as u8);
        let day = parts.get(2).map(|d| num(d) as u8);
        if let Some(m) = month {
            if !(1..=12).contains(&m) {
                return Err(format!(
                    "`{text}` has no month {m}: months run from 01 to 12"
                ));
            }
            if let Some(d) = day {
                if d == 0 || d > days_in_month(year, m) {
                    return Err(format!(
                        "`{text}` is not a day in the calendar: {} {year} has {} days",
                        MONTHS[usize::from(m - 1)],
                        days_in_month(year, m)
                    ));
                }
            }
        }
        Ok(PartialDate { year, month, day })
    }

    /// The first day of the period (for things that happened).
    pub fn first_day(self) -> Date {
        Date {
            year: self.year,
            month: self.month.unwrap_or(1),
            day: self.day.unwrap_or(1),
        }
    }

    /// The last day of the period (for deadlines).
    pub fn last_day(self) -> Date {
        let month = self.month.unwrap_or(12);
        Date {
            year: self.year,
            month,
            day: self.day.unwrap_or_else(|| days_in_month(self.year, month)),
        }
    }

    /// As a reader would say it: `2009`, `March 2009`, `12 March 2009`.
    pub fn long(self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{d} {} {}", MONTHS[usize::from(m - 1)], self.year),
            (Some(m), None) => format!("{} {}", MONTHS[usize::from(m - 1)], self.year),
            _ => self.year.to_string(),
        }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

/// The number (1–12) of a month written by its name ("November"), any case.
pub fn month_number(name: &str) -> Option<u8> {
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(name))
        .map(|i| i as u8 + 1)
}

/// Explains a badly written date, recognising `March 2009`, `5th February 2026` and
/// `18/03/2013` styles.
fn hint_for_bad_date(text: &str) -> String {
    let words: Vec<&str> = text.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    let month_of = |w: &str| {
        MONTHS.iter().position(|m| {
            let w = w.to_ascii_lowercase();
            w.len() >= 3 && m.to_ascii_lowercase().starts_with(&w)
        })
    };
    let year_of = |w: &str| w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit());
    // `5th`, `1st`, `22nd`, `3rd`: the day as people write it in letters.
    let day_of = |w: &str| {
        let lower = w.to_ascii_lowercase();
        let digits = ["st", "nd", "rd", "th"]
            .iter()
            .find_map(|s| lower.strip_suffix(s))
            .unwrap_or(&lower)
            .to_string();
        digits.parse::<u8>().ok().filter(|d| (1..=31).contains(d))
    };
    let words: Vec<&str> = words
        .into_iter()
        .filter(|w| !w.eq_ignore_ascii_case("the") && !w.eq_ignore_ascii_case("of"))
        .collect();
    match words.as_slice() {
        [m, y] if month_of(m).is_some() && year_of(y) => {
            let m = month_of(m).unwrap_or(0) + 1;
            format!("write the date as `{y}-{m:02}` (year-month), not `{text}`")
        }
        [d, m, y] | [m, d, y] if day_of(d).is_some() && month_of(m).is_some() && year_of(y) => {
            let m = month_of(m).unwrap_or(0) + 1;
            let d = day_of(d).unwrap_or(1);
            format!("write the date as `{y}-{m:02}-{d:02}` (year-month-day), not `{text}`")
        }
        _ => {
            let nums: Vec<&str> = text.split(['/', '.', '-']).collect();
            if let [d, m, y] = nums.as_slice() {
                if y.len() == 4 && d.len() <= 2 && m.len() <= 2 {
                    if let (Ok(d), Ok(m)) = (d.parse::<u8>(), m.parse::<u8>()) {
                        return format!(
                            "write the date as `{y}-{m:02}-{d:02}` (year-month-day), not `{text}`"
                        );
                    }
                }
            }
            format!("`{text}` is not a date: write `YYYY`, `YYYY-MM` or `YYYY-MM-DD`")
        }
    }
}

/// A number of days in words, "548 days", "1 day": for messages and every output
/// (below the words of `present`, so the warnings of `analysis` say it alike).
pub fn days_word(days: i64) -> String {
    if days == 1 {
        "1 day".into()
    } else {
        format!("{days} days")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_precisions() {
        assert_eq!(PartialDate::parse("2013").unwrap().to_string(), "2013");
        assert_eq!(PartialDate::parse("2013-03").unwrap().long(), "March 2013");
        assert_eq!(
            PartialDate::parse("2013-03-18").unwrap().long(),
            "18 March 2013"
        );
    }

    #[test]
    fn rejects_impossible_and_foreign_dates_with_hints() {
        assert!(PartialDate::parse("2013-02-29")
            .unwrap_err()
            .contains("28 days"));
        assert!(PartialDate::parse("2013-13")
            .unwrap_err()
            .contains("no month 13"));
        assert!(PartialDate::parse("March 2009")
            .unwrap_err()
            .contains("`2009-03`"));
        assert!(PartialDate::parse("18/03/2013")
            .unwrap_err()
            .contains("`2013-03-18`"));
        // Ordinal days, and the day after the month, get the same rewrite.
        for written in [
            "5th February 2026",
            "5 Feb 2026",
            "February 5th, 2026",
            "the 5th of February 2026",
        ] {
            let hint = PartialDate::parse(written).unwrap_err();
            assert!(hint.contains("`2026-02-05`"), "{written}: {hint}");
        }
        assert!(PartialDate::parse("soon").is_err());
    }

    #[test]
    fn periods_have_first_and_last_days() {
        let d = PartialDate::parse("2024-02").unwrap();
        assert_eq!(d.first_day().to_string(), "2024-02-01");
        assert_eq!(d.last_day().to_string(), "2024-02-29");
        assert_eq!(
            PartialDate::parse("2025").unwrap().last_day().to_string(),
            "2025-12-31"
        );
    }

    #[test]
    fn day_numbers_round_trip() {
        for days in [-800_000, -1, 0, 1, 15_000, 20_000, 2_000_000] {
            assert_eq!(Date::from_days(days).days(), days);
        }
        assert_eq!(Date::new(1970, 1, 1).unwrap().days(), 0);
        assert_eq!(
            Date::new(2014, 9, 30).unwrap().days() - Date::new(2013, 9, 30).unwrap().days(),
            365
        );
    }
}
