//! Helpers for the `assure check` integration tests: running the binary with a time
//! limit while measuring its peak memory, parsing its diagnostics, and building content
//! folders in temporary directories.

#![allow(dead_code)] // each test file uses a different subset

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// How long any one run may take before it counts as a hang.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The most memory any one run may use.
pub const MAX_RSS_KIB: u64 = 1024 * 1024;

/// The readiness date every test content folder fixes, so no result depends on today.
pub const AS_OF: &str = "2014-09-30";

/// The crate root, where `content/` and `tests/fixtures/` live.
pub fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Exited(i32),
    Signalled,
    TimedOut,
}

/// The result of one run of `assure`.
#[derive(Debug)]
pub struct Run {
    pub end: End,
    pub stdout: String,
    pub stderr: String,
    /// Peak resident memory of the process, when it could be measured.
    pub peak_rss_kib: Option<u64>,
    pub elapsed: Duration,
    /// The command line, for failure messages.
    pub command: String,
}

impl Run {
    /// Problems with how the run ended: a hang, a signal, a panic or a usage/I/O failure.
    pub fn ending_problems(&self) -> Vec<String> {
        self.ending_problems_allowing(&[0, 1])
    }

    /// Problems with how the run ended, accepting these exit codes.
    fn ending_problems_allowing(&self, codes: &[i32]) -> Vec<String> {
        let mut problems = Vec::new();
        match self.end {
            End::TimedOut => problems.push(format!(
                "`{}` did not finish within {} s (killed)",
                self.command,
                TIMEOUT.as_secs()
            )),
            End::Signalled => problems.push(format!("`{}` was killed by a signal", self.command)),
            End::Exited(101) => problems.push(format!("`{}` panicked (exit 101)", self.command)),
            End::Exited(n) if codes.contains(&n) => {}
            End::Exited(n) => problems.push(format!("`{}` exited with {n}", self.command)),
        }
        if self.stderr.contains("panicked") {
            problems.push(format!("`{}` panicked: {}", self.command, self.stderr));
        }
        problems
    }

    /// Asserts the run finished by itself with exit code 0 or 1.
    pub fn assert_finished(&self) {
        let problems = self.ending_problems();
        assert!(
            problems.is_empty(),
            "{}\nstderr:\n{}",
            problems.join("\n"),
            self.stderr
        );
    }

    /// Asserts the run finished with exactly this exit code.
    pub fn assert_exit(&self, code: i32) {
        let problems = self.ending_problems_allowing(&[code]);
        assert!(
            problems.is_empty(),
            "{}\nstderr:\n{}",
            problems.join("\n"),
            self.stderr
        );
        assert_eq!(
            self.end,
            End::Exited(code),
            "`{}`: wrong exit code\nstdout:\n{}\nstderr:\n{}",
            self.command,
            truncate(&self.stdout, 4000),
            self.stderr
        );
    }

    /// Asserts the run used less than [`MAX_RSS_KIB`].
    pub fn assert_bounded_memory(&self) {
        if std::env::var_os("ASSURE_TEST_SHOW_RSS").is_some() {
            eprintln!(
                "{}: peak {:?} KiB in {:?}",
                self.command, self.peak_rss_kib, self.elapsed
            );
        }
        let Some(peak) = self.peak_rss_kib else {
            // Without GNU time, a run that ends before /proc is first sampled has no
            // reading; with it, a missing reading is a failure of the harness.
            assert!(
                gnu_time().is_none() && self.elapsed < std::time::Duration::from_secs(1),
                "peak memory of `{}` could not be measured",
                self.command
            );
            return;
        };
        assert!(
            peak < MAX_RSS_KIB,
            "`{}` used {peak} KiB of memory at its peak (limit {MAX_RSS_KIB} KiB)",
            self.command
        );
    }

    /// The diagnostics printed on stdout (human format).
    pub fn diagnostics(&self) -> Vec<Diag> {
        self.stdout.lines().filter_map(Diag::parse).collect()
    }
}

/// Shortens long output in failure messages.
pub fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], text.len())
}

fn gnu_time() -> Option<&'static Path> {
    static FOUND: OnceLock<Option<&'static Path>> = OnceLock::new();
    *FOUND.get_or_init(|| {
        let path = Path::new("/usr/bin/time");
        let output = Command::new(path).arg("--version").output().ok()?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        text.contains("GNU").then_some(path)
    })
}

/// Peak resident memory of a running process, from /proc (Linux).
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn read_all(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        buf
    })
}

/// Runs `assure` with `args` in `cwd`, killing it after [`TIMEOUT`]. Peak memory comes
/// from GNU `time` when installed (exact), else from polling /proc/<pid>/status.
pub fn assure<S: AsRef<std::ffi::OsStr>>(args: &[S], cwd: &Path) -> Run {
    assure_with_timeout(args, cwd, TIMEOUT)
}

/// [`assure`] with a time limit of its own.
pub fn assure_with_timeout<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    cwd: &Path,
    timeout: Duration,
) -> Run {
    use std::os::unix::process::{CommandExt, ExitStatusExt};

    let bin = env!("CARGO_BIN_EXE_assure");
    let command = std::iter::once("assure".to_string())
        .chain(
            args.iter()
                .map(|a| a.as_ref().to_string_lossy().into_owned()),
        )
        .collect::<Vec<_>>()
        .join(" ");
    let rss_file = tempfile::NamedTempFile::new().expect("temporary file");
    let time = gnu_time();
    let mut cmd = match time {
        Some(time) => {
            let mut c = Command::new(time);
            c.arg("-f")
                .arg("%M")
                .arg("-o")
                .arg(rss_file.path())
                .arg(bin);
            c
        }
        None => Command::new(bin),
    };
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a hung run is killed together with `time`.
        .process_group(0);
    let start = Instant::now();
    let mut child = cmd.spawn().expect("cannot start assure");
    let stdout = read_all(child.stdout.take().expect("piped stdout"));
    let stderr = read_all(child.stderr.take().expect("piped stderr"));
    let mut polled_hwm: Option<u64> = None;
    let (status, timed_out) = loop {
        if let Some(status) = child.try_wait().expect("waiting for assure") {
            break (status, false);
        }
        if time.is_none() {
            if let Some(hwm) = vm_hwm_kib(child.id()) {
                polled_hwm = Some(polled_hwm.map_or(hwm, |p| p.max(hwm)));
            }
        }
        if start.elapsed() > timeout {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            break (child.wait().expect("waiting for assure"), true);
        }
        thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&stdout.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();

    let (end, peak_rss_kib) = if timed_out {
        (End::TimedOut, None)
    } else if time.is_some() {
        // GNU time exits with the command's code, or 128 + signal, and writes
        // "Command terminated by signal N" before the format when there was one.
        let report = std::fs::read_to_string(rss_file.path()).unwrap_or_default();
        let peak = report.lines().last().and_then(|l| l.trim().parse().ok());
        let end = if report.contains("terminated by signal") || status.signal().is_some() {
            End::Signalled
        } else {
            End::Exited(status.code().unwrap_or(-1))
        };
        (end, peak)
    } else {
        let end = match status.code() {
            Some(code) => End::Exited(code),
            None => End::Signalled,
        };
        (end, polled_hwm)
    };
    Run {
        end,
        stdout,
        stderr,
        peak_rss_kib,
        elapsed,
        command,
    }
}

/// One diagnostic in the human format `path:line:col: severity[CODE]: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diag {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub severity: String,
    pub code: String,
    pub message: String,
}

impl Diag {
    pub fn parse(line: &str) -> Option<Diag> {
        static RE: OnceLock<regex::Regex> = OnceLock::new();
        let re = RE.get_or_init(|| {
            regex::Regex::new(r"^(.+?):(\d+):(\d+): (error|warning)\[([EW]\d{3})\]: (.*)$")
                .expect("valid pattern")
        });
        let c = re.captures(line)?;
        Some(Diag {
            path: c[1].to_string(),
            line: c[2].parse().ok()?,
            column: c[3].parse().ok()?,
            severity: c[4].to_string(),
            code: c[5].to_string(),
            message: c[6].to_string(),
        })
    }

    /// The human line again.
    pub fn human(&self) -> String {
        format!(
            "{}:{}:{}: {}[{}]: {}",
            self.path, self.line, self.column, self.severity, self.code, self.message
        )
    }
}

/// A content folder built at run time in a temporary directory.
pub struct TempContent {
    pub dir: tempfile::TempDir,
}

impl TempContent {
    /// A content folder with a valid `site.yaml` whose `as_of` is [`AS_OF`].
    pub fn new() -> TempContent {
        let c = TempContent {
            dir: tempfile::tempdir().expect("temporary folder"),
        };
        c.write(
            "site.yaml",
            format!(
                "title: Test site\norganisation: Example Council\nas_of: {AS_OF}\naudiences:\n  inspector: {{ title: Ofsted inspection team }}\n"
            ),
        );
        c
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating its folders) inside the content folder.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("create folder");
        std::fs::write(&path, bytes).expect("write file");
        path
    }

    /// Creates a symbolic link at `rel` (inside the content folder) pointing at `target`.
    pub fn symlink(&self, target: impl AsRef<Path>, rel: &str) {
        let link = self.root().join(rel);
        std::fs::create_dir_all(link.parent().expect("a parent folder")).expect("create folder");
        std::os::unix::fs::symlink(target, link).expect("create symbolic link");
    }

    /// Runs `assure check --content <this folder>` plus extra arguments.
    pub fn check(&self, extra: &[&str]) -> Run {
        let mut args: Vec<std::ffi::OsString> = vec!["check".into(), "--content".into()];
        args.push(self.root().as_os_str().to_owned());
        args.extend(extra.iter().map(Into::into));
        assure(&args, &crate_root())
    }

    /// The diagnostics of a run, with paths made relative to this content folder.
    pub fn diagnostics(&self, run: &Run) -> Vec<Diag> {
        let prefix = format!("{}/", self.root().display());
        run.diagnostics()
            .into_iter()
            .map(|mut d| {
                if let Some(rest) = d.path.strip_prefix(&prefix) {
                    d.path = rest.to_string();
                }
                d
            })
            .collect()
    }

    /// Asserts a diagnostic with this path, code and line was printed.
    pub fn assert_diag(&self, run: &Run, path: &str, code: &str, line: u32) -> Diag {
        let diags = self.diagnostics(run);
        diags
            .iter()
            .find(|d| d.path == path && d.code == code && d.line == line)
            .cloned()
            .unwrap_or_else(|| {
                panic!(
                    "expected {code} at {path} line {line}; got:\n{}",
                    truncate(
                        &diags.iter().map(Diag::human).collect::<Vec<_>>().join("\n"),
                        4000
                    )
                )
            })
    }
}

/// Every file under `dir`, as sorted `/`-separated relative paths.
pub fn files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("read a folder")
            .map(|e| e.expect("a folder entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).expect("inside the folder");
                out.push(
                    rel.components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/"),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

/// `%XX` escapes decoded (invalid ones kept as written).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What `assure status --format json` says of `content` for `audience`: the figures
/// every output must show (read from it, never fixed in a test, as the demo is revised).
pub fn status_json(content: &Path, audience: &str) -> serde_json::Value {
    let o = Command::new(env!("CARGO_BIN_EXE_assure"))
        .args([
            "status",
            "--format",
            "json",
            "--audience",
            audience,
            "--content",
        ])
        .arg(content)
        .output()
        .expect("run assure status");
    serde_json::from_slice(&o.stdout).expect("status --format json parses")
}

/// A command-line tool the PDF tests read packs with; a missing one fails the test with
/// what to install, never skips it.
pub fn tool(name: &str) -> Command {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "`{name}` is needed for the PDF tests (Debian: poppler-utils, qpdf); .ci/run installs it"
    );
    Command::new(name)
}

/// Every file under a folder, recursively, in path order.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Puts `pack` (for `audience`) beside the packs of the output `dir`: a build writes only
/// its own audience's packs (SPEC §14.6), so the pack comes from a build of `content`
/// for its audience, made beside `dir` and removed again.
pub fn add_pack_built_for(content: &Path, dir: &Path, audience: &str, pack: &str) {
    let other = dir.with_extension(audience);
    let _ = std::fs::remove_dir_all(&other);
    let o = Command::new(env!("CARGO_BIN_EXE_assure"))
        .args(["build", "--audience", audience, "--content"])
        .arg(content)
        .arg("--output")
        .arg(&other)
        .output()
        .expect("run assure");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let name = format!("pdf/{pack}.pdf");
    std::fs::copy(other.join(&name), dir.join(&name)).expect("copy the pack");
    let _ = std::fs::remove_dir_all(&other);
}

/// Runs `node tests/browser/<script> <site>`; panics with its report unless it passes.
pub fn browser(script: &str, site: &Path) -> String {
    browser_with(script, site, &[])
}

/// [`browser`] with more arguments after the site folder.
pub fn browser_with(script: &str, site: &Path, more: &[&Path]) -> String {
    let dir = crate_root().join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").is_dir()
            && dir.join("node_modules/axe-core").is_dir(),
        "the browser tests need their npm packages: run `npm ci` in tests/browser (.ci/run does)"
    );
    let run = Command::new("node")
        .arg(dir.join(script))
        .arg(site)
        .args(more)
        .output()
        .expect("Node.js (`node`) must be installed to run the browser tests");
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        run.status.success(),
        "{script} failed ({}):\n{stdout}\n{}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    stdout
}
