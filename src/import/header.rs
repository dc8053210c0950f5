//! Which column is which: headers compared with case, spaces and punctuation ignored,
//! synonyms as councils' trackers write them (SPEC §13.4), and the header row found
//! below any title rows.

use crate::model::schema::RecordType;

/// Where a column's values go.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// A field of the type.
    Field(&'static str),
    /// A section of the body, under the column's header.
    Body,
    /// An extra field of the author's own, by this name.
    Extra(String),
    /// Not imported (`--map` said so).
    Skip,
}

impl Target {
    /// How the report names it.
    pub fn describe(&self, header: &str) -> String {
        match self {
            Target::Field(f) => (*f).to_string(),
            Target::Body => format!("body section \"{}\"", header.trim()),
            Target::Extra(name) => format!("extra field `{name}`"),
            Target::Skip => "skipped".into(),
        }
    }
}

/// A header with case, spaces and punctuation taken out: "By when?" → `bywhen`.
pub fn normalise(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The synonyms of every type's fields, as normalised headers.
const COMMON: &[(&str, &[&str])] = &[
    (
        "id",
        &[
            "id",
            "ref",
            "refno",
            "reference",
            "referenceno",
            "referencenumber",
            "no",
            "number",
            "num",
            "item",
            "itemno",
        ],
    ),
    ("title", &["title", "name"]),
    (
        "owner",
        &[
            "owner",
            "lead",
            "who",
            "responsibleofficer",
            "responsible",
            "responsibility",
            "leadofficer",
            "leadperson",
            "leadmanager",
            "accountable",
            "accountableofficer",
            "actionowner",
            "bywhom",
        ],
    ),
    ("status", &["status", "currentstatus", "progressstatus"]),
    ("date", &["date"]),
    ("tags", &["tags", "tag", "theme", "themes"]),
    ("related", &["related", "seealso"]),
];

const DUE: &[&str] = &[
    "due",
    "duedate",
    "datedue",
    "deadline",
    "when",
    "bywhen",
    "targetdate",
    "target",
    "timescale",
    "timescales",
    "timeframe",
    "completionby",
];

/// Headers of a column naming the recommendation a row answers, by ID or by its words
/// (SPEC §14.11): an action's `addresses`, an evidence record's `supports`.
const RECOMMENDATION_REFS: &[&str] = &[
    "recommendation",
    "recommendations",
    "recommendationref",
    "recommendationno",
    "recommendationnumber",
    "rec",
    "recs",
    "recno",
    "recnumber",
    "recref",
    "ofstedrecommendation",
    "ofstedrecommendations",
    "ofstedrec",
    "ofstedrecno",
    "addresses",
    "linkedrecommendation",
    "relatestorecommendation",
];

const ACTION: &[(&str, &[&str])] = &[
    ("id", &["actionref", "actionno", "actionnumber", "actionid"]),
    (
        "title",
        &[
            "action",
            "actions",
            "what",
            "description",
            "actiondescription",
            "actiontitle",
            "task",
            "actiontobetaken",
        ],
    ),
    ("due", DUE),
    ("rag", &["rag", "brag", "ragstatus", "ragrating", "rating"]),
    ("plan", &["plan"]),
    ("objective", &["objective", "objectiveref", "objectiveid"]),
    ("addresses", RECOMMENDATION_REFS),
    (
        "completed",
        &[
            "completed",
            "datecompleted",
            "completiondate",
            "completedon",
        ],
    ),
];

const RECOMMENDATION: &[(&str, &[&str])] = &[
    (
        "id",
        &[
            "recommendationref",
            "recommendationno",
            "recommendationnumber",
            "recref",
            "recno",
        ],
    ),
    (
        "title",
        &[
            "recommendation",
            "recommendations",
            "recommendationtext",
            "ofstedrecommendation",
            "description",
            "what",
            "finding",
        ],
    ),
    ("due", DUE),
    ("source", &["source", "review", "inspection", "report"]),
    ("finding", &["findingtype", "type"]),
    ("area", &["area", "judgementarea", "areaforimprovement"]),
    ("priority", &["priority"]),
];

const EVIDENCE: &[(&str, &[&str])] = &[
    ("id", &["evidenceref", "evidenceno", "evidenceid"]),
    (
        "title",
        &[
            "evidence",
            "evidencetitle",
            "document",
            "documenttitle",
            "description",
            "what",
        ],
    ),
    ("kind", &["kind", "type", "evidencetype"]),
    ("file", &["file", "filename", "path"]),
    ("url", &["url", "link", "location", "weblink"]),
    (
        "reviewed",
        &["reviewed", "lastreviewed", "reviewdate", "datereviewed"],
    ),
    ("expires", &["expires", "expiry", "expirydate", "reviewby"]),
    (
        "supports",
        &[
            "supports",
            "recommendation",
            "recommendations",
            "recno",
            "recommendationno",
            "ofstedrecommendation",
            "action",
            "actions",
            "linkedto",
        ],
    ),
    ("originator", &["originator", "author", "source", "from"]),
];

/// Headers whose columns become sections of the body (SPEC §13.4).
const BODY: &[&str] = &[
    "evidence",
    "evidenceofimpact",
    "impact",
    "progress",
    "update",
    "updates",
    "updateonprogress",
    "progressupdate",
    "latestupdate",
    "commentary",
    "comments",
    "comment",
    "notes",
];

fn own(t: RecordType) -> &'static [(&'static str, &'static [&'static str])] {
    match t {
        RecordType::Action => ACTION,
        RecordType::Recommendation => RECOMMENDATION,
        RecordType::Evidence => EVIDENCE,
        _ => &[],
    }
}

/// The target a header names by itself, if any: a field of the type by its name or a
/// synonym (the type's own synonyms first), or a body section.
pub fn recognise(t: RecordType, header: &str) -> Option<Target> {
    let h = normalise(header);
    if h.is_empty() {
        return None;
    }
    for (field, words) in own(t).iter().chain(COMMON) {
        if words.contains(&h.as_str()) {
            return Some(Target::Field(field));
        }
    }
    if let Some(f) = t
        .known_names()
        .find(|f| normalise(f) == h && !crate::model::schema::CONTROL_FIELDS.contains(f))
    {
        return Some(Target::Field(f));
    }
    if BODY.contains(&h.as_str()) {
        return Some(Target::Body);
    }
    None
}

/// The header row: of the first rows, the one where most cells name a field (the first
/// such row on a tie), given at least two. `extra` counts headers `--map` names.
pub fn find_header_row(
    t: RecordType,
    rows: &[Vec<String>],
    mapped: &dyn Fn(&str) -> bool,
) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in rows.iter().enumerate().take(30) {
        let n = row
            .iter()
            .filter(|h| mapped(h) || recognise(t, h).is_some())
            .count();
        if n >= 2 && best.is_none_or(|(_, m)| n > m) {
            best = Some((i, n));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_with_case_spaces_and_punctuation_ignored() {
        let a = RecordType::Action;
        assert_eq!(recognise(a, "Ref"), Some(Target::Field("id")));
        assert_eq!(recognise(a, "What?"), Some(Target::Field("title")));
        assert_eq!(recognise(a, "Who?"), Some(Target::Field("owner")));
        assert_eq!(recognise(a, "By when?"), Some(Target::Field("due")));
        assert_eq!(
            recognise(a, "Responsible Officer"),
            Some(Target::Field("owner"))
        );
        assert_eq!(recognise(a, "B.R.A.G."), Some(Target::Field("rag")));
        assert_eq!(
            recognise(a, "Recommendation"),
            Some(Target::Field("addresses"))
        );
        for rec in [
            "Rec No.",
            "Rec",
            "Recommendation no.",
            "Ofsted recommendation",
        ] {
            assert_eq!(recognise(a, rec), Some(Target::Field("addresses")), "{rec}");
        }
        assert_eq!(
            recognise(RecordType::Recommendation, "Rec No."),
            Some(Target::Field("id"))
        );
        assert_eq!(
            recognise(RecordType::Recommendation, "Ofsted recommendation"),
            Some(Target::Field("title"))
        );
        assert_eq!(
            recognise(RecordType::Evidence, "Rec No."),
            Some(Target::Field("supports"))
        );
        assert_eq!(recognise(a, "Evidence of impact"), Some(Target::Body));
        assert_eq!(recognise(a, "Update on progress"), Some(Target::Body));
        assert_eq!(recognise(a, "Success measures"), None);
        assert_eq!(
            recognise(RecordType::Recommendation, "Recommendation"),
            Some(Target::Field("title"))
        );
        assert_eq!(
            recognise(RecordType::Evidence, "Evidence"),
            Some(Target::Field("title"))
        );
    }

    #[test]
    fn the_header_row_is_found_below_a_title_block() {
        let rows: Vec<Vec<String>> = [
            vec!["Improvement plan 2024"],
            vec!["Updated monthly"],
            vec![],
            vec!["Ref", "Action", "Lead officer", "Due"],
            vec!["1", "Do it", "Head of service", "31/03/2024"],
        ]
        .into_iter()
        .map(|r| r.into_iter().map(String::from).collect())
        .collect();
        assert_eq!(
            find_header_row(RecordType::Action, &rows, &|_| false),
            Some(3)
        );
    }
}
