//! The evidence website: one Tera page per record, a list per type, the dashboard,
//! matrix, timeline, search and accessibility pages (SPEC §9).
//!
//! Reads only the site audience's analysed view; every derived fact comes from its
//! analysis and every value's wording from [`present`]. Builds plain serialisable
//! contexts so templates never see the model. User text goes
//! to templates as data and is escaped by Tera; the few pre-rendered HTML fragments
//! (Markdown bodies, field values with links) are escaped here, field by field.

use super::theme::error_chain;
use super::{Build, Emit};
use crate::analysis::{Behind, GapKind};
use crate::markdown::{self, escape_html, LinkTarget, Links};
use crate::model::schema::{FieldKind, RecordType, ALL_TYPES};
use crate::model::view::WITHHELD_ID;
use crate::model::Record;
use crate::present::{self, field_label, label};
use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

/// A status-like tag: text and a colour class.
#[derive(Serialize, Clone)]
pub struct Tag {
    label: String,
    class: &'static str,
    count: usize,
}

/// The dashboard's readiness bar (SPEC §14.3): its three parts, each with its label,
/// count, colour and width in tenths of a percent.
fn readiness_meter(r: &crate::analysis::Readiness) -> Vec<serde_json::Value> {
    present::readiness_bar(r)
        .into_iter()
        .filter(|(_, n, _)| *n > 0)
        .map(|(label, n, tone)| {
            json!({"label": label, "count": n, "tone": tone,
                   "per_mille": n * 1000 / r.counted.max(1)})
        })
        .collect()
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

/// One row of a record's summary list: a label and its value, already escaped HTML.
#[derive(Serialize)]
struct Field {
    label: String,
    html: String,
}

/// A group of linked records on a record page.
#[derive(Serialize)]
struct Relation {
    key: String,
    heading: String,
    items: Vec<LinkCtx>,
}

/// What `record.html` is given as `record`.
#[derive(Serialize)]
struct RecordCtx<'a> {
    id: &'a str,
    title: &'a str,
    #[serde(rename = "type")]
    rtype: &'static str,
    type_title: &'static str,
    status: Option<Tag>,
    flags: Vec<Tag>,
    fields: Vec<Field>,
    body: String,
    relations: Vec<Relation>,
    objectives: Vec<serde_json::Value>,
    judgements: Vec<serde_json::Value>,
    attachments: Vec<serde_json::Value>,
    other: Vec<serde_json::Value>,
    /// An indicator's line chart (`chart.html`), and its figures with their notes.
    charts: Vec<serde_json::Value>,
    figures: Vec<serde_json::Value>,
    /// Indicators that relate to this record, each with its latest figure.
    indicators: Vec<serde_json::Value>,
    path: &'a str,
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

    /// The summary list of a record: every field with a value, in SPEC §3 order.
    fn fields(&self, i: usize, root: &str) -> Vec<Field> {
        let site = self.b.site();
        let rec = &site.records[i];
        let a = self.b.analysis;
        let mut out: Vec<(u8, String, String)> = Vec::new();
        let mut push = |label: &str, html: String| {
            out.push((present::reading_order(label), label.to_string(), html))
        };
        let esc = |s: &str| escape_html(s);
        let date = |d: Option<crate::date::PartialDate>| d.map(|d| escape_html(&d.long()));
        let tag_html = |word: &str| {
            format!(
                "<strong class=\"tag tag-{}\">{}</strong>",
                present::tone(word),
                esc(&label(word))
            )
        };
        // A past-due recommendation or overdue action: its tag and the days late.
        let late = |i: usize| match a.late_by(site, i) {
            Some(days) => format!(
                " {} <span class=\"note\">{}</span>",
                tag_html(if a.overdue[i] { "overdue" } else { "past-due" }),
                esc(&present::days_past_due(days))
            ),
            None => String::new(),
        };
        let refs_html = |field: &str| -> Option<String> {
            let items: Vec<String> = rec
                .refs_in(field)
                .map(|rf| match rf.target {
                    Some(t) => self.link_html(root, t),
                    None if rf.withheld => "<span class=\"withheld\">withheld</span>".to_string(),
                    None => escape_html(&rf.id),
                })
                .collect();
            (!items.is_empty()).then(|| items.join("<br>"))
        };
        push(
            &field_label("id"),
            format!("<span class=\"id\">{}</span>", esc(&rec.id)),
        );
        // Next to the ID, before any detail it qualifies (issue 30).
        if let Some(why) = &rec.illustrative {
            push(
                &field_label("illustrative"),
                esc(&present::illustrative_note(why)),
            );
        }
        match rec.rtype {
            RecordType::Recommendation => {
                if let Some(h) = refs_html("source") {
                    push(&field_label("source"), h);
                }
                if let Some(f) = rec.finding {
                    push(&field_label("finding"), esc(&label(f)));
                }
                if let Some(p) = rec.priority {
                    push(&field_label("priority"), esc(&label(p)));
                }
                if let Some(d) = present::due_text(rec) {
                    push(&field_label("due"), format!("{}{}", esc(&d), late(i)));
                }
                push("Evidence", tag_html(present::evidence_word(site, a, i)));
                if let Some(s) = &rec.agreed {
                    push(&field_label("agreed"), esc(&present::sign_off_text(s)));
                }
                if a.met_but_action_overdue(site, i) {
                    let overdue: Vec<String> = a
                        .overdue_actions_addressing(site, i)
                        .into_iter()
                        .map(|x| self.link_html(root, x))
                        .collect();
                    push(
                        "Overdue actions",
                        format!("{} {}", tag_html("action-overdue"), overdue.join("<br>")),
                    );
                }
            }
            RecordType::Action => {
                if let Some(h) = refs_html("plan") {
                    push(&field_label("plan"), h);
                }
                if let Some(h) = refs_html("objective") {
                    push(&field_label("objective"), h);
                }
                if let Some(d) = present::due_text(rec) {
                    push(&field_label("due"), format!("{}{}", esc(&d), late(i)));
                }
                if let Some(d) = date(rec.completed) {
                    push(&field_label("completed"), d);
                }
                if let Some(rag) = a.rag[i] {
                    push(&field_label("rag"), tag_html(rag));
                }
            }
            RecordType::Evidence => {
                if let Some(k) = rec.kind {
                    push(&field_label("kind"), esc(&label(k)));
                }
                if let Some(d) = date(rec.reviewed) {
                    push(&field_label("reviewed"), d);
                }
                if let Some(d) = date(rec.expires) {
                    push(&field_label("expires"), d);
                }
                if let Some(state) = a.state_of(i) {
                    push("State", tag_html(state.name()));
                }
                push("Recorded status", esc(&label(rec.status)));
                if let Some(l) = &rec.location {
                    push(&field_label("location"), esc(l));
                }
                if let Some(s) = &rec.signed_off {
                    push("Signed off", esc(&present::sign_off_text(s)));
                }
                if let Some(u) = &rec.url {
                    let safe = u.starts_with("https://") || u.starts_with("http://");
                    push(
                        "Link",
                        if safe {
                            format!("<a href=\"{}\">{}</a>", esc(u), esc(u))
                        } else {
                            esc(u)
                        },
                    );
                }
                if let Some(h) = &rec.sha256 {
                    let actual = rec.file_path().and_then(|p| self.b.hashes.get(p));
                    let verdict = match actual {
                        Some(actual) => {
                            let word = present::hash_verdict(h, actual);
                            let copy = if word == "matches" {
                                String::new()
                            } else {
                                format!(" <span class=\"hash\">{}</span>", esc(actual))
                            };
                            format!(
                                "<span class=\"hash-verdict\">{} <span class=\"note\">{}</span>{copy}</span>",
                                tag_html(word),
                                esc(&present::hash_explained(word, rec.signed_off.as_ref()))
                            )
                        }
                        None => String::new(),
                    };
                    push(
                        "Recorded SHA-256",
                        format!("<span class=\"hash\">{}</span>{verdict}", esc(h)),
                    );
                }
            }
            RecordType::Plan => {
                if rec.period_start.is_some() || rec.period_end.is_some() {
                    let s = rec.period_start.map(|d| d.long()).unwrap_or_default();
                    let e = rec.period_end.map(|d| d.long()).unwrap_or_default();
                    push(&field_label("period"), esc(&format!("{s} – {e}")));
                }
                if let Some(d) = date(rec.approved) {
                    push(&field_label("approved"), d);
                }
            }
            RecordType::Objective => {
                if let Some(p) = rec.parent {
                    push(&field_label("plan"), self.link_html(root, p));
                }
            }
            RecordType::Review => {
                if let Some(k) = rec.kind {
                    push(&field_label("kind"), esc(&label(k)));
                }
            }
            RecordType::Event => {
                if let Some(k) = rec.kind {
                    push(&field_label("kind"), esc(&label(k)));
                }
            }
            RecordType::Page => {}
            RecordType::Indicator => {
                if let Some(u) = rec.unit {
                    push(&field_label("unit"), esc(u));
                }
                if let Some(p) = rec.polarity {
                    push(&field_label("polarity"), esc(&label(p)));
                }
                if let Some(t) = rec.target {
                    push(&field_label("target"), esc(&present::figure(t, rec.unit)));
                }
                if let Some(f) = a.indicators[i].as_ref() {
                    if let Some(l) = f.latest {
                        let v = &rec.values[l];
                        let mut html = format!(
                            "{} <span class=\"note\">{}</span>",
                            esc(&present::figure(v.value, rec.unit)),
                            esc(&v.period.long())
                        );
                        if let Some(ag) = f.against {
                            html.push(' ');
                            html.push_str(&tag_html(ag.name()));
                        }
                        push("Latest", html);
                    }
                    if let Some(t) = f.trend {
                        push("Trend", tag_html(t.name()));
                    }
                }
                if let Some(file) = &rec.values_file {
                    push(
                        &field_label("values_file"),
                        format!("<span class=\"path\">{}</span>", esc(&file.path)),
                    );
                }
            }
            RecordType::Risk => {
                if let Some(l) = rec.likelihood {
                    push(&field_label("likelihood"), format!("{l} of 5"));
                }
                if let Some(m) = rec.impact {
                    push(&field_label("impact"), format!("{m} of 5"));
                }
                if let Some(score) = a.risks[i].and_then(|f| f.score) {
                    push(
                        "Score",
                        format!("{score} {}", tag_html(present::risk_band(score))),
                    );
                }
                if let Some(d) = date(rec.review_by) {
                    let flag = if a.risks[i].is_some_and(|f| f.review_overdue) {
                        format!(" {}", tag_html("review-overdue"))
                    } else {
                        String::new()
                    };
                    push(&field_label("review_by"), format!("{d}{flag}"));
                }
            }
        }
        if let Some(o) = &rec.owner {
            push(&field_label("owner"), esc(o));
        }
        if let Some(d) = date(rec.date) {
            push(&field_label("date"), d);
        }
        if !rec.tags.is_empty() {
            push(
                "Tags",
                rec.tags
                    .iter()
                    .map(|t| esc(t))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
        }
        if let Some(c) = rec.classification {
            push(&field_label("classification"), esc(c));
        }
        // Plain fields, by their declarations alone: nothing here names them.
        for f in present::plain_fields(rec.rtype) {
            let html = match f.kind {
                FieldKind::Ref(_) | FieldKind::Refs(_) => refs_html(f.name),
                _ => rec.plain(f.name).map(|v| esc(&present::plain_text(v))),
            };
            if let Some(html) = html {
                out.push((f.group as u8, present::plain_label(f), html));
            }
        }
        // What, who, when, then how it stands (a stable sort keeps each part's order).
        out.sort_by_key(|(order, _, _)| *order);
        out.into_iter()
            .map(|(_, label, html)| Field { label, html })
            .collect()
    }

    fn record_page(&self, i: usize) -> Result<(String, String)> {
        let site = self.b.site();
        let rec = &site.records[i];
        let root = "../";
        let a = self.b.analysis;
        let mut relations: Vec<Relation> = Vec::new();
        let refs = |field: &str| -> Vec<LinkCtx> {
            rec.refs_in(field)
                .filter_map(|rf| match rf.target {
                    Some(t) => Some(self.link(root, t)),
                    None if rf.withheld => Some(LinkCtx::withheld()),
                    None => None,
                })
                .collect()
        };
        let backlinks = |field: &str| -> Vec<LinkCtx> {
            let mut seen = BTreeSet::new();
            site.backlinks[i]
                .iter()
                .filter(|b| b.field == field && seen.insert(b.from))
                .map(|b| self.link(root, b.from))
                .collect()
        };
        let mut section = |key: &str, heading: &str, items: Vec<LinkCtx>| {
            if !items.is_empty() {
                relations.push(Relation {
                    key: key.to_string(),
                    heading: heading.to_string(),
                    items,
                });
            }
        };
        // What this record answers or supports, then what answers or supports it: the
        // path from a recommendation to its evidence comes first on every page.
        section(
            "addresses",
            "Recommendations this answers",
            refs("addresses"),
        );
        section("supports", "What this evidences", refs("supports"));
        section(
            "recommendations",
            "Recommendations made",
            backlinks("source"),
        );
        section("actions", "Actions answering this", backlinks("addresses"));
        section("actions", "Actions", backlinks("objective"));
        section("actions", "Actions under this plan", backlinks("plan"));
        if rec.rtype == RecordType::Recommendation {
            section(
                "evidence",
                "Evidence behind this",
                a.trace[i]
                    .iter()
                    .map(|b| self.behind_link(root, b))
                    .collect(),
            );
        } else {
            section("evidence", "Evidenced by", backlinks("supports"));
        }
        section("relates", "Shows progress on", refs("relates"));
        section(
            "mitigations",
            "Actions reducing this risk",
            refs("mitigations"),
        );
        section("risks", "Risks this reduces", backlinks("mitigations"));
        section("refs", "Records this event concerns", refs("refs"));
        section("related", "Related", refs("related"));
        // Timeline events about this record, by date.
        let mut events: Vec<usize> = site.backlinks[i]
            .iter()
            .filter(|b| b.field == "refs" || site.records[b.from].rtype == RecordType::Event)
            .map(|b| b.from)
            .collect();
        events.sort_by_key(|&e| (site.records[e].date.map(|d| d.first_day()), e));
        events.dedup();
        section(
            "events",
            "In the timeline",
            events
                .iter()
                .map(|&e| LinkCtx {
                    note: site.records[e].date.map(|d| d.long()),
                    status: None,
                    ..self.link(root, e)
                })
                .collect(),
        );
        // Everything else that links here, once per record, saying how; a record
        // already listed above is not listed again.
        let mut shown: BTreeSet<String> = relations
            .iter()
            .flat_map(|r| r.items.iter().map(|l| l.href.clone()))
            .collect();
        // The records this one names in its fields are in its summary list already.
        for field in [
            "source",
            "plan",
            "objective",
            "addresses",
            "supports",
            "refs",
            "related",
            "relates",
            "mitigations",
        ] {
            for t in rec.targets(field) {
                shown.insert(format!("{root}{}", site.records[t].page_path()));
            }
        }
        if let Some(p) = rec.parent {
            shown.insert(format!("{root}{}", site.records[p].page_path()));
        }
        let mut others: Vec<(usize, Vec<String>)> = Vec::new();
        for bl in &site.backlinks[i] {
            if matches!(
                bl.field,
                "source"
                    | "addresses"
                    | "objective"
                    | "plan"
                    | "supports"
                    | "relates"
                    | "mitigations"
            ) || events.contains(&bl.from)
                || shown.contains(&format!("{root}{}", site.records[bl.from].page_path()))
            {
                continue;
            }
            let how = present::referred_how(bl.field);
            match others.iter_mut().find(|(f, _)| *f == bl.from) {
                Some((_, hows)) if !hows.contains(&how) => hows.push(how),
                Some(_) => {}
                None => others.push((bl.from, vec![how])),
            }
        }
        let others: Vec<LinkCtx> = others
            .into_iter()
            .map(|(from, hows)| LinkCtx {
                note: Some(hows.join("; ")),
                ..self.link(root, from)
            })
            .collect();
        if !others.is_empty() {
            relations.push(Relation {
                key: "backlinks".into(),
                heading: "Referred to by".into(),
                items: others,
            });
        }

        for rel in &mut relations {
            self.fill_links(&mut rel.items)?;
        }

        // Objectives of a plan, with their actions.
        let objectives: Vec<serde_json::Value> = rec
            .objectives
            .iter()
            .map(|&o| {
                let obj = &site.records[o];
                let mut actions: Vec<LinkCtx> = site.backlinks[o]
                    .iter()
                    .filter(|b| b.field == "objective")
                    .map(|b| self.link(root, b.from))
                    .collect();
                self.fill_links(&mut actions)?;
                Ok(json!({"id": obj.id, "title": obj.title, "href": format!("{root}{}", obj.page_path()),
                       "body": self.body_html(obj, root), "actions": actions}))
            })
            .collect::<Result<_>>()?;
        let judgements = judgement_rows(&site.config, rec);
        let mut attachments = Vec::new();
        if let Some(path) = rec.file_path() {
            if self.b.attachments.contains(path) {
                let size = self.b.sizes.get(path).copied();
                // With a recorded hash the summary list says whether this copy matches
                // it; without one, this copy's hash is the one to note.
                let sha256 = rec
                    .sha256
                    .is_none()
                    .then(|| self.b.hashes.get(path))
                    .flatten();
                attachments.push(json!({
                    "href": format!("{root}files/{}", encode_path(path)),
                    "name": path.rsplit('/').next().unwrap_or(path),
                    "description": present::file_description(path, size),
                    "sha256": sha256,
                }));
            }
        }
        let other: Vec<serde_json::Value> = rec
            .extra
            .iter()
            .map(|(k, v)| json!({"label": k.replace('_', " "), "value": value_text(v)}))
            .collect();
        let mut flags = self.flags(i);
        if a.counted(site, i) && !a.evidenced[i] {
            flags.push(tag("no-current-evidence"));
        }
        let status = self.standing(i);
        let (charts, figures) = match a.indicators[i].as_ref() {
            Some(f) if !rec.values.is_empty() => (
                self.charts(vec![crate::charts::indicator_chart(rec, f)]),
                f.series
                    .iter()
                    .map(|&v| {
                        let r = &rec.values[v];
                        json!({"period": r.period.long(), "value": present::figure(r.value, rec.unit),
                               "note": r.note})
                    })
                    .collect(),
            ),
            _ => (Vec::new(), Vec::new()),
        };
        let indicators = a
            .indicators_relating(site, i)
            .into_iter()
            .map(|x| self.indicator_row(root, x))
            .collect();
        let record = RecordCtx {
            id: &rec.id,
            title: &rec.title,
            rtype: rec.rtype.name(),
            type_title: rec.rtype.singular_title(),
            status,
            flags,
            fields: self.fields(i, root),
            body: self.body_html(rec, root),
            relations,
            objectives,
            judgements,
            attachments,
            other,
            charts,
            figures,
            indicators,
            path: &rec.path,
        };
        let folder = rec.rtype.folder();
        let mut crumbs = vec![("Dashboard".to_string(), Some("index.html".to_string()))];
        if rec.rtype != RecordType::Page {
            crumbs.push((
                list_title(rec.rtype).to_string(),
                Some(format!("{folder}/index.html")),
            ));
        }
        crumbs.push((rec.title.clone(), None));
        let section = if rec.rtype == RecordType::Page {
            format!("page:{}", rec.key)
        } else {
            folder.to_string()
        };
        let page_title = if rec.rtype == RecordType::Page {
            rec.title.clone()
        } else {
            format!("{} ({})", rec.title, rec.id)
        };
        let mut ctx = self.context(root, &page_title, &section, crumbs)?;
        ctx.insert("record", &record);
        Ok((rec.page_path(), self.render("record.html", &ctx)?))
    }

    fn list_page(&self, t: RecordType) -> Result<(String, String)> {
        let site = self.b.site();
        let a = self.b.analysis;
        let root = "../";
        let cols: &[&str] = match t {
            RecordType::Recommendation => &[
                // The source review heads each group of rows rather than filling a column.
                "ID", "Title", "Priority", "Owner", "Due", "Status", "Evidence",
            ],
            RecordType::Action => &["ID", "Title", "Addresses", "Owner", "Due", "Status", "RAG"],
            RecordType::Evidence => &[
                "ID", "Title", "Kind", "Supports", "Date", "Reviewed", "State",
            ],
            RecordType::Plan => &["ID", "Title", "Period", "Status"],
            RecordType::Objective => &["ID", "Title", "Plan"],
            RecordType::Review => &["ID", "Title", "Kind", "By", "Date", "Status"],
            RecordType::Event => &["Date", "Title", "Kind"],
            RecordType::Page => &["Title"],
            RecordType::Indicator => &["ID", "Title", "Latest", "Target", "Trend", "Status"],
            RecordType::Risk => &[
                "ID",
                "Title",
                "Owner",
                "Likelihood",
                "Impact",
                "Score",
                "Review by",
                "Status",
            ],
        };
        let standing_order = present::standing_order(t);
        let mut filter_values: BTreeMap<&str, BTreeSet<(String, String)>> = BTreeMap::new();
        let mut rows = Vec::new();
        let mut order: Vec<(usize, &Record)> = site.of_type(t).collect();
        if t == RecordType::Evidence {
            // The newest evidence first: what an inspector asks for.
            order.sort_by_key(|(i, r)| {
                (
                    std::cmp::Reverse(r.reviewed.or(r.date).map(|d| d.first_day())),
                    *i,
                )
            });
        }
        for (i, rec) in order {
            let text = |s: &str| json!({"text": s});
            let word = |w: &str, order: &[&str]| {
                if w.is_empty() {
                    json!({"text": ""})
                } else {
                    json!({"status": tag(w), "sort": present::sort_key(order, w)})
                }
            };
            let date = |d: Option<crate::date::PartialDate>| json!({"text": d.map(|d| d.long()).unwrap_or_default(), "sort": d.map(|d| d.to_string()).unwrap_or_default()});
            // A due date with its move and, when late, the days past due (SPEC §14.4).
            let due_cell = {
                let mut c = date(rec.due);
                if let Some(t) = present::due_text(rec) {
                    let text = match a.late_by(site, i) {
                        Some(days) => format!("{t} — {}", present::days_past_due(days)),
                        None => t,
                    };
                    // More than a date (days late, a moved date) may wrap: kept on one
                    // line it pushed the table past the page's width.
                    if text.len() > 20 {
                        c["class"] = json!("due-long");
                    }
                    c["text"] = json!(text);
                }
                c
            };
            let id_cell = json!({"text": rec.id, "href": format!("{root}{}", rec.page_path()), "class": "id"});
            // The title leads each row when a phone shows the table as a list of cards.
            let title_cell = json!({"text": rec.title, "href": format!("{root}{}", rec.page_path()), "class": "cell-primary"});
            let standing = present::standing(site, a, i);
            let standing_cell = word(standing, &standing_order);
            // The records a field names, as links by title with the ID beside (withheld
            // ones are left out).
            let links = |field: &str| {
                let items: Vec<serde_json::Value> = rec
                    .targets(field)
                    .map(|x| {
                        let r = &site.records[x];
                        json!({"text": r.title, "id": r.id, "href": format!("{root}{}", r.page_path())})
                    })
                    .collect();
                json!({"links": items})
            };
            let cells: Vec<serde_json::Value> = match t {
                RecordType::Recommendation => vec![
                    id_cell,
                    title_cell,
                    match rec.priority {
                        Some(p) => {
                            json!({"text": label(p), "sort": present::sort_key(present::PRIORITIES, p)})
                        }
                        None => text(""),
                    },
                    text(rec.owner.as_deref().unwrap_or("")),
                    due_cell,
                    {
                        let mut c = standing_cell;
                        c["flags"] = json!(self.flags(i));
                        c
                    },
                    word(
                        present::evidence_word(site, a, i),
                        &["not-evidenced", "evidenced", "not-counted"],
                    ),
                ],
                RecordType::Action => vec![
                    id_cell,
                    title_cell,
                    links("addresses"),
                    text(rec.owner.as_deref().unwrap_or("")),
                    due_cell,
                    {
                        let mut c = standing_cell;
                        c["flags"] = json!(self.flags(i));
                        c
                    },
                    word(a.rag[i].unwrap_or(""), crate::model::schema::RAGS),
                ],
                RecordType::Evidence => vec![
                    id_cell,
                    title_cell,
                    text(&label(rec.kind.unwrap_or(""))),
                    links("supports"),
                    date(rec.date),
                    date(rec.reviewed),
                    standing_cell,
                ],
                RecordType::Plan => vec![
                    id_cell,
                    title_cell,
                    text(&format!(
                        "{} – {}",
                        rec.period_start.map(|d| d.long()).unwrap_or_default(),
                        rec.period_end.map(|d| d.long()).unwrap_or_default()
                    )),
                    standing_cell,
                ],
                RecordType::Objective => vec![
                    id_cell,
                    title_cell,
                    match rec.parent {
                        Some(p) => {
                            let r = &site.records[p];
                            json!({"text": r.title, "id": r.id, "href": format!("{root}{}", r.page_path()), "class": "wrap"})
                        }
                        None => text(""),
                    },
                ],
                RecordType::Review => vec![
                    id_cell,
                    title_cell,
                    text(&label(rec.kind.unwrap_or(""))),
                    text(rec.text("by").unwrap_or("")),
                    date(rec.date),
                    standing_cell,
                ],
                RecordType::Event => vec![
                    date(rec.date),
                    title_cell,
                    text(&label(rec.kind.unwrap_or(""))),
                ],
                RecordType::Page => vec![title_cell],
                RecordType::Indicator => {
                    let f = a.indicators[i].as_ref();
                    let latest = f.and_then(|f| f.latest.map(|l| (f, l)));
                    let figure = |v: f64| present::figure(v, rec.unit);
                    vec![
                        id_cell,
                        title_cell,
                        match latest {
                            Some((f, l)) => {
                                let r = &rec.values[l];
                                json!({"text": format!("{} ({})", figure(r.value), r.period.long()),
                                       "svg": super::svg::sparkline(&crate::charts::sparkline(rec, f)),
                                       "status": f.against.map(|x| tag(x.name())),
                                       "sort": r.value})
                            }
                            None => text("No figures"),
                        },
                        text(&rec.target.map(figure).unwrap_or_default()),
                        match f.and_then(|f| f.trend) {
                            Some(t) => word(t.name(), &["worsening", "flat", "improving"]),
                            None => text(""),
                        },
                        standing_cell,
                    ]
                }
                RecordType::Risk => {
                    let facts = a.risks[i].unwrap_or_default();
                    let mut review = date(rec.review_by);
                    if facts.review_overdue {
                        review["status"] = json!(tag("review-overdue"));
                    }
                    vec![
                        id_cell,
                        title_cell,
                        text(rec.owner.as_deref().unwrap_or("")),
                        text(&rec.likelihood.map(|l| l.to_string()).unwrap_or_default()),
                        text(&rec.impact.map(|l| l.to_string()).unwrap_or_default()),
                        match facts.score {
                            Some(sc) => {
                                json!({"text": sc.to_string(), "status": tag(present::risk_band(sc)),
                                               "sort": format!("{sc:02}")})
                            }
                            None => text(""),
                        },
                        review,
                        standing_cell,
                    ]
                }
            };
            // Each cell carries its column's name, shown beside it on a phone.
            let cells: Vec<serde_json::Value> = cells
                .into_iter()
                .zip(cols)
                .map(|(mut c, label)| {
                    c["label"] = json!(label);
                    c
                })
                .collect();
            // What the filters match: raw values, shown by their labels.
            let mut data: BTreeMap<&str, String> = BTreeMap::new();
            let mut offer = |key: &'static str, value: &str, shown: String| {
                filter_values
                    .entry(key)
                    .or_default()
                    .insert((value.to_string(), shown));
            };
            if !standing.is_empty() {
                data.insert("status", standing.to_string());
                offer("status", standing, label(standing));
            }
            if let Some(o) = &rec.owner {
                data.insert("owner", o.clone());
                offer("owner", o, o.clone());
            }
            if let Some(rag) = a.rag[i] {
                data.insert("rag", rag.to_string());
                offer("rag", rag, label(rag));
            }
            if a.late_by(site, i).is_some() {
                data.insert("late", "past-due".into());
                offer("late", "past-due", label("past-due"));
            }
            if let Some(p) = rec.priority {
                data.insert("priority", p.to_string());
                offer("priority", p, label(p));
            }
            if let Some(k) = rec.kind {
                data.insert("kind", k.to_string());
                offer("kind", k, label(k));
            }
            if t == RecordType::Recommendation {
                if let Some(x) = rec.targets("source").next() {
                    let r = &site.records[x];
                    data.insert("source", r.id.clone());
                    offer("source", &r.id, r.title.clone());
                }
                let evidence = present::evidence_word(site, a, i);
                data.insert("evidence", evidence.to_string());
                offer("evidence", evidence, label(evidence));
            }
            if !rec.tags.is_empty() {
                data.insert("tags", rec.tags.join("|"));
                for tg in &rec.tags {
                    offer("tags", tg, label(tg));
                }
            }
            rows.push((i, json!({"cells": cells, "data": data})));
        }
        // Recommendations in groups by the review that made them, newest first; other
        // lists in one group with no heading.
        let sources = present::by_source(site);
        let groups: Vec<serde_json::Value> = if t == RecordType::Recommendation {
            sources
                .iter()
                .map(|(source, recs)| {
                    let rows: Vec<&serde_json::Value> = rows
                        .iter()
                        .filter(|(i, _)| recs.contains(i))
                        .map(|(_, r)| r)
                        .collect();
                    json!({"heading": self.source_heading(*source, "../"), "rows": rows})
                })
                .collect()
        } else {
            let rows: Vec<&serde_json::Value> = rows.iter().map(|(_, r)| r).collect();
            vec![json!({"rows": rows})]
        };
        let status_label = if t == RecordType::Evidence {
            "State"
        } else {
            "Status"
        };
        let filter_labels = [
            ("source", "Source"),
            ("status", status_label),
            ("priority", "Priority"),
            ("kind", "Kind"),
            ("owner", "Owner"),
            ("rag", "RAG"),
            ("late", "Past due"),
            ("evidence", "Evidence"),
            ("tags", "Tag"),
        ];
        let source_ids: Vec<&str> = sources
            .iter()
            .filter_map(|(s, _)| s.map(|x| site.records[x].id.as_str()))
            .collect();
        let filters = filter_menu(&filter_values, &filter_labels, &standing_order, &source_ids);
        let columns: Vec<serde_json::Value> = cols.iter().map(|c| json!({"label": c})).collect();
        let title = list_title(t);
        let crumbs = vec![
            ("Dashboard".to_string(), Some("index.html".to_string())),
            (title.to_string(), None),
        ];
        let mut ctx = self.context(root, title, t.folder(), crumbs)?;
        ctx.insert("columns", &columns);
        ctx.insert("count", &rows.len());
        ctx.insert("filter_target", "records-table");
        put(&mut ctx, "groups", serde_json::Value::Array(groups));
        ctx.insert("filters", &filters);
        if t == RecordType::Risk {
            // The risks page leads with the grid; the register is the table below it.
            let grid = crate::charts::risk_grid(site, a);
            ctx.insert("charts", &self.charts(grid.into_iter().collect()));
        }
        Ok((
            format!("{}/index.html", t.folder()),
            self.render("list.html", &ctx)?,
        ))
    }

    /// The heading of a group of recommendations: the review that made them, its kind
    /// and date, linked; or "No source shown" for those whose review is withheld.
    fn source_heading(&self, source: Option<usize>, root: &str) -> serde_json::Value {
        match source {
            Some(x) => {
                let r = &self.b.site().records[x];
                let about: Vec<String> = [r.kind.map(label), r.date.map(|d| d.long())]
                    .into_iter()
                    .flatten()
                    .collect();
                json!({"title": r.title, "id": r.id, "href": format!("{root}{}", r.page_path()),
                       "about": about.join(", ")})
            }
            None => json!({"title": "Source not shown"}),
        }
    }

    /// An indicator as the pages it relates to list it: its latest figure with the
    /// sparkline, its target, and where it stands (SPEC §14.9).
    fn indicator_row(&self, root: &str, x: usize) -> serde_json::Value {
        let r = &self.b.site().records[x];
        let f = self.b.analysis.indicators[x].as_ref();
        let latest = f.and_then(|f| f.latest.map(|l| (f, l)));
        json!({
            "id": r.id, "title": r.title, "href": format!("{root}{}", r.page_path()),
            "latest": latest.map(|(_, l)| format!("{} ({})", present::figure(r.values[l].value, r.unit), r.values[l].period.long())),
            "svg": latest.map(|(f, _)| super::svg::sparkline(&crate::charts::sparkline(r, f))),
            "target": r.target.map(|t| present::figure(t, r.unit)),
            "against": f.and_then(|f| f.against).map(|x| tag(x.name())),
            "trend": f.and_then(|f| f.trend).map(|x| tag(x.name())),
        })
    }

    fn gap_item(&self, i: usize, detail: String) -> serde_json::Value {
        let rec = &self.b.site().records[i];
        json!({"id": rec.id, "title": rec.title, "href": rec.page_path(), "detail": detail,
               "status": self.standing(i), "flags": self.flags(i)})
    }

    fn dashboard(&self) -> Result<(String, String)> {
        let site = self.b.site();
        let a = self.b.analysis;
        let mut counts = Vec::new();
        for t in ALL_TYPES {
            let total = site.of_type(t).count();
            if total == 0 || t == RecordType::Page {
                continue;
            }
            // Evidence is counted by state, everything else by status: the same
            // figures as the lists, the packs and `assure status`.
            let by: Vec<(&str, usize)> = if t == RecordType::Evidence {
                a.by_state()
                    .into_iter()
                    .map(|(s, n)| (s.name(), n))
                    .collect()
            } else {
                a.by_status(site, t)
            };
            let statuses: Vec<Tag> = by
                .into_iter()
                .map(|(s, n)| Tag { count: n, ..tag(s) })
                .collect();
            counts.push(json!({"title": t.plural_title(), "href": format!("{}/index.html", t.folder()), "total": total,
                               "by": if t == RecordType::Evidence { "state" } else { "status" }, "statuses": statuses}));
        }
        let rag: Vec<Tag> = a
            .by_rag()
            .into_iter()
            .map(|(c, n)| Tag { count: n, ..tag(c) })
            .collect();
        let date_of = |i: usize| site.records[i].date;
        let mut events: Vec<usize> = site.of_type(RecordType::Event).map(|(i, _)| i).collect();
        events.sort_by_key(|&i| (date_of(i).map(|d| d.first_day()), i));
        let as_of = self.b.as_of;
        let recent: Vec<serde_json::Value> = events
            .iter()
            .filter(|&&i| date_of(i).is_some_and(|d| d.first_day() <= as_of))
            .rev()
            .take(5)
            .map(|&i| self.event_ctx(i, ""))
            .collect::<Result<_>>()?;
        let upcoming: Vec<serde_json::Value> = events
            .iter()
            .filter(|&&i| date_of(i).is_some_and(|d| d.first_day() > as_of))
            .take(3)
            .map(|&i| self.event_ctx(i, ""))
            .collect::<Result<_>>()?;
        let due = |i: usize| present::due_text(&site.records[i]).unwrap_or_default();
        let reviewed = |i: usize| {
            let e = &site.records[i];
            e.reviewed
                .or(e.date)
                .map(|d| d.long())
                .unwrap_or_else(|| "never".into())
        };
        let expires = |i: usize| {
            site.records[i]
                .expires
                .map(|d| d.long())
                .unwrap_or_default()
        };
        let recorded = |i: usize| {
            site.records[i]
                .sha256
                .as_deref()
                .map(|h| format!("{}…", h.chars().take(12).collect::<String>()))
                .unwrap_or_default()
        };
        let g = &a.gaps;
        let group = |heading: Option<String>, detail_label: &str, items: Vec<serde_json::Value>| json!({"heading": heading, "detail_label": detail_label, "items": items, "owner": detail_label == "Due"});
        let list = |kind: GapKind, groups: Vec<serde_json::Value>| {
            let (short, title) = present::gap_list_words(kind);
            json!({"key": kind.key().replace('_', "-"), "short": short, "title": title,
                   "count": g.list(kind).len(), "groups": groups})
        };
        let with_owner = |mut item: serde_json::Value, i: usize| {
            item["owner"] = json!(site.records[i].owner.as_deref().unwrap_or("No owner"));
            item
        };
        // Past-due recommendations and overdue actions: most days late first, with the
        // days and the owner (SPEC §14.4).
        let late_rows = |items: &[usize]| -> Vec<serde_json::Value> {
            a.by_lateness(site, items)
                .into_iter()
                .map(|(i, days)| {
                    let item =
                        self.gap_item(i, format!("{} — {}", due(i), present::days_past_due(days)));
                    with_owner(item, i)
                })
                .collect()
        };
        // Unevidenced recommendations: those past their due date (most overdue first,
        // with the days) apart from those not yet due.
        let (past, not_yet) = a.unevidenced_by_due(site);
        let past_rows: Vec<serde_json::Value> = past
            .iter()
            .map(|&(i, days)| {
                let item =
                    self.gap_item(i, format!("{} — {}", due(i), present::days_past_due(days)));
                with_owner(item, i)
            })
            .collect();
        let not_yet_rows: Vec<serde_json::Value> = not_yet
            .iter()
            .map(|&i| {
                let d = due(i);
                let item = self.gap_item(
                    i,
                    if d.is_empty() {
                        present::NO_DUE_DATE.to_string()
                    } else {
                        d
                    },
                );
                with_owner(item, i)
            })
            .collect();
        let (past_heading, not_yet_heading) = present::unevidenced_groups();
        let rows = |items: &[usize], detail: &dyn Fn(usize) -> String| -> Vec<serde_json::Value> {
            items.iter().map(|&i| self.gap_item(i, detail(i))).collect()
        };
        let held = |i: usize| present::held_at(&site.records[i]).unwrap_or_default();
        let gap_lists: Vec<serde_json::Value> = GapKind::ALL
            .into_iter()
            .map(|kind| {
                let groups = match kind {
                    GapKind::Unevidenced => vec![
                        group(Some(past_heading.to_string()), "Due", past_rows.clone()),
                        group(
                            Some(not_yet_heading.to_string()),
                            "Due",
                            not_yet_rows.clone(),
                        ),
                    ],
                    GapKind::PastDue | GapKind::Overdue => {
                        vec![group(None, "Due", late_rows(g.list(kind)))]
                    }
                    GapKind::Expired => vec![group(None, "Expired", rows(&g.expired, &expires))],
                    GapKind::Stale => vec![group(None, "Last reviewed", rows(&g.stale, &reviewed))],
                    GapKind::Changed => {
                        vec![group(None, "Recorded SHA-256", rows(&g.changed, &recorded))]
                    }
                    GapKind::Unsigned => vec![group(None, "Held at", rows(&g.unsigned, &held))],
                };
                list(kind, groups)
            })
            .collect();
        // Recommendations marked met while an action addressing them is overdue (W108).
        let contradicted: Vec<serde_json::Value> = site
            .of_type(RecordType::Recommendation)
            .filter(|(i, _)| a.met_but_action_overdue(site, *i))
            .map(|(i, _)| {
                let mut actions: Vec<LinkCtx> = a
                    .overdue_actions_addressing(site, i)
                    .into_iter()
                    .map(|x| self.link("", x))
                    .collect();
                self.fill_links(&mut actions)?;
                let mut item = self.gap_item(i, String::new());
                item["actions"] = json!(actions);
                Ok(item)
            })
            .collect::<Result<_>>()?;
        let r = a.readiness;
        let rec_statuses: Vec<Tag> = a
            .by_status(site, RecordType::Recommendation)
            .into_iter()
            .map(|(s, n)| Tag { count: n, ..tag(s) })
            .collect();
        let readiness = json!({"percent": r.percent_text(), "per_mille": r.per_mille(), "evidenced": r.evidenced,
                               "counted": r.counted, "unevidenced": g.unevidenced.len(),
                               "met_evidenced": r.met_evidenced, "met_percent": r.met_percent_text(),
                               "parts": present::readiness_parts(&r).map(|(t, _)| t),
                               "bar": readiness_meter(&r),
                               "past_due": past.len(), "not_yet_due": not_yet.len(), "statuses": rec_statuses});
        let charts = self.charts(crate::charts::dashboard(site, a));
        // Indicators and risks beside the gaps, where the content has them (SPEC §14.9).
        let mut tiles = Vec::new();
        for (t, count, short) in [
            (
                RecordType::Indicator,
                a.off_target(site).len(),
                present::INDICATORS_OFF_TARGET,
            ),
            (
                RecordType::Risk,
                a.reviews_overdue().len(),
                present::RISK_REVIEWS_OVERDUE,
            ),
        ] {
            if site.of_type(t).next().is_some() {
                tiles.push(json!({"href": format!("{}/index.html", t.folder()), "count": count, "short": short}));
            }
        }
        let mut ctx = self.context("", "Dashboard", "index", Vec::new())?;
        ctx.insert("tiles", &tiles);
        ctx.insert("readiness", &readiness);
        ctx.insert("counts", &counts);
        ctx.insert("rag", &rag);
        ctx.insert("events", &json!({"recent": recent, "upcoming": upcoming}));
        put(&mut ctx, "gap_lists", serde_json::Value::Array(gap_lists));
        ctx.insert("contradicted", &contradicted);
        ctx.insert("charts", &charts);
        ctx.insert("packs", &self.b.site_packs);
        // The latest inspection's judgements, in its framework's words (SPEC §14.10).
        if let Some(i) = crate::judgements::latest(site) {
            let rec = &site.records[i];
            ctx.insert(
                "judgements",
                &json!({
                    "source": crate::judgements::source(rec),
                    "href": rec.page_path(),
                    "framework": crate::judgements::framework(&site.config, rec).map(|f| &f.title),
                    "rows": judgement_rows(&site.config, rec),
                }),
            );
        }
        if let Some(c) = self.b.changes {
            put(
                &mut ctx,
                "changes",
                super::changes_page::dashboard_context(c),
            );
        }
        Ok(("index.html".into(), self.render("index.html", &ctx)?))
    }

    /// Charts as the templates show them (`chart.html`).
    fn charts(&self, charts: Vec<crate::charts::Chart>) -> Vec<serde_json::Value> {
        charts.iter().map(super::svg::context).collect()
    }

    fn event_ctx(&self, i: usize, root: &str) -> Result<serde_json::Value> {
        let rec = &self.b.site().records[i];
        let mut refs: Vec<LinkCtx> = rec
            .refs_in("refs")
            .chain(rec.refs_in("related"))
            .filter_map(|rf| match rf.target {
                Some(t) => Some(LinkCtx {
                    status: None,
                    ..self.link(root, t)
                }),
                None if rf.withheld => Some(LinkCtx::withheld()),
                None => None,
            })
            .collect();
        self.fill_links(&mut refs)?;
        Ok(
            json!({"date": rec.date.map(|d| d.long()).unwrap_or_default(), "title": rec.title,
               "href": format!("{root}{}", rec.page_path()), "kind": rec.kind.map(tag),
               "future": rec.date.is_some_and(|d| d.first_day() > self.b.as_of), "refs": refs}),
        )
    }

    fn timeline(&self) -> Result<(String, String)> {
        let site = self.b.site();
        let mut events: Vec<usize> = site.of_type(RecordType::Event).map(|(i, _)| i).collect();
        // Newest first: an inspector reads what happened lately before 2005's history.
        events.sort_by_key(|&i| {
            (
                std::cmp::Reverse(site.records[i].date.map(|d| d.first_day())),
                std::cmp::Reverse(i),
            )
        });
        // The readiness date is drawn into the timeline where it falls: above the latest
        // event up to it, or below the last if every event comes later.
        let is_future = |i: usize| {
            site.records[i]
                .date
                .is_some_and(|d| d.first_day() > self.b.as_of)
        };
        let first_past = events.iter().position(|&i| !is_future(i));
        let marker_after = match first_past {
            None => events.len().checked_sub(1),
            Some(_) => None,
        };
        let mut years: Vec<(i32, Vec<serde_json::Value>)> = Vec::new();
        for (n, &i) in events.iter().enumerate() {
            let y = site.records[i].date.map_or(0, |d| d.year);
            if years.last().is_none_or(|(last, _)| *last != y) {
                years.push((y, Vec::new()));
            }
            let mut e = self.event_ctx(i, "")?;
            if marker_after == Some(n) {
                e["as_of_after"] = json!(true);
            } else if first_past == Some(n) {
                e["as_of_before"] = json!(true);
            }
            if let Some(last) = years.last_mut() {
                last.1.push(e);
            }
        }
        let years: Vec<_> = years
            .into_iter()
            .map(|(y, e)| json!({"year": y, "events": e}))
            .collect();
        let crumbs = vec![
            ("Dashboard".to_string(), Some("index.html".to_string())),
            ("Timeline".to_string(), None),
        ];
        let mut ctx = self.context("", "Timeline", "timeline", crumbs)?;
        let strip = crate::charts::timeline_strip(site, self.b.analysis);
        ctx.insert("charts", &self.charts(strip.into_iter().collect()));
        put(&mut ctx, "years", serde_json::Value::Array(years));
        ctx.insert("count", &events.len());
        Ok(("timeline.html".into(), self.render("timeline.html", &ctx)?))
    }

    fn matrix(&self) -> Result<(String, String)> {
        let site = self.b.site();
        let a = self.b.analysis;
        let mut rows = Vec::new();
        let mut filter_values: BTreeMap<&str, BTreeSet<(String, String)>> = BTreeMap::new();
        for (i, rec) in site.of_type(RecordType::Recommendation) {
            let mut actions: Vec<LinkCtx> = site.backlinks[i]
                .iter()
                .filter(|b| b.field == "addresses")
                .map(|b| self.link("", b.from))
                .collect();
            let mut evidence_links: Vec<LinkCtx> =
                a.trace[i].iter().map(|b| self.behind_link("", b)).collect();
            self.fill_links(&mut actions)?;
            self.fill_links(&mut evidence_links)?;
            // Superseded recommendations are not counted, so they are never a gap.
            let gap = a.counted(site, i) && !a.evidenced[i];
            // What the filters match, as on the recommendations list.
            let mut data: BTreeMap<&str, String> = BTreeMap::new();
            let mut offer = |key: &'static str, value: &str, shown: String| {
                data.insert(key, value.to_string());
                filter_values
                    .entry(key)
                    .or_default()
                    .insert((value.to_string(), shown));
            };
            if let Some(x) = rec.targets("source").next() {
                let r = &site.records[x];
                offer("source", &r.id, r.title.clone());
            }
            offer("status", rec.status, label(rec.status));
            let evidence = present::evidence_word(site, a, i);
            offer("evidence", evidence, label(evidence));
            rows.push((i, json!({"id": rec.id, "title": rec.title, "href": rec.page_path(), "status": tag(rec.status),
                             "counted": a.counted(site, i), "gap": gap, "actions": actions, "evidence": evidence_links, "data": data})));
        }
        let sources = present::by_source(site);
        let groups: Vec<serde_json::Value> = sources
            .iter()
            .map(|(source, recs)| {
                let rows: Vec<&serde_json::Value> = rows
                    .iter()
                    .filter(|(i, _)| recs.contains(i))
                    .map(|(_, r)| r)
                    .collect();
                json!({"heading": self.source_heading(*source, ""), "rows": rows})
            })
            .collect();
        let source_ids: Vec<&str> = sources
            .iter()
            .filter_map(|(s, _)| s.map(|x| site.records[x].id.as_str()))
            .collect();
        let filters = filter_menu(
            &filter_values,
            &[
                ("source", "Source"),
                ("status", "Status"),
                ("evidence", "Evidence"),
            ],
            RecordType::Recommendation.statuses(),
            &source_ids,
        );
        let crumbs = vec![
            ("Dashboard".to_string(), Some("index.html".to_string())),
            ("Matrix".to_string(), None),
        ];
        let r = a.readiness;
        let mut ctx = self.context("", "Traceability matrix", "matrix", crumbs)?;
        let mut charts = vec![crate::charts::readiness(site, a)];
        charts.extend(crate::charts::recommendations_by_review(site));
        ctx.insert("charts", &self.charts(charts));
        ctx.insert("count", &rows.len());
        put(&mut ctx, "groups", serde_json::Value::Array(groups));
        ctx.insert("filters", &filters);
        ctx.insert("filter_target", "matrix-table");
        ctx.insert("gaps", &a.gaps.unevidenced.len());
        ctx.insert(
            "readiness",
            &json!({"percent": r.percent_text(), "evidenced": r.evidenced, "counted": r.counted,
                    "parts": present::readiness_parts(&r).map(|(t, _)| t)}),
        );
        Ok(("matrix.html".into(), self.render("matrix.html", &ctx)?))
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

/// Moves a value into a template context (`Context::insert` would copy it: the rows of
/// a list or the matrix are large).
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

/// The filters above a table (`list.html`, `matrix.html`): for each key with values,
/// its values in their own order — statuses, ratings and priorities as §13.1 orders
/// them, sources newest first, evidence words as the dashboard — and names
/// alphabetically, each shown by its label.
fn filter_menu(
    values: &BTreeMap<&str, BTreeSet<(String, String)>>,
    keys: &[(&str, &str)],
    standing_order: &[&str],
    source_ids: &[&str],
) -> Vec<serde_json::Value> {
    keys.iter()
        .filter_map(|(k, heading)| {
            let values = values.get(k).filter(|v| !v.is_empty())?;
            let mut values: Vec<&(String, String)> = values.iter().collect();
            match *k {
                "status" => values.sort_by_key(|(v, _)| present::rank(standing_order, v)),
                "rag" => values.sort_by_key(|(v, _)| present::rank(crate::model::schema::RAGS, v)),
                "priority" => values.sort_by_key(|(v, _)| present::rank(present::PRIORITIES, v)),
                "evidence" => values.sort_by_key(|(v, _)| {
                    present::rank(&["not-evidenced", "evidenced", "not-counted"], v)
                }),
                // Values are IDs here: in the order of the groups, newest review first.
                "source" => values.sort_by_key(|(v, _)| present::rank(source_ids, v)),
                _ => values.sort_by_key(|(_, l)| l.to_lowercase()),
            }
            let values: Vec<_> = values
                .into_iter()
                .map(|(v, l)| json!({"value": v, "label": l}))
                .collect();
            Some(json!({"key": k, "label": heading, "values": values}))
        })
        .collect()
}

fn put(ctx: &mut tera::Context, key: &str, value: serde_json::Value) {
    let mut map = serde_json::Map::new();
    map.insert(key.to_string(), value);
    // An object always makes a context.
    if let Ok(more) = tera::Context::from_value(serde_json::Value::Object(map)) {
        ctx.extend(more);
    }
}

/// A custom field's value as text.
fn value_text(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::Null => String::new(),
        serde_yaml::Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Sequence(items) => {
            items.iter().map(value_text).collect::<Vec<_>>().join("; ")
        }
        serde_yaml::Value::Mapping(m) => m
            .iter()
            .map(|(k, v)| format!("{}: {}", value_text(k), value_text(v)))
            .collect::<Vec<_>>()
            .join("; "),
        serde_yaml::Value::Tagged(t) => value_text(&t.value),
    }
}

/// One page to render.
#[derive(Clone, Copy)]
enum Job {
    Record(usize),
    List(RecordType),
    Dashboard,
    Matrix,
    Timeline,
    Search,
    Accessibility,
}

/// The site's pages as an output: each written to `site/<path>` as it is rendered.
pub fn write(b: &Build<'_>, emit: Emit<'_>) -> Result<usize> {
    render_each(b, |path, html| {
        emit(&format!("site/{path}"), html.as_bytes())
    })
}

/// Renders every page of the site and hands each to `emit` (path inside `site/`, HTML)
/// as soon as it is made, from several threads, in no particular order; returns the
/// number of pages. Pages are never all held in memory at once.
pub fn render_each(b: &Build<'_>, emit: impl Fn(&str, &str) -> Result<()> + Sync) -> Result<usize> {
    render_jobs(b, |_, _| true, emit)
}

/// [`render_each`] for the pages `wanted` accepts (as in [`render_some`]): `serve`
/// re-renders the pages it has not already brought up to date and keeps those that
/// differ, without holding them all.
pub fn render_each_where(
    b: &Build<'_>,
    wanted: impl Fn(Option<&str>, &str) -> bool + Sync,
    emit: impl Fn(&str, &str) -> Result<()> + Sync,
) -> Result<usize> {
    render_jobs(b, wanted, emit)
}

/// Renders the pages `wanted` accepts, given a record page's record ID, or `None` and
/// the section of any other page (`index`, `matrix`, `timeline`, `search`,
/// `accessibility`, or a list's folder). `serve` uses it to re-render a few pages.
pub fn render_some(
    b: &Build<'_>,
    wanted: impl Fn(Option<&str>, &str) -> bool + Sync,
) -> Result<Vec<(String, String)>> {
    let out = std::sync::Mutex::new(Vec::new());
    render_jobs(b, wanted, |path, html| {
        out.lock()
            .map_err(|_| anyhow::anyhow!("a renderer failed"))?
            .push((path.to_string(), html.to_string()));
        Ok(())
    })?;
    out.into_inner()
        .map_err(|_| anyhow::anyhow!("a renderer failed"))
}

/// Every page of the site, in no particular order (for `serve`, which keeps them).
pub fn render(b: &Build<'_>) -> Result<Vec<(String, String)>> {
    render_some(b, |_, _| true)
}

fn render_jobs(
    b: &Build<'_>,
    wanted: impl Fn(Option<&str>, &str) -> bool + Sync,
    emit: impl Fn(&str, &str) -> Result<()> + Sync,
) -> Result<usize> {
    let pages = Pages::new(b);
    let site = b.site();
    // The big pages first, so that they do not finish last on one thread.
    let mut jobs = vec![Job::Matrix, Job::Dashboard];
    jobs.extend(
        ALL_TYPES
            .into_iter()
            // Narrative pages are listed in every page's footer and on the dashboard;
            // a list of them would be a page nothing links to.
            .filter(|t| *t != RecordType::Page && site.of_type(*t).next().is_some())
            .map(Job::List),
    );
    jobs.extend([Job::Timeline, Job::Search, Job::Accessibility]);
    jobs.extend((0..site.records.len()).map(Job::Record));
    jobs.retain(|job| match *job {
        Job::Record(i) => wanted(Some(&site.records[i].id), ""),
        Job::List(t) => wanted(None, t.folder()),
        Job::Dashboard => wanted(None, "index"),
        Job::Matrix => wanted(None, "matrix"),
        Job::Timeline => wanted(None, "timeline"),
        Job::Search => wanted(None, "search"),
        Job::Accessibility => wanted(None, "accessibility"),
    });
    let count = jobs.len();
    jobs.into_par_iter()
        // One job per task: record pages cost about the same, the big pages much more.
        .with_max_len(1)
        .try_for_each(|job| {
            let (path, html) = pages.page(job)?;
            emit(&path, &html)
        })?;
    Ok(count)
}

impl Pages<'_> {
    fn page(&self, job: Job) -> Result<(String, String)> {
        match job {
            Job::Record(i) => self.record_page(i),
            Job::List(t) => self.list_page(t),
            Job::Dashboard => self.dashboard(),
            Job::Matrix => self.matrix(),
            Job::Timeline => self.timeline(),
            Job::Search => self.simple_page("search.html", "Search", "search.html", String::new()),
            Job::Accessibility => {
                let config = &self.b.site().config;
                let statement = match &config.accessibility {
                    Some(own) => own.clone(),
                    None => present::accessibility_statement(config),
                };
                let no_links = PageLinks {
                    b: self.b,
                    root: "",
                    record: None,
                };
                self.simple_page(
                    "accessibility.html",
                    "Accessibility statement",
                    "page.html",
                    markdown::to_html(&statement, &no_links),
                )
            }
        }
    }
}

/// The page `changes.html` (SPEC §13.5; inside `site/`, and `serve` serves it too):
/// what [`super::changes_page`] makes of the changes, with the banner and footer.
pub fn changes_page(b: &Build<'_>, c: &crate::changes::Changes) -> Result<String> {
    let title = format!("Changes {}", super::changes_page::since_words(c));
    let pages = Pages::new(b);
    let crumbs = vec![
        ("Dashboard".to_string(), Some("index.html".to_string())),
        (title.clone(), None),
    ];
    let mut ctx = pages.context("", &title, "changes", crumbs)?;
    put(&mut ctx, "changes", super::changes_page::context(c));
    pages.render("changes.html", &ctx)
}

/// `site/changes.html` as an output (SPEC §13.5): nothing without baselines.
pub fn write_changes(b: &Build<'_>, emit: Emit<'_>) -> Result<usize> {
    match b.changes {
        Some(c) => {
            emit("site/changes.html", changes_page(b, c)?.as_bytes())?;
            Ok(1)
        }
        None => Ok(0),
    }
}
