//! `regimes forward`: noising trajectories with the exact band.

use std::path::PathBuf;

use diffusion_regimes::config::ForwardConfig;

use crate::io::{csv_header, envelope, read_config, Format};

/// Arguments of `regimes forward`.
#[derive(clap::Args)]
pub struct Args {
    /// Path of a JSON ForwardConfig ("-" for stdin).
    #[arg(long)]
    config: PathBuf,
    /// Output format: json (everything) or csv (time, band, and one column per trajectory).
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
}

pub fn run(args: Args) -> Result<String, String> {
    let cfg: ForwardConfig = read_config(&args.config)?;
    let r = cfg.run().map_err(|e| e.to_string())?;
    Ok(match args.format {
        Format::Json => envelope(&cfg, &r),
        Format::Csv => {
            let n_t = r.times.len();
            let mut s = csv_header("forward", &cfg);
            s.push_str("t,band_mean,band_sd");
            for (p, label) in r.labels.iter().enumerate() {
                s.push_str(&format!(",x{p}_class{label}"));
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
