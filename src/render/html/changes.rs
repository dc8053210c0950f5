//! `site/changes.html`: what changed since the last baseline (SPEC §13.5), grouped by
//! recommendation so an inspector reads "what happened on this recommendation"; and
//! what the dashboard shows of it.
//!
//! Reads the [`Changes`] the build computed once; words come from [`present`].

use super::{put, Pages};
use crate::changes::{Change, Changes, Point};
use crate::present::{self, change_detail, change_heading};
use crate::render::{svg, Build, Emit};
use anyhow::Result;
use serde_json::{json, Value};

/// A page inside `site/` as a link from the site's top level.
fn href(page: &Option<String>) -> Option<&str> {
    page.as_deref()
        .map(|p| p.strip_prefix("site/").unwrap_or(p))
}

/// Readiness at one date, as the page and the dashboard show it.
fn point_json(p: &Point) -> Value {
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

/// What the dashboard shows of the changes (`dashboard-changes.html`): the readiness
/// then and now, how many changes, the chart over time.
pub(super) fn dashboard_context(c: &Changes) -> Value {
    let words = present::since_words(c);
    // "Since the monitoring visit on …": the same words, starting a heading.
    let heading = format!("S{}", words.strip_prefix('s').unwrap_or(&words));
    json!({
        "since": point_json(&c.since),
        "since_words": words,
        "since_heading": heading,
        "now": point_json(&c.now),
        "total": c.all.len(),
        "chart": crate::charts::changes_history(c).as_ref().map(svg::context),
    })
}

/// What `changes.html` is given as `changes` (and the dashboard as its summary).
fn context(c: &Changes) -> Value {
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
        "since_words": present::since_words(c),
        "now": point_json(&c.now),
        "history": c.history.iter().map(point_json).collect::<Vec<_>>(),
        "chart": crate::charts::changes_history(c).as_ref().map(svg::context),
        "total": c.all.len(),
        "counts": counts,
        "groups": groups,
    })
}

/// The page `changes.html` (SPEC §13.5; inside `site/`, and `serve` serves it too):
/// the changes' data with the banner and footer.
pub fn changes_page(b: &Build<'_>, c: &Changes) -> Result<String> {
    let title = format!("Changes {}", present::since_words(c));
    let pages = Pages::new(b);
    let crumbs = vec![
        ("Dashboard".to_string(), Some("index.html".to_string())),
        (title.clone(), None),
    ];
    let mut ctx = pages.context("", &title, "changes", crumbs)?;
    put(&mut ctx, "changes", context(c));
    pages.render("changes.html", &ctx)
}

/// `site/changes.html` as an output (SPEC §13.5): nothing without baselines.
pub fn write_changes(b: &Build<'_>, emit: Emit<'_>) -> Result<usize> {
    match b.changes {
        Some(c) => {
            emit.write("site/changes.html", changes_page(b, c)?.as_bytes())?;
            Ok(1)
        }
        None => Ok(0),
    }
}
