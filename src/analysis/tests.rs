//! One test per rule of the analysis (SPEC §7, §13.1, §14.1–14.4, §14.9): each builds
//! the smallest site that shows the rule, from records written as files, and asserts
//! the one fact (or warning) it derives. The integration tests check that every output
//! shows these facts; these check the facts themselves, rule by rule.

use super::*;
use crate::config::Config;
use crate::content::{parse_file, ContentFiles};
use crate::diagnostics::Severity;
use crate::model::build::build_record;
use std::collections::HashSet;

/// The readiness date of every site here.
const AS_OF: &str = "2014-09-30";
/// `evidence_max_age_days` of every site here.
const MAX_AGE: i64 = 365;

fn day(text: &str) -> Date {
    Date::parse_full(text).expect("a full date")
}

/// A site made in memory from records written as files: `(path, front matter)`, the
/// ID taken from the file name. Recommendations get `source: v1`, a review the site
/// always holds. `attachments` are the other files of the folder (an evidence `file:`
/// resolves only to one of them). Any error fails the test: a rule is tested on
/// content that is otherwise right.
fn site_with(records: &[(&str, &str)], attachments: &[&str]) -> Site {
    let mut records = records.to_vec();
    records.push(("reviews/v1.md", "title: The inspection\ndate: 2014-01-01"));
    records.sort();
    let mut built = Vec::new();
    for (path, front) in &records {
        let source = if path.starts_with("recommendations/") {
            "source: v1\n"
        } else {
            ""
        };
        let text = format!("---\n{source}{front}\n---\n");
        for raw in parse_file(path, text.as_bytes()).records {
            built.push(build_record(raw));
        }
    }
    let mut files: Vec<String> = records.iter().map(|(p, _)| p.to_string()).collect();
    let record_files = files.clone();
    files.extend(attachments.iter().map(|a| a.to_string()));
    files.sort();
    let folder = ContentFiles {
        root: "/nonexistent-content".into(),
        files,
        record_files,
    };
    let (site, diags) =
        crate::model::resolve::resolve(Config::default(), folder, built, HashSet::new());
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.severity() == Severity::Error)
        .map(|d| format!("{} {:?}: {}", d.path, d.code, d.message))
        .collect();
    assert!(
        errors.is_empty(),
        "the test's content has errors: {errors:#?}"
    );
    site
}

fn site(records: &[(&str, &str)]) -> Site {
    site_with(records, &[])
}

/// The analysis as of [`AS_OF`], every evidence file unchanged.
fn analysed(site: &Site) -> Analysis {
    analyse(site, day(AS_OF), MAX_AGE, &HashMap::new())
}

/// The index of a record by ID.
fn at(site: &Site, id: &str) -> usize {
    site.index[id]
}

/// The warnings of one record, by code.
fn warned(site: &Site, a: &Analysis, id: &str) -> Vec<Code> {
    let path = &site.records[at(site, id)].path;
    warnings(site, a, MAX_AGE)
        .into_iter()
        .filter(|d| &d.path == path)
        .map(|d| d.code)
        .collect()
}

/// The message of one record's warning with this code.
fn message(site: &Site, a: &Analysis, id: &str, code: Code) -> String {
    let path = &site.records[at(site, id)].path;
    warnings(site, a, MAX_AGE)
        .into_iter()
        .find(|d| &d.path == path && d.code == code)
        .map(|d| d.message)
        .unwrap_or_else(|| panic!("no {code:?} for `{id}`"))
}

const REC: (&str, &str) = ("recommendations/r1.md", "title: R\nstatus: in-progress");

/// One piece of evidence supporting `r1`, with these extra fields.
fn evidence(fields: &str) -> (&'static str, String) {
    (
        "evidence/e1.md",
        format!("title: E\nsupports: [r1]\n{fields}"),
    )
}

/// `r1` with one piece of evidence (these fields), analysed.
fn with_evidence(fields: &str) -> (Site, Analysis) {
    let (path, front) = evidence(fields);
    let s = site(&[REC, (path, &front)]);
    let a = analysed(&s);
    (s, a)
}

fn state(fields: &str) -> Option<EvidenceState> {
    let (s, a) = with_evidence(fields);
    a.state_of(at(&s, "e1"))
}

const RECENT: &str = "status: current\nurl: https://example.org/e1\nreviewed: 2014-09-01";

// ---- Readiness figures ----------------------------------------------------------------

/// An event in the readiness date's month is not after it (a month counts from its
/// first day), one the day after is: the rule the timeline, the dashboard, the packs
/// and the chart share.
#[test]
fn after_as_of_counts_a_partial_date_from_its_first_day() {
    let as_of = Date::new(2014, 9, 30).expect("a date");
    let d = |s: &str| crate::date::PartialDate::parse(s).expect("a partial date");
    assert!(!after_as_of(d("2014-09"), as_of));
    assert!(!after_as_of(d("2014-09-30"), as_of));
    assert!(after_as_of(d("2014-10-01"), as_of));
    assert!(!after_as_of(d("2014"), as_of));
}

#[test]
fn percent_rounds_down() {
    let r = Readiness {
        counted: 11,
        evidenced: 9,
        met_evidenced: 0,
    };
    assert_eq!(r.met_percent_text(), "0.0 %");
    assert_eq!(r.percent_text(), "81.8 %");
    let r = Readiness {
        counted: 1000,
        evidenced: 999,
        met_evidenced: 999,
    };
    assert_eq!(r.met_percent_text(), "99.9 %");
    assert_eq!(r.percent_text(), "99.9 %");
    assert_eq!(Readiness::default().percent_text(), "n/a");
}

// ---- Evidence state (SPEC §7, §13.1, §14.1) ---------------------------------------------

#[test]
fn recent_evidence_that_holds_a_link_is_current() {
    assert_eq!(state(RECENT), Some(EvidenceState::Current));
}

#[test]
fn the_recorded_status_wins_over_every_fact() {
    // Empty, undated and expired: the recorded status still decides first.
    for (status, expected) in [
        ("withdrawn", EvidenceState::Withdrawn),
        ("superseded", EvidenceState::Superseded),
        ("draft", EvidenceState::Draft),
    ] {
        let fields = format!("status: {status}\nexpires: 2014-01-01");
        assert_eq!(state(&fields), Some(expected), "{status}");
    }
}

#[test]
fn evidence_holding_no_file_link_or_location_is_empty_and_warned() {
    let (s, a) = with_evidence("status: current\nreviewed: 2014-09-01\nurl: '  '");
    let e = at(&s, "e1");
    assert_eq!(a.state_of(e), Some(EvidenceState::Empty));
    assert!(!a.evidenced[at(&s, "r1")]);
    assert!(warned(&s, &a, "e1").contains(&Code::W110));
    // A location is something held.
    let held = "status: current\nreviewed: 2014-09-01\nlocation: Board papers, March 2014";
    assert_eq!(state(held), Some(EvidenceState::Current));
}

#[test]
fn empty_comes_before_changed_expired_and_stale() {
    let fields = "status: current\nexpires: 2014-01-01\ndate: 2010-01-01";
    assert_eq!(state(fields), Some(EvidenceState::Empty));
}

/// `r1` with evidence whose file's recorded hash is `recorded` and actual one `actual`.
fn hashed(recorded: &str, actual: &str, more: &str) -> (Site, Analysis) {
    let (path, front) = evidence(&format!(
        "status: current\nfile: evidence/files/a.pdf\nsha256: {recorded}\nreviewed: 2014-09-01\n{more}"
    ));
    let s = site_with(&[REC, (path, &front)], &["evidence/files/a.pdf"]);
    let hashes = HashMap::from([("evidence/files/a.pdf".to_string(), actual.to_string())]);
    let a = analyse(&s, day(AS_OF), MAX_AGE, &hashes);
    (s, a)
}

const HASH_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const HASH_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

#[test]
fn a_file_whose_hash_differs_is_changed_and_warned_w101() {
    let (s, a) = hashed(HASH_A, HASH_B, "");
    let e = at(&s, "e1");
    assert_eq!(a.state_of(e), Some(EvidenceState::Changed));
    assert_eq!(a.gaps.changed, vec![e]);
    assert!(!a.evidenced[at(&s, "r1")]);
    assert!(warned(&s, &a, "e1").contains(&Code::W101));
    let (s, a) = hashed(HASH_A, HASH_A, "");
    assert_eq!(a.state_of(at(&s, "e1")), Some(EvidenceState::Current));
    assert!(!warned(&s, &a, "e1").contains(&Code::W101));
}

#[test]
fn w101_names_who_signed_the_file_off() {
    let (s, a) = hashed(
        HASH_A,
        HASH_B,
        "signed_off: {by: the Board, on: 2014-01-14}",
    );
    let m = message(&s, &a, "e1", Code::W101);
    assert!(m.contains("by the Board on 14 January 2014"), "{m}");
}

#[test]
fn changed_comes_before_expired() {
    let (s, a) = hashed(HASH_A, HASH_B, "expires: 2014-01-01");
    assert_eq!(a.state_of(at(&s, "e1")), Some(EvidenceState::Changed));
}

#[test]
fn evidence_past_its_expiry_is_expired_and_warned_w102() {
    let (s, a) = with_evidence(&format!("{RECENT}\nexpires: 2014-09-29"));
    let e = at(&s, "e1");
    assert_eq!(a.state_of(e), Some(EvidenceState::Expired));
    assert_eq!(a.gaps.expired, vec![e]);
    assert!(!a.evidenced[at(&s, "r1")]);
    assert!(message(&s, &a, "e1", Code::W102).contains("expired on 2014-09-29"));
}

#[test]
fn evidence_expiring_in_the_month_of_the_readiness_date_has_not_expired() {
    // A partial date means the last day of its period: 2014-09 runs to the 30th.
    assert_eq!(
        state(&format!("{RECENT}\nexpires: 2014-09")),
        Some(EvidenceState::Current)
    );
    assert_eq!(
        state(&format!("{RECENT}\nexpires: 2014-09-30")),
        Some(EvidenceState::Current)
    );
}

#[test]
fn expired_comes_before_stale() {
    let fields = "status: current\nurl: https://example.org\ndate: 2010-01-01\nexpires: 2011-01-01";
    assert_eq!(state(fields), Some(EvidenceState::Expired));
}

#[test]
fn evidence_reviewed_longer_ago_than_the_maximum_age_is_stale_and_warned_w102() {
    // 2014-09-30 is 365 days after 2013-09-30: still current; a day earlier is stale.
    let (s, a) = with_evidence("status: current\nurl: https://example.org\nreviewed: 2013-09-29");
    let e = at(&s, "e1");
    assert_eq!(a.state_of(e), Some(EvidenceState::Stale));
    assert_eq!(a.gaps.stale, vec![e]);
    assert!(message(&s, &a, "e1", Code::W102).contains("last reviewed 2013-09-29"));
    assert_eq!(
        state("status: current\nurl: https://example.org\nreviewed: 2013-09-30"),
        Some(EvidenceState::Current)
    );
}

#[test]
fn the_review_date_counts_before_the_document_date() {
    let reviewed =
        "status: current\nurl: https://example.org\ndate: 2010-01-01\nreviewed: 2014-01-01";
    assert_eq!(state(reviewed), Some(EvidenceState::Current));
    let dated_only = "status: current\nurl: https://example.org\ndate: 2010-01-01";
    assert_eq!(state(dated_only), Some(EvidenceState::Stale));
    assert_eq!(
        state("status: current\nurl: https://example.org\ndate: 2014-01-01"),
        Some(EvidenceState::Current)
    );
}

#[test]
fn evidence_with_neither_review_nor_date_is_stale() {
    let (s, a) = with_evidence("status: current\nurl: https://example.org");
    assert_eq!(a.state_of(at(&s, "e1")), Some(EvidenceState::Stale));
    assert!(message(&s, &a, "e1", Code::W102).contains("neither `reviewed` nor `date`"));
}

#[test]
fn w102_is_only_for_evidence_recorded_as_current() {
    let (s, a) = with_evidence("status: draft\nurl: https://example.org\ndate: 2010-01-01");
    assert_eq!(a.state_of(at(&s, "e1")), Some(EvidenceState::Draft));
    assert!(!warned(&s, &a, "e1").contains(&Code::W102));
}

#[test]
fn reference_evidence_never_goes_stale_and_never_counts() {
    let (s, a) = with_evidence(
        "status: current\nkind: reference\nurl: https://example.org\ndate: 2010-01-01\nexpires: 2011-01-01",
    );
    let (e, r) = (at(&s, "e1"), at(&s, "r1"));
    assert_eq!(a.state_of(e), Some(EvidenceState::Current));
    assert!(
        !a.evidenced[r],
        "a reference made a recommendation evidenced"
    );
    assert_eq!(a.trace[r].len(), 1);
    assert!(!a.trace[r][0].counts);
    assert!(a.gaps.unsigned.is_empty(), "a reference needs no sign-off");
    assert!(a.gaps.stale.is_empty() && a.gaps.expired.is_empty());
    let w = warned(&s, &a, "e1");
    assert!(!w.contains(&Code::W102), "{w:?}");
}

#[test]
fn reference_evidence_holding_nothing_or_supporting_nothing_is_not_warned() {
    let s = site(&[(
        "evidence/e1.md",
        "title: E\nstatus: current\nkind: reference\ndate: 2014-01-01",
    )]);
    let a = analysed(&s);
    assert_eq!(warned(&s, &a, "e1"), vec![]);
}

#[test]
fn current_evidence_supporting_nothing_is_warned_w105() {
    let s = site(&[("evidence/e1.md", &format!("title: E\n{RECENT}"))]);
    let a = analysed(&s);
    assert_eq!(warned(&s, &a, "e1"), vec![Code::W105]);
}

#[test]
fn counted_evidence_without_sign_off_is_unsigned() {
    let (s, a) = with_evidence(RECENT);
    assert_eq!(a.gaps.unsigned, vec![at(&s, "e1")]);
    let (_, a) = with_evidence(&format!(
        "{RECENT}\nsigned_off: {{by: the Board, on: 2014-09-01}}"
    ));
    assert!(a.gaps.unsigned.is_empty());
    // Evidence that does not count is not asked to be signed off.
    let (_, a) = with_evidence("status: current\nurl: https://example.org\ndate: 2010-01-01");
    assert!(a.gaps.unsigned.is_empty());
}

// ---- Recommendations: evidenced, readiness (SPEC §7, §13.1, §14.3) ----------------------

#[test]
fn current_evidence_supporting_a_recommendation_evidences_it() {
    let (s, a) = with_evidence(RECENT);
    let r = at(&s, "r1");
    assert!(a.evidenced[r]);
    assert_eq!(
        a.trace[r],
        vec![Behind {
            evidence: at(&s, "e1"),
            direct: true,
            via: vec![],
            counts: true,
        }]
    );
    assert_eq!(
        a.readiness,
        Readiness {
            evidenced: 1,
            counted: 1,
            met_evidenced: 0
        }
    );
    assert!(a.gaps.unevidenced.is_empty());
    assert!(!warned(&s, &a, "r1").contains(&Code::W104));
}

/// `r1`, action `a1` (these fields) addressing it, and current evidence supporting `a1`.
fn through_action(action: &str) -> (Site, Analysis) {
    let s = site(&[
        REC,
        (
            "actions/a1.md",
            &format!("title: A\naddresses: [r1]\nowner: O\ndue: 2015-01\n{action}"),
        ),
        (
            "evidence/e1.md",
            &format!("title: E\nsupports: [a1]\n{RECENT}"),
        ),
    ]);
    let a = analysed(&s);
    (s, a)
}

#[test]
fn evidence_of_an_action_addressing_a_recommendation_evidences_it() {
    let (s, a) = through_action("status: in-progress");
    let r = at(&s, "r1");
    assert!(a.evidenced[r]);
    assert_eq!(a.trace[r].len(), 1);
    assert!(!a.trace[r][0].direct);
    assert_eq!(a.trace[r][0].via, vec![at(&s, "a1")]);
}

#[test]
fn evidence_only_through_a_cancelled_action_does_not_count() {
    let (s, a) = through_action("status: cancelled");
    let r = at(&s, "r1");
    assert!(!a.evidenced[r]);
    assert_eq!(a.trace[r].len(), 1, "the route is shown");
    assert!(!a.trace[r][0].counts);
    assert_eq!(a.gaps.unevidenced, vec![r]);
}

#[test]
fn a_recommendation_without_current_evidence_is_unevidenced_and_warned_w104() {
    let (s, a) = with_evidence("status: current\nurl: https://example.org\ndate: 2010-01-01");
    let r = at(&s, "r1");
    assert!(!a.evidenced[r]);
    assert_eq!(a.gaps.unevidenced, vec![r]);
    assert_eq!(a.readiness.evidenced, 0);
    assert_eq!(a.readiness.counted, 1);
    assert!(warned(&s, &a, "r1").contains(&Code::W104));
}

#[test]
fn a_superseded_recommendation_is_not_counted() {
    let s = site(&[
        REC,
        (
            "recommendations/r2.md",
            "title: Old\nstatus: superseded\ndue: 2013-01",
        ),
    ]);
    let a = analysed(&s);
    let r2 = at(&s, "r2");
    assert!(!a.counted(&s, r2));
    assert_eq!(a.readiness.counted, 1);
    assert_eq!(a.gaps.unevidenced, vec![at(&s, "r1")]);
    assert!(!a.past_due[r2]);
    assert_eq!(warned(&s, &a, "r2"), vec![]);
}

#[test]
fn a_met_evidenced_recommendation_counts_in_the_headline() {
    let s = site(&[
        (
            "recommendations/r1.md",
            "title: R\nstatus: met\nagreed: {by: the Board, on: 2014-09-01}",
        ),
        (
            "evidence/e1.md",
            &format!("title: E\nsupports: [r1]\n{RECENT}"),
        ),
    ]);
    let a = analysed(&s);
    assert!(a.met_evidenced(&s, at(&s, "r1")));
    assert_eq!(a.readiness.met_evidenced, 1);
    assert_eq!(a.readiness.met_percent_text(), "100.0 %");
    assert_eq!(warned(&s, &a, "r1"), vec![]);
}

#[test]
fn a_met_recommendation_without_current_evidence_is_not_in_the_headline_and_warned_w108() {
    let s = site(&[(
        "recommendations/r1.md",
        "title: R\nstatus: met\nagreed: {by: the Board, on: 2014-09-01}",
    )]);
    let a = analysed(&s);
    let r = at(&s, "r1");
    assert!(!a.met_evidenced(&s, r));
    assert_eq!(a.readiness.met_evidenced, 0);
    assert!(message(&s, &a, "r1", Code::W108).contains("no current evidence"));
}

#[test]
fn a_met_recommendation_nobody_agreed_is_warned_w111() {
    let s = site(&[
        ("recommendations/r1.md", "title: R\nstatus: met"),
        (
            "evidence/e1.md",
            &format!("title: E\nsupports: [r1]\n{RECENT}"),
        ),
    ]);
    let a = analysed(&s);
    assert_eq!(warned(&s, &a, "r1"), vec![Code::W111]);
}

#[test]
fn a_met_recommendation_with_an_overdue_action_is_warned_w108() {
    let s = site(&[
        (
            "recommendations/r1.md",
            "title: R\nstatus: met\nagreed: {by: the Board, on: 2014-09-01}",
        ),
        (
            "actions/a1.md",
            "title: A\naddresses: [r1]\nowner: O\ndue: 2014-06\nstatus: in-progress",
        ),
        (
            "evidence/e1.md",
            &format!("title: E\nsupports: [r1]\n{RECENT}"),
        ),
    ]);
    let a = analysed(&s);
    let r = at(&s, "r1");
    assert!(a.met_but_action_overdue(&s, r));
    assert_eq!(a.overdue_actions_addressing(&s, r), vec![at(&s, "a1")]);
    assert!(message(&s, &a, "r1", Code::W108).contains("action `a1` addressing it is overdue"));
}

// ---- Past due and moved dates (SPEC §14.4) ----------------------------------------------

fn recommendation(fields: &str) -> (Site, Analysis) {
    let s = site(&[("recommendations/r1.md", &format!("title: R\n{fields}"))]);
    let a = analysed(&s);
    (s, a)
}

#[test]
fn a_recommendation_due_before_the_readiness_date_and_not_met_is_past_due_w112() {
    let (s, a) = recommendation("status: in-progress\ndue: 2014-08-31");
    let r = at(&s, "r1");
    assert!(a.past_due[r]);
    assert_eq!(a.gaps.past_due, vec![r]);
    assert_eq!(a.days_past_due(&s.records[r]), Some(30));
    assert_eq!(a.late_by(&s, r), Some(30));
    assert_eq!(a.unevidenced_by_due(&s), (vec![(r, 30)], vec![]));
    assert!(message(&s, &a, "r1", Code::W112).contains("30 days before 2014-09-30"));
}

#[test]
fn a_met_recommendation_is_never_past_due() {
    let (s, a) = recommendation("status: met\ndue: 2014-01-31\nagreed: {by: B, on: 2014-01-31}");
    let r = at(&s, "r1");
    assert!(!a.past_due[r]);
    assert_eq!(a.late_by(&s, r), None);
    assert!(!warned(&s, &a, "r1").contains(&Code::W112));
}

#[test]
fn a_recommendation_due_in_the_month_of_the_readiness_date_is_not_past_due() {
    let (s, a) = recommendation("status: in-progress\ndue: 2014-09");
    assert!(!a.past_due[at(&s, "r1")]);
    let (s, a) = recommendation("status: in-progress");
    assert!(!a.past_due[at(&s, "r1")], "no due date, never past due");
}

#[test]
fn a_due_date_moved_from_the_original_is_listed() {
    let (s, a) = recommendation("status: in-progress\ndue: 2015-06\noriginal_due: 2015-03");
    assert_eq!(a.gaps.due_moved, vec![at(&s, "r1")]);
    let (_, a) = recommendation("status: in-progress\ndue: 2015-06\noriginal_due: 2015-06");
    assert!(a.gaps.due_moved.is_empty());
}

// ---- Actions: overdue and RAG (SPEC §7, §13.1) ------------------------------------------

fn action(fields: &str) -> (Site, Analysis) {
    let s = site(&[
        REC,
        (
            "actions/a1.md",
            &format!("title: A\naddresses: [r1]\n{fields}"),
        ),
    ]);
    let a = analysed(&s);
    (s, a)
}

fn rag(fields: &str) -> Option<&'static str> {
    let (s, a) = action(fields);
    a.rag[at(&s, "a1")]
}

#[test]
fn an_action_past_due_and_not_done_is_overdue_and_warned_w103() {
    let (s, a) = action("status: in-progress\nowner: O\ndue: 2014-08");
    let i = at(&s, "a1");
    assert!(a.overdue[i]);
    assert_eq!(a.gaps.overdue, vec![i]);
    assert_eq!(a.late_by(&s, i), Some(30));
    assert_eq!(warned(&s, &a, "a1"), vec![Code::W103]);
}

#[test]
fn a_complete_or_cancelled_action_is_never_overdue() {
    for status in ["complete", "cancelled"] {
        let (s, a) = action(&format!(
            "status: {status}\nowner: O\ndue: 2014-08\ncompleted: 2014-08-01"
        ));
        assert!(!a.overdue[at(&s, "a1")], "{status}");
        assert!(a.gaps.overdue.is_empty(), "{status}");
    }
}

#[test]
fn an_action_due_on_the_readiness_date_is_not_overdue() {
    let (s, a) = action("status: in-progress\nowner: O\ndue: 2014-09-30");
    assert!(!a.overdue[at(&s, "a1")]);
}

#[test]
fn an_action_completed_after_the_readiness_date_is_warned_w108() {
    let (s, a) = action("status: complete\nowner: O\ndue: 2015-01\ncompleted: 2014-10-02");
    assert!(message(&s, &a, "a1", Code::W108).contains("after the readiness date"));
    let (s, a) = action("status: complete\nowner: O\ndue: 2015-01\ncompleted: 2014-09-30");
    assert_eq!(warned(&s, &a, "a1"), vec![]);
}

#[test]
fn an_explicit_rag_wins() {
    assert_eq!(
        rag("status: in-progress\nowner: O\ndue: 2014-08\nrag: green"),
        Some("green")
    );
}

#[test]
fn a_cancelled_action_has_no_rag() {
    // On track by every other rule, and overdue: neither gives it a rating.
    assert_eq!(rag("status: cancelled\nowner: O\ndue: 2015-01"), None);
    assert_eq!(rag("status: cancelled\nowner: O\ndue: 2014-01"), None);
}

#[test]
fn a_complete_action_is_blue() {
    assert_eq!(
        rag("status: complete\nowner: O\ndue: 2015-01\ncompleted: 2014-09-01"),
        Some("blue")
    );
}

#[test]
fn an_overdue_or_blocked_action_is_red() {
    assert_eq!(
        rag("status: in-progress\nowner: O\ndue: 2014-08"),
        Some("red")
    );
    assert_eq!(rag("status: blocked\nowner: O\ndue: 2015-06"), Some("red"));
}

#[test]
fn an_action_with_no_owner_or_no_due_date_is_amber() {
    assert_eq!(rag("status: in-progress\ndue: 2015-06"), Some("amber"));
    assert_eq!(rag("status: in-progress\nowner: O"), Some("amber"));
}

#[test]
fn an_action_not_started_and_due_within_30_days_is_amber() {
    assert_eq!(
        rag("status: not-started\nowner: O\ndue: 2014-10-30"),
        Some("amber")
    );
    assert_eq!(
        rag("status: not-started\nowner: O\ndue: 2014-10-31"),
        Some("green")
    );
    assert_eq!(
        rag("status: in-progress\nowner: O\ndue: 2014-10-30"),
        Some("green")
    );
}

#[test]
fn an_action_on_track_is_green() {
    let (s, a) = action("status: in-progress\nowner: O\ndue: 2015-06");
    assert_eq!(a.rag[at(&s, "a1")], Some("green"));
    assert_eq!(a.by_rag(), vec![("green", 1)]);
}

// ---- Indicators (SPEC §14.9) -----------------------------------------------------------

fn indicator(fields: &str) -> (Site, Analysis) {
    let s = site(&[(
        "indicators/i1.md",
        &format!("title: I\nunit: number\n{fields}"),
    )]);
    let a = analysed(&s);
    (s, a)
}

fn facts(fields: &str) -> IndicatorFacts {
    let (s, a) = indicator(fields);
    a.indicators[at(&s, "i1")]
        .clone()
        .expect("an indicator's facts")
}

fn values(list: &[(&str, f64)]) -> String {
    let items: Vec<String> = list
        .iter()
        .map(|(p, v)| format!("  - {{period: {p}, value: {v}}}"))
        .collect();
    format!("values:\n{}", items.join("\n"))
}

#[test]
fn higher_is_better_is_on_target_at_or_above_it() {
    let on = facts(&format!(
        "polarity: higher-is-better\ntarget: 80\n{}",
        values(&[("2014-08", 80.0)])
    ));
    assert_eq!(on.against, Some(Against::OnTarget));
    let off = facts(&format!(
        "polarity: higher-is-better\ntarget: 80\n{}",
        values(&[("2014-08", 79.5)])
    ));
    assert_eq!(off.against, Some(Against::OffTarget));
}

#[test]
fn lower_is_better_is_on_target_at_or_below_it() {
    let on = facts(&format!(
        "polarity: lower-is-better\ntarget: 15\n{}",
        values(&[("2014-08", 15.0)])
    ));
    assert_eq!(on.against, Some(Against::OnTarget));
    let off = facts(&format!(
        "polarity: lower-is-better\ntarget: 15\n{}",
        values(&[("2014-08", 15.5)])
    ));
    assert_eq!(off.against, Some(Against::OffTarget));
}

#[test]
fn without_a_target_or_polarity_an_indicator_is_neither_on_nor_off_target() {
    let f = facts(&format!(
        "polarity: higher-is-better\n{}",
        values(&[("2014-08", 1.0)])
    ));
    assert_eq!(f.against, None);
    let f = facts(&format!("target: 3\n{}", values(&[("2014-08", 1.0)])));
    assert_eq!(f.against, None);
}

#[test]
fn the_latest_figure_is_the_latest_period_not_the_last_written() {
    let f = facts(&format!(
        "polarity: higher-is-better\ntarget: 10\n{}",
        values(&[("2014-08", 12.0), ("2014-06", 5.0), ("2014-07", 8.0)])
    ));
    assert_eq!(f.series, vec![1, 2, 0]);
    assert_eq!(f.latest, Some(0));
    assert_eq!(f.against, Some(Against::OnTarget));
    assert_eq!(f.trend, Some(Trend::Improving));
}

#[test]
fn the_trend_follows_the_polarity() {
    let rising = values(&[("2014-07", 20.0), ("2014-08", 25.0)]);
    let f = facts(&format!("polarity: higher-is-better\n{rising}"));
    assert_eq!(f.trend, Some(Trend::Improving));
    let f = facts(&format!("polarity: lower-is-better\n{rising}"));
    assert_eq!(f.trend, Some(Trend::Worsening));
    let falling = values(&[("2014-07", 25.0), ("2014-08", 20.0)]);
    let f = facts(&format!("polarity: lower-is-better\n{falling}"));
    assert_eq!(f.trend, Some(Trend::Improving));
    let f = facts(&format!("polarity: higher-is-better\n{falling}"));
    assert_eq!(f.trend, Some(Trend::Worsening));
}

#[test]
fn an_unchanged_figure_is_flat_and_one_figure_has_no_trend() {
    let f = facts(&format!(
        "polarity: higher-is-better\n{}",
        values(&[("2014-07", 20.0), ("2014-08", 20.0)])
    ));
    assert_eq!(f.trend, Some(Trend::Flat));
    let f = facts(&format!(
        "polarity: higher-is-better\n{}",
        values(&[("2014-08", 20.0)])
    ));
    assert_eq!(f.trend, None);
    let f = facts(&values(&[("2014-07", 20.0), ("2014-08", 25.0)]));
    assert_eq!(f.trend, None, "no polarity, no better or worse");
}

#[test]
fn an_active_indicator_with_no_figure_in_twelve_months_is_warned_w113() {
    // The twelve months before 2014-09-30 start after 2013-09-30.
    let (s, a) = indicator(&format!("status: active\n{}", values(&[("2013-09", 5.0)])));
    let i = at(&s, "i1");
    assert!(a.indicators[i].as_ref().unwrap().no_recent_value);
    assert_eq!(a.no_recent_value(&s), vec![i]);
    assert!(message(&s, &a, "i1", Code::W113).contains("latest figure is for"));
    let f = facts(&format!("status: active\n{}", values(&[("2013-10", 5.0)])));
    assert!(!f.no_recent_value);
}

#[test]
fn an_indicator_with_no_figures_has_no_recent_value() {
    let (s, a) = indicator("status: active");
    assert!(message(&s, &a, "i1", Code::W113).contains("it has no figures"));
}

#[test]
fn a_retired_indicator_is_not_warned_nor_listed() {
    let (s, a) = indicator(&format!(
        "status: retired\npolarity: higher-is-better\ntarget: 10\n{}",
        values(&[("2012-01", 5.0)])
    ));
    assert_eq!(warned(&s, &a, "i1"), vec![]);
    assert!(a.off_target(&s).is_empty());
    assert!(a.no_recent_value(&s).is_empty());
}

#[test]
fn active_indicators_are_listed_on_or_off_target() {
    let s = site(&[
        (
            "indicators/i1.md",
            "title: On\nstatus: active\npolarity: higher-is-better\ntarget: 1\nvalues: [{period: 2014-08, value: 2}]",
        ),
        (
            "indicators/i2.md",
            "title: Off\nstatus: active\npolarity: higher-is-better\ntarget: 3\nvalues: [{period: 2014-08, value: 2}]",
        ),
    ]);
    let a = analysed(&s);
    assert_eq!(a.on_target(&s), vec![at(&s, "i1")]);
    assert_eq!(a.off_target(&s), vec![at(&s, "i2")]);
}

// ---- Risks (SPEC §14.9) ----------------------------------------------------------------

fn risk(fields: &str) -> (Site, Analysis) {
    let s = site(&[("risks/k1.md", &format!("title: K\n{fields}"))]);
    let a = analysed(&s);
    (s, a)
}

#[test]
fn a_risks_score_is_likelihood_times_impact() {
    let (s, a) = risk("likelihood: 4\nimpact: 5");
    assert_eq!(a.risks[at(&s, "k1")].unwrap().score, Some(20));
    let (s, a) = risk("likelihood: 4");
    assert_eq!(a.risks[at(&s, "k1")].unwrap().score, None);
}

#[test]
fn a_risk_not_closed_past_its_review_date_is_overdue_and_warned_w114() {
    let (s, a) = risk("status: open\nreview_by: 2014-08");
    let k = at(&s, "k1");
    assert!(a.risks[k].unwrap().review_overdue);
    assert_eq!(a.reviews_overdue(), vec![k]);
    assert_eq!(warned(&s, &a, "k1"), vec![Code::W114]);
}

#[test]
fn a_closed_risk_or_one_due_for_review_this_month_is_not_overdue() {
    let (s, a) = risk("status: closed\nreview_by: 2014-01");
    assert!(!a.risks[at(&s, "k1")].unwrap().review_overdue);
    assert_eq!(warned(&s, &a, "k1"), vec![]);
    let (s, a) = risk("status: open\nreview_by: 2014-09");
    assert!(!a.risks[at(&s, "k1")].unwrap().review_overdue);
}

#[test]
fn indicators_and_risks_never_change_readiness() {
    let alone = site(&[REC]);
    let with = site(&[
        REC,
        (
            "indicators/i1.md",
            "title: I\nrelates: [r1]\npolarity: higher-is-better\ntarget: 1\nvalues: [{period: 2014-08, value: 2}]",
        ),
        ("risks/k1.md", "title: K\nlikelihood: 5\nimpact: 5\nreview_by: 2014-01"),
    ]);
    let (a, b) = (analysed(&alone), analysed(&with));
    assert_eq!(a.readiness, b.readiness);
    let ids = |s: &Site, a: &Analysis| -> Vec<Vec<String>> {
        GapKind::ALL
            .iter()
            .map(|k| {
                a.gaps
                    .list(*k)
                    .iter()
                    .map(|&i| s.records[i].id.clone())
                    .collect()
            })
            .collect()
    };
    assert_eq!(ids(&alone, &a), ids(&with, &b));
    assert_eq!(
        b.indicators_relating(&with, at(&with, "r1")),
        vec![at(&with, "i1")]
    );
}
