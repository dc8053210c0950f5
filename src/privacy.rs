//! The personal-data lint (W107): records seen outside `internal` must not carry a
//! child's identifiers. Finds NHS numbers with a valid check digit, National Insurance
//! numbers that follow HMRC's prefix rules, and dates written next to "DOB" or "date of
//! birth" (SPEC §5, §12). Matches are masked in messages: the terminal is not a safe
//! place to repeat them either.

use crate::diagnostics::{Code, Diagnostic};
use crate::markdown;
use crate::model::schema::COMMON_FIELDS;
use crate::model::{Plain, Record};
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
        // Letters in either case: "ab123456c" typed in a hurry is still one.
        ni: Regex::new(r"(?i)[A-Z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]")
            .expect("valid pattern"),
        // Whole words only ("Dobson" is a name), "date of birth" across a line break.
        dob: Regex::new(r"(?i)\b(?:dob\b|d\.o\.b\b\.?|date\s+of\s+birth\b)")
            .expect("valid pattern"),
        date: Regex::new(
            r"(?i)\b(?:[0-9]{1,2}[/.-][0-9]{1,2}[/.-](?:[0-9]{4}|[0-9]{2})|[0-9]{4}[/.-][0-9]{1,2}[/.-][0-9]{1,2}|[0-9]{1,2}(?:st|nd|rd|th)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? [0-9]{4}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? [0-9]{1,2}(?:st|nd|rd|th)?,? [0-9]{4})\b",
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
        let mut letter = || chars.next().map_or('D', |c| c.to_ascii_uppercase());
        let (a, b) = (letter(), letter());
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
    // Every field its declaration says may name a person, and every tag.
    let declared = COMMON_FIELDS.iter().chain(rec.rtype.own_fields());
    for name in declared.filter(|f| f.personal).map(|f| f.name) {
        let words = match rec.plain(name) {
            Some(Plain::Words(words)) => words.iter().map(String::as_str).collect(),
            _ => rec.text(name).into_iter().collect::<Vec<_>>(),
        };
        for f in words.into_iter().flat_map(scan) {
            report(rec.pos_of(name), &format!("`{name}`"), &f);
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

    const NHS: Option<&str> = Some("an NHS number");
    const NI: Option<&str> = Some("a National Insurance number");
    const DOB: Option<&str> = Some("a date of birth");

    /// (text, what W107 must find in it, or `None`, and why): the test set of SPEC §12.
    const CASES: &[(&str, Option<&str>, &str)] = &[
        // NHS numbers: ten digits, 3-3-4 or ungrouped, valid modulus-11 check digit.
        (
            "NHS number 943 476 5919 on file",
            NHS,
            "grouped 3-3-4 with spaces",
        ),
        ("ref 9434765919.", NHS, "ungrouped, then a full stop"),
        ("(943-476-5919)", NHS, "grouped with hyphens, in brackets"),
        ("nhs: 401 023 2137", NHS, "another valid number"),
        ("4010232137", NHS, "the whole text"),
        ("NHS no 450 557 7104", NHS, "check digit 4"),
        (
            "number 400 000 0020 held",
            NHS,
            "check digit 0 (11 - 0 → 0)",
        ),
        (
            "943 476 5918 fails the check digit",
            None,
            "check digit should be 9",
        ),
        (
            "Budget £1234567890 total",
            None,
            "no digit passes: 11 - 1 = 10",
        ),
        ("1000000000 is not valid", None, "check digit should be 1"),
        ("phone 01302 736000", None, "a phone number, 5-6 digits"),
        ("call 020 7946 0958", None, "a London phone number, 3-4-4"),
        ("helpline 0300 123 4567", None, "4-3-4: eleven digits"),
        (
            "ID 94347659190 is eleven digits",
            None,
            "touches another digit",
        ),
        ("A9434765919 touches a letter", None, "touches a letter"),
        ("sha 9434765919abc", None, "inside a hash-like word"),
        (
            "943 476-5919 mixes separators",
            None,
            "grouping must use one separator",
        ),
        ("invoice 9434 765 919", None, "grouped 4-3-3"),
        // National Insurance numbers: HMRC prefix rules, suffix A-D.
        ("carer AB123456C", NI, "plain"),
        ("NI number AB 12 34 56 C", NI, "grouped in pairs"),
        ("JG103759A", NI, "the whole text"),
        ("ni ZY 98 76 54 D", NI, "suffix D"),
        ("CE 12 34 56 A listed", NI, "suffix A"),
        ("ni: ab123456c", NI, "lower case"),
        ("NI:PA123456B;", NI, "punctuation either side"),
        (
            "QQ123456C has an invalid prefix",
            None,
            "Q is never a first letter",
        ),
        ("DF123456A invalid", None, "D is never a first letter"),
        ("AO123456A", None, "O is never a second letter"),
        ("VA123456A", None, "V is never a first letter"),
        ("GB123456A never issued", None, "prefix GB is not allocated"),
        ("BG 12 34 56 A", None, "prefix BG is not allocated"),
        ("NK123456A", None, "prefix NK is not allocated"),
        ("KN123456B", None, "prefix KN is not allocated"),
        ("TN123456C", None, "prefix TN is not allocated"),
        ("NT123456D", None, "prefix NT is not allocated"),
        ("ZZ123456A", None, "prefix ZZ is not allocated"),
        ("AB123456E suffix out of range", None, "suffix beyond D"),
        ("AB123456 no suffix", None, "no suffix letter"),
        ("XAB123456C", None, "touches a letter"),
        // Dates within 20 characters of "DOB" or "date of birth".
        ("DOB 12/03/2009", DOB, "day/month/year"),
        ("DOB: 2009-03-12", DOB, "ISO date"),
        ("DOB 2009/03/12", DOB, "year/month/day with slashes"),
        ("date of birth 12 March 2009", DOB, "month in words"),
        ("Date of Birth: 1 Jan 2010", DOB, "short month, capitals"),
        ("born (d.o.b. 03.04.2011)", DOB, "dotted keyword and date"),
        ("D.O.B. 3rd Feb 2011", DOB, "ordinal day"),
        ("12/03/2009 (DOB)", DOB, "date before the keyword"),
        ("dob - March 12, 2009", DOB, "American order"),
        (
            "child, date of birth recorded as 5-6-2012",
            DOB,
            "17 characters apart",
        ),
        ("DOB 01/02/03", DOB, "two-digit year"),
        ("date of birth: 2012-7-4", DOB, "ISO date without zeros"),
        (
            "date of\nbirth: 4 July 2012",
            DOB,
            "keyword across a line break",
        ),
        ("report dated 12/03/2009", None, "a date, no keyword"),
        ("DOB field removed", None, "a keyword, no date"),
        ("DOB year 2009", None, "a year is not a date"),
        (
            "the date of birth field is blank; reviewed 12/03/2009 by the panel",
            None,
            "25 characters apart",
        ),
        (
            "Mr Dobson signed it on 12/03/2009",
            None,
            "Dobson is a name",
        ),
        ("ADOBE export of 12/03/2009", None, "dob inside a word"),
        // Identifiers and figures this project writes every day.
        ("2013-03-18 plan approved", None, "a date alone"),
        ("ofsted-2012-r1", None, "a record ID"),
        ("evidence ev-2014-031", None, "a record ID with digits"),
        ("case ref CR/2014/00123", None, "a reference number"),
        ("£6.5m set-up costs over 2014-2015", None, "money and years"),
    ];

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
    fn the_test_set_is_classified_exactly() {
        let positives = CASES.iter().filter(|c| c.1.is_some()).count();
        let negatives = CASES.len() - positives;
        assert!(
            positives >= 20 && negatives >= 20,
            "{positives} true and {negatives} false"
        );
        let mut wrong = Vec::new();
        for (text, want, why) in CASES {
            let got = kinds(text);
            let want: Vec<&str> = want.iter().copied().collect();
            if got != want {
                wrong.push(format!(
                    "{text:?} ({why}): expected {want:?}, found {got:?}"
                ));
            }
        }
        assert!(wrong.is_empty(), "misclassified:\n{}", wrong.join("\n"));
    }

    #[test]
    fn masks_what_it_reports() {
        let f = &scan("NHS 943 476 5919")[0];
        assert_eq!(f.masked, "94• ••• ••••");
    }
}
