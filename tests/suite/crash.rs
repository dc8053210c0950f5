//! Crash safety (SPEC §8: `build` never leaves a half-written output). `assure build`
//! and `assure pack` are killed with SIGKILL — at random moments, and at the named
//! moments of the swap that a random kill almost never hits — and after every kill the
//! output folder must be a complete output: its `manifest.json` lists exactly the files
//! present, with their SHA-256, and it is the previous build or the new one, never a
//! mix. `content/` must be byte-identical after every kill.
//!
//! The random delays come from a seeded generator; the seed is printed, and
//! `ASSURE_CRASH_SEED=N` repeats a sequence of delays.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_assure");

/// Generated evidence records (each with an attachment) added to the demo content, so
/// a build takes long enough for kills to land in every phase: checking, rendering,
/// PDFs, copying attachments, the swap, removing the previous output.
const EXTRA_EVIDENCE: usize = 150;

/// Random kills of `assure build`.
const KILLS: usize = 24;

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// xorshift64*: the same seed gives the same delays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every file under `dir` (hidden ones too), by `/`-separated relative path, with its
/// SHA-256. Symbolic links are listed by their target, never followed.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .map(|e| e.expect("directory entry"))
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            let rel = path
                .strip_prefix(base)
                .expect("inside the base")
                .to_string_lossy()
                .replace('\\', "/");
            let t = e.file_type().expect("file type");
            if t.is_dir() {
                out.insert(format!("{rel}/"), String::new());
                walk(base, &path, out);
            } else if t.is_symlink() {
                let target = std::fs::read_link(&path).expect("read link");
                out.insert(rel, format!("-> {}", target.display()));
            } else {
                out.insert(rel, sha256(&std::fs::read(&path).expect("read file")));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// `content_sha256` as SPEC §12 defines it: files whose path has no part starting with
/// `.` or `_`, as sorted lines `path\0sha256\n`.
fn content_digest(content: &Path) -> String {
    let mut h = Sha256::new();
    for (path, hash) in tree(content) {
        if path.ends_with('/') || path.split('/').any(|p| p.starts_with(['.', '_'])) {
            continue;
        }
        h.update(path.as_bytes());
        h.update([0u8]);
        h.update(hash.as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks that `out` is one complete output: a `manifest.json` listing exactly the other
/// files, each with its SHA-256. Returns the manifest's text and its `content_sha256`.
fn verify_output(out: &Path) -> Result<(String, String), String> {
    if !out.is_dir() {
        return Err(format!(
            "the output folder {} does not exist",
            out.display()
        ));
    }
    let text = std::fs::read_to_string(out.join("manifest.json"))
        .map_err(|e| format!("no readable manifest.json: {e}"))?;
    let manifest: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("manifest.json is not JSON: {e}"))?;
    let listed: BTreeMap<String, String> = manifest["files"]
        .as_object()
        .ok_or("manifest.json has no `files`")?
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    let present: BTreeMap<String, String> = tree(out)
        .into_iter()
        .filter(|(path, _)| !path.ends_with('/') && path != "manifest.json")
        .collect();
    let mut problems = Vec::new();
    for (path, hash) in &listed {
        match present.get(path) {
            None => problems.push(format!("listed but missing: {path}")),
            Some(h) if h != hash => problems.push(format!("wrong SHA-256: {path}")),
            Some(_) => {}
        }
    }
    for path in present.keys().filter(|p| !listed.contains_key(*p)) {
        problems.push(format!("present but not listed: {path}"));
    }
    if !problems.is_empty() {
        let n = problems.len();
        problems.truncate(10);
        return Err(format!(
            "the output does not match its manifest ({n} problems):\n  {}",
            problems.join("\n  ")
        ));
    }
    let digest = manifest["content_sha256"].as_str().unwrap_or_default();
    Ok((text.clone(), digest.to_string()))
}

/// The working folders beside the output (`.output.staging-PID`, `.output.old-PID`).
fn leftovers(out: &Path) -> Vec<String> {
    let prefix = format!(".{}.", out.file_name().unwrap().to_string_lossy());
    std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix))
        .collect()
}

/// The demo content plus [`EXTRA_EVIDENCE`] generated evidence records, in `dir/content`.
fn big_content(dir: &Path) -> PathBuf {
    let content = dir.join("content");
    copy_tree(&crate_root().join("content"), &content);
    let paragraph = "The service reviewed supervision records, caseloads and audit findings \
        with partners, and agreed the next steps with the improvement board. ";
    for i in 0..EXTRA_EVIDENCE {
        let record = format!(
            "---\ntitle: Generated audit {i}\nkind: audit\nstatus: draft\ndate: 2014-05\nfile: evidence/files/gen-{i:04}.txt\n---\n\n## Audit {i}\n\n{}\n\n- one\n- two\n\n| a | b |\n|---|---|\n| {i} | x |\n",
            paragraph.repeat(6)
        );
        std::fs::write(content.join(format!("evidence/gen-{i:04}.md")), record).unwrap();
        std::fs::write(
            content.join(format!("evidence/files/gen-{i:04}.txt")),
            paragraph.repeat(40),
        )
        .unwrap();
    }
    content
}

/// A temporary folder holding a copy of the demo content, and the output path beside it.
fn demo_copy() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    copy_tree(&crate_root().join("content"), &content);
    let out = dir.path().join("output");
    (dir, content, out)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        if t.is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()));
        } else if t.is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Edits the content so the next build differs from the last everywhere: the site
/// title (on every page), one record's text, and a record added in place of another.
fn edit_content(content: &Path, revision: usize) {
    set_title(content, revision);
    let note = content.join(format!("evidence/gen-{:04}.md", revision % EXTRA_EVIDENCE));
    let mut body = std::fs::read_to_string(&note).unwrap();
    body.push_str(&format!("\nRevised in revision {revision}.\n"));
    std::fs::write(&note, body).unwrap();
    let _ = std::fs::remove_file(content.join(format!("pages/revision-{}.md", revision - 1)));
    std::fs::write(
        content.join(format!("pages/revision-{revision}.md")),
        format!("---\ntitle: Revision {revision}\n---\n\nWhat changed in revision {revision}.\n"),
    )
    .unwrap();
}

/// Sets the site title, which every page and pack cover shows.
fn set_title(content: &Path, revision: usize) {
    let site = content.join("site.yaml");
    let text = std::fs::read_to_string(&site).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let title = lines
        .iter_mut()
        .find(|l| l.starts_with("title:"))
        .expect("a title line");
    *title = format!("title: Evidence, revision {revision}");
    std::fs::write(&site, lines.join("\n") + "\n").unwrap();
}

fn start(args: &[&std::ffi::OsStr], kill_at: Option<&str>, wait: bool) -> Child {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(crate_root())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        // Read only by runs that are waited for; a killed run's would fill the pipe.
        .stderr(if kill_at.is_some() || wait {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    match kill_at {
        Some(point) => cmd.env("ASSURE_TEST_KILL_AT", point),
        None => cmd.env_remove("ASSURE_TEST_KILL_AT"),
    };
    cmd.spawn().expect("start assure")
}

/// For `internal`, whose content digest covers every content file (SPEC §14.6), as
/// [`content_digest`] computes it.
fn build_args<'a>(content: &'a Path, out: &'a Path) -> Vec<&'a std::ffi::OsStr> {
    vec![
        "build".as_ref(),
        "--audience".as_ref(),
        "internal".as_ref(),
        "--content".as_ref(),
        content.as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
    ]
}

/// Runs to the end; panics unless it succeeded.
fn complete(child: Child, what: &str) -> Duration {
    let started = Instant::now();
    let o = child.wait_with_output().expect("wait for assure");
    assert!(
        o.status.success(),
        "{what} failed: {}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    started.elapsed()
}

/// Waits for a process that is expected to kill itself at a kill point.
fn expect_killed(child: Child, point: &str) {
    use std::os::unix::process::ExitStatusExt;
    let o = child.wait_with_output().expect("wait for assure");
    assert_eq!(
        o.status.signal(),
        Some(9),
        "assure should have been killed at `{point}`, but {}: {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn killing_a_build_at_any_moment_leaves_the_old_output_or_the_new() {
    let seed = std::env::var("ASSURE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("crash test seed: {seed} (repeat with ASSURE_CRASH_SEED={seed})");
    let mut rng = Rng(seed);

    let dir = tempfile::tempdir().unwrap();
    let content = big_content(dir.path());
    let out = dir.path().join("output");
    let args = build_args(&content, &out);

    let began = Instant::now();
    complete(start(&args, None, true), "the first build");
    verify_output(&out).expect("the first build is complete");
    // A rebuild, timed: it also removes the previous output, as the runs below do.
    edit_content(&content, 1);
    let full = complete(start(&args, None, true), "the second build");
    let (mut current, _) = verify_output(&out).expect("the second build is complete");
    println!("a complete rebuild takes {full:?}");

    // Kills at the moments of the swap itself, then at random moments.
    let points = ["before-swap", "mid-swap"];
    let (mut kept_old, mut took_new) = (0, 0);
    for revision in 2..=points.len() + KILLS + 1 {
        edit_content(&content, revision);
        let before = tree(&content);
        let new_digest = content_digest(&content);
        let point = points.get(revision - 2).copied();
        let child = start(&args, point, false);
        let what = match point {
            Some(p) => {
                expect_killed(child, p);
                format!("killed at `{p}`")
            }
            None => {
                // Spread evenly over 110 % of a full build (a random moment in each
                // of KILLS equal slices), so the kills cover every phase whatever the
                // seed, and some land after the swap.
                let slice = full.as_micros() as u64 * 11 / 10 / KILLS as u64;
                let k = (revision - 2 - points.len()) as u64;
                let delay = Duration::from_micros(slice * k + rng.below(slice));
                let mut child = child;
                std::thread::sleep(delay);
                child.kill().expect("kill");
                child.wait().expect("wait");
                format!("killed after {delay:?}")
            }
        };
        let (text, digest) = verify_output(&out)
            .unwrap_or_else(|e| panic!("revision {revision}, {what} (seed {seed}): {e}"));
        let new = text != current;
        if new {
            assert_eq!(
                digest, new_digest,
                "revision {revision}, {what}: the output is neither the previous build nor the new one"
            );
        }
        match point {
            Some("before-swap") => assert!(!new, "killed before the swap, yet swapped"),
            Some(_) => assert!(new, "killed after the exchange, yet the old output"),
            None if new => took_new += 1,
            None => kept_old += 1,
        }
        current = text;
        assert_eq!(
            tree(&content),
            before,
            "revision {revision}, {what}: the build changed the content folder"
        );
    }
    println!("after {KILLS} random kills: {kept_old} kept the old output, {took_new} took the new");
    assert!(
        kept_old > 0,
        "no kill landed before the swap: kills too late to test anything"
    );

    // The next build clears what killed builds left beside the output, and completes.
    edit_content(&content, points.len() + KILLS + 2);
    complete(start(&args, None, true), "the build after the kills");
    let (_, digest) = verify_output(&out).expect("the last build is complete");
    assert_eq!(digest, content_digest(&content));
    assert_eq!(
        leftovers(&out),
        Vec::<String>::new(),
        "working folders left beside the output"
    );
    println!("crash test took {:?}", began.elapsed());
}

#[test]
fn killing_a_pack_never_leaves_pdfs_that_differ_from_the_manifest() {
    let (_dir, content, out) = demo_copy();
    complete(
        start(&build_args(&content, &out), None, true),
        "the first build",
    );
    let (first, _) = verify_output(&out).expect("the first build is complete");

    // A different title changes the content digest on every pack's cover.
    set_title(&content, 1);
    let pack_args: Vec<&std::ffi::OsStr> = vec![
        "pack".as_ref(),
        "inspection-pack".as_ref(),
        "report-to-secretary-of-state".as_ref(),
        "--content".as_ref(),
        content.as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
    ];
    for point in ["before-swap", "mid-swap"] {
        expect_killed(start(&pack_args, Some(point), true), point);
        let (text, _) =
            verify_output(&out).unwrap_or_else(|e| panic!("pack killed at `{point}`: {e}"));
        let listed: serde_json::Value = serde_json::from_str(&text).unwrap();
        let old: serde_json::Value = serde_json::from_str(&first).unwrap();
        let changed: Vec<&String> = listed["files"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, v)| old["files"][k.as_str()] != **v)
            .map(|(k, _)| k)
            .collect();
        match point {
            // Killed before the swap: the output is untouched.
            "before-swap" => assert_eq!(text, first),
            // Killed after it: both PDFs are new, nothing else changed.
            _ => assert_eq!(
                changed,
                [
                    "pdf/inspection-pack.pdf",
                    "pdf/report-to-secretary-of-state.pdf"
                ]
            ),
        }
    }
    complete(start(&pack_args, None, true), "a pack run");
    verify_output(&out).expect("the output after a complete pack run");
    assert_eq!(leftovers(&out), Vec::<String>::new());
}

/// What killed runs left beside the output is removed by the next run — but only when
/// the run that made it is gone: a folder of a live process is another build writing
/// at this moment. Other names are not ours and stay.
#[test]
fn the_next_run_removes_only_the_working_folders_of_runs_that_are_gone() {
    let (dir, content, out) = demo_copy();
    let mut live = Command::new("sleep")
        .arg("60")
        .spawn()
        .expect("start sleep");
    let mut gone = Command::new("true").spawn().expect("start true");
    gone.wait().unwrap();
    let left = |label: &str, pid: u32| dir.path().join(format!(".output.{label}-{pid}"));
    for path in [
        left("staging", gone.id()),
        left("old", gone.id()),
        left("staging", live.id()),
        dir.path().join(".output.staging-notapid"),
    ] {
        write_file(&path.join("site/index.html"), "left behind");
    }
    complete(start(&build_args(&content, &out), None, true), "a build");
    live.kill().unwrap();
    live.wait().unwrap();
    verify_output(&out).expect("a complete output");
    let mut expected = vec![
        format!(".output.staging-{}", live.id()),
        ".output.staging-notapid".to_string(),
    ];
    expected.sort();
    let mut found = leftovers(&out);
    found.sort();
    assert_eq!(found, expected);
}

fn write_file(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}
