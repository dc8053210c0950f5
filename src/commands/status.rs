//! `assure status`: the readiness summary an improvement lead reads before a board
//! meeting — the headline figure, counts by status, and the gap lists behind it — as
//! text, or as one JSON object (SPEC §13.1) for other tools.

use crate::analysis::{Analysis, GapKind};
use crate::model::schema::RecordType;
use crate::model::Site;
use crate::pipeline::Analysed;
use crate::present::{self, label};
use serde_json::Value;
use std::fmt::Write;

fn line_for(site: &Site, i: usize, extra: &str) -> String {
    let r = &site.records[i];
    format!("  {:<24} {}{extra}\n", r.id, r.title)
}

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
        "\nReadiness: {} (as of {}, audience: {})\n",
        present::readiness_sentence(&r),
        as_of,
        a.view.audience
    );
    write_counts(&mut out, site, an);
    write_gaps(&mut out, site, an);
    out
}

/// A line per type with records: how many, and how many in each status (evidence:
/// in each state); then the actions by RAG rating.
fn write_counts(out: &mut String, site: &Site, an: &Analysis) {
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
}

/// Each gap list with its count, a line per record with what puts it there; then the
/// actions whose due dates moved.
fn write_gaps(out: &mut String, site: &Site, an: &Analysis) {
    for kind in GapKind::ALL {
        let title = present::gap_heading(kind);
        let list = an.gap_in_order(site, kind);
        let _ = writeln!(out, "\n{title}: {}", list.len());
        for i in list {
            out.push_str(&line_for(site, i, &gap_detail(site, an, kind, i)));
        }
    }
    let _ = writeln!(out, "\nDue dates moved: {}", an.gaps.due_moved.len());
    for &i in &an.gaps.due_moved {
        let rec = &site.records[i];
        out.push_str(&line_for(
            site,
            i,
            &format!(" — due {}", present::due_text(rec).unwrap_or_default()),
        ));
    }
}

/// What puts record `i` in gap list `kind`, after its ID and title.
fn gap_detail(site: &Site, an: &Analysis, kind: GapKind, i: usize) -> String {
    let rec = &site.records[i];
    match kind {
        GapKind::Unevidenced => format!(" ({})", label(rec.status)),
        // Past due and overdue: how many days late, the status and the owner.
        GapKind::PastDue | GapKind::Overdue => format!(
            " — due {}, {}, {}{}",
            present::due_text(rec).unwrap_or_default(),
            present::days_past_due(an.late_by(site, i).unwrap_or(0)),
            label(rec.status),
            rec.owner
                .as_ref()
                .map(|o| format!(", owner {o}"))
                .unwrap_or_else(|| ", no owner".to_string())
        ),
        GapKind::Expired => format!(
            " — expired {}",
            rec.expires.map(|d| d.to_string()).unwrap_or_default()
        ),
        GapKind::Stale => match rec.reviewed.or(rec.date) {
            Some(d) => format!(" — last reviewed {d}"),
            None => " — never reviewed".to_string(),
        },
        GapKind::Changed => String::new(),
        GapKind::Unsigned => format!(" — held at {}", present::held_at(rec).unwrap_or_default()),
    }
}

/// The summary as one JSON object (SPEC §13.1): `as_of`, `audience`, `readiness`,
/// counts by status, state and RAG, and the gap lists as ID arrays — the object
/// `records.json` carries as `status`.
pub fn json(a: &Analysed, as_of: crate::date::Date) -> Value {
    crate::render::data::summary_json(a.site(), &a.analysis, &a.view.audience, as_of)
}
