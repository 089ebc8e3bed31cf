//! Property tests of every config entry point (issue 8, item 1): random and adversarial configs, made by mutating
//! valid examples, go through `from_json` and the run; each must return a result or an error, never panic, and every
//! number in a result must be finite.
//!
//! The fuzzer is hand-rolled and seeded (SplitMix64), so a failure prints the exact JSON that caused it and reruns
//! identically. Mutations: adversarial numbers (±1e308, 0, −0, −1, huge and negative integers, 2⁵³, tiny values),
//! strings, booleans, nulls, arrays and objects where numbers go, deleted fields, extra fields, schema versions
//! 0/2/huge, other enum tags, emptied and grown arrays. Runs whose budget estimate is above [`TEST_WORK_CAP`] are
//! validated but not run (the estimate itself is then what is tested: an estimate far below the real cost makes this
//! suite slow); everything else runs to the end.
#![cfg(not(target_arch = "wasm32"))]

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

use diffusion_regimes::budget::{estimate, Estimate, RunConfig};
use diffusion_regimes::config::{
    from_json, DriftConfig, ForwardConfig, GenerateConfig, MeasureConfig, ScenarioConfig, SweepConfig, TheoryConfig,
};
use diffusion_regimes::error::Error;
use diffusion_regimes::generation;
use serde::Serialize;

mod common;
use common::non_finite;
use serde_json::{json, Value};

/// Runs estimated above this many seconds (one Worker on the reference machine) are validated only (the whole suite
/// must stay well under a minute).
const TEST_WORK_CAP: f64 = 0.1;

// ---------------------------------------------------------------------------------------------------------------
// A seeded generator.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// Numbers a hostile or careless input sends: NaN and ±Inf cannot be written in JSON, their nearest neighbours can.
fn adversarial_number(rng: &mut Rng) -> Value {
    let pool: [Value; 26] = [
        json!(0),
        json!(-0.0),
        json!(-1),
        json!(1),
        json!(2),
        json!(3),
        json!(0.5),
        json!(1e308),
        json!(-1e308),
        json!(1e-308),
        json!(5e-324),
        json!(-1e-300),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(9007199254740993u64),
        json!(4096),
        json!(4097),
        json!(1e6),
        json!(1e12),
        json!(-7),
        json!(1000),
        json!(1e-6),
        json!(64),
        json!(0.999999),
        json!(1.0000001),
        json!(100),
    ];
    rng.pick(&pool).clone()
}

/// Values of the wrong type, and enum tags of other variants.
fn wrong_value(rng: &mut Rng) -> Value {
    let tags = [
        "none",
        "optimal",
        "scaled",
        "plane",
        "random",
        "identity",
        "diagonal",
        "log_spaced",
        "two_class",
        "k_class",
        "manifold",
        "ones",
        "slowest",
        "fastest",
        "identity",
        "tanh",
        "relu",
        "sign",
        "gaussian",
        "orthonormal",
        "uniform",
        "refined",
        "analytic",
        "empirical",
        "euler_maruyama",
        "exponential",
        "flow_euler",
        "flow_exponential",
        "stationary",
        "exact",
        "full",
        "gamma",
        "q",
        "kappa",
        "alpha",
        "n",
        "d",
        "beta",
        "m_tilde",
        "sigma",
        "linear",
        "custom",
        "",
        "NaN",
        "Infinity",
        "1e400",
        "<script>alert(1)</script>",
    ];
    match rng.below(8) {
        0 => Value::String(rng.pick(&tags).to_string()),
        1 => Value::Bool(rng.below(2) == 0),
        2 => Value::Null,
        3 => json!([]),
        4 => json!({}),
        5 => json!([1, 2, 3]),
        6 => json!({"kind": rng.pick(&tags).to_string()}),
        _ => json!("12"),
    }
}

/// Every path (sequence of keys and indices) in a JSON tree.
fn paths(v: &Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(prefix.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                prefix.push(Step::Key(k.clone()));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                prefix.push(Step::Index(i));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn at<'a>(v: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(v, |v, s| match s {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

/// Moves one number of the config to a nearby or boundary value (×2, ÷2, +1, −1, 0, 1, ×10, −x), so that many
/// mutated configs stay valid and exercise the runs' corners rather than only the validation.
fn nudge(v: &mut Value, rng: &mut Rng) {
    let mut all = Vec::new();
    paths(v, &mut Vec::new(), &mut all);
    let numbers: Vec<Vec<Step>> = all.into_iter().filter(|p| at(v, p).is_number()).collect();
    if numbers.is_empty() {
        return;
    }
    let path = rng.pick(numbers.as_slice()).clone();
    let node = at(v, &path);
    let x = node.as_f64().expect("a number");
    let y = match rng.below(8) {
        0 => x * 2.0,
        1 => x / 2.0,
        2 => x + 1.0,
        3 => x - 1.0,
        4 => 0.0,
        5 => 1.0,
        6 => x * 10.0,
        _ => -x,
    };
    // Integers stay integers where they were, so counts and seeds remain well-typed.
    *node = if node.is_u64() && y >= 0.0 && y.fract() == 0.0 { json!(y as u64) } else { json!(y) };
}

/// Applies one random mutation.
fn mutate(v: &mut Value, rng: &mut Rng) {
    let mut all = Vec::new();
    paths(v, &mut Vec::new(), &mut all);
    let path = rng.pick(&all).clone();
    let node = at(v, &path);
    match rng.below(10) {
        // Numbers are the most interesting target: mutate one when the node is a number, else anywhere.
        0..=3 => {
            if node.is_number() || rng.below(3) == 0 {
                *node = adversarial_number(rng);
            } else {
                *node = wrong_value(rng);
            }
        }
        4 => *node = wrong_value(rng),
        5 => match node {
            Value::Object(m) if !m.is_empty() => {
                let keys: Vec<String> = m.keys().cloned().collect();
                m.remove(rng.pick(&keys));
            }
            Value::Array(a) if !a.is_empty() => {
                a.pop();
            }
            _ => *node = adversarial_number(rng),
        },
        6 => {
            if let Value::Object(m) = node {
                m.insert(
                    rng.pick(&["extra", "schema", "__proto__", "kind", "seed"]).to_string(),
                    adversarial_number(rng),
                );
            } else if let Value::Array(a) = node {
                let dup = a.first().cloned().unwrap_or(json!(1));
                let copies = *rng.pick(&[1usize, 2, 5, 40]);
                a.extend(std::iter::repeat_n(dup, copies));
            } else {
                *node = wrong_value(rng);
            }
        }
        7 => {
            if let Value::Object(m) = v {
                m.insert(
                    "schema".into(),
                    rng.pick(&[json!(0), json!(2), json!(u64::MAX), json!(-1), json!("1")]).clone(),
                );
            }
        }
        _ => {
            if let Value::Array(a) = node {
                a.clear();
            } else {
                *node = adversarial_number(rng);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The harness.

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
    static PANIC_MESSAGE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Keeps the panics this suite provokes on purpose out of the output (their message is reported with the input
/// instead), and lets every other panic through to the default hook.
fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) {
                PANIC_MESSAGE.with(|m| *m.borrow_mut() = format!("{info}"));
            } else {
                default(info);
            }
        }));
    });
}

/// What happened to one case.
enum Outcome {
    /// A result with every number finite.
    Ran,
    /// A clear error.
    Refused,
    /// Valid, but estimated above the test's work cap: validated only.
    OverTestCap,
}

#[derive(Default)]
struct Tally {
    cases: usize,
    ran: usize,
    refused: usize,
    over_cap: usize,
    numbers: usize,
    failures: Vec<String>,
    slowest: (f64, String),
}

/// Runs `cases` mutations of each example through `entry`, which returns the outcome or a failure description.
fn fuzz(
    name: &str,
    examples: &[&str],
    cases: usize,
    seed: u64,
    entry: impl Fn(&str) -> Result<(Outcome, usize), String>,
) {
    install_quiet_hook();
    let mut rng = Rng(seed);
    let mut tally = Tally::default();
    let bases: Vec<Value> = examples.iter().map(|e| serde_json::from_str(e).expect("examples are JSON")).collect();
    for case in 0..cases {
        // Case 0 of each example is the example itself, so the valid path is always exercised.
        let mut v = bases[case % bases.len()].clone();
        if case >= bases.len() {
            // Half the cases are nudged (mostly valid, corner values), half mutated adversarially.
            for _ in 0..1 + rng.below(3) {
                if case % 2 == 0 {
                    nudge(&mut v, &mut rng);
                } else {
                    mutate(&mut v, &mut rng);
                }
            }
        }
        let text = if rng.below(40) == 0 { v.to_string().replacen('}', "", 1) } else { v.to_string() };
        QUIET.with(|q| q.set(true));
        #[allow(clippy::disallowed_methods)] // Native-only test: the slowest case is reported to keep the suite fast.
        let started = std::time::Instant::now();
        let r = catch_unwind(AssertUnwindSafe(|| entry(&text)));
        let seconds = started.elapsed().as_secs_f64();
        if seconds > tally.slowest.0 {
            tally.slowest = (seconds, text.clone());
        }
        QUIET.with(|q| q.set(false));
        tally.cases += 1;
        match r {
            Ok(Ok((Outcome::Ran, numbers))) => {
                tally.ran += 1;
                tally.numbers += numbers;
            }
            Ok(Ok((Outcome::Refused, _))) => tally.refused += 1,
            Ok(Ok((Outcome::OverTestCap, _))) => tally.over_cap += 1,
            Ok(Err(msg)) => tally.failures.push(format!("{msg}\n    input: {text}")),
            Err(_) => {
                let msg = PANIC_MESSAGE.with(|m| m.borrow().clone());
                tally.failures.push(format!("PANIC {msg}\n    input: {text}"));
            }
        }
    }
    println!(
        "property {name}: {} cases ({} ran to a finite result, {} refused with an error, {} validated only, \
         over the test's work cap); {} result numbers checked",
        tally.cases, tally.ran, tally.refused, tally.over_cap, tally.numbers
    );
    println!("property {name}: slowest case {:.2} s: {}", tally.slowest.0, tally.slowest.1);
    assert!(
        tally.failures.is_empty(),
        "{name}: {} of {} cases failed; first ones:\n{}",
        tally.failures.len(),
        tally.cases,
        tally.failures.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );
    assert!(tally.ran > 0 && tally.refused > 0, "{name}: the fuzzer must reach both outcomes");
}

/// A refusal must be a clear message: non-empty, and a parameter error names a parameter and what was expected.
fn clear(e: &Error) -> Result<(Outcome, usize), String> {
    let msg = e.to_string();
    let ok = !msg.is_empty()
        && match e {
            Error::Param { name, expected, .. } => !name.is_empty() && !expected.is_empty(),
            Error::Budget { budget, needed, limit } => !budget.is_empty() && !needed.is_empty() && !limit.is_empty(),
            _ => true,
        };
    if ok {
        Ok((Outcome::Refused, 0))
    } else {
        Err(format!("unclear error {e:?}"))
    }
}

fn finite<T: Serialize>(r: &T) -> Result<(Outcome, usize), String> {
    match non_finite(r) {
        (None, n) => Ok((Outcome::Ran, n)),
        (Some(bad), _) => Err(format!("non-finite number in the result: {bad}")),
    }
}

/// Parses; then either refuses (parse error, estimate error), skips the run (over the test cap) or runs.
fn entry<C, R: Serialize>(
    text: &str,
    cost: impl Fn(&C) -> Result<Estimate, Error>,
    run: impl Fn(&C) -> Result<R, Error>,
) -> Result<(Outcome, usize), String>
where
    C: for<'de> serde::Deserialize<'de>,
{
    let cfg: C = match from_json(text) {
        Ok(c) => c,
        Err(e) => return clear(&e),
    };
    if let Ok(e) = cost(&cfg) {
        if e.within_budget && e.seconds > TEST_WORK_CAP {
            return Ok((Outcome::OverTestCap, 0));
        }
    }
    match run(&cfg) {
        Ok(r) => finite(&r),
        Err(e) => clear(&e),
    }
}

const FORWARD: &[&str] = &[
    r#"{"schema": 1, "process": {"d": 3, "precision": {"kind": "log_spaced", "kappa": 10, "basis_seed": 2},
        "drift": {"design": "optimal"}}, "data": {"sigma": 0.5, "m_tilde": 1, "direction": {"kind": "fastest"}},
        "t_max": 2, "steps": 10, "particles": 4, "seed": 1}"#,
    r#"{"process": {"d": 1}, "t_max": 1, "steps": 5, "particles": 3, "seed": 0}"#,
    r#"{"process": {"d": 2, "precision": {"kind": "diagonal", "values": [1, 4]}, "drift": {"design": "plane", "q": 3}},
        "data": {"direction": {"kind": "random", "seed": 5}}, "t_max": 5, "steps": 8, "particles": 2, "seed": 9}"#,
];

const DRIFT: &[&str] = &[
    r#"{"process": {"d": 3, "precision": {"kind": "diagonal", "values": [1, 2, 4]}, "drift": {"design": "plane", "q": 2}},
        "t_max": 2, "points": 10}"#,
    r#"{"schema": 1, "process": {"d": 4, "precision": {"kind": "log_spaced", "kappa": 100},
        "drift": {"design": "scaled", "gamma": 0.5, "weights": {"rule": "custom", "values": [1, 2, 3, 4]}}}, "points": 5}"#,
    r#"{"process": {"d": 3, "drift": {"design": "random", "norm": 2, "seed": 4}}, "t_max": 1, "points": 3}"#,
];

const THEORY: &[&str] = &[
    r#"{"schema": 1, "scenario": {"process": {"d": 4, "precision": {"kind": "log_spaced", "kappa": 10},
        "drift": {"design": "optimal"}}, "data": {"model": "two_class", "sigma": 1, "m_tilde": 1}, "n": 100},
        "options": {"scan": {"t_min": 0.001, "t_max": 20, "points": 40}, "curve_points": 20}}"#,
    r#"{"scenario": {"process": {"d": 3}, "data": {"model": "k_class", "k": 3, "sigma": 0.5, "seed": 2}, "n": 50},
        "options": {"scan": {"t_min": 0.001, "t_max": 20, "points": 30}, "curve_points": 16}}"#,
    r#"{"scenario": {"process": {"d": 8}, "data": {"model": "manifold", "beta": 0.5, "phi": "sign",
        "embedding": "gaussian"}, "n": 100}, "options": {"scan": {"t_min": 0.001, "t_max": 20, "points": 30},
        "curve_points": 16}}"#,
];

const SWEEP: &[&str] = &[
    r#"{"schema": 1, "scenario": {"process": {"d": 3, "precision": {"kind": "log_spaced", "kappa": 10},
        "drift": {"design": "optimal"}}, "data": {"model": "two_class", "direction": {"kind": "fastest"}}, "n": 100},
        "parameter": "gamma", "values": [0, 1, 2], "scan": {"t_min": 0.001, "t_max": 20, "points": 30}}"#,
    r#"{"scenario": {"process": {"d": 2}, "n": 20}, "parameter": "alpha", "values": [0.5, 1],
        "scan": {"t_min": 0.001, "t_max": 20, "points": 20}}"#,
    r#"{"scenario": {"process": {"d": 4}, "data": {"model": "manifold", "beta": 0.5}, "n": 20}, "parameter": "beta",
        "values": [0.25, 1], "scan": {"t_min": 0.01, "t_max": 10, "points": 16}}"#,
];

const GENERATE: &[&str] = &[
    r#"{"schema": 1, "scenario": {"process": {"d": 3, "precision": {"kind": "log_spaced", "kappa": 10},
        "drift": {"design": "optimal"}}, "n": 20}, "sampler": {"score": "analytic", "integrator": "exponential",
        "grid": {"t_max": 3, "t_min": 0.01, "steps": 10, "kind": "refined"}, "particles": 4, "start": "exact"},
        "snapshots": {"times": [3, 1, 0.01], "particles": [0, 2], "projection": "full"}, "seed": 1}"#,
    r#"{"scenario": {"process": {"d": 2}, "data": {"model": "k_class", "k": 3}, "n": 10},
        "sampler": {"score": "empirical", "integrator": "euler_maruyama",
        "grid": {"t_max": 2, "t_min": 0.001, "steps": 12, "kind": "refined"}, "particles": 3}, "seed": 2}"#,
    r#"{"scenario": {"process": {"d": 4, "drift": {"design": "plane", "q": 2}},
        "data": {"model": "manifold", "beta": 0.5, "phi": "relu"}, "n": 8},
        "sampler": {"score": "empirical", "integrator": "flow_exponential",
        "grid": {"t_max": 2, "t_min": 0.01, "steps": 6, "kind": "uniform"}, "particles": 2},
        "snapshots": {"times": [1], "projection": {"coordinates": [0, 3]}}, "seed": 3}"#,
    r#"{"scenario": {"process": {"d": 1}, "n": 4}, "sampler": {"score": "analytic", "integrator": "flow_euler",
        "grid": {"t_max": 2, "t_min": 0, "steps": 8, "kind": "uniform"}, "particles": 2},
        "snapshots": {"times": [2, 0], "projection": {"directions": [[1]]}}, "seed": 4}"#,
];

/// Cases per example and entry point: the totals are printed by each test.
const CASES_PER_EXAMPLE: usize = 2000;

#[test]
fn property_forward_config_never_panics_and_results_are_finite() {
    fuzz("forward", FORWARD, CASES_PER_EXAMPLE * FORWARD.len(), 1, |t| {
        entry(t, |c: &ForwardConfig| estimate(RunConfig::Forward(c)), ForwardConfig::run)
    });
}

#[test]
fn property_drift_config_never_panics_and_results_are_finite() {
    fuzz("drift", DRIFT, CASES_PER_EXAMPLE * DRIFT.len(), 2, |t| {
        entry(t, |c: &DriftConfig| estimate(RunConfig::Drift(c)), DriftConfig::run)
    });
}

#[test]
fn property_theory_config_never_panics_and_results_are_finite() {
    fuzz("theory", THEORY, CASES_PER_EXAMPLE * THEORY.len(), 3, |t| {
        entry(t, |c: &TheoryConfig| estimate(RunConfig::Theory(c)), TheoryConfig::run)
    });
}

#[test]
fn property_sweep_config_never_panics_and_results_are_finite() {
    fuzz("sweep", SWEEP, CASES_PER_EXAMPLE * SWEEP.len(), 4, |t| {
        entry(t, |c: &SweepConfig| estimate(RunConfig::Sweep(c)), SweepConfig::run)
    });
}

#[test]
fn property_generate_config_never_panics_and_results_are_finite() {
    fuzz("generate", GENERATE, CASES_PER_EXAMPLE * GENERATE.len(), 5, |t| {
        entry(t, |c: &GenerateConfig| estimate(RunConfig::Generate(c)), generation::run)
    });
}

const MEASURE: &[&str] = &[
    r#"{"schema": 1, "scenario": {"process": {"d": 3}, "n": 10}, "sampler": {"integrator": "exponential",
        "grid": {"t_max": 3, "t_min": 0, "steps": 10, "kind": "uniform"}, "particles": 6},
        "experiment": {"kind": "cloning", "split_times": [0.5, 1.5]}, "seed": 1}"#,
    r#"{"scenario": {"process": {"d": 2, "precision": {"kind": "log_spaced", "kappa": 10}, "drift": {"design": "optimal"}},
        "n": 12}, "sampler": {"score": "empirical", "grid": {"t_max": 2, "t_min": 0.01, "steps": 8, "kind": "refined"},
        "particles": 4}, "experiment": {"kind": "entropy", "times": [0.05, 1]}, "seed": 2}"#,
    r#"{"scenario": {"process": {"d": 2}, "n": 8}, "sampler": {"score": "empirical", "integrator": "exponential",
        "grid": {"t_max": 2, "t_min": 0.01, "steps": 8, "kind": "refined"}, "particles": 4},
        "experiment": {"kind": "memorization"}, "seed": 3}"#,
    r#"{"scenario": {"process": {"d": 2}, "n": 8}, "sampler": {"integrator": "exponential",
        "grid": {"t_max": 2, "t_min": 0, "steps": 8, "kind": "uniform"}, "particles": 4},
        "experiment": {"kind": "sweep", "parameter": "m_tilde", "values": [0.5, 1], "measure": ["t_s", "t_c"],
        "split_factors": [0.5, 1, 2]}, "seed": 4}"#,
];

/// The cost of a measurement for the test's cap: a generation run of the same scenario and sampler, times how
/// many such runs the experiment makes (a clone pair per split time, one run per entropy time, per sweep value and
/// split factor).
fn measure_cost(c: &MeasureConfig) -> Result<Estimate, Error> {
    use diffusion_regimes::config::measure::Experiment;
    let generate = GenerateConfig {
        schema: c.schema,
        scenario: c.scenario.clone(),
        sampler: c.sampler.clone(),
        snapshots: None,
        seed: c.seed,
    };
    let runs = match &c.experiment {
        Experiment::Cloning { split_times, .. } => 1 + 2 * split_times.len(),
        Experiment::Entropy { times } => 1 + times.len(),
        Experiment::NearestNeighbour {} | Experiment::Memorization {} => 1,
        Experiment::Sweep { values, split_factors, .. } => values.len() * (1 + 2 * split_factors.len()),
    };
    let mut e = estimate(RunConfig::Generate(&generate))?;
    e.seconds *= runs as f64;
    // A sweep of t_S also evaluates the O(d³) theory per value, which this proxy does not count: keep its d small.
    // The measurement checks its own budgets (src/measure/budget.rs), so a proxy over crate::budget's limits only
    // means "too large for this test", not "must be refused".
    if !e.within_budget || (matches!(c.experiment, Experiment::Sweep { .. }) && c.scenario.process.d > 16) {
        e.seconds = e.seconds.max(2.0 * TEST_WORK_CAP);
        e.within_budget = true;
    }
    Ok(e)
}

#[test]
fn property_measure_config_never_panics_and_results_are_finite() {
    fuzz("measure", MEASURE, CASES_PER_EXAMPLE / 2 * MEASURE.len(), 8, |t| {
        entry(t, measure_cost, |c: &MeasureConfig| diffusion_regimes::measure::engine::run(c))
    });
}

#[test]
fn property_scenario_config_builds_or_refuses() {
    // The scenario is the shared piece of theory, sweep and generation configs; it is fuzzed on its own too, with
    // the training set drawn (the empirical score's input), capped by its n·d budget.
    let scenarios: Vec<String> = THEORY
        .iter()
        .chain(GENERATE)
        .map(|e| serde_json::from_str::<Value>(e).unwrap()["scenario"].to_string())
        .collect();
    let examples: Vec<&str> = scenarios.iter().map(String::as_str).collect();
    fuzz("scenario", &examples, CASES_PER_EXAMPLE * 2, 6, |t| {
        let cfg: ScenarioConfig = match from_json(t) {
            Ok(c) => c,
            Err(e) => return clear(&e),
        };
        // d³ work of the build, n·d of the training set: skip sizes the test cannot afford.
        if cfg.process.d > 64 || cfg.n.saturating_mul(cfg.process.d) > 100_000 {
            return Ok((Outcome::OverTestCap, 0));
        }
        match cfg.build().and_then(|s| s.training_set(7)) {
            Ok(ts) => finite(&ts.points().to_vec()),
            Err(e) => clear(&e),
        }
    });
}

/// The views' drawing inputs as the page sends them back to the main thread (JSON or typed arrays).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DrawInput {
    report: diffusion_regimes::relaxation::RelaxationReport,
    sweep: diffusion_regimes::plot::relaxation::GapSweep,
    times: Vec<f64>,
    path_times: Vec<f64>,
    projections: Vec<f64>,
    labels: Vec<i8>,
    band_mean: Vec<f64>,
    band_sd: Vec<f64>,
}

#[test]
fn property_drawing_never_panics_on_hostile_arrays() {
    // The drawing exports (draw_* / svg_*) take what the Worker sent, which a hostile embedder can forge: huge,
    // zero, negative and mismatched arrays must give an SVG or an error, never a panic (a panic poisons the
    // instance). The boundary's own length checks for the noising arrays are repeated here as the export does.
    use diffusion_regimes::noising::NoisingRun;
    use diffusion_regimes::plot::{self, trajectories::GenerationPaths, Style, Theme};
    let report = diffusion_regimes::config::to_json(&from_json::<DriftConfig>(DRIFT[0]).unwrap().run().unwrap());
    let example = format!(
        r#"{{"report": {report}, "sweep": {{"parameter": "q", "strengths": [0, 1, 2], "gaps": [0.5, 1, 1.2],
            "current": 1}}, "times": [0, 1, 2], "path_times": [2, 1, 0], "projections": [1, 0.5, 0.1, -1, -0.4, 0], "labels": [1, -1],
            "band_mean": [1, 0.5, 0.2], "band_sd": [0.1, 0.8, 1]}}"#
    );
    fuzz("drawing", &[example.as_str()], CASES_PER_EXAMPLE * 4, 7, |t| {
        let input: DrawInput = match from_json(t) {
            Ok(c) => c,
            Err(e) => return clear(&e),
        };
        let style = Style::new(Theme::Light, 1.0);
        let relaxation =
            plot::to_svg(300, 200, |root| plot::relaxation::draw(root, &input.report, &input.sweep, style));
        let paths = GenerationPaths {
            times: input.path_times,
            projections: input.projections.clone(),
            classes: input.labels.iter().map(|&l| if l > 0 { 0 } else { 1 }).collect(),
            k: 2,
            marks: Default::default(),
            axis_name: "μ̂ · x_t".into(),
        };
        let trajectories = plot::to_svg(300, 200, |root| plot::trajectories::draw(root, &paths, style).map(|_| ()));
        let n_t = input.times.len();
        let consistent = n_t >= 2
            && input.band_mean.len() == n_t
            && input.band_sd.len() == n_t
            && input.projections.len() == input.labels.len() * n_t;
        let noising = consistent.then(|| {
            let run = NoisingRun {
                times: input.times,
                projections: input.projections,
                labels: input.labels,
                band_mean: input.band_mean,
                band_sd: input.band_sd,
            };
            plot::to_svg(300, 200, |root| plot::noising::draw(root, &run, style).map(|_| ()))
        });
        for r in [Some(relaxation), Some(trajectories), noising].into_iter().flatten() {
            if let Err(e) = r {
                return clear(&e);
            }
        }
        Ok((Outcome::Ran, 0))
    });
}
