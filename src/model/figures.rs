//! An indicator's figures (SPEC §14.9): numbers and periods as authors write them, in
//! `values:` or in a `values_file` CSV (`period,value[,note]`).
//!
//! Both places are read by the same rules, so a figure is refused for the same reason
//! wherever it was written, and every refusal names the file, line and column with a
//! plain-English fix.

use super::Reading;
use crate::date::PartialDate;
use crate::diagnostics::{Code, Diagnostic, Pos};

/// The largest `values_file` read: a monthly series for a century is a few kilobytes.
pub const MAX_CSV_BYTES: u64 = 1024 * 1024;

/// Reads a number as written (`45`, `12.5`, `-3`); otherwise says how to write it.
/// Units, thousands separators and `NaN`/`inf` are refused: the unit is the
/// indicator's `unit`, and a figure must be one a reader can compare.
pub fn number(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let shown = crate::diagnostics::short(t);
    if t.is_empty() {
        return Err("is empty; write a number such as `45` or `12.5`".into());
    }
    if let Some(bare) = t.strip_suffix('%') {
        return Err(format!(
            "must be a number without `%` (the indicator's `unit` says it is a percentage): write `{}`",
            bare.trim()
        ));
    }
    if let Some(bare) = t.strip_prefix('£') {
        return Err(format!(
            "must be a number without `£` (the indicator's `unit` says it is money): write `{}`",
            bare.trim()
        ));
    }
    let plain = t
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    match t.parse::<f64>() {
        Ok(n) if plain && n.is_finite() => Ok(n),
        _ if t.contains(',') => Err(format!(
            "must be a number written without commas: write `{}` (or use `.` for a decimal point)",
            t.replace(',', "")
        )),
        _ => Err(format!(
            "must be a number such as `45` or `12.5`, not `{shown}`"
        )),
    }
}

/// Reads a period as a partial date (`2014`, `2014-03`, `2014-03-31`); otherwise says
/// how to write it.
pub fn period(text: &str) -> Result<PartialDate, String> {
    PartialDate::parse(text.trim()).map_err(|hint| format!("invalid period: {hint}"))
}

/// Reads a `values_file` CSV: rows of `period,value[,note]`, a first row of headings
/// (`period,value,…`) skipped. Every bad row is one diagnostic at its line and column
/// in `path`; the good rows are kept.
pub fn read_csv(path: &str, bytes: &[u8]) -> (Vec<Reading>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let text = match utf8_text(path, bytes) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return (out, diags);
        }
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut first = true;
    for row in reader.records() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(1, |p| line_at(text, p.byte()));
                diags.push(Diagnostic::new(
                    path,
                    Pos::new(line, 1),
                    Code::E003,
                    "this row cannot be read as CSV (an unclosed `\"`?); write `period,value` or `period,value,note`".to_string(),
                ));
                continue;
            }
        };
        let line = row.position().map_or(1, |p| line_at(text, p.byte()));
        let heading = first
            && row
                .get(0)
                .is_some_and(|c| c.trim().eq_ignore_ascii_case("period"));
        first = false;
        if heading || row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let raw = lines.get(line - 1).copied().unwrap_or("");
        match csv_reading(path, &row, line, raw) {
            Ok(reading) => out.push(reading),
            Err(problems) => diags.extend(problems),
        }
    }
    (out, diags)
}

/// The file's text without a byte-order mark, or an E003 at the line where it stops
/// being UTF-8.
fn utf8_text<'a>(path: &str, bytes: &'a [u8]) -> Result<&'a str, Diagnostic> {
    match std::str::from_utf8(bytes) {
        Ok(t) => Ok(t.strip_prefix('\u{feff}').unwrap_or(t)),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            Err(Diagnostic::new(
                path,
                Pos::new(line, 1),
                Code::E003,
                "the file is not UTF-8 text; save it as \"CSV UTF-8\"".to_string(),
            ))
        }
    }
}

/// One row of figures, on `line` (written as `raw`): a reading, or a diagnostic for
/// the wrong number of columns, else one for each bad cell, at its column.
fn csv_reading(
    path: &str,
    row: &csv::StringRecord,
    line: usize,
    raw: &str,
) -> Result<Reading, Vec<Diagnostic>> {
    if !(2..=3).contains(&row.len()) {
        return Err(vec![Diagnostic::new(
            path,
            Pos::new(line, 1),
            Code::E003,
            format!(
                "this row has {} column{}; each row is `period,value` or `period,value,note` (put a note with commas in double quotes)",
                row.len(),
                if row.len() == 1 { "" } else { "s" }
            ),
        )]);
    }
    let p = period(&row[0]).map_err(|why| (0, why));
    let v = number(&row[1]).map_err(|why| (1, format!("the value {why}")));
    match (p, v) {
        (Ok(period), Ok(value)) => Ok(Reading {
            period,
            value,
            note: row
                .get(2)
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(String::from),
            pos: Pos::new(line, 1),
        }),
        (p, v) => Err([p.err(), v.err()]
            .into_iter()
            .flatten()
            .map(|(k, message)| {
                Diagnostic::new(
                    path,
                    Pos::new(line, column(raw, row, k)),
                    Code::E003,
                    message,
                )
            })
            .collect()),
    }
}

/// The column (1-based, in characters along the row as written) where cell `k` of
/// `row` starts in `raw`.
fn column(raw: &str, row: &csv::StringRecord, k: usize) -> usize {
    let mut at = 0usize;
    for (j, cell) in row.iter().enumerate().take(k + 1) {
        let from = raw.get(at..).unwrap_or("");
        let found = from.find(cell).map_or(at, |o| at + o);
        if j == k {
            return raw[..found.min(raw.len())].chars().count() + 1;
        }
        at = found + cell.len() + 1;
    }
    1
}

/// The line a row starting at a byte offset is on. The reader's own line count, and
/// its offset, fall before any blank lines it skipped, so those are stepped over.
fn line_at(text: &str, byte: u64) -> usize {
    let mut end = usize::try_from(byte).unwrap_or(usize::MAX).min(text.len());
    while text
        .as_bytes()
        .get(end)
        .is_some_and(|b| matches!(b, b'\n' | b'\r'))
    {
        end += 1;
    }
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// E003 for each period written twice: the later figure would silently hide one.
pub fn duplicate_periods(path: &str, values: &[Reading]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for (i, r) in values.iter().enumerate() {
        if let Some(first) = values[..i].iter().find(|x| x.period == r.period) {
            diags.push(Diagnostic::new(
                path,
                r.pos,
                Code::E003,
                format!(
                    "the period {} has a figure already (line {}); keep one figure per period",
                    r.period, first.pos.line
                ),
            ));
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_plain() {
        assert_eq!(number(" 45 "), Ok(45.0));
        assert_eq!(number("-12.5"), Ok(-12.5));
        assert!(number("45%").unwrap_err().contains("write `45`"));
        assert!(number("£1200").unwrap_err().contains("write `1200`"));
        assert!(number("1,200").unwrap_err().contains("write `1200`"));
        assert!(number("NaN").is_err());
        assert!(number("inf").is_err());
        assert!(number("").is_err());
        assert!(number("about 4").unwrap_err().contains("not `about 4`"));
    }

    #[test]
    fn csv_rows_are_read_and_bad_ones_named_at_their_cell() {
        let text = "period,value,note\n2013-06,41.5,\"Q1, provisional\"\n2013-09,4x\nJune 2013,40\n2013-12\n\n2014,39\n";
        let (values, diags) = read_csv("indicators/a.csv", text.as_bytes());
        let got: Vec<(String, f64, Option<&str>, u32)> = values
            .iter()
            .map(|r| (r.period.to_string(), r.value, r.note.as_deref(), r.pos.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2013-06".to_string(), 41.5, Some("Q1, provisional"), 2),
                ("2014".to_string(), 39.0, None, 7),
            ]
        );
        let at: Vec<(u32, u32)> = diags.iter().map(|d| (d.pos.line, d.pos.col)).collect();
        assert_eq!(at, vec![(3, 9), (4, 1), (5, 1)]);
        assert!(
            diags[0].message.contains("not `4x`"),
            "{}",
            diags[0].message
        );
        assert!(
            diags[1]
                .message
                .contains("invalid period: write the date as `2013-06`"),
            "{}",
            diags[1].message
        );
        assert!(
            diags[2].message.contains("1 column;"),
            "{}",
            diags[2].message
        );
    }

    #[test]
    fn csv_that_is_not_utf8_is_one_problem() {
        let (values, diags) = read_csv("a.csv", b"2013,1\n2014,\xff\n");
        assert!(values.is_empty());
        assert_eq!((diags[0].pos.line, diags[0].code), (2, Code::E003));
    }
}
