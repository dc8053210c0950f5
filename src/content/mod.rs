//! Reading the content folder: which files are records, and their raw fields and bodies.
//!
//! This stage knows files and YAML structure, not what fields mean. It walks `content/`
//! (never following symbolic links, skipping `.` and `_` names), reads each record file
//! into [`RawRecord`]s — one per Markdown file or single-record YAML file, one per item
//! of a `records:` list — and reports E001 for files it cannot read (SPEC §2, §12).

pub mod split;
pub mod writer;
pub mod yaml;
mod yaml_errors;

use crate::diagnostics::{Code, Diagnostic, Pos};
use rayon::prelude::*;
use std::io;
use std::path::{Path, PathBuf};
use yaml::{Node, Value};

/// The files of a content folder, each as a path inside it with `/` separators.
#[derive(Debug, Clone, Default)]
pub struct ContentFiles {
    pub root: PathBuf,
    /// Every regular, non-ignored file, sorted (records, attachments and `site.yaml`).
    pub files: Vec<String>,
    /// The subset of `files` that are records.
    pub record_files: Vec<String>,
}

/// Whether a name may be an ID, an audience or a framework's value:
/// `[A-Za-z0-9][A-Za-z0-9._-]*`. The one grammar of the names content is written in,
/// read by `site.yaml` and the records alike.
pub fn valid_id_syntax(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn is_ignored(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_')
}

/// Whether a path inside the content folder names a record file (SPEC §12 "Reading").
pub fn is_record_path(rel: &str) -> bool {
    if rel == "site.yaml" {
        return false;
    }
    let mut parts = rel.split('/').collect::<Vec<_>>();
    let Some(name) = parts.pop() else {
        return false;
    };
    if parts.contains(&"files") {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".md") || lower.ends_with(".yaml") || lower.ends_with(".yml")
}

/// Whether a path inside the content folder names an attachment: any file but a record
/// file or `site.yaml`. The one answer to "may this file be published as a file" (an
/// evidence `file`, a copied link target): a record's file holds the whole record
/// (and a list file several), whoever may see them.
pub fn is_attachment(rel: &str) -> bool {
    rel != "site.yaml" && !is_record_path(rel)
}

/// Lists the content folder. Fails only when the folder itself cannot be read.
pub fn walk(root: &Path) -> io::Result<ContentFiles> {
    let meta = std::fs::metadata(root)?;
    if !meta.is_dir() {
        return Err(io::Error::new(io::ErrorKind::NotADirectory, "not a folder"));
    }
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored(&e.file_name().to_string_lossy()));
    for entry in walker {
        // An unreadable sub-folder is skipped rather than failing the whole run.
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_file() {
            continue; // folders, and symbolic links, which are never followed
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let rel: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        files.push(rel.join("/"));
    }
    files.sort();
    let record_files = files
        .iter()
        .filter(|f| is_record_path(f))
        .cloned()
        .collect();
    Ok(ContentFiles {
        root: root.to_path_buf(),
        files,
        record_files,
    })
}

/// Where a body's text starts in its file, to turn body offsets into file positions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BodyOrigin {
    pub line: u32,
    /// Characters before the body's text on each of its lines (YAML block indentation).
    pub indent: u32,
    /// The text as written in the file, starting at (`line`, `indent` + 1), when it
    /// differs from the body (quoted or folded YAML): positions are found in it.
    pub raw: Option<String>,
}

/// One record's fields as written, before their meaning is checked.
#[derive(Debug, Clone)]
pub struct RawRecord {
    pub path: String,
    /// The record's first line (for a `records:` item, its first key).
    pub pos: Pos,
    pub fields: Vec<(Node, Node)>,
    pub body: String,
    pub body_origin: BodyOrigin,
    /// The ID implied by the file name (not for items of list files, which need `id:`).
    pub file_id: Option<String>,
}

/// What one file yields.
#[derive(Debug, Default)]
pub struct ParsedFile {
    pub records: Vec<RawRecord>,
    pub diagnostics: Vec<Diagnostic>,
    /// The IDs of a file that could not be read (E001): its file-name ID and every ID it
    /// declares, found line by line, so links to them are not "unknown" (SPEC §13.2).
    pub reserved_ids: Vec<String>,
}

/// The file stem, used as the default ID.
pub fn file_stem(rel: &str) -> &str {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// Reads and structurally parses every record file, in parallel; results keep file order.
pub fn read_records(files: &ContentFiles) -> Vec<ParsedFile> {
    files
        .record_files
        .par_iter()
        .map(|rel| match std::fs::read(files.root.join(rel)) {
            Ok(bytes) => parse_file(rel, &bytes),
            Err(e) => ParsedFile {
                diagnostics: vec![Diagnostic::new(
                    rel,
                    Pos::START,
                    Code::E001,
                    format!("this file cannot be read: {e}"),
                )],
                reserved_ids: vec![file_stem(rel).to_string()],
                ..ParsedFile::default()
            },
        })
        .collect()
}

/// Parses one record file's bytes. A file that cannot be read is one E001, and
/// nothing else: the IDs it declares stay reserved, and the message says how many of
/// its records were not read.
pub fn parse_file(rel: &str, bytes: &[u8]) -> ParsedFile {
    match parse_records(rel, bytes) {
        Ok(out) => out,
        Err(e) => unreadable(rel, bytes, e),
    }
}

fn is_markdown(rel: &str) -> bool {
    rel.to_ascii_lowercase().ends_with(".md")
}

/// Why a file cannot be read (E001), and where.
struct Unreadable {
    pos: Pos,
    message: String,
}

impl From<split::SplitError> for Unreadable {
    fn from(e: split::SplitError) -> Unreadable {
        Unreadable {
            pos: e.pos,
            message: e.message,
        }
    }
}

impl From<yaml::YamlError> for Unreadable {
    fn from(e: yaml::YamlError) -> Unreadable {
        Unreadable {
            pos: e.pos,
            message: e.message,
        }
    }
}

fn unreadable_at(pos: Pos, message: &str) -> Unreadable {
    Unreadable {
        pos,
        message: message.to_string(),
    }
}

/// The one E001 of a file that cannot be read, with the IDs it declares reserved.
fn unreadable(rel: &str, bytes: &[u8], e: Unreadable) -> ParsedFile {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let declared = declared(text, is_markdown(rel));
    let message = match declared.records {
        0 => e.message,
        1 => format!("{}; the record in this file was not read", e.message),
        n => format!("{}; {n} records in this file were not read", e.message),
    };
    let mut reserved_ids = vec![file_stem(rel).to_string()];
    reserved_ids.extend(declared.ids);
    ParsedFile {
        records: Vec::new(),
        diagnostics: vec![Diagnostic::new(rel, e.pos, Code::E001, message)],
        reserved_ids,
    }
}

/// What an unreadable file declares, found line by line.
#[derive(Debug, Default, PartialEq)]
struct Declared {
    /// Values of `id:` keys, at any indentation, also as `- id: …` list items.
    ids: Vec<String>,
    /// How many records the file holds.
    records: usize,
}

/// Scans the text of a file that could not be parsed for the records it holds: each
/// `id:` declares one (a list file's items, a plan's objectives), and a single-record
/// file without a top-level `id:` holds one more, named after the file.
fn declared(text: &str, markdown: bool) -> Declared {
    if text.trim().is_empty() {
        return Declared::default();
    }
    let mut lines = text.lines();
    if markdown && lines.next().is_none_or(|l| l.trim_end() != "---") {
        return Declared {
            ids: Vec::new(),
            records: 1,
        };
    }
    let mut ids = Vec::new();
    let mut top_level_id = false;
    let mut list_file = false;
    for line in lines {
        if markdown && line.trim_end() == "---" {
            break;
        }
        if !markdown && line.starts_with("records:") {
            list_file = true;
        }
        if let Some((id, top_level)) = id_line(line) {
            top_level_id |= top_level;
            ids.push(id);
        }
    }
    let records = ids.len() + usize::from(!list_file && !top_level_id);
    Declared { ids, records }
}

/// The ID on an `id:` line (`id: a1`, `  - id: "a1"  # note`), and whether the key is
/// at the top level (not indented, not a list item).
fn id_line(line: &str) -> Option<(String, bool)> {
    const SPACE: [char; 3] = [' ', '\t', '\r'];
    let mut rest = line.trim_start_matches(SPACE);
    let mut top_level = rest.len() == line.len();
    while let Some(after) = rest.strip_prefix('-') {
        if !after.is_empty() && !after.starts_with(SPACE) {
            break;
        }
        rest = after.trim_start_matches(SPACE);
        top_level = false;
    }
    let rest = ["id", "\"id\"", "'id'"]
        .into_iter()
        .find_map(|key| rest.strip_prefix(key))?
        .trim_start_matches(SPACE)
        .strip_prefix(':')?;
    if !rest.is_empty() && !rest.starts_with(SPACE) {
        return None;
    }
    let value = rest.trim_matches(SPACE);
    let value = match value.chars().next()? {
        quote @ ('"' | '\'') => {
            let inner = &value[1..];
            &inner[..inner.find(quote)?]
        }
        // A comment, or a value that is not a single plain ID.
        '#' | '[' | '{' | '|' | '>' | '&' | '*' | '!' | '%' | '@' | '`' => return None,
        _ => {
            let end = value
                .find(" #")
                .into_iter()
                .chain(value.find("\t#"))
                .min()
                .unwrap_or(value.len());
            &value[..end]
        }
    };
    let value = value.trim_matches(SPACE);
    (!value.is_empty()).then(|| (value.to_string(), top_level))
}

/// Reads a file's records, or says why the file cannot be read.
fn parse_records(rel: &str, bytes: &[u8]) -> Result<ParsedFile, Unreadable> {
    let mut out = ParsedFile::default();
    let text = split::decode(bytes)?;
    if is_markdown(rel) {
        out.records.push(markdown_record(rel, &text)?);
        return Ok(out);
    }
    let pairs = yaml_fields(&text)?;
    let records_key = pairs
        .iter()
        .position(|(k, _)| k.as_scalar().is_some_and(|s| s.text == "records"));
    let Some(records_index) = records_key else {
        out.records.push(raw_from_map(
            rel,
            Pos::START,
            pairs,
            Some(file_stem(rel).to_string()),
            &mut out.diagnostics,
        ));
        return Ok(out);
    };
    list_records(rel, pairs, records_index, &mut out);
    Ok(out)
}

/// A Markdown file's one record: its front matter's fields and the body below.
fn markdown_record(rel: &str, text: &str) -> Result<RawRecord, Unreadable> {
    let parts = split::split_front_matter(text)?;
    let fields = match yaml::parse(parts.front_matter, parts.front_matter_line - 1)? {
        None => Vec::new(),
        Some(Node {
            value: Value::Map(pairs),
            ..
        }) => pairs,
        Some(node) => {
            return Err(unreadable_at(
                node.pos,
                "the front matter must be fields written as `name: value` lines",
            ))
        }
    };
    Ok(RawRecord {
        path: rel.to_string(),
        pos: Pos::START,
        fields,
        body: parts.body.to_string(),
        body_origin: BodyOrigin {
            line: parts.body_line as u32,
            indent: 0,
            raw: None,
        },
        file_id: Some(file_stem(rel).to_string()),
    })
}

/// A YAML file's top-level fields, refusing a file that is empty, a bare list or a
/// single value.
fn yaml_fields(text: &str) -> Result<Vec<(Node, Node)>, Unreadable> {
    if text.trim().is_empty() {
        return Err(unreadable_at(
            Pos::START,
            "this file is empty; a record needs at least a `title:`",
        ));
    }
    let Some(root) = yaml::parse(text, 0)? else {
        return Err(unreadable_at(
            Pos::START,
            "this file holds no YAML fields; a record needs at least a `title:`",
        ));
    };
    match root.value {
        Value::Map(pairs) => Ok(pairs),
        Value::Seq(_) => Err(unreadable_at(
            root.pos,
            "this file is a bare YAML list; put the records under a `records:` key",
        )),
        Value::Scalar(_) => Err(unreadable_at(
            root.pos,
            "this file must hold fields written as `name: value` lines",
        )),
    }
}

/// A list file's records, the items under its `records:` key (`pairs[records_index]`);
/// an E003 for every other key and every item that is not a record.
fn list_records(rel: &str, pairs: Vec<(Node, Node)>, records_index: usize, out: &mut ParsedFile) {
    for (i, (key, _)) in pairs.iter().enumerate() {
        if i != records_index {
            out.diagnostics.push(Diagnostic::new(
                rel,
                key.pos,
                Code::E003,
                format!(
                    "a list file holds only `records:`; move `{}` into each record or into a file of its own",
                    key.as_scalar().map_or("this key", |s| s.text.as_str())
                ),
            ));
        }
    }
    let (_, list) = pairs
        .into_iter()
        .nth(records_index)
        .expect("index found above");
    match list.value {
        Value::Seq(items) => {
            for item in items {
                match item.value {
                    Value::Map(fields) => {
                        let pos = fields.first().map_or(item.pos, |(k, _)| k.pos);
                        out.records.push(raw_from_map(rel, pos, fields, None, &mut out.diagnostics));
                    }
                    _ => out.diagnostics.push(Diagnostic::new(
                        rel,
                        item.pos,
                        Code::E003,
                        format!("each item under `records:` must be a record (`- id: …` with its fields), not {}", item.describe()),
                    )),
                }
            }
        }
        _ if list.is_null() => {}
        _ => out.diagnostics.push(Diagnostic::new(
            rel,
            list.pos,
            Code::E003,
            "`records:` must be a list of records, each starting with `- id: …`",
        )),
    }
}

/// Where a scalar's text starts. saphyr puts a block scalar (`|`, `>`) at its first
/// non-empty content line, after any blank lines its text starts with.
pub fn block_origin(value: &Node) -> BodyOrigin {
    match value.as_scalar() {
        Some(s) if s.block => {
            let blank = s.text.chars().take_while(|c| *c == '\n').count() as u32;
            BodyOrigin {
                line: value.pos.line.saturating_sub(blank),
                indent: value.pos.col.saturating_sub(1),
                raw: s.raw.clone(),
            }
        }
        Some(s) => BodyOrigin {
            line: value.pos.line,
            indent: value.pos.col.saturating_sub(1),
            raw: s.raw.clone(),
        },
        None => BodyOrigin::default(),
    }
}

/// A record from a YAML mapping, taking its Markdown `body:` out of the fields.
fn raw_from_map(
    rel: &str,
    pos: Pos,
    mut fields: Vec<(Node, Node)>,
    file_id: Option<String>,
    diagnostics: &mut Vec<Diagnostic>,
) -> RawRecord {
    let mut body = String::new();
    let mut body_origin = BodyOrigin::default();
    if let Some(i) = fields
        .iter()
        .position(|(k, _)| k.as_scalar().is_some_and(|s| s.text == "body"))
    {
        let (key, value) = fields.remove(i);
        match value.as_scalar() {
            Some(s) => {
                body = s.text.clone();
                body_origin = block_origin(&value);
            }
            None if value.is_null() => {}
            None => diagnostics.push(Diagnostic::new(
                rel,
                key.pos,
                Code::E003,
                "`body` must be Markdown text (use `body: |` and indent the text below it)",
            )),
        }
    }
    RawRecord {
        path: rel.to_string(),
        pos,
        fields,
        body,
        body_origin,
        file_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_files_give_one_record_per_item() {
        let f = parse_file("timeline/events.yaml", b"records:\n  - id: e1\n    title: A\n  - 7\n  - id: e2\n    title: B\n    body: |\n      Hello [[e1]]\n");
        assert_eq!(f.records.len(), 2);
        assert_eq!(f.records[0].pos, Pos { line: 2, col: 5 });
        assert_eq!(f.diagnostics.len(), 1);
        assert_eq!(f.diagnostics[0].pos, Pos { line: 4, col: 5 });
        assert_eq!(f.records[1].body, "Hello [[e1]]\n");
        assert_eq!(
            f.records[1].body_origin,
            BodyOrigin {
                line: 8,
                indent: 6,
                raw: None
            }
        );
    }

    #[test]
    fn unreadable_files_reserve_their_id() {
        let f = parse_file("actions/a1.md", b"---\ntitle: x\n");
        assert_eq!(f.diagnostics[0].code, Code::E001);
        assert_eq!(f.reserved_ids, ["a1"]);
        let f = parse_file("actions/a1.yaml", b"- a\n- b\n");
        assert_eq!(f.diagnostics[0].code, Code::E001);
    }

    #[test]
    fn unreadable_files_reserve_every_id_they_declare() {
        let text = "records:\n  - id: a1\n    title: One\n\t- id: \"a2\"  # quoted\n  -   id:   a3 # note\n  - title: no id\n    objectives:\n      - id: 'o1'\n";
        let f = parse_file("actions/list.yaml", text.as_bytes());
        assert_eq!(f.diagnostics.len(), 1);
        assert_eq!(f.diagnostics[0].code, Code::E001);
        assert!(
            f.diagnostics[0]
                .message
                .ends_with("; 4 records in this file were not read"),
            "{}",
            f.diagnostics[0].message
        );
        assert!(f.records.is_empty());
        assert_eq!(f.reserved_ids, ["list", "a1", "a2", "a3", "o1"]);

        // A Markdown record: its front matter only, its own `id:` counted once.
        let f = parse_file(
            "plans/p.md",
            b"---\nid: plan-a\ntitle: P\nobjectives:\n\t- id: o1\n---\nid: not-an-id\n",
        );
        assert_eq!(f.reserved_ids, ["p", "plan-a", "o1"]);
        assert!(f.diagnostics[0]
            .message
            .ends_with("; 2 records in this file were not read"));
        let f = parse_file("pages/x.md", b"---\ntitle: x\n");
        assert_eq!(f.reserved_ids, ["x"]);
        assert!(f.diagnostics[0]
            .message
            .ends_with("; the record in this file was not read"));
        // Nothing to read: nothing to count.
        let f = parse_file("pages/x.yaml", b"\n  \n");
        assert!(!f.diagnostics[0].message.contains("not read"));
    }

    #[test]
    fn id_lines() {
        assert_eq!(id_line("id: a1"), Some(("a1".into(), true)));
        assert_eq!(id_line("  id: a1"), Some(("a1".into(), false)));
        assert_eq!(id_line("- id: a1"), Some(("a1".into(), false)));
        assert_eq!(id_line("\t-\tid:\ta1\r"), Some(("a1".into(), false)));
        assert_eq!(id_line("\"id\": 'x y'"), Some(("x y".into(), true)));
        assert_eq!(id_line("id : a#1 # c"), Some(("a#1".into(), true)));
        for no in [
            "identity: a1",
            "id:a1",
            "id:",
            "id: # none",
            "id: [a, b]",
            "id: \"open",
            "ids: a",
            "title: id: a",
            "-id: a",
        ] {
            assert_eq!(id_line(no), None, "{no}");
        }
    }

    #[test]
    fn record_paths() {
        assert!(is_record_path("actions/a.md"));
        assert!(is_record_path("notes.yml"));
        assert!(!is_record_path("site.yaml"));
        assert!(!is_record_path("evidence/files/x.md"));
        assert!(!is_record_path("evidence/report.pdf"));
    }
}
