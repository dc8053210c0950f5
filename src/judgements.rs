//! Inspection judgements read through their framework (SPEC §14.10).
//!
//! A review's `judgements` map areas to grades. Its `framework:` names one of the site's
//! frameworks (`config::Framework`: ILACS built in, others in `site.yaml`); areas and
//! grades are then checked against it (`model::judgements::check`, E003 at the value)
//! and shown with its labels ([`words`]), never as the slugs they are written in. A
//! review without a framework grades on the four-point scale and its areas show as
//! written, in words.
//! [`latest`] picks the judgements the dashboard and every pack cover show.

use crate::config::{Config, Framework};
use crate::model::schema::RecordType;
use crate::model::{Record, Site};

/// One judgement as pages and packs show it.
#[derive(Clone, Debug, PartialEq)]
pub struct Words {
    pub area: String,
    pub grade: String,
    /// The grade as written: its colour comes from `present::tone`.
    pub value: String,
}

/// The framework a review's judgements are read through, if it names one the site knows.
pub fn framework<'c>(config: &'c Config, rec: &Record) -> Option<&'c Framework> {
    rec.framework
        .as_ref()
        .and_then(|(name, _)| config.framework(name))
}

/// A review's judgements in words: its framework's labels, else ILACS's for the areas
/// ILACS has and the value in words for the rest.
pub fn words(config: &Config, rec: &Record) -> Vec<Words> {
    let own = framework(config, rec);
    let ilacs = config.framework(crate::config::ILACS);
    rec.judgements
        .iter()
        .map(|j| {
            let area = own
                .or(ilacs)
                .and_then(|f| f.area_label(&j.area))
                .map_or_else(|| crate::present::label(&j.area), str::to_string);
            let grade = own
                .or(ilacs)
                .and_then(|f| f.grade_label(&j.grade))
                .map_or_else(|| crate::present::label(&j.grade), str::to_string);
            Words {
                area,
                grade,
                value: j.grade.clone(),
            }
        })
        .collect()
}

/// The latest inspection with judgements in `site` (the view's: a withheld one is not
/// there): the review of kind `inspection` (or a visit) with the latest date, for the
/// dashboard and the pack covers.
pub fn latest(site: &Site) -> Option<usize> {
    site.of_type(RecordType::Review)
        .filter(|(_, r)| {
            !r.judgements.is_empty()
                && matches!(
                    r.kind,
                    Some("inspection" | "focused-visit" | "monitoring-visit")
                )
        })
        .max_by_key(|(i, r)| (r.date.map(|d| d.first_day()), std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
}

/// "Inadequate (Ofsted, 16 November 2012)": how a cover or the dashboard names where
/// the latest judgements come from.
pub fn source(rec: &Record) -> String {
    let mut parts = Vec::new();
    if let Some(by) = rec.text("by") {
        parts.push(by.to_string());
    }
    if let Some(d) = rec.date {
        parts.push(d.long());
    }
    if parts.is_empty() {
        rec.title.clone()
    } else {
        format!("{} ({})", rec.title, parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;

    fn config(yaml: &str) -> Config {
        let (config, diags) = crate::config::parse(Some(yaml.as_bytes()));
        assert!(diags.is_empty(), "{diags:?}");
        config
    }

    #[test]
    fn ilacs_is_built_in_and_a_declared_framework_is_added() {
        let c = config(
            "title: T\norganisation: O\nframeworks:\n  cp-2012:\n    title: Protection of children (2012)\n    areas: { overall-effectiveness: Overall effectiveness }\n    scale: { good: Good, adequate: Adequate, inadequate: Inadequate }\n",
        );
        let ilacs = c.framework("ilacs").expect("built in");
        assert_eq!(
            ilacs.grade_label("requires-improvement"),
            Some("Requires improvement to be good")
        );
        let cp = c.framework("cp-2012").expect("declared");
        assert_eq!(cp.title, "Protection of children (2012)");
        assert_eq!(cp.scale.len(), 3);
        assert_eq!(cp.grade_label("adequate"), Some("Adequate"));
    }

    #[test]
    fn framework_problems_are_e008_at_their_key() {
        let (_, diags) = crate::config::parse(Some(
            b"title: T\norganisation: O\nframeworks:\n  x:\n    areas: { a: A }\n    scal: [good]\n",
        ));
        assert!(
            diags.iter().any(|d| d.code == Code::E008
                && d.pos.line == 6
                && d.message.contains("did you mean `scale`")),
            "{diags:?}"
        );
        assert!(diags.iter().any(|d| d.message.contains("has no `scale`")));
    }
}
