//! Editing in the browser (SPEC §14.8): forms for every record, made from the schema,
//! posted back to `serve`, checked by the same checks as `assure check`, and written by
//! the one content writer; the watcher then rebuilds and open pages reload as after any
//! save.
//!
//! Only this computer edits: every editor request needs the per-run token (given in
//! the address `serve` prints, then kept in an HttpOnly, SameSite=Strict cookie), a
//! `Host` naming this server and, when sent, an `Origin` that is this server; a page on
//! another site, or one that rebinds its name to 127.0.0.1, gets 403 and changes
//! nothing. Bodies are capped before they are read. `--read-only` turns it all off.

use super::forms::{self, FormState, CSS_PATH, JS_PATH};
use super::Shared;
use crate::content::writer::{self, Edit, Value};
use crate::model::schema::RecordType;
use std::collections::HashMap;
use std::io::Read as _;
use std::path::PathBuf;
use std::sync::Arc;
use tiny_http::{Header, Method, Request, Response};

/// Where the editor's routes live.
pub(crate) const EDIT: &str = "/__assure/edit/";
pub(crate) const NEW: &str = "/__assure/new/";
const CSS: &str = include_str!("edit.css");
const JS: &str = include_str!("edit.js");
const COOKIE: &str = "assure_token";

/// Default cap on a request body (an upload and the form around it).
pub const DEFAULT_MAX_UPLOAD: u64 = 100 * 1024 * 1024;

/// The editor's settings for one run of `serve`.
pub struct Editor {
    /// The per-run secret.
    pub token: String,
    pub read_only: bool,
    pub max_upload: u64,
    /// The content folder as given (for the checks) and as found on disk.
    pub content: PathBuf,
    pub root: PathBuf,
    pub as_of: Option<crate::date::Date>,
}

impl Editor {
    pub fn new(content: PathBuf, root: PathBuf, read_only: bool, max_upload: u64) -> Editor {
        Editor {
            token: new_token(),
            read_only,
            max_upload,
            content,
            root,
            as_of: None,
        }
    }
}

/// 128 unpredictable bits as hex. `RandomState` is keyed from the operating system's
/// random source on every platform Rust supports, so no extra dependency is needed.
fn new_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::new();
    for i in 0..2u8 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes())
        .unwrap_or_else(|()| unreachable!("invalid header {name}"))
}

fn respond(rq: Request, status: u16, content_type: &str, body: Vec<u8>, extra: Vec<Header>) {
    let mut response = Response::from_data(body)
        .with_status_code(status)
        .with_chunked_threshold(usize::MAX);
    response.add_header(header("Content-Type", content_type));
    response.add_header(header("Cache-Control", "no-store"));
    response.add_header(header("X-Content-Type-Options", "nosniff"));
    response.add_header(header("X-Frame-Options", "DENY"));
    for h in extra {
        response.add_header(h);
    }
    let _ = rq.respond(response);
}

fn html(rq: Request, status: u16, page: String) {
    respond(
        rq,
        status,
        "text/html; charset=utf-8",
        page.into_bytes(),
        Vec::new(),
    );
}

fn refuse(rq: Request, status: u16, why: &str) {
    respond(
        rq,
        status,
        "text/plain; charset=utf-8",
        format!("{why}\n").into_bytes(),
        Vec::new(),
    );
}

fn redirect(rq: Request, to: &str, extra: Vec<Header>) {
    let mut headers = vec![header("Location", to)];
    headers.extend(extra);
    respond(
        rq,
        303,
        "text/plain; charset=utf-8",
        b"See other.\n".to_vec(),
        headers,
    );
}

fn header_value(rq: &Request, name: &str) -> Option<String> {
    rq.headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str().to_string())
}

/// The token in the request's cookie.
fn cookie_token(rq: &Request) -> Option<String> {
    let cookies = header_value(rq, "Cookie")?;
    cookies.split(';').find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == COOKIE).then(|| v.to_string())
    })
}

/// Compares without stopping at the first difference.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Names this server: `Host` must be there and be ours (no DNS rebinding), `Origin`
/// when sent must be ours (no other site's form).
fn own_request(rq: &Request, port: u16) -> bool {
    let ours = |host: &str| {
        ["127.0.0.1", "localhost"]
            .iter()
            .any(|name| host.eq_ignore_ascii_case(&format!("{name}:{port}")))
    };
    let Some(host) = header_value(rq, "Host") else {
        return false;
    };
    if !ours(&host) {
        return false;
    }
    match header_value(rq, "Origin") {
        None => true,
        Some(origin) => origin.strip_prefix("http://").is_some_and(ours),
    }
}

/// A `?token=…` address: remember the token in a cookie and show the page without it.
/// Returns the request back when it is not one.
pub(crate) fn take_token(rq: Request, shared: &Shared, path: &str, query: &str) -> Option<Request> {
    let Some(editor) = shared.editor.get() else {
        return Some(rq);
    };
    let given = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| v.to_string());
    match given {
        Some(t) if same_secret(&t, &editor.token) => {
            let cookie = format!(
                "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
                editor.token
            );
            redirect(rq, path, vec![header("Set-Cookie", &cookie)]);
            None
        }
        _ => Some(rq),
    }
}

/// The page with an Edit link (record pages) or a New link (list pages) at the top of
/// its body, for the browser that holds the token while editing is on (other clients
/// get the pages exactly as `build` writes them).
pub(crate) fn with_edit_link(shared: &Shared, html: Vec<u8>, key: &str, rq: &Request) -> Vec<u8> {
    let Some(editor) = shared.editor.get() else {
        return html;
    };
    if editor.read_only || !cookie_token(rq).is_some_and(|t| same_secret(&t, &editor.token)) {
        return html;
    }
    let Some((folder, name)) = key.split_once('/') else {
        return html;
    };
    let Some(t) = type_of_folder(folder) else {
        return html;
    };
    let bar = if name == "index.html" {
        if t == RecordType::Objective {
            return html;
        }
        format!("<a href=\"{NEW}{folder}\">New {}</a>", t.name())
    } else if let Some(slug) = name.strip_suffix(".html") {
        if slug.contains('/') {
            return html;
        }
        format!(
            "<a href=\"{EDIT}{folder}/{}\">Edit this {}</a>",
            crate::render::html::encode_path(slug),
            t.name()
        )
    } else {
        return html;
    };
    let bar = format!(
        "<div class=\"assure-edit-bar\"><link rel=\"stylesheet\" href=\"{CSS_PATH}\">{bar}</div>"
    );
    let Some(body) = find(&html, b"<body") else {
        return html;
    };
    let Some(end) = html[body..].iter().position(|b| *b == b'>') else {
        return html;
    };
    let at = body + end + 1;
    let mut out = Vec::with_capacity(html.len() + bar.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(bar.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

fn type_of_folder(folder: &str) -> Option<RecordType> {
    crate::model::schema::ALL_TYPES
        .into_iter()
        .find(|t| t.folder() == folder)
}

/// Answers a request under the editor's routes.
pub(crate) fn handle(mut rq: Request, shared: &Arc<Shared>, port: u16) {
    let url = rq.url().to_string();
    let path = url.split(['?', '#']).next().unwrap_or("").to_string();
    if let Some((content_type, text)) = asset(&path) {
        return respond(rq, 200, content_type, text.as_bytes().to_vec(), Vec::new());
    }
    let Some(editor) = shared.editor.get() else {
        return refuse(rq, 404, "Editing is not available.");
    };
    let post = match admitted(&rq, editor, port) {
        Ok(post) => post,
        Err((status, why)) => return refuse(rq, status, why),
    };
    let form = if post {
        match read_form(&mut rq, editor) {
            Ok(form) => Some(form),
            Err((status, why)) => return refuse(rq, status, why),
        }
    } else {
        None
    };
    if let Some(rest) = path.strip_prefix(EDIT) {
        let Some((folder, slug)) = rest.split_once('/') else {
            return refuse(rq, 404, "No such record.");
        };
        let slug = super::percent_decode(slug).unwrap_or_default();
        return edit_record(rq, editor, folder, &slug, form.as_ref());
    }
    if let Some(folder) = path.strip_prefix(NEW) {
        return new_record(rq, editor, folder, form.as_ref());
    }
    refuse(rq, 404, "No such editor page.")
}

/// A request refused: its status and the reason shown.
type Refusal = (u16, &'static str);

/// The editor's own style sheet or script at `path`, with its content type.
fn asset(path: &str) -> Option<(&'static str, &'static str)> {
    if path == CSS_PATH {
        Some(("text/css; charset=utf-8", CSS))
    } else if path == JS_PATH {
        Some(("text/javascript; charset=utf-8", JS))
    } else {
        None
    }
}

/// Whether the editor takes this request, in the order the checks are made: editing
/// is on, the request comes from this server's own pages, it is a GET, HEAD or POST,
/// and it carries the token's cookie. `Ok(true)` for a POST.
fn admitted(rq: &Request, editor: &Editor, port: u16) -> Result<bool, Refusal> {
    if editor.read_only {
        return Err((403, "Editing is turned off (`assure serve --read-only`)."));
    }
    if !own_request(rq, port) {
        return Err((
            403,
            "Refused: this request does not come from this server's own pages.",
        ));
    }
    let post = match rq.method() {
        Method::Get | Method::Head => false,
        Method::Post => true,
        _ => return Err((405, "Only GET and POST are used by the editor.")),
    };
    let cookie_ok = cookie_token(rq).is_some_and(|t| same_secret(&t, &editor.token));
    if !cookie_ok {
        return Err((
            403,
            "Refused: open the address `assure serve` printed (with `?token=…`) to edit from this browser.",
        ));
    }
    Ok(post)
}

/// A posted form, read up to the upload limit, with the token checked again in it.
fn read_form(rq: &mut Request, editor: &Editor) -> Result<forms::Form, Refusal> {
    const TOO_LARGE: Refusal = (
        413,
        "Refused: the upload is larger than the limit (`--max-upload`).",
    );
    if rq
        .body_length()
        .is_some_and(|n| n as u64 > editor.max_upload)
    {
        return Err(TOO_LARGE);
    }
    let content_type = header_value(rq, "Content-Type").unwrap_or_default();
    let mut body = Vec::new();
    // One byte past the limit, to tell a body that is too large from one that fits.
    let read = rq
        .as_reader()
        .take(editor.max_upload + 1)
        .read_to_end(&mut body);
    if read.is_err() {
        return Err((400, "The request could not be read."));
    }
    if body.len() as u64 > editor.max_upload {
        return Err(TOO_LARGE);
    }
    let Some(form) = forms::Form::parse(&content_type, &body) else {
        return Err((400, "The form could not be read."));
    };
    // The token again in the form, so a forged cookie alone does nothing.
    if !form
        .text("token")
        .is_some_and(|t| same_secret(t, &editor.token))
    {
        return Err((
            403,
            "Refused: the form has no valid token; open it again from the page.",
        ));
    }
    Ok(form)
}

/// The record whose page is `folder/slug.html`, with its file's bytes.
struct Found {
    id: String,
    rtype: RecordType,
    rel: String,
    title: String,
    page: String,
}

fn find_record(site: &crate::model::Site, folder: &str, slug: &str) -> Option<Found> {
    let page = format!("{folder}/{slug}.html");
    site.records
        .iter()
        .find(|r| r.page_path() == page)
        .map(|r| Found {
            id: r.id.clone(),
            rtype: r.rtype,
            rel: r.path.clone(),
            title: r.title.clone(),
            page,
        })
}

/// A record opened for editing: its file, as read now, and what its form needs.
struct Opened {
    found: Found,
    path: PathBuf,
    bytes: Vec<u8>,
    current: writer::Fields,
    choices: forms::Choices,
    state: FormState,
}

/// What to answer when a record cannot be opened for editing.
enum Unopened {
    /// Refused with this status and reason.
    Refused(u16, String),
    /// A page saying why, with a way back.
    Page(String),
}

/// Shows the edit form of the record at `folder/slug.html`, or saves `form` into it.
fn edit_record(rq: Request, editor: &Editor, folder: &str, slug: &str, form: Option<&forms::Form>) {
    let o = match open_record(editor, folder, slug) {
        Ok(o) => o,
        Err(Unopened::Refused(status, why)) => return refuse(rq, status, &why),
        Err(Unopened::Page(page)) => return html(rq, 200, page),
    };
    match form {
        None => html(
            rq,
            200,
            forms::edit_page(&o.state, &o.current, &o.choices, &[], None, None),
        ),
        Some(form) => save_record(rq, editor, &o, form),
    }
}

/// Finds the record at `folder/slug.html` and reads its file's fields as they are now.
fn open_record(editor: &Editor, folder: &str, slug: &str) -> Result<Opened, Unopened> {
    let site = match crate::pipeline::load(&editor.content) {
        Ok((site, _)) => site,
        Err(e) => {
            return Err(Unopened::Refused(
                500,
                format!("The content cannot be read: {e:#}"),
            ))
        }
    };
    let Some(found) = find_record(&site, folder, slug) else {
        return Err(Unopened::Refused(404, "No such record.".into()));
    };
    let path = editor.root.join(&found.rel);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            return Err(Unopened::Refused(
                500,
                format!("`{}` cannot be read: {e}", found.rel),
            ))
        }
    };
    let current = match writer::read_fields(&bytes, &found.rel, &found.id) {
        Ok(f) => f,
        Err(e) => {
            return Err(Unopened::Page(forms::message_page(
                "This record cannot be edited here",
                &format!("{e}. Edit `{}` in a text editor instead.", found.rel),
                &format!("/{}", found.page),
            )))
        }
    };
    let choices = forms::Choices::from_site(&site);
    let state = FormState {
        action: format!("{EDIT}{folder}/{}", crate::render::html::encode_path(slug)),
        rtype: found.rtype,
        id: Some(found.id.clone()),
        title: found.title.clone(),
        back: format!("/{}", found.page),
        token: editor.token.clone(),
        sha: writer::digest(&bytes),
        rel: found.rel.clone(),
    };
    Ok(Opened {
        found,
        path,
        bytes,
        current,
        choices,
        state,
    })
}

impl Opened {
    /// The form again with what was submitted, the errors and a preview of the text,
    /// keeping `opened`, the file's digest when the form was first opened.
    fn again(
        &self,
        form: &forms::Form,
        opened: &str,
        errors: &[(String, String)],
        preview: Option<&str>,
    ) -> String {
        let shown = forms::submitted(self.found.rtype, &self.current, form);
        let state = FormState {
            sha: opened.to_string(),
            ..self.state.clone()
        };
        forms::edit_page(&state, &shown, &self.choices, errors, preview, None)
    }

    /// The page saying the file changed since the form was opened (now `now`), with
    /// what was submitted.
    fn conflict(&self, form: &forms::Form, now: &[u8]) -> String {
        forms::conflict_page(
            &self.state,
            now,
            &forms::submitted(self.found.rtype, &self.current, form),
        )
    }
}

/// Saves a posted edit form: shown again for a preview or with its errors, refused
/// when the file changed since the form was opened, else written (with an uploaded
/// file for evidence) and the record's page shown.
fn save_record(rq: Request, editor: &Editor, o: &Opened, form: &forms::Form) {
    let rtype = o.found.rtype;
    // The file as it was when the form was opened.
    let opened = form.text("sha").unwrap_or_default().to_string();
    let mut edits = forms::edits_from_form(rtype, &o.current, form);
    let mut errors: Vec<(String, String)> = forms::form_errors(rtype, form);
    let preview = form.text("action") == Some("preview");
    if preview || !errors.is_empty() {
        let body_html = preview
            .then(|| forms::preview(&form.text("body").unwrap_or_default().replace("\r\n", "\n")));
        return html(
            rq,
            if errors.is_empty() { 200 } else { 400 },
            o.again(form, &opened, &errors, body_html.as_deref()),
        );
    }
    // From here `opened` is the digest of the file as read now.
    if opened != o.state.sha {
        return html(rq, 409, o.conflict(form, &o.bytes));
    }
    let uploaded = if rtype == RecordType::Evidence {
        take_upload(editor, form, &mut edits, &mut errors)
    } else {
        None
    };
    if errors.is_empty() {
        match validate(editor, &o.found.rel, &o.found.id, &o.bytes, &edits) {
            Ok(found_errors) => errors.extend(found_errors),
            Err(why) => errors.push(("body".into(), why)),
        }
    }
    // An edit that is not saved leaves no uploaded file behind.
    let discard_upload = || {
        if let Some(p) = &uploaded {
            let _ = std::fs::remove_file(p);
        }
    };
    if !errors.is_empty() {
        discard_upload();
        return html(rq, 400, o.again(form, &opened, &errors, None));
    }
    match writer::write_record(&o.path, &o.found.rel, &o.found.id, Some(&opened), &edits) {
        Ok(_) => redirect(rq, &o.state.back, Vec::new()),
        Err(writer::WriteError::Changed { current: now }) => {
            discard_upload();
            html(rq, 409, o.conflict(form, &now))
        }
        Err(e) => {
            discard_upload();
            html(
                rq,
                400,
                o.again(form, &opened, &[("body".into(), e.to_string())], None),
            )
        }
    }
}

/// An uploaded file: saved under a new name, named in `file:` and locked with its
/// SHA-256 (replacing any `file` or `sha256` edit from the form). Where it was saved
/// on disk, so it can be removed if the edit is not; a failure is an error at `upload`.
fn take_upload(
    editor: &Editor,
    form: &forms::Form,
    edits: &mut Vec<Edit>,
    errors: &mut Vec<(String, String)>,
) -> Option<PathBuf> {
    match save_upload(editor, form) {
        Ok(Some((rel, hash, full))) => {
            edits.retain(
                |e| !matches!(e, Edit::Set(n, _) | Edit::Remove(n) if n == "file" || n == "sha256"),
            );
            edits.push(Edit::SetAfter(
                "file".into(),
                Value::Text(rel),
                "title".into(),
            ));
            edits.push(Edit::SetAfter(
                "sha256".into(),
                Value::Plain(hash),
                "file".into(),
            ));
            Some(full)
        }
        Ok(None) => None,
        Err(why) => {
            errors.push(("upload".into(), why));
            None
        }
    }
}

/// The errors `check` would report that the edit brings: errors of this file that the
/// file on disk does not have, each with the field it is at.
fn validate(
    editor: &Editor,
    rel: &str,
    id: &str,
    bytes: &[u8],
    edits: &[Edit],
) -> Result<Vec<(String, String)>, String> {
    let new_bytes = writer::edit_bytes(bytes, rel, id, edits).map_err(|e| e.to_string())?;
    let before = check_with(editor, rel, None)?;
    let after = check_with(editor, rel, Some(&new_bytes))?;
    let mut known: HashMap<(String, String), usize> = HashMap::new();
    for d in &before.1 {
        *known
            .entry((d.code.as_str().to_string(), d.message.clone()))
            .or_default() += 1;
    }
    let mut out = Vec::new();
    for d in &after.1 {
        let k = (d.code.as_str().to_string(), d.message.clone());
        match known.get_mut(&k) {
            Some(n) if *n > 0 => *n -= 1,
            _ => {
                let field = after
                    .0
                    .records
                    .iter()
                    .find(|r| r.path == rel && r.id == id)
                    .and_then(|r| {
                        r.field_pos
                            .iter()
                            .filter(|(_, p)| p.line <= d.pos.line)
                            .max_by_key(|(_, p)| p.line)
                            .map(|(f, _)| f.clone())
                    })
                    .unwrap_or_else(|| "body".into());
                out.push((field, format!("{}: {}", d.code.as_str(), d.message)));
            }
        }
    }
    Ok(out)
}

/// `check`'s errors for the content folder, with `rel` read as `bytes` when given.
fn check_with(
    editor: &Editor,
    rel: &str,
    bytes: Option<&[u8]>,
) -> Result<(crate::model::Site, Vec<crate::diagnostics::Diagnostic>), String> {
    let mut files = crate::content::walk(&editor.root).map_err(|e| e.to_string())?;
    if !files.record_files.iter().any(|f| f == rel) {
        files.record_files.push(rel.to_string());
        files.record_files.sort();
        files.files.push(rel.to_string());
        files.files.sort();
    }
    let mut parsed = crate::content::read_records(&files);
    if let Some(bytes) = bytes {
        if let Some(i) = files.record_files.iter().position(|f| f == rel) {
            parsed[i] = crate::content::parse_file(rel, bytes);
        }
    }
    let site_yaml = std::fs::read(editor.root.join(crate::config::SITE_FILE)).ok();
    let checked = crate::pipeline::check_parsed(files, site_yaml.as_deref(), parsed)
        .map_err(|e| format!("{e:#}"))?;
    let errors = checked
        .diagnostics
        .items
        .iter()
        .filter(|d| d.path == rel && d.severity() == crate::diagnostics::Severity::Error)
        .cloned()
        .collect();
    Ok((checked.site, errors))
}

/// A safe file name for an upload, or why the name is refused. Browsers send a bare
/// name; one with a path in it is not from a browser's file picker.
pub(crate) fn safe_upload_name(name: &str) -> Result<String, String> {
    if name.contains(['/', '\\']) || name.contains("..") || name.starts_with('.') {
        return Err("the file name must be a plain name, without folders or `..`".into());
    }
    let mut out = String::new();
    for c in name.chars() {
        if c == '.' {
            while out.ends_with('-') {
                out.pop();
            }
            out.push('.');
        } else if c.is_ascii_alphanumeric() || matches!(c, '_' | '-') {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() || out.starts_with('.') {
        return Err("the file name has no letters or digits to keep".into());
    }
    Ok(out)
}

/// Saves the uploaded file (if any) under `evidence/files/`, never overwriting one:
/// its path inside the content folder, its SHA-256 and where it is on disk.
fn save_upload(
    editor: &Editor,
    form: &forms::Form,
) -> Result<Option<(String, String, PathBuf)>, String> {
    let Some(part) = form.file("upload") else {
        return Ok(None);
    };
    let name = safe_upload_name(&part.0)?;
    let folder = editor.root.join("evidence").join("files");
    for dir in [editor.root.join("evidence"), folder.clone()] {
        if std::fs::symlink_metadata(&dir).is_ok_and(|m| !m.is_dir()) {
            return Err(
                "`evidence/files` is not a folder (symbolic links are not followed)".into(),
            );
        }
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_string(), format!(".{e}")),
        _ => (name.clone(), String::new()),
    };
    for n in 1..1000 {
        let candidate = if n == 1 {
            name.clone()
        } else {
            format!("{stem}-{n}{ext}")
        };
        let full = folder.join(&candidate);
        match writer::create_file(&full, &part.1) {
            Ok(()) => {
                let hash = writer::digest(&part.1);
                return Ok(Some((format!("evidence/files/{candidate}"), hash, full)));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("the file could not be saved: {e}")),
        }
    }
    Err("too many files with this name; rename the file".into())
}

fn new_record(rq: Request, editor: &Editor, folder: &str, form: Option<&forms::Form>) {
    let Some(t) = type_of_folder(folder).filter(|t| *t != RecordType::Objective) else {
        return refuse(rq, 404, "No such record type.");
    };
    let site = match crate::pipeline::load(&editor.content) {
        Ok((site, _)) => site,
        Err(e) => return refuse(rq, 500, &format!("The content cannot be read: {e:#}")),
    };
    let choices = forms::Choices::from_site(&site);
    let action = format!("{NEW}{folder}");
    let Some(form) = form else {
        return html(
            rq,
            200,
            forms::new_page(t, &action, &editor.token, &choices, &[], "", ""),
        );
    };
    let title = form.text("title").unwrap_or_default().trim().to_string();
    let source = form.text("source").unwrap_or_default().to_string();
    let mut errors = Vec::new();
    if title.is_empty() {
        errors.push(("title".to_string(), "Enter a title".to_string()));
    }
    if t == RecordType::Recommendation && source.is_empty() {
        errors.push((
            "source".to_string(),
            "Choose the review that made this recommendation".to_string(),
        ));
    }
    if errors.is_empty() {
        let request = crate::new_record::Request {
            type_name: t.name(),
            title: &title,
            id: None,
            source: (!source.is_empty()).then_some(source.as_str()),
            date: None,
            fields: Vec::new(),
        };
        match crate::new_record::create(&site, &request, crate::date::Date::today_utc()) {
            Ok(created) => {
                let to = format!(
                    "{EDIT}{folder}/{}",
                    crate::render::html::encode_path(&created.id.to_lowercase())
                );
                return redirect(rq, &to, Vec::new());
            }
            Err(e) => errors.push(("title".to_string(), format!("{e:#}"))),
        }
    }
    html(
        rq,
        400,
        forms::new_page(
            t,
            &action,
            &editor.token,
            &choices,
            &errors,
            &title,
            &source,
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_are_plain_and_safe() {
        assert_eq!(
            safe_upload_name("Board Minutes (March).PDF").unwrap(),
            "board-minutes-march.pdf"
        );
        for bad in ["../x.md", "a/b.pdf", "..\\x", ".hidden", "x..y"] {
            assert!(safe_upload_name(bad).is_err(), "{bad}");
        }
        assert!(safe_upload_name("***").is_err());
    }

    #[test]
    fn tokens_differ_and_are_long() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
    }
}
