//! Parsing a workbook where the spreadsheet library cannot hurt Assure (SPEC §14.7): in
//! a child process — `assure` itself, re-run with a hidden subcommand — limited to
//! [`MEMORY_LIMIT`] of memory and [`TIME_LIMIT`] of time. Whatever the file does to the
//! library (a panic, an abort on a huge allocation, a loop that never ends) ends the
//! child, and `import` says "not a readable workbook" and exits 2.
//!
//! Why a child and not a panic guard in this process. The two were measured on the
//! hostile workbooks of `tests/fixtures/hostile-import` (issue 23): a byte-mutated
//! `.xls` makes calamine ask for terabytes (`Vec::with_capacity` fails and Rust
//! *aborts*: no `catch_unwind` sees it) or grow to 11.7 GB in small steps; an `.ods`
//! with a misspelt closing tag loops for ever inside calamine; a 1 KB `.ods` repeating
//! one row a million times takes 2.5 GB. A panic guard stops none of these, and caps
//! checked before parsing would have to foresee every way into every loop of the
//! library. A process can be killed and can have its memory limited by the system,
//! whatever the library does. The cost is one process start per import, a few
//! milliseconds beside the parse, and the cells sent back as JSON.
//!
//! Windows has no `setrlimit`: there the child has the time limit and the isolation (a
//! crash or an abort is still "not a readable workbook"), but no memory limit of its own.

use super::read::{self, Kind, Sheet, Which};
use anyhow::{anyhow, bail, Context, Result};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Reads `sheet` (default: the first visible one) of the file at `path`: through the
/// bounded reader (a regular file of at most [`read::MAX_FILE`] bytes), a CSV file
/// here, a workbook in a child process with limits. Reading a file starts here:
/// `read.rs` parses, this module contains the parse.
pub fn read(path: &Path, sheet: Option<&str>) -> Result<Sheet> {
    let bytes = crate::untrusted::read(path, "`import`", read::MAX_FILE)?;
    match read::sniff(path, &bytes)? {
        Kind::Csv => read::read_csv(path, &bytes, sheet),
        kind => parse(&path.display().to_string(), kind, bytes, sheet),
    }
}

/// Reads every sheet of the workbook at `path` (hidden ones too), through the bounded
/// reader and in the child process with limits, as `read` reads one.
pub fn read_all(path: &Path) -> Result<Vec<Sheet>> {
    let bytes = crate::untrusted::read(path, "`import`", read::MAX_FILE)?;
    match read::sniff(path, &bytes)? {
        Kind::Csv => bail!(
            "{} is a CSV file: `import --update` reads back the workbook `assure build` wrote (data/tracker.xlsx), which keeps what it needs in a hidden sheet",
            path.display()
        ),
        kind => parse_all(&path.display().to_string(), kind, bytes),
    }
}

/// The hidden subcommand the child runs (`assure __read-workbook [--all] -- KIND NAME
/// [SHEET]`).
pub const CHILD_COMMAND: &str = "__read-workbook";
/// Its flag for reading every sheet.
pub const ALL_FLAG: &str = "--all";
/// The child's address space (Unix): a tracker needs tens of megabytes.
pub const MEMORY_LIMIT: u64 = 1 << 30;
/// How long the child may take, wall clock (within SPEC's 30 s for the whole import).
pub const TIME_LIMIT: Duration = Duration::from_secs(20);
/// The most text a sheet's cells may hold together, so what the child sends back is
/// bounded too (a shared string repeated in every cell would otherwise multiply).
const MAX_TEXT: usize = 64 * 1024 * 1024;
/// The most the parent reads of the child's answer (JSON escaping can double text).
const MAX_ANSWER: u64 = 4 * MAX_TEXT as u64;

/// The child's answer on its standard output.
#[derive(serde::Serialize, serde::Deserialize)]
enum Answer {
    Sheet(Sheet),
    /// Every sheet (`--all`).
    Sheets(Vec<Sheet>),
    /// A problem the reader explained (a missing sheet, a zip bomb, a password).
    Refused(String),
}

/// Parses a workbook's bytes in a child process; `shown` names the file in messages.
pub fn parse(shown: &str, kind: Kind, bytes: Vec<u8>, sheet: Option<&str>) -> Result<Sheet> {
    match run(shown, kind, bytes, Which::One(sheet))? {
        Answer::Sheet(sheet) => Ok(sheet),
        _ => Err(anyhow!("{shown}: the workbook reader answered out of turn")),
    }
}

/// Parses every sheet of a workbook (hidden ones too) in a child process.
pub fn parse_all(shown: &str, kind: Kind, bytes: Vec<u8>) -> Result<Vec<Sheet>> {
    match run(shown, kind, bytes, Which::All)? {
        Answer::Sheets(sheets) => Ok(sheets),
        _ => Err(anyhow!("{shown}: the workbook reader answered out of turn")),
    }
}

/// Runs the child on a workbook's bytes: its answer, or why there is none.
fn run(shown: &str, kind: Kind, bytes: Vec<u8>, which: Which) -> Result<Answer> {
    let exe = std::env::current_exe()
        .context("cannot find the assure program to read the workbook with")?;
    let mut cmd = Command::new(exe);
    cmd.arg(CHILD_COMMAND);
    let sheet = match which {
        Which::All => {
            cmd.arg(ALL_FLAG);
            None
        }
        Which::One(sheet) => sheet,
    };
    // After `--`, a file or sheet name starting with `-` is not taken for an option.
    cmd.arg("--")
        .arg(kind.name())
        .arg(shown)
        .args(sheet)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .context("cannot start a process to read the workbook in")?;
    let (Some(mut stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        let _ = child.kill();
        bail!("cannot talk to the process reading the workbook");
    };
    // Three threads, so no pipe fills while another is waited on.
    let feeder = std::thread::spawn(move || {
        // A child that stops early closes the pipe: that error is not ours to report.
        let _ = stdin.write_all(&bytes);
    });
    let answer = drain(stdout, MAX_ANSWER);
    let errors = drain(stderr, 64 * 1024);
    let deadline = Instant::now() + TIME_LIMIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let _ = feeder.join();
    let answer = answer.join().unwrap_or_default();
    let errors = String::from_utf8_lossy(&errors.join().unwrap_or_default()).into_owned();
    let unreadable = |why: &str| {
        anyhow!("{shown} is not a readable workbook: {why}; open it in Excel or LibreOffice, save it again and import that")
    };
    let Some(status) = status else {
        return Err(unreadable(&format!(
            "reading it took longer than {} s (the spreadsheet reader is stuck on it)",
            TIME_LIMIT.as_secs()
        )));
    };
    match serde_json::from_slice::<Answer>(&answer) {
        Ok(Answer::Refused(message)) if status.success() => Err(anyhow!(message)),
        Ok(answer) if status.success() => Ok(answer),
        _ if errors.contains("memory allocation") => Err(unreadable(&format!(
            "the spreadsheet reader asked for more than the {} MB it may use",
            MEMORY_LIMIT / (1024 * 1024)
        ))),
        _ => Err(unreadable("the spreadsheet reader failed on it")),
    }
}

/// Reads a pipe to its end in a thread, keeping at most `limit` bytes (then it stops
/// reading, and the child's next write fails).
fn drain(pipe: impl Read + Send + 'static, limit: u64) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = pipe.take(limit).read_to_end(&mut out);
        out
    })
}

/// The child: limits itself, reads the workbook from standard input, parses it (one
/// sheet, or every sheet when `all`) and writes its `Answer` to standard output.
/// Returns the exit code.
pub fn child(kind: &str, shown: &str, sheet: Option<&str>, all: bool) -> i32 {
    limit_self();
    let Some(kind) = Kind::from_name(kind) else {
        eprintln!("unknown workbook kind `{kind}`");
        return 2;
    };
    let mut bytes = Vec::new();
    if std::io::stdin()
        .lock()
        .take(read::MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .is_err()
    {
        return 2;
    }
    let which = if all { Which::All } else { Which::One(sheet) };
    let answer = match read::parse_sheets(shown, kind, bytes, which) {
        Ok(sheets) if sheets.iter().map(text_size).sum::<usize>() > MAX_TEXT => {
            Answer::Refused(format!(
                "{shown}: its sheets hold more than {} MB of text; a tracker holds a few (refused)",
                MAX_TEXT / (1024 * 1024)
            ))
        }
        Ok(sheets) if all => Answer::Sheets(sheets),
        Ok(mut sheets) => match sheets.pop() {
            Some(sheet) => Answer::Sheet(sheet),
            None => Answer::Refused(format!("{shown} has no sheet to read")),
        },
        Err(e) => Answer::Refused(format!("{e:#}")),
    };
    let mut out = std::io::stdout().lock();
    let written = serde_json::to_writer(&mut out, &answer)
        .map_err(std::io::Error::from)
        .and_then(|_| out.flush());
    match written {
        Ok(()) => 0,
        Err(_) => 2,
    }
}

fn text_size(sheet: &Sheet) -> usize {
    sheet
        .rows
        .iter()
        .flatten()
        .map(|c| match &c.value {
            super::Value::Text(t) => t.len(),
            _ => 8,
        })
        .sum()
}

/// Limits this (child) process: its address space to [`MEMORY_LIMIT`], so a huge
/// allocation fails instead of taking the machine's memory, and its processor time,
/// so a child whose parent was killed cannot spin on for ever.
#[cfg(unix)]
fn limit_self() {
    let set = |resource, value: u64| {
        let limit = libc::rlimit {
            rlim_cur: value as libc::rlim_t,
            rlim_max: value as libc::rlim_t,
        };
        // SAFETY: `limit` is a valid rlimit that outlives the call. Lowering a limit
        // cannot fail for want of privilege; if it fails anyway the parent's time
        // limit still holds.
        unsafe { libc::setrlimit(resource, &limit) };
    };
    set(libc::RLIMIT_AS, MEMORY_LIMIT);
    set(libc::RLIMIT_CPU, TIME_LIMIT.as_secs() + 10);
}

#[cfg(not(unix))]
fn limit_self() {}
