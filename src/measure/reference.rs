//! The theory reported beside each measurement (SCIENCE.md §7, §8): t_S, φ(t) = F(s(t)), f(t) and t_C of a
//! scenario. A quantity the theory does not define for the scenario (a nonlinear manifold's speciation, φ for k > 2
//! classes, a transition outside the scan range) is `None`, never an error: the measurement still stands.

use nalgebra::DMatrix;

use crate::config::Scenario;
use crate::data::mixture::ClassCovariance;
use crate::data::training_set::TrainingSet;
use crate::theory::grid::ScanRange;
use crate::theory::speciation::ClassModel;

/// The class model of the scenario's mixture (two classes ±μ, or k classes with a shared C₀).
fn class_model(scenario: &Scenario) -> Option<ClassModel> {
    let m = scenario.data.mixture()?;
    let c0 = match m.covariances() {
        ClassCovariance::Shared(c) => c,
        ClassCovariance::PerClass(_) => return None,
    };
    match m.symmetric_two_class_mean() {
        Some(mu) => ClassModel::two_class(mu, c0).ok(),
        None => ClassModel::k_class(m.means(), m.weights(), c0).ok(),
    }
}

/// The theoretical speciation time t_S (the largest root, SCIENCE.md §7) on the default scan range.
pub fn speciation_time(scenario: &Scenario) -> Option<f64> {
    let classes = class_model(scenario)?;
    crate::theory::speciation::speciation(&scenario.process, &classes, &ScanRange::default()).ok().map(|s| s.t_s)
}

/// The theoretical cloning probability φ(t) = F(s(t)) at the given times (two classes only).
pub fn cloning_curve(scenario: &Scenario, times: &[f64]) -> Option<Vec<f64>> {
    let m = scenario.data.mixture()?;
    let mu = m.symmetric_two_class_mean()?;
    let ClassCovariance::Shared(c0) = m.covariances() else { return None };
    crate::theory::cloning::cloning_curve(&scenario.process, mu, c0, times).ok()
}

/// The data covariance the collapse theory uses: the mixture's exact total covariance, or the training set's sample
/// covariance for a model without one (SCIENCE.md §4, §8).
fn data_covariance(scenario: &Scenario, training: Option<&TrainingSet>) -> Option<DMatrix<f64>> {
    match (scenario.data.mixture(), training) {
        (Some(m), _) => Some(m.total_covariance()),
        (None, Some(ts)) => Some(ts.sample_covariance()),
        (None, None) => None,
    }
}

/// The excess entropy f(t) = α − I_t/d at the given times (SCIENCE.md §8).
pub fn excess_entropy(scenario: &Scenario, training: Option<&TrainingSet>, times: &[f64]) -> Option<Vec<f64>> {
    let c = data_covariance(scenario, training)?;
    times.iter().map(|&t| crate::theory::collapse::excess_entropy(&scenario.process, &c, scenario.n, t).ok()).collect()
}

/// The theoretical collapse time t_C (SCIENCE.md §8) on the default scan range.
pub fn collapse_time(scenario: &Scenario, training: Option<&TrainingSet>) -> Option<f64> {
    let c = data_covariance(scenario, training)?;
    crate::theory::collapse::collapse_time(&scenario.process, &c, scenario.n, &ScanRange::default()).ok()
}
