//! The one writer for content files: edits a record's fields in place.
//!
//! Authors own their files. `lock`, `new` and the browser editor change records only
//! through this module, which replaces the lines of the fields being edited (and the
//! body when it is edited) and copies every other byte as it was: comments, key order,
//! quoting, flow or block list style, a BOM and CRLF line endings. It finds fields by the
//! positions the loader's YAML reader keeps ([`super::yaml`]), so the writer and the
//! loader can never disagree about where a key is; a field's lines run from its key to
//! the line before the next key, less trailing blank and comment lines, which belong to
//! whatever follows. Values are written in the style the field already had (a quoted
//! scalar stays quoted, a flow list stays flow); a field that was absent is added in the
//! style of the file. Files are replaced atomically, and only when they still hold the
//! bytes the caller read (a SHA-256 the caller passes), so a change made on disk in the
//! meantime is never overwritten.

use super::split;
use super::yaml::{self, Node, Scalar};
use std::fmt;
use std::path::Path;

/// A value to write into a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Text, written plain when YAML would read it back as the same text, else quoted.
    Text(String),
    /// A word the loader reads as written whatever it looks like (a date, an ID, an
    /// enum value, a number): plain unless YAML's syntax needs quotes.
    Plain(String),
    /// A list of words (IDs, tags).
    List(Vec<String>),
    /// A mapping of parts, such as `signed_off: {by: …, on: …}`.
    Map(Vec<(String, String)>),
}

/// One change to a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Sets a field, adding it after the record's last field when absent.
    Set(String, Value),
    /// Sets a field, adding it just after the field named last (when that is present)
    /// when absent: `sha256` goes under `file`.
    SetAfter(String, Value, String),
    /// Removes a field (nothing happens when it is absent).
    Remove(String),
    /// Replaces the Markdown body.
    Body(String),
}

/// Why a file was not written.
#[derive(Debug)]
pub enum WriteError {
    /// The file changed since it was read; its bytes now.
    Changed {
        current: Vec<u8>,
    },
    /// The record is not in the file.
    NotFound(String),
    /// The file or record is written in a way the writer does not edit (or unreadable).
    Unsupported(String),
    Io(std::io::Error),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Changed { .. } => write!(
                f,
                "the file changed on disk since it was read; nothing was written"
            ),
            WriteError::NotFound(id) => write!(f, "the record `{id}` is not in this file"),
            WriteError::Unsupported(why) => f.write_str(why),
            WriteError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for WriteError {}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> WriteError {
        WriteError::Io(e)
    }
}

fn unsupported(why: impl Into<String>) -> WriteError {
    WriteError::Unsupported(why.into())
}

/// The SHA-256 of a file's bytes, as callers pass it back to [`write_record`].
pub fn digest(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    crate::hash::hex(&Sha256::digest(bytes))
}

/// Applies `edits` to the record `id` of the file at `path` (`rel` is its name inside
/// the content folder, which says whether it is Markdown) and replaces the file
/// atomically. Refuses when the file's SHA-256 is no longer `expected` (when given).
/// Returns the new bytes; when nothing changes, the file is not touched.
pub fn write_record(
    path: &Path,
    rel: &str,
    id: &str,
    expected: Option<&str>,
    edits: &[Edit],
) -> Result<Vec<u8>, WriteError> {
    let meta = std::fs::symlink_metadata(path)?;
    if !meta.file_type().is_file() {
        return Err(unsupported(format!(
            "`{rel}` is not a regular file (symbolic links are not followed)"
        )));
    }
    let bytes = std::fs::read(path)?;
    if let Some(expected) = expected {
        if digest(&bytes) != expected {
            return Err(WriteError::Changed { current: bytes });
        }
    }
    let updated = edit_bytes(&bytes, rel, id, edits)?;
    if updated != bytes {
        crate::durable::write_atomic(path, &updated).map_err(|e| unsupported(format!("{e:#}")))?;
    }
    Ok(updated)
}

/// Creates a new file, never overwriting one (even one that appeared a moment ago).
pub fn create_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// A file as lines with their endings, so untouched lines are copied byte for byte.
struct Lines {
    bom: bool,
    lines: Vec<String>,
    /// The ending new lines get: the file's own (CRLF when it uses CRLF).
    ending: &'static str,
}

impl Lines {
    fn new(bytes: &[u8]) -> Result<Lines, WriteError> {
        let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => (true, rest),
            None => (false, bytes),
        };
        let text =
            std::str::from_utf8(body).map_err(|_| unsupported("the file is not UTF-8 text"))?;
        let ending = if text.contains("\r\n") { "\r\n" } else { "\n" };
        Ok(Lines {
            bom,
            lines: text.split_inclusive('\n').map(str::to_string).collect(),
            ending,
        })
    }

    /// Line `n` (1-based) without its ending.
    fn text(&self, n: usize) -> &str {
        self.lines
            .get(n - 1)
            .map_or("", |l| l.trim_end_matches('\n').trim_end_matches('\r'))
    }

    fn ending_of(&self, n: usize) -> &str {
        let l = self.lines.get(n - 1).map_or("", String::as_str);
        let text = l.trim_end_matches('\n').trim_end_matches('\r');
        &l[text.len()..]
    }

    fn into_bytes(self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.bom {
            out.extend_from_slice(b"\xEF\xBB\xBF");
        }
        for l in self.lines {
            out.extend_from_slice(l.as_bytes());
        }
        out
    }
}

/// Lines `start..end` (1-based, end exclusive) replaced by `new` (texts without endings).
#[derive(Debug)]
struct Splice {
    start: usize,
    end: usize,
    new: Vec<String>,
    /// The last new line has no line ending (a body that does not end with one).
    open_end: bool,
}

impl Splice {
    fn lines(start: usize, end: usize, new: Vec<String>) -> Splice {
        Splice {
            start,
            end,
            new,
            open_end: false,
        }
    }
}

/// Where a record's fields are: its mapping and the line after its last line.
struct Target {
    pairs: Vec<(Node, Node)>,
    end: usize,
    /// The Markdown body starts at this line (Markdown files only).
    body_line: Option<usize>,
}

/// Applies edits to a file's bytes. Edits that set a field to the value it has change
/// nothing, so saving an unchanged form gives back the same bytes.
pub fn edit_bytes(
    bytes: &[u8],
    rel: &str,
    id: &str,
    edits: &[Edit],
) -> Result<Vec<u8>, WriteError> {
    let mut lines = Lines::new(bytes)?;
    let text = split::decode(bytes).map_err(|e| unsupported(e.message))?;
    let target = find_target(&text, rel, id)?;
    let mut changes = Changes::default();
    for edit in edits {
        match edit {
            Edit::Set(name, value) => changes.set(&lines, &target, name, value, None)?,
            Edit::SetAfter(name, value, after) => {
                changes.set(&lines, &target, name, value, Some(after))?
            }
            Edit::Remove(name) => changes.remove(&lines, &target, name)?,
            Edit::Body(body) => changes.body(&lines, &target, body)?,
        }
    }
    let splices = changes.into_splices(&lines, &target);
    apply(&mut lines, splices)?;
    Ok(lines.into_bytes())
}

/// The changes a run of edits makes to a file, gathered before any is applied (the
/// splices are of the lines as read).
#[derive(Default)]
struct Changes {
    splices: Vec<Splice>,
    /// Fields added in this run, in order, inserted together after the last field.
    added: Vec<String>,
    /// Fields added after a named one, by the line they go before.
    added_at: Vec<(usize, Vec<String>)>,
    /// Names added, and which of `added_at` holds each (`None`: `added`).
    added_names: Vec<(String, Option<usize>)>,
}

impl Changes {
    /// Sets field `name`; when absent, adds it after field `after` if given and
    /// present (or added in this run), else after the last field.
    fn set(
        &mut self,
        lines: &Lines,
        target: &Target,
        name: &str,
        value: &Value,
        after: Option<&str>,
    ) -> Result<(), WriteError> {
        if let Some(i) = target.pairs.iter().position(|(k, _)| key_is(k, name)) {
            if let Some(s) = set_existing(lines, target, i, value)? {
                self.splices.push(s);
            }
            return Ok(());
        }
        let indent = key_indent(target);
        let new = render_field(&indent, name, value, target);
        // A commented hint for this field (`# owner:   # the person…`, as `assure new`
        // writes them) becomes the field, so the file does not name it twice.
        if let (Some((line, hint)), [one]) =
            (hint_line(lines, target, &indent, name), new.as_slice())
        {
            let width = (one.chars().count() + 1).max(hint.0);
            let text = match hint.1 {
                Some(h) => format!("{one:<width$}{h}"),
                None => one.clone(),
            };
            self.splices.push(Splice::lines(line, line + 1, vec![text]));
            self.added_names.push((name.to_string(), None));
            return Ok(());
        }
        let anchor =
            after.and_then(|after| target.pairs.iter().position(|(k, _)| key_is(k, after)));
        // After a field added in this run: in the same place, after it.
        let joined = after.and_then(|after| {
            self.added_names
                .iter()
                .find(|(n, _)| n == after)
                .map(|(_, g)| *g)
        });
        let group = match (anchor, joined) {
            (Some(a), _) if a + 1 < target.pairs.len() => {
                self.added_at.push((field_lines(lines, target, a).1, new));
                Some(self.added_at.len() - 1)
            }
            (None, Some(Some(g))) => {
                self.added_at[g].1.extend(new);
                Some(g)
            }
            _ => {
                self.added.extend(new);
                None
            }
        };
        self.added_names.push((name.to_string(), group));
        Ok(())
    }

    /// Removes field `name` when present; not a field that starts its list item.
    fn remove(&mut self, lines: &Lines, target: &Target, name: &str) -> Result<(), WriteError> {
        let Some(i) = target.pairs.iter().position(|(k, _)| key_is(k, name)) else {
            return Ok(());
        };
        let (start, end) = field_lines(lines, target, i);
        if target.pairs[i].0.pos.line == target.pairs[0].0.pos.line
            && list_item_prefix(lines, target).is_some()
        {
            return Err(unsupported(format!(
                "`{name}` starts its list item (`- {name}:`); it cannot be removed here"
            )));
        }
        self.splices.push(Splice {
            start,
            end,
            new: Vec::new(),
            open_end: false,
        });
        Ok(())
    }

    /// Replaces the body: a Markdown file's lines below the front matter, else the
    /// `body:` field (added as a block when absent).
    fn body(&mut self, lines: &Lines, target: &Target, body: &str) -> Result<(), WriteError> {
        let Some(line) = target.body_line else {
            match target.pairs.iter().position(|(k, _)| key_is(k, "body")) {
                Some(i) => {
                    if let Some(s) = set_body_field(lines, target, i, body)? {
                        self.splices.push(s);
                    }
                }
                None if body.is_empty() => {}
                None => {
                    let indent = key_indent(target);
                    self.added.extend(render_block(
                        &format!("{indent}body:"),
                        &format!("{indent}  "),
                        body,
                    ));
                }
            }
            return Ok(());
        };
        let old: String = lines.lines[line.min(lines.lines.len() + 1) - 1..]
            .concat()
            .replace("\r\n", "\n");
        if old != *body {
            let new: Vec<String> = body
                .split_inclusive('\n')
                .map(|l| l.trim_end_matches('\n').to_string())
                .collect();
            let open_end = !body.is_empty() && !body.ends_with('\n');
            let start = line.min(lines.lines.len() + 1);
            let end = lines.lines.len() + 1;
            self.splices.push(Splice {
                start,
                end,
                new,
                open_end,
            });
        }
        Ok(())
    }

    /// Every splice, the added fields last: those after a named field where it ends,
    /// the rest after the record's last field.
    fn into_splices(self, lines: &Lines, target: &Target) -> Vec<Splice> {
        let mut splices = self.splices;
        for (at, new) in self.added_at {
            splices.push(Splice::lines(at, at, new));
        }
        if !self.added.is_empty() {
            let at = insert_line(lines, target);
            splices.push(Splice::lines(at, at, self.added));
        }
        splices
    }
}

/// A record's fields and body as written in its file, for a form to show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields {
    /// In file order; values the writer cannot edit as one value (nested lists of
    /// mappings such as `objectives:`) are left out.
    pub fields: Vec<(String, Value)>,
    pub body: String,
}

impl Fields {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// Reads the record `id` of a file's bytes as the writer sees it.
pub fn read_fields(bytes: &[u8], rel: &str, id: &str) -> Result<Fields, WriteError> {
    let text = split::decode(bytes).map_err(|e| unsupported(e.message))?;
    let target = find_target(&text, rel, id)?;
    let mut out = Fields::default();
    for (k, v) in &target.pairs {
        let Some(name) = k.as_scalar().map(|s| s.text.clone()) else {
            continue;
        };
        let value = match &v.value {
            yaml::Value::Scalar(s) => Some(Value::Text(if v.is_null() {
                String::new()
            } else {
                s.text.clone()
            })),
            yaml::Value::Seq(items) => items
                .iter()
                .map(|n| n.as_scalar().map(|s| s.text.clone()))
                .collect::<Option<Vec<_>>>()
                .map(Value::List),
            yaml::Value::Map(pairs) => pairs
                .iter()
                .map(|(k, v)| Some((k.as_scalar()?.text.clone(), v.as_scalar()?.text.clone())))
                .collect::<Option<Vec<_>>>()
                .map(Value::Map),
        };
        if name == "body" && target.body_line.is_none() {
            if let Some(Value::Text(t)) = value {
                out.body = t;
            }
            continue;
        }
        if let Some(value) = value {
            out.fields.push((name, value));
        }
    }
    if let Some(line) = target.body_line {
        out.body = text.split_inclusive('\n').skip(line - 1).collect();
    }
    Ok(out)
}

fn key_is(k: &Node, name: &str) -> bool {
    k.as_scalar().is_some_and(|s| s.text == name)
}

/// Finds the record's mapping: the front matter of a Markdown file, a YAML file's
/// top-level mapping, an item of a `records:` list, or an objective of a plan.
fn find_target(text: &str, rel: &str, id: &str) -> Result<Target, WriteError> {
    let total = text.split_inclusive('\n').count();
    if rel.to_ascii_lowercase().ends_with(".md") {
        let parts = split::split_front_matter(text).map_err(|e| unsupported(e.message))?;
        let fm_lines = parts.front_matter.split_inclusive('\n').count();
        let end = parts.front_matter_line + fm_lines;
        let pairs = match yaml::parse(parts.front_matter, parts.front_matter_line - 1)
            .map_err(|e| unsupported(e.message))?
        {
            None => Vec::new(),
            Some(n) => n
                .as_map()
                .ok_or_else(|| unsupported("the front matter is not `name: value` lines"))?
                .to_vec(),
        };
        let target = Target {
            pairs,
            end,
            body_line: Some(parts.body_line),
        };
        return within(target, rel, id);
    }
    let root = yaml::parse(text, 0)
        .map_err(|e| unsupported(e.message))?
        .ok_or_else(|| unsupported("the file holds no fields"))?;
    let pairs = root
        .as_map()
        .ok_or_else(|| unsupported("the file is not `name: value` lines"))?
        .to_vec();
    if let Some(i) = pairs.iter().position(|(k, _)| key_is(k, "records")) {
        let end = pairs
            .get(i + 1)
            .map_or(total + 1, |(k, _)| k.pos.line as usize);
        return item_with_id(&pairs[i].1, end, id);
    }
    within(
        Target {
            pairs,
            end: total + 1,
            body_line: None,
        },
        rel,
        id,
    )
}

/// The record itself when `id` is its own, else one of its objectives.
fn within(target: Target, rel: &str, id: &str) -> Result<Target, WriteError> {
    let own = target
        .pairs
        .iter()
        .find(|(k, _)| key_is(k, "id"))
        .and_then(|(_, v)| v.as_scalar().map(|s| s.text.clone()))
        .unwrap_or_else(|| super::file_stem(rel).to_string());
    if own == id {
        return Ok(target);
    }
    if let Some(i) = target
        .pairs
        .iter()
        .position(|(k, _)| key_is(k, "objectives"))
    {
        let end = target
            .pairs
            .get(i + 1)
            .map_or(target.end, |(k, _)| k.pos.line as usize);
        return item_with_id(&target.pairs[i].1, end, id);
    }
    Err(WriteError::NotFound(id.to_string()))
}

/// The item of a block list whose `id:` is `id`; `end` is the line after the list.
fn item_with_id(list: &Node, end: usize, id: &str) -> Result<Target, WriteError> {
    let yaml::Value::Seq(items) = &list.value else {
        return Err(WriteError::NotFound(id.to_string()));
    };
    for (n, item) in items.iter().enumerate() {
        let Some(pairs) = item.as_map() else { continue };
        let found = pairs
            .iter()
            .any(|(k, v)| key_is(k, "id") && v.as_scalar().is_some_and(|s| s.text == id));
        if found {
            if pairs.len() > 1 && pairs[0].0.pos.line == pairs[1].0.pos.line {
                return Err(unsupported(format!(
                    "the record `{id}` is written inline as `{{…}}`; write its fields one per line to edit it here"
                )));
            }
            let end = items.get(n + 1).map_or(end, |next| next.pos.line as usize);
            return Ok(Target {
                pairs: pairs.to_vec(),
                end,
                body_line: None,
            });
        }
    }
    Err(WriteError::NotFound(id.to_string()))
}

/// Leading spaces of a line.
fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Blank lines, and comments no deeper than the record's keys, after a field belong to
/// what follows it.
fn is_trailing(line: &str, key_col: usize) -> bool {
    let t = line.trim();
    t.is_empty() || (t.starts_with('#') && indent_of(line) < key_col)
}

/// The lines of field `i`: from its key to the line before the next key, less
/// trailing blank and comment lines.
fn field_lines(lines: &Lines, target: &Target, i: usize) -> (usize, usize) {
    let key = &target.pairs[i].0;
    let start = key.pos.line as usize;
    let mut end = target
        .pairs
        .get(i + 1)
        .map_or(target.end, |(k, _)| k.pos.line as usize);
    let col = key.pos.col as usize;
    while end > start + 1 && is_trailing(lines.text(end - 1), col) {
        end -= 1;
    }
    (start, end.max(start + 1))
}

/// `"  - "` when the record is an item of a block list (its first key follows a dash).
fn list_item_prefix(lines: &Lines, target: &Target) -> Option<String> {
    let (k, _) = target.pairs.first()?;
    let line = lines.text(k.pos.line as usize);
    let prefix: String = line.chars().take(k.pos.col as usize - 1).collect();
    prefix.contains('-').then_some(prefix)
}

/// The indentation of the record's keys, as spaces.
fn key_indent(target: &Target) -> String {
    match target.pairs.first() {
        Some((k, _)) => " ".repeat(k.pos.col as usize - 1),
        None => String::new(),
    }
}

/// The line of a commented hint for field `name` (`# name:`, perhaps followed by
/// `# what it holds`) among the record's lines, with its hint comment and the column
/// (in characters) where that comment starts.
fn hint_line(
    lines: &Lines,
    target: &Target,
    indent: &str,
    name: &str,
) -> Option<(usize, (usize, Option<String>))> {
    let first = target.pairs.first()?.0.pos.line as usize;
    let head = format!("{indent}# {name}:");
    (first..target.end.min(lines.lines.len() + 1)).find_map(|n| {
        let line = lines.text(n);
        let rest = line.strip_prefix(&head)?;
        let comment = rest.trim_start();
        if comment.is_empty() {
            return Some((n, (0, None)));
        }
        if !comment.starts_with('#') {
            return None;
        }
        let column = line.chars().count() - comment.chars().count();
        Some((n, (column, Some(comment.to_string()))))
    })
}

/// Where added fields go: after the last field, or before a YAML `body:` that ends the
/// record (the body reads best last).
fn insert_line(lines: &Lines, target: &Target) -> usize {
    let n = target.pairs.len();
    if n == 0 {
        return target.end;
    }
    if target.body_line.is_none() && n > 1 && key_is(&target.pairs[n - 1].0, "body") {
        return target.pairs[n - 1].0.pos.line as usize;
    }
    field_lines(lines, target, n - 1).1
}

/// The key as written (quotes kept) and everything before it on its line.
fn key_head(lines: &Lines, key: &Node) -> String {
    let line = lines.text(key.pos.line as usize);
    let before: String = line.chars().take(key.pos.col as usize - 1).collect();
    let s = key.as_scalar().expect("keys of records are scalars");
    let written = s.raw.clone().unwrap_or_else(|| s.text.clone());
    format!("{before}{written}:")
}

/// The character span of a scalar or flow collection that sits on one line, as
/// (line, start column, end column), 0-based columns in characters.
fn inline_span(lines: &Lines, node: &Node) -> Option<(usize, usize, usize)> {
    let line_no = node.pos.line as usize;
    let line: Vec<char> = lines.text(line_no).chars().collect();
    let start = node.pos.col as usize - 1;
    match &node.value {
        yaml::Value::Scalar(s) => {
            if s.block || s.text.contains('\n') || (s.plain && s.text.is_empty()) {
                return None;
            }
            let written = s.raw.as_deref().unwrap_or(&s.text);
            if written.contains('\n') {
                return None;
            }
            let end = start + written.chars().count();
            let found: String = line.get(start..end)?.iter().collect();
            (found == written).then_some((line_no, start, end))
        }
        yaml::Value::Seq(_) | yaml::Value::Map(_) => {
            let open = *line.get(start)?;
            let close = match open {
                '[' => ']',
                '{' => '}',
                _ => return None,
            };
            let mut depth = 0;
            let mut quote: Option<char> = None;
            for (i, c) in line.iter().enumerate().skip(start) {
                match (quote, *c) {
                    (Some(q), c) if c == q => quote = None,
                    (Some(_), _) => {}
                    (None, '"' | '\'') => quote = Some(*c),
                    (None, c) if c == '[' || c == '{' => depth += 1,
                    (None, c) if c == ']' || c == '}' => {
                        depth -= 1;
                        if depth == 0 {
                            return (c == close).then_some((line_no, start, i + 1));
                        }
                    }
                    _ => {}
                }
            }
            None
        }
    }
}

/// The value a node holds, in the writer's terms, to see whether an edit changes it.
fn same_value(node: &Node, value: &Value) -> bool {
    match (&node.value, value) {
        (yaml::Value::Scalar(s), Value::Text(t) | Value::Plain(t)) => s.text == *t,
        (yaml::Value::Seq(items), Value::List(new)) => {
            items.len() == new.len()
                && items
                    .iter()
                    .zip(new)
                    .all(|(n, v)| n.as_scalar().is_some_and(|s| s.text == *v))
        }
        (yaml::Value::Map(pairs), Value::Map(new)) => {
            pairs.len() == new.len()
                && pairs.iter().zip(new).all(|((k, v), (nk, nv))| {
                    k.as_scalar().is_some_and(|s| s.text == *nk)
                        && v.as_scalar().is_some_and(|s| s.text == *nv)
                })
        }
        (yaml::Value::Scalar(_), Value::List(l)) => l.is_empty() && node.is_null(),
        _ => false,
    }
}

/// The splice that sets existing field `i` to `value`, or `None` when it has it already.
fn set_existing(
    lines: &Lines,
    target: &Target,
    i: usize,
    value: &Value,
) -> Result<Option<Splice>, WriteError> {
    let (key, old) = &target.pairs[i];
    if same_value(old, value) {
        return Ok(None);
    }
    if key_is(key, "body") {
        if let Value::Text(t) = value {
            return set_body_field(lines, target, i, t);
        }
    }
    if let Some(splice) = set_in_place(lines, key, old, value) {
        return Ok(Some(splice));
    }
    // Otherwise the field's lines are written anew, in the style the value had.
    let (start, end) = field_lines(lines, target, i);
    Ok(Some(Splice::lines(
        start,
        end,
        field_anew(lines, key, old, value),
    )))
}

/// The splice that writes `value` over the old value on its line, when the old value
/// sits on the key's line and the new one fits on it (a scalar, a flow list or mapping).
fn set_in_place(lines: &Lines, key: &Node, old: &Node, value: &Value) -> Option<Splice> {
    if old.pos.line != key.pos.line {
        return None;
    }
    let (line_no, start, end) = inline_span(lines, old)?;
    let new = match (&old.value, value) {
        (yaml::Value::Scalar(s), Value::Text(t) | Value::Plain(t)) if !t.contains('\n') => {
            scalar_like(s, t, matches!(value, Value::Plain(_)))
        }
        (yaml::Value::Seq(_), Value::List(items)) => flow_list(items),
        (yaml::Value::Map(_), Value::Map(parts)) => flow_map(parts),
        _ => return None,
    };
    let line: Vec<char> = lines.text(line_no).chars().collect();
    let mut text: String = line[..start].iter().collect();
    text.push_str(&new);
    text.extend(&line[end..]);
    Some(Splice::lines(line_no, line_no + 1, vec![text]))
}

/// A field's lines written anew with `value`, in the style its old value had: a block
/// list stays a block list, a block mapping a block mapping, a quoted scalar quoted.
fn field_anew(lines: &Lines, key: &Node, old: &Node, value: &Value) -> Vec<String> {
    let head = key_head(lines, key);
    let child_indent = " ".repeat(key.pos.col as usize + 1);
    match value {
        Value::List(items) => match &old.value {
            yaml::Value::Seq(old_items) if !old_items.is_empty() => {
                list_anew(lines, key, &old_items[0], head, &child_indent, items)
            }
            _ => vec![format!("{head} {}", flow_list(items))],
        },
        Value::Map(parts) => match &old.value {
            yaml::Value::Map(old_parts)
                if !old_parts.is_empty() && old_parts[0].0.pos.line != key.pos.line =>
            {
                let sub = " ".repeat(old_parts[0].0.pos.col as usize - 1);
                let mut out = vec![head];
                out.extend(parts.iter().map(|(k, v)| {
                    format!(
                        "{sub}{}: {}",
                        scalar(k, true, false),
                        scalar(v, false, false)
                    )
                }));
                out
            }
            _ => vec![format!("{head} {}", flow_map(parts))],
        },
        Value::Text(t) | Value::Plain(t) => {
            if t.contains('\n') {
                render_block(&head, &child_indent, t)
            } else {
                let plain_ok = matches!(value, Value::Plain(_));
                let written = match old.as_scalar() {
                    Some(s) => scalar_like(s, t, plain_ok),
                    None => scalar(t, plain_ok, false),
                };
                vec![format!("{head} {written}")]
            }
        }
    }
}

/// A list field's lines written anew with `items`, shaped like the old list whose
/// first item is `first`: on the key's line as a flow list, else one item a line with
/// the old items' `- ` prefix.
fn list_anew(
    lines: &Lines,
    key: &Node,
    first: &Node,
    head: String,
    child_indent: &str,
    items: &[String],
) -> Vec<String> {
    if first.pos.line == key.pos.line {
        return vec![format!("{head} {}", flow_list(items))];
    }
    if items.is_empty() {
        return vec![format!("{head} []")];
    }
    let prefix: String = lines
        .text(first.pos.line as usize)
        .chars()
        .take(first.pos.col as usize - 1)
        .collect();
    let prefix = if prefix.trim() == "-" {
        prefix
    } else {
        format!("{child_indent}- ")
    };
    let mut out = vec![head];
    out.extend(
        items
            .iter()
            .map(|v| format!("{prefix}{}", scalar(v, true, false))),
    );
    out
}

/// Sets a YAML `body:` field, as a `|` block indented as before.
fn set_body_field(
    lines: &Lines,
    target: &Target,
    i: usize,
    body: &str,
) -> Result<Option<Splice>, WriteError> {
    let (key, old) = &target.pairs[i];
    if old.as_scalar().is_some_and(|s| s.text == body) || (body.is_empty() && old.is_null()) {
        return Ok(None);
    }
    let (start, end) = field_lines(lines, target, i);
    let head = key_head(lines, key);
    let indent = match old.as_scalar() {
        Some(s) if s.block && old.pos.line as usize > key.pos.line as usize => {
            " ".repeat(old.pos.col as usize - 1)
        }
        _ => " ".repeat(key.pos.col as usize + 1),
    };
    Ok(Some(Splice::lines(
        start,
        end,
        render_block(&head, &indent, body),
    )))
}

/// A multi-line text as a `|` block below `head`, or quoted when a block cannot hold it.
fn render_block(head: &str, indent: &str, text: &str) -> Vec<String> {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let content = text.strip_suffix('\n').unwrap_or(text);
    // A block's lines run to the next key less trailing blank lines, so a block must
    // not end with one (or hold a line of spaces, which reads as blank).
    let awkward = text.is_empty()
        || text.starts_with(' ')
        || first.starts_with(' ')
        || text.starts_with('\n')
        || content.ends_with('\n')
        || content
            .split('\n')
            .any(|l| !l.is_empty() && l.trim().is_empty())
        || text.chars().any(|c| c.is_control() && c != '\n');
    if awkward {
        return vec![format!("{head} {}", double_quoted(text))];
    }
    let chomp = if text.ends_with('\n') { "" } else { "-" };
    let mut out = vec![format!("{head} |{chomp}")];
    for l in content.split('\n') {
        if l.is_empty() {
            out.push(String::new());
        } else {
            out.push(format!("{indent}{l}"));
        }
    }
    out
}

/// A field that was absent, written in the file's style.
fn render_field(indent: &str, name: &str, value: &Value, target: &Target) -> Vec<String> {
    let head = format!("{indent}{name}:");
    match value {
        Value::Text(t) | Value::Plain(t) if t.contains('\n') => {
            render_block(&head, &format!("{indent}  "), t)
        }
        Value::Text(t) | Value::Plain(t) => {
            vec![format!(
                "{head} {}",
                scalar(t, matches!(value, Value::Plain(_)), false)
            )]
        }
        Value::List(items) if !items.is_empty() && block_lists(target) => {
            let mut out = vec![head];
            out.extend(
                items
                    .iter()
                    .map(|v| format!("{indent}  - {}", scalar(v, true, false))),
            );
            out
        }
        Value::List(items) => vec![format!("{head} {}", flow_list(items))],
        Value::Map(parts) => vec![format!("{head} {}", flow_map(parts))],
    }
}

/// Whether the record writes its lists as blocks (`- item` lines) rather than `[a, b]`.
fn block_lists(target: &Target) -> bool {
    target.pairs.iter().find_map(|(k, v)| match &v.value {
        yaml::Value::Seq(items) if !items.is_empty() => Some(items[0].pos.line != k.pos.line),
        _ => None,
    }) == Some(true)
}

/// `[a, b]`.
fn flow_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|v| scalar(v, true, true)).collect();
    format!("[{}]", inner.join(", "))
}

/// `{by: A, on: B}`.
fn flow_map(parts: &[(String, String)]) -> String {
    let inner: Vec<String> = parts
        .iter()
        .map(|(k, v)| format!("{}: {}", scalar(k, true, true), scalar(v, false, true)))
        .collect();
    format!("{{{}}}", inner.join(", "))
}

/// A new scalar in the quoting style of the old one.
fn scalar_like(old: &Scalar, text: &str, plain_ok: bool) -> String {
    let written = old.raw.as_deref().unwrap_or("");
    if written.starts_with('\'') && !text.chars().any(char::is_control) {
        return format!("'{}'", text.replace('\'', "''"));
    }
    if written.starts_with('"') {
        return double_quoted(text);
    }
    scalar(text, plain_ok, false)
}

/// Whether YAML reads `text`, written plain, back as exactly that text (in a flow
/// collection when `flow`). `any_type`: the loader reads it as text even when it looks
/// like a number or a boolean (IDs, dates, enum words).
fn plain_ok(text: &str, any_type: bool, flow: bool) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if text.trim() != text
        || text.chars().any(char::is_control)
        || "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || text.contains(": ")
        || text.contains(" #")
        || text.ends_with(':')
        || (flow && text.contains([',', '[', ']', '{', '}']))
    {
        return false;
    }
    if any_type {
        return !matches!(text, "~" | "null" | "Null" | "NULL");
    }
    matches!(serde_yaml::from_str::<serde_yaml::Value>(text), Ok(serde_yaml::Value::String(s)) if s == text)
}

/// A scalar written plain when safe, else double-quoted.
fn scalar(text: &str, any_type: bool, flow: bool) -> String {
    if plain_ok(text, any_type, flow) {
        text.to_string()
    } else {
        double_quoted(text)
    }
}

fn double_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Applies splices (which never overlap) from the bottom of the file up.
fn apply(lines: &mut Lines, mut splices: Vec<Splice>) -> Result<(), WriteError> {
    splices.sort_by_key(|s| (std::cmp::Reverse(s.start), std::cmp::Reverse(s.end)));
    for pair in splices.windows(2) {
        if pair[1].end > pair[0].start && pair[1].start < pair[0].end {
            return Err(unsupported("two edits change the same field"));
        }
    }
    let total = lines.lines.len();
    for s in splices {
        let start = s.start.min(total + 1);
        let end = s.end.min(total + 1).max(start);
        // Replaced lines keep the ending of the last one replaced; inserted lines take
        // the file's.
        let ending = if end > start {
            match lines.ending_of(end - 1) {
                "" => lines.ending.to_string(),
                e => e.to_string(),
            }
        } else {
            lines.ending.to_string()
        };
        // Text inserted after a last line that has no ending gives it one.
        if start > 1 && start - 1 == lines.lines.len() && !s.new.is_empty() {
            let last = &mut lines.lines[start - 2];
            if !last.ends_with('\n') {
                last.push_str(&ending);
            }
        }
        let last_of_file = end > total;
        let had_ending = end == start || !lines.ending_of(end - 1).is_empty();
        let count = s.new.len();
        let new: Vec<String> = s
            .new
            .into_iter()
            .enumerate()
            .map(|(n, l)| {
                if n + 1 == count && s.open_end {
                    return l;
                }
                if n + 1 == count && last_of_file && !had_ending && end > start {
                    l
                } else {
                    format!("{l}{ending}")
                }
            })
            .collect();
        lines.lines.splice(start - 1..end - 1, new);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
