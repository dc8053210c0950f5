//! The tracker's "Action plan" sheet (SPEC §14.11): the council layout a board reads —
//! Recommendation → Action → Lead → Due → BRAG → Progress update → Evidence — one row
//! per action under each recommendation it addresses, printed A4 landscape, one page
//! wide, the header row on every page.
//!
//! Every row is whole (no merged cells), so the sheet sorts and filters as it prints.
//! A recommendation with no action still has its row, with the Action cell empty: a
//! board sees the gap. Actions that address no recommendation come last.

use super::{fit, Formats, Widths};
use crate::date::PartialDate;
use crate::model::schema::RecordType;
use crate::model::Site;
use crate::present::{label, progress_update};
use crate::render::Build;
use anyhow::Result;
use rust_xlsxwriter::{ExcelDateTime, Worksheet};

/// The sheet's name, as the tabs show it.
pub const NAME: &str = "Action plan";

/// The columns, in the council layout's order.
pub const HEADERS: [&str; 7] = [
    "Recommendation",
    "Action",
    "Lead",
    "Due",
    "BRAG",
    "Progress update",
    "Evidence",
];

/// Column widths in characters: the prose columns wide, the short ones narrow, so
/// that one page's width at a readable scale holds them all.
const WIDTHS: [f64; 7] = [34.0, 34.0, 18.0, 12.0, 9.0, 46.0, 30.0];

/// What the Recommendation cell of an action that addresses none says.
const NO_RECOMMENDATION: &str = "Not linked to a recommendation";

/// "ID: title", the way a cell names a record (the ID first, for sorting and import).
fn named(site: &Site, i: usize) -> String {
    let r = &site.records[i];
    format!("{}: {}", r.id, r.title)
}

/// The evidence records that support record `i` directly, one per line.
fn evidence_of(site: &Site, i: usize) -> String {
    let mut lines: Vec<String> = site.backlinks[i]
        .iter()
        .filter(|l| l.field == "supports" && site.records[l.from].rtype == RecordType::Evidence)
        .map(|l| named(site, l.from))
        .collect();
    lines.dedup();
    lines.join("\n")
}

/// One row: the recommendation (if any) and the action (if any).
struct Row {
    rec: Option<usize>,
    action: Option<usize>,
}

/// The rows: each recommendation in order with its actions, then the unlinked actions.
fn rows(site: &Site) -> Vec<Row> {
    let mut out = Vec::new();
    let actions: Vec<usize> = site.of_type(RecordType::Action).map(|(i, _)| i).collect();
    for (r, _) in site.of_type(RecordType::Recommendation) {
        let mine: Vec<usize> = actions
            .iter()
            .copied()
            .filter(|&a| site.records[a].targets("addresses").any(|t| t == r))
            .collect();
        if mine.is_empty() {
            out.push(Row {
                rec: Some(r),
                action: None,
            });
        }
        out.extend(mine.into_iter().map(|a| Row {
            rec: Some(r),
            action: Some(a),
        }));
    }
    for a in actions {
        if site.records[a].targets("addresses").next().is_none() {
            out.push(Row {
                rec: None,
                action: Some(a),
            });
        }
    }
    out
}

/// Writes a date as the tracker's every date column does: a full date as a date cell,
/// a partial one ("2014-03", "2014") as text (SPEC §14.11).
pub(super) fn write_date(
    ws: &mut Worksheet,
    (row, col): (u32, u16),
    d: PartialDate,
    f: &Formats,
) -> Result<()> {
    match (d.month, d.day) {
        (Some(m), Some(day)) => {
            let dt = ExcelDateTime::from_ymd(d.year as u16, m, day)?;
            ws.write_datetime_with_format(row, col, &dt, &f.date)?;
        }
        _ => {
            ws.write_string_with_format(row, col, d.to_string(), &f.text)?;
        }
    }
    Ok(())
}

/// Excel's tallest row, in lines of 15 points (409 points).
const MAX_LINES: usize = 27;

/// How many lines `text` wraps to in column `col`: unlike the type sheets, whose rows
/// stop at 12 lines, a progress update is printed whole up to Excel's tallest row.
fn wrapped_lines(widths: &Widths, col: usize, text: &str) -> usize {
    let room = widths.width(col).saturating_sub(2).max(1);
    text.lines()
        .map(|l| l.chars().count().div_ceil(room).max(1))
        .sum::<usize>()
        .clamp(1, MAX_LINES)
}

/// The "Action plan" sheet.
pub(super) fn sheet(b: &Build<'_>, ws: &mut Worksheet, f: &Formats) -> Result<()> {
    ws.set_name(NAME)?;
    let site = b.site();
    for (c, head) in HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *head, &f.header)?;
        ws.set_column_width(c as u16, WIDTHS[c])?;
    }
    // Text cells only, wrapped. (A record's page is linked from its ID on the type
    // sheets: LibreOffice never wraps a hyperlink cell, which would cut the title.)
    // Each row is given the height of its wrapped text: LibreOffice does not fit rows
    // to their text when it prints a workbook, so without it the text overprints.
    let widths = Widths(WIDTHS.iter().map(|w| *w as usize - 2).collect());
    // Writes a text cell; says how many lines it wraps to.
    let text = |ws: &mut Worksheet, r: u32, c: u16, value: &str| -> Result<usize> {
        if value.is_empty() {
            return Ok(1);
        }
        let value = fit(value);
        let lines = wrapped_lines(&widths, c as usize, &value);
        ws.write_string_with_format(r, c, value, &f.text)?;
        Ok(lines)
    };
    let mut r: u32 = 0;
    for row in rows(site) {
        r += 1;
        let rec = match row.rec {
            Some(i) => named(site, i),
            None => NO_RECOMMENDATION.into(),
        };
        let mut lines = text(ws, r, 0, &rec)?;
        let evidence = match row.action {
            Some(a) => {
                let action = &site.records[a];
                lines = lines.max(text(ws, r, 1, &named(site, a))?);
                lines = lines.max(text(ws, r, 2, action.owner.as_deref().unwrap_or(""))?);
                if let Some(due) = action.due {
                    write_date(ws, (r, 3), due, f)?;
                }
                if let Some(rag) = b.analysis.rag[a] {
                    ws.write_string_with_format(r, 4, label(rag), f.rag(rag).unwrap_or(&f.text))?;
                }
                lines = lines.max(text(ws, r, 5, &progress_update(&action.body))?);
                evidence_of(site, a)
            }
            // A recommendation with no action: the evidence that supports it directly.
            None => row.rec.map(|i| evidence_of(site, i)).unwrap_or_default(),
        };
        lines = lines.max(text(ws, r, 6, &evidence)?);
        ws.set_row_height(r, 15.0 * lines as f64)?;
    }
    let last_col = (HEADERS.len() - 1) as u16;
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, r.max(1), last_col)?;
    // Printed for a board: A4 landscape, every column on one page's width, the header
    // row repeated on every page, page numbers at the foot.
    ws.set_paper_size(9)
        .set_landscape()
        .set_print_gridlines(true)
        .set_print_fit_to_pages(1, 0)
        .set_repeat_rows(0, 0)?
        .set_footer("&L&A&RPage &P of &N");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_has_a_width() {
        assert_eq!(HEADERS.len(), WIDTHS.len());
    }

    #[test]
    fn rows_are_as_tall_as_their_longest_text() {
        let widths = Widths(WIDTHS.iter().map(|w| *w as usize - 2).collect());
        // The Progress update column holds 44 characters a line.
        assert_eq!(wrapped_lines(&widths, 5, &"x".repeat(44)), 1);
        assert_eq!(wrapped_lines(&widths, 5, &"x".repeat(45)), 2);
        assert_eq!(wrapped_lines(&widths, 5, "a\nb\nc"), 3);
        assert_eq!(wrapped_lines(&widths, 5, &"x".repeat(44 * 20)), 20);
        assert_eq!(wrapped_lines(&widths, 5, &"x".repeat(44 * 40)), MAX_LINES);
    }
}
