//! The five typefaces a document is set in, parsed once and measured quickly.
//!
//! Layout asks for the advance width of every character it places, thousands of
//! times per page, so each face keeps a dense table of advances for the Basic
//! Multilingual Plane built once from printpdf's `ParsedFont` (its cmap and hmtx
//! maps are `BTreeMap`s, fine for embedding but too slow to query per glyph).
//! Fonts are parsed when [`Fonts::load`] is called and can then be shared by any
//! number of renders, also across threads: nothing here reads system fonts.

use printpdf::ParsedFont;

/// The raw font files a document is set in (TrueType or OpenType bytes).
///
/// Callers embed them with `include_bytes!`; the engine never looks for fonts on
/// the machine, so a PDF comes out the same everywhere.
#[derive(Clone, Copy, Debug)]
pub struct FontFiles<'a> {
    /// Body text.
    pub regular: &'a [u8],
    /// Headings, table headers, keys, the marking.
    pub bold: &'a [u8],
    /// Emphasis and alternative text of images that cannot be shown.
    pub italic: &'a [u8],
    /// Emphasis inside strong text.
    pub bold_italic: &'a [u8],
    /// Code blocks and inline code.
    pub mono: &'a [u8],
}

/// Parsed, measurable typefaces: build once with [`Fonts::load`], reuse for every
/// document (it is `Send + Sync`).
pub struct Fonts {
    faces: [Face; 5],
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self
            .faces
            .iter()
            .map(|face| face.ps_name.as_str())
            .collect();
        f.debug_struct("Fonts").field("faces", &names).finish()
    }
}

impl Fonts {
    /// Parses the five font files. Fails, naming the face, if one is not a usable
    /// TrueType/OpenType font.
    pub fn load(files: &FontFiles<'_>) -> Result<Fonts, String> {
        Ok(Fonts {
            faces: [
                Face::parse(files.regular, FaceId::Regular)?,
                Face::parse(files.bold, FaceId::Bold)?,
                Face::parse(files.italic, FaceId::Italic)?,
                Face::parse(files.bold_italic, FaceId::BoldItalic)?,
                Face::parse(files.mono, FaceId::Mono)?,
            ],
        })
    }

    pub(crate) fn face(&self, id: FaceId) -> &Face {
        &self.faces[id as usize]
    }
}

/// Which of the five faces a piece of text is set in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum FaceId {
    Regular = 0,
    Bold = 1,
    Italic = 2,
    BoldItalic = 3,
    Mono = 4,
}

impl FaceId {
    /// The sans face for a combination of bold and italic.
    pub(crate) fn sans(bold: bool, italic: bool) -> FaceId {
        match (bold, italic) {
            (false, false) => FaceId::Regular,
            (true, false) => FaceId::Bold,
            (false, true) => FaceId::Italic,
            (true, true) => FaceId::BoldItalic,
        }
    }

    /// The PDF resource name of the face. Fixed names (printpdf would otherwise
    /// number fonts from a process-wide counter) keep output byte-identical.
    pub(crate) fn resource_name(self) -> &'static str {
        match self {
            FaceId::Regular => "FSans",
            FaceId::Bold => "FSansBold",
            FaceId::Italic => "FSansItalic",
            FaceId::BoldItalic => "FSansBoldItalic",
            FaceId::Mono => "FMono",
        }
    }
}

/// Marks a Basic Multilingual Plane code point that the face has no glyph for.
const NO_GLYPH: u32 = u32::MAX;

/// One parsed face with its advance table.
pub(crate) struct Face {
    pub(crate) parsed: ParsedFont,
    /// PostScript name from the font's `name` table, shown by PDF tools.
    pub(crate) ps_name: String,
    /// Glyph id (high 16 bits) and advance in font units (low 16 bits) of
    /// each BMP code point, `NO_GLYPH` if unmapped.
    bmp: Box<[u32]>,
    units_per_em: f32,
}

impl Face {
    fn parse(bytes: &[u8], id: FaceId) -> Result<Face, String> {
        let mut warnings = Vec::new();
        let mut parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings).ok_or_else(|| {
            format!(
                "the {} font is not a usable TrueType/OpenType font",
                id.resource_name()
            )
        })?;
        if parsed.units_per_em == 0 {
            return Err(format!(
                "the {} font has zero units per em",
                id.resource_name()
            ));
        }
        let ps_name = postscript_name(bytes).unwrap_or_else(|| id.resource_name().to_string());
        // printpdf writes this as /BaseFont; without it the resource name is used.
        parsed.font_name = Some(ps_name.clone());

        let mut bmp = vec![NO_GLYPH; 0x1_0000].into_boxed_slice();
        for (&cp, &gid) in &parsed.codepoint_to_glyph {
            if let (Some(slot), Some(w)) = (bmp.get_mut(cp as usize), parsed.get_glyph_width(gid)) {
                // Glyph 0xFFFF with advance 0xFFFF would read as "no glyph";
                // fonts have at most 0xFFFF glyphs (ids up to 0xFFFE).
                *slot = (u32::from(gid) << 16) | u32::from(w);
            }
        }
        let units_per_em = f32::from(parsed.units_per_em);
        Ok(Face {
            parsed,
            ps_name,
            bmp,
            units_per_em,
        })
    }

    /// Glyph id and advance (font units) of `c`, `None` if the face has no
    /// glyph for it.
    fn glyph(&self, c: char) -> Option<(u16, u16)> {
        match self.bmp.get(c as usize) {
            Some(&NO_GLYPH) => None,
            Some(&packed) => Some(((packed >> 16) as u16, packed as u16)),
            None => {
                let gid = self.parsed.lookup_glyph_index(c as u32)?;
                Some((gid, self.parsed.get_glyph_width(gid)?))
            }
        }
    }

    fn advance_units(&self, c: char) -> Option<u16> {
        self.glyph(c).map(|(_, advance)| advance)
    }

    /// Glyph id to draw `c` with: its own, else `?`'s, else `.notdef`.
    pub(crate) fn glyph_id(&self, c: char) -> u16 {
        self.glyph(c)
            .or_else(|| self.glyph('?'))
            .map_or(0, |(gid, _)| gid)
    }

    pub(crate) fn has_glyph(&self, c: char) -> bool {
        self.advance_units(c).is_some()
    }

    /// Width of `c` at `size` points. Characters without a glyph measure as the
    /// `?` they are replaced with before drawing.
    pub(crate) fn char_width(&self, c: char, size: f32) -> f32 {
        let units = self
            .advance_units(c)
            .or_else(|| self.advance_units('?'))
            .unwrap_or(0);
        f32::from(units) * size / self.units_per_em
    }

    /// Width of `text` at `size` points.
    pub(crate) fn text_width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text
            .chars()
            .map(|c| {
                u32::from(
                    self.advance_units(c)
                        .or_else(|| self.advance_units('?'))
                        .unwrap_or(0),
                )
            })
            .sum();
        units as f32 * size / self.units_per_em
    }
}

/// Reads the PostScript name (name ID 6) from an sfnt `name` table, keeping only
/// the characters a PDF name may carry unescaped.
fn postscript_name(font: &[u8]) -> Option<String> {
    let u16_at = |at: usize| -> Option<u16> {
        Some(u16::from_be_bytes([*font.get(at)?, *font.get(at + 1)?]))
    };
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes([
            *font.get(at)?,
            *font.get(at + 1)?,
            *font.get(at + 2)?,
            *font.get(at + 3)?,
        ]))
    };
    let num_tables = usize::from(u16_at(4)?);
    let name_table = (0..num_tables)
        .map(|i| 12 + 16 * i)
        .find(|&rec| font.get(rec..rec + 4) == Some(b"name".as_slice()))
        .and_then(|rec| u32_at(rec + 8))? as usize;
    let count = usize::from(u16_at(name_table + 2)?);
    let strings = name_table + usize::from(u16_at(name_table + 4)?);
    for i in 0..count {
        let rec = name_table + 6 + 12 * i;
        let (platform, name_id) = (u16_at(rec)?, u16_at(rec + 6)?);
        if name_id != 6 {
            continue;
        }
        let len = usize::from(u16_at(rec + 8)?);
        let start = strings + usize::from(u16_at(rec + 10)?);
        let raw = font.get(start..start + len)?;
        let text: String = match platform {
            // Windows and Unicode platforms store UTF-16BE.
            0 | 3 => char::decode_utf16(
                raw.chunks_exact(2)
                    .map(|pair| u16::from_be_bytes([pair[0], pair[1]])),
            )
            .filter_map(Result::ok)
            .collect(),
            // Macintosh names are single-byte (ASCII for PostScript names).
            _ => raw.iter().map(|&b| char::from(b)).collect(),
        };
        let clean: String = text
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .take(63)
            .collect();
        if !clean.is_empty() {
            return Some(clean);
        }
    }
    None
}
