//! `assure lock`: records the SHA-256 of evidence files in their records' `sha256:`
//! field, so later changes to a file show up as "changed" (W101).
//!
//! Authors own their files: only the `sha256:` line is written (or added after
//! `file:`), every other byte — comments, BOM, CRLF, other records of a list file —
//! stays as it was, and each file is replaced atomically.

use crate::model::resolve::check_file;
use crate::model::schema::RecordType;
use crate::model::{Record, Site};
use crate::output::write_atomic;
use anyhow::{bail, Context, Result};
use std::collections::{BTreeMap, HashSet};

/// What happened to one evidence record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    pub id: String,
    pub path: String,
    pub sha256: String,
    pub action: &'static str,
}

/// One line edit: replace line `line` (1-based), or insert after it.
#[derive(Debug, Clone)]
struct Edit {
    line: usize,
    insert: bool,
    /// Column (1-based, in characters) of the key the edit is aligned to.
    col: usize,
    hash: String,
}

/// Locks the named evidence records (all unhashed evidence when `ids` is empty).
pub fn lock(site: &Site, ids: &[String]) -> Result<Vec<Locked>> {
    let mut targets: Vec<&Record> = Vec::new();
    if ids.is_empty() {
        targets.extend(
            site.records.iter().filter(|r| {
                r.rtype == RecordType::Evidence && r.file.is_some() && r.sha256.is_none()
            }),
        );
    } else {
        for id in ids {
            match site.get(id) {
                Some(r) if r.rtype == RecordType::Evidence && r.file.is_some() => targets.push(r),
                Some(r) if r.rtype == RecordType::Evidence => {
                    bail!("evidence `{}` has no `file` to lock", r.id)
                }
                Some(r) => bail!(
                    "`{}` is {}, not evidence; only evidence files are locked",
                    r.id,
                    r.rtype.with_article()
                ),
                None => bail!("there is no record `{id}`"),
            }
        }
    }
    let present: HashSet<&str> = site.files.files.iter().map(String::as_str).collect();
    let root = &site.files.root;
    let mut edits: BTreeMap<&str, Vec<Edit>> = BTreeMap::new();
    let mut done = Vec::new();
    for rec in targets {
        let file = rec.file.as_ref().expect("filtered on file above");
        let path = check_file(root, &file.path, &present)
            .map_err(|problem| anyhow::anyhow!("cannot lock `{}`: {problem}", rec.id))?;
        let hash = crate::hash::sha256_file(&root.join(&path))
            .with_context(|| format!("cannot read `{path}`"))?;
        let action = match &rec.sha256 {
            Some(h) if *h == hash => "unchanged",
            Some(_) => "updated",
            None => "added",
        };
        if action != "unchanged" {
            let has_sha = rec.field_pos.iter().any(|(f, _)| f == "sha256");
            let key = if has_sha {
                rec.pos_of("sha256")
            } else {
                rec.pos_of("file")
            };
            edits.entry(rec.path.as_str()).or_default().push(Edit {
                line: key.line as usize,
                insert: !has_sha,
                col: key.col as usize,
                hash: hash.clone(),
            });
        }
        done.push(Locked {
            id: rec.id.clone(),
            path: rec.path.clone(),
            sha256: hash,
            action,
        });
    }
    for (rel, file_edits) in edits {
        let full = root.join(rel);
        let meta =
            std::fs::symlink_metadata(&full).with_context(|| format!("cannot read `{rel}`"))?;
        if !meta.file_type().is_file() {
            bail!("`{rel}` is not a regular file (symbolic links are not followed)");
        }
        let bytes = std::fs::read(&full).with_context(|| format!("cannot read `{rel}`"))?;
        let updated =
            apply(&bytes, file_edits).with_context(|| format!("cannot lock records in `{rel}`"))?;
        // The edit is line-based; before it is written, the file must still say all it
        // said, hashes apart. Otherwise the file is left as it is.
        if yaml_without_hashes(rel, &updated) != yaml_without_hashes(rel, &bytes) {
            bail!("cannot lock records in `{rel}`: its `file:` or `sha256:` is written in a way `lock` cannot edit safely; write each on one line (`file: evidence/files/name.pdf`) and lock again");
        }
        write_atomic(&full, &updated)?;
    }
    Ok(done)
}

/// Applies line edits to a file's bytes, keeping BOM, line endings and everything else.
fn apply(bytes: &[u8], mut edits: Vec<Edit>) -> Result<Vec<u8>> {
    let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (&bytes[..3], rest),
        None => (&bytes[..0], bytes),
    };
    let text = std::str::from_utf8(body).context("the file is not UTF-8")?;
    // Lines with their endings, so untouched lines are copied byte for byte.
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    let crlf = text.contains("\r\n");
    edits.sort_by_key(|e| std::cmp::Reverse(e.line));
    for e in edits {
        let Some(line) = lines.get(e.line.saturating_sub(1)).cloned() else {
            bail!("line {} is missing", e.line);
        };
        // The key's value may go on below it (a block scalar `file: >-`, a long plain or
        // quoted scalar): the new line goes after the whole value, and a replaced value
        // loses all its lines.
        let last = value_end(&lines, e.line, e.col);
        let prefix: String = line.chars().take(e.col.saturating_sub(1)).collect();
        let before_key = prefix.trim_end();
        if before_key.ends_with('{') || before_key.ends_with(',') {
            bail!("a record written inline as `{{…}}` cannot be locked; write its fields one per line");
        }
        let ending = if line.ends_with("\r\n") {
            "\r\n"
        } else if line.ends_with('\n') {
            "\n"
        } else if crlf {
            "\r\n"
        } else {
            "\n"
        };
        if e.insert {
            // Align with `file:`; a list item's dash belongs to the first key only.
            let indent: String = prefix
                .chars()
                .map(|c| if c == '-' { ' ' } else { c })
                .collect();
            let new_line = format!("{indent}sha256: {}{ending}", e.hash);
            let at = last.min(lines.len());
            if !lines[at - 1].ends_with('\n') {
                lines[at - 1].push_str(ending);
            }
            lines.insert(at, new_line);
        } else {
            let rest: String = line.chars().skip(e.col.saturating_sub(1)).collect();
            let rest = rest.trim_end_matches(['\r', '\n']);
            let value = rest.strip_prefix("sha256:").unwrap_or(rest);
            // Keep a trailing comment (` # …`) that follows the value.
            let comment = value.find(" #").map(|i| &value[i..]).unwrap_or("");
            let had_ending = line.ends_with('\n') || last > e.line;
            lines.drain(e.line..last);
            lines[e.line - 1] = format!(
                "{prefix}sha256: {}{comment}{}",
                e.hash,
                if had_ending { ending } else { "" }
            );
        }
    }
    let mut out = bom.to_vec();
    out.extend(lines.concat().into_bytes());
    Ok(out)
}

/// The 1-based number of the last line of the value whose key is at `line`, column
/// `col`: the lines below it that are indented past the key (or blank, between such
/// lines) continue it. A block scalar kept with `+` keeps its trailing blank lines.
fn value_end(lines: &[String], line: usize, col: usize) -> usize {
    let key_line = &lines[line - 1];
    let value: String = key_line.chars().skip(col.saturating_sub(1)).collect();
    let value = value.split_once(':').map_or("", |(_, v)| v).trim();
    let keep = (value.starts_with('|') || value.starts_with('>'))
        && value.split('#').next().unwrap_or("").contains('+');
    let mut last = line;
    for (i, l) in lines.iter().enumerate().skip(line) {
        let text = l.trim_end_matches(['\r', '\n']);
        if text.trim().is_empty() {
            if keep {
                last = i + 1;
            }
            continue;
        }
        let indent = text.chars().take_while(|&c| c == ' ').count();
        if indent < col {
            break;
        }
        last = i + 1;
    }
    last
}

/// A record file's YAML (its front matter, or the whole of a list file) with every
/// `sha256` key taken out, to tell that locking changed nothing else.
fn yaml_without_hashes(rel: &str, bytes: &[u8]) -> Option<serde_yaml::Value> {
    fn strip(v: &mut serde_yaml::Value) {
        match v {
            serde_yaml::Value::Mapping(m) => {
                m.remove("sha256");
                m.iter_mut().for_each(|(_, v)| strip(v));
            }
            serde_yaml::Value::Sequence(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let text = crate::content::split::decode(bytes).ok()?;
    let yaml = if rel.ends_with(".md") {
        crate::content::split::split_front_matter(&text)
            .ok()?
            .front_matter
            .to_string()
    } else {
        text
    };
    let mut doc: serde_yaml::Value = serde_yaml::from_str(&yaml).ok()?;
    strip(&mut doc);
    Some(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    fn edit(line: usize, col: usize, insert: bool) -> Edit {
        Edit {
            line,
            insert,
            col,
            hash: H.into(),
        }
    }

    #[test]
    fn adds_a_line_after_file_keeping_crlf_and_bom() {
        let src =
            b"\xEF\xBB\xBF---\r\ntitle: A # note\r\nfile: evidence/files/a.txt\r\n---\r\nBody\r\n";
        let out = apply(src, vec![edit(3, 1, true)]).unwrap();
        let expected = format!("\u{feff}---\r\ntitle: A # note\r\nfile: evidence/files/a.txt\r\nsha256: {H}\r\n---\r\nBody\r\n");
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn replaces_only_the_hash_keeping_comments() {
        let src = format!(
            "---\ntitle: A\nfile: a.txt\nsha256: {} # signed off by the board\n---\n",
            "b".repeat(64)
        );
        let out = apply(src.as_bytes(), vec![edit(4, 1, false)]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("---\ntitle: A\nfile: a.txt\nsha256: {H} # signed off by the board\n---\n")
        );
    }

    #[test]
    fn edits_records_inside_list_files() {
        let src =
            "records:\n  - id: e1\n    file: a.txt\n  - id: e2\n    file: b.txt\n    sha256: old\n";
        let out = apply(src.as_bytes(), vec![edit(3, 5, true), edit(6, 5, false)]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("records:\n  - id: e1\n    file: a.txt\n    sha256: {H}\n  - id: e2\n    file: b.txt\n    sha256: {H}\n")
        );
        // `file` as the first key of an item: the new line aligns under it, not the dash.
        let out = apply(
            b"records:\n  - file: a.txt\n    id: e1\n",
            vec![edit(2, 5, true)],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("records:\n  - file: a.txt\n    sha256: {H}\n    id: e1\n")
        );
    }

    #[test]
    fn refuses_inline_records() {
        assert!(apply(
            b"records:\n  - {id: e1, file: a.txt}\n",
            vec![edit(2, 14, true)]
        )
        .is_err());
    }

    #[test]
    fn a_block_scalar_value_keeps_all_its_lines() {
        let src = "---\ntitle: A\nfile: >-\n  evidence/files/\n  a.txt\n\nowner: Q\n---\nBody\n";
        let out =
            String::from_utf8(apply(src.as_bytes(), vec![edit(3, 1, true)]).unwrap()).unwrap();
        assert_eq!(
            out,
            format!("---\ntitle: A\nfile: >-\n  evidence/files/\n  a.txt\nsha256: {H}\n\nowner: Q\n---\nBody\n")
        );
        assert_eq!(
            yaml_without_hashes("a.md", out.as_bytes()),
            yaml_without_hashes("a.md", src.as_bytes())
        );
        // In a list file, under the item's indentation; a replaced block value goes whole.
        let src = "records:\n  - id: e1\n    file: |\n      a.txt\n    sha256: >\n      old\n  - id: e2\n";
        let out = apply(src.as_bytes(), vec![edit(5, 5, false)]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "records:\n  - id: e1\n    file: |\n      a.txt\n    sha256: {H}\n  - id: e2\n"
            )
        );
    }
}
