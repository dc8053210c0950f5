//! The document as layout takes it in: its facts ([`DocInfo`]), its blocks and
//! their inline runs of text. Nothing here knows about pages; layout (`flow`)
//! reads these, and the tags and the writer read [`DocInfo`] and [`Block`].

use super::drawing::Drawing;

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
