//! Changes since a baseline (SPEC §13.5), on the fixture `tests/fixtures/changes/`: the
//! same content as it stood on 31 March 2014 (`before/`) and on 30 September 2014
//! (`after/`), written by its `_make.sh`. `before` is built, then `after` with
//! `--since` the first; the changes page, the pack section (read back with `pdftotext`)
//! and `assure diff --format json` must list exactly the changes worked out by hand
//! below, grouped by recommendation.
//!
//! Audience safety: `act-5` is visible to the inspector before and withheld after,
//! `rec-4` is withheld in both, `ev-6` is new and withheld; none of them (their IDs or
//! the `ZQWITHHELD…` markers in their titles) may reach any byte of the inspector
//! build. Baselines for another audience, truncated ones and unknown formats are
//! refused with exit 2 and a message that says what to do.

use crate::common;

use common::tool;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn fixture(state: &str) -> PathBuf {
    common::crate_root()
        .join("tests/fixtures/changes")
        .join(state)
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("changes-tests")
        .join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("remove an old test output");
    }
    std::fs::create_dir_all(dir.parent().expect("parent")).expect("mkdir");
    dir
}

fn assure(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_assure"));
    for a in args {
        c.arg(a);
    }
    c.output().expect("run assure")
}

fn ok(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `assure build` of `after/` into `out`, `--since` each of `since` in turn.
fn build_after(out: &Path, since: &[&Path]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_assure"));
    c.arg("build")
        .arg("--content")
        .arg(fixture("after"))
        .arg("--output")
        .arg(out);
    for s in since {
        c.arg("--since").arg(s);
    }
    c.output().expect("run assure")
}

/// `before` built (inspector, with its pack), then `after` built `--since` it.
struct Built {
    before: PathBuf,
    after: PathBuf,
}

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let before = scratch("before");
        let after = scratch("after");
        ok(
            assure(&[
                &"build",
                &"--content",
                &fixture("before"),
                &"--output",
                &before,
            ]),
            "building before/",
        );
        ok(
            build_after(&after, &[&before]),
            "building after/ --since before",
        );
        Built { before, after }
    })
}

/// The expected changes, by hand: (recommendation heading the group, or "" for "not
/// tied to a recommendation"; then each change as (kind, record ID)), in the order
/// shown. Readiness: 2 of 3 then (rec-4 is withheld), 3 of 4 now.
fn expected() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            "rec-1",
            vec![
                ("status-changed", "rec-1"), // in progress → met
                ("newly-expired", "ev-3"),   // expired 30 June 2014
                ("completed", "act-1"),      // completed 20 May 2014
            ],
        ),
        (
            "rec-2",
            vec![
                ("status-changed", "act-2"),  // not started → in progress
                ("evidence-added", "ev-5"),   // supports rec-2 and rec-7
                ("evidence-changed", "ev-4"), // its file was edited after sign-off
                ("newly-stale", "ev-2"),      // reviewed June 2013, through act-2
                ("newly-overdue", "act-3"),   // due August 2014
                ("due-moved", "act-2"),       // June 2014 → December 2014
            ],
        ),
        ("rec-6", vec![("added", "rec-6")]),
        (
            "rec-7",
            vec![("added", "rec-7"), ("evidence-added", "ev-5")],
        ),
        // Gone from the content, with the action that answered it.
        ("rec-3", vec![("removed", "act-4"), ("removed", "rec-3")]),
        ("", vec![("added", "about")]),
    ]
}

/// The words each kind is shown in (the site and the packs alike).
fn heading(kind: &str) -> &'static str {
    match kind {
        "status-changed" => "Status changed",
        "added" => "Added",
        "removed" => "Removed",
        "evidence-added" => "Evidence added",
        "evidence-changed" => "Evidence changed since sign-off",
        "newly-stale" => "Evidence now stale",
        "newly-expired" => "Evidence now expired",
        "completed" => "Action completed",
        "newly-overdue" => "Action now overdue",
        "due-moved" => "Due date moved",
        other => panic!("no heading for {other}"),
    }
}

type Groups = Vec<(String, Vec<(String, String)>)>;

fn expected_shown() -> Groups {
    expected()
        .into_iter()
        .map(|(g, items)| {
            (
                g.to_string(),
                items
                    .into_iter()
                    .map(|(k, id)| (heading(k).to_string(), id.to_string()))
                    .collect(),
            )
        })
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The groups of `changes.html`: each section's recommendation ID (or "") and its
/// items as (kind heading, record ID).
fn page_groups(html: &str) -> Groups {
    let id = regex::Regex::new(r#"<span class="id">([^<]*)</span>"#).unwrap();
    let tag = regex::Regex::new(r#"<strong class="tag tag-[a-z]+">([^<]*)</strong>"#).unwrap();
    html.split(r#"<section class="change-group""#)
        .skip(1)
        .map(|section| {
            let section = section.split("</section>").next().unwrap_or(section);
            let (head, rest) = section.split_once("</h2>").expect("a group heading");
            let rec = if head.contains("Not tied to a recommendation") {
                String::new()
            } else {
                unescape(&id.captures(head).expect("the recommendation's ID")[1])
            };
            let items = rest
                .split("<li>")
                .skip(1)
                .map(|li| {
                    let li = li.split("</li>").next().unwrap_or(li);
                    (
                        unescape(&tag.captures(li).expect("a kind")[1]),
                        unescape(&id.captures(li).expect("an ID")[1]),
                    )
                })
                .collect();
            (rec, items)
        })
        .collect()
}

fn pdf_text(pdf: &Path) -> String {
    let out = tool("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The groups of the pack section, from its text: "Title (ID)" headings, then
/// "• Kind: Title (ID…" bullets.
fn pack_groups(text: &str) -> Groups {
    // The section starts at its heading, after the contents page lists it.
    let start = text
        .match_indices("Changes since 31 March 2014")
        .map(|(i, _)| i)
        .find(|&i| {
            text[i..]
                .lines()
                .next()
                .is_some_and(|l| l.trim() == "Changes since 31 March 2014")
        })
        .expect("the changes section");
    let section = &text[start..];
    let head = regex::Regex::new(r"^(?:.+) \(([a-z0-9-]+)(?:, removed)?\)$").unwrap();
    let bullet = regex::Regex::new(r"^• ([^:]+): .*?\(([a-z0-9-]+)[,)]").unwrap();
    let mut groups: Groups = Vec::new();
    for line in section.lines().map(str::trim) {
        if line == "Not tied to a recommendation" {
            groups.push((String::new(), Vec::new()));
        } else if let Some(c) = bullet.captures(line) {
            let last = groups.last_mut().expect("a bullet under a heading");
            last.1.push((c[1].to_string(), c[2].to_string()));
        } else if let Some(c) = head.captures(line) {
            groups.push((c[1].to_string(), Vec::new()));
        }
    }
    groups
}

#[test]
fn the_changes_page_lists_exactly_the_changes_by_recommendation() {
    let b = built();
    let html = std::fs::read_to_string(b.after.join("site/changes.html")).expect("changes.html");
    assert_eq!(page_groups(&html), expected_shown());
    assert!(
        html.contains("<h1>Changes since 31 March 2014</h1>"),
        "{html}"
    );
    // Readiness then and now, both figures each (SPEC §14.3): only rec-1 is met, and
    // only after the baseline.
    assert!(
        html.contains(">0 of 3 (0.0 %)<") && html.contains(">2 of 3 (66.6 %)<"),
        "{html}"
    );
    assert!(
        html.contains(">1 of 4 (25.0 %)<") && html.contains(">3 of 4 (75.0 %)<"),
        "{html}"
    );
    assert!(
        html.contains("In progress → Met"),
        "rec-1's status, old → new"
    );
    assert!(
        html.contains("June 2014 → December 2014 (later)"),
        "act-2's due date"
    );
    // Linked from every page's navigation and from the dashboard.
    let index = std::fs::read_to_string(b.after.join("site/index.html")).expect("index.html");
    assert!(
        index.contains(r#"href="changes.html""#),
        "the dashboard links the changes page"
    );
    assert!(
        index.contains("Since 31 March 2014"),
        "the dashboard's summary of the changes"
    );
    let record = std::fs::read_to_string(b.after.join("site/recommendations/rec-1.html")).unwrap();
    assert!(
        record.contains(r#"href="../changes.html""#),
        "the navigation links it"
    );
    // One baseline: then and now say it all, no chart over time.
    assert!(!index.contains("Readiness over time"));
}

#[test]
fn the_pack_section_lists_the_same_changes() {
    let b = built();
    let text = pdf_text(&b.after.join("pdf/inspector-pack.pdf"));
    assert_eq!(pack_groups(&text), expected_shown(), "{text}");
    // The readiness sentence wraps in its table cell: read it with the spacing undone.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("0 of 3 recommendations met and evidenced (0.0 %); 2 of 3 have current evidence (66.6 %), 31 March 2014"),
        "{text}"
    );
    assert!(
        text.contains("1 of 4 recommendations met and evidenced (25.0 %); 3 of 4 have current evidence (75.0 %), 30 September 2014"),
        "{text}"
    );
}

#[test]
fn diff_json_lists_the_same_changes() {
    let b = built();
    let out = ok(
        assure(&[
            &"diff",
            &b.before,
            &b.after.join("data/records.json"),
            &"--format",
            &"json",
        ]),
        "assure diff",
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let groups: Groups = v["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            (
                g["recommendation"]["id"].as_str().unwrap_or("").to_string(),
                g["changes"]
                    .as_array()
                    .expect("changes")
                    .iter()
                    .map(|c| {
                        (
                            c["kind"].as_str().unwrap().to_string(),
                            c["id"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    // Two files alone cannot tell a deleted record from one withheld since: `act-5`
    // (withheld from the inspector now) is "removed" here, never in the build.
    let mut want: Groups = expected()
        .into_iter()
        .map(|(g, items)| {
            let items = items
                .into_iter()
                .map(|(k, id)| (k.to_string(), id.to_string()))
                .collect();
            (g.to_string(), items)
        })
        .collect();
    let rec1 = &mut want[0].1;
    rec1.insert(1, ("removed".into(), "act-5".into()));
    assert_eq!(groups, want);
    assert_eq!(v["since"]["evidenced"], 2);
    assert_eq!(v["since"]["counted"], 3);
    assert_eq!(v["now"]["evidenced"], 3);
    assert_eq!(v["now"]["counted"], 4);
    assert_eq!(v["now"]["percent"], 75.0);
    let moved = &v["groups"][1]["changes"][5];
    assert_eq!(
        (
            moved["from"].as_str(),
            moved["to"].as_str(),
            moved["direction"].as_str()
        ),
        (Some("2014-06"), Some("2014-12"), Some("later"))
    );
    let total = v["total"].as_u64().unwrap();
    assert_eq!(total, 15, "14 in the build, and act-5");
}

/// Every file under `dir`, with its bytes.
fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).expect("read");
                out.push((p, bytes));
            }
        }
    }
    out
}

#[test]
fn records_withheld_in_either_version_never_reach_the_inspector_build() {
    let b = built();
    // The baseline does hold act-5 (it was visible then): leaving it out is the build's.
    let base = std::fs::read_to_string(b.before.join("data/records.json")).unwrap();
    assert!(base.contains("ZQWITHHELDNOW") && base.contains("\"act-5\""));
    let markers = ["ZQWITHHELD", "act-5", "rec-4", "ev-6"];
    let mut pdfs = Vec::new();
    for (path, bytes) in all_files(&b.after) {
        let text = String::from_utf8_lossy(&bytes).to_lowercase();
        for m in markers {
            assert!(
                !text.contains(&m.to_lowercase()),
                "`{m}` is in {}",
                path.display()
            );
        }
        if path.extension().is_some_and(|e| e == "pdf") {
            pdfs.push(path);
        }
    }
    assert!(!pdfs.is_empty());
    for pdf in pdfs {
        let text = pdf_text(&pdf).to_lowercase();
        let squeezed: String = text.split_whitespace().collect();
        for m in markers {
            let m = m.to_lowercase();
            assert!(
                !text.contains(&m) && !squeezed.contains(&m),
                "`{m}` in {}",
                pdf.display()
            );
        }
    }
}

/// A copy of `before`'s records.json, changed by `edit`, and the build of `after`
/// `--since` it: it must fail with exit 2, write nothing, and say `says`.
fn refused(name: &str, edit: impl Fn(&[u8]) -> Vec<u8>, says: &[&str]) {
    let b = built();
    let dir = scratch(name);
    std::fs::create_dir_all(&dir).unwrap();
    let baseline = dir.join("records.json");
    let bytes = std::fs::read(b.before.join("data/records.json")).unwrap();
    std::fs::write(&baseline, edit(&bytes)).unwrap();
    let out_dir = dir.join("output");
    let out = build_after(&out_dir, &[&baseline]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
    for s in says {
        assert!(stderr.contains(s), "{name}: no `{s}` in: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out_dir.exists(), "{name}: nothing is written");
    // `diff` refuses it alike.
    let out = assure(&[&"diff", &baseline, &b.after]);
    assert_eq!(out.status.code(), Some(2), "diff, {name}");
}

#[test]
fn a_baseline_whose_figures_do_not_add_up_is_refused() {
    refused(
        "figures",
        |b| {
            let mut doc: serde_json::Value = serde_json::from_slice(b).unwrap();
            let counted = doc["readiness"]["counted"].as_u64().unwrap();
            doc["readiness"]["evidenced"] = serde_json::json!(counted + 9);
            serde_json::to_vec_pretty(&doc).unwrap()
        },
        &["does not add up", "more evidenced than counted"],
    );
    refused(
        "counted",
        |b| {
            let mut doc: serde_json::Value = serde_json::from_slice(b).unwrap();
            doc["readiness"]["evidenced"] = serde_json::json!(0);
            doc["readiness"]["counted"] = serde_json::json!(1000);
            serde_json::to_vec_pretty(&doc).unwrap()
        },
        &["does not add up", "0 of 1000"],
    );
}

/// A named pipe as a baseline (no writer will ever come): refused at once, not waited on.
#[test]
fn a_named_pipe_as_a_baseline_is_refused_at_once() {
    let dir = scratch("fifo");
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("records.json");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let out_dir = dir.join("output");
    let after = fixture("after");
    let args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
        &"build",
        &"--content",
        &after,
        &"--output",
        &out_dir,
        &"--since",
        &fifo,
    ];
    let run = common::assure_with_timeout(
        &args,
        &common::crate_root(),
        std::time::Duration::from_secs(20),
    );
    run.assert_exit(2);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
    assert!(!out_dir.exists(), "nothing is written");
}

#[test]
fn a_truncated_baseline_is_refused() {
    refused(
        "truncated",
        |b| b[..b.len() / 2].to_vec(),
        &["is cut short", "copy the whole `data/records.json` again"],
    );
}

#[test]
fn an_unknown_format_is_refused() {
    refused(
        "format",
        |b| {
            String::from_utf8_lossy(b)
                .replace("\"format_version\": 2", "\"format_version\": 99")
                .into_bytes()
        },
        &["records.json format 99", "reads formats 1 to 2", "or later"],
    );
}

#[test]
fn a_baseline_for_another_audience_is_refused() {
    let b = built();
    let public = scratch("public-before");
    ok(
        assure(&[
            &"build",
            &"--content",
            &fixture("before"),
            &"--output",
            &public,
            &"--audience",
            &"public",
            &"--no-pdf",
        ]),
        "building before/ for the public",
    );
    let out_dir = scratch("public-after");
    let out = build_after(&out_dir, &[&public]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("built for the audience `public`")
            && stderr.contains("is for `inspector`")
            && stderr.contains("--audience inspector"),
        "{stderr}"
    );
    assert!(!out_dir.exists());
    let out = assure(&[&"diff", &public, &b.after]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn baselines_in_site_yaml_are_used_without_since_and_several_draw_readiness_over_time() {
    let b = built();
    // A copy of after/ with the baseline inside it, as `_baselines/`.
    let content = scratch("with-baselines");
    copy_dir(&fixture("after"), &content);
    std::fs::create_dir_all(content.join("_baselines")).unwrap();
    std::fs::copy(
        b.before.join("data/records.json"),
        content.join("_baselines/2014-03-31.json"),
    )
    .unwrap();
    let yaml = std::fs::read_to_string(content.join("site.yaml")).unwrap();
    std::fs::write(
        content.join("site.yaml"),
        format!("{yaml}baselines:\n  - _baselines/2014-03-31.json\n"),
    )
    .unwrap();
    let out = scratch("with-baselines-out");
    ok(
        assure(&[&"build", &"--content", &content, &"--output", &out]),
        "building with site.yaml baselines",
    );
    assert_eq!(
        std::fs::read(out.join("site/changes.html")).unwrap(),
        std::fs::read(b.after.join("site/changes.html")).unwrap(),
        "the same page as with --since"
    );
    // site.yaml's baselines serve their own audience: a build for another shows no
    // changes (an explicit `--since` for another audience is refused, above).
    let public = scratch("with-baselines-public");
    ok(
        assure(&[
            &"build",
            &"--content",
            &content,
            &"--output",
            &public,
            &"--audience",
            &"public",
        ]),
        "building for the public with the inspector's baselines in site.yaml",
    );
    assert!(!public.join("site/changes.html").exists());
    let index = std::fs::read_to_string(public.join("site/index.html")).unwrap();
    assert!(!index.contains("changes.html"));
    // Two baselines (oldest first): the dashboard and the pack show readiness at each.
    let two = scratch("two-baselines");
    ok(
        build_after(&two, &[&b.before, &b.before.join("data/records.json")]),
        "building with two baselines",
    );
    let index = std::fs::read_to_string(two.join("site/index.html")).unwrap();
    assert!(
        index.contains("Readiness over time") && index.contains("<svg"),
        "{index}"
    );
    let text = pdf_text(&two.join("pdf/inspector-pack.pdf"));
    assert!(text.contains("Readiness over time"), "{text}");
    // Out of order is refused.
    let out = build_after(&scratch("out-of-order"), &[&b.after, &b.before]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("oldest first"));
}

#[test]
fn a_baseline_path_outside_the_content_folder_is_e008() {
    let content = scratch("outside");
    copy_dir(&fixture("after"), &content);
    let yaml = std::fs::read_to_string(content.join("site.yaml")).unwrap();
    std::fs::write(
        content.join("site.yaml"),
        format!("{yaml}baselines:\n  - ../before/data/records.json\n  - _baselines/missing.json\n"),
    )
    .unwrap();
    let out = assure(&[&"check", &"--content", &content]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().filter(|l| l.contains("E008")).collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].contains("site.yaml:17:5") && lines[0].contains("outside"),
        "{stdout}"
    );
    assert!(
        lines[1].contains("site.yaml:18:5") && lines[1].contains("does not exist"),
        "{stdout}"
    );
}

#[test]
fn a_snapshot_of_the_view_is_what_records_json_reads_back_as() {
    use assure::changes::Snapshot;
    let checked = assure::pipeline::check(&fixture("after"), None).unwrap();
    let a = assure::pipeline::analysed(&checked, "inspector");
    let theme = assure::render::theme::Theme::load(None).unwrap();
    let b = assure::render::Build::new(&a, checked.as_of, &theme, &checked.hashes);
    let bytes = assure::render::data::records_json(&b);
    let read = Snapshot::parse(&bytes, "records.json").unwrap();
    let made = Snapshot::from_view(a.site(), &a.analysis, "inspector", checked.as_of);
    assert_eq!(read, made);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// The build's summary counts every page it writes, `changes.html` included (it said
/// one fewer once).
#[test]
fn the_build_summary_counts_the_changes_page() {
    let out = scratch("count");
    let run = ok(
        build_after(&out, &[&built().before]),
        "building after/ --since before",
    );
    let summary = String::from_utf8_lossy(&run.stdout).to_string();
    fn html_files(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .expect("read the site")
            .flatten()
            .map(|e| e.path())
            .map(|p| {
                if p.is_dir() {
                    html_files(&p)
                } else {
                    usize::from(p.extension().is_some_and(|x| x == "html"))
                }
            })
            .sum()
    }
    let written = html_files(&out.join("site"));
    assert!(out.join("site/changes.html").is_file());
    assert!(
        summary.contains(&format!("built {written} pages into")),
        "{written} HTML files written; the summary says:\n{summary}"
    );
}

/// Runs `assure diff FILE FILE` with at most 1 GiB of address space; returns its exit
/// code (`None` when a signal ended it) and what it printed on stderr.
fn diff_in_one_gibibyte(file: &Path) -> (Option<i32>, String) {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_assure"));
    cmd.arg("diff").arg(file).arg(file);
    // SAFETY: only setrlimit, which is async-signal-safe, runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 1 << 30,
                rlim_max: 1 << 30,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().expect("assure diff runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Hostile baselines of 32 MB, each shaped to cost the most memory per byte: a list of
/// tiny link objects (read as a JSON tree, it took 85 times its size: 2.7 GB), millions
/// of tiny records, and the most links the limits allow. Each is read within 1 GiB,
/// refused with a message or compared.
#[test]
fn a_hostile_baseline_is_read_in_bounded_memory() {
    let dir = scratch("memory");
    std::fs::create_dir_all(&dir).unwrap();
    const SIZE: usize = 32 << 20;
    let head = r#"{"format_version":2,"as_of":"2014-03-31","audience":"inspector","readiness":{"evidenced":0,"counted":0},"records":["#;
    let write = |name: &str, record: &dyn Fn(usize) -> String| {
        let mut text = String::from(head);
        let mut i = 0;
        while text.len() < SIZE {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&record(i));
            i += 1;
        }
        text.push_str("]}");
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let tiny_links = write("links.json", &|_| {
        let links = vec![r#"{"a":1}"#; SIZE / 8].join(",");
        format!(r#"{{"id":"r","type":"action","derived":{{}},"addresses":[{links}]}}"#)
    });
    let tiny_records = write("records.json", &|i| {
        format!(r#"{{"id":"r{i}","type":"action","derived":{{}}}}"#)
    });
    let most_links = write("most.json", &|i| {
        let links = vec![r#"{"id":"x"}"#; 10_000].join(",");
        format!(
            r#"{{"id":"r{i}","type":"action","derived":{{}},"addresses":[{links}],"supports":[{links}]}}"#
        )
    });
    for (file, expected) in [
        (&tiny_links, "lists more than 10000 links"),
        (&tiny_records, "lists more than 100000 records"),
    ] {
        let (code, stderr) = diff_in_one_gibibyte(file);
        assert_eq!(code, Some(2), "{}: {stderr}", file.display());
        assert!(stderr.contains(expected), "{}: {stderr}", file.display());
    }
    let (code, stderr) = diff_in_one_gibibyte(&most_links);
    assert_eq!(code, Some(0), "{stderr}");
}
