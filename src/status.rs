//! `assure status`: the readiness summary an improvement lead reads before a board
//! meeting — the headline figure, counts by status, and the gap lists behind it.

use crate::model::schema::RecordType;
use crate::model::Site;
use crate::Checked;
use std::fmt::Write;

fn line_for(site: &Site, i: usize, extra: &str) -> String {
    let r = &site.records[i];
    format!("  {:<24} {}{extra}\n", r.id, r.title)
}

/// A gap list: its heading, the records, and what to say after each one.
type GapList<'a> = (&'a str, &'a Vec<usize>, &'a dyn Fn(usize) -> String);

/// Renders the summary as plain text.
pub fn render(checked: &Checked) -> String {
    let site = &checked.view.site;
    let r = &checked.readiness;
    let mut out = String::new();
    let _ = writeln!(out, "{}", site.config.title);
    if !site.config.organisation.is_empty() {
        let _ = writeln!(out, "{}", site.config.organisation);
    }
    let _ = writeln!(
        out,
        "\nReadiness {} — {} of {} recommendations evidenced (as of {}, audience: {})\n",
        r.percent_text(),
        r.evidenced_count,
        r.counted,
        checked.as_of,
        checked.audience
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
        let records: Vec<_> = site.of_type(t).collect();
        if records.is_empty() {
            continue;
        }
        let mut by_status = String::new();
        for s in t.statuses() {
            let n = records.iter().filter(|(_, rec)| rec.status == *s).count();
            if n > 0 {
                let _ = write!(
                    by_status,
                    "{}{s} {n}",
                    if by_status.is_empty() { "" } else { " · " }
                );
            }
        }
        let _ = writeln!(
            out,
            "{:<16} {:>5}   {by_status}",
            t.plural_title(),
            records.len()
        );
    }
    let rag_counts: Vec<String> = ["red", "amber", "green", "blue"]
        .iter()
        .map(|c| (c, r.rag.iter().filter(|x| **x == Some(*c)).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    if !rag_counts.is_empty() {
        let _ = writeln!(
            out,
            "{:<16}         {}",
            "Action RAG",
            rag_counts.join(" · ")
        );
    }

    let sections: [GapList; 4] = [
        (
            "Recommendations without current evidence",
            &r.unevidenced,
            &|i| format!(" ({})", site.records[i].status),
        ),
        ("Overdue actions", &r.overdue_actions, &|i| {
            let a = &site.records[i];
            format!(
                " — due {}, {}{}",
                a.due.map(|d| d.to_string()).unwrap_or_default(),
                a.status,
                a.owner
                    .as_ref()
                    .map(|o| format!(", {o}"))
                    .unwrap_or_default()
            )
        }),
        ("Stale evidence", &r.stale_evidence, &|i| {
            let e = &site.records[i];
            match e.reviewed.or(e.date) {
                Some(d) => format!(" — last reviewed {d}"),
                None => " — never reviewed".to_string(),
            }
        }),
        (
            "Changed evidence (file differs from its recorded sha256)",
            &r.changed_evidence,
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
