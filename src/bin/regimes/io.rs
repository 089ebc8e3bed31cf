//! Shared input/output of the subcommands: reading a config file or stdin, output formats, JSON envelopes.

use std::path::Path;

use clap::ValueEnum;
use serde::{de::DeserializeOwned, Serialize};

/// Output format of table-like results.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// One JSON object: `{"config": …, "result": …}`.
    Json,
    /// CSV with the config as a `#` comment line first.
    Csv,
}

/// Reads and parses a JSON config from a path, or from stdin when the path is `-`.
pub fn read_config<T: DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).map_err(|e| format!("reading stdin: {e}"))?;
        s
    } else {
        read_file(path)?
    };
    diffusion_regimes::config::from_json(&text).map_err(|e| e.to_string())
}

fn read_file(path: &Path) -> Result<String, String> {
    #[allow(clippy::disallowed_methods)] // The CLI is native-only: reading files is its job.
    std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

/// The JSON envelope every subcommand prints: the config that produced the result, and the result.
pub fn envelope<C: Serialize, R: Serialize>(config: &C, result: &R) -> String {
    diffusion_regimes::config::to_json(&serde_json::json!({
        "tool": concat!("regimes ", env!("CARGO_PKG_VERSION")),
        "config": config,
        "result": result,
    }))
}

/// [`envelope`] with the run's step warnings beside the result (`"warnings": [...]`, empty when none), so a saved
/// output says what stderr said.
pub fn envelope_warned<C: Serialize, R: Serialize>(config: &C, result: &R, warnings: &[String]) -> String {
    diffusion_regimes::config::to_json(&serde_json::json!({
        "tool": concat!("regimes ", env!("CARGO_PKG_VERSION")),
        "config": config,
        "warnings": warnings,
        "result": result,
    }))
}

/// The warnings as CSV comment lines (`# warning: …`), after [`csv_header`].
pub fn csv_warnings(warnings: &[String]) -> String {
    warnings.iter().map(|w| format!("# warning: {w}\n")).collect()
}

/// The first line of every CSV output: the config as JSON in a comment, so the file alone reproduces the run.
pub fn csv_header<C: Serialize>(command: &str, config: &C) -> String {
    format!(
        "# regimes {} {command}; config: {}\n",
        env!("CARGO_PKG_VERSION"),
        diffusion_regimes::config::to_json(config)
    )
}
