//! Turning a file's bytes into text, and a Markdown record into front matter and body.
//!
//! Kept apart from what the fields mean (as Zola's `front_matter/split.rs` is): this
//! module only knows about BOMs, line endings and `---` fences.

use crate::diagnostics::Pos;

/// A text problem that makes the whole file unreadable (always E001).
#[derive(Debug, Clone, PartialEq)]
pub struct SplitError {
    pub pos: Pos,
    pub message: String,
}

/// Decodes UTF-8 (dropping a BOM) and turns CRLF into LF; line numbers are unchanged.
pub fn decode(bytes: &[u8]) -> Result<String, SplitError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(if text.contains('\r') {
            text.replace("\r\n", "\n")
        } else {
            text.to_string()
        }),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let col = String::from_utf8_lossy(good.rsplit(|&b| b == b'\n').next().unwrap_or(&[]))
                .chars()
                .count()
                + 1;
            Err(SplitError {
                pos: Pos::new(line, col),
                message: "this file is not UTF-8 text; save it as UTF-8 in your editor".into(),
            })
        }
    }
}

/// A Markdown record split at its fences.
#[derive(Debug, Clone, PartialEq)]
pub struct Split<'a> {
    /// The YAML between the fences.
    pub front_matter: &'a str,
    /// File line number of the first front-matter line (2: the line after `---`).
    pub front_matter_line: usize,
    pub body: &'a str,
    /// File line number where the body starts.
    pub body_line: usize,
}

fn is_fence(line: &str) -> bool {
    line.trim_end() == "---"
}

/// Splits `---\nYAML\n---\nbody`. Empty files and files without front matter are errors.
pub fn split_front_matter(text: &str) -> Result<Split<'_>, SplitError> {
    if text.trim().is_empty() {
        return Err(SplitError {
            pos: Pos::START,
            message: "this file is empty; a record needs front matter between `---` lines with at least a `title:`".into(),
        });
    }
    let first_end = text.find('\n').unwrap_or(text.len());
    if !is_fence(&text[..first_end]) {
        return Err(SplitError {
            pos: Pos::START,
            message: "this Markdown file has no front matter; start it with a line `---`, then the fields (at least `title:`), then another `---`".into(),
        });
    }
    let mut offset = (first_end + 1).min(text.len());
    let fm_start = offset;
    let mut line_no = 2;
    while offset < text.len() {
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        if is_fence(&text[offset..end]) {
            let body_start = (end + 1).min(text.len());
            return Ok(Split {
                front_matter: &text[fm_start..offset],
                front_matter_line: 2,
                body: &text[body_start..],
                body_line: line_no + 1,
            });
        }
        offset = end + 1;
        line_no += 1;
    }
    // A `---` with blank space before it looks closed to the author, but is not.
    let indented = text[fm_start..]
        .lines()
        .position(|l| l.trim() == "---" && l.starts_with([' ', '\t']));
    if let Some(i) = indented {
        return Err(SplitError {
            pos: Pos::new(i + 2, 1),
            message: "the front matter is not closed: this `---` must start at the beginning of the line, with no spaces or tabs before it".into(),
        });
    }
    Err(SplitError {
        pos: Pos::START,
        message: "the front matter is not closed: add a line `---` after the last field".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_body() {
        let s = split_front_matter("---\ntitle: A\n---\nBody\n").unwrap();
        assert_eq!(s.front_matter, "title: A\n");
        assert_eq!(s.body, "Body\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn unterminated_empty_and_missing_front_matter_are_errors() {
        assert!(split_front_matter("---")
            .unwrap_err()
            .message
            .contains("not closed"));
        assert!(split_front_matter("---\ntitle: A\n").is_err());
        let e = split_front_matter("---\ntitle: A\n\t---\nBody\n").unwrap_err();
        assert_eq!(e.pos, Pos { line: 3, col: 1 });
        assert!(e.message.contains("no spaces or tabs"), "{}", e.message);
        assert!(split_front_matter("")
            .unwrap_err()
            .message
            .contains("empty"));
        assert!(split_front_matter("# Heading\n")
            .unwrap_err()
            .message
            .contains("no front matter"));
    }

    #[test]
    fn decodes_bom_and_crlf_and_locates_bad_bytes() {
        assert_eq!(decode(b"\xEF\xBB\xBFa\r\nb").unwrap(), "a\nb");
        let e = decode(b"ok\nab\xFF").unwrap_err();
        assert_eq!(e.pos, Pos { line: 2, col: 3 });
    }
}
