//! Site settings: `content/site.yaml` (SPEC §6), read with positions so every problem
//! is an E008 at the key or item at fault. A broken `site.yaml` never stops the records
//! from being checked: defaults stand in for whatever could not be read.

use crate::content::yaml::{self, Node, Value};
use crate::date::Date;
use crate::diagnostics::{closest, Code, Diagnostic, Pos};

/// The security markings a site or a record may carry (SPEC §6, §3).
pub const CLASSIFICATIONS: &[&str] = &["OFFICIAL", "OFFICIAL-SENSITIVE"];

pub const SITE_FILE: &str = "site.yaml";
pub const INTERNAL: &str = "internal";

#[derive(Clone, Debug, PartialEq)]
pub struct Audience {
    pub name: String,
    pub title: String,
}

/// A section of a PDF pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Section {
    Summary,
    Recommendations,
    Actions,
    Plans,
    Evidence,
    Timeline,
    Reviews,
    Matrix,
    /// What changed since the newest baseline (SPEC §13.5).
    Changes,
    /// Indicators with their figures, and the risk register (SPEC §14.9).
    Indicators,
    Risks,
    Page(String),
    /// A page shown under one of a committee report's standard headings
    /// (`- financial: page:ID`, [`REPORT_PARTS`]): the part's name, then
    /// the page's ID.
    Part(&'static str, String),
}

/// What a pack is (SPEC §14.10): the layout of the same analysed view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackKind {
    /// The evidence pack: cover, contents, sections with IDs and the hashes.
    Evidence,
    /// A letter: addressee, salutation, pages as the body, signature block.
    Letter,
    /// A council committee report: standard parts, background papers, author.
    Report,
}

pub const PACK_KINDS: &[&str] = &["evidence", "letter", "report"];

impl PackKind {
    /// Letters and reports are read by people outside the team: no IDs in headings,
    /// no hashes.
    pub fn plain(self) -> bool {
        self != PackKind::Evidence
    }
}

/// How a pack shows a record it refers to but does not include (SPEC §14.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum References {
    /// "Title (ID, not in this pack)".
    Note,
    /// The title only.
    Hide,
    /// The referenced records are added as an appendix, and referred to by page.
    Appendix,
}

pub const REFERENCES: &[&str] = &["note", "hide", "appendix"];

/// Who a letter or report is from: `from: {name, role, contact}`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Person {
    pub name: String,
    pub role: Option<String>,
    /// How to reach the author (a report's "Contact").
    pub contact: Option<String>,
}

const SECTION_NAMES: &[&str] = &[
    "summary",
    "recommendations",
    "actions",
    "plans",
    "evidence",
    "timeline",
    "reviews",
    "matrix",
    "changes",
    "indicators",
    "risks",
];

#[derive(Clone, Debug, PartialEq)]
pub struct Pack {
    pub id: String,
    pub title: String,
    pub audience: String,
    pub sections: Vec<Section>,
    /// Where each `page:ID` section was written, to report pages that do not exist.
    pub page_positions: Vec<(String, Pos)>,
    pub kind: PackKind,
    /// As written; [`Pack::references`] gives the kind's default when not.
    pub references: Option<References>,
    /// The addressee (`to:`), e.g. "The Secretary of State for Education".
    pub to: Option<String>,
    /// The sender and signatory (`from:`).
    pub from: Option<Person>,
    /// A letter's opening words (`salutation:`); "Dear" and the addressee when not given.
    pub salutation: Option<String>,
}

impl Pack {
    /// The references mode: as written, else `note` for evidence packs and `hide` for
    /// letters and reports.
    pub fn references(&self) -> References {
        self.references.unwrap_or(match self.kind {
            PackKind::Evidence => References::Note,
            PackKind::Letter | PackKind::Report => References::Hide,
        })
    }

    /// A letter's salutation: as written, else "Dear " and the addressee.
    pub fn salutation(&self) -> String {
        match (&self.salutation, &self.to) {
            (Some(s), _) => s.clone(),
            (None, Some(to)) => format!("Dear {},", to.strip_prefix("The ").unwrap_or(to)),
            (None, None) => "Dear reader,".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub title: String,
    pub organisation: String,
    pub as_of: Option<Date>,
    /// The date packs are issued on (SPEC §13.3); default the readiness date.
    pub issued: Option<Date>,
    pub classification: &'static str,
    pub evidence_max_age_days: i64,
    pub site_audience: Option<String>,
    /// Declared audiences, then `internal` (always present).
    pub audiences: Vec<Audience>,
    pub packs: Vec<Pack>,
    pub theme: Option<String>,
    /// Where `theme` was written, to report a folder outside the content folder.
    pub theme_pos: Pos,
    /// Markdown for the accessibility statement, replacing the default (`accessibility:`
    /// written as text).
    pub accessibility: Option<String>,
    /// Earlier outputs' `records.json` (or output folders), relative to the content
    /// folder, oldest first, with where each was written (SPEC §13.5).
    pub baselines: Vec<(String, Pos)>,
    /// The facts of the default statement (`accessibility:` written as a mapping).
    pub statement: Statement,
    /// Where `accessibility` was written, for problems with its links.
    pub accessibility_pos: Pos,
    /// The relative links and images of the accessibility statement: each as written,
    /// with the attachment it names inside the content folder (set when the site is
    /// linked; a link that names none is an E007 there).
    pub statement_links: Vec<(String, String)>,
    /// Judgement frameworks a review's `framework:` may name: ILACS, built in, then
    /// those of `frameworks:` (one named `ilacs` replaces the built-in one).
    pub frameworks: Vec<Framework>,
    /// `branding: {logo, colour}`: the council's logo and header colour.
    pub branding: crate::branding::Branding,
}

/// A judgement framework (SPEC §14.10): the areas an inspection judges and the scale
/// it grades them on, each value with the words pages and packs show for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Framework {
    pub name: String,
    pub title: String,
    /// `(value, label)`, in the order the framework lists them. A value listed without
    /// a label shows in words (`present::label`, applied where judgements are shown:
    /// settings are read below the words).
    pub areas: Vec<(String, Option<String>)>,
    /// `(value, label)`, best grade first, as `areas`.
    pub scale: Vec<(String, Option<String>)>,
}

/// A committee report's parts that come from pages (SPEC §14.10), in the order council
/// reports give them: the name written in `site.yaml`, then the heading (declared with
/// the setting, as [`ilacs`]'s areas are; `present::report_part_heading` reads it).
pub const REPORT_PARTS: &[(&str, &str)] = &[
    ("executive-summary", "Executive summary"),
    ("decision", "Decision sought"),
    ("background", "Background"),
    ("options", "Options considered"),
    ("risks", "Risks and assumptions"),
    ("performance", "Performance"),
    ("financial", "Financial implications"),
    ("legal", "Legal implications"),
    ("hr", "Human resources implications"),
    ("equality", "Equality implications"),
    ("consultation", "Consultation"),
];

/// The name of the built-in framework.
pub const ILACS: &str = "ilacs";

/// Ofsted's inspection of local authority children's services (ILACS): its judgement
/// areas and its four-point scale, as the inspection reports word them.
pub fn ilacs() -> Framework {
    let pairs = |items: &[(&str, &str)]| {
        items
            .iter()
            .map(|(v, l)| (v.to_string(), Some(l.to_string())))
            .collect()
    };
    Framework {
        name: ILACS.into(),
        title: "Ofsted inspection of local authority children's services (ILACS)".into(),
        areas: pairs(&[
            ("overall-effectiveness", "Overall effectiveness"),
            (
                "impact-of-leaders",
                "The impact of leaders on social work practice with children and families",
            ),
            (
                "help-and-protection",
                "The experiences and progress of children who need help and protection",
            ),
            (
                "children-in-care",
                "The experiences and progress of children in care",
            ),
            (
                "care-leavers",
                "The experiences and progress of care leavers",
            ),
        ]),
        scale: pairs(&[
            ("outstanding", "Outstanding"),
            ("good", "Good"),
            ("requires-improvement", "Requires improvement to be good"),
            ("inadequate", "Inadequate"),
        ]),
    }
}

impl Framework {
    pub fn area_label(&self, area: &str) -> Option<&str> {
        find_label(&self.areas, area)
    }

    pub fn grade_label(&self, grade: &str) -> Option<&str> {
        find_label(&self.scale, grade)
    }
}

/// The label `site.yaml` gives `value`, if it lists the value with one.
fn find_label<'a>(pairs: &'a [(String, Option<String>)], value: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(v, _)| v == value)
        .and_then(|(_, l)| l.as_deref())
}

/// How far a site complies with WCAG, as the model statement words it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compliance {
    Full,
    Partial,
    None,
}

pub const COMPLIANCE: &[&str] = &["full", "partial", "none"];

/// What `site.yaml` `accessibility:` says for the accessibility statement (SPEC §13.3).
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// Who to tell about a problem: an email address, a phone number or a team.
    pub contact: Option<String>,
    pub compliance: Compliance,
    /// Content that is not accessible, one item each.
    pub non_accessible: Vec<String>,
    /// When the statement was prepared; when not given the statement says no date is
    /// recorded (never the readiness date).
    pub prepared: Option<Date>,
}

impl Default for Statement {
    fn default() -> Statement {
        Statement {
            contact: None,
            compliance: Compliance::Partial,
            non_accessible: Vec::new(),
            prepared: None,
        }
    }
}

const STATEMENT_KEYS: &[&str] = &["contact", "compliance", "non_accessible", "prepared"];

impl Default for Config {
    fn default() -> Config {
        Config {
            title: "Improvement evidence".into(),
            organisation: String::new(),
            as_of: None,
            issued: None,
            classification: "OFFICIAL",
            evidence_max_age_days: 365,
            site_audience: None,
            audiences: vec![Audience {
                name: INTERNAL.into(),
                title: "Internal".into(),
            }],
            packs: Vec::new(),
            theme: None,
            theme_pos: Pos::START,
            accessibility: None,
            baselines: Vec::new(),
            statement: Statement::default(),
            accessibility_pos: Pos::START,
            statement_links: Vec::new(),
            frameworks: vec![ilacs()],
            branding: Default::default(),
        }
    }
}

const KEYS: &[&str] = &[
    "title",
    "organisation",
    "as_of",
    "issued",
    "classification",
    "evidence_max_age_days",
    "site_audience",
    "audiences",
    "packs",
    "theme",
    "accessibility",
    "baselines",
    "frameworks",
    "branding",
];

impl Config {
    pub fn has_audience(&self, name: &str) -> bool {
        self.audiences.iter().any(|a| a.name == name)
    }

    pub fn audience_title(&self, name: &str) -> String {
        self.audiences
            .iter()
            .find(|a| a.name == name)
            .map_or_else(|| name.to_string(), |a| a.title.clone())
    }

    pub fn pack(&self, id: &str) -> Option<&Pack> {
        self.packs.iter().find(|p| p.id == id)
    }

    pub fn framework(&self, name: &str) -> Option<&Framework> {
        self.frameworks.iter().find(|f| f.name == name)
    }
}

fn scalar_text(node: &Node) -> Option<&str> {
    node.as_scalar().map(|s| s.text.as_str())
}

/// Reads `site.yaml` from its bytes (`None`: the file is missing).
pub fn parse(bytes: Option<&[u8]>) -> (Config, Vec<Diagnostic>) {
    let mut config = Config::default();
    let pairs = match settings(bytes) {
        Ok(pairs) => pairs,
        Err(diag) => return (config, vec![diag]),
    };
    let mut diags = Vec::new();
    let mut e008 = |pos: Pos, message: String| {
        diags.push(Diagnostic::new(SITE_FILE, pos, Code::E008, message))
    };
    let mut later = Later::default();
    for (key, value) in &pairs {
        let Some(name) = scalar_text(key) else {
            e008(
                key.pos,
                "setting names must be plain words such as `title`".into(),
            );
            continue;
        };
        setting(name, key, value, &mut config, &mut later, &mut e008);
    }
    // The declared audiences come first and `internal` last: declared, it replaces the
    // built-in one (its title is the site's own).
    let mut declared = later.declared;
    if let Some(internal) = declared.iter().position(|a| a.name == INTERNAL) {
        config.audiences.remove(0);
        let a = declared.remove(internal);
        config.audiences.push(a);
    }
    config.audiences.splice(0..0, declared);

    if let Some((name, pos)) = later.site_audience {
        if config.has_audience(&name) {
            config.site_audience = Some(name);
        } else {
            e008(pos, unknown_audience(&config, &name));
        }
    }
    if let Some(node) = later.packs {
        config.packs = parse_packs(node, &config, &mut e008);
    }
    (config, diags)
}

/// The settings of `site.yaml` as key and value nodes, or the one problem that keeps
/// them from being read: the file missing (E008), not text or not YAML (E001), or not
/// a mapping (E001).
fn settings(bytes: Option<&[u8]>) -> Result<Vec<(Node, Node)>, Diagnostic> {
    let Some(bytes) = bytes else {
        return Err(Diagnostic::new(
            SITE_FILE,
            Pos::START,
            Code::E008,
            "`site.yaml` is missing: create it in the content folder with at least `title:` and `organisation:`",
        ));
    };
    let text = crate::content::split::decode(bytes)
        .map_err(|e| Diagnostic::new(SITE_FILE, e.pos, Code::E001, e.message))?;
    let root = yaml::parse(&text, 0)
        .map_err(|e| Diagnostic::new(SITE_FILE, e.pos, Code::E001, e.message))?;
    match root {
        None => Ok(Vec::new()),
        Some(Node {
            value: Value::Map(pairs),
            ..
        }) => Ok(pairs),
        Some(node) => Err(Diagnostic::new(
            SITE_FILE,
            node.pos,
            Code::E001,
            "`site.yaml` must hold settings written as `name: value` lines",
        )),
    }
}

/// Settings read now but used once every setting is read: they depend on others
/// (the audiences, which may come after them).
#[derive(Default)]
struct Later<'a> {
    /// The audiences `audiences` declares, in order.
    declared: Vec<Audience>,
    site_audience: Option<(String, Pos)>,
    packs: Option<&'a Node>,
}

/// One setting of `site.yaml`, read into `config` (or into `later`).
fn setting<'a>(
    name: &str,
    key: &Node,
    value: &'a Node,
    config: &mut Config,
    later: &mut Later<'a>,
    e008: &mut dyn FnMut(Pos, String),
) {
    let text = || scalar_text(value).map(str::to_string);
    let must_text = |e008: &mut dyn FnMut(Pos, String)| {
        let t = text();
        if t.is_none() {
            e008(
                value.pos,
                format!("`{name}` must be text, not {}", value.describe()),
            );
        }
        t
    };
    match name {
        "title" => {
            if let Some(t) = must_text(e008) {
                config.title = t;
            }
        }
        "organisation" => {
            if let Some(t) = must_text(e008) {
                config.organisation = t;
            }
        }
        "theme" => {
            config.theme = must_text(e008);
            config.theme_pos = value.pos;
        }
        "accessibility" => {
            config.accessibility_pos = key.pos;
            match &value.value {
                Value::Map(fields) => config.statement = parse_statement(fields, e008),
                _ => config.accessibility = must_text(e008),
            }
        }
        "as_of" => config.as_of = full_date(name, value, "2014-09-30", e008),
        "issued" => config.issued = full_date(name, value, "2014-10-06", e008),
        "classification" => {
            if let Some(c) = classification(value, e008) {
                config.classification = c;
            }
        }
        "evidence_max_age_days" => match text().and_then(|t| t.parse::<i64>().ok()) {
            Some(n) if n >= 0 => config.evidence_max_age_days = n,
            _ => e008(
                value.pos,
                format!(
                    "`evidence_max_age_days` must be a whole number of days such as 365, not {}",
                    value.describe()
                ),
            ),
        },
        "site_audience" => {
            if let Some(t) = must_text(e008) {
                later.site_audience = Some((t, key.pos));
            }
        }
        "audiences" => parse_audiences(value, &mut later.declared, e008),
        "packs" => later.packs = Some(value),
        "frameworks" => parse_frameworks(value, config, e008),
        "branding" => config.branding = crate::branding::parse(value, e008),
        "baselines" => parse_baselines(value, config, e008),
        other => {
            let hint = closest(other, KEYS.iter().copied(), 2)
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_else(|| format!("; the settings are {}", KEYS.join(", ")));
            e008(key.pos, format!("unknown setting `{other}`{hint}"));
        }
    }
}

/// A setting that is a full date (`as_of`, `issued`; `example` shows one); `None`,
/// with an E008, when it is not one.
fn full_date(
    name: &str,
    value: &Node,
    example: &str,
    e008: &mut dyn FnMut(Pos, String),
) -> Option<Date> {
    let date = scalar_text(value).and_then(Date::parse_full);
    if date.is_none() {
        e008(
            value.pos,
            format!(
                "`{name}` must be a full date such as `{example}`, not {}",
                value.describe()
            ),
        );
    }
    date
}

/// `classification`: one of the two the site may carry; `None`, with an E008 (and the
/// one meant, when the words are close), otherwise.
fn classification(value: &Node, e008: &mut dyn FnMut(Pos, String)) -> Option<&'static str> {
    match scalar_text(value) {
        Some(c) if CLASSIFICATIONS.contains(&c) => Some(if c == "OFFICIAL" {
            "OFFICIAL"
        } else {
            "OFFICIAL-SENSITIVE"
        }),
        other => {
            let hint = other
                .and_then(|c| crate::diagnostics::loose_match(c, CLASSIFICATIONS.iter().copied()))
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            e008(
                value.pos,
                format!(
                    "`classification` must be OFFICIAL or OFFICIAL-SENSITIVE, not {}{hint}",
                    value.describe()
                ),
            );
            None
        }
    }
}

/// `audiences`: a mapping of names, each with an optional title (`name: Title` or
/// `name: { title: … }`), pushed to `declared`.
fn parse_audiences(value: &Node, declared: &mut Vec<Audience>, e008: &mut dyn FnMut(Pos, String)) {
    let entries = match &value.value {
        Value::Map(entries) => entries,
        _ if value.is_null() => return,
        _ => {
            e008(
                value.pos,
                "`audiences` must be a mapping of names, e.g. `inspector: { title: Ofsted inspection team }`".into(),
            );
            return;
        }
    };
    for (akey, avalue) in entries {
        let Some(aname) = scalar_text(akey) else {
            e008(
                akey.pos,
                "audience names must be plain words such as `inspector`".into(),
            );
            continue;
        };
        if !crate::content::valid_id_syntax(aname) {
            e008(
                akey.pos,
                format!(
                    "`{aname}` is not a usable audience name: use letters, digits, `-`, `_` or `.`"
                ),
            );
            continue;
        }
        let title = match &avalue.value {
            Value::Map(fields) => {
                let mut title = None;
                for (fk, fv) in fields {
                    match scalar_text(fk) {
                        Some("title") => title = scalar_text(fv).map(str::to_string),
                        _ => e008(
                            fk.pos,
                            format!("an audience has only a `title`; remove {}", fk.describe()),
                        ),
                    }
                }
                title
            }
            Value::Scalar(s) if !avalue.is_null() => Some(s.text.clone()),
            _ => None,
        };
        declared.push(Audience {
            name: aname.to_string(),
            title: title.unwrap_or_else(|| aname.to_string()),
        });
    }
}

/// `baselines`: one path or a list of paths, kept with their positions in `config`.
fn parse_baselines(value: &Node, config: &mut Config, e008: &mut dyn FnMut(Pos, String)) {
    let items: Vec<&Node> = match &value.value {
        Value::Seq(items) => items.iter().collect(),
        _ if value.is_null() => Vec::new(),
        Value::Scalar(_) => vec![value],
        Value::Map(_) => {
            e008(
                value.pos,
                "`baselines` must be a list of paths such as `[_baselines/2014-03-31.json]`".into(),
            );
            Vec::new()
        }
    };
    for item in items {
        match scalar_text(item) {
            Some(t) if !t.trim().is_empty() => {
                config.baselines.push((t.trim().to_string(), item.pos))
            }
            _ => e008(
                item.pos,
                format!(
                    "each baseline must be a path inside the content folder, such as `_baselines/2014-03-31.json`, not {}",
                    item.describe()
                ),
            ),
        }
    }
}

/// `accessibility:` as a mapping: every problem an E008 at its key or item.
fn parse_statement(fields: &[(Node, Node)], e008: &mut dyn FnMut(Pos, String)) -> Statement {
    let mut st = Statement::default();
    for (key, value) in fields {
        let Some(name) = scalar_text(key) else {
            e008(
                key.pos,
                "`accessibility` settings must be plain words such as `contact`".into(),
            );
            continue;
        };
        match name {
            "contact" => match scalar_text(value).filter(|t| !t.trim().is_empty()) {
                Some(t) => st.contact = Some(t.trim().to_string()),
                None => e008(
                    value.pos,
                    format!("`contact` must be an email address, phone number or team to tell, not {}", value.describe()),
                ),
            },
            "compliance" => match scalar_text(value) {
                Some("full") => st.compliance = Compliance::Full,
                Some("partial") => st.compliance = Compliance::Partial,
                Some("none") => st.compliance = Compliance::None,
                other => {
                    let hint = other
                        .and_then(|c| crate::diagnostics::loose_match(c, COMPLIANCE.iter().copied()))
                        .map(|c| format!("; did you mean `{c}`?"))
                        .unwrap_or_default();
                    e008(
                        value.pos,
                        format!("`compliance` must be `full`, `partial` or `none`, not {}{hint}", value.describe()),
                    )
                }
            },
            "non_accessible" => match &value.value {
                Value::Seq(items) => {
                    for item in items {
                        match scalar_text(item).filter(|t| !t.trim().is_empty()) {
                            Some(t) => st.non_accessible.push(t.trim().to_string()),
                            None => e008(
                                item.pos,
                                format!("each `non_accessible` item must be a sentence saying what is not accessible, not {}", item.describe()),
                            ),
                        }
                    }
                }
                _ if value.is_null() => {}
                _ => e008(
                    value.pos,
                    format!("`non_accessible` must be a list, one item per thing that is not accessible, not {}", value.describe()),
                ),
            },
            "prepared" => match scalar_text(value).and_then(Date::parse_full) {
                Some(d) => st.prepared = Some(d),
                None => e008(
                    value.pos,
                    format!("`prepared` must be a full date such as `2014-09-30`, not {}", value.describe()),
                ),
            },
            other => {
                let hint = closest(other, STATEMENT_KEYS.iter().copied(), 3)
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_else(|| format!("; `accessibility` may give {}", STATEMENT_KEYS.join(", ")));
                e008(key.pos, format!("unknown `accessibility` setting `{other}`{hint}"));
            }
        }
    }
    st
}

/// How `frameworks:` is written, for its messages.
const FRAMEWORK_EXAMPLE: &str = "e.g. `child-protection-2012: { areas: { overall-effectiveness: Overall effectiveness }, scale: { good: Good, inadequate: Inadequate } }`";

/// `frameworks:`: a mapping of names, each with a `title`, its `areas` and its `scale`
/// (mappings of value to label, the scale best grade first).
fn parse_frameworks(node: &Node, config: &mut Config, e008: &mut dyn FnMut(Pos, String)) {
    let entries = match &node.value {
        Value::Map(entries) => entries,
        _ if node.is_null() => return,
        _ => {
            e008(
                node.pos,
                format!("`frameworks` must be a mapping of framework names, {FRAMEWORK_EXAMPLE}"),
            );
            return;
        }
    };
    for (key, value) in entries {
        let Some(name) = scalar_text(key).filter(|n| crate::content::valid_id_syntax(n)) else {
            e008(
                key.pos,
                "a framework's name must use letters, digits, `-`, `_` or `.`".into(),
            );
            continue;
        };
        let Some(fields) = value.as_map() else {
            e008(
                value.pos,
                format!("framework `{name}` must give `areas` and `scale`, {FRAMEWORK_EXAMPLE}"),
            );
            continue;
        };
        let Some(framework) = parse_framework(name, key.pos, fields, e008) else {
            continue;
        };
        // A framework of the site's own may replace the built-in ILACS one.
        match config.frameworks.iter_mut().find(|f| f.name == name) {
            Some(existing) if existing.name == ILACS => *existing = framework,
            Some(_) => e008(key.pos, format!("two frameworks are named `{name}`")),
            None => config.frameworks.push(framework),
        }
    }
}

/// One framework's settings; `None` when it lacks its `areas` or its `scale` (an E008
/// at its name, `pos`).
fn parse_framework(
    name: &str,
    pos: Pos,
    fields: &[(Node, Node)],
    e008: &mut dyn FnMut(Pos, String),
) -> Option<Framework> {
    let mut framework = Framework {
        name: name.to_string(),
        title: name.to_string(),
        areas: Vec::new(),
        scale: Vec::new(),
    };
    let mut seen = (false, false);
    for (fk, fv) in fields {
        match scalar_text(fk) {
            Some("title") => match scalar_text(fv) {
                Some(t) if !t.trim().is_empty() => framework.title = t.trim().to_string(),
                _ => e008(fv.pos, format!("framework `{name}`'s `title` must be text")),
            },
            Some("areas") => {
                seen.0 = true;
                framework.areas = framework_values(name, "areas", fv, e008);
            }
            Some("scale") => {
                seen.1 = true;
                framework.scale = framework_values(name, "scale", fv, e008);
            }
            _ => {
                let hint = scalar_text(fk)
                    .and_then(|k| closest(k, ["title", "areas", "scale"], 2))
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_else(|| "; a framework has `title`, `areas` and `scale`".into());
                e008(
                    fk.pos,
                    format!("unknown framework setting {}{hint}", fk.describe()),
                );
            }
        }
    }
    if !seen.0 || !seen.1 {
        let missing = if !seen.0 { "areas" } else { "scale" };
        e008(
            pos,
            format!("framework `{name}` has no `{missing}`; {FRAMEWORK_EXAMPLE}"),
        );
        return None;
    }
    Some(framework)
}

/// Framework `name`'s `what` (`areas` or `scale`): each value and its label; a bare
/// list gives values whose labels are the words. A value that is no word, or one
/// given twice, is left out with an E008.
fn framework_values(
    name: &str,
    what: &str,
    node: &Node,
    e008: &mut dyn FnMut(Pos, String),
) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    let mut push = |value: &str,
                    label: Option<&str>,
                    pos: Pos,
                    e008: &mut dyn FnMut(Pos, String)| {
        if !crate::content::valid_id_syntax(value) {
            e008(pos, format!("each of framework `{name}`'s {what} must be a word such as `good`, written with letters, digits and `-`"));
        } else if out.iter().any(|(v, _)| v == value) {
            e008(
                pos,
                format!("framework `{name}` lists `{value}` twice in its {what}"),
            );
        } else {
            out.push((value.to_string(), label.map(str::to_string)));
        }
    };
    match &node.value {
        Value::Map(pairs) => {
            for (k, v) in pairs {
                match scalar_text(k) {
                    Some(value) => push(
                        value,
                        scalar_text(v)
                            .filter(|l| !l.trim().is_empty())
                            .map(str::trim),
                        k.pos,
                        e008,
                    ),
                    None => e008(
                        k.pos,
                        format!("framework `{name}`'s {what} must be words such as `good`"),
                    ),
                }
            }
        }
        Value::Seq(items) => {
            for item in items {
                match scalar_text(item) {
                    Some(value) => push(value, None, item.pos, e008),
                    None => e008(
                        item.pos,
                        format!("framework `{name}`'s {what} must be words such as `good`"),
                    ),
                }
            }
        }
        _ => e008(
            node.pos,
            format!(
                "framework `{name}`'s `{what}` must map each value to its label, {FRAMEWORK_EXAMPLE}"
            ),
        ),
    }
    out
}

/// "unknown audience `x`; …" with the names that exist.
pub fn unknown_audience(config: &Config, name: &str) -> String {
    let names: Vec<&str> = config.audiences.iter().map(|a| a.name.as_str()).collect();
    match closest(name, names.iter().copied(), 2) {
        Some(n) => format!("unknown audience `{name}`; did you mean `{n}`?"),
        None => format!(
            "unknown audience `{name}`; declare it under `audiences:` in site.yaml, or use one of: {}",
            names.join(", ")
        ),
    }
}

/// The settings a pack may give.
const PACK_KEYS: &[&str] = &[
    "id",
    "title",
    "audience",
    "sections",
    "kind",
    "references",
    "to",
    "from",
    "salutation",
];

/// "`name` must be one of …, not …", with a suggestion for a near miss.
fn one_of(name: &str, allowed: &[&str], written: Option<&str>, node: &Node) -> String {
    let hint = written
        .and_then(|w| closest(w, allowed.iter().copied(), 2))
        .map(|k| format!("; did you mean `{k}`?"))
        .unwrap_or_default();
    let names: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
    format!(
        "`{name}` must be one of {}, not {}{hint}",
        names.join(", "),
        node.describe()
    )
}

/// `from:` as `{name, role, contact}`, or a name alone.
fn parse_person(node: &Node, e008: &mut dyn FnMut(Pos, String)) -> Option<Person> {
    const EXAMPLE: &str = "`from: { name: Alan Wood, role: Commissioner for Children's Social Care, contact: commissioner@example.gov.uk }`";
    if let Some(name) = scalar_text(node).map(str::trim).filter(|t| !t.is_empty()) {
        return Some(Person {
            name: name.to_string(),
            ..Person::default()
        });
    }
    let Some(fields) = node.as_map() else {
        e008(
            node.pos,
            format!("`from` must give a name and role, {EXAMPLE}"),
        );
        return None;
    };
    let mut person = Person::default();
    for (k, v) in fields {
        let text = scalar_text(v)
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        match (scalar_text(k), text) {
            (Some("name"), Some(t)) => person.name = t,
            (Some("role"), Some(t)) => person.role = Some(t),
            (Some("contact"), Some(t)) => person.contact = Some(t),
            (Some(f @ ("name" | "role" | "contact")), None) => {
                e008(v.pos, format!("`{f}` must be text, not {}", v.describe()))
            }
            (other, _) => {
                let hint = other
                    .and_then(|o| closest(o, ["name", "role", "contact"], 2))
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_else(|| "; `from` has `name`, `role` and `contact`".into());
                e008(
                    k.pos,
                    format!("unknown `from` setting {}{hint}", k.describe()),
                );
            }
        }
    }
    if person.name.is_empty() {
        e008(node.pos, format!("`from` has no `name`; {EXAMPLE}"));
        return None;
    }
    Some(person)
}

/// A report's part, `- financial: page:ID`: `None` when `node` is not a mapping (then it
/// is an ordinary section); `Some(None)` when it is one with a problem (an E008).
fn parse_part(
    node: &Node,
    pack: &mut Pack,
    e008: &mut dyn FnMut(Pos, String),
) -> Option<Option<Section>> {
    let pairs = node.as_map()?;
    let parts = REPORT_PARTS;
    let names: Vec<&str> = parts.iter().map(|(n, _)| *n).collect();
    let [(k, v)] = pairs else {
        e008(
            node.pos,
            format!(
                "a report's part is written `- PART: page:ID`, with PART one of {}",
                names.join(", ")
            ),
        );
        return Some(None);
    };
    let name = scalar_text(k).unwrap_or_default();
    let Some(&(part, _)) = parts.iter().find(|(n, _)| *n == name) else {
        let hint = closest(name, names.iter().copied(), 3)
            .map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_else(|| format!("; the parts are {}", names.join(", ")));
        e008(k.pos, format!("unknown report part {}{hint}", k.describe()));
        return Some(None);
    };
    match scalar_text(v).and_then(|t| t.strip_prefix("page:")) {
        Some(id) => {
            let id = id.trim().to_string();
            pack.page_positions.push((id.clone(), v.pos));
            Some(Some(Section::Part(part, id)))
        }
        None => {
            e008(
                v.pos,
                format!(
                    "the `{name}` part must name a page, such as `{name}: page:{name}`, not {}",
                    v.describe()
                ),
            );
            Some(None)
        }
    }
}

/// The `packs` list: each pack read and checked; a pack with a problem that makes it
/// unusable (no ID, a second pack's ID, no audience, a missing sender) is left out.
fn parse_packs(node: &Node, config: &Config, e008: &mut dyn FnMut(Pos, String)) -> Vec<Pack> {
    let items = match &node.value {
        Value::Seq(items) => items,
        _ if node.is_null() => return Vec::new(),
        _ => {
            e008(
                node.pos,
                "`packs` must be a list, each item starting with `- id: …`".into(),
            );
            return Vec::new();
        }
    };
    let mut packs: Vec<Pack> = Vec::new();
    for item in items {
        let Some(fields) = item.as_map() else {
            e008(
                item.pos,
                "each pack must be a mapping with `id`, `title`, `audience` and `sections`".into(),
            );
            continue;
        };
        if let Some(pack) = parse_pack(item, fields, &packs, config, e008) {
            packs.push(pack);
        }
    }
    packs
}

/// What reading one pack's settings notes for the checks made once all are read.
struct PackNotes {
    /// Where a report's part was written, checked against the kind once every setting
    /// is read (`kind` may come last).
    part_positions: Vec<Pos>,
    /// Where a salutation was written, checked against the kind the same way.
    salutation_pos: Option<Pos>,
    /// False once the pack has a problem that leaves it out.
    ok: bool,
    /// The audience's problem is already said: "no `audience`" would repeat it.
    audience_reported: bool,
}

/// One pack, or `None` when a problem leaves it out; `packs` are those read before
/// (their IDs are taken).
fn parse_pack(
    item: &Node,
    fields: &[(Node, Node)],
    packs: &[Pack],
    config: &Config,
    e008: &mut dyn FnMut(Pos, String),
) -> Option<Pack> {
    let first = fields.first().map_or(item.pos, |(k, _)| k.pos);
    let mut pack = Pack {
        id: String::new(),
        title: String::new(),
        audience: String::new(),
        sections: Vec::new(),
        page_positions: Vec::new(),
        kind: PackKind::Evidence,
        references: None,
        to: None,
        from: None,
        salutation: None,
    };
    let mut notes = PackNotes {
        part_positions: Vec::new(),
        salutation_pos: None,
        ok: true,
        audience_reported: false,
    };
    for (key, value) in fields {
        pack_setting(key, value, &mut pack, &mut notes, packs, config, e008);
    }
    check_pack(&mut pack, first, &mut notes, e008);
    notes.ok.then_some(pack)
}

/// One setting of a pack, read into `pack`.
fn pack_setting(
    key: &Node,
    value: &Node,
    pack: &mut Pack,
    notes: &mut PackNotes,
    packs: &[Pack],
    config: &Config,
    e008: &mut dyn FnMut(Pos, String),
) {
    match scalar_text(key) {
        Some("id") => {
            if !pack_id(value, pack, packs, e008) {
                notes.ok = false;
            }
        }
        Some("title") => match scalar_text(value) {
            Some(t) => pack.title = t.to_string(),
            None => e008(value.pos, "a pack `title` must be text".into()),
        },
        Some("audience") => match scalar_text(value) {
            Some(a) if config.has_audience(a) => pack.audience = a.to_string(),
            Some(a) => {
                // Keep the pack so its `page:` sections are still checked.
                e008(value.pos, unknown_audience(config, a));
                notes.audience_reported = true;
            }
            None => {
                e008(
                    value.pos,
                    "a pack `audience` must be one audience name".into(),
                );
                notes.audience_reported = true;
            }
        },
        Some("sections") => parse_sections(value, pack, &mut notes.part_positions, e008),
        Some("kind") => match scalar_text(value) {
            Some("evidence") => pack.kind = PackKind::Evidence,
            Some("letter") => pack.kind = PackKind::Letter,
            Some("report") => pack.kind = PackKind::Report,
            other => e008(value.pos, one_of("kind", PACK_KINDS, other, value)),
        },
        Some("references") => match scalar_text(value) {
            Some("note") => pack.references = Some(References::Note),
            Some("hide") => pack.references = Some(References::Hide),
            Some("appendix") => pack.references = Some(References::Appendix),
            other => e008(value.pos, one_of("references", REFERENCES, other, value)),
        },
        Some("to") => match scalar_text(value).map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => pack.to = Some(t.to_string()),
            None => e008(
                value.pos,
                format!("`to` must name the addressee, such as `The Secretary of State for Education`, not {}", value.describe()),
            ),
        },
        Some("salutation") => match scalar_text(value).map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => {
                pack.salutation = Some(t.to_string());
                notes.salutation_pos = Some(key.pos);
            }
            None => e008(
                value.pos,
                format!("`salutation` must be the letter's opening words, such as `Dear Secretary of State`, not {}", value.describe()),
            ),
        },
        Some("from") => pack.from = parse_person(value, e008),
        Some(other) => {
            let hint = closest(other, PACK_KEYS.iter().copied(), 2)
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_else(|| format!("; a pack may give {}", PACK_KEYS.join(", ")));
            e008(key.pos, format!("unknown pack setting `{other}`{hint}"));
        }
        None => e008(key.pos, "pack setting names must be plain words".into()),
    }
}

/// A pack's `id`, set in `pack`: `false`, with an E008, when it is not a usable ID or
/// another pack's (the pack is then left out).
fn pack_id(
    value: &Node,
    pack: &mut Pack,
    packs: &[Pack],
    e008: &mut dyn FnMut(Pos, String),
) -> bool {
    match scalar_text(value) {
        Some(id) if crate::content::valid_id_syntax(id) => {
            pack.id = id.to_string();
            if packs.iter().any(|p| p.id == id) {
                e008(
                    value.pos,
                    format!("two packs have the ID `{id}`; give each pack its own `id`"),
                );
                return false;
            }
            true
        }
        _ => {
            e008(
                value.pos,
                format!(
                    "a pack `id` must use letters, digits, `-`, `_` or `.`, not {}",
                    value.describe()
                ),
            );
            false
        }
    }
}

/// A pack's `sections`: one name, or a list of names, `page:ID`s and a report's parts
/// (whose positions go to `part_positions`).
fn parse_sections(
    value: &Node,
    pack: &mut Pack,
    part_positions: &mut Vec<Pos>,
    e008: &mut dyn FnMut(Pos, String),
) {
    let list: Vec<&Node> = match &value.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Scalar(_) => vec![value],
        Value::Map(_) => {
            e008(
                value.pos,
                "`sections` must be a list such as `[summary, recommendations]`".into(),
            );
            Vec::new()
        }
    };
    for s in list {
        if let Some(part) = parse_part(s, pack, e008) {
            if let Some(part) = part {
                part_positions.push(s.pos);
                pack.sections.push(part);
            }
            continue;
        }
        let Some(name) = scalar_text(s) else {
            e008(
                s.pos,
                "each section must be a name such as `summary` or `page:ID`".into(),
            );
            continue;
        };
        if let Some(section) = section_named(name, s.pos, pack, e008) {
            pack.sections.push(section);
        }
    }
}

/// The section a name in `sections` stands for (a `page:ID`'s position kept in
/// `pack`); `None`, with an E008, for a name that is none.
fn section_named(
    name: &str,
    pos: Pos,
    pack: &mut Pack,
    e008: &mut dyn FnMut(Pos, String),
) -> Option<Section> {
    Some(match name {
        "summary" => Section::Summary,
        "recommendations" => Section::Recommendations,
        "actions" => Section::Actions,
        "plans" => Section::Plans,
        "evidence" => Section::Evidence,
        "timeline" => Section::Timeline,
        "reviews" => Section::Reviews,
        "matrix" => Section::Matrix,
        "changes" => Section::Changes,
        "indicators" => Section::Indicators,
        "risks" => Section::Risks,
        _ if name.starts_with("page:") => {
            let id = name["page:".len()..].trim().to_string();
            pack.page_positions.push((id.clone(), pos));
            Section::Page(id)
        }
        other => {
            let hint = closest(other, SECTION_NAMES.iter().copied(), 2)
                .map(|k| format!("did you mean `{k}`?"))
                .unwrap_or_else(|| format!("use {} or `page:ID`", SECTION_NAMES.join(", ")));
            e008(pos, format!("unknown pack section `{other}`; {hint}"));
            return None;
        }
    })
}

/// The checks made once a pack's settings are all read (at `first`, its first key):
/// an ID and an audience, settings that belong to another kind, a letter's or a
/// report's sender and addressee; a pack without a title takes its ID.
fn check_pack(
    pack: &mut Pack,
    first: Pos,
    notes: &mut PackNotes,
    e008: &mut dyn FnMut(Pos, String),
) {
    if pack.id.is_empty() && notes.ok {
        e008(
            first,
            "this pack has no `id`; add `id: inspection-pack` (its PDF is named after it)".into(),
        );
        notes.ok = false;
    }
    if pack.audience.is_empty() && notes.ok && !notes.audience_reported {
        e008(
            first,
            format!(
                "pack `{}` has no `audience`; add `audience: inspector` or another audience",
                pack.id
            ),
        );
        notes.ok = false;
    }
    if pack.kind != PackKind::Report {
        for pos in &notes.part_positions {
            e008(
                *pos,
                "a section with a heading of its own (`financial: page:ID`) belongs to a committee report: add `kind: report` to the pack, or write `page:ID`".into(),
            );
        }
    }
    if let (Some(pos), true) = (notes.salutation_pos, pack.kind != PackKind::Letter) {
        e008(
            pos,
            "`salutation` is for letters: add `kind: letter` to the pack, or remove it".into(),
        );
    }
    if notes.ok && pack.kind != PackKind::Evidence && pack.from.is_none() {
        let (what, example) = match pack.kind {
            PackKind::Letter => (
                "a letter is signed by",
                "`from: { name: Alan Wood, role: Commissioner }`",
            ),
            _ => (
                "a report gives its author and contact",
                "`from: { name: …, role: …, contact: … }`",
            ),
        };
        e008(
            first,
            format!(
                "pack `{}` has no `from`: {what} its sender; add {example}",
                pack.id
            ),
        );
    }
    if notes.ok && pack.kind == PackKind::Letter && pack.to.is_none() {
        e008(
            first,
            format!("letter `{}` has no `to`: add the addressee, such as `to: The Secretary of State for Education`", pack.id),
        );
    }
    if pack.title.is_empty() {
        pack.title = pack.id.clone();
    }
}

/// The accessibility statement the site shows (SPEC §13.3), as Markdown: the one
/// `accessibility:` gives, else the default made with the site's words. Here, beside the
/// settings it is made from, because linking the records checks its links and the
/// site shows it: both read this one function.
pub fn accessibility_statement(config: &Config) -> String {
    match &config.accessibility {
        Some(own) => own.clone(),
        None => default_statement(config),
    }
}

/// The default accessibility statement (SPEC §13.3), as Markdown, with every section of the
/// public-sector model statement: what the site offers, how accessible it is, how to
/// report a problem, the enforcement procedure, compliance status, non-accessible
/// content, how it was tested, and when the statement was prepared — the date
/// `accessibility: prepared:` gives, or, without one, that no date is recorded: never
/// the readiness date, which is when the evidence stood, not when anyone prepared this.
fn default_statement(config: &Config) -> String {
    let st = &config.statement;
    let who = if config.organisation.is_empty() {
        "The team that published this site".to_string()
    } else {
        config.organisation.clone()
    };
    let mut md = String::new();
    let mut para = |text: &str| {
        md.push_str(text);
        md.push_str("\n\n");
    };
    para(&format!(
        "This statement applies to the evidence site *{}*, published by {who}. It is built to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA.",
        config.title
    ));
    para("You should be able to:");
    para("- use every page with a keyboard alone (a \"Skip to main content\" link comes first)\n- zoom in up to 400 % without text spilling off the screen, and read every page on a phone\n- read every status as words, not only as a colour, and every chart as a sentence and a table of its numbers\n- sort the lists and, with JavaScript, filter them; without JavaScript every list still shows in full\n- use the site offline, from a folder or a USB stick: no page makes any request to another server\n- print any page, with its security marking at the top and bottom");
    para("## How accessible this website is");
    para(match st.compliance {
        Compliance::Full => "We know of no part of this website that is not accessible.",
        Compliance::Partial => "Some parts of this website are not fully accessible; they are listed under \"Non-accessible content\" below.",
        Compliance::None => "Much of this website is not yet accessible; what we know of is listed under \"Non-accessible content\" below.",
    });
    para("## Feedback and contact information");
    para(&match &st.contact {
        Some(c) => format!("If you need information on this website in a different format, or find a problem with it, contact {who}: {c}. Say which page and what went wrong."),
        None => format!("If you need information on this website in a different format, or find a problem with it, tell {who}, naming the page and what went wrong."),
    });
    para("## Reporting accessibility problems with this website");
    para(&format!(
        "We are always looking to improve the accessibility of this website. If you find any problems not listed on this page, or think we are not meeting accessibility requirements, {}.",
        match &st.contact {
            Some(c) => format!("contact {c}"),
            None => format!("tell {who}"),
        }
    ));
    para("## Enforcement procedure");
    para("The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the \"accessibility regulations\"). If you are not happy with how we respond to your complaint, contact the Equality Advisory and Support Service (EASS).");
    para("## Technical information about this website's accessibility");
    para(&format!("{who} is committed to making its website accessible, in accordance with the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018."));
    para("### Compliance status");
    para(match st.compliance {
        Compliance::Full => "This website is fully compliant with the Web Content Accessibility Guidelines version 2.2 AA standard.",
        Compliance::Partial => "This website is partially compliant with the Web Content Accessibility Guidelines version 2.2 AA standard, due to the non-compliances listed below.",
        Compliance::None => "This website is not compliant with the Web Content Accessibility Guidelines version 2.2 AA standard. The non-compliances are listed below.",
    });
    para("### Non-accessible content");
    if st.non_accessible.is_empty() {
        para(match st.compliance {
            Compliance::Full => "We know of no content that is not accessible.",
            _ => "Evidence attachments (reports, minutes, spreadsheets) are copies of documents as their authors supplied them, and may not meet the standard: ask for another format using the contact above.",
        });
    } else {
        let items: Vec<String> = st
            .non_accessible
            .iter()
            .map(|i| format!("- {}", i.replace('\n', " ")))
            .collect();
        para(&items.join("\n"));
    }
    para("### The PDF packs");
    para("The PDF packs are tagged PDF that meets PDF/UA-1 (ISO 14289-1): headings, lists, tables with header cells, links that say where they go, images with alternative text, and the contents in reading order, with page markings and numbers set aside as artifacts.");
    para("## How this website was tested");
    para("Every kind of page this site is made of (the dashboard, the lists, a record of each type, the matrix, the timeline, search and this statement) is tested with automated checks, axe-core and HTML_CodeSniffer (WCAG 2.2 AA), in Chromium at 1280, 390 and 320 pixels wide and in print, each time the site builder is released. Every pack is checked against PDF/UA-1 with the page_validation checker (based on the Matterhorn Protocol) and its reading order with poppler's pdfinfo, in the same tests. The records' own text and attachments are not tested separately.");
    para("## Preparation of this accessibility statement");
    para(&match st.prepared {
        Some(date) => format!("This statement was prepared on {}.", date.long()),
        None => "No date of preparation is recorded for this statement. It is made with the site each time the site is built, from the settings its publisher gave.".to_string(),
    });
    md.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_spec_example() {
        let text = "title: T\norganisation: O\nas_of: 2014-09-30\nsite_audience: inspector\naudiences:\n  inspector: { title: Ofsted }\npacks:\n  - id: p\n    title: P\n    audience: inspector\n    sections: [summary, page:about]\n";
        let (c, d) = parse(Some(text.as_bytes()));
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.as_of.unwrap().to_string(), "2014-09-30");
        assert_eq!(c.audiences.len(), 2);
        assert_eq!(
            c.packs[0].sections,
            vec![Section::Summary, Section::Page("about".into())]
        );
    }

    #[test]
    fn reads_a_letter_and_a_report() {
        let text = "title: T\naudiences:\n  sos: { title: S }\npacks:\n  - id: l\n    kind: letter\n    audience: sos\n    to: The Secretary of State\n    from: { name: A Wood, role: Commissioner }\n    sections: [page:a]\n  - id: r\n    kind: report\n    audience: sos\n    references: appendix\n    from: B Author\n    sections: [{decision: page:d}, evidence]\n";
        let (c, d) = parse(Some(text.as_bytes()));
        assert!(d.is_empty(), "{d:?}");
        let (letter, report) = (&c.packs[0], &c.packs[1]);
        assert_eq!(letter.kind, PackKind::Letter);
        assert_eq!(letter.references(), References::Hide);
        assert_eq!(letter.salutation(), "Dear Secretary of State,");
        assert_eq!(
            letter.from.as_ref().and_then(|p| p.role.as_deref()),
            Some("Commissioner")
        );
        assert_eq!(report.kind, PackKind::Report);
        assert_eq!(report.references(), References::Appendix);
        assert_eq!(
            report.from.as_ref().map(|p| p.name.as_str()),
            Some("B Author")
        );
        assert_eq!(
            report.sections,
            vec![Section::Part("decision", "d".into()), Section::Evidence]
        );
        // The report's page is checked like any `page:` section.
        assert_eq!(report.page_positions[0].0, "d");
        let evidence = "title: T\naudiences:\n  sos: { title: S }\npacks:\n  - id: e\n    audience: sos\n    sections: [summary]\n";
        let (c, _) = parse(Some(evidence.as_bytes()));
        assert_eq!(c.packs[0].kind, PackKind::Evidence);
        assert_eq!(c.packs[0].references(), References::Note);
    }

    #[test]
    fn a_reports_parts_are_checked() {
        let text = "title: T\naudiences:\n  sos: { title: S }\npacks:\n  - id: r\n    kind: report\n    audience: sos\n    from: B\n    sections: [{finance: page:f}, {legal: evidence}]\n";
        let (c, d) = parse(Some(text.as_bytes()));
        let got: Vec<(u32, u32)> = d.iter().map(|d| (d.pos.line, d.pos.col)).collect();
        assert_eq!(got, vec![(9, 17), (9, 43)], "{d:?}");
        assert!(
            d[0].message.contains("did you mean `financial`?"),
            "{}",
            d[0].message
        );
        assert!(
            d[1].message.contains("must name a page"),
            "{}",
            d[1].message
        );
        assert!(c.packs[0].sections.is_empty());
    }

    #[test]
    fn reports_each_problem_at_its_item() {
        let text = "titel: T\nas_of: 2014-09\npacks:\n  - id: p\n    audience: nobody\n    sections: [summary, sumary]\n";
        let (_, d) = parse(Some(text.as_bytes()));
        let got: Vec<(u32, u32)> = d.iter().map(|d| (d.pos.line, d.pos.col)).collect();
        assert_eq!(got, vec![(1, 1), (2, 8), (5, 15), (6, 25)], "{d:?}");
        assert!(d[0].message.contains("did you mean `title`"));
    }

    #[test]
    fn the_accessibility_statement_settings_are_read_and_checked() {
        let text = "title: T\naccessibility:\n  contact: access@example.gov.uk\n  compliance: partial\n  non_accessible:\n    - Scanned minutes are images of text.\n  prepared: 2014-09-01\n";
        let (c, d) = parse(Some(text.as_bytes()));
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(
            c.statement.contact.as_deref(),
            Some("access@example.gov.uk")
        );
        assert_eq!(c.statement.compliance, Compliance::Partial);
        assert_eq!(c.statement.non_accessible.len(), 1);
        assert_eq!(c.statement.prepared.unwrap().to_string(), "2014-09-01");

        let bad = "title: T\naccessibility:\n  compliance: Partially\n  non_accessible: [fine, [a]]\n  prepared: 2014-09\n  contcat: x\n";
        let (c, d) = parse(Some(bad.as_bytes()));
        let got: Vec<(u32, u32)> = d.iter().map(|d| (d.pos.line, d.pos.col)).collect();
        assert_eq!(got, vec![(3, 15), (4, 26), (5, 13), (6, 3)], "{d:?}");
        assert_eq!(c.statement.non_accessible, vec!["fine".to_string()]);
        assert!(
            d[3].message.contains("did you mean `contact`"),
            "{}",
            d[3].message
        );
    }

    #[test]
    fn issued_is_a_full_date() {
        let (c, d) = parse(Some(b"title: T\nissued: 2014-10-06\n"));
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.issued.unwrap().to_string(), "2014-10-06");
        let (c, d) = parse(Some(b"title: T\nissued: October 2014\n"));
        assert_eq!(c.issued, None);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].code, d[0].pos.line, d[0].pos.col), (Code::E008, 2, 9));
        assert!(
            d[0].message.contains("`issued` must be a full date"),
            "{}",
            d[0].message
        );
        let (_, d) = parse(Some(b"title: T\nisued: 2014-10-06\n"));
        assert!(
            d[0].message.contains("did you mean `issued`"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn a_loosely_written_classification_gets_a_hint() {
        let (_, d) = parse(Some(b"title: T\nclassification: Official Sensitive\n"));
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].message.ends_with("did you mean `OFFICIAL-SENSITIVE`?"),
            "{}",
            d[0].message
        );
    }

    /// Issue 30: the statement is dated only with `accessibility: prepared:`; without it,
    /// it says no date is recorded, never the readiness date.
    #[test]
    fn the_accessibility_statement_is_dated_only_when_prepared_is_given() {
        let undated = "title: T\nas_of: 2014-09-30\n";
        let (c, _) = parse(Some(undated.as_bytes()));
        let md = default_statement(&c);
        assert!(md.contains("No date of preparation is recorded for this statement."));
        assert!(!md.contains("2014"), "{md}");
        let dated = "title: T\nas_of: 2014-09-30\naccessibility:\n  prepared: 2026-11-02\n";
        let (c, _) = parse(Some(dated.as_bytes()));
        let md = default_statement(&c);
        assert!(
            md.contains("This statement was prepared on 2 November 2026."),
            "{md}"
        );
        assert!(!md.contains("No date of preparation"));
    }
}
