//! Generation in reverse time (SCIENCE.md §6): time grids, integrators of the reverse SDE and of the probability-flow
//! ODE, and the resumable, forkable batch generator.

pub mod generate;
pub mod grid;
pub mod integrator;
pub mod step_bias;
pub mod whitened;
