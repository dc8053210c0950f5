//! `assure lock`: records the SHA-256 of evidence files in their records' `sha256:`
//! field, so later changes to a file show up as "changed" (W101).
//!
//! Authors own their files: only the `sha256:` line is written (or added after
//! `file:`), with `signed_off:` when `--by` is given (SPEC §14.2); every other byte —
//! comments, BOM, CRLF, other records of a list file — stays as it was, and each file
//! is replaced atomically, all through the one content writer.

use crate::content::writer::{self, Edit, Value};
use crate::model::resolve::check_file;
use crate::model::schema::RecordType;
use crate::model::{Record, Site};
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

/// Who signed the evidence off, and when (SPEC §14.2): written beside the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOff {
    pub by: String,
    pub on: String,
}

/// Locks the named evidence records (all unhashed evidence when `ids` is empty).
pub fn lock(site: &Site, ids: &[String]) -> Result<Vec<Locked>> {
    lock_signed(site, ids, None)
}

/// Locks the named evidence records and, with `sign_off`, records who signed them off
/// (`signed_off: {by, on}`) in the same write.
pub fn lock_signed(site: &Site, ids: &[String], sign_off: Option<&SignOff>) -> Result<Vec<Locked>> {
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
    let mut edits: BTreeMap<&str, Vec<(String, Vec<Edit>)>> = BTreeMap::new();
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
        let record_edits = lock_edits((action != "unchanged").then_some(&hash), sign_off);
        if !record_edits.is_empty() {
            edits
                .entry(rec.path.as_str())
                .or_default()
                .push((rec.id.clone(), record_edits));
        }
        done.push(Locked {
            id: rec.id.clone(),
            path: rec.path.clone(),
            sha256: hash,
            action,
        });
    }
    for (rel, records) in edits {
        let full = root.join(rel);
        // Records of one list file are edited one after the other, each against the
        // bytes the one before wrote.
        for (id, record_edits) in records {
            writer::write_record(&full, rel, &id, None, &record_edits)
                .with_context(|| format!("cannot lock `{id}` in `{rel}`"))?;
        }
    }
    Ok(done)
}

/// The edits that lock one record: its hash after `file:`, its sign-off after that.
pub fn lock_edits(hash: Option<&String>, sign_off: Option<&SignOff>) -> Vec<Edit> {
    let mut edits = Vec::new();
    if let Some(hash) = hash {
        edits.push(Edit::SetAfter(
            "sha256".into(),
            Value::Plain(hash.clone()),
            "file".into(),
        ));
    }
    if let Some(s) = sign_off {
        edits.push(Edit::SetAfter(
            "signed_off".into(),
            Value::Map(vec![
                ("by".into(), s.by.clone()),
                ("on".into(), s.on.clone()),
            ]),
            "sha256".into(),
        ));
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::writer::edit_bytes;

    const H: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    fn locked(src: &[u8], rel: &str, id: &str, sign_off: Option<&SignOff>) -> String {
        let out = edit_bytes(src, rel, id, &lock_edits(Some(&H.to_string()), sign_off)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn adds_a_line_after_file_keeping_crlf_and_bom() {
        let src =
            b"\xEF\xBB\xBF---\r\ntitle: A # note\r\nfile: evidence/files/a.txt\r\n---\r\nBody\r\n";
        let expected = format!("\u{feff}---\r\ntitle: A # note\r\nfile: evidence/files/a.txt\r\nsha256: {H}\r\n---\r\nBody\r\n");
        assert_eq!(locked(src, "evidence/a.md", "a", None), expected);
    }

    #[test]
    fn replaces_only_the_hash_keeping_comments() {
        let src = format!(
            "---\ntitle: A\nfile: a.txt\nsha256: {} # signed off by the board\n---\n",
            "b".repeat(64)
        );
        assert_eq!(
            locked(src.as_bytes(), "evidence/a.md", "a", None),
            format!("---\ntitle: A\nfile: a.txt\nsha256: {H} # signed off by the board\n---\n")
        );
    }

    #[test]
    fn edits_records_inside_list_files() {
        let src =
            "records:\n  - id: e1\n    file: a.txt\n  - id: e2\n    file: b.txt\n    sha256: old\n";
        let once = locked(src.as_bytes(), "evidence/l.yaml", "e1", None);
        assert_eq!(
            locked(once.as_bytes(), "evidence/l.yaml", "e2", None),
            format!("records:\n  - id: e1\n    file: a.txt\n    sha256: {H}\n  - id: e2\n    file: b.txt\n    sha256: {H}\n")
        );
        // `file` as the first key of an item: the new line aligns under it, not the dash.
        assert_eq!(
            locked(
                b"records:\n  - file: a.txt\n    id: e1\n",
                "evidence/l.yaml",
                "e1",
                None
            ),
            format!("records:\n  - file: a.txt\n    sha256: {H}\n    id: e1\n")
        );
    }

    #[test]
    fn a_block_scalar_file_gets_its_hash_after_the_block() {
        assert_eq!(
            locked(
                b"---\ntitle: A\nfile: |-\n  a.txt\nstatus: current\n---\n",
                "evidence/a.md",
                "a",
                None
            ),
            format!("---\ntitle: A\nfile: |-\n  a.txt\nsha256: {H}\nstatus: current\n---\n")
        );
    }

    #[test]
    fn signing_off_writes_hash_and_sign_off_together() {
        let s = SignOff {
            by: "Performance Board".into(),
            on: "2026-01-14".into(),
        };
        assert_eq!(
            locked(b"---\ntitle: A\nfile: a.txt\nstatus: current\n---\n", "evidence/a.md", "a", Some(&s)),
            format!("---\ntitle: A\nfile: a.txt\nsha256: {H}\nsigned_off: {{by: Performance Board, on: 2026-01-14}}\nstatus: current\n---\n")
        );
    }

    #[test]
    fn refuses_inline_records() {
        assert!(edit_bytes(
            b"records:\n  - {id: e1, file: a.txt}\n",
            "evidence/l.yaml",
            "e1",
            &lock_edits(Some(&H.to_string()), None)
        )
        .is_err());
    }

    #[test]
    fn a_block_scalar_value_keeps_all_its_lines() {
        let hash = lock_edits(Some(&H.to_string()), None);
        let src = "---\ntitle: A\nfile: >-\n  evidence/files/\n  a.txt\n\nowner: Q\n---\nBody\n";
        let out = edit_bytes(src.as_bytes(), "evidence/a.md", "a", &hash).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.starts_with("---\ntitle: A\nfile: >-\n  evidence/files/\n  a.txt\n"),
            "{out}"
        );
        assert!(out.contains(&format!("sha256: {H}")), "{out}");
        assert!(out.ends_with("owner: Q\n---\nBody\n"), "{out}");
        // In a list file, a replaced block value goes whole.
        let src = "records:\n  - id: e1\n    file: |\n      a.txt\n    sha256: >\n      old\n  - id: e2\n";
        let out = edit_bytes(src.as_bytes(), "evidence/l.yaml", "e1", &hash).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "records:\n  - id: e1\n    file: |\n      a.txt\n    sha256: {H}\n  - id: e2\n"
            )
        );
    }
}
