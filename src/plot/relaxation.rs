//! The Relaxation view (SCIENCE.md §2): the eigenvalues of A in the complex plane, the gap against the design
//! strength with the bound Tr U / d and the reversible gap u_min, and the transient ‖E_t‖₂ against e^{−g t} and
//! e^{−u_min t}. Three panels side by side on a wide target, stacked on a tall one (a phone).

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use super::{plot_err, Style};
use crate::error::{Error, Result};
use crate::relaxation::RelaxationReport;

/// A target at least this much wider than tall gets the three panels in a row; otherwise they are stacked.
const WIDE_ASPECT: f64 = 1.5;

/// Smallest value drawn on the logarithmic ‖E_t‖₂ axis: below it the curves are numerically zero for the reader.
const LOG_FLOOR: f64 = 1e-12;

/// The gap of one drift family measured across its strength (the page computes one relaxation report per point).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GapSweep {
    /// Name of the strength for the axis (e.g. "γ (scale of Q_opt)").
    pub parameter: String,
    /// The strengths, increasing.
    pub strengths: Vec<f64>,
    /// The gap g = min Re eig(A) at each strength.
    pub gaps: Vec<f64>,
    /// The strength of the current design, marked on the curve (absent for Q = 0 or Q_opt).
    #[serde(default)]
    pub current: Option<f64>,
}

impl GapSweep {
    /// Checks that the arrays agree and hold finite numbers.
    ///
    /// # Errors
    /// [`Error::Param`] naming `sweep` otherwise.
    pub fn check(&self) -> Result<()> {
        let ok = self.strengths.len() == self.gaps.len()
            && self.strengths.iter().chain(&self.gaps).all(|x| x.is_finite())
            && self.current.is_none_or(f64::is_finite);
        if ok {
            Ok(())
        } else {
            Err(Error::param("sweep", "the given arrays", "equal lengths and finite numbers"))
        }
    }
}

fn finite_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) =
        values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    (lo <= hi).then_some((lo, hi))
}

/// Pads a range by `frac` of its width on each side (and gives a degenerate range some width).
fn padded((lo, hi): (f64, f64), frac: f64) -> (f64, f64) {
    let w = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
    (lo - frac * w, hi + frac * w)
}

/// Draws the three panels of the Relaxation view.
///
/// # Errors
/// [`Error::Param`] for an inconsistent report or sweep, or a plotting error from the backend.
pub fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    report: &RelaxationReport,
    sweep: &GapSweep,
    style: Style,
) -> Result<()> {
    sweep.check()?;
    if report.eig_re.len() != report.eig_im.len() || report.times.len() != report.propagator_norm.len() {
        return Err(Error::param("report", "the given arrays", "equal lengths"));
    }
    let r = report;
    let scalars = [r.q_norm, r.a_norm, r.gap, r.bound, r.u_min];
    super::check_values(
        "report",
        r.eig_re.iter().chain(&r.eig_im).chain(&r.times).chain(&r.propagator_norm).chain(&scalars),
    )?;
    super::check_values("sweep", sweep.strengths.iter().chain(&sweep.gaps).chain(&sweep.current))?;
    super::check_axis("report.times", &r.times, true, 0.0)?;
    super::check_axis("sweep.strengths", &sweep.strengths, true, f64::NEG_INFINITY)?;
    let theme = style.theme;
    root.fill(&theme.background()).map_err(plot_err)?;
    let (w, h) = root.dim_in_pixel();
    let panels =
        if f64::from(w) >= WIDE_ASPECT * f64::from(h) { root.split_evenly((1, 3)) } else { root.split_evenly((3, 1)) };
    spectrum(&panels[0], report, style)?;
    gap_against_strength(&panels[1], report, sweep, style)?;
    propagator_norm(&panels[2], report, style)?;
    root.present().map_err(plot_err)?;
    Ok(())
}

fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    style: Style,
    position: SeriesLabelPosition,
) -> Result<()> {
    let theme = style.theme;
    chart
        .configure_series_labels()
        .background_style(theme.background().mix(0.85))
        .border_style(theme.foreground())
        .label_font(style.font(11.0))
        .legend_area_size(style.px(16.0))
        .position(position)
        .draw()
        .map_err(plot_err)
}

fn legend_line(colour: RGBColor, style: Style) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + style.px(14.0) as i32, y)], colour.stroke_width(style.px(2.0)))
}

/// Eigenvalues of A as points (Re, Im), with vertical lines at the gap, the bound τ and u_min.
fn spectrum<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, r: &RelaxationReport, style: Style) -> Result<()> {
    let theme = style.theme;
    let (re_lo, re_hi) = finite_range(r.eig_re.iter().copied().chain([0.0, r.bound, r.u_min])).unwrap_or((0.0, 1.0));
    let (im_lo, im_hi) = finite_range(r.eig_im.iter().copied().chain([-1.0, 1.0])).unwrap_or((-1.0, 1.0));
    let im = im_lo.abs().max(im_hi.abs());
    let (x0, x1) = padded((re_lo, re_hi), 0.08);
    let mut chart = ChartBuilder::on(area)
        .margin(style.px(8.0))
        .caption("Eigenvalues of A = (I + Q) U", style.font(14.0))
        .x_label_area_size(style.px(34.0))
        .y_label_area_size(style.px(46.0))
        .build_cartesian_2d(x0..x1, -1.1 * im..1.1 * im)
        .map_err(plot_err)?;
    super::sized_mesh(&mut chart.configure_mesh(), style, 5, 5, 11.0)
        .x_desc("Re λ")
        .y_desc("Im λ")
        .draw()
        .map_err(plot_err)?;
    let vline = |x: f64| vec![(x, -1.1 * im), (x, 1.1 * im)];
    chart
        .draw_series(DashedLineSeries::new(
            vline(r.bound),
            style.px(6.0),
            style.px(4.0),
            theme.accent().stroke_width(style.px(2.0)),
        ))
        .map_err(plot_err)?
        .label("bound τ = Tr U / d")
        .legend(legend_line(theme.accent(), style));
    chart
        .draw_series(DashedLineSeries::new(
            vline(r.u_min),
            style.px(2.0),
            style.px(3.0),
            theme.class_minus().stroke_width(style.px(2.0)),
        ))
        .map_err(plot_err)?
        .label("u_min (Q = 0 gap)")
        .legend(legend_line(theme.class_minus(), style));
    let radius = style.px(3.5);
    chart
        .draw_series(
            r.eig_re
                .iter()
                .zip(&r.eig_im)
                .map(|(&x, &y)| Circle::new((x, y), radius, theme.class_plus().mix(0.8).filled())),
        )
        .map_err(plot_err)?
        .label("eigenvalues of A")
        .legend(move |(x, y)| Circle::new((x + radius as i32, y), radius, theme.class_plus().filled()));
    legend(&mut chart, style, SeriesLabelPosition::UpperLeft)
}

/// The gap against the design strength, with the bound τ and u_min as horizontal lines.
fn gap_against_strength<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    r: &RelaxationReport,
    sweep: &GapSweep,
    style: Style,
) -> Result<()> {
    let theme = style.theme;
    let (s0, s1) = finite_range(sweep.strengths.iter().copied().chain(sweep.current)).unwrap_or((0.0, 1.0));
    let (s0, s1) = if s1 > s0 { (s0, s1) } else { padded((s0, s1), 0.5) };
    let (g0, g1) = finite_range(sweep.gaps.iter().copied().chain([0.0, r.bound, r.u_min, r.gap])).unwrap_or((0.0, 1.0));
    let (g0, g1) = padded((g0, g1), 0.06);
    let mut chart = ChartBuilder::on(area)
        .margin(style.px(8.0))
        .caption("Gap against the design strength", style.font(14.0))
        .x_label_area_size(style.px(34.0))
        .y_label_area_size(style.px(46.0))
        .build_cartesian_2d(s0..s1, g0..g1)
        .map_err(plot_err)?;
    super::sized_mesh(&mut chart.configure_mesh(), style, 5, 5, 11.0)
        .x_desc(sweep.parameter.as_str())
        .y_desc("gap g = min Re λ")
        .draw()
        .map_err(plot_err)?;
    chart
        .draw_series(DashedLineSeries::new(
            vec![(s0, r.bound), (s1, r.bound)],
            style.px(6.0),
            style.px(4.0),
            theme.accent().stroke_width(style.px(2.0)),
        ))
        .map_err(plot_err)?
        .label("bound τ = Tr U / d")
        .legend(legend_line(theme.accent(), style));
    chart
        .draw_series(DashedLineSeries::new(
            vec![(s0, r.u_min), (s1, r.u_min)],
            style.px(2.0),
            style.px(3.0),
            theme.class_minus().stroke_width(style.px(2.0)),
        ))
        .map_err(plot_err)?
        .label("u_min")
        .legend(legend_line(theme.class_minus(), style));
    chart
        .draw_series(LineSeries::new(
            sweep.strengths.iter().copied().zip(sweep.gaps.iter().copied()),
            theme.class_plus().stroke_width(style.px(2.0)),
        ))
        .map_err(plot_err)?
        .label("gap g")
        .legend(legend_line(theme.class_plus(), style));
    if let Some(s) = sweep.current {
        chart
            .draw_series(std::iter::once(Circle::new((s, r.gap), style.px(5.0), theme.theory().filled())))
            .map_err(plot_err)?
            .label("current design")
            .legend(move |(x, y)| Circle::new((x + style.px(5.0) as i32, y), style.px(4.0), theme.theory().filled()));
    }
    legend(&mut chart, style, SeriesLabelPosition::LowerRight)
}

/// ‖E_t‖₂ on a logarithmic axis against e^{−g t} and e^{−u_min t}.
fn propagator_norm<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    r: &RelaxationReport,
    style: Style,
) -> Result<()> {
    let theme = style.theme;
    let t_max = r.times.last().copied().filter(|t| *t > 0.0).unwrap_or(1.0);
    let decay = |rate: f64| r.times.iter().map(move |&t| (t, (-rate * t).exp().max(LOG_FLOOR)));
    let lo = finite_range(r.propagator_norm.iter().copied().chain([(-r.gap * t_max).exp(), (-r.u_min * t_max).exp()]))
        .map_or(1e-3, |(lo, _)| lo.max(LOG_FLOOR));
    let hi = finite_range(r.propagator_norm.iter().copied()).map_or(1.0, |(_, hi)| hi.max(1.0));
    let mut chart = ChartBuilder::on(area)
        .margin(style.px(8.0))
        .caption("Transient: ‖E_t‖₂ = ‖e^(−At)‖₂", style.font(14.0))
        .x_label_area_size(style.px(34.0))
        .y_label_area_size(style.px(52.0))
        .build_cartesian_2d(0.0..t_max, (lo * 0.5..hi * 1.5).log_scale())
        .map_err(plot_err)?;
    super::sized_mesh(&mut chart.configure_mesh(), style, 5, 6, 11.0)
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .x_desc("forward time t")
        .y_desc("norm")
        .draw()
        .map_err(plot_err)?;
    chart
        .draw_series(DashedLineSeries::new(
            decay(r.u_min),
            style.px(2.0),
            style.px(3.0),
            theme.class_minus().stroke_width(style.px(2.0)),
        ))
        .map_err(plot_err)?
        .label("e^(−u_min t)")
        .legend(legend_line(theme.class_minus(), style));
    chart
        .draw_series(DashedLineSeries::new(
            decay(r.gap),
            style.px(6.0),
            style.px(4.0),
            theme.accent().stroke_width(style.px(2.0)),
        ))
        .map_err(plot_err)?
        .label("e^(−g t)")
        .legend(legend_line(theme.accent(), style));
    chart
        .draw_series(LineSeries::new(
            r.times.iter().copied().zip(r.propagator_norm.iter().map(|&v| v.max(LOG_FLOOR))),
            theme.class_plus().stroke_width(style.px(2.5)),
        ))
        .map_err(plot_err)?
        .label("‖E_t‖₂")
        .legend(legend_line(theme.class_plus(), style));
    legend(&mut chart, style, SeriesLabelPosition::UpperRight)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{from_json, DriftConfig};
    use crate::plot::{to_svg, Theme};

    fn report() -> RelaxationReport {
        let cfg: DriftConfig = from_json(
            r#"{"process": {"d": 8, "precision": {"kind": "log_spaced", "kappa": 10},
                "drift": {"design": "optimal"}}, "t_max": 3, "points": 40}"#,
        )
        .unwrap();
        cfg.run().unwrap()
    }

    #[test]
    fn svg_has_three_panels_with_the_eigenvalues_and_curves() {
        let r = report();
        let sweep = GapSweep {
            parameter: "γ".into(),
            strengths: vec![0.0, 0.5, 1.0, 1.5],
            gaps: vec![r.u_min, 0.8, r.gap, 0.9],
            current: Some(1.0),
        };
        for (w, h) in [(1200, 400), (400, 900)] {
            let svg = to_svg(w, h, |root| draw(root, &r, &sweep, Style::new(Theme::Light, 1.0))).unwrap();
            for text in ["Eigenvalues of A", "Gap against the design strength", "‖E_t‖₂", "bound τ", "current design"]
            {
                assert!(svg.contains(text), "{text} missing ({w}×{h})");
            }
            // One circle per eigenvalue, plus the current-design marker and legend symbols.
            assert!(svg.matches("<circle").count() > r.d);
        }
    }

    #[test]
    fn inconsistent_sweep_is_an_error_not_a_panic() {
        let r = report();
        let sweep = GapSweep { parameter: "q".into(), strengths: vec![0.0, 1.0], gaps: vec![1.0], current: None };
        let e = to_svg(300, 200, |root| draw(root, &r, &sweep, Style::default())).unwrap_err();
        assert!(e.to_string().contains("sweep"), "{e}");
    }
}
