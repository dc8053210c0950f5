//! What a value shows to a reader: one vocabulary for the site and the packs alike
//! (SPEC §13.1 "Labels").
//!
//! Every enum value has one human label ("in-progress" → "In progress"), one colour
//! and one sort order; a recommendation's evidence and the way evidence reaches it are
//! worded once. Raw values appear only in data files, which do not use this module.

use crate::analysis::{Analysis, Behind, EvidenceState, GapKind, Readiness};
use crate::changes::{Change, Kind};
use crate::model::schema::{Field, RecordType, COMMON_FIELDS};
use crate::model::{Plain, Site};

/// Priorities, most urgent first (their sort order).
pub const PRIORITIES: &[&str] = &["immediate", "high", "medium", "low"];

/// The human label of an enum value, a derived state or a RAG rating: its first letter
/// capitalised and hyphens as spaces ("partially-met" → "Partially met").
pub fn label(value: &str) -> String {
    if value == "empty" {
        // The evidence state of a record that holds nothing (SPEC §14.1).
        return "Nothing held".into();
    }
    if value == "flat" {
        // An indicator's trend when the latest figure equals the one before.
        return "No change".into();
    }
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
        "location" => "Held at".into(),
        "original_due" => "Originally due".into(),
        "days_past_due" => "Days past due".into(),
        "illustrative" => "Illustrative".into(),
        _ => label(name),
    }
}

/// The label of a declared field: its own, or made from its name.
pub fn plain_label(f: &Field) -> String {
    if f.label.is_empty() {
        field_label(f.name)
    } else {
        f.label.to_string()
    }
}

/// The heading of a type's column in the workbook (and the editor's label): a
/// declared field's own label, else one made from the name.
pub fn column_label(t: RecordType, name: &str) -> String {
    t.field(name).map_or_else(|| field_label(name), plain_label)
}

/// The plain fields of a type (`schema::Store::Plain`), common ones first, in the
/// order declared: what record pages, packs and exports list by declaration alone.
pub fn plain_fields(t: RecordType) -> impl Iterator<Item = &'static Field> {
    COMMON_FIELDS
        .iter()
        .chain(t.own_fields())
        .filter(|f| f.is_plain())
}

/// A plain field's value in words, as pages and packs show it.
pub fn plain_text(v: &Plain) -> String {
    match v {
        Plain::Text(t) => t.clone(),
        Plain::Word(w) => label(w),
        Plain::Date(d) => d.long(),
        Plain::Number(n) => figure(*n, None),
        Plain::Integer(n) => n.to_string(),
        Plain::Words(words) => words.join(", "),
    }
}

/// The words shown with a record marked `illustrative:` (on its page and in packs):
/// that it is an illustration, not a fact from the files, and why.
pub fn illustrative_note(why: &str) -> String {
    let why = why.split_whitespace().collect::<Vec<_>>().join(" ");
    let why = why.trim_end_matches('.');
    format!("An illustration, not a statement of fact. {why}.")
}

/// Where a row of a record page's summary list comes, by its label, in the order an
/// inspector reads a record: what it is (0), who answers for it (1), when (2), how it
/// stands (3), then the rest in the order given (4).
pub fn reading_order(label: &str) -> u8 {
    let named = |names: &[&str]| names.iter().any(|n| field_label(n) == label);
    if named(&[
        "id",
        "illustrative",
        "source",
        "finding",
        "priority",
        "plan",
        "objective",
        "kind",
    ]) {
        0
    } else if named(&["owner"]) {
        1
    } else if named(&[
        "date",
        "period",
        "approved",
        "due",
        "completed",
        "reviewed",
        "expires",
    ]) {
        2
    } else if named(&[
        "rag",
        "evidence",
        "state",
        "recorded_status",
        "overdue_actions",
    ]) {
        3
    } else {
        4
    }
}

/// The colour of a status, RAG, judgement or state word (a CSS class suffix, and the
/// chart and pack colour of [`crate::charts::rgb`]). One colour per meaning (SPEC
/// §14.5): blue is done and nothing else; green is sound or on track; amber is partly
/// there or at risk; red is failing, late or not to be relied on; teal is under way;
/// purple is not begun; grey is out of play (superseded, cancelled, withdrawn, draft).
pub fn tone(word: &str) -> &'static str {
    match word {
        "blue" | "met" | "complete" => "blue",
        "red"
        | "not-met"
        | "blocked"
        | "inadequate"
        | "overdue"
        | "stale"
        | "changed"
        | "expired"
        | "empty"
        | "gap"
        | "not-evidenced"
        | "no-current-evidence"
        | "action-overdue"
        | "past-due"
        | "unsigned"
        | "off-target"
        | "review-overdue"
        | "high-risk"
        | "does-not-match" => "red",
        "amber"
        | "partially-met"
        | "requires-improvement"
        | "priority-action"
        | "high"
        | "worsening"
        | "medium-risk"
        | "immediate" => "amber",
        "green" | "current" | "good" | "outstanding" | "approved" | "active" | "published"
        | "evidenced" | "matches" | "signed-off" | "agreed" | "on-target" | "improving"
        | "mitigated" | "low-risk" => "green",
        "in-progress" => "teal",
        "open" | "not-started" => "purple",
        _ => "grey",
    }
}

/// Every colour [`tone`] gives, each one meaning.
pub const TONES: &[&str] = &["blue", "green", "amber", "red", "teal", "purple", "grey"];

/// The heading of a report's part.
pub fn report_part_heading(part: &str) -> &'static str {
    crate::config::REPORT_PARTS
        .iter()
        .find(|(n, _)| *n == part)
        .map_or("", |(_, h)| h)
}

/// The words a letter ends with, before the signatory's name.
pub const LETTER_CLOSE: &str = "Yours sincerely";

/// What a recommendation without a due date shows where due dates are listed.
pub const NO_DUE_DATE: &str = "No due date";

/// The two groups of unevidenced recommendations on the dashboard (SPEC §13.3).
pub fn unevidenced_groups() -> (&'static str, &'static str) {
    ("Past due", "Not past due")
}

/// A gap list's one label, and what it means where a heading has room to say it. The
/// lists' order is [`GapKind::ALL`]'s; every output names them from here: the heading
/// ([`gap_heading`]), a count's name ([`gap_label`]) and a dashboard card
/// ([`gap_short`]) are this label.
fn gap_words(kind: GapKind) -> (&'static str, Option<&'static str>) {
    match kind {
        GapKind::Unevidenced => ("Recommendations without current evidence", None),
        GapKind::PastDue => ("Recommendations past due", Some("not met")),
        GapKind::Overdue => ("Overdue actions", None),
        GapKind::Stale => (
            "Stale evidence",
            Some("not reviewed within the maximum age"),
        ),
        GapKind::Expired => ("Expired evidence", None),
        GapKind::Changed => (
            "Changed evidence",
            Some("the file differs from its recorded hash"),
        ),
        GapKind::Unsigned => (
            "Unsigned evidence",
            Some("counted, with no sign-off recorded"),
        ),
    }
}

/// A gap list's name as a count's label: "Stale evidence".
pub fn gap_label(kind: GapKind) -> &'static str {
    gap_words(kind).0
}

/// A gap list's heading: its label and what it means, "Stale evidence (not reviewed
/// within the maximum age)".
pub fn gap_heading(kind: GapKind) -> String {
    match gap_words(kind) {
        (label, Some(means)) => format!("{label} ({means})"),
        (label, None) => label.to_string(),
    }
}

/// A gap list's label after its count on a dashboard card: "3 stale evidence".
pub fn gap_short(kind: GapKind) -> String {
    let label = gap_label(kind);
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Where a date falls against the readiness date, in the words every output uses: the
/// fact is [`crate::analysis::after_as_of`].
pub const UP_TO_AS_OF: &str = "up to the readiness date";
pub const AFTER_AS_OF: &str = "after the readiness date";

/// A phrase at the start of a sentence or heading: "After the readiness date".
pub fn sentence_start(phrase: &str) -> String {
    let mut chars = phrase.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An indicator's figure with its unit, as people write it: "41.5 %", "12 days",
/// "£1,200", "230" (whole numbers without decimals, at most two decimals otherwise,
/// thousands grouped).
pub fn figure(value: f64, unit: Option<&str>) -> String {
    let n = number(value);
    match unit {
        Some("%") => format!("{n} %"),
        Some("days") if value == 1.0 => "1 day".into(),
        Some("days") => format!("{n} days"),
        Some("£") if n.starts_with('-') => format!("-£{}", &n[1..]),
        Some("£") => format!("£{n}"),
        _ => n,
    }
}

/// A number with thousands grouped and at most two decimals ("1,234.5").
pub fn number(value: f64) -> String {
    let text = format!("{:.2}", value);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    let (sign, digits) = match text.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", text),
    };
    let (whole, frac) = digits
        .split_once('.')
        .map_or((digits, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (k, c) in whole.chars().enumerate() {
        if k > 0 && (whole.len() - k) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if grouped == "0" && frac.is_none() {
        ""
    } else {
        sign
    };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// The dashboard tiles of SPEC §14.9.
pub const INDICATORS_OFF_TARGET: &str = "indicators off target";
pub const RISK_REVIEWS_OVERDUE: &str = "risk reviews overdue";

/// A risk score's band (SPEC §14.9), as a tag word: 1–4 low, 5–9 medium, 10–25 high.
pub fn risk_band(score: u8) -> &'static str {
    match score {
        0..=4 => "low-risk",
        5..=9 => "medium-risk",
        _ => "high-risk",
    }
}

/// The bands of [`risk_band`], lowest first, with the scores each holds.
pub const RISK_BANDS: [(&str, &str); 3] = [
    ("low-risk", "1–4"),
    ("medium-risk", "5–9"),
    ("high-risk", "10–25"),
];

/// "548 days overdue" (or "1 day overdue").
pub fn days_overdue(days: i64) -> String {
    format!("{} overdue", crate::date::days_word(days))
}

/// "548 days past due" (or "1 day past due").
pub fn days_past_due(days: i64) -> String {
    format!("{} past due", crate::date::days_word(days))
}

/// The readiness headline (SPEC §14.3), met-and-evidenced first, as runs of text with
/// the figures marked for emphasis: every output that shows readiness says it with
/// these words. Joined: "9 of 25 recommendations met and evidenced (36.0 %); 16 of 25
/// have current evidence (64.0 %)".
pub fn readiness_parts(r: &Readiness) -> [(String, bool); 4] {
    [
        (format!("{} of {}", r.met_evidenced, r.counted), true),
        (
            format!(
                " recommendations met and evidenced ({}); ",
                r.met_percent_text()
            ),
            false,
        ),
        (format!("{} of {}", r.evidenced, r.counted), true),
        (
            format!(" have current evidence ({})", r.percent_text()),
            false,
        ),
    ]
}

/// The readiness headline as plain text (see [`readiness_parts`]).
pub fn readiness_sentence(r: &Readiness) -> String {
    readiness_parts(r).into_iter().map(|(t, _)| t).collect()
}

/// What the three parts of the readiness bar are called (SPEC §14.3), with their
/// colours: met and evidenced (done), evidenced and not yet met, not evidenced.
pub fn readiness_bar(r: &Readiness) -> [(&'static str, usize, &'static str); 3] {
    [
        ("Met and evidenced", r.met_evidenced, tone("met")),
        (
            "Evidenced, not yet met",
            r.evidenced - r.met_evidenced,
            tone("evidenced"),
        ),
        (
            "Not evidenced",
            r.counted - r.evidenced,
            tone("not-evidenced"),
        ),
    ]
}

/// A due date as pages and packs say it, with its move when it moved (SPEC §14.4):
/// "30 June 2014 (moved from 31 March 2014, 91 days later)".
pub fn due_text(rec: &crate::model::Record) -> Option<String> {
    let due = rec.due?;
    Some(match rec.due_moved() {
        Some((from, to)) => {
            let shift = to.last_day().days() - from.last_day().days();
            let way = if shift >= 0 { "later" } else { "earlier" };
            format!(
                "{} (moved from {}, {} {way})",
                due.long(),
                from.long(),
                crate::date::days_word(shift.abs())
            )
        }
        None => due.long(),
    })
}

/// Who signed off or agreed, and when: "the Performance Board on 14 January 2026".
pub fn sign_off_text(s: &crate::model::SignOff) -> String {
    format!("{} on {}", s.by, s.on.long())
}

/// Where an evidence record's document is held, as the pack's register and the site
/// say it: its file path, else its link, else its location; `None` when nothing.
pub fn held_at(rec: &crate::model::Record) -> Option<String> {
    fn some(t: &Option<String>) -> Option<&str> {
        t.as_deref().map(str::trim).filter(|t| !t.is_empty())
    }
    rec.file_path()
        .map(str::to_string)
        .or_else(|| some(&rec.url).map(str::to_string))
        .or_else(|| some(&rec.location).map(str::to_string))
}

/// What a file is, from its name: "PDF document", "Word document", "Text file" …
pub fn file_kind(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "PDF document",
        "doc" | "docx" | "odt" | "rtf" => "Word document",
        "xls" | "xlsx" | "ods" => "Spreadsheet",
        "csv" => "CSV spreadsheet",
        "ppt" | "pptx" | "odp" => "Slides",
        "txt" => "Text file",
        "md" => "Markdown text file",
        "html" | "htm" => "Web page",
        "png" | "jpg" | "jpeg" | "gif" | "svg" | "webp" => "Image",
        "zip" => "ZIP archive",
        "eml" | "msg" => "Email",
        _ => "File",
    }
}

/// A file size as people read it: "812 bytes", "14 KB", "2.3 MB".
pub fn file_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if bytes < KB {
        format!("{bytes} bytes")
    } else if bytes < MB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        let tenths = (bytes * 10).div_ceil(MB);
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}

/// A file's type and size together, as attachment links show it: "PDF document, 14 KB".
pub fn file_description(path: &str, bytes: Option<u64>) -> String {
    match bytes {
        Some(n) => format!("{}, {}", file_kind(path), file_size(n)),
        None => file_kind(path).to_string(),
    }
}

/// Whether an attachment's actual SHA-256 is the one recorded when it was signed off.
pub fn hash_verdict(recorded: &str, actual: &str) -> &'static str {
    if crate::analysis::hashes_match(recorded, actual) {
        "matches"
    } else {
        "does-not-match"
    }
}

/// What a hash verdict means, beside its tag, naming who signed the file off where
/// that is recorded (SPEC §14.2).
pub fn hash_explained(verdict: &str, signed_off: Option<&crate::model::SignOff>) -> String {
    let by = signed_off
        .map(|s| format!(" by {}", sign_off_text(s)))
        .unwrap_or_default();
    if verdict == "matches" {
        format!("the file is the one signed off{by}")
    } else {
        format!("the file has changed since it was signed off{by}; this copy's SHA-256 is")
    }
}

/// A changed file's note where the table has room for no more: "differs from recorded
/// 3f5a…" with the first 12 hexadecimal digits of the recorded hash.
pub fn hash_differs_note(recorded: &str) -> String {
    let shown: String = recorded.chars().take(12).collect();
    format!("differs from recorded {shown}")
}

/// How another record refers to this one, for "Referred to by": by the field it lists
/// it in, or in its text.
pub fn referred_how(field: &str) -> String {
    match field {
        "body" => "mentions it in its text".into(),
        "related" => "lists it as related".into(),
        "refs" => "an event concerning it".into(),
        "supersedes" | "superseded_by" => "supersedes or is superseded by it".into(),
        f => format!("refers to it ({})", field_label(f).to_lowercase()),
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
pub fn state_order() -> [&'static str; 8] {
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

/// Recommendations grouped by the review that made them, the newest review first (an
/// inspector asks about the latest inspection's first); those whose source is not
/// shown come last. Within a group, the order of the site (natural ID order).
pub fn by_source(site: &Site) -> Vec<(Option<usize>, Vec<usize>)> {
    let mut groups: Vec<(Option<usize>, Vec<usize>)> = Vec::new();
    for (i, r) in site.of_type(RecordType::Recommendation) {
        let source = r.targets("source").next();
        match groups.iter_mut().find(|(s, _)| *s == source) {
            Some((_, recs)) => recs.push(i),
            None => groups.push((source, vec![i])),
        }
    }
    let date = |s: Option<usize>| s.and_then(|i| site.records[i].date.map(|d| d.first_day()));
    groups.sort_by_key(|(s, _)| (s.is_none(), std::cmp::Reverse(date(*s)), *s));
    groups
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

/// [`trace_note`] without IDs, for letters and reports (SPEC §14.10): the actions
/// counted, and how many of them are cancelled.
pub fn trace_note_plain(site: &Site, b: &Behind) -> Option<String> {
    let n = b.via.len();
    let cancelled = b
        .via
        .iter()
        .filter(|&&a| site.records[a].status == "cancelled")
        .count();
    let mut via = match n {
        0 => String::new(),
        1 => "an action".to_string(),
        n => format!("{n} actions"),
    };
    match cancelled {
        0 => {}
        1 if n == 1 => via.push_str(" (cancelled: does not count)"),
        1 => via.push_str(" (one cancelled: it does not count)"),
        c => via.push_str(&format!(" ({c} cancelled: they do not count)")),
    }
    match (b.direct, n == 0) {
        (true, true) => None,
        (true, false) => Some(format!("directly and through {via}")),
        (false, _) => Some(format!("through {via}")),
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
        Kind::OnTarget => "Indicator now on target",
        Kind::OffTarget => "Indicator now off target",
        Kind::Rescored => "Risk rescored",
    }
}

/// Words that start a baseline's label and read in lower case inside a sentence
/// ("Monitoring visit, …" → "since the monitoring visit on …"); any other first word
/// (a name such as Ofsted) is kept as written.
const COMMON_FIRST_WORDS: &[&str] = &[
    "annual",
    "board",
    "committee",
    "focused",
    "improvement",
    "inspection",
    "meeting",
    "monitoring",
    "panel",
    "peer",
    "progress",
    "quarterly",
    "report",
    "review",
    "scrutiny",
    "submission",
    "visit",
];

/// "since the monitoring visit on 19 November 2025": the baseline compared with, by its
/// label when it has one (SPEC §14.10).
pub fn since_words(c: &crate::changes::Changes) -> String {
    since_baseline(c.since_label.as_deref(), c.since.as_of)
}

/// Where changes are counted from (SPEC §14.10): "since the monitoring visit on
/// 19 November 2025" for a baseline labelled "Monitoring visit, 19 November 2025",
/// "since the board meeting on 31 March 2014" for one labelled "Board meeting" as of
/// that day, "since 31 March 2014" for one without a label.
pub fn since_baseline(label: Option<&str>, as_of: crate::date::Date) -> String {
    let Some(label) = label.map(str::trim).filter(|l| !l.is_empty()) else {
        return format!("since {}", as_of.long());
    };
    // A label ending in a date written out ("…, 19 November 2025") says its own day.
    let (what, when) = match label.rsplit_once(',') {
        Some((what, when)) if is_long_date(when.trim()) => (what.trim(), when.trim().to_string()),
        _ => (label, as_of.long()),
    };
    let mut words = what.splitn(2, ' ');
    let first = words.next().unwrap_or_default();
    let what = if COMMON_FIRST_WORDS.contains(&first.to_lowercase().as_str()) {
        let rest = words.next().map(|r| format!(" {r}")).unwrap_or_default();
        format!("{}{rest}", first.to_lowercase())
    } else {
        what.to_string()
    };
    format!("since the {what} on {when}")
}

/// "19 November 2025": a day, a month's name and a year.
fn is_long_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split_whitespace().collect();
    match parts.as_slice() {
        [d, m, y] => {
            d.parse::<u8>().is_ok_and(|d| (1..=31).contains(&d))
                && crate::date::month_number(m).is_some()
                && y.len() == 4
                && y.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
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

/// Body headings under which a record keeps its progress update, as normalised words
/// (letters and digits, lower case): what `import` makes of a "Progress update" column.
const PROGRESS_HEADINGS: &[&str] = &[
    "progressupdate",
    "progress",
    "update",
    "updates",
    "latestupdate",
    "updateonprogress",
];

/// Whether a Markdown line is a heading, and its words normalised (letters and digits,
/// lower case).
fn heading_words(line: &str) -> Option<String> {
    let t = line.trim_start();
    let rest = t.trim_start_matches('#');
    (t.starts_with('#') && (rest.is_empty() || rest.starts_with(' '))).then(|| {
        rest.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    })
}

/// Where a body keeps its progress update section: the line (0-based) of its heading
/// and the line after its last, before the next heading or at the end. `import
/// --update` writes a progress update edited in the tracker there.
pub fn progress_section(body: &str) -> Option<(usize, usize)> {
    let lines: Vec<&str> = body.lines().collect();
    let at = lines
        .iter()
        .position(|l| heading_words(l).is_some_and(|h| PROGRESS_HEADINGS.contains(&h.as_str())))?;
    let end = lines[at + 1..]
        .iter()
        .position(|l| heading_words(l).is_some())
        .map_or(lines.len(), |n| at + 1 + n);
    Some((at, end))
}

/// An action's progress update, as the tracker's Action plan shows it (SPEC §14.11):
/// the text of its body's "Progress update" section (or "Progress", "Latest update"…),
/// else the body's first paragraph, as plain text.
pub fn progress_update(body: &str) -> String {
    let lines: Vec<&str> = body.lines().collect();
    let chosen: Vec<&str> = match progress_section(body) {
        Some((at, end)) => lines[at + 1..end].to_vec(),
        None => lines
            .iter()
            .skip_while(|l| l.trim().is_empty() || heading_words(l).is_some())
            .take_while(|l| !l.trim().is_empty() && heading_words(l).is_none())
            .copied()
            .collect(),
    };
    crate::markdown::to_text(&chosen.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_update_is_its_section_else_the_first_paragraph() {
        let body = "Intro [[ev-1|the audit]].\n\n## Progress update\n\nOn **track**,\nsigned off.\n\n## Risks\n\nNone.";
        assert_eq!(progress_update(body), "On track, signed off.");
        assert_eq!(progress_update("## Latest update\nDone."), "Done.");
        assert_eq!(
            progress_update("\nFirst [[ev-1|audit]] line\nand more.\n\nSecond."),
            "First audit line and more."
        );
        assert_eq!(progress_update(""), "");
    }

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
    fn files_are_described_by_type_and_size() {
        assert_eq!(
            file_description("a/b.PDF", Some(2048)),
            "PDF document, 2 KB"
        );
        assert_eq!(file_description("x.txt", Some(12)), "Text file, 12 bytes");
        assert_eq!(file_size(1024 * 1024 * 23 / 10), "2.3 MB");
        assert_eq!(file_description("noext", None), "File");
        assert_eq!(days_overdue(1), "1 day overdue");
        assert_eq!(hash_verdict("AB", "ab"), "matches");
        assert_eq!(label(hash_verdict("ab", "cd")), "Does not match");
    }

    /// Issue 25: one label per gap list, in `GapKind::ALL`'s order, from which the
    /// heading, the count's name and the dashboard card are made (the pack's summary
    /// said "Past due recommendations" where the lists said "Recommendations past due").
    #[test]
    fn each_gap_list_has_one_label_that_every_variant_keeps() {
        let mut labels = Vec::new();
        for kind in GapKind::ALL {
            let label = gap_label(kind);
            assert!(gap_heading(kind).starts_with(label), "{kind:?}");
            assert_eq!(gap_short(kind).to_lowercase(), label.to_lowercase());
            assert!(!labels.contains(&label), "{label} twice");
            labels.push(label);
        }
        assert_eq!(gap_label(GapKind::PastDue), "Recommendations past due");
        assert_eq!(
            gap_heading(GapKind::PastDue),
            "Recommendations past due (not met)"
        );
        assert_eq!(gap_short(GapKind::Changed), "changed evidence");
    }

    /// The readiness-date phrases and the hash note read as the outputs use them.
    #[test]
    fn readiness_date_and_hash_phrases() {
        assert_eq!(sentence_start(AFTER_AS_OF), "After the readiness date");
        assert_eq!(
            hash_differs_note(&"0123456789abcdef".repeat(4)),
            "differs from recorded 0123456789ab"
        );
        // The verdict follows the analysis's one comparison, in either case.
        assert!(crate::analysis::hashes_match("AB", "ab"));
        assert_eq!(hash_verdict("ab", "AB"), "matches");
    }

    #[test]
    fn the_headline_says_met_and_evidenced_first() {
        let r = Readiness {
            counted: 25,
            evidenced: 16,
            met_evidenced: 9,
        };
        assert_eq!(
            readiness_sentence(&r),
            "9 of 25 recommendations met and evidenced (36.0 %); 16 of 25 have current evidence (64.0 %)"
        );
        let parts: Vec<usize> = readiness_bar(&r).iter().map(|p| p.1).collect();
        assert_eq!(parts, vec![9, 7, 9]);
        assert_eq!(
            readiness_sentence(&Readiness::default()),
            "0 of 0 recommendations met and evidenced (n/a); 0 of 0 have current evidence (n/a)"
        );
        assert_eq!(label("empty"), "Nothing held");
        assert_eq!(label("reference"), "Reference");
        assert_eq!(days_past_due(1), "1 day past due");
    }

    /// One colour per meaning (SPEC §14.5): blue is done and nothing else, and "in
    /// progress" is not "partially met".
    #[test]
    fn one_colour_per_meaning() {
        assert_eq!(tone("met"), "blue");
        assert_eq!(tone("complete"), "blue");
        assert_eq!(tone("blue"), "blue");
        assert_ne!(tone("in-progress"), tone("partially-met"));
        for word in [
            "outstanding",
            "current",
            "evidenced",
            "in-progress",
            "open",
            "green",
        ] {
            assert_ne!(tone(word), "blue", "{word}");
        }
        for t in [
            "red",
            "amber",
            "green",
            "blue",
            "in-progress",
            "open",
            "superseded",
        ] {
            assert!(TONES.contains(&tone(t)));
        }
    }

    #[test]
    fn a_named_baseline_reads_as_a_visit_on_its_day() {
        let d = crate::date::Date::parse_full("2025-11-20").unwrap();
        assert_eq!(
            since_baseline(Some("Monitoring visit, 19 November 2025"), d),
            "since the monitoring visit on 19 November 2025"
        );
        assert_eq!(
            since_baseline(Some("Ofsted focused visit"), d),
            "since the Ofsted focused visit on 20 November 2025"
        );
        assert_eq!(since_baseline(None, d), "since 20 November 2025");
    }

    #[test]
    fn orders_follow_the_spec() {
        let statuses = RecordType::Recommendation.statuses();
        assert!(sort_key(statuses, "open") < sort_key(statuses, "met"));
        assert!(sort_key(PRIORITIES, "immediate") < sort_key(PRIORITIES, "low"));
        assert_eq!(rank(PRIORITIES, "unknown"), 4);
    }
}
