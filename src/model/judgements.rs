//! A review's judgements checked against the site's frameworks (SPEC §14.10): E003 for
//! every framework, area or grade `site.yaml` does not know, at the value. Part of
//! linking the records (`resolve`); how judgements are shown is `crate::judgements`.

use super::schema::JUDGEMENTS;
use super::Record;
use crate::config::{Config, Framework};
use crate::diagnostics::{closest, closest_ignoring_case, loose_match, short, Code, Diagnostic};

/// E003 for every framework, area or grade the site's settings do not know.
pub fn check(config: &Config, rec: &Record) -> Vec<Diagnostic> {
    let framework = match framework_of(config, rec) {
        Ok(f) => f,
        // Its judgements cannot be checked against a framework that is not there.
        Err(unknown) => return vec![unknown],
    };
    let (areas, scale): (Vec<&str>, Vec<&str>) = match framework {
        Some(f) => (
            f.areas.iter().map(|(v, _)| v.as_str()).collect(),
            f.scale.iter().map(|(v, _)| v.as_str()).collect(),
        ),
        None => (Vec::new(), JUDGEMENTS.to_vec()),
    };
    let mut out = Vec::new();
    let mut e003 = |pos, message: String| {
        out.push(Diagnostic::new(&rec.path, pos, Code::E003, message));
    };
    for j in &rec.judgements {
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

/// The framework a review names (`None`: it names none, so the default grades apply),
/// or the E003 for a name the settings do not know.
fn framework_of<'a>(config: &'a Config, rec: &Record) -> Result<Option<&'a Framework>, Diagnostic> {
    let Some((name, pos)) = &rec.framework else {
        return Ok(None);
    };
    if let Some(f) = config.framework(name) {
        return Ok(Some(f));
    }
    let hint = closest(name, config.frameworks.iter().map(|f| f.name.as_str()), 2)
        .map(|n| format!("did you mean `{n}`?"))
        .unwrap_or_else(|| {
            let names = config
                .frameworks
                .iter()
                .map(|f| format!("`{}`", f.name))
                .collect::<Vec<_>>()
                .join(", ");
            format!("use one of {names}, or describe it under `frameworks:` in site.yaml")
        });
    Err(Diagnostic::new(
        &rec.path,
        *pos,
        Code::E003,
        format!("unknown judgement framework `{name}`; {hint}"),
    ))
}

/// What to write instead of `value`, as every other value is hinted: a loose
/// spelling, then a near one, else the values `allowed`.
fn hint(value: &str, allowed: &[&str]) -> String {
    match loose_match(value, allowed.iter().copied())
        .or_else(|| closest_ignoring_case(value, allowed.iter().copied(), 2))
    {
        Some(v) => format!("did you mean `{v}`?"),
        None => format!("use one of: {}", allowed.join(", ")),
    }
}
