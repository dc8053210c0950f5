//! Tables and key-value lists: rows placed whole, headers repeated on new pages.

use super::{Bar, Layouter, Leaf, Prepared, TextBase, FILL, RULE, TABLE_SIZE};
use crate::render::pdf::layout::fonts::FaceId;
use crate::render::pdf::layout::page::{
    Draw, BODY_BOTTOM, BODY_H, BODY_SIZE, INK, MARGIN_X, MUTED,
};
use crate::render::pdf::layout::table::{self, Row, TableLayout, CELL_PAD_Y};
use crate::render::pdf::layout::tags::{Mark, NodeId, Role, Tree};
use crate::render::pdf::layout::text::{Span, Style};

impl<'f, 'a> Layouter<'f, 'a> {
    pub(super) fn table_layout(&mut self, index: usize) -> TableLayout {
        let item = &self.flat.items[index];
        let avail = Self::width_of(item);
        let quoted = item.quoted;
        let ink = if quoted { MUTED } else { INK };
        match item.leaf {
            Leaf::Table { header, rows } => {
                let columns = rows
                    .iter()
                    .map(Vec::len)
                    .chain(std::iter::once(header.len()))
                    .max()
                    .unwrap_or(0);
                let head_base = TextBase {
                    size: TABLE_SIZE,
                    bold: true,
                    italic: false,
                    color: ink,
                };
                let body_base = TextBase {
                    bold: false,
                    ..head_base
                };
                let header: Vec<Vec<Span>> =
                    header.iter().map(|c| self.spans(c, head_base)).collect();
                let body: Vec<Vec<Vec<Span>>> = rows
                    .iter()
                    .map(|row| row.iter().map(|c| self.spans(c, body_base)).collect())
                    .collect();
                let mut all: Vec<&[Vec<Span>]> = Vec::with_capacity(body.len() + 1);
                if !header.is_empty() {
                    all.push(&header);
                }
                all.extend(body.iter().map(Vec::as_slice));
                let widths = table::column_widths(self.fonts, &all, columns, avail);
                let mut layout = TableLayout::new(widths);
                if !header.is_empty() {
                    layout.header = Some(table::layout_row(self.fonts, &header, &layout));
                }
                layout.rows = body
                    .iter()
                    .map(|row| table::layout_row(self.fonts, row, &layout))
                    .collect();
                layout
            }
            Leaf::KeyValue(pairs) => {
                let key_style = Style::new(FaceId::Bold, BODY_SIZE, ink);
                let value_base = TextBase {
                    size: BODY_SIZE,
                    bold: false,
                    italic: false,
                    color: ink,
                };
                let rows: Vec<Vec<Vec<Span>>> = pairs
                    .iter()
                    .map(|(key, value)| {
                        vec![
                            self.plain_span(key, key_style),
                            self.spans(value, value_base),
                        ]
                    })
                    .collect();
                let key_face = self.fonts.face(FaceId::Bold);
                let widest_key = pairs
                    .iter()
                    .map(|(key, _)| key_face.text_width(key, BODY_SIZE))
                    .fold(0.0f32, f32::max);
                let key_w = (widest_key + 2.0 * table::CELL_PAD_X + 8.0)
                    .min(avail * 0.35)
                    .max(avail.min(60.0));
                let mut layout = TableLayout::new(vec![key_w, (avail - key_w).max(1.0)]);
                layout.rows = rows
                    .iter()
                    .map(|row| table::layout_row(self.fonts, row, &layout))
                    .collect();
                layout
            }
            _ => TableLayout::new(Vec::new()),
        }
    }

    pub(super) fn place_table(&mut self, index: usize, gap: f32) {
        let prepared = self.prepared(index);
        let Prepared::Table(layout) = &*prepared else {
            return;
        };
        let item = &self.flat.items[index];
        if layout.col_w.is_empty() || (layout.rows.is_empty() && layout.header.is_none()) {
            return;
        }
        let x = MARGIN_X + item.left;
        let bars = item.bars.clone();
        let header_h = layout.header.as_ref().map_or(0.0, |r| r.height);
        let mut top = self.slot(gap, first_need(layout));
        let (marker_page, marker_top) = (self.page(), top);
        // Table > THead > TR > TH (scope column), then TBody > TR > TD (a
        // key-value list's keys are TH with scope row). A header with no rows
        // under it goes in the TBody: a THead needs one.
        let columns = layout.col_w.len();
        let key_value = matches!(item.leaf, Leaf::KeyValue(_));
        let head = layout.header.as_ref().map(|_| {
            let section = self.add_node(if layout.rows.is_empty() {
                Role::TBody
            } else {
                Role::THead
            });
            Self::row_nodes(&mut self.tree, section, columns, |_| Role::TH {
                column: true,
            })
        });
        let body = self.add_node(Role::TBody);
        if let Some(header) = &layout.header {
            self.draw_row(layout, header, x, top, None, true, head.as_deref());
            top += header_h;
        }
        self.used(top);
        for row in &layout.rows {
            let cells = Self::row_nodes(&mut self.tree, body, columns, |col| {
                if key_value && col == 0 {
                    Role::TH { column: false }
                } else {
                    Role::TD
                }
            });
            if self.y + row.height > BODY_BOTTOM + 0.01 && row.height + header_h <= BODY_H {
                self.continue_table(layout, x, &bars);
            }
            if self.y + row.height <= BODY_BOTTOM + 0.01 {
                let top = self.y;
                self.draw_row(layout, row, x, top, None, false, Some(&cells));
                self.mark_bars(self.page(), &bars, top, top + row.height);
                self.used(top + row.height);
                continue;
            }
            self.place_tall_row(layout, row, x, &bars, &cells);
        }
        let item = &self.flat.items[index];
        if !item.markers.is_empty() {
            // Markers beside a table go level with its first line.
            let line_h = TABLE_SIZE * table::TABLE_LEADING;
            self.draw_markers(marker_page, item, marker_top + CELL_PAD_Y, line_h);
        }
    }

    /// A row taller than a page: split between lines, cell by cell, over as many
    /// pages as it takes.
    fn place_tall_row(
        &mut self,
        layout: &TableLayout,
        row: &Row,
        x: f32,
        bars: &[Bar],
        cells: &[NodeId],
    ) {
        let mut from = vec![0usize; row.cells.len()];
        loop {
            let room = BODY_BOTTOM - self.y - 2.0 * CELL_PAD_Y;
            let mut to = from.clone();
            let mut used = 0.0f32;
            for (col, cell) in row.cells.iter().enumerate() {
                let mut h = 0.0;
                while to[col] < cell.len() && h + table::line_height(&cell[to[col]]) <= room {
                    h += table::line_height(&cell[to[col]]);
                    to[col] += 1;
                }
                used = used.max(h);
            }
            let progress = to != from;
            if !progress && !self.empty {
                self.continue_table(layout, x, bars);
                continue;
            }
            if !progress {
                // Not even one line fits on an empty page: force one.
                for (col, cell) in row.cells.iter().enumerate() {
                    if to[col] < cell.len() {
                        used = used.max(table::line_height(&cell[to[col]]));
                        to[col] += 1;
                    }
                }
            }
            let top = self.y;
            let height = used + 2.0 * CELL_PAD_Y;
            let part = Some((&from[..], &to[..], height));
            self.draw_row(layout, row, x, top, part, false, Some(cells));
            self.mark_bars(self.page(), bars, top, top + height);
            self.used(top + height);
            from = to;
            if from.iter().zip(&row.cells).all(|(f, c)| *f >= c.len()) {
                break;
            }
            self.continue_table(layout, x, bars);
        }
    }

    /// A table row's element with one cell element per column.
    pub(super) fn row_nodes(
        tree: &mut Tree,
        section: NodeId,
        columns: usize,
        role: impl Fn(usize) -> Role,
    ) -> Vec<NodeId> {
        let row = tree.add(section, Role::TR);
        (0..columns).map(|col| tree.add(row, role(col))).collect()
    }

    /// Starts a continuation page of a table with its header repeated (as
    /// furniture: it was read once already).
    fn continue_table(&mut self, layout: &TableLayout, x: f32, bars: &[Bar]) {
        self.new_page();
        if let Some(header) = &layout.header {
            let top = self.y;
            self.draw_row(layout, header, x, top, None, true, None);
            self.mark_bars(self.page(), bars, top, top + header.height);
            self.used(top + header.height);
        }
    }

    /// Draws a row (or, with `part`, lines `from..to` of each cell in a box of
    /// the given height) with its top at `top`, each cell's text as the
    /// element in `cells` (furniture without).
    #[allow(clippy::too_many_arguments)]
    fn draw_row(
        &mut self,
        layout: &TableLayout,
        row: &Row,
        x: f32,
        top: f32,
        part: Option<(&[usize], &[usize], f32)>,
        header: bool,
        cells: Option<&[NodeId]>,
    ) {
        let page = self.page();
        let height = part.map_or(row.height, |p| p.2);
        let base = self.set_mark(Mark::Artifact);
        if header {
            self.draw(
                page,
                Draw::Fill {
                    x,
                    y: top,
                    w: layout.width,
                    h: height,
                    color: FILL,
                },
            );
        }
        for (col, cell) in row.cells.iter().enumerate() {
            let (from, to) = match part {
                Some((from, to, _)) => (from[col], to[col]),
                None => (0, cell.len()),
            };
            let cx = x + layout.col_x[col] + layout.pad_x[col];
            let mut ty = top + CELL_PAD_Y;
            self.set_mark(match cells.and_then(|c| c.get(col)) {
                Some(&node) => Mark::Node(node),
                None => Mark::Artifact,
            });
            for line in &cell[from..to] {
                let lh = table::line_height(line);
                self.draw_line(page, line, cx, ty, lh);
                ty += lh;
            }
        }
        self.set_mark(Mark::Artifact);
        let (width, color) = if header { (0.9, MUTED) } else { (0.4, RULE) };
        self.draw(
            page,
            Draw::Line {
                x1: x,
                y1: top + height,
                x2: x + layout.width,
                y2: top + height,
                width,
                color,
                dotted: false,
            },
        );
        self.set_mark(base);
    }
}

/// The room a table needs where it starts: all of a short one, else its header and
/// first row (or that row's first line, if the row is taller than a page). A heading
/// before the table keeps with exactly this much, so the two are never parted.
pub(super) fn first_need(layout: &TableLayout) -> f32 {
    let header_h = layout.header.as_ref().map_or(0.0, |r| r.height);
    let first_h = layout.rows.first().map_or(0.0, |r| r.height);
    let total = header_h + layout.rows.iter().map(|r| r.height).sum::<f32>();
    if total <= BODY_H / 3.0 {
        // A short table (a summary list, say) is not split at all.
        total
    } else if first_h + header_h <= BODY_H {
        // Never a header alone: it needs at least the first row below it…
        header_h + first_h
    } else {
        // …or, if that row is taller than a page, its first line.
        let first_line = layout.rows.first().map_or(0.0, |row| {
            row.cells
                .iter()
                .filter_map(|c| c.first().map(table::line_height))
                .fold(0.0f32, f32::max)
        });
        header_h + first_line + 2.0 * CELL_PAD_Y
    }
}
