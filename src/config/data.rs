//! Configs of the data models at time 0 (SCIENCE.md §4), and their validated form.

use serde::{Deserialize, Serialize};

use crate::data::manifold::{Activation, Embedding, ManifoldModel};
use crate::data::mixture::{MeanDirection, Mixture};
use crate::data::training_set::TrainingSet;
use crate::error::{check_count, Error, Result};
use crate::precision::Precision;
use crate::random::{stream, Purpose};

/// Largest number of classes of the k-class mixture.
pub const MAX_CLASSES: usize = 64;

/// Biroli's two-class mixture ½N(μ, σ²I) + ½N(−μ, σ²I) with |μ|² = d m̃² (SCIENCE.md §4.1).
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
    #[serde(default = "ones")]
    pub direction: MeanDirection,
}

fn one() -> f64 {
    1.0
}

fn ones() -> MeanDirection {
    MeanDirection::Ones
}

impl Default for TwoClassConfig {
    fn default() -> Self {
        TwoClassConfig { sigma: 1.0, m_tilde: 1.0, direction: MeanDirection::Ones }
    }
}

impl TwoClassConfig {
    /// The validated mixture for precision U (whose eigenvectors the `slowest`/`fastest` directions use).
    ///
    /// # Errors
    /// [`Error::Param`] for σ or m̃ outside [0, 1000].
    pub fn mixture(&self, u: &Precision) -> Result<Mixture> {
        Mixture::two_class_isotropic(u.dim(), self.m_tilde, self.sigma, self.direction, Some(u))
            .map_err(|e| rename(e, "data."))
    }
}

/// Prefixes the parameter name of a core error with the config path (`sigma` → `data.sigma`).
fn rename(e: Error, prefix: &str) -> Error {
    match e {
        Error::Param { name, value, expected } if !name.contains('.') && name != "d" => {
            Error::Param { name: format!("{prefix}{name}"), value, expected }
        }
        other => other,
    }
}

/// The data model of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "model")]
pub enum DataConfig {
    /// Two classes ±μ (SCIENCE.md §4.1).
    TwoClass(TwoClassConfig),
    /// k equally weighted classes with means m̃√d·v_c along seeded random unit directions v_c, shared C₀ = σ²I
    /// (SCIENCE.md §4.2).
    KClass(KClassConfig),
    /// The GVM manifold model (SCIENCE.md §4.3).
    Manifold(ManifoldConfig),
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig::TwoClass(TwoClassConfig::default())
    }
}

/// The k-class mixture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KClassConfig {
    /// Number of classes k.
    pub k: usize,
    /// Within-class standard deviation σ.
    #[serde(default = "one")]
    pub sigma: f64,
    /// m̃ = |μ_c|/√d.
    #[serde(default = "one")]
    pub m_tilde: f64,
    /// Seed of the class directions.
    #[serde(default)]
    pub seed: u64,
}

/// The manifold model: latent z ∈ R^p, p = round(βd), z | c ~ N(c m̃ 1_p, I_p), x = φ(F z/√p).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifoldConfig {
    /// β = p/d ∈ (0, 1].
    pub beta: f64,
    /// Latent class mean per coordinate m̃.
    #[serde(default = "one")]
    pub m_tilde: f64,
    /// The nonlinearity φ.
    #[serde(default = "identity")]
    pub phi: Activation,
    /// The embedding normalization.
    #[serde(default = "orthonormal")]
    pub embedding: Embedding,
    /// Seed of the embedding matrix.
    #[serde(default)]
    pub seed: u64,
}

fn identity() -> Activation {
    Activation::Identity
}

fn orthonormal() -> Embedding {
    Embedding::Orthonormal
}

/// A validated data model.
#[derive(Clone, Debug)]
pub enum Data {
    /// A Gaussian mixture: exact scores and theory are available.
    Mixture(Mixture),
    /// A nonlinear manifold model: only samples (and the empirical score) are available.
    Manifold(ManifoldModel),
}

impl Data {
    /// The exact mixture, when the model is one (two-class, k-class, or a manifold with φ = identity).
    pub fn mixture(&self) -> Option<&Mixture> {
        match self {
            Data::Mixture(m) => Some(m),
            Data::Manifold(_) => None,
        }
    }

    /// Draws a training set of n points (stream `(seed, Data, i)` for point i).
    ///
    /// # Errors
    /// As [`TrainingSet::draw`] (n outside its limits, n·d over the memory budget).
    pub fn training_set(&self, n: usize, seed: u64) -> Result<TrainingSet> {
        match self {
            Data::Mixture(m) => TrainingSet::draw(m, n, seed),
            Data::Manifold(m) => TrainingSet::draw(m, n, seed),
        }
    }
}

impl DataConfig {
    /// Validates the config for precision U.
    ///
    /// # Errors
    /// [`Error::Param`] naming the `data.*` parameter that is out of range.
    pub fn build(&self, u: &Precision) -> Result<Data> {
        let d = u.dim();
        match self {
            DataConfig::TwoClass(c) => c.mixture(u).map(Data::Mixture),
            DataConfig::KClass(c) => {
                check_count("data.k", c.k, 2, MAX_CLASSES)?;
                crate::error::check_range("data.sigma", c.sigma, 0.0, crate::data::mixture::MAX_SCALE)?;
                crate::error::check_range("data.m_tilde", c.m_tilde, 0.0, crate::data::mixture::MAX_SCALE)?;
                let means = (0..c.k)
                    .map(|j| {
                        let mut s = stream(c.seed, Purpose::Matrix, 100 + j as u64);
                        let v = nalgebra::DVector::from_fn(d, |_, _| s.normal());
                        &v / v.norm() * (c.m_tilde * (d as f64).sqrt())
                    })
                    .collect();
                let c0 = nalgebra::DMatrix::identity(d, d) * (c.sigma * c.sigma);
                Mixture::k_class(vec![1.0 / c.k as f64; c.k], means, c0).map(Data::Mixture)
            }
            DataConfig::Manifold(c) => {
                let m = ManifoldModel::new(d, c.beta, c.m_tilde, c.phi, c.embedding, c.seed)
                    .map_err(|e| rename(e, "data."))?;
                if c.phi == Activation::Identity {
                    m.to_mixture().map(Data::Mixture)
                } else {
                    Ok(Data::Manifold(m))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_json;

    #[test]
    fn tagged_data_configs_parse_with_defaults() {
        let c: DataConfig = from_json(r#"{"model": "two_class", "sigma": 0.5}"#).unwrap();
        assert_eq!(c, DataConfig::TwoClass(TwoClassConfig { sigma: 0.5, ..TwoClassConfig::default() }));
        let k: DataConfig = from_json(r#"{"model": "k_class", "k": 3}"#).unwrap();
        let u = Precision::scaled_identity(8, 1.0).unwrap();
        assert_eq!(k.build(&u).unwrap().mixture().unwrap().n_classes(), 3);
        let m: DataConfig = from_json(r#"{"model": "manifold", "beta": 0.5, "phi": "tanh"}"#).unwrap();
        assert!(m.build(&u).unwrap().mixture().is_none());
        assert!(from_json::<DataConfig>(r#"{"model": "two_class", "sigmaa": 1}"#).is_err());
        let e = from_json::<DataConfig>(r#"{"model": "two_class", "sigma": -1}"#).unwrap().build(&u).unwrap_err();
        assert!(e.to_string().contains("data.sigma"), "{e}");
    }
}
