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
//! Performance (the Theory workload: d = 64, κ = 100, Q_opt): one full [`sweep::evaluate`] (t_S with a 400-point scan,
//! t_C, 200-point curves) is 833 Cholesky factorizations of 64 × 64 covariances in the modal form (`modal`): 400 for
//! the scan, 2 + 5 for the bracket and Brent steps of t_S, 2 × 13 for the Brent steps of t_C, 2 × 200 for the curves
//! (Γ_t and Σ_t at each point). They and the O(d²)-per-time assembly of their matrices take about 60 % of the time
//! natively; most of the rest is the 200 cloning integrals (`cloning::CloningQuadrature`) and the drift's Schur form.
//! `make bench` reports its time ("Theory"): 8.9–12.4 ms natively (one thread) and 13.3–15.2 ms in a browser Worker
//! over the runs of 2026-11-24, as the shared machine's speed moved.

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
