//! Markdown bodies: the one pulldown-cmark event stream every output shares.
//!
//! `[[ID]]` and `[[ID|words]]` come from pulldown-cmark's wiki-link extension, which
//! already leaves them literal in code and after `\`. This module finds those links and
//! the relative links and images a body uses (for checking), and turns bodies into HTML
//! with links resolved and raw HTML escaped (for the site). [`LinkRules`] decides what
//! each link and image becomes wherever it stands (the site and the PDF packs share
//! it): only [`LINK_SCHEMES`], no link inside a link, no image from the web.

use crate::content::BodyOrigin;
use crate::diagnostics::Pos;
use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};
use std::collections::HashMap;

/// The Markdown dialect of SPEC §4.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_WIKILINKS
}

/// A link found in a body.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyLink {
    /// `[[ID]]`, with the ID trimmed.
    Record(String),
    /// A relative link or image to a file beside the record.
    Local { target: String, image: bool },
    /// `[[ID|words]]` in a table row, cut in two by the table at its unescaped `|`: what
    /// stands between `[[` and the cut. Shown literally, it would put a record's ID and
    /// words on the page whoever may see the record.
    CutByTable(String),
}

/// The record ID of a wiki link's destination: trimmed, and without the `\` of an
/// escaped pipe (`[[ID\|words]]` is how a link with words is written in a table row,
/// where a bare `|` ends the cell). IDs never contain `\`, so nothing else is lost.
pub fn wiki_id(dest: &str) -> &str {
    let id = dest.trim();
    id.strip_suffix('\\').map_or(id, str::trim)
}

/// Where a table cell's source opens a `[[` link that the cell never closes: the cell
/// ended at the link's `|`. `[[` after `\` or inside a code span is literal.
fn cut_link(cell: &str) -> Option<(usize, String)> {
    let bytes = cell.as_bytes();
    let mut in_code = false;
    let mut open = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'`' => in_code = !in_code,
            b'[' if !in_code && bytes.get(i + 1) == Some(&b'[') => {
                open = Some(i);
                i += 1;
            }
            b']' if !in_code && bytes.get(i + 1) == Some(&b']') => {
                open = None;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    open.map(|at| (at, cell[at + 2..].trim().to_string()))
}

/// The URL schemes a link in a body may use. A link with any other scheme keeps its
/// words and loses its link: none of these runs code, shows another site inside the
/// page or reads the reader's own files.
pub const LINK_SCHEMES: [&str; 4] = ["http", "https", "mailto", "tel"];

/// What a link or image destination names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dest<'a> {
    /// A place on the same page: `#id`.
    Fragment,
    /// An address with one of [`LINK_SCHEMES`].
    Web,
    /// Anything else that leaves the site: another scheme (`javascript:`, `data:`,
    /// `file:`, `C:`), or a network path (`//host/…`, `\\host\…`), which a page opened
    /// from `file://` would follow to another machine.
    Unsafe,
    /// A file beside the record: its path as written, and the `?query` or `#fragment`
    /// after it (kept in the link; the file check uses the path alone).
    Local { path: &'a str, suffix: &'a str },
}

/// What a link destination names, read as a browser reads it: spaces and control
/// characters around it and tabs and line breaks inside it do not hide a scheme
/// (`" java\tscript:"` is `javascript:`).
pub fn destination(dest: &str) -> Dest<'_> {
    let cleaned: String = dest
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let b = cleaned.as_bytes();
    if b.first() == Some(&b'#') {
        return Dest::Fragment;
    }
    if b.len() >= 2 && matches!(b[0], b'/' | b'\\') && matches!(b[1], b'/' | b'\\') {
        return Dest::Unsafe;
    }
    if let Some((scheme, _)) = cleaned.split_once(':') {
        let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if is_scheme {
            let scheme = scheme.to_ascii_lowercase();
            return if LINK_SCHEMES.contains(&scheme.as_str()) {
                Dest::Web
            } else {
                Dest::Unsafe
            };
        }
    }
    let cut = dest.find(['?', '#']).unwrap_or(dest.len());
    Dest::Local {
        path: &dest[..cut],
        suffix: &dest[cut..],
    }
}

/// Whether a link or image names a file beside the record (which must exist).
fn is_local(dest: &str) -> bool {
    !dest.is_empty() && matches!(destination(dest), Dest::Local { .. })
}

/// Finds the record links and local links of a body, with their byte offsets.
pub fn scan(body: &str) -> Vec<(BodyLink, usize)> {
    let mut found = Vec::new();
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Link {
                link_type: LinkType::WikiLink { .. },
                dest_url,
                ..
            }) => found.push((
                BodyLink::Record(wiki_id(&dest_url).to_string()),
                range.start,
            )),
            Event::Start(Tag::TableCell) => {
                if let Some((at, cut)) = cut_link(&body[range.clone()]) {
                    found.push((BodyLink::CutByTable(cut), range.start + at));
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) if link_type != LinkType::Email && is_local(&dest_url) => found.push((
                BodyLink::Local {
                    target: dest_url.to_string(),
                    image: false,
                },
                range.start,
            )),
            Event::Start(Tag::Image { dest_url, .. }) if is_local(&dest_url) => found.push((
                BodyLink::Local {
                    target: dest_url.to_string(),
                    image: true,
                },
                range.start,
            )),
            _ => {}
        }
    }
    found
}

/// What stands for a withheld link where Markdown is read (a paragraph): it renders as
/// "withheld" like any link to a withheld record.
pub const WITHHELD_LINK: &str = "[[!withheld]]";

/// The edits that make a body's raw HTML safe to publish (SPEC §14.6). Raw HTML is shown
/// as text, never passed through, so whatever it holds reaches the reader as written:
/// HTML comments go (they are never output), and a `[[ID]]` or `[[ID|words]]` written
/// inside it, or a tag whose attribute names a withheld record's file, becomes
/// "withheld" like any other link (an `<a>` with its words, up to its `</a>`). Byte
/// ranges of `body` with their replacements, in order, not overlapping.
pub fn raw_html_edits(
    body: &str,
    withheld_id: &dyn Fn(&str) -> bool,
    withheld_file: &dyn Fn(&str) -> bool,
) -> Vec<(std::ops::Range<usize>, &'static str)> {
    if !body.contains('<') {
        return Vec::new();
    }
    let mut out = Vec::new();
    // An inline `<a>` naming a withheld file: where it opened, and where the inline
    // content seen since ends.
    let mut open_anchor: Option<(usize, usize)> = None;
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::HtmlBlock) => {
                html_text_edits(
                    &body[range.clone()],
                    range.start,
                    "withheld",
                    withheld_id,
                    withheld_file,
                    &mut out,
                );
            }
            Event::InlineHtml(html) => inline_html_edits(
                &html,
                range,
                &mut open_anchor,
                withheld_id,
                withheld_file,
                &mut out,
            ),
            // The end of the block holding an unclosed withheld `<a>`: its words end here.
            Event::End(_)
                if open_anchor.is_some()
                    && !matches!(
                        event,
                        Event::End(
                            TagEnd::Emphasis
                                | TagEnd::Strong
                                | TagEnd::Strikethrough
                                | TagEnd::Link
                                | TagEnd::Image
                        )
                    ) =>
            {
                if let Some((start, end)) = open_anchor.take() {
                    out.push((start..end, WITHHELD_LINK));
                }
            }
            _ => {
                if let Some((_, end)) = open_anchor.as_mut() {
                    *end = (*end).max(range.end);
                }
            }
        }
    }
    if let Some((start, end)) = open_anchor {
        out.push((start..end, WITHHELD_LINK));
    }
    outermost(out)
}

/// The edits for one piece of inline raw HTML in [`raw_html_edits`]. Inside an open
/// withheld `<a>`, its `</a>` closes it and the whole anchor, words and all, becomes
/// one withheld link (any other tag only extends it); otherwise a comment goes, an
/// `<a>` naming a withheld record or file opens one, and any other tag has what it
/// names edited.
fn inline_html_edits(
    html: &str,
    range: std::ops::Range<usize>,
    open_anchor: &mut Option<(usize, usize)>,
    withheld_id: &dyn Fn(&str) -> bool,
    withheld_file: &dyn Fn(&str) -> bool,
    out: &mut Vec<(std::ops::Range<usize>, &'static str)>,
) {
    if let Some((start, _)) = *open_anchor {
        if is_closing_anchor(html) {
            out.push((start..range.end, WITHHELD_LINK));
            *open_anchor = None;
        } else {
            *open_anchor = Some((start, range.end));
        }
        return;
    }
    if html.starts_with("<!--") {
        out.push((range, ""));
    } else if opening_tag(html).is_some_and(|(name, _)| name == "a")
        && tag_names_withheld(html, withheld_id, withheld_file)
    {
        *open_anchor = Some((range.start, range.end));
    } else {
        html_text_edits(
            html,
            range.start,
            WITHHELD_LINK,
            withheld_id,
            withheld_file,
            out,
        );
    }
}

/// Edits of a text (byte ranges and their replacements): the outermost of those that
/// overlap, in order, so they can be applied from the end.
pub fn outermost(
    mut edits: Vec<(std::ops::Range<usize>, &'static str)>,
) -> Vec<(std::ops::Range<usize>, &'static str)> {
    edits.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
    let mut kept: Vec<(std::ops::Range<usize>, &'static str)> = Vec::new();
    for (range, with) in edits {
        if kept.last().is_none_or(|(last, _)| range.start >= last.end) {
            kept.push((range, with));
        }
    }
    kept
}

/// `</a>`, however spaced or cased.
fn is_closing_anchor(html: &str) -> bool {
    let t = html.trim();
    t.len() >= 4
        && t[..2].eq_ignore_ascii_case("</")
        && t[2..]
            .trim_end_matches('>')
            .trim()
            .eq_ignore_ascii_case("a")
}

/// An opening tag's name (lower-cased) and its length in bytes, when `html` starts with
/// one.
fn opening_tag(html: &str) -> Option<(String, usize)> {
    let rest = html.strip_prefix('<')?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    // The tag ends at the first `>` outside quotes.
    let mut quote = None;
    for (i, c) in html.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some((name.to_ascii_lowercase(), i + 1)),
            _ => {}
        }
    }
    Some((name.to_ascii_lowercase(), html.len()))
}

/// The attribute values of a tag (`<a href="x" title='y' data=z>`), unquoted.
fn attribute_values(tag: &str) -> Vec<&str> {
    let mut values = Vec::new();
    let bytes = tag.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let (start, end) = match bytes.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let start = i + 1;
                    let end = tag[start..]
                        .find(q as char)
                        .map_or(tag.len(), |e| start + e);
                    (start, end)
                }
                _ => {
                    let start = i;
                    let end = tag[start..]
                        .find(|c: char| c.is_ascii_whitespace() || c == '>')
                        .map_or(tag.len(), |e| start + e);
                    (start, end)
                }
            };
            values.push(&tag[start..end]);
            i = end + 1;
        } else {
            i += 1;
        }
    }
    values
}

/// Whether a tag names a withheld record: an attribute naming its file, or a `[[…]]`
/// naming it.
fn tag_names_withheld(
    tag: &str,
    withheld_id: &dyn Fn(&str) -> bool,
    withheld_file: &dyn Fn(&str) -> bool,
) -> bool {
    attribute_values(tag).into_iter().any(|v| {
        let v = v.trim();
        (!v.is_empty() && matches!(destination(v), Dest::Local { .. }) && withheld_file(v))
            || wiki_links_in(v).iter().any(|(_, id)| withheld_id(id))
    })
}

/// `[[ID]]` and `[[ID|words]]` written in raw text (not after `\`): each with its byte
/// range and ID.
fn wiki_links_in(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("[[").map(|i| from + i) {
        let Some(close) = text[at + 2..].find("]]").map(|i| at + 2 + i) else {
            break;
        };
        if text[..at].ends_with('\\') {
            from = at + 2;
            continue;
        }
        let inner = &text[at + 2..close];
        let id = wiki_id(inner.split('|').next().unwrap_or(""));
        out.push((at..close + 2, id));
        from = close + 2;
    }
    out
}

/// The edits of [`raw_html_edits`] for one piece of raw HTML that starts at `base` in
/// the body; `withheld` is what stands for a withheld link there.
fn html_text_edits(
    text: &str,
    base: usize,
    withheld: &'static str,
    withheld_id: &dyn Fn(&str) -> bool,
    withheld_file: &dyn Fn(&str) -> bool,
    out: &mut Vec<(std::ops::Range<usize>, &'static str)>,
) {
    let mut i = 0;
    let lower = text.to_ascii_lowercase();
    while i < text.len() {
        let Some(at) = text[i..].find(['<', '[']).map(|k| i + k) else {
            break;
        };
        let rest = &text[at..];
        if let Some(inside) = rest.strip_prefix("<!--") {
            let end = inside.find("-->").map_or(text.len(), |e| at + 4 + e + 3);
            out.push((base + at..base + end, ""));
            i = end;
        } else if rest.starts_with("[[") {
            match wiki_links_in(rest).into_iter().next() {
                Some((r, id)) if r.start == 0 => {
                    if withheld_id(id) && !text[..at].ends_with('\\') {
                        out.push((base + at..base + at + r.end, withheld));
                    }
                    i = at + r.end;
                }
                _ => i = at + 2,
            }
        } else if let Some((name, len)) = opening_tag(rest) {
            let tag = &rest[..len];
            if tag_names_withheld(tag, withheld_id, withheld_file) {
                // An anchor's words go with it, up to its `</a>`.
                let end = if name == "a" {
                    lower[at + len..]
                        .find("</a")
                        .and_then(|e| {
                            let close = at + len + e;
                            text[close..].find('>').map(|g| close + g + 1)
                        })
                        .unwrap_or(text.len())
                } else {
                    at + len
                };
                out.push((base + at..base + end, withheld));
                i = end;
            } else {
                // Inside the tag, a `[[…]]` in an attribute still counts.
                i = at + 1;
            }
        } else {
            i = at + 1;
        }
    }
}

/// The file position of a byte offset in a body. For many offsets of one body use a
/// [`Locator`]: this costs time in proportion to the body's length.
pub fn position(body: &str, origin: &BodyOrigin, offset: usize) -> Pos {
    Locator::new(body, origin).at(offset)
}

/// File positions of many byte offsets in one body. Offsets given in increasing order
/// (as [`scan`] finds them) cost time in proportion to the body's length in all,
/// however many there are: a body with thousands of links must not take a number of
/// steps that grows with its length times its links.
pub struct Locator<'a> {
    body: &'a str,
    origin: &'a BodyOrigin,
    /// Where the last position was counted, in the body and in the raw text.
    body_cursor: Cursor,
    raw_cursor: Cursor,
    /// For each text searched for in the raw text: how far the search has got.
    needles: HashMap<String, Needle>,
    /// Bytes of searching left before positions are counted in the body instead:
    /// thousands of different links each searched for from the start would take
    /// steps in proportion to the length times the links.
    budget: usize,
}

/// A place in a text with its line (from 0) and column (in characters, from 0).
#[derive(Default, Clone, Copy)]
struct Cursor {
    byte: usize,
    line: usize,
    col: usize,
}

impl Cursor {
    /// Moves to `to` (a char boundary), counting lines and characters on the way;
    /// moving back starts again from the beginning.
    fn advance(&mut self, text: &str, to: usize) -> Cursor {
        if to < self.byte {
            *self = Cursor::default();
        }
        let between = &text[self.byte..to];
        match between.rfind('\n') {
            Some(last) => {
                self.line += between.matches('\n').count();
                self.col = between[last + 1..].chars().count();
            }
            None => self.col += between.chars().count(),
        }
        self.byte = to;
        *self
    }
}

/// Progress of one needle: occurrences counted in the body before `body_from`, and
/// occurrences passed in the raw text before `raw_from` (the last at `raw_last`).
#[derive(Default)]
struct Needle {
    body_from: usize,
    body_count: usize,
    raw_from: usize,
    raw_count: usize,
    raw_last: usize,
}

impl<'a> Locator<'a> {
    pub fn new(body: &'a str, origin: &'a BodyOrigin) -> Locator<'a> {
        Locator {
            body,
            origin,
            body_cursor: Cursor::default(),
            raw_cursor: Cursor::default(),
            needles: HashMap::new(),
            budget: 16 * (body.len() + origin.raw.as_deref().map_or(0, str::len)) + 4096,
        }
    }

    /// The file position of a byte offset in the body.
    pub fn at(&mut self, offset: usize) -> Pos {
        let offset = floor_char_boundary(self.body, offset);
        let raw = self.origin.raw.as_deref();
        let in_raw = raw
            .and_then(|raw| self.find_in_raw(raw, offset).map(|o| (raw, o)))
            // Counting lines again from the start costs the length counted.
            .filter(|&(_, o)| o >= self.raw_cursor.byte || self.spend(o));
        let (line, col) = match in_raw {
            Some((raw, o)) => {
                let c = self.raw_cursor.advance(raw, o);
                (c.line, c.col)
            }
            None => {
                let c = self.body_cursor.advance(self.body, offset);
                (c.line, c.col)
            }
        };
        // A body's own lines are all indented alike; raw text carries its indentation
        // from the second line on.
        let indent = if in_raw.is_none() || line == 0 {
            self.origin.indent as usize
        } else {
            0
        };
        Pos::new(self.origin.line as usize + line, indent + col + 1)
    }

    /// The same place in the text as written: the k-th occurrence of what stands at
    /// `offset` in the body is taken to be the k-th occurrence in the raw text (quoting
    /// and folding change spacing and escapes, not the words of a link).
    fn find_in_raw(&mut self, raw: &str, offset: usize) -> Option<usize> {
        let needle: String = self.body[offset..]
            .chars()
            .take_while(|c| *c != '\n')
            .take(16)
            .collect();
        if needle.is_empty() || self.budget == 0 {
            return None;
        }
        let body = self.body;
        let n = needle.len();
        let state = self.needles.entry(needle).or_default();
        let needle = &body[offset..offset + n];
        if offset < state.body_from {
            *state = Needle::default();
        }
        // Occurrences before `offset`, counting on from where the last search stopped.
        // None lies wholly before `offset` past the last one found, so the next starts
        // at or after `offset - n + 1` (it may run past `offset`, counting later).
        let from = state.body_from;
        self.budget = self.budget.saturating_sub(offset - from);
        let mut next_from = floor_char_boundary(body, (offset + 1).saturating_sub(n)).max(from);
        for (i, _) in body[from..offset].match_indices(needle) {
            next_from = next_from.max(from + i + n);
            state.body_count += 1;
        }
        state.body_from = next_from;
        let k = state.body_count;
        if state.raw_count > k + 1 {
            (state.raw_from, state.raw_count) = (0, 0);
        }
        while state.raw_count <= k {
            let i = raw[state.raw_from..].find(needle)?;
            self.budget = self.budget.saturating_sub(i + n);
            state.raw_last = state.raw_from + i;
            state.raw_from = state.raw_last + n;
            state.raw_count += 1;
        }
        (self.budget > 0).then_some(state.raw_last)
    }

    /// Takes `cost` from the budget; false (and nothing left) if it is not there.
    fn spend(&mut self, cost: usize) -> bool {
        let ok = cost < self.budget;
        self.budget = if ok { self.budget - cost } else { 0 };
        ok
    }
}

/// The largest char boundary of `text` at or below `at`.
pub(crate) fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The reserved link target that renders as "withheld" (not a valid ID, so no record
/// can ever have it). Audience views write it in place of a withheld record's ID
/// ([`crate::model::view`]).
pub const WITHHELD_ID: &str = "!withheld";

/// How a renderer wants `[[ID]]` shown.
pub enum LinkTarget {
    /// A visible record: its URL (relative to the page) and title.
    Visible { href: String, title: String },
    /// A record withheld from this audience.
    Withheld,
    /// A visible record outside this output (PDF packs): title only.
    Unlinked { title: String },
}

/// Resolves `[[ID]]` for a renderer; `None` for an unknown ID (already an error).
pub trait Links {
    fn target(&self, id: &str) -> Option<LinkTarget>;
    /// Where the file a relative link or image of this body names (`dest` as written)
    /// is in the output, if it is copied there. The `?query` or `#fragment` of `dest`
    /// is not part of the answer: the caller puts it back.
    fn local(&self, dest: &str) -> Option<String>;
}

/// How a link, image or `[[…]]` is shown where it stands, as [`LinkRules`] decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    /// A link: `href` as it goes in the output. `web` when it leaves the site (the PDF
    /// packs link only those).
    Link {
        href: String,
        title: String,
        web: bool,
    },
    /// A `[[ID]]` link to a record: to its page when this output has one (`href`),
    /// else its title or words alone.
    Record { id: String, href: Option<String> },
    /// An image from a file of the site: `dest` as written, `src` as it goes in the
    /// output.
    Image {
        dest: String,
        src: String,
        title: String,
    },
    /// Its words alone: a link or image that may not be followed or shown here.
    Words,
    /// A record withheld from this audience: the word "withheld" and nothing else.
    Withheld,
}

/// What becomes of the words of an open link.
#[derive(Debug, Clone, PartialEq)]
pub enum Words {
    /// Shown as written.
    Keep,
    /// Shown, or the title when there are none (`[[ID|words]]`, `[[ID|]]`).
    OrTitle(String),
    /// Replaced by the title (`[[ID]]`).
    Title(String),
    /// Not shown (withheld, or inside something whose words are not shown).
    Drop,
}

/// One open link, image or `[[…]]`.
#[derive(Debug)]
pub struct Frame {
    pub shown: Shown,
    pub words: Words,
    /// Where the renderer's output stood when the frame opened (for
    /// [`Words::OrTitle`]: what to drop when there turn out to be no words).
    pub mark: usize,
    /// Whether anything visible was shown inside it.
    pub had_words: bool,
}

impl Frame {
    fn is_link(&self) -> bool {
        matches!(self.shown, Shown::Link { .. } | Shown::Record { .. })
    }
    fn drops(&self) -> bool {
        matches!(self.words, Words::Title(_) | Words::Drop)
    }
    /// Whether the frame puts something visible in its parent.
    fn shows_something(&self) -> bool {
        self.had_words
            || matches!(self.words, Words::Title(_) | Words::OrTitle(_))
            || matches!(self.shown, Shown::Image { .. } | Shown::Withheld)
    }
}

/// The link and image rules of SPEC §4 and §9, applied at every depth of a body: a
/// stack of the links, images and `[[…]]` open at the current event, shared by the
/// website and the PDF packs so both show the same thing.
///
/// - A link with a scheme outside [`LINK_SCHEMES`] keeps its words and loses its link.
/// - No link inside a link: an inner link (or `[[…]]`) shows its words (or the
///   record's title) alone.
/// - An image from the web becomes a plain link to it (no request leaves the page),
///   or its words alone inside a link.
/// - Inside an image's description everything is text (it is the `alt` text).
/// - A withheld record shows "withheld", and none of its words, at any depth.
pub struct LinkRules<'a> {
    links: &'a dyn Links,
    frames: Vec<Frame>,
    /// How many open frames are links, images, and frames whose words are dropped.
    open_links: usize,
    open_images: usize,
    dropping: usize,
}

impl<'a> LinkRules<'a> {
    pub fn new(links: &'a dyn Links) -> LinkRules<'a> {
        LinkRules {
            links,
            frames: Vec::new(),
            open_links: 0,
            open_images: 0,
            dropping: 0,
        }
    }

    /// Inside a link (its words are a link's words).
    pub fn in_link(&self) -> bool {
        self.open_links > 0
    }

    /// Inside an image's description.
    pub fn in_image(&self) -> bool {
        self.open_images > 0
    }

    /// Inside a link whose own words are not shown: drop what comes.
    pub fn dropping(&self) -> bool {
        self.dropping > 0
    }

    /// Notes that something visible was shown inside the innermost frame.
    pub fn shown_words(&mut self) {
        if let Some(f) = self.frames.last_mut() {
            f.had_words = true;
        }
    }

    /// Opens a frame for `Start(Tag::Link)` or `Start(Tag::Image)` (any other tag is
    /// shown as its words) and says how it is shown. `mark` is where the renderer's
    /// output stands.
    pub fn open(&mut self, tag: &Tag<'_>, mark: usize) -> &Frame {
        let (shown, words) = self.decide(tag);
        let frame = Frame {
            shown,
            words,
            mark,
            had_words: false,
        };
        self.open_links += usize::from(frame.is_link());
        self.open_images += usize::from(matches!(frame.shown, Shown::Image { .. }));
        self.dropping += usize::from(frame.drops());
        self.frames.push(frame);
        self.frames.last().expect("just pushed")
    }

    /// Sets where the renderer's output stands inside the innermost frame (after what
    /// it wrote to open it).
    pub fn set_mark(&mut self, mark: usize) {
        if let Some(f) = self.frames.last_mut() {
            f.mark = mark;
        }
    }

    /// Closes the innermost frame, for `End(TagEnd::Link)` or `End(TagEnd::Image)`.
    pub fn close(&mut self) -> Option<Frame> {
        let frame = self.frames.pop()?;
        self.open_links -= usize::from(frame.is_link());
        self.open_images -= usize::from(matches!(frame.shown, Shown::Image { .. }));
        self.dropping -= usize::from(frame.drops());
        if frame.shows_something() {
            self.shown_words();
        }
        Some(frame)
    }

    fn decide(&self, tag: &Tag<'_>) -> (Shown, Words) {
        if self.dropping() {
            return (Shown::Words, Words::Drop);
        }
        // Where no link may start: inside a link, or in an image's description.
        let no_link = self.in_link() || self.in_image();
        match tag {
            Tag::Link {
                link_type: LinkType::WikiLink { has_pothole },
                dest_url,
                ..
            } => self.decide_record(dest_url, *has_pothole, no_link),
            Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            } => self.decide_link(*link_type, dest_url, title, no_link),
            Tag::Image {
                dest_url, title, ..
            } => self.decide_image(dest_url, title, no_link),
            _ => (Shown::Words, Words::Keep),
        }
    }

    /// A `[[ID]]` or `[[ID|words]]`: a link to the record's page (words only where no
    /// link may start), its title for words unless the author wrote some; for a
    /// withheld or unknown record, "withheld" and none of its words.
    fn decide_record(&self, dest_url: &str, has_pothole: bool, no_link: bool) -> (Shown, Words) {
        let id = wiki_id(dest_url);
        let (href, title) = match self.links.target(id) {
            None | Some(LinkTarget::Withheld) => return (Shown::Withheld, Words::Drop),
            Some(LinkTarget::Visible { href, title }) => (Some(href), title),
            Some(LinkTarget::Unlinked { title }) => (None, title),
        };
        let shown = if no_link {
            Shown::Words
        } else {
            Shown::Record {
                id: id.to_string(),
                href,
            }
        };
        let words = if has_pothole {
            Words::OrTitle(title)
        } else {
            Words::Title(title)
        };
        (shown, words)
    }

    /// A Markdown link or autolink: kept where its destination is safe and a link may
    /// start (an email address as `mailto:`, a relative link to its copy); else its
    /// words.
    fn decide_link(
        &self,
        link_type: LinkType,
        dest_url: &str,
        title: &str,
        no_link: bool,
    ) -> (Shown, Words) {
        let href = match destination(dest_url) {
            _ if link_type == LinkType::Email => Some((format!("mailto:{dest_url}"), true)),
            Dest::Web => Some((dest_url.to_string(), true)),
            Dest::Fragment => Some((dest_url.to_string(), false)),
            Dest::Local { suffix, .. } => Some((self.local(dest_url, suffix), false)),
            Dest::Unsafe => None,
        };
        let shown = match href {
            Some((href, web)) if !no_link => Shown::Link {
                href,
                title: title.to_string(),
                web,
            },
            _ => Shown::Words,
        };
        (shown, Words::Keep)
    }

    /// An image: kept where it is a local file (and not inside another image's
    /// description), a link to it where it is remote, else its description.
    fn decide_image(&self, dest_url: &str, title: &str, no_link: bool) -> (Shown, Words) {
        let dest = destination(dest_url);
        let shown = match dest {
            Dest::Local { suffix, .. } if !self.in_image() && !dest_url.is_empty() => {
                Shown::Image {
                    dest: dest_url.to_string(),
                    src: self.local(dest_url, suffix),
                    title: title.to_string(),
                }
            }
            // No request may leave the page: a remote image becomes a link to it.
            Dest::Web | Dest::Fragment if !no_link => Shown::Link {
                href: dest_url.to_string(),
                title: title.to_string(),
                web: dest == Dest::Web,
            },
            _ => Shown::Words,
        };
        (shown, Words::Keep)
    }

    /// Where a relative link points in the output, with its `?query` or `#fragment`.
    fn local(&self, dest: &str, suffix: &str) -> String {
        match self.links.local(dest) {
            Some(file) => file + suffix,
            None => dest.to_string(),
        }
    }
}

/// Renders a body to HTML: wiki links resolved, raw HTML shown as text, local links
/// pointed at their copies, and the link rules of [`LinkRules`] applied at every depth.
pub fn to_html(body: &str, links: &dyn Links) -> String {
    let mut rules = LinkRules::new(links);
    let mut events: Vec<Event<'_>> = Vec::new();
    // Footnote references met inside a link (they are links themselves): placed just
    // after it, in the same order, so their numbers stay the same.
    let mut held: Vec<Event<'_>> = Vec::new();
    for event in Parser::new_ext(body, options()) {
        match event {
            Event::Start(tag @ (Tag::Link { .. } | Tag::Image { .. })) => {
                let in_image = rules.in_image();
                let frame = rules.open(&tag, events.len());
                push_opening(frame, in_image, &mut events);
                rules.set_mark(events.len());
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                let Some(frame) = rules.close() else {
                    continue;
                };
                push_closing(frame, &mut events);
                if !rules.in_link() {
                    events.append(&mut held);
                }
            }
            _ if rules.dropping() => {}
            Event::FootnoteReference(_) if rules.in_link() && !rules.in_image() => {
                rules.shown_words();
                held.push(event);
            }
            // A task's state, in words before the item's own.
            Event::TaskListMarker(done) => {
                rules.shown_words();
                events.push(Event::InlineHtml(CowStr::Borrowed(task_state(done))));
            }
            other => {
                if shows_words(&other) {
                    rules.shown_words();
                }
                events.push(escape_raw(other));
            }
        }
    }
    events.append(&mut held);
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

/// The events that open a link or image as the rules decided it shows: a Markdown link
/// or image, a record link (an `<a>`, or a `<span>` where the output has no page for the
/// record), "withheld" (plain text inside an image's description), or nothing, its
/// words standing alone; then the record's title where `[[ID]]` shows it.
fn push_opening(frame: &Frame, in_image: bool, events: &mut Vec<Event<'_>>) {
    match &frame.shown {
        Shown::Link { href, title, .. } => events.push(Event::Start(Tag::Link {
            link_type: LinkType::Inline,
            dest_url: CowStr::from(href.clone()),
            title: CowStr::from(title.clone()),
            id: CowStr::Borrowed(""),
        })),
        Shown::Record {
            href: Some(href), ..
        } => events.push(Event::InlineHtml(
            format!("<a class=\"record-link\" href=\"{}\">", escape_html(href)).into(),
        )),
        Shown::Record { href: None, .. } => events.push(Event::InlineHtml(CowStr::Borrowed(
            "<span class=\"record-link\">",
        ))),
        Shown::Image { src, title, .. } => events.push(Event::Start(Tag::Image {
            link_type: LinkType::Inline,
            dest_url: CowStr::from(src.clone()),
            title: CowStr::from(title.clone()),
            id: CowStr::Borrowed(""),
        })),
        Shown::Withheld if in_image => events.push(Event::Text("withheld".into())),
        Shown::Withheld => events.push(Event::InlineHtml(CowStr::Borrowed(
            "<span class=\"withheld\">withheld</span>",
        ))),
        Shown::Words => {}
    }
    if let Words::Title(title) = &frame.words {
        events.push(Event::Text(CowStr::from(title.clone())));
    }
}

/// The events that close what [`push_opening`] opened. `[[ID|words]]` whose words came
/// to nothing shows the record's title in their place.
fn push_closing(frame: Frame, events: &mut Vec<Event<'_>>) {
    if let Words::OrTitle(title) = frame.words {
        if !frame.had_words {
            events.truncate(frame.mark);
            events.push(Event::Text(CowStr::from(title)));
        }
    }
    match frame.shown {
        Shown::Link { .. } => events.push(Event::End(TagEnd::Link)),
        Shown::Record { href: Some(_), .. } => {
            events.push(Event::InlineHtml(CowStr::Borrowed("</a>")))
        }
        Shown::Record { href: None, .. } => {
            events.push(Event::InlineHtml(CowStr::Borrowed("</span>")))
        }
        Shown::Image { .. } => events.push(Event::End(TagEnd::Image)),
        Shown::Words | Shown::Withheld => {}
    }
}

/// A task-list item's state, in words: the site is read, not filled in, so a greyed-out
/// checkbox (pulldown-cmark's `<input>`) would only look like a control that fails.
pub fn task_state(done: bool) -> &'static str {
    if done {
        "<span class=\"task-state task-done\">Done:</span> "
    } else {
        "<span class=\"task-state task-open\">Not done:</span> "
    }
}

/// The same state in a pack, where a line of text holds it.
pub fn task_state_text(done: bool) -> &'static str {
    if done {
        "Done: "
    } else {
        "Not done: "
    }
}

/// Whether an event inside a link shows something (a link of blank words has none).
pub(crate) fn shows_words(event: &Event<'_>) -> bool {
    match event {
        Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => !t.trim().is_empty(),
        Event::Code(_)
        | Event::InlineMath(_)
        | Event::DisplayMath(_)
        | Event::FootnoteReference(_)
        | Event::TaskListMarker(_) => true,
        _ => false,
    }
}

/// Raw HTML in bodies is shown as text, never passed through (SPEC §4).
fn escape_raw(event: Event<'_>) -> Event<'_> {
    match event {
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        other => other,
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut start = 0;
    // Copy runs of ordinary text whole; the special characters are ASCII, so every
    // index here is a character boundary.
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        out.push_str(entity);
        start = i + 1;
    }
    out.push_str(&text[start..]);
    out
}

/// The body as plain text (for search and summaries). `[[ID]]` links give their words
/// or ID; withheld links give the word "withheld".
pub fn to_text(body: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for event in Parser::new_ext(body, options()) {
        match event {
            Event::Start(Tag::Link {
                link_type: LinkType::WikiLink { .. },
                dest_url,
                ..
            }) if dest_url.as_ref() == WITHHELD_ID => {
                out.push_str("withheld");
                skipping = true;
            }
            Event::End(TagEnd::Link) if skipping => skipping = false,
            _ if skipping => {}
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            // The end of inline markup is not a word break: "**met**, and" is "met, and".
            Event::End(
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Link
                | TagEnd::Image,
            ) => {}
            Event::SoftBreak | Event::HardBreak | Event::End(_) if !out.ends_with(' ') => {
                out.push(' ')
            }
            _ => {}
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_has_no_space_before_punctuation() {
        assert_eq!(
            to_text("It is **met**, and *checked*.\n\nNext [link](x.md)."),
            "It is met, and checked. Next link."
        );
    }

    #[test]
    fn task_lists_say_each_state_in_words() {
        let html = to_html("- [x] one\n- [ ] two\n", &Fixed);
        assert!(!html.contains("<input"), "{html}");
        assert!(
            html.contains(r#"<li><span class="task-state task-done">Done:</span> one</li>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<li><span class="task-state task-open">Not done:</span> two</li>"#),
            "{html}"
        );
    }

    struct Fixed;
    impl Links for Fixed {
        fn target(&self, id: &str) -> Option<LinkTarget> {
            match id {
                "A" => Some(LinkTarget::Visible {
                    href: "a.html".into(),
                    title: "Title <A>".into(),
                }),
                "U" => Some(LinkTarget::Unlinked {
                    title: "Title of U".into(),
                }),
                "S" => Some(LinkTarget::Withheld),
                _ => None,
            }
        }
        fn local(&self, dest: &str) -> Option<String> {
            let file = dest.split(['?', '#']).next().unwrap_or("");
            (!file.starts_with("missing")).then(|| format!("../files/{file}"))
        }
    }

    #[test]
    fn links_with_words_in_table_rows_escape_their_pipe() {
        // A bare `|` ends the cell: the link is cut, and said so (at its `[[`).
        let body = "| a | b |\n|---|---|\n| x | [[S|secret words]] |\n";
        assert_eq!(
            scan(body),
            vec![(BodyLink::CutByTable("S".into()), body.find("[[").unwrap())]
        );
        // `\|` keeps it whole: a link like any other, withheld ones included.
        let body = "| a | b |\n|---|---|\n| [[ A \\|words]] | [[S\\|secret words]] |\n";
        assert_eq!(
            scan(body).into_iter().map(|(l, _)| l).collect::<Vec<_>>(),
            vec![BodyLink::Record("A".into()), BodyLink::Record("S".into())]
        );
        let html = to_html(body, &Fixed);
        assert!(html.contains(">words</a>"), "{html}");
        assert!(
            html.contains(">withheld<") && !html.contains("secret"),
            "{html}"
        );
        // Literal `[[` in a cell (escaped, or in code) and whole links are not cut.
        for body in [
            "| a |\n|---|\n| \\[[x |\n",
            "| a |\n|---|\n| `[[x` |\n",
            "| a |\n|---|\n| [[A]] |\n",
            "| a | b |\n|---|---|\n| [[A]] | [[y |\n",
        ] {
            let cut: Vec<_> = scan(body)
                .into_iter()
                .filter(|(l, _)| matches!(l, BodyLink::CutByTable(_)))
                .collect();
            assert_eq!(cut.len(), usize::from(body.ends_with("[[y |\n")), "{body}");
        }
    }

    #[test]
    fn scans_wiki_and_local_links_but_not_code() {
        let found =
            scan("See [[ A ]] and `[[B]]` and \\[[C]] and [f](x.pdf) and [w](https://x.org)\n");
        assert_eq!(
            found.iter().map(|(l, _)| l.clone()).collect::<Vec<_>>(),
            vec![
                BodyLink::Record("A".into()),
                BodyLink::Local {
                    target: "x.pdf".into(),
                    image: false
                }
            ]
        );
        assert_eq!(
            position(
                "x\nab [[A]]",
                &BodyOrigin {
                    line: 5,
                    indent: 2,
                    raw: None
                },
                5
            ),
            Pos { line: 6, col: 6 }
        );
    }

    /// Fuzzing found bodies with thousands of links taking seconds at 64 KiB: each
    /// link's position was counted from the start of the body (and searched for from
    /// the start of the raw text), so time grew with the length times the links.
    #[test]
    fn positions_of_many_links_take_linear_time() {
        let body = "x [[a]]\n".repeat(100_000);
        let origin = BodyOrigin {
            line: 5,
            indent: 0,
            raw: None,
        };
        let start = std::time::Instant::now();
        let mut locate = Locator::new(&body, &origin);
        let found = scan(&body);
        assert_eq!(found.len(), 100_000);
        let positions: Vec<Pos> = found.iter().map(|(_, o)| locate.at(*o)).collect();
        assert_eq!(positions[0], Pos { line: 5, col: 3 });
        assert_eq!(
            positions[99_999],
            Pos {
                line: 100_004,
                col: 3
            }
        );

        // Quoted YAML: the raw text has escapes; every link is a different one.
        let body: String = (0..50_000)
            .map(|i| format!("\"q\" [[a{i}]] and some words "))
            .collect();
        let origin = BodyOrigin {
            line: 2,
            indent: 6,
            raw: Some(body.replace('"', "\\\"")),
        };
        let mut locate = Locator::new(&body, &origin);
        let found = scan(&body);
        let positions: Vec<Pos> = found.iter().map(|(_, o)| locate.at(*o)).collect();
        // Early links are found in the raw text, past its escapes.
        assert_eq!(positions[1], Pos { line: 2, col: 41 });
        assert_eq!(
            positions[1],
            position(&body, &origin, found[1].1),
            "the same as one at a time"
        );
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "took {:?}",
            start.elapsed()
        );
    }

    #[test]
    fn renders_links_and_escapes_raw_html() {
        let html = to_html(
            "[[A]] [[A|the *plan*]] [[A|]] [[S|secret words]] <script>x</script>",
            &Fixed,
        );
        assert!(
            html.contains("<a class=\"record-link\" href=\"a.html\">Title &lt;A&gt;</a>"),
            "{html}"
        );
        assert!(html.contains("the <em>plan</em></a>"), "{html}");
        assert!(html.contains(">withheld<"));
        assert!(!html.contains("secret"));
        assert!(!html.contains("<script>"));
    }

    #[test]
    fn script_links_lose_their_link() {
        let html = to_html(
            "[click](javascript:alert(1)) ![x](data:text/html,hi) [ok](https://a.org)",
            &Fixed,
        );
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(
            html.contains("click") && html.contains("href=\"https://a.org\""),
            "{html}"
        );
    }

    #[test]
    fn remote_images_become_links() {
        let html = to_html("![chart](https://example.org/c.png)", &Fixed);
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("href=\"https://example.org/c.png\""));
    }

    /// The link rules at every depth (links in images in links, images in `[[…]]`,
    /// links dropped for their scheme), as exact HTML. Each of these once let a script
    /// link, a remote image or a link inside a link through.
    // Long: one table of cases, each Markdown beside the exact HTML it must give, read
    // top to bottom; split, the cases would lose the comments that group them.
    #[test]
    fn link_rules_hold_at_every_depth() {
        let p = |inner: &str| format!("<p>{inner}</p>\n");
        let cases: &[(&str, String)] = &[
            // A link inside a remote image's description: no script link, no nesting.
            (
                "![a [b](javascript:alert(1)) c](http://ex.org/a.png)",
                p(r#"<a href="http://ex.org/a.png">a b c</a>"#),
            ),
            // A remote image inside a remote image: no request, the link closed.
            (
                "![outer ![inner](http://ex.org/b.png)](http://ex.org/a.png)",
                p(r#"<a href="http://ex.org/a.png">outer inner</a>"#),
            ),
            (
                "![outer ![inner](javascript:alert(1))](http://ex.org/a.png) after",
                p(r#"<a href="http://ex.org/a.png">outer inner</a> after"#),
            ),
            // Images inside `[[ID|words]]` (words of a link, even where the output has
            // no page for the record).
            (
                "[[A|see ![chart](http://ex.org/c.png)]]",
                p(r#"<a class="record-link" href="a.html">see chart</a>"#),
            ),
            (
                "[[A|see ![x](javascript:alert(1))]]",
                p(r#"<a class="record-link" href="a.html">see x</a>"#),
            ),
            (
                "[[A|![p](p.png)]]",
                p(r#"<a class="record-link" href="a.html"><img src="../files/p.png" alt="p" /></a>"#),
            ),
            (
                "[[U|words ![i](http://e/i.png)]] [[U]] [[U|]]",
                p(concat!(
                    r#"<span class="record-link">words i</span> "#,
                    r#"<span class="record-link">Title of U</span> <span class="record-link">Title of U</span>"#
                )),
            ),
            // A remote image inside a link dropped for its scheme: a link of its own.
            (
                "[click ![img](http://ex.org/t.png)](javascript:alert(1))",
                p(r#"click <a href="http://ex.org/t.png">img</a>"#),
            ),
            // A remote image inside a link: its words.
            (
                "[![pic](http://ex.org/b.png)](http://ex.org/page)",
                p(r#"<a href="http://ex.org/page">pic</a>"#),
            ),
            // A local image inside a link stays; its description is text.
            (
                "[![pic](chart.png)](http://ex.org)",
                p(r#"<a href="http://ex.org"><img src="../files/chart.png" alt="pic" /></a>"#),
            ),
            (
                "![a [b](http://x) c](p.png)",
                p(r#"<img src="../files/p.png" alt="a b c" />"#),
            ),
            (
                "[![a](javascript:alert(1))](http://e/p) [![b](data:image/png;base64,AA)](p.pdf)",
                p(r#"<a href="http://e/p">a</a> <a href="../files/p.pdf">b</a>"#),
            ),
            // Three levels deep.
            (
                "![a ![b ![c](javascript:x)](http://e/b.png)](http://e/a.png)",
                p(r#"<a href="http://e/a.png">a b c</a>"#),
            ),
            (
                "[![a ![b](http://e/b.png)](http://e/a.png)](javascript:x)",
                p(r#"<a href="http://e/a.png">a b</a>"#),
            ),
            (
                "[[A|![x ![y](javascript:1)](http://e/x.png)]]",
                p(r#"<a class="record-link" href="a.html">x y</a>"#),
            ),
            (
                "[![a ![b](c.png)](http://e/a.png)](http://e/p)",
                p(r#"<a href="http://e/p">a <img src="../files/c.png" alt="b" /></a>"#),
            ),
            (
                "![a ![b ![c](http://e/c.png)](d.png)](http://e/a.png)",
                p(r#"<a href="http://e/a.png">a <img src="../files/d.png" alt="b c" /></a>"#),
            ),
            (
                "[[S|![p ![q](http://e/q.png)](http://e/secret.png)]] [[nope|secret]]",
                p(r#"<span class="withheld">withheld</span> <span class="withheld">withheld</span>"#),
            ),
            // A `[[…]]` inside a link's words makes the link text (CommonMark: no link
            // in a link); a withheld one still says only "withheld".
            (
                "[x [[S|secret]] y](http://z)",
                p(r#"[x <span class="withheld">withheld</span> y](http://z)"#),
            ),
            // Email autolinks (CommonMark 0.31.2 examples 604 and 605).
            (
                "<foo@bar.example.com> <foo+special@Bar.baz-bar0.com>",
                p(concat!(
                    r#"<a href="mailto:foo@bar.example.com">foo@bar.example.com</a> "#,
                    r#"<a href="mailto:foo+special@Bar.baz-bar0.com">foo+special@Bar.baz-bar0.com</a>"#
                )),
            ),
            // Local links keep their fragment and query.
            (
                "[report](files/doc.pdf#page=2) [q](a%20b.csv?x=1#y) ![i](c.png#z)",
                p(concat!(
                    r#"<a href="../files/files/doc.pdf#page=2">report</a> "#,
                    r#"<a href="../files/a%20b.csv?x=1#y">q</a> <img src="../files/c.png#z" alt="i" />"#
                )),
            ),
            // Schemes: http, https, mailto and tel are links; others are text.
            (
                "<irc://foo.bar:2233/baz> <tel:+441234567890> <MAILTO:FOO@BAR.BAZ> <https://ex.org/a>",
                p(concat!(
                    r#"irc://foo.bar:2233/baz <a href="tel:+441234567890">tel:+441234567890</a> "#,
                    r#"<a href="MAILTO:FOO@BAR.BAZ">MAILTO:FOO@BAR.BAZ</a> <a href="https://ex.org/a">https://ex.org/a</a>"#
                )),
            ),
            (
                "[x](data:text/html,hi) [y](JaVaScRiPt:alert(1)) [z](<java\tscript:alert(1)>) [v](file:///etc/passwd) [w](//evil.example/share) [u](<\\\\\\\\evil\\\\share>)",
                p("x y z v w u"),
            ),
            // Remote images anywhere become links, with their title.
            (
                "![c](http://e/c.png \"T\") ![d][r]\n\n[r]: http://e/d.png",
                p(r#"<a href="http://e/c.png" title="T">c</a> <a href="http://e/d.png">d</a>"#),
            ),
            (
                "[x](missing.pdf) [top](#top) ![x](#a) ![e]()",
                p(r##"<a href="missing.pdf">x</a> <a href="#top">top</a> <a href="#a">x</a> e"##),
            ),
            // A footnote reference (a link itself) in a link's words follows the link.
            (
                "[[A|x [^1] y]]\n\n[^1]: n",
                concat!(
                    r##"<p><a class="record-link" href="a.html">x  y</a><sup class="footnote-reference"><a href="#1">1</a></sup></p>"##,
                    "\n",
                    r#"<div class="footnote-definition" id="1"><sup class="footnote-definition-label">1</sup>"#,
                    "\n<p>n</p>\n</div>\n"
                )
                .to_string(),
            ),
            // Words of blank space are no words: the title shows.
            (
                "[[A| ]] [[A|![](http://e/x.png)]]",
                p(r#"<a class="record-link" href="a.html">Title &lt;A&gt;</a> <a class="record-link" href="a.html">Title &lt;A&gt;</a>"#),
            ),
        ];
        let mut failures = Vec::new();
        for (body, expected) in cases {
            let html = to_html(body, &Fixed);
            if &html != expected {
                failures.push(format!(
                    "{body:?}\n  got:      {html:?}\n  expected: {expected:?}"
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn destinations_are_read_as_a_browser_reads_them() {
        for (dest, expected) in [
            ("https://a.org", Dest::Web),
            ("HTTP://a.org", Dest::Web),
            ("mailto:x@y.org", Dest::Web),
            ("tel:+44", Dest::Web),
            ("#top", Dest::Fragment),
            ("javascript:alert(1)", Dest::Unsafe),
            (" java\tscript:alert(1)", Dest::Unsafe),
            ("\u{1}javascript:x", Dest::Unsafe),
            ("jav\nascript:x", Dest::Unsafe),
            ("data:image/png;base64,AA", Dest::Unsafe),
            ("irc://x", Dest::Unsafe),
            ("C:/Windows", Dest::Unsafe),
            ("//host/share", Dest::Unsafe),
            ("\\\\host\\share", Dest::Unsafe),
            ("/\\host", Dest::Unsafe),
            (
                "files/a.pdf#page=2",
                Dest::Local {
                    path: "files/a.pdf",
                    suffix: "#page=2",
                },
            ),
            (
                "a.csv?x=1#y",
                Dest::Local {
                    path: "a.csv",
                    suffix: "?x=1#y",
                },
            ),
            (
                "a/b:c.pdf",
                Dest::Local {
                    path: "a/b:c.pdf",
                    suffix: "",
                },
            ),
        ] {
            assert_eq!(destination(dest), expected, "{dest:?}");
        }
    }

    #[test]
    fn email_autolinks_are_not_files_and_local_links_keep_fragments() {
        let body = "<foo@bar.example.com> [r](files/doc.pdf#page=2) [j](javascript:x) [w](//h/s)";
        assert_eq!(
            scan(body).into_iter().map(|(l, _)| l).collect::<Vec<_>>(),
            vec![BodyLink::Local {
                target: "files/doc.pdf#page=2".into(),
                image: false
            }]
        );
    }
}
