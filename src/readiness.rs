//! Readiness (SPEC §7): what is overdue, stale, changed and evidenced as of the
//! readiness date, the headline percentage, and the lists behind it.
//!
//! Computed on a view, so it counts only what that audience can see. The same figures
//! feed the dashboard, `assure status`, every pack summary and warnings W101–W105.

use crate::date::Date;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::schema::RecordType;
use crate::model::Site;
use std::collections::HashMap;

/// Readiness facts for every record of a site (indices as in `Site::records`).
#[derive(Debug, Clone, Default)]
pub struct Readiness {
    pub as_of: Option<Date>,
    pub overdue: Vec<bool>,
    /// An action's RAG rating: explicit, or derived.
    pub rag: Vec<Option<&'static str>>,
    pub stale: Vec<bool>,
    pub expired: Vec<bool>,
    pub changed: Vec<bool>,
    pub current: Vec<bool>,
    pub evidenced: Vec<bool>,
    /// Recommendations that count (not superseded).
    pub counted: usize,
    pub evidenced_count: usize,
    pub unevidenced: Vec<usize>,
    pub overdue_actions: Vec<usize>,
    pub stale_evidence: Vec<usize>,
    pub changed_evidence: Vec<usize>,
}

impl Readiness {
    /// "81.8 %" (one decimal, rounded down), or "n/a" with no recommendations.
    pub fn percent_text(&self) -> String {
        match self.per_mille() {
            Some(pm) => format!("{}.{} %", pm / 10, pm % 10),
            None => "n/a".into(),
        }
    }

    /// Readiness in tenths of a percent, rounded down.
    pub fn per_mille(&self) -> Option<usize> {
        (self.counted > 0).then(|| self.evidenced_count * 1000 / self.counted)
    }
}

/// Computes readiness. `hashes` maps evidence file paths (inside content) to their
/// actual SHA-256; a file missing from it is taken as unchanged.
pub fn compute(
    site: &Site,
    as_of: Date,
    max_age_days: i64,
    hashes: &HashMap<String, String>,
) -> Readiness {
    let n = site.records.len();
    let mut r = Readiness {
        as_of: Some(as_of),
        overdue: vec![false; n],
        rag: vec![None; n],
        stale: vec![false; n],
        expired: vec![false; n],
        changed: vec![false; n],
        current: vec![false; n],
        evidenced: vec![false; n],
        ..Readiness::default()
    };
    let today = as_of.days();
    for (i, rec) in site.records.iter().enumerate() {
        match rec.rtype {
            RecordType::Action => {
                let done = matches!(rec.status, "complete" | "cancelled");
                let missed = rec.due.is_some_and(|d| d.last_day() < as_of);
                r.overdue[i] = missed && !done;
                r.rag[i] = if rec.status == "cancelled" {
                    None
                } else if rec.rag.is_some() {
                    rec.rag
                } else if rec.status == "complete" {
                    Some("blue")
                } else if r.overdue[i] || rec.status == "blocked" {
                    Some("red")
                } else if rec.status == "not-started"
                    && rec
                        .due
                        .is_some_and(|d| (0..=30).contains(&(d.last_day().days() - today)))
                {
                    Some("amber")
                } else {
                    Some("green")
                };
                if r.overdue[i] {
                    r.overdue_actions.push(i);
                }
            }
            RecordType::Evidence => {
                r.expired[i] = rec.expires.is_some_and(|d| d.last_day() < as_of);
                let too_old = match rec.reviewed.or(rec.date) {
                    Some(d) => today - d.first_day().days() > max_age_days,
                    None => true,
                };
                r.stale[i] = r.expired[i] || too_old;
                r.changed[i] = match (&rec.sha256, rec.file_path()) {
                    (Some(recorded), Some(path)) => {
                        hashes.get(path).is_some_and(|actual| actual != recorded)
                    }
                    _ => false,
                };
                r.current[i] = rec.status == "current" && !r.stale[i] && !r.changed[i];
                if r.stale[i] && rec.status == "current" {
                    r.stale_evidence.push(i);
                }
                if r.changed[i] {
                    r.changed_evidence.push(i);
                }
            }
            _ => {}
        }
    }
    // Evidenced: current evidence supports the recommendation, or an action (not
    // cancelled) that addresses it.
    for (i, rec) in site.records.iter().enumerate() {
        if rec.rtype != RecordType::Evidence || !r.current[i] {
            continue;
        }
        for t in rec.targets("supports") {
            let target = &site.records[t];
            match target.rtype {
                RecordType::Recommendation => r.evidenced[t] = true,
                RecordType::Action if target.status != "cancelled" => {
                    for rec_id in target.targets("addresses") {
                        r.evidenced[rec_id] = true;
                    }
                }
                _ => {}
            }
        }
    }
    for (i, rec) in site.records.iter().enumerate() {
        if rec.rtype == RecordType::Recommendation && rec.status != "superseded" {
            r.counted += 1;
            if r.evidenced[i] {
                r.evidenced_count += 1;
            } else {
                r.unevidenced.push(i);
            }
        }
    }
    r
}

/// Warnings W101–W105 for the readiness facts of a site.
pub fn warnings(site: &Site, r: &Readiness, max_age_days: i64) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let as_of = r.as_of.map(|d| d.to_string()).unwrap_or_default();
    for (i, rec) in site.records.iter().enumerate() {
        match rec.rtype {
            RecordType::Evidence => {
                if r.changed[i] {
                    out.push(Diagnostic::new(
                        &rec.path,
                        rec.pos_of("sha256"),
                        Code::W101,
                        format!(
                            "evidence `{}`: its file has changed since it was signed off (the recorded `sha256` no longer matches); check the file, then run `assure lock {}`",
                            rec.id, rec.id
                        ),
                    ));
                }
                if rec.status == "current" && r.stale[i] {
                    let (field, why) = if r.expired[i] {
                        (
                            "expires",
                            format!(
                                "it expired on {}",
                                rec.expires
                                    .map(|d| d.last_day().to_string())
                                    .unwrap_or_default()
                            ),
                        )
                    } else if let Some(d) = rec.reviewed {
                        ("reviewed", format!("it was last reviewed {}, more than {max_age_days} days before {as_of}", d))
                    } else if let Some(d) = rec.date {
                        ("date", format!("it is dated {d}, more than {max_age_days} days before {as_of}, and has no `reviewed` date"))
                    } else {
                        ("", "it has neither `reviewed` nor `date`".to_string())
                    };
                    out.push(Diagnostic::new(
                        &rec.path,
                        if field.is_empty() { rec.pos } else { rec.pos_of(field) },
                        Code::W102,
                        format!(
                            "evidence `{}` is stale: {why}; {}",
                            rec.id,
                            if r.expired[i] {
                                "replace it with current evidence and update `expires`, or mark it superseded"
                            } else {
                                "review it and update `reviewed`, or mark it superseded"
                            }
                        ),
                    ));
                }
                if rec.status == "current" && rec.refs_in("supports").next().is_none() {
                    out.push(Diagnostic::new(
                        &rec.path,
                        rec.pos_of("supports"),
                        Code::W105,
                        format!("evidence `{}` supports nothing; add `supports:` with the recommendations or actions it proves", rec.id),
                    ));
                }
            }
            RecordType::Action if r.overdue[i] => {
                out.push(Diagnostic::new(
                    &rec.path,
                    rec.pos_of("due"),
                    Code::W103,
                    format!(
                        "action `{}` is overdue: due {} and still {}; update its status or agree a new `due` date",
                        rec.id,
                        rec.due.map(|d| d.to_string()).unwrap_or_default(),
                        rec.status
                    ),
                ));
            }
            RecordType::Recommendation if rec.status != "superseded" && !r.evidenced[i] => {
                out.push(Diagnostic::new(
                    &rec.path,
                    rec.pos,
                    Code::W104,
                    format!(
                        "recommendation `{}` has no current evidence: add evidence with `supports: [{}]` (or supporting an action that addresses it)",
                        rec.id, rec.id
                    ),
                ));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_down() {
        let r = Readiness {
            counted: 11,
            evidenced_count: 9,
            ..Readiness::default()
        };
        assert_eq!(r.percent_text(), "81.8 %");
        let r = Readiness {
            counted: 1000,
            evidenced_count: 999,
            ..Readiness::default()
        };
        assert_eq!(r.percent_text(), "99.9 %");
        assert_eq!(Readiness::default().percent_text(), "n/a");
    }
}
