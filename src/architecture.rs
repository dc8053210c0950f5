//! The module map's two rules, and the length of functions, checked on the source
//! (docs/architecture.md, CONTRIBUTING):
//!
//! 1. **No circles.** No two top-level modules import each other, directly or through
//!    a cycle; nor do two modules side by side in one folder (`render/html.rs` and
//!    `render/changes_page.rs` did: a change to either rebuilt the other in the
//!    reader's head). A folder's `mod.rs` is its children's shared part, so a child may
//!    use it; what is checked is the children among themselves.
//! 2. **No upward imports.** Each top-level module sits in one layer of [`LAYERS`] and
//!    imports only from its own layer or those below.
//! 3. **No long function without a reason.** A function of more than
//!    [`LONG_FUNCTION`] lines has a `// Long: <reason>` comment above it saying why it
//!    is best read whole (one arm per case of a table, a test walking one fixture).
//!
//! The test reads every `src/**/*.rs` file as text: the paths of its `use` items and
//! every `crate::…`, `super::…` and `self::…` path in its code (comments, strings and
//! `#[cfg(test)]` modules left out: a test may load the demo through the pipeline).
//! `main.rs` names the library `assure::`. A path to an item of the crate root
//! (`crate::VERSION`, an exported macro) depends on no module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first, with why each sits where it does. A module may import
/// from its own layer (if that makes no circle) and from any layer below.
///
/// The order is the pipeline's (docs/architecture.md): files are read, settings and
/// records built, facts derived, words chosen, outputs made, commands run. `pipeline`
/// sits below the renderers: it makes the `Analysed` view they read and never calls
/// one (the commands do).
const LAYERS: &[(&str, &[&str])] = &[
    // Nothing of Assure's own below them.
    (
        "foundations",
        &[
            "date",
            "diagnostics",
            "hash",
            "untrusted",
            "terminal",
            "durable",
        ],
    ),
    // Walking the content folder and reading its YAML, with positions.
    ("content", &["content"]),
    // Text and settings read from content: Markdown, branding, site.yaml.
    ("settings", &["markdown", "branding", "config"]),
    // Records: their fields, links and audience views.
    ("model", &["model"]),
    // Derived facts: readiness, gaps, evidence states, changes, personal data.
    ("facts", &["analysis", "changes", "privacy"]),
    // Words, colours and orders of values, and what is drawn: shared by every output.
    ("words", &["present", "judgements", "charts"]),
    // The one sequence every command runs: check, then an audience's analysed view.
    ("pipeline", &["pipeline"]),
    // Outputs made from an analysed view; the staging folder and manifest.
    ("outputs", &["render", "output"]),
    // What the commands do, the server, the importer and the authoring commands.
    (
        "commands",
        &[
            "commands",
            "serve",
            "import",
            "lock",
            "new_record",
            "starter",
            "fuzzing",
        ],
    ),
    // The command line.
    ("main", &["main"]),
];

/// One source file: its module path and its text with comments, strings and test
/// modules removed.
struct Source {
    file: String,
    module: Vec<String>,
    code: String,
}

/// An import of one module by another, with where it was seen.
#[derive(Clone)]
struct Edge {
    from: Vec<String>,
    to: Vec<String>,
    /// "src/render/html/mod.rs: crate::analysis::Behind"
    seen: String,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The module a file holds: `render/html/mod.rs` is `render::html`, `lib.rs` the root.
fn module_of(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts == ["lib"] {
        parts.clear();
    }
    parts
}

/// `code` without comments, string and character literals (each left as `""`), so a
/// path in a doc comment or a message is not taken for an import. The line breaks
/// they held are kept, so a line of the result is that line of the file.
fn strip_comments_and_strings(code: &str) -> String {
    let b = code.as_bytes();
    let mut out = String::with_capacity(code.len());
    let mut i = 0;
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        let prev_word = i > 0 && word(b[i - 1]);
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let end = block_comment_end(b, i);
            push_line_breaks(&mut out, &b[i..end]);
            i = end;
        } else if !prev_word
            && (b[i..].starts_with(b"r#")
                || b[i..].starts_with(b"r\"")
                || b[i..].starts_with(b"br"))
        {
            match raw_string_end(b, i) {
                Some(end) => {
                    out.push_str("\"\"");
                    push_line_breaks(&mut out, &b[i..end.min(b.len())]);
                    i = end;
                }
                // `r#ident`, or a word such as `break` that starts like one.
                None => {
                    out.push(b[i] as char);
                    i += 1;
                }
            }
        } else if b[i] == b'"' {
            let start = i;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
            push_line_breaks(&mut out, &b[start..i.min(b.len())]);
        } else if b[i] == b'\'' {
            match char_literal_len(&code[i + 1..]) {
                Some(n) => {
                    i += 1 + n;
                    out.push_str("' '");
                }
                // A lifetime stays.
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let c = code[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// One line break for each in `skipped`, so that what follows keeps its line number.
fn push_line_breaks(out: &mut String, skipped: &[u8]) {
    out.extend(skipped.iter().filter(|&&c| c == b'\n').map(|_| '\n'));
}

/// Where the block comment opening at `i` ends (comments nest in Rust), or the end.
fn block_comment_end(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0;
    while i < b.len() {
        if b[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if b[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                break;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// Where the raw string starting at `i` ends (`r"…"`, `r#"…"#`, `br#"…"#`), just past
/// its closing quote and hashes; `None` when no quote follows the `r` and its hashes.
fn raw_string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + if b[i] == b'b' { 2 } else { 1 };
    let hashes = b[j..].iter().take_while(|&&c| c == b'#').count();
    j += hashes;
    if b.get(j) != Some(&b'"') {
        return None;
    }
    let close: Vec<u8> = std::iter::once(b'"')
        .chain(std::iter::repeat_n(b'#', hashes))
        .collect();
    j += 1;
    while j < b.len() && !b[j..].starts_with(&close) {
        j += 1;
    }
    Some(j + close.len())
}

/// The length of a character literal ('x', '\n', '\u{2014}', '"') after its opening
/// quote, closing quote included; `None` when `rest` is not one (a lifetime).
fn char_literal_len(rest: &str) -> Option<usize> {
    if rest.starts_with('\\') && rest.len() > 2 {
        // The escaped character, then up to the closing quote ('\'', '\u{…}').
        rest[2..].find('\'').map(|n| n + 3)
    } else {
        rest.chars()
            .next()
            .filter(|_| rest.chars().nth(1) == Some('\''))
            .map(|c| c.len_utf8() + 1)
    }
}

/// `code` without its `#[cfg(test)] mod NAME { … }` blocks.
fn strip_test_modules(code: &str) -> String {
    let mut code = code.to_string();
    while let Some(start) = code.find("#[cfg(test)]") {
        let after = &code[start + "#[cfg(test)]".len()..];
        let trimmed = after.trim_start();
        let body = trimmed
            .strip_prefix("mod ")
            .and_then(|r| r.find(['{', ';']).map(|n| (r, n)));
        let Some((rest, n)) = body.filter(|(r, n)| r.as_bytes()[*n] == b'{') else {
            // `#[cfg(test)]` on something else (an item or `mod name;`): leave it.
            code.replace_range(start..start + "#[cfg(test)]".len(), "");
            continue;
        };
        let open = code.len() - rest.len() + n;
        let mut depth = 0;
        let mut end = code.len();
        for (k, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + k + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        code.replace_range(start..end, "");
    }
    code
}

/// The test-only files: those a parent declares as `#[cfg(test)] mod name;`.
fn test_only_files(sources: &[(String, String)]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (rel, text) in sources {
        let dir = match rel.rsplit_once('/') {
            Some((d, f)) if f == "mod.rs" || f == "lib.rs" => format!("{d}/"),
            Some((d, f)) => format!("{d}/{}/", f.trim_end_matches(".rs")),
            None if rel == "lib.rs" || rel == "main.rs" => String::new(),
            None => format!("{}/", rel.trim_end_matches(".rs")),
        };
        let mut rest = text.as_str();
        while let Some(at) = rest.find("#[cfg(test)]") {
            rest = &rest[at + "#[cfg(test)]".len()..];
            let line = rest.trim_start();
            let Some(decl) = line
                .strip_prefix("mod ")
                .or_else(|| line.strip_prefix("pub mod "))
            else {
                continue;
            };
            let name: String = decl
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if decl[name.len()..].trim_start().starts_with(';') {
                out.insert(format!("{dir}{name}.rs"));
                out.insert(format!("{dir}{name}/mod.rs"));
            }
        }
    }
    out
}

/// The paths of a `use` tree, each as its segments: `crate::{a::B, c::{self, D}}` is
/// `crate::a::B`, `crate::c::self`, `crate::c::D`.
fn expand_use(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(inner) = tree.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        let mut depth = 0;
        let mut start = 0;
        for (k, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand_use(&inner[start..k], prefix, out);
                    start = k + 1;
                }
                _ => {}
            }
        }
        expand_use(&inner[start..], prefix, out);
        return;
    }
    if tree.is_empty() {
        return;
    }
    match tree.find('{') {
        Some(open) => {
            let mut p = prefix.to_vec();
            p.extend(segments(&tree[..open]));
            expand_use(&tree[open..], &p, out);
        }
        None => {
            let path = tree.split(" as ").next().unwrap_or(tree);
            let mut p = prefix.to_vec();
            p.extend(segments(path));
            out.push(p);
        }
    }
}

fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Every path a file's code names that may lead into the crate: its `use` trees and
/// the `crate::`, `super::`, `self::` (and in `main.rs`, `assure::`) paths in its body.
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let word = |c: char| c.is_alphanumeric() || c == '_';
    // `use` items, wherever they stand (a function may have its own).
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + 4..];
        if before.is_some_and(|c| word(c) || c == ':') {
            continue;
        }
        if let Some(end) = rest.find(';') {
            let tree: String = rest[..end].split_whitespace().collect::<Vec<_>>().join(" ");
            expand_use(&tree, &[], &mut out);
        }
    }
    // Paths in code: `crate::a::b(…)`, `super::x::Y`.
    let chars: Vec<(usize, char)> = code.char_indices().collect();
    for (n, &(at, _)) in chars.iter().enumerate() {
        if n > 0 && (word(chars[n - 1].1) || chars[n - 1].1 == ':') {
            continue;
        }
        let tail = &code[at..];
        if ["crate::", "super::", "self::", "assure::"]
            .iter()
            .any(|p| tail.starts_with(p))
        {
            let len = tail
                .find(|c: char| !(word(c) || c == ':'))
                .unwrap_or(tail.len());
            // `crate::{…}` alone is a `use` tree's start, read above.
            let path = segments(&tail[..len]);
            if path.len() > 1 {
                out.push(path);
            }
        }
    }
    out
}

/// Reads every file of `src/` into [`Source`]s.
fn read_sources() -> Vec<Source> {
    let root = src_dir();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .unwrap_or(p)
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(p).unwrap_or_default();
            (rel, text)
        })
        .collect();
    let tests = test_only_files(&texts);
    texts
        .into_iter()
        .filter(|(rel, _)| !tests.contains(rel))
        .map(|(rel, text)| Source {
            module: if rel == "main.rs" {
                vec!["main".into()]
            } else {
                module_of(&rel)
            },
            code: strip_test_modules(&strip_comments_and_strings(&text)),
            file: format!("src/{rel}"),
        })
        .collect()
}

/// The imports between modules: each path resolved against the importing file's
/// module and cut to the longest prefix that is a module (a file of `src/`).
fn edges(sources: &[Source]) -> Vec<Edge> {
    let modules: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let mut out = Vec::new();
    for s in sources {
        for path in paths_in(&s.code) {
            let Some(first) = path.first() else { continue };
            let mut target: Vec<String> = match first.as_str() {
                "crate" | "assure" => Vec::new(),
                "self" => s.module.clone(),
                "super" => s.module[..s.module.len().saturating_sub(1)].to_vec(),
                _ => continue,
            };
            let mut rest = &path[1..];
            while rest.first().is_some_and(|p| p == "super") {
                target.pop();
                rest = &rest[1..];
            }
            target.extend(rest.iter().filter(|p| *p != "self").cloned());
            while !target.is_empty() && !modules.contains(&target) {
                target.pop();
            }
            if !target.is_empty() && target != s.module {
                out.push(Edge {
                    from: s.module.clone(),
                    to: target,
                    seen: format!("{}: {}", s.file, path.join("::")),
                });
            }
        }
    }
    out
}

/// Imports among one folder's children: (importer, imported) with where each was seen.
type Graph = BTreeMap<(String, String), Vec<String>>;

/// For each folder (and the crate root), its children's imports of each other: an
/// import from anywhere under `render::pdf` to anywhere under `render::html` is
/// `pdf → html` among `render`'s children.
fn sibling_graphs(edges: &[Edge]) -> BTreeMap<Vec<String>, Graph> {
    let mut out: BTreeMap<Vec<String>, Graph> = BTreeMap::new();
    for e in edges {
        let common = e.from.iter().zip(&e.to).take_while(|(a, b)| a == b).count();
        if common < e.from.len() && common < e.to.len() {
            out.entry(e.from[..common].to_vec())
                .or_default()
                .entry((e.from[common].clone(), e.to[common].clone()))
                .or_default()
                .push(e.seen.clone());
        }
    }
    out
}

/// The cycles of a directed graph, one per strongly connected component of more than
/// one node (Tarjan's algorithm), each as its nodes sorted.
fn cycles(edges: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = edges.iter().flat_map(|(a, b)| [a, b]).collect();
    let next = |n: &String| -> Vec<&String> {
        edges
            .iter()
            .filter(|(a, _)| a == n)
            .map(|(_, b)| b)
            .collect()
    };
    struct State<'a> {
        index: BTreeMap<&'a String, usize>,
        low: BTreeMap<&'a String, usize>,
        stack: Vec<&'a String>,
        on: BTreeSet<&'a String>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(n: &'a String, st: &mut State<'a>, next: &dyn Fn(&String) -> Vec<&'a String>) {
        let i = st.index.len();
        st.index.insert(n, i);
        st.low.insert(n, i);
        st.stack.push(n);
        st.on.insert(n);
        for m in next(n) {
            if !st.index.contains_key(m) {
                visit(m, st, next);
                let l = st.low[m].min(st.low[n]);
                st.low.insert(n, l);
            } else if st.on.contains(m) {
                let l = st.index[m].min(st.low[n]);
                st.low.insert(n, l);
            }
        }
        if st.low[n] == st.index[n] {
            let mut comp = Vec::new();
            while let Some(m) = st.stack.pop() {
                st.on.remove(m);
                comp.push(m.clone());
                if m == n {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                st.out.push(comp);
            }
        }
    }
    let mut st = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for n in nodes {
        if !st.index.contains_key(n) {
            visit(n, &mut st, &next);
        }
    }
    st.out
}

#[test]
fn no_two_modules_import_each_other() {
    let edges = edges(&read_sources());
    let mut problems = Vec::new();
    for (parent, graph) in sibling_graphs(&edges) {
        let pairs: BTreeSet<(String, String)> = graph.keys().cloned().collect();
        for cycle in cycles(&pairs) {
            let folder = if parent.is_empty() {
                "the crate".to_string()
            } else {
                parent.join("::")
            };
            let mut lines = vec![format!(
                "a circle among {folder}'s modules: {}",
                cycle.join(", ")
            )];
            for ((a, b), seen) in &graph {
                if cycle.contains(a) && cycle.contains(b) {
                    lines.push(format!("  {a} → {b}: {}", seen.join("; ")));
                }
            }
            problems.push(lines.join("\n"));
        }
    }
    assert!(
        problems.is_empty(),
        "move what both sides need below them (or into the folder's mod.rs):\n{}",
        problems.join("\n")
    );
}

#[test]
fn no_module_imports_from_a_higher_layer() {
    let layer_of = |m: &str| LAYERS.iter().position(|(_, ms)| ms.contains(&m));
    let sources = read_sources();
    let mut problems = BTreeSet::new();
    for s in &sources {
        if s.module.len() == 1 && layer_of(&s.module[0]).is_none() {
            problems.insert(format!(
                "`{}` is in no layer: add it to LAYERS in src/architecture.rs (and docs/architecture.md)",
                s.module[0]
            ));
        }
    }
    for e in edges(&sources) {
        let (from, to) = (&e.from[0], &e.to[0]);
        if let (Some(a), Some(b)) = (layer_of(from), layer_of(to)) {
            if b > a {
                problems.insert(format!(
                    "{from} ({}) imports {to} ({}), a higher layer: {}",
                    LAYERS[a].0, LAYERS[b].0, e.seen
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{}",
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// The reader finds what is there: a check that sees no imports would pass anything.
#[test]
fn the_reader_sees_imports_in_every_form() {
    let mut found = Vec::new();
    let code = strip_test_modules(&strip_comments_and_strings(
        "use crate::{a::B, c::{self, D as E}};\nuse super::f::G;\n// crate::not_this\nlet s = \"crate::nor_this\";\nlet x = crate::h::i(1) + super::super::j::K;\n#[cfg(test)]\nmod tests { use crate::tested::X; }\nlet q = ('\"', '\\'', r#\"crate::raw\"#);\nuse crate::after_chars::Y;\n",
    ));
    for p in paths_in(&code) {
        found.push(p.join("::"));
    }
    found.sort();
    found.dedup();
    assert_eq!(
        found,
        [
            "crate::a::B",
            "crate::after_chars::Y",
            "crate::c::D",
            "crate::c::self",
            "crate::h::i",
            "super::f::G",
            "super::super::j::K"
        ]
    );
    let edges = edges(&read_sources());
    let has = |from: &str, to: &str| {
        edges
            .iter()
            .any(|e| e.from.join("::") == from && e.to.join("::") == to)
    };
    assert!(has("render::html", "analysis"), "a `use crate::` import");
    assert!(
        has("render::html::record", "render::html"),
        "a `use super::` import"
    );
    assert!(
        has("main", "commands::status"),
        "main.rs's `assure::` paths"
    );
}

#[test]
fn a_circle_is_found_through_any_number_of_modules() {
    let graph: BTreeSet<(String, String)> =
        [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("e", "d")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
    assert_eq!(cycles(&graph), [["a", "b", "c"]]);
}

/// How many lines a function may run to before it needs a reason: past this a reader
/// can no longer hold it in view, and it has usually grown a seam to split along.
const LONG_FUNCTION: usize = 80;

/// The functions of one file longer than [`LONG_FUNCTION`] lines (signature to closing
/// brace) with no `// Long: <reason>` comment among the comments and attributes
/// directly above them: `(line, name, lines)`.
fn long_functions_without_a_reason(text: &str) -> Vec<(usize, String, usize)> {
    let raw: Vec<&str> = text.lines().collect();
    let code = strip_comments_and_strings(text);
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(name) = fn_name(line) else {
            continue;
        };
        let Some(end) = body_end(&lines, start) else {
            continue;
        };
        let length = end - start + 1;
        let has_reason = raw[..start.min(raw.len())]
            .iter()
            .rev()
            .map(|l| l.trim())
            .take_while(|l| l.starts_with("//") || l.starts_with("#["))
            .any(|l| l.starts_with("// Long:"));
        if length > LONG_FUNCTION && !has_reason {
            out.push((start + 1, name, length));
        }
    }
    out
}

/// The name of the function a line of code starts, if it starts one.
fn fn_name(line: &str) -> Option<String> {
    let mut rest = line.trim_start();
    for qualifier in [
        "pub(crate) ",
        "pub(super) ",
        "pub ",
        "const ",
        "async ",
        "unsafe ",
    ] {
        rest = rest.strip_prefix(qualifier).unwrap_or(rest);
    }
    let rest = rest.strip_prefix("fn ")?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The line of the brace that closes the body of the function starting at line
/// `start`; `None` for a declaration without a body (`fn f();` in a trait).
fn body_end(lines: &[&str], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut opened = false;
    for (n, line) in lines.iter().enumerate().skip(start) {
        for c in line.chars() {
            match c {
                ';' if !opened && depth == 0 => return None,
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => {
                    depth = depth.saturating_sub(1);
                    if opened && depth == 0 {
                        return Some(n);
                    }
                }
                _ => {}
            }
        }
    }
    None
}

#[test]
fn no_function_is_long_without_a_reason() {
    let root = src_dir();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut problems = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let rel = path.strip_prefix(&root).unwrap_or(&path).display();
        for (line, name, length) in long_functions_without_a_reason(&text) {
            problems.push(format!("src/{rel}:{line} `{name}` is {length} lines"));
        }
    }
    assert!(
        problems.is_empty(),
        "split these along their seams, or say why one is best read whole in a \
         `// Long: <reason>` comment above it (CONTRIBUTING, \"Code\"):\n{}",
        problems.join("\n")
    );
}

/// The length check sees a long function, counts braces in strings and comments as
/// nothing, and takes a reason.
#[test]
fn a_long_function_is_found_unless_it_gives_a_reason() {
    let body = "    let x = \"{\"; // }\n".repeat(LONG_FUNCTION);
    let long = format!("/// Doc.\npub(crate) fn long() {{\n{body}}}\n");
    let found = long_functions_without_a_reason(&long);
    assert_eq!(found, vec![(2, "long".to_string(), LONG_FUNCTION + 2)]);
    let reasoned = format!("// Long: one table read top to bottom.\n{long}");
    assert!(long_functions_without_a_reason(&reasoned).is_empty());
    let short = "fn short() {\n    let y = '}';\n}\ntrait T {\n    fn f();\n}\n";
    assert!(long_functions_without_a_reason(short).is_empty());
}
