//! The fit indices of the meta-analytic models as metaSEM computes them (stage 1 with fixed
//! effects, stage 2): RMSEA with its 90 % interval, CFI and TLI against the independence
//! (baseline) model. With G groups metaSEM scales the RMSEA by √G (Steiger 1998).

use crate::stats::pchisq_nc;

/// RMSEA = √G · √(max(χ² − df, 0) / (N − 1) / df); 0 when df = 0.
pub fn rmsea(chisq: f64, df: f64, n: f64, groups: f64) -> f64 {
    if df > 0.0 {
        groups.sqrt() * (((chisq - df) / (n - 1.0)).max(0.0) / df).sqrt()
    } else {
        0.0
    }
}

/// RMSEA interval (90 %: noncentrality at the .95 and .05 points), multi-group scaling.
pub fn rmsea_ci(chisq: f64, df: f64, n: f64, groups: f64) -> (f64, f64) {
    if df <= 0.0 {
        return (0.0, 0.0);
    }
    let to_rmsea = |lam: f64| (groups).sqrt() * (lam.max(0.0) / (df * (n - 1.0))).sqrt();
    let find = |p: f64| -> f64 {
        // lambda with pchisq(chisq, df, lambda) = p; 0 if pchisq(chisq, df, 0) < p
        let f = |lam: f64| pchisq_nc(chisq, df, lam) - p;
        if f(0.0) < 0.0 {
            return 0.0;
        }
        let mut hi = chisq.max(1.0);
        while f(hi) > 0.0 && hi < 1e7 {
            hi *= 2.0;
        }
        match crate::stats::uniroot(f, 0.0, hi, 1e-12, 1000) {
            Ok(r) => r.root,
            Err(_) => f64::NAN,
        }
    };
    (to_rmsea(find(0.95)), to_rmsea(find(0.05)))
}

/// CFI = 1 − max(χ² − df, 0) / max(χ² − df, χ²_b − df_b, 0) (1 when the denominator is 0).
pub fn cfi(chisq: f64, df: f64, chisq_b: f64, df_b: f64) -> f64 {
    let num = (chisq - df).max(0.0);
    let den = (chisq - df).max(chisq_b - df_b).max(0.0);
    if den > 0.0 {
        1.0 - num / den
    } else {
        1.0
    }
}

/// TLI = (χ²_b/df_b − χ²/df) / (χ²_b/df_b − 1).
pub fn tli(chisq: f64, df: f64, chisq_b: f64, df_b: f64) -> f64 {
    (chisq_b / df_b - chisq / df) / (chisq_b / df_b - 1.0)
}
