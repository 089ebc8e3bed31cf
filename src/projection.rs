//! The two axes a generation run is shown on (the Trajectories and Particles views): the class axis, the top
//! between-class direction, and the top principal direction of the data that remains orthogonal to it; or two chosen
//! coordinates. Edges: this only chooses unit vectors from the data model (or, for a model without an exact mixture,
//! from its training set); recording the projections is the sampler's snapshot machinery.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use crate::data::mixture::Mixture;
use crate::data::training_set::TrainingSet;
use crate::error::{Error, Result};
use crate::precision::fix_sign;

/// Below this fraction of the total variance, the between-class scatter is treated as absent (m̃ = 0: one
/// Gaussian), and the class axis falls back to the top principal direction of the data.
const NO_CLASS_SIGNAL: f64 = 1e-12;

/// Which plane the page projects on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum AxesChoice {
    /// The class axis and the top remaining principal direction.
    #[default]
    Class,
    /// Two coordinates x_i, x_j (0-based).
    Coordinates {
        /// Index of the horizontal coordinate.
        x: usize,
        /// Index of the vertical coordinate.
        y: usize,
    },
}

/// Two orthonormal directions of R^d and their names (axis titles).
#[derive(Clone, Debug, PartialEq)]
pub struct ViewAxes {
    /// The horizontal direction (the class axis for [`AxesChoice::Class`]).
    pub first: DVector<f64>,
    /// The vertical direction (zero when d = 1).
    pub second: DVector<f64>,
    /// Axis titles.
    pub names: [String; 2],
}

/// The unit top eigenvector of a symmetric matrix, sign-fixed (largest component positive), with its eigenvalue.
fn top_eigenvector(m: &DMatrix<f64>) -> (f64, DVector<f64>) {
    let eig = crate::kernels::decompose::symmetric_eigen(m.clone());
    let k = eig.eigenvalues.imax();
    let mut v = eig.eigenvectors.column(k).into_owned();
    fix_sign(&mut v);
    (eig.eigenvalues[k], v)
}

/// The axes of a model: its class means and total covariance (a mixture's exact ones, or a training set's empirical
/// ones), or two coordinates.
fn axes_from(means: &[DVector<f64>], weights: &[f64], total: &DMatrix<f64>, choice: &AxesChoice) -> Result<ViewAxes> {
    let d = total.nrows();
    if let AxesChoice::Coordinates { x, y } = *choice {
        for (name, i) in [("axes.x", x), ("axes.y", y)] {
            if i >= d {
                return Err(Error::param(name, i, format!("a coordinate index in [0, {}]", d - 1)));
            }
        }
        let e = |i: usize| DVector::from_fn(d, |k, _| if k == i { 1.0 } else { 0.0 });
        return Ok(ViewAxes { first: e(x), second: e(y), names: [format!("x_{}", x + 1), format!("x_{}", y + 1)] });
    }
    let mean = means.iter().zip(weights).fold(DVector::zeros(d), |acc, (m, &w)| acc + m * w);
    let mut between = DMatrix::zeros(d, d);
    for (m, &w) in means.iter().zip(weights) {
        let c = m - &mean;
        between += &c * c.transpose() * w;
    }
    let (lambda, class_axis) = top_eigenvector(&between);
    let (first, first_name) = if lambda > NO_CLASS_SIGNAL * total.trace().max(f64::MIN_POSITIVE) {
        (class_axis, "class axis (top between-class direction)")
    } else {
        (top_eigenvector(total).1, "top principal direction (no class signal)")
    };
    if d == 1 {
        return Ok(ViewAxes { first, second: DVector::zeros(1), names: [first_name.into(), "(d = 1)".into()] });
    }
    let p = DMatrix::identity(d, d) - &first * first.transpose();
    let (_, mut second) = top_eigenvector(&(&p * total * &p));
    // Numerically orthogonal to the first axis even when the remaining spectrum is degenerate.
    second -= &first * first.dot(&second);
    let norm = second.norm();
    if norm > 0.0 {
        second /= norm;
    }
    Ok(ViewAxes { first, second, names: [first_name.into(), "top remaining principal direction".into()] })
}

/// The axes of a mixture model (exact class means and total covariance).
///
/// # Errors
/// [`Error::Param`] naming `axes.x`/`axes.y` for a coordinate index ≥ d.
pub fn mixture_axes(m: &Mixture, choice: &AxesChoice) -> Result<ViewAxes> {
    axes_from(m.means(), m.weights(), &m.total_covariance(), choice)
}

/// The axes of a training set (its class means and sample covariance): for models without an exact mixture.
///
/// # Errors
/// As [`mixture_axes`].
pub fn training_axes(ts: &TrainingSet, choice: &AxesChoice) -> Result<ViewAxes> {
    let d = ts.dim();
    let k = ts.labels().iter().copied().max().map_or(1, |c| c as usize + 1);
    let mut sums = vec![DVector::zeros(d); k];
    let mut counts = vec![0usize; k];
    for (i, &c) in ts.labels().iter().enumerate() {
        sums[c as usize] += DVector::from_column_slice(ts.point(i));
        counts[c as usize] += 1;
    }
    let total: usize = counts.iter().sum();
    let (means, weights): (Vec<_>, Vec<_>) = sums
        .into_iter()
        .zip(&counts)
        .filter(|(_, &c)| c > 0)
        .map(|(s, &c)| (s / c as f64, c as f64 / total as f64))
        .unzip();
    axes_from(&means, &weights, &ts.sample_covariance(), choice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::mixture::MeanDirection;

    #[test]
    fn two_class_axis_is_mu_hat_and_second_is_orthogonal() {
        let m = Mixture::two_class_isotropic(8, 1.0, 1.0, MeanDirection::Ones, None).unwrap();
        let a = mixture_axes(&m, &AxesChoice::Class).unwrap();
        let mu_hat = DVector::from_element(8, 1.0 / 8f64.sqrt());
        assert!((a.first.dot(&mu_hat) - 1.0).abs() < 1e-12);
        assert!(a.first.dot(&a.second).abs() < 1e-12 && (a.second.norm() - 1.0).abs() < 1e-12);
        assert!(a.names[0].starts_with("class axis"));
    }

    #[test]
    fn coordinates_are_checked_and_named_one_based() {
        let m = Mixture::two_class_isotropic(2, 1.0, 1.0, MeanDirection::Ones, None).unwrap();
        let a = mixture_axes(&m, &AxesChoice::Coordinates { x: 0, y: 1 }).unwrap();
        assert_eq!(a.names, ["x_1".to_string(), "x_2".to_string()]);
        assert_eq!((a.first[0], a.second[1]), (1.0, 1.0));
        let e = mixture_axes(&m, &AxesChoice::Coordinates { x: 0, y: 2 }).unwrap_err();
        assert!(e.to_string().contains("axes.y"), "{e}");
    }

    #[test]
    fn no_class_signal_falls_back_to_a_principal_direction() {
        let m = Mixture::two_class_isotropic(4, 0.0, 1.0, MeanDirection::Ones, None).unwrap();
        let a = mixture_axes(&m, &AxesChoice::Class).unwrap();
        assert!(a.names[0].starts_with("top principal") && (a.first.norm() - 1.0).abs() < 1e-12);
    }
}
