//! Inline text: styled spans broken into measured lines.
//!
//! A paragraph (or table cell, or contents entry) is a list of [`Span`]s, each a
//! run of text in one style. [`break_lines`] joins them, asks `unicode-linebreak`
//! where lines may end (UAX #14), and fills lines greedily with measured words.
//! A word wider than the line (a long URL, a hash) is broken between characters
//! rather than allowed to overflow. [`content_widths`] gives the narrowest and
//! widest a span list can be set, which table column sizing needs.

use unicode_linebreak::{linebreaks, BreakOpportunity};

use super::fonts::{FaceId, Fonts};

/// An sRGB colour, 0–255 per channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

/// How a run of text is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Style {
    pub face: FaceId,
    pub size: f32,
    /// The size a line holding this text is spaced for. Usually `size`; inline
    /// code is set smaller than the text around it but must not change the
    /// line's height or baseline (or a row's cells would not align).
    pub line_size: f32,
    pub color: Rgb,
    /// Index into the layout's link table, if the run is a link.
    pub link: Option<u32>,
    pub underline: bool,
    /// A line may not end inside this run (an ID such as `le-grand-2013-r7`);
    /// only a run wider than a whole line is cut, between characters.
    pub nobreak: bool,
}

impl Style {
    pub(crate) fn new(face: FaceId, size: f32, color: Rgb) -> Style {
        Style {
            face,
            size,
            line_size: size,
            color,
            link: None,
            underline: false,
            nobreak: false,
        }
    }
}

/// A run of text in one style.
#[derive(Clone, Debug)]
pub(crate) struct Span {
    pub text: String,
    pub style: Style,
}

/// Appends `text` in `style` to `spans`, cleaned for drawing: control and
/// invisible format characters are dropped, tabs become spaces, line and
/// paragraph separators become `\n` (a forced break), and characters the face
/// has no glyph for become `?` so that measuring and drawing agree.
pub(crate) fn push_span(fonts: &Fonts, spans: &mut Vec<Span>, text: &str, style: Style) {
    let face = fonts.face(style.face);
    let mut clean = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\u{2028}' | '\u{2029}' => clean.push('\n'),
            '\t' => clean.push(' '),
            '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}' => {}
            c if c.is_control() => {}
            c if face.has_glyph(c) => clean.push(c),
            c if c.is_whitespace() => clean.push(' '),
            _ => clean.push('?'),
        }
    }
    if clean.is_empty() {
        return;
    }
    // Merge with the previous span when nothing distinguishes them: fewer,
    // longer text runs make a smaller content stream.
    if let Some(last) = spans.last_mut() {
        if last.style == style {
            last.text.push_str(&clean);
            return;
        }
    }
    spans.push(Span { text: clean, style });
}

/// A piece of a line in one style, positioned relative to the line start.
#[derive(Clone, Debug)]
pub(crate) struct Frag {
    pub text: String,
    pub style: Style,
    pub x: f32,
    pub width: f32,
}

/// One set line.
#[derive(Clone, Debug, Default)]
pub(crate) struct Line {
    pub frags: Vec<Frag>,
    /// Width of the text, trailing spaces excluded.
    pub width: f32,
    /// Largest line size (see [`Style::line_size`]) on the line: sets its
    /// height and baseline.
    pub size: f32,
    /// The line ends where the source had a space (a soft break between words):
    /// the drawn text carries one, invisible at the line's end, so that text
    /// extraction and the tagged text (`pdfinfo -struct-text`, screen readers) keep
    /// the words apart instead of fusing them ("Director" + "of").
    pub space_after: bool,
}

/// One character with what layout needs to know about it.
struct Glyph {
    byte: usize,
    ch: char,
    width: f32,
    span: usize,
}

/// The text between two break opportunities, as a range of glyph indices.
struct Segment {
    start: usize,
    /// End without trailing whitespace.
    trim_end: usize,
    end: usize,
    width: f32,
    trim_width: f32,
    /// A line must end after this segment (a `\n`).
    forced: bool,
}

/// Spans joined into one string, measured and cut at break opportunities.
struct Prepared<'s> {
    text: String,
    glyphs: Vec<Glyph>,
    segments: Vec<Segment>,
    spans: &'s [Span],
}

fn prepare<'s>(fonts: &Fonts, spans: &'s [Span]) -> Prepared<'s> {
    let total: usize = spans.iter().map(|s| s.text.len()).sum();
    let mut text = String::with_capacity(total);
    let mut glyphs = Vec::with_capacity(total);
    for (index, span) in spans.iter().enumerate() {
        let face = fonts.face(span.style.face);
        for (offset, ch) in span.text.char_indices() {
            let width = if ch == '\n' {
                0.0
            } else {
                face.char_width(ch, span.style.size)
            };
            glyphs.push(Glyph {
                byte: text.len() + offset,
                ch,
                width,
                span: index,
            });
        }
        text.push_str(&span.text);
    }

    let mut segments = Vec::new();
    let mut glyph_at = 0;
    let mut start = 0;
    for (byte, opportunity) in linebreaks(&text) {
        while glyph_at < glyphs.len() && glyphs[glyph_at].byte < byte {
            glyph_at += 1;
        }
        let end = glyph_at;
        if end == start {
            continue;
        }
        // No break inside an unbreakable run: between two of its characters.
        let inside = |g: usize| {
            g > 0
                && g < glyphs.len()
                && glyphs[g - 1].span == glyphs[g].span
                && spans[glyphs[g].span].style.nobreak
        };
        if opportunity != BreakOpportunity::Mandatory && inside(end) {
            continue;
        }
        let mut trim_end = end;
        while trim_end > start && glyphs[trim_end - 1].ch.is_whitespace() {
            trim_end -= 1;
        }
        let trim_width: f32 = glyphs[start..trim_end].iter().map(|g| g.width).sum();
        let width = trim_width + glyphs[trim_end..end].iter().map(|g| g.width).sum::<f32>();
        segments.push(Segment {
            start,
            trim_end,
            end,
            width,
            trim_width,
            forced: opportunity == BreakOpportunity::Mandatory && end < glyphs.len(),
        });
        start = end;
    }
    Prepared {
        text,
        glyphs,
        segments,
        spans,
    }
}

/// Is `c` a combining mark, which must stay with the character before it when a
/// word is broken between characters? (The common combining blocks; enough to
/// avoid orphaned accents without a full Unicode table.)
fn is_combining(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

/// Allowance for floating-point error when comparing widths.
const EPSILON: f32 = 0.01;

/// Breaks `spans` into lines no wider than `width` points.
///
/// Every line holds at least one character, so even a zero or negative width
/// terminates (each character then gets a line of its own).
pub(crate) fn break_lines(fonts: &Fonts, spans: &[Span], width: f32) -> Vec<Line> {
    let prep = prepare(fonts, spans);
    let glyphs = &prep.glyphs;
    // Glyph ranges [start, end) of each line, trailing whitespace excluded.
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    // The line being filled: its first glyph, the end of its last segment
    // without trailing whitespace, and its width including that whitespace.
    let mut open: Option<(usize, usize)> = None;
    let mut open_width = 0.0f32;

    // Leading whitespace of the whole text is not drawn.
    let first = glyphs
        .iter()
        .position(|g| !g.ch.is_whitespace() || g.ch == '\n')
        .unwrap_or(glyphs.len());

    for seg in &prep.segments {
        let seg_start = seg.start.max(first);
        if seg_start >= seg.end {
            continue;
        }
        let (trim_width, full_width) = if seg_start == seg.start {
            (seg.trim_width, seg.width)
        } else {
            let skipped: f32 = glyphs[seg.start..seg_start].iter().map(|g| g.width).sum();
            ((seg.trim_width - skipped).max(0.0), seg.width - skipped)
        };
        if let Some((start, end)) = open {
            if open_width + trim_width > width + EPSILON {
                ranges.push((start, end));
                open = None;
                open_width = 0.0;
            }
        }
        if open.is_none() && trim_width > width + EPSILON {
            // A word wider than the line: cut it between characters.
            let (rest, rest_width) = cut_word(glyphs, seg, seg_start, width, &mut ranges);
            open = Some(rest);
            open_width = rest_width;
        } else {
            match open {
                Some((start, _)) => {
                    open = Some((start, seg.trim_end));
                    open_width += full_width;
                }
                None => {
                    open = Some((seg_start, seg.trim_end));
                    open_width = full_width;
                }
            }
        }
        if seg.forced {
            let (start, end) = open.take().unwrap_or((seg.trim_end, seg.trim_end));
            ranges.push((start, end));
            open_width = 0.0;
        }
    }
    if let Some(range) = open {
        ranges.push(range);
    }

    let count = ranges.len();
    ranges
        .into_iter()
        .enumerate()
        .map(|(n, (start, end))| {
            let mut line = build_line(&prep, start, end);
            // Not after the last line, nor after a word cut between characters.
            line.space_after =
                n + 1 < count && glyphs.get(end).is_some_and(|g| g.ch.is_whitespace());
            line
        })
        .collect()
}

/// Cuts the word `seg`, from glyph `at`, into lines of `width` between characters
/// (keeping combining marks with their base), adding all but the last to `ranges`;
/// returns the last, which later words may join, and its width with the word's
/// trailing whitespace.
fn cut_word(
    glyphs: &[Glyph],
    seg: &Segment,
    mut at: usize,
    width: f32,
    ranges: &mut Vec<(usize, usize)>,
) -> ((usize, usize), f32) {
    loop {
        let mut used = 0.0f32;
        let mut cut = at;
        while cut < seg.trim_end {
            let w = glyphs[cut].width;
            let fits = used + w <= width + EPSILON;
            let keep_with_previous = cut > at && is_combining(glyphs[cut].ch);
            if cut > at && !fits && !keep_with_previous {
                break;
            }
            used += w;
            cut += 1;
        }
        if cut >= seg.trim_end {
            // The rest fits on a line; later words may join it.
            let trailing: f32 = glyphs[seg.trim_end..seg.end].iter().map(|g| g.width).sum();
            return ((at, seg.trim_end), used + trailing);
        }
        ranges.push((at, cut));
        at = cut;
    }
}

/// Turns a glyph range into a line of fragments, one per change of style.
fn build_line(prep: &Prepared<'_>, start: usize, end: usize) -> Line {
    let glyphs = &prep.glyphs;
    let mut line = Line::default();
    let mut at = start;
    let mut x = 0.0f32;
    while at < end {
        let span = glyphs[at].span;
        let mut stop = at;
        let mut width = 0.0f32;
        while stop < end && glyphs[stop].span == span {
            width += glyphs[stop].width;
            stop += 1;
        }
        let byte_end = glyphs.get(stop).map_or(prep.text.len(), |g| g.byte);
        let style = prep.spans[span].style;
        // A forced break inside the range is never drawn.
        let text: String = prep.text[glyphs[at].byte..byte_end]
            .chars()
            .filter(|&c| c != '\n')
            .collect();
        if !text.is_empty() {
            line.size = line.size.max(style.line_size);
            line.frags.push(Frag {
                text,
                style,
                x,
                width,
            });
        }
        x += width;
        at = stop;
    }
    line.width = x;
    if line.size == 0.0 {
        // An empty line (two forced breaks in a row) is as tall as the text
        // around it.
        let near = glyphs
            .get(start)
            .or_else(|| glyphs.get(start.saturating_sub(1)));
        line.size = near.map_or(0.0, |g| prep.spans[g.span].style.line_size);
    }
    line
}

/// The narrowest width `spans` can be set in without breaking a word between
/// characters, and the width they take on one line (per forced line).
pub(crate) fn content_widths(fonts: &Fonts, spans: &[Span]) -> (f32, f32) {
    let prep = prepare(fonts, spans);
    let mut min = 0.0f32;
    let mut max = 0.0f32;
    let mut line = 0.0f32;
    for seg in &prep.segments {
        min = min.max(seg.trim_width);
        max = max.max(line + seg.trim_width);
        line += seg.width;
        if seg.forced {
            line = 0.0;
        }
    }
    (min, max)
}
