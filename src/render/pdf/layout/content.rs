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
//! Every painting operator is inside marked content (PDF/UA-1 7.1): the page's
//! runs of [`Mark`]s become `/Role <</MCID n>> BDC … EMC` for content of a
//! structure element and `/Artifact BMC … EMC` for furniture. These are the
//! operators printpdf writes for `Op::BeginMarkedContentWithProperties` and
//! `Op::BeginMarkedContent`, written here for the same reason as the rest.
//!
//! Coordinates arrive top-down (as layout uses them) and are flipped here.
//! Numbers are written with at most two decimals (three for colours).

use super::fonts::{FaceId, Fonts};
use super::page::{Draw, Page, PAGE_H};
use super::tags::{Mark, NodeId, Role, Tree};
use super::text::Rgb;

/// A page's content stream and the marked content in it.
pub(crate) struct PageContent {
    pub bytes: Vec<u8>,
    /// The element of each MCID (index = MCID).
    pub mcid_nodes: Vec<NodeId>,
    /// The MCIDs each run of `page.marks` produced.
    pub run_mcids: Vec<Vec<u32>>,
}

/// The content stream of `page`. `image_name` gives the resource name of an
/// image by its index.
pub(crate) fn page_content(
    fonts: &Fonts,
    tree: &Tree,
    page: &Page,
    image_name: impl Fn(usize) -> String,
) -> PageContent {
    let mut w = Writer {
        out: Vec::with_capacity(page.draws.len() * 48),
        fill: Rgb(0, 0, 0),
        stroke: None,
        open: None,
        mcid_nodes: Vec::new(),
        run_mcids: vec![Vec::new(); page.marks.len()],
    };
    let runs = draw_runs(page);
    let mark_of = |run: Option<usize>| run.map_or(Mark::Artifact, |r| page.marks[r].1);

    // Graphics first, so that fills lie under the text. Fills and lines are
    // furniture unless they are part of a figure.
    for (draw, &run) in page.draws.iter().zip(&runs) {
        let content = match (draw, mark_of(run)) {
            (Draw::Text { .. } | Draw::Link { .. }, _) => continue,
            (Draw::Image { .. }, Mark::Node(_)) => run,
            (_, Mark::Node(node)) if tree.role(node) == Role::Figure => run,
            _ => None,
        };
        w.mark(tree, content.map(|r| (r, mark_of(Some(r)))));
        w.graphic(draw, &image_name);
    }
    w.close();

    // All text in one text object. Each run is placed with `Td`, relative to
    // the previous run's start (to the origin for the first). Positions are
    // rounded to 1/100 pt and differenced as integers, so no error builds up.
    let mut font: Option<(FaceId, f32)> = None;
    let mut origin = (0i64, 0i64);
    let mut in_text = false;
    for (draw, &run) in page.draws.iter().zip(&runs) {
        let Draw::Text { x, y, style, text } = draw else {
            continue;
        };
        if !in_text {
            w.op(b"BT");
            in_text = true;
        }
        let mark = mark_of(run);
        w.mark(
            tree,
            run.filter(|_| mark != Mark::Artifact).map(|r| (r, mark)),
        );
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
        w.close();
        w.op(b"ET");
    }
    PageContent {
        bytes: w.out,
        mcid_nodes: w.mcid_nodes,
        run_mcids: w.run_mcids,
    }
}

/// The run of `page.marks` each draw is in (none before the first: furniture).
fn draw_runs(page: &Page) -> Vec<Option<usize>> {
    let mut runs = Vec::with_capacity(page.draws.len());
    let mut next = 0;
    let mut run: Option<usize> = None;
    for i in 0..page.draws.len() {
        while page.marks.get(next).is_some_and(|&(from, _)| from <= i) {
            run = Some(next);
            next += 1;
        }
        runs.push(run);
    }
    runs
}

/// The marked-content sequence being written: furniture, or a run's content.
#[derive(Clone, Copy, PartialEq)]
enum Open {
    Artifact,
    Run(usize),
}

struct Writer {
    out: Vec<u8>,
    /// Current fill colour (PDF starts with black).
    fill: Rgb,
    /// Current stroke colour, width and dotted-ness, once set.
    stroke: Option<(Rgb, f32, bool)>,
    open: Option<Open>,
    mcid_nodes: Vec<NodeId>,
    run_mcids: Vec<Vec<u32>>,
}

fn hundredths(v: f32) -> i64 {
    (f64::from(v) * 100.0).round() as i64
}

impl Writer {
    /// Writes a fill, line, image, dashed line or circle (text is written apart).
    // Long: one match arm per kind of graphic, each a few operators; kept together
    // so the arms can be read against each other.
    fn graphic(&mut self, draw: &Draw, image_name: &impl Fn(usize) -> String) {
        match *draw {
            Draw::Fill {
                x,
                y,
                w: width,
                h,
                color,
            } => {
                self.set_fill(color);
                self.nums(&[x, PAGE_H - y - h, width, h]);
                self.op(b"re f");
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
                self.set_stroke(color, width, dotted);
                if dotted {
                    // Dots (zero-length dashes with round caps) on a 2.5 pt
                    // grid from the page edge, so the leaders of a contents
                    // page line up in columns.
                    self.out.extend_from_slice(b"[0 2.5] ");
                    self.nums(&[x1.rem_euclid(2.5)]);
                    self.op(b"d");
                }
                self.nums(&[x1, PAGE_H - y1]);
                self.op(b"m");
                self.nums(&[x2, PAGE_H - y2]);
                self.op(b"l S");
            }
            Draw::Image {
                index,
                x,
                y,
                w: width,
                h,
            } => {
                self.op(b"q");
                self.nums(&[width, 0.0, 0.0, h, x, PAGE_H - y - h]);
                self.op(b"cm");
                self.out.push(b'/');
                self.out.extend_from_slice(image_name(index).as_bytes());
                self.op(b" Do Q");
            }
            Draw::Dashed {
                x1,
                y1,
                x2,
                y2,
                width,
                color,
                dash,
            } => {
                // The dash pattern lives inside q…Q, so the tracked state stays true.
                self.set_stroke(color, width, false);
                self.op(b"q");
                self.out.push(b'[');
                self.nums(&[dash.0, dash.1]);
                self.op(b"] 0 d");
                self.nums(&[x1, PAGE_H - y1]);
                self.op(b"m");
                self.nums(&[x2, PAGE_H - y2]);
                self.op(b"l S Q");
            }
            Draw::Circle {
                cx,
                cy,
                r,
                stroke,
                fill,
                width,
            } => {
                self.set_fill(fill);
                self.set_stroke(stroke, width, false);
                self.circle(cx, PAGE_H - cy, r);
                self.op(b"b");
            }
            Draw::Text { .. } | Draw::Link { .. } => {}
        }
    }

    /// Makes what follows content of `run` (with its mark), or furniture for
    /// `None`, closing and opening marked-content sequences as needed.
    fn mark(&mut self, tree: &Tree, run: Option<(usize, Mark)>) {
        let want = match run {
            Some((run, Mark::Node(_))) => Open::Run(run),
            _ => Open::Artifact,
        };
        if self.open == Some(want) {
            return;
        }
        self.close();
        match (want, run) {
            (Open::Run(run), Some((_, Mark::Node(node)))) => {
                let mcid = self.mcid_nodes.len() as u32;
                self.mcid_nodes.push(node);
                self.run_mcids[run].push(mcid);
                self.out.push(b'/');
                self.out
                    .extend_from_slice(tree.role(node).name().as_bytes());
                self.out.extend_from_slice(b" <</MCID ");
                self.uint(u64::from(mcid));
                self.op(b">> BDC");
            }
            _ => self.op(b"/Artifact BMC"),
        }
        self.open = Some(want);
    }

    /// Ends the open marked-content sequence, if any.
    fn close(&mut self) {
        if self.open.take().is_some() {
            self.op(b"EMC");
        }
    }

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

    /// A closed circle path of four Bézier arcs (PDF has no circle operator).
    fn circle(&mut self, cx: f32, cy: f32, r: f32) {
        // The control-point distance that makes a quarter arc of a cubic Bézier.
        let k = 0.552_284_8 * r;
        self.nums(&[cx + r, cy]);
        self.op(b"m");
        for [a, b, c, d, e, f] in [
            [cx + r, cy + k, cx + k, cy + r, cx, cy + r],
            [cx - k, cy + r, cx - r, cy + k, cx - r, cy],
            [cx - r, cy - k, cx - k, cy - r, cx, cy - r],
            [cx + k, cy - r, cx + r, cy - k, cx + r, cy],
        ] {
            self.nums(&[a, b, c, d, e, f]);
            self.op(b"c");
        }
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
