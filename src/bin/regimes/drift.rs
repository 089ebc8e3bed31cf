//! `regimes drift`: the relaxation report of a drift design.

use std::path::PathBuf;

use diffusion_regimes::config::DriftConfig;

use crate::io::{envelope, read_config};

/// Arguments of `regimes drift`.
#[derive(clap::Args)]
pub struct Args {
    /// Path of a JSON DriftConfig ("-" for stdin).
    #[arg(long)]
    config: PathBuf,
}

pub fn run(args: Args) -> Result<String, String> {
    let cfg: DriftConfig = read_config(&args.config)?;
    let r = cfg.run().map_err(|e| e.to_string())?;
    Ok(envelope(&cfg, &r))
}
