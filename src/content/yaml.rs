//! YAML with positions: a small tree of nodes that remember where they were written.
//!
//! Diagnostics must point at the key or list item at fault, and string fields must keep
//! the scalar as written (`id: 1.10` is "1.10", not a float). serde_yaml gives neither,
//! so records are read from saphyr-parser's event stream into [`Node`]s carrying line,
//! column and the source text of every scalar. The same pass counts alias expansions
//! before cloning anything, so an alias bomb is refused instead of filling memory, and
//! it rejects duplicate keys and multi-document streams (SPEC §12).

use crate::diagnostics::Pos;
use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;

/// SPEC §5: more alias expansions than this make a file invalid.
const MAX_ALIAS_EXPANSIONS: u64 = 1_000;
/// Guards against a small anchored tree being copied into a huge one.
const MAX_EXPANDED_NODES: u64 = 1_000_000;
/// Deeper nesting than any record needs; refusing it bounds stack and memory.
const MAX_DEPTH: usize = 200;

/// A YAML node and where it starts in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A scalar as written, and whether it was plain (unquoted), which decides whether it
/// may be read as a number, boolean or null.
#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    pub text: String,
    pub plain: bool,
    /// Written as a `|` or `>` block: its content starts on the next line.
    pub block: bool,
    /// The scalar as it stands in the file, kept when its text differs from it (quoted,
    /// folded or multi-line), so positions inside it can be found in the file.
    pub raw: Option<String>,
}

/// A syntax problem, with its position in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

impl Node {
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// A plain `~`, `null` or empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s) if s.plain && matches!(s.text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// A short description for messages: "a list", "a mapping", "`text`".
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Scalar(s) => {
                let mut t: String = s.text.chars().take(60).collect();
                if t.len() < s.text.len() {
                    t.push('…');
                }
                format!("`{t}`")
            }
            Value::Seq(_) => "a list".into(),
            Value::Map(_) => "a mapping".into(),
        }
    }

    /// The node as a serde_yaml value, for custom fields kept as written. Plain scalars
    /// are resolved to numbers, booleans and nulls by serde_yaml's own rules.
    pub fn to_value(&self) -> serde_yaml::Value {
        match &self.value {
            Value::Scalar(s) if s.plain => {
                if s.text.is_empty() {
                    return serde_yaml::Value::Null;
                }
                match serde_yaml::from_str::<serde_yaml::Value>(&s.text) {
                    Ok(
                        v @ (serde_yaml::Value::Bool(_)
                        | serde_yaml::Value::Number(_)
                        | serde_yaml::Value::Null),
                    ) => v,
                    _ => serde_yaml::Value::String(s.text.clone()),
                }
            }
            Value::Scalar(s) => serde_yaml::Value::String(s.text.clone()),
            Value::Seq(items) => {
                serde_yaml::Value::Sequence(items.iter().map(Node::to_value).collect())
            }
            Value::Map(pairs) => {
                let mut m = serde_yaml::Mapping::new();
                for (k, v) in pairs {
                    m.insert(k.to_value(), v.to_value());
                }
                serde_yaml::Value::Mapping(m)
            }
        }
    }
}

/// A collection being built.
struct Frame {
    pos: Pos,
    anchor: usize,
    expansions_at_start: u64,
    kind: FrameKind,
}

enum FrameKind {
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>, Option<Node>),
}

/// An anchored node with the cost of copying it.
struct Anchored {
    node: Node,
    expansions: u64,
    size: u64,
}

fn size_of(node: &Node) -> u64 {
    // Iterative: nesting is bounded by MAX_DEPTH, but keep this cheap and stack-safe.
    let mut total = 0u64;
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        total += 1;
        match &n.value {
            Value::Scalar(_) => {}
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Map(pairs) => {
                for (k, v) in pairs {
                    stack.push(k);
                    stack.push(v);
                }
            }
        }
    }
    total
}

fn pos_of(marker: &saphyr_parser::Marker, line_offset: usize) -> Pos {
    Pos::new(marker.line() + line_offset, marker.col() + 1)
}

/// The one message for a tab wherever YAML refuses it, in a YAML file, in front matter
/// or in `site.yaml` (SPEC §13.2).
pub const TAB_MESSAGE: &str =
    "tabs are not allowed in YAML: use spaces instead, to indent and after `:` or `-`";

/// Turns the parser's character indices into byte offsets, moving forward through the
/// text (events arrive in order), so slicing stays linear in the file's size.
struct CharCursor<'a> {
    text: &'a str,
    chars: usize,
    bytes: usize,
}

impl<'a> CharCursor<'a> {
    fn new(text: &'a str) -> CharCursor<'a> {
        CharCursor {
            text,
            chars: 0,
            bytes: 0,
        }
    }

    fn byte_at(&mut self, char_index: usize) -> usize {
        if char_index < self.chars {
            self.chars = 0;
            self.bytes = 0;
        }
        let rest = &self.text[self.bytes..];
        let step = rest
            .char_indices()
            .nth(char_index - self.chars)
            .map_or(rest.len(), |(b, _)| b);
        self.bytes += step;
        self.chars = char_index;
        self.bytes
    }

    fn slice(&mut self, start: usize, end: usize) -> &'a str {
        let s = self.byte_at(start);
        let e = self.byte_at(end.max(start));
        &self.text[s..e]
    }
}

/// The first tab used for indentation: the parser reports tabs where it noticed them,
/// which is after the tab; authors need to see the tab itself.
fn first_indent_tab(text: &str, line_offset: usize) -> Option<Pos> {
    text.lines().enumerate().find_map(|(i, line)| {
        let indent: String = line
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t' || *c == '-')
            .collect();
        indent
            .chars()
            .position(|c| c == '\t')
            .map(|col| Pos::new(i + 1 + line_offset, col + 1))
    })
}

/// A tab in the blank space just before (or at) where the parser noticed a problem:
/// the tab is then what it refused, whatever it said.
fn tab_before(text: &str, marker: &saphyr_parser::Marker, line_offset: usize) -> Option<Pos> {
    let line: Vec<char> = text
        .lines()
        .nth(marker.line().checked_sub(1)?)?
        .chars()
        .collect();
    let at = marker.col().min(line.len());
    if line.get(at) == Some(&'\t') {
        return Some(Pos::new(marker.line() + line_offset, at + 1));
    }
    let blank = line[..at]
        .iter()
        .rev()
        .take_while(|c| matches!(c, ' ' | '\t'))
        .count();
    line[at - blank..at]
        .iter()
        .position(|c| *c == '\t')
        .map(|i| Pos::new(marker.line() + line_offset, at - blank + i + 1))
}

/// Parses one YAML document. `line_offset` is added to every line (front matter starts
/// below its `---`). Returns `None` for an empty document.
pub fn parse(text: &str, line_offset: usize) -> Result<Option<Node>, YamlError> {
    let mut tree = Tree {
        stack: Vec::new(),
        anchors: HashMap::new(),
        expansions: 0,
        expanded_nodes: 0,
        root: None,
        documents: 0,
        cursor: CharCursor::new(text),
        line_offset,
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| parser_error(text, line_offset, &e))?;
        if let Some((node, anchor, inner)) = tree.finished(event, &span)? {
            tree.place(node, anchor, inner)?;
        }
    }
    Ok(tree.root)
}

/// The parser's complaint in plain words at the place to change: a tab, wherever the
/// complaint comes from, gets the one tab message at the tab itself.
fn parser_error(text: &str, line_offset: usize, e: &saphyr_parser::ScanError) -> YamlError {
    let err = |pos: Pos, message: String| YamlError { pos, message };
    if e.info().to_ascii_lowercase().contains("tab") {
        let pos = first_indent_tab(text, line_offset)
            .or_else(|| tab_before(text, e.marker(), line_offset))
            .unwrap_or_else(|| pos_of(e.marker(), line_offset));
        return err(pos, TAB_MESSAGE.into());
    }
    // Other complaints caused by a tab (`title:<tab>x` is "':' must be
    // followed by a valid YAML whitespace") get the same message.
    if let Some(pos) = tab_before(text, e.marker(), line_offset) {
        return err(pos, TAB_MESSAGE.into());
    }
    let (pos, message) = super::yaml_errors::explain(
        text,
        line_offset,
        e.marker().line(),
        e.marker().col(),
        e.info(),
    );
    err(pos, message)
}

/// The tree being built from the parser's events.
struct Tree<'a> {
    /// The sequences and mappings open around the current event, innermost last.
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    /// Alias expansions so far, counting those inside each expanded anchor.
    expansions: u64,
    /// Nodes copied by alias expansions so far.
    expanded_nodes: u64,
    root: Option<Node>,
    documents: usize,
    cursor: CharCursor<'a>,
    line_offset: usize,
}

/// A node the events have finished, with its anchor (0: none) and the alias
/// expansions inside it.
type Finished = (Node, usize, u64);

impl Tree<'_> {
    /// The node an event finishes, if any (a scalar, an alias, the end of a sequence
    /// or mapping); the refusals of SPEC §12 as errors.
    fn finished(
        &mut self,
        event: Event<'_>,
        span: &saphyr_parser::Span,
    ) -> Result<Option<Finished>, YamlError> {
        let pos = pos_of(&span.start, self.line_offset);
        let err = |message: String| Err(YamlError { pos, message });
        match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => Ok(None),
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return err(
                        "this file holds more than one YAML document (a second `---`); keep one record per file, or use a `records:` list".into(),
                    );
                }
                Ok(None)
            }
            Event::Alias(id) => self.alias(id, pos).map(Some),
            Event::Scalar(text, style, anchor, tag) => {
                let node = self.scalar(text.into_owned(), style, tag.as_deref(), span, pos);
                Ok(Some((node, anchor, 0)))
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    return err(format!(
                        "the YAML is nested more than {MAX_DEPTH} levels deep"
                    ));
                }
                let kind = if matches!(event, Event::SequenceStart(..)) {
                    FrameKind::Seq(Vec::new())
                } else {
                    FrameKind::Map(Vec::new(), None)
                };
                self.stack.push(Frame {
                    pos,
                    anchor,
                    expansions_at_start: self.expansions,
                    kind,
                });
                Ok(None)
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return err("unbalanced YAML structure".into());
                };
                let value = match frame.kind {
                    FrameKind::Seq(items) => Value::Seq(items),
                    FrameKind::Map(pairs, _) => Value::Map(pairs),
                };
                Ok(Some((
                    Node {
                        value,
                        pos: frame.pos,
                    },
                    frame.anchor,
                    self.expansions - frame.expansions_at_start,
                )))
            }
        }
    }

    /// An alias's copy of its anchored node, at the alias: counted before anything
    /// is copied, so an alias bomb is refused instead of filling memory.
    fn alias(&mut self, id: usize, pos: Pos) -> Result<Finished, YamlError> {
        let err = |message: String| Err(YamlError { pos, message });
        let Some(a) = self.anchors.get(&id) else {
            return err("this alias (`*name`) refers to an anchor that is not defined".into());
        };
        self.expansions += 1 + a.expansions;
        self.expanded_nodes += a.size;
        if self.expansions > MAX_ALIAS_EXPANSIONS || self.expanded_nodes > MAX_EXPANDED_NODES {
            return err(format!("the YAML uses more than {MAX_ALIAS_EXPANSIONS} alias expansions (`*name`); write the values out instead"));
        }
        let mut node = a.node.clone();
        node.pos = pos;
        Ok((node, 0, 0))
    }

    /// A scalar node, keeping its source text unless it is a plain scalar on one line
    /// or a literal block (whose text is its source already).
    fn scalar(
        &mut self,
        text: String,
        style: ScalarStyle,
        tag: Option<&saphyr_parser::Tag>,
        span: &saphyr_parser::Span,
        pos: Pos,
    ) -> Node {
        let forced_string = tag.is_some_and(|t| t.suffix == "str");
        let keep_raw = match style {
            ScalarStyle::Literal => false,
            ScalarStyle::Plain => span.end.line() != span.start.line(),
            _ => true,
        };
        let raw = keep_raw.then(|| {
            self.cursor
                .slice(span.start.index(), span.end.index())
                .to_string()
        });
        Node {
            value: Value::Scalar(Scalar {
                text,
                plain: style == ScalarStyle::Plain && !forced_string,
                block: matches!(style, ScalarStyle::Literal | ScalarStyle::Folded),
                raw,
            }),
            pos,
        }
    }

    /// A finished node put where it belongs: remembered under its anchor, then the
    /// root, the next item of the open sequence, or a key or value of the open mapping
    /// (a key written twice refused).
    fn place(&mut self, node: Node, anchor: usize, inner: u64) -> Result<(), YamlError> {
        if anchor != 0 {
            let size = size_of(&node);
            self.anchors.insert(
                anchor,
                Anchored {
                    node: node.clone(),
                    expansions: inner,
                    size,
                },
            );
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame {
                kind: FrameKind::Seq(items),
                ..
            }) => items.push(node),
            Some(Frame {
                kind: FrameKind::Map(pairs, pending),
                ..
            }) => match pending.take() {
                None => {
                    if let Value::Scalar(k) = &node.value {
                        if pairs.iter().any(
                            |(old, _)| matches!(&old.value, Value::Scalar(o) if o.text == k.text),
                        ) {
                            return Err(YamlError {
                                pos: node.pos,
                                message: format!(
                                    "the key `{}` appears twice in this mapping; keep one",
                                    k.text
                                ),
                            });
                        }
                    }
                    *pending = Some(node);
                }
                Some(key) => pairs.push((key, node)),
            },
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(text: &str) -> Vec<(Node, Node)> {
        parse(text, 0).unwrap().unwrap().as_map().unwrap().to_vec()
    }

    #[test]
    fn keys_and_items_keep_positions_and_text() {
        let m = map("id: 1.10\ntags:\n  - a\n  - b\nrefs: [x, y]\n");
        assert_eq!(m[0].0.pos, Pos { line: 1, col: 1 });
        assert_eq!(m[0].1.as_scalar().unwrap().text, "1.10");
        let Value::Seq(tags) = &m[1].1.value else {
            panic!()
        };
        assert_eq!(tags[1].pos, Pos { line: 4, col: 5 });
        let Value::Seq(refs) = &m[2].1.value else {
            panic!()
        };
        assert_eq!(refs[1].pos, Pos { line: 5, col: 11 });
    }

    #[test]
    fn duplicate_keys_and_documents_are_errors() {
        let e = parse("a: 1\nb: 2\na: 3\n", 1).unwrap_err();
        assert_eq!(e.pos, Pos { line: 4, col: 1 });
        assert!(parse("a: 1\n---\nb: 2\n", 0).is_err());
    }

    #[test]
    fn tabs_are_errors_with_a_hint() {
        let e = parse("a:\n\t- b\n", 0).unwrap_err();
        assert_eq!(e.message, TAB_MESSAGE);
        assert_eq!(e.pos, Pos { line: 2, col: 1 });
        // After a key's colon, in a YAML file and in front matter (offset by its `---`).
        let e = parse("title: T\nkind:\tx\n", 0).unwrap_err();
        assert_eq!(e.message, TAB_MESSAGE);
        assert_eq!(e.pos, Pos { line: 2, col: 6 });
        let e = parse("title: T\nkind:\tx\n", 1).unwrap_err();
        assert_eq!(
            (e.message.as_str(), e.pos),
            (TAB_MESSAGE, Pos { line: 3, col: 6 })
        );
    }

    #[test]
    fn alias_bombs_are_refused_before_expansion() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (i, c) in ('b'..='j').enumerate() {
            let prev = (b'a' + i as u8) as char;
            text.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let e = parse(&text, 0).unwrap_err();
        assert!(e.message.contains("alias"));
    }

    #[test]
    fn custom_values_resolve_like_yaml() {
        let m = map("n: 3\nq: '3'\nb: true\nl: [1, two]\n");
        assert_eq!(m[0].1.to_value(), serde_yaml::Value::from(3));
        assert_eq!(m[1].1.to_value(), serde_yaml::Value::from("3"));
        assert_eq!(m[2].1.to_value(), serde_yaml::Value::from(true));
    }
}
