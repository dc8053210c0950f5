//! Inline text: styled spans, page-number references, links, and drawing lines of text.

use std::borrow::Cow;

use super::{Bar, Chunk, Item, Layouter, TextBase, CODE_INK, LINK_BLUE};
use crate::render::pdf::layout::document::{Inline, Link, PAGE_REF_CLOSE, PAGE_REF_OPEN};
use crate::render::pdf::layout::fonts::FaceId;
use crate::render::pdf::layout::page::{
    Draw, LinkTarget, BODY_BOTTOM, BODY_H, BODY_SIZE, INK, MARGIN_X, MUTED,
};
use crate::render::pdf::layout::tags::{Mark, NodeId};
use crate::render::pdf::layout::text::{push_span, Line, Span, Style};

impl<'f, 'a> Layouter<'f, 'a> {
    // ---- text ----

    /// Replaces `{{page:ID}}` markers with the page numbers of the last pass.
    fn fill_page_refs<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if !text.contains(PAGE_REF_OPEN) {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find(PAGE_REF_OPEN) {
            let after = &rest[open + PAGE_REF_OPEN.len()..];
            let Some(close) = after.find(PAGE_REF_CLOSE) else {
                break;
            };
            out.push_str(&rest[..open]);
            match self.known.anchors.get(&after[..close]) {
                Some(page) => out.push_str(&page.to_string()),
                None => out.push('?'),
            }
            rest = &after[close + PAGE_REF_CLOSE.len()..];
        }
        out.push_str(rest);
        Cow::Owned(out)
    }

    /// Plain text of inline runs (for bookmarks and contents entries).
    pub(super) fn plain_text(&self, inlines: &[Inline]) -> String {
        let joined: String = inlines
            .iter()
            .map(|i| self.fill_page_refs(&i.text))
            .collect();
        joined.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    pub(super) fn spans(&mut self, inlines: &[Inline], base: TextBase) -> Vec<Span> {
        let mut spans = Vec::with_capacity(inlines.len());
        for inline in inlines {
            let link = match &inline.link {
                Some(Link::Internal(id)) if self.flat.anchor_ids.contains(id.as_str()) => {
                    Some(self.add_link(LinkTarget::Anchor(id.clone())))
                }
                Some(Link::External(url)) if !url.is_empty() => {
                    Some(self.add_link(LinkTarget::Uri(url.clone())))
                }
                _ => None,
            };
            let face = if inline.code {
                FaceId::Mono
            } else {
                FaceId::sans(base.bold || inline.bold, base.italic || inline.italic)
            };
            let size = if inline.code {
                base.size * 0.9
            } else {
                base.size
            };
            let color = match (link, inline.code) {
                (Some(_), _) => LINK_BLUE,
                (None, true) => CODE_INK,
                (None, false) => base.color,
            };
            let style = Style {
                face,
                size,
                line_size: base.size,
                color,
                link,
                underline: link.is_some(),
                nobreak: inline.nobreak,
            };
            let text = self.fill_page_refs(&inline.text);
            push_span(self.fonts, &mut spans, &text, style);
        }
        spans
    }

    /// The number of a link target (the same target always gets the same one).
    pub(super) fn add_link(&mut self, target: LinkTarget) -> u32 {
        if let Some(&n) = self.memo.link_numbers.get(&target) {
            return n;
        }
        let n = self.memo.links.len() as u32;
        self.memo.links.push(target.clone());
        self.memo.link_numbers.insert(target, n);
        n
    }

    pub(super) fn plain_span(&self, text: &str, style: Style) -> Vec<Span> {
        let mut spans = Vec::new();
        push_span(self.fonts, &mut spans, text, style);
        spans
    }

    /// Draws a set line whose box starts at (`x`, `top`) and is `height` tall.
    pub(super) fn draw_line(&mut self, page: usize, line: &Line, x: f32, top: f32, height: f32) {
        // Centre the font's ascent+descent box (0.905 + 0.212 em for Liberation
        // Sans) in the line box.
        let size = line.size;
        let baseline = top + (height - 1.117 * size) / 2.0 + 0.905 * size;
        let mut last_link: Option<(u32, usize)> = None;
        let base = self.mark;
        let last = line.frags.len().saturating_sub(1);
        for (n, frag) in line.frags.iter().enumerate() {
            let fx = x + frag.x;
            let mut text = frag.text.clone();
            if n == last && line.space_after {
                text.push(' ');
            }
            // A link's text, underline and annotation are its Link element.
            self.mark = match frag.style.link {
                Some(target) => self.link_mark(target, &frag.text, n == 0),
                None => {
                    self.open_link = None;
                    base
                }
            };
            self.draw(
                page,
                Draw::Text {
                    x: fx,
                    y: baseline,
                    style: frag.style,
                    text,
                },
            );
            if frag.style.underline {
                let under = baseline + 0.14 * frag.style.size;
                self.draw(
                    page,
                    Draw::Line {
                        x1: fx,
                        y1: under,
                        x2: fx + frag.width,
                        y2: under,
                        width: 0.5,
                        color: frag.style.color,
                        dotted: false,
                    },
                );
            }
            let Some(target) = frag.style.link else {
                last_link = None;
                continue;
            };
            // Widen the previous rectangle when the same link continues.
            if let Some((prev, at)) = last_link {
                if prev == target {
                    if let Some(Draw::Link { w, x: lx, .. }) = self.pages[page].draws.get_mut(at) {
                        *w = fx + frag.width - *lx;
                        continue;
                    }
                }
            }
            self.draw(
                page,
                Draw::Link {
                    x: fx,
                    y: top,
                    w: frag.width,
                    h: height,
                    target,
                },
            );
            last_link = Some((target, self.pages[page].draws.len() - 1));
        }
        self.mark = base;
    }

    pub(super) fn draw_markers(
        &mut self,
        page: usize,
        item: &Item<'_>,
        top: f32,
        line_height: f32,
    ) {
        let face = self.fonts.face(FaceId::Regular);
        let baseline = top + (line_height - 1.117 * BODY_SIZE) / 2.0 + 0.905 * BODY_SIZE;
        let color = if item.quoted { MUTED } else { INK };
        let draws: Vec<(NodeId, Draw)> = item
            .markers
            .iter()
            .map(|marker| {
                let width = face.text_width(&marker.text, BODY_SIZE);
                let draw = Draw::Text {
                    x: (MARGIN_X + marker.right - width).max(MARGIN_X),
                    y: baseline,
                    style: Style::new(FaceId::Regular, BODY_SIZE, color),
                    text: marker.text.clone(),
                };
                (marker.node, draw)
            })
            .collect();
        let base = self.mark;
        for (node, draw) in draws {
            self.mark = Mark::Node(node);
            self.draw(page, draw);
        }
        self.mark = base;
    }

    /// Places lines of the given heights from `gap` below the current position,
    /// breaking pages between lines. `extra` is padding added to every chunk
    /// (code blocks); with `keep_together` the lines only break across pages if
    /// they are taller than a page; otherwise single lines are not left at the
    /// foot or carried to the head of a page.
    pub(super) fn place_lines(
        &mut self,
        gap: f32,
        heights: &[f32],
        extra: f32,
        keep_together: bool,
        bars: &[Bar],
    ) -> Vec<Chunk> {
        let total: f32 = heights.iter().sum();
        let n = heights.len();
        let mut chunks = Vec::new();
        let mut start = 0;
        let mut first = true;
        if keep_together && total + extra <= BODY_H {
            let top = self.slot(gap, total + extra);
            chunks.push(Chunk {
                page: self.page(),
                start: 0,
                end: n,
                top,
            });
            self.mark_bars(self.page(), bars, top, top + total + extra);
            self.used(top + total + extra);
            return chunks;
        }
        while start < n {
            let g = if first && !self.empty { gap } else { 0.0 };
            let room = BODY_BOTTOM - self.y - g - extra;
            let mut count = 0;
            let mut height = 0.0;
            while start + count < n && height + heights[start + count] <= room + 0.01 {
                height += heights[start + count];
                count += 1;
            }
            let left = n - start;
            if count < left && !keep_together {
                if count == 1 && start == 0 && left >= 2 {
                    count = 0; // no single first line at the foot of a page
                } else if count >= 2 && count == left - 1 && left >= 3 {
                    count -= 1; // no single last line at the head of the next
                }
            }
            if count == 0 {
                if self.empty {
                    count = 1; // taller than a page: place it anyway
                } else {
                    self.new_page();
                    continue;
                }
            }
            let height: f32 = heights[start..start + count].iter().sum();
            let top = self.slot(g, height + extra);
            chunks.push(Chunk {
                page: self.page(),
                start,
                end: start + count,
                top,
            });
            self.mark_bars(self.page(), bars, top, top + height + extra);
            self.used(top + height + extra);
            start += count;
            first = false;
            if start < n {
                self.new_page();
            }
        }
        chunks
    }
}
