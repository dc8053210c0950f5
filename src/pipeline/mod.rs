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
use std::path::{Path, PathBuf};
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
    /// The size in bytes of each attachment that is a regular file.
    pub sizes: HashMap<String, u64>,
}

impl Analysed {
    fn new(view: View, analysis: Analysis) -> Analysed {
        let attachments = view.attachments();
        let root = &view.site.files.root;
        let sizes = attachments
            .iter()
            .filter_map(|p| Some((p.clone(), regular_file(&root.join(p))?.len())))
            .collect();
        Analysed {
            view,
            analysis,
            attachments,
            sizes,
        }
    }

    pub fn site(&self) -> &Site {
        &self.view.site
    }

    /// The bytes of an attachment the audience may see (an image a body shows); `None`
    /// for any other file, one that is not a regular file, or one that cannot be read.
    /// Renderers read content files only through here.
    pub fn attachment_bytes(&self, path: &str) -> Option<Vec<u8>> {
        if !self.attachments.contains(path) {
            return None;
        }
        let full = self.site().files.root.join(path);
        regular_file(&full)?;
        std::fs::read(full).ok()
    }
}

/// The metadata of a regular file, never following a symbolic link (SPEC §2: links in
/// the content folder were refused when it was read).
fn regular_file(path: &Path) -> Option<std::fs::Metadata> {
    std::fs::symlink_metadata(path).ok().filter(|m| m.is_file())
}

/// The theme folder: `--theme` when given, else site.yaml's `theme:` (inside the
/// content folder), else none (the built-in theme). `build` and `serve` both ask here.
pub fn theme_dir(content: &Path, asked: Option<&Path>, config: &config::Config) -> Option<PathBuf> {
    asked
        .map(Path::to_path_buf)
        .or_else(|| config.theme.as_ref().map(|t| content.join(t)))
}

/// The `baselines:` of site.yaml, as paths (they are relative to the content folder).
/// `build` and `serve` both ask here.
pub fn site_baselines(site: &Site) -> Vec<PathBuf> {
    crate::changes::site_baselines(site)
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

/// Readiness as one audience sees it (what `check` prints). When the audience sees
/// every record it is the whole content's, read without making a view: a view copies
/// every record (issue 25).
pub fn readiness(checked: &Checked, audience: &str) -> analysis::Readiness {
    if checked.site.records.iter().all(|r| r.visible_to(audience)) {
        checked.analysis.readiness
    } else {
        analysed(checked, audience).analysis.readiness
    }
}

/// [`analysed`] for a command that reads the whole content's records no more (`build`):
/// when the audience sees every record, the view takes the checked site's records,
/// index and backlinks instead of copying them, and `checked.site` keeps only the
/// settings and the file list. A copy of every record was a sixth of what `build`
/// held at 10,000 records (issue 25). The whole content's site is then [`whole_site`].
pub fn take_analysed(checked: &mut Checked, audience: &str) -> Analysed {
    if !checked.site.records.iter().all(|r| r.visible_to(audience)) {
        return analysed(checked, audience);
    }
    let rest = Site {
        config: checked.site.config.clone(),
        files: checked.site.files.clone(),
        records: Vec::new(),
        index: HashMap::new(),
        backlinks: Vec::new(),
    };
    let site = std::mem::replace(&mut checked.site, rest);
    let view = view::into_view(site, audience);
    Analysed::new(view, checked.analysis.clone())
}

/// The whole content's site after [`take_analysed`]: the checked one, or the view's
/// when the view took the records (then the audience sees them all).
pub fn whole_site<'a>(checked: &'a Checked, view: &'a Analysed) -> &'a Site {
    if checked.site.records.is_empty() {
        view.site()
    } else {
        &checked.site
    }
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
    (Analysed::new(view, analysis), diagnostics)
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
    Analysed::new(view, analysis)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, bytes: &[u8]) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folder");
        std::fs::write(path, bytes).expect("write");
    }

    /// Renderers get attachment sizes and bytes from here: only files the audience may
    /// see, only regular files.
    #[test]
    fn attachments_are_read_for_the_audience_only() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let root = dir.path();
        write(
            root,
            "site.yaml",
            b"title: T\norganisation: O\nas_of: 2014-09-30\nsite_audience: inspector\naudiences:\n  inspector: { title: Inspectors }\n",
        );
        write(
            root,
            "evidence/ev-1.md",
            b"---\ntitle: Seen\nkind: audit\nstatus: current\nreviewed: 2014-06-01\nfile: evidence/files/seen.txt\n---\n![A chart](files/chart.png)\n",
        );
        write(
            root,
            "evidence/ev-2.md",
            b"---\ntitle: Hidden\nkind: audit\nstatus: current\nreviewed: 2014-06-01\nfile: evidence/files/hidden.txt\naudience: [internal]\n---\nNot for inspectors.\n",
        );
        write(root, "evidence/files/seen.txt", b"twelve bytes");
        write(root, "evidence/files/chart.png", b"not really a PNG");
        write(root, "evidence/files/hidden.txt", b"secret");
        let checked = check(root, None).expect("the folder reads");
        assert_eq!(checked.diagnostics.errors(), 0);
        let a = analysed(&checked, "inspector");
        assert_eq!(a.sizes.get("evidence/files/seen.txt"), Some(&12));
        assert_eq!(a.sizes.get("evidence/files/hidden.txt"), None);
        assert_eq!(
            a.attachment_bytes("evidence/files/chart.png").as_deref(),
            Some(&b"not really a PNG"[..])
        );
        assert_eq!(a.attachment_bytes("evidence/files/hidden.txt"), None);
        assert_eq!(a.attachment_bytes("site.yaml"), None);
        let internal = analysed(&checked, "internal");
        assert_eq!(internal.sizes.get("evidence/files/hidden.txt"), Some(&6));
    }

    /// `build` and `serve` find the theme folder and the baselines here.
    #[test]
    fn the_theme_folder_is_the_one_asked_for_else_site_yamls() {
        let mut config = config::Config::default();
        let content = Path::new("/c");
        assert_eq!(theme_dir(content, None, &config), None);
        config.theme = Some("theme".into());
        assert_eq!(
            theme_dir(content, None, &config),
            Some(PathBuf::from("/c/theme"))
        );
        assert_eq!(
            theme_dir(content, Some(Path::new("/t")), &config),
            Some(PathBuf::from("/t"))
        );
    }
}
