//! Code blocks: monospaced lines on a tinted panel, split between pages.

use super::{Item, Layouter, CODE_FILL, CODE_INK, CODE_LEADING, CODE_PAD, CODE_SIZE};
use crate::render::pdf::layout::fonts::FaceId;
use crate::render::pdf::layout::page::{Draw, MARGIN_X};
use crate::render::pdf::layout::text::{push_span, Frag, Line, Style};

impl<'f, 'a> Layouter<'f, 'a> {
    pub(super) fn place_code(&mut self, item: &Item<'_>, code: &str, gap: f32) {
        let face = self.fonts.face(FaceId::Mono);
        let inner = Self::width_of(item) - 2.0 * CODE_PAD;
        let char_w = face.char_width('0', CODE_SIZE).max(0.1);
        let per_line = ((inner / char_w).floor() as usize).max(1);
        let (lines, ends) = code_lines(code, per_line);
        let line_h = CODE_SIZE * CODE_LEADING;
        let heights = vec![line_h; lines.len()];
        let chunks = self.place_lines(gap, &heights, 2.0 * CODE_PAD, false, &item.bars);
        let x = MARGIN_X + item.left;
        let width = Self::width_of(item);
        let style = Style::new(FaceId::Mono, CODE_SIZE, CODE_INK);
        for (n, chunk) in chunks.iter().enumerate() {
            let height = (chunk.end - chunk.start) as f32 * line_h + 2.0 * CODE_PAD;
            self.draw(
                chunk.page,
                Draw::Fill {
                    x,
                    y: chunk.top,
                    w: width,
                    h: height,
                    color: CODE_FILL,
                },
            );
            if n == 0 && !item.markers.is_empty() {
                self.draw_markers(chunk.page, item, chunk.top + CODE_PAD, line_h);
            }
            let mut top = chunk.top + CODE_PAD;
            for (n, line) in lines[chunk.start..chunk.end].iter().enumerate() {
                let mut spans = Vec::new();
                push_span(self.fonts, &mut spans, line, style);
                let set = Line {
                    width: 0.0,
                    size: CODE_SIZE,
                    space_after: ends[chunk.start + n],
                    frags: spans
                        .into_iter()
                        .map(|span| Frag {
                            text: span.text,
                            style: span.style,
                            x: 0.0,
                            width: 0.0,
                        })
                        .collect(),
                };
                self.draw_line(chunk.page, &set, x + CODE_PAD, top, line_h);
                top += line_h;
            }
        }
    }
}

/// The code's lines as drawn, each source line cut into pieces of `per_line`
/// characters, and whether each ends a source line (not set for the last line).
fn code_lines(code: &str, per_line: usize) -> (Vec<String>, Vec<bool>) {
    let mut lines: Vec<String> = Vec::new();
    // Whether each line ends a source line.
    let mut ends: Vec<bool> = Vec::new();
    let code = code.strip_suffix('\n').unwrap_or(code);
    for source in code.split('\n') {
        let expanded = expand_tabs(source);
        let chars: Vec<char> = expanded.chars().collect();
        if chars.is_empty() {
            lines.push(String::new());
        }
        for piece in chars.chunks(per_line) {
            lines.push(piece.iter().collect());
        }
        ends.resize(lines.len(), false);
        if let Some(last) = ends.last_mut() {
            *last = true;
        }
    }
    // A source line's last piece is followed by a space in the drawn text (as
    // soft breaks are; see `Line::space_after`), except the block's last line.
    if let Some(last) = ends.last_mut() {
        *last = false;
    }
    (lines, ends)
}

/// A source line with tabs expanded to the next multiple of four columns and
/// carriage returns dropped.
fn expand_tabs(source: &str) -> String {
    let mut expanded = String::with_capacity(source.len());
    let mut column = 0;
    for c in source.chars() {
        match c {
            '\t' => loop {
                expanded.push(' ');
                column += 1;
                if column % 4 == 0 {
                    break;
                }
            },
            '\r' => {}
            c => {
                expanded.push(c);
                column += 1;
            }
        }
    }
    expanded
}
