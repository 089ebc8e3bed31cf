//! Forward (noising) trajectories of a two-class mixture, sampled with the exact transition of SCIENCE.md §2, and the
//! exact mean ± 2 s.d. band of their projection on the class axis.
//!
//! This is the first view of the page: it shows the forward process erasing the class structure, with the theory
//! band drawn over the simulated paths.

use nalgebra::{DMatrix, DVector, DVectorView};
use serde::Serialize;

use crate::error::{check_count, check_open_closed, Result};
use crate::kernels::dense::gemm;
use crate::linalg::cholesky;
use crate::process::OuProcess;
use crate::random::{stream, Purpose};

/// Largest number of stored trajectories (each stores one projection per time step).
pub const MAX_PARTICLES: usize = 2000;
/// Largest number of time steps of a noising run.
pub const MAX_STEPS: usize = 2000;
/// Largest forward time.
pub const MAX_TIME: f64 = 100.0;
/// Particles stepped together by the general-U step (their x, z and products stay in cache up to d ≈ 256).
const FORWARD_BLOCK: usize = 64;

/// Forward trajectories projected on the class axis, with the exact band.
///
/// Layout: `projections[p * times.len() + k]` is the projection of particle p at `times[k]` (particle-major).
#[derive(Clone, Debug, Serialize)]
pub struct NoisingRun {
    /// Forward times, 0 = t₀ < t₁ < … = T (uniform).
    pub times: Vec<f64>,
    /// Projections μ̂ · x_t, particle-major.
    pub projections: Vec<f64>,
    /// Class of each particle: +1 or −1.
    pub labels: Vec<i8>,
    /// Exact mean of the projection of class +1 at each time: μ̂ᵀ E_t μ (class −1 is its negative).
    pub band_mean: Vec<f64>,
    /// Exact standard deviation of the projection at each time: √(μ̂ᵀ (E_t C₀ E_tᵀ + Σ_t) μ̂).
    pub band_sd: Vec<f64>,
}

/// Samples `particles` forward trajectories of ½N(μ, C₀) + ½N(−μ, C₀) on a uniform grid of `steps` steps over
/// [0, T], exactly (x_{t+h} = E_h x_t + L_h z, L_h L_hᵀ = Σ_h), and the exact band of SCIENCE.md §2:
/// a component N(μ, C₀) is N(E_t μ, E_t C₀ E_tᵀ + Σ_t) at time t.
///
/// Particle p has class +1 if p is even, and its own random stream `(seed, Generation, p)`.
///
/// # Errors
/// [`crate::error::Error::Param`] for particles outside [1, 2000], steps outside [1, 2000], T outside (0, 100], or a
/// zero mean; [`crate::error::Error::NotSpd`] for a C₀ that is not positive semi-definite.
pub fn run(
    process: &OuProcess,
    mu: &DVector<f64>,
    c0: &DMatrix<f64>,
    t_max: f64,
    steps: usize,
    particles: usize,
    seed: u64,
) -> Result<NoisingRun> {
    check_count("particles", particles, 1, MAX_PARTICLES)?;
    check_count("steps", steps, 1, MAX_STEPS)?;
    check_open_closed("t_max", t_max, 0.0, MAX_TIME)?;
    let d = process.dim();
    let mu_norm = mu.norm();
    if mu_norm.is_nan() || mu_norm == 0.0 {
        return Err(crate::error::Error::param("data.m_tilde", 0, "a non-zero class mean (m̃ > 0)"));
    }
    let axis = mu / mu_norm;
    let h = t_max / steps as f64;
    let times: Vec<f64> = (0..=steps).map(|k| k as f64 * h).collect();
    // C₀ may be singular (σ = 0, or a manifold): factor C₀ + εI only to draw x₀; ε is far below any plotted scale.
    let jitter = 1e-12 * (1.0 + c0.trace().abs() / d as f64);
    let l0 = cholesky(&(c0 + DMatrix::identity(d, d) * jitter), "C₀")?.l();
    let step = process.transition(h);
    let lh = cholesky(&step.noise_cov, "Σ_h")?.l();
    let n_t = times.len();
    let mut projections = vec![0.0; particles * n_t];
    let mut labels = Vec::with_capacity(particles);
    // U = c·I and Q = 0 (Biroli's process, the page's default): E_h = e^{−ch} I and L_h = √(1 − e^{−2ch})/√c · I, so a
    // step is O(d) instead of two d × d products. The matrix products add exact zeros to the one non-zero term of
    // each row, so both paths give the same numbers (a test compares them bit for bit).
    let scalar = scalar_of(&step.propagator).zip(scalar_of(&lh));
    let mut z = DVector::zeros(d);
    // Particle p's start: its class, then x₀ = ±μ + L₀ z from the first d normals of its stream.
    let start = |p: usize, z: &mut DVector<f64>| {
        let mut rng = stream(seed, Purpose::Generation, p as u64);
        let sign = if p % 2 == 0 { 1.0 } else { -1.0 };
        rng.fill_normal(z.as_mut_slice());
        (rng, sign as i8, mu * sign + &l0 * &*z)
    };
    match scalar {
        Some((e, l)) => {
            for p in 0..particles {
                let (mut rng, label, mut x) = start(p, &mut z);
                labels.push(label);
                projections[p * n_t] = axis.dot(&x);
                for k in 1..n_t {
                    rng.fill_normal(z.as_mut_slice());
                    x.iter_mut().zip(z.iter()).for_each(|(xi, zi)| *xi = e * *xi + l * zi);
                    projections[p * n_t + k] = axis.dot(&x);
                }
            }
        }
        None => {
            // Blocks of particles go through each step together: x ← E_h x + L_h z as two register-tiled products
            // (`kernels::dense::gemm`, rows = particles). Each entry gets the operations of nalgebra's mat-vec in the
            // same order (products E_ij x_j added in ascending j), so the numbers are those of the per-particle loop
            // (a test compares them bit for bit), at about a quarter of its time.
            // nalgebra is column-major: its storage of E_h is the row-major E_hᵀ the products need (and of L_h, L_hᵀ).
            let (e_t, l_t) = (step.propagator.as_slice(), lh.as_slice());
            let block = FORWARD_BLOCK.min(particles);
            let (mut x, mut zb) = (vec![0.0; block * d], vec![0.0; block * d]);
            let (mut ex, mut lz) = (vec![0.0; block * d], vec![0.0; block * d]);
            let mut rngs = Vec::with_capacity(block);
            for first in (0..particles).step_by(block) {
                let count = block.min(particles - first);
                rngs.clear();
                for (i, row) in x.chunks_exact_mut(d).take(count).enumerate() {
                    let (rng, label, x0) = start(first + i, &mut z);
                    labels.push(label);
                    rngs.push(rng);
                    row.copy_from_slice(x0.as_slice());
                }
                let project = |x: &[f64], k: usize, projections: &mut [f64]| {
                    for (i, row) in x.chunks_exact(d).take(count).enumerate() {
                        projections[(first + i) * n_t + k] = axis.dot(&DVectorView::from_slice(row, d));
                    }
                };
                project(&x, 0, &mut projections);
                let rows = count * d;
                for k in 1..n_t {
                    for (rng, row) in rngs.iter_mut().zip(zb.chunks_exact_mut(d)) {
                        rng.fill_normal(row);
                    }
                    gemm(count, d, d, 1.0, &x[..rows], e_t, 0.0, &mut ex[..rows]);
                    gemm(count, d, d, 1.0, &zb[..rows], l_t, 0.0, &mut lz[..rows]);
                    x[..rows].iter_mut().zip(ex.iter().zip(&lz)).for_each(|(xi, (a, b))| *xi = a + b);
                    project(&x, k, &mut projections);
                }
            }
        }
    }
    // The band needs only the projections: with w_t = E_tᵀ a (a the class axis), aᵀE_t μ = w_tᵀ μ and, as
    // Σ_t = U⁻¹ − E_t U⁻¹ E_tᵀ (the stationary law is N(0, U⁻¹) whatever Q is, SCIENCE.md §2),
    // aᵀ(E_t C₀ E_tᵀ + Σ_t)a = w_tᵀ (C₀ − U⁻¹) w_t + aᵀU⁻¹a. w follows the grid, w_{t+h} = E_hᵀ w_t: O(d²) per time
    // instead of a d × d exponential and covariance (this project's rewriting; exact algebra).
    let u_inv = process.stationary_cov();
    let c0_minus = c0 - u_inv;
    let base = axis.dot(&(u_inv * &axis));
    let e_t = step.propagator.transpose();
    let mut band_mean = Vec::with_capacity(n_t);
    let mut band_sd = Vec::with_capacity(n_t);
    let mut w = axis.clone();
    let mut next = DVector::zeros(d);
    for k in 0..n_t {
        if k > 0 {
            next.gemv(1.0, &e_t, &w, 0.0);
            std::mem::swap(&mut w, &mut next);
        }
        band_mean.push(w.dot(mu));
        band_sd.push((w.dot(&(&c0_minus * &w)) + base).max(0.0).sqrt());
    }
    Ok(NoisingRun { times, projections, labels, band_mean, band_sd })
}

/// c when `m` is exactly c·I.
fn scalar_of(m: &DMatrix<f64>) -> Option<f64> {
    let c = m[(0, 0)];
    let exact = m
        .row_iter()
        .enumerate()
        .all(|(i, row)| row.iter().enumerate().all(|(j, v)| *v == if i == j { c } else { 0.0 }));
    exact.then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::precision::Precision;

    #[test]
    fn biroli_band_and_monte_carlo_agree() {
        // U = I: the projection of class +1 is N(e^{−t}|μ|, σ² e^{−2t} + Δ_t). 2000 particles, 1000 per class:
        // the class mean at t = 0.5 has standard error ≈ 1/√1000 = 0.032; allow 4 s.e.
        let d = 8;
        let p = OuProcess::reversible(Precision::scaled_identity(d, 1.0).unwrap());
        let mu = DVector::from_element(d, 1.0);
        let c0 = DMatrix::identity(d, d) * 0.25;
        let r = run(&p, &mu, &c0, 1.0, 10, 2000, 3).unwrap();
        let k = 5; // t = 0.5
        let t: f64 = r.times[k];
        let mean = (8f64).sqrt() * (-t).exp();
        let sd = (0.25 * (-2.0 * t).exp() + 1.0 - (-2.0 * t).exp()).sqrt();
        assert!((r.band_mean[k] - mean).abs() < 1e-12 && (r.band_sd[k] - sd).abs() < 1e-12);
        let n_t = r.times.len();
        let plus: Vec<f64> = (0..2000).step_by(2).map(|p| r.projections[p * n_t + k]).collect();
        let m = plus.iter().sum::<f64>() / plus.len() as f64;
        assert!((m - mean).abs() < 4.0 * sd / (plus.len() as f64).sqrt(), "{m} vs {mean}");
    }

    /// Run settings of the bit-for-bit comparison below: T, steps, particles, seed.
    /// 70 particles: a whole block of 64 and a partial one of 6 (four rows in register blocks, two plain).
    const PLAIN: (f64, usize, usize, u64) = (2.0, 40, 70, 11);

    /// The loop as first written (`x = &E_h * &x + &L_h * &z`), with the settings [`PLAIN`].
    fn plain_projections(process: &OuProcess, mu: &DVector<f64>, c0: &DMatrix<f64>) -> Vec<f64> {
        let (t_max, steps, particles, seed) = PLAIN;
        let d = process.dim();
        let axis = mu / mu.norm();
        let jitter = 1e-12 * (1.0 + c0.trace().abs() / d as f64);
        let l0 = cholesky(&(c0 + DMatrix::identity(d, d) * jitter), "C₀").unwrap().l();
        let step = process.transition(t_max / steps as f64);
        let lh = cholesky(&step.noise_cov, "Σ_h").unwrap().l();
        let mut out = Vec::new();
        let mut z = DVector::zeros(d);
        for p in 0..particles {
            let mut rng = stream(seed, Purpose::Generation, p as u64);
            let sign = if p % 2 == 0 { 1.0 } else { -1.0 };
            rng.fill_normal(z.as_mut_slice());
            let mut x = mu * sign + &l0 * &z;
            out.push(axis.dot(&x));
            for _ in 0..steps {
                rng.fill_normal(z.as_mut_slice());
                x = &step.propagator * &x + &lh * &z;
                out.push(axis.dot(&x));
            }
        }
        out
    }

    #[test]
    fn scalar_and_buffered_steps_give_the_bits_of_the_plain_loop() {
        let mu = DVector::from_fn(6, |i, _| 1.0 + 0.1 * i as f64);
        let c0 = DMatrix::identity(6, 6) * 0.3;
        let iso = OuProcess::reversible(Precision::scaled_identity(6, 2.0).unwrap());
        let u = Precision::log_spaced(6, 100.0, None).unwrap();
        let q = crate::drift::optimal(&u, &crate::drift::Weights::Linear).unwrap();
        let aniso = OuProcess::new(u, q).unwrap();
        for process in [&iso, &aniso] {
            let (t_max, steps, particles, seed) = PLAIN;
            let r = run(process, &mu, &c0, t_max, steps, particles, seed).unwrap();
            let plain = plain_projections(process, &mu, &c0);
            assert!(r.projections.iter().zip(&plain).all(|(a, b)| a.to_bits() == b.to_bits()));
        }
        // The band's recurrence agrees with the propagated Gaussian (a d × d exponential per time) on the general U.
        let r = run(&aniso, &mu, &c0, 2.0, 40, 1, 11).unwrap();
        let axis = &mu / mu.norm();
        for (k, &t) in r.times.iter().enumerate() {
            let (m, c) = aniso.propagate_gaussian(&mu, &c0, t);
            let sd = axis.dot(&(&c * &axis)).sqrt();
            assert!((r.band_mean[k] - axis.dot(&m)).abs() < 1e-12 * (1.0 + m.norm()), "mean at t = {t}");
            assert!((r.band_sd[k] - sd).abs() < 1e-12 * sd, "sd at t = {t}: {} vs {sd}", r.band_sd[k]);
        }
        assert!(scalar_of(&iso.transition(0.1).propagator).is_some());
        assert!(scalar_of(&aniso.transition(0.1).propagator).is_none());
    }

    #[test]
    fn rejects_out_of_range_counts() {
        let p = OuProcess::reversible(Precision::scaled_identity(2, 1.0).unwrap());
        let mu = DVector::from_element(2, 1.0);
        let c0 = DMatrix::identity(2, 2);
        let e = run(&p, &mu, &c0, 1.0, 10, 0, 1).unwrap_err();
        assert!(e.to_string().contains("particles"), "{e}");
        assert!(run(&p, &mu, &c0, -1.0, 10, 5, 1).is_err());
        assert!(run(&p, &mu, &c0, 1.0, 0, 5, 1).is_err());
    }
}
