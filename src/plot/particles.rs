//! The Particles view: the generated cloud at one forward time in a 2D projection (the class axis and the top
//! remaining principal direction, or two chosen coordinates), coloured by the class each particle ends in; the
//! training points when the empirical score drove the run; and, for memorized particles (d₁/d₂ < 1/3 at the end,
//! SCIENCE.md §9.5), a link to the training point that captured them.

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use super::trajectories::class_name;
use super::{plot_err, Style};
use crate::error::{Error, Result};

/// What the Particles view draws.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ParticlesFigure {
    /// The forward time shown.
    pub t: f64,
    /// Horizontal coordinate of each particle at time t.
    pub x: Vec<f64>,
    /// Vertical coordinate of each particle at time t.
    pub y: Vec<f64>,
    /// Final class of each particle (0-based).
    pub classes: Vec<u32>,
    /// Number of classes of the model.
    pub k: u32,
    /// Training points (horizontal), empty without the empirical score.
    #[serde(default)]
    pub training_x: Vec<f64>,
    /// Training points (vertical).
    #[serde(default)]
    pub training_y: Vec<f64>,
    /// For each particle: its final nearest training point (x, y) when it was memorized, else `None`.
    #[serde(default)]
    pub captured: Vec<Option<(f64, f64)>>,
    /// Draw the capture links (the page sets it after collapse).
    #[serde(default)]
    pub show_captured: bool,
    /// Fixed axis limits `[x_lo, x_hi, y_lo, y_hi]` (the same at every time, so the cloud moves, not the axes).
    pub limits: [f64; 4],
    /// Axis titles.
    pub axis_names: [String; 2],
}

/// Draws the Particles view.
///
/// # Errors
/// [`Error::Param`] for inconsistent arrays or empty limits; a plotting error from the backend.
pub fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, fig: &ParticlesFigure, style: Style) -> Result<()> {
    let n = fig.x.len();
    let [x_lo, x_hi, y_lo, y_hi] = fig.limits;
    if fig.y.len() != n
        || fig.classes.len() != n
        || fig.training_x.len() != fig.training_y.len()
        || !(fig.captured.is_empty() || fig.captured.len() == n)
    {
        return Err(Error::param("particles", "the given arrays", "x, y, classes (and captured) of equal lengths"));
    }
    if !(x_lo.is_finite() && y_lo.is_finite() && x_hi > x_lo && y_hi > y_lo) {
        return Err(Error::param("particles.limits", format!("{:?}", fig.limits), "finite limits with lo < hi"));
    }
    let theme = style.theme;
    root.fill(&theme.background()).map_err(plot_err)?;
    let mut chart = ChartBuilder::on(&root)
        .margin(style.px(10.0))
        .caption(format!("Generated particles at t = {:.3}", fig.t), style.font(15.0))
        .x_label_area_size(style.px(40.0))
        .y_label_area_size(style.px(52.0))
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .light_line_style(theme.background())
        .bold_line_style(theme.grid())
        .x_labels(7)
        .y_labels(7)
        .axis_style(theme.foreground())
        .label_style(style.font(13.0))
        .x_desc(fig.axis_names[0].as_str())
        .y_desc(fig.axis_names[1].as_str())
        .draw()
        .map_err(plot_err)?;
    let inside = |x: f64, y: f64| x.is_finite() && y.is_finite();
    // On a narrow canvas (a phone) the full legend would be wider than the plot: shorter labels, smaller font.
    let narrow = (chart.plotting_area().dim_in_pixel().0 as f64) < 420.0 * style.scale;
    if !fig.training_x.is_empty() {
        let grey = theme.foreground().mix(0.45);
        chart
            .draw_series(
                fig.training_x
                    .iter()
                    .zip(&fig.training_y)
                    .filter(|(x, y)| inside(**x, **y))
                    .map(|(&x, &y)| Cross::new((x, y), style.px(3.0), grey.stroke_width(style.px(1.0)))),
            )
            .map_err(plot_err)?
            .label(if narrow {
                format!("training ({})", fig.training_x.len())
            } else {
                format!("training points ({})", fig.training_x.len())
            })
            .legend(move |(x, y)| Cross::new((x + style.px(9.0) as i32, y), style.px(3.0), grey));
    }
    let k = fig.k.max(2);
    for class in 0..k {
        let colour = theme.class(class as usize);
        let pts: Vec<(f64, f64)> = (0..n)
            .filter(|&p| fig.classes[p] == class && inside(fig.x[p], fig.y[p]))
            .map(|p| (fig.x[p], fig.y[p]))
            .collect();
        if pts.is_empty() {
            continue;
        }
        chart
            .draw_series(pts.into_iter().map(|p| Circle::new(p, style.px(2.5), colour.mix(0.8).filled())))
            .map_err(plot_err)?
            .label(if narrow { class_name(class, k) } else { format!("ends in {}", class_name(class, k)) })
            .legend(move |(x, y)| Circle::new((x + style.px(9.0) as i32, y), style.px(3.0), colour.filled()));
    }
    if fig.show_captured {
        let mark = theme.theory();
        let links: Vec<((f64, f64), (f64, f64))> = (0..fig.captured.len())
            .filter_map(|p| fig.captured[p].map(|a| ((fig.x[p], fig.y[p]), a)))
            .filter(|((x, y), (a, b))| inside(*x, *y) && inside(*a, *b))
            .collect();
        if !links.is_empty() {
            chart
                .draw_series(links.iter().map(|&(p, a)| PathElement::new(vec![p, a], mark.mix(0.5).stroke_width(1))))
                .map_err(plot_err)?;
            chart
                .draw_series(
                    links.iter().map(|&(_, a)| Circle::new(a, style.px(5.0), mark.stroke_width(style.px(1.5)))),
                )
                .map_err(plot_err)?
                .label(if narrow {
                    format!("memorized ({})", links.len())
                } else {
                    format!("memorized: nearest training point ({})", links.len())
                })
                .legend(move |(x, y)| Circle::new((x + style.px(9.0) as i32, y), style.px(5.0), mark));
        }
    }
    chart
        .configure_series_labels()
        .legend_area_size(style.px(super::LEGEND_SWATCH_AREA_PX))
        .margin(style.px(10.0))
        .background_style(theme.background().mix(0.85))
        .border_style(theme.foreground())
        .label_font(style.font(if narrow { 12.0 } else { 13.0 }))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(plot_err)?;
    root.present().map_err(plot_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::{to_svg, Theme};

    fn figure() -> ParticlesFigure {
        ParticlesFigure {
            t: 0.01,
            x: vec![1.0, -1.0, 0.5],
            y: vec![0.0, 0.2, -0.3],
            classes: vec![0, 1, 0],
            k: 2,
            training_x: vec![1.01, -0.9],
            training_y: vec![0.0, 0.1],
            captured: vec![Some((1.01, 0.0)), None, None],
            show_captured: true,
            limits: [-2.0, 2.0, -2.0, 2.0],
            axis_names: ["x_1".into(), "x_2".into()],
        }
    }

    #[test]
    fn svg_shows_classes_training_points_and_captures() {
        let svg = to_svg(500, 500, |root| draw(root, &figure(), Style::new(Theme::Light, 1.0))).unwrap();
        for text in [
            "t = 0.010",
            "training points (2)",
            "ends in class +1",
            "ends in class −1",
            "memorized: nearest training point (1)",
        ] {
            assert!(svg.contains(text), "{text}");
        }
        let mut fig = figure();
        fig.show_captured = false;
        let svg = to_svg(500, 500, |root| draw(root, &fig, Style::default())).unwrap();
        assert!(!svg.contains("memorized"));
        fig.limits = [1.0, 1.0, 0.0, 1.0];
        assert!(to_svg(500, 500, |root| draw(root, &fig, Style::default())).is_err());
    }
}
