//! The timeline page (`timeline.html`): events by year, newest first, with the
//! readiness date drawn where it falls.

use super::{put, tag, LinkCtx, Pages};
use crate::analysis::after_as_of;
use crate::model::schema::RecordType;
use anyhow::Result;
use serde_json::json;

impl Pages<'_> {
    pub(super) fn event_ctx(&self, i: usize, root: &str) -> Result<serde_json::Value> {
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
               "future": rec.date.is_some_and(|d| after_as_of(d, self.b.as_of)), "refs": refs}),
        )
    }

    pub(super) fn timeline(&self) -> Result<(String, String)> {
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
                .is_some_and(|d| after_as_of(d, self.b.as_of))
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
}
