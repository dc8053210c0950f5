//! Vector drawings (the packs' charts): rectangles, lines, circles and text in a
//! drawing's own units, y downwards, scaled as a whole to the width they are given
//! and turned into page [`Draw`]s. A drawing is never split across pages, and it
//! carries an alternative text (its title and summary) for readers who cannot see it.

use super::fonts::{FaceId, Fonts};
use super::page::{Draw, BODY_H};
use super::text::{Rgb, Style};

/// Shapes in a box `width` × `height` (the drawing's own units).
#[derive(Clone, Debug, PartialEq)]
pub struct Drawing {
    pub width: f32,
    pub height: f32,
    pub shapes: Vec<Shape>,
    /// What the drawing shows, in words (a figure's alternative text).
    pub alt: String,
}

/// Where a text's `x` is: its start, middle or end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextAnchor {
    Start,
    Middle,
    End,
}

/// One shape; colours are sRGB.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: (u8, u8, u8),
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: (u8, u8, u8),
        dashed: bool,
    },
    /// A circle, filled with its colour or hollow (white inside).
    Circle {
        cx: f32,
        cy: f32,
        r: f32,
        color: (u8, u8, u8),
        filled: bool,
    },
    /// Text with its baseline at `y`.
    Text {
        x: f32,
        y: f32,
        text: String,
        size: f32,
        bold: bool,
        anchor: TextAnchor,
        color: (u8, u8, u8),
    },
}

/// The scale that fits `d` into `width` points (and most of a page's height), at
/// most one point per unit: drawings are made with text sizes of body text, and
/// enlarged they would shout over the headings.
pub(crate) fn scale(d: &Drawing, width: f32) -> f32 {
    if d.width <= 0.0 || d.height <= 0.0 {
        return 0.0;
    }
    (width / d.width)
        .min(BODY_H * 0.85 / d.height)
        .clamp(0.0, 1.0)
}

fn rgb(c: (u8, u8, u8)) -> Rgb {
    Rgb(c.0, c.1, c.2)
}

/// The page draws of `d` with its top-left corner at (`x`, `top`), at `scale`.
// Long: one arm per kind of shape, each scaling its fields one by one; kept
// together so the arms can be read against each other.
pub(crate) fn draws(fonts: &Fonts, d: &Drawing, x: f32, top: f32, scale: f32) -> Vec<Draw> {
    let px = |v: f32| x + v * scale;
    let py = |v: f32| top + v * scale;
    d.shapes
        .iter()
        .map(|shape| match *shape {
            Shape::Rect {
                x: rx,
                y,
                w,
                h,
                color,
            } => Draw::Fill {
                x: px(rx),
                y: py(y),
                w: w * scale,
                h: h * scale,
                color: rgb(color),
            },
            Shape::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                color,
                dashed,
            } if dashed => Draw::Dashed {
                x1: px(x1),
                y1: py(y1),
                x2: px(x2),
                y2: py(y2),
                width: width * scale,
                color: rgb(color),
                dash: (4.0 * scale, 3.0 * scale),
            },
            Shape::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                color,
                ..
            } => Draw::Line {
                x1: px(x1),
                y1: py(y1),
                x2: px(x2),
                y2: py(y2),
                width: width * scale,
                color: rgb(color),
                dotted: false,
            },
            Shape::Circle {
                cx,
                cy,
                r,
                color,
                filled,
            } => Draw::Circle {
                cx: px(cx),
                cy: py(cy),
                r: r * scale,
                stroke: rgb(color),
                fill: if filled {
                    rgb(color)
                } else {
                    Rgb(0xff, 0xff, 0xff)
                },
                width: 1.5 * scale,
            },
            Shape::Text {
                x: tx,
                y,
                ref text,
                size,
                bold,
                anchor,
                color,
            } => text_draw(
                fonts,
                text,
                (px(tx), py(y)),
                size * scale,
                bold,
                anchor,
                color,
            ),
        })
        .collect()
}

/// A drawing's text at (`x`, `y`), anchored there; characters the face lacks are
/// drawn as `?`, as in body text.
fn text_draw(
    fonts: &Fonts,
    text: &str,
    (x, y): (f32, f32),
    size: f32,
    bold: bool,
    anchor: TextAnchor,
    color: (u8, u8, u8),
) -> Draw {
    let face = if bold { FaceId::Bold } else { FaceId::Regular };
    let f = fonts.face(face);
    let text: String = text
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if f.has_glyph(c) { c } else { '?' })
        .collect();
    let w = f.text_width(&text, size);
    let start = match anchor {
        TextAnchor::Start => x,
        TextAnchor::Middle => x - w / 2.0,
        TextAnchor::End => x - w,
    };
    Draw::Text {
        x: start,
        y,
        style: Style::new(face, size, rgb(color)),
        text,
    }
}
