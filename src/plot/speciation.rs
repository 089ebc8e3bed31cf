//! The Speciation view: the cloning probability φ(t) = F(s(t)) of the theory (SCIENCE.md §7) against forward time,
//! T on the left and 0 on the right, with the line F(1) that φ crosses at t_S, the regimes, and the measured φ̂(t_b)
//! of the cloning experiment (§9.1) with its binomial standard errors when a measurement was run.

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use super::regimes::{self, TransitionMarks};
use super::{plot_err, PlotFrame, Style};
use crate::error::{Error, Result};
use crate::theory::cloning::cloning_probability;

/// The axis spans this multiple of the later transition (a margin on the noise side).
pub(crate) const AXIS_MARGIN: f64 = 1.8;

/// Measured points with standard errors (a marker ± one standard error).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Forward times (or the swept parameter).
    pub t: Vec<f64>,
    /// Values.
    pub value: Vec<f64>,
    /// Standard errors (0 draws no bar).
    pub se: Vec<f64>,
}

impl Measured {
    pub(crate) fn check(&self, name: &str) -> Result<()> {
        let n = self.t.len();
        if self.value.len() != n || self.se.len() != n {
            return Err(Error::param(name, "the given arrays", "t, value and se of equal lengths"));
        }
        Ok(())
    }
}

/// What the Speciation view draws.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SpeciationFigure {
    /// Curve times (forward time, ascending).
    pub curve_t: Vec<f64>,
    /// φ(t) on the curve.
    pub curve_phi: Vec<f64>,
    /// The theory's transitions.
    #[serde(default)]
    pub marks: TransitionMarks,
    /// The measured φ̂(t_b), absent until a measurement ran.
    #[serde(default)]
    pub measured: Option<Measured>,
}

/// Top of the φ axis: above φ = 1 by the height of the regimes' label row, so the curve's plateau at 1 runs under
/// the labels, not through them.
const PHI_AXIS_TOP: f64 = 1.06;

/// The forward time at the left edge: a margin beyond the later transition and the measured points, within the curve.
pub(crate) fn left_edge(curve_t: &[f64], marks: &TransitionMarks, measured: Option<&Measured>) -> f64 {
    let last = curve_t.last().copied().unwrap_or(1.0);
    let later = marks.t_s.into_iter().chain(marks.t_c).fold(0.0, f64::max);
    let mut t = if later > 0.0 { (AXIS_MARGIN * later).min(last) } else { last };
    if let Some(m) = measured {
        // A measured point beyond the margin widens the axis, with 4 % room so its marker is not cut by the edge.
        let far = m.t.iter().copied().filter(|x| x.is_finite()).fold(0.0, f64::max);
        if far >= t {
            t = 1.04 * far;
        }
    }
    if t > 0.0 {
        t
    } else {
        1.0
    }
}

/// Draws the Speciation view. Returns the plot frame (x_left = the left edge's forward time, x_right = 0).
///
/// # Errors
/// [`Error::Param`] for inconsistent arrays; a plotting error from the backend.
pub fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    fig: &SpeciationFigure,
    style: Style,
) -> Result<PlotFrame> {
    if fig.curve_t.len() != fig.curve_phi.len() || fig.curve_t.len() < 2 {
        return Err(Error::param("speciation", "the given arrays", "curve_t and curve_phi of equal lengths ≥ 2"));
    }
    if let Some(m) = &fig.measured {
        m.check("speciation.measured")?;
    }
    let theme = style.theme;
    root.fill(&theme.background()).map_err(plot_err)?;
    let t_left = left_edge(&fig.curve_t, &fig.marks, fig.measured.as_ref());
    let mut chart = ChartBuilder::on(&root)
        .margin(style.px(10.0))
        .caption("Speciation: cloning probability φ(t)", style.font(15.0))
        .x_label_area_size(style.px(40.0))
        .y_label_area_size(style.px(52.0))
        .build_cartesian_2d(regimes::x_range(t_left), 0.45..PHI_AXIS_TOP)
        .map_err(plot_err)?;
    super::themed_mesh(&mut chart.configure_mesh(), style)
        .x_label_formatter(&regimes::time_labels(t_left, super::X_LABELS))
        .y_label_formatter(&|y| format!("{y:.2}"))
        .x_desc("forward time t (decreasing to the right, as generation runs)")
        .y_desc("φ = P(two clones end in the same class)")
        .draw()
        .map_err(plot_err)?;
    regimes::shade(&mut chart, &fig.marks, t_left, style)?;
    // On a narrow canvas (a phone) the upper-left legend would cover the curve where it crosses F(1): it goes to the
    // middle right instead, where φ ≈ 1 runs along the top, with shorter labels.
    let narrow = (chart.plotting_area().dim_in_pixel().0 as f64) < 420.0 * style.scale;
    let f1 = cloning_probability(1.0)?;
    chart
        .draw_series(LineSeries::new(
            [(regimes::x_of(t_left), f1), (0.0, f1)],
            theme.accent().stroke_width(style.px(1.5)),
        ))
        .map_err(plot_err)?
        .label(if narrow { format!("F(1) = {f1:.4}") } else { format!("F(1) = {f1:.4} (φ at t_S)") })
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + style.px(18.0) as i32, y)], theme.accent()));
    let curve: Vec<(f64, f64)> = fig
        .curve_t
        .iter()
        .zip(&fig.curve_phi)
        .filter(|(t, phi)| **t <= t_left && phi.is_finite())
        .map(|(t, phi)| (regimes::x_of(*t), *phi))
        .collect();
    chart
        .draw_series(LineSeries::new(curve, theme.theory().stroke_width(style.px(2.0))))
        .map_err(plot_err)?
        .label(if narrow { "theory φ" } else { "theory φ(t) = F(s(t))" })
        .legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + style.px(18.0) as i32, y)], theme.theory().stroke_width(style.px(2.0)))
        });
    if let Some(m) = &fig.measured {
        draw_measured(&mut chart, m, style, if narrow { "φ̂ ± s.e." } else { "measured φ̂(t_b) ± s.e." })?;
    }
    regimes::lines(&mut chart, &fig.marks, t_left, style)?;
    chart
        .configure_series_labels()
        .legend_area_size(style.px(super::LEGEND_SWATCH_AREA_PX))
        .margin(style.px(10.0))
        .background_style(theme.background().mix(0.85))
        .border_style(theme.foreground())
        .label_font(style.font(if narrow { 12.0 } else { 13.0 }))
        .position(if narrow { SeriesLabelPosition::MiddleRight } else { regimes::legend_position(style) })
        .draw()
        .map_err(plot_err)?;
    let frame = PlotFrame::of(&chart.plotting_area().get_pixel_range(), (t_left, 0.0));
    root.present().map_err(plot_err)?;
    Ok(frame)
}

/// Measured markers with vertical error bars (± one standard error) on a chart with x = −t.
pub(crate) fn draw_measured<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    m: &Measured,
    style: Style,
    label: &str,
) -> Result<()> {
    let colour = style.theme.measured();
    let points: Vec<(f64, f64, f64)> =
        m.t.iter()
            .zip(&m.value)
            .zip(&m.se)
            .filter(|((t, v), se)| t.is_finite() && v.is_finite() && se.is_finite())
            .map(|((t, v), se)| (regimes::x_of(*t), *v, *se))
            .collect();
    chart
        .draw_series(points.iter().map(|&(x, v, se)| {
            ErrorBar::new_vertical(x, v - se, v, v + se, colour.stroke_width(style.px(1.5)), style.px(6.0))
        }))
        .map_err(plot_err)?;
    chart
        .draw_series(points.iter().map(|&(x, v, _)| Circle::new((x, v), style.px(3.5), colour.filled())))
        .map_err(plot_err)?
        .label(label)
        .legend(move |(x, y)| Circle::new((x + style.px(9.0) as i32, y), style.px(3.5), colour.filled()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::{to_svg, Theme};

    fn figure() -> SpeciationFigure {
        let curve_t: Vec<f64> = (1..=100).map(|i| 0.05 * i as f64).collect();
        let curve_phi = curve_t.iter().map(|t| 0.5 + 0.5 / (1.0 + (t - 2.0f64).exp())).collect();
        SpeciationFigure {
            curve_t,
            curve_phi,
            marks: TransitionMarks { roots: vec![2.0], t_s: Some(2.0), t_c: Some(1.0) },
            measured: None,
        }
    }

    #[test]
    fn svg_has_the_theory_the_f1_line_and_t_s() {
        let mut frame = None;
        let svg = to_svg(640, 400, |root| {
            frame = Some(draw(root, &figure(), Style::new(Theme::Dark, 1.0))?);
            Ok(())
        })
        .unwrap();
        assert!(svg.contains("F(1) = 0.7752"), "F(1) label");
        assert!(svg.contains("t_S = 2.000") && svg.contains("theory φ(t)"));
        assert!(!svg.contains("measured"), "no measured markers without a measurement");
        let f = frame.unwrap();
        assert_eq!((f.x_left, f.x_right), (3.6, 0.0));
    }

    #[test]
    fn measured_markers_have_error_bars() {
        let mut fig = figure();
        fig.measured = Some(Measured { t: vec![1.0, 3.0], value: vec![0.9, 0.6], se: vec![0.02, 0.03] });
        let svg = to_svg(640, 400, |root| draw(root, &fig, Style::default()).map(|_| ())).unwrap();
        assert!(svg.contains("measured φ̂(t_b)"));
        fig.measured = Some(Measured { t: vec![1.0], value: vec![], se: vec![] });
        assert!(to_svg(640, 400, |root| draw(root, &fig, Style::default()).map(|_| ())).is_err());
    }
}
