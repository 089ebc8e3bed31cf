//! Numerical robustness (issue 8, item 6): stiff designs (‖Q‖ = 1000), ill-conditioned U (κ = 10⁶) with the optimal
//! Q, d = 1 through every run kind, and the empirical score near t = 0. Each run either returns a result whose every
//! number is finite, or is refused with an error that says why; and the regression tests of the panics and
//! non-finite results the property tests (tests/properties.rs) found.
#![cfg(not(target_arch = "wasm32"))]

use diffusion_regimes::config::{from_json, DriftConfig, ForwardConfig, GenerateConfig, SweepConfig, TheoryConfig};
use diffusion_regimes::error::Error;
use diffusion_regimes::generation;
use serde::Serialize;

mod common;
use common::non_finite;

/// What a run did: `Ok(numbers checked)` for a finite result, `Err(message)` for a refusal.
type Outcome = Result<usize, String>;

fn finite<T: Serialize>(what: &str, r: Result<T, Error>) -> Outcome {
    match r {
        Ok(v) => match non_finite(&v) {
            (None, n) => Ok(n),
            (Some(bad), _) => panic!("{what}: non-finite number in the result: {bad}"),
        },
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.len() > 20, "{what}: refusal without a reason: {msg:?}");
            Err(msg)
        }
    }
}

fn forward(json: &str) -> Outcome {
    finite(json, from_json::<ForwardConfig>(json).and_then(|c| c.run()))
}
fn drift(json: &str) -> Outcome {
    finite(json, from_json::<DriftConfig>(json).and_then(|c| c.run()))
}
fn theory(json: &str) -> Outcome {
    finite(json, from_json::<TheoryConfig>(json).and_then(|c| c.run()))
}
fn sweep(json: &str) -> Outcome {
    finite(json, from_json::<SweepConfig>(json).and_then(|c| c.run()))
}
fn generate(json: &str) -> Outcome {
    finite(json, from_json::<GenerateConfig>(json).and_then(|c| generation::run(&c)))
}

/// Every run kind on one process, with small sizes; the generation runs use every integrator.
fn every_run_kind(process: &str, data: &str) -> Vec<(String, Outcome)> {
    let mut out = vec![
        (
            "forward".to_string(),
            forward(&format!(r#"{{"process": {process}, "t_max": 3, "steps": 50, "particles": 8, "seed": 1}}"#)),
        ),
        ("drift".into(), drift(&format!(r#"{{"process": {process}, "t_max": 3, "points": 50}}"#))),
        ("theory".into(), theory(&format!(r#"{{"scenario": {{"process": {process}, "data": {data}, "n": 100}}}}"#))),
        (
            "sweep".into(),
            sweep(&format!(
                r#"{{"scenario": {{"process": {process}, "data": {data}, "n": 100}}, "parameter": "m_tilde",
                    "values": [0.5, 1, 2]}}"#
            )),
        ),
    ];
    for (score, kind, t_min) in [("analytic", "uniform", "0"), ("empirical", "refined", "1e-6")] {
        for integrator in ["euler_maruyama", "exponential", "flow_euler", "flow_exponential"] {
            let json = format!(
                r#"{{"scenario": {{"process": {process}, "data": {data}, "n": 50}},
                    "sampler": {{"score": "{score}", "integrator": "{integrator}",
                    "grid": {{"t_max": 4, "t_min": {t_min}, "steps": 200, "kind": "{kind}"}}, "particles": 16}},
                    "snapshots": {{"times": [4, 1, 0.1], "projection": "full"}}, "seed": 3}}"#
            );
            out.push((format!("generate {score} {integrator}"), generate(&json)));
        }
    }
    out
}

/// Checks the outcomes of [`every_run_kind`] on a stiff process: the exact computations (forward transitions,
/// relaxation, theory, sweep) and the exponential integrators with the analytic score must run; a refused run must
/// say that the integration diverged (an explicit step, or the frozen score of the exponential integrator, too
/// large for the stiffness), never return a finite but meaningless result.
fn check_stiff(label: &str, runs: &[(String, Outcome)]) {
    for (name, r) in runs {
        println!(
            "{label}: {name}: {}",
            match r {
                Ok(n) => format!("finite result ({n} numbers)"),
                Err(m) => format!("refused: {m}"),
            }
        );
        let must_run = match label {
            // The exponential integrators treat A exactly, and a rotation-dominated A is their best case.
            "q = 1000" => !name.starts_with("generate") || name.contains("exponential"),
            // With u_max = 10³ the score's own linear part −2Σ_t⁻¹x ≈ −2U x is stiff too, and every integrator
            // freezes the score over a step: at h = 0.02 every one diverges (see the fine-grid run below).
            _ => !name.starts_with("generate"),
        };
        match r {
            Ok(_) => {}
            Err(m) if !must_run => assert!(m.contains("diverged"), "{label}: {name}: {m}"),
            Err(m) => panic!("{label}: {name} must run: {m}"),
        }
    }
}

#[test]
fn stiff_plane_rotation_q_1000_is_finite_or_refused() {
    // ‖A‖₂ ≈ 1000·√(u_s u_f): Euler–Maruyama with h = 0.02 amplifies by |1 + hλ| ≈ 20 per step; before the fix it
    // returned samples of 10²⁵⁹ as a finite result.
    let process =
        r#"{"d": 4, "precision": {"kind": "log_spaced", "kappa": 10}, "drift": {"design": "plane", "q": 1000}}"#;
    let data = r#"{"model": "two_class", "direction": {"kind": "fastest"}}"#;
    let runs = every_run_kind(process, data);
    check_stiff("q = 1000", &runs);
    let (_, em) = runs.iter().find(|(n, _)| n == "generate analytic euler_maruyama").unwrap();
    assert!(em.is_err(), "Euler at h‖A‖ ≈ 20 cannot give a meaningful result: {em:?}");
}

#[test]
fn optimal_q_on_kappa_1e6_is_finite_or_refused() {
    // κ = 10⁶ (u from 10⁻³ to 10³): the LNP construction rotates eigenvectors 6 decades apart, and the score's own
    // linear part −2Σ_t⁻¹x is as stiff as U.
    let process = r#"{"d": 6, "precision": {"kind": "log_spaced", "kappa": 1e6, "basis_seed": 7}, "drift": {"design": "optimal"}}"#;
    let data = r#"{"model": "two_class", "direction": {"kind": "slowest"}}"#;
    check_stiff("kappa = 1e6", &every_run_kind(process, data));
    // With h·u_max = 0.25 the frozen score is resolved and the exponential integrator runs.
    let fine = format!(
        r#"{{"scenario": {{"process": {process}, "data": {data}, "n": 50}}, "sampler": {{"score": "analytic",
            "grid": {{"t_max": 4, "t_min": 0, "steps": 16000, "kind": "uniform"}}, "particles": 16}}, "seed": 3}}"#
    );
    assert!(generate(&fine).is_ok());
    // The design itself keeps its promise at this conditioning: every eigenvalue of A has real part τ = Tr U / d.
    let r = from_json::<DriftConfig>(&format!(r#"{{"process": {process}, "points": 2}}"#)).unwrap().run().unwrap();
    for re in &r.eig_re {
        assert!((re - r.bound).abs() <= 1e-6 * r.bound, "Re λ = {re}, τ = {}", r.bound);
    }
}

#[test]
fn dimension_one_runs_everywhere() {
    // In d = 1 every antisymmetric Q is 0 and U is a number: every design must reduce to it, and every run kind
    // (including the manifold model, whose p = round(βd) must stay ≥ 1) must run.
    for drift in [
        r#"{"design": "none"}"#,
        r#"{"design": "optimal"}"#,
        r#"{"design": "plane", "q": 5}"#,
        r#"{"design": "random", "norm": 1, "seed": 2}"#,
        r#"{"design": "scaled", "gamma": 2}"#,
    ] {
        for precision in [
            r#"{"kind": "identity", "scale": 2}"#,
            r#"{"kind": "diagonal", "values": [3]}"#,
            r#"{"kind": "log_spaced", "kappa": 1, "basis_seed": 4}"#,
        ] {
            let process = format!(r#"{{"d": 1, "precision": {precision}, "drift": {drift}}}"#);
            for data in [
                r#"{"model": "two_class"}"#,
                r#"{"model": "k_class", "k": 3}"#,
                r#"{"model": "manifold", "beta": 0.3, "phi": "identity"}"#,
            ] {
                for (name, r) in every_run_kind(&process, data) {
                    assert!(r.is_ok(), "d = 1, {precision}, {drift}, {data}, {name}: {r:?}");
                }
            }
        }
    }
    let manifold = r#"{"scenario": {"process": {"d": 1}, "data": {"model": "manifold", "beta": 0.3, "phi": "tanh",
        "embedding": "gaussian"}, "n": 10}, "sampler": {"score": "empirical", "grid": {"t_max": 2, "t_min": 1e-3,
        "steps": 50, "kind": "refined"}, "particles": 4}, "seed": 1}"#;
    assert!(generate(manifold).is_ok());
    assert!(theory(
        r#"{"scenario": {"process": {"d": 1}, "data": {"model": "manifold", "beta": 1, "phi": "tanh",
        "embedding": "gaussian"}, "n": 10}}"#
    )
    .is_ok());
}

#[test]
fn empirical_score_near_t_zero_is_finite() {
    // Σ_t ≈ 2t → 0: at t_min = 10⁻⁶ the softmax over training points is a hard minimum and the score is ~ 10⁶ × a
    // distance; the refined grid keeps h/t constant, so the exponential integrator stays finite and every sample
    // lands on a training point.
    for process in [
        r#"{"d": 8}"#,
        r#"{"d": 8, "precision": {"kind": "log_spaced", "kappa": 100, "basis_seed": 1},
                    "drift": {"design": "optimal"}}"#,
    ] {
        let json = format!(
            r#"{{"scenario": {{"process": {process}, "n": 40}}, "sampler": {{"score": "empirical",
                "grid": {{"t_max": 5, "t_min": 1e-6, "steps": 300, "kind": "refined"}}, "particles": 32}}, "seed": 5}}"#
        );
        let cfg: GenerateConfig = from_json(&json).unwrap();
        let r = generation::run(&cfg).unwrap();
        assert!(non_finite(&r).0.is_none());
        let ratio = r.distance_ratio.unwrap();
        assert!(ratio.iter().all(|&q| q < 1.0 / 3.0), "{process}: not every sample memorized: {ratio:?}");
    }
}

#[test]
fn property_generate_results_are_finite_for_tiny_t_min() {
    // Symptom: an empirical run with t_min = 5e-324 returned distance_ratio = NaN. Cause: Σ_t ≈ 2t underflows at the
    // smallest doubles, so whitened squared distances overflow to ∞ and d₁/d₂ = ∞/∞. Fix: grids refuse positive
    // t_min below MIN_POSITIVE_T = 1e-10, and the empirical score refuses t_min = 0 before the run (its nearest
    // training point is computed at t_min).
    let json = r#"{"sampler":{"grid":{"kind":"refined","steps":12,"t_max":2,"t_min":5e-324},"integrator":"euler_maruyama",
        "particles":3,"score":"empirical"},"scenario":{"data":{"k":3,"model":"k_class"},"n":10,"process":{"d":2}},"seed":0}"#;
    let msg = generate(json).unwrap_err();
    assert!(msg.contains("t_min") && msg.contains("1e-10"), "{msg}");
    let zero = json.replace("\"refined\"", "\"uniform\"").replace("5e-324", "0");
    let msg = generate(&zero).unwrap_err();
    assert!(msg.contains("t_min") && msg.contains("empirical"), "{msg}");
    assert!(generate(&json.replace("5e-324", "1e-10")).is_ok());
}

#[test]
fn property_generate_config_never_panics_on_a_vanishing_horizon() {
    // Symptom: a generation config with T = 5e-324, t_min = 0 and 8 steps panicked in StepCoefficients::new ("step
    // size must be positive, got 0"). Cause: the grid accepted any positive T, and (T − t_min)/K underflowed to 0.
    // Fix: T ≥ MIN_POSITIVE_T, and every grid checks that its steps have positive length.
    let json = r#"{"sampler":{"grid":{"kind":"uniform","steps":8,"t_max":5e-324,"t_min":0},"integrator":"flow_euler",
        "particles":2,"score":"analytic"},"scenario":{"n":4,"process":{"d":1}},"seed":4}"#;
    let msg = generate(json).unwrap_err();
    assert!(msg.contains("invalid T"), "{msg}");
    // 10⁶ steps over [99.99999999999, 100]: h = 10⁻¹⁷ is below the spacing of doubles near 100.
    let rounding =
        json.replace("5e-324", "100").replace("\"t_min\":0", "\"t_min\":99.99999999999").replace("8", "1000000");
    let msg = generate(&rounding).unwrap_err();
    assert!(msg.contains("steps") && msg.contains("zero length"), "{msg}");
}

#[test]
fn property_drawing_never_panics_on_hostile_arrays_regressions() {
    use diffusion_regimes::noising::NoisingRun;
    use diffusion_regimes::plot::{self, trajectories::GenerationPaths, Style, Theme};
    let style = Style::new(Theme::Dark, 1.0);
    let report =
        from_json::<DriftConfig>(r#"{"process": {"d": 3, "drift": {"design": "random", "norm": 2, "seed": 1}}}"#)
            .unwrap()
            .run()
            .unwrap();
    let sweep: plot::relaxation::GapSweep =
        from_json(r#"{"parameter": "q", "strengths": [0, 1, 2], "gaps": [0.5, 1, 1.2]}"#).unwrap();
    let relaxation = |r: &diffusion_regimes::relaxation::RelaxationReport| {
        plot::to_svg(300, 200, |root| plot::relaxation::draw(root, r, &sweep, style))
    };
    assert!(relaxation(&report).is_ok());
    // Symptom: the drawing never returned (the page's main thread would freeze) for an eigenvalue of 1e308. Cause:
    // the chart range 1.1 · 1e308 overflows to ∞ and plotters' tick generation loops forever. Fix: drawings refuse
    // magnitudes beyond MAX_PLOT_VALUE = 1e100.
    let mut huge = report.clone();
    huge.eig_im[0] = 1e308;
    assert!(relaxation(&huge).unwrap_err().to_string().contains("report"));
    // Symptom: "attempt to add with overflow" inside plotters for a report whose times were not increasing (1e12 in
    // the middle). Cause: the x range comes from the ends of the array; a point outside it maps beyond i32 pixels.
    // Fix: time axes must be strictly monotone and ≥ 0.
    let mut unsorted = report.clone();
    unsorted.times[3] = 1e12;
    assert!(relaxation(&unsorted).unwrap_err().to_string().contains("report.times"));
    // The same overflow for a negative standard deviation (the band then lies outside the y range) and for
    // generation paths running below t = 0 (the x axis ends at 0).
    let run = NoisingRun {
        times: vec![0.0, 1.0, 2.0],
        projections: vec![1.0, 0.5, 0.1],
        labels: vec![1],
        band_mean: vec![1.0, 0.5, 0.2],
        band_sd: vec![-9.2e18, 0.8, 1.0],
    };
    let e = plot::to_svg(300, 200, |root| plot::noising::draw(root, &run, style).map(|_| ())).unwrap_err();
    assert!(e.to_string().contains("band_sd"), "{e}");
    let paths = GenerationPaths {
        times: vec![2.0, 1.0, -9.2e18],
        projections: vec![1.0, 0.5, 0.1],
        classes: vec![0],
        k: 2,
        marks: Default::default(),
        axis_name: "μ̂ · x_t".into(),
    };
    let e = plot::to_svg(300, 200, |root| plot::trajectories::draw(root, &paths, style).map(|_| ())).unwrap_err();
    assert!(e.to_string().contains("trajectories.times"), "{e}");
}

#[test]
fn property_measure_config_results_are_finite_for_tiny_times() {
    // Symptom: an entropy measurement at t = 1e-308 returned crit = NaN. Cause: the config accepted any positive
    // time, and Σ_t ≈ 2t underflows there. Fix: measurement times must be ≥ MIN_POSITIVE_T = 1e-10, as grid times.
    let json = r#"{"experiment":{"kind":"entropy","times":[1e-308,1]},"sampler":{"grid":{"kind":"refined","steps":8,
        "t_max":2,"t_min":0.01},"particles":4,"score":"empirical"},"scenario":{"n":12,"process":{"d":2,
        "drift":{"design":"optimal"},"precision":{"kappa":10,"kind":"log_spaced"}}},"seed":2}"#;
    let run = |j: &str| {
        finite(
            j,
            from_json::<diffusion_regimes::config::MeasureConfig>(j)
                .and_then(|c| diffusion_regimes::measure::engine::run(&c)),
        )
    };
    let msg = run(json).unwrap_err();
    assert!(msg.contains("experiment.times[0]") && msg.contains("1e-10"), "{msg}");
    assert!(run(&json.replace("1e-308", "1e-10")).is_ok());
}

/// A misspelt key anywhere in a config is refused with an error naming the key, never silently
/// ignored (a typo in `drift.weights` would otherwise run the default design without a word). One case per nested
/// config type that is an enum with fields or a struct: the drift design and its weights, the mean direction, the
/// sampler's grid, the snapshot plan, the manifold GLM options and the page's axes choice.
#[test]
fn unknown_keys_are_refused_in_every_nested_config() {
    let gen = |process: &str, data: &str, grid_extra: &str, snapshots: &str| {
        format!(
            r#"{{"scenario": {{"process": {process}, "data": {data}, "n": 50}},
                "sampler": {{"grid": {{"t_max": 2, "t_min": 0, "steps": 10, "kind": "uniform"{grid_extra}}},
                "particles": 4, "integrator": "euler_maruyama"}}, {snapshots} "seed": 1}}"#
        )
    };
    let ok_process = r#"{"d": 4, "drift": {"design": "optimal", "weights": {"rule": "linear"}}}"#;
    let ok_data = r#"{"model": "two_class", "direction": {"kind": "random", "seed": 3}}"#;
    let ok_snapshots = r#""snapshots": {"times": [1], "particles": null, "projection": "full"},"#;
    // The well-formed config parses, so each refusal below is the misspelt key's doing.
    from_json::<GenerateConfig>(&gen(ok_process, ok_data, "", ok_snapshots)).unwrap();
    let cases = [
        ("bogus", gen(r#"{"d": 4, "drift": {"design": "optimal", "bogus": 1}}"#, ok_data, "", "")),
        ("gamma", gen(r#"{"d": 4, "drift": {"design": "optimal", "gamma": 2}}"#, ok_data, "", "")),
        (
            "valuez",
            gen(
                r#"{"d": 4, "drift": {"design": "optimal", "weights": {"rule": "custom", "valuez": [1, 2, 3, 4]}}}"#,
                ok_data,
                "",
                "",
            ),
        ),
        ("sed", gen(ok_process, r#"{"model": "two_class", "direction": {"kind": "random", "sed": 3}}"#, "", "")),
        ("stepz", gen(ok_process, ok_data, r#", "stepz": 5"#, "")),
        (
            "particle",
            gen(ok_process, ok_data, "", r#""snapshots": {"times": [1], "particle": [0], "projection": "full"},"#),
        ),
    ];
    for (key, json) in &cases {
        let msg = from_json::<GenerateConfig>(json).expect_err(key).to_string();
        // serde words it "unknown field `key`", or for the adjacently tagged weights "invalid value: string
        // \"key\", expected \"rule\" or \"values\"": either way the key is named.
        let named = msg.contains(&format!("unknown field `{key}`")) || msg.contains(&format!("string \"{key}\""));
        assert!(named, "{key}: {msg}");
    }
    let msg = serde_json::from_str::<diffusion_regimes::projection::AxesChoice>(
        r#"{"kind": "coordinates", "x": 0, "y": 1, "z": 2}"#,
    )
    .expect_err("axes")
    .to_string();
    assert!(msg.contains("unknown field `z`"), "{msg}");
    let msg = serde_json::from_str::<diffusion_regimes::theory::manifold::GlmOptions>(
        r#"{"nodes": 40, "inner_nodes": 40, "range": {}, "node": 3}"#,
    )
    .expect_err("glm")
    .to_string();
    assert!(msg.contains("unknown field `node`"), "{msg}");
}
