//! Placing blocks on pages.
//!
//! Two steps. [`flatten()`] walks the block tree once, without recursion (a list
//! nested ten thousand deep must not overflow the stack), and turns it into a
//! flat sequence of leaf [`Item`]s that carry their indentation, list markers
//! and quote bars. Then a [`Layouter`] pass places the items top to bottom,
//! breaking pages: headings stay with what follows, paragraphs avoid single
//! lines at the foot or head of a page, table rows move whole to the next page
//! (under a repeated header) unless one is taller than a page, in which case it
//! is split between lines.
//!
//! Page numbers are only known after a pass, so [`layout_document`] runs passes
//! until the contents and `{{page:…}}` references print the numbers that the
//! pass itself produced.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use super::document::{Block, Inline};
use super::drawing::Drawing;
use super::fonts::Fonts;
use super::image::PdfImage;
use super::page::{
    At, Document, Draw, LinkTarget, OutlineEntry, Page, BODY_BOTTOM, BODY_TOP, BODY_W, MARGIN_X,
};
use super::table::TableLayout;
use super::tags::{self, Mark, NodeId, Role, Tree};
use super::text::{Line, Rgb};

mod code;
mod contents;
mod cover;
mod figure;
mod flatten;
mod grid;
mod inline;
mod markers;
mod paragraphs;

use flatten::flatten;

#[cfg(test)]
pub(super) use markers::{alphabetic, roman};

// ---- Type and colour ----

/// Body line height as a multiple of the font size.
const LEADING: f32 = 1.45;
const HEADING_LEADING: f32 = 1.25;
const TABLE_SIZE: f32 = 9.0;
const CODE_SIZE: f32 = 8.5;
const CODE_LEADING: f32 = 1.35;
const CODE_PAD: f32 = 6.0;
/// Size, space above, space below for heading levels 1–4.
const HEADINGS: [(f32, f32, f32); 4] = [
    (18.0, 22.0, 10.0),
    (14.0, 18.0, 7.0),
    (12.0, 14.0, 5.0),
    (10.5, 12.0, 4.0),
];
const PARAGRAPH_GAP: f32 = 7.5;
const ITEM_GAP: f32 = 3.5;
const BLOCK_GAP: f32 = 12.0;

const LINK_BLUE: Rgb = Rgb(0x1d, 0x58, 0xa8);
const CODE_INK: Rgb = Rgb(0x2b, 0x2f, 0x33);
pub(crate) const RULE: Rgb = Rgb(0xb1, 0xb4, 0xb6);
const FILL: Rgb = Rgb(0xee, 0xef, 0xf0);
const CODE_FILL: Rgb = Rgb(0xf4, 0xf5, 0xf6);
const BAR: Rgb = Rgb(0xb1, 0xb4, 0xb6);
pub(crate) const ACCENT: Rgb = Rgb(0x1d, 0x3c, 0x6e);

// ---- Nesting ----

/// Nesting levels (lists and quotes) that still indent; deeper ones do not.
const MAX_INDENT_LEVELS: usize = 8;
const QUOTE_INDENT: f32 = 14.0;
const BAR_WIDTH: f32 = 2.5;
const MIN_GUTTER: f32 = 16.0;
const MARKER_GAP: f32 = 5.0;
/// Contents entries: indent per level and the page-number column.
const CONTENTS_INDENT: f32 = 16.0;
const CONTENTS_NUMBER_W: f32 = 28.0;

/// How many layout passes page numbers may take to settle.
const MAX_PASSES: usize = 6;

// ---- Flattening ----

/// A quote bar: which quote it belongs to (so two quotes in a row get two
/// bars) and its x offset from the body's left edge.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Bar {
    quote: u32,
    x: f32,
}

/// A list marker drawn beside an item's first line, right-aligned at `right`
/// (offset from the body's left edge).
#[derive(Clone, Debug)]
struct Marker {
    text: String,
    right: f32,
    /// The list item's label element.
    node: NodeId,
}

/// A block that holds no other blocks.
enum Leaf<'a> {
    Heading {
        level: usize,
        text: &'a [Inline],
        anchor: Option<&'a str>,
        outline: Option<usize>,
    },
    Paragraph(&'a [Inline]),
    /// Alternative text of an image that could not be decoded.
    AltText(&'a str),
    Code(&'a str),
    Table {
        header: &'a [Vec<Inline>],
        rows: &'a [Vec<Vec<Inline>>],
    },
    KeyValue(&'a [(String, Vec<Inline>)]),
    Rule,
    PageBreak,
    Anchor(&'a str),
    Image(usize),
    /// A vector drawing (a chart), kept whole on one page.
    Drawing(&'a Drawing),
    Cover {
        title: &'a str,
        lines: &'a [(String, String)],
        /// The logo's index in the images, and its alternative text.
        logo: Option<(usize, &'a str)>,
        colour: Rgb,
    },
    Contents {
        outline: usize,
    },
}

/// A leaf in context.
struct Item<'a> {
    leaf: Leaf<'a>,
    /// The structure element of the leaf (its container's for what is not
    /// content: rules, anchors, page breaks).
    node: NodeId,
    /// Indentation from the body's left edge.
    left: f32,
    markers: Vec<Marker>,
    bars: Vec<Bar>,
    /// Inside a quote: text is set in the muted colour.
    quoted: bool,
    /// The text mentions page numbers, so it must be set anew in every pass.
    page_refs: bool,
    before: f32,
    after: f32,
}

/// What an outline entry's title comes from.
enum OutlineTitle<'a> {
    Heading(&'a [Inline]),
    Contents,
}

struct OutlineSource<'a> {
    level: u8,
    title: OutlineTitle<'a>,
    /// Listed in the contents (the contents' own bookmark is not).
    in_contents: bool,
}

/// The document as a flat item list, plus what layout needs to know up front.
struct Flat<'a> {
    items: Vec<Item<'a>>,
    outline: Vec<OutlineSource<'a>>,
    /// Every anchor the blocks define: links to anything else are not links.
    anchor_ids: BTreeSet<&'a str>,
    images: Vec<PdfImage>,
    /// Page numbers are printed somewhere, so layout needs more than one pass.
    needs_passes: bool,
    /// Containers and one element per leaf; layout adds the leaves' parts.
    tree: Tree,
}

// ---- Passes ----

/// Page numbers a pass printed (taken from the pass before it).
#[derive(Default, PartialEq, Debug)]
struct Known {
    anchors: BTreeMap<String, usize>,
    outline_pages: Vec<usize>,
}

/// Lays the blocks out, repeating until printed page numbers are right.
pub(crate) fn layout_document(fonts: &Fonts, blocks: &[Block]) -> Document {
    let flat = flatten(fonts, blocks);
    let mut memo = Memo {
        links: Vec::new(),
        link_numbers: HashMap::new(),
        prepared: vec![None; flat.items.len()],
    };
    let mut known = Known::default();
    let mut pass = 0;
    let mut doc = loop {
        pass += 1;
        // Text that prints page numbers is set anew with the new numbers.
        for (item, prepared) in flat.items.iter().zip(memo.prepared.iter_mut()) {
            if item.page_refs {
                *prepared = None;
            }
        }
        let doc = Layouter::new(fonts, &flat, &known, &mut memo).run();
        let found = Known {
            anchors: doc
                .anchors
                .iter()
                .map(|(id, at)| (id.clone(), at.page + 1))
                .collect(),
            outline_pages: doc.outline.iter().map(|e| e.at.page + 1).collect(),
        };
        if !flat.needs_passes || found == known || pass >= MAX_PASSES {
            break doc;
        }
        known = found;
    };
    doc.images = flat.images;
    doc.links = memo.links;
    doc
}

/// What carries over from one pass to the next: the link table (so a link's
/// number is the same in every pass) and the lines and tables already set for
/// items whose text does not depend on page numbers.
struct Memo {
    links: Vec<LinkTarget>,
    link_numbers: HashMap<LinkTarget, u32>,
    prepared: Vec<Option<Rc<Prepared>>>,
}

// ---- The layouter ----

/// The base style of a block's text before inline bold/italic/code/links.
#[derive(Clone, Copy)]
struct TextBase {
    size: f32,
    bold: bool,
    italic: bool,
    color: Rgb,
}

/// Lines or table set for an item.
enum Prepared {
    Lines(Vec<Line>),
    Table(TableLayout),
}

impl Prepared {
    fn lines(&self) -> &[Line] {
        match self {
            Prepared::Lines(lines) => lines,
            Prepared::Table(_) => &[],
        }
    }
}

/// Where a run of lines went: lines `start..end` at `top` of page `page`.
struct Chunk {
    page: usize,
    start: usize,
    end: usize,
    top: f32,
}

struct Layouter<'f, 'a> {
    fonts: &'f Fonts,
    flat: &'f Flat<'a>,
    known: &'f Known,
    pages: Vec<Page>,
    anchors: BTreeMap<String, At>,
    outline_at: Vec<Option<At>>,
    memo: &'f mut Memo,
    /// Top of the free space on the current page.
    y: f32,
    /// Nothing placed on the current page yet.
    empty: bool,
    /// Space the previous item wants below it.
    pending_after: f32,
    /// The next item must start a new page (after a cover).
    break_before_next: bool,
    /// Anchors waiting for the next thing placed.
    pending_anchors: Vec<&'a str>,
    /// Quote bars of the last chunk placed, to join bars across gaps.
    last_bars: Vec<Bar>,
    last_bars_end: (usize, f32),
    /// The structure tree: the flattened one, plus the parts layout adds.
    tree: Tree,
    /// What the next draws are.
    mark: Mark,
    /// The link element being drawn: (link number, parent, element).
    open_link: Option<(u32, NodeId, NodeId)>,
}

impl<'f, 'a> Layouter<'f, 'a> {
    fn new(fonts: &'f Fonts, flat: &'f Flat<'a>, known: &'f Known, memo: &'f mut Memo) -> Self {
        Layouter {
            fonts,
            flat,
            known,
            pages: Vec::new(),
            anchors: BTreeMap::new(),
            outline_at: vec![None; flat.outline.len()],
            memo,
            y: BODY_TOP,
            empty: true,
            pending_after: 0.0,
            break_before_next: false,
            pending_anchors: Vec::new(),
            last_bars: Vec::new(),
            last_bars_end: (0, 0.0),
            tree: flat.tree.clone(),
            mark: Mark::Artifact,
            open_link: None,
        }
    }

    fn run(mut self) -> Document {
        self.new_page();
        for index in 0..self.flat.items.len() {
            self.place(index);
        }
        self.flush_anchors();
        let outline = self
            .flat
            .outline
            .iter()
            .zip(&self.outline_at)
            .map(|(source, at)| OutlineEntry {
                level: source.level,
                title: match source.title {
                    OutlineTitle::Heading(text) => self.plain_text(text),
                    OutlineTitle::Contents => "Contents".to_string(),
                },
                at: at.unwrap_or(At {
                    page: 0,
                    y: BODY_TOP,
                }),
            })
            .collect();
        Document {
            pages: self.pages,
            anchors: self.anchors,
            outline,
            links: Vec::new(),
            images: Vec::new(),
            tree: self.tree,
        }
    }

    // ---- pages and space ----

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = BODY_TOP;
        self.empty = true;
        self.last_bars.clear();
    }

    fn page(&self) -> usize {
        self.pages.len() - 1
    }

    /// Draws on `page`, as part of the current mark.
    fn draw(&mut self, page: usize, draw: Draw) {
        let mark = self.mark;
        let p = &mut self.pages[page];
        if p.marks.last().map(|m| m.1) != Some(mark) {
            if let Mark::Node(node) = mark {
                self.tree.add_run(node, page, p.marks.len());
            }
            p.marks.push((p.draws.len(), mark));
        }
        p.draws.push(draw);
    }

    /// Makes what is drawn next part of `mark`; returns the mark before.
    fn set_mark(&mut self, mark: Mark) -> Mark {
        self.open_link = None;
        std::mem::replace(&mut self.mark, mark)
    }

    /// A new structure element under the current one (under the document if
    /// the current mark is furniture).
    fn add_node(&mut self, role: Role) -> NodeId {
        let parent = match self.mark {
            Mark::Node(node) => node,
            Mark::Artifact => tags::DOCUMENT,
        };
        self.tree.add(parent, role)
    }

    /// The mark of a fragment of link `target` inside the current element:
    /// the link element it continues, or a new one.
    fn link_mark(&mut self, target: u32, text: &str, new_line: bool) -> Mark {
        let Mark::Node(parent) = self.mark else {
            return Mark::Artifact;
        };
        let node = match self.open_link {
            Some((t, p, node)) if t == target && p == parent => {
                if new_line {
                    self.tree.nodes[node as usize].text.push(' ');
                }
                node
            }
            _ => {
                let node = self.tree.add(parent, Role::Link);
                self.open_link = Some((target, parent, node));
                node
            }
        };
        self.tree.nodes[node as usize].text.push_str(text);
        Mark::Node(node)
    }

    /// Finds room for something `height` tall after `gap` (no gap at the top
    /// of a page) and returns its top. Starts a new page if it does not fit
    /// here; on an empty page it is placed regardless.
    fn slot(&mut self, gap: f32, height: f32) -> f32 {
        if !self.empty && self.y + gap + height > BODY_BOTTOM + 0.01 {
            self.new_page();
        }
        if !self.empty {
            self.y += gap;
        }
        self.flush_anchors();
        self.y
    }

    /// Marks the space `top..bottom` of the current page as used.
    fn used(&mut self, bottom: f32) {
        self.y = bottom;
        self.empty = false;
    }

    fn flush_anchors(&mut self) {
        let at = At {
            page: self.page(),
            y: self.y,
        };
        for id in self.pending_anchors.drain(..) {
            self.anchors.entry(id.to_string()).or_insert(at);
        }
    }

    /// Draws the quote bars of `bars` beside `top..bottom` on `page`, joined to
    /// the previous chunk's bars of the same quote on the same page.
    fn mark_bars(&mut self, page: usize, bars: &[Bar], top: f32, bottom: f32) {
        for bar in bars {
            let from = if self.last_bars.contains(bar) && self.last_bars_end.0 == page {
                self.last_bars_end.1
            } else {
                top
            };
            self.draw(
                page,
                Draw::Fill {
                    x: MARGIN_X + bar.x,
                    y: from,
                    w: BAR_WIDTH,
                    h: bottom - from,
                    color: BAR,
                },
            );
        }
        self.last_bars.clear();
        self.last_bars.extend_from_slice(bars);
        self.last_bars_end = (page, bottom);
    }

    // ---- items ----

    fn place(&mut self, index: usize) {
        let item = &self.flat.items[index];
        if self.break_before_next && !self.empty && !matches!(item.leaf, Leaf::Anchor(_)) {
            self.new_page();
        }
        if !matches!(item.leaf, Leaf::Anchor(_)) {
            self.break_before_next = false;
        }
        let gap = self.pending_after.max(item.before);
        self.set_mark(match item.leaf {
            Leaf::Rule | Leaf::Anchor(_) | Leaf::PageBreak => Mark::Artifact,
            _ => Mark::Node(item.node),
        });
        match item.leaf {
            Leaf::Anchor(id) => {
                self.pending_anchors.push(id);
                return;
            }
            Leaf::PageBreak => {
                if !self.empty {
                    self.new_page();
                }
                self.pending_after = 0.0;
                return;
            }
            Leaf::Heading { .. } => self.place_heading(index, gap),
            Leaf::Paragraph(_) | Leaf::AltText(_) => self.place_paragraph(index, gap),
            Leaf::Code(code) => self.place_code(item, code, gap),
            Leaf::Table { .. } | Leaf::KeyValue(_) => self.place_table(index, gap),
            Leaf::Rule => {
                let top = self.slot(gap, 1.0);
                let x = MARGIN_X + item.left;
                let page = self.page();
                self.draw(
                    page,
                    Draw::Line {
                        x1: x,
                        y1: top + 0.5,
                        x2: MARGIN_X + BODY_W,
                        y2: top + 0.5,
                        width: 0.75,
                        color: RULE,
                        dotted: false,
                    },
                );
                self.mark_bars(page, &item.bars, top, top + 1.0);
                self.used(top + 1.0);
            }
            Leaf::Image(image) => self.place_image(item, image, gap),
            Leaf::Drawing(d) => {
                let caption = self.caption_need(index);
                self.place_drawing(item, d, gap, caption)
            }
            Leaf::Cover {
                title,
                lines,
                logo,
                colour,
            } => self.place_cover(title, lines, logo, colour),
            Leaf::Contents { outline } => self.place_contents(outline, gap),
        }
        self.pending_after = self.flat.items[index].after;
    }

    fn width_of(item: &Item<'_>) -> f32 {
        BODY_W - item.left
    }
}
