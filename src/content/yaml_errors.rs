//! YAML syntax errors said in plain English, at the place the author must change.
//!
//! The parser notices a mistake where it can no longer go on, which is often a line or
//! more after it: a `[` left open on one line is reported at the `:` of the next. So
//! when the parser fails, this module reads the text again, line by line, the way an
//! author would — which quotes and brackets are open, which lines are fields, how they
//! are indented — and names the first thing that explains the failure: an unclosed
//! quote, `[` or `{` at its opening; a missing space after `:`; a line indented more
//! than the field above it; a value holding `: `; a line with no `:`. The parser's own
//! wording follows in brackets, as a detail. (Tabs are found before this, in `yaml.rs`.)

use crate::diagnostics::Pos;

/// What a line-by-line reading found.
#[derive(Default)]
struct Scan {
    /// A quote still open at the end of the text: line, column (1-based), the quote.
    quote: Option<(usize, usize, char)>,
    /// `[` and `{` still open at the end of the text, outermost first.
    flows: Vec<(usize, usize, char)>,
    /// Per line: whether it starts inside a quote, a `[…]`/`{…}` or a `|`/`>` block,
    /// so that its shape says nothing about fields.
    inside: Vec<bool>,
}

fn indent_of(line: &str) -> usize {
    line.chars().take_while(|c| *c == ' ').count()
}

/// Reads the lines as YAML's tokens would split them, keeping only what explanations
/// need: open quotes and brackets, and which lines continue something.
fn scan(lines: &[&str]) -> Scan {
    let mut quote: Option<(usize, usize, char)> = None;
    let mut flows: Vec<(usize, usize, char)> = Vec::new();
    let mut inside = vec![false; lines.len()];
    // The indentation of the line that opened a `|` or `>` block.
    let mut block: Option<usize> = None;
    for (i, line) in lines.iter().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let indent = indent_of(line);
        if let Some(opened) = block {
            if line.trim().is_empty() || indent > opened {
                inside[i] = true;
                continue;
            }
            block = None;
        }
        inside[i] = quote.is_some() || !flows.is_empty();
        // Whether a scalar may begin here (line start, after `: `, `- `, `,`, `[`, `{`).
        let mut at_start = true;
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            let next_is_space = chars.get(j + 1).is_none_or(|n| *n == ' ');
            if let Some((_, _, q)) = quote {
                if q == '"' && c == '\\' {
                    j += 2;
                    continue;
                }
                if c == q {
                    if q == '\'' && chars.get(j + 1) == Some(&'\'') {
                        j += 2;
                        continue;
                    }
                    quote = None;
                    at_start = false;
                }
                j += 1;
                continue;
            }
            match c {
                ' ' => {}
                '#' if j == 0 || chars[j - 1] == ' ' => break,
                '"' | '\'' if at_start => quote = Some((i + 1, j + 1, c)),
                '[' | '{' if at_start || !flows.is_empty() => {
                    flows.push((i + 1, j + 1, c));
                    at_start = true;
                }
                ']' | '}' if !flows.is_empty() => {
                    flows.pop();
                    at_start = false;
                }
                ',' if !flows.is_empty() => at_start = true,
                ':' if next_is_space || !flows.is_empty() => at_start = true,
                '-' | '?' if at_start && next_is_space => {}
                '|' | '>' if at_start && flows.is_empty() => {
                    block = Some(indent);
                    break;
                }
                _ => at_start = false,
            }
            j += 1;
        }
    }
    Scan {
        quote,
        flows,
        inside,
    }
}

/// A field line `key: value` or `key:`: the key, and the value's column (1-based, if
/// the line has one).
fn field(line: &str) -> Option<(&str, Option<usize>)> {
    let rest = line.trim_start_matches(' ');
    let rest = rest.strip_prefix("- ").unwrap_or(rest);
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))?;
    if end == 0 || !rest[end..].starts_with(':') {
        return None;
    }
    let after = &rest[end + 1..];
    if !(after.is_empty() || after.starts_with(' ')) {
        return None;
    }
    let key = &rest[..end];
    let value = after.trim_start_matches(' ');
    if value.is_empty() || value.starts_with('#') {
        return Some((key, None));
    }
    let col = line.chars().count() - value.chars().count() + 1;
    Some((key, Some(col)))
}

/// `title:E` (no space after the colon): the key and the column where the space goes.
fn missing_space(line: &str) -> Option<(&str, usize)> {
    let rest = line.trim_start_matches(' ');
    let rest = rest.strip_prefix("- ").unwrap_or(rest);
    if !rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))?;
    let after = rest[end..].strip_prefix(':')?;
    // `http://…` is a web address, and `a::b` is not a key.
    let next = after.chars().next()?;
    if next == ' ' || next == '/' || next == ':' {
        return None;
    }
    let key = &rest[..end];
    let col = line.chars().count() - after.chars().count() + 1;
    Some((key, col))
}

fn is_list_item(line: &str) -> bool {
    let rest = line.trim_start_matches(' ');
    rest == "-" || rest.starts_with("- ")
}

fn is_content(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with('#')
}

/// A value shortened for quoting in a message.
fn short(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// The place to change and what to do, for a parser failure at `err_line` (1-based,
/// within `text`) and `err_col` (0-based characters), which the parser explained as
/// `info`. Lines in the result are lines of the file (`line_offset` added).
pub(super) fn explain(
    text: &str,
    line_offset: usize,
    err_line: usize,
    err_col: usize,
    info: &str,
) -> (Pos, String) {
    let lines: Vec<&str> = text.lines().collect();
    let err_text = lines.get(err_line.wrapping_sub(1)).copied().unwrap_or("");
    let f = Failure {
        s: scan(&lines),
        lines: &lines,
        err_line,
        err_col,
        err_text,
        err_char: err_text.chars().nth(err_col),
        info,
    };
    // The first explanation that fits, in this order: what is left open explains
    // more than how the line where the parser stopped looks.
    let (line, col, message) = f
        .left_open()
        .or_else(|| f.missing_space())
        .or_else(|| f.indentation())
        .or_else(|| f.value_problem())
        .unwrap_or_else(|| {
            (
                err_line.max(1),
                err_col + 1,
                "YAML cannot read this line: check its indentation against the line before, and that every quote and bracket is closed".into(),
            )
        });
    (
        Pos::new(line + line_offset, col),
        format!("{message} (the YAML parser said: {info})"),
    )
}

/// A parser failure, with the reading of the text that explains it.
struct Failure<'a> {
    s: Scan,
    lines: &'a [&'a str],
    err_line: usize,
    err_col: usize,
    /// The line the parser stopped at, and the character it stopped at.
    err_text: &'a str,
    err_char: Option<char>,
    info: &'a str,
}

/// An explanation: the line (1-based, within the text) and column to change, and
/// what to do.
type Explained = Option<(usize, usize, String)>;

impl Failure<'_> {
    /// Only what comes before the failure can explain it.
    fn before(&self, line: usize, col: usize) -> bool {
        (line, col) <= (self.err_line, self.err_col + 1)
    }

    /// A quote, `[` or `{` never closed (at its opening), a `]` or `}` that closes
    /// nothing, or a curly quote where a straight one was meant.
    fn left_open(&self) -> Explained {
        let (err_line, err_col, err_text) = (self.err_line, self.err_col, self.err_text);
        if let Some((line, col, q)) = self.s.quote.filter(|&(l, c, _)| self.before(l, c)) {
            let extra = if q == '\'' {
                " (inside '…', an apostrophe is written twice: `''`)"
            } else {
                ""
            };
            return Some((line, col, format!("this `{q}` opens a quoted text that is never closed: add the closing `{q}` at the end of the value{extra}")));
        }
        if let Some(&(line, col, b)) = self
            .s
            .flows
            .iter()
            .rev()
            .find(|&&(l, c, _)| self.before(l, c))
        {
            let message = if b == '[' {
                "this `[` opens a list that is never closed: add `]` after its last item, on the same line (`[a, b]`)"
            } else {
                "this `{` opens a mapping that is never closed: add `}` after its last entry, on the same line (`{start: 2014-01, end: 2015-03}`)"
            };
            return Some((line, col, message.into()));
        }
        if let Some(b @ (']' | '}')) = self.err_char {
            let open = if b == ']' { '[' } else { '{' };
            return Some((
                err_line,
                err_col + 1,
                format!("this `{b}` closes nothing: remove it, or add the `{open}` it belongs to"),
            ));
        }
        let curly = field(err_text)
            .and_then(|(_, col)| col)
            .filter(|&col| matches!(err_text.chars().nth(col - 1), Some('“' | '‘' | '„' | '”')));
        curly.map(|col| (
            err_line,
            col,
            "this is a curly quote, which YAML reads as an ordinary letter: type straight quotes (\" or ') around the value instead (word processors change them; a plain-text editor does not)".into(),
        ))
    }

    /// The first field up to the failure written without a space after its colon.
    fn missing_space(&self) -> Explained {
        let upto = self.err_line.min(self.lines.len());
        for (i, line) in self.lines[..upto].iter().enumerate() {
            if self.s.inside[i] {
                continue;
            }
            if let Some((key, col)) = missing_space(line) {
                let value = &line[line.find(':').map_or(0, |p| p + 1)..];
                return Some((
                    i + 1,
                    col,
                    format!(
                        "put a space after the colon: `{key}: {}`",
                        short(value.trim())
                    ),
                ));
            }
        }
        None
    }

    /// The failing line indented against the line of content above it: a list item
    /// not lined up, a field indented under a field that has a value, a list item
    /// under a field that has a value.
    fn indentation(&self) -> Explained {
        let (err_line, err_text, lines) = (self.err_line, self.err_text, self.lines);
        let previous = (0..err_line.saturating_sub(1).min(lines.len()))
            .rev()
            .find(|&i| is_content(lines[i]) && !self.s.inside[i])
            .map(|i| lines[i]);
        let err_inside = self
            .s
            .inside
            .get(err_line.wrapping_sub(1))
            .copied()
            .unwrap_or(true);
        let (Some(prev), false) = (previous, err_inside) else {
            return None;
        };
        let (indent, prev_indent) = (indent_of(err_text), indent_of(prev));
        if is_list_item(err_text) && is_list_item(prev) && indent != prev_indent {
            return Some((
                err_line,
                indent + 1,
                format!(
                    "this list item is not lined up with the one above it: put its `-` in column {}, under the `-` above",
                    prev_indent + 1
                ),
            ));
        }
        let (key, _) = field(prev).filter(|(_, value)| value.is_some())?;
        if indent > prev_indent && field(err_text).is_some() {
            return Some((
                err_line,
                1,
                format!(
                    "this line is indented more than `{key}:` above it: start it in column {}, like `{key}:` (only the lines of a list or a block under a field are indented)",
                    prev_indent + 1
                ),
            ));
        }
        if is_list_item(err_text) && indent <= prev_indent {
            return Some((
                err_line,
                indent + 1,
                format!(
                    "this list item belongs to no field: `{key}:` above already has a value; write the field the list belongs to (such as `tags:`) on the line before, then the items indented under it"
                ),
            ));
        }
        None
    }

    /// A value YAML misreads: one holding `: `, a line with no `name:`, a value
    /// starting with a character YAML reserves, text after a closing quote (often an
    /// apostrophe inside '…').
    fn value_problem(&self) -> Explained {
        let (err_line, err_col, err_text, err_char) =
            (self.err_line, self.err_col, self.err_text, self.err_char);
        if err_char == Some(':') {
            if let Some((key, Some(col))) = field(err_text) {
                if err_col + 1 > col {
                    let value: String = err_text.chars().skip(col - 1).collect();
                    let quote = if value.contains('"') { '\'' } else { '"' };
                    return Some((
                        err_line,
                        col,
                        format!(
                            "this value contains `: `, which YAML reads as the start of another field: put the whole value in quotes, `{key}: {quote}{}{quote}`",
                            short(value.trim_end())
                        ),
                    ));
                }
            }
        }
        if self.info.contains("expected ':'") || self.info.contains("simple key") {
            if let Some(found) = self.not_a_field() {
                return Some(found);
            }
        }
        if let Some(c @ ('@' | '`' | '%')) = err_char {
            return Some((
                err_line,
                err_col + 1,
                format!("a value cannot start with `{c}`: put the whole value in quotes"),
            ));
        }
        if self.info.contains("trailing content") || self.info.contains("after double-quoted") {
            return Some(self.after_quote());
        }
        None
    }

    /// The last line of content up to the failure that is neither a field nor a list
    /// item (the parser expected a `:`).
    fn not_a_field(&self) -> Explained {
        let lines = self.lines;
        let upto = self.err_line.min(lines.len());
        let i = (0..upto)
            .rev()
            .find(|&i| {
                let l = lines[i];
                is_content(l) && !self.s.inside[i] && !is_list_item(l) && field(l).is_none()
            })
            .filter(|&i| !lines[i].contains(": "))?;
        Some((
            i + 1,
            indent_of(lines[i]) + 1,
            "this line is not a field: write it as `name: value`, with a colon and a space after the name (to continue the value of the line above, indent it further)".into(),
        ))
    }

    /// Text after a closing quote: an apostrophe that ended a '…' early, or a value
    /// only partly quoted.
    fn after_quote(&self) -> (usize, usize, String) {
        let (err_line, err_col, err_char) = (self.err_line, self.err_col, self.err_char);
        // `'Children's services'`: the apostrophe ended the quote.
        let chars: Vec<char> = self.err_text.chars().collect();
        let closing = chars[..err_col.min(chars.len())]
            .iter()
            .rposition(|c| *c != ' ');
        if let Some(q) = closing.filter(|&q| {
            chars[q] == '\''
                && q > 0
                && chars[q - 1].is_alphanumeric()
                && err_char.is_some_and(char::is_alphanumeric)
                && q + 1 == err_col
        }) {
            return (
                err_line,
                q + 1,
                "this apostrophe ends the quoted text that `'` opened: write it twice (`''`), or put the whole value in double quotes instead".into(),
            );
        }
        (
            err_line,
            err_col + 1,
            "there is text after the closing quote: put the whole value inside the quotes (use '…' around a value that contains \")".into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_missing_spaces() {
        assert_eq!(field("title: A"), Some(("title", Some(8))));
        assert_eq!(field("  - id: x"), Some(("id", Some(9))));
        assert_eq!(field("tags:"), Some(("tags", None)));
        assert_eq!(field("url: http://x"), Some(("url", Some(6))));
        assert_eq!(field("just words"), None);
        assert_eq!(missing_space("title:E"), Some(("title", 7)));
        assert_eq!(missing_space("url: http://x"), None);
        assert_eq!(missing_space("- http://x"), None);
    }

    #[test]
    fn quotes_and_brackets_are_followed_across_lines() {
        let s = scan(&["a: [x,", "  y]", "b: 'it''s'", "c: Children's", "d: \"x"]);
        assert!(s.flows.is_empty());
        assert_eq!(s.quote, Some((5, 4, '"')));
        assert_eq!(s.inside, [false, true, false, false, false]);
        let s = scan(&["body: |", "  a: [b", "c: [d"]);
        assert_eq!(s.flows, [(3, 4, '[')]);
    }
}
