//! The fuzz targets' committed inputs, replayed as ordinary tests: every seed in
//! `fuzz/seeds/<target>/` and every input fuzzing once crashed, hung or blew up on in
//! `tests/fuzz-regressions/<target>/`, through the same entry points the targets in
//! `fuzz/fuzz_targets/` call. This is the short smoke run of the fuzzers in CI.
//!
//! Each input must come back (no panic) within [`LIMIT`], even in a debug build.
//!
//! The `import_*` targets parse workbooks in-process, where the spreadsheet library's
//! own crashes show; `assure import` parses them in a child process with limits. So
//! their inputs are replayed through the program: exit 0, 1 or 2, never a crash,
//! within 30 s and 1 GiB (SPEC §14.7).

use crate::common;

use assure::fuzzing;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long one input may take before it counts as a hang.
const LIMIT: Duration = Duration::from_secs(60);

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        root.join("fuzz/seeds").join(target),
        root.join("tests/fuzz-regressions").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        files.extend(
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file()),
        );
    }
    files.sort();
    assert!(!files.is_empty(), "no inputs for the `{target}` target");
    files
}

/// Runs `run` on every input of `target` on its own thread, failing on a panic or an
/// input that takes longer than [`LIMIT`].
fn replay(target: &str, run: fn(Vec<u8>)) {
    for path in inputs(target) {
        let data = std::fs::read(&path).expect("read a fuzz input");
        let (tx, rx) = mpsc::channel();
        let start = Instant::now();
        let worker = std::thread::spawn(move || {
            run(data);
            let _ = tx.send(());
        });
        match rx.recv_timeout(LIMIT) {
            Ok(()) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("{} took longer than {LIMIT:?}", path.display())
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = worker.join();
                panic!("{} panicked", path.display());
            }
        }
        let _ = worker.join();
        let took = start.elapsed();
        if took > Duration::from_secs(2) {
            eprintln!("slow fuzz input: {} took {took:?}", path.display());
        }
    }
}

/// The Markdown targets take `&str`: libFuzzer skips inputs that are not UTF-8.
fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

#[test]
fn loader_corpus() {
    replay("loader", |data| {
        let _ = fuzzing::loader(&data);
    });
}

#[test]
fn markdown_corpus() {
    replay("markdown", |data| {
        if let Some(body) = text(&data) {
            let _ = fuzzing::markdown(body);
        }
    });
}

#[test]
fn pdf_layout_corpus() {
    replay("pdf_layout", |data| {
        if let Some(body) = text(&data) {
            fuzzing::pdf_layout(body).expect("the PDF is written");
        }
    });
}

#[test]
fn markdown_safety_corpus() {
    replay("markdown_safety", |data| {
        if let Some(body) = text(&data) {
            if let Err(problem) = fuzzing::markdown_safety(body) {
                panic!("{problem}");
            }
        }
    });
}

/// A starter content folder for `import` to read IDs from.
fn import_content() -> &'static Path {
    static CONTENT: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    CONTENT
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let folder = dir.path().join("c");
            common::assure(&[OsStr::new("init"), folder.as_os_str()], dir.path()).assert_exit(0);
            dir
        })
        .path()
}

/// Every input of an `import_*` target through `assure import --dry-run`.
fn replay_import(target: &str, kind: fuzzing::WorkbookKind) {
    let content = import_content().join("c");
    let scratch = tempfile::tempdir().expect("a temporary folder");
    for (i, path) in inputs(target).into_iter().enumerate() {
        let file = scratch.path().join(format!("input-{i}.{}", kind.name()));
        let data = std::fs::read(&path).expect("read a fuzz input");
        // As the target reads it (a sheet's XML is put into a workbook).
        let cut = &data[..data.len().min(fuzzing::MAX_INPUT)];
        std::fs::write(&file, fuzzing::workbook_bytes(kind, cut)).expect("write a workbook");
        let run = common::assure(
            &[
                OsStr::new("import"),
                file.as_os_str(),
                OsStr::new("--type"),
                OsStr::new("action"),
                OsStr::new("--dry-run"),
                OsStr::new("--content"),
                content.as_os_str(),
            ],
            scratch.path(),
        );
        assert!(
            matches!(run.end, common::End::Exited(0..=2)) && !run.stderr.contains("panicked"),
            "{}: {:?}\n{}",
            path.display(),
            run.end,
            run.stderr
        );
        assert!(
            run.elapsed < Duration::from_secs(30),
            "{} took {:?}",
            path.display(),
            run.elapsed
        );
        run.assert_bounded_memory();
    }
}

#[test]
fn import_xlsx_corpus() {
    replay_import("import_xlsx", fuzzing::WorkbookKind::Xlsx);
}

#[test]
fn import_xls_corpus() {
    replay_import("import_xls", fuzzing::WorkbookKind::Xls);
}

#[test]
fn import_ods_corpus() {
    replay_import("import_ods", fuzzing::WorkbookKind::Ods);
}

/// The seeds are ordinary workbooks: in-process too, as the targets run them.
#[test]
fn import_seeds_in_process() {
    for (target, kind) in [
        ("import_xlsx", fuzzing::WorkbookKind::Xlsx),
        ("import_xls", fuzzing::WorkbookKind::Xls),
        ("import_ods", fuzzing::WorkbookKind::Ods),
    ] {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/seeds")
            .join(target);
        for entry in std::fs::read_dir(root).expect("the seeds") {
            let data = std::fs::read(entry.expect("a seed").path()).expect("read a seed");
            let _ = fuzzing::import(kind, &data);
        }
    }
}
