//! The χ² test: its p-value as lavaan computes it, and the ML discrepancy function.

use super::inputs::GroupMoments;
use super::linalg;
use crate::stats::pchisq;
use ndarray::{ArrayView1, ArrayView2};

/// p-value of a χ² test statistic as lavaan reports it (`lav_model_test`):
/// `1 − pchisq(chisq, df)` (the lower tail subtracted from 1, so p-values below ~1e-16 are 0),
/// and NA when df = 0.
pub fn chisq_pvalue(chisq: f64, df: f64) -> f64 {
    if chisq.is_nan() || df.is_nan() || df == 0.0 {
        return f64::NAN;
    }
    1.0 - pchisq(chisq, df)
}

/// The ML discrepancy between sample moments (S, ȳ) and model moments (Σ, μ):
///
/// F_ML = ln|Σ| − ln|S| + tr(S Σ⁻¹) − p + (ȳ − μ)' Σ⁻¹ (ȳ − μ)
///
/// (lavaan's `estimator.ML` objective is ½ F_ML summed over groups with weights n_g/N; the
/// likelihood-ratio statistic is Σ_g n_g F_ML,g). The mean term is dropped when either mean is
/// `None`. NaN if Σ or S is not positive definite.
pub fn ml_discrepancy(
    sample_cov: ArrayView2<f64>,
    sample_mean: Option<ArrayView1<f64>>,
    implied_cov: ArrayView2<f64>,
    implied_mean: Option<ArrayView1<f64>>,
) -> f64 {
    let p = sample_cov.nrows();
    let (Some(ld_sigma), Some(ld_s), Some(sigma_inv)) = (
        linalg::ln_det(implied_cov),
        linalg::ln_det(sample_cov),
        linalg::inverse(implied_cov),
    ) else {
        return f64::NAN;
    };
    let trace: f64 = (0..p)
        .map(|i| {
            (0..p)
                .map(|j| sample_cov[[i, j]] * sigma_inv[[j, i]])
                .sum::<f64>()
        })
        .sum();
    let mut f = ld_sigma - ld_s + trace - p as f64;
    if let (Some(m), Some(mu)) = (sample_mean, implied_mean) {
        let d = &m - &mu;
        f += d.dot(&sigma_inv.dot(&d));
    }
    f
}

/// The likelihood-ratio statistic Σ_g n_g F_ML(S_g, ȳ_g; Σ_g, μ_g) of the given moments.
///
/// For complete data this is lavaan's `chisq`; with `missing = "ml"` and the EM moments in
/// [`GroupMoments::sample_cov`]/[`GroupMoments::sample_mean`] it is the `XX3` of the
/// FIML-corrected robust RMSEA/CFI ([`super::FimlCorrected::chisq`]).
pub fn ml_chisq(groups: &[GroupMoments]) -> f64 {
    groups
        .iter()
        .map(|g| {
            g.nobs as f64
                * ml_discrepancy(g.sample_cov, g.sample_mean, g.implied_cov, g.implied_mean)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn pvalue_as_lavaan() {
        assert!(chisq_pvalue(3.0, 0.0).is_nan());
        // R: 1 - pchisq(14.771793464731786, 9) = 0.09739818817326795 (case02)
        assert!(
            (chisq_pvalue(14.771_793_464_731_786, 9.0) - 0.097_398_188_173_267_95).abs() < 1e-15
        );
        // case01: the p-value underflows to 0 through 1 − P
        assert_eq!(chisq_pvalue(147.664_439_173_873_06, 12.0), 0.0);
    }

    #[test]
    fn discrepancy_is_zero_at_the_sample_moments() {
        let s = array![[2.0, 0.3], [0.3, 1.0]];
        let m = array![1.0, 2.0];
        assert!(ml_discrepancy(s.view(), Some(m.view()), s.view(), Some(m.view())).abs() < 1e-15);
        // diagonal model: F = ln(2·1) − ln(2 − 0.09) (trace term = p)
        let d = array![[2.0, 0.0], [0.0, 1.0]];
        let f = ml_discrepancy(s.view(), None, d.view(), None);
        assert!((f - (2.0_f64.ln() - 1.91_f64.ln())).abs() < 1e-15);
    }
}
