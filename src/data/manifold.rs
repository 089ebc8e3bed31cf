//! The manifold model of George, Veiga & Macris (GVM, arXiv 2502.04339; SCIENCE.md §4.3): data on a p = βd
//! dimensional manifold inside R^d.
//!
//! Latent z ∈ R^p, p = round(βd) ≥ 1, z | c ~ N(c·μ̃, I_p) for the classes c = ±1 (probability ½ each), and
//! x = φ(F z / √p) with φ applied coordinate-wise. Two normalizations of the embedding F (d×p), which change t_C a lot:
//! - **orthonormal**: F = √p · V, V a seeded d×p matrix with orthonormal columns, so F z/√p = V z has unit variance
//!   on a p-dimensional subspace and zero variance off it; for φ = identity the law is the two-class mixture
//!   ½N(Vμ̃, VVᵀ) + ½N(−Vμ̃, VVᵀ) of rank p;
//! - **gaussian**: F with i.i.d. N(0, 1) entries, so each coordinate of F z/√p has unit variance (the GLM setting).
//!
//! This project's choice for the latent class mean: μ̃ = m̃ (1, …, 1), so |μ̃|² = p m̃² (the manifold analogue of
//! |μ|² = d m̃² in §4.1); m̃ = 0 gives a single class.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use crate::data::mixture::{Mixture, MAX_SCALE};
use crate::data::DataModel;
use crate::error::{check_count, check_open_closed, check_range, Error, Result};
use crate::precision::MAX_DIM;
use crate::random::{stream, Purpose, Stream};

/// The coordinate-wise nonlinearity φ of the manifold model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// φ(v) = v: a linear manifold (a two-class Gaussian mixture of rank p).
    Identity,
    /// φ(v) = tanh v.
    Tanh,
    /// φ(v) = max(v, 0).
    Relu,
    /// φ(v) = +1 for v ≥ 0, −1 for v < 0 (the value at the measure-zero point 0 is a convention).
    Sign,
}

impl Activation {
    /// φ(v).
    pub fn apply(self, v: f64) -> f64 {
        match self {
            Activation::Identity => v,
            Activation::Tanh => v.tanh(),
            Activation::Relu => v.max(0.0),
            Activation::Sign => {
                if v >= 0.0 {
                    1.0
                } else {
                    -1.0
                }
            }
        }
    }
}

/// The normalization of the embedding F (see the module docs: t_C depends a lot on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Embedding {
    /// F = √p V with orthonormal columns V (seeded): unit variance on a p-dimensional subspace.
    Orthonormal,
    /// F with i.i.d. N(0, 1) entries (seeded): unit variance per coordinate of F z/√p.
    Gaussian,
}

/// The GVM manifold model (SCIENCE.md §4.3).
#[derive(Clone, Debug)]
pub struct ManifoldModel {
    d: usize,
    p: usize,
    latent_mean: DVector<f64>,
    /// W = F/√p, row-major d×p: x = φ(W z).
    w_rows: Vec<f64>,
    activation: Activation,
    embedding: Embedding,
}

/// The latent dimension p = round(βd) of the manifold model, at least 1 and at most d: the model's p/d is the β that
/// GVM's formulas must use (it differs from the requested β when βd is not an integer).
pub fn latent_dim(beta: f64, d: usize) -> usize {
    ((beta * d as f64).round() as usize).clamp(1, d)
}

impl ManifoldModel {
    /// Builds the model; the embedding is drawn from `stream(seed, Purpose::Matrix, 2)`.
    ///
    /// ```
    /// use diffusion_regimes::data::manifold::{Activation, Embedding, ManifoldModel};
    /// let m = ManifoldModel::new(10, 0.25, 1.0, Activation::Tanh, Embedding::Orthonormal, 1).unwrap();
    /// assert_eq!(m.latent_dim(), 3); // round(2.5) = 3 (half away from zero)
    /// ```
    ///
    /// # Errors
    /// [`Error::Param`] for d outside [1, 4096], β not in (0, 1], or m̃ not finite in [0, 1000].
    pub fn new(
        d: usize,
        beta: f64,
        m_tilde: f64,
        activation: Activation,
        embedding: Embedding,
        seed: u64,
    ) -> Result<Self> {
        check_count("d", d, 1, MAX_DIM)?;
        check_open_closed("beta", beta, 0.0, 1.0)?;
        check_range("m_tilde", m_tilde, 0.0, MAX_SCALE)?;
        let p = latent_dim(beta, d);
        let mut s = stream(seed, Purpose::Matrix, 2);
        let g = DMatrix::from_fn(d, p, |_, _| s.normal());
        // W = F/√p: the orthonormal columns V themselves, or the Gaussian F scaled by 1/√p.
        let w = match embedding {
            Embedding::Orthonormal => {
                // Thin QR of a Gaussian d×p matrix, signs of R's diagonal fixed: Haar-distributed orthonormal columns.
                let qr = g.qr();
                let (mut q, r) = (qr.q(), qr.r());
                for k in 0..p {
                    if r[(k, k)] < 0.0 {
                        q.column_mut(k).neg_mut();
                    }
                }
                q
            }
            Embedding::Gaussian => g / (p as f64).sqrt(),
        };
        let w_rows = w.transpose().as_slice().to_vec();
        Ok(ManifoldModel { d, p, latent_mean: DVector::from_element(p, m_tilde), w_rows, activation, embedding })
    }

    /// Ambient dimension d.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// Latent dimension p = round(βd), at least 1.
    pub fn latent_dim(&self) -> usize {
        self.p
    }

    /// The nonlinearity φ.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The embedding normalization.
    pub fn embedding(&self) -> Embedding {
        self.embedding
    }

    /// The map W = F/√p (d×p), so that x = φ(W z). For the orthonormal embedding WᵀW = I_p.
    pub fn map(&self) -> DMatrix<f64> {
        DMatrix::from_row_slice(self.d, self.p, &self.w_rows)
    }

    /// For φ = identity, the model as an exact two-class mixture ½N(Wμ̃, WWᵀ) + ½N(−Wμ̃, WWᵀ) (WWᵀ = VVᵀ for the
    /// orthonormal embedding).
    ///
    /// # Errors
    /// [`Error::Param`] when φ is not the identity (the law is then not Gaussian).
    pub fn to_mixture(&self) -> Result<Mixture> {
        if self.activation != Activation::Identity {
            return Err(Error::param("activation", format!("{:?}", self.activation), "identity (a linear manifold)"));
        }
        let w = self.map();
        Mixture::two_class(&w * &self.latent_mean, &w * w.transpose())
    }
}

impl DataModel for ManifoldModel {
    fn dim(&self) -> usize {
        self.d
    }

    /// One uniform picks c = ±1 (label 0 for +1, 1 for −1, as in the two-class mixture), then z = cμ̃ + N(0, I_p) and
    /// x = φ(W z).
    fn sample_point(&self, rng: &mut Stream, scratch: &mut Vec<f64>, out: &mut [f64]) -> u32 {
        assert_eq!(out.len(), self.d, "sample_point: output of length d");
        let (label, c) = if rng.uniform() < 0.5 { (0, 1.0) } else { (1, -1.0) };
        scratch.resize(self.p, 0.0);
        rng.fill_normal(scratch);
        for (z, m) in scratch.iter_mut().zip(self.latent_mean.iter()) {
            *z += c * m;
        }
        for (o, row) in out.iter_mut().zip(self.w_rows.chunks_exact(self.p)) {
            *o = self.activation.apply(row.iter().zip(scratch.iter()).map(|(a, z)| a * z).sum());
        }
        label
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orthonormal_columns_and_linear_mixture() {
        let m = ManifoldModel::new(12, 0.5, 1.5, Activation::Identity, Embedding::Orthonormal, 3).unwrap();
        let w = m.map();
        assert!((w.transpose() * &w - DMatrix::<f64>::identity(6, 6)).amax() < 1e-12);
        let mix = m.to_mixture().unwrap();
        // Rank-p within-class covariance VVᵀ: trace p; |Vμ̃|² = |μ̃|² = p m̃².
        assert!((mix.cov(0).trace() - 6.0).abs() < 1e-10);
        assert!((mix.means()[0].norm_squared() - 6.0 * 2.25).abs() < 1e-10);
        let nonlinear = ManifoldModel::new(12, 0.5, 1.5, Activation::Relu, Embedding::Gaussian, 3).unwrap();
        assert!(nonlinear.to_mixture().is_err());
        assert!(ManifoldModel::new(12, 0.0, 1.0, Activation::Sign, Embedding::Gaussian, 3).is_err());
    }

    #[test]
    fn gaussian_embedding_has_unit_variance_per_coordinate() {
        // m̃ = 0, φ = identity: x = W z with Var x_j = |W_j|² ≈ 1 (a χ²_p/p variable per row, p = 32).
        // Sample variance over n = 20000 points of the average over d = 64 coordinates: s.e. ≈ sqrt(2/n) ≈ 0.01 per
        // coordinate, and the rows' own spread sqrt(2/p)/sqrt(d) ≈ 0.03 on the average; allow 0.15.
        let m = ManifoldModel::new(64, 0.5, 0.0, Activation::Identity, Embedding::Gaussian, 5).unwrap();
        let ts = crate::data::training_set::TrainingSet::draw(&m, 20_000, 1).unwrap();
        let v = ts.sample_covariance().trace() / 64.0;
        assert!((v - 1.0).abs() < 0.15, "{v}");
        let sign = ManifoldModel::new(8, 0.5, 1.0, Activation::Sign, Embedding::Orthonormal, 5).unwrap();
        let ts = crate::data::training_set::TrainingSet::draw(&sign, 10, 1).unwrap();
        assert!(ts.points().iter().all(|x| x.abs() == 1.0));
    }
}
