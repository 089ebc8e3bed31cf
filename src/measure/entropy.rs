//! Biroli's entropy estimator of collapse (SCIENCE.md §9.2):
//! crit(t) = ⟨(1/d) ln p^e_t(x)⟩ + h_t + α over x ~ p^e_t, h_t = (1/2d) ln det(2πe Σ_t), α = ln n / d.
//!
//! In whitened coordinates y = L⁻¹x (L Lᵀ = Σ_t) the noised training points are b_j = L⁻¹E_t a_j, a sample of p^e_t
//! is y = b_i + z (i uniform, z ~ N(0, I)), and
//! ln p^e_t(x) = ln Σ_j e^{−½|y − b_j|²} − ln n − ½ ln det(2πΣ_t),
//! so every normalization cancels and crit(t) = ½ + (1/d) ⟨ln Σ_j e^{−½|y − b_j|²}⟩ (this project's rewriting of
//! the definition; it needs no determinant). Collapsed: only j = i counts and |z|² ≈ d, so crit ≈ 0.
//!
//! The log-sum-exp is streamed over the training points in tiles (dot products y·b_j by [`crate::kernels::dots`],
//! then a running maximum and sum), never a samples × n × d array. The Monte Carlo error is the sample standard
//! deviation over √N. Sample i at time k draws from `stream(seed_k, Estimator, i)`, seed_k = [`derived_seed`]`(seed,
//! 2, k)`.

use std::ops::Range;

use serde::Serialize;

use super::engine::{derived_seed, PieceData, Setting};
use super::estimate::mean;
use crate::error::Result;
use crate::isotropic::Isotropic;
use crate::kernels::{dot, dots};
use crate::linalg::cholesky;
use crate::random::{stream, Purpose};
use crate::score::mixture::rows_of;

/// Purpose tag of the per-time seeds.
const TIME_TAG: u64 = 2;

/// Samples per block of the streamed log-sum-exp.
const BLOCK_SAMPLES: usize = 32;

/// Training points per block: 32 × 512 dot products (128 KiB) stay in cache between the product and the reduction.
const BLOCK_KEYS: usize = 512;

/// The whitened noised training points b_j at one time, and |b_j|².
fn whitened_points(setting: &Setting, t: f64) -> Result<(Vec<f64>, Vec<f64>)> {
    let training = setting.training()?;
    let d = training.dim();
    let process = &setting.scenario.process;
    let keys = match Isotropic::of(process) {
        // Σ_t = s_t I, E_t = e^{−ct} I: b_j = (e^{−ct}/√s_t) a_j.
        Some(iso) => {
            let f = iso.decay(t) / iso.noise_var(t).sqrt();
            training.points().iter().map(|a| f * a).collect()
        }
        None => {
            let tr = process.transition(t);
            let l = cholesky(&tr.noise_cov, "Σ_t")?.l();
            let w = l.solve_lower_triangular(&tr.propagator).expect("Cholesky factor has a positive diagonal");
            let mut keys = vec![0.0; training.points().len()];
            dots(training.points(), &rows_of(&w), d, &mut keys, d);
            keys
        }
    };
    let sq = keys.chunks_exact(d).map(|b| dot(b, b)).collect();
    Ok((keys, sq))
}

/// Runs the estimator for the samples of a local index range, a block of samples at a time.
pub(crate) struct Runner {
    times: Vec<f64>,
    range: Range<u64>,
    k: usize,
    next: u64,
    keys: Option<(Vec<f64>, Vec<f64>)>,
    values: Vec<f64>,
    y: Vec<f64>,
    products: Vec<f64>,
}

impl Runner {
    pub(crate) fn new(_setting: &Setting, times: &[f64], range: Range<u64>) -> Result<Self> {
        let n = (range.end - range.start) as usize;
        Ok(Runner {
            times: times.to_vec(),
            next: range.start,
            range,
            k: 0,
            keys: None,
            values: vec![0.0; n * times.len()],
            y: Vec::new(),
            products: vec![0.0; BLOCK_SAMPLES * BLOCK_KEYS],
        })
    }

    /// Evaluates about `max_work` (sample, time) terms; returns (work done, finished).
    pub(crate) fn advance(&mut self, setting: &Setting, max_work: u64) -> Result<(u64, bool)> {
        let training = setting.training()?;
        let (n, d) = (training.len(), training.dim());
        let mut work = 0;
        while work < max_work && self.k < self.times.len() {
            if self.keys.is_none() {
                self.keys = Some(whitened_points(setting, self.times[self.k])?);
            }
            let (keys, key_sq) = self.keys.as_ref().expect("set above");
            let seed = derived_seed(setting.seed, TIME_TAG, self.k as u64);
            let block = (self.range.end - self.next).min(BLOCK_SAMPLES as u64) as usize;
            self.y.resize(block * d, 0.0);
            for (p, yp) in self.y.chunks_exact_mut(d).enumerate() {
                let mut rng = stream(seed, Purpose::Estimator, self.next + p as u64);
                let i = rng.below(n as u64) as usize;
                rng.fill_normal(yp);
                for (y, b) in yp.iter_mut().zip(&keys[i * d..(i + 1) * d]) {
                    *y += b;
                }
            }
            // Running log-sum-exp of ℓ_j = y·b_j − ½|b_j|² per sample; −½|y|² is added at the end.
            let mut max = vec![f64::NEG_INFINITY; block];
            let mut sum = vec![0.0; block];
            for j0 in (0..n).step_by(BLOCK_KEYS) {
                let j1 = (j0 + BLOCK_KEYS).min(n);
                let nk = j1 - j0;
                dots(&self.y, &keys[j0 * d..j1 * d], d, &mut self.products, nk);
                for p in 0..block {
                    let row = &self.products[p * nk..(p + 1) * nk];
                    let mut m = max[p];
                    for (dp, sq) in row.iter().zip(&key_sq[j0..j1]) {
                        m = m.max(dp - 0.5 * sq);
                    }
                    let mut s = sum[p] * (max[p] - m).exp();
                    for (dp, sq) in row.iter().zip(&key_sq[j0..j1]) {
                        s += (dp - 0.5 * sq - m).exp();
                    }
                    (max[p], sum[p]) = (m, s);
                }
            }
            let nt = self.times.len();
            for (p, yp) in self.y.chunks_exact(d).enumerate() {
                let lse = max[p] + sum[p].ln() - 0.5 * dot(yp, yp);
                let i = (self.next - self.range.start) as usize + p;
                self.values[i * nt + self.k] = 0.5 + lse / d as f64;
            }
            self.next += block as u64;
            work += block as u64;
            if self.next == self.range.end {
                self.k += 1;
                self.next = self.range.start;
                self.keys = None;
            }
        }
        Ok((work, self.k == self.times.len()))
    }

    pub(crate) fn finish(self) -> PieceData {
        PieceData::Entropy { values: self.values }
    }
}

/// The entropy estimator's result beside the theory.
#[derive(Clone, Debug, Serialize)]
pub struct EntropyResult {
    /// Forward times.
    pub times: Vec<f64>,
    /// Monte Carlo samples per time.
    pub samples: u64,
    /// α = ln n / d.
    pub alpha: f64,
    /// crit(t).
    pub crit: Vec<f64>,
    /// Its Monte Carlo standard error.
    pub crit_se: Vec<f64>,
    /// The theoretical excess entropy f(t) = α − I_t/d (crit ≈ max(f, 0)).
    pub theory_f: Option<Vec<f64>>,
    /// The theoretical collapse time t_C.
    pub theory_t_c: Option<f64>,
}

impl EntropyResult {
    pub(crate) fn new(setting: &Setting, times: &[f64], values: &[f64]) -> Self {
        let nt = times.len();
        let samples = values.len() / nt;
        let est: Vec<_> =
            (0..nt).map(|k| mean(&(0..samples).map(|i| values[i * nt + k]).collect::<Vec<_>>())).collect();
        let training = setting.training.as_ref();
        EntropyResult {
            times: times.to_vec(),
            samples: samples as u64,
            alpha: setting.scenario.alpha(),
            crit: est.iter().map(|e| e.value).collect(),
            crit_se: est.iter().map(|e| e.se).collect(),
            theory_f: super::reference::excess_entropy(&setting.scenario, training, times),
            theory_t_c: super::reference::collapse_time(&setting.scenario, training),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{from_json, MeasureConfig};
    use crate::measure::engine::Measurement;

    /// The whitened rewriting ½ + (1/d) ln Σ_j e^{−½|y − b_j|²} equals the definition
    /// (1/d) ln p^e_t(x) + h_t + α evaluated directly on the same sample x = E_t a_i + L z (here with a general U, so
    /// the whitening is not a scalar), to rounding.
    #[test]
    fn per_sample_terms_equal_the_definition() {
        let cfg: MeasureConfig = from_json(
            r#"{"scenario": {"process": {"d": 3, "precision": {"kind": "log_spaced", "kappa": 4, "basis_seed": 2},
                "drift": {"design": "optimal"}}, "n": 7},
                "sampler": {"grid": {"t_max": 1, "t_min": 0.01, "steps": 10, "kind": "uniform"}, "particles": 5},
                "experiment": {"kind": "entropy", "times": [0.2, 1.5]}, "seed": 9}"#,
        )
        .unwrap();
        let m = Measurement::new(&cfg).unwrap();
        let setting = &m.settings[0];
        let mut r = Runner::new(setting, &[0.2, 1.5], 0..5).unwrap();
        assert!(r.advance(setting, u64::MAX).unwrap().1);
        let PieceData::Entropy { values } = r.finish() else { panic!("entropy data") };
        let training = setting.training().unwrap();
        let (n, d) = (training.len(), 3usize);
        let process = &setting.scenario.process;
        for (k, &t) in [0.2, 1.5].iter().enumerate() {
            let tr = process.transition(t);
            let l = tr.noise_cov.clone().cholesky().unwrap().l();
            let means: Vec<nalgebra::DVector<f64>> =
                (0..n).map(|j| &tr.propagator * nalgebra::DVector::from_column_slice(training.point(j))).collect();
            let cov_inv = tr.noise_cov.clone().try_inverse().unwrap();
            let ln_det = tr.noise_cov.determinant().ln();
            let tau = std::f64::consts::TAU;
            for i in 0..5u64 {
                let mut rng = stream(derived_seed(9, TIME_TAG, k as u64), Purpose::Estimator, i);
                let a = rng.below(n as u64) as usize;
                let z = nalgebra::DVector::from_fn(d, |_, _| rng.normal());
                let x = &means[a] + &l * z;
                let dens: f64 = means
                    .iter()
                    .map(|mj| {
                        let v = &x - mj;
                        (-0.5 * (v.transpose() * &cov_inv * &v)[0] - 0.5 * (d as f64 * tau.ln() + ln_det)).exp()
                    })
                    .sum::<f64>()
                    / n as f64;
                let h = 0.5 * (tau * std::f64::consts::E).ln() + ln_det / (2.0 * d as f64);
                let direct = dens.ln() / d as f64 + h + (n as f64).ln() / d as f64;
                let got = values[i as usize * 2 + k];
                assert!((got - direct).abs() < 1e-11, "t = {t}, sample {i}: {got} vs {direct}");
            }
        }
    }
}
