//! The Trajectories view: generation trajectories projected on the class axis against forward time, drawn with T on
//! the left and 0 on the right (generation runs T → 0; the numbers are forward time, SCIENCE.md §1), coloured by the
//! class each one ends in, over the three regimes shaded between the theory's t_S (every root) and t_C.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::regimes::{self, TransitionMarks};
use super::{plot_err, PlotFrame, Style};
use crate::error::{Error, Result};

/// At most this many paths are drawn (more only paint the area solid).
const MAX_DRAWN_PATHS: usize = 300;

/// Generation paths: `projections[p * times.len() + k]` is μ̂·x of particle p at forward time `times[k]`; `times`
/// runs from T down to 0; `classes[p]` is the final class (0-based; for two classes, 0 is +μ and 1 is −μ). NaN marks
/// times not reached yet.
#[derive(Clone, Debug, PartialEq)]
pub struct GenerationPaths {
    /// Forward times, from T down to 0.
    pub times: Vec<f64>,
    /// Projections on the class axis, particle-major.
    pub projections: Vec<f64>,
    /// Final class of each particle.
    pub classes: Vec<u32>,
    /// The number of classes ([`crate::generation::class_count`]); 1 when the class means coincide (m̃ = 0): every
    /// path is then drawn in one colour, labelled as having no class.
    pub k: u32,
    /// The theory's transitions (shaded regimes and lines); empty when the theory has none.
    pub marks: TransitionMarks,
    /// Title of the vertical axis.
    pub axis_name: String,
}

/// The legend text of class `c` among `k` classes (two classes: ±1, as in the papers); `k` = 1 is the model without
/// class signal (m̃ = 0), whose samples all fall in class 0 by the nearest-mean rule's tie and have no class.
pub fn class_name(c: u32, k: u32) -> String {
    match (k, c) {
        (1, _) => "no class (m̃ = 0)".into(),
        (2, 0) => "class +1".into(),
        (2, 1) => "class −1".into(),
        _ => format!("class {}", c + 1),
    }
}

/// The legend entry of the samples that end in class `c` among `k` (`short` for narrow plots).
pub fn ends_in(c: u32, k: u32, short: bool) -> String {
    match (k, short) {
        (1, _) => format!("samples: {}", class_name(c, k)),
        (_, true) => class_name(c, k),
        (_, false) => format!("ends in {}", class_name(c, k)),
    }
}

impl GenerationPaths {
    /// Checks the layout.
    ///
    /// # Errors
    /// [`Error::Param`] naming `trajectories` for inconsistent lengths or non-finite times, `trajectories.k` for a
    /// class count that does not cover the classes.
    pub fn check(&self) -> Result<()> {
        let n_t = self.times.len();
        if n_t < 2 || self.projections.len() != n_t * self.classes.len() || !self.times.iter().all(|t| t.is_finite()) {
            return Err(Error::param(
                "trajectories",
                "the given arrays",
                "times.len() ≥ 2 and particles × times values",
            ));
        }
        if self.k == 0 || self.classes.iter().any(|&c| c >= self.k) {
            return Err(Error::param("trajectories.k", self.k, "at least 1 and above every class index"));
        }
        super::check_values("trajectories", self.times.iter().chain(&self.projections))?;
        super::check_axis("trajectories.times", &self.times, false, 0.0)
    }
}

/// Draws generation paths with forward time decreasing to the right. Returns the plot frame (x_left = T,
/// x_right = 0) for the page's time cursor.
///
/// # Errors
/// [`Error::Param`] for inconsistent arrays; a plotting error from the backend.
pub fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    paths: &GenerationPaths,
    style: Style,
) -> Result<PlotFrame> {
    paths.check()?;
    let theme = style.theme;
    root.fill(&theme.background()).map_err(plot_err)?;
    let n_t = paths.times.len();
    let t_max = paths.times.iter().copied().fold(0.0, f64::max);
    let t_max = if t_max > 0.0 { t_max } else { 1.0 };
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &y in paths.projections.iter().filter(|y| y.is_finite()) {
        lo = lo.min(y);
        hi = hi.max(y);
    }
    if !(lo.is_finite() && hi > lo) {
        (lo, hi) = (-1.0, 1.0);
    }
    let pad = 0.05 * (hi - lo);
    // The x coordinate is −t (regimes::x_of), so T sits on the left and the ticks fall on round times.
    let mut chart = ChartBuilder::on(&root)
        .margin(style.px(10.0))
        .caption("Generation trajectories on the class axis", style.font(15.0))
        .x_label_area_size(style.px(40.0))
        .y_label_area_size(style.px(52.0))
        .build_cartesian_2d(regimes::x_range(t_max), lo - pad..hi + pad)
        .map_err(plot_err)?;
    super::themed_mesh(&mut chart.configure_mesh(), style)
        .x_label_formatter(&regimes::time_labels(t_max, super::X_LABELS))
        .x_desc("forward time t (generation runs from T on the left to 0)")
        .y_desc(paths.axis_name.as_str())
        .draw()
        .map_err(plot_err)?;
    regimes::shade(&mut chart, &paths.marks, t_max, style)?;
    let particles = paths.classes.len();
    let k = paths.k.max(1);
    let stride = particles.div_ceil(MAX_DRAWN_PATHS).max(1);
    for class in 0..k {
        let colour = theme.class(class as usize);
        let label = ends_in(class, k, false);
        let mut first = true;
        for p in (0..particles).step_by(stride).filter(|&p| paths.classes[p] == class) {
            let path: Vec<(f64, f64)> = (0..n_t)
                .map(|k| (regimes::x_of(paths.times[k]), paths.projections[p * n_t + k]))
                .filter(|(_, y)| y.is_finite())
                .collect();
            let series = chart
                .draw_series(LineSeries::new(path, colour.mix(0.45).stroke_width(style.px(1.0))))
                .map_err(plot_err)?;
            if first {
                series.label(label.clone()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + style.px(18.0) as i32, y)], colour.stroke_width(style.px(2.5)))
                });
                first = false;
            }
        }
    }
    regimes::lines(&mut chart, &paths.marks, t_max, style)?;
    chart
        .configure_series_labels()
        .legend_area_size(style.px(super::LEGEND_SWATCH_AREA_PX))
        .margin(style.px(10.0))
        .background_style(theme.background().mix(0.85))
        .border_style(theme.foreground())
        .label_font(style.font(13.0))
        .position(regimes::legend_position(style))
        .draw()
        .map_err(plot_err)?;
    let frame = PlotFrame::of(&chart.plotting_area().get_pixel_range(), (t_max, 0.0));
    root.present().map_err(plot_err)?;
    Ok(frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::{to_svg, Theme};

    #[test]
    fn svg_draws_t_max_on_the_left_and_both_classes() {
        // Three particles on a grid T = 2 → 0: two end in class +1, one in class −1.
        let times = vec![2.0, 1.0, 0.0];
        // Offset by 10 so that no y tick label reads 0.0 or 2.0.
        let projections = vec![10.1, 11.0, 13.0, 10.0, 10.8, 12.5, 9.9, 9.0, 7.0];
        let marks = TransitionMarks { roots: vec![1.5], t_s: Some(1.5), t_c: Some(0.5) };
        let paths =
            GenerationPaths { times, projections, classes: vec![0, 0, 1], k: 2, marks, axis_name: "class axis".into() };
        let mut frame = None;
        let svg = to_svg(600, 360, |root| {
            frame = Some(draw(root, &paths, Style::new(Theme::Light, 1.0))?);
            Ok(())
        })
        .unwrap();
        let frame = frame.unwrap();
        assert_eq!((frame.x_left, frame.x_right), (2.0, 0.0));
        assert!(svg.contains("ends in class +1") && svg.contains("ends in class −1"));
        // Tick labels are written left to right: T = 2.0 comes before 0.0.
        let first_tick = svg.find("\n2.0\n</text>").expect("T label");
        let zero_tick = svg.find("\n0.0\n</text>").expect("0 label");
        assert!(first_tick < zero_tick, "T must be drawn before (left of) 0");
        assert!(svg.matches("<polyline").count() >= 3);
        for text in ["t_S = 1.500", "t_C = 0.500", "noise", "speciated", "collapsed"] {
            assert!(svg.contains(text), "{text} missing");
        }
    }

    /// The `<text …>` element whose content is `label`, if any.
    fn text_element<'a>(svg: &'a str, label: &str) -> Option<&'a str> {
        let end = svg.find(label)?;
        Some(&svg[svg[..end].rfind("<text")?..end])
    }

    #[test]
    fn mark_labels_stay_inside_the_plot_and_apart() {
        // t_C near t = 0 (the right edge): its label goes left of its line; t_S just left of it would overlap it, so
        // the two take different rows.
        let marks = TransitionMarks { roots: vec![0.12], t_s: Some(0.12), t_c: Some(0.02) };
        let paths = GenerationPaths {
            times: vec![4.0, 0.0],
            projections: vec![0.0, 1.0, 0.0, -1.0],
            classes: vec![0, 1],
            k: 2,
            marks,
            axis_name: "class axis".into(),
        };
        let svg = to_svg(600, 360, |root| draw(root, &paths, Style::new(Theme::Light, 1.0)).map(|_| ())).unwrap();
        let t_c = text_element(&svg, "t_C = 0.020").expect("t_C label");
        let t_s = text_element(&svg, "t_S = 0.120").expect("t_S label");
        assert!(t_c.contains(r#"text-anchor="end""#), "t_C must end at its line: {t_c}");
        let y = |e: &str| -> f64 {
            let at = e.find(" y=\"").unwrap() + 4;
            e[at..].split('"').next().unwrap().parse().unwrap()
        };
        assert!((y(t_s) - y(t_c)).abs() > 10.0, "t_S and t_C must take different rows: {t_s} / {t_c}");
        // With room on the right, a label starts at its line, on the bottom row.
        let marks = TransitionMarks { roots: vec![2.0], t_s: Some(2.0), t_c: Some(1.0) };
        let paths = GenerationPaths { marks, ..paths };
        let svg = to_svg(600, 360, |root| draw(root, &paths, Style::new(Theme::Light, 1.0)).map(|_| ())).unwrap();
        let (t_c, t_s) = (text_element(&svg, "t_C = 1.000").unwrap(), text_element(&svg, "t_S = 2.000").unwrap());
        assert!(!t_c.contains(r#"text-anchor="end""#) && !t_s.contains(r#"text-anchor="end""#));
        assert_eq!(y(t_c), y(t_s));
    }

    #[test]
    fn inconsistent_arrays_are_an_error() {
        let paths = GenerationPaths {
            times: vec![1.0, 0.0],
            projections: vec![0.0; 3],
            classes: vec![0, 1],
            k: 2,
            marks: TransitionMarks::default(),
            axis_name: String::new(),
        };
        assert!(to_svg(300, 200, |root| draw(root, &paths, Style::default()).map(|_| ())).is_err());
        // A class count that does not cover the classes.
        let paths = GenerationPaths { projections: vec![0.0; 4], k: 1, ..paths };
        let err = to_svg(300, 200, |root| draw(root, &paths, Style::default()).map(|_| ())).unwrap_err();
        assert!(err.to_string().contains("trajectories.k"), "{err}");
    }

    #[test]
    fn without_class_signal_the_legend_says_no_class() {
        // m̃ = 0: every sample is in class 0 by the nearest-mean tie, and the legend must not call it class +1.
        let paths = GenerationPaths {
            times: vec![1.0, 0.0],
            projections: vec![0.5, 0.1, -0.5, -0.2],
            classes: vec![0, 0],
            k: 1,
            marks: TransitionMarks::default(),
            axis_name: "class axis".into(),
        };
        let svg = to_svg(500, 300, |root| draw(root, &paths, Style::default()).map(|_| ())).unwrap();
        assert!(svg.contains("samples: no class (m̃ = 0)"), "legend");
        assert!(!svg.contains("class +1"));
    }
}
