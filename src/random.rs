//! Seeded random streams: one independent, reproducible stream per (seed, purpose, index), with normal variates computed the
//! same way on every platform. The streams live in the kernel crate ([`regimes_kernels::random`], compiled at full
//! optimization in the size-optimized web build, see ARCHITECTURE.md); this module re-exports them and adds the
//! platform entropy source.

pub use regimes_kernels::random::{stream, Purpose, Stream};

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
    /// Fresh seeds fit a JavaScript number exactly and are not constant.
    #[test]
    fn fresh_seeds_are_below_2_53_and_differ() {
        let seeds: Vec<u64> = (0..4).map(|_| super::fresh_seed().unwrap()).collect();
        assert!(seeds.iter().all(|&s| s < 1 << 53));
        assert!(seeds.windows(2).any(|w| w[0] != w[1]), "{seeds:?}");
    }
}
