//! Measurements (SCIENCE.md §9): the cloning experiment against its shortcut and the theory, the measured t_S at
//! d = 256, the collapse measurements, determinism across work units, and budgets.
#![cfg(not(target_arch = "wasm32"))]

use diffusion_regimes::config::{from_json, to_json, MeasureConfig};
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
    // Each pair draws from its own streams, so a run split into units of any size merges to the same numbers. Also
    // with a general U and Q_opt, where the copies take the white two-class step (from 0.9.0) and the full method
    // runs the original and its clones through one generator at different steps.
    let plain_process = r#""process":{"d":8,"precision":{"kind":"identity","scale":1.0},"drift":{"design":"none"}}"#;
    let general = r#""process":{"d":8,"precision":{"kind":"log_spaced","kappa":100},"drift":{"design":"optimal"}}"#;
    for method in ["full", "shortcut"] {
        let exp = format!(r#"{{"kind": "cloning", "split_times": [0.8, 1.5], "method": "{method}"}}"#);
        let plain = biroli(8, 4.0, 80, 150, &exp, 5);
        let white: MeasureConfig = from_json(&to_json(&plain).replace(plain_process, general)).unwrap();
        assert_ne!(to_json(&white), to_json(&plain), "the general-U config must differ");
        for cfg in [plain, white] {
            let m = Measurement::new(&cfg).unwrap();
            let whole = finish(&m, vec![run_unit(&m, 0..150).unwrap()]).unwrap();
            let parts =
                vec![run_unit(&m, 100..150).unwrap(), run_unit(&m, 0..37).unwrap(), run_unit(&m, 37..100).unwrap()];
            let split = finish(&m, parts.clone()).unwrap();
            assert_eq!(to_json(&whole), to_json(&split), "{method}");
            // A gap is refused.
            assert!(merge(&m, parts[..2].to_vec()).is_err());
        }
    }
}

#[test]
fn partials_survive_their_json_round_trip_with_untracked_trajectories() {
    // Memorization does not track t̂_C: its partials hold NaN, which JSON writes as null. A pool of Workers sends
    // partials as JSON, so they must read back (as NaN) and merge to the whole run's numbers.
    let cfg: MeasureConfig = from_json(
        r#"{"scenario": {"process": {"d": 4}, "n": 20}, "sampler": {"score": "empirical", "particles": 30,
            "grid": {"t_max": 3, "t_min": 0.01, "steps": 20, "kind": "refined"}, "integrator": "exponential"},
            "experiment": {"kind": "memorization"}, "seed": 51}"#,
    )
    .unwrap();
    let m = Measurement::new(&cfg).unwrap();
    let whole = finish(&m, vec![run_unit(&m, 0..30).unwrap()]).unwrap();
    let parts: Vec<_> = [0..11, 11..30].into_iter().map(|r| run_unit(&m, r).unwrap()).collect();
    let json = diffusion_regimes::config::to_json(&parts);
    assert!(json.contains("null"), "untracked t̂_C is written as null");
    let back: Vec<diffusion_regimes::measure::engine::Partial> = from_json(&json).unwrap();
    let split = finish(&m, back).unwrap();
    assert_eq!(diffusion_regimes::config::to_json(&whole), diffusion_regimes::config::to_json(&split));
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

#[test]
fn whole_run_estimate_covers_the_planned_tasks_and_reports_runs_over_budget() {
    // The page shows `estimate_config` before Run: the work and memory the engine's own (checked) estimate plans; a run
    // over budget is reported as such (within_budget = false), not as an error.
    use diffusion_regimes::measure::budget::estimate_config;
    let exp = r#"{"kind": "cloning", "split_times": [0.5, 1.0, 2.0], "method": "shortcut"}"#;
    let cfg = biroli(32, 4.0, 100, 200, exp, 1);
    let e = estimate_config(&cfg).unwrap();
    let planned = Measurement::new(&cfg).unwrap().estimate;
    assert!(
        e.within_budget && e.seconds == planned.seconds && e.memory_bytes == planned.memory_bytes,
        "{e:?} {planned:?}"
    );
    let e2 = estimate_config(&biroli(32, 4.0, 100, 400, exp, 1)).unwrap();
    // Twice the pairs: twice the per-pair work, the same theory and preparation.
    assert!((e2.split_seconds - 2.0 * e.split_seconds).abs() < 1e-9 * e2.split_seconds, "{e2:?} {e:?}");
    assert!(((e2.seconds - e2.split_seconds) - (e.seconds - e.split_seconds)).abs() < 1e-9 * e.seconds, "{e2:?} {e:?}");
    let big =
        estimate_config(&biroli(512, 5.0, 100, 100_000, r#"{"kind": "cloning", "split_times": [1.0]}"#, 1)).unwrap();
    assert!(!big.within_budget, "{big:?}");
    let sweep = r#"{"kind": "sweep", "parameter": "d", "values": [8, 16], "measure": ["t_s"], "method": "shortcut"}"#;
    let s = estimate_config(&biroli(16, 4.0, 100, 200, sweep, 1)).unwrap();
    assert!(s.within_budget && s.seconds > 0.0, "{s:?}");
}

/// An empirical-score scenario: Biroli's two classes at d = 16, n training points, a grid refined towards t_min.
fn empirical(n: usize, particles: usize, experiment: &str, score: &str) -> MeasureConfig {
    from_json(&format!(
        r#"{{"scenario": {{"process": {{"d": 16}}, "n": {n}}},
            "sampler": {{"grid": {{"t_max": 4, "t_min": 0.001, "steps": 200, "kind": "refined"}},
                        "particles": {particles}, "score": "{score}", "integrator": "exponential"}},
            "experiment": {experiment}, "seed": 3}}"#
    ))
    .unwrap()
}

#[test]
fn entropy_estimator_has_its_exact_limits() {
    // Collapsed limit (t ≪ t_C ≈ 0.41 here): only a sample's own training point counts, so the per-sample term is
    // ½ − |z|²/(2d) with mean 0. Noise limit (t = 10): the noised points coincide to e^{−10}, so the term is
    // ½ + α − |z|²/(2d) with mean α. In both, the per-sample standard deviation is √(2d)/(2d) = 1/√(2d), so the
    // standard error with N = 600 samples is ≈ 0.0072; the reported error bars must match it and the means agree
    // within 4 of them. In between, crit increases with t, stays below α, and is above the theory's f where f < 0.
    let r = match run(&empirical(300, 600, r#"{"kind": "entropy", "times": [0.005, 0.3, 1.0, 10.0]}"#, "empirical"))
        .unwrap()
    {
        MeasureResult::Entropy(e) => e,
        other => panic!("{other:?}"),
    };
    let se = 1.0 / (2.0 * 16.0f64).sqrt() / 600f64.sqrt();
    for k in [0, 3] {
        assert!((r.crit_se[k] / se - 1.0).abs() < 0.15, "error bar {} vs {se}", r.crit_se[k]);
    }
    assert!(r.crit[0].abs() < 4.0 * r.crit_se[0], "collapsed: crit = {}", r.crit[0]);
    assert!((r.crit[3] - r.alpha).abs() < 4.0 * r.crit_se[3], "noise: crit = {} vs α = {}", r.crit[3], r.alpha);
    assert!(r.crit.windows(2).all(|w| w[0] < w[1]));
    let f = r.theory_f.unwrap();
    assert!(f[1] < 0.0 && r.crit[1] > f[1]);
}

#[test]
fn a_lower_dimensional_manifold_collapses_later_in_generation_as_gvm_predict() {
    // GVM (SCIENCE.md §8): n points on a p = βd dimensional subspace (linear φ, orthonormal embedding) have
    // I_t / d = (β/2) ln(1/Δ_t), so t_C = ½ ln(1 + 1/(e^{2α/β} − 1)): at d = 128, n = 5000 (α = 0.0665) t_C = 0.44 for
    // β = ¼ and 1.04 for β = 1. At t = 0.7, between the two, Biroli's estimator must read f(t) > 0 on the
    // manifold (generalizing) and 0 for full-dimensional data (collapsed); far from both, max(f, 0). Standard errors
    // ≈ 0.003 with 400 samples; the tolerance is 4 of them.
    let at = |beta: f64| {
        let cfg: MeasureConfig = from_json(&format!(
            r#"{{"scenario": {{"process": {{"d": 128}}, "n": 5000,
                    "data": {{"model": "manifold", "beta": {beta}, "m_tilde": 0, "phi": "identity",
                             "embedding": "orthonormal", "seed": 2}}}},
                "sampler": {{"grid": {{"t_max": 10, "t_min": 0.001, "steps": 1000, "kind": "refined"}},
                            "particles": 400, "score": "empirical", "integrator": "exponential"}},
                "experiment": {{"kind": "entropy", "times": [0.2, 0.7, 3.0]}}, "seed": 2}}"#
        ))
        .unwrap();
        match run(&cfg).unwrap() {
            MeasureResult::Entropy(e) => e,
            other => panic!("{other:?}"),
        }
    };
    let (low, full) = (at(0.25), at(1.0));
    for (name, r) in [("β = 1/4", &low), ("β = 1", &full)] {
        let f = r.theory_f.as_ref().unwrap();
        for k in 0..3 {
            let expected = f[k].max(0.0);
            assert!(
                (r.crit[k] - expected).abs() < 4.0 * r.crit_se[k],
                "{name}, t = {}: crit = {} ± {} vs max(f, 0) = {expected}",
                [0.2, 0.7, 3.0][k],
                r.crit[k],
                r.crit_se[k]
            );
        }
    }
    assert!(low.theory_f.as_ref().unwrap()[1] > 0.0 && full.theory_f.as_ref().unwrap()[1] < 0.0);
    assert!(low.crit[1] > 6.0 * low.crit_se[1], "β = 1/4 at t = 0.7: crit = {} ± {}", low.crit[1], low.crit_se[1]);
}

#[test]
fn nearest_neighbour_stability_memorization_and_clone_agreement() {
    // The empirical score memorizes (n = 300 points at d = 16, t_C ≈ 0.41): every sample ends next to one training
    // point (d₁/d₂ < 1/3), while the analytic score's samples do not. The stability time t̂_C is a finite-d
    // crossover that moves with n like the theory's t_C: more points, later collapse in generation (smaller t).
    let nn = |n: usize, score: &str| match run(&empirical(n, 300, r#"{"kind": "nearest_neighbour"}"#, score)).unwrap() {
        MeasureResult::NearestNeighbour(r) => r,
        other => panic!("{other:?}"),
    };
    let small = nn(300, "empirical");
    assert!(small.memorization.fraction > 0.95, "memorized {}", small.memorization.fraction);
    assert!(small.t_hat.iter().all(|&t| (0.001..=4.0).contains(&t)));
    let large = nn(3000, "empirical");
    assert!(large.theory_t_c.unwrap() < small.theory_t_c.unwrap());
    let se = (small.t_hat_se.powi(2) + large.t_hat_se.powi(2)).sqrt();
    assert!(small.t_hat_mean - large.t_hat_mean > 4.0 * se, "{} vs {}", small.t_hat_mean, large.t_hat_mean);
    let analytic = nn(300, "analytic");
    assert!(analytic.memorization.fraction < 0.05, "analytic memorized {}", analytic.memorization.fraction);
    // Clone agreement on training points: certain below t_C (copies split at t = 0.05 stay captured by one point),
    // rare far above it.
    let c =
        cloning(run(&empirical(300, 300, r#"{"kind": "cloning", "split_times": [0.05, 3.0]}"#, "empirical")).unwrap());
    let phi_c = c.phi_c.unwrap();
    assert!(phi_c[0] > 0.95 && phi_c[1] < 0.05, "φ̂_C = {phi_c:?}");
}

#[test]
fn non_reversible_phi_at_theory_t_s_is_f1_for_q0_and_q_opt() {
    // The measurement issue's non-reversible reproduction (its item 6) at full size: d = 8, U log-spaced from 0.1 to
    // 10, μ = 6 along the fastest eigenvector (m̃ = 6/√8), C₀ = 0.05 I, 4000 clone pairs split at the theory's t_S of
    // each design (a sweep over γ ∈ {0, 1}: Q = 0 and Q_opt, split factor 1). φ(t_S) = F(1) for any drift (SCIENCE.md
    // §7), so φ̂ must agree with F(1) within
    // three standard errors (≈ 0.0066 each). Exact start (the stationary law is far from p_T along slow directions),
    // exponential integrator with h = 5·10⁻⁴ so the fork lies within h of t_S (|dφ/dt| ≈ 3 there: ≤ 0.0015 shift).
    // The test uses the exact-start shortcut (copies started from p_{t_S}, a quarter of the steps); the reproduction
    // config experiments/nonreversible_d8.json runs the full integration from T.
    let cfg: MeasureConfig = from_json(
        r#"{"scenario": {"process": {"d": 8, "precision": {"kind": "log_spaced", "kappa": 100},
                "drift": {"design": "optimal"}},
              "data": {"model": "two_class", "sigma": 0.22360679774997896, "m_tilde": 2.1213203435596424,
                "direction": {"kind": "fastest"}}},
            "sampler": {"grid": {"t_max": 2, "t_min": 0, "steps": 4000, "kind": "uniform"}, "particles": 4000,
                "integrator": "exponential", "start": "exact"},
            "experiment": {"kind": "sweep", "parameter": "gamma", "values": [0, 1], "measure": ["t_s"],
                "split_factors": [1.0], "method": "shortcut"},
            "seed": 6}"#,
    )
    .unwrap();
    let r = match run(&cfg).unwrap() {
        MeasureResult::Sweep(s) => s,
        other => panic!("{other:?}"),
    };
    let (t0, t1) = (r.theory_t_s[0].unwrap(), r.theory_t_s[1].unwrap());
    assert!((t0 - (1.0f64 + 10.0 * (36.0 - 0.05)).ln() / 20.0).abs() < 1e-8, "closed form for Q = 0: {t0}");
    assert!(t1 > t0, "Q_opt raises t_S when μ lies along the fastest direction: {t1} vs {t0}");
    for c in r.cloning.iter().map(|c| c.as_ref().unwrap()) {
        let f1 = diffusion_regimes::measure::crossing::F_AT_T_S;
        assert!(
            (c.phi[0] - f1).abs() < 3.0 * c.phi_se[0],
            "φ̂ = {} ± {} at t = {}",
            c.phi[0],
            c.phi_se[0],
            c.grid_times[0]
        );
    }
}

#[test]
fn reproduction_configs_are_valid_and_within_budget() {
    // The committed reproductions (experiments/README.md) parse, validate and pass the budgets; running them is the
    // CLI's job (they take minutes).
    for (name, json) in [
        ("biroli_speciation_d256", include_str!("../experiments/biroli_speciation_d256.json")),
        ("biroli_speciation_d1024", include_str!("../experiments/biroli_speciation_d1024.json")),
        ("biroli_collapse_d256", include_str!("../experiments/biroli_collapse_d256.json")),
        ("nonreversible_d8", include_str!("../experiments/nonreversible_d8.json")),
        ("sweep_gamma_d8", include_str!("../experiments/sweep_gamma_d8.json")),
        ("gvm_collapse_d256_beta025", include_str!("../experiments/gvm_collapse_d256_beta025.json")),
        ("gvm_collapse_d256_beta05", include_str!("../experiments/gvm_collapse_d256_beta05.json")),
        ("gvm_collapse_d256_beta1", include_str!("../experiments/gvm_collapse_d256_beta1.json")),
        ("gvm_collapse_d256_tanh", include_str!("../experiments/gvm_collapse_d256_tanh.json")),
        ("gvm_collapse_d256_sign", include_str!("../experiments/gvm_collapse_d256_sign.json")),
    ] {
        let cfg: MeasureConfig = from_json(json).unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Err(e) = Measurement::new(&cfg) {
            panic!("{name}: {e}");
        }
    }
}
