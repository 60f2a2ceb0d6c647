//! The result types of the analysis (serde-serializable: the JSON of
//! `crosslag transact --format json`), and where the variables of a model are.

use super::chibar::ChiBarTest;
use super::edit::Path;
use super::options::{column, TransactOptions};
use crate::analyses::compare::LrtMethod;
use crate::families::panel::{Constraint, Family};
use crate::report::{Estimate, FitResult, ParameterRow};
use crate::specify::options::{Estimator, Missing};
use crate::specify::partable::Op;
use serde::Serialize;

/// The variables of one construct in a model, per wave.
#[derive(Debug, Clone, Serialize)]
pub struct ConstructNodes {
    pub name: String,
    /// Observed columns, one per wave.
    pub observed: Vec<String>,
    /// The variables the lagged effects connect: the within components `w_x_t` (RI-CLPM) or
    /// the observed scores (CLPM).
    pub within: Vec<String>,
    /// The random intercept (RI-CLPM).
    pub intercept: Option<String>,
}

/// Where the variables of a model are (for reading the results and drawing the model).
#[derive(Debug, Clone, Serialize)]
pub struct Layout {
    pub waves: Vec<String>,
    pub x: ConstructNodes,
    pub y: ConstructNodes,
}

impl Layout {
    pub(super) fn new(opts: &TransactOptions, family: Family) -> Layout {
        let waves = opts.waves.labels();
        let nodes = |name: &str| {
            let observed: Vec<String> = waves.iter().map(|w| column(opts, name, w)).collect();
            let (within, intercept) = match family {
                Family::Clpm => (observed.clone(), None),
                _ => (
                    waves.iter().map(|w| format!("w_{name}_{w}")).collect(),
                    Some(format!("RI_{name}")),
                ),
            };
            ConstructNodes {
                name: name.to_string(),
                observed,
                within,
                intercept,
            }
        };
        Layout {
            x: nodes(&opts.x),
            y: nodes(&opts.y),
            waves,
        }
    }

    /// The lagged paths (outcome at t, predictor at t − 1) from construct `from` to `to`.
    pub(super) fn paths(&self, from: &ConstructNodes, to: &ConstructNodes) -> Vec<Path> {
        (1..self.waves.len())
            .map(|t| Path {
                lhs: to.within[t].clone(),
                rhs: from.within[t - 1].clone(),
            })
            .collect()
    }
}

/// An estimate with its inference.
#[derive(Debug, Clone, Serialize)]
pub struct Effect {
    pub lhs: String,
    pub op: Op,
    pub rhs: String,
    /// Waves of the predictor and the outcome (lagged effects).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_wave: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_wave: Option<String>,
    pub label: String,
    pub free: bool,
    /// The estimate with its inference; the interval is the (1 − α) Wald interval.
    #[serde(flatten)]
    pub estimate: Estimate,
    /// lavaan's std.all (for a covariance: the correlation).
    pub std_all: Option<f64>,
}

pub(super) fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

impl Effect {
    pub(super) fn from_row(r: &ParameterRow, zq: f64) -> Effect {
        let se = finite(r.estimate.se).filter(|_| r.free > 0);
        Effect {
            lhs: r.lhs.clone(),
            op: r.op,
            rhs: r.rhs.clone(),
            from_wave: None,
            to_wave: None,
            label: r.label.clone(),
            free: r.free > 0,
            estimate: Estimate {
                est: r.estimate.est,
                se,
                z: finite(r.estimate.z),
                pvalue: finite(r.estimate.pvalue),
                ci_lower: se.map(|s| r.estimate.est - zq * s),
                ci_upper: se.map(|s| r.estimate.est + zq * s),
            },
            std_all: finite(r.std_all),
        }
    }
}

/// A joint Wald test that a set of free parameters is zero.
#[derive(Debug, Clone, Serialize)]
pub struct WaldTest {
    pub chisq: f64,
    pub df: usize,
    pub pvalue: f64,
    /// The distinct parameters tested (labels, or `lhs~rhs` with the group).
    pub parameters: Vec<String>,
}

/// A likelihood-ratio (χ² difference) test of a restricted model against a less restricted
/// one.
#[derive(Debug, Clone, Serialize)]
pub struct LrtTest {
    /// What the restricted model assumes.
    pub hypothesis: String,
    pub chisq: Option<f64>,
    pub df: Option<f64>,
    pub pvalue: Option<f64>,
    /// `standard` or `satorra.bentler.2001` (MLR); written `""` when there is no test.
    #[serde(serialize_with = "method_or_empty")]
    pub method: Option<LrtMethod>,
    /// The restricted model's syntax.
    pub restricted_syntax: String,
    pub warnings: Vec<String>,
}

/// The cross-lagged effects of one direction, and the tests that they are all zero.
#[derive(Debug, Clone, Serialize)]
pub struct Direction {
    pub from: String,
    pub to: String,
    /// The effects share one label over time (`--constrain lagged`).
    pub constrained: bool,
    /// One effect per interval (equal estimates when constrained).
    pub effects: Vec<Effect>,
    pub wald: Option<WaldTest>,
    pub lrt: Option<LrtTest>,
    /// The decision at α: the LRT's when available, else the Wald test's.
    pub significant: bool,
    /// p-value the decision is based on.
    pub pvalue: Option<f64>,
    /// Sign of the estimates: `positive`, `negative` or `mixed`.
    pub sign: Sign,
}

/// The sign of a set of free estimates: all positive (or zero), all negative, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sign {
    Positive,
    Negative,
    Mixed,
}

impl Sign {
    /// The sign of the free effects: `positive` when none is negative, `negative` when none is
    /// positive (and some is negative), else `mixed`.
    pub fn of(effects: &[Effect]) -> Sign {
        let pos = effects
            .iter()
            .filter(|e| e.free && e.estimate.est > 0.0)
            .count();
        let neg = effects
            .iter()
            .filter(|e| e.free && e.estimate.est < 0.0)
            .count();
        match (pos, neg) {
            (_, 0) => Sign::Positive,
            (0, _) => Sign::Negative,
            _ => Sign::Mixed,
        }
    }
}

/// `None` written as `""` (the JSON of a test that could not be computed).
fn method_or_empty<S: serde::Serializer>(m: &Option<LrtMethod>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(m.map_or("", LrtMethod::as_str))
}

/// A joint test over all groups (several groups).
#[derive(Debug, Clone, Serialize)]
pub struct JointTest {
    pub from: String,
    pub to: String,
    pub wald: Option<WaldTest>,
    pub lrt: Option<LrtTest>,
    pub significant: bool,
    pub pvalue: Option<f64>,
}

/// The random intercepts: variances, covariance and correlation (RI-CLPM).
#[derive(Debug, Clone, Serialize)]
pub struct Between {
    pub var_x: Effect,
    pub var_y: Effect,
    pub cov: Effect,
    /// The correlation of the random intercepts (NaN-free: `None` at a negative variance).
    pub correlation: Option<f64>,
}

/// Results of one group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    /// 1-based group.
    pub group: usize,
    pub label: String,
    pub nobs: usize,
    pub x_to_y: Direction,
    pub y_to_x: Direction,
    /// Autoregressive effects of x and of y per interval.
    pub autoregressive_x: Vec<Effect>,
    pub autoregressive_y: Vec<Effect>,
    pub between: Option<Between>,
}

/// Fit indices of a model (lavaan's `fitMeasures()` names in the JSON).
#[derive(Debug, Clone, Serialize)]
pub struct FitIndices {
    pub npar: usize,
    pub chisq: f64,
    pub df: f64,
    pub pvalue: Option<f64>,
    pub cfi: Option<f64>,
    pub tli: Option<f64>,
    pub rmsea: Option<f64>,
    #[serde(rename = "rmsea.ci.lower")]
    pub rmsea_ci_lower: Option<f64>,
    #[serde(rename = "rmsea.ci.upper")]
    pub rmsea_ci_upper: Option<f64>,
    pub srmr: Option<f64>,
    pub aic: Option<f64>,
    pub bic: Option<f64>,
    pub logl: Option<f64>,
    #[serde(rename = "chisq.scaled", skip_serializing_if = "Option::is_none")]
    pub chisq_scaled: Option<f64>,
    #[serde(rename = "pvalue.scaled", skip_serializing_if = "Option::is_none")]
    pub pvalue_scaled: Option<f64>,
    #[serde(rename = "cfi.robust", skip_serializing_if = "Option::is_none")]
    pub cfi_robust: Option<f64>,
    #[serde(rename = "tli.robust", skip_serializing_if = "Option::is_none")]
    pub tli_robust: Option<f64>,
    #[serde(rename = "rmsea.robust", skip_serializing_if = "Option::is_none")]
    pub rmsea_robust: Option<f64>,
}

impl FitIndices {
    pub(super) fn of(res: &FitResult) -> FitIndices {
        let f = |k: &str| finite(res.fit.get(k));
        let scaled = res.scaled_test.is_some();
        let s = |k: &str| if scaled { f(k) } else { None };
        FitIndices {
            npar: res.npar,
            chisq: res.chisq,
            df: res.df,
            pvalue: f("pvalue"),
            cfi: f("cfi"),
            tli: f("tli"),
            rmsea: f("rmsea"),
            rmsea_ci_lower: f("rmsea.ci.lower"),
            rmsea_ci_upper: f("rmsea.ci.upper"),
            srmr: f("srmr"),
            aic: f("aic"),
            bic: f("bic"),
            logl: f("logl"),
            chisq_scaled: s("chisq.scaled"),
            pvalue_scaled: s("pvalue.scaled"),
            cfi_robust: s("cfi.robust"),
            tli_robust: s("tli.robust"),
            rmsea_robust: s("rmsea.robust"),
        }
    }
}

/// One fitted model.
#[derive(Debug, Clone, Serialize)]
pub struct ModelReport {
    pub family: Family,
    /// `CLPM`, `RI-CLPM`.
    pub name: String,
    /// The generated lavaan syntax.
    pub syntax: String,
    pub converged: bool,
    pub fit: FitIndices,
    pub groups: Vec<GroupReport>,
    /// Several groups: the joint tests over groups, x → y and y → x.
    pub overall: Vec<JointTest>,
    /// Several groups: tests that effects are equal across groups.
    pub group_tests: Vec<LrtTest>,
    /// The warnings of the fit (inadmissible solutions, convergence).
    pub warnings: Vec<String>,
    /// How the model was fitted, where it departs from the family's defaults.
    pub notes: Vec<String>,
    pub layout: Layout,
    /// Every row of `parameterEstimates()`.
    pub parameters: Vec<ParameterRow>,
}

/// The comparison of the CLPM with the RI-CLPM.
#[derive(Debug, Clone, Serialize)]
pub struct ModelComparison {
    /// The χ̄² test of the random-intercept variances (`None` when S is not positive
    /// definite or the difference statistic is not available; see `warnings`).
    pub chibar: Option<ChiBarTest>,
    /// The naive χ² difference test (reference χ²(Δdf); conservative).
    pub naive: LrtTest,
    /// The model the data support.
    pub preferred: Family,
    pub reason: String,
    pub warnings: Vec<String>,
}

/// The whole analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Transact {
    pub x: String,
    pub y: String,
    pub waves: Vec<String>,
    pub alpha: f64,
    pub estimator: Estimator,
    pub missing: Missing,
    pub constrain: Vec<Constraint>,
    pub covariates: Vec<String>,
    pub group: Option<String>,
    pub group_labels: Vec<String>,
    pub nobs: Vec<usize>,
    pub models: Vec<ModelReport>,
    pub comparison: Option<ModelComparison>,
    pub verdict: Verdict,
}

impl Transact {
    /// The report of a family, if it was fitted.
    pub fn model(&self, family: Family) -> Option<&ModelReport> {
        self.models.iter().find(|m| m.family == family)
    }
}

/// What the lagged effects say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Conclusion {
    /// Both directions: x predicts later y and y predicts later x.
    Transactional,
    /// x predicts later y, y does not predict later x.
    XDrivesY,
    /// y predicts later x, x does not predict later y.
    YDrivesX,
    /// Neither direction at α.
    NoLaggedEffects,
}

impl Conclusion {
    pub(super) fn of(x_to_y: bool, y_to_x: bool) -> Conclusion {
        match (x_to_y, y_to_x) {
            (true, true) => Conclusion::Transactional,
            (true, false) => Conclusion::XDrivesY,
            (false, true) => Conclusion::YDrivesX,
            (false, false) => Conclusion::NoLaggedEffects,
        }
    }

    /// A short label with the construct names.
    pub fn label(self, x: &str, y: &str) -> String {
        match self {
            Conclusion::Transactional => "transactional".into(),
            Conclusion::XDrivesY => format!("{x} drives {y}"),
            Conclusion::YDrivesX => format!("{y} drives {x}"),
            Conclusion::NoLaggedEffects => "no evidence of lagged effects".into(),
        }
    }
}

/// The conclusion in one group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupVerdict {
    pub group: String,
    pub conclusion: Conclusion,
    pub x_to_y_pvalue: Option<f64>,
    pub y_to_x_pvalue: Option<f64>,
}

/// The verdict of the analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The model the verdict is based on.
    pub model: Family,
    pub model_name: String,
    pub conclusion: Conclusion,
    /// `conclusion` as a label (`transactional`, `close drives lang`, …).
    pub label: String,
    /// One sentence.
    pub summary: String,
    /// Several groups: the conclusion per group.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupVerdict>,
    /// Several groups: whether the cross-lagged effects differ between groups at α.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups_differ: Option<bool>,
    /// The supporting numbers, one statement per line.
    pub details: Vec<String>,
    /// Everything to be careful about: inadmissible solutions, convergence, tests that
    /// disagree.
    pub warnings: Vec<String>,
}
