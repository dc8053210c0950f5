//! Audience views: the site as one audience may see it, made once before rendering.
//!
//! Privacy by construction: a view is a new [`Site`] holding only the visible records.
//! References to withheld records keep no ID, `[[…]]` links to them are rewritten in the
//! Markdown itself, and backlinks from them are gone, so no renderer can leak what it
//! never receives (SPEC §6, §12 "Audiences").

use super::{Backlink, Record, Site};
use crate::content::ContentFiles;
use crate::markdown;
use std::collections::{HashMap, HashSet};

// The reserved link target a view writes for a withheld record; defined with the
// Markdown that reads it, so that `markdown` needs nothing from the model.
pub use crate::markdown::WITHHELD_ID;

/// A site filtered for one audience.
#[derive(Debug)]
pub struct View {
    pub site: Site,
    pub audience: String,
    /// The highest classification of the records it includes.
    pub marking: &'static str,
}

/// Filters a site for an audience.
pub fn view(site: &Site, audience: &str) -> View {
    let visible: Vec<bool> = site
        .records
        .iter()
        .map(|r| r.visible_to(audience))
        .collect();
    let mut new_index: Vec<Option<usize>> = vec![None; site.records.len()];
    let mut next = 0;
    for (i, v) in visible.iter().enumerate() {
        if *v {
            new_index[i] = Some(next);
            next += 1;
        }
    }
    // Files holding a withheld record, or read by one (its figures' CSV): a relative
    // link to one (`[see](../reviews/x.md)`) would otherwise copy it into the output.
    let withheld_files: HashSet<&str> = site
        .records
        .iter()
        .zip(&visible)
        .filter(|(_, v)| !**v)
        .flat_map(|(r, _)| r.files())
        .collect();
    let mut records: Vec<Record> = Vec::with_capacity(next);
    for (i, rec) in site.records.iter().enumerate() {
        if !visible[i] {
            continue;
        }
        records.push(visible_record(site, rec, &new_index, &withheld_files));
    }
    let index: HashMap<String, usize> = records
        .iter()
        .enumerate()
        .filter(|(i, r)| site.index.get(&r.key).and_then(|&orig| new_index[orig]) == Some(*i))
        .map(|(i, r)| (r.key.clone(), i))
        .collect();
    let backlinks: Vec<Vec<Backlink>> = site
        .backlinks
        .iter()
        .enumerate()
        .filter(|(i, _)| visible[*i])
        .map(|(_, links)| renumber_backlinks(links, &new_index))
        .collect();
    let marking = marking(&records, site.config.classification);
    View {
        site: Site {
            config: site.config.clone(),
            files: ContentFiles {
                root: site.files.root.clone(),
                files: site.files.files.clone(),
                record_files: Vec::new(),
            },
            records,
            index,
            backlinks,
        },
        audience: audience.to_string(),
        marking,
    }
}

/// A visible record as the view holds it: its references, parent and objectives
/// renumbered (`new_index`: each record's place in the view, `None` if withheld), a
/// reference to a withheld record without its ID, and links to withheld records and
/// to `withheld_files` taken out of its body.
fn visible_record(
    site: &Site,
    rec: &Record,
    new_index: &[Option<usize>],
    withheld_files: &HashSet<&str>,
) -> Record {
    let mut rec = rec.clone();
    let to_withheld_file = |l: &super::LocalLink| {
        l.path
            .as_deref()
            .is_some_and(|p| withheld_files.contains(p))
    };
    for r in rec.refs.iter_mut() {
        if let Some(t) = r.target {
            match new_index[t] {
                Some(n) => r.target = Some(n),
                None => {
                    r.target = None;
                    r.withheld = true;
                    r.id = String::new();
                }
            }
        }
    }
    let withheld_id = |id: &str| {
        site.index
            .get(&id.to_lowercase())
            .is_some_and(|&t| new_index[t].is_none())
    };
    let withheld_file = |dest: &str| {
        rec.local_links
            .iter()
            .any(|l| l.dest == dest && to_withheld_file(l))
            || super::resolve::content_path(&rec.path, dest)
                .is_some_and(|p| withheld_files.contains(p.as_str()))
    };
    let markdown_links = rec.refs.iter().any(|r| r.withheld && r.field == "body")
        || rec.local_links.iter().any(to_withheld_file);
    if let Some(body) = published_body(&rec.body, markdown_links, &withheld_id, &withheld_file) {
        rec.body = body;
    }
    rec.local_links.retain(|l| !to_withheld_file(l));
    rec.parent = rec.parent.and_then(|p| new_index[p]);
    rec.objectives = rec
        .objectives
        .iter()
        .filter_map(|&o| new_index[o])
        .collect();
    rec
}

/// The site as `audience` sees it, taking the site: when every record is visible to
/// it (always so for `internal`), that is the site itself, moved rather than copied as
/// [`view`] would (copying ten thousand records takes longer than the rest of a
/// `serve` rebuild).
pub fn into_view(site: Site, audience: &str) -> View {
    if !site.records.iter().all(|r| r.visible_to(audience)) {
        return view(&site, audience);
    }
    let marking = marking(&site.records, site.config.classification);
    let mut site = site;
    // With every ID unique (always so once the content checks), the site's index is
    // already the view's: each record is the first of its ID.
    if site.index.len() != site.records.len() {
        site.index = site
            .records
            .iter()
            .enumerate()
            .filter(|(i, r)| site.index.get(&r.key) == Some(i))
            .map(|(i, r)| (r.key.clone(), i))
            .collect();
    }
    site.files.record_files = Vec::new();
    // Nothing is withheld, but HTML comments are never output.
    for rec in site.records.iter_mut() {
        if let Some(body) = published_body(&rec.body, false, &|_| false, &|_| false) {
            rec.body = body;
        }
    }
    View {
        site,
        audience: audience.to_string(),
        marking,
    }
}

/// The highest classification of the records an output includes (the site default
/// when it includes none).
fn marking(records: &[Record], default: &'static str) -> &'static str {
    let sensitive = "OFFICIAL-SENSITIVE";
    if records
        .iter()
        .any(|r| r.classification.unwrap_or(default) == sensitive)
        || (records.is_empty() && default == sensitive)
    {
        sensitive
    } else {
        "OFFICIAL"
    }
}

impl View {
    /// The attachments visible records reference: evidence files and relative links.
    /// Nothing else of the content folder may reach this audience's output.
    pub fn attachments(&self) -> std::collections::BTreeSet<String> {
        let mut out = std::collections::BTreeSet::new();
        for rec in &self.site.records {
            // Paths were checked and normalised when the site was linked.
            out.extend(rec.file_path().map(str::to_string));
            out.extend(rec.local_links.iter().filter_map(|l| l.path.clone()));
        }
        out.extend(
            self.site
                .config
                .statement_links
                .iter()
                .map(|(_, p)| p.clone()),
        );
        // Only attachments are ever published as files: never a record's file or
        // site.yaml, which hold whole records and settings.
        out.retain(|p| crate::content::is_attachment(p));
        // The logo of `site.yaml` `branding`, shown to every audience.
        out.extend(
            self.site
                .config
                .branding
                .logo
                .as_ref()
                .and_then(|l| l.resolved.clone()),
        );
        out
    }
}

use markdown::WITHHELD_LINK;

/// A body as it may be published, when that differs from the body as written: links to
/// withheld records (`[[…]]`, relative links and images to their files, the same inside
/// raw HTML) become "withheld", and HTML comments go (SPEC §14.6). `markdown_links`:
/// whether the Markdown itself has such a link (the raw HTML is always read).
fn published_body(
    body: &str,
    markdown_links: bool,
    withheld_id: &dyn Fn(&str) -> bool,
    withheld_file: &dyn Fn(&str) -> bool,
) -> Option<String> {
    let mut edits = markdown::raw_html_edits(body, withheld_id, withheld_file);
    if markdown_links {
        edits.extend(withheld_links(body, withheld_id, withheld_file));
    }
    if edits.is_empty() {
        return None;
    }
    let mut out = body.to_string();
    for (range, replacement) in markdown::outermost(edits).into_iter().rev() {
        out.replace_range(range, replacement);
    }
    Some(out)
}

/// Byte ranges of the links in a body whose target is withheld, with what replaces
/// them: `[[…]]` links to a withheld record, relative links and images to a file
/// holding one (those become a withheld link), and the reference definitions
/// (`[x]: ../reviews/r.md`) naming such a file (those go). Outermost only, in order, so
/// they can be replaced from the end.
/// Backlinks into a smaller set of records: `new_index` maps each old record index to
/// its new one, or `None` for a record left out (whose links are dropped).
pub fn renumber_backlinks(links: &[Backlink], new_index: &[Option<usize>]) -> Vec<Backlink> {
    links
        .iter()
        .filter_map(|b| {
            new_index[b.from].map(|from| Backlink {
                from,
                field: b.field,
            })
        })
        .collect()
}

fn withheld_links(
    body: &str,
    withheld_id: &dyn Fn(&str) -> bool,
    withheld_file: &dyn Fn(&str) -> bool,
) -> Vec<(std::ops::Range<usize>, &'static str)> {
    use pulldown_cmark::{Event, LinkType, Parser, Tag};
    let events = Parser::new_ext(body, markdown::options()).into_offset_iter();
    let mut found: Vec<(std::ops::Range<usize>, &'static str)> = events
        .reference_definitions()
        .iter()
        .filter(|(_, def)| withheld_file(&def.dest))
        .map(|(_, def)| (def.span.clone(), ""))
        .collect();
    for (event, range) in events {
        let hit = match event {
            Event::Start(Tag::Link {
                link_type: LinkType::WikiLink { .. },
                dest_url,
                ..
            }) => withheld_id(markdown::wiki_id(&dest_url)),
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                withheld_file(&dest_url)
            }
            _ => false,
        };
        if hit {
            found.push((range, WITHHELD_LINK));
        }
    }
    markdown::outermost(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The moved view must be exactly what `view` makes.
    #[test]
    fn into_view_matches_view() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        for (fixture, audience) in [
            ("W103", "inspector"),
            ("site", "internal"),
            ("site", "inspector"),
        ] {
            let (site, _) = crate::pipeline::load(&root.join(fixture)).expect("fixture loads");
            let expected = view(&site, audience);
            let got = into_view(site, audience);
            let what = format!("{fixture} for {audience}");
            assert_eq!(got.site.records, expected.site.records, "{what}");
            assert_eq!(got.site.index, expected.site.index, "{what}");
            assert_eq!(got.site.backlinks, expected.site.backlinks, "{what}");
            assert_eq!(got.site.config, expected.site.config, "{what}");
            assert_eq!(got.site.files.files, expected.site.files.files, "{what}");
            assert_eq!(
                got.site.files.record_files, expected.site.files.record_files,
                "{what}"
            );
            assert_eq!(
                (got.audience, got.marking),
                (expected.audience, expected.marking),
                "{what}"
            );
        }
    }

    fn rewrite(body: &str) -> String {
        let mut out = body.to_string();
        let found = withheld_links(body, &|id| id == "secret", &|dest| dest == "../r/secret.md");
        for (range, replacement) in found.into_iter().rev() {
            out.replace_range(range, replacement);
        }
        out
    }

    fn publish(body: &str) -> String {
        published_body(body, true, &|id| id == "secret", &|dest| {
            dest == "../r/secret.md"
        })
        .unwrap_or_else(|| body.to_string())
    }

    #[test]
    fn raw_html_follows_the_withheld_rules_and_comments_go() {
        // An HTML block: links and `[[…]]` inside it, and its comments.
        assert_eq!(
            publish("<div>\n[[secret|words]] and [[ok|fine]]\n<a href=\"../r/secret.md\">link words</a> <!-- note [[secret]] -->\n</div>\n"),
            "<div>\nwithheld and [[ok|fine]]\nwithheld \n</div>\n"
        );
        // Inline HTML: an anchor goes with its words; comments go; other tags stay, but
        // not a tag naming a withheld record in an attribute.
        assert_eq!(
            publish(
                "A <a href=\"../r/secret.md\">*link* words</a>, <b>[[secret]]</b> <!-- x --> end."
            ),
            "A [[!withheld]], <b>[[!withheld]]</b>  end."
        );
        assert_eq!(
            publish("<span title=\"[[secret|w]]\">t</span> <img src='../r/secret.md'>"),
            "[[!withheld]]t</span> [[!withheld]]"
        );
        // A comment standing alone, over several lines, and one never closed.
        assert_eq!(
            publish("Text.\n\n<!-- a\n[[secret|w]] -->\n\nMore.\n"),
            "Text.\n\n\n\nMore.\n"
        );
        assert_eq!(publish("Text.\n\n<!-- open\nsecret words\n"), "Text.\n\n");
        // Code is not HTML.
        assert_eq!(publish("`<!-- kept -->`"), "`<!-- kept -->`");
    }

    #[test]
    fn withheld_links_go_whatever_their_form() {
        assert_eq!(WITHHELD_LINK, format!("[[{WITHHELD_ID}]]"));
        assert_eq!(
            rewrite("A [[secret|words]], [[ok]], [f](../r/secret.md), ![i](../r/secret.md)."),
            "A [[!withheld]], [[ok]], [[!withheld]], [[!withheld]]."
        );
        // A reference link and its definition (which names the file, and a title).
        let body = "See [the review][r] and [x](y.md).\n\n[r]: ../r/secret.md \"Secret title\"\n";
        let out = rewrite(body);
        assert_eq!(out.trim_end(), "See [[!withheld]] and [x](y.md).");
    }
}
