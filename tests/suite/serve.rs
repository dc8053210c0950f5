//! `assure serve`, end to end: the real binary on a free port, a content folder made at
//! run time, plain HTTP/1.1 over `TcpStream`. Every wait polls with a deadline; the
//! server is killed when a test ends, passed or failed.

use crate::common;

use common::files_under;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// How long any one thing may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(30);

/// A running `assure serve`, killed on drop.
struct Server {
    child: Child,
    port: u16,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    fn start(content: &Path) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_assure"));
        command
            .args(["serve", "--port", "0", "--content"])
            .arg(content);
        Server::run(command)
    }

    /// Runs `command` (an `assure` that serves) and reads the address it prints.
    fn run(mut command: Command) -> Server {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("assure starts");
        // Read stderr all along: a full pipe would stop the server.
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err = child.stderr.take().expect("stderr is piped");
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut s) = sink.lock() {
                    s.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        let out = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(out).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut server = Server {
            child,
            port: 0,
            stderr,
        };
        let line = rx.recv_timeout(DEADLINE).unwrap_or_default();
        let port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|p| p.parse().ok());
        match port {
            Some(p) => server.port = p,
            None => panic!(
                "assure serve did not print its address: {line:?}\n{}",
                server.stderr()
            ),
        }
        server
    }

    fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn get(&self, path: &str) -> Response {
        request(self.port, "GET", path, &format!("127.0.0.1:{}", self.port))
    }

    /// Polls `path` until `check` accepts the response.
    fn wait_for(&self, path: &str, what: &str, check: impl Fn(&Response) -> bool) -> Response {
        let start = Instant::now();
        loop {
            let r = self.get(path);
            if check(&r) {
                return r;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "{path} never {what}; last answer {}\n{}",
                r.status,
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn events(&self) -> EventStream {
        EventStream::open(self.port)
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
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request, written by hand, on its own connection.
fn request(port: u16, method: &str, path: &str, host: &str) -> Response {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("the server accepts");
    s.set_read_timeout(Some(DEADLINE)).expect("timeout");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("request sent");
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response to {method} {path}: {raw:?}"));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// An open `/__assure/events` stream.
struct EventStream {
    stream: TcpStream,
    buf: String,
    /// The data of the first event: the problems shown when the stream opened.
    first: String,
}

impl EventStream {
    fn open(port: u16) -> EventStream {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the server accepts");
        write!(
            stream,
            "GET /__assure/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
        )
        .expect("request sent");
        let mut events = EventStream {
            stream,
            buf: String::new(),
            first: String::new(),
        };
        // The current problems come first: the stream is live from here on.
        events.first = events
            .next_where("the first event", |e, _| e == "problems")
            .1;
        events
    }

    /// The next event `(name, data)` that `accept` takes; others are skipped.
    fn next_where(&mut self, what: &str, accept: impl Fn(&str, &str) -> bool) -> (String, String) {
        let start = Instant::now();
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut name = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event: ") {
                        name = v.to_string();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data = v.to_string();
                    }
                }
                if accept(&name, &data) {
                    return (name, data);
                }
            }
            let left = DEADLINE
                .checked_sub(start.elapsed())
                .unwrap_or_else(|| panic!("no event: {what}; received so far: {:?}", self.buf));
            self.stream
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .expect("timeout");
            let mut chunk = [0u8; 8192];
            match self.stream.read(&mut chunk) {
                Ok(0) => panic!("the event stream closed while waiting for {what}"),
                Ok(n) => {
                    self.buf.push_str(&String::from_utf8_lossy(&chunk[..n]));
                    // The HTTP head, before the first event.
                    if let Some(at) = self.buf.find("\r\n\r\n") {
                        self.buf.drain(..at + 4);
                    }
                }
                Err(_) => panic!("no event: {what} within {DEADLINE:?}"),
            }
        }
    }
}

/// A small content folder: every type, links both ways, an attachment, a record withheld
/// from the site audience, and a secret file beside the folder.
fn content() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path().join("content");
    let files: &[(&str, &str)] = &[
        (
            "site.yaml",
            "title: Serve test\norganisation: Test Council\nas_of: 2014-09-30\nsite_audience: inspector\naudiences:\n  inspector: { title: Inspectors }\n",
        ),
        (
            "reviews/rev-1.md",
            "---\ntitle: Inspection 2014\nkind: inspection\ndate: 2014-03\n---\nThe inspection.\n",
        ),
        (
            "recommendations/rec-1.md",
            "---\ntitle: Improve supervision\nsource: rev-1\nstatus: open\n---\nSee [[act-1]].\n",
        ),
        (
            "plans/plan-1.md",
            "---\ntitle: Improvement plan\nobjectives:\n  - id: obj-1\n    title: Better practice\n    description: Answers [[rec-1]].\n---\nThe plan.\n",
        ),
        (
            "actions/act-1.md",
            "---\ntitle: Train supervisors\nplan: plan-1\nobjective: obj-1\naddresses: [rec-1]\ndue: 2014-12\nstatus: in-progress\n---\nTraining for every team.\n",
        ),
        (
            "evidence/ev-1.md",
            "---\ntitle: Supervision audit\nkind: audit\nstatus: current\nreviewed: 2014-06-01\nsupports: [act-1]\nfile: evidence/files/report.txt\n---\nThe audit.\n",
        ),
        ("evidence/files/report.txt", "The audit report.\n"),
        (
            "evidence/ev-2.md",
            "---\ntitle: Internal note QZXWITHHELD\nstatus: current\nreviewed: 2014-06-01\nsupports: [rec-1]\naudience: [internal]\n---\nNot for inspectors.\n",
        ),
        (
            "timeline/events.yaml",
            "records:\n  - id: evt-1\n    title: Inspection published\n    date: 2014-03-10\n    refs: [rec-1]\n",
        ),
        (
            "pages/about.md",
            "---\ntitle: About this site\norder: 1\n---\nAbout [[plan-1]].\n",
        ),
    ];
    for (path, text) in files {
        write(&root.join(path), text);
    }
    write(&dir.path().join("secret.txt"), "TOP-SECRET-MARKER\n");
    (dir, root)
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("folder");
    std::fs::write(path, text).expect("write");
}

/// Replaces `from` with `to` in a content file (which must contain it).
/// Points `act-1` at a recommendation that does not exist, and returns the problems
/// serve then reports (as sent, and parsed).
fn break_a_link(root: &Path, events: &mut EventStream) -> (String, serde_json::Value) {
    edit(
        root,
        "actions/act-1.md",
        "addresses: [rec-1]",
        "addresses: [rec-99]",
    );
    let (_, data) = events.next_where("problems listing the error", |e, d| {
        e == "problems" && d != "[]"
    });
    let problems = serde_json::from_str(&data).expect("problems are JSON");
    (data, problems)
}

fn edit(root: &Path, path: &str, from: &str, to: &str) {
    let file = root.join(path);
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(text.contains(from), "{path} does not contain {from:?}");
    std::fs::write(&file, text.replacen(from, to, 1)).expect("write");
}

/// The page without the live-reload script serve adds.
fn without_live_script(html: &str) -> String {
    let Some(start) = html.find("<script src=\"/__assure/live.js\"") else {
        return html.to_string();
    };
    let end = html[start..]
        .find("</script>\n")
        .map_or(html.len(), |e| start + e + "</script>\n".len());
    format!("{}{}", &html[..start], &html[end..])
}

#[test]
fn serves_the_site_and_reloads_open_pages_after_an_edit() {
    let (_dir, root) = content();
    let server = Server::start(&root);

    let page = server.get("/actions/act-1.html");
    assert_eq!(page.status, 200, "{}", server.stderr());
    assert_eq!(
        page.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page.text().contains("Train supervisors"));
    assert!(page.text().contains("<script src=\"/__assure/live.js\""));
    assert!(
        !page.text().contains("QZXWITHHELD"),
        "withheld record leaked"
    );

    let index = server.get("/");
    assert_eq!(index.status, 200);
    assert!(index.text().contains("Serve test"));
    let head = request(
        server.port,
        "HEAD",
        "/actions/act-1.html",
        &format!("127.0.0.1:{}", server.port),
    );
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "HEAD has no body");
    assert_eq!(
        head.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    for (path, kind) in [
        ("/static/style.css", "text/css; charset=utf-8"),
        ("/search-index.js", "text/javascript; charset=utf-8"),
        ("/__assure/live.js", "text/javascript; charset=utf-8"),
        (
            "/files/evidence/files/report.txt",
            "text/plain; charset=utf-8",
        ),
    ] {
        let r = server.get(path);
        assert_eq!(
            (r.status, r.header("Content-Type")),
            (200, Some(kind)),
            "{path}"
        );
    }
    assert_eq!(
        server.get("/files/evidence/files/report.txt").text(),
        "The audit report.\n"
    );
    let missing = server.get("/actions/nothing.html");
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("Page not found"));
    assert_eq!(server.get("/actions").header("Location"), Some("/actions/"));

    let mut events = server.events();
    edit(
        &root,
        "actions/act-1.md",
        "Train supervisors",
        "Coach every supervisor",
    );
    events.next_where("a reload naming the edited page", |e, d| {
        e == "reload" && d.contains("\"actions/act-1.html\"")
    });
    let page = server.get("/actions/act-1.html");
    assert!(
        page.text().contains("Coach every supervisor"),
        "{}",
        page.text()
    );
    // Pages that show the action's title follow.
    server.wait_for("/recommendations/rec-1.html", "showed the new title", |r| {
        r.text().contains("Coach every supervisor")
    });
    server.wait_for("/actions/index.html", "listed the new title", |r| {
        r.text().contains("Coach every supervisor")
    });
}

/// Live reload in headless Chromium, under the pages' Content-Security-Policy (the
/// reload script is a file of the server, its events come from the same origin):
/// `tests/browser/live-reload-check.js` edits a record and waits for the open page to
/// show the edit, with nothing blocked. Needs `npm ci` in `tests/browser` and
/// `/usr/bin/chromium`; a missing one fails the test, it is never skipped.
#[test]
fn open_pages_reload_in_chromium_under_the_content_security_policy() {
    let (_dir, root) = content();
    let server = Server::start(&root);
    let about = root.join("pages/about.md");
    browser_check(
        &server,
        "live-reload-check.js",
        &[
            about.as_os_str(),
            "About [[plan-1]].".as_ref(),
            "Reloaded under the policy.".as_ref(),
        ],
        "ok   live reload works",
    );
}

/// Runs `tests/browser/<script>` on the server's about page with `args`, and fails
/// unless it succeeds and reports `passed`. Needs `npm ci` in `tests/browser` and
/// `/usr/bin/chromium`; a missing one fails the test, it is never skipped.
fn browser_check(server: &Server, script: &str, args: &[&std::ffi::OsStr], passed: &str) {
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        browser.join("node_modules/playwright-core").is_dir(),
        "the browser tests need their npm packages: run `npm ci` in tests/browser (.ci/run does)"
    );
    let url = format!("http://127.0.0.1:{}/pages/about.html", server.port);
    let run = Command::new("node")
        .arg(browser.join(script))
        .arg(&url)
        .args(args)
        .output()
        .expect("Node.js (`node`) must be installed to run the browser tests");
    let report = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success() && report.contains(passed),
        "{script} failed ({}):\n{report}\n{}\nserver:\n{}",
        run.status,
        String::from_utf8_lossy(&run.stderr),
        server.stderr()
    );
}

#[test]
fn content_errors_are_shown_and_the_last_good_site_stays() {
    let (_dir, root) = content();
    let server = Server::start(&root);
    let mut events = server.events();

    let (data, problems) = break_a_link(&root, &mut events);
    let first = &problems[0];
    assert!(
        first["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("actions/act-1.md")),
        "{data}"
    );
    assert_eq!(first["line"], 5, "{data}");
    assert_eq!(first["code"], "E005", "{data}");
    assert!(
        first["message"]
            .as_str()
            .is_some_and(|m| m.contains("rec-99")),
        "{data}"
    );
    // The last good page is still served.
    let page = server.get("/actions/act-1.html");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Train supervisors"));
    // A page opened now hears about the problems at once.
    EventStream::open(server.port);

    // Fixing the file clears the error and reloads the page with the fix. What stays
    // is the content's warning (SPEC §14.8), here one in the internal note, counted.
    std::fs::write(
        root.join("actions/act-1.md"),
        "---\ntitle: Fixed and renamed\nplan: plan-1\nobjective: obj-1\naddresses: [rec-1]\ndue: 2014-12\nstatus: in-progress\n---\nTraining.\n",
    )
    .expect("write");
    let (_, left) = events.next_where("the error cleared", |e, d| {
        e == "problems" && !d.contains("\"severity\":\"error\"")
    });
    assert!(!left.contains("rec-99"), "{left}");
    events.next_where("a reload of the fixed page", |e, d| {
        e == "reload" && d.contains("actions/act-1.html")
    });
    assert!(server
        .get("/actions/act-1.html")
        .text()
        .contains("Fixed and renamed"));
}

#[test]
fn requests_cannot_read_outside_the_site() {
    let (dir, root) = content();
    #[cfg(unix)]
    {
        // A link inside the served tree to a file outside it, and one to a folder.
        std::os::unix::fs::symlink(
            dir.path().join("secret.txt"),
            root.join("evidence/files/link.txt"),
        )
        .expect("symlink");
        std::os::unix::fs::symlink(dir.path(), root.join("evidence/files/up")).expect("symlink");
    }
    let server = Server::start(&root);
    let host = format!("127.0.0.1:{}", server.port);
    for path in [
        "/../Cargo.toml",
        "/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/files/..%2f..%2fsecret.txt",
        "/files/..\\..\\secret.txt",
        "/files/%5c..%5csecret.txt",
        "/files/evidence/files/link.txt",
        "/files/evidence/files/up/secret.txt",
        "/files/./evidence/files/report.txt",
        "/files//etc/passwd",
        "/files/%00",
        "/etc/passwd",
        "/files/site.yaml",
        "/files/evidence/ev-2.md",
    ] {
        let r = request(server.port, "GET", path, &host);
        assert!(
            matches!(r.status, 400 | 404),
            "{path} answered {}",
            r.status
        );
        let text = r.text();
        assert!(
            !text.contains("TOP-SECRET-MARKER")
                && !text.contains("root:")
                && !text.contains("QZXWITHHELD"),
            "{path} leaked: {text}"
        );
    }
    // An attachment replaced by a link after the start is refused too.
    #[cfg(unix)]
    {
        let report = root.join("evidence/files/report.txt");
        std::fs::remove_file(&report).expect("remove");
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), &report).expect("symlink");
        let r = server.get("/files/evidence/files/report.txt");
        assert!(matches!(r.status, 400 | 404), "answered {}", r.status);
        assert!(!r.text().contains("TOP-SECRET-MARKER"));
    }
    // Another site's name for 127.0.0.1, and other methods.
    assert_eq!(request(server.port, "GET", "/", "evil.example").status, 400);
    assert_eq!(request(server.port, "POST", "/", &host).status, 405);
}

/// A theme template that is a symbolic link is not followed (SPEC §2): the default
/// template is used, and what the link points at is never shown. (`serve` once read
/// `base.html` a second time for the pages it re-renders after a save, following the
/// link, and put the secret in each of them.)
#[cfg(unix)]
#[test]
fn a_theme_template_behind_a_symbolic_link_is_not_served() {
    let (dir, root) = content();
    std::fs::write(
        dir.path().join("base.html"),
        "<p>TOP-SECRET-MARKER</p>{% block content %}{% endblock content %}\n",
    )
    .expect("write");
    write(&root.join("_theme/static/own.css"), "/* own */\n");
    std::fs::create_dir_all(root.join("_theme/templates")).expect("folder");
    std::os::unix::fs::symlink(
        dir.path().join("base.html"),
        root.join("_theme/templates/base.html"),
    )
    .expect("symlink");
    edit(
        &root,
        "site.yaml",
        "title: Serve test\n",
        "title: Serve test\ntheme: _theme\n",
    );
    let server = Server::start(&root);
    for path in ["/", "/actions/act-1.html", "/static/own.css"] {
        let r = server.get(path);
        assert_eq!(r.status, 200, "{path}: {}", server.stderr());
        assert!(
            !r.text().contains("TOP-SECRET-MARKER"),
            "{path} leaked: {}",
            r.text()
        );
    }
    // A save re-renders only the pages it touches, with the theme's gated base.html.
    edit(
        &root,
        "actions/act-1.md",
        "Training for every team.",
        "Training for all teams.",
    );
    let r = server.wait_for("/actions/act-1.html", "showed the edit", |r| {
        r.text().contains("Training for all teams.")
    });
    assert!(
        !r.text().contains("TOP-SECRET-MARKER"),
        "leaked: {}",
        r.text()
    );
}

/// A change to a content folder, named for failure messages.
type Step = (&'static str, Box<dyn Fn(&Path)>);

/// After each step, every page serve shows must be byte for byte what `assure build`
/// writes for the same content (less the live script): the proof that re-rendering only
/// the touched pages misses nothing.
fn assert_matches_build_after(root: &Path, output: &Path, steps: Vec<Step>) {
    let server = Server::start(root);
    let mut before: Vec<String> = Vec::new();
    for (what, change) in steps {
        change(root);
        let built = Command::new(env!("CARGO_BIN_EXE_assure"))
            .args(["build", "--no-pdf", "--content"])
            .arg(root)
            .arg("--output")
            .arg(output)
            .output()
            .expect("assure build runs");
        assert!(
            built.status.success(),
            "build after {what} failed: {}",
            String::from_utf8_lossy(&built.stderr)
        );
        let site = output.join("site");
        let expected: Vec<(String, Vec<u8>)> = files_under(&site)
            .into_iter()
            .map(|file| {
                let rel = file
                    .strip_prefix(&site)
                    .expect("inside")
                    .to_string_lossy()
                    .replace('\\', "/");
                let bytes = std::fs::read(&file).expect("read");
                (rel, bytes)
            })
            .collect();
        assert!(
            expected.len() > 10,
            "the build wrote {} files",
            expected.len()
        );
        // Pages the build no longer writes are gone from serve too.
        let now: Vec<String> = expected.iter().map(|(rel, _)| rel.clone()).collect();
        for gone in before
            .iter()
            .filter(|rel| rel.ends_with(".html") && !now.contains(rel))
        {
            server.wait_for(&format!("/{gone}"), "went away", |r| r.status == 404);
        }
        before = now;
        // Serve catches up within the deadline; every file must then match.
        let start = Instant::now();
        loop {
            let mismatch = expected.iter().find_map(|(rel, bytes)| {
                let url: String = rel
                    .bytes()
                    .map(|b| match b {
                        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'/' => {
                            (b as char).to_string()
                        }
                        b => format!("%{b:02X}"),
                    })
                    .collect();
                let r = server.get(&format!("/{url}"));
                let got = if rel.ends_with(".html") {
                    without_live_script(&r.text()).into_bytes()
                } else {
                    r.body
                };
                (r.status != 200 || got != *bytes).then_some((rel, bytes, r.status, got))
            });
            let Some((rel, want, status, got)) = mismatch else {
                break;
            };
            if start.elapsed() > DEADLINE {
                let want = String::from_utf8_lossy(want).into_owned();
                let got = String::from_utf8_lossy(&got).into_owned();
                let at = want
                    .chars()
                    .zip(got.chars())
                    .take_while(|(a, b)| a == b)
                    .count();
                let near = |t: &str| {
                    t.chars()
                        .skip(at.saturating_sub(150))
                        .take(300)
                        .collect::<String>()
                };
                panic!(
                    "after {what}: /{rel} (status {status}) differs from the build at character {at}:\n build: {:?}\n serve: {:?}\n{}",
                    near(&want),
                    near(&got),
                    server.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn pages_match_a_full_build_after_every_edit() {
    let (dir, root) = content();
    // Enough actions under one plan that its page is among the large ones, re-rendered
    // after the rest.
    for n in 0..210 {
        write(
            &root.join(format!("actions/bulk/act-b{n}.md")),
            &format!("---\ntitle: Bulk action {n}\nplan: plan-1\nobjective: obj-1\naddresses: [rec-1]\ndue: 2015-06\n---\n"),
        );
    }
    let steps: Vec<Step> = vec![
        ("start", Box::new(|_| {})),
        (
            "an action's title",
            Box::new(|r| {
                edit(
                    r,
                    "actions/act-1.md",
                    "Train supervisors",
                    "Coach supervisors",
                )
            }),
        ),
        (
            "a bulk action's status (its plan's page is a large one)",
            Box::new(|r| {
                edit(
                    r,
                    "actions/bulk/act-b7.md",
                    "due: 2015-06",
                    "due: 2015-06\nstatus: blocked",
                )
            }),
        ),
        (
            "evidence withdrawn (readiness changes)",
            Box::new(|r| {
                edit(
                    r,
                    "evidence/ev-1.md",
                    "status: current",
                    "status: withdrawn",
                )
            }),
        ),
        (
            "a new evidence record",
            Box::new(|r| {
                write(
                    &r.join("evidence/ev-3.md"),
                    "---\ntitle: Staff survey\nkind: survey\nstatus: current\nreviewed: 2014-08-01\nsupports: [act-1]\n---\nMentions [[rec-1]].\n",
                )
            }),
        ),
        (
            "an objective's description",
            Box::new(|r| {
                edit(
                    r,
                    "plans/plan-1.md",
                    "Answers [[rec-1]].",
                    "Answers [[rec-1]] and [[ev-3]].",
                )
            }),
        ),
        (
            "an action withheld from the site audience",
            Box::new(|r| {
                edit(
                    r,
                    "actions/act-1.md",
                    "status: in-progress",
                    "status: in-progress\naudience: [internal]",
                )
            }),
        ),
        (
            "the action visible again",
            Box::new(|r| edit(r, "actions/act-1.md", "audience: [internal]\n", "")),
        ),
        (
            "a narrative page's title (every page's footer)",
            Box::new(|r| {
                edit(
                    r,
                    "pages/about.md",
                    "About this site",
                    "How to read this site",
                )
            }),
        ),
        (
            "an event's title",
            Box::new(|r| {
                edit(
                    r,
                    "timeline/events.yaml",
                    "Inspection published",
                    "Report published",
                )
            }),
        ),
        (
            "a record deleted, and the link to it with it",
            Box::new(|r| {
                std::fs::remove_file(r.join("evidence/ev-3.md")).expect("remove");
                edit(r, "plans/plan-1.md", " and [[ev-3]]", "");
            }),
        ),
        (
            "the attachment changed",
            Box::new(|r| write(&r.join("evidence/files/report.txt"), "A new report.\n")),
        ),
    ];
    assert_matches_build_after(&root, &dir.path().join("output"), steps);
}

/// The same over the shared site fixture: hostile text everywhere and records withheld
/// from the site audience, made visible and withheld again.
#[test]
fn pages_match_a_full_build_with_withheld_records() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path().join("content");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/site");
    for file in files_under(&fixture) {
        let rel = file.strip_prefix(&fixture).expect("inside");
        std::fs::create_dir_all(root.join(rel).parent().expect("a parent")).expect("folder");
        std::fs::copy(&file, root.join(rel)).expect("copy");
    }
    let steps: Vec<Step> = vec![
        ("start", Box::new(|_| {})),
        (
            "a withheld action shown to inspectors",
            Box::new(|r| {
                edit(
                    r,
                    "actions/zzhid-act.md",
                    "audience: [internal]",
                    "audience: [inspector]",
                )
            }),
        ),
        (
            "and withheld again",
            Box::new(|r| {
                edit(
                    r,
                    "actions/zzhid-act.md",
                    "audience: [inspector]",
                    "audience: [internal]",
                )
            }),
        ),
        (
            "evidence no longer current",
            Box::new(|r| edit(r, "evidence/ev-1.md", "status: current", "status: draft")),
        ),
    ];
    assert_matches_build_after(&root, &dir.path().join("output"), steps);
}

/// A recommendation marked `met` while an action answering it falls overdue is tagged
/// "Action overdue" wherever it is listed: on its review's page and on the page of
/// evidence supporting it, neither of which shows the action. (Serve once kept a
/// hand-written map of what each page reads, which missed both.)
#[test]
fn an_action_falling_overdue_under_a_met_recommendation_shows_on_every_page() {
    let (dir, root) = content();
    let steps: Vec<Step> = vec![
        (
            "the recommendation met, with evidence of its own",
            Box::new(|r| {
                edit(r, "recommendations/rec-1.md", "status: open", "status: met");
                write(
                    &r.join("evidence/ev-3.md"),
                    "---\ntitle: Supervision policy\nkind: document\nstatus: current\nreviewed: 2014-08-01\nsupports: [rec-1]\n---\nThe policy.\n",
                );
            }),
        ),
        (
            "its action now overdue",
            Box::new(|r| edit(r, "actions/act-1.md", "due: 2014-12", "due: 2014-08")),
        ),
        (
            "and due later again",
            Box::new(|r| edit(r, "actions/act-1.md", "due: 2014-08", "due: 2014-12")),
        ),
    ];
    assert_matches_build_after(&root, &dir.path().join("output"), steps);
}

/// A small deterministic random number generator (SplitMix64): the property test below
/// must make the same edits on every run, on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// One record file of the property test's fixture: its front matter, field by field
/// (`None` leaves a field out), and its body.
#[derive(Clone)]
struct Doc {
    path: String,
    fields: Vec<(&'static str, Option<String>)>,
    body: String,
}

impl Doc {
    fn new(path: &str, fields: &[(&'static str, &str)], body: &str) -> Doc {
        Doc {
            path: path.to_string(),
            fields: fields
                .iter()
                .map(|(k, v)| (*k, (!v.is_empty()).then(|| v.to_string())))
                .collect(),
            body: body.to_string(),
        }
    }

    fn text(&self) -> String {
        let mut out = String::from("---\n");
        for (k, v) in &self.fields {
            if let Some(v) = v {
                out.push_str(&format!("{k}: {v}\n"));
            }
        }
        out.push_str("---\n");
        out.push_str(&self.body);
        out
    }

    fn set(&mut self, key: &'static str, value: Option<String>) {
        match self.fields.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.fields.push((key, value)),
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.as_deref())
    }

    fn kind(&self) -> &str {
        self.path.split('/').next().unwrap_or("")
    }
}

/// Adds or removes `id` from a `[a, b]` list field, never leaving it empty.
fn toggle_in_list(doc: &mut Doc, key: &'static str, id: &str) -> String {
    let now = doc.get(key).unwrap_or("[]");
    let mut items: Vec<String> = now
        .trim_matches(|c| c == '[' || c == ']')
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let what = if let Some(at) = items.iter().position(|i| i == id) {
        if items.len() == 1 {
            return format!("{} keeps {key}: {id}", doc.path);
        }
        items.remove(at);
        "removed from"
    } else {
        items.push(id.to_string());
        "added to"
    };
    doc.set(key, Some(format!("[{}]", items.join(", "))));
    format!("{id} {what} {}'s {key}", doc.path)
}

/// The property test's fixture: every linking type, evidence with and without
/// attachments, and a timeline and narrative page that name records.
fn random_fixture() -> (Vec<(String, String)>, Vec<Doc>) {
    let plain = vec![
        (
            "site.yaml".to_string(),
            "title: Property test\norganisation: Test Council\nas_of: 2014-09-30\nsite_audience: inspector\naudiences:\n  inspector: { title: Inspectors }\n".to_string(),
        ),
        (
            "plans/plan-1.md".to_string(),
            "---\ntitle: Improvement plan\nstatus: active\nobjectives:\n  - id: obj-1\n    title: Better practice\n    description: Answers [[rec-1]].\n  - id: obj-2\n    title: Better records\n---\nThe plan, after [[rev-1]].\n".to_string(),
        ),
        (
            "timeline/events.yaml".to_string(),
            "records:\n  - id: evt-1\n    title: Inspection published\n    date: 2014-03-10\n    refs: [rec-1, rev-1]\n  - id: evt-2\n    title: Monitoring visit\n    date: 2014-11-02\n    refs: [rec-2]\n".to_string(),
        ),
        (
            "pages/about.md".to_string(),
            "---\ntitle: About this site\norder: 1\n---\nAbout [[plan-1]] and [[act-2]].\n".to_string(),
        ),
        ("evidence/files/report-1.txt".to_string(), "Report one.\n".to_string()),
        ("evidence/files/report-2.txt".to_string(), "Report two.\n".to_string()),
    ];
    let mut docs = vec![
        Doc::new(
            "reviews/rev-1.md",
            &[
                ("title", "Inspection 2014"),
                ("kind", "inspection"),
                ("date", "2014-03"),
                ("status", "published"),
            ],
            "The inspection.\n",
        ),
        Doc::new(
            "reviews/rev-2.md",
            &[
                ("title", "Peer review"),
                ("kind", "review"),
                ("date", "2014-05"),
                ("status", "published"),
            ],
            "A peer review.\n",
        ),
    ];
    for (n, source) in [(1, "rev-1"), (2, "rev-2"), (3, "rev-1")] {
        docs.push(Doc::new(
            &format!("recommendations/rec-{n}.md"),
            &[
                ("title", &format!("Recommendation {n}")),
                ("source", source),
                ("status", "open"),
                ("due", ""),
            ],
            &format!("Recommendation {n}, see [[act-{n}]].\n"),
        ));
    }
    for (n, objective, addresses) in [
        (1, "obj-1", "[rec-1]"),
        (2, "obj-1", "[rec-2]"),
        (3, "obj-2", "[rec-3, rec-1]"),
        (4, "obj-2", "[rec-2]"),
    ] {
        docs.push(Doc::new(
            &format!("actions/act-{n}.md"),
            &[
                ("title", &format!("Action {n}")),
                ("plan", "plan-1"),
                ("objective", objective),
                ("addresses", addresses),
                ("due", "2014-12"),
                ("status", "in-progress"),
                ("audience", ""),
            ],
            &format!("Action {n}.\n"),
        ));
    }
    for (n, supports, file) in [
        (1, "[act-1]", "evidence/files/report-1.txt"),
        (2, "[rec-1]", ""),
        (3, "[act-3, rec-2]", "evidence/files/report-2.txt"),
        (4, "[act-4]", ""),
    ] {
        docs.push(Doc::new(
            &format!("evidence/ev-{n}.md"),
            &[
                ("title", &format!("Evidence {n}")),
                ("kind", "audit"),
                ("status", "current"),
                ("reviewed", "2014-06-01"),
                ("supports", supports),
                ("file", file),
                ("audience", ""),
            ],
            &format!("Evidence {n}, about [[rec-{}]].\n", 1 + n % 3),
        ));
    }
    (plain, docs)
}

/// Makes one random edit to `docs` (and perhaps an attachment under `root`'s files);
/// returns the index of the changed doc (if any) and what was done.
fn random_edit(
    rng: &mut Rng,
    docs: &mut [Doc],
    files: &mut Vec<(String, String)>,
) -> (Option<usize>, String) {
    let i = rng.below(docs.len());
    let doc = &mut docs[i];
    let kind = doc.kind().to_string();
    let what = match (rng.below(7), kind.as_str()) {
        (0, "recommendations") => {
            let s = rng.pick(&[
                "open",
                "in-progress",
                "met",
                "partially-met",
                "not-met",
                "superseded",
            ]);
            doc.set("status", Some(s.into()));
            format!("{} status {s}", doc.path)
        }
        (0, "actions") => {
            let s = rng.pick(&[
                "not-started",
                "in-progress",
                "complete",
                "blocked",
                "cancelled",
            ]);
            doc.set("status", Some(s.into()));
            doc.set(
                "completed",
                (s == "complete").then(|| "2014-09-01".to_string()),
            );
            format!("{} status {s}", doc.path)
        }
        (0, "evidence") => {
            let s = rng.pick(&["current", "draft", "superseded", "withdrawn"]);
            doc.set("status", Some(s.into()));
            format!("{} status {s}", doc.path)
        }
        (1, "recommendations" | "actions") => {
            let due = rng.pick(&["", "2014-04", "2014-08", "2014-09-30", "2014-10", "2015-03"]);
            doc.set("due", (!due.is_empty()).then(|| due.to_string()));
            format!("{} due {due:?}", doc.path)
        }
        (2, "actions") => {
            let rec = rng.pick(&["rec-1", "rec-2", "rec-3"]);
            toggle_in_list(doc, "addresses", rec)
        }
        (2, "evidence") => {
            let target = rng.pick(&["act-1", "act-2", "act-3", "act-4", "rec-1", "rec-3"]);
            toggle_in_list(doc, "supports", target)
        }
        (3, "actions" | "evidence" | "recommendations") => {
            let a = rng.pick(&["", "[internal]", "[inspector]"]);
            doc.set("audience", (!a.is_empty()).then(|| a.to_string()));
            format!("{} audience {a:?}", doc.path)
        }
        (4, "evidence") => {
            let d = rng.pick(&[
                "2012-01-10",
                "2013-06-01",
                "2014-02-28",
                "2014-06-01",
                "2014-09-15",
            ]);
            doc.set("reviewed", Some(d.into()));
            let e = rng.pick(&["", "2014-07-01", "2015-01-01"]);
            doc.set("expires", (!e.is_empty()).then(|| e.to_string()));
            format!("{} reviewed {d}, expires {e:?}", doc.path)
        }
        (5, "evidence") => {
            let f = rng.pick(&[
                "",
                "evidence/files/report-1.txt",
                "evidence/files/report-2.txt",
            ]);
            doc.set("file", (!f.is_empty()).then(|| f.to_string()));
            format!("{} file {f:?}", doc.path)
        }
        (5, _) => {
            let n = 1 + rng.below(2);
            let text = format!("Report {n}, version {}.\n", rng.below(1000));
            let path = format!("evidence/files/report-{n}.txt");
            files.push((path.clone(), text));
            return (None, format!("{path} rewritten"));
        }
        _ => {
            let t = format!("Title {}", rng.below(1000));
            doc.set("title", Some(t.clone()));
            format!("{} title {t}", doc.path)
        }
    };
    (Some(i), what)
}

/// For random edits of a fixture (statuses, due dates, links added and removed,
/// audiences, evidence dates, attachments), every page serve shows equals the page a
/// fresh `build` writes, byte for byte. The seed is fixed; `ASSURE_PROPERTY_SEED` and
/// `ASSURE_PROPERTY_EDITS` choose others (the failure message names the edits made).
#[test]
fn random_edits_keep_every_served_page_equal_to_a_fresh_build() {
    let seed = std::env::var("ASSURE_PROPERTY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_206_u64);
    let edits: usize = std::env::var("ASSURE_PROPERTY_EDITS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path().join("content");
    let (plain, mut docs) = random_fixture();
    for (path, text) in &plain {
        write(&root.join(path), text);
    }
    for d in &docs {
        write(&root.join(&d.path), &d.text());
    }
    let mut rng = Rng(seed);
    let mut steps: Vec<Step> = vec![("start", Box::new(|_| {}))];
    let mut made = Vec::new();
    for n in 0..edits {
        // Two edits at once now and then: a save burst.
        let mut writes: Vec<(String, String)> = Vec::new();
        let mut whats = Vec::new();
        for _ in 0..1 + usize::from(n % 5 == 4) {
            let mut files = Vec::new();
            let (changed, what) = random_edit(&mut rng, &mut docs, &mut files);
            if let Some(i) = changed {
                writes.push((docs[i].path.clone(), docs[i].text()));
            }
            writes.extend(files);
            whats.push(what);
        }
        let what = format!("edit {} (seed {seed}): {}", n + 1, whats.join("; "));
        made.push(what.clone());
        let what: &'static str =
            Box::leak(format!("{what}\nedits so far:\n{}", made.join("\n")).into_boxed_str());
        steps.push((
            what,
            Box::new(move |r| {
                for (path, text) in &writes {
                    write(&r.join(path), text);
                }
            }),
        ));
    }
    let started = Instant::now();
    assert_matches_build_after(&root, &dir.path().join("output"), steps);
    eprintln!(
        "{edits} random edits (seed {seed}): every served page matched the build, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[cfg(unix)]
#[test]
fn stops_cleanly_on_sigint() {
    let (_dir, root) = content();
    let mut server = Server::start(&root);
    let killed = Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            break status;
        }
        assert!(start.elapsed() < DEADLINE, "serve did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "exit status {status}");
    let start = Instant::now();
    while !server.stderr().contains("stopped") {
        assert!(
            start.elapsed() < DEADLINE,
            "no `stopped` message: {}",
            server.stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_taken_port_is_a_usage_failure() {
    let (_dir, root) = content();
    let taken = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("a free port");
    let port = taken.local_addr().expect("address").port();
    let out = Command::new(env!("CARGO_BIN_EXE_assure"))
        .args(["serve", "--port", &port.to_string(), "--content"])
        .arg(&root)
        .output()
        .expect("assure runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen"));
}

/// Undoes the page's escaping and `<code>` of a message, to compare it with `check`'s.
fn page_text(html: &str) -> String {
    html.replace("<code>", "`")
        .replace("</code>", "`")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[test]
fn content_that_never_built_gets_the_styled_problems_page_with_checks_diagnostics() {
    let (_dir, root) = content();
    // Errors from the start (and the warnings `check` gives beside them).
    edit(
        &root,
        "actions/act-1.md",
        "addresses: [rec-1]",
        "addresses: [rec-99]",
    );
    write(
        &root.join("pages/broken.md"),
        "---\ntitle: Broken & <b>bold</b>\nrelated: [plan-1\n---\n",
    );
    write(
        &root.join("evidence/ev-3.md"),
        "---\ntitle: Old note\nstatus: current\nreviewed: 2010-01-01\n---\n",
    );
    let server = Server::start(&root);

    let page = server.get("/");
    assert_eq!(page.status, 503, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains("<h1>The site is not built yet</h1>"),
        "{html}"
    );
    assert!(!html.contains("Page not found") && !html.contains("Go to the dashboard"));
    assert!(html.contains("<link rel=\"stylesheet\" href=\"/__assure/serve.css\">"));
    let css = server.get("/__assure/serve.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("Content-Type"), Some("text/css; charset=utf-8"));
    assert!(css.text().contains(".serve-problems"));
    // Any other address shows the same page while there is no site.
    assert!(server
        .get("/actions/act-1.html")
        .text()
        .contains("The site is not built yet"));

    // The same diagnostics as `check`, with paths inside the content folder.
    let check = Command::new(env!("CARGO_BIN_EXE_assure"))
        .args(["check", "--format", "json", "--content"])
        .arg(&root)
        .output()
        .expect("assure check runs");
    let prefix = format!("{}/", root.display());
    let mut expected: Vec<(String, String, String)> = String::from_utf8_lossy(&check.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON");
            let path = v["path"].as_str().unwrap_or_default();
            (
                format!(
                    "{}:{}:{}",
                    path.strip_prefix(&prefix).unwrap_or(path),
                    v["line"],
                    v["column"]
                ),
                v["code"].as_str().unwrap_or_default().to_string(),
                v["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(expected.iter().any(|(_, code, _)| code.starts_with('W')));
    assert!(expected.iter().any(|(_, code, _)| code == "E001"));
    let item = regex::Regex::new(
        r#"<li><span class="serve-where">([^<]*)</span> <span class="serve-code">([^<]*)</span> <span class="serve-message">(.*?)</span>(?: <a href="[^"]*">Open the page</a>)?</li>"#,
    )
    .expect("valid pattern");
    let mut shown: Vec<(String, String, String)> = item
        .captures_iter(&html)
        .map(|c| (page_text(&c[1]), c[2].to_string(), page_text(&c[3])))
        .collect();
    // Serving for the inspector, a problem in the internal note's file is counted, not
    // named (SPEC §14.6); `check` sees everything.
    let withheld = expected.len();
    expected.retain(|(at, _, _)| !at.starts_with("evidence/ev-2.md:"));
    assert_eq!(
        withheld - expected.len(),
        1,
        "check names the internal note's problem"
    );
    assert!(
        html.contains("1 problem in content withheld from <code>inspector</code>"),
        "{html}"
    );
    expected.sort();
    shown.sort();
    assert_eq!(
        shown, expected,
        "the page lists what `check` lists, less what is withheld:\n{html}"
    );
    // Messages are text: the author's `<b>` is escaped, never markup.
    assert!(!html.contains("<b>bold"), "{html}");

    // Fixed: the site is served.
    edit(
        &root,
        "actions/act-1.md",
        "addresses: [rec-99]",
        "addresses: [rec-1]",
    );
    std::fs::remove_file(root.join("pages/broken.md")).expect("remove");
    let page = server.wait_for("/", "turned into the dashboard", |r| r.status == 200);
    assert!(!page.text().contains("not built yet"));
}

#[test]
fn overlay_problems_carry_content_paths_plain_text_and_the_page() {
    let (_dir, root) = content();
    let server = Server::start(&root);
    let mut events = server.events();
    let (data, problems) = break_a_link(&root, &mut events);
    let first = &problems[0];
    assert_eq!(first["file"], "actions/act-1.md", "{data}");
    assert_eq!(first["page"], "actions/act-1.html", "{data}");
    assert_eq!(first["severity"], "error", "{data}");
    assert!(
        first["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("unknown ID `rec-99`")),
        "{data}"
    );
    // The absolute folder given with --content appears in `path` only, as `check` prints it.
    assert!(!first["text"]
        .as_str()
        .unwrap_or_default()
        .contains(&*root.to_string_lossy()));
}

/// SPEC §14.8: the problem overlay shows warnings as well as errors, also when the site
/// builds (before, a site with only warnings sent open pages an empty list). Serving the
/// inspector, a warning in the internal note's file is counted, never named (§14.6).
#[test]
fn warnings_show_over_pages_of_a_site_that_builds() {
    let (_dir, root) = content();
    // A warning the inspector may see (W106), and one in a record withheld from them.
    edit(
        &root,
        "actions/act-1.md",
        "status: in-progress",
        "status: in-progress\nownr: Head of Service",
    );
    edit(
        &root,
        "evidence/ev-2.md",
        "status: current",
        "status: current\nreviewd: 2014-06-02",
    );
    let server = Server::start(&root);
    let page = server.wait_for("/actions/act-1.html", "the site built", |r| r.status == 200);
    assert!(page.text().contains("Train supervisors"));
    let mut events = EventStream::open(server.port);
    // The problems a page hears of first, when it opens.
    let data = events.first.clone();
    let problems: Vec<serde_json::Value> = serde_json::from_str(&data).expect("problems are JSON");
    let ownr = problems
        .iter()
        .find(|p| p["text"].as_str().is_some_and(|t| t.contains("`ownr`")))
        .unwrap_or_else(|| panic!("the W106 warning is listed: {data}"));
    assert_eq!(ownr["severity"], "warning", "{data}");
    assert_eq!(ownr["code"], "W106", "{data}");
    assert_eq!(ownr["file"], "actions/act-1.md", "{data}");
    assert_eq!(ownr["page"], "actions/act-1.html", "{data}");
    assert!(
        problems.iter().all(|p| p["severity"] == "warning"),
        "a site that builds has no errors to show: {data}"
    );
    // The audience wall: the internal note's warnings (W110, W106) are counted, not named.
    for marker in ["ev-2", "QZXWITHHELD", "reviewd"] {
        assert!(
            !data.contains(marker),
            "the overlay names `{marker}`: {data}"
        );
    }
    assert!(
        data.contains("2 problems in content withheld from `inspector`"),
        "{data}"
    );

    // A new warning, made while serving, reaches open pages too; fixing it takes it away.
    edit(&root, "actions/act-1.md", "ownr:", "owner:");
    edit(
        &root,
        "recommendations/rec-1.md",
        "status: open",
        "status: open\nprioriti: high",
    );
    let (_, data) = events.next_where("the new warning", |e, d| {
        e == "problems" && d.contains("prioriti") && !d.contains("ownr")
    });
    assert!(data.contains("\"severity\":\"warning\""), "{data}");
    // Served pages have the fixes: the owner is read now.
    let page = server.wait_for("/actions/act-1.html", "the owner shown", |r| {
        r.text().contains("Head of Service")
    });
    assert_eq!(page.status, 200);
}

/// The overlay in headless Chromium (`tests/browser/overlay-check.js`): a site that
/// builds shows its warnings, Hide leaves a button and keeps the same list hidden on the
/// next page, an error shows above the warnings, and axe-core finds nothing in it.
#[test]
fn the_overlay_shows_warnings_in_chromium() {
    let (_dir, root) = content();
    edit(
        &root,
        "actions/act-1.md",
        "status: in-progress",
        "status: in-progress\nownr: Head of Service",
    );
    let server = Server::start(&root);
    server.wait_for("/pages/about.html", "the site built", |r| r.status == 200);
    let action = root.join("actions/act-1.md");
    browser_check(
        &server,
        "overlay-check.js",
        &[
            action.as_os_str(),
            "addresses: [rec-1]".as_ref(),
            "addresses: [rec-99]".as_ref(),
            "ownr".as_ref(),
        ],
        "ok   the overlay shows warnings as well as errors",
    );
}

/// A stand-in browser: a script that records the address it is asked to open, found by
/// the browser-opening library through `$BROWSER` as a desktop's browser would be.
#[cfg(unix)]
fn recording_browser(dir: &Path) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("browser.sh");
    let opened = dir.join("opened.txt");
    write(
        &script,
        &format!("#!/bin/sh\necho \"$1\" >> '{}'\n", opened.display()),
    );
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (script, opened)
}

/// `assure` alone where `content/` is: serves it and opens the browser at it.
#[cfg(unix)]
#[test]
fn assure_alone_serves_the_content_here_and_opens_the_browser() {
    let (dir, _root) = content();
    let (script, opened) = recording_browser(dir.path());
    let mut command = Command::new(env!("CARGO_BIN_EXE_assure"));
    command
        .current_dir(dir.path())
        .env("BROWSER", &script)
        .env_remove("ASSURE_NO_BROWSER");
    let server = Server::run(command);
    let home = server.wait_for("/", "answered", |r| r.status == 200);
    assert!(home.text().contains("Serve test"), "{}", home.text());
    // Opened for editing: the address carries the run's token (SPEC §14.8, §14.11).
    let url = format!("http://127.0.0.1:{}/?token=", server.port);
    let start = Instant::now();
    loop {
        let got = std::fs::read_to_string(&opened).unwrap_or_default();
        if got
            .lines()
            .any(|l| l.starts_with(&url) && l.len() > url.len() + 16)
        {
            break;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the browser was not opened at {url}: {got:?}\n{}",
            server.stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `ASSURE_NO_BROWSER` keeps the browser shut; `assure serve` never opens one.
#[cfg(unix)]
#[test]
fn no_browser_opens_when_asked_not_to_or_for_serve() {
    let (dir, root) = content();
    let (script, opened) = recording_browser(dir.path());
    let mut alone = Command::new(env!("CARGO_BIN_EXE_assure"));
    alone
        .current_dir(dir.path())
        .env("BROWSER", &script)
        .env("ASSURE_NO_BROWSER", "1");
    let mut serve = Command::new(env!("CARGO_BIN_EXE_assure"));
    serve
        .args(["serve", "--port", "0", "--content"])
        .arg(&root)
        .env("BROWSER", &script)
        .env_remove("ASSURE_NO_BROWSER");
    for command in [alone, serve] {
        let server = Server::run(command);
        server.wait_for("/", "answered", |r| r.status == 200);
        // Opening follows the address line at once: give it time to happen, if it would.
        std::thread::sleep(Duration::from_millis(500));
        assert!(
            !opened.exists(),
            "a browser was opened\n{}",
            server.stderr()
        );
    }
}
