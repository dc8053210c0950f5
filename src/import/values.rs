//! Cell values as trackers write them, read into Assure's: dates ("31/03/2024",
//! "31 March 2024", "March 2014", "Q3 2024", Excel serials), RAG words and fills,
//! status words, and IDs made valid.

use crate::date::{Date, PartialDate};
use crate::model::schema::RecordType;

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month(word: &str) -> Option<u8> {
    let w = word.trim_end_matches([',', '.']).to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let w = if w == "sept" { "sep".to_string() } else { w };
    MONTHS
        .iter()
        .position(|m| m.starts_with(w.as_str()) && (w.len() == 3 || m.len() == w.len()))
        .map(|i| i as u8 + 1)
}

fn year(word: &str) -> Option<i32> {
    let w = word.trim_end_matches([',', '.']);
    match w.len() {
        4 => w.parse().ok().filter(|y| (1900..=2200).contains(y)),
        2 => w.parse::<i32>().ok().map(|y| 2000 + y),
        _ => None,
    }
}

fn day(word: &str) -> Option<u8> {
    let w = word.to_ascii_lowercase();
    let w = w
        .trim_end_matches(',')
        .trim_end_matches("st")
        .trim_end_matches("nd")
        .trim_end_matches("rd")
        .trim_end_matches("th");
    w.parse().ok().filter(|d| (1..=31).contains(d))
}

/// What a date cell held.
#[derive(Debug, PartialEq)]
pub enum DateValue {
    Date(PartialDate),
    /// "TBC", "ongoing", "n/a": no date, on purpose.
    NoDate,
    /// Not a date this reader knows.
    Unknown,
}

fn full(y: i32, m: u8, d: u8) -> DateValue {
    match Date::new(y, m, d) {
        Some(_) => DateValue::Date(PartialDate {
            year: y,
            month: Some(m),
            day: Some(d),
        }),
        None => DateValue::Unknown,
    }
}

fn month_of(y: i32, m: u8) -> DateValue {
    DateValue::Date(PartialDate {
        year: y,
        month: Some(m),
        day: None,
    })
}

/// Reads a date written as text (UK order: day before month).
pub fn parse_date(text: &str) -> DateValue {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    if matches!(
        lower.trim_end_matches('.'),
        "tbc" | "tba" | "tbd" | "ongoing" | "n/a" | "na" | "-" | "—" | "various" | "continuous"
    ) {
        return DateValue::NoDate;
    }
    if let Ok(d) = PartialDate::parse(t) {
        return DateValue::Date(d);
    }
    // 31/03/2024, 31-03-2024, 31.03.24
    let parts: Vec<&str> = t.split(['/', '-', '.']).collect();
    if parts.len() == 3 && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())) {
        if let (Some(d), Ok(m), Some(y)) = (day(parts[0]), parts[1].parse::<u8>(), year(parts[2])) {
            return full(y, m, d);
        }
    }
    // 03/2024
    if parts.len() == 2 && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())) {
        if let (Ok(m), Some(y)) = (parts[0].parse::<u8>(), year(parts[1])) {
            if (1..=12).contains(&m) {
                return month_of(y, m);
            }
        }
    }
    let words: Vec<&str> = t.split_whitespace().collect();
    match words.as_slice() {
        // Q3 2024 → the quarter's last month (a deadline counts as its period's end).
        [q, y] if q.len() == 2 && q.to_ascii_lowercase().starts_with('q') => {
            if let (Ok(n @ 1..=4), Some(y)) = (q[1..].parse::<u8>(), year(y)) {
                return month_of(y, n * 3);
            }
        }
        // 31 March 2024, 31st Mar 2024
        [d, m, y] => {
            if let (Some(d), Some(m), Some(y)) = (day(d), month(m), year(y)) {
                return full(y, m, d);
            }
            // March 31, 2024
            if let (Some(m), Some(d), Some(y)) = (month(d), day(m), year(y)) {
                return full(y, m, d);
            }
        }
        // March 2014
        [m, y] => {
            if let (Some(m), Some(y)) = (month(m), year(y)) {
                return month_of(y, m);
            }
        }
        _ => {}
    }
    DateValue::Unknown
}

/// A RAG rating from its word or letter ("Red", "R", "Amber", "BRAG: Blue").
pub fn parse_rag(text: &str) -> Option<&'static str> {
    let t = text.trim().to_ascii_lowercase();
    Some(match t.as_str() {
        "red" | "r" => "red",
        "amber" | "a" | "yellow" | "orange" | "red/amber" | "amber/red" => "amber",
        "green" | "g" | "amber/green" | "green/amber" => "green",
        "blue" | "b" | "complete" | "completed" => "blue",
        _ => return None,
    })
}

/// The RAG rating a cell's fill colour stands for, by its hue; greys and white stand
/// for none.
pub fn rag_of_fill((r, g, b): (u8, u8, u8)) -> Option<&'static str> {
    let (r, g, b) = (f64::from(r), f64::from(g), f64::from(b));
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    if max - min < 40.0 {
        return None;
    }
    let d = max - min;
    let hue = if max == r {
        60.0 * (((g - b) / d).rem_euclid(6.0))
    } else if max == g {
        60.0 * ((b - r) / d + 2.0)
    } else {
        60.0 * ((r - g) / d + 4.0)
    };
    Some(match hue {
        h if !(20.0..330.0).contains(&h) => "red",
        h if h < 70.0 => "amber",
        h if h < 170.0 => "green",
        h if h < 260.0 => "blue",
        _ => return None,
    })
}

/// A value of an enum field, from the words a tracker uses for it.
pub fn parse_enum(allowed: &[&'static str], text: &str) -> Option<&'static str> {
    let norm: String = text
        .trim()
        .to_ascii_lowercase()
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    allowed.iter().copied().find(|v| *v == norm)
}

/// A status from the words trackers use ("Completed", "On track", "Not started").
pub fn parse_status(t: RecordType, text: &str) -> Option<&'static str> {
    let statuses = t.statuses();
    if let Some(s) = parse_enum(statuses, text) {
        return Some(s);
    }
    let norm = text.trim().to_ascii_lowercase();
    let word = match (t, norm.as_str()) {
        (RecordType::Action, "completed" | "done" | "closed" | "achieved" | "finished") => {
            "complete"
        }
        (
            RecordType::Action,
            "on track" | "ongoing" | "started" | "in hand" | "underway" | "under way" | "delayed"
            | "at risk" | "behind",
        ) => "in-progress",
        (RecordType::Action, "not yet started" | "planned" | "to do" | "todo") => "not-started",
        (RecordType::Action, "canceled" | "withdrawn" | "dropped") => "cancelled",
        (RecordType::Action, "stuck" | "on hold") => "blocked",
        (RecordType::Recommendation, "completed" | "complete" | "achieved" | "closed") => "met",
        (RecordType::Recommendation, "partly met" | "partially achieved") => "partially-met",
        (RecordType::Recommendation, "ongoing" | "on track" | "started") => "in-progress",
        (RecordType::Recommendation, "not started") => "open",
        (RecordType::Evidence, "final" | "approved" | "published") => "current",
        _ => return None,
    };
    statuses.iter().copied().find(|s| *s == word)
}

/// The prefix an imported record's ID gets when its Ref is only a number ("1.2" →
/// `act-1.2`), so an action, a recommendation and an evidence record numbered alike
/// stay apart, and a Recommendation column's "1" finds the recommendation numbered 1.
pub fn id_prefix(t: RecordType) -> &'static str {
    match t {
        RecordType::Recommendation => "rec-",
        RecordType::Evidence => "ev-",
        _ => "act-",
    }
}

/// An ID made valid from what a Ref cell holds: spaces and other characters as `-`,
/// nothing at either end but letters and digits, and the prefix of type `t` (if
/// given) before a bare number.
pub fn make_id(text: &str, t: Option<RecordType>) -> Option<String> {
    let mut id = String::new();
    for ch in text.trim().chars() {
        if ch.is_ascii_alphanumeric() || ch == '.' || ch == '_' {
            id.push(ch);
        } else if !id.ends_with('-') {
            id.push('-');
        }
    }
    let id = id.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if id.is_empty() {
        return None;
    }
    if let Some(t) = t {
        if id.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Some(format!("{}{id}", id_prefix(t)));
        }
    }
    Some(id.to_string())
}

/// Whether a reference cell's part reads as an ID (short, few words), not prose.
pub fn id_like(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty() && t.chars().count() <= 40 && t.split_whitespace().count() <= 2
}

/// The parts of a reference cell: "R1, R2", "R1; R2", "R1 and R2", one per line.
pub fn split_refs(text: &str) -> Vec<String> {
    text.split([',', ';', '\n', '&'])
        .flat_map(|p| p.split(" and "))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// A header as its words in snake_case: "Success measures?" → `success_measures`.
pub fn snake(text: &str) -> String {
    let mut out = String::new();
    for ch in text.trim().chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() {
            out.push(ch);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("column_{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> String {
        match parse_date(text) {
            DateValue::Date(d) => d.to_string(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn dates_in_the_forms_trackers_use() {
        assert_eq!(d("31/03/2024"), "2024-03-31");
        assert_eq!(d("1/4/24"), "2024-04-01");
        assert_eq!(d("31 March 2024"), "2024-03-31");
        assert_eq!(d("31st Mar 2024"), "2024-03-31");
        assert_eq!(d("March 2014"), "2014-03");
        assert_eq!(d("Sept 2014"), "2014-09");
        assert_eq!(d("Q3 2024"), "2024-09");
        assert_eq!(d("q1 2025"), "2025-03");
        assert_eq!(d("2024-06-30"), "2024-06-30");
        assert_eq!(d("2024"), "2024");
        assert_eq!(d("TBC"), "NoDate");
        assert_eq!(d("31/02/2024"), "Unknown");
        assert_eq!(d("soon"), "Unknown");
    }

    #[test]
    fn rag_from_words_and_fills() {
        assert_eq!(parse_rag("Amber"), Some("amber"));
        assert_eq!(parse_rag(" G "), Some("green"));
        assert_eq!(parse_rag("purple"), None);
        assert_eq!(rag_of_fill((0xFF, 0x00, 0x00)), Some("red"));
        assert_eq!(rag_of_fill((0xFF, 0xC7, 0xCE)), Some("red"));
        assert_eq!(rag_of_fill((0xFF, 0xC0, 0x00)), Some("amber"));
        assert_eq!(rag_of_fill((0xFF, 0xFF, 0x00)), Some("amber"));
        assert_eq!(rag_of_fill((0x00, 0xB0, 0x50)), Some("green"));
        assert_eq!(rag_of_fill((0x00, 0x70, 0xC0)), Some("blue"));
        assert_eq!(rag_of_fill((0xFF, 0xFF, 0xFF)), None);
        assert_eq!(rag_of_fill((0xD9, 0xD9, 0xD9)), None);
    }

    #[test]
    fn statuses_from_tracker_words() {
        assert_eq!(
            parse_status(RecordType::Action, "In Progress"),
            Some("in-progress")
        );
        assert_eq!(
            parse_status(RecordType::Action, "Completed"),
            Some("complete")
        );
        assert_eq!(
            parse_status(RecordType::Recommendation, "Partially met"),
            Some("partially-met")
        );
        assert_eq!(parse_status(RecordType::Action, "Purple"), None);
    }

    #[test]
    fn ids_are_made_valid() {
        let a = Some(RecordType::Action);
        assert_eq!(make_id("1.1", a).as_deref(), Some("act-1.1"));
        assert_eq!(make_id(" R 3 ", a).as_deref(), Some("R-3"));
        assert_eq!(make_id("CS/04", a).as_deref(), Some("CS-04"));
        assert_eq!(
            make_id("7", Some(RecordType::Recommendation)).as_deref(),
            Some("rec-7")
        );
        assert_eq!(make_id("—", a), None);
        assert_eq!(make_id("3", None).as_deref(), Some("3"));
        assert_eq!(split_refs("R1, R2 and R3"), ["R1", "R2", "R3"]);
        assert_eq!(snake("Success measures?"), "success_measures");
        assert_eq!(snake("2nd lead"), "column_2nd_lead");
    }
}
