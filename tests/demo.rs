//! The demo tells its story as of its readiness date (issue 17): the default build of
//! `content/` presents nothing dated after `as_of` as known. Later history lives in
//! `content/_later/`, which Assure does not read; this test keeps it out of every output
//! — the records, every site page (lists, the dashboard, record pages) and both packs
//! read back with `pdftotext`.
//!
//! This test is about the demo, so it reads the demo's own files; it hard-codes no
//! figures.

mod common;

use common::{crate_root, files_under, tool};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The demo built once (site and packs) into a folder of its own.
fn demo() -> &'static Path {
    static OUT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    OUT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("assure-demo-time-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let o = Command::new(env!("CARGO_BIN_EXE_assure"))
            .args(["build", "--content"])
            .arg(crate_root().join("content"))
            .arg("--output")
            .arg(&dir)
            .output()
            .expect("run assure");
        assert!(
            o.status.success(),
            "the demo build failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        common::add_pack_built_for(
            &crate_root().join("content"),
            &dir,
            "secretary-of-state",
            "report-to-secretary-of-state",
        );
        dir
    })
}

/// A full or partial ISO date as its first day, so that string order is date order.
fn first_day(date: &str) -> String {
    match date.len() {
        4 => format!("{date}-01-01"),
        7 => format!("{date}-01"),
        _ => date.to_string(),
    }
}

/// The IDs and titles of the records kept in `content/_later/`: file-name IDs of
/// Markdown records, `id:` keys of list files, and every `title:`.
fn later_records() -> (Vec<String>, Vec<String>) {
    let (mut ids, mut titles) = (Vec::new(), Vec::new());
    for path in files_under(&crate_root().join("content/_later")) {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if ext == "md" && name != "README" {
            ids.push(name.to_string());
        }
        if ext != "md" && ext != "yaml" {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read a later record");
        for line in text.lines() {
            let line = line.trim_start().trim_start_matches("- ");
            if let Some(id) = line.strip_prefix("id: ") {
                ids.push(id.trim().to_string());
            } else if let Some(title) = line.strip_prefix("title: ") {
                titles.push(title.trim().trim_matches('"').to_string());
            }
        }
    }
    (ids, titles)
}

/// Visible text of an HTML page, entities decoded, whitespace collapsed.
fn html_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    normalise(&text)
}

fn normalise(text: &str) -> String {
    text.replace(['\u{2019}', '\u{2018}'], "'")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn no_record_in_the_demo_is_dated_after_its_readiness_date() {
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(demo().join("data/records.json")).expect("records.json"),
    )
    .expect("records.json parses");
    let as_of = json["as_of"].as_str().expect("as_of").to_string();
    let records = json["records"].as_array().expect("records");
    assert!(records.len() > 100, "expected the demo's records");
    let mut late = Vec::new();
    for rec in records {
        for field in ["date", "approved", "reviewed", "completed"] {
            if let Some(d) = rec[field].as_str() {
                if first_day(d) > as_of {
                    late.push(format!(
                        "{} ({field}: {d})",
                        rec["id"].as_str().unwrap_or("?")
                    ));
                }
            }
        }
    }
    assert!(
        late.is_empty(),
        "the demo is the position on {as_of}, yet these records are dated after it: {late:?}; \
         move later history to content/_later/ (see content/_README.md)"
    );
}

#[test]
fn later_history_appears_in_no_list_no_dashboard_and_no_pack() {
    let (ids, titles) = later_records();
    assert!(
        ids.len() >= 10 && titles.len() >= 10,
        "expected the later history in content/_later/, found {} IDs and {} titles",
        ids.len(),
        titles.len()
    );
    let mut outputs: Vec<(String, String, String)> = Vec::new();
    for path in files_under(&demo().join("site")) {
        if path.extension().is_some_and(|e| e == "html" || e == "js") {
            let raw = std::fs::read_to_string(&path).expect("read page");
            outputs.push((path.display().to_string(), raw.clone(), html_text(&raw)));
        }
    }
    assert!(
        outputs
            .iter()
            .any(|(p, _, _)| p.ends_with("site/index.html"))
            && outputs
                .iter()
                .any(|(p, _, _)| p.ends_with("reviews/index.html")),
        "the dashboard and the reviews list must be among the pages read"
    );
    for pdf in files_under(&demo().join("pdf")) {
        let o = tool("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&pdf)
            .arg("-")
            .output()
            .expect("pdftotext");
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        outputs.push((pdf.display().to_string(), text.clone(), normalise(&text)));
    }
    assert!(
        outputs
            .iter()
            .filter(|(p, _, _)| p.ends_with(".pdf"))
            .count()
            >= 2,
        "both packs must be read"
    );
    let mut found = Vec::new();
    for (path, raw, text) in &outputs {
        // pdftotext may break a long ID across lines, so IDs are looked for with the
        // whitespace taken out as well.
        let squeezed: String = raw.split_whitespace().collect();
        for id in &ids {
            if raw.contains(id.as_str())
                || (path.ends_with(".pdf") && squeezed.contains(id.as_str()))
            {
                found.push(format!("`{id}` in {path}"));
            }
        }
        for title in &titles {
            if text.contains(&normalise(title)) {
                found.push(format!("\"{title}\" in {path}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "later history (content/_later/) shows in the default build: {found:#?}"
    );
}
