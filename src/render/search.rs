//! The search index, built at build time and shipped as a plain script that assigns a
//! global (`fetch()` and modules are blocked on `file://`).

use super::{Build, Emit};
use crate::markdown;
use crate::model::Record;
use crate::present;
use anyhow::Result;
use serde::Serialize;

#[derive(Serialize)]
struct Entry<'a> {
    id: &'a str,
    title: &'a str,
    #[serde(rename = "type")]
    rtype: &'static str,
    url: String,
    text: String,
}

/// Characters of body text kept per record: enough to find a record by its words.
const TEXT_LIMIT: usize = 2_000;

/// JSON that is also inert inside a `<script>`: `<` is written `\u003c`, so no text can
/// close the element, and U+2028/9 (line breaks to old JavaScript) are escaped too.
struct ScriptSafe;

impl serde_json::ser::Formatter for ScriptSafe {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some(at) = rest.find(['<', '\u{2028}', '\u{2029}']) {
            w.write_all(&rest.as_bytes()[..at])?;
            let c = rest[at..].chars().next().unwrap_or('<');
            write!(w, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }
}

/// One record's entry of the index, as JSON that is safe inside a script.
pub fn entry(r: &Record) -> String {
    let mut text = markdown::to_text(&r.body);
    // The owner and every plain field, by their declarations.
    let plain = present::plain_fields(r.rtype).filter_map(|f| r.plain(f.name));
    for extra in r
        .owner
        .iter()
        .cloned()
        .chain(plain.map(present::plain_text))
    {
        text.push(' ');
        text.push_str(&extra);
    }
    for t in &r.tags {
        text.push(' ');
        text.push_str(t);
    }
    if let Some((cut, _)) = text.char_indices().nth(TEXT_LIMIT) {
        text.truncate(cut);
    }
    let entry = Entry {
        id: &r.id,
        title: &r.title,
        rtype: r.rtype.singular_title(),
        url: r.page_path(),
        text,
    };
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, ScriptSafe);
    // Every field is a plain string: serialising cannot fail.
    let _ = entry.serialize(&mut ser);
    // The buffer grew by doubling: `serve` keeps every entry, and the spare room was
    // half of what they took (15 MB at 10,000 records; issue 25).
    out.shrink_to_fit();
    // Only valid UTF-8 was written: JSON of Rust strings and ASCII escapes.
    String::from_utf8(out).unwrap_or_default()
}

/// What `search-index.js` holds around its entries.
const OPENING: &str = "window.ASSURE_SEARCH_INDEX = [";
const CLOSING: &str = "];\n";

/// `search-index.js` from the entries of every record, in site order:
/// `window.ASSURE_SEARCH_INDEX = [...]`. `serve` keeps the entries and calls this
/// after a change; `build` makes them all.
pub fn script<'e>(entries: impl IntoIterator<Item = &'e str>) -> String {
    let mut out = String::from(OPENING);
    for (n, e) in entries.into_iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(e);
    }
    out.push_str(CLOSING);
    out
}

/// `search-index.js` for the whole site, as [`script`] makes it. Each entry goes into
/// the script as it is made, on one thread (the other outputs are made beside it):
/// every entry held beside the script was the script's size again (issue 25).
pub fn index_script(b: &Build<'_>) -> String {
    let mut out = String::from(OPENING);
    for (n, r) in b.site().records.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(&entry(r));
    }
    out.push_str(CLOSING);
    out
}

/// The search index as an output.
pub fn write(b: &Build<'_>, emit: Emit<'_>) -> Result<usize> {
    emit.write("site/search-index.js", index_script(b).as_bytes())?;
    Ok(1)
}
