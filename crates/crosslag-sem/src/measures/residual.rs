//! Residual-based fit measures: RMR, SRMR and CRMR (lavaan's `lav_residuals_summary`) and the
//! Mplus variant of SRMR (`lav_fit_srmr_mplus`), per group and combined over groups as
//! Σ_g (n_g/N)·index_g (`lav_fit_srmr_lavobject`).
//!
//! Residuals are observed minus implied moments (S − Σ̂, ȳ − μ̂), where S, ȳ are lavaan's h1
//! sample statistics (the EM estimates with `missing = "ml"`):
//!
//! - `rmr`: raw residuals;
//! - `srmr` (Bentler, `type = "cor.bentler"`): both S and Σ̂ divided by the observed standard
//!   deviations, (s_ij − σ̂_ij)/√(s_ii s_jj), means (ȳ_i − μ̂_i)/√s_ii;
//! - `crmr` (Bollen, `type = "cor.bollen"`): correlation residuals r_ij − ρ̂_ij (S scaled by
//!   the observed, Σ̂ by the implied standard deviations), means scaled by the observed SDs;
//!   the (zero) diagonal is not counted in the denominator.
//!
//! Each index is √(Σ residual² / count) over vech (diagonal included) and, for the `total`
//! versions, the p means; count = p(p+1)/2 (+ p) for rmr and srmr, p(p−1)/2 (+ p) for crmr.
//! Without a mean structure the total equals the `_nomean` version. Quirk kept from
//! `lav_residuals_rescale`: a moment whose unscaled value is below 1e-5 in absolute value is
//! left unscaled; a variance below ε makes the scaled values NA.
//!
//! SRMR (Mplus, <https://www.statmodel.com/download/SRMR.pdf>): correlation residuals below
//! the diagonal, mean residuals ȳ_i/√s_ii − μ̂_i/√σ̂_ii and variance residuals
//! (s_ii − σ̂_ii)/s_ii, over p(p+1)/2 (+ p).

use super::inputs::GroupMoments;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// The residual summaries of one group, or combined over groups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResidualSummary {
    /// RMR over means and covariances.
    pub rmr: f64,
    /// RMR over covariances.
    pub rmr_nomean: f64,
    /// SRMR (Bentler) over means and covariances; lavaan's `srmr` for `mimic = "lavaan"`.
    pub srmr_bentler: f64,
    /// SRMR (Bentler) over covariances.
    pub srmr_bentler_nomean: f64,
    /// CRMR over means and correlations.
    pub crmr: f64,
    /// CRMR over correlations.
    pub crmr_nomean: f64,
    /// SRMR as Mplus computes it.
    pub srmr_mplus: f64,
    /// SRMR as Mplus computes it, without means.
    pub srmr_mplus_nomean: f64,
}

/// Moments scaled as `lav_residuals_rescale(x, diag.cov, diag.cov2)`: covariances divided by
/// √(d_i d_j) with d = `diag_cov`, means by √d2_i with d2 = `diag_cov2`; entries whose unscaled
/// value is below 1e-5 in absolute value are left as they are; d < ε gives NA.
fn rescale(
    cov: ArrayView2<f64>,
    mean: Option<ArrayView1<f64>>,
    diag_cov: &[f64],
    diag_cov2: &[f64],
) -> (Array2<f64>, Option<Array1<f64>>) {
    let clean = |d: f64| {
        if !d.is_finite() || d < f64::EPSILON {
            f64::NAN
        } else {
            d
        }
    };
    let inv_sd: Vec<f64> = diag_cov.iter().map(|&d| 1.0 / clean(d).sqrt()).collect();
    let inv_sd2: Vec<f64> = diag_cov2.iter().map(|&d| 1.0 / clean(d).sqrt()).collect();
    let p = cov.nrows();
    let scaled_cov = Array2::from_shape_fn((p, p), |(i, j)| {
        let v = cov[[i, j]];
        if v.abs() < 1e-5 {
            v
        } else {
            v * (inv_sd[i] * inv_sd[j])
        }
    });
    let scaled_mean = mean.map(|m| {
        Array1::from_shape_fn(p, |i| {
            let v = m[i];
            if v.abs() < 1e-5 {
                v
            } else {
                v * inv_sd2[i]
            }
        })
    });
    (scaled_cov, scaled_mean)
}

/// √(Σ (obs − est)² / count) over vech (diagonal included) and, if given, the means.
fn rms(
    obs: &Array2<f64>,
    est: &Array2<f64>,
    means: Option<(&Array1<f64>, &Array1<f64>)>,
    count: f64,
) -> f64 {
    let p = obs.nrows();
    let mut ss = 0.0;
    if let Some((m_obs, m_est)) = means {
        for i in 0..p {
            let r = m_obs[i] - m_est[i];
            ss += r * r;
        }
    }
    for j in 0..p {
        for i in j..p {
            let r = obs[[i, j]] - est[[i, j]];
            ss += r * r;
        }
    }
    (ss / count).sqrt()
}

/// R's `cov2cor`: off-diagonal v_ij/√(v_ii v_jj), diagonal exactly 1.
fn cov2cor(v: ArrayView2<f64>) -> Array2<f64> {
    let p = v.nrows();
    let is: Vec<f64> = (0..p).map(|i| (1.0 / v[[i, i]]).sqrt()).collect();
    Array2::from_shape_fn((p, p), |(i, j)| {
        if i == j {
            1.0
        } else {
            is[i] * v[[i, j]] * is[j]
        }
    })
}

/// RMR, SRMR (Bentler), CRMR and SRMR (Mplus) of one group. `meanstructure` as lavaan's
/// `@Model@meanstructure` (then the mean residuals enter the total versions).
pub fn group_summary(gm: &GroupMoments, meanstructure: bool) -> ResidualSummary {
    let s = gm.sample_cov;
    let sigma = gm.implied_cov;
    let p = s.nrows();
    let pf = p as f64;
    let pstar = pf * (pf + 1.0) / 2.0;
    let use_means = meanstructure && gm.sample_mean.is_some() && gm.implied_mean.is_some();
    let (m_obs, m_est) = if use_means {
        (gm.sample_mean, gm.implied_mean)
    } else {
        (None, None)
    };

    let var_obs: Vec<f64> = (0..p).map(|i| s[[i, i]]).collect();
    let var_est: Vec<f64> = (0..p).map(|i| sigma[[i, i]]).collect();

    // raw
    let s_raw = s.to_owned();
    let sigma_raw = sigma.to_owned();
    let mo_raw = m_obs.map(|m| m.to_owned());
    let me_raw = m_est.map(|m| m.to_owned());
    let pair =
        |a: &Option<Array1<f64>>, b: &Option<Array1<f64>>| -> Option<(Array1<f64>, Array1<f64>)> {
            match (a, b) {
                (Some(a), Some(b)) => Some((a.clone(), b.clone())),
                _ => None,
            }
        };
    let raw_means = pair(&mo_raw, &me_raw);
    let rmr_nomean = rms(&s_raw, &sigma_raw, None, pstar);
    let rmr = match &raw_means {
        Some((a, b)) => rms(&s_raw, &sigma_raw, Some((a, b)), pstar + pf),
        None => rmr_nomean,
    };

    // Bentler: observed and implied both scaled by the observed variances
    let (s_b, mo_b) = rescale(s, m_obs, &var_obs, &var_obs);
    let (sigma_b, me_b) = rescale(sigma, m_est, &var_obs, &var_obs);
    let srmr_nomean = rms(&s_b, &sigma_b, None, pstar);
    let srmr = match pair(&mo_b, &me_b) {
        Some((a, b)) => rms(&s_b, &sigma_b, Some((&a, &b)), pstar + pf),
        None => srmr_nomean,
    };

    // Bollen: implied covariances scaled by the implied variances, means by the observed
    let (sigma_c, me_c) = rescale(sigma, m_est, &var_est, &var_obs);
    let crmr_nomean = rms(&s_b, &sigma_c, None, pstar - pf);
    let crmr = match pair(&mo_b, &me_c) {
        // (p + p(p+1)/2) − p: the diagonal is not counted
        Some((a, b)) => rms(&s_b, &sigma_c, Some((&a, &b)), pstar),
        None => crmr_nomean,
    };

    // Mplus
    let r_obs = cov2cor(s);
    let r_est = cov2cor(sigma);
    let mut ss_cor = 0.0;
    for j in 0..p {
        for i in (j + 1)..p {
            let r = r_obs[[i, j]] - r_est[[i, j]];
            ss_cor += r * r;
        }
    }
    let ss_var: f64 = (0..p)
        .map(|i| {
            let r = (var_obs[i] - var_est[i]) / var_obs[i];
            r * r
        })
        .sum();
    let srmr_mplus_nomean = ((ss_cor + ss_var) / pstar).sqrt();
    let srmr_mplus = match (m_obs, m_est) {
        (Some(m), Some(mu)) => {
            let ss_mean: f64 = (0..p)
                .map(|i| {
                    let r = m[i] / var_obs[i].sqrt() - mu[i] / var_est[i].sqrt();
                    r * r
                })
                .sum();
            ((ss_cor + ss_mean + ss_var) / (pstar + pf)).sqrt()
        }
        _ => srmr_mplus_nomean,
    };

    ResidualSummary {
        rmr,
        rmr_nomean,
        srmr_bentler: srmr,
        srmr_bentler_nomean: srmr_nomean,
        crmr,
        crmr_nomean,
        srmr_mplus,
        srmr_mplus_nomean,
    }
}

/// The group summaries combined as Σ_g (n_g/N)·index_g.
pub fn combined(groups: &[GroupMoments], meanstructure: bool) -> ResidualSummary {
    let ntotal: f64 = groups.iter().map(|g| g.nobs as f64).sum();
    let mut out = ResidualSummary {
        rmr: 0.0,
        rmr_nomean: 0.0,
        srmr_bentler: 0.0,
        srmr_bentler_nomean: 0.0,
        crmr: 0.0,
        crmr_nomean: 0.0,
        srmr_mplus: 0.0,
        srmr_mplus_nomean: 0.0,
    };
    for gm in groups {
        let w = gm.nobs as f64 / ntotal;
        let s = group_summary(gm, meanstructure);
        out.rmr += w * s.rmr;
        out.rmr_nomean += w * s.rmr_nomean;
        out.srmr_bentler += w * s.srmr_bentler;
        out.srmr_bentler_nomean += w * s.srmr_bentler_nomean;
        out.crmr += w * s.crmr;
        out.crmr_nomean += w * s.crmr_nomean;
        out.srmr_mplus += w * s.srmr_mplus;
        out.srmr_mplus_nomean += w * s.srmr_mplus_nomean;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn perfect_fit_gives_zero() {
        let s = array![[2.0, 0.3], [0.3, 1.0]];
        let m = array![1.0, 2.0];
        let gm = GroupMoments {
            nobs: 10,
            sample_cov: s.view(),
            sample_mean: Some(m.view()),
            implied_cov: s.view(),
            implied_mean: Some(m.view()),
            fixed_x: &[],
            missing: None,
        };
        let r = group_summary(&gm, true);
        assert_eq!(r.srmr_bentler, 0.0);
        assert_eq!(r.crmr_nomean, 0.0);
        assert_eq!(r.srmr_mplus, 0.0);
    }

    #[test]
    fn hand_computed_two_variables() {
        // S = [[4, 1], [1, 1]], Σ̂ = [[4, 0.5], [0.5, 1]]: one residual of 0.5 in vech
        let s = array![[4.0, 1.0], [1.0, 1.0]];
        let sigma = array![[4.0, 0.5], [0.5, 1.0]];
        let gm = GroupMoments {
            nobs: 10,
            sample_cov: s.view(),
            sample_mean: None,
            implied_cov: sigma.view(),
            implied_mean: None,
            fixed_x: &[],
            missing: None,
        };
        let r = group_summary(&gm, false);
        assert!((r.rmr - (0.25_f64 / 3.0).sqrt()).abs() < 1e-15);
        // standardized residual 0.5/√4 = 0.25
        assert!((r.srmr_bentler - (0.0625_f64 / 3.0).sqrt()).abs() < 1e-15);
        // correlation residual 0.25 over p(p−1)/2 = 1
        assert!((r.crmr - 0.25).abs() < 1e-15);
        assert!((r.srmr_mplus - (0.0625_f64 / 3.0).sqrt()).abs() < 1e-15);
    }
}
