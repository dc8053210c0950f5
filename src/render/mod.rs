//! Renderers: functions of one audience's analysed view, each writing one kind of
//! output. None of them filters, re-validates or works out a fact again: what they are
//! given is what the audience may see, with every derived fact already decided
//! ([`crate::analysis`]) and every value's wording shared ([`crate::present`]).
//!
//! The site audience's outputs are listed once, in [`OUTPUTS`]: a new format is a new
//! file here and one line there.

pub mod data;
pub mod html;
pub mod pdf;
pub mod search;
pub mod svg;
pub mod theme;
pub mod xlsx;

use crate::analysis::Analysis;
use crate::date::Date;
use crate::model::view::View;
use crate::model::Site;
use crate::pipeline::Analysed;
use anyhow::Result;
use std::collections::{BTreeSet, HashMap};
use std::io::Write;

/// Everything a renderer of the site audience's outputs reads.
pub struct Build<'a> {
    pub view: &'a View,
    pub analysis: &'a Analysis,
    /// Content files the site copies to `site/files/` (referenced by visible records).
    pub attachments: &'a BTreeSet<String>,
    pub as_of: Date,
    pub theme: &'a theme::Theme,
    /// SHA-256 of content files, by path inside the content folder.
    pub hashes: &'a HashMap<String, String>,
    /// Attachment sizes in bytes, by path (from the pipeline: renderers read no files).
    pub sizes: &'a HashMap<String, u64>,
    /// PDF packs linked from the site: `{title, href}`.
    pub site_packs: Vec<serde_json::Value>,
    /// What changed since the baselines (SPEC §13.5), when any were given.
    pub changes: Option<&'a crate::changes::Changes>,
}

impl<'a> Build<'a> {
    pub fn new(
        analysed: &'a Analysed,
        as_of: Date,
        theme: &'a theme::Theme,
        hashes: &'a HashMap<String, String>,
    ) -> Build<'a> {
        Build {
            view: &analysed.view,
            analysis: &analysed.analysis,
            attachments: &analysed.attachments,
            sizes: &analysed.sizes,
            as_of,
            theme,
            hashes,
            site_packs: Vec::new(),
            changes: None,
        }
    }

    pub fn site(&self) -> &Site {
        &self.view.site
    }
}

/// Where an output hands each file it makes, by its path inside the output folder
/// (the build's staging folder). Called from several threads.
pub trait Sink: Sync {
    /// Writes a whole file.
    fn write(&self, path: &str, bytes: &[u8]) -> Result<()>;

    /// Writes a file as `make` produces it, for an output too big to hold whole:
    /// `records.json` of 10,000 records is 32 MB, and holding it was the largest
    /// allocation of a build (issue 25).
    fn write_with(
        &self,
        path: &str,
        make: &mut dyn FnMut(&mut dyn Write) -> Result<()>,
    ) -> Result<()>;
}

/// Where an output hands its files.
pub type Emit<'e> = &'e dyn Sink;

/// One output of the site audience: writes its files through `emit` and says how many.
pub type Output = fn(&Build<'_>, Emit<'_>) -> Result<usize>;

/// The outputs `assure build` writes for the site audience, by name (the PDF packs,
/// each for its own audience, and the attachment copies come beside them).
pub const OUTPUTS: &[(&str, Output)] = &[
    ("site pages", html::write),
    ("search index", search::write),
    ("records.json", data::write_json),
    ("CSV trackers", data::write_csv),
    ("tracker.xlsx", xlsx::write),
    ("theme files", theme::write),
    ("changes page", html::write_changes),
];
