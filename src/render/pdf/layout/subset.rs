//! Font subsetting for embedding: TrueType fonts reduced to the glyphs a
//! document uses.
//!
//! Without its `text_layout` feature (which would pull in a whole layout engine)
//! printpdf embeds complete font files: four faces of Liberation Sans are 1.6 MB
//! that every PDF would carry and that take most of the writing time to
//! compress. This subsetter keeps every glyph id where it was and only empties
//! the outlines of glyphs that are not used (plus the components of composite
//! glyphs that are), and drops the tables a PDF viewer never reads (OpenType
//! layout, kerning, glyph names). Glyph ids, advance widths and the cmap stay
//! valid, so the content streams, `/W` widths and `/ToUnicode` printpdf writes
//! from the original font still match. Anything but a well-formed `glyf` font
//! returns `None`, and the caller embeds the whole font instead.

use std::collections::BTreeSet;

/// Tables copied unchanged (besides `glyf`, `loca`, `head` and `post`, which
/// are rewritten).
const KEEP: [&[u8; 4]; 9] = [
    b"OS/2", b"cmap", b"cvt ", b"fpgm", b"hhea", b"hmtx", b"maxp", b"name", b"prep",
];

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*data.get(at)?, *data.get(at + 1)?]))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// The font file with only the outlines of `glyphs` (and glyph 0) kept.
pub(crate) fn subset_truetype(font: &[u8], glyphs: &BTreeSet<u16>) -> Option<Vec<u8>> {
    if u32_at(font, 0)? != 0x0001_0000 {
        return None; // CFF (OTTO) or a collection: leave it whole
    }
    let tables = table_directory(font)?;
    let table = |tag: &[u8; 4]| tables.iter().find(|(t, _)| t == tag).map(|(_, d)| *d);
    let head = table(b"head")?;
    let glyf = table(b"glyf")?;
    let loca = table(b"loca")?;
    let num_glyphs = usize::from(u16_at(table(b"maxp")?, 4)?);
    let long_loca = u16_at(head, 50)? == 1;
    let offset_of = |gid: usize| -> Option<usize> {
        if long_loca {
            u32_at(loca, gid * 4).map(|o| o as usize)
        } else {
            u16_at(loca, gid * 2).map(|o| usize::from(o) * 2)
        }
    };
    let outline = |gid: usize| -> Option<&[u8]> {
        let (start, end) = (offset_of(gid)?, offset_of(gid + 1)?);
        glyf.get(start..end.max(start))
    };

    let keep = kept_glyphs(&outline, glyphs, num_glyphs)?;

    // New glyf (kept outlines, 4-byte aligned) and long-format loca.
    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::with_capacity((num_glyphs + 1) * 4);
    for (gid, &kept) in keep.iter().enumerate() {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        if kept {
            new_glyf.extend_from_slice(outline(gid)?);
            while new_glyf.len() % 4 != 0 {
                new_glyf.push(0);
            }
        }
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());

    let mut new_head = head.to_vec();
    new_head.get_mut(8..12)?.copy_from_slice(&[0; 4]); // checkSumAdjustment, set below
    new_head
        .get_mut(50..52)?
        .copy_from_slice(&1u16.to_be_bytes()); // long loca

    // `post` version 3: the metrics without the (large) glyph name table.
    let new_post = table(b"post").and_then(|post| {
        let mut p = post.get(..32)?.to_vec();
        p[0..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
        p[16..32].copy_from_slice(&[0; 16]);
        Some(p)
    });

    let mut out_tables: Vec<([u8; 4], Vec<u8>)> = vec![
        (*b"glyf", new_glyf),
        (*b"head", new_head),
        (*b"loca", new_loca),
    ];
    if let Some(post) = new_post {
        out_tables.push((*b"post", post));
    }
    for tag in KEEP {
        if let Some(data) = table(tag) {
            out_tables.push((*tag, data.to_vec()));
        }
    }
    out_tables.sort_by_key(|table| table.0);
    Some(assemble(out_tables))
}

/// The font's tables: (tag, data) from its table directory.
fn table_directory(font: &[u8]) -> Option<Vec<([u8; 4], &[u8])>> {
    let num_tables = usize::from(u16_at(font, 4)?);
    let mut tables: Vec<([u8; 4], &[u8])> = Vec::with_capacity(num_tables);
    for i in 0..num_tables {
        let record = 12 + 16 * i;
        let tag: [u8; 4] = font.get(record..record + 4)?.try_into().ok()?;
        let offset = u32_at(font, record + 8)? as usize;
        let length = u32_at(font, record + 12)? as usize;
        tables.push((tag, font.get(offset..offset.checked_add(length)?)?));
    }
    Some(tables)
}

/// Which glyphs to keep: those asked for, glyph 0, and the components of
/// composite glyphs kept.
fn kept_glyphs<'f>(
    outline: &impl Fn(usize) -> Option<&'f [u8]>,
    glyphs: &BTreeSet<u16>,
    num_glyphs: usize,
) -> Option<Vec<bool>> {
    let mut keep = vec![false; num_glyphs];
    let mut work: Vec<usize> = std::iter::once(0)
        .chain(glyphs.iter().map(|&g| usize::from(g)))
        .filter(|&g| g < num_glyphs)
        .collect();
    while let Some(gid) = work.pop() {
        if std::mem::replace(&mut keep[gid], true) {
            continue;
        }
        let data = outline(gid)?;
        if data.len() >= 10 && (u16_at(data, 0)? as i16) < 0 {
            work.extend(
                components(data)?
                    .into_iter()
                    .filter(|&c| c < num_glyphs && !keep[c]),
            );
        }
    }
    Some(keep)
}

/// Component glyph ids of a composite glyph.
fn components(glyph: &[u8]) -> Option<Vec<usize>> {
    const ARGS_ARE_WORDS: u16 = 0x0001;
    const HAVE_SCALE: u16 = 0x0008;
    const MORE_COMPONENTS: u16 = 0x0020;
    const HAVE_XY_SCALE: u16 = 0x0040;
    const HAVE_TWO_BY_TWO: u16 = 0x0080;
    let mut out = Vec::new();
    let mut at = 10;
    loop {
        let flags = u16_at(glyph, at)?;
        out.push(usize::from(u16_at(glyph, at + 2)?));
        at += 4 + if flags & ARGS_ARE_WORDS != 0 { 4 } else { 2 };
        at += if flags & HAVE_SCALE != 0 {
            2
        } else if flags & HAVE_XY_SCALE != 0 {
            4
        } else if flags & HAVE_TWO_BY_TWO != 0 {
            8
        } else {
            0
        };
        if flags & MORE_COMPONENTS == 0 {
            return Some(out);
        }
    }
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// Writes an sfnt file from tables sorted by tag, with correct checksums.
fn assemble(tables: Vec<([u8; 4], Vec<u8>)>) -> Vec<u8> {
    let count = tables.len() as u16;
    let mut power = 1u16;
    let mut log = 0u16;
    while power * 2 <= count {
        power *= 2;
        log += 1;
    }
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(&(power * 16).to_be_bytes());
    out.extend_from_slice(&log.to_be_bytes());
    out.extend_from_slice(&(count * 16 - power * 16).to_be_bytes());
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in &tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        if tag == b"head" {
            head_at = Some(offset);
        }
        offset += data.len().div_ceil(4) * 4;
    }
    for (_, data) in &tables {
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(4) * 4, 0);
    }
    if let Some(head) = head_at {
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[head + 8..head + 12].copy_from_slice(&adjustment.to_be_bytes());
    }
    out
}
