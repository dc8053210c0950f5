//! Writing an output folder safely: everything goes into a staging folder beside the
//! output, `manifest.json` lists the SHA-256 of every file, and only a complete build
//! is swapped in. A failed build leaves the previous output untouched (SPEC §8).
//!
//! Rebuilds are incremental on disk: a file that comes out byte-for-byte the same as in
//! the previous output is hard-linked from it instead of written again. Creating a new
//! file is the dearest part of a build (on ext4 without a journal, allocating inodes
//! right after thousands were freed is quadratic), and no file is ever written in
//! place, so sharing an inode between the old and the new output is safe.

use anyhow::{bail, Context, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub const MANIFEST: &str = "manifest.json";

/// An absolute, normalised form of a path that may not exist yet.
fn absolute(path: &Path) -> Result<PathBuf> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .context("cannot read the current folder")?
            .join(path)
    };
    // Resolve what exists (symbolic links included), then append the rest.
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_owned());
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = existing.canonicalize().unwrap_or(existing);
    for part in rest.into_iter().rev() {
        out.push(part);
    }
    Ok(out)
}

/// Refuses an output folder that overlaps the content folder, or that holds files but
/// no manifest (it is not ours to replace).
pub fn check_output_folder(output: &Path, content: &Path) -> Result<()> {
    let out = absolute(output)?;
    let content = absolute(content)?;
    if out.starts_with(&content) || content.starts_with(&out) {
        bail!(
            "the output folder `{}` overlaps the content folder `{}`; choose an output folder outside it",
            output.display(),
            content.display()
        );
    }
    if out.exists() {
        if !out.is_dir() {
            bail!(
                "the output path `{}` is a file, not a folder",
                output.display()
            );
        }
        let empty = std::fs::read_dir(&out)
            .with_context(|| format!("cannot read the output folder `{}`", output.display()))?
            .next()
            .is_none();
        if !empty && !out.join(MANIFEST).is_file() {
            bail!(
                "the output folder `{}` already holds files but no {MANIFEST}, so it was not made by assure; choose another folder or empty it",
                output.display()
            );
        }
    }
    Ok(())
}

/// A staging folder being filled; its files' hashes are collected for the manifest.
pub struct Staging {
    pub dir: PathBuf,
    output: PathBuf,
    hashes: Mutex<BTreeMap<String, String>>,
    /// The previous output's files and their SHA-256, from its manifest: candidates
    /// for reuse. Each is compared byte for byte before it is linked.
    previous: HashMap<String, String>,
    /// Folders already created inside the staging folder.
    dirs: Mutex<HashSet<PathBuf>>,
}

fn sibling(output: &Path, label: &str) -> PathBuf {
    let name = output
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let parent = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(format!(".{name}.{label}-{}", std::process::id()))
}

impl Staging {
    /// Creates an empty staging folder beside `output`.
    pub fn new(output: &Path) -> Result<Staging> {
        if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
        }
        let dir = sibling(output, "staging");
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot clear `{}`", dir.display()))?;
        }
        std::fs::create_dir(&dir)
            .with_context(|| format!("cannot create the staging folder `{}`", dir.display()))?;
        Ok(Staging {
            dir,
            output: output.to_path_buf(),
            hashes: Mutex::new(BTreeMap::new()),
            previous: previous_files(output),
            dirs: Mutex::new(HashSet::new()),
        })
    }

    /// Creates the folder a staged file goes in, once per folder.
    fn make_parent(&self, path: &Path) -> Result<()> {
        let Some(parent) = path.parent() else {
            return Ok(());
        };
        let mut dirs = self
            .dirs
            .lock()
            .map_err(|_| anyhow::anyhow!("a writer failed"))?;
        if !dirs.contains(parent) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
            dirs.insert(parent.to_path_buf());
        }
        Ok(())
    }

    /// Hard-links `rel` from the previous output into the staging folder when the
    /// previous manifest gives it the same hash and `same` confirms the bytes.
    fn reuse(&self, rel: &str, hash: &str, staged: &Path, same: impl Fn(&Path) -> bool) -> bool {
        if self.previous.get(rel).map(String::as_str) != Some(hash) {
            return false;
        }
        let old = self.output.join(rel);
        // Only a regular file: a symbolic link planted in the old output is never
        // carried over.
        let regular = std::fs::symlink_metadata(&old).is_ok_and(|m| m.file_type().is_file());
        regular && same(&old) && std::fs::hard_link(&old, staged).is_ok()
    }

    fn record(&self, rel: &str, hash: String) {
        // A poisoned lock means another writer panicked; the build fails either way.
        if let Ok(mut h) = self.hashes.lock() {
            h.insert(rel.to_string(), hash);
        }
    }

    /// Writes a file at a path inside the output (`site/index.html`).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.dir.join(rel);
        self.make_parent(&path)?;
        let hash = crate::hex(&Sha256::digest(bytes));
        let same = |old: &Path| std::fs::read(old).is_ok_and(|b| b == bytes);
        if !self.reuse(rel, &hash, &path, same) {
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
        }
        self.record(rel, hash);
        Ok(())
    }

    /// Copies a file into the output, with its known hash.
    pub fn copy(&self, rel: &str, from: &Path, hash: Option<&String>) -> Result<()> {
        let path = self.dir.join(rel);
        self.make_parent(&path)?;
        let reused = hash.is_some_and(|h| self.reuse(rel, h, &path, |old| same_files(old, from)));
        if !reused {
            std::fs::copy(from, &path)
                .with_context(|| format!("cannot copy `{}`", from.display()))?;
        }
        let hash = match hash {
            Some(h) => h.clone(),
            None => crate::sha256_file(&path)?,
        };
        self.record(rel, hash);
        Ok(())
    }

    /// Writes the manifest and swaps the staging folder in for the output.
    pub fn finish(self, as_of: &str, audience: &str, content_sha256: &str) -> Result<()> {
        #[derive(Serialize)]
        struct Manifest<'a> {
            assure_version: &'a str,
            as_of: &'a str,
            audience: &'a str,
            content_sha256: &'a str,
            files: &'a BTreeMap<String, String>,
        }
        let files = self
            .hashes
            .lock()
            .map_err(|_| anyhow::anyhow!("a writer failed"))?;
        let manifest = Manifest {
            assure_version: crate::VERSION,
            as_of,
            audience,
            content_sha256,
            files: &files,
        };
        let mut text = serde_json::to_string_pretty(&manifest)?;
        text.push('\n');
        std::fs::write(self.dir.join(MANIFEST), text).context("cannot write the manifest")?;
        drop(files);
        swap_in(&self.dir, &self.output)
    }

    /// Removes the staging folder (after a failure).
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The files listed in the manifest of an existing output (empty when there is none or
/// it cannot be read: then nothing is reused).
fn previous_files(output: &Path) -> HashMap<String, String> {
    #[derive(serde::Deserialize)]
    struct Listed {
        files: HashMap<String, String>,
    }
    std::fs::read(output.join(MANIFEST))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Listed>(&bytes).ok())
        .map(|m| m.files)
        .unwrap_or_default()
}

/// Whether two files hold the same bytes, read in blocks (attachments can be large).
fn same_files(a: &Path, b: &Path) -> bool {
    let (Ok(mut ra), Ok(mut rb)) = (std::fs::File::open(a), std::fs::File::open(b)) else {
        return false;
    };
    match (ra.metadata(), rb.metadata()) {
        (Ok(ma), Ok(mb)) if ma.len() == mb.len() => {}
        _ => return false,
    }
    let (mut ba, mut bb) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    loop {
        let n = match ra.read(&mut ba) {
            Ok(n) => n,
            Err(_) => return false,
        };
        if n == 0 {
            // Same length, so `b` is at its end too.
            return true;
        }
        if rb.read_exact(&mut bb[..n]).is_err() || ba[..n] != bb[..n] {
            return false;
        }
    }
}

/// Replaces `output` with `staged`. The old output is moved aside first and removed
/// only once the new one is in place.
fn swap_in(staged: &Path, output: &Path) -> Result<()> {
    if output.exists() {
        let old = sibling(output, "old");
        if old.exists() {
            std::fs::remove_dir_all(&old)
                .with_context(|| format!("cannot clear `{}`", old.display()))?;
        }
        std::fs::rename(output, &old)
            .with_context(|| format!("cannot move the old output `{}` aside", output.display()))?;
        if let Err(e) = std::fs::rename(staged, output) {
            // Put the previous output back: a failed build must not lose it.
            let _ = std::fs::rename(&old, output);
            return Err(e).with_context(|| {
                format!("cannot move the new output into `{}`", output.display())
            });
        }
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(staged, output)
            .with_context(|| format!("cannot move the new output into `{}`", output.display()))?;
    }
    Ok(())
}

/// `content_sha256` (SPEC §12): SHA-256 of the sorted lines `path\0sha256\n`.
pub fn content_digest(hashes: &std::collections::HashMap<String, String>) -> String {
    let mut paths: Vec<&String> = hashes.keys().collect();
    paths.sort();
    let mut h = Sha256::new();
    for p in paths {
        h.update(p.as_bytes());
        h.update([0u8]);
        h.update(hashes[p].as_bytes());
        h.update(b"\n");
    }
    crate::hex(&h.finalize())
}

/// Writes files into an existing (or new) output folder one by one, each atomically
/// (a temporary file renamed into place), then rewrites the manifest the same way.
/// Used by `assure pack`, which replaces single PDFs without rebuilding the site.
pub fn update_files(
    output: &Path,
    files: &[(String, Vec<u8>)],
    as_of: &str,
    content_sha256: &str,
) -> Result<()> {
    std::fs::create_dir_all(output)
        .with_context(|| format!("cannot create `{}`", output.display()))?;
    let manifest_path = output.join(MANIFEST);
    let mut manifest: serde_json::Value = match std::fs::read(&manifest_path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("`{}` is not valid JSON", manifest_path.display()))?,
        Err(_) => serde_json::json!({
            "assure_version": crate::VERSION,
            "as_of": as_of,
            "audience": serde_json::Value::Null,
            "content_sha256": content_sha256,
            "files": {},
        }),
    };
    for (rel, bytes) in files {
        write_atomic(&output.join(rel), bytes)?;
        if let Some(map) = manifest.get_mut("files").and_then(|f| f.as_object_mut()) {
            map.insert(
                rel.clone(),
                serde_json::Value::String(crate::hex(&Sha256::digest(bytes))),
            );
        }
    }
    let mut text = serde_json::to_string_pretty(&manifest)?;
    text.push('\n');
    write_atomic(&manifest_path, text.as_bytes())
}

/// Writes a file through a temporary sibling and a rename, so readers never see half.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create `{}`", parent.display()))?;
    }
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write `{}`", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace `{}`", path.display()))
}
