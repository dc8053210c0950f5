//! Renderers: functions of one audience [`View`] and its readiness, each writing one
//! kind of output (website pages, search index, data exports). None of them filters or
//! re-validates: what they are given is what the audience may see.

pub mod data;
pub mod html;
pub mod pdf;
pub mod search;
pub mod theme;

use crate::date::Date;
use crate::model::view::View;
use crate::model::Site;
use crate::readiness::Readiness;
use std::collections::{BTreeSet, HashMap};

/// Everything a renderer reads.
pub struct Build<'a> {
    pub view: &'a View,
    pub readiness: Readiness,
    pub as_of: Date,
    pub theme: &'a theme::Theme,
    /// SHA-256 of content files, by path inside the content folder.
    pub hashes: &'a HashMap<String, String>,
    /// Content files the site copies to `site/files/` (referenced by visible records).
    pub attachments: BTreeSet<String>,
    /// PDF packs linked from the site: `{title, href}`.
    pub site_packs: Vec<serde_json::Value>,
}

impl Build<'_> {
    pub fn site(&self) -> &Site {
        &self.view.site
    }
}

/// The attachments visible records reference: evidence files and relative links.
pub fn attachments(view: &View) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for rec in &view.site.records {
        // Paths were checked and normalised when the site was linked.
        out.extend(rec.file_path().map(str::to_string));
        out.extend(rec.local_links.iter().filter_map(|l| l.path.clone()));
    }
    out
}
