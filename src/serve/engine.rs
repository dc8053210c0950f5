//! The live build: keeps the rendered site in memory and brings it up to date after each
//! change.
//!
//! A rebuild checks the content (`pipeline::check_cached`); with errors, the last good site stays
//! served and the problems go to open pages. Otherwise it compares every record with the
//! last good build by two fingerprints — its *face* (ID, title, status, readiness) and
//! its *links* — and brings the pages up to date in two passes:
//!
//! 1. the pages of records whose file changed and the pages around records whose face
//!    or links changed (this is what an author waits for); then tells open pages;
//! 2. every other page, rendered again and kept where its bytes differ, the changes
//!    page and the search index; pages the site no longer has go; then tells open pages
//!    again. This pass is what makes every served page the page `build` writes: the
//!    fingerprints only choose the first pass.
//!
//! A change to `site.yaml`, the theme, the readiness date, the types present or the
//! narrative pages (which every page's header and footer show) re-renders everything.

use super::partial::{self, Graph, SearchIndex};
use super::{Body, Changed, Page, Problem, Shared};
use crate::analysis::Analysis;
use crate::config::Config;
use crate::date::Date;
use crate::diagnostics::{Diagnostics, Severity};
use crate::model::schema::RecordType;
use crate::model::view::View;
use crate::pipeline::{self, Cache, Checked};
use crate::render::{self, theme::Theme, Build};
use anyhow::Result;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A page listing more records than this is left to the second pass, so that a change
/// to one action does not wait for its plan's page.
const LARGE_PAGE: usize = 200;

/// What `serve` was asked to do.
pub struct Settings {
    pub content: PathBuf,
    pub theme: Option<PathBuf>,
    pub audience: Option<String>,
    pub as_of: Option<Date>,
}

struct LoadedTheme {
    dir: Option<PathBuf>,
    theme: Theme,
    generation: u64,
}

/// Fingerprints of one record in the last good build.
#[derive(Clone, Copy, PartialEq)]
struct Prints {
    face: u64,
    links: u64,
    rtype: RecordType,
}

/// What the last good build was made from.
struct LastGood {
    config: Config,
    as_of: Date,
    audience: String,
    marking: &'static str,
    theme_generation: u64,
    shell: u64,
    records: HashMap<String, Prints>,
}

/// The outcome of one rebuild, for the terminal.
pub enum Outcome {
    /// Pages were brought up to date: `pages` changed files, the first of them served
    /// after `first_millis`, all after `total_millis`.
    Rendered {
        pages: usize,
        first_millis: u128,
        total_millis: u128,
    },
    /// Content problems (or a theme, audience or render failure): the last good site
    /// stays served.
    Problems { errors: usize },
}

pub struct Engine {
    settings: Settings,
    prefix: String,
    today: Date,
    /// What each content file yielded, kept between rebuilds.
    cache: Cache,
    theme: Option<LoadedTheme>,
    theme_stale: bool,
    last: Option<LastGood>,
    output: Output,
    /// Diagnostics already printed to the terminal, to print only new ones.
    printed: HashSet<String>,
    /// A usage problem (no or unknown audience) in the last rebuild.
    pub usage_problem: Option<String>,
}

impl Engine {
    pub fn new(settings: Settings, shared: Arc<Shared>) -> Result<Engine> {
        let cache = Cache::new(&settings.content, true)?;
        Ok(Engine {
            prefix: settings.content.to_string_lossy().into_owned(),
            today: Date::today_utc(),
            settings,
            theme: None,
            theme_stale: true,
            last: None,
            output: Output {
                pages: HashMap::new(),
                search: None,
                generation: 0,
                shared,
                root: cache.root().to_path_buf(),
                warnings: Vec::new(),
            },
            cache,
            printed: HashSet::new(),
            usage_problem: None,
        })
    }

    /// The folders to watch: the content folder, and the theme folder when it is
    /// elsewhere.
    pub fn watched(&self) -> Vec<PathBuf> {
        let mut out = vec![self.cache.root().to_path_buf()];
        if let Some(dir) = self.theme.as_ref().and_then(|t| t.dir.as_ref()) {
            if let Ok(abs) = dir.canonicalize() {
                if !abs.starts_with(self.cache.root()) {
                    out.push(abs);
                }
            }
        }
        out
    }

    /// Takes note of changed paths; returns whether any matters.
    pub fn note_changes(&mut self, paths: &[PathBuf], rescan: bool) -> bool {
        if rescan {
            self.cache.invalidate_all();
            self.theme_stale = true;
            return true;
        }
        let theme_dir = self
            .theme
            .as_ref()
            .and_then(|t| t.dir.as_ref())
            .and_then(|d| d.canonicalize().ok());
        let mut any = false;
        for p in paths {
            if theme_dir.as_ref().is_some_and(|d| p.starts_with(d)) {
                self.theme_stale = true;
                any = true;
            }
            any |= self.cache.invalidate(p);
        }
        any
    }

    /// Brings the served site up to date. Fails only on I/O failures (the content folder
    /// cannot be read).
    pub fn rebuild(&mut self) -> Result<Outcome> {
        let started = Instant::now();
        let checked = pipeline::check_cached(&mut self.cache, self.settings.as_of, self.today)?;
        self.print_new(&checked.diagnostics);
        let errors = checked.diagnostics.errors();
        if errors > 0 {
            let problems = self.overlay(&checked, false);
            self.output.publish_problems(problems);
            return Ok(Outcome::Problems { errors });
        }
        self.usage_problem = None;
        let audience = match self.audience(&checked) {
            Ok(a) => a,
            Err(message) => {
                self.usage_problem = Some(message.clone());
                return Ok(self.fail(Problem::site(&self.prefix, message)));
            }
        };
        let theme_dir = self.theme_dir(&checked).unwrap_or_default();
        let theme_dir = theme_dir.to_string_lossy().into_owned();
        if let Err(e) = self.load_theme(&checked) {
            return Ok(self.fail(Problem::other(&theme_dir, format!("{e:#}"))));
        }
        // The site builds; its warnings go over open pages with it (SPEC §14.8).
        self.output.warnings = self.overlay(&checked, true);
        match self.render(checked, &audience, started) {
            Ok(outcome) => {
                self.cache.clear_edited();
                self.cache.prepare_spares();
                Ok(outcome)
            }
            // Content that checks cleanly fails to render only through its theme.
            Err(e) => Ok(self.fail(Problem::other(&theme_dir, format!("{e:#}")))),
        }
    }

    /// The problems to show over open pages, as `check` gives them: errors first (what
    /// stops the site), then warnings; each with the page of its record. Only the
    /// problems the served audience may know of (SPEC §14.6), and a count of the others.
    /// `builds`: the content has no errors, so every record shown gets its page;
    /// otherwise only pages the last good site has are linked.
    fn overlay(&self, checked: &Checked, builds: bool) -> Vec<Problem> {
        let audience = self.audience(checked).ok();
        let (mut items, hidden) = shown_problems(checked, audience.as_deref());
        items.sort_by_key(|d| d.severity() != Severity::Error);
        let mut pages: HashMap<&str, String> = HashMap::new();
        for r in &checked.site.records {
            let page = r.page_path();
            if !pages.contains_key(r.path.as_str())
                && (builds || self.output.pages.contains_key(&page))
            {
                pages.insert(&r.path, page);
            }
        }
        let mut problems: Vec<Problem> = items
            .into_iter()
            .map(|d| {
                let page = pages.get(d.path.as_str()).cloned().unwrap_or_default();
                Problem::diagnostic(d, &self.prefix, page)
            })
            .collect();
        if hidden.total > 0 {
            let n = hidden.total;
            let mut note = Problem::other(
                "",
                format!(
                    "{n} problem{} in content withheld from `{}` (or not readable); run `assure check`, or serve with `--audience internal`, to see {}",
                    if n == 1 { "" } else { "s" },
                    audience.as_deref().unwrap_or("this audience"),
                    if n == 1 { "it" } else { "them" },
                ),
            );
            if hidden.errors == 0 {
                note.severity = "warning".into();
            }
            problems.push(note);
        }
        problems
    }

    /// Shows a problem that is not a diagnostic (theme, rendering, audience) in the
    /// terminal and over open pages.
    fn fail(&self, problem: Problem) -> Outcome {
        crate::errln!("error: {}", problem.describe());
        self.output.publish_problems(vec![problem]);
        Outcome::Problems { errors: 1 }
    }

    /// Prints diagnostics not printed before (all of them the first time).
    fn print_new(&mut self, diagnostics: &Diagnostics) {
        let now: Vec<String> = diagnostics
            .items
            .iter()
            .map(|d| d.human(&self.prefix))
            .collect();
        for line in &now {
            if !self.printed.contains(line) {
                crate::errln!("{line}");
            }
        }
        self.printed = now.into_iter().collect();
    }

    /// The site audience: `--audience`, else `site_audience` (as `build` decides).
    fn audience(&self, checked: &Checked) -> Result<String, String> {
        pipeline::audience(&checked.site.config, self.settings.audience.as_deref())
    }

    fn theme_dir(&self, checked: &Checked) -> Option<PathBuf> {
        pipeline::theme_dir(
            &self.settings.content,
            self.settings.theme.as_deref(),
            &checked.site.config,
        )
    }

    /// Loads the theme when it changed (or its folder did).
    fn load_theme(&mut self, checked: &Checked) -> Result<()> {
        let dir = self.theme_dir(checked);
        if !self.theme_stale && self.theme.as_ref().is_some_and(|t| t.dir == dir) {
            return Ok(());
        }
        let theme = Theme::load(dir.as_deref())?;
        let generation = self.theme.as_ref().map_or(0, |t| t.generation + 1);
        self.theme = Some(LoadedTheme {
            dir,
            theme,
            generation,
        });
        self.theme_stale = false;
        Ok(())
    }

    fn render(&mut self, checked: Checked, audience: &str, started: Instant) -> Result<Outcome> {
        let as_of = checked.as_of;
        // Changes since site.yaml's baselines (SPEC §13.5): what the content holds,
        // withheld records included, so that those are never shown as removed.
        let baselines = pipeline::site_baselines(&checked.site);
        let ids: HashSet<String> = if baselines.is_empty() {
            HashSet::new()
        } else {
            checked.site.index.keys().cloned().collect()
        };
        let (analysed, _) = pipeline::into_analysed(checked, audience);
        let exists = |id: &str| ids.contains(&id.to_lowercase());
        let from = crate::changes::Baselines {
            paths: &baselines,
            for_what: "the site served",
            others_skipped: true,
        };
        let changes = crate::changes::for_view(
            analysed.site(),
            &analysed.analysis,
            audience,
            as_of,
            &from,
            &exists,
        )?;
        let view = &analysed.view;
        let attachments = Arc::new(analysed.attachments.clone());
        self.cache
            .ensure_hashes(attachments.iter().map(String::as_str));
        let hashes = Arc::clone(self.cache.hashes());
        let Some(theme) = self.theme.as_ref() else {
            anyhow::bail!("the theme is not loaded");
        };
        let mut b = Build::new(&analysed, as_of, &theme.theme, &hashes);
        b.changes = changes.as_ref();
        let now = LastGood {
            config: view.site.config.clone(),
            as_of,
            audience: audience.to_string(),
            marking: view.marking,
            theme_generation: theme.generation,
            shell: shell_print(view),
            records: fingerprints(view, &analysed.analysis, &hashes, &attachments),
        };
        // Only what changed is rendered again when every page is framed as before
        // and each record has a fingerprint of its own (no two share a key).
        let outcome = match &self.last {
            Some(last) if last.frames_as(&now) && now.records.len() == view.site.records.len() => {
                self.output.incremental(
                    &b,
                    last,
                    &now.records,
                    self.cache.edited(),
                    started,
                    Arc::clone(&attachments),
                )?
            }
            _ => self.output.full(&b, &theme.theme, started, attachments)?,
        };
        self.last = Some(now);
        Ok(outcome)
    }
}

impl LastGood {
    /// Whether `now` is built with everything every page shows as this was: the
    /// settings, the readiness date, the audience and its marking, the theme and the
    /// page shell. If not, every page may differ and is rendered again.
    fn frames_as(&self, now: &LastGood) -> bool {
        self.config == now.config
            && self.as_of == now.as_of
            && self.audience == now.audience
            && self.marking == now.marking
            && self.theme_generation == now.theme_generation
            && self.shell == now.shell
    }
}

/// The site as served, and how to tell open pages about changes.
struct Output {
    pages: HashMap<String, Page>,
    search: Option<SearchIndex>,
    /// The number of the last publication; a page's version is the publication it last
    /// changed in.
    generation: u64,
    shared: Arc<Shared>,
    root: PathBuf,
    /// The warnings of the content being served, shown over open pages with it.
    warnings: Vec<Problem>,
}

impl Output {
    /// Renders every page afresh, with the search script and the theme's static files,
    /// and serves them all as one new publication in place of the pages served before.
    fn full(
        &mut self,
        b: &Build<'_>,
        theme: &Theme,
        started: Instant,
        attachments: Arc<BTreeSet<String>>,
    ) -> Result<Outcome> {
        // Each page is kept as it is rendered, compressed on the thread that rendered
        // it: all pages held twice (as strings, then as shared bytes) was a third of
        // the memory serve needed at 10,000 records, and held once uncompressed still
        // about 103 MB (see [`Body`]).
        let pages = std::sync::Mutex::new(HashMap::new());
        render::html::render_each(b, |path, html| {
            let body = Body::pack(html.as_bytes())?;
            pages
                .lock()
                .map_err(|_| anyhow::anyhow!("a renderer failed"))?
                .insert(path.to_string(), body);
            Ok(())
        })?;
        let mut all: HashMap<String, Body> = pages
            .into_inner()
            .map_err(|_| anyhow::anyhow!("a renderer failed"))?;
        if let Some(c) = b.changes {
            let html = render::html::changes_page(b, c)?;
            all.insert(CHANGES_PAGE.into(), Body::pack(html.as_bytes())?);
        }
        let mut search = SearchIndex::default();
        let script = search.update(b.site(), None);
        all.insert(SEARCH_SCRIPT.into(), Body::pack(script.as_bytes())?);
        for (name, bytes) in &theme.statics {
            all.insert(format!("static/{name}"), Body::pack(bytes)?);
        }
        self.search = Some(search);
        let generation = self.generation + 1;
        let count = all.len();
        self.pages = all
            .into_iter()
            .map(|(p, body)| {
                (
                    p,
                    Page {
                        body,
                        version: generation,
                    },
                )
            })
            .collect();
        let millis = started.elapsed().as_millis();
        self.publish(Changed::All, attachments);
        Ok(Outcome::Rendered {
            pages: count,
            first_millis: millis,
            total_millis: millis,
        })
    }

    fn incremental(
        &mut self,
        b: &Build<'_>,
        last: &LastGood,
        prints: &HashMap<String, Prints>,
        edited: &HashSet<String>,
        started: Instant,
        attachments: Arc<BTreeSet<String>>,
    ) -> Result<Outcome> {
        let site = b.site();
        let graph = Graph { site };
        // Records edited (own) and records whose change may show elsewhere (spread).
        let mut own = BTreeSet::new();
        let mut spread = BTreeSet::new();
        let mut touched: HashSet<String> = HashSet::new();
        for (i, rec) in site.records.iter().enumerate() {
            let now = prints[&rec.key];
            match last.records.get(&rec.key) {
                Some(before) if *before == now => {
                    if edited.contains(&rec.key) {
                        own.insert(i);
                    } else {
                        continue;
                    }
                }
                _ => {
                    spread.insert(i);
                }
            }
            touched.insert(rec.key.clone());
        }
        let mut first = own;
        for &x in &spread {
            graph.pages_showing(x, &mut first);
        }
        first.retain(|&p| graph.listed(p) <= LARGE_PAGE);

        // Pass 1: the pages an author most likely looks at.
        let mut total = 0;
        if !first.is_empty() {
            let rendered = partial::record_pages(b, &first)?;
            let changed = self.store(rendered)?;
            total += changed.len();
            if !changed.is_empty() {
                self.publish(Changed::Pages(changed), Arc::clone(&attachments));
            }
        }
        let first_millis = started.elapsed().as_millis();

        // Pass 2: every other page, kept where it differs (see the module's comment).
        let done: HashSet<&str> = first.iter().map(|&p| site.records[p].id.as_str()).collect();
        let reindex = !touched.is_empty() || prints.len() != last.records.len();
        let mut changed = self.rerender_except(b, &done, reindex.then_some(&touched))?;
        if let Some(c) = b.changes {
            let html = render::html::changes_page(b, c)?;
            changed.extend(self.store(vec![(CHANGES_PAGE.to_string(), html)])?);
        }
        total += changed.len();
        if !changed.is_empty() {
            self.publish(Changed::Pages(changed), attachments);
        } else if total == 0 {
            // Nothing visible changed; still clear any problems shown before.
            self.publish(Changed::Pages(Vec::new()), attachments);
        }
        Ok(Outcome::Rendered {
            pages: total,
            first_millis,
            total_millis: started.elapsed().as_millis(),
        })
    }

    /// Renders every page of the site but the record pages of `done` (already brought
    /// up to date), stores those whose bytes differ from the served ones (told by their
    /// SHA-256, on the rendering threads), and drops served pages the site no longer
    /// has; returns the paths that changed. With `reindex` (the records touched), the
    /// search script is brought up to date too, alongside the pages: at 10,000 records
    /// it is 15 MB, whose hashing and compressing (about 65 ms on one thread) would
    /// otherwise follow the rendering.
    ///
    /// Why every page rather than only the pages whose inputs changed (by a list of
    /// what each page read while rendering): such a list is right only if every read
    /// of the renderer and of the analysis it calls is recorded — a flag such as "met,
    /// but an action is overdue" reads records the page never links to, and a missed
    /// read is a stale page, the very fault this replaced. Comparing bytes (by SHA-256)
    /// cannot miss.
    /// Its cost, measured with `scripts/bench-serve` on 10,000 records (the generated
    /// corpus, a 2-core machine under heavy load): the edited page is served as soon
    /// as before (median 66–75 ms before, 61 ms after); the whole rebuild went from
    /// 1.7–1.8 s (the hand-kept map: the edited page, its neighbours, and the lists,
    /// dashboard and matrix, which read every record whatever the method) to 6.1–6.3 s,
    /// against 7.8 s for the first full build; peak memory 477–480 → 411–427 MiB.
    /// Recording reads could save at most the difference, about 4.5 s of background
    /// work per save, never the author's wait for the edited page.
    fn rerender_except(
        &mut self,
        b: &Build<'_>,
        done: &HashSet<&str>,
        reindex: Option<&HashSet<String>>,
    ) -> Result<Vec<String>> {
        let next = self.generation + 1;
        let site = b.site();
        let served = &self.pages;
        let index = &mut self.search;
        let (fresh, script) = rayon::join(
            || rerender(served, b, done),
            || match reindex {
                Some(touched) => {
                    let index = index.get_or_insert_with(SearchIndex::default);
                    let script = index.update(site, Some(touched));
                    changed_body(served.get(SEARCH_SCRIPT), script.as_bytes()).map(Some)
                }
                None => Ok(None),
            },
        );
        let (fresh, script) = (fresh?, script?);
        let mut present: HashSet<String> = site.records.iter().map(|r| r.page_path()).collect();
        let mut changed = Vec::new();
        for (path, body) in fresh {
            if let Some(body) = body {
                self.pages.insert(
                    path.clone(),
                    Page {
                        body,
                        version: next,
                    },
                );
                changed.push(path.clone());
            }
            present.insert(path);
        }
        // Pages of records gone (deleted, withheld or moved to another folder).
        let gone: Vec<String> = self
            .pages
            .keys()
            .filter(|p| {
                p.ends_with(".html")
                    && !present.contains(*p)
                    && !p.starts_with("static/")
                    && (*p != CHANGES_PAGE || b.changes.is_none())
            })
            .cloned()
            .collect();
        for path in gone {
            self.pages.remove(&path);
            changed.push(path);
        }
        if let Some(body) = script.flatten() {
            self.pages.insert(
                SEARCH_SCRIPT.to_string(),
                Page {
                    body,
                    version: next,
                },
            );
            changed.push(SEARCH_SCRIPT.to_string());
        }
        Ok(changed)
    }

    /// Stores rendered pages that differ from those served; returns their paths.
    fn store(&mut self, rendered: Vec<(String, String)>) -> Result<Vec<String>> {
        let next = self.generation + 1;
        let served = &self.pages;
        // Hashed (and compressed where changed) in parallel, as rendering is.
        let fresh: Vec<(String, Option<Body>)> = rendered
            .into_par_iter()
            .map(|(path, text)| {
                let body = changed_body(served.get(&path), text.as_bytes())?;
                Ok((path, body))
            })
            .collect::<std::io::Result<_>>()?;
        let mut changed = Vec::new();
        for (path, body) in fresh {
            if let Some(body) = body {
                self.pages.insert(
                    path.clone(),
                    Page {
                        body,
                        version: next,
                    },
                );
                changed.push(path);
            }
        }
        Ok(changed)
    }

    /// Makes the current pages the served ones, with the content's warnings in place of
    /// any errors shown before, and tells open pages.
    fn publish(&mut self, changed: Changed, attachments: Arc<BTreeSet<String>>) {
        self.generation += 1;
        self.shared.publish(
            self.pages.clone(),
            attachments,
            self.root.clone(),
            &self.warnings,
            changed,
        );
    }

    /// Keeps the served pages and shows problems on open pages.
    fn publish_problems(&self, problems: Vec<Problem>) {
        self.shared.set_problems(problems);
    }
}

/// Each page's path, with its bytes when they differ from the served ones.
type Fresh = (String, Option<Body>);

/// Renders every page of the site but the record pages of `done`, each hashed (and
/// compressed where it differs from the page in `served`) on the thread rendering it.
fn rerender(
    served: &HashMap<String, Page>,
    b: &Build<'_>,
    done: &HashSet<&str>,
) -> Result<Vec<Fresh>> {
    let fresh: Mutex<Vec<Fresh>> = Mutex::new(Vec::new());
    let failed = || anyhow::anyhow!("a renderer failed");
    render::html::render_each_where(
        b,
        |id, _| id.is_none_or(|id| !done.contains(id)),
        |path, html| {
            let body = changed_body(served.get(path), html.as_bytes())?;
            fresh
                .lock()
                .map_err(|_| failed())?
                .push((path.to_string(), body));
            Ok(())
        },
    )?;
    fresh.into_inner().map_err(|_| failed())
}

/// `bytes` compressed for keeping, or `None` when they are the bytes of `served`.
fn changed_body(served: Option<&Page>, bytes: &[u8]) -> std::io::Result<Option<Body>> {
    let digest = Body::digest(bytes);
    if served.is_some_and(|p| *p.body.sha256() == digest) {
        return Ok(None);
    }
    Body::pack_hashed(bytes, digest).map(Some)
}

/// Where the changes since the baselines are served.
const CHANGES_PAGE: &str = "changes.html";

/// Where the search index is served.
const SEARCH_SCRIPT: &str = "search-index.js";

fn hash_of(value: impl Hash) -> u64 {
    let mut h = FxHasher::default();
    value.hash(&mut h);
    h.finish()
}

/// The multiply-rotate hash rustc and Firefox use: several times faster than the
/// standard library's SipHash on short strings, which matters when fingerprinting ten
/// thousand records on every save. Not resistant to chosen collisions, which do not
/// arise here (an author gains nothing from a stale preview page).
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(word));
        }
        for &b in chunks.remainder() {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Face and links fingerprints of every record of the view, by key.
fn fingerprints(
    view: &View,
    a: &Analysis,
    hashes: &HashMap<String, String>,
    attachments: &BTreeSet<String>,
) -> HashMap<String, Prints> {
    let site = &view.site;
    let key = |i: usize| site.records[i].key.as_str();
    (0..site.records.len())
        .into_par_iter()
        .map(|i| {
            let rec = &site.records[i];
            let face = hash_of((
                &rec.id,
                &rec.title,
                rec.status,
                rec.rtype,
                (a.overdue[i], a.rag[i], a.state_of(i), a.evidenced[i]),
            ));
            let mut h = FxHasher::default();
            for rf in &rec.refs {
                (rf.field, &rf.id, rf.target.map(key), rf.withheld).hash(&mut h);
            }
            rec.parent.map(key).hash(&mut h);
            for &o in &rec.objectives {
                key(o).hash(&mut h);
            }
            for b in &site.backlinks[i] {
                (key(b.from), b.field).hash(&mut h);
            }
            if let Some(f) = &rec.file {
                (&f.path, rec.file_path().and_then(|p| hashes.get(p))).hash(&mut h);
            }
            for l in &rec.local_links {
                let shown = l.path.as_ref().filter(|p| attachments.contains(*p));
                (&l.dest, shown, shown.and_then(|p| hashes.get(p))).hash(&mut h);
            }
            let prints = Prints {
                face,
                links: h.finish(),
                rtype: rec.rtype,
            };
            (rec.key.clone(), prints)
        })
        .collect()
}

/// What every page's header and footer show: the record types present (the navigation)
/// and the narrative pages.
fn shell_print(view: &View) -> u64 {
    let types: BTreeSet<RecordType> = view.site.records.iter().map(|r| r.rtype).collect();
    let pages: Vec<_> = view
        .site
        .of_type(RecordType::Page)
        .map(|(_, r)| (&r.key, &r.title, r.order))
        .collect();
    hash_of((types, pages))
}

/// How many problems the overlay may not show, and how many of those are errors (the
/// note that counts them is an error only when one of them is).
#[derive(Default)]
struct Hidden {
    total: usize,
    errors: usize,
}

/// The problems the problem overlay may show to `audience` (unknown: as if to an
/// audience that sees only records written for everyone), and how many it may not: a
/// problem in a file holding a record withheld from it, in a record file that could
/// not be read and names an audience, or naming a withheld record's ID or file. Only
/// `internal` sees them all.
fn shown_problems<'a>(
    checked: &'a Checked,
    audience: Option<&str>,
) -> (Vec<&'a crate::diagnostics::Diagnostic>, Hidden) {
    let items = &checked.diagnostics.items;
    if audience == Some(crate::config::INTERNAL) {
        return (items.iter().collect(), Hidden::default());
    }
    let records = &checked.site.records;
    let withheld = |r: &crate::model::Record| match audience {
        Some(a) => !r.visible_to(a),
        None => r.audience.is_some(),
    };
    let mut hidden_files: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut names: Vec<String> = Vec::new();
    for r in records.iter().filter(|r| withheld(r)) {
        hidden_files.extend(r.files());
        names.push(r.key.clone());
    }
    names.extend(hidden_files.iter().map(|p| p.to_lowercase()));
    let readable: std::collections::HashSet<&str> =
        records.iter().map(|r| r.path.as_str()).collect();
    let names_withheld = |message: &str| {
        let lower = message.to_lowercase();
        names.iter().any(|n| {
            lower.match_indices(n.as_str()).any(|(at, _)| {
                let id_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
                let before = lower[..at].chars().next_back();
                let after = lower[at + n.len()..].chars().next();
                // A whole ID or path, not part of a longer one ("a-1" in "a-10").
                !before.is_some_and(id_char) && !after.is_some_and(|c| id_char(c) && c != '.')
            })
        })
    };
    // A record file that could not be read may still be meant for a few: one that
    // names an audience anywhere (however spelt) is taken to be withheld.
    let root = &checked.site.files.root;
    let unreadable_withheld = |path: &str| {
        crate::content::is_record_path(path)
            && !readable.contains(path)
            && std::fs::read(root.join(path)).map_or(true, |bytes| {
                String::from_utf8_lossy(&bytes)
                    .to_lowercase()
                    .contains("audien")
            })
    };
    let mut shown = Vec::new();
    let mut hidden = Hidden::default();
    for d in items {
        if hidden_files.contains(d.path.as_str())
            || unreadable_withheld(&d.path)
            || names_withheld(&d.message)
        {
            hidden.total += 1;
            if d.severity() == Severity::Error {
                hidden.errors += 1;
            }
        } else {
            shown.push(d);
        }
    }
    (shown, hidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output() -> Output {
        Output {
            pages: HashMap::new(),
            search: None,
            generation: 0,
            shared: Arc::new(Shared::new(PathBuf::from("."))),
            root: PathBuf::from("."),
            warnings: Vec::new(),
        }
    }

    /// A page as large and as repetitive as a rendered one (about 10 KB).
    fn page(title: &str) -> String {
        let rows: String = (0..150)
            .map(|i| format!("<tr><td><a href=\"act-{i}.html\">ACT-{i}</a></td></tr>\n"))
            .collect();
        format!("<html><body><h1>{title}</h1><table>\n{rows}</table></body></html>\n")
    }

    #[test]
    fn pages_are_kept_compressed_and_read_back_whole() {
        let mut out = output();
        let html = page("One");
        let changed = out.store(vec![("a.html".into(), html.clone())]);
        assert_eq!(changed.ok(), Some(vec!["a.html".to_string()]));
        let body = &out.pages["a.html"].body;
        assert_eq!(body.bytes().ok(), Some(html.clone().into_bytes()));
        assert_eq!(*body.sha256(), Body::digest(html.as_bytes()));
        assert!(
            body.deflated.len() * 4 < html.len(),
            "{} bytes kept for {}",
            body.deflated.len(),
            html.len()
        );
    }

    #[test]
    fn a_page_rendered_again_unchanged_is_not_stored_again() {
        let mut out = output();
        let stored = out.store(vec![
            ("a.html".into(), page("One")),
            ("b.html".into(), page("Two")),
        ]);
        assert_eq!(stored.map(|c| c.len()).ok(), Some(2));
        out.generation += 1;
        let again = out.store(vec![
            ("a.html".into(), page("One")),
            ("b.html".into(), page("Three")),
        ]);
        assert_eq!(again.ok(), Some(vec!["b.html".to_string()]));
        assert_eq!(out.pages["a.html"].version, 1);
        assert_eq!(out.pages["b.html"].version, 2);
        let b = out.pages["b.html"].body.bytes().unwrap_or_default();
        assert_eq!(String::from_utf8_lossy(&b), page("Three"));
    }
}
