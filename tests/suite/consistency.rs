//! Every output shows the same figures (SPEC §7, §13.1): readiness "N of D", evidence
//! counts by state, the overdue count and the gap lists (recommendations without current
//! evidence, overdue actions, stale, expired and changed evidence), and each record's
//! own fact (an evidence record's state, whether a recommendation is evidenced, whether
//! an action is overdue).
//!
//! Two content folders, each built for two audiences (`build --audience X`):
//! - `tests/fixtures/consistency/`: every trap (superseded, withdrawn and draft evidence
//!   that is old, expired or changed; current evidence reaching a recommendation only
//!   through a cancelled action; superseded recommendations with and without evidence;
//!   evidence withheld from the public supporting a visible recommendation; expired,
//!   stale and changed evidence, one that is all three; deadlines on the readiness date).
//!   Its figures are worked out by hand below, and every output must equal them.
//! - the demo `content/`: no hand figures; every output must agree with `status`.
//!
//! The figures are read from what users see: the dashboard, the matrix, the evidence and
//! recommendation lists, every record page and every link's tags on every page,
//! `data/records.json`, the CSV trackers, the workbook's Readiness sheet, the changes
//! page's readiness now (where there are baselines), the summary of each PDF pack of the audience
//! (`pdftotext -layout`), `status --format json`, `check`'s summary line, and the same
//! pages fetched from `assure serve --audience X`.
//!
//! Also: no evidence ever shows two state tags, and superseded, withdrawn or draft
//! evidence is never stale, expired or changed anywhere.

use crate::common;

use common::tool;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// A regular expression, compiled once per test run.
fn re(pattern: &'static str) -> &'static regex::Regex {
    type Cache = Mutex<HashMap<&'static str, &'static regex::Regex>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Cache::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    cache.entry(pattern).or_insert_with(|| {
        Box::leak(Box::new(
            regex::Regex::new(pattern).expect("a valid pattern"),
        ))
    })
}

/// Evidence states in their order of precedence (SPEC §13.1).
const STATES: [&str; 8] = [
    "withdrawn",
    "superseded",
    "draft",
    "empty",
    "changed",
    "expired",
    "stale",
    "current",
];

/// Recommendation and action statuses, and RAG ratings (SPEC §3), for the counts.
const REC_STATUSES: [&str; 6] = [
    "open",
    "in-progress",
    "met",
    "partially-met",
    "not-met",
    "superseded",
];
const ACTION_STATUSES: [&str; 5] = [
    "not-started",
    "in-progress",
    "complete",
    "blocked",
    "cancelled",
];
const RAGS: [&str; 4] = ["red", "amber", "green", "blue"];

/// The gap lists behind readiness, as the dashboard names them.
const LISTS: [&str; 7] = [
    "unevidenced",
    "past_due",
    "overdue",
    "expired",
    "stale",
    "changed",
    "unsigned",
];

/// Keys of the per-record facts (each followed by the record's ID).
const STATE_OF: &str = "state of ";
const EVIDENCED: &str = "evidenced ";
const OVERDUE: &str = "overdue ";
/// Days past due of a past-due recommendation or an overdue action (SPEC §14.4).
const DAYS_LATE: &str = "days late ";

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------
// The figures of one output.
// ---------------------------------------------------------------------------------------

/// The figures one output shows, by name ("readiness N", "list stale", "state of ev-01"),
/// as text. Problems found while reading the output (a figure shown twice with two
/// values, two state tags on one evidence record) are kept as errors.
#[derive(Debug, Default)]
struct Figures {
    source: String,
    map: BTreeMap<String, String>,
    errors: Vec<String>,
    /// Per-record facts this output shows for every visible record (a prefix above).
    complete: BTreeSet<&'static str>,
}

impl Figures {
    fn new(source: impl Into<String>) -> Figures {
        Figures {
            source: source.into(),
            ..Figures::default()
        }
    }

    fn fail(&mut self, msg: impl std::fmt::Display) {
        self.errors.push(format!("{}: {msg}", self.source));
    }

    /// Records a figure; the same figure shown again must have the same value.
    fn put(&mut self, key: impl Into<String>, value: impl ToString) {
        let key = key.into();
        let value = value.to_string();
        match self.map.get(&key) {
            Some(old) if *old != value => {
                let msg = format!("{key} is shown as both `{old}` and `{value}`");
                self.fail(msg);
            }
            Some(_) => {}
            None => {
                self.map.insert(key, value);
            }
        }
    }

    /// A gap list, and its length as the list's count.
    fn list(&mut self, name: &str, ids: &[String]) {
        // The members count, not the order: the dashboard lists past-due recommendations
        // most overdue first, the evidence list the newest first.
        let mut sorted = ids.to_vec();
        sorted.sort();
        self.put(format!("list {name}"), sorted.join(", "));
        self.put(format!("count {name}"), ids.len());
    }

    /// Evidence counts by state: every state (0 when not shown) and the total.
    fn by_state(&mut self, counts: &BTreeMap<String, usize>) {
        for s in counts.keys() {
            if !STATES.contains(&s.as_str()) {
                self.fail(format!("unknown evidence state `{s}` in its counts"));
            }
        }
        for s in STATES {
            self.put(format!("evidence {s}"), counts.get(s).copied().unwrap_or(0));
        }
        self.put("evidence total", counts.values().sum::<usize>());
    }

    /// Counts by value of one kind ("recommendations", "actions", "actions RAG"): every
    /// value of `all` (0 when not shown).
    fn counts(&mut self, what: &str, all: &[&str], counts: &BTreeMap<String, usize>) {
        for s in counts.keys() {
            if !all.contains(&s.as_str()) {
                self.fail(format!("unknown value `{s}` in the {what} counts"));
            }
        }
        for s in all {
            self.put(format!("{what} {s}"), counts.get(*s).copied().unwrap_or(0));
        }
    }

    fn readiness(&mut self, n: usize, d: usize) {
        self.put("readiness N", n);
        self.put("readiness D", d);
    }

    /// The readiness sentence (SPEC §14.3), in text with any markup removed: "M of D
    /// recommendations met and evidenced (P %); N of D have current evidence (Q %)".
    fn headline(&mut self, text: &str) {
        let plain = re(r"<[^>]*>").replace_all(text, "");
        let plain = plain.split_whitespace().collect::<Vec<_>>().join(" ");
        match re(r"(\d+) of (\d+) recommendations met and evidenced \((\d+\.\d %|n/a)\); (\d+) of (\d+) have current evidence \((\d+\.\d %|n/a)\)")
            .captures(&plain)
        {
            Some(c) => {
                self.put("readiness M", num(&c[1]));
                self.put("readiness met percent", &c[3]);
                self.readiness(num(&c[4]), num(&c[2]));
                self.put("readiness D", num(&c[5]));
                self.put("readiness percent", &c[6]);
            }
            None => self.fail(format!("no readiness sentence in `{}`", plain.chars().take(300).collect::<String>())),
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }
}

/// A raw value from its label: "In progress" → "in-progress".
fn raw(label: &str) -> String {
    match label.trim() {
        // The one state whose label is not its value (SPEC §14.1).
        "Nothing held" => "empty".into(),
        l => l.to_lowercase().replace(' ', "-"),
    }
}

/// The labels of the tags in a piece of HTML, in order.
fn tag_labels(html: &str) -> Vec<String> {
    re(r#"<strong class="tag tag-[a-z-]+">([^<]*)</strong>"#)
        .captures_iter(html)
        .map(|c| c[1].to_string())
        .collect()
}

fn num(s: &str) -> usize {
    s.parse().expect("a number")
}

/// What type a record is, for the per-record facts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Evidence,
    Recommendation,
    Action,
    Other,
}

impl Kind {
    fn of(name: &str) -> Kind {
        match name {
            "evidence" => Kind::Evidence,
            "recommendation" => Kind::Recommendation,
            "action" => Kind::Action,
            _ => Kind::Other,
        }
    }
}

/// One record's facts as an output shows them.
#[derive(Clone, Debug)]
struct Row {
    id: String,
    kind: Kind,
    /// The recorded status (recommendations: to tell superseded ones).
    status: String,
    state: Option<String>,
    evidenced: Option<bool>,
    overdue: Option<bool>,
    /// Its page inside `site/` (from records.json).
    page: String,
    /// An action's effective RAG (data files only).
    rag: Option<String>,
    /// The facts of SPEC §14 the data files carry.
    more: Extra,
}

/// A record's §14 facts, as the data files give them.
#[derive(Clone, Debug, Default)]
struct Extra {
    /// A recommendation past due.
    past_due: Option<bool>,
    /// Days past due (a past-due recommendation or an overdue action).
    days_late: Option<i64>,
    /// Evidence of kind `reference`.
    reference: bool,
    /// Evidence with `signed_off` recorded.
    signed: Option<bool>,
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// Puts each row's fact and the figures they add up to. `evidence`, `recs` and
/// `actions` say which types the output lists in full (in site order).
fn derive(f: &mut Figures, rows: &[Row], evidence: bool, recs: bool, actions: bool) {
    if evidence {
        f.complete.insert(STATE_OF);
        let mut counts = BTreeMap::new();
        let mut lists: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for r in rows.iter().filter(|r| r.kind == Kind::Evidence) {
            let Some(state) = &r.state else {
                f.fail(format!("evidence `{}` shows no state", r.id));
                continue;
            };
            f.put(format!("{STATE_OF}{}", r.id), state);
            *counts.entry(state.clone()).or_insert(0) += 1;
            lists.entry(state.as_str()).or_default().push(r.id.clone());
        }
        f.by_state(&counts);
        for s in ["stale", "expired", "changed"] {
            f.list(s, lists.get(s).map_or(&[][..], |v| v.as_slice()));
        }
        // Counted evidence (current, not a reference) with no sign-off.
        let ev: Vec<&Row> = rows.iter().filter(|r| r.kind == Kind::Evidence).collect();
        if ev.iter().all(|r| r.more.signed.is_some()) {
            let unsigned: Vec<String> = ev
                .iter()
                .filter(|r| r.state.as_deref() == Some("current") && !r.more.reference)
                .filter(|r| r.more.signed == Some(false))
                .map(|r| r.id.clone())
                .collect();
            f.list("unsigned", &unsigned);
        }
    }
    if recs {
        f.complete.insert(EVIDENCED);
        let (mut n, mut d, mut m, mut unevidenced) = (0, 0, 0, Vec::new());
        let mut past_due = Some(Vec::new());
        for r in rows.iter().filter(|r| r.kind == Kind::Recommendation) {
            let Some(ev) = r.evidenced else {
                f.fail(format!("recommendation `{}` shows no evidence word", r.id));
                continue;
            };
            f.put(format!("{EVIDENCED}{}", r.id), yes(ev));
            if r.status != "superseded" {
                d += 1;
                if ev {
                    n += 1;
                    if r.status == "met" {
                        m += 1;
                    }
                } else {
                    unevidenced.push(r.id.clone());
                }
            }
            match (r.more.past_due, past_due.as_mut()) {
                (Some(true), Some(list)) => {
                    list.push(r.id.clone());
                    if let Some(days) = r.more.days_late {
                        f.put(format!("{DAYS_LATE}{}", r.id), days);
                    }
                }
                (Some(false), _) => {}
                _ => past_due = None,
            }
        }
        f.readiness(n, d);
        if rows.iter().any(|r| !r.status.is_empty()) {
            f.put("readiness M", m);
        }
        f.list("unevidenced", &unevidenced);
        if let Some(list) = past_due {
            f.list("past_due", &list);
        }
    }
    if actions {
        f.complete.insert(OVERDUE);
        let mut overdue = Vec::new();
        for r in rows.iter().filter(|r| r.kind == Kind::Action) {
            let Some(o) = r.overdue else {
                f.fail(format!("action `{}` shows no overdue fact", r.id));
                continue;
            };
            f.put(format!("{OVERDUE}{}", r.id), yes(o));
            if o {
                overdue.push(r.id.clone());
                if let Some(days) = r.more.days_late {
                    f.put(format!("{DAYS_LATE}{}", r.id), days);
                }
            }
        }
        f.list("overdue", &overdue);
    }
}

/// Counts of recommendations and actions by status, and of actions by RAG, from rows
/// that carry the recorded status (the data files).
fn status_counts(f: &mut Figures, rows: &[Row]) {
    let count = |kind: Kind, value: &dyn Fn(&Row) -> Option<String>| {
        let mut m = BTreeMap::new();
        for r in rows.iter().filter(|r| r.kind == kind) {
            if let Some(v) = value(r) {
                *m.entry(v).or_insert(0) += 1;
            }
        }
        m
    };
    let status = |r: &Row| Some(r.status.clone());
    f.counts(
        "recommendations",
        &REC_STATUSES,
        &count(Kind::Recommendation, &status),
    );
    f.counts("actions", &ACTION_STATUSES, &count(Kind::Action, &status));
    f.counts(
        "actions RAG",
        &RAGS,
        &count(Kind::Action, &|r| r.rag.clone()),
    );
}

/// Counts given as a JSON object of value → number.
fn json_counts(v: &serde_json::Value) -> BTreeMap<String, usize> {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0) as usize))
                .collect()
        })
        .unwrap_or_default()
}

/// Counts shown as "Label N · Label N" (labels of raw values).
fn label_counts(text: &str) -> BTreeMap<String, usize> {
    re(r"([A-Z][a-z]*(?: [a-z]+)?) (\d+)")
        .captures_iter(text)
        .map(|c| (raw(&c[1]), num(&c[2])))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Reading the outputs.
// ---------------------------------------------------------------------------------------

/// `status --format json`: the figures as the status command gives them.
fn from_status(source: &str, text: &str) -> Figures {
    let mut f = Figures::new(source);
    let v: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            f.fail(format!("not JSON ({e}): {text}"));
            return f;
        }
    };
    let n = v["readiness"]["evidenced"].as_u64().unwrap_or(u64::MAX) as usize;
    let d = v["readiness"]["counted"].as_u64().unwrap_or(u64::MAX) as usize;
    f.readiness(n, d);
    let percent = |key: &str| match v["readiness"][key].as_f64() {
        Some(p) => format!("{p:.1} %"),
        None => "n/a".into(),
    };
    f.put("readiness percent", percent("percent"));
    f.put("readiness met percent", percent("met_evidenced_percent"));
    f.put(
        "readiness M",
        v["readiness"]["met_evidenced"].as_u64().unwrap_or(u64::MAX),
    );
    f.put(
        "count due_moved",
        v["due_moved"].as_u64().unwrap_or(u64::MAX),
    );
    let counts: BTreeMap<String, usize> = v["evidence"]["by_state"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0) as usize))
                .collect()
        })
        .unwrap_or_default();
    f.by_state(&counts);
    f.put(
        "count overdue",
        v["actions"]["overdue"].as_u64().unwrap_or(u64::MAX),
    );
    f.counts(
        "recommendations",
        &REC_STATUSES,
        &json_counts(&v["recommendations"]["by_status"]),
    );
    f.counts(
        "actions",
        &ACTION_STATUSES,
        &json_counts(&v["actions"]["by_status"]),
    );
    f.counts("actions RAG", &RAGS, &json_counts(&v["actions"]["by_rag"]));
    for name in LISTS {
        let ids: Vec<String> = match v[name].as_array() {
            Some(a) => a
                .iter()
                .map(|x| x.as_str().unwrap_or("?").to_string())
                .collect(),
            None => {
                f.fail(format!("no `{name}` list"));
                continue;
            }
        };
        f.list(name, &ids);
    }
    f
}

/// `check`'s summary line, last on stdout: "readiness P (N of D recommendations evidenced)".
fn from_check(source: &str, stdout: &str) -> Figures {
    let mut f = Figures::new(source);
    let summary = stdout.lines().last().unwrap_or_default();
    f.headline(summary);
    f
}

/// `data/records.json`: its `readiness` and each record's `derived` facts.
fn from_records_json(source: &str, text: &str) -> (Figures, Vec<Row>) {
    let mut f = Figures::new(source);
    let v: serde_json::Value = serde_json::from_str(text).expect("records.json is JSON");
    let r = &v["readiness"];
    let n = r["evidenced"].as_u64().unwrap_or(u64::MAX) as usize;
    let d = r["counted"].as_u64().unwrap_or(u64::MAX) as usize;
    f.readiness(n, d);
    f.put("readiness percent", r["percent"].as_str().unwrap_or("?"));
    f.put(
        "readiness M",
        r["met_evidenced"].as_u64().unwrap_or(u64::MAX),
    );
    f.put(
        "readiness met percent",
        r["met_evidenced_percent"].as_str().unwrap_or("?"),
    );
    let rows: Vec<Row> = v["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|rec| {
            let d = &rec["derived"];
            Row {
                id: rec["id"].as_str().unwrap_or("?").to_string(),
                kind: Kind::of(rec["type"].as_str().unwrap_or("")),
                status: rec["status"].as_str().unwrap_or("").to_string(),
                state: d["state"].as_str().map(str::to_string),
                evidenced: d["evidenced"].as_bool(),
                overdue: d["overdue"].as_bool(),
                page: rec["page"]
                    .as_str()
                    .unwrap_or("")
                    .trim_start_matches("site/")
                    .to_string(),
                rag: d["effective_rag"].as_str().map(str::to_string),
                more: Extra {
                    past_due: d["past_due"].as_bool(),
                    days_late: d["days_past_due"].as_i64(),
                    reference: rec["kind"].as_str() == Some("reference"),
                    signed: (rec["type"].as_str() == Some("evidence"))
                        .then(|| rec.get("signed_off").is_some()),
                },
            }
        })
        .collect();
    derive(&mut f, &rows, true, true, true);
    status_counts(&mut f, &rows);
    (f, rows)
}

/// The rows of one CSV tracker as maps of column → cell.
fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut r = csv::Reader::from_reader(bytes);
    let header: Vec<String> = r
        .headers()
        .expect("a header row")
        .iter()
        .map(str::to_string)
        .collect();
    r.records()
        .map(|rec| {
            let rec = rec.expect("a CSV row");
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// `data/evidence.csv` (`state`), `data/recommendation.csv` (`evidenced`) and
/// `data/action.csv` (`overdue`).
fn from_csv(source: &str, data: &Path) -> Figures {
    let mut f = Figures::new(source);
    let mut rows = Vec::new();
    for (file, kind) in [
        ("action.csv", Kind::Action),
        ("evidence.csv", Kind::Evidence),
        ("recommendation.csv", Kind::Recommendation),
    ] {
        for m in csv_rows(&data.join(file)) {
            let flag = |col: &str| match m.get(col).map(String::as_str) {
                Some("yes") => Some(true),
                Some("no") => Some(false),
                _ => None,
            };
            rows.push(Row {
                id: m.get("id").cloned().unwrap_or_default(),
                kind,
                status: m.get("status").cloned().unwrap_or_default(),
                state: m.get("state").filter(|s| !s.is_empty()).cloned(),
                evidenced: flag("evidenced"),
                overdue: flag("overdue"),
                page: String::new(),
                rag: m.get("effective_rag").filter(|s| !s.is_empty()).cloned(),
                more: Extra {
                    past_due: flag("past_due"),
                    days_late: m.get("days_past_due").and_then(|d| d.parse().ok()),
                    reference: m.get("kind").map(String::as_str) == Some("reference"),
                    signed: (kind == Kind::Evidence)
                        .then(|| m.get("signed_off_by").is_some_and(|s| !s.is_empty())),
                },
            });
        }
    }
    derive(&mut f, &rows, true, true, true);
    status_counts(&mut f, &rows);
    f
}

/// The workbook's Readiness sheet (`data/tracker.xlsx`): readiness, the counts by status,
/// state and RAG, and each gap list with its IDs, as the rows of column A and B.
fn from_workbook(source: &str, path: &Path) -> Figures {
    use calamine::{Data, Reader};
    let mut f = Figures::new(source);
    let mut wb: calamine::Xlsx<_> = match calamine::open_workbook(path) {
        Ok(wb) => wb,
        Err(e) => {
            f.fail(format!("cannot open: {e}"));
            return f;
        }
    };
    let Ok(range) = wb.worksheet_range("Readiness") else {
        f.fail("no Readiness sheet");
        return f;
    };
    let text = |d: Option<&Data>| match d {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(x)) => format!("{x}"),
        Some(Data::Int(n)) => n.to_string(),
        _ => String::new(),
    };
    let rows: Vec<(String, String)> = range
        .rows()
        .map(|r| (text(r.first()), text(r.get(1))))
        .collect();
    let counts = [
        ("Recommendations by status", "recommendations"),
        ("Evidence by state", "evidence"),
        ("Actions by status", "actions"),
        ("Actions by RAG", "actions RAG"),
    ];
    let lists = [
        ("Recommendations without current evidence", "unevidenced"),
        ("Recommendations past due", "past_due"),
        ("Overdue actions", "overdue"),
        ("Stale evidence", "stale"),
        ("Expired evidence", "expired"),
        ("Changed evidence", "changed"),
        ("Counted evidence with no sign-off", "unsigned"),
    ];
    // Past due and overdue lists give the days in column C.
    let days: BTreeMap<String, String> = range
        .rows()
        .filter_map(|r| match (text(r.first()), text(r.get(2))) {
            (id, d) if !id.is_empty() && d.parse::<i64>().is_ok() => Some((id, d)),
            _ => None,
        })
        .collect();
    let mut at = 0;
    while at < rows.len() {
        let (a, b) = &rows[at];
        at += 1;
        // The rows under a heading, up to the blank row that ends its section.
        let block = |at: &mut usize| {
            let mut out = Vec::new();
            while let Some((k, v)) = rows.get(*at).filter(|(k, _)| !k.is_empty()) {
                out.push((k.clone(), v.clone()));
                *at += 1;
            }
            out
        };
        if a == "Readiness" {
            f.headline(b);
        } else if a == "Due dates moved" {
            f.put("count due_moved", b);
        } else if let Some((_, what)) = counts.iter().find(|(t, _)| t == a) {
            let by: BTreeMap<String, usize> = block(&mut at)
                .into_iter()
                .map(|(k, v)| (raw(&k), num(&v)))
                .collect();
            match *what {
                "evidence" => f.by_state(&by),
                "recommendations" => f.counts(what, &REC_STATUSES, &by),
                "actions" => f.counts(what, &ACTION_STATUSES, &by),
                _ => f.counts(what, &RAGS, &by),
            }
        } else if let Some((_, name)) = lists.iter().find(|(t, _)| a.starts_with(t)) {
            let ids: Vec<String> = block(&mut at).into_iter().map(|(id, _)| id).collect();
            if num(b) != ids.len() {
                f.fail(format!("{a} says {b} but lists {}", ids.len()));
            }
            if matches!(*name, "past_due" | "overdue") {
                for id in &ids {
                    match days.get(id) {
                        Some(d) => f.put(format!("{DAYS_LATE}{id}"), d),
                        None => f.fail(format!("{id} in {a} has no days past due")),
                    }
                }
            }
            f.list(name, &ids);
            if *name == "overdue" {
                f.put("count overdue", ids.len());
            }
        }
    }
    f
}

/// The changes page (`changes.html`, built with baselines): readiness now, the last row
/// of readiness over time ("16 of 25 … now").
fn from_changes(source: &str, html: &str) -> Figures {
    let mut f = Figures::new(source);
    let rows: Vec<Vec<String>> = re(r"(?s)<tr>(.*?)</tr>")
        .captures_iter(html)
        .map(|c| {
            re(r"(?s)<t[hd][^>]*>(.*?)</t[hd]>")
                .captures_iter(&c[1])
                .map(|d| d[1].trim().to_string())
                .collect()
        })
        .collect();
    // The chart's numbers (date, evidenced, counted, per cent) or, with one baseline,
    // the table of then and now (date, "N of D", per cent); the last row is now.
    // The chart's numbers (date, met and evidenced, evidenced, counted, per cent) or,
    // with one baseline, the table of then and now, whose last cell is the sentence.
    let last = rows.iter().rev().find(|r| r.len() == 5 || r.len() == 4);
    match last.map(|r| r.as_slice()) {
        Some([_, m, n, d, p]) if n.parse::<usize>().is_ok() => {
            f.readiness(num(n), num(d));
            f.put("readiness M", num(m));
            f.put("readiness percent", p);
        }
        Some([_, _, _, sentence]) => f.headline(sentence),
        _ => f.fail("no readiness-over-time numbers"),
    }
    f
}

/// The dashboard: the readiness figure, the gap cards, the gap lists and the counts of
/// the Records table.
fn from_dashboard(source: &str, html: &str) -> Figures {
    let mut f = Figures::new(source);
    // The large figure is met and evidenced (SPEC §14.3).
    match re(
        r#"(?s)<p class="readiness-figure"><span class="figure">(\d+) of (\d+)</span>(.*?)</p>"#,
    )
    .captures(html)
    {
        Some(c) => f.headline(&c[0]),
        None => f.fail("no readiness figure"),
    }
    // The counts by status beside it.
    match re(r#"(?s)<div class="readiness-statuses">(.*?)</div>"#).captures(html) {
        Some(c) => {
            let counts = re(r#"<strong class="tag tag-[a-z-]+">([^<]+)</strong> (\d+)"#)
                .captures_iter(&c[1])
                .map(|t| (raw(&t[1]), num(&t[2])))
                .collect();
            f.counts("recommendations", &REC_STATUSES, &counts);
        }
        None => f.fail("no counts by status beside the readiness figure"),
    }
    // The unevidenced split into past due and not yet due adds up to the list.
    match re(r#"Not evidenced: <a href="\#gap-unevidenced"><strong>(\d+)</strong> past due</a> and <strong>(\d+)</strong> not past due"#).captures(html) {
        Some(c) => f.put("count unevidenced", num(&c[1]) + num(&c[2])),
        None if html.contains(r#"<span class="gap-number">0</span> <span class="gap-label">recommendations without"#) => {}
        None => f.fail("no split of the unevidenced into past due and not yet due"),
    }
    let mut cards = 0;
    for c in re(r##"<a href="#gap-([a-z-]+)"><span class="gap-number">(\d+)</span>"##)
        .captures_iter(html)
    {
        cards += 1;
        f.put(format!("count {}", c[1].replace('-', "_")), &c[2]);
    }
    if cards != LISTS.len() {
        f.fail(format!("{cards} gap cards, not {}", LISTS.len()));
    }
    let mut sections = 0;
    for c in re(r#"(?s)<section class="gap" aria-labelledby="gap-([a-z-]+)">(.*?)</section>"#)
        .captures_iter(html)
    {
        sections += 1;
        let key = c[1].replace('-', "_");
        let body = &c[2];
        match re(r#"<span class="count">\((\d+)\)</span></h3>"#).captures(body) {
            Some(n) => f.put(format!("count {key}"), &n[1]),
            None => f.fail(format!("the {key} gap list has no count")),
        }
        let mut ids = Vec::new();
        for row in re(r#"(?s)<tr><td class="cell-primary".*?<span class="id">([^<]+)</span>.*?<span class="tags">(.*?)</span></td></tr>"#)
            .captures_iter(body)
        {
            let id = row[1].to_string();
            let tags = tag_labels(&row[2]);
            match key.as_str() {
                "expired" | "stale" | "changed" => {
                    if tags.len() != 1 {
                        f.fail(format!(
                            "evidence `{id}` in the {key} gap list shows {} tags: {tags:?}",
                            tags.len()
                        ));
                    }
                    for t in &tags {
                        f.put(format!("{STATE_OF}{id}"), raw(t));
                    }
                }
                "overdue" => {
                    f.put(format!("{OVERDUE}{id}"), yes(tags.iter().any(|t| t == "Overdue")))
                }
                _ => {}
            }
            if matches!(key.as_str(), "past_due" | "overdue") {
                match re(r"(\d+) days? past due").captures(&row[0]) {
                    Some(d) => f.put(format!("{DAYS_LATE}{id}"), &d[1]),
                    None => f.fail(format!("`{id}` in the {key} list shows no days past due")),
                }
            }
            ids.push(id);
        }
        f.list(&key, &ids);
    }
    if sections != LISTS.len() {
        f.fail(format!("{sections} gap lists, not {}", LISTS.len()));
    }
    let row = |folder: &str, title: &str| -> Option<(usize, BTreeMap<String, usize>)> {
        let pattern = format!(
            r#"(?s)<a href="{folder}/index.html">{title}</a></th><td class="num"[^>]*>(\d+)</td><td[^>]*><ul class="status-counts">(.*?)</ul>"#
        );
        let c = regex::Regex::new(&pattern).ok()?.captures(html)?;
        let counts = re(r#"<strong class="tag tag-[a-z-]+">([^<]+)</strong> (\d+)"#)
            .captures_iter(&c[2])
            .map(|t| (raw(&t[1]), num(&t[2])))
            .collect();
        Some((num(&c[1]), counts))
    };
    match row("evidence", "Evidence") {
        Some((total, counts)) => {
            f.put("evidence total", total);
            f.by_state(&counts);
        }
        None => f.fail("no Evidence row in the Records table"),
    }
    match row("recommendations", "Recommendations") {
        // Readiness counts every recommendation that is not superseded.
        Some((total, counts)) => {
            f.put(
                "readiness D",
                total - counts.get("superseded").copied().unwrap_or(0),
            );
            f.counts("recommendations", &REC_STATUSES, &counts);
        }
        None => f.fail("no Recommendations row in the Records table"),
    }
    match row("actions", "Actions") {
        Some((_, counts)) => f.counts("actions", &ACTION_STATUSES, &counts),
        None => f.fail("no Actions row in the Records table"),
    }
    match re(r#"(?s)<p class="rag-line">(.*?)</p>"#).captures(html) {
        Some(c) => {
            let counts = re(r#"<strong class="tag tag-[a-z-]+">([^<]+)</strong> (\d+)"#)
                .captures_iter(&c[1])
                .map(|t| (raw(&t[1]), num(&t[2])))
                .collect();
            f.counts("actions RAG", &RAGS, &counts);
        }
        None => f.counts("actions RAG", &RAGS, &BTreeMap::new()),
    }
    f
}

/// The matrix: "N of D recommendations evidenced", the gap count and the gap rows.
fn from_matrix(source: &str, html: &str) -> Figures {
    let mut f = Figures::new(source);
    match re(r#"(?s)<p class="matrix-readiness">(.*?)</p>"#).captures(html) {
        Some(c) => f.headline(&c[1]),
        None => f.fail("no readiness sentence"),
    }
    if let Some(c) = re(r"<strong>(\d+) of (\d+)</strong> recommendations have no current evidence")
        .captures(html)
    {
        f.put("count unevidenced", &c[1]);
        f.put("readiness D", &c[2]);
    } else if html.contains("Every counted recommendation has current evidence.") {
        f.put("count unevidenced", 0);
    } else {
        f.fail("no count of recommendations without current evidence");
    }
    // The matrix itself, not the tables of numbers of the charts above it.
    let table = html
        .split_once(r#"id="matrix-table""#)
        .map_or("", |(_, t)| t);
    // Every group of rows (one per source review), to the end of the table.
    let table = table.split_once("</table>").map_or(table, |(t, _)| t);
    let tbody = bodies(table);
    if tbody.is_empty() {
        f.fail("no table");
        return f;
    }
    let mut gaps = Vec::new();
    for row in re(r"(?s)<tr([^>]*)>(.*?)</tr>").captures_iter(&tbody) {
        if row[1].contains("group-head") {
            continue;
        }
        let head = row[2].split("</th>").next().unwrap_or("");
        let Some(id) = re(r#"<span class="id">([^<]+)</span>"#).captures(head) else {
            f.fail("a matrix row without an ID");
            continue;
        };
        let id = id[1].to_string();
        let gap = row[1].contains("gap-row");
        let tags = tag_labels(head);
        if gap != tags.iter().any(|t| t == "Gap") {
            f.fail(format!(
                "row `{id}`: the gap class and the Gap tag disagree"
            ));
        }
        let counted = !tags.iter().any(|t| t == "Not counted");
        if gap {
            gaps.push(id.clone());
        }
        if counted {
            f.put(format!("{EVIDENCED}{id}"), yes(!gap));
        }
    }
    f.list("unevidenced", &gaps);
    f
}

/// The insides of every `<tbody>` of `html`, one after another (a grouped table has
/// one per group).
fn bodies(html: &str) -> String {
    html.split("<tbody>")
        .skip(1)
        .filter_map(|part| part.split_once("</tbody>").map(|(body, _)| body))
        .collect()
}

/// The rows of a list page: each body row's `data-status` (what the filter matches)
/// and its cells. The heading rows of groups have no data and are not rows of records.
fn list_rows(html: &str) -> Vec<(String, String)> {
    let table = html
        .split_once(r#"id="records-table""#)
        .map_or("", |(_, t)| t);
    let body = bodies(table.split_once("</table>").map_or(table, |(t, _)| t));
    re(r#"(?s)<tr((?: data-[a-z]+="[^"]*")*)>(.*?)</tr>"#)
        .captures_iter(&body)
        .map(|c| {
            let status = re(r#"data-status="([^"]*)""#)
                .captures(&c[1])
                .map_or(String::new(), |s| s[1].to_string());
            (status, c[2].to_string())
        })
        .collect()
}

fn cell<'a>(row: &'a str, label: &str) -> Option<&'a str> {
    let start = row.find(&format!("<td data-label=\"{label}\""))?;
    let rest = &row[start..];
    let end = rest.find("</td>")?;
    Some(&rest[..end])
}

fn row_id(row: &str) -> Option<String> {
    let c = re(r#"<a href="[^"]*">([^<]+)</a>"#).captures(cell(row, "ID")?)?;
    Some(c[1].to_string())
}

/// The evidence list: exactly one state tag per row.
fn from_evidence_list(source: &str, html: &str) -> Figures {
    let mut f = Figures::new(source);
    match re(r#"<h1>Evidence <span class="count">\((\d+)\)</span></h1>"#).captures(html) {
        Some(c) => f.put("evidence total", &c[1]),
        None => f.fail("no count in the heading"),
    }
    let mut rows = Vec::new();
    for (data_status, cells) in list_rows(html) {
        let Some(id) = row_id(&cells) else {
            f.fail("a row without an ID");
            continue;
        };
        let tags = tag_labels(&cells);
        if tags.len() != 1 {
            f.fail(format!(
                "evidence `{id}` shows {} tags: {tags:?}",
                tags.len()
            ));
        }
        let state = tags.first().map(|t| raw(t));
        if state.as_deref() != Some(data_status.as_str()) {
            f.fail(format!(
                "evidence `{id}`: the filter value `{data_status}` is not its state tag {state:?}"
            ));
        }
        rows.push(Row {
            id,
            kind: Kind::Evidence,
            status: String::new(),
            state,
            evidenced: None,
            overdue: None,
            page: String::new(),
            rag: None,
            more: Extra::default(),
        });
    }
    derive(&mut f, &rows, true, false, false);
    f
}

/// The recommendation list: its Status and Evidence columns.
fn from_recommendation_list(source: &str, html: &str) -> Figures {
    let mut f = Figures::new(source);
    let mut rows = Vec::new();
    for (_, cells) in list_rows(html) {
        let Some(id) = row_id(&cells) else {
            f.fail("a row without an ID");
            continue;
        };
        let mut status = cell(&cells, "Status").map(tag_labels).unwrap_or_default();
        // A past-due recommendation carries the "Past due" tag after its status.
        let past_due = status.len() == 2 && status[1] == "Past due";
        if past_due {
            status.pop();
        }
        let evidence = cell(&cells, "Evidence").map(tag_labels).unwrap_or_default();
        if status.len() != 1 || evidence.len() != 1 {
            f.fail(format!(
                "`{id}`: status tags {status:?}, evidence tags {evidence:?} (one each expected)"
            ));
            continue;
        }
        rows.push(Row {
            id,
            kind: Kind::Recommendation,
            status: raw(&status[0]),
            state: None,
            evidenced: Some(evidence[0] == "Evidenced"),
            overdue: None,
            page: String::new(),
            rag: None,
            more: Extra {
                past_due: Some(past_due),
                ..Extra::default()
            },
        });
    }
    derive(&mut f, &rows, false, true, false);
    f
}

/// One record page: the record's own tags and fields.
fn record_page_row(f: &mut Figures, page: &str, html: &str) -> Option<Row> {
    let id =
        match re(r#"<p class="caption">[^<]*<span class="id">([^<]+)</span></p>"#).captures(html) {
            Some(c) => c[1].to_string(),
            None => {
                f.fail(format!("{page}: no record ID"));
                return None;
            }
        };
    let tags = re(r#"(?s)<p class="record-tags">(.*?)</p>"#)
        .captures(html)
        .map(|c| tag_labels(&c[1]))
        .unwrap_or_default();
    let field = |name: &str| -> Option<Vec<String>> {
        let start = html.find(&format!("<dt>{name}</dt><dd>"))?;
        let rest = &html[start..];
        Some(tag_labels(&rest[..rest.find("</dd>")?]))
    };
    let kind = if page.starts_with("evidence/") {
        Kind::Evidence
    } else if page.starts_with("recommendations/") {
        Kind::Recommendation
    } else {
        Kind::Action
    };
    let mut row = Row {
        id: id.clone(),
        kind,
        status: String::new(),
        state: None,
        evidenced: None,
        overdue: None,
        page: page.to_string(),
        rag: None,
        more: Extra::default(),
    };
    match kind {
        Kind::Evidence => {
            if tags.len() != 1 {
                f.fail(format!(
                    "{page}: evidence `{id}` shows {} tags at its head: {tags:?}",
                    tags.len()
                ));
            }
            let state = tags.first().map(|t| raw(t));
            let field_state = field("State").and_then(|t| t.first().map(|t| raw(t)));
            if field_state != state {
                f.fail(format!(
                    "{page}: its State field {field_state:?} is not its tag {state:?}"
                ));
            }
            row.state = state;
        }
        Kind::Recommendation => {
            row.status = tags.first().map(|t| raw(t)).unwrap_or_default();
            let word = field("Evidence").and_then(|t| t.first().cloned());
            let Some(word) = word else {
                f.fail(format!("{page}: no Evidence field"));
                return Some(row);
            };
            let evidenced = word == "Evidenced";
            let flagged = tags.iter().any(|t| t == "No current evidence");
            let counted = row.status != "superseded";
            if flagged != (counted && !evidenced) {
                f.fail(format!(
                    "{page}: \"No current evidence\" tag {flagged}, but Evidence says `{word}` (status {})",
                    row.status
                ));
            }
            row.evidenced = Some(evidenced);
        }
        _ => {
            let head = tags.iter().any(|t| t == "Overdue");
            let due = field("Due").is_some_and(|t| t.iter().any(|t| t == "Overdue"));
            if head != due {
                f.fail(format!(
                    "{page}: Overdue at its head {head}, beside its due date {due}"
                ));
            }
            row.overdue = Some(head);
        }
    }
    Some(row)
}

/// The tags shown after each link's ID on a page (`link.html`): an evidence record
/// shows one tag, its state (or none, where a list shows no statuses, as the timeline's
/// references do), never two; an action with a status tag shows "Overdue" when overdue.
fn from_links(source: &str, html: &str, kinds: &BTreeMap<String, Kind>) -> Figures {
    let mut f = Figures::new(source);
    for c in re(r#"<span class="meta"><span class="id">([^<]+)</span>((?: <strong class="tag tag-[a-z-]+">[^<]*</strong>)*)"#)
        .captures_iter(html)
    {
        let id = c[1].to_string();
        let tags = tag_labels(&c[2]);
        match kinds.get(&id) {
            Some(Kind::Evidence) => {
                if tags.len() > 1 {
                    f.fail(format!(
                        "a link to evidence `{id}` shows {} tags: {tags:?}",
                        tags.len()
                    ));
                }
                for t in &tags {
                    f.put(format!("{STATE_OF}{id}"), raw(t));
                }
            }
            Some(Kind::Action) if !tags.is_empty() => {
                f.put(
                    format!("{OVERDUE}{id}"),
                    yes(tags.iter().any(|t| t == "Overdue")),
                );
            }
            Some(_) => {}
            None => f.fail(format!("a link to `{id}`, which is not a visible record")),
        }
    }
    f
}

/// Pages of a site, by path inside `site/`: read from a build or fetched from serve.
trait Pages {
    fn name(&self) -> String;
    fn page(&self, path: &str) -> String;
}

struct Built<'a>(&'a Path);

impl Pages for Built<'_> {
    fn name(&self) -> String {
        "site/".into()
    }
    fn page(&self, path: &str) -> String {
        std::fs::read_to_string(self.0.join("site").join(path))
            .unwrap_or_else(|e| panic!("site/{path}: {e}"))
    }
}

/// Every figure of the site's pages: dashboard, matrix, lists, record pages, and the
/// links on every page in `html` (paths inside `site/`).
fn from_pages(who: &str, pages: &dyn Pages, rows: &[Row], html: &[String], out: &mut Vec<Figures>) {
    let at = |path: &str| format!("{who}: {}{path}", pages.name());
    out.push(from_dashboard(&at("index.html"), &pages.page("index.html")));
    out.push(from_matrix(&at("matrix.html"), &pages.page("matrix.html")));
    out.push(from_evidence_list(
        &at("evidence/index.html"),
        &pages.page("evidence/index.html"),
    ));
    out.push(from_recommendation_list(
        &at("recommendations/index.html"),
        &pages.page("recommendations/index.html"),
    ));
    let mut records = Figures::new(at("<record pages>"));
    let mut found = Vec::new();
    for r in rows.iter().filter(|r| r.kind != Kind::Other) {
        let text = pages.page(&r.page);
        if let Some(row) = record_page_row(&mut records, &r.page, &text) {
            if row.id != r.id {
                records.fail(format!(
                    "{}: the page of `{}` shows `{}`",
                    r.page, r.id, row.id
                ));
            }
            found.push(row);
        }
    }
    derive(&mut records, &found, true, true, true);
    out.push(records);
    let kinds: BTreeMap<String, Kind> = rows.iter().map(|r| (r.id.clone(), r.kind)).collect();
    for path in html {
        let f = from_links(&at(&format!("{path} links")), &pages.page(path), &kinds);
        if !f.map.is_empty() || !f.errors.is_empty() {
            out.push(f);
        }
    }
}

// ---------------------------------------------------------------------------------------
// PDF packs.
// ---------------------------------------------------------------------------------------

/// The packs of `site.yaml` for an audience that have a summary section.
fn packs_for(content: &Path, audience: &str) -> Vec<String> {
    let text = std::fs::read_to_string(content.join("site.yaml")).expect("site.yaml");
    let v: serde_yaml::Value = serde_yaml::from_str(&text).expect("site.yaml is YAML");
    v["packs"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter(|p| p["audience"].as_str() == Some(audience))
        .filter(|p| {
            p["sections"]
                .as_sequence()
                .is_some_and(|s| s.iter().any(|x| x.as_str() == Some("summary")))
        })
        .filter_map(|p| p["id"].as_str().map(str::to_string))
        .collect()
}

/// A pack as `pdftotext -layout` reads it: its pages, and the top-level entries of its
/// contents with their page numbers.
struct Pack {
    pages: Vec<String>,
    entries: Vec<(String, usize)>,
}

impl Pack {
    fn read(pdf: &Path) -> Pack {
        let o = tool("pdftotext")
            .arg("-layout")
            .arg(pdf)
            .arg("-")
            .output()
            .expect("pdftotext runs");
        assert!(o.status.success(), "pdftotext {}", pdf.display());
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        let pages: Vec<String> = text.split('\x0c').map(str::to_string).collect();
        // Top-level contents entries are not indented: "Summary      3".
        let mut entries = Vec::new();
        if let Some(contents) = pages
            .iter()
            .find(|p| p.lines().any(|l| l.trim() == "Contents"))
        {
            let mut after = false;
            for line in contents.lines() {
                if line.trim() == "Contents" {
                    after = true;
                    continue;
                }
                if let Some(c) = re(r"^(\S.*?)\s{2,}(\d+)\s*$")
                    .captures(line)
                    .filter(|_| after)
                {
                    entries.push((c[1].to_string(), num(&c[2])));
                }
            }
        }
        Pack { pages, entries }
    }

    fn has(&self, title: &str) -> bool {
        self.entries.iter().any(|(t, _)| t == title)
    }

    /// The text of a section: its pages, from its contents entry to the next one.
    fn section(&self, f: &mut Figures, title: &str) -> Option<String> {
        let Some(at) = self.entries.iter().position(|(t, _)| t == title) else {
            f.fail(format!("no {title} in the contents"));
            return None;
        };
        let first = self.entries[at].1;
        let last = self
            .entries
            .get(at + 1)
            .map_or(self.pages.len(), |(_, p)| p - 1);
        if first == 0 || first > last || last > self.pages.len() {
            f.fail(format!(
                "the {title} pages {first}–{last} are not in the pack"
            ));
            return None;
        }
        Some(self.pages[first - 1..last].join("\n"))
    }
}

/// The lines of a pack table, grouped into rows: a row starts with a line whose first
/// word `starts` accepts; the following lines (wrapped cells, page furniture) belong to it.
fn pack_rows(text: &str, starts: impl Fn(&str) -> bool) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let word = line.split_whitespace().next().unwrap_or("");
        if line.starts_with(' ') && starts(word) {
            rows.push((word.to_string(), String::new()));
        }
        if let Some((_, block)) = rows.last_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    rows
}

/// The pack's recommendations section: each one's Status and Evidence, and the state
/// of the evidence listed under it.
fn from_pack_recommendations(source: &str, text: &str, kinds: &BTreeMap<String, Kind>) -> Figures {
    let mut f = Figures::new(source);
    let mut rows = Vec::new();
    let mut current: Option<Row> = None;
    for line in text.lines() {
        if let Some(c) = re(r"^([A-Za-z0-9][A-Za-z0-9._-]*): ").captures(line) {
            if kinds.get(&c[1]) == Some(&Kind::Recommendation) {
                rows.extend(current.take());
                current = Some(Row {
                    id: c[1].to_string(),
                    kind: Kind::Recommendation,
                    status: String::new(),
                    state: None,
                    evidenced: None,
                    overdue: None,
                    page: String::new(),
                    rag: None,
                    more: Extra::default(),
                });
                continue;
            }
        }
        let Some(row) = current.as_mut() else {
            continue;
        };
        if let Some(c) = re(r"^ Status\s{2,}(\S.*?)\s*$").captures(line) {
            if row.status.is_empty() {
                row.status = raw(&c[1]);
            }
        } else if let Some(c) =
            re(r"^ Evidence\s{2,}(Evidenced|Not evidenced|Not counted)\s*$").captures(line)
        {
            if row.evidenced.is_none() {
                row.evidenced = Some(&c[1] == "Evidenced");
            }
        }
        // "• Title (ev-01, p. 9) — Current; through act-1"
        for c in re(r"\(([A-Za-z0-9][A-Za-z0-9._-]*)(?:, p\. \d+)?\) — (Nothing held|[A-Z][a-z]+)")
            .captures_iter(line)
        {
            if kinds.get(&c[1]) == Some(&Kind::Evidence) {
                f.put(format!("{STATE_OF}{}", &c[1]), raw(&c[2]));
            }
        }
    }
    rows.extend(current);
    // The pack groups recommendations by source review; the lists compare in ID order.
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    derive(&mut f, &rows, false, true, false);
    f
}

/// The pack's actions, one "ID: title" heading each: "(overdue)" beside a missed due
/// date.
fn from_pack_actions(source: &str, text: &str, kinds: &BTreeMap<String, Kind>) -> Figures {
    let mut f = Figures::new(source);
    let mut blocks: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(c) = re(r"^([A-Za-z0-9][A-Za-z0-9._-]*): ").captures(line) {
            if kinds.get(&c[1]) == Some(&Kind::Action) {
                blocks.push((c[1].to_string(), String::new()));
            }
        }
        if let Some((_, block)) = blocks.last_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    let rows: Vec<Row> = blocks
        .into_iter()
        .map(|(id, block)| Row {
            id,
            kind: Kind::Action,
            status: String::new(),
            state: None,
            evidenced: None,
            overdue: Some(re(r"\(\d+ days? overdue\)").is_match(&block)),
            page: String::new(),
            rag: None,
            more: Extra::default(),
        })
        .collect();
    derive(&mut f, &rows, false, false, true);
    f
}

/// The pack's matrix: the last column says Evidenced, Not counted or GAP.
fn from_pack_matrix(source: &str, text: &str, kinds: &BTreeMap<String, Kind>) -> Figures {
    let mut f = Figures::new(source);
    let mut gaps = Vec::new();
    for (id, block) in pack_rows(text, |w| kinds.get(w) == Some(&Kind::Recommendation)) {
        let word = block
            .lines()
            .next()
            .and_then(|l| l.trim_end().rsplit("  ").next())
            .unwrap_or("")
            .trim()
            .to_string();
        match word.as_str() {
            "GAP" => {
                f.put(format!("{EVIDENCED}{id}"), "no");
                gaps.push(id);
            }
            "Evidenced" => f.put(format!("{EVIDENCED}{id}"), "yes"),
            "Not counted" => f.put(format!("{EVIDENCED}{id}"), "no"),
            other => f.fail(format!("matrix row `{id}` ends in `{other}`")),
        }
    }
    f.list("unevidenced", &gaps);
    f
}

/// The pack's summary: readiness, evidence by state, the counts and the gap tables.
fn from_pack(source: &str, pack: &Pack, kinds: &BTreeMap<String, Kind>) -> Figures {
    let mut f = Figures::new(source);
    let Some(text) = pack.section(&mut f, "Summary") else {
        return f;
    };
    let lines: Vec<&str> = text.lines().collect();
    // The sentence wraps in its cell: the first occurrence, read as one line.
    let start = text.find("Readiness").unwrap_or(0);
    let end = text[start..]
        .find("Readiness date")
        .map_or(text.len(), |e| start + e);
    f.headline(&text[start..end]);
    // "Evidence by state   Withdrawn 1 · … · Current 5", perhaps over several lines,
    // up to the next key.
    match lines
        .iter()
        .position(|l| l.trim_start().starts_with("Evidence by state"))
    {
        Some(at) => {
            let mut joined = String::new();
            for l in &lines[at..] {
                if !joined.is_empty() && l.trim_start().starts_with("Recommendations past due") {
                    break;
                }
                joined.push_str(l);
                joined.push(' ');
            }
            let counts = re(
                r"(Withdrawn|Superseded|Draft|Nothing held|Changed|Expired|Stale|Current) (\d+)",
            )
            .captures_iter(&joined)
            .map(|c| (raw(&c[1]), num(&c[2])))
            .collect();
            f.by_state(&counts);
        }
        None => f.fail("no \"Evidence by state\""),
    }
    for (key, what, all) in [
        (
            "Recommendations by status",
            "recommendations",
            &REC_STATUSES[..],
        ),
        ("Actions by status", "actions", &ACTION_STATUSES[..]),
        ("Actions by RAG", "actions RAG", &RAGS[..]),
    ] {
        match lines.iter().find_map(|l| l.trim().strip_prefix(key)) {
            Some(rest) => f.counts(what, all, &label_counts(rest)),
            None => f.fail(format!("no \"{key}\"")),
        }
    }
    for (key, name) in [
        ("Recommendations past due", "past_due"),
        ("Overdue actions", "overdue"),
        ("Stale evidence", "stale"),
        ("Expired evidence", "expired"),
        ("Changed evidence", "changed"),
        ("Unsigned evidence", "unsigned"),
        ("Due dates moved", "due_moved"),
    ] {
        let n = lines.iter().find_map(|l| {
            let rest = l.trim().strip_prefix(key)?;
            let rest = rest.trim();
            (!rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit())).then(|| num(rest))
        });
        match n {
            Some(n) => f.put(format!("count {name}"), n),
            None => f.fail(format!("no \"{key} N\" line")),
        }
    }
    // The gap tables, each under its heading: a heading line holds nothing else.
    let headings = [
        (
            "Recommendations without current evidence",
            "unevidenced",
            Kind::Recommendation,
        ),
        (
            "Recommendations past due (not met)",
            "past_due",
            Kind::Recommendation,
        ),
        ("Overdue actions", "overdue", Kind::Action),
        (
            "Stale evidence (not reviewed within the maximum age)",
            "stale",
            Kind::Evidence,
        ),
        ("Expired evidence", "expired", Kind::Evidence),
        (
            "Changed evidence (the file differs from its recorded hash)",
            "changed",
            Kind::Evidence,
        ),
        (
            "Unsigned evidence (counted, with no sign-off recorded)",
            "unsigned",
            Kind::Evidence,
        ),
    ];
    let starts: Vec<Option<usize>> = headings
        .iter()
        .map(|(h, _, _)| lines.iter().position(|l| l.trim() == *h))
        .collect();
    for (n, (heading, name, kind)) in headings.iter().enumerate() {
        let Some(start) = starts[n] else {
            f.fail(format!("no \"{heading}\" table"));
            continue;
        };
        let end = starts[n + 1..]
            .iter()
            .flatten()
            .copied()
            .find(|&s| s > start)
            .unwrap_or(lines.len());
        let ids = table_ids(&lines[start + 1..end], kinds, *kind);
        f.list(name, &ids);
    }
    f
}

/// The record IDs of a pack table, one per row: the reference "Title (ID)" or
/// "Title (ID, p. N)" in the first column, whose text may wrap (also after a hyphen
/// inside the ID) onto the following lines of the row. Rows are separated by blank
/// lines; lines of other columns start further right.
fn table_ids(lines: &[&str], kinds: &BTreeMap<String, Kind>, kind: Kind) -> Vec<String> {
    let mut ids = Vec::new();
    for block in lines.split(|l| l.trim().is_empty()) {
        let Some(first) = block.first() else {
            continue;
        };
        let indent = first.len() - first.trim_start().len();
        let mut cell = String::new();
        for l in block {
            let here = l.len() - l.trim_start().len();
            if here > indent + 2 {
                continue;
            }
            let text = l.trim_start().split("  ").next().unwrap_or("").trim_end();
            if !cell.is_empty() && !cell.ends_with('-') {
                cell.push(' ');
            }
            cell.push_str(text);
        }
        let found = re(r"\(([A-Za-z0-9][A-Za-z0-9._-]*)(?:, p\. \d+|, not in this pack)?\)")
            .captures_iter(&cell)
            .map(|c| c[1].to_string())
            .filter(|id| kinds.get(id) == Some(&kind))
            .last();
        ids.extend(found);
    }
    ids
}

// ---------------------------------------------------------------------------------------
// Running assure.
// ---------------------------------------------------------------------------------------

fn assure() -> Command {
    Command::new(env!("CARGO_BIN_EXE_assure"))
}

/// Runs assure; panics with its stderr unless it exits 0.
fn run(args: &[&str], content: &Path) -> (String, String) {
    let o = assure()
        .args(args)
        .arg("--content")
        .arg(content)
        .output()
        .expect("assure runs");
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        o.status.success(),
        "`assure {}` failed ({}):\n{stderr}",
        args.join(" "),
        o.status
    );
    (stdout, stderr)
}

/// A running `assure serve`, killed on drop.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(content: &Path, audience: &str) -> Server {
        let mut child = assure()
            .args(["serve", "--port", "0", "--audience", audience, "--content"])
            .arg(content)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("assure serve starts");
        let out = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(out).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
        let mut server = Server { child, port: 0 };
        server.port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("assure serve did not print its address: {line:?}"));
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Pages for Server {
    fn name(&self) -> String {
        "serve /".into()
    }
    fn page(&self, path: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("serve accepts");
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .expect("a timeout");
        write!(
            s,
            "GET /{path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        )
        .expect("request sent");
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("no answer from serve for /{path}"));
        assert!(
            head.starts_with("HTTP/1.1 200"),
            "serve /{path}: {}",
            head.lines().next().unwrap_or("")
        );
        body.to_string()
    }
}

/// Builds the content for an audience (site, data and packs) into `output`.
fn build(content: &Path, audience: &str, output: &Path) -> PathBuf {
    let o = assure()
        .args(["build", "--audience", audience, "--content"])
        .arg(content)
        .arg("--output")
        .arg(output)
        .output()
        .expect("assure build runs");
    assert!(
        o.status.success(),
        "build --audience {audience} of {} failed:\n{}",
        content.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    output.to_path_buf()
}

/// An audience of `site.yaml` other than `audience`.
fn other_audience(content: &Path, audience: &str) -> String {
    let text = std::fs::read_to_string(content.join("site.yaml")).expect("site.yaml");
    let v: serde_yaml::Value = serde_yaml::from_str(&text).expect("site.yaml is YAML");
    v["audiences"]
        .as_mapping()
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| k.as_str())
        .find(|a| *a != audience)
        .expect("a second audience")
        .to_string()
}

/// Every output's figures for one audience, and the records it sees (from records.json).
fn outputs(content: &Path, audience: &str) -> (Vec<Figures>, Vec<Row>) {
    let mut out = Vec::new();
    let who = audience;
    let (status, _) = run(
        &["status", "--format", "json", "--audience", audience],
        content,
    );
    out.push(from_status(
        &format!("{who}: status --format json"),
        &status,
    ));
    let (check, _) = run(&["check", "--audience", audience], content);
    out.push(from_check(&format!("{who}: check (summary line)"), &check));

    let dir = tempfile::tempdir().expect("a temporary folder");
    let output = build(content, audience, &dir.path().join("output"));
    let json = std::fs::read_to_string(output.join("data/records.json")).expect("records.json");
    let (records, rows) = from_records_json(&format!("{who}: data/records.json"), &json);
    out.push(records);
    out.push(from_csv(
        &format!("{who}: data/*.csv"),
        &output.join("data"),
    ));
    out.push(from_workbook(
        &format!("{who}: data/tracker.xlsx"),
        &output.join("data/tracker.xlsx"),
    ));
    let changes = output.join("site/changes.html");
    if changes.exists() {
        let html = std::fs::read_to_string(&changes).expect("changes.html");
        out.push(from_changes(&format!("{who}: changes.html"), &html));
    }
    let html: Vec<String> = common::files(&output.join("site"))
        .into_iter()
        .filter(|p| p.ends_with(".html"))
        .collect();
    from_pages(who, &Built(&output), &rows, &html, &mut out);

    let kinds: BTreeMap<String, Kind> = rows.iter().map(|r| (r.id.clone(), r.kind)).collect();
    let packs = packs_for(content, audience);
    assert!(
        !packs.is_empty(),
        "site.yaml has no pack with a summary for {audience}"
    );
    // A build writes only its own audience's packs (SPEC §14.6): the build for another
    // audience has none of these.
    let other = other_audience(content, audience);
    let other_output = build(content, &other, &dir.path().join("other"));
    for id in &packs {
        assert!(
            !other_output.join(format!("pdf/{id}.pdf")).exists(),
            "{who}: the build for {other} wrote pdf/{id}.pdf"
        );
    }
    let builds = [(output.clone(), String::new())];
    for ((built, note), id) in builds
        .iter()
        .flat_map(|b| packs.iter().map(move |id| (b, id)))
    {
        let pack = Pack::read(&built.join(format!("pdf/{id}.pdf")));
        let at = |section: &str| format!("{who}: pdf/{id}.pdf {section}{note}");
        out.push(from_pack(&at("summary"), &pack, &kinds));
        type Reader = fn(&str, &str, &BTreeMap<String, Kind>) -> Figures;
        let sections: [(&str, Reader); 3] = [
            ("Recommendations", from_pack_recommendations),
            ("Actions", from_pack_actions),
            ("Traceability matrix", from_pack_matrix),
        ];
        for (title, read) in sections {
            if pack.has(title) {
                let mut f = Figures::new(at(title));
                if let Some(text) = pack.section(&mut f, title) {
                    f = read(&at(title), &text, &kinds);
                }
                out.push(f);
            }
        }
    }

    // The same pages from the live server (its own rendering path), less the copies of
    // packs and files.
    let server = Server::start(content, audience);
    from_pages(who, &server, &rows, &html, &mut out);
    (out, rows)
}

/// Compares every output with the expected figures; panics listing every difference.
fn assert_all_equal(expected: &BTreeMap<String, String>, of: &str, outputs: &[Figures]) {
    let mut problems: Vec<String> = Vec::new();
    for f in outputs {
        if std::env::var_os("CONSISTENCY_SHOW").is_some() {
            let per_record = f
                .map
                .keys()
                .filter(|k| {
                    k.starts_with(STATE_OF) || k.starts_with(EVIDENCED) || k.starts_with(OVERDUE)
                })
                .count();
            eprintln!(
                "{}: {} figures ({} per record)",
                f.source,
                f.map.len(),
                per_record
            );
        }
        problems.extend(f.errors.iter().cloned());
        for (key, value) in &f.map {
            match expected.get(key) {
                Some(want) if want == value => {}
                Some(want) => problems.push(format!(
                    "{}: {key} is `{value}`, but {of} is `{want}`",
                    f.source
                )),
                None => problems.push(format!(
                    "{}: shows {key} = `{value}`, which {of} does not have",
                    f.source
                )),
            }
        }
        for prefix in &f.complete {
            for key in expected.keys().filter(|k| k.starts_with(prefix)) {
                if !f.map.contains_key(key) {
                    problems.push(format!("{}: does not show {key}", f.source));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} disagreement(s) with {of}:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Superseded, withdrawn and draft evidence keeps that state everywhere and is never in
/// a stale, expired or changed list.
fn assert_not_counted_as_gaps(rows: &[Row], outputs: &[Figures]) {
    let mut problems = Vec::new();
    let closed: Vec<&Row> = rows
        .iter()
        .filter(|r| r.kind == Kind::Evidence)
        .filter(|r| matches!(r.status.as_str(), "superseded" | "withdrawn" | "draft"))
        .collect();
    assert!(
        !closed.is_empty(),
        "no superseded, withdrawn or draft evidence to check"
    );
    for f in outputs {
        for r in &closed {
            if let Some(state) = f.get(&format!("{STATE_OF}{}", r.id)) {
                if state != r.status {
                    problems.push(format!(
                        "{}: {} evidence `{}` shows as {state}",
                        f.source, r.status, r.id
                    ));
                }
            }
            for list in ["stale", "expired", "changed"] {
                let listed = f
                    .get(&format!("list {list}"))
                    .is_some_and(|l| l.split(", ").any(|x| x == r.id));
                if listed {
                    problems.push(format!(
                        "{}: {} evidence `{}` is in the {list} list",
                        f.source, r.status, r.id
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------
// The fixture, worked out by hand (readiness date 2014-09-30, maximum age 365 days).
// ---------------------------------------------------------------------------------------

/// What one audience should see.
struct Expected {
    /// Readiness N and D, and the percentage (one decimal, rounded down).
    readiness: (usize, usize, &'static str),
    /// Met and evidenced, and its percentage (SPEC §14.3).
    met: (usize, &'static str),
    /// Evidence by state: withdrawn, superseded, draft, empty, changed, expired, stale,
    /// current.
    by_state: [usize; 8],
    /// Recommendations by status: open, in-progress, met, partially-met, not-met,
    /// superseded.
    recommendations: [usize; 6],
    /// Actions by status: not-started, in-progress, complete, blocked, cancelled.
    actions_by_status: [usize; 5],
    /// Actions by RAG: red, amber, green, blue (a cancelled action has none).
    rag: [usize; 4],
    unevidenced: &'static [&'static str],
    overdue: &'static [&'static str],
    stale: &'static [&'static str],
    expired: &'static [&'static str],
    changed: &'static [&'static str],
    /// Past-due recommendations and overdue actions, with their days past due.
    past_due: &'static [(&'static str, i64)],
    overdue_days: &'static [(&'static str, i64)],
    /// Counted evidence with no sign-off.
    unsigned: &'static [&'static str],
    /// Actions and recommendations whose due date moved.
    due_moved: usize,
    /// Evidence records visible to the audience and their states.
    states: &'static [(&'static str, &'static str)],
    /// Recommendations visible to the audience: evidenced or not.
    evidenced: &'static [(&'static str, bool)],
    /// Actions visible to the audience: overdue or not.
    actions: &'static [(&'static str, bool)],
}

/// Evidence states, the same for every audience that sees the record:
const STATES_SEEN_BY_ALL: &[(&str, &str)] = &[
    // Reviewed 2014-06-01, file matches its recorded hash.
    ("ev-01", "current"),
    // Current (it only fails to count, through cancelled act-2).
    ("ev-02", "current"),
    ("ev-03", "current"),
    // Recorded hash differs from the file.
    ("ev-05", "changed"),
    // Expires 2014-08, i.e. 2014-08-31, before the readiness date.
    ("ev-06", "expired"),
    // Reviewed 2013-09-29: 366 days old, more than 365.
    ("ev-07", "stale"),
    // Reviewed 2013-09-30: exactly 365 days old, which is fresh.
    ("ev-08", "current"),
    // Changed, expired and old at once: changed comes first.
    ("ev-09", "changed"),
    // Recorded status wins over a changed file, an expiry and age.
    ("ev-10", "superseded"),
    ("ev-11", "withdrawn"),
    ("ev-12", "draft"),
    // Recorded current, but it holds no file, url or location (SPEC §14.1).
    ("ev-15", "empty"),
    // A reference: dated 2012, yet never stale; current, and never counted.
    ("ev-16", "current"),
];

fn expected_map(e: &Expected) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let mut put = |k: String, v: String| {
        m.insert(k, v);
    };
    put("readiness N".into(), e.readiness.0.to_string());
    put("readiness D".into(), e.readiness.1.to_string());
    put("readiness percent".into(), e.readiness.2.to_string());
    put("readiness M".into(), e.met.0.to_string());
    put("readiness met percent".into(), e.met.1.to_string());
    put("count due_moved".into(), e.due_moved.to_string());
    let past_due: Vec<&str> = e.past_due.iter().map(|(id, _)| *id).collect();
    for (id, days) in e.past_due.iter().chain(e.overdue_days) {
        put(format!("{DAYS_LATE}{id}"), days.to_string());
    }
    for (s, n) in STATES.iter().zip(e.by_state) {
        put(format!("evidence {s}"), n.to_string());
    }
    put(
        "evidence total".into(),
        e.by_state.iter().sum::<usize>().to_string(),
    );
    for (s, n) in REC_STATUSES.iter().zip(e.recommendations) {
        put(format!("recommendations {s}"), n.to_string());
    }
    for (s, n) in ACTION_STATUSES.iter().zip(e.actions_by_status) {
        put(format!("actions {s}"), n.to_string());
    }
    for (s, n) in RAGS.iter().zip(e.rag) {
        put(format!("actions RAG {s}"), n.to_string());
    }
    for (name, list) in [
        ("unevidenced", e.unevidenced),
        ("overdue", e.overdue),
        ("stale", e.stale),
        ("expired", e.expired),
        ("changed", e.changed),
        ("past_due", &past_due),
        ("unsigned", e.unsigned),
    ] {
        put(format!("list {name}"), list.join(", "));
        put(format!("count {name}"), list.len().to_string());
    }
    for (id, s) in e.states {
        put(format!("{STATE_OF}{id}"), s.to_string());
    }
    for (id, b) in e.evidenced {
        put(format!("{EVIDENCED}{id}"), yes(*b).to_string());
    }
    for (id, b) in e.actions {
        put(format!("{OVERDUE}{id}"), yes(*b).to_string());
    }
    m
}

fn inspector() -> Expected {
    // ev-04 (current) and ev-13 (changed) are for inspectors; ev-14 is internal.
    static STATES_INSPECTOR: OnceLock<Vec<(&str, &str)>> = OnceLock::new();
    let states = STATES_INSPECTOR.get_or_init(|| {
        let mut v = STATES_SEEN_BY_ALL.to_vec();
        v.push(("ev-04", "current"));
        v.push(("ev-13", "changed"));
        v.sort();
        v
    });
    Expected {
        // Counted: rec-1, 2, 5, 6, 7, 8 (rec-3 and rec-4 are superseded) = 6.
        // Evidenced: rec-1 (ev-01, ev-08 directly), rec-5 (ev-04), rec-7 (ev-03 through
        // open act-1) = 3. 3 of 6 = 50.0 %.
        readiness: (3, 6, "50.0 %"),
        // Of those, only rec-7 is met (rec-1 and rec-5 are open): 1 of 6 = 16.6 %.
        met: (1, "16.6 %"),
        // Current ev-01, 02, 03, 04, 08, 16; empty ev-15; changed ev-05, 09, 13; the
        // rest one each.
        by_state: [1, 1, 1, 1, 3, 1, 1, 6],
        // Open rec-1, 5, 8; in progress rec-2; met rec-7; partially met rec-6;
        // superseded rec-3, 4.
        recommendations: [3, 1, 1, 1, 0, 2],
        // Not started act-4; in progress act-1, 3, 6; complete act-5; cancelled act-2.
        actions_by_status: [1, 3, 1, 0, 1],
        // Red: act-3, act-4 (overdue). Green: act-1, and act-6 (in progress, so not
        // amber though due today; both have an owner and a due date, without which
        // they would be amber). Blue: act-5. act-2 (cancelled) has none.
        rag: [2, 0, 2, 1],
        // rec-2: only through cancelled act-2; rec-6: nothing current visible (ev-14 is
        // internal); rec-8: no evidence.
        unevidenced: &["rec-2", "rec-6", "rec-8"],
        // act-3 due 2014-06 and act-4 due 2014-08-31, both open. Not act-2 (cancelled),
        // act-5 (complete) or act-6 (due on the readiness date itself).
        overdue: &["act-3", "act-4"],
        stale: &["ev-07"],
        expired: &["ev-06"],
        changed: &["ev-05", "ev-09", "ev-13"],
        // rec-2 due 2014-06 (30 June: 92 days), rec-6 due 2014-03 (31 March: 183
        // days), whatever their evidence. Not rec-8: due 2014-09 ends on the readiness
        // date. Not rec-7: met.
        past_due: &[("rec-2", 92), ("rec-6", 183)],
        // act-3 due 2014-06 (92 days); act-4 due 2014-08-31 (30 days).
        overdue_days: &[("act-3", 92), ("act-4", 30)],
        // Current and not a reference, without `signed_off`: all but ev-01 (signed)
        // and ev-16 (a reference).
        unsigned: &["ev-02", "ev-03", "ev-04", "ev-08"],
        // act-1 (2014-09 → 2014-12) and rec-5 (2014-12 → 2015-03).
        due_moved: 2,
        states,
        // rec-3 is superseded but evidenced (ev-01): evidenced, yet not counted.
        evidenced: &[
            ("rec-1", true),
            ("rec-2", false),
            ("rec-3", true),
            ("rec-4", false),
            ("rec-5", true),
            ("rec-6", false),
            ("rec-7", true),
            ("rec-8", false),
        ],
        actions: &[
            ("act-1", false),
            ("act-2", false),
            ("act-3", true),
            ("act-4", true),
            ("act-5", false),
            ("act-6", false),
        ],
    }
}

fn public() -> Expected {
    Expected {
        // rec-8 is for inspectors: counted rec-1, 2, 5, 6, 7 = 5. rec-5's only evidence
        // (ev-04) is withheld: evidenced rec-1, rec-7 = 2. 2 of 5 = 40.0 %.
        readiness: (2, 5, "40.0 %"),
        // rec-7: 1 of 5 = 20.0 %.
        met: (1, "20.0 %"),
        // Without ev-04 (current) and ev-13 (changed).
        by_state: [1, 1, 1, 1, 2, 1, 1, 5],
        // Without rec-8 (open) and act-4 (not started, red).
        recommendations: [2, 1, 1, 1, 0, 2],
        actions_by_status: [0, 3, 1, 0, 1],
        rag: [1, 0, 2, 1],
        unevidenced: &["rec-2", "rec-5", "rec-6"],
        // act-4 is for inspectors.
        overdue: &["act-3"],
        stale: &["ev-07"],
        expired: &["ev-06"],
        changed: &["ev-05", "ev-09"],
        past_due: &[("rec-2", 92), ("rec-6", 183)],
        overdue_days: &[("act-3", 92)],
        unsigned: &["ev-02", "ev-03", "ev-08"],
        due_moved: 2,
        states: STATES_SEEN_BY_ALL,
        evidenced: &[
            ("rec-1", true),
            ("rec-2", false),
            ("rec-3", true),
            ("rec-4", false),
            ("rec-5", false),
            ("rec-6", false),
            ("rec-7", true),
        ],
        actions: &[
            ("act-1", false),
            ("act-2", false),
            ("act-3", true),
            ("act-5", false),
            ("act-6", false),
        ],
    }
}

#[test]
fn the_trap_fixture_shows_the_hand_worked_figures_in_every_output() {
    let content = crate_root().join("tests/fixtures/consistency");
    for (audience, expected) in [("inspector", inspector()), ("public", public())] {
        let (outputs, rows) = outputs(&content, audience);
        let expected = expected_map(&expected);
        assert_all_equal(
            &expected,
            &format!("the hand-worked figure for {audience}"),
            &outputs,
        );
        assert_not_counted_as_gaps(&rows, &outputs);
    }
    // `check` and `status` count for `internal` by default, which also sees ev-14:
    // rec-6 is evidenced, so 4 of 6 (66.6 %), and only rec-2 and rec-8 are gaps.
    let (status, _) = run(&["status", "--format", "json"], &content);
    let (check, _) = run(&["check"], &content);
    let internal = [
        from_status("internal: status --format json", &status),
        from_check("internal: check (summary line)", &check),
    ];
    let mut expected = expected_map(&inspector());
    for (k, v) in [
        ("readiness N", "4"),
        ("readiness percent", "66.6 %"),
        ("list unevidenced", "rec-2, rec-8"),
        ("count unevidenced", "2"),
        ("evidence current", "7"),
        ("evidence total", "16"),
        ("list unsigned", "ev-02, ev-03, ev-04, ev-08, ev-14"),
        ("count unsigned", "5"),
    ] {
        expected.insert(k.into(), v.into());
    }
    assert_all_equal(&expected, "the hand-worked figure for internal", &internal);
}

#[test]
fn every_output_of_the_demo_agrees() {
    let content = crate_root().join("content");
    for audience in ["inspector", "secretary-of-state"] {
        let (outputs, rows) = outputs(&content, audience);
        // The reference: status for the figures, records.json for each record's fact.
        let mut expected: BTreeMap<String, String> = BTreeMap::new();
        for f in &outputs {
            let is_status = f.source.ends_with("status --format json");
            let is_records = f.source.ends_with("data/records.json");
            for (k, v) in &f.map {
                let per_record = [STATE_OF, EVIDENCED, OVERDUE, DAYS_LATE]
                    .iter()
                    .any(|p| k.starts_with(p));
                if (is_status && !per_record) || (is_records && per_record) {
                    expected.insert(k.clone(), v.clone());
                }
            }
        }
        assert!(
            expected.contains_key("readiness D")
                && expected.keys().any(|k| k.starts_with(STATE_OF)),
            "no reference figures for {audience}"
        );
        assert_all_equal(
            &expected,
            &format!("`status` / records.json for {audience}"),
            &outputs,
        );
        assert_not_counted_as_gaps(&rows, &outputs);
    }
}
