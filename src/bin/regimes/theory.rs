//! `regimes theory` and `regimes sweep`: the theory of SCIENCE.md §7–§8 for one scenario, or along a parameter.

use std::path::PathBuf;

use diffusion_regimes::budget::RunConfig;
use diffusion_regimes::config::{SweepConfig, TheoryConfig};

use crate::fit::{explain, Knob};
use crate::io::{csv_header, envelope, read_config, Format};

/// Arguments of `regimes theory`.
#[derive(clap::Args)]
pub struct TheoryArgs {
    /// Path of a JSON TheoryConfig ("-" for stdin).
    #[arg(long)]
    config: PathBuf,
    /// Output format: json (everything) or csv (the curves t, s(t), φ(t), f(t)).
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
}

pub fn theory(args: TheoryArgs) -> Result<String, String> {
    let cfg: TheoryConfig = read_config(&args.config)?;
    let knobs = [Knob { name: "scenario.process.d", at: |c: &mut TheoryConfig| &mut c.scenario.process.d, floor: 1 }];
    let r = cfg.run().map_err(|e| explain(e, &cfg, &knobs, |c| RunConfig::Theory(c)))?;
    Ok(match args.format {
        Format::Json => envelope(&cfg, &r),
        Format::Csv => {
            let mut s = csv_header("theory", &cfg);
            let Some(rep) = &r.report else {
                return Err(format!("no curves to write as CSV: {}", r.messages.join("; ")));
            };
            s.push_str(&format!("# t_S roots: {:?}; t_C: {:?}; alpha: {}\n", rep.speciation_roots, rep.t_c, rep.alpha));
            s.push_str("t,s,phi,f");
            for k in 0..rep.curve_t.len() {
                let phi = rep.curve_phi.as_ref().map(|p| p[k].to_string()).unwrap_or_default();
                s.push_str(&format!("\n{},{},{},{}", rep.curve_t[k], rep.curve_s[k], phi, rep.curve_f[k]));
            }
            s
        }
    })
}

/// Arguments of `regimes sweep`.
#[derive(clap::Args)]
pub struct SweepArgs {
    /// Path of a JSON SweepConfig ("-" for stdin).
    #[arg(long)]
    config: PathBuf,
    /// Output format: json or csv (one row per value).
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
}

fn cell(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

pub fn sweep(args: SweepArgs) -> Result<String, String> {
    let cfg: SweepConfig = read_config(&args.config)?;
    let knobs = [Knob { name: "scenario.process.d", at: |c: &mut SweepConfig| &mut c.scenario.process.d, floor: 1 }];
    let r = cfg.run().map_err(|e| explain(e, &cfg, &knobs, |c| RunConfig::Sweep(c)))?;
    Ok(match args.format {
        Format::Json => envelope(&cfg, &r),
        Format::Csv => {
            let th = &r.theory;
            let mut s = csv_header("sweep", &cfg);
            for m in &th.messages {
                s.push_str(&format!("# value {}: {}\n", m.value, m.message));
            }
            s.push_str("value,t_S,t_C,gap,bound,u_min,manifold_t_C,all_speciation_roots");
            for k in 0..th.values.len() {
                let roots: Vec<String> = th.speciation_roots[k].iter().map(|x| x.to_string()).collect();
                s.push_str(&format!(
                    "\n{},{},{},{},{},{},{},{}",
                    th.values[k],
                    cell(th.t_s[k]),
                    cell(th.t_c[k]),
                    cell(th.spectral_gap[k]),
                    cell(th.trace_bound[k]),
                    cell(th.u_min[k]),
                    cell(r.manifold_t_c[k]),
                    roots.join(" ")
                ));
            }
            s
        }
    })
}
