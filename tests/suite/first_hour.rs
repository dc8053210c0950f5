//! The author's first hour (SPEC §13.6, §13.2, §12 "streams"), with the real binary in
//! temporary folders: `assure init`, `check`, `build`, `new`; the YAML mistakes authors
//! make, each with the exact diagnostic it must give; and which stream says what.

use crate::common;

use common::{assure, Diag, End, TempContent};
use std::path::Path;

/// Today as `assure` sees it (UTC), for the IDs and dates it writes.
fn today() -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .expect("`date` runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The diagnostics of `check` for one file inside `content`.
fn diagnostics_of(run: &common::Run, file: &str) -> Vec<Diag> {
    run.diagnostics()
        .into_iter()
        .filter(|d| d.path == format!("content/{file}"))
        .collect()
}

#[test]
fn init_check_build_and_new_from_nothing() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let here = dir.path();

    // Before anything: the message says how to begin.
    let none = assure(&["check"], here);
    none.assert_exit(2);
    assert!(
        none.stderr.contains("assure init") && none.stderr.contains("--content"),
        "{}",
        none.stderr
    );

    let init = assure(&["init"], here);
    init.assert_exit(0);
    assert!(init.stdout.contains("assure serve"), "{}", init.stdout);
    assert!(here.join("content/site.yaml").is_file());
    assert!(here.join("content/_README.md").is_file());

    // A starter that checks with no errors and no warnings.
    let check = assure(&["check"], here);
    check.assert_exit(0);
    assert!(
        check.diagnostics().is_empty(),
        "the starter has problems:\n{}",
        check.stdout
    );
    let summary = check.stdout.lines().last().unwrap_or_default();
    assert!(
        summary.contains("0 errors, 0 warnings")
            && summary.contains("0 of 1 recommendations met and evidenced (0.0 %); 1 of 1 have current evidence (100.0 %)"),
        "{summary}"
    );
    assert!(
        check.stderr.is_empty(),
        "check's whole report is on stdout: {}",
        check.stderr
    );

    // A second init refuses the folder now that it is not empty.
    let again = assure(&["init"], here);
    again.assert_exit(2);
    assert!(again.stderr.contains("not empty"), "{}", again.stderr);

    // The build: a site and a pack, and the summary says where they are.
    let build = assure(&["build"], here);
    build.assert_exit(0);
    assert!(here.join("output/site/index.html").is_file());
    assert!(here.join("output/pdf/inspection-pack.pdf").is_file());
    for named in ["output/site/index.html", "output/pdf/inspection-pack.pdf"] {
        assert!(build.stdout.contains(named), "{named}: {}", build.stdout);
    }
    // SPEC §14.10: the starter's inspection pack holds the inspection and the plan,
    // each in its own section, so neither reads "not in this pack".
    let pack = common::tool("pdftotext")
        .arg(here.join("output/pdf/inspection-pack.pdf"))
        .arg("-")
        .output()
        .expect("pdftotext");
    let pack = String::from_utf8_lossy(&pack.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for words in [
        "Reviews and inspections",
        "ofsted-inspection: Inspection of children's social care services",
        "Plans",
        "improvement-plan: Children's services improvement plan",
        "obj-01: Good practice is the norm",
    ] {
        assert!(
            pack.contains(words),
            "the starter's pack lacks “{words}”:\n{pack}"
        );
    }
    assert!(!pack.contains("not in this pack"), "{pack}");

    // `new recommendation` joins its review's series, and the file passes check.
    let rec = assure(
        &[
            "new",
            "recommendation",
            "X",
            "--source",
            "ofsted-inspection",
        ],
        here,
    );
    rec.assert_exit(0);
    let rec_file = "recommendations/ofsted-inspection-r2.md";
    assert!(
        rec.stdout
            .starts_with("created content/recommendations/ofsted-inspection-r2.md (ID ofsted-inspection-r2)\nnext:\n  - "),
        "{}",
        rec.stdout
    );
    assert!(here.join("content").join(rec_file).is_file());

    let event = assure(&["new", "event", "Y"], here);
    event.assert_exit(0);
    let event_id = format!("{}-y", today());
    let event_file = format!("timeline/{event_id}.md");
    assert!(
        event
            .stdout
            .starts_with(&format!("created content/{event_file} (ID {event_id})\n")),
        "{}",
        event.stdout
    );

    let action = assure(&["new", "action", "Z"], here);
    action.assert_exit(0);
    assert!(
        action.stdout.contains("(ID act-02)"),
        "actions continue `act-NN`: {}",
        action.stdout
    );

    // New evidence holds nothing yet, so it is a draft (SPEC §14.1): it neither counts
    // nor warns until its file, link or location is added.
    let evidence = assure(&["new", "evidence", "V"], here);
    evidence.assert_exit(0);
    assert!(
        evidence.stdout.contains("(ID ev-02)"),
        "{}",
        evidence.stdout
    );
    let written = std::fs::read_to_string(here.join("content/evidence/ev-02.md")).unwrap();
    assert!(
        written.lines().any(|l| l.starts_with("status: draft")),
        "{written}"
    );

    let check = assure(&["check"], here);
    check.assert_exit(0);
    assert!(
        diagnostics_of(&check, "evidence/ev-02.md").is_empty(),
        "a new draft is no warning: {}",
        check.stdout
    );
    for file in [rec_file, event_file.as_str(), "actions/act-02.md"] {
        let errors: Vec<_> = diagnostics_of(&check, file)
            .into_iter()
            .filter(|d| d.severity == "error")
            .collect();
        assert!(errors.is_empty(), "{file}: {errors:?}");
    }

    // A recommendation needs its source, which must be a review.
    let no_source = assure(&["new", "recommendation", "W"], here);
    no_source.assert_exit(2);
    assert!(
        no_source.stderr.contains("--source") && no_source.stderr.contains("ofsted-inspection"),
        "{}",
        no_source.stderr
    );
    let not_review = assure(&["new", "recommendation", "W", "--source", "act-01"], here);
    not_review.assert_exit(2);
    assert!(
        not_review.stderr.contains("not a review"),
        "{}",
        not_review.stderr
    );
}

#[test]
fn init_into_a_named_folder_and_refusing_a_file() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let run = assure(&["init", "my-content"], dir.path());
    run.assert_exit(0);
    assert!(
        run.stdout.contains("assure serve --content my-content"),
        "{}",
        run.stdout
    );
    assure(&["check", "--content", "my-content"], dir.path()).assert_exit(0);
    std::fs::write(dir.path().join("a-file"), "x").expect("write");
    assure(&["init", "a-file"], dir.path()).assert_exit(2);
    // An empty folder is fine.
    std::fs::create_dir(dir.path().join("empty")).expect("mkdir");
    assure(&["init", "empty"], dir.path()).assert_exit(0);
}

/// One YAML mistake: the file's text and the one diagnostic it must give.
struct Mistake {
    file: &'static str,
    text: &'static str,
    /// (line, column, code, message); `None` for text that is valid as written.
    expected: Option<(u32, u32, &'static str, &'static str)>,
}

const NOT_READ: &str = "; the record in this file was not read";

fn mistakes() -> Vec<Mistake> {
    vec![
        Mistake {
            file: "unclosed-bracket.md",
            text: "---\ntitle: P\nrelated: [p2\ntags: [a]\n---\n",
            expected: Some((3, 10, "E001", "this `[` opens a list that is never closed: add `]` after its last item, on the same line (`[a, b]`) (the YAML parser said: illegal placement of ':' indicator)")),
        },
        Mistake {
            file: "unclosed-brace.md",
            text: "---\ntitle: P\ndetails: {a: b\nowner: X\n---\n",
            expected: Some((3, 10, "E001", "this `{` opens a mapping that is never closed: add `}` after its last entry, on the same line (`{start: 2014-01, end: 2015-03}`) (the YAML parser said: while parsing a flow mapping, did not find expected ',' or '}')")),
        },
        Mistake {
            file: "unclosed-double-quote.md",
            text: "---\ntitle: \"Plan for 2014\nowner: X\n---\n",
            expected: Some((2, 8, "E001", "this `\"` opens a quoted text that is never closed: add the closing `\"` at the end of the value (the YAML parser said: invalid indentation in quoted scalar)")),
        },
        Mistake {
            file: "unclosed-single-quote.md",
            text: "---\ntitle: 'Plan\nowner: X\n---\n",
            expected: Some((2, 8, "E001", "this `'` opens a quoted text that is never closed: add the closing `'` at the end of the value (inside '…', an apostrophe is written twice: `''`) (the YAML parser said: invalid indentation in quoted scalar)")),
        },
        Mistake {
            file: "apostrophe-in-single-quotes.md",
            text: "---\ntitle: 'Children's services'\n---\n",
            expected: Some((2, 17, "E001", "this apostrophe ends the quoted text that `'` opened: write it twice (`''`), or put the whole value in double quotes instead (the YAML parser said: invalid trailing content after double-quoted scalar)")),
        },
        Mistake {
            file: "text-after-quote.md",
            text: "---\ntitle: \"Plan\" 2014\n---\n",
            expected: Some((2, 15, "E001", "there is text after the closing quote: put the whole value inside the quotes (use '…' around a value that contains \") (the YAML parser said: invalid trailing content after double-quoted scalar)")),
        },
        Mistake {
            file: "tab-indent.md",
            text: "---\ntitle: P\ntags:\n\t- a\n---\n",
            expected: Some((4, 1, "E001", "tabs are not allowed in YAML: use spaces instead, to indent and after `:` or `-`")),
        },
        Mistake {
            file: "tab-after-colon.md",
            text: "---\ntitle: P\nowner:\tX\n---\n",
            expected: Some((3, 7, "E001", "tabs are not allowed in YAML: use spaces instead, to indent and after `:` or `-`")),
        },
        Mistake {
            file: "no-space-after-colon.md",
            text: "---\ntitle: P\nowner:X\ntags: [a]\n---\n",
            expected: Some((3, 7, "E001", "put a space after the colon: `owner: X` (the YAML parser said: simple key expect ':')")),
        },
        Mistake {
            file: "no-colon.md",
            text: "---\ntitle: P\nowner X\n---\n",
            expected: Some((3, 1, "E001", "this line is not a field: write it as `name: value`, with a colon and a space after the name (to continue the value of the line above, indent it further) (the YAML parser said: simple key expect ':')")),
        },
        Mistake {
            file: "list-item-without-dash.md",
            text: "---\ntitle: P\nrelated:\n  p2\n  - p3\n---\n",
            expected: Some((4, 3, "E005", "unknown ID `p2 - p3` in `related`; these look like list items run together: start each item on its own line with `- `")),
        },
        Mistake {
            file: "indented-field.md",
            text: "---\ntitle: P\n  owner: X\n---\n",
            expected: Some((3, 1, "E001", "this line is indented more than `title:` above it: start it in column 1, like `title:` (only the lines of a list or a block under a field are indented) (the YAML parser said: mapping values are not allowed in this context)")),
        },
        Mistake {
            file: "misaligned-list.md",
            text: "---\ntitle: P\ntags:\n  - a\n - b\n---\n",
            expected: Some((5, 2, "E001", "this list item is not lined up with the one above it: put its `-` in column 3, under the `-` above (the YAML parser said: while parsing a block mapping, did not find expected key)")),
        },
        Mistake {
            file: "list-item-among-fields.md",
            text: "---\ntitle: P\n- a\n---\n",
            expected: Some((3, 1, "E001", "this list item belongs to no field: `title:` above already has a value; write the field the list belongs to (such as `tags:`) on the line before, then the items indented under it (the YAML parser said: while parsing a block mapping, did not find expected key)")),
        },
        Mistake {
            file: "colon-in-title.md",
            text: "---\ntitle: Review: the findings\n---\n",
            expected: Some((2, 8, "E001", "this value contains `: `, which YAML reads as the start of another field: put the whole value in quotes, `title: \"Review: the findings\"` (the YAML parser said: mapping values are not allowed in this context)")),
        },
        Mistake {
            file: "smart-quotes.md",
            text: "---\ntitle: “Review: the findings”\n---\n",
            expected: Some((2, 8, "E001", "this is a curly quote, which YAML reads as an ordinary letter: type straight quotes (\" or ') around the value instead (word processors change them; a plain-text editor does not) (the YAML parser said: mapping values are not allowed in this context)")),
        },
        Mistake {
            file: "no-as-a-title.md",
            text: "---\ntitle: No\n---\n",
            expected: None,
        },
        Mistake {
            file: "yes-as-a-marking.md",
            text: "---\ntitle: P\nclassification: yes\n---\n",
            expected: Some((3, 1, "E003", "`yes` is not a valid `classification`; use one of: OFFICIAL, OFFICIAL-SENSITIVE")),
        },
        Mistake {
            file: "date-with-slashes.md",
            text: "---\ntitle: P\ndate: 30/09/2014\n---\n",
            expected: Some((3, 1, "E003", "invalid date in `date`: write the date as `2014-09-30` (year-month-day), not `30/09/2014`")),
        },
        Mistake {
            file: "list-without-brackets.md",
            text: "---\ntitle: P\nrelated: p2, p3\n---\n",
            expected: Some((3, 1, "E003", "a list needs square brackets: write `related: [p2, p3]` (or each ID on its own line starting with `- `)")),
        },
        Mistake {
            file: "ordinal-date.md",
            text: "---\ntitle: P\ndate: 5th February 2026\n---\n",
            expected: Some((3, 1, "E003", "invalid date in `date`: write the date as `2026-02-05` (year-month-day), not `5th February 2026`")),
        },
        Mistake {
            file: "stray-bracket.md",
            text: "---\ntitle: P\ntags: [a, b]]\n---\n",
            expected: Some((3, 13, "E001", "this `]` closes nothing: remove it, or add the `[` it belongs to (the YAML parser said: misplaced bracket)")),
        },
        Mistake {
            file: "at-sign.md",
            text: "---\ntitle: P\nowner: @lead\n---\n",
            expected: Some((3, 8, "E001", "a value cannot start with `@`: put the whole value in quotes (the YAML parser said: unexpected character: `@')")),
        },
        Mistake {
            file: "empty-key.md",
            text: "---\ntitle: P\n\"\": x\n---\n",
            expected: Some((3, 1, "E003", "field names must be plain words such as `title`")),
        },
        Mistake {
            file: "null-key.md",
            text: "---\ntitle: P\n~: x\n---\n",
            expected: Some((3, 1, "E003", "field names must be plain words such as `title`")),
        },
        Mistake {
            file: "unclosed-front-matter.md",
            text: "---\ntitle: P\n",
            expected: Some((1, 1, "E001", "the front matter is not closed: add a line `---` after the last field")),
        },
    ]
}

#[test]
fn yaml_mistakes_get_plain_diagnostics_where_the_author_must_change() {
    let c = TempContent::new();
    c.write(
        "site.yaml",
        "title: T\norganisation: O\nas_of: 2014-09-30\n",
    );
    let table = mistakes();
    assert!(table.len() >= 15);
    for m in &table {
        c.write(&format!("pages/{}", m.file), m.text);
    }
    let run = c.check(&[]);
    assert!(matches!(run.end, End::Exited(1)), "{}", run.stderr);
    let got = c.diagnostics(&run);
    let mut problems = Vec::new();
    for m in &table {
        let path = format!("pages/{}", m.file);
        let mine: Vec<&Diag> = got.iter().filter(|d| d.path == path).collect();
        let want: Vec<(u32, u32, String, String)> = m
            .expected
            .iter()
            .map(|&(l, col, code, message)| {
                let message = if code == "E001" {
                    format!("{message}{NOT_READ}")
                } else {
                    message.to_string()
                };
                (l, col, code.to_string(), message)
            })
            .collect();
        let have: Vec<(u32, u32, String, String)> = mine
            .iter()
            .map(|d| (d.line, d.column, d.code.clone(), d.message.clone()))
            .collect();
        if have != want {
            problems.push(format!(
                "{}:\n  text:     {:?}\n  expected: {want:?}\n  got:      {have:?}",
                m.file, m.text
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn windows_line_endings_give_the_same_diagnostics() {
    // CRLF is how Windows editors save; the positions and words must not change.
    let c = TempContent::new();
    c.write(
        "site.yaml",
        "title: T\r\norganisation: O\r\nas_of: 2014-09-30\r\n",
    );
    for m in &mistakes() {
        c.write(&format!("pages/{}", m.file), m.text.replace('\n', "\r\n"));
    }
    let crlf = c.diagnostics(&c.check(&[]));
    let c2 = TempContent::new();
    c2.write(
        "site.yaml",
        "title: T\norganisation: O\nas_of: 2014-09-30\n",
    );
    for m in &mistakes() {
        c2.write(&format!("pages/{}", m.file), m.text);
    }
    let lf = c2.diagnostics(&c2.check(&[]));
    assert_eq!(crlf, lf);
}

#[test]
fn check_reports_on_stdout_and_other_commands_on_stderr() {
    let root = common::crate_root();
    let fixture = "tests/fixtures/E002";
    let check = assure(&["check", "--content", fixture], &root);
    let lines: Vec<&str> = check.stdout.lines().collect();
    let last = lines.last().copied().unwrap_or_default();
    assert!(
        last.starts_with("checked "),
        "the summary ends the report: {last}"
    );
    assert!(lines[..lines.len() - 1]
        .iter()
        .all(|l| Diag::parse(l).is_some()));
    assert!(check.stderr.is_empty(), "{}", check.stderr);

    // JSON: stdout is only diagnostic objects; the summary goes to stderr.
    let json = assure(&["check", "--content", fixture, "--format", "json"], &root);
    assert!(json
        .stdout
        .lines()
        .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()));
    assert!(json.stderr.starts_with("checked "), "{}", json.stderr);

    // `status` and `build`: what was asked for on stdout, problems on stderr.
    let status = assure(&["status", "--content", fixture], &root);
    status.assert_exit(1);
    assert!(status.stdout.is_empty(), "{}", status.stdout);
    assert!(status.stderr.lines().any(|l| Diag::parse(l).is_some()));
    let out = tempfile::tempdir().expect("a temporary folder");
    let w = "tests/fixtures/W105";
    let build = assure(
        &[
            "build",
            "--content",
            w,
            "--no-pdf",
            "--audience",
            "internal",
            "--output",
            &out.path().join("o").to_string_lossy(),
        ],
        &root,
    );
    build.assert_exit(0);
    assert!(build.stderr.lines().all(|l| Diag::parse(l).is_some()));
    assert!(build.stdout.contains("index.html"), "{}", build.stdout);
    assert!(!build.stdout.lines().any(|l| Diag::parse(l).is_some()));
}

#[test]
fn every_command_and_flag_has_help() {
    let root = common::crate_root();
    let top = assure(&["--help"], &root);
    top.assert_exit(0);
    let commands: Vec<String> = top
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 8, "{commands:?}");
    for command in &commands {
        // `-h`: one line per argument, its help text beside it.
        let run = assure(&[command.as_str(), "-h"], &root);
        run.assert_exit(0);
        // Each argument line (`  --flag <X>  text`, `  <ARG>  text`) has its text.
        for line in run.stdout.lines() {
            let t = line.trim_start();
            let is_arg = line.starts_with("  ")
                && (t.starts_with('-') || t.starts_with('<') || t.starts_with('['));
            if !is_arg {
                continue;
            }
            // clap's own notes ("[default: human] [possible values: …]") are no help.
            let described = t.split_once("  ").is_some_and(|(_, rest)| {
                let words = rest.split(" [").next().unwrap_or("");
                !words.trim().is_empty() && !words.trim_start().starts_with('[')
            });
            // clap puts long help on the next line when the flag is long.
            let next_has_text = run
                .stdout
                .lines()
                .skip_while(|l| *l != line)
                .nth(1)
                .is_some_and(|n| n.starts_with("          ") && !n.trim().is_empty());
            assert!(
                described || next_has_text,
                "`assure {command}`: `{t}` has no help text"
            );
        }
    }
}

#[test]
fn new_needs_a_content_folder_and_says_so() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let run = assure(&["new", "action", "X"], dir.path());
    run.assert_exit(2);
    assert!(run.stderr.contains("assure init"), "{}", run.stderr);
    assert!(!Path::new(&dir.path().join("content")).exists());
}

#[test]
fn assure_alone_in_a_folder_without_content_says_to_run_init() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let run = assure::<&str>(&[], dir.path());
    run.assert_exit(2);
    assert!(run.stderr.contains("no content/ folder"), "{}", run.stderr);
    assert!(run.stderr.contains("`assure init`"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    // Nothing was made: `init` is the author's choice.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// `assure new` names each record from what it is: a review from its kind and date
/// (a full inspection by its year), a recommendation from its review, an event from
/// its date and title, others by their folder's numbering; and fills in the fields
/// given as options, checked as `check` checks them, so every file still passes.
#[test]
fn new_ids_come_from_kind_and_date_and_options_fill_fields() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let here = dir.path();
    assure(&["init"], here).assert_exit(0);
    // (arguments after `new`, the ID made, lines the file must hold)
    let table: &[(&[&str], &str, &[&str])] = &[
        (
            &["review", "Ofsted inspection", "--date", "2026-03-10"],
            "ofsted-2026",
            &["kind: inspection", "date: 2026-03-10"],
        ),
        (
            &["review", "Ofsted monitoring visit", "--date", "2026-03-04"],
            "monitoring-visit-2026-03",
            &["kind: monitoring-visit"],
        ),
        (
            &["review", "Second monitoring visit", "--date", "2026-03-25"],
            "monitoring-visit-2026-03-2",
            &["kind: monitoring-visit"],
        ),
        (
            &[
                "review",
                "Ofsted inspection (re-inspection)",
                "--date",
                "2026-11-02",
            ],
            "ofsted-2026-11",
            &["kind: inspection"],
        ),
        (
            &[
                "review",
                "Focused visit: front door",
                "--date",
                "2026-06-01",
            ],
            "focused-visit-2026-06",
            &["kind: focused-visit"],
        ),
        (
            &["review", "Peer challenge", "--date", "2026-05-01"],
            "review-2026-05",
            &["kind: review"],
        ),
        (
            &[
                "review",
                "LGA peer challenge",
                "--kind",
                "governance-review",
                "--date",
                "2026-05-01",
            ],
            "governance-review-2026-05",
            &["kind: governance-review"],
        ),
        (
            &[
                "recommendation",
                "Improve supervision",
                "--source",
                "ofsted-2026",
                "--priority",
                "high",
                "--due",
                "2026-12",
            ],
            "ofsted-2026-r1",
            &["source: ofsted-2026", "priority: high", "due: 2026-12"],
        ),
        (
            &[
                "action",
                "Train team managers",
                "--addresses",
                "ofsted-2026-r1",
                "--owner",
                "Head of service",
                "--due",
                "2026-09",
            ],
            "act-02",
            &[
                "addresses: [ofsted-2026-r1]",
                "owner: \"Head of service\"",
                "due: 2026-09",
            ],
        ),
        (
            &[
                "evidence",
                "Supervision audit",
                "--supports",
                "act-02, ofsted-2026-r1",
                "--kind",
                "audit",
            ],
            "ev-02",
            &["supports: [act-02, ofsted-2026-r1]", "kind: audit"],
        ),
        (
            &[
                "event",
                "Inspection report published",
                "--date",
                "2026-04-20",
                "--refs",
                "ofsted-2026",
            ],
            "2026-04-20-inspection-report-published",
            &["refs: [ofsted-2026]", "date: 2026-04-20"],
        ),
    ];
    let mut problems = Vec::new();
    for (args, id, lines) in table {
        let mut full = vec!["new"];
        full.extend_from_slice(args);
        let run = assure(&full, here);
        let made = run
            .stdout
            .lines()
            .next()
            .and_then(|l| l.rsplit_once("(ID "))
            .map(|(_, rest)| rest.trim_end_matches(')').to_string());
        if made.as_deref() != Some(*id) {
            problems.push(format!(
                "new {}: made {made:?}, want `{id}`; {}",
                args.join(" "),
                run.stderr
            ));
            continue;
        }
        // What the options filled in is not asked for again.
        if args[0] == "action"
            && (run.stdout.contains("`owner:`") || run.stdout.contains("`addresses:`"))
        {
            problems.push(format!(
                "{id}: the next steps ask for what was given:\n{}",
                run.stdout
            ));
        }
        let folder = match args[0] {
            "review" => "reviews",
            "recommendation" => "recommendations",
            "action" => "actions",
            "evidence" => "evidence",
            _ => "timeline",
        };
        let text = std::fs::read_to_string(here.join(format!("content/{folder}/{id}.md")))
            .unwrap_or_default();
        for line in *lines {
            if !text
                .lines()
                .any(|l| l.trim_end() == *line || l.starts_with(&format!("{line} ")))
            {
                problems.push(format!("{id}: no line `{line}` in:\n{text}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let check = assure(&["check"], here);
    let errors: Vec<_> = check
        .diagnostics()
        .into_iter()
        .filter(|d| d.severity == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:?}");

    // Values `check` would refuse are refused before anything is written.
    for (args, says) in [
        (
            &["action", "A", "--addresses", "rec-99"][..],
            "there is no record `rec-99`",
        ),
        (
            &["action", "A", "--addresses", "ofsted-2026"][..],
            "`ofsted-2026` is a review",
        ),
        (
            &["action", "A", "--supports", "act-01"][..],
            "`--supports` is not a field of an action",
        ),
        (
            &["action", "A", "--due", "5th February 2026"][..],
            "`2026-02-05`",
        ),
        (
            &["review", "R", "--kind", "visit"][..],
            "not a valid `--kind`",
        ),
    ] {
        let mut full = vec!["new"];
        full.extend_from_slice(args);
        let run = assure(&full, here);
        run.assert_exit(2);
        assert!(
            run.stderr.contains(says),
            "new {}: {}",
            args.join(" "),
            run.stderr
        );
    }
    assert!(!here.join("content/actions/act-03.md").exists());
}

/// SPEC §7 made explicit: an action with no owner or no due date is not Green.
#[test]
fn an_action_with_no_owner_or_due_date_is_amber_not_green() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let here = dir.path();
    assure(&["init"], here).assert_exit(0);
    let rags = |here: &Path| -> serde_json::Value {
        let run = assure(&["status", "--format", "json"], here);
        let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("status JSON");
        v["actions"]["by_rag"].clone()
    };
    let before = rags(here);
    assure(
        &[
            "new",
            "action",
            "Nobody's, undated",
            "--addresses",
            "ofsted-inspection-r1",
        ],
        here,
    )
    .assert_exit(0);
    assure(
        &[
            "new",
            "action",
            "Owned, undated",
            "--addresses",
            "ofsted-inspection-r1",
            "--owner",
            "Head of service",
        ],
        here,
    )
    .assert_exit(0);
    let after = rags(here);
    let n = |v: &serde_json::Value, k: &str| v[k].as_u64().unwrap_or(0);
    assert_eq!(
        n(&after, "green"),
        n(&before, "green"),
        "{before} → {after}"
    );
    assert_eq!(
        n(&after, "amber"),
        n(&before, "amber") + 2,
        "{before} → {after}"
    );
}
