//! What each content file yields, kept between runs of the pipeline.
//!
//! A one-shot command (`check`, `build`, …) starts with an empty cache and reads every
//! file once; `serve` keeps its cache, so a file that has not changed since the last
//! rebuild is not read, parsed or built again. Either way the same code reads, builds
//! and links the records: there is one loader.
//!
//! Each record file keeps its built records, its own diagnostics and its personal-data
//! warnings (all functions of that file alone). Linking runs on everything each time,
//! since one file's change can make another's links valid or broken.

use crate::config::{self, SITE_FILE};
use crate::content::{self, ContentFiles, ParsedFile};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::build::{build_record, Built};
use crate::model::{Record, Site};
use crate::privacy;
use anyhow::{Context, Result};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What one record file yields.
struct FileEntry {
    /// E001 and the like, from reading the file.
    diagnostics: Vec<Diagnostic>,
    reserved: Vec<String>,
    built: Vec<Built>,
    /// W107 for its records (a function of the records alone).
    privacy: Vec<Diagnostic>,
    /// A ready-made copy of `built` for the next rebuild: linking consumes its input, and
    /// copying ten thousand records takes longer than anything else on the critical path,
    /// so a kept cache makes the copy while the server is idle.
    spare: Option<Vec<Built>>,
    /// The watcher reported a change: read it again.
    stale: bool,
}

impl FileEntry {
    fn new(file: ParsedFile) -> FileEntry {
        let built: Vec<Built> = file.records.into_iter().map(build_record).collect();
        let privacy = built
            .iter()
            .flat_map(|b| &b.records)
            .flat_map(privacy::check)
            .collect();
        FileEntry {
            diagnostics: file.diagnostics,
            reserved: file.reserved_ids,
            built,
            privacy,
            spare: None,
            stale: false,
        }
    }
}

/// The content folder and what is known about its files.
pub struct Cache {
    /// The content folder as given (paths are read through it).
    dir: PathBuf,
    /// The content folder, absolute and with links resolved, to recognise watcher paths.
    root: PathBuf,
    /// Kept between runs (`serve`): linking then takes a copy of the built records
    /// instead of the records themselves.
    keep: bool,
    files: Option<ContentFiles>,
    /// `site.yaml` as given to [`Cache::from_parsed`] (read from disk otherwise).
    site_yaml: Option<Option<Vec<u8>>>,
    /// By path inside the content folder; sorted like `ContentFiles::record_files`.
    entries: BTreeMap<String, FileEntry>,
    /// SHA-256 of content files, by path inside the content folder.
    hashes: Arc<HashMap<String, String>>,
    /// The next run must list the folder again (files appeared or went).
    walk: bool,
    /// Keys of records whose file changed since [`Cache::clear_edited`].
    edited: HashSet<String>,
}

/// Fails, saying how to begin, when the content folder does not exist: run where it
/// is, name it, or make one. (The usual first mistake: running in another folder.)
pub fn missing_folder(dir: &Path) -> Result<()> {
    if std::fs::symlink_metadata(dir).is_ok() {
        return Ok(());
    }
    let here = std::env::current_dir().map_or_else(|_| ".".into(), |d| d.display().to_string());
    anyhow::bail!(
        "there is no content folder `{}` in {here}: run assure in the folder that holds it, name it with `--content DIR`, or start one with `assure init`",
        dir.display()
    )
}

impl Cache {
    /// An empty cache for a content folder. `keep`: it will be used again (serve).
    pub fn new(dir: &Path, keep: bool) -> Result<Cache> {
        missing_folder(dir)?;
        let root = dir
            .canonicalize()
            .with_context(|| format!("cannot read the content folder `{}`", dir.display()))?;
        Ok(Cache {
            dir: dir.to_path_buf(),
            root,
            keep,
            files: None,
            site_yaml: None,
            entries: BTreeMap::new(),
            hashes: Arc::default(),
            walk: true,
            edited: HashSet::new(),
        })
    }

    /// A cache of files already read (the fuzzing entry points): nothing is read from
    /// disk, and file references find no file.
    pub fn from_parsed(
        files: ContentFiles,
        site_yaml: Option<&[u8]>,
        parsed: Vec<ParsedFile>,
    ) -> Cache {
        let entries = files
            .record_files
            .iter()
            .cloned()
            .zip(parsed)
            .map(|(p, f)| (p, FileEntry::new(f)))
            .collect();
        Cache {
            dir: files.root.clone(),
            root: files.root.clone(),
            keep: false,
            files: Some(files),
            site_yaml: Some(site_yaml.map(<[u8]>::to_vec)),
            entries,
            hashes: Arc::default(),
            walk: false,
            edited: HashSet::new(),
        }
    }

    /// The absolute content folder (what the watcher watches).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// SHA-256 of the content files hashed so far.
    pub fn hashes(&self) -> &Arc<HashMap<String, String>> {
        &self.hashes
    }

    /// Keys of records whose file changed since [`Cache::clear_edited`].
    pub fn edited(&self) -> &HashSet<String> {
        &self.edited
    }

    pub fn clear_edited(&mut self) {
        self.edited.clear();
    }

    /// Marks everything to be read again (the watcher lost track of events).
    pub fn invalidate_all(&mut self) {
        self.walk = true;
        self.hashes = Arc::default();
        for e in self.entries.values_mut() {
            e.stale = true;
        }
    }

    /// Takes note of a changed path (absolute, as the watcher reports it). Returns
    /// whether it is part of the content at all.
    pub fn invalidate(&mut self, path: &Path) -> bool {
        let Ok(rel) = path.strip_prefix(&self.root) else {
            return false;
        };
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        // The same names `content::walk` skips: editors' swap files, drafts.
        if parts
            .iter()
            .any(|p| p.starts_with('.') || p.starts_with('_'))
        {
            return false;
        }
        let rel = parts.join("/");
        if rel.is_empty() {
            self.invalidate_all();
            return true;
        }
        let under = format!("{rel}/");
        if self
            .hashes
            .keys()
            .any(|p| p == &rel || p.starts_with(&under))
        {
            Arc::make_mut(&mut self.hashes).retain(|p, _| p != &rel && !p.starts_with(&under));
        }
        for (p, e) in self.entries.iter_mut() {
            if p == &rel || p.starts_with(&under) {
                e.stale = true;
            }
        }
        // A file known before and still a plain file only changed its bytes; anything
        // else (new, removed, renamed, a folder, now a link) changes the listing.
        let known = self
            .files
            .as_ref()
            .is_some_and(|f| f.files.binary_search(&rel).is_ok());
        let plain = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
        if !(known && plain) {
            self.walk = true;
        }
        true
    }

    /// Reads what changed and links every record into a site, with every structural,
    /// field, link and personal-data problem. Fails only when the content folder cannot
    /// be read.
    pub fn load(&mut self) -> Result<(Site, Diagnostics)> {
        if self.walk || self.files.is_none() {
            let files = content::walk(&self.dir).with_context(|| {
                format!("cannot read the content folder `{}`", self.dir.display())
            })?;
            self.files = Some(files);
            self.walk = false;
        }
        let site_yaml = match &self.site_yaml {
            Some(given) => given.clone(),
            None => self
                .listed()
                .files
                .binary_search_by(|f| f.as_str().cmp(SITE_FILE))
                .is_ok()
                .then(|| std::fs::read(self.dir.join(SITE_FILE)))
                .transpose()
                .context("cannot read site.yaml")?,
        };
        let (config, config_diags) = config::parse(site_yaml.as_deref());
        self.reread();
        let mut diags = Diagnostics::default();
        diags.extend(config_diags);
        let (built, reserved) = self.take_built(&mut diags);
        let files = self.listed().clone();
        let (site, resolve_diags) = crate::model::resolve::resolve(config, files, built, reserved);
        diags.extend(resolve_diags);
        Ok((site, diags))
    }

    /// The content folder's listing, made by [`Cache::load`] before anything reads it.
    fn listed(&self) -> &ContentFiles {
        let Some(files) = self.files.as_ref() else {
            unreachable!("the content folder was just listed")
        };
        files
    }

    /// Brings the entries up to date with the listing: files that went away are
    /// dropped, new files and those the watcher named are read (in parallel), and the
    /// keys of records gone or changed are marked edited.
    fn reread(&mut self) {
        let Some(files) = self.files.as_ref() else {
            unreachable!("the content folder was just listed")
        };
        // Files that went away: their records are edited (gone).
        let present: HashSet<&str> = files.record_files.iter().map(String::as_str).collect();
        let gone: Vec<String> = self
            .entries
            .keys()
            .filter(|p| !present.contains(p.as_str()))
            .cloned()
            .collect();
        for p in gone {
            if let Some(e) = self.entries.remove(&p) {
                self.edited.extend(keys(&e.built));
            }
        }
        // Files to read: new ones and those the watcher named.
        let to_read: Vec<String> = files
            .record_files
            .iter()
            .filter(|p| self.entries.get(*p).is_none_or(|e| e.stale))
            .cloned()
            .collect();
        if to_read.is_empty() {
            return;
        }
        let parsed = content::read_records(&ContentFiles {
            root: files.root.clone(),
            files: Vec::new(),
            record_files: to_read.clone(),
        });
        let fresh: Vec<(String, FileEntry)> = to_read
            .into_par_iter()
            .zip(parsed)
            .map(|(path, file)| (path, FileEntry::new(file)))
            .collect();
        for (path, entry) in fresh {
            let changed = self
                .entries
                .get(&path)
                .is_none_or(|old| records(&old.built).ne(records(&entry.built)));
            if changed {
                self.edited.extend(keys(&entry.built));
                if let Some(old) = self.entries.get(&path) {
                    self.edited.extend(keys(&old.built));
                }
            }
            self.entries.insert(path, entry);
        }
    }

    /// The input of linking, in path order: every file's built records (copies when
    /// the cache is kept), and the IDs unreadable files reserve; their diagnostics go
    /// to `diags`.
    fn take_built(&mut self, diags: &mut Diagnostics) -> (Vec<Built>, HashSet<String>) {
        let mut reserved = HashSet::new();
        for e in self.entries.values() {
            diags.extend(e.diagnostics.iter().cloned());
            diags.extend(e.privacy.iter().cloned());
            reserved.extend(e.reserved.iter().cloned());
        }
        let keep = self.keep;
        let built: Vec<Built> = self
            .entries
            .values_mut()
            .collect::<Vec<_>>()
            .into_par_iter()
            .flat_map_iter(|e| match e.spare.take() {
                Some(spare) => spare,
                None if keep => copy(&e.built),
                // Used once: linking may take the records themselves.
                None => {
                    e.stale = true;
                    std::mem::take(&mut e.built)
                }
            })
            .collect();
        (built, reserved)
    }

    /// Hashes the files among `paths` whose hash is not known yet.
    pub fn ensure_hashes<'a>(&mut self, paths: impl IntoIterator<Item = &'a str>) {
        let missing: Vec<&str> = paths
            .into_iter()
            .filter(|p| !self.hashes.contains_key(*p))
            .collect();
        if !missing.is_empty() {
            let found = crate::hash::hash_files(&self.dir, missing);
            Arc::make_mut(&mut self.hashes).extend(found);
        }
    }

    /// Prepares the copies the next rebuild links (see `FileEntry::spare`).
    pub fn prepare_spares(&mut self) {
        if !self.keep {
            return;
        }
        self.entries
            .par_iter_mut()
            .filter(|(_, e)| e.spare.is_none())
            .for_each(|(_, e)| e.spare = Some(copy(&e.built)));
    }
}

fn records(built: &[Built]) -> impl Iterator<Item = &Record> {
    built.iter().flat_map(|b| &b.records)
}

fn keys(built: &[Built]) -> impl Iterator<Item = String> + '_ {
    records(built).map(|r| r.key.clone())
}

/// `Built` is not `Clone`; its parts are.
fn copy(built: &[Built]) -> Vec<Built> {
    built
        .iter()
        .map(|b| Built {
            records: b.records.clone(),
            diagnostics: b.diagnostics.clone(),
            reserved_id: b.reserved_id.clone(),
        })
        .collect()
}
