//! Seeded random streams: one independent, reproducible stream per (seed, index), with normal variates computed the
//! same way on every platform.
//!
//! Why not `rand::rngs::SmallRng` or `StdRng`: their algorithms may differ between platforms (SmallRng is a 32-bit
//! generator on wasm32) and between rand versions. Xoshiro256++ (via `rand_xoshiro`) is fixed, and normal variates use
//! the Box–Muller transform through `libm`, so native and wasm produce bit-identical streams (SCIENCE.md §1:
//! "Same inputs and seed give the same numbers").
//!
//! Each particle or clone pair gets `stream(seed, index)`, so results do not depend on how work is split across
//! threads or Workers.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// SplitMix64 finalizer (Steele, Lea, Flood 2014): a bijective 64-bit mixer used to derive stream keys.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Purposes of streams drawn from one seed, so that e.g. the training set and the generation noise never share
/// a stream even when their indices coincide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Drawing a training set or data samples.
    Data = 1,
    /// Noise of generation trajectories.
    Generation = 2,
    /// Noise of the clones after a split.
    Clone = 3,
    /// Random matrices (random basis of U, random Q, random directions, embeddings).
    Matrix = 4,
    /// Monte Carlo estimators (entropy estimator samples).
    Estimator = 5,
}

/// A reproducible stream of uniform and normal variates.
#[derive(Clone, Debug)]
pub struct Stream {
    rng: Xoshiro256PlusPlus,
    spare: Option<f64>,
}

/// The stream for `(seed, purpose, index)`.
///
/// ```
/// use diffusion_regimes::random::{stream, Purpose};
/// let a: Vec<f64> = { let mut s = stream(7, Purpose::Data, 3); (0..4).map(|_| s.normal()).collect() };
/// let b: Vec<f64> = { let mut s = stream(7, Purpose::Data, 3); (0..4).map(|_| s.normal()).collect() };
/// assert_eq!(a, b);
/// ```
pub fn stream(seed: u64, purpose: Purpose, index: u64) -> Stream {
    let key = mix64(mix64(seed ^ mix64(purpose as u64)).wrapping_add(index));
    Stream { rng: Xoshiro256PlusPlus::seed_from_u64(key), spare: None }
}

impl Stream {
    /// A uniform 64-bit integer.
    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A uniform variate in the open interval (0, 1), with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `0..n` (n ≥ 1), by Lemire's multiply-shift (bias below 2⁻⁶⁴·n, negligible here).
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// A standard normal variate (Box–Muller through libm, so identical on every platform).
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let u1 = self.uniform();
        let u2 = self.uniform();
        let r = libm::sqrt(-2.0 * libm::log(u1));
        let (s, c) = libm::sincos(std::f64::consts::TAU * u2);
        self.spare = Some(r * s);
        r * c
    }

    /// Fills `out` with standard normal variates.
    pub fn fill_normal(&mut self, out: &mut [f64]) {
        for x in out.iter_mut() {
            *x = self.normal();
        }
    }
}

/// A fresh seed from the platform's entropy source (the page's "new seed" button; never used implicitly).
///
/// # Errors
/// A [`crate::error::Error::Numerical`] if the entropy source is unavailable.
pub fn fresh_seed() -> crate::error::Result<u64> {
    // Keep seeds below 2^53 so they survive a round trip through a JavaScript number and a URL.
    getrandom::u64()
        .map(|s| s & ((1u64 << 53) - 1))
        .map_err(|e| crate::error::Error::numerical("fresh seed", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_index_and_purpose() {
        let a = stream(1, Purpose::Data, 0).next_u64();
        assert_ne!(a, stream(1, Purpose::Data, 1).next_u64());
        assert_ne!(a, stream(1, Purpose::Generation, 0).next_u64());
        assert_ne!(a, stream(2, Purpose::Data, 0).next_u64());
    }

    #[test]
    fn normal_moments() {
        // Mean and variance of 200000 variates: standard errors 1/sqrt(n) = 0.0022 and sqrt(2/n) = 0.0032; 5 s.e.
        let mut s = stream(42, Purpose::Estimator, 0);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| s.normal()).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64;
        assert!(m.abs() < 5.0 * 0.0022, "mean {m}");
        assert!((v - 1.0).abs() < 5.0 * 0.0032, "variance {v}");
    }
}
