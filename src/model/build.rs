//! From raw fields to typed [`Record`]s: every field checked against SPEC §3 and §12,
//! every problem reported (E002, E003, W106), and the record kept whenever it can be so
//! that later checks still run.

use super::schema::{Field, FieldKind, RecordType, ALL_TYPES};
use super::{figures, FileRef, Judgement, Plain, Reading, Record, Ref, SignOff};
use crate::content::valid_id_syntax;
use crate::content::yaml::{Node, Value};
use crate::content::{BodyOrigin, RawRecord};
use crate::date::PartialDate;
use crate::diagnostics::{closest_ignoring_case, loose_match, short, Code, Diagnostic, Pos};
use crate::markdown::{self, BodyLink};

/// IDs longer than this are refused (SPEC §12).
pub const MAX_ID_LEN: usize = 128;

/// What is wrong with an ID, if anything.
pub fn id_problem(id: &str) -> Option<String> {
    let shown = short(id);
    if id.chars().count() > MAX_ID_LEN {
        return Some(format!(
            "the ID `{shown}` is longer than {MAX_ID_LEN} characters; use a shorter ID"
        ));
    }
    if !valid_id_syntax(id) {
        return Some(format!(
            "`{shown}` is not a valid ID: start with a letter or digit and use only letters, digits, `.`, `_` and `-`"
        ));
    }
    let lower = id.to_ascii_lowercase();
    let device = matches!(lower.as_str(), "index" | "con" | "nul" | "aux" | "prn")
        || ((lower.starts_with("com") || lower.starts_with("lpt"))
            && lower.len() == 4
            && lower.as_bytes()[3].is_ascii_digit()
            && lower.as_bytes()[3] != b'0');
    if device {
        return Some(format!(
            "the ID `{id}` is reserved (it names the index page or a Windows device); choose another ID"
        ));
    }
    if id.ends_with('.') {
        return Some(format!(
            "the ID `{shown}` ends with `.`, which Windows cannot store; remove the final dot"
        ));
    }
    None
}

/// Reports problems for one record as it is built.
struct Checker<'a> {
    path: &'a str,
    /// The key of the field being read: problems with a value point at its key.
    at: Pos,
    rtype: RecordType,
    diags: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn report(&mut self, pos: Pos, code: Code, message: String) {
        self.diags
            .push(Diagnostic::new(self.path, pos, code, message));
    }

    /// A text field: any scalar, as written.
    fn text(&mut self, name: &str, value: &Node) -> Option<String> {
        match &value.value {
            _ if value.is_null() => None,
            Value::Scalar(s) => Some(s.text.clone()),
            _ => {
                self.report(
                    self.at,
                    Code::E003,
                    format!("`{name}` must be text, not {}", value.describe()),
                );
                None
            }
        }
    }

    fn date(&mut self, name: &str, value: &Node) -> Option<PartialDate> {
        let text = self.text(name, value)?;
        match PartialDate::parse(&text) {
            Ok(d) => Some(d),
            Err(hint) => {
                self.report(
                    self.at,
                    Code::E003,
                    format!("invalid date in `{name}`: {hint}"),
                );
                None
            }
        }
    }

    fn one_of(
        &mut self,
        name: &str,
        value: &Node,
        allowed: &'static [&'static str],
    ) -> Option<&'static str> {
        let text = self.text(name, value)?;
        if let Some(v) = allowed.iter().find(|v| **v == text) {
            return Some(v);
        }
        let hint = match loose_match(&text, allowed.iter().copied())
            .or_else(|| closest_ignoring_case(&text, allowed.iter().copied(), 2))
        {
            Some(v) => format!("did you mean `{v}`?"),
            None => format!("use one of: {}", allowed.join(", ")),
        };
        self.report(
            self.at,
            Code::E003,
            format!("`{}` is not a valid `{name}`; {hint}", short(&text)),
        );
        None
    }

    /// A list of scalars; a single value counts as a one-item list.
    fn list(&mut self, name: &str, value: &Node) -> Vec<(String, Pos)> {
        let items: Vec<&Node> = match &value.value {
            _ if value.is_null() => Vec::new(),
            Value::Scalar(_) => vec![value],
            Value::Seq(items) => items.iter().collect(),
            Value::Map(_) => {
                self.report(
                    self.at,
                    Code::E003,
                    format!("`{name}` must be a list such as `[a, b]`, not a mapping"),
                );
                Vec::new()
            }
        };
        let mut out = Vec::new();
        for item in items {
            match item.as_scalar() {
                Some(s) if !item.is_null() => out.push((s.text.trim().to_string(), item.pos)),
                _ => self.report(
                    item.pos,
                    Code::E003,
                    format!(
                        "each item of `{name}` must be a single value, not {}",
                        item.describe()
                    ),
                ),
            }
        }
        out
    }

    fn refs(&mut self, field: &'static str, value: &Node, single: bool, out: &mut Vec<Ref>) {
        if single {
            if let Some(id) = self.text(field, value) {
                out.push(Ref {
                    field,
                    id: id.trim().to_string(),
                    pos: self.at,
                    target: None,
                    withheld: false,
                });
            }
            return;
        }
        // `supports: act-02, ilacs-2025-r1` is one text to YAML, never two IDs (an ID
        // has no comma): say how to write the list rather than call it an unknown ID.
        if let Some(s) = value
            .as_scalar()
            .filter(|s| s.plain && s.text.contains(','))
        {
            let items: Vec<&str> = s
                .text
                .split(',')
                .map(str::trim)
                .filter(|i| !i.is_empty())
                .collect();
            self.report(
                self.at,
                Code::E003,
                format!(
                    "a list needs square brackets: write `{field}: [{}]` (or each ID on its own line starting with `- `)",
                    short(&items.join(", "))
                ),
            );
            return;
        }
        for (id, pos) in self.list(field, value) {
            out.push(Ref {
                field,
                id,
                pos,
                target: None,
                withheld: false,
            });
        }
    }

    /// W106 for a key the type does not know (SPEC §12, §13.2): a case-only difference
    /// from one of its fields, a field of another type, or a typing mistake for one of
    /// its fields. A key merely close to another type's field is an extra detail of the
    /// author's own, with no warning. Messages name the key as written.
    fn unknown_key(&mut self, key: &str, pos: Pos, known: &[&'static str]) {
        let type_name = self.rtype.with_article();
        let max = if key.chars().count() <= 4 { 1 } else { 2 };
        let typo = || closest_ignoring_case(key, known.iter().copied(), max);
        if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(key)) {
            self.report(
                pos,
                Code::W106,
                format!("unknown field `{key}` on {type_name}: field names are case-sensitive; did you mean `{k}`?"),
            );
            return;
        }
        let owners: Vec<RecordType> = ALL_TYPES
            .into_iter()
            .filter(|t| *t != self.rtype && t.own_fields().iter().any(|f| f.name == key))
            .collect();
        if let Some(first) = owners.first() {
            let names: Vec<&str> = owners.iter().map(|t| t.name()).collect();
            let also = typo()
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_else(|| "; it is kept as an extra detail".to_string());
            self.report(
                pos,
                Code::W106,
                format!(
                    "`{key}` is {} {} field, not a field of {type_name}{also}",
                    first.article(),
                    join_and(&names),
                ),
            );
        } else if let Some(k) = typo() {
            self.report(
                pos,
                Code::W106,
                format!("unknown field `{key}` on {type_name}: did you mean `{k}`?"),
            );
        }
    }
}

/// "a", "a and b", "a, b and c".
fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The fields that decide who sees a record. A near miss of one of them (case, plural,
/// one or two letters) is an error, not a typo warning: the field would be ignored and
/// the record published to everyone, or under the site's default marking (SPEC §14.6).
const WALL_FIELDS: [&str; 2] = ["audience", "classification"];

/// The wall field a key is a near miss of, if it is one.
pub fn wall_near_miss(key: &str) -> Option<&'static str> {
    let lower = key.trim().to_lowercase();
    WALL_FIELDS.into_iter().find(|field| {
        key != *field
            && (lower == *field
                || lower.strip_suffix('s') == Some(field)
                || strsim::damerau_levenshtein(&lower, field) <= 2)
    })
}

/// The E003 for a near miss of a wall field.
fn wall_message(key: &str, field: &str) -> String {
    let effect = if field == "audience" {
        "would publish this record to everyone"
    } else {
        "would publish this record under the site's default marking"
    };
    format!(
        "`{}` is not a field: a misspelt `{field}` {effect}; write `{field}:` (lower case, as shown)",
        short(key)
    )
}

/// YAML merge keys (`<<: *anchor`) are refused wherever they stand in a record: read as
/// a field they would hide what they merge (an `audience`, say) from every check.
const MERGE_KEY_MESSAGE: &str = "YAML merge keys (`<<`) are not read: the fields they merge (such as `audience`) would be ignored; write the fields out in this record";

/// Where a node holds a merge key (`<<`), at any depth.
fn merge_keys(node: &Node, out: &mut Vec<Pos>) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Scalar(_) => {}
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Map(pairs) => {
                for (k, v) in pairs {
                    if k.as_scalar().is_some_and(|s| s.text == "<<") {
                        out.push(k.pos);
                    }
                    stack.push(v);
                }
            }
        }
    }
}

/// An empty record of a type, to be filled in.
fn blank(rtype: RecordType, path: &str, pos: Pos) -> Record {
    Record {
        id: String::new(),
        key: String::new(),
        id_pos: Pos::START,
        rtype,
        path: path.to_string(),
        pos,
        title: String::new(),
        status: rtype.statuses().first().copied().unwrap_or(""),
        owner: None,
        date: None,
        audience: None,
        classification: None,
        tags: Vec::new(),
        illustrative: None,
        refs: Vec::new(),
        period_start: None,
        period_end: None,
        approved: None,
        objectives: Vec::new(),
        parent: None,
        finding: None,
        priority: None,
        due: None,
        original_due: None,
        agreed: None,
        completed: None,
        rag: None,
        kind: None,
        file: None,
        url: None,
        sha256: None,
        reviewed: None,
        expires: None,
        location: None,
        signed_off: None,
        framework: None,
        judgements: Vec::new(),
        order: None,
        unit: None,
        polarity: None,
        target: None,
        values: Vec::new(),
        values_file: None,
        likelihood: None,
        impact: None,
        review_by: None,
        plain: Vec::new(),
        extra: Vec::new(),
        personal_data_reviewed: None,
        body: String::new(),
        body_origin: BodyOrigin::default(),
        local_links: Vec::new(),
        field_pos: Vec::new(),
    }
}

/// What one raw record yields: the record (plus a plan's objectives), problems, and an
/// ID to reserve when the record could not be built.
#[derive(Debug, Default)]
pub struct Built {
    pub records: Vec<Record>,
    pub diagnostics: Vec<Diagnostic>,
    pub reserved_id: Option<String>,
}

/// Reads a plain field (`schema::Store::Plain`) by its kind alone: what makes a new
/// field work everywhere from its declaration.
fn read_plain(c: &mut Checker, field: &Field, value: &Node, rec: &mut Record) {
    let name = field.name;
    let read = match field.kind {
        FieldKind::Ref(_) => return c.refs(name, value, true, &mut rec.refs),
        FieldKind::Refs(_) => return c.refs(name, value, false, &mut rec.refs),
        FieldKind::Text => c.text(name, value).map(Plain::Text),
        FieldKind::Date => c.date(name, value).map(Plain::Date),
        FieldKind::Enum(values) => c.one_of(name, value, values).map(Plain::Word),
        FieldKind::TextList => Some(Plain::Words(
            c.list(name, value).into_iter().map(|(t, _)| t).collect(),
        )),
        FieldKind::Number => c.text(name, value).and_then(|t| {
            figures::number(&t)
                .map_err(|why| c.report(c.at, Code::E003, format!("`{name}` {why}")))
                .ok()
                .map(Plain::Number)
        }),
        FieldKind::Integer => c
            .text(name, value)
            .and_then(|t| match t.trim().parse::<i64>() {
                Ok(n) => Some(Plain::Integer(n)),
                Err(_) => {
                    c.report(
                        c.at,
                        Code::E003,
                        format!(
                            "`{name}` must be a whole number such as 3, not `{}`",
                            short(&t)
                        ),
                    );
                    None
                }
            }),
        // A plain field is never special: those are read by code of their own.
        FieldKind::Special => None,
    };
    if let Some(v) = read {
        rec.plain.push((name, v));
    }
}

/// A key's name, if it is one: a scalar that is not empty or null (`"": x` and `~: x`
/// are not field names, like any other key that is not a word).
fn key_text(key: &Node) -> Option<&str> {
    key.as_scalar()
        .filter(|s| !key.is_null() && !s.text.trim().is_empty())
        .map(|s| s.text.as_str())
}

/// Builds one record from its raw fields.
pub fn build_record(raw: RawRecord) -> Built {
    let mut built = Built::default();
    let Some(rtype) = record_type(&raw, &mut built.diagnostics) else {
        built.reserved_id = raw
            .fields
            .iter()
            .find(|(k, _)| key_text(k) == Some("id"))
            .and_then(|(_, v)| v.as_scalar().map(|s| s.text.clone()))
            .or(raw.file_id);
        return built;
    };

    let mut c = Checker {
        path: &raw.path,
        at: raw.pos,
        rtype,
        diags: std::mem::take(&mut built.diagnostics),
    };
    let mut rec = blank(rtype, &raw.path, raw.pos);
    report_merge_keys(&mut c, &raw.fields);
    let mut seen = read_fields(&mut c, &raw.fields, &mut rec);
    set_id(
        &mut c,
        seen.id.take(),
        raw.file_id.as_ref(),
        raw.pos,
        &mut rec,
    );
    check_required(&mut c, &mut rec, seen.title, raw.pos);
    check_type_rules(&mut c, &mut rec, &seen);

    rec.body = raw.body;
    rec.body_origin = raw.body_origin;
    c.diags.extend(scan_body(&mut rec));

    let objectives = match seen.objectives {
        Some(node) => read_objectives(&mut c, node, &rec),
        None => Vec::new(),
    };
    built.diagnostics = c.diags;
    built.records.push(rec);
    built.records.extend(objectives);
    built
}

/// The record's type: a `type:` field wins over the folder. None when there is no
/// type, with the problem reported (once: a wrong `type:` is not also a missing one).
fn record_type(raw: &RawRecord, diags: &mut Vec<Diagnostic>) -> Option<RecordType> {
    let folder_type = raw
        .path
        .split_once('/')
        .and_then(|(folder, _)| RecordType::from_folder(folder));
    let mut rtype = folder_type;
    let mut type_error = false;
    if let Some((key, value)) = raw.fields.iter().find(|(k, _)| key_text(k) == Some("type")) {
        let text = value.as_scalar().map(|s| s.text.as_str()).unwrap_or("");
        match RecordType::from_name(text) {
            Some(t) => rtype = Some(t),
            None => {
                diags.push(Diagnostic::new(
                    &raw.path,
                    key.pos,
                    Code::E003,
                    unknown_type_message(text),
                ));
                type_error = true;
            }
        }
    }
    if rtype.is_none() && !type_error {
        let folder_hint = if raw.path.contains('/') {
            "this folder is not a type folder"
        } else {
            "files directly in the content folder need a type"
        };
        diags.push(Diagnostic::new(
            &raw.path,
            raw.pos,
            Code::E002,
            format!(
                "missing required field `type`: {folder_hint}; add `type: action` (or plan, recommendation, evidence, review, event, page, indicator, risk), move the file into a type folder such as `actions/`, or start its name with `_` to ignore it"
            ),
        ));
    }
    rtype
}

/// What is wrong with `type: <text>` when it names no record type.
fn unknown_type_message(text: &str) -> String {
    if text == "objective" {
        return "`type: objective` is not allowed: objectives are written inside a plan's `objectives:` list".to_string();
    }
    let names = [
        "plan",
        "recommendation",
        "action",
        "evidence",
        "review",
        "event",
        "page",
        "indicator",
        "risk",
    ];
    let hint = loose_match(text, names)
        .or_else(|| closest_ignoring_case(text, names, 2))
        .map(|n| format!("did you mean `{n}`?"))
        .unwrap_or_else(|| format!("use one of: {}", names.join(", ")));
    format!("`{}` is not a record type; {hint}", short(text))
}

/// Refuses every YAML merge key (`<<`) in the record, at any depth.
fn report_merge_keys(c: &mut Checker, fields: &[(Node, Node)]) {
    let mut merges = Vec::new();
    for (key, value) in fields {
        if key.as_scalar().is_some_and(|s| s.text == "<<") {
            merges.push(key.pos);
        }
        merge_keys(value, &mut merges);
    }
    for pos in merges {
        c.report(pos, Code::E003, MERGE_KEY_MESSAGE.into());
    }
}

/// What the field loop saw that the checks after it need.
#[derive(Default)]
struct Seen<'a> {
    /// A written `id:`, with where.
    id: Option<(String, Pos)>,
    title: bool,
    rag: Option<Pos>,
    sha256: Option<Pos>,
    /// Read last, once the plan's ID is known.
    objectives: Option<&'a Node>,
}

/// Reads every field into the record: the fields every type has here, the rest by
/// their declaration in schema.rs.
fn read_fields<'a>(c: &mut Checker, fields: &'a [(Node, Node)], rec: &mut Record) -> Seen<'a> {
    let rtype = c.rtype;
    let known: Vec<&'static str> = rtype.known_names().collect();
    let mut seen = Seen::default();
    for (key, value) in fields {
        let Some(name) = key_text(key) else {
            c.report(
                key.pos,
                Code::E003,
                "field names must be plain words such as `title`".into(),
            );
            continue;
        };
        if name == "<<" {
            continue; // refused by report_merge_keys
        }
        rec.field_pos.push((name.to_string(), key.pos));
        c.at = key.pos;
        match name {
            "type" => {}
            "id" => match value.as_scalar() {
                Some(s) if !value.is_null() => seen.id = Some((s.text.clone(), key.pos)),
                _ => c.report(
                    c.at,
                    Code::E003,
                    format!("`id` must be a single value, not {}", value.describe()),
                ),
            },
            "title" => {
                seen.title = true;
                match c.text("title", value) {
                    Some(t) if !t.trim().is_empty() => rec.title = t,
                    // Not text: `text` has reported it.
                    None if value.as_scalar().is_none() => {}
                    _ => c.report(
                        key.pos,
                        Code::E002,
                        "the `title` is empty; write the record's title after `title:`".into(),
                    ),
                }
            }
            "status" => {
                if rtype.statuses().is_empty() {
                    c.report(
                        key.pos,
                        Code::E003,
                        format!("{} has no `status`; remove this line", rtype.with_article()),
                    );
                } else if let Some(s) = c.one_of("status", value, rtype.statuses()) {
                    rec.status = s;
                }
            }
            "owner" => rec.owner = c.text(name, value),
            "date" => rec.date = c.date(name, value),
            "audience" => rec.audience = Some(c.list(name, value)),
            "classification" => {
                rec.classification = c.one_of(name, value, super::schema::CLASSIFICATIONS)
            }
            "tags" => rec.tags = c.list(name, value).into_iter().map(|(t, _)| t).collect(),
            "illustrative" => {
                rec.illustrative = c.text(name, value).filter(|t| !t.trim().is_empty())
            }
            "personal_data_reviewed" => rec.personal_data_reviewed = c.date(name, value),
            _ => read_declared_field(c, name, key.pos, value, rec, &mut seen, &known),
        }
    }
    seen
}

/// Reads a field by its declaration in schema.rs; an undeclared one is reported (and
/// kept as it was written).
fn read_declared_field<'a>(
    c: &mut Checker,
    name: &str,
    key_pos: Pos,
    value: &'a Node,
    rec: &mut Record,
    seen: &mut Seen<'a>,
    known: &[&'static str],
) {
    let rtype = c.rtype;
    let Some(field) = rtype
        .own_fields()
        .iter()
        .find(|f| f.name == name)
        .or_else(|| super::schema::COMMON_FIELDS.iter().find(|f| f.name == name))
    else {
        if let Some(field) = wall_near_miss(name) {
            c.report(key_pos, Code::E003, wall_message(name, field));
            return;
        }
        c.unknown_key(name, key_pos, known);
        rec.extra.push((name.to_string(), value.to_value()));
        return;
    };
    if field.is_plain() {
        read_plain(c, field, value, rec);
        return;
    }
    read_declared(c, field, key_pos, value, rec, seen);
}

/// Reads a declared field that has code of its own (not `schema::Store::Plain`).
fn read_declared<'a>(
    c: &mut Checker,
    field: &Field,
    key_pos: Pos,
    value: &'a Node,
    rec: &mut Record,
    seen: &mut Seen<'a>,
) {
    let name = field.name;
    match (field.name, field.kind) {
        (n, FieldKind::Ref(_)) => c.refs(n, value, true, &mut rec.refs),
        (n, FieldKind::Refs(_)) => c.refs(n, value, false, &mut rec.refs),
        ("approved", _) => rec.approved = c.date(name, value),
        ("due", _) => rec.due = c.date(name, value),
        ("original_due", _) => rec.original_due = c.date(name, value),
        ("location", _) => rec.location = c.text(name, value),
        ("signed_off", _) => rec.signed_off = read_sign_off(c, name, value),
        ("agreed", _) => rec.agreed = read_sign_off(c, name, value),
        ("completed", _) => rec.completed = c.date(name, value),
        ("reviewed", _) => rec.reviewed = c.date(name, value),
        ("expires", _) => rec.expires = c.date(name, value),
        ("finding", FieldKind::Enum(v)) => rec.finding = c.one_of(name, value, v),
        ("priority", FieldKind::Enum(v)) => rec.priority = c.one_of(name, value, v),
        ("kind", FieldKind::Enum(v)) => rec.kind = c.one_of(name, value, v),
        ("rag", FieldKind::Enum(v)) => {
            seen.rag = Some(key_pos);
            rec.rag = c.one_of(name, value, v);
        }
        ("url", _) => rec.url = c.text(name, value),
        ("framework", _) => {
            rec.framework = c
                .text(name, value)
                .map(|t| (t.trim().to_string(), value.pos))
        }
        ("file", _) => rec.file = read_file_ref(c, name, value),
        ("sha256", _) => {
            seen.sha256 = Some(key_pos);
            if let Some(h) = read_sha256(c, value) {
                rec.sha256 = Some(h);
            }
        }
        ("order", _) => {
            if let Some(n) = read_order(c, value) {
                rec.order = Some(n);
            }
        }
        ("unit", FieldKind::Enum(v)) => rec.unit = c.one_of(name, value, v),
        ("polarity", FieldKind::Enum(v)) => rec.polarity = c.one_of(name, value, v),
        ("target", _) => {
            rec.target = c.text(name, value).and_then(|t| {
                figures::number(&t)
                    .map_err(|why| c.report(c.at, Code::E003, format!("`target` {why}")))
                    .ok()
            })
        }
        ("values", _) => rec.values = read_values(c, value),
        ("values_file", _) => rec.values_file = read_file_ref(c, name, value),
        ("likelihood", _) => rec.likelihood = read_score(c, name, value),
        ("impact", _) => rec.impact = read_score(c, name, value),
        ("review_by", _) => rec.review_by = c.date(name, value),
        ("period", _) => read_period(c, value, rec),
        ("judgements", _) => read_judgements(c, value, rec),
        ("objectives", _) => seen.objectives = Some(value),
        _ => {
            rec.extra.push((name.to_string(), value.to_value()));
        }
    }
}

/// A file named by `file` or `values_file`, to be found on disk later.
fn read_file_ref(c: &mut Checker, name: &str, value: &Node) -> Option<FileRef> {
    c.text(name, value).map(|path| FileRef {
        path: path.trim().to_string(),
        resolved: None,
        pos: c.at,
    })
}

/// `sha256`: 64 hexadecimal digits, kept in lower case.
fn read_sha256(c: &mut Checker, value: &Node) -> Option<String> {
    let h = c.text("sha256", value)?;
    let h = h.trim().to_ascii_lowercase();
    if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) {
        Some(h)
    } else {
        c.report(
            c.at,
            Code::E003,
            "`sha256` must be 64 hexadecimal digits; run `assure lock` to record it".into(),
        );
        None
    }
}

/// `order`: a whole number.
fn read_order(c: &mut Checker, value: &Node) -> Option<i64> {
    let t = c.text("order", value)?;
    match t.trim().parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            c.report(
                c.at,
                Code::E003,
                format!(
                    "`order` must be a whole number such as 1, not `{}`",
                    short(&t)
                ),
            );
            None
        }
    }
}

/// A risk's `likelihood` or `impact`: a whole number from 1 to 5.
fn read_score(c: &mut Checker, name: &str, value: &Node) -> Option<u8> {
    c.text(name, value)
        .and_then(|t| match t.trim().parse::<u8>() {
            Ok(n @ 1..=5) => Some(n),
            _ => {
                let scale = if name == "likelihood" {
                    "1 (rare) to 5 (almost certain)"
                } else {
                    "1 (negligible) to 5 (severe)"
                };
                c.report(
                    c.at,
                    Code::E003,
                    format!(
                        "`{name}` must be a whole number from {scale}, not `{}`",
                        short(&t)
                    ),
                );
                None
            }
        })
}

/// The ID: written, or the file name; a list file's items must write it.
fn set_id(
    c: &mut Checker,
    id_field: Option<(String, Pos)>,
    file_id: Option<&String>,
    record_pos: Pos,
    rec: &mut Record,
) {
    match (id_field, file_id) {
        (Some((id, pos)), _) => {
            if let Some(problem) = id_problem(&id) {
                c.report(pos, Code::E003, problem);
            }
            rec.id = id;
            rec.id_pos = pos;
        }
        (None, Some(stem)) => {
            if let Some(problem) = id_problem(stem) {
                c.report(
                    Pos::START,
                    Code::E003,
                    format!("{problem} (the ID comes from the file name: rename the file, or add an `id:` line)"),
                );
            }
            rec.id = stem.clone();
            rec.id_pos = Pos::START;
        }
        (None, None) => {
            c.report(
                record_pos,
                Code::E002,
                "missing required field `id`: every record in a `records:` list needs its own `id:`".into(),
            );
        }
    }
    rec.key = rec.id.to_lowercase();
}

/// The fields a record cannot do without: a title everywhere, and what its type needs
/// (an event's date, a recommendation's source, what an action answers).
fn check_required(c: &mut Checker, rec: &mut Record, title_seen: bool, record_pos: Pos) {
    let rtype = c.rtype;
    if !title_seen {
        c.report(
            record_pos,
            Code::E002,
            "missing required field `title`: add a line `title: …`".into(),
        );
    }
    if rtype == RecordType::Event
        && rec.date.is_none()
        && !c.diags.iter().any(|d| d.message.contains("`date`"))
    {
        c.report(record_pos, Code::E002, "missing required field `date`: an event needs `date: YYYY-MM-DD` (or `YYYY-MM`, `YYYY`)".into());
    }
    if rtype == RecordType::Recommendation && rec.refs_in("source").next().is_none() {
        c.report(
            record_pos,
            Code::E002,
            "missing required field `source`: name the review or inspection that made this recommendation, e.g. `source: ofsted-2012`".into(),
        );
    }
    if rtype == RecordType::Action
        && rec.refs_in("addresses").next().is_none()
        && rec.refs_in("objective").next().is_none()
    {
        let which = if rec.id.is_empty() {
            "this action".to_string()
        } else {
            format!("action `{}`", short(&rec.id))
        };
        c.report(
            record_pos,
            Code::W109,
            format!("{which} answers nothing: it has neither `addresses` nor `objective`; add `addresses:` with the recommendations it answers, or `objective:` with the plan objective it serves"),
        );
    }
}

/// Fields that contradict each other within one type (a cancelled action's RAG, a hash
/// with no file, figures in two places), and a recommendation's default finding.
fn check_type_rules(c: &mut Checker, rec: &mut Record, seen: &Seen) {
    let rtype = c.rtype;
    if rtype == RecordType::Action && rec.status == "cancelled" {
        if let (Some(pos), Some(_)) = (seen.rag, rec.rag) {
            c.report(
                pos,
                Code::E003,
                "a cancelled action has no RAG rating; remove the `rag:` line".into(),
            );
            rec.rag = None;
        }
    }
    if rtype == RecordType::Evidence && rec.file.is_none() {
        if let Some(pos) = seen.sha256 {
            c.report(
                pos,
                Code::E003,
                "`sha256` records the hash of `file`, but this record has no `file`".into(),
            );
        }
    }
    if rtype == RecordType::Indicator {
        if let (Some(file), false) = (&rec.values_file, rec.values.is_empty()) {
            c.report(
                file.pos,
                Code::E003,
                "an indicator has its figures in `values` or in `values_file`, not both; keep one"
                    .into(),
            );
        }
        c.diags
            .extend(figures::duplicate_periods(&rec.path, &rec.values));
    }
    if rtype == RecordType::Recommendation && rec.finding.is_none() {
        rec.finding = Some("recommendation");
    }
}

/// Collects a body's `[[ID]]` links as references and its relative links as local links;
/// returns the problems with its links (a link cut in two by a table).
fn scan_body(rec: &mut Record) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    if rec.body.is_empty() {
        return problems;
    }
    let links = markdown::scan(&rec.body);
    let mut locate = markdown::Locator::new(&rec.body, &rec.body_origin);
    let positions: Vec<Pos> = links.iter().map(|(_, offset)| locate.at(*offset)).collect();
    for ((link, _), pos) in links.into_iter().zip(positions) {
        match link {
            BodyLink::Record(id) => rec.refs.push(Ref {
                field: "body",
                id,
                pos,
                target: None,
                withheld: false,
            }),
            // Resolved against the file system when the site is linked.
            BodyLink::Local { target, .. } => rec.local_links.push(super::LocalLink {
                dest: target,
                path: None,
                pos,
            }),
            BodyLink::CutByTable(cut) => problems.push(Diagnostic::new(
                &rec.path,
                pos,
                Code::E003,
                format!(
                    "the table cuts `[[{}` in two at its `|`: in a table row write the link as `[[ID\\|words]]`",
                    short(&cut)
                ),
            )),
        }
    }
    problems
}

/// How a figure is written, for the messages of `values`.
const FIGURE_EXAMPLE: &str =
    "write each as `- {period: 2014-03, value: 41.5}` (a `note:` may follow)";

/// `values: [{period: 2014-03, value: 41.5, note: …}, …]` (SPEC §14.9): each bad item
/// is reported at the place of its bad part, and the good ones kept.
fn read_values(c: &mut Checker<'_>, value: &Node) -> Vec<Reading> {
    let example = FIGURE_EXAMPLE;
    let items: &[Node] = match &value.value {
        _ if value.is_null() => &[],
        Value::Seq(items) => items,
        _ => {
            c.report(
                c.at,
                Code::E003,
                format!("`values` must be a list of figures; {example}"),
            );
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for item in items {
        let Some(pairs) = item.as_map() else {
            c.report(
                item.pos,
                Code::E003,
                format!(
                    "each item of `values` needs a period and a value, not {}; {example}",
                    item.describe()
                ),
            );
            continue;
        };
        out.extend(read_figure(c, item.pos, pairs));
    }
    out
}

/// One item of `values` (at `pos`): `None` when it lacks a good period or value (a
/// missing one is an E002 unless a bad one was reported already).
fn read_figure(c: &mut Checker<'_>, pos: Pos, pairs: &[(Node, Node)]) -> Option<Reading> {
    let (mut period, mut number, mut note) = (None, None, None);
    let (mut has_period, mut has_value, mut ok) = (false, false, true);
    for (k, v) in pairs {
        c.at = k.pos;
        let text = || {
            v.as_scalar()
                .filter(|_| !v.is_null())
                .map(|s| s.text.clone())
        };
        match key_text(k) {
            Some("period") => {
                has_period = true;
                match text().map(|t| figures::period(&t)) {
                    Some(Ok(p)) => period = Some(p),
                    Some(Err(why)) => {
                        ok = false;
                        c.report(v.pos, Code::E003, why);
                    }
                    None => has_period = false,
                }
            }
            Some("value") => {
                has_value = true;
                match text().map(|t| figures::number(&t)) {
                    Some(Ok(n)) => number = Some(n),
                    Some(Err(why)) => {
                        ok = false;
                        c.report(v.pos, Code::E003, format!("the `value` {why}"));
                    }
                    None => has_value = false,
                }
            }
            Some("note") => note = c.text("note", v),
            _ => c.report(
                k.pos,
                Code::E003,
                format!(
                    "a figure has only `period`, `value` and `note`, not {}",
                    k.describe()
                ),
            ),
        }
    }
    match (period, number) {
        (Some(period), Some(value)) => Some(Reading {
            period,
            value,
            note,
            pos,
        }),
        _ if ok => {
            let missing = match (has_period, has_value) {
                (false, false) => "a `period` and a `value`",
                (false, true) => "a `period`",
                _ => "a `value`",
            };
            c.report(
                pos,
                Code::E002,
                format!("this figure needs {missing}; {FIGURE_EXAMPLE}"),
            );
            None
        }
        _ => None,
    }
}

fn read_period(c: &mut Checker<'_>, value: &Node, rec: &mut Record) {
    let Some(pairs) = value.as_map() else {
        if !value.is_null() {
            c.report(
                c.at,
                Code::E003,
                "`period` must be `{start: YYYY-MM, end: YYYY-MM}`".into(),
            );
        }
        return;
    };
    for (k, v) in pairs {
        c.at = k.pos;
        match key_text(k) {
            Some("start") => rec.period_start = c.date("period.start", v),
            Some("end") => rec.period_end = c.date("period.end", v),
            _ => c.report(
                k.pos,
                Code::E003,
                format!("`period` has only `start` and `end`, not {}", k.describe()),
            ),
        }
    }
}

/// `signed_off: {by: TEXT, on: DATE}` or `agreed: {…}`: both parts are required.
fn read_sign_off(c: &mut Checker<'_>, name: &str, value: &Node) -> Option<SignOff> {
    let example = format!("write it as `{name}: {{by: Performance Board, on: 2014-01-14}}`");
    let Some(pairs) = value.as_map() else {
        if !value.is_null() {
            c.report(
                c.at,
                Code::E003,
                format!("`{name}` must say who and when; {example}"),
            );
        }
        return None;
    };
    let key_pos = c.at;
    let (mut by, mut on) = (None, None);
    for (k, v) in pairs {
        c.at = k.pos;
        match key_text(k) {
            Some("by") => {
                by = c
                    .text(&format!("{name}.by"), v)
                    .filter(|t| !t.trim().is_empty())
            }
            Some("on") => on = c.date(&format!("{name}.on"), v),
            _ => c.report(
                k.pos,
                Code::E003,
                format!("`{name}` has only `by` and `on`, not {}", k.describe()),
            ),
        }
    }
    c.at = key_pos;
    match (by, on) {
        (Some(by), Some(on)) => Some(SignOff { by, on }),
        (by, on) => {
            let missing = match (by.is_none(), on.is_none()) {
                (true, true) => "who (`by`) and when (`on`)",
                (true, false) => "who (`by`)",
                _ => "when (`on`)",
            };
            c.report(
                key_pos,
                Code::E003,
                format!("`{name}` needs {missing}; {example}"),
            );
            None
        }
    }
}

fn read_judgements(c: &mut Checker<'_>, value: &Node, rec: &mut Record) {
    let Some(pairs) = value.as_map() else {
        if !value.is_null() {
            c.report(
                c.at,
                Code::E003,
                "`judgements` must map each area to a grade, e.g. `overall: inadequate`".into(),
            );
        }
        return;
    };
    for (k, v) in pairs {
        let Some(area) = key_text(k) else {
            c.report(
                k.pos,
                Code::E003,
                "each judgement area must be a name".into(),
            );
            continue;
        };
        c.at = k.pos;
        let Some(grade) = c.text(&format!("judgements.{area}"), v) else {
            continue;
        };
        rec.judgements.push(Judgement {
            area: area.to_string(),
            grade: grade.trim().to_string(),
            area_pos: k.pos,
            grade_pos: v.pos,
        });
    }
}

/// The fields an objective may have.
const OBJECTIVE_FIELDS: &[&str] = &[
    "id",
    "title",
    "description",
    "audience",
    "classification",
    "personal_data_reviewed",
];

/// An objective's own `audience`, narrowed to its plan's: a name the plan is withheld
/// from is an error (the objective stays withheld from it). `internal` sees everything.
fn narrowed_audience(
    c: &mut Checker<'_>,
    plan: &Record,
    own: Vec<(String, Pos)>,
) -> Vec<(String, Pos)> {
    let Some(plan_names) = &plan.audience else {
        return own;
    };
    let mut kept = Vec::new();
    for (name, pos) in own {
        if name == crate::config::INTERNAL || plan_names.iter().any(|(n, _)| *n == name) {
            kept.push((name, pos));
        } else {
            let list: Vec<String> = plan_names.iter().map(|(n, _)| format!("`{n}`")).collect();
            c.report(
                pos,
                Code::E003,
                format!(
                    "`{}` does not see this objective's plan (its audience is {}): an objective can narrow its plan's audience, not widen it; remove `{}` here, or add it to the plan's `audience`",
                    short(&name),
                    if list.is_empty() { "internal only".to_string() } else { list.join(", ") },
                    short(&name)
                ),
            );
        }
    }
    kept
}

/// A plan's objectives, each a record of type objective.
fn read_objectives(c: &mut Checker<'_>, value: &Node, plan: &Record) -> Vec<Record> {
    let items: Vec<&Node> = match &value.value {
        Value::Seq(items) => items.iter().collect(),
        _ if value.is_null() => return Vec::new(),
        _ => {
            c.report(
                c.at,
                Code::E003,
                "`objectives` must be a list, each item `- id: …` and `title: …`".into(),
            );
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for item in items {
        let Some(pairs) = item.as_map() else {
            c.report(
                item.pos,
                Code::E003,
                format!(
                    "each objective must have `id:` and `title:`, not {}",
                    item.describe()
                ),
            );
            continue;
        };
        let pos = pairs.first().map_or(item.pos, |(k, _)| k.pos);
        out.extend(read_objective(c, pos, pairs, plan));
    }
    out
}

/// One objective of `plan`, at `pos`; `None` without an `id`.
fn read_objective(
    c: &mut Checker<'_>,
    pos: Pos,
    pairs: &[(Node, Node)],
    plan: &Record,
) -> Option<Record> {
    let mut obj = blank(RecordType::Objective, &plan.path, pos);
    // An objective takes its plan's audience and marking; its own may narrow them,
    // never widen them (SPEC §14.6).
    obj.audience = plan.audience.clone();
    obj.classification = plan.classification;
    obj.personal_data_reviewed = plan.personal_data_reviewed;
    let mut has_title = false;
    for (k, v) in pairs {
        c.at = k.pos;
        obj.field_pos
            .push((key_text(k).unwrap_or("").to_string(), k.pos));
        has_title |= key_text(k) == Some("title");
        objective_field(c, k, v, &mut obj, plan);
    }
    if obj.id.is_empty() {
        c.report(
            pos,
            Code::E002,
            "missing required field `id` on this objective: add `id: …`".into(),
        );
        return None;
    }
    if !has_title {
        c.report(
            pos,
            Code::E002,
            "missing required field `title` on this objective: add `title: …`".into(),
        );
    }
    c.diags.extend(scan_body(&mut obj));
    Some(obj)
}

/// One field of an objective, `k: v`, read into `obj`.
fn objective_field(c: &mut Checker<'_>, k: &Node, v: &Node, obj: &mut Record, plan: &Record) {
    match key_text(k) {
        Some("id") => match c.text("id", v) {
            Some(id) => {
                if let Some(problem) = id_problem(&id) {
                    c.report(k.pos, Code::E003, problem);
                }
                obj.key = id.to_lowercase();
                obj.id = id;
                obj.id_pos = k.pos;
            }
            None => c.report(
                k.pos,
                Code::E003,
                "an objective's `id` must be a single value".into(),
            ),
        },
        Some("title") => match c.text("title", v) {
            Some(t) if !t.trim().is_empty() => obj.title = t,
            _ => c.report(k.pos, Code::E002, "the objective's `title` is empty".into()),
        },
        Some("description") => {
            if let Some(text) = c.text("description", v) {
                obj.body_origin = crate::content::block_origin(v);
                obj.body = text;
            }
        }
        Some("status") => c.report(
            k.pos,
            Code::E003,
            "an objective has no `status` (its actions show its progress); remove this line".into(),
        ),
        Some("personal_data_reviewed") => {
            obj.personal_data_reviewed = c.date("personal_data_reviewed", v)
        }
        Some("audience") => {
            let own = c.list("audience", v);
            obj.audience = Some(narrowed_audience(c, plan, own));
        }
        Some("classification") => {
            if let Some(own) = c.one_of("classification", v, super::schema::CLASSIFICATIONS) {
                if own == "OFFICIAL-SENSITIVE" {
                    obj.classification = Some(own);
                }
            }
        }
        Some("<<") => {} // refused with every merge key of the record
        Some(other) if wall_near_miss(other).is_some() => {
            let field = wall_near_miss(other).unwrap_or("audience");
            c.report(k.pos, Code::E003, wall_message(other, field));
        }
        Some(other) => {
            // Typo hints as for records, against the objective's own fields.
            let rtype = std::mem::replace(&mut c.rtype, RecordType::Objective);
            c.unknown_key(other, k.pos, OBJECTIVE_FIELDS);
            c.rtype = rtype;
            obj.extra.push((other.to_string(), v.to_value()));
        }
        None => c.report(k.pos, Code::E003, "field names must be plain words".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::parse_file;

    fn build(path: &str, text: &str) -> Built {
        let mut f = parse_file(path, text.as_bytes());
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        build_record(f.records.remove(0))
    }

    fn codes(b: &Built) -> Vec<(u32, u32, Code)> {
        b.diagnostics
            .iter()
            .map(|d| (d.pos.line, d.pos.col, d.code))
            .collect()
    }

    #[test]
    fn a_link_cut_in_two_by_a_table_is_an_error_at_its_first_bracket() {
        let b = build(
            "pages/p.md",
            "---\ntitle: T\n---\n| a | b |\n|---|---|\n| x | [[rec-1|words]] |\n",
        );
        assert_eq!(codes(&b), vec![(6, 7, Code::E003)]);
        assert!(b.diagnostics[0].message.contains("[[ID\\|words]]"));
        let b = build(
            "pages/p.md",
            "---\ntitle: T\n---\n| a | b |\n|---|---|\n| x | [[rec-1\\|words]] |\n",
        );
        assert_eq!(codes(&b), vec![]);
        assert_eq!(b.records[0].refs[0].id, "rec-1");
    }

    #[test]
    fn reads_an_action() {
        let b = build(
            "actions/a1.md",
            "---\ntitle: Recruit social workers\nstatus: in-progress\ndue: 2014-03\nplan: p1\naddresses: r1\n---\nSee [[r1]].\n",
        );
        assert!(b.diagnostics.is_empty(), "{:?}", b.diagnostics);
        let r = &b.records[0];
        assert_eq!(r.id, "a1");
        assert_eq!(r.status, "in-progress");
        assert_eq!(r.due.unwrap().to_string(), "2014-03");
        let refs: Vec<_> = r
            .refs
            .iter()
            .map(|r| (r.field, r.id.as_str(), r.pos.line, r.pos.col))
            .collect();
        assert_eq!(
            refs,
            vec![
                ("plan", "p1", 5, 1),
                ("addresses", "r1", 6, 12),
                ("body", "r1", 8, 5)
            ]
        );
    }

    #[test]
    fn empty_and_null_keys_are_not_field_names() {
        let b = build("pages/p.md", "---\n\"\": x\n~: y\nnull: z\ntitle: T\n---\n");
        assert_eq!(
            codes(&b),
            vec![(2, 1, Code::E003), (3, 1, Code::E003), (4, 1, Code::E003)]
        );
        assert!(b.diagnostics[0].message.contains("plain words"));
    }

    #[test]
    fn sign_off_and_agreement_need_who_and_when() {
        let b = build(
            "evidence/e1.md",
            "---\ntitle: T\nlocation: Board papers\nsigned_off: {by: Performance Board, on: 2014-01-14}\n---\n",
        );
        assert!(b.diagnostics.is_empty(), "{:?}", b.diagnostics);
        let s = b.records[0].signed_off.as_ref().expect("signed off");
        assert_eq!(
            (s.by.as_str(), s.on.to_string()),
            ("Performance Board", "2014-01-14".to_string())
        );
        assert_eq!(b.records[0].location.as_deref(), Some("Board papers"));
        // One part without the other is E003 at the key, and records nothing.
        let b = build(
            "recommendations/r1.md",
            "---\ntitle: T\nsource: rev\nstatus: met\nagreed: {by: Board}\n---\n",
        );
        assert_eq!(codes(&b), vec![(5, 1, Code::E003)]);
        assert!(
            b.diagnostics[0].message.contains("when (`on`)"),
            "{}",
            b.diagnostics[0].message
        );
        assert!(b.records[0].agreed.is_none());
        let b = build(
            "evidence/e2.md",
            "---\ntitle: T\nsigned_off: yesterday\n---\n",
        );
        assert_eq!(codes(&b), vec![(3, 1, Code::E003)]);
        let b = build(
            "actions/a1.md",
            "---\ntitle: T\naddresses: [r1]\noriginal_due: 2014-03\ndue: 2014-06\n---\n",
        );
        assert!(b.diagnostics.is_empty(), "{:?}", b.diagnostics);
        assert_eq!(
            b.records[0]
                .due_moved()
                .map(|(a, b)| (a.to_string(), b.to_string())),
            Some(("2014-03".to_string(), "2014-06".to_string()))
        );
    }

    #[test]
    fn reports_bad_values_at_their_place() {
        let b = build(
            "actions/a1.md",
            "---\ntitle: T\nstatus: Complete\ndue: March 2014\nsuports: [x]\nTitle: y\naddresses: r1\n---\n",
        );
        // `suports` is only close to a field of another type: an extra detail of the
        // author's own, with no warning (SPEC §13.2).
        assert_eq!(
            codes(&b),
            vec![(3, 1, Code::E003), (4, 1, Code::E003), (6, 1, Code::W106)]
        );
        assert!(b.diagnostics[0]
            .message
            .contains("did you mean `complete`?"));
        assert!(b.diagnostics[1].message.contains("`2014-03`"));
        assert!(
            b.diagnostics[2].message.contains("did you mean `title`?"),
            "{}",
            b.diagnostics[2].message
        );
    }

    /// W106 messages for each key of a record's front matter, in order.
    fn w106(path: &str, keys: &str) -> Vec<String> {
        let b = build(path, &format!("---\ntitle: T\n{keys}---\n"));
        b.diagnostics
            .iter()
            .filter(|d| d.code == Code::W106)
            .map(|d| d.message.clone())
            .collect()
    }

    #[test]
    fn unknown_keys_are_named_as_written() {
        // A field of another type says so; merely close to one is no typo.
        assert_eq!(
            w106("plans/p.md", "supports: [a]\nfunding: 2m\nb: x\nrefs: [a]\n"),
            [
                "`supports` is an evidence field, not a field of a plan; it is kept as an extra detail",
                "`refs` is an event field, not a field of a plan; it is kept as an extra detail",
            ]
        );
        assert_eq!(
            w106("actions/a.md", "kind: x\nobjectives: [o]\n"),
            [
                "`kind` is an evidence, review and event field, not a field of an action; it is kept as an extra detail",
                "`objectives` is a plan field, not a field of an action; did you mean `objective`?",
            ]
        );
        // Typos of the record's own fields: one edit up to four characters, two
        // beyond, capital letters counting as small ones.
        assert_eq!(
            w106("reviews/r.md", "b: x\nbyy: x\nDye: x\nSTATUS: x\nTilte: x\nownre: x\nknd: x\n"),
            [
                "unknown field `b` on a review: did you mean `by`?",
                "unknown field `byy` on a review: did you mean `by`?",
                "unknown field `STATUS` on a review: field names are case-sensitive; did you mean `status`?",
                "unknown field `Tilte` on a review: did you mean `title`?",
                "unknown field `ownre` on a review: did you mean `owner`?",
                "unknown field `knd` on a review: did you mean `kind`?",
            ]
        );
        assert_eq!(
            w106("actions/a.md", "Dye: x\nxyz: x\nownerss: x\n"),
            [
                "unknown field `Dye` on an action: did you mean `due`?",
                "unknown field `ownerss` on an action: did you mean `owner`?",
            ]
        );
    }

    #[test]
    fn near_misses_of_the_wall_fields_are_errors() {
        for key in [
            "Audience",
            "audiences",
            "audiance",
            "audeince",
            "AUDIENCE",
            "Classification",
            "clasification",
            "classifications",
        ] {
            assert!(wall_near_miss(key).is_some(), "{key}");
        }
        for key in ["audience", "classification", "area", "owner", "kind"] {
            assert_eq!(wall_near_miss(key), None, "{key}");
        }
        let b = build("pages/p.md", "---\ntitle: T\naudiances: [internal]\n---\n");
        assert_eq!(codes(&b), vec![(3, 1, Code::E003)]);
        assert!(b.diagnostics[0]
            .message
            .contains("would publish this record to everyone"));
        assert!(b.records[0].extra.is_empty(), "not kept as a field");
    }

    #[test]
    fn merge_keys_are_refused_at_the_key() {
        let b = build(
            "pages/p.md",
            "---\ntitle: T\n<<: {audience: [internal]}\n---\n",
        );
        assert_eq!(codes(&b), vec![(3, 1, Code::E003)]);
        assert!(b.records[0].extra.is_empty() && b.records[0].audience.is_none());
    }

    #[test]
    fn objectives_narrow_their_plans_audience_and_marking() {
        let b = build(
            "plans/p.md",
            "---\ntitle: P\naudience: [inspector, public]\nobjectives:\n  - id: o1\n    title: One\n  - id: o2\n    title: Two\n    audience: [public, internal]\n    classification: OFFICIAL-SENSITIVE\n  - id: o3\n    title: Three\n    audience: [other]\n    classification: OFFICIAL\n---\n",
        );
        let names = |i: usize| -> Vec<String> {
            b.records[i]
                .audience
                .iter()
                .flatten()
                .map(|(n, _)| n.clone())
                .collect()
        };
        assert_eq!(names(1), ["inspector", "public"]);
        assert_eq!(names(2), ["public", "internal"]);
        assert_eq!(b.records[2].classification, Some("OFFICIAL-SENSITIVE"));
        // Widening is refused, and the objective stays withheld.
        assert_eq!(names(3), Vec::<String>::new());
        assert_eq!(b.records[3].classification, None);
        assert_eq!(codes(&b), vec![(13, 16, Code::E003)]);
    }

    #[test]
    fn actions_answering_nothing_are_w109_at_their_first_line() {
        let b = build(
            "actions/a.md",
            "---\ntitle: T\nplan: p\naddresses: []\n---\n",
        );
        assert_eq!(codes(&b), vec![(1, 1, Code::W109)]);
        assert!(b.diagnostics[0].message.contains("add `addresses:`"));
        let b = build("actions/a.md", "---\ntitle: T\nobjective: o\n---\n");
        assert_eq!(codes(&b), vec![]);
    }

    #[test]
    fn loose_enum_values_get_a_hint() {
        let b = build(
            "recommendations/r.md",
            "---\ntitle: T\nsource: s\nstatus: In Progress\npriority: HIGH\nfinding: area_for_improvement\n---\n",
        );
        let hints: Vec<&str> = b.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            hints,
            [
                "`In Progress` is not a valid `status`; did you mean `in-progress`?",
                "`HIGH` is not a valid `priority`; did you mean `high`?",
                "`area_for_improvement` is not a valid `finding`; did you mean `area-for-improvement`?",
            ]
        );
    }

    #[test]
    fn plans_yield_objectives() {
        let b = build(
            "plans/p.md",
            "---\ntitle: Plan\nobjectives:\n  - id: o1\n    title: One\n    description: See [[x]]\n  - title: Two\n---\n",
        );
        assert_eq!(b.records.len(), 2);
        assert_eq!(b.records[1].rtype, RecordType::Objective);
        assert_eq!(b.records[1].refs[0].pos, Pos { line: 6, col: 22 });
        assert_eq!(codes(&b), vec![(7, 5, Code::E002)]);
    }

    #[test]
    fn ids_are_checked() {
        assert!(id_problem("ofsted-2012-r1").is_none());
        assert!(id_problem("1.10").is_none());
        assert!(id_problem("con").is_some());
        assert!(id_problem("COM1").is_some());
        assert!(id_problem("com0").is_none());
        assert!(id_problem("index").is_some());
        assert!(id_problem("a.").is_some());
        assert!(id_problem("-a").is_some());
        assert!(id_problem(&"a".repeat(129)).is_some());
        assert!(id_problem(&"a".repeat(128)).is_none());
    }

    #[test]
    fn records_need_a_type() {
        let mut f = parse_file("notes.md", b"---\ntitle: x\n---\n");
        let b = build_record(f.records.remove(0));
        assert_eq!(codes(&b), vec![(1, 1, Code::E002)]);
        assert_eq!(b.reserved_id.as_deref(), Some("notes"));
    }
}
