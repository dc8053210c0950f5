//! The evidence website: one Tera page per record, a list per type, the dashboard,
//! matrix, timeline, search and accessibility pages (SPEC §9).
//!
//! Reads only a [`View`] (already filtered for the site audience) and its readiness;
//! builds plain serialisable contexts so templates never see the model. User text goes
//! to templates as data and is escaped by Tera; the few pre-rendered HTML fragments
//! (Markdown bodies, field values with links) are escaped here, field by field.

use super::theme::error_chain;
use super::Build;
use crate::markdown::{self, escape_html, LinkTarget, Links};
use crate::model::schema::{RecordType, ALL_TYPES};
use crate::model::view::WITHHELD_ID;
use crate::model::Record;
use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// A status-like tag: text and a colour class.
#[derive(Serialize, Clone)]
pub struct Tag {
    label: String,
    class: &'static str,
    count: usize,
}

/// The colour of a status, RAG, judgement or state word.
pub fn tag_class(word: &str) -> &'static str {
    match word {
        "red" | "not-met" | "blocked" | "inadequate" | "overdue" | "stale" | "changed"
        | "withdrawn" | "expired" => "red",
        "amber"
        | "in-progress"
        | "partially-met"
        | "requires-improvement"
        | "draft"
        | "priority-action"
        | "high"
        | "immediate" => "amber",
        "green" | "met" | "complete" | "current" | "good" | "approved" | "active" | "published"
        | "evidenced" => "green",
        "blue" | "outstanding" => "blue",
        "open" => "purple",
        _ => "grey",
    }
}

fn tag(word: &str) -> Tag {
    Tag {
        label: word.replace('-', " "),
        class: tag_class(word),
        count: 0,
    }
}

#[derive(Serialize, Clone)]
struct LinkCtx {
    href: String,
    title: String,
    id: String,
    withheld: bool,
    status: Option<Tag>,
    note: Option<String>,
}

impl LinkCtx {
    fn withheld() -> LinkCtx {
        LinkCtx {
            href: String::new(),
            title: String::new(),
            id: String::new(),
            withheld: true,
            status: None,
            note: None,
        }
    }
}

/// Page-independent helpers over the build.
struct Pages<'a> {
    b: &'a Build<'a>,
    site_ctx: serde_json::Value,
}

/// `[[ID]]` resolution for one page.
struct PageLinks<'a> {
    b: &'a Build<'a>,
    root: &'a str,
    /// Folder of the record's file, for relative links.
    dir: String,
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
        let path = dest.split(['#', '?']).next().unwrap_or("");
        let joined = if self.dir.is_empty() {
            path.to_string()
        } else {
            format!("{}/{path}", self.dir)
        };
        let normal = normalise(&joined)?;
        self.b
            .attachments
            .contains(&normal)
            .then(|| format!("{}files/{}", self.root, encode_path(&normal)))
    }
}

/// `a/./b/../c` → `a/c`; `None` if it leaves the root.
fn normalise(path: &str) -> Option<String> {
    let mut parts = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
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
        let mut pages: Vec<&Record> = site.of_type(RecordType::Page).map(|(_, r)| r).collect();
        pages.sort_by(|a, b| {
            (a.order.unwrap_or(i64::MAX), &a.title).cmp(&(b.order.unwrap_or(i64::MAX), &b.title))
        });
        for p in pages {
            nav.push(
                json!({"key": format!("page:{}", p.key), "title": p.title, "href": p.page_path()}),
            );
        }
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
        });
        Pages { b, site_ctx }
    }

    fn context(
        &self,
        root: &str,
        title: &str,
        section: &str,
        crumbs: Vec<(String, Option<String>)>,
    ) -> tera::Context {
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
        ctx
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
            status: (!r.status.is_empty()).then(|| tag(r.status)),
            note: None,
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
            dir: rec
                .path
                .rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_string()),
        };
        markdown::to_html(&rec.body, &links)
    }

    /// The summary list of a record: every field with a value, in SPEC §3 order.
    fn fields(&self, i: usize, root: &str) -> Vec<serde_json::Value> {
        let site = self.b.site();
        let rec = &site.records[i];
        let r = &self.b.readiness;
        let mut out: Vec<(String, String)> = Vec::new();
        let mut push = |label: &str, html: String| out.push((label.to_string(), html));
        let esc = |s: &str| escape_html(s);
        let date = |d: Option<crate::date::PartialDate>| d.map(|d| escape_html(&d.long()));
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
        push("ID", format!("<span class=\"id\">{}</span>", esc(&rec.id)));
        match rec.rtype {
            RecordType::Recommendation => {
                if let Some(h) = refs_html("source") {
                    push("Source", h);
                }
                if let Some(f) = rec.finding {
                    push("Finding", esc(&f.replace('-', " ")));
                }
                if let Some(a) = &rec.area {
                    push("Area", esc(a));
                }
                if let Some(p) = rec.priority {
                    push("Priority", esc(p));
                }
                if let Some(d) = date(rec.due) {
                    push("Due", d);
                }
                let ev = if r.evidenced[i] {
                    "evidenced"
                } else {
                    "not evidenced"
                };
                push(
                    "Evidence",
                    format!(
                        "<strong class=\"tag tag-{}\">{}</strong>",
                        if r.evidenced[i] { "green" } else { "red" },
                        ev
                    ),
                );
            }
            RecordType::Action => {
                if let Some(h) = refs_html("plan") {
                    push("Plan", h);
                }
                if let Some(h) = refs_html("objective") {
                    push("Objective", h);
                }
                if let Some(d) = date(rec.due) {
                    let overdue = if r.overdue[i] {
                        " <strong class=\"tag tag-red\">overdue</strong>"
                    } else {
                        ""
                    };
                    push("Due", format!("{d}{overdue}"));
                }
                if let Some(d) = date(rec.completed) {
                    push("Completed", d);
                }
                if let Some(rag) = r.rag[i] {
                    let how = if rec.rag.is_some() {
                        ""
                    } else {
                        " <span class=\"note\">(derived)</span>"
                    };
                    push(
                        "RAG",
                        format!(
                            "<strong class=\"tag tag-{}\">{}</strong>{how}",
                            tag_class(rag),
                            rag
                        ),
                    );
                }
            }
            RecordType::Evidence => {
                if let Some(k) = rec.kind {
                    push("Kind", esc(&k.replace('-', " ")));
                }
                if let Some(o) = &rec.originator {
                    push("Originator", esc(o));
                }
                if let Some(d) = date(rec.reviewed) {
                    push("Reviewed", d);
                }
                if let Some(d) = date(rec.expires) {
                    push("Expires", d);
                }
                let mut state = Vec::new();
                if r.current[i] {
                    state.push("current");
                }
                if r.stale[i] {
                    state.push("stale");
                }
                if r.changed[i] {
                    state.push("changed");
                }
                if !state.is_empty() {
                    push(
                        "State",
                        state
                            .iter()
                            .map(|s| {
                                format!("<strong class=\"tag tag-{}\">{s}</strong>", tag_class(s))
                            })
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
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
                    push(
                        "Recorded SHA-256",
                        format!("<span class=\"hash\">{}</span>", esc(h)),
                    );
                }
            }
            RecordType::Plan => {
                if rec.period_start.is_some() || rec.period_end.is_some() {
                    let s = rec.period_start.map(|d| d.long()).unwrap_or_default();
                    let e = rec.period_end.map(|d| d.long()).unwrap_or_default();
                    push("Period", esc(&format!("{s} – {e}")));
                }
                if let Some(d) = date(rec.approved) {
                    push("Approved", d);
                }
            }
            RecordType::Objective => {
                if let Some(p) = rec.parent {
                    push("Plan", self.link_html(root, p));
                }
            }
            RecordType::Review => {
                if let Some(k) = rec.kind {
                    push("Kind", esc(&k.replace('-', " ")));
                }
                if let Some(b) = &rec.by {
                    push("By", esc(b));
                }
            }
            RecordType::Event => {
                if let Some(k) = rec.kind {
                    push("Kind", esc(k));
                }
            }
            RecordType::Page => {}
        }
        if let Some(o) = &rec.owner {
            push("Owner", esc(o));
        }
        if let Some(d) = date(rec.date) {
            push("Date", d);
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
            push("Classification", esc(c));
        }
        out.into_iter()
            .map(|(label, html)| json!({"label": label, "html": html}))
            .collect()
    }

    fn record_page(&self, i: usize) -> Result<(String, String)> {
        let site = self.b.site();
        let rec = &site.records[i];
        let root = "../";
        let r = &self.b.readiness;
        let mut relations: Vec<serde_json::Value> = Vec::new();
        // Forward list relations.
        for (field, heading) in [
            ("addresses", "Addresses"),
            ("supports", "Supports"),
            ("refs", "Related records"),
            ("related", "Related"),
        ] {
            let items: Vec<LinkCtx> = rec
                .refs_in(field)
                .filter_map(|rf| match rf.target {
                    Some(t) => Some(self.link(root, t)),
                    None if rf.withheld => Some(LinkCtx::withheld()),
                    None => None,
                })
                .collect();
            if !items.is_empty() {
                relations.push(json!({"heading": heading, "items": items}));
            }
        }
        // Backlinks, grouped by what they mean.
        let mut groups: BTreeMap<usize, (&str, Vec<LinkCtx>)> = BTreeMap::new();
        for bl in &site.backlinks[i] {
            let from = &site.records[bl.from];
            let (order, heading) = match (bl.field, rec.rtype) {
                ("addresses", _) => (0, "Actions answering this"),
                ("source", _) => (0, "Recommendations"),
                ("objective", _) => (0, "Actions"),
                ("plan", _) => (1, "Actions under this plan"),
                ("supports", _) => (2, "Evidenced by"),
                _ => (3, "Referred to by"),
            };
            let mut l = self.link(root, bl.from);
            if order == 3 {
                l.note = Some(match bl.field {
                    "body" => format!("in the text of this {}", from.rtype.name()),
                    f => format!("as `{f}`"),
                });
            }
            if order == 2 && from.rtype == RecordType::Evidence {
                l.note = evidence_note(r, bl.from);
            }
            let g = groups.entry(order).or_insert((heading, Vec::new()));
            if !g.1.iter().any(|x| x.id == l.id && x.note == l.note) {
                g.1.push(l);
            }
        }
        // Evidence reaching a recommendation through its actions.
        if rec.rtype == RecordType::Recommendation {
            for bl in site.backlinks[i].iter().filter(|b| b.field == "addresses") {
                let action = &site.records[bl.from];
                for abl in site.backlinks[bl.from]
                    .iter()
                    .filter(|b| b.field == "supports")
                {
                    let mut l = self.link(root, abl.from);
                    let mut note = format!("via action {}", action.id);
                    if let Some(n) = evidence_note(r, abl.from) {
                        note = format!("{note}; {n}");
                    }
                    if action.status == "cancelled" {
                        note.push_str(" (cancelled: does not count)");
                    }
                    l.note = Some(note);
                    groups
                        .entry(2)
                        .or_insert(("Evidenced by", Vec::new()))
                        .1
                        .push(l);
                }
            }
        }
        for (_, (heading, items)) in groups {
            relations.push(json!({"heading": heading, "items": items}));
        }

        // Objectives of a plan, with their actions.
        let objectives: Vec<serde_json::Value> = rec
            .objectives
            .iter()
            .map(|&o| {
                let obj = &site.records[o];
                let actions: Vec<LinkCtx> = site.backlinks[o]
                    .iter()
                    .filter(|b| b.field == "objective")
                    .map(|b| self.link(root, b.from))
                    .collect();
                json!({"id": obj.id, "title": obj.title, "href": format!("{root}{}", obj.page_path()),
                       "body": self.body_html(obj, root), "actions": actions})
            })
            .collect();
        let judgements: Vec<serde_json::Value> = rec
            .judgements
            .iter()
            .map(|(area, grade)| json!({"area": area, "grade": tag(grade)}))
            .collect();
        let mut attachments = Vec::new();
        if let Some(f) = &rec.file {
            if let Some(path) = normalise(&f.path).filter(|p| self.b.attachments.contains(p)) {
                attachments.push(json!({
                    "href": format!("{root}files/{}", encode_path(&path)),
                    "name": path.rsplit('/').next().unwrap_or(&path),
                    "sha256": self.b.hashes.get(&path),
                }));
            }
        }
        let other: Vec<serde_json::Value> = rec
            .extra
            .iter()
            .map(|(k, v)| json!({"label": k.replace('_', " "), "value": value_text(v)}))
            .collect();
        let mut flags = Vec::new();
        if rec.rtype == RecordType::Action && r.overdue[i] {
            flags.push(tag("overdue"));
        }
        if rec.rtype == RecordType::Evidence {
            if r.stale[i] {
                flags.push(tag("stale"));
            }
            if r.changed[i] {
                flags.push(tag("changed"));
            }
        }
        let status = (!rec.status.is_empty()).then(|| tag(rec.status));
        let record = json!({
            "id": rec.id, "title": rec.title, "type": rec.rtype.name(), "type_title": rec.rtype.singular_title(),
            "status": status, "flags": flags, "fields": self.fields(i, root), "body": self.body_html(rec, root),
            "relations": relations, "objectives": objectives, "judgements": judgements,
            "attachments": attachments, "other": other, "path": rec.path,
        });
        let folder = rec.rtype.folder();
        let mut crumbs = vec![("Dashboard".to_string(), Some("index.html".to_string()))];
        if rec.rtype != RecordType::Page {
            crumbs.push((
                rec.rtype.plural_title().to_string(),
                Some(format!("{folder}/index.html")),
            ));
        }
        crumbs.push((rec.title.clone(), None));
        let section = if rec.rtype == RecordType::Page {
            format!("page:{}", rec.key)
        } else {
            folder.to_string()
        };
        let mut ctx = self.context(root, &rec.title, &section, crumbs);
        ctx.insert("record", &record);
        Ok((rec.page_path(), self.render("record.html", &ctx)?))
    }

    fn list_page(&self, t: RecordType) -> Result<(String, String)> {
        let site = self.b.site();
        let r = &self.b.readiness;
        let root = "../";
        let cols: &[&str] = match t {
            RecordType::Recommendation => &[
                "ID", "Title", "Source", "Priority", "Due", "Status", "Evidence",
            ],
            RecordType::Action => &["ID", "Title", "Owner", "Due", "Status", "RAG"],
            RecordType::Evidence => &["ID", "Title", "Kind", "Date", "Reviewed", "Status", "State"],
            RecordType::Plan => &["ID", "Title", "Period", "Status"],
            RecordType::Objective => &["ID", "Title", "Plan"],
            RecordType::Review => &["ID", "Title", "Kind", "By", "Date", "Status"],
            RecordType::Event => &["Date", "Title", "Kind"],
            RecordType::Page => &["Title"],
        };
        let mut filter_values: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        let mut rows = Vec::new();
        for (i, rec) in site.of_type(t) {
            let text = |s: &str| json!({"text": s});
            let date = |d: Option<crate::date::PartialDate>| json!({"text": d.map(|d| d.long()).unwrap_or_default(), "sort": d.map(|d| d.to_string()).unwrap_or_default()});
            let id_cell = json!({"text": rec.id, "href": format!("{root}{}", rec.page_path()), "class": "id"});
            let title_cell =
                json!({"text": rec.title, "href": format!("{root}{}", rec.page_path())});
            let status_cell = json!({"status": tag(rec.status), "sort": rec.status});
            let first_target = |field: &str| {
                rec.targets(field)
                    .next()
                    .map(|x| site.records[x].id.clone())
                    .unwrap_or_default()
            };
            let cells: Vec<serde_json::Value> = match t {
                RecordType::Recommendation => vec![
                    id_cell,
                    title_cell,
                    text(&first_target("source")),
                    text(rec.priority.unwrap_or("")),
                    date(rec.due),
                    status_cell,
                    json!({"status": tag(if r.evidenced[i] { "evidenced" } else { "gap" }), "sort": r.evidenced[i].to_string()}),
                ],
                RecordType::Action => vec![
                    id_cell,
                    title_cell,
                    text(rec.owner.as_deref().unwrap_or("")),
                    date(rec.due),
                    status_cell,
                    match r.rag[i] {
                        Some(rag) => json!({"status": tag(rag), "sort": rag}),
                        None => text(""),
                    },
                ],
                RecordType::Evidence => {
                    let state = if r.changed[i] {
                        "changed"
                    } else if r.stale[i] {
                        "stale"
                    } else if r.current[i] {
                        "current"
                    } else {
                        ""
                    };
                    vec![
                        id_cell,
                        title_cell,
                        text(rec.kind.unwrap_or("")),
                        date(rec.date),
                        date(rec.reviewed),
                        status_cell,
                        if state.is_empty() {
                            text("")
                        } else {
                            json!({"status": tag(state), "sort": state})
                        },
                    ]
                }
                RecordType::Plan => vec![
                    id_cell,
                    title_cell,
                    text(&format!(
                        "{} – {}",
                        rec.period_start.map(|d| d.long()).unwrap_or_default(),
                        rec.period_end.map(|d| d.long()).unwrap_or_default()
                    )),
                    status_cell,
                ],
                RecordType::Objective => vec![
                    id_cell,
                    title_cell,
                    text(
                        &rec.parent
                            .map(|p| site.records[p].id.clone())
                            .unwrap_or_default(),
                    ),
                ],
                RecordType::Review => vec![
                    id_cell,
                    title_cell,
                    text(&rec.kind.unwrap_or("").replace('-', " ")),
                    text(rec.by.as_deref().unwrap_or("")),
                    date(rec.date),
                    status_cell,
                ],
                RecordType::Event => vec![date(rec.date), title_cell, text(rec.kind.unwrap_or(""))],
                RecordType::Page => vec![title_cell],
            };
            let mut data: BTreeMap<&str, String> = BTreeMap::new();
            if !rec.status.is_empty() {
                data.insert("status", rec.status.to_string());
            }
            if let Some(o) = &rec.owner {
                data.insert("owner", o.clone());
            }
            if let Some(rag) = r.rag[i] {
                data.insert("rag", rag.to_string());
            }
            if !rec.tags.is_empty() {
                data.insert("tags", rec.tags.join("|"));
            }
            for (k, v) in &data {
                for part in v.split('|') {
                    filter_values.entry(k).or_default().insert(part.to_string());
                }
            }
            rows.push(json!({"cells": cells, "data": data}));
        }
        let labels = [
            ("status", "Status"),
            ("owner", "Owner"),
            ("rag", "RAG"),
            ("tags", "Tag"),
        ];
        let filters: Vec<serde_json::Value> = labels
            .iter()
            .filter_map(|(k, label)| {
                filter_values
                    .get(k)
                    .filter(|v| !v.is_empty())
                    .map(|v| json!({"key": k, "label": label, "values": v}))
            })
            .collect();
        let columns: Vec<serde_json::Value> = cols.iter().map(|c| json!({"label": c})).collect();
        let title = t.plural_title();
        let crumbs = vec![
            ("Dashboard".to_string(), Some("index.html".to_string())),
            (title.to_string(), None),
        ];
        let mut ctx = self.context(root, title, t.folder(), crumbs);
        ctx.insert("columns", &columns);
        ctx.insert("rows", &rows);
        ctx.insert("filters", &filters);
        Ok((
            format!("{}/index.html", t.folder()),
            self.render("list.html", &ctx)?,
        ))
    }

    fn gap_item(&self, i: usize, detail: String) -> serde_json::Value {
        let rec = &self.b.site().records[i];
        json!({"id": rec.id, "title": rec.title, "href": rec.page_path(), "detail": detail, "status": tag(rec.status)})
    }

    fn dashboard(&self) -> Result<(String, String)> {
        let site = self.b.site();
        let r = &self.b.readiness;
        let mut counts = Vec::new();
        for t in ALL_TYPES {
            let recs: Vec<&Record> = site.of_type(t).map(|(_, x)| x).collect();
            if recs.is_empty() || t == RecordType::Page {
                continue;
            }
            let statuses: Vec<Tag> = t
                .statuses()
                .iter()
                .map(|s| Tag {
                    count: recs.iter().filter(|x| x.status == *s).count(),
                    ..tag(s)
                })
                .filter(|s| s.count > 0)
                .collect();
            counts.push(json!({"title": t.plural_title(), "href": format!("{}/index.html", t.folder()), "total": recs.len(), "statuses": statuses}));
        }
        let rag: Vec<Tag> = ["red", "amber", "green", "blue"]
            .iter()
            .map(|c| Tag {
                count: r.rag.iter().filter(|x| **x == Some(*c)).count(),
                ..tag(c)
            })
            .filter(|t| t.count > 0)
            .collect();
        let date_of = |i: usize| site.records[i].date;
        let mut events: Vec<usize> = site.of_type(RecordType::Event).map(|(i, _)| i).collect();
        events.sort_by_key(|&i| (date_of(i).map(|d| d.first_day()), i));
        let as_of = self.b.as_of;
        let recent: Vec<_> = events
            .iter()
            .filter(|&&i| date_of(i).is_some_and(|d| d.first_day() <= as_of))
            .rev()
            .take(5)
            .map(|&i| self.event_ctx(i, ""))
            .collect();
        let upcoming: Vec<_> = events
            .iter()
            .filter(|&&i| date_of(i).is_some_and(|d| d.first_day() > as_of))
            .take(5)
            .map(|&i| self.event_ctx(i, ""))
            .collect();
        let due = |i: usize| site.records[i].due.map(|d| d.long()).unwrap_or_default();
        let gap_lists = vec![
            json!({"key": "unevidenced", "title": "Recommendations without current evidence", "detail_label": "Due",
                   "items": r.unevidenced.iter().map(|&i| self.gap_item(i, due(i))).collect::<Vec<_>>()}),
            json!({"key": "overdue", "title": "Overdue actions", "detail_label": "Due",
                   "items": r.overdue_actions.iter().map(|&i| self.gap_item(i, due(i))).collect::<Vec<_>>()}),
            json!({"key": "stale", "title": "Stale evidence", "detail_label": "Last reviewed",
                   "items": r.stale_evidence.iter().map(|&i| {
                       let e = &site.records[i];
                       let d = if r.expired[i] { format!("expired {}", e.expires.map(|d| d.long()).unwrap_or_default()) }
                           else { e.reviewed.or(e.date).map(|d| d.long()).unwrap_or_else(|| "never".into()) };
                       self.gap_item(i, d)
                   }).collect::<Vec<_>>()}),
            json!({"key": "changed", "title": "Changed evidence (file differs from its recorded hash)", "detail_label": "Recorded SHA-256",
                   "items": r.changed_evidence.iter().map(|&i| self.gap_item(i, site.records[i].sha256.as_deref().map(|h| format!("{}…", &h[..12])).unwrap_or_default())).collect::<Vec<_>>()}),
        ];
        let gaps = json!({"unevidenced": r.unevidenced, "overdue": r.overdue_actions, "stale": r.stale_evidence, "changed": r.changed_evidence});
        let readiness = json!({"percent": r.percent_text(), "per_mille": r.per_mille(), "evidenced": r.evidenced_count, "counted": r.counted});
        let mut ctx = self.context("", &site.config.title, "index", Vec::new());
        ctx.insert("readiness", &readiness);
        ctx.insert("counts", &counts);
        ctx.insert("rag", &rag);
        ctx.insert("events", &json!({"recent": recent, "upcoming": upcoming}));
        ctx.insert("gap_lists", &gap_lists);
        ctx.insert("gaps", &gaps);
        ctx.insert("packs", &self.b.site_packs);
        Ok(("index.html".into(), self.render("index.html", &ctx)?))
    }

    fn event_ctx(&self, i: usize, root: &str) -> serde_json::Value {
        let rec = &self.b.site().records[i];
        let refs: Vec<LinkCtx> = rec
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
        json!({"date": rec.date.map(|d| d.long()).unwrap_or_default(), "title": rec.title,
               "href": format!("{root}{}", rec.page_path()), "kind": rec.kind.map(tag),
               "future": rec.date.is_some_and(|d| d.first_day() > self.b.as_of), "refs": refs})
    }

    fn timeline(&self) -> Result<(String, String)> {
        let site = self.b.site();
        let mut events: Vec<usize> = site.of_type(RecordType::Event).map(|(i, _)| i).collect();
        events.sort_by_key(|&i| (site.records[i].date.map(|d| d.first_day()), i));
        let mut years: Vec<(i32, Vec<serde_json::Value>)> = Vec::new();
        for &i in &events {
            let y = site.records[i].date.map_or(0, |d| d.year);
            if years.last().is_none_or(|(last, _)| *last != y) {
                years.push((y, Vec::new()));
            }
            if let Some(last) = years.last_mut() {
                last.1.push(self.event_ctx(i, ""));
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
        let mut ctx = self.context("", "Timeline", "timeline", crumbs);
        ctx.insert("years", &years);
        ctx.insert("count", &events.len());
        Ok(("timeline.html".into(), self.render("timeline.html", &ctx)?))
    }

    fn matrix(&self) -> Result<(String, String)> {
        let site = self.b.site();
        let r = &self.b.readiness;
        let mut rows = Vec::new();
        for (i, rec) in site.of_type(RecordType::Recommendation) {
            let actions: Vec<usize> = site.backlinks[i]
                .iter()
                .filter(|b| b.field == "addresses")
                .map(|b| b.from)
                .collect();
            let mut evidence: Vec<LinkCtx> = Vec::new();
            for b in site.backlinks[i].iter().filter(|b| b.field == "supports") {
                let mut l = self.link("", b.from);
                l.note = evidence_note(r, b.from);
                evidence.push(l);
            }
            for &a in &actions {
                for b in site.backlinks[a].iter().filter(|b| b.field == "supports") {
                    let mut l = self.link("", b.from);
                    let mut note = format!("via {}", site.records[a].id);
                    if let Some(n) = evidence_note(r, b.from) {
                        note = format!("{note}; {n}");
                    }
                    l.note = Some(note);
                    evidence.push(l);
                }
            }
            let actions: Vec<LinkCtx> = actions.iter().map(|&a| self.link("", a)).collect();
            rows.push(json!({"id": rec.id, "title": rec.title, "href": rec.page_path(), "status": tag(rec.status),
                             "evidenced": r.evidenced[i] || rec.status == "superseded", "actions": actions, "evidence": evidence}));
        }
        let crumbs = vec![
            ("Dashboard".to_string(), Some("index.html".to_string())),
            ("Matrix".to_string(), None),
        ];
        let mut ctx = self.context("", "Traceability matrix", "matrix", crumbs);
        ctx.insert("rows", &rows);
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
        let mut ctx = self.context("", title, path.trim_end_matches(".html"), crumbs);
        ctx.insert("body", &body);
        Ok((path.to_string(), self.render(template, &ctx)?))
    }
}

fn evidence_note(r: &crate::readiness::Readiness, i: usize) -> Option<String> {
    if r.changed[i] {
        Some("changed since sign-off".into())
    } else if r.stale[i] {
        Some("stale".into())
    } else {
        None
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

const DEFAULT_ACCESSIBILITY: &str = "This evidence site is built to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA, as the Public Sector Bodies (Websites and Mobile Applications) Accessibility Regulations 2018 require.

- Every page works with a keyboard alone; a \"Skip to main content\" link comes first.
- Text uses the reader's system fonts and scales with the browser's zoom up to 400 %.
- Status tags are written in words as well as shown in colour.
- Tables have headings, and lists can be sorted and filtered; without JavaScript every table still shows in full.
- The site works offline, from a folder or USB stick, and makes no request to any other server.
- Every page prints cleanly, with its security marking at the top and bottom.

If you find a problem using this site, please tell the team that published it, naming the page and what went wrong.";

/// Renders every page of the site, in parallel; returns (path inside `site/`, HTML).
pub fn render(b: &Build<'_>) -> Result<Vec<(String, String)>> {
    let pages = Pages::new(b);
    let site = b.site();
    let mut out: Vec<Result<(String, String)>> = (0..site.records.len())
        .into_par_iter()
        .map(|i| pages.record_page(i))
        .collect();
    let types: Vec<RecordType> = ALL_TYPES
        .into_iter()
        .filter(|t| site.of_type(*t).next().is_some())
        .collect();
    out.extend(
        types
            .into_par_iter()
            .map(|t| pages.list_page(t))
            .collect::<Vec<_>>(),
    );
    out.push(pages.dashboard());
    out.push(pages.matrix());
    out.push(pages.timeline());
    out.push(pages.simple_page("search.html", "Search", "search.html", String::new()));
    let statement = site
        .config
        .accessibility
        .as_deref()
        .unwrap_or(DEFAULT_ACCESSIBILITY);
    let no_links = PageLinks {
        b,
        root: "",
        dir: String::new(),
    };
    out.push(pages.simple_page(
        "accessibility.html",
        "Accessibility statement",
        "page.html",
        markdown::to_html(statement, &no_links),
    ));
    out.into_iter().collect()
}
