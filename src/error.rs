//! The one error type of the core: every data-dependent failure says which parameter, which value, what was expected.
//!
//! Contract violations inside the core (a caller passing mismatched dimensions between two internal types) are
//! `assert!`s with a message; everything a config file, the URL or the page can send comes back as an [`Error`].

use std::fmt;

/// Result alias used across the core.
pub type Result<T> = std::result::Result<T, Error>;

/// A failure the user can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A parameter outside its allowed range (or not finite).
    Param {
        /// Parameter name as it appears in the configs (e.g. `"d"`, `"precision.kappa"`).
        name: String,
        /// The offending value, formatted.
        value: String,
        /// The allowed range or form, in words (e.g. `"an integer in [1, 4096]"`).
        expected: String,
    },
    /// A matrix that must be symmetric positive definite is not.
    NotSpd {
        /// Which matrix.
        name: String,
        /// Why (asymmetry, a non-positive eigenvalue, ...).
        reason: String,
    },
    /// A criterion has no root in the search range: there is no transition to report.
    NoTransition {
        /// Which transition (`"speciation"`, `"collapse"`).
        what: String,
        /// Lower end of the searched range of forward time.
        t_min: f64,
        /// Upper end of the searched range of forward time.
        t_max: f64,
    },
    /// A run that would exceed a documented budget, refused before it starts.
    Budget {
        /// The budget's name (e.g. `"memory"`, `"work"`).
        budget: String,
        /// What the run would need, in words with units.
        needed: String,
        /// The limit, in words with units.
        limit: String,
    },
    /// A numerical computation failed (a singular matrix, a non-finite result).
    Numerical {
        /// What was being computed.
        what: String,
        /// What went wrong.
        reason: String,
    },
    /// A run that was cancelled by the caller.
    Cancelled,
}

impl Error {
    /// Shorthand for [`Error::Param`].
    /// A number whose plain form is long (f64's `Display` writes 10³⁰⁰ with 301 digits) is given in scientific
    /// notation, so a message stays readable and fits the page.
    pub fn param(name: impl Into<String>, value: impl fmt::Display, expected: impl Into<String>) -> Self {
        Error::Param { name: name.into(), value: readable(value.to_string()), expected: expected.into() }
    }

    /// Shorthand for [`Error::Numerical`].
    pub fn numerical(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Numerical { what: what.into(), reason: reason.into() }
    }
}

/// `value` unchanged, or in scientific notation when it is a plain decimal longer than 24 characters. f64's `Display`
/// writes the shortest round-trip digits padded with zeros ("1000…0" for 1e300, "0.000…01" for 1e-300), so moving
/// the point keeps exactly those digits. String work only: parsing and `{:e}` would add ~14 KB to the gzipped wasm.
fn readable(value: String) -> String {
    let (sign, body) = value.strip_prefix('-').map_or(("", value.as_str()), |b| ("-", b));
    let plain =
        !body.is_empty() && body.bytes().all(|c| c.is_ascii_digit() || c == b'.') && body.matches('.').count() <= 1;
    if value.len() <= 24 || !plain {
        return value;
    }
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let all: String = format!("{int}{frac}");
    let Some(first) = all.find(|c| c != '0') else { return value };
    let digits = all[first..].trim_end_matches('0');
    // The value is 0.d₁d₂… × 10^(int.len() − first).
    let exponent = int.len() as i64 - first as i64 - 1;
    let mantissa = if digits.len() > 1 { format!("{}.{}", &digits[..1], &digits[1..]) } else { digits.to_string() };
    format!("{sign}{mantissa}e{exponent}")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Param { name, value, expected } => {
                write!(f, "invalid {name} = {value}: expected {expected}")
            }
            Error::NotSpd { name, reason } => write!(f, "{name} must be symmetric positive definite: {reason}"),
            Error::NoTransition { what, t_min, t_max } => {
                write!(f, "no {what} transition in [{t_min}, {t_max}]")
            }
            Error::Budget { budget, needed, limit } => {
                write!(f, "run refused: it needs {needed}, over the {budget} budget of {limit}")
            }
            Error::Numerical { what, reason } => write!(f, "numerical failure in {what}: {reason}"),
            Error::Cancelled => write!(f, "cancelled"),
        }
    }
}

impl std::error::Error for Error {}

/// Checks that `x` is finite and in `[lo, hi]`.
///
/// # Errors
/// [`Error::Param`] naming `name`, the value and the range.
pub fn check_range(name: &str, x: f64, lo: f64, hi: f64) -> Result<f64> {
    if x.is_finite() && x >= lo && x <= hi {
        Ok(x)
    } else {
        Err(Error::param(name, x, format!("a finite number in [{lo}, {hi}]")))
    }
}

/// Checks that `x` is finite and strictly inside `(lo, hi]`.
///
/// # Errors
/// [`Error::Param`] naming `name`, the value and the range.
pub fn check_open_closed(name: &str, x: f64, lo: f64, hi: f64) -> Result<f64> {
    if x.is_finite() && x > lo && x <= hi {
        Ok(x)
    } else {
        Err(Error::param(name, x, format!("a finite number in ({lo}, {hi}]")))
    }
}

/// Checks that an integer is in `[lo, hi]`.
///
/// # Errors
/// [`Error::Param`] naming `name`, the value and the range.
pub fn check_count(name: &str, n: usize, lo: usize, hi: usize) -> Result<usize> {
    if (lo..=hi).contains(&n) {
        Ok(n)
    } else {
        Err(Error::param(name, n, format!("an integer in [{lo}, {hi}]")))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_numbers_are_written_in_scientific_notation() {
        let e = super::Error::param("t_min", 1e-300, "a number in [0, 1]").to_string();
        assert!(e.contains("t_min = 1e-300:"), "{e}");
        let e = super::Error::param("condition number of U", 1e306, "at most 1e10").to_string();
        assert!(e.contains("= 1e306:") && e.len() < 100, "{e}");
        // Short numbers and words stay as they are.
        let e = super::Error::param("gamma", 1083.3333333333333, "[-1000, 1000]").to_string();
        assert!(e.contains("= 1083.3333333333333:"), "{e}");
        let e = super::Error::param("x", -1.2345e-200, "[0, 1]").to_string();
        assert!(e.contains("x = -1.2345e-200:"), "{e}");
        let e = super::Error::param("x", 6.02214076e60, "[0, 1]").to_string();
        assert!(e.contains("x = 6.02214076e60:"), "{e}");
        let e = super::Error::param("name", "\"abcdefghijklmnopqrstuvwxyz0123\"", "a name").to_string();
        assert!(e.contains("abcdefghijklmnopqrstuvwxyz0123"), "{e}");
    }

    use super::*;

    #[test]
    fn messages_name_parameter_value_and_range() {
        let e = check_range("sigma", f64::NAN, 0.0, 10.0).unwrap_err();
        assert_eq!(e.to_string(), "invalid sigma = NaN: expected a finite number in [0, 10]");
        let e = check_count("d", 0, 1, 4096).unwrap_err();
        assert_eq!(e.to_string(), "invalid d = 0: expected an integer in [1, 4096]");
        assert!(check_open_closed("T", 0.0, 0.0, 50.0).is_err());
    }
}
