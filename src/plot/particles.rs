//! The Particles view: the generated cloud at one forward time in a 2D projection (the class axis and the top
//! remaining principal direction, or two chosen coordinates), coloured by the class each particle ends in; the
//! training points when the empirical score drove the run; and, for memorized particles (d₁/d₂ < 1/3 at the end,
//! SCIENCE.md §9.5), a link to the training point that captured them.

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use super::trajectories::ends_in;
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
    /// Number of classes of the model ([`crate::generation::class_count`]; 1: the class means coincide, m̃ = 0).
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
    if fig.k == 0 || fig.classes.iter().any(|&c| c >= fig.k) {
        return Err(Error::param("particles.k", fig.k, "at least 1 and above every class index"));
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
    super::themed_mesh(&mut chart.configure_mesh(), style)
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
    let mut legend_rows = usize::from(!fig.training_x.is_empty());
    let k = fig.k;
    for class in 0..k {
        let colour = theme.class(class as usize);
        let pts: Vec<(f64, f64)> = (0..n)
            .filter(|&p| fig.classes[p] == class && inside(fig.x[p], fig.y[p]))
            .map(|p| (fig.x[p], fig.y[p]))
            .collect();
        if pts.is_empty() {
            continue;
        }
        legend_rows += 1;
        chart
            .draw_series(pts.into_iter().map(|p| Circle::new(p, style.px(2.5), colour.mix(0.8).filled())))
            .map_err(plot_err)?
            .label(ends_in(class, k, narrow))
            .legend(move |(x, y)| Circle::new((x + style.px(9.0) as i32, y), style.px(3.0), colour.filled()));
    }
    if fig.show_captured {
        let mark = theme.theory();
        let links: Vec<((f64, f64), (f64, f64))> = (0..fig.captured.len())
            .filter_map(|p| fig.captured[p].map(|a| ((fig.x[p], fig.y[p]), a)))
            .filter(|((x, y), (a, b))| inside(*x, *y) && inside(*a, *b))
            .collect();
        if !links.is_empty() {
            legend_rows += 1;
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
    let corner = legend_corner(fig, legend_rows, narrow, chart.plotting_area().dim_in_pixel(), style);
    chart
        .configure_series_labels()
        .legend_area_size(style.px(super::LEGEND_SWATCH_AREA_PX))
        .margin(style.px(10.0))
        .background_style(theme.background().mix(0.85))
        .border_style(theme.foreground())
        .label_font(style.font(if narrow { 12.0 } else { 13.0 }))
        .position(corner)
        .draw()
        .map_err(plot_err)?;
    root.present().map_err(plot_err)?;
    Ok(())
}

/// The corner for the legend (`rows` lines) that covers the fewest drawn points, particles and training points: a
/// cloud often fills one corner (a class cluster, the training set), rarely all four. The upper right among equals.
fn legend_corner(
    fig: &ParticlesFigure,
    rows: usize,
    narrow: bool,
    plot_px: (u32, u32),
    style: Style,
) -> SeriesLabelPosition {
    let [x_lo, x_hi, y_lo, y_hi] = fig.limits;
    // The legend's box as fractions of the plotting area: its longest label is about 38 characters (16 when narrow)
    // of ~7 px, after the swatch column and the margins; each row ~17 px.
    let chars = if narrow { 16.0 } else { 38.0 };
    let fw = (chars * 7.0 + super::LEGEND_SWATCH_AREA_PX + 30.0) * style.scale / f64::from(plot_px.0.max(1));
    let fh = (rows as f64 * 17.0 + 30.0) * style.scale / f64::from(plot_px.1.max(1));
    let points = fig.x.iter().zip(&fig.y).chain(fig.training_x.iter().zip(&fig.training_y));
    // Points per corner box: upper right, upper left, lower right, lower left.
    let mut counts = [0u32; 4];
    for (x, y) in points {
        let (u, v) = ((x - x_lo) / (x_hi - x_lo), (y - y_lo) / (y_hi - y_lo));
        let column = if u >= 1.0 - fw {
            0
        } else if u <= fw {
            1
        } else {
            continue;
        };
        let row = if v >= 1.0 - fh {
            0
        } else if v <= fh {
            2
        } else {
            continue;
        };
        counts[column + row] += 1;
    }
    match (0..4).min_by_key(|&k| counts[k]) {
        Some(1) => SeriesLabelPosition::UpperLeft,
        Some(2) => SeriesLabelPosition::LowerRight,
        Some(3) => SeriesLabelPosition::LowerLeft,
        _ => SeriesLabelPosition::UpperRight,
    }
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
    fn the_legend_takes_the_emptiest_corner() {
        let style = Style::new(Theme::Light, 1.0);
        let corner = |xs: Vec<f64>, ys: Vec<f64>| {
            let n = xs.len();
            let fig = ParticlesFigure {
                x: xs,
                y: ys,
                classes: vec![0; n],
                training_x: vec![],
                training_y: vec![],
                captured: vec![],
                ..figure()
            };
            legend_corner(&fig, 3, false, (800, 500), style)
        };
        // A cloud in the upper right (x, y ∈ [1, 2] of [−2, 2]²): the legend moves to the upper left.
        let xs: Vec<f64> = (0..100).map(|i| 1.0 + f64::from(i % 10) / 10.0).collect();
        let ys: Vec<f64> = (0..100).map(|i| 1.0 + f64::from(i / 10) / 10.0).collect();
        assert!(matches!(corner(xs.clone(), ys.clone()), SeriesLabelPosition::UpperLeft));
        // Clouds in both upper corners: a lower corner.
        let both_x: Vec<f64> = xs.iter().map(|x| x - 3.0).chain(xs.iter().copied()).collect();
        let both_y: Vec<f64> = ys.iter().chain(&ys).copied().collect();
        assert!(matches!(corner(both_x, both_y), SeriesLabelPosition::LowerRight));
        // A centred cloud: the upper right, as before.
        assert!(matches!(corner(vec![0.0, 0.1, -0.1], vec![0.0, 0.1, -0.1]), SeriesLabelPosition::UpperRight));
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
