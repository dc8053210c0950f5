//! `assure diff OLD NEW`: the changes between two outputs (or their `records.json`
//! files) for one audience, as text or JSON (SPEC §13.5) — the same changes
//! `build --since` shows.

use crate::changes::{compare, records_file, Changes, Point, Snapshot};
use crate::present::{change_detail, change_heading};
use anyhow::Result;
use std::fmt::Write;
use std::path::Path;

/// Reads both outputs and compares them. Both must be for the same audience.
pub fn diff(old: &Path, new: &Path) -> Result<Changes> {
    let a = Snapshot::read(old)?;
    let b = Snapshot::read(new)?;
    a.require_audience(
        &b.audience,
        &records_file(old).display().to_string(),
        &format!("`{}`", records_file(new).display()),
    )?;
    // Two files alone cannot tell a record deleted from one withheld since: both
    // are "removed" (the reader holds OLD, where it was shown).
    Ok(compare(&a, &b, &|_| false))
}

/// The changes as text, in the words the site and packs use.
pub fn human(c: &Changes) -> String {
    let mut out = String::new();
    let r = |p: &Point| crate::present::readiness_sentence(&p.readiness);
    let _ = writeln!(
        out,
        "Changes from {} to {} (audience: {})\n",
        c.since.as_of, c.now.as_of, c.audience
    );
    let _ = writeln!(out, "Readiness then: {}", r(&c.since));
    let _ = writeln!(out, "Readiness now:  {}", r(&c.now));
    if c.history.len() > 2 {
        let _ = writeln!(out, "\nReadiness at each baseline:");
        for p in &c.history {
            let _ = writeln!(out, "  {}  {}", p.as_of, r(p));
        }
    }
    if c.all.is_empty() {
        let _ = writeln!(out, "\nNo record changed.");
        return out;
    }
    let counts: Vec<String> = c
        .counts()
        .into_iter()
        .map(|(k, n)| format!("{} {n}", change_heading(k)))
        .collect();
    let _ = writeln!(out, "\n{} changes: {}", c.all.len(), counts.join(" · "));
    for g in &c.groups {
        match &g.recommendation {
            Some(s) => {
                let gone = if s.removed { " (removed)" } else { "" };
                let _ = writeln!(out, "\n{} {}{gone}", s.id, s.title);
            }
            None => {
                let _ = writeln!(out, "\nNot tied to a recommendation");
            }
        }
        for ch in &g.changes {
            let _ = writeln!(
                out,
                "  {}: {} ({}){}",
                change_heading(ch.kind),
                ch.title,
                ch.id,
                change_detail(ch)
            );
        }
    }
    out
}
