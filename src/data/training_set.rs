//! A training set: n points drawn from a data model with a seed (SCIENCE.md §4.4), stored as one contiguous
//! row-major n×d buffer (`points[i * d + k]`) with class labels; α = ln n / d.

use nalgebra::{DMatrix, DVector};

use crate::data::DataModel;
use crate::error::{check_count, Error, Result};
use crate::precision::MAX_DIM;
use crate::random::{stream, Purpose};

/// Largest training-set size n. α = ln n / d stays meaningful (ln 200000 ≈ 12.2) and the empirical score's cost
/// n·d per particle per step stays within what a page can run.
pub const MAX_POINTS: usize = 200_000;

/// Largest n·d (f64 entries) of a training set: 2²⁶ entries = 512 MiB, a quarter of a wasm32 address space.
pub const MAX_ENTRIES: usize = 1 << 26;

/// n points of dimension d, row-major, with a class label per point.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingSet {
    d: usize,
    points: Vec<f64>,
    labels: Vec<u32>,
}

impl TrainingSet {
    /// Draws n points from `model`; point i uses `stream(seed, Purpose::Data, i)`, so the set does not depend on how
    /// it is generated in chunks, and its first m points are the set of size m.
    ///
    /// ```
    /// use diffusion_regimes::data::{mixture::{MeanDirection, Mixture}, training_set::TrainingSet};
    /// let m = Mixture::two_class_isotropic(8, 1.0, 1.0, MeanDirection::Ones, None).unwrap();
    /// let ts = TrainingSet::draw(&m, 100, 7).unwrap();
    /// assert_eq!(ts.len(), 100);
    /// assert!((ts.alpha() - 100f64.ln() / 8.0).abs() < 1e-15);
    /// ```
    ///
    /// # Errors
    /// [`Error::Param`] for n outside [1, 200000]; [`Error::Budget`] when n·d exceeds 2²⁶ entries.
    pub fn draw(model: &impl DataModel, n: usize, seed: u64) -> Result<Self> {
        check_count("n", n, 1, MAX_POINTS)?;
        let d = model.dim();
        check_budget(n, d)?;
        let mut points = vec![0.0; n * d];
        let mut labels = Vec::with_capacity(n);
        let mut scratch = Vec::new();
        for (i, row) in points.chunks_exact_mut(d).enumerate() {
            let mut rng = stream(seed, Purpose::Data, i as u64);
            labels.push(model.sample_point(&mut rng, &mut scratch, row));
        }
        Ok(TrainingSet { d, points, labels })
    }

    /// A training set from given row-major points and labels.
    ///
    /// # Errors
    /// [`Error::Param`] for d outside [1, 4096], a buffer whose length is not a positive multiple of d, n outside
    /// [1, 200000], a label count different from n, or non-finite entries; [`Error::Budget`] as in [`Self::draw`].
    pub fn from_points(d: usize, points: Vec<f64>, labels: Vec<u32>) -> Result<Self> {
        check_count("d", d, 1, MAX_DIM)?;
        if points.is_empty() || points.len() % d != 0 {
            return Err(Error::param("points length", points.len(), format!("a positive multiple of d = {d}")));
        }
        let n = check_count("n", points.len() / d, 1, MAX_POINTS)?;
        check_budget(n, d)?;
        if labels.len() != n {
            return Err(Error::param("labels length", labels.len(), format!("n = {n}")));
        }
        if let Some(i) = points.iter().position(|x| !x.is_finite()) {
            return Err(Error::param(format!("points[{i}]"), points[i], "a finite number"));
        }
        Ok(TrainingSet { d, points, labels })
    }

    /// Dimension d.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// Number of points n.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Always false: a training set has at least one point.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// α = ln n / d (SCIENCE.md §1).
    pub fn alpha(&self) -> f64 {
        (self.len() as f64).ln() / self.d as f64
    }

    /// The row-major n×d buffer.
    pub fn points(&self) -> &[f64] {
        &self.points
    }

    /// Point i.
    pub fn point(&self, i: usize) -> &[f64] {
        &self.points[i * self.d..(i + 1) * self.d]
    }

    /// Class labels (class index of the mixture; 0 for c = +1 and 1 for c = −1 in two-class and manifold models).
    pub fn labels(&self) -> &[u32] {
        &self.labels
    }

    /// The sample mean (1/n) Σ_i a_i.
    pub fn mean(&self) -> DVector<f64> {
        let mut m = DVector::zeros(self.d);
        for row in self.points.chunks_exact(self.d) {
            for (mk, x) in m.iter_mut().zip(row) {
                *mk += x;
            }
        }
        m / self.len() as f64
    }

    /// The sample covariance (1/n) Σ_i (a_i − ā)(a_i − ā)ᵀ, normalized by n (the covariance of the empirical law,
    /// which is what the collapse theory of SCIENCE.md §8 sees).
    pub fn sample_covariance(&self) -> DMatrix<f64> {
        let d = self.d;
        let mean = self.mean();
        let mut c = DMatrix::zeros(d, d);
        let mut centered = vec![0.0; d];
        for row in self.points.chunks_exact(d) {
            for ((z, x), m) in centered.iter_mut().zip(row).zip(mean.iter()) {
                *z = x - m;
            }
            // Lower triangle only, mirrored below: half the work of a full outer product.
            for j in 0..d {
                let zj = centered[j];
                for (i, zi) in centered.iter().enumerate().skip(j) {
                    c[(i, j)] += zi * zj;
                }
            }
        }
        for j in 0..d {
            for i in j + 1..d {
                c[(j, i)] = c[(i, j)];
            }
        }
        c / self.len() as f64
    }
}

fn check_budget(n: usize, d: usize) -> Result<()> {
    if n.saturating_mul(d) > MAX_ENTRIES {
        return Err(Error::Budget {
            budget: "memory".into(),
            needed: format!("{} training-set entries (n = {n}, d = {d})", n * d),
            limit: format!("{MAX_ENTRIES} entries (512 MiB)"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::mixture::{MeanDirection, Mixture};

    #[test]
    fn draws_are_prefix_stable_and_validated() {
        let m = Mixture::two_class_isotropic(3, 1.0, 1.0, MeanDirection::Ones, None).unwrap();
        let a = TrainingSet::draw(&m, 10, 2).unwrap();
        let b = TrainingSet::draw(&m, 4, 2).unwrap();
        assert_eq!(&a.points()[..12], b.points());
        assert!(TrainingSet::draw(&m, 0, 2).unwrap_err().to_string().contains("invalid n = 0"));
        assert!(TrainingSet::from_points(2, vec![1.0, 2.0, 3.0], vec![0]).is_err());
        let big = Mixture::two_class_isotropic(400, 1.0, 1.0, MeanDirection::Ones, None).unwrap();
        assert!(matches!(TrainingSet::draw(&big, 200_000, 1), Err(Error::Budget { .. })));
    }
}
