//! `assure new TYPE "Title"`: starts a record file that passes `check`, with an ID made
//! from what the record is (SPEC §13.6) and the type's fields as a commented template.
//!
//! IDs are permanent (links and packs name them), so they follow the record, not the
//! folder: a recommendation is numbered in its review's series (`<review>-rN`), an
//! event is named by its date and title, and other types continue their folder's
//! `prefix-N` numbering.

use crate::date::Date;
use crate::model::schema::{RecordType, COMMON_FIELDS};
use crate::model::Site;
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The prefix a type's IDs get when its folder has none to copy.
fn default_prefix(t: RecordType) -> &'static str {
    match t {
        RecordType::Plan => "plan-",
        RecordType::Recommendation => "rec-",
        RecordType::Action => "act-",
        RecordType::Evidence => "ev-",
        RecordType::Review => "review-",
        RecordType::Event => "event-",
        RecordType::Page | RecordType::Objective => "page-",
        RecordType::Indicator => "ind-",
        RecordType::Risk => "risk-",
    }
}

/// Splits `act-07` into (`act-`, 7, width 2).
fn split_number(id: &str) -> Option<(&str, u64, usize)> {
    let digits = id.len() - id.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits > 18 {
        return None;
    }
    let (prefix, number) = id.split_at(id.len() - digits);
    Some((prefix, number.parse().ok()?, digits))
}

/// The next free ID after `existing`, following the most common `prefix + number`
/// pattern among them (`act-07`, `act-08` → `act-09`).
pub fn next_id(existing: &[String], fallback_prefix: &str) -> String {
    next_free(existing, existing, fallback_prefix)
}

/// [`next_id`] in the style of `style_from`, free among `taken_among` (every ID of the
/// site: IDs are unique across types).
fn next_free(style_from: &[String], taken_among: &[String], fallback_prefix: &str) -> String {
    let existing = style_from;
    let mut styles: BTreeMap<&str, (usize, u64, usize)> = BTreeMap::new();
    for id in existing {
        if let Some((prefix, n, width)) = split_number(id) {
            let e = styles.entry(prefix).or_insert((0, 0, width));
            e.0 += 1;
            e.1 = e.1.max(n);
            e.2 = e.2.max(width);
        }
    }
    let (prefix, max, width) = styles
        .iter()
        .max_by_key(|(prefix, (count, _, _))| (*count, std::cmp::Reverse(prefix.len())))
        .map_or((fallback_prefix, 0, 2), |(p, (_, max, width))| {
            (*p, *max, *width)
        });
    let taken: std::collections::HashSet<String> =
        taken_among.iter().map(|s| s.to_lowercase()).collect();
    let mut n = max + 1;
    loop {
        let id = format!("{prefix}{n:0width$}");
        if !taken.contains(&id.to_lowercase()) {
            return id;
        }
        n += 1;
    }
}

/// What each field is for, shown in the template.
fn hint(t: RecordType, field: &str) -> String {
    let values = |v: &[&str]| v.join(", ");
    if let Some(own) = t.field(field).map(|f| f.hint).filter(|h| !h.is_empty()) {
        return own.into();
    }
    match field {
        "status" => values(t.statuses()),
        "date" | "approved" | "due" | "original_due" | "completed" | "reviewed" | "expires" => {
            "YYYY-MM-DD, YYYY-MM or YYYY".into()
        }
        "audience" => "leave out for everyone, or e.g. [internal]".into(),
        "classification" => "OFFICIAL or OFFICIAL-SENSITIVE".into(),
        "tags" => "[word, word]".into(),
        "related" | "refs" => "[ID, ID] of any records".into(),
        "source" => "ID of the review or inspection".into(),
        "plan" => "ID of the plan".into(),
        "objective" => "ID of an objective of that plan".into(),
        "addresses" => "[IDs of recommendations]".into(),
        "supports" => "[IDs of recommendations, actions, objectives or plans]".into(),
        "file" => "evidence/files/NAME (inside the content folder)".into(),
        "sha256" => "filled in by `assure lock`".into(),
        "location" => "where the document is kept, if not a file or url".into(),
        "signed_off" => "{by: who signed it off, on: YYYY-MM-DD}".into(),
        "agreed" => "{by: who agreed it is met, on: YYYY-MM-DD}".into(),
        "period" => "{start: YYYY-MM, end: YYYY-MM}".into(),
        "objectives" => "a list of `- id: …` / `title: …`".into(),
        "judgements" => "area: outstanding | good | requires-improvement | inadequate".into(),
        "order" => "a number for the navigation order".into(),
        _ => match t.field(field).map(|f| f.kind) {
            Some(crate::model::schema::FieldKind::Enum(v)) => values(v),
            _ => String::new(),
        },
    }
}

/// What `assure new` was asked for.
pub struct Request<'a> {
    pub type_name: &'a str,
    pub title: &'a str,
    /// `--id`: instead of the ID made from the record (SPEC §13.6).
    pub id: Option<&'a str>,
    /// `--source`: the review a recommendation comes from (required for them).
    pub source: Option<&'a str>,
    /// `--date`: the record's `date` (default today for evidence, reviews and events).
    pub date: Option<Date>,
    /// Fields given on the command line (`--owner`, `--due`, `--addresses`, `--kind`,
    /// …): the field's name and the value as typed, lists with commas.
    pub fields: Vec<(&'static str, String)>,
}

/// A record written by [`create`].
pub struct Created {
    pub id: String,
    /// The new file, inside the content folder, with `/` separators.
    pub rel: String,
    /// What the author fills in next, one step a line.
    pub next: Vec<String>,
}

/// The kind of review a title names ("Ofsted monitoring visit" → `monitoring-visit`),
/// the most specific words first; `review` when it names none.
pub fn review_kind_from_title(title: &str) -> &'static str {
    let words = slug(title).replace('-', " ");
    let has = |phrase: &str| format!(" {words} ").contains(&format!(" {phrase} "));
    [
        ("monitoring visit", "monitoring-visit"),
        ("focused visit", "focused-visit"),
        ("governance review", "governance-review"),
        ("inspection", "inspection"),
        ("direction", "direction"),
        ("decision", "decision"),
        ("letter", "letter"),
        ("report", "report"),
    ]
    .into_iter()
    .find(|(phrase, _)| has(phrase))
    .map_or("review", |(_, kind)| kind)
}

/// A review's ID from its kind and date: a full inspection by its year (`ofsted-2026`:
/// there is one a year at most), anything else by its kind and month
/// (`monitoring-visit-2026-03`); `-2`, `-3` … when that is taken.
pub fn review_id(kind: &str, date: Date, taken: impl Fn(&str) -> bool) -> String {
    let candidates = if kind == "inspection" {
        vec![
            format!("ofsted-{}", date.year),
            format!("ofsted-{}-{:02}", date.year, date.month),
        ]
    } else {
        vec![format!("{kind}-{}-{:02}", date.year, date.month)]
    };
    if let Some(free) = candidates.iter().find(|c| !taken(c)) {
        return free.clone();
    }
    let base = candidates.last().cloned().unwrap_or_default();
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|c| !taken(c))
        .unwrap_or(base)
}

/// A value given on the command line, checked against its field and written as YAML, so
/// the file passes `check`: IDs that exist and are of the right type, real dates, known
/// values.
fn preset_line(site: &Site, t: RecordType, name: &str, value: &str) -> Result<String> {
    use crate::model::schema::FieldKind;
    let Some(field) = t.field(name) else {
        bail!("`--{name}` is not a field of {}", t.with_article());
    };
    let ids = |targets: &[RecordType]| -> Result<Vec<String>> {
        let items: Vec<&str> = value
            .split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .collect();
        if items.is_empty() {
            bail!("`--{name}` needs at least one ID");
        }
        items
            .into_iter()
            .map(|id| match site.get(id) {
                Some(r) if targets.is_empty() || targets.contains(&r.rtype) => Ok(r.id.clone()),
                Some(r) => bail!(
                    "`--{name}` takes {}; `{id}` is {}",
                    targets
                        .iter()
                        .map(|t| t.name())
                        .collect::<Vec<_>>()
                        .join(" or "),
                    r.rtype.with_article()
                ),
                None => bail!("`--{name}`: there is no record `{id}`"),
            })
            .collect()
    };
    Ok(match field.kind {
        FieldKind::Ref(targets) => {
            let ids = ids(targets)?;
            if ids.len() > 1 {
                bail!("`--{name}` takes one ID");
            }
            format!("{name}: {}", ids.join(""))
        }
        FieldKind::Refs(targets) => format!("{name}: [{}]", ids(targets)?.join(", ")),
        FieldKind::Date => match crate::date::PartialDate::parse(value.trim()) {
            Ok(d) => format!("{name}: {d}"),
            Err(hint) => bail!("`--{name}`: {hint}"),
        },
        FieldKind::Enum(allowed) => match allowed.iter().find(|v| **v == value.trim()) {
            Some(v) => format!("{name}: {v}"),
            None => bail!(
                "`{value}` is not a valid `--{name}`; use one of: {}",
                allowed.join(", ")
            ),
        },
        FieldKind::Text if !value.trim().is_empty() => {
            format!("{name}: {}", serde_json::to_string(value.trim())?)
        }
        _ => bail!("`--{name}` cannot be set by `assure new`; edit the file"),
    })
}

/// `ofsted-2012-r4`: the next recommendation number in a review's series.
pub fn next_in_series(existing: &[String], source: &str) -> String {
    let prefix = format!("{}-r", source.to_lowercase());
    let highest = existing
        .iter()
        .filter_map(|id| id.to_lowercase().strip_prefix(&prefix)?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    format!("{source}-r{}", highest + 1)
}

/// `Inspection report published!` → `inspection-report-published` (ASCII letters and
/// digits, at most 60 characters, cut at a word).
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out.trim_end_matches('-').to_string();
    if out.len() > 60 {
        let cut = out[..60].rfind('-').unwrap_or(60);
        out.truncate(cut);
    }
    out
}

/// The steps that make a new record of type `t` useful.
fn next_steps(t: RecordType, id: &str) -> Vec<String> {
    let mut steps: Vec<String> = match t {
        RecordType::Recommendation => vec![
            "replace the sample text below the `---` with the recommendation's words".into(),
            "set `priority:`, `area:` and `due:` if the review gave them".into(),
            format!("answer it with an action: `assure new action \"…\"`, then list `{id}` under the action's `addresses:`"),
        ],
        RecordType::Action => vec![
            "set `owner:` and `due:`".into(),
            "list the recommendations it answers under `addresses:` (or set the `plan:` and `objective:` it belongs to)".into(),
        ],
        RecordType::Evidence => vec![
            "list what it proves under `supports:` (IDs of recommendations, actions or objectives)".into(),
            format!("put the document in `evidence/files/`, name it in `file:`, then run `assure lock {id}` to record its fingerprint"),
            "set `reviewed:` to the day someone last checked it is still true".into(),
        ],
        RecordType::Review => vec![
            "set `kind:`, `by:` and `date:`".into(),
            format!("add its recommendations: `assure new recommendation \"…\" --source {id}`"),
        ],
        RecordType::Event => vec![
            "check `date:`, and set `kind:`".into(),
            "list the records it concerns under `refs:`".into(),
        ],
        RecordType::Plan => vec![
            "set `period:`, `approved:` and `status:`".into(),
            "list its objectives under `objectives:` (each with an `id:` and a `title:`)".into(),
        ],
        RecordType::Page | RecordType::Objective => {
            vec!["write the page in Markdown below the `---`".into()]
        }
        RecordType::Indicator => vec![
            "set `measure:`, `unit:`, `polarity:` and `target:`".into(),
            "add its figures under `values:` (`- {period: 2014-03, value: 41.5}`) or name a CSV in `values_file:`".into(),
            "say where the figures come from in `source:`, and list what it shows progress on under `relates:`".into(),
        ],
        RecordType::Risk => vec![
            "set `likelihood:` and `impact:` (each 1 to 5), `owner:` and `review_by:`".into(),
            "list the actions that reduce it under `mitigations:`".into(),
        ],
    };
    steps.push("lines starting with `#` are hints: remove the `#` to use a field".into());
    steps.push("then run `assure check` (or keep `assure serve` open and watch the page)".into());
    steps
}

/// The names of the reviews, for messages.
fn review_list(site: &Site) -> String {
    let ids: Vec<&str> = site
        .of_type(RecordType::Review)
        .map(|(_, r)| r.id.as_str())
        .collect();
    if ids.is_empty() {
        "there are no reviews yet: start one with `assure new review \"…\"`".into()
    } else {
        format!("the reviews are: {}", ids.join(", "))
    }
}

/// Writes the new record. Refuses to overwrite anything, and to make a record that
/// `check` would refuse (a recommendation without a known review as its source).
pub fn create(site: &Site, req: &Request<'_>, today: Date) -> Result<Created> {
    let type_name = req.type_name;
    let Some(t) = RecordType::from_name(type_name).filter(|t| *t != RecordType::Objective) else {
        bail!("`{type_name}` is not a record type; use plan, recommendation, action, evidence, review, event or page");
    };
    let title = req.title;
    if title.trim().is_empty() {
        bail!("the title is empty: give one in quotes, e.g. `assure new {type_name} \"Audit of case files\"`");
    }
    let source = source_review(site, t, req.source)?;
    let dated = matches!(
        t,
        RecordType::Evidence | RecordType::Event | RecordType::Review
    );
    let date = req.date.or(dated.then_some(today));
    let mut presets: Vec<(&str, String)> = req
        .fields
        .iter()
        .map(|(name, value)| Ok((*name, preset_line(site, t, name, value)?)))
        .collect::<Result<_>>()?;
    let review_kind = (t == RecordType::Review).then(|| review_kind(req, &mut presets));
    let id = match (req.id, t, &source) {
        (Some(id), _, _) => id.to_string(),
        (None, RecordType::Recommendation, Some(source)) => {
            let existing: Vec<String> = site.records.iter().map(|r| r.id.clone()).collect();
            next_in_series(&existing, source)
        }
        (None, RecordType::Review, _) => review_id(
            review_kind.as_deref().unwrap_or("review"),
            date.unwrap_or(today),
            |id| site.get(id).is_some(),
        ),
        (None, RecordType::Event, _) => event_id(site, title, date.unwrap_or(today)),
        (None, _, _) => {
            let existing: Vec<String> = site.records.iter().map(|r| r.id.clone()).collect();
            let of_type: Vec<String> = site.of_type(t).map(|(_, r)| r.id.clone()).collect();
            next_free(&of_type, &existing, default_prefix(t))
        }
    };
    let (folder, path, rel) = new_file(site, t, &id)?;
    let template = Template {
        t,
        title,
        presets: &presets,
        date,
        source: source.as_deref(),
        today,
    };
    let text = template.text()?;
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create the folder `{}`", t.folder()))?;
    // Through the one content writer, which never overwrites (even a file that
    // appeared since the check above).
    crate::content::writer::create_file(&path, text.as_bytes())
        .with_context(|| format!("cannot create `{rel}`"))?;
    let next = steps_left(t, &id, &presets);
    Ok(Created { next, id, rel })
}

/// A recommendation's `--source`, checked to be a review (required for them, refused
/// for every other type).
fn source_review(site: &Site, t: RecordType, source: Option<&str>) -> Result<Option<String>> {
    Ok(match (t, source) {
        (RecordType::Recommendation, None) => bail!(
            "a recommendation needs `--source REVIEW`, the ID of the review or inspection that made it; {}",
            review_list(site)
        ),
        (RecordType::Recommendation, Some(s)) => match site.get(s) {
            Some(r) if r.rtype == RecordType::Review => Some(r.id.clone()),
            Some(r) => bail!(
                "`{s}` is a {}, not a review; {}",
                r.rtype.name(),
                review_list(site)
            ),
            None => bail!("there is no review `{s}`; {}", review_list(site)),
        },
        (_, Some(_)) => bail!("`--source` is for recommendations only"),
        (_, None) => None,
    })
}

/// A review's kind, given or read from its title: it names the review's ID and fills
/// `kind:` (added to `presets` when not given).
fn review_kind(req: &Request<'_>, presets: &mut Vec<(&str, String)>) -> String {
    let given = presets.iter().any(|(n, _)| *n == "kind");
    let kind = if given {
        req.fields
            .iter()
            .find(|(n, _)| *n == "kind")
            .map_or("review", |(_, v)| v.trim())
    } else {
        review_kind_from_title(req.title)
    };
    if !given {
        presets.push(("kind", format!("kind: {kind}")));
    }
    kind.to_string()
}

/// An event's ID: its date and its title's words, numbered on when taken.
fn event_id(site: &Site, title: &str, day: Date) -> String {
    let base = match slug(title) {
        s if s.is_empty() => format!("{day}-event"),
        s => format!("{day}-{s}"),
    };
    let taken = |id: &str| site.get(id).is_some();
    let mut id = base.clone();
    let mut n = 2;
    while taken(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// The new record's folder, its file, and that file's path inside the content folder
/// (with `/`), after refusing an ID that is invalid or used, a folder that is a
/// symbolic link or no folder, and a file that exists.
fn new_file(site: &Site, t: RecordType, id: &str) -> Result<(PathBuf, PathBuf, String)> {
    if let Some(problem) = crate::model::build::id_problem(id) {
        bail!("{problem}");
    }
    if let Some(other) = site.get(id) {
        bail!("the ID `{id}` is already used by {}", other.path);
    }
    let folder = site.files.root.join(t.folder());
    // Symbolic links under the content folder are never followed, for writing either.
    if std::fs::symlink_metadata(&folder).is_ok_and(|m| !m.is_dir()) {
        bail!(
            "`{}` is not a folder (symbolic links are not followed); make it a folder inside the content folder",
            folder.display()
        );
    }
    let rel = format!("{}/{id}.md", t.folder());
    let path = folder.join(format!("{id}.md"));
    if std::fs::symlink_metadata(&path).is_ok() {
        bail!("`{rel}` already exists");
    }
    Ok((folder, path, rel))
}

/// What a new record's file is made from.
struct Template<'a> {
    t: RecordType,
    title: &'a str,
    /// Lines for the fields given on the command line.
    presets: &'a [(&'a str, String)],
    date: Option<Date>,
    source: Option<&'a str>,
    today: Date,
}

impl Template<'_> {
    /// The file's text: front matter with every field of the type, those not set
    /// commented out, each with its hint; then a body to replace.
    fn text(&self) -> Result<String> {
        let t = self.t;
        let mut text = String::from("---\n");
        text.push_str(&format!(
            "title: {}\n",
            serde_json::to_string(self.title.trim())?
        ));
        for f in COMMON_FIELDS.iter().chain(t.own_fields()) {
            let Some(line) = self.line(f.name) else {
                continue;
            };
            let h = hint(t, f.name);
            if h.is_empty() {
                text.push_str(&format!("{line}\n"));
            } else {
                text.push_str(&format!("{line:<28} # {h}\n"));
            }
        }
        text.push_str("---\n");
        text.push_str(match t {
            RecordType::Recommendation => {
                "The recommendation's text, in the reviewer's words or a faithful summary.\n"
            }
            RecordType::Evidence => "What this evidence shows, and why it can be trusted.\n",
            _ => "\n",
        });
        Ok(text)
    }

    /// The front-matter line of field `name` (`# name:` when not set), or `None` for a
    /// field the template leaves out.
    fn line(&self, name: &str) -> Option<String> {
        let t = self.t;
        let preset = self.presets.iter().find(|(n, _)| *n == name);
        Some(match name {
            // Rare, and a claim about the record: written only on purpose.
            "id" | "title" | "illustrative" => return None,
            _ if preset.is_some() => preset.map(|(_, l)| l.clone()).unwrap_or_default(),
            "status" if t.statuses().is_empty() => return None,
            // New evidence holds nothing yet: a draft until its file, link or
            // location is added (SPEC §14.1).
            "status" if t == RecordType::Evidence => "status: draft".to_string(),
            "status" => format!("status: {}", t.statuses()[0]),
            "date" if self.date.is_some() => {
                format!("date: {}", self.date.unwrap_or(self.today))
            }
            "source" if self.source.is_some() => {
                format!("source: {}", self.source.unwrap_or(""))
            }
            "reviewed" => format!("reviewed: {}", self.today),
            name => format!("# {name}:"),
        })
    }
}

/// The next steps for the author, less those about fields the options already filled
/// in (a step naming only such fields is done).
fn steps_left(t: RecordType, id: &str, presets: &[(&str, String)]) -> Vec<String> {
    let given: Vec<&str> = presets.iter().map(|(n, _)| *n).collect();
    next_steps(t, id)
        .into_iter()
        .filter(|step| {
            let before_or = step.split("(or").next().unwrap_or(step);
            let named: Vec<&str> = before_or
                .split('`')
                .skip(1)
                .step_by(2)
                .filter_map(|w| w.strip_suffix(':'))
                .collect();
            named.is_empty() || !named.iter().all(|n| given.contains(n))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn follows_the_folders_numbering() {
        assert_eq!(
            next_id(&ids(&["act-01", "act-02", "act-10"]), "act-"),
            "act-11"
        );
        assert_eq!(next_id(&ids(&["ev-001", "ev-002"]), "ev-"), "ev-003");
        assert_eq!(
            next_id(
                &ids(&["ofsted-2012-r1", "ofsted-2012-r2", "lga-r1"]),
                "rec-"
            ),
            "ofsted-2012-r3"
        );
        assert_eq!(next_id(&ids(&[]), "act-"), "act-01");
        assert_eq!(next_id(&ids(&["about", "glossary"]), "page-"), "page-01");
        assert_eq!(next_id(&ids(&["E7", "E8", "e9"]), "e"), "E10");
    }

    #[test]
    fn recommendations_join_their_reviews_series_and_events_take_date_and_title() {
        let existing = ids(&["le-grand-2013-r8", "ofsted-2012-r1", "Ofsted-2012-R2"]);
        assert_eq!(next_in_series(&existing, "ofsted-2012"), "ofsted-2012-r3");
        assert_eq!(next_in_series(&existing, "apa-2009"), "apa-2009-r1");
        assert_eq!(
            slug("Inspection report: published!"),
            "inspection-report-published"
        );
        assert_eq!(slug("  Café — Über  "), "caf-ber");
        assert_eq!(slug("***"), "");
        let long = slug(&"word ".repeat(30));
        assert!(long.len() <= 60 && !long.ends_with('-'), "{long}");
    }
}
