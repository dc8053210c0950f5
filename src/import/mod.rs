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
pub mod update;
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
    /// The content's recommendations, `(ID, title)`: a Recommendation column names
    /// them by ID or by their words (SPEC §14.11).
    pub recommendations: &'a [(String, String)],
    /// `--evidence-records`: an Evidence column becomes draft evidence records that
    /// support the row's record, instead of a section of its body.
    pub evidence_records: bool,
}

/// An import made in memory: the list file's text and the report.
pub struct Outcome {
    pub yaml: String,
    pub report: String,
    pub records: usize,
    /// With `--evidence-records`: the evidence list file's text and its record count.
    pub evidence: Option<(String, usize)>,
}

/// Headers of the column `--evidence-records` reads, as normalised words.
const EVIDENCE_COLUMN: &[&str] = &["evidence", "supportingevidence", "evidencedocuments"];

/// What a cell's words name among the content's recommendations.
#[derive(Debug, PartialEq)]
enum Named {
    One(String),
    /// Words that match the titles of several: their IDs.
    Several(Vec<String>),
    Nothing,
}

/// Lower-case words of letters and digits, one space apart: for comparing titles.
fn words(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The recommendation `text` names: its ID (alone, or before "ID: title" as Assure's
/// own tracker writes it), else its words — the same as one title, or holding one
/// title or held in one (with a number or note around it) and no other.
fn recommendation_named(text: &str, recs: &[(String, String)]) -> Named {
    let t = text.trim();
    let by_id = |id: &str| {
        recs.iter()
            .find(|(r, _)| r.eq_ignore_ascii_case(id.trim()))
            .map(|(r, _)| r.clone())
    };
    if let Some(id) = by_id(t).or_else(|| t.split_once(':').and_then(|(id, _)| by_id(id))) {
        return Named::One(id);
    }
    let w = words(t);
    // Too few words to tell a title by ("R1", "3.2").
    if w.split(' ').count() < 3 {
        return Named::Nothing;
    }
    let pick = |test: &dyn Fn(&str) -> bool| -> Vec<String> {
        recs.iter()
            .filter(|(_, title)| test(&words(title)))
            .map(|(id, _)| id.clone())
            .collect()
    };
    let mut found = pick(&|title| title == w);
    if found.is_empty() {
        found = pick(&|title| {
            // Whole words only: " the quality " is in " improve the quality of ".
            let (title, w) = (format!(" {title} "), format!(" {w} "));
            title.split(' ').count() >= 5 && (title.contains(&w) || w.contains(&title))
        });
    }
    match found.len() {
        0 => Named::Nothing,
        1 => Named::One(found.remove(0)),
        _ => Named::Several(found),
    }
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
#[allow(clippy::too_many_arguments)]
fn put_field(
    t: RecordType,
    recs: &[(String, String)],
    b: &mut Built,
    notes: &mut Notes,
    row: usize,
    (header, field): (&str, &'static str),
    cell: &Cell,
    from_fill: &mut Vec<usize>,
) {
    let text = cell.display();
    let fail = |b: &mut Built, notes: &mut Notes, what: &str| {
        notes.add(
            row,
            format!("{header} \"{text}\" {what}; kept as `{field}_as_written`"),
        );
        as_written(b, field, &text);
    };
    if field == "rag" {
        // An empty RAG cell may still say it by its colour.
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
    if field == "id" {
        b.id = Some(text);
        return;
    }
    match field_value(t, recs, field, cell, &text) {
        Ok(Some(v)) => {
            b.fields.insert(field, v);
        }
        Ok(None) => {}
        Err(what) => fail(b, notes, &what),
    }
}

/// A non-empty cell's `text` read as the value of `field` (neither `id` nor `rag`):
/// `None` for a reference that makes no ID, an error saying why the words are not a
/// value of the field.
fn field_value(
    t: RecordType,
    recs: &[(String, String)],
    field: &'static str,
    cell: &Cell,
    text: &str,
) -> Result<Option<Yaml>, String> {
    let kind = t.field(field).map(|f| f.kind);
    let value = match (field, kind) {
        ("title", _) => Yaml::String(one_line(text)),
        ("status", _) => match values::parse_status(t, text) {
            Some(s) => Yaml::String(s.into()),
            None => {
                return Err(format!(
                    "is not {} status ({})",
                    t.with_article(),
                    t.statuses().join(", ")
                ))
            }
        },
        ("classification", _) => {
            let up = text.trim().to_ascii_uppercase().replace(' ', "-");
            if !crate::model::schema::CLASSIFICATIONS.contains(&up.as_str()) {
                return Err("is not a classification".into());
            }
            Yaml::String(up)
        }
        ("tags", _) => Yaml::Sequence(
            text.split([',', ';', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Yaml::String(s.into()))
                .collect(),
        ),
        (_, Some(FieldKind::Date)) => match cell_date(cell, true) {
            DateValue::Date(d) => Yaml::String(d.to_string()),
            DateValue::NoDate => return Err(format!("is not a date: no `{field}` recorded")),
            DateValue::Unknown => return Err("is not a date this reader knows".into()),
        },
        (_, Some(FieldKind::Enum(allowed))) => match values::parse_enum(allowed, text) {
            Some(v) => Yaml::String(v.into()),
            None => return Err(format!("is not one of {}", allowed.join(", "))),
        },
        (_, Some(FieldKind::Refs(_) | FieldKind::Ref(_))) => {
            return refs_value(recs, field, kind, text)
        }
        _ => Yaml::String(text.to_string()),
    };
    Ok(Some(value))
}

/// A reference cell's `text` as the IDs it names: a list for a `Refs` field (a
/// recommendation by its words too), one ID for a `Ref` field.
fn refs_value(
    recs: &[(String, String)],
    field: &'static str,
    kind: Option<FieldKind>,
    text: &str,
) -> Result<Option<Yaml>, String> {
    let ids = |ids: Vec<String>| Yaml::Sequence(ids.into_iter().map(Yaml::String).collect());
    match kind {
        Some(FieldKind::Refs(_)) if ref_type(field) == Some(RecordType::Recommendation) => {
            recommendations_of(text, field, recs).map(|found| Some(ids(found)))
        }
        Some(FieldKind::Refs(_)) => {
            let parts = values::split_refs(text);
            if !parts.iter().all(|p| values::id_like(p)) {
                return Err("does not read as IDs".into());
            }
            Ok(Some(ids(parts
                .iter()
                .filter_map(|p| ref_id(p, field))
                .collect())))
        }
        _ => match values::split_refs(text).as_slice() {
            [one] if values::id_like(one) => Ok(ref_id(one, field).map(Yaml::String)),
            _ => Err("does not read as one ID".into()),
        },
    }
}

/// The recommendations a cell names: the whole cell as one (its words may hold commas),
/// else each part by ID or words, or made an ID from a short reference ("R1", "3").
fn recommendations_of(
    text: &str,
    field: &str,
    recs: &[(String, String)],
) -> Result<Vec<String>, String> {
    if let Named::One(id) = recommendation_named(text, recs) {
        return Ok(vec![id]);
    }
    let mut ids = Vec::new();
    for part in values::split_refs(text) {
        match recommendation_named(&part, recs) {
            Named::One(id) => ids.push(id),
            Named::Several(several) => {
                return Err(format!(
                    "matches the titles of several recommendations ({}): write the ID",
                    several.join(", ")
                ))
            }
            Named::Nothing if values::id_like(&part) => ids.extend(ref_id(&part, field)),
            Named::Nothing => return Err(
                "names no recommendation (by ID, or by words matching one recommendation's title)"
                    .into(),
            ),
        }
    }
    Ok(ids)
}

/// The items of an Evidence cell: one per line or `;`, bullets and numbers taken off.
fn evidence_items(text: &str) -> Vec<String> {
    text.split(['\n', ';'])
        .map(|item| {
            let t = item.trim().trim_start_matches(['-', '*', '•', '–', '·']);
            // "1." or "2)" before an item.
            let t = match t.trim_start().split_once(['.', ')']) {
                Some((n, rest)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => rest,
                _ => t,
            };
            one_line(t)
        })
        .filter(|t| !t.is_empty())
        .collect()
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

/// How a sheet's columns are read: found once from its header row.
struct Layout {
    /// The header row's index (0-based; the report says `header_row + 1`).
    header_row: usize,
    columns: Vec<(usize, String, Target)>,
    /// The Title column and its header: a row without a title is skipped, and the
    /// report names the column.
    title_col: (usize, String),
    /// The headers normalised, to spot a row that repeats the header row.
    header_norm: Vec<String>,
    /// With `--evidence-records`: the column read as draft evidence records.
    evidence_col: Option<usize>,
}

/// What reading the rows below the header gathers: the records, the draft evidence,
/// and what the report says about the rows.
#[derive(Default)]
struct Gathered {
    records: Vec<Yaml>,
    evidence: Vec<Yaml>,
    notes: Notes,
    skipped: Vec<(usize, String)>,
    /// Rows whose RAG rating came from the cell's colour.
    from_fill: Vec<usize>,
    /// IDs given so far, lower-cased, so no two records share one.
    used: HashSet<String>,
    first_row: Option<usize>,
    last_row: usize,
}

/// Makes the records of a sheet, with the report.
pub fn import(sheet: &read::Sheet, req: &Request<'_>) -> Result<Outcome> {
    let layout = layout(sheet, req)?;
    let mut g = Gathered::default();
    let mut empty_run: Vec<usize> = Vec::new();
    for (r, row) in sheet.rows.iter().enumerate().skip(layout.header_row + 1) {
        let row_no = r + 1;
        let filled: Vec<&Cell> = row.iter().filter(|c| !c.is_empty()).collect();
        if filled.is_empty() {
            empty_run.push(row_no);
            continue;
        }
        // Empty rows count as skipped only between rows with something in them.
        for e in empty_run.drain(..) {
            g.skipped.push((e, "empty".into()));
        }
        g.first_row.get_or_insert(row_no);
        g.last_row = row_no;
        if let Some(why) = skip_reason(&layout, row, &filled) {
            g.skipped.push((row_no, why));
            continue;
        }
        let (b, evidence_text) = read_row(req, &layout, row, row_no, &mut g);
        let id = unique_id(req, b.id.as_deref(), row_no, &mut g);
        draft_evidence(req, &id, &evidence_text, row_no, &mut g);
        g.records.push(record_yaml(req.rtype, id, b));
    }

    let mut doc = Mapping::new();
    doc.insert("records".into(), Yaml::Sequence(g.records.clone()));
    let yaml = format!(
        "# Imported by `assure import` from {}, sheet \"{}\" (header on row {}).\n# Edit freely: importing again never overwrites this file.\n{}",
        req.source,
        sheet.name,
        layout.header_row + 1,
        serde_yaml::to_string(&doc)?
    );
    let evidence_yaml = match layout.evidence_col {
        Some(_) => Some(evidence_file(sheet, req, std::mem::take(&mut g.evidence))?),
        None => None,
    };
    let report = report(
        sheet,
        req,
        &layout,
        &g,
        evidence_yaml.as_ref().map(|(_, n)| *n),
    );
    Ok(Outcome {
        yaml,
        report,
        records: g.records.len(),
        evidence: evidence_yaml,
    })
}

/// Finds the header row (or says how to name the columns) and maps its columns.
fn layout(sheet: &read::Sheet, req: &Request<'_>) -> Result<Layout> {
    let t = req.rtype;
    let texts: Vec<Vec<String>> = sheet
        .rows
        .iter()
        .map(|r| r.iter().map(Cell::display).collect())
        .collect();
    // Headers `--map` names count towards finding the header row, as known ones do.
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
    let evidence_col = if req.evidence_records {
        Some(evidence_column(t, &columns, req.source)?)
    } else {
        None
    };
    Ok(Layout {
        header_row: h,
        columns,
        title_col,
        header_norm,
        evidence_col,
    })
}

/// Why a row with something in it makes no record: it repeats the header row, or it
/// has no title (a section heading when only one cell of its own is filled).
fn skip_reason(layout: &Layout, row: &[Cell], filled: &[&Cell]) -> Option<String> {
    let norm: Vec<String> = row
        .iter()
        .map(|c| header::normalise(&c.display()))
        .collect();
    if norm.iter().zip(&layout.header_norm).all(|(a, b)| a == b) && norm.len() >= 2 {
        return Some("repeats the header row".into());
    }
    let title = row
        .get(layout.title_col.0)
        .map(Cell::display)
        .unwrap_or_default();
    if !title.trim().is_empty() {
        return None;
    }
    // Cells filled down from a merged cell above are not the row's own.
    let own: Vec<&&Cell> = filled.iter().filter(|c| !c.merged).collect();
    Some(if own.len() == 1 {
        format!(
            "a section heading (one cell filled: \"{}\")",
            one_line(&own[0].display())
        )
    } else {
        format!("no title (the {} column is empty)", layout.title_col.1)
    })
}

/// One row's cells put into a record being built, and the text of its Evidence column
/// when `--evidence-records` reads one (empty otherwise).
fn read_row(
    req: &Request<'_>,
    layout: &Layout,
    row: &[Cell],
    row_no: usize,
    g: &mut Gathered,
) -> (Built, String) {
    let mut b = Built {
        fields: BTreeMap::new(),
        extras: Vec::new(),
        body: Vec::new(),
        id: None,
    };
    let mut evidence_text = String::new();
    for (c, head, target) in &layout.columns {
        let empty = Cell::default();
        let cell = row.get(*c).unwrap_or(&empty);
        if Some(*c) == layout.evidence_col {
            evidence_text = cell.display();
            continue;
        }
        match target {
            Target::Field(f) => put_field(
                req.rtype,
                req.recommendations,
                &mut b,
                &mut g.notes,
                row_no,
                (head.as_str(), *f),
                cell,
                &mut g.from_fill,
            ),
            Target::Body if !cell.is_empty() => b.body.push((head.clone(), cell.display())),
            Target::Extra(name) if !cell.is_empty() => {
                b.extras.push((name.clone(), extra_value(cell)))
            }
            _ => {}
        }
    }
    (b, evidence_text)
}

/// The ID of a row's record: from the Ref column made valid, else from the row; made
/// unique against the content and earlier rows, with a note when it had to change.
fn unique_id(req: &Request<'_>, written: Option<&str>, row_no: usize, g: &mut Gathered) -> String {
    let t = req.rtype;
    let wanted = written
        .and_then(|id| values::make_id(id, Some(t)))
        .unwrap_or_else(|| format!("{}row-{row_no}", values::id_prefix(t)));
    if let Some(written) = written {
        if values::make_id(written, Some(t)).is_none() {
            g.notes.add(
                row_no,
                format!("Ref \"{written}\" has no letters or digits; the ID is `{wanted}`"),
            );
        }
    }
    let id = free_id(&wanted, &g.used, req.taken);
    if id != wanted {
        let whose = if req.taken.contains(&wanted.to_lowercase()) {
            "in the content"
        } else {
            "by an earlier row"
        };
        g.notes.add(
            row_no,
            format!("ID `{wanted}` is already taken {whose}; this record is `{id}`"),
        );
    }
    g.used.insert(id.to_lowercase());
    id
}

/// `wanted`, or `wanted-2`, `wanted-3`, …: the first neither used nor taken.
fn free_id(wanted: &str, used: &HashSet<String>, taken: &HashSet<String>) -> String {
    let mut id = wanted.to_string();
    let mut n = 2;
    while used.contains(&id.to_lowercase()) || taken.contains(&id.to_lowercase()) {
        id = format!("{wanted}-{n}");
        n += 1;
    }
    id
}

/// A draft evidence record for each item of a row's Evidence cell, supporting the
/// row's record `id`.
fn draft_evidence(
    req: &Request<'_>,
    id: &str,
    evidence_text: &str,
    row_no: usize,
    g: &mut Gathered,
) {
    for item in evidence_items(evidence_text) {
        let base = format!("{}{id}", values::id_prefix(RecordType::Evidence));
        let eid = free_id(&base, &g.used, req.taken);
        g.used.insert(eid.to_lowercase());
        let mut e = Mapping::new();
        e.insert("id".into(), Yaml::String(eid));
        e.insert("title".into(), Yaml::String(item));
        e.insert("status".into(), Yaml::String("draft".into()));
        e.insert(
            "supports".into(),
            Yaml::Sequence(vec![Yaml::String(id.to_string())]),
        );
        e.insert(
            "body".into(),
            Yaml::String(format!(
                "Drafted by `assure import` from {}, row {row_no}. Add the `file:` or `url:` it stands for, and set `status: current` once it is reviewed.\n",
                req.source
            )),
        );
        g.evidence.push(Yaml::Mapping(e));
    }
}

/// A built row as a record: its fields in the schema's order, then the extras, then
/// the body sections under their headers.
fn record_yaml(t: RecordType, id: String, mut b: Built) -> Yaml {
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
    Yaml::Mapping(m)
}

/// The draft evidence list file's text and its record count.
fn evidence_file(
    sheet: &read::Sheet,
    req: &Request<'_>,
    evidence: Vec<Yaml>,
) -> Result<(String, usize)> {
    let n = evidence.len();
    let mut doc = Mapping::new();
    doc.insert("records".into(), Yaml::Sequence(evidence));
    Ok((
        format!(
            "# Draft evidence records made by `assure import --evidence-records` from {}, sheet \"{}\", one per item of its Evidence column.\n# Edit freely: importing again never overwrites this file.\n{}",
            req.source,
            sheet.name,
            serde_yaml::to_string(&doc)?
        ),
        n,
    ))
}

/// The import's report: where the header was, which column went to which field, how
/// many records, and every row skipped or noted, with why.
fn report(
    sheet: &read::Sheet,
    req: &Request<'_>,
    layout: &Layout,
    g: &Gathered,
    evidence: Option<usize>,
) -> String {
    let mut rep = String::new();
    let _ = writeln!(
        rep,
        "{}, sheet \"{}\": header on row {}; {} as {}",
        req.source,
        sheet.name,
        layout.header_row + 1,
        match g.first_row {
            Some(f) => format!("rows {f}–{} read", g.last_row),
            None => "no rows below it".into(),
        },
        req.rtype.folder()
    );
    let _ = writeln!(rep, "\ncolumn → field");
    let width = layout
        .columns
        .iter()
        .map(|(_, head, _)| one_line(head).chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    for (c, head, target) in &layout.columns {
        let head = one_line(head);
        let to = if Some(*c) == layout.evidence_col {
            "draft evidence records (--evidence-records)".to_string()
        } else {
            target.describe(&head)
        };
        let _ = writeln!(rep, "  {head:<width$}  → {to}");
    }
    let _ = writeln!(rep, "\nrecords: {}", g.records.len());
    if let Some(n) = evidence {
        let _ = writeln!(rep, "draft evidence records: {n}");
    }
    if !g.from_fill.is_empty() {
        let _ = writeln!(
            rep,
            "RAG read from the cell's colour (no word in it): rows {}",
            rows_text(&g.from_fill)
        );
    }
    report_skipped(&mut rep, &g.skipped);
    if !g.notes.0.is_empty() {
        let _ = writeln!(rep, "notes:");
        for (row, text) in &g.notes.0 {
            let _ = writeln!(rep, "  row {row}: {text}");
        }
    }
    rep
}

/// The report's skipped rows, grouped by reason in the order of each reason's first row.
fn report_skipped(rep: &mut String, skipped: &[(usize, String)]) {
    if skipped.is_empty() {
        let _ = writeln!(rep, "rows skipped: none");
        return;
    }
    let _ = writeln!(rep, "rows skipped: {}", skipped.len());
    let mut by_reason: Vec<(String, Vec<usize>)> = Vec::new();
    for (row, why) in skipped {
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

/// The column `--evidence-records` reads: one whose header says Evidence, which would
/// otherwise be a section of the body.
fn evidence_column(
    t: RecordType,
    columns: &[(usize, String, Target)],
    source: &str,
) -> Result<usize> {
    if t == RecordType::Evidence {
        bail!("--evidence-records makes evidence records from a sheet of actions or recommendations; this import is of evidence");
    }
    columns
        .iter()
        .find(|(_, head, target)| {
            *target == Target::Body && EVIDENCE_COLUMN.contains(&header::normalise(head).as_str())
        })
        .map(|(c, _, _)| *c)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--evidence-records: {source} has no Evidence column (its columns: {}); name one with --map (e.g. `\"Proof\": body`) and a header such as Evidence",
                columns
                    .iter()
                    .map(|(_, h, _)| h.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
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
    fn recommendations_are_named_by_id_or_by_their_words() {
        let recs: Vec<(String, String)> = [
            (
                "ofsted-r1",
                "Ensure that all children in need cases are allocated",
            ),
            ("ofsted-r2", "Improve the quality of supervision"),
            (
                "ofsted-r3",
                "Improve the quality of supervision for managers",
            ),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let one = |id: &str| Named::One(id.to_string());
        assert_eq!(recommendation_named("OFSTED-R1", &recs), one("ofsted-r1"));
        assert_eq!(
            recommendation_named("ofsted-r2: Improve the quality", &recs),
            one("ofsted-r2")
        );
        assert_eq!(
            recommendation_named(
                "1. Ensure that all children in need cases are allocated.",
                &recs
            ),
            one("ofsted-r1")
        );
        assert_eq!(
            recommendation_named("improve the quality of supervision", &recs),
            one("ofsted-r2")
        );
        assert_eq!(
            recommendation_named("quality of supervision", &recs),
            Named::Several(vec!["ofsted-r2".into(), "ofsted-r3".into()])
        );
        assert_eq!(recommendation_named("R1", &recs), Named::Nothing);
        assert_eq!(
            recommendations_of("R1, ofsted-r2", "addresses", &recs),
            Ok(vec!["R1".to_string(), "ofsted-r2".to_string()])
        );
        assert_eq!(
            recommendations_of("3", "addresses", &recs),
            Ok(vec!["rec-3".to_string()])
        );
        assert!(recommendations_of("Something nobody wrote down", "addresses", &recs).is_err());
    }

    #[test]
    fn evidence_cells_split_into_items() {
        assert_eq!(
            evidence_items("1. Audit report\n- Minutes of the board; Survey  results\n\n"),
            ["Audit report", "Minutes of the board", "Survey results"]
        );
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
