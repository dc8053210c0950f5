//! Rendering a chosen few pages of the site with the ordinary renderer.
//!
//! [`render::html::render`] renders every page of the view it is given. To re-render only
//! some pages, serve gives it a *partial view*: the records those pages show, and for
//! every other record it includes, a stub (no body, no "other details", no links of its
//! own). Pages of the chosen records come out exactly as in a full build, because
//! everything they read is there; the renderer is asked for those pages only.
//!
//! What a page reads is written down here, in [`Graph::page_inputs`] and
//! [`Context::aggregate_pages`], from the renderer as it is; `tests/serve.rs` compares every
//! served page with `assure build` after edits, so a renderer that starts reading more
//! fails that test rather than leaving stale pages in the preview.

use crate::model::schema::RecordType;
use crate::model::view::{self, View};
use crate::model::{Backlink, Record, Site};
use crate::readiness::Readiness;
use crate::render::{self, theme::Theme, Build};
use anyhow::{Context as _, Result};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Pages wanted from one render: record pages by record ID, other pages by the section
/// name their template context carries (`index`, `matrix`, `actions`, …).
#[derive(Default)]
pub struct Wanted {
    ids: HashSet<String>,
    sections: HashSet<String>,
}

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

/// A copy of a record reduced to what pages listing it show.
fn stub(rec: &Record, keep_refs: bool) -> Record {
    Record {
        body: String::new(),
        extra: Vec::new(),
        local_links: Vec::new(),
        refs: if keep_refs {
            rec.refs.clone()
        } else {
            Vec::new()
        },
        ..rec.clone()
    }
}

/// Everything a partial render needs from the full build.
pub struct Context<'a> {
    pub view: &'a View,
    pub readiness: &'a Readiness,
    pub as_of: crate::date::Date,
    pub theme: &'a Theme,
    pub hashes: &'a HashMap<String, String>,
    pub attachments: &'a BTreeSet<String>,
}

impl Context<'_> {
    /// The build of the whole view, for a full render.
    pub fn build(&self) -> Build<'_> {
        Build {
            view: self.view,
            readiness: self.readiness.clone(),
            as_of: self.as_of,
            theme: self.theme,
            hashes: self.hashes,
            attachments: self.attachments.clone(),
            site_packs: Vec::new(),
        }
    }

    /// Renders the pages of records `pages` (indices into the view).
    pub fn record_pages(&self, pages: &BTreeSet<usize>) -> Result<Vec<(String, String)>> {
        let site = &self.view.site;
        let graph = Graph { site };
        let mut include: BTreeSet<usize> = pages.clone();
        for &p in pages {
            graph.page_inputs(p, &mut include);
        }
        // Every page's header and footer list the record types present and the
        // narrative pages, so one record of each type and every page come along.
        let mut seen_types = HashSet::new();
        for (i, r) in site.records.iter().enumerate() {
            if seen_types.insert(r.rtype) || r.rtype == RecordType::Page {
                include.insert(i);
            }
        }
        // Objectives' descriptions are shown on their plan's page.
        let full: HashSet<usize> = pages
            .iter()
            .flat_map(|&p| std::iter::once(p).chain(site.records[p].objectives.iter().copied()))
            .collect();
        // Whose backlinks the pages read besides their own: a plan's objectives (their
        // actions), a recommendation's actions (the evidence behind them).
        let mut linked: HashSet<usize> = full.clone();
        for &p in pages {
            if site.records[p].rtype == RecordType::Recommendation {
                linked.extend(graph.sources_in(p, "addresses"));
            }
        }
        let order: Vec<usize> = include.into_iter().collect();
        let sub = self.partial_view(
            &order,
            |i, rec| {
                if full.contains(&i) {
                    rec.clone()
                } else {
                    stub(rec, false)
                }
            },
            |i| linked.contains(&i),
        );
        let wanted = Wanted {
            ids: pages.iter().map(|&p| site.records[p].id.clone()).collect(),
            sections: HashSet::new(),
        };
        let paths: HashSet<String> = pages.iter().map(|&p| site.records[p].page_path()).collect();
        self.render_wanted(&sub, &order, wanted, &paths)
    }

    /// Renders the pages that list many records (the dashboard, lists, matrix and
    /// timeline) at `paths`.
    pub fn aggregate_pages(&self, paths: &BTreeSet<String>) -> Result<Vec<(String, String)>> {
        let site = &self.view.site;
        let order: Vec<usize> = (0..site.records.len()).collect();
        // Lists show a recommendation's source, the dashboard and the timeline an
        // event's records; the matrix reads who answers and evidences recommendations
        // and actions. Nothing else of a record's links, and no body, is shown there.
        let sub = self.partial_view(
            &order,
            |_, rec| {
                stub(
                    rec,
                    matches!(rec.rtype, RecordType::Recommendation | RecordType::Event),
                )
            },
            |i| {
                matches!(
                    site.records[i].rtype,
                    RecordType::Recommendation | RecordType::Action
                )
            },
        );
        // A page's section is its path less `/index.html` or `.html` (`actions`,
        // `timeline`); two pages may share one, which only costs template work.
        let sections = paths
            .iter()
            .map(|p| {
                p.strip_suffix("/index.html")
                    .or_else(|| p.strip_suffix(".html"))
                    .unwrap_or(p)
                    .to_string()
            })
            .collect();
        let wanted = Wanted {
            ids: HashSet::new(),
            sections,
        };
        let paths: HashSet<String> = paths.iter().cloned().collect();
        self.render_wanted(&sub, &order, wanted, &paths)
    }

    /// A view of the records `order` (indices into the full view, ascending), each made
    /// by `make`, with links renumbered and those leaving it dropped. Only records for
    /// which `backlinks` holds keep theirs (a stub's own page is never kept).
    fn partial_view(
        &self,
        order: &[usize],
        make: impl Fn(usize, &Record) -> Record,
        backlinks: impl Fn(usize) -> bool,
    ) -> View {
        let site = &self.view.site;
        let mut new_index = vec![None; site.records.len()];
        for (n, &i) in order.iter().enumerate() {
            new_index[i] = Some(n);
        }
        let records: Vec<Record> = order
            .iter()
            .map(|&i| {
                let mut rec = make(i, &site.records[i]);
                for r in rec.refs.iter_mut() {
                    r.target = r.target.and_then(|t| new_index[t]);
                }
                rec.parent = rec.parent.and_then(|p| new_index[p]);
                rec.objectives = rec
                    .objectives
                    .iter()
                    .filter_map(|&o| new_index[o])
                    .collect();
                rec
            })
            .collect();
        let backlinks: Vec<Vec<Backlink>> = order
            .iter()
            .map(|&i| {
                if !backlinks(i) {
                    return Vec::new();
                }
                view::renumber_backlinks(&site.backlinks[i], &new_index)
            })
            .collect();
        let index = records
            .iter()
            .enumerate()
            .map(|(n, r)| (r.key.clone(), n))
            .collect();
        View {
            site: Site {
                config: site.config.clone(),
                files: crate::content::ContentFiles {
                    root: site.files.root.clone(),
                    files: Vec::new(),
                    record_files: Vec::new(),
                },
                records,
                index,
                backlinks,
            },
            audience: self.view.audience.clone(),
            marking: self.view.marking,
        }
    }

    /// Renders the wanted pages of `sub` and keeps those at `paths`. Should a wanted page
    /// be missing (`wanted` and `paths` disagree), every page is rendered instead.
    fn render_wanted(
        &self,
        sub: &View,
        order: &[usize],
        wanted: Wanted,
        paths: &HashSet<String>,
    ) -> Result<Vec<(String, String)>> {
        let readiness = sub_readiness(self.readiness, order, self.view.site.records.len());
        let build = |theme| Build {
            view: sub,
            readiness: readiness.clone(),
            as_of: self.as_of,
            theme,
            hashes: self.hashes,
            attachments: self.attachments.clone(),
            site_packs: Vec::new(),
        };
        let keep = |pages: Vec<(String, String)>| -> Vec<(String, String)> {
            pages
                .into_iter()
                .filter(|(p, _)| paths.contains(p))
                .collect()
        };
        let pages = keep(render::html::render_some(
            &build(self.theme),
            |id, section| match id {
                Some(id) => wanted.ids.contains(id),
                None => wanted.sections.contains(section),
            },
        )?);
        if pages.len() == paths.len() {
            return Ok(pages);
        }
        render::html::render(&build(self.theme))
            .map(keep)
            .context("cannot render the changed pages")
    }
}

/// Readiness renumbered for a partial view of the records `order`.
fn sub_readiness(r: &Readiness, order: &[usize], n: usize) -> Readiness {
    fn pick<T: Clone>(v: &[T], order: &[usize]) -> Vec<T> {
        order.iter().map(|&i| v[i].clone()).collect()
    }
    let mut new_index = vec![None; n];
    for (k, &i) in order.iter().enumerate() {
        new_index[i] = Some(k);
    }
    let list = |v: &[usize]| -> Vec<usize> { v.iter().filter_map(|&i| new_index[i]).collect() };
    Readiness {
        as_of: r.as_of,
        overdue: pick(&r.overdue, order),
        rag: pick(&r.rag, order),
        stale: pick(&r.stale, order),
        expired: pick(&r.expired, order),
        changed: pick(&r.changed, order),
        current: pick(&r.current, order),
        evidenced: pick(&r.evidenced, order),
        counted: r.counted,
        evidenced_count: r.evidenced_count,
        unevidenced: list(&r.unevidenced),
        overdue_actions: list(&r.overdue_actions),
        stale_evidence: list(&r.stale_evidence),
        changed_evidence: list(&r.changed_evidence),
    }
}

/// The search index, kept as one entry per record so that a change re-indexes only the
/// records it touched. Entries come from [`render::search::index_script`] run on a view
/// of one record, so the assembled script is byte for byte what `build` writes.
pub struct SearchIndex {
    /// The script around the entries (`window.ASSURE_SEARCH_INDEX = [` and `];\n`), when
    /// the script has that shape; otherwise it is always made whole.
    frame: Option<(String, String)>,
    entries: HashMap<String, String>,
}

impl SearchIndex {
    pub fn new(ctx: &Context<'_>) -> SearchIndex {
        let empty = one_record_script(ctx, None);
        let frame = empty
            .find("[]")
            .map(|at| (empty[..=at].to_string(), empty[at + 1..].to_string()));
        SearchIndex {
            frame,
            entries: HashMap::new(),
        }
    }

    /// Re-indexes the records of `keys` (all when `None`) and returns the whole script.
    pub fn update(&mut self, ctx: &Context<'_>, keys: Option<&HashSet<String>>) -> String {
        use rayon::prelude::*;
        let site = &ctx.view.site;
        let Some((head, tail)) = &self.frame else {
            return whole_script(ctx);
        };
        let todo: Vec<&Record> = site
            .records
            .iter()
            .filter(|r| {
                keys.is_none_or(|k| k.contains(&r.key)) || !self.entries.contains_key(&r.key)
            })
            .collect();
        let fresh: Vec<Option<(String, String)>> = todo
            .par_iter()
            .map(|r| {
                let script = one_record_script(ctx, Some(r));
                script
                    .strip_prefix(head.as_str())
                    .and_then(|s| s.strip_suffix(tail.as_str()))
                    .map(|entry| (r.key.clone(), entry.to_string()))
            })
            .collect();
        if fresh.iter().any(Option::is_none) {
            self.frame = None;
            return whole_script(ctx);
        }
        self.entries.extend(fresh.into_iter().flatten());
        if self.entries.len() > site.records.len() {
            let live: HashSet<&str> = site.records.iter().map(|r| r.key.as_str()).collect();
            self.entries.retain(|k, _| live.contains(k.as_str()));
        }
        let mut out =
            String::with_capacity(self.entries.values().map(|e| e.len() + 1).sum::<usize>() + 64);
        out.push_str(head);
        for (n, r) in site.records.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            out.push_str(&self.entries[&r.key]);
        }
        out.push_str(tail);
        out
    }
}

fn whole_script(ctx: &Context<'_>) -> String {
    render::search::index_script(&Build {
        view: ctx.view,
        readiness: ctx.readiness.clone(),
        as_of: ctx.as_of,
        theme: ctx.theme,
        hashes: ctx.hashes,
        attachments: BTreeSet::new(),
        site_packs: Vec::new(),
    })
}

/// The search script of a view holding only `rec` (or nothing).
fn one_record_script(ctx: &Context<'_>, rec: Option<&Record>) -> String {
    let site = &ctx.view.site;
    let records: Vec<Record> = rec.into_iter().cloned().collect();
    let view = View {
        site: Site {
            config: site.config.clone(),
            files: Default::default(),
            index: records.iter().map(|r| (r.key.clone(), 0)).collect(),
            backlinks: vec![Vec::new(); records.len()],
            records,
        },
        audience: ctx.view.audience.clone(),
        marking: ctx.view.marking,
    };
    render::search::index_script(&Build {
        view: &view,
        readiness: Readiness::default(),
        as_of: ctx.as_of,
        theme: ctx.theme,
        hashes: ctx.hashes,
        attachments: BTreeSet::new(),
        site_packs: Vec::new(),
    })
}
