//! A record's page (`record.html`): its summary list, its body, what it links to and
//! what links to it, its attachments, figures and charts.

use super::{encode_path, judgement_rows, list_title, tag, LinkCtx, Pages, Tag};
use crate::markdown::escape_html;
use crate::model::schema::{FieldKind, RecordType};
use crate::model::Record;
use crate::present::{self, field_label, label};
use anyhow::Result;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeSet;

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

impl Pages<'_> {
    // Long: one arm per record type; it is being rewritten to read the field
    // declaration table, which will make it short.
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

    pub(super) fn record_page(&self, i: usize) -> Result<(String, String)> {
        let site = self.b.site();
        let rec = &site.records[i];
        let root = "../";
        let a = self.b.analysis;
        let relations = self.relations(i, root)?;
        let objectives = self.objectives(rec, root)?;
        let judgements = judgement_rows(&site.config, rec);
        let attachments = self.attachments(rec, root);
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
        let (charts, figures) = self.indicator_figures(i);
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

    // Long: the sections in the order the page shows them, one call each; as one
    // list it reads as the page does.
    /// The groups of linked records on a record's page: what it answers or supports,
    /// then what answers or supports it, the events about it, and "Referred to by".
    fn relations(&self, i: usize, root: &str) -> Result<Vec<Relation>> {
        let site = self.b.site();
        let rec = &site.records[i];
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
        let events = self.events_about(i);
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
        if let Some(others) = self.referred_by(i, root, &relations, &events) {
            relations.push(others);
        }
        for rel in &mut relations {
            self.fill_links(&mut rel.items)?;
        }
        Ok(relations)
    }

    /// Timeline events about record `i`, by date.
    fn events_about(&self, i: usize) -> Vec<usize> {
        let site = self.b.site();
        let mut events: Vec<usize> = site.backlinks[i]
            .iter()
            .filter(|b| b.field == "refs" || site.records[b.from].rtype == RecordType::Event)
            .map(|b| b.from)
            .collect();
        events.sort_by_key(|&e| (site.records[e].date.map(|d| d.first_day()), e));
        events.dedup();
        events
    }

    /// Everything else that links to record `i`, once per record, saying how; a record
    /// already listed in `relations`, in the timeline or in the summary list is not
    /// listed again.
    fn referred_by(
        &self,
        i: usize,
        root: &str,
        relations: &[Relation],
        events: &[usize],
    ) -> Option<Relation> {
        let site = self.b.site();
        let rec = &site.records[i];
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
        (!others.is_empty()).then(|| Relation {
            key: "backlinks".into(),
            heading: "Referred to by".into(),
            items: others,
        })
    }

    /// A plan's objectives, each with the actions under it.
    fn objectives(&self, rec: &Record, root: &str) -> Result<Vec<serde_json::Value>> {
        let site = self.b.site();
        rec.objectives
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
            .collect()
    }

    /// A record's own file, copied with the site: its link, name, size and kind, and
    /// its hash when none is recorded.
    fn attachments(&self, rec: &Record, root: &str) -> Vec<serde_json::Value> {
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
        attachments
    }

    /// An indicator's line chart and its figures with their notes (none for other
    /// records, or an indicator with no figures).
    fn indicator_figures(&self, i: usize) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
        let rec = &self.b.site().records[i];
        match self.b.analysis.indicators[i].as_ref() {
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
            "svg": latest.map(|(f, _)| crate::render::svg::sparkline(&crate::charts::sparkline(r, f))),
            "target": r.target.map(|t| present::figure(t, r.unit)),
            "against": f.and_then(|f| f.against).map(|x| tag(x.name())),
            "trend": f.and_then(|f| f.trend).map(|x| tag(x.name())),
        })
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
