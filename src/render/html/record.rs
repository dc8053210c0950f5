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
    /// The summary list of a record: every field with a value, in SPEC §3 order.
    fn fields(&self, i: usize, root: &str) -> Vec<Field> {
        let rec = &self.b.site().records[i];
        let mut s = Summary {
            pages: self,
            rec,
            i,
            root,
            rows: Vec::new(),
        };
        s.identity();
        match rec.rtype {
            RecordType::Recommendation => s.recommendation(),
            RecordType::Action => s.action(),
            RecordType::Evidence => s.evidence(),
            RecordType::Plan => s.plan(),
            RecordType::Objective => s.objective(),
            RecordType::Review | RecordType::Event => s.kind(),
            RecordType::Page => {}
            RecordType::Indicator => s.indicator(),
            RecordType::Risk => s.risk(),
        }
        s.common();
        s.plain();
        // What, who, when, then how it stands (a stable sort keeps each part's order).
        s.rows.sort_by_key(|(order, _, _)| *order);
        s.rows
            .into_iter()
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

    /// The groups of linked records on a record's page: what it answers or supports,
    /// then what answers or supports it, the events about it, and "Referred to by".
    fn relations(&self, i: usize, root: &str) -> Result<Vec<Relation>> {
        let mut r = Relations {
            pages: self,
            i,
            root,
            list: Vec::new(),
        };
        r.answers();
        r.others();
        let events = self.events_about(i);
        let site = self.b.site();
        let dated = events.iter().map(|&e| LinkCtx {
            note: site.records[e].date.map(|d| d.long()),
            status: None,
            ..self.link(root, e)
        });
        r.section("events", "In the timeline", dated.collect());
        let mut relations = r.list;
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

/// A tag as the summary list shows it: the word's label, coloured by its tone.
fn tag_html(word: &str) -> String {
    format!(
        "<strong class=\"tag tag-{}\">{}</strong>",
        present::tone(word),
        escape_html(&label(word))
    )
}

/// A date written out in full, escaped; `None` when the field is not set.
fn date_html(d: Option<crate::date::PartialDate>) -> Option<String> {
    d.map(|d| escape_html(&d.long()))
}

/// A record's summary list as it is built. Each record type adds its own fields (the
/// ones with a meaning the analysis or the page gives them: tags, links, verdicts);
/// the common fields and the plain declared ones are added the same way for every
/// type. Each row carries its place in the reading order, so the parts need not be
/// added in the order the page shows them.
struct Summary<'p, 'a> {
    pages: &'p Pages<'a>,
    rec: &'a Record,
    i: usize,
    root: &'p str,
    rows: Vec<(u8, String, String)>,
}

impl Summary<'_, '_> {
    /// Adds a row, placed by its label's reading order.
    fn push(&mut self, label: &str, html: String) {
        self.rows
            .push((present::reading_order(label), label.to_string(), html));
    }

    /// Adds a row under the field's own label when there is a value.
    fn push_field(&mut self, name: &str, html: Option<String>) {
        if let Some(html) = html {
            self.push(&field_label(name), html);
        }
    }

    /// The records a field names, one a line; a withheld one says so, an unresolved
    /// one shows its ID. `None` when the field names none.
    fn refs_html(&self, field: &str) -> Option<String> {
        let items: Vec<String> = self
            .rec
            .refs_in(field)
            .map(|rf| match rf.target {
                Some(t) => self.pages.link_html(self.root, t),
                None if rf.withheld => "<span class=\"withheld\">withheld</span>".to_string(),
                None => escape_html(&rf.id),
            })
            .collect();
        (!items.is_empty()).then(|| items.join("<br>"))
    }

    /// The due date, followed for a past-due recommendation or an overdue action by
    /// its tag and the days late.
    fn due_html(&self) -> Option<String> {
        let a = self.pages.b.analysis;
        let due = present::due_text(self.rec)?;
        let late = match a.late_by(self.pages.b.site(), self.i) {
            Some(days) => format!(
                " {} <span class=\"note\">{}</span>",
                tag_html(if a.overdue[self.i] {
                    "overdue"
                } else {
                    "past-due"
                }),
                escape_html(&present::days_past_due(days))
            ),
            None => String::new(),
        };
        Some(format!("{}{late}", escape_html(&due)))
    }

    /// The ID, and next to it, before any detail it qualifies, whether the record is
    /// illustrative (issue 30).
    fn identity(&mut self) {
        let rec = self.rec;
        self.push(
            &field_label("id"),
            format!("<span class=\"id\">{}</span>", escape_html(&rec.id)),
        );
        let note = rec
            .illustrative
            .as_ref()
            .map(|why| escape_html(&present::illustrative_note(why)));
        self.push_field("illustrative", note);
    }

    /// A recommendation's source, grading and due date, whether it is evidenced, and
    /// the overdue actions that keep a met recommendation from being done.
    fn recommendation(&mut self) {
        let (rec, i, root) = (self.rec, self.i, self.root);
        let site = self.pages.b.site();
        let a = self.pages.b.analysis;
        self.push_field("source", self.refs_html("source"));
        self.push_field("finding", rec.finding.map(|f| escape_html(&label(f))));
        self.push_field("priority", rec.priority.map(|p| escape_html(&label(p))));
        self.push_field("due", self.due_html());
        self.push("Evidence", tag_html(present::evidence_word(site, a, i)));
        let agreed = rec.agreed.as_ref();
        self.push_field(
            "agreed",
            agreed.map(|s| escape_html(&present::sign_off_text(s))),
        );
        if a.met_but_action_overdue(site, i) {
            let overdue: Vec<String> = a
                .overdue_actions_addressing(site, i)
                .into_iter()
                .map(|x| self.pages.link_html(root, x))
                .collect();
            self.push(
                "Overdue actions",
                format!("{} {}", tag_html("action-overdue"), overdue.join("<br>")),
            );
        }
    }

    /// An action's plan and objective, its dates and its RAG rating.
    fn action(&mut self) {
        let rec = self.rec;
        self.push_field("plan", self.refs_html("plan"));
        self.push_field("objective", self.refs_html("objective"));
        self.push_field("due", self.due_html());
        self.push_field("completed", date_html(rec.completed));
        let rag = self.pages.b.analysis.rag[self.i];
        self.push_field("rag", rag.map(tag_html));
    }

    /// A piece of evidence: its kind and dates, its state beside the status written,
    /// where it is, who signed it off, its link and its recorded hash.
    fn evidence(&mut self) {
        let rec = self.rec;
        self.push_field("kind", rec.kind.map(|k| escape_html(&label(k))));
        self.push_field("reviewed", date_html(rec.reviewed));
        self.push_field("expires", date_html(rec.expires));
        if let Some(state) = self.pages.b.analysis.state_of(self.i) {
            self.push("State", tag_html(state.name()));
        }
        self.push("Recorded status", escape_html(&label(rec.status)));
        self.push_field("location", rec.location.as_deref().map(escape_html));
        if let Some(s) = &rec.signed_off {
            self.push("Signed off", escape_html(&present::sign_off_text(s)));
        }
        if let Some(u) = &rec.url {
            // Only a web address is made a link: anything else could run script.
            let safe = u.starts_with("https://") || u.starts_with("http://");
            let u = escape_html(u);
            self.push(
                "Link",
                if safe {
                    format!("<a href=\"{u}\">{u}</a>")
                } else {
                    u
                },
            );
        }
        if let Some(h) = &rec.sha256 {
            let html = format!(
                "<span class=\"hash\">{}</span>{}",
                escape_html(h),
                self.hash_verdict(h)
            );
            self.push("Recorded SHA-256", html);
        }
    }

    /// Whether the file's hash as built matches the recorded one `h`, with the file's
    /// actual hash when it does not; empty when there is no file to hash.
    fn hash_verdict(&self, h: &str) -> String {
        let rec = self.rec;
        let Some(actual) = rec.file_path().and_then(|p| self.pages.b.hashes.get(p)) else {
            return String::new();
        };
        let word = present::hash_verdict(h, actual);
        let copy = if word == "matches" {
            String::new()
        } else {
            format!(" <span class=\"hash\">{}</span>", escape_html(actual))
        };
        format!(
            "<span class=\"hash-verdict\">{} <span class=\"note\">{}</span>{copy}</span>",
            tag_html(word),
            escape_html(&present::hash_explained(word, rec.signed_off.as_ref()))
        )
    }

    /// A plan's period and approval date.
    fn plan(&mut self) {
        let rec = self.rec;
        if rec.period_start.is_some() || rec.period_end.is_some() {
            let s = rec.period_start.map(|d| d.long()).unwrap_or_default();
            let e = rec.period_end.map(|d| d.long()).unwrap_or_default();
            self.push(&field_label("period"), escape_html(&format!("{s} – {e}")));
        }
        self.push_field("approved", date_html(rec.approved));
    }

    /// An objective's plan, the record it sits under.
    fn objective(&mut self) {
        let parent = self.rec.parent;
        let link = parent.map(|p| self.pages.link_html(self.root, p));
        self.push_field("plan", link);
    }

    /// The kind of a review or of a timeline event.
    fn kind(&mut self) {
        let kind = self.rec.kind.map(|k| escape_html(&label(k)));
        self.push_field("kind", kind);
    }

    /// An indicator's unit, polarity and target, its latest figure against the target,
    /// its trend and the file its figures come from.
    fn indicator(&mut self) {
        let rec = self.rec;
        self.push_field("unit", rec.unit.map(escape_html));
        self.push_field("polarity", rec.polarity.map(|p| escape_html(&label(p))));
        let target = rec.target.map(|t| present::figure(t, rec.unit));
        self.push_field("target", target.as_deref().map(escape_html));
        if let Some(f) = self.pages.b.analysis.indicators[self.i].as_ref() {
            if let Some(l) = f.latest {
                let v = &rec.values[l];
                let mut html = format!(
                    "{} <span class=\"note\">{}</span>",
                    escape_html(&present::figure(v.value, rec.unit)),
                    escape_html(&v.period.long())
                );
                if let Some(ag) = f.against {
                    html.push(' ');
                    html.push_str(&tag_html(ag.name()));
                }
                self.push("Latest", html);
            }
            if let Some(t) = f.trend {
                self.push("Trend", tag_html(t.name()));
            }
        }
        let file = rec.values_file.as_ref();
        self.push_field(
            "values_file",
            file.map(|f| format!("<span class=\"path\">{}</span>", escape_html(&f.path))),
        );
    }

    /// A risk's likelihood and impact, its score and band, and its review date,
    /// flagged when the review is overdue.
    fn risk(&mut self) {
        let rec = self.rec;
        let facts = self.pages.b.analysis.risks[self.i];
        self.push_field("likelihood", rec.likelihood.map(|l| format!("{l} of 5")));
        self.push_field("impact", rec.impact.map(|m| format!("{m} of 5")));
        if let Some(score) = facts.and_then(|f| f.score) {
            self.push(
                "Score",
                format!("{score} {}", tag_html(present::risk_band(score))),
            );
        }
        if let Some(d) = date_html(rec.review_by) {
            let flag = if facts.is_some_and(|f| f.review_overdue) {
                format!(" {}", tag_html("review-overdue"))
            } else {
                String::new()
            };
            self.push(&field_label("review_by"), format!("{d}{flag}"));
        }
    }

    /// The fields every record type has that the record keeps apart from its plain
    /// ones: owner, date, tags and classification.
    fn common(&mut self) {
        let rec = self.rec;
        self.push_field("owner", rec.owner.as_deref().map(escape_html));
        self.push_field("date", date_html(rec.date));
        if !rec.tags.is_empty() {
            let tags: Vec<String> = rec.tags.iter().map(|t| escape_html(t)).collect();
            self.push("Tags", tags.join(", "));
        }
        self.push_field("classification", rec.classification.map(escape_html));
    }

    /// Plain fields, by their declarations alone: nothing here names them, so a field
    /// declared in `model::schema` shows here without a change to this file.
    fn plain(&mut self) {
        let rec = self.rec;
        for f in present::plain_fields(rec.rtype) {
            let html = match f.kind {
                FieldKind::Ref(_) | FieldKind::Refs(_) => self.refs_html(f.name),
                _ => rec
                    .plain(f.name)
                    .map(|v| escape_html(&present::plain_text(v))),
            };
            if let Some(html) = html {
                self.rows
                    .push((f.group as u8, present::plain_label(f), html));
            }
        }
    }
}

/// The groups of linked records on a record's page as they are built, in the order
/// the page shows them; a group with no records is left out.
struct Relations<'p, 'a> {
    pages: &'p Pages<'a>,
    i: usize,
    root: &'p str,
    list: Vec<Relation>,
}

impl Relations<'_, '_> {
    /// Adds a group under `heading` when it has records.
    fn section(&mut self, key: &str, heading: &str, items: Vec<LinkCtx>) {
        if !items.is_empty() {
            self.list.push(Relation {
                key: key.to_string(),
                heading: heading.to_string(),
                items,
            });
        }
    }

    /// The records this one names in `field`; a withheld one says so, an unresolved
    /// one is left out.
    fn refs(&self, field: &str) -> Vec<LinkCtx> {
        let rec = &self.pages.b.site().records[self.i];
        rec.refs_in(field)
            .filter_map(|rf| match rf.target {
                Some(t) => Some(self.pages.link(self.root, t)),
                None if rf.withheld => Some(LinkCtx::withheld()),
                None => None,
            })
            .collect()
    }

    /// The records that name this one in `field`, each once.
    fn backlinks(&self, field: &str) -> Vec<LinkCtx> {
        let mut seen = BTreeSet::new();
        self.pages.b.site().backlinks[self.i]
            .iter()
            .filter(|b| b.field == field && seen.insert(b.from))
            .map(|b| self.pages.link(self.root, b.from))
            .collect()
    }

    /// What this record answers or supports, then what answers or supports it: the
    /// path from a recommendation to its evidence comes first on every page. A
    /// recommendation's evidence is what the analysis traced behind it, through its
    /// actions too, each with how it was reached.
    fn answers(&mut self) {
        let (i, root) = (self.i, self.root);
        let site = self.pages.b.site();
        self.section(
            "addresses",
            "Recommendations this answers",
            self.refs("addresses"),
        );
        self.section("supports", "What this evidences", self.refs("supports"));
        let made = self.backlinks("source");
        self.section("recommendations", "Recommendations made", made);
        let answering = self.backlinks("addresses");
        self.section("actions", "Actions answering this", answering);
        self.section("actions", "Actions", self.backlinks("objective"));
        let under = self.backlinks("plan");
        self.section("actions", "Actions under this plan", under);
        if site.records[i].rtype == RecordType::Recommendation {
            let trace = &self.pages.b.analysis.trace[i];
            let behind = trace.iter().map(|b| self.pages.behind_link(root, b));
            self.section("evidence", "Evidence behind this", behind.collect());
        } else {
            let by = self.backlinks("supports");
            self.section("evidence", "Evidenced by", by);
        }
    }

    /// The other links both ways: indicators, risks and their mitigations, the
    /// records an event concerns, and related records.
    fn others(&mut self) {
        self.section("relates", "Shows progress on", self.refs("relates"));
        let mitigations = self.refs("mitigations");
        self.section("mitigations", "Actions reducing this risk", mitigations);
        let risks = self.backlinks("mitigations");
        self.section("risks", "Risks this reduces", risks);
        self.section("refs", "Records this event concerns", self.refs("refs"));
        self.section("related", "Related", self.refs("related"));
    }
}
