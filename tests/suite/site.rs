//! The evidence website and data exports of `assure build` (SPEC §6, §9, §11, §12),
//! end to end.
//!
//! Two content folders are built once each (with `--no-pdf`) and shared by the tests:
//! - the demo `content/`;
//! - `tests/fixtures/site/`: hostile HTML and script in every field and body, records
//!   withheld from the site audience (one per type; titles, bodies, fields and an
//!   attachment hold the marker `QZXWITHHELD`, IDs start with `zzhid`), and cells that
//!   a spreadsheet would run as formulas.
//!
//! Checks made here, on the files: every relative link resolves to a file; withheld
//! records leave no byte behind; no script or event handler comes from content; the
//! search index is inert JavaScript; two builds are byte-identical; the CSV files are
//! strict RFC 4180 with a BOM, CRLF and defused formulas.
//!
//! Checks made in headless Chromium (`tests/browser/*.js`, run with Node; needs
//! `npm ci` in `tests/browser` and `/usr/bin/chromium`): clicking from the dashboard to
//! an attachment, search, filters, axe-core at 1280, 390 and 320 px, no network request,
//! no injected script running; the dashboard's charts with `status`'s figures, no
//! sideways scrolling at 320 px, and the marking once at the top and bottom of every
//! printed page; pa11y (HTML_CodeSniffer, WCAG 2 AA) on a page of every kind. A missing browser or npm package fails the test, with what
//! to install; it is never skipped.

use crate::common;

use common::{browser, browser_with, files, percent_decode};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const MARKER: &str = "QZXWITHHELD";
const WITHHELD_ID_PREFIX: &str = "zzhid";

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Builds `content` into a fresh folder under the target directory and returns the
/// output folder; panics with assure's stderr when the build fails.
fn build_into(content: &Path, name: &str, extra: &[&str], env: &[(&str, &str)]) -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("site-tests")
        .join(name);
    if out.exists() {
        std::fs::remove_dir_all(&out).expect("remove an old test output");
    }
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_assure"));
    cmd.arg("build")
        .arg("--no-pdf")
        .arg("--content")
        .arg(content)
        .arg("--output")
        .arg(&out);
    cmd.args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let run = cmd.output().expect("run assure");
    assert!(
        run.status.success(),
        "`assure build` of {} failed ({}):\n{}",
        content.display(),
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

/// The demo content, built once for every test that needs it.
fn demo() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| build_into(&crate_root().join("content"), "demo", &[], &[]))
}

/// The hostile fixture, built once for every test that needs it.
fn fixture() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| build_into(&fixture_content(), "fixture", &[], &[]))
}

fn fixture_content() -> PathBuf {
    crate_root().join("tests/fixtures/site")
}

fn html_pages(site: &Path) -> Vec<(String, String)> {
    files(site)
        .into_iter()
        .filter(|p| p.ends_with(".html"))
        .map(|p| {
            let text = std::fs::read_to_string(site.join(&p)).unwrap();
            (p, text)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// A small HTML tokenizer: enough to list the tags and attributes of the pages we write.
// ---------------------------------------------------------------------------------------

#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    /// For `<script>`: the text up to `</script`.
    inline: String,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The start tags of a page, in order. Comments, doctype and end tags are skipped;
/// script content is raw text, as in a browser.
fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        if html[i..].starts_with("<!--") {
            i += html[i..].find("-->").map_or(b.len() - i, |e| e + 3);
            continue;
        }
        if html[i..].starts_with("</") || html[i..].starts_with("<!") {
            i += html[i..].find('>').map_or(b.len() - i, |e| e + 1);
            continue;
        }
        i += 1;
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
            i += 1;
        }
        if i == start {
            continue; // a bare `<` in text would be a bug, but not a tag
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                i += 1;
                break;
            }
            let k0 = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !b"=>/".contains(&b[i]) {
                i += 1;
            }
            let key = html[k0..i].to_ascii_lowercase();
            let mut value = String::new();
            if i < b.len() && b[i] == b'=' {
                i += 1;
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    let v0 = i + 1;
                    i = v0
                        + html[v0..]
                            .bytes()
                            .position(|c| c == q)
                            .unwrap_or(b.len() - v0);
                    value = html[v0..i].to_string();
                    i += 1;
                } else {
                    let v0 = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = html[v0..i].to_string();
                }
            }
            attrs.push((key, decode_entities(&value)));
        }
        let mut inline = String::new();
        if name == "script" || name == "style" {
            let end = html[i.min(b.len())..]
                .to_ascii_lowercase()
                .find(&format!("</{name}"))
                .unwrap_or(0);
            inline = html[i..i + end].to_string();
            i += end;
        }
        out.push(Tag {
            name,
            attrs,
            inline,
        });
    }
    out
}

fn decode_entities(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `a/b/../c` → `a/c`; `None` when it climbs above the root.
fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Problems with the relative links of every page of `site`: targets that are not files,
/// folder links, absolute paths, `#fragments` with no such `id`.
fn link_problems(site: &Path) -> (usize, Vec<String>) {
    let pages = html_pages(site);
    let ids: BTreeMap<&str, BTreeSet<String>> = pages
        .iter()
        .map(|(p, html)| {
            (
                p.as_str(),
                tags(html)
                    .iter()
                    .filter_map(|t| t.attr("id").map(str::to_string))
                    .collect(),
            )
        })
        .collect();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (page, html) in &pages {
        let dir = page.rsplit_once('/').map_or("", |(d, _)| d);
        for tag in tags(html) {
            for (attr, value) in &tag.attrs {
                if !matches!(attr.as_str(), "href" | "src" | "action") {
                    continue;
                }
                let v = value.trim();
                let lower = v.to_ascii_lowercase();
                // The schemes a body may link (docs/format.md, "Web links").
                if lower.starts_with("http://")
                    || lower.starts_with("https://")
                    || lower.starts_with("mailto:")
                    || lower.starts_with("tel:")
                {
                    continue;
                }
                checked += 1;
                let what = format!("{page}: <{} {attr}=\"{v}\">", tag.name);
                if lower
                    .find(':')
                    .is_some_and(|c| !lower[..c].contains(['/', '?', '#']))
                {
                    problems.push(format!("{what} has a URL scheme the site must not use"));
                    continue;
                }
                if v.starts_with('/') {
                    problems.push(format!("{what} is absolute, not relative"));
                    continue;
                }
                let (path, fragment) = match v.split_once('#') {
                    Some((p, f)) => (p, Some(f)),
                    None => (v, None),
                };
                let path = path.split('?').next().unwrap_or("");
                if path.is_empty() {
                    // A link within the page.
                    if let Some(f) = fragment {
                        if !f.is_empty() && !ids[page.as_str()].contains(&percent_decode(f)) {
                            problems.push(format!("{what}: no element with id `{f}` on the page"));
                        }
                    }
                    continue;
                }
                if path.ends_with('/') {
                    problems.push(format!("{what} names a folder, not a file"));
                    continue;
                }
                let joined = if dir.is_empty() {
                    path.to_string()
                } else {
                    format!("{dir}/{path}")
                };
                let Some(target) = normalise(&percent_decode(&joined)) else {
                    problems.push(format!("{what} leaves the site folder"));
                    continue;
                };
                if !site.join(&target).is_file() {
                    problems.push(format!("{what}: `{target}` is not a file of the site"));
                    continue;
                }
                if let (Some(f), Some(target_ids)) = (fragment, ids.get(target.as_str())) {
                    if !f.is_empty() && !target_ids.contains(&percent_decode(f)) {
                        problems.push(format!("{what}: `{target}` has no element with id `{f}`"));
                    }
                }
            }
        }
    }
    (checked, problems)
}

#[test]
fn every_relative_link_names_a_file_of_the_site() {
    for (name, out) in [("demo", demo()), ("fixture", fixture())] {
        let (checked, problems) = link_problems(&out.join("site"));
        assert!(
            checked > 100,
            "{name}: only {checked} links found; is the site empty?"
        );
        assert!(
            problems.is_empty(),
            "{name}: {} broken links:\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
}

/// The safe-Markdown rules on every page written: every `href` relative or http(s),
/// mailto or tel; every `src` a file of the site; no link inside a link; every element
/// closed (`assure::fuzzing::html_problems`, which the `markdown_safety` fuzz target
/// checks on random bodies).
#[test]
fn every_page_keeps_the_safe_html_rules() {
    for (name, out) in [("demo", demo()), ("fixture", fixture())] {
        let pages = html_pages(&out.join("site"));
        assert!(pages.len() > 20, "{name}: only {} pages", pages.len());
        let problems: Vec<String> = pages
            .iter()
            .flat_map(|(page, html)| {
                assure::fuzzing::html_problems(html)
                    .into_iter()
                    .map(move |p| format!("{page}: {p}"))
            })
            .collect();
        assert!(
            problems.is_empty(),
            "{name}: {} problems:\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
    // The fixture's nested links and images came out as the rules say.
    let site = fixture().join("site");
    let page = std::fs::read_to_string(site.join("pages/page-1.html")).unwrap();
    for shown in [
        r#"<a href="http://ex.org/a.png">a b c</a>"#,
        r#"<a href="http://ex.org/a.png">outer inner</a>"#,
        r#"<a href="http://ex.org/a.png">outer inner</a> after"#,
        r#"<a class="record-link" href="../recommendations/rec-1.html">see chart</a>"#,
        r#"<a class="record-link" href="../recommendations/rec-1.html">see x</a>"#,
        r#"click <a href="http://ex.org/t.png">img</a>"#,
        r#"<a href="http://ex.org/page">pic</a>"#,
        r#"<a href="http://ex.org/a.png">a b</a>"#,
        r#"<a href="mailto:foo@bar.example.com">foo@bar.example.com</a>"#,
        r#"<a href="tel:+441234567890">tel:+441234567890</a>"#,
        "irc://foo.bar:2233/baz, javascript:window.__xss=1.",
    ] {
        assert!(
            page.contains(shown),
            "pages/page-1.html should hold {shown:?}"
        );
    }
    let ev = std::fs::read_to_string(site.join("evidence/ev-1.html")).unwrap();
    assert!(
        ev.contains(r#"href="../files/evidence/files/report%20one%20%26%20two.txt#page=2""#),
        "a local link keeps its fragment"
    );
}

#[test]
fn the_link_checker_sees_broken_links() {
    // The checker itself must be able to fail.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a")).unwrap();
    std::fs::write(dir.path().join("index.html"), "<a href=\"a/\">x</a><a href=\"a/missing.html\">y</a><img src=\"/abs.png\"><a href=\"#nope\">z</a><a href=\"a/b.html#top\">w</a><a href='javascript:x()'>j</a>").unwrap();
    std::fs::write(
        dir.path().join("a/b.html"),
        "<h1 id=\"title\">b</h1><a href=\"../index.html\">up</a>",
    )
    .unwrap();
    let (_, problems) = link_problems(dir.path());
    let text = problems.join("\n");
    for expected in [
        "names a folder",
        "a/missing.html",
        "is absolute",
        "id `nope`",
        "id `top`",
        "URL scheme",
    ] {
        assert!(
            text.contains(expected),
            "expected a problem mentioning {expected:?}, got:\n{text}"
        );
    }
    assert_eq!(problems.len(), 6, "{text}");
}

// ---------------------------------------------------------------------------------------
// Audiences: records withheld from the site audience leave nothing behind.
// ---------------------------------------------------------------------------------------

/// Files of an output (site/, data/, manifest.json) whose bytes contain `needle`.
fn files_containing(out: &Path, needle: &str) -> Vec<String> {
    files(out)
        .into_iter()
        .filter(|p| {
            let bytes = std::fs::read(out.join(p)).unwrap();
            bytes
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
                || p.contains(needle)
        })
        .collect()
}

#[test]
fn withheld_records_leave_no_trace_in_the_inspector_build() {
    let out = fixture();
    let all = files(out);
    assert!(all.iter().any(|p| p == "manifest.json") && all.iter().any(|p| p.starts_with("data/")));
    assert_eq!(
        files_containing(out, MARKER),
        Vec::<String>::new(),
        "the marker of withheld records leaked"
    );
    assert_eq!(
        files_containing(out, WITHHELD_ID_PREFIX),
        Vec::<String>::new(),
        "IDs of withheld records leaked"
    );
    // The words of `[[id|words]]` links to withheld records are dropped too.
    for words in ["words that must not show", "hidden words", "the secret"] {
        assert_eq!(
            files_containing(out, words),
            Vec::<String>::new(),
            "`{words}` leaked"
        );
    }
    // Links to them render as the word "withheld", wherever they are.
    let site = out.join("site");
    let withheld = "<span class=\"withheld\">withheld</span>";
    for (page, at_least) in [
        ("recommendations/rec-1.html", 4), // body links and `related`
        ("reviews/rev-1.html", 2),         // `[[zzhid-rev]]` and `[[zzhid-rec|words]]`
        ("actions/act-1.html", 2),         // `addresses` and `related`
        ("evidence/ev-1.html", 2),         // `supports` and the body
        ("timeline/evt-1.html", 2),        // `refs`
        ("pages/page-1.html", 1),
        ("objectives/plan-1-o1.html", 1), // in the objective's description
    ] {
        let html = std::fs::read_to_string(site.join(page)).unwrap();
        let n = html.matches(withheld).count();
        assert!(
            n >= at_least,
            "{page}: {n} withheld links rendered, expected at least {at_least}"
        );
    }
    let json = std::fs::read_to_string(out.join("data/records.json")).unwrap();
    assert!(
        json.contains("\"withheld\": true"),
        "records.json shows withheld links as {{\"withheld\": true}}"
    );
    // The withheld evidence supports rec-1 but must not count towards it; the
    // withheld attachment is not copied.
    assert!(!site.join("files/evidence/files/zzhid-file.txt").exists());
    assert!(site
        .join("files/evidence/files/report one & two.txt")
        .is_file());
}

#[test]
fn the_internal_build_shows_what_the_inspector_build_withholds() {
    // Proves the fixture really holds the marker where the test above looks for it.
    let out = build_into(
        &fixture_content(),
        "fixture-internal",
        &["--audience", "internal"],
        &[],
    );
    let leaked = files_containing(&out, MARKER);
    for expected in [
        "site/recommendations/zzhid-rec.html",
        "site/actions/zzhid-act.html",
        "site/evidence/zzhid-ev.html",
        "site/plans/zzhid-plan.html",
        "site/objectives/zzhid-obj.html",
        "site/reviews/zzhid-rev.html",
        "site/timeline/zzhid-evt.html",
        "site/pages/zzhid-page.html",
        "site/search-index.js",
        "site/files/evidence/files/zzhid-file.txt",
        "data/records.json",
        "data/recommendation.csv",
    ] {
        assert!(
            leaked.iter().any(|p| p == expected),
            "the internal build should show the marker in {expected}: {leaked:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Injection: text from content is escaped everywhere.
// ---------------------------------------------------------------------------------------

/// The Content-Security-Policy every page carries (defence in depth: no inline script,
/// event handler or `javascript:` URL runs, and scripts, images and styles come only
/// from the site itself, which Chromium allows from `file://` too).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; img-src 'self'; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action 'self'";

/// Scripts the theme ships; no other script may appear in a page.
const THEME_SCRIPTS: &[&str] = &["static/site.js", "static/search.js", "search-index.js"];

fn script_problems(site: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for (page, html) in html_pages(site) {
        let depth = page.matches('/').count();
        for tag in tags(&html) {
            for (k, v) in &tag.attrs {
                if k.starts_with("on") {
                    problems.push(format!(
                        "{page}: <{} {k}=\"{v}\"> (an event handler)",
                        tag.name
                    ));
                }
                if matches!(k.as_str(), "href" | "src" | "action" | "formaction")
                    && v.trim().to_ascii_lowercase().starts_with("javascript:")
                {
                    problems.push(format!("{page}: <{} {k}=\"{v}\">", tag.name));
                }
            }
            if matches!(
                tag.name.as_str(),
                "script"
                    | "iframe"
                    | "object"
                    | "embed"
                    | "svg"
                    | "img"
                    | "base"
                    | "meta"
                    | "style"
            ) {
                let ok = match tag.name.as_str() {
                    "script" => {
                        let src = tag.attr("src").unwrap_or("");
                        tag.inline.trim().is_empty()
                            && THEME_SCRIPTS
                                .iter()
                                .any(|s| src == format!("{}{s}", "../".repeat(depth)))
                    }
                    // The theme's own policy, and no other `http-equiv`.
                    "meta" => match tag.attr("http-equiv") {
                        None => true,
                        Some(h) => {
                            h.eq_ignore_ascii_case("content-security-policy")
                                && tag.attr("content") == Some(CONTENT_SECURITY_POLICY)
                        }
                    },
                    // The theme's charts (render/svg.rs), never one from content.
                    "svg" => {
                        tag.attr("class") == Some("chart-svg") && tag.attr("role") == Some("img")
                    }
                    // Images come from Markdown bodies, as files of the site.
                    "img" => tag.attr("src").is_some_and(|s| !s.contains(':')),
                    _ => false,
                };
                if !ok {
                    problems.push(format!(
                        "{page}: unexpected <{} {:?}> {:?}",
                        tag.name, tag.attrs, tag.inline
                    ));
                }
            }
        }
    }
    problems
}

#[test]
fn hostile_text_comes_out_escaped() {
    let site = fixture().join("site");
    let problems = script_problems(&site);
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // The hostile text is there, as text: the pages really were rendered from it.
    let rec = std::fs::read_to_string(site.join("recommendations/rec-1.html")).unwrap();
    for shown in [
        "&lt;script&gt;window.__xss=1&lt;/script&gt; Triage &quot;&gt;&lt;img src=x onerror=window.__xss=1&gt; referrals &lt;/script&gt;",
        "Help &lt;script&gt;window.__xss=1&lt;/script&gt;",
        "Other &lt;script&gt;window.__xss=1&lt;/script&gt;",
        "&lt;b onmouseover=window.__xss=1&gt;tag&lt;/b&gt;",
        "Body &lt;script&gt;window.__xss=1&lt;/script&gt; with &lt;/script&gt;&lt;script&gt;window.__xss=1&lt;/script&gt;",
    ] {
        assert!(rec.contains(shown), "rec-1.html should show {shown:?} as text");
    }
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(
        index.contains("Fixture &lt;script&gt;window.__xss=1&lt;/script&gt; site"),
        "site title escaped"
    );
    assert!(
        index.contains("Org &lt;/script&gt;&lt;script&gt;window.__xss=1&lt;/script&gt; &amp; Co")
    );
}

#[test]
fn every_page_carries_the_content_security_policy() {
    for (name, out) in [("demo", demo()), ("fixture", fixture())] {
        let pages = html_pages(&out.join("site"));
        let missing: Vec<&str> = pages
            .iter()
            .filter(|(_, html)| {
                let policies: Vec<Tag> = tags(html)
                    .into_iter()
                    .take_while(|t| t.name != "body")
                    .filter(|t| {
                        t.name == "meta"
                            && t.attr("http-equiv")
                                .is_some_and(|h| h.eq_ignore_ascii_case("content-security-policy"))
                    })
                    .collect();
                policies.len() != 1 || policies[0].attr("content") != Some(CONTENT_SECURITY_POLICY)
            })
            .map(|(p, _)| p.as_str())
            .collect();
        assert!(
            missing.is_empty(),
            "{name}: {} pages without exactly the policy in their head: {missing:?}",
            missing.len()
        );
    }
}

#[test]
fn the_script_checker_sees_injected_script() {
    let dir = tempfile::tempdir().unwrap();
    let page = "<script src=\"static/site.js\"></script><p title=\"a\">x</p>";
    for (bad, expected) in [
        ("<script>alert(1)</script>", "unexpected <script"),
        ("<img src=x onerror=alert(1)>", "onerror"),
        ("<a href=\" JavaScript:alert(1)\">x</a>", "JavaScript:"),
        (
            "<script src=\"https://cdn.example/x.js\"></script>",
            "unexpected <script",
        ),
        ("<svg onload=alert(1)>", "unexpected <svg"),
        (
            "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
            "unexpected <meta",
        ),
        (
            "<meta http-equiv=\"Content-Security-Policy\" content=\"script-src *\">",
            "unexpected <meta",
        ),
        ("<div data-x='\"'onmouseover=alert(1)>", "onmouseover"),
    ] {
        std::fs::write(dir.path().join("index.html"), format!("{page}{bad}")).unwrap();
        let problems = script_problems(dir.path()).join("\n");
        assert!(
            problems.contains(expected),
            "{bad}: expected {expected:?} in {problems:?}"
        );
    }
    std::fs::write(dir.path().join("index.html"), page).unwrap();
    assert_eq!(script_problems(dir.path()), Vec::<String>::new());
}

/// Runs `search-index.js` in a Node `vm` sandbox and returns what it assigned to
/// `window.ASSURE_SEARCH_INDEX`, proving it is valid JavaScript that does nothing else.
fn evaluate_search_index(site: &Path) -> serde_json::Value {
    let script = r#"
        const vm = require("vm"), fs = require("fs");
        const sandbox = { window: {} };
        vm.runInNewContext(fs.readFileSync(process.argv[1], "utf8"), sandbox, { timeout: 5000 });
        const keys = Object.keys(sandbox).concat(Object.keys(sandbox.window));
        process.stdout.write(JSON.stringify({ keys, index: sandbox.window.ASSURE_SEARCH_INDEX, xss: sandbox.window.__xss }));
    "#;
    let run = Command::new("node")
        .arg("-e")
        .arg(script)
        .arg(site.join("search-index.js"))
        .output()
        .expect("Node.js (`node`) must be installed to run the site tests");
    assert!(
        run.status.success(),
        "search-index.js is not valid JavaScript:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_slice(&run.stdout).unwrap()
}

#[test]
fn the_search_index_is_inert_javascript() {
    let site = fixture().join("site");
    let text = std::fs::read_to_string(site.join("search-index.js")).unwrap();
    // Not even an escaped `<`: nothing in it can close or open a script element.
    assert!(!text.contains('<'), "search-index.js holds a `<`");
    let got = evaluate_search_index(&site);
    assert_eq!(
        got["keys"],
        serde_json::json!(["window", "ASSURE_SEARCH_INDEX"]),
        "the index assigns one global"
    );
    assert!(got["xss"].is_null());
    let index = got["index"].as_array().expect("the index is an array");
    let title = |id: &str| {
        index
            .iter()
            .find(|e| e["id"] == id)
            .map(|e| e["title"].as_str().unwrap().to_string())
    };
    // Titles round-trip exactly, hostile text included.
    assert_eq!(
        title("rec-1").as_deref(),
        Some("<script>window.__xss=1</script> Triage \"><img src=x onerror=window.__xss=1> referrals </script>")
    );
    assert_eq!(title("evt-2").as_deref(), Some("Future </script> event"));
    assert_eq!(
        title("act-2").as_deref(),
        Some("Cells: comma, \"quote\", and\na line break")
    );
    assert!(
        index
            .iter()
            .all(|e| e["url"].as_str().is_some_and(|u| site.join(u).is_file())),
        "every entry links a page"
    );
    // The demo's index too.
    let demo_index = evaluate_search_index(&demo().join("site"));
    assert!(demo_index["index"].as_array().is_some_and(|a| a.len() > 50));
}

// ---------------------------------------------------------------------------------------
// Reproducibility.
// ---------------------------------------------------------------------------------------

#[test]
fn two_builds_are_byte_identical() {
    // The second build runs single-threaded, so any order that depends on scheduling shows.
    for (name, content) in [
        ("demo", crate_root().join("content")),
        ("fixture", fixture_content()),
    ] {
        let a = build_into(&content, &format!("{name}-repro-a"), &[], &[]);
        let b = build_into(
            &content,
            &format!("{name}-repro-b"),
            &[],
            &[("RAYON_NUM_THREADS", "1")],
        );
        let (fa, fb) = (files(&a), files(&b));
        assert_eq!(fa, fb, "{name}: the two builds hold different files");
        assert!(fa.len() > 20);
        for f in &fa {
            let (x, y) = (
                std::fs::read(a.join(f)).unwrap(),
                std::fs::read(b.join(f)).unwrap(),
            );
            assert!(
                x == y,
                "{name}: `{f}` differs between two builds of the same content"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// CSV trackers.
// ---------------------------------------------------------------------------------------

/// A strict RFC 4180 reader: CRLF between records (and after the last), fields quoted
/// when they hold `,` `"` CR or LF, `""` for a quote inside quotes.
fn parse_rfc4180(text: &str) -> Result<Vec<Vec<String>>, String> {
    let b = text.as_bytes();
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut i = 0;
    loop {
        let mut field = Vec::new();
        if b.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match b.get(i) {
                    None => return Err("unterminated quoted field".into()),
                    Some(b'"') if b.get(i + 1) == Some(&b'"') => {
                        field.push(b'"');
                        i += 2;
                    }
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        field.push(c);
                        i += 1;
                    }
                }
            }
        } else {
            while let Some(&c) = b.get(i) {
                match c {
                    b',' | b'\r' => break,
                    b'"' => return Err(format!("a quote inside an unquoted field at byte {i}")),
                    b'\n' => return Err(format!("a bare LF at byte {i}")),
                    _ => {
                        field.push(c);
                        i += 1;
                    }
                }
            }
        }
        record.push(String::from_utf8(field).map_err(|_| "not UTF-8")?);
        match (b.get(i), b.get(i + 1)) {
            (Some(b','), _) => i += 1,
            (Some(b'\r'), Some(b'\n')) => {
                i += 2;
                records.push(std::mem::take(&mut record));
                if i == b.len() {
                    return Ok(records);
                }
            }
            (None, _) => return Err("the last record does not end in CRLF".into()),
            (Some(&c), _) => {
                return Err(format!("unexpected byte {c:#x} after a field at byte {i}"))
            }
        }
    }
}

#[test]
fn csv_trackers_are_rfc4180_with_bom_crlf_and_defused_formulas() {
    let mut seen = BTreeMap::new();
    for (name, out) in [("demo", demo()), ("fixture", fixture())] {
        let data = out.join("data");
        let csvs: Vec<String> = files(&data)
            .into_iter()
            .filter(|f| f.ends_with(".csv"))
            .collect();
        assert!(csvs.len() >= 6, "{name}: {csvs:?}");
        for f in csvs {
            let bytes = std::fs::read(data.join(&f)).unwrap();
            assert!(
                bytes.starts_with(b"\xEF\xBB\xBF"),
                "{name}/{f}: no UTF-8 BOM"
            );
            let text = std::str::from_utf8(&bytes[3..])
                .unwrap_or_else(|_| panic!("{name}/{f}: not UTF-8"));
            let rows =
                parse_rfc4180(text).unwrap_or_else(|e| panic!("{name}/{f}: not RFC 4180: {e}"));
            // The csv crate, a lenient reader, agrees field for field.
            let lenient: Vec<Vec<String>> = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(text.as_bytes())
                .records()
                .map(|r| r.unwrap().iter().map(str::to_string).collect())
                .collect();
            assert_eq!(rows, lenient, "{name}/{f}");
            let width = rows[0].len();
            assert!(
                rows.iter().all(|r| r.len() == width),
                "{name}/{f}: rows of different lengths"
            );
            assert_eq!(&rows[0][..2], ["id", "title"], "{name}/{f}: header");
            for row in &rows[1..] {
                for cell in row {
                    assert!(
                        !cell.starts_with(['=', '+', '-', '@']),
                        "{name}/{f}: formula cell {cell:?}"
                    );
                }
            }
            if name == "fixture" {
                seen.insert(f.clone(), rows);
            }
        }
    }
    // The fixture's formulas come out prefixed with `'`, and other text unchanged.
    let cell = |file: &str, id: &str, column: &str| -> String {
        let rows = &seen[file];
        let col = rows[0]
            .iter()
            .position(|c| c == column)
            .unwrap_or_else(|| panic!("{file}: no column {column}"));
        let row = rows
            .iter()
            .find(|r| r[0] == id)
            .unwrap_or_else(|| panic!("{file}: no row {id}"));
        row[col].clone()
    };
    assert_eq!(
        cell("recommendation.csv", "rec-1", "owner"),
        "'=HYPERLINK(\"http://example.com\",\"click\")"
    );
    assert_eq!(cell("recommendation.csv", "rec-2", "owner"), "'@SUM(1+1)");
    assert_eq!(
        cell("action.csv", "act-1", "title"),
        "'+SUM(1,2) Redesign the front door \"><svg onload=window.__xss=1>"
    );
    assert_eq!(
        cell("action.csv", "act-1", "owner"),
        "'-2+3 <script>window.__xss=1</script>"
    );
    assert_eq!(
        cell("action.csv", "act-2", "title"),
        "Cells: comma, \"quote\", and\na line break"
    );
    assert_eq!(
        cell("action.csv", "act-2", "owner"),
        "Head of service, \"Children\""
    );
    assert_eq!(
        cell("evidence.csv", "ev-1", "originator"),
        "'@originator <script>window.__xss=1</script>"
    );
}

#[test]
fn the_csv_reader_is_strict() {
    assert!(parse_rfc4180("a,b\r\n1,2\r\n").is_ok());
    assert!(parse_rfc4180("a,\"x\r\ny \"\"q\"\"\"\r\n").is_ok());
    for bad in ["a,b\n1,2\r\n", "a,b\r\n1,2", "a,b\"c\r\n", "a,\"b\r\n"] {
        assert!(parse_rfc4180(bad).is_err(), "{bad:?} should be rejected");
    }
}

// ---------------------------------------------------------------------------------------
// In the browser.
// ---------------------------------------------------------------------------------------

#[test]
fn browser_walks_searches_filters_and_audits_the_demo_site() {
    let report = browser("site-check.js", &demo().join("site"));
    // The report names each check; make sure none was silently left out.
    for step in [
        "→ attachment",
        "by its ID",
        "of its title",
        "filter ",
        "axe-core",
        "no request left file://",
        "the Content-Security-Policy blocks nothing the site does",
    ] {
        assert!(
            report.contains(step),
            "the browser check did not report `{step}`:\n{report}"
        );
    }
}

#[test]
fn browser_runs_no_injected_script_in_the_fixture_site() {
    let site = fixture().join("site");
    browser("site-check.js", &site);
    browser("xss-check.js", &site);
}

/// `assure status --format json` for the audience an output was built for, written
/// beside it: the figures the site must show.
fn status_json(out: &Path, content: &Path) -> PathBuf {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let audience = manifest["audience"]
        .as_str()
        .expect("manifest names its audience");
    let status = common::status_json(content, audience);
    let file = out.with_extension("status.json");
    std::fs::write(&file, status.to_string()).unwrap();
    file
}

#[test]
fn browser_shows_the_charts_with_status_figures_reflows_at_320_px_and_prints_the_marking() {
    let status = status_json(demo(), &crate_root().join("content"));
    let report = browser_with("inspector-check.js", &demo().join("site"), &[&status]);
    for step in [
        "the dashboard has the readiness chart",
        "the RAG chart's numbers are status's",
        "the evidence-state chart's numbers are status's",
        "the dashboard says both headline figures",
        "each status, state and RAG value has one colour on tags and charts",
        "blue means done and nothing else",
        "“In progress” and “Partially met” have different colours",
        "scrolls sideways at 320 px",
        "no heading or gap number splits a word at 320 px",
        "no field label splits a word at 320 px",
        "recommendations/index.html groups recommendations by source review, newest first",
        "matrix.html groups recommendations by source review, newest first",
        "the source filter shows",
        "the evidence filter “Not evidenced” shows status's",
        "without script shows every row and no dead filters",
        "the dashboard's gaps come before its charts",
        "events newest first",
        "the timeline marks the readiness date once",
        "no two pages share a title",
        "chart text is 9.5 px or more at 390 px",
        "once at the top and once at the bottom",
    ] {
        assert!(
            report.contains(step),
            "the inspector check did not report `{step}`:\n{report}"
        );
    }
}

#[test]
fn the_fixture_site_reflows_at_320_px_and_prints_the_marking() {
    let status = status_json(fixture(), &fixture_content());
    browser_with("inspector-check.js", &fixture().join("site"), &[&status]);
}

#[test]
fn pa11y_finds_no_errors_on_any_kind_of_page() {
    let dir = crate_root().join("tests/browser");
    assert!(
        dir.join("node_modules/pa11y").is_dir(),
        "the pa11y check needs its npm packages: run `npm ci` in tests/browser (.ci/run does)"
    );
    browser("pa11y-check.js", &demo().join("site"));
}

/// `site.yaml` `branding` on the fixture: the logo in every page's header (copied beside
/// the attachments, byte for byte) and on the pack's cover, and the colour in the
/// header's style. A colour too light for white text is refused (tests/fixtures/E008).
#[test]
fn branding_puts_the_logo_in_the_header_and_on_the_pack_cover() {
    let site = fixture().join("site");
    let logo = std::fs::read(fixture_content().join("branding/logo.png")).unwrap();
    assert_eq!(
        std::fs::read(site.join("files/branding/logo.png")).ok(),
        Some(logo),
        "the logo is copied into the site"
    );
    for (page, html) in html_pages(&site) {
        let depth = page.matches('/').count();
        let src = format!("{}files/branding/logo.png", "../".repeat(depth));
        assert!(
            html.contains(&format!("<img class=\"site-logo\" src=\"{src}\" alt=\"\">")),
            "{page}: no logo in the header"
        );
        assert!(
            html.contains("style=\"--brand: #1d4f91; --brand-dark: #13335e;\""),
            "{page}: not in the branding colour"
        );
    }
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("site-tests/branded-pack");
    let _ = std::fs::remove_dir_all(&out);
    let run = Command::new(env!("CARGO_BIN_EXE_assure"))
        .args(["pack", "fixture-pack", "--content"])
        .arg(fixture_content())
        .arg("--output")
        .arg(&out)
        .output()
        .expect("run assure pack");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let pdf = out.join("pdf/fixture-pack.pdf");
    let list = common::tool("pdfimages")
        .args(["-f", "1", "-l", "1", "-list"])
        .arg(&pdf)
        .output()
        .expect("pdfimages");
    let list = String::from_utf8_lossy(&list.stdout);
    // A header line, a rule, then one line per image: the logo, 120 × 40, on the cover
    // page itself (SPEC §14.10, issue 31).
    let images: Vec<&str> = list.lines().skip(2).collect();
    assert!(
        images.len() == 1
            && images[0].split_whitespace().nth(3) == Some("120")
            && images[0].split_whitespace().nth(4) == Some("40"),
        "the cover should hold the 120 × 40 logo:\n{list}"
    );
    // The cover's band and title in the branding colour, #1d4f91 (AA on white, as the
    // site's white header text on it).
    let doc = lopdf::Document::load(&pdf).expect("lopdf reads the pack");
    let first = *doc.get_pages().get(&1).expect("page 1");
    let content = doc.get_page_content(first);
    let content = String::from_utf8_lossy(&content);
    assert!(
        content.contains("0.114 0.31 0.569 rg"),
        "the cover is not in the branding colour"
    );
    // The logo is a figure with its alternative text in the structure.
    let logo_figure = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .any(|d| {
            d.get(b"S").and_then(|s| s.as_name()).ok() == Some(&b"Figure"[..])
                && d.get(b"Alt")
                    .and_then(|a| a.as_str())
                    .is_ok_and(|a| a.starts_with(b"Logo of Org"))
        });
    assert!(
        logo_figure,
        "the logo is not a figure with its alternative text"
    );
    let validation = page_validation::validate_pdf(
        &pdf,
        &page_validation::ValidationOptions::default()
            .profile(page_validation::ValidationProfile::PdfUa1),
    )
    .expect("page_validation reads the pack");
    assert!(validation.is_compliant, "{validation}");
}
