//! The one sequence every command runs: load → check → view → analyse.
//!
//! ```text
//! content/ ─ Cache::load (walk, split, YAML, build, link) ─ check (analysis of all
//!          records, readiness and personal-data warnings) ─ for each audience:
//!          view (filter) ─ analyse ─ renderers, `status`, `serve`
//! ```
//!
//! `check`, `status`, `build`, `pack` and `serve` all come through here: one-shot
//! commands with an empty [`Cache`], `serve` with the one it keeps. What comes out is
//! plain data — a [`Checked`] site and, per audience, an [`Analysed`] view — that every
//! output reads and none recomputes.

pub mod cache;

use crate::analysis::{self, Analysis};
use crate::config;
use crate::content::{ContentFiles, ParsedFile};
use crate::date::Date;
use crate::diagnostics::Diagnostics;
use crate::model::view::{self, View};
use crate::model::Site;
use anyhow::Result;
pub use cache::Cache;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

/// A checked site: every record, every problem, and the analysis of the whole content
/// (what the warnings and an `internal` summary read).
pub struct Checked {
    pub site: Site,
    pub diagnostics: Diagnostics,
    pub as_of: Date,
    /// SHA-256 of the content files hashed so far (every evidence file with a recorded
    /// hash; every file after [`hash_all`]).
    pub hashes: Arc<HashMap<String, String>>,
    /// The analysis of every record (the `internal` audience's).
    pub analysis: Analysis,
}

/// One audience's view of a checked site, analysed: everything an output shows.
pub struct Analysed {
    pub view: View,
    pub analysis: Analysis,
    /// Content files the audience may see (referenced by its visible records).
    pub attachments: BTreeSet<String>,
}

impl Analysed {
    pub fn site(&self) -> &Site {
        &self.view.site
    }
}

/// Reads a content folder into a linked site with every structural, field and link
/// problem (no readiness warnings). Fails only when the folder cannot be read at all.
pub fn load(content_dir: &Path) -> Result<(Site, Diagnostics)> {
    Cache::new(content_dir, false)?.load()
}

/// Loads and checks a content folder: everything `assure check` reports. `as_of`
/// overrides the site's readiness date.
pub fn check(content_dir: &Path, as_of: Option<Date>) -> Result<Checked> {
    check_cached(
        &mut Cache::new(content_dir, false)?,
        as_of,
        Date::today_utc(),
    )
}

/// [`check`] through a cache: only files that changed since its last run are read.
/// `today` is the readiness date when neither `as_of` nor `site.yaml` gives one.
pub fn check_cached(cache: &mut Cache, as_of: Option<Date>, today: Date) -> Result<Checked> {
    let (site, mut diagnostics) = cache.load()?;
    let as_of = as_of.or(site.config.as_of).unwrap_or(today);
    let evidence_files: Vec<String> = site
        .records
        .iter()
        .filter(|r| r.sha256.is_some())
        .filter_map(|r| r.file_path().map(str::to_string))
        .collect();
    cache.ensure_hashes(evidence_files.iter().map(String::as_str));
    let hashes = Arc::clone(cache.hashes());
    let max_age = site.config.evidence_max_age_days;
    let analysis = analysis::analyse(&site, as_of, max_age, &hashes);
    diagnostics.extend(analysis::warnings(&site, &analysis, max_age));
    diagnostics.sort();
    Ok(Checked {
        site,
        diagnostics,
        as_of,
        hashes,
        analysis,
    })
}

/// [`check`] over files already read (the fuzzing entry points).
pub fn check_parsed(
    files: ContentFiles,
    site_yaml: Option<&[u8]>,
    parsed: Vec<ParsedFile>,
) -> Result<Checked> {
    let mut cache = Cache::from_parsed(files, site_yaml, parsed);
    check_cached(&mut cache, None, Date::today_utc())
}

/// Hashes every content file (the manifest's content digest and the register need
/// them all), reusing the hashes `check` took.
pub fn hash_all(checked: &mut Checked) {
    let root = &checked.site.files.root;
    let missing: Vec<&str> = checked
        .site
        .files
        .files
        .iter()
        .map(String::as_str)
        .filter(|p| !checked.hashes.contains_key(*p))
        .collect();
    if !missing.is_empty() {
        let found = crate::hash::hash_files(root, missing);
        Arc::make_mut(&mut checked.hashes).extend(found);
    }
}

/// The audience an output is for: the one asked for, else `site_audience`.
pub fn audience(config: &config::Config, asked: Option<&str>) -> Result<String, String> {
    let audience = asked
        .map(str::to_string)
        .or_else(|| config.site_audience.clone())
        .ok_or_else(|| {
            "site.yaml has no `site_audience`; add one (e.g. `site_audience: inspector`) or pass `--audience NAME`".to_string()
        })?;
    known_audience(config, &audience)?;
    Ok(audience)
}

/// Fails for an audience the site does not define.
pub fn known_audience(config: &config::Config, audience: &str) -> Result<(), String> {
    if config.has_audience(audience) {
        Ok(())
    } else {
        Err(config::unknown_audience(config, audience))
    }
}

/// One audience's analysed view of a checked site. When the audience sees every record,
/// the analysis of the whole content is its analysis (the same records, the same
/// inputs), so it is not made again.
pub fn analysed(checked: &Checked, audience: &str) -> Analysed {
    let view = view::view(&checked.site, audience);
    finish(view, checked)
}

/// [`analysed`], taking the checked site: when nothing is withheld the site becomes the
/// view without a copy (serve does this on every rebuild).
pub fn into_analysed(checked: Checked, audience: &str) -> (Analysed, Diagnostics) {
    let whole = checked.site.records.iter().all(|r| r.visible_to(audience));
    if !whole {
        let a = analysed(&checked, audience);
        return (a, checked.diagnostics);
    }
    let Checked {
        site,
        diagnostics,
        as_of: _,
        hashes: _,
        analysis,
    } = checked;
    let view = view::into_view(site, audience);
    let attachments = view.attachments();
    (
        Analysed {
            view,
            analysis,
            attachments,
        },
        diagnostics,
    )
}

fn finish(view: View, checked: &Checked) -> Analysed {
    let analysis = if view.site.records.len() == checked.site.records.len() {
        checked.analysis.clone()
    } else {
        analysis::analyse(
            &view.site,
            checked.as_of,
            checked.site.config.evidence_max_age_days,
            &checked.hashes,
        )
    };
    let attachments = view.attachments();
    Analysed {
        view,
        analysis,
        attachments,
    }
}

/// Analysed views for several audiences, each made once.
pub fn analysed_for<'a>(
    checked: &Checked,
    audiences: impl IntoIterator<Item = &'a str>,
) -> HashMap<String, Analysed> {
    use rayon::prelude::*;
    let mut names: Vec<&str> = audiences.into_iter().collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_par_iter()
        .map(|a| (a.to_string(), analysed(checked, a)))
        .collect()
}
