//! The analysis of one audience view (SPEC §7, §13.1): every derived fact an output
//! shows, computed once, in one place.
//!
//! Evidence state, each recommendation's trace and whether it is evidenced, each
//! action's overdue flag and effective RAG, readiness "N of D", the gap lists and every
//! count. Renderers, `status`, `check`'s summary and `serve` read an [`Analysis`]; none
//! of them works a fact out again, so no two outputs can disagree.
//!
//! An analysis is made from a [`Site`] — a view's, so it counts only what that audience
//! may see — and the actual hashes of evidence files. The warnings about readiness
//! (W101–W105, W108) come from the analysis of the whole content.

use crate::date::Date;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::schema::RecordType;
use crate::model::{Record, Site};
use std::collections::HashMap;

/// What one evidence record amounts to as of the readiness date: exactly one of these,
/// in this order of precedence (SPEC §13.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EvidenceState {
    Withdrawn,
    Superseded,
    Draft,
    /// Holds no file, link or location (SPEC §14.1): it never counts.
    Empty,
    Changed,
    Expired,
    Stale,
    Current,
}

impl EvidenceState {
    /// Every state, in order of precedence.
    pub const ALL: [EvidenceState; 8] = [
        EvidenceState::Withdrawn,
        EvidenceState::Superseded,
        EvidenceState::Draft,
        EvidenceState::Empty,
        EvidenceState::Changed,
        EvidenceState::Expired,
        EvidenceState::Stale,
        EvidenceState::Current,
    ];

    /// The state as data files write it.
    pub fn name(self) -> &'static str {
        match self {
            EvidenceState::Withdrawn => "withdrawn",
            EvidenceState::Superseded => "superseded",
            EvidenceState::Draft => "draft",
            EvidenceState::Empty => "empty",
            EvidenceState::Changed => "changed",
            EvidenceState::Expired => "expired",
            EvidenceState::Stale => "stale",
            EvidenceState::Current => "current",
        }
    }
}

/// One evidence record behind a recommendation, and how it gets there.
#[derive(Clone, Debug, PartialEq)]
pub struct Behind {
    /// The evidence record (an index into the site's records).
    pub evidence: usize,
    /// It supports the recommendation itself.
    pub direct: bool,
    /// Actions addressing the recommendation that it supports, cancelled ones included
    /// (they are shown, and do not count).
    pub via: Vec<usize>,
    /// It makes the recommendation evidenced: current, and direct or through an action
    /// that is not cancelled.
    pub counts: bool,
}

/// Readiness (SPEC §14.3): of the recommendations counted (not superseded), those met
/// and evidenced, and those evidenced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Readiness {
    pub evidenced: usize,
    pub counted: usize,
    /// Status `met` and evidenced: the headline figure.
    pub met_evidenced: usize,
}

/// "81.8 %" (one decimal, rounded down, never a false 100 %), or "n/a" with nothing
/// counted.
pub fn percent_text(per_mille: Option<usize>) -> String {
    match per_mille {
        Some(pm) => format!("{}.{} %", pm / 10, pm % 10),
        None => "n/a".into(),
    }
}

impl Readiness {
    /// The evidenced share as text: "64.0 %".
    pub fn percent_text(&self) -> String {
        percent_text(self.per_mille())
    }

    /// The evidenced share in tenths of a percent, rounded down.
    pub fn per_mille(&self) -> Option<usize> {
        (self.counted > 0).then(|| self.evidenced * 1000 / self.counted)
    }

    /// The met-and-evidenced share as text: "36.0 %".
    pub fn met_percent_text(&self) -> String {
        percent_text(self.met_per_mille())
    }

    /// The met-and-evidenced share in tenths of a percent, rounded down.
    pub fn met_per_mille(&self) -> Option<usize> {
        (self.counted > 0).then(|| self.met_evidenced * 1000 / self.counted)
    }
}

/// The lists behind readiness, as record indices in site order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Gaps {
    /// Counted recommendations that are not evidenced.
    pub unevidenced: Vec<usize>,
    /// Counted recommendations past their due date, neither met nor superseded,
    /// whatever their evidence (SPEC §14.4).
    pub past_due: Vec<usize>,
    /// Actions past their due date and not complete or cancelled.
    pub overdue: Vec<usize>,
    /// Evidence by state.
    pub stale: Vec<usize>,
    pub expired: Vec<usize>,
    pub changed: Vec<usize>,
    /// Evidence that counts (current, not a reference) with no `signed_off`.
    pub unsigned: Vec<usize>,
    /// Actions and recommendations whose `due` has moved from `original_due`.
    pub due_moved: Vec<usize>,
}

impl Gaps {
    /// The records of one gap list.
    pub fn list(&self, kind: GapKind) -> &[usize] {
        match kind {
            GapKind::Unevidenced => &self.unevidenced,
            GapKind::PastDue => &self.past_due,
            GapKind::Overdue => &self.overdue,
            GapKind::Stale => &self.stale,
            GapKind::Expired => &self.expired,
            GapKind::Changed => &self.changed,
            GapKind::Unsigned => &self.unsigned,
        }
    }
}

/// The gap lists behind readiness, in the order the SPEC names them (§13.1, §14.2,
/// §14.4). Their words are in `present`; their data-file names here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GapKind {
    Unevidenced,
    PastDue,
    Overdue,
    Stale,
    Expired,
    Changed,
    Unsigned,
}

impl GapKind {
    /// Every gap list, in order.
    pub const ALL: [GapKind; 7] = [
        GapKind::Unevidenced,
        GapKind::PastDue,
        GapKind::Overdue,
        GapKind::Stale,
        GapKind::Expired,
        GapKind::Changed,
        GapKind::Unsigned,
    ];

    /// The list's name in data files (`status --format json`, `records.json`).
    pub fn key(self) -> &'static str {
        match self {
            GapKind::Unevidenced => "unevidenced",
            GapKind::PastDue => "past_due",
            GapKind::Overdue => "overdue",
            GapKind::Stale => "stale",
            GapKind::Expired => "expired",
            GapKind::Changed => "changed",
            GapKind::Unsigned => "unsigned",
        }
    }
}

/// Whether a file's actual SHA-256 is the one recorded when it was signed off (hex,
/// either case). The one comparison: the evidence state, the record page's verdict and
/// the packs' register all follow it.
pub fn hashes_match(recorded: &str, actual: &str) -> bool {
    recorded.eq_ignore_ascii_case(actual)
}

/// Whether something dated `date` comes after the readiness date (a month or a year
/// from its first day): it had not happened as of it. The site's timeline and
/// dashboard, the packs' timeline and the timeline chart set such events apart by this.
pub fn after_as_of(date: crate::date::PartialDate, as_of: Date) -> bool {
    date.first_day() > as_of
}

/// What the raw record says, before precedence picks one state: the warnings need it
/// (W101 fires for any differing hash, W102 for recorded-current evidence that is old).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct EvidenceFacts {
    hash_differs: bool,
    expired: bool,
    too_old: bool,
    /// Holds no file, link or location.
    empty: bool,
}

/// Where an indicator's latest figure stands against its target (SPEC §14.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Against {
    OnTarget,
    OffTarget,
}

impl Against {
    pub fn name(self) -> &'static str {
        match self {
            Against::OnTarget => "on-target",
            Against::OffTarget => "off-target",
        }
    }
}

/// Which way an indicator's latest figure moved from the one before, by its polarity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trend {
    Improving,
    Worsening,
    Flat,
}

impl Trend {
    pub fn name(self) -> &'static str {
        match self {
            Trend::Improving => "improving",
            Trend::Worsening => "worsening",
            Trend::Flat => "flat",
        }
    }
}

/// The derived facts of one indicator (SPEC §14.9).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndicatorFacts {
    /// Indices into the record's `values`, earliest period first (a partial period
    /// counts from its last day; figures for the same day keep their written order).
    pub series: Vec<usize>,
    /// The latest figure (an index into `values`).
    pub latest: Option<usize>,
    /// The latest figure against the target; none without a target, polarity or figure.
    pub against: Option<Against>,
    /// The latest figure against the one before; none without two figures or polarity.
    pub trend: Option<Trend>,
    /// No figure in the twelve months before the readiness date (W113).
    pub no_recent_value: bool,
}

/// The derived facts of one risk (SPEC §14.9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RiskFacts {
    /// Likelihood × impact (1–25), when both are given.
    pub score: Option<u8>,
    /// Its `review_by` is before the readiness date and it is not closed (W114).
    pub review_overdue: bool,
}

/// The day twelve months before `d` (28 February for 29 February).
fn year_before(d: Date) -> Date {
    let year = d.year - 1;
    let day = d.day.min(crate::date::days_in_month(year, d.month));
    Date::new(year, d.month, day).unwrap_or(d)
}

/// An indicator's facts as of a readiness date.
pub fn indicator_facts(rec: &crate::model::Record, as_of: Date) -> IndicatorFacts {
    let mut series: Vec<usize> = (0..rec.values.len()).collect();
    series.sort_by_key(|&v| {
        let p = rec.values[v].period;
        (p.last_day(), p.first_day())
    });
    let latest = series.last().copied();
    let higher = match rec.polarity {
        Some("higher-is-better") => Some(true),
        Some("lower-is-better") => Some(false),
        _ => None,
    };
    let value = |v: usize| rec.values[v].value;
    let against = match (latest, rec.target, higher) {
        (Some(l), Some(t), Some(h)) => {
            let met = if h { value(l) >= t } else { value(l) <= t };
            Some(if met {
                Against::OnTarget
            } else {
                Against::OffTarget
            })
        }
        _ => None,
    };
    let trend = match (
        series.len().checked_sub(2).map(|p| series[p]),
        latest,
        higher,
    ) {
        (Some(prev), Some(l), Some(h)) => {
            let diff = value(l) - value(prev);
            Some(if diff.abs() < 1e-9 {
                Trend::Flat
            } else if (diff > 0.0) == h {
                Trend::Improving
            } else {
                Trend::Worsening
            })
        }
        _ => None,
    };
    let cutoff = year_before(as_of);
    let no_recent_value = !rec
        .values
        .iter()
        .any(|r| r.period.last_day() > cutoff && r.period.first_day() <= as_of);
    IndicatorFacts {
        series,
        latest,
        against,
        trend,
        no_recent_value,
    }
}

/// Every derived fact of one site (indices as in `Site::records`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analysis {
    pub as_of: Option<Date>,
    /// Per record: the state of evidence, `None` for other types.
    pub state: Vec<Option<EvidenceState>>,
    /// Per record: an action past due and not done.
    pub overdue: Vec<bool>,
    /// Per record: a counted recommendation past its due date and not met (§14.4).
    pub past_due: Vec<bool>,
    /// Per record: an action's RAG (explicit, else derived; none when cancelled).
    pub rag: Vec<Option<&'static str>>,
    /// Per record: a recommendation with current evidence behind it.
    pub evidenced: Vec<bool>,
    /// Per record: the evidence behind a recommendation (empty for other types).
    pub trace: Vec<Vec<Behind>>,
    pub readiness: Readiness,
    pub gaps: Gaps,
    /// Per record: an indicator's facts (`None` for other types).
    pub indicators: Vec<Option<IndicatorFacts>>,
    /// Per record: a risk's facts (`None` for other types).
    pub risks: Vec<Option<RiskFacts>>,
    facts: Vec<EvidenceFacts>,
}

impl Analysis {
    /// Whether a recommendation counts toward readiness.
    pub fn counted(&self, site: &Site, i: usize) -> bool {
        let r = &site.records[i];
        r.rtype == RecordType::Recommendation && r.status != "superseded"
    }

    /// How many records of a type have each status value, in the order SPEC §3 lists
    /// them (values with none left out).
    pub fn by_status(&self, site: &Site, t: RecordType) -> Vec<(&'static str, usize)> {
        t.statuses()
            .iter()
            .map(|s| (*s, site.of_type(t).filter(|(_, r)| r.status == *s).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// How many evidence records are in each state (states with none left out).
    pub fn by_state(&self) -> Vec<(EvidenceState, usize)> {
        EvidenceState::ALL
            .iter()
            .map(|s| (*s, self.state.iter().filter(|x| **x == Some(*s)).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// How many actions have each RAG rating (ratings with none left out).
    pub fn by_rag(&self) -> Vec<(&'static str, usize)> {
        crate::model::schema::RAGS
            .iter()
            .map(|c| (*c, self.rag.iter().filter(|x| **x == Some(*c)).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// How many days a record's `due` date (its period's last day) lies before the
    /// readiness date; `None` when it has no due date or is not yet due.
    pub fn days_past_due(&self, rec: &crate::model::Record) -> Option<i64> {
        let (due, as_of) = (rec.due?.last_day(), self.as_of?);
        (due < as_of).then(|| as_of.days() - due.days())
    }

    /// The overdue actions addressing recommendation `i` (each once, in backlink
    /// order). With status `met`, any of them contradicts it (W108); the site flags it.
    pub fn overdue_actions_addressing(&self, site: &Site, i: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for b in &site.backlinks[i] {
            if b.field == "addresses" && self.overdue[b.from] && !out.contains(&b.from) {
                out.push(b.from);
            }
        }
        out
    }

    /// A recommendation marked `met` while an action addressing it is overdue.
    pub fn met_but_action_overdue(&self, site: &Site, i: usize) -> bool {
        let r = &site.records[i];
        r.rtype == RecordType::Recommendation
            && r.status == "met"
            && !self.overdue_actions_addressing(site, i).is_empty()
    }

    /// The unevidenced recommendations split into those past due (SPEC §14.4: late and
    /// neither met nor superseded, with the days, most overdue first) and the rest —
    /// not yet due, without a due date, or met though its evidence lapsed (in site
    /// order).
    pub fn unevidenced_by_due(&self, site: &Site) -> (Vec<(usize, i64)>, Vec<usize>) {
        let mut past = Vec::new();
        let mut not_yet = Vec::new();
        for &i in &self.gaps.unevidenced {
            match self.late_by(site, i) {
                Some(d) => past.push((i, d)),
                None => not_yet.push(i),
            }
        }
        past.sort_by_key(|&(i, d)| (std::cmp::Reverse(d), i));
        (past, not_yet)
    }

    /// Days past due of a past-due recommendation or an overdue action; `None` for
    /// anything else (a met recommendation late is not late any more).
    pub fn late_by(&self, site: &Site, i: usize) -> Option<i64> {
        if self.past_due[i] || self.overdue[i] {
            self.days_past_due(&site.records[i])
        } else {
            None
        }
    }

    /// A list of records, most days late first (then in site order).
    pub fn by_lateness(&self, site: &Site, list: &[usize]) -> Vec<(usize, i64)> {
        let mut out: Vec<(usize, i64)> = list
            .iter()
            .map(|&i| (i, self.late_by(site, i).unwrap_or(0)))
            .collect();
        out.sort_by_key(|&(i, d)| (std::cmp::Reverse(d), i));
        out
    }

    /// A gap list's records in the order every output lists them: past-due
    /// recommendations and overdue actions most days late first (SPEC §14.4), the
    /// others in site order.
    pub fn gap_in_order(&self, site: &Site, kind: GapKind) -> Vec<usize> {
        match kind {
            GapKind::PastDue | GapKind::Overdue => self
                .by_lateness(site, self.gaps.list(kind))
                .into_iter()
                .map(|(i, _)| i)
                .collect(),
            _ => self.gaps.list(kind).to_vec(),
        }
    }

    /// Whether evidence `i`'s file differs from the SHA-256 recorded for it (see
    /// [`hashes_match`]); false when either is unknown.
    pub fn hash_differs(&self, i: usize) -> bool {
        self.facts.get(i).is_some_and(|f| f.hash_differs)
    }

    /// Whether a recommendation is met and evidenced (the headline, SPEC §14.3).
    pub fn met_evidenced(&self, site: &Site, i: usize) -> bool {
        site.records[i].status == "met" && self.evidenced[i] && self.counted(site, i)
    }

    /// Active indicators whose latest figure is off target, in site order.
    pub fn off_target(&self, site: &Site) -> Vec<usize> {
        self.indicators_where(site, |f| f.against == Some(Against::OffTarget))
    }

    /// Active indicators whose latest figure is on target, in site order.
    pub fn on_target(&self, site: &Site) -> Vec<usize> {
        self.indicators_where(site, |f| f.against == Some(Against::OnTarget))
    }

    /// Active indicators with no figure in the year before the readiness date.
    pub fn no_recent_value(&self, site: &Site) -> Vec<usize> {
        self.indicators_where(site, |f| f.no_recent_value)
    }

    fn indicators_where(&self, site: &Site, keep: impl Fn(&IndicatorFacts) -> bool) -> Vec<usize> {
        site.of_type(RecordType::Indicator)
            .filter(|(i, r)| {
                r.status == "active" && self.indicators[*i].as_ref().is_some_and(&keep)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Risks whose review is overdue, in site order.
    pub fn reviews_overdue(&self) -> Vec<usize> {
        (0..self.risks.len())
            .filter(|&i| self.risks[i].is_some_and(|r| r.review_overdue))
            .collect()
    }

    /// The indicators that relate to record `i` (its backlinks through `relates`).
    pub fn indicators_relating(&self, site: &Site, i: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for b in &site.backlinks[i] {
            if b.field == "relates" && !out.contains(&b.from) {
                out.push(b.from);
            }
        }
        out
    }

    /// The evidence state of record `i`, if it is evidence.
    pub fn state_of(&self, i: usize) -> Option<EvidenceState> {
        self.state.get(i).copied().flatten()
    }
}

/// Analyses a site as of a readiness date. `hashes` maps evidence file paths (inside
/// content) to their actual SHA-256; a file missing from it is taken as unchanged.
pub fn analyse(
    site: &Site,
    as_of: Date,
    max_age_days: i64,
    hashes: &HashMap<String, String>,
) -> Analysis {
    let n = site.records.len();
    let mut a = Analysis {
        as_of: Some(as_of),
        state: vec![None; n],
        overdue: vec![false; n],
        past_due: vec![false; n],
        rag: vec![None; n],
        evidenced: vec![false; n],
        trace: vec![Vec::new(); n],
        indicators: vec![None; n],
        risks: vec![None; n],
        facts: vec![EvidenceFacts::default(); n],
        ..Analysis::default()
    };
    for (i, rec) in site.records.iter().enumerate() {
        match rec.rtype {
            RecordType::Action => analyse_action(&mut a, i, rec, as_of),
            RecordType::Evidence => analyse_evidence(&mut a, i, rec, as_of, max_age_days, hashes),
            // Indicators and risks never touch readiness (SPEC §14.9).
            RecordType::Indicator => a.indicators[i] = Some(indicator_facts(rec, as_of)),
            RecordType::Risk => a.risks[i] = Some(risk_facts(rec, as_of)),
            _ => {}
        }
    }
    // A second pass: a recommendation's trace reads the state of every evidence record.
    for (i, rec) in site.records.iter().enumerate() {
        if rec.rtype == RecordType::Recommendation {
            analyse_recommendation(&mut a, site, i, as_of);
        }
    }
    for (i, rec) in site.records.iter().enumerate() {
        let dated = matches!(rec.rtype, RecordType::Action | RecordType::Recommendation);
        if dated && rec.due_moved().is_some() {
            a.gaps.due_moved.push(i);
        }
    }
    a
}

/// Action `i`'s facts: whether it is overdue (a gap) and its RAG.
fn analyse_action(a: &mut Analysis, i: usize, rec: &Record, as_of: Date) {
    let done = matches!(rec.status, "complete" | "cancelled");
    let missed = rec.due.is_some_and(|d| d.last_day() < as_of);
    a.overdue[i] = missed && !done;
    a.rag[i] = action_rag(rec, a.overdue[i], as_of);
    if a.overdue[i] {
        a.gaps.overdue.push(i);
    }
}

/// An action's RAG: the one written, else derived from its status, its due date and
/// whether anyone owns it; none when cancelled.
fn action_rag(rec: &Record, overdue: bool, as_of: Date) -> Option<&'static str> {
    let today = as_of.days();
    if rec.status == "cancelled" {
        None
    } else if rec.rag.is_some() {
        rec.rag
    } else if rec.status == "complete" {
        Some("blue")
    } else if overdue || rec.status == "blocked" {
        Some("red")
    } else if rec.owner.is_none()
        || rec.due.is_none()
        || (rec.status == "not-started"
            && rec
                .due
                .is_some_and(|d| (0..=30).contains(&(d.last_day().days() - today))))
    {
        // Nobody to answer for it, or no date to hold it to: not on track.
        Some("amber")
    } else {
        Some("green")
    }
}

/// Evidence `i`'s facts and state, and the gap list its state puts it in.
fn analyse_evidence(
    a: &mut Analysis,
    i: usize,
    rec: &Record,
    as_of: Date,
    max_age_days: i64,
    hashes: &HashMap<String, String>,
) {
    let reference = rec.is_reference();
    let today = as_of.days();
    let facts = EvidenceFacts {
        hash_differs: match (&rec.sha256, rec.file_path()) {
            (Some(recorded), Some(path)) => hashes
                .get(path)
                .is_some_and(|actual| !hashes_match(recorded, actual)),
            _ => false,
        },
        // A reference is cited for context: it does not go out of date.
        expired: !reference && rec.expires.is_some_and(|d| d.last_day() < as_of),
        too_old: !reference
            && match rec.reviewed.or(rec.date) {
                Some(d) => today - d.first_day().days() > max_age_days,
                None => true,
            },
        empty: !rec.holds(),
    };
    let state = match rec.status {
        "withdrawn" => EvidenceState::Withdrawn,
        "superseded" => EvidenceState::Superseded,
        "draft" => EvidenceState::Draft,
        _ if facts.empty => EvidenceState::Empty,
        _ if facts.hash_differs => EvidenceState::Changed,
        _ if facts.expired => EvidenceState::Expired,
        _ if facts.too_old => EvidenceState::Stale,
        _ => EvidenceState::Current,
    };
    match state {
        EvidenceState::Changed => a.gaps.changed.push(i),
        EvidenceState::Expired => a.gaps.expired.push(i),
        EvidenceState::Stale => a.gaps.stale.push(i),
        EvidenceState::Current if !reference && rec.signed_off.is_none() => a.gaps.unsigned.push(i),
        _ => {}
    }
    a.facts[i] = facts;
    a.state[i] = Some(state);
}

/// A risk's score and whether its review is overdue.
fn risk_facts(rec: &Record, as_of: Date) -> RiskFacts {
    RiskFacts {
        score: rec.likelihood.zip(rec.impact).map(|(l, m)| l * m),
        review_overdue: rec.status != "closed"
            && rec.review_by.is_some_and(|d| d.last_day() < as_of),
    }
}

/// Recommendation `i`'s trace and whether it is evidenced, and what it adds to
/// readiness and the gap lists (a superseded one is not counted).
fn analyse_recommendation(a: &mut Analysis, site: &Site, i: usize, as_of: Date) {
    let rec = &site.records[i];
    a.trace[i] = trace(site, &a.state, i);
    a.evidenced[i] = a.trace[i].iter().any(|b| b.counts);
    if rec.status == "superseded" {
        return;
    }
    a.readiness.counted += 1;
    if a.evidenced[i] {
        a.readiness.evidenced += 1;
        if rec.status == "met" {
            a.readiness.met_evidenced += 1;
        }
    } else {
        a.gaps.unevidenced.push(i);
    }
    let missed = rec.due.is_some_and(|d| d.last_day() < as_of);
    if missed && rec.status != "met" {
        a.past_due[i] = true;
        a.gaps.past_due.push(i);
    }
}

/// The evidence behind recommendation `i`, each record once, in the order found:
/// direct support first, then through each action that addresses it.
fn trace(site: &Site, state: &[Option<EvidenceState>], i: usize) -> Vec<Behind> {
    let mut out: Vec<Behind> = Vec::new();
    let mut add = |e: usize, via: Option<usize>| {
        let pos = match out.iter().position(|b| b.evidence == e) {
            Some(p) => p,
            None => {
                out.push(Behind {
                    evidence: e,
                    direct: false,
                    via: Vec::new(),
                    counts: false,
                });
                out.len() - 1
            }
        };
        match via {
            None => out[pos].direct = true,
            Some(a) if !out[pos].via.contains(&a) => out[pos].via.push(a),
            Some(_) => {}
        }
    };
    let backlinks = &site.backlinks;
    let is_evidence = |e: usize| site.records[e].rtype == RecordType::Evidence;
    for b in backlinks[i].iter().filter(|b| b.field == "supports") {
        if is_evidence(b.from) {
            add(b.from, None);
        }
    }
    for a in backlinks[i].iter().filter(|b| b.field == "addresses") {
        if site.records[a.from].rtype != RecordType::Action {
            continue;
        }
        for b in backlinks[a.from].iter().filter(|b| b.field == "supports") {
            if is_evidence(b.from) {
                add(b.from, Some(a.from));
            }
        }
    }
    for b in &mut out {
        let current = state[b.evidence] == Some(EvidenceState::Current)
            && !site.records[b.evidence].is_reference();
        let open_route = b.via.iter().any(|&a| site.records[a].status != "cancelled");
        b.counts = current && (b.direct || open_route);
    }
    out
}

/// Warnings W101–W105, W108 and W110–W114 from the analysis of the whole content, record
/// by record in content order; each type's warnings come from its own function below.
pub fn warnings(site: &Site, a: &Analysis, max_age_days: i64) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let as_of = a.as_of.map(|d| d.to_string()).unwrap_or_default();
    for (i, rec) in site.records.iter().enumerate() {
        match rec.rtype {
            RecordType::Evidence => {
                evidence_warnings(rec, a.facts[i], &as_of, max_age_days, &mut out)
            }
            RecordType::Action => action_warnings(rec, a, i, &mut out),
            RecordType::Recommendation => recommendation_warnings(site, a, i, &as_of, &mut out),
            RecordType::Indicator => {
                out.extend(indicator_warning(rec, a.indicators[i].as_ref(), &as_of))
            }
            RecordType::Risk if a.risks[i].is_some_and(|r| r.review_overdue) => {
                out.push(risk_review_warning(rec, &as_of))
            }
            _ => {}
        }
    }
    out
}

/// An evidence record's warnings: W101 (its file changed since it was locked), W102
/// (expired or too old), W110 (it holds nothing) and W105 (it supports nothing).
fn evidence_warnings(
    rec: &Record,
    f: EvidenceFacts,
    as_of: &str,
    max_age_days: i64,
    out: &mut Vec<Diagnostic>,
) {
    if f.hash_differs {
        out.push(Diagnostic::new(
            &rec.path,
            rec.pos_of("sha256"),
            Code::W101,
            format!(
                "evidence `{}`: its file has changed since it was signed off{} (the recorded `sha256` no longer matches); check the file, then run `assure lock {}`",
                rec.id,
                rec.signed_off
                    .as_ref()
                    .map(|s| format!(" by {} on {}", s.by, s.on.long()))
                    .unwrap_or_default(),
                rec.id
            ),
        ));
    }
    if rec.status == "current" && (f.expired || f.too_old) {
        out.push(stale_warning(rec, f, as_of, max_age_days));
    }
    if rec.status == "current" && !rec.is_reference() && f.empty {
        out.push(Diagnostic::new(
            &rec.path,
            rec.pos,
            Code::W110,
            format!(
                "evidence `{}` holds no file, url or location; it does not count until one is added (or set `status: draft` until it is)",
                rec.id
            ),
        ));
    }
    // A reference is cited for context and need support nothing.
    if rec.status == "current" && !rec.is_reference() && rec.refs_in("supports").next().is_none() {
        out.push(Diagnostic::new(
            &rec.path,
            rec.pos_of("supports"),
            Code::W105,
            format!("evidence `{}` supports nothing; add `supports:` with the recommendations or actions it proves", rec.id),
        ));
    }
}

/// W102 for current evidence that has expired or is older than `max_age_days`: placed
/// at the field that makes it so (`expires`, `reviewed` or `date`), or at the record
/// when it has no date at all, with the fix that fits.
fn stale_warning(rec: &Record, f: EvidenceFacts, as_of: &str, max_age_days: i64) -> Diagnostic {
    let (field, why) = if f.expired {
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
        (
            "reviewed",
            format!(
                "it was last reviewed {}, more than {max_age_days} days before {as_of}",
                d
            ),
        )
    } else if let Some(d) = rec.date {
        ("date", format!("it is dated {d}, more than {max_age_days} days before {as_of}, and has no `reviewed` date"))
    } else {
        ("", "it has neither `reviewed` nor `date`".to_string())
    };
    Diagnostic::new(
        &rec.path,
        if field.is_empty() {
            rec.pos
        } else {
            rec.pos_of(field)
        },
        Code::W102,
        format!(
            "evidence `{}` is stale: {why}; {}",
            rec.id,
            if f.expired {
                "replace it with current evidence and update `expires`, or mark it superseded"
            } else {
                "review it and update `reviewed`, or mark it superseded"
            }
        ),
    )
}

/// Action `i`'s warnings: W103 (overdue) and W108 (completed after the readiness date).
fn action_warnings(rec: &Record, a: &Analysis, i: usize, out: &mut Vec<Diagnostic>) {
    if a.overdue[i] {
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
    if let (Some(done), Some(as_of)) = (rec.completed, a.as_of) {
        if rec.status == "complete" && done.first_day() > as_of {
            out.push(Diagnostic::new(
                &rec.path,
                rec.pos_of("status"),
                Code::W108,
                format!(
                    "action `{}` is marked complete, but its `completed` date {done} is after the readiness date {as_of}; correct the date, or set the status it had on {as_of}",
                    rec.id
                ),
            ));
        }
    }
}

/// Recommendation `i`'s warnings: W104 (no current evidence), W112 (past due), W111
/// (met with nobody recorded as agreeing it) and W108 (met without the grounds for it).
fn recommendation_warnings(
    site: &Site,
    a: &Analysis,
    i: usize,
    as_of: &str,
    out: &mut Vec<Diagnostic>,
) {
    let rec = &site.records[i];
    if rec.status != "superseded" && !a.evidenced[i] {
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
    if a.past_due[i] {
        let days = a.days_past_due(rec).unwrap_or(0);
        out.push(Diagnostic::new(
            &rec.path,
            rec.pos_of("due"),
            Code::W112,
            format!(
                "recommendation `{}` is past due: due {}, {} before {as_of}, and still {}; mark it met (with `agreed`) when it is, or agree a new `due` date (keeping the first in `original_due`)",
                rec.id,
                rec.due.map(|d| d.to_string()).unwrap_or_default(),
                crate::date::days_word(days),
                rec.status
            ),
        ));
    }
    if rec.status == "met" && rec.agreed.is_none() {
        out.push(Diagnostic::new(
            &rec.path,
            rec.pos_of("status"),
            Code::W111,
            format!(
                "recommendation `{}` is marked met, but nobody is recorded as agreeing it: add `agreed: {{by: …, on: YYYY-MM-DD}}` (who agreed it is met, and when)",
                rec.id
            ),
        ));
    }
    if rec.status == "met" {
        if let Some((why, fix)) = met_too_soon(site, a, i) {
            out.push(Diagnostic::new(
                &rec.path,
                rec.pos_of("status"),
                Code::W108,
                format!(
                    "recommendation `{}` is marked met, but {why}; {fix}, or set its status to `in-progress` or `partially-met`",
                    rec.id
                ),
            ));
        }
    }
}

/// Why recommendation `i`, marked met, cannot be met yet, and what to do about it: no
/// current evidence behind it, else actions addressing it that are overdue. `None` when
/// neither holds.
fn met_too_soon(site: &Site, a: &Analysis, i: usize) -> Option<(String, &'static str)> {
    if !a.evidenced[i] {
        return Some((
            "it has no current evidence behind it".to_string(),
            "add the evidence that shows it is met",
        ));
    }
    let overdue: Vec<&str> = a
        .overdue_actions_addressing(site, i)
        .into_iter()
        .map(|x| site.records[x].id.as_str())
        .collect();
    if overdue.is_empty() {
        return None;
    }
    Some((
        format!(
            "{} addressing it {} overdue",
            overdue
                .iter()
                .map(|id| format!("action `{id}`"))
                .collect::<Vec<_>>()
                .join(", "),
            if overdue.len() == 1 { "is" } else { "are" }
        ),
        "bring the overdue action up to date",
    ))
}

/// W113 for an active indicator with no figure in the 12 months before the readiness
/// date, at the field its figures come from.
fn indicator_warning(
    rec: &Record,
    facts: Option<&IndicatorFacts>,
    as_of: &str,
) -> Option<Diagnostic> {
    if rec.status != "active" || !facts.is_some_and(|f| f.no_recent_value) {
        return None;
    }
    let field = if rec.values_file.is_some() {
        "values_file"
    } else {
        "values"
    };
    let last = facts
        .and_then(|f| f.latest)
        .map(|l| format!("its latest figure is for {}", rec.values[l].period.long()))
        .unwrap_or_else(|| "it has no figures".to_string());
    Some(Diagnostic::new(
        &rec.path,
        rec.pos_of(field),
        Code::W113,
        format!(
            "indicator `{}` has no figure in the 12 months before {as_of}: {last}; add the latest figure, or set `status: retired` if it is no longer reported",
            rec.id
        ),
    ))
}

/// W114 for an open risk whose `review_by` date has passed.
fn risk_review_warning(rec: &Record, as_of: &str) -> Diagnostic {
    Diagnostic::new(
        &rec.path,
        rec.pos_of("review_by"),
        Code::W114,
        format!(
            "risk `{}` was due for review by {}, before {as_of}; review it and set a new `review_by` date, or close it",
            rec.id,
            rec.review_by.map(|d| d.to_string()).unwrap_or_default()
        ),
    )
}

#[cfg(test)]
mod tests;
