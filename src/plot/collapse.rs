//! The Collapse view: the excess entropy per dimension of the theory, f(t)/α = 1 − I_t/(dα) (SCIENCE.md §8), against
//! forward time (T on the left, 0 on the right), with t_C where it crosses 0 and the regimes; and, when a measurement
//! ran, the entropy estimator crit(t)/α with standard errors, the distribution of the nearest-neighbour collapse
//! times t̂_C (a histogram under the curves) and the memorization fraction (§9.2–§9.5).

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use super::regimes::{self, TransitionMarks};
use super::speciation::{draw_measured, left_edge, Measured};
use super::{plot_err, PlotFrame, Style};
use crate::error::{Error, Result};

/// The curve is clipped below at this value of f/α (f → −∞ as t → 0: everything below is "collapsed").
const Y_FLOOR: f64 = -1.0;
/// Bottom of the y axis: below the floor by the height of the transition lines' labels, so the curve's plateau at
/// the floor (t < t_C) runs above "t_C = …", not through it.
const Y_AXIS_BOTTOM: f64 = -1.25;

/// Bins of the t̂_C histogram.
const HISTOGRAM_BINS: usize = 24;

/// What the Collapse view draws.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CollapseFigure {
    /// Curve times (forward time, ascending).
    pub curve_t: Vec<f64>,
    /// f(t) on the curve.
    pub curve_f: Vec<f64>,
    /// α = ln n / d.
    pub alpha: f64,
    /// The theory's transitions.
    #[serde(default)]
    pub marks: TransitionMarks,
    /// Measured crit(t) (not divided by α), absent until a measurement ran.
    #[serde(default)]
    pub measured: Option<Measured>,
    /// Measured t̂_C of each trajectory (the nearest-neighbour stability estimate), absent until measured.
    #[serde(default)]
    pub t_c_samples: Option<Vec<f64>>,
    /// Measured memorization fraction at t = 0, absent until measured.
    #[serde(default)]
    pub memorized: Option<f64>,
}

/// Draws the Collapse view. Returns the frame of the top chart (x_left = the left edge's forward time, x_right = 0).
///
/// # Errors
/// [`Error::Param`] for inconsistent arrays or α ≤ 0; a plotting error from the backend.
pub fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, fig: &CollapseFigure, style: Style) -> Result<PlotFrame> {
    if fig.curve_t.len() != fig.curve_f.len() || fig.curve_t.len() < 2 {
        return Err(Error::param("collapse", "the given arrays", "curve_t and curve_f of equal lengths ≥ 2"));
    }
    if !(fig.alpha.is_finite() && fig.alpha > 0.0) {
        return Err(Error::param("collapse.alpha", fig.alpha, "a number > 0"));
    }
    if let Some(m) = &fig.measured {
        m.check("collapse.measured")?;
    }
    let theme = style.theme;
    root.fill(&theme.background()).map_err(plot_err)?;
    let scaled = fig.measured.as_ref().map(|m| Measured {
        t: m.t.clone(),
        value: m.value.iter().map(|v| v / fig.alpha).collect(),
        se: m.se.iter().map(|v| v / fig.alpha).collect(),
    });
    let t_left = left_edge(&fig.curve_t, &fig.marks, scaled.as_ref());
    let samples: Vec<f64> = fig.t_c_samples.iter().flatten().copied().filter(|t| t.is_finite()).collect();
    let (top, bottom) = if samples.is_empty() {
        (root.clone(), None)
    } else {
        let (_, h) = root.dim_in_pixel();
        let (a, b) = root.split_vertically((h as f64 * 0.7) as u32);
        (a, Some(b))
    };
    // Narrow canvases (a phone, 400 CSS px) get a shorter title and legend text.
    let narrow = (root.dim_in_pixel().0 as f64) < 560.0 * style.scale;
    let title = match (fig.memorized, narrow) {
        (Some(m), false) => format!("Collapse: excess entropy f(t)/α (memorized at the end: {:.1}%)", 100.0 * m),
        (Some(m), true) => format!("f(t)/α; memorized at the end: {:.0}%", 100.0 * m),
        (None, false) => "Collapse: excess entropy f(t)/α".to_string(),
        (None, true) => "Collapse: f(t)/α".to_string(),
    };
    let mut chart = ChartBuilder::on(&top)
        .margin(style.px(10.0))
        .caption(title, style.font(15.0))
        .x_label_area_size(style.px(40.0))
        .y_label_area_size(style.px(52.0))
        .build_cartesian_2d(regimes::x_range(t_left), Y_AXIS_BOTTOM..1.1)
        .map_err(plot_err)?;
    super::themed_mesh(&mut chart.configure_mesh(), style)
        .x_label_formatter(&regimes::time_labels(t_left, super::X_LABELS))
        .y_label_formatter(&|y| format!("{y:.1}"))
        .x_desc("forward time t (decreasing to the right, as generation runs)")
        .y_desc("f / α = 1 − I_t / (d α)")
        .draw()
        .map_err(plot_err)?;
    regimes::shade(&mut chart, &fig.marks, t_left, style)?;
    chart
        .draw_series(LineSeries::new(
            [(regimes::x_of(t_left), 0.0), (0.0, 0.0)],
            theme.foreground().stroke_width(style.px(1.0)),
        ))
        .map_err(plot_err)?;
    let curve: Vec<(f64, f64)> = fig
        .curve_t
        .iter()
        .zip(&fig.curve_f)
        .filter(|(t, f)| **t <= t_left && f.is_finite())
        .map(|(t, f)| (regimes::x_of(*t), (f / fig.alpha).max(Y_FLOOR)))
        .collect();
    chart
        .draw_series(LineSeries::new(curve, theme.theory().stroke_width(style.px(2.0))))
        .map_err(plot_err)?
        .label("theory f(t)/α")
        .legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + style.px(18.0) as i32, y)], theme.theory().stroke_width(style.px(2.0)))
        });
    if let Some(m) = &scaled {
        draw_measured(&mut chart, m, style, if narrow { "crit(t)/α ± s.e." } else { "measured crit(t)/α ± s.e." })?;
    }
    regimes::lines(&mut chart, &fig.marks, t_left, style)?;
    chart
        .configure_series_labels()
        .legend_area_size(style.px(super::LEGEND_SWATCH_AREA_PX))
        .margin(style.px(10.0))
        .background_style(theme.background().mix(0.85))
        .border_style(theme.foreground())
        .label_font(style.font(13.0))
        .position(SeriesLabelPosition::LowerLeft)
        .draw()
        .map_err(plot_err)?;
    let frame = PlotFrame::of(&chart.plotting_area().get_pixel_range(), (t_left, 0.0));
    if let Some(area) = bottom {
        histogram(&area, &samples, t_left, style, narrow)?;
    }
    root.present().map_err(plot_err)?;
    Ok(frame)
}

/// The distribution of the measured t̂_C on the same time axis as the curves above it.
fn histogram<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    samples: &[f64],
    t_left: f64,
    style: Style,
    narrow: bool,
) -> Result<()> {
    let theme = style.theme;
    let width = t_left / HISTOGRAM_BINS as f64;
    let mut counts = [0usize; HISTOGRAM_BINS];
    for &t in samples {
        let b = ((t / width) as usize).min(HISTOGRAM_BINS - 1);
        counts[b] += 1;
    }
    let total = samples.len() as f64;
    let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64 / total;
    let mean = samples.iter().sum::<f64>() / total;
    // The label is the panel's caption, not a legend box: a box would cover the bars.
    let label = if narrow {
        format!("measured t̂_C, {} paths (mean {mean:.2})", samples.len())
    } else {
        format!("measured t̂_C of {} trajectories (mean {mean:.3}): fraction per bin", samples.len())
    };
    let mut chart = ChartBuilder::on(area)
        .margin(style.px(10.0))
        .caption(label, style.font(12.0))
        .x_label_area_size(style.px(30.0))
        .y_label_area_size(style.px(52.0))
        .build_cartesian_2d(regimes::x_range(t_left), 0.0..top * 1.15)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .light_line_style(theme.background())
        .bold_line_style(theme.grid())
        .x_labels(super::X_LABELS)
        .y_labels(3)
        .axis_style(theme.foreground())
        .label_style(style.font(12.0))
        .x_label_formatter(&regimes::time_labels(t_left, super::X_LABELS))
        .y_desc("fraction")
        .draw()
        .map_err(plot_err)?;
    let colour = theme.measured();
    chart
        .draw_series(counts.iter().enumerate().map(|(b, &c)| {
            let (t0, t1) = (b as f64 * width, (b + 1) as f64 * width);
            Rectangle::new([(regimes::x_of(t1), 0.0), (regimes::x_of(t0), c as f64 / total)], colour.mix(0.6).filled())
        }))
        .map_err(plot_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::{to_svg, Theme};

    fn figure() -> CollapseFigure {
        let curve_t: Vec<f64> = (1..=100).map(|i| 0.05 * i as f64).collect();
        let curve_f = curve_t.iter().map(|t| 0.04 * (1.0 - (-(t - 1.3f64)).exp())).collect();
        CollapseFigure {
            curve_t,
            curve_f,
            alpha: 0.04,
            marks: TransitionMarks { roots: vec![2.77], t_s: Some(2.77), t_c: Some(1.3) },
            ..CollapseFigure::default()
        }
    }

    #[test]
    fn svg_has_the_theory_and_t_c_and_no_measurement_unless_given() {
        let svg = to_svg(640, 400, |root| draw(root, &figure(), Style::new(Theme::Light, 1.0)).map(|_| ())).unwrap();
        assert!(svg.contains("t_C = 1.300") && svg.contains("theory f(t)/α"));
        assert!(!svg.contains("measured"));
    }

    #[test]
    fn measurements_add_markers_a_histogram_and_the_memorized_fraction() {
        let mut fig = figure();
        fig.measured = Some(Measured { t: vec![0.5, 2.0], value: vec![0.0, 0.02], se: vec![0.001, 0.002] });
        fig.t_c_samples = Some(vec![1.2, 1.3, 1.25, 1.4]);
        fig.memorized = Some(0.25);
        let svg = to_svg(640, 480, |root| draw(root, &fig, Style::default()).map(|_| ())).unwrap();
        assert!(svg.contains("measured crit(t)/α") && svg.contains("t̂_C of 4 trajectories (mean 1.288)"));
        assert!(svg.contains("memorized at the end: 25.0%"));
        // A phone-width canvas gets the short title and labels.
        let narrow = to_svg(400, 420, |root| draw(root, &fig, Style::default()).map(|_| ())).unwrap();
        assert!(narrow.contains("memorized at the end: 25%") && narrow.contains("4 paths (mean 1.29)"), "{narrow}");
        fig.alpha = 0.0;
        assert!(to_svg(640, 480, |root| draw(root, &fig, Style::default()).map(|_| ())).is_err());
    }
}
