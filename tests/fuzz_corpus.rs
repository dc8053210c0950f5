//! The fuzz targets' committed inputs, replayed as ordinary tests: every seed in
//! `fuzz/seeds/<target>/` and every input fuzzing once crashed, hung or blew up on in
//! `tests/fuzz-regressions/<target>/`, through the same entry points the targets in
//! `fuzz/fuzz_targets/` call. This is the short smoke run of the fuzzers in CI.
//!
//! Each input must come back (no panic) within [`LIMIT`], even in a debug build.

use assure::fuzzing;
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
