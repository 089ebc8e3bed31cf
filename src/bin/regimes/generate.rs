//! `regimes generate`: reverse-time generation with an exact score; samples, classes and snapshots.

use std::path::PathBuf;

use diffusion_regimes::budget::RunConfig;
use diffusion_regimes::config::GenerateConfig;
use diffusion_regimes::generation::GenerationJob;

use crate::fit::{explain, Knob};
use crate::io::{csv_header, csv_warnings, envelope_warned, read_config, Format};
use crate::progress::Bar;

/// The CSV's comment on its first column: which class an index names (SCIENCE.md §9.1, `generation::classify`).
const CLASS_COLUMN: &str = "# class: the index of the sample's class (SCIENCE.md §9.1): the nearest class mean, in the \
                            model's order (two classes: 0 is +μ, 1 is −μ), for the exact score; the label of the \
                            nearest training point, in the same order, for the empirical score (with m̃ = 0 the means coincide and it \
                            says nothing)\n";

/// Arguments of `regimes generate`.
#[derive(clap::Args)]
pub struct Args {
    /// Path of a JSON GenerateConfig ("-" for stdin).
    #[arg(long)]
    config: PathBuf,
    /// Output format: json (everything) or csv (one row per sample: class, then the d coordinates).
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
}

pub fn run(args: Args) -> Result<String, String> {
    let cfg: GenerateConfig = read_config(&args.config)?;
    let knobs = [
        Knob { name: "sampler.particles", at: |c: &mut GenerateConfig| &mut c.sampler.particles, floor: 1 },
        Knob { name: "sampler.grid.steps", at: |c: &mut GenerateConfig| &mut c.sampler.grid.steps, floor: 1 },
        Knob { name: "scenario.process.d", at: |c: &mut GenerateConfig| &mut c.scenario.process.d, floor: 1 },
    ];
    let mut job = GenerationJob::new(&cfg, 0, cfg.sampler.particles)
        .map_err(|e| explain(e, &cfg, &knobs, |c| RunConfig::Generate(c)))?;
    let warnings: Vec<String> = job.step_warning().into_iter().collect();
    for w in &warnings {
        eprintln!("regimes generate: warning: {w}");
    }
    let mut bar = Bar::new("generate", cfg.sampler.grid.steps);
    while !job.is_done() {
        let p = job.step(10).map_err(|e| e.to_string())?;
        bar.set(p.step);
    }
    bar.finish();
    let r = job.finish().map_err(|e| e.to_string())?;
    Ok(match args.format {
        Format::Json => envelope_warned(&cfg, &r, &warnings),
        Format::Csv => {
            let mut s = csv_header("generate", &cfg);
            s.push_str(&csv_warnings(&warnings));
            s.push_str(CLASS_COLUMN);
            s.push_str("class");
            for k in 0..r.d {
                s.push_str(&format!(",x{k}"));
            }
            for (p, xp) in r.samples.chunks_exact(r.d).enumerate() {
                s.push_str(&format!("\n{}", r.classes[p]));
                for v in xp {
                    s.push_str(&format!(",{v}"));
                }
            }
            s
        }
    })
}
