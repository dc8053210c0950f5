//! The charts (SPEC §13.3): readiness, actions by RAG, evidence by state,
//! recommendations by status for each source review, and a timeline strip with the
//! readiness date marked — drawn once, here, from the analysis.
//!
//! A [`Chart`] is a title, a one-sentence summary, a table of its numbers (the text
//! equivalent) and a [`Drawing`]: rectangles, lines, circles and text in abstract units,
//! y downwards. The site writes the drawing as inline SVG and the packs as PDF vector
//! graphics, each a plain mapping of shapes, so both show the same chart with the same
//! numbers; neither works a figure out again.

use crate::analysis::{Analysis, EvidenceState, IndicatorFacts, Readiness};
use crate::date::Date;
use crate::model::schema::{RecordType, RAGS};
use crate::model::{Record, Site};
use crate::present::{label, tone};
use serde::Serialize;

/// Width of every drawing, in its own units. Narrow enough that text stays legible
/// when a phone scales the drawing to its width: on a 390 px screen a drawing is about
/// 358 px wide, so a unit is a little over a pixel and labels are near 12 px.
pub const WIDTH: f32 = 340.0;

/// Text sizes in drawing units.
const TEXT: f32 = 11.0;
const SMALL: f32 = 9.5;
/// Height of one bar.
const BAR: f32 = 16.0;
/// Where bars start in a chart with a label column.
const LABEL_COLUMN: f32 = 118.0;

/// One chart, with its text equivalent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Chart {
    /// A stable name ("readiness", "actions-by-rag", …) for anchors and tests.
    pub id: &'static str,
    pub title: String,
    /// What the chart shows, in one or two sentences with the numbers.
    pub summary: String,
    /// The numbers in full: a header row and data rows.
    pub table: Table,
    pub drawing: Drawing,
}

/// A chart's numbers as a table.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Table {
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Shapes in a box `width` × `height`, y downwards.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Drawing {
    pub width: f32,
    pub height: f32,
    pub shapes: Vec<Shape>,
}

/// Where a text's `x` is: its start, middle or end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// One thing drawn. `tone` is a colour name of [`crate::present::tone`] ("green",
/// "red", …), or "ink" (text colour), "muted" (secondary text, axes) or "track" (the
/// light background of a bar).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "shape", rename_all = "lowercase")]
pub enum Shape {
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        tone: &'static str,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        tone: &'static str,
        width: f32,
        dashed: bool,
    },
    Circle {
        cx: f32,
        cy: f32,
        r: f32,
        tone: &'static str,
        filled: bool,
    },
    Text {
        x: f32,
        y: f32,
        text: String,
        size: f32,
        anchor: Anchor,
        bold: bool,
        tone: &'static str,
    },
}

/// The colour of a tone in a drawing, as RGB: the site's palette, with fills dark
/// enough to hold white text (amber holds ink) and to stand 3:1 against white.
pub fn rgb(tone: &str) -> (u8, u8, u8) {
    match tone {
        "red" => (0x9b, 0x1c, 0x13),
        "amber" => (0xc2, 0x80, 0x00),
        "green" => (0x0d, 0x5a, 0x32),
        "blue" => (0x0f, 0x4a, 0x88),
        "purple" => (0x4a, 0x2c, 0x7c),
        "teal" => (0x00, 0x5e, 0x66),
        "grey" => (0x5f, 0x6b, 0x76),
        "track" => (0xe9, 0xec, 0xef),
        "muted" => (0x51, 0x5a, 0x63),
        "white" => (0xff, 0xff, 0xff),
        _ => (0x1c, 0x21, 0x27),
    }
}

/// A labelled count drawn as one bar or one segment.
struct Part {
    label: String,
    value: usize,
    tone: &'static str,
}

/// The dashboard's charts, in the order they are shown (the pack summary draws the
/// same ones).
pub fn dashboard(site: &Site, a: &Analysis) -> Vec<Chart> {
    let mut charts = vec![readiness(site, a), actions_by_rag(a), evidence_by_state(a)];
    if let Some(c) = recommendations_by_review(site) {
        charts.push(c);
    }
    if let Some(c) = timeline_strip(site, a) {
        charts.push(c);
    }
    charts
}

/// Readiness as one bar of three parts (SPEC §14.3): met and evidenced; evidenced,
/// not yet met; not evidenced.
pub fn readiness(_site: &Site, a: &Analysis) -> Chart {
    let r = a.readiness;
    let parts: Vec<Part> = crate::present::readiness_bar(&r)
        .into_iter()
        .map(|(label, value, tone)| Part {
            label: label.into(),
            value,
            tone,
        })
        .collect();
    let summary = if r.counted == 0 {
        "There are no recommendations to count yet.".to_string()
    } else {
        format!(
            "{}; {} not evidenced.",
            crate::present::readiness_sentence(&r),
            r.counted - r.evidenced
        )
    };
    Chart {
        id: "readiness",
        title: "Readiness".into(),
        summary,
        table: count_table("Recommendations", "Number", &parts),
        drawing: stacked(&parts, r.counted),
    }
}

/// Actions by effective RAG rating, one bar each (every rating, so a zero shows).
pub fn actions_by_rag(a: &Analysis) -> Chart {
    let counts = a.by_rag();
    let parts: Vec<Part> = RAGS
        .iter()
        .map(|r| Part {
            label: label(r),
            value: counts.iter().find(|(c, _)| c == r).map_or(0, |(_, n)| *n),
            tone: tone(r),
        })
        .collect();
    let total: usize = parts.iter().map(|p| p.value).sum();
    Chart {
        id: "actions-by-rag",
        title: "Actions by RAG rating".into(),
        summary: format!("{} rated: {}.", plural(total, "action"), list(&parts)),
        table: count_table("RAG rating", "Actions", &parts),
        drawing: bars(&parts),
    }
}

/// Evidence by state, one bar each in order of precedence (every state, so that "no
/// changed evidence" shows as a zero).
pub fn evidence_by_state(a: &Analysis) -> Chart {
    let counts = a.by_state();
    let parts: Vec<Part> = EvidenceState::ALL
        .iter()
        .map(|s| Part {
            label: label(s.name()),
            value: counts.iter().find(|(c, _)| c == s).map_or(0, |(_, n)| *n),
            tone: tone(s.name()),
        })
        .collect();
    let total: usize = parts.iter().map(|p| p.value).sum();
    Chart {
        id: "evidence-by-state",
        title: "Evidence by state".into(),
        summary: format!("{}: {}.", plural(total, "evidence record"), list(&parts)),
        table: count_table("State", "Evidence records", &parts),
        drawing: bars(&parts),
    }
}

/// Recommendations by status for each source review (reviews in date order), one
/// stacked bar each; `None` when there are no recommendations.
pub fn recommendations_by_review(site: &Site) -> Option<Chart> {
    let statuses = RecordType::Recommendation.statuses();
    let reviews = source_reviews(site);
    if reviews.is_empty() {
        return None;
    }
    let mut table = Table {
        head: std::iter::once("Source review".to_string())
            .chain(statuses.iter().map(|s| label(s)))
            .chain(std::iter::once("Total".to_string()))
            .collect(),
        rows: Vec::new(),
    };
    let mut shapes = Vec::new();
    let mut y = 0.0;
    let widest = reviews
        .iter()
        .map(|s| {
            site.of_type(RecordType::Recommendation)
                .filter(|(_, r)| r.targets("source").next() == *s)
                .count()
        })
        .max()
        .unwrap_or(1)
        .max(1);
    let mut summary = Vec::new();
    for source in &reviews {
        let recs: Vec<&str> = site
            .of_type(RecordType::Recommendation)
            .filter(|(_, r)| r.targets("source").next() == *source)
            .map(|(_, r)| r.status)
            .collect();
        let parts: Vec<Part> = statuses
            .iter()
            .map(|s| Part {
                label: label(s),
                value: recs.iter().filter(|r| *r == s).count(),
                tone: tone(s),
            })
            .collect();
        let name = match source {
            Some(i) => site.records[*i].title.clone(),
            None => "No source review".to_string(),
        };
        let mut row = vec![name.clone()];
        row.extend(parts.iter().map(|p| p.value.to_string()));
        row.push(recs.len().to_string());
        table.rows.push(row);
        summary.push(format!("{name}: {}", list_nonzero(&parts)));
        let scale = (WIDTH - 40.0) / widest as f32;
        y = labelled_bar(&mut shapes, y, (&name, &parts, recs.len()), scale);
    }
    // A legend of the statuses that occur, so colour is never the only key.
    let used: Vec<&str> = statuses
        .iter()
        .copied()
        .filter(|s| {
            site.of_type(RecordType::Recommendation)
                .any(|(_, r)| r.status == *s)
        })
        .collect();
    y += legend(&mut shapes, y, &used);
    Some(Chart {
        id: "recommendations-by-review",
        title: "Recommendations by status, for each source review".into(),
        summary: format!("{}.", summary.join("; ")),
        table,
        drawing: Drawing {
            width: WIDTH,
            height: y,
            shapes,
        },
    })
}

/// Timeline events as dots on a strip of years, with the readiness date marked; events
/// after it are hollow. `None` when no event has a date.
pub fn timeline_strip(site: &Site, a: &Analysis) -> Option<Chart> {
    let as_of = a.as_of?;
    let dates: Vec<Date> = site
        .of_type(RecordType::Event)
        .filter_map(|(_, r)| r.date.map(|d| d.first_day()))
        .collect();
    let first = dates.iter().min()?.year.min(as_of.year);
    let last = dates.iter().max()?.year.max(as_of.year);
    let start = Date::new(first, 1, 1)?.days();
    let end = Date::new(last + 1, 1, 1)?.days();
    let span = (end - start).max(1) as f32;
    let (left, right) = (6.0, WIDTH - 6.0);
    let x_of = |d: Date| left + (d.days() - start) as f32 / span * (right - left);

    let mut shapes = Vec::new();
    let axis = 34.0;
    shapes.push(Shape::Line {
        x1: left,
        y1: axis,
        x2: right,
        y2: axis,
        tone: "muted",
        width: 1.0,
        dashed: false,
    });
    year_ticks(&mut shapes, (first, last), axis, right - left, x_of)?;
    let mut sorted = dates.clone();
    sorted.sort();
    let (mut before, mut after) = (0, 0);
    for d in &sorted {
        let known = *d <= as_of;
        if known {
            before += 1;
        } else {
            after += 1;
        }
        shapes.push(Shape::Circle {
            cx: x_of(*d),
            cy: axis,
            r: 4.0,
            tone: if known { "blue" } else { "muted" },
            filled: known,
        });
    }
    readiness_marker(&mut shapes, x_of(as_of), axis, as_of);
    let table = events_by_year(&sorted, (first, last), as_of);
    Some(Chart {
        id: "timeline",
        title: "Timeline".into(),
        summary: format!(
            "{} from {first} to {last}: {before} {}, {}, and {after} after it.",
            plural(sorted.len(), "event"),
            crate::present::UP_TO_AS_OF,
            as_of.long()
        ),
        table,
        drawing: Drawing {
            width: WIDTH,
            height: axis + 22.0,
            shapes,
        },
    })
}

/// The source reviews of the recommendations, each once, in date order; a review with
/// no date after the dated ones, and `None` (no source review) last.
fn source_reviews(site: &Site) -> Vec<Option<usize>> {
    let mut reviews: Vec<Option<usize>> = Vec::new();
    for (_, r) in site.of_type(RecordType::Recommendation) {
        let source = r.targets("source").next();
        if !reviews.contains(&source) {
            reviews.push(source);
        }
    }
    let date_of = |s: &Option<usize>| s.and_then(|i| site.records[i].date.map(|d| d.first_day()));
    reviews.sort_by_key(|s| (s.is_none(), date_of(s), *s));
    reviews
}

/// One review's row of the chart from height `y`: its name, then a stacked bar of
/// `parts` at `scale` units a recommendation, each part counted inside when it is wide
/// enough, and the review's `total` after the bar (every recommendation, whatever its
/// status). Returns the height the next row starts at.
fn labelled_bar(
    shapes: &mut Vec<Shape>,
    mut y: f32,
    (name, parts, total): (&str, &[Part], usize),
    scale: f32,
) -> f32 {
    shapes.push(text(
        0.0,
        y + TEXT,
        fit(name, WIDTH, TEXT),
        TEXT,
        Anchor::Start,
        false,
        "ink",
    ));
    y += TEXT + 4.0;
    let mut x = 0.0;
    for p in parts.iter().filter(|p| p.value > 0) {
        let w = p.value as f32 * scale;
        shapes.push(Shape::Rect {
            x,
            y,
            w,
            h: BAR,
            tone: p.tone,
        });
        if w >= 14.0 {
            shapes.push(text(
                x + w / 2.0,
                y + BAR - 4.5,
                p.value.to_string(),
                SMALL,
                Anchor::Middle,
                true,
                on(p.tone),
            ));
        }
        x += w;
    }
    shapes.push(text(
        x + 4.0,
        y + BAR - 4.5,
        total.to_string(),
        SMALL,
        Anchor::Start,
        false,
        "muted",
    ));
    y + BAR + 10.0
}

/// The timeline's year ticks on the axis at height `axis`, one a year from `first` to
/// `last` and one closing the last year, with a year label for as many as fit in
/// `width` without crowding. `None` when a year has no 1 January (out of range).
fn year_ticks(
    shapes: &mut Vec<Shape>,
    (first, last): (i32, i32),
    axis: f32,
    width: f32,
    x_of: impl Fn(Date) -> f32,
) -> Option<()> {
    let years = last - first + 1;
    let every = ((years as f32 * 30.0 / width).ceil() as i32).max(1);
    for y in first..=last + 1 {
        let x = x_of(Date::new(y, 1, 1)?);
        shapes.push(Shape::Line {
            x1: x,
            y1: axis - 3.0,
            x2: x,
            y2: axis + 3.0,
            tone: "muted",
            width: 1.0,
            dashed: false,
        });
        if y <= last && (y - first) % every == 0 {
            // The label sits mid-year, between its two ticks.
            let mid = x_of(Date::new(y, 7, 1)?);
            shapes.push(text(
                mid,
                axis + 15.0,
                y.to_string(),
                SMALL,
                Anchor::Middle,
                false,
                "muted",
            ));
        }
    }
    Some(())
}

/// The readiness date on the timeline: a dashed red line at `mx` through the axis,
/// labelled above; near an end the label is anchored inwards so it stays on the strip.
fn readiness_marker(shapes: &mut Vec<Shape>, mx: f32, axis: f32, as_of: Date) {
    shapes.push(Shape::Line {
        x1: mx,
        y1: 12.0,
        x2: mx,
        y2: axis + 6.0,
        tone: "red",
        width: 1.5,
        dashed: true,
    });
    let anchor = if mx > WIDTH * 0.7 {
        Anchor::End
    } else if mx < WIDTH * 0.3 {
        Anchor::Start
    } else {
        Anchor::Middle
    };
    shapes.push(text(
        mx,
        9.0,
        format!("Readiness date {}", as_of.long()),
        SMALL,
        anchor,
        true,
        "red",
    ));
}

/// The timeline's table: for each year with events, how many fall up to the
/// readiness date and how many after it.
fn events_by_year(sorted: &[Date], (first, last): (i32, i32), as_of: Date) -> Table {
    let mut table = Table {
        head: vec![
            "Year".into(),
            format!("Events {}", crate::present::UP_TO_AS_OF),
            "Events after it".into(),
        ],
        rows: Vec::new(),
    };
    for y in first..=last {
        let (b, f) = sorted
            .iter()
            .filter(|d| d.year == y)
            .fold(
                (0, 0),
                |(b, f), d| if *d <= as_of { (b + 1, f) } else { (b, f + 1) },
            );
        if b + f > 0 {
            table
                .rows
                .push(vec![y.to_string(), b.to_string(), f.to_string()]);
        }
    }
    table
}

/// Readiness at each baseline and now, as a chart (SPEC §13.5): with one baseline,
/// "then and now" says it all, so only with several.
pub fn changes_history(c: &crate::changes::Changes) -> Option<Chart> {
    let points: Vec<_> = c.history.iter().map(|p| (p.as_of, p.readiness)).collect();
    (points.len() > 2).then(|| readiness_over_time(&points))
}

// Long: one bar per date with its label, table row and sentence, side by side.
/// Readiness at each baseline's readiness date and now, one bar per date, oldest
/// first (SPEC §13.5). `points` are (date, readiness) pairs.
pub fn readiness_over_time(points: &[(Date, Readiness)]) -> Chart {
    let mut shapes = Vec::new();
    let mut table = Table {
        head: vec![
            "Readiness date".into(),
            "Met and evidenced".into(),
            "Evidenced".into(),
            "Counted".into(),
            "Per cent".into(),
        ],
        rows: Vec::new(),
    };
    let mut y = 0.0;
    let mut said = Vec::new();
    for (date, r) in points {
        let share = r.evidenced as f32 / r.counted.max(1) as f32;
        let met_share = r.met_evidenced as f32 / r.counted.max(1) as f32;
        let w = WIDTH - LABEL_COLUMN - 70.0;
        shapes.push(text(
            LABEL_COLUMN - 6.0,
            y + BAR - 4.0,
            date.long(),
            TEXT,
            Anchor::End,
            false,
            "ink",
        ));
        shapes.push(Shape::Rect {
            x: LABEL_COLUMN,
            y,
            w,
            h: BAR,
            tone: "track",
        });
        shapes.push(Shape::Rect {
            x: LABEL_COLUMN,
            y,
            w: w * share,
            h: BAR,
            tone: tone("evidenced"),
        });
        shapes.push(Shape::Rect {
            x: LABEL_COLUMN,
            y,
            w: w * met_share,
            h: BAR,
            tone: tone("met"),
        });
        shapes.push(text(
            LABEL_COLUMN + w + 6.0,
            y + BAR - 4.0,
            format!("{}, {} of {}", r.met_evidenced, r.evidenced, r.counted),
            TEXT,
            Anchor::Start,
            false,
            "ink",
        ));
        y += BAR + 8.0;
        table.rows.push(vec![
            date.long(),
            r.met_evidenced.to_string(),
            r.evidenced.to_string(),
            r.counted.to_string(),
            r.percent_text(),
        ]);
        said.push(format!(
            "{}: {}",
            date.long(),
            crate::present::readiness_sentence(r)
        ));
    }
    Chart {
        id: "readiness-over-time",
        title: "Readiness over time".into(),
        summary: format!("Readiness at each date — {}.", said.join(" | ")),
        table,
        drawing: Drawing {
            width: WIDTH,
            height: (y - 8.0).max(BAR),
            shapes,
        },
    }
}

/// Where an indicator's figures go on a chart: x by each period's last day, y by
/// value, with the target kept in view. Returns (x, y) for each figure in series order
/// and the target's y, inside a box `left..right` × `top..bottom`.
struct Plot {
    points: Vec<(f32, f32)>,
    target: Option<f32>,
    low: f64,
    high: f64,
}

fn plot(rec: &Record, f: &IndicatorFacts, left: f32, right: f32, top: f32, bottom: f32) -> Plot {
    let values: Vec<f64> = f.series.iter().map(|&v| rec.values[v].value).collect();
    let mut low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let mut high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if let Some(t) = rec.target {
        low = low.min(t);
        high = high.max(t);
    }
    if !low.is_finite() {
        (low, high) = (0.0, 1.0);
    }
    if (high - low).abs() < 1e-9 {
        (low, high) = (low - 1.0, high + 1.0);
    }
    let days: Vec<i64> = f
        .series
        .iter()
        .map(|&v| rec.values[v].period.last_day().days())
        .collect();
    let (first, last) = (
        days.first().copied().unwrap_or(0),
        days.last().copied().unwrap_or(0),
    );
    let x = |d: i64| {
        if last == first {
            (left + right) / 2.0
        } else {
            left + (right - left) * (d - first) as f32 / (last - first) as f32
        }
    };
    let y = |v: f64| bottom - (bottom - top) * ((v - low) / (high - low)) as f32;
    Plot {
        points: days
            .iter()
            .zip(&values)
            .map(|(&d, &v)| (x(d), y(v)))
            .collect(),
        target: rec.target.map(y),
        low,
        high,
    }
}

/// The line of an indicator's figures and its target (dashed): the series in ink, the
/// latest point in its on- or off-target colour.
fn series_shapes(
    p: &Plot,
    latest_tone: &'static str,
    left: f32,
    right: f32,
    r: f32,
    width: f32,
) -> Vec<Shape> {
    let mut shapes = Vec::new();
    if let Some(ty) = p.target {
        shapes.push(Shape::Line {
            x1: left,
            y1: ty,
            x2: right,
            y2: ty,
            tone: "muted",
            width: width * 0.75,
            dashed: true,
        });
    }
    for w in p.points.windows(2) {
        shapes.push(Shape::Line {
            x1: w[0].0,
            y1: w[0].1,
            x2: w[1].0,
            y2: w[1].1,
            tone: "ink",
            width,
            dashed: false,
        });
    }
    if let Some(&(cx, cy)) = p.points.last() {
        shapes.push(Shape::Circle {
            cx,
            cy,
            r,
            tone: latest_tone,
            filled: true,
        });
    }
    shapes
}

/// The colour of an indicator's latest point: its place against the target.
fn latest_tone(f: &IndicatorFacts) -> &'static str {
    f.against.map_or("ink", |a| tone(a.name()))
}

/// An indicator's sparkline (SPEC §14.9): its figures and target in a small box, with
/// no text; the list beside it gives the numbers.
pub fn sparkline(rec: &Record, f: &IndicatorFacts) -> Drawing {
    let (w, h) = (96.0, 24.0);
    let p = plot(rec, f, 3.0, w - 3.0, 3.0, h - 3.0);
    Drawing {
        width: w,
        height: h,
        shapes: series_shapes(&p, latest_tone(f), 3.0, w - 3.0, 2.5, 1.5),
    }
}

// Long: the plot's axes, value marks, line and period labels share one frame of
// coordinates; the legend and the sentence are apart.
/// An indicator's line chart (SPEC §14.9): its figures over time, the target as a
/// dashed line, the axis marked with the lowest and highest values and the first and
/// last periods; the table gives every figure.
pub fn indicator_chart(rec: &Record, f: &IndicatorFacts) -> Chart {
    let unit = rec.unit;
    let (left, right, top, bottom) = (58.0, WIDTH - 8.0, 8.0, 128.0);
    let p = plot(rec, f, left + 6.0, right - 6.0, top + 6.0, bottom - 6.0);
    let mut shapes = vec![
        Shape::Line {
            x1: left,
            y1: bottom,
            x2: right,
            y2: bottom,
            tone: "muted",
            width: 1.0,
            dashed: false,
        },
        Shape::Line {
            x1: left,
            y1: top,
            x2: left,
            y2: bottom,
            tone: "muted",
            width: 1.0,
            dashed: false,
        },
    ];
    for v in [p.low, p.high] {
        let y = bottom - 6.0 - (bottom - top - 12.0) * ((v - p.low) / (p.high - p.low)) as f32;
        shapes.push(text(
            left - 4.0,
            y + 3.0,
            fit(&crate::present::figure(v, unit), left - 6.0, SMALL),
            SMALL,
            Anchor::End,
            false,
            "muted",
        ));
    }
    shapes.extend(series_shapes(&p, latest_tone(f), left, right, 4.0, 2.0));
    let periods: Vec<String> = f
        .series
        .iter()
        .map(|&v| rec.values[v].period.long())
        .collect();
    if let (Some(first), Some(last)) = (periods.first(), periods.last()) {
        shapes.push(text(
            left,
            bottom + 14.0,
            first.clone(),
            SMALL,
            Anchor::Start,
            false,
            "muted",
        ));
        if periods.len() > 1 {
            shapes.push(text(
                right,
                bottom + 14.0,
                last.clone(),
                SMALL,
                Anchor::End,
                false,
                "muted",
            ));
        }
    }
    let height = indicator_legend(rec, f, bottom + 32.0, &mut shapes);
    let figure = |v: usize| crate::present::figure(rec.values[v].value, unit);
    let table = Table {
        head: vec!["Period".into(), "Figure".into()],
        rows: f
            .series
            .iter()
            .map(|&v| vec![rec.values[v].period.long(), figure(v)])
            .collect(),
    };
    let summary = indicator_summary(rec, f, &periods);
    Chart {
        id: "indicator",
        title: format!("{} over time", rec.title),
        summary,
        table,
        drawing: Drawing {
            width: WIDTH,
            height,
            shapes,
        },
    }
}

/// An indicator chart's legend at baseline `y`, below the plot: what the line, the
/// dashes and the latest point's colour mean; returns the drawing's height with it.
fn indicator_legend(rec: &Record, f: &IndicatorFacts, y: f32, shapes: &mut Vec<Shape>) -> f32 {
    shapes.push(Shape::Line {
        x1: 0.0,
        y1: y - 3.0,
        x2: 14.0,
        y2: y - 3.0,
        tone: "ink",
        width: 2.0,
        dashed: false,
    });
    shapes.push(text(
        18.0,
        y,
        "Figure".into(),
        SMALL,
        Anchor::Start,
        false,
        "ink",
    ));
    let mut x = 18.0 + approx_width("Figure", SMALL) + 14.0;
    if rec.target.is_some() {
        shapes.push(Shape::Line {
            x1: x,
            y1: y - 3.0,
            x2: x + 14.0,
            y2: y - 3.0,
            tone: "muted",
            width: 1.5,
            dashed: true,
        });
        shapes.push(text(
            x + 18.0,
            y,
            "Target".into(),
            SMALL,
            Anchor::Start,
            false,
            "ink",
        ));
        x += 18.0 + approx_width("Target", SMALL) + 14.0;
    }
    let mut height = y + 4.0;
    if let Some(a) = f.against {
        let word = a.name();
        let w = 16.0 + approx_width(&label(word), SMALL);
        if x + w > WIDTH {
            x = 0.0;
            height += 15.0;
        }
        shapes.push(Shape::Circle {
            cx: x + 5.0,
            cy: height - 7.0,
            r: 4.0,
            tone: tone(word),
            filled: true,
        });
        shapes.push(text(
            x + 14.0,
            height - 4.0,
            format!("Latest: {}", label(word).to_lowercase()),
            SMALL,
            Anchor::Start,
            false,
            "ink",
        ));
    }
    height
}

/// An indicator chart's one-sentence summary: how many figures over which periods,
/// the latest against its target, and the trend.
fn indicator_summary(rec: &Record, f: &IndicatorFacts, periods: &[String]) -> String {
    let unit = rec.unit;
    let figure = |v: usize| crate::present::figure(rec.values[v].value, unit);
    match f.latest {
        None => "No figures yet.".to_string(),
        Some(l) => {
            let mut s = if f.series.len() == 1 {
                format!(
                    "1 figure, for {}: {}",
                    rec.values[l].period.long(),
                    figure(l)
                )
            } else {
                format!(
                    "{} figures from {} to {}; the latest, for {}, is {}",
                    f.series.len(),
                    periods.first().cloned().unwrap_or_default(),
                    periods.last().cloned().unwrap_or_default(),
                    rec.values[l].period.long(),
                    figure(l)
                )
            };
            if let Some(t) = rec.target {
                s.push_str(&format!(
                    ", against a target of {}",
                    crate::present::figure(t, unit)
                ));
            }
            if let Some(a) = f.against {
                s.push_str(&format!(" ({})", label(a.name()).to_lowercase()));
            }
            if let Some(t) = f.trend {
                s.push_str(&format!(
                    "; {} on the figure before",
                    label(t.name()).to_lowercase()
                ));
            }
            s.push('.');
            s
        }
    }
}

/// The risk grid (SPEC §14.9): likelihood across, impact up, each cell coloured by its
/// score's band and holding the number of risks not closed that sit in it.
pub fn risk_grid(site: &Site, a: &Analysis) -> Option<Chart> {
    let risks: Vec<(usize, &Record)> = site
        .of_type(RecordType::Risk)
        .filter(|(_, r)| r.status != "closed" && r.likelihood.is_some() && r.impact.is_some())
        .collect();
    // No risks at all: no grid (a site with only closed ones still shows it, empty).
    site.of_type(RecordType::Risk).next()?;
    let (left, top, cell) = (44.0, 4.0, 48.0);
    let mut shapes = Vec::new();
    let mut counts = [[0usize; 5]; 5];
    for (_, r) in &risks {
        if let (Some(l), Some(m)) = (r.likelihood, r.impact) {
            counts[usize::from(l - 1)][usize::from(m - 1)] += 1;
        }
    }
    grid_cells(&mut shapes, &counts, (left, top, cell));
    let axis = top + cell * 5.0 + 28.0;
    shapes.push(text(
        left + cell * 2.5,
        axis,
        "Likelihood (1 rare – 5 almost certain)".into(),
        SMALL,
        Anchor::Middle,
        false,
        "ink",
    ));
    shapes.push(text(
        0.0,
        top + 10.0,
        "Impact".into(),
        SMALL,
        Anchor::Start,
        false,
        "ink",
    ));
    let bands: Vec<&str> = crate::present::RISK_BANDS.iter().map(|(w, _)| *w).collect();
    let legend_h = legend(&mut shapes, axis + 10.0, &bands);
    let (rows, by_band) = risk_rows(&risks, a, &bands);
    let parts: Vec<String> = bands
        .iter()
        .zip(by_band)
        .zip(crate::present::RISK_BANDS)
        .map(|((b, n), (_, range))| format!("{n} {} (score {range})", label(b).to_lowercase()))
        .collect();
    Some(Chart {
        id: "risk-grid",
        title: "Risks by likelihood and impact".into(),
        summary: format!(
            "{} not closed: {}. Each cell gives the number of risks in it, or its score where there are none.",
            plural(risks.len(), "risk"),
            parts.join(", ")
        ),
        table: Table {
            head: vec!["Risk".into(), "Likelihood".into(), "Impact".into(), "Score".into()],
            rows,
        },
        drawing: Drawing {
            width: WIDTH,
            height: axis + 10.0 + legend_h,
            shapes,
        },
    })
}

/// The risk grid's 25 cells from (`left`, `top`), `cell` units square: a cell holding
/// risks is coloured by its score's band and gives their number; an empty one is grey
/// and gives its score. The likelihood numbers run below, the impact numbers beside.
fn grid_cells(
    shapes: &mut Vec<Shape>,
    counts: &[[usize; 5]; 5],
    (left, top, cell): (f32, f32, f32),
) {
    for l in 1..=5u8 {
        for m in 1..=5u8 {
            let x = left + cell * f32::from(l - 1);
            let y = top + cell * f32::from(5 - m);
            let band = tone(crate::present::risk_band(l * m));
            let n = counts[usize::from(l - 1)][usize::from(m - 1)];
            shapes.push(Shape::Rect {
                x: x + 1.0,
                y: y + 1.0,
                w: cell - 2.0,
                h: cell - 2.0,
                tone: if n > 0 { band } else { "track" },
            });
            shapes.push(text(
                x + cell / 2.0,
                y + cell / 2.0 + 4.0,
                if n > 0 {
                    n.to_string()
                } else {
                    (l * m).to_string()
                },
                if n > 0 { TEXT + 3.0 } else { SMALL },
                Anchor::Middle,
                n > 0,
                if n > 0 { on(band) } else { "muted" },
            ));
        }
        shapes.push(text(
            left + cell * (f32::from(l) - 0.5),
            top + cell * 5.0 + 13.0,
            l.to_string(),
            SMALL,
            Anchor::Middle,
            false,
            "muted",
        ));
        shapes.push(text(
            left - 6.0,
            top + cell * (5.5 - f32::from(l)) + 4.0,
            l.to_string(),
            SMALL,
            Anchor::End,
            false,
            "muted",
        ));
    }
}

/// The risk grid's table rows (title, likelihood, impact, score) and how many of the
/// `risks` fall in each of the `bands`; a risk with no score counts as 0.
fn risk_rows(
    risks: &[(usize, &Record)],
    a: &Analysis,
    bands: &[&str],
) -> (Vec<Vec<String>>, [usize; 3]) {
    let mut by_band = [0usize; 3];
    let mut rows = Vec::new();
    for (i, r) in risks {
        let score = a.risks[*i].and_then(|f| f.score).unwrap_or(0);
        let band = crate::present::risk_band(score);
        if let Some(k) = bands.iter().position(|b| *b == band) {
            by_band[k] += 1;
        }
        rows.push(vec![
            r.title.clone(),
            r.likelihood.map(|l| l.to_string()).unwrap_or_default(),
            r.impact.map(|m| m.to_string()).unwrap_or_default(),
            score.to_string(),
        ]);
    }
    (rows, by_band)
}

/// A table of labelled counts: `first` heads the labels, `what` the counts.
fn count_table(first: &str, what: &str, parts: &[Part]) -> Table {
    Table {
        head: vec![first.to_string(), what.to_string()],
        rows: parts
            .iter()
            .map(|p| vec![p.label.clone(), p.value.to_string()])
            .collect(),
    }
}

/// One bar split into parts (all of `total`), with a legend naming each part and its
/// count beneath.
fn stacked(parts: &[Part], total: usize) -> Drawing {
    let mut shapes = vec![Shape::Rect {
        x: 0.0,
        y: 0.0,
        w: WIDTH,
        h: BAR * 1.5,
        tone: "track",
    }];
    let scale = WIDTH / total.max(1) as f32;
    let mut x = 0.0;
    for p in parts.iter().filter(|p| p.value > 0) {
        let w = p.value as f32 * scale;
        shapes.push(Shape::Rect {
            x,
            y: 0.0,
            w,
            h: BAR * 1.5,
            tone: p.tone,
        });
        if w >= 16.0 {
            shapes.push(text(
                x + w / 2.0,
                BAR * 1.5 - 7.0,
                p.value.to_string(),
                TEXT,
                Anchor::Middle,
                true,
                on(p.tone),
            ));
        }
        x += w;
    }
    let mut y = BAR * 1.5 + 8.0;
    for p in parts {
        shapes.push(Shape::Rect {
            x: 0.0,
            y,
            w: 10.0,
            h: 10.0,
            tone: p.tone,
        });
        shapes.push(text(
            16.0,
            y + 9.0,
            format!("{}: {}", p.label, p.value),
            TEXT,
            Anchor::Start,
            false,
            "ink",
        ));
        y += 16.0;
    }
    Drawing {
        width: WIDTH,
        height: y - 4.0,
        shapes,
    }
}

/// One horizontal bar per part, its label to the left and its count to the right.
fn bars(parts: &[Part]) -> Drawing {
    let most = parts.iter().map(|p| p.value).max().unwrap_or(0).max(1);
    let room = WIDTH - LABEL_COLUMN - 34.0;
    let mut shapes = Vec::new();
    let mut y = 0.0;
    for p in parts {
        shapes.push(text(
            LABEL_COLUMN - 6.0,
            y + BAR - 4.0,
            p.label.clone(),
            TEXT,
            Anchor::End,
            false,
            "ink",
        ));
        let w = p.value as f32 / most as f32 * room;
        if p.value > 0 {
            shapes.push(Shape::Rect {
                x: LABEL_COLUMN,
                y,
                w: w.max(2.0),
                h: BAR,
                tone: p.tone,
            });
        }
        shapes.push(text(
            LABEL_COLUMN + w.max(2.0) + 5.0,
            y + BAR - 4.0,
            p.value.to_string(),
            TEXT,
            Anchor::Start,
            true,
            "ink",
        ));
        y += BAR + 6.0;
    }
    Drawing {
        width: WIDTH,
        height: (y - 6.0).max(BAR),
        shapes,
    }
}

/// Swatches with the label of each status, wrapped across lines; returns the height.
fn legend(shapes: &mut Vec<Shape>, top: f32, statuses: &[&str]) -> f32 {
    let (mut x, mut y) = (0.0, top);
    for s in statuses {
        let words = label(s);
        let w = 16.0 + approx_width(&words, SMALL) + 14.0;
        if x > 0.0 && x + w > WIDTH {
            x = 0.0;
            y += 15.0;
        }
        shapes.push(Shape::Rect {
            x,
            y,
            w: 10.0,
            h: 10.0,
            tone: tone(s),
        });
        shapes.push(text(
            x + 14.0,
            y + 9.0,
            words,
            SMALL,
            Anchor::Start,
            false,
            "ink",
        ));
        x += w;
    }
    y + 12.0 - top
}

fn text(
    x: f32,
    y: f32,
    text: String,
    size: f32,
    anchor: Anchor,
    bold: bool,
    tone: &'static str,
) -> Shape {
    Shape::Text {
        x,
        y,
        text,
        size,
        anchor,
        bold,
        tone,
    }
}

/// The text colour that reads on a fill of `tone`.
fn on(tone: &str) -> &'static str {
    match tone {
        "amber" | "track" => "ink",
        _ => "white",
    }
}

/// A generous estimate of a text's width (average glyph of a sans-serif face), so
/// labels are cut before they could overrun.
pub fn approx_width(text: &str, size: f32) -> f32 {
    text.chars().count() as f32 * size * 0.56
}

/// `text` cut with "…" to fit `width` (the table beside the chart holds it in full).
fn fit(text: &str, width: f32, size: f32) -> String {
    if approx_width(text, size) <= width {
        return text.to_string();
    }
    let keep = ((width / (size * 0.56)) as usize).saturating_sub(1);
    let mut cut: String = text.chars().take(keep).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// "Red 3, Amber 5, Green 12, Blue 0".
fn list(parts: &[Part]) -> String {
    parts
        .iter()
        .map(|p| format!("{} {}", p.label, p.value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Like [`list`], leaving out zeros.
fn list_nonzero(parts: &[Part]) -> String {
    let some: Vec<String> = parts
        .iter()
        .filter(|p| p.value > 0)
        .map(|p| format!("{} {}", p.value, p.label.to_lowercase()))
        .collect();
    if some.is_empty() {
        "none".into()
    } else {
        some.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analysed_demo() -> crate::pipeline::Analysed {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
        let checked = crate::pipeline::check(&root, None).expect("demo content loads");
        let audience = crate::pipeline::audience(&checked.site.config, None).unwrap();
        crate::pipeline::analysed(&checked, &audience)
    }

    /// Every number a chart shows is the analysis's: the parts of the readiness bar add
    /// up to D, and the bars equal the counts by RAG and by state.
    #[test]
    fn charts_show_the_analysis_figures() {
        let an = analysed_demo();
        let (site, a) = (&an.view.site, &an.analysis);
        let charts = dashboard(site, a);
        let r = &charts[0];
        assert_eq!(r.id, "readiness");
        let sum: usize = r
            .table
            .rows
            .iter()
            .map(|row| row[1].parse::<usize>().unwrap())
            .sum();
        assert_eq!(sum, a.readiness.counted);
        assert_eq!(r.table.rows[0][1], a.readiness.met_evidenced.to_string());
        assert_eq!(
            r.table.rows[1][1],
            (a.readiness.evidenced - a.readiness.met_evidenced).to_string()
        );
        let rag = &charts[1];
        for (c, n) in a.by_rag() {
            let row = rag
                .table
                .rows
                .iter()
                .find(|row| row[0] == label(c))
                .unwrap();
            assert_eq!(row[1], n.to_string());
        }
        let state = &charts[2];
        for (s, n) in a.by_state() {
            let row = state
                .table
                .rows
                .iter()
                .find(|row| row[0] == label(s.name()))
                .unwrap();
            assert_eq!(row[1], n.to_string());
        }
        let by_review = charts
            .iter()
            .find(|c| c.id == "recommendations-by-review")
            .unwrap();
        let total: usize = by_review
            .table
            .rows
            .iter()
            .map(|row| row.last().unwrap().parse::<usize>().unwrap())
            .sum();
        assert_eq!(total, site.of_type(RecordType::Recommendation).count());
        assert!(charts.iter().any(|c| c.id == "timeline"));
    }

    /// The legend's swatch of a status is the colour of that status's bars: "in
    /// progress" once had an amber swatch beside blue bars.
    #[test]
    fn the_legend_shows_the_colours_the_bars_use() {
        let an = analysed_demo();
        let chart = recommendations_by_review(&an.view.site).expect("the demo has reviews");
        let (mut swatches, mut bars) = (Vec::new(), Vec::new());
        for s in &chart.drawing.shapes {
            if let Shape::Rect { w, h, tone, .. } = s {
                if *w == 10.0 && *h == 10.0 {
                    swatches.push(*tone);
                } else {
                    bars.push(*tone);
                }
            }
        }
        assert!(!bars.is_empty());
        for tone in bars {
            assert!(
                swatches.contains(&tone),
                "a bar in {tone} has no swatch in the legend ({swatches:?})"
            );
        }
    }

    #[test]
    fn long_labels_are_cut_to_fit() {
        let long = "x".repeat(200);
        let cut = fit(&long, WIDTH, TEXT);
        assert!(approx_width(&cut, TEXT) <= WIDTH);
        assert!(cut.ends_with('…'));
        assert_eq!(fit("short", WIDTH, TEXT), "short");
    }
}
