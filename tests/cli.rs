//! The command-line tool end to end: a config on stdin, JSON on stdout, warnings and errors on stderr.
#![cfg(not(target_arch = "wasm32"))]

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `regimes <args…>` with `stdin`; returns (exit success, stdout, stderr).
fn regimes(args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_regimes"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the regimes binary runs");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("config written");
    let out = child.wait_with_output().expect("regimes ends");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// A generation config at d = 8 (κ = 10, Q_opt) with `integrator` and `steps` steps from T = 8.
fn generation(integrator: &str, steps: usize) -> String {
    format!(
        r#"{{"scenario": {{"process": {{"d": 8, "precision": {{"kind": "log_spaced", "kappa": 10}},
                "drift": {{"design": "optimal"}}}}, "data": {{"model": "two_class", "sigma": 0.5}}, "n": 100}},
            "sampler": {{"integrator": "{integrator}", "grid": {{"t_max": 8, "t_min": 0, "steps": {steps},
                "kind": "uniform"}}, "particles": 8, "start": "exact"}}, "seed": 11}}"#
    )
}

#[test]
fn generate_warns_on_stderr_when_the_euler_step_is_over_the_safe_step() {
    // h = 0.08 against 0.1/‖A‖₂ ≈ 0.011: the samples are badly off, and the tool must say so (the page does).
    let (ok, out, err) = regimes(&["generate", "--config", "-"], &generation("flow_euler", 100));
    assert!(ok, "{err}");
    assert!(out.contains("\"samples\""), "{out}");
    assert!(err.contains("warning: step 8.000e-2 exceeds the safe Euler step 0.1/‖A‖₂"), "{err}");
    // The exponential integrator treats the linear part exactly: no Euler warning, but the score is held fixed over
    // steps of h = 0.08 against classes of variance 0.25, which the step-size bias prediction says (Q_opt: the
    // matrix recursion), in the JSON output too; with 20× the steps, nothing to say.
    let (ok, out, err) = regimes(&["generate", "--config", "-"], &generation("exponential", 100));
    assert!(ok && !err.contains("safe Euler step"), "{err}");
    assert!(err.contains("warning: step-size bias") && err.contains("along its worst direction ends +"), "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let warnings = json["warnings"].as_array().unwrap();
    assert!(warnings.len() == 1 && err.contains(warnings[0].as_str().unwrap()), "{json}");
    let (ok, out, err) = regimes(&["generate", "--config", "-"], &generation("exponential", 2000));
    assert!(ok && !err.contains("warning"), "{err}");
    assert!(out.contains("\"warnings\":[]"), "the output says there were none");
    let (ok, out, _) = regimes(&["generate", "--config", "-", "--format", "csv"], &generation("exponential", 100));
    assert!(ok && out.lines().nth(1).unwrap().starts_with("# warning: step-size bias"), "{out}");
}

#[test]
fn generate_csv_says_which_class_an_index_names_and_keeps_to_it() {
    // Two classes ±μ along all-ones, far apart: class 0 must be the samples with μ·x > 0, as the comment says.
    let config = r#"{"scenario": {"process": {"d": 8}, "data": {"model": "two_class", "sigma": 0.3, "m_tilde": 2,
            "direction": {"kind": "ones"}}, "n": 100},
        "sampler": {"integrator": "exponential", "grid": {"t_max": 4, "t_min": 0, "steps": 400, "kind": "uniform"},
            "particles": 40, "start": "stationary"}, "seed": 5}"#;
    let (ok, out, err) = regimes(&["generate", "--config", "-", "--format", "csv"], config);
    assert!(ok, "{err}");
    assert!(out.contains("\n# class: ") && out.contains("0 is +μ, 1 is −μ"), "{out}");
    let rows: Vec<Vec<f64>> = out
        .lines()
        .skip_while(|l| !l.starts_with("class,"))
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 40);
    let plus = rows.iter().filter(|r| r[0] == 0.0).count();
    assert!(plus > 0 && plus < 40, "both classes occur: {plus} of 40 in class 0");
    for r in &rows {
        let along: f64 = r[1..].iter().sum();
        assert_eq!(r[0] == 0.0, along > 0.0, "class {} for μ·x = {along}", r[0]);
    }
}

#[test]
fn a_bad_value_is_an_error_naming_it_with_a_failing_exit() {
    let (ok, out, err) =
        regimes(&["generate", "--config", "-"], &generation("exponential", 100).replace("\"d\": 8", "\"d\": 0"));
    assert!(!ok && out.is_empty());
    assert!(err.contains("d = 0") && err.contains("[1, "), "{err}");
}

#[test]
fn measure_warns_for_the_integrated_experiments_only() {
    let scenario = r#""scenario": {"process": {"d": 4, "precision": {"kind": "log_spaced", "kappa": 100},
        "drift": {"design": "optimal"}}, "n": 50}"#;
    let sampler = r#""sampler": {"integrator": "euler_maruyama", "grid": {"t_max": 4, "t_min": 0.01, "steps": 20,
        "kind": "uniform"}, "particles": 20}"#;
    let cloning = format!(
        r#"{{{scenario}, {sampler}, "experiment": {{"kind": "cloning", "split_times": [1.0], "method": "shortcut"}}, "seed": 3}}"#
    );
    let (ok, _, err) = regimes(&["measure", "--config", "-", "--quiet"], &cloning);
    assert!(ok, "{err}");
    assert!(err.contains("regimes measure: warning: step 1.995e-1 exceeds the safe Euler step"), "{err}");
    // The entropy estimator noises training points exactly: no step, no warning.
    let entropy = format!(
        r#"{{{scenario}, {}, "experiment": {{"kind": "entropy", "times": [0.5, 1.0]}}, "seed": 3}}"#,
        sampler.replace("\"particles\": 20", "\"particles\": 20, \"score\": \"empirical\"")
    );
    let (ok, _, err) = regimes(&["measure", "--config", "-", "--quiet"], &entropy);
    assert!(ok, "{err}");
    assert!(!err.contains("warning"), "{err}");
}
