//! RMSEA, the root mean square error of approximation (Steiger & Lind, 1980), its confidence
//! interval (Browne & Cudeck, 1993) and the tests of close and not-close fit (MacCallum,
//! Browne & Sugawara, 1996), as lavaan's `lav_fit_rmsea.R`.
//!
//! With G groups the index is multiplied by √G and the noncentrality of the tests divided by G
//! (Dudgeon, 2004, eq. 16). The robust versions (Brosseau-Liard, Savalei & Li, 2012) use the
//! scaling factor ĉ: RMSEA = √max((X²/N)/df − ĉ/N, 0), and for the interval and the p-values
//! the *scaled* statistic with bounds √(ĉ λ/(N df)) and noncentrality N·df·h0²/(ĉ G).
//! NaN stands for R's `NA`.

use crate::stats::{pchisq_nc, uniroot, UNIROOT_MAXITER, UNIROOT_TOL};

/// RMSEA = √max((X²/N)/df − ĉ/N, 0)·√G for df > 0, 0 for df = 0 (`lav_fit_rmsea`;
/// ĉ = 1 for the standard index).
pub fn rmsea(x2: f64, df: f64, n: f64, g: f64, c_hat: f64) -> f64 {
    if df.is_nan() {
        return f64::NAN;
    }
    if df > 0.0 {
        let v = (x2 / n) / df - c_hat / n;
        if v.is_nan() {
            f64::NAN
        } else {
            v.max(0.0).sqrt() * g.sqrt()
        }
    } else {
        0.0
    }
}

/// Confidence interval of RMSEA at `level` (`lav_fit_rmsea_ci`, default 0.90).
///
/// The noncentrality bounds solve P(χ²(df, λ) ≤ X²) = (1 + level)/2 for λ_L on [0, X²] and
/// = (1 − level)/2 for λ_U on [0, max(N, 4X²)] with R's `uniroot()` (Brent, tolerance
/// ε^¼ ≈ 1.2e-4, which lavaan keeps — so the root is reproduced iteration by iteration);
/// bound = √(ĉ λ/(N df))·√G. A bound is 0 when df < 1 or when no root is bracketed
/// (P(X²; df, 0) below the target); NA when uniroot fails otherwise.
pub fn rmsea_ci(x2: f64, df: f64, n: f64, g: f64, c_hat: f64, level: f64) -> (f64, f64) {
    if !x2.is_finite() || !df.is_finite() || !n.is_finite() {
        return (f64::NAN, f64::NAN);
    }
    let level = if !level.is_finite() || !(0.0..=1.0).contains(&level) {
        0.90
    } else {
        level
    };
    let upper_perc = 1.0 - (1.0 - level) / 2.0;
    let lower_perc = (1.0 - level) / 2.0;
    let lower_lambda = |lambda: f64| pchisq_nc(x2, df, lambda) - upper_perc;
    let upper_lambda = |lambda: f64| pchisq_nc(x2, df, lambda) - lower_perc;
    let bound = |lambda: f64| {
        let b = (c_hat * lambda / (n * df)).sqrt();
        if g > 1.0 {
            b * g.sqrt()
        } else {
            b
        }
    };

    let lower = if df < 1.0 || lower_lambda(0.0) < 0.0 {
        0.0
    } else {
        match uniroot(lower_lambda, 0.0, x2, UNIROOT_TOL, UNIROOT_MAXITER) {
            Ok(r) => bound(r.root),
            Err(_) => f64::NAN,
        }
    };

    let n_rmsea = n.max(x2 * 4.0);
    let upper = if df < 1.0 || upper_lambda(n_rmsea) > 0.0 || upper_lambda(0.0) < 0.0 {
        0.0
    } else {
        match uniroot(upper_lambda, 0.0, n_rmsea, UNIROOT_TOL, UNIROOT_MAXITER) {
            Ok(r) => bound(r.root),
            Err(_) => f64::NAN,
        }
    };
    (lower, upper)
}

/// Noncentrality under H0: RMSEA = h0, `(N·df·(1/ĉ)·h0²)/G` in lavaan's order of operations.
fn ncp(df: f64, n: f64, g: f64, c_hat: f64, h0: f64) -> f64 {
    (n * df * 1.0 / c_hat * (h0 * h0)) / g
}

/// p-value of the test of close fit, H0: RMSEA ≤ h0 (`lav_fit_rmsea_closefit`, h0 = 0.05):
/// 1 − P(χ²(df, N·df·h0²/(ĉG)) ≤ X²); NA when df = 0.
pub fn rmsea_close_pvalue(x2: f64, df: f64, n: f64, g: f64, c_hat: f64, h0: f64) -> f64 {
    if !x2.is_finite() || !df.is_finite() || !n.is_finite() || df <= 0.0 {
        return f64::NAN;
    }
    1.0 - pchisq_nc(x2, df, ncp(df, n, g, c_hat, h0))
}

/// p-value of the test of not-close fit, H0: RMSEA ≥ h0 (`lav_fit_rmsea_notclosefit`,
/// h0 = 0.08): P(χ²(df, N·df·h0²/(ĉG)) ≤ X²); NA when df = 0.
pub fn rmsea_notclose_pvalue(x2: f64, df: f64, n: f64, g: f64, c_hat: f64, h0: f64) -> f64 {
    if !x2.is_finite() || !df.is_finite() || !n.is_finite() || df <= 0.0 {
        return f64::NAN;
    }
    pchisq_nc(x2, df, ncp(df, n, g, c_hat, h0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case01_values() {
        // lavaan case01: chisq 147.66443917387306, df 12, N 1000
        let x2 = 147.664_439_173_873_06;
        assert!((rmsea(x2, 12.0, 1000.0, 1.0, 1.0) - 0.106_326_713_158_811_08).abs() < 1e-15);
        let (lo, hi) = rmsea_ci(x2, 12.0, 1000.0, 1.0, 1.0, 0.9);
        assert!((lo - 0.091_364_421_069_185).abs() < 1e-12, "{lo}");
        assert!((hi - 0.122_002_259_683_656_73).abs() < 1e-12, "{hi}");
        assert!(
            (rmsea_close_pvalue(x2, 12.0, 1000.0, 1.0, 1.0, 0.05) - 8.820_206_787_163_443e-10)
                .abs()
                < 1e-15
        );
        assert!(
            (rmsea_notclose_pvalue(x2, 12.0, 1000.0, 1.0, 1.0, 0.08) - 0.997_862_748_182_243).abs()
                < 1e-14
        );
    }

    #[test]
    fn df_zero() {
        assert_eq!(rmsea(0.0, 0.0, 100.0, 1.0, 1.0), 0.0);
        assert_eq!(rmsea_ci(0.0, 0.0, 100.0, 1.0, 1.0, 0.9), (0.0, 0.0));
        assert!(rmsea_close_pvalue(0.0, 0.0, 100.0, 1.0, 1.0, 0.05).is_nan());
        assert!(rmsea(3.0, f64::NAN, 100.0, 1.0, 1.0).is_nan());
    }
}
