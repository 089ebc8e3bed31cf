//! Colours of the plots, light and dark, chosen for contrast on their background and for the two classes to stay
//! distinguishable to colour-blind readers (blue/orange, after the Okabe–Ito palette).

use plotters::style::RGBColor;
use serde::{Deserialize, Serialize};

/// The three regimes of generation (Biroli): pure noise, speciated (committed to a class), collapsed (captured by a
/// training point).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regime {
    /// t > t_S.
    Noise,
    /// t_C < t < t_S.
    Speciated,
    /// t < t_C.
    Collapsed,
}

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

    /// Fill of a regime band (drawn with a low opacity): noise grey, speciated green, collapsed purple.
    pub fn regime(self, regime: Regime) -> RGBColor {
        match (regime, self) {
            (Regime::Noise, Theme::Light) => RGBColor(150, 150, 150),
            (Regime::Noise, Theme::Dark) => RGBColor(140, 140, 140),
            (Regime::Speciated, _) => RGBColor(0, 158, 115),
            (Regime::Collapsed, Theme::Light) => RGBColor(204, 121, 167),
            (Regime::Collapsed, Theme::Dark) => RGBColor(230, 150, 200),
        }
    }

    /// Colour of class `c` (0-based): the two class colours first, then more Okabe–Ito hues.
    pub fn class(self, c: usize) -> RGBColor {
        match c {
            0 => self.class_plus(),
            1 => self.class_minus(),
            _ => {
                const MORE: [RGBColor; 4] =
                    [RGBColor(0, 158, 115), RGBColor(204, 121, 167), RGBColor(240, 228, 66), RGBColor(86, 180, 233)];
                MORE[(c - 2) % MORE.len()]
            }
        }
    }

    /// Measured markers (Okabe–Ito vermillion / yellow).
    pub fn measured(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(213, 94, 0),
            Theme::Dark => RGBColor(240, 228, 66),
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
        (plotters::style::FontFamily::SansSerif, size * self.scale).into_font().color(&self.theme.foreground())
    }
}

impl Default for Style {
    fn default() -> Self {
        Style::new(Theme::Light, 1.0)
    }
}
