//! Configs of the data models at time 0 (SCIENCE.md §4).

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use crate::error::{check_range, Error, Result};
use crate::precision::Precision;
use crate::random::{stream, Purpose};

/// Largest |m̃| and σ accepted: far beyond any regime of interest, and keeps every exponent finite.
pub const MAX_SCALE: f64 = 1e3;

/// Direction of the class mean μ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum Direction {
    /// Along (1, …, 1)/√d (Biroli's choice).
    #[default]
    Ones,
    /// Along the slowest eigenvector e_s of U.
    Slowest,
    /// Along the fastest eigenvector e_f of U.
    Fastest,
    /// A seeded uniformly random unit vector.
    Random {
        /// Seed of the direction.
        seed: u64,
    },
}

impl Direction {
    /// The unit vector for precision U.
    pub fn unit(&self, u: &Precision) -> DVector<f64> {
        let d = u.dim();
        match self {
            Direction::Ones => DVector::from_element(d, 1.0 / (d as f64).sqrt()),
            Direction::Slowest => u.slowest(),
            Direction::Fastest => u.fastest(),
            Direction::Random { seed } => {
                let mut s = stream(*seed, Purpose::Matrix, 2);
                let v = DVector::from_fn(d, |_, _| s.normal());
                let n = v.norm();
                if n > 0.0 {
                    v / n
                } else {
                    DVector::from_element(d, 1.0 / (d as f64).sqrt())
                }
            }
        }
    }
}

/// Biroli's two-class mixture ½N(μ, σ²I) + ½N(−μ, σ²I) with |μ|² = d m̃².
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwoClassConfig {
    /// Within-class standard deviation σ (C₀ = σ²I).
    #[serde(default = "one")]
    pub sigma: f64,
    /// m̃ = |μ|/√d.
    #[serde(default = "one")]
    pub m_tilde: f64,
    /// Direction of μ.
    #[serde(default)]
    pub direction: Direction,
}

fn one() -> f64 {
    1.0
}

impl Default for TwoClassConfig {
    fn default() -> Self {
        TwoClassConfig { sigma: 1.0, m_tilde: 1.0, direction: Direction::Ones }
    }
}

impl TwoClassConfig {
    /// The validated class mean μ and within-class covariance C₀ for precision U.
    ///
    /// # Errors
    /// [`Error::Param`] for σ or m̃ outside [0, 1000].
    pub fn mean_and_cov(&self, u: &Precision) -> Result<(DVector<f64>, DMatrix<f64>)> {
        check_range("data.sigma", self.sigma, 0.0, MAX_SCALE)?;
        check_range("data.m_tilde", self.m_tilde, 0.0, MAX_SCALE)?;
        let d = u.dim();
        let mu = self.direction.unit(u) * (self.m_tilde * (d as f64).sqrt());
        if !mu.iter().all(|x| x.is_finite()) {
            return Err(Error::param("data.m_tilde", self.m_tilde, "a value giving a finite mean"));
        }
        Ok((mu, DMatrix::identity(d, d) * (self.sigma * self.sigma)))
    }
}
