//! `assure import` (SPEC §13.4): a council's existing tracker — an Excel, LibreOffice or
//! CSV sheet of actions, recommendations or evidence — read into one list file of
//! records, with a report of what went where.
//!
//! [`read`] turns the file into a grid of cells (refusing hostile workbooks before
//! anything is parsed); [`header`] finds the header row and maps columns by their
//! headers; [`values`] reads dates, RAG ratings, statuses and IDs as trackers write
//! them. This module puts a record together from each row and says what it could not
//! use, and why. It writes nothing: the command does, and never over an existing file.

pub mod contain;
pub mod header;
pub mod read;
pub mod values;

use crate::date::{Date, PartialDate};
use crate::model::schema::{FieldKind, RecordType};
use anyhow::{bail, Result};
use header::Target;
use serde_yaml::{Mapping, Value as Yaml};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;
use values::DateValue;

/// What a cell holds. (Serialisable: a workbook is parsed in a child process, which
/// sends its cells back as JSON — see [`contain`].)
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    #[default]
    Empty,
    Text(String),
    /// Always finite ([`Cell::number`] makes a NaN or an infinity an empty cell).
    Number(f64),
    /// A cell Excel formats as a date.
    Date(#[serde(with = "days")] Date),
}

/// A date as its day number, the form [`Value::Date`] crosses between processes in.
mod days {
    use crate::date::Date;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.days())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let n = i64::deserialize(d)?;
        // Excel's dates end in 9999; anything far outside is not a date at all.
        if !(-1_000_000..=3_000_000).contains(&n) {
            return Err(serde::de::Error::custom("a day number out of range"));
        }
        Ok(Date::from_days(n))
    }
}

/// One cell of a sheet: its value, its fill colour, and whether it was filled down
/// from a merged cell above.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Cell {
    pub value: Value,
    pub fill: Option<(u8, u8, u8)>,
    pub merged: bool,
}

impl Cell {
    pub fn text(s: &str) -> Cell {
        let t = s.trim();
        Cell {
            value: if t.is_empty() {
                Value::Empty
            } else {
                Value::Text(t.to_string())
            },
            ..Cell::default()
        }
    }

    pub fn number(n: f64) -> Cell {
        if !n.is_finite() {
            // A damaged .xls can hold one; no tracker means it, and JSON cannot carry it.
            return Cell::default();
        }
        Cell {
            value: Value::Number(n),
            ..Cell::default()
        }
    }

    pub fn date(d: Date) -> Cell {
        Cell {
            value: Value::Date(d),
            ..Cell::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.value == Value::Empty
    }

    /// The cell as text: whole numbers without a decimal point, dates as ISO dates.
    pub fn display(&self) -> String {
        match &self.value {
            Value::Empty => String::new(),
            Value::Text(s) => s.clone(),
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Value::Number(n) => format!("{n}"),
            Value::Date(d) => d.to_string(),
        }
    }
}

/// The types `import` makes records of.
pub const TYPES: [RecordType; 3] = [
    RecordType::Action,
    RecordType::Recommendation,
    RecordType::Evidence,
];

/// What to import.
pub struct Request<'a> {
    pub rtype: RecordType,
    /// `--map`: header → field name, `body`, or `skip`.
    pub map: Option<&'a Mapping>,
    /// IDs the content already has, lower-cased.
    pub taken: &'a HashSet<String>,
    /// The file's name, for the report and the list file's comment.
    pub source: &'a str,
}

/// An import made in memory: the list file's text and the report.
pub struct Outcome {
    pub yaml: String,
    pub report: String,
    pub records: usize,
}

/// The list file's name inside the type folder, made from the sheet's name:
/// `imported-actions-2024.yaml`.
pub fn file_name(sheet: &str) -> String {
    let mut slug = String::new();
    for ch in sheet.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    format!(
        "imported-{}.yaml",
        if slug.is_empty() { "sheet" } else { slug }
    )
}

/// Reads `--map`'s value for a header: a field of the type, `body`, `skip`, or the
/// name of an extra field.
fn map_target(t: RecordType, header: &str, value: &Yaml) -> Result<Target> {
    let name = match value {
        Yaml::Null => return Ok(Target::Skip),
        Yaml::String(s) => s.trim(),
        _ => bail!("--map: the value for `{header}` must be a field name, `body` or `skip`"),
    };
    Ok(match name {
        "skip" | "ignore" | "" => Target::Skip,
        "body" => Target::Body,
        _ => match t.field(name) {
            Some(f) => Target::Field(f.name),
            None => Target::Extra(values::snake(name)),
        },
    })
}

/// A name for an extra field that `check` takes as the author's own: not a field of
/// any type or a control key, not a near-miss of one of this type's fields (W106), and
/// not one already used.
fn extra_name(t: RecordType, wanted: &str, used: &HashSet<String>) -> String {
    let known = |n: &str| {
        crate::model::schema::ALL_TYPES
            .iter()
            .any(|t| t.known_names().any(|k| k == n))
    };
    let near = |n: &str| {
        let max = if n.chars().count() <= 4 { 1 } else { 2 };
        t.known_names()
            .any(|k| strsim::damerau_levenshtein(&n.to_lowercase(), k) <= max)
    };
    let base = if wanted.is_empty() {
        "column".to_string()
    } else if known(wanted) || near(wanted) {
        format!("{wanted}_column")
    } else {
        wanted.to_string()
    };
    let mut name = base.clone();
    let mut n = 2;
    while used.contains(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

/// The columns of the header row and where each goes.
fn map_columns(
    t: RecordType,
    headers: &[String],
    map: Option<&Mapping>,
) -> Result<Vec<(usize, String, Target)>> {
    let mapped: BTreeMap<String, &Yaml> = map
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((header::normalise(k.as_str()?), v)))
                .collect()
        })
        .unwrap_or_default();
    if let Some(m) = map {
        for k in m.keys() {
            let Some(k) = k.as_str() else {
                bail!("--map: every key must be a column header");
            };
            let norm = header::normalise(k);
            if !headers.iter().any(|h| header::normalise(h) == norm) {
                bail!(
                    "--map names the column `{k}`, which the header row does not have (its columns: {})",
                    headers
                        .iter()
                        .filter(|h| !h.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
    }
    let mut fields_used: HashSet<&'static str> = HashSet::new();
    let mut extras_used: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for (c, h) in headers.iter().enumerate() {
        if h.trim().is_empty() {
            continue;
        }
        let norm = header::normalise(h);
        let target = match mapped.get(&norm) {
            Some(v) => map_target(t, h, v)?,
            None => header::recognise(t, h).unwrap_or_else(|| Target::Extra(values::snake(h))),
        };
        let target = match target {
            Target::Field(f) if fields_used.contains(f) => {
                // A second column for the title ("Action" and "Description") is prose:
                // it goes to the body; a second of any other field is kept aside.
                if f == "title" {
                    Target::Body
                } else {
                    Target::Extra(values::snake(h))
                }
            }
            other => other,
        };
        let target = match target {
            Target::Field(f) => {
                fields_used.insert(f);
                Target::Field(f)
            }
            Target::Extra(name) => {
                let name = extra_name(t, &name, &extras_used);
                extras_used.insert(name.clone());
                Target::Extra(name)
            }
            other => other,
        };
        out.push((c, h.trim().to_string(), target));
    }
    if !out.iter().any(|(_, _, t)| *t == Target::Field("title")) {
        bail!(
            "no column gives the title (a header such as Action, What, Description or Title); its columns: {}. Name one with --map (e.g. `\"{}\": title`)",
            out.iter().map(|(_, h, _)| h.as_str()).collect::<Vec<_>>().join(", "),
            out.first().map(|(_, h, _)| h.as_str()).unwrap_or("Column")
        );
    }
    Ok(out)
}

/// The record type a reference field points at, for IDs made from bare numbers.
fn ref_type(field: &str) -> Option<RecordType> {
    match field {
        "addresses" | "supports" => Some(RecordType::Recommendation),
        _ => None,
    }
}

/// An ID from a reference cell's part, as [`values::make_id`] makes the target's own.
fn ref_id(part: &str, field: &str) -> Option<String> {
    values::make_id(part, ref_type(field))
}

/// Notes about a column's values, gathered by row for the report.
#[derive(Default)]
struct Notes(Vec<(usize, String)>);

impl Notes {
    fn add(&mut self, row: usize, text: String) {
        self.0.push((row, text));
    }
}

/// One row made into a record: fields in order, extras, body sections.
struct Built {
    fields: BTreeMap<&'static str, Yaml>,
    extras: Vec<(String, Yaml)>,
    body: Vec<(String, String)>,
    id: Option<String>,
}

fn as_written(b: &mut Built, field: &str, text: &str) {
    b.extras.push((
        format!("{field}_as_written"),
        Yaml::String(text.to_string()),
    ));
}

/// A date from a cell: a date cell, an Excel serial number, or text.
fn cell_date(cell: &Cell, is_serial_ok: bool) -> DateValue {
    match &cell.value {
        Value::Date(d) => DateValue::Date(PartialDate {
            year: d.year,
            month: Some(d.month),
            day: Some(d.day),
        }),
        Value::Number(n) if is_serial_ok && (20_000.0..=80_000.0).contains(n) => {
            match read::serial_date(*n, false) {
                Some(d) => cell_date(&Cell::date(d), false),
                None => DateValue::Unknown,
            }
        }
        Value::Number(n) if (1900.0..=2200.0).contains(n) && n.fract() == 0.0 => {
            values::parse_date(&format!("{}", *n as i64))
        }
        Value::Text(t) => match t.trim().parse::<f64>() {
            Ok(n) if (20_000.0..=80_000.0).contains(&n) => cell_date(&Cell::number(n), true),
            _ => values::parse_date(t),
        },
        _ => DateValue::Unknown,
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The value of one mapped cell put into the record being built.
fn put_field(
    t: RecordType,
    b: &mut Built,
    notes: &mut Notes,
    row: usize,
    (header, field): (&str, &'static str),
    cell: &Cell,
    from_fill: &mut Vec<usize>,
) {
    let text = cell.display();
    let kind = t.field(field).map(|f| f.kind);
    let fail = |b: &mut Built, notes: &mut Notes, what: &str| {
        notes.add(
            row,
            format!("{header} \"{text}\" {what}; kept as `{field}_as_written`"),
        );
        as_written(b, field, &text);
    };
    if field == "rag" {
        let rag = if text.is_empty() {
            cell.fill.and_then(values::rag_of_fill).inspect(|_| {
                from_fill.push(row);
            })
        } else {
            values::parse_rag(&text)
        };
        match rag {
            Some(r) => {
                b.fields.insert("rag", Yaml::String(r.into()));
            }
            None if text.is_empty() => {}
            None => fail(b, notes, "is not a RAG rating (red, amber, green, blue)"),
        }
        return;
    }
    if text.is_empty() {
        return;
    }
    match (field, kind) {
        ("id", _) => b.id = Some(text),
        ("title", _) => {
            b.fields.insert("title", Yaml::String(one_line(&text)));
        }
        ("status", _) => match values::parse_status(t, &text) {
            Some(s) => {
                b.fields.insert("status", Yaml::String(s.into()));
            }
            None => fail(
                b,
                notes,
                &format!(
                    "is not {} status ({})",
                    t.with_article(),
                    t.statuses().join(", ")
                ),
            ),
        },
        ("classification", _) => {
            let up = text.trim().to_ascii_uppercase().replace(' ', "-");
            if crate::model::schema::CLASSIFICATIONS.contains(&up.as_str()) {
                b.fields.insert("classification", Yaml::String(up));
            } else {
                fail(b, notes, "is not a classification");
            }
        }
        ("tags", _) => {
            let tags: Vec<Yaml> = text
                .split([',', ';', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Yaml::String(s.into()))
                .collect();
            b.fields.insert("tags", Yaml::Sequence(tags));
        }
        (_, Some(FieldKind::Date)) => match cell_date(cell, true) {
            DateValue::Date(d) => {
                b.fields.insert(field, Yaml::String(d.to_string()));
            }
            DateValue::NoDate => fail(b, notes, &format!("is not a date: no `{field}` recorded")),
            DateValue::Unknown => fail(b, notes, "is not a date this reader knows"),
        },
        (_, Some(FieldKind::Enum(allowed))) => match values::parse_enum(allowed, &text) {
            Some(v) => {
                b.fields.insert(field, Yaml::String(v.into()));
            }
            None => fail(b, notes, &format!("is not one of {}", allowed.join(", "))),
        },
        (_, Some(FieldKind::Refs(_))) => {
            let parts = values::split_refs(&text);
            if parts.iter().all(|p| values::id_like(p)) {
                let ids: Vec<Yaml> = parts
                    .iter()
                    .filter_map(|p| ref_id(p, field))
                    .map(Yaml::String)
                    .collect();
                b.fields.insert(field, Yaml::Sequence(ids));
            } else {
                fail(b, notes, "does not read as IDs");
            }
        }
        (_, Some(FieldKind::Ref(_))) => {
            let parts = values::split_refs(&text);
            match parts.as_slice() {
                [one] if values::id_like(one) => {
                    if let Some(id) = ref_id(one, field) {
                        b.fields.insert(field, Yaml::String(id));
                    }
                }
                _ => fail(b, notes, "does not read as one ID"),
            }
        }
        _ => {
            b.fields.insert(field, Yaml::String(text));
        }
    }
}

/// An extra field's value: numbers as numbers, dates as ISO dates, text as text.
fn extra_value(cell: &Cell) -> Yaml {
    match &cell.value {
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Yaml::Number((*n as i64).into()),
        Value::Number(n) => Yaml::Number((*n).into()),
        _ => Yaml::String(cell.display()),
    }
}

/// Rows listed compactly: "4, 7–9, 12".
fn rows_text(rows: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let start = rows[i];
        let mut end = start;
        while i + 1 < rows.len() && rows[i + 1] == end + 1 {
            i += 1;
            end = rows[i];
        }
        out.push(if end > start {
            format!("{start}–{end}")
        } else {
            start.to_string()
        });
        i += 1;
    }
    out.join(", ")
}

/// Makes the records of a sheet, with the report.
pub fn import(sheet: &read::Sheet, req: &Request<'_>) -> Result<Outcome> {
    let t = req.rtype;
    let texts: Vec<Vec<String>> = sheet
        .rows
        .iter()
        .map(|r| r.iter().map(Cell::display).collect())
        .collect();
    let map_has = |h: &str| {
        req.map.is_some_and(|m| {
            m.keys()
                .filter_map(|k| k.as_str())
                .any(|k| header::normalise(k) == header::normalise(h) && !h.trim().is_empty())
        })
    };
    let Some(h) = header::find_header_row(t, &texts, &map_has) else {
        bail!(
            "{}: sheet `{}` has no header row in its first 30 rows (a row naming at least two columns such as Ref, Action, Owner, Due, RAG, Status); name the columns with --map",
            req.source,
            sheet.name
        );
    };
    let headers = &texts[h];
    let columns = map_columns(t, headers, req.map)?;
    let title_col = columns
        .iter()
        .find(|(_, _, tg)| *tg == Target::Field("title"))
        .map(|(c, head, _)| (*c, head.clone()))
        .unwrap_or_default();
    let header_norm: Vec<String> = headers.iter().map(|h| header::normalise(h)).collect();

    let mut notes = Notes::default();
    let mut skipped: Vec<(usize, String)> = Vec::new();
    let mut from_fill: Vec<usize> = Vec::new();
    let mut used: HashSet<String> = HashSet::new();
    let mut records: Vec<Yaml> = Vec::new();
    let mut first_row = None;
    let mut last_row = 0;
    let mut empty_run: Vec<usize> = Vec::new();
    for (r, row) in sheet.rows.iter().enumerate().skip(h + 1) {
        let row_no = r + 1;
        let filled: Vec<&Cell> = row.iter().filter(|c| !c.is_empty()).collect();
        if filled.is_empty() {
            empty_run.push(row_no);
            continue;
        }
        // Empty rows count as skipped only between rows with something in them.
        for e in empty_run.drain(..) {
            skipped.push((e, "empty".into()));
        }
        first_row.get_or_insert(row_no);
        last_row = row_no;
        let norm: Vec<String> = row
            .iter()
            .map(|c| header::normalise(&c.display()))
            .collect();
        if norm.iter().zip(&header_norm).all(|(a, b)| a == b) && norm.len() >= 2 {
            skipped.push((row_no, "repeats the header row".into()));
            continue;
        }
        let title = row.get(title_col.0).map(Cell::display).unwrap_or_default();
        if title.trim().is_empty() {
            let own: Vec<&&Cell> = filled.iter().filter(|c| !c.merged).collect();
            let why = if own.len() == 1 {
                format!(
                    "a section heading (one cell filled: \"{}\")",
                    one_line(&own[0].display())
                )
            } else {
                format!("no title (the {} column is empty)", title_col.1)
            };
            skipped.push((row_no, why));
            continue;
        }
        let mut b = Built {
            fields: BTreeMap::new(),
            extras: Vec::new(),
            body: Vec::new(),
            id: None,
        };
        for (c, head, target) in &columns {
            let empty = Cell::default();
            let cell = row.get(*c).unwrap_or(&empty);
            match target {
                Target::Field(f) => put_field(
                    t,
                    &mut b,
                    &mut notes,
                    row_no,
                    (head.as_str(), *f),
                    cell,
                    &mut from_fill,
                ),
                Target::Body if !cell.is_empty() => b.body.push((head.clone(), cell.display())),
                Target::Extra(name) if !cell.is_empty() => {
                    b.extras.push((name.clone(), extra_value(cell)))
                }
                _ => {}
            }
        }
        // The ID: from the Ref column made valid, else from the row; unique.
        let wanted =
            b.id.as_deref()
                .and_then(|id| values::make_id(id, Some(t)))
                .unwrap_or_else(|| format!("{}row-{row_no}", values::id_prefix(t)));
        if let Some(written) = &b.id {
            if values::make_id(written, Some(t)).is_none() {
                notes.add(
                    row_no,
                    format!("Ref \"{written}\" has no letters or digits; the ID is `{wanted}`"),
                );
            }
        }
        let mut id = wanted.clone();
        let mut n = 2;
        while used.contains(&id.to_lowercase()) || req.taken.contains(&id.to_lowercase()) {
            id = format!("{wanted}-{n}");
            n += 1;
        }
        if id != wanted {
            let whose = if req.taken.contains(&wanted.to_lowercase()) {
                "in the content"
            } else {
                "by an earlier row"
            };
            notes.add(
                row_no,
                format!("ID `{wanted}` is already taken {whose}; this record is `{id}`"),
            );
        }
        used.insert(id.to_lowercase());

        let mut m = Mapping::new();
        m.insert("id".into(), Yaml::String(id));
        for f in crate::model::schema::COMMON_FIELDS
            .iter()
            .chain(t.own_fields())
            .filter(|f| f.name != "id")
        {
            if let Some(v) = b.fields.remove(f.name) {
                m.insert(f.name.into(), v);
            }
        }
        for (k, v) in b.extras {
            m.insert(k.into(), v);
        }
        if !b.body.is_empty() {
            let body: Vec<String> = b
                .body
                .iter()
                .map(|(head, text)| format!("## {head}\n\n{}\n", text.trim()))
                .collect();
            m.insert("body".into(), Yaml::String(body.join("\n")));
        }
        records.push(Yaml::Mapping(m));
    }

    let mut doc = Mapping::new();
    doc.insert("records".into(), Yaml::Sequence(records.clone()));
    let yaml = format!(
        "# Imported by `assure import` from {}, sheet \"{}\" (header on row {}).\n# Edit freely: importing again never overwrites this file.\n{}",
        req.source,
        sheet.name,
        h + 1,
        serde_yaml::to_string(&doc)?
    );

    let mut rep = String::new();
    let _ = writeln!(
        rep,
        "{}, sheet \"{}\": header on row {}; {} as {}",
        req.source,
        sheet.name,
        h + 1,
        match first_row {
            Some(f) => format!("rows {f}–{last_row} read"),
            None => "no rows below it".into(),
        },
        t.folder()
    );
    let _ = writeln!(rep, "\ncolumn → field");
    let width = columns
        .iter()
        .map(|(_, head, _)| one_line(head).chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    for (_, head, target) in &columns {
        let head = one_line(head);
        let _ = writeln!(rep, "  {head:<width$}  → {}", target.describe(&head));
    }
    let _ = writeln!(rep, "\nrecords: {}", records.len());
    if !from_fill.is_empty() {
        let _ = writeln!(
            rep,
            "RAG read from the cell's colour (no word in it): rows {}",
            rows_text(&from_fill)
        );
    }
    if skipped.is_empty() {
        let _ = writeln!(rep, "rows skipped: none");
    } else {
        let _ = writeln!(rep, "rows skipped: {}", skipped.len());
        let mut by_reason: Vec<(String, Vec<usize>)> = Vec::new();
        for (row, why) in &skipped {
            match by_reason.iter_mut().find(|(w, _)| w == why) {
                Some((_, rows)) => rows.push(*row),
                None => by_reason.push((why.clone(), vec![*row])),
            }
        }
        by_reason.sort_by_key(|(_, rows)| rows[0]);
        for (why, rows) in by_reason {
            let plural = if rows.len() == 1 { "" } else { "s" };
            let _ = writeln!(rep, "  row{plural} {}: {why}", rows_text(&rows));
        }
    }
    if !notes.0.is_empty() {
        let _ = writeln!(rep, "notes:");
        for (row, text) in &notes.0 {
            let _ = writeln!(rep, "  row {row}: {text}");
        }
    }
    Ok(Outcome {
        yaml,
        report: rep,
        records: records.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_come_from_sheet_names() {
        assert_eq!(
            file_name("Action Plan 2024"),
            "imported-action-plan-2024.yaml"
        );
        assert_eq!(file_name("!!"), "imported-sheet.yaml");
    }

    #[test]
    fn rows_are_listed_as_ranges() {
        assert_eq!(rows_text(&[4, 7, 8, 9, 12]), "4, 7–9, 12");
    }

    #[test]
    fn extra_names_stay_clear_of_fields() {
        let used = HashSet::new();
        let a = RecordType::Action;
        assert_eq!(extra_name(a, "how", &used), "how");
        assert_eq!(extra_name(a, "supports", &used), "supports_column");
        assert_eq!(extra_name(a, "owners", &used), "owners_column");
        assert_eq!(extra_name(a, "type", &used), "type_column");
    }
}
