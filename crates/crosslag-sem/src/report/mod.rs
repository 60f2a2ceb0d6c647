//! Result types of a fit, serializable with serde (the JSON of `crosslag fit`).

pub mod rows;

use crate::estimate::optimize::Termination;
pub use crate::measures::inputs::{GroupMatrices, NamedValues};
pub use crate::measures::robust_tests::ScaledTest;
use crate::specify::options::{Estimator, Information, Missing};
use crate::specify::partable::Op;
use ndarray::Array2;
use serde::Serialize;

/// One row of lavaan's `parameterEstimates(fit, standardized = TRUE)`.
#[derive(Debug, Clone, Serialize)]
pub struct ParameterRow {
    pub lhs: String,
    /// lavaan's operator (`=~`, `~`, `~~`, `~1`, `:=`), serialized as lavaan spells it.
    pub op: Op,
    pub rhs: String,
    /// 1-based group (0 for `:=` rows, which belong to no group).
    pub group: usize,
    pub label: String,
    /// 0 = fixed, k = index into the covariance matrix of the estimates (1-based).
    pub free: usize,
    pub exo: bool,
    #[serde(flatten)]
    pub estimate: Estimate,
    pub std_lv: Option<f64>,
    pub std_all: Option<f64>,
    pub std_nox: Option<f64>,
}

/// An estimate with its Wald inference (lavaan's `est`, `se`, `z`, `pvalue`, `ci.lower`,
/// `ci.upper`).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Estimate {
    pub est: f64,
    pub se: Option<f64>,
    pub z: Option<f64>,
    pub pvalue: Option<f64>,
    pub ci_lower: Option<f64>,
    pub ci_upper: Option<f64>,
}

impl Estimate {
    /// `est` with its Wald inference from `se`: `z = est/se`, `p = 2Φ(−|z|)` and the interval
    /// `est ± z_q se` (`zq` = Φ⁻¹(0.975) for lavaan's 95 % interval); only `est` without `se`.
    pub fn wald(est: f64, se: Option<f64>, zq: f64) -> Estimate {
        let z = se.map(|se| est / se);
        Estimate {
            est,
            se,
            z,
            pvalue: z.map(|z| 2.0 * crate::stats::pnorm(-z.abs())),
            ci_lower: se.map(|se| est - zq * se),
            ci_upper: se.map(|se| est + zq * se),
        }
    }

    /// A fixed parameter as lavaan reports it: SE 0, no z or p, the interval [est, est].
    pub fn fixed(est: f64) -> Estimate {
        Estimate {
            est,
            se: Some(0.0),
            z: None,
            pvalue: None,
            ci_lower: Some(est),
            ci_upper: Some(est),
        }
    }
}

/// Everything a fit reports.
#[derive(Debug, Clone, Serialize)]
pub struct FitResult {
    pub converged: bool,
    pub iterations: u64,
    /// Why the optimizer stopped (serialized as one sentence).
    pub optimizer_reason: Termination,
    pub max_abs_gradient: f64,
    pub ngroups: usize,
    pub group_labels: Vec<String>,
    pub nobs: Vec<usize>,
    pub norig: Vec<usize>,
    /// Free parameters net of equality constraints (lavaan's `npar`).
    pub npar: usize,
    /// lavaan's `fmin` (½ F_ML, groups weighted by N_g/N).
    pub fmin: f64,
    pub chisq: f64,
    pub df: f64,
    pub baseline_chisq: f64,
    pub baseline_df: f64,
    pub loglik: f64,
    pub unrestricted_loglik: f64,
    pub ntotal: usize,
    pub parameters: Vec<ParameterRow>,
    pub groups: Vec<GroupMatrices>,
    /// R² of endogenous variables per group.
    pub r2: Vec<NamedValues>,
    /// Covariance matrix of the free parameters (every copy), when asked for.
    pub vcov: Option<Array2<f64>>,
    /// lavaan's `fitMeasures()`, in lavaan's order and with its names.
    pub fit: NamedValues,
    pub warnings: Vec<String>,
    /// Modification indices, largest first (when asked for).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub modindices: Vec<crate::measures::modindices::ModIndex>,
    pub information: Information,
    pub estimator: Estimator,
    pub missing: Missing,
    /// Cluster-robust inference (a cluster variable was given).
    pub clustered: bool,
    pub meanstructure: bool,
    /// Observed variables of the model, in lavaan's order.
    pub ov_names: Vec<String>,
    /// The scaled test statistic (MLR, clusters), `None` for plain ML.
    pub scaled_test: Option<ScaledTest>,
}
