//! The writer's contract: no edit, no byte changed; each kind of field edited in the
//! file's own style with every other byte kept; random edits load back as set.

use super::*;
use crate::content::{parse_file, RawRecord};

fn set(name: &str, v: Value) -> Edit {
    Edit::Set(name.into(), v)
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn plain(s: &str) -> Value {
    Value::Plain(s.into())
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| s.to_string()).collect())
}

fn edited(rel: &str, id: &str, src: &str, edits: &[Edit]) -> String {
    let out = edit_bytes(src.as_bytes(), rel, id, edits).expect("the edit applies");
    String::from_utf8(out).expect("UTF-8")
}

/// A field's value as the writer would set it, from what the loader read.
fn value_of(node: &Node) -> Option<Value> {
    match &node.value {
        yaml::Value::Scalar(s) => Some(Value::Text(s.text.clone())),
        yaml::Value::Seq(items) => items
            .iter()
            .map(|n| n.as_scalar().map(|s| s.text.clone()))
            .collect::<Option<Vec<_>>>()
            .map(Value::List),
        yaml::Value::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| Some((k.as_scalar()?.text.clone(), v.as_scalar()?.text.clone())))
            .collect::<Option<Vec<_>>>()
            .map(Value::Map),
    }
}

fn record_id(r: &RawRecord) -> String {
    r.fields
        .iter()
        .find(|(k, _)| key_is(k, "id"))
        .and_then(|(_, v)| v.as_scalar().map(|s| s.text.clone()))
        .or_else(|| r.file_id.clone())
        .expect("every record has an ID")
}

/// Every record file of a content folder, each record set to the values it has: the
/// file must come back byte for byte.
fn round_trip_folder(folder: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let files = crate::content::walk(&root).expect("the folder reads");
    let mut records = 0;
    for rel in &files.record_files {
        let bytes = std::fs::read(root.join(rel)).expect("read");
        let parsed = parse_file(rel, &bytes);
        for r in &parsed.records {
            let id = record_id(r);
            assert_eq!(edit_bytes(&bytes, rel, &id, &[]).unwrap(), bytes, "{rel}");
            let mut edits: Vec<Edit> = r
                .fields
                .iter()
                .filter_map(|(k, v)| Some(Edit::Set(k.as_scalar()?.text.clone(), value_of(v)?)))
                .collect();
            edits.push(Edit::Body(r.body.clone()));
            let out =
                edit_bytes(&bytes, rel, &id, &edits).unwrap_or_else(|e| panic!("{rel} {id}: {e}"));
            assert!(
                out == bytes,
                "{rel} {id} changed:\n{}",
                String::from_utf8_lossy(&out)
            );
            records += 1;
        }
    }
    records
}

#[test]
fn every_record_of_the_demo_and_the_starter_round_trips_byte_for_byte() {
    assert!(round_trip_folder("content") > 100);
    assert!(round_trip_folder("starter") >= 6);
}

const EVIDENCE: &str = "---
# Board minutes, kept as evidence.
title: Board minutes   # as filed
kind: minutes
file: evidence/files/minutes.pdf
date: 2014-03
supports: [ofsted-2012-r1, act-03]
tags:
  - board
  - 'minutes'
status: 'current'
originator: \"Performance Board\"

# Checked by the clerk.
reviewed: 2014-04-01
---
The minutes record the decision.

They are signed.
";

#[test]
fn text_fields_keep_their_line_comment_and_quote_when_needed() {
    let out = edited(
        "evidence/ev-1.md",
        "ev-1",
        EVIDENCE,
        &[
            set("title", text("Board minutes: March")),
            set("originator", text("The Board")),
        ],
    );
    let expected = EVIDENCE
        .replace(
            "title: Board minutes   # as filed",
            "title: \"Board minutes: March\"   # as filed",
        )
        .replace(
            "originator: \"Performance Board\"",
            "originator: \"The Board\"",
        );
    assert_eq!(out, expected);
    // Text that YAML would read as something else is quoted.
    let out = edited(
        "evidence/ev-1.md",
        "ev-1",
        EVIDENCE,
        &[set("title", text("true"))],
    );
    assert!(out.contains("title: \"true\"   # as filed\n"), "{out}");
}

#[test]
fn enum_and_date_fields_are_replaced_on_their_line() {
    let out = edited(
        "evidence/ev-1.md",
        "ev-1",
        EVIDENCE,
        &[
            set("status", plain("withdrawn")),
            set("kind", plain("audit")),
            set("date", plain("2014")),
            set("reviewed", plain("2015-01-31")),
        ],
    );
    let expected = "---
# Board minutes, kept as evidence.
title: Board minutes   # as filed
kind: audit
file: evidence/files/minutes.pdf
date: 2014
supports: [ofsted-2012-r1, act-03]
tags:
  - board
  - 'minutes'
status: 'withdrawn'
originator: \"Performance Board\"

# Checked by the clerk.
reviewed: 2015-01-31
---
The minutes record the decision.

They are signed.
";
    assert_eq!(out, expected);
}

#[test]
fn id_lists_stay_flow_or_block() {
    let out = edited(
        "evidence/ev-1.md",
        "ev-1",
        EVIDENCE,
        &[
            set("supports", list(&["act-03", "ofsted-2012-r2", "1.10"])),
            set("tags", list(&["board", "audit", "a, b"])),
        ],
    );
    let expected = "---
# Board minutes, kept as evidence.
title: Board minutes   # as filed
kind: minutes
file: evidence/files/minutes.pdf
date: 2014-03
supports: [act-03, ofsted-2012-r2, 1.10]
tags:
  - board
  - audit
  - a, b
status: 'current'
originator: \"Performance Board\"

# Checked by the clerk.
reviewed: 2014-04-01
---
The minutes record the decision.

They are signed.
";
    assert_eq!(out, expected);
    // An emptied list, and a list that was empty.
    let out = edited(
        "evidence/ev-1.md",
        "ev-1",
        EVIDENCE,
        &[set("tags", list(&[]))],
    );
    assert!(out.contains("tags: []\nstatus:"), "{out}");
    let out = edited(
        "evidence/ev-1.md",
        "ev-1",
        &out,
        &[set("tags", list(&["x"]))],
    );
    assert!(out.contains("tags: [x]\nstatus:"), "{out}");
}

#[test]
fn absent_fields_are_added_after_the_last_in_the_files_style() {
    let out = edited(
        "evidence/ev-1.md",
        "ev-1",
        EVIDENCE,
        &[
            set(
                "signed_off",
                Value::Map(vec![
                    ("by".into(), "Performance Board".into()),
                    ("on".into(), "2014-04-02".into()),
                ]),
            ),
            set("sha256", plain("abc")),
            set("related", list(&["ev-2"])),
        ],
    );
    let expected = EVIDENCE.replace(
        "reviewed: 2014-04-01\n",
        "reviewed: 2014-04-01\nsigned_off: {by: Performance Board, on: 2014-04-02}\nsha256: abc\nrelated: [ev-2]\n",
    );
    assert_eq!(out, expected);
}

/// A record as `assure new` writes it: the fields it has, then a commented hint for
/// each field it could have.
const WITH_HINTS: &str = "---
title: \"Audit case files\"
status: not-started          # not-started, in-progress, complete
# owner:                     # the person or role accountable
# tags:                      # [word, word]
# addresses:                 # [IDs of recommendations]
# due:                       # YYYY-MM-DD, YYYY-MM or YYYY
# original_due:
---
";

#[test]
fn a_field_with_a_commented_hint_takes_the_hints_line() {
    let out = edited(
        "actions/act-2.md",
        "act-2",
        WITH_HINTS,
        &[
            set("owner", text("Head of Quality Assurance and Safeguarding")),
            set("due", plain("2027-03")),
            set("original_due", plain("2027-01")),
            set("addresses", list(&["r1"])),
        ],
    );
    let expected = "---
title: \"Audit case files\"
status: not-started          # not-started, in-progress, complete
owner: Head of Quality Assurance and Safeguarding # the person or role accountable
# tags:                      # [word, word]
addresses: [r1]              # [IDs of recommendations]
due: 2027-03                 # YYYY-MM-DD, YYYY-MM or YYYY
original_due: 2027-01
---
";
    assert_eq!(out, expected);
}

#[test]
fn mappings_keep_their_style() {
    let src = "---\ntitle: E\nsigned_off:\n  by: Board  # the chair\n  on: 2014-01-01\nstatus: current\n---\n";
    let out = edited(
        "evidence/e.md",
        "e",
        src,
        &[set(
            "signed_off",
            Value::Map(vec![
                ("by".into(), "Cabinet".into()),
                ("on".into(), "2014-02".into()),
            ]),
        )],
    );
    assert_eq!(
        out,
        "---\ntitle: E\nsigned_off:\n  by: Cabinet\n  on: 2014-02\nstatus: current\n---\n"
    );
    let src = "---\ntitle: E\nsigned_off: {by: Board, on: 2014-01-01} # kept\n---\n";
    let out = edited(
        "evidence/e.md",
        "e",
        src,
        &[set(
            "signed_off",
            Value::Map(vec![
                ("by".into(), "A, B".into()),
                ("on".into(), "2014-02-03".into()),
            ]),
        )],
    );
    assert_eq!(
        out,
        "---\ntitle: E\nsigned_off: {by: \"A, B\", on: 2014-02-03} # kept\n---\n"
    );
}

#[test]
fn removing_a_field_removes_its_lines_only() {
    let out = edited(
        "evidence/ev-1.md",
        "ev-1",
        EVIDENCE,
        &[Edit::Remove("tags".into()), Edit::Remove("reviewed".into())],
    );
    let expected = "---
# Board minutes, kept as evidence.
title: Board minutes   # as filed
kind: minutes
file: evidence/files/minutes.pdf
date: 2014-03
supports: [ofsted-2012-r1, act-03]
status: 'current'
originator: \"Performance Board\"

# Checked by the clerk.
---
The minutes record the decision.

They are signed.
";
    assert_eq!(out, expected);
}

#[test]
fn the_body_of_a_markdown_record_is_replaced_and_nothing_else() {
    let out = edited(
        "evidence/ev-1.md",
        "ev-1",
        EVIDENCE,
        &[Edit::Body("New words.\n\nMore.".into())],
    );
    let (head, _) = EVIDENCE.split_at(EVIDENCE.find("The minutes").unwrap());
    assert_eq!(out, format!("{head}New words.\n\nMore."));
}

const LIST: &str = "# Events, one list file.
records:
  - id: e1
    title: First
    date: 2005
    body: |
      Found services adequate.
      See [[e2]].
  # The second event.
  - id: e2
    title: Second
    date: 2005-05
    refs: [ev-14]

  - id: e3
    title: Third
    refs:
      - e1
      - e2
";

#[test]
fn records_inside_list_files() {
    let out = edited(
        "timeline/h.yaml",
        "e1",
        LIST,
        &[
            set("title", text("First, again")),
            set("kind", plain("inspection")),
            Edit::Body("Found services inadequate.\n".into()),
        ],
    );
    let expected = "# Events, one list file.
records:
  - id: e1
    title: First, again
    date: 2005
    kind: inspection
    body: |
      Found services inadequate.
  # The second event.
  - id: e2
    title: Second
    date: 2005-05
    refs: [ev-14]

  - id: e3
    title: Third
    refs:
      - e1
      - e2
";
    assert_eq!(out, expected);
    let out = edited(
        "timeline/h.yaml",
        "e2",
        LIST,
        &[
            set("refs", list(&["ev-14", "ev-15"])),
            set("kind", plain("other")),
        ],
    );
    assert_eq!(
        out,
        LIST.replace(
            "    refs: [ev-14]\n",
            "    refs: [ev-14, ev-15]\n    kind: other\n"
        )
    );
    let out = edited(
        "timeline/h.yaml",
        "e3",
        LIST,
        &[set("refs", list(&["e2"])), Edit::Body("Words.\n".into())],
    );
    assert_eq!(
        out,
        LIST.replace(
            "    refs:\n      - e1\n      - e2\n",
            "    refs:\n      - e2\n    body: |\n      Words.\n"
        )
    );
    assert!(matches!(
        edit_bytes(LIST.as_bytes(), "timeline/h.yaml", "e9", &[]),
        Err(WriteError::NotFound(_))
    ));
}

#[test]
fn objectives_inside_a_plan() {
    let src = "---\ntitle: Plan\nobjectives:\n  - id: o1\n    title: \"One\"\n  - id: o2\n    title: Two\n---\nBody\n";
    let out = edited("plans/p.md", "o1", src, &[set("title", text("Uno"))]);
    assert_eq!(out, src.replace("\"One\"", "\"Uno\""));
    let out = edited(
        "plans/p.md",
        "o2",
        src,
        &[set("description", text("Two's"))],
    );
    assert_eq!(
        out,
        src.replace(
            "    title: Two\n",
            "    title: Two\n    description: Two's\n"
        )
    );
}

#[test]
fn crlf_files_stay_crlf_and_a_bom_stays() {
    let src = "\u{feff}---\r\ntitle: A\r\nstatus: open # why\r\ndue: 2014-03\r\n---\r\nBody\r\n";
    let out = edited(
        "recommendations/r.md",
        "r",
        src,
        &[
            set("status", plain("met")),
            set("priority", plain("high")),
            set("due", plain("2014-06")),
            Edit::Body("Line one\nLine two\n".into()),
        ],
    );
    assert_eq!(
        out,
        "\u{feff}---\r\ntitle: A\r\nstatus: met # why\r\ndue: 2014-06\r\npriority: high\r\n---\r\nLine one\r\nLine two\r\n"
    );
    let src = LIST.replace('\n', "\r\n");
    let out = edited(
        "timeline/h.yaml",
        "e1",
        &src,
        &[Edit::Body("A\nB\n".into()), set("kind", plain("other"))],
    );
    assert_eq!(
        out,
        src.replace(
            "    body: |\r\n      Found services adequate.\r\n      See [[e2]].\r\n",
            "    kind: other\r\n    body: |\r\n      A\r\n      B\r\n"
        )
    );
}

#[test]
fn a_file_without_a_final_line_ending_keeps_none() {
    let src = "title: A\nstatus: open";
    let out = edited(
        "actions/a.yaml",
        "a",
        src,
        &[set("status", plain("complete"))],
    );
    assert_eq!(out, "title: A\nstatus: complete");
    let out = edited("actions/a.yaml", "a", src, &[set("owner", text("Me"))]);
    assert_eq!(out, "title: A\nstatus: open\nowner: Me\n");
}

#[test]
fn multi_line_text_becomes_a_block_and_unsafe_text_is_quoted() {
    let out = edited(
        "evidence/ev-1.md",
        "ev-1",
        EVIDENCE,
        &[
            set("originator", text("Line 1\nLine 2")),
            set("file", text("#x")),
        ],
    );
    assert!(
        out.contains("file: \"#x\"\n")
            && out.contains("originator: |-\n  Line 1\n  Line 2\n\n# Checked"),
        "{out}"
    );
}

#[test]
fn written_files_refuse_a_stale_hash_and_symbolic_links() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.md");
    std::fs::write(&path, "---\ntitle: A\n---\n").unwrap();
    let stale = digest(b"something else");
    let err =
        write_record(&path, "a.md", "a", Some(&stale), &[set("title", text("B"))]).unwrap_err();
    assert!(
        matches!(err, WriteError::Changed { ref current } if current == b"---\ntitle: A\n---\n")
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"---\ntitle: A\n---\n");
    let fresh = digest(b"---\ntitle: A\n---\n");
    write_record(&path, "a.md", "a", Some(&fresh), &[set("title", text("B"))]).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"---\ntitle: B\n---\n");
    #[cfg(unix)]
    {
        let link = dir.path().join("b.md");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(write_record(&link, "b.md", "b", None, &[set("title", text("C"))]).is_err());
    }
}

mod random {
    //! Random edits of sample records: the result loads to the values set, and every
    //! line outside the edited fields is the original's.
    use super::*;
    use proptest::prelude::*;

    const SAMPLES: [(&str, &str, &str); 4] = [
        ("evidence/ev-1.md", "ev-1", EVIDENCE),
        ("timeline/h.yaml", "e1", LIST),
        ("timeline/h.yaml", "e2", LIST),
        ("timeline/h.yaml", "e3", LIST),
    ];
    const NAMES: [&str; 8] = [
        "title",
        "status",
        "owner",
        "supports",
        "tags",
        "refs",
        "signed_off",
        "due",
    ];

    fn words() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z][a-z0-9-]{0,12}",
            "[ -~]{1,30}",
            "[a-zé£ :#'\",\\[\\]{}-]{1,20}",
            Just("yes".to_string()),
            Just("1.10".to_string()),
            Just("null".to_string()),
            "[A-Za-z ]{1,10}\n[a-z ]{0,10}",
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            words().prop_map(Value::Text),
            "[a-z0-9][a-z0-9-]{0,10}".prop_map(Value::Plain),
            prop::collection::vec("[a-z][a-z0-9.-]{0,10}", 0..4).prop_map(Value::List),
            (words(), "20[0-9]{2}-[01][0-9]")
                .prop_map(|(by, on)| Value::Map(vec![("by".into(), by), ("on".into(), on)])),
        ]
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            4 => (0..NAMES.len(), value()).prop_map(|(n, v)| Edit::Set(NAMES[n].into(), v)),
            1 => (0..NAMES.len()).prop_map(|n| Edit::Remove(NAMES[n].into())),
            1 => "([A-Za-z ,.\\[\\]]{0,20}\n){0,3}[a-z]{0,5}".prop_map(Edit::Body),
        ]
    }

    fn loaded(rel: &str, id: &str, bytes: &[u8]) -> RawRecord {
        let parsed = parse_file(rel, bytes);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        parsed
            .records
            .into_iter()
            .find(|r| record_id(r) == id)
            .expect("the record is still there")
    }

    fn field<'a>(r: &'a RawRecord, name: &str) -> Option<&'a Node> {
        r.fields
            .iter()
            .find(|(k, _)| key_is(k, name))
            .map(|(_, v)| v)
    }

    /// The lines of a file outside the named fields of every record, in order.
    fn other_lines(rel: &str, bytes: &[u8], names: &[String]) -> Vec<String> {
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let lines = Lines::new(bytes).unwrap();
        let mut skip = vec![false; lines.lines.len() + 2];
        for r in parse_file(rel, bytes).records {
            let id = record_id(&r);
            let target = find_target(&text, rel, &id).unwrap();
            for (i, (k, _)) in target.pairs.iter().enumerate() {
                if names.iter().any(|n| key_is(k, n)) {
                    let (s, e) = field_lines(&lines, &target, i);
                    skip[s..e].iter_mut().for_each(|x| *x = true);
                }
            }
            if let Some(b) = target.body_line {
                let from = b.min(skip.len() - 1);
                skip[from..].iter_mut().for_each(|x| *x = true);
            }
        }
        (1..=lines.lines.len())
            .filter(|n| !skip[*n])
            .map(|n| lines.text(n).to_string())
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn random_edits_load_as_set_and_touch_only_their_lines(
            sample in 0..SAMPLES.len(),
            edits in prop::collection::vec(edit(), 1..5),
            crlf in any::<bool>(),
        ) {
            let (rel, id, src) = SAMPLES[sample];
            let src = if crlf { src.replace('\n', "\r\n") } else { src.to_string() };
            // One edit per field, as a form sends them.
            let mut seen = std::collections::HashSet::new();
            let edits: Vec<Edit> = edits
                .into_iter()
                .filter(|e| seen.insert(match e {
                    Edit::Set(n, _) | Edit::SetAfter(n, _, _) | Edit::Remove(n) => n.clone(),
                    Edit::Body(_) => "body".into(),
                }))
                .collect();
            let out = edit_bytes(src.as_bytes(), rel, id, &edits).unwrap();
            let r = loaded(rel, id, &out);
            let mut names = Vec::new();
            for e in &edits {
                match e {
                    Edit::Set(n, v) | Edit::SetAfter(n, v, _) => {
                        let node = field(&r, n).unwrap_or_else(|| panic!("{n} is set"));
                        match (v, value_of(node)) {
                            (Value::List(l), _) if l.is_empty() => prop_assert!(node.as_scalar().is_none() || node.is_null()),
                            (Value::Text(t) | Value::Plain(t), Some(Value::Text(got))) => prop_assert_eq!(t, &got),
                            (v, got) => prop_assert_eq!(Some(v.clone()), got),
                        }
                        names.push(n.clone());
                    }
                    Edit::Remove(n) => {
                        prop_assert!(field(&r, n).is_none());
                        names.push(n.clone());
                    }
                    Edit::Body(b) => {
                        if !(b.is_empty() && rel.ends_with(".yaml")) {
                            prop_assert_eq!(&r.body, b);
                        }
                        names.push("body".into());
                    }
                }
            }
            if crlf {
                let bare_lf = out.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r') || out.first() == Some(&b'\n');
                prop_assert!(!bare_lf, "a bare LF in a CRLF file");
            }
            prop_assert_eq!(
                other_lines(rel, src.as_bytes(), &names),
                other_lines(rel, &out, &names)
            );
        }
    }
}
