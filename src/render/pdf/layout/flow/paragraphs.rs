//! Headings and paragraphs: setting their lines and breaking them across pages.

use std::rc::Rc;

use crate::render::pdf::layout::drawing;
use crate::render::pdf::layout::fonts::FaceId;
use crate::render::pdf::layout::page::{At, BODY_BOTTOM, BODY_H, BODY_SIZE, INK, MARGIN_X, MUTED};
use crate::render::pdf::layout::text::{break_lines, Line, Style};

use super::grid::first_need;
use super::{
    Chunk, Item, Layouter, Leaf, Prepared, TextBase, ACCENT, CODE_LEADING, CODE_PAD, CODE_SIZE,
    HEADINGS, HEADING_LEADING, LEADING,
};

impl<'f, 'a> Layouter<'f, 'a> {
    fn heading_base(level: usize) -> TextBase {
        TextBase {
            size: HEADINGS[level - 1].0,
            bold: true,
            italic: false,
            // The two top levels carry the accent colour of the cover.
            color: if level <= 2 { ACCENT } else { INK },
        }
    }

    fn paragraph_base(item: &Item<'_>) -> TextBase {
        TextBase {
            size: BODY_SIZE,
            bold: false,
            italic: false,
            color: if item.quoted { MUTED } else { INK },
        }
    }

    /// The lines or table of item `index`, set once and kept (across passes
    /// too, unless the item prints page numbers).
    pub(super) fn prepared(&mut self, index: usize) -> Rc<Prepared> {
        if let Some(prepared) = &self.memo.prepared[index] {
            return Rc::clone(prepared);
        }
        let item = &self.flat.items[index];
        let width = Self::width_of(item);
        let prepared = match item.leaf {
            Leaf::Heading { level, text, .. } => {
                let spans = self.spans(text, Self::heading_base(level));
                Prepared::Lines(break_lines(self.fonts, &spans, width))
            }
            Leaf::Paragraph(text) => {
                let spans = self.spans(text, Self::paragraph_base(item));
                Prepared::Lines(break_lines(self.fonts, &spans, width))
            }
            Leaf::AltText(alt) => {
                let alt = if alt.trim().is_empty() {
                    "[image]"
                } else {
                    alt
                };
                let base = Self::paragraph_base(item);
                let spans = self.plain_span(alt, Style::new(FaceId::Italic, base.size, base.color));
                Prepared::Lines(break_lines(self.fonts, &spans, width))
            }
            Leaf::Table { .. } | Leaf::KeyValue(_) => Prepared::Table(self.table_layout(index)),
            _ => Prepared::Lines(Vec::new()),
        };
        let prepared = Rc::new(prepared);
        self.memo.prepared[index] = Some(Rc::clone(&prepared));
        prepared
    }

    pub(super) fn line_heights(lines: &[Line], leading: f32) -> Vec<f32> {
        lines.iter().map(|l| l.size * leading).collect()
    }

    /// Height of the first part of item `index` that must share a page with a
    /// heading before it (the first lines, the header and first row, …).
    pub(super) fn lead_height(&mut self, index: usize, depth: usize) -> f32 {
        let mut index = index;
        while matches!(
            self.flat.items.get(index).map(|i| &i.leaf),
            Some(Leaf::Anchor(_))
        ) {
            index += 1;
        }
        let Some(item) = self.flat.items.get(index) else {
            return 0.0;
        };
        match item.leaf {
            Leaf::Heading { .. } if depth < 3 => {
                let prepared = self.prepared(index);
                let own: f32 = Self::line_heights(prepared.lines(), HEADING_LEADING)
                    .iter()
                    .sum();
                let after = item.after;
                let next_before = self
                    .flat
                    .items
                    .get(index + 1)
                    .map_or(0.0, |next| next.before);
                own + after.max(next_before) + self.lead_height(index + 1, depth + 1)
            }
            Leaf::Paragraph(_) | Leaf::AltText(_) => {
                let prepared = self.prepared(index);
                let heights = Self::line_heights(prepared.lines(), LEADING);
                heights.iter().take(2).sum()
            }
            Leaf::Code(_) => 2.0 * CODE_SIZE * CODE_LEADING + 2.0 * CODE_PAD,
            Leaf::Table { .. } | Leaf::KeyValue(_) => {
                let prepared = self.prepared(index);
                let Prepared::Table(layout) = &*prepared else {
                    return 0.0;
                };
                first_need(layout)
            }
            Leaf::Image(image) => self.image_size(item, image).1,
            Leaf::Drawing(d) => {
                d.height * drawing::scale(d, Self::width_of(item)) + self.caption_need(index)
            }
            Leaf::Rule => 1.0,
            Leaf::Contents { .. } => HEADINGS[0].0 * HEADING_LEADING * 2.0,
            _ => 0.0,
        }
    }

    pub(super) fn place_heading(&mut self, index: usize, gap: f32) {
        let item = &self.flat.items[index];
        let Leaf::Heading {
            anchor, outline, ..
        } = item.leaf
        else {
            return;
        };
        let (left, after) = (item.left, item.after);
        let prepared = self.prepared(index);
        let lines = prepared.lines();
        let heights = Self::line_heights(lines, HEADING_LEADING);
        let own: f32 = heights.iter().sum();
        let next_gap = self
            .flat
            .items
            .get(index + 1)
            .map_or(0.0, |next| after.max(next.before));
        let lead = self.lead_height(index + 1, 0);
        // Keep with the next block: move to a new page if the heading and the
        // start of what follows do not fit here but would on a fresh page.
        if !self.empty
            && self.y + gap + own + next_gap + lead > BODY_BOTTOM
            && own + next_gap + lead <= BODY_H
        {
            self.new_page();
        }
        let bars = self.flat.items[index].bars.clone();
        let chunks = self.place_lines(gap, &heights, 0.0, true, &bars);
        let Some(first) = chunks.first() else {
            return;
        };
        let at = At {
            page: first.page,
            y: first.top,
        };
        if let Some(id) = anchor {
            self.anchors.entry(id.to_string()).or_insert(at);
        }
        if let Some(outline) = outline {
            self.outline_at[outline] = Some(at);
        }
        let item = &self.flat.items[index];
        if !item.markers.is_empty() {
            self.draw_markers(
                first.page,
                item,
                first.top,
                heights.first().copied().unwrap_or(BODY_SIZE * LEADING),
            );
        }
        self.draw_chunks(&chunks, lines, &heights, MARGIN_X + left);
    }

    pub(super) fn draw_chunks(
        &mut self,
        chunks: &[Chunk],
        lines: &[Line],
        heights: &[f32],
        x: f32,
    ) {
        for chunk in chunks {
            let mut top = chunk.top;
            for i in chunk.start..chunk.end {
                self.draw_line(chunk.page, &lines[i], x, top, heights[i]);
                top += heights[i];
            }
        }
    }

    pub(super) fn place_paragraph(&mut self, index: usize, gap: f32) {
        let prepared = self.prepared(index);
        let item = &self.flat.items[index];
        // An empty list item still shows its marker.
        let empty_line = [Line {
            size: BODY_SIZE,
            ..Line::default()
        }];
        let lines = match prepared.lines() {
            [] if item.markers.is_empty() => return,
            [] => &empty_line[..],
            lines => lines,
        };
        let heights = Self::line_heights(lines, LEADING);
        let chunks = self.place_lines(gap, &heights, 0.0, false, &item.bars);
        let item = &self.flat.items[index];
        if let Some(first) = chunks.first() {
            if !item.markers.is_empty() {
                self.draw_markers(first.page, item, first.top, heights[0]);
            }
        }
        self.draw_chunks(&chunks, lines, &heights, MARGIN_X + item.left);
    }
}
