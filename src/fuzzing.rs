//! Entry points for the fuzz targets in `fuzz/` and for `tests/suite/fuzz_corpus.rs`, which
//! replays their corpora. Not part of the product's interface.
//!
//! Each function takes arbitrary bytes or text, runs it through the same code a real
//! build runs, and returns something small; it must never panic, hang or use unbounded
//! memory, whatever it is given. Inputs longer than [`MAX_INPUT`] are cut short, so one
//! run stays quick enough for a fuzzer.

use crate::content::{self, ContentFiles, ParsedFile};
use crate::markdown::{self, Dest, LinkTarget, Links};
use crate::model::view::{self, WITHHELD_ID};
use crate::render::pdf::blocks::{body_blocks, PackLinks};
use crate::render::pdf::layout::{self, Block, DocInfo, Inline, Link};
use std::path::PathBuf;

/// The most input bytes a fuzz entry point looks at.
pub const MAX_INPUT: usize = 64 * 1024;

fn bounded(data: &[u8]) -> &[u8] {
    &data[..data.len().min(MAX_INPUT)]
}

/// Where the loader puts the fuzzed file: `LOADER_PATHS[first byte & 15]`. The ASCII
/// characters `0`–`9` and `:` to `?` select entries 0 to 15, so seed files stay readable.
pub const LOADER_PATHS: [&str; 16] = [
    "actions/fuzz.md",
    "evidence/fuzz.md",
    "plans/fuzz.md",
    "recommendations/fuzz.md",
    "reviews/fuzz.md",
    "timeline/fuzz.md",
    "pages/fuzz.md",
    "notes/fuzz.md",
    "actions/fuzz.yaml",
    "evidence/fuzz.yaml",
    "plans/fuzz.yaml",
    "recommendations/fuzz.yml",
    "reviews/fuzz.yaml",
    "timeline/fuzz.yaml",
    "pages/fuzz.yaml",
    "site.yaml",
];

const SITE_YAML: &str = "title: Fuzz site
organisation: Fuzz Council
as_of: 2014-09-30
classification: OFFICIAL
evidence_max_age_days: 365
site_audience: inspector
audiences:
  inspector: { title: Inspectors }
packs:
  - id: pack
    title: Pack
    audience: inspector
    sections: [summary, recommendations, actions, evidence, timeline, page:page-1]
";

/// Records beside the fuzzed file, so its references and links have targets of every
/// type, some of them withheld from the site audience (`hid-…`).
const COMPANIONS: &[(&str, &str)] = &[
    (
        "recommendations/rec-1.md",
        "---\ntitle: Triage referrals\nsource: rev-1\narea: Help\npriority: high\ndue: 2013-03\nstatus: open\nrelated: [hid-rec, fuzz]\n---\nLinks [[act-1]], [[hid-rec|secret words]] and [[fuzz]].\n",
    ),
    (
        "recommendations/hid-rec.md",
        "---\ntitle: Hidden recommendation\nsource: rev-1\narea: Help\naudience: [internal]\n---\nHidden, linking [[rec-1]].\n",
    ),
    (
        "reviews/rev-1.md",
        "---\ntitle: Inspection\nkind: inspection\nby: Ofsted\ndate: 2012-11\njudgements:\n  Leadership: inadequate\nstatus: published\n---\nSee [[rec-1]].\n",
    ),
    (
        "plans/plan-1.md",
        "---\ntitle: Plan\nstatus: active\napproved: 2013-03-27\nperiod: { start: 2013-03, end: 2014-03 }\nobjectives:\n  - id: plan-1-o1\n    title: Objective\n    description: Answers [[rec-1]].\n---\nPlan body.\n",
    ),
    (
        "actions/act-1.md",
        "---\ntitle: Redesign the front door\naddresses: [rec-1, hid-rec]\nplan: plan-1\nobjective: plan-1-o1\nowner: Head of service\ndue: 2013-06-30\nstatus: in-progress\n---\nAction body.\n",
    ),
    (
        "evidence/ev-1.md",
        "---\ntitle: Audit\nkind: audit\ndate: 2014-06-01\nreviewed: 2014-06-01\nsupports: [act-1]\nstatus: current\n---\nEvidence [[act-1]].\n",
    ),
    (
        "timeline/evt-1.yaml",
        "records:\n  - id: evt-1\n    title: Event\n    date: 2013-04-01\n    kind: milestone\n    refs: [rec-1, hid-rec]\n",
    ),
    (
        "pages/page-1.md",
        "---\ntitle: About\norder: 1\n---\nAbout [[hid-rec|hidden]] and [[fuzz]].\n",
    ),
];

/// The workbook kinds the `import_*` targets feed: `import_xlsx`, `import_xls`,
/// `import_ods`.
pub use crate::import::read::Kind as WorkbookKind;

/// A workbook's bytes through what `assure import` does with them: the checks and the
/// parse a child process runs ([`crate::import::read::parse_workbook`], here in this
/// process, so the fuzzer sees what the library does), then the records made of its
/// rows. `Ok` with the number of records, or the message `import` would print.
///
/// A panic or an abort inside the spreadsheet library is found here, but `assure` is
/// safe from it (the child process); `tests/suite/fuzz_corpus.rs` replays such inputs
/// through the program and requires exit code 2.
pub fn import(kind: WorkbookKind, data: &[u8]) -> Result<usize, String> {
    use crate::import::{self, read, Request};
    let name = format!("fuzz.{}", kind.name());
    let bytes = workbook_bytes(kind, bounded(data));
    let sheet = read::parse_workbook(&name, kind, bytes, None).map_err(|e| e.to_string())?;
    let taken = std::collections::HashSet::from(["act-1".to_string()]);
    let request = Request {
        rtype: crate::model::schema::RecordType::Action,
        map: None,
        taken: &taken,
        source: &name,
        recommendations: &[],
        evidence_records: false,
    };
    import::import(&sheet, &request)
        .map(|outcome| outcome.records)
        .map_err(|e| e.to_string())
}

/// The workbook an `import_*` input stands for. A zip (`PK…`) or an `.xls` is taken as
/// it is; other bytes are the XML of the one sheet (`.xlsx`) or of `content.xml`
/// (`.ods`), put into a minimal workbook here. A fuzzer's change to a zip almost always
/// breaks a checksum, which is refused before the library sees the XML; this way its
/// changes reach the library's XML reading too.
pub fn workbook_bytes(kind: WorkbookKind, data: &[u8]) -> Vec<u8> {
    const XLSX: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    const ODS: [(&str, &str); 2] = [
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        (
            "META-INF/manifest.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
        ),
    ];
    let (fixed, part): (&[(&str, &str)], &str) = match kind {
        _ if data.starts_with(b"PK") => return data.to_vec(),
        WorkbookKind::Xlsx => (&XLSX, "xl/worksheets/sheet1.xml"),
        WorkbookKind::Ods => (&ODS, "content.xml"),
        WorkbookKind::Xls | WorkbookKind::Csv => return data.to_vec(),
    };
    use std::io::Write;
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // Writing to memory fails only on a bug; an empty workbook is still an input.
    let written = (|| -> zip::result::ZipResult<Vec<u8>> {
        for (name, text) in fixed {
            z.start_file(*name, options)?;
            z.write_all(text.as_bytes())?;
        }
        z.start_file(part, options)?;
        z.write_all(data)?;
        Ok(z.finish()?.into_inner())
    })();
    written.unwrap_or_default()
}

/// What a loader run found (for tests: a run that returns did not crash).
#[derive(Debug, Default)]
pub struct LoaderOutcome {
    pub records: usize,
    pub diagnostics: usize,
}

/// One record file (or `site.yaml`) among fixed companions, through everything `assure
/// check` does after reading the files: front matter, YAML, fields, links, readiness,
/// personal data, the site audience's view, and each visible body to HTML and text.
/// The first byte chooses the file's path ([`LOADER_PATHS`]); the rest is its content.
pub fn loader(data: &[u8]) -> LoaderOutcome {
    let data = bounded(data);
    let Some((&selector, bytes)) = data.split_first() else {
        return LoaderOutcome::default();
    };
    let fuzzed = LOADER_PATHS[usize::from(selector & 15)];
    let site_yaml: &[u8] = if fuzzed == crate::config::SITE_FILE {
        bytes
    } else {
        SITE_YAML.as_bytes()
    };
    let mut record_files: Vec<(&str, &[u8])> =
        COMPANIONS.iter().map(|(p, t)| (*p, t.as_bytes())).collect();
    if fuzzed != crate::config::SITE_FILE {
        record_files.push((fuzzed, bytes));
    }
    record_files.sort_by_key(|(p, _)| *p);
    let mut files: Vec<String> = record_files.iter().map(|(p, _)| p.to_string()).collect();
    files.push(crate::config::SITE_FILE.to_string());
    files.sort();
    let parsed: Vec<ParsedFile> = record_files
        .iter()
        .map(|(p, b)| content::parse_file(p, b))
        .collect();
    let files = ContentFiles {
        // Nothing is read from here: file references simply find no file.
        root: PathBuf::from("/nonexistent/assure-fuzz"),
        files,
        record_files: record_files.iter().map(|(p, _)| p.to_string()).collect(),
    };
    let Ok(checked) = crate::pipeline::check_parsed(files, Some(site_yaml), parsed) else {
        return LoaderOutcome::default();
    };
    let records = checked.site.records.len();
    let site_audience = checked
        .site
        .config
        .site_audience
        .clone()
        .unwrap_or_else(|| crate::config::INTERNAL.to_string());
    let shown = view::view(&checked.site, &site_audience);
    let links = ViewLinks(&shown.site);
    for r in &shown.site.records {
        let _ = markdown::to_html(&r.body, &links);
        let _ = markdown::to_text(&r.body);
    }
    LoaderOutcome {
        records,
        diagnostics: checked.diagnostics.items.len(),
    }
}

/// `[[ID]]` as the website resolves it within one view.
struct ViewLinks<'a>(&'a crate::model::Site);

impl Links for ViewLinks<'_> {
    fn target(&self, id: &str) -> Option<LinkTarget> {
        if id == WITHHELD_ID {
            return Some(LinkTarget::Withheld);
        }
        self.0.get(id).map(|r| LinkTarget::Visible {
            href: r.page_path(),
            title: r.title.clone(),
        })
    }
    fn local(&self, dest: &str) -> Option<String> {
        Some(format!("../files/{}", file_part(dest)))
    }
}

/// A relative link's file: what comes before its `?query` or `#fragment`.
fn file_part(dest: &str) -> &str {
    dest.split(['?', '#']).next().unwrap_or("")
}

/// Fixed answers for `[[ID]]`: `a` and `b` visible (`b` in the pack), `u` outside the
/// pack, `!withheld` and `s` withheld, anything else unknown. Local images are the
/// bytes of their own name.
struct FixedLinks;

impl Links for FixedLinks {
    fn target(&self, id: &str) -> Option<LinkTarget> {
        match id.to_ascii_lowercase().as_str() {
            "a" | "b" => Some(LinkTarget::Visible {
                href: format!("../{id}.html"),
                title: format!("Title of <{id}>"),
            }),
            "u" => Some(LinkTarget::Unlinked {
                title: "Unlinked [[a]] title".into(),
            }),
            "s" | WITHHELD_ID => Some(LinkTarget::Withheld),
            _ => None,
        }
    }
    fn local(&self, dest: &str) -> Option<String> {
        (!dest.starts_with("missing")).then(|| format!("../files/{}", file_part(dest)))
    }
}

impl PackLinks for FixedLinks {
    fn anchor(&self, id: &str) -> Option<String> {
        matches!(id.to_ascii_lowercase().as_str(), "b" | "a").then(|| format!("rec-{id}"))
    }
    fn image(&self, dest: &str) -> Option<Vec<u8>> {
        (!dest.starts_with("missing")).then(|| dest.as_bytes().to_vec())
    }
}

/// A Markdown body through link scanning (with file positions), HTML and plain text.
/// Returns the length of the HTML.
pub fn markdown(body: &str) -> usize {
    let body = &body[..markdown::floor_char_boundary(body, MAX_INPUT)];
    let origin = content::BodyOrigin {
        line: 3,
        indent: 4,
        raw: Some(body.replace('\n', "\n    ")),
    };
    let plain = content::BodyOrigin::default();
    let mut in_raw = markdown::Locator::new(body, &origin);
    let mut in_body = markdown::Locator::new(body, &plain);
    for (_, offset) in markdown::scan(body) {
        let _ = in_raw.at(offset);
        let _ = in_body.at(offset);
    }
    let html = markdown::to_html(body, &FixedLinks);
    let _ = markdown::to_text(body);
    html.len()
}

/// A Markdown body as PDF layout blocks, laid out and written as a PDF. Returns the
/// PDF's size, or the writer's error.
pub fn pdf_layout(body: &str) -> Result<usize, String> {
    let body = &body[..markdown::floor_char_boundary(body, MAX_INPUT)];
    let fonts = crate::render::pdf::fonts().map_err(|e| e.to_string())?;
    let mut blocks = vec![
        Block::Contents,
        Block::Heading {
            level: 1,
            text: vec![Inline::plain("Body")],
            anchor: Some("rec-b".into()),
            outline: true,
        },
    ];
    blocks.extend(body_blocks(body, &FixedLinks, 1));
    blocks.push(Block::Anchor("rec-a".into()));
    let info = DocInfo::new("Fuzz", "Fuzz Council", "OFFICIAL", (2014, 9, 30));
    layout::render(&info, fonts, &blocks).map(|pdf| pdf.len())
}

/// A Markdown body through the safe-Markdown checks: its HTML (with visible, unlinked,
/// withheld and unknown IDs and local files) must pass [`html_problems`], its PDF
/// blocks must link only allowed schemes, and a body with no links, images, raw HTML or `[[` must give exactly pulldown-cmark's
/// own HTML. Returns what went wrong, if anything.
pub fn markdown_safety(body: &str) -> Result<(), String> {
    let body = &body[..markdown::floor_char_boundary(body, MAX_INPUT)];
    let html = markdown::to_html(body, &FixedLinks);
    let problems = html_problems(&html);
    if !problems.is_empty() {
        return Err(format!("{}\nin {html:?}", problems.join("\n")));
    }
    if let Some(plain) = plain_markdown_html(body) {
        if plain != html {
            return Err(format!(
                "plain Markdown changed:\n  assure:        {html:?}\n  pulldown-cmark: {plain:?}"
            ));
        }
    }
    let mut links = Vec::new();
    let mut stack: Vec<&Block> = Vec::new();
    let blocks = body_blocks(body, &FixedLinks, 1);
    stack.extend(blocks.iter());
    while let Some(block) = stack.pop() {
        match block {
            Block::Heading { text, .. } | Block::Paragraph(text) => links.extend(text),
            Block::List { items, .. } => stack.extend(items.iter().flatten()),
            Block::Quote(inner) => stack.extend(inner.iter()),
            Block::Table { header, rows } => {
                links.extend(header.iter().flatten());
                links.extend(rows.iter().flatten().flatten());
            }
            Block::KeyValue(pairs) => links.extend(pairs.iter().flat_map(|(_, v)| v)),
            _ => {}
        }
    }
    for inline in links {
        if let Some(Link::External(url)) = &inline.link {
            if markdown::destination(url) != Dest::Web {
                return Err(format!("the PDF links to {url:?}"));
            }
        }
    }
    Ok(())
}

/// pulldown-cmark's own HTML for a body with no links, images, raw HTML or `[[`
/// (`None` for any other body): what Assure must give for plain Markdown, a task's
/// state in words instead of a checkbox.
pub fn plain_markdown_html(body: &str) -> Option<String> {
    use pulldown_cmark::{Event, Parser, Tag};
    if body.contains("[[") {
        return None;
    }
    let plain = Parser::new_ext(body, markdown::options()).all(|e| {
        !matches!(
            e,
            Event::Start(Tag::Link { .. } | Tag::Image { .. })
                | Event::Html(_)
                | Event::InlineHtml(_)
        )
    });
    plain.then(|| {
        let mut html = String::new();
        // Task states in words, where pulldown-cmark writes a checkbox.
        let events = Parser::new_ext(body, markdown::options()).map(|e| match e {
            Event::TaskListMarker(done) => Event::InlineHtml(markdown::task_state(done).into()),
            other => other,
        });
        pulldown_cmark::html::push_html(&mut html, events);
        html
    })
}

/// Elements with no end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// What must hold of any HTML Assure writes, a body or a whole page: every `href` (and
/// `action`) relative or with one of [`markdown::LINK_SCHEMES`]; every `src` relative
/// (nothing is loaded from elsewhere); no `<a>` inside an `<a>`; every element closed,
/// in order. Returns the problems found.
pub fn html_problems(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let b = html.as_bytes();
    let mut i = 0;
    while let Some(lt) = html[i..].find('<') {
        i += lt;
        let rest = &html[i..];
        if rest.starts_with("<!--") {
            i += rest.find("-->").map_or(rest.len(), |e| e + 3);
            continue;
        }
        if rest.starts_with("<!") {
            i += rest.find('>').map_or(rest.len(), |e| e + 1);
            continue;
        }
        let closing = rest.starts_with("</");
        let mut j = i + if closing { 2 } else { 1 };
        let start = j;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-') {
            j += 1;
        }
        if j == start {
            problems.push(format!("a bare `<` at byte {i}"));
            i += 1;
            continue;
        }
        let name = html[start..j].to_ascii_lowercase();
        let (attrs, j) = read_attributes(html, j, &name, &mut problems);
        i = j.min(b.len());
        if closing {
            match open.pop() {
                Some(top) if top == name => {}
                Some(top) => {
                    problems.push(format!("</{name}> closes <{top}>"));
                    open.push(top);
                }
                None => problems.push(format!("</{name}> with nothing open")),
            }
            continue;
        }
        attribute_problems(&name, &attrs, &mut problems);
        if name == "a" && open.iter().any(|t| t == "a") {
            problems.push("<a> inside <a>".to_string());
        }
        if name == "script" || name == "style" {
            // Raw text up to the end tag.
            let end = html[i..]
                .to_ascii_lowercase()
                .find(&format!("</{name}"))
                .unwrap_or(html.len() - i);
            i += end;
        }
        if !VOID.contains(&name.as_str()) && !html[..i].ends_with("/>") {
            open.push(name);
        }
    }
    if !open.is_empty() {
        problems.push(format!("never closed: {open:?}"));
    }
    problems
}

/// The attributes of a tag whose name ends at byte `j`, read up to its `>`, and where
/// reading stopped: just past the `>`, or past the end when the tag is never closed.
/// An attribute value never closed is a problem of `<name>`.
fn read_attributes(
    html: &str,
    mut j: usize,
    name: &str,
    problems: &mut Vec<String>,
) -> (Vec<(String, String)>, usize) {
    let b = html.as_bytes();
    let mut attrs: Vec<(String, String)> = Vec::new();
    loop {
        while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b'/') {
            j += 1;
        }
        if j >= b.len() || b[j] == b'>' {
            j += 1;
            break;
        }
        let k0 = j;
        while j < b.len() && !b[j].is_ascii_whitespace() && !b"=>/".contains(&b[j]) {
            j += 1;
        }
        let key = html[k0..j].to_ascii_lowercase();
        let mut value = String::new();
        if j < b.len() && b[j] == b'=' {
            j += 1;
            if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                let q = b[j];
                let v0 = j + 1;
                let len = html[v0..].bytes().position(|c| c == q);
                if len.is_none() {
                    problems.push(format!("<{name}>: an attribute value is never closed"));
                }
                j = v0 + len.unwrap_or(b.len() - v0);
                value = html[v0..j].to_string();
                j += 1;
            } else {
                let v0 = j;
                while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                    j += 1;
                }
                value = html[v0..j].to_string();
            }
        }
        attrs.push((key, value));
    }
    (attrs, j)
}

/// The problems of an opening tag's attributes: an event handler, or a URL whose
/// scheme is outside [`markdown::LINK_SCHEMES`] (or a network path), or that loads
/// from elsewhere (a `src`, unlike an `href`), or that holds an entity this check
/// cannot read.
fn attribute_problems(name: &str, attrs: &[(String, String)], problems: &mut Vec<String>) {
    for (key, value) in attrs {
        if key.starts_with("on") {
            problems.push(format!("<{name} {key}>: an event handler"));
        }
        let url = match key.as_str() {
            "href" | "src" | "action" | "formaction" | "poster" | "srcset" | "data" => value,
            _ => continue,
        };
        let Some(url) = decode_attribute(url) else {
            problems.push(format!(
                "<{name} {key}=\"{url}\">: an entity this check cannot read"
            ));
            continue;
        };
        let dest = markdown::destination(&url);
        let loads = !matches!(key.as_str(), "href" | "action" | "formaction");
        match dest {
            Dest::Unsafe => problems.push(format!(
                "<{name} {key}=\"{url}\">: a scheme outside {:?}, or a network path",
                markdown::LINK_SCHEMES
            )),
            Dest::Web if loads => {
                problems.push(format!("<{name} {key}=\"{url}\">: loads from elsewhere"))
            }
            _ => {}
        }
    }
}

/// An attribute value with its character references decoded; `None` if it holds one
/// other than those Assure and its writers use.
fn decode_attribute(value: &str) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest.find(';')?;
        let entity = &rest[1..end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let n = if let Some(hex) = entity
                    .strip_prefix(['#'])
                    .and_then(|e| e.strip_prefix(['x', 'X']))
                {
                    u32::from_str_radix(hex, 16).ok()?
                } else {
                    entity.strip_prefix('#')?.parse().ok()?
                };
                char::from_u32(n)?
            }
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}
