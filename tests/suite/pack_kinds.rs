//! Packs people send (SPEC §14.10), read back from `tests/fixtures/kinds`: judgements
//! in their framework's words on the pages, the dashboard and every pack cover; named
//! baselines; and one pack of each kind (`evidence`, `letter`, `report`) whose
//! `pdftotext` is compared with what the kind promises — its sections in order, no IDs
//! or hashes where it forbids them, the signature block, the references mode.

use crate::common;

use common::{crate_root, tool};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn assure() -> Command {
    Command::new(env!("CARGO_BIN_EXE_assure"))
}

fn build(content: &Path, out: &Path) {
    let _ = std::fs::remove_dir_all(out);
    let o = assure()
        .args(["build", "--content"])
        .arg(content)
        .arg("--output")
        .arg(out)
        .output()
        .expect("run assure");
    assert!(
        o.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The fixture built once per test run.
fn kinds() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("assure-pack-kinds-{}", std::process::id()));
        build(&crate_root().join("tests/fixtures/kinds"), &dir);
        dir
    })
}

/// A pack's text as `pdftotext` reads it (reading order, no layout).
fn text(pdf: &Path) -> String {
    let o = tool("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(o.status.success(), "pdftotext failed on {}", pdf.display());
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The text with each run of white space as one space: lines broken anywhere compare.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// SPEC §14.10: judgements are shown in their framework's words — ILACS's built in, a
/// declared framework's from site.yaml — on the review's page, on the dashboard (the
/// latest inspection) and on every pack cover, never as the slugs they are written in.
#[test]
fn judgements_show_in_their_frameworks_words() {
    let site = kinds().join("site");
    let review = read(&site.join("reviews/ofsted-2024.html"));
    for words in [
        "Overall effectiveness",
        "The impact of leaders on social work practice with children and families",
        "The experiences and progress of care leavers",
        "Requires improvement to be good",
    ] {
        assert!(review.contains(words), "the review page lacks “{words}”");
    }
    let peer = read(&site.join("reviews/peer-review-2023.html"));
    for words in ["Quality of social work practice", "Weak", "Developing"] {
        assert!(peer.contains(words), "the peer review page lacks “{words}”");
    }
    let dashboard = read(&site.join("index.html"));
    assert!(dashboard.contains("Latest inspection"));
    assert!(
        dashboard.contains("The experiences and progress of children in care"),
        "the dashboard shows the latest inspection's judgements"
    );
    for slug in [
        "overall-effectiveness",
        "requires-improvement",
        "impact-of-leaders",
    ] {
        for (name, page) in [("review", &review), ("dashboard", &dashboard)] {
            assert!(
                !page.contains(&format!(">{slug}<")),
                "the {name} shows the slug `{slug}`"
            );
        }
    }
    let mut covers = 0;
    for pack in std::fs::read_dir(kinds().join("pdf")).expect("pdf folder") {
        let pack = pack.expect("entry").path();
        let o = tool("pdftotext")
            .args(["-l", "1"])
            .arg(&pack)
            .arg("-")
            .output()
            .expect("pdftotext");
        let cover = flat(&String::from_utf8_lossy(&o.stdout));
        assert!(
            cover.contains("Latest inspection")
                && cover.contains("Requires improvement to be good")
                && cover.contains("Overall effectiveness"),
            "{}: the cover lacks the latest inspection's judgements:\n{cover}",
            pack.display()
        );
        assert!(!cover.contains("requires-improvement"));
        covers += 1;
    }
    assert!(covers >= 1);
}

/// Copies a folder (regular files and folders only).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// SPEC §14.10: `assure baseline LABEL` keeps the content's state in `_baselines/`, where
/// a later build finds it without site.yaml naming it, and the site and the packs then
/// say what changed "since the monitoring visit on 19 November 2024". It never writes
/// over a baseline.
#[test]
fn a_named_baseline_is_found_and_said_by_its_name() {
    let dir = tempfile::tempdir().expect("temp");
    let content = dir.path().join("content");
    copy_dir(&crate_root().join("tests/fixtures/kinds"), &content);
    let run = |args: &[&str]| {
        assure()
            .args(args)
            .arg("--content")
            .arg(&content)
            .output()
            .expect("run assure")
    };
    let o = run(&[
        "baseline",
        "Monitoring visit, 19 November 2024",
        "--as-of",
        "2024-11-20",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let written = content.join("_baselines/2024-11-20.json");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&written).expect("the baseline")).expect("json");
    assert_eq!(json["label"], "Monitoring visit, 19 November 2024");
    assert_eq!(json["as_of"], "2024-11-20");
    assert_eq!(json["audience"], "council");
    // Never over an existing baseline.
    let again = run(&["baseline", "Another", "--as-of", "2024-11-20"]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "a second baseline of one date is refused"
    );
    let out = dir.path().join("out");
    build(&content, &out);
    let changes = read(&out.join("site/changes.html"));
    assert!(
        changes.contains("Changes since the monitoring visit on 19 November 2024"),
        "the changes page names the visit"
    );
    let pack = flat(&text(&out.join("pdf/evidence-pack.pdf")));
    assert!(
        pack.contains("Changes since the monitoring visit on 19 November 2024"),
        "the pack names the visit:\n{pack}"
    );
}

/// Each needle found in `text` after the one before it: the sections in their order.
fn assert_in_order(text: &str, needles: &[&str], what: &str) {
    let mut at = 0;
    for needle in needles {
        match text[at..].find(needle) {
            Some(n) => at += n + needle.len(),
            None => panic!("{what}: “{needle}” is missing or out of order in:\n{text}"),
        }
    }
}

/// The fixture's record IDs, from its file names (pages too: none may show).
fn fixture_ids() -> Vec<String> {
    let root = crate_root().join("tests/fixtures/kinds");
    let mut ids = Vec::new();
    for folder in ["actions", "evidence", "recommendations", "reviews", "pages"] {
        for entry in std::fs::read_dir(root.join(folder)).expect("fixture folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "md") {
                ids.push(
                    path.file_stem()
                        .expect("stem")
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    assert!(ids.len() >= 8, "{ids:?}");
    ids
}

/// SPEC §14.10: a letter or report shows no record ID and no hash anywhere, and never
/// says "not in this pack".
fn assert_no_ids_or_hashes(text: &str, what: &str) {
    for id in fixture_ids() {
        assert!(!text.contains(&id), "{what} shows the ID `{id}`:\n{text}");
    }
    let hex = regex::Regex::new(r"\b[0-9a-f]{12,}\b").expect("pattern");
    assert!(!hex.is_match(text), "{what} shows a hash:\n{text}");
    assert!(!text.contains("SHA-256"), "{what} speaks of hashes");
    assert!(
        !text.contains("not in this pack"),
        "{what} notes references"
    );
}

/// The pack's text against the expected text kept beside the fixture, compared word
/// for word (`ASSURE_BLESS=1` writes it afresh after a deliberate change of wording).
fn assert_expected_text(pack: &str) {
    let got = text(&kinds().join(format!("pdf/{pack}.pdf")));
    let path = crate_root().join(format!("tests/fixtures/kinds-expected/{pack}.txt"));
    if std::env::var_os("ASSURE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &got).expect("write the expected text");
    }
    let expected = read(&path);
    assert!(
        flat(&got) == flat(&expected),
        "{pack}: the text differs from {}:\n{got}",
        path.display()
    );
}

/// SPEC §14.10 `letter`: cover with addressee and sender, then the salutation, the
/// pages as the body, "Yours sincerely" with the name and role, then the standard
/// sections asked for as annexes; references to records outside it by title alone.
#[test]
fn a_letter_reads_as_a_letter() {
    assert_expected_text("letter");
    let letter = flat(&text(&kinds().join("pdf/letter.pdf")));
    assert_in_order(
        &letter,
        &[
            "Progress report to the Minister",
            "To The Minister for Children and Families",
            "From Pat Example, Director of Children's Services",
            "Latest inspection",
            "Pat Example Director of Children's Services The Minister for Children and Families 7 April 2025",
            "Dear Minister,",
            "Progress since the inspection",
            "I write to report",
            "What remains to be done",
            "Yours sincerely Pat Example Director of Children's Services",
            "Recommendations",
            "Make sure every referral reaches a qualified social worker within one working day",
            "End of Progress report to the Minister",
        ],
        "the letter",
    );
    assert!(
        !letter.contains("Contents"),
        "a letter has no contents page"
    );
    // `references: hide` (a letter's default): the title alone.
    assert!(
        letter.contains("January (Run monthly practice weeks on plans), and"),
        "{letter}"
    );
    assert_no_ids_or_hashes(&letter, "the letter");
}

/// SPEC §14.10 `report`: a committee report's parts in order under their standard
/// headings, the background papers (the evidence register, without hashes), the author
/// and contact; with `references: appendix`, the records it names in an appendix,
/// referred to by page.
#[test]
fn a_report_reads_as_a_committee_report() {
    assert_expected_text("report");
    let report = flat(&text(&kinds().join("pdf/report.pdf")));
    assert_in_order(
        &report,
        &[
            "Children's services improvement — report to Cabinet",
            "To The Chair and Members of Cabinet",
            "Report author Sam Example, Assistant Director, Children's Social Care",
            "Contact sam.example@fixture.gov.uk, 01234 567890",
            "Contents",
            "Executive summary This report tells Cabinet",
            "Decision sought Cabinet is asked",
            "Background Ofsted judged",
            "Options considered",
            "Risks and assumptions 1. Recruitment",
            "Performance",
            "Financial implications",
            "Legal implications",
            "Equality implications",
            "Consultation",
            "Background papers",
            "Audit of plans, first quarter 2025",
            "Front door rota, November 2024",
            "Report author and contact Name Sam Example Role Assistant Director",
            "Appendix: records referred to",
            "Improve the quality of plans for children in need Record Recommendation",
            "Plans should say what will change for the child.",
            "Ofsted inspection of local authority children's services (2024) Record Review",
        ],
        "the report",
    );
    // `references: appendix`: what the background names is in the appendix, by page.
    let page = regex::Regex::new(r"made two recommendations \(Improve the quality of plans for children in need \(p\. \d+\)\)").expect("pattern");
    assert!(page.is_match(&report), "{report}");
    assert_no_ids_or_hashes(&report, "the report");
}

/// SPEC §14.10 `evidence` (the default) and `references: note` (its default): IDs in
/// headings, the register's hashes, and "(ID, not in this pack)" for what it leaves out.
#[test]
fn an_evidence_pack_keeps_ids_hashes_and_notes() {
    let pack = flat(&text(&kinds().join("pdf/evidence-pack.pdf")));
    assert_in_order(
        &pack,
        &[
            "Evidence pack",
            "Content digest (SHA-256)",
            "Contents",
            "Summary",
            "Progress in plain words",
            "Recommendations",
            "ofsted-2024-r1: Make sure every referral",
            "Staff the front door with qualified social workers every weekday (act-front-door, not in this pack)",
            "Evidence register",
            "SHA-256",
            "ddf6644580d2",
        ],
        "the evidence pack",
    );
}

/// A pack's kind and settings are checked like every setting: E008 at the value, with
/// the words to write instead.
#[test]
fn pack_kind_settings_are_checked() {
    let dir = tempfile::tempdir().expect("temp");
    let content = dir.path().join("content");
    copy_dir(&crate_root().join("tests/fixtures/kinds"), &content);
    let site = read(&content.join("site.yaml"));
    let site = site
        .replace("    kind: letter\n", "    kind: leter\n")
        .replace("    references: appendix\n", "    references: appendixes\n")
        + "  - id: no-sender\n    kind: letter\n    audience: council\n    salutation: Dear all,\n    sections: [page:prose]\n  - id: parts\n    audience: council\n    salutation: Hello\n    sections: [{financial: page:prose}]\n";
    std::fs::write(content.join("site.yaml"), site).expect("write");
    let o = assure()
        .args(["check", "--content"])
        .arg(&content)
        .output()
        .expect("run assure");
    let err = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(1), "{err}");
    for words in [
        "`kind` must be one of `evidence`, `letter`, `report`, not `leter`; did you mean `letter`?",
        "`references` must be one of `note`, `hide`, `appendix`, not `appendixes`; did you mean `appendix`?",
        "pack `no-sender` has no `from`",
        "letter `no-sender` has no `to`",
        "a section with a heading of its own (`financial: page:ID`) belongs to a committee report",
        "`salutation` is for letters",
    ] {
        assert!(err.contains(words), "no “{words}” in:\n{err}");
    }
    assert!(err.contains("error[E008]"), "{err}");
}
