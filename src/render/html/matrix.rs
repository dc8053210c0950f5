//! The traceability matrix (`matrix.html`): each recommendation with the actions
//! answering it and the evidence behind it.

use super::list::{filter_menu, offer, FilterValues};
use super::{put, tag, LinkCtx, Pages};
use crate::model::schema::RecordType;
use crate::present::{self, label};
use anyhow::Result;
use serde_json::json;
use std::collections::BTreeMap;

impl Pages<'_> {
    pub(super) fn matrix(&self) -> Result<(String, String)> {
        let site = self.b.site();
        let a = self.b.analysis;
        let mut rows = Vec::new();
        let mut filter_values = FilterValues::new();
        for (i, rec) in site.of_type(RecordType::Recommendation) {
            let mut actions: Vec<LinkCtx> = site.backlinks[i]
                .iter()
                .filter(|b| b.field == "addresses")
                .map(|b| self.link("", b.from))
                .collect();
            let mut evidence_links: Vec<LinkCtx> =
                a.trace[i].iter().map(|b| self.behind_link("", b)).collect();
            self.fill_links(&mut actions)?;
            self.fill_links(&mut evidence_links)?;
            // Superseded recommendations are not counted, so they are never a gap.
            let gap = a.counted(site, i) && !a.evidenced[i];
            // What the filters match, as on the recommendations list.
            let mut data: BTreeMap<&'static str, String> = BTreeMap::new();
            let mut put = |key: &'static str, value: &str, shown: String| {
                offer(&mut data, &mut filter_values, key, value, shown);
            };
            if let Some(x) = rec.targets("source").next() {
                let r = &site.records[x];
                put("source", &r.id, r.title.clone());
            }
            put("status", rec.status, label(rec.status));
            let evidence = present::evidence_word(site, a, i);
            put("evidence", evidence, label(evidence));
            // Rendered at once and kept as HTML, as a list's rows are (see
            // `Pages::list_page`): the values of the matrix's rows held together were
            // 56 MB at 10,000 records, the peak of a build (issue 25).
            let mut row = tera::Context::new();
            super::put(
                &mut row,
                "row",
                json!({"id": rec.id, "title": rec.title, "href": rec.page_path(), "status": tag(rec.status),
                       "counted": a.counted(site, i), "gap": gap, "actions": actions, "evidence": evidence_links, "data": data}),
            );
            let html = self.render("matrix-row.html", &row)?;
            rows.push((i, serde_json::Value::String(html)));
        }
        let sources = present::by_source(site);
        let count = rows.len();
        let groups = self.source_groups(&sources, rows, "");
        let source_ids: Vec<&str> = sources
            .iter()
            .filter_map(|(s, _)| s.map(|x| site.records[x].id.as_str()))
            .collect();
        let filters = filter_menu(
            &filter_values,
            &[
                ("source", "Source"),
                ("status", "Status"),
                ("evidence", "Evidence"),
            ],
            RecordType::Recommendation.statuses(),
            &source_ids,
        );
        let crumbs = vec![
            ("Dashboard".to_string(), Some("index.html".to_string())),
            ("Matrix".to_string(), None),
        ];
        let r = a.readiness;
        let mut ctx = self.context("", "Traceability matrix", "matrix", crumbs)?;
        let mut charts = vec![crate::charts::readiness(site, a)];
        charts.extend(crate::charts::recommendations_by_review(site));
        ctx.insert("charts", &self.charts(charts));
        ctx.insert("count", &count);
        put(&mut ctx, "groups", serde_json::Value::Array(groups));
        ctx.insert("filters", &filters);
        ctx.insert("filter_target", "matrix-table");
        ctx.insert("gaps", &a.gaps.unevidenced.len());
        ctx.insert(
            "readiness",
            &json!({"percent": r.percent_text(), "evidenced": r.evidenced, "counted": r.counted,
                    "parts": present::readiness_parts(&r).map(|(t, _)| t)}),
        );
        Ok(("matrix.html".into(), self.render("matrix.html", &ctx)?))
    }
}
