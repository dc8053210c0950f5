//! The personal-data lint (W107): records seen outside `internal` must not carry a
//! child's identifiers. Finds NHS numbers with a valid check digit, National Insurance
//! numbers that follow HMRC's prefix rules, and dates written next to "DOB" or "date of
//! birth" (SPEC §5, §12). Matches are masked in messages: the terminal is not a safe
//! place to repeat them either.

use crate::diagnostics::{Code, Diagnostic};
use crate::markdown;
use crate::model::Record;
use regex::Regex;
use std::sync::OnceLock;

/// What was found, and where in the scanned text.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub what: &'static str,
    pub start: usize,
    pub masked: String,
}

struct Patterns {
    nhs: Regex,
    ni: Regex,
    dob: Regex,
    date: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        // Built from constant patterns: failure would be a bug in this file.
        nhs: Regex::new(r"[0-9]{3}([ -]?)[0-9]{3}([ -]?)[0-9]{4}").expect("valid pattern"),
        ni: Regex::new(r"[A-Z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]").expect("valid pattern"),
        dob: Regex::new(r"(?i)\b(?:dob|d\.o\.b\.?|date of birth)").expect("valid pattern"),
        date: Regex::new(
            r"(?i)\b(?:[0-9]{1,2}[/.-][0-9]{1,2}[/.-](?:[0-9]{4}|[0-9]{2})|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}(?:st|nd|rd|th)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? [0-9]{4}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? [0-9]{1,2}(?:st|nd|rd|th)?,? [0-9]{4})\b",
        )
        .expect("valid pattern"),
    })
}

fn touches_alnum(text: &str, start: usize, end: usize) -> bool {
    text[..start]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric())
        || text[end..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric())
}

/// Whether ten digits form a valid NHS number (modulus 11 check digit).
pub fn nhs_check_digit_ok(digits: &[u32]) -> bool {
    if digits.len() != 10 {
        return false;
    }
    let sum: u32 = digits[..9]
        .iter()
        .zip((2..=10).rev())
        .map(|(d, w)| d * w)
        .sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return false,
        c => c,
    };
    check == digits[9]
}

/// HMRC: first letter not D, F, I, Q, U, V; second not D, F, I, O, Q, U, V; some pairs
/// never issued.
fn ni_prefix_ok(a: char, b: char) -> bool {
    !"DFIQUV".contains(a)
        && !"DFIOQUV".contains(b)
        && !matches!(
            (a, b),
            ('B', 'G')
                | ('G', 'B')
                | ('K', 'N')
                | ('N', 'K')
                | ('N', 'T')
                | ('T', 'N')
                | ('Z', 'Z')
        )
}

fn mask(text: &str) -> String {
    let keep = 2;
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if i < keep || !c.is_alphanumeric() {
                c
            } else {
                '•'
            }
        })
        .collect()
}

/// Finds possible personal data in a piece of text.
pub fn scan(text: &str) -> Vec<Finding> {
    let p = patterns();
    let mut out = Vec::new();
    for m in p.nhs.find_iter(text) {
        let caps = p.nhs.captures(m.as_str()).expect("matched already");
        let (s1, s2) = (&caps[1], &caps[2]);
        if s1 != s2 || touches_alnum(text, m.start(), m.end()) {
            continue; // grouping must be 3-3-4 with one separator, or none
        }
        let digits: Vec<u32> = m.as_str().chars().filter_map(|c| c.to_digit(10)).collect();
        if nhs_check_digit_ok(&digits) {
            out.push(Finding {
                what: "an NHS number",
                start: m.start(),
                masked: mask(m.as_str()),
            });
        }
    }
    for m in p.ni.find_iter(text) {
        let mut chars = m.as_str().chars();
        let (a, b) = (chars.next().unwrap_or('D'), chars.next().unwrap_or('D'));
        if ni_prefix_ok(a, b) && !touches_alnum(text, m.start(), m.end()) {
            out.push(Finding {
                what: "a National Insurance number",
                start: m.start(),
                masked: mask(m.as_str()),
            });
        }
    }
    let keywords: Vec<(usize, usize)> = p
        .dob
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect();
    if !keywords.is_empty() {
        // Within 20 characters: only the nearest keyword on each side matters, found
        // by binary search (keywords come in order and do not overlap), so thousands of
        // dates and keywords cost no more than reading them.
        let within = |from: usize, to: usize| text[from..to].chars().nth(20).is_none();
        for d in p.date.find_iter(text) {
            let i = keywords.partition_point(|&(_, ke)| ke <= d.start());
            let before = i > 0 && within(keywords[i - 1].1, d.start());
            let after = keywords.get(i).is_some_and(|&(ks, _)| {
                // A keyword ending after the date's start either overlaps it or
                // follows it.
                ks < d.end() || within(d.end(), ks)
            });
            if before || after {
                out.push(Finding {
                    what: "a date of birth",
                    start: d.start(),
                    masked: mask(d.as_str()),
                });
            }
        }
    }
    out.sort_by_key(|f| f.start);
    out
}

/// W107 for a record visible outside `internal` that has not been reviewed.
pub fn check(rec: &Record) -> Vec<Diagnostic> {
    if !rec.visible_outside_internal() || rec.personal_data_reviewed.is_some() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut report = |pos, field: &str, f: &Finding| {
        out.push(Diagnostic::new(
            &rec.path,
            pos,
            Code::W107,
            format!(
                "possible personal data: {} (`{}`) in {field} of a record visible outside `internal`; remove it, add `audience: [internal]`, or add `personal_data_reviewed: YYYY-MM-DD` once checked",
                f.what, f.masked
            ),
        ));
    };
    for f in scan(&rec.title) {
        report(rec.pos_of("title"), "the title", &f);
    }
    let mut locate = markdown::Locator::new(&rec.body, &rec.body_origin);
    for f in scan(&rec.body) {
        let field = if rec.rtype == crate::model::schema::RecordType::Objective {
            "the description"
        } else {
            "the body"
        };
        report(locate.at(f.start), field, &f);
    }
    let texts = [
        ("owner", &rec.owner),
        ("area", &rec.area),
        ("originator", &rec.originator),
        ("by", &rec.by),
    ];
    for (name, value) in texts {
        if let Some(v) = value {
            for f in scan(v) {
                report(rec.pos_of(name), &format!("`{name}`"), &f);
            }
        }
    }
    for tag in &rec.tags {
        for f in scan(tag) {
            report(rec.pos_of("tags"), "`tags`", &f);
        }
    }
    for (name, value) in &rec.extra {
        let mut strings = Vec::new();
        collect_strings(value, &mut strings);
        for s in strings {
            for f in scan(&s) {
                report(rec.pos_of(name), &format!("`{name}`"), &f);
            }
        }
    }
    out
}

fn collect_strings(value: &serde_yaml::Value, out: &mut Vec<String>) {
    match value {
        serde_yaml::Value::String(s) => out.push(s.clone()),
        serde_yaml::Value::Number(n) => out.push(n.to_string()),
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|v| collect_strings(v, out)),
        serde_yaml::Value::Mapping(m) => m.values().for_each(|v| collect_strings(v, out)),
        serde_yaml::Value::Tagged(t) => collect_strings(&t.value, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<&'static str> {
        scan(text).into_iter().map(|f| f.what).collect()
    }

    #[test]
    fn true_positives() {
        let cases = [
            "NHS number 943 476 5919 on file",
            "ref 9434765919.",
            "(943-476-5919)",
            "nhs: 401 023 2137",
            "4010232137",
            "NI QQ123456C? no: AB123456C",
            "NI number AB 12 34 56 C",
            "JG103759A",
            "ni ZY 98 76 54 D",
            "DOB 12/03/2009",
            "DOB: 2009-03-12",
            "date of birth 12 March 2009",
            "Date of Birth: 1 Jan 2010",
            "born (d.o.b. 03.04.2011)",
            "12/03/2009 (DOB)",
            "dob - March 12, 2009",
            "child, date of birth recorded as 5-6-2012",
            "DOB 01/02/03",
            "date of birth: 2012-7-4",
            "CE 12 34 56 A listed",
        ];
        for c in cases {
            assert!(!scan(c).is_empty(), "missed: {c}");
        }
    }

    /// Fuzzing (loader) found a body of "DOB" and dates repeated a few thousand times
    /// taking over 30 s: every date measured its distance to every keyword.
    #[test]
    fn many_dates_and_keywords_take_linear_time() {
        let start = std::time::Instant::now();
        let text = format!("{}{}", "DOB ".repeat(20_000), "01/02/2003 ".repeat(20_000));
        let found = scan(&text);
        assert_eq!(
            found.len(),
            2,
            "only the dates within 20 characters of a keyword"
        );
        assert_eq!(scan(&"DOB 01/02/2003 ".repeat(20_000)).len(), 20_000);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "took {:?}",
            start.elapsed()
        );
    }

    #[test]
    fn true_negatives() {
        let cases = [
            "943 476 5918 fails the check digit",
            "Budget £1234567890 total",
            "phone 01302 736000",
            "ID 94347659190 is eleven digits",
            "A9434765919 touches a letter",
            "943 476-5919 mixes separators",
            "QQ123456C has an invalid prefix",
            "DF123456A invalid",
            "GB123456A never issued",
            "AB123456E suffix out of range",
            "AB123456 no suffix",
            "report dated 12/03/2009",
            "DOB field removed",
            "the date of birth field is blank; reviewed 12/03/2009 by the panel of ten",
            "2013-03-18 plan approved",
            "1000000000 is not valid",
            "ofsted-2012-r1",
            "evidence ev-2014-031",
            "sha 3f5a9c... 9434765919abc",
            "£6.5m set-up costs over 2014-2015",
        ];
        for c in cases {
            assert!(scan(c).is_empty(), "false positive: {c}: {:?}", kinds(c));
        }
    }

    #[test]
    fn masks_what_it_reports() {
        let f = &scan("NHS 943 476 5919")[0];
        assert_eq!(f.masked, "94• ••• ••••");
    }
}
