//! What changed since a baseline (SPEC §13.5): a derived fact of one audience's view,
//! computed once from an earlier output's `data/records.json` and read by every output
//! that shows it — `site/changes.html`, the pack section `changes` and `assure diff`.
//!
//! Councils do not all keep their content in git, so the baseline is the output they
//! already sent: its `records.json`, read back here into a [`Snapshot`]. The current
//! view becomes a [`Snapshot`] too ([`Snapshot::from_view`], the same facts
//! `records.json` writes), so `build --since OLD` and `diff OLD NEW` compare alike.
//!
//! Audience safety: a baseline is for one audience and is refused for another; a record
//! appears only when it is visible now or, gone from the content, was visible in the
//! baseline. A record that still exists but is withheld now is never shown, not even as
//! "removed" — the caller says which IDs those are ([`Hidden`]).

use crate::analysis::{Analysis, EvidenceState, Readiness};
use crate::date::{Date, PartialDate};
use crate::model::schema::RecordType;
use crate::model::Site;
use anyhow::{bail, Result};
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The `format_version` of the `records.json` this Assure writes. Version 1 is the
/// format before versions were written (no `format_version` key, no `status`): it holds
/// every fact a comparison reads, so it is read too. Any other version is refused.
pub const RECORDS_FORMAT: u32 = 2;

/// Whether an ID names a record that exists in the content now but is withheld from the
/// output's audience (such a record must not appear, even as removed).
pub type Hidden<'a> = &'a dyn Fn(&str) -> bool;

/// One record as a snapshot holds it: the facts a comparison reads.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SnapRecord {
    pub id: String,
    #[serde(rename = "type")]
    pub rtype: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub due: Option<String>,
    #[serde(default)]
    pub completed: Option<String>,
    /// IDs of the recommendations an action addresses (visible ones only).
    #[serde(default, deserialize_with = "link_ids")]
    pub addresses: Vec<String>,
    /// IDs of what an evidence record supports (visible ones only).
    #[serde(default, deserialize_with = "link_ids")]
    pub supports: Vec<String>,
    /// Its page inside the output (`site/…`).
    #[serde(default)]
    pub page: Option<String>,
    /// The derived facts (SPEC §13.1); `None` only in a file written before them.
    #[serde(default)]
    pub derived: Option<Derived>,
}

/// A record's derived facts, as `records.json` writes them.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Derived {
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub overdue: Option<bool>,
    #[serde(default)]
    pub evidenced: Option<bool>,
    /// An indicator's latest figure against its target (SPEC §14.9).
    #[serde(default)]
    pub against_target: Option<String>,
    /// A risk's score (SPEC §14.9).
    #[serde(default)]
    pub score: Option<u8>,
}

/// The most records a baseline may hold: far more than any content folder Assure builds
/// (the demo has under 200), and few enough that a hostile file of tiny records cannot
/// cost more than a few hundred megabytes to read (SPEC §14.7).
const MAX_BASELINE_RECORDS: usize = 100_000;

/// The most links one record of a baseline may list, for the same reason.
const MAX_RECORD_LINKS: usize = 10_000;

/// The `visit_*` methods for JSON's scalars, each answering `$value`: what a visitor
/// gives for a value of a shape Assure never writes there.
macro_rules! skip_scalars {
    ($value:expr, and strings) => {
        skip_scalars!($value);
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
    ($value:expr) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

/// Links as `records.json` writes them (`{id, title, url}`, or `{withheld: true}`), one
/// or a list: the IDs of the visible ones. Read as a stream, never as a JSON tree: a
/// tree costs dozens of times its text, and a baseline comes from outside the content.
fn link_ids<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct Links;
    impl<'de> Visitor<'de> for Links {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a link or a list of links")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut ids = Vec::new();
            let mut count = 0;
            while let Some(LinkId(id)) = seq.next_element()? {
                count += 1;
                if count > MAX_RECORD_LINKS {
                    return Err(de::Error::custom(format!(
                        "a record lists more than {MAX_RECORD_LINKS} links"
                    )));
                }
                ids.extend(id);
            }
            Ok(ids)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            Ok(LinkId::from_map(map)?.0.into_iter().collect())
        }
        skip_scalars!(Vec::new(), and strings);
    }
    d.deserialize_any(Links)
}

/// One link of a list: its `id` when it is an object with a string `id`, else nothing
/// (a withheld link, or something Assure never writes).
struct LinkId(Option<String>);

impl LinkId {
    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<LinkId, A::Error> {
        let mut id = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "id" {
                id = map.next_value::<MaybeString>()?.0;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(LinkId(id))
    }
}

impl<'de> Deserialize<'de> for LinkId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct One;
        impl<'de> Visitor<'de> for One {
            type Value = LinkId;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a link")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<LinkId, A::Error> {
                LinkId::from_map(map)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LinkId, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(LinkId(None))
            }
            skip_scalars!(LinkId(None), and strings);
        }
        d.deserialize_any(One)
    }
}

/// A string, or nothing for any other JSON value (read without building it).
struct MaybeString(Option<String>);

impl<'de> Deserialize<'de> for MaybeString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let any = d.deserialize_any(StringOrSkip)?;
        Ok(MaybeString(any))
    }
}

/// The visitor of [`MaybeString`]: keeps a string, skips anything else.
struct StringOrSkip;

impl<'de> Visitor<'de> for StringOrSkip {
    type Value = Option<String>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    skip_scalars!(None);
}

/// A baseline's records, read one at a time and refused past [`MAX_BASELINE_RECORDS`].
fn bounded_records<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<SnapRecord>, D::Error> {
    struct Records;
    impl<'de> Visitor<'de> for Records {
        type Value = Vec<SnapRecord>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of records")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut records = Vec::new();
            while let Some(record) = seq.next_element()? {
                if records.len() == MAX_BASELINE_RECORDS {
                    return Err(de::Error::custom(format!(
                        "it lists more than {MAX_BASELINE_RECORDS} records"
                    )));
                }
                records.push(record);
            }
            Ok(records)
        }
    }
    d.deserialize_seq(Records)
}

/// What one output said: its readiness date, audience, readiness and records.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub as_of: Date,
    pub audience: String,
    /// What the baseline was ("Monitoring visit, 19 November 2025"), when it was named
    /// (`assure baseline LABEL`).
    pub label: Option<String>,
    pub readiness: Readiness,
    pub records: Vec<SnapRecord>,
    /// Record position by lower-case ID (IDs match without regard to case).
    index: HashMap<String, usize>,
}

impl Snapshot {
    fn new(as_of: Date, audience: String, readiness: Readiness, records: Vec<SnapRecord>) -> Self {
        let index = records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.to_lowercase(), i))
            .collect();
        Snapshot {
            as_of,
            audience,
            label: None,
            readiness,
            records,
            index,
        }
    }

    /// The record with this ID, if the snapshot holds it.
    pub fn get(&self, id: &str) -> Option<&SnapRecord> {
        self.index
            .get(&id.to_lowercase())
            .map(|&i| &self.records[i])
    }

    /// The current view as a snapshot: the facts its `records.json` writes.
    pub fn from_view(site: &Site, a: &Analysis, audience: &str, as_of: Date) -> Snapshot {
        let date = |d: Option<PartialDate>| d.map(|d| d.to_string());
        let ids = |r: &crate::model::Record, field: &str| -> Vec<String> {
            r.targets(field)
                .map(|t| site.records[t].id.clone())
                .collect()
        };
        let records = site
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| SnapRecord {
                id: r.id.clone(),
                rtype: r.rtype.name().to_string(),
                title: r.title.clone(),
                status: (!r.status.is_empty()).then(|| r.status.to_string()),
                due: date(r.due),
                completed: date(r.completed),
                addresses: ids(r, "addresses"),
                supports: ids(r, "supports"),
                page: Some(format!("site/{}", r.page_path())),
                derived: Some(Derived {
                    state: a.state_of(i).map(|s| s.name().to_string()),
                    overdue: (r.rtype == RecordType::Action).then_some(a.overdue[i]),
                    evidenced: (r.rtype == RecordType::Recommendation).then_some(a.evidenced[i]),
                    against_target: a.indicators[i]
                        .as_ref()
                        .and_then(|f| f.against)
                        .map(|x| x.name().to_string()),
                    score: a.risks[i].and_then(|f| f.score),
                }),
            })
            .collect();
        Snapshot::new(as_of, audience.to_string(), a.readiness, records)
    }

    /// Reads an earlier output: its folder (holding `data/records.json`) or the file.
    /// Every problem is an error saying what to do (exit 2): a missing or truncated
    /// file, a format this version does not know, a file that is not Assure's.
    pub fn read(path: &Path) -> Result<Snapshot> {
        let file = records_file(path);
        let shown = file.display();
        if std::fs::metadata(&file).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
            bail!(
                "there is no `{shown}`: give an earlier output folder (the one holding `data/records.json`) or that records.json file"
            );
        }
        // A regular file of bounded size: a named pipe or a device is refused at once.
        let bytes = crate::untrusted::read(&file, "a baseline", crate::untrusted::MAX_BYTES)?;
        Snapshot::parse(&bytes, &shown.to_string())
    }

    /// [`Snapshot::read`] from bytes; `shown` names the file in messages.
    pub fn parse(bytes: &[u8], shown: &str) -> Result<Snapshot> {
        let (written_by, version) = format_of(bytes, shown)?;
        #[derive(Deserialize)]
        struct Counts {
            evidenced: usize,
            counted: usize,
            /// Written since SPEC §14.3; counted from the records in older files.
            #[serde(default)]
            met_evidenced: Option<usize>,
        }
        #[derive(Deserialize)]
        struct Doc {
            as_of: String,
            audience: String,
            #[serde(default)]
            label: Option<String>,
            readiness: Counts,
            #[serde(deserialize_with = "bounded_records")]
            records: Vec<SnapRecord>,
        }
        let doc: Doc = serde_json::from_slice(bytes).map_err(|e| json_problem(shown, e))?;
        let as_of = Date::parse_full(&doc.as_of)
            .ok_or_else(|| not_ours(shown, format!("`as_of` is `{}`, not a date", doc.as_of)))?;
        if doc.records.iter().any(|r| r.derived.is_none()) {
            bail!(
                "`{shown}` was written by {written_by} (records.json format {version}) before records carried their derived facts (evidence state, overdue); build the content as it stood on {as_of} with this version (`assure build --as-of {as_of}`) and use that output's records.json"
            );
        }
        let met_evidenced = doc.readiness.met_evidenced.unwrap_or_else(|| {
            doc.records
                .iter()
                .filter(|r| r.rtype == "recommendation" && r.status.as_deref() == Some("met"))
                .filter(|r| r.derived.as_ref().and_then(|d| d.evidenced) == Some(true))
                .count()
        });
        let readiness = Readiness {
            evidenced: doc.readiness.evidenced,
            counted: doc.readiness.counted,
            met_evidenced,
        };
        check_figures(&readiness, &doc.records, shown)?;
        let mut snapshot = Snapshot::new(as_of, doc.audience, readiness, doc.records);
        if snapshot.index.len() != snapshot.records.len() {
            bail!("`{shown}` does not add up: it lists a record ID twice. {AS_BUILT}");
        }
        snapshot.label = doc
            .label
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty());
        Ok(snapshot)
    }

    /// Fails unless the snapshot was made for `audience` (`for_what` names the output
    /// it would be compared with).
    pub fn require_audience(&self, audience: &str, shown: &str, for_what: &str) -> Result<()> {
        if self.audience != audience {
            bail!(
                "the baseline `{shown}` was built for the audience `{}`, but {for_what} is for `{audience}`: a baseline must be for the same audience; use the earlier output built for `{audience}` (`assure build --audience {audience}`)",
                self.audience
            );
        }
        Ok(())
    }
}

/// What to do with a `records.json` whose figures do not add up.
const AS_BUILT: &str = "It is not as Assure wrote it (edited by hand, or damaged): use the records.json of that output as it was built";

/// A file that is not a records.json Assure wrote, and why.
fn not_ours(shown: &str, why: String) -> anyhow::Error {
    anyhow::anyhow!(
        "`{shown}` is not a records.json written by Assure ({why}); give the `data/records.json` of an earlier `assure build`"
    )
}

/// A records.json that JSON cannot read: cut short (a copy that did not finish), or
/// not Assure's.
fn json_problem(shown: &str, e: serde_json::Error) -> anyhow::Error {
    if e.is_eof() {
        anyhow::anyhow!(
            "`{shown}` is cut short: its JSON ends early, at line {} (a copy or download that did not finish); copy the whole `data/records.json` again from the output it came from",
            e.line()
        )
    } else {
        not_ours(shown, e.to_string())
    }
}

/// Who wrote a records.json ("Assure 0.1.0", or "an unknown version") and in which
/// format. Read from its header first, so that a format this version does not know is
/// refused before its records are read as if they were in a known one.
fn format_of(bytes: &[u8], shown: &str) -> Result<(String, u32)> {
    #[derive(Deserialize)]
    struct Header {
        format_version: Option<Value>,
        assure_version: Option<String>,
    }
    let header: Header = serde_json::from_slice(bytes).map_err(|e| json_problem(shown, e))?;
    let written_by = header.assure_version.as_deref().map_or_else(
        || "an unknown version".to_string(),
        |v| format!("Assure {v}"),
    );
    let version = match &header.format_version {
        None => 1,
        Some(v) => match v.as_u64() {
            Some(n @ 1..) if n <= u64::from(RECORDS_FORMAT) => n as u32,
            _ => bail!(
                "`{shown}` is in records.json format {v}, written by {written_by}; Assure {} reads formats 1 to {RECORDS_FORMAT}: compare it with {written_by} or later, or rebuild that output with this version",
                crate::VERSION
            ),
        },
    };
    Ok((written_by, version))
}

/// Refuses a baseline whose readiness cannot be true of its records: more evidenced
/// than counted ("10 of 1"), or more counted than it has recommendations (exactly as
/// many as are not superseded, when every recommendation says its status).
fn check_figures(r: &Readiness, records: &[SnapRecord], shown: &str) -> Result<()> {
    let recommendations: Vec<&SnapRecord> = records
        .iter()
        .filter(|rec| rec.rtype == "recommendation")
        .collect();
    let with_status = recommendations.iter().all(|rec| rec.status.is_some());
    let counted = recommendations
        .iter()
        .filter(|rec| rec.status.as_deref() != Some("superseded"))
        .count();
    let problem = if r.evidenced > r.counted {
        "more evidenced than counted".to_string()
    } else if with_status && r.counted != counted {
        format!("it has {counted} recommendations that count (not superseded)")
    } else if r.counted > recommendations.len() {
        format!("it has {} recommendations", recommendations.len())
    } else {
        return Ok(());
    };
    bail!(
        "`{shown}` does not add up: its readiness is {} of {} recommendations evidenced, but {problem}. {AS_BUILT}",
        r.evidenced,
        r.counted
    )
}

/// `PATH/data/records.json` for an output folder, else `PATH`.
pub fn records_file(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join("data").join("records.json")
    } else {
        path.to_path_buf()
    }
}

/// Reads baselines (oldest first) for an output of `audience`, refusing one out of
/// order or later than `now`, and one for another audience — unless `others_skipped`
/// (site.yaml's baselines serve the outputs of their audience; a build for another
/// audience shows no changes rather than failing).
pub fn read_baselines(
    paths: &[PathBuf],
    audience: &str,
    now: Date,
    for_what: &str,
    others_skipped: bool,
) -> Result<Vec<Snapshot>> {
    let mut out: Vec<Snapshot> = Vec::new();
    for path in paths {
        let s = Snapshot::read(path)?;
        let shown = records_file(path).display().to_string();
        if others_skipped && s.audience != audience {
            continue;
        }
        s.require_audience(audience, &shown, for_what)?;
        if s.as_of > now {
            bail!(
                "the baseline `{shown}` is as of {}, after this output's readiness date {now}: a baseline is an earlier output",
                s.as_of
            );
        }
        if let Some(prev) = out.last().filter(|_| !others_skipped) {
            if s.as_of < prev.as_of {
                bail!(
                    "the baseline `{shown}` (as of {}) comes after one as of {}: list baselines oldest first",
                    s.as_of,
                    prev.as_of
                );
            }
        }
        out.push(s);
    }
    // The site's baselines, found in `_baselines/` as well as listed, go oldest first
    // whatever their file names (a stable sort keeps listed ones of one date in order).
    if others_skipped {
        out.sort_by_key(|s| s.as_of);
    }
    Ok(out)
}

/// The folder whose every `*.json` is a baseline of the site (SPEC §14.10).
pub const BASELINES_DIR: &str = "_baselines";

/// The site's baselines: those `site.yaml` lists, then every other `*.json` under
/// `_baselines/` in the content folder (regular files, no symbolic links followed), in
/// path order; [`read_baselines`] puts them in date order.
pub fn site_baselines(site: &Site) -> Vec<PathBuf> {
    let root = &site.files.root;
    let mut out: Vec<PathBuf> = site
        .config
        .baselines
        .iter()
        .map(|(p, _)| root.join(p))
        .collect();
    let listed: HashSet<PathBuf> = out.iter().map(|p| normal(p)).collect();
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(root.join(BASELINES_DIR))
        .follow_links(false)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("json"))
        })
        .filter(|p| !listed.contains(&normal(p)))
        .collect();
    found.sort();
    out.extend(found);
    out
}

/// A path without `.` parts, to tell a listed baseline from the same file found.
fn normal(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

/// Where a view's changes come from: its baselines, and how to treat them.
pub struct Baselines<'a> {
    pub paths: &'a [PathBuf],
    /// The output, for messages ("this build", "pack `x`").
    pub for_what: &'a str,
    /// See [`read_baselines`].
    pub others_skipped: bool,
}

/// The changes from `baselines` to a view (its site and analysis); `None` when no
/// baseline is for its audience. `exists` says whether an ID names a record in the
/// content (withheld ones included): such a record missing from the view is withheld,
/// not removed, and never shown.
pub fn for_view(
    site: &Site,
    a: &Analysis,
    audience: &str,
    as_of: Date,
    baselines: &Baselines<'_>,
    exists: Hidden<'_>,
) -> Result<Option<Changes>> {
    let base = read_baselines(
        baselines.paths,
        audience,
        as_of,
        baselines.for_what,
        baselines.others_skipped,
    )?;
    if base.is_empty() {
        return Ok(None);
    }
    let now = Snapshot::from_view(site, a, audience, as_of);
    Ok(Some(Changes::since(&base, &now, exists)))
}

/// What kind of change, in the order SPEC §13.5 lists them (the order they are shown).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    StatusChanged,
    Added,
    Removed,
    EvidenceAdded,
    EvidenceChanged,
    NewlyStale,
    NewlyExpired,
    StateChanged,
    Completed,
    NewlyOverdue,
    DueMoved,
    /// An indicator whose latest figure moved onto its target (SPEC §14.9).
    OnTarget,
    /// An indicator whose latest figure moved off its target.
    OffTarget,
    /// A risk whose score (likelihood × impact) changed.
    Rescored,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::StatusChanged,
        Kind::Added,
        Kind::Removed,
        Kind::EvidenceAdded,
        Kind::EvidenceChanged,
        Kind::NewlyStale,
        Kind::NewlyExpired,
        Kind::StateChanged,
        Kind::Completed,
        Kind::NewlyOverdue,
        Kind::DueMoved,
        Kind::OnTarget,
        Kind::OffTarget,
        Kind::Rescored,
    ];

    /// The kind as data files write it (its words are [`crate::present::change_heading`]).
    pub fn name(self) -> &'static str {
        match self {
            Kind::StatusChanged => "status-changed",
            Kind::Added => "added",
            Kind::Removed => "removed",
            Kind::EvidenceAdded => "evidence-added",
            Kind::EvidenceChanged => "evidence-changed",
            Kind::NewlyStale => "newly-stale",
            Kind::NewlyExpired => "newly-expired",
            Kind::StateChanged => "state-changed",
            Kind::Completed => "completed",
            Kind::NewlyOverdue => "newly-overdue",
            Kind::DueMoved => "due-moved",
            Kind::OnTarget => "on-target",
            Kind::OffTarget => "off-target",
            Kind::Rescored => "rescored",
        }
    }
}

/// One change to one record.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub kind: Kind,
    pub id: String,
    pub rtype: String,
    pub title: String,
    /// Its page inside the output (`site/…`), when it is visible now.
    pub page: Option<String>,
    /// The value before and after, raw (a status, state or date), when the kind has one;
    /// for an added record its status or state now, for a removed one its last.
    pub from: Option<String>,
    pub to: Option<String>,
    /// For a moved due date: the new one is `later` or `earlier`.
    pub direction: Option<&'static str>,
}

/// The changes that concern one recommendation (or none: `recommendation` is `None`).
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub recommendation: Option<Subject>,
    pub changes: Vec<Change>,
}

/// A recommendation a group is about.
#[derive(Clone, Debug, PartialEq)]
pub struct Subject {
    pub id: String,
    pub title: String,
    pub page: Option<String>,
    /// Gone from the content since the baseline.
    pub removed: bool,
}

/// Readiness at one date.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub as_of: Date,
    pub readiness: Readiness,
}

impl Point {
    fn of(s: &Snapshot) -> Point {
        Point {
            as_of: s.as_of,
            readiness: s.readiness,
        }
    }
}

/// Every change between a baseline and now, for one audience.
#[derive(Clone, Debug, PartialEq)]
pub struct Changes {
    pub audience: String,
    /// The baseline compared with (the newest given).
    pub since: Point,
    /// Its label, when it was named (see [`Snapshot::label`]).
    pub since_label: Option<String>,
    pub now: Point,
    /// Readiness at each baseline, oldest first, then now.
    pub history: Vec<Point>,
    /// By recommendation (in the order of the records now, then removed ones), then the
    /// changes tied to none. A change about several recommendations is in each group.
    pub groups: Vec<Group>,
    /// Every change once, in order of kind.
    pub all: Vec<Change>,
}

impl Changes {
    /// The changes from the newest of `baselines` (oldest first, at least one) to `now`.
    pub fn since(baselines: &[Snapshot], now: &Snapshot, hidden: Hidden<'_>) -> Changes {
        let mut history: Vec<Point> = baselines.iter().map(Point::of).collect();
        history.push(Point::of(now));
        let old = baselines.last().unwrap_or(now);
        let mut c = compare(old, now, hidden);
        c.history = history;
        c
    }
}

/// The changes from `old` to `new` (two snapshots for one audience).
pub fn compare(old: &Snapshot, new: &Snapshot, hidden: Hidden<'_>) -> Changes {
    let mut all: Vec<Change> = Vec::new();
    for r in &new.records {
        match old.get(&r.id) {
            None => all.push(added(r)),
            Some(o) => record_changes(o, r, &mut all),
        }
    }
    // Gone from this view: shown only when gone from the content, never when withheld.
    for o in &old.records {
        if new.get(&o.id).is_none() && !hidden(&o.id) {
            let last = if o.rtype == RecordType::Evidence.name() {
                evidence_state(o)
            } else {
                o.status.clone()
            };
            all.push(change(Kind::Removed, o, false, last.as_deref(), None));
        }
    }
    all.sort_by_key(|c| c.kind);
    let groups = group(&all, old, new, hidden);
    Changes {
        audience: new.audience.clone(),
        since: Point::of(old),
        since_label: old.label.clone(),
        now: Point::of(new),
        history: vec![Point::of(old), Point::of(new)],
        groups,
        all,
    }
}

/// A change of `kind` to record `r`, from one value to another; `page`: with a link to
/// the record's page (not for a record that is gone).
fn change(kind: Kind, r: &SnapRecord, page: bool, from: Option<&str>, to: Option<&str>) -> Change {
    Change {
        kind,
        id: r.id.clone(),
        rtype: r.rtype.clone(),
        title: r.title.clone(),
        page: if page { r.page.clone() } else { None },
        from: from.map(str::to_string),
        to: to.map(str::to_string),
        direction: None,
    }
}

/// An evidence record's state, as the snapshot recorded it.
fn evidence_state(r: &SnapRecord) -> Option<String> {
    r.derived.as_ref().and_then(|d| d.state.clone())
}

/// An action the snapshot recorded as overdue.
fn overdue(r: &SnapRecord) -> bool {
    r.derived.as_ref().and_then(|d| d.overdue) == Some(true)
}

/// A record new since the baseline, with its evidence state or its status.
fn added(r: &SnapRecord) -> Change {
    let (kind, now) = if r.rtype == RecordType::Evidence.name() {
        (Kind::EvidenceAdded, evidence_state(r))
    } else {
        (Kind::Added, r.status.clone())
    };
    change(kind, r, true, None, now.as_deref())
}

/// The changes to a record that was there before (`o`) and is now (`r`), in the
/// order they are listed: its state or status, newly overdue, against its target, its
/// score, its due date.
fn record_changes(o: &SnapRecord, r: &SnapRecord, all: &mut Vec<Change>) {
    all.extend(state_change(o, r));
    if overdue(r) && !overdue(o) {
        all.push(change(Kind::NewlyOverdue, r, true, None, r.due.as_deref()));
    }
    // Indicators moved on or off target, risks rescored (SPEC §14.9); a risk opened
    // or closed is a change of status, above.
    let derived = |r: &SnapRecord| r.derived.clone().unwrap_or_default();
    let (before, after) = (derived(o), derived(r));
    all.extend(target_change(r, &before, &after));
    all.extend(score_change(r, &before, &after));
    all.extend(due_change(o, r));
}

/// A change of evidence state (named for what it became: changed, expired, stale) or
/// of another record's status (an action completed, with the day it was).
fn state_change(o: &SnapRecord, r: &SnapRecord) -> Option<Change> {
    if r.rtype == RecordType::Evidence.name() {
        let (before, after) = (evidence_state(o), evidence_state(r));
        if before == after {
            return None;
        }
        let named = |s: EvidenceState| after.as_deref() == Some(s.name());
        let kind = if named(EvidenceState::Changed) {
            Kind::EvidenceChanged
        } else if named(EvidenceState::Expired) {
            Kind::NewlyExpired
        } else if named(EvidenceState::Stale)
            && before.as_deref() != Some(EvidenceState::Expired.name())
        {
            Kind::NewlyStale
        } else {
            Kind::StateChanged
        };
        return Some(change(kind, r, true, before.as_deref(), after.as_deref()));
    }
    if o.status == r.status {
        return None;
    }
    let kind = if r.rtype == RecordType::Action.name() && r.status.as_deref() == Some("complete") {
        Kind::Completed
    } else {
        Kind::StatusChanged
    };
    let mut c = change(kind, r, true, o.status.as_deref(), r.status.as_deref());
    if kind == Kind::Completed {
        c.to = r.completed.clone().or(c.to);
    }
    Some(c)
}

/// An indicator that moved on or off its target (moving to neither is no change).
fn target_change(r: &SnapRecord, before: &Derived, after: &Derived) -> Option<Change> {
    if before.against_target == after.against_target {
        return None;
    }
    let kind = match after.against_target.as_deref() {
        Some("on-target") => Kind::OnTarget,
        Some("off-target") => Kind::OffTarget,
        _ => return None,
    };
    Some(change(
        kind,
        r,
        true,
        before.against_target.as_deref(),
        after.against_target.as_deref(),
    ))
}

/// A risk scored differently, and which way.
fn score_change(r: &SnapRecord, before: &Derived, after: &Derived) -> Option<Change> {
    let (was, now) = before.score.zip(after.score)?;
    if was == now {
        return None;
    }
    let mut c = change(
        Kind::Rescored,
        r,
        true,
        Some(&was.to_string()),
        Some(&now.to_string()),
    );
    c.direction = Some(if now > was { "higher" } else { "lower" });
    Some(c)
}

/// A due date set, moved or removed, and which way it moved when both are dates.
fn due_change(o: &SnapRecord, r: &SnapRecord) -> Option<Change> {
    if o.due == r.due || (o.due.is_none() && r.due.is_none()) {
        return None;
    }
    let mut c = change(Kind::DueMoved, r, true, o.due.as_deref(), r.due.as_deref());
    let last = |d: &Option<String>| {
        d.as_deref()
            .and_then(|d| PartialDate::parse(d).ok())
            .map(PartialDate::last_day)
    };
    c.direction = match (last(&o.due), last(&r.due)) {
        (Some(a), Some(b)) if b > a => Some("later"),
        (Some(a), Some(b)) if b < a => Some("earlier"),
        _ => None,
    };
    Some(c)
}

/// Groups changes by the recommendations they concern: a recommendation's own, the
/// actions addressing it, the evidence supporting it or those actions.
fn group(all: &[Change], old: &Snapshot, new: &Snapshot, hidden: Hidden<'_>) -> Vec<Group> {
    let mut by_rec: HashMap<String, Vec<Change>> = HashMap::new();
    let mut other: Vec<Change> = Vec::new();
    for c in all {
        let ids = concerns(c, old, new, hidden);
        if ids.is_empty() {
            other.push(c.clone());
        }
        for id in ids {
            by_rec.entry(id.to_lowercase()).or_default().push(c.clone());
        }
    }
    let mut groups: Vec<Group> = group_order(old, new)
        .iter()
        .filter_map(|id| {
            let changes = by_rec.remove(id)?;
            Some(Group {
                recommendation: group_head(id, old, new, hidden),
                changes,
            })
        })
        .collect();
    if !other.is_empty() {
        groups.push(Group {
            recommendation: None,
            changes: other,
        });
    }
    groups
}

/// The recommendation `id` as the head of a group: when visible now, or gone from the
/// content (never when withheld).
fn group_head(id: &str, old: &Snapshot, new: &Snapshot, hidden: Hidden<'_>) -> Option<Subject> {
    let rec = RecordType::Recommendation.name();
    if let Some(r) = new.get(id) {
        return (r.rtype == rec).then(|| Subject {
            id: r.id.clone(),
            title: r.title.clone(),
            page: r.page.clone(),
            removed: false,
        });
    }
    let r = old.get(id)?;
    (r.rtype == rec && !hidden(id)).then(|| Subject {
        id: r.id.clone(),
        title: r.title.clone(),
        page: None,
        removed: true,
    })
}

/// The recommendations a change concerns, each once, only those that may head a group:
/// itself, those an action addresses, those evidence supports directly or through the
/// actions it supports. Read from the snapshot that has the record (now, else before).
fn concerns(c: &Change, old: &Snapshot, new: &Snapshot, hidden: Hidden<'_>) -> Vec<String> {
    let rec = RecordType::Recommendation.name();
    let snap = if new.get(&c.id).is_some() { new } else { old };
    let Some(r) = snap.get(&c.id) else {
        return Vec::new();
    };
    let mut ids: Vec<String> = if r.rtype == rec {
        vec![r.id.clone()]
    } else if r.rtype == RecordType::Action.name() {
        r.addresses.clone()
    } else if r.rtype == RecordType::Evidence.name() {
        let mut ids = Vec::new();
        for s in &r.supports {
            match snap.get(s) {
                Some(t) if t.rtype == rec => ids.push(t.id.clone()),
                Some(t) if t.rtype == RecordType::Action.name() => {
                    ids.extend(t.addresses.iter().cloned())
                }
                _ => {}
            }
        }
        ids
    } else {
        Vec::new()
    };
    let mut seen = HashSet::new();
    ids.retain(|id| group_head(id, old, new, hidden).is_some() && seen.insert(id.to_lowercase()));
    ids
}

/// The order of the groups: recommendations as the records now list them, then
/// removed ones (IDs in lower case).
fn group_order(old: &Snapshot, new: &Snapshot) -> Vec<String> {
    let mut order: Vec<String> = new
        .records
        .iter()
        .chain(old.records.iter().filter(|o| new.get(&o.id).is_none()))
        .filter(|r| r.rtype == RecordType::Recommendation.name())
        .map(|r| r.id.to_lowercase())
        .collect();
    order.dedup();
    order
}

fn readiness_json(p: &Point) -> Value {
    let r = p.readiness;
    json!({
        "as_of": p.as_of.to_string(),
        "met_evidenced": r.met_evidenced,
        "met_evidenced_percent": r.met_per_mille().map(|pm| pm as f64 / 10.0),
        "evidenced": r.evidenced,
        "counted": r.counted,
        "percent": r.per_mille().map(|pm| pm as f64 / 10.0),
    })
}

fn change_json(c: &Change) -> Value {
    let mut v = json!({"kind": c.kind.name(), "id": c.id, "type": c.rtype, "title": c.title});
    for (key, value) in [("from", &c.from), ("to", &c.to)] {
        if let Some(x) = value {
            v[key] = json!(x);
        }
    }
    if let Some(d) = c.direction {
        v["direction"] = json!(d);
    }
    if let Some(p) = &c.page {
        v["page"] = json!(p);
    }
    v
}

impl Changes {
    /// How many changes of each kind (kinds with none left out).
    pub fn counts(&self) -> Vec<(Kind, usize)> {
        Kind::ALL
            .iter()
            .map(|k| (*k, self.all.iter().filter(|c| c.kind == *k).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// The changes as data (`assure diff --format json`): raw values, no labels.
    pub fn to_json(&self) -> Value {
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(|g| {
                let rec = g.recommendation.as_ref().map_or(Value::Null, |s| {
                    let mut v = json!({"id": s.id, "title": s.title, "removed": s.removed});
                    if let Some(p) = &s.page {
                        v["page"] = json!(p);
                    }
                    v
                });
                json!({"recommendation": rec, "changes": g.changes.iter().map(change_json).collect::<Vec<_>>()})
            })
            .collect();
        let counts: Vec<Value> = self
            .counts()
            .into_iter()
            .map(|(k, n)| json!({"kind": k.name(), "count": n}))
            .collect();
        json!({
            "audience": self.audience,
            "since": readiness_json(&self.since),
            "now": readiness_json(&self.now),
            "history": self.history.iter().map(readiness_json).collect::<Vec<_>>(),
            "total": self.all.len(),
            "counts": counts,
            "groups": groups,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str, t: &str, status: &str) -> SnapRecord {
        SnapRecord {
            id: id.into(),
            rtype: t.into(),
            title: format!("{id} title"),
            status: Some(status.into()),
            due: None,
            completed: None,
            addresses: Vec::new(),
            supports: Vec::new(),
            page: None,
            derived: Some(Derived::default()),
        }
    }

    fn snap(day: u8, records: Vec<SnapRecord>) -> Snapshot {
        Snapshot::new(
            Date::new(2014, 3, day).unwrap(),
            "inspector".into(),
            Readiness::default(),
            records,
        )
    }

    #[test]
    fn withheld_records_are_never_removed_and_never_head_a_group() {
        let mut act = rec("a1", "action", "in-progress");
        act.addresses = vec!["r-hidden".into()];
        let old = snap(
            1,
            vec![
                rec("r-hidden", "recommendation", "open"),
                rec("gone", "page", "published"),
                act.clone(),
            ],
        );
        let mut act2 = act.clone();
        act2.addresses = Vec::new();
        act2.status = Some("complete".into());
        let new = snap(2, vec![act2]);
        let hidden = |id: &str| id == "r-hidden";
        let c = compare(&old, &new, &hidden);
        let ids: Vec<(&str, Kind)> = c.all.iter().map(|c| (c.id.as_str(), c.kind)).collect();
        assert_eq!(ids, vec![("gone", Kind::Removed), ("a1", Kind::Completed)]);
        assert!(c.groups.iter().all(|g| g.recommendation.is_none()));
    }

    #[test]
    fn indicators_moved_on_or_off_target_and_risks_rescored() {
        let with = |id: &str, t: &str, status: &str, against: Option<&str>, score: Option<u8>| {
            let mut r = rec(id, t, status);
            r.derived = Some(Derived {
                against_target: against.map(String::from),
                score,
                ..Derived::default()
            });
            r
        };
        let old = snap(
            1,
            vec![
                with("i1", "indicator", "active", Some("off-target"), None),
                with("i2", "indicator", "active", Some("on-target"), None),
                with("i3", "indicator", "active", None, None),
                with("k1", "risk", "open", None, Some(20)),
                with("k2", "risk", "open", None, Some(6)),
            ],
        );
        let new = snap(
            2,
            vec![
                with("i1", "indicator", "active", Some("on-target"), None),
                with("i2", "indicator", "active", Some("off-target"), None),
                with("i3", "indicator", "active", None, None),
                with("k1", "risk", "open", None, Some(12)),
                with("k2", "risk", "closed", None, Some(6)),
            ],
        );
        let c = compare(&old, &new, &|_| false);
        type Seen<'a> = (
            &'a str,
            Kind,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
        );
        let got: Vec<Seen<'_>> = c
            .all
            .iter()
            .map(|c| {
                (
                    c.id.as_str(),
                    c.kind,
                    c.from.as_deref(),
                    c.to.as_deref(),
                    c.direction,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "k2",
                    Kind::StatusChanged,
                    Some("open"),
                    Some("closed"),
                    None
                ),
                (
                    "i1",
                    Kind::OnTarget,
                    Some("off-target"),
                    Some("on-target"),
                    None
                ),
                (
                    "i2",
                    Kind::OffTarget,
                    Some("on-target"),
                    Some("off-target"),
                    None
                ),
                ("k1", Kind::Rescored, Some("20"), Some("12"), Some("lower")),
            ]
        );
    }

    #[test]
    fn due_dates_moved_say_which_way() {
        let mut a = rec("a1", "action", "in-progress");
        a.due = Some("2014-03".into());
        let mut b = a.clone();
        b.due = Some("2014-06-30".into());
        let c = compare(&snap(1, vec![a]), &snap(2, vec![b]), &|_| false);
        assert_eq!(c.all.len(), 1);
        assert_eq!(c.all[0].kind, Kind::DueMoved);
        assert_eq!(c.all[0].direction, Some("later"));
    }

    #[test]
    fn unknown_formats_and_truncated_files_are_refused() {
        let e = Snapshot::parse(br#"{"format_version": 9, "assure_version": "9.0.0"}"#, "x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("format 9") && e.contains("Assure 9.0.0"), "{e}");
        let e = Snapshot::parse(br#"{"format_version": 2, "as_of": "2014"#, "x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("cut short"), "{e}");
        let e = Snapshot::parse(
            br#"{"as_of": "2014-03-31", "audience": "a", "readiness": {"evidenced": 1, "counted": 2}, "records": [{"id": "r1", "type": "recommendation"}]}"#,
            "x",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("before records carried"), "{e}");
    }

    #[test]
    fn figures_that_do_not_add_up_are_refused() {
        let rec = |id: &str, status: &str| {
            format!(
                r#"{{"id": "{id}", "type": "recommendation", "status": "{status}", "derived": {{}}}}"#
            )
        };
        let doc = |evidenced: u32, counted: u32, records: &[String]| {
            format!(
                r#"{{"format_version": 2, "as_of": "2014-03-31", "audience": "a", "readiness": {{"evidenced": {evidenced}, "counted": {counted}}}, "records": [{}]}}"#,
                records.join(", ")
            )
        };
        let parse = |text: String| Snapshot::parse(text.as_bytes(), "x");
        let open = rec("r1", "open");
        let gone = rec("r2", "superseded");
        assert!(parse(doc(1, 1, &[open.clone(), gone.clone()])).is_ok());
        for (bad, says) in [
            (
                doc(10, 1, std::slice::from_ref(&open)),
                "more evidenced than counted",
            ),
            (
                doc(1, 2, &[open.clone(), gone]),
                "1 recommendations that count",
            ),
            (doc(0, 2, &[open.clone(), open]), "a record ID twice"),
        ] {
            let e = parse(bad).unwrap_err().to_string();
            assert!(e.contains("does not add up") && e.contains(says), "{e}");
        }
    }
}
