//! `assure status`: the readiness summary an improvement lead reads before a board
//! meeting — the headline figure, counts by status, and the gap lists behind it — as
//! text, or as one JSON object (SPEC §13.1) for other tools.

use crate::model::schema::RecordType;
use crate::model::Site;
use crate::pipeline::Analysed;
use crate::present::label;
use serde_json::Value;
use std::fmt::Write;

fn line_for(site: &Site, i: usize, extra: &str) -> String {
    let r = &site.records[i];
    format!("  {:<24} {}{extra}\n", r.id, r.title)
}

/// A gap list: its heading, the records, and what to say after each one.
type GapList<'a> = (&'a str, &'a Vec<usize>, &'a dyn Fn(usize) -> String);

/// The summary as plain text.
pub fn render(a: &Analysed, as_of: crate::date::Date) -> String {
    let site = a.site();
    let an = &a.analysis;
    let r = an.readiness;
    let mut out = String::new();
    let _ = writeln!(out, "{}", site.config.title);
    if !site.config.organisation.is_empty() {
        let _ = writeln!(out, "{}", site.config.organisation);
    }
    let _ = writeln!(
        out,
        "\nReadiness {} — {} of {} recommendations evidenced (as of {}, audience: {})\n",
        r.percent_text(),
        r.evidenced,
        r.counted,
        as_of,
        a.view.audience
    );
    for t in [
        RecordType::Recommendation,
        RecordType::Action,
        RecordType::Evidence,
        RecordType::Plan,
        RecordType::Review,
        RecordType::Event,
        RecordType::Page,
    ] {
        let total = site.of_type(t).count();
        if total == 0 {
            continue;
        }
        let by: Vec<(String, usize)> = if t == RecordType::Evidence {
            an.by_state()
                .into_iter()
                .map(|(s, n)| (label(s.name()), n))
                .collect()
        } else {
            an.by_status(site, t)
                .into_iter()
                .map(|(s, n)| (label(s), n))
                .collect()
        };
        let by = by
            .iter()
            .map(|(w, n)| format!("{w} {n}"))
            .collect::<Vec<_>>()
            .join(" · ");
        let _ = writeln!(out, "{:<16} {total:>5}   {by}", t.plural_title());
    }
    let rag: Vec<String> = an
        .by_rag()
        .into_iter()
        .map(|(c, n)| format!("{} {n}", label(c)))
        .collect();
    if !rag.is_empty() {
        let _ = writeln!(out, "{:<16}         {}", "Action RAG", rag.join(" · "));
    }

    let g = &an.gaps;
    let reviewed = |i: usize| {
        let e = &site.records[i];
        match e.reviewed.or(e.date) {
            Some(d) => format!(" — last reviewed {d}"),
            None => " — never reviewed".to_string(),
        }
    };
    let sections: [GapList; 5] = [
        (
            "Recommendations without current evidence",
            &g.unevidenced,
            &|i| format!(" ({})", label(site.records[i].status)),
        ),
        ("Overdue actions", &g.overdue, &|i| {
            let a = &site.records[i];
            format!(
                " — due {}, {}{}",
                a.due.map(|d| d.to_string()).unwrap_or_default(),
                label(a.status),
                a.owner
                    .as_ref()
                    .map(|o| format!(", {o}"))
                    .unwrap_or_default()
            )
        }),
        ("Expired evidence", &g.expired, &|i| {
            let e = &site.records[i];
            format!(
                " — expired {}",
                e.expires.map(|d| d.to_string()).unwrap_or_default()
            )
        }),
        ("Stale evidence", &g.stale, &reviewed),
        (
            "Changed evidence (file differs from its recorded sha256)",
            &g.changed,
            &|_| String::new(),
        ),
    ];
    for (title, list, extra) in sections {
        let _ = writeln!(out, "\n{title}: {}", list.len());
        for &i in list.iter() {
            out.push_str(&line_for(site, i, &extra(i)));
        }
    }
    out
}

/// The summary as one JSON object (SPEC §13.1): `as_of`, `audience`, `readiness`,
/// counts by status, state and RAG, and the gap lists as ID arrays — the object
/// `records.json` carries as `status`.
pub fn json(a: &Analysed, as_of: crate::date::Date) -> Value {
    crate::render::data::summary_json(a.site(), &a.analysis, &a.view.audience, as_of)
}
