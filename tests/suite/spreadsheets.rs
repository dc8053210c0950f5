//! Spreadsheets both ways (SPEC §13.4): `assure import` of councils' trackers in the
//! layouts they use, hostile workbooks refused, and `data/tracker.xlsx` read back.
//!
//! Every fixture workbook is written here, with rust_xlsxwriter (or, for the hostile
//! ones, byte by byte with the zip crate), so each test shows exactly what it feeds in.

use crate::common;

use calamine::{Data, Reader};
use common::{assure, crate_root, files, Run, TempContent};
use rust_xlsxwriter::{Color, ExcelDateTime, Format, Workbook};
use serde_yaml::Value as Yaml;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

// ---------------------------------------------------------------------------------------
// Helpers.

/// A content folder with a review that imported recommendations can name as source.
fn content() -> TempContent {
    let c = TempContent::new();
    c.write(
        "reviews/ofsted-2023.md",
        "---\ntitle: Inspection of children's services\nkind: inspection\ndate: 2023-11\n---\nThe report.\n",
    );
    c
}

fn import(c: &TempContent, file: &Path, args: &[&str]) -> Run {
    let mut all: Vec<std::ffi::OsString> = vec!["import".into(), file.into()];
    all.extend(args.iter().map(Into::into));
    all.push("--content".into());
    all.push(c.root().into());
    assure(&all, &crate_root())
}

/// Imports and asserts it succeeded; returns the report and the list file's records.
fn import_ok(c: &TempContent, file: &Path, args: &[&str], written: &str) -> (String, Yaml) {
    let run = import(c, file, args);
    assert_eq!(
        run.end,
        common::End::Exited(0),
        "import failed:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    let text = std::fs::read_to_string(c.root().join(written))
        .unwrap_or_else(|e| panic!("{written} not written ({e}):\n{}", run.stdout));
    let doc: Yaml = serde_yaml::from_str(&text).expect("the list file is YAML");
    (run.stdout, doc["records"].clone())
}

fn yaml(text: &str) -> Yaml {
    serde_yaml::from_str(text).expect("expected records are YAML")
}

fn save(wb: &mut Workbook, dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    wb.save(&path).expect("save the fixture workbook");
    path
}

fn date(y: u16, m: u8, d: u8) -> ExcelDateTime {
    ExcelDateTime::from_ymd(y, m, d).expect("a date")
}

/// Asserts `check` of the content gives no errors, or exactly these E005s (as
/// `(file, line)` pairs).
fn assert_checks(c: &TempContent, e005: &[(&str, u32)]) {
    let run = c.check(&[]);
    let diags = c.diagnostics(&run);
    let errors: Vec<_> = diags.iter().filter(|d| d.code.starts_with('E')).collect();
    let mut got: Vec<(String, u32)> = errors
        .iter()
        .map(|d| {
            assert_eq!(d.code, "E005", "only E005 expected:\n{}", run.stdout);
            (d.path.clone(), d.line)
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, u32)> = e005.iter().map(|(p, l)| (p.to_string(), *l)).collect();
    want.sort();
    assert_eq!(got, want, "check said:\n{}{}", run.stdout, run.stderr);
    let w106: Vec<_> = diags.iter().filter(|d| d.code == "W106").collect();
    assert!(w106.is_empty(), "imported fields are typos? {w106:?}");
}

// ---------------------------------------------------------------------------------------
// Layout 1: a title block above the header, UK dates as text and as serials, "TBC",
// a section heading row, unmapped columns, body sections.

fn title_block(dir: &Path) -> PathBuf {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Action plan").unwrap();
    let bold = Format::new().set_bold();
    ws.write_string_with_format(0, 0, "Children's Services Improvement Plan 2024", &bold)
        .unwrap();
    ws.write_string(1, 0, "Updated monthly for the improvement board")
        .unwrap();
    let header = [
        "Ref",
        "What?",
        "Who?",
        "How?",
        "When?",
        "Success measures",
        "RAG",
        "Update on progress",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(3, c as u16, *h, &bold).unwrap();
    }
    let dates = Format::new().set_num_format("dd/mm/yyyy");
    // Row 5: a text date.
    ws.write_row(
        4,
        0,
        [
            "1.1",
            "Audit case files monthly",
            "Head of Quality Assurance",
            "Monthly audit programme",
            "31/03/2024",
            "80% of audits good or better",
            "Green",
            "Audits running since January.",
        ],
    )
    .unwrap();
    // Row 6: a real date cell (an Excel serial), amber.
    ws.write_row(4 + 1, 0, ["1.2", "Train team managers in supervision"])
        .unwrap();
    ws.write_string(5, 2, "Principal Social Worker").unwrap();
    ws.write_datetime_with_format(5, 4, date(2024, 6, 30), &dates)
        .unwrap();
    ws.write_string(5, 6, "A").unwrap();
    // Row 7: a section heading.
    ws.write_string_with_format(6, 0, "Objective 2: a stable workforce", &bold)
        .unwrap();
    // Row 8: "Q3 2024", red, a bare serial number as text.
    ws.write_row(
        7,
        0,
        ["2.1", "Recruit permanent social workers", "Head of HR"],
    )
    .unwrap();
    ws.write_string(7, 4, "Q3 2024").unwrap();
    ws.write_string(7, 6, "Red").unwrap();
    // Row 9: "TBC" and "March 2025".
    ws.write_row(8, 0, ["2.2", "Review the pay offer", "", "", "TBC"])
        .unwrap();
    ws.write_string(8, 5, "Offer agreed by March 2025").unwrap();
    save(&mut wb, dir, "plan.xlsx")
}

#[test]
fn a_title_block_above_the_header() {
    let c = content();
    let tmp = tempfile::tempdir().unwrap();
    let file = title_block(tmp.path());
    let (report, records) = import_ok(
        &c,
        &file,
        &["--type", "action"],
        "actions/imported-action-plan.yaml",
    );
    assert_eq!(
        records,
        yaml(
            r###"
- id: act-1.1
  title: Audit case files monthly
  owner: Head of Quality Assurance
  due: "2024-03-31"
  rag: green
  how: Monthly audit programme
  success_measures: 80% of audits good or better
  body: "## Update on progress\n\nAudits running since January.\n"
- id: act-1.2
  title: Train team managers in supervision
  owner: Principal Social Worker
  due: "2024-06-30"
  rag: amber
- id: act-2.1
  title: Recruit permanent social workers
  owner: Head of HR
  due: "2024-09"
  rag: red
- id: act-2.2
  title: Review the pay offer
  due_as_written: TBC
  success_measures: Offer agreed by March 2025
"###
        ),
        "report:\n{report}"
    );
    for line in [
        "header on row 4; rows 5–9 read as actions",
        "Ref               → id",
        "How?              → extra field `how`",
        "Update on progress  → body section",
        "row 7: a section heading (one cell filled: \"Objective 2: a stable workforce\")",
        "row 9: When? \"TBC\" is not a date: no `due` recorded; kept as `due_as_written`",
        "records: 4",
    ] {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        let squeezed = report.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(squeezed.contains(&line), "report lacks {line:?}:\n{report}");
    }
    assert_checks(&c, &[]);
}

// ---------------------------------------------------------------------------------------
// Layout 2: merged objective cells, statuses as words, dates as date cells.

#[test]
fn merged_objective_cells_fill_down() {
    let c = content();
    let tmp = tempfile::tempdir().unwrap();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Actions").unwrap();
    let dates = Format::new().set_num_format("d mmm yyyy");
    ws.write_row(
        0,
        0,
        [
            "Objective",
            "Action No.",
            "Action",
            "Lead",
            "Deadline",
            "Status",
        ],
    )
    .unwrap();
    let merged = Format::new();
    ws.merge_range(1, 0, 3, 0, "obj-1", &merged).unwrap();
    ws.merge_range(4, 0, 5, 0, "obj-2", &merged).unwrap();
    let rows = [
        ("A1", "Set up a quality board", "Director", "Complete"),
        (
            "A2",
            "Publish practice standards",
            "Principal SW",
            "In progress",
        ),
        ("A3", "Audit supervision", "Head of QA", "Not started"),
        ("B1", "Exit interviews for leavers", "HR", "on track"),
        ("B2", "Career pathway", "HR", "Purple"),
    ];
    for (i, (r, a, l, s)) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_row(row, 1, [*r, *a, *l]).unwrap();
        ws.write_datetime_with_format(row, 4, date(2024, 4 + i as u8, 1), &dates)
            .unwrap();
        ws.write_string(row, 5, *s).unwrap();
    }
    let file = save(&mut wb, tmp.path(), "merged.xlsx");
    let (report, records) = import_ok(
        &c,
        &file,
        &["--type", "action"],
        "actions/imported-actions.yaml",
    );
    assert_eq!(
        records,
        yaml(
            r###"
- {id: A1, title: Set up a quality board, status: complete, owner: Director, objective: obj-1, due: "2024-04-01"}
- {id: A2, title: Publish practice standards, status: in-progress, owner: Principal SW, objective: obj-1, due: "2024-05-01"}
- {id: A3, title: Audit supervision, status: not-started, owner: Head of QA, objective: obj-1, due: "2024-06-01"}
- {id: B1, title: Exit interviews for leavers, status: in-progress, owner: HR, objective: obj-2, due: "2024-07-01"}
- {id: B2, title: Career pathway, owner: HR, objective: obj-2, due: "2024-08-01", status_as_written: Purple}
"###
        ),
        "report:\n{report}"
    );
    assert!(
        report.contains("row 6: Status \"Purple\" is not an action status"),
        "{report}"
    );
    // The tracker names objectives it does not define: exactly one E005 each time.
    let f = "actions/imported-actions.yaml";
    assert_checks(&c, &[(f, 8), (f, 14), (f, 20), (f, 26), (f, 31)]);
}

// ---------------------------------------------------------------------------------------
// Layouts 3 and 4: colour-only RAG, and a second sheet of recommendations the actions
// address.

fn two_sheets(dir: &Path) -> PathBuf {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Actions").unwrap();
    ws.write_row(
        0,
        0,
        [
            "No.",
            "Action",
            "Responsible officer",
            "By when",
            "RAG",
            "Recommendation",
        ],
    )
    .unwrap();
    let fill = |rgb: u32| Format::new().set_background_color(Color::RGB(rgb));
    let rows = [
        ("1", "Weekly case file audits", 0xFF0000, "1"),
        ("2", "Management oversight training", 0xFFC000, "1, 2"),
        ("3", "Recruit two team managers", 0x00B050, "2"),
        ("4", "Refresh the board's terms", 0xFFFFFF, "2"),
    ];
    for (i, (n, a, colour, rec)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_number(r, 0, n.parse::<f64>().unwrap()).unwrap();
        ws.write_string(r, 1, *a).unwrap();
        ws.write_string(r, 2, "Head of Service").unwrap();
        ws.write_string(r, 3, "Sept 2024").unwrap();
        // Colour only: no word in the RAG cell.
        ws.write_blank(r, 4, &fill(*colour)).unwrap();
        ws.write_string(r, 5, *rec).unwrap();
    }
    let rs = wb.add_worksheet();
    rs.set_name("Recommendations").unwrap();
    rs.write_row(
        0,
        0,
        [
            "Ref",
            "Recommendation",
            "Source",
            "Priority",
            "Due",
            "Status",
        ],
    )
    .unwrap();
    rs.write_row(
        1,
        0,
        [
            "1",
            "Improve the quality of case recording",
            "ofsted-2023",
            "High",
            "30/09/2024",
            "In progress",
        ],
    )
    .unwrap();
    rs.write_row(
        2,
        0,
        [
            "2",
            "Strengthen management oversight",
            "ofsted-2023",
            "Immediate",
            "31 December 2024",
            "Open",
        ],
    )
    .unwrap();
    save(&mut wb, dir, "tracker.xlsx")
}

#[test]
fn colour_only_rag_and_a_second_sheet_of_recommendations() {
    let c = content();
    let tmp = tempfile::tempdir().unwrap();
    let file = two_sheets(tmp.path());
    let (report, actions) = import_ok(
        &c,
        &file,
        &["--type", "action"],
        "actions/imported-actions.yaml",
    );
    assert_eq!(
        actions,
        yaml(
            r###"
- {id: act-1, title: Weekly case file audits, owner: Head of Service, addresses: [rec-1], due: "2024-09", rag: red}
- {id: act-2, title: Management oversight training, owner: Head of Service, addresses: [rec-1, rec-2], due: "2024-09", rag: amber}
- {id: act-3, title: Recruit two team managers, owner: Head of Service, addresses: [rec-2], due: "2024-09", rag: green}
- {id: act-4, title: Refresh the board's terms, owner: Head of Service, addresses: [rec-2], due: "2024-09"}
"###
        ),
        "report:\n{report}"
    );
    assert!(
        report.contains("RAG read from the cell's colour (no word in it): rows 2–4"),
        "{report}"
    );
    // Before the recommendations are imported, the actions name what is not there.
    let f = "actions/imported-actions.yaml";
    assert_checks(&c, &[(f, 8), (f, 15), (f, 16), (f, 23), (f, 30)]);
    let (_, recs) = import_ok(
        &c,
        &file,
        &["--type", "recommendation", "--sheet", "Recommendations"],
        "recommendations/imported-recommendations.yaml",
    );
    assert_eq!(
        recs,
        yaml(
            r###"
- {id: rec-1, title: Improve the quality of case recording, status: in-progress, source: ofsted-2023, priority: high, due: "2024-09-30"}
- {id: rec-2, title: Strengthen management oversight, status: open, source: ofsted-2023, priority: immediate, due: "2024-12-31"}
"###
        )
    );
    assert_checks(&c, &[]);
}

// ---------------------------------------------------------------------------------------
// A CSV in Windows-1252, as Excel still writes it, and one in UTF-8 with a BOM.

#[test]
fn a_windows_1252_csv() {
    let c = content();
    let tmp = tempfile::tempdir().unwrap();
    let text = "Ref,Action,Owner,Due,Status,Cost\r\n\
                CS1,Reduce agency spend \u{2014} phase 1,Director of Finance,01/04/2024,In progress,\"\u{a3}20,000\"\r\n\
                CS2,Caf\u{e9} sessions for care leavers,Head of Leaving Care,April 2024,Complete,\u{a3}500\r\n";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture is not UTF-8"
    );
    let file = tmp.path().join("tracker.csv");
    std::fs::write(&file, &bytes).unwrap();
    let expected = yaml(
        r###"
- {id: CS1, title: "Reduce agency spend — phase 1", status: in-progress, owner: Director of Finance, due: "2024-04-01", cost: "£20,000"}
- {id: CS2, title: "Café sessions for care leavers", status: complete, owner: Head of Leaving Care, due: "2024-04", cost: "£500"}
"###,
    );
    let (_, records) = import_ok(
        &c,
        &file,
        &["--type", "action"],
        "actions/imported-tracker.yaml",
    );
    assert_eq!(records, expected);
    assert_checks(&c, &[]);

    // The same rows in UTF-8 with a BOM read the same.
    let c2 = content();
    let file = tmp.path().join("utf8.csv");
    std::fs::write(
        &file,
        [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
    )
    .unwrap();
    let (_, records) = import_ok(
        &c2,
        &file,
        &["--type", "action"],
        "actions/imported-utf8.yaml",
    );
    assert_eq!(records, expected);
}

// ---------------------------------------------------------------------------------------
// --map, --dry-run, never overwriting.

#[test]
fn map_overrides_and_dry_run_writes_nothing() {
    let c = content();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("odd.csv");
    std::fs::write(
        &file,
        "Thing to do,Person,Colour,Notes,Internal code\nSort the rota,Team manager,Amber,Started.,X1\n",
    )
    .unwrap();
    let map = tmp.path().join("map.yaml");
    std::fs::write(
        &map,
        "Thing to do: title\nPerson: owner\nColour: rag\nInternal code: skip\n",
    )
    .unwrap();
    let before = files(c.root());
    let run = import(
        &c,
        &file,
        &[
            "--type",
            "action",
            "--map",
            map.to_str().unwrap(),
            "--dry-run",
        ],
    );
    run.assert_exit(0);
    assert_eq!(files(c.root()), before, "--dry-run wrote something");
    assert!(run.stdout.contains("nothing written"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Internal code  → skipped"),
        "{}",
        run.stdout
    );
    let (_, records) = import_ok(
        &c,
        &file,
        &["--type", "action", "--map", map.to_str().unwrap()],
        "actions/imported-odd.yaml",
    );
    assert_eq!(
        records,
        yaml(
            "- {id: act-row-2, title: Sort the rota, owner: Team manager, rag: amber, body: \"## Notes\\n\\nStarted.\\n\"}"
        )
    );
    // A second import never overwrites the first: exit 2, the file unchanged.
    let written = c.root().join("actions/imported-odd.yaml");
    let first = std::fs::read(&written).unwrap();
    let again = import(&c, &file, &["--type", "action"]);
    again.assert_exit(2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(std::fs::read(&written).unwrap(), first);
}

// ---------------------------------------------------------------------------------------
// Rows that name their recommendation (SPEC §14.11): "Rec No.", "Rec", "Recommendation
// no.", "Ofsted recommendation" → `addresses`, by ID or by the recommendation's words;
// `--evidence-records` makes the Evidence column draft evidence records.

/// The content of [`content`] with two recommendations of its review.
fn content_with_recommendations() -> TempContent {
    let c = content();
    c.write(
        "recommendations/ofsted-2023-r1.md",
        "---\ntitle: Improve the quality and frequency of supervision for social workers\nsource: ofsted-2023\n---\n",
    );
    c.write(
        "recommendations/ofsted-2023-r2.md",
        "---\ntitle: Ensure that return home interviews are offered to every child who goes missing\nsource: ofsted-2023\n---\n",
    );
    c
}

/// One sheet, "Plan", of these rows (the first the header), every cell text.
fn sheet_of_rows(dir: &Path, name: &str, rows: &[&[&str]]) -> PathBuf {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Plan").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if !text.is_empty() {
                ws.write_string(r as u32, c as u16, *text).unwrap();
            }
        }
    }
    save(&mut wb, dir, name)
}

#[test]
fn recommendation_columns_name_recommendations_by_id_or_words() {
    let tmp = tempfile::tempdir().unwrap();
    for header in ["Rec No.", "Rec", "Recommendation no."] {
        let c = content_with_recommendations();
        let file = sheet_of_rows(
            tmp.path(),
            "by-id.xlsx",
            &[
                &["Action no.", header, "Action", "Lead"],
                &[
                    "1",
                    "ofsted-2023-r1",
                    "Run monthly supervision audits",
                    "Head of QA",
                ],
                &[
                    "2",
                    "OFSTED-2023-R2, ofsted-2023-r1",
                    "Offer every interview",
                    "Missing lead",
                ],
            ],
        );
        let (report, records) = import_ok(
            &c,
            &file,
            &["--type", "action"],
            "actions/imported-plan.yaml",
        );
        assert_eq!(
            records,
            yaml(
                r###"
- {id: act-1, title: Run monthly supervision audits, owner: Head of QA, addresses: [ofsted-2023-r1]}
- {id: act-2, title: Offer every interview, owner: Missing lead, addresses: [ofsted-2023-r2, ofsted-2023-r1]}
"###
            ),
            "{header}: {report}"
        );
        assert!(report.contains("→ addresses"), "{header}: {report}");
        assert_checks(&c, &[]);
    }

    // By the recommendation's words: whole, numbered, or its opening; Assure's own
    // tracker's "ID: title"; words that fit two titles are kept as written, and said.
    let c = content_with_recommendations();
    c.write(
        "recommendations/ofsted-2023-r3.md",
        "---\ntitle: Improve the quality of plans for children in need\nsource: ofsted-2023\n---\n",
    );
    let file = sheet_of_rows(
        tmp.path(),
        "by-words.xlsx",
        &[
            &["Ofsted recommendation", "Action"],
            &["2. Ensure that return home interviews are offered to every child who goes missing.", "Offer interviews"],
            &["Improve the quality and frequency of supervision", "Audit supervision"],
            &["ofsted-2023-r3: Improve the quality of plans for children in need", "Rewrite plans"],
            &["Improve the quality", "Something vague"],
        ],
    );
    let (report, records) = import_ok(
        &c,
        &file,
        &["--type", "action"],
        "actions/imported-plan.yaml",
    );
    assert_eq!(
        records,
        yaml(
            r###"
- {id: act-row-2, title: Offer interviews, addresses: [ofsted-2023-r2]}
- {id: act-row-3, title: Audit supervision, addresses: [ofsted-2023-r1]}
- {id: act-row-4, title: Rewrite plans, addresses: [ofsted-2023-r3]}
- {id: act-row-5, title: Something vague, addresses_as_written: Improve the quality}
"###
        ),
        "{report}"
    );
    assert!(
        report.contains("row 5: Ofsted recommendation \"Improve the quality\" matches the titles of several recommendations (ofsted-2023-r1, ofsted-2023-r3): write the ID"),
        "{report}"
    );
    assert_checks(&c, &[]);
}

#[test]
fn evidence_records_are_drafted_from_the_evidence_column() {
    let c = content_with_recommendations();
    let tmp = tempfile::tempdir().unwrap();
    let rows: &[&[&str]] = &[
        &["Ref", "Rec No.", "Action", "Evidence"],
        &[
            "1",
            "ofsted-2023-r1",
            "Audit supervision",
            "1. Supervision audit, March 2024\n2. Staff survey",
        ],
        &["2", "ofsted-2023-r2", "Offer interviews", ""],
        &[
            "3",
            "ofsted-2023-r2",
            "Report to the board",
            "Board minutes; ",
        ],
    ];
    let file = sheet_of_rows(tmp.path(), "tracker.xlsx", rows);

    // Without the flag the column is a body section, as before.
    let run = import(&c, &file, &["--type", "action", "--dry-run"]);
    run.assert_exit(0);
    assert!(
        run.stdout.contains("Evidence  → body section"),
        "{}",
        run.stdout
    );

    let before = files(c.root());
    let dry = import(
        &c,
        &file,
        &["--type", "action", "--evidence-records", "--dry-run"],
    );
    dry.assert_exit(0);
    assert_eq!(files(c.root()), before, "--dry-run wrote something");
    assert!(
        dry.stdout.contains("3 draft evidence records"),
        "{}",
        dry.stdout
    );

    let (report, actions) = import_ok(
        &c,
        &file,
        &["--type", "action", "--evidence-records"],
        "actions/imported-plan.yaml",
    );
    assert_eq!(
        actions,
        yaml(
            r###"
- {id: act-1, title: Audit supervision, addresses: [ofsted-2023-r1]}
- {id: act-2, title: Offer interviews, addresses: [ofsted-2023-r2]}
- {id: act-3, title: Report to the board, addresses: [ofsted-2023-r2]}
"###
        ),
        "{report}"
    );
    assert!(
        report.contains("Evidence  → draft evidence records (--evidence-records)"),
        "{report}"
    );
    assert!(report.contains("draft evidence records: 3"), "{report}");
    let text = std::fs::read_to_string(c.root().join("evidence/imported-plan.yaml")).unwrap();
    let doc: Yaml = serde_yaml::from_str(&text).unwrap();
    let drafted = |id: &str, title: &str, row: u32, action: &str| {
        format!("- id: {id}\n  title: {title}\n  status: draft\n  supports: [{action}]\n  body: \"Drafted by `assure import` from tracker.xlsx, row {row}. Add the `file:` or `url:` it stands for, and set `status: current` once it is reviewed.\\n\"\n")
    };
    let want = [
        drafted("ev-act-1", "\"Supervision audit, March 2024\"", 2, "act-1"),
        drafted("ev-act-1-2", "Staff survey", 2, "act-1"),
        drafted("ev-act-3", "Board minutes", 4, "act-3"),
    ]
    .concat();
    assert_eq!(doc["records"], yaml(&want));
    // Drafts pass check: they are evidence still to be found, not errors.
    assert_checks(&c, &[]);
    let status = assure(
        &[
            "status".as_ref(),
            "--content".as_ref(),
            c.root().as_os_str(),
        ],
        &crate_root(),
    );
    status.assert_exit(0);

    // A second import refuses, since either file exists; nothing changes.
    let again = import(&c, &file, &["--type", "action", "--evidence-records"]);
    again.assert_exit(2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);

    // A sheet with no Evidence column: the flag says so.
    let c = content_with_recommendations();
    let bare = sheet_of_rows(
        tmp.path(),
        "bare.xlsx",
        &[&["Ref", "Action"], &["9", "Do it"]],
    );
    let run = import(&c, &bare, &["--type", "action", "--evidence-records"]);
    run.assert_exit(2);
    assert!(
        run.stderr.contains("has no Evidence column"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------
// Hostile workbooks: each a clear error, exit 2, nothing written, bounded time and memory.

/// A minimal .xlsx whose one sheet's XML is written by `sheet`.
fn raw_xlsx(path: &Path, sheet: impl FnOnce(&mut dyn Write), level: Option<i64>) {
    use zip::write::SimpleFileOptions;
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(level)
        .large_file(true);
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in parts {
        z.start_file(name, opts).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    sheet(&mut z);
    z.finish().unwrap();
}

const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_TAIL: &str = "</sheetData></worksheet>";

/// Imports a hostile file: exit 2 with a message containing `says`, nothing written,
/// quickly and in bounded memory.
fn refused(file: &Path, says: &str) {
    refused_within(file, says, Duration::from_secs(20));
}

/// [`refused`], within `limit` (SPEC §14.7 allows 30 s: a workbook that makes the
/// library spin is stopped after 20).
fn refused_within(file: &Path, says: &str, limit: Duration) {
    let c = content();
    let before = files(c.root());
    let run = import(&c, file, &["--type", "action"]);
    run.assert_exit(2);
    run.assert_bounded_memory();
    assert!(
        run.elapsed < limit,
        "{} took {:?}",
        file.display(),
        run.elapsed
    );
    assert!(
        run.stderr.contains(says),
        "expected {says:?} in:\n{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(files(c.root()), before, "something was written");
}

#[test]
fn a_zip_bomb_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bomb.xlsx");
    // A sheet inflating to 1.1 GB of spaces (about a megabyte on disk).
    raw_xlsx(
        &file,
        |w| {
            w.write_all(SHEET_HEAD.as_bytes()).unwrap();
            let chunk = vec![b' '; 1 << 20];
            for _ in 0..1100 {
                w.write_all(&chunk).unwrap();
            }
            w.write_all(SHEET_TAIL.as_bytes()).unwrap();
        },
        Some(1),
    );
    assert!(std::fs::metadata(&file).unwrap().len() < 20 << 20);
    refused(&file, "zip bomb");
}

#[test]
fn a_sheet_of_a_million_rows_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("rows.xlsx");
    raw_xlsx(
        &file,
        |w| {
            let mut out = std::io::BufWriter::new(w);
            out.write_all(SHEET_HEAD.as_bytes()).unwrap();
            out.write_all(br#"<row r="1"><c r="A1" t="inlineStr"><is><t>Ref</t></is></c><c r="B1" t="inlineStr"><is><t>Action</t></is></c></row>"#).unwrap();
            for r in 2..=1_048_576u32 {
                write!(out, r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>"#).unwrap();
            }
            out.write_all(SHEET_TAIL.as_bytes()).unwrap();
        },
        Some(1),
    );
    refused(&file, "more than 20000 rows");
}

#[test]
fn xml_entity_expansion_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("laughs.xlsx");
    raw_xlsx(
        &file,
        |w| {
            let mut dtd =
                String::from(r#"<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY l0 "lol">"#);
            for i in 1..10 {
                let prev = format!("&l{};", i - 1).repeat(10);
                dtd.push_str(&format!(r#"<!ENTITY l{i} "{prev}">"#));
            }
            dtd.push_str(r#"]><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&l9;</t></is></c></row></sheetData></worksheet>"#);
            w.write_all(dtd.as_bytes()).unwrap();
        },
        None,
    );
    refused(&file, "declares a DTD");
}

#[test]
fn a_corrupt_zip_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let good = title_block(tmp.path());
    let bytes = std::fs::read(&good).unwrap();
    // Cut off: the central directory is gone.
    let cut = tmp.path().join("cut.xlsx");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    refused(&cut, "is damaged");
    // Scrambled inside a compressed part: its checksum no longer holds.
    let mut scrambled = bytes.clone();
    let at = bytes
        .windows(24)
        .position(|w| w == b"xl/worksheets/sheet1.xml")
        .expect("the sheet's local header")
        + 40;
    for b in &mut scrambled[at..at + 64] {
        *b ^= 0x5A;
    }
    let bad = tmp.path().join("scrambled.xlsx");
    std::fs::write(&bad, &scrambled).unwrap();
    refused(&bad, "is damaged");
}

#[test]
fn a_password_protected_workbook_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("locked.xlsx");
    // What Excel writes for a workbook with a password to open: an OLE compound file
    // holding the encryption header and the encrypted package.
    let f = std::fs::File::create(&file).unwrap();
    let mut comp = cfb::CompoundFile::create(f).unwrap();
    comp.create_stream("/EncryptionInfo")
        .unwrap()
        .write_all(&[4, 0, 4, 0, 0x40, 0, 0, 0])
        .unwrap();
    comp.create_stream("/EncryptedPackage")
        .unwrap()
        .write_all(&[0x5A; 4096])
        .unwrap();
    comp.flush().unwrap();
    drop(comp);
    refused(&file, "password-protected");
}

#[test]
fn a_csv_renamed_xlsx_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("renamed.xlsx");
    std::fs::write(&file, "Ref,Action\n1,Do it\n").unwrap();
    refused(&file, "CSV file renamed .xlsx");
}

/// The hostile-import corpus, `tests/fixtures/hostile-import/` (its README says where
/// each file comes from): workbooks that made the spreadsheet library panic, abort on a
/// huge allocation, loop for ever or take gigabytes. The library reads them in a child
/// process with limits: each is "not a readable workbook" (or another plain refusal),
/// exit 2, within 30 s and 1 GiB.
#[test]
fn the_hostile_import_corpus_is_refused_within_the_limits() {
    let dir = crate_root().join("tests/fixtures/hostile-import");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".md"))
        .collect();
    names.sort();
    assert!(names.len() >= 6, "{names:?}");
    // One thread each: the two that spin take the whole time limit.
    let runs: Vec<_> = names
        .into_iter()
        .map(|name| {
            let file = dir.join(&name);
            std::thread::spawn(move || {
                let says = if name.contains("repeated-rows") {
                    // Refused before it is read whole, or stopped at the memory limit.
                    "workbook"
                } else {
                    "not a readable workbook"
                };
                refused_within(&file, says, Duration::from_secs(30));
            })
        })
        .collect();
    for r in runs {
        r.join()
            .expect("a hostile workbook was not refused within the limits");
    }
}

/// Thousands of merged regions that each reach the last row: each cell is filled once,
/// so the time does not grow as regions × rows.
#[test]
fn thousands_of_merged_regions_are_read_quickly() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("merges.xlsx");
    let n = 19_000;
    raw_xlsx(
        &file,
        |w| {
            let mut out = std::io::BufWriter::new(w);
            out.write_all(SHEET_HEAD.as_bytes()).unwrap();
            out.write_all(br#"<row r="1"><c r="A1" t="inlineStr"><is><t>Objective</t></is></c><c r="B1" t="inlineStr"><is><t>Action</t></is></c></row>"#).unwrap();
            let long = "an objective written out at length ".repeat(8);
            for r in 2..n + 2 {
                write!(
                    out,
                    r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{long}{r}</t></is></c></row>"#
                )
                .unwrap();
            }
            write!(out, r#"</sheetData><mergeCells count="{n}">"#).unwrap();
            for r in 2..n + 2 {
                write!(out, r#"<mergeCell ref="A{r}:A1048576"/>"#).unwrap();
            }
            out.write_all(b"</mergeCells></worksheet>").unwrap();
        },
        Some(9),
    );
    let c = content();
    let run = import(&c, &file, &["--type", "action", "--dry-run"]);
    assert!(
        matches!(run.end, common::End::Exited(0 | 2)),
        "{:?}: {}",
        run.end,
        run.stderr
    );
    run.assert_bounded_memory();
    assert!(
        run.elapsed < Duration::from_secs(5),
        "took {:?}",
        run.elapsed
    );
}

/// `/dev/zero` never ends and a named pipe with no writer never answers: both are
/// refused at once, without reading.
#[test]
fn devices_and_named_pipes_are_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("tracker.xlsx");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    for file in [Path::new("/dev/zero"), fifo.as_path()] {
        refused_within(file, "not a regular file", Duration::from_secs(5));
    }
}

// ---------------------------------------------------------------------------------------
// data/tracker.xlsx read back.

fn build(content: &Path, out: &Path, audience: &str) {
    let run = assure(
        &[
            "build".as_ref(),
            "--content".as_ref(),
            content.as_os_str(),
            "--output".as_ref(),
            out.as_os_str(),
            "--no-pdf".as_ref(),
            "--audience".as_ref(),
            audience.as_ref(),
        ],
        &crate_root(),
    );
    run.assert_exit(0);
}

/// Every part of a zip, unpacked.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut out = Vec::new();
            f.read_to_end(&mut out).unwrap();
            (String::from_utf8_lossy(f.name_raw()).into_owned(), out)
        })
        .collect()
}

/// A CSV file's rows (the BOM dropped).
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

/// A workbook cell as text: dates as ISO dates, whole numbers without a point.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(n) => n.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            // Days since 1899-12-30, as the date Assure wrote.
            let days = dt.as_f64() as i64 - 25_569;
            assure::date::Date::from_days(days).to_string()
        }
        other => format!("{other:?}"),
    }
}

/// What the workbook shows for a CSV value in column `name` of type `t`.
fn shown(t: assure::model::schema::RecordType, name: &str, csv: &str) -> String {
    use assure::model::schema::FieldKind;
    // The CSV defuses formula-like text with a leading '; the workbook needs not.
    let raw = match csv.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => csv,
    };
    let labelled = matches!(
        name,
        "status"
            | "rag"
            | "effective_rag"
            | "state"
            | "overdue"
            | "evidenced"
            | "past_due"
            // Derived facts of indicators and risks (SPEC §14.9), shown in words too.
            | "against_target"
            | "trend"
            | "no_recent_value"
            | "review_overdue"
    ) || matches!(t.field(name).map(|f| f.kind), Some(FieldKind::Enum(_)));
    if labelled {
        assure::present::label(raw)
    } else {
        raw.to_string()
    }
}

fn sheet_of(t: &str) -> &'static str {
    assure::model::schema::RecordType::from_name(t)
        .map(|t| t.plural_title())
        .unwrap_or("Objectives")
}

/// Every CSV row and column is in the workbook with the same value.
fn assert_round_trip(out: &Path) {
    let path = out.join("data/tracker.xlsx");
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("open tracker.xlsx");
    let mut csvs: Vec<PathBuf> = std::fs::read_dir(out.join("data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    csvs.sort();
    assert!(!csvs.is_empty());
    for csv in csvs {
        let stem = csv.file_stem().unwrap().to_string_lossy().into_owned();
        let t = assure::model::schema::RecordType::from_name(&stem)
            .unwrap_or(assure::model::schema::RecordType::Objective);
        let rows = csv_rows(&csv);
        let range = wb
            .worksheet_range(sheet_of(&stem))
            .unwrap_or_else(|e| panic!("no sheet for {stem}: {e}"));
        assert_eq!(range.height(), rows.len(), "{stem}: rows");
        for (r, row) in rows.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                let got = range.get((r, c)).map(cell_text).unwrap_or_default();
                let want = if r == 0 {
                    assure::present::column_label(t, value)
                } else {
                    shown(t, &rows[0][c], value)
                };
                assert_eq!(got, want, "{stem} row {} column {}", r + 1, rows[0][c]);
            }
        }
    }
}

#[test]
fn the_workbook_holds_every_csv_value_and_nothing_withheld() {
    let fixture = crate_root().join("tests/fixtures/leak");
    let tmp = tempfile::tempdir().unwrap();
    let internal = tmp.path().join("internal");
    let public = tmp.path().join("public");
    build(&fixture, &internal, "internal");
    build(&fixture, &public, "public");
    assert_round_trip(&internal);
    assert_round_trip(&public);

    // The records withheld from the public: in the internal build, not the public one.
    let ids = |out: &Path| -> Vec<String> {
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("data/records.json")).unwrap()).unwrap();
        json["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_lowercase())
            .collect()
    };
    let shown_ids = ids(&public);
    let withheld: Vec<String> = ids(&internal)
        .into_iter()
        .filter(|id| !shown_ids.contains(id))
        .collect();
    assert!(
        withheld.iter().any(|id| id.starts_with("zq")),
        "{withheld:?}"
    );
    let text_of = |out: &Path| -> Vec<(String, String)> {
        unzip(&std::fs::read(out.join("data/tracker.xlsx")).unwrap())
            .into_iter()
            .map(|(n, b)| (n, String::from_utf8_lossy(&b).to_lowercase()))
            .collect()
    };
    let internal_parts = text_of(&internal);
    for id in &withheld {
        assert!(
            internal_parts.iter().any(|(_, t)| t.contains(id.as_str())),
            "{id} is not in the internal workbook, so the search would prove nothing"
        );
    }
    for (name, text) in text_of(&public) {
        for id in &withheld {
            assert!(!text.contains(id.as_str()), "{id} leaks into {name}");
        }
    }

    // The Readiness sheet has the figures of `status --format json`.
    let status = assure(
        &[
            "status",
            "--content",
            fixture.to_str().unwrap(),
            "--audience",
            "public",
            "--format",
            "json",
        ],
        &crate_root(),
    );
    status.assert_exit(0);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook(public.join("data/tracker.xlsx")).unwrap();
    let readiness = wb.worksheet_range("Readiness").unwrap();
    let figure = |label: &str| -> String {
        readiness
            .rows()
            .find(|r| r.first().map(cell_text).as_deref() == Some(label))
            .map(|r| cell_text(&r[1]))
            .unwrap_or_else(|| panic!("no {label} row"))
    };
    assert_eq!(
        figure("Recommendations evidenced"),
        json["readiness"]["evidenced"].to_string()
    );
    assert_eq!(
        figure("Recommendations counted"),
        json["readiness"]["counted"].to_string()
    );
    assert_eq!(figure("Readiness date"), json["as_of"].as_str().unwrap());
    assert_eq!(figure("Audience"), "public");
    for (status, n) in json["recommendations"]["by_status"].as_object().unwrap() {
        assert_eq!(figure(&assure::present::label(status)), n.to_string());
    }

    // The same content gives the same bytes.
    let again = tmp.path().join("again");
    build(&fixture, &again, "public");
    assert_eq!(
        std::fs::read(public.join("data/tracker.xlsx")).unwrap(),
        std::fs::read(again.join("data/tracker.xlsx")).unwrap(),
        "tracker.xlsx differs between two builds"
    );
}

#[test]
fn titles_that_look_like_formulas_stay_text() {
    let c = TempContent::new();
    let titles = [
        "=HYPERLINK(\"http://evil.example\",\"Click\")",
        "+1 for the board",
        "-2 days late",
        "@SUM(A1:A9)",
        "\tTabbed title",
        "\rCarriage title",
    ];
    for (i, t) in titles.iter().enumerate() {
        let quoted = serde_json::to_string(t).unwrap();
        c.write(
            &format!("actions/act-{}.yaml", i + 1),
            format!("title: {quoted}\nowner: {quoted}\nstatus: in-progress\n"),
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    build(c.root(), &out, "internal");

    // The CSV: every one defused with a leading '.
    let rows = csv_rows(&out.join("data/action.csv"));
    let owner_col = rows[0].iter().position(|h| h == "owner").unwrap();
    let mut owners: Vec<&str> = rows[1..].iter().map(|r| r[owner_col].as_str()).collect();
    owners.sort();
    let mut want: Vec<String> = titles.iter().map(|t| format!("'{t}")).collect();
    want.sort();
    assert_eq!(owners, want);

    // The workbook: no formula anywhere, and each of these cells a string cell.
    let parts = unzip(&std::fs::read(out.join("data/tracker.xlsx")).unwrap());
    let strings = &parts
        .iter()
        .find(|(n, _)| n == "xl/sharedStrings.xml")
        .expect("shared strings")
        .1;
    let strings = String::from_utf8_lossy(strings);
    let sis: Vec<&str> = strings.split("<si>").skip(1).collect();
    let cell_re = regex::Regex::new(r#"<c r="([A-Z]+)(\d+)"([^>]*)>(.*?)</c>"#).unwrap();
    let mut checked = 0;
    // The Action plan (the second sheet) names each action "ID: title", its Lead the owner.
    let mut in_plan = 0;
    // The hidden Round trip sheet (the last, fourth) keeps each owner as built.
    let mut in_round_trip = 0;
    for (name, bytes) in &parts {
        if !name.starts_with("xl/worksheets/") {
            continue;
        }
        let plan = name.ends_with("sheet2.xml");
        let round_trip = name.ends_with("sheet4.xml");
        let xml = String::from_utf8_lossy(bytes);
        assert!(
            !xml.contains("<f>") && !xml.contains("<f "),
            "a formula in {name}"
        );
        for cap in cell_re.captures_iter(&xml) {
            let attrs = &cap[3];
            let inner = &cap[4];
            if !attrs.contains("t=\"s\"") {
                continue;
            }
            let idx: usize = inner
                .trim_start_matches("<v>")
                .trim_end_matches("</v>")
                .parse()
                .unwrap();
            if titles.iter().any(|t| {
                let esc = t.replace('&', "&amp;").replace('<', "&lt;");
                sis[idx].contains(esc.trim_start_matches(['\t', '\r']))
            }) {
                if plan {
                    in_plan += 1;
                } else if round_trip {
                    in_round_trip += 1;
                } else {
                    checked += 1;
                }
            }
        }
        // Every cell in the Action plan's and the Actions sheet's title column holds a
        // shared string.
        if xml.contains("Tabbed") || plan || name.ends_with("sheet3.xml") {
            for cap in cell_re.captures_iter(&xml) {
                if &cap[1] == "B" && &cap[2] != "1" {
                    assert!(
                        cap[3].contains("t=\"s\""),
                        "{name} B{} is not text: {}",
                        &cap[2],
                        &cap[0]
                    );
                }
            }
        }
    }
    // Each title twice (title and owner columns).
    assert_eq!(checked, titles.len() * 2, "string cells holding the titles");
    assert_eq!(
        in_plan,
        titles.len() * 2,
        "Action plan cells holding the titles"
    );
    assert_eq!(
        in_round_trip,
        titles.len(),
        "Round trip cells holding the owners"
    );
    // Read back, each is exactly the text written.
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(out.join("data/tracker.xlsx")).unwrap();
    let range = wb.worksheet_range("Actions").unwrap();
    let mut got: Vec<String> = range.rows().skip(1).map(|r| cell_text(&r[1])).collect();
    got.sort();
    let mut want: Vec<String> = titles.iter().map(|t| t.to_string()).collect();
    want.sort();
    assert_eq!(got, want);
}

// ---------------------------------------------------------------------------------------
// The Action plan sheet (SPEC §14.11): the council layout, read back and printed.

/// The demo built into `out` (no packs).
fn demo_tracker(out: &Path) -> PathBuf {
    build(&crate_root().join("content"), out, "internal");
    out.join("data/tracker.xlsx")
}

#[test]
fn the_action_plan_sheet_is_in_the_council_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let path = demo_tracker(&out);
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    assert_eq!(wb.sheet_names()[..2], ["Readiness", "Action plan"]);
    let sheet = wb.worksheet_range("Action plan").unwrap();
    let rows: Vec<Vec<&Data>> = sheet.rows().map(|r| r.iter().collect()).collect();
    let header: Vec<String> = rows[0].iter().map(|d| cell_text(d)).collect();
    assert_eq!(
        header,
        [
            "Recommendation",
            "Action",
            "Lead",
            "Due",
            "BRAG",
            "Progress update",
            "Evidence"
        ]
    );

    // Against data/records.json: a row per action under each recommendation it
    // addresses, a row for a recommendation with none, and the action's facts.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("data/records.json")).unwrap()).unwrap();
    let records = json["records"].as_array().unwrap();
    let of_type = |t: &'static str| records.iter().filter(move |r| r["type"] == t);
    let mut want: Vec<(String, String)> = Vec::new();
    for rec in of_type("recommendation") {
        let rid = rec["id"].as_str().unwrap();
        let mine: Vec<&str> = of_type("action")
            .filter(|a| {
                a["addresses"]
                    .as_array()
                    .is_some_and(|l| l.iter().any(|x| x["id"] == rid))
            })
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        if mine.is_empty() {
            want.push((rid.into(), String::new()));
        }
        want.extend(mine.into_iter().map(|a| (rid.to_string(), a.to_string())));
    }
    let id_of = |d: &Data| cell_text(d).split(':').next().unwrap_or("").to_string();
    let got: Vec<(String, String)> = rows[1..]
        .iter()
        .map(|r| (id_of(r[0]), id_of(r[1])))
        .filter(|(rec, _)| !rec.starts_with("Not linked"))
        .collect();
    assert_eq!(got, want);
    let mut dates = 0;
    for row in &rows[1..] {
        let Some(action) = records.iter().find(|r| r["id"] == id_of(row[1]).as_str()) else {
            continue;
        };
        assert_eq!(cell_text(row[2]), action["owner"].as_str().unwrap_or(""));
        // Due: a full date is a date cell; a partial one ("2013-04") is text.
        match (action["due"].as_str(), row[3]) {
            (None, Data::Empty) => {}
            (Some(due), Data::DateTime(_)) if due.len() == 10 => {
                assert_eq!(cell_text(row[3]), due);
                dates += 1;
            }
            (Some(due), Data::String(s)) if due.len() < 10 => assert_eq!(s, due),
            (due, cell) => panic!("{}: due {due:?} written as {cell:?}", action["id"]),
        }
        let rag = action["derived"]["effective_rag"].as_str().unwrap_or("");
        assert_eq!(cell_text(row[4]), assure::present::label(rag));
    }
    assert!(dates > 5, "the demo's full due dates are date cells");
    // A progress update and evidence where the demo has them.
    assert!(
        rows[1..]
            .iter()
            .filter(|r| !cell_text(r[5]).is_empty())
            .count()
            > 10
    );
    let act01 = rows[1..]
        .iter()
        .find(|r| id_of(r[1]) == "act-01")
        .expect("act-01 has a row");
    assert!(
        cell_text(act01[5])
            .starts_with("Measures to clear the backlog of unallocated children in need cases"),
        "{:?}",
        act01[5]
    );

    // Every row of the Action plan has the height of its wrapped text (LibreOffice
    // prints rows at the height the workbook gives them).
    let bytes = std::fs::read(&path).unwrap();
    let parts = unzip(&bytes);
    let xml = String::from_utf8_lossy(
        &parts
            .iter()
            .find(|(n, _)| n == "xl/worksheets/sheet2.xml")
            .expect("the Action plan's part")
            .1,
    )
    .into_owned();
    let row_re = regex::Regex::new(r#"<row r="(\d+)"([^>]*)>"#).unwrap();
    let mut tall = 0;
    for cap in row_re.captures_iter(&xml) {
        let n: usize = cap[1].parse().unwrap();
        if n == 1 {
            continue;
        }
        assert!(
            cap[2].contains(r#"customHeight="1""#),
            "row {n}: {}",
            &cap[0]
        );
        let ht: f64 = cap[2]
            .split("ht=\"")
            .nth(1)
            .and_then(|h| h.split('"').next())
            .and_then(|h| h.parse().ok())
            .unwrap_or_else(|| panic!("row {n} has no height: {}", &cap[0]));
        let progress = cell_text(rows[n - 1][5]);
        assert!(
            ht >= 15.0 * (progress.chars().count() as f64 / 46.0).ceil(),
            "row {n}: {ht} pt for {} characters of progress update",
            progress.chars().count()
        );
        tall += usize::from(ht > 15.0);
    }
    assert!(tall > 10, "{tall} rows taller than one line");

    // Every sheet: no full date is ever text; a date cell is always a whole day.
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        for (r, row) in range.rows().enumerate() {
            for cell in row {
                if let Data::String(s) = cell {
                    assert!(
                        assure::date::Date::parse_full(s.trim()).is_none(),
                        "{name} row {}: the full date {s:?} is text",
                        r + 1
                    );
                }
            }
        }
    }
}

/// Whether a tool is installed: it runs and says its version (`-v` for poppler's).
fn installed(tool: &str, version_flag: &str) -> bool {
    std::process::Command::new(tool)
        .arg(version_flag)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_action_plan_prints_landscape_one_page_wide_with_its_header_on_every_page() {
    if !installed("soffice", "--version") || !installed("pdftotext", "-v") {
        eprintln!(
            "SKIPPED: printing the Action plan needs LibreOffice (soffice) and poppler-utils; \
             install them with `apt-get install libreoffice-calc-nogui poppler-utils`"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = demo_tracker(&tmp.path().join("out"));
    let pdf_dir = tmp.path().join("pdf");
    // A profile of its own, so a LibreOffice already running cannot take the job.
    let profile = format!("file://{}", tmp.path().join("profile").display());
    let run = std::process::Command::new("soffice")
        .arg(format!("-env:UserInstallation={profile}"))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&pdf_dir)
        .arg(&path)
        .output()
        .expect("soffice runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let pdf = pdf_dir.join("tracker.pdf");
    let info = std::process::Command::new("pdfinfo")
        .args(["-f", "1", "-l", "100000"])
        .arg(&pdf)
        .output()
        .expect("pdfinfo runs");
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a page count");
    let page_text = |n: usize| -> String {
        let out = std::process::Command::new("pdftotext")
            .args(["-layout", "-f", &n.to_string(), "-l", &n.to_string()])
            .arg(&pdf)
            .arg("-")
            .output()
            .expect("pdftotext runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let headers = [
        "Recommendation",
        "Action",
        "Lead",
        "Due",
        "BRAG",
        "Progress update",
        "Evidence",
    ];
    // The Action plan's pages: those that carry its own header words.
    let plan: Vec<(usize, String)> = (1..=pages)
        .map(|n| (n, page_text(n)))
        .filter(|(_, t)| t.contains("Progress update") && t.contains("BRAG"))
        .collect();
    assert!(
        !plan.is_empty(),
        "no page of the Action plan in {pages} pages"
    );
    for (n, text) in &plan {
        // The header row is on every page, and with it every column (one page wide).
        for h in headers {
            assert!(text.contains(h), "page {n} lacks the column {h}:\n{text}");
        }
        let size = info
            .lines()
            .find(|l| l.starts_with(&format!("Page {n:>4} size:")))
            .unwrap_or_else(|| panic!("no size of page {n}:\n{info}"));
        let dims: Vec<f64> = size
            .split("size:")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        assert!(dims[0] > dims[1], "page {n} is not landscape: {size}");
    }
    // Pages follow each other; every action row is on one of them with its Evidence
    // column (a row's cells are never on another page than its first).
    let first = plan[0].0;
    assert_eq!(
        plan.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        (first..first + plan.len()).collect::<Vec<_>>()
    );
    let all: String = plan.iter().map(|(_, t)| t.as_str()).collect();
    for id in ["act-01", "act-10", "act-24"] {
        assert!(all.contains(&format!("{id}:")), "{id} is not printed");
    }
    eprintln!(
        "the Action plan prints on {} A4 landscape pages, one page wide (the workbook: {pages} pages)",
        plan.len()
    );
    assert!(
        plan.len() <= 25,
        "the Action plan takes {} pages",
        plan.len()
    );
}

// ---------------------------------------------------------------------------------------
// data/tracker.xlsx written without a temporary folder.

/// Every cell of every sheet of a workbook, by sheet, as text.
fn cells(path: &Path) -> Vec<(String, Vec<Vec<String>>)> {
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).expect("open the workbook");
    let names = wb.sheet_names().to_vec();
    names
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).expect("a sheet");
            let rows = range
                .rows()
                .map(|r| r.iter().map(|d| d.to_string()).collect())
                .collect();
            (name, rows)
        })
        .collect()
}

/// The sheets with a row per record are written row by row through a temporary file
/// (issue 25). Where no temporary file can be made (a council laptop's full or locked
/// temporary folder), the build still writes the workbook, with the same cells.
#[test]
fn the_tracker_is_written_whole_when_no_temporary_file_can_be_made() {
    let root = crate_root();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let build = |out: &Path, tmp: Option<&Path>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_assure"));
        cmd.args(["build", "--no-pdf", "--content"])
            .arg(root.join("content"))
            .arg("--output")
            .arg(out)
            .current_dir(&root);
        if let Some(tmp) = tmp {
            cmd.env("TMPDIR", tmp).env("TMP", tmp).env("TEMP", tmp);
        }
        let run = cmd.output().expect("run assure");
        assert!(
            run.status.success(),
            "assure build failed:\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
        out.join("data/tracker.xlsx")
    };
    let usual = build(&dir.path().join("usual"), None);
    let missing = dir.path().join("no-such-folder");
    let without = build(&dir.path().join("without"), Some(&missing));
    let (a, b) = (cells(&usual), cells(&without));
    assert!(
        a.len() > 3,
        "the demo's workbook has its sheets: {}",
        a.len()
    );
    assert!(a.iter().any(|(_, rows)| rows.len() > 20));
    assert_eq!(a, b, "the same sheets and cells either way");
}
