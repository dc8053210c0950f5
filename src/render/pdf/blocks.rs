//! Markdown bodies as PDF layout blocks: the same pulldown-cmark event stream the site
//! renders, turned into [`Block`]s. `[[ID]]` links become internal links with "p. N"
//! when the target is in the pack, titles with a note (or alone, as the pack's
//! `references` says) when it is not, and "withheld" when the
//! audience may not see it. Links and images follow the site's rules at every depth
//! ([`LinkRules`]): web links only with an allowed scheme, no link inside a link, web
//! images as links. Built with an explicit stack, so deep nesting cannot overflow ours.

use super::layout::{Block, Inline, Link};
use crate::markdown::{self, LinkRules, Links, Shown, Words};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// Resolves what a body refers to, for one pack.
pub trait PackLinks: Links {
    /// The anchor of a record included in the pack.
    fn anchor(&self, id: &str) -> Option<String>;
    /// The bytes of a local image (an attachment visible to the pack's audience).
    fn image(&self, dest: &str) -> Option<Vec<u8>>;
    /// How a record outside the pack is referred to (SPEC §14.10).
    fn references(&self) -> crate::config::References {
        crate::config::References::Note
    }
}

enum Frame {
    /// Root, list item or block quote: a sequence of blocks.
    Blocks(Vec<Block>, Kind),
    List {
        ordered: bool,
        start: u64,
        items: Vec<Vec<Block>>,
    },
    Table {
        header: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
        row: Vec<Vec<Inline>>,
        in_head: bool,
    },
}

#[derive(PartialEq, Clone, Copy)]
enum Kind {
    Root,
    Item,
    Quote,
}

#[derive(Default, Clone)]
struct Style {
    bold: u32,
    italic: u32,
    link: Option<Link>,
}

struct Builder<'a> {
    stack: Vec<Frame>,
    inlines: Vec<Inline>,
    style: Style,
    links: &'a dyn PackLinks,
    /// The links, images and `[[…]]` open at this point, and what each shows.
    rules: LinkRules<'a>,
    heading: Option<u8>,
    code: Option<String>,
    heading_shift: u8,
    /// For each open quote, list and list item: whether it has a frame of its own
    /// (past [`MAX_NESTING`] its content goes to the innermost one that has).
    opened: Vec<bool>,
}

/// The deepest nesting of quotes and lists (in frames, two per list level) that keeps
/// its structure. Layout stops indenting at eight levels anyway; a body nested
/// thousands deep (`> > > …`) would otherwise give a block tree whose recursive
/// clean-up overflows the stack.
const MAX_NESTING: usize = 64;

impl Builder<'_> {
    /// Opens a quote, list or list item frame unless nesting is already too deep.
    fn open(&mut self, frame: Frame) {
        let room = match frame {
            // A list needs room for its items too, or they would land outside it.
            Frame::List { .. } => self.stack.len() + 2 <= MAX_NESTING,
            // An item has room exactly when its list has a frame.
            Frame::Blocks(_, Kind::Item) => matches!(self.stack.last(), Some(Frame::List { .. })),
            _ => self.stack.len() < MAX_NESTING,
        };
        if room {
            self.stack.push(frame);
        }
        self.opened.push(room);
    }

    /// Whether the quote, list or item being closed had a frame of its own.
    fn close(&mut self) -> bool {
        self.opened.pop().unwrap_or(false)
    }

    fn push_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        self.inlines.push(Inline {
            text: text.to_string(),
            bold: self.style.bold > 0,
            italic: self.style.italic > 0,
            code: false,
            link: self.style.link.clone(),
            nobreak: false,
        });
    }

    /// Adds a block to the innermost block container.
    fn push_block(&mut self, block: Block) {
        for frame in self.stack.iter_mut().rev() {
            if let Frame::Blocks(blocks, _) = frame {
                blocks.push(block);
                return;
            }
        }
    }

    /// Ends the current run of text as a paragraph (or table cell / heading).
    fn flush(&mut self) {
        if self.inlines.is_empty() {
            return;
        }
        let inlines = std::mem::take(&mut self.inlines);
        if let Some(Frame::Table { row, .. }) = self.stack.last_mut() {
            row.push(inlines);
            return;
        }
        self.push_block(Block::Paragraph(inlines));
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag @ (Tag::Link { .. } | Tag::Image { .. })) => {
                return self.open_link(&tag)
            }
            Event::End(TagEnd::Link | TagEnd::Image) => return self.close_link(),
            _ if self.rules.dropping() => return,
            _ => {}
        }
        if markdown::shows_words(&event) {
            self.rules.shown_words();
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => {
                if let Some(code) = self.code.as_mut() {
                    code.push_str(&t);
                } else {
                    self.push_text(&t);
                }
            }
            Event::Code(t) => self.inlines.push(Inline {
                code: true,
                link: self.style.link.clone(),
                ..Inline::plain(t.to_string())
            }),
            // Raw HTML is shown as text, as on the site.
            Event::Html(t) | Event::InlineHtml(t) => self.push_text(&t),
            Event::InlineMath(t) | Event::DisplayMath(t) => self.push_text(&t),
            Event::SoftBreak | Event::HardBreak => self.push_text(" "),
            Event::Rule => {
                self.flush();
                self.push_block(Block::Rule);
            }
            Event::FootnoteReference(name) => self.push_text(&format!("[{name}]")),
            Event::TaskListMarker(done) => self.push_text(crate::markdown::task_state_text(done)),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => self.flush(),
            Tag::Heading { level, .. } => {
                self.flush();
                self.heading = Some((level as u8).saturating_add(self.heading_shift).min(4));
            }
            Tag::BlockQuote(_) => {
                self.flush();
                self.open(Frame::Blocks(Vec::new(), Kind::Quote));
            }
            Tag::CodeBlock(_) => {
                self.flush();
                self.code = Some(String::new());
            }
            Tag::List(start) => {
                self.flush();
                self.open(Frame::List {
                    ordered: start.is_some(),
                    start: start.unwrap_or(1),
                    items: Vec::new(),
                });
            }
            Tag::Item => {
                self.flush();
                self.open(Frame::Blocks(Vec::new(), Kind::Item));
            }
            Tag::FootnoteDefinition(name) => {
                self.flush();
                self.push_text(&format!("[{name}] "));
            }
            Tag::Table(_) => {
                self.flush();
                self.stack.push(Frame::Table {
                    header: Vec::new(),
                    rows: Vec::new(),
                    row: Vec::new(),
                    in_head: false,
                });
            }
            Tag::TableHead => {
                if let Some(Frame::Table { in_head, .. }) = self.stack.last_mut() {
                    *in_head = true;
                }
            }
            Tag::TableRow | Tag::TableCell => {}
            Tag::Emphasis => self.style.italic += 1,
            Tag::Strong => self.style.bold += 1,
            Tag::Strikethrough | Tag::Superscript | Tag::Subscript => {}
            // Handled by `open_link`.
            Tag::Link { .. } | Tag::Image { .. } => {}
            Tag::HtmlBlock
            | Tag::MetadataBlock(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition => {}
        }
    }

    /// A link, image or `[[ID]]` opens: a web link, a link into the pack, a title, an
    /// image, "withheld", or its words alone, as the rules say for where it stands.
    fn open_link(&mut self, tag: &Tag<'_>) {
        let frame = self.rules.open(tag, self.inlines.len());
        let (shown, words) = (frame.shown.clone(), frame.words.clone());
        match &shown {
            Shown::Link {
                href, web: true, ..
            } => self.style.link = Some(Link::External(href.clone())),
            // A pack has no copies of files, and no pages of the site to link to.
            Shown::Link { web: false, .. } | Shown::Words => {}
            Shown::Record { id, .. } => {
                if let Some(anchor) = self.links.anchor(id) {
                    self.style.link = Some(Link::Internal(anchor));
                }
            }
            Shown::Image { dest, title, .. } => {
                if let Some(data) = self.links.image(dest) {
                    let alt = title.clone();
                    self.flush();
                    self.push_block(Block::Image { data, alt });
                }
                // The description follows as ordinary text.
            }
            Shown::Withheld => self.inlines.push(Inline::italic("withheld")),
        }
        if let Words::Title(title) = &words {
            self.push_text(title);
        }
        self.rules.set_mark(self.inlines.len());
    }

    fn close_link(&mut self) {
        let Some(frame) = self.rules.close() else {
            return;
        };
        if let Words::OrTitle(title) = &frame.words {
            if !frame.had_words {
                self.inlines.truncate(frame.mark);
                self.push_text(title);
            }
        }
        match &frame.shown {
            Shown::Link { web: true, .. } => self.style.link = None,
            Shown::Record { id, .. } => match self.links.anchor(id) {
                Some(anchor) => {
                    self.style.link = None;
                    self.inlines.push(Inline::plain(" (p. "));
                    self.inlines.push(Inline::page_of(&anchor));
                    self.inlines.push(Inline::plain(")"));
                }
                // SPEC §13.3: a visible record the pack leaves out says so, unless the
                // pack shows such references by their words alone (SPEC §14.10).
                None if self.links.references() == crate::config::References::Note => {
                    self.inlines.push(Inline::plain(" ("));
                    self.inlines.push(Inline::id(id.clone()));
                    self.inlines.push(Inline::plain(", not in this pack)"));
                }
                None => {}
            },
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => self.flush(),
            TagEnd::Heading(_) => {
                let text = std::mem::take(&mut self.inlines);
                let level = self.heading.take().unwrap_or(2);
                self.push_block(Block::Heading {
                    level,
                    text,
                    anchor: None,
                    outline: false,
                });
            }
            TagEnd::CodeBlock => {
                let code = self.code.take().unwrap_or_default();
                self.push_block(Block::Code(code.trim_end_matches('\n').to_string()));
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                if !self.close() {
                    return;
                }
                if let Some(Frame::Blocks(blocks, Kind::Quote)) = self.stack.pop() {
                    self.push_block(Block::Quote(blocks));
                }
            }
            TagEnd::Item => {
                self.flush();
                if !self.close() {
                    return;
                }
                if let Some(Frame::Blocks(blocks, Kind::Item)) = self.stack.pop() {
                    if let Some(Frame::List { items, .. }) = self.stack.last_mut() {
                        items.push(blocks);
                    }
                }
            }
            TagEnd::List(_) => {
                self.flush();
                if !self.close() {
                    return;
                }
                if let Some(Frame::List {
                    ordered,
                    start,
                    items,
                }) = self.stack.pop()
                {
                    self.push_block(Block::List {
                        ordered,
                        start,
                        items,
                    });
                }
            }
            TagEnd::TableCell | TagEnd::TableHead | TagEnd::TableRow | TagEnd::Table => {
                self.end_table_part(tag)
            }
            TagEnd::Emphasis => self.style.italic = self.style.italic.saturating_sub(1),
            TagEnd::Strong => self.style.bold = self.style.bold.saturating_sub(1),
            TagEnd::FootnoteDefinition => self.flush(),
            _ => {}
        }
    }
    /// The end of a table cell, its header, a row or the table.
    fn end_table_part(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.inlines);
                if let Some(Frame::Table { row, .. }) = self.stack.last_mut() {
                    row.push(cell);
                }
            }
            TagEnd::TableHead => {
                if let Some(Frame::Table {
                    header,
                    row,
                    in_head,
                    ..
                }) = self.stack.last_mut()
                {
                    *header = std::mem::take(row);
                    *in_head = false;
                }
            }
            TagEnd::TableRow => {
                if let Some(Frame::Table {
                    rows, row, in_head, ..
                }) = self.stack.last_mut()
                {
                    if !*in_head {
                        rows.push(std::mem::take(row));
                    }
                }
            }
            TagEnd::Table => {
                if let Some(Frame::Table { header, rows, .. }) = self.stack.pop() {
                    self.push_block(Block::Table { header, rows });
                }
            }
            _ => {}
        }
    }
}

/// A Markdown body as blocks. Headings in the body sit `heading_shift` levels below
/// their Markdown level (a body's `#` is under the record's own heading).
pub fn body_blocks(body: &str, links: &dyn PackLinks, heading_shift: u8) -> Vec<Block> {
    if body.trim().is_empty() {
        return Vec::new();
    }
    let mut b = Builder {
        stack: vec![Frame::Blocks(Vec::new(), Kind::Root)],
        inlines: Vec::new(),
        style: Style::default(),
        links,
        rules: LinkRules::new(links),
        heading: None,
        code: None,
        heading_shift,
        opened: Vec::new(),
    };
    for event in Parser::new_ext(body, markdown::options()) {
        b.event(event);
    }
    b.flush();
    // Close anything left open (malformed input cannot leave frames, but be safe).
    while b.stack.len() > 1 {
        if let Some(Frame::Blocks(blocks, _)) = b.stack.pop() {
            for block in blocks {
                b_push(&mut b.stack, block);
            }
        }
    }
    match b.stack.pop() {
        Some(Frame::Blocks(blocks, _)) => blocks,
        _ => Vec::new(),
    }
}

fn b_push(stack: &mut [Frame], block: Block) {
    for frame in stack.iter_mut().rev() {
        if let Frame::Blocks(blocks, _) = frame {
            blocks.push(block);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::LinkTarget;

    struct NoLinks;
    impl Links for NoLinks {
        fn target(&self, _id: &str) -> Option<LinkTarget> {
            None
        }
        fn local(&self, _dest: &str) -> Option<String> {
            None
        }
    }
    impl PackLinks for NoLinks {
        fn anchor(&self, _id: &str) -> Option<String> {
            None
        }
        fn image(&self, _dest: &str) -> Option<Vec<u8>> {
            None
        }
    }

    /// How deep quotes and lists nest in `blocks`.
    fn depth(blocks: &[Block]) -> usize {
        let mut deepest = 0;
        let mut stack: Vec<(&[Block], usize)> = vec![(blocks, 0)];
        while let Some((blocks, d)) = stack.pop() {
            deepest = deepest.max(d);
            for b in blocks {
                match b {
                    Block::Quote(inner) => stack.push((inner, d + 1)),
                    Block::List { items, .. } => {
                        stack.extend(items.iter().map(|i| (i.as_slice(), d + 1)))
                    }
                    _ => {}
                }
            }
        }
        deepest
    }

    /// Fuzzing found that `> > > …` thousands deep gave a block tree so deep that
    /// dropping it overflowed the stack (tests/fuzz-regressions/pdf_layout/).
    #[test]
    fn deep_nesting_is_capped_and_keeps_its_text() {
        for (unit, last) in [
            ("> ", "deepest"),
            ("- ", "deepest"),
            ("1. ", "deepest"),
            ("- > ", "deepest"),
        ] {
            let body = format!("{}{last}\n\nafter\n", unit.repeat(30_000));
            let blocks = body_blocks(&body, &NoLinks, 1);
            assert!(
                depth(&blocks) <= MAX_NESTING,
                "{unit:?}: {}",
                depth(&blocks)
            );
            let text = format!("{blocks:?}");
            assert!(text.contains(last) && text.contains("after"), "{unit:?}");
        }
        // Ordinary nesting keeps its structure.
        let blocks = body_blocks("- a\n  - b\n    > c\n", &NoLinks, 1);
        assert_eq!(depth(&blocks), 3);
    }

    /// `A` is in the pack, `U` a visible record outside it, `S` withheld; local images
    /// are found unless their name starts with `missing`.
    struct Pack;
    impl Links for Pack {
        fn target(&self, id: &str) -> Option<LinkTarget> {
            match id {
                "A" => Some(LinkTarget::Unlinked {
                    title: "Title A".into(),
                }),
                "U" => Some(LinkTarget::Unlinked {
                    title: "Title U".into(),
                }),
                "S" => Some(LinkTarget::Withheld),
                _ => None,
            }
        }
        fn local(&self, _dest: &str) -> Option<String> {
            None
        }
    }
    impl PackLinks for Pack {
        fn anchor(&self, id: &str) -> Option<String> {
            (id == "A").then(|| "rec-a".to_string())
        }
        fn image(&self, dest: &str) -> Option<Vec<u8>> {
            (!dest.starts_with("missing")).then(|| dest.as_bytes().to_vec())
        }
    }

    /// The blocks of a body, compactly: `[words](url)` for a web link, `[words](#a)` for
    /// one into the pack, `*words*` for italics, `<img dest>` for an image.
    fn show(body: &str) -> String {
        let mut out = String::new();
        for block in body_blocks(body, &Pack, 1) {
            match block {
                Block::Paragraph(inlines) => {
                    for i in inlines {
                        let text = if i.italic {
                            format!("*{}*", i.text)
                        } else {
                            i.text.clone()
                        };
                        match &i.link {
                            Some(Link::External(url)) => out.push_str(&format!("[{text}]({url})")),
                            Some(Link::Internal(a)) => out.push_str(&format!("[{text}](#{a})")),
                            None => out.push_str(&text),
                        }
                    }
                }
                Block::Image { data, .. } => {
                    out.push_str(&format!("<img {}>", String::from_utf8_lossy(&data)))
                }
                other => out.push_str(&format!("{other:?}")),
            }
            out.push('|');
        }
        out
    }

    /// The site's link rules hold in the packs too, at every depth: no link with a
    /// scheme outside the allowed list, web images as links, no link inside a link,
    /// "withheld" and nothing else for a withheld record.
    #[test]
    fn pdf_links_follow_the_site_rules_at_every_depth() {
        for (body, expected) in [
            ("[x](javascript:alert(1)) [y](data:text/html,hi)", "x y|"),
            ("![r](http://e/r.png)", "[r](http://e/r.png)|"),
            (
                "![a [b](javascript:alert(1)) c](http://ex.org/a.png)",
                "[a ](http://ex.org/a.png)[b](http://ex.org/a.png)[ c](http://ex.org/a.png)|",
            ),
            (
                "[click ![img](http://ex.org/t.png)](javascript:alert(1))",
                "click [img](http://ex.org/t.png)|",
            ),
            (
                "[[A|see ![chart](http://ex.org/c.png)]]",
                "[see ](#rec-a)[chart](#rec-a) (p. [{{page:rec-a}}](#rec-a))|",
            ),
            (
                "[[A]] [[U|]]",
                "[Title A](#rec-a) (p. [{{page:rec-a}}](#rec-a)) Title U (U, not in this pack)|",
            ),
            (
                "[[S|secret ![x](http://e/secret.png)]] [[nope|secret]]",
                "*withheld* *withheld*|",
            ),
            (
                "[![a ![b](http://e/b.png)](http://e/a.png)](javascript:x)",
                "[a ](http://e/a.png)[b](http://e/a.png)|",
            ),
            (
                "[![pic](http://ex.org/b.png)](http://ex.org/page)",
                "[pic](http://ex.org/page)|",
            ),
            (
                "<foo@bar.example.com> <irc://x.org> <tel:+44>",
                "[foo@bar.example.com](mailto:foo@bar.example.com) irc://x.org [tel:+44](tel:+44)|",
            ),
            ("[f](files/a.pdf#page=2) [t](#top) ![i](#top)", "f t i|"),
            (
                "[[A|![p](p.png)]]",
                "<img p.png>|[p](#rec-a) (p. [{{page:rec-a}}](#rec-a))|",
            ),
        ] {
            assert_eq!(show(body), expected, "{body:?}");
        }
    }
}
