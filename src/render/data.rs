//! Data exports: `data/records.json` (every visible record with resolved links) and
//! `data/<type>.csv` (a tracker per type that opens cleanly in a spreadsheet: UTF-8
//! with BOM, CRLF, formula injection defused — SPEC §12 "Data").

use super::{Build, Emit};
use crate::analysis::{Analysis, GapKind};
use crate::date::Date;
use crate::model::schema::{FieldKind, RecordType, ALL_TYPES, COMMON_FIELDS};
use crate::model::{Plain, Record, Site};
use serde_json::{json, Map, Value};

fn dates(d: Option<crate::date::PartialDate>) -> Value {
    d.map_or(Value::Null, |d| Value::String(d.to_string()))
}

fn yaml_to_json(v: &serde_yaml::Value) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The value of a field for exports, links as `{id, title, url}` or `{withheld: true}`.
/// Plain fields and links go by their declarations (`model::schema`) alone; the
/// fields a record keeps apart are read by name, the common ones first.
fn field_json(site: &Site, rec: &Record, name: &str) -> Value {
    let field = rec.rtype.field(name);
    match field.map(|f| f.kind) {
        Some(FieldKind::Ref(_)) => {
            return refs_json(site, rec, name)
                .into_iter()
                .next()
                .unwrap_or(Value::Null)
        }
        Some(FieldKind::Refs(_)) => return Value::Array(refs_json(site, rec, name)),
        _ if field.is_some_and(|f| f.is_plain()) => {
            return rec.plain(name).map_or(Value::Null, plain_json)
        }
        _ => {}
    }
    common_field_json(site, rec, name)
        .or_else(|| own_field_json(site, rec, name))
        .unwrap_or(Value::Null)
}

/// A linked record for exports: its ID, title and page in the site.
fn link_json(site: &Site, t: usize) -> Value {
    let r = &site.records[t];
    json!({"id": r.id, "title": r.title, "url": format!("site/{}", r.page_path())})
}

/// The records a field names, withheld ones as `{withheld: true}`; unresolved ones
/// are left out.
fn refs_json(site: &Site, rec: &Record, field: &str) -> Vec<Value> {
    rec.refs_in(field)
        .filter_map(|rf| match rf.target {
            Some(t) => Some(link_json(site, t)),
            None if rf.withheld => Some(json!({"withheld": true})),
            None => None,
        })
        .collect()
}

/// A field every record type has (`COMMON_FIELDS`) that is not a plain one; `None`
/// for any other name.
fn common_field_json(site: &Site, rec: &Record, name: &str) -> Option<Value> {
    Some(match name {
        "id" => json!(rec.id),
        "title" => json!(rec.title),
        "status" if rec.status.is_empty() => Value::Null,
        "status" => json!(rec.status),
        "owner" => json!(rec.owner),
        "date" => dates(rec.date),
        "audience" => rec.audience.as_ref().map_or(Value::Null, |a| {
            Value::Array(a.iter().map(|(n, _)| json!(n)).collect())
        }),
        "classification" => json!(rec.classification.unwrap_or(site.config.classification)),
        "tags" => json!(rec.tags),
        "illustrative" => json!(rec.illustrative),
        _ => return None,
    })
}

/// A field of one record type's own that the record keeps apart from its plain ones,
/// grouped by the type that declares it (SPEC §3); `None` for any other name.
fn own_field_json(site: &Site, rec: &Record, name: &str) -> Option<Value> {
    Some(match name {
        // Plan and objective
        "period" => json!({"start": dates(rec.period_start), "end": dates(rec.period_end)}),
        "approved" => dates(rec.approved),
        "objectives" => Value::Array(rec.objectives.iter().map(|&o| link_json(site, o)).collect()),
        "description" => json!(rec.body),
        // Recommendation and action
        "finding" => json!(rec.finding),
        "priority" => json!(rec.priority),
        "due" => dates(rec.due),
        "completed" => dates(rec.completed),
        "rag" => json!(rec.rag),
        "original_due" => dates(rec.original_due),
        "agreed" => sign_off_json(rec.agreed.as_ref()),
        // Evidence (a review's and an event's kind too)
        "kind" => json!(rec.kind),
        "file" => json!(rec.file.as_ref().map(|f| &f.path)),
        "url" => json!(rec.url),
        "sha256" => json!(rec.sha256),
        "reviewed" => dates(rec.reviewed),
        "expires" => dates(rec.expires),
        "location" => json!(rec.location),
        "signed_off" => sign_off_json(rec.signed_off.as_ref()),
        // Review
        "framework" => json!(rec.framework.as_ref().map(|(name, _)| name)),
        "judgements" => Value::Object(
            rec.judgements
                .iter()
                .map(|j| (j.area.clone(), json!(j.grade)))
                .collect(),
        ),
        "order" => json!(rec.order),
        // Indicator
        "unit" => json!(rec.unit),
        "polarity" => json!(rec.polarity),
        "target" => rec.target.map_or(Value::Null, figure_json),
        "values" => values_json(rec),
        "values_file" => json!(rec.values_file.as_ref().map(|f| &f.path)),
        // Risk
        "likelihood" => json!(rec.likelihood),
        "impact" => json!(rec.impact),
        "review_by" => dates(rec.review_by),
        _ => return None,
    })
}

/// An indicator's figures, in the order written (the analysis orders them by
/// period), each with its note; null when there are none.
fn values_json(rec: &Record) -> Value {
    if rec.values.is_empty() {
        return Value::Null;
    }
    Value::Array(
        rec.values
            .iter()
            .map(|r| {
                let mut m = json!({"period": r.period.to_string(), "value": figure_json(r.value)});
                if let Some(n) = &r.note {
                    m["note"] = json!(n);
                }
                m
            })
            .collect(),
    )
}

/// A plain field's value (`schema::Store::Plain`), by its kind.
fn plain_json(v: &Plain) -> Value {
    match v {
        Plain::Text(t) => json!(t),
        Plain::Word(w) => json!(w),
        Plain::Date(d) => json!(d.to_string()),
        Plain::Number(n) => figure_json(*n),
        Plain::Integer(n) => json!(n),
        Plain::Words(w) => json!(w),
    }
}

/// `signed_off` or `agreed` as `{by, on}`.
fn sign_off_json(s: Option<&crate::model::SignOff>) -> Value {
    s.map_or(Value::Null, |s| json!({"by": s.by, "on": s.on.to_string()}))
}

/// A record's fields this tool does not know, as `records.json` gives them ("other").
fn other_json(rec: &Record) -> Value {
    Value::Object(
        rec.extra
            .iter()
            .map(|(k, v)| (k.clone(), yaml_to_json(v)))
            .collect(),
    )
}

/// A record's fingerprint in the tracker (SPEC §14.11 "Round trip"): the SHA-256 of its
/// fields and body as the audience's view holds them, so `import --update` can tell a
/// record that changed since the tracker was built. Only what `data/records.json` gives
/// the same audience goes in (links as IDs, a withheld one as "withheld", the body
/// with withheld links and HTML comments already gone), so the hash holds nothing the
/// audience could not read anyway; other records' titles stay out, so renaming a
/// recommendation does not make every action that answers it look changed.
pub fn fingerprint(site: &Site, i: usize) -> String {
    use sha2::{Digest, Sha256};
    let rec = &site.records[i];
    let mut m = Map::new();
    m.insert("type".into(), json!(rec.rtype.name()));
    for name in field_names(rec.rtype) {
        m.insert(name.into(), json!(cell_text(&field_json(site, rec, name))));
    }
    m.insert("body".into(), json!(rec.body.replace("\r\n", "\n")));
    m.insert("other".into(), other_json(rec));
    // A map of strings and JSON values always serialises.
    let bytes = serde_json::to_vec(&m).unwrap_or_default();
    crate::hash::hex(&Sha256::digest(&bytes))
}

/// Fields written as two tracker columns (SPEC §14.2): `signed_off` as
/// `signed_off_by` and `signed_off_on`, `agreed` as `agreed_by` and `agreed_on`.
const SPLIT_FIELDS: &[(&str, [&str; 2])] = &[
    ("signed_off", ["signed_off_by", "signed_off_on"]),
    ("agreed", ["agreed_by", "agreed_on"]),
];

/// A field's tracker columns: its own name, or its two parts.
fn field_columns(name: &'static str) -> Vec<&'static str> {
    match SPLIT_FIELDS.iter().find(|(f, _)| *f == name) {
        Some((_, parts)) => parts.to_vec(),
        None => vec![name],
    }
}

/// A field's tracker cells, as [`field_columns`] names them.
fn field_cells(name: &str, v: Value) -> Vec<Value> {
    if name == "values" {
        // An indicator's figures in one cell a person can read: "2014-03: 41.5; …".
        let items: Vec<String> = v
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| format!("{}: {}", cell_text(&r["period"]), cell_text(&r["value"])))
            .collect();
        return vec![Value::String(items.join("; "))];
    }
    if SPLIT_FIELDS.iter().any(|(f, _)| *f == name) {
        let part = |k: &str| v.get(k).cloned().unwrap_or(Value::Null);
        vec![part("by"), part("on")]
    } else {
        vec![v]
    }
}

fn field_names(t: RecordType) -> impl Iterator<Item = &'static str> {
    COMMON_FIELDS.iter().chain(t.own_fields()).map(|f| f.name)
}

/// The derived columns of a type (SPEC §13.1, §14.4): actions `effective_rag`,
/// `overdue` and `days_past_due`, evidence `state`, recommendations `evidenced`,
/// `past_due` and `days_past_due`.
fn derived_names(t: RecordType) -> &'static [&'static str] {
    match t {
        RecordType::Action => &["effective_rag", "overdue", "days_past_due"],
        RecordType::Evidence => &["state"],
        RecordType::Recommendation => &["evidenced", "past_due", "days_past_due"],
        RecordType::Indicator => &[
            "latest_value",
            "latest_period",
            "against_target",
            "trend",
            "no_recent_value",
        ],
        RecordType::Risk => &["score", "review_overdue"],
        _ => &[],
    }
}

/// The derived facts of record `i`, as the analysis decided them.
fn derived(b: &Build<'_>, i: usize) -> Vec<(&'static str, Value)> {
    let a = b.analysis;
    let t = b.site().records[i].rtype;
    derived_names(t)
        .iter()
        .map(|&name| {
            let v = match name {
                "effective_rag" => json!(a.rag[i]),
                "overdue" => json!(a.overdue[i]),
                "state" => json!(a.state_of(i).map(|s| s.name())),
                "evidenced" => json!(a.evidenced[i]),
                "past_due" => json!(a.past_due[i]),
                "days_past_due" => json!(a.late_by(b.site(), i)),
                "latest_value" | "latest_period" | "against_target" | "trend"
                | "no_recent_value" => indicator_fact(b, i, name),
                "score" => json!(a.risks[i].and_then(|r| r.score)),
                "review_overdue" => json!(a.risks[i].map(|r| r.review_overdue)),
                _ => Value::Null,
            };
            (name, v)
        })
        .collect()
}

/// A figure as JSON: a whole number as an integer (`19`, not `19.0`), as written.
fn figure_json(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

/// One derived fact of indicator `i`, as the analysis decided it.
fn indicator_fact(b: &Build<'_>, i: usize, name: &str) -> Value {
    let Some(f) = b.analysis.indicators[i].as_ref() else {
        return Value::Null;
    };
    let latest = f.latest.map(|l| &b.site().records[i].values[l]);
    match name {
        "latest_value" => latest.map_or(Value::Null, |r| figure_json(r.value)),
        "latest_period" => json!(latest.map(|r| r.period.to_string())),
        "against_target" => json!(f.against.map(|x| x.name())),
        "trend" => json!(f.trend.map(|x| x.name())),
        "no_recent_value" => json!(f.no_recent_value),
        _ => Value::Null,
    }
}

/// One record of `data/records.json`.
fn record_json(b: &Build<'_>, i: usize) -> Value {
    let site = b.site();
    let rec = &site.records[i];
    let mut m = Map::new();
    m.insert("type".into(), json!(rec.rtype.name()));
    for name in field_names(rec.rtype) {
        let v = field_json(site, rec, name);
        if !v.is_null() {
            m.insert(name.into(), v);
        }
    }
    m.insert("page".into(), json!(format!("site/{}", rec.page_path())));
    if !rec.body.is_empty() && rec.rtype != RecordType::Objective {
        m.insert("body".into(), json!(rec.body));
    }
    let body_links: Vec<Value> = rec
        .refs_in("body")
        .filter_map(|rf| match rf.target {
            Some(t) => Some(json!({"id": site.records[t].id, "title": site.records[t].title})),
            None if rf.withheld => Some(json!({"withheld": true})),
            None => None,
        })
        .collect();
    if !body_links.is_empty() {
        m.insert("body_links".into(), Value::Array(body_links));
    }
    if !rec.extra.is_empty() {
        m.insert("other".into(), other_json(rec));
    }
    let derived: Map<String, Value> = derived(b, i)
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.into(), v))
        .collect();
    m.insert("derived".into(), Value::Object(derived));
    let backlinks: Vec<Value> = site.backlinks[i]
        .iter()
        .map(|bl| json!({"id": site.records[bl.from].id, "field": bl.field}))
        .collect();
    m.insert("backlinks".into(), Value::Array(backlinks));
    Value::Object(m)
}

/// The records of `data/records.json`, each made as it is written: the whole document
/// is never held as a tree.
struct Records<'a, 'b>(&'a Build<'b>);

impl serde::Serialize for Records<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let n = self.0.site().records.len();
        let mut seq = s.serialize_seq(Some(n))?;
        for i in 0..n {
            seq.serialize_element(&record_json(self.0, i))?;
        }
        seq.end()
    }
}

/// The §13.1 summary of a view, as `assure status --format json` prints it: `as_of`,
/// `audience`, `readiness {counted, met_evidenced, met_evidenced_percent, evidenced,
/// percent}`, counts by status, state and RAG, `due_moved`, and the gap lists as ID
/// arrays (SPEC §13.1, §14). `records.json` carries it too, as `status`.
pub fn summary_json(site: &Site, an: &Analysis, audience: &str, as_of: Date) -> Value {
    let r = an.readiness;
    let counts = |pairs: Vec<(&str, usize)>| -> Value {
        Value::Object(
            pairs
                .into_iter()
                .map(|(k, n)| (k.to_string(), json!(n)))
                .collect::<Map<_, _>>(),
        )
    };
    let ids = |list: &[usize]| -> Value {
        Value::Array(list.iter().map(|&i| json!(site.records[i].id)).collect())
    };
    let g = &an.gaps;
    let mut out = json!({
        "as_of": as_of.to_string(),
        "audience": audience,
        "readiness": {
            "counted": r.counted,
            "met_evidenced": r.met_evidenced,
            "met_evidenced_percent": r.met_per_mille().map(|pm| pm as f64 / 10.0),
            "evidenced": r.evidenced,
            "percent": r.per_mille().map(|pm| pm as f64 / 10.0),
        },
        "recommendations": {"by_status": counts(an.by_status(site, RecordType::Recommendation))},
        "evidence": {"by_state": counts(an.by_state().into_iter().map(|(s, n)| (s.name(), n)).collect())},
        "actions": {
            "by_status": counts(an.by_status(site, RecordType::Action)),
            "by_rag": counts(an.by_rag()),
            "overdue": g.overdue.len(),
        },
        "due_moved": g.due_moved.len(),
    });
    // Indicators and risks (SPEC §14.9), only where the content has them: they never
    // change readiness, and a site without them keeps the summary it had.
    if site.of_type(RecordType::Indicator).next().is_some() {
        out["indicators"] = json!({
            "by_status": counts(an.by_status(site, RecordType::Indicator)),
            "on_target": ids(&an.on_target(site)),
            "off_target": ids(&an.off_target(site)),
            "no_recent_value": ids(&an.no_recent_value(site)),
        });
    }
    if site.of_type(RecordType::Risk).next().is_some() {
        out["risks"] = json!({
            "by_status": counts(an.by_status(site, RecordType::Risk)),
            "review_overdue": ids(&an.reviews_overdue()),
        });
    }
    for kind in GapKind::ALL {
        out[kind.key()] = ids(g.list(kind));
    }
    out
}

/// `data/records.json`.
pub fn records_json(b: &Build<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_records_json(b, &mut out);
    out
}

/// Writes `data/records.json` to `out` as it is made, never holding it whole.
pub fn write_records_json(b: &Build<'_>, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    // Keys in sorted order, as serde_json writes an object's.
    #[derive(serde::Serialize)]
    struct Doc<'a, 'b> {
        as_of: String,
        assure_version: &'static str,
        audience: &'a str,
        /// What a later reader may rely on (SPEC §13.5): see [`crate::changes`].
        format_version: u32,
        /// As before format versions, with `percent` as text ("66.6 %").
        readiness: Value,
        records: Records<'a, 'b>,
        /// The same object as `assure status --format json` (SPEC §13.1).
        status: Value,
    }
    let r = b.analysis.readiness;
    let doc = Doc {
        as_of: b.as_of.to_string(),
        assure_version: crate::VERSION,
        audience: &b.view.audience,
        format_version: crate::changes::RECORDS_FORMAT,
        readiness: json!({"percent": r.percent_text(), "evidenced": r.evidenced, "counted": r.counted,
                          "met_evidenced": r.met_evidenced, "met_evidenced_percent": r.met_percent_text()}),
        records: Records(b),
        status: summary_json(b.site(), b.analysis, &b.view.audience, b.as_of),
    };
    // Every value here is serialisable: only writing can fail.
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// The text of a tracker cell: lists joined with "; ", links as their IDs, a withheld
/// link as "withheld", booleans as yes/no. Not yet defused (see [`defuse`]).
pub(super) fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items.iter().map(cell_text).collect::<Vec<_>>().join("; "),
        Value::Object(o) => {
            if o.get("withheld").is_some() {
                "withheld".into()
            } else if let Some(id) = o.get("id") {
                cell_text(id)
            } else {
                o.iter()
                    .map(|(k, v)| format!("{k}: {}", cell_text(v)))
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        }
    }
}

/// Whether a spreadsheet would take this text for a formula (or, with a leading tab or
/// carriage return, trim it into one): `= + - @`, tab, CR (OWASP "CSV injection").
pub(super) fn formula_like(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Text a spreadsheet will show as text: a formula-like value gets a leading `'`.
fn defuse(text: String) -> String {
    if formula_like(&text) {
        format!("'{text}")
    } else {
        text
    }
}

/// A CSV cell: its text, defused.
fn cell(v: &Value) -> String {
    defuse(cell_text(v))
}

/// The columns of a type's tracker, the CSV's and the workbook's alike (SPEC §13.1): the
/// common fields, the type's own in §3 order, then the type's derived columns.
pub(super) fn columns(t: RecordType) -> Vec<&'static str> {
    field_names(t)
        .flat_map(field_columns)
        .chain(derived_names(t).iter().copied())
        .collect()
}

/// Record `i`'s values in [`columns`] order, as `records.json` has them.
pub(super) fn row(b: &Build<'_>, i: usize) -> Vec<Value> {
    let rec = &b.site().records[i];
    field_names(rec.rtype)
        .flat_map(|n| field_cells(n, field_json(b.site(), rec, n)))
        .chain(derived(b, i).into_iter().map(|(_, v)| v))
        .collect()
}

/// `data/records.json` as an output.
pub fn write_json(b: &Build<'_>, emit: Emit<'_>) -> anyhow::Result<usize> {
    emit.write_with("data/records.json", &mut |out| write_records_json(b, out))?;
    Ok(1)
}

/// The CSV trackers as an output.
pub fn write_csv(b: &Build<'_>, emit: Emit<'_>) -> anyhow::Result<usize> {
    let files = csv_files(b);
    for (name, bytes) in &files {
        emit.write(&format!("data/{name}"), bytes)?;
    }
    Ok(files.len())
}

/// `data/<type>.csv` for every type with records: (file name, bytes).
pub fn csv_files(b: &Build<'_>) -> Vec<(String, Vec<u8>)> {
    let site = b.site();
    let mut out = Vec::new();
    for t in ALL_TYPES {
        let rows: Vec<(usize, &Record)> = site.of_type(t).collect();
        if rows.is_empty() {
            continue;
        }
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(b"\xEF\xBB\xBF".to_vec());
        let _ = w.write_record(columns(t));
        for (i, _) in rows {
            let _ = w.write_record(row(b, i).iter().map(cell));
        }
        // Writing to a Vec cannot fail.
        let bytes = w.into_inner().unwrap_or_default();
        out.push((format!("{}.csv", t.name()), bytes));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_defuse_formulas_and_join_lists() {
        assert_eq!(cell(&json!("=SUM(A1)")), "'=SUM(A1)");
        assert_eq!(cell(&json!("@x")), "'@x");
        assert_eq!(cell(&json!("\tx")), "'\tx");
        assert_eq!(cell(&json!("\r=1")), "'\r=1");
        assert_eq!(cell(&json!("+1")), "'+1");
        assert_eq!(cell(&json!("-2")), "'-2");
        assert_eq!(cell(&json!(["a", "b"])), "a; b");
        assert_eq!(
            cell(&json!([{"withheld": true}, {"id": "r1", "title": "T"}])),
            "withheld; r1"
        );
        assert_eq!(cell(&json!(null)), "");
    }
}
