//! Page content streams, written directly as PDF operators.
//!
//! printpdf can write a page from a list of `Op`s, but it turns each op into a
//! lopdf operation object and then formats every number and every byte of text
//! through `fmt`: for a 300-page register that alone took longer than the whole
//! layout. The operators a typeset page needs are few (filled rectangles, rules,
//! images, positioned text), so they are written here straight into bytes, and
//! the writer swaps these streams in for the pages printpdf created. Fonts,
//! images, annotations and the document structure are still printpdf's.
//!
//! Coordinates arrive top-down (as layout uses them) and are flipped here.
//! Numbers are written with at most two decimals (three for colours).

use super::flow::{Draw, Page, PAGE_H};
use super::fonts::{FaceId, Fonts};
use super::text::Rgb;

/// The content stream of `page`. `image_name` gives the resource name of an
/// image by its index.
pub(crate) fn page_content(
    fonts: &Fonts,
    page: &Page,
    image_name: impl Fn(usize) -> String,
) -> Vec<u8> {
    let mut w = Writer {
        out: Vec::with_capacity(page.draws.len() * 40),
        fill: Rgb(0, 0, 0),
        stroke: None,
    };
    // Graphics first, so that fills lie under the text.
    for draw in &page.draws {
        match *draw {
            Draw::Fill {
                x,
                y,
                w: width,
                h,
                color,
            } => {
                w.set_fill(color);
                w.nums(&[x, PAGE_H - y - h, width, h]);
                w.op(b"re f");
            }
            Draw::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                color,
                dotted,
            } => {
                w.set_stroke(color, width, dotted);
                if dotted {
                    // Dots (zero-length dashes with round caps) on a 2.5 pt
                    // grid from the page edge, so the leaders of a contents
                    // page line up in columns.
                    w.out.extend_from_slice(b"[0 2.5] ");
                    w.nums(&[x1.rem_euclid(2.5)]);
                    w.op(b"d");
                }
                w.nums(&[x1, PAGE_H - y1]);
                w.op(b"m");
                w.nums(&[x2, PAGE_H - y2]);
                w.op(b"l S");
            }
            Draw::Image {
                index,
                x,
                y,
                w: width,
                h,
            } => {
                w.op(b"q");
                w.nums(&[width, 0.0, 0.0, h, x, PAGE_H - y - h]);
                w.op(b"cm");
                w.out.push(b'/');
                w.out.extend_from_slice(image_name(index).as_bytes());
                w.op(b" Do Q");
            }
            Draw::Text { .. } | Draw::Link { .. } => {}
        }
    }

    // All text in one text object. Each run is placed with `Td`, relative to
    // the previous run's start (to the origin for the first). Positions are
    // rounded to 1/100 pt and differenced as integers, so no error builds up.
    let mut font: Option<(FaceId, f32)> = None;
    let mut origin = (0i64, 0i64);
    let mut in_text = false;
    for draw in &page.draws {
        let Draw::Text { x, y, style, text } = draw else {
            continue;
        };
        if !in_text {
            w.op(b"BT");
            in_text = true;
        }
        if font != Some((style.face, style.size)) {
            w.out.push(b'/');
            w.out
                .extend_from_slice(style.face.resource_name().as_bytes());
            w.out.push(b' ');
            w.nums(&[style.size]);
            w.op(b"Tf");
            font = Some((style.face, style.size));
        }
        w.set_fill(style.color);
        let at = (hundredths(*x), hundredths(PAGE_H - *y));
        w.num(at.0 - origin.0);
        w.num(at.1 - origin.1);
        w.op(b"Td");
        origin = at;
        w.glyphs(fonts, style.face, text);
        w.op(b" Tj");
    }
    if in_text {
        w.op(b"ET");
    }
    w.out
}

struct Writer {
    out: Vec<u8>,
    /// Current fill colour (PDF starts with black).
    fill: Rgb,
    /// Current stroke colour, width and dotted-ness, once set.
    stroke: Option<(Rgb, f32, bool)>,
}

fn hundredths(v: f32) -> i64 {
    (f64::from(v) * 100.0).round() as i64
}

impl Writer {
    /// Writes an operator and ends the line.
    fn op(&mut self, op: &[u8]) {
        self.out.extend_from_slice(op);
        self.out.push(b'\n');
    }

    fn nums(&mut self, values: &[f32]) {
        for &v in values {
            self.num(hundredths(v));
        }
    }

    /// Writes `value / 100` with up to two decimals, then a space.
    fn num(&mut self, value: i64) {
        self.fixed(value, 100);
    }

    /// Writes `value / scale` (scale a power of ten) without trailing zeros.
    fn fixed(&mut self, value: i64, scale: i64) {
        if value < 0 {
            self.out.push(b'-');
        }
        let v = value.unsigned_abs();
        let scale = scale.unsigned_abs();
        self.uint(v / scale);
        let mut frac = v % scale;
        if frac != 0 {
            self.out.push(b'.');
            let mut digit = scale / 10;
            while frac != 0 && digit != 0 {
                self.out.push(b'0' + (frac / digit) as u8);
                frac %= digit;
                digit /= 10;
            }
        }
        self.out.push(b' ');
    }

    fn uint(&mut self, mut v: u64) {
        let mut digits = [0u8; 20];
        let mut n = 0;
        loop {
            digits[n] = b'0' + (v % 10) as u8;
            n += 1;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.out.extend(digits[..n].iter().rev());
    }

    fn color(&mut self, rgb: Rgb) {
        for c in [rgb.0, rgb.1, rgb.2] {
            self.fixed((i64::from(c) * 1000 + 127) / 255, 1000);
        }
    }

    fn set_fill(&mut self, rgb: Rgb) {
        if self.fill != rgb {
            self.color(rgb);
            self.op(b"rg");
            self.fill = rgb;
        }
    }

    fn set_stroke(&mut self, rgb: Rgb, width: f32, dotted: bool) {
        let previous = self.stroke;
        if previous.map(|s| s.0) != Some(rgb) {
            self.color(rgb);
            self.op(b"RG");
        }
        if previous.map(|s| s.1) != Some(width) {
            self.nums(&[width]);
            self.op(b"w");
        }
        if previous.map(|s| s.2) != Some(dotted) {
            // Round caps draw the zero-length dashes of dotted lines as dots;
            // the dash pattern itself is set per line.
            self.op(if dotted { b"1 J" } else { b"[] 0 d 0 J" });
        }
        self.stroke = Some((rgb, width, dotted));
    }

    /// Writes `text` as a literal string of two-byte glyph ids (the fonts are
    /// embedded as Identity-H CID fonts whose CIDs are glyph ids).
    fn glyphs(&mut self, fonts: &Fonts, face: FaceId, text: &str) {
        let face = fonts.face(face);
        self.out.push(b'(');
        for c in text.chars() {
            for byte in face.glyph_id(c).to_be_bytes() {
                match byte {
                    b'(' | b')' | b'\\' => self.out.extend_from_slice(&[b'\\', byte]),
                    // A raw CR would be read as a line end: escape it.
                    b'\r' => self.out.extend_from_slice(b"\\r"),
                    _ => self.out.push(byte),
                }
            }
        }
        self.out.push(b')');
    }
}
