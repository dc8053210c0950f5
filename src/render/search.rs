//! The search index, built at build time and shipped as a plain script that assigns a
//! global (`fetch()` and modules are blocked on `file://`).

use super::Build;
use crate::markdown;
use rayon::prelude::*;
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

/// `search-index.js`: `window.ASSURE_SEARCH_INDEX = [...]`.
pub fn index_script(b: &Build<'_>) -> String {
    let entries: Vec<Entry<'_>> = b
        .site()
        .records
        .par_iter()
        .map(|r| {
            let mut text = markdown::to_text(&r.body);
            for extra in [
                r.owner.as_deref(),
                r.area.as_deref(),
                r.originator.as_deref(),
                r.by.as_deref(),
            ]
            .into_iter()
            .flatten()
            {
                text.push(' ');
                text.push_str(extra);
            }
            for t in &r.tags {
                text.push(' ');
                text.push_str(t);
            }
            if let Some((cut, _)) = text.char_indices().nth(TEXT_LIMIT) {
                text.truncate(cut);
            }
            Entry {
                id: &r.id,
                title: &r.title,
                rtype: r.rtype.singular_title(),
                url: r.page_path(),
                text,
            }
        })
        .collect();
    let mut out = b"window.ASSURE_SEARCH_INDEX = ".to_vec();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, ScriptSafe);
    if entries.serialize(&mut ser).is_err() {
        // Unreachable: every entry is plain strings.
        out.truncate(29);
        out.extend_from_slice(b"[]");
    }
    out.extend_from_slice(b";\n");
    // Only valid UTF-8 was written: JSON of Rust strings and ASCII escapes.
    String::from_utf8(out).unwrap_or_default()
}
