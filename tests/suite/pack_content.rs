//! What the packs say, read back from the PDFs (SPEC §13.1, §13.3): human labels and
//! never a raw enum value, no page ending on a heading, no ID cut across lines, the
//! readiness date marked in the timeline with later events set apart, the cover with
//! its issued date and digest, the PDF dated the issued date, and the summary's charts
//! drawn as vector graphics with the numbers `assure status --format json` prints.
//! Both demo packs and the `tests/fixtures/pack` fixture (long hyphenated IDs, every
//! two-word status, events either side of the readiness date).

use crate::common;

use common::{crate_root, tool};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn assure() -> Command {
    Command::new(env!("CARGO_BIN_EXE_assure"))
}

fn build(content: &Path, out: &Path, extra: &[&str]) {
    let _ = std::fs::remove_dir_all(out);
    let o = assure()
        .args(["build", "--content"])
        .arg(content)
        .arg("--output")
        .arg(out)
        .args(extra)
        .output()
        .expect("run assure");
    assert!(
        o.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn out_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("assure-pack-content-{name}-{}", std::process::id()))
}

fn demo() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let dir = out_dir("demo");
        build(&crate_root().join("content"), &dir, &[]);
        common::add_pack_built_for(
            &crate_root().join("content"),
            &dir,
            "secretary-of-state",
            "report-to-secretary-of-state",
        );
        dir
    })
}

fn fixture() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let dir = out_dir("fixture");
        build(&crate_root().join("tests/fixtures/pack"), &dir, &[]);
        dir
    })
}

/// Every pack of both builds.
fn packs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [demo(), fixture()] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir.join("pdf"))
            .expect("pdf folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
            .collect();
        found.sort();
        out.extend(found);
    }
    assert!(
        out.len() >= 4,
        "expected both demo packs and two fixture packs"
    );
    out
}

fn text(pdf: &Path, args: &[&str]) -> String {
    let o = tool("pdftotext")
        .args(args)
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every record ID of a build, from its `data/records.json`.
fn ids(out: &Path) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("data/records.json")).expect("records.json"),
    )
    .expect("records.json is JSON");
    json["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn no_raw_enum_value_in_any_pack() {
    for pdf in packs() {
        // File paths (where evidence is held, SPEC §14.1) are written as they are named:
        // `evidence/files/case-audit-themes-2014.md` is a name, not a raw value.
        let all = text(&pdf, &[])
            .split_whitespace()
            .filter(|w| !w.contains('/'))
            .collect::<Vec<_>>()
            .join(" ");
        for raw in [
            "in-progress",
            "partially-met",
            "not-started",
            "priority-action",
            "not-met",
            "requires-improvement",
            "case-audit",
        ] {
            assert!(
                !all.contains(raw),
                "{}: the raw value `{raw}` is printed",
                pdf.display()
            );
        }
    }
    // The labels stand in their place.
    let full = text(&fixture().join("pdf/full-pack.pdf"), &[]);
    for word in ["Partially met", "In progress", "Not started", "Case audit"] {
        assert!(
            full.contains(word),
            "the fixture pack lacks the label {word:?}"
        );
    }
}

/// One run of text as `pdftohtml -xml` reports it (coordinates at 1.5 × points).
struct Run {
    top: f32,
    size: f32,
    bold: bool,
    text: String,
}

/// Each page's runs of body text (the marking, the footer and the header are left out).
fn body_runs(pdf: &Path) -> Vec<Vec<Run>> {
    let o = tool("pdftohtml")
        .args(["-xml", "-i", "-stdout"])
        .arg(pdf)
        .output()
        .expect("pdftohtml");
    let xml = String::from_utf8_lossy(&o.stdout).into_owned();
    let attr = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[at..].split('"').next()?.to_string())
    };
    let mut sizes = std::collections::HashMap::new();
    let mut pages = Vec::new();
    for line in xml.lines() {
        let line = line.trim();
        if line.starts_with("<page ") {
            pages.push(Vec::new());
        } else if line.starts_with("<fontspec ") {
            let id = attr(line, "id").unwrap_or_default();
            let size: f32 = attr(line, "size")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0.0);
            sizes.insert(id, size);
        } else if line.starts_with("<text ") {
            let top: f32 = attr(line, "top")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0.0);
            // The body is 68 pt to 64 pt from the foot of an A4 page; furniture is outside.
            if !(100.0..1160.0).contains(&top) {
                continue;
            }
            let font = attr(line, "font").unwrap_or_default();
            let inner = line.split_once('>').map_or("", |(_, r)| r);
            let plain: String = {
                let mut s = String::new();
                let mut in_tag = false;
                for c in inner.chars() {
                    match c {
                        '<' => in_tag = true,
                        '>' => in_tag = false,
                        c if !in_tag => s.push(c),
                        _ => {}
                    }
                }
                s
            };
            if let Some(page) = pages.last_mut() {
                page.push(Run {
                    top,
                    size: sizes.get(&font).copied().unwrap_or(0.0),
                    bold: inner.starts_with("<b>") || inner.contains("><b>"),
                    text: plain,
                });
            }
        }
    }
    pages
}

#[test]
fn no_page_ends_with_a_heading() {
    for pdf in packs() {
        let pages = body_runs(&pdf);
        // Page 1 is the cover, whose title is a heading with nothing after it on purpose.
        for (n, page) in pages.iter().enumerate().skip(1) {
            let Some(last_top) = page.iter().map(|r| r.top).reduce(f32::max) else {
                continue;
            };
            let last: Vec<&Run> = page
                .iter()
                .filter(|r| (r.top - last_top).abs() < 4.0 && !r.text.trim().is_empty())
                .collect();
            // Headings are bold and at least 10.5 pt (16 at pdftohtml's 1.5 zoom); bold
            // body text is 10 pt, table headers 9.
            let heading = !last.is_empty() && last.iter().all(|r| r.bold && r.size >= 15.5);
            let words: Vec<&str> = last.iter().map(|r| r.text.as_str()).collect();
            assert!(
                !heading,
                "{} page {}: ends with the heading {:?}",
                pdf.display(),
                n + 1,
                words.join(" ")
            );
        }
    }
}

#[test]
fn no_id_is_split_across_lines() {
    for (out, pdfs) in [
        (
            demo(),
            vec!["inspection-pack", "report-to-secretary-of-state"],
        ),
        (fixture(), vec!["full-pack", "short-pack"]),
    ] {
        let ids: Vec<String> = ids(out).into_iter().filter(|i| i.contains('-')).collect();
        assert!(!ids.is_empty());
        for name in pdfs {
            let pdf = out.join(format!("pdf/{name}.pdf"));
            // Raw order: each line of a table cell is a line of its own.
            let all = text(&pdf, &["-raw"]);
            for line in all.lines() {
                let Some(last) = line.split_whitespace().last() else {
                    continue;
                };
                let word = last.trim_start_matches(['(', '[', ';', ',']);
                if word.len() < 2 || !word.ends_with('-') {
                    continue;
                }
                if let Some(id) = ids.iter().find(|id| id.starts_with(word)) {
                    panic!("{name}: the ID `{id}` is cut after {word:?} in the line {line:?}");
                }
            }
            // And the long fixture IDs appear whole.
            if name == "full-pack" {
                for id in ["front-door-review-2014-r1", "act-threshold-doc-2014-01"] {
                    assert!(all.contains(id), "{name}: `{id}` never appears whole");
                }
            }
        }
    }
}

#[test]
fn the_timeline_marks_the_readiness_date_and_sets_later_events_apart() {
    let full = text(&fixture().join("pdf/full-pack.pdf"), &["-raw"]);
    let timeline = &full[full.rfind("\nTimeline").expect("a timeline section")..];
    let marker = timeline
        .find("Readiness date: 31 March 2015")
        .expect("the readiness date marked in the timeline");
    let after = timeline
        .find("After the readiness date")
        .expect("later events under their own heading");
    let before_event = timeline.find("Peer review team on site").expect("event");
    let later_event = timeline
        .find("Ofsted re-inspection expected")
        .expect("event");
    assert!(before_event < marker && marker < after && after < later_event);
    for pack in ["inspection-pack", "report-to-secretary-of-state"] {
        let all = text(&demo().join(format!("pdf/{pack}.pdf")), &[]);
        assert!(
            all.contains("Readiness date: 30 September 2014"),
            "{pack}: no readiness date marker in the timeline"
        );
    }
}

#[test]
fn the_cover_shows_the_issued_date_and_the_digest_and_dates_the_pdf() {
    let manifest = |out: &Path| -> String {
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).expect("manifest"))
                .expect("manifest is JSON");
        m["content_sha256"].as_str().expect("digest").to_string()
    };
    let info = |pdf: &Path| {
        String::from_utf8_lossy(&tool("pdfinfo").arg(pdf).output().expect("pdfinfo").stdout)
            .into_owned()
    };
    let cover = |pdf: &Path| text(pdf, &["-f", "1", "-l", "1"]);
    // `issued:` in site.yaml.
    let pdf = fixture().join("pdf/full-pack.pdf");
    let digest = manifest(fixture());
    let first = cover(&pdf);
    for wanted in [
        "Pack fixture site",
        "Fixture Borough Council",
        "Inspection team",
        "31 March 2015",
        "Issued",
        "10 April 2015",
        "OFFICIAL",
        &digest[..12],
    ] {
        assert!(
            first.contains(wanted),
            "the cover lacks {wanted:?}:\n{first}"
        );
    }
    assert!(
        !first.contains(&digest[..13]),
        "the cover shows more than 12 digits"
    );
    assert!(info(&pdf).contains("CreationDate:    Fri Apr 10 00:00:00 2015 UTC"));
    assert!(info(&pdf).contains("ModDate:         Fri Apr 10 00:00:00 2015 UTC"));
    // The end of the pack says so.
    let all = text(&pdf, &[]);
    assert!(
        all.contains("End of Full fixture pack"),
        "no end-of-pack line"
    );

    // `--issued` wins over site.yaml; without either, the readiness date.
    let out = out_dir("issued");
    build(
        &crate_root().join("tests/fixtures/pack"),
        &out,
        &["--issued", "2015-05-01"],
    );
    let pdf = out.join("pdf/short-pack.pdf");
    assert!(cover(&pdf).contains("1 May 2015"));
    assert!(info(&pdf).contains("CreationDate:    Fri May  1 00:00:00 2015 UTC"));
    let pdf = demo().join("pdf/inspection-pack.pdf");
    let first = cover(&pdf);
    assert!(first.contains("Issued") && first.contains("30 September 2014"));
    assert!(first.contains(&manifest(demo())[..12]));
    let _ = std::fs::remove_dir_all(out);
}

/// The page (from 1) whose text holds `needle`.
fn page_with(pdf: &Path, needle: &str) -> usize {
    let all = text(pdf, &[]);
    let at = all.find(needle).unwrap_or_else(|| panic!("no {needle:?}"));
    all[..at].matches('\u{c}').count() + 1
}

#[test]
fn the_summary_draws_the_charts_with_the_status_numbers() {
    let s = common::status_json(&crate_root().join("content"), "inspector");
    let pdf = demo().join("pdf/inspection-pack.pdf");
    let page = page_with(&pdf, "Actions by RAG rating");
    let all = text(&pdf, &[])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let r = &s["readiness"];
    // Both headline figures, met and evidenced first (SPEC §14.3).
    assert!(all.contains(&format!(
        "{} of {} recommendations met and evidenced ({:.1} %); {} of {} have current evidence ({:.1} %)",
        r["met_evidenced"],
        r["counted"],
        r["met_evidenced_percent"].as_f64().unwrap_or(0.0),
        r["evidenced"],
        r["counted"],
        r["percent"].as_f64().unwrap_or(0.0)
    )));
    let rag: Vec<String> = ["red", "amber", "green", "blue"]
        .iter()
        .map(|k| {
            let word = format!("{}{}", k[..1].to_uppercase(), &k[1..]);
            format!("{word} {}", s["actions"]["by_rag"][k].as_u64().unwrap_or(0))
        })
        .collect();
    assert!(
        all.contains(&rag.join(", ")),
        "the RAG chart's numbers ({}) are not in the pack",
        rag.join(", ")
    );
    for (state, n) in s["evidence"]["by_state"].as_object().expect("by_state") {
        // Each state by its label; `empty` reads "Nothing held" (SPEC §14.1).
        let word = match state.as_str() {
            "empty" => "Nothing held".to_string(),
            _ => format!("{}{}", state[..1].to_uppercase(), &state[1..]),
        };
        assert!(all.contains(&format!("{word} {n}")), "no {word} {n}");
    }

    // The drawing itself: filled rectangles in the chart colours, and the timeline's
    // dots as Bézier circles, on the summary's pages.
    let doc = lopdf::Document::load(&pdf).expect("lopdf");
    let pages = doc.get_pages();
    let content = |n: usize| -> String {
        let id = pages[&(n as u32)];
        String::from_utf8_lossy(&doc.get_page_content(id)).into_owned()
    };
    let rag_page = content(page);
    // Green of the chart palette (0x0d 0x5a 0x32) as a fill colour, then rectangles.
    assert!(rag_page.contains("0.051 0.353 0.196 rg"), "no chart green");
    assert!(rag_page.matches(" re f").count() >= 4, "no bars drawn");
    let timeline = content(page_with(&pdf, "Readiness date 30 September 2014"));
    assert!(timeline.matches(" c\n").count() >= 8, "no circles drawn");
}

/// A chart never ends a page without its summary: the sentence that gives its numbers
/// starts on the page its drawing is on (the readiness-over-time chart once ended page 7
/// with its words on page 8).
#[test]
fn each_chart_shares_its_page_with_its_summary() {
    let pdf = demo().join("pdf/inspection-pack.pdf");
    let all = text(&pdf, &[]);
    let pages: Vec<&str> = all.split('\u{c}').collect();
    for (title, summary) in [
        ("Actions by RAG rating", "actions rated:"),
        ("Evidence by state", "evidence records:"),
        ("Readiness over time", "Readiness at each date —"),
    ] {
        // The page of the summary also holds the chart's heading, above it.
        let (n, page) = pages
            .iter()
            .enumerate()
            .find(|(_, p)| p.contains(summary))
            .unwrap_or_else(|| panic!("no summary {summary:?} in the pack"));
        let at = page.find(summary).expect("summary");
        assert!(
            page[..at].lines().any(|l| l.trim() == title),
            "the summary of the chart {title:?} on page {} is not on the page of its drawing",
            n + 1
        );
    }
}

/// With several baselines the pack draws readiness over time (SPEC §13.5), as the
/// site does: bars in the chart's green on the summary's page and the changes section's.
#[test]
fn readiness_over_time_is_drawn_in_the_pack() {
    let pdf = demo().join("pdf/inspection-pack.pdf");
    let all = text(&pdf, &[]);
    let pages: Vec<&str> = all.split('\u{c}').collect();
    let doc = lopdf::Document::load(&pdf).expect("lopdf");
    let ids = doc.get_pages();
    let drawn: Vec<usize> = pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.lines().any(|l| l.trim() == "Readiness over time"))
        .map(|(n, _)| n + 1)
        .collect();
    assert_eq!(drawn.len(), 2, "summary and changes section: {drawn:?}");
    for n in drawn {
        let content = String::from_utf8_lossy(&doc.get_page_content(ids[&(n as u32)])).into_owned();
        assert!(
            content.contains("0.051 0.353 0.196 rg") && content.matches(" re f").count() >= 3,
            "page {n} names readiness over time but draws no bars"
        );
    }
}

/// One colour per meaning (SPEC §14.5), in the pack as on the site: the site's tags take
/// their coloured edge from the `--fill-…` colours of the theme, which are the colours
/// charts draw (the browser check compares tags and SVG charts); here the pack's own
/// drawing operators are sampled. Every fill colour on the summary's chart pages is one
/// of the palette's; the readiness bar draws met and evidenced in blue (done), and the
/// chart of recommendations by status draws "in progress" (teal) apart from "partially
/// met" (amber).
#[test]
fn the_pack_draws_each_value_in_its_one_colour() {
    use assure::charts::rgb;
    use assure::present::{tone, TONES};
    let css = std::fs::read_to_string(crate_root().join("themes/default/static/style.css"))
        .expect("the theme's style sheet");
    for t in TONES {
        let (r, g, b) = rgb(t);
        let want = format!("--fill-{t}: #{r:02x}{g:02x}{b:02x};");
        assert!(css.contains(&want), "the theme lacks `{want}`");
    }
    let pdf = demo().join("pdf/inspection-pack.pdf");
    let doc = lopdf::Document::load(&pdf).expect("lopdf");
    let pages = doc.get_pages();
    let fills = |n: usize| -> Vec<(u8, u8, u8)> {
        let content =
            String::from_utf8_lossy(&doc.get_page_content(pages[&(n as u32)])).into_owned();
        // A fill colour and the rectangle it fills: bars and legend swatches (rules and
        // other page furniture are thinner than 8 pt).
        let op = regex::Regex::new(
            r"(?m)^([0-9.]+) ([0-9.]+) ([0-9.]+) rg\s+[0-9.-]+ [0-9.-]+ [0-9.]+ ([0-9.]+) re f",
        )
        .expect("a pattern");
        op.captures_iter(&content)
            .filter(|c| c[4].parse::<f32>().unwrap_or(0.0) >= 8.0)
            .map(|c| {
                let v = |i: usize| (c[i].parse::<f32>().unwrap_or(-1.0) * 255.0).round() as u8;
                (v(1), v(2), v(3))
            })
            .collect()
    };
    let palette: Vec<(u8, u8, u8)> = TONES
        .iter()
        .chain(&["track", "muted", "white", "ink"])
        .map(|t| rgb(t))
        .collect();
    let readiness = page_with(&pdf, "Met and evidenced:");
    let by_review = page_with(&pdf, "Recommendations by status, for each source review");
    for n in [readiness, by_review] {
        for c in fills(n) {
            assert!(
                palette.contains(&c),
                "page {n} fills with {c:?}, not a palette colour"
            );
        }
    }
    let on = |n: usize, word: &str| fills(n).contains(&rgb(tone(word)));
    assert!(
        on(readiness, "met"),
        "the readiness bar draws no blue for met and evidenced"
    );
    assert!(on(readiness, "evidenced") && on(readiness, "not-evidenced"));
    assert_ne!(tone("in-progress"), tone("partially-met"));
    assert!(on(by_review, "in-progress") && on(by_review, "partially-met"));
    // Blue is done and nothing else.
    for word in [
        "in-progress",
        "open",
        "current",
        "evidenced",
        "green",
        "outstanding",
    ] {
        assert_ne!(tone(word), "blue", "{word} is drawn blue");
    }
}
