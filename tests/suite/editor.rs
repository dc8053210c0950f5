//! The browser editor of `assure serve` (SPEC §14.8), over real HTTP: who may edit
//! (the token, `Host` and `Origin`), what a save writes (only the edited lines), uploads
//! (safe names, never overwriting, locked), a file changed on disk since the form was
//! opened, size caps and `--read-only`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(30);

struct Server {
    child: Child,
    port: u16,
    token: String,
}

impl Server {
    fn start(content: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_assure"))
            .args(["serve", "--port", "0", "--content"])
            .arg(content)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("assure starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the address line");
        let rest = line.split("http://127.0.0.1:").nth(1).expect("an address");
        let port = rest
            .split('/')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port");
        let token = rest
            .split("?token=")
            .nth(1)
            .map(|t| t.split_whitespace().next().unwrap_or("").to_string())
            .unwrap_or_default();
        Server { child, port, token }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn cookie(&self) -> String {
        format!("assure_token={}", self.token)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Response {
    status: u16,
    head: String,
    body: String,
}

fn send(port: u16, head: &str, body: &[u8]) -> Response {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("the server accepts");
    s.set_read_timeout(Some(DEADLINE)).expect("timeout");
    s.write_all(head.as_bytes()).expect("sent");
    // A refused upload may be cut off before it is all sent.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Response {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// A request with the given Host, optional Origin and Cookie.
fn request(
    server: &Server,
    method: &str,
    path: &str,
    host: &str,
    origin: Option<&str>,
    cookie: Option<&str>,
    form: Option<(&str, &[u8])>,
) -> Response {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    if let Some(o) = origin {
        head.push_str(&format!("Origin: {o}\r\n"));
    }
    if let Some(c) = cookie {
        head.push_str(&format!("Cookie: {c}\r\n"));
    }
    let body: &[u8] = match form {
        Some((content_type, body)) => {
            head.push_str(&format!(
                "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
                body.len()
            ));
            body
        }
        None => b"",
    };
    head.push_str("\r\n");
    send(server.port, &head, body)
}

fn urlencode(pairs: &[(&str, &str)]) -> Vec<u8> {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                    (b as char).to_string()
                }
                b => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// A multipart body with text fields and one file.
fn multipart(pairs: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----assure-test-boundary";
    let mut body = Vec::new();
    for (k, v) in pairs {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .into_bytes(),
        );
    }
    if let Some((field, name, data)) = file {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes());
        body.extend_from_slice(data);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").into_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn starter() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path().join("content");
    let out = Command::new(env!("CARGO_BIN_EXE_assure"))
        .arg("init")
        .arg(&root)
        .output()
        .expect("init runs");
    assert!(out.status.success(), "{out:?}");
    (dir, root)
}

fn post_form(server: &Server, path: &str, pairs: &[(&str, &str)]) -> Response {
    let body = urlencode(pairs);
    request(
        server,
        "POST",
        path,
        &server.host(),
        Some(&format!("http://{}", server.host())),
        Some(&server.cookie()),
        Some(("application/x-www-form-urlencoded", &body)),
    )
}

const ACTION: &str = "/__assure/edit/actions/act-01";

#[test]
fn only_this_servers_pages_with_the_token_can_save() {
    let (_dir, root) = starter();
    let file = root.join("actions/act-01.md");
    let before = std::fs::read(&file).unwrap();
    let server = Server::start(&root, &[]);
    assert_eq!(server.token.len(), 32, "the address carries the token");
    let sha = sha256(&before);
    let form = urlencode(&[
        ("token", &server.token),
        ("sha", &sha),
        ("status", "complete"),
    ]);
    let ct = "application/x-www-form-urlencoded";
    let own = format!("http://{}", server.host());
    let cases: Vec<(&str, Response)> = vec![
        (
            "no cookie",
            request(
                &server,
                "POST",
                ACTION,
                &server.host(),
                Some(&own),
                None,
                Some((ct, &form)),
            ),
        ),
        (
            "a wrong cookie",
            request(
                &server,
                "POST",
                ACTION,
                &server.host(),
                Some(&own),
                Some("assure_token=0000"),
                Some((ct, &form)),
            ),
        ),
        (
            "a foreign Origin",
            request(
                &server,
                "POST",
                ACTION,
                &server.host(),
                Some("http://evil.example"),
                Some(&server.cookie()),
                Some((ct, &form)),
            ),
        ),
        (
            "a foreign Host (DNS rebinding)",
            request(
                &server,
                "POST",
                ACTION,
                &format!("evil.example:{}", server.port),
                None,
                Some(&server.cookie()),
                Some((ct, &form)),
            ),
        ),
        (
            "no token in the form",
            request(
                &server,
                "POST",
                ACTION,
                &server.host(),
                Some(&own),
                Some(&server.cookie()),
                Some((ct, &urlencode(&[("sha", &sha), ("status", "complete")]))),
            ),
        ),
    ];
    for (what, r) in cases {
        assert_eq!(r.status, 403, "{what}: {}", r.body);
        assert_eq!(
            std::fs::read(&file).unwrap(),
            before,
            "{what} changed the file"
        );
    }
    // The form itself is not shown to another site either.
    let r = request(&server, "GET", ACTION, &server.host(), None, None, None);
    assert_eq!(r.status, 403);

    // The printed address sets the cookie, HttpOnly and SameSite=Strict.
    let r = request(
        &server,
        "GET",
        &format!("/?token={}", server.token),
        &server.host(),
        None,
        None,
        None,
    );
    assert_eq!(r.status, 303);
    let cookie_line = r
        .head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .expect("a cookie is set");
    assert!(
        cookie_line.contains("HttpOnly") && cookie_line.contains("SameSite=Strict"),
        "{cookie_line}"
    );

    // With all three, the save writes the status line and nothing else.
    let r = post_form(
        &server,
        ACTION,
        &[
            ("token", &server.token),
            ("sha", &sha),
            ("status", "complete"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let after = String::from_utf8(std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        after,
        String::from_utf8(before.clone())
            .unwrap()
            .replace("status: in-progress", "status: complete")
    );
}

#[test]
fn an_unchanged_form_changes_no_byte_and_a_stale_one_is_refused() {
    let (_dir, root) = starter();
    let file = root.join("actions/act-01.md");
    let before = std::fs::read(&file).unwrap();
    let server = Server::start(&root, &[]);
    // The form as served: every field it shows, posted back as it is.
    let r = request(
        &server,
        "GET",
        ACTION,
        &server.host(),
        None,
        Some(&server.cookie()),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let fields = form_values(&r.body);
    assert!(fields.iter().any(|(k, _)| k == "status"), "{fields:?}");
    // Relations offer other records, never the record itself.
    assert!(r.body.contains("id=\"f-related-ev-01\""), "{}", r.body);
    assert!(!r.body.contains("id=\"f-related-act-01\""), "{}", r.body);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = post_form(&server, ACTION, &pairs);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "saving an unchanged form changed the file"
    );

    // Someone changes the file; the old form's save is refused, showing both versions.
    let changed = String::from_utf8(before.clone())
        .unwrap()
        .replace("Principal Social Worker", "Head of Service");
    std::fs::write(&file, &changed).unwrap();
    let mut stale = pairs.clone();
    stale.retain(|(k, _)| *k != "status");
    stale.push(("status", "blocked"));
    let r = post_form(&server, ACTION, &stale);
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.body.contains("Head of Service") && r.body.contains("Blocked")
            || r.body.contains("blocked"),
        "{}",
        r.body
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), changed);
}

#[test]
fn invalid_values_are_shown_at_the_field_and_nothing_is_written() {
    let (_dir, root) = starter();
    let file = root.join("actions/act-01.md");
    let before = std::fs::read(&file).unwrap();
    let server = Server::start(&root, &[]);
    let sha = sha256(&before);
    let r = post_form(
        &server,
        ACTION,
        &[
            ("token", &server.token),
            ("sha", &sha),
            ("due", "2014-13-45"),
        ],
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("There is a problem") && r.body.contains("href=\"#f-due\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("id=\"f-due-error\""), "{}", r.body);
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

#[test]
fn uploads_get_safe_new_names_and_are_locked() {
    let (_dir, root) = starter();
    let file = root.join("evidence/ev-01.md");
    let before = std::fs::read(&file).unwrap();
    let server = Server::start(&root, &[]);
    let path = "/__assure/edit/evidence/ev-01";
    let sha = sha256(&before);
    let listing = |root: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(root.join("evidence/files"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let files_before = listing(&root);
    // A name with a path in it is refused and nothing is written anywhere.
    for bad in ["../../evil.md", "..\\site.yaml", "../files/x.txt"] {
        let (ct, body) = multipart(
            &[("token", &server.token), ("sha", &sha)],
            Some(("upload", bad, b"evil")),
        );
        let r = request(
            &server,
            "POST",
            path,
            &server.host(),
            None,
            Some(&server.cookie()),
            Some((&ct, &body)),
        );
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert_eq!(std::fs::read(&file).unwrap(), before);
        assert_eq!(listing(&root), files_before);
        assert!(!root.join("evil.md").exists() && !root.parent().unwrap().join("evil.md").exists());
    }
    // The existing name is not overwritten: the upload gets a new one, is named in
    // `file:` and locked, and the signer goes into `signed_off`.
    let (ct, body) = multipart(
        &[
            ("token", &server.token),
            ("sha", &sha),
            ("signed_off.by", "Performance Board"),
            ("signed_off.on", "2026-01-14"),
        ],
        Some(("upload", "Supervision Audit.txt", b"the audit")),
    );
    let r = request(
        &server,
        "POST",
        path,
        &server.host(),
        None,
        Some(&server.cookie()),
        Some((&ct, &body)),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("file: evidence/files/supervision-audit-2.txt\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!("sha256: {}\n", sha256(b"the audit"))),
        "{text}"
    );
    assert!(
        text.contains("signed_off: {by: Performance Board, on: 2026-01-14}\n"),
        "{text}"
    );
    assert_eq!(
        std::fs::read(root.join("evidence/files/supervision-audit.txt")).unwrap(),
        std::fs::read(root.join("evidence/files/supervision-audit.txt")).unwrap()
    );
    assert_eq!(
        std::fs::read(root.join("evidence/files/supervision-audit-2.txt")).unwrap(),
        b"the audit"
    );
}

#[test]
fn new_records_get_their_id_by_the_rules_of_new() {
    let (_dir, root) = starter();
    let server = Server::start(&root, &[]);
    let r = post_form(
        &server,
        "/__assure/new/actions",
        &[("token", &server.token), ("title", "Audit case files")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        r.head.contains("Location: /__assure/edit/actions/act-02"),
        "{}",
        r.head
    );
    let text = std::fs::read_to_string(root.join("actions/act-02.md")).unwrap();
    assert!(
        text.starts_with("---\ntitle: \"Audit case files\"\n"),
        "{text}"
    );
}

#[test]
fn read_only_and_size_caps() {
    let (_dir, root) = starter();
    let server = Server::start(&root, &["--read-only"]);
    assert!(
        server.token.is_empty(),
        "no token is printed when editing is off"
    );
    let r = request(&server, "GET", ACTION, &server.host(), None, None, None);
    assert_eq!(r.status, 403);
    drop(server);

    let server = Server::start(&root, &["--max-upload", "1"]);
    let big = vec![b'x'; 1024 * 1024 + 10];
    let (ct, body) = multipart(
        &[("token", &server.token)],
        Some(("upload", "big.txt", &big)),
    );
    let r = request(
        &server,
        "POST",
        "/__assure/edit/evidence/ev-01",
        &server.host(),
        None,
        Some(&server.cookie()),
        Some((&ct, &body)),
    );
    assert_eq!(r.status, 413);
    assert!(!root.join("evidence/files/big.txt").exists());
}

/// The named inputs, selected options, checked boxes and text areas of a form page,
/// as a browser would post them.
fn form_values(html: &str) -> Vec<(String, String)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!(" {name}=\"");
        let start = tag.find(&key)? + key.len();
        let end = tag[start..].find('"')? + start;
        Some(unescape(&tag[start..end]))
    };
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        if tag.starts_with("<input") {
            let kind = attr(tag, "type").unwrap_or_default();
            if let Some(name) = attr(tag, "name") {
                let value = attr(tag, "value").unwrap_or_default();
                match kind.as_str() {
                    "checkbox" if tag.contains(" checked") => out.push((name, value)),
                    "checkbox" | "file" => {}
                    _ => out.push((name, value)),
                }
            }
        } else if tag.starts_with("<select") {
            let name = attr(tag, "name").unwrap_or_default();
            let close = rest.find("</select>").unwrap_or(rest.len());
            let inner = &rest[..close];
            let chosen = inner
                .split("<option")
                .find(|o| o.contains(" selected"))
                .and_then(|o| attr(&format!("<option{o}"), "value"))
                .unwrap_or_default();
            out.push((name, chosen));
        } else if tag.starts_with("<textarea") {
            let name = attr(tag, "name").unwrap_or_default();
            let close = rest.find("</textarea>").unwrap_or(rest.len());
            let mut text = &rest[end + 1..close];
            // The one newline after the tag is not part of the value (HTML).
            text = text.strip_prefix('\n').unwrap_or(text);
            out.push((name, unescape(text)));
        }
        rest = &rest[1..];
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The editor in headless Chromium (`tests/browser/editor-check.js`): edit, create,
/// upload, a refused conflicting save, errors at the field, axe on every form page.
/// Needs `npm ci` in `tests/browser` and `/usr/bin/chromium`; never skipped.
#[test]
fn the_editor_works_in_chromium() {
    let (_dir, root) = starter();
    let server = Server::start(&root, &[]);
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        browser.join("node_modules/playwright-core").is_dir(),
        "the browser tests need their npm packages: run `npm ci` in tests/browser"
    );
    let address = format!("http://127.0.0.1:{}/?token={}", server.port, server.token);
    let run = Command::new("node")
        .arg(browser.join("editor-check.js"))
        .arg(&address)
        .arg(&root)
        .output()
        .expect("Node.js (`node`) must be installed to run the browser tests");
    let report = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success() && report.contains("ok   the editor works in Chromium"),
        "editor-check.js failed ({}):\n{report}\n{}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
}

/// `assure lock ID --by WHO --on DATE` writes the hash and the sign-off together,
/// through the same writer (SPEC §14.2); `--on` alone, or `--by` without IDs, is refused.
#[test]
fn lock_signs_off_with_the_hash() {
    let (_dir, root) = starter();
    let file = root.join("evidence/ev-01.md");
    let before = std::fs::read_to_string(&file).unwrap();
    let lock = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_assure"))
            .arg("lock")
            .args(args)
            .arg("--content")
            .arg(&root)
            .output()
            .expect("lock runs")
    };
    assert!(!lock(&["ev-01", "--on", "2026-01-14"]).status.success());
    assert!(!lock(&["--by", "Board"]).status.success());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
    let out = lock(&["ev-01", "--by", "Performance Board", "--on", "2026-01-14"]);
    assert!(out.status.success(), "{out:?}");
    let hash = sha256(&std::fs::read(root.join("evidence/files/supervision-audit.txt")).unwrap());
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        before.replace(
            "file: evidence/files/supervision-audit.txt\n",
            &format!("file: evidence/files/supervision-audit.txt\nsha256: {hash}\nsigned_off: {{by: Performance Board, on: 2026-01-14}}\n")
        )
    );
}
