//! The marks every forward-time view shares: the three regimes of generation shaded and labelled (noise t > t_S,
//! speciated t_C < t < t_S, collapsed t < t_C), and vertical lines at every speciation root and at t_C.
//!
//! Convention (SCIENCE.md §1): the numbers are forward time; generation views draw T on the left and 0 on the right,
//! so their chart's x coordinate is x = −t (`x_of`; the axis runs from −t_left to 0). Plotters places its ticks at
//! round values of x, hence at round times; `time_labels` prints them as t. The functions here take t and convert.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Serialize};

use super::theme::Regime;
use super::{plot_err, Style};
use crate::error::Result;

/// The chart x coordinate of forward time `t` (x = −t: time decreases to the right, as generation runs).
pub(crate) fn x_of(t: f64) -> f64 {
    -t
}

/// The x range of a chart from forward time `t_left` (on the left) down to 0.
pub(crate) fn x_range(t_left: f64) -> std::ops::Range<f64> {
    -t_left..0.0
}

/// The tick labels of such an axis with at most `max_labels` ticks: the forward time t = −x, all with the decimals
/// that the ticks' spacing needs (plotters' own key points for that count, so "4.0 3.5 3.0" or "4 3 2").
pub(crate) fn time_labels(t_left: f64, max_labels: usize) -> impl Fn(&f64) -> String {
    let ticks = RangedCoordf64::from(x_range(t_left)).key_points(max_labels);
    let step = ticks.windows(2).map(|w| w[1] - w[0]).fold(f64::INFINITY, f64::min);
    let decimals = if step.is_finite() && step > 0.0 { (-step.log10() - 1e-9).ceil().max(0.0) as usize } else { 1 };
    move |x: &f64| format!("{:.*}", decimals, x.abs())
}

/// Bands narrower than this (CSS pixels) are shaded but not labelled.
const MIN_LABELLED_BAND_PX: f64 = 64.0;

/// The transition times a view marks (from the theory; SCIENCE.md §7–§8).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TransitionMarks {
    /// Every root of the speciation criterion (ascending); t_S is the largest.
    #[serde(default)]
    pub roots: Vec<f64>,
    /// t_S.
    #[serde(default)]
    pub t_s: Option<f64>,
    /// t_C.
    #[serde(default)]
    pub t_c: Option<f64>,
}

impl TransitionMarks {
    /// The regime bands as (regime, t_low, t_high), clipped to [0, t_left].
    pub fn bands(&self, t_left: f64) -> Vec<(Regime, f64, f64)> {
        let clip = |t: f64| t.clamp(0.0, t_left);
        let mut out = Vec::new();
        let t_s = self.t_s.map(clip);
        let t_c = self.t_c.map(clip);
        if let Some(ts) = t_s {
            out.push((Regime::Noise, ts, t_left));
            let low = t_c.unwrap_or(0.0);
            if low < ts {
                out.push((Regime::Speciated, low, ts));
            }
        }
        if let Some(tc) = t_c {
            out.push((Regime::Collapsed, 0.0, tc));
        }
        out.retain(|(_, a, b)| b > a);
        out
    }
}

/// Where a chart with shaded regimes puts its legend: the upper left, below the row of regime labels.
pub fn legend_position(style: Style) -> SeriesLabelPosition {
    SeriesLabelPosition::Coordinate(style.px(8.0) as i32, style.px(LABEL_ROW_PX) as i32)
}

/// Height of the row of regime labels at the top of the plotting area (CSS pixels).
const LABEL_ROW_PX: f64 = 24.0;

/// The regime's label on the plot.
fn label(r: Regime) -> &'static str {
    match r {
        Regime::Noise => "noise",
        Regime::Speciated => "speciated",
        Regime::Collapsed => "collapsed",
    }
}

/// Shades and labels the regimes behind a chart whose x coordinate is x = −t, from t_left to 0 (call before drawing
/// data).
///
/// # Errors
/// A plotting error from the backend.
pub fn shade<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    marks: &TransitionMarks,
    t_left: f64,
    style: Style,
) -> Result<()> {
    let theme = style.theme;
    let (y_lo, y_hi) = (chart.y_range().start, chart.y_range().end);
    let px_per_x = {
        let (px, _) = chart.plotting_area().get_pixel_range();
        f64::from(px.end - px.start) / t_left.max(f64::MIN_POSITIVE)
    };
    for (regime, a, b) in marks.bands(t_left) {
        let colour = theme.regime(regime);
        chart
            .draw_series(std::iter::once(Rectangle::new([(x_of(b), y_lo), (x_of(a), y_hi)], colour.mix(0.13).filled())))
            .map_err(plot_err)?;
        if (b - a) * px_per_x >= MIN_LABELLED_BAND_PX * style.scale {
            let font = style.font(12.0).pos(Pos::new(HPos::Center, VPos::Top));
            let x = x_of(0.5 * (a + b));
            let y = y_hi - 0.01 * (y_hi - y_lo);
            chart.draw_series(std::iter::once(Text::new(label(regime), (x, y), font))).map_err(plot_err)?;
        }
    }
    Ok(())
}

/// Draws vertical lines at every speciation root (t_S bold, the others thin) and at t_C, with their values, on a
/// chart whose x coordinate is x = −t, from t_left to 0 (call after drawing data, so the lines stay visible).
///
/// # Errors
/// A plotting error from the backend.
pub fn lines<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    marks: &TransitionMarks,
    t_left: f64,
    style: Style,
) -> Result<()> {
    let theme = style.theme;
    let (y_lo, y_hi) = (chart.y_range().start, chart.y_range().end);
    let inside = |t: f64| (0.0..=t_left).contains(&t);
    let (px_per_x, px_per_y) = {
        let (px, py) = chart.plotting_area().get_pixel_range();
        (
            f64::from(px.end - px.start) / t_left.max(f64::MIN_POSITIVE),
            f64::from(py.end - py.start) / (y_hi - y_lo).max(f64::MIN_POSITIVE),
        )
    };
    // Labels already drawn, as (left, right) pixel distances from the left edge, and their row (0 at the bottom).
    let mut placed: Vec<(f64, f64, u32)> = Vec::new();
    let mut vline = |t: f64, colour: RGBColor, width: f64, text: Option<String>| -> Result<()> {
        let x = x_of(t);
        chart
            .draw_series(LineSeries::new([(x, y_lo), (x, y_hi)], colour.stroke_width(style.px(width))))
            .map_err(plot_err)?;
        if let Some(text) = text {
            // Right of the line, unless it would run past the plot's right edge (t = 0): then left of it. A label
            // that would overlap one drawn before goes a row up.
            let at = (t_left - t) * px_per_x;
            let w = label_width_px(&text, style.scale);
            let (text, side, span) = if t * px_per_x >= w {
                (format!(" {text}"), HPos::Left, (at, at + w))
            } else {
                (format!("{text} "), HPos::Right, (at - w, at))
            };
            let row =
                (0..).find(|&r| !placed.iter().any(|&(a, b, pr)| pr == r && a < span.1 && span.0 < b)).unwrap_or(0);
            placed.push((span.0, span.1, row));
            let y = y_lo + (0.03 * (y_hi - y_lo)) + f64::from(row) * MARK_ROW_PX * style.scale / px_per_y;
            let font = style.font(12.0).pos(Pos::new(side, VPos::Bottom));
            chart.draw_series(std::iter::once(Text::new(text, (x, y), font))).map_err(plot_err)?;
        }
        Ok(())
    };
    for &r in marks.roots.iter().filter(|&&r| inside(r) && Some(r) != marks.t_s) {
        vline(r, theme.regime(Regime::Speciated), 1.0, Some(format!("root {r:.3}")))?;
    }
    if let Some(ts) = marks.t_s.filter(|&t| inside(t)) {
        vline(ts, theme.regime(Regime::Speciated), 2.0, Some(format!("t_S = {ts:.3}")))?;
    }
    if let Some(tc) = marks.t_c.filter(|&t| inside(t)) {
        vline(tc, theme.regime(Regime::Collapsed), 2.0, Some(format!("t_C = {tc:.3}")))?;
    }
    Ok(())
}

/// The height of a row of mark labels, in CSS pixels (12 px text and its leading).
const MARK_ROW_PX: f64 = 16.0;

/// A generous width of a mark's label at the plots' 12 px sans-serif (0.62 em per character, and a space), in device
/// pixels: no backend can measure text when the SVG export runs natively without fonts.
fn label_width_px(text: &str, scale: f64) -> f64 {
    (text.chars().count() + 1) as f64 * 0.62 * 12.0 * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (tick time, its label) of an axis from `t_left` to 0, as the mesh draws them.
    fn ticks(t_left: f64) -> Vec<(f64, String)> {
        let label = time_labels(t_left, crate::plot::X_LABELS);
        RangedCoordf64::from(x_range(t_left)).key_points(crate::plot::X_LABELS).iter().map(|x| (-x, label(x))).collect()
    }

    #[test]
    fn time_ticks_sit_on_round_times_and_say_them() {
        // T = 4.25: the ticks are at t = 4, 3, 2, 1, 0 (not at 4.25, 3.25, … labelled "4.2", "3.2", …).
        let t = ticks(4.25);
        assert_eq!(t.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>(), ["4", "3", "2", "1", "0"]);
        // Every label is its tick's time, to the decimals the spacing needs.
        for t_left in [4.25, 3.74, 4.16, 1.3, 0.37, 10.0, 0.0123, 57.0] {
            let t = ticks(t_left);
            assert!(t.len() >= 2, "{t_left}: {t:?}");
            for (time, label) in &t {
                let read: f64 = label.parse().unwrap();
                assert!((read - time).abs() < 1e-9 * t_left, "{t_left}: tick at {time} labelled {label}");
                assert!(*time > -1e-12 && *time < t_left * (1.0 + 1e-12), "{t_left}: tick at {time} outside the axis");
            }
        }
        assert_eq!(
            ticks(1.3).iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>(),
            ["1.2", "1.0", "0.8", "0.6", "0.4", "0.2", "0.0"]
        );
    }

    #[test]
    fn bands_follow_the_transitions_and_are_clipped() {
        let m = TransitionMarks { roots: vec![2.0], t_s: Some(2.0), t_c: Some(1.0) };
        let b = m.bands(4.0);
        assert_eq!(b, vec![(Regime::Noise, 2.0, 4.0), (Regime::Speciated, 1.0, 2.0), (Regime::Collapsed, 0.0, 1.0)]);
        // t_S beyond the axis: no noise band; no t_C: speciated down to 0.
        let m = TransitionMarks { roots: vec![5.0], t_s: Some(5.0), t_c: None };
        assert_eq!(m.bands(4.0), vec![(Regime::Speciated, 0.0, 4.0)]);
        // Collapse earlier in generation than speciation (t_C > t_S): no speciated band.
        let m = TransitionMarks { roots: vec![1.0], t_s: Some(1.0), t_c: Some(1.5) };
        assert_eq!(m.bands(4.0), vec![(Regime::Noise, 1.0, 4.0), (Regime::Collapsed, 0.0, 1.5)]);
    }
}
