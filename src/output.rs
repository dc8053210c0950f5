//! Writing an output folder safely: everything goes into a staging folder beside the
//! output, `manifest.json` lists the SHA-256 of every file, and only a complete build
//! is swapped in. A failed build leaves the previous output untouched (SPEC §8).
//!
//! Rebuilds are incremental on disk: a file that comes out byte-for-byte the same as in
//! the previous output is hard-linked from it instead of written again. Creating a new
//! file is the dearest part of a build (on ext4 without a journal, allocating inodes
//! right after thousands were freed is quadratic), and no file is ever written in
//! place, so sharing an inode between the old and the new output is safe.

use crate::durable::sync_dir;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Write};
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

/// Refuses an output folder that overlaps the content folder, or that holds anything
/// but an output Assure wrote (SPEC §14.7): replacing it would delete what it holds.
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
        if let Err(why) = written_by_assure(&out) {
            bail!(
                "the output folder `{}` was not made by assure ({why}), and building would replace everything in it: choose another folder, or empty this one",
                output.display()
            );
        }
    }
    Ok(())
}

/// What Assure writes as a manifest's `generator`, so an output is told from a folder
/// that merely holds some other `manifest.json` (a web app's, say).
pub const GENERATOR: &str = "Assure";

/// `Ok` when `dir` is empty or holds an output Assure wrote: its manifest is Assure's —
/// `generator` is [`GENERATOR`] (or, in an output from before that field, an
/// `assure_version` and `content_sha256` are there), and `files` maps relative paths to
/// SHA-256 hashes — and everything at its top level is the manifest or the first part
/// of a path the manifest lists. Otherwise why not, in words.
pub fn written_by_assure(dir: &Path) -> std::result::Result<(), String> {
    let entries: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("it cannot be read: {e}"))?
        .map(|e| {
            e.map(|e| e.file_name().to_string_lossy().into_owned())
                .map_err(|e| format!("it cannot be read: {e}"))
        })
        .collect::<std::result::Result<_, _>>()?;
    if entries.is_empty() {
        return Ok(());
    }
    let manifest = read_manifest(dir)?;
    let tops: HashSet<&str> = manifest
        .files
        .keys()
        .filter_map(|p| p.split('/').next())
        .collect();
    match entries
        .iter()
        .find(|e| *e != MANIFEST && !tops.contains(e.as_str()) && !OS_LITTER.contains(&e.as_str()))
    {
        Some(stranger) => Err(format!(
            "it holds `{stranger}`, which its {MANIFEST} does not list"
        )),
        None => Ok(()),
    }
}

/// What a file manager leaves in any folder it shows (macOS Finder, Windows Explorer):
/// not the user's work, and no reason to refuse an output.
const OS_LITTER: [&str; 3] = [".DS_Store", "Thumbs.db", "desktop.ini"];

/// An output's manifest, as far as telling whose it is needs.
struct Listing {
    files: HashMap<String, String>,
}

/// Reads and checks `dir`'s manifest (through the bounded reader: a pipe or a device
/// planted under its name is refused, not waited on). `Err` says why it is not Assure's.
fn read_manifest(dir: &Path) -> std::result::Result<Listing, String> {
    let path = dir.join(MANIFEST);
    if std::fs::symlink_metadata(&path).is_err() {
        return Err(format!("it holds files but no {MANIFEST}"));
    }
    let bytes = crate::untrusted::read(&path, "assure", crate::untrusted::MAX_BYTES)
        .map_err(|e| format!("{e:#}"))?;
    let not_ours = || format!("its {MANIFEST} is not one assure writes");
    let doc: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| not_ours())?;
    let text = |key: &str| doc.get(key).and_then(serde_json::Value::as_str);
    let generator = match text("generator") {
        Some(g) => g == GENERATOR,
        None => text("assure_version").is_some() && text("content_sha256").is_some(),
    };
    let files = doc
        .get("files")
        .and_then(serde_json::Value::as_object)
        .filter(|_| generator)
        .ok_or_else(not_ours)?;
    let mut out = HashMap::with_capacity(files.len());
    for (rel, hash) in files {
        let hash = hash
            .as_str()
            .filter(|h| is_sha256(h))
            .ok_or_else(not_ours)?;
        let relative = !rel.is_empty()
            && !rel.starts_with('/')
            && rel.split('/').all(|part| !part.is_empty() && part != "..");
        if !relative {
            return Err(not_ours());
        }
        out.insert(rel.clone(), hash.to_string());
    }
    Ok(Listing { files: out })
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
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

/// The name of a working folder beside `output` that belongs to this process:
/// `.NAME.LABEL-PID`. It starts with `.` and is never the output itself.
fn sibling(output: &Path, label: &str) -> PathBuf {
    sibling_of(output, label, std::process::id())
}

fn sibling_of(output: &Path, label: &str, pid: u32) -> PathBuf {
    parent_of(output).join(format!(".{}.{label}-{pid}", output_name(output)))
}

fn output_name(output: &Path) -> String {
    output
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned())
}

fn parent_of(output: &Path) -> &Path {
    output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Whether process `pid` may still be running (and so still own its working folders).
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 sends nothing; it only asks whether `pid` exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
fn process_alive(pid: u32) -> bool {
    pid == std::process::id()
}

/// Removes the working folders (`.NAME.staging-PID`, `.NAME.old-PID`) that runs killed
/// part-way left beside `output`. A folder whose process still runs is left alone: it
/// is another build writing to the same output at the same moment.
fn remove_leftovers(output: &Path) -> Result<()> {
    let prefix = format!(".{}.", output_name(output));
    let Ok(entries) = std::fs::read_dir(parent_of(output)) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let pid = ["staging-", "old-"]
            .iter()
            .find_map(|label| rest.strip_prefix(label))
            .and_then(|pid| pid.parse::<u32>().ok());
        let Some(pid) = pid else { continue };
        if pid == std::process::id() || !process_alive(pid) {
            let path = entry.path();
            let removed = match entry.file_type() {
                Ok(t) if t.is_dir() => std::fs::remove_dir_all(&path),
                _ => std::fs::remove_file(&path),
            };
            removed.with_context(|| {
                format!(
                    "cannot remove `{}`, left by a build that was stopped",
                    path.display()
                )
            })?;
        }
    }
    Ok(())
}

impl Staging {
    /// Creates an empty staging folder beside `output`, after removing any that stopped
    /// builds left behind.
    pub fn new(output: &Path) -> Result<Staging> {
        if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
        }
        remove_leftovers(output)?;
        let dir = sibling(output, "staging");
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
        let hash = crate::hash::hex(&Sha256::digest(bytes));
        let same = |old: &Path| std::fs::read(old).is_ok_and(|b| b == bytes);
        if !self.reuse(rel, &hash, &path, same) {
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
        }
        self.record(rel, hash);
        Ok(())
    }

    /// Writes a file at a path inside the output as `make` produces it, hashing it on
    /// the way, so that a big file (`data/records.json`) is never held whole. When the
    /// previous output has the same bytes, its file is linked in place of the new one,
    /// as [`Staging::write`] would have done.
    pub fn write_with(
        &self,
        rel: &str,
        make: &mut dyn FnMut(&mut dyn Write) -> Result<()>,
    ) -> Result<()> {
        let path = self.dir.join(rel);
        self.make_parent(&path)?;
        let cannot = || format!("cannot write `{}`", path.display());
        let file = std::fs::File::create(&path).with_context(cannot)?;
        let mut out = Hashing {
            inner: std::io::BufWriter::with_capacity(256 * 1024, file),
            hash: Sha256::new(),
        };
        make(&mut out)?;
        out.inner.flush().with_context(cannot)?;
        let hash = crate::hash::hex(&out.hash.finalize());
        if self.previous.get(rel) == Some(&hash) {
            let linked = path.with_file_name(format!(".{}.reused", output_name(&path)));
            if self.reuse(rel, &hash, &linked, |old| same_files(old, &path))
                && std::fs::rename(&linked, &path).is_err()
            {
                // The new copy stays; it has the same bytes.
                let _ = std::fs::remove_file(&linked);
            }
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
            copy_no_follow(from, &path)
                .with_context(|| format!("cannot copy `{}`", from.display()))?;
        }
        let hash = match hash {
            Some(h) => h.clone(),
            None => crate::hash::sha256_file(&path)?,
        };
        self.record(rel, hash);
        Ok(())
    }

    /// Writes the manifest and swaps the staging folder in for the output.
    pub fn finish(self, as_of: &str, audience: &str, content_sha256: &str) -> Result<()> {
        #[derive(Serialize)]
        struct Manifest<'a> {
            generator: &'a str,
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
            generator: GENERATOR,
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
        let result = swap_in(&self.dir, &self.output);
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        result
    }

    /// Removes the staging folder (after a failure).
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The files listed in the manifest of an existing output (empty when there is none or
/// it cannot be read: then nothing is reused).
fn previous_files(output: &Path) -> HashMap<String, String> {
    read_manifest(output).map(|m| m.files).unwrap_or_default()
}

/// Whether two files hold the same bytes, read in blocks (attachments can be large).
fn same_files(a: &Path, b: &Path) -> bool {
    let (Ok(mut ra), Ok(mut rb)) = (std::fs::File::open(a), open_no_follow(b)) else {
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

/// A writer that hashes what goes through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(bytes)?;
        self.hash.update(&bytes[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Copies a file, refusing one that has become a symbolic link since the content was
/// checked (which found no link on its path): a link's target is never copied.
fn copy_no_follow(from: &Path, to: &Path) -> std::io::Result<()> {
    let mut source = open_no_follow(from)?;
    if !source.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut target = std::fs::File::create(to)?;
    std::io::copy(&mut source, &mut target)?;
    Ok(())
}

/// Opens a file for reading, failing if the last part of its path is a symbolic link.
fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

/// Replaces `output` with the complete folder `staged` in one step, so that at every
/// moment — a kill included — `output` is either the whole previous output or the whole
/// new one. On Linux the two folders are exchanged with `renameat2(RENAME_EXCHANGE)`
/// and the previous output (now at `staged`) is removed afterwards; elsewhere, or on a
/// file system without the exchange, the old output is moved aside first, leaving a
/// moment with no output (the old one is then at `.NAME.old-PID`).
///
/// Before the swap the new files are flushed to disk, and after it the folder that
/// holds the output, so a power cut cannot leave a swapped-in output of empty files.
fn swap_in(staged: &Path, output: &Path) -> Result<()> {
    sync_tree(staged)?;
    kill_point("before-swap");
    let cannot = || format!("cannot move the new output into `{}`", output.display());
    if std::fs::symlink_metadata(output).is_err() {
        std::fs::rename(staged, output).with_context(cannot)?;
        sync_dir(parent_of(output));
        return Ok(());
    }
    if exchange(staged, output).with_context(cannot)? {
        kill_point("mid-swap");
        sync_dir(parent_of(output));
        // `staged` now holds the previous output.
        let _ = std::fs::remove_dir_all(staged);
        return Ok(());
    }
    swap_by_renames(staged, output)
}

/// The swap where two folders cannot be exchanged in one step (Windows, and file
/// systems without `RENAME_EXCHANGE`): the old output moves aside, the new one moves
/// in, and a failure puts the old one back. Linux tests call it directly.
fn swap_by_renames(staged: &Path, output: &Path) -> Result<()> {
    let cannot = || format!("cannot move the new output into `{}`", output.display());
    let old = sibling(output, "old");
    if std::fs::symlink_metadata(&old).is_ok() {
        std::fs::remove_dir_all(&old)
            .with_context(|| format!("cannot clear `{}`", old.display()))?;
    }
    std::fs::rename(output, &old)
        .with_context(|| format!("cannot move the old output `{}` aside", output.display()))?;
    kill_point("mid-swap");
    if let Err(e) = std::fs::rename(staged, output) {
        // Put the previous output back: a failed build must not lose it.
        let _ = std::fs::rename(&old, output);
        return Err(e).with_context(cannot);
    }
    sync_dir(parent_of(output));
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// A test hook: with `ASSURE_TEST_KILL_AT=NAME` in its environment the process kills
/// itself (SIGKILL, as a crash or `kill -9` would) on reaching the moment `NAME` of
/// swapping an output in, the moments a randomly timed kill almost never hits
/// (tests/suite/crash.rs).
fn kill_point(name: &str) {
    // Elsewhere (Windows) the hook does nothing; the name is still taken.
    #[cfg(not(unix))]
    let _ = name;
    #[cfg(unix)]
    if std::env::var_os("ASSURE_TEST_KILL_AT").is_some_and(|v| v == name) {
        // SAFETY: sends a signal to this process; nothing is borrowed.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

/// Atomically exchanges two existing paths. `Ok(false)` when this system or file system
/// cannot (the caller falls back to two renames).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "NUL in a path"))
    };
    let (ca, cb) = (c(a)?, c(b)?);
    // SAFETY: both paths are NUL-terminated C strings that outlive the call. The raw
    // system call works with every C library (glibc before 2.28 and musl lack a wrapper).
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    match err.raw_os_error() {
        // No renameat2 (kernel before 3.15), or a file system without the exchange.
        Some(libc::ENOSYS) | Some(libc::EINVAL) | Some(libc::EOPNOTSUPP) => Ok(false),
        _ => Err(err),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<bool> {
    Ok(false)
}

/// Flushes every file under `dir` to disk. A kill needs no flush (the kernel keeps
/// what was written); a power cut does. On Linux one `syncfs` flushes the file system
/// holding `dir`; elsewhere each file and folder is flushed in turn.
fn sync_tree(dir: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let folder =
            std::fs::File::open(dir).with_context(|| format!("cannot open `{}`", dir.display()))?;
        // SAFETY: the descriptor is open for the duration of the call.
        if unsafe { libc::syncfs(folder.as_raw_fd()) } != 0 {
            return Err(std::io::Error::last_os_error())
                .with_context(|| format!("cannot flush `{}` to disk", dir.display()));
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        sync_each(dir)
    }
}

/// Flushes every file under `dir` in turn, where there is no `syncfs` (Windows, macOS).
/// Files are opened for writing: Windows flushes only a handle with write access.
/// Folders are flushed where the system allows it (Windows cannot open a folder as a
/// file); their files are what matter. Compiled everywhere, so Linux tests run it.
#[cfg_attr(target_os = "linux", allow(dead_code))]
fn sync_each(dir: &Path) -> Result<()> {
    for entry in walkdir::WalkDir::new(dir).follow_links(false) {
        let entry = entry.with_context(|| format!("cannot read `{}`", dir.display()))?;
        let t = entry.file_type();
        if t.is_file() {
            std::fs::OpenOptions::new()
                .write(true)
                .open(entry.path())
                .and_then(|f| f.sync_all())
                .with_context(|| format!("cannot flush `{}` to disk", entry.path().display()))?;
        } else if t.is_dir() {
            sync_dir(entry.path());
        }
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
    crate::hash::hex(&h.finalize())
}

/// The content digest of one audience's output (SPEC §14.6): for `internal`, every
/// content file; for any other audience, [`content_digest`] over `site.yaml`, the files
/// of the records it sees and the attachments it may see, and nothing else, so editing a withheld record changes no byte of it. A file
/// that also holds records withheld from the audience (a list file, or a plan with a
/// withheld objective) counts with those records' lines left out.
pub fn audience_digest(
    whole: &crate::model::Site,
    view: &crate::model::view::View,
    attachments: &std::collections::BTreeSet<String>,
    hashes: &HashMap<String, String>,
) -> String {
    // `internal` sees the whole content folder.
    if view.audience == crate::config::INTERNAL {
        return content_digest(hashes);
    }
    let mut lines: HashMap<String, String> = HashMap::new();
    let take = |lines: &mut HashMap<String, String>, path: &str| {
        if let Some(h) = hashes.get(path) {
            lines.insert(path.to_string(), h.clone());
        }
    };
    take(&mut lines, crate::config::SITE_FILE);
    for path in attachments {
        take(&mut lines, path);
    }
    // The records of each file, in file order, and whether the audience sees each.
    let mut by_file: BTreeMap<&str, Vec<(&crate::model::Record, bool)>> = BTreeMap::new();
    for rec in &whole.records {
        let seen = view.site.index.contains_key(&rec.key);
        by_file
            .entry(rec.path.as_str())
            .or_default()
            .push((rec, seen));
    }
    for (path, recs) in by_file {
        if recs.iter().all(|(_, seen)| *seen) {
            take(&mut lines, path);
            continue;
        }
        if !recs.iter().any(|(_, seen)| *seen) {
            continue;
        }
        let text = std::fs::read(whole.files.root.join(path)).unwrap_or_default();
        lines.insert(path.to_string(), seen_lines_digest(&text, &recs));
    }
    content_digest(&lines)
}

/// The SHA-256 of a file's `text` without the lines of its records that are not seen
/// (`recs`: the file's records, and whether each is seen).
fn seen_lines_digest(text: &[u8], recs: &[(&crate::model::Record, bool)]) -> String {
    use crate::model::schema::RecordType;
    let file_lines: Vec<&[u8]> = text.split_inclusive(|b| *b == b'\n').collect();
    let indent = |line: &[u8]| line.iter().take_while(|b| **b == b' ').count();
    let blank = |line: &[u8]| line.iter().all(|b| b.is_ascii_whitespace());
    // Records start at their first key (lines counted from 1).
    let mut starts: Vec<usize> = recs
        .iter()
        .filter(|(r, _)| r.rtype != RecordType::Objective)
        .map(|(r, _)| r.pos.line as usize)
        .collect();
    starts.sort_unstable();
    let mut left_out = vec![false; file_lines.len() + 2];
    for (rec, _) in recs.iter().filter(|(_, seen)| !seen) {
        let from = rec.pos.line as usize;
        let to = if rec.rtype == RecordType::Objective {
            // An item of its plan's list: the lines indented at least as far as
            // its first key.
            let key_indent = rec.pos.col.saturating_sub(1) as usize;
            (from + 1..=file_lines.len())
                .find(|&n| {
                    let line = file_lines[n - 1];
                    !blank(line) && indent(line) < key_indent
                })
                .unwrap_or(file_lines.len() + 1)
        } else {
            starts
                .iter()
                .find(|&&s| s > from)
                .copied()
                .unwrap_or(file_lines.len() + 1)
        };
        for n in from..to.min(left_out.len()) {
            left_out[n] = true;
        }
    }
    let mut h = Sha256::new();
    for (i, line) in file_lines.iter().enumerate() {
        if !left_out[i + 1] {
            h.update(line);
        }
    }
    crate::hash::hex(&h.finalize())
}

/// Replaces some files of an output (or adds them), and their manifest entries, as one
/// step. Used by `assure pack`, which replaces single PDFs without rebuilding the site.
///
/// Writing the PDFs into the live output and then its manifest would leave, after a
/// kill between the two, an output whose files do not match its manifest. Instead the
/// whole output is staged beside it — every unchanged file as a hard link (no copying;
/// output files are only ever replaced, never changed in place), the new files and
/// manifest written fresh — and swapped in like a build.
pub fn update_files(
    output: &Path,
    files: &[(String, Vec<u8>)],
    as_of: &str,
    content_sha256: &str,
) -> Result<()> {
    let manifest_path = output.join(MANIFEST);
    let mut manifest: serde_json::Value = match std::fs::read(&manifest_path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("`{}` is not valid JSON", manifest_path.display()))?,
        Err(_) => serde_json::json!({
            "generator": GENERATOR,
            "assure_version": crate::VERSION,
            "as_of": as_of,
            "audience": serde_json::Value::Null,
            "content_sha256": content_sha256,
            "files": {},
        }),
    };
    if let Some(m) = manifest.as_object_mut() {
        // An output from before the field says whose it is from now on.
        m.insert("generator".into(), GENERATOR.into());
    }
    let staging = Staging::new(output)?;
    let result = (|| {
        if output.is_dir() {
            link_tree(output, &staging.dir)?;
        }
        for (rel, bytes) in files {
            let path = staging.dir.join(rel);
            // A hard link to the live file: unlink it, never write through it.
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e).with_context(|| format!("cannot replace `{}`", path.display()))
                }
                _ => {}
            }
            staging.write(rel, bytes)?;
            let map = manifest
                .get_mut("files")
                .and_then(|f| f.as_object_mut())
                .with_context(|| format!("`{}` has no `files` object", manifest_path.display()))?;
            map.insert(
                rel.clone(),
                serde_json::Value::String(crate::hash::hex(&Sha256::digest(bytes))),
            );
        }
        let mut text = serde_json::to_string_pretty(&manifest)?;
        text.push('\n');
        let path = staging.dir.join(MANIFEST);
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, text).context("cannot write the manifest")
    })();
    match result {
        Ok(()) => {
            let dir = staging.dir.clone();
            let swapped = swap_in(&dir, output);
            if swapped.is_err() {
                let _ = std::fs::remove_dir_all(&dir);
            }
            swapped
        }
        Err(e) => {
            staging.abandon();
            Err(e)
        }
    }
}

/// Recreates the tree `from` inside the empty folder `to`: folders made, files hard
/// linked (copied where the file system has no hard links), symbolic links recreated.
fn link_tree(from: &Path, to: &Path) -> Result<()> {
    for entry in walkdir::WalkDir::new(from).min_depth(1).follow_links(false) {
        let entry = entry.with_context(|| format!("cannot read `{}`", from.display()))?;
        let rel = entry.path().strip_prefix(from).unwrap_or(entry.path());
        let target = to.join(rel);
        let t = entry.file_type();
        if t.is_dir() {
            std::fs::create_dir(&target)
                .with_context(|| format!("cannot create `{}`", target.display()))?;
        } else if t.is_file() {
            if std::fs::hard_link(entry.path(), &target).is_err() {
                std::fs::copy(entry.path(), &target)
                    .with_context(|| format!("cannot copy `{}`", entry.path().display()))?;
            }
        } else {
            #[cfg(unix)]
            {
                let link = std::fs::read_link(entry.path())
                    .with_context(|| format!("cannot read `{}`", entry.path().display()))?;
                std::os::unix::fs::symlink(link, &target)
                    .with_context(|| format!("cannot create `{}`", target.display()))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Windows path of a swap, run here through the same function.
    #[test]
    fn swapping_by_renames_replaces_the_output_whole() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let output = dir.path().join("output");
        let staged = dir.path().join("staged");
        for (folder, text) in [(&output, "old"), (&staged, "new")] {
            std::fs::create_dir_all(folder.join("site")).expect("mkdir");
            std::fs::write(folder.join("site/index.html"), text).expect("write");
        }
        std::fs::write(output.join("only-old.txt"), "x").expect("write");
        swap_by_renames(&staged, &output).expect("the swap works");
        let read = std::fs::read_to_string(output.join("site/index.html")).expect("read");
        assert_eq!(read, "new");
        assert!(
            !output.join("only-old.txt").exists(),
            "nothing of the old output stays"
        );
        assert!(!staged.exists());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["output"], "no `.output.old-PID` is left behind");
    }

    /// Whose a folder is: told from its manifest and what sits beside it.
    #[test]
    fn an_output_is_told_from_a_folder_with_some_manifest() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let d = dir.path();
        assert!(written_by_assure(d).is_ok(), "an empty folder");
        let hash = "ab".repeat(32);
        let write = |text: String| std::fs::write(d.join(MANIFEST), text).expect("write");
        std::fs::create_dir_all(d.join("site")).expect("mkdir");
        std::fs::write(d.join("site/index.html"), "x").expect("write");
        // One written before `generator` existed.
        write(format!(
            r#"{{"assure_version": "0.9.0", "content_sha256": "{hash}", "files": {{"site/index.html": "{hash}"}}}}"#
        ));
        assert!(written_by_assure(d).is_ok());
        std::fs::write(d.join(".DS_Store"), "x").expect("write");
        assert!(written_by_assure(d).is_ok(), "a file manager's litter");
        for (manifest, why) in [
            (
                r#"{"name": "app", "files": {}}"#.to_string(),
                "not one assure writes",
            ),
            (
                format!(r#"{{"generator": "Assure", "files": {{"../x": "{hash}"}}}}"#),
                "not one assure writes",
            ),
            (
                format!(r#"{{"generator": "Assure", "files": {{"data/a.csv": "{hash}"}}}}"#),
                "`site`, which",
            ),
        ] {
            write(manifest);
            let err = written_by_assure(d).unwrap_err();
            assert!(err.contains(why), "{err}");
        }
    }

    /// A file written as it is made is the file [`Staging::write`] writes: the same
    /// bytes and manifest hash, and, unchanged since the last build, the previous
    /// output's file linked in (nothing else left beside it); changed, a new file.
    #[cfg(unix)]
    #[test]
    fn a_file_written_as_it_is_made_is_hashed_and_reused_like_a_whole_one() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().expect("a temporary folder");
        let output = dir.path().join("output");
        let build = |json: &'static str| {
            let staging = Staging::new(&output).expect("a staging folder");
            staging
                .write("site/index.html", b"<p>x</p>")
                .expect("write");
            staging
                .write_with("data/records.json", &mut |out| {
                    for part in json.split_inclusive(',') {
                        out.write_all(part.as_bytes())?;
                    }
                    Ok(())
                })
                .expect("write as made");
            staging
                .write("data/whole.json", json.as_bytes())
                .expect("write");
            staging.finish("2026-12-06", "public", "").expect("finish");
            let manifest = read_manifest(&output).expect("a manifest").files;
            let inode = std::fs::metadata(output.join("data/records.json"))
                .expect("written")
                .ino();
            (manifest, inode)
        };
        let (first, inode) = build(r#"{"a": 1, "b": 2}"#);
        assert_eq!(
            first["data/records.json"], first["data/whole.json"],
            "hashed as if written whole"
        );
        let read = std::fs::read(output.join("data/records.json")).expect("read");
        assert_eq!(read, br#"{"a": 1, "b": 2}"#);
        let (_, same) = build(r#"{"a": 1, "b": 2}"#);
        assert_eq!(
            same, inode,
            "the unchanged file is the previous one, linked"
        );
        let (changed, other) = build(r#"{"a": 1, "b": 3}"#);
        assert_ne!(other, inode);
        assert_eq!(changed["data/records.json"], changed["data/whole.json"]);
        let left: Vec<String> = std::fs::read_dir(output.join("data"))
            .expect("list")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left.len(), 2, "nothing left beside the files: {left:?}");
    }

    /// The flush used where there is no `syncfs`, over files and folders.
    #[test]
    fn flushing_file_by_file_works() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::create_dir_all(dir.path().join("a/b")).expect("mkdir");
        std::fs::write(dir.path().join("a/b/c.txt"), "c").expect("write");
        sync_each(dir.path()).expect("every file flushed");
    }
}
