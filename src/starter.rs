//! `assure init [DIR]`: writes a starter content folder (SPEC §13.6).
//!
//! The starter lives in `starter/` in the source tree and is compiled into the binary,
//! as the default theme is, so `assure init` works from any folder. Its dates are
//! written relative to the day `init` runs (a review a month ago, an action due in two
//! months), so the new folder checks with no errors and no warnings that day, and ages
//! as real content would.

use crate::date::Date;
use anyhow::{bail, Context, Result};
use std::path::Path;

macro_rules! starter_files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/starter/", $name)))),*]
    };
}

/// Every file of the starter, by its path inside the content folder.
pub const FILES: &[(&str, &str)] = starter_files![
    "site.yaml",
    "_README.md",
    "reviews/ofsted-inspection.md",
    "recommendations/ofsted-inspection-r1.md",
    "plans/improvement-plan.md",
    "actions/act-01.md",
    "evidence/ev-01.md",
    "evidence/files/supervision-audit.txt",
    "timeline/inspection-published.md",
    "pages/about.md",
];

fn month(d: Date) -> String {
    d.to_string()[..7].to_string()
}

/// The starter's text with its `{{…}}` dates filled in for `today`.
pub fn fill(text: &str, today: Date) -> String {
    let day = |n: i64| Date::from_days(today.days() + n).to_string();
    let review = Date::from_days(today.days() - 30);
    let year_on = Date::from_days(review.days() + 365);
    [
        ("{{today}}", today.to_string()),
        ("{{review_date}}", review.to_string()),
        ("{{approved}}", day(-14)),
        ("{{evidence_date}}", day(-7)),
        ("{{action_due}}", day(60)),
        ("{{rec_due}}", day(120)),
        ("{{plan_start}}", month(review)),
        ("{{plan_end}}", month(year_on)),
    ]
    .iter()
    .fold(text.to_string(), |t, (from, to)| t.replace(from, to))
}

/// Writes the starter into `dir`, which must be missing or empty. Returns the paths
/// written, inside `dir`.
pub fn init(dir: &Path, today: Date) -> Result<Vec<&'static str>> {
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if !meta.is_dir() => bail!(
            "`{}` exists and is not a folder; name a new folder, e.g. `assure init my-content`",
            dir.display()
        ),
        Ok(_) => {
            let mut entries = std::fs::read_dir(dir)
                .with_context(|| format!("cannot read `{}`", dir.display()))?;
            if entries.next().is_some() {
                bail!(
                    "`{}` is not empty; `assure init` only writes into a new or empty folder (try `assure init my-content`)",
                    dir.display()
                );
            }
        }
        Err(_) => {}
    }
    for (rel, text) in FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
        }
        // `create_new`: a file that appeared meanwhile is never overwritten.
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("cannot create `{}`", path.display()))?;
        f.write_all(fill(text, today).as_bytes())
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(FILES.iter().map(|(rel, _)| *rel).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under `starter/` is in [`FILES`], so none is left out of `init`.
    #[test]
    fn every_starter_file_is_compiled_in() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("starter");
        let mut on_disk: Vec<String> = walkdir::WalkDir::new(&root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter_map(|e| {
                let rel = e.path().strip_prefix(&root).ok()?;
                Some(rel.to_string_lossy().replace('\\', "/"))
            })
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = FILES.iter().map(|(p, _)| p.to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed);
    }

    #[test]
    fn dates_are_filled_in_relative_to_today() {
        let today = Date::new(2027, 1, 15).expect("a date");
        let text = fill(
            "{{review_date}} {{action_due}} {{plan_start}} {{plan_end}}",
            today,
        );
        assert_eq!(text, "2026-12-16 2027-03-16 2026-12 2027-12");
    }
}
