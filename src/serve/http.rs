//! Answering requests: pages from memory (kept compressed, inflated for each request),
//! attachments from the content folder, the live script and its event stream.
//!
//! A request can only ever name something in the published [`Snapshot`]: its path is
//! decoded once, refused (400) if it holds `..` or `.` segments, a backslash, an encoded
//! `/` or `\`, a NUL byte or invalid UTF-8, and then looked up as a key. The only files
//! read from disk are attachments that a visible record references, and not through a
//! symbolic link.

use super::{sse_message, Shared, Snapshot};
use crate::markdown::escape_html;
use crate::render::html::encode_path;
use std::fs::File;
use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;
use tiny_http::{Header, Method, Request, Response, StatusCode};

/// The live-reload script, served at [`LIVE_SCRIPT`] and added to every HTML response.
const LIVE_JS: &str = include_str!("live.js");
const LIVE_SCRIPT: &str = "/__assure/live.js";
const EVENTS: &str = "/__assure/events";

/// How often an idle event stream sends a comment, so a closed tab is noticed.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub(crate) fn handle(rq: Request, shared: &Arc<Shared>, port: u16) {
    // The editor's routes check their own methods, token, Host and Origin.
    if rq.url().starts_with("/__assure/edit") || rq.url().starts_with("/__assure/new/") {
        return super::edit::handle(rq, shared, port);
    }
    let head = match rq.method() {
        Method::Get => false,
        Method::Head => true,
        _ => {
            let allow = header("Allow", "GET, HEAD");
            return send(
                rq,
                text(405, "Only GET and HEAD are served.\n").with_header(allow),
            );
        }
    };
    if !host_allowed(&rq, port) {
        // A page elsewhere that rebinds its own name to 127.0.0.1 must not read the site.
        return send(rq, text(400, "Unexpected Host header.\n"));
    }
    let target = rq.url().to_string();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, q),
        None => (target.as_str(), ""),
    };
    let path = path.split('#').next().unwrap_or("");
    // The address `serve` printed: its token goes into a cookie.
    let Some(rq) = super::edit::take_token(rq, shared, path, query) else {
        return;
    };
    if path == super::pages::CSS_PATH {
        return send(
            rq,
            bytes(200, super::pages::CSS.as_bytes(), "text/css; charset=utf-8"),
        );
    }
    if path == LIVE_SCRIPT {
        return send(
            rq,
            bytes(200, LIVE_JS.as_bytes(), "text/javascript; charset=utf-8"),
        );
    }
    if path == EVENTS && !head {
        let shared = Arc::clone(shared);
        let query = query.to_string();
        std::thread::spawn(move || stream(rq, &shared, &query));
        return;
    }
    let Some(key) = site_key(path) else {
        return send(rq, text(400, "Bad request: that path is not allowed.\n"));
    };
    let snapshot = shared.snapshot();
    if let Some(page) = snapshot.pages.get(&key) {
        // Kept compressed (see `Body`): inflated for each request.
        let Ok(body) = page.body.bytes() else {
            return send(rq, text(500, "The page could not be read from memory.\n"));
        };
        let response = if key.ends_with(".html") {
            let html = with_live_script(&body, &key, &shared.token(Some(page)), None);
            let html = super::edit::with_edit_link(shared, html, &key, &rq);
            bytes(200, &html, content_type(&key))
        } else {
            bytes(200, &body, content_type(&key))
        };
        return send(rq, response);
    }
    if let Some(rel) = key.strip_prefix("files/") {
        if snapshot.attachments.contains(rel) {
            if let Some(response) = attachment(&snapshot, rel) {
                return send(rq, response);
            }
        }
    }
    if snapshot.pages.contains_key(&format!("{key}/index.html")) {
        let location = header("Location", &format!("/{}/", encode_path(&key)));
        return send(rq, text(301, "Moved.\n").with_header(location));
    }
    send(rq, not_found(shared, &snapshot, &key))
}

/// The path of a request as a key of the site (`/` → `index.html`,
/// `/actions/` → `actions/index.html`), or `None` if it is not allowed.
pub(crate) fn site_key(path: &str) -> Option<String> {
    let rest = path.strip_prefix('/')?;
    if rest.contains('\\') {
        return None;
    }
    let mut bytes = Vec::with_capacity(rest.len());
    let mut it = rest.bytes();
    while let Some(b) = it.next() {
        if b != b'%' {
            bytes.push(b);
            continue;
        }
        let hi = (it.next()? as char).to_digit(16)?;
        let lo = (it.next()? as char).to_digit(16)?;
        let decoded = u8::try_from(hi * 16 + lo).ok()?;
        // An encoded separator would let one segment act as several.
        if matches!(decoded, b'/' | b'\\') {
            return None;
        }
        bytes.push(decoded);
    }
    if bytes.contains(&0) || bytes.contains(&b'\\') {
        return None;
    }
    let text = String::from_utf8(bytes).ok()?;
    let segments: Vec<&str> = text.split('/').collect();
    let last = segments.len() - 1;
    for (n, s) in segments.iter().enumerate() {
        if *s == "." || *s == ".." || (s.is_empty() && n != last) {
            return None;
        }
    }
    Some(if text.is_empty() || text.ends_with('/') {
        format!("{text}index.html")
    } else {
        text
    })
}

/// Whether the Host header names this server (absent is fine: HTTP/1.0).
fn host_allowed(rq: &Request, port: u16) -> bool {
    let Some(host) = rq
        .headers()
        .iter()
        .find(|h| h.field.equiv("Host"))
        .map(|h| h.value.as_str().to_ascii_lowercase())
    else {
        return true;
    };
    ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|name| host == format!("{name}:{port}") || (port == 80 && host == *name))
}

/// An attachment, read from the content folder if no part of its path is a symbolic
/// link (the listing never includes links, but the folder may have changed since).
fn attachment(snapshot: &Snapshot, rel: &str) -> Option<Response<File>> {
    let mut path = snapshot.content_root.clone();
    for part in rel.split('/') {
        path.push(part);
        if std::fs::symlink_metadata(&path)
            .ok()?
            .file_type()
            .is_symlink()
        {
            return None;
        }
    }
    let file = File::open(&path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    let len = usize::try_from(meta.len()).ok()?;
    let mut headers = common_headers(content_type(rel));
    // An attached HTML or SVG file runs no script with the site's origin.
    headers.push(header("Content-Security-Policy", "sandbox"));
    Some(
        Response::new(StatusCode(200), headers, file, Some(len), None)
            .with_chunked_threshold(usize::MAX),
    )
}

/// The page for a path the site does not have; its live script reloads it when the
/// page appears. While no site was ever built (the content has errors), every path
/// gets the "not built yet" page listing the problems, which reloads when they change.
fn not_found(
    shared: &Shared,
    snapshot: &Snapshot,
    key: &str,
) -> Response<std::io::Cursor<Vec<u8>>> {
    if snapshot.pages.is_empty() {
        let problems: Vec<super::Problem> =
            serde_json::from_str(&snapshot.problems).unwrap_or_default();
        let html = super::pages::not_built(&problems);
        let html = with_live_script(
            html.as_bytes(),
            key,
            &shared.token(None),
            Some(&snapshot.problems),
        );
        return bytes(503, &html, "text/html; charset=utf-8");
    }
    let html = super::pages::not_found(key);
    let html = with_live_script(html.as_bytes(), key, &shared.token(None), None);
    bytes(404, &html, "text/html; charset=utf-8")
}

/// Adds the live script before the last `</body>` (or at the end). `problems`: on the
/// "not built yet" page, the problems it lists, so that it reloads when they change
/// (and draws no overlay over its own list).
fn with_live_script(html: &[u8], key: &str, token: &str, problems: Option<&str>) -> Vec<u8> {
    let listed = problems.map_or(String::new(), |p| {
        format!(" data-problems=\"{}\"", escape_html(p))
    });
    let tag = format!(
        "<script src=\"{LIVE_SCRIPT}\" data-path=\"{}\" data-version=\"{}\"{listed}></script>\n",
        escape_html(key),
        escape_html(token)
    );
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// An event stream: the current problems at once (and a reload if the page that opened
/// it is out of date), then every publication, until the tab closes.
fn stream(rq: Request, shared: &Shared, query: &str) {
    let param = |name: &str| -> String {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| super::percent_decode(v))
            .unwrap_or_default()
    };
    let (path, version) = (param("path"), param("v"));
    // Subscribe before reading the snapshot, so no publication falls in between.
    let events = shared.hub.subscribe();
    let snapshot = shared.snapshot();
    let mut first = String::from(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: close\r\n\r\nretry: 1000\n\n",
    );
    first.push_str(&sse_message("problems", &snapshot.problems));
    if !path.is_empty() && shared.token(snapshot.pages.get(&path)) != version {
        first.push_str(&sse_message(
            "reload",
            &serde_json::json!({ "pages": [path] }).to_string(),
        ));
    }
    drop(snapshot);
    let mut out = rq.into_writer();
    if out
        .write_all(first.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        return;
    }
    loop {
        let message: Arc<str> = match events.recv_timeout(KEEP_ALIVE) {
            Ok(m) => m,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => ": keep-alive\n\n".into(),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if out
            .write_all(message.as_bytes())
            .and_then(|()| out.flush())
            .is_err()
        {
            return;
        }
    }
}

/// The media type of a file, by its extension.
pub(crate) fn content_type(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "zip" => "application/zip",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        _ => "application/octet-stream",
    }
}

fn header(name: &str, value: &str) -> Header {
    // Names and values here are ASCII without line breaks, which is all `from_bytes`
    // refuses; a refusal would be a bug in this file.
    Header::from_bytes(name.as_bytes(), value.as_bytes())
        .unwrap_or_else(|()| unreachable!("invalid header {name}"))
}

fn common_headers(content_type: &str) -> Vec<Header> {
    vec![
        header("Content-Type", content_type),
        // Every reload must show the latest build.
        header("Cache-Control", "no-store"),
        header("X-Content-Type-Options", "nosniff"),
    ]
}

fn bytes(status: u16, body: &[u8], content_type: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    // Always a Content-Length: every body is in memory already.
    let mut response = Response::from_data(body.to_vec())
        .with_status_code(status)
        .with_chunked_threshold(usize::MAX);
    for h in common_headers(content_type) {
        response.add_header(h);
    }
    response
}

fn text(status: u16, body: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    bytes(status, body.as_bytes(), "text/plain; charset=utf-8")
}

fn send<R: std::io::Read>(rq: Request, response: Response<R>) {
    // A client that went away is not an error of the server.
    let _ = rq.respond(response);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_keys() {
        assert_eq!(site_key("/").as_deref(), Some("index.html"));
        assert_eq!(site_key("/actions/").as_deref(), Some("actions/index.html"));
        assert_eq!(
            site_key("/actions/act-1.html").as_deref(),
            Some("actions/act-1.html")
        );
        assert_eq!(
            site_key("/files/evidence/files/report%20one%20%26%20two.txt").as_deref(),
            Some("files/evidence/files/report one & two.txt")
        );
    }

    #[test]
    fn traversal_is_refused() {
        for bad in [
            "/../Cargo.toml",
            "/%2e%2e/Cargo.toml",
            "/%2E%2E/x",
            "/..%2fsecret",
            "/a%2Fb",
            "/files/..\\..\\x",
            "/files/%5c..%5cx",
            "/a/./b",
            "/a//b",
            "/a/%00",
            "/%ff",
            "/%zz",
            "/%2",
            "relative",
        ] {
            assert_eq!(site_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_script_goes_before_the_last_body_end() {
        let out = with_live_script(b"<p></body> x </BODY>\n", "index.html", "t", None);
        let out = String::from_utf8(out).unwrap_or_default();
        assert!(out.starts_with("<p></body> x <script src=\"/__assure/live.js\""));
        assert!(out.ends_with("</script>\n</BODY>\n"));
    }
}
