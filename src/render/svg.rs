//! Charts as inline SVG (SPEC §13.3): each shape of a [`Drawing`] becomes one SVG
//! element, with no script; the chart's title and summary are its accessible name and
//! description. The text equivalent (the chart's table) is the template's to show.

use crate::charts::{rgb, Anchor, Chart, Drawing, Shape};
use crate::markdown::escape_html;
use std::fmt::Write;

/// A chart as `chart.html` is given it: the drawing as inline SVG, its summary, and
/// its numbers as a table (the text equivalent).
pub fn context(chart: &Chart) -> serde_json::Value {
    serde_json::json!({"id": chart.id, "title": chart.title, "summary": chart.summary,
                       "svg": svg(chart), "head": chart.table.head, "rows": chart.table.rows})
}

/// The chart as an `<svg>` element that scales to its container's width.
pub fn svg(chart: &Chart) -> String {
    let d = &chart.drawing;
    let mut out = String::with_capacity(256 + d.shapes.len() * 96);
    let id = chart.id;
    let _ = write!(
        out,
        r#"<svg class="chart-svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="chart-{id}-title chart-{id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="chart-{id}-title">{t}</title><desc id="chart-{id}-desc">{s}</desc>"#,
        w = num(d.width),
        h = num(d.height),
        t = escape_html(&chart.title),
        s = escape_html(&chart.summary),
    );
    shapes(&mut out, d);
    out.push_str("</svg>");
    out
}

/// A sparkline (SPEC §14.9): a small drawing hidden from assistive technology, since
/// the text beside it gives the same figures.
pub fn sparkline(d: &Drawing) -> String {
    let mut out = format!(
        r#"<svg class="sparkline" viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">"#,
        w = num(d.width),
        h = num(d.height),
    );
    shapes(&mut out, d);
    out.push_str("</svg>");
    out
}

// Long: one arm per kind of shape, each one SVG element; apart, they would only
// hide that every kind is handled.
/// Each shape of a drawing as one SVG element.
fn shapes(out: &mut String, d: &Drawing) {
    for shape in &d.shapes {
        match shape {
            Shape::Rect { x, y, w, h, tone } => {
                let _ = write!(
                    out,
                    r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}" class="c-{tone}"/>"#,
                    num(*x),
                    num(*y),
                    num(*w),
                    num(*h),
                    hex(tone)
                );
            }
            Shape::Line {
                x1,
                y1,
                x2,
                y2,
                tone,
                width,
                dashed,
            } => {
                let _ = write!(
                    out,
                    r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}"{}/>"#,
                    num(*x1),
                    num(*y1),
                    num(*x2),
                    num(*y2),
                    hex(tone),
                    num(*width),
                    if *dashed {
                        r#" stroke-dasharray="4 3""#
                    } else {
                        ""
                    }
                );
            }
            Shape::Circle {
                cx,
                cy,
                r,
                tone,
                filled,
            } => {
                let fill = if *filled { hex(tone) } else { "#ffffff".into() };
                let _ = write!(
                    out,
                    r#"<circle cx="{}" cy="{}" r="{}" fill="{fill}" stroke="{}" stroke-width="1.5"/>"#,
                    num(*cx),
                    num(*cy),
                    num(*r),
                    hex(tone)
                );
            }
            Shape::Text {
                x,
                y,
                text,
                size,
                anchor,
                bold,
                tone,
            } => {
                let anchor = match anchor {
                    Anchor::Start => "start",
                    Anchor::Middle => "middle",
                    Anchor::End => "end",
                };
                let _ = write!(
                    out,
                    r#"<text x="{}" y="{}" font-size="{}" text-anchor="{anchor}" fill="{}"{}>{}</text>"#,
                    num(*x),
                    num(*y),
                    num(*size),
                    hex(tone),
                    if *bold { r#" font-weight="bold""# } else { "" },
                    escape_html(text)
                );
            }
        }
    }
}

fn hex(tone: &str) -> String {
    let (r, g, b) = rgb(tone);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// A coordinate with at most one decimal, so output is short and deterministic.
fn num(v: f32) -> String {
    let tenths = (v * 10.0).round() as i64;
    if tenths % 10 == 0 {
        (tenths / 10).to_string()
    } else {
        format!("{}.{}", tenths / 10, (tenths % 10).abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::Table;

    #[test]
    fn text_is_escaped_and_numbers_are_short() {
        let chart = Chart {
            id: "t",
            title: "A <b> & \"c\"".into(),
            summary: "s".into(),
            table: Table::default(),
            drawing: Drawing {
                width: 400.0,
                height: 20.25,
                shapes: vec![Shape::Text {
                    x: 1.26,
                    y: 2.0,
                    text: "<script>".into(),
                    size: 11.0,
                    anchor: Anchor::End,
                    bold: true,
                    tone: "ink",
                }],
            },
        };
        let s = svg(&chart);
        assert!(s.contains("A &lt;b&gt; &amp; &quot;c&quot;"));
        assert!(s.contains("&lt;script&gt;"));
        assert!(!s.contains("<script>"));
        assert!(s.contains(r#"viewBox="0 0 400 20.3""#));
        assert!(s.contains(r#"x="1.3""#));
    }
}
