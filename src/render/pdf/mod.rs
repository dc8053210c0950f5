//! PDF packs (SPEC §10): one document per pack in `site.yaml`, filtered for the pack's
//! own audience, laid out by our [`layout`] engine on printpdf.
//!
//! This module decides what a pack says — cover, contents, the sections in order, the
//! evidence register with hashes — as layout [`Block`]s; `layout` decides where it goes.

pub mod blocks;
mod changes;
pub mod layout;

use crate::analysis::{after_as_of, GapKind};
use crate::config::{Pack, PackKind, References, Section};
use crate::date::Date;
use crate::markdown::{LinkTarget, Links};
use crate::model::schema::{FieldKind, RecordType};
use crate::model::view::{View, WITHHELD_ID};
use crate::model::{Record, Site};
use crate::pipeline::Analysed;
use crate::present::{self, field_label, label, AFTER_AS_OF};
use anyhow::Result;
use blocks::{body_blocks, PackLinks};
use layout::{Block, DocInfo, FontFiles, Fonts, Inline, Link};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

/// The embedded font family (Liberation, SIL Open Font License); system fonts are
/// never read, so a pack comes out the same on every machine.
pub(crate) fn fonts() -> Result<&'static Fonts> {
    static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Fonts::load(&FontFiles {
                regular: include_bytes!("../../../themes/default/fonts/LiberationSans-Regular.ttf"),
                bold: include_bytes!("../../../themes/default/fonts/LiberationSans-Bold.ttf"),
                italic: include_bytes!("../../../themes/default/fonts/LiberationSans-Italic.ttf"),
                bold_italic: include_bytes!(
                    "../../../themes/default/fonts/LiberationSans-BoldItalic.ttf"
                ),
                mono: include_bytes!("../../../themes/default/fonts/LiberationMono-Regular.ttf"),
            })
        })
        .as_ref()
        .map_err(|e| anyhow::anyhow!("cannot load the PDF fonts: {e}"))
}

/// Everything a pack is made from: the analysed view of the pack's own audience.
pub struct PackInput<'a> {
    pub analysed: &'a Analysed,
    pub pack: &'a Pack,
    pub as_of: Date,
    /// The date the pack is issued on (the cover, the PDF's dates).
    pub issued: Date,
    /// SHA-256 of content files by path.
    pub hashes: &'a HashMap<String, String>,
    pub content_sha256: &'a str,
    /// What changed since the baselines, for the pack's audience (SPEC §13.5).
    pub changes: Option<&'a crate::changes::Changes>,
}

/// One pack being written: its audience's analysed view and the records it includes.
struct PackDoc<'a> {
    view: &'a View,
    a: &'a crate::analysis::Analysis,
    input: &'a PackInput<'a>,
    /// Indices (in the view) of records with an anchor in this pack.
    included: BTreeSet<usize>,
    /// Records referred to that are not included, as the sections are written: with
    /// `references: appendix` they make the appendix.
    outside: RefCell<BTreeSet<usize>>,
    /// The records of the appendix (also in `included`).
    appendix: BTreeSet<usize>,
}

/// `[[ID]]` resolution inside one record's body.
struct BodyLinks<'a> {
    doc: &'a PackDoc<'a>,
    record: &'a Record,
}

impl Links for BodyLinks<'_> {
    fn target(&self, id: &str) -> Option<LinkTarget> {
        if id == WITHHELD_ID {
            return Some(LinkTarget::Withheld);
        }
        self.doc.view.site.get(id).map(|r| LinkTarget::Unlinked {
            title: r.title.clone(),
        })
    }
    fn local(&self, _dest: &str) -> Option<String> {
        None
    }
}

impl PackLinks for BodyLinks<'_> {
    fn anchor(&self, id: &str) -> Option<String> {
        let i = *self.doc.view.site.index.get(&id.to_lowercase())?;
        self.doc.referred(i);
        self.doc
            .included
            .contains(&i)
            .then(|| self.doc.view.site.records[i].key.clone())
    }

    fn references(&self) -> References {
        self.doc.input.pack.references()
    }

    fn image(&self, dest: &str) -> Option<Vec<u8>> {
        // The pipeline gives only files the audience may see.
        let path = self.record.local_path(dest)?;
        self.doc.input.analysed.attachment_bytes(path)
    }
}

fn heading(level: u8, text: &str, anchor: Option<&str>, outline: bool) -> Block {
    Block::Heading {
        level,
        text: vec![Inline::plain(text)],
        anchor: anchor.map(str::to_string),
        outline,
    }
}

/// A record's heading, "ID: title", with the ID kept on one line; the title alone in
/// a letter or report (SPEC §14.10: no IDs in headings).
fn record_heading(kind: PackKind, level: u8, r: &Record, outline: bool) -> Block {
    let text = if kind.plain() {
        vec![Inline::plain(r.title.clone())]
    } else {
        vec![
            Inline::id(r.id.clone()),
            Inline::plain(format!(": {}", r.title)),
        ]
    };
    Block::Heading {
        level,
        text,
        anchor: Some(r.key.clone()),
        outline,
    }
}

/// The row a record marked `illustrative:` carries first in its list of facts, so
/// that a reader of the pack sees it is not a fact before reading it.
fn illustrative_row(r: &Record) -> Option<(String, Vec<Inline>)> {
    r.illustrative.as_deref().map(|why| {
        (
            field_label("illustrative"),
            vec![Inline::bold(present::illustrative_note(why))],
        )
    })
}

/// The same note on a line of its own inside a table cell (evidence, timeline).
fn illustrative_line(r: &Record) -> Option<Inline> {
    r.illustrative.as_deref().map(|why| {
        Inline::italic(format!(
            "\n{}: {}",
            field_label("illustrative"),
            present::illustrative_note(why)
        ))
    })
}

/// An ID in a table's ID column: monospaced and never broken.
fn id_cell(id: &str) -> Vec<Inline> {
    vec![Inline {
        nobreak: true,
        ..Inline::code(id.to_string())
    }]
}

fn para(text: &str) -> Block {
    Block::Paragraph(vec![Inline::plain(text)])
}

fn cell(text: &str) -> Vec<Inline> {
    vec![Inline::plain(text)]
}

impl<'a> PackDoc<'a> {
    fn site(&self) -> &Site {
        &self.view.site
    }

    fn rec(&self, i: usize) -> &Record {
        &self.view.site.records[i]
    }

    fn kind(&self) -> PackKind {
        self.input.pack.kind
    }

    fn record_heading(&self, level: u8, r: &Record, outline: bool) -> Block {
        record_heading(self.kind(), level, r, outline)
    }

    /// How evidence stands behind a recommendation: through which actions, named by ID
    /// in an evidence pack and counted in a letter or report.
    fn trace_note(&self, b: &crate::analysis::Behind) -> Option<String> {
        if self.kind().plain() {
            present::trace_note_plain(self.site(), b)
        } else {
            present::trace_note(self.site(), b)
        }
    }

    /// Notes that record `i` is referred to; those outside the pack make the appendix.
    fn referred(&self, i: usize) {
        if !self.included.contains(&i) {
            self.outside.borrow_mut().insert(i);
        }
    }

    /// A reference to a record: a link with its page when it is in the pack; otherwise
    /// as the pack's `references` says (SPEC §14.10): "title (ID, not in this pack)",
    /// or the title alone (also for what an appendix record refers to in its turn).
    fn rec_ref(&self, i: usize) -> Vec<Inline> {
        let r = self.rec(i);
        self.referred(i);
        if self.included.contains(&i) && self.kind().plain() {
            vec![
                Inline::link(r.title.clone(), Link::Internal(r.key.clone())),
                Inline::plain(" (p. "),
                Inline::page_of(&r.key),
                Inline::plain(")"),
            ]
        } else if self.included.contains(&i) {
            vec![
                Inline::link(r.title.clone(), Link::Internal(r.key.clone())),
                Inline::plain(" ("),
                Inline::id(r.id.clone()),
                Inline::plain(", p. "),
                Inline::page_of(&r.key),
                Inline::plain(")"),
            ]
        } else {
            let mut line = if self.input.pack.references() == References::Note {
                // SPEC §13.3: the reader knows not to look for it further on.
                vec![
                    Inline::plain(format!("{} (", r.title)),
                    Inline::id(r.id.clone()),
                    Inline::plain(", not in this pack)"),
                ]
            } else {
                // `references: hide`: the title only.
                vec![Inline::plain(r.title.clone())]
            };
            // Its note not being in this pack, the reader is told it is an
            // illustration (issue 30).
            if r.illustrative.is_some() {
                line.push(Inline::italic(" — illustrative"));
            }
            line
        }
    }

    /// A record's field references (`source`, `addresses`, …), withheld ones as such.
    /// A record's plain fields (`schema::Store::Plain`), by their declarations alone:
    /// a new field shows in every record's details without a line here.
    fn plain_rows(&self, i: usize) -> Vec<(String, Vec<Inline>)> {
        let rec = self.rec(i);
        present::plain_fields(rec.rtype)
            .filter_map(|f| {
                let value = match f.kind {
                    FieldKind::Ref(_) | FieldKind::Refs(_) => {
                        let refs = self.field_refs(i, f.name);
                        (!refs.is_empty()).then_some(refs)
                    }
                    _ => rec.plain(f.name).map(|v| cell(&present::plain_text(v))),
                };
                value.map(|v| (present::plain_label(f), v))
            })
            .collect()
    }

    fn field_refs(&self, i: usize, field: &str) -> Vec<Inline> {
        let mut out = Vec::new();
        for rf in self.rec(i).refs_in(field) {
            if !out.is_empty() {
                out.push(Inline::plain("; "));
            }
            match rf.target {
                Some(t) => out.extend(self.rec_ref(t)),
                None if rf.withheld => out.push(Inline::italic("withheld")),
                None => out.push(Inline::id(rf.id.clone())),
            }
        }
        out
    }

    fn body(&self, i: usize, shift: u8) -> Vec<Block> {
        let r = self.rec(i);
        let links = BodyLinks {
            doc: self,
            record: r,
        };
        body_blocks(&r.body, &links, shift)
    }

    fn of_type(&self, t: RecordType) -> Vec<usize> {
        self.site().of_type(t).map(|(i, _)| i).collect()
    }

    fn backlinks(&self, i: usize, field: &str) -> Vec<usize> {
        self.site().backlinks[i]
            .iter()
            .filter(|b| b.field == field)
            .map(|b| b.from)
            .collect()
    }

    fn date(d: Option<crate::date::PartialDate>) -> String {
        d.map(|d| d.long()).unwrap_or_default()
    }

    fn summary(&self, out: &mut Vec<Block>) {
        out.push(heading(1, "Summary", Some("section-summary"), true));
        out.push(Block::KeyValue(self.summary_figures()));
        // The dashboard's charts, drawn from the same chart model (SPEC §13.3).
        for chart in crate::charts::dashboard(self.site(), self.a) {
            chart_blocks(&chart, out);
        }
        for kind in GapKind::ALL {
            self.gap_list(kind, out);
        }
        self.readiness_history(out);
    }

    /// The summary's figures: readiness and its date, the counts by status, RAG and
    /// state, and how many records each gap list holds.
    fn summary_figures(&self) -> Vec<(String, Vec<Inline>)> {
        let a = self.a;
        let r = a.readiness;
        let g = &a.gaps;
        let site = self.site();
        let mut kv = vec![
            (
                "Readiness".into(),
                // SPEC §14.3: met and evidenced first, each count before its share.
                present::readiness_parts(&r)
                    .into_iter()
                    .map(|(t, bold)| {
                        if bold {
                            Inline::bold(t)
                        } else {
                            Inline::plain(t)
                        }
                    })
                    .collect(),
            ),
            ("Readiness date".into(), cell(&self.input.as_of.long())),
        ];
        let counts = |by: Vec<(&str, usize)>| -> Vec<Inline> {
            let text = by
                .into_iter()
                .map(|(w, n)| format!("{} {n}", label(w)))
                .collect::<Vec<_>>()
                .join(" · ");
            cell(if text.is_empty() { "none" } else { &text })
        };
        let states = a
            .by_state()
            .into_iter()
            .map(|(s, n)| (s.name(), n))
            .collect();
        for (title, by) in [
            (
                "Recommendations by status",
                a.by_status(site, RecordType::Recommendation),
            ),
            ("Actions by status", a.by_status(site, RecordType::Action)),
            ("Actions by RAG", a.by_rag()),
            ("Evidence by state", states),
        ] {
            kv.push((title.into(), counts(by)));
        }
        // The unevidenced are the readiness figure's complement; the rest are counted.
        for kind in GapKind::ALL.into_iter().skip(1) {
            kv.push((
                present::gap_label(kind).into(),
                cell(&g.list(kind).len().to_string()),
            ));
        }
        kv.push((
            "Due dates moved".into(),
            cell(&g.due_moved.len().to_string()),
        ));
        kv
    }

    /// One gap list under its heading: a table of its records, or "None.".
    fn gap_list(&self, kind: GapKind, out: &mut Vec<Block>) {
        let title = &present::gap_heading(kind);
        let cols: &[&str] = match kind {
            GapKind::Unevidenced => &["Recommendation", "Status", "Due"],
            GapKind::PastDue => &["Recommendation", "Owner", "Due", "Days past due", "Status"],
            GapKind::Overdue => &["Action", "Owner", "Due", "Days past due", "Status"],
            GapKind::Expired | GapKind::Stale => &["Evidence", "Reviewed", "Expires"],
            // No hashes in a letter or report (SPEC §14.10): who holds it instead.
            GapKind::Changed if self.kind().plain() => &["Evidence", "Owner", "Held at"],
            GapKind::Changed => &["Evidence", "Recorded SHA-256", "Actual SHA-256"],
            GapKind::Unsigned => &["Evidence", "Owner", "Held at"],
        };
        out.push(heading(2, title, None, false));
        let items = self.a.gap_in_order(self.site(), kind);
        if items.is_empty() {
            out.push(para("None."));
            return;
        }
        let rows = items.iter().map(|&i| self.gap_row(kind, i)).collect();
        out.push(Block::Table {
            header: cols.iter().map(|c| vec![Inline::bold(*c)]).collect(),
            rows,
        });
    }

    /// Record `i`'s row in gap list `kind`, its cells as [`Self::gap_list`] heads them.
    fn gap_row(&self, kind: GapKind, i: usize) -> Vec<Vec<Inline>> {
        let due = |rec: &Record| cell(&present::due_text(rec).unwrap_or_default());
        let rec = self.rec(i);
        let owner = cell(rec.owner.as_deref().unwrap_or(""));
        let mut row = vec![self.rec_ref(i)];
        match kind {
            GapKind::Unevidenced => {
                row.push(cell(&label(rec.status)));
                row.push(due(rec));
            }
            GapKind::PastDue | GapKind::Overdue => {
                row.push(owner);
                row.push(due(rec));
                let days = self.a.late_by(self.site(), i).unwrap_or(0);
                row.push(cell(&days.to_string()));
                row.push(cell(&label(rec.status)));
            }
            GapKind::Unsigned | GapKind::Changed if self.kind().plain() => {
                row.push(owner);
                row.push(cell(&present::held_at(rec).unwrap_or_default()));
            }
            GapKind::Changed => {
                row.push(cell(&short_hash(rec.sha256.as_deref())));
                row.push(cell(&short_hash(self.actual_hash(rec).map(String::as_str))));
            }
            GapKind::Expired | GapKind::Stale => {
                row.push(cell(&Self::date(rec.reviewed.or(rec.date))));
                row.push(cell(&Self::date(rec.expires)));
            }
            GapKind::Unsigned => {
                row.push(owner);
                row.push(cell(&present::held_at(rec).unwrap_or_default()));
            }
        }
        row
    }

    fn actual_hash(&self, rec: &Record) -> Option<&String> {
        rec.file_path().and_then(|p| self.input.hashes.get(p))
    }

    fn recommendations(&self, out: &mut Vec<Block>) {
        out.push(heading(
            1,
            "Recommendations",
            Some("section-recommendations"),
            true,
        ));
        let recs = self.of_type(RecordType::Recommendation);
        if recs.is_empty() {
            out.push(para("There are no recommendations."));
        }
        // Grouped by the review that made them, oldest review first (SPEC §13.3), as
        // the chart of recommendations by review orders them.
        let mut groups: Vec<(Option<usize>, Vec<usize>)> = Vec::new();
        for &i in &recs {
            let source = self.rec(i).targets("source").next();
            match groups.iter_mut().find(|(s, _)| *s == source) {
                Some((_, items)) => items.push(i),
                None => groups.push((source, vec![i])),
            }
        }
        let date_of = |s: &Option<usize>| s.and_then(|r| self.rec(r).date.map(|d| d.first_day()));
        groups.sort_by_key(|(s, _)| (s.is_none(), date_of(s), *s));
        for (source, mut items) in groups {
            items.sort_by(|&x, &y| natural_cmp(&self.rec(x).id, &self.rec(y).id));
            let title = match source {
                Some(r) => {
                    let review = self.rec(r);
                    match review.date {
                        Some(d) => format!("From {} ({})", review.title, d.long()),
                        None => format!("From {}", review.title),
                    }
                }
                None => "Without a source review".to_string(),
            };
            out.push(heading(2, &title, None, true));
            for i in items {
                self.recommendation(i, out);
            }
        }
    }

    fn recommendation(&self, i: usize, out: &mut Vec<Block>) {
        {
            let rec = self.rec(i);
            out.push(self.record_heading(3, rec, true));
            let mut kv: Vec<_> = illustrative_row(rec).into_iter().collect();
            kv.push((field_label("status"), vec![Inline::bold(label(rec.status))]));
            if rec.refs_in("source").next().is_some() {
                kv.push((field_label("source"), self.field_refs(i, "source")));
            }
            kv.extend(self.plain_rows(i));
            if let Some(p) = rec.priority {
                kv.push((field_label("priority"), cell(&label(p))));
            }
            if let Some(due) = present::due_text(rec) {
                let mut due = vec![Inline::plain(due)];
                if let Some(days) = self.a.late_by(self.site(), i) {
                    due.push(Inline::bold(format!(" ({})", present::days_past_due(days))));
                }
                kv.push((field_label("due"), due));
            }
            if let Some(owner) = &rec.owner {
                kv.push((field_label("owner"), cell(owner)));
            }
            if let Some(s) = &rec.agreed {
                kv.push((field_label("agreed"), cell(&present::sign_off_text(s))));
            }
            let word = present::evidence_word(self.site(), self.a, i);
            kv.push((
                "Evidence".into(),
                vec![if self.a.evidenced[i] {
                    Inline::plain(label(word))
                } else {
                    Inline::bold(label(word))
                }],
            ));
            out.push(Block::KeyValue(kv));
            out.extend(self.body(i, 3));
            let actions = self.backlinks(i, "addresses");
            out.push(heading(4, "Actions answering this", None, false));
            if actions.is_empty() {
                out.push(para("None."));
            } else {
                out.push(bullets(actions.iter().map(|&a| {
                    let mut line = self.rec_ref(a);
                    line.push(Inline::plain(format!(" — {}", label(self.rec(a).status))));
                    line
                })));
            }
            let trace = &self.a.trace[i];
            out.push(heading(4, "Evidence", None, false));
            if trace.is_empty() {
                out.push(para("None."));
            } else {
                out.push(bullets(trace.iter().map(|b| {
                    let mut line = self.rec_ref(b.evidence);
                    let mut notes = Vec::new();
                    if let Some(state) = self.a.state_of(b.evidence) {
                        notes.push(label(state.name()));
                    }
                    notes.extend(self.trace_note(b));
                    line.extend(italic_with_ids(&format!(" — {}", notes.join("; "))));
                    line
                })));
            }
        }
    }

    fn anchors(&self, out: &mut Vec<Block>, items: &[usize]) {
        for &i in items {
            out.push(Block::Anchor(self.rec(i).key.clone()));
        }
    }

    fn actions(&self, out: &mut Vec<Block>) {
        out.push(heading(1, "Actions", Some("section-actions"), true));
        let items = self.of_type(RecordType::Action);
        if items.is_empty() {
            out.push(para("There are no actions."));
            return;
        }
        for i in items {
            let a = self.rec(i);
            out.push(self.record_heading(2, a, true));
            let mut kv: Vec<_> = illustrative_row(a).into_iter().collect();
            if let Some(owner) = &a.owner {
                kv.push((field_label("owner"), cell(owner)));
            }
            if let Some(text) = present::due_text(a) {
                let mut due = vec![Inline::plain(text)];
                if let Some(days) = self.a.late_by(self.site(), i) {
                    due.push(Inline::bold(format!(" ({})", present::days_overdue(days))));
                }
                kv.push((field_label("due"), due));
            }
            kv.push((field_label("status"), cell(&label(a.status))));
            if let Some(rag) = self.a.rag[i] {
                kv.push((field_label("rag"), cell(&label(rag))));
            }
            for field in ["addresses", "objective"] {
                if a.refs_in(field).next().is_some() {
                    kv.push((field_label(field), self.field_refs(i, field)));
                }
            }
            kv.extend(self.plain_rows(i));
            out.push(Block::KeyValue(kv));
            // The evidence that supports this action, with its state.
            let evidence = self.backlinks(i, "supports");
            out.push(heading(4, "Evidence", None, false));
            if evidence.is_empty() {
                out.push(para("None."));
            } else {
                out.push(bullets(evidence.iter().map(|&e| {
                    let mut line = self.rec_ref(e);
                    if let Some(state) = self.a.state_of(e) {
                        line.push(Inline::italic(format!(" — {}", label(state.name()))));
                    }
                    line
                })));
            }
        }
    }

    fn plans(&self, out: &mut Vec<Block>) {
        out.push(heading(1, "Plans", Some("section-plans"), true));
        let plans = self.of_type(RecordType::Plan);
        if plans.is_empty() {
            out.push(para("There are no plans."));
        }
        for i in plans {
            let p = self.rec(i);
            out.push(self.record_heading(2, p, true));
            let mut kv: Vec<_> = illustrative_row(p).into_iter().collect();
            kv.push((field_label("status"), cell(&label(p.status))));
            if p.period_start.is_some() || p.period_end.is_some() {
                kv.push((
                    "Period".into(),
                    cell(&format!(
                        "{} – {}",
                        Self::date(p.period_start),
                        Self::date(p.period_end)
                    )),
                ));
            }
            if p.approved.is_some() {
                kv.push((field_label("approved"), cell(&Self::date(p.approved))));
            }
            kv.extend(self.plain_rows(i));
            out.push(Block::KeyValue(kv));
            out.extend(self.body(i, 2));
            for &o in &p.objectives {
                let obj = self.rec(o);
                out.push(self.record_heading(3, obj, false));
                out.extend(self.body(o, 3));
                let actions = self.backlinks(o, "objective");
                if actions.is_empty() {
                    out.push(Block::Paragraph(vec![Inline::italic(
                        "No actions under this objective.",
                    )]));
                } else {
                    out.push(bullets(actions.iter().map(|&a| self.rec_ref(a))));
                }
            }
        }
    }

    fn evidence(&self, out: &mut Vec<Block>) {
        let title = match self.kind() {
            // SPEC §14.10: a committee report's background papers are its evidence.
            PackKind::Report => "Background papers",
            _ => "Evidence register",
        };
        out.push(heading(1, title, Some("section-evidence"), true));
        let mut items = self.of_type(RecordType::Evidence);
        if items.is_empty() {
            out.push(para("There is no evidence."));
            return;
        }
        // Natural ID order (SPEC §14.1): ev-2 before ev-10.
        items.sort_by(|&x, &y| natural_cmp(&self.rec(x).id, &self.rec(y).id));
        if self.kind().plain() {
            self.papers(out, &items);
            return;
        }
        out.push(para(
            "SHA-256 shows the first 12 hexadecimal digits of each file's hash as built; a file whose recorded hash differs is flagged.",
        ));
        self.anchors(out, &items);
        let rows = items.iter().map(|&i| self.evidence_row(i)).collect();
        out.push(Block::Table {
            header: [
                "ID",
                "Title, kind, where held",
                "Dated, reviewed",
                "State",
                "Supports",
                "SHA-256",
            ]
            .iter()
            .map(|c| vec![Inline::bold(*c)])
            .collect(),
            rows,
        });
    }

    /// Evidence `i`'s row in the register: its ID, its title with where it is held,
    /// its dates, its state, what it supports, and its file's hash (flagged when it
    /// differs from the one recorded).
    fn evidence_row(&self, i: usize) -> Vec<Vec<Inline>> {
        let e = self.rec(i);
        let actual = self.actual_hash(e);
        let mut hash = id_cell(&short_hash(actual.map(String::as_str)));
        if let (Some(recorded), true) = (&e.sha256, self.a.hash_differs(i)) {
            hash.push(Inline::bold(format!(
                " {}",
                present::hash_differs_note(recorded)
            )));
        }
        let mut supports = Vec::new();
        for rf in e.refs_in("supports") {
            // One per line: the column stays as narrow as its longest ID.
            if !supports.is_empty() {
                supports.push(Inline::plain("\n"));
            }
            if rf.withheld {
                supports.push(Inline::italic("withheld"));
            } else {
                supports.push(Inline::id(rf.id.clone()));
            }
        }
        let state = self
            .a
            .state_of(i)
            .map(|s| label(s.name()))
            .unwrap_or_default();
        vec![
            id_cell(&e.id),
            evidence_title(e),
            // Dated above reviewed, in one column: the IDs need the room.
            cell(&format!(
                "{}\n{}",
                or_dash(short_date(e.date)),
                or_dash(short_date(e.reviewed))
            )),
            cell(&state),
            supports,
            hash,
        ]
    }

    /// The evidence as a letter's or report's reader wants it: each document, its date,
    /// its state and where it is held; no IDs or hashes (SPEC §14.10).
    fn papers(&self, out: &mut Vec<Block>, items: &[usize]) {
        out.push(para(
            "Each document, when it was dated and last reviewed, whether it is current, and where it is held.",
        ));
        self.anchors(out, items);
        let rows = items
            .iter()
            .map(|&i| {
                let e = self.rec(i);
                let mut title = vec![Inline::plain(e.title.clone())];
                if let Some(kind) = e.kind {
                    title.push(Inline::italic(format!("\n{}", label(kind))));
                }
                let state = self.a.state_of(i).map(|s| label(s.name()));
                vec![
                    title,
                    cell(&format!(
                        "{}\n{}",
                        or_dash(short_date(e.date)),
                        or_dash(short_date(e.reviewed))
                    )),
                    cell(&state.unwrap_or_default()),
                    cell(&present::held_at(e).unwrap_or_else(|| "Nothing held".into())),
                ]
            })
            .collect();
        out.push(Block::Table {
            header: ["Document", "Dated, reviewed", "State", "Held at"]
                .iter()
                .map(|c| vec![Inline::bold(*c)])
                .collect(),
            rows,
        });
    }

    fn timeline(&self, out: &mut Vec<Block>) {
        out.push(heading(1, "Timeline", Some("section-timeline"), true));
        let mut items = self.of_type(RecordType::Event);
        items.sort_by_key(|&i| (self.rec(i).date.map(|d| d.first_day()), i));
        if items.is_empty() {
            out.push(para("There are no events."));
            return;
        }
        let as_of = self.input.as_of;
        // An event whose date (or, for a month or year, its first day) is after the
        // readiness date had not happened as of it: those are set apart.
        let (known, later): (Vec<usize>, Vec<usize>) = items
            .iter()
            .partition(|&&i| !self.rec(i).date.is_some_and(|d| after_as_of(d, as_of)));
        let table = |rows: &[usize]| Block::Table {
            header: ["Date", "Event", "Kind"]
                .iter()
                .map(|c| vec![Inline::bold(*c)])
                .collect(),
            rows: rows
                .iter()
                .map(|&i| {
                    let e = self.rec(i);
                    let mut event = cell(&e.title);
                    event.extend(illustrative_line(e));
                    vec![
                        cell(&Self::date(e.date)),
                        event,
                        cell(&label(e.kind.unwrap_or(""))),
                    ]
                })
                .collect(),
        };
        self.anchors(out, &known);
        if known.is_empty() {
            out.push(para("No event is dated on or before the readiness date."));
        } else {
            out.push(table(&known));
        }
        out.push(Block::Rule);
        out.push(Block::Paragraph(vec![
            Inline::bold(format!("Readiness date: {}", as_of.long())),
            Inline::plain(format!(
                " — this pack shows the records as they stood on that day; {}.",
                match later.len() {
                    0 => "no event is dated after it".to_string(),
                    1 => "one event is dated after it".to_string(),
                    n => format!("{n} events are dated after it"),
                }
            )),
        ]));
        if !later.is_empty() {
            out.push(heading(
                2,
                &present::sentence_start(AFTER_AS_OF),
                None,
                false,
            ));
            out.push(para(&format!(
                "Planned or expected events, dated {AFTER_AS_OF}."
            )));
            self.anchors(out, &later);
            out.push(table(&later));
        }
    }

    fn reviews(&self, out: &mut Vec<Block>) {
        out.push(heading(
            1,
            "Reviews and inspections",
            Some("section-reviews"),
            true,
        ));
        let items = self.of_type(RecordType::Review);
        if items.is_empty() {
            out.push(para("There are no reviews."));
        }
        for i in items {
            let r = self.rec(i);
            out.push(self.record_heading(2, r, true));
            let mut kv: Vec<_> = illustrative_row(r).into_iter().collect();
            if let Some(k) = r.kind {
                kv.push((field_label("kind"), cell(&label(k))));
            }
            kv.extend(self.plain_rows(i));
            if r.date.is_some() {
                kv.push((field_label("date"), cell(&Self::date(r.date))));
            }
            if !kv.is_empty() {
                out.push(Block::KeyValue(kv));
            }
            if !r.judgements.is_empty() {
                out.push(Block::Table {
                    header: vec![vec![Inline::bold("Area")], vec![Inline::bold("Judgement")]],
                    rows: crate::judgements::words(&self.site().config, r)
                        .into_iter()
                        .map(|j| vec![cell(&j.area), cell(&j.grade)])
                        .collect(),
                });
            }
            out.extend(self.body(i, 2));
            let recs = self.backlinks(i, "source");
            if !recs.is_empty() {
                out.push(heading(3, "Recommendations", None, false));
                out.push(bullets(recs.iter().map(|&x| self.rec_ref(x))));
            }
        }
    }

    /// The indicators (SPEC §14.9): a table of where each stands, then each with its
    /// line chart (a figure with alternative text) and its figures.
    fn indicators(&self, out: &mut Vec<Block>) {
        out.push(heading(1, "Indicators", Some("section-indicators"), true));
        let items = self.of_type(RecordType::Indicator);
        if items.is_empty() {
            out.push(para("There are no indicators."));
            return;
        }
        let header = |cols: &[&str]| -> Vec<Vec<Inline>> {
            cols.iter().map(|c| vec![Inline::bold(*c)]).collect()
        };
        let rows = items.iter().map(|&i| self.indicator_row(i)).collect();
        out.push(Block::Table {
            header: header(&[
                "Indicator",
                "Latest",
                "Period",
                "Target",
                "Against target",
                "Trend",
                "Status",
            ]),
            rows,
        });
        for i in items {
            self.indicator_section(i, out);
        }
    }

    /// Indicator `i`'s row in the table of where each stands: its latest figure and
    /// period, its target, against target, its trend and its status.
    fn indicator_row(&self, i: usize) -> Vec<Vec<Inline>> {
        let r = self.rec(i);
        let f = self.a.indicators[i].as_ref();
        let latest = f.and_then(|f| f.latest).map(|l| &r.values[l]);
        vec![
            self.rec_ref(i),
            cell(
                &latest
                    .map(|v| present::figure(v.value, r.unit))
                    .unwrap_or_else(|| "No figures".into()),
            ),
            cell(&latest.map(|v| v.period.long()).unwrap_or_default()),
            cell(
                &r.target
                    .map(|t| present::figure(t, r.unit))
                    .unwrap_or_default(),
            ),
            cell(
                &f.and_then(|f| f.against)
                    .map(|x| label(x.name()))
                    .unwrap_or_default(),
            ),
            cell(
                &f.and_then(|f| f.trend)
                    .map(|x| label(x.name()))
                    .unwrap_or_default(),
            ),
            cell(&label(r.status)),
        ]
    }

    /// Indicator `i` under its own heading: its details, what it shows progress on,
    /// its line chart (when it has figures) and its text.
    fn indicator_section(&self, i: usize, out: &mut Vec<Block>) {
        let r = self.rec(i);
        out.push(self.record_heading(2, r, true));
        let mut kv: Vec<_> = illustrative_row(r).into_iter().collect();
        kv.extend(self.plain_rows(i));
        if let Some(p) = r.polarity {
            kv.push((field_label("polarity"), cell(&label(p))));
        }
        let relates: Vec<Vec<Inline>> = r.targets("relates").map(|x| self.rec_ref(x)).collect();
        if !relates.is_empty() {
            let mut joined = Vec::new();
            for (k, item) in relates.into_iter().enumerate() {
                if k > 0 {
                    joined.push(Inline::plain("; "));
                }
                joined.extend(item);
            }
            kv.push(("Shows progress on".to_string(), joined));
        }
        if !kv.is_empty() {
            out.push(Block::KeyValue(kv));
        }
        if let Some(f) = self.a.indicators[i]
            .as_ref()
            .filter(|_| !r.values.is_empty())
        {
            chart_blocks(&crate::charts::indicator_chart(r, f), out);
        }
        out.extend(self.body(i, 2));
    }

    /// The risk register (SPEC §14.9): the 5 × 5 grid as a figure, then the register.
    fn risks(&self, out: &mut Vec<Block>) {
        out.push(heading(1, "Risks", Some("section-risks"), true));
        let items = self.of_type(RecordType::Risk);
        if items.is_empty() {
            out.push(para("There are no risks."));
            return;
        }
        let a = self.a;
        if let Some(grid) = crate::charts::risk_grid(self.site(), a) {
            chart_blocks(&grid, out);
        }
        self.anchors(out, &items);
        let rows = items
            .iter()
            .map(|&i| {
                let r = self.rec(i);
                let facts = a.risks[i].unwrap_or_default();
                let review = match (Self::date(r.review_by), facts.review_overdue) {
                    (d, true) => format!("{d} ({})", label("review-overdue").to_lowercase()),
                    (d, false) => d,
                };
                let mitigations: Vec<String> = r
                    .targets("mitigations")
                    .map(|x| self.rec(x).id.clone())
                    .collect();
                vec![
                    vec![
                        Inline::id(r.id.clone()),
                        Inline::plain(format!(": {}", r.title)),
                    ],
                    cell(r.owner.as_deref().unwrap_or("")),
                    cell(&r.likelihood.map(|l| l.to_string()).unwrap_or_default()),
                    cell(&r.impact.map(|l| l.to_string()).unwrap_or_default()),
                    cell(
                        &facts
                            .score
                            .map(|s| {
                                format!("{s} ({})", label(present::risk_band(s)).to_lowercase())
                            })
                            .unwrap_or_default(),
                    ),
                    cell(&review),
                    cell(&mitigations.join(", ")),
                    cell(&label(r.status)),
                ]
            })
            .collect();
        out.push(Block::Table {
            header: [
                "Risk",
                "Owner",
                "Likelihood",
                "Impact",
                "Score",
                "Review by",
                "Mitigations",
                "Status",
            ]
            .iter()
            .map(|c| vec![Inline::bold(*c)])
            .collect(),
            rows,
        });
    }

    fn matrix(&self, out: &mut Vec<Block>) {
        out.push(heading(
            1,
            "Traceability matrix",
            Some("section-matrix"),
            true,
        ));
        let recs = self.of_type(RecordType::Recommendation);
        let join = |items: Vec<usize>| -> Vec<Inline> {
            let mut line = Vec::new();
            for (n, i) in items.into_iter().enumerate() {
                if n > 0 {
                    line.push(Inline::plain("; "));
                }
                line.push(Inline::id(self.rec(i).id.clone()));
            }
            if line.is_empty() {
                line.push(Inline::italic("none"));
            }
            line
        };
        let rows = recs
            .iter()
            .map(|&i| {
                let actions = self.backlinks(i, "addresses");
                let rec = self.rec(i);
                let mut first = vec![Inline::id(rec.id.clone()), Inline::plain(" ")];
                first.push(Inline::plain(rec.title.clone()));
                // The same trace the recommendation's section and the site show.
                let mut evidence = Vec::new();
                for (n, b) in self.a.trace[i].iter().enumerate() {
                    if n > 0 {
                        evidence.push(Inline::plain("; "));
                    }
                    evidence.push(Inline::id(self.rec(b.evidence).id.clone()));
                    let mut notes = Vec::new();
                    if let Some(state) = self.a.state_of(b.evidence) {
                        notes.push(label(state.name()));
                    }
                    notes.extend(self.trace_note(b));
                    evidence.extend(italic_with_ids(&format!(" ({})", notes.join("; "))));
                }
                if evidence.is_empty() {
                    evidence.push(Inline::italic("none"));
                }
                let word = present::evidence_word(self.site(), self.a, i);
                vec![
                    first,
                    join(actions),
                    evidence,
                    vec![if word == "not-evidenced" {
                        Inline::bold("GAP")
                    } else {
                        Inline::plain(label(word))
                    }],
                ]
            })
            .collect();
        out.push(Block::Table {
            header: ["Recommendation", "Actions", "Evidence", "Evidenced"]
                .iter()
                .map(|c| vec![Inline::bold(*c)])
                .collect(),
            rows,
        });
    }

    /// An author's page under its title, or under a report part's `heading`.
    fn page(&self, id: &str, part: Option<&str>, out: &mut Vec<Block>) {
        let Some(&i) = self.site().index.get(&id.to_lowercase()) else {
            return;
        };
        let p = self.rec(i);
        out.push(heading(1, part.unwrap_or(&p.title), Some(&p.key), true));
        if let Some(row) = illustrative_row(p) {
            out.push(Block::KeyValue(vec![row]));
        }
        out.extend(self.body(i, 1));
    }
}

/// An evidence register's title cell: the title, its kind under it (eight columns would
/// not fit the page), where it is held and who signed it off (SPEC §14.1, §14.2).
fn evidence_title(e: &Record) -> Vec<Inline> {
    let mut title = vec![Inline::plain(e.title.clone())];
    if let Some(kind) = e.kind {
        title.push(Inline::italic(format!("\n{}", label(kind))));
    }
    title.push(Inline::plain(format!(
        "\n{}: {}",
        field_label("location"),
        present::held_at(e).unwrap_or_else(|| "nothing held".into())
    )));
    if let Some(s) = &e.signed_off {
        title.push(Inline::plain(format!(
            "\nSigned off by {}",
            present::sign_off_text(s)
        )));
    }
    title.extend(illustrative_line(e));
    title
}

/// A chart as its title, its drawing (whose alternative text is the title and the
/// summary), the summary and its table of numbers.
pub(super) fn chart_blocks(chart: &crate::charts::Chart, out: &mut Vec<Block>) {
    let d = &chart.drawing;
    let shapes = d.shapes.iter().map(drawn).collect();
    out.push(heading(2, &chart.title, None, false));
    out.push(Block::Drawing(layout::Drawing {
        width: d.width,
        height: d.height,
        shapes,
        alt: format!("{}. {}", chart.title, chart.summary),
    }));
    out.push(para(&chart.summary));
    numbers_table(chart, out);
}

/// A chart's shape as layout draws it, in the same units, its tone as a colour.
fn drawn(shape: &crate::charts::Shape) -> layout::Shape {
    use crate::charts::{self, Anchor};
    use layout::{Shape, TextAnchor};
    match shape {
        charts::Shape::Rect { x, y, w, h, tone } => Shape::Rect {
            x: *x,
            y: *y,
            w: *w,
            h: *h,
            color: charts::rgb(tone),
        },
        charts::Shape::Line {
            x1,
            y1,
            x2,
            y2,
            tone,
            width,
            dashed,
        } => Shape::Line {
            x1: *x1,
            y1: *y1,
            x2: *x2,
            y2: *y2,
            width: *width,
            color: charts::rgb(tone),
            dashed: *dashed,
        },
        charts::Shape::Circle {
            cx,
            cy,
            r,
            tone,
            filled,
        } => Shape::Circle {
            cx: *cx,
            cy: *cy,
            r: *r,
            color: charts::rgb(tone),
            filled: *filled,
        },
        charts::Shape::Text {
            x,
            y,
            text,
            size,
            anchor,
            bold,
            tone,
        } => Shape::Text {
            x: *x,
            y: *y,
            text: text.clone(),
            size: *size,
            bold: *bold,
            anchor: match anchor {
                Anchor::Start => TextAnchor::Start,
                Anchor::Middle => TextAnchor::Middle,
                Anchor::End => TextAnchor::End,
            },
            color: charts::rgb(tone),
        },
    }
}

/// A chart's table of numbers, under its own heading.
fn numbers_table(chart: &crate::charts::Chart, out: &mut Vec<Block>) {
    // The summary gives every number; a table as well only where the numbers have
    // more than one dimension and are few enough to read at a glance.
    // Its own heading says what the table is when a page break parts it from the chart.
    if chart.table.head.len() > 2 && (1..=8).contains(&chart.table.rows.len()) {
        out.push(heading(
            3,
            &format!("{}: the numbers", chart.title),
            None,
            false,
        ));
        out.push(Block::Table {
            header: chart
                .table
                .head
                .iter()
                .map(|h| vec![Inline::bold(h.clone())])
                .collect(),
            rows: chart
                .table
                .rows
                .iter()
                .map(|row| row.iter().map(|c| cell(c)).collect())
                .collect(),
        });
    }
}

/// IDs in the order a reader counts: `r2` before `r10`.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let digit = c.is_ascii_digit();
            match out.last_mut() {
                Some((d, text)) if *d == digit => text.push(c),
                _ => out.push((digit, c.to_string())),
            }
        }
        out
    }
    let key = |s: &str| {
        parts(&s.to_lowercase())
            .into_iter()
            .map(|(digit, text)| {
                if digit {
                    let t = text.trim_start_matches('0');
                    (format!("{:0>20}", t), String::new())
                } else {
                    (String::new(), text)
                }
            })
            .collect::<Vec<_>>()
    };
    key(a).cmp(&key(b)).then_with(|| a.cmp(b))
}

/// A bulleted list, one line of inline text per item.
fn bullets(lines: impl IntoIterator<Item = Vec<Inline>>) -> Block {
    Block::List {
        ordered: false,
        start: 1,
        items: lines
            .into_iter()
            .map(|l| vec![Block::Paragraph(l)])
            .collect(),
    }
}

/// Italic text whose hyphenated words (the IDs in "through act-01, act-02") are each
/// kept on one line.
fn italic_with_ids(text: &str) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::new();
    for (n, word) in text.split(' ').enumerate() {
        let space = if n > 0 { " " } else { "" };
        if word.contains('-') {
            out.push(Inline::italic(space));
            out.push(Inline {
                nobreak: true,
                ..Inline::italic(word)
            });
        } else {
            match out.last_mut() {
                Some(last) if !last.nobreak => last.text.push_str(&format!("{space}{word}")),
                _ => out.push(Inline::italic(format!("{space}{word}"))),
            }
        }
    }
    out.retain(|i| !i.text.is_empty());
    out
}

fn or_dash(text: String) -> String {
    if text.is_empty() {
        "—".into()
    } else {
        text
    }
}

/// A date as the register's narrow columns show it: "22 Sep 2014".
fn short_date(d: Option<crate::date::PartialDate>) -> String {
    d.map(|d| {
        d.long()
            .split(' ')
            .map(|w| {
                if w.len() > 3 && w.chars().all(char::is_alphabetic) {
                    w.chars().take(3).collect()
                } else {
                    w.to_string()
                }
            })
            .collect::<Vec<String>>()
            .join(" ")
    })
    .unwrap_or_default()
}

fn short_hash(h: Option<&str>) -> String {
    h.map_or_else(|| "—".to_string(), |h| h.chars().take(12).collect())
}

/// The records each section gives an anchor to.
fn included(view: &View, sections: &[Section]) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    for s in sections {
        let types: &[RecordType] = match s {
            Section::Recommendations => &[RecordType::Recommendation],
            Section::Actions => &[RecordType::Action],
            Section::Plans => &[RecordType::Plan, RecordType::Objective],
            Section::Evidence => &[RecordType::Evidence],
            Section::Timeline => &[RecordType::Event],
            Section::Reviews => &[RecordType::Review],
            Section::Indicators => &[RecordType::Indicator],
            Section::Risks => &[RecordType::Risk],
            Section::Page(id) | Section::Part(_, id) => {
                if let Some(&i) = view.site.index.get(&id.to_lowercase()) {
                    out.insert(i);
                }
                &[]
            }
            Section::Summary | Section::Matrix | Section::Changes => &[],
        };
        for t in types {
            out.extend(view.site.of_type(*t).map(|(i, _)| i));
        }
    }
    out
}

/// The cover lines of the latest inspection's judgements (SPEC §14.10): where they come
/// from, then each area and its grade in the framework's words.
fn latest_judgements(site: &Site) -> Vec<(String, String)> {
    let Some(i) = crate::judgements::latest(site) else {
        return Vec::new();
    };
    let rec = &site.records[i];
    let mut lines = vec![(
        "Latest inspection".to_string(),
        crate::judgements::source(rec),
    )];
    for j in crate::judgements::words(&site.config, rec) {
        lines.push((j.area, j.grade));
    }
    lines
}

/// The sections a pack lays out: as written, and for a committee report its
/// background papers (the evidence register) at the end when not placed elsewhere.
fn sections(pack: &Pack) -> Vec<Section> {
    let mut out = pack.sections.clone();
    if pack.kind == PackKind::Report && !out.contains(&Section::Evidence) {
        out.push(Section::Evidence);
    }
    out
}

/// A section whose content is an author's page (a letter's body, a report's part).
fn is_page(section: &Section) -> bool {
    matches!(section, Section::Page(_) | Section::Part(..))
}

/// The cover's lines: what the pack is, for whom, from whom, when; then the latest
/// inspection's judgements. A letter or report carries no hash (SPEC §14.10).
fn cover_lines(doc: &PackDoc<'_>) -> Vec<(String, String)> {
    let input = doc.input;
    let pack = input.pack;
    let config = &doc.site().config;
    let from = |p: &crate::config::Person| match &p.role {
        Some(role) => format!("{}, {role}", p.name),
        None => p.name.clone(),
    };
    let mut lines: Vec<(String, String)> = Vec::new();
    match pack.kind {
        PackKind::Evidence => {
            lines.push(("Site".into(), config.title.clone()));
            lines.push(("Organisation".into(), config.organisation.clone()));
            lines.push(("Prepared for".into(), config.audience_title(&pack.audience)));
            if let Some(to) = &pack.to {
                lines.push(("To".into(), to.clone()));
            }
            if let Some(p) = &pack.from {
                lines.push(("From".into(), from(p)));
            }
        }
        PackKind::Letter | PackKind::Report => {
            lines.push(("Organisation".into(), config.organisation.clone()));
            let to = pack
                .to
                .clone()
                .unwrap_or_else(|| config.audience_title(&pack.audience));
            lines.push(("To".into(), to));
            if let Some(p) = &pack.from {
                let word = if pack.kind == PackKind::Report {
                    "Report author"
                } else {
                    "From"
                };
                lines.push((word.into(), from(p)));
                if let Some(contact) = &p.contact {
                    lines.push(("Contact".into(), contact.clone()));
                }
            }
        }
    }
    lines.push(("Readiness date".into(), input.as_of.long()));
    lines.push(("Issued".into(), input.issued.long()));
    lines.push(("Marking".into(), doc.view.marking.to_string()));
    if !pack.kind.plain() {
        // SPEC §13.3: the first 12 hex digits, enough to tell two builds apart.
        let digest: String = input.content_sha256.chars().take(12).collect();
        lines.push(("Content digest (SHA-256)".into(), digest));
        lines.push(("Built by".into(), format!("Assure {}", crate::VERSION)));
    }
    lines.extend(latest_judgements(doc.site()));
    lines
}

/// The council's logo (`site.yaml` `branding`) for the cover, with its alternative text.
fn cover_logo(site: &Site) -> Option<layout::Logo> {
    let config = &site.config;
    let path = config.branding.logo.as_ref()?.resolved.as_deref()?;
    let data = std::fs::read(site.files.root.join(path)).ok()?;
    let alt = match config.organisation.as_str() {
        "" => "Logo".to_string(),
        org => format!("Logo of {org}"),
    };
    Some(layout::Logo { data, alt })
}

/// A letter's opening: sender, addressee, date, then the salutation.
fn letter_opening(doc: &PackDoc<'_>, out: &mut Vec<Block>) {
    let pack = doc.input.pack;
    if let Some(from) = &pack.from {
        let mut lines = vec![Inline::bold(from.name.clone())];
        for line in from.role.iter().chain(&from.contact) {
            lines.push(Inline::plain(format!("\n{line}")));
        }
        out.push(Block::Paragraph(lines));
    }
    if let Some(to) = &pack.to {
        out.push(Block::Paragraph(vec![Inline::plain(to.clone())]));
    }
    out.push(para(&doc.input.issued.long()));
    out.push(para(&pack.salutation()));
}

/// A letter's signature block: "Yours sincerely", the name, the role.
fn signature(pack: &Pack, out: &mut Vec<Block>) {
    out.push(para(present::LETTER_CLOSE));
    if let Some(from) = &pack.from {
        let mut lines = vec![Inline::bold(from.name.clone())];
        if let Some(role) = &from.role {
            lines.push(Inline::plain(format!("\n{role}")));
        }
        out.push(Block::Paragraph(lines));
    }
}

/// A report's last part: who wrote it and how to reach them.
fn author(pack: &Pack, out: &mut Vec<Block>) {
    let Some(from) = &pack.from else { return };
    out.push(heading(
        1,
        "Report author and contact",
        Some("section-author"),
        true,
    ));
    let mut kv = vec![("Name".to_string(), cell(&from.name))];
    if let Some(role) = &from.role {
        kv.push(("Role".into(), cell(role)));
    }
    if let Some(contact) = &from.contact {
        kv.push(("Contact".into(), cell(contact)));
    }
    out.push(Block::KeyValue(kv));
}

impl PackDoc<'_> {
    /// `references: appendix`: each record referred to and not otherwise in the pack,
    /// under its heading with its main facts and its text. What these refer to in
    /// their turn reads as a title alone: the appendix is one level deep.
    fn appendix_section(&self, out: &mut Vec<Block>) {
        if self.appendix.is_empty() {
            return;
        }
        out.push(heading(
            1,
            "Appendix: records referred to",
            Some("section-appendix"),
            true,
        ));
        let mut items: Vec<usize> = self.appendix.iter().copied().collect();
        items.sort_by(|&x, &y| {
            let (a, b) = (self.rec(x), self.rec(y));
            let order = |t| crate::model::schema::ALL_TYPES.iter().position(|x| *x == t);
            order(a.rtype)
                .cmp(&order(b.rtype))
                .then_with(|| natural_cmp(&a.id, &b.id))
        });
        for i in items {
            let r = self.rec(i);
            out.push(self.record_heading(2, r, true));
            let mut kv = vec![("Record".to_string(), cell(&label(r.rtype.name())))];
            if !r.status.is_empty() {
                kv.push((field_label("status"), cell(&label(r.status))));
            }
            if r.date.is_some() {
                kv.push((field_label("date"), cell(&Self::date(r.date))));
            }
            if let Some(owner) = &r.owner {
                kv.push((field_label("owner"), cell(owner)));
            }
            if let Some(due) = present::due_text(r) {
                kv.push((field_label("due"), cell(&due)));
            }
            if let Some(state) = self.a.state_of(i) {
                kv.push(("Evidence state".into(), cell(&label(state.name()))));
            }
            if r.rtype == RecordType::Evidence {
                kv.push((
                    field_label("location"),
                    cell(&present::held_at(r).unwrap_or_else(|| "Nothing held".into())),
                ));
            }
            out.push(Block::KeyValue(kv));
            out.extend(self.body(i, 2));
        }
    }

    /// Every block of the pack after its cover.
    fn compose(&self) -> Vec<Block> {
        let pack = self.input.pack;
        let kind = pack.kind;
        let sections = sections(pack);
        let mut blocks = Vec::new();
        if kind == PackKind::Letter {
            letter_opening(self, &mut blocks);
        }
        // A letter is signed after its last page; what follows are its annexes.
        let last_page = sections.iter().rposition(is_page);
        for (n, section) in sections.iter().enumerate() {
            // An evidence pack starts each section on a new page; a letter or report
            // runs its pages on, as a letter does, and starts the rest afresh.
            let flows = kind.plain() && is_page(section);
            if n > 0 && !flows {
                blocks.push(Block::PageBreak);
            }
            match section {
                Section::Summary => self.summary(&mut blocks),
                Section::Recommendations => self.recommendations(&mut blocks),
                Section::Actions => self.actions(&mut blocks),
                Section::Plans => self.plans(&mut blocks),
                Section::Evidence => self.evidence(&mut blocks),
                Section::Timeline => self.timeline(&mut blocks),
                Section::Reviews => self.reviews(&mut blocks),
                Section::Indicators => self.indicators(&mut blocks),
                Section::Risks => self.risks(&mut blocks),
                Section::Matrix => self.matrix(&mut blocks),
                Section::Changes => self.changes(&mut blocks),
                Section::Page(id) => self.page(id, None, &mut blocks),
                Section::Part(part, id) => {
                    self.page(id, Some(present::report_part_heading(part)), &mut blocks)
                }
            }
            if kind == PackKind::Letter && Some(n) == last_page {
                signature(pack, &mut blocks);
            }
        }
        if kind == PackKind::Letter && last_page.is_none() {
            signature(pack, &mut blocks);
        }
        if kind == PackKind::Report {
            author(pack, &mut blocks);
        }
        if !self.appendix.is_empty() {
            blocks.push(Block::PageBreak);
            self.appendix_section(&mut blocks);
        }
        blocks
    }
}

/// Renders one pack to PDF bytes.
pub fn render_pack(input: &PackInput<'_>) -> Result<Vec<u8>> {
    let pack = input.pack;
    let view = &input.analysed.view;
    let base = included(view, &sections(pack));
    let mut doc = PackDoc {
        view,
        a: &input.analysed.analysis,
        input,
        included: base.clone(),
        outside: RefCell::new(BTreeSet::new()),
        appendix: BTreeSet::new(),
    };
    let mut body = doc.compose();
    if pack.references() == References::Appendix {
        // The sections as written name the records referred to; written again with
        // those in the appendix, references to them become page references.
        let appendix = doc.outside.take();
        if !appendix.is_empty() {
            doc.included = base.union(&appendix).copied().collect();
            doc.appendix = appendix;
            body = doc.compose();
        }
    }
    let config = &doc.site().config;
    let mut blocks = vec![Block::Cover {
        title: pack.title.clone(),
        lines: cover_lines(&doc),
        logo: cover_logo(doc.site()),
        colour: config.branding.rgb(),
    }];
    // A letter is read straight through; the other kinds list their sections.
    if pack.kind != PackKind::Letter {
        blocks.extend([Block::Contents, Block::PageBreak]);
    }
    blocks.extend(body);
    // The pack says where it ends, so a missing last page shows.
    blocks.push(Block::Rule);
    blocks.push(Block::Paragraph(vec![Inline::italic(format!(
        "End of {}: issued {}, readiness as of {}.",
        pack.title,
        input.issued.long(),
        input.as_of.long()
    ))]));
    let mut info = DocInfo::new(
        &pack.title,
        &config.organisation,
        doc.view.marking,
        (input.issued.year, input.issued.month, input.issued.day),
    );
    info.subject = format!("{} — readiness as of {}", config.title, input.as_of);
    layout::render(&info, fonts()?, &blocks)
        .map_err(|e| anyhow::anyhow!("cannot write pack `{}`: {e}", pack.id))
}
