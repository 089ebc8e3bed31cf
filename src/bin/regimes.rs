//! `regimes`: the native command-line tool for every batch computation of the playground.
//!
//! Each subcommand reads one JSON config (the same serde types as the page's worker protocol and URL state) and
//! prints JSON (or CSV where a table makes sense) on stdout. Errors go to stderr with a non-zero exit code.

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::io::Write;
    use std::path::PathBuf;

    use clap::{Parser, Subcommand, ValueEnum};
    use diffusion_regimes::config::{from_json, to_json, DriftConfig, ForwardConfig};

    /// Dynamical regimes of diffusion models: batch computations with exact scores.
    #[derive(Parser)]
    #[command(name = "regimes", version, about, long_about = None)]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Clone, Copy, ValueEnum)]
    enum Format {
        Json,
        Csv,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Forward (noising) trajectories of a two-class mixture with the exact mean ± 2 s.d. band.
        Forward {
            /// Path of a JSON ForwardConfig ("-" for stdin).
            #[arg(long)]
            config: PathBuf,
            /// Output format: json (everything) or csv (time, band, and one column per trajectory).
            #[arg(long, value_enum, default_value = "json")]
            format: Format,
        },
        /// The drift design: Q, eigenvalues of A, gap, bound Tr U/d, u_min and the ‖E_t‖₂ curve.
        Drift {
            /// Path of a JSON DriftConfig ("-" for stdin).
            #[arg(long)]
            config: PathBuf,
        },
    }

    fn read(path: &PathBuf) -> Result<String, String> {
        if path.as_os_str() == "-" {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).map_err(|e| format!("reading stdin: {e}"))?;
            Ok(s)
        } else {
            #[allow(clippy::disallowed_methods)] // The CLI is native-only: reading files is its job.
            std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))
        }
    }

    pub fn main() -> std::process::ExitCode {
        let cli = Cli::parse();
        let out = match run(cli.command) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return std::process::ExitCode::from(2);
            }
        };
        let mut stdout = std::io::stdout().lock();
        if writeln!(stdout, "{out}").is_err() {
            return std::process::ExitCode::from(1);
        }
        std::process::ExitCode::SUCCESS
    }

    fn run(command: Command) -> Result<String, String> {
        match command {
            Command::Forward { config, format } => {
                let cfg: ForwardConfig = from_json(&read(&config)?).map_err(|e| e.to_string())?;
                let r = cfg.run().map_err(|e| e.to_string())?;
                Ok(match format {
                    Format::Json => to_json(&serde_json::json!({ "config": cfg, "result": r })),
                    Format::Csv => {
                        let n_t = r.times.len();
                        let mut s = format!("# regimes forward; config: {}\n", to_json(&cfg));
                        s.push_str("t,band_mean,band_sd");
                        for p in 0..r.labels.len() {
                            s.push_str(&format!(",x{p}_class{}", r.labels[p]));
                        }
                        for k in 0..n_t {
                            s.push_str(&format!("\n{},{},{}", r.times[k], r.band_mean[k], r.band_sd[k]));
                            for p in 0..r.labels.len() {
                                s.push_str(&format!(",{}", r.projections[p * n_t + k]));
                            }
                        }
                        s
                    }
                })
            }
            Command::Drift { config } => {
                let cfg: DriftConfig = from_json(&read(&config)?).map_err(|e| e.to_string())?;
                let r = cfg.run().map_err(|e| e.to_string())?;
                Ok(to_json(&serde_json::json!({ "config": cfg, "result": r })))
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
