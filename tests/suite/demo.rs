//! The demo tells its story as of its readiness date (issue 17): the default build of
//! `content/` presents nothing dated after `as_of` as known. Later history lives in
//! `content/_later/`, which Assure does not read; this test keeps it out of every output
//! — the records, every site page (lists, the dashboard, record pages) and both packs
//! read back with `pdftotext`.
//!
//! This test is about the demo, so it reads the demo's own files; it hard-codes no
//! figures.

use crate::common;

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

/// Each record's dates that fall after `as_of`, as "id (field: date)": its own date,
/// approval, review, completion, sign-off and agreement.
fn dated_after(records: &[serde_json::Value], as_of: &str) -> Vec<String> {
    let mut late = Vec::new();
    for rec in records {
        let id = rec["id"].as_str().unwrap_or("?");
        let dates = ["date", "approved", "reviewed", "completed"]
            .into_iter()
            .map(|f| (f.to_string(), &rec[f]))
            .chain(["signed_off", "agreed"].map(|f| (format!("{f}.on"), &rec[f]["on"])));
        for (field, value) in dates {
            if let Some(d) = value.as_str() {
                if first_day(d).as_str() > as_of {
                    late.push(format!("{id} ({field}: {d})"));
                }
            }
        }
    }
    late
}

/// Each pack of the demo build and its text, as `pdftotext` reads it.
fn pack_texts() -> Vec<(String, String)> {
    files_under(&demo().join("pdf"))
        .into_iter()
        .map(|pdf| {
            let o = tool("pdftotext")
                .args(["-enc", "UTF-8"])
                .arg(&pdf)
                .arg("-")
                .output()
                .expect("pdftotext");
            (
                pdf.display().to_string(),
                String::from_utf8_lossy(&o.stdout).into_owned(),
            )
        })
        .collect()
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read records.json"))
        .unwrap_or_else(|e| panic!("{} parses: {e}", path.display()))
}

#[test]
fn no_record_in_the_demo_is_dated_after_its_readiness_date() {
    let json = read_json(&demo().join("data/records.json"));
    let as_of = json["as_of"].as_str().expect("as_of").to_string();
    let records = json["records"].as_array().expect("records");
    assert!(records.len() > 100, "expected the demo's records");
    let late = dated_after(records, &as_of);
    assert!(
        late.is_empty(),
        "the demo is the position on {as_of}, yet these records are dated after it: {late:?}; \
         move later history to content/_later/ (see content/_README.md)"
    );
}

/// Each baseline (issue 30) would pass as the output of its own day: no record,
/// sign-off or completion dated after its readiness date, no record naming one that
/// did not exist yet, no action complete or recommendation met on the strength of an
/// action completed later, and its figures are the ones its own records give.
#[test]
fn each_baseline_is_the_content_as_it_stood_on_its_date() {
    let dir = crate_root().join("content/_baselines");
    let mut seen = 0;
    for path in files_under(&dir) {
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        seen += 1;
        let name = path.display().to_string();
        let json = read_json(&path);
        let as_of = json["as_of"].as_str().expect("as_of").to_string();
        let records = json["records"].as_array().expect("records");
        let late = dated_after(records, &as_of);
        assert!(
            late.is_empty(),
            "{name}: records dated after {as_of}: {late:?}"
        );

        // Every record a baseline names is in it.
        let ids: std::collections::BTreeSet<&str> =
            records.iter().filter_map(|r| r["id"].as_str()).collect();
        for rec in records {
            for field in [
                "source",
                "plan",
                "objective",
                "addresses",
                "supports",
                "related",
                "refs",
            ] {
                let named: Vec<&serde_json::Value> = match &rec[field] {
                    serde_json::Value::Array(items) => items.iter().collect(),
                    serde_json::Value::Null => vec![],
                    one => vec![one],
                };
                for item in named {
                    let id = item["id"].as_str().or(item.as_str()).unwrap_or("?");
                    assert!(
                        ids.contains(id),
                        "{name}: {} names {id} in `{field}`, which did not exist yet on {as_of}",
                        rec["id"]
                    );
                }
            }
        }

        // Its figures are its records' own.
        let recs: Vec<&serde_json::Value> = records
            .iter()
            .filter(|r| r["type"] == "recommendation")
            .collect();
        let counted = recs.iter().filter(|r| r["status"] != "superseded").count();
        let evidenced = recs
            .iter()
            .filter(|r| r["status"] != "superseded" && r["derived"]["evidenced"] == true)
            .count();
        let readiness = &json["status"]["readiness"];
        assert_eq!(readiness["counted"], counted, "{name}: counted");
        assert_eq!(readiness["evidenced"], evidenced, "{name}: evidenced");
        assert!(evidenced <= counted, "{name}: {evidenced} of {counted}");
        let mut by_status = std::collections::BTreeMap::new();
        for r in &recs {
            *by_status
                .entry(r["status"].as_str().unwrap_or("?"))
                .or_insert(0) += 1;
        }
        let stated: std::collections::BTreeMap<&str, u64> = json["status"]["recommendations"]
            ["by_status"]
            .as_object()
            .expect("by_status")
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_u64().unwrap_or(0)))
            .collect();
        let counted_by_status: std::collections::BTreeMap<&str, u64> =
            by_status.into_iter().map(|(k, v)| (k, v as u64)).collect();
        assert_eq!(
            stated, counted_by_status,
            "{name}: recommendations by status"
        );

        // Nothing complete or met before the action behind it was done.
        let completed_later: std::collections::BTreeSet<&str> = records
            .iter()
            .filter(|r| r["type"] == "action" && r["status"] == "complete")
            .filter(|r| r["completed"].as_str().is_none_or(|d| first_day(d) > as_of))
            .filter_map(|r| r["id"].as_str())
            .collect();
        assert!(
            completed_later.is_empty(),
            "{name}: actions complete with no completion on or before {as_of}: {completed_later:?}"
        );
    }
    assert!(
        seen >= 2,
        "expected the demo's two baselines in {}",
        dir.display()
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
    for (path, text) in pack_texts() {
        let normalised = normalise(&text);
        outputs.push((path, text, normalised));
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

/// SPEC §14.4: a met recommendation is never past due, so the dashboard's "Past due"
/// group of recommendations without current evidence holds only the past-due ones that
/// `status` lists (a met one whose evidence lapsed showed there with "548 days past
/// due").
#[test]
fn the_dashboards_past_due_group_holds_no_met_recommendation() {
    let html = std::fs::read_to_string(demo().join("site/index.html")).expect("dashboard");
    let start = html
        .find("<h4 class=\"gap-group\">Past due")
        .expect("a Past due group of recommendations without current evidence");
    let group = &html[start..];
    let group = &group[..group.find("</table>").expect("its table")];
    let json = read_json(&demo().join("data/records.json"));
    let past_due: Vec<String> = json["status"]["past_due"]
        .as_array()
        .expect("status past_due")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    for id in regex::Regex::new(r#"<span class="id">([^<]+)</span>"#)
        .expect("pattern")
        .captures_iter(group)
    {
        assert!(
            past_due.contains(&id[1].to_string()),
            "{} is in the dashboard's Past due group but not past due (met, or not late): {past_due:?}",
            &id[1]
        );
    }
    assert!(
        !group.contains(">Met</strong>"),
        "a met recommendation shows as past due"
    );
}

/// Issue 30: a record that adds detail no source gives is marked `illustrative:`, and
/// the note travels with it: on its own site page and in every pack that shows it (a
/// pack whose text has the record's title carries the note too, or, naming a record it
/// leaves out, says it is illustrative), never only on the About page.
#[test]
fn every_illustrative_record_shows_its_note_on_its_page_and_in_each_pack() {
    let json = read_json(&demo().join("data/records.json"));
    let records = json["records"].as_array().expect("records");
    let marked: Vec<&serde_json::Value> = records
        .iter()
        .filter(|r| r["illustrative"].as_str().is_some())
        .collect();
    assert!(
        marked.len() >= 10,
        "expected the demo's illustrative records (front door, quality assurance, Programme Board, budget, thresholds), found {}",
        marked.len()
    );
    // The words every note opens with, then the record's own reason.
    let opening = "An illustration, not a statement of fact.";
    let packs: Vec<(String, String)> = pack_texts()
        .into_iter()
        .map(|(path, text)| (path, normalise(&text)))
        .collect();
    assert!(packs.len() >= 2, "both packs must be read");
    let mut missing = Vec::new();
    let mut shown_in_packs = 0;
    for rec in &marked {
        let id = rec["id"].as_str().expect("id");
        let title = normalise(rec["title"].as_str().expect("title"));
        let why = normalise(rec["illustrative"].as_str().expect("note"));
        // The first words of the reason: a long note may break across a page in a
        // pack's table, and pdftotext then puts the page's furniture inside it.
        let start: String = why.split(' ').take(8).collect::<Vec<_>>().join(" ");
        let url = rec["page"].as_str().expect("page");
        let page =
            html_text(&std::fs::read_to_string(demo().join(url)).expect("the record's page"));
        if !page.contains(&format!("{opening} {why}")) {
            missing.push(format!("{id}: its page {url}"));
        }
        for (path, text) in &packs {
            if !text.contains(&title) {
                continue;
            }
            shown_in_packs += 1;
            // Shown in the pack, with its note; or named only, as an illustration: with
            // its ID (`references: note`) or by its title alone (`hide`, as a letter).
            let noted = format!("{title} ({id}, not in this pack) — illustrative");
            let titled = format!("{title} — illustrative");
            if !text.contains(&format!("{opening} {start}"))
                && !text.contains(&noted)
                && !text.contains(&titled)
            {
                missing.push(format!("{id}: {path}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "records marked illustrative without their note: {missing:#?}"
    );
    assert!(
        shown_in_packs >= marked.len(),
        "the inspection pack shows every record type the demo marks, so each note is read in a pack"
    );
}

/// Issue 30: the accessibility statement is not dated with the readiness date (it cites
/// the 2018 regulations and WCAG 2.2, which a statement of 2014 could not). The demo
/// gives no `prepared` date, so the statement says none is recorded.
#[test]
fn the_accessibility_statement_is_not_dated_with_the_readiness_date() {
    let page = html_text(
        &std::fs::read_to_string(demo().join("site/accessibility.html")).expect("statement"),
    );
    assert!(
        !page.contains("prepared on 30 September 2014"),
        "the statement claims to be prepared on the readiness date: {page}"
    );
    assert!(
        page.contains("No date of preparation is recorded for this statement."),
        "{page}"
    );
}
