//! Safe Markdown over a generated corpus (SPEC §4, §9): bodies built from every kind of
//! link, image, `[[…]]` and destination, nested up to three deep inside quotes, lists,
//! tables and headings, through `assure::fuzzing::markdown_safety` (the checks the
//! `markdown_safety` fuzz target makes): the HTML links only allowed schemes, loads
//! nothing from elsewhere, never nests links and closes every element, the PDF links
//! only allowed schemes; and plain Markdown (no links, images, raw HTML or `[[`) comes
//! out exactly as pulldown-cmark's own `push_html` gives it.

use assure::fuzzing::{html_problems, markdown_safety, plain_markdown_html};

/// A small deterministic generator (xorshift64*), so a failure is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "a",
    "b c",
    "*em*",
    "**strong**",
    "`code`",
    "~~gone~~",
    "&amp; &copy; &#106;",
    "\\[x\\]",
    "x_y_z",
    "tab\there",
    "[^1]",
    "1 < 2 > 0",
    "\"quoted\" 'single'",
    "é ü 日本",
];

const DESTS: &[&str] = &[
    "http://ex.org/a.png",
    "https://ex.org/page",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "&#106;avascript:alert(1)",
    "<java\tscript:alert(1)>",
    "data:text/html,hi",
    "data:image/png;base64,AA",
    "vbscript:x",
    "file:///etc/passwd",
    "//evil.example/share",
    "<\\\\\\\\evil\\\\share>",
    "mailto:a@b.example",
    "tel:+441234",
    "irc://irc.example/x",
    "files/doc.pdf#page=2",
    "chart.png?v=1",
    "missing.png",
    "#top",
    "<a b.png>",
    "http://ex.org/q?a=\"1\"&b='2'",
];

const IDS: &[&str] = &["a", "b", "u", "s", "!withheld", "nope", " A "];

const AUTOLINKS: &[&str] = &[
    "<foo@bar.example.com>",
    "<http://ex.org/a>",
    "<irc://foo.bar:2233/baz>",
    "<javascript:alert(1)>",
    "<tel:+441234>",
    "<MAILTO:FOO@BAR.BAZ>",
];

const RAW: &[&str] = &[
    "<b>bold</b>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:x\">x</a>",
    "</a>",
    "<!-- c -->",
];

/// Inline Markdown with links, images and `[[…]]` nested up to `depth` deep.
fn inline(r: &mut Rng, depth: u32) -> String {
    let mut out = String::new();
    for _ in 0..1 + r.below(3) {
        if !out.is_empty() {
            out.push(' ');
        }
        let choice = if depth == 0 { r.below(3) } else { r.below(12) };
        let piece = match choice {
            0 | 1 => r.pick(WORDS).to_string(),
            2 => r.pick(AUTOLINKS).to_string(),
            3 | 4 => format!("[{}]({})", inline(r, depth - 1), r.pick(DESTS)),
            5 | 6 => format!("![{}]({})", inline(r, depth - 1), r.pick(DESTS)),
            7 => format!("[[{}|{}]]", r.pick(IDS), inline(r, depth - 1)),
            8 => format!("[[{}]]", r.pick(IDS)),
            9 => format!(
                "[{}][r] ![{}][i]",
                inline(r, depth - 1),
                inline(r, depth - 1)
            ),
            10 => r.pick(RAW).to_string(),
            _ => format!("[{}](<{}> \"t\")", inline(r, depth - 1), r.pick(DESTS)),
        };
        out.push_str(&piece);
    }
    out
}

/// A block holding `text`, in one of the containers a body may use.
fn block(r: &mut Rng, text: &str) -> String {
    match r.below(8) {
        0 => format!("> {text}\n"),
        1 => format!("- {text}\n  - {text}\n"),
        2 => format!("1. {text}\n"),
        3 => format!("| h | {text} |\n|---|---|\n| {text} | x |\n"),
        4 => format!("## {text}\n"),
        5 => format!("- [ ] {text}\n"),
        _ => format!("{text}\n"),
    }
}

fn body(r: &mut Rng, with_links: bool) -> String {
    let mut out = String::new();
    for _ in 0..1 + r.below(4) {
        let text = if with_links {
            inline(r, 3)
        } else {
            let mut t = String::new();
            for _ in 0..1 + r.below(4) {
                t.push_str(r.pick(WORDS));
                t.push(' ');
            }
            t
        };
        out.push_str(&block(r, &text));
        out.push('\n');
        if !with_links && r.below(4) == 0 {
            out.push_str(r.pick(&[
                "```\n<b>[x](javascript:y)</b>\n```\n\n",
                "    code\n\n",
                "***\n\n",
                "line  \nbreak\n\n",
            ]));
        }
    }
    if r.below(2) == 0 {
        out.push_str("\n[^1]: A note with *words*.\n");
    }
    if with_links {
        out.push_str(&format!(
            "\n[r]: {}\n[i]: {}\n",
            r.pick(DESTS),
            r.pick(DESTS)
        ));
    }
    out
}

#[test]
fn generated_bodies_keep_the_link_rules() {
    let mut r = Rng(0x005E_ED0F_A55E);
    let mut failures = Vec::new();
    for n in 0..4000 {
        let body = body(&mut r, true);
        if let Err(problem) = markdown_safety(&body) {
            failures.push(format!("#{n} {body:?}:\n{problem}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} bodies failed; the first:\n{}",
        failures.len(),
        failures[..failures.len().min(3)].join("\n\n")
    );
}

#[test]
fn plain_markdown_comes_out_as_pulldown_cmark_gives_it() {
    let mut r = Rng(0xD1FF_E4E7);
    let mut compared = 0;
    for n in 0..3000 {
        let body = body(&mut r, false);
        // markdown_safety compares with pulldown-cmark whenever the body is plain.
        if let Err(problem) = markdown_safety(&body) {
            panic!("#{n} {body:?}:\n{problem}");
        }
        compared += usize::from(plain_markdown_html(&body).is_some());
    }
    assert!(
        compared > 2500,
        "only {compared} plain bodies were compared"
    );
}

/// The checks see what they are for: each of these was Assure's output once.
#[test]
fn the_html_checks_see_unsafe_output() {
    for (html, expected) in [
        (
            r#"<p><a href="http://ex.org/a.png">a <a href="javascript:alert(1)">b</a> c</a></p>"#,
            "<a> inside <a>",
        ),
        (
            r#"<p><a href="http://ex.org/a.png">a <a href="javascript:alert(1)">b</a> c</a></p>"#,
            "a scheme outside",
        ),
        (
            r#"<p><a href="x">outer <img src="http://ex.org/b.png" alt="inner" /></p>"#,
            "loads from elsewhere",
        ),
        (
            r#"<p><a href="x">outer <img src="a.png" alt="inner" /></p>"#,
            "</p> closes <a>",
        ),
        (
            r#"<img src="javascript:alert(1)" alt="x" />"#,
            "a scheme outside",
        ),
        (
            r#"<a href="&#106;avascript:alert(1)">x</a>"#,
            "a scheme outside",
        ),
        (
            r#"<a href="java&#x09;script:alert(1)">x</a>"#,
            "a scheme outside",
        ),
        (
            r#"<a href="javascript&colon;alert(1)">x</a>"#,
            "an entity this check cannot read",
        ),
        (r#"<a href="//evil.example/x">x</a>"#, "network path"),
        (r#"<a href="irc://x">x</a>"#, "a scheme outside"),
        (r#"<b onmouseover="x">x</b>"#, "an event handler"),
        ("<p>open", "never closed"),
    ] {
        let problems = html_problems(html).join("\n");
        assert!(
            problems.contains(expected),
            "{html}: expected {expected:?} in {problems:?}"
        );
    }
    assert_eq!(
        html_problems(concat!(
            r#"<!DOCTYPE html><p><a href="https://a.org/?q=1&amp;r=2">a</a> <a href="mailto:x@y.z">m</a> "#,
            r##"<a href="tel:+44">t</a> <a href="#top">t</a> <img src="../files/a%20b.png#x" alt="a" /><br /></p>"##,
            "<script src=\"static/site.js\"></script>"
        )),
        Vec::<String>::new()
    );
}
