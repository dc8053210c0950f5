//! The record types of SPEC §3: their folders, fields, status values and relations.
//!
//! One table drives validation, typo hints, "which field is this", CSV columns and the
//! `new` templates, so the types are described once, here.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordType {
    Plan,
    Objective,
    Recommendation,
    Action,
    Evidence,
    Review,
    Event,
    Page,
    Indicator,
    Risk,
}

/// Every type, in the order the site and exports list them.
pub const ALL_TYPES: [RecordType; 10] = [
    RecordType::Recommendation,
    RecordType::Action,
    RecordType::Evidence,
    RecordType::Plan,
    RecordType::Objective,
    RecordType::Review,
    RecordType::Event,
    RecordType::Page,
    RecordType::Indicator,
    RecordType::Risk,
];

/// How a field's value is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Date,
    Enum(&'static [&'static str]),
    /// One ID; the slice lists the allowed target types (empty: any).
    Ref(&'static [RecordType]),
    /// A list of IDs; the slice lists the allowed target types (empty: any).
    Refs(&'static [RecordType]),
    TextList,
    Integer,
    /// A number, whole or decimal (an indicator's `target`).
    Number,
    /// Checked by hand (period, objectives, judgements, audience, classification).
    Special,
}

/// Where a field's value is kept once read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    /// A typed field of [`crate::model::Record`] with code of its own: the analysis
    /// derives something from it, or it is shown in a way of its own.
    Own,
    /// Read, checked, shown, exported, scanned and offered by its kind alone, from
    /// this declaration: nothing else in the code names it (a new field needs only
    /// its declaration). Kept in `Record::plain` (ID fields in `Record::refs`).
    Plain,
}

/// Where a record page's summary list puts a field, in the order an inspector reads
/// a record: what it is, who answers for it, when, how it stands, then the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    What,
    Who,
    When,
    How,
    Rest,
}

/// One field of a record type: everything loading, checking, the record page, the
/// packs, the exports, the personal-data lint, `new`, the editor's form and the
/// tracker round trip need to know about it.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub kind: FieldKind,
    /// The label pages, packs and the editor show; empty: made from the name
    /// (`original_due` → "Original due", see `present::field_label`).
    pub label: &'static str,
    /// What to write, in `new`'s template and under the editor's control; empty: the
    /// kind's own hint (the values of a list, the forms of a date).
    pub hint: &'static str,
    /// The personal-data lint (W107) reads it: free text that may name a person.
    pub personal: bool,
    pub store: Store,
    /// Where a plain field sits in a record page's summary list.
    pub group: Group,
}

/// A field with code of its own ([`Store::Own`]).
const fn f(name: &'static str, kind: FieldKind) -> Field {
    Field {
        name,
        kind,
        label: "",
        hint: "",
        personal: false,
        store: Store::Own,
        group: Group::Rest,
    }
}

/// A field the declaration alone drives ([`Store::Plain`]).
const fn plain(name: &'static str, kind: FieldKind) -> Field {
    Field {
        store: Store::Plain,
        ..f(name, kind)
    }
}

impl Field {
    const fn label(self, label: &'static str) -> Field {
        Field { label, ..self }
    }
    const fn hint(self, hint: &'static str) -> Field {
        Field { hint, ..self }
    }
    /// Free text that may name a person: the personal-data lint reads it.
    const fn personal(self) -> Field {
        Field {
            personal: true,
            ..self
        }
    }
    const fn group(self, group: Group) -> Field {
        Field { group, ..self }
    }

    /// Whether the declaration alone drives this field.
    pub fn is_plain(&self) -> bool {
        self.store == Store::Plain
    }
}

pub use crate::config::CLASSIFICATIONS;
pub const JUDGEMENTS: &[&str] = &["outstanding", "good", "requires-improvement", "inadequate"];
pub const RAGS: &[&str] = &["red", "amber", "green", "blue"];
/// What an indicator counts in (SPEC §14.9).
pub const UNITS: &[&str] = &["%", "days", "number", "£"];
/// Which way an indicator gets better.
pub const POLARITIES: &[&str] = &["higher-is-better", "lower-is-better"];

/// Fields every record may have, in export order.
pub const COMMON_FIELDS: &[Field] = &[
    f("id", FieldKind::Special),
    f("title", FieldKind::Text),
    f("status", FieldKind::Special),
    f("owner", FieldKind::Text)
        .personal()
        .hint("the person or role accountable"),
    f("date", FieldKind::Date),
    f("audience", FieldKind::Special),
    f("classification", FieldKind::Enum(CLASSIFICATIONS)),
    f("tags", FieldKind::TextList),
    f("related", FieldKind::Refs(&[])),
    f("illustrative", FieldKind::Text).personal(),
];

/// Fields with a meaning of their own that are not shown in exports as data columns.
pub const CONTROL_FIELDS: &[&str] = &["type", "personal_data_reviewed", "body"];

use RecordType as T;

const PLAN_FIELDS: &[Field] = &[
    f("period", FieldKind::Special),
    f("approved", FieldKind::Date),
    f("objectives", FieldKind::Special),
];
const OBJECTIVE_FIELDS: &[Field] = &[f("description", FieldKind::Text)];
const RECOMMENDATION_FIELDS: &[Field] = &[
    f("source", FieldKind::Ref(&[T::Review])),
    f(
        "finding",
        FieldKind::Enum(&["recommendation", "priority-action", "area-for-improvement"]),
    ),
    plain("area", FieldKind::Text)
        .personal()
        .group(Group::What)
        .hint("the area of practice the review named"),
    f(
        "priority",
        FieldKind::Enum(&["immediate", "high", "medium", "low"]),
    ),
    f("due", FieldKind::Date),
    f("original_due", FieldKind::Date),
    f("agreed", FieldKind::Special),
];
const ACTION_FIELDS: &[Field] = &[
    f("plan", FieldKind::Ref(&[T::Plan])),
    f("objective", FieldKind::Ref(&[T::Objective])),
    f("addresses", FieldKind::Refs(&[T::Recommendation])),
    f("due", FieldKind::Date),
    f("original_due", FieldKind::Date),
    f("completed", FieldKind::Date),
    f("rag", FieldKind::Enum(RAGS)),
    plain("resources", FieldKind::Text).hint("what it needs: people, money, systems"),
];
const EVIDENCE_FIELDS: &[Field] = &[
    f(
        "kind",
        FieldKind::Enum(&[
            "document",
            "audit",
            "data",
            "minutes",
            "report",
            "survey",
            "case-audit",
            "letter",
            "reference",
            "other",
        ]),
    ),
    f("file", FieldKind::Text),
    f("url", FieldKind::Text),
    f("location", FieldKind::Text),
    f("sha256", FieldKind::Text),
    f("signed_off", FieldKind::Special),
    f("reviewed", FieldKind::Date),
    f("expires", FieldKind::Date),
    f(
        "supports",
        FieldKind::Refs(&[T::Recommendation, T::Action, T::Objective, T::Plan]),
    ),
    plain("originator", FieldKind::Text)
        .personal()
        .group(Group::Who)
        .hint("who wrote or produced the document"),
];
const REVIEW_FIELDS: &[Field] = &[
    f(
        "kind",
        FieldKind::Enum(&[
            "inspection",
            "focused-visit",
            "monitoring-visit",
            "review",
            "governance-review",
            "report",
            "direction",
            "decision",
            "letter",
        ]),
    ),
    plain("by", FieldKind::Text)
        .personal()
        .group(Group::Who)
        .hint("who carried out the review"),
    f("framework", FieldKind::Text),
    f("judgements", FieldKind::Special),
];
const EVENT_FIELDS: &[Field] = &[
    f(
        "kind",
        FieldKind::Enum(&[
            "inspection",
            "direction",
            "appointment",
            "report",
            "decision",
            "milestone",
            "other",
        ]),
    ),
    f("refs", FieldKind::Refs(&[])),
];
const PAGE_FIELDS: &[Field] = &[f("order", FieldKind::Integer)];
const INDICATOR_FIELDS: &[Field] = &[
    plain("measure", FieldKind::Text)
        .group(Group::What)
        .hint("what is counted, in words"),
    f("unit", FieldKind::Enum(UNITS)),
    f("polarity", FieldKind::Enum(POLARITIES)),
    f("target", FieldKind::Number),
    f("values", FieldKind::Special),
    f("values_file", FieldKind::Text),
    f(
        "relates",
        FieldKind::Refs(&[T::Recommendation, T::Objective, T::Action]),
    ),
    plain("source", FieldKind::Text)
        .label("Source of the figures")
        .hint("where the figures come from"),
];
const RISK_FIELDS: &[Field] = &[
    f("likelihood", FieldKind::Integer),
    f("impact", FieldKind::Integer),
    f("mitigations", FieldKind::Refs(&[T::Action])),
    f("review_by", FieldKind::Date),
];

impl RecordType {
    /// The type named in a `type:` field (objectives cannot be declared on their own).
    pub fn from_name(name: &str) -> Option<RecordType> {
        Some(match name {
            "plan" => T::Plan,
            "recommendation" => T::Recommendation,
            "action" => T::Action,
            "evidence" => T::Evidence,
            "review" => T::Review,
            "event" => T::Event,
            "page" => T::Page,
            "indicator" => T::Indicator,
            "risk" => T::Risk,
            _ => return None,
        })
    }

    /// The type a top-level content folder gives its records.
    pub fn from_folder(folder: &str) -> Option<RecordType> {
        ALL_TYPES
            .into_iter()
            .find(|t| *t != T::Objective && t.folder() == folder)
    }

    pub fn name(self) -> &'static str {
        match self {
            T::Plan => "plan",
            T::Objective => "objective",
            T::Recommendation => "recommendation",
            T::Action => "action",
            T::Evidence => "evidence",
            T::Review => "review",
            T::Event => "event",
            T::Page => "page",
            T::Indicator => "indicator",
            T::Risk => "risk",
        }
    }

    /// "an action", "a plan".
    /// "an evidence record", "a plan" ("evidence" alone is not countable).
    pub fn with_article(self) -> String {
        match self {
            T::Evidence => "an evidence record".into(),
            _ => format!("{} {}", self.article(), self.name()),
        }
    }

    /// The indefinite article before the type's name.
    pub fn article(self) -> &'static str {
        if self.name().starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        }
    }

    /// Folder name, in `content/` and in the site.
    pub fn folder(self) -> &'static str {
        match self {
            T::Plan => "plans",
            T::Objective => "objectives",
            T::Recommendation => "recommendations",
            T::Action => "actions",
            T::Evidence => "evidence",
            T::Review => "reviews",
            T::Event => "timeline",
            T::Page => "pages",
            T::Indicator => "indicators",
            T::Risk => "risks",
        }
    }

    /// Heading for lists of this type.
    pub fn plural_title(self) -> &'static str {
        match self {
            T::Plan => "Plans",
            T::Objective => "Objectives",
            T::Recommendation => "Recommendations",
            T::Action => "Actions",
            T::Evidence => "Evidence",
            T::Review => "Reviews",
            T::Event => "Timeline",
            T::Page => "Pages",
            T::Indicator => "Indicators",
            T::Risk => "Risks",
        }
    }

    pub fn singular_title(self) -> &'static str {
        match self {
            T::Plan => "Plan",
            T::Objective => "Objective",
            T::Recommendation => "Recommendation",
            T::Action => "Action",
            T::Evidence => "Evidence",
            T::Review => "Review",
            T::Event => "Event",
            T::Page => "Page",
            T::Indicator => "Indicator",
            T::Risk => "Risk",
        }
    }

    /// The status values, the first being the default; empty when the type has none.
    pub fn statuses(self) -> &'static [&'static str] {
        match self {
            T::Plan => &["draft", "approved", "active", "superseded", "closed"],
            T::Recommendation => &[
                "open",
                "in-progress",
                "met",
                "partially-met",
                "not-met",
                "superseded",
            ],
            T::Action => &[
                "not-started",
                "in-progress",
                "complete",
                "blocked",
                "cancelled",
            ],
            T::Evidence => &["current", "draft", "superseded", "withdrawn"],
            T::Review => &["published", "draft"],
            T::Indicator => &["active", "retired"],
            T::Risk => &["open", "mitigated", "closed"],
            T::Event | T::Page | T::Objective => &[],
        }
    }

    /// The fields of this type beyond the common ones, in SPEC §3 order.
    pub fn own_fields(self) -> &'static [Field] {
        match self {
            T::Plan => PLAN_FIELDS,
            T::Objective => OBJECTIVE_FIELDS,
            T::Recommendation => RECOMMENDATION_FIELDS,
            T::Action => ACTION_FIELDS,
            T::Evidence => EVIDENCE_FIELDS,
            T::Review => REVIEW_FIELDS,
            T::Event => EVENT_FIELDS,
            T::Page => PAGE_FIELDS,
            T::Indicator => INDICATOR_FIELDS,
            T::Risk => RISK_FIELDS,
        }
    }

    /// Looks a field of this type (common or own) up by name.
    pub fn field(self, name: &str) -> Option<&'static Field> {
        COMMON_FIELDS
            .iter()
            .chain(self.own_fields())
            .find(|f| f.name == name)
    }

    /// Every name this type understands, control fields included.
    pub fn known_names(self) -> impl Iterator<Item = &'static str> {
        COMMON_FIELDS
            .iter()
            .chain(self.own_fields())
            .map(|f| f.name)
            .chain(CONTROL_FIELDS.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_round_trip() {
        for t in ALL_TYPES {
            if t != RecordType::Objective {
                assert_eq!(RecordType::from_folder(t.folder()), Some(t));
                assert_eq!(RecordType::from_name(t.name()), Some(t));
            }
        }
        assert_eq!(RecordType::from_name("objective"), None);
    }
}
