//! The Transition-times view: t_S (with every other speciation root) and t_C of the theory against one swept parameter
//! (SCIENCE.md §7–§8), GVM's manifold t_C where it applies, the current value of the parameter marked, and measured
//! transition times with standard errors when a measured sweep ran.

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use super::speciation::Measured;
use super::theme::Regime;
use super::{plot_err, Style};
use crate::error::{Error, Result};

/// What the Transition-times view draws.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TransitionsFigure {
    /// Name of the swept parameter (axis title).
    pub parameter: String,
    /// Its values (ascending).
    pub values: Vec<f64>,
    /// t_S per value (`None`: no transition in the range).
    pub t_s: Vec<Option<f64>>,
    /// Every speciation root per value.
    #[serde(default)]
    pub roots: Vec<Vec<f64>>,
    /// t_C per value.
    pub t_c: Vec<Option<f64>>,
    /// GVM's manifold t_C per value (empty or all `None` when it does not apply).
    #[serde(default)]
    pub manifold_t_c: Vec<Option<f64>>,
    /// The value of the current controls (a vertical line).
    #[serde(default)]
    pub current: Option<f64>,
    /// Logarithmic x axis (for κ, n).
    #[serde(default)]
    pub log_x: bool,
    /// Measured t_S per value with standard errors (`t` holds the parameter values).
    #[serde(default)]
    pub measured_t_s: Option<Measured>,
    /// Measured t_C per value with standard errors.
    #[serde(default)]
    pub measured_t_c: Option<Measured>,
}

/// Consecutive runs of defined points, so a curve is broken where the transition is missing.
fn segments(xs: &[f64], ys: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (&x, y) in xs.iter().zip(ys) {
        match y.filter(|v| v.is_finite()) {
            Some(v) => out.last_mut().expect("never empty").push((x, v)),
            None if !out.last().expect("never empty").is_empty() => out.push(Vec::new()),
            None => {}
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Draws the Transition-times view.
///
/// # Errors
/// [`Error::Param`] for inconsistent arrays or non-positive values on a log axis; a plotting error from the backend.
pub fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, fig: &TransitionsFigure, style: Style) -> Result<()> {
    let n = fig.values.len();
    let optional_ok = |len: usize| len == 0 || len == n;
    if n < 1
        || fig.t_s.len() != n
        || fig.t_c.len() != n
        || !optional_ok(fig.roots.len())
        || !optional_ok(fig.manifold_t_c.len())
    {
        return Err(Error::param(
            "transitions",
            "the given arrays",
            "values, t_s, t_c (and roots) of equal lengths ≥ 1",
        ));
    }
    for m in [&fig.measured_t_s, &fig.measured_t_c].into_iter().flatten() {
        m.check("transitions.measured")?;
    }
    if fig.log_x && fig.values.iter().any(|&v| v <= 0.0) {
        return Err(Error::param("transitions.values", "a value ≤ 0", "positive values on a logarithmic axis"));
    }
    let tx = |v: f64| if fig.log_x { v.log10() } else { v };
    let xs: Vec<f64> = fig.values.iter().map(|&v| tx(v)).collect();
    let theme = style.theme;
    root.fill(&theme.background()).map_err(plot_err)?;
    let all_y = fig
        .t_s
        .iter()
        .chain(&fig.t_c)
        .chain(&fig.manifold_t_c)
        .flatten()
        .copied()
        .chain(fig.roots.iter().flatten().copied())
        .chain(
            [&fig.measured_t_s, &fig.measured_t_c]
                .into_iter()
                .flatten()
                .flat_map(|m| m.value.iter().zip(&m.se).map(|(v, s)| v + s).collect::<Vec<_>>()),
        )
        .filter(|v| v.is_finite());
    // Headroom above the highest point for the legend (upper right), so it sits above the lines: its rows (about
    // 17 px each, plus margins) as a fraction of the plotting area's height (the canvas less the caption, the x labels
    // and the margins, about 85 px), at most half of it.
    let rows = 3 // t_S, t_C, the current value
        + usize::from(fig.manifold_t_c.iter().any(Option::is_some))
        + usize::from(fig.roots.iter().any(|r| r.len() > 1))
        + usize::from(fig.measured_t_s.is_some())
        + usize::from(fig.measured_t_c.is_some());
    let plot_px = (f64::from(root.dim_in_pixel().1) - 85.0 * style.scale).max(1.0);
    let legend = ((rows as f64 * 17.0 + 28.0) * style.scale / plot_px).min(0.5);
    let y_max = all_y.fold(0.0, f64::max).max(0.1) * 1.05 / (1.0 - legend);
    let (mut x_lo, mut x_hi) = xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    if let Some(c) = fig.current.filter(|c| c.is_finite() && (!fig.log_x || *c > 0.0)) {
        x_lo = x_lo.min(tx(c));
        x_hi = x_hi.max(tx(c));
    }
    if x_hi <= x_lo {
        (x_lo, x_hi) = (x_lo - 0.5, x_hi + 0.5);
    }
    // 2 % room on each side so markers at the first and last values are not cut by the frame.
    let pad = 0.02 * (x_hi - x_lo);
    let (x_lo, x_hi) = (x_lo - pad, x_hi + pad);
    let log_x = fig.log_x;
    let mut chart = ChartBuilder::on(&root)
        .margin(style.px(10.0))
        .caption("Transition times against the swept parameter", style.font(15.0))
        .x_label_area_size(style.px(40.0))
        .y_label_area_size(style.px(52.0))
        .build_cartesian_2d(x_lo..x_hi, 0.0..y_max)
        .map_err(plot_err)?;
    super::themed_mesh(&mut chart.configure_mesh(), style)
        .x_label_formatter(&|x| if log_x { format!("{:.3}", 10f64.powf(*x)) } else { format!("{x:.2}") })
        .x_desc(if log_x { format!("{} (log scale)", fig.parameter) } else { fig.parameter.clone() })
        .y_desc("forward time")
        .draw()
        .map_err(plot_err)?;
    let ts_colour = theme.regime(Regime::Speciated);
    let tc_colour = theme.regime(Regime::Collapsed);
    let mut first = true;
    for seg in segments(&xs, &fig.t_s) {
        let s = chart.draw_series(LineSeries::new(seg, ts_colour.stroke_width(style.px(2.5)))).map_err(plot_err)?;
        if first {
            s.label("theory t_S (largest root)").legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + style.px(18.0) as i32, y)], ts_colour.stroke_width(style.px(2.5)))
            });
            first = false;
        }
    }
    let other_roots: Vec<(f64, f64)> = xs
        .iter()
        .zip(&fig.roots)
        .zip(&fig.t_s)
        .flat_map(|((&x, roots), ts)| roots.iter().filter(move |r| Some(**r) != *ts).map(move |&r| (x, r)))
        .collect();
    if !other_roots.is_empty() {
        chart
            .draw_series(other_roots.iter().map(|&p| Circle::new(p, style.px(2.5), ts_colour.filled())))
            .map_err(plot_err)?
            .label("other speciation roots")
            .legend(move |(x, y)| Circle::new((x + style.px(9.0) as i32, y), style.px(2.5), ts_colour.filled()));
    }
    let mut first = true;
    for seg in segments(&xs, &fig.t_c) {
        let s = chart.draw_series(LineSeries::new(seg, tc_colour.stroke_width(style.px(2.5)))).map_err(plot_err)?;
        if first {
            s.label("theory t_C").legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + style.px(18.0) as i32, y)], tc_colour.stroke_width(style.px(2.5)))
            });
            first = false;
        }
    }
    let accent = theme.accent();
    let mut first = true;
    for seg in segments(&xs, &fig.manifold_t_c) {
        let pts = seg.clone();
        chart.draw_series(LineSeries::new(seg, accent.stroke_width(style.px(1.5)))).map_err(plot_err)?;
        let s = chart
            .draw_series(pts.into_iter().map(|p| Cross::new(p, style.px(4.0), accent.stroke_width(style.px(1.5)))))
            .map_err(plot_err)?;
        if first {
            s.label("GVM manifold t_C")
                .legend(move |(x, y)| Cross::new((x + style.px(9.0) as i32, y), style.px(4.0), accent));
            first = false;
        }
    }
    // Measured t_S: orange discs; measured t̂_C: blue squares (told apart without colour too).
    let series = [
        (&fig.measured_t_s, "measured t_S ± s.e.", theme.measured(), false),
        (&fig.measured_t_c, "measured t̂_C (mean) ± s.e.", theme.class_plus(), true),
    ];
    for (m, label, colour, square) in series {
        if let Some(m) = m.as_ref().filter(|m| !m.t.is_empty()) {
            let pts: Vec<(f64, f64, f64)> =
                m.t.iter()
                    .zip(&m.value)
                    .zip(&m.se)
                    .filter(|((x, v), s)| x.is_finite() && v.is_finite() && s.is_finite() && (!log_x || **x > 0.0))
                    .map(|((&x, &v), &s)| (tx(x), v, s))
                    .collect();
            chart
                .draw_series(pts.iter().map(|&(x, v, s)| {
                    ErrorBar::new_vertical(x, v - s, v, v + s, colour.stroke_width(style.px(1.5)), style.px(6.0))
                }))
                .map_err(plot_err)?;
            let r = style.px(3.5) as i32;
            let marker = move |(x, y): (i32, i32)| -> DynElement<'static, DB, (i32, i32)> {
                if square {
                    Rectangle::new([(x - r, y - r), (x + r, y + r)], colour.filled()).into_dyn()
                } else {
                    Circle::new((x, y), r, colour.filled()).into_dyn()
                }
            };
            chart
                .draw_series(pts.iter().map(|&(x, v, _)| EmptyElement::at((x, v)) + marker((0, 0))))
                .map_err(plot_err)?
                .label(label)
                .legend(move |(x, y)| marker((x + style.px(9.0) as i32, y)));
        }
    }
    if let Some(c) = fig.current.filter(|c| c.is_finite() && (!log_x || *c > 0.0)) {
        let x = tx(c);
        chart
            .draw_series(LineSeries::new(
                [(x, 0.0), (x, y_max)],
                theme.foreground().mix(0.6).stroke_width(style.px(1.0)),
            ))
            .map_err(plot_err)?
            .label(format!("current value {}", four_digits(c)))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + style.px(18.0) as i32, y)], theme.foreground().mix(0.6))
            });
    }
    chart
        .configure_series_labels()
        .legend_area_size(style.px(super::LEGEND_SWATCH_AREA_PX))
        .margin(style.px(10.0))
        .background_style(theme.background().mix(0.85))
        .border_style(theme.foreground())
        .label_font(style.font(13.0))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(plot_err)?;
    root.present().map_err(plot_err)?;
    Ok(())
}

/// A legend's number: integers as they are, others to four significant digits (α = 0.1079, not 0.10793367623409589).
fn four_digits(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e9 {
        return format!("{x}");
    }
    let magnitude = if x == 0.0 { 0 } else { x.abs().log10().floor() as i32 };
    if !(-4..9).contains(&magnitude) {
        return format!("{x}"); // (no `{:e}`: it would add its formatting code to the wasm for a rare label)
    }
    format!("{:.*}", (3 - magnitude).max(0) as usize, x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::{to_svg, Theme};

    #[test]
    fn legend_numbers_have_four_significant_digits() {
        assert_eq!(four_digits(0.10793367623409589), "0.1079");
        assert_eq!(four_digits(2.0), "2");
        assert_eq!(four_digits(1234.5678), "1235");
        assert_eq!(four_digits(-0.5), "-0.5000");
    }

    #[test]
    fn curves_break_where_a_transition_is_missing() {
        let s = segments(&[0.0, 1.0, 2.0, 3.0], &[Some(1.0), None, Some(2.0), Some(3.0)]);
        assert_eq!(s, vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]);
    }

    #[test]
    fn svg_has_both_curves_the_current_value_and_checks_lengths() {
        let mut fig = TransitionsFigure {
            parameter: "γ".into(),
            values: vec![0.0, 0.5, 1.0],
            t_s: vec![Some(2.0), Some(2.2), Some(2.5)],
            roots: vec![vec![2.0], vec![2.2], vec![0.4, 2.5]],
            t_c: vec![Some(1.3), Some(1.3), Some(1.31)],
            current: Some(1.0),
            ..TransitionsFigure::default()
        };
        let svg = to_svg(640, 400, |root| draw(root, &fig, Style::new(Theme::Dark, 1.0))).unwrap();
        for text in ["theory t_S", "theory t_C", "other speciation roots", "current value 1"] {
            assert!(svg.contains(text), "{text}");
        }
        fig.log_x = true;
        assert!(to_svg(640, 400, |root| draw(root, &fig, Style::default())).is_err(), "0 on a log axis");
        fig.log_x = false;
        fig.t_c.pop();
        assert!(to_svg(640, 400, |root| draw(root, &fig, Style::default())).is_err());
    }
}
