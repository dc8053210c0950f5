//! The contents page: outline entries with dotted leaders and page numbers.

use super::{
    Layouter, OutlineTitle, ACCENT, CONTENTS_INDENT, CONTENTS_NUMBER_W, HEADINGS, HEADING_LEADING,
    LEADING,
};
use crate::render::pdf::layout::document::Inline;
use crate::render::pdf::layout::fonts::FaceId;
use crate::render::pdf::layout::page::{
    At, Draw, LinkTarget, BODY_SIZE, BODY_W, INK, MARGIN_X, MUTED,
};
use crate::render::pdf::layout::tags::{Mark, NodeId, Role};
use crate::render::pdf::layout::text::{break_lines, Line, Style};

impl<'f, 'a> Layouter<'f, 'a> {
    pub(super) fn place_contents(&mut self, own_outline: usize, gap: f32) {
        // An H1 for the title, then a TOC with a TOCI holding a Link per entry.
        let section = self.mark;
        let title_node = self.add_node(Role::H(1));
        let toc = self.add_node(Role::TOC);
        self.set_mark(Mark::Node(title_node));
        // The title looks like a level-1 heading but is not listed in itself.
        let title_spans =
            self.plain_span("Contents", Style::new(FaceId::Bold, HEADINGS[0].0, ACCENT));
        let title_lines = break_lines(self.fonts, &title_spans, BODY_W);
        let heights = Self::line_heights(&title_lines, HEADING_LEADING);
        let chunks = self.place_lines(gap, &heights, 0.0, true, &[]);
        if let Some(first) = chunks.first() {
            self.outline_at[own_outline] = Some(At {
                page: first.page,
                y: first.top,
            });
        }
        self.draw_chunks(&chunks, &title_lines, &heights, MARGIN_X);

        let mut gap = HEADINGS[0].2;
        for (entry, source) in self.flat.outline.iter().enumerate() {
            if !source.in_contents {
                continue;
            }
            let OutlineTitle::Heading(text) = source.title else {
                continue;
            };
            self.place_contents_entry(toc, entry, source.level, text, gap);
            gap = 0.5;
        }
        self.set_mark(section);
    }

    /// One entry of the contents: its title (as a link to the heading), a dotted
    /// leader, and its page number right-aligned.
    fn place_contents_entry(
        &mut self,
        toc: NodeId,
        entry: usize,
        level: u8,
        text: &[Inline],
        gap: f32,
    ) {
        let right = MARGIN_X + BODY_W;
        let level = usize::from(level.clamp(1, 4));
        let indent = (level - 1) as f32 * CONTENTS_INDENT;
        let style = Style::new(FaceId::sans(level == 1, false), BODY_SIZE, INK);
        let title = self.plain_text(text);
        let spans = self.plain_span(&title, style);
        let width = BODY_W - indent - CONTENTS_NUMBER_W - 12.0;
        let mut lines = break_lines(self.fonts, &spans, width);
        if lines.is_empty() {
            lines.push(Line {
                size: BODY_SIZE,
                ..Line::default()
            });
        }
        let heights = Self::line_heights(&lines, LEADING);
        let entry_gap = if level == 1 { gap.max(5.0) } else { gap };
        let entry_node = self.tree.add(toc, Role::TOCI);
        let link_node = self.tree.add(entry_node, Role::Link);
        self.set_mark(Mark::Node(link_node));
        let chunks = self.place_lines(entry_gap, &heights, 0.0, true, &[]);
        let x = MARGIN_X + indent;
        self.draw_chunks(&chunks, &lines, &heights, x);
        let (Some(first), Some(last_chunk)) = (chunks.first(), chunks.last()) else {
            return;
        };
        let total: f32 = heights.iter().sum();
        let last = lines.len() - 1;
        let last_top = last_chunk.top + heights[last_chunk.start..last].iter().sum::<f32>();
        let baseline = last_top + (heights[last] - 1.117 * BODY_SIZE) / 2.0 + 0.905 * BODY_SIZE;
        let number = self
            .known
            .outline_pages
            .get(entry)
            .map_or_else(|| "?".to_string(), |p| p.to_string());
        self.tree.nodes[link_node as usize].text = format!("{title} (page {number})");
        // Drawn with a space before it, so the entry's text reads "Summary 4",
        // not "Summary4".
        let number = format!(" {number}");
        let lead_from = x + lines[last].width + 6.0;
        self.draw_contents_number(last_chunk.page, lead_from, baseline, number, level);
        let page = last_chunk.page;
        let target = self.add_link(LinkTarget::Outline(entry));
        self.draw(
            first.page,
            Draw::Link {
                x,
                y: first.top,
                w: right - x,
                h: if first.page == page {
                    total
                } else {
                    heights[0]
                },
                target,
            },
        );
    }

    /// An entry's page number, right-aligned on `baseline`, and the dotted leader
    /// from the end of its title (`lead_from`) to it.
    fn draw_contents_number(
        &mut self,
        page: usize,
        lead_from: f32,
        baseline: f32,
        number: String,
        level: usize,
    ) {
        let number_face = self.fonts.face(FaceId::Regular);
        let right = MARGIN_X + BODY_W;
        let number_w = number_face.text_width(&number, BODY_SIZE);
        let lead_to = right - CONTENTS_NUMBER_W;
        if lead_to - lead_from > 6.0 {
            self.draw(
                page,
                Draw::Line {
                    x1: lead_from,
                    y1: baseline,
                    x2: lead_to,
                    y2: baseline,
                    width: 0.8,
                    color: MUTED,
                    dotted: true,
                },
            );
        }
        self.draw(
            page,
            Draw::Text {
                x: right - number_w,
                y: baseline,
                style: Style::new(FaceId::sans(level == 1, false), BODY_SIZE, INK),
                text: number,
            },
        );
    }
}
