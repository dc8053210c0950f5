//! Markdown bodies: the one pulldown-cmark event stream every output shares.
//!
//! `[[ID]]` and `[[ID|words]]` come from pulldown-cmark's wiki-link extension, which
//! already leaves them literal in code and after `\`. This module finds those links and
//! the relative links and images a body uses (for checking), and turns bodies into HTML
//! with links resolved and raw HTML escaped (for the site).

use crate::content::BodyOrigin;
use crate::diagnostics::Pos;
use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

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

/// Whether a link destination leaves the site (or stays on the page).
pub fn is_remote(dest: &str) -> bool {
    let lower = dest.trim().to_ascii_lowercase();
    lower.starts_with('#')
        || lower.starts_with("//")
        || lower.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
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
            Event::Start(Tag::Link { dest_url, .. })
                if !dest_url.is_empty() && !is_remote(&dest_url) =>
            {
                found.push((
                    BodyLink::Local {
                        target: dest_url.to_string(),
                        image: false,
                    },
                    range.start,
                ))
            }
            Event::Start(Tag::Image { dest_url, .. })
                if !dest_url.is_empty() && !is_remote(&dest_url) =>
            {
                found.push((
                    BodyLink::Local {
                        target: dest_url.to_string(),
                        image: true,
                    },
                    range.start,
                ))
            }
            _ => {}
        }
    }
    found
}

/// The file position of a byte offset in a body.
pub fn position(body: &str, origin: &BodyOrigin, offset: usize) -> Pos {
    let offset = offset.min(body.len());
    let raw = origin
        .raw
        .as_deref()
        .and_then(|raw| find_in_raw(body, raw, offset).map(|o| (raw, o)));
    let (text, offset) = raw.unwrap_or((body, offset));
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let col = before.rsplit('\n').next().unwrap_or("").chars().count();
    // A body's own lines are all indented alike; raw text carries its indentation
    // from the second line on.
    let indent = if raw.is_none() || line == 0 {
        origin.indent as usize
    } else {
        0
    };
    Pos::new(origin.line as usize + line, indent + col + 1)
}

/// The same place in the text as written: the k-th occurrence of what stands at
/// `offset` in the body is taken to be the k-th occurrence in the raw text (quoting and
/// folding change spacing and escapes, not the words of a link).
fn find_in_raw(body: &str, raw: &str, offset: usize) -> Option<usize> {
    let needle: String = body[offset..]
        .chars()
        .take_while(|c| *c != '\n')
        .take(16)
        .collect();
    if needle.is_empty() {
        return None;
    }
    let k = body[..offset].match_indices(needle.as_str()).count();
    raw.match_indices(needle.as_str()).nth(k).map(|(i, _)| i)
}

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
    /// Where a relative file link of this body points in the output, if it is copied.
    fn local(&self, dest: &str) -> Option<String>;
}

/// Renders a body to HTML: wiki links resolved, raw HTML shown as text, local links
/// pointed at their copies, remote images turned into plain links.
pub fn to_html(body: &str, links: &dyn Links) -> String {
    let mut events: Vec<Event<'_>> = Vec::new();
    // Wiki links: replace the whole Start..End with our own HTML.
    let mut in_wiki: Option<(LinkTarget, bool, Vec<Event<'_>>)> = None;
    let mut in_remote_image: Option<String> = None;
    // Inside a link or image whose scheme could run code (`javascript:` and the like):
    // its words are kept, the link is dropped.
    let mut in_unsafe: Option<TagEnd> = None;
    for event in Parser::new_ext(body, options()) {
        if let Some((_, _, inner)) = in_wiki.as_mut() {
            if matches!(event, Event::End(TagEnd::Link)) {
                let (target, has_words, inner) = in_wiki.take().expect("inside a wiki link");
                let mut words = String::new();
                pulldown_cmark::html::push_html(&mut words, inner.into_iter().map(escape_raw));
                let words = (has_words && !words.trim().is_empty()).then_some(words);
                let html = match target {
                    LinkTarget::Visible { href, title } => format!(
                        "<a class=\"record-link\" href=\"{}\">{}</a>",
                        escape_html(&href),
                        words.unwrap_or_else(|| escape_html(&title))
                    ),
                    LinkTarget::Unlinked { title } => {
                        format!(
                            "<span class=\"record-link\">{}</span>",
                            words.unwrap_or_else(|| escape_html(&title))
                        )
                    }
                    LinkTarget::Withheld => "<span class=\"withheld\">withheld</span>".to_string(),
                };
                events.push(Event::InlineHtml(CowStr::from(html)));
            } else {
                inner.push(event);
            }
            continue;
        }
        if let Some(end) = in_unsafe {
            match event {
                Event::End(e) if e == end => in_unsafe = None,
                other => events.push(escape_raw(other)),
            }
            continue;
        }
        if in_remote_image.is_some() {
            match event {
                Event::End(TagEnd::Image) => {
                    let _ = in_remote_image.take();
                    events.push(Event::End(TagEnd::Link));
                }
                other => events.push(escape_raw(other)),
            }
            continue;
        }
        match event {
            Event::Start(Tag::Link { ref dest_url, .. }) if !safe_scheme(dest_url) => {
                in_unsafe = Some(TagEnd::Link);
            }
            Event::Start(Tag::Image { ref dest_url, .. }) if !safe_scheme(dest_url) => {
                in_unsafe = Some(TagEnd::Image);
            }
            Event::Start(Tag::Link {
                link_type: LinkType::WikiLink { has_pothole },
                dest_url,
                ..
            }) => {
                let target = links
                    .target(wiki_id(&dest_url))
                    .unwrap_or(LinkTarget::Withheld);
                in_wiki = Some((target, has_pothole, Vec::new()));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) if !is_remote(&dest_url) && !dest_url.is_empty() => {
                let dest = links.local(&dest_url).map_or(dest_url, CowStr::from);
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url: dest,
                    title,
                    id,
                }));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                if is_remote(&dest_url) {
                    // No request may leave the page: a remote image becomes a link to it.
                    in_remote_image = Some(dest_url.to_string());
                    events.push(Event::Start(Tag::Link {
                        link_type: LinkType::Inline,
                        dest_url,
                        title,
                        id,
                    }));
                } else {
                    let dest = links.local(&dest_url).map_or(dest_url, CowStr::from);
                    events.push(Event::Start(Tag::Image {
                        link_type,
                        dest_url: dest,
                        title,
                        id,
                    }));
                }
            }
            other => events.push(escape_raw(other)),
        }
    }
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

/// Whether a link destination may be followed: relative, a fragment, or http(s)/mailto.
fn safe_scheme(dest: &str) -> bool {
    let lower = dest.trim().to_ascii_lowercase();
    if !is_remote(&lower) || lower.starts_with('#') || lower.starts_with("//") {
        return true;
    }
    lower.starts_with("http:") || lower.starts_with("https:") || lower.starts_with("mailto:")
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
            }) if dest_url.as_ref() == crate::model::view::WITHHELD_ID => {
                out.push_str("withheld");
                skipping = true;
            }
            Event::End(TagEnd::Link) if skipping => skipping = false,
            _ if skipping => {}
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
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

    struct Fixed;
    impl Links for Fixed {
        fn target(&self, id: &str) -> Option<LinkTarget> {
            match id {
                "A" => Some(LinkTarget::Visible {
                    href: "a.html".into(),
                    title: "Title <A>".into(),
                }),
                "S" => Some(LinkTarget::Withheld),
                _ => None,
            }
        }
        fn local(&self, dest: &str) -> Option<String> {
            Some(format!("../files/{dest}"))
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
}
