//! Core of the diffusion-regimes playground: the science of SCIENCE.md as a pure Rust library.
//!
//! The core compiles natively with no browser crate in reach; `wasm` (wasm32 only) is the only module that knows
//! about the browser. Dependencies point one way: [`linalg`], [`random`] → [`precision`], [`process`] → the models,
//! scores, samplers and theory → measurements → plotting → the wasm boundary and the CLI.

pub mod budget;
pub mod config;
pub mod data;
pub mod drift;
pub mod error;
pub mod generation;
pub mod isotropic;
pub use regimes_kernels as kernels;
pub mod linalg;
pub mod measure;
pub mod noising;
pub mod plot;
pub mod precision;
pub mod process;
pub mod projection;
pub mod random;
pub mod relaxation;
pub mod sampler;
pub mod score;
pub mod theory;
pub mod workloads;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
