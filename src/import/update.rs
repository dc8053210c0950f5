//! `assure import tracker.xlsx --update [--apply]` (SPEC §14.11 "Round trip"): edits
//! made in Assure's own tracker — status, RAG, owner, due and progress update, on the
//! Action plan sheet or a type sheet — brought back into the records by the one content
//! writer ([`crate::content::writer`]), which changes only the lines of the fields
//! edited.
//!
//! The tracker's hidden "Round trip" sheet ([`crate::render::xlsx::round_trip`]) says
//! what each editable cell was built with and the fingerprint of each record. A cell is
//! an edit when its value differs from the one it was built with, so sorting, filtering
//! or re-saving the workbook is not mistaken for one. An edited row whose record's
//! fingerprint is no longer the one built is refused and named: the record changed
//! since, and the edit could undo that change. A cell that cannot be read (an unknown
//! status, a date that is not one) is a problem with its sheet, row and column and what
//! to write instead; the rest goes on. Without `apply` nothing is written.

use super::read::Sheet;
use super::values::{self, DateValue};
use super::{Cell, Value as CellValue};
use crate::content::writer::{self, Edit, Value};
use crate::model::schema::{RecordType, ALL_TYPES, RAGS};
use crate::present::{label, progress_section, progress_update};
use crate::render::xlsx::{action_plan, round_trip};
use anyhow::{anyhow, bail, Context, Result};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What to bring back.
pub struct Options {
    pub file: PathBuf,
    pub content: PathBuf,
    /// Write the changes (else only say what they would be).
    pub apply: bool,
}

/// What an update found and did.
#[derive(Debug)]
pub struct Outcome {
    /// The changes (file, record, field, old → new), the problems, and what was done.
    pub report: String,
    /// Field changes found (and written, with `apply`).
    pub changes: usize,
    /// Cells that could not be read and rows refused.
    pub problems: usize,
    /// Files written (only with `apply`).
    pub written: Vec<String>,
}

/// A field the tracker brings back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Field {
    Status,
    Rag,
    Owner,
    Due,
    Progress,
}

impl Field {
    /// How the report names it: the record's own key (the body's section for progress).
    fn name(self) -> &'static str {
        match self {
            Field::Status => "status",
            Field::Rag => "rag",
            Field::Owner => "owner",
            Field::Due => "due",
            Field::Progress => "progress update",
        }
    }
}

/// What a column of a sheet holds, and which value of the Round trip sheet it was
/// built with.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Column {
    /// The record's ID (the Action plan's "ID: title").
    Id,
    /// An editable field, built with the value of Round trip column `built`.
    Edit { field: Field, built: usize },
    /// Worked out by Assure: an edit here cannot come back.
    Derived { built: usize, instead: &'static str },
}

/// Round trip column positions, as [`round_trip::HEADERS`] orders them.
const B_STATUS: usize = 2;
const B_RAG: usize = 3;
const B_EFFECTIVE: usize = 4;
const B_OWNER: usize = 5;
const B_DUE: usize = 6;
const B_PROGRESS: usize = 7;

/// The values a record was built with, from the Round trip sheet.
struct Built {
    fingerprint: String,
    values: Vec<String>,
}

/// The Round trip sheet, read.
struct Manifest {
    audience: String,
    as_of: crate::date::Date,
    /// By ID, lower-cased.
    records: HashMap<String, Built>,
}

/// Where a cell is, for messages: `tracker.xlsx, sheet "Action plan", row 5, column D
/// (Due)`.
#[derive(Clone, Debug)]
struct At {
    sheet: String,
    row: usize,
    col: usize,
    header: String,
}

impl At {
    fn shown(&self, file: &str) -> String {
        format!(
            "{file}, sheet \"{}\", row {}, column {} ({})",
            self.sheet,
            self.row + 1,
            column_letters(self.col),
            self.header
        )
    }
}

/// A column's letters as a spreadsheet shows them (0 → A, 26 → AA).
fn column_letters(mut col: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push((b'A' + (col % 26) as u8) as char);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.iter().rev().collect()
}

/// Text as headers are compared: trimmed, lower case, spaces single.
fn norm(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn cell(rows: &[Vec<Cell>], r: usize, c: usize) -> Option<&Cell> {
    rows.get(r).and_then(|row| row.get(c))
}

fn cell_text(rows: &[Vec<Cell>], r: usize, c: usize) -> String {
    cell(rows, r, c).map(Cell::display).unwrap_or_default()
}

/// Reads the Round trip sheet.
fn manifest(shown: &str, sheets: &[Sheet]) -> Result<Manifest> {
    let Some(sheet) = sheets.iter().find(|s| s.name == round_trip::NAME) else {
        bail!(
            "{shown} is not a tracker Assure built (it has no hidden \"{}\" sheet): `import --update` brings back edits made in the data/tracker.xlsx that `assure build` writes; to import another tracker, use `assure import {shown} --type action` (or recommendation, evidence)",
            round_trip::NAME
        );
    };
    let rows = &sheet.rows;
    if cell_text(rows, 0, 0) != round_trip::FORMAT {
        bail!(
            "{shown} was built by another version of Assure (its \"{}\" sheet is not one this version reads): build the tracker again with this version, make the edits in it and import that",
            round_trip::NAME
        );
    }
    let audience = cell_text(rows, round_trip::AUDIENCE_ROW, 1);
    let as_of = crate::date::Date::parse_full(&cell_text(rows, round_trip::AS_OF_ROW, 1))
        .ok_or_else(|| {
            anyhow!(
                "{shown}: its \"{}\" sheet has no readiness date (was it edited?): build the tracker again",
                round_trip::NAME
            )
        })?;
    let header = rows
        .get(round_trip::HEADER_ROW)
        .cloned()
        .unwrap_or_default();
    let position: Vec<Option<usize>> = round_trip::HEADERS
        .iter()
        .map(|h| header.iter().position(|c| norm(&c.display()) == norm(h)))
        .collect();
    let (Some(id_col), Some(fp_col)) = (position[0], position[1]) else {
        bail!(
            "{shown}: its \"{}\" sheet has lost its headers (was it edited?): build the tracker again",
            round_trip::NAME
        );
    };
    let mut records = HashMap::new();
    for r in round_trip::HEADER_ROW + 1..rows.len() {
        let id = cell_text(rows, r, id_col);
        if id.is_empty() {
            continue;
        }
        let values = position
            .iter()
            .map(|p| p.map(|c| cell_text(rows, r, c)).unwrap_or_default())
            .collect();
        records.insert(
            id.to_lowercase(),
            Built {
                fingerprint: cell_text(rows, r, fp_col),
                values,
            },
        );
    }
    Ok(Manifest {
        audience,
        as_of,
        records,
    })
}

/// The columns of an editable sheet, from its header row, and the row the header is
/// on; `None` for a sheet that brings nothing back.
fn columns(sheet: &Sheet) -> Option<(usize, RecordType, Vec<Option<Column>>)> {
    let (rtype, spec) = sheet_spec(sheet)?;
    // The header row: the first of the top rows that names the ID column.
    let (id_head, _) = spec[0];
    let header_row = (0..sheet.rows.len().min(10))
        .find(|&r| sheet.rows[r].iter().any(|c| norm(&c.display()) == id_head))?;
    let cols = sheet.rows[header_row]
        .iter()
        .map(|c| {
            let h = norm(&c.display());
            spec.iter()
                .find(|(name, _)| *name == h)
                .map(|(_, col)| *col)
        })
        .collect();
    Some((header_row, rtype, cols))
}

/// The type of record a sheet lists (by the sheet's name) and its columns by header
/// (normalised), the ID column first: the Action plan's, or those of a type's sheet.
fn sheet_spec(sheet: &Sheet) -> Option<(RecordType, Vec<(&'static str, Column)>)> {
    use Column::*;
    let edit = |field: Field, built: usize| Edit { field, built };
    if sheet.name == action_plan::NAME {
        return Some((
            RecordType::Action,
            vec![
                ("action", Id),
                ("lead", edit(Field::Owner, B_OWNER)),
                ("due", edit(Field::Due, B_DUE)),
                ("brag", edit(Field::Rag, B_EFFECTIVE)),
                ("progress update", edit(Field::Progress, B_PROGRESS)),
            ],
        ));
    }
    let t = ALL_TYPES
        .into_iter()
        .find(|t| t.plural_title() == sheet.name)?;
    let mut spec = vec![("id", Id)];
    if !t.statuses().is_empty() {
        spec.push(("status", edit(Field::Status, B_STATUS)));
    }
    spec.push(("owner", edit(Field::Owner, B_OWNER)));
    if t.field("due").is_some() {
        spec.push(("due", edit(Field::Due, B_DUE)));
    }
    if t.field("rag").is_some() {
        spec.push(("rag", edit(Field::Rag, B_RAG)));
        spec.push((
            "effective rag",
            Derived {
                built: B_EFFECTIVE,
                instead: "RAG",
            },
        ));
    }
    Some((t, spec))
}

/// A cell read as the value of `field`: `Ok(None)` when empty.
fn read_value(field: Field, t: RecordType, c: &Cell) -> Result<Option<String>, String> {
    let text = c.display();
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match field {
        Field::Status => {
            if !matches!(c.value, CellValue::Text(_)) {
                return Err(format!(
                    "`{text}` is not a status; write one of: {}",
                    words_of(t.statuses())
                ));
            }
            values::parse_status(t, text)
                .map(|s| Some(s.to_string()))
                .ok_or_else(|| {
                    format!(
                        "`{text}` is not a status of {}; write one of: {}",
                        a_type(t),
                        words_of(t.statuses())
                    )
                })
        }
        Field::Rag => values::parse_rag(text)
            .filter(|r| RAGS.contains(r))
            .map(|r| Some(r.to_string()))
            .ok_or_else(|| format!("`{text}` is not a RAG rating; write one of: {}", words_of(RAGS))),
        Field::Owner => match &c.value {
            CellValue::Text(t) => owner_problem(t).map_or(Ok(Some(t.trim().to_string())), Err),
            CellValue::Date(_) => Err(format!("`{text}` is a date, not an owner; write the person or role accountable (such as \"Head of Service, Safeguarding\")")),
            _ => Err(format!("`{text}` is a number, not an owner; write the person or role accountable (such as \"Head of Service, Safeguarding\")")),
        },
        Field::Due => due_value(c),
        Field::Progress => Ok(Some(text.to_string())),
    }
}

/// "an action", "a recommendation".
fn a_type(t: RecordType) -> String {
    let name = t.name();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

/// Values as the tracker shows them, for "write one of".
fn words_of(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| label(v))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why an owner cell's text cannot be an owner, if it cannot.
fn owner_problem(text: &str) -> Option<String> {
    let t = text.trim();
    if t.contains('\n') {
        return Some(format!(
            "`{}` is on several lines; write one owner (a person or role) on one line",
            t.replace('\n', " / ")
        ));
    }
    if t.chars().count() > 200 {
        return Some("this owner is longer than 200 characters; write the person or role accountable, and put any notes in the progress update".into());
    }
    if let Some(found) = crate::privacy::scan(t).first() {
        return Some(format!(
            "this owner holds what looks like {} ({}); an owner is a person or role, never a child's details",
            found.what, found.masked
        ));
    }
    None
}

/// A Due cell: a date cell, a date written as text ("31/03/2014", "March 2014"), or a
/// year as a number.
fn due_value(c: &Cell) -> Result<Option<String>, String> {
    let fix = "write a date such as 31/03/2014, or March 2014 for a month";
    match &c.value {
        CellValue::Empty => Ok(None),
        CellValue::Date(d) => Ok(Some(d.to_string())),
        CellValue::Number(n) if n.fract() == 0.0 && (1900.0..=2200.0).contains(n) => {
            Ok(Some(format!("{}", *n as i64)))
        }
        CellValue::Number(n) => Err(format!("`{n}` is a number, not a date; {fix}")),
        CellValue::Text(t) => match values::parse_date(t) {
            DateValue::Date(d) => Ok(Some(d.to_string())),
            // "TBC", "ongoing": no date, as an empty cell.
            DateValue::NoDate => Ok(None),
            DateValue::Unknown => Err(format!("`{}` is not a date; {fix}", t.trim())),
        },
    }
}

/// Text compared as the tracker shows it: spaces single, ends trimmed.
fn same_text(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

/// One edit found in a cell.
#[derive(Clone, Debug)]
struct Found {
    field: Field,
    new: Option<String>,
    at: At,
}

/// The edits of one sheet, and its problems.
fn edits_of_sheet(
    shown: &str,
    sheet: &Sheet,
    manifest: &Manifest,
    edits: &mut BTreeMap<String, Vec<Found>>,
    problems: &mut Vec<String>,
) {
    let Some((header_row, rtype, cols)) = columns(sheet) else {
        return;
    };
    let Some(id_col) = cols.iter().position(|c| *c == Some(Column::Id)) else {
        return;
    };
    let reading = SheetReading {
        shown,
        sheet,
        rtype,
        headers: sheet.rows[header_row].iter().map(Cell::display).collect(),
        editable: cols
            .iter()
            .enumerate()
            .filter_map(|(c, col)| col.filter(|k| *k != Column::Id).map(|k| (c, k)))
            .collect(),
        id_col,
    };
    for r in header_row + 1..sheet.rows.len() {
        reading.row(r, manifest, edits, problems);
    }
}

/// An editable sheet being read for edits.
struct SheetReading<'a> {
    /// The file, as messages name it.
    shown: &'a str,
    sheet: &'a Sheet,
    rtype: RecordType,
    headers: Vec<String>,
    /// The columns that may hold an edit (or a derived value), by position.
    editable: Vec<(usize, Column)>,
    id_col: usize,
}

impl SheetReading<'_> {
    /// Where cell `c` of row `r` is.
    fn at(&self, r: usize, c: usize) -> At {
        At {
            sheet: self.sheet.name.clone(),
            row: r,
            col: c,
            header: self.headers.get(c).cloned().unwrap_or_default(),
        }
    }

    /// The edits of row `r`: a problem for a row with no record this tracker was
    /// built with.
    fn row(
        &self,
        r: usize,
        manifest: &Manifest,
        edits: &mut BTreeMap<String, Vec<Found>>,
        problems: &mut Vec<String>,
    ) {
        let rows = &self.sheet.rows;
        let id_text = cell_text(rows, r, self.id_col);
        // The Action plan names an action "ID: title".
        let id = id_text
            .split_once(':')
            .map_or(id_text.as_str(), |(id, _)| id)
            .trim()
            .to_string();
        if id.is_empty() {
            // A recommendation's row with no action: nothing to bring back, unless
            // something was written where an action's values go.
            let filled = |c: usize| cell(rows, r, c).is_some_and(|x| !x.is_empty());
            if let Some((c, _)) = self.editable.iter().find(|(c, _)| filled(*c)) {
                problems.push(format!(
                    "{}: this row has no action, so there is nothing to change; add the action with `assure new action` (or in the browser editor), then build the tracker again",
                    self.at(r, *c).shown(self.shown)
                ));
            }
            return;
        }
        let Some(built) = manifest.records.get(&id.to_lowercase()) else {
            problems.push(format!(
                "{}: `{id}` is not a record this tracker was built with; rows added in the spreadsheet are not brought back (add records with `assure new`, or in the browser editor)",
                self.at(r, self.id_col).shown(self.shown)
            ));
            return;
        };
        for &(c, col) in &self.editable {
            let x = cell(rows, r, c).cloned().unwrap_or_default();
            let at = || self.at(r, c);
            match col {
                Column::Edit { field, built: b } => {
                    match self.edit(field, &built.values[b], &x, at) {
                        Ok(Some(found)) => edits.entry(id.to_lowercase()).or_default().push(found),
                        Ok(None) => {}
                        Err(why) => problems.push(format!("{}: {why}", at().shown(self.shown))),
                    }
                }
                Column::Derived { built: b, instead } => {
                    let was = &built.values[b];
                    let now = x.display();
                    let same = match values::parse_rag(&now) {
                        Some(r) => r == was,
                        None => same_text(&now, &label(was)),
                    };
                    if !same {
                        problems.push(format!(
                            "{}: Assure works this out (from the status, the RAG and the due date), so an edit here cannot come back; change {instead} instead",
                            at().shown(self.shown)
                        ));
                    }
                }
                Column::Id => {}
            }
        }
    }

    /// The edit cell `x` of editable `field` holds against the value `was` it was
    /// built with: `None` when it reads as unchanged, an error when it cannot be
    /// brought back (a value it cannot read, a status or progress update emptied).
    fn edit(
        &self,
        field: Field,
        was: &str,
        x: &Cell,
        at: impl Fn() -> At,
    ) -> Result<Option<Found>, String> {
        let was_opt = (!was.is_empty()).then(|| was.to_string());
        let new = match read_value(field, self.rtype, x) {
            Ok(new) => new,
            // The cell as built reads as it was built: not an edit.
            Err(_) if same_text(&x.display(), &shown_as_built(field, was)) => return Ok(None),
            Err(why) => return Err(why),
        };
        let unchanged = match (&new, &was_opt) {
            (Some(n), Some(w)) => same_text(n, w),
            (None, None) => true,
            _ => false,
        };
        if unchanged {
            return Ok(None);
        }
        if new.is_none() && matches!(field, Field::Status | Field::Progress) {
            return Err(match field {
                Field::Status => format!(
                    "the status was emptied; a record keeps one: write one of: {}",
                    words_of(self.rtype.statuses())
                ),
                _ => "the progress update was emptied; it is taken from the record's text, which is not removed from the tracker: write the new update, or edit the record".into(),
            });
        }
        Ok(Some(Found {
            field,
            new,
            at: at(),
        }))
    }
}

/// A built value as its cell showed it.
fn shown_as_built(field: Field, value: &str) -> String {
    match field {
        Field::Status | Field::Rag => label(value),
        _ => value.to_string(),
    }
}

/// Markdown that shows `text` as written: characters Markdown reads as markup are
/// escaped, so the rebuilt tracker shows the update the way it was typed.
fn markdown_text(text: &str) -> String {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut escaped = String::new();
        for (n, ch) in line.chars().enumerate() {
            let start = n == 0 && matches!(ch, '#' | '>' | '-' | '+' | '=' | ':');
            if start
                || matches!(
                    ch,
                    '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '&' | '|' | '~' | '!'
                )
            {
                escaped.push('\\');
            }
            escaped.push(ch);
        }
        // "1. " at a line's start would be a numbered list.
        let digits = escaped.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && matches!(escaped[digits..].chars().next(), Some('.' | ')')) {
            escaped.insert(digits, '\\');
        }
        out.push(escaped);
    }
    out.join("\n")
}

/// The body with its progress update section holding `text`: the section's lines
/// replaced when it has one, else a "Progress update" section added at the end (the
/// text above stays as the author wrote it).
fn with_progress(body: &str, text: &str) -> String {
    let md = markdown_text(text);
    let lines: Vec<&str> = body.lines().collect();
    match progress_section(body) {
        Some((at, end)) => {
            let mut out: Vec<String> = lines[..=at].iter().map(|l| l.to_string()).collect();
            out.push(String::new());
            out.push(md);
            if end < lines.len() {
                out.push(String::new());
                out.extend(lines[end..].iter().map(|l| l.to_string()));
            }
            let mut s = out.join("\n");
            s.push('\n');
            s
        }
        None => {
            let kept = body.trim_end();
            if kept.is_empty() {
                format!("## Progress update\n\n{md}\n")
            } else {
                format!("{kept}\n\n## Progress update\n\n{md}\n")
            }
        }
    }
}

/// How a value shows in the report.
fn shown_value(v: Option<&str>) -> String {
    match v {
        None | Some("") => "(none)".into(),
        Some(v) => {
            let one: String = v.split_whitespace().collect::<Vec<_>>().join(" ");
            let short: String = one.chars().take(60).collect();
            let short = if short.len() < one.len() {
                format!("{short}…")
            } else {
                short
            };
            if v.contains(' ') {
                format!("\"{short}\"")
            } else {
                short
            }
        }
    }
}

/// A record's planned change.
struct Planned {
    rel: String,
    id: String,
    edits: Vec<Edit>,
    /// (field, old, new) for the report.
    lines: Vec<(Field, Option<String>, Option<String>)>,
}

/// Brings a tracker's edits back (SPEC §14.11).
pub fn run(opts: &Options) -> Result<Outcome> {
    let shown = opts.file.display().to_string();
    if !opts.content.join("site.yaml").is_file() {
        bail!(
            "{} is not a content folder (it has no site.yaml); name one with --content",
            opts.content.display()
        );
    }
    let sheets = super::contain::read_all(&opts.file)?;
    let manifest = manifest(&shown, &sheets)?;
    let checked = crate::pipeline::check(&opts.content, Some(manifest.as_of))?;
    crate::pipeline::known_audience(&checked.site.config, &manifest.audience).map_err(|e| {
        anyhow!(
            "{shown} was built for the audience `{}`, which site.yaml no longer has ({e})",
            manifest.audience
        )
    })?;
    let view = crate::model::view::view(&checked.site, &manifest.audience);
    let mut found: BTreeMap<String, Vec<Found>> = BTreeMap::new();
    let mut problems: Vec<String> = Vec::new();
    for sheet in &sheets {
        edits_of_sheet(&shown, sheet, &manifest, &mut found, &mut problems);
    }
    let mut planned: Vec<Planned> = Vec::new();
    for (key, cells) in &found {
        let Some(&orig) = checked.site.index.get(key) else {
            problems.push(format!(
                "`{}` ({}): the record is no longer in the content (deleted or renamed since the tracker was built); its edits are not applied",
                key,
                places(cells)
            ));
            continue;
        };
        let rec = &checked.site.records[orig];
        let now = view
            .site
            .index
            .get(key)
            .map(|&i| crate::render::data::fingerprint(&view.site, i));
        let built = &manifest.records[key];
        if now.as_deref() != Some(built.fingerprint.as_str()) {
            problems.push(format!(
                "`{}` changed since the tracker was built (in {}); its edits ({}) are refused, so that they cannot undo that change: build the tracker again (`assure build`), make these edits in the new one and import that",
                rec.id,
                rec.path,
                places(cells)
            ));
            continue;
        }
        let plan = plan_record(&shown, rec, &view_body(&view, key), cells, &mut problems);
        if !plan.lines.is_empty() {
            planned.push(plan);
        }
    }
    // By file, then in the order the records are written.
    planned.sort_by(|a, b| a.rel.cmp(&b.rel).then_with(|| a.id.cmp(&b.id)));
    let root = checked.site.files.root.clone();
    apply_plan(&shown, &root, &mut planned, opts.apply, &mut problems)
}

/// The changes to record `rec` its edited cells ask for: one new value per field (two
/// cells edited to different values are a problem), and only those that differ from
/// the record as it is. `body` is its body as the tracker's audience sees it.
fn plan_record(
    shown: &str,
    rec: &crate::model::Record,
    body: &str,
    cells: &[Found],
    problems: &mut Vec<String>,
) -> Planned {
    let mut by_field: BTreeMap<Field, Vec<&Found>> = BTreeMap::new();
    for f in cells {
        by_field.entry(f.field).or_default().push(f);
    }
    let mut plan = Planned {
        rel: rec.path.clone(),
        id: rec.id.clone(),
        edits: Vec::new(),
        lines: Vec::new(),
    };
    for (field, cells) in by_field {
        let first = cells[0];
        if let Some(other) = cells.iter().find(|c| !match (&c.new, &first.new) {
            (Some(a), Some(b)) => same_text(a, b),
            (None, None) => true,
            _ => false,
        }) {
            problems.push(format!(
                "`{}` {}: {} says {} but {} says {}; make them agree, then import again",
                rec.id,
                field.name(),
                first.at.shown(shown),
                shown_value(first.new.as_deref()),
                other.at.shown(shown),
                shown_value(other.new.as_deref())
            ));
            continue;
        }
        let new = first.new.clone();
        let old = match field {
            Field::Status => Some(rec.status.to_string()),
            Field::Rag => rec.rag.map(str::to_string),
            Field::Owner => rec.owner.clone(),
            Field::Due => rec.due.map(|d| d.to_string()),
            Field::Progress => Some(progress_update(body)),
        };
        if old.as_deref() == new.as_deref() {
            continue;
        }
        let name = field.name().to_string();
        plan.edits.push(match (field, &new) {
            (Field::Progress, _) => Edit::Body(String::new()),
            (Field::Owner, Some(v)) => Edit::Set(name, Value::Text(v.clone())),
            (_, Some(v)) => Edit::Set(name, Value::Plain(v.clone())),
            (_, None) => Edit::Remove(name),
        });
        plan.lines.push((field, old, new));
    }
    plan
}

/// The places a record's edits were made, for messages.
fn places(cells: &[Found]) -> String {
    cells
        .iter()
        .map(|c| {
            format!(
                "sheet \"{}\" row {} {}",
                c.at.sheet,
                c.at.row + 1,
                c.at.header
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A record's body as the tracker's audience sees it (where its progress update came
/// from).
fn view_body(view: &crate::model::view::View, key: &str) -> String {
    view.site
        .index
        .get(key)
        .map(|&i| view.site.records[i].body.clone())
        .unwrap_or_default()
}

/// Works the planned edits into each file's bytes (the progress update into the
/// record's own body), reports them, and with `apply` writes each file atomically.
fn apply_plan(
    shown: &str,
    root: &Path,
    planned: &mut [Planned],
    apply: bool,
    problems: &mut Vec<String>,
) -> Result<Outcome> {
    let mut report = String::new();
    let mut changes = 0;
    let mut written = Vec::new();
    let mut i = 0;
    while i < planned.len() {
        // The plans of one file are side by side (sorted by file).
        let rel = planned[i].rel.clone();
        let end = planned[i..]
            .iter()
            .position(|p| p.rel != rel)
            .map_or(planned.len(), |n| i + n);
        let path = root.join(&rel);
        let original = std::fs::read(&path).with_context(|| format!("cannot read {rel}"))?;
        let (bytes, lines, n) = edit_file(&rel, &original, &mut planned[i..end], problems)?;
        i = end;
        if apply && bytes != original {
            if !write_if_unchanged(&path, &rel, &original, &bytes, problems)? {
                continue;
            }
            written.push(rel.clone());
        }
        report.push_str(&lines);
        changes += n;
    }
    let report = summary(shown, changes, &report, problems, apply, &written);
    Ok(Outcome {
        report,
        changes,
        problems: problems.len(),
        written,
    })
}

/// One file's bytes with its records' plans worked in, the report's lines for them
/// and how many changes they make; a record the writer cannot change is a problem.
fn edit_file(
    rel: &str,
    original: &[u8],
    plans: &mut [Planned],
    problems: &mut Vec<String>,
) -> Result<(Vec<u8>, String, usize)> {
    let mut bytes = original.to_vec();
    let mut lines = String::new();
    let mut n = 0;
    for plan in plans {
        // The progress update goes into the body as written in the file.
        for e in plan.edits.iter_mut() {
            if let Edit::Body(b) = e {
                let fields = writer::read_fields(&bytes, rel, &plan.id)
                    .map_err(|e| anyhow!("{rel}: {e}"))?;
                let text = plan
                    .lines
                    .iter()
                    .find(|(f, _, _)| *f == Field::Progress)
                    .and_then(|(_, _, new)| new.clone())
                    .unwrap_or_default();
                *b = with_progress(&fields.body, &text);
            }
        }
        match writer::edit_bytes(&bytes, rel, &plan.id, &plan.edits) {
            Ok(new) => {
                bytes = new;
                for (field, old, new) in &plan.lines {
                    let _ = writeln!(
                        lines,
                        "{rel}: {} {}: {} → {}",
                        plan.id,
                        field.name(),
                        shown_value(old.as_deref()),
                        shown_value(new.as_deref())
                    );
                    n += 1;
                }
            }
            Err(e) => problems.push(format!(
                "{rel}: `{}` cannot be changed here ({e}); edit it in a text editor",
                plan.id
            )),
        }
    }
    Ok((bytes, lines, n))
}

/// Writes a file's new bytes atomically, only when it still holds the `original` bytes
/// the edits were worked out from; `false`, with a problem, when it changed on disk.
fn write_if_unchanged(
    path: &Path,
    rel: &str,
    original: &[u8],
    bytes: &[u8],
    problems: &mut Vec<String>,
) -> Result<bool> {
    let expected = writer::digest(original);
    let now = std::fs::read(path).with_context(|| format!("cannot read {rel}"))?;
    if writer::digest(&now) != expected {
        problems.push(format!(
            "{rel} changed on disk while the edits were worked out; nothing was written to it: import again"
        ));
        return Ok(false);
    }
    crate::durable::write_atomic(path, bytes).with_context(|| format!("cannot write {rel}"))?;
    Ok(true)
}

/// The command's report: the changes made (or to make), the problems, and what to do
/// next.
fn summary(
    shown: &str,
    changes: usize,
    report: &str,
    problems: &[String],
    apply: bool,
    written: &[String],
) -> String {
    let mut out = String::new();
    if changes == 0 {
        let _ = writeln!(out, "{shown}: no edits to bring back");
    } else {
        let _ = writeln!(
            out,
            "{shown}: {changes} change{} {}:",
            if changes == 1 { "" } else { "s" },
            if apply { "made" } else { "to make" }
        );
        out.push_str(report);
    }
    for p in problems {
        let _ = writeln!(out, "problem: {p}");
    }
    if changes > 0 {
        if apply {
            let _ = writeln!(
                out,
                "wrote {} file{}; run `assure check`, then `assure build` for a new tracker",
                written.len(),
                if written.len() == 1 { "" } else { "s" }
            );
        } else {
            let _ = writeln!(
                out,
                "nothing was written: run again with --apply to make these changes"
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_values_are_read_from_their_round_trip_columns() {
        let h = round_trip::HEADERS;
        assert_eq!(h[B_STATUS], "Status");
        assert_eq!(h[B_RAG], "RAG");
        assert_eq!(h[B_EFFECTIVE], "Effective RAG");
        assert_eq!(h[B_OWNER], "Owner");
        assert_eq!(h[B_DUE], "Due");
        assert_eq!(h[B_PROGRESS], "Progress update");
    }

    #[test]
    fn columns_are_lettered_as_spreadsheets_do() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(3), "D");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn a_progress_update_reads_back_as_typed() {
        let bodies = [
            "",
            "First paragraph.\n\nSecond.\n",
            "Intro.\n\n## Progress update\n\nOld words.\n\n## Risks\n\nNone.\n",
            "Intro.\n\n### Progress\n\nOld\nwords.\n",
        ];
        let texts = [
            "On track: the *board* met on 3 June [see minutes] <today> & more_words",
            "1. first # not a heading",
            "- a dash | a pipe ~ a tilde \\ a backslash `code` !bang",
            "Plain.",
        ];
        for body in bodies {
            for text in texts {
                let new = with_progress(body, text);
                assert_eq!(progress_update(&new), text, "{body:?} {text:?} → {new:?}");
            }
        }
    }

    #[test]
    fn only_the_progress_section_changes() {
        let body = "Intro.\n\n## Progress update\n\nOld words.\n\n## Risks\n\nNone.\n";
        assert_eq!(
            with_progress(body, "New."),
            "Intro.\n\n## Progress update\n\nNew.\n\n## Risks\n\nNone.\n"
        );
        // No section: one is added, the author's paragraph stays.
        assert_eq!(
            with_progress("The plan.\n", "Done."),
            "The plan.\n\n## Progress update\n\nDone.\n"
        );
    }

    #[test]
    fn cells_are_read_as_field_values() {
        let t = RecordType::Action;
        let text = |s: &str| Cell::text(s);
        assert_eq!(
            read_value(Field::Status, t, &text("Complete")),
            Ok(Some("complete".into()))
        );
        assert!(read_value(Field::Status, t, &text("Finished-ish"))
            .unwrap_err()
            .contains("Not started, In progress, Complete, Blocked, Cancelled"));
        assert_eq!(
            read_value(Field::Rag, t, &text("Amber")),
            Ok(Some("amber".into()))
        );
        assert_eq!(
            read_value(Field::Due, t, &text("31/03/2014")),
            Ok(Some("2014-03-31".into()))
        );
        assert_eq!(
            read_value(Field::Due, t, &text("March 2014")),
            Ok(Some("2014-03".into()))
        );
        assert!(read_value(Field::Due, t, &text("31/02/2014"))
            .unwrap_err()
            .contains("not a date"));
        assert_eq!(
            read_value(Field::Due, t, &Cell::number(2015.0)),
            Ok(Some("2015".into()))
        );
        assert!(read_value(Field::Owner, t, &Cell::number(12.0))
            .unwrap_err()
            .contains("a number, not an owner"));
        assert!(read_value(Field::Owner, t, &text("Ann\nBob"))
            .unwrap_err()
            .contains("one line"));
        assert_eq!(read_value(Field::Owner, t, &text("")), Ok(None));
        // A child's NHS number (a valid one) is never an owner; it is not repeated.
        let why = read_value(Field::Owner, t, &text("Key worker for 943 476 5919")).unwrap_err();
        assert!(why.contains("never a child's details"), "{why}");
        assert!(!why.contains("943 476 5919"), "{why}");
    }
}
