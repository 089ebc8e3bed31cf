//! Plotting, generic over `plotters::DrawingBackend`: the page passes a canvas backend, the tests and the SVG export
//! pass an SVG string backend. One drawing function per view serves the screen, the tests and the export.

pub mod collapse;
pub mod noising;
pub mod particles;
pub mod regimes;
pub mod relaxation;
pub mod speciation;
pub mod theme;
pub mod trajectories;
pub mod transitions;

pub use theme::{Style, Theme};

use plotters::prelude::*;

use crate::error::{Error, Result};

/// Where a chart's plotting area landed on the target, in device pixels, and the x values at its left and right
/// edges: the page draws interactive overlays (a time cursor) with it, without redrawing the plot.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlotFrame {
    /// Left edge of the plotting area (pixels).
    pub left: f64,
    /// Right edge (pixels).
    pub right: f64,
    /// Top edge (pixels).
    pub top: f64,
    /// Bottom edge (pixels).
    pub bottom: f64,
    /// The x value drawn at the left edge (for a generation plot, T: time runs right to left).
    pub x_left: f64,
    /// The x value drawn at the right edge.
    pub x_right: f64,
}

impl PlotFrame {
    /// From plotters' pixel ranges and the x values at the left and right edges.
    pub fn of((xs, ys): &(std::ops::Range<i32>, std::ops::Range<i32>), (x_left, x_right): (f64, f64)) -> Self {
        PlotFrame {
            left: f64::from(xs.start),
            right: f64::from(xs.end),
            top: f64::from(ys.start),
            bottom: f64::from(ys.end),
            x_left,
            x_right,
        }
    }

    /// As a flat array `[left, right, top, bottom, x_left, x_right]` (what the boundary returns to JavaScript).
    pub fn to_array(self) -> Vec<f64> {
        vec![self.left, self.right, self.top, self.bottom, self.x_left, self.x_right]
    }
}

/// Largest magnitude a drawing accepts. No run produces more (generation refuses coordinates beyond 10³⁰), and the
/// drawings come from messages a hostile embedder can forge: ranges near f64::MAX overflow to ∞ in the axis
/// arithmetic (1.1 · 10³⁰⁸), on which plotters' tick generation never terminates (issue 8 property tests).
pub const MAX_PLOT_VALUE: f64 = 1e100;

/// Checks the numbers of a drawing's input: each is NaN (a missing point, e.g. a time not reached yet) or finite
/// with magnitude at most [`MAX_PLOT_VALUE`].
///
/// # Errors
/// [`Error::Param`] naming `name` otherwise.
pub fn check_values<'a>(name: &str, values: impl IntoIterator<Item = &'a f64>) -> Result<()> {
    match values.into_iter().find(|v| !(v.is_nan() || v.abs() <= MAX_PLOT_VALUE)) {
        None => Ok(()),
        Some(v) => Err(Error::param(name, v, format!("numbers of magnitude at most {MAX_PLOT_VALUE:e}"))),
    }
}

/// Checks that an axis array is strictly monotone (increasing, or decreasing for a generation's T → 0) and at least
/// `min` (0 for forward times). Every view takes its x range from the ends of the array or from fixed edges such as
/// t = 0; a point outside that range maps to a pixel coordinate beyond i32 and plotters' integer arithmetic
/// overflows (a panic in debug builds: issue 8 property tests).
///
/// # Errors
/// [`Error::Param`] naming `name` otherwise.
pub fn check_axis(name: &str, values: &[f64], increasing: bool, min: f64) -> Result<()> {
    let monotone = values.windows(2).all(|w| if increasing { w[0] < w[1] } else { w[0] > w[1] });
    if monotone && values.iter().all(|&v| v >= min) {
        Ok(())
    } else {
        let order = if increasing { "strictly increasing" } else { "strictly decreasing" };
        Err(Error::param(name, "the given values", format!("{order} values ≥ {min}")))
    }
}

/// Converts a plotting error into the crate's error.
pub(crate) fn plot_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> Error {
    Error::numerical("plot", e.to_string())
}

/// Renders a view into an SVG string of the given size (the export path, and what the tests inspect).
///
/// # Errors
/// Whatever the drawing function returns.
pub fn to_svg(
    width: u32,
    height: u32,
    draw: impl FnOnce(DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Result<()>,
) -> Result<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        draw(root)?;
    }
    Ok(out)
}

/// Width of a legend's swatch column (CSS pixels: scaled with the pixel ratio like the 18 px swatches drawn in it, so
/// the labels never overlap them on a 2× screen or in a 2× PNG; plotters' default is 30 device pixels).
pub(crate) const LEGEND_SWATCH_AREA_PX: f64 = 28.0;

/// At most this many labelled ticks on a chart's x axis (the forward-time axes' labels are made for that count too:
/// [`regimes::time_labels`]).
pub(crate) const X_LABELS: usize = 8;

/// The mesh style every view shares: no minor grid, a light major grid, 8 × 7 labels, axes and labels in the
/// theme's foreground at 13 CSS pixels. Callers add their formatters and axis titles.
pub(crate) fn themed_mesh<'m, 'a, 'b, X, Y, DB>(
    mesh: &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>,
    style: Style,
) -> &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
    DB: DrawingBackend,
{
    sized_mesh(mesh, style, X_LABELS, 7, 13.0)
}

/// [`themed_mesh`] with other label counts and font size (the Relaxation view's three small panels).
pub(crate) fn sized_mesh<'m, 'a, 'b, X, Y, DB>(
    mesh: &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>,
    style: Style,
    x_labels: usize,
    y_labels: usize,
    font_px: f64,
) -> &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
    DB: DrawingBackend,
{
    mesh.light_line_style(style.theme.background())
        .bold_line_style(style.theme.grid())
        .x_labels(x_labels)
        .y_labels(y_labels)
        .axis_style(style.theme.foreground())
        .label_style(style.font(font_px))
}
