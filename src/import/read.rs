//! Reading a tracker into a grid of cells: `.xlsx`/`.xls`/`.ods` through calamine (in
//! a child process with limits, [`super::contain`]), `.csv` through the csv crate (UTF-8
//! with or without a BOM, else Windows-1252).
//!
//! A workbook is a zip of XML parts, and a hostile one can be small on disk and huge
//! inside. So before calamine opens anything, the zip's central directory is read and
//! every part is inflated once through a bounded reader: a part (or the whole) past
//! [`MAX_UNZIPPED`], an XML document type declaration (the vehicle of entity
//! expansion), an encrypted part or a broken checksum is refused. Rows are read as a
//! stream and refused past [`MAX_ROWS`], so neither time nor memory grows with what an
//! attacker declares.

use super::Cell;
use crate::date::Date;
use anyhow::{anyhow, bail, Result};
use calamine::{Data, DataRef, Reader, SheetVisible};
use std::io::{Cursor, Read};
use std::path::Path;

/// The largest file `import` reads (a council's tracker is a few megabytes).
pub const MAX_FILE: u64 = crate::untrusted::MAX_BYTES;
/// The most a workbook's parts may inflate to, together.
pub const MAX_UNZIPPED: u64 = 256 * 1024 * 1024;
/// The most parts a workbook may have.
const MAX_PARTS: usize = 10_000;
/// The most rows a sheet may have (a tracker has hundreds).
pub const MAX_ROWS: u32 = 20_000;
/// Columns past this are ignored (a tracker has dozens; styling reaches XFD).
pub const MAX_COLS: u32 = 256;

/// One sheet as read: its name, the rows of cells, and the names of every sheet.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<Cell>>,
    pub sheets: Vec<String>,
}

/// Which reader a file needs, told from its first bytes and then its extension.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Xlsx,
    Ods,
    Xls,
    Csv,
}

impl Kind {
    /// The name a child process is told the kind by.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Xlsx => "xlsx",
            Kind::Ods => "ods",
            Kind::Xls => "xls",
            Kind::Csv => "csv",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        [Kind::Xlsx, Kind::Ods, Kind::Xls, Kind::Csv]
            .into_iter()
            .find(|k| k.name() == name)
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// What the bytes are, whatever the name says.
pub(super) fn sniff(path: &Path, bytes: &[u8]) -> Result<Kind> {
    let shown = path.display();
    let ext = extension(path);
    let zip = bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06");
    let cfb = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    match ext.as_str() {
        "csv" | "txt" => {
            if zip || cfb {
                bail!("{shown} is a workbook, not a CSV file: rename it .xlsx (or .xls) and import that");
            }
            Ok(Kind::Csv)
        }
        "xlsx" | "xlsm" | "ods" | "xls" => {
            if zip {
                return Ok(if ext == "ods" { Kind::Ods } else { Kind::Xlsx });
            }
            if cfb {
                // Excel saves a password-protected workbook as an OLE file holding the
                // encrypted zip; calamine says which it is.
                return Ok(Kind::Xls);
            }
            if ext == "xls" && looks_like_text(bytes) {
                // Old exporters write HTML or tab-separated text named .xls.
                bail!("{shown} is text, not an Excel workbook: save it from Excel as .xlsx, or rename it .csv if it is comma-separated");
            }
            if looks_like_text(bytes) {
                bail!("{shown} is not a workbook: it is text (a CSV file renamed .{ext}?); rename it .csv and import that");
            }
            bail!("{shown} is not a readable .{ext} workbook (it is not a zip file): open it in Excel or LibreOffice and save it again")
        }
        _ => bail!("{shown}: `import` reads .xlsx, .xls, .ods and .csv files"),
    }
}

/// Whether the start of a file reads as text (UTF-8 or a single-byte code page).
fn looks_like_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    !head.is_empty()
        && head
            .iter()
            .all(|&b| b >= 0x20 || b == b'\n' || b == b'\r' || b == b'\t')
}

/// Parses a workbook's bytes in this process, with the caps that cost nothing (the zip
/// checked part by part, rows streamed and counted). The child process of
/// [`super::contain`] runs this, and so do the fuzz targets.
pub fn parse_workbook(
    shown: &str,
    kind: Kind,
    bytes: Vec<u8>,
    sheet: Option<&str>,
) -> Result<Sheet> {
    let mut sheets = parse_sheets(shown, kind, bytes, Which::One(sheet))?;
    sheets
        .pop()
        .ok_or_else(|| anyhow!("{shown} has no sheet to read"))
}

/// Which sheets of a workbook to read.
#[derive(Clone, Copy, Debug)]
pub enum Which<'a> {
    /// The one named, or the first visible one.
    One(Option<&'a str>),
    /// Every sheet, hidden ones included (`import --update` reads Assure's own tracker
    /// whole, its hidden "Round trip" sheet with it).
    All,
}

/// [`parse_workbook`] for the sheets `which` names, in the workbook's order.
pub fn parse_sheets(shown: &str, kind: Kind, bytes: Vec<u8>, which: Which) -> Result<Vec<Sheet>> {
    match kind {
        Kind::Csv => bail!("{shown} is a CSV file, not a workbook"),
        Kind::Xlsx => {
            check_zip(shown, &bytes)?;
            read_xlsx(shown, bytes, which)
        }
        Kind::Ods => {
            check_zip(shown, &bytes)?;
            let wb = calamine::Ods::new(Cursor::new(bytes))
                .map_err(|e| anyhow!("{shown} is not a readable .ods workbook: {e}"))?;
            read_ranged(shown, wb, which, |_, _| Vec::new())
        }
        Kind::Xls => {
            let cursor = Cursor::new(bytes);
            if let Err(calamine::XlsxError::Password) =
                calamine::Xlsx::<Cursor<Vec<u8>>>::new(cursor.clone())
            {
                bail!(password(shown));
            }
            let wb = match calamine::Xls::new(cursor) {
                Ok(wb) => wb,
                Err(calamine::XlsError::Password) => bail!(password(shown)),
                Err(e) => bail!("{shown} is not a readable .xls workbook: {e}"),
            };
            read_ranged(shown, wb, which, |wb: &calamine::Xls<_>, name| {
                wb.merge_cells_by_sheet_name(name).unwrap_or_default()
            })
        }
    }
}

/// The names of the sheets `which` asks for.
fn chosen(shown: &str, sheets: &[(String, bool)], which: Which) -> Result<Vec<String>> {
    match which {
        Which::One(wanted) => Ok(vec![pick(shown, sheets, wanted)?]),
        Which::All => Ok(sheets.iter().map(|(n, _)| n.clone()).collect()),
    }
}

fn password(shown: &str) -> String {
    format!("{shown} is password-protected (encrypted): open it in Excel, remove the password (File › Info › Protect Workbook) and save a copy to import")
}

/// Refuses a zip that is damaged, encrypted, too big inside, or that declares a DTD.
fn check_zip(shown: &str, bytes: &[u8]) -> Result<()> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| anyhow!("{shown} is damaged: it is not a readable zip file ({e})"))?;
    if zip.len() > MAX_PARTS {
        bail!(
            "{shown} has {} parts; a workbook has dozens (refused)",
            zip.len()
        );
    }
    let limit_mb = MAX_UNZIPPED / (1024 * 1024);
    // First what the directory declares, which costs nothing to read.
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        let part = zip
            .by_index_raw(i)
            .map_err(|e| anyhow!("{shown} is damaged ({e})"))?;
        if part.encrypted() {
            bail!(password(shown));
        }
        declared = declared.saturating_add(part.size());
        if declared > MAX_UNZIPPED {
            bail!(
                "{shown} inflates to more than {limit_mb} MB (its part {} alone declares {} MB): refused as a zip bomb",
                String::from_utf8_lossy(part.name_raw()),
                part.size() / (1024 * 1024)
            );
        }
    }
    // Then what the parts really hold: a lying directory is caught as it inflates.
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| {
            if matches!(e, zip::result::ZipError::UnsupportedArchive(_)) {
                anyhow!("{} ({e})", password(shown))
            } else {
                anyhow!("{shown} is damaged ({e})")
            }
        })?;
        let name = String::from_utf8_lossy(part.name_raw()).into_owned();
        let xml = name.ends_with(".xml") || name.ends_with(".rels");
        // The last bytes of the previous chunk, so a declaration split across two
        // chunks is still seen.
        let mut tail: Vec<u8> = Vec::new();
        loop {
            let n = part
                .read(&mut buf)
                .map_err(|e| anyhow!("{shown} is damaged: part {name} cannot be read ({e})"))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > MAX_UNZIPPED {
                bail!("{shown} inflates to more than {limit_mb} MB (part {name}): refused as a zip bomb");
            }
            if xml {
                let mut window = std::mem::take(&mut tail);
                window.extend_from_slice(&buf[..n]);
                if has_dtd(&window) {
                    bail!("{shown}: part {name} declares a DTD (<!DOCTYPE or <!ENTITY), which no spreadsheet writes and which can expand without limit: refused");
                }
                let keep = window.len().min(16);
                tail = window[window.len() - keep..].to_vec();
            }
        }
    }
    Ok(())
}

fn has_dtd(bytes: &[u8]) -> bool {
    bytes.windows(9).any(|w| {
        w[0] == b'<'
            && w[1] == b'!'
            && (w[2..].eq_ignore_ascii_case(b"DOCTYPE") || w[2..8].eq_ignore_ascii_case(b"ENTITY"))
    })
}

/// The sheet to read: the one named, or the first visible one.
fn pick(shown: &str, sheets: &[(String, bool)], wanted: Option<&str>) -> Result<String> {
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    match wanted {
        Some(w) => names
            .iter()
            .find(|n| **n == w)
            .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(w)))
            .map(|n| n.to_string())
            .ok_or_else(|| {
                anyhow!(
                    "{shown} has no sheet `{w}`; its sheets are: {}",
                    names.join(", ")
                )
            }),
        None => sheets
            .iter()
            .find(|(_, visible)| *visible)
            .map(|(n, _)| n.clone())
            .ok_or_else(|| anyhow!("{shown} has no visible sheet")),
    }
}

/// A date cell: its date, or its number when it is a time or a duration.
fn datetime_cell(dt: &calamine::ExcelDateTime, is_1904: bool) -> Cell {
    match serial_date(dt.as_f64(), is_1904).filter(|_| dt.is_datetime()) {
        Some(date) => Cell::date(date),
        None => Cell::number(dt.as_f64()),
    }
}

/// An ISO 8601 date (`.ods` writes them): its date, else its text.
fn iso_cell(s: &str) -> Cell {
    match Date::parse_full(s.get(..10).unwrap_or(s)) {
        Some(date) => Cell::date(date),
        None => Cell::text(s),
    }
}

fn cell_of(d: &DataRef<'_>, is_1904: bool) -> Cell {
    match d {
        DataRef::Int(n) => Cell::number(*n as f64),
        DataRef::Float(f) => Cell::number(*f),
        DataRef::String(s) => Cell::text(s),
        DataRef::SharedString(s) => Cell::text(s),
        DataRef::Bool(b) => Cell::text(if *b { "yes" } else { "no" }),
        DataRef::DateTime(dt) => datetime_cell(dt, is_1904),
        DataRef::DateTimeIso(s) => iso_cell(s),
        DataRef::DurationIso(s) => Cell::text(s),
        DataRef::Error(_) | DataRef::Empty => Cell::default(),
    }
}

fn cell_of_data(d: &Data, is_1904: bool) -> Cell {
    match d {
        Data::Int(n) => Cell::number(*n as f64),
        Data::Float(f) => Cell::number(*f),
        Data::String(s) => Cell::text(s),
        Data::Bool(b) => Cell::text(if *b { "yes" } else { "no" }),
        Data::DateTime(dt) => datetime_cell(dt, is_1904),
        Data::DateTimeIso(s) => iso_cell(s),
        Data::DurationIso(s) => Cell::text(s),
        Data::Error(_) | Data::Empty => Cell::default(),
    }
}

/// The date of an Excel serial number (days since 1899-12-30, or 1904-01-01).
pub fn serial_date(serial: f64, is_1904: bool) -> Option<Date> {
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64 + if is_1904 { 1462 } else { 0 };
    // 25569 days from 1899-12-30 to 1970-01-01.
    Some(Date::from_days(days - 25_569))
}

fn put(rows: &mut Vec<Vec<Cell>>, r: u32, c: u32, cell: Cell) {
    let (r, c) = (r as usize, c as usize);
    if rows.len() <= r {
        rows.resize_with(r + 1, Vec::new);
    }
    let row = &mut rows[r];
    if row.len() <= c {
        row.resize_with(c + 1, Cell::default);
    }
    row[c] = cell;
}

fn too_many_rows(shown: &str, name: &str) -> anyhow::Error {
    anyhow!("{shown}: sheet `{name}` has more than {MAX_ROWS} rows; a tracker has hundreds (refused; delete the empty rows or split the sheet)")
}

/// An `.xlsx`: cells streamed (stopping past [`MAX_ROWS`]), then fills and merges.
fn read_xlsx(shown: &str, bytes: Vec<u8>, which: Which) -> Result<Vec<Sheet>> {
    let mut wb = calamine::Xlsx::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsxError::Password => anyhow!(password(shown)),
        e => anyhow!("{shown} is not a readable .xlsx workbook: {e}"),
    })?;
    let sheets: Vec<(String, bool)> = wb
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect();
    let names: Vec<String> = sheets.iter().map(|(n, _)| n.clone()).collect();
    let mut out = Vec::new();
    for name in chosen(shown, &sheets, which)? {
        let rows = xlsx_rows(shown, &mut wb, &name)?;
        out.push(Sheet {
            name,
            rows,
            sheets: names.clone(),
        });
    }
    Ok(out)
}

/// One sheet of an `.xlsx`, as rows of cells.
fn xlsx_rows(
    shown: &str,
    wb: &mut calamine::Xlsx<Cursor<Vec<u8>>>,
    name: &str,
) -> Result<Vec<Vec<Cell>>> {
    let is_1904 = wb.has_1904_epoch();
    let bad = |e: calamine::XlsxError| anyhow!("{shown}: sheet `{name}` cannot be read: {e}");
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut cells = wb.worksheet_cells_reader(name).map_err(bad)?;
    while let Some((cell, style)) = cells.next_cell_with_style_id().map_err(bad)? {
        let (r, c) = cell.get_position();
        if r >= MAX_ROWS {
            return Err(too_many_rows(shown, name));
        }
        if c >= MAX_COLS {
            continue;
        }
        let mut value = cell_of(cell.get_value(), is_1904);
        // The fill: a colour-only RAG cell is read from it.
        value.fill = cells
            .styles()
            .get(style)
            .filter(|_| style > 0)
            .and_then(|s| s.fill.as_ref())
            .filter(|f| f.is_visible())
            .and_then(|f| f.get_color())
            .map(|c| (c.red, c.green, c.blue));
        if !value.is_empty() || value.fill.is_some() {
            put(&mut rows, r, c, value);
        }
    }
    drop(cells);
    let merges = wb.merge_cells_by_sheet_name(name).unwrap_or_default();
    fill_merged(&mut rows, &merges);
    Ok(rows)
}

/// An `.xls` or `.ods`: calamine reads each sheet whole (their size is bounded by the
/// file's and, for `.ods`, by [`check_zip`]).
fn read_ranged<R, RS>(
    shown: &str,
    mut wb: R,
    which: Which,
    merges: impl Fn(&R, &str) -> Vec<calamine::Dimensions>,
) -> Result<Vec<Sheet>>
where
    R: Reader<RS>,
    RS: std::io::Read + std::io::Seek,
    R::Error: std::fmt::Display,
{
    let sheets: Vec<(String, bool)> = wb
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect();
    let names: Vec<String> = sheets.iter().map(|(n, _)| n.clone()).collect();
    let mut out = Vec::new();
    for name in chosen(shown, &sheets, which)? {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| anyhow!("{shown}: sheet `{name}` cannot be read: {e}"))?;
        if range.end().is_some_and(|(r, _)| r >= MAX_ROWS) {
            return Err(too_many_rows(shown, &name));
        }
        let mut rows = Vec::new();
        for (r, c, d) in range.used_cells() {
            let (r, c) = (r as u32, c as u32);
            let (r0, c0) = range.start().unwrap_or((0, 0));
            let cell = cell_of_data(d, false);
            if c + c0 < MAX_COLS && !cell.is_empty() {
                put(&mut rows, r + r0, c + c0, cell);
            }
        }
        let m = merges(&wb, &name);
        fill_merged(&mut rows, &m);
        out.push(Sheet {
            name,
            rows,
            sheets: names.clone(),
        });
    }
    Ok(out)
}

/// Merged cells fill down: each row of a region spanning several rows gets the value
/// of its top-left cell (a merged "Objective" beside its actions). A merge within one
/// row (a title across the columns) stays in its first cell.
///
/// Each cell is filled once at most: regions are taken top first per column, and a row
/// already filled is not filled again. Excel never overlaps regions, but a hostile file
/// can declare thousands that all reach the last row, which filled one by one would
/// cost regions × rows.
fn fill_merged(rows: &mut Vec<Vec<Cell>>, merges: &[calamine::Dimensions]) {
    let mut merges: Vec<&calamine::Dimensions> = merges
        .iter()
        .filter(|m| m.end.0 > m.start.0 && m.start.0 < MAX_ROWS && m.start.1 < MAX_COLS)
        .collect();
    merges.sort_by_key(|m| (m.start.1, m.start.0));
    // Per column, the last row a region has filled.
    let mut filled: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
    for m in merges {
        let (r0, c0) = m.start;
        let last = m.end.0.min(MAX_ROWS - 1);
        let from = filled.get(&c0).map_or(r0 + 1, |&f| f.max(r0) + 1);
        if from > last {
            continue;
        }
        let top = rows
            .get(r0 as usize)
            .and_then(|row| row.get(c0 as usize))
            .cloned()
            .unwrap_or_default();
        if top.is_empty() {
            continue;
        }
        for r in from..=last {
            let mut cell = top.clone();
            cell.merged = true;
            put(rows, r, c0, cell);
        }
        filled.insert(c0, last);
    }
}

/// A `.csv`: UTF-8 (a BOM is dropped), else Windows-1252, which Excel still writes;
/// comma-, semicolon- or tab-separated, whichever the first line uses most.
pub(super) fn read_csv(path: &Path, bytes: &[u8], _sheet: Option<&str>) -> Result<Sheet> {
    let shown = path.display();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text: String = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    };
    let first = text.lines().next().unwrap_or("");
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (r, record) in reader.records().enumerate() {
        if r as u32 >= MAX_ROWS {
            bail!("{shown} has more than {MAX_ROWS} rows; a tracker has hundreds (refused)");
        }
        let record = record.map_err(|e| anyhow!("{shown} is not a readable CSV file: {e}"))?;
        rows.push(
            record
                .iter()
                .take(MAX_COLS as usize)
                .map(Cell::text)
                .collect(),
        );
    }
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "csv".into());
    Ok(Sheet {
        sheets: vec![name.clone()],
        name,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_days_since_1899() {
        assert_eq!(
            serial_date(45382.0, false).unwrap().to_string(),
            "2024-03-31"
        );
        assert_eq!(serial_date(1.0, false).unwrap().to_string(), "1899-12-31");
        assert!(serial_date(0.0, false).is_none());
    }

    #[test]
    fn dtds_are_found_in_any_case() {
        assert!(has_dtd(b"<?xml?><!DOCTYPE x [<!ENTITY a 'b'>]>"));
        assert!(has_dtd(b"<!entity a 'b'>"));
        assert!(!has_dtd(b"<worksheet><c r='A1'/></worksheet>"));
    }

    #[test]
    fn text_is_told_from_workbooks() {
        let p = Path::new("t.xlsx");
        let err = sniff(p, b"Ref,Action\n1,Do it\n").unwrap_err().to_string();
        assert!(err.contains("CSV file renamed"), "{err}");
        assert_eq!(sniff(p, b"PK\x03\x04rest").unwrap(), Kind::Xlsx);
        let err = sniff(Path::new("t.csv"), b"PK\x03\x04")
            .unwrap_err()
            .to_string();
        assert!(err.contains("is a workbook"), "{err}");
    }
}
