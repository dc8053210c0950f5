//! What a value shows to a reader: one vocabulary for the site and the packs alike
//! (SPEC §13.1 "Labels").
//!
//! Every enum value has one human label ("in-progress" → "In progress"), one colour
//! and one sort order; a recommendation's evidence and the way evidence reaches it are
//! worded once. Raw values appear only in data files, which do not use this module.

use crate::analysis::{Analysis, Behind, EvidenceState};
use crate::changes::{Change, Kind};
use crate::model::schema::RecordType;
use crate::model::Site;

/// Priorities, most urgent first (their sort order).
pub const PRIORITIES: &[&str] = &["immediate", "high", "medium", "low"];

/// The human label of an enum value, a derived state or a RAG rating: its first letter
/// capitalised and hyphens as spaces ("partially-met" → "Partially met").
pub fn label(value: &str) -> String {
    if value.chars().all(|c| c.is_ascii_uppercase() || c == '-') {
        // Markings are written in capitals by convention: OFFICIAL-SENSITIVE.
        return value.to_string();
    }
    let spaced = value.replace(['-', '_'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The label of a field, as the site's summary lists and the packs' tables show it.
pub fn field_label(name: &str) -> String {
    match name {
        "id" => "ID".into(),
        "rag" => "RAG".into(),
        "effective_rag" => "Effective RAG".into(),
        "sha256" => "Recorded SHA-256".into(),
        "url" => "Link".into(),
        _ => label(name),
    }
}

/// The colour of a status, RAG, judgement or state word (a CSS class suffix).
pub fn tone(word: &str) -> &'static str {
    match word {
        "red"
        | "not-met"
        | "blocked"
        | "inadequate"
        | "overdue"
        | "stale"
        | "changed"
        | "withdrawn"
        | "expired"
        | "gap"
        | "not-evidenced"
        | "no-current-evidence" => "red",
        "amber"
        | "in-progress"
        | "partially-met"
        | "requires-improvement"
        | "draft"
        | "priority-action"
        | "high"
        | "immediate" => "amber",
        "green" | "met" | "complete" | "current" | "good" | "approved" | "active" | "published"
        | "evidenced" => "green",
        "blue" | "outstanding" => "blue",
        "open" => "purple",
        _ => "grey",
    }
}

/// Where a value stands in its order, for sorting: statuses as SPEC §3 lists them,
/// priorities most urgent first, evidence states and RAG ratings in their own order.
/// Values outside the order sort last.
pub fn rank(order: &[&str], value: &str) -> usize {
    order
        .iter()
        .position(|v| *v == value)
        .unwrap_or(order.len())
}

/// A sort key for a value in its order, as text that sorts the same way ("03").
pub fn sort_key(order: &[&str], value: &str) -> String {
    format!("{:02}", rank(order, value))
}

/// Evidence states as data files write them, in order of precedence.
pub fn state_order() -> [&'static str; 7] {
    EvidenceState::ALL.map(EvidenceState::name)
}

/// The word standing for a record's standing in lists and tags: an evidence record's
/// state, any other record's status (empty for types without one).
pub fn standing(site: &Site, a: &Analysis, i: usize) -> &'static str {
    match a.state_of(i) {
        Some(s) => s.name(),
        None => site.records[i].status,
    }
}

/// The order [`standing`] words of a type sort in.
pub fn standing_order(t: RecordType) -> Vec<&'static str> {
    match t {
        RecordType::Evidence => state_order().to_vec(),
        _ => t.statuses().to_vec(),
    }
}

/// A recommendation's evidence, as a word: `evidenced`, `not-evidenced`, or
/// `not-counted` (superseded and without current evidence).
pub fn evidence_word(site: &Site, a: &Analysis, i: usize) -> &'static str {
    if a.evidenced[i] {
        "evidenced"
    } else if a.counted(site, i) {
        "not-evidenced"
    } else {
        "not-counted"
    }
}

/// How evidence reaches a recommendation, when not only directly: "through act-01",
/// "directly and through act-01, act-02 (cancelled: does not count)".
pub fn trace_note(site: &Site, b: &Behind) -> Option<String> {
    let via: Vec<String> = b
        .via
        .iter()
        .map(|&a| {
            let action = &site.records[a];
            if action.status == "cancelled" {
                format!("{} (cancelled: does not count)", action.id)
            } else {
                action.id.clone()
            }
        })
        .collect();
    match (b.direct, via.is_empty()) {
        (true, true) => None,
        (true, false) => Some(format!("directly and through {}", via.join(", "))),
        (false, _) => Some(format!("through {}", via.join(", "))),
    }
}

/// The heading of a kind of change since a baseline (SPEC §13.5).
pub fn change_heading(k: Kind) -> &'static str {
    match k {
        Kind::StatusChanged => "Status changed",
        Kind::Added => "Added",
        Kind::Removed => "Removed",
        Kind::EvidenceAdded => "Evidence added",
        Kind::EvidenceChanged => "Evidence changed since sign-off",
        Kind::NewlyStale => "Evidence now stale",
        Kind::NewlyExpired => "Evidence now expired",
        Kind::StateChanged => "Evidence state changed",
        Kind::Completed => "Action completed",
        Kind::NewlyOverdue => "Action now overdue",
        Kind::DueMoved => "Due date moved",
    }
}

/// A raw value of a change in words: a date as a reader says it ("30 June 2014"), a
/// status or state by its label.
pub fn change_value(c: &Change, raw: &str) -> String {
    let dated = matches!(
        c.kind,
        Kind::DueMoved | Kind::Completed | Kind::NewlyOverdue
    );
    match crate::date::PartialDate::parse(raw) {
        Ok(d) if dated => d.long(),
        _ => label(raw),
    }
}

/// What a change says after the record's title and ID: " — In progress → Met",
/// " — due 30 June 2014", " — now Current", " — was Met", " — none → 30 June 2014 (later)".
pub fn change_detail(c: &Change) -> String {
    let v = |x: &Option<String>| x.as_deref().map(|raw| change_value(c, raw));
    let (from, to) = (v(&c.from), v(&c.to));
    let text = match c.kind {
        Kind::Added | Kind::EvidenceAdded => to.map(|t| format!("now {t}")),
        Kind::Removed => from.map(|f| format!("was {f}")),
        Kind::Completed => to.map(|t| format!("completed {t}")),
        Kind::NewlyOverdue => to.map(|t| format!("due {t}")),
        _ => {
            let none = || "none".to_string();
            let way = c.direction.map(|d| format!(" ({d})")).unwrap_or_default();
            Some(format!(
                "{} → {}{way}",
                from.unwrap_or_else(none),
                to.unwrap_or_else(none)
            ))
        }
    };
    text.map(|t| format!(" — {t}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_as_words() {
        assert_eq!(label("in-progress"), "In progress");
        assert_eq!(label("partially-met"), "Partially met");
        assert_eq!(label("priority-action"), "Priority action");
        assert_eq!(label("case-audit"), "Case audit");
        assert_eq!(label("red"), "Red");
        assert_eq!(label("OFFICIAL-SENSITIVE"), "OFFICIAL-SENSITIVE");
        assert_eq!(label(""), "");
    }

    #[test]
    fn orders_follow_the_spec() {
        let statuses = RecordType::Recommendation.statuses();
        assert!(sort_key(statuses, "open") < sort_key(statuses, "met"));
        assert!(sort_key(PRIORITIES, "immediate") < sort_key(PRIORITIES, "low"));
        assert_eq!(rank(PRIORITIES, "unknown"), 4);
    }
}
