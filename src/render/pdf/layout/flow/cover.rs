//! The cover page: title, facts, logo and colour band.

use super::{Layouter, LEADING};
use crate::render::pdf::layout::fonts::FaceId;
use crate::render::pdf::layout::page::{Draw, BODY_SIZE, BODY_TOP, BODY_W, INK, MARGIN_X, MUTED};
use crate::render::pdf::layout::tags::{self, Mark, NodeId, Role};
use crate::render::pdf::layout::text::{break_lines, Rgb, Style};

impl<'f, 'a> Layouter<'f, 'a> {
    /// The cover: on a page of its own, the logo, a band of the cover's colour,
    /// the title and the cover's lines.
    pub(super) fn place_cover(
        &mut self,
        title: &str,
        lines: &[(String, String)],
        logo: Option<(usize, &str)>,
        colour: Rgb,
    ) {
        if !self.empty {
            self.new_page();
        }
        let page = self.page();
        let band_top = BODY_TOP + 150.0;
        let section = self.mark;
        if let Some((index, alt)) = logo {
            self.place_cover_logo(page, index, alt, section);
        }
        self.draw(
            page,
            Draw::Fill {
                x: MARGIN_X,
                y: band_top,
                w: BODY_W,
                h: 5.0,
                color: colour,
            },
        );
        self.y = band_top + 24.0;
        self.empty = false;
        // The title is the document's first H1; the lines a table of label
        // (a row header) and value.
        let title_node = self.add_node(Role::H(1));
        self.set_mark(Mark::Node(title_node));
        let title_spans = self.plain_span(title, Style::new(FaceId::Bold, 26.0, colour));
        let title_lines = break_lines(self.fonts, &title_spans, BODY_W);
        let heights = Self::line_heights(&title_lines, 1.2);
        let chunks = self.place_lines(0.0, &heights, 0.0, true, &[]);
        self.draw_chunks(&chunks, &title_lines, &heights, MARGIN_X);

        self.place_cover_facts(lines, section);
        self.set_mark(section);
        self.break_before_next = true;
        self.pending_after = 0.0;
    }

    /// The logo above the band, at most 60 pt high and half the width: a figure
    /// of the cover's section, read before its title.
    fn place_cover_logo(&mut self, page: usize, index: usize, alt: &str, section: Mark) {
        if let Some(img) = self.flat.images.get(index) {
            let (w, h) = (img.width as f32 * 0.75, img.height as f32 * 0.75);
            let scale = (60.0 / h).min(BODY_W * 0.5 / w).min(1.0);
            let figure = self.add_node(Role::Figure);
            self.tree.nodes[figure as usize].alt = Some(tags::figure_alt(alt));
            self.set_mark(Mark::Node(figure));
            self.draw(
                page,
                Draw::Image {
                    index,
                    x: MARGIN_X,
                    y: BODY_TOP,
                    w: w * scale,
                    h: h * scale,
                },
            );
            self.set_mark(section);
        }
    }

    /// The cover's lines: a table of label (a row header) and value.
    fn place_cover_facts(&mut self, lines: &[(String, String)], section: Mark) {
        let label_face = self.fonts.face(FaceId::Bold);
        let label_w = lines
            .iter()
            .map(|(label, _)| label_face.text_width(label, BODY_SIZE))
            .fold(0.0f32, f32::max)
            .min(BODY_W * 0.4)
            + 16.0;
        let mut gap = 28.0;
        let section_node = match section {
            Mark::Node(node) => node,
            Mark::Artifact => tags::DOCUMENT,
        };
        let mut cover_table: Option<NodeId> = None;
        for (label, value) in lines {
            // Labels are smaller than values but share their baseline.
            let label_style = Style {
                line_size: 11.0,
                ..Style::new(FaceId::Bold, BODY_SIZE, MUTED)
            };
            let label_spans = self.plain_span(label, label_style);
            let value_spans = self.plain_span(value, Style::new(FaceId::Regular, 11.0, INK));
            let label_lines = break_lines(self.fonts, &label_spans, label_w - 16.0);
            let value_lines = break_lines(self.fonts, &value_spans, BODY_W - label_w);
            let lh = 11.0 * LEADING;
            let height = label_lines.len().max(value_lines.len()).max(1) as f32 * lh;
            let top = self.slot(gap, height);
            let page = self.page();
            let body = *cover_table.get_or_insert_with(|| {
                let table = self.tree.add(section_node, Role::Table);
                self.tree.add(table, Role::TBody)
            });
            let cells = Self::row_nodes(&mut self.tree, body, 2, |col| {
                if col == 0 {
                    Role::TH { column: false }
                } else {
                    Role::TD
                }
            });
            self.set_mark(Mark::Node(cells[0]));
            for (n, line) in label_lines.iter().enumerate() {
                self.draw_line(page, line, MARGIN_X, top + n as f32 * lh, lh);
            }
            self.set_mark(Mark::Node(cells[1]));
            for (n, line) in value_lines.iter().enumerate() {
                self.draw_line(page, line, MARGIN_X + label_w, top + n as f32 * lh, lh);
            }
            self.used(top + height);
            gap = 4.0;
        }
    }
}
