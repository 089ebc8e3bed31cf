//! Config of a measurement run (SCIENCE.md §9): a scenario, a sampler, one experiment, a seed. `regimes measure`,
//! the page's Worker (`MeasureJob`) and the tests share it.
//!
//! `sampler.particles` is the Monte Carlo count of every experiment: trajectories (each split into a clone pair at
//! every split time), exact samples of p^e_t for the entropy estimator, or generated samples. The entropy estimator
//! samples p^e_t exactly and does not use the sampler's grid, integrator or start.

use serde::{Deserialize, Serialize};

use super::{check_schema, default_schema, SamplerConfig, Scenario, ScenarioConfig, ScoreKind};
use crate::error::{Error, Result};

/// Largest number of split times (cloning) or estimator times (entropy) of one run.
pub const MAX_TIMES: usize = 200;

/// Largest number of values of a measured sweep.
pub const MAX_SWEEP_VALUES: usize = 64;

/// How the copies of the cloning experiment are started at the split time t_b (SCIENCE.md §9.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CloningMethod {
    /// Generation from T to t_b, then the fork: the experiment itself.
    #[default]
    Full,
    /// Copies started from exact samples of p_{t_b} (a noised training point for the empirical score).
    Shortcut,
}

/// The parameter a measured sweep varies (SCIENCE.md §3, §4, §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweptParameter {
    /// γ of Q = γ·Q_opt (`process.drift` becomes `scaled`, keeping the weights of an optimal or scaled design).
    Gamma,
    /// q of the plane rotation (`process.drift` becomes `plane`).
    Q,
    /// κ of U (`process.precision` becomes `log_spaced`, keeping a basis seed it had).
    Kappa,
    /// α = ln n / d: n = round(e^{αd}).
    Alpha,
    /// The training-set size n.
    N,
    /// The dimension d.
    D,
    /// β = p/d of the manifold model.
    Beta,
    /// m̃ of the data model.
    MTilde,
    /// σ of the two-class or k-class model.
    Sigma,
}

/// What a measured sweep measures at each value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweptQuantity {
    /// t_S from the cloning experiment (φ̂ crossing F(1)).
    TS,
    /// t_C as the mean nearest-neighbour stability time t̂_C (always with the empirical score).
    TC,
}

/// One experiment of SCIENCE.md §9.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum Experiment {
    /// Cloning (§9.1, and §9.4 with the empirical score): φ̂(t_b) for each split time, measured t_S.
    Cloning {
        /// Split times t_b (forward time; each is moved to the first grid time ≤ t_b).
        split_times: Vec<f64>,
        /// Full integration or the exact-start shortcut.
        #[serde(default)]
        method: CloningMethod,
    },
    /// The entropy estimator crit(t) (§9.2) at the given forward times.
    Entropy {
        /// Forward times t > 0.
        times: Vec<f64>,
    },
    /// Nearest-neighbour stability t̂_C per trajectory (§9.3), and the memorization fraction at the end (§9.5).
    NearestNeighbour {},
    /// The memorization fraction of generated samples (§9.5).
    Memorization {},
    /// Measured t_S and/or t_C along one parameter, beside the theory.
    Sweep {
        /// The parameter.
        parameter: SweptParameter,
        /// Its values.
        values: Vec<f64>,
        /// What to measure.
        measure: Vec<SweptQuantity>,
        /// Split times of the t_S measurement as multiples of each value's theoretical t_S.
        #[serde(default = "default_split_factors")]
        split_factors: Vec<f64>,
        /// Cloning method of the t_S measurement.
        #[serde(default)]
        method: CloningMethod,
    },
}

/// Split times from 0.5 t_S to 2 t_S: φ goes from about 0.95 to about 0.55 over this range in Biroli's model, so the
/// crossing of F(1) = 0.7752 is bracketed with points on both sides.
pub fn default_split_factors() -> Vec<f64> {
    vec![0.5, 0.7, 0.85, 1.0, 1.15, 1.3, 1.6, 2.0]
}

/// A measurement run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureConfig {
    /// Schema version.
    #[serde(default = "default_schema")]
    pub schema: u32,
    /// The scenario (process, data, n).
    pub scenario: ScenarioConfig,
    /// The sampler; `particles` is the Monte Carlo count of the experiment.
    pub sampler: SamplerConfig,
    /// The experiment.
    pub experiment: Experiment,
    /// Seed of every random stream (training set, starts, noise, clone noise, estimator samples).
    pub seed: u64,
}

fn check_times(name: &str, ts: &[f64], t_max: f64) -> Result<()> {
    crate::error::check_count(&format!("number of {name}"), ts.len(), 1, MAX_TIMES)?;
    for (k, &t) in ts.iter().enumerate() {
        // Times below MIN_POSITIVE_T make Σ_t underflow (the entropy estimator returned NaN at t = 1e-308).
        let t_min = crate::sampler::grid::MIN_POSITIVE_T;
        if !(t.is_finite() && t >= t_min && t <= t_max) {
            return Err(Error::param(format!("{name}[{k}]"), t, format!("a forward time in [{t_min:e}, {t_max}]")));
        }
    }
    Ok(())
}

impl MeasureConfig {
    /// Validates the schema, the sampler, the experiment's parameters, and the scenario (for a sweep, the scenario as
    /// given; each value is validated when the run is prepared).
    ///
    /// # Errors
    /// [`Error::Param`] naming the parameter: the analytic score needs a mixture, cloning needs a stochastic integrator
    /// (the probability-flow ODE makes both copies identical), times must lie in (0, T].
    pub fn validate(&self) -> Result<Scenario> {
        check_schema(self.schema)?;
        self.sampler.check()?;
        let scenario = self.scenario.build()?;
        if self.sampler.score == ScoreKind::Analytic && scenario.data.mixture().is_none() {
            return Err(Error::param(
                "sampler.score",
                "analytic",
                "\"empirical\" for a nonlinear manifold model (no exact score exists for it)",
            ));
        }
        let t_max = self.sampler.grid.t_max;
        match &self.experiment {
            Experiment::Cloning { split_times, .. } => {
                check_times("experiment.split_times", split_times, t_max)?;
                self.check_stochastic()?;
            }
            Experiment::Entropy { times } => check_times("experiment.times", times, crate::sampler::grid::MAX_T)?,
            Experiment::NearestNeighbour {} | Experiment::Memorization {} => {}
            Experiment::Sweep { values, measure, split_factors, .. } => {
                crate::error::check_count("number of experiment.values", values.len(), 1, MAX_SWEEP_VALUES)?;
                if let Some((k, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                    return Err(Error::param(format!("experiment.values[{k}]"), v, "a finite number"));
                }
                if measure.is_empty() {
                    return Err(Error::param("experiment.measure", "[]", "at least one of \"t_s\", \"t_c\""));
                }
                check_times("experiment.split_factors", split_factors, 100.0)?;
                if measure.contains(&SweptQuantity::TS) {
                    self.check_stochastic()?;
                }
            }
        }
        Ok(scenario)
    }

    fn check_stochastic(&self) -> Result<()> {
        if self.sampler.integrator.is_stochastic() {
            Ok(())
        } else {
            Err(Error::param(
                "sampler.integrator",
                format!("{:?}", self.sampler.integrator),
                "a stochastic integrator (euler_maruyama or exponential): the copies of a deterministic flow never \
                 separate",
            ))
        }
    }
}

/// The scenario of one sweep value: the config with the parameter set to `value`.
///
/// # Errors
/// [`Error::Param`] naming `experiment.parameter` when the parameter does not apply to the scenario (β without a
/// manifold model, σ with one), or a value that is not a valid count (n, d).
pub fn apply_parameter(base: &ScenarioConfig, parameter: SweptParameter, value: f64) -> Result<ScenarioConfig> {
    use super::{DataConfig, PrecisionConfig};
    use crate::drift::{Design, Weights};
    let mut s = base.clone();
    let count = |name: &str, v: f64| -> Result<usize> {
        if (1.0..=1e9).contains(&v) && v.fract() == 0.0 {
            Ok(v as usize)
        } else {
            Err(Error::param(name, v, "a positive integer"))
        }
    };
    let not_applicable = |what: &str| Error::param("experiment.parameter", format!("{parameter:?}"), what.to_string());
    match parameter {
        SweptParameter::Gamma => {
            let weights = match &s.process.drift {
                Design::Optimal { weights } | Design::Scaled { weights, .. } => weights.clone(),
                _ => Weights::default(),
            };
            s.process.drift = Design::Scaled { gamma: value, weights };
        }
        SweptParameter::Q => s.process.drift = Design::Plane { q: value },
        SweptParameter::Kappa => {
            let basis_seed = match &s.process.precision {
                PrecisionConfig::LogSpaced { basis_seed, .. } => *basis_seed,
                _ => None,
            };
            s.process.precision = PrecisionConfig::LogSpaced { kappa: value, basis_seed };
        }
        SweptParameter::Alpha => {
            if !(value.is_finite() && value > 0.0) {
                return Err(Error::param("experiment.values (alpha)", value, "a finite number > 0"));
            }
            let n = (value * s.process.d as f64).exp().round();
            s.n = count("n = round(e^{alpha d})", n.max(1.0))?;
        }
        SweptParameter::N => s.n = count("experiment.values (n)", value)?,
        SweptParameter::D => s.process.d = count("experiment.values (d)", value)?,
        SweptParameter::Beta => match &mut s.data {
            DataConfig::Manifold(m) => m.beta = value,
            _ => return Err(not_applicable("a manifold data model for beta")),
        },
        SweptParameter::MTilde => match &mut s.data {
            DataConfig::TwoClass(c) => c.m_tilde = value,
            DataConfig::KClass(c) => c.m_tilde = value,
            DataConfig::Manifold(m) => m.m_tilde = value,
        },
        SweptParameter::Sigma => match &mut s.data {
            DataConfig::TwoClass(c) => c.sigma = value,
            DataConfig::KClass(c) => c.sigma = value,
            DataConfig::Manifold(_) => return Err(not_applicable("a two-class or k-class data model for sigma")),
        },
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_json;

    const BASE: &str = r#"{"scenario": {"process": {"d": 8}}, "sampler": {"grid": {"t_max": 5, "t_min": 0,
        "steps": 100, "kind": "uniform"}, "particles": 10, "integrator": "euler_maruyama"}, "seed": 1,"#;

    #[test]
    fn experiments_parse_and_validate() {
        let c: MeasureConfig =
            from_json(&format!("{BASE} \"experiment\": {{\"kind\": \"cloning\", \"split_times\": [1, 2]}}}}")).unwrap();
        assert!(matches!(c.experiment, Experiment::Cloning { method: CloningMethod::Full, .. }));
        c.validate().unwrap();
        let c: MeasureConfig =
            from_json(&format!("{BASE} \"experiment\": {{\"kind\": \"nearest_neighbour\"}}}}")).unwrap();
        c.validate().unwrap();
        let e = from_json::<MeasureConfig>(&format!(
            "{BASE} \"experiment\": {{\"kind\": \"cloning\", \"split_times\": [1], \"pairs\": 3}}}}"
        ));
        assert!(e.is_err(), "unknown fields are refused");
        let c: MeasureConfig =
            from_json(&format!("{BASE} \"experiment\": {{\"kind\": \"cloning\", \"split_times\": [6]}}}}")).unwrap();
        assert!(c.validate().unwrap_err().to_string().contains("experiment.split_times[0]"));
        let c: MeasureConfig = from_json(
            &format!("{BASE} \"experiment\": {{\"kind\": \"cloning\", \"split_times\": [1]}}}}")
                .replace("euler_maruyama", "flow_euler"),
        )
        .unwrap();
        assert!(c.validate().unwrap_err().to_string().contains("sampler.integrator"));
    }

    #[test]
    fn parameters_apply_to_the_scenario() {
        let c: MeasureConfig = from_json(&format!("{BASE} \"experiment\": {{\"kind\": \"memorization\"}}}}")).unwrap();
        let s = apply_parameter(&c.scenario, SweptParameter::Alpha, 0.5).unwrap();
        assert_eq!(s.n, 55); // e^4 = 54.6
        let s = apply_parameter(&c.scenario, SweptParameter::Sigma, 0.3).unwrap();
        assert!(matches!(s.data, crate::config::DataConfig::TwoClass(ref t) if t.sigma == 0.3));
        assert!(apply_parameter(&c.scenario, SweptParameter::Beta, 0.5).is_err());
        assert!(apply_parameter(&c.scenario, SweptParameter::D, 2.5).is_err());
    }
}
