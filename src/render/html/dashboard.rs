//! The dashboard (`index.html`): readiness, counts, the gap lists, the charts and
//! what changed since the baselines.

use super::{judgement_rows, put, tag, LinkCtx, Pages, Tag};
use crate::analysis::GapKind;
use crate::model::schema::{RecordType, ALL_TYPES};
use crate::present;
use anyhow::Result;
use serde_json::json;

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

impl Pages<'_> {
    fn gap_item(&self, i: usize, detail: String) -> serde_json::Value {
        let rec = &self.b.site().records[i];
        json!({"id": rec.id, "title": rec.title, "href": rec.page_path(), "detail": detail,
               "status": self.standing(i), "flags": self.flags(i)})
    }

    pub(super) fn dashboard(&self) -> Result<(String, String)> {
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
            put(&mut ctx, "changes", super::changes::dashboard_context(c));
        }
        Ok(("index.html".into(), self.render("index.html", &ctx)?))
    }
}
