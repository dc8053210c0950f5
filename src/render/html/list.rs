//! A type's list page (`list.html`): one row per record, with the filters above the
//! table; recommendations grouped by the review that made them.

use super::{list_title, put, tag, Pages};
use crate::model::schema::RecordType;
use crate::model::Record;
use crate::present::{self, label};
use anyhow::Result;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// The columns of a type's list, in order.
fn columns(t: RecordType) -> &'static [&'static str] {
    match t {
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
    }
}

/// The filters a type's list offers, by key, with their headings.
fn filter_keys(t: RecordType) -> [(&'static str, &'static str); 9] {
    let status_label = if t == RecordType::Evidence {
        "State"
    } else {
        "Status"
    };
    [
        ("source", "Source"),
        ("status", status_label),
        ("priority", "Priority"),
        ("kind", "Kind"),
        ("owner", "Owner"),
        ("rag", "RAG"),
        ("late", "Past due"),
        ("evidence", "Evidence"),
        ("tags", "Tag"),
    ]
}

/// The filter menus of a table as it is built: for each key, the values its rows
/// match, raw, with the labels they show by.
pub(super) type FilterValues = BTreeMap<&'static str, BTreeSet<(String, String)>>;

/// One row matches `value` under `key` (its `data` for the filters), and the menu
/// offers the value, shown as `shown`.
pub(super) fn offer(
    data: &mut BTreeMap<&'static str, String>,
    menu: &mut FilterValues,
    key: &'static str,
    value: &str,
    shown: String,
) {
    data.insert(key, value.to_string());
    menu.entry(key)
        .or_default()
        .insert((value.to_string(), shown));
}

impl Pages<'_> {
    pub(super) fn list_page(&self, t: RecordType) -> Result<(String, String)> {
        let site = self.b.site();
        let a = self.b.analysis;
        let root = "../";
        let cols = columns(t);
        let standing_order = present::standing_order(t);
        let mut filter_values = FilterValues::new();
        let rows = self.list_rows(t, root, &standing_order, &mut filter_values)?;
        // Recommendations in groups by the review that made them, newest first; other
        // lists in one group with no heading.
        let sources = present::by_source(site);
        let count = rows.len();
        let groups: Vec<serde_json::Value> = if t == RecordType::Recommendation {
            self.source_groups(&sources, rows, root)
        } else {
            let rows: Vec<serde_json::Value> = rows.into_iter().map(|(_, r)| r).collect();
            vec![group(None, rows)]
        };
        let source_ids: Vec<&str> = sources
            .iter()
            .filter_map(|(s, _)| s.map(|x| site.records[x].id.as_str()))
            .collect();
        let filters = filter_menu(
            &filter_values,
            &filter_keys(t),
            &standing_order,
            &source_ids,
        );
        let columns: Vec<serde_json::Value> = cols.iter().map(|c| json!({"label": c})).collect();
        let title = list_title(t);
        let crumbs = vec![
            ("Dashboard".to_string(), Some("index.html".to_string())),
            (title.to_string(), None),
        ];
        let mut ctx = self.context(root, title, t.folder(), crumbs)?;
        ctx.insert("columns", &columns);
        ctx.insert("count", &count);
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

    /// A list's rows, each rendered (`list-row.html`) and kept as its HTML, with its
    /// record; the values its filters match are offered in `filter_values`.
    fn list_rows(
        &self,
        t: RecordType,
        root: &str,
        standing_order: &[&str],
        filter_values: &mut FilterValues,
    ) -> Result<Vec<(usize, serde_json::Value)>> {
        let site = self.b.site();
        let cols = columns(t);
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
        for (i, _) in order {
            // Each cell carries its column's name, shown beside it on a phone.
            let cells: Vec<serde_json::Value> = self
                .list_cells(t, i, root, standing_order)
                .into_iter()
                .zip(cols)
                .map(|(mut c, label)| {
                    c["label"] = json!(label);
                    c
                })
                .collect();
            let data = self.row_filters(t, i, filter_values);
            // Each row is rendered as it is made and kept as its HTML: the values of
            // a row (a dozen small objects) take ten times its HTML, and the rows of
            // the evidence list of 10,000 records held at once were 50 MB, the peak of
            // a build (issue 25).
            let mut row = tera::Context::new();
            put(&mut row, "r", json!({"cells": cells, "data": data}));
            let html = self.render("list-row.html", &row)?;
            rows.push((i, serde_json::Value::String(html)));
        }
        Ok(rows)
    }

    /// Rows of recommendations in groups by the review that made them, newest first,
    /// each headed by the review ([`Pages::source_heading`]).
    ///
    /// Each row is moved into its group, in the order of `rows`, not copied: the rows
    /// of the matrix are the biggest value a build makes, and a copy of them was a
    /// fifth of its peak memory at 10,000 records (issue 25).
    pub(super) fn source_groups(
        &self,
        sources: &[(Option<usize>, Vec<usize>)],
        rows: Vec<(usize, serde_json::Value)>,
        root: &str,
    ) -> Vec<serde_json::Value> {
        let mut grouped: Vec<Vec<serde_json::Value>> = vec![Vec::new(); sources.len()];
        for (i, row) in rows {
            if let Some(g) = sources.iter().position(|(_, recs)| recs.contains(&i)) {
                grouped[g].push(row);
            }
        }
        sources
            .iter()
            .zip(grouped)
            .map(|((source, _), rows)| group(Some(self.source_heading(*source, root)), rows))
            .collect()
    }

    /// The heading of a group of recommendations: the review that made them, its kind
    /// and date, linked; or "No source shown" for those whose review is withheld.
    pub(super) fn source_heading(&self, source: Option<usize>, root: &str) -> serde_json::Value {
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
    /// One row's cells: text, links, dates and tags, each with its sort key, in its
    /// columns' order (see [`columns`]).
    fn list_cells(
        &self,
        t: RecordType,
        i: usize,
        root: &str,
        standing_order: &[&str],
    ) -> Vec<serde_json::Value> {
        let row = Row {
            pages: self,
            rec: &self.b.site().records[i],
            i,
            root,
            standing_order,
        };
        match t {
            RecordType::Recommendation => row.recommendation(),
            RecordType::Action => row.action(),
            RecordType::Evidence => row.evidence(),
            RecordType::Plan => row.plan(),
            RecordType::Objective => row.objective(),
            RecordType::Review => row.review(),
            RecordType::Event => vec![
                date_cell(row.rec.date),
                row.title(),
                text(&label(row.rec.kind.unwrap_or(""))),
            ],
            RecordType::Page => vec![row.title()],
            RecordType::Indicator => row.indicator(),
            RecordType::Risk => row.risk(),
        }
    }

    /// What the filters match on row `i` (raw values, shown by their labels), each
    /// value offered in the list's menus.
    fn row_filters(
        &self,
        t: RecordType,
        i: usize,
        menu: &mut FilterValues,
    ) -> BTreeMap<&'static str, String> {
        let site = self.b.site();
        let a = self.b.analysis;
        let rec = &site.records[i];
        let standing = present::standing(site, a, i);
        let mut data: BTreeMap<&'static str, String> = BTreeMap::new();
        let mut put = |key: &'static str, value: &str, shown: String| {
            offer(&mut data, menu, key, value, shown);
        };
        if !standing.is_empty() {
            put("status", standing, label(standing));
        }
        if let Some(o) = &rec.owner {
            put("owner", o, o.clone());
        }
        if let Some(rag) = a.rag[i] {
            put("rag", rag, label(rag));
        }
        if a.late_by(site, i).is_some() {
            put("late", "past-due", label("past-due"));
        }
        if let Some(p) = rec.priority {
            put("priority", p, label(p));
        }
        if let Some(k) = rec.kind {
            put("kind", k, label(k));
        }
        if t == RecordType::Recommendation {
            if let Some(x) = rec.targets("source").next() {
                let r = &site.records[x];
                put("source", &r.id, r.title.clone());
            }
            let evidence = present::evidence_word(site, a, i);
            put("evidence", evidence, label(evidence));
        }
        if !rec.tags.is_empty() {
            // A row matches any of its tags: they are offered one by one.
            for tg in &rec.tags {
                menu.entry("tags")
                    .or_default()
                    .insert((tg.to_string(), label(tg)));
            }
            data.insert("tags", rec.tags.join("|"));
        }
        data
    }
}

/// The filters above a table (`list.html`, `matrix.html`): for each key with values,
/// its values in their own order — statuses, ratings and priorities as §13.1 orders
/// them, sources newest first, evidence words as the dashboard — and names
/// alphabetically, each shown by its label.
pub(super) fn filter_menu(
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

/// A plain text cell.
fn text(s: &str) -> serde_json::Value {
    json!({"text": s})
}

/// A word shown as a tag, sorted by its place in `order`; empty when there is none.
fn word(w: &str, order: &[&str]) -> serde_json::Value {
    if w.is_empty() {
        json!({"text": ""})
    } else {
        json!({"status": tag(w), "sort": present::sort_key(order, w)})
    }
}

/// A date written out, sorted by its ISO form.
fn date_cell(d: Option<crate::date::PartialDate>) -> serde_json::Value {
    json!({"text": d.map(|d| d.long()).unwrap_or_default(), "sort": d.map(|d| d.to_string()).unwrap_or_default()})
}

/// One record's row as it is built: the cells several types share (ID, title, due
/// date, standing), and one method per type giving its cells in its columns' order.
struct Row<'p, 'a> {
    pages: &'p Pages<'a>,
    rec: &'a Record,
    i: usize,
    root: &'p str,
    /// The standings in the order the Status column sorts them.
    standing_order: &'p [&'p str],
}

impl Row<'_, '_> {
    /// The record's ID, linking to its page.
    fn id(&self) -> serde_json::Value {
        json!({"text": self.rec.id, "href": format!("{}{}", self.root, self.rec.page_path()), "class": "id"})
    }

    /// The title, linking to the page; it leads each row when a phone shows the table
    /// as a list of cards.
    fn title(&self) -> serde_json::Value {
        json!({"text": self.rec.title, "href": format!("{}{}", self.root, self.rec.page_path()), "class": "cell-primary"})
    }

    /// How the record stands, as a tag.
    fn standing(&self) -> serde_json::Value {
        let b = self.pages.b;
        word(
            present::standing(b.site(), b.analysis, self.i),
            self.standing_order,
        )
    }

    /// How the record stands, with its flags beside it.
    fn standing_flagged(&self) -> serde_json::Value {
        let mut c = self.standing();
        c["flags"] = json!(self.pages.flags(self.i));
        c
    }

    /// A due date with its move and, when late, the days past due (SPEC §14.4).
    fn due(&self) -> serde_json::Value {
        let (site, a) = (self.pages.b.site(), self.pages.b.analysis);
        let mut c = date_cell(self.rec.due);
        if let Some(t) = present::due_text(self.rec) {
            let text = match a.late_by(site, self.i) {
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
    }

    /// The records a field names, as links by title with the ID beside (withheld
    /// ones are left out).
    fn links(&self, field: &str) -> serde_json::Value {
        let site = self.pages.b.site();
        let items: Vec<serde_json::Value> = self
            .rec
            .targets(field)
            .map(|x| {
                let r = &site.records[x];
                json!({"text": r.title, "id": r.id, "href": format!("{}{}", self.root, r.page_path())})
            })
            .collect();
        json!({"links": items})
    }

    /// ID, Title, Priority, Owner, Due, Status, Evidence.
    fn recommendation(&self) -> Vec<serde_json::Value> {
        let rec = self.rec;
        let (site, a) = (self.pages.b.site(), self.pages.b.analysis);
        vec![
            self.id(),
            self.title(),
            match rec.priority {
                Some(p) => {
                    json!({"text": label(p), "sort": present::sort_key(present::PRIORITIES, p)})
                }
                None => text(""),
            },
            text(rec.owner.as_deref().unwrap_or("")),
            self.due(),
            self.standing_flagged(),
            word(
                present::evidence_word(site, a, self.i),
                &["not-evidenced", "evidenced", "not-counted"],
            ),
        ]
    }

    /// ID, Title, Addresses, Owner, Due, Status, RAG.
    fn action(&self) -> Vec<serde_json::Value> {
        let rag = self.pages.b.analysis.rag[self.i];
        vec![
            self.id(),
            self.title(),
            self.links("addresses"),
            text(self.rec.owner.as_deref().unwrap_or("")),
            self.due(),
            self.standing_flagged(),
            word(rag.unwrap_or(""), crate::model::schema::RAGS),
        ]
    }

    /// ID, Title, Kind, Supports, Date, Reviewed, State.
    fn evidence(&self) -> Vec<serde_json::Value> {
        let rec = self.rec;
        vec![
            self.id(),
            self.title(),
            text(&label(rec.kind.unwrap_or(""))),
            self.links("supports"),
            date_cell(rec.date),
            date_cell(rec.reviewed),
            self.standing(),
        ]
    }

    /// ID, Title, Period, Status.
    fn plan(&self) -> Vec<serde_json::Value> {
        let rec = self.rec;
        vec![
            self.id(),
            self.title(),
            text(&format!(
                "{} – {}",
                rec.period_start.map(|d| d.long()).unwrap_or_default(),
                rec.period_end.map(|d| d.long()).unwrap_or_default()
            )),
            self.standing(),
        ]
    }

    /// ID, Title, Plan.
    fn objective(&self) -> Vec<serde_json::Value> {
        let plan = match self.rec.parent {
            Some(p) => {
                let r = &self.pages.b.site().records[p];
                json!({"text": r.title, "id": r.id, "href": format!("{}{}", self.root, r.page_path()), "class": "wrap"})
            }
            None => text(""),
        };
        vec![self.id(), self.title(), plan]
    }

    /// ID, Title, Kind, By, Date, Status.
    fn review(&self) -> Vec<serde_json::Value> {
        let rec = self.rec;
        vec![
            self.id(),
            self.title(),
            text(&label(rec.kind.unwrap_or(""))),
            text(rec.text("by").unwrap_or("")),
            date_cell(rec.date),
            self.standing(),
        ]
    }

    /// ID, Title, Latest (with its sparkline and how it stands against the target),
    /// Target, Trend, Status.
    fn indicator(&self) -> Vec<serde_json::Value> {
        let rec = self.rec;
        let f = self.pages.b.analysis.indicators[self.i].as_ref();
        let latest = f.and_then(|f| f.latest.map(|l| (f, l)));
        let figure = |v: f64| present::figure(v, rec.unit);
        vec![
            self.id(),
            self.title(),
            match latest {
                Some((f, l)) => {
                    let r = &rec.values[l];
                    json!({"text": format!("{} ({})", figure(r.value), r.period.long()),
                           "svg": crate::render::svg::sparkline(&crate::charts::sparkline(rec, f)),
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
            self.standing(),
        ]
    }

    /// ID, Title, Owner, Likelihood, Impact, Score (with its band), Review by (flagged
    /// when overdue), Status.
    fn risk(&self) -> Vec<serde_json::Value> {
        let rec = self.rec;
        let facts = self.pages.b.analysis.risks[self.i].unwrap_or_default();
        let mut review = date_cell(rec.review_by);
        if facts.review_overdue {
            review["status"] = json!(tag("review-overdue"));
        }
        vec![
            self.id(),
            self.title(),
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
            self.standing(),
        ]
    }
}

/// A group of rows for the templates, `{heading, rows}` (no heading: `{rows}`), made
/// by hand: `json!` would serialise, that is copy, the rows.
fn group(heading: Option<serde_json::Value>, rows: Vec<serde_json::Value>) -> serde_json::Value {
    let mut group = serde_json::Map::new();
    if let Some(heading) = heading {
        group.insert("heading".into(), heading);
    }
    group.insert("rows".into(), serde_json::Value::Array(rows));
    serde_json::Value::Object(group)
}
