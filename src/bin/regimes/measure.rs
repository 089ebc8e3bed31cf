//! `regimes measure`: the measurements of SCIENCE.md §9 on all cores, with a progress bar on stderr.
//!
//! The run is split into the engine's work units; worker threads take units in turn and post their partials, and the
//! main thread draws the bar and merges the partials in index order, so the numbers do not depend on the thread count.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use diffusion_regimes::config::MeasureConfig;
use diffusion_regimes::measure::engine::{finish, MeasureResult, Measurement, Partial, UnitJob};

use crate::io::{csv_header, csv_warnings, envelope_warned, read_config, Format};
use crate::progress::Bar;

/// Work per chunk of a unit between progress updates and stop checks (particle-steps or estimator terms).
const CHUNK_WORK: u64 = 20_000;

/// Interval at which the main thread looks at the progress between partials.
const REDRAW: Duration = Duration::from_millis(250);

/// Resolution of the progress bar (it redraws when the percentage changes).
const PERCENT: u64 = 100;

/// Arguments of `regimes measure`.
#[derive(clap::Args)]
pub struct Args {
    /// Path of a JSON MeasureConfig ("-" for stdin).
    #[arg(long)]
    config: PathBuf,
    /// Output format: json (the whole result) or csv (the main table of the experiment).
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: Args) -> Result<String, String> {
    let cfg: MeasureConfig = read_config(&args.config)?;
    let m = Measurement::new(&cfg).map_err(|e| e.to_string())?;
    let warnings: Vec<String> = m.step_warnings().into_iter().map(|w| w.text).collect();
    for w in warnings.iter().take(3) {
        eprintln!("regimes measure: warning: {w}");
    }
    if warnings.len() > 3 {
        eprintln!(
            "regimes measure: warning: … and {} more settings with step warnings (all in the output)",
            warnings.len() - 3
        );
    }
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    #[allow(clippy::disallowed_methods)] // Native-only CLI: wall time for the progress bar and the report.
    let started = std::time::Instant::now();
    let partials = run_threads(&m, threads, !args.quiet)?;
    let result = finish(&m, partials).map_err(|e| e.to_string())?;
    if !args.quiet {
        eprintln!(
            "measure: {} units on {threads} threads in {:.1} s",
            m.units().len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(match args.format {
        Format::Json => envelope_warned(&cfg, &result, &warnings),
        Format::Csv => {
            let table = csv(&cfg, &result);
            // The warnings go after the config line that opens every CSV output.
            match table.split_once('\n') {
                Some((head, rest)) => format!("{head}\n{}{rest}", csv_warnings(&warnings)),
                None => table,
            }
        }
    })
}

/// Runs every unit on `threads` scoped threads; the calling thread draws progress and collects the partials.
fn run_threads(m: &Measurement, threads: usize, show_bar: bool) -> Result<Vec<Partial>, String> {
    let units = m.units();
    let total_work = m.work(0..m.total()).max(1);
    let next = AtomicUsize::new(0);
    let done_work = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<Result<Partial, String>>();
    #[allow(clippy::disallowed_methods)] // Threads live in the native CLI only (clippy.toml bans them in the library).
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (units, next, done_work, stop) = (&units, &next, &done_work, &stop);
            scope.spawn(move || loop {
                let u = next.fetch_add(1, Ordering::Relaxed);
                if u >= units.len() || stop.load(Ordering::Relaxed) {
                    return;
                }
                let result = (|| {
                    let mut job = UnitJob::new(m, units[u].clone()).map_err(|e| e.to_string())?;
                    let mut last = 0;
                    while !job.advance(m, CHUNK_WORK).map_err(|e| e.to_string())? {
                        let (w, _) = job.progress();
                        done_work.fetch_add(w - last, Ordering::Relaxed);
                        last = w;
                        if stop.load(Ordering::Relaxed) {
                            return Err("stopped".to_string());
                        }
                    }
                    done_work.fetch_add(job.progress().1 - last, Ordering::Relaxed);
                    Ok(job.finish())
                })();
                if tx.send(result).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        let mut partials = Vec::with_capacity(units.len());
        let mut bar = show_bar.then(|| Bar::new("measure", PERCENT as usize));
        while partials.len() < units.len() {
            match rx.recv_timeout(REDRAW) {
                Ok(Ok(p)) => partials.push(p),
                Ok(Err(e)) => {
                    stop.store(true, Ordering::Relaxed);
                    return Err(e);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return Err("a worker thread ended early".into()),
            }
            if let Some(b) = bar.as_mut() {
                b.set((PERCENT * done_work.load(Ordering::Relaxed) / total_work) as usize);
            }
        }
        if let Some(b) = bar.as_mut() {
            b.set(PERCENT as usize);
            b.finish();
        }
        Ok(partials)
    })
}

fn opt(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// The main table of each experiment as CSV, the config in the first line.
fn csv(cfg: &MeasureConfig, r: &MeasureResult) -> String {
    let mut s = csv_header("measure", cfg);
    match r {
        MeasureResult::Cloning(c) => {
            s.push_str("split_time,grid_time,phi,phi_se,theory_phi,phi_c,phi_c_se");
            for k in 0..c.phi.len() {
                let th = c.theory_phi.as_ref().map(|v| v[k]);
                let pc = c.phi_c.as_ref().map(|v| v[k]);
                let pcs = c.phi_c_se.as_ref().map(|v| v[k]);
                s.push_str(&format!(
                    "\n{},{},{},{},{},{},{}",
                    c.split_times[k],
                    c.grid_times[k],
                    c.phi[k],
                    c.phi_se[k],
                    opt(th),
                    opt(pc),
                    opt(pcs)
                ));
            }
        }
        MeasureResult::Entropy(e) => {
            s.push_str("t,crit,crit_se,theory_f,alpha");
            for k in 0..e.times.len() {
                let f = e.theory_f.as_ref().map(|v| v[k]);
                s.push_str(&format!("\n{},{},{},{},{}", e.times[k], e.crit[k], e.crit_se[k], opt(f), e.alpha));
            }
        }
        MeasureResult::NearestNeighbour(n) => {
            s.push_str("trajectory,t_hat,ratio");
            for (i, (t, q)) in n.t_hat.iter().zip(&n.memorization.ratio).enumerate() {
                s.push_str(&format!("\n{i},{t},{q}"));
            }
        }
        MeasureResult::Memorization(m) => {
            s.push_str("sample,ratio");
            for (i, q) in m.ratio.iter().enumerate() {
                s.push_str(&format!("\n{i},{q}"));
            }
        }
        MeasureResult::Sweep(w) => {
            s.push_str("value,theory_t_s,measured_t_s,measured_t_s_se,theory_t_c,measured_t_c,measured_t_c_se");
            for k in 0..w.values.len() {
                s.push_str(&format!(
                    "\n{},{},{},{},{},{},{}",
                    w.values[k],
                    opt(w.theory_t_s[k]),
                    opt(w.measured_t_s[k]),
                    opt(w.measured_t_s_se[k]),
                    opt(w.theory_t_c[k]),
                    opt(w.measured_t_c[k]),
                    opt(w.measured_t_c_se[k])
                ));
            }
        }
    }
    s
}
