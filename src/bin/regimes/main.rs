//! `regimes`: the native command-line tool for every batch computation of the playground.
//!
//! Each subcommand reads one JSON config (the same serde types as the page's worker protocol and URL state) and
//! prints JSON (or CSV where a table makes sense) on stdout. Errors go to stderr with exit code 2.
//! A file per kind of run (`sweep` lives with `theory`), plus `io.rs` and `progress.rs`; this file only dispatches.

#[cfg(not(target_arch = "wasm32"))]
mod drift;
#[cfg(not(target_arch = "wasm32"))]
mod fit;
#[cfg(not(target_arch = "wasm32"))]
mod forward;
#[cfg(not(target_arch = "wasm32"))]
mod generate;
#[cfg(not(target_arch = "wasm32"))]
mod io;
#[cfg(not(target_arch = "wasm32"))]
mod measure;
#[cfg(not(target_arch = "wasm32"))]
mod progress;
#[cfg(not(target_arch = "wasm32"))]
mod theory;

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::io::Write;

    use clap::{Parser, Subcommand};

    /// Dynamical regimes of diffusion models: batch computations with exact scores.
    #[derive(Parser)]
    #[command(name = "regimes", version, about, long_about = None)]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Forward (noising) trajectories of a two-class mixture with the exact mean ± 2 s.d. band.
        Forward(super::forward::Args),
        /// The drift design: Q, eigenvalues of A, gap, bound Tr U/d, u_min and the ‖E_t‖₂ curve.
        Drift(super::drift::Args),
        /// Speciation and collapse theory of one scenario: t_S (all roots), t_C, gap, bound, φ(t) and f(t) curves.
        Theory(super::theory::TheoryArgs),
        /// The theory along one parameter (γ, q, κ, α, n, d, β, m̃, σ).
        Sweep(super::theory::SweepArgs),
        /// Reverse-time generation with the exact mixture or empirical score.
        Generate(super::generate::Args),
        /// Measurements (SCIENCE.md §9): cloning, entropy estimator, nearest-neighbour stability, memorization, sweeps.
        Measure(super::measure::Args),
    }

    pub fn main() -> std::process::ExitCode {
        let cli = Cli::parse();
        let result = match cli.command {
            Command::Forward(args) => super::forward::run(args),
            Command::Drift(args) => super::drift::run(args),
            Command::Theory(args) => super::theory::theory(args),
            Command::Sweep(args) => super::theory::sweep(args),
            Command::Generate(args) => super::generate::run(args),
            Command::Measure(args) => super::measure::run(args),
        };
        match result {
            Ok(out) => {
                let mut stdout = std::io::stdout().lock();
                if writeln!(stdout, "{out}").is_err() {
                    return std::process::ExitCode::from(1);
                }
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                std::process::ExitCode::from(2)
            }
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

// The binary target also compiles (empty) for wasm32 so `cargo test --target wasm32-unknown-unknown` builds.
#[cfg(target_arch = "wasm32")]
fn main() {}
