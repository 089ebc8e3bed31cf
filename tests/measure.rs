//! Measurements (SCIENCE.md §9): the cloning experiment against its shortcut and the theory, the measured t_S at
//! d = 256, the collapse measurements, determinism across work units, and budgets.

use diffusion_regimes::config::{from_json, MeasureConfig};
use diffusion_regimes::measure::cloning::CloningResult;
use diffusion_regimes::measure::engine::{finish, merge, run, run_unit, MeasureResult, Measurement};

/// A Biroli two-class scenario (U = I, |μ|² = d, σ = 1) with an exponential-integrator grid from T to 0.
fn biroli(d: usize, t_max: f64, steps: usize, particles: usize, experiment: &str, seed: u64) -> MeasureConfig {
    from_json(&format!(
        r#"{{"scenario": {{"process": {{"d": {d}}}}},
            "sampler": {{"grid": {{"t_max": {t_max}, "t_min": 0, "steps": {steps}, "kind": "uniform"}},
                        "particles": {particles}, "integrator": "exponential"}},
            "experiment": {experiment}, "seed": {seed}}}"#
    ))
    .unwrap()
}

fn cloning(r: MeasureResult) -> CloningResult {
    match r {
        MeasureResult::Cloning(c) => c,
        other => panic!("expected a cloning result, got {other:?}"),
    }
}

#[test]
fn shortcut_and_full_integration_agree_with_each_other_and_the_theory() {
    // d = 32: t_S = ½ ln 32 ≈ 1.733. 3000 pairs per method and split time, independent runs (different seeds), so
    // φ̂_full − φ̂_shortcut has standard error √(se_f² + se_s²) ≈ 0.012; allow 4 standard errors. Against the theory
    // F(s(t_b)), one run's standard error (≈ 0.008) plus the time-discretization bias (exponential integrator,
    // h = 0.02: O(h) in φ, a few 10⁻³): allow 4 standard errors + 0.01.
    let exp = r#"{"kind": "cloning", "split_times": [1.0, 1.7, 2.6], "method": "M"}"#;
    let full = cloning(run(&biroli(32, 6.0, 300, 3000, &exp.replace('M', "full"), 11)).unwrap());
    let short = cloning(run(&biroli(32, 6.0, 300, 3000, &exp.replace('M', "shortcut"), 12)).unwrap());
    let theory = full.theory_phi.clone().unwrap();
    for (k, th) in theory.iter().enumerate() {
        let se = (full.phi_se[k].powi(2) + short.phi_se[k].powi(2)).sqrt();
        assert!(
            (full.phi[k] - short.phi[k]).abs() < 4.0 * se,
            "t_b = {}: full {} vs shortcut {} (se {se})",
            full.grid_times[k],
            full.phi[k],
            short.phi[k]
        );
        for r in [&full, &short] {
            assert!((r.phi[k] - th).abs() < 4.0 * r.phi_se[k] + 0.01, "{:?}: {} vs {th}", r.method, r.phi[k]);
        }
    }
    // φ decreases with the split time (earlier in generation, less agreement).
    assert!(full.phi[0] > full.phi[1] && full.phi[1] > full.phi[2]);
}

#[test]
fn phi_crosses_f1_within_ten_percent_of_half_ln_d_at_d256() {
    // Biroli's speciation at d = 256: t_S = ½ ln 256 ≈ 2.7726. With 2000 pairs the standard error of φ̂ is ≈ 0.0093
    // and the slope dφ/dt = F'(1)·ds/dt ≈ 0.14 × (−2) near t_S, so the crossing's standard error is ≈ 0.035: the
    // 10% tolerance (0.28) is 8 standard errors, and the reported error bar must be of that order.
    let exp = r#"{"kind": "cloning", "split_times": [2.2, 2.5, 2.8, 3.1, 3.4]}"#;
    let r = cloning(run(&biroli(256, 8.0, 400, 2000, exp, 2024)).unwrap());
    let t_s = 0.5 * 256f64.ln();
    assert!((r.theory_t_s.unwrap() - t_s).abs() < 1e-9);
    let c = r.measured_t_s.expect("φ̂ crosses F(1) between 2.2 and 3.4");
    assert!((c.t - t_s).abs() < 0.1 * t_s, "measured t_S {} ± {} vs {t_s}", c.t, c.se);
    assert!(c.se > 0.005 && c.se < 0.1, "error bar {}", c.se);
}

#[test]
fn units_of_any_size_give_identical_results() {
    // Each pair draws from its own streams, so a run split into units of any size merges to the same numbers.
    let exp = r#"{"kind": "cloning", "split_times": [0.8, 1.5]}"#;
    let cfg = biroli(8, 4.0, 80, 150, exp, 5);
    let m = Measurement::new(&cfg).unwrap();
    let whole = finish(&m, vec![run_unit(&m, 0..150).unwrap()]).unwrap();
    let parts = vec![run_unit(&m, 100..150).unwrap(), run_unit(&m, 0..37).unwrap(), run_unit(&m, 37..100).unwrap()];
    let split = finish(&m, parts.clone()).unwrap();
    assert_eq!(cloning(whole).same_class, cloning(split).same_class);
    // A gap is refused.
    assert!(merge(&m, parts[..2].to_vec()).is_err());
}

#[test]
fn issue5_runs_over_budget_are_refused_before_they_start() {
    // Symptom guarded against: a config with 10⁵ particles at d = 512 would allocate gigabytes and die, and one with
    // 10⁴ tracked trajectories against 10⁵ training points would run for days. Both are refused up front, and the
    // message names the budget.
    // (Not `unwrap_err`: its panic would print the whole prepared measurement.)
    let refuse = |cfg: &MeasureConfig| match Measurement::new(cfg) {
        Ok(_) => panic!("the run was not refused"),
        Err(e) => e.to_string(),
    };
    let exp = r#"{"kind": "cloning", "split_times": [1.0]}"#;
    let e = refuse(&biroli(512, 5.0, 100, 100_000, exp, 1));
    assert!(e.contains("memory budget"), "{e}");
    let mut cfg = biroli(64, 5.0, 10_000, 10_000, r#"{"kind": "nearest_neighbour"}"#, 1);
    cfg.scenario.n = 100_000;
    cfg.sampler.score = diffusion_regimes::config::ScoreKind::Empirical;
    cfg.sampler.grid.t_min = 1e-3;
    let e = refuse(&cfg);
    assert!(e.contains("work budget"), "{e}");
}
