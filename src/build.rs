//! `assure build`: check, filter for the site audience, render every output into a
//! staging folder, write the manifest, swap it in (SPEC §8, §9).

use crate::config::INTERNAL;
use crate::date::Date;
use crate::model::view;
use crate::output::{self, Staging};
use crate::render::{self, theme::Theme, Build};
use crate::{readiness, Checked};
use anyhow::{Context, Result};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What `build` was asked to do.
pub struct BuildOptions {
    pub content: PathBuf,
    pub output: PathBuf,
    pub audience: Option<String>,
    pub as_of: Option<Date>,
    pub strict: bool,
    pub no_pdf: bool,
    pub theme: Option<PathBuf>,
}

/// The outcome of a build that ran its checks.
pub struct Built {
    pub checked: Checked,
    /// Content problems stopped the build (exit code 1); nothing was written.
    pub failed: bool,
    pub pages: usize,
    /// Readiness as the output's audience sees it ("66.6 %").
    pub readiness: String,
}

/// Runs a build. I/O and usage problems are errors (exit 2); content problems come back
/// in `Built::checked.diagnostics` with `failed` set.
pub fn build(opts: &BuildOptions) -> Result<Built> {
    let checked = crate::check(&opts.content, opts.as_of, None)?;
    let audience = match opts.audience.clone().or_else(|| checked.site.config.site_audience.clone()) {
        Some(a) => a,
        None => anyhow::bail!(
            "site.yaml has no `site_audience`; add one (e.g. `site_audience: inspector`) or pass `--audience NAME`"
        ),
    };
    if !checked.site.config.has_audience(&audience) {
        anyhow::bail!(
            "{}",
            crate::config::unknown_audience(&checked.site.config, &audience)
        );
    }
    if checked.diagnostics.fail(opts.strict) {
        return Ok(Built {
            checked,
            failed: true,
            pages: 0,
            readiness: String::new(),
        });
    }
    output::check_output_folder(&opts.output, &opts.content)?;
    let theme_dir = opts.theme.clone().or_else(|| {
        checked
            .site
            .config
            .theme
            .as_ref()
            .map(|t| opts.content.join(t))
    });
    let theme = Theme::load(theme_dir.as_deref())?;

    let root = &checked.site.files.root;
    let hashes = crate::hash_files(root, checked.site.files.files.iter().map(String::as_str));
    let content_sha256 = output::content_digest(&hashes);
    let view = if audience == INTERNAL && checked.audience == INTERNAL {
        None
    } else {
        Some(view::view(&checked.site, &audience))
    };
    let view = view.as_ref().unwrap_or(&checked.view);
    let max_age = checked.site.config.evidence_max_age_days;
    let readiness = readiness::compute(&view.site, checked.as_of, max_age, &hashes);
    let readiness_text = readiness.percent_text();
    let attachments = render::attachments(view);
    let site_packs: Vec<serde_json::Value> = if opts.no_pdf {
        Vec::new()
    } else {
        checked
            .site
            .config
            .packs
            .iter()
            .filter(|p| p.audience == audience)
            .map(|p| serde_json::json!({"title": p.title, "href": format!("packs/{}.pdf", p.id)}))
            .collect()
    };
    let b = Build {
        view,
        readiness,
        as_of: checked.as_of,
        theme: &theme,
        hashes: &hashes,
        attachments,
        site_packs,
    };

    let staging = Staging::new(&opts.output)?;
    let result = write_all(&b, &staging, root).and_then(|pages| {
        if !opts.no_pdf {
            write_packs(&checked, &audience, &hashes, &content_sha256, &staging)?;
        }
        Ok(pages)
    });
    let pages = match result {
        Ok(pages) => pages,
        Err(e) => {
            staging.abandon();
            return Err(e);
        }
    };
    staging.finish(&checked.as_of.to_string(), &audience, &content_sha256)?;
    Ok(Built {
        checked,
        failed: false,
        pages,
        readiness: readiness_text,
    })
}

/// Renders every pack of `site.yaml` (in parallel) into `pdf/`, and copies those for
/// the site's audience under `site/packs/` for the dashboard to link.
fn write_packs(
    checked: &Checked,
    site_audience: &str,
    hashes: &HashMap<String, String>,
    content_sha256: &str,
    staging: &Staging,
) -> Result<()> {
    checked.site.config.packs.par_iter().try_for_each(|pack| {
        let pdf = render::pdf::render_pack(&render::pdf::PackInput {
            site: &checked.site,
            pack,
            as_of: checked.as_of,
            hashes,
            content_sha256,
        })?;
        staging.write(&format!("pdf/{}.pdf", pack.id), &pdf)?;
        if pack.audience == site_audience {
            staging.write(&format!("site/packs/{}.pdf", pack.id), &pdf)?;
        }
        Ok(())
    })
}

/// What `assure pack` was asked to do.
pub struct PackOptions {
    pub content: PathBuf,
    pub output: PathBuf,
    pub ids: Vec<String>,
}

/// `assure pack ID…`: writes `<output>/pdf/<id>.pdf` for each pack, atomically, and
/// updates the manifest. Unknown pack IDs fail (exit 2) before anything is written.
pub fn pack(opts: &PackOptions) -> Result<Built> {
    let checked = crate::check(&opts.content, None, None)?;
    let config = &checked.site.config;
    let mut packs = Vec::new();
    for id in &opts.ids {
        match config.pack(id) {
            Some(p) => packs.push(p),
            None => {
                let known: Vec<&str> = config.packs.iter().map(|p| p.id.as_str()).collect();
                anyhow::bail!(
                    "there is no pack `{id}` in site.yaml; the packs are: {}",
                    if known.is_empty() {
                        "(none)".to_string()
                    } else {
                        known.join(", ")
                    }
                );
            }
        }
    }
    if checked.diagnostics.fail(false) {
        return Ok(Built {
            checked,
            failed: true,
            pages: 0,
            readiness: String::new(),
        });
    }
    output::check_output_folder(&opts.output, &opts.content)?;
    let root = &checked.site.files.root;
    let hashes = crate::hash_files(root, checked.site.files.files.iter().map(String::as_str));
    let content_sha256 = output::content_digest(&hashes);
    let rendered: Vec<(String, Vec<u8>)> = packs
        .par_iter()
        .map(|pack| {
            render::pdf::render_pack(&render::pdf::PackInput {
                site: &checked.site,
                pack,
                as_of: checked.as_of,
                hashes: &hashes,
                content_sha256: &content_sha256,
            })
            .map(|pdf| (format!("pdf/{}.pdf", pack.id), pdf))
        })
        .collect::<Result<_>>()?;
    output::update_files(
        &opts.output,
        &rendered,
        &checked.as_of.to_string(),
        &content_sha256,
    )?;
    let count = rendered.len();
    Ok(Built {
        checked,
        failed: false,
        pages: count,
        readiness: String::new(),
    })
}

/// Renders and writes every file of the output into the staging folder: pages are
/// written as they are rendered, alongside the search index, data exports and copies.
fn write_all(b: &Build<'_>, staging: &Staging, content_root: &Path) -> Result<usize> {
    let (pages, rest) = rayon::join(
        || {
            render::html::render_each(b, |path, html| {
                staging.write(&format!("site/{path}"), html.as_bytes())
            })
        },
        || -> Result<()> {
            let (search, data) = rayon::join(
                || {
                    staging.write(
                        "site/search-index.js",
                        render::search::index_script(b).as_bytes(),
                    )
                },
                || -> Result<()> {
                    staging.write("data/records.json", &render::data::records_json(b))?;
                    for (name, bytes) in render::data::csv_files(b) {
                        staging.write(&format!("data/{name}"), &bytes)?;
                    }
                    Ok(())
                },
            );
            search?;
            data?;
            for (name, bytes) in &b.theme.statics {
                staging.write(&format!("site/static/{name}"), bytes)?;
            }
            b.attachments
                .par_iter()
                .try_for_each(|path| {
                    staging.copy(
                        &format!("site/files/{path}"),
                        &content_root.join(path),
                        b.hashes.get(path),
                    )
                })
                .context("cannot copy an attachment")
        },
    );
    rest?;
    pages
}
