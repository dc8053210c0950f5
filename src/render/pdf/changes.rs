//! The pack section `changes` (SPEC §13.5): readiness then and now, and every change
//! since the newest baseline, grouped by recommendation — the same [`Changes`] the site's
//! changes page and `assure diff` show, in the same words ([`crate::present`]).

use super::layout::{Block, Inline};
use super::{bullets, cell, chart_blocks, heading, para, PackDoc};
use crate::changes::{Change, Changes, Point};
use crate::present::{change_detail, change_heading};

fn readiness(p: &Point) -> Vec<Inline> {
    let mut line: Vec<Inline> = crate::present::readiness_parts(&p.readiness)
        .into_iter()
        .map(|(t, bold)| {
            if bold {
                Inline::bold(t)
            } else {
                Inline::plain(t)
            }
        })
        .collect();
    line.push(Inline::plain(format!(", {}", p.as_of.long())));
    line
}

impl PackDoc<'_> {
    /// With several baselines, readiness at each and now (SPEC §13.5), drawn as the
    /// site's chart is, with its numbers.
    pub(super) fn readiness_history(&self, out: &mut Vec<Block>) {
        if let Some(chart) = self.input.changes.and_then(crate::charts::changes_history) {
            chart_blocks(&chart, out);
        }
    }

    /// A record a change names: a reference when visible in this view, else its title.
    fn change_ref(&self, id: &str, title: &str) -> Vec<Inline> {
        match self.site().index.get(&id.to_lowercase()) {
            Some(&i) => self.rec_ref(i),
            None => vec![
                Inline::plain(format!("{title} (")),
                Inline::id(id.to_string()),
                Inline::plain(")"),
            ],
        }
    }

    fn change_line(&self, c: &Change) -> Vec<Inline> {
        let mut line = vec![Inline::bold(format!("{}: ", change_heading(c.kind)))];
        line.extend(self.change_ref(&c.id, &c.title));
        line.push(Inline::plain(change_detail(c)));
        line
    }

    pub(super) fn changes(&self, out: &mut Vec<Block>) {
        let Some(c): Option<&Changes> = self.input.changes else {
            out.push(heading(1, "Changes", Some("section-changes"), true));
            out.push(para(
                "There is no baseline for this pack's audience, so there are no changes to show: build with `--since` and an earlier output for this audience, or list it under `baselines:` in site.yaml.",
            ));
            return;
        };
        let title = format!("Changes {}", crate::present::since_words(c));
        out.push(heading(1, &title, Some("section-changes"), true));
        let counts = c
            .counts()
            .into_iter()
            .map(|(k, n)| format!("{} {n}", change_heading(k)))
            .collect::<Vec<_>>()
            .join(" · ");
        out.push(Block::KeyValue(vec![
            ("Readiness then".into(), readiness(&c.since)),
            ("Readiness now".into(), readiness(&c.now)),
            (
                "Changes".into(),
                cell(&if c.all.is_empty() {
                    "none".to_string()
                } else {
                    format!("{} — {counts}", c.all.len())
                }),
            ),
        ]));
        self.readiness_history(out);
        for g in &c.groups {
            // The ID is kept on one line (SPEC §13.3 packs: no breaks inside IDs).
            let text = match &g.recommendation {
                // No IDs in a letter's or report's headings (SPEC §14.10).
                Some(s) if self.kind().plain() => vec![Inline::plain(if s.removed {
                    format!("{} (removed)", s.title)
                } else {
                    s.title.clone()
                })],
                Some(s) => vec![
                    Inline::plain(format!("{} (", s.title)),
                    Inline::id(s.id.clone()),
                    Inline::plain(if s.removed { ", removed)" } else { ")" }),
                ],
                None => vec![Inline::plain("Not tied to a recommendation")],
            };
            out.push(Block::Heading {
                level: 2,
                text,
                anchor: None,
                outline: false,
            });
            out.push(bullets(g.changes.iter().map(|ch| self.change_line(ch))));
        }
    }
}
