//! The tracker round trip (SPEC §14.11): the demo's `data/tracker.xlsx` edited the way
//! a spreadsheet saves an edit (cells of its sheets' XML replaced, and once re-saved by
//! LibreOffice), brought back with `assure import tracker.xlsx --update [--apply]`:
//! without `--apply` no byte changes; with it exactly the edited lines change (whole
//! files compared with hand-written expected ones); the rebuilt tracker shows the new
//! values; a record changed on disk since the build is refused and named; bad cells
//! are problems with sheet, row and column, and the rest goes on.

use crate::common;

use calamine::{Data, Reader};
use common::{assure, crate_root, Run};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The demo content copied into a temporary folder, and where its output goes.
struct Demo {
    _tmp: tempfile::TempDir,
    content: PathBuf,
    out: PathBuf,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn demo() -> Demo {
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("content");
    copy_dir(&crate_root().join("content"), &content);
    let out = tmp.path().join("out");
    Demo {
        _tmp: tmp,
        content,
        out,
    }
}

impl Demo {
    /// Builds the site (no packs) for the demo's site audience; the tracker's path.
    fn build(&self) -> PathBuf {
        self.build_for(None)
    }

    /// Builds the site (no packs) for an audience; the tracker's path.
    fn build_for(&self, audience: Option<&str>) -> PathBuf {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "build".as_ref(),
            "--content".as_ref(),
            self.content.as_os_str(),
            "--output".as_ref(),
            self.out.as_os_str(),
            "--no-pdf".as_ref(),
        ];
        if let Some(a) = audience {
            args.push("--audience".as_ref());
            args.push(a.as_ref());
        }
        let run = assure(&args, &crate_root());
        run.assert_exit(0);
        self.out.join("data/tracker.xlsx")
    }

    fn update(&self, tracker: &Path, apply: bool) -> Run {
        let mut args = vec![
            "import".as_ref(),
            tracker.as_os_str(),
            "--update".as_ref(),
            "--content".as_ref(),
            self.content.as_os_str(),
        ];
        if apply {
            args.push("--apply".as_ref());
        }
        assure(&args, &crate_root())
    }

    /// Every content file's bytes, by path inside the content folder.
    fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        common::files(&self.content)
            .into_iter()
            .map(|rel| {
                let bytes = std::fs::read(self.content.join(&rel)).unwrap();
                (rel, bytes)
            })
            .collect()
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.content.join(rel)).unwrap()
    }
}

/// A sheet's rows as calamine reads them.
fn rows(path: &Path, sheet: &str) -> Vec<Vec<Data>> {
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::DateTime(dt) => {
            let days = dt.as_f64() as i64 - 25_569;
            assure::date::Date::from_days(days).to_string()
        }
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// The cell reference ("D7") of the column headed `header` in the first row whose
/// `key_col` cell starts with `key` (the `nth` such row, from 0).
fn cell_ref(path: &Path, sheet: &str, key: &str, header: &str, nth: usize) -> String {
    let rows = rows(path, sheet);
    let head = &rows[0];
    let col = head
        .iter()
        .position(|c| text(c) == header)
        .unwrap_or_else(|| panic!("{sheet} has no column {header}"));
    let key_col = if sheet == "Action plan" { 1 } else { 0 };
    let row = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            let t = text(&r[key_col]);
            t == key || t.starts_with(&format!("{key}:"))
        })
        .nth(nth)
        .unwrap_or_else(|| panic!("{sheet} has no row {nth} for {key}"))
        .0;
    format!("{}{}", (b'A' + col as u8) as char, row + 1)
}

/// What a cell is changed to.
#[derive(Clone)]
enum New {
    Text(&'static str),
    Date(&'static str),
    Number(f64),
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The column number of a cell reference ("D7" → 4).
fn col_of(r: &str) -> u32 {
    r.chars()
        .take_while(char::is_ascii_alphabetic)
        .fold(0, |n, c| n * 26 + (c as u32 - 'A' as u32 + 1))
}

/// A sheet's XML with one cell replaced (or added to its row), as a spreadsheet saves
/// an edited cell: its style kept, text as an inline string, a date as its serial.
fn patch_cell(xml: &str, r: &str, new: &New) -> String {
    let open = format!("<c r=\"{r}\"");
    let (start, end, style) = match xml
        .find(&format!("{open} "))
        .or_else(|| xml.find(&format!("{open}>")))
    {
        Some(start) => {
            let tag_end = start + xml[start..].find('>').unwrap();
            let end = if xml.as_bytes()[tag_end - 1] == b'/' {
                tag_end + 1
            } else {
                tag_end + xml[tag_end..].find("</c>").unwrap() + 4
            };
            let tag = &xml[start..tag_end];
            let style = tag
                .split_once(" s=\"")
                .map(|(_, rest)| rest.split('"').next().unwrap().to_string());
            (start, end, style)
        }
        None => {
            // Not written: added to its row, before the first cell to its right.
            let row_no: String = r.chars().skip_while(char::is_ascii_alphabetic).collect();
            let row_at = xml.find(&format!("<row r=\"{row_no}\"")).unwrap();
            let row_end = row_at + xml[row_at..].find("</row>").unwrap();
            let mut at = row_end;
            let mut search = row_at;
            while let Some(n) = xml[search..row_end].find("<c r=\"") {
                let c = search + n;
                let other: String = xml[c + 6..].chars().take_while(|ch| *ch != '"').collect();
                if col_of(&other) > col_of(r) {
                    at = c;
                    break;
                }
                search = c + 6;
            }
            (at, at, None)
        }
    };
    let s = style.map(|s| format!(" s=\"{s}\"")).unwrap_or_default();
    let cell = match new {
        New::Text(t) => format!(
            "<c r=\"{r}\"{s} t=\"inlineStr\"><is><t xml:space=\"preserve\">{}</t></is></c>",
            xml_escape(t)
        ),
        New::Date(d) => {
            let days = assure::date::Date::parse_full(d).unwrap().days();
            format!("<c r=\"{r}\"{s}><v>{}</v></c>", days + 25_569)
        }
        New::Number(n) => format!("<c r=\"{r}\"{s}><v>{n}</v></c>"),
    };
    format!("{}{cell}{}", &xml[..start], &xml[end..])
}

/// The tracker with cells changed: `(sheet, cell reference, new value)`.
fn edit(path: &Path, edits: &[(&str, String, New)]) {
    let bytes = std::fs::read(path).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        parts.push((f.name().unwrap().to_string(), b));
    }
    fn part(parts: &[(String, Vec<u8>)], name: &str) -> String {
        String::from_utf8(parts.iter().find(|(n, _)| n == name).unwrap().1.clone()).unwrap()
    }
    let workbook = part(&parts, "xl/workbook.xml");
    let rels = part(&parts, "xl/_rels/workbook.xml.rels");
    for (sheet, r, new) in edits {
        let at = workbook
            .find(&format!("<sheet name=\"{}\"", xml_escape(sheet)))
            .unwrap();
        let rid: String = workbook[at..]
            .split("r:id=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let rel_at = rels.find(&format!("Id=\"{rid}\"")).unwrap();
        let rel_tag_start = rels[..rel_at].rfind('<').unwrap();
        let rel_tag =
            &rels[rel_tag_start..rel_tag_start + rels[rel_tag_start..].find('>').unwrap()];
        let target = rel_tag
            .split("Target=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let name = format!("xl/{target}");
        let xml = part(&parts, &name);
        let patched = patch_cell(&xml, r, new);
        parts.iter_mut().find(|(n, _)| *n == name).unwrap().1 = patched.into_bytes();
    }
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in &parts {
            w.start_file(name.as_str(), opts).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap();
    }
    std::fs::write(path, out.into_inner()).unwrap();
}

/// The edits of the round trip, and three bad cells.
fn edits(tracker: &Path) -> Vec<(&'static str, String, New)> {
    let at = |sheet, key, header, nth| cell_ref(tracker, sheet, key, header, nth);
    vec![
        // A list file's record: owner, and a progress update into its `body: |`.
        (
            "Action plan",
            at("Action plan", "act-26", "Lead", 0),
            New::Text("Chair of the Trust board"),
        ),
        (
            "Action plan",
            at("Action plan", "act-27", "Progress update", 0),
            New::Text("Appointed in March 2014; induction *done*."),
        ),
        // act-05 answers two recommendations: one of its two rows edited.
        (
            "Action plan",
            at("Action plan", "act-05", "Due", 1),
            New::Date("2014-12-31"),
        ),
        (
            "Action plan",
            at("Action plan", "act-19", "BRAG", 0),
            New::Text("Red"),
        ),
        // The records sheets.
        (
            "Actions",
            at("Actions", "act-05", "Status", 0),
            New::Text("Blocked"),
        ),
        (
            "Recommendations",
            at("Recommendations", "commissioner-2014-r2", "Status", 0),
            New::Text("In progress"),
        ),
        // Bad cells: problems, and their records are left as they are.
        (
            "Action plan",
            at("Action plan", "act-25", "Due", 0),
            New::Text("31/02/2014"),
        ),
        (
            "Actions",
            at("Actions", "act-29", "Status", 0),
            New::Text("Finished-ish"),
        ),
        (
            "Actions",
            at("Actions", "act-30", "Owner", 0),
            New::Number(42.0),
        ),
    ]
}

/// The files the edits change, as they must read afterwards: each the file before
/// with exactly the edited lines changed.
fn expected(before: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, String> {
    let text = |rel: &str| String::from_utf8(before[rel].clone()).unwrap();
    let replaced = |rel: &str, pairs: &[(&str, &str)]| {
        let mut t = text(rel);
        for (old, new) in pairs {
            assert_eq!(t.matches(old).count(), 1, "{rel}: {old:?} once");
            t = t.replacen(old, new, 1);
        }
        (rel.to_string(), t)
    };
    [
        replaced(
            "actions/trust-setup.yaml",
            &[
                (
                    "    owner: Commissioner for Children's Social Care\n    due: 2013-09\n",
                    "    owner: Chair of the Trust board\n    due: 2013-09\n",
                ),
                (
                    "      momentum and direction.\n",
                    "      momentum and direction.\n\n      ## Progress update\n\n      Appointed in March 2014; induction \\*done\\*.\n",
                ),
            ],
        ),
        replaced(
            "actions/act-05.md",
            &[
                ("due: 2013-12-31\n", "due: 2014-12-31\n"),
                ("status: in-progress\n", "status: blocked\n"),
            ],
        ),
        replaced("actions/act-19.md", &[("rag: amber\n", "rag: red\n")]),
        replaced(
            "recommendations/commissioner-2014-r2.md",
            &[("status: open\n", "status: in-progress\n")],
        ),
    ]
    .into_iter()
    .collect()
}

/// Asserts a run found no edit, and ended well.
fn assert_nothing_to_bring_back(run: &Run) {
    run.assert_exit(0);
    assert!(
        run.stdout.contains("no edits to bring back"),
        "{}",
        run.stdout
    );
}

/// Asserts the content is `before` with exactly the `expected` files changed.
fn assert_changed(
    d: &Demo,
    before: &BTreeMap<String, Vec<u8>>,
    expected: &BTreeMap<String, String>,
) {
    let after = d.snapshot();
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "no file added or removed"
    );
    for (rel, bytes) in &after {
        match expected.get(rel) {
            Some(want) => assert_eq!(&String::from_utf8_lossy(bytes), want, "{rel}"),
            None => assert!(bytes == &before[rel], "{rel} changed"),
        }
    }
}

/// The plan's lines, and the problems, as the report prints them.
fn assert_report(stdout: &str, verb: &str) {
    for line in [
        format!("6 changes {verb}:"),
        "actions/act-05.md: act-05 status: in-progress → blocked".into(),
        "actions/act-05.md: act-05 due: 2013-12-31 → 2014-12-31".into(),
        "actions/act-19.md: act-19 rag: amber → red".into(),
        "actions/trust-setup.yaml: act-26 owner: \"Commissioner for Children's Social Care\" → \"Chair of the Trust board\"".into(),
        "recommendations/commissioner-2014-r2.md: commissioner-2014-r2 status: open → in-progress".into(),
    ] {
        assert!(stdout.contains(&line), "missing {line:?} in\n{stdout}");
    }
    assert!(
        stdout.contains("actions/trust-setup.yaml: act-27 progress update: ")
            && stdout.contains("→ \"Appointed in March 2014; induction *done*.\""),
        "{stdout}"
    );
    // Each bad cell: its sheet, row and column, and what to write.
    for (place, says) in [
        ("sheet \"Action plan\", row ", "(Due): `31/02/2014` is not a date; write a date such as 31/03/2014"),
        ("sheet \"Actions\", row ", "(Status): `Finished-ish` is not a status of an action; write one of: Not started, In progress, Complete, Blocked, Cancelled"),
        ("sheet \"Actions\", row ", "(Owner): `42` is a number, not an owner"),
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with("problem: ") && l.contains(place) && l.contains(says)),
            "missing problem {says:?} in\n{stdout}"
        );
    }
}

#[test]
fn edits_in_the_tracker_come_back_as_exactly_the_edited_lines() {
    let d = demo();
    let tracker = d.build();
    let before = d.snapshot();
    edit(&tracker, &edits(&tracker));

    // Without --apply: the plan is printed, no byte changes; the bad cells make it 1.
    let run = d.update(&tracker, false);
    run.assert_exit(1);
    assert_report(&run.stdout, "to make");
    assert!(run
        .stdout
        .contains("nothing was written: run again with --apply"));
    assert_changed(&d, &before, &BTreeMap::new());

    // With --apply: exactly the edited lines.
    let run = d.update(&tracker, true);
    run.assert_exit(1);
    assert_report(&run.stdout, "made");
    let want = expected(&before);
    assert_changed(&d, &before, &want);

    // The rebuilt tracker shows the new values, and brings nothing more back.
    let tracker = d.build();
    let plan = rows(&tracker, "Action plan");
    let row_of = |id: &str| {
        plan.iter()
            .find(|r| text(&r[1]).starts_with(&format!("{id}:")))
            .unwrap()
            .clone()
    };
    assert_eq!(text(&row_of("act-26")[2]), "Chair of the Trust board");
    assert_eq!(
        text(&row_of("act-27")[5]),
        "Appointed in March 2014; induction *done*."
    );
    assert_eq!(text(&row_of("act-05")[3]), "2014-12-31");
    assert_eq!(text(&row_of("act-19")[4]), "Red");
    let run = d.update(&tracker, true);
    assert_nothing_to_bring_back(&run);
    assert_changed(&d, &before, &want);
}

#[test]
fn an_unchanged_tracker_applies_nothing() {
    let d = demo();
    let tracker = d.build();
    let before = d.snapshot();
    let run = d.update(&tracker, true);
    assert_nothing_to_bring_back(&run);
    assert_changed(&d, &before, &BTreeMap::new());
}

#[test]
fn a_record_changed_since_the_build_is_refused_and_named() {
    let d = demo();
    let tracker = d.build();
    // After the build, someone changes act-26's title in its list file.
    let rel = "actions/trust-setup.yaml";
    let changed = d.read(rel).replace(
        "title: Appoint the Chair of the Trust\n",
        "title: Appoint the Trust's Chair\n",
    );
    std::fs::write(d.content.join(rel), &changed).unwrap();
    let before = d.snapshot();
    edit(
        &tracker,
        &[
            (
                "Action plan",
                cell_ref(&tracker, "Action plan", "act-26", "Lead", 0),
                New::Text("Chair of the Trust board"),
            ),
            (
                "Action plan",
                cell_ref(&tracker, "Action plan", "act-19", "BRAG", 0),
                New::Text("Green"),
            ),
        ],
    );
    let run = d.update(&tracker, true);
    run.assert_exit(1);
    assert!(
        run.stdout.contains("problem: `act-26` changed since the tracker was built (in actions/trust-setup.yaml); its edits (sheet \"Action plan\" row "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("build the tracker again"),
        "{}",
        run.stdout
    );
    // The other row still goes on.
    assert!(
        run.stdout
            .contains("actions/act-19.md: act-19 rag: amber → green"),
        "{}",
        run.stdout
    );
    let mut want = BTreeMap::new();
    want.insert(
        "actions/act-19.md".to_string(),
        String::from_utf8(before["actions/act-19.md"].clone())
            .unwrap()
            .replacen("rag: amber\n", "rag: green\n", 1),
    );
    assert_changed(&d, &before, &want);
}

#[test]
fn conflicting_emptied_and_worked_out_cells() {
    let d = demo();
    let tracker = d.build();
    let before = d.snapshot();
    let at = |sheet, key, header, nth| cell_ref(&tracker, sheet, key, header, nth);
    edit(
        &tracker,
        &[
            // act-05's two rows edited to two different dates: neither is applied.
            (
                "Action plan",
                at("Action plan", "act-05", "Due", 0),
                New::Date("2015-01-31"),
            ),
            (
                "Action plan",
                at("Action plan", "act-05", "Due", 1),
                New::Date("2015-02-28"),
            ),
            // An emptied Owner removes the field.
            (
                "Actions",
                at("Actions", "act-19", "Owner", 0),
                New::Text(""),
            ),
            // Worked out by Assure, and a status cannot be emptied: problems.
            (
                "Actions",
                at("Actions", "act-19", "Effective RAG", 0),
                New::Text("Green"),
            ),
            (
                "Actions",
                at("Actions", "act-20", "Status", 0),
                New::Text(""),
            ),
        ],
    );
    let run = d.update(&tracker, true);
    run.assert_exit(1);
    let out = &run.stdout;
    assert!(out.contains("1 change made:"), "{out}");
    assert!(
        out.contains("actions/act-19.md: act-19 owner: \"Assistant Director, Children and Families\" → (none)"),
        "{out}"
    );
    assert!(
        out.contains("problem: `act-05` due: ")
            && out.contains("says 2015-01-31 but ")
            && out.contains("says 2015-02-28; make them agree"),
        "{out}"
    );
    assert!(
        out.contains("(Effective RAG): Assure works this out")
            && out.contains("change RAG instead"),
        "{out}"
    );
    assert!(out.contains("(Status): the status was emptied"), "{out}");
    let mut want = BTreeMap::new();
    want.insert(
        "actions/act-19.md".to_string(),
        String::from_utf8(before["actions/act-19.md"].clone())
            .unwrap()
            .replacen("owner: Assistant Director, Children and Families\n", "", 1),
    );
    assert_changed(&d, &before, &want);
}

#[test]
fn rows_the_tracker_was_not_built_with_are_problems() {
    let d = demo();
    let tracker = d.build();
    let before = d.snapshot();
    // A recommendation's row with no action, given a Lead (a cell that was not there).
    let plan = rows(&tracker, "Action plan");
    let lonely = plan
        .iter()
        .position(|r| text(&r[1]).is_empty() && !text(&r[0]).is_empty())
        .expect("a recommendation with no action");
    edit(
        &tracker,
        &[
            (
                "Action plan",
                format!("C{}", lonely + 1),
                New::Text("Head of Service"),
            ),
            // A row's ID changed to one the tracker was not built with.
            (
                "Actions",
                cell_ref(&tracker, "Actions", "act-20", "ID", 0),
                New::Text("act-99"),
            ),
        ],
    );
    let run = d.update(&tracker, true);
    run.assert_exit(1);
    let out = &run.stdout;
    assert!(out.contains("no edits to bring back"), "{out}");
    assert!(
        out.contains(&format!("sheet \"Action plan\", row {}, column C (Lead): this row has no action, so there is nothing to change", lonely + 1)),
        "{out}"
    );
    assert!(
        out.contains("column A (ID): `act-99` is not a record this tracker was built with"),
        "{out}"
    );
    assert_changed(&d, &before, &BTreeMap::new());
}

#[test]
fn a_workbook_that_is_not_assures_tracker_is_refused() {
    let d = demo();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("other.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "Ref").unwrap();
    ws.write_string(0, 1, "Action").unwrap();
    wb.save(&path).unwrap();
    let before = d.snapshot();
    let run = d.update(&path, true);
    run.assert_exit(2);
    assert!(
        run.stderr.contains("is not a tracker Assure built"),
        "{}",
        run.stderr
    );
    assert_changed(&d, &before, &BTreeMap::new());
}

#[test]
fn a_tracker_for_one_audience_carries_only_its_records() {
    let d = demo();
    for audience in ["public", "secretary-of-state", "internal"] {
        let tracker = d.build_for(Some(audience));
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.out.join("data/records.json")).unwrap())
                .unwrap();
        let mut visible: Vec<String> = json["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        let sheet = rows(&tracker, "Round trip");
        assert_eq!(text(&sheet[1][1]), audience);
        let mut carried: Vec<String> = sheet[4..].iter().map(|r| text(&r[0])).collect();
        visible.sort();
        carried.sort();
        assert_eq!(carried, visible, "{audience}");
        // Each fingerprint is a SHA-256, and no two records share one.
        let mut prints: Vec<String> = sheet[4..].iter().map(|r| text(&r[1])).collect();
        assert!(prints
            .iter()
            .all(|p| p.len() == 64 && p.chars().all(|c| c.is_ascii_hexdigit())));
        prints.sort();
        prints.dedup();
        assert_eq!(prints.len(), carried.len());
    }
    // The public tracker comes back against the same content: nothing to bring back.
    let tracker = d.build_for(Some("public"));
    let run = d.update(&tracker, false);
    assert_nothing_to_bring_back(&run);
}

/// Whether LibreOffice is installed.
fn soffice() -> bool {
    std::process::Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn a_tracker_saved_by_libreoffice_comes_back_too() {
    if !soffice() {
        eprintln!("SKIPPED: re-saving the tracker needs LibreOffice (soffice); install it with `apt-get install libreoffice-calc-nogui`");
        return;
    }
    let d = demo();
    let tracker = d.build();
    let before = d.snapshot();
    edit(&tracker, &edits(&tracker));
    // LibreOffice opens the edited tracker and saves it as .xlsx again (its own shared
    // strings, styles and date cells, the hidden sheet kept), and as .ods.
    let tmp = tempfile::tempdir().unwrap();
    let save_as = |filter: &str, ext: &str| -> PathBuf {
        let saved = tmp.path().join(ext);
        let profile = format!("file://{}", tmp.path().join("profile").display());
        let run = std::process::Command::new("soffice")
            .arg(format!("-env:UserInstallation={profile}"))
            .args(["--headless", "--convert-to", filter, "--outdir"])
            .arg(&saved)
            .arg(&tracker)
            .output()
            .expect("soffice runs");
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        saved.join(format!("tracker.{ext}"))
    };
    let resaved = save_as("xlsx:Calc MS Excel 2007 XML", "xlsx");
    assert_ne!(
        std::fs::read(&resaved).unwrap(),
        std::fs::read(&tracker).unwrap()
    );
    // The .ods says the same, and changes nothing without --apply.
    let ods = save_as("ods", "ods");
    let run = d.update(&ods, false);
    run.assert_exit(1);
    assert_report(&run.stdout, "to make");
    assert_changed(&d, &before, &BTreeMap::new());
    let run = d.update(&resaved, true);
    run.assert_exit(1);
    assert_report(&run.stdout, "made");
    assert_changed(&d, &before, &expected(&before));
}
