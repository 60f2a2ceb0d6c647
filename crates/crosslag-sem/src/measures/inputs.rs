//! The ingredients of the fit measures taken from a fit: per-group moments (with, under
//! `missing = "ml"`, the patterns, pairwise covariances and available-case means that GFI
//! needs), and R².

use crate::loss::workspace::Workspace;
use crate::observe::prepare::SampleData;
use crate::specify::partable::{Op, ParTable};
use crate::specify::ram::RamModel;
use ndarray::{Array1, Array2};
use ndarray::{ArrayView1, ArrayView2};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// One group's moments, as lavaan holds them after the fit.
#[derive(Debug, Clone)]
pub struct GroupMoments<'a> {
    /// Cases used in this group (`lavInspect(fit, "nobs")`).
    pub nobs: usize,
    /// Observed covariance matrix with divisor N (`lavInspect(fit, "sampstat")$cov`); with
    /// `missing = "ml"` the EM estimate of the saturated (h1) model; with fixed.x it includes
    /// the exogenous covariates.
    pub sample_cov: ArrayView2<'a, f64>,
    /// Observed means (with `missing = "ml"` the EM estimates); may be `None` without a mean
    /// structure.
    pub sample_mean: Option<ArrayView1<'a, f64>>,
    /// Model-implied covariance matrix Σ(θ̂), same variable order.
    pub implied_cov: ArrayView2<'a, f64>,
    /// Model-implied means μ(θ̂); `Some` exactly when the model has a mean structure.
    pub implied_mean: Option<ArrayView1<'a, f64>>,
    /// Indices (0-based, into the variables above) of the exogenous covariates whose moments
    /// are fixed at their sample values (`fixed.x = TRUE`); empty otherwise.
    pub fixed_x: &'a [usize],
    /// With `missing = "ml"`: what GFI needs besides the EM moments. `None` for complete data.
    pub missing: Option<MissingMoments<'a>>,
}

/// One missing-data pattern: which variables are observed, and how many cases have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingPattern {
    /// `observed[j]` is true when variable j is observed in this pattern.
    pub observed: Vec<bool>,
    /// Number of cases with this pattern.
    pub freq: usize,
}

/// The extra per-group ingredients of GFI/AGFI/PGFI under `missing = "ml"`.
///
/// lavaan's `WLS.obs` is then *not* the EM estimate: it is `colMeans(X, na.rm = TRUE)` and
/// `cov(X, use = "pairwise") * (n − 1)/n` with n = `nobs` (`lav_samplestats.R`); and the weight
/// matrix is the expected h1 information under the missing-data patterns
/// (`lav_mvnorm_missing_information_expected`, evaluated at Σ(θ̂)).
#[derive(Debug, Clone)]
pub struct MissingMoments<'a> {
    /// The missing-data patterns of this group (cases with no observed value excluded).
    pub patterns: &'a [MissingPattern],
    /// Pairwise-complete covariance matrix (divisor n_pair − 1) times (nobs − 1)/nobs.
    pub pairwise_cov: ArrayView2<'a, f64>,
    /// Means over the available cases of each variable.
    pub available_mean: ArrayView1<'a, f64>,
}

/// Scaled-test ingredients (MLR: `test = "yuan.bentler.mplus"`; MLM: `"satorra.bentler"`).
///
/// The engine supplies traces; the scaled statistics follow as in
/// `lav_test_yuan_bentler_mplus`: `scaling.factor = trace.UGamma / df`,
/// `chisq.scaled = chisq / scaling.factor`, `pvalue.scaled = 1 − pchisq(chisq.scaled, df)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RobustInputs {
    /// tr(UΓ) of the user model, summed over groups (`lavInspect(fit, "test")[[2]]$trace.UGamma`).
    /// For Yuan–Bentler (Mplus variant): `tr(A1⁻¹B1) − tr(E⁻¹B0)` with the h1 *unstructured*
    /// information A1, the h1 first-order information B1, the inverted h0 information E⁻¹ and
    /// the h0 first-order information B0 (each group weighted by n_g/N).
    pub trace_ugamma: f64,
    /// The same trace for the baseline (independence) model fitted to the same data with the
    /// same test; `baseline.chisq.scaling.factor = baseline_trace_ugamma / baseline.df`.
    pub baseline_trace_ugamma: f64,
    /// Yuan–Bentler only: `scaling.factor.h1 = tr(A1⁻¹B1) / ndat` (h1 part of the trace).
    pub scaling_factor_h1: Option<f64>,
    /// Yuan–Bentler only: `scaling.factor.h0 = tr(E⁻¹B0) / npar` (h0 part of the trace).
    pub scaling_factor_h0: Option<f64>,
}

/// Ingredients of the FIML-corrected robust RMSEA/CFI (Zhang & Savalei, 2023) that lavaan
/// reports as `cfi.robust`, `rmsea.robust`, … whenever `missing = "ml"`
/// (`lav_fit_fiml_corrected`; version "V3" when a scaled test is present (MLR), "V6" otherwise).
///
/// With S̃, ỹ the EM (h1) moments, Σ̂, μ̂ the FIML estimates and Σ̂_B, μ̂_B the FIML estimates of
/// the independence model (per-variable available-case means and ML variances):
///
/// - `chisq` (lavaan's `XX3`) = Σ_g n_g F_ML(S̃_g, ỹ_g; Σ̂_g, μ̂_g), the complete-data ML
///   statistic of the model evaluated at the EM moments: [`chisq::ml_chisq`] on the same
///   [`GroupMoments`];
/// - `baseline_chisq` (`XX3.null`) = the same for the independence model, Σ̂_B, μ̂_B;
/// - `scaling_factor` (`c.hat3`) = k/df with, over all groups (block-diagonal, weights
///   f_g = n_g/N): W_m = f_g·(h1 *observed* information of the FIML h1 model at S̃, ỹ),
///   W_c = f_g·(h1 observed information of complete-data ML at S̃, ỹ), J_m = h1 first-order
///   information, Δ = ∂(μ, vech Σ)/∂θ, E⁻¹ = inverted h0 information of the fit,
///   U = W_m − W_m Δ E⁻¹ Δ' W_m, and
///   V3: Γ = (1/f_g) W_m⁻¹ J_m W_m⁻¹, k = tr(U W_m⁻¹ W_c W_m⁻¹ U Γ);
///   V6: k = tr(W_c W_m⁻¹ U W_m⁻¹);
/// - `baseline_scaling_factor` (`c.hat3.null`) = k_B / baseline.df with U_B built from the
///   independence model's Δ_B and E_B⁻¹ (same W_m, W_c, Γ).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FimlCorrected {
    /// `XX3`: user-model ML statistic at the EM moments.
    pub chisq: f64,
    /// `c.hat3`.
    pub scaling_factor: f64,
    /// `XX3.null`: independence-model ML statistic at the EM moments.
    pub baseline_chisq: f64,
    /// `c.hat3.null`.
    pub baseline_scaling_factor: f64,
}

/// Options of `fitMeasures(fm.args = …)` (lavaan's defaults via [`Default`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitMeasureOptions {
    /// `rmsea.ci.level` (0.90).
    pub rmsea_ci_level: f64,
    /// `rmsea.close.h0` (0.05).
    pub rmsea_close_h0: f64,
    /// `rmsea.notclose.h0` (0.08).
    pub rmsea_notclose_h0: f64,
}

impl Default for FitMeasureOptions {
    fn default() -> Self {
        Self {
            rmsea_ci_level: 0.90,
            rmsea_close_h0: 0.05,
            rmsea_notclose_h0: 0.08,
        }
    }
}

/// Everything `fitMeasures()` needs. Numbers that are `NA` in lavaan may be passed as NaN.
#[derive(Debug, Clone)]
pub struct FitInputs<'a> {
    /// Free parameters net of equality constraints (a set of equal parameters counts once).
    pub npar: usize,
    /// lavaan's `fmin` = ½ F_ML at the solution (`chisq = 2 N fmin`).
    pub fmin: f64,
    /// Standard test statistic (likelihood-ratio χ²).
    pub chisq: f64,
    /// Its degrees of freedom.
    pub df: f64,
    /// χ² of the independence baseline model (NaN if it could not be fitted).
    pub baseline_chisq: f64,
    /// Degrees of freedom of the baseline model.
    pub baseline_df: f64,
    /// Log-likelihood of the model (with the 2π constant); NaN if unavailable.
    pub logl: f64,
    /// Log-likelihood of the saturated (h1) model.
    pub unrestricted_logl: f64,
    /// Per group, in lavaan's group order.
    pub groups: &'a [GroupMoments<'a>],
    /// Scaled test (MLR/MLM); `None` for plain ML.
    pub robust: Option<RobustInputs>,
    /// `missing = "ml"` (or `"ml.x"`): lavaan then adds the robust CFI/RMSEA family even
    /// without a scaled test, computed from `fiml_corrected`.
    pub missing_ml: bool,
    /// FIML-corrected ingredients; with `missing_ml` and `None`, the robust entries are NA
    /// (as when lavaan's `lav_fit_fiml_corrected` fails).
    pub fiml_corrected: Option<FimlCorrected>,
    /// `fm.args`.
    pub options: FitMeasureOptions,
    /// `likelihood = "wishart"`: RMSEA, CN, MFI and ECVI use N − G.
    pub wishart: bool,
}

impl FitInputs<'_> {
    /// Total number of cases, Σ_g n_g (lavaan's `ntotal`).
    pub fn ntotal(&self) -> usize {
        self.groups.iter().map(|g| g.nobs).sum()
    }

    /// N used by RMSEA, CN, MFI, ECVI: `lav_utils_get_ntotal` gives `ntotal` for ML with the
    /// normal likelihood, `ntotal − ngroups` with the Wishart likelihood.
    pub(super) fn n(&self) -> f64 {
        let groups = if self.wishart { self.groups.len() } else { 0 };
        (self.ntotal() - groups) as f64
    }

    /// Whether the model has a mean structure (taken from the first group).
    pub(super) fn meanstructure(&self) -> bool {
        self.groups
            .first()
            .is_some_and(|g| g.implied_mean.is_some())
    }
}

/// Observed and implied moments of one group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupMatrices {
    pub names: Vec<String>,
    pub sample_cov: Array2<f64>,
    pub sample_mean: Option<Array1<f64>>,
    pub implied_cov: Array2<f64>,
    pub implied_mean: Option<Array1<f64>>,
    pub nobs: usize,
}

/// Named values kept in order, serialized as a JSON object (`null` for NA).
#[derive(Debug, Clone, Default)]
pub struct NamedValues(pub Vec<(String, Option<f64>)>);

impl NamedValues {
    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.iter().find(|(n, _)| n == name).and_then(|(_, v)| *v)
    }
}

impl Serialize for NamedValues {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, &v.filter(|x| x.is_finite()))?;
        }
        map.end()
    }
}

/// What GFI needs under `missing = "ml"`, per group: patterns, pairwise covariances and
/// available-case means (empty for complete data).
pub type MissingParts = Vec<(Vec<MissingPattern>, Array2<f64>, Array1<f64>)>;

/// [`MissingParts`] of the sample.
pub fn missing_parts(sample: &SampleData, fiml: bool) -> MissingParts {
    if !fiml {
        return Vec::new();
    }
    sample
        .raw
        .iter()
        .map(|gd| {
            let p = gd.values.ncols();
            let pats = gd
                .patterns
                .iter()
                .map(|pt| MissingPattern {
                    observed: (0..p).map(|j| pt.obs.contains(&j)).collect(),
                    freq: pt.freq,
                })
                .collect();
            (pats, gd.pairwise_cov(), gd.available_means())
        })
        .collect()
}

/// Per-group moments for the fit measures.
pub fn group_moments<'a>(
    groups: &'a [GroupMatrices],
    x_idx: &'a [usize],
    missing: &'a MissingParts,
) -> Vec<GroupMoments<'a>> {
    groups
        .iter()
        .enumerate()
        .map(|(g, gm)| GroupMoments {
            nobs: gm.nobs,
            sample_cov: gm.sample_cov.view(),
            sample_mean: gm.sample_mean.as_ref().map(|m| m.view()),
            implied_cov: gm.implied_cov.view(),
            implied_mean: gm.implied_mean.as_ref().map(|m| m.view()),
            fixed_x: x_idx,
            missing: missing.get(g).map(|(pats, cov, mean)| MissingMoments {
                patterns: pats,
                pairwise_cov: cov.view(),
                available_mean: mean.view(),
            }),
        })
        .collect()
}

/// R² = 1 − ψ_v / var_implied(v) for each endogenous variable (lhs of `~`, or an indicator).
pub fn r_squared(pt: &ParTable, ram: &RamModel, ws: &Workspace) -> Vec<NamedValues> {
    let mut out = Vec::new();
    for g in 0..pt.ngroups {
        let mut vals = Vec::new();
        for (v, name) in ram.var_names.iter().enumerate() {
            let endo = pt.rows.iter().any(|r| {
                r.group == g
                    && ((r.op == Op::Regression && r.lhs == *name)
                        || (r.op == Op::Loading && r.rhs == *name))
            });
            if !endo {
                continue;
            }
            let total = ws.implied[g].e[[v, v]];
            let resid = ws.mats[g].s[[v, v]];
            vals.push((name.clone(), Some(1.0 - resid / total)));
        }
        out.push(NamedValues(vals));
    }
    out
}
