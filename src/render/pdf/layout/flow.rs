//! Placing blocks on pages.
//!
//! Two steps. [`flatten`] walks the block tree once, without recursion (a list
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

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use super::drawing::{self, Drawing};
use super::fonts::{FaceId, Fonts};
use super::image::{self, PdfImage};
use super::page::{Draw, Page, BODY_BOTTOM, BODY_H, BODY_TOP, BODY_W, MARGIN_X};
use super::table::{self, Row, TableLayout, CELL_PAD_Y};
use super::tags::{self, Mark, NodeId, Role, Tree};
use super::text::{break_lines, push_span, Line, Rgb, Span, Style};
use super::{Block, Inline, Link, PAGE_REF_CLOSE, PAGE_REF_OPEN};

// ---- Type and colour ----

pub(crate) const BODY_SIZE: f32 = 10.0;
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

pub(crate) const INK: Rgb = Rgb(0x0b, 0x0c, 0x0c);
pub(crate) const MUTED: Rgb = Rgb(0x50, 0x5a, 0x5f);
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

// ---- Output of layout ----

/// A position in the laid-out document (page from 0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct At {
    pub page: usize,
    pub y: f32,
}

/// Where a link annotation goes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum LinkTarget {
    Anchor(String),
    /// An outline entry (contents links go here: not every heading has an anchor).
    Outline(usize),
    Uri(String),
}

/// A bookmark.
#[derive(Clone, Debug)]
pub(crate) struct OutlineEntry {
    pub level: u8,
    pub title: String,
    pub at: At,
}

/// The result of layout, ready to be written.
pub(crate) struct Document {
    pub pages: Vec<Page>,
    pub anchors: BTreeMap<String, At>,
    pub outline: Vec<OutlineEntry>,
    pub links: Vec<LinkTarget>,
    pub images: Vec<PdfImage>,
    /// The structure tree, in reading order.
    pub tree: Tree,
}

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

/// Nesting context while flattening.
#[derive(Clone, Default)]
struct Ctx {
    left: f32,
    levels: usize,
    bars: Vec<Bar>,
    quoted: bool,
    in_list: bool,
    unordered_depth: usize,
    ordered_depth: usize,
    /// The structure element that the blocks here belong to.
    parent: NodeId,
}

impl Ctx {
    /// The context one nesting level deeper, indented by `indent` unless the
    /// indentation cap is reached.
    fn nested(&self, indent: f32) -> Ctx {
        let mut ctx = self.clone();
        if self.levels < MAX_INDENT_LEVELS {
            ctx.left += indent;
        }
        ctx.levels += 1;
        ctx
    }
}

enum Frame<'a> {
    Blocks {
        blocks: &'a [Block],
        next: usize,
        ctx: Ctx,
        /// Markers waiting for the first visible leaf.
        markers: Vec<Marker>,
        /// This sequence is a whole container (a quote): space after it; the
        /// flag tells whether the container is itself inside a list.
        container: Option<bool>,
    },
    List {
        items: &'a [Vec<Block>],
        next: usize,
        ordered: bool,
        start: u64,
        /// Context of the item contents.
        ctx: Ctx,
        marker_right: f32,
        /// Markers of enclosing items whose first line is this list's first line.
        markers: Vec<Marker>,
        /// The list is inside another list.
        nested: bool,
    },
}

static EMPTY_PARAGRAPH: [Inline; 0] = [];

fn flatten<'a>(fonts: &Fonts, blocks: &'a [Block]) -> Flat<'a> {
    let mut flat = Flat {
        items: Vec::new(),
        outline: Vec::new(),
        anchor_ids: BTreeSet::new(),
        images: Vec::new(),
        needs_passes: false,
        tree: Tree::new(),
    };
    let mut quotes = 0u32;
    let mut stack = vec![Frame::Blocks {
        blocks,
        next: 0,
        ctx: Ctx::default(),
        markers: Vec::new(),
        container: None,
    }];
    while let Some(frame) = stack.last_mut() {
        match frame {
            Frame::Blocks {
                blocks,
                next,
                ctx,
                markers,
                container,
            } => {
                let Some(block) = blocks.get(*next) else {
                    // Markers that found no visible leaf still show.
                    if !markers.is_empty() {
                        let item = new_item(Leaf::Paragraph(&EMPTY_PARAGRAPH), ctx);
                        flat.items.push(Item {
                            markers: std::mem::take(markers),
                            node: flat.tree.add(ctx.parent, Role::P),
                            ..item
                        });
                    }
                    if let Some(nested) = *container {
                        end_container(&mut flat, nested);
                    }
                    stack.pop();
                    continue;
                };
                *next += 1;
                let ctx = ctx.clone();
                match block {
                    Block::List {
                        ordered,
                        start,
                        items,
                    } => {
                        let gutter = list_gutter(fonts, &ctx, *ordered, *start, items.len());
                        let mut inner = ctx.nested(gutter);
                        inner.in_list = true;
                        inner.parent = flat.tree.add(ctx.parent, Role::L);
                        if *ordered {
                            inner.ordered_depth += 1;
                        } else {
                            inner.unordered_depth += 1;
                        }
                        let marker_right = inner.left - MARKER_GAP;
                        let pending = std::mem::take(markers);
                        stack.push(Frame::List {
                            items,
                            next: 0,
                            ordered: *ordered,
                            start: *start,
                            ctx: inner,
                            marker_right,
                            markers: pending,
                            nested: ctx.in_list,
                        });
                    }
                    Block::Quote(inner_blocks) => {
                        quotes += 1;
                        let mut inner = ctx.nested(QUOTE_INDENT);
                        if ctx.levels < MAX_INDENT_LEVELS {
                            inner.bars.push(Bar {
                                quote: quotes,
                                x: ctx.left + 1.0,
                            });
                        }
                        inner.quoted = true;
                        inner.parent = flat.tree.add(ctx.parent, Role::BlockQuote);
                        let pending = std::mem::take(markers);
                        stack.push(Frame::Blocks {
                            blocks: inner_blocks,
                            next: 0,
                            ctx: inner,
                            markers: pending,
                            container: Some(ctx.in_list),
                        });
                    }
                    _ => {
                        let passes_before = flat.needs_passes;
                        flat.needs_passes = false;
                        let Some(leaf) = make_leaf(block, &mut flat) else {
                            continue;
                        };
                        let page_refs = flat.needs_passes;
                        flat.needs_passes |= passes_before;
                        let invisible = matches!(leaf, Leaf::Anchor(_) | Leaf::PageBreak);
                        let mut item = new_item(leaf, &ctx);
                        item.page_refs = page_refs;
                        item.node = leaf_node(&mut flat.tree, block, &item.leaf, ctx.parent);
                        if !invisible {
                            item.markers = std::mem::take(markers);
                        }
                        flat.items.push(item);
                    }
                }
            }
            Frame::List {
                items,
                next,
                ordered,
                start,
                ctx,
                marker_right,
                markers,
                nested,
            } => {
                let Some(item_blocks) = items.get(*next) else {
                    end_container(&mut flat, *nested);
                    stack.pop();
                    continue;
                };
                let index = *next as u64;
                *next += 1;
                let mut item_markers = std::mem::take(markers);
                // Past the indentation cap every marker lands on the same spot:
                // keep only the innermost, not thousands drawn over each other.
                if ctx.levels > MAX_INDENT_LEVELS {
                    item_markers.clear();
                }
                let text = if *ordered {
                    number_marker(start.saturating_add(index), ctx.ordered_depth)
                } else {
                    bullet_marker(fonts, ctx.unordered_depth).to_string()
                };
                let entry = flat.tree.add(ctx.parent, Role::LI);
                item_markers.push(Marker {
                    text,
                    right: *marker_right,
                    node: flat.tree.add(entry, Role::Lbl),
                });
                let mut ctx = ctx.clone();
                ctx.parent = flat.tree.add(entry, Role::LBody);
                stack.push(Frame::Blocks {
                    blocks: item_blocks,
                    next: 0,
                    ctx,
                    markers: item_markers,
                    container: None,
                });
            }
        }
    }
    flat
}

/// A list or quote ended: leave a block's worth of space after it (or an
/// item's, if it ended inside an enclosing list).
fn end_container(flat: &mut Flat<'_>, nested: bool) {
    if let Some(last) = flat.items.last_mut() {
        last.after = last
            .after
            .max(if nested { ITEM_GAP } else { PARAGRAPH_GAP });
    }
}

fn new_item<'a>(leaf: Leaf<'a>, ctx: &Ctx) -> Item<'a> {
    let (before, after) = match &leaf {
        Leaf::Heading { level, .. } => {
            let (_, before, after) = HEADINGS[*level - 1];
            (before, after)
        }
        Leaf::Paragraph(_) | Leaf::AltText(_) => {
            (0.0, if ctx.in_list { ITEM_GAP } else { PARAGRAPH_GAP })
        }
        Leaf::Code(_) => (
            2.0,
            if ctx.in_list {
                ITEM_GAP + 2.0
            } else {
                BLOCK_GAP
            },
        ),
        Leaf::Table { .. } | Leaf::KeyValue(_) => (4.0, BLOCK_GAP),
        Leaf::Rule => (BLOCK_GAP, BLOCK_GAP),
        Leaf::Image(_) | Leaf::Drawing(_) => (4.0, BLOCK_GAP),
        Leaf::Contents { .. } => (0.0, BLOCK_GAP),
        Leaf::PageBreak | Leaf::Anchor(_) | Leaf::Cover { .. } => (0.0, 0.0),
    };
    Item {
        leaf,
        node: ctx.parent,
        left: ctx.left,
        markers: Vec::new(),
        bars: ctx.bars.clone(),
        quoted: ctx.quoted,
        page_refs: false,
        before,
        after,
    }
}

/// The structure element of a leaf block, added under `parent` (`parent`
/// itself for a block that is not content).
fn leaf_node(tree: &mut Tree, block: &Block, leaf: &Leaf<'_>, parent: NodeId) -> NodeId {
    let Some((role, alt)) = tags::block_tag(block) else {
        return parent;
    };
    // An image that cannot be shown is shown as its text: a paragraph.
    let (role, alt) = match leaf {
        Leaf::AltText(_) => (Role::P, None),
        _ => (role, alt),
    };
    let role = match block {
        Block::Heading { level, .. } => Role::H(tree.heading_level(*level)),
        Block::Cover { .. } | Block::Contents => {
            tree.top_heading();
            role
        }
        _ => role,
    };
    let node = tree.add(parent, role);
    tree.nodes[node as usize].alt = alt;
    node
}

/// The leaf for a block that is not a container (`None` for lists and quotes),
/// noting anchors, outline entries, images and page references in `flat`.
fn make_leaf<'a>(block: &'a Block, flat: &mut Flat<'a>) -> Option<Leaf<'a>> {
    let mention_pages = |inlines: &[Inline]| inlines.iter().any(|i| i.text.contains(PAGE_REF_OPEN));
    Some(match block {
        Block::Heading {
            level,
            text,
            anchor,
            outline,
        } => {
            let level = (*level).clamp(1, 4);
            if let Some(id) = anchor {
                flat.anchor_ids.insert(id);
            }
            flat.needs_passes |= mention_pages(text);
            let outline = outline.then(|| {
                flat.outline.push(OutlineSource {
                    level,
                    title: OutlineTitle::Heading(text),
                    in_contents: true,
                });
                flat.outline.len() - 1
            });
            Leaf::Heading {
                level: usize::from(level),
                text,
                anchor: anchor.as_deref(),
                outline,
            }
        }
        Block::Paragraph(text) => {
            flat.needs_passes |= mention_pages(text);
            Leaf::Paragraph(text)
        }
        Block::Code(code) => Leaf::Code(code),
        Block::Table { header, rows } => {
            flat.needs_passes |= mention_pages_in_cells(header)
                || rows.iter().any(|row| mention_pages_in_cells(row));
            Leaf::Table { header, rows }
        }
        Block::KeyValue(pairs) => {
            flat.needs_passes |= pairs.iter().any(|(_, value)| mention_pages(value));
            Leaf::KeyValue(pairs)
        }
        Block::Rule => Leaf::Rule,
        Block::PageBreak => Leaf::PageBreak,
        Block::Anchor(id) => {
            flat.anchor_ids.insert(id);
            Leaf::Anchor(id)
        }
        Block::Image { data, alt } => match image::decode(data) {
            Some(decoded) => {
                flat.images.push(decoded);
                Leaf::Image(flat.images.len() - 1)
            }
            None => Leaf::AltText(alt),
        },
        Block::Drawing(d) => Leaf::Drawing(d),
        Block::Cover {
            title,
            lines,
            logo,
            colour,
        } => {
            // A logo that cannot be decoded is left off: the cover names the
            // organisation in words anyway.
            let logo = logo.as_ref().and_then(|l| {
                let decoded = image::decode(&l.data)?;
                flat.images.push(decoded);
                Some((flat.images.len() - 1, l.alt.as_str()))
            });
            Leaf::Cover {
                title,
                lines,
                logo,
                colour: colour.map_or(ACCENT, |[r, g, b]| Rgb(r, g, b)),
            }
        }
        Block::Contents => {
            flat.needs_passes = true;
            flat.outline.push(OutlineSource {
                level: 1,
                title: OutlineTitle::Contents,
                in_contents: false,
            });
            Leaf::Contents {
                outline: flat.outline.len() - 1,
            }
        }
        // Containers are handled by `flatten` itself.
        Block::List { .. } | Block::Quote(_) => return None,
    })
}

fn mention_pages_in_cells(cells: &[Vec<Inline>]) -> bool {
    cells
        .iter()
        .any(|cell| cell.iter().any(|i| i.text.contains(PAGE_REF_OPEN)))
}

/// The room a table needs where it starts: all of a short one, else its header and
/// first row (or that row's first line, if the row is taller than a page). A heading
/// before the table keeps with exactly this much, so the two are never parted.
fn first_need(layout: &TableLayout) -> f32 {
    let header_h = layout.header.as_ref().map_or(0.0, |r| r.height);
    let first_h = layout.rows.first().map_or(0.0, |r| r.height);
    let total = header_h + layout.rows.iter().map(|r| r.height).sum::<f32>();
    if total <= BODY_H / 3.0 {
        // A short table (a summary list, say) is not split at all.
        total
    } else if first_h + header_h <= BODY_H {
        // Never a header alone: it needs at least the first row below it…
        header_h + first_h
    } else {
        // …or, if that row is taller than a page, its first line.
        let first_line = layout.rows.first().map_or(0.0, |row| {
            row.cells
                .iter()
                .filter_map(|c| c.first().map(table::line_height))
                .fold(0.0f32, f32::max)
        });
        header_h + first_line + 2.0 * CELL_PAD_Y
    }
}

/// Width reserved for list markers: the widest number of the list (so numbers
/// align on their right edge), at least `MIN_GUTTER`, at most a third of the
/// room left.
fn list_gutter(fonts: &Fonts, ctx: &Ctx, ordered: bool, start: u64, count: usize) -> f32 {
    let face = fonts.face(FaceId::Regular);
    let widest = if ordered {
        let depth = ctx.ordered_depth + 1;
        (0..count as u64)
            .map(|i| face.text_width(&number_marker(start.saturating_add(i), depth), BODY_SIZE))
            .fold(0.0f32, f32::max)
    } else {
        0.0
    };
    (widest + MARKER_GAP + 2.0)
        .max(MIN_GUTTER)
        .min(((BODY_W - ctx.left) / 3.0).max(MIN_GUTTER))
}

/// Bullets alternate by nesting depth (1-based), falling back to `•` or `-`
/// when the face lacks a glyph.
fn bullet_marker(fonts: &Fonts, depth: usize) -> char {
    let wanted = ['\u{2022}', '\u{25E6}', '\u{25AA}'][(depth.max(1) - 1) % 3];
    let face = fonts.face(FaceId::Regular);
    [wanted, '\u{2022}', '-']
        .into_iter()
        .find(|&c| face.has_glyph(c))
        .unwrap_or('-')
}

/// Numbers by ordered-list depth: 1. → a. → i. → 1. …
fn number_marker(n: u64, depth: usize) -> String {
    match (depth.max(1) - 1) % 3 {
        1 if n >= 1 => format!("{}.", alphabetic(n)),
        2 if (1..4000).contains(&n) => format!("{}.", roman(n)),
        _ => format!("{n}."),
    }
}

/// 1 → a, 26 → z, 27 → aa (bijective base 26).
pub(super) fn alphabetic(mut n: u64) -> String {
    let mut letters = Vec::new();
    while n > 0 {
        n -= 1;
        letters.push(b'a' + (n % 26) as u8);
        n /= 26;
    }
    letters.iter().rev().map(|&b| char::from(b)).collect()
}

pub(super) fn roman(mut n: u64) -> String {
    const NUMERALS: [(u64, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for (value, numeral) in NUMERALS {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
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
    fn plain_text(&self, inlines: &[Inline]) -> String {
        let joined: String = inlines
            .iter()
            .map(|i| self.fill_page_refs(&i.text))
            .collect();
        joined.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn spans(&mut self, inlines: &[Inline], base: TextBase) -> Vec<Span> {
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
    fn add_link(&mut self, target: LinkTarget) -> u32 {
        if let Some(&n) = self.memo.link_numbers.get(&target) {
            return n;
        }
        let n = self.memo.links.len() as u32;
        self.memo.links.push(target.clone());
        self.memo.link_numbers.insert(target, n);
        n
    }

    fn plain_span(&self, text: &str, style: Style) -> Vec<Span> {
        let mut spans = Vec::new();
        push_span(self.fonts, &mut spans, text, style);
        spans
    }

    /// Draws a set line whose box starts at (`x`, `top`) and is `height` tall.
    fn draw_line(&mut self, page: usize, line: &Line, x: f32, top: f32, height: f32) {
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

    fn draw_markers(&mut self, page: usize, item: &Item<'_>, top: f32, line_height: f32) {
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
    fn place_lines(
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
    fn prepared(&mut self, index: usize) -> Rc<Prepared> {
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

    fn line_heights(lines: &[Line], leading: f32) -> Vec<f32> {
        lines.iter().map(|l| l.size * leading).collect()
    }

    /// Height of the first part of item `index` that must share a page with a
    /// heading before it (the first lines, the header and first row, …).
    fn lead_height(&mut self, index: usize, depth: usize) -> f32 {
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

    fn place_heading(&mut self, index: usize, gap: f32) {
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

    fn draw_chunks(&mut self, chunks: &[Chunk], lines: &[Line], heights: &[f32], x: f32) {
        for chunk in chunks {
            let mut top = chunk.top;
            for i in chunk.start..chunk.end {
                self.draw_line(chunk.page, &lines[i], x, top, heights[i]);
                top += heights[i];
            }
        }
    }

    fn place_paragraph(&mut self, index: usize, gap: f32) {
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

    fn place_code(&mut self, item: &Item<'_>, code: &str, gap: f32) {
        let face = self.fonts.face(FaceId::Mono);
        let inner = Self::width_of(item) - 2.0 * CODE_PAD;
        let char_w = face.char_width('0', CODE_SIZE).max(0.1);
        let per_line = ((inner / char_w).floor() as usize).max(1);
        let mut lines: Vec<String> = Vec::new();
        // Whether each line ends a source line.
        let mut ends: Vec<bool> = Vec::new();
        let code = code.strip_suffix('\n').unwrap_or(code);
        for source in code.split('\n') {
            // Expand tabs to the next multiple of four columns.
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
                        .map(|span| super::text::Frag {
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

    fn table_layout(&mut self, index: usize) -> TableLayout {
        let item = &self.flat.items[index];
        let avail = Self::width_of(item);
        let quoted = item.quoted;
        let ink = if quoted { MUTED } else { INK };
        match item.leaf {
            Leaf::Table { header, rows } => {
                let columns = rows
                    .iter()
                    .map(Vec::len)
                    .chain(std::iter::once(header.len()))
                    .max()
                    .unwrap_or(0);
                let head_base = TextBase {
                    size: TABLE_SIZE,
                    bold: true,
                    italic: false,
                    color: ink,
                };
                let body_base = TextBase {
                    bold: false,
                    ..head_base
                };
                let header: Vec<Vec<Span>> =
                    header.iter().map(|c| self.spans(c, head_base)).collect();
                let body: Vec<Vec<Vec<Span>>> = rows
                    .iter()
                    .map(|row| row.iter().map(|c| self.spans(c, body_base)).collect())
                    .collect();
                let mut all: Vec<&[Vec<Span>]> = Vec::with_capacity(body.len() + 1);
                if !header.is_empty() {
                    all.push(&header);
                }
                all.extend(body.iter().map(Vec::as_slice));
                let widths = table::column_widths(self.fonts, &all, columns, avail);
                let mut layout = TableLayout::new(widths);
                if !header.is_empty() {
                    layout.header = Some(table::layout_row(self.fonts, &header, &layout));
                }
                layout.rows = body
                    .iter()
                    .map(|row| table::layout_row(self.fonts, row, &layout))
                    .collect();
                layout
            }
            Leaf::KeyValue(pairs) => {
                let key_style = Style::new(FaceId::Bold, BODY_SIZE, ink);
                let value_base = TextBase {
                    size: BODY_SIZE,
                    bold: false,
                    italic: false,
                    color: ink,
                };
                let rows: Vec<Vec<Vec<Span>>> = pairs
                    .iter()
                    .map(|(key, value)| {
                        vec![
                            self.plain_span(key, key_style),
                            self.spans(value, value_base),
                        ]
                    })
                    .collect();
                let key_face = self.fonts.face(FaceId::Bold);
                let widest_key = pairs
                    .iter()
                    .map(|(key, _)| key_face.text_width(key, BODY_SIZE))
                    .fold(0.0f32, f32::max);
                let key_w = (widest_key + 2.0 * table::CELL_PAD_X + 8.0)
                    .min(avail * 0.35)
                    .max(avail.min(60.0));
                let mut layout = TableLayout::new(vec![key_w, (avail - key_w).max(1.0)]);
                layout.rows = rows
                    .iter()
                    .map(|row| table::layout_row(self.fonts, row, &layout))
                    .collect();
                layout
            }
            _ => TableLayout::new(Vec::new()),
        }
    }

    fn place_table(&mut self, index: usize, gap: f32) {
        let prepared = self.prepared(index);
        let Prepared::Table(layout) = &*prepared else {
            return;
        };
        let item = &self.flat.items[index];
        if layout.col_w.is_empty() || (layout.rows.is_empty() && layout.header.is_none()) {
            return;
        }
        let x = MARGIN_X + item.left;
        let bars = item.bars.clone();
        let header_h = layout.header.as_ref().map_or(0.0, |r| r.height);
        let mut top = self.slot(gap, first_need(layout));
        let (marker_page, marker_top) = (self.page(), top);
        // Table > THead > TR > TH (scope column), then TBody > TR > TD (a
        // key-value list's keys are TH with scope row). A header with no rows
        // under it goes in the TBody: a THead needs one.
        let columns = layout.col_w.len();
        let key_value = matches!(item.leaf, Leaf::KeyValue(_));
        let head = layout.header.as_ref().map(|_| {
            let section = self.add_node(if layout.rows.is_empty() {
                Role::TBody
            } else {
                Role::THead
            });
            Self::row_nodes(&mut self.tree, section, columns, |_| Role::TH {
                column: true,
            })
        });
        let body = self.add_node(Role::TBody);
        if let Some(header) = &layout.header {
            self.draw_row(layout, header, x, top, None, true, head.as_deref());
            top += header_h;
        }
        self.used(top);
        for row in &layout.rows {
            let cells = Self::row_nodes(&mut self.tree, body, columns, |col| {
                if key_value && col == 0 {
                    Role::TH { column: false }
                } else {
                    Role::TD
                }
            });
            if self.y + row.height > BODY_BOTTOM + 0.01 && row.height + header_h <= BODY_H {
                self.continue_table(layout, x, &bars);
            }
            if self.y + row.height <= BODY_BOTTOM + 0.01 {
                let top = self.y;
                self.draw_row(layout, row, x, top, None, false, Some(&cells));
                self.mark_bars(self.page(), &bars, top, top + row.height);
                self.used(top + row.height);
                continue;
            }
            // Taller than a page: split between lines, cell by cell.
            let mut from = vec![0usize; row.cells.len()];
            loop {
                let room = BODY_BOTTOM - self.y - 2.0 * CELL_PAD_Y;
                let mut to = from.clone();
                let mut used = 0.0f32;
                for (col, cell) in row.cells.iter().enumerate() {
                    let mut h = 0.0;
                    while to[col] < cell.len() && h + table::line_height(&cell[to[col]]) <= room {
                        h += table::line_height(&cell[to[col]]);
                        to[col] += 1;
                    }
                    used = used.max(h);
                }
                let progress = to != from;
                if !progress && !self.empty {
                    self.continue_table(layout, x, &bars);
                    continue;
                }
                if !progress {
                    // Not even one line fits on an empty page: force one.
                    for (col, cell) in row.cells.iter().enumerate() {
                        if to[col] < cell.len() {
                            used = used.max(table::line_height(&cell[to[col]]));
                            to[col] += 1;
                        }
                    }
                }
                let top = self.y;
                let height = used + 2.0 * CELL_PAD_Y;
                let part = Some((&from[..], &to[..], height));
                self.draw_row(layout, row, x, top, part, false, Some(&cells));
                self.mark_bars(self.page(), &bars, top, top + height);
                self.used(top + height);
                from = to;
                if from.iter().zip(&row.cells).all(|(f, c)| *f >= c.len()) {
                    break;
                }
                self.continue_table(layout, x, &bars);
            }
        }
        let item = &self.flat.items[index];
        if !item.markers.is_empty() {
            // Markers beside a table go level with its first line.
            let line_h = TABLE_SIZE * table::TABLE_LEADING;
            self.draw_markers(marker_page, item, marker_top + CELL_PAD_Y, line_h);
        }
    }

    /// A table row's element with one cell element per column.
    fn row_nodes(
        tree: &mut Tree,
        section: NodeId,
        columns: usize,
        role: impl Fn(usize) -> Role,
    ) -> Vec<NodeId> {
        let row = tree.add(section, Role::TR);
        (0..columns).map(|col| tree.add(row, role(col))).collect()
    }

    /// Starts a continuation page of a table with its header repeated (as
    /// furniture: it was read once already).
    fn continue_table(&mut self, layout: &TableLayout, x: f32, bars: &[Bar]) {
        self.new_page();
        if let Some(header) = &layout.header {
            let top = self.y;
            self.draw_row(layout, header, x, top, None, true, None);
            self.mark_bars(self.page(), bars, top, top + header.height);
            self.used(top + header.height);
        }
    }

    /// Draws a row (or, with `part`, lines `from..to` of each cell in a box of
    /// the given height) with its top at `top`, each cell's text as the
    /// element in `cells` (furniture without).
    #[allow(clippy::too_many_arguments)]
    fn draw_row(
        &mut self,
        layout: &TableLayout,
        row: &Row,
        x: f32,
        top: f32,
        part: Option<(&[usize], &[usize], f32)>,
        header: bool,
        cells: Option<&[NodeId]>,
    ) {
        let page = self.page();
        let height = part.map_or(row.height, |p| p.2);
        let base = self.set_mark(Mark::Artifact);
        if header {
            self.draw(
                page,
                Draw::Fill {
                    x,
                    y: top,
                    w: layout.width,
                    h: height,
                    color: FILL,
                },
            );
        }
        for (col, cell) in row.cells.iter().enumerate() {
            let (from, to) = match part {
                Some((from, to, _)) => (from[col], to[col]),
                None => (0, cell.len()),
            };
            let cx = x + layout.col_x[col] + layout.pad_x[col];
            let mut ty = top + CELL_PAD_Y;
            self.set_mark(match cells.and_then(|c| c.get(col)) {
                Some(&node) => Mark::Node(node),
                None => Mark::Artifact,
            });
            for line in &cell[from..to] {
                let lh = table::line_height(line);
                self.draw_line(page, line, cx, ty, lh);
                ty += lh;
            }
        }
        self.set_mark(Mark::Artifact);
        let (width, color) = if header { (0.9, MUTED) } else { (0.4, RULE) };
        self.draw(
            page,
            Draw::Line {
                x1: x,
                y1: top + height,
                x2: x + layout.width,
                y2: top + height,
                width,
                color,
                dotted: false,
            },
        );
        self.set_mark(base);
    }

    /// Natural size at 96 dpi, scaled down to fit the width and most of a page.
    fn image_size(&self, item: &Item<'_>, image: usize) -> (f32, f32) {
        let Some(img) = self.flat.images.get(image) else {
            return (0.0, 0.0);
        };
        let (w, h) = (img.width as f32 * 0.75, img.height as f32 * 0.75);
        let scale = (Self::width_of(item) / w).min(BODY_H * 0.85 / h).min(1.0);
        (w * scale, h * scale)
    }

    fn place_image(&mut self, item: &Item<'_>, image: usize, gap: f32) {
        let (w, h) = self.image_size(item, image);
        let top = self.slot(gap, h);
        let page = self.page();
        let x = MARGIN_X + item.left;
        self.draw(
            page,
            Draw::Image {
                index: image,
                x,
                y: top,
                w,
                h,
            },
        );
        self.mark_bars(page, &item.bars, top, top + h);
        self.used(top + h);
    }

    /// A drawing scaled to the text width, moved whole to the next page if it
    /// does not fit on this one.
    /// A drawing's summary follows it onto the page: the space the first lines of the
    /// paragraph after drawing `index` need, so a chart never ends a page alone.
    fn caption_need(&mut self, index: usize) -> f32 {
        let Some(next) = self.flat.items.get(index + 1) else {
            return 0.0;
        };
        if !matches!(next.leaf, Leaf::Paragraph(_)) {
            return 0.0;
        }
        let gap = self.flat.items[index].after.max(next.before);
        gap + self.lead_height(index + 1, 3)
    }

    fn place_drawing(&mut self, item: &Item<'_>, d: &Drawing, gap: f32, caption: f32) {
        let scale = drawing::scale(d, Self::width_of(item));
        let h = d.height * scale;
        let top = self.slot(gap, h + caption);
        let page = self.page();
        for draw in drawing::draws(self.fonts, d, MARGIN_X + item.left, top, scale) {
            self.draw(page, draw);
        }
        self.mark_bars(page, &item.bars, top, top + h);
        self.used(top + h);
    }

    fn place_cover(
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
        // The logo above the band, at most 60 pt high and half the width: a figure
        // of the cover's section, read before its title.
        if let Some((index, alt)) = logo {
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
        self.set_mark(section);
        self.break_before_next = true;
        self.pending_after = 0.0;
    }

    fn place_contents(&mut self, own_outline: usize, gap: f32) {
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

        let number_face = self.fonts.face(FaceId::Regular);
        let right = MARGIN_X + BODY_W;
        let mut gap = HEADINGS[0].2;
        for (entry, source) in self.flat.outline.iter().enumerate() {
            if !source.in_contents {
                continue;
            }
            let OutlineTitle::Heading(text) = source.title else {
                continue;
            };
            let level = usize::from(source.level.clamp(1, 4));
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
            gap = 0.5;
            let x = MARGIN_X + indent;
            self.draw_chunks(&chunks, &lines, &heights, x);
            let (Some(first), Some(last_chunk)) = (chunks.first(), chunks.last()) else {
                continue;
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
            let number_w = number_face.text_width(&number, BODY_SIZE);
            let page = last_chunk.page;
            let lead_from = x + lines[last].width + 6.0;
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
        self.set_mark(section);
    }
}
