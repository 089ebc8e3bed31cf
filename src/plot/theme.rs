//! Colours of the plots, light and dark, chosen for contrast on their background and for the two classes to stay
//! distinguishable to colour-blind readers (blue/orange, after the Okabe–Ito palette).

use plotters::style::RGBColor;
use serde::{Deserialize, Serialize};

/// A plot colour scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Dark text on white.
    #[default]
    Light,
    /// Light text on near-black.
    Dark,
}

impl Theme {
    /// Parses "light" / "dark".
    pub fn from_name(name: &str) -> Option<Theme> {
        match name {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    /// Background.
    pub fn background(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(255, 255, 255),
            Theme::Dark => RGBColor(24, 26, 31),
        }
    }

    /// Axes, labels and text.
    pub fn foreground(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(33, 37, 41),
            Theme::Dark => RGBColor(222, 226, 230),
        }
    }

    /// Grid lines.
    pub fn grid(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(228, 231, 235),
            Theme::Dark => RGBColor(52, 56, 64),
        }
    }

    /// Class +1 (Okabe–Ito blue).
    pub fn class_plus(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(0, 114, 178),
            Theme::Dark => RGBColor(86, 180, 233),
        }
    }

    /// Class −1 (Okabe–Ito orange / vermillion).
    pub fn class_minus(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(213, 94, 0),
            Theme::Dark => RGBColor(230, 159, 0),
        }
    }

    /// Theory lines and markers of transitions.
    pub fn theory(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(0, 0, 0),
            Theme::Dark => RGBColor(255, 255, 255),
        }
    }

    /// A third accent (bounds, secondary curves; Okabe–Ito bluish green).
    pub fn accent(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(0, 158, 115),
            Theme::Dark => RGBColor(0, 200, 150),
        }
    }
}

/// Theme plus the pixel scale of the target: on a canvas sized for a high-DPI screen (devicePixelRatio = 2), fonts,
/// margins and line widths are doubled so the plot looks the same size as on a standard screen, only sharper.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    /// Colours.
    pub theme: Theme,
    /// Device pixels per CSS pixel (1 for SVG export), clamped to [0.5, 4].
    pub scale: f64,
}

impl Style {
    /// A style; `scale` is clamped to [0.5, 4] (and 1 when not finite).
    pub fn new(theme: Theme, scale: f64) -> Self {
        let scale = if scale.is_finite() { scale.clamp(0.5, 4.0) } else { 1.0 };
        Style { theme, scale }
    }

    /// A length in CSS pixels converted to device pixels.
    pub fn px(&self, css: f64) -> u32 {
        (css * self.scale).round().max(1.0) as u32
    }

    /// A font of `size` CSS pixels in the foreground colour.
    pub fn font(&self, size: f64) -> plotters::style::TextStyle<'static> {
        use plotters::style::IntoFont;
        ("sans-serif", size * self.scale).into_font().color(&self.theme.foreground())
    }
}

impl Default for Style {
    fn default() -> Self {
        Style::new(Theme::Light, 1.0)
    }
}
