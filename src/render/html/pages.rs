//! Which pages the site has, and rendering them on several threads as they are
//! wanted (`build` writes them all; `serve` re-renders a few).

use super::{PageLinks, Pages};
use crate::markdown;
use crate::model::schema::{RecordType, ALL_TYPES};
use crate::render::{Build, Emit};
use anyhow::Result;
use rayon::prelude::*;

/// One page to render.
#[derive(Clone, Copy)]
enum Job {
    Record(usize),
    List(RecordType),
    Dashboard,
    Matrix,
    Timeline,
    Search,
    Accessibility,
}

/// The site's pages as an output: each written to `site/<path>` as it is rendered.
pub fn write(b: &Build<'_>, emit: Emit<'_>) -> Result<usize> {
    render_each(b, |path, html| {
        emit.write(&format!("site/{path}"), html.as_bytes())
    })
}

/// Renders every page of the site and hands each to `emit` (path inside `site/`, HTML)
/// as soon as it is made, from several threads, in no particular order; returns the
/// number of pages. Pages are never all held in memory at once.
pub fn render_each(b: &Build<'_>, emit: impl Fn(&str, &str) -> Result<()> + Sync) -> Result<usize> {
    render_jobs(b, |_, _| true, emit)
}

/// [`render_each`] for the pages `wanted` accepts (as in [`render_some`]): `serve`
/// re-renders the pages it has not already brought up to date and keeps those that
/// differ, without holding them all.
pub fn render_each_where(
    b: &Build<'_>,
    wanted: impl Fn(Option<&str>, &str) -> bool + Sync,
    emit: impl Fn(&str, &str) -> Result<()> + Sync,
) -> Result<usize> {
    render_jobs(b, wanted, emit)
}

/// Renders the pages `wanted` accepts, given a record page's record ID, or `None` and
/// the section of any other page (`index`, `matrix`, `timeline`, `search`,
/// `accessibility`, or a list's folder). `serve` uses it to re-render a few pages.
pub fn render_some(
    b: &Build<'_>,
    wanted: impl Fn(Option<&str>, &str) -> bool + Sync,
) -> Result<Vec<(String, String)>> {
    let out = std::sync::Mutex::new(Vec::new());
    render_jobs(b, wanted, |path, html| {
        out.lock()
            .map_err(|_| anyhow::anyhow!("a renderer failed"))?
            .push((path.to_string(), html.to_string()));
        Ok(())
    })?;
    out.into_inner()
        .map_err(|_| anyhow::anyhow!("a renderer failed"))
}

/// Every page of the site, in no particular order (for `serve`, which keeps them).
pub fn render(b: &Build<'_>) -> Result<Vec<(String, String)>> {
    render_some(b, |_, _| true)
}

fn render_jobs(
    b: &Build<'_>,
    wanted: impl Fn(Option<&str>, &str) -> bool + Sync,
    emit: impl Fn(&str, &str) -> Result<()> + Sync,
) -> Result<usize> {
    let pages = Pages::new(b);
    let site = b.site();
    // The big pages first, so that they do not finish last on one thread.
    let mut jobs = vec![Job::Matrix, Job::Dashboard];
    jobs.extend(
        ALL_TYPES
            .into_iter()
            // Narrative pages are listed in every page's footer and on the dashboard;
            // a list of them would be a page nothing links to.
            .filter(|t| *t != RecordType::Page && site.of_type(*t).next().is_some())
            .map(Job::List),
    );
    jobs.extend([Job::Timeline, Job::Search, Job::Accessibility]);
    jobs.extend((0..site.records.len()).map(Job::Record));
    jobs.retain(|job| match *job {
        Job::Record(i) => wanted(Some(&site.records[i].id), ""),
        Job::List(t) => wanted(None, t.folder()),
        Job::Dashboard => wanted(None, "index"),
        Job::Matrix => wanted(None, "matrix"),
        Job::Timeline => wanted(None, "timeline"),
        Job::Search => wanted(None, "search"),
        Job::Accessibility => wanted(None, "accessibility"),
    });
    let count = jobs.len();
    jobs.into_par_iter()
        // One job per task: record pages cost about the same, the big pages much more.
        .with_max_len(1)
        .try_for_each(|job| {
            let (path, html) = pages.page(job)?;
            emit(&path, &html)
        })?;
    Ok(count)
}

impl Pages<'_> {
    fn page(&self, job: Job) -> Result<(String, String)> {
        match job {
            Job::Record(i) => self.record_page(i),
            Job::List(t) => self.list_page(t),
            Job::Dashboard => self.dashboard(),
            Job::Matrix => self.matrix(),
            Job::Timeline => self.timeline(),
            Job::Search => self.simple_page("search.html", "Search", "search.html", String::new()),
            Job::Accessibility => {
                let config = &self.b.site().config;
                let statement = crate::config::accessibility_statement(config);
                let no_links = PageLinks {
                    b: self.b,
                    root: "",
                    record: None,
                };
                self.simple_page(
                    "accessibility.html",
                    "Accessibility statement",
                    "page.html",
                    markdown::to_html(&statement, &no_links),
                )
            }
        }
    }
}
