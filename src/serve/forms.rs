//! The editor's forms, made from the schema table: one control per field kind (enums
//! as selects with their labels, relations as checkboxes offering only IDs of the right
//! types with their titles, dates as text accepting partial dates, `signed_off` and
//! `agreed` as their two parts, extra fields as text, the body as a text area), and
//! back from a posted form to the content writer's edits.
//!
//! Plain HTML forms that work without script, GOV.UK patterns for hints and errors (an
//! error summary linking to each field), readable at 320 px; `edit.js` only adds a
//! filter to long relation lists.

use crate::content::writer::{Edit, Fields, Value};
use crate::markdown::escape_html;
use crate::model::schema::{FieldKind, RecordType, COMMON_FIELDS};
use crate::model::Site;
use crate::present::{field_label, label};

/// Where the editor's style sheet and script are served (by `edit`), linked from every
/// form page and the edit bar.
pub(crate) const CSS_PATH: &str = "/__assure/edit.css";
pub(crate) const JS_PATH: &str = "/__assure/edit.js";

/// A posted form: its text fields and uploaded files.
pub(crate) struct Form {
    texts: Vec<(String, String)>,
    /// (field, file name, bytes) of file parts with a name.
    files: Vec<(String, String, Vec<u8>)>,
}

impl Form {
    /// Reads a `multipart/form-data` or `application/x-www-form-urlencoded` body.
    pub fn parse(content_type: &str, body: &[u8]) -> Option<Form> {
        let lower = content_type.to_ascii_lowercase();
        if lower.starts_with("application/x-www-form-urlencoded") {
            let text = std::str::from_utf8(body).ok()?;
            let texts = text
                .split('&')
                .filter(|kv| !kv.is_empty())
                .map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    Some((super::percent_decode(k)?, super::percent_decode(v)?))
                })
                .collect::<Option<Vec<_>>>()?;
            return Some(Form {
                texts,
                files: Vec::new(),
            });
        }
        if !lower.starts_with("multipart/form-data") {
            return None;
        }
        let boundary = content_type
            .split(';')
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))
            .map(|(_, v)| v.trim_matches('"').to_string())?;
        let delimiter = format!("--{boundary}");
        let mut form = Form {
            texts: Vec::new(),
            files: Vec::new(),
        };
        let mut rest = body;
        // Skip the preamble up to the first delimiter.
        let first = find(rest, delimiter.as_bytes())?;
        rest = &rest[first + delimiter.len()..];
        loop {
            if rest.starts_with(b"--") {
                break;
            }
            rest = rest.strip_prefix(b"\r\n")?;
            let head_end = find(rest, b"\r\n\r\n")?;
            let head = std::str::from_utf8(&rest[..head_end]).ok()?;
            rest = &rest[head_end + 4..];
            let end = find(rest, format!("\r\n{delimiter}").as_bytes())?;
            let data = &rest[..end];
            rest = &rest[end + 2 + delimiter.len()..];
            let disposition = head
                .split("\r\n")
                .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
            let param = |name: &str| -> Option<String> {
                disposition.split(';').find_map(|p| {
                    let (k, v) = p.trim().split_once('=')?;
                    (k.eq_ignore_ascii_case(name)).then(|| v.trim_matches('"').to_string())
                })
            };
            let name = param("name")?;
            match param("filename") {
                Some(file) if !file.is_empty() => form.files.push((name, file, data.to_vec())),
                Some(_) => {}
                None => form
                    .texts
                    .push((name, String::from_utf8_lossy(data).into_owned())),
            }
        }
        Some(form)
    }

    /// The first text value of a field.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.texts
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a field (checkboxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.texts
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// An uploaded file: its name as sent and its bytes.
    pub fn file(&self, name: &str) -> Option<(String, Vec<u8>)> {
        self.files
            .iter()
            .find(|(k, _, _)| k == name)
            .map(|(_, f, d)| (f.clone(), d.clone()))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What a relation field may offer: every record's ID, type and title.
pub(crate) struct Choices {
    records: Vec<(String, RecordType, String)>,
}

impl Choices {
    pub fn from_site(site: &Site) -> Choices {
        let mut records: Vec<(String, RecordType, String)> = site
            .records
            .iter()
            .map(|r| (r.id.clone(), r.rtype, r.title.clone()))
            .collect();
        records.sort_by_key(|r| natural(&r.0));
        Choices { records }
    }

    fn of(&self, types: &[RecordType]) -> impl Iterator<Item = &(String, RecordType, String)> {
        let types = types.to_vec();
        self.records
            .iter()
            .filter(move |(_, t, _)| types.is_empty() || types.contains(t))
    }
}

/// A key that sorts `ev-2` before `ev-10`.
fn natural(id: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut digits = String::new();
    for c in id.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            if !digits.is_empty() {
                out.push((
                    std::mem::take(&mut word),
                    digits.parse().unwrap_or(u64::MAX),
                ));
                digits.clear();
            }
            word.push(c.to_ascii_lowercase());
        }
    }
    out.push((word, digits.parse().unwrap_or(0)));
    out
}

/// The fields a form shows for a type, with how each is edited.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Control {
    Text,
    Date,
    Number,
    Select(&'static [&'static str]),
    One(&'static [RecordType]),
    Many(&'static [RecordType]),
    Words,
    /// `{by, on}`.
    Parts,
}

/// Mapping fields of sign-off and agreement (SPEC §14.2), by type.
fn parts_fields(t: RecordType) -> &'static [&'static str] {
    match t {
        RecordType::Evidence => &["signed_off"],
        RecordType::Recommendation => &["agreed"],
        _ => &[],
    }
}

fn controls(t: RecordType) -> Vec<(&'static str, Control)> {
    let mut out = Vec::new();
    for f in COMMON_FIELDS.iter().chain(t.own_fields()) {
        let control = match (f.name, f.kind) {
            ("id" | "sha256" | "audience", _) => continue,
            ("status", _) if t.statuses().is_empty() => continue,
            ("status", _) => Control::Select(t.statuses()),
            (_, FieldKind::Special) => continue,
            (_, FieldKind::Text) => Control::Text,
            (_, FieldKind::Date) => Control::Date,
            (_, FieldKind::Enum(values)) => Control::Select(values),
            (_, FieldKind::Ref(types)) => Control::One(types),
            (_, FieldKind::Refs(types)) => Control::Many(types),
            (_, FieldKind::TextList) => Control::Words,
            (_, FieldKind::Integer | FieldKind::Number) => Control::Number,
        };
        out.push((f.name, control));
    }
    for name in parts_fields(t) {
        if !out.iter().any(|(n, _)| n == name) {
            out.push((name, Control::Parts));
        }
    }
    out
}

/// Fields the form does not show as controls (the ID, the hash, nested lists).
fn shown_elsewhere(t: RecordType, name: &str) -> bool {
    name == "body"
        || name == "id"
        || name == "sha256"
        || controls(t).iter().any(|(n, _)| *n == name)
        || t.field(name).is_some_and(|f| f.kind == FieldKind::Special)
        || matches!(name, "type" | "personal_data_reviewed")
}

fn hint(name: &str, control: Control) -> &'static str {
    match (name, control) {
        (_, Control::Date) => "A year (2014), a month (2014-03) or a day (2014-03-31).",
        ("tags", _) => "Separate words with commas.",
        ("file", _) => "A path inside the content folder, such as evidence/files/audit.pdf; or upload a file below.",
        (_, Control::Parts) => "Who, and the day (YYYY-MM-DD); both, or neither.",
        _ => "",
    }
}

/// What the form is about.
#[derive(Clone)]
pub(crate) struct FormState {
    pub action: String,
    pub rtype: RecordType,
    pub id: Option<String>,
    pub title: String,
    /// The record's page.
    pub back: String,
    pub token: String,
    /// SHA-256 of the file when the form was opened.
    pub sha: String,
    pub rel: String,
}

fn shell(title: &str, main: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; script-src 'self'; img-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'\">\n<title>{} – assure serve</title>\n<link rel=\"stylesheet\" href=\"{}\">\n<link rel=\"stylesheet\" href=\"{}\">\n<script src=\"{}\" defer></script>\n</head>\n<body>\n<header class=\"serve-banner\"><p>Assure editor (<code>assure serve</code>)</p></header>\n<main class=\"serve-main\" id=\"main\">\n{main}</main>\n</body>\n</html>\n",
        escape_html(title),
        super::pages::CSS_PATH,
        CSS_PATH,
        JS_PATH,
    )
}

/// The GOV.UK error summary: a heading and a link to each field at fault.
fn error_summary(errors: &[(String, String)]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let mut out = String::from("<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" aria-labelledby=\"error-summary-title\">\n<h2 id=\"error-summary-title\">There is a problem</h2>\n<ul>\n");
    for (field, message) in errors {
        out.push_str(&format!(
            "<li><a href=\"#f-{}\">{}</a></li>\n",
            escape_html(field),
            super::pages::inline_code(message)
        ));
    }
    out.push_str("</ul>\n</div>\n");
    out
}

/// A field's wrapper, label, hint and error, around its control.
fn field(
    name: &str,
    label_text: &str,
    hint_text: &str,
    errors: &[(String, String)],
    control: impl FnOnce(&str) -> String,
) -> String {
    let id = format!("f-{}", escape_html(name));
    let mine: Vec<&String> = errors
        .iter()
        .filter(|(f, _)| f == name)
        .map(|(_, m)| m)
        .collect();
    let mut described = Vec::new();
    let mut out = format!(
        "<div class=\"field{}\">\n<label for=\"{id}\">{}</label>\n",
        if mine.is_empty() { "" } else { " field-error" },
        escape_html(label_text)
    );
    if !hint_text.is_empty() {
        out.push_str(&format!(
            "<p class=\"hint\" id=\"{id}-hint\">{}</p>\n",
            escape_html(hint_text)
        ));
        described.push(format!("{id}-hint"));
    }
    if !mine.is_empty() {
        out.push_str(&format!("<p class=\"error-message\" id=\"{id}-error\">"));
        for m in &mine {
            out.push_str(&format!(
                "<span class=\"visually-hidden\">Error:</span> {}<br>",
                super::pages::inline_code(m)
            ));
        }
        out.push_str("</p>\n");
        described.push(format!("{id}-error"));
    }
    let aria = if described.is_empty() {
        String::new()
    } else {
        format!(" aria-describedby=\"{}\"", described.join(" "))
    };
    out.push_str(&control(&aria));
    out.push_str("</div>\n");
    out
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::Text(t) | Value::Plain(t)) => t.clone(),
        Some(Value::List(items)) => items.join(", "),
        Some(Value::Map(parts)) => parts
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        None => String::new(),
    }
}

fn list_of(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::List(items)) => items.clone(),
        Some(Value::Text(t) | Value::Plain(t)) if !t.is_empty() => vec![t.clone()],
        _ => Vec::new(),
    }
}

fn part_of(v: Option<&Value>, part: &str) -> String {
    match v {
        Some(Value::Map(parts)) => parts
            .iter()
            .find(|(k, _)| k == part)
            .map(|(_, v)| v.clone())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The controls of one field, by how it is edited: a text box, a list to pick one value
/// or one record from, boxes to tick for several records, or the parts of a sign-off.
fn control_html(
    t: RecordType,
    name: &str,
    control: Control,
    current: &Fields,
    choices: &Choices,
    errors: &[(String, String)],
    own_id: Option<&str>,
) -> String {
    let value = current.get(name);
    let label_text = crate::present::column_label(t, name);
    // The field's declared hint where it has one, else the control's own.
    let hint_text = t
        .field(name)
        .map(|f| f.hint)
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| hint(name, control));
    match control {
        Control::Text | Control::Date | Control::Number | Control::Words => text_box(
            name,
            &label_text,
            hint_text,
            control == Control::Number,
            &text_of(value),
            errors,
        ),
        Control::Select(values) => {
            let now = text_of(value);
            field(name, &label_text, "", errors, |aria| {
                value_select(name, values, &now, aria)
            })
        }
        Control::One(types) => {
            let now = text_of(value);
            field(name, &label_text, "", errors, |aria| {
                record_select(name, choices.of(types), &now, aria)
            })
        }
        Control::Many(types) => record_boxes(
            name,
            &label_text,
            &list_of(value),
            choices.of(types),
            errors,
            own_id,
        ),
        Control::Parts => parts_html(name, &label_text, hint_text, value, errors),
    }
}

/// A one-line text box, or a number box.
fn text_box(
    name: &str,
    label_text: &str,
    hint_text: &str,
    number: bool,
    now: &str,
    errors: &[(String, String)],
) -> String {
    let id = format!("f-{}", escape_html(name));
    let esc_name = escape_html(name);
    // A number box takes any decimal (a target of 28.5): without `step="any"`
    // the browser refuses to send a form whose number is not whole. The
    // server checks the value as `assure check` does.
    let (kind, step) = if number {
        ("number", " step=\"any\"")
    } else {
        ("text", "")
    };
    let v = escape_html(now);
    field(name, label_text, hint_text, errors, |aria| {
        format!("<input class=\"input\" type=\"{kind}\"{step} id=\"{id}\" name=\"{esc_name}\" value=\"{v}\"{aria}>\n")
    })
}

/// A list to pick one of `values` from (or none); a value written that is not one of
/// them is offered as it is, so saving keeps it.
fn value_select(name: &str, values: &[&str], now: &str, aria: &str) -> String {
    let id = format!("f-{}", escape_html(name));
    let esc_name = escape_html(name);
    let mut s = format!("<select class=\"select\" id=\"{id}\" name=\"{esc_name}\"{aria}>\n<option value=\"\">(not set)</option>\n");
    let known = values.contains(&now) || now.is_empty();
    if !known {
        s.push_str(&format!(
            "<option value=\"{0}\" selected>{0}</option>\n",
            escape_html(now)
        ));
    }
    for v in values {
        s.push_str(&format!(
            "<option value=\"{}\"{}>{}</option>\n",
            escape_html(v),
            if *v == now { " selected" } else { "" },
            escape_html(&label(v))
        ));
    }
    s.push_str("</select>\n");
    s
}

/// A list to pick one record from (or none), by ID and title; an ID written that is
/// not among them is offered as unknown, so saving keeps it.
fn record_select<'a>(
    name: &str,
    records: impl Iterator<Item = &'a (String, RecordType, String)>,
    now: &str,
    aria: &str,
) -> String {
    let id = format!("f-{}", escape_html(name));
    let esc_name = escape_html(name);
    let mut s = format!("<select class=\"select\" id=\"{id}\" name=\"{esc_name}\"{aria}>\n<option value=\"\">(none)</option>\n");
    let mut found = now.is_empty();
    for (rid, _, title) in records {
        let selected = rid.eq_ignore_ascii_case(now);
        found |= selected;
        s.push_str(&format!(
            "<option value=\"{}\"{}>{} – {}</option>\n",
            escape_html(rid),
            if selected { " selected" } else { "" },
            escape_html(rid),
            escape_html(title)
        ));
    }
    if !found {
        s.push_str(&format!(
            "<option value=\"{0}\" selected>{0} (unknown)</option>\n",
            escape_html(now)
        ));
    }
    s.push_str("</select>\n");
    s
}

/// A box to tick for each record the field may name, ticked for those it names now;
/// IDs it names that are not among them stay, ticked, so saving keeps them.
fn record_boxes<'a>(
    name: &str,
    label_text: &str,
    now: &[String],
    records: impl Iterator<Item = &'a (String, RecordType, String)>,
    errors: &[(String, String)],
    own_id: Option<&str>,
) -> String {
    let id = format!("f-{}", escape_html(name));
    let esc_name = escape_html(name);
    let (error_class, messages) = fieldset_errors(name, errors);
    // The hidden `.shown` input tells a field with every box unticked from one not shown.
    let mut s = format!(
        "<div class=\"field{error_class}\">\n<fieldset class=\"choices\" id=\"{id}\" data-filter>\n<legend>{}</legend>\n<input type=\"hidden\" name=\"{esc_name}.shown\" value=\"1\">\n",
        escape_html(label_text)
    );
    s.push_str(&messages);
    s.push_str("<div class=\"choice-list\">\n");
    let mut listed = Vec::new();
    for (rid, _, title) in records {
        let checked = now.iter().any(|n| n.eq_ignore_ascii_case(rid));
        // A record is not offered as related to itself.
        if !checked && own_id.is_some_and(|own| own.eq_ignore_ascii_case(rid)) {
            continue;
        }
        listed.push(rid.to_lowercase());
        let cid = format!("{id}-{}", escape_html(rid));
        s.push_str(&format!(
            "<div class=\"choice\"><input type=\"checkbox\" id=\"{cid}\" name=\"{esc_name}\" value=\"{0}\"{1}><label for=\"{cid}\"><span class=\"choice-id\">{0}</span> {2}</label></div>\n",
            escape_html(rid),
            if checked { " checked" } else { "" },
            escape_html(title)
        ));
    }
    for n in now.iter().filter(|n| !listed.contains(&n.to_lowercase())) {
        let cid = format!("{id}-{}", escape_html(n));
        s.push_str(&format!(
            "<div class=\"choice\"><input type=\"checkbox\" id=\"{cid}\" name=\"{esc_name}\" value=\"{0}\" checked><label for=\"{cid}\"><span class=\"choice-id\">{0}</span> (not a known record of the right type)</label></div>\n",
            escape_html(n)
        ));
    }
    s.push_str("</div>\n</fieldset>\n</div>\n");
    s
}

/// The two boxes of a sign-off or an agreement: who, and on which day.
fn parts_html(
    name: &str,
    label_text: &str,
    hint_text: &str,
    value: Option<&Value>,
    errors: &[(String, String)],
) -> String {
    let id = format!("f-{}", escape_html(name));
    let esc_name = escape_html(name);
    let by = escape_html(&part_of(value, "by"));
    let on = escape_html(&part_of(value, "on"));
    let (error_class, messages) = fieldset_errors(name, errors);
    let mut s = format!(
        "<div class=\"field{error_class}\">\n<fieldset class=\"parts\" id=\"{id}\" aria-describedby=\"{id}-hint\">\n<legend>{}</legend>\n<p class=\"hint\" id=\"{id}-hint\">{}</p>\n",
        escape_html(label_text),
        escape_html(hint_text)
    );
    s.push_str(&messages);
    s.push_str(&format!(
        "<label for=\"{id}-by\">By</label>\n<input class=\"input\" type=\"text\" id=\"{id}-by\" name=\"{esc_name}.by\" value=\"{by}\">\n<label for=\"{id}-on\">On</label>\n<input class=\"input input-date\" type=\"text\" id=\"{id}-on\" name=\"{esc_name}.on\" value=\"{on}\">\n</fieldset>\n</div>\n"
    ));
    s
}

/// For a field of several controls (a fieldset): the class that marks it in error, if
/// any error is at `name`, and those errors' messages.
fn fieldset_errors(name: &str, errors: &[(String, String)]) -> (&'static str, String) {
    let mut messages = String::new();
    for (_, m) in errors.iter().filter(|(f, _)| f == name) {
        messages.push_str(&format!(
            "<p class=\"error-message\"><span class=\"visually-hidden\">Error:</span> {}</p>\n",
            super::pages::inline_code(m)
        ));
    }
    let class = if messages.is_empty() {
        ""
    } else {
        " field-error"
    };
    (class, messages)
}

/// The edit form of a record: every field of its type, the extra fields it has, the
/// body with a preview, and for evidence an upload.
pub(crate) fn edit_page(
    state: &FormState,
    current: &Fields,
    choices: &Choices,
    errors: &[(String, String)],
    preview: Option<&str>,
    note: Option<&str>,
) -> String {
    let t = state.rtype;
    let heading = format!("Edit {} {}", t.name(), state.id.as_deref().unwrap_or(""));
    let mut main = edit_page_head(state, &heading, errors, note);
    for (name, control) in controls(t) {
        main.push_str(&control_html(
            t,
            name,
            control,
            current,
            choices,
            errors,
            state.id.as_deref(),
        ));
    }
    main.push_str(&other_details(t, current, errors));
    if t == RecordType::Evidence {
        main.push_str(&field(
            "upload",
            "Upload the document",
            "Saved under evidence/files/ with a safe name (never replacing a file), named in File and locked with its SHA-256.",
            errors,
            |aria| format!("<input class=\"file-upload\" type=\"file\" id=\"f-upload\" name=\"upload\"{aria}>\n"),
        ));
    }
    main.push_str(&body_field(t, current, errors));
    if let Some(p) = preview {
        main.push_str(&format!(
            "<section class=\"preview\" aria-labelledby=\"preview-title\">\n<h2 id=\"preview-title\">Preview</h2>\n{p}</section>\n"
        ));
    }
    main.push_str("<div class=\"buttons\">\n<button class=\"button\" type=\"submit\" name=\"action\" value=\"save\">Save</button>\n<button class=\"button button-secondary\" type=\"submit\" name=\"action\" value=\"preview\">Preview the text</button>\n");
    main.push_str(&format!(
        "<a href=\"{}\">Cancel</a>\n</div>\n</form>\n",
        escape_html(&state.back)
    ));
    let title = if errors.is_empty() {
        heading
    } else {
        format!("Error: {heading}")
    };
    shell(&title, &main)
}

/// The top of the edit form: the way back, the error summary, the heading with the
/// file the record is saved to, the note (if any), and the form's opening with its
/// token and the file's digest as it was opened.
fn edit_page_head(
    state: &FormState,
    heading: &str,
    errors: &[(String, String)],
    note: Option<&str>,
) -> String {
    let mut main = String::new();
    main.push_str(&format!(
        "<p><a href=\"{}\">Back to the page</a></p>\n",
        escape_html(&state.back)
    ));
    main.push_str(&error_summary(errors));
    main.push_str(&format!(
        "<h1>{}<span class=\"caption\">{}</span></h1>\n<p class=\"hint\">Saved to <code>{}</code>; only the fields you change are rewritten.</p>\n",
        escape_html(heading),
        escape_html(&state.title),
        escape_html(&state.rel)
    ));
    if let Some(note) = note {
        main.push_str(&format!("<p>{}</p>\n", escape_html(note)));
    }
    main.push_str(&format!(
        "<form method=\"post\" action=\"{}\" enctype=\"multipart/form-data\" novalidate>\n<input type=\"hidden\" name=\"token\" value=\"{}\">\n<input type=\"hidden\" name=\"sha\" value=\"{}\">\n",
        escape_html(&state.action),
        escape_html(&state.token),
        escape_html(&state.sha)
    ));
    main
}

/// "Other details": a text box for each field the record has that its type does not
/// declare, so it can be changed or removed without a text editor.
fn other_details(t: RecordType, current: &Fields, errors: &[(String, String)]) -> String {
    let extras: Vec<&(String, Value)> = current
        .fields
        .iter()
        .filter(|(n, v)| !shown_elsewhere(t, n) && matches!(v, Value::Text(_) | Value::Plain(_)))
        .collect();
    let mut out = String::new();
    if extras.is_empty() {
        return out;
    }
    out.push_str("<h2>Other details</h2>\n");
    for (name, _) in extras {
        let key = format!("x.{name}");
        let v = escape_html(&text_of(current.get(name)));
        let id = format!("f-{}", escape_html(&key));
        let esc = escape_html(&key);
        out.push_str(&field(&key, &label(name), "Kept as written; empty removes it.", errors, |aria| {
            format!("<input class=\"input\" type=\"text\" id=\"{id}\" name=\"{esc}\" value=\"{v}\"{aria}>\n")
        }));
    }
    out
}

/// The text of the record: its Markdown body, or an objective's `description` (an
/// objective lives in its plan's file and has no body of its own).
fn body_field(t: RecordType, current: &Fields, errors: &[(String, String)]) -> String {
    let (body_name, body_label, body_value) = if t == RecordType::Objective {
        (
            "description",
            "Description",
            text_of(current.get("description")),
        )
    } else {
        ("body", "Text (Markdown)", current.body.clone())
    };
    let esc_body = escape_html(&body_value);
    field(
        body_name,
        body_label,
        "Links to records: [[ID]].",
        errors,
        |aria| {
            format!("<textarea class=\"textarea\" id=\"f-{body_name}\" name=\"{body_name}\" rows=\"12\"{aria}>\n{esc_body}</textarea>\n")
        },
    )
}

/// The form of a new record: its title (and the review a recommendation comes from);
/// the record is then created by the rules of `assure new` and opened for editing.
pub(crate) fn new_page(
    t: RecordType,
    action: &str,
    token: &str,
    choices: &Choices,
    errors: &[(String, String)],
    title: &str,
    source: &str,
) -> String {
    let heading = format!("New {}", t.name());
    let mut main = format!(
        "<p><a href=\"/{}/\">Back to {}</a></p>\n",
        t.folder(),
        escape_html(&t.plural_title().to_lowercase())
    );
    main.push_str(&error_summary(errors));
    main.push_str(&format!(
        "<h1>{}</h1>\n<p class=\"hint\">The record gets its ID as <code>assure new</code> gives it; you fill in the rest on the next page.</p>\n<form method=\"post\" action=\"{}\" enctype=\"multipart/form-data\" novalidate>\n<input type=\"hidden\" name=\"token\" value=\"{}\">\n",
        escape_html(&heading),
        escape_html(action),
        escape_html(token)
    ));
    let title_value = escape_html(title);
    main.push_str(&field("title", "Title", "", errors, |aria| {
        format!("<input class=\"input\" type=\"text\" id=\"f-title\" name=\"title\" value=\"{title_value}\"{aria}>\n")
    }));
    if t == RecordType::Recommendation {
        let current = Fields {
            fields: vec![("source".into(), Value::Text(source.to_string()))],
            body: String::new(),
        };
        main.push_str(&control_html(
            t,
            "source",
            Control::One(&[RecordType::Review]),
            &current,
            choices,
            errors,
            None,
        ));
    }
    main.push_str("<div class=\"buttons\">\n<button class=\"button\" type=\"submit\">Create</button>\n</div>\n</form>\n");
    let title = if errors.is_empty() {
        heading
    } else {
        format!("Error: {heading}")
    };
    shell(&title, &main)
}

/// A short page: a heading, a message and a way back.
pub(crate) fn message_page(heading: &str, message: &str, back: &str) -> String {
    shell(
        heading,
        &format!(
            "<h1>{}</h1>\n<p>{}</p>\n<p><a href=\"{}\">Back</a></p>\n",
            escape_html(heading),
            super::pages::inline_code(message),
            escape_html(back)
        ),
    )
}

/// The save was refused: the file as it is now, and what was entered.
pub(crate) fn conflict_page(state: &FormState, now: &[u8], submitted: &Fields) -> String {
    let mut main = format!(
        "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" aria-labelledby=\"error-summary-title\">\n<h2 id=\"error-summary-title\">There is a problem</h2>\n<p>The file <code>{}</code> changed on disk since you opened the form, so nothing was saved. Both versions are below: copy what you need, then open the form again.</p>\n</div>\n<h1>Not saved: the file changed</h1>\n",
        escape_html(&state.rel)
    );
    main.push_str("<h2>The file now</h2>\n<pre class=\"file\">");
    main.push_str(&escape_html(&String::from_utf8_lossy(now)));
    main.push_str("</pre>\n<h2>What you entered</h2>\n<dl class=\"entered\">\n");
    for (name, value) in &submitted.fields {
        main.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            escape_html(&field_label(name)),
            escape_html(&text_of(Some(value)))
        ));
    }
    main.push_str(&format!(
        "<dt>Text</dt><dd><pre class=\"file\">{}</pre></dd>\n</dl>\n<p><a href=\"{}\">Open the form again</a> · <a href=\"{}\">Back to the page</a></p>\n",
        escape_html(&submitted.body),
        escape_html(&state.action),
        escape_html(&state.back)
    ));
    shell("Error: not saved, the file changed", &main)
}

/// One submitted value of a control, as the writer would write it; `None`: left empty.
fn submitted_value(
    form: &Form,
    name: &str,
    control: Control,
    current: Option<&Value>,
) -> Option<Value> {
    match control {
        Control::Text => {
            let v = form.text(name)?.replace("\r\n", "\n");
            (!v.trim().is_empty()).then_some(Value::Text(v))
        }
        Control::Date | Control::Number | Control::Select(_) | Control::One(_) => {
            let v = form.text(name)?.trim().to_string();
            (!v.is_empty()).then_some(Value::Plain(v))
        }
        Control::Words => {
            let items: Vec<String> = form
                .text(name)?
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            (!items.is_empty()).then_some(Value::List(items))
        }
        Control::Many(_) => {
            form.text(&format!("{name}.shown"))?;
            let checked = form.all(name);
            // Kept in the order they were written, new ones after.
            let mut items: Vec<String> = list_of(current)
                .into_iter()
                .filter(|c| checked.iter().any(|n| n.eq_ignore_ascii_case(c)))
                .collect();
            for c in checked {
                if !items.iter().any(|i| i.eq_ignore_ascii_case(&c)) {
                    items.push(c);
                }
            }
            (!items.is_empty()).then_some(Value::List(items))
        }
        Control::Parts => {
            let by = form
                .text(&format!("{name}.by"))
                .unwrap_or_default()
                .trim()
                .to_string();
            let on = form
                .text(&format!("{name}.on"))
                .unwrap_or_default()
                .trim()
                .to_string();
            (!by.is_empty() || !on.is_empty())
                .then(|| Value::Map(vec![("by".into(), by), ("on".into(), on)]))
        }
    }
}

/// Problems the form itself finds before `check` runs.
pub(crate) fn form_errors(t: RecordType, form: &Form) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, control) in controls(t) {
        if control == Control::Parts {
            if let Some(Value::Map(parts)) = submitted_value(form, name, control, None) {
                if parts.iter().any(|(_, v)| v.is_empty()) {
                    out.push((
                        name.to_string(),
                        format!("Enter both who ({name} by) and when ({name} on), or neither"),
                    ));
                }
                if let Some((_, on)) = parts.iter().find(|(k, _)| k == "on") {
                    if !on.is_empty() && crate::date::Date::parse_full(on).is_none() {
                        out.push((
                            name.to_string(),
                            "Enter the day as YYYY-MM-DD, such as 2026-01-14".into(),
                        ));
                    }
                }
            }
        }
    }
    if t != RecordType::Objective && form.text("title").is_some_and(|v| v.trim().is_empty()) {
        out.push(("title".into(), "Enter a title".into()));
    }
    out
}

/// The edits a posted form makes to a record's fields. Fields left as they were make
/// no edit, so saving an unchanged form changes no byte.
pub(crate) fn edits_from_form(t: RecordType, current: &Fields, form: &Form) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut push = |name: &str, new: Option<Value>| {
        let old = current.get(name);
        match (old, new) {
            (None, None) => {}
            // An empty `key:` left empty stays as written.
            (Some(Value::Text(t)), None) if t.is_empty() => {}
            (Some(_), None) => edits.push(Edit::Remove(name.to_string())),
            (_, Some(v)) => edits.push(Edit::Set(name.to_string(), v)),
        }
    };
    for (name, control) in controls(t) {
        let shown = match control {
            Control::Many(_) => form.text(&format!("{name}.shown")).is_some(),
            Control::Parts => form.text(&format!("{name}.by")).is_some(),
            _ => form.text(name).is_some(),
        };
        if shown {
            push(
                name,
                submitted_value(form, name, control, current.get(name)),
            );
        }
    }
    for (name, value) in &current.fields {
        if shown_elsewhere(t, name) || !matches!(value, Value::Text(_) | Value::Plain(_)) {
            continue;
        }
        if let Some(v) = form.text(&format!("x.{name}")) {
            let v = v.replace("\r\n", "\n");
            push(name, (!v.is_empty()).then_some(Value::Text(v)));
        }
    }
    if t == RecordType::Objective {
        if let Some(d) = form.text("description") {
            let d = d.replace("\r\n", "\n");
            push(
                "description",
                (!d.trim().is_empty()).then_some(Value::Text(d)),
            );
        }
    } else if let Some(body) = form.text("body") {
        let body = body.replace("\r\n", "\n");
        if body != current.body {
            edits.push(Edit::Body(body));
        }
    }
    edits
}

/// The form's values as fields, to show the form again as it was sent.
pub(crate) fn submitted(t: RecordType, current: &Fields, form: &Form) -> Fields {
    let mut out = Fields::default();
    for (name, control) in controls(t) {
        if let Some(v) = submitted_value(form, name, control, current.get(name)) {
            out.fields.push((name.to_string(), v));
        }
    }
    for (name, value) in &current.fields {
        if shown_elsewhere(t, name) || !matches!(value, Value::Text(_) | Value::Plain(_)) {
            continue;
        }
        let v = form
            .text(&format!("x.{name}"))
            .unwrap_or_default()
            .replace("\r\n", "\n");
        out.fields.push((name.clone(), Value::Text(v)));
    }
    if t == RecordType::Objective {
        out.fields.push((
            "description".into(),
            Value::Text(
                form.text("description")
                    .unwrap_or_default()
                    .replace("\r\n", "\n"),
            ),
        ));
    }
    out.body = form.text("body").unwrap_or_default().replace("\r\n", "\n");
    out
}

/// Markdown shown as the site would, with `[[ID]]` links as plain words.
pub(crate) fn preview(body: &str) -> String {
    struct NoLinks;
    impl crate::markdown::Links for NoLinks {
        fn target(&self, _: &str) -> Option<crate::markdown::LinkTarget> {
            None
        }
        fn local(&self, _: &str) -> Option<String> {
            None
        }
    }
    crate::markdown::to_html(body, &NoLinks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Form {
        Form {
            texts: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            files: Vec::new(),
        }
    }

    #[test]
    fn a_number_box_takes_decimals() {
        let current = Fields {
            fields: vec![("target".into(), Value::Text("28.5".into()))],
            body: String::new(),
        };
        let choices = Choices {
            records: Vec::new(),
        };
        let html = control_html(
            RecordType::Indicator,
            "target",
            Control::Number,
            &current,
            &choices,
            &[],
            None,
        );
        assert!(
            html.contains(r#"type="number" step="any" id="f-target" name="target" value="28.5""#),
            "{html}"
        );
    }

    #[test]
    fn an_unchanged_form_makes_no_edit() {
        let current = Fields {
            fields: vec![
                ("title".into(), Value::Text("A: b".into())),
                ("status".into(), Value::Text("open".into())),
                ("related".into(), Value::List(vec!["b".into(), "a".into()])),
                ("tags".into(), Value::List(vec!["x".into(), "y".into()])),
                ("colour".into(), Value::Text("red".into())),
                ("owner".into(), Value::Text(String::new())),
            ],
            body: "Text\n".into(),
        };
        let f = form(&[
            ("title", "A: b"),
            ("status", "open"),
            ("owner", ""),
            ("related.shown", "1"),
            ("related", "a"),
            ("related", "b"),
            ("tags", "x, y"),
            ("x.colour", "red"),
            ("body", "Text\r\n"),
            ("due", ""),
        ]);
        let edits = edits_from_form(RecordType::Recommendation, &current, &f);
        // Setting a field to the value it has is no change to the writer.
        for e in &edits {
            match e {
                Edit::Set(n, v) => match (current.get(n), v) {
                    (Some(Value::Text(a)), Value::Text(b) | Value::Plain(b)) => assert_eq!(a, b),
                    (Some(a), b) => assert_eq!(a, b),
                    (None, _) => panic!("{n} was added"),
                },
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn multipart_bodies_are_read() {
        let body = b"--XY\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nA\r\nB\r\n--XY\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XY--\r\n";
        let f = Form::parse("multipart/form-data; boundary=XY", body).unwrap();
        assert_eq!(f.text("title"), Some("A\r\nB"));
        assert_eq!(f.file("upload"), Some(("a.txt".into(), b"hello".to_vec())));
    }
}
