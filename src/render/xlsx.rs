//! `data/tracker.xlsx` (SPEC §13.4): the CSV trackers as one workbook a board can sort,
//! filter and print — a "Readiness" sheet with the figures of `status --format json`,
//! then a sheet per type with the CSV's columns, a frozen header row, an autofilter,
//! real dates, human labels, filled RAG cells (with the word too, never colour alone) and
//! each ID a relative link to its page in `../site/`; and, after "Readiness", the
//! council-layout "Action plan" (`action_plan`); last, hidden, the "Round trip" sheet
//! that `import --update` reads edits back with (`round_trip`).
//!
//! Every cell is written as a value: a title such as `=HYPERLINK(…)` is a text cell, so
//! nothing in the workbook is ever a formula. The workbook's dates and properties come
//! from the readiness date, so the same content gives the same bytes.

pub mod action_plan;
pub mod round_trip;

use super::data::{cell_text, columns, row};
use super::{Build, Emit};
use crate::analysis::GapKind;
use crate::model::schema::{FieldKind, RecordType, ALL_TYPES, RAGS};
use crate::model::Record;
use crate::present::label;
use anyhow::{Context, Result};
use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Url, Workbook,
    Worksheet,
};

/// Excel's limit on the characters in one cell.
const MAX_CELL_CHARS: usize = 32_767;

/// How dates show: unambiguous on both sides of the Atlantic ("31 Mar 2014").
const DATE_FORMAT: &str = "d mmm yyyy";

/// Column widths, in characters, between which a column's content sets its width.
const MIN_WIDTH: usize = 8;
const MAX_WIDTH: usize = 50;

/// The fill and text colour of a RAG rating: Excel's own "good / neutral / bad" pairs,
/// whose dark text on a light fill stays legible in print and for colour-blind readers.
fn rag_colours(rag: &str) -> Option<(u32, u32)> {
    match rag {
        "red" => Some((0xFFC7CE, 0x9C0006)),
        "amber" => Some((0xFFEB9C, 0x9C5700)),
        "green" => Some((0xC6EFCE, 0x006100)),
        "blue" => Some((0xBDD7EE, 0x1F4E78)),
        _ => None,
    }
}

/// The formats of the workbook, made once.
struct Formats {
    header: Format,
    title: Format,
    date: Format,
    text: Format,
    /// Text that does not wrap (the Readiness sheet's, which has room beside it).
    plain: Format,
    link: Format,
    rag: Vec<(&'static str, Format)>,
}

impl Formats {
    fn new() -> Formats {
        let header = Format::new()
            .set_bold()
            .set_background_color(Color::RGB(0xD9E1F2))
            .set_border_bottom(FormatBorder::Thin)
            .set_text_wrap()
            .set_align(FormatAlign::Top);
        Formats {
            header,
            title: Format::new().set_bold().set_font_size(14),
            date: Format::new()
                .set_num_format(DATE_FORMAT)
                .set_align(FormatAlign::Left)
                .set_align(FormatAlign::Top),
            text: Format::new().set_align(FormatAlign::Top).set_text_wrap(),
            plain: Format::new(),
            link: Format::new()
                .set_font_color(Color::RGB(0x0563C1))
                .set_underline(rust_xlsxwriter::FormatUnderline::Single)
                .set_align(FormatAlign::Top),
            rag: RAGS
                .iter()
                .filter_map(|r| {
                    let (fill, font) = rag_colours(r)?;
                    Some((
                        *r,
                        Format::new()
                            .set_background_color(Color::RGB(fill))
                            .set_font_color(Color::RGB(font))
                            .set_align(FormatAlign::Top),
                    ))
                })
                .collect(),
        }
    }

    fn rag(&self, rag: &str) -> Option<&Format> {
        self.rag.iter().find(|(r, _)| *r == rag).map(|(_, f)| f)
    }
}

/// Text as one cell can hold it (Excel refuses longer strings).
fn fit(text: &str) -> String {
    if text.chars().count() <= MAX_CELL_CHARS {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(MAX_CELL_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

/// Tracks the widest content of each column of a sheet.
struct Widths(Vec<usize>);

impl Widths {
    fn see(&mut self, col: usize, text: &str) {
        // The longest line counts: a wrapped cell is as wide as its widest line.
        let w = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        if let Some(slot) = self.0.get_mut(col) {
            *slot = (*slot).max(w);
        }
    }

    fn width(&self, col: usize) -> usize {
        (self.0.get(col).copied().unwrap_or(0) + 2).clamp(MIN_WIDTH, MAX_WIDTH)
    }

    fn apply(&self, ws: &mut Worksheet) -> Result<()> {
        for col in 0..self.0.len() {
            ws.set_column_width(col as u16, self.width(col) as f64)?;
        }
        Ok(())
    }

    /// How many lines a text wraps to in column `col` (at most 12, the row's limit),
    /// given the length in characters of each of its lines.
    fn lines(&self, col: usize, lengths: impl Iterator<Item = usize>) -> usize {
        let room = self.width(col).saturating_sub(2).max(1);
        let n: usize = lengths.map(|l| l.div_ceil(room).max(1)).sum();
        n.clamp(1, 12)
    }
}

/// How a column's values are written.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// The record's ID, a link to its page.
    Id,
    /// A full date becomes a date cell; a partial one stays text ("2014-03").
    Date,
    /// A value with a human label; `rag` columns are also filled.
    Label {
        rag: bool,
    },
    /// A number cell (whole or decimal); anything else stays text.
    Number,
    Text,
}

fn kind_of(t: RecordType, name: &str) -> Kind {
    match name {
        "id" => return Kind::Id,
        "status" | "state" => return Kind::Label { rag: false },
        "rag" | "effective_rag" => return Kind::Label { rag: true },
        "overdue" | "evidenced" | "past_due" | "against_target" | "trend" | "no_recent_value"
        | "review_overdue" => return Kind::Label { rag: false },
        "days_past_due" | "latest_value" | "score" => return Kind::Number,
        "signed_off_on" | "agreed_on" => return Kind::Date,
        _ => {}
    }
    match t.field(name).map(|f| f.kind) {
        Some(FieldKind::Date) => Kind::Date,
        Some(FieldKind::Enum(_)) => Kind::Label { rag: false },
        Some(FieldKind::Integer | FieldKind::Number) => Kind::Number,
        _ => Kind::Text,
    }
}

/// One type's sheet: the CSV's columns, a row per record.
fn type_sheet(b: &Build<'_>, ws: &mut Worksheet, t: RecordType, f: &Formats) -> Result<()> {
    ws.set_name(t.plural_title())?;
    let cols = columns(t);
    let kinds: Vec<Kind> = cols.iter().map(|c| kind_of(t, c)).collect();
    let heads: Vec<String> = cols
        .iter()
        .map(|name| crate::present::column_label(t, name))
        .collect();
    // The sheet is written row by row and each row leaves memory once written (issue
    // 25: every cell held until the end was a third of a build's peak): so the column
    // widths and row heights, which depend on every row, come from a first pass that
    // keeps only, per row, the length in characters of each line of each cell.
    let mut widths = Widths(vec![0; cols.len()]);
    for (c, head) in heads.iter().enumerate() {
        widths.see(c, head);
    }
    // Dates show as "31 Mar 2014": wide enough for that, whatever the header.
    for (c, k) in kinds.iter().enumerate() {
        if *k == Kind::Date {
            widths.see(c, "30 Sep 2014");
        }
    }
    let mut lengths: Vec<Vec<(u16, u32)>> = Vec::new();
    for (i, _) in b.site().of_type(t) {
        let mut lines = Vec::new();
        for (c, value) in row(b, i).iter().enumerate() {
            let text = fit(&cell_text(value));
            widths.see(c, &text);
            let count = |l: &str| u32::try_from(l.chars().count()).unwrap_or(u32::MAX);
            lines.extend(text.lines().map(|l| (c as u16, count(l))));
        }
        lengths.push(lines);
    }
    print_setup(ws, lengths.len() as u32, (cols.len() - 1) as u16)?;
    widths.apply(ws)?;
    for (c, head) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, head, &f.header)?;
    }
    for (n, (i, rec)) in b.site().of_type(t).enumerate() {
        let r = n as u32 + 1;
        let lines = row_lines(&lengths[n], cols.len(), &widths);
        if lines > 1 {
            ws.set_row_height(r, 15.0 * lines as f64)?;
        }
        for (c, value) in row(b, i).iter().enumerate() {
            let text = fit(&cell_text(value));
            if !text.is_empty() {
                write_cell(ws, (r, c as u16), &kinds[c], (&text, value), rec, f)?;
            }
        }
    }
    Ok(())
}

/// Writes one cell of a record's row (`text` as the CSV gives it, `value` as
/// exported) as its column's kind asks: the ID as a link to the record's page, a full
/// date as a date, a labelled value by its label, a number as a number.
fn write_cell(
    ws: &mut Worksheet,
    (r, col): (u32, u16),
    kind: &Kind,
    (text, value): (&str, &serde_json::Value),
    rec: &Record,
    f: &Formats,
) -> Result<()> {
    match *kind {
        Kind::Id => {
            let url = Url::new(format!("file:///../site/{}", rec.page_path()));
            ws.write_url_with_format(r, col, url.set_text(text), &f.link)?;
        }
        Kind::Date => match crate::date::Date::parse_full(text) {
            Some(d) => {
                let dt = ExcelDateTime::from_ymd(d.year as u16, d.month, d.day)?;
                ws.write_datetime_with_format(r, col, &dt, &f.date)?;
            }
            None => {
                ws.write_string_with_format(r, col, text, &f.text)?;
            }
        },
        Kind::Label { rag } => {
            let shown = label(text);
            let format = if rag { f.rag(text) } else { None };
            ws.write_string_with_format(r, col, &shown, format.unwrap_or(&f.text))?;
        }
        Kind::Number => match value.as_f64() {
            Some(n) => {
                ws.write_number_with_format(r, col, n, &f.text)?;
            }
            None => {
                ws.write_string_with_format(r, col, text, &f.text)?;
            }
        },
        Kind::Text => {
            ws.write_string_with_format(r, col, text, &f.text)?;
        }
    }
    Ok(())
}

/// Freezes the header row, filters rows 0 to `last_row`, and sets the page up for
/// printing for a board: A4 landscape with gridlines, the header row and the ID and
/// title columns on every page (fitting every column on one page's width would make
/// the text too small to read).
fn print_setup(ws: &mut Worksheet, last_row: u32, last_col: u16) -> Result<()> {
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, last_row, last_col)?;
    ws.set_paper_size(9)
        .set_landscape()
        .set_print_gridlines(true)
        .set_repeat_rows(0, 0)?
        .set_repeat_columns(0, 1)?;
    Ok(())
}

/// How many lines tall a record's row must be for its longest wrapped text: `lengths`
/// holds the length of each line of each cell with its column (not the texts: they
/// were a second copy of every cell, issue 25), sized by the `cols` columns' `widths`.
fn row_lines(lengths: &[(u16, u32)], cols: usize, widths: &Widths) -> usize {
    (0..cols)
        .map(|c| {
            let of_column = lengths.iter().filter(|(col, _)| usize::from(*col) == c);
            widths.lines(c, of_column.map(|(_, len)| *len as usize))
        })
        .max()
        .unwrap_or(1)
}

/// The "Readiness" sheet: the figures of `assure status --format json`, in words.
fn readiness_sheet(b: &Build<'_>, ws: &mut Worksheet, f: &Formats) -> Result<()> {
    ws.set_name("Readiness")?;
    let site = b.site();
    let a = b.analysis;
    let r = a.readiness;
    let mut widths = Widths(vec![0; 2]);
    let mut row: u32 = 0;
    let mut put = |ws: &mut Worksheet, row: &mut u32, k: &str, v: &str| -> Result<()> {
        widths.see(0, k);
        widths.see(1, v);
        ws.write_string_with_format(*row, 0, fit(k), &f.plain)?;
        ws.write_string_with_format(*row, 1, fit(v), &f.plain)?;
        *row += 1;
        Ok(())
    };
    ws.write_string_with_format(row, 0, fit(&site.config.title), &f.title)?;
    row += 1;
    if !site.config.organisation.is_empty() {
        ws.write_string_with_format(row, 0, fit(&site.config.organisation), &f.plain)?;
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, "Readiness date", &f.plain)?;
    let d = b.as_of;
    let dt = ExcelDateTime::from_ymd(d.year as u16, d.month, d.day)?;
    ws.write_datetime_with_format(row, 1, &dt, &f.date)?;
    row += 1;
    put(ws, &mut row, "Audience", &b.view.audience)?;
    put(
        ws,
        &mut row,
        "Readiness",
        &crate::present::readiness_sentence(&r),
    )?;
    let number = |ws: &mut Worksheet, row: &mut u32, k: &str, n: f64| -> Result<()> {
        ws.write_string_with_format(*row, 0, k, &f.plain)?;
        ws.write_number_with_format(*row, 1, n, &f.plain)?;
        *row += 1;
        Ok(())
    };
    number(
        ws,
        &mut row,
        "Recommendations met and evidenced",
        r.met_evidenced as f64,
    )?;
    if let Some(pm) = r.met_per_mille() {
        number(ws, &mut row, "Percent met and evidenced", pm as f64 / 10.0)?;
    }
    number(
        ws,
        &mut row,
        "Recommendations evidenced",
        r.evidenced as f64,
    )?;
    number(ws, &mut row, "Recommendations counted", r.counted as f64)?;
    if let Some(pm) = r.per_mille() {
        number(ws, &mut row, "Percent evidenced", pm as f64 / 10.0)?;
    }
    number(
        ws,
        &mut row,
        "Due dates moved",
        a.gaps.due_moved.len() as f64,
    )?;
    count_sections(b, ws, f, &mut widths, &mut row)?;
    gap_sections(b, ws, f, &mut widths, &mut row)?;
    widths.apply(ws)?;
    ws.set_paper_size(9).set_print_fit_to_pages(1, 0);
    Ok(())
}

/// The Readiness sheet's counts, each under its heading: recommendations and actions
/// by status, evidence by state, actions by RAG.
fn count_sections(
    b: &Build<'_>,
    ws: &mut Worksheet,
    f: &Formats,
    widths: &mut Widths,
    row: &mut u32,
) -> Result<()> {
    let site = b.site();
    let a = b.analysis;
    let mut section = |ws: &mut Worksheet,
                       row: &mut u32,
                       title: &str,
                       pairs: Vec<(String, usize, Option<&Format>)>|
     -> Result<()> {
        *row += 1;
        widths.see(0, title);
        ws.write_string_with_format(*row, 0, title, &f.header)?;
        ws.write_string_with_format(*row, 1, "Count", &f.header)?;
        *row += 1;
        for (word, n, format) in pairs {
            ws.write_string_with_format(*row, 0, &word, format.unwrap_or(&f.plain))?;
            ws.write_number_with_format(*row, 1, n as f64, &f.plain)?;
            *row += 1;
        }
        Ok(())
    };
    let statuses = |t: RecordType| {
        a.by_status(site, t)
            .into_iter()
            .map(|(s, n)| (label(s), n, None))
            .collect::<Vec<_>>()
    };
    section(
        ws,
        row,
        "Recommendations by status",
        statuses(RecordType::Recommendation),
    )?;
    section(
        ws,
        row,
        "Evidence by state",
        a.by_state()
            .into_iter()
            .map(|(s, n)| (label(s.name()), n, None))
            .collect(),
    )?;
    section(ws, row, "Actions by status", statuses(RecordType::Action))?;
    section(
        ws,
        row,
        "Actions by RAG",
        a.by_rag()
            .into_iter()
            .map(|(c, n)| (label(c), n, f.rag(c)))
            .collect(),
    )?;
    Ok(())
}

/// The Readiness sheet's gap lists in [`GapKind::ALL`]'s order, each under its heading
/// with its count, the late ones with their days past due and owner.
fn gap_sections(
    b: &Build<'_>,
    ws: &mut Worksheet,
    f: &Formats,
    widths: &mut Widths,
    row: &mut u32,
) -> Result<()> {
    let site = b.site();
    let a = b.analysis;
    for kind in GapKind::ALL {
        let title = &crate::present::gap_heading(kind);
        let late = matches!(kind, GapKind::PastDue | GapKind::Overdue);
        let list = a.gap_in_order(site, kind);
        *row += 1;
        widths.see(0, title);
        ws.write_string_with_format(*row, 0, title, &f.header)?;
        ws.write_number_with_format(*row, 1, list.len() as f64, &f.header)?;
        if late {
            ws.write_string_with_format(*row, 2, "Days past due", &f.header)?;
            ws.write_string_with_format(*row, 3, "Owner", &f.header)?;
        }
        *row += 1;
        for i in list {
            let rec = &site.records[i];
            let url = Url::new(format!("file:///../site/{}", rec.page_path()));
            ws.write_url_with_format(*row, 0, url.set_text(&rec.id), &f.link)?;
            ws.write_string_with_format(*row, 1, fit(&rec.title), &f.plain)?;
            if late {
                let days = a.late_by(site, i).unwrap_or(0);
                ws.write_number_with_format(*row, 2, days as f64, &f.plain)?;
                if let Some(o) = &rec.owner {
                    ws.write_string_with_format(*row, 3, fit(o), &f.plain)?;
                }
            }
            widths.see(0, &rec.id);
            *row += 1;
        }
    }
    Ok(())
}

/// `data/tracker.xlsx`, as bytes.
///
/// The sheets with a row per record are written row by row in the writer's "low
/// memory" mode: each row goes to a temporary file once the next one starts, and only
/// the shared strings stay in memory. Every cell held until the end was the largest
/// part of a build's peak at 10,000 records (issue 25). The workbook says the same; its
/// bytes differ only in the order of its shared strings and styles.
pub fn workbook(b: &Build<'_>) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let d = b.as_of;
    // The readiness date stands for "when": a fixed date keeps the bytes the same.
    let created = ExcelDateTime::from_ymd(d.year as u16, d.month, d.day)?;
    let site = b.site();
    let props = DocProperties::new()
        .set_title(fit(&site.config.title))
        .set_company(fit(&site.config.organisation))
        .set_author("Assure")
        .set_comment(format!(
            "Tracker as of {}, audience {}, made by Assure {}",
            b.as_of,
            b.view.audience,
            crate::VERSION
        ))
        .set_creation_datetime(&created);
    wb.set_properties(&props);
    let f = Formats::new();
    readiness_sheet(b, wb.add_worksheet(), &f)?;
    let planned = [RecordType::Recommendation, RecordType::Action];
    if planned.iter().any(|&t| site.of_type(t).next().is_some()) {
        action_plan::sheet(b, row_by_row(&mut wb)?, &f)?;
    }
    for t in ALL_TYPES {
        if site.of_type(t).next().is_none() {
            continue;
        }
        type_sheet(b, row_by_row(&mut wb)?, t, &f)?;
    }
    // Last and hidden: what `import --update` reads the edits back with.
    round_trip::sheet(b, row_by_row(&mut wb)?, &f)?;
    let mut bytes = wb.save_to_buffer().context("writing data/tracker.xlsx")?;
    same_on_every_host(&mut bytes);
    Ok(bytes)
}

/// A new sheet written row by row (see [`workbook`]), its rows kept in a temporary file;
/// where none can be made (a full or read-only temporary folder), an ordinary sheet,
/// which holds its rows until the workbook is written and says the same.
fn row_by_row(wb: &mut Workbook) -> Result<&mut Worksheet> {
    if wb.add_worksheet_with_low_memory().is_err() {
        wb.add_worksheet();
    }
    let last = wb.worksheets().len().saturating_sub(1);
    Ok(wb.worksheet_from_index(last)?)
}

/// The zip "made by" system of every central-directory entry set to Unix (3), whatever
/// the host. The zip writer records the system it runs on (DOS on Windows, Unix
/// elsewhere) in the high byte of each entry's "version made by"; nothing else in the
/// workbook depends on the host, so with this the Windows build writes the same bytes
/// as the Linux one (SPEC §14.11). A workbook this cannot walk is left as it is.
fn same_on_every_host(zip: &mut [u8]) {
    const EOCD: &[u8] = b"PK\x05\x06";
    const CENTRAL: &[u8] = b"PK\x01\x02";
    const UNIX: u8 = 3;
    let u16_at = |b: &[u8], i: usize| b.get(i..i + 2).map(|s| u16::from_le_bytes([s[0], s[1]]));
    let u32_at = |b: &[u8], i: usize| {
        b.get(i..i + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    };
    // The end-of-central-directory record: the last one, 22 bytes plus any comment.
    let Some(end) = zip.windows(4).rposition(|w| w == EOCD) else {
        return;
    };
    let (Some(entries), Some(start)) = (u16_at(zip, end + 10), u32_at(zip, end + 16)) else {
        return;
    };
    let mut at = start as usize;
    for _ in 0..entries {
        if zip.get(at..at + 4) != Some(CENTRAL) {
            return;
        }
        let (Some(name), Some(extra), Some(comment)) = (
            u16_at(zip, at + 28),
            u16_at(zip, at + 30),
            u16_at(zip, at + 32),
        ) else {
            return;
        };
        zip[at + 5] = UNIX;
        at += 46 + name as usize + extra as usize + comment as usize;
    }
}

/// `data/tracker.xlsx` as an output.
pub fn write(b: &Build<'_>, emit: Emit<'_>) -> Result<usize> {
    emit.write("data/tracker.xlsx", &workbook(b)?)?;
    Ok(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_entries_say_unix_whatever_the_host() {
        // A zip as the writer makes it on Windows: "made by" DOS (0) in every entry.
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .system(zip::System::Dos)
                .last_modified_time(zip::DateTime::default());
            for name in ["a.xml", "b/c.xml"] {
                z.start_file(name, opts).unwrap();
                std::io::Write::write_all(&mut z, b"<x/>").unwrap();
            }
            z.finish().unwrap();
        }
        let mut bytes = buf.into_inner();
        let made_by = |b: &[u8]| -> Vec<u8> {
            b.windows(4)
                .enumerate()
                .filter(|(_, w)| *w == b"PK\x01\x02")
                .map(|(i, _)| b[i + 5])
                .collect()
        };
        assert_eq!(made_by(&bytes), [0, 0]);
        let before = bytes.clone();
        same_on_every_host(&mut bytes);
        assert_eq!(made_by(&bytes), [3, 3]);
        // Only those two bytes changed, and the zip still reads.
        let changed = before.iter().zip(&bytes).filter(|(a, b)| a != b).count();
        assert_eq!(changed, 2);
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(z.len(), 2);
        assert_eq!(z.by_index(1).unwrap().name().unwrap(), "b/c.xml");
    }

    #[test]
    fn long_text_fits_a_cell() {
        let long = "x".repeat(MAX_CELL_CHARS + 10);
        assert_eq!(fit(&long).chars().count(), MAX_CELL_CHARS);
        assert_eq!(fit("short"), "short");
    }

    #[test]
    fn columns_are_written_by_kind() {
        assert!(matches!(kind_of(RecordType::Action, "id"), Kind::Id));
        assert!(matches!(kind_of(RecordType::Action, "due"), Kind::Date));
        assert!(matches!(
            kind_of(RecordType::Action, "effective_rag"),
            Kind::Label { rag: true }
        ));
        assert!(matches!(kind_of(RecordType::Page, "order"), Kind::Number));
        assert!(matches!(
            kind_of(RecordType::Indicator, "target"),
            Kind::Number
        ));
        assert!(matches!(
            kind_of(RecordType::Indicator, "latest_value"),
            Kind::Number
        ));
        assert!(matches!(
            kind_of(RecordType::Risk, "likelihood"),
            Kind::Number
        ));
        assert!(matches!(kind_of(RecordType::Action, "title"), Kind::Text));
    }
}
