//! A review's judgements checked against the site's frameworks (SPEC §14.10): E003 for
//! every framework, area or grade `site.yaml` does not know, at the value. Part of
//! linking the records (`resolve`); how judgements are shown is `crate::judgements`.

use super::schema::JUDGEMENTS;
use super::Record;
use crate::config::Config;
use crate::diagnostics::{closest, closest_ignoring_case, loose_match, short, Code, Diagnostic};

/// E003 for every framework, area or grade the site's settings do not know.
pub fn check(config: &Config, rec: &Record) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut e003 = |pos, message: String| {
        out.push(Diagnostic::new(&rec.path, pos, Code::E003, message));
    };
    let names = || {
        config
            .frameworks
            .iter()
            .map(|f| format!("`{}`", f.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let framework = match &rec.framework {
        Some((name, pos)) => match config.framework(name) {
            Some(f) => Some(f),
            None => {
                let hint = closest(name, config.frameworks.iter().map(|f| f.name.as_str()), 2)
                    .map(|n| format!("did you mean `{n}`?"))
                    .unwrap_or_else(|| {
                        format!(
                            "use one of {}, or describe it under `frameworks:` in site.yaml",
                            names()
                        )
                    });
                e003(
                    *pos,
                    format!("unknown judgement framework `{name}`; {hint}"),
                );
                // Its judgements cannot be checked against a framework that is not there.
                return out;
            }
        },
        None => None,
    };
    for j in &rec.judgements {
        let (areas, scale): (Vec<&str>, Vec<&str>) = match framework {
            Some(f) => (
                f.areas.iter().map(|(v, _)| v.as_str()).collect(),
                f.scale.iter().map(|(v, _)| v.as_str()).collect(),
            ),
            None => (Vec::new(), JUDGEMENTS.to_vec()),
        };
        // As every other value is hinted: a loose spelling, then a near one.
        let hint = |value: &str, allowed: &[&str]| match loose_match(value, allowed.iter().copied())
            .or_else(|| closest_ignoring_case(value, allowed.iter().copied(), 2))
        {
            Some(v) => format!("did you mean `{v}`?"),
            None => format!("use one of: {}", allowed.join(", ")),
        };
        if let Some(f) = framework {
            if !areas.contains(&j.area.as_str()) {
                e003(
                    j.area_pos,
                    format!(
                        "`{}` is not an area of the `{}` framework; {}",
                        short(&j.area),
                        f.name,
                        hint(&j.area, &areas)
                    ),
                );
                continue;
            }
        }
        if !scale.contains(&j.grade.as_str()) {
            let what = match framework {
                Some(f) => format!("a grade of the `{}` framework", f.name),
                None => format!("a valid `judgements.{}`", short(&j.area)),
            };
            e003(
                j.grade_pos,
                format!(
                    "`{}` is not {what}; {}",
                    short(&j.grade),
                    hint(&j.grade, &scale)
                ),
            );
        }
    }
    out
}
