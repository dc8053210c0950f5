//! Linking records into one graph: unique IDs (E004), references resolved and their
//! target types checked (E005, E006), files on disk checked (E007), audiences known
//! (E003), pack pages known (E008), and backlinks computed.

use super::build::Built;
use super::schema::{FieldKind, RecordType};
use super::{Backlink, Record, Site};
use crate::config::{self, Config, SITE_FILE};
use crate::content::ContentFiles;
use crate::diagnostics::{closest, short, Code, Diagnostic, IN_CONTENT};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// "did you mean" hints are computed for at most this many distinct unknown IDs.
const MAX_HINTS: usize = 200;

/// Assembles the site from built records (in path order) and checks every link.
pub fn resolve(
    config: Config,
    files: ContentFiles,
    built: Vec<Built>,
    reserved: HashSet<String>,
) -> (Site, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let (mut records, reserved) = assemble(built, reserved, &mut diags);
    let index = unique_ids(&records, &mut diags);
    resolve_refs(&mut records, &index, &reserved, &mut diags);
    check_audiences(&config, &records, &mut diags);

    // Files on disk: evidence attachments and relative links in bodies.
    let present: HashSet<&str> = files.files.iter().map(String::as_str).collect();
    let file_diags: Vec<Vec<Diagnostic>> = records
        .par_iter_mut()
        .map(|rec| check_files(rec, &files.root, &present))
        .collect();
    diags.extend(file_diags.into_iter().flatten());
    diags.extend(refuse_figures_as_evidence(&mut records));

    let mut config = config;
    check_site_files(&mut config, &files.root, &present, &mut diags);

    // Judgements against their framework (SPEC §14.10).
    for rec in records.iter().filter(|r| r.rtype == RecordType::Review) {
        diags.extend(super::judgements::check(&config, rec));
    }
    check_pack_pages(&config, &records, &index, &mut diags);

    let backlinks = backlinks(&records);
    let site = Site {
        config,
        files,
        records,
        index,
        backlinks,
    };
    (site, diags)
}

/// The built files' records in one list, each objective linked to its plan (the first
/// record of its file) and the plan to it, and every reserved ID, lower-cased; the
/// files' own diagnostics go to `diags`.
fn assemble(
    built: Vec<Built>,
    reserved: HashSet<String>,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Record>, HashSet<String>) {
    let mut records: Vec<Record> = Vec::with_capacity(built.iter().map(|b| b.records.len()).sum());
    let mut reserved: HashSet<String> = reserved.into_iter().map(|id| id.to_lowercase()).collect();
    for b in built {
        diags.extend(b.diagnostics);
        if let Some(id) = b.reserved_id {
            reserved.insert(id.to_lowercase());
        }
        let plan_index = records.len();
        for (i, mut rec) in b.records.into_iter().enumerate() {
            if rec.rtype == RecordType::Objective && i > 0 {
                rec.parent = Some(plan_index);
            }
            records.push(rec);
        }
    }
    for i in 0..records.len() {
        if let Some(p) = records[i].parent {
            records[p].objectives.push(i);
        }
    }
    (records, reserved)
}

/// The index of IDs (lower-cased) to records: the first in path order keeps an ID;
/// later ones are E004.
fn unique_ids(records: &[Record], diags: &mut Vec<Diagnostic>) -> HashMap<String, usize> {
    let mut index: HashMap<String, usize> = HashMap::with_capacity(records.len());
    for (i, rec) in records.iter().enumerate() {
        if rec.key.is_empty() {
            continue;
        }
        match index.get(&rec.key) {
            Some(&first) => {
                let f = &records[first];
                diags.push(Diagnostic::new(
                    &rec.path,
                    rec.id_pos,
                    Code::E004,
                    format!(
                        "duplicate ID `{}`: {IN_CONTENT}{}:{}:{} already uses it (IDs are compared ignoring case); give one of them another ID",
                        short(&rec.id),
                        f.path,
                        f.id_pos.line,
                        f.id_pos.col
                    ),
                ));
            }
            None => {
                index.insert(rec.key.clone(), i);
            }
        }
    }
    index
}

/// Sets every reference's target. References are looked up in parallel (each
/// record's on its own), then the unknown ones are reported (E005) in order, since
/// their "did you mean" hints are rationed.
fn resolve_refs(
    records: &mut [Record],
    index: &HashMap<String, usize>,
    reserved: &HashSet<String>,
    diags: &mut Vec<Diagnostic>,
) {
    let lookups: Vec<(Vec<Lookup>, Vec<Diagnostic>)> = records
        .par_iter()
        .map(|rec| look_up(rec, records, index, reserved))
        .collect();
    let mut hints: HashMap<String, String> = HashMap::new();
    let mut hinted = 0usize;
    for (rec, (found, found_diags)) in records.iter().zip(&lookups) {
        diags.extend(found_diags.iter().cloned());
        for (r, l) in rec.refs.iter().zip(found) {
            if *l != Lookup::Unknown {
                continue;
            }
            let key = r.id.to_lowercase();
            let place = if r.field == "body" {
                "a `[[…]]` link".to_string()
            } else {
                format!("`{}`", r.field)
            };
            let hint = hints
                .entry(key.clone())
                .or_insert_with(|| {
                    hinted += 1;
                    unknown_hint(&key, hinted, records, index)
                })
                .clone();
            diags.push(Diagnostic::new(
                &rec.path,
                r.pos,
                Code::E005,
                format!("unknown ID `{}` in {place}{hint}", short(&r.id)),
            ));
        }
    }
    for (rec, (found, _)) in records.iter_mut().zip(lookups) {
        for (r, l) in rec.refs.iter_mut().zip(found) {
            if let Lookup::Found(t) = l {
                r.target = Some(t);
            }
        }
    }
}

/// The end of an E005 message for an unknown ID `key` (lower-cased), the `hinted`th
/// distinct one: a close ID, else what to do.
fn unknown_hint(
    key: &str,
    hinted: usize,
    records: &[Record],
    index: &HashMap<String, usize>,
) -> String {
    // Hints cost a comparison with every ID: give them for the first few hundred
    // unknown IDs, which is all a person reads.
    let suggestion = (hinted <= MAX_HINTS && key.chars().count() <= super::build::MAX_ID_LEN)
        .then(|| {
            let len = key.chars().count();
            closest(
                key,
                index
                    .keys()
                    .map(String::as_str)
                    .filter(|k| k.len().abs_diff(len) <= 2),
                2,
            )
        })
        .flatten();
    match suggestion {
        Some(k) => format!("; did you mean `{}`?", records[index[k]].id),
        // A list item written without its `-` runs into the one above.
        None if key.contains(" - ") => {
            "; these look like list items run together: start each item on its own line with `- `"
                .to_string()
        }
        None => "; check the spelling, or create the record".to_string(),
    }
}

/// E003 for every audience a record names that site.yaml does not declare.
fn check_audiences(config: &Config, records: &[Record], diags: &mut Vec<Diagnostic>) {
    for rec in records {
        // An objective's names are its plan's, or a narrowing of them (both checked at
        // the plan) unless the plan names none.
        let plan_has_audience = rec.parent.is_some_and(|p| records[p].audience.is_some());
        if rec.rtype == RecordType::Objective && plan_has_audience {
            continue;
        }
        for (name, pos) in rec.audience.iter().flatten() {
            if !config.has_audience(name) {
                diags.push(Diagnostic::new(
                    &rec.path,
                    *pos,
                    Code::E003,
                    config::unknown_audience(config, name),
                ));
            }
        }
    }
}

/// The files site.yaml names, checked as content: the accessibility statement's
/// links (kept in `config`), the theme folder, the logo (resolved in `config`) and
/// the baselines.
fn check_site_files(
    config: &mut Config,
    root: &Path,
    present: &HashSet<&str>,
    diags: &mut Vec<Diagnostic>,
) {
    // The accessibility statement's links follow the body rules: files inside the
    // content folder, attachments only, copied with the site (SPEC §14.6).
    let (links, statement_diags) = statement_links(config, root, present);
    config.statement_links = links;
    diags.extend(statement_diags);

    // A theme named in site.yaml is content: inside the content folder, not behind a link.
    if let Some(theme) = &config.theme {
        if let Err(message) = check_folder(root, theme) {
            diags.push(Diagnostic::new(
                SITE_FILE,
                config.theme_pos,
                Code::E008,
                format!("`theme`: {message}"),
            ));
        }
    }

    // The logo is content, checked like an evidence attachment.
    if let Some(logo) = config.branding.logo.as_mut() {
        match check_file(root, &logo.written, present) {
            Ok(path) => logo.resolved = Some(path),
            Err(message) => diags.push(Diagnostic::new(
                SITE_FILE,
                logo.pos,
                Code::E007,
                format!("`branding` `logo`: {message}"),
            )),
        }
    }

    // Baselines named in site.yaml are content too.
    for (path, pos) in &config.baselines {
        if let Err(message) = check_baseline(root, path) {
            diags.push(Diagnostic::new(
                SITE_FILE,
                *pos,
                Code::E008,
                format!("`baselines`: {message}"),
            ));
        }
    }
}

/// E008 for a pack page that is no page, or one withheld from the pack's audience.
fn check_pack_pages(
    config: &Config,
    records: &[Record],
    index: &HashMap<String, usize>,
    diags: &mut Vec<Diagnostic>,
) {
    for pack in &config.packs {
        for (id, pos) in &pack.page_positions {
            let found = index.get(&id.to_lowercase()).map(|&i| &records[i]);
            let problem = match found {
                None => Some(format!(
                    "pack `{}` includes `page:{id}`, but there is no record with that ID",
                    pack.id
                )),
                Some(r) if r.rtype != RecordType::Page => Some(format!(
                    "pack `{}` includes `page:{id}`, but `{id}` is {}, not a page",
                    pack.id,
                    r.rtype.with_article()
                )),
                Some(r) if !pack.audience.is_empty() && !r.visible_to(&pack.audience) => {
                    Some(format!(
                        "pack `{}` is for `{}`, but page `{id}` is withheld from that audience",
                        pack.id, pack.audience
                    ))
                }
                Some(_) => None,
            };
            if let Some(message) = problem {
                diags.push(Diagnostic::new(SITE_FILE, *pos, Code::E008, message));
            }
        }
    }
}

/// Each record's backlinks: the records that link to it and through which field,
/// once each, never to itself.
fn backlinks(records: &[Record]) -> Vec<Vec<Backlink>> {
    let mut backlinks: Vec<Vec<Backlink>> = vec![Vec::new(); records.len()];
    for (from, rec) in records.iter().enumerate() {
        for r in &rec.refs {
            if let Some(t) = r.target {
                let b = Backlink {
                    from,
                    field: r.field,
                };
                // The same link twice can only come from the same record, whose
                // backlinks are the last ones pushed: look among those alone (a plan
                // with thousands of actions would otherwise cost millions of steps).
                let twice = backlinks[t]
                    .iter()
                    .rev()
                    .take_while(|x| x.from == from)
                    .any(|x| *x == b);
                if t != from && !twice {
                    backlinks[t].push(b);
                }
            }
        }
    }
    backlinks
}

/// The relative links and images of the accessibility statement (its Markdown as
/// written in site.yaml, or the default statement made with the site's words), each
/// with the attachment it names; E007 for those that name none.
fn statement_links(
    config: &Config,
    root: &Path,
    present: &HashSet<&str>,
) -> (Vec<(String, String)>, Vec<Diagnostic>) {
    let statement = crate::config::accessibility_statement(config);
    let mut links = Vec::new();
    let mut diags = Vec::new();
    for (link, _) in crate::markdown::scan(&statement) {
        let crate::markdown::BodyLink::Local { target, .. } = link else {
            continue;
        };
        let written = target.split(['#', '?']).next().unwrap_or("");
        match check_file(root, &percent_decode(written), present)
            .and_then(|path| attachment(written, path))
        {
            Ok(path) => links.push((target, path)),
            Err(message) => diags.push(Diagnostic::new(
                SITE_FILE,
                config.accessibility_pos,
                Code::E007,
                format!(
                    "the accessibility statement's link to `{}`: {message}",
                    short(&target)
                ),
            )),
        }
    }
    (links, diags)
}

/// What a reference names.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Lookup {
    Found(usize),
    /// No record, and no unreadable file reserving the ID: E005.
    Unknown,
    /// Reserved by a file that could not be read, or of the wrong type (reported).
    Unresolved,
}

/// The lower-case form of an ID, borrowed when it is lower case already.
fn key_of(id: &str) -> std::borrow::Cow<'_, str> {
    if id.chars().any(char::is_uppercase) {
        std::borrow::Cow::Owned(id.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(id)
    }
}

/// Looks up each reference of a record: its target, or why it has none (wrong types
/// and an objective of another plan are reported here; unknown IDs by the caller).
fn look_up(
    rec: &Record,
    records: &[Record],
    index: &HashMap<String, usize>,
    reserved: &HashSet<String>,
) -> (Vec<Lookup>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let found: Vec<Lookup> = rec
        .refs
        .iter()
        .map(|r| {
            let key = key_of(&r.id);
            let Some(&t) = index.get(key.as_ref()) else {
                return if reserved.contains(key.as_ref()) {
                    Lookup::Unresolved
                } else {
                    Lookup::Unknown
                };
            };
            let allowed: &[RecordType] = match rec.rtype.field(r.field).map(|f| f.kind) {
                Some(FieldKind::Ref(a)) | Some(FieldKind::Refs(a)) => a,
                _ => &[],
            };
            let target = &records[t];
            if !allowed.is_empty() && !allowed.contains(&target.rtype) {
                let wanted: Vec<String> = allowed.iter().map(|t| t.with_article()).collect();
                diags.push(Diagnostic::new(
                    &rec.path,
                    r.pos,
                    Code::E006,
                    format!(
                        "`{}` must name {}, but `{}` is {}",
                        r.field,
                        join_or(&wanted),
                        target.id,
                        target.rtype.with_article()
                    ),
                ));
                return Lookup::Unresolved;
            }
            Lookup::Found(t)
        })
        .collect();
    // An action's objective must belong to its plan.
    let first = |field: &str| {
        rec.refs.iter().zip(&found).find_map(|(r, l)| match l {
            Lookup::Found(t) if r.field == field => Some((*t, r.pos)),
            _ => None,
        })
    };
    if let (Some((plan, _)), Some((obj, pos))) = (first("plan"), first("objective")) {
        if let Some(owner) = records[obj].parent {
            if owner != plan {
                diags.push(Diagnostic::new(
                    &rec.path,
                    pos,
                    Code::E006,
                    format!(
                        "objective `{}` belongs to plan `{}`, not to this action's plan `{}`; change `objective` or `plan`",
                        records[obj].id, records[owner].id, records[plan].id
                    ),
                ));
            }
        }
    }
    (found, diags)
}

/// Checks a record's evidence file and the relative links of its body, recording where
/// each points inside the content folder (E007 for those that point nowhere).
fn check_files(rec: &mut Record, root: &Path, present: &HashSet<&str>) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    if let Some(file) = rec.file.as_mut() {
        match check_file(root, &file.path, present).and_then(|path| attachment(&file.path, path)) {
            Ok(path) => file.resolved = Some(path),
            Err(message) => diags.push(Diagnostic::new(
                &rec.path,
                file.pos,
                Code::E007,
                format!("evidence `file`: {message}"),
            )),
        }
    }
    diags.extend(read_values_file(rec, root, present));
    let dir = rec.path.rsplit_once('/').map_or("", |(d, _)| d);
    for link in rec.local_links.iter_mut() {
        let written = link.dest.split(['#', '?']).next().unwrap_or("");
        let relative = if dir.is_empty() || written.starts_with('/') {
            written.to_string()
        } else {
            format!("{dir}/{written}")
        };
        let decoded = percent_decode(&relative);
        match check_file(root, &decoded, present) {
            Ok(path) => link.path = Some(path),
            Err(message) => {
                link.path = None;
                diags.push(Diagnostic::new(
                    &rec.path,
                    link.pos,
                    Code::E007,
                    format!("the link to `{}`: {message}", short(&link.dest)),
                ));
            }
        }
    }
    diags
}

/// An indicator's `values_file` (SPEC §14.9): a CSV inside the content folder, read
/// with the bounded reader, its rows checked with their own line numbers.
fn read_values_file(rec: &mut Record, root: &Path, present: &HashSet<&str>) -> Vec<Diagnostic> {
    let Some(file) = rec.values_file.as_mut() else {
        return Vec::new();
    };
    let problem = |message: String| {
        vec![Diagnostic::new(
            &rec.path,
            file.pos,
            Code::E007,
            format!("`values_file`: {message}"),
        )]
    };
    let path =
        match check_file(root, &file.path, present).and_then(|path| attachment(&file.path, path)) {
            Ok(path) => path,
            Err(message) => return problem(message),
        };
    let bytes = match crate::untrusted::read(
        &root.join(&path),
        "`values_file`",
        super::figures::MAX_CSV_BYTES,
    ) {
        Ok(bytes) => bytes,
        Err(e) => return problem(format!("{e:#}")),
    };
    file.resolved = Some(path.clone());
    let (values, mut diags) = super::figures::read_csv(&path, &bytes);
    diags.extend(super::figures::duplicate_periods(&path, &values));
    if rec.values.is_empty() {
        rec.values = values;
    }
    diags
}

/// An indicator's figures file (`values_file`) is read by the indicator and shown
/// through it, with the indicator's audience; an evidence `file:` naming it would
/// publish it as a document to whoever sees the evidence (SPEC §14.6). E007 at the
/// `file:`, whoever may see either record.
fn refuse_figures_as_evidence(records: &mut [Record]) -> Vec<Diagnostic> {
    let figures: HashMap<String, String> = records
        .iter()
        .filter_map(|r| {
            let path = r.values_file.as_ref()?.resolved.clone()?;
            Some((path, r.id.clone()))
        })
        .collect();
    let mut diags = Vec::new();
    for rec in records.iter_mut() {
        let Some(file) = rec.file.as_mut() else {
            continue;
        };
        let Some(owner) = file.resolved.as_ref().and_then(|p| figures.get(p)) else {
            continue;
        };
        diags.push(Diagnostic::new(
            &rec.path,
            file.pos,
            Code::E007,
            format!(
                "evidence `file`: `{}` holds the figures of the indicator `{owner}` (its `values_file`), which are shown through that indicator; name a document instead, or link the indicator with `related:`",
                short(&file.path)
            ),
        ));
        file.resolved = None;
    }
    diags
}

/// A path `file:` may name: an attachment, never a record's file (a list file holding
/// records included) or `site.yaml`, which would publish whole records, whoever may
/// see them, as a file (SPEC §14.6).
fn attachment(written: &str, path: String) -> Result<String, String> {
    if crate::content::is_attachment(&path) {
        return Ok(path);
    }
    let what = if path == SITE_FILE {
        "the site settings".to_string()
    } else {
        "a record file (records are shown through their own pages)".to_string()
    };
    Err(format!(
        "`{}` is {what}, not an attachment; name a document such as `evidence/files/report.pdf`, or link the record with `supports:` or `related:`",
        short(written)
    ))
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// Where a relative link written in a record's file (`record_path`) points inside the
/// content folder, normalised as [`check_file`] does, if it stays inside; whether the
/// file exists is not asked.
pub fn content_path(record_path: &str, dest: &str) -> Option<String> {
    let written = dest.split(['#', '?']).next().unwrap_or("");
    let dir = record_path.rsplit_once('/').map_or("", |(d, _)| d);
    let relative = if dir.is_empty() || written.starts_with('/') {
        written.to_string()
    } else {
        format!("{dir}/{written}")
    };
    let decoded = percent_decode(&relative);
    normalise(&decoded, "", "")
        .ok()
        .map(|parts| parts.join("/"))
        .filter(|p| !p.is_empty())
}

/// `%20` and friends in Markdown link destinations.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// The parts of a relative, `/`-separated path with `.` and `..` applied, or why it is
/// not one: absolute, holding a backslash, or leading out of the content folder. The
/// hints end the messages for an absolute path and for one that leads out.
fn normalise<'a>(
    written: &'a str,
    absolute_hint: &str,
    outside_hint: &str,
) -> Result<Vec<&'a str>, String> {
    let shown = short(written);
    let bytes = written.as_bytes();
    if written.starts_with('/')
        || (bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic())
    {
        return Err(format!("`{shown}` is an absolute path{absolute_hint}"));
    }
    if written.contains('\\') {
        return Err(format!(
            "`{shown}` contains `\\`; separate folders with `/`"
        ));
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in written.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!(
                        "`{shown}` leads outside the content folder{outside_hint}"
                    ));
                }
            }
            p => parts.push(p),
        }
    }
    Ok(parts)
}

/// Checks a path written in content against the content folder; returns the normalised
/// path inside it, or a plain-English problem (SPEC §12 "Evidence `file`").
pub fn check_file(root: &Path, written: &str, present: &HashSet<&str>) -> Result<String, String> {
    let shown = short(written);
    if written.is_empty() {
        return Err("the path is empty".into());
    }
    let parts = normalise(
        written,
        "; write a path inside the content folder, such as `evidence/files/audit.pdf`",
        "; attachments must be inside it, e.g. under `evidence/files/`",
    )?;
    let normal = parts.join("/");
    if normal.is_empty() {
        return Err(format!(
            "`{shown}` names the content folder itself, not a file"
        ));
    }
    if present.contains(normal.as_str()) {
        return Ok(normal);
    }
    // Not among the walked files: find out why, component by component.
    let mut here = root.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        let next = here.join(part);
        match std::fs::symlink_metadata(&next) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(format!(
                    "`{shown}` goes through a symbolic link (`{}`), which is not followed; copy the file into the content folder",
                    parts[..=i].join("/")
                ))
            }
            Ok(meta) if i + 1 == parts.len() && meta.is_dir() => {
                return Err(format!("`{shown}` is a folder; name a file inside it"));
            }
            Ok(_) => here = next,
            Err(_) => {
                let suggestion = std::fs::read_dir(&here).ok().and_then(|entries| {
                    entries
                        .filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .find(|name| name.eq_ignore_ascii_case(part))
                });
                return Err(match suggestion {
                    Some(name) => {
                        let mut fixed: Vec<&str> = parts[..i].to_vec();
                        fixed.push(&name);
                        fixed.extend(&parts[i + 1..]);
                        format!(
                            "`{shown}` does not exist (names are case-sensitive); did you mean `{}`?",
                            fixed.join("/")
                        )
                    }
                    None => format!("`{shown}` does not exist in the content folder; check the path or add the file"),
                });
            }
        }
    }
    // Exists, but was not walked: inside an ignored (`.`/`_`) folder, or not a regular file.
    match std::fs::symlink_metadata(root.join(&normal)) {
        Ok(meta) if meta.is_file() => Ok(normal),
        _ => Err(format!("`{shown}` is not a regular file")),
    }
}

/// Checks the theme folder written in site.yaml: a relative path that stays inside the
/// content folder and goes through no symbolic link, so that a content folder can never
/// make a build read (and publish) files from elsewhere. A theme kept outside is named
/// with `--theme`, which the person running the build chooses.
pub fn check_folder(root: &Path, written: &str) -> Result<String, String> {
    let outside = "; keep the theme inside the content folder (e.g. `theme: _theme`), or pass a folder elsewhere with `--theme`";
    check_inside(root, written, outside, true)
}

/// A `baselines:` path of site.yaml (SPEC §13.5): an earlier output's `records.json`, or
/// the output folder holding it, inside the content folder and not behind a symbolic
/// link. Returns the path normalised.
pub fn check_baseline(root: &Path, written: &str) -> Result<String, String> {
    let outside = "; copy the earlier output's `data/records.json` into the content folder (e.g. `_baselines/2014-03-31.json`), or pass it with `--since`";
    check_inside(root, written, outside, false)
}

/// A path inside the content folder that exists, goes through no symbolic link, and
/// (when `folder`) is a folder.
fn check_inside(root: &Path, written: &str, outside: &str, folder: bool) -> Result<String, String> {
    let shown = short(written);
    let parts = normalise(written, outside, outside)?;
    if parts.is_empty() {
        return Err(format!(
            "`{shown}` names the content folder itself; use a folder inside it, such as `_theme`"
        ));
    }
    let mut here = root.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        here.push(part);
        match std::fs::symlink_metadata(&here) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(format!(
                    "`{shown}` goes through a symbolic link (`{}`), which is not followed{outside}",
                    parts[..=i].join("/")
                ))
            }
            Ok(meta) if folder && i + 1 == parts.len() && !meta.is_dir() => {
                return Err(format!("`{shown}` is a file, not a folder"));
            }
            Ok(_) => {}
            Err(_) => {
                return Err(format!(
                    "`{shown}` does not exist in the content folder; create it or correct the path"
                ))
            }
        }
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_and_confined() {
        let present: HashSet<&str> = ["evidence/files/a.txt"].into_iter().collect();
        let root = Path::new("/nonexistent-root");
        assert_eq!(
            check_file(root, "evidence/./files/../files/a.txt", &present).unwrap(),
            "evidence/files/a.txt"
        );
        assert!(check_file(root, "../../etc/passwd", &present)
            .unwrap_err()
            .contains("outside"));
        assert!(check_file(root, "/etc/passwd", &present)
            .unwrap_err()
            .contains("absolute"));
        assert!(check_file(root, "C:/x", &present)
            .unwrap_err()
            .contains("absolute"));
        assert!(check_file(root, "evidence\\files\\a.txt", &present)
            .unwrap_err()
            .contains("`/`"));
        assert!(check_file(root, "evidence/files/b.txt", &present)
            .unwrap_err()
            .contains("does not exist"));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b.pdf"), "a b.pdf");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
