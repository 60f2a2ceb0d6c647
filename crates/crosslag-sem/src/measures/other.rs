//! Other fit indices: Hoelter's critical N, GFI/AGFI/PGFI, McDonald's MFI and ECVI
//! (lavaan's `lav_fit_other.R`, `lav_fit_gfi.R`). NaN stands for R's `NA`.

use super::inputs::GroupMoments;
use super::linalg;
use crate::stats::qchisq;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// Hoelter's critical N (Hoelter, 1983; `lav_fit_cn`): qchisq(1 − α, df)/(X²/N) + 1;
/// NA when df = 0 and X² < ε.
pub fn cn(x2: f64, df: f64, n: f64, alpha: f64) -> f64 {
    if df == 0.0 && x2 < f64::EPSILON {
        f64::NAN
    } else {
        qchisq(1.0 - alpha, df) / (x2 / n) + 1.0
    }
}

/// McDonald's fit index (McDonald, 1989; `lav_fit_mfi`): exp(−½ (X² − df)/N).
pub fn mfi(x2: f64, df: f64, n: f64) -> f64 {
    (-0.5 * (x2 - df) / n).exp()
}

/// Expected cross-validation index (Browne & Cudeck, 1989, eq. 5; `lav_fit_ecvi`):
/// X²/N + 2·npar/N.
pub fn ecvi(x2: f64, npar: f64, n: f64) -> f64 {
    x2 / n + (2.0 * npar) / n
}

/// AGFI (`lav_fit_agfi`): 1 − (nel/df)(1 − GFI) for df > 0, 1 for df = 0; nel = number of
/// sample statistics (means and vech(S) of all variables, over all groups).
pub fn agfi(gfi: f64, nel: f64, df: f64) -> f64 {
    if !gfi.is_finite() || !nel.is_finite() || !df.is_finite() {
        f64::NAN
    } else if df > 0.0 {
        1.0 - (nel / df) * (1.0 - gfi)
    } else {
        1.0
    }
}

/// PGFI, parsimony GFI (Mulaik et al., 1989; `lav_fit_pgfi`): (df/nel)·GFI.
pub fn pgfi(gfi: f64, nel: f64, df: f64) -> f64 {
    if !gfi.is_finite() || !nel.is_finite() || !df.is_finite() || nel == 0.0 {
        f64::NAN
    } else {
        (df / nel) * gfi
    }
}

/// GFI of one group (Jöreskog & Sörbom; generalised form of `lav_fit_gfi`):
///
/// GFI = 1 − e'We / s'Ws, with s = (ȳ, vech S) lavaan's `WLS.obs`, e = s − (μ̂, vech Σ̂) and
/// W = `WLS.V`, which for ML is the expected h1 information at the model-implied Σ̂
/// (`lav_model_h1_information_expected`, `h1.information = "structured"`):
/// W = blockdiag(A, ½ D'(A⊗A)D) with A = Σ̂⁻¹, so that
/// x'Wx = x_μ' A x_μ + ½ tr(A X A X) for x = (x_μ, vech X). Under `missing = "ml"` W is the
/// average over the missing-data patterns of the same form with A_p = (Σ̂_oo)⁻¹ embedded in
/// zeros (`lav_mvnorm_missing_information_expected`), and s holds the available-case means
/// and pairwise covariances. With fixed.x, the means of the exogenous covariates and their
/// (co)variances among themselves get zero weight. The mean parts are used only with a mean
/// structure.
pub fn gfi_group(gm: &GroupMoments, meanstructure: bool, missing_ml: bool) -> f64 {
    let p = gm.implied_cov.nrows();
    // WLS.obs
    let (obs_cov, obs_mean): (ArrayView2<f64>, Option<ArrayView1<f64>>) = if missing_ml {
        match &gm.missing {
            Some(m) => (m.pairwise_cov, Some(m.available_mean)),
            None => return f64::NAN,
        }
    } else {
        (gm.sample_cov, gm.sample_mean)
    };
    let use_means = meanstructure && gm.implied_mean.is_some() && obs_mean.is_some();

    // residual and observed moments, with the fixed.x elements zeroed (zero weight)
    let is_x = |i: usize| gm.fixed_x.contains(&i);
    let mut e_cov =
        Array2::from_shape_fn((p, p), |(i, j)| obs_cov[[i, j]] - gm.implied_cov[[i, j]]);
    let mut s_cov = obs_cov.to_owned();
    for i in 0..p {
        for j in 0..p {
            if is_x(i) && is_x(j) {
                e_cov[[i, j]] = 0.0;
                s_cov[[i, j]] = 0.0;
            }
        }
    }
    let (e_mean, s_mean) = if use_means {
        let (m, mu) = (obs_mean.unwrap(), gm.implied_mean.unwrap());
        let mut e = Array1::from_shape_fn(p, |i| m[i] - mu[i]);
        let mut s = m.to_owned();
        for i in 0..p {
            if is_x(i) {
                e[i] = 0.0;
                s[i] = 0.0;
            }
        }
        (Some(e), Some(s))
    } else {
        (None, None)
    };

    // weight blocks: (weight, A)
    let blocks: Vec<(f64, Array2<f64>)> = if missing_ml {
        let pats = gm.missing.as_ref().unwrap().patterns;
        // N = cases with at least one observed value
        let n: f64 = pats
            .iter()
            .filter(|pt| pt.observed.iter().any(|&o| o))
            .map(|pt| pt.freq as f64)
            .sum();
        let mut out = Vec::with_capacity(pats.len());
        for pt in pats {
            let idx: Vec<usize> = (0..p).filter(|&j| pt.observed[j]).collect();
            if idx.is_empty() {
                continue;
            }
            let sub = Array2::from_shape_fn((idx.len(), idx.len()), |(a, b)| {
                gm.implied_cov[[idx[a], idx[b]]]
            });
            let Some(sub_inv) = linalg::inverse(sub.view()) else {
                return f64::NAN;
            };
            let mut a = Array2::<f64>::zeros((p, p));
            for (ia, &i) in idx.iter().enumerate() {
                for (ib, &j) in idx.iter().enumerate() {
                    a[[i, j]] = sub_inv[[ia, ib]];
                }
            }
            out.push((pt.freq as f64 / n, a));
        }
        out
    } else {
        let Some(a) = linalg::inverse(gm.implied_cov) else {
            return f64::NAN;
        };
        vec![(1.0, a)]
    };

    let quad = |x_mean: &Option<Array1<f64>>, x_cov: &Array2<f64>| -> f64 {
        blocks
            .iter()
            .map(|(w, a)| {
                let ax = a.dot(x_cov);
                let tr: f64 = (0..p)
                    .map(|i| (0..p).map(|j| ax[[i, j]] * ax[[j, i]]).sum::<f64>())
                    .sum();
                let mut q = 0.5 * tr;
                if let Some(xm) = x_mean {
                    q += xm.dot(&a.dot(xm));
                }
                w * q
            })
            .sum()
    };
    let t1 = quad(&e_mean, &e_cov);
    let t2 = quad(&s_mean, &s_cov);
    1.0 - t1 / t2
}

/// GFI over groups (weighted by n_g/N when G > 1, `lav_fit_gfi`) and `nel`, the number of
/// sample statistics (Σ_g p_g(p_g+1)/2, plus Σ_g p_g with a mean structure).
pub fn gfi_groups(groups: &[GroupMoments], missing_ml: bool) -> (f64, f64) {
    let meanstructure = groups.first().is_some_and(|g| g.implied_mean.is_some());
    let nel: f64 = groups
        .iter()
        .map(|g| {
            let p = g.implied_cov.nrows() as f64;
            p * (p + 1.0) / 2.0 + if meanstructure { p } else { 0.0 }
        })
        .sum();
    let gfis: Vec<f64> = groups
        .iter()
        .map(|g| gfi_group(g, meanstructure, missing_ml))
        .collect();
    let gfi = if groups.len() > 1 {
        let ntotal: f64 = groups.iter().map(|g| g.nobs as f64).sum();
        groups
            .iter()
            .zip(&gfis)
            .map(|(g, v)| g.nobs as f64 * v)
            .sum::<f64>()
            / ntotal
    } else {
        gfis.first().copied().unwrap_or(f64::NAN)
    };
    (gfi, nel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_indices() {
        // case05: chisq 8.458159146430333, df 9, N 1000, npar 35
        let x2 = 8.458_159_146_430_333;
        assert!((cn(x2, 9.0, 1000.0, 0.05) - 2_001.314_407_865_085).abs() < 1e-9);
        assert!((cn(x2, 9.0, 1000.0, 0.01) - 2_562.549_618_347_605_2).abs() < 1e-9);
        assert!((mfi(x2, 9.0, 1000.0) - 1.000_270_957_129_038).abs() < 1e-15);
        assert!((ecvi(x2, 35.0, 1000.0) - 0.078_458_159_146_430_34).abs() < 1e-15);
        assert!(cn(0.0, 0.0, 1000.0, 0.05).is_nan());
        assert_eq!(agfi(0.9, 10.0, 0.0), 1.0);
        assert!(pgfi(0.9, 0.0, 3.0).is_nan());
    }
}
