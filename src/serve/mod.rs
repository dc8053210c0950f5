//! `assure serve`: the evidence site at `http://127.0.0.1:PORT/`, rebuilt as the author
//! edits and reloaded in open browser tabs (SPEC §8).
//!
//! The site is built into memory, never into the `build` output: `engine` keeps every
//! page compressed (a `Body`) and brings them up to date after each change; `http`
//! serves them on the loopback interface, with evidence attachments read from the
//! content folder only when a visible record references them. A watcher on the content and theme folders
//! (debounced, so an editor's save burst is one rebuild) drives the engine; open pages
//! hear about changes over Server-Sent Events through a small script added to every
//! HTML response (and only here). With content errors the last good site stays served
//! and open pages show the errors over it until they are fixed.
//!
//! Threads: the rebuild thread owns the engine and the watcher; a few workers answer
//! requests from the published `Snapshot`; each event stream has its own thread; the
//! main thread waits for Ctrl-C or SIGTERM and then stops the workers.

mod edit;
mod engine;
mod forms;
mod http;
mod listen;
mod pages;
mod partial;

use crate::date::Date;
use anyhow::{anyhow, Context, Result};
use notify_debouncer_full::notify::{RecursiveMode, Watcher};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, FileIdCache};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, RwLock};
use std::time::Duration;

/// How long the watcher waits for an editor's burst of writes to settle. Short, because
/// it is part of every rebuild's latency (20 ms was a third of an edit's at 10,000
/// records); a save split across two bursts just rebuilds twice.
const DEBOUNCE: Duration = Duration::from_millis(10);

/// Threads answering ordinary requests (event streams have their own).
const WORKERS: usize = 4;

/// What `serve` was asked to do.
pub struct ServeOptions {
    pub content: PathBuf,
    /// 0: any free port.
    pub port: u16,
    pub theme: Option<PathBuf>,
    pub audience: Option<String>,
    pub as_of: Option<Date>,
    /// Open the site in the default browser once it is served (`assure` alone).
    pub open_browser: bool,
    /// No editing in the browser (SPEC §14.8).
    pub read_only: bool,
    /// The largest request body (an upload) the editor reads, in bytes.
    pub max_upload: u64,
}

pub use edit::DEFAULT_MAX_UPLOAD;

/// One served file and the publication it last changed in.
#[derive(Clone)]
pub(crate) struct Page {
    pub body: Body,
    pub version: u64,
}

/// A served file's bytes as kept in memory: deflate-compressed, with the SHA-256 and
/// length of the bytes themselves.
///
/// Why compressed: every page of the site is held for the whole run, and uncompressed
/// they were the largest part of serve's memory: at 10,000 records (`gen_corpus`),
/// 103 MB of HTML and the 15 MB search script, of a peak of 470–500 MiB. The fastest
/// deflate level keeps them in 36 MB, and the peak fell to 360–400 MiB
/// (`scripts/bench-serve`). It costs little: a page is compressed on the thread that
/// rendered it, only when it is new or changed, and inflated (a record page is about
/// 8 KB, 20 µs) when it is requested. Why the hash: a re-rendered page is compared
/// with the served one to tell whether it changed, and comparing digests needs
/// neither side's bytes uncompressed. What it costs a save at 10,000 records, timed
/// inside the server on the loaded 2-core machine: 75–130 ms of CPU hashing the
/// ~10,300 pages and the script (SHA-256 runs at about 1.7 GB/s here) and 58–81 ms
/// compressing the changed ones, nearly all of it the search script (55 ms), spread
/// over the rendering threads of a whole rebuild of 1.2–1.6 s; the edited page is
/// served no later.
#[derive(Clone)]
pub(crate) struct Body {
    deflated: Arc<[u8]>,
    sha256: [u8; 32],
    len: usize,
}

impl Body {
    /// Compresses `bytes` for keeping.
    pub fn pack(bytes: &[u8]) -> std::io::Result<Body> {
        Body::pack_hashed(bytes, Body::digest(bytes))
    }

    /// [`Body::pack`] for bytes already hashed by [`Body::digest`].
    pub fn pack_hashed(bytes: &[u8], sha256: [u8; 32]) -> std::io::Result<Body> {
        use flate2::write::DeflateEncoder;
        let mut encoder = DeflateEncoder::new(
            Vec::with_capacity(bytes.len() / 4),
            flate2::Compression::fast(),
        );
        encoder.write_all(bytes)?;
        Ok(Body {
            deflated: Arc::from(encoder.finish()?),
            sha256,
            len: bytes.len(),
        })
    }

    /// The SHA-256 of bytes, to compare with [`Body::sha256`].
    pub fn digest(bytes: &[u8]) -> [u8; 32] {
        use sha2::Digest as _;
        sha2::Sha256::digest(bytes).into()
    }

    /// The SHA-256 of the bytes kept.
    pub fn sha256(&self) -> &[u8; 32] {
        &self.sha256
    }

    /// The bytes kept, uncompressed.
    pub fn bytes(&self) -> std::io::Result<Vec<u8>> {
        use std::io::Read as _;
        let mut out = Vec::with_capacity(self.len);
        flate2::read::DeflateDecoder::new(&self.deflated[..]).read_to_end(&mut out)?;
        Ok(out)
    }
}

/// The site as served at one moment; replaced whole by each publication.
pub(crate) struct Snapshot {
    /// By path inside the site: pages, `search-index.js`, `static/…`.
    pub pages: HashMap<String, Page>,
    /// Paths inside the content folder served under `files/` (referenced by visible
    /// records), read from disk on request.
    pub attachments: Arc<BTreeSet<String>>,
    pub content_root: PathBuf,
    /// The current errors, or the warnings of the site served, as a JSON array of
    /// [`Problem`]s.
    pub problems: Arc<str>,
}

/// Which pages a publication changed.
pub(crate) enum Changed {
    All,
    Pages(Vec<String>),
}

/// A problem shown over open pages: the fields of `assure check --format json`, and
/// for people reading it in the browser, the file inside the content folder, the
/// message with its paths inside the content folder too, and the page it concerns.
#[derive(Serialize, Deserialize, Clone)]
pub(crate) struct Problem {
    path: String,
    line: u32,
    column: u32,
    severity: String,
    code: String,
    message: String,
    /// The file inside the content folder (`actions/act-1.md`).
    #[serde(default)]
    file: String,
    /// `message` with paths inside the content folder.
    #[serde(default)]
    text: String,
    /// The site page of the record in `file`, when the served site has it.
    #[serde(default)]
    page: String,
}

impl Problem {
    /// A content problem, as `check` reports it (paths under the `--content` prefix).
    fn diagnostic(d: &crate::diagnostics::Diagnostic, prefix: &str, page: String) -> Problem {
        let severity = match d.severity() {
            crate::diagnostics::Severity::Error => "error",
            crate::diagnostics::Severity::Warning => "warning",
        };
        let path = if prefix.trim_end_matches('/').is_empty() {
            d.path.clone()
        } else {
            format!("{}/{}", prefix.trim_end_matches('/'), d.path)
        };
        Problem {
            path,
            line: d.pos.line,
            column: d.pos.col,
            severity: severity.into(),
            code: d.code.as_str().into(),
            message: d.display_message(prefix),
            file: d.path.clone(),
            text: d.display_message(""),
            page,
        }
    }

    /// A problem with the site settings that is not a diagnostic (the site audience).
    fn site(prefix: &str, message: String) -> Problem {
        let prefix = prefix.trim_end_matches('/');
        let path = if prefix.is_empty() {
            crate::config::SITE_FILE.to_string()
        } else {
            format!("{prefix}/{}", crate::config::SITE_FILE)
        };
        Problem::other(&path, message)
    }

    /// `path: message`, for the terminal.
    fn describe(&self) -> String {
        if self.path.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.path, self.message)
        }
    }

    /// A problem without a line: a theme or rendering failure.
    fn other(path: &str, message: String) -> Problem {
        Problem {
            path: path.to_string(),
            line: 0,
            column: 0,
            severity: "error".into(),
            code: String::new(),
            text: message.clone(),
            message,
            file: path.to_string(),
            page: String::new(),
        }
    }
}

/// Open event streams; each gets every message.
#[derive(Default)]
pub(crate) struct Hub {
    clients: Mutex<Vec<mpsc::Sender<Arc<str>>>>,
}

impl Hub {
    fn subscribe(&self) -> mpsc::Receiver<Arc<str>> {
        let (tx, rx) = mpsc::channel();
        if let Ok(mut clients) = self.clients.lock() {
            clients.push(tx);
        }
        rx
    }

    /// Sends one event to every open stream, forgetting closed ones.
    fn broadcast(&self, event: &str, data: &str) {
        let message: Arc<str> = sse_message(event, data).into();
        if let Ok(mut clients) = self.clients.lock() {
            clients.retain(|c| c.send(Arc::clone(&message)).is_ok());
        }
    }
}

/// One Server-Sent Event (`data` is one line of JSON).
fn sse_message(event: &str, data: &str) -> String {
    format!("event: {event}\ndata: {data}\n\n")
}

/// Problems as the JSON array open pages are sent.
fn problems_json(problems: &[Problem]) -> String {
    serde_json::to_string(problems).unwrap_or_else(|_| "[]".into())
}

/// What the rebuild thread publishes and the request threads read.
pub(crate) struct Shared {
    snapshot: RwLock<Arc<Snapshot>>,
    hub: Hub,
    /// Tells this run's page versions from another run's (after a restart every page
    /// counts as changed).
    instance: String,
    /// The browser editor's settings, set once when serving starts.
    pub(crate) editor: std::sync::OnceLock<edit::Editor>,
}

impl Shared {
    fn new(content_root: PathBuf) -> Shared {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Shared {
            snapshot: RwLock::new(Arc::new(Snapshot {
                pages: HashMap::new(),
                attachments: Arc::default(),
                content_root,
                problems: "[]".into(),
            })),
            hub: Hub::default(),
            instance: format!("{:x}{:x}", nanos & 0xffff_ffff, std::process::id()),
            editor: std::sync::OnceLock::new(),
        }
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(s) => Arc::clone(&s),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    fn replace(&self, snapshot: Snapshot) {
        match self.snapshot.write() {
            Ok(mut s) => *s = Arc::new(snapshot),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(snapshot),
        }
    }

    /// The version token of a page, as the live script reports it back.
    pub fn token(&self, page: Option<&Page>) -> String {
        match page {
            Some(p) => format!("{}-{}", self.instance, p.version),
            None => "missing".into(),
        }
    }

    /// Serves new pages with the warnings of their content (`warnings`, shown over open
    /// pages as errors are), and tells open pages which changed.
    fn publish(
        &self,
        pages: HashMap<String, Page>,
        attachments: Arc<BTreeSet<String>>,
        content_root: PathBuf,
        warnings: &[Problem],
        changed: Changed,
    ) {
        let problems = problems_json(warnings);
        let shown_before = Arc::clone(&self.snapshot().problems);
        self.replace(Snapshot {
            pages,
            attachments,
            content_root,
            problems: problems.as_str().into(),
        });
        if *shown_before != *problems {
            self.hub.broadcast("problems", &problems);
        }
        let data = match changed {
            Changed::All => Some(r#"{"all":true}"#.to_string()),
            Changed::Pages(p) if p.is_empty() => None,
            Changed::Pages(p) => Some(serde_json::json!({ "pages": p }).to_string()),
        };
        if let Some(data) = data {
            self.hub.broadcast("reload", &data);
        }
    }

    /// Keeps the pages served and shows `problems` over open pages.
    fn set_problems(&self, problems: Vec<Problem>) {
        let json = problems_json(&problems);
        let now = self.snapshot();
        self.replace(Snapshot {
            pages: now.pages.clone(),
            attachments: Arc::clone(&now.attachments),
            content_root: now.content_root.clone(),
            problems: json.as_str().into(),
        });
        self.hub.broadcast("problems", &json);
    }
}

/// Runs `assure serve` until Ctrl-C or SIGTERM. Fails (exit code 2) when the content
/// folder cannot be read, the site audience cannot be told, or the port is taken.
pub fn serve(opts: &ServeOptions) -> Result<()> {
    crate::pipeline::cache::missing_folder(&opts.content)?;
    let root = opts.content.canonicalize().with_context(|| {
        format!(
            "cannot read the content folder `{}`",
            opts.content.display()
        )
    })?;
    let shared = Arc::new(Shared::new(root.clone()));
    let mut editor = edit::Editor::new(opts.content.clone(), root, opts.read_only, opts.max_upload);
    editor.as_of = opts.as_of;
    let token = editor.token.clone();
    let _ = shared.editor.set(editor);
    // Listen first, so a taken port fails at once; requests wait until the site is built.
    let (server, port) = listen(opts.port)?;

    let mut engine = engine::Engine::new(
        engine::Settings {
            content: opts.content.clone(),
            theme: opts.theme.clone(),
            audience: opts.audience.clone(),
            as_of: opts.as_of,
        },
        Arc::clone(&shared),
    )?;
    // Watch before the first build, so that a save during it is not missed.
    let (events_tx, events_rx) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer =
        new_debouncer(DEBOUNCE, None, events_tx).context("cannot watch the content folder")?;
    let mut watched = Vec::new();
    follow(&mut debouncer, &mut watched, engine.watched())?;
    let outcome = engine.rebuild()?;
    if let Some(message) = &engine.usage_problem {
        anyhow::bail!("{message}");
    }
    report(&outcome, false);
    let failing = matches!(outcome, engine::Outcome::Problems { .. });
    // The theme folder is known now.
    follow(&mut debouncer, &mut watched, engine.watched())?;

    let stopping = Arc::new(AtomicBool::new(false));
    let workers = start_workers(&server, &shared, port);
    {
        let stopping = Arc::clone(&stopping);
        std::thread::spawn(move || {
            rebuild_on_changes(engine, debouncer, watched, &events_rx, &stopping, failing)
        });
    }

    let (stop_tx, stop_rx) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })
    .context("cannot install the Ctrl-C handler")?;

    announce(opts, port, &token);

    let _ = stop_rx.recv();
    stopping.store(true, Ordering::Relaxed);
    server.stop(workers.len());
    for w in workers {
        let _ = w.join();
    }
    crate::errln!("stopped");
    Ok(())
}

/// Listens on the loopback interface at `port` (0: any free port), returning the
/// listener and the port it got.
fn listen(port: u16) -> Result<(Arc<listen::Listener>, u16)> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
    // Accepted connections inherit it: every response leaves at once.
    socket2::SockRef::from(&listener)
        .set_nodelay(true)
        .context("cannot set TCP_NODELAY")?;
    // Kept listening for the whole run, even after running out of file descriptors.
    let server = listen::Listener::new(listener)
        .map_err(|e| anyhow!("cannot serve on 127.0.0.1:{port}: {e}"))?;
    let got = server
        .addr()
        .map(|a| a.port())
        .ok_or_else(|| anyhow!("the server has no TCP address"))?;
    Ok((server, got))
}

/// Starts the [`WORKERS`] threads that answer requests until the server is stopped.
fn start_workers(
    server: &Arc<listen::Listener>,
    shared: &Arc<Shared>,
    port: u16,
) -> Vec<std::thread::JoinHandle<()>> {
    (0..WORKERS)
        .map(|_| {
            let server = Arc::clone(server);
            let shared = Arc::clone(shared);
            std::thread::spawn(move || {
                // `recv` gives nothing once the server is stopped at shutdown.
                while let Some(rq) = server.recv() {
                    http::handle(rq, &shared, port);
                }
            })
        })
        .collect()
}

/// The rebuild thread: rebuilds after each batch of changes the watcher reports, until
/// `stopping`. It owns the watcher so it can follow a moved theme folder. `failing`:
/// the first build had problems.
fn rebuild_on_changes<W: Watcher, C: FileIdCache>(
    mut engine: engine::Engine,
    mut debouncer: Debouncer<W, C>,
    mut watched: Vec<PathBuf>,
    events_rx: &mpsc::Receiver<DebounceEventResult>,
    stopping: &AtomicBool,
    mut failing: bool,
) {
    while !stopping.load(Ordering::Relaxed) {
        let first = match events_rx.recv_timeout(Duration::from_millis(250)) {
            Ok(batch) => batch,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        let (paths, rescan) = changed_paths(first, events_rx);
        if !engine.note_changes(&paths, rescan) {
            continue;
        }
        match engine.rebuild() {
            Ok(outcome) => {
                report(&outcome, failing);
                failing = matches!(outcome, engine::Outcome::Problems { .. });
            }
            Err(e) => crate::errln!("error: {e:#}"),
        }
        // `site.yaml` may have named another theme folder.
        if let Err(e) = follow(&mut debouncer, &mut watched, engine.watched()) {
            crate::errln!("error: {e:#}");
        }
    }
}

/// The paths changed in `first` and in every batch already waiting behind it, so they
/// all go into the same rebuild (reads left out), and whether everything must be read
/// again (the watcher asked for a rescan, or lost events).
fn changed_paths(
    first: DebounceEventResult,
    events_rx: &mpsc::Receiver<DebounceEventResult>,
) -> (Vec<PathBuf>, bool) {
    let batches = std::iter::once(first).chain(events_rx.try_iter());
    let mut paths = Vec::new();
    let mut rescan = false;
    for batch in batches {
        match batch {
            Ok(events) => {
                for e in events {
                    rescan |= e.need_rescan();
                    if !matches!(e.kind, notify_debouncer_full::notify::EventKind::Access(_)) {
                        paths.extend(e.paths.iter().cloned());
                    }
                }
            }
            // The watcher lost events: read everything again.
            Err(_) => rescan = true,
        }
    }
    (paths, rescan)
}

/// Says where the site is served and opens it in the browser when asked.
fn announce(opts: &ServeOptions, port: u16, token: &str) {
    if opts.read_only {
        crate::outln!(
            "Serving {} at http://127.0.0.1:{port}/ (read-only; press Ctrl-C to stop)",
            opts.content.display()
        );
    } else {
        // The token in the address is what lets this browser edit (kept in a cookie).
        crate::outln!(
            "Serving {} at http://127.0.0.1:{port}/?token={token} (open this address to edit in the browser; press Ctrl-C to stop)",
            opts.content.display()
        );
    }
    let _ = std::io::stdout().flush();
    if opts.open_browser {
        // Opened for editing (SPEC §14.11): with the token, unless editing is off.
        let url = if opts.read_only {
            format!("http://127.0.0.1:{port}/")
        } else {
            format!("http://127.0.0.1:{port}/?token={token}")
        };
        // No browser (a server, a locked-down desktop) is no failure: the address is
        // printed above for the author to open.
        if let Err(e) = opener::open_browser(&url) {
            crate::errln!("could not open a browser ({e}); open {url} in yours");
        }
    }
}

/// Makes the watcher watch the folders `now` (and no longer those it watched before).
fn follow<W: Watcher, C: FileIdCache>(
    debouncer: &mut Debouncer<W, C>,
    watched: &mut Vec<PathBuf>,
    now: Vec<PathBuf>,
) -> Result<()> {
    for dir in watched.iter().filter(|d| !now.contains(d)) {
        let _ = debouncer.unwatch(dir);
    }
    for dir in now.iter().filter(|d| !watched.contains(d)) {
        debouncer
            .watch(dir, RecursiveMode::Recursive)
            .with_context(|| format!("cannot watch `{}`", dir.display()))?;
    }
    *watched = now;
    Ok(())
}

/// One line per rebuild in the terminal. `failing`: the previous rebuild had problems.
fn report(outcome: &engine::Outcome, failing: bool) {
    match outcome {
        engine::Outcome::Rendered {
            pages,
            first_millis,
            total_millis,
        } => {
            if *pages > 0 {
                crate::errln!(
                    "updated {pages} file{} ({first_millis} ms to the first, {total_millis} ms in all)",
                    if *pages == 1 { "" } else { "s" }
                );
            } else if failing {
                crate::errln!("fixed: the site is up to date again");
            }
        }
        engine::Outcome::Problems { errors } => crate::errln!(
            "{errors} error{}: still serving the last good site; open pages show the problems",
            if *errors == 1 { "" } else { "s" }
        ),
    }
}

/// Decodes a URL's or a posted form's `%XX` escapes and `+` spaces; `None` for what is
/// not UTF-8 or a broken escape. Shared by the routes (`http`), the editor (`edit`) and
/// its forms (`forms`).
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    let mut out = Vec::with_capacity(text.len());
    let mut it = text.bytes();
    while let Some(b) = it.next() {
        match b {
            b'%' => {
                let hi = (it.next()? as char).to_digit(16)?;
                let lo = (it.next()? as char).to_digit(16)?;
                out.push(u8::try_from(hi * 16 + lo).ok()?);
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_bytes_are_kept_and_read_back_exactly() {
        // Empty, incompressible (every byte value, not UTF-8) and a long run.
        let noise: Vec<u8> = (0..70_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for bytes in [Vec::new(), noise, vec![b'x'; 1 << 20]] {
            let body = Body::pack(&bytes).map_err(|e| e.to_string());
            let back = body.as_ref().map(|b| b.bytes().unwrap_or_default());
            assert_eq!(back.as_deref(), Ok(&bytes[..]), "{} bytes", bytes.len());
            let digest = body.map(|b| *b.sha256());
            assert_eq!(digest, Ok(Body::digest(&bytes)));
        }
        assert_ne!(Body::digest(b"a"), Body::digest(b"b"));
    }
}
