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
