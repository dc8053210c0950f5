//! List markers: the gutter they need, bullets, numbers, letters and roman numerals.

use crate::render::pdf::layout::fonts::{FaceId, Fonts};

/// Bullets alternate by nesting depth (1-based), falling back to `•` or `-`
/// when the face lacks a glyph.
pub(super) fn bullet_marker(fonts: &Fonts, depth: usize) -> char {
    let wanted = ['\u{2022}', '\u{25E6}', '\u{25AA}'][(depth.max(1) - 1) % 3];
    let face = fonts.face(FaceId::Regular);
    [wanted, '\u{2022}', '-']
        .into_iter()
        .find(|&c| face.has_glyph(c))
        .unwrap_or('-')
}

/// Numbers by ordered-list depth: 1. → a. → i. → 1. …
pub(super) fn number_marker(n: u64, depth: usize) -> String {
    match (depth.max(1) - 1) % 3 {
        1 if n >= 1 => format!("{}.", alphabetic(n)),
        2 if (1..4000).contains(&n) => format!("{}.", roman(n)),
        _ => format!("{n}."),
    }
}

/// 1 → a, 26 → z, 27 → aa (bijective base 26).
pub(crate) fn alphabetic(mut n: u64) -> String {
    let mut letters = Vec::new();
    while n > 0 {
        n -= 1;
        letters.push(b'a' + (n % 26) as u8);
        n /= 26;
    }
    letters.iter().rev().map(|&b| char::from(b)).collect()
}

pub(crate) fn roman(mut n: u64) -> String {
    const NUMERALS: [(u64, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for (value, numeral) in NUMERALS {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}
