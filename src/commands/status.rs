//! `assure status`: the readiness summary an improvement lead reads before a board
//! meeting — the headline figure, counts by status, and the gap lists behind it — as
//! text, or as one JSON object (SPEC §13.1) for other tools.

use crate::analysis::Analysis;
use crate::model::schema::RecordType;
use crate::model::Site;
use crate::pipeline::Analysed;
use crate::present::label;
use serde_json::{json, Map, Value};
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
/// counts by status, state and RAG, and the gap lists as ID arrays.
pub fn json(a: &Analysed, as_of: crate::date::Date) -> Value {
    let site = a.site();
    let an: &Analysis = &a.analysis;
    let r = an.readiness;
    let counts = |pairs: Vec<(&str, usize)>| -> Value {
        Value::Object(
            pairs
                .into_iter()
                .map(|(k, n)| (k.to_string(), json!(n)))
                .collect::<Map<_, _>>(),
        )
    };
    let ids = |list: &[usize]| -> Value {
        Value::Array(list.iter().map(|&i| json!(site.records[i].id)).collect())
    };
    let g = &an.gaps;
    json!({
        "as_of": as_of.to_string(),
        "audience": a.view.audience,
        "readiness": {
            "evidenced": r.evidenced,
            "counted": r.counted,
            "percent": r.per_mille().map(|pm| pm as f64 / 10.0),
        },
        "recommendations": {"by_status": counts(an.by_status(site, RecordType::Recommendation))},
        "evidence": {"by_state": counts(an.by_state().into_iter().map(|(s, n)| (s.name(), n)).collect())},
        "actions": {
            "by_status": counts(an.by_status(site, RecordType::Action)),
            "by_rag": counts(an.by_rag()),
            "overdue": g.overdue.len(),
        },
        "unevidenced": ids(&g.unevidenced),
        "overdue": ids(&g.overdue),
        "stale": ids(&g.stale),
        "expired": ids(&g.expired),
        "changed": ids(&g.changed),
    })
}
