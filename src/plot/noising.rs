//! The noising view: forward trajectories projected on the class axis, with the exact mean ± 2 s.d. band per class.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{plot_err, PlotFrame, Style};
use crate::error::Result;
use crate::noising::NoisingRun;

/// At most this many paths are drawn (the band carries the statistics; more lines only paint the area solid).
const MAX_DRAWN_PATHS: usize = 200;

/// Draws a noising run: paths coloured by class, the exact band (mean ± 2 s.d.) of each class, axes and labels.
/// Returns where the plotting area landed, so the page can draw its time cursor over it.
///
/// # Errors
/// A plotting error from the backend.
pub fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, run: &NoisingRun, style: Style) -> Result<PlotFrame> {
    let n_t = run.times.len();
    if n_t < 2
        || run.band_mean.len() != n_t
        || run.band_sd.len() != n_t
        || run.projections.len() != run.labels.len() * n_t
    {
        return Err(crate::error::Error::param("noising run", "the given arrays", "consistent lengths"));
    }
    super::check_values(
        "noising run",
        run.times.iter().chain(&run.projections).chain(&run.band_mean).chain(&run.band_sd),
    )?;
    super::check_axis("noising run times", &run.times, true, 0.0)?;
    // The y range covers mean ± 2.5 s.d. only for s.d. ≥ 0; a negative one would put the band outside the chart,
    // beyond i32 pixels.
    if let Some(s) = run.band_sd.iter().find(|s| **s < 0.0) {
        return Err(crate::error::Error::param("band_sd", s, "standard deviations ≥ 0"));
    }
    let theme = style.theme;
    root.fill(&theme.background()).map_err(plot_err)?;
    let t_max = *run.times.last().unwrap_or(&1.0);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for k in 0..n_t {
        let (m, s) = (run.band_mean[k], run.band_sd[k]);
        lo = lo.min(-m - 2.5 * s).min(m - 2.5 * s);
        hi = hi.max(m + 2.5 * s).max(-m + 2.5 * s);
    }
    for &y in &run.projections {
        if y.is_finite() {
            lo = lo.min(y);
            hi = hi.max(y);
        }
    }
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        lo = -1.0;
        hi = 1.0;
    }
    let fg = theme.foreground();
    let font = style.font(13.0);
    let mut chart = ChartBuilder::on(&root)
        .margin(style.px(10.0))
        .caption("Forward (noising) trajectories on the class axis", style.font(15.0))
        .x_label_area_size(style.px(40.0))
        .y_label_area_size(style.px(52.0))
        .build_cartesian_2d(0.0..t_max, lo..hi)
        .map_err(plot_err)?;
    super::themed_mesh(&mut chart.configure_mesh(), style)
        .x_desc("forward time t")
        .y_desc("class axis μ̂ · x_t")
        .draw()
        .map_err(plot_err)?;
    // On a narrow canvas (a phone) the legend would cover a quarter of the plot: shorter labels, smaller font.
    let narrow = (chart.plotting_area().dim_in_pixel().0 as f64) < 420.0 * style.scale;
    let particles = run.labels.len();
    let stride = particles.div_ceil(MAX_DRAWN_PATHS).max(1);
    for p in (0..particles).step_by(stride) {
        let colour = if run.labels[p] > 0 { theme.class_plus() } else { theme.class_minus() };
        let path = (0..n_t).map(|k| (run.times[k], run.projections[p * n_t + k]));
        chart.draw_series(LineSeries::new(path, colour.mix(0.35).stroke_width(style.px(1.0)))).map_err(plot_err)?;
    }
    for (sign, colour) in [(1.0, theme.class_plus()), (-1.0, theme.class_minus())] {
        let upper = (0..n_t).map(|k| (run.times[k], sign * run.band_mean[k] + 2.0 * run.band_sd[k]));
        let lower = (0..n_t).rev().map(|k| (run.times[k], sign * run.band_mean[k] - 2.0 * run.band_sd[k]));
        let polygon: Vec<(f64, f64)> = upper.chain(lower).collect();
        chart.draw_series(std::iter::once(Polygon::new(polygon, colour.mix(0.18)))).map_err(plot_err)?;
        let mean = (0..n_t).map(|k| (run.times[k], sign * run.band_mean[k]));
        let label = match (sign > 0.0, narrow) {
            (true, false) => "class +1: exact mean ± 2 s.d.",
            (false, false) => "class −1: exact mean ± 2 s.d.",
            (true, true) => "+1: mean ± 2 s.d.",
            (false, true) => "−1: mean ± 2 s.d.",
        };
        chart
            .draw_series(LineSeries::new(mean, colour.stroke_width(style.px(2.5))))
            .map_err(plot_err)?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + style.px(18.0) as i32, y)], colour.stroke_width(style.px(2.5)))
            });
    }
    chart
        .configure_series_labels()
        .legend_area_size(style.px(super::LEGEND_SWATCH_AREA_PX))
        .margin(style.px(10.0))
        .background_style(theme.background().mix(0.85))
        .border_style(fg)
        .label_font(if narrow { style.font(12.0) } else { font })
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(plot_err)?;
    let frame = PlotFrame::of(&chart.plotting_area().get_pixel_range(), (0.0, t_max));
    root.present().map_err(plot_err)?;
    Ok(frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{from_json, ForwardConfig};
    use crate::plot::to_svg;

    #[test]
    fn svg_has_axes_labels_paths_and_band() {
        let cfg: ForwardConfig =
            from_json(r#"{"process": {"d": 16}, "t_max": 3, "steps": 30, "particles": 40, "seed": 2}"#).unwrap();
        let run = cfg.run().unwrap();
        let mut frame = None;
        let svg = to_svg(640, 400, |root| {
            frame = Some(draw(root, &run, Style::new(crate::plot::Theme::Dark, 1.0))?);
            Ok(())
        })
        .unwrap();
        let frame = frame.unwrap();
        assert!(0.0 < frame.left && frame.left < frame.right && frame.right <= 640.0, "{frame:?}");
        assert_eq!((frame.x_left, frame.x_right), (0.0, 3.0));
        assert!(svg.contains("forward time t"));
        assert!(svg.contains("exact mean"));
        // 40 paths + 2 mean lines at least, and 2 band polygons.
        assert!(svg.matches("<polyline").count() >= 42, "{}", svg.matches("<polyline").count());
        assert!(svg.matches("<polygon").count() >= 2);
    }
}
