//! `site/changes.html`: what changed since the last baseline (SPEC §13.5), grouped by
//! recommendation so an inspector reads "what happened on this recommendation".
//!
//! Reads the [`Changes`] the build computed once; words come from [`present`]. Makes
//! the templates' data only: [`super::html::changes_page`] renders it as a page, with
//! the site's banner and footer.

use crate::changes::{Change, Changes, Point};
use crate::present::{self, change_detail, change_heading};
use serde_json::{json, Value};

/// A page inside `site/` as a link from the site's top level.
fn href(page: &Option<String>) -> Option<&str> {
    page.as_deref()
        .map(|p| p.strip_prefix("site/").unwrap_or(p))
}

/// "since the monitoring visit on 19 November 2025": the baseline compared with, by its
/// label when it has one (SPEC §14.10).
pub fn since_words(c: &Changes) -> String {
    present::since_baseline(c.since_label.as_deref(), c.since.as_of)
}

/// Readiness at one date, as the page and the dashboard show it.
pub fn point_json(p: &Point) -> Value {
    let r = p.readiness;
    json!({"as_of": p.as_of.to_string(), "as_of_long": p.as_of.long(), "evidenced": r.evidenced,
           "counted": r.counted, "percent": r.percent_text(), "per_mille": r.per_mille(),
           "met_evidenced": r.met_evidenced, "met_percent": r.met_percent_text(),
           "sentence": present::readiness_sentence(&r)})
}

fn change_json(c: &Change) -> Value {
    // The tag beside a change: the value it came to, in its colour.
    let word = match c.kind {
        crate::changes::Kind::Removed => "removed",
        _ => c.to.as_deref().unwrap_or(""),
    };
    json!({"heading": change_heading(c.kind), "title": c.title, "id": c.id, "href": href(&c.page),
           "detail": change_detail(c), "kind": c.kind.name(), "tone": present::tone(word)})
}

/// Readiness at each baseline and now, as a chart (SPEC §13.5): with one baseline,
/// "then and now" says it all, so only with several.
pub fn history_chart(c: &Changes) -> Option<crate::charts::Chart> {
    let points: Vec<_> = c.history.iter().map(|p| (p.as_of, p.readiness)).collect();
    (points.len() > 2).then(|| crate::charts::readiness_over_time(&points))
}

/// What the dashboard shows of the changes (`dashboard-changes.html`): the readiness
/// then and now, how many changes, the chart over time.
pub fn dashboard_context(c: &Changes) -> Value {
    let words = since_words(c);
    // "Since the monitoring visit on …": the same words, starting a heading.
    let heading = format!("S{}", words.strip_prefix('s').unwrap_or(&words));
    json!({
        "since": point_json(&c.since),
        "since_words": words,
        "since_heading": heading,
        "now": point_json(&c.now),
        "total": c.all.len(),
        "chart": history_chart(c).as_ref().map(super::svg::context),
    })
}

/// What `changes.html` is given as `changes` (and the dashboard as its summary).
pub fn context(c: &Changes) -> Value {
    let groups: Vec<Value> = c
        .groups
        .iter()
        .map(|g| {
            let rec = g.recommendation.as_ref().map(|s| {
                json!({"id": s.id, "title": s.title, "href": href(&s.page), "removed": s.removed})
            });
            json!({"recommendation": rec, "changes": g.changes.iter().map(change_json).collect::<Vec<_>>()})
        })
        .collect();
    let counts: Vec<Value> = c
        .counts()
        .into_iter()
        .map(|(k, n)| json!({"heading": change_heading(k), "count": n, "kind": k.name()}))
        .collect();
    json!({
        "since": point_json(&c.since),
        "since_words": since_words(c),
        "now": point_json(&c.now),
        "history": c.history.iter().map(point_json).collect::<Vec<_>>(),
        "chart": history_chart(c).as_ref().map(super::svg::context),
        "total": c.all.len(),
        "counts": counts,
        "groups": groups,
    })
}
