//! Indicators and risks (SPEC §14.9) in every output, against figures worked out by hand.
//!
//! `tests/fixtures/indicators/` holds indicators of both polarities, written in any
//! order, with partial periods (a year, a month, a day), one read from a CSV file, one
//! with no figure in the year before the readiness date and one retired; and risks open,
//! mitigated and closed, one past its review date. Each record's comments work out its
//! figures; this test holds every output to them: `status --format json`,
//! `data/records.json`, the CSV trackers, the workbook, the Indicators and Risks pages,
//! each indicator's page, the pages of the records they relate to, and the dashboard's
//! tiles. It also checks that indicators and risks never change readiness, and that an
//! indicator withheld from an audience is in none of its output.

use crate::common;

use common::{assure, browser, browser_with, crate_root};
use serde_json::Value;
use std::path::{Path, PathBuf};

const FIXTURE: &str = "tests/fixtures/indicators";

/// The hand-worked facts of each indicator: latest value and period, against target,
/// trend, and no figure in the year before the readiness date.
type Facts = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    bool,
);
const INDICATORS: &[Facts] = &[
    (
        "agency",
        "28.5",
        "2014-03",
        Some("off-target"),
        Some("improving"),
        false,
    ),
    (
        "caseload",
        "19",
        "2014-03",
        Some("off-target"),
        Some("improving"),
        false,
    ),
    (
        "on-time",
        "82",
        "2014-06",
        Some("on-target"),
        Some("flat"),
        false,
    ),
    ("retired", "40", "2011", None, None, true),
    ("visits", "5", "2012-06", Some("on-target"), None, true),
];

/// Each risk's score and whether its review is overdue.
const RISKS: &[(&str, u64, bool)] = &[
    ("risk-1", 20, true),
    ("risk-2", 6, false),
    ("risk-3", 1, false),
];

fn build(content: &Path, audience: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("out");
    let run = assure(
        &[
            "build".as_ref(),
            "--content".as_ref(),
            content.as_os_str(),
            "--audience".as_ref(),
            audience.as_ref(),
            "--output".as_ref(),
            out.as_os_str(),
        ],
        &crate_root(),
    );
    assert_eq!(
        run.end,
        common::End::Exited(0),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    (dir, out)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn ids(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("a list of IDs, not {v}"))
        .iter()
        .map(|x| x.as_str().expect("an ID"))
        .collect()
}

/// A CSV tracker as rows of named cells.
fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let text = read(path);
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let head: Vec<String> = r
        .headers()
        .expect("headings")
        .iter()
        .map(String::from)
        .collect();
    r.records()
        .map(|row| {
            let row = row.expect("a row");
            head.iter()
                .cloned()
                .zip(row.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// The `<tr>` of a list page that links to a record's page.
fn row_of<'a>(html: &'a str, page: &str) -> &'a str {
    let at = html
        .find(&format!("href=\"../{page}\""))
        .unwrap_or_else(|| panic!("no link to {page}"));
    let start = html[..at].rfind("<tr").expect("a row");
    let end = at + html[at..].find("</tr>").expect("a row's end");
    &html[start..end]
}

#[test]
fn hand_worked_figures_in_every_output() {
    let content = crate_root().join(FIXTURE);
    let (_dir, out) = build(&content, "inspector");

    // Status JSON.
    let status = common::status_json(&content, "inspector");
    let ind = &status["indicators"];
    assert_eq!(ids(&ind["off_target"]), ["agency", "caseload"]);
    assert_eq!(ids(&ind["on_target"]), ["on-time", "visits"]);
    assert_eq!(
        ids(&ind["no_recent_value"]),
        ["visits"],
        "a retired indicator is not warned"
    );
    assert_eq!(
        ind["by_status"],
        serde_json::json!({"active": 4, "retired": 1})
    );
    assert_eq!(ids(&status["risks"]["review_overdue"]), ["risk-1"]);

    // records.json: the same figures, as data.
    let records: Value = serde_json::from_str(&read(&out.join("data/records.json"))).expect("JSON");
    let by_id = |id: &str| -> Value {
        records["records"]
            .as_array()
            .expect("records")
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} in records.json"))
            .clone()
    };
    assert_eq!(records["status"]["indicators"], status["indicators"]);
    let text = |v: &Value| match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    for (id, value, period, against, trend, stale) in INDICATORS {
        let d = &by_id(id)["derived"];
        assert_eq!(text(&d["latest_value"]).as_deref(), Some(*value), "{id}");
        assert_eq!(d["latest_period"], *period, "{id}");
        assert_eq!(text(&d["against_target"]).as_deref(), *against, "{id}");
        assert_eq!(text(&d["trend"]).as_deref(), *trend, "{id}");
        assert_eq!(d["no_recent_value"], *stale, "{id}");
    }
    // The CSV file's figures are the indicator's, its note kept.
    assert_eq!(
        by_id("agency")["values"],
        serde_json::json!([{"period": "2013-12", "value": 32},
                           {"period": "2014-03", "value": 28.5, "note": "provisional, to be confirmed"}])
    );
    for (id, score, overdue) in RISKS {
        let d = &by_id(id)["derived"];
        assert_eq!(d["score"], *score, "{id}");
        assert_eq!(d["review_overdue"], *overdue, "{id}");
    }

    // The CSV trackers.
    let rows = csv_rows(&out.join("data/indicator.csv"));
    for (id, value, period, against, trend, stale) in INDICATORS {
        let r = rows.iter().find(|r| r["id"] == *id).expect("a row");
        assert_eq!(r["latest_value"], *value, "{id}");
        assert_eq!(r["latest_period"], *period, "{id}");
        assert_eq!(r["against_target"], against.unwrap_or(""), "{id}");
        assert_eq!(r["trend"], trend.unwrap_or(""), "{id}");
        assert_eq!(
            r["no_recent_value"],
            if *stale { "yes" } else { "no" },
            "{id}"
        );
    }
    let rows = csv_rows(&out.join("data/risk.csv"));
    for (id, score, overdue) in RISKS {
        let r = rows.iter().find(|r| r["id"] == *id).expect("a row");
        assert_eq!(r["score"], score.to_string(), "{id}");
        assert_eq!(
            r["review_overdue"],
            if *overdue { "yes" } else { "no" },
            "{id}"
        );
    }

    // The workbook: a sheet each, the figures as numbers.
    {
        use calamine::{Data, Reader};
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook(out.join("data/tracker.xlsx")).expect("the workbook opens");
        let sheet = wb
            .worksheet_range("Indicators")
            .expect("an Indicators sheet");
        let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
        let col = |name: &str| {
            rows[0]
                .iter()
                .position(|c| *c == Data::String(name.into()))
                .unwrap_or_else(|| panic!("column {name}"))
        };
        let (id_col, latest, against) = (col("ID"), col("Latest value"), col("Against target"));
        let caseload = rows
            .iter()
            .find(|r| r[id_col] == Data::String("caseload".into()))
            .expect("caseload's row");
        assert_eq!(caseload[latest], Data::Float(19.0));
        assert_eq!(caseload[against].to_string(), "Off target");
        let sheet = wb.worksheet_range("Risks").expect("a Risks sheet");
        let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
        let score = rows[0]
            .iter()
            .position(|c| *c == Data::String("Score".into()))
            .expect("Score");
        let risk1 = rows
            .iter()
            .find(|r| r[0] == Data::String("risk-1".into()))
            .expect("risk-1");
        assert_eq!(risk1[score], Data::Float(20.0));
    }

    // The Indicators page: latest figure with its sparkline, target and tags.
    let site = out.join("site");
    let list = read(&site.join("indicators/index.html"));
    let row = row_of(&list, "indicators/caseload.html");
    for want in [
        "19 (March 2014)",
        "class=\"sparkline\"",
        ">18<",
        "tag-red\">Off target",
        "tag-green\">Improving",
    ] {
        assert!(row.contains(want), "caseload's row lacks {want}:\n{row}");
    }
    let row = row_of(&list, "indicators/on-time.html");
    for want in [
        "82 % (June 2014)",
        "80 %",
        "tag-green\">On target",
        ">No change<",
    ] {
        assert!(row.contains(want), "on-time's row lacks {want}:\n{row}");
    }
    // Sparklines are hidden from screen readers: the text beside them says it all.
    assert!(list.matches("<svg class=\"sparkline\"").count() == 5);
    assert!(!list
        .contains("class=\"sparkline\" viewBox=\"0 0 96 24\" width=\"96\" height=\"24\" role="));

    // Each indicator's page: the line chart with its target line and the figures in a
    // table, earliest first whatever the written order.
    let page = read(&site.join("indicators/caseload.html"));
    assert!(
        page.contains("role=\"img\""),
        "a chart with an accessible name"
    );
    assert!(page.contains("stroke-dasharray"), "the target line");
    assert!(page.contains("the latest, for March 2014, is 19, against a target of 18 (off target); improving on the figure before."));
    let periods: Vec<&str> = page
        .split("<th scope=\"row\" data-label=\"Period\">")
        .skip(1)
        .map(|s| &s[..s.find('<').expect("cell end")])
        .collect();
    assert_eq!(periods, ["June 2013", "September 2013", "March 2014"]);
    assert!(page.contains("After the recruitment drive"));
    let page = read(&site.join("indicators/on-time.html"));
    let periods: Vec<&str> = page
        .split("<th scope=\"row\" data-label=\"Period\">")
        .skip(1)
        .map(|s| &s[..s.find('<').expect("cell end")])
        .collect();
    assert_eq!(
        periods,
        ["2013", "31 March 2014", "June 2014"],
        "partial periods by their last day"
    );

    // The records they relate to list them.
    let rec = read(&site.join("recommendations/rec-1.html"));
    assert!(
        rec.contains("href=\"../indicators/caseload.html\"")
            && rec.contains("href=\"../indicators/agency.html\"")
    );
    let obj = read(&site.join("objectives/obj-1.html"));
    assert!(obj.contains("href=\"../indicators/on-time.html\""));

    // The Risks page: the grid and the register.
    let risks = read(&site.join("risks/index.html"));
    assert!(risks.contains("id=\"chart-risk-grid\""));
    assert!(risks.contains("2 risks not closed: 0 low risk (score 1–4), 1 medium risk (score 5–9), 1 high risk (score 10–25)."));
    let row = row_of(&risks, "risks/risk-1.html");
    assert!(
        row.contains("20 <strong class=\"tag tag-red\">High risk")
            && row.contains("Review overdue"),
        "{row}"
    );
    let row = row_of(&risks, "risks/risk-3.html");
    assert!(
        !row.contains("Review overdue"),
        "a closed risk is never overdue:\n{row}"
    );

    // The dashboard's tiles.
    let dash = read(&site.join("index.html"));
    assert!(dash.contains("href=\"indicators/index.html\"><span class=\"gap-number\">2</span> <span class=\"gap-label\">indicators off target</span>"));
    assert!(dash.contains("href=\"risks/index.html\"><span class=\"gap-number\">1</span> <span class=\"gap-label\">risk reviews overdue</span>"));
}

#[test]
fn indicators_and_risks_never_change_readiness() {
    let content = crate_root().join(FIXTURE);
    let with = common::status_json(&content, "inspector");
    let dir = tempfile::tempdir().expect("a temporary folder");
    for entry in walkdir(&content) {
        let rel = entry.strip_prefix(&content).expect("inside");
        let first = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        if matches!(first.as_deref(), Some("indicators" | "risks")) {
            continue;
        }
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().expect("a folder")).expect("mkdir");
        std::fs::copy(&entry, &to).expect("copy");
    }
    let without = common::status_json(dir.path(), "inspector");
    assert_eq!(with["readiness"], without["readiness"]);
    assert!(without.get("indicators").is_none() && without.get("risks").is_none());
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    common::files_under(dir)
}

#[test]
fn a_withheld_indicator_is_in_none_of_its_audiences_output() {
    let content = crate_root().join(FIXTURE);
    let status = common::status_json(&content, "public");
    assert_eq!(ids(&status["indicators"]["off_target"]), ["caseload"]);
    let (_dir, out) = build(&content, "public");
    for file in common::files_under(&out) {
        let bytes = std::fs::read(&file).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        for secret in [
            "Agency social workers",
            "agency.csv",
            "provisional, to be confirmed",
        ] {
            assert!(!text.contains(secret), "{} holds {secret}", file.display());
        }
    }
    let dash = read(&out.join("site/index.html"));
    assert!(dash.contains("<span class=\"gap-number\">1</span> <span class=\"gap-label\">indicators off target</span>"));
}

/// The pack's `indicators` and `risks` sections (SPEC §14.9): the figures of the site,
/// each chart a figure whose alternative text gives its numbers, tables with headers,
/// and PDF/UA-1 by the validator.
#[test]
fn the_pack_sections_show_the_figures_as_tagged_vector_charts() {
    use page_validation::{validate_pdf, ValidationOptions, ValidationProfile};
    let content = crate_root().join(FIXTURE);
    let (dir, out) = build(&content, "inspector");
    let pdf = out.join("pdf/performance.pdf");
    let text = String::from_utf8_lossy(
        &common::tool("pdftotext")
            .args(["-layout".as_ref(), pdf.as_os_str(), "-".as_ref()])
            .output()
            .expect("pdftotext")
            .stdout,
    )
    .into_owned();
    let squeezed = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = squeezed(&text);
    for want in [
        "Indicator Latest Period Target Against target Trend Status",
        "Agency social workers (agency, p. 6) 28.5 % March 2014 15 % Off target Improving Active",
        "82 % June 2014 80 % On target No change Active",
        "Risk Owner Likelihood Impact Score Review by Mitigations Status",
        "2 risks not closed: 0 low risk (score 1–4), 1 medium risk (score 5–9), 1 high risk (score 10–25).",
    ] {
        assert!(flat.contains(want), "the pack lacks {want:?}:\n{text}");
    }
    // The register's cells, as the tagged structure reads them (wrapped in the layout).
    let tagged = String::from_utf8_lossy(
        &common::tool("pdfinfo")
            .args(["-struct-text".as_ref(), pdf.as_os_str()])
            .output()
            .expect("pdfinfo -struct-text")
            .stdout,
    )
    .into_owned();
    for cell in [
        "\"20 (high risk)\"",
        "\"June 2014 (review overdue)\"",
        "\"6 (medium risk)\"",
    ] {
        assert!(
            tagged.contains(cell),
            "no cell {cell} in the tagged register"
        );
    }
    assert!(tagged.contains("TH:"), "tables have header cells");
    // Every chart is a figure with its numbers as alternative text.
    let qdf = dir.path().join("pack.qdf.pdf");
    let q = common::tool("qpdf")
        .args([
            "--qdf".as_ref(),
            "--object-streams=disable".as_ref(),
            pdf.as_os_str(),
            qdf.as_os_str(),
        ])
        .status()
        .expect("qpdf");
    assert!(q.success());
    let alts = alt_texts(&String::from_utf8_lossy(
        &std::fs::read(&qdf).expect("read"),
    ));
    for alt in [
        "Average caseload per social worker over time. 3 figures from June 2013 to March 2014; the latest, for March 2014, is 19, against a target of 18 (off target); improving on the figure before.",
        "Visits within timescale over time. 1 figure, for June 2012: 5, against a target of 3 (on target).",
        "Risks by likelihood and impact. 2 risks not closed: 0 low risk (score 1–4), 1 medium risk (score 5–9), 1 high risk (score 10–25).",
    ] {
        assert!(alts.iter().any(|a| a.starts_with(alt)), "no figure with {alt:?} in {alts:#?}");
    }
    let report = validate_pdf(
        &pdf,
        &ValidationOptions::default().profile(ValidationProfile::PdfUa1),
    )
    .expect("the validator reads the pack");
    assert!(
        report.is_compliant && report.failures.is_empty() && report.rules.failed == 0,
        "{report}"
    );
}

/// The `/Alt` strings of a PDF written out by `qpdf --qdf`: literal strings with their
/// escapes undone, and hex strings (UTF-16 with a byte-order mark) decoded.
fn alt_texts(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in raw.split("/Alt ").skip(1) {
        if let Some(hex) = part.strip_prefix("<feff") {
            let digits: String = hex.chars().take_while(|c| *c != '>').collect();
            let units: Vec<u16> = (0..digits.len() / 4)
                .filter_map(|k| u16::from_str_radix(&digits[k * 4..k * 4 + 4], 16).ok())
                .collect();
            out.push(String::from_utf16_lossy(&units));
        } else if let Some(lit) = part.strip_prefix('(') {
            let mut text = String::new();
            let mut chars = lit.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => text.extend(chars.next()),
                    ')' => break,
                    c => text.push(c),
                }
            }
            out.push(text);
        }
    }
    out
}

/// The Indicators and Risks pages and each indicator's page pass axe-core at 1280, 390
/// and 320 px with nothing overflowing (the risks page once put its chart's heading
/// straight under the page's), and pa11y's WCAG 2 AA checks.
#[test]
fn browser_audits_the_indicator_and_risk_pages() {
    let content = crate_root().join(FIXTURE);
    let (_dir, out) = build(&content, "inspector");
    let site = out.join("site");
    // site-check audits one page of every kind, these among them (it names a page only
    // when it fails; pa11y names each).
    let report = browser("site-check.js", &site);
    assert!(report.contains("axe-core"), "{report}");
    let report = browser("pa11y-check.js", &site);
    for page in [
        "indicators/index.html",
        "risks/index.html",
        "indicators/agency.html",
    ] {
        assert!(
            report.contains(page),
            "pa11y did not audit {page}:\n{report}"
        );
    }
    // The inspector's check: one colour per meaning on tags and charts (the risk grid's
    // legend, each indicator's latest figure) and chart text of 9.5 px or more at 390 px
    // on the risk grid and every indicator's chart, against `status`'s figures.
    let status = out.join("status.json");
    let run = assure(
        &[
            "status".as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
            "--content".as_ref(),
            content.as_os_str(),
            "--audience".as_ref(),
            "inspector".as_ref(),
        ],
        &crate_root(),
    );
    assert_eq!(run.end, common::End::Exited(0), "{}", run.stderr);
    std::fs::write(&status, &run.stdout).unwrap();
    let report = browser_with("inspector-check.js", &site, &[&status]);
    assert!(
        report.contains("chart text is 9.5 px or more at 390 px") && report.contains("High risk"),
        "{report}"
    );
}
