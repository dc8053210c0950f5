//! Bounded, and never destructive (SPEC §14.7), tried as an attacker or an unlucky
//! user would: `build --output` and `pack` into folders Assure did not make, a reader
//! that goes away, escape sequences in what is printed, `import` through a symbolic
//! link, `lock` on a block scalar, and `serve` out of file descriptors. (Hostile
//! workbooks are in `spreadsheets.rs`, hostile baselines in `changes.rs`.)

use crate::common;

use common::{assure, crate_root, Run};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A starter content folder (it checks cleanly), written by `assure init`.
fn starter() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let content = dir.path().join("content");
    assure(
        &[&"init" as &dyn AsRef<std::ffi::OsStr>, &content],
        &crate_root(),
    )
    .assert_exit(0);
    (dir, content)
}

fn run(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Run {
    assure(args, &crate_root())
}

/// Every file under `dir` with its bytes, to tell that nothing changed.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    common::files(dir)
        .into_iter()
        .map(|rel| {
            let bytes = std::fs::read(dir.join(&rel)).unwrap_or_default();
            (rel, bytes)
        })
        .collect()
}

/// Folders `build` must not replace: each gets exit 2 naming it, and stays as it was.
#[test]
fn build_and_pack_refuse_a_folder_assure_did_not_make() {
    let (tmp, content) = starter();
    let cases: [(&str, &[(&str, &str)]); 4] = [
        // A web app's folder: its manifest.json is not Assure's.
        (
            "webapp",
            &[
                (
                    "manifest.json",
                    r#"{"name": "My app", "icons": [], "files": {}}"#,
                ),
                ("index.html", "<h1>my app</h1>"),
            ],
        ),
        // Files and no manifest at all.
        (
            "home",
            &[("notes.txt", "my notes"), ("photos/cat.jpg", "jpeg")],
        ),
        // A manifest that names Assure but lists no hashes.
        (
            "fake",
            &[
                (
                    "manifest.json",
                    r#"{"generator": "Assure", "files": {"a": "b"}}"#,
                ),
                ("a", "x"),
            ],
        ),
        // An output Assure wrote, with the user's own file put beside it (below).
        ("output-plus", &[]),
    ];
    for (name, files) in cases {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for (rel, text) in files {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        if name == "output-plus" {
            run(&[
                &"build",
                &"--content",
                &content,
                &"--output",
                &dir,
                &"--no-pdf",
            ])
            .assert_exit(0);
            std::fs::write(dir.join("my-report.docx"), "mine").unwrap();
        }
        let before = snapshot(&dir);
        for command in ["build", "pack"] {
            let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&command];
            if command == "pack" {
                args.push(&"inspection-pack");
            }
            args.extend([
                &"--content" as &dyn AsRef<std::ffi::OsStr>,
                &content,
                &"--output",
                &dir,
            ]);
            let r = run(&args);
            r.assert_exit(2);
            assert!(
                r.stderr.contains("was not made by assure")
                    && r.stderr.contains(&dir.display().to_string()),
                "{command} into {name}: {}",
                r.stderr
            );
            assert_eq!(snapshot(&dir), before, "{command} changed {name}");
        }
    }
    // An output Assure wrote is replaced; so is an empty folder.
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    for _ in 0..2 {
        run(&[
            &"build",
            &"--content",
            &content,
            &"--output",
            &empty,
            &"--no-pdf",
        ])
        .assert_exit(0);
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(empty.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["generator"], "Assure");
}

/// `assure check | head -1`: the reader goes away, the command ends quietly.
#[test]
fn a_closed_standard_output_ends_a_command_quietly() {
    let (_tmp, content) = starter();
    std::fs::write(
        content.join("actions/act-02.md"),
        "---\ntitle: Broken\nstatus: nonsense\naddresses: [missing-1, missing-2]\n---\n",
    )
    .unwrap();
    for args in [vec!["check", "--content"], vec!["status", "--content"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_assure"))
            .args(&args)
            .arg(&content)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("assure starts");
        // The reader is gone before anything is printed.
        drop(child.stdout.take());
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{args:?}: {stderr}"
        );
        assert!(
            matches!(status.code(), Some(0 | 1)),
            "{args:?} ended {status}: {stderr}"
        );
    }
}

/// Escape sequences in a record and in an imported sheet never reach the terminal.
#[test]
fn control_characters_are_never_printed() {
    let (_tmp, content) = starter();
    let hostile = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\u{202e}";
    std::fs::write(
        content.join("actions/act-02.md"),
        format!("---\ntitle: \"T{hostile}\"\nstatus: \"x{hostile}\"\naddresses: [\"no-such{hostile}\"]\n---\n"),
    )
    .unwrap();
    let csv = content.parent().unwrap().join("tracker.csv");
    std::fs::write(
        &csv,
        format!("Ref,Action{hostile},Owner\n1,Do it{hostile},Head of QA{hostile}\n"),
    )
    .unwrap();
    for r in [
        run(&[&"check", &"--content", &content]),
        run(&[
            &"import",
            &csv,
            &"--type",
            &"action",
            &"--dry-run",
            &"--content",
            &content,
        ]),
    ] {
        assert!(
            r.stdout.contains("owned") || r.stderr.contains("owned"),
            "the text itself is shown: {}{}",
            r.stdout,
            r.stderr
        );
        for c in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
            assert!(
                !r.stdout.contains(c) && !r.stderr.contains(c),
                "{:?} printed by `{}`",
                c,
                r.command
            );
        }
    }
}

/// A type folder that is a symbolic link to elsewhere: nothing is written through it.
#[test]
fn import_never_writes_through_a_symbolic_link() {
    let (tmp, content) = starter();
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::remove_dir_all(content.join("actions")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, content.join("actions")).unwrap();
    let csv = tmp.path().join("tracker.csv");
    std::fs::write(&csv, "Ref,Action,Owner\n1,Do it,Head of QA\n").unwrap();
    let r = run(&[
        &"import",
        &csv,
        &"--type",
        &"action",
        &"--content",
        &content,
    ]);
    r.assert_exit(2);
    assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
    assert!(
        common::files(&elsewhere).is_empty(),
        "written outside the content folder"
    );
}

/// `lock` on evidence whose `file:` is a folded block scalar: the hash is added after
/// the whole value, and the record still says the same file.
#[test]
fn lock_keeps_a_block_scalar_whole() {
    let (_tmp, content) = starter();
    let ev = content.join("evidence/ev-01.md");
    let text = std::fs::read_to_string(&ev).unwrap().replace(
        "file: evidence/files/supervision-audit.txt\n",
        "file: >-\n  evidence/files/supervision-audit.txt\n",
    );
    std::fs::write(&ev, &text).unwrap();
    run(&[&"check", &"--content", &content]).assert_exit(0);
    let r = run(&[&"lock", &"ev-01", &"--content", &content]);
    r.assert_exit(0);
    let locked = std::fs::read_to_string(&ev).unwrap();
    assert!(
        locked.contains("file: >-\n  evidence/files/supervision-audit.txt\nsha256: "),
        "{locked}"
    );
    let r = run(&[&"check", &"--content", &content]);
    r.assert_exit(0);
    assert!(!r.stdout.contains("E0"), "{}", r.stdout);
}

/// Runs `assure serve` with at most `files` open file descriptors; returns it and its port.
fn serve_with_few_descriptors(
    content: &Path,
    files: u64,
) -> (std::process::Child, u16, std::thread::JoinHandle<String>) {
    use std::io::BufRead;
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_assure"));
    cmd.args(["serve", "--port", "0", "--content"])
        .arg(content)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: only setrlimit, which is async-signal-safe, runs between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: files,
                rlim_max: files,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("assure serve starts");
    let mut err = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    (child, port, stderr)
}

fn get(port: u16) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

/// Running out of file descriptors stops `serve` accepting for a moment, not for good.
#[test]
fn serve_keeps_listening_after_running_out_of_file_descriptors() {
    let (_tmp, content) = starter();
    let (mut child, port, stderr) = serve_with_few_descriptors(&content, 64);
    assert!(get(port).is_some_and(|r| r.starts_with("HTTP/1.1 200")));
    // Far more connections than descriptors: the server's `accept` fails.
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let held: Vec<_> = (0..200)
        .filter_map(|_| {
            std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)).ok()
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    drop(held);
    let start = Instant::now();
    let answered = loop {
        if let Some(r) = get(port).filter(|r| r.starts_with("HTTP/1.1 200")) {
            break Some(r);
        }
        if start.elapsed() > Duration::from_secs(20) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = child.kill();
    let _ = child.wait();
    let stderr = stderr.join().unwrap_or_default();
    assert!(
        answered.is_some(),
        "serve stopped answering for good:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("listening again"), "{stderr}");
}
