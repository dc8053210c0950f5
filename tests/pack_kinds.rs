//! Packs people send (SPEC §14.10), read back from `tests/fixtures/kinds`: judgements
//! in their framework's words on the pages, the dashboard and every pack cover; named
//! baselines; and one pack of each kind (`evidence`, `letter`, `report`) whose
//! `pdftotext` is compared with what the kind promises — its sections in order, no IDs
//! or hashes where it forbids them, the signature block, the references mode.

mod common;

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
