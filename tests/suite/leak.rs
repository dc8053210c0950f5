//! Nothing of a withheld record reaches an output built for an audience it is withheld
//! from (SPEC §6, §12 "Audiences"), searched byte by byte.
//!
//! The fixture `tests/fixtures/leak/` (written by its `_make.py`) has, for every record
//! type (plan, objective, recommendation, action, evidence with two attachments,
//! review, event, page), one record per audience code: visible only to `inspector`,
//! only to `secretary-of-state`, only to `public`, only to `internal`. Each owns markers:
//! tokens starting with its ID (`zqrecinsp`, `ZQRECINSPTITLE`, …) in its ID, title, every
//! text field, tags, owner, "other details" keys and values, body, attachment names and
//! attachment bytes, plus the SHA-256 of its attachment and the words of `[[ID|words]]`
//! links to it written in visible records. Visible records point at every one of them
//! through every relation field, through `[[ID]]` links written every way (in tables,
//! headings, footnotes, …) and through relative and reference-style links to the files
//! they are written in, so backlinks, counts, the
//! matrix, the timeline, readiness, the search index and the exports are exercised.
//!
//! Every audience is built with its packs, and every output file is searched for the
//! markers of every record withheld from that file's audience (`site/`, `data/` and the
//! manifest: the build's audience; `pdf/<pack>.pdf`: the pack's): its path, its raw bytes
//! (also with NUL bytes dropped, which exposes UTF-16 text), HTML entities, percent
//! escapes and `\u` escapes decoded, and for PDFs the text from `pdftotext` (also with
//! whitespace dropped, so a wrapped marker is still found), the streams decompressed by
//! `qpdf --qdf`, and every string and name object (bookmarks, metadata, link targets)
//! read with lopdf. The internal build must show every marker (so the search can find
//! them), and a planted leak in each of those forms must be caught.
//!
//! Counts and figures derived from withheld records (readiness, gap counts, backlinks,
//! matrix cells, markings) are covered by non-interference: changing every withheld
//! record (text, statuses, attachments) and adding more (linking to visible records
//! through every field) must not change one byte of an audience's site and data, nor
//! the text, metadata and bookmarks of its pack.

use crate::common;

use common::{files, percent_decode, tool};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const AUDIENCES: [&str; 4] = ["inspector", "secretary-of-state", "public", "internal"];
const INTERNAL: &str = "internal";

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/leak")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("leak-tests")
        .join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("remove an old test output");
    }
    std::fs::create_dir_all(dir.parent().expect("parent")).expect("mkdir");
    dir
}

/// The binary under test: `ASSURE_LEAK_BIN` names another (an older build, to show a
/// route leaking before it was closed).
fn assure_bin() -> PathBuf {
    std::env::var_os("ASSURE_LEAK_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_assure")))
}

/// `assure build --audience AUDIENCE` with PDFs; panics with stderr when it fails.
fn build(content: &Path, out: &Path, audience: &str) {
    let run = Command::new(assure_bin())
        .arg("build")
        .arg("--content")
        .arg(content)
        .arg("--output")
        .arg(out)
        .args(["--audience", audience])
        .output()
        .expect("run assure");
    assert!(
        run.status.success(),
        "`assure build --audience {audience}` of {} failed ({}):\n{}",
        content.display(),
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
}

/// The fixture built for every audience, once per test run.
fn builds() -> &'static BTreeMap<&'static str, PathBuf> {
    static OUT: OnceLock<BTreeMap<&'static str, PathBuf>> = OnceLock::new();
    OUT.get_or_init(|| {
        AUDIENCES
            .iter()
            .map(|&a| {
                let out = scratch(&format!("fixture-{a}"));
                build(&fixture_dir(), &out, a);
                (a, out)
            })
            .collect()
    })
}

// ---------------------------------------------------------------------------------------
// The fixture's restricted records and their markers.

#[derive(Debug)]
struct Restricted {
    id: String,
    /// Where it is written, inside the fixture.
    file: String,
    audiences: Vec<String>,
}

impl Restricted {
    fn withheld_from(&self, audience: &str) -> bool {
        audience != INTERNAL && !self.audiences.iter().any(|a| a == audience)
    }
}

struct Fixture {
    records: Vec<Restricted>,
    /// Lower-case marker → index of the record that owns it.
    markers: BTreeMap<String, usize>,
    /// Pack ID → its audience.
    packs: BTreeMap<String, String>,
}

fn marker_tokens(text: &str) -> Vec<String> {
    let re = regex::Regex::new(r"(?i)zq[a-z0-9]+").expect("pattern");
    re.find_iter(text)
        .map(|m| m.as_str().to_ascii_lowercase())
        .collect()
}

fn fixture_model() -> &'static Fixture {
    static MODEL: OnceLock<Fixture> = OnceLock::new();
    MODEL.get_or_init(|| {
        let root = fixture_dir();
        let all: Vec<String> = files(&root)
            .into_iter()
            .filter(|p| !p.split('/').any(|part| part.starts_with('_')))
            .collect();
        let audience_line = regex::Regex::new(r"(?m)^audience: \[([^\]]*)\]").expect("pattern");
        let objective = regex::Regex::new(r"(?m)^  - id: (\S+)").expect("pattern");
        let mut records = Vec::new();
        for rel in &all {
            if !(rel.ends_with(".md") || rel.ends_with(".yaml")) || rel == "site.yaml" {
                continue;
            }
            let text = std::fs::read_to_string(root.join(rel)).expect("fixture record");
            let Some(caps) = audience_line.captures(&text) else {
                continue;
            };
            let audiences: Vec<String> = caps[1].split(',').map(|a| a.trim().to_string()).collect();
            let stem = rel
                .rsplit('/')
                .next()
                .expect("name")
                .split('.')
                .next()
                .expect("stem");
            records.push(Restricted {
                id: stem.to_string(),
                file: rel.clone(),
                audiences: audiences.clone(),
            });
            // A plan's objectives take its audience.
            for o in objective.captures_iter(&text) {
                records.push(Restricted {
                    id: o[1].to_string(),
                    file: rel.clone(),
                    audiences: audiences.clone(),
                });
            }
        }
        assert!(records.len() >= 32, "the fixture lost records: {records:?}");
        for r in &records {
            assert!(
                r.id.starts_with("zq"),
                "restricted IDs start with zq: {}",
                r.id
            );
        }
        // Every token belongs to the record whose ID is its longest prefix.
        let owner = |token: &str| -> Option<usize> {
            records
                .iter()
                .enumerate()
                .filter(|(_, r)| token.starts_with(&r.id))
                .max_by_key(|(_, r)| r.id.len())
                .map(|(i, _)| i)
        };
        let mut markers = BTreeMap::new();
        for rel in &all {
            let bytes = std::fs::read(root.join(rel)).expect("fixture file");
            let text = String::from_utf8_lossy(&bytes);
            for token in marker_tokens(rel).into_iter().chain(marker_tokens(&text)) {
                let i = owner(&token)
                    .unwrap_or_else(|| panic!("{rel}: marker `{token}` belongs to no record"));
                markers.insert(token, i);
            }
            // An attachment's hash is a marker of the record it belongs to.
            if let Some(name) = rel.strip_prefix("evidence/files/") {
                if let Some(i) = owner(&name.to_ascii_lowercase()) {
                    let hex = format!("{:x}", Sha256::digest(&bytes));
                    markers.insert(hex[..12].to_string(), i);
                    markers.insert(hex, i);
                }
            }
        }
        let site: serde_yaml::Value = serde_yaml::from_str(
            &std::fs::read_to_string(root.join("site.yaml")).expect("site.yaml"),
        )
        .expect("site.yaml parses");
        let packs = site["packs"]
            .as_sequence()
            .expect("packs")
            .iter()
            .map(|p| {
                (
                    p["id"].as_str().expect("pack id").to_string(),
                    p["audience"].as_str().expect("pack audience").to_string(),
                )
            })
            .collect();
        Fixture {
            records,
            markers,
            packs,
        }
    })
}

// ---------------------------------------------------------------------------------------
// The search: every form in which a file could carry a marker.

fn decode_entities(s: &str) -> String {
    let re = regex::Regex::new(r"&#([0-9]+);|&#[xX]([0-9a-fA-F]+);").expect("pattern");
    let numeric = re.replace_all(s, |c: &regex::Captures<'_>| {
        let n = match (c.get(1), c.get(2)) {
            (Some(d), _) => d.as_str().parse().ok(),
            (_, Some(h)) => u32::from_str_radix(h.as_str(), 16).ok(),
            _ => None,
        };
        n.and_then(char::from_u32)
            .map_or_else(String::new, String::from)
    });
    numeric
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// `\u0041` escapes (JSON, JavaScript) decoded.
fn decode_unicode_escapes(s: &str) -> String {
    let re = regex::Regex::new(r"\\u([0-9a-fA-F]{4})").expect("pattern");
    re.replace_all(s, |c: &regex::Captures<'_>| {
        u32::from_str_radix(&c[1], 16)
            .ok()
            .and_then(char::from_u32)
            .map_or_else(String::new, String::from)
    })
    .into_owned()
}

fn without_whitespace(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn without_nuls(bytes: &[u8]) -> String {
    let kept: Vec<u8> = bytes.iter().copied().filter(|&b| b != 0).collect();
    String::from_utf8_lossy(&kept).into_owned()
}

/// PDF text strings: UTF-16BE with a byte-order mark, else bytes as they are.
fn pdf_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// Every string and name in a PDF (outline titles, metadata, link targets, names), and
/// in its trailer when asked (its `/ID` is a hash of the whole file).
fn pdf_strings(pdf: &Path, with_trailer: bool) -> String {
    fn collect(o: &lopdf::Object, out: &mut String) {
        match o {
            lopdf::Object::String(s, _) => {
                out.push_str(&pdf_string(s));
                out.push('\n');
            }
            lopdf::Object::Name(n) => {
                out.push_str(&String::from_utf8_lossy(n));
                out.push('\n');
            }
            lopdf::Object::Array(items) => items.iter().for_each(|i| collect(i, out)),
            lopdf::Object::Dictionary(d) => d.iter().for_each(|(k, v)| {
                out.push_str(&String::from_utf8_lossy(k));
                out.push('\n');
                collect(v, out);
            }),
            lopdf::Object::Stream(s) => s.dict.iter().for_each(|(k, v)| {
                out.push_str(&String::from_utf8_lossy(k));
                out.push('\n');
                collect(v, out);
            }),
            _ => {}
        }
    }
    let doc = lopdf::Document::load(pdf)
        .unwrap_or_else(|e| panic!("lopdf cannot read {}: {e}", pdf.display()));
    let mut out = String::new();
    for o in doc.objects.values() {
        collect(o, &mut out);
    }
    if with_trailer {
        collect(&lopdf::Object::Dictionary(doc.trailer.clone()), &mut out);
    }
    out
}

fn pdftotext(pdf: &Path) -> String {
    let o = tool("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(o.status.success(), "pdftotext {} failed", pdf.display());
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The file with every stream decompressed and object streams undone.
fn qdf(pdf: &Path) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp");
    let out = dir.path().join("qdf.pdf");
    let status = tool("qpdf")
        .args(["--qdf", "--object-streams=disable"])
        .arg(pdf)
        .arg(&out)
        .status()
        .expect("qpdf");
    // 3: succeeded with warnings.
    assert!(
        matches!(status.code(), Some(0 | 3)),
        "qpdf --qdf {} failed: {status}",
        pdf.display()
    );
    std::fs::read(&out).expect("qdf output")
}

/// Every entry of a zip file (a workbook), inflated, each after its name.
fn unzipped(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a readable zip");
    let mut out = String::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("a zip entry");
        out.push_str(&entry.name().map(|n| n.into_owned()).unwrap_or_default());
        out.push('\n');
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("an entry inflates");
        out.push_str(&decode_entities(&String::from_utf8_lossy(&data)));
        out.push('\n');
    }
    out
}

/// The forms in which a file could carry a marker, by channel name, lower-cased.
fn channels(rel: &str, path: &Path) -> Vec<(&'static str, String)> {
    let bytes = std::fs::read(path).expect("output file");
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    let mut out = vec![
        ("file name", percent_decode(rel)),
        ("bytes", raw.clone()),
        ("bytes without NULs (UTF-16)", without_nuls(&bytes)),
    ];
    if rel.ends_with(".pdf") {
        let text = pdftotext(path);
        out.push(("pdftotext without whitespace", without_whitespace(&text)));
        out.push(("pdftotext", text));
        let q = qdf(path);
        out.push(("qpdf --qdf without NULs", without_nuls(&q)));
        out.push(("qpdf --qdf", String::from_utf8_lossy(&q).into_owned()));
        out.push(("PDF strings and names", pdf_strings(path, true)));
    } else if rel.ends_with(".xlsx") {
        out.push(("workbook (unzipped)", unzipped(&bytes)));
    } else {
        let decoded = percent_decode(&decode_entities(&decode_unicode_escapes(&raw)));
        out.push(("decoded twice", percent_decode(&decode_entities(&decoded))));
        out.push(("decoded (\\u, entities, %)", decoded));
    }
    out.into_iter()
        .map(|(name, text)| (name, text.to_ascii_lowercase()))
        .collect()
}

/// The audience a file of an output is for: a pack's own, else the build's.
fn file_audience<'a>(fixture: &'a Fixture, rel: &str, build_audience: &'a str) -> &'a str {
    rel.strip_prefix("pdf/")
        .and_then(|name| name.strip_suffix(".pdf"))
        .and_then(|id| fixture.packs.get(id))
        .map_or(build_audience, String::as_str)
}

/// Every marker found where its record is withheld: "file [channel]: marker (record)".
fn leaks(out: &Path, build_audience: &str) -> Vec<String> {
    let fixture = fixture_model();
    let mut found = Vec::new();
    for rel in files(out) {
        let audience = file_audience(fixture, &rel, build_audience);
        let withheld: Vec<(&String, &Restricted)> = fixture
            .markers
            .iter()
            .map(|(m, &i)| (m, &fixture.records[i]))
            .filter(|(_, r)| r.withheld_from(audience))
            .collect();
        if withheld.is_empty() {
            continue;
        }
        for (channel, text) in channels(&rel, &out.join(&rel)) {
            for (marker, rec) in &withheld {
                if text.contains(marker.as_str()) {
                    found.push(format!(
                        "{rel} [{channel}] (for {audience}): `{marker}` of `{}`, visible to {:?}",
                        rec.id, rec.audiences
                    ));
                }
            }
        }
    }
    found
}

/// Markers found anywhere in an output, in any channel.
fn markers_shown(out: &Path) -> BTreeSet<String> {
    let fixture = fixture_model();
    let mut shown = BTreeSet::new();
    for rel in files(out) {
        for (_, text) in channels(&rel, &out.join(&rel)) {
            for marker in fixture.markers.keys() {
                if text.contains(marker.as_str()) {
                    shown.insert(marker.clone());
                }
            }
        }
    }
    shown
}

// ---------------------------------------------------------------------------------------

#[test]
fn no_output_of_any_audience_holds_a_marker_of_a_record_withheld_from_it() {
    let fixture = fixture_model();
    // Every non-internal audience has records withheld from it of every type: the
    // three other audiences' records of ten kinds (plan, objective, recommendation,
    // action, evidence, review, event, page, indicator, risk).
    for audience in &AUDIENCES[..3] {
        let withheld = fixture
            .records
            .iter()
            .filter(|r| r.withheld_from(audience))
            .count();
        assert_eq!(withheld, 30, "records withheld from {audience}");
    }
    let mut problems = Vec::new();
    for (audience, out) in builds() {
        let all = files(out);
        for expected in ["manifest.json", "data/records.json", "site/search-index.js"] {
            assert!(
                all.iter().any(|p| p == expected),
                "{audience}: no {expected}"
            );
        }
        // Only the packs of the build's own audience (SPEC §14.6).
        for (pack, pack_audience) in &fixture.packs {
            assert_eq!(
                all.contains(&format!("pdf/{pack}.pdf")),
                pack_audience == audience,
                "{audience}: pdf/{pack}.pdf (for {pack_audience})"
            );
        }
        problems.extend(
            leaks(out, audience)
                .into_iter()
                .map(|l| format!("build for {audience}: {l}")),
        );
    }
    assert!(
        problems.is_empty(),
        "{} leaks:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_internal_build_shows_every_marker_and_each_audience_its_own() {
    // Without this, the search above could pass by looking in the wrong place.
    let fixture = fixture_model();
    let out = &builds()[INTERNAL];
    let shown = markers_shown(out);
    let missing: Vec<&String> = fixture
        .markers
        .keys()
        .filter(|m| !shown.contains(*m))
        .collect();
    assert!(
        missing.is_empty(),
        "the internal build does not show these markers, so the leak search cannot be trusted to find them: {missing:?}"
    );
    // The internal pack carries every record title in its text.
    let text = pdftotext(&out.join("pdf/pack-internal.pdf")).to_ascii_lowercase();
    for r in fixture
        .records
        .iter()
        .filter(|r| !r.id.starts_with("zqpage"))
    {
        assert!(
            text.contains(&format!("{}title", r.id)),
            "the internal pack lacks the title of {}",
            r.id
        );
    }
    // Each audience sees what is meant for it (filtering is not "hide everything").
    for audience in &AUDIENCES[..3] {
        let out = &builds()[audience];
        for r in fixture
            .records
            .iter()
            .filter(|r| !r.withheld_from(audience))
        {
            let page = files(&out.join("site"))
                .into_iter()
                .find(|p| p.ends_with(&format!("/{}.html", r.id)))
                .unwrap_or_else(|| panic!("{audience}: no page for {}", r.id));
            let html = std::fs::read_to_string(out.join("site").join(&page)).expect("page");
            assert!(
                html.to_ascii_lowercase()
                    .contains(&format!("{}title", r.id)),
                "{audience}: {page} lacks its title"
            );
        }
    }
}

#[test]
fn readiness_and_marking_count_only_visible_records() {
    let tags = regex::Regex::new("<[^>]*>").expect("a pattern");
    for (audience, out) in builds() {
        let (figure, of, marking) = if *audience == INTERNAL {
            ("100.0 %", "7 of 7 recommendations", "OFFICIAL-SENSITIVE")
        } else if *audience == "secretary-of-state" {
            // Its own records are OFFICIAL-SENSITIVE.
            ("75.0 %", "3 of 4 recommendations", "OFFICIAL-SENSITIVE")
        } else {
            ("75.0 %", "3 of 4 recommendations", "OFFICIAL")
        };
        let html = std::fs::read_to_string(out.join("site/index.html")).expect("dashboard");
        // The readiness sentence (SPEC §14.3), read without its markup: "N of D have
        // current evidence (P %)" after the met-and-evidenced figure.
        let (n_of_d, _) = of.split_once(" recommendations").unwrap_or((of, ""));
        let evidenced = format!("{n_of_d} have current evidence ({figure})");
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        let plain = words(&tags.replace_all(&html, ""));
        assert!(
            plain.contains(&evidenced),
            "{audience}: the dashboard should say {evidenced}"
        );
        assert!(
            html.contains(&format!(
                "aria-label=\"Security classification\">{marking}<"
            )),
            "{audience}: the site should be marked {marking}"
        );
        let pack = out.join(format!("pdf/pack-{audience}.pdf"));
        let text = pdftotext(&pack);
        assert!(
            words(&text).contains(&evidenced),
            "{audience}: the pack summary should say {evidenced}:\n{text}"
        );
        let sensitive = text.contains("OFFICIAL-SENSITIVE");
        assert_eq!(
            sensitive,
            marking == "OFFICIAL-SENSITIVE",
            "{audience}: the pack should be marked {marking}"
        );
    }
}

/// Copies a folder.
fn copy_tree(from: &Path, to: &Path) {
    for rel in files(from) {
        let dest = to.join(&rel);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::copy(from.join(&rel), dest).expect("copy");
    }
}

/// The fixture with every record withheld from `audience` changed (markers renamed,
/// statuses moved, attachments rewritten) and one more internal-only record of every
/// type, linking to visible records through every relation field.
fn variant_for(audience: &str, name: &str) -> PathBuf {
    let fixture = fixture_model();
    let dir = scratch(name);
    copy_tree(&fixture_dir(), &dir);
    // A plan and its objectives share a file: change each file once.
    let mut paths = BTreeSet::new();
    let files_dir = dir.join("evidence/files");
    for r in fixture.records.iter().filter(|r| r.withheld_from(audience)) {
        paths.insert(dir.join(&r.file));
        for name in files(&files_dir) {
            if name.starts_with(&r.id) {
                paths.insert(files_dir.join(name));
            }
        }
    }
    {
        for p in paths {
            let text = std::fs::read_to_string(&p).expect("fixture text");
            let changed = text
                .replace("ZQ", "ZV")
                .replace("status: blocked", "status: complete\ncompleted: 2014-07-01")
                .replace("status: in-progress", "status: met")
                .replace("classification: OFFICIAL-SENSITIVE\n", "")
                .replace("priority: immediate", "priority: low");
            assert_ne!(changed, text, "{} did not change", p.display());
            std::fs::write(&p, changed).expect("write variant");
        }
    }
    let extra = [
        ("recommendations/zqxrec.md", "source: rev-vis\nrelated: [rec-vis-1, rec-vis-2]\ndue: 2014-01-01\n"),
        ("actions/zqxact.md", "plan: plan-vis\nobjective: plan-vis-o1\naddresses: [rec-vis-1, rec-vis-2, zqxrec]\ndue: 2014-01-01\nstatus: blocked\n"),
        ("evidence/zqxev.md", "date: 2014-09-01\nreviewed: 2014-09-01\nfile: evidence/files/visible.txt\nsupports: [rec-vis-2, act-vis, plan-vis, plan-vis-o1, zqxact]\nrelated: [ev-vis]\n"),
        ("evidence/zqxstale.md", "date: 2010-01-01\nfile: evidence/files/visible.txt\nsha256: 0000000000000000000000000000000000000000000000000000000000000000\nsupports: [rec-vis-1]\n"),
        ("reviews/zqxrev.md", "date: 2014-05-01\nkind: inspection\njudgements: { overall: inadequate }\nrelated: [rev-vis]\n"),
        ("timeline/zqxevt.md", "date: 2014-09-29\nkind: direction\nrefs: [rec-vis-1, rec-vis-2, act-vis, ev-vis, rev-vis, plan-vis, page-vis]\n"),
        ("pages/zqxpage.md", "order: 0\nrelated: [page-vis]\n"),
        ("plans/zqxplan.md", "status: active\nrelated: [plan-vis]\nobjectives:\n  - id: zqxobj\n    title: Extra objective\n    description: See [[rec-vis-2]].\n"),
    ];
    for (rel, fields) in extra {
        let body = "Links to [[rec-vis-1]], [[act-vis]], [[ev-vis]] and [[page-vis|words]].";
        std::fs::write(
            dir.join(rel),
            format!("---\ntitle: Extra withheld record\naudience: [{INTERNAL}]\nclassification: OFFICIAL-SENSITIVE\n{fields}---\n{body}\n"),
        )
        .expect("write extra record");
    }
    dir
}

/// What a pack shows: its text (digest blanked, whitespace dropped), its metadata and
/// its strings (bookmarks, link targets).
fn pack_view(pdf: &Path, digest: &str) -> (String, String, String) {
    // The cover and the last line show the digest's first 12 digits (SPEC §13.3).
    let short = &digest[..digest.len().min(12)];
    let text = without_whitespace(&pdftotext(pdf))
        .replace(digest, "DIGEST")
        .replace(short, "DIGEST");
    let info = tool("pdfinfo").arg(pdf).output().expect("pdfinfo");
    let info: String = String::from_utf8_lossy(&info.stdout)
        .lines()
        .filter(|l| !l.starts_with("File size"))
        .collect::<Vec<_>>()
        .join("\n");
    let strings: String = pdf_strings(pdf, false)
        .lines()
        .filter(|l| !l.contains(short))
        .collect::<Vec<_>>()
        .join("\n");
    (text, info, strings)
}

fn content_digest(out: &Path) -> String {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).expect("manifest"))
            .expect("manifest is JSON");
    manifest["content_sha256"]
        .as_str()
        .expect("content_sha256")
        .to_string()
}

/// The differences between two builds for one audience, apart from the content digest.
fn differences(a: &Path, b: &Path, audience: &str) -> Vec<String> {
    let fixture = fixture_model();
    let (fa, fb) = (files(a), files(b));
    let mut out = Vec::new();
    if fa != fb {
        let only_a: Vec<_> = fa.iter().filter(|p| !fb.contains(p)).collect();
        let only_b: Vec<_> = fb.iter().filter(|p| !fa.contains(p)).collect();
        out.push(format!(
            "different files: only in the first {only_a:?}, only in the second {only_b:?}"
        ));
    }
    // The digest covers only what the audience sees (SPEC §14.6).
    let (da, db) = (content_digest(a), content_digest(b));
    if audience == INTERNAL {
        assert_ne!(
            da, db,
            "the variant should change internal's content digest"
        );
    } else if da != db {
        out.push(format!("the content digest changed: {da} → {db}"));
    }
    for rel in fa.into_iter().filter(|p| fb.contains(p)) {
        let (pa, pb) = (a.join(&rel), b.join(&rel));
        if rel == "manifest.json" {
            let strip = |p: &Path| {
                let mut m: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(p).expect("manifest")).expect("JSON");
                m["content_sha256"] = serde_json::Value::Null;
                // PDFs show the digest, so their hashes change with it.
                let files = m["files"].as_object_mut().expect("files");
                files.retain(|k, _| !k.ends_with(".pdf"));
                m
            };
            if strip(&pa) != strip(&pb) {
                out.push("manifest.json differs beyond the digest and PDF hashes".into());
            }
        } else if rel.ends_with(".pdf") {
            let pack_audience = rel
                .rsplit('/')
                .next()
                .and_then(|n| n.strip_suffix(".pdf"))
                .and_then(|id| fixture.packs.get(id))
                .map(String::as_str);
            if pack_audience != Some(audience) {
                continue; // another audience's pack: its records did change
            }
            let (va, vb) = (pack_view(&pa, &da), pack_view(&pb, &db));
            for (what, x, y) in [
                ("text", &va.0, &vb.0),
                ("metadata", &va.1, &vb.1),
                ("strings (bookmarks, links)", &va.2, &vb.2),
            ] {
                if x != y {
                    let at = x.chars().zip(y.chars()).take_while(|(p, q)| p == q).count();
                    let around = |s: &str| {
                        s.chars()
                            .skip(at.saturating_sub(80))
                            .take(200)
                            .collect::<String>()
                    };
                    out.push(format!(
                        "{rel}: {what} differs at char {at}:\n  {}\n  {}",
                        around(x),
                        around(y)
                    ));
                }
            }
        } else {
            let (x, y) = (
                std::fs::read(&pa).expect("file"),
                std::fs::read(&pb).expect("file"),
            );
            if x != y {
                let (x, y) = (String::from_utf8_lossy(&x), String::from_utf8_lossy(&y));
                let at = x.bytes().zip(y.bytes()).take_while(|(p, q)| p == q).count();
                let around = |s: &str| {
                    let bytes = s.as_bytes();
                    String::from_utf8_lossy(
                        &bytes[at.saturating_sub(120)..(at + 120).min(bytes.len())],
                    )
                    .into_owned()
                };
                out.push(format!(
                    "{rel} differs at byte {at}:\n  {}\n  {}",
                    around(&x),
                    around(&y)
                ));
            }
        }
    }
    out
}

#[test]
fn changing_or_adding_withheld_records_changes_nothing_an_audience_sees() {
    let mut problems = Vec::new();
    for audience in &AUDIENCES[..3] {
        let content = variant_for(audience, &format!("variant-content-{audience}"));
        let out = scratch(&format!("variant-{audience}"));
        build(&content, &out, audience);
        problems.extend(
            differences(&builds()[audience], &out, audience)
                .into_iter()
                .map(|d| format!("{audience}: {d}")),
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn the_internal_build_does_change_with_the_same_variant() {
    // The comparison above can fail: internal sees every change the variant makes.
    let content = variant_for("public", "variant-content-for-internal");
    let out = scratch("variant-internal");
    build(&content, &out, INTERNAL);
    let diffs = differences(&builds()[INTERNAL], &out, INTERNAL);
    for expected in [
        "site/index.html",
        "data/records.json",
        "data/recommendation.csv",
        "site/search-index.js",
        "site/matrix.html",
        "pdf/pack-internal.pdf: text",
        "pdf/pack-internal.pdf: strings",
    ] {
        assert!(
            diffs.iter().any(|d| d.starts_with(expected)),
            "the internal build should differ in {expected}; differences: {diffs:#?}"
        );
    }
}

#[test]
fn planted_leaks_are_found_in_every_form() {
    let dir = scratch("planted");
    copy_tree(&builds()["public"], &dir);
    assert_eq!(
        leaks(&dir, "public"),
        Vec::<String>::new(),
        "clean to start with"
    );
    let planted: [(&str, &[u8], &str); 7] = [
        (
            "site/planted-entities.html",
            b"<p>&#90;&#x51;RECINTTITLE</p>",
            "decoded",
        ),
        (
            "site/planted-percent.html",
            b"<a href=\"x/%7a%71recint.html\">x</a>",
            "decoded",
        ),
        (
            "site/planted-escape.js",
            b"var x = \"\\u005A\\u0051RECINTBODY\";",
            "decoded",
        ),
        (
            "site/files/evidence/files/zqevintfile.txt",
            b"nothing inside",
            "file name",
        ),
        ("data/planted.csv", b"a,ZQRECINTAREA\r\n", "bytes"),
        (
            "site/planted-utf16.txt",
            b"\0Z\0Q\0R\0E\0C\0I\0N\0T\0B\0O\0D\0Y",
            "bytes without NULs",
        ),
        // A marker hiding in the middle of a word of ordinary text.
        (
            "site/planted-word.html",
            b"<p>xxZqRecIntOwnerxx</p>",
            "bytes",
        ),
    ];
    for (rel, bytes, _) in planted {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("plant");
    }
    // The internal pack put where the public one is: every PDF channel must see it.
    std::fs::copy(
        builds()[INTERNAL].join("pdf/pack-internal.pdf"),
        dir.join("site/packs/pack-public.pdf"),
    )
    .expect("plant a pack");
    let found = leaks(&dir, "public");
    for (rel, _, channel) in planted {
        assert!(
            found
                .iter()
                .any(|l| l.starts_with(&format!("{rel} [{channel}"))),
            "the planted leak in {rel} ({channel}) was not found: {found:#?}"
        );
    }
    for channel in [
        "pdftotext",
        "pdftotext without whitespace",
        "qpdf --qdf",
        "PDF strings and names",
    ] {
        assert!(
            found
                .iter()
                .any(|l| l.starts_with(&format!("site/packs/pack-public.pdf [{channel}]"))),
            "the internal pack planted as the public one was not caught through {channel}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// The routes of SPEC §14.6, each once a way through the wall: `tests/fixtures/leak-routes`
// holds every one that must build (objectives with their own audience and marking, in
// `.md` plans and list files; links and `[[…]]` inside raw HTML, inline HTML and
// comments; a pack per audience); the others (a `file:` naming a record's file, merge
// keys, a misspelt `audience`, the accessibility statement's links) are variants that
// must be refused. Every output byte of every audience is searched, PDFs decompressed
// and the workbook unzipped, for each withheld item's ID, title, body words, owner, file
// name and hash.

fn routes_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/leak-routes")
}

/// The withheld items of the routes fixture and who may see each; `None`: nobody, not
/// even internal (HTML comments).
const ROUTE_ITEMS: &[(&str, Option<&[&str]>)] = &[
    ("zwrecint", Some(&[])),
    ("zwrecinsp", Some(&["inspector"])),
    ("zwobjint", Some(&[])),
    ("zwobjpub", Some(&["public"])),
    ("zwobjlist", Some(&[])),
    ("zwplanlist", Some(&[])),
    ("zwplanlisto1", Some(&[])),
    ("zwactlistint", Some(&[])),
    ("zwevint", Some(&[])),
    ("zwcomment", None),
    // Only in variants (an internal indicator and its figures file), built for the
    // inspector and the public alone: never to be seen there.
    ("zwindint", None),
];

fn route_withheld_from(item: &str, audience: &str) -> bool {
    match ROUTE_ITEMS.iter().find(|(id, _)| *id == item) {
        Some((_, None)) => true,
        Some((_, Some(seen))) => audience != INTERNAL && !seen.contains(&audience),
        None => false,
    }
}

/// Every marker of the routes fixture (in its files' text and names, and the hash of
/// each attachment), lower-cased, with the item owning it: the longest ID it starts with.
fn route_markers(root: &Path) -> BTreeMap<String, &'static str> {
    let owner = |token: &str| -> &'static str {
        ROUTE_ITEMS
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| token.starts_with(id))
            .max_by_key(|id| id.len())
            .unwrap_or_else(|| panic!("marker `{token}` belongs to no item"))
    };
    let re = regex::Regex::new(r"(?i)zw[a-z0-9]+").expect("pattern");
    let mut markers = BTreeMap::new();
    for rel in files(root) {
        let bytes = std::fs::read(root.join(&rel)).expect("fixture file");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        for m in re.find_iter(&rel).chain(re.find_iter(&text)) {
            let token = m.as_str().to_ascii_lowercase();
            let item = owner(&token);
            markers.insert(token, item);
        }
        if let Some(name) = rel.strip_prefix("evidence/files/") {
            if name.starts_with("zw") {
                let hex = format!("{:x}", Sha256::digest(&bytes));
                let item = owner(name);
                markers.insert(hex[..12].to_string(), item);
                markers.insert(hex, item);
            }
        }
    }
    markers
}

/// Markers of items withheld from `audience` found in any byte of an output (every
/// file is for the build's audience): "file [channel]: marker (item)".
fn route_leaks(out: &Path, audience: &str, markers: &BTreeMap<String, &str>) -> Vec<String> {
    let withheld: Vec<(&String, &&str)> = markers
        .iter()
        .filter(|(_, item)| route_withheld_from(item, audience))
        .collect();
    let mut found = Vec::new();
    for rel in files(out) {
        for (channel, text) in channels(&rel, &out.join(&rel)) {
            for (marker, item) in &withheld {
                if text.contains(marker.as_str()) {
                    found.push(format!("{rel} [{channel}]: `{marker}` of `{item}`"));
                }
            }
        }
    }
    found
}

/// Runs `assure ARGS…` with the binary under test.
fn run_assure(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(assure_bin())
        .args(args)
        .output()
        .expect("run assure")
}

/// Builds `content` for `audience` into a fresh folder: the output, or the run that
/// failed.
fn try_build(content: &Path, name: &str, audience: &str) -> Result<PathBuf, std::process::Output> {
    let out = scratch(name);
    let run = run_assure(&[
        "build".as_ref(),
        "--content".as_ref(),
        content.as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
        "--audience".as_ref(),
        audience.as_ref(),
    ]);
    if run.status.success() {
        Ok(out)
    } else {
        Err(run)
    }
}

fn route_builds() -> &'static BTreeMap<&'static str, PathBuf> {
    static OUT: OnceLock<BTreeMap<&'static str, PathBuf>> = OnceLock::new();
    OUT.get_or_init(|| {
        ["inspector", "public", INTERNAL]
            .into_iter()
            .map(|a| {
                let out = scratch(&format!("routes-{a}"));
                build(&routes_dir(), &out, a);
                (a, out)
            })
            .collect()
    })
}

#[test]
fn no_route_reaches_another_audience() {
    let markers = route_markers(&routes_dir());
    assert!(
        markers.len() > 40,
        "the fixture lost its markers: {markers:?}"
    );
    let mut leaks = Vec::new();
    for (audience, out) in route_builds() {
        leaks.extend(
            route_leaks(out, audience, &markers)
                .into_iter()
                .map(|l| format!("{audience}: {l}")),
        );
    }
    assert!(
        leaks.is_empty(),
        "withheld items reached an output:\n{}",
        leaks.join("\n")
    );
}

#[test]
fn the_routes_fixture_shows_each_item_where_it_may() {
    // The search can fail: internal shows every item's title; the public its objective.
    let shown = |out: &Path| -> String {
        files(out)
            .iter()
            .flat_map(|rel| channels(rel, &out.join(rel)))
            .map(|(_, text)| text)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let internal = shown(&route_builds()[INTERNAL]);
    for (item, seen) in ROUTE_ITEMS {
        if seen.is_some() {
            assert!(
                internal.contains(&format!("{item}title")),
                "the internal output lacks {item}'s title"
            );
        }
    }
    let public = shown(&route_builds()["public"]);
    for marker in ["zwobjpubtitle", "zwobjpubbody", "zwobjpubwords"] {
        assert!(
            public.contains(marker),
            "the public output lacks `{marker}`"
        );
    }
    // Raw HTML keeps its visible words, and withheld links say "withheld".
    let page =
        std::fs::read_to_string(route_builds()["inspector"].join("site/pages/page-html.html"))
            .expect("the page");
    assert!(
        page.contains("Last words:") && page.contains("withheld"),
        "{page}"
    );
}

#[test]
fn an_objectives_own_marking_marks_its_audiences_outputs() {
    for (audience, marking) in [
        ("inspector", "OFFICIAL-SENSITIVE"),
        ("public", "OFFICIAL"),
        (INTERNAL, "OFFICIAL-SENSITIVE"),
    ] {
        let html = std::fs::read_to_string(route_builds()[audience].join("site/index.html"))
            .expect("dashboard");
        assert!(
            html.contains(&format!(
                "aria-label=\"Security classification\">{marking}<"
            )),
            "{audience}: the site should be marked {marking}"
        );
    }
}

#[test]
fn a_build_writes_only_its_audiences_packs() {
    for (audience, out) in route_builds() {
        let packs: Vec<String> = files(out)
            .into_iter()
            .filter(|p| p.ends_with(".pdf"))
            .collect();
        assert_eq!(
            packs,
            vec![
                format!("pdf/pack-{audience}.pdf"),
                format!("site/packs/pack-{audience}.pdf")
            ],
            "{audience}"
        );
    }
}

/// A copy of the routes fixture with `edits` applied: (path, text to replace, by what);
/// an empty `from` writes the whole file.
fn routes_variant(name: &str, edits: &[(&str, &str, &str)]) -> PathBuf {
    let dir = scratch(name);
    copy_tree(&routes_dir(), &dir);
    for (rel, from, to) in edits {
        let path = dir.join(rel);
        let text = if from.is_empty() {
            to.to_string()
        } else {
            let old = std::fs::read_to_string(&path).expect("variant file");
            assert!(old.contains(from), "{rel} lacks `{from}`");
            old.replace(from, to)
        };
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write variant");
    }
    dir
}

/// Builds a variant for every audience: each must fail with exit 1 and `code` at
/// every `expected` place ("path:line"), writing no output; a build that goes ahead is
/// searched for leaks, which are named in the failure.
fn assert_refused(name: &str, edits: &[(&str, &str, &str)], code: &str, expected: &[&str]) {
    let content = routes_variant(name, edits);
    let markers = route_markers(&content);
    for audience in ["inspector", "public"] {
        match try_build(&content, &format!("{name}-{audience}"), audience) {
            Ok(out) => panic!(
                "{name}: the build for {audience} went ahead; what it leaked:\n{}",
                route_leaks(&out, audience, &markers).join("\n")
            ),
            Err(run) => {
                let stderr = String::from_utf8_lossy(&run.stderr);
                assert_eq!(run.status.code(), Some(1), "{name}: {stderr}");
                for place in expected {
                    assert!(
                        stderr.lines().any(|l| l.contains(&format!("{place}:"))
                            && l.contains(&format!("[{code}]"))),
                        "{name}: no {code} at {place}:\n{stderr}"
                    );
                }
                assert!(
                    !scratch_path(&format!("{name}-{audience}")).exists(),
                    "{name}: a refused build wrote an output"
                );
            }
        }
    }
}

fn scratch_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("leak-tests")
        .join(name)
}

const STEAL: &str = "---\ntitle: Evidence naming a record's file\nkind: report\ndate: 2014-09-01\nreviewed: 2014-09-01\nsupports: [rec-open]\n";

#[test]
fn route_file_naming_a_records_file_is_refused() {
    assert_refused(
        "route-file",
        &[
            (
                "evidence/steal-md.md",
                "",
                &format!("{STEAL}file: recommendations/zwrecint.md\n---\n"),
            ),
            (
                "evidence/steal-list.md",
                "",
                &format!("{STEAL}file: actions/list.yaml\n---\n"),
            ),
            (
                "evidence/steal-plan.md",
                "",
                &format!("{STEAL}file: ./plans/../plans/list.yaml\n---\n"),
            ),
            (
                "evidence/steal-site.md",
                "",
                &format!("{STEAL}file: site.yaml\n---\n"),
            ),
        ],
        "E007",
        &[
            "evidence/steal-md.md:7",
            "evidence/steal-list.md:7",
            "evidence/steal-plan.md:7",
            "evidence/steal-site.md:7",
        ],
    );
}

/// A withheld indicator whose figures (with a marked note) are in a CSV file.
const FIGURES: [(&str, &str, &str); 2] = [
    (
        "indicators/zwindint.md",
        "",
        "---\ntitle: Withheld indicator\naudience: [internal]\nstatus: active\nunit: number\npolarity: higher-is-better\ntarget: 5\nvalues_file: indicators/zwindintvalues.csv\n---\n",
    ),
    (
        "indicators/zwindintvalues.csv",
        "",
        "period,value,note\n2014-03,4,ZWINDINTNOTE\n",
    ),
];

/// An evidence `file:` naming an indicator's figures file would publish it to whoever
/// sees the evidence: refused (E007), like a record's file.
#[test]
fn route_file_naming_an_indicators_figures_is_refused() {
    let steal = format!("{STEAL}file: indicators/zwindintvalues.csv\n---\n");
    let mut edits = FIGURES.to_vec();
    edits.push(("evidence/steal-figures.md", "", &steal));
    assert_refused(
        "route-figures-file",
        &edits,
        "E007",
        &["evidence/steal-figures.md:7"],
    );
}

/// A relative link from a visible page to a withheld indicator's figures file is
/// dropped for every audience that may not see the indicator, as a link to a withheld
/// record's file is: the CSV is never copied into their output.
#[test]
fn route_links_to_a_withheld_indicators_figures_are_dropped() {
    let mut edits = FIGURES.to_vec();
    edits.push((
        "pages/page-figures.md",
        "",
        "---\ntitle: Figures\norder: 9\n---\nSee [the figures](../indicators/zwindintvalues.csv).\n",
    ));
    let content = routes_variant("route-figures-link", &edits);
    let markers = route_markers(&content);
    for audience in ["inspector", "public"] {
        let out = try_build(
            &content,
            &format!("route-figures-link-{audience}"),
            audience,
        )
        .unwrap_or_else(|run| panic!("{}", String::from_utf8_lossy(&run.stderr)));
        let leaks = route_leaks(&out, audience, &markers);
        assert!(leaks.is_empty(), "{audience}: {leaks:#?}");
    }
}

#[test]
fn route_merge_keys_are_refused() {
    assert_refused(
        "route-merge",
        &[
            (
                "recommendations/merged.yaml",
                "",
                "records:\n  - &hidden\n    id: zwrecintmergeone\n    title: ZWRECINTMERGEONETITLE\n    source: rev-open\n    <<: { audience: [internal] }\n  - <<: *hidden\n    id: zwrecintmergetwo\n    title: ZWRECINTMERGETWOTITLE\n",
            ),
            (
                "pages/merged.md",
                "",
                "---\ntitle: ZWRECINTMERGEPAGETITLE\ndetails:\n  <<: { a: b }\n---\nZWRECINTMERGEPAGEBODY\n",
            ),
        ],
        "E003",
        &[
            "recommendations/merged.yaml:6",
            "recommendations/merged.yaml:7",
            "pages/merged.md:4",
        ],
    );
}

#[test]
fn route_misspelt_audience_is_an_error() {
    assert_refused(
        "route-misspelt",
        &[
            ("recommendations/zwrecint.md", "audience: [internal]", "Audience: [internal]"),
            (
                "pages/zwrecintplural.md",
                "",
                "---\ntitle: ZWRECINTPLURALTITLE\naudiences: [internal]\n---\nZWRECINTPLURALBODY\n",
            ),
            (
                "pages/zwrecintslip.md",
                "",
                "---\ntitle: ZWRECINTSLIPTITLE\naudiance: [internal]\nclasification: OFFICIAL-SENSITIVE\n---\n",
            ),
            ("plans/plan-open.md", "    audience: [internal]\n    classification", "    audeince: [internal]\n    classification"),
        ],
        "E003",
        &[
            "recommendations/zwrecint.md:3",
            "pages/zwrecintplural.md:3",
            "pages/zwrecintslip.md:3",
            "pages/zwrecintslip.md:4",
            "plans/plan-open.md:11",
        ],
    );
}

#[test]
fn route_accessibility_statement_links_stay_inside_the_content() {
    let outside = scratch_path("route-statement-outside.png");
    std::fs::write(&outside, b"not a picture").expect("write");
    assert_refused(
        "route-statement",
        &[(
            "site.yaml",
            "site_audience: inspector\n",
            "site_audience: inspector\naccessibility: \"![logo](../route-statement-outside.png) and [minutes](recommendations/zwrecint.md)\"\n",
        )],
        "E007",
        &["site.yaml:10"],
    );
    // A file inside the content folder is copied with the site, and linked there.
    let content = routes_variant(
        "route-statement-inside",
        &[(
            "site.yaml",
            "site_audience: inspector\n",
            "site_audience: inspector\naccessibility: \"The statement: ![chart](evidence/files/open.txt)\"\n",
        )],
    );
    let out = try_build(&content, "route-statement-inside-out", "inspector")
        .unwrap_or_else(|run| panic!("{}", String::from_utf8_lossy(&run.stderr)));
    let page = std::fs::read_to_string(out.join("site/accessibility.html")).expect("statement");
    assert!(
        page.contains("src=\"files/evidence/files/open.txt\""),
        "{page}"
    );
    assert!(out.join("site/files/evidence/files/open.txt").is_file());
}

fn manifest_digest(out: &Path) -> String {
    content_digest(out)
}

#[test]
fn the_digest_covers_site_yaml_and_only_what_the_audience_sees() {
    let base = &route_builds()["inspector"];
    let digest = manifest_digest(base);
    let cover = |out: &Path| {
        let text = pdftotext(&out.join("pdf/pack-inspector.pdf"));
        text.split('\u{c}').next().unwrap_or("").to_string()
    };
    // Every withheld item changed, in its own file, in a list file and in a plan.
    let hidden = routes_variant(
        "digest-hidden",
        &[
            (
                "recommendations/zwrecint.md",
                "ZWRECINTBODY",
                "ZWRECINTBODY changed",
            ),
            ("plans/plan-open.md", "ZWOBJINTBODY", "ZWOBJINTBODY changed"),
            ("plans/plan-open.md", "ZWOBJPUBBODY", "ZWOBJPUBBODY changed"),
            ("plans/list.yaml", "ZWOBJLISTBODY", "ZWOBJLISTBODY changed"),
            (
                "plans/list.yaml",
                "ZWPLANLISTO1BODY",
                "ZWPLANLISTO1BODY changed",
            ),
            (
                "actions/list.yaml",
                "ZWACTLISTINTBODY",
                "ZWACTLISTINTBODY changed",
            ),
            ("evidence/files/zwevintfile.txt", "", "other bytes\n"),
            (
                "evidence/zwnew.md",
                "",
                "---\ntitle: ZWEVINTNEW\naudience: [internal]\n---\n",
            ),
        ],
    );
    let out = try_build(&hidden, "digest-hidden-out", "inspector")
        .unwrap_or_else(|run| panic!("{}", String::from_utf8_lossy(&run.stderr)));
    assert_eq!(
        manifest_digest(&out),
        digest,
        "withheld edits changed the digest"
    );
    assert_eq!(
        cover(&out),
        cover(base),
        "withheld edits changed the pack cover"
    );
    // What the audience sees does change it: site.yaml, a visible record, a visible
    // record of a list file.
    for (name, edit) in [
        (
            "digest-site",
            (
                "site.yaml",
                "title: Leak routes fixture",
                "title: Leak routes fixture, again",
            ),
        ),
        (
            "digest-visible",
            ("recommendations/rec-open.md", "Recruit", "Recruit, train"),
        ),
        (
            "digest-list",
            (
                "plans/list.yaml",
                "Open objective of the list plan",
                "Open objective, renamed",
            ),
        ),
        (
            "digest-objective",
            (
                "plans/plan-open.md",
                "Everyone sees this objective.",
                "Everyone sees it.",
            ),
        ),
    ] {
        let content = routes_variant(name, &[edit]);
        let out = try_build(&content, &format!("{name}-out"), "inspector")
            .unwrap_or_else(|run| panic!("{}", String::from_utf8_lossy(&run.stderr)));
        assert_ne!(
            manifest_digest(&out),
            digest,
            "{name}: the digest should change"
        );
        assert_ne!(cover(&out), cover(base), "{name}: the cover should change");
    }
}

/// `GET path` from a local server: status and body.
fn http_get(port: u16, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// The problems page `assure serve --audience AUDIENCE` shows for content with errors.
fn served_problems(content: &Path, audience: &str) -> String {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(assure_bin())
        .args(["serve", "--port", "0", "--audience", audience, "--content"])
        .arg(content)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("assure serve starts");
    let mut line = String::new();
    let _ = BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line);
    let port: u16 = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(['/', '?']).next())
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| {
            let _ = child.kill();
            panic!("serve printed no address: {line:?}")
        });
    let start = std::time::Instant::now();
    let mut page = String::new();
    while start.elapsed() < std::time::Duration::from_secs(60) {
        let (status, text) = http_get(port, "/");
        if status == 503 && text.contains("not built yet") {
            page = text;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(!page.is_empty(), "serve never showed its problems page");
    page
}

/// The problems `assure serve --audience AUDIENCE` sends open pages of a site that
/// builds (its warnings, SPEC §14.8), as the first event of the page's event stream.
fn served_warnings(content: &Path, audience: &str) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut child = Command::new(assure_bin())
        .args(["serve", "--port", "0", "--audience", audience, "--content"])
        .arg(content)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("assure serve starts");
    let mut line = String::new();
    let _ = BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line);
    let port: u16 = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(['/', '?']).next())
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| {
            let _ = child.kill();
            panic!("serve printed no address: {line:?}")
        });
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(60) && http_get(port, "/").0 != 200 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    write!(
        stream,
        "GET /__assure/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    )
    .expect("request");
    let mut text = String::new();
    let mut chunk = [0u8; 8192];
    while !text.contains("event: problems") || !text.ends_with("\n\n") {
        match stream.read(&mut chunk) {
            Ok(n) if n > 0 => text.push_str(&String::from_utf8_lossy(&chunk[..n])),
            _ => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        text.contains("event: problems"),
        "serve sent no problems: {text}"
    );
    text
}

/// SPEC §14.6 and §14.8: the overlay of a site that builds shows its warnings, and a
/// warning in a withheld record is counted, never named, unless serving `internal`.
#[test]
fn serve_names_withheld_records_in_warnings_only_when_serving_internal() {
    let content = routes_variant(
        "serve-warnings",
        &[
            // A warning in a withheld record (a near miss of `owner`).
            (
                "recommendations/zwrecint.md",
                "priority: high",
                "priority: high\nownr: ZWRECINTOWNR",
            ),
            // One the inspector may see.
            ("pages/page-html.md", "order: 1", "order: 1\nownr: Visible"),
        ],
    );
    let sent = served_warnings(&content, "inspector").to_ascii_lowercase();
    assert!(
        sent.contains("page-html.md") && sent.contains("\"severity\":\"warning\""),
        "the inspector's own warning is shown: {sent}"
    );
    assert!(
        sent.contains("withheld from"),
        "hidden warnings are counted: {sent}"
    );
    assert!(
        !sent.contains("zwrecint"),
        "serving the inspector names the withheld record: {sent}"
    );
    let sent = served_warnings(&content, INTERNAL).to_ascii_lowercase();
    assert!(
        sent.contains("zwrecint"),
        "serving internal names every warning: {sent}"
    );
}

#[test]
fn serve_names_withheld_records_only_when_serving_internal() {
    let content = routes_variant(
        "serve-problems",
        &[
            // A problem in a withheld record, and one naming it from a visible record.
            (
                "recommendations/zwrecint.md",
                "priority: high",
                "priority: ZWRECINTPRIORITY",
            ),
            (
                "actions/act-open.md",
                "addresses: [rec-open]",
                "addresses: [rec-open, zwevint]",
            ),
            // One the inspector may see.
            ("pages/page-html.md", "order: 1", "order: first"),
            // A bad row in the figures file of a withheld indicator: the problem is in
            // the CSV, a file that is not a record's, but it belongs to one.
            (
                "indicators/zwindint.md",
                "",
                "---\ntitle: Withheld indicator\naudience: [internal]\nstatus: active\nunit: number\npolarity: higher-is-better\ntarget: 5\nvalues_file: indicators/zwindintvalues.csv\n---\n",
            ),
            (
                "indicators/zwindintvalues.csv",
                "",
                "period,value\n2014-03,ZWINDINTVALUE\n",
            ),
        ],
    );
    let page = served_problems(&content, "inspector").to_ascii_lowercase();
    assert!(
        page.contains("page-html.md"),
        "the inspector's own problem is shown: {page}"
    );
    assert!(
        page.contains("withheld from"),
        "hidden problems are counted: {page}"
    );
    for marker in ["zwrecint", "zwevint", "zwindint"] {
        assert!(
            !page.contains(marker),
            "serving the inspector names `{marker}`: {page}"
        );
    }
    let page = served_problems(&content, INTERNAL).to_ascii_lowercase();
    for marker in ["zwrecint", "zwevint", "zwindintvalues.csv", "page-html.md"] {
        assert!(
            page.contains(marker),
            "serving internal should name `{marker}`"
        );
    }
}
