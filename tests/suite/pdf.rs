//! PDF packs read back: the demo packs built by `assure build`, checked with poppler
//! (`pdftotext`, `pdfinfo`, `pdffonts`), qpdf and lopdf — page furniture on every page,
//! every record of a section present, bookmarks, internal links landing on the page of
//! their target, embedded fonts, a clean structure, identical bytes from two builds,
//! tagged PDF that the `page_validation` crate finds PDF/UA-1 compliant —
//! plus a fixture whose withheld record must leave no trace in any pack.

use crate::common;

use common::tool;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn assure() -> Command {
    Command::new(env!("CARGO_BIN_EXE_assure"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn build(content: &Path, out: &Path) {
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

/// The demo content built once per test run, into a folder of its own.
fn demo() -> &'static Path {
    static OUT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    OUT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("assure-pdf-demo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        build(&root().join("content"), &dir);
        add_sos_pack(&dir);
        dir
    })
}

/// The pack-kinds fixture (`tests/fixtures/kinds`) built once per test run.
fn kinds() -> &'static Path {
    static OUT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    OUT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("assure-pdf-kinds-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        build(&root().join("tests/fixtures/kinds"), &dir);
        dir
    })
}

/// Every pack the tests of this file build: the demo's and the kinds fixture's.
fn all_packs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [demo(), kinds()] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir.join("pdf"))
            .expect("pdf folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
            .collect();
        found.sort();
        out.extend(found);
    }
    assert!(
        out.len() >= 3,
        "expected the demo's packs and the fixture's"
    );
    out
}

/// `pdfinfo -struct-text`: the structure tree with each element's text.
fn struct_text(pdf: &Path) -> String {
    String::from_utf8_lossy(
        &tool("pdfinfo")
            .arg("-struct-text")
            .arg(pdf)
            .output()
            .expect("pdfinfo -struct-text")
            .stdout,
    )
    .into_owned()
}

/// The quoted texts of a `pdfinfo -struct-text` listing, in order.
fn struct_strings(listing: &str) -> Vec<String> {
    listing
        .lines()
        .map(str::trim)
        .filter(|l| l.len() >= 2 && l.starts_with('"') && l.ends_with('"'))
        .map(|l| l[1..l.len() - 1].to_string())
        .collect()
}

/// The Secretary of State's packs (the letter and the evidence behind it), from a
/// build for that audience, beside `dir`'s.
fn add_sos_pack(dir: &Path) {
    for pack in [
        "report-to-secretary-of-state",
        "evidence-for-secretary-of-state",
    ] {
        common::add_pack_built_for(&root().join("content"), dir, "secretary-of-state", pack);
    }
}

fn pages(pdf: &Path) -> usize {
    let o = tool("pdfinfo").arg(pdf).output().expect("pdfinfo");
    let text = String::from_utf8_lossy(&o.stdout);
    text.lines()
        .find_map(|l| {
            l.strip_prefix("Pages:")
                .map(|n| n.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

fn page_text(pdf: &Path, page: usize) -> String {
    let o = tool("pdftotext")
        .args(["-layout", "-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn all_text(pdf: &Path) -> String {
    let o = tool("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn every_page_carries_the_marking_and_its_number() {
    for pack in ["inspection-pack", "report-to-secretary-of-state"] {
        let pdf = demo().join(format!("pdf/{pack}.pdf"));
        let n = pages(&pdf);
        assert!(n >= 3, "{pack}: only {n} pages");
        for p in 1..=n {
            let text = page_text(&pdf, p);
            assert!(
                text.matches("OFFICIAL").count() >= 2,
                "{pack} page {p}: the marking must be at the top and bottom:\n{text}"
            );
            assert!(
                text.contains(&format!("Page {p} of {n}")),
                "{pack} page {p}: no \"Page {p} of {n}\""
            );
        }
    }
}

#[test]
fn the_inspection_pack_holds_every_record_of_its_sections() {
    let pdf = demo().join("pdf/inspection-pack.pdf");
    // pdftotext may break long IDs across lines in tables; join words back up.
    let text: String = all_text(&pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let content = root().join("content");
    let mut ids = Vec::new();
    for folder in ["recommendations", "actions", "evidence"] {
        for entry in std::fs::read_dir(content.join(folder)).expect("demo folder") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if path.extension().is_some_and(|e| e == "md") && !text.contains("audience: [internal]")
            {
                ids.push(
                    path.file_stem()
                        .expect("stem")
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    assert!(
        ids.len() > 60,
        "expected the demo's records, found {}",
        ids.len()
    );
    for id in ids {
        assert!(
            text.contains(&id),
            "the inspection pack does not mention `{id}`"
        );
    }
    for heading in [
        "Contents",
        "Summary",
        "Recommendations",
        "Actions",
        "Evidence register",
        "Timeline",
    ] {
        assert!(
            text.contains(heading),
            "no `{heading}` in the inspection pack"
        );
    }
    // The figure `status` gives for the pack's audience, not a number fixed here: the
    // demo content is revised as its story is checked against the sources.
    let status = common::status_json(&content, "inspector");
    let percent = status["readiness"]["percent"]
        .as_f64()
        .expect("readiness percent");
    let figure = format!("{percent:.1} %");
    assert!(
        text.contains(&figure),
        "the summary must give the readiness figure {figure}"
    );
}

/// SPEC §13.3, §14.10: in an evidence pack (`references: note`, its default) a visible
/// record the pack leaves out is named as such, so a reader does not look for it further
/// on. The inspection pack has no reviews or plans section, so the reviews its
/// recommendations come from and the objectives its actions serve are outside it. The
/// letter to the Secretary of State (`references: hide`, a letter's default) names what
/// it leaves out by title alone: the act-05 its annex lists, no ID, no note.
#[test]
fn records_outside_the_pack_say_so() {
    let inspection: String = all_text(&demo().join("pdf/inspection-pack.pdf"))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for id in ["le-grand-2013", "plan-2013-refresh-o1"] {
        assert!(
            inspection.contains(&format!("({id}, not in this pack)")),
            "the inspection pack names `{id}` without saying it is not in the pack"
        );
    }
    assert!(
        !inspection.contains("(act-05, not in this pack)"),
        "the inspection pack has an actions section: act-05 is in it"
    );
    let letter: String = all_text(&demo().join("pdf/report-to-secretary-of-state.pdf"))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        !letter.contains("not in this pack"),
        "the letter notes references"
    );
    assert!(
        letter
            .contains("Launch a social work recruitment campaign and employer offer — In progress"),
        "the letter's annex names act-05 by its title"
    );
    assert!(
        !letter.contains("act-05"),
        "the letter shows an action's ID"
    );
}

/// Every record ID of the demo: Markdown file names and the `id:` keys of list files.
fn demo_ids() -> Vec<String> {
    let mut ids = Vec::new();
    for path in common::files_under(&root().join("content")) {
        let rel = path.strip_prefix(root().join("content")).expect("inside");
        if rel
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('_'))
        {
            continue;
        }
        match path.extension().and_then(|e| e.to_str()) {
            Some("md") => ids.push(
                path.file_stem()
                    .expect("stem")
                    .to_string_lossy()
                    .into_owned(),
            ),
            Some("yaml") => {
                let text = std::fs::read_to_string(&path).expect("read");
                for line in text.lines() {
                    let line = line.trim_start().trim_start_matches("- ");
                    if let Some(id) = line.strip_prefix("id: ") {
                        ids.push(id.trim().to_string());
                    }
                }
            }
            _ => {}
        }
    }
    ids
}

/// SPEC §14.10, issue 28: the demo's report to the Secretary of State is a letter in
/// the form of the commissioner's report: addressed and dated, "Dear Secretary of
/// State", his sections in order, signed, then the annexes; no ID in any heading and
/// no hash anywhere.
#[test]
fn the_report_to_the_secretary_of_state_is_a_signed_letter() {
    let pdf = demo().join("pdf/report-to-secretary-of-state.pdf");
    let letter = all_text(&pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut at = 0;
    for needle in [
        "Commissioner's report to the Secretary of State",
        "To The Secretary of State for Education",
        "From Alan Wood, Commissioner for Children's Social Care in Doncaster",
        "Alan Wood Commissioner for Children's Social Care in Doncaster The Secretary of State for Education 30 September 2014 Dear Secretary of State,",
        "Introduction",
        "Establishing the Trust",
        "about £6.5 million",
        "Improvement",
        "The role of commissioner",
        "Concluding comments",
        "I recommend that my post end with it.",
        "Yours sincerely Alan Wood Commissioner for Children's Social Care in Doncaster",
        "Recommendations",
        "Timeline",
    ] {
        match letter[at..].find(needle) {
            Some(n) => at += n + needle.len(),
            None => panic!("“{needle}” is missing or out of order in the letter:\n{letter}"),
        }
    }
    let hex = regex::Regex::new(r"\b[0-9a-f]{12,}\b").expect("pattern");
    assert!(
        !hex.is_match(&letter) && !letter.contains("SHA-256"),
        "the letter shows a hash"
    );
    assert!(
        !letter.contains("Contents"),
        "a letter has no contents page"
    );
    let listing = struct_text(&pdf);
    let lines: Vec<&str> = listing.lines().map(str::trim).collect();
    let ids = demo_ids();
    assert!(ids.len() > 100, "{}", ids.len());
    let mut headings = 0;
    for (n, line) in lines.iter().enumerate() {
        if !(line.starts_with('H') && line[1..].starts_with(|c: char| c.is_ascii_digit())) {
            continue;
        }
        let Some(text) = lines[n + 1..].iter().find(|l| l.starts_with('"')) else {
            continue;
        };
        headings += 1;
        for id in &ids {
            let words: Vec<&str> = text
                .trim_matches('"')
                .split(|c: char| c.is_whitespace() || "(),:;".contains(c))
                .collect();
            assert!(
                !words.contains(&id.as_str()),
                "the heading {text} shows the ID `{id}`"
            );
        }
    }
    assert!(headings > 20, "{headings} headings");
}

#[test]
fn packs_have_bookmarks_metadata_and_working_internal_links() {
    let pdf = demo().join("pdf/inspection-pack.pdf");
    let doc = lopdf::Document::load(&pdf).expect("lopdf reads the pack");
    let catalog = doc.catalog().expect("catalog");
    assert!(catalog.get(b"Outlines").is_ok(), "no bookmarks (/Outlines)");
    let lang = catalog
        .get(b"Lang")
        .and_then(|l| l.as_str())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .ok();
    assert_eq!(lang.as_deref(), Some("en-GB"));

    let info =
        String::from_utf8_lossy(&tool("pdfinfo").arg(&pdf).output().expect("pdfinfo").stdout)
            .into_owned();
    assert!(
        info.contains("Title:           Inspection evidence pack"),
        "{info}"
    );
    assert!(
        info.contains("Author:          Doncaster Metropolitan Borough Council"),
        "{info}"
    );
    assert!(
        info.contains("CreationDate:    Tue Sep 30 00:00:00 2014 UTC"),
        "{info}"
    );

    // Page objects in order, to turn a link's /Dest page reference into a number.
    let page_ids: BTreeMap<lopdf::ObjectId, u32> =
        doc.get_pages().into_iter().map(|(n, id)| (id, n)).collect();
    let mut internal = 0;
    let mut checked = 0;
    for (&page_no, &page_id) in &doc.get_pages() {
        let Ok(page) = doc.get_dictionary(page_id) else {
            continue;
        };
        let Ok(list) = page.get(b"Annots").and_then(|a| match a {
            lopdf::Object::Reference(id) => doc.get_object(*id).and_then(|o| o.as_array()),
            other => other.as_array(),
        }) else {
            continue;
        };
        let annots = list.iter().filter_map(|a| match a {
            lopdf::Object::Reference(id) => doc.get_dictionary(*id).ok(),
            other => other.as_dict().ok(),
        });
        for annot in annots {
            let dest = annot.get(b"Dest").ok().or_else(|| {
                annot
                    .get(b"A")
                    .ok()
                    .and_then(|a| a.as_dict().ok())
                    .and_then(|a| a.get(b"D").ok())
            });
            let Some(dest) = dest else { continue };
            let Ok(arr) = dest.as_array() else { continue };
            let Some(target) = arr.first().and_then(|o| o.as_reference().ok()) else {
                continue;
            };
            internal += 1;
            let target_page = page_ids.get(&target).copied();
            assert!(
                target_page.is_some(),
                "a link on page {page_no} points at no page"
            );
            // The link's rectangle covers text like "… (ev-26, p. 22)": the page it
            // names must be the page it jumps to.
            if let (Ok(rect), Some(tp)) =
                (annot.get(b"Rect").and_then(|r| r.as_array()), target_page)
            {
                let nums: Vec<f32> = rect
                    .iter()
                    .filter_map(|v| {
                        v.as_float()
                            .ok()
                            .or_else(|| v.as_i64().ok().map(|i| i as f32))
                    })
                    .collect();
                if nums.len() == 4 {
                    let o = tool("pdftotext")
                        .args(["-f", &page_no.to_string(), "-l", &page_no.to_string()])
                        .args(["-x", &format!("{}", nums[0] as i32 - 1)])
                        .args(["-y", &format!("{}", (841.89 - nums[3]) as i32 - 1)])
                        .args(["-W", &format!("{}", (nums[2] - nums[0]) as i32 + 2)])
                        .args(["-H", &format!("{}", (nums[3] - nums[1]) as i32 + 2)])
                        .arg(&pdf)
                        .arg("-")
                        .output()
                        .expect("pdftotext");
                    let words = String::from_utf8_lossy(&o.stdout).into_owned();
                    let tokens: Vec<&str> = words.split_whitespace().collect();
                    // A "p. N" reference is a link of its own; a contents row spans the
                    // page and ends with its page number.
                    let contents_row = nums[2] - nums[0] > 400.0 && tokens.len() > 1;
                    let last = tokens
                        .last()
                        .map(|t| t.trim_matches(|c: char| !c.is_ascii_digit()));
                    // A single number is a page reference only after "p." (the last
                    // line of a wrapped link may be a year on its own).
                    let after_p = || {
                        let o = tool("pdftotext")
                            .args(["-f", &page_no.to_string(), "-l", &page_no.to_string()])
                            .args(["-x", &format!("{}", nums[0] as i32 - 16)])
                            .args(["-y", &format!("{}", (841.89 - nums[3]) as i32 - 1)])
                            .args(["-W", &format!("{}", (nums[2] - nums[0]) as i32 + 17)])
                            .args(["-H", &format!("{}", (nums[3] - nums[1]) as i32 + 2)])
                            .arg(&pdf)
                            .arg("-")
                            .output()
                            .expect("pdftotext");
                        let wider = String::from_utf8_lossy(&o.stdout).into_owned();
                        let t: Vec<&str> = wider.split_whitespace().collect();
                        t.len() >= 2 && t[t.len() - 2].ends_with("p.")
                    };
                    let named = last
                        .and_then(|t| t.parse::<u32>().ok())
                        .filter(|_| contents_row || (tokens.len() == 1 && after_p()));
                    if let Some(named) = named {
                        assert_eq!(
                            named, tp,
                            "page {page_no}: a link reading \"{named}\" jumps to page {tp}"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(
        internal > 50,
        "expected many internal links, found {internal}"
    );
    assert!(
        checked > 20,
        "expected many \"p. N\" links to check, checked {checked}"
    );
}

#[test]
fn fonts_are_embedded_and_the_structure_is_clean() {
    for pdf in all_packs() {
        let pack = pdf
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let fonts = String::from_utf8_lossy(
            &tool("pdffonts")
                .arg(&pdf)
                .output()
                .expect("pdffonts")
                .stdout,
        )
        .into_owned();
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{pack}: no fonts listed");
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            // name type encoding emb sub uni object ID: `emb` is the 4th from the end but 3.
            let emb = cols
                .get(cols.len().saturating_sub(5))
                .copied()
                .unwrap_or("");
            assert_eq!(emb, "yes", "{pack}: font not embedded: {row}");
        }
        let q = tool("qpdf")
            .arg("--check")
            .arg(&pdf)
            .output()
            .expect("qpdf");
        assert!(
            q.status.success(),
            "{pack}: qpdf --check failed:\n{}",
            String::from_utf8_lossy(&q.stdout)
        );
    }
}

#[test]
fn the_demo_packs_meet_pdf_ua_1() {
    use page_validation::{validate_pdf, ValidationOptions, ValidationProfile};
    let options = ValidationOptions::default().profile(ValidationProfile::PdfUa1);
    for pdf in all_packs() {
        let pack = pdf
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let report = validate_pdf(&pdf, &options).expect("page_validation reads the pack");
        assert!(
            report.is_compliant && report.failures.is_empty() && report.rules.failed == 0,
            "{pack}:\n{report}"
        );
        assert!(
            report.rules.passed > 50,
            "{pack}: too few rules ran:\n{report}"
        );
        // The validator's summary, for `cargo test --release --test suite pdf:: -- --nocapture`.
        println!("{pack}.pdf:\n{report}");
        let info =
            String::from_utf8_lossy(&tool("pdfinfo").arg(&pdf).output().expect("pdfinfo").stdout)
                .into_owned();
        assert!(info.contains("Tagged:          yes"), "{pack}: {info}");
        // Page furniture is not read out: no marking or page number in the structure.
        let text = String::from_utf8_lossy(
            &tool("pdfinfo")
                .arg("-struct-text")
                .arg(&pdf)
                .output()
                .expect("pdfinfo -struct-text")
                .stdout,
        )
        .into_owned();
        assert!(text.contains("H1"), "{pack}: no headings in the structure");
        assert!(
            !text.contains("Page 2 of"),
            "{pack}: page numbers are read out"
        );
    }
}

/// SPEC §14.10: a soft line break is a space in the tagged text, so no two words fuse
/// ("Directorof"). Every paragraph of the fixture's prose page, whose lines break at
/// spaces, must read back as its source words; every contents entry as its title, a
/// space and its page ("Summary 4", not "Summary4").
#[test]
fn tagged_text_keeps_words_apart_at_every_line_break() {
    let source = std::fs::read_to_string(root().join("tests/fixtures/kinds/pages/prose.md"))
        .expect("prose page");
    let body = source.splitn(3, "---").nth(2).expect("front matter");
    let paragraphs: Vec<String> = body
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect();
    assert_eq!(paragraphs.len(), 4);
    let pdf = kinds().join("pdf/evidence-pack.pdf");
    let strings = struct_strings(&struct_text(&pdf));
    // The paragraphs are long enough to wrap: each was set on several lines.
    let text = all_text(&pdf);
    assert!(
        text.contains("although the busiest Mondays still overflow into Tuesday morning")
            || text.lines().filter(|l| l.contains("Mondays")).count() == 1,
        "the prose page is in the pack"
    );
    for p in &paragraphs {
        assert!(
            strings.iter().any(|s| s == p),
            "the tagged text does not read as its source:\n  {p}\nstrings:\n{strings:#?}"
        );
    }
    for pack in all_packs() {
        let listing = struct_text(&pack);
        let lines: Vec<&str> = listing.lines().collect();
        let mut entries = 0;
        for (n, line) in lines.iter().enumerate() {
            if line.trim() != "TOCI" {
                continue;
            }
            // TOCI, then its Link, then the link's text.
            let Some(entry) = lines.get(n + 2).map(|l| l.trim()) else {
                continue;
            };
            let entry = entry.trim_matches('"');
            let (title, page) = entry.rsplit_once(' ').expect("title and page");
            assert!(
                !title.is_empty() && page.chars().all(|c| c.is_ascii_digit()),
                "{}: contents entry `{entry}` does not end in a space and its page",
                pack.display()
            );
            entries += 1;
        }
        // A letter is read straight through and has no contents (SPEC §14.10).
        if all_text(&pack).contains("Yours sincerely") {
            assert_eq!(entries, 0, "{}: a letter with contents", pack.display());
        } else {
            assert!(entries > 0, "{}: no contents entries", pack.display());
        }
    }
}

/// SPEC §14.10: link annotations carry the Print flag (`/F 4`).
#[test]
fn link_annotations_are_printed() {
    for pack in all_packs() {
        let doc = lopdf::Document::load(&pack).expect("lopdf reads the pack");
        let mut links = 0;
        for (_, object) in doc.objects.iter() {
            let Ok(dict) = object.as_dict() else { continue };
            if dict.get(b"Subtype").and_then(|s| s.as_name()).ok() != Some(b"Link") {
                continue;
            }
            links += 1;
            assert_eq!(
                dict.get(b"F").and_then(|f| f.as_i64()).ok(),
                Some(4),
                "{}: a link annotation without the Print flag: {dict:?}",
                pack.display()
            );
        }
        assert!(links > 0, "{}: no link annotations", pack.display());
    }
}

/// SPEC §14.10: packs use object streams and a cross-reference stream, and stay at most
/// 8 KiB a page (the demo's were 12–17 KiB a page with a plain cross-reference table).
/// A short pack is mostly its embedded fonts, paid once: those are left out of its
/// share a page; the demo's packs are held to 8 KiB a page, fonts and all.
#[test]
fn packs_are_compact() {
    for pack in all_packs() {
        let bytes = std::fs::read(&pack).expect("pack");
        let n = pages(&pack).max(1);
        let doc = lopdf::Document::load(&pack).expect("lopdf reads the pack");
        let fonts: usize = doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter_map(|d| d.get(b"FontFile2").and_then(|f| f.as_reference()).ok())
            .filter_map(|id| doc.get_object(id).and_then(|o| o.as_stream()).ok())
            .map(|s| s.content.len())
            .sum();
        let per_page = bytes.len() / n;
        let without_fonts = (bytes.len() - fonts) / n;
        println!(
            "{}: {n} pages, {} bytes, {per_page} bytes a page ({without_fonts} without the fonts)",
            pack.display(),
            bytes.len()
        );
        let limit = if pack.starts_with(demo()) {
            per_page
        } else {
            without_fonts
        };
        assert!(
            limit <= 8 * 1024,
            "{}: {per_page} bytes a page ({without_fonts} without the fonts), over 8 KiB",
            pack.display()
        );
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(
            has(b"/Type/ObjStm"),
            "{}: no object streams",
            pack.display()
        );
        assert!(
            has(b"/Type/XRef"),
            "{}: no cross-reference stream",
            pack.display()
        );
        assert!(
            !has(b"\nxref\n"),
            "{}: a plain cross-reference table",
            pack.display()
        );
    }
}

#[test]
fn two_builds_give_identical_packs() {
    let second = std::env::temp_dir().join(format!("assure-pdf-demo2-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&second);
    build(&root().join("content"), &second);
    add_sos_pack(&second);
    for pack in [
        "inspection-pack",
        "report-to-secretary-of-state",
        "evidence-for-secretary-of-state",
    ] {
        let a = std::fs::read(demo().join(format!("pdf/{pack}.pdf"))).expect("first");
        let b = std::fs::read(second.join(format!("pdf/{pack}.pdf"))).expect("second");
        assert!(a == b, "{pack}: two builds differ");
    }
    let _ = std::fs::remove_dir_all(&second);
    // Every kind of pack, object streams and all.
    build(&root().join("tests/fixtures/kinds"), &second);
    for pack in std::fs::read_dir(second.join("pdf")).expect("pdf folder") {
        let pack = pack.expect("entry").path();
        let a = std::fs::read(kinds().join("pdf").join(pack.file_name().expect("name")))
            .expect("first");
        let b = std::fs::read(&pack).expect("second");
        assert!(a == b, "{}: two builds differ", pack.display());
    }
    let _ = std::fs::remove_dir_all(&second);
}

#[test]
fn the_site_links_its_own_audiences_packs_only() {
    let site = demo().join("site");
    assert!(site.join("packs/inspection-pack.pdf").is_file());
    assert!(
        !site.join("packs/report-to-secretary-of-state.pdf").exists(),
        "a pack for another audience was copied into the site"
    );
    let index = std::fs::read_to_string(site.join("index.html")).expect("dashboard");
    assert!(index.contains("packs/inspection-pack.pdf"));
}

#[test]
fn withheld_records_leave_no_trace_in_any_pack() {
    let dir = tempfile::tempdir().expect("temp");
    let c = dir.path().join("content");
    let write = |rel: &str, text: &str| {
        let p = c.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write(
        "site.yaml",
        "title: T\norganisation: O\nas_of: 2014-09-30\nsite_audience: inspector\naudiences:\n  inspector: { title: Inspectors }\npacks:\n  - id: all\n    title: Everything\n    audience: inspector\n    sections: [summary, recommendations, actions, plans, evidence, timeline, reviews, matrix, page:about]\n",
    );
    write(
        "reviews/rev.md",
        "---\ntitle: Review\n---\nSee [[secret-rec|SECRETWORDS]].\n",
    );
    write(
        "reviews/secret-review.md",
        "---\ntitle: SECRETMARKER review\naudience: [internal]\n---\nSECRETMARKER\n",
    );
    write(
        "recommendations/rec.md",
        "---\ntitle: Open rec\nsource: rev\n---\nLinks to [[secret-act]].\n",
    );
    write(
        "recommendations/secret-rec.md",
        "---\ntitle: SECRETMARKER rec\nsource: rev\naudience: [internal]\n---\nSECRETMARKER\n",
    );
    write(
        "actions/act.md",
        "---\ntitle: Act\naddresses: [rec, secret-rec]\n---\n",
    );
    write(
        "actions/secret-act.md",
        "---\ntitle: SECRETMARKER act\naudience: [internal]\naddresses: [rec]\n---\n",
    );
    write(
        "evidence/ev.md",
        "---\ntitle: Ev\ndate: 2014-09\nsupports: [act, secret-act]\n---\n",
    );
    write(
        "evidence/secret-ev.md",
        "---\ntitle: SECRETMARKER ev\ndate: 2014-09\naudience: [internal]\nsupports: [rec]\n---\n",
    );
    write("plans/secret-plan.md", "---\ntitle: SECRETMARKER plan\naudience: [internal]\nobjectives:\n  - id: secret-obj\n    title: SECRETMARKER objective\n---\n");
    write(
        "timeline/secret-event.md",
        "---\ntitle: SECRETMARKER event\ndate: 2014\naudience: [internal]\n---\n",
    );
    write(
        "pages/about.md",
        "---\ntitle: About\n---\nAbout [[secret-event]].\n",
    );
    let out = dir.path().join("out");
    build(&c, &out);
    let pdf = out.join("pdf/all.pdf");
    let text = all_text(&pdf);
    for marker in [
        "SECRETMARKER",
        "SECRETWORDS",
        "secret-rec",
        "secret-act",
        "secret-ev",
        "secret-plan",
        "secret-obj",
        "secret-event",
    ] {
        assert!(
            !text.contains(marker),
            "`{marker}` leaked into the pack:\n{text}"
        );
    }
    assert!(
        text.contains("withheld"),
        "links to withheld records must say so"
    );
    // The raw bytes too (titles can hide in bookmarks and metadata).
    let bytes = std::fs::read(&pdf).expect("pdf");
    assert!(
        !bytes.windows(12).any(|w| w == b"SECRETMARKER"),
        "the marker is in the PDF's bytes"
    );
}

#[test]
fn pack_writes_one_pdf_and_refuses_unknown_ids() {
    let dir = tempfile::tempdir().expect("temp");
    let out = dir.path().join("out");
    let o = assure()
        .args(["pack", "nonexistent-pack", "--content"])
        .arg(root().join("content"))
        .arg("--output")
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2), "an unknown pack is a usage error");
    assert!(!out.exists(), "nothing may be written for an unknown pack");

    let o = assure()
        .args(["pack", "report-to-secretary-of-state", "--content"])
        .arg(root().join("content"))
        .arg("--output")
        .arg(&out)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pdf = out.join("pdf/report-to-secretary-of-state.pdf");
    assert!(pages(&pdf) >= 3);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert!(manifest["files"]["pdf/report-to-secretary-of-state.pdf"].is_string());
    let text = all_text(&pdf);
    assert!(
        text.contains("Secretary of State"),
        "the cover names the audience"
    );
    assert!(
        text.find("Commissioner").is_some(),
        "the letter's pages are present"
    );
}
