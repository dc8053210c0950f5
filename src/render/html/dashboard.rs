//! The dashboard (`index.html`): readiness, counts, the gap lists, the charts and
//! what changed since the baselines.

use super::{judgement_rows, put, tag, LinkCtx, Pages, Tag};
use crate::analysis::{after_as_of, GapKind};
use crate::model::schema::{RecordType, ALL_TYPES};
use crate::present;
use anyhow::Result;
use serde_json::{json, Value};

/// The dashboard's readiness bar (SPEC §14.3): its three parts, each with its label,
/// count, colour and width in tenths of a percent.
fn readiness_meter(r: &crate::analysis::Readiness) -> Vec<Value> {
    present::readiness_bar(r)
        .into_iter()
        .filter(|(_, n, _)| *n > 0)
        .map(|(label, n, tone)| {
            json!({"label": label, "count": n, "tone": tone,
                   "per_mille": n * 1000 / r.counted.max(1)})
        })
        .collect()
}

/// A group of a gap list's table: its heading (if the list is split), the label of
/// its detail column, and its rows; lists by due date also show the owner.
fn group(heading: Option<&str>, detail_label: &str, items: Vec<Value>) -> Value {
    json!({"heading": heading, "detail_label": detail_label, "items": items,
           "owner": detail_label == "Due"})
}

impl Pages<'_> {
    fn gap_item(&self, i: usize, detail: String) -> Value {
        let rec = &self.b.site().records[i];
        json!({"id": rec.id, "title": rec.title, "href": rec.page_path(), "detail": detail,
               "status": self.standing(i), "flags": self.flags(i)})
    }

    /// A gap row with its owner ("No owner" when none is named): the lists by due date.
    fn gap_item_with_owner(&self, i: usize, detail: String) -> Value {
        let mut item = self.gap_item(i, detail);
        item["owner"] = json!(self.b.site().records[i]
            .owner
            .as_deref()
            .unwrap_or("No owner"));
        item
    }

    /// A late record's row: its due date and the days past due (SPEC §14.4).
    fn late_item(&self, i: usize, days: i64) -> Value {
        let due = present::due_text(&self.b.site().records[i]).unwrap_or_default();
        self.gap_item_with_owner(i, format!("{due} — {}", present::days_past_due(days)))
    }

    pub(super) fn dashboard(&self) -> Result<(String, String)> {
        let site = self.b.site();
        let a = self.b.analysis;
        let rag: Vec<Tag> = a
            .by_rag()
            .into_iter()
            .map(|(c, n)| Tag { count: n, ..tag(c) })
            .collect();
        let (past, not_yet) = a.unevidenced_by_due(site);
        let r = a.readiness;
        let rec_statuses: Vec<Tag> = a
            .by_status(site, RecordType::Recommendation)
            .into_iter()
            .map(|(s, n)| Tag { count: n, ..tag(s) })
            .collect();
        let readiness = json!({"percent": r.percent_text(), "per_mille": r.per_mille(), "evidenced": r.evidenced,
                               "counted": r.counted, "unevidenced": a.gaps.unevidenced.len(),
                               "met_evidenced": r.met_evidenced, "met_percent": r.met_percent_text(),
                               "parts": present::readiness_parts(&r).map(|(t, _)| t),
                               "bar": readiness_meter(&r),
                               "past_due": past.len(), "not_yet_due": not_yet.len(), "statuses": rec_statuses});
        let charts = self.charts(crate::charts::dashboard(site, a));
        let mut ctx = self.context("", "Dashboard", "index", Vec::new())?;
        ctx.insert("tiles", &self.tiles());
        ctx.insert("readiness", &readiness);
        ctx.insert("counts", &self.type_counts());
        ctx.insert("rag", &rag);
        ctx.insert("events", &self.events_ctx()?);
        put(
            &mut ctx,
            "gap_lists",
            Value::Array(self.gap_lists(&past, &not_yet)),
        );
        ctx.insert("contradicted", &self.contradicted()?);
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

    /// Each type's count, by status, or by state for evidence: the same figures as the
    /// lists, the packs and `assure status`.
    fn type_counts(&self) -> Vec<Value> {
        let site = self.b.site();
        let a = self.b.analysis;
        let mut counts = Vec::new();
        for t in ALL_TYPES {
            let total = site.of_type(t).count();
            if total == 0 || t == RecordType::Page {
                continue;
            }
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
        counts
    }

    /// The latest events up to the readiness date and the next after it, with their
    /// headings.
    fn events_ctx(&self) -> Result<Value> {
        let site = self.b.site();
        let date_of = |i: usize| site.records[i].date;
        let mut events: Vec<usize> = site.of_type(RecordType::Event).map(|(i, _)| i).collect();
        events.sort_by_key(|&i| (date_of(i).map(|d| d.first_day()), i));
        let as_of = self.b.as_of;
        let recent: Vec<Value> = events
            .iter()
            .filter(|&&i| date_of(i).is_some_and(|d| !after_as_of(d, as_of)))
            .rev()
            .take(5)
            .map(|&i| self.event_ctx(i, ""))
            .collect::<Result<_>>()?;
        let upcoming: Vec<Value> = events
            .iter()
            .filter(|&&i| date_of(i).is_some_and(|d| after_as_of(d, as_of)))
            .take(3)
            .map(|&i| self.event_ctx(i, ""))
            .collect::<Result<_>>()?;
        Ok(json!({"recent": recent, "upcoming": upcoming,
                  "recent_heading": format!("Latest, {}", present::UP_TO_AS_OF),
                  "upcoming_heading": format!("Next, {}", present::AFTER_AS_OF),
                  "none_recent": format!("No events {}.", present::UP_TO_AS_OF)}))
    }

    /// Every gap list in [`GapKind::ALL`]'s order, each with its rows and what each
    /// row's detail column says. `past` and `not_yet` split the unevidenced.
    fn gap_lists(&self, past: &[(usize, i64)], not_yet: &[usize]) -> Vec<Value> {
        let site = self.b.site();
        let a = self.b.analysis;
        let g = &a.gaps;
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
        let held = |i: usize| present::held_at(&site.records[i]).unwrap_or_default();
        let rows = |items: &[usize], detail: &dyn Fn(usize) -> String| -> Vec<Value> {
            items.iter().map(|&i| self.gap_item(i, detail(i))).collect()
        };
        // Past-due recommendations and overdue actions: most days late first, with the
        // days and the owner (SPEC §14.4).
        let late_rows = |kind: GapKind| -> Vec<Value> {
            a.by_lateness(site, g.list(kind))
                .into_iter()
                .map(|(i, days)| self.late_item(i, days))
                .collect()
        };
        GapKind::ALL
            .into_iter()
            .map(|kind| {
                let groups = match kind {
                    GapKind::Unevidenced => self.unevidenced_groups(past, not_yet),
                    GapKind::PastDue | GapKind::Overdue => {
                        vec![group(None, "Due", late_rows(kind))]
                    }
                    GapKind::Expired => vec![group(None, "Expired", rows(&g.expired, &expires))],
                    GapKind::Stale => vec![group(None, "Last reviewed", rows(&g.stale, &reviewed))],
                    GapKind::Changed => {
                        vec![group(None, "Recorded SHA-256", rows(&g.changed, &recorded))]
                    }
                    GapKind::Unsigned => vec![group(None, "Held at", rows(&g.unsigned, &held))],
                };
                json!({"key": kind.key().replace('_', "-"), "short": present::gap_short(kind),
                       "title": present::gap_heading(kind),
                       "count": g.list(kind).len(), "groups": groups})
            })
            .collect()
    }

    /// Unevidenced recommendations: those past their due date (most overdue first,
    /// with the days) apart from those not yet due.
    fn unevidenced_groups(&self, past: &[(usize, i64)], not_yet: &[usize]) -> Vec<Value> {
        let past_rows: Vec<Value> = past
            .iter()
            .map(|&(i, days)| self.late_item(i, days))
            .collect();
        let not_yet_rows: Vec<Value> = not_yet
            .iter()
            .map(|&i| {
                let due = present::due_text(&self.b.site().records[i])
                    .unwrap_or_else(|| present::NO_DUE_DATE.to_string());
                self.gap_item_with_owner(i, due)
            })
            .collect();
        let (past_heading, not_yet_heading) = present::unevidenced_groups();
        vec![
            group(Some(past_heading), "Due", past_rows),
            group(Some(not_yet_heading), "Due", not_yet_rows),
        ]
    }

    /// Recommendations marked met while an action addressing them is overdue (W108),
    /// each with those actions.
    fn contradicted(&self) -> Result<Vec<Value>> {
        let site = self.b.site();
        let a = self.b.analysis;
        site.of_type(RecordType::Recommendation)
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
            .collect()
    }

    /// Indicators and risks beside the gaps, where the content has them (SPEC §14.9).
    fn tiles(&self) -> Vec<Value> {
        let site = self.b.site();
        let a = self.b.analysis;
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
        tiles
    }
}
