//! SHA-256 of files and bytes, as lower-case hex: evidence sign-off, the manifest and
//! the content digest all use these.

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// SHA-256 of a file, as lower-case hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut file = std::fs::File::open(path)?;
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Hashes files inside the content folder, in parallel. Unreadable files are left out.
pub fn hash_files<'a>(
    root: &Path,
    paths: impl IntoIterator<Item = &'a str>,
) -> HashMap<String, String> {
    let paths: Vec<&str> = paths.into_iter().collect();
    paths
        .par_iter()
        .filter_map(|p| sha256_file(&root.join(p)).ok().map(|h| (p.to_string(), h)))
        .collect()
}
