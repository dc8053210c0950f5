//! Re-rendering the site's pages after an edit with the ordinary renderer.
//!
//! The renderer renders any subset of the site's pages from the same analysed view a
//! full build uses ([`render::html::render_each_where`]), so a page served after an
//! edit is the page `assure build` writes. *Which* pages an edit changed is never
//! decided from a list of what each page reads: after the first pages are shown, every
//! other page is rendered again and kept only where its bytes differ (see
//! `engine::Output::incremental`). [`Graph`] only chooses which pages to render
//! *first*, so that the page an author is looking at comes back quickly; a page it
//! forgets is late by one pass, never stale.

use crate::model::schema::RecordType;
use crate::model::{Record, Site};
use crate::render::{self, Build};
use anyhow::Result;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Index-based neighbourhoods of a view, for choosing the pages to render first.
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

    fn is(&self, i: usize, t: RecordType) -> bool {
        self.site.records[i].rtype == t
    }

    /// Pages likely to show something of record `x` (its title, status, readiness
    /// flags or links): its own, its neighbours' both ways, a plan showing it through
    /// one of its objectives, and recommendations showing it as evidence behind an
    /// action. Only an order of work: every page is compared afterwards.
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

    /// Roughly how many records page `p` lists: what it links to, what links to it
    /// and to its objectives, and what links to those (a recommendation lists the
    /// evidence behind each action answering it). A large page (a plan with thousands
    /// of actions) is left to the second pass so that it does not hold up the first.
    pub fn listed(&self, p: usize) -> usize {
        let rec = &self.site.records[p];
        let around = |i: usize| -> usize {
            self.site.backlinks[i].len()
                + self.site.backlinks[i]
                    .iter()
                    .map(|b| self.site.backlinks[b.from].len())
                    .sum::<usize>()
        };
        rec.refs.len() + around(p) + rec.objectives.iter().map(|&o| around(o)).sum::<usize>()
    }
}

/// Renders the pages of records `pages` (indices into the view).
pub fn record_pages(b: &Build<'_>, pages: &BTreeSet<usize>) -> Result<Vec<(String, String)>> {
    let site = b.site();
    let ids: HashSet<&str> = pages.iter().map(|&p| site.records[p].id.as_str()).collect();
    render::html::render_some(b, |id, _| id.is_some_and(|id| ids.contains(id)))
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
