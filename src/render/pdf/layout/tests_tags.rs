//! Tagged PDF (SPEC §13.3, "Accessible packs"): a document with every kind of
//! block is checked by the `page_validation` crate's PDF/UA-1 profile, and the
//! reading order `pdfinfo -struct-text` gives for a small one is compared with
//! a checked-in copy.

use lopdf::Object;
use page_validation::{validate_pdf_bytes, ValidationOptions, ValidationProfile};

use super::tests_layout::{fonts, info};
use super::tests_pdf::{png, run, save};
use super::*;

fn heading(level: u8, text: &str, anchor: &str) -> Block {
    Block::Heading {
        level,
        text: vec![Inline::plain(text)],
        anchor: (!anchor.is_empty()).then(|| anchor.to_string()),
        outline: true,
    }
}

fn para(text: &str) -> Block {
    Block::Paragraph(vec![Inline::plain(text)])
}

fn item(text: &str) -> Vec<Block> {
    vec![para(text)]
}

/// Cover, a two-page contents, headings at every level, nested lists, a quote,
/// code, a table over three pages with links in its cells, a key-value list,
/// images with and without alternative text (and one that cannot be read),
/// footnotes, internal, external and page-number links, rules.
// Long: a fixture, one of every kind of block written out in full; split, it
// would only be harder to see that none is missing.
fn every_block() -> Vec<Block> {
    let red = png(4, 3, 2, &[200, 30, 30]);
    let mut blocks = vec![
        Block::Cover {
            title: "Accessible pack".into(),
            lines: vec![
                ("Organisation".into(), "Test Council".into()),
                ("Issued".into(), "31 March 2025".into()),
            ],
            logo: None,
            colour: None,
        },
        Block::Contents,
        Block::PageBreak,
    ];
    // Every heading level, twice over, some skipping a level.
    for level in [1u8, 2, 3, 4, 5, 6, 2, 4, 6, 1] {
        blocks.push(heading(level, &format!("Level {level} heading"), ""));
        blocks.push(Block::Paragraph(vec![
            Inline::plain("Text under it, with a "),
            Inline::link("link to the register", Link::Internal("register".into())),
            Inline::plain(" (p. "),
            Inline::page_of("register"),
            Inline::plain(") and a footnote.[1]"),
        ]));
    }
    blocks.extend([
        Block::List {
            ordered: false,
            start: 1,
            items: vec![
                item("First"),
                vec![
                    para("Second, with a nested list"),
                    Block::List {
                        ordered: true,
                        start: 1,
                        items: vec![
                            item("Nested one"),
                            vec![Block::List {
                                ordered: false,
                                start: 1,
                                items: vec![item("Deepest, first line of its item")],
                            }],
                        ],
                    },
                ],
                vec![],
            ],
        },
        Block::Quote(vec![
            para("A quoted paragraph."),
            Block::List {
                ordered: true,
                start: 3,
                items: vec![item("Quoted item")],
            },
        ]),
        Block::Code("fn main() {\n    println!(\"hello\");\n}\n".into()),
        Block::Rule,
        Block::Image {
            data: red.clone(),
            alt: "A red square".into(),
        },
        Block::Image {
            data: red,
            alt: String::new(),
        },
        Block::Image {
            data: b"not an image".to_vec(),
            alt: "A chart that could not be read".into(),
        },
        Block::KeyValue(vec![
            ("Status".into(), vec![Inline::plain("Evidenced")]),
            (
                "Source".into(),
                vec![Inline::link(
                    "GOV.UK",
                    Link::External("https://www.gov.uk/".into()),
                )],
            ),
        ]),
        Block::PageBreak,
        heading(1, "Evidence register", "register"),
        Block::Table {
            header: ["ID", "Title", "Link"]
                .iter()
                .map(|s| vec![Inline::plain(*s)])
                .collect(),
            rows: (0..100)
                .map(|i| {
                    vec![
                        vec![Inline::plain(format!("EV-{i:03}"))],
                        vec![Inline::plain(format!("Evidence item {i}"))],
                        vec![Inline::link(
                            format!("source {i}"),
                            Link::External(format!("https://example.org/{i}")),
                        )],
                    ]
                })
                .collect(),
        },
        // A ragged table: a short row and a long one.
        Block::Table {
            header: vec![vec![Inline::plain("One")], vec![Inline::plain("Two")]],
            rows: vec![
                vec![vec![Inline::plain("a")]],
                vec![
                    vec![Inline::plain("b")],
                    vec![Inline::plain("c")],
                    vec![Inline::plain("d")],
                ],
            ],
        },
        heading(2, "Footnotes", ""),
        para("[1] The footnote's text."),
    ]);
    // A long contents: enough headings for two contents pages.
    for n in 0..70 {
        blocks.push(heading(2 + (n % 2) as u8, &format!("Section {n}"), ""));
        blocks.push(para("More."));
    }
    blocks
}

/// The validator's report, printed, and whether it found nothing.
fn validate(pdf: &[u8]) -> (bool, String) {
    let options = ValidationOptions::default().profile(ValidationProfile::PdfUa1);
    let report = validate_pdf_bytes(pdf, &options).expect("page_validation reads the PDF");
    (
        report.is_compliant && report.failures.is_empty() && report.rules.failed == 0,
        report.to_string(),
    )
}

#[test]
fn every_kind_of_block_meets_pdf_ua_1() {
    let rendered = render_detailed(&info(), fonts(), &every_block()).unwrap();
    let (ok, report) = validate(&rendered.pdf);
    assert!(ok, "{report}");
    let path = save(&rendered.pdf, "every-block");
    let pdfinfo = run("pdfinfo", &[path.to_str().unwrap()]);
    assert!(pdfinfo.contains("Tagged:          yes"), "{pdfinfo}");

    // The register's table runs over three pages at least, with its header on
    // each, but the header is read once: the repeats are furniture.
    let register = rendered.anchors["register"];
    let text = run(
        "pdftotext",
        &[
            "-f",
            &register.to_string(),
            "-l",
            &(register + 2).to_string(),
            path.to_str().unwrap(),
            "-",
        ],
    );
    assert!(text.contains("EV-000") && text.contains("EV-099"), "{text}");
    let struct_text = run("pdfinfo", &["-struct-text", path.to_str().unwrap()]);
    assert!(struct_text.contains("\"EV-099\""), "{struct_text}");
    let headers = struct_text.lines().filter(|l| l.trim() == "\"ID\"").count();
    assert_eq!(headers, 1, "the header row is read once:\n{struct_text}");
    // Furniture is not read.
    assert!(!struct_text.contains("OFFICIAL"), "{struct_text}");
    assert!(!struct_text.contains("Page 1 of"), "{struct_text}");
    // The image without alternative text has a fallback description.
    let doc = lopdf::Document::load_mem(&rendered.pdf).unwrap();
    let alts: Vec<String> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"S").and_then(Object::as_name).ok() == Some(b"Figure"))
        .filter_map(|d| d.get(b"Alt").and_then(Object::as_str).ok())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    assert_eq!(
        alts,
        ["A red square", "Image (no description given)"],
        "figures in reading order"
    );
}

#[test]
fn links_are_described_and_inside_link_elements() {
    let pdf = render(&info(), fonts(), &every_block()).unwrap();
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let mut links = 0;
    for page_id in doc.get_pages().into_values() {
        let page = doc.get_dictionary(page_id).unwrap();
        assert_eq!(
            page.get(b"Tabs").and_then(Object::as_name).ok(),
            Some(&b"S"[..])
        );
        assert!(page.get(b"StructParents").is_ok());
        let Ok(annots) = page.get(b"Annots").and_then(Object::as_array) else {
            continue;
        };
        for annot in annots {
            let id = annot
                .as_reference()
                .expect("annotations are indirect objects");
            let annot = doc.get_dictionary(id).unwrap();
            let contents = annot.get(b"Contents").and_then(Object::as_str).unwrap();
            assert!(!contents.is_empty());
            assert!(annot.get(b"StructParent").is_ok());
            links += 1;
        }
    }
    assert!(links > 100, "{links} links");
    let described: Vec<String> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter_map(|d| d.get(b"Contents").and_then(Object::as_str).ok())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    assert!(described.iter().any(|d| d == "link to the register"));
    assert!(described.iter().any(|d| d == "source 7"));
    assert!(described.iter().any(|d| d.starts_with("Page ")));
    assert!(described
        .iter()
        .any(|d| d.starts_with("Evidence register (page ")));
}

/// A small document: the reading order of its structure tree.
fn small() -> Vec<Block> {
    vec![
        heading(1, "Summary", "summary"),
        Block::Paragraph(vec![
            Inline::plain("Read the "),
            Inline::link("guidance", Link::External("https://www.gov.uk/".into())),
            Inline::plain(" first."),
        ]),
        Block::List {
            ordered: true,
            start: 1,
            items: vec![item("Plan"), item("Act")],
        },
        heading(2, "Register", ""),
        Block::Table {
            header: vec![vec![Inline::plain("ID")], vec![Inline::plain("Title")]],
            rows: vec![
                vec![vec![Inline::plain("EV-1")], vec![Inline::plain("Audit")]],
                vec![vec![Inline::plain("EV-2")], vec![Inline::plain("Survey")]],
            ],
        },
        Block::Image {
            data: png(2, 2, 2, &[0, 0, 255]),
            alt: "A blue square".into(),
        },
    ]
}

#[test]
fn the_structure_reads_in_order_without_furniture() {
    let pdf = render(&info(), fonts(), &small()).unwrap();
    let path = save(&pdf, "reading-order");
    let got = run("pdfinfo", &["-struct-text", path.to_str().unwrap()]);
    let expected_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tagged/reading-order.txt"
    );
    if std::env::var_os("ASSURE_BLESS").is_some() {
        std::fs::write(expected_path, &got).unwrap();
    }
    let expected = std::fs::read_to_string(expected_path).unwrap();
    assert_eq!(
        got, expected,
        "pdfinfo -struct-text (ASSURE_BLESS=1 rewrites it)"
    );
}

#[test]
fn tagging_keeps_the_output_identical() {
    let a = render(&info(), fonts(), &every_block()).unwrap();
    let b = render(&info(), fonts(), &every_block()).unwrap();
    assert!(a == b, "two renders differ");
}
