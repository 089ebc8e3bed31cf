//! The theory of the dynamical regimes: speciation (SCIENCE.md §7) and collapse (§8) for the non-reversible forward
//! process, the cloning probability, the manifold (GLM) collapse theory, and sweeps over a parameter.
//!
//! Edges: the theory uses the process ([`crate::process`]) and the precision ([`crate::precision`]) and never calls
//! the simulator it is used to check. Every transition time is found by a root finder on a range and is an error
//! ([`crate::error::Error::NoTransition`]), never a made-up number, when the range holds none.
//!
//! Code map: `grid` (time grids), `marginals` (moments propagated by exact semigroup steps), `roots` and `minimize`
//! (one-dimensional numerics), `quadrature` (Gauss–Hermite, adaptive Simpson), `covariance` (validated inputs),
//! `speciation`, `cloning`, `collapse`, `manifold`, `sweep` (the entry points of the CLI and the page).
//!
//! Performance (benches/theory.rs, native, d = 64, κ = 100, rotated drift): one full [`sweep::evaluate`] (t_S with a
//! 400-point scan, t_C, 200-point curves) takes about 50 ms; the scan dominates (two d×d products and a Cholesky
//! factorization per grid point, see `marginals`).

pub mod cloning;
pub mod collapse;
pub mod covariance;
pub mod grid;
pub mod manifold;
mod marginals;
pub mod minimize;
mod modal;
pub mod quadrature;
pub mod roots;
pub mod speciation;
pub mod sweep;
