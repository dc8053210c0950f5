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
//! - `page` is what a laid-out page and document are: the geometry, what is
//!   drawn, anchors, bookmarks and links (made by `flow`, read by `drawing`,
//!   `content` and `writer`);
//! - `table` sizes table columns from their content;
//! - `image` turns PNG and JPEG files into PDF image objects without decoding
//!   them where PDF can take them as they are;
//! - `subset` cuts the embedded fonts down to the glyphs used;
//! - `content` writes the page content streams, every part of them marked
//!   as content of a structure element or as furniture;
//! - `tags` is the structure tree that makes a pack a tagged PDF (PDF/UA-1):
//!   headings, paragraphs, lists, tables, links, figures, the contents;
//! - `document` is what layout takes in: the blocks, their inline text and
//!   the document's facts;
//! - `furniture` stamps the marking and "Page N of M" on every page once the
//!   page count is known;
//! - `writer` writes the PDF from the laid-out document alone (it imports
//!   nothing of `flow`): metadata, nested bookmarks, link annotations, and a
//!   content-derived `/ID` so the same input always gives the same bytes;
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
mod document;
mod drawing;
mod flow;
mod fonts;
mod furniture;
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

pub use document::{page_ref, Block, DocInfo, Inline, Link, Logo};
pub use drawing::{Drawing, Shape, TextAnchor};
pub use fonts::{FontFiles, Fonts};

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
    let mut doc = flow::layout_document(fonts, blocks);
    furniture::stamp_furniture(info, fonts, &mut doc.pages);
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
