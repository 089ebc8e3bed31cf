//! Plotting, generic over `plotters::DrawingBackend`: the page passes a canvas backend, the tests and the SVG export
//! pass an SVG string backend. One drawing function per view serves the screen, the tests and the export.

pub mod noising;
pub mod theme;

pub use theme::{Style, Theme};

use plotters::prelude::*;

use crate::error::{Error, Result};

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
