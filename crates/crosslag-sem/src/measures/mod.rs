//! lavaan 0.6.14's `fitMeasures()` as pure functions of their ingredients.
//!
//! [`fit_measures`] takes what an estimation produced ([`FitInputs`]: test statistics, the
//! baseline model's statistics, log-likelihoods, per-group sample and implied moments
//! ([`GroupMoments`]), and for MLR the scaled-test ingredients ([`RobustInputs`])) and returns
//! every entry of `fitMeasures(fit)` under lavaan's names, in lavaan's order, `None` where lavaan
//! gives `NA` (or a non-finite number). Each family of indices lives in its own file, one small
//! function per index, with the formula and the lavaan function it reproduces:
//!
//! - [`chisq`]: p-values of the χ² tests, the ML discrepancy F_ML (`lav_test.R`);
//! - [`incremental`]: CFI, TLI/NNFI, RFI, NFI, PNFI, IFI, RNI and robust CFI/TLI
//!   (`lav_fit_cfi.R`);
//! - [`information_criteria`]: AIC, BIC, sample-size adjusted BIC (`lav_fit_aic.R`);
//! - [`rmsea`]: RMSEA, its confidence interval and tests of close / not-close fit
//!   (`lav_fit_rmsea.R`);
//! - [`residual`]: RMR, SRMR (Bentler), CRMR (Bollen), SRMR (Mplus) (`lav_residuals.R`,
//!   `lav_fit_srmr.R`);
//! - [`other`]: Hoelter's CN, GFI/AGFI/PGFI, McDonald's MFI, ECVI (`lav_fit_other.R`,
//!   `lav_fit_gfi.R`).
//!
//! Scope: single-level, continuous data, estimator ML with the normal likelihood (so N is
//! `ntotal`, not N − G), `mimic = "lavaan"` (so `srmr` is `srmr_bentler`), the independence
//! baseline model, `test = "standard"` plus optionally one scaled test of the Yuan–Bentler
//! (MLR) or Satorra–Bentler (MLM) type, complete data or `missing = "ml"`.

pub mod chisq;
pub mod compare;
pub mod incremental;
pub mod information_criteria;
pub mod inputs;
pub use inputs::{group_moments, missing_parts, r_squared};
mod linalg;
pub mod loglik;
pub mod modindices;
pub mod other;
pub mod residual;
pub mod rmsea;
pub mod robust_tests;
pub mod standardize;

use ndarray::{ArrayView1, ArrayView2};

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
}

impl FitInputs<'_> {
    /// Total number of cases, Σ_g n_g (lavaan's `ntotal`).
    pub fn ntotal(&self) -> usize {
        self.groups.iter().map(|g| g.nobs).sum()
    }

    /// N used by RMSEA, CN, MFI, ECVI: `lav_utils_get_ntotal` gives `ntotal` for ML with the
    /// normal likelihood.
    fn n(&self) -> f64 {
        self.ntotal() as f64
    }

    /// Whether the model has a mean structure (taken from the first group).
    fn meanstructure(&self) -> bool {
        self.groups
            .first()
            .is_some_and(|g| g.implied_mean.is_some())
    }
}

/// `NaN`/`±Inf` → `None`, as lavaan's JSON does.
fn na(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Every entry of lavaan 0.6.14's `fitMeasures(fit)` (default `fit.measures = "all"`,
/// estimator ML), by lavaan's name and in lavaan's order (`lav_fit_measures`): the `.scaled`
/// entries and `chisq.scaling.factor`, `baseline.chisq.scaling.factor`, `scaling.factor.h1/h0`
/// appear with a scaled test; the `.robust` entries with a scaled test or `missing = "ml"`.
///
/// ```
/// use crosslag_sem::fit::{fit_measures, get, FitInputs, FitMeasureOptions, GroupMoments};
/// use ndarray::array;
///
/// // a one-factor-like model for two variables that misses their covariance
/// let s = array![[1.0, 0.3], [0.3, 1.0]];
/// let sigma = array![[1.0, 0.0], [0.0, 1.0]];
/// let groups = [GroupMoments {
///     nobs: 200,
///     sample_cov: s.view(),
///     sample_mean: None,
///     implied_cov: sigma.view(),
///     implied_mean: None,
///     fixed_x: &[],
///     missing: None,
/// }];
/// let chisq = 200.0 * -(1.0_f64 - 0.09).ln(); // N·F_ML
/// let inp = FitInputs {
///     npar: 2,
///     fmin: chisq / 400.0,
///     chisq,
///     df: 1.0,
///     baseline_chisq: chisq,
///     baseline_df: 1.0,
///     logl: -560.0,
///     unrestricted_logl: -560.0 + chisq / 2.0,
///     groups: &groups,
///     robust: None,
///     missing_ml: false,
///     fiml_corrected: None,
///     options: FitMeasureOptions::default(),
/// };
/// let fm = fit_measures(&inp);
/// assert_eq!(fm[0], ("npar", Some(2.0)));
/// assert_eq!(get(&fm, "cfi"), Some(0.0)); // no better than the independence model
/// assert!((get(&fm, "srmr").unwrap() - (0.09_f64 / 3.0).sqrt()).abs() < 1e-15);
/// ```
pub fn fit_measures(inp: &FitInputs) -> Vec<(&'static str, Option<f64>)> {
    use incremental as inc;

    let n = inp.n();
    let g = inp.groups.len() as f64;
    let (x2, df) = (inp.chisq, inp.df);
    let (x2_b, df_b) = (inp.baseline_chisq, inp.baseline_df);
    let scaled = inp.robust.as_ref();
    let robust_flag = scaled.is_some() || inp.missing_ml;
    let opt = inp.options;

    // scaled test statistics (lav_test_yuan_bentler_mplus / satorra_bentler)
    let sc = scaled.map(|r| {
        let c = r.trace_ugamma / df;
        let c = if c < 0.0 { f64::NAN } else { c };
        let c_b = r.baseline_trace_ugamma / df_b;
        let c_b = if c_b < 0.0 { f64::NAN } else { c_b };
        let df2 = if r.trace_ugamma.is_finite() && r.trace_ugamma != 0.0 {
            r.trace_ugamma
        } else {
            f64::NAN
        };
        ScaledStats {
            x2: x2 / c,
            c,
            x2_b: x2_b / c_b,
            c_b,
            df2,
            h1: r.scaling_factor_h1,
            h0: r.scaling_factor_h0,
        }
    });

    // robust ingredients: (XX3, c.hat, XX3.scaled, XX3.null, c.hat.null)
    let rob = if inp.missing_ml {
        inp.fiml_corrected.map_or(RobustStats::NA, |f| RobustStats {
            x2: f.chisq,
            c: f.scaling_factor,
            x2_scaled: f.chisq / f.scaling_factor,
            x2_b: f.baseline_chisq,
            c_b: f.baseline_scaling_factor,
        })
    } else if let Some(s) = &sc {
        RobustStats {
            x2,
            c: s.c,
            x2_scaled: s.x2,
            x2_b,
            c_b: s.c_b,
        }
    } else {
        RobustStats::NA
    };

    let mut out: Vec<(&'static str, Option<f64>)> = Vec::with_capacity(80);
    let mut push = |name: &'static str, v: f64| out.push((name, na(v)));

    push("npar", inp.npar as f64);

    // χ² test
    push("fmin", inp.fmin);
    push("chisq", x2);
    push("df", df);
    push("pvalue", chisq::chisq_pvalue(x2, df));
    if let Some(s) = &sc {
        push("chisq.scaled", s.x2);
        push("df.scaled", df);
        push("pvalue.scaled", chisq::chisq_pvalue(s.x2, df));
        push("chisq.scaling.factor", s.c);
    }

    // baseline model (lav_fit_cfi_lavobject); everything NA if a statistic is not finite
    let base_ok = x2.is_finite() && df.is_finite() && x2_b.is_finite() && df_b.is_finite();
    let b = |v: f64| if base_ok { v } else { f64::NAN };
    push("baseline.chisq", b(x2_b));
    push("baseline.df", b(df_b));
    push("baseline.pvalue", b(chisq::chisq_pvalue(x2_b, df_b)));
    if let Some(s) = &sc {
        push("baseline.chisq.scaled", b(s.x2_b));
        push("baseline.df.scaled", b(df_b));
        push(
            "baseline.pvalue.scaled",
            b(chisq::chisq_pvalue(s.x2_b, df_b)),
        );
        push("baseline.chisq.scaling.factor", b(s.c_b));
    }

    push("cfi", b(inc::cfi(x2, df, x2_b, df_b)));
    push("tli", b(inc::tli(x2, df, x2_b, df_b)));
    if let Some(s) = &sc {
        push("cfi.scaled", b(inc::cfi(s.x2, df, s.x2_b, df_b)));
        push("tli.scaled", b(inc::tli(s.x2, df, s.x2_b, df_b)));
    }
    let robust_c = Some((rob.c, rob.c_b));
    if robust_flag {
        push(
            "cfi.robust",
            b(inc::cfi_robust(rob.x2, df, rob.x2_b, df_b, robust_c)),
        );
        push(
            "tli.robust",
            b(inc::tli_robust(rob.x2, df, rob.x2_b, df_b, robust_c)),
        );
    }
    push("nnfi", b(inc::tli(x2, df, x2_b, df_b)));
    push("rfi", b(inc::rfi(x2, df, x2_b, df_b)));
    push("nfi", b(inc::nfi(x2, df, x2_b, df_b)));
    push("pnfi", b(inc::pnfi(x2, df, x2_b, df_b)));
    push("ifi", b(inc::ifi(x2, df, x2_b, df_b)));
    push("rni", b(inc::rni(x2, df, x2_b, df_b)));
    if let Some(s) = &sc {
        push("nnfi.scaled", b(inc::tli(s.x2, df, s.x2_b, df_b)));
        push("rfi.scaled", b(inc::rfi(s.x2, df, s.x2_b, df_b)));
        push("nfi.scaled", b(inc::nfi(s.x2, df, s.x2_b, df_b)));
        push("pnfi.scaled", b(inc::pnfi(s.x2, df, s.x2_b, df_b)));
        push("ifi.scaled", b(inc::ifi(s.x2, df, s.x2_b, df_b)));
        push("rni.scaled", b(inc::rni(s.x2, df, s.x2_b, df_b)));
    }
    if robust_flag {
        push(
            "nnfi.robust",
            b(inc::tli_robust(rob.x2, df, rob.x2_b, df_b, robust_c)),
        );
        push(
            "rni.robust",
            b(inc::rni_robust(rob.x2, df, rob.x2_b, df_b, robust_c)),
        );
    }

    // likelihood (lav_fit_aic_lavobject, lav_model_loglik)
    let npar = inp.npar as f64;
    push("logl", inp.logl);
    push("unrestricted.logl", inp.unrestricted_logl);
    push("aic", information_criteria::aic(inp.logl, npar));
    push("bic", information_criteria::bic(inp.logl, npar, n));
    push("ntotal", n);
    push("bic2", information_criteria::sabic(inp.logl, npar, n));
    if let Some(s) = &sc {
        if s.h1.is_some() || s.h0.is_some() {
            push("scaling.factor.h1", s.h1.unwrap_or(f64::NAN));
            push("scaling.factor.h0", s.h0.unwrap_or(f64::NAN));
        }
    }

    // RMSEA (lav_fit_rmsea_lavobject)
    let level = opt.rmsea_ci_level;
    let (h0c, h0n) = (opt.rmsea_close_h0, opt.rmsea_notclose_h0);
    push("rmsea", rmsea::rmsea(x2, df, n, g, 1.0));
    let (lo, hi) = rmsea::rmsea_ci(x2, df, n, g, 1.0, level);
    push("rmsea.ci.lower", lo);
    push("rmsea.ci.upper", hi);
    push("rmsea.ci.level", level);
    push(
        "rmsea.pvalue",
        rmsea::rmsea_close_pvalue(x2, df, n, g, 1.0, h0c),
    );
    push("rmsea.close.h0", h0c);
    push(
        "rmsea.notclose.pvalue",
        rmsea::rmsea_notclose_pvalue(x2, df, n, g, 1.0, h0n),
    );
    push("rmsea.notclose.h0", h0n);
    if let Some(s) = &sc {
        // 'scaled' RMSEA: the unscaled statistic referred to tr(UΓ) degrees of freedom
        push("rmsea.scaled", rmsea::rmsea(x2, s.df2, n, g, 1.0));
        let (lo, hi) = rmsea::rmsea_ci(x2, s.df2, n, g, 1.0, level);
        push("rmsea.ci.lower.scaled", lo);
        push("rmsea.ci.upper.scaled", hi);
        push(
            "rmsea.pvalue.scaled",
            rmsea::rmsea_close_pvalue(x2, s.df2, n, g, 1.0, h0c),
        );
        push(
            "rmsea.notclose.pvalue.scaled",
            rmsea::rmsea_notclose_pvalue(x2, s.df2, n, g, 1.0, h0n),
        );
    }
    if robust_flag {
        push("rmsea.robust", rmsea::rmsea(rob.x2, df, n, g, rob.c));
        // the CI and p-values take the scaled statistic and c.hat
        let (lo, hi) = rmsea::rmsea_ci(rob.x2_scaled, df, n, g, rob.c, level);
        push("rmsea.ci.lower.robust", lo);
        push("rmsea.ci.upper.robust", hi);
        push(
            "rmsea.pvalue.robust",
            rmsea::rmsea_close_pvalue(rob.x2_scaled, df, n, g, rob.c, h0c),
        );
        push(
            "rmsea.notclose.pvalue.robust",
            rmsea::rmsea_notclose_pvalue(rob.x2_scaled, df, n, g, rob.c, h0n),
        );
    }

    // SRMR family (lav_fit_srmr_lavobject)
    let r = residual::combined(inp.groups, inp.meanstructure());
    push("rmr", r.rmr);
    push("rmr_nomean", r.rmr_nomean);
    push("srmr", r.srmr_bentler); // mimic = "lavaan"
    push("srmr_bentler", r.srmr_bentler);
    push("srmr_bentler_nomean", r.srmr_bentler_nomean);
    push("crmr", r.crmr);
    push("crmr_nomean", r.crmr_nomean);
    push("srmr_mplus", r.srmr_mplus);
    push("srmr_mplus_nomean", r.srmr_mplus_nomean);

    // other
    push("cn_05", other::cn(x2, df, n, 0.05));
    push("cn_01", other::cn(x2, df, n, 0.01));
    let (gfi, nel) = other::gfi_groups(inp.groups, inp.missing_ml);
    push("gfi", gfi);
    push("agfi", other::agfi(gfi, nel, df));
    push("pgfi", other::pgfi(gfi, nel, df));
    push("mfi", other::mfi(x2, df, n));
    push("ecvi", other::ecvi(x2, npar, n));

    out
}

/// The scaled test and the scaled baseline test.
struct ScaledStats {
    x2: f64,
    c: f64,
    x2_b: f64,
    c_b: f64,
    /// `sum(trace.UGamma)` (NA if not finite or 0), the df of the scaled RMSEA.
    df2: f64,
    h1: Option<f64>,
    h0: Option<f64>,
}

/// lavaan's `XX3`, `c.hat3`, `XX3.scaled`, `XX3.null`, `c.hat3.null`.
struct RobustStats {
    x2: f64,
    c: f64,
    x2_scaled: f64,
    x2_b: f64,
    c_b: f64,
}

impl RobustStats {
    const NA: Self = Self {
        x2: f64::NAN,
        c: f64::NAN,
        x2_scaled: f64::NAN,
        x2_b: f64::NAN,
        c_b: f64::NAN,
    };
}

/// Look a measure up by name in the output of [`fit_measures`].
pub fn get(measures: &[(&'static str, Option<f64>)], name: &str) -> Option<f64> {
    measures
        .iter()
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn saturated_inputs<'a>(groups: &'a [GroupMoments<'a>]) -> FitInputs<'a> {
        FitInputs {
            npar: 5,
            fmin: 0.0,
            chisq: 0.0,
            df: 0.0,
            baseline_chisq: 100.0,
            baseline_df: 1.0,
            logl: -300.0,
            unrestricted_logl: -300.0,
            groups,
            robust: None,
            missing_ml: false,
            fiml_corrected: None,
            options: FitMeasureOptions::default(),
        }
    }

    #[test]
    fn just_identified_model_gives_lavaans_na_pattern() {
        let s = array![[2.0, 0.3], [0.3, 1.0]];
        let m = array![1.0, 2.0];
        let groups = [GroupMoments {
            nobs: 100,
            sample_cov: s.view(),
            sample_mean: Some(m.view()),
            implied_cov: s.view(),
            implied_mean: Some(m.view()),
            fixed_x: &[],
            missing: None,
        }];
        let out = fit_measures(&saturated_inputs(&groups));
        assert_eq!(out.len(), 46);
        for name in [
            "pvalue",
            "rmsea.pvalue",
            "rmsea.notclose.pvalue",
            "cn_05",
            "cn_01",
        ] {
            assert_eq!(get(&out, name), None, "{name}");
        }
        for (name, v) in [
            ("cfi", 1.0),
            ("tli", 1.0),
            ("nnfi", 1.0),
            ("rfi", 1.0),
            ("nfi", 1.0),
            ("pnfi", 0.0),
            ("ifi", 1.0),
            ("rni", 1.0 + 0.0 / 99.0),
            ("rmsea", 0.0),
            ("rmsea.ci.lower", 0.0),
            ("rmsea.ci.upper", 0.0),
            ("srmr", 0.0),
            ("gfi", 1.0),
            ("agfi", 1.0),
            ("pgfi", 0.0),
            ("mfi", 1.0),
            ("ecvi", 0.1),
            ("aic", 610.0),
        ] {
            assert_eq!(get(&out, name), Some(v), "{name}");
        }
    }

    #[test]
    fn failed_baseline_makes_the_incremental_family_na() {
        let s = array![[2.0, 0.3], [0.3, 1.0]];
        let groups = [GroupMoments {
            nobs: 100,
            sample_cov: s.view(),
            sample_mean: None,
            implied_cov: s.view(),
            implied_mean: None,
            fixed_x: &[],
            missing: None,
        }];
        let mut inp = saturated_inputs(&groups);
        inp.baseline_chisq = f64::NAN;
        inp.missing_ml = true; // robust family present, FIML-corrected ingredients missing
        let out = fit_measures(&inp);
        for name in [
            "baseline.chisq",
            "cfi",
            "tli",
            "cfi.robust",
            "nnfi",
            "rni.robust",
        ] {
            assert_eq!(get(&out, name), None, "{name}");
        }
        // lav_fit_rmsea: ifelse(df > 0, …, 0) gives 0 for df = 0 even with an NA statistic
        assert_eq!(get(&out, "rmsea.robust"), Some(0.0));
        assert_eq!(get(&out, "rmsea.pvalue.robust"), None);
        // GFI under missing = "ml" needs the missing-data moments
        assert_eq!(get(&out, "gfi"), None);
        assert_eq!(out.len(), 55);
    }
}
