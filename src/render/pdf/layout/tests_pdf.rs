//! Tests that read the written PDF back: with lopdf, and with the poppler and
//! qpdf command-line tools (`pdfinfo`, `pdftotext`, `pdffonts`, `pdfimages`,
//! `pdftoppm`, `qpdf`), which are assumed to be installed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use lopdf::{Dictionary, Object, ObjectId};

use super::page::{MARGIN_X, PAGE_H, PAGE_W};
use super::tests_layout::{fonts, info};
use super::*;

/// A PDF written to a folder of its own in the temporary folder; the folder
/// (with anything tools wrote beside the PDF) is removed when this is dropped.
pub(super) struct Saved {
    dir: PathBuf,
    path: PathBuf,
}

impl std::ops::Deref for Saved {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.path
    }
}

impl Drop for Saved {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes `pdf` to a fresh file in the temporary folder.
pub(super) fn save(pdf: &[u8], name: &str) -> Saved {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir =
        std::env::temp_dir().join(format!("assure-pdf-test-{}-{n}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create a temporary folder");
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).expect("write the PDF");
    Saved { dir, path }
}

/// Runs a tool and returns its standard output; fails the test if it fails.
pub(super) fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (is it installed?): {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn page_text(path: &Path, page: usize) -> String {
    let page = page.to_string();
    let path = path.to_str().unwrap();
    run("pdftotext", &["-f", &page, "-l", &page, path, "-"])
}

fn para(parts: Vec<Inline>) -> Block {
    Block::Paragraph(parts)
}

fn heading(level: u8, text: &str, anchor: &str) -> Block {
    Block::Heading {
        level,
        text: vec![Inline::plain(text)],
        anchor: (!anchor.is_empty()).then(|| anchor.to_string()),
        outline: true,
    }
}

/// A few pages of everything: cover, contents, nested headings, a long table,
/// internal and external links.
fn sample_blocks() -> Vec<Block> {
    let mut blocks = vec![
        Block::Cover {
            title: "Evidence pack".into(),
            lines: vec![("Organisation".into(), "Test Council".into())],
            logo: None,
            colour: None,
        },
        Block::Contents,
        Block::PageBreak,
        heading(1, "Summary", "summary"),
        para(vec![
            Inline::plain("See the "),
            Inline::link("register", Link::Internal("register".into())),
            Inline::plain(" on page "),
            Inline::page_of("register"),
            Inline::plain(" and the "),
            Inline::link(
                "guidance",
                Link::External("https://www.gov.uk/guidance".into()),
            ),
            Inline::plain("."),
        ]),
        heading(2, "Strengths", "strengths"),
        para(vec![
            Inline::plain("Children are "),
            Inline::bold("safe"),
            Inline::plain(" and "),
            Inline::italic("heard"),
            Inline::plain(", with "),
            Inline::code("code"),
            Inline::plain(" too."),
        ]),
        Block::PageBreak,
        heading(1, "Evidence register", "register"),
    ];
    blocks.push(Block::Table {
        header: ["ID", "Title", "Date"]
            .iter()
            .map(|s| vec![Inline::plain(*s)])
            .collect(),
        rows: (0..150)
            .map(|i| {
                vec![
                    vec![Inline::link(
                        format!("EV-{i:03}"),
                        Link::Internal("summary".into()),
                    )],
                    vec![Inline::plain(format!("Evidence item {i}"))],
                    vec![Inline::plain("31/03/2025")],
                ]
            })
            .collect(),
    });
    blocks.push(heading(2, "Notes", "notes"));
    blocks.push(para(vec![Inline::plain("The end.")]));
    blocks
}

fn load(pdf: &[u8]) -> lopdf::Document {
    lopdf::Document::load_mem(pdf).expect("lopdf reads the PDF")
}

fn dict<'a>(doc: &'a lopdf::Document, object: &'a Object) -> &'a Dictionary {
    match object {
        Object::Reference(id) => doc.get_object(*id).and_then(Object::as_dict).unwrap(),
        other => other.as_dict().unwrap(),
    }
}

fn text_of(object: &Object) -> String {
    let bytes = object.as_str().unwrap();
    if let Some(utf16) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = utf16
            .chunks_exact(2)
            .map(|p| u16::from_be_bytes([p[0], p[1]]))
            .collect();
        String::from_utf16(&units).unwrap()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[test]
fn every_page_has_the_marking_and_its_number() {
    let rendered = render_detailed(&info(), fonts(), &sample_blocks()).unwrap();
    let path = save(&rendered.pdf, "furniture");
    let pdfinfo = run("pdfinfo", &[path.to_str().unwrap()]);
    assert!(pdfinfo.contains(&format!("Pages:           {}", rendered.pages)));
    assert!(pdfinfo.contains("A4"));
    assert!(rendered.pages >= 5);
    for page in 1..=rendered.pages {
        let text = page_text(&path, page);
        assert!(text.matches("OFFICIAL").count() >= 2, "page {page}: {text}");
        assert!(
            text.contains(&format!("Page {page} of {}", rendered.pages)),
            "page {page}: {text}"
        );
    }
}

#[test]
fn text_extracts_in_order_with_spaces() {
    let pdf = render(&info(), fonts(), &sample_blocks()).unwrap();
    let path = save(&pdf, "text");
    let text = run("pdftotext", &[path.to_str().unwrap(), "-"]);
    assert!(
        text.contains("Children are safe and heard, with code too."),
        "{text}"
    );
    assert!(text.contains("See the register on page"));
    assert!(text.contains("Evidence item 149"));
}

#[test]
fn metadata_language_and_nested_bookmarks() {
    let pdf = render(&info(), fonts(), &sample_blocks()).unwrap();
    let doc = load(&pdf);
    let catalog = doc.catalog().unwrap();
    assert_eq!(text_of(catalog.get(b"Lang").unwrap()), "en-GB");
    let info_dict = dict(&doc, doc.trailer.get(b"Info").unwrap());
    assert_eq!(text_of(info_dict.get(b"Title").unwrap()), "Test pack");
    assert_eq!(text_of(info_dict.get(b"Author").unwrap()), "Test Council");
    assert_eq!(text_of(info_dict.get(b"Producer").unwrap()), "Assure");
    assert_eq!(
        text_of(info_dict.get(b"CreationDate").unwrap()),
        "D:20250331000000+00'00'"
    );

    // Outline: Contents, Summary (> Strengths), Evidence register (> Notes).
    let outlines = dict(&doc, catalog.get(b"Outlines").unwrap());
    let mut titles = Vec::new();
    let mut item = outlines.get(b"First").ok().cloned();
    while let Some(object) = item {
        let entry = dict(&doc, &object);
        let title = text_of(entry.get(b"Title").unwrap());
        let children: Vec<String> = match entry.get(b"First") {
            Ok(first) => {
                let mut names = Vec::new();
                let mut child = Some(first.clone());
                while let Some(c) = child {
                    let d = dict(&doc, &c);
                    names.push(text_of(d.get(b"Title").unwrap()));
                    child = d.get(b"Next").ok().cloned();
                }
                names
            }
            Err(_) => Vec::new(),
        };
        titles.push((title, children));
        item = entry.get(b"Next").ok().cloned();
    }
    assert_eq!(
        titles,
        [
            ("Contents".to_string(), vec![]),
            ("Summary".to_string(), vec!["Strengths".to_string()]),
            ("Evidence register".to_string(), vec!["Notes".to_string()]),
        ]
    );
}

/// Every link annotation as (page number, target page number or URL).
fn links(doc: &lopdf::Document) -> Vec<(u32, String)> {
    let pages = doc.get_pages();
    let page_of: BTreeMap<ObjectId, u32> = pages.iter().map(|(n, id)| (*id, *n)).collect();
    let mut out = Vec::new();
    for (n, id) in &pages {
        let page = doc.get_dictionary(*id).unwrap();
        let Ok(annots) = page.get(b"Annots").and_then(Object::as_array) else {
            continue;
        };
        for annot in annots {
            let annot = dict(doc, annot);
            assert_eq!(annot.get(b"Subtype").unwrap().as_name().unwrap(), b"Link");
            let action = dict(doc, annot.get(b"A").unwrap());
            match action.get(b"S").unwrap().as_name().unwrap() {
                b"GoTo" => {
                    let dest = action.get(b"D").unwrap().as_array().unwrap();
                    let target = page_of[&dest[0].as_reference().unwrap()];
                    out.push((*n, target.to_string()));
                }
                b"URI" => out.push((*n, text_of(action.get(b"URI").unwrap()))),
                other => panic!("unexpected action {other:?}"),
            }
        }
    }
    out
}

#[test]
fn links_point_at_the_pages_of_their_anchors() {
    let rendered = render_detailed(&info(), fonts(), &sample_blocks()).unwrap();
    let doc = load(&rendered.pdf);
    let links = links(&doc);
    let summary = rendered.anchors["summary"] as u32;
    let register = rendered.anchors["register"] as u32;
    assert_ne!(summary, register);
    // From the summary: the register link and its page number, and the URL.
    let from_summary: Vec<&String> = links
        .iter()
        .filter(|(page, _)| *page == summary)
        .map(|(_, t)| t)
        .collect();
    assert!(
        from_summary
            .iter()
            .filter(|t| **t == &register.to_string())
            .count()
            >= 2
    );
    assert!(from_summary
        .iter()
        .any(|t| *t == "https://www.gov.uk/guidance"));
    // Every register row links back to the summary.
    let back = links
        .iter()
        .filter(|(_, t)| *t == summary.to_string())
        .count();
    assert!(back >= 150);
    // The contents (page 2) links each entry to its heading's page.
    let contents: Vec<&String> = links
        .iter()
        .filter(|(page, _)| *page == 2)
        .map(|(_, t)| t)
        .collect();
    assert!(contents.contains(&&summary.to_string()));
    assert!(contents.contains(&&register.to_string()));
    // And the page number printed after "on page" is that page.
    let path = save(&rendered.pdf, "links");
    let text = page_text(&path, summary as usize);
    assert!(
        text.contains(&format!("register on page {register}")),
        "{text}"
    );
}

#[test]
fn fonts_are_embedded_and_subset() {
    let pdf = render(&info(), fonts(), &sample_blocks()).unwrap();
    let path = save(&pdf, "fonts");
    let listing = run("pdffonts", &[path.to_str().unwrap()]);
    let rows: Vec<&str> = listing.lines().skip(2).collect();
    assert_eq!(rows.len(), 4, "{listing}"); // regular, bold, italic, mono
    for row in rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        // name, type (2 words), encoding, emb, sub, uni, object, generation
        assert_eq!(columns[4..7], ["yes", "yes", "yes"], "{row}");
        assert!(columns[0].contains("+Liberation"), "{row}");
    }
    assert!(
        pdf.len() < 200_000,
        "subset fonts keep files small: {}",
        pdf.len()
    );
}

#[test]
fn qpdf_finds_no_errors() {
    let pdf = render(&info(), fonts(), &sample_blocks()).unwrap();
    let path = save(&pdf, "qpdf");
    let out = run("qpdf", &["--check", path.to_str().unwrap()]);
    assert!(
        out.contains("No syntax or stream encoding errors found"),
        "{out}"
    );
}

#[test]
fn output_is_byte_identical_across_runs_and_threads() {
    let blocks = sample_blocks();
    let first = render(&info(), fonts(), &blocks).unwrap();
    // Something else rendered in between moves printpdf's internal counters.
    render(
        &info(),
        fonts(),
        &[Block::Paragraph(vec![Inline::plain("x")])],
    )
    .unwrap();
    let second = render(&info(), fonts(), &blocks).unwrap();
    assert!(first == second, "two runs differ");
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| render(&info(), fonts(), &blocks).unwrap());
        let b = scope.spawn(|| render(&info(), fonts(), &blocks).unwrap());
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(a == first && b == first, "threaded runs differ");
    // The /ID is derived from the content.
    let doc = load(&first);
    let id = doc.trailer.get(b"ID").unwrap().as_array().unwrap();
    assert_eq!(id[0].as_str().unwrap().len(), 16);
    assert!(id[0].as_str().unwrap().iter().any(|&b| b != 0));
}

/// Word boxes from `pdftotext -bbox`: (page, xMin, yMin, xMax, yMax, word).
fn word_boxes(path: &Path) -> Vec<(usize, f32, f32, f32, f32, String)> {
    let html = run("pdftotext", &["-bbox", path.to_str().unwrap(), "-"]);
    let attr = |line: &str, name: &str| -> f32 {
        let start = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let end = start + line[start..].find('"').unwrap();
        line[start..end].parse().unwrap()
    };
    let mut page = 0;
    let mut out = Vec::new();
    for line in html.lines() {
        let line = line.trim();
        if line.starts_with("<page") {
            page += 1;
        } else if line.starts_with("<word") {
            let word =
                line[line.find('>').unwrap() + 1..line.rfind("</word>").unwrap()].to_string();
            out.push((
                page,
                attr(line, "xMin"),
                attr(line, "yMin"),
                attr(line, "xMax"),
                attr(line, "yMax"),
                word,
            ));
        }
    }
    out
}

#[test]
fn stress_document_keeps_all_text_inside_the_margins() {
    let url = format!("https://example.org/{}", "evidence-".repeat(33));
    assert!(url.len() >= 300);
    let nested = |depth: usize| -> Block {
        let mut block = Block::List {
            ordered: false,
            start: 1,
            items: vec![vec![para(vec![Inline::plain(format!(
                "Deepest item {depth}"
            ))])]],
        };
        for level in (0..depth).rev() {
            block = Block::List {
                ordered: level % 2 == 1,
                start: 1,
                items: vec![vec![
                    para(vec![Inline::plain(format!(
                        "Item at level {level} with a little text"
                    ))]),
                    block,
                ]],
            };
        }
        block
    };
    let blocks = vec![
        heading(1, "Stress", "stress"),
        para(vec![
            Inline::plain("A long link: "),
            Inline::link(url.clone(), Link::External(url.clone())),
        ]),
        nested(4),
        Block::Table {
            header: ["ID", "Title", "Kind", "Notes"]
                .iter()
                .map(|s| vec![Inline::plain(*s)])
                .collect(),
            rows: (0..2000)
                .map(|i| {
                    vec![
                        vec![Inline::plain(format!("EV-{i:04}"))],
                        vec![Inline::plain(format!("Row {i} title with several words"))],
                        if i % 10 == 0 {
                            vec![]
                        } else {
                            vec![Inline::plain("Audit")]
                        },
                        vec![Inline::plain(if i == 7 { url.as_str() } else { "ok" })],
                    ]
                })
                .collect(),
        },
    ];
    let rendered = render_detailed(&info(), fonts(), &blocks).unwrap();
    assert!(rendered.pages > 30);
    let path = save(&rendered.pdf, "stress");
    let words = word_boxes(&path);
    assert!(words.len() > 10_000);
    for (page, x0, y0, x1, y1, word) in &words {
        assert!(
            *x0 >= MARGIN_X - 0.5 && *x1 <= PAGE_W - MARGIN_X + 0.5,
            "{word:?} on page {page} sticks out sideways: {x0}..{x1}"
        );
        assert!(
            *y0 >= 20.0 && *y1 <= PAGE_H - 20.0,
            "{word:?} on page {page} sticks out vertically: {y0}..{y1}"
        );
    }
    // The URL survives extraction in one piece once line breaks are removed
    // (and hyphens, which pdftotext drops at line ends).
    let text = run(
        "pdftotext",
        &["-f", "1", "-l", "1", path.to_str().unwrap(), "-"],
    );
    let joined: String = text.split_whitespace().collect::<String>().replace('-', "");
    assert!(joined.contains(&url.replace('-', "")), "{text}");
    assert!(joined.contains("Deepestitem4"));
}

/// A PNG with stored (uncompressed) deflate blocks, built by hand.
pub(super) fn png(width: u32, height: u32, color_type: u8, pixel: &[u8]) -> Vec<u8> {
    fn crc(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    0xEDB8_8320 ^ (crc >> 1)
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc(&body).to_be_bytes());
    }
    let mut raw = Vec::new();
    for _ in 0..height {
        // Each row: filter type 0 (none), then the pixels.
        raw.extend(std::iter::once(0).chain(pixel.repeat(width as usize)));
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i == blocks.len() - 1));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, color_type, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[test]
fn images_are_embedded_or_replaced_by_their_alt_text() {
    // A real JPEG: the first page of a small PDF, rasterised by pdftoppm.
    let source = render(
        &info(),
        fonts(),
        &[para(vec![Inline::plain("JPEG source")])],
    )
    .unwrap();
    let source_path = save(&source, "jpeg-source");
    let prefix = source_path.with_extension("");
    run(
        "pdftoppm",
        &[
            "-jpeg",
            "-r",
            "10",
            "-singlefile",
            source_path.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let jpeg = std::fs::read(prefix.with_extension("jpg")).expect("pdftoppm wrote a JPEG");

    let blocks = vec![
        Block::Image {
            data: png(40, 20, 2, &[200, 30, 30]),
            alt: "red".into(),
        },
        Block::Image {
            data: png(30, 30, 6, &[30, 30, 200, 128]),
            alt: "translucent blue".into(),
        },
        Block::Image {
            data: jpeg,
            alt: "page".into(),
        },
        Block::Image {
            data: b"not an image".to_vec(),
            alt: "A chart that could not be shown".into(),
        },
    ];
    let pdf = render(&info(), fonts(), &blocks).unwrap();
    let path = save(&pdf, "images");
    let list = run("pdfimages", &["-list", path.to_str().unwrap()]);
    let rows: Vec<Vec<&str>> = list
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    let kinds: Vec<(&str, &str, &str)> = rows.iter().map(|r| (r[2], r[3], r[4])).collect();
    assert!(kinds.contains(&("image", "40", "20")), "{list}");
    assert!(kinds.contains(&("image", "30", "30")), "{list}");
    assert!(kinds.contains(&("smask", "30", "30")), "{list}");
    assert!(
        rows.iter().any(|r| r[2] == "image" && r[8] == "jpeg"),
        "{list}"
    );
    let text = run("pdftotext", &[path.to_str().unwrap(), "-"]);
    assert!(text.contains("A chart that could not be shown"));
    let out = run("qpdf", &["--check", path.to_str().unwrap()]);
    assert!(
        out.contains("No syntax or stream encoding errors found"),
        "{out}"
    );
    // The page renders without complaint.
    let status = Command::new("pdftoppm")
        .args([
            "-r",
            "20",
            "-png",
            path.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        status.status.success() && status.stderr.is_empty(),
        "{status:?}"
    );
}

/// About 300 pages: prose with page references, a contents page and a
/// 6,000-row register. The release build renders it in about a quarter of a
/// second on a 2-core machine (peak RSS about 50 MiB); the limit here is 1 s.
#[test]
#[ignore = "timing: run with `cargo test --release -- --ignored`"]
fn three_hundred_pages_render_within_a_second() {
    let mut blocks = vec![Block::Contents, Block::PageBreak];
    for section in 1..=40 {
        blocks.push(heading(
            1,
            &format!("Section {section}"),
            &format!("s{section}"),
        ));
        for _ in 0..6 {
            blocks.push(para(vec![
                Inline::plain("Children benefit from "),
                Inline::bold("timely help"),
                Inline::plain(" when needs first emerge; see page "),
                Inline::page_of(&format!("s{}", 1 + section % 40)),
                Inline::plain(". Managers provide regular oversight, and audits show improving quality of plans over the last twelve months."),
            ]));
        }
    }
    blocks.push(Block::Table {
        header: ["ID", "Title", "Kind", "Date", "Reviewed", "SHA-256"]
            .iter()
            .map(|s| vec![Inline::plain(*s)])
            .collect(),
        rows: (1..=6000)
            .map(|i| {
                vec![
                    vec![Inline::link(
                        format!("EV-{i:05}"),
                        Link::Internal("s1".into()),
                    )],
                    vec![Inline::plain(format!(
                        "Evidence item {i} about practice quality and the voice of the child"
                    ))],
                    vec![Inline::plain("Audit")],
                    vec![Inline::plain("01/02/2024")],
                    vec![Inline::plain("12/03/2025")],
                    vec![Inline::code(format!("{:012x}", i * 7919))],
                ]
            })
            .collect(),
    });
    let start = std::time::Instant::now();
    let rendered = render_detailed(&info(), fonts(), &blocks).unwrap();
    let elapsed = start.elapsed();
    assert!(rendered.pages >= 250, "{} pages", rendered.pages);
    assert!(
        elapsed.as_secs_f64() < 1.0,
        "{} pages took {elapsed:?}",
        rendered.pages
    );
}
