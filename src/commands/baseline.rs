//! `assure baseline LABEL`: keeps what the current content says as a named baseline
//! (SPEC §14.10), so that later builds say what changed "since the monitoring visit on
//! 19 November 2025".
//!
//! A baseline is the `data/records.json` a build for the audience would write, with the
//! label added; it is written to `_baselines/` in the content folder, where every
//! `*.json` is found by later builds. It is never written over an existing file.

use crate::changes::BASELINES_DIR;
use crate::date::Date;
use crate::pipeline;
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

/// What `assure baseline` is asked for.
pub struct BaselineOptions {
    pub content: PathBuf,
    pub label: String,
    /// Default: the site's audience.
    pub audience: Option<String>,
    pub as_of: Option<Date>,
}

/// Writes the baseline and returns its path; content with errors writes nothing (the
/// diagnostics are returned for the caller to print).
pub fn baseline(opts: &BaselineOptions) -> Result<(Option<PathBuf>, pipeline::Checked)> {
    let label = opts.label.split_whitespace().collect::<Vec<_>>().join(" ");
    if label.is_empty() {
        bail!("give the baseline a label, such as \"Monitoring visit, 19 November 2025\"");
    }
    let checked = pipeline::check(&opts.content, opts.as_of)?;
    let audience = pipeline::audience(&checked.site.config, opts.audience.as_deref())
        .map_err(anyhow::Error::msg)?;
    if checked.diagnostics.fail(false) {
        return Ok((None, checked));
    }
    let views = pipeline::analysed_for(&checked, std::iter::once(audience.as_str()));
    let view = &views[&audience];
    let theme = crate::render::theme::Theme::load(None)?;
    let b = crate::render::Build::new(view, checked.as_of, &theme, &checked.hashes);
    let mut doc: serde_json::Value =
        serde_json::from_slice(&crate::render::data::records_json(&b))?;
    doc["label"] = serde_json::Value::String(label);
    let bytes = serde_json::to_vec(&doc)?;
    let path = file_for(
        &opts.content,
        checked.as_of,
        &audience,
        &checked.site.config,
    );
    if std::fs::symlink_metadata(&path).is_ok() {
        bail!(
            "`{}` already exists: a baseline is never written over; move it aside, or give another readiness date with --as-of",
            path.display()
        );
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::durable::write_atomic(&path, &bytes)?;
    Ok((Some(path), checked))
}

/// `_baselines/<as_of>.json` for the site's audience, `_baselines/<as_of>-<audience>.json`
/// for another.
fn file_for(
    content: &Path,
    as_of: Date,
    audience: &str,
    config: &crate::config::Config,
) -> PathBuf {
    let name = if config.site_audience.as_deref() == Some(audience) {
        format!("{as_of}.json")
    } else {
        format!("{as_of}-{audience}.json")
    };
    content.join(BASELINES_DIR).join(name)
}
