//! Content problems, reported to authors with file, line, column and what to change.
//!
//! Every stage pushes [`Diagnostic`]s into a list instead of stopping, so one run reports
//! everything (SPEC §5). Paths are kept relative to the content folder and printed with
//! the `--content` value in front, as the author typed it.

use serde::Serialize;
use std::fmt::Write as _;

/// How serious a problem is: errors stop a build, warnings do not (unless `--strict`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// The diagnostic codes of SPEC §5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    E001,
    E002,
    E003,
    E004,
    E005,
    E006,
    E007,
    E008,
    W101,
    W102,
    W103,
    W104,
    W105,
    W106,
    W107,
    W108,
    W109,
    W110,
    W111,
    W112,
    W113,
    W114,
}

impl Code {
    pub fn severity(self) -> Severity {
        match self {
            Code::W101
            | Code::W102
            | Code::W103
            | Code::W104
            | Code::W105
            | Code::W106
            | Code::W107
            | Code::W108
            | Code::W109
            | Code::W110
            | Code::W111
            | Code::W112
            | Code::W113
            | Code::W114 => Severity::Warning,
            _ => Severity::Error,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Code::E001 => "E001",
            Code::E002 => "E002",
            Code::E003 => "E003",
            Code::E004 => "E004",
            Code::E005 => "E005",
            Code::E006 => "E006",
            Code::E007 => "E007",
            Code::E008 => "E008",
            Code::W101 => "W101",
            Code::W102 => "W102",
            Code::W103 => "W103",
            Code::W104 => "W104",
            Code::W105 => "W105",
            Code::W106 => "W106",
            Code::W107 => "W107",
            Code::W108 => "W108",
            Code::W109 => "W109",
            Code::W110 => "W110",
            Code::W111 => "W111",
            Code::W112 => "W112",
            Code::W113 => "W113",
            Code::W114 => "W114",
        }
    }
}

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub const START: Pos = Pos { line: 1, col: 1 };

    pub fn new(line: usize, col: usize) -> Pos {
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            col: u32::try_from(col).unwrap_or(u32::MAX),
        }
    }
}

/// Put before a content path inside a message; printing replaces it with the
/// `--content` prefix, so a message naming another file shows it as the author typed it.
pub const IN_CONTENT: &str = "\u{1}";

/// One problem in the content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Path inside the content folder, with `/` separators.
    pub path: String,
    pub pos: Pos,
    pub code: Code,
    pub message: String,
}

impl Diagnostic {
    pub fn new(path: &str, pos: Pos, code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            path: path.to_string(),
            pos,
            code,
            message: message.into(),
        }
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    fn display_path(&self, content_prefix: &str) -> String {
        let prefix = content_prefix.trim_end_matches('/');
        if prefix.is_empty() {
            self.path.clone()
        } else {
            format!("{prefix}/{}", self.path)
        }
    }

    /// The message with content paths shown under the `--content` prefix.
    pub fn display_message(&self, content_prefix: &str) -> String {
        if !self.message.contains(IN_CONTENT) {
            return self.message.clone();
        }
        let prefix = content_prefix.trim_end_matches('/');
        let shown = if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        };
        self.message.replace(IN_CONTENT, &shown)
    }

    /// `content/actions/a12.md:7:10: error[E005]: unknown ID …`
    pub fn human(&self, content_prefix: &str) -> String {
        let severity = match self.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        format!(
            "{}:{}:{}: {severity}[{}]: {}",
            self.display_path(content_prefix),
            self.pos.line,
            self.pos.col,
            self.code.as_str(),
            self.display_message(content_prefix)
        )
    }

    /// One JSON object: `{"path","line","column","severity","code","message"}`.
    pub fn json(&self, content_prefix: &str) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            path: String,
            line: u32,
            column: u32,
            severity: Severity,
            code: &'a str,
            message: String,
        }
        serde_json::to_string(&Out {
            path: self.display_path(content_prefix),
            line: self.pos.line,
            column: self.pos.col,
            severity: self.severity(),
            code: self.code.as_str(),
            message: self.display_message(content_prefix),
        })
        .unwrap_or_default()
    }
}

/// The problems found in one run, kept in the order SPEC §12 prescribes.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn add(&mut self, path: &str, pos: Pos, code: Code, message: impl Into<String>) {
        self.items.push(Diagnostic::new(path, pos, code, message));
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    /// Sorted by path, line, column, code; exact duplicates removed.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            (&a.path, a.pos, a.code, &a.message).cmp(&(&b.path, b.pos, b.code, &b.message))
        });
        self.items.dedup();
    }

    pub fn errors(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity() == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity() == Severity::Warning)
            .count()
    }

    /// Whether these problems fail a run (errors, or any warning under `--strict`).
    pub fn fail(&self, strict: bool) -> bool {
        self.errors() > 0 || (strict && self.warnings() > 0)
    }

    /// `2 errors, 1 warning`.
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| {
            if n == 1 {
                format!("1 {word}")
            } else {
                format!("{n} {word}s")
            }
        };
        let mut s = String::new();
        let _ = write!(
            s,
            "{}, {}",
            plural(self.errors(), "error"),
            plural(self.warnings(), "warning")
        );
        s
    }
}

/// "did you mean" support: the candidate closest to `word` within `max` edits
/// (Damerau–Levenshtein), if any.
pub fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Option<&'a str> {
    let len = word.chars().count();
    candidates
        .into_iter()
        // Words whose lengths differ by more than `max` cannot be within `max` edits;
        // skipping them also keeps a huge value from costing a huge comparison.
        .filter(|c| c.chars().count().abs_diff(len) <= max)
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, _)| *d <= max)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// Like [`closest`], with capital letters counting as their small letters.
pub fn closest_ignoring_case<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Option<&'a str> {
    let word = word.to_lowercase();
    let len = word.chars().count();
    candidates
        .into_iter()
        .filter(|c| c.chars().count().abs_diff(len) <= max)
        .map(|c| (strsim::damerau_levenshtein(&word, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= max)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// The allowed value that `written` means when it differs only by case, spaces,
/// hyphens or underscores (`In Progress`, `case_audit`, `HIGH`), if there is one.
pub fn loose_match<'a>(
    written: &str,
    allowed: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    fn squash(text: &str) -> String {
        text.chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_'))
            .flat_map(char::to_lowercase)
            .collect()
    }
    let written = squash(written);
    if written.is_empty() {
        return None;
    }
    allowed.into_iter().find(|a| squash(a) == written)
}

/// Shortens a value for a message, so a 10,000-character ID does not flood the terminal.
pub fn short(text: &str) -> String {
    if text.chars().count() <= 60 {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(57).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_format_matches_the_spec() {
        let d = Diagnostic::new(
            "actions/a12.md",
            Pos { line: 7, col: 10 },
            Code::E005,
            "unknown ID `REC-99` in `addresses`",
        );
        assert_eq!(
            d.human("content"),
            "content/actions/a12.md:7:10: error[E005]: unknown ID `REC-99` in `addresses`"
        );
        assert_eq!(
            d.json("content"),
            r#"{"path":"content/actions/a12.md","line":7,"column":10,"severity":"error","code":"E005","message":"unknown ID `REC-99` in `addresses`"}"#
        );
    }

    #[test]
    fn closest_finds_typos() {
        assert_eq!(
            closest("suports", ["supports", "status"], 2),
            Some("supports")
        );
        assert_eq!(closest("banana", ["supports", "status"], 2), None);
    }

    #[test]
    fn loose_matches_ignore_case_spaces_and_separators() {
        let statuses = ["not-started", "in-progress", "complete"];
        assert_eq!(loose_match("In Progress", statuses), Some("in-progress"));
        assert_eq!(loose_match("not_started", statuses), Some("not-started"));
        assert_eq!(loose_match("COMPLETE", statuses), Some("complete"));
        assert_eq!(loose_match("completed", statuses), None);
        assert_eq!(loose_match(" - ", statuses), None);
        assert_eq!(
            loose_match("official sensitive", ["OFFICIAL", "OFFICIAL-SENSITIVE"]),
            Some("OFFICIAL-SENSITIVE")
        );
    }
}
