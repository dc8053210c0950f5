//! The theme: Tera templates and static files. The default theme is compiled into the
//! binary so `assure` works from any folder; a theme folder (`theme:` in site.yaml or
//! `--theme`) overrides it file by file (SPEC §11).

use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

macro_rules! theme_files {
    ($dir:literal: $($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/themes/default/", $dir, "/", $name)) as &[u8])),*]
    };
}

const TEMPLATES: &[(&str, &[u8])] = theme_files!("templates":
    "base.html", "header.html", "footer.html", "link.html", "index.html", "list.html", "record.html",
    "matrix.html", "timeline.html", "search.html", "page.html", "chart.html",
    "changes.html", "dashboard-changes.html", "dashboard-judgements.html", "filters.html",
    "indicators.html", "list-row.html", "matrix-row.html",
);

const STATIC: &[(&str, &[u8])] = theme_files!("static":
    "style.css", "print.css", "site.js", "search.js",
);

/// A loaded theme.
pub struct Theme {
    pub tera: tera::Tera,
    /// Static files by path inside `static/`.
    pub statics: BTreeMap<String, Vec<u8>>,
}

/// The theme's static files as an output, under `site/static/`.
pub fn write(b: &super::Build<'_>, emit: super::Emit<'_>) -> Result<usize> {
    for (name, bytes) in &b.theme.statics {
        emit.write(&format!("site/static/{name}"), bytes)?;
    }
    Ok(b.theme.statics.len())
}

impl Theme {
    /// The default theme, with the files of `overrides` (if any) taking precedence.
    pub fn load(overrides: Option<&Path>) -> Result<Theme> {
        let mut templates: BTreeMap<String, String> = TEMPLATES
            .iter()
            .map(|(n, b)| (n.to_string(), String::from_utf8_lossy(b).into_owned()))
            .collect();
        let mut statics: BTreeMap<String, Vec<u8>> = STATIC
            .iter()
            .map(|(n, b)| (n.to_string(), b.to_vec()))
            .collect();
        if let Some(dir) = overrides {
            if !dir.is_dir() {
                anyhow::bail!("the theme folder `{}` does not exist", dir.display());
            }
            for (sub, is_template) in [("templates", true), ("static", false)] {
                let base = dir.join(sub);
                // A walk follows its starting folder even when it is a symbolic link:
                // check it here, as links inside it are checked below.
                match std::fs::symlink_metadata(&base) {
                    Ok(meta) if meta.is_dir() => {}
                    _ => continue, // absent, a file, or a symbolic link: never followed
                }
                for entry in walkdir::WalkDir::new(&base)
                    .follow_links(false)
                    .sort_by_file_name()
                {
                    let entry = entry.with_context(|| {
                        format!("cannot read the theme folder `{}`", base.display())
                    })?;
                    if !entry.file_type().is_file() {
                        continue; // folders, and symbolic links, which are never followed
                    }
                    let rel = entry.path().strip_prefix(&base).unwrap_or(entry.path());
                    let name = rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/");
                    if name.split('/').any(|p| p.starts_with('.')) {
                        continue;
                    }
                    let bytes = std::fs::read(entry.path())
                        .with_context(|| format!("cannot read `{}`", entry.path().display()))?;
                    if is_template {
                        let text = String::from_utf8(bytes).map_err(|_| {
                            anyhow::anyhow!(
                                "the template `{}` is not UTF-8 text",
                                entry.path().display()
                            )
                        })?;
                        templates.insert(name, text);
                    } else {
                        statics.insert(name, bytes);
                    }
                }
            }
        }
        let mut tera = tera::Tera::default();
        tera.autoescape_on(vec![".html"]);
        // Tera's default also escapes `/`, which garbles every URL in the source.
        tera.set_escape_fn(crate::markdown::escape_html);
        tera.add_raw_templates(templates.iter().map(|(n, t)| (n.as_str(), t.as_str())))
            .map_err(|e| anyhow::anyhow!("a theme template is invalid: {}", error_chain(&e)))?;
        Ok(Theme { tera, statics })
    }
}

/// Tera's errors nest their causes; show them all.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
