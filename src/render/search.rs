//! The search index, built at build time and shipped as a plain script that assigns a
//! global (`fetch()` and modules are blocked on `file://`).

use super::Build;
use crate::markdown;
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

/// `search-index.js`: `window.ASSURE_SEARCH_INDEX = [...]`.
pub fn index_script(b: &Build<'_>) -> String {
    let entries: Vec<Entry<'_>> = b
        .site()
        .records
        .iter()
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
            let text: String = text.chars().take(TEXT_LIMIT).collect();
            Entry {
                id: &r.id,
                title: &r.title,
                rtype: r.rtype.singular_title(),
                url: r.page_path(),
                text,
            }
        })
        .collect();
    let json = serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into());
    // `<` cannot close a script element when escaped; U+2028/9 are line breaks to old JS.
    let json = json
        .replace('<', "\\u003c")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    format!("window.ASSURE_SEARCH_INDEX = {json};\n")
}
