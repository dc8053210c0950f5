//! A field lives in one place (issue 25): every plain field the schema declares
//! (`schema::Store::Plain`), of every type, is read, shown on its record's page and in
//! the pack's details, exported to `records.json`, the CSV and the workbook, indexed
//! for search, offered by `assure new`, and scanned by the personal-data lint when its
//! declaration says so — from the declaration alone.
//!
//! The fixture is made from the declarations, so a field added to `schema.rs` is
//! tested here without a line of this file changing.

use crate::common::*;
use assure::model::schema::{Field, FieldKind, RecordType, ALL_TYPES};
use assure::present;
use calamine::{Data, Reader};
use std::path::Path;

/// The record of each type in the fixture: its ID, and the fields it needs besides
/// its plain ones to be valid.
fn base(t: RecordType) -> Option<(&'static str, &'static str)> {
    Some(match t {
        RecordType::Review => ("rev-1", "kind: inspection\ndate: 2014-01-10\n"),
        RecordType::Recommendation => ("rec-1", "source: rev-1\ndue: 2014-06-30\n"),
        RecordType::Action => ("act-1", "addresses: [rec-1]\ndue: 2014-05-31\n"),
        RecordType::Evidence => (
            "ev-1",
            "supports: [act-1]\nurl: https://example.org/audit\ndate: 2014-02-01\nreviewed: 2014-02-01\n",
        ),
        RecordType::Plan => ("plan-1", "period: {start: 2014-01, end: 2015-03}\n"),
        RecordType::Event => ("event-1", "date: 2014-01-10\nkind: milestone\n"),
        RecordType::Page => ("page-1", ""),
        RecordType::Indicator => (
            "ind-1",
            "unit: number\npolarity: lower-is-better\nvalues:\n  - {period: 2014-01, value: 3}\n",
        ),
        RecordType::Risk => ("risk-1", "likelihood: 2\nimpact: 3\n"),
        // Objectives are written inside a plan.
        RecordType::Objective => return None,
    })
}

/// A value for a field of this kind, as YAML, and how the record page, `records.json`
/// and the other outputs show it.
struct Sample {
    yaml: String,
    /// What the page, the pack and the workbook show.
    shown: String,
    json: serde_json::Value,
}

fn sample(t: RecordType, f: &Field) -> Sample {
    // A marker no other text in the fixture holds.
    let marker = format!("Zq{}{}", t.name(), f.name.replace('_', ""));
    let target = |types: &[RecordType]| match types.first() {
        Some(t) => base(*t).map_or("rev-1", |(id, _)| id),
        None => "rev-1",
    };
    match f.kind {
        // The personal-data lint must find the NHS number in a field declared personal.
        FieldKind::Text if f.personal => Sample {
            yaml: format!("\"{marker} 943 476 5919\""),
            shown: format!("{marker} 943 476 5919"),
            json: serde_json::json!(format!("{marker} 943 476 5919")),
        },
        FieldKind::Text => Sample {
            yaml: marker.clone(),
            shown: marker.clone(),
            json: serde_json::json!(marker),
        },
        FieldKind::TextList => Sample {
            yaml: format!("[{marker}a, {marker}b]"),
            shown: format!("{marker}a, {marker}b"),
            json: serde_json::json!([format!("{marker}a"), format!("{marker}b")]),
        },
        FieldKind::Date => Sample {
            yaml: "2011-02-03".into(),
            shown: "3 February 2011".into(),
            json: serde_json::json!("2011-02-03"),
        },
        FieldKind::Enum(values) => Sample {
            yaml: values[0].into(),
            shown: present::label(values[0]),
            json: serde_json::json!(values[0]),
        },
        FieldKind::Number => Sample {
            yaml: "7391.5".into(),
            shown: "7,391.5".into(),
            json: serde_json::json!(7391.5),
        },
        FieldKind::Integer => Sample {
            yaml: "7391".into(),
            shown: "7391".into(),
            json: serde_json::json!(7391),
        },
        FieldKind::Ref(types) => Sample {
            yaml: target(types).into(),
            shown: target(types).into(),
            json: serde_json::json!(target(types)),
        },
        FieldKind::Refs(types) => Sample {
            yaml: format!("[{}]", target(types)),
            shown: target(types).into(),
            json: serde_json::json!([target(types)]),
        },
        FieldKind::Special => unreachable!("a plain field is never special"),
    }
}

/// The types with plain fields, each with them.
fn declared() -> Vec<(RecordType, Vec<&'static Field>)> {
    ALL_TYPES
        .into_iter()
        .filter(|t| base(*t).is_some())
        .map(|t| (t, present::plain_fields(t).collect::<Vec<_>>()))
        .collect()
}

/// A content folder with one record of each type, every plain field set.
fn fixture() -> TempContent {
    let c = TempContent::new();
    c.write(
        "site.yaml",
        format!(
            "title: Fields\norganisation: Example Council\nas_of: {AS_OF}\nsite_audience: inspector\naudiences:\n  inspector: {{ title: Inspection team }}\npacks:\n  - id: details\n    title: Details\n    audience: inspector\n    sections: [recommendations, actions, plans, reviews, indicators]\n"
        ),
    );
    for t in ALL_TYPES {
        let Some((id, needs)) = base(t) else { continue };
        let mut text = format!(
            "---\nid: {id}\ntitle: The {} of the fixture\n{needs}",
            t.name()
        );
        for f in present::plain_fields(t) {
            text.push_str(&format!("{}: {}\n", f.name, sample(t, f).yaml));
        }
        text.push_str("---\nBody.\n");
        c.write(&format!("{}/{id}.md", t.folder()), text);
    }
    c
}

/// What `pdftotext` reads from a pack, its lines joined with spaces.
fn pdf_text(pdf: &Path) -> String {
    let o = tool("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(o.status.success(), "pdftotext failed on {}", pdf.display());
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The cells of a workbook sheet, as text.
fn sheet(path: &Path, name: &str) -> Vec<Vec<String>> {
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).expect("open tracker.xlsx");
    let range = wb.worksheet_range(name).expect("the type's sheet");
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

#[test]
fn every_plain_field_reaches_every_output_from_its_declaration() {
    let declared = declared();
    assert!(
        declared.iter().map(|(_, f)| f.len()).sum::<usize>() >= 5,
        "the schema declares plain fields"
    );
    let c = fixture();
    let out = tempfile::tempdir().unwrap();
    let run = assure(
        &[
            "build".as_ref(),
            "--content".as_ref(),
            c.root().as_os_str(),
            "--output".as_ref(),
            out.path().join("o").as_os_str(),
        ],
        &crate_root(),
    );
    run.assert_exit(0);
    let o = out.path().join("o");
    let records: serde_json::Value =
        serde_json::from_slice(&std::fs::read(o.join("data/records.json")).unwrap()).unwrap();
    let pack = pdf_text(&o.join("pdf/details.pdf"));
    let search = std::fs::read_to_string(o.join("site/search-index.js")).unwrap_or_default();
    let mut checked = 0;
    for (t, fields) in &declared {
        let (id, _) = base(*t).unwrap();
        let page = std::fs::read_to_string(o.join(format!("site/{}/{id}.html", t.folder())))
            .unwrap_or_else(|e| panic!("{id}'s page: {e}"));
        let json = records["records"]
            .as_array()
            .and_then(|all| all.iter().find(|r| r["id"] == *id))
            .unwrap_or_else(|| panic!("{id} in records.json"));
        let csv = std::fs::read_to_string(o.join(format!("data/{}.csv", t.name()))).unwrap();
        let rows = sheet(&o.join("data/tracker.xlsx"), t.plural_title());
        for f in fields {
            let s = sample(*t, f);
            let label = present::plain_label(f);
            let what = format!("{}'s `{}`", t.name(), f.name);
            // The record page's summary list.
            let dt = format!("<dt>{}</dt><dd>", label);
            let at = page
                .find(&dt)
                .unwrap_or_else(|| panic!("{what}: no row labelled {label:?} on the page"));
            let dd = &page[at + dt.len()..];
            let dd = &dd[..dd.find("</dd>").unwrap()];
            assert!(
                dd.contains(&s.shown),
                "{what}: page shows {dd:?}, not {:?}",
                s.shown
            );
            // records.json: ID fields as links.
            let value = &json[f.name];
            match f.kind {
                FieldKind::Ref(_) => assert_eq!(value["id"], s.json, "{what} in records.json"),
                FieldKind::Refs(_) => {
                    assert_eq!(value[0]["id"], s.json[0], "{what} in records.json")
                }
                _ => assert_eq!(*value, s.json, "{what} in records.json"),
            }
            // The CSV and the workbook: a column of its own, holding the value.
            let header = csv.lines().next().unwrap();
            assert!(
                header
                    .trim_start_matches('\u{feff}')
                    .split(',')
                    .any(|h| h == f.name),
                "{what}: no CSV column in {header}"
            );
            let raw = s
                .json
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| s.shown.clone());
            assert!(
                csv.contains(&raw) || csv.contains(&s.shown),
                "{what}: not in the CSV"
            );
            let col = rows[0].iter().position(|h| h == f.name || *h == label);
            let col =
                col.unwrap_or_else(|| panic!("{what}: no column in the workbook: {:?}", rows[0]));
            assert!(
                rows.iter()
                    .skip(1)
                    .any(|r| r[col].contains(&raw) || r[col].contains(&s.shown)),
                "{what}: not in the workbook's column"
            );
            // The pack's details, for the types a pack details.
            if matches!(
                t,
                RecordType::Recommendation
                    | RecordType::Action
                    | RecordType::Plan
                    | RecordType::Review
                    | RecordType::Indicator
            ) {
                assert!(pack.contains(&label), "{what}: no {label:?} in the pack");
                assert!(
                    pack.contains(&s.shown),
                    "{what}: no {:?} in the pack",
                    s.shown
                );
            }
            // Search finds text.
            if matches!(f.kind, FieldKind::Text) {
                assert!(search.contains(&s.shown), "{what}: not in the search index");
            }
            checked += 1;
        }
    }
    assert!(checked >= 5, "checked {checked} fields");
}

#[test]
fn the_lint_reads_every_field_declared_personal_and_new_offers_every_field() {
    let c = fixture();
    let run = c.check(&[]);
    for (t, fields) in declared() {
        let (id, _) = base(t).unwrap();
        let path = format!("{}/{id}.md", t.folder());
        let text = std::fs::read_to_string(c.root().join(&path)).unwrap();
        for f in fields
            .iter()
            .filter(|f| f.personal && f.kind == FieldKind::Text)
        {
            let line = text
                .lines()
                .position(|l| l.starts_with(&format!("{}:", f.name)))
                .unwrap() as u32
                + 1;
            let d = c.assert_diag(&run, &path, "W107", line);
            assert!(
                d.message.contains(&format!("`{}`", f.name)),
                "{}",
                d.message
            );
        }
    }
    // `assure new` offers every declared field of the type, with its hint.
    for t in ALL_TYPES.into_iter().filter(|t| base(*t).is_some()) {
        let c = TempContent::new();
        c.write(
            "reviews/rev-1.md",
            "---\ntitle: A review\nkind: inspection\n---\n",
        );
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "new".as_ref(),
            t.name().as_ref(),
            "A new one".as_ref(),
            "--content".as_ref(),
            c.root().as_os_str(),
        ];
        if t == RecordType::Recommendation {
            args.extend([
                std::ffi::OsStr::new("--source"),
                std::ffi::OsStr::new("rev-1"),
            ]);
        }
        let run = assure(&args, &crate_root());
        let written = crate::common::files(c.root())
            .into_iter()
            .find(|p| p.starts_with(t.folder()) && !p.ends_with("rev-1.md"))
            .unwrap_or_else(|| panic!("assure new {}: {}", t.name(), run.stderr));
        let text = std::fs::read_to_string(c.root().join(written)).unwrap();
        for f in present::plain_fields(t) {
            assert!(
                text.contains(&format!("# {}:", f.name))
                    || text.contains(&format!("\n{}:", f.name)),
                "new {}: no `{}` line in\n{text}",
                t.name(),
                f.name
            );
            if !f.hint.is_empty() {
                assert!(
                    text.contains(f.hint),
                    "new {}: no hint for `{}`",
                    t.name(),
                    f.name
                );
            }
        }
    }
}

/// A plain field given a value of the wrong shape (a mapping where its kind wants text,
/// a date, a number or a word) is an E003 at that field's line, and the check goes on
/// to every other record: the declaration alone gives the loader what to say.
#[test]
fn a_plain_field_of_the_wrong_shape_is_a_problem_at_its_line() {
    let c = fixture();
    let mut checked = 0;
    for (t, fields) in declared() {
        let (id, _) = base(t).unwrap();
        let path = format!("{}/{id}.md", t.folder());
        let text = std::fs::read_to_string(c.root().join(&path)).unwrap();
        let mut wrong = String::new();
        for line in text.lines() {
            match fields.iter().find(|f| {
                line.starts_with(&format!("{}:", f.name))
                    && !matches!(f.kind, FieldKind::Ref(_) | FieldKind::Refs(_))
            }) {
                Some(f) => wrong.push_str(&format!("{}: {{not: text}}\n", f.name)),
                None => wrong.push_str(&format!("{line}\n")),
            }
        }
        c.write(&path, &wrong);
    }
    let run = c.check(&[]);
    for (t, fields) in declared() {
        let (id, _) = base(t).unwrap();
        let path = format!("{}/{id}.md", t.folder());
        let text = std::fs::read_to_string(c.root().join(&path)).unwrap();
        for f in fields
            .iter()
            .filter(|f| !matches!(f.kind, FieldKind::Ref(_) | FieldKind::Refs(_)))
        {
            let line = text
                .lines()
                .position(|l| l.starts_with(&format!("{}:", f.name)))
                .unwrap() as u32
                + 1;
            let d = c.assert_diag(&run, &path, "E003", line);
            assert!(
                d.message.contains(&format!("`{}`", f.name)),
                "{}",
                d.message
            );
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} plain fields were tried");
}
