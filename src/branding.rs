//! A council's own look without editing templates: `site.yaml` `branding: {logo,
//! colour}`. The logo is a PNG or JPEG inside the content folder, checked like an
//! evidence attachment and shown in the site header and on the pack covers; the colour
//! replaces the header's, and is refused (E008) when the text drawn on it would fall
//! below WCAG AA contrast (4.5:1).

use crate::content::yaml::{Node, Value};
use crate::diagnostics::Pos;

/// What `branding:` says, as read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Branding {
    pub logo: Option<Logo>,
    /// The header colour, `#rrggbb` in lower case (checked for contrast).
    pub colour: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Logo {
    /// As written in `site.yaml`.
    pub written: String,
    pub pos: Pos,
    /// The path inside the content folder once checked like an attachment (E007
    /// otherwise); the site copies it to `files/` beside the attachments.
    pub resolved: Option<String>,
}

impl Branding {
    /// The colour as sRGB channels, for the pack covers.
    pub fn rgb(&self) -> Option<[u8; 3]> {
        self.colour.as_deref().and_then(hex)
    }
}

const KEYS: &[&str] = &["logo", "colour"];

/// What is drawn against the brand colour: white, the header's text on it (and the
/// search button, the colour as text on white). The theme draws it on nothing else.
const TEXT_ON_IT: [(&str, [u8; 3]); 1] = [(
    "white text on it, as in the site header,",
    [0xff, 0xff, 0xff],
)];

/// WCAG 2 AA for normal text.
const AA: f64 = 4.5;

/// Reads `branding:`; every problem is an E008 reported through `e008`.
pub fn parse(value: &Node, e008: &mut dyn FnMut(Pos, String)) -> Branding {
    let mut b = Branding::default();
    let Value::Map(fields) = &value.value else {
        if !value.is_null() {
            e008(
                value.pos,
                format!(
                    "`branding` must be a mapping such as `{{logo: branding/logo.png, colour: \"#1d4f91\"}}`, not {}",
                    value.describe()
                ),
            );
        }
        return b;
    };
    for (key, v) in fields {
        let name = key.as_scalar().map(|s| s.text.as_str());
        let text = v
            .as_scalar()
            .filter(|_| !v.is_null())
            .map(|s| s.text.trim().to_string());
        match (name, text) {
            (Some("logo"), Some(path)) if !path.is_empty() => {
                let lower = path.to_ascii_lowercase();
                if [".png", ".jpg", ".jpeg"].iter().any(|x| lower.ends_with(x)) {
                    b.logo = Some(Logo {
                        written: path,
                        pos: v.pos,
                        resolved: None,
                    });
                } else {
                    e008(
                        v.pos,
                        format!("the logo must be a PNG or JPEG file (`.png`, `.jpg`), not `{path}`: the packs can only embed those"),
                    );
                }
            }
            (Some("colour"), Some(c)) => match hex(&c) {
                Some(rgb) => match contrast_problem(rgb) {
                    None => b.colour = Some(format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2])),
                    Some(message) => e008(v.pos, message),
                },
                None => e008(
                    v.pos,
                    format!("`colour` must be a colour written as `\"#1d4f91\"` (a `#` and six hexadecimal digits, in quotes), not `{c}`"),
                ),
            },
            (Some(k @ ("logo" | "colour")), None | Some(_)) => e008(
                v.pos,
                format!("`{k}` must be text, not {}", v.describe()),
            ),
            (Some(other), _) => {
                let hint = crate::diagnostics::closest(other, KEYS.iter().copied(), 2)
                    .map(|k| format!("did you mean `{k}`?"))
                    .unwrap_or_else(|| "`branding` has only `logo` and `colour`".into());
                e008(key.pos, format!("unknown branding setting `{other}`; {hint}"));
            }
            (None, _) => e008(
                key.pos,
                "branding settings must be plain words such as `logo`".into(),
            ),
        }
    }
    b
}

/// `#1d4f91` or `#fff` (a `#` is optional: YAML reads an unquoted `#…` as a comment).
fn hex(text: &str) -> Option<[u8; 3]> {
    let digits = text.strip_prefix('#').unwrap_or(text);
    let full: String = match digits.len() {
        3 => digits.chars().flat_map(|c| [c, c]).collect(),
        6 => digits.to_string(),
        _ => return None,
    };
    let byte = |i: usize| u8::from_str_radix(full.get(i..i + 2)?, 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

/// WCAG relative luminance.
fn luminance(rgb: [u8; 3]) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2])
}

/// WCAG contrast ratio of two colours (1 to 21).
pub fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Why `rgb` cannot be the header colour, with a darker one of the same hue that can;
/// `None` when every text drawn on it keeps AA contrast.
fn contrast_problem(rgb: [u8; 3]) -> Option<String> {
    let worst = TEXT_ON_IT
        .iter()
        .map(|(what, text)| (what, contrast(rgb, *text)))
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    if worst.1 >= AA {
        return None;
    }
    let passes = |c: [u8; 3]| TEXT_ON_IT.iter().all(|(_, t)| contrast(c, *t) >= AA);
    let suggestion = (1..=100)
        .map(|step| {
            let f = 1.0 - f64::from(step) / 100.0;
            rgb.map(|c| (f64::from(c) * f).round() as u8)
        })
        .find(|c| passes(*c))
        .unwrap_or([0, 0, 0]);
    Some(format!(
        "`colour` #{:02x}{:02x}{:02x} is too light: {} would have a contrast of {:.1}:1, and WCAG AA needs at least 4.5:1; choose a darker colour, such as \"#{:02x}{:02x}{:02x}\"",
        rgb[0], rgb[1], rgb[2], worst.0, worst.1, suggestion[0], suggestion[1], suggestion[2]
    ))
}

/// The navigation bar's colour under the header: the brand colour darkened, as the
/// default theme's pair (`--brand`, `--brand-dark`).
pub fn darker(colour: &str) -> String {
    let rgb = hex(colour).unwrap_or([0, 0, 0]);
    let d = rgb.map(|c| (f64::from(c) * 0.65).round() as u8);
    format!("#{:02x}{:02x}{:02x}", d[0], d[1], d[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_follows_wcag() {
        assert!((contrast([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
        // The default theme's header colour passes against both texts.
        assert!(contrast_problem([0x12, 0x32, 0x4e]).is_none());
        let message = contrast_problem([0x7f, 0xb2, 0xe5]).expect("too light");
        assert!(
            message.contains("too light") && message.contains("4.5:1"),
            "{message}"
        );
        // The suggested colour itself passes.
        let suggested = message
            .rsplit('#')
            .next()
            .unwrap_or("")
            .trim_end_matches('"');
        let rgb = hex(suggested).expect("a colour");
        assert!(contrast_problem(rgb).is_none(), "{suggested}");
    }

    #[test]
    fn colours_are_read_in_three_or_six_digits() {
        assert_eq!(hex("#fff"), Some([255, 255, 255]));
        assert_eq!(hex("1D4F91"), Some([0x1d, 0x4f, 0x91]));
        assert_eq!(hex("#12345"), None);
        assert_eq!(hex("navy"), None);
        assert_eq!(darker("#ffffff"), "#a6a6a6");
    }
}
