//! The one way Assure reads a file that comes from outside the content model: a
//! workbook or CSV for `import`, its `--map`, a baseline's `records.json` (SPEC §14.7).
//!
//! Such a path may name anything: a device (`/dev/zero` never ends), a named pipe (an
//! open for reading waits for a writer that may never come), a folder, or a file far
//! larger than any tracker. So the file is opened without blocking, the *opened handle*
//! is asked whether it is a regular file (asking the path first would race with a swap),
//! and at most `limit` bytes are read, however long the file says it is: the reported
//! length is only a hint for the first allocation.

use anyhow::{bail, Context, Result};
use std::io::Read;
use std::path::Path;

/// The largest workbook, CSV file or baseline Assure reads (a council's tracker is a
/// few megabytes, a large output's `records.json` a few tens).
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Reads the whole of the regular file at `path`, refusing anything else and anything
/// past `limit` bytes. `what` says what the file is for, in messages ("`import`").
pub fn read(path: &Path, what: &str, limit: u64) -> Result<Vec<u8>> {
    let shown = path.display();
    let file = open(path).with_context(|| format!("cannot read `{shown}`"))?;
    let meta = file
        .metadata()
        .with_context(|| format!("cannot read `{shown}`"))?;
    if meta.is_dir() {
        bail!("`{shown}` is a folder: {what} reads a file");
    }
    if !meta.is_file() {
        bail!("`{shown}` is not a regular file (it is a device, a named pipe or a socket): {what} reads ordinary files only");
    }
    let hint = meta.len().min(limit) as usize;
    let mut bytes = Vec::with_capacity(hint);
    // One byte past the limit tells a file of exactly `limit` bytes from a longer one.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read `{shown}`"))?;
    if bytes.len() as u64 > limit {
        bail!(
            "`{shown}` is larger than {} MB: {what} reads files up to {} MB",
            limit / (1024 * 1024),
            limit / (1024 * 1024)
        );
    }
    Ok(bytes)
}

/// Opens for reading without waiting: on Unix a named pipe with no writer would block
/// an ordinary open for ever, so `O_NONBLOCK` makes the open return at once (regular
/// files ignore the flag). Windows has no such open; a pipe there is told from a file
/// by its handle's metadata all the same.
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file_up_to_the_limit() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("a.csv");
        std::fs::write(&path, b"0123456789").expect("write");
        assert_eq!(read(&path, "`import`", 10).expect("read"), b"0123456789");
        let err = read(&path, "`import`", 9).unwrap_err().to_string();
        assert!(err.contains("larger than"), "{err}");
        let err = read(dir.path(), "`import`", 9).unwrap_err().to_string();
        assert!(err.contains("is a folder"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_pipes_are_refused_without_blocking() {
        let err = read(Path::new("/dev/zero"), "`import`", MAX_BYTES)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a regular file"), "{err}");
        let dir = tempfile::tempdir().expect("a temporary folder");
        let fifo = dir.path().join("pipe.xlsx");
        let c = std::ffi::CString::new(fifo.to_str().expect("UTF-8 path")).expect("no NUL");
        // SAFETY: a NUL-terminated path that outlives the call.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // No writer ever opens it: a blocking open would hang the test here.
        let err = read(&fifo, "`import`", MAX_BYTES).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }
}
