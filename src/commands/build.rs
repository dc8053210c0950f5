//! `assure build`: check, filter for the site audience, render every output into a
//! staging folder, write the manifest, swap it in (SPEC §8, §9).

use crate::changes::Changes;
use crate::date::Date;
use crate::output::{self, Staging};
use crate::pipeline::{self, Analysed, Checked};
use crate::render::{self, theme::Theme};
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
    /// Earlier outputs to compare with, oldest first (`--since`); empty: the
    /// `baselines:` of site.yaml.
    pub since: Vec<PathBuf>,
    /// The packs' issue date (`--issued`); else `issued` in site.yaml.
    pub issued: Option<Date>,
}

/// The outcome of a build that ran its checks.
pub struct Built {
    /// The checked content: its diagnostics, hashes and analysis. After a build that
    /// ran, its site holds no records (the build's view took or released them).
    pub checked: Checked,
    /// Content problems stopped the build (exit code 1); nothing was written.
    pub failed: bool,
    pub pages: usize,
    /// Readiness as the output's audience sees it ("66.6 %").
    pub readiness: String,
    /// The PDF files written, inside the output folder (`pdf/<pack-id>.pdf`).
    pub pdfs: Vec<String>,
}

impl Built {
    /// Content problems stopped the run before anything was written.
    fn stopped(checked: Checked) -> Built {
        Built {
            checked,
            failed: true,
            pages: 0,
            readiness: String::new(),
            pdfs: Vec::new(),
        }
    }
}

/// What a finished build tells its author: the page to open, each PDF written, the
/// data, how to hand the site over, and what the warnings mean (SPEC §13.6).
pub fn summary(built: &Built, output: &Path) -> String {
    let mut out = String::new();
    let line = |out: &mut String, label: &str, text: String| {
        out.push_str(&format!("  {label:<15}{text}\n"));
    };
    let site = output.join("site");
    line(
        &mut out,
        "open the site:",
        format!("{}", site.join("index.html").display()),
    );
    for (i, pdf) in built.pdfs.iter().enumerate() {
        let label = if i == 0 { "PDF packs:" } else { "" };
        let path: PathBuf = pdf.split('/').collect();
        line(&mut out, label, format!("{}", output.join(path).display()));
    }
    line(
        &mut out,
        "data:",
        format!(
            "{} (tracker.xlsx for Excel, records.json, and a CSV per type)",
            output.join("data").display()
        ),
    );
    out.push_str(&format!(
        "  to hand the site over, copy the whole folder {} (to a USB stick, or zip it): it opens with no server and no internet\n",
        site.display()
    ));
    let warnings = built.checked.diagnostics.warnings();
    if warnings > 0 {
        out.push_str(&format!(
            "  the {warnings} warning{} above did not stop the build: each names something an inspector would notice (evidence out of date, an action overdue…)\n",
            if warnings == 1 { "" } else { "s" }
        ));
    }
    out
}

/// Runs a build. I/O and usage problems are errors (exit 2); content problems come back
/// in `Built::checked.diagnostics` with `failed` set.
pub fn build(opts: &BuildOptions) -> Result<Built> {
    let mut checked = pipeline::check(&opts.content, opts.as_of)?;
    let audience = pipeline::audience(&checked.site.config, opts.audience.as_deref())
        .map_err(anyhow::Error::msg)?;
    if checked.diagnostics.fail(opts.strict) {
        return Ok(Built::stopped(checked));
    }
    output::check_output_folder(&opts.output, &opts.content)?;
    let theme_dir = pipeline::theme_dir(&opts.content, opts.theme.as_deref(), &checked.site.config);
    let theme = Theme::load(theme_dir.as_deref())?;

    pipeline::hash_all(&mut checked);
    let packs = audience_packs(opts, &checked.site.config, &audience);
    let packs = packs.as_slice();
    // Every output is for this one audience (the packs were chosen for it above): its
    // view takes the records when it sees them all rather than copying them.
    let views = HashMap::from([(
        audience.clone(),
        pipeline::take_analysed(&mut checked, &audience),
    )]);
    let site_view = &views[&audience];
    let content_sha256 = output::audience_digest(
        pipeline::whole_site(&checked, site_view),
        &site_view.view,
        &site_view.attachments,
        &checked.hashes,
    );
    let readiness_text = crate::present::readiness_sentence(&site_view.analysis.readiness);
    // `--since` names baselines for this build: one for another audience is refused.
    let (baselines, from_site) = if opts.since.is_empty() {
        (pipeline::site_baselines(&checked.site), true)
    } else {
        (opts.since.clone(), false)
    };
    let changes = all_changes(&checked, &views, &audience, packs, &baselines, from_site)?;
    // Nothing below reads the whole content's records again: the outputs are made from
    // the view. When the view copied them (some were withheld), the originals go
    // before rendering, so that one copy of the records is held rather than two.
    release_records(&mut checked);
    let mut b = render::Build::new(site_view, checked.as_of, &theme, &checked.hashes);
    b.changes = changes.get(&audience);
    b.site_packs = packs
        .iter()
        .filter(|p| p.audience == audience)
        .map(|p| serde_json::json!({"title": p.title, "href": format!("packs/{}.pdf", p.id)}))
        .collect();

    let staging = Staging::new(&opts.output)?;
    let root = &checked.site.files.root;
    let result = write_all(&b, &staging, root).and_then(|pages| {
        write_packs(
            &checked,
            opts.issued,
            packs,
            &views,
            &audience,
            &content_sha256,
            &changes,
            &staging,
        )?;
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
    let pdfs = packs.iter().map(|p| format!("pdf/{}.pdf", p.id)).collect();
    Ok(Built {
        checked,
        failed: false,
        pages,
        readiness: readiness_text,
        pdfs,
    })
}

/// The packs a build makes (none with `--no-pdf`): only this audience's, since an
/// output is for one audience, every byte of it (SPEC §14.6). Other packs come from a
/// build for their own audience.
fn audience_packs(
    opts: &BuildOptions,
    config: &crate::config::Config,
    audience: &str,
) -> Vec<crate::config::Pack> {
    if opts.no_pdf {
        return Vec::new();
    }
    config
        .packs
        .iter()
        .filter(|p| p.audience == audience)
        .cloned()
        .collect()
}

/// Drops the whole content's records, their index and backlinks, keeping the settings,
/// the file list, the diagnostics, the hashes and the analysis: all a build reads once
/// its view is made. [`Built::checked`] then holds no records.
fn release_records(checked: &mut Checked) {
    let site = &mut checked.site;
    site.records = Vec::new();
    site.index = HashMap::new();
    site.backlinks = Vec::new();
}

/// Renders packs (in parallel) into `pdf/`, each from its audience's analysed view, and
/// copies those for the site's audience under `site/packs/` for the dashboard to link.
// Each argument is a distinct input of the packs; a struct for one caller would only
// rename them.
#[allow(clippy::too_many_arguments)]
fn write_packs(
    checked: &Checked,
    issued: Option<Date>,
    packs: &[crate::config::Pack],
    views: &HashMap<String, Analysed>,
    site_audience: &str,
    content_sha256: &str,
    changes: &HashMap<String, Changes>,
    staging: &Staging,
) -> Result<()> {
    packs.par_iter().try_for_each(|pack| {
        let changes = changes.get(&pack.audience);
        let pdf = render_pack(
            checked,
            issued,
            pack,
            &views[&pack.audience],
            content_sha256,
            changes,
        )?;
        staging.write(&format!("pdf/{}.pdf", pack.id), &pdf)?;
        if pack.audience == site_audience {
            staging.write(&format!("site/packs/{}.pdf", pack.id), &pdf)?;
        }
        Ok(())
    })
}

/// One pack; issued on `issued`, else `issued` in site.yaml, else the readiness date.
fn render_pack(
    checked: &Checked,
    issued: Option<Date>,
    pack: &crate::config::Pack,
    analysed: &Analysed,
    content_sha256: &str,
    changes: Option<&Changes>,
) -> Result<Vec<u8>> {
    render::pdf::render_pack(&render::pdf::PackInput {
        analysed,
        pack,
        as_of: checked.as_of,
        issued: issued
            .or(checked.site.config.issued)
            .unwrap_or(checked.as_of),
        hashes: &checked.hashes,
        content_sha256,
        changes,
    })
}

/// The changes for the site's audience (`site` set) and for every pack with a `changes`
/// section, by audience: each audience's once. None without baselines.
fn all_changes(
    checked: &Checked,
    views: &HashMap<String, Analysed>,
    site: &str,
    packs: &[crate::config::Pack],
    baselines: &[PathBuf],
    from_site: bool,
) -> Result<HashMap<String, Changes>> {
    let mut out = HashMap::new();
    if baselines.is_empty() {
        return Ok(out);
    }
    let mut done = std::collections::HashSet::new();
    let wanted = views
        .get(site)
        .map(|v| (v, "this build".to_string()))
        .into_iter()
        .chain(
            packs
                .iter()
                .filter(|p| p.sections.contains(&crate::config::Section::Changes))
                .map(|p| (&views[&p.audience], format!("pack `{}`", p.id))),
        );
    for (view, what) in wanted {
        let audience = view.view.audience.clone();
        if done.insert(audience.clone()) {
            let from = crate::changes::Baselines {
                paths: baselines,
                for_what: &what,
                others_skipped: from_site,
            };
            // Records still in the content but withheld from the view are not removed.
            let whole = pipeline::whole_site(checked, view);
            let exists = |id: &str| whole.get(id).is_some();
            let (site, a) = (view.site(), &view.analysis);
            if let Some(c) =
                crate::changes::for_view(site, a, &audience, checked.as_of, &from, &exists)?
            {
                out.insert(audience, c);
            }
        }
    }
    Ok(out)
}

/// What `assure pack` was asked to do.
pub struct PackOptions {
    pub content: PathBuf,
    pub output: PathBuf,
    pub ids: Vec<String>,
    /// The packs' issue date (`--issued`); else `issued` in site.yaml.
    pub issued: Option<Date>,
}

/// `assure pack ID…`: writes `<output>/pdf/<id>.pdf` for each pack, atomically, and
/// updates the manifest. Unknown pack IDs fail (exit 2) before anything is written.
pub fn pack(opts: &PackOptions) -> Result<Built> {
    let mut checked = pipeline::check(&opts.content, None)?;
    let config = &checked.site.config;
    let mut packs = Vec::new();
    for id in &opts.ids {
        match config.pack(id) {
            Some(p) => packs.push(p.clone()),
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
        return Ok(Built::stopped(checked));
    }
    output::check_output_folder(&opts.output, &opts.content)?;
    pipeline::hash_all(&mut checked);
    // Each pack named is asked for by ID: it is filtered, and its digest made, for its
    // own audience; the manifest keeps the digest of the output's audience.
    let manifest_audience = output_audience(&opts.output, &packs);
    let views = pipeline::analysed_for(
        &checked,
        packs
            .iter()
            .map(|p| p.audience.as_str())
            .chain(std::iter::once(manifest_audience.as_str())),
    );
    let digest = |audience: &str| {
        let a = &views[audience];
        output::audience_digest(&checked.site, &a.view, &a.attachments, &checked.hashes)
    };
    let content_sha256 = digest(&manifest_audience);
    let changes = all_changes(
        &checked,
        &views,
        "",
        &packs,
        &pipeline::site_baselines(&checked.site),
        true,
    )?;
    let rendered: Vec<(String, Vec<u8>)> = packs
        .par_iter()
        .map(|pack| {
            let changes = changes.get(&pack.audience);
            render_pack(
                &checked,
                opts.issued,
                pack,
                &views[&pack.audience],
                &digest(&pack.audience),
                changes,
            )
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
    let pdfs = rendered.iter().map(|(path, _)| path.clone()).collect();
    Ok(Built {
        checked,
        failed: false,
        pages: count,
        readiness: String::new(),
        pdfs,
    })
}

/// The audience of the output `assure pack` adds to: its manifest's, else the first
/// pack's.
fn output_audience(output: &Path, packs: &[crate::config::Pack]) -> String {
    std::fs::read(output.join(output::MANIFEST))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|m| m["audience"].as_str().map(str::to_string))
        .or_else(|| packs.first().map(|p| p.audience.clone()))
        .unwrap_or_else(|| crate::config::INTERNAL.to_string())
}

/// The outputs' files go into the staging folder; `records.json` as it is made.
impl render::Sink for Staging {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<()> {
        Staging::write(self, path, bytes)
    }

    fn write_with(
        &self,
        path: &str,
        make: &mut dyn FnMut(&mut dyn std::io::Write) -> Result<()>,
    ) -> Result<()> {
        Staging::write_with(self, path, make)
    }
}

/// The name of the site's pages in [`render::OUTPUTS`].
const SITE_PAGES: &str = "site pages";

/// Renders and writes every file of the output into the staging folder: the site pages
/// first, on every thread beside the attachment copies, then the other outputs of
/// [`render::OUTPUTS`] in parallel, each writing its files as it makes them. Returns the
/// number of site pages.
///
/// In two steps because the biggest page (the matrix) and the workbook each held tens
/// of megabytes while they were made, and made at the same time they set a build's
/// peak memory (issue 25). Both are now made row by row; the pages keep both threads
/// busy on their own either way.
fn write_all(b: &render::Build<'_>, staging: &Staging, content_root: &Path) -> Result<usize> {
    let run = |outputs: &[&(&'static str, render::Output)]| {
        outputs
            .par_iter()
            .with_max_len(1)
            .map(|(name, output)| output(b, staging).map(|n| (*name, n)))
            .collect::<Result<Vec<_>>>()
    };
    let (pages, others): (Vec<_>, Vec<_>) = render::OUTPUTS
        .iter()
        .partition(|(name, _)| *name == SITE_PAGES);
    let (counts, copies) = rayon::join(
        || run(&pages),
        || {
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
    copies?;
    let mut counts = counts?;
    counts.extend(run(&others)?);
    // Every HTML page written: changes.html is a page of the site too.
    Ok(counts
        .iter()
        .filter(|(name, _)| matches!(*name, SITE_PAGES | "changes page"))
        .map(|(_, n)| *n)
        .sum())
}
