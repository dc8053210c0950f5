//! Table geometry: column widths fitted to content, and rows set into lines.
//!
//! Column sizing follows the usual "automatic table layout" idea: every column
//! has a minimum width (its longest word) and a maximum (its longest cell on one
//! line). If all maxima fit, columns get their maximum plus a share of the spare
//! width; otherwise they get their minimum plus a share of what is left in
//! proportion to how much more they would like. A single unbreakable word (a
//! long URL) may not claim more than a fraction of the table, so it is broken
//! between characters instead of squeezing its neighbours to nothing.
//! Pagination of the rows is the flow's job (see `flow/grid.rs`).

use super::fonts::Fonts;
use super::text::{break_lines, content_widths, Line, Span};

/// Horizontal padding inside a cell, each side.
pub(crate) const CELL_PAD_X: f32 = 5.0;
/// Vertical padding inside a cell, above and below the text.
pub(crate) const CELL_PAD_Y: f32 = 4.0;
/// Line height as a multiple of the font size in tables.
pub(crate) const TABLE_LEADING: f32 = 1.3;

/// The largest share of the table's width one column's longest word may claim.
const MAX_WORD_SHARE: f32 = 0.3;

/// One laid-out row: each cell's lines and the row's height.
#[derive(Debug, Default)]
pub(crate) struct Row {
    pub cells: Vec<Vec<Line>>,
    pub height: f32,
}

/// A table ready to paginate.
#[derive(Debug)]
pub(crate) struct TableLayout {
    /// Left edge of each column, relative to the table's left edge.
    pub col_x: Vec<f32>,
    pub col_w: Vec<f32>,
    /// Horizontal padding per column (smaller for very narrow columns).
    pub pad_x: Vec<f32>,
    pub header: Option<Row>,
    pub rows: Vec<Row>,
    /// Total width.
    pub width: f32,
}

/// Height of one line set at `size`.
pub(crate) fn line_height(line: &Line) -> f32 {
    line.size * TABLE_LEADING
}

/// Column widths for `columns` columns of `rows` (header included) in `avail`
/// points. Cells beyond `columns` are ignored; missing cells count as empty.
pub(crate) fn column_widths(
    fonts: &Fonts,
    rows: &[&[Vec<Span>]],
    columns: usize,
    avail: f32,
) -> Vec<f32> {
    if columns == 0 {
        return Vec::new();
    }
    let avail = avail.max(1.0);
    let (min, max) = column_ranges(fonts, rows, columns, avail);
    let sum_max: f32 = max.iter().sum();
    if sum_max <= avail {
        // Everything fits on one line: share the spare width by natural width.
        let spare = avail - sum_max;
        return max.iter().map(|w| w + spare * w / sum_max).collect();
    }
    // Columns whose whole content fits in a fair share of the room get it, so
    // short columns (IDs, dates, kinds) never wrap; repeat, since each such
    // column leaves more room for the others.
    let mut width: Vec<Option<f32>> = vec![None; columns];
    loop {
        let taken: f32 = width.iter().flatten().sum();
        let open = width.iter().filter(|w| w.is_none()).count();
        if open == 0 {
            break;
        }
        let share = (avail - taken) / open as f32;
        let mut changed = false;
        for col in 0..columns {
            if width[col].is_none() && max[col] <= share {
                width[col] = Some(max[col]);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // The rest share what is left: their minimum, plus a part of the spare room
    // in proportion to how much wider they would like to be.
    let room = avail - width.iter().flatten().sum::<f32>();
    let open: Vec<usize> = (0..columns).filter(|&c| width[c].is_none()).collect();
    let sum_min: f32 = open.iter().map(|&c| min[c]).sum();
    let wanted: f32 = open.iter().map(|&c| max[c] - min[c]).sum();
    for &col in &open {
        width[col] = Some(if sum_min <= room {
            let spare = room - sum_min;
            min[col]
                + if wanted > 0.0 {
                    spare * (max[col] - min[col]) / wanted
                } else {
                    0.0
                }
        } else {
            // Not even the words fit: scale the minima down; cells break words.
            room.max(0.0) * min[col] / sum_min
        });
    }
    let widths: Vec<f32> = width.into_iter().map(|w| w.unwrap_or(0.0)).collect();
    let total: f32 = widths.iter().sum();
    if total > avail {
        // Fixed columns alone overflow only when the minima do not fit: scale.
        return widths.iter().map(|w| w * avail / total).collect();
    }
    widths
}

/// Each column's narrowest and widest width (padding included): its longest
/// word (capped, so one long word cannot take the table) and its longest line.
fn column_ranges(
    fonts: &Fonts,
    rows: &[&[Vec<Span>]],
    columns: usize,
    avail: f32,
) -> (Vec<f32>, Vec<f32>) {
    let word_cap = (avail * MAX_WORD_SHARE).max(1.0);
    let pad = 2.0 * CELL_PAD_X;
    let mut min = vec![0.0f32; columns];
    let mut max = vec![0.0f32; columns];
    for row in rows {
        for (col, cell) in row.iter().take(columns).enumerate() {
            if cell.is_empty() {
                continue;
            }
            let (lo, hi) = content_widths(fonts, cell);
            min[col] = min[col].max(lo.min(word_cap));
            max[col] = max[col].max(hi);
        }
    }
    for col in 0..columns {
        // Room for a couple of characters even in an empty column.
        min[col] += pad;
        max[col] = (max[col] + pad).max(min[col]).max(pad + 12.0);
        min[col] = min[col].max(pad + 12.0).min(max[col]);
    }
    (min, max)
}

/// Sets every cell of a row into lines for the given column widths.
pub(crate) fn layout_row(fonts: &Fonts, cells: &[Vec<Span>], layout: &TableLayout) -> Row {
    let mut row = Row {
        cells: Vec::with_capacity(layout.col_w.len()),
        height: 0.0,
    };
    let mut text_height = 0.0f32;
    let mut min_line = 0.0f32;
    for (col, width) in layout.col_w.iter().enumerate() {
        let lines = match cells.get(col) {
            Some(spans) if !spans.is_empty() => {
                min_line = min_line.max(spans[0].style.size * TABLE_LEADING);
                break_lines(fonts, spans, width - 2.0 * layout.pad_x[col])
            }
            _ => Vec::new(),
        };
        let h: f32 = lines.iter().map(line_height).sum();
        text_height = text_height.max(h);
        row.cells.push(lines);
    }
    // A row of empty cells is still one line tall.
    if text_height == 0.0 {
        text_height = if min_line > 0.0 {
            min_line
        } else {
            9.0 * TABLE_LEADING
        };
    }
    row.height = text_height + 2.0 * CELL_PAD_Y;
    row
}

impl TableLayout {
    /// A layout with the given column widths and no rows yet.
    pub(crate) fn new(widths: Vec<f32>) -> TableLayout {
        let mut col_x = Vec::with_capacity(widths.len());
        let mut x = 0.0;
        for w in &widths {
            col_x.push(x);
            x += w;
        }
        let pad_x = widths.iter().map(|w| CELL_PAD_X.min(w / 6.0)).collect();
        TableLayout {
            col_x,
            col_w: widths,
            pad_x,
            header: None,
            rows: Vec::new(),
            width: x,
        }
    }
}
