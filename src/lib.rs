//! Assure: proves a children's-services improvement journey to the people who inspect it.
//!
//! The pipeline, one stage per module:
//!
//! ```text
//! content/ ─ content (walk, split, YAML) ─ model::build (fields) ─ model::resolve (graph)
//!          ─ readiness + privacy (warnings) ─ model::view (audience) ─ renderers
//! ```
//!
//! [`load`] reads and checks a content folder into a [`model::Site`]; [`check`] adds
//! the readiness and personal-data warnings and the figures `status` shows.

pub mod build;
pub mod config;
pub mod content;
pub mod date;
pub mod diagnostics;
#[doc(hidden)]
pub mod fuzzing;
pub mod lock;
pub mod markdown;
pub mod model;
pub mod new_record;
pub mod output;
pub mod privacy;
pub mod readiness;
pub mod render;
pub mod serve;
pub mod status;

use anyhow::{Context, Result};
use date::Date;
use diagnostics::Diagnostics;
use model::Site;
use rayon::prelude::*;
use readiness::Readiness;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The version written into outputs (part of what makes them reproducible).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Reads a content folder into a resolved site, with every structural, field and link
/// problem. Fails only when the folder cannot be read at all.
pub fn load(content_dir: &Path) -> Result<(Site, Diagnostics)> {
    let files = content::walk(content_dir)
        .with_context(|| format!("cannot read the content folder `{}`", content_dir.display()))?;
    let site_yaml = files
        .files
        .iter()
        .any(|f| f == config::SITE_FILE)
        .then(|| std::fs::read(content_dir.join(config::SITE_FILE)))
        .transpose()
        .context("cannot read site.yaml")?;
    let parsed = content::read_records(&files);
    Ok(load_parsed(files, site_yaml.as_deref(), parsed))
}

/// The part of [`load`] after the files are read: `site.yaml`'s bytes (`None`: missing)
/// and every record file parsed, in `files.record_files` order.
pub fn load_parsed(
    files: content::ContentFiles,
    site_yaml: Option<&[u8]>,
    parsed: Vec<content::ParsedFile>,
) -> (Site, Diagnostics) {
    let (config, config_diags) = config::parse(site_yaml);
    let mut diags = Diagnostics::default();
    diags.extend(config_diags);
    let mut reserved = HashSet::new();
    let mut raws = Vec::new();
    for file in parsed {
        diags.extend(file.diagnostics);
        reserved.extend(file.reserved_id);
        raws.extend(file.records);
    }
    let built: Vec<model::build::Built> = raws
        .into_par_iter()
        .map(model::build::build_record)
        .collect();
    let (site, resolve_diags) = model::resolve::resolve(config, files, built, reserved);
    diags.extend(resolve_diags);
    (site, diags)
}

/// SHA-256 of a file, as lower-case hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut file = std::fs::File::open(path)?;
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Hashes files inside the content folder, in parallel. Unreadable files are left out.
pub fn hash_files<'a>(
    root: &Path,
    paths: impl IntoIterator<Item = &'a str>,
) -> HashMap<String, String> {
    let paths: Vec<&str> = paths.into_iter().collect();
    paths
        .par_iter()
        .filter_map(|p| sha256_file(&root.join(p)).ok().map(|h| (p.to_string(), h)))
        .collect()
}

/// A checked site, its readiness for one audience, and every problem.
pub struct Checked {
    pub site: Site,
    pub diagnostics: Diagnostics,
    pub as_of: Date,
    pub audience: String,
    pub view: model::view::View,
    pub readiness: Readiness,
}

/// Loads and checks a content folder: everything `assure check` reports.
/// `as_of` overrides the site's readiness date; `audience` defaults to `internal`.
pub fn check(content_dir: &Path, as_of: Option<Date>, audience: Option<&str>) -> Result<Checked> {
    let (site, diags) = load(content_dir)?;
    check_loaded(site, diags, as_of, audience)
}

/// The part of [`check`] after [`load`]: readiness and personal-data warnings for a
/// loaded site. Fails only for an audience the site does not define.
pub fn check_loaded(
    site: Site,
    mut diags: Diagnostics,
    as_of: Option<Date>,
    audience: Option<&str>,
) -> Result<Checked> {
    let as_of = as_of.or(site.config.as_of).unwrap_or_else(Date::today_utc);
    let audience = audience.unwrap_or(config::INTERNAL).to_string();
    if !site.config.has_audience(&audience) {
        anyhow::bail!("{}", config::unknown_audience(&site.config, &audience));
    }
    let evidence_files = site
        .records
        .iter()
        .filter(|r| r.sha256.is_some())
        .filter_map(|r| r.file_path());
    let hashes = hash_files(&site.files.root, evidence_files);
    let max_age = site.config.evidence_max_age_days;
    // The view and readiness are made on one thread while the personal-data check runs
    // on the others: neither reads what the other makes.
    let ((view, readiness, warnings), privacy) = rayon::join(
        || {
            let view = model::view::view(&site, &audience);
            let readiness = readiness::compute(&view.site, as_of, max_age, &hashes);
            let warnings = readiness::warnings(&view.site, &readiness, max_age);
            (view, readiness, warnings)
        },
        || -> Vec<diagnostics::Diagnostic> {
            site.records
                .par_iter()
                .flat_map_iter(privacy::check)
                .collect()
        },
    );
    diags.extend(warnings);
    diags.extend(privacy);
    diags.sort();
    Ok(Checked {
        site,
        diagnostics: diags,
        as_of,
        audience,
        view,
        readiness,
    })
}
