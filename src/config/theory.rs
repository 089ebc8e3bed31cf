//! Configs of the theory: one evaluation of a scenario (`regimes theory`, the page's readout and theory curves) and
//! a sweep along one parameter (`regimes sweep`, the Transition-times view).

use serde::{Deserialize, Serialize};

use super::{check_schema, default_schema, DataConfig, PrecisionConfig, Scenario, ScenarioConfig};
use crate::budget::{self, RunConfig};
use crate::drift::{Design, Weights};
use crate::error::{check_count, Error, Result};
use crate::theory::grid::ScanRange;
use crate::theory::manifold::{manifold_collapse_time, GlmOptions};
use crate::theory::speciation::ClassModel;
use crate::theory::sweep::{evaluate, sweep, Sweep, TheoryInput, TheoryOptions, TheoryReport};

/// Converts a validated scenario with an exact mixture into the theory's input.
///
/// # Errors
/// [`Error::Param`] naming `data` for a model without an exact mixture (a nonlinear manifold: its collapse time is
/// given by [`manifold_t_c`] instead), or per-class covariances (the speciation theory needs a shared C₀).
pub fn theory_input(s: &Scenario) -> Result<TheoryInput> {
    let m = s.data.mixture().ok_or_else(|| {
        Error::param("data", "a nonlinear manifold model", "a mixture for the matrix theory (see the GLM t_C instead)")
    })?;
    let classes = match m.symmetric_two_class_mean() {
        Some(mu) => ClassModel::two_class(mu, m.cov(0))?,
        None => {
            let c0 = m.cov(0);
            if (1..m.n_classes()).any(|c| m.cov(c) != c0) {
                return Err(Error::param("data", "per-class covariances", "a shared within-class covariance"));
            }
            ClassModel::k_class(m.means(), m.weights(), c0)?
        }
    };
    TheoryInput::mixture(s.process.clone(), classes, s.n)
}

/// GVM's collapse time of a manifold scenario (SCIENCE.md §8): the closed form for a linear orthonormal embedding,
/// the GLM replica formula for a gaussian embedding. These formulas are for Biroli's process (U = I, Q = 0); `None`
/// for any other process or a model that is not a manifold.
///
/// # Errors
/// As [`manifold_collapse_time`] (an orthonormal embedding with a nonlinear φ has no formula).
pub fn manifold_t_c(cfg: &ScenarioConfig, s: &Scenario) -> Result<Option<f64>> {
    let DataConfig::Manifold(m) = &cfg.data else { return Ok(None) };
    let reversible_identity = matches!(cfg.process.precision, PrecisionConfig::Identity { scale } if scale == 1.0)
        && s.process.q().iter().all(|&x| x == 0.0);
    if !reversible_identity {
        return Ok(None);
    }
    // The model's own fraction p/d (p = round(βd)), so the formula describes the data the simulations draw.
    let d = cfg.process.d;
    let beta = crate::data::manifold::latent_dim(m.beta, d) as f64 / d as f64;
    manifold_collapse_time(m.embedding, m.phi, s.alpha(), beta, &GlmOptions::default()).map(Some)
}

/// One theory evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TheoryConfig {
    /// Schema version.
    #[serde(default = "default_schema")]
    pub schema: u32,
    /// The scenario.
    pub scenario: ScenarioConfig,
    /// Scan range and curve resolution.
    #[serde(default)]
    pub options: TheoryOptions,
}

/// The result of a theory evaluation: the matrix theory (when the data is a mixture) and GVM's manifold t_C (when the
/// data is a manifold under Biroli's process).
#[derive(Clone, Debug, Serialize)]
pub struct TheoryResult {
    /// The matrix theory of SCIENCE.md §7–§8; `None` for a nonlinear manifold.
    pub report: Option<TheoryReport>,
    /// GVM's t_C (closed form or GLM) for a manifold scenario under U = I, Q = 0.
    pub manifold_t_c: Option<f64>,
    /// Why something is absent.
    pub messages: Vec<String>,
}

impl TheoryConfig {
    /// Validates and evaluates.
    ///
    /// # Errors
    /// Any parameter error of the scenario or the options; [`Error::Budget`] over the budgets of [`crate::budget`].
    /// Missing transitions are messages, not errors.
    pub fn run(&self) -> Result<TheoryResult> {
        check_schema(self.schema)?;
        budget::estimate(RunConfig::Theory(self))?.check()?;
        let s = self.scenario.build()?;
        let mut messages = Vec::new();
        let report = match theory_input(&s) {
            Ok(input) => Some(evaluate(&input, &self.options)?),
            Err(e) => {
                messages.push(e.to_string());
                None
            }
        };
        let manifold_t_c = match manifold_t_c(&self.scenario, &s) {
            // A manifold scenario without a value: the process is not Biroli's (an orthonormal embedding with a
            // nonlinear φ is an error, with its own message).
            Ok(None) if matches!(self.scenario.data, DataConfig::Manifold(_)) => {
                messages.push("GVM's manifold t_C is defined for U = I, Q = 0 only".into());
                None
            }
            Ok(v) => v,
            Err(e) => {
                messages.push(e.to_string());
                None
            }
        };
        Ok(TheoryResult { report, manifold_t_c, messages })
    }
}

/// The parameter a sweep varies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepParameter {
    /// γ of Q = γ·Q_opt.
    Gamma,
    /// q of the plane rotation.
    Q,
    /// κ of a log-spaced U (keeping its basis seed).
    Kappa,
    /// α = ln n / d (n = round(e^{αd})).
    Alpha,
    /// The training-set size n.
    N,
    /// The dimension d.
    D,
    /// β of the manifold model.
    Beta,
    /// m̃ of the data.
    MTilde,
    /// σ of the data.
    Sigma,
}

/// A theory sweep along one parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepConfig {
    /// Schema version.
    #[serde(default = "default_schema")]
    pub schema: u32,
    /// The base scenario; the swept parameter overrides its value.
    pub scenario: ScenarioConfig,
    /// Which parameter.
    pub parameter: SweepParameter,
    /// The values.
    pub values: Vec<f64>,
    /// Scan range of the roots.
    #[serde(default)]
    pub scan: ScanRange,
}

/// Largest number of values of a sweep from the page or the CLI (each value is a full theory evaluation).
pub const MAX_SWEEP_POINTS: usize = 512;

/// The result of a sweep: the matrix theory along the parameter, plus GVM's manifold t_C where it applies.
#[derive(Clone, Debug, Serialize)]
pub struct SweepResult {
    /// The parameter.
    pub parameter: SweepParameter,
    /// The matrix theory (t_S roots, t_C, gap, bound, u_min) per value.
    pub theory: Sweep,
    /// GVM's manifold t_C per value (`None` where it does not apply).
    pub manifold_t_c: Vec<Option<f64>>,
}

impl SweepConfig {
    /// The scenario with the swept parameter set to `v`.
    ///
    /// # Errors
    /// [`Error::Param`] when the parameter does not apply to the scenario (e.g. β without a manifold model) or the
    /// value is not finite.
    pub fn scenario_at(&self, v: f64) -> Result<ScenarioConfig> {
        if !v.is_finite() {
            return Err(Error::param("values", v, "finite numbers"));
        }
        let mut c = self.scenario.clone();
        let not_applicable = |what: &str| Error::param("parameter", format!("{:?}", self.parameter), what.to_string());
        match self.parameter {
            SweepParameter::Gamma => {
                let weights = match &c.process.drift {
                    Design::Optimal { weights } | Design::Scaled { weights, .. } => weights.clone(),
                    _ => Weights::Linear,
                };
                c.process.drift = Design::Scaled { gamma: v, weights };
            }
            SweepParameter::Q => c.process.drift = Design::Plane { q: v },
            SweepParameter::Kappa => match &mut c.process.precision {
                PrecisionConfig::LogSpaced { kappa, .. } => *kappa = v,
                _ => c.process.precision = PrecisionConfig::LogSpaced { kappa: v, basis_seed: None },
            },
            SweepParameter::Alpha => {
                let n = (v * c.process.d as f64).exp().round();
                if !(n.is_finite() && n >= 2.0 && n <= super::scenario::MAX_N as f64) {
                    return Err(Error::param("alpha", v, "a value with n = e^{αd} in [2, 200000]"));
                }
                c.n = n as usize;
            }
            SweepParameter::N => {
                // Checked here, as α and d are, so a value out of range is that value's message, not the sweep's end.
                if !(v >= 2.0 && v.fract() == 0.0 && v <= super::scenario::MAX_N as f64) {
                    return Err(Error::param("n", v, format!("an integer in [2, {}]", super::scenario::MAX_N)));
                }
                c.n = v as usize;
            }
            SweepParameter::D => {
                if !(v >= 1.0 && v.fract() == 0.0 && v <= 4096.0) {
                    return Err(Error::param("d", v, "an integer in [1, 4096]"));
                }
                c.process.d = v as usize;
                if let PrecisionConfig::Diagonal { .. } = c.process.precision {
                    return Err(not_applicable("a precision that is not an explicit diagonal (its length is d)"));
                }
            }
            SweepParameter::Beta => match &mut c.data {
                DataConfig::Manifold(m) => m.beta = v,
                _ => return Err(not_applicable("a manifold data model for β")),
            },
            SweepParameter::MTilde => match &mut c.data {
                DataConfig::TwoClass(t) => t.m_tilde = v,
                DataConfig::KClass(k) => k.m_tilde = v,
                DataConfig::Manifold(m) => m.m_tilde = v,
            },
            SweepParameter::Sigma => match &mut c.data {
                DataConfig::TwoClass(t) => t.sigma = v,
                DataConfig::KClass(k) => k.sigma = v,
                DataConfig::Manifold(_) => return Err(not_applicable("a mixture data model for σ")),
            },
        }
        Ok(c)
    }

    /// Validates and runs the sweep.
    ///
    /// # Errors
    /// Schema, an empty or too long list of values, [`Error::Budget`] for a sweep over the budgets of
    /// [`crate::budget`]. Per-value failures are recorded in the result's messages.
    pub fn run(&self) -> Result<SweepResult> {
        check_schema(self.schema)?;
        check_count("values (number of sweep points)", self.values.len(), 1, MAX_SWEEP_POINTS)?;
        budget::estimate(RunConfig::Sweep(self))?.check()?;
        let theory = sweep(
            &self.values,
            |v| {
                let c = self.scenario_at(v)?;
                theory_input(&c.build()?)
            },
            &self.scan,
        )?;
        let manifold_t_c = self
            .values
            .iter()
            .map(|&v| {
                let c = self.scenario_at(v).ok()?;
                let s = c.build().ok()?;
                manifold_t_c(&c, &s).ok().flatten()
            })
            .collect();
        Ok(SweepResult { parameter: self.parameter, theory, manifold_t_c })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_json;

    /// A swept n outside [2, 200000] is that value's message; the values around it are computed.
    #[test]
    fn a_sweep_over_n_reports_an_out_of_range_value_and_computes_the_others() {
        let c: SweepConfig =
            from_json(r#"{"scenario": {"process": {"d": 16}}, "parameter": "n", "values": [1000, 1e6, 1.5, 5000]}"#)
                .unwrap();
        let r = c.run().unwrap();
        assert!(r.theory.t_c[0].is_some() && r.theory.t_c[3].is_some(), "{:?}", r.theory.t_c);
        assert_eq!(r.theory.t_c[1..3], [None, None]);
        let said: Vec<(usize, &str)> = r.theory.messages.iter().map(|m| (m.index, m.message.as_str())).collect();
        assert_eq!(
            said,
            [
                (1, "invalid n = 1000000: expected an integer in [2, 200000]"),
                (2, "invalid n = 1.5: expected an integer in [2, 200000]")
            ]
        );
    }

    #[test]
    fn biroli_theory_from_json() {
        // Speciation: |μ|² = d, σ = 1 gives t_S = ½ ln d (SCIENCE.md §7).
        let json = r#"{"scenario": {"process": {"d": 256}, "n": 20000}}"#;
        let r = from_json::<TheoryConfig>(json).unwrap().run().unwrap().report.unwrap();
        assert!((r.t_s.unwrap() - 2.772589).abs() < 1e-6, "{:?}", r.t_s);
        // Collapse uses the total covariance C = σ²I + μμᵀ of the mixture, so Biroli's closed form (C = σ²I) is
        // reached with m̃ = 0; with m̃ = 1 the extra eigenvalue 1 + d moves t_C later.
        let json = r#"{"scenario": {"process": {"d": 256}, "data": {"model": "two_class", "m_tilde": 0}, "n": 20000}}"#;
        let r = from_json::<TheoryConfig>(json).unwrap().run().unwrap().report.unwrap();
        assert!((r.t_c.unwrap() - 1.298790).abs() < 1e-6, "{:?}", r.t_c);
        assert!(r.t_s.is_none() && !r.messages.is_empty());
    }

    #[test]
    fn manifold_theory_uses_gvm_closed_form() {
        let json = r#"{"scenario": {"process": {"d": 64},
            "data": {"model": "manifold", "beta": 0.5, "phi": "tanh", "embedding": "gaussian"}, "n": 1000}}"#;
        let r = from_json::<TheoryConfig>(json).unwrap().run().unwrap();
        assert!(r.report.is_none() && r.manifold_t_c.unwrap() > 0.0, "{r:?}");
    }

    #[test]
    fn gvm_t_c_uses_the_models_own_p_over_d_and_says_why_it_is_absent() {
        // βd = 4.8 is not an integer: the model has p = 5, and GVM's closed form at p/d = 5/16 is the matrix theory's
        // t_C of that same model (φ = identity, orthonormal: a Gaussian of rank p). At the requested β = 0.3 they
        // differed (0.0582 against 0.0640).
        let json = r#"{"scenario": {"process": {"d": 16},
            "data": {"model": "manifold", "beta": 0.3, "m_tilde": 0, "phi": "identity", "embedding": "orthonormal"},
            "n": 200}}"#;
        let r = from_json::<TheoryConfig>(json).unwrap().run().unwrap();
        let matrix = r.report.as_ref().and_then(|x| x.t_c).unwrap();
        let gvm = r.manifold_t_c.unwrap();
        assert!((gvm - matrix).abs() < 1e-8, "GVM {gvm} vs matrix theory {matrix}");
        // An orthonormal embedding with tanh under U = I, Q = 0: no formula, and the message says that (not that the
        // process is wrong).
        let json = r#"{"scenario": {"process": {"d": 16},
            "data": {"model": "manifold", "beta": 0.5, "phi": "tanh", "embedding": "orthonormal"}, "n": 200}}"#;
        let r = from_json::<TheoryConfig>(json).unwrap().run().unwrap();
        assert!(r.manifold_t_c.is_none());
        assert!(r.messages.iter().all(|m| !m.contains("U = I, Q = 0 only")), "{:?}", r.messages);
        assert!(!r.messages.is_empty());
    }

    #[test]
    fn gamma_sweep_and_inapplicable_parameters() {
        let json = r#"{"scenario": {"process": {"d": 8, "precision": {"kind": "log_spaced", "kappa": 100},
            "drift": {"design": "optimal"}}, "data": {"model": "two_class", "direction": {"kind": "fastest"}}},
            "parameter": "gamma", "values": [0, 0.5, 1]}"#;
        let r = from_json::<SweepConfig>(json).unwrap().run().unwrap();
        let ts: Vec<f64> = r.theory.t_s.iter().map(|t| t.unwrap()).collect();
        // μ along the fastest direction: Q_opt raises t_S (SCIENCE.md §7, "Effect of Q").
        assert!(ts[2] > ts[0], "{ts:?}");
        let bad = json.replace("\"gamma\"", "\"beta\"");
        let r = from_json::<SweepConfig>(&bad).unwrap().run().unwrap();
        assert!(r.theory.t_s.iter().all(|t| t.is_none()) && !r.theory.messages.is_empty());
    }
}
