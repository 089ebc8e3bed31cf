//! The measurements of SCIENCE.md §9: the experiments that put a measured point beside every theory curve.
//!
//! Code map: `cloning` (§9.1 and the clone agreement of §9.4), `entropy` (the estimator crit(t), §9.2),
//! `nearest_neighbour` (t̂_C, §9.3), `memorization` (§9.5), `crossing` (measured t_S from φ̂ crossing F(1)),
//! `estimate` (proportions and means with standard errors), `reference` (the theory reported beside each measurement), `budget` (memory and work limits, checked before a run
//! starts), `sweep` (measured t_S and t_C along a parameter), and `engine`, which splits every experiment into work
//! units.
//!
//! Invariants:
//! - A work unit is a contiguous range of Monte Carlo indices (clone pairs, trajectories, estimator samples) of the
//!   run's global index space. Index i always draws from its own streams (`stream(seed, purpose, i)`), and a unit's
//!   result is either integer counts or per-index values in index order, so [`engine::merge`] of the units' partials
//!   gives bit-identical results however the indices were split into units and whichever thread or Worker ran them.
//! - [`engine::run_unit`] and [`engine::merge`] are pure functions of the config and the range; partials serialize
//!   with serde, so a pool of Workers can post them to the page.
//! - Budgets are checked when a [`engine::Measurement`] is prepared, before any training set or particle buffer is
//!   allocated.
//!
//! Edges: measurements call the samplers and scores, and the theory only to report it beside the measured numbers
//! and to place the split times of a sweep (theory never calls the simulator).

pub mod budget;
pub mod cloning;
pub mod crossing;
pub mod engine;
pub mod entropy;
pub mod estimate;
pub mod memorization;
pub mod nearest_neighbour;
pub mod reference;
pub mod sweep;
