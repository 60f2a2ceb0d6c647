//! Comparing nested models: lavaan's `anova()` / `lavTestLRT()` as a pure function of fitted
//! models ([`FitResult`]s).
//!
//! As `lavTestLRT` (lavaan 0.6.14, `lav_test_LRT.R`):
//!
//! * models are ordered by their degrees of freedom (ascending; ties keep the given order);
//! * χ² difference `T_Δ = T_{k+1} − T_k`, `df_Δ = df_{k+1} − df_k`,
//!   `p = P(χ²(df_Δ) > T_Δ)`; with unscaled tests also the RMSEA of the difference,
//!   `√max(T_Δ/(N df_Δ) − 1/N, 0)·√G` (N, G of the first model given);
//! * with scaled tests (MLR: Yuan–Bentler) in every model (or df = 0), the Satorra–Bentler
//!   (2001) scaled difference (`lav_test_diff_SatorraBentler2001`): with the less restricted
//!   model 1 and the more restricted model 0, `c_d = (df_0 c_0 − df_1 c_1)/(df_0 − df_1)`
//!   (`c_1 = 1` when `df_1 = 0`), `T_d = (T_0 − T_1)/c_d`, where T are the *unscaled*
//!   statistics; a negative `c_d` gives NA with a warning;
//! * a model mix of scaled and unscaled tests, or of models with and without a mean structure,
//!   is an error; different observed variables, non-converged models, a negative difference
//!   (below −ε^⅓) and equal degrees of freedom (p-value NA) give warnings.
//!
//! AIC and BIC are those of `fitMeasures()`.
//!
//! The comparison needs only a summary of each fit ([`ModelFit`]), which the command line's
//! JSON output carries (`"comparison"`), so that models fitted separately — with different
//! `group.equal` settings, say, or in different batch jobs — can be compared from their saved
//! results.

use crate::measures::rmsea;
use crate::report::FitResult;
use crate::stats::pchisq_upper;
use serde::{Deserialize, Serialize};

/// What a likelihood-ratio comparison needs of a fitted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFit {
    pub converged: bool,
    pub npar: usize,
    pub loglik: f64,
    /// The unscaled (standard) χ² and its degrees of freedom.
    pub chisq: f64,
    pub df: f64,
    pub aic: Option<f64>,
    pub bic: Option<f64>,
    /// The scaled χ² and its scaling factor (MLR; `None` for plain ML).
    pub chisq_scaled: Option<f64>,
    pub scaling_factor: Option<f64>,
    pub ntotal: usize,
    pub ngroups: usize,
    pub meanstructure: bool,
    pub ov_names: Vec<String>,
}

impl From<&FitResult> for ModelFit {
    fn from(m: &FitResult) -> ModelFit {
        ModelFit {
            converged: m.converged,
            npar: m.npar,
            loglik: m.loglik,
            chisq: m.chisq,
            df: m.df,
            aic: m.fit.get("aic"),
            bic: m.fit.get("bic"),
            // a scaled test whose statistic is undefined (df = 0) still marks the fit as MLR
            chisq_scaled: m.scaled_test.as_ref().map(|s| s.chisq_scaled),
            scaling_factor: m.scaled_test.as_ref().map(|s| s.scaling_factor),
            ntotal: m.ntotal,
            ngroups: m.ngroups,
            meanstructure: m.meanstructure,
            ov_names: m.ov_names.clone(),
        }
    }
}

/// One row of the comparison table (lavaan's `anova` columns).
#[derive(Debug, Clone, Serialize)]
pub struct LrtRow {
    /// The model's name as given.
    pub model: String,
    /// Degrees of freedom of the model's test (`Df`).
    pub df: f64,
    pub npar: usize,
    pub loglik: f64,
    #[serde(rename = "AIC")]
    pub aic: Option<f64>,
    #[serde(rename = "BIC")]
    pub bic: Option<f64>,
    /// Unscaled (standard) χ² of the model (`Chisq`).
    pub chisq: f64,
    /// Scaled χ² and its scaling factor (scaled tests only).
    pub chisq_scaled: Option<f64>,
    pub scaling_factor: Option<f64>,
    /// Difference to the previous row: χ² (scaled difference for scaled tests), df, RMSEA of
    /// the difference (unscaled only), p-value, and the difference's scaling factor `c_d`.
    pub chisq_diff: Option<f64>,
    pub df_diff: Option<f64>,
    #[serde(rename = "RMSEA")]
    pub rmsea: Option<f64>,
    pub pvalue: Option<f64>,
    pub scaling_factor_diff: Option<f64>,
}

/// How the difference of nested models is tested, spelled as lavaan's `lavTestLRT(method =)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LrtMethod {
    /// The χ² difference on Δdf degrees of freedom.
    #[serde(rename = "standard")]
    Standard,
    /// The Satorra–Bentler (2001) scaled difference (scaled tests: MLR, clusters).
    #[serde(rename = "satorra.bentler.2001")]
    SatorraBentler2001,
}

impl LrtMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            LrtMethod::Standard => "standard",
            LrtMethod::SatorraBentler2001 => "satorra.bentler.2001",
        }
    }
}

impl std::fmt::Display for LrtMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The comparison of nested models.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub method: LrtMethod,
    pub rows: Vec<LrtRow>,
    pub warnings: Vec<String>,
}

/// Why models cannot be compared.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum CompareError {
    #[error("at least two models are needed for a comparison")]
    TooFewModels,
    #[error(
        "some models (but not all) have scaled test statistics; fit all with the same estimator"
    )]
    MixedScaling,
    #[error("some models (but not all) have a mean structure")]
    MixedMeanstructure,
}

/// The Satorra–Bentler (2001) scaled difference of a less restricted model 1 (T1, df1, c1)
/// and a more restricted model 0 (T0, df0, c0): `(T_d, df_d, c_d)`; `c_d` is NaN (and so is
/// `T_d`) when it would be negative, both when df0 = df1 (then T_d = T0 − T1).
pub fn satorra_bentler_2001(
    t1: f64,
    df1: f64,
    c1: f64,
    t0: f64,
    df0: f64,
    c0: f64,
) -> (f64, f64, f64) {
    let c1 = if df1 == 0.0 { 1.0 } else { c1 };
    let m = df0 - df1;
    if m == 0.0 {
        return (t0 - t1, m, f64::NAN);
    }
    let cd = (df0 * c0 - df1 * c1) / m;
    if cd < 0.0 {
        return (f64::NAN, m, f64::NAN);
    }
    ((t0 - t1) / cd, m, cd)
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Compare fitted models as `lavTestLRT(m1, m2, ...)`; `models` are (name, fit) in the order
/// given.
pub fn lrt(models: &[(String, &FitResult)]) -> Result<Comparison, CompareError> {
    let fits: Vec<(String, ModelFit)> = models
        .iter()
        .map(|(n, m)| (n.clone(), ModelFit::from(*m)))
        .collect();
    lrt_fits(&fits)
}

/// [`lrt`] on model summaries (e.g. read back from saved results).
pub fn lrt_fits(models: &[(String, ModelFit)]) -> Result<Comparison, CompareError> {
    if models.len() < 2 {
        return Err(CompareError::TooFewModels);
    }
    let first = &models[0].1;
    let mut warnings = Vec::new();
    let mut order: Vec<usize> = (0..models.len()).collect();
    order.sort_by(|&a, &b| models[a].1.df.total_cmp(&models[b].1.df));
    let mods: Vec<&(String, ModelFit)> = order.iter().map(|&i| &models[i]).collect();

    let mut ov0 = first.ov_names.clone();
    ov0.sort();
    if mods.iter().any(|(_, m)| {
        let mut o = m.ov_names.clone();
        o.sort();
        o != ov0
    }) {
        warnings.push("some models are based on a different set of observed variables".into());
    }
    let nms = mods.iter().filter(|(_, m)| m.meanstructure).count();
    if nms > 0 && nms < mods.len() {
        return Err(CompareError::MixedMeanstructure);
    }
    if mods.iter().any(|(_, m)| !m.converged) {
        warnings.push("not all models converged".into());
    }
    let scaled_flags: Vec<bool> = mods
        .iter()
        .map(|(_, m)| m.scaling_factor.is_some())
        .collect();
    let scaled = if scaled_flags
        .iter()
        .zip(&mods)
        .all(|(&s, (_, m))| s || m.df == 0.0)
        && scaled_flags.iter().any(|&s| s)
    {
        true
    } else if !scaled_flags.iter().any(|&s| s) {
        false
    } else {
        return Err(CompareError::MixedScaling);
    };

    let n = first.ntotal as f64;
    let g = first.ngroups as f64;
    let mut rows: Vec<LrtRow> = mods
        .iter()
        .map(|(name, m)| LrtRow {
            model: name.clone(),
            df: m.df,
            npar: m.npar,
            loglik: m.loglik,
            aic: m.aic,
            bic: m.bic,
            chisq: m.chisq,
            chisq_scaled: m.chisq_scaled.and_then(finite),
            scaling_factor: m.scaling_factor.and_then(finite),
            chisq_diff: None,
            df_diff: None,
            rmsea: None,
            pvalue: None,
            scaling_factor_diff: None,
        })
        .collect();
    let mut smallest = f64::INFINITY;
    let mut same_df = false;
    for k in 1..rows.len() {
        let (m1, m0) = (&mods[k - 1].1, &mods[k].1);
        let raw_diff = m0.chisq - m1.chisq;
        smallest = smallest.min(raw_diff);
        let (t, df, cd) = if scaled {
            let c = |m: &ModelFit| m.scaling_factor.unwrap_or(f64::NAN);
            satorra_bentler_2001(m1.chisq, m1.df, c(m1), m0.chisq, m0.df, c(m0))
        } else {
            (raw_diff, m0.df - m1.df, f64::NAN)
        };
        if scaled && df != 0.0 && cd.is_nan() {
            warnings.push(format!(
                "the scaling factor of the difference between {} and {} is negative",
                mods[k - 1].0,
                mods[k].0
            ));
        }
        let row = &mut rows[k];
        row.chisq_diff = finite(t);
        row.df_diff = Some(df);
        row.scaling_factor_diff = finite(cd);
        if !scaled {
            row.rmsea = finite(rmsea::rmsea(t, df, n, g, 1.0));
        }
        if df == 0.0 {
            same_df = true;
        } else {
            row.pvalue = finite(pchisq_upper(t, df));
        }
    }
    if smallest < -f64::EPSILON.cbrt() {
        warnings.push(format!(
            "some restricted models fit better than less restricted models; either these models are not nested, or the less restricted model failed to reach a global optimum (smallest difference = {smallest:.6})"
        ));
    }
    if same_df {
        warnings.push("some models have the same degrees of freedom".into());
    }
    Ok(Comparison {
        method: if scaled {
            LrtMethod::SatorraBentler2001
        } else {
            LrtMethod::Standard
        },
        rows,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satorra_bentler_difference() {
        // hand computation: cd = (20·1.1 − 10·1.2)/10 = 1.0
        let (t, df, cd) = satorra_bentler_2001(30.0, 10.0, 1.2, 50.0, 20.0, 1.1);
        assert_eq!(df, 10.0);
        assert!((cd - 1.0).abs() < 1e-15);
        assert!((t - 20.0).abs() < 1e-12);
        // saturated less restricted model: c1 taken as 1
        let (t, _, cd) = satorra_bentler_2001(0.0, 0.0, f64::NAN, 12.0, 6.0, 1.2);
        assert!((cd - 1.2).abs() < 1e-15 && (t - 10.0).abs() < 1e-12);
        // negative scaling factor → NA
        let (t, _, cd) = satorra_bentler_2001(30.0, 10.0, 3.0, 50.0, 12.0, 1.0);
        assert!(t.is_nan() && cd.is_nan());
    }
}
