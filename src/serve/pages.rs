//! The pages `serve` writes itself, when the site has no page to give: "not built yet"
//! (the content has errors and no site was ever built: the problems, as `check` lists
//! them) and "not found". Styled by their own stylesheet, served beside the live
//! script, since there may be no site stylesheet to borrow.

use super::Problem;
use crate::markdown::escape_html;

/// The stylesheet of these pages.
pub(crate) const CSS: &str = include_str!("serve.css");
pub(crate) const CSS_PATH: &str = "/__assure/serve.css";

/// Escapes `text` and shows its `…` spans as code, as the site shows messages.
pub(crate) fn inline_code(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        // An odd number of backticks leaves the last one as it is.
        let closed = i + 1 < parts.len() || i % 2 == 0;
        if i % 2 == 1 && closed {
            out.push_str(&format!("<code>{}</code>", escape_html(part)));
        } else {
            if i % 2 == 1 {
                out.push('`');
            }
            out.push_str(&escape_html(part));
        }
    }
    out
}

fn shell(title: &str, main: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; script-src 'self'; img-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'\">\n<title>{} – assure serve</title>\n<link rel=\"stylesheet\" href=\"{CSS_PATH}\">\n</head>\n<body>\n<header class=\"serve-banner\"><p>Assure preview (<code>assure serve</code>)</p></header>\n<main class=\"serve-main\">\n{main}</main>\n</body>\n</html>\n",
        escape_html(title)
    )
}

/// One problem as a list item: where (inside the content folder), what, and a link to
/// the page it concerns when the site has one.
fn item(p: &Problem) -> String {
    let file = if p.file.is_empty() { &p.path } else { &p.file };
    let text = if p.text.is_empty() {
        &p.message
    } else {
        &p.text
    };
    let place = if p.line > 0 {
        format!("{file}:{}:{}", p.line, p.column)
    } else {
        file.clone()
    };
    let code = if p.code.is_empty() {
        String::new()
    } else {
        format!(
            " <span class=\"serve-code\">{}</span>",
            escape_html(&p.code)
        )
    };
    let link = if p.page.is_empty() {
        String::new()
    } else {
        format!(
            " <a href=\"/{}\">Open the page</a>",
            escape_html(&crate::render::html::encode_path(&p.page))
        )
    };
    format!(
        "<li><span class=\"serve-where\">{}</span>{code} <span class=\"serve-message\">{}</span>{link}</li>\n",
        escape_html(&place),
        inline_code(text)
    )
}

/// A heading ("3 errors", capitalised), a note, and the problems as a list.
fn list(out: &mut String, heading: &str, note: &str, class: &str, problems: &[&Problem]) {
    let mut chars = heading.chars();
    let heading: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    out.push_str(&format!(
        "<h2>{heading}</h2>\n{note}<ol class=\"{class}\">\n"
    ));
    for p in problems {
        out.push_str(&item(p));
    }
    out.push_str("</ol>\n");
}

/// "The site is not built yet", with every problem of the content.
pub(crate) fn not_built(problems: &[Problem]) -> String {
    let errors: Vec<&Problem> = problems.iter().filter(|p| p.severity == "error").collect();
    let warnings: Vec<&Problem> = problems.iter().filter(|p| p.severity != "error").collect();
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let mut main = String::from("<h1>The site is not built yet</h1>\n");
    if errors.is_empty() {
        main.push_str("<p>The site is being built. This page turns into the site by itself.</p>\n");
    } else {
        main.push_str(&format!(
            "<p class=\"serve-lead\">The content has {}, so there is no site to show yet. Fix {} below and save the file: this page turns into the site by itself.</p>\n<p><code>assure check</code> lists the same problems in the terminal.</p>\n",
            plural(errors.len(), "error"),
            if errors.len() == 1 { "it" } else { "them" }
        ));
        list(
            &mut main,
            &plural(errors.len(), "error"),
            "",
            "serve-problems",
            &errors,
        );
    }
    if !warnings.is_empty() {
        list(
            &mut main,
            &plural(warnings.len(), "warning"),
            "<p>Warnings do not stop the site: each names something an inspector would notice.</p>\n",
            "serve-problems serve-warnings",
            &warnings,
        );
    }
    shell("Not built yet", &main)
}

/// "Page not found", in a site that has pages.
pub(crate) fn not_found(key: &str) -> String {
    shell(
        "Page not found",
        &format!(
            "<h1>Page not found</h1>\n<p>There is no page at <code>/{}</code> in this site.</p>\n<p><a href=\"/index.html\">Go to the dashboard</a></p>\n",
            escape_html(key)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_become_code_and_everything_is_escaped() {
        assert_eq!(
            inline_code("unknown ID `<b>` in `addresses`"),
            "unknown ID <code>&lt;b&gt;</code> in <code>addresses</code>"
        );
        assert_eq!(inline_code("a ` b"), "a ` b");
        assert_eq!(inline_code("no code"), "no code");
    }
}
