//! Tests of the layout itself: line breaking, column sizing, pagination rules
//! and odd input, checked on the laid-out document rather than on PDF bytes.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::flow;
use super::fonts::{FaceId, FontFiles, Fonts};
use super::page::{Draw, BODY_BOTTOM, BODY_TOP, MARGIN_X, PAGE_W};
use super::table;
use super::text::{break_lines, content_widths, push_span, Rgb, Span, Style};
use super::*;

macro_rules! font_file {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/themes/default/fonts/",
            $name
        ))
    };
}

/// The default theme's fonts, parsed once for all tests.
pub(super) fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        Fonts::load(&FontFiles {
            regular: font_file!("LiberationSans-Regular.ttf"),
            bold: font_file!("LiberationSans-Bold.ttf"),
            italic: font_file!("LiberationSans-Italic.ttf"),
            bold_italic: font_file!("LiberationSans-BoldItalic.ttf"),
            mono: font_file!("LiberationMono-Regular.ttf"),
        })
        .expect("the theme's fonts load")
    })
}

pub(super) fn info() -> DocInfo {
    DocInfo::new("Test pack", "Test Council", "OFFICIAL", (2025, 3, 31))
}

fn style(face: FaceId) -> Style {
    Style::new(face, 10.0, Rgb(0, 0, 0))
}

fn spans(parts: &[(&str, FaceId)]) -> Vec<Span> {
    let mut out = Vec::new();
    for (text, face) in parts {
        push_span(fonts(), &mut out, text, style(*face));
    }
    out
}

fn line_text(line: &text::Line) -> String {
    line.frags.iter().map(|f| f.text.as_str()).collect()
}

fn para(text: &str) -> Block {
    Block::Paragraph(vec![Inline::plain(text)])
}

fn heading(level: u8, text: &str, anchor: Option<&str>) -> Block {
    Block::Heading {
        level,
        text: vec![Inline::plain(text)],
        anchor: anchor.map(str::to_string),
        outline: true,
    }
}

/// Every piece of text on every page, with its page index.
fn texts(doc: &super::page::Document) -> Vec<(usize, f32, f32, String)> {
    doc.pages
        .iter()
        .enumerate()
        .flat_map(|(n, page)| {
            page.draws.iter().filter_map(move |d| match d {
                Draw::Text { x, y, text, .. } => Some((n, *x, *y, text.clone())),
                _ => None,
            })
        })
        .collect()
}

/// A line that ends where the source had a space carries one (so extracted and tagged
/// text keep the words apart); the last line, and a word cut between characters, do not.
#[test]
fn soft_line_breaks_keep_their_space() {
    let text = "Director of Children's Services and Chair of the safeguarding board ".repeat(6);
    let lines = text::break_lines(fonts(), &spans(&[(&text, FaceId::Regular)]), 200.0);
    assert!(lines.len() > 3);
    let (last, rest) = lines.split_last().unwrap();
    assert!(
        rest.iter().all(|l| l.space_after),
        "every soft break keeps its space"
    );
    assert!(!last.space_after);
    let joined: String = lines
        .iter()
        .map(|l| format!("{}{}", line_text(l), if l.space_after { " " } else { "" }))
        .collect();
    assert_eq!(joined, text.trim_end());
    let long = "x".repeat(300);
    let cut = text::break_lines(fonts(), &spans(&[(&long, FaceId::Regular)]), 100.0);
    assert!(cut.len() > 1 && cut.iter().all(|l| !l.space_after));
}

#[test]
fn lines_fit_and_keep_every_word() {
    let text = "The quick brown fox jumps over the lazy dog. ".repeat(20);
    let sp = spans(&[(&text, FaceId::Regular)]);
    for width in [40.0, 100.0, 250.0, 480.0] {
        let lines = break_lines(fonts(), &sp, width);
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(line.width <= width + 0.01, "{} > {width}", line.width);
            assert!(!line_text(line).ends_with(' '), "no trailing space drawn");
        }
        let joined: Vec<String> = lines.iter().map(line_text).collect();
        assert_eq!(
            joined.join(" ").split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
    }
}

#[test]
fn mixed_styles_share_a_line_with_exact_positions() {
    let sp = spans(&[
        ("plain ", FaceId::Regular),
        ("bold ", FaceId::Bold),
        ("italic", FaceId::Italic),
        (" code", FaceId::Mono),
    ]);
    let lines = break_lines(fonts(), &sp, 500.0);
    assert_eq!(lines.len(), 1);
    let frags = &lines[0].frags;
    assert_eq!(frags.len(), 4);
    for pair in frags.windows(2) {
        assert!((pair[0].x + pair[0].width - pair[1].x).abs() < 0.001);
    }
    assert_eq!(line_text(&lines[0]), "plain bold italic code");
}

#[test]
fn a_word_longer_than_the_line_is_broken_between_characters() {
    let url = format!("https://example.org/{}", "a".repeat(300));
    let sp = spans(&[("see ", FaceId::Regular), (&url, FaceId::Regular)]);
    let lines = break_lines(fonts(), &sp, 200.0);
    assert!(lines.len() > 5);
    for line in &lines {
        assert!(line.width <= 200.01);
    }
    let joined: String = lines.iter().map(line_text).collect();
    assert_eq!(joined.replace(' ', ""), format!("see{url}"));
}

#[test]
fn zero_and_negative_widths_terminate() {
    let sp = spans(&[("abc def", FaceId::Regular)]);
    for width in [0.0, -10.0, f32::MIN_POSITIVE] {
        let lines = break_lines(fonts(), &sp, width);
        assert_eq!(lines.iter().map(line_text).collect::<String>(), "abcdef");
        assert!(lines.iter().all(|l| !l.frags.is_empty()));
    }
    assert!(break_lines(fonts(), &[], 100.0).is_empty());
}

#[test]
fn newlines_force_breaks_and_controls_are_dropped() {
    let sp = spans(&[("one\ntwo\n\nthree\u{0007}\u{200B}", FaceId::Regular)]);
    let lines = break_lines(fonts(), &sp, 500.0);
    let texts: Vec<String> = lines.iter().map(line_text).collect();
    assert_eq!(texts, ["one", "two", "", "three"]);
    assert!(lines[2].size > 0.0, "an empty line still has a height");
}

#[test]
fn missing_glyphs_become_question_marks() {
    let sp = spans(&[("tick \u{2713} ok", FaceId::Regular)]);
    assert_eq!(sp[0].text, "tick ? ok");
}

#[test]
fn content_widths_are_longest_word_and_whole_line() {
    let sp = spans(&[("aa bbbbbbbb c", FaceId::Regular)]);
    let (min, max) = content_widths(fonts(), &sp);
    let face = fonts().face(FaceId::Regular);
    assert!((min - face.text_width("bbbbbbbb", 10.0)).abs() < 0.01);
    assert!((max - face.text_width("aa bbbbbbbb c", 10.0)).abs() < 0.01);
}

#[test]
fn short_columns_keep_their_width_and_the_long_one_wraps() {
    let cell = |t: &str| spans(&[(t, FaceId::Regular)]);
    let long = "A long description that certainly does not fit on one line of a table. ".repeat(4);
    let rows: Vec<Vec<Vec<Span>>> = (0..5)
        .map(|i| {
            vec![
                cell(&format!("EV-{i:04}")),
                cell(&long),
                cell("Training record"),
            ]
        })
        .collect();
    let refs: Vec<&[Vec<Span>]> = rows.iter().map(Vec::as_slice).collect();
    let widths = table::column_widths(fonts(), &refs, 3, 480.0);
    assert!((widths.iter().sum::<f32>() - 480.0).abs() < 0.05);
    let face = fonts().face(FaceId::Regular);
    let pad = 2.0 * table::CELL_PAD_X;
    assert!(widths[0] >= face.text_width("EV-0000", 10.0) + pad - 0.01);
    assert!(widths[2] >= face.text_width("Training record", 10.0) + pad - 0.01);
    assert!(table::column_widths(fonts(), &refs, 0, 480.0).is_empty());
}

#[test]
fn many_narrow_columns_still_fit_the_width() {
    let cell = |t: &str| spans(&[(t, FaceId::Regular)]);
    let rows: Vec<Vec<Vec<Span>>> = vec![(0..120).map(|i| cell(&format!("column{i}"))).collect()];
    let refs: Vec<&[Vec<Span>]> = rows.iter().map(Vec::as_slice).collect();
    let widths = table::column_widths(fonts(), &refs, 120, 480.0);
    assert!(widths.iter().sum::<f32>() <= 480.05);
    assert!(widths.iter().all(|w| *w > 0.0));
}

#[test]
fn headings_are_never_last_on_a_page() {
    // Fill pages with paragraphs of varying length and a heading after each:
    // wherever a page ends, the text after a heading must start on its page.
    let mut blocks = Vec::new();
    for i in 0..120 {
        blocks.push(para(&"Filler text for the page. ".repeat(1 + i % 9)));
        blocks.push(heading(2 + (i % 3) as u8, &format!("Heading {i}"), None));
    }
    blocks.push(para("end"));
    let doc = flow::layout_document(fonts(), &blocks);
    assert!(doc.pages.len() > 3);
    for entry in &doc.outline {
        let next_text = texts(&doc)
            .into_iter()
            .filter(|(page, _, y, text)| {
                (*page, *y) > (entry.at.page, entry.at.y + 20.0) && !text.starts_with("Heading")
            })
            .min_by(|a, b| (a.0, a.2).partial_cmp(&(b.0, b.2)).unwrap());
        let (page, ..) = next_text.expect("text after every heading");
        assert_eq!(
            page, entry.at.page,
            "heading {:?} alone at a page foot",
            entry.title
        );
    }
}

#[test]
fn table_header_repeats_and_rows_are_not_split() {
    let rows: Vec<Vec<Vec<Inline>>> = (0..400)
        .map(|i| {
            vec![
                vec![Inline::plain(format!("R{i}"))],
                vec![Inline::plain(if i % 3 == 0 { "two\nlines" } else { "one" })],
            ]
        })
        .collect();
    let blocks = vec![Block::Table {
        header: vec![vec![Inline::plain("Ref")], vec![Inline::plain("Text")]],
        rows,
    }];
    let doc = flow::layout_document(fonts(), &blocks);
    assert!(doc.pages.len() > 3);
    let all = texts(&doc);
    for page in 0..doc.pages.len() {
        let on_page: Vec<_> = all.iter().filter(|t| t.0 == page).collect();
        let first = on_page
            .iter()
            .min_by(|a, b| a.2.partial_cmp(&b.2).unwrap())
            .unwrap();
        assert_eq!(first.3, "Ref", "page {page} starts with the header");
    }
    // A two-line cell's lines are on the same page.
    for i in (0..400).step_by(3) {
        let label = all.iter().find(|t| t.3 == format!("R{i}")).unwrap();
        let two = all
            .iter()
            // A soft line break's space is drawn at the end of its line.
            .filter(|t| t.0 == label.0 && (t.3.trim() == "two" || t.3 == "lines"))
            .filter(|t| (t.2 - label.2).abs() < 30.0)
            .count();
        assert_eq!(two, 2, "row R{i} split");
    }
}

#[test]
fn a_row_taller_than_a_page_is_split_between_lines() {
    let tall = (0..150)
        .map(|i| format!("line {i}"))
        .collect::<Vec<_>>()
        .join("\n");
    let blocks = vec![Block::Table {
        header: vec![vec![Inline::plain("H")]],
        rows: vec![vec![vec![Inline::plain(tall)]]],
    }];
    let doc = flow::layout_document(fonts(), &blocks);
    assert!(doc.pages.len() >= 3);
    let all = texts(&doc);
    for i in 0..150 {
        let found: Vec<_> = all
            .iter()
            .filter(|t| t.3.trim_end() == format!("line {i}"))
            .collect();
        assert_eq!(found.len(), 1);
        assert!(found[0].2 <= BODY_BOTTOM && found[0].2 >= BODY_TOP);
    }
}

// Long: a list of odd inputs, one per block; the test is the list.
#[test]
fn odd_input_does_not_panic() {
    let long_word = "x".repeat(5000);
    let blocks = vec![
        Block::Table {
            header: vec![],
            rows: vec![],
        },
        Block::Table {
            header: vec![],
            rows: vec![vec![], vec![vec![]], vec![vec![Inline::plain("")]]],
        },
        Block::Table {
            header: vec![vec![Inline::plain("a")]],
            rows: vec![
                vec![],
                vec![
                    vec![Inline::plain("1")],
                    vec![Inline::plain("2")],
                    vec![Inline::plain("3")],
                ],
            ],
        },
        Block::KeyValue(vec![]),
        Block::KeyValue(vec![(String::new(), vec![])]),
        Block::List {
            ordered: true,
            start: u64::MAX,
            items: vec![vec![], vec![], vec![Block::Anchor("in-list".into())]],
        },
        Block::List {
            ordered: false,
            start: 0,
            items: vec![],
        },
        Block::Quote(vec![]),
        Block::List {
            ordered: false,
            start: 1,
            items: vec![vec![Block::Heading {
                level: 2,
                text: vec![],
                anchor: None,
                outline: false,
            }]],
        },
        Block::Code(String::new()),
        Block::Code(format!("\t{long_word}\r\n")),
        Block::Heading {
            level: 0,
            text: vec![Inline::plain(&long_word)],
            anchor: Some(String::new()),
            outline: true,
        },
        Block::Heading {
            level: 200,
            text: vec![],
            anchor: None,
            outline: true,
        },
        Block::Paragraph(vec![]),
        Block::Paragraph(vec![Inline::link("x", Link::Internal("nowhere".into()))]),
        Block::Paragraph(vec![Inline::plain("{{page:nowhere}} {{page:unclosed")]),
        Block::Image {
            data: vec![0x89, b'P', b'N', b'G'],
            alt: String::new(),
        },
        Block::Image {
            data: vec![0xFF, 0xD8, 0xFF],
            alt: "broken".into(),
        },
        Block::Cover {
            title: String::new(),
            lines: vec![],
            logo: None,
            colour: None,
        },
        Block::PageBreak,
        Block::PageBreak,
        Block::Contents,
        Block::Rule,
    ];
    let pdf = render(&info(), fonts(), &blocks).expect("renders");
    assert!(pdf.starts_with(b"%PDF-1.7"));
    let empty = render_detailed(&info(), fonts(), &[]).expect("renders");
    assert_eq!(empty.pages, 1);
    let blank_info = DocInfo::new("", "", "", (0, 0, 0));
    render(&blank_info, fonts(), &blocks).expect("renders without marking");
}

/// Builds nesting `depth` deep: each level a list whose only item holds a
/// paragraph and the next level (a quote every third level).
fn deep_nesting(depth: usize) -> Vec<Block> {
    let mut inner = vec![para("bottom")];
    for level in (0..depth).rev() {
        let children = std::mem::take(&mut inner);
        inner = vec![if level % 3 == 2 {
            Block::Quote(children)
        } else {
            Block::List {
                ordered: level % 2 == 0,
                start: 1,
                items: vec![vec![para(&format!("level {level}"))]
                    .into_iter()
                    .chain(children)
                    .collect()],
            }
        }];
    }
    inner
}

/// Drops a deep tree without recursion (the derived drop recurses per level).
fn drop_iteratively(blocks: Vec<Block>) {
    let mut stack = blocks;
    while let Some(block) = stack.pop() {
        match block {
            Block::List { items, .. } => stack.extend(items.into_iter().flatten()),
            Block::Quote(children) => stack.extend(children),
            _ => {}
        }
    }
}

#[test]
fn ten_thousand_levels_of_nesting_render_with_capped_indent() {
    let blocks = deep_nesting(10_000);
    // Layout must not recurse per level: run it on a thread with a small stack.
    let rendered = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn_scoped(scope, || {
                let doc = flow::layout_document(fonts(), &blocks);
                let max_x = texts(&doc).iter().map(|t| t.1).fold(0.0f32, f32::max);
                // Writing the PDF does not recurse per level either.
                let rendered = render_detailed(&info(), fonts(), &blocks).expect("renders");
                assert_eq!(rendered.pages, doc.pages.len());
                (doc.pages.len(), max_x)
            })
            .expect("thread")
            .join()
            .expect("no panic")
    });
    let (pages, max_x) = rendered;
    assert!(pages > 10);
    assert!(
        max_x < MARGIN_X + 0.5 * (PAGE_W - 2.0 * MARGIN_X),
        "indent is capped"
    );
    drop_iteratively(blocks);
}

#[test]
fn page_references_and_contents_use_final_page_numbers() {
    let mut blocks = vec![
        Block::Contents,
        Block::PageBreak,
        Block::Paragraph(vec![
            Inline::plain("Target is on page "),
            Inline::page_of("target"),
            Inline::plain("."),
        ]),
    ];
    for i in 0..150 {
        blocks.push(para(&format!(
            "Filler paragraph {i} with a few words in it."
        )));
    }
    blocks.push(heading(1, "The target", Some("target")));
    let rendered = render_detailed(&info(), fonts(), &blocks).unwrap();
    let page = rendered.anchors["target"];
    assert!(page > 2);
    let doc = flow::layout_document(fonts(), &blocks);
    let all = texts(&doc);
    // Runs on one baseline, joined (the number is a separate, linked run).
    let mut lines: BTreeMap<(usize, i64), String> = BTreeMap::new();
    for (page, _, y, text) in &all {
        lines.entry((*page, *y as i64)).or_default().push_str(text);
    }
    assert!(lines
        .values()
        .any(|l| *l == format!("Target is on page {page}.")));
    // Contents: the heading's entry carries its page number.
    assert!(all.iter().any(|t| t.0 == 0 && t.3 == "The target"));
    // Drawn with a space before it, so the entry reads "The target 3".
    assert!(all.iter().any(|t| t.0 == 0 && t.3 == format!(" {page}")));
}

#[test]
fn list_markers_number_and_nest() {
    use flow::{alphabetic, roman};
    assert_eq!(alphabetic(1), "a");
    assert_eq!(alphabetic(26), "z");
    assert_eq!(alphabetic(27), "aa");
    assert_eq!(roman(1994), "mcmxciv");
    let blocks = vec![Block::List {
        ordered: true,
        start: 9,
        items: vec![
            vec![para("nine")],
            vec![
                para("ten"),
                Block::List {
                    ordered: true,
                    start: 1,
                    items: vec![vec![para("sub")]],
                },
            ],
        ],
    }];
    let doc = flow::layout_document(fonts(), &blocks);
    let all = texts(&doc);
    let x_of = |s: &str| all.iter().find(|t| t.3 == s).map(|t| t.1).unwrap();
    // Numbers are right-aligned: "9." and "10." end at the same x.
    let face = fonts().face(FaceId::Regular);
    let end9 = x_of("9.") + face.text_width("9.", 10.0);
    let end10 = x_of("10.") + face.text_width("10.", 10.0);
    assert!((end9 - end10).abs() < 0.01);
    assert!(x_of("a.") > x_of("10."));
    assert!(x_of("sub") > x_of("ten"));
}

/// A small deterministic generator (xorshift), so the "random" documents below
/// are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn text(&mut self) -> String {
        const PIECES: [&str; 14] = [
            "word",
            " ",
            "  ",
            "\n",
            "\t",
            "a-b",
            "https://example.org/x/y?z=1",
            "é",
            "e\u{301}",
            "\u{1F600}",
            "שלום",
            "\u{0}",
            "{{page:a1}}",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ];
        (0..self.below(12))
            .map(|_| PIECES[self.below(14) as usize])
            .collect()
    }

    fn inlines(&mut self) -> Vec<Inline> {
        (0..self.below(4))
            .map(|_| Inline {
                text: self.text(),
                bold: self.below(2) == 0,
                italic: self.below(3) == 0,
                code: self.below(5) == 0,
                nobreak: self.below(6) == 0,
                link: match self.below(4) {
                    0 => Some(Link::Internal(format!("a{}", self.below(3)))),
                    1 => Some(Link::External(self.text())),
                    _ => None,
                },
            })
            .collect()
    }

    fn blocks(&mut self, depth: usize) -> Vec<Block> {
        (0..self.below(6))
            .map(|_| match self.below(if depth > 3 { 9 } else { 11 }) {
                0 => Block::Heading {
                    level: self.below(6) as u8,
                    text: self.inlines(),
                    anchor: Some(format!("a{}", self.below(3))),
                    outline: self.below(2) == 0,
                },
                1 | 2 => Block::Paragraph(self.inlines()),
                3 => Block::Code(self.text()),
                4 => Block::Table {
                    header: (0..self.below(4)).map(|_| self.inlines()).collect(),
                    rows: (0..self.below(30))
                        .map(|_| (0..self.below(6)).map(|_| self.inlines()).collect())
                        .collect(),
                },
                5 => Block::KeyValue(
                    (0..self.below(4))
                        .map(|_| (self.text(), self.inlines()))
                        .collect(),
                ),
                6 => {
                    [Block::Rule, Block::PageBreak, Block::Contents][self.below(3) as usize].clone()
                }
                7 => Block::Anchor(format!("a{}", self.below(3))),
                8 => Block::Cover {
                    title: self.text(),
                    lines: vec![(self.text(), self.text())],
                    logo: None,
                    colour: None,
                },
                9 => Block::List {
                    ordered: self.below(2) == 0,
                    start: self.next(),
                    items: (0..self.below(4)).map(|_| self.blocks(depth + 1)).collect(),
                },
                _ => Block::Quote(self.blocks(depth + 1)),
            })
            .collect()
    }
}

#[test]
fn random_documents_render() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for _ in 0..60 {
        let blocks = rng.blocks(0);
        let rendered = render_detailed(&info(), fonts(), &blocks).expect("renders");
        assert!(rendered.pages >= 1);
    }
}
