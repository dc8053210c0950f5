//! The content model: records with checked fields, linked into one graph.
//!
//! [`build`] turns raw fields into [`Record`]s (E002, E003, W106), [`resolve`] links them
//! by ID into a [`Site`] (E004–E007, backlinks) and [`view`] filters a site for one
//! audience before any renderer sees it.

pub mod build;
pub mod figures;
pub mod judgements;
pub mod resolve;
pub mod schema;
pub mod view;

use crate::config::Config;
use crate::content::{BodyOrigin, ContentFiles};
use crate::date::PartialDate;
use crate::diagnostics::Pos;
use schema::RecordType;
use std::collections::HashMap;

/// A reference from one record to another, by ID.
#[derive(Clone, Debug, PartialEq)]
pub struct Ref {
    /// The field it was written in (`addresses`, `related`, …; `body` for `[[ID]]`).
    pub field: &'static str,
    pub id: String,
    pub pos: Pos,
    /// Index of the target record, once resolved.
    pub target: Option<usize>,
    /// The target is withheld from the view's audience (its ID is then blanked).
    pub withheld: bool,
}

/// A record's evidence file, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct FileRef {
    /// As written.
    pub path: String,
    pub pos: Pos,
    /// The file inside the content folder, once checked to exist there.
    pub resolved: Option<String>,
}

/// A relative link or image in a body, resolved to a path inside the content folder.
#[derive(Clone, Debug, PartialEq)]
pub struct LocalLink {
    /// As written in the body.
    pub dest: String,
    /// Inside the content folder, if it resolves to an existing file there.
    pub path: Option<String>,
    pub pos: Pos,
}

/// Who signed off or agreed something, and when: `signed_off` and `agreed` (SPEC §14.2).
#[derive(Clone, Debug, PartialEq)]
pub struct SignOff {
    pub by: String,
    pub on: PartialDate,
}

/// One judgement of a review: an area and its grade, as written, with their places
/// (checked against the review's framework once the site's settings are known).
#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    pub area: String,
    pub grade: String,
    pub area_pos: Pos,
    pub grade_pos: Pos,
}

/// One figure of an indicator (SPEC §14.9): the period it is for, the number, and a
/// note, written in `values` or read from a row of its `values_file`.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    pub period: PartialDate,
    pub value: f64,
    pub note: Option<String>,
    /// Where it was written: in the record's file, or on its line of the CSV file.
    pub pos: Pos,
}

/// The value of a plain field (`schema::Store::Plain`), as its kind reads it. ID
/// fields are kept with every other reference, in `Record::refs`.
#[derive(Clone, Debug, PartialEq)]
pub enum Plain {
    Text(String),
    /// One of the field's allowed values.
    Word(&'static str),
    Date(PartialDate),
    Number(f64),
    Integer(i64),
    Words(Vec<String>),
}

/// One record, every field checked and typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub id: String,
    /// The ID lower-cased: IDs are compared case-insensitively.
    pub key: String,
    pub id_pos: Pos,
    pub rtype: RecordType,
    /// The file it was read from, inside the content folder.
    pub path: String,
    pub pos: Pos,
    pub title: String,
    /// One of the type's status values (empty for types without status).
    pub status: &'static str,
    pub owner: Option<String>,
    pub date: Option<PartialDate>,
    /// `None`: every audience. Names as written, with their positions.
    pub audience: Option<Vec<(String, Pos)>>,
    pub classification: Option<&'static str>,
    pub tags: Vec<String>,
    /// Why the record is an illustration rather than a fact from the council's files:
    /// shown with it on its page and in every pack that shows it.
    pub illustrative: Option<String>,
    /// Every reference, in field order, `[[ID]]` links last.
    pub refs: Vec<Ref>,

    // Plan
    pub period_start: Option<PartialDate>,
    pub period_end: Option<PartialDate>,
    pub approved: Option<PartialDate>,
    /// Objective records of a plan (indices into `Site::records`, set when resolving).
    pub objectives: Vec<usize>,
    /// An objective's plan (index, set when resolving).
    pub parent: Option<usize>,
    // Recommendation
    pub finding: Option<&'static str>,
    pub priority: Option<&'static str>,
    pub due: Option<PartialDate>,
    /// The due date first agreed, when `due` has since moved (SPEC §14.4).
    pub original_due: Option<PartialDate>,
    /// Who agreed a `met` recommendation is met, and when (SPEC §14.2).
    pub agreed: Option<SignOff>,
    // Action
    pub completed: Option<PartialDate>,
    pub rag: Option<&'static str>,
    // Evidence
    pub kind: Option<&'static str>,
    pub file: Option<FileRef>,
    pub url: Option<String>,
    pub sha256: Option<String>,
    pub reviewed: Option<PartialDate>,
    pub expires: Option<PartialDate>,
    /// Where the document is kept, when it is neither a file nor a link (SPEC §14.1).
    pub location: Option<String>,
    /// Who signed the document off, and when (SPEC §14.2).
    pub signed_off: Option<SignOff>,
    // Review
    /// The judgement framework named in `framework:` (SPEC §14.10), where it was written.
    pub framework: Option<(String, Pos)>,
    pub judgements: Vec<Judgement>,
    // Page
    pub order: Option<i64>,
    // Indicator (SPEC §14.9)
    pub unit: Option<&'static str>,
    pub polarity: Option<&'static str>,
    pub target: Option<f64>,
    /// The figures, from `values` or `values_file`, in the order written.
    pub values: Vec<Reading>,
    /// The CSV file the figures come from, once checked (`resolved`) and read.
    pub values_file: Option<FileRef>,
    // Risk (SPEC §14.9)
    pub likelihood: Option<u8>,
    pub impact: Option<u8>,
    pub review_by: Option<PartialDate>,

    /// The values of plain fields (`schema::Store::Plain`), in the order written: fields
    /// the declaration alone drives, read by their kind.
    pub plain: Vec<(&'static str, Plain)>,
    /// Fields this tool does not know, kept as written ("Other details").
    pub extra: Vec<(String, serde_yaml::Value)>,
    pub personal_data_reviewed: Option<PartialDate>,
    /// Markdown (an objective's `description`).
    pub body: String,
    pub body_origin: BodyOrigin,
    pub local_links: Vec<LocalLink>,
    /// Where each field's key was written, for diagnostics raised after building.
    pub field_pos: Vec<(String, Pos)>,
}

impl Record {
    /// The page name: the ID lower-cased.
    pub fn slug(&self) -> &str {
        &self.key
    }

    /// Path of the record's page inside the site.
    pub fn page_path(&self) -> String {
        format!("{}/{}.html", self.rtype.folder(), self.key)
    }

    /// References written in one field.
    pub fn refs_in<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a Ref> + 'a {
        self.refs.iter().filter(move |r| r.field == field)
    }

    /// The value of a plain field, if it was given.
    pub fn plain(&self, name: &str) -> Option<&Plain> {
        self.plain.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The text of a text field, plain or typed, if it was given: what the
    /// personal-data lint and the search index read.
    pub fn text(&self, name: &str) -> Option<&str> {
        match name {
            "title" => Some(&self.title),
            "owner" => self.owner.as_deref(),
            "illustrative" => self.illustrative.as_deref(),
            "url" => self.url.as_deref(),
            "location" => self.location.as_deref(),
            _ => match self.plain(name) {
                Some(Plain::Text(t)) => Some(t),
                _ => None,
            },
        }
    }

    /// The evidence file inside the content folder, if it was found there.
    pub fn file_path(&self) -> Option<&str> {
        self.file.as_ref().and_then(|f| f.resolved.as_deref())
    }

    /// Where a relative link or image of the body points inside the content folder.
    pub fn local_path(&self, dest: &str) -> Option<&str> {
        self.local_links
            .iter()
            .find(|l| l.dest == dest)
            .and_then(|l| l.path.as_deref())
    }

    /// Where a field's key was written (the record's first line if it was not).
    pub fn pos_of(&self, field: &str) -> Pos {
        self.field_pos
            .iter()
            .find(|(f, _)| f == field)
            .map_or(self.pos, |(_, p)| *p)
    }

    /// Resolved targets of one field.
    pub fn targets<'a>(&'a self, field: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.refs_in(field).filter_map(|r| r.target)
    }

    /// Whether evidence holds a document: an attachment that exists, a link, or a
    /// place it is kept (SPEC §14.1).
    pub fn holds(&self) -> bool {
        let some = |t: &Option<String>| t.as_deref().is_some_and(|t| !t.trim().is_empty());
        self.file_path().is_some() || some(&self.url) || some(&self.location)
    }

    /// Evidence cited for context only (`kind: reference`): never stale, never counted.
    pub fn is_reference(&self) -> bool {
        self.kind == Some("reference")
    }

    /// A due date that has moved from the one first agreed: (original, now).
    pub fn due_moved(&self) -> Option<(PartialDate, PartialDate)> {
        match (self.original_due, self.due) {
            (Some(o), Some(d)) if o != d => Some((o, d)),
            _ => None,
        }
    }

    /// Every content file this record is read from: its own, and the CSV of its
    /// figures (`values_file`). A problem in any of them belongs to the record, and is
    /// withheld with it.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.path.as_str()).chain(
            self.values_file
                .as_ref()
                .and_then(|f| f.resolved.as_deref()),
        )
    }

    /// Whether an audience may see this record.
    pub fn visible_to(&self, audience: &str) -> bool {
        audience == crate::config::INTERNAL
            || self
                .audience
                .as_ref()
                .is_none_or(|names| names.iter().any(|(n, _)| n == audience))
    }

    /// Visible outside `internal` (SPEC §5, W107).
    pub fn visible_outside_internal(&self) -> bool {
        self.audience
            .as_ref()
            .is_none_or(|names| names.iter().any(|(n, _)| n != crate::config::INTERNAL))
    }
}

/// A backlink: `from` refers to this record through `field`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backlink {
    pub from: usize,
    pub field: &'static str,
}

/// The whole content, resolved into a graph.
#[derive(Debug, Default)]
pub struct Site {
    pub config: Config,
    pub files: ContentFiles,
    /// In path order (then position inside the file).
    pub records: Vec<Record>,
    /// Lower-cased ID → index of its first record.
    pub index: HashMap<String, usize>,
    /// Per record, who refers to it.
    pub backlinks: Vec<Vec<Backlink>>,
}

impl Site {
    pub fn get(&self, id: &str) -> Option<&Record> {
        self.index
            .get(&id.to_lowercase())
            .map(|&i| &self.records[i])
    }

    pub fn of_type(&self, t: RecordType) -> impl Iterator<Item = (usize, &Record)> {
        self.records
            .iter()
            .enumerate()
            .filter(move |(_, r)| r.rtype == t)
    }
}
