//! Flattening: the block tree into a flat list of leaf items.

use std::collections::BTreeSet;

use crate::render::pdf::layout::document::{Block, Inline, PAGE_REF_OPEN};
use crate::render::pdf::layout::fonts::{FaceId, Fonts};
use crate::render::pdf::layout::image;
use crate::render::pdf::layout::page::{BODY_SIZE, BODY_W};
use crate::render::pdf::layout::tags::{self, NodeId, Role, Tree};
use crate::render::pdf::layout::text::Rgb;

use super::markers::{bullet_marker, number_marker};
use super::{
    Bar, Flat, Item, Leaf, Marker, OutlineSource, OutlineTitle, ACCENT, BLOCK_GAP, HEADINGS,
    ITEM_GAP, MARKER_GAP, MAX_INDENT_LEVELS, MIN_GUTTER, PARAGRAPH_GAP, QUOTE_INDENT,
};

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

/// Turns the block tree into the flat item list and the skeleton of the structure tree.
// Long: one loop over an explicit stack (no recursion: nesting depth must not
// overflow the stack); each arm is one step of the walk and hands off to a helper.
pub(super) fn flatten<'a>(fonts: &Fonts, blocks: &'a [Block]) -> Flat<'a> {
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
                        let pending = std::mem::take(markers);
                        let frame =
                            list_frame(fonts, &mut flat, &ctx, (*ordered, *start), items, pending);
                        stack.push(frame);
                    }
                    Block::Quote(inner_blocks) => {
                        quotes += 1;
                        let pending = std::mem::take(markers);
                        let frame = quote_frame(&mut flat, &ctx, quotes, inner_blocks, pending);
                        stack.push(frame);
                    }
                    _ => push_leaf(&mut flat, block, &ctx, markers),
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
                let number = start.saturating_add(*next as u64);
                *next += 1;
                let pending = std::mem::take(markers);
                let frame = list_item_frame(
                    fonts,
                    &mut flat,
                    item_blocks,
                    ctx,
                    (*ordered, number),
                    *marker_right,
                    pending,
                );
                stack.push(frame);
            }
        }
    }
    flat
}

/// The frame of a list's items: their context one level in, past the markers' gutter.
fn list_frame<'a>(
    fonts: &Fonts,
    flat: &mut Flat<'a>,
    ctx: &Ctx,
    (ordered, start): (bool, u64),
    items: &'a [Vec<Block>],
    markers: Vec<Marker>,
) -> Frame<'a> {
    let gutter = list_gutter(fonts, ctx, ordered, start, items.len());
    let mut inner = ctx.nested(gutter);
    inner.in_list = true;
    inner.parent = flat.tree.add(ctx.parent, Role::L);
    if ordered {
        inner.ordered_depth += 1;
    } else {
        inner.unordered_depth += 1;
    }
    let marker_right = inner.left - MARKER_GAP;
    Frame::List {
        items,
        next: 0,
        ordered,
        start,
        ctx: inner,
        marker_right,
        markers,
        nested: ctx.in_list,
    }
}

/// The frame of quote number `quote`: indented, with its bar (within the cap).
fn quote_frame<'a>(
    flat: &mut Flat<'a>,
    ctx: &Ctx,
    quote: u32,
    blocks: &'a [Block],
    markers: Vec<Marker>,
) -> Frame<'a> {
    let mut inner = ctx.nested(QUOTE_INDENT);
    if ctx.levels < MAX_INDENT_LEVELS {
        inner.bars.push(Bar {
            quote,
            x: ctx.left + 1.0,
        });
    }
    inner.quoted = true;
    inner.parent = flat.tree.add(ctx.parent, Role::BlockQuote);
    Frame::Blocks {
        blocks,
        next: 0,
        ctx: inner,
        markers,
        container: Some(ctx.in_list),
    }
}

/// Adds the item of a block that holds no other blocks; the markers waiting go on
/// it unless it is invisible.
fn push_leaf<'a>(flat: &mut Flat<'a>, block: &'a Block, ctx: &Ctx, markers: &mut Vec<Marker>) {
    let passes_before = flat.needs_passes;
    flat.needs_passes = false;
    let Some(leaf) = make_leaf(block, flat) else {
        return;
    };
    let page_refs = flat.needs_passes;
    flat.needs_passes |= passes_before;
    let invisible = matches!(leaf, Leaf::Anchor(_) | Leaf::PageBreak);
    let mut item = new_item(leaf, ctx);
    item.page_refs = page_refs;
    item.node = leaf_node(&mut flat.tree, block, &item.leaf, ctx.parent);
    if !invisible {
        item.markers = std::mem::take(markers);
    }
    flat.items.push(item);
}

/// The frame of one list item's blocks, its marker (numbered `number` if the list
/// is ordered) added to the markers waiting for its first line.
fn list_item_frame<'a>(
    fonts: &Fonts,
    flat: &mut Flat<'a>,
    blocks: &'a [Block],
    ctx: &Ctx,
    (ordered, number): (bool, u64),
    marker_right: f32,
    mut markers: Vec<Marker>,
) -> Frame<'a> {
    // Past the indentation cap every marker lands on the same spot:
    // keep only the innermost, not thousands drawn over each other.
    if ctx.levels > MAX_INDENT_LEVELS {
        markers.clear();
    }
    let text = if ordered {
        number_marker(number, ctx.ordered_depth)
    } else {
        bullet_marker(fonts, ctx.unordered_depth).to_string()
    };
    let entry = flat.tree.add(ctx.parent, Role::LI);
    markers.push(Marker {
        text,
        right: marker_right,
        node: flat.tree.add(entry, Role::Lbl),
    });
    let mut ctx = ctx.clone();
    ctx.parent = flat.tree.add(entry, Role::LBody);
    Frame::Blocks {
        blocks,
        next: 0,
        ctx,
        markers,
        container: None,
    }
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
    let Some((role, alt)) = block_tag(block) else {
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

/// The role (and alternative text) of a block that holds no other blocks;
/// `None` for what is not content (page breaks, anchors, rules).
fn block_tag(block: &Block) -> Option<(Role, Option<String>)> {
    Some(match block {
        Block::Heading { .. } => (Role::H(1), None),
        Block::Paragraph(_) => (Role::P, None),
        Block::Code(_) => (Role::Code, None),
        Block::Table { .. } | Block::KeyValue(_) => (Role::Table, None),
        Block::Image { alt, .. } => (Role::Figure, Some(tags::figure_alt(alt))),
        // A chart: its title and summary say what it shows.
        Block::Drawing(d) => (Role::Figure, Some(tags::figure_alt(&d.alt))),
        // The cover's title is an H1 and each of its lines a P, the contents'
        // title an H1 and its entries a TOC: both added during layout.
        Block::Cover { .. } | Block::Contents => (Role::Sect, None),
        Block::List { .. }
        | Block::Quote(_)
        | Block::Rule
        | Block::PageBreak
        | Block::Anchor(_) => return None,
    })
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
        } => heading_leaf(flat, *level, text, anchor.as_deref(), *outline),
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

/// A heading's leaf; its anchor and (if it is listed) its outline entry are noted.
fn heading_leaf<'a>(
    flat: &mut Flat<'a>,
    level: u8,
    text: &'a [Inline],
    anchor: Option<&'a str>,
    outline: bool,
) -> Leaf<'a> {
    let level = level.clamp(1, 4);
    if let Some(id) = anchor {
        flat.anchor_ids.insert(id);
    }
    flat.needs_passes |= text.iter().any(|i| i.text.contains(PAGE_REF_OPEN));
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
        anchor,
        outline,
    }
}

fn mention_pages_in_cells(cells: &[Vec<Inline>]) -> bool {
    cells
        .iter()
        .any(|cell| cell.iter().any(|i| i.text.contains(PAGE_REF_OPEN)))
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
