//! `assure new TYPE "Title"`: starts a record file with the next free ID in its
//! folder's numbering style and the type's fields as a commented template.

use crate::date::Date;
use crate::model::schema::{RecordType, COMMON_FIELDS};
use crate::model::Site;
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The prefix a type's IDs get when its folder has none to copy.
fn default_prefix(t: RecordType) -> &'static str {
    match t {
        RecordType::Plan => "plan-",
        RecordType::Recommendation => "rec-",
        RecordType::Action => "act-",
        RecordType::Evidence => "ev-",
        RecordType::Review => "review-",
        RecordType::Event => "event-",
        RecordType::Page | RecordType::Objective => "page-",
    }
}

/// Splits `act-07` into (`act-`, 7, width 2).
fn split_number(id: &str) -> Option<(&str, u64, usize)> {
    let digits = id.len() - id.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits > 18 {
        return None;
    }
    let (prefix, number) = id.split_at(id.len() - digits);
    Some((prefix, number.parse().ok()?, digits))
}

/// The next free ID after `existing`, following the most common `prefix + number`
/// pattern among them (`act-07`, `act-08` → `act-09`).
pub fn next_id(existing: &[String], fallback_prefix: &str) -> String {
    let mut styles: BTreeMap<&str, (usize, u64, usize)> = BTreeMap::new();
    for id in existing {
        if let Some((prefix, n, width)) = split_number(id) {
            let e = styles.entry(prefix).or_insert((0, 0, width));
            e.0 += 1;
            e.1 = e.1.max(n);
            e.2 = e.2.max(width);
        }
    }
    let (prefix, max, width) = styles
        .iter()
        .max_by_key(|(prefix, (count, _, _))| (*count, std::cmp::Reverse(prefix.len())))
        .map_or((fallback_prefix, 0, 2), |(p, (_, max, width))| {
            (*p, *max, *width)
        });
    let taken: std::collections::HashSet<String> =
        existing.iter().map(|s| s.to_lowercase()).collect();
    let mut n = max + 1;
    loop {
        let id = format!("{prefix}{n:0width$}");
        if !taken.contains(&id.to_lowercase()) {
            return id;
        }
        n += 1;
    }
}

/// What each field is for, shown in the template.
fn hint(t: RecordType, field: &str) -> String {
    let values = |v: &[&str]| v.join(", ");
    match field {
        "status" => values(t.statuses()),
        "owner" => "the person or role accountable".into(),
        "date" | "approved" | "due" | "completed" | "reviewed" | "expires" => {
            "YYYY-MM-DD, YYYY-MM or YYYY".into()
        }
        "audience" => "leave out for everyone, or e.g. [internal]".into(),
        "classification" => "OFFICIAL or OFFICIAL-SENSITIVE".into(),
        "tags" => "[word, word]".into(),
        "related" | "refs" => "[ID, ID] of any records".into(),
        "source" => "ID of the review or inspection".into(),
        "plan" => "ID of the plan".into(),
        "objective" => "ID of an objective of that plan".into(),
        "addresses" => "[IDs of recommendations]".into(),
        "supports" => "[IDs of recommendations, actions, objectives or plans]".into(),
        "file" => "evidence/files/NAME (inside the content folder)".into(),
        "sha256" => "filled in by `assure lock`".into(),
        "period" => "{start: YYYY-MM, end: YYYY-MM}".into(),
        "objectives" => "a list of `- id: …` / `title: …`".into(),
        "judgements" => "area: outstanding | good | requires-improvement | inadequate".into(),
        "order" => "a number for the navigation order".into(),
        _ => match t.field(field).map(|f| f.kind) {
            Some(crate::model::schema::FieldKind::Enum(v)) => values(v),
            _ => String::new(),
        },
    }
}

/// Writes the new record; returns its path. Refuses to overwrite anything.
pub fn create(
    site: &Site,
    type_name: &str,
    title: &str,
    id: Option<&str>,
    today: Date,
) -> Result<PathBuf> {
    let Some(t) = RecordType::from_name(type_name) else {
        bail!("`{type_name}` is not a record type; use plan, recommendation, action, evidence, review, event or page");
    };
    if title.trim().is_empty() {
        bail!("the title is empty");
    }
    let folder = site.files.root.join(t.folder());
    let id = match id {
        Some(id) => id.to_string(),
        None => {
            let existing: Vec<String> = site.of_type(t).map(|(_, r)| r.id.clone()).collect();
            next_id(&existing, default_prefix(t))
        }
    };
    if let Some(problem) = crate::model::build::id_problem(&id) {
        bail!("{problem}");
    }
    if let Some(other) = site.get(&id) {
        bail!("the ID `{id}` is already used by {}", other.path);
    }
    // Symbolic links under the content folder are never followed, for writing either.
    if std::fs::symlink_metadata(&folder).is_ok_and(|m| !m.is_dir()) {
        bail!(
            "`{}` is not a folder (symbolic links are not followed); make it a folder inside the content folder",
            folder.display()
        );
    }
    let path = folder.join(format!("{id}.md"));
    if std::fs::symlink_metadata(&path).is_ok() {
        bail!("`{}` already exists", path.display());
    }
    let mut text = String::from("---\n");
    text.push_str(&format!(
        "title: {}\n",
        serde_json::to_string(title.trim())?
    ));
    let dated = matches!(
        t,
        RecordType::Evidence | RecordType::Event | RecordType::Review
    );
    for f in COMMON_FIELDS.iter().chain(t.own_fields()) {
        let line = match f.name {
            "id" | "title" => continue,
            "status" if t.statuses().is_empty() => continue,
            "status" => format!("status: {}", t.statuses()[0]),
            "date" if dated => format!("date: {today}"),
            "reviewed" => format!("reviewed: {today}"),
            name => format!("# {name}:"),
        };
        let h = hint(t, f.name);
        if h.is_empty() {
            text.push_str(&format!("{line}\n"));
        } else {
            text.push_str(&format!("{line:<28} # {h}\n"));
        }
    }
    text.push_str("---\n");
    text.push_str(match t {
        RecordType::Recommendation => {
            "The recommendation's text, in the reviewer's words or a faithful summary.\n"
        }
        RecordType::Evidence => "What this evidence shows, and why it can be trusted.\n",
        _ => "\n",
    });
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create `{}`", folder.display()))?;
    // `create_new`: never overwrite, even if the file appeared since the check above.
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot create `{}`", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn follows_the_folders_numbering() {
        assert_eq!(
            next_id(&ids(&["act-01", "act-02", "act-10"]), "act-"),
            "act-11"
        );
        assert_eq!(next_id(&ids(&["ev-001", "ev-002"]), "ev-"), "ev-003");
        assert_eq!(
            next_id(
                &ids(&["ofsted-2012-r1", "ofsted-2012-r2", "lga-r1"]),
                "rec-"
            ),
            "ofsted-2012-r3"
        );
        assert_eq!(next_id(&ids(&[]), "act-"), "act-01");
        assert_eq!(next_id(&ids(&["about", "glossary"]), "page-"), "page-01");
        assert_eq!(next_id(&ids(&["E7", "E8", "e9"]), "e"), "E10");
    }
}
