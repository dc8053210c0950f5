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
    let s = scan(&lines);
    let at = |line: usize, col: usize| Pos::new(line + line_offset, col);
    let detail = format!(" (the YAML parser said: {info})");
    let said = |pos: Pos, message: String| (pos, format!("{message}{detail}"));
    // Only what comes before the failure can explain it.
    let before = |line: usize, col: usize| (line, col) <= (err_line, err_col + 1);
    let err_text = lines.get(err_line.wrapping_sub(1)).copied().unwrap_or("");
    let err_char = err_text.chars().nth(err_col);

    if let Some((line, col, q)) = s.quote.filter(|&(l, c, _)| before(l, c)) {
        let extra = if q == '\'' {
            " (inside '…', an apostrophe is written twice: `''`)"
        } else {
            ""
        };
        return said(
            at(line, col),
            format!("this `{q}` opens a quoted text that is never closed: add the closing `{q}` at the end of the value{extra}"),
        );
    }
    if let Some(&(line, col, b)) = s.flows.iter().rev().find(|&&(l, c, _)| before(l, c)) {
        let message = if b == '[' {
            "this `[` opens a list that is never closed: add `]` after its last item, on the same line (`[a, b]`)"
        } else {
            "this `{` opens a mapping that is never closed: add `}` after its last entry, on the same line (`{start: 2014-01, end: 2015-03}`)"
        };
        return said(at(line, col), message.into());
    }
    if let Some(b @ (']' | '}')) = err_char {
        let open = if b == ']' { '[' } else { '{' };
        return said(
            at(err_line, err_col + 1),
            format!("this `{b}` closes nothing: remove it, or add the `{open}` it belongs to"),
        );
    }
    let curly = field(err_text)
        .and_then(|(_, col)| col)
        .filter(|&col| matches!(err_text.chars().nth(col - 1), Some('“' | '‘' | '„' | '”')));
    if let Some(col) = curly {
        return said(
            at(err_line, col),
            "this is a curly quote, which YAML reads as an ordinary letter: type straight quotes (\" or ') around the value instead (word processors change them; a plain-text editor does not)".into(),
        );
    }
    let upto = err_line.min(lines.len());
    for (i, line) in lines[..upto].iter().enumerate() {
        if s.inside[i] {
            continue;
        }
        if let Some((key, col)) = missing_space(line) {
            let value = &line[line.find(':').map_or(0, |p| p + 1)..];
            return said(
                at(i + 1, col),
                format!(
                    "put a space after the colon: `{key}: {}`",
                    short(value.trim())
                ),
            );
        }
    }
    let previous = (0..err_line.saturating_sub(1).min(lines.len()))
        .rev()
        .find(|&i| is_content(lines[i]) && !s.inside[i])
        .map(|i| lines[i]);
    let err_inside = s
        .inside
        .get(err_line.wrapping_sub(1))
        .copied()
        .unwrap_or(true);
    if let (Some(prev), false) = (previous, err_inside) {
        let (indent, prev_indent) = (indent_of(err_text), indent_of(prev));
        if is_list_item(err_text) && is_list_item(prev) && indent != prev_indent {
            return said(
                at(err_line, indent + 1),
                format!(
                    "this list item is not lined up with the one above it: put its `-` in column {}, under the `-` above",
                    prev_indent + 1
                ),
            );
        }
        let prev_field = field(prev).filter(|(_, value)| value.is_some());
        if let Some((key, _)) = prev_field {
            if indent > prev_indent && field(err_text).is_some() {
                return said(
                    at(err_line, 1),
                    format!(
                        "this line is indented more than `{key}:` above it: start it in column {}, like `{key}:` (only the lines of a list or a block under a field are indented)",
                        prev_indent + 1
                    ),
                );
            }
            if is_list_item(err_text) && indent <= prev_indent {
                return said(
                    at(err_line, indent + 1),
                    format!(
                        "this list item belongs to no field: `{key}:` above already has a value; write the field the list belongs to (such as `tags:`) on the line before, then the items indented under it"
                    ),
                );
            }
        }
    }
    if err_char == Some(':') {
        if let Some((key, Some(col))) = field(err_text) {
            if err_col + 1 > col {
                let value: String = err_text.chars().skip(col - 1).collect();
                let quote = if value.contains('"') { '\'' } else { '"' };
                return said(
                    at(err_line, col),
                    format!(
                        "this value contains `: `, which YAML reads as the start of another field: put the whole value in quotes, `{key}: {quote}{}{quote}`",
                        short(value.trim_end())
                    ),
                );
            }
        }
    }
    if info.contains("expected ':'") || info.contains("simple key") {
        let found = (0..upto)
            .rev()
            .find(|&i| {
                let l = lines[i];
                is_content(l) && !s.inside[i] && !is_list_item(l) && field(l).is_none()
            })
            .filter(|&i| !lines[i].contains(": "));
        if let Some(i) = found {
            return said(
                at(i + 1, indent_of(lines[i]) + 1),
                "this line is not a field: write it as `name: value`, with a colon and a space after the name (to continue the value of the line above, indent it further)".into(),
            );
        }
    }
    if let Some(c @ ('@' | '`' | '%')) = err_char {
        return said(
            at(err_line, err_col + 1),
            format!("a value cannot start with `{c}`: put the whole value in quotes"),
        );
    }
    if info.contains("trailing content") || info.contains("after double-quoted") {
        // `'Children's services'`: the apostrophe ended the quote.
        let chars: Vec<char> = err_text.chars().collect();
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
            return said(
                at(err_line, q + 1),
                "this apostrophe ends the quoted text that `'` opened: write it twice (`''`), or put the whole value in double quotes instead".into(),
            );
        }
        return said(
            at(err_line, err_col + 1),
            "there is text after the closing quote: put the whole value inside the quotes (use '…' around a value that contains \")".into(),
        );
    }
    said(
        at(err_line.max(1), err_col + 1),
        "YAML cannot read this line: check its indentation against the line before, and that every quote and bracket is closed".into(),
    )
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
