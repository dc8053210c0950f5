//! `assure import FILE --type TYPE` (SPEC §13.4): reads a tracker with
//! [`crate::import`] and writes its records as one list file,
//! `<type folder>/imported-<sheet>.yaml`, never over an existing file.

use crate::import::{self, contain, Request, TYPES};
use crate::model::schema::RecordType;
use anyhow::{anyhow, bail, Context, Result};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct ImportOptions {
    pub file: PathBuf,
    /// action, recommendation or evidence.
    pub rtype: String,
    pub sheet: Option<String>,
    pub map: Option<PathBuf>,
    pub content: PathBuf,
    pub dry_run: bool,
    /// `--evidence-records`: the Evidence column as draft evidence records.
    pub evidence_records: bool,
}

/// What an import did: the report to print and the file written (none on a dry run).
pub struct Imported {
    pub report: String,
    /// The list file's text, for `--dry-run` to show.
    pub yaml: String,
    pub written: Option<PathBuf>,
}

/// Runs an import. Every failure (a hostile or unreadable file, an existing list file)
/// is an error, and leaves the content folder as it was.
pub fn run(opts: &ImportOptions) -> Result<Imported> {
    let rtype = RecordType::from_name(&opts.rtype)
        .filter(|t| TYPES.contains(t))
        .ok_or_else(|| {
            anyhow!(
                "--type `{}`: `import` makes action, recommendation or evidence records",
                opts.rtype
            )
        })?;
    if !opts.content.join("site.yaml").is_file() {
        bail!(
            "{} is not a content folder (it has no site.yaml); name one with --content",
            opts.content.display()
        );
    }
    let map = opts.map.as_deref().map(read_map).transpose()?;
    let sheet = contain::read(&opts.file, opts.sheet.as_deref())?;
    let files = Files::new(opts, rtype, &sheet.name)?;
    let outcome = import_sheet(opts, rtype, &sheet, map.as_ref())?;
    let mut report = outcome.report;
    if opts.dry_run {
        report.push_str(&format!(
            "\n--dry-run: nothing written; {} ({} records) would hold:\n",
            files.path.display(),
            outcome.records
        ));
        let mut yaml = outcome.yaml;
        if let Some((text, n)) = &outcome.evidence {
            yaml.push_str(&format!(
                "\n# --dry-run: {} ({n} draft evidence records) would hold:\n{text}",
                files.evidence_path.display()
            ));
        }
        return Ok(Imported {
            report,
            yaml,
            written: None,
        });
    }
    write_new(&files.folder, &files.path, &outcome.yaml)?;
    if let Some((text, n)) = &outcome.evidence {
        if let Err(e) = write_new(&files.evidence_folder, &files.evidence_path, text) {
            // Both files or neither.
            let _ = std::fs::remove_file(&files.path);
            return Err(e);
        }
        report.push_str(&format!(
            "\nwrote {} ({n} draft evidence records)",
            files.evidence_path.display()
        ));
    }
    report.push_str(&format!(
        "\nwrote {} ({} records); run `assure check` next\n",
        files.path.display(),
        outcome.records
    ));
    Ok(Imported {
        report,
        yaml: outcome.yaml,
        written: Some(files.path),
    })
}

/// `--map`: a YAML mapping of column header → field, `body` or `skip`.
fn read_map(p: &Path) -> Result<serde_yaml::Mapping> {
    // A map is a few lines; it comes from outside the content like the tracker.
    let bytes = crate::untrusted::read(p, "--map", 1024 * 1024)?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("--map {} is not UTF-8 text", p.display()))?;
    serde_yaml::from_str(&text).map_err(|e| {
        anyhow!(
            "--map {}: not a YAML mapping of column header → field ({e})",
            p.display()
        )
    })
}

/// The files an import writes: the list file in the type's folder, and with
/// `--evidence-records` the draft evidence list file.
struct Files {
    folder: PathBuf,
    path: PathBuf,
    evidence_folder: PathBuf,
    evidence_path: PathBuf,
}

impl Files {
    /// The files for sheet `sheet_name`, after refusing folders outside the content
    /// and files that exist already (nothing is ever overwritten).
    fn new(opts: &ImportOptions, rtype: RecordType, sheet_name: &str) -> Result<Files> {
        let folder = opts.content.join(rtype.folder());
        inside_content(&opts.content, &folder)?;
        let path = folder.join(import::file_name(sheet_name));
        let evidence_folder = opts.content.join(RecordType::Evidence.folder());
        let evidence_path = evidence_folder.join(import::file_name(sheet_name));
        let mut writes = vec![&path];
        if opts.evidence_records {
            inside_content(&opts.content, &evidence_folder)?;
            writes.push(&evidence_path);
        }
        for p in &writes {
            if p.exists() {
                bail!(
                    "{} already exists: `import` never overwrites a file (move it away to import again); nothing was written",
                    p.display()
                );
            }
        }
        Ok(Files {
            folder,
            path,
            evidence_folder,
            evidence_path,
        })
    }
}

/// The sheet's records, made against the content's IDs (so imported ones do not
/// collide with them) and its recommendations (which a column may name by title).
fn import_sheet(
    opts: &ImportOptions,
    rtype: RecordType,
    sheet: &import::read::Sheet,
    map: Option<&serde_yaml::Mapping>,
) -> Result<import::Outcome> {
    let (site, _) = crate::pipeline::load(&opts.content)?;
    let taken: HashSet<String> = site.records.iter().map(|r| r.id.to_lowercase()).collect();
    let recommendations: Vec<(String, String)> = site
        .of_type(RecordType::Recommendation)
        .map(|(_, r)| (r.id.clone(), r.title.clone()))
        .collect();
    let source = opts
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    import::import(
        sheet,
        &Request {
            rtype,
            map,
            taken: &taken,
            source: &source,
            recommendations: &recommendations,
            evidence_records: opts.evidence_records,
        },
    )
}

/// Writes a new file in `folder` (made if missing), never over an existing one.
fn write_new(folder: &Path, path: &Path, text: &str) -> Result<()> {
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    // create_new: a file that appeared since the check above is not overwritten either.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    if let Err(e) = f.write_all(text.as_bytes()).and_then(|_| f.sync_all()) {
        // Nothing half-written is left behind.
        let _ = std::fs::remove_file(path);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

/// Refuses a type folder that leads out of the content folder (a symbolic link, or a
/// file where the folder should be): `import` writes inside the content folder only.
fn inside_content(content: &Path, folder: &Path) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(folder) else {
        // Not there yet: it is created inside the content folder.
        return Ok(());
    };
    let shown = folder.display();
    if meta.file_type().is_symlink() {
        bail!("`{shown}` is a symbolic link: `import` writes only inside the content folder; make it a real folder, then import again; nothing was written");
    }
    if !meta.is_dir() {
        bail!("`{shown}` is a file, not a folder; nothing was written");
    }
    let real = |p: &Path| {
        p.canonicalize()
            .with_context(|| format!("cannot read `{}`", p.display()))
    };
    if !real(folder)?.starts_with(real(content)?) {
        bail!("`{shown}` is outside the content folder: `import` writes only inside it; nothing was written");
    }
    Ok(())
}
