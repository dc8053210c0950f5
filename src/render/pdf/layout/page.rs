//! What a laid-out page is: the page's geometry and the things drawn on it; and
//! the laid-out document, the pages with their anchors, bookmarks and links.
//!
//! Below both [`super::flow`] (which places blocks on pages) and [`super::drawing`]
//! (which draws a figure inside the flow's body area), and read by the writers of
//! content streams and of the file, so that none of them imports another's internals.

use std::collections::BTreeMap;

use super::image::PdfImage;
use super::tags::{Mark, Tree};
use super::text::{Rgb, Style};

// ---- Page geometry (points; y grows downwards from the top of the page) ----

/// A4 portrait.
pub(crate) const PAGE_W: f32 = 595.276;
pub(crate) const PAGE_H: f32 = 841.89;
/// 20 mm side margins.
pub(crate) const MARGIN_X: f32 = 56.693;
/// Body text area; the header and footer furniture sit outside it.
pub(crate) const BODY_TOP: f32 = 68.0;
pub(crate) const BODY_BOTTOM: f32 = PAGE_H - 64.0;
pub(crate) const BODY_W: f32 = PAGE_W - 2.0 * MARGIN_X;
pub(crate) const BODY_H: f32 = BODY_BOTTOM - BODY_TOP;

// ---- Type and colour that layout and the page furniture share ----

/// The body text's size.
pub(crate) const BODY_SIZE: f32 = 10.0;
/// Text colour.
pub(crate) const INK: Rgb = Rgb(0x0b, 0x0c, 0x0c);
/// Secondary text (quotes, labels, the footer).
pub(crate) const MUTED: Rgb = Rgb(0x50, 0x5a, 0x5f);

/// Something drawn on a page. Coordinates are points from the top-left corner.
#[derive(Clone, Debug)]
pub(crate) enum Draw {
    /// Text with its baseline at `y`.
    Text {
        x: f32,
        y: f32,
        style: Style,
        text: String,
    },
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Rgb,
        dotted: bool,
    },
    Image {
        index: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    /// A dashed line (a drawing's marker line): `dash` is (on, off) in points.
    Dashed {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Rgb,
        dash: (f32, f32),
    },
    /// A circle outlined in `stroke` and filled with `fill`.
    Circle {
        cx: f32,
        cy: f32,
        r: f32,
        stroke: Rgb,
        fill: Rgb,
        width: f32,
    },
    /// A link annotation over this rectangle.
    Link {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        target: u32,
    },
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Page {
    pub draws: Vec<Draw>,
    /// What the draws are: from draw index `.0` on, `.1` (furniture before
    /// the first).
    pub marks: Vec<(usize, Mark)>,
}

// ---- The laid-out document ----

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
