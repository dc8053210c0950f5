//! The evidence website: one Tera page per record, a list per type, the dashboard,
//! matrix, timeline, search and accessibility pages (SPEC §9).
//!
//! Reads only the site audience's analysed view; every derived fact comes from its
//! analysis and every value's wording from [`present`]. Builds plain serialisable
//! contexts so templates never see the model. User text goes
//! to templates as data and is escaped by Tera; the few pre-rendered HTML fragments
//! (Markdown bodies, field values with links) are escaped here, field by field.

mod changes;
mod dashboard;
mod list;
mod matrix;
mod pages;
mod record;
mod timeline;

pub use changes::{changes_page, write_changes};
pub use pages::{render, render_each, render_each_where, render_some, write};

use super::theme::error_chain;
use super::Build;
use crate::analysis::Behind;
use crate::markdown::{self, escape_html, LinkTarget, Links};
use crate::model::schema::{RecordType, ALL_TYPES};
use crate::model::view::WITHHELD_ID;
use crate::model::Record;
use crate::present::{self, label};
use anyhow::Result;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// A status-like tag: text and a colour class.
#[derive(Serialize, Clone)]
pub struct Tag {
    label: String,
    class: &'static str,
    count: usize,
}

/// A tag for a status, state, RAG or judgement word: its label and colour.
fn tag(word: &str) -> Tag {
    Tag {
        label: label(word),
        class: present::tone(word),
        count: 0,
    }
}

/// A review's judgements as the templates show them: the area and the grade in the
/// framework's words (SPEC §14.10), the grade's colour from its value.
fn judgement_rows(config: &crate::config::Config, rec: &Record) -> Vec<serde_json::Value> {
    crate::judgements::words(config, rec)
        .into_iter()
        .map(|j| {
            let grade = Tag {
                label: j.grade,
                ..tag(&j.value)
            };
            json!({"area": j.area, "grade": grade})
        })
        .collect()
}

/// A link to a record, as the templates show it: title, ID, status and readiness flags.
#[derive(Serialize, Clone, Default)]
struct LinkCtx {
    href: String,
    title: String,
    id: String,
    withheld: bool,
    status: Option<Tag>,
    /// Readiness facts beside the status: overdue actions, stale or changed evidence.
    flags: Vec<Tag>,
    note: Option<String>,
    /// The link as `link.html` renders it (filled by [`Pages::fill_links`]).
    html: String,
}

/// What a rendered link depends on: the record (through its page address, which
/// also carries the depth), whether its status shows, and the note.
#[derive(Hash, PartialEq, Eq)]
struct LinkKey {
    href: String,
    withheld: bool,
    status: bool,
    note: Option<String>,
}

impl LinkCtx {
    fn withheld() -> LinkCtx {
        LinkCtx {
            withheld: true,
            ..LinkCtx::default()
        }
    }
}

/// Page-independent helpers over the build.
struct Pages<'a> {
    b: &'a Build<'a>,
    site_ctx: serde_json::Value,
    /// Rendered banners and footers by (root, section).
    chrome: RwLock<HashMap<(String, String), Arc<Chrome>>>,
    /// Links rendered by `link.html`: a record is listed on many pages.
    links: RwLock<HashMap<LinkKey, Arc<str>>>,
}

/// A page's banner and footer, rendered once and shared (see [`Pages::chrome`]).
#[derive(Serialize)]
struct Chrome {
    header: String,
    footer: String,
}

/// `[[ID]]` resolution for one page.
struct PageLinks<'a> {
    b: &'a Build<'a>,
    root: &'a str,
    /// The record whose body this is (its relative links were resolved when linking).
    record: Option<&'a Record>,
}

impl Links for PageLinks<'_> {
    fn target(&self, id: &str) -> Option<LinkTarget> {
        if id == WITHHELD_ID {
            return Some(LinkTarget::Withheld);
        }
        self.b.site().get(id).map(|r| LinkTarget::Visible {
            href: format!("{}{}", self.root, r.page_path()),
            title: r.title.clone(),
        })
    }

    fn local(&self, dest: &str) -> Option<String> {
        let path = match self.record {
            Some(r) => r.local_path(dest)?,
            // A page of the site's own words (the accessibility statement): its links
            // were checked when the site was linked.
            None => self
                .b
                .site()
                .config
                .statement_links
                .iter()
                .find(|(d, _)| d == dest)
                .map(|(_, p)| p.as_str())?,
        };
        self.b
            .attachments
            .contains(path)
            .then(|| format!("{}files/{}", self.root, encode_path(path)))
    }
}

/// Percent-encodes what a URL path cannot hold as written.
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl<'a> Pages<'a> {
    fn new(b: &'a Build<'a>) -> Pages<'a> {
        let site = b.site();
        let mut nav = vec![json!({"key": "index", "title": "Dashboard", "href": "index.html"})];
        for t in ALL_TYPES {
            if t == RecordType::Objective || t == RecordType::Page || t == RecordType::Event {
                continue;
            }
            if site.of_type(t).next().is_some() {
                nav.push(json!({"key": t.folder(), "title": t.plural_title(), "href": format!("{}/index.html", t.folder())}));
            }
        }
        nav.push(json!({"key": "matrix", "title": "Matrix", "href": "matrix.html"}));
        nav.push(json!({"key": "timeline", "title": "Timeline", "href": "timeline.html"}));
        if b.changes.is_some() {
            nav.push(json!({"key": "changes", "title": "Changes", "href": "changes.html"}));
        }
        // Narrative pages, by `order`: their titles are often long, so they are listed in
        // the footer of every page and on the dashboard rather than in the top bar.
        let mut pages: Vec<&Record> = site.of_type(RecordType::Page).map(|(_, r)| r).collect();
        pages.sort_by(|a, b| {
            (a.order.unwrap_or(i64::MAX), &a.title).cmp(&(b.order.unwrap_or(i64::MAX), &b.title))
        });
        let pages: Vec<_> = pages
            .iter()
            .map(|p| json!({"key": format!("page:{}", p.key), "title": p.title, "href": p.page_path()}))
            .collect();
        let site_ctx = json!({
            "title": site.config.title,
            "organisation": site.config.organisation,
            "as_of": b.as_of.to_string(),
            "as_of_long": b.as_of.long(),
            "marking": b.view.marking,
            "audience": b.view.audience,
            "audience_title": site.config.audience_title(&b.view.audience),
            "version": crate::VERSION,
            "nav": nav,
            "pages": pages,
            "sensitive": b.view.marking == "OFFICIAL-SENSITIVE",
            "branding": branding_ctx(&site.config.branding),
        });
        Pages {
            b,
            site_ctx,
            chrome: RwLock::new(HashMap::new()),
            links: RwLock::new(HashMap::new()),
        }
    }

    fn context(
        &self,
        root: &str,
        title: &str,
        section: &str,
        crumbs: Vec<(String, Option<String>)>,
    ) -> Result<tera::Context> {
        let mut ctx = tera::Context::new();
        ctx.insert("site", &self.site_ctx);
        ctx.insert("root", root);
        let crumbs: Vec<_> = crumbs
            .into_iter()
            .map(|(t, h)| json!({"title": t, "href": h}))
            .collect();
        ctx.insert(
            "page",
            &json!({"title": title, "section": section, "breadcrumbs": crumbs}),
        );
        ctx.insert("chrome", &*self.chrome(root, section)?);
        Ok(ctx)
    }

    /// Renders each link with `link.html`, once per distinct link in the whole build:
    /// the same record is listed, the same way, on many pages.
    fn fill_links(&self, items: &mut [LinkCtx]) -> Result<()> {
        for l in items {
            let key = LinkKey {
                href: l.href.clone(),
                withheld: l.withheld,
                status: l.status.is_some(),
                note: l.note.clone(),
            };
            if let Some(found) = self.links.read().ok().and_then(|c| c.get(&key).cloned()) {
                l.html = found.to_string();
                continue;
            }
            let mut ctx = tera::Context::new();
            ctx.insert("l", &*l);
            let html: Arc<str> = self.render("link.html", &ctx)?.into();
            l.html = html.to_string();
            if let Ok(mut cache) = self.links.write() {
                cache.insert(key, html);
            }
        }
        Ok(())
    }

    /// The banner and footer of every page (`header.html`, `footer.html`). They depend
    /// only on the page's depth and section, so each pair is rendered once per build
    /// rather than once per page: it is a good part of every page.
    fn chrome(&self, root: &str, section: &str) -> Result<Arc<Chrome>> {
        let key = (root.to_string(), section.to_string());
        if let Some(found) = self.chrome.read().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(found);
        }
        let mut ctx = tera::Context::new();
        ctx.insert("site", &self.site_ctx);
        ctx.insert("root", root);
        ctx.insert("page", &json!({"section": section}));
        let made = Arc::new(Chrome {
            header: self.render("header.html", &ctx)?,
            footer: self.render("footer.html", &ctx)?,
        });
        if let Ok(mut cache) = self.chrome.write() {
            cache.insert(key, made.clone());
        }
        Ok(made)
    }

    fn render(&self, template: &str, ctx: &tera::Context) -> Result<String> {
        self.b
            .theme
            .tera
            .render(template, ctx)
            .map_err(|e| anyhow::anyhow!("cannot render `{template}`: {}", error_chain(&e)))
    }

    fn link(&self, root: &str, i: usize) -> LinkCtx {
        let r = &self.b.site().records[i];
        LinkCtx {
            href: format!("{root}{}", r.page_path()),
            title: r.title.clone(),
            id: r.id.clone(),
            withheld: false,
            status: self.standing(i),
            flags: self.flags(i),
            note: None,
            html: String::new(),
        }
    }

    /// The one tag that says where a record stands: an evidence record's state, any
    /// other record's status.
    fn standing(&self, i: usize) -> Option<Tag> {
        let word = present::standing(self.b.site(), self.b.analysis, i);
        (!word.is_empty()).then(|| tag(word))
    }

    /// Readiness facts worth a tag beside a record's standing wherever it is listed.
    fn flags(&self, i: usize) -> Vec<Tag> {
        let a = self.b.analysis;
        if a.overdue[i] {
            vec![tag("overdue")]
        } else if a.past_due[i] {
            vec![tag("past-due")]
        } else if a.met_but_action_overdue(self.b.site(), i) {
            vec![tag("action-overdue")]
        } else {
            Vec::new()
        }
    }

    /// A link to evidence behind a recommendation, saying how it gets there.
    fn behind_link(&self, root: &str, b: &Behind) -> LinkCtx {
        LinkCtx {
            note: present::trace_note(self.b.site(), b),
            ..self.link(root, b.evidence)
        }
    }

    fn link_html(&self, root: &str, i: usize) -> String {
        let r = &self.b.site().records[i];
        format!(
            "<a href=\"{root}{}\">{}</a> <span class=\"id\">{}</span>",
            escape_html(&r.page_path()),
            escape_html(&r.title),
            escape_html(&r.id)
        )
    }

    fn body_html(&self, rec: &Record, root: &str) -> String {
        if rec.body.trim().is_empty() {
            return String::new();
        }
        let links = PageLinks {
            b: self.b,
            root,
            record: Some(rec),
        };
        markdown::to_html(&rec.body, &links)
    }

    /// Charts as the templates show them (`chart.html`).
    fn charts(&self, charts: Vec<crate::charts::Chart>) -> Vec<serde_json::Value> {
        charts.iter().map(super::svg::context).collect()
    }

    fn simple_page(
        &self,
        path: &str,
        title: &str,
        template: &str,
        body: String,
    ) -> Result<(String, String)> {
        let crumbs = vec![
            ("Dashboard".to_string(), Some("index.html".to_string())),
            (title.to_string(), None),
        ];
        let mut ctx = self.context("", title, path.trim_end_matches(".html"), crumbs)?;
        ctx.insert("body", &body);
        Ok((path.to_string(), self.render(template, &ctx)?))
    }
}

/// `site.yaml` `branding` as the templates use it: the logo's path under `files/`
/// (URL-encoded) and the header colours, checked for contrast when read.
fn branding_ctx(b: &crate::branding::Branding) -> serde_json::Value {
    json!({
        "logo": b.logo.as_ref().and_then(|l| l.resolved.as_deref()).map(encode_path),
        "colour": b.colour,
        "colour_dark": b.colour.as_deref().map(crate::branding::darker),
    })
}

/// The title of a type's list page. Events are listed as "Events": "Timeline" is the
/// page that draws them by date, and two pages never share a title.
fn list_title(t: RecordType) -> &'static str {
    match t {
        RecordType::Event => "Events",
        _ => t.plural_title(),
    }
}

/// Moves a value into a template context (`Context::insert` would copy it: the rows of
/// a list or the matrix are large).
fn put(ctx: &mut tera::Context, key: &str, value: serde_json::Value) {
    let mut map = serde_json::Map::new();
    map.insert(key.to_string(), value);
    // An object always makes a context.
    if let Ok(more) = tera::Context::from_value(serde_json::Value::Object(map)) {
        ctx.extend(more);
    }
}
