//! PDF layout engine: turns a list of document blocks (headings, paragraphs,
//! lists, tables, …) into a typeset A4 PDF with page furniture, a contents page,
//! bookmarks and working links.
//!
//! printpdf writes the PDF objects (fonts, images, pages, annotations);
//! everything about where text goes is decided here:
//!
//! - `fonts` parses the embedded faces once and measures characters;
//! - `text` breaks styled runs into lines at Unicode break opportunities;
//! - `flow` places blocks on pages (keeping headings with what follows, never
//!   splitting a table row through a line, repeating table headers): it
//!   flattens the block tree into leaf items, then one file per kind of thing
//!   laid out (inline text, paragraphs, tables, code, figures, cover, contents);
//! - `page` is what a laid-out page is: its geometry and what is drawn on it
//!   (read by `flow`, `drawing`, `content` and `writer`);
//! - `table` sizes table columns from their content;
//! - `image` turns PNG and JPEG files into PDF image objects without decoding
//!   them where PDF can take them as they are;
//! - `subset` cuts the embedded fonts down to the glyphs used;
//! - `content` writes the page content streams, every part of them marked
//!   as content of a structure element or as furniture;
//! - `tags` is the structure tree that makes a pack a tagged PDF (PDF/UA-1):
//!   headings, paragraphs, lists, tables, links, figures, the contents;
//! - `writer` stamps the marking and "Page N of M" on every page and writes the
//!   PDF: metadata, nested bookmarks, link annotations, and a content-derived
//!   `/ID` so the same input always gives the same bytes;
//! - `xref` is the file's structure once its objects are written: object
//!   streams, the cross-reference stream, stream compression and the `/ID`.
//!
//! Layout runs more than once when the document has a [`Block::Contents`] or
//! page references (`{{page:ANCHOR}}`, see [`Inline::page_of`]): each pass uses
//! the page numbers the previous one found, until they stop changing.
//!
//! Fonts are parsed once and shared by every render (in parallel too):
//!
//! ```text
//! let fonts = Fonts::load(&FontFiles {
//!     regular: include_bytes!("…/themes/default/fonts/LiberationSans-Regular.ttf"),
//!     bold: include_bytes!("…/LiberationSans-Bold.ttf"),
//!     italic: include_bytes!("…/LiberationSans-Italic.ttf"),
//!     bold_italic: include_bytes!("…/LiberationSans-BoldItalic.ttf"),
//!     mono: include_bytes!("…/LiberationMono-Regular.ttf"),
//! })?;
//! let info = DocInfo::new("Evidence pack", "Example Council", "OFFICIAL", (2025, 3, 31));
//! let pdf = render(&info, &fonts, &[Block::Paragraph(vec![Inline::plain("Hello.")])])?;
//! ```

mod content;
mod drawing;
mod flow;
mod fonts;
mod image;
mod page;
mod subset;
mod table;
mod tags;
mod text;
mod writer;
mod xref;

#[cfg(test)]
mod tests_layout;
#[cfg(test)]
mod tests_pdf;
#[cfg(test)]
mod tests_tags;

use std::collections::BTreeMap;

pub use drawing::{Drawing, Shape, TextAnchor};
pub use fonts::{FontFiles, Fonts};

/// Document-level facts: metadata and the page furniture.
#[derive(Clone, Debug)]
pub struct DocInfo {
    /// Document title (metadata, and the footer's left-hand text).
    pub title: String,
    /// Author metadata, e.g. the organisation.
    pub author: String,
    /// Subject metadata.
    pub subject: String,
    /// Natural language of the text, e.g. `en-GB` (the catalog's `/Lang`).
    pub lang: String,
    /// Creation and modification date (year, month, day), written as 00:00 UTC.
    pub date: (i32, u8, u8),
    /// Protective marking, e.g. `OFFICIAL`, printed centred at the top and bottom
    /// of every page. Empty for none.
    pub marking: String,
}

impl DocInfo {
    /// Metadata with the subject empty and the language `en-GB`.
    pub fn new(title: &str, author: &str, marking: &str, date: (i32, u8, u8)) -> DocInfo {
        DocInfo {
            title: title.to_string(),
            author: author.to_string(),
            subject: String::new(),
            lang: "en-GB".to_string(),
            date,
            marking: marking.to_string(),
        }
    }
}

/// A block of the document, laid out top to bottom.
#[derive(Clone, Debug)]
pub enum Block {
    /// A heading, level 1 (largest) to 4; other levels are clamped.
    Heading {
        level: u8,
        text: Vec<Inline>,
        /// Anchor id that links can point at.
        anchor: Option<String>,
        /// Listed in the bookmarks and the contents.
        outline: bool,
    },
    Paragraph(Vec<Inline>),
    /// A bulleted or numbered list. Each item is a list of blocks; a nested list
    /// is a `List` inside an item. Numbering starts at `start`.
    List {
        ordered: bool,
        start: u64,
        items: Vec<Vec<Block>>,
    },
    /// A block quote: indented, with a bar down its left side.
    Quote(Vec<Block>),
    /// Preformatted text in the monospaced face; over-long lines wrap.
    Code(String),
    /// A table; rows may be shorter or longer than the header (missing cells are
    /// empty). The header row repeats at the top of each continuation page.
    Table {
        header: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    /// A two-column summary list: bold key, value.
    KeyValue(Vec<(String, Vec<Inline>)>),
    /// A thin horizontal rule.
    Rule,
    /// Starts a new page (ignored at the top of an empty page).
    PageBreak,
    /// An invisible link target at the current position.
    Anchor(String),
    /// A PNG or JPEG image, scaled to fit the page; if it cannot be decoded, its
    /// alternative text is shown in italics instead.
    Image {
        data: Vec<u8>,
        alt: String,
    },
    /// A vector drawing (a chart) scaled to the text width and never split
    /// across pages; its `alt` is what it shows in words.
    Drawing(Drawing),
    /// A cover page: the logo (if any) at the top, a band and the large title in
    /// the accent colour (or `colour`), then label/value lines. Starts on a page
    /// of its own and is always followed by a page break.
    Cover {
        title: String,
        lines: Vec<(String, String)>,
        /// The organisation's logo, tagged as a figure with its alternative text.
        logo: Option<Logo>,
        /// The band's and title's colour (sRGB); it must keep AA contrast on white.
        colour: Option<[u8; 3]>,
    },
    /// The table of contents: every outline heading with its page number.
    Contents,
}

/// A PNG or JPEG logo and what it shows in words.
#[derive(Clone, Debug)]
pub struct Logo {
    pub data: Vec<u8>,
    pub alt: String,
}

/// A run of text in one style.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inline {
    /// The text. `{{page:ANCHOR}}` anywhere in it is replaced by the number of
    /// the page the anchor is on (`?` if there is no such anchor).
    pub text: String,
    pub bold: bool,
    pub italic: bool,
    /// Monospaced (inline code).
    pub code: bool,
    pub link: Option<Link>,
    /// Never broken across lines (IDs), unless wider than a whole line.
    pub nobreak: bool,
}

impl Inline {
    /// Plain text.
    pub fn plain(text: impl Into<String>) -> Inline {
        Inline {
            text: text.into(),
            ..Inline::default()
        }
    }

    /// Bold text.
    pub fn bold(text: impl Into<String>) -> Inline {
        Inline {
            bold: true,
            ..Inline::plain(text)
        }
    }

    /// Italic text.
    pub fn italic(text: impl Into<String>) -> Inline {
        Inline {
            italic: true,
            ..Inline::plain(text)
        }
    }

    /// A record ID: plain text that a line never ends inside.
    pub fn id(text: impl Into<String>) -> Inline {
        Inline {
            nobreak: true,
            ..Inline::plain(text)
        }
    }

    /// Inline code.
    pub fn code(text: impl Into<String>) -> Inline {
        Inline {
            code: true,
            ..Inline::plain(text)
        }
    }

    /// A link.
    pub fn link(text: impl Into<String>, link: Link) -> Inline {
        Inline {
            link: Some(link),
            ..Inline::plain(text)
        }
    }

    /// The page number of `anchor`, filled in by layout, as a link to it.
    /// Use it for cross references: `[link("EV-001"), plain(" (p. "), page_of("EV-001"), plain(")")]`.
    pub fn page_of(anchor: &str) -> Inline {
        Inline::link(page_ref(anchor), Link::Internal(anchor.to_string()))
    }
}

/// The marker text that layout replaces with the page number of `anchor`.
pub fn page_ref(anchor: &str) -> String {
    format!("{PAGE_REF_OPEN}{anchor}{PAGE_REF_CLOSE}")
}

pub(crate) const PAGE_REF_OPEN: &str = "{{page:";
pub(crate) const PAGE_REF_CLOSE: &str = "}}";

/// Where a link goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// An anchor id in this document (a heading's `anchor` or a [`Block::Anchor`]).
    Internal(String),
    /// A URL.
    External(String),
}

/// A rendered document with what layout learned about it.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// The PDF file.
    pub pdf: Vec<u8>,
    /// Number of pages.
    pub pages: usize,
    /// Page number (from 1) of every anchor.
    pub anchors: BTreeMap<String, usize>,
}

/// Lays out `blocks` and writes the PDF.
///
/// Never panics on odd input (empty documents, ragged or empty tables, huge
/// words, deep nesting); fails only if the PDF cannot be written.
pub fn render(info: &DocInfo, fonts: &Fonts, blocks: &[Block]) -> Result<Vec<u8>, String> {
    render_detailed(info, fonts, blocks).map(|r| r.pdf)
}

/// Like [`render`], also returning the page count and every anchor's page.
pub fn render_detailed(
    info: &DocInfo,
    fonts: &Fonts,
    blocks: &[Block],
) -> Result<Rendered, String> {
    let doc = flow::layout_document(fonts, blocks);
    let anchors = doc
        .anchors
        .iter()
        .map(|(id, at)| (id.clone(), at.page + 1))
        .collect();
    let pages = doc.pages.len();
    let pdf = writer::write_pdf(info, fonts, doc)?;
    Ok(Rendered {
        pdf,
        pages,
        anchors,
    })
}
