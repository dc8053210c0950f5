//! The page furniture, added once the page count is known: the protective
//! marking centred at the top and bottom of every page, the title at the foot
//! on the left and "Page N of M" on the right. All of it is artifact, not
//! content, for tagging.

use super::document::DocInfo;
use super::fonts::{FaceId, Fonts};
use super::page::{Draw, Page, INK, MARGIN_X, MUTED, PAGE_H, PAGE_W};
use super::tags::Mark;
use super::text::Style;

/// Baselines of the header and footer lines, from the top of the page.
const HEADER_BASELINE: f32 = 38.0;
const FOOTER_BASELINE: f32 = PAGE_H - 32.0;
const MARKING_SIZE: f32 = 9.5;
const FOOTER_SIZE: f32 = 8.0;

/// Adds the marking (top and bottom, centred), the title (footer, left) and
/// "Page N of M" (footer, right) to every page.
pub(super) fn stamp_furniture(info: &DocInfo, fonts: &Fonts, pages: &mut [Page]) {
    let total = pages.len();
    let bold = fonts.face(FaceId::Bold);
    let regular = fonts.face(FaceId::Regular);
    let marking = info
        .marking
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let marking = truncate(fonts, FaceId::Bold, &marking, MARKING_SIZE, PAGE_W * 0.3);
    let marking_w = bold.text_width(&marking, MARKING_SIZE);
    let title = info.title.split_whitespace().collect::<Vec<_>>().join(" ");
    let title = truncate(fonts, FaceId::Regular, &title, FOOTER_SIZE, PAGE_W * 0.3);
    let marking_style = Style::new(FaceId::Bold, MARKING_SIZE, INK);
    let footer_style = Style::new(FaceId::Regular, FOOTER_SIZE, MUTED);
    for (n, page) in pages.iter_mut().enumerate() {
        page.marks.push((page.draws.len(), Mark::Artifact));
        if !marking.is_empty() {
            for y in [HEADER_BASELINE, FOOTER_BASELINE] {
                page.draws.push(Draw::Text {
                    x: (PAGE_W - marking_w) / 2.0,
                    y,
                    style: marking_style,
                    text: marking.clone(),
                });
            }
        }
        if !title.is_empty() {
            page.draws.push(Draw::Text {
                x: MARGIN_X,
                y: FOOTER_BASELINE,
                style: footer_style,
                text: title.clone(),
            });
        }
        let number = format!("Page {} of {}", n + 1, total);
        let number_w = regular.text_width(&number, FOOTER_SIZE);
        page.draws.push(Draw::Text {
            x: PAGE_W - MARGIN_X - number_w,
            y: FOOTER_BASELINE,
            style: footer_style,
            text: number,
        });
    }
}

/// `text` cut with an ellipsis to fit `max_width`, with characters the face
/// lacks replaced as the layout does.
fn truncate(fonts: &Fonts, face_id: FaceId, text: &str, size: f32, max_width: f32) -> String {
    let face = fonts.face(face_id);
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if face.has_glyph(c) { c } else { '?' })
        .collect();
    if face.text_width(&clean, size) <= max_width {
        return clean;
    }
    let ellipsis = if face.has_glyph('\u{2026}') {
        "\u{2026}"
    } else {
        "..."
    };
    let room = max_width - face.text_width(ellipsis, size);
    let mut width = 0.0;
    let mut out = String::new();
    for c in clean.chars() {
        width += face.char_width(c, size);
        if width > room {
            break;
        }
        out.push(c);
    }
    out.truncate(out.trim_end().len());
    out.push_str(ellipsis);
    out
}
