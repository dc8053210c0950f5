//! Re-rendering a chosen few pages of the site with the ordinary renderer.
//!
//! The renderer renders any subset of the site's pages from the same analysed view a
//! full build uses ([`render::html::render_some`]), so a page served after an edit is
//! the page `assure build` writes. What is left to decide here is *which* pages a
//! change touches: what a page reads is written down in [`Graph::page_inputs`] and
//! [`Graph::pages_showing`], from the renderer as it is; `tests/serve.rs` compares every
//! served page with `assure build` after edits, so a renderer that starts reading more
//! fails that test rather than leaving stale pages in the preview.

use crate::model::schema::RecordType;
use crate::model::{Record, Site};
use crate::render::{self, Build};
use anyhow::{Context as _, Result};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Index-based neighbourhoods of a view, for deciding what a change touches.
pub struct Graph<'a> {
    pub site: &'a Site,
}

impl<'a> Graph<'a> {
    fn targets(&self, i: usize) -> impl Iterator<Item = usize> + 'a {
        self.site.records[i].refs.iter().filter_map(|r| r.target)
    }

    fn targets_in(&self, i: usize, field: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.site.records[i].targets(field)
    }

    fn sources(&self, i: usize) -> impl Iterator<Item = usize> + 'a {
        self.site.backlinks[i].iter().map(|b| b.from)
    }

    fn sources_in(&self, i: usize, field: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.site.backlinks[i]
            .iter()
            .filter(move |b| b.field == field)
            .map(|b| b.from)
    }

    fn is(&self, i: usize, t: RecordType) -> bool {
        self.site.records[i].rtype == t
    }

    /// Pages that show something of record `x` (its title, status, readiness flags or
    /// links): its own, its neighbours' both ways, a plan showing it through one of its
    /// objectives, and recommendations showing it as evidence behind an action.
    pub fn pages_showing(&self, x: usize, out: &mut BTreeSet<usize>) {
        let rec = &self.site.records[x];
        out.insert(x);
        out.extend(rec.parent);
        out.extend(rec.objectives.iter().copied());
        for t in self.targets(x) {
            out.insert(t);
            if self.is(t, RecordType::Action) {
                out.extend(self.targets_in(t, "addresses"));
            }
            if self.is(t, RecordType::Objective) {
                out.extend(self.site.records[t].parent);
            }
        }
        for s in self.sources(x) {
            out.insert(s);
            // A plan renders its objectives' descriptions, links included.
            if self.is(s, RecordType::Objective) {
                out.extend(self.site.records[s].parent);
            }
        }
    }

    /// The records page `p` reads, besides its own: what it links to and what links to
    /// it, its objectives with their links and actions, its plan, and for a
    /// recommendation the evidence behind each action that answers it.
    pub fn page_inputs(&self, p: usize, out: &mut BTreeSet<usize>) {
        let rec = &self.site.records[p];
        out.extend(self.targets(p));
        out.extend(self.sources(p));
        out.extend(rec.parent);
        for &o in &rec.objectives {
            out.insert(o);
            out.extend(self.targets(o));
            out.extend(self.sources(o));
        }
        if rec.rtype == RecordType::Recommendation {
            for a in self.sources_in(p, "addresses") {
                out.extend(self.sources_in(a, "supports"));
            }
        }
    }
}

/// Renders the pages of records `pages` (indices into the view).
pub fn record_pages(b: &Build<'_>, pages: &BTreeSet<usize>) -> Result<Vec<(String, String)>> {
    let site = b.site();
    let ids: HashSet<&str> = pages.iter().map(|&p| site.records[p].id.as_str()).collect();
    let paths: HashSet<String> = pages.iter().map(|&p| site.records[p].page_path()).collect();
    render_wanted(b, |id, _| id.is_some_and(|id| ids.contains(id)), &paths)
}

/// Renders the pages that list many records (the dashboard, lists, matrix and
/// timeline) at `paths`.
pub fn aggregate_pages(b: &Build<'_>, paths: &BTreeSet<String>) -> Result<Vec<(String, String)>> {
    // A page's section is its path less `/index.html` or `.html` (`actions`,
    // `timeline`).
    let sections: HashSet<&str> = paths
        .iter()
        .map(|p| {
            p.strip_suffix("/index.html")
                .or_else(|| p.strip_suffix(".html"))
                .unwrap_or(p)
        })
        .collect();
    let paths: HashSet<String> = paths.iter().cloned().collect();
    render_wanted(
        b,
        |id, section| id.is_none() && sections.contains(section),
        &paths,
    )
}

/// Renders the pages `wanted` picks and keeps those at `paths`. Should a wanted page be
/// missing (`wanted` and `paths` disagree), every page is rendered instead.
fn render_wanted(
    b: &Build<'_>,
    wanted: impl Fn(Option<&str>, &str) -> bool + Sync,
    paths: &HashSet<String>,
) -> Result<Vec<(String, String)>> {
    let keep = |pages: Vec<(String, String)>| -> Vec<(String, String)> {
        pages
            .into_iter()
            .filter(|(p, _)| paths.contains(p))
            .collect()
    };
    let pages = keep(render::html::render_some(b, wanted)?);
    if pages.len() == paths.len() {
        return Ok(pages);
    }
    render::html::render(b)
        .map(keep)
        .context("cannot render the changed pages")
}

/// The search index, kept as one entry per record so that a change re-indexes only the
/// records it touched; the assembled script is byte for byte what `build` writes.
#[derive(Default)]
pub struct SearchIndex {
    entries: HashMap<String, String>,
}

impl SearchIndex {
    /// Re-indexes the records of `keys` (all when `None`) and returns the whole script.
    pub fn update(&mut self, site: &Site, keys: Option<&HashSet<String>>) -> String {
        use rayon::prelude::*;
        let todo: Vec<&Record> = site
            .records
            .iter()
            .filter(|r| {
                keys.is_none_or(|k| k.contains(&r.key)) || !self.entries.contains_key(&r.key)
            })
            .collect();
        let fresh: Vec<(String, String)> = todo
            .par_iter()
            .map(|r| (r.key.clone(), render::search::entry(r)))
            .collect();
        self.entries.extend(fresh);
        if self.entries.len() > site.records.len() {
            let live: HashSet<&str> = site.records.iter().map(|r| r.key.as_str()).collect();
            self.entries.retain(|k, _| live.contains(k.as_str()));
        }
        render::search::script(site.records.iter().map(|r| self.entries[&r.key].as_str()))
    }
}
