//! What to lower when the core refuses a run over its budgets (memory 1 GiB, work 1000 s in one Worker; the core's
//! `budget` module): the largest value of each size parameter that fits alone, found by bisection on the core's own
//! estimate, as the page's budget fix does. The refusal then ends "; it fits with d ≤ 1831".

use diffusion_regimes::budget::{estimate, last_true, RunConfig};
use diffusion_regimes::error::Error;

/// A size parameter of a config: its name in the config and where it lives.
pub struct Knob<C> {
    /// The parameter's path in the config (e.g. `scenario.process.d`).
    pub name: &'static str,
    /// Its place in a config.
    pub at: fn(&mut C) -> &mut usize,
    /// Its smallest allowed value.
    pub floor: usize,
}

/// The largest value of `knob` (above its floor) with which `cfg` fits, if lowering it alone can make it fit.
fn largest_fit<C: Clone>(cfg: &C, knob: &Knob<C>, run: fn(&C) -> RunConfig<'_>) -> Option<usize> {
    let fits = |v: usize| {
        let mut c = cfg.clone();
        *(knob.at)(&mut c) = v;
        estimate(run(&c)).is_ok_and(|e| e.within_budget)
    };
    let now = *(knob.at)(&mut cfg.clone());
    if now <= knob.floor || !fits(knob.floor) {
        return None;
    }
    Some(last_true(knob.floor, now, fits))
}

/// The error in words; a budget refusal gets the largest value of each knob that fits (each alone).
pub fn explain<C: Clone>(e: Error, cfg: &C, knobs: &[Knob<C>], run: fn(&C) -> RunConfig<'_>) -> String {
    if !matches!(e, Error::Budget { .. }) {
        return e.to_string();
    }
    let fixes: Vec<String> =
        knobs.iter().filter_map(|k| largest_fit(cfg, k, run).map(|v| format!("{} ≤ {v}", k.name))).collect();
    if fixes.is_empty() {
        return e.to_string();
    }
    format!("{e}; it fits with {}", fixes.join(", or with "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use diffusion_regimes::config::{from_json, TheoryConfig};

    #[test]
    fn a_theory_over_the_memory_budget_names_the_largest_d_that_fits() {
        let cfg: TheoryConfig = from_json(
            r#"{"scenario": {"process": {"d": 4096, "precision": {"kind": "log_spaced", "kappa": 100},
                "drift": {"design": "optimal"}}}}"#,
        )
        .unwrap();
        let e = cfg.run().unwrap_err();
        let knobs =
            [Knob { name: "scenario.process.d", at: |c: &mut TheoryConfig| &mut c.scenario.process.d, floor: 1 }];
        let said = explain(e, &cfg, &knobs, |c| RunConfig::Theory(c));
        let d: usize = said.rsplit("d ≤ ").next().unwrap().parse().unwrap();
        let fits = |d| {
            let mut c = cfg.clone();
            c.scenario.process.d = d;
            estimate(RunConfig::Theory(&c)).unwrap().within_budget
        };
        assert!(said.starts_with("run refused: it needs about 5120 MiB") && fits(d) && !fits(d + 1), "{said}");
    }
}
