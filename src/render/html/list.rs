//! A type's list page (`list.html`): one row per record, with the filters above the
//! table; recommendations grouped by the review that made them.

use super::{list_title, put, tag, Pages};
use crate::model::schema::RecordType;
use crate::model::Record;
use crate::present::{self, label};
use anyhow::Result;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

impl Pages<'_> {
    pub(super) fn list_page(&self, t: RecordType) -> Result<(String, String)> {
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
