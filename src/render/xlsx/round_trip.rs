//! The tracker's hidden "Round trip" sheet (SPEC §14.11): what `assure import
//! tracker.xlsx --update` needs to bring edits made in the workbook back into the
//! records.
//!
//! One row per record of the tracker: its ID, its fingerprint (the SHA-256 of the
//! record as this audience's view holds it, [`crate::render::data::fingerprint`]) and
//! the values its editable cells were built with (status, RAG, effective RAG, owner,
//! due, progress update). Import compares each cell with the value it was built with,
//! so it sees exactly what was edited however the rows were sorted, and refuses an
//! edited row whose record's fingerprint is no longer the one built. The sheet holds
//! only records of the tracker's own audience, and only values the visible sheets show
//! them with, so hiding it hides nothing the audience may not read.

use super::action_plan::write_date;
use super::{fit, Formats};
use crate::model::schema::RecordType;
use crate::present::progress_update;
use crate::render::data::fingerprint;
use crate::render::Build;
use anyhow::Result;
use rust_xlsxwriter::{ExcelDateTime, Worksheet};

/// The sheet's name.
pub const NAME: &str = "Round trip";
/// The first cell: which layout of this sheet the workbook holds.
pub const FORMAT: &str = "assure round trip 1";
/// Rows before the column headers: the format, the audience, the readiness date.
pub const AUDIENCE_ROW: usize = 1;
pub const AS_OF_ROW: usize = 2;
pub const HEADER_ROW: usize = 3;

/// The columns of a record's row.
pub const HEADERS: [&str; 8] = [
    "ID",
    "Fingerprint",
    "Status",
    "RAG",
    "Effective RAG",
    "Owner",
    "Due",
    "Progress update",
];

/// Where [`HEADERS`] has "Due".
const DUE_COLUMN: u16 = 6;

/// The "Round trip" sheet, hidden.
pub(super) fn sheet(b: &Build<'_>, ws: &mut Worksheet, f: &Formats) -> Result<()> {
    ws.set_name(NAME)?;
    ws.set_hidden(true);
    ws.write_string_with_format(0, 0, FORMAT, &f.plain)?;
    ws.write_string_with_format(
        0,
        1,
        "Assure reads this sheet when the tracker comes back (`assure import tracker.xlsx --update`) to see what was edited and whether a record changed since. Please leave it as it is.",
        &f.plain,
    )?;
    ws.write_string_with_format(AUDIENCE_ROW as u32, 0, "Audience", &f.plain)?;
    ws.write_string_with_format(AUDIENCE_ROW as u32, 1, &b.view.audience, &f.plain)?;
    ws.write_string_with_format(AS_OF_ROW as u32, 0, "As of", &f.plain)?;
    // Full dates as date cells, as in every sheet of the tracker (SPEC §14.11).
    let d = b.as_of;
    let as_of = ExcelDateTime::from_ymd(d.year as u16, d.month, d.day)?;
    ws.write_datetime_with_format(AS_OF_ROW as u32, 1, &as_of, &f.date)?;
    for (c, head) in HEADERS.iter().enumerate() {
        ws.write_string_with_format(HEADER_ROW as u32, c as u16, *head, &f.header)?;
    }
    let site = b.site();
    let mut r = HEADER_ROW as u32;
    for (i, rec) in site.records.iter().enumerate() {
        r += 1;
        let progress = if rec.rtype == RecordType::Action {
            fit(&progress_update(&rec.body))
        } else {
            String::new()
        };
        let cells = [
            rec.id.clone(),
            fingerprint(site, i),
            rec.status.to_string(),
            rec.rag.unwrap_or_default().to_string(),
            b.analysis.rag[i].unwrap_or_default().to_string(),
            fit(rec.owner.as_deref().unwrap_or_default()),
            // The due date: written below, as a date cell when it is a full date.
            String::new(),
            progress,
        ];
        for (c, value) in cells.iter().enumerate() {
            if !value.is_empty() {
                ws.write_string_with_format(r, c as u16, value, &f.plain)?;
            }
        }
        if let Some(due) = rec.due {
            write_date(ws, (r, DUE_COLUMN), due, f)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_due_column_is_where_the_headers_say() {
        assert_eq!(HEADERS[DUE_COLUMN as usize], "Due");
    }
}
