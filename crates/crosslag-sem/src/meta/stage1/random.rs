//! The random-effects stage 1 (metaSEM's `tssem1(method = "REM")`): maximum likelihood of
//! [`super::rem::RemObjective`], standard errors 2 H⁻¹, τ² and I², likelihood-based intervals.

use super::estimates::{correlation_matrix, Estimates, QTest};
use super::rem::{chol_from, q_statistic, rem_studies, RemObjective, TauType, TAU2_LOWER};
use crate::meta::data::{n_pairs, StudySet};
use crate::meta::mat::{spd_inverse, symmetric_pinv, Mat};
use crate::meta::optim::{
    hessian, minimize, numeric_gradient, profile_bound, profile_parameter, Objective,
};
use crate::meta::MetaError;
use crate::stats::qchisq;
use serde::Serialize;

/// Options of the random-effects stage 1.
#[derive(Debug, Clone, Copy)]
pub struct RemOptions {
    pub tau: TauType,
    /// Compute likelihood-based CIs of the pooled correlations and τ² (and I²).
    pub lb_ci: bool,
}

/// The random-effects stage 1.
#[derive(Debug, Clone, Serialize)]
pub struct RandomEffects {
    pub variables: Vec<String>,
    pub tau_type: TauType,
    pub pooled_r: Estimates,
    /// Pooled matrix (unit diagonal).
    pub pooled_r_matrix: Vec<Vec<f64>>,
    /// Sampling covariance of the pooled correlations (what stage 2 uses).
    pub pooled_r_acov: Vec<Vec<f64>>,
    /// τ² (diagonal of T) with inference; for `Full`, the elements of T in vech order.
    pub tau2: Estimates,
    pub tau2_matrix: Vec<Vec<f64>>,
    pub tau2_at_lower_bound: Vec<bool>,
    pub i2: Estimates,
    pub typical_within_variance: Vec<f64>,
    pub q: QTest,
    pub minus2ll: f64,
    pub n_studies: usize,
    pub n_observed_statistics: usize,
    pub n_parameters: usize,
    pub df: usize,
    pub total_n: f64,
    pub vcov_all: Vec<Vec<f64>>,
    /// True when the Hessian was not positive definite and a pseudo-inverse was used.
    pub vcov_pseudo_inverse: bool,
    pub rbar_weighted: Vec<Vec<f64>>,
    pub converged: bool,
    pub iterations: usize,
    pub warnings: Vec<String>,
}

/// Every correlation must be reported by at least one study.
fn check_coverage(set: &StudySet, labels: &[String]) -> Result<(), MetaError> {
    for (k, (c, _)) in set.counts().iter().enumerate() {
        if *c == 0 {
            return Err(MetaError::new(format!(
                "no study reports the correlation {} (drop a variable or add studies)",
                labels[k]
            )));
        }
    }
    Ok(())
}

/// Starting values and lower bounds: the intercepts at the sample-size weighted mean of the
/// usable correlations, τ² = 0.1 (diagonal; bound [`TAU2_LOWER`]) or a Cholesky factor with
/// diagonal √0.1 (full; diagonal bound 1e-5).
fn start_values(obj: &RemObjective, set: &StudySet) -> (Vec<f64>, Vec<f64>) {
    let q = obj.q;
    let mut x0 = vec![0.0; obj.dim()];
    let mut lower = vec![f64::NEG_INFINITY; obj.dim()];
    match obj.tau {
        TauType::Diag => {
            for j in 0..q {
                x0[q + j] = 0.1;
                lower[q + j] = TAU2_LOWER;
            }
        }
        TauType::Full => {
            let mut k = 0;
            for i in 0..q {
                for j in 0..=i {
                    if i == j {
                        x0[q + k] = 0.1f64.sqrt();
                        lower[q + k] = 1e-5;
                    }
                    k += 1;
                }
            }
        }
    }
    // start the intercepts at the sample-size weighted mean of the usable correlations
    for k in 0..q {
        let (mut num, mut den) = (0.0, 0.0);
        for (s, st) in obj.studies.iter().zip(&set.studies) {
            if let Some(a) = s.obs.iter().position(|&o| o == k) {
                num += st.n * s.y[a];
                den += st.n;
            }
        }
        x0[k] = if den > 0.0 { num / den } else { 0.0 };
    }
    (x0, lower)
}

/// The τ² with their standard errors: the diagonal of T, or (full T) every element of T in
/// vech order with delta-method standard errors from the Cholesky parameters.
fn tau_estimates(
    obj: &RemObjective,
    x: &[f64],
    vcov: &Mat,
    labels: &[String],
) -> (Vec<String>, Vec<f64>, Vec<Option<f64>>) {
    let q = obj.q;
    let tm = obj.tau_matrix(x);
    match obj.tau {
        TauType::Diag => (
            labels.to_vec(),
            tm.diag(),
            (0..q).map(|j| se_of(vcov, q + j)).collect(),
        ),
        TauType::Full => {
            let nt = obj.n_tau();
            let mut lab = Vec::new();
            let mut est = Vec::new();
            let mut se = Vec::new();
            for i in 0..q {
                for j in 0..=i {
                    lab.push(if i == j {
                        labels[i].clone()
                    } else {
                        format!("{}~{}", labels[i], labels[j])
                    });
                    est.push(tm[(i, j)]);
                    let f = |t: &[f64]| {
                        let l = chol_from(t, q);
                        l.matmul(&l.transpose())[(i, j)]
                    };
                    let gr = numeric_gradient(&f, &x[q..]);
                    let mut v = 0.0;
                    for a in 0..nt {
                        for b in 0..nt {
                            v += gr[a] * vcov[(q + a, q + b)] * gr[b];
                        }
                    }
                    se.push(if v > 0.0 { Some(v.sqrt()) } else { None });
                }
            }
            (lab, est, se)
        }
    }
}

/// √vcov_ii where positive.
fn se_of(vcov: &Mat, i: usize) -> Option<f64> {
    let v = vcov[(i, i)];
    if v > 0.0 {
        Some(v.sqrt())
    } else {
        None
    }
}

/// metaSEM's typical within-study variance of each correlation (Higgins & Thompson 2002):
/// `(k − 1) Σw / ((Σw)² − Σw²)` with `w = 1/V_i,jj` over all k studies.
fn typical_within_variance(obj: &RemObjective, k: f64) -> Vec<f64> {
    (0..obj.q)
        .map(|j| {
            let w: Vec<f64> = obj.studies.iter().map(|s| 1.0 / s.v[(j, j)]).collect();
            let sw: f64 = w.iter().sum();
            let sw2: f64 = w.iter().map(|v| v * v).sum();
            (k - 1.0) * sw / (sw * sw - sw2)
        })
        .collect()
}

/// The profile of −2LL around the estimates, for likelihood-based bounds at −2LL = min + χ²₁(.95).
struct Profile<'a> {
    obj: &'a RemObjective,
    x: &'a [f64],
    fmin: f64,
    qcrit: f64,
    h: &'a Mat,
    lower: &'a [f64],
}

impl Profile<'_> {
    /// The lower or upper likelihood-based bound of parameter `k`: the Lagrange solution of
    /// [`profile_bound`]; where it crosses a bound of the τ², the profile with the bounds
    /// respected ([`profile_parameter`], stepping out by `se`).
    fn bound(&self, k: usize, se: Option<f64>, upper: bool) -> Option<f64> {
        let g = |x: &[f64]| x[k];
        let gg = |x: &[f64]| {
            let mut v = vec![0.0; x.len()];
            v[k] = 1.0;
            v
        };
        let b = profile_bound(
            self.obj, self.x, self.fmin, self.qcrit, &g, &gg, self.h, upper,
        );
        // the Lagrange solution ignores the bounds of the τ²: when it crosses one,
        // profile with the bounds respected
        let inside = b.x.iter().zip(self.lower).all(|(v, l)| v >= l);
        if b.converged && inside {
            Some(b.value)
        } else {
            let se = se.unwrap_or(f64::NAN);
            let (obj, x, lower) = (self.obj, self.x, self.lower);
            profile_parameter(obj, x, self.fmin, self.qcrit, k, lower, se, upper)
        }
    }
}

/// Likelihood-based intervals of the pooled correlations and (diagonal T) of the τ² and I².
fn likelihood_intervals(
    prof: &Profile,
    pooled: &mut Estimates,
    tau2: &mut Estimates,
    i2: &mut Estimates,
    i2_of: &dyn Fn(f64, usize) -> f64,
) {
    let q = prof.obj.q;
    for i in 0..q {
        for upper in [false, true] {
            let val = prof.bound(i, pooled.se[i], upper);
            if upper {
                pooled.lb_ubound[i] = val;
            } else {
                pooled.lb_lbound[i] = val;
            }
        }
    }
    if prof.obj.tau == TauType::Diag {
        for j in 0..q {
            for upper in [false, true] {
                let val = prof.bound(q + j, tau2.se[j], upper);
                if upper {
                    tau2.lb_ubound[j] = val;
                    i2.lb_ubound[j] = val.map(|t| i2_of(t, j));
                } else {
                    tau2.lb_lbound[j] = val;
                    i2.lb_lbound[j] = val.map(|t| i2_of(t, j));
                }
            }
        }
    }
}

/// The random-effects stage 1 (metaSEM's `tssem1(method = "REM")`).
pub fn random_effects(set: &StudySet, opts: RemOptions) -> Result<RandomEffects, MetaError> {
    set.validate()?;
    let q = n_pairs(set.p());
    let labels = set.pair_labels();
    check_coverage(set, &labels)?;
    let (studies, _acov, rbar) = rem_studies(set);
    let n_obs: usize = studies.iter().map(|s| s.obs.len()).sum();
    let obj = RemObjective {
        q,
        tau: opts.tau,
        studies,
        n_obs,
    };
    let (x0, lower) = start_values(&obj, set);
    let m = minimize(&obj, &x0, &lower, 500);
    let mut warnings = Vec::new();
    if !m.converged {
        warnings.push(format!(
            "stage 1 (random effects) did not converge (largest gradient {:.2e})",
            m.max_abs_gradient
        ));
    }
    let x = m.x.clone();
    let h = hessian(&obj, &x);
    let (vcov, pseudo) = match spd_inverse(&h) {
        Some((inv, _)) => (inv.scale(2.0), false),
        None => {
            warnings.push(
                "the Hessian of stage 1 is not positive definite (a τ² at its bound?); standard errors use its pseudo-inverse, as metaSEM".to_string(),
            );
            (symmetric_pinv(&h).scale(2.0), true)
        }
    };
    let rho: Vec<f64> = x[..q].to_vec();
    let se = (0..q).map(|i| se_of(&vcov, i)).collect();
    let mut pooled = Estimates::new(labels.clone(), rho.clone(), se);
    let tm = obj.tau_matrix(&x);
    let tau_diag = tm.diag();
    let (tau_labels, tau_est, tau_se) = tau_estimates(&obj, &x, &vcov, &labels);
    let mut tau2 = Estimates::new(tau_labels, tau_est, tau_se);
    let at_bound: Vec<bool> = tau_diag.iter().map(|&t| t <= TAU2_LOWER * 1.0001).collect();
    // I² (I2q): tau² / (tau² + typical within variance), over all k studies
    let typical = typical_within_variance(&obj, set.studies.len() as f64);
    let i2_of = |t: f64, j: usize| (t / (t + typical[j])).clamp(0.0, 1.0);
    let mut i2 = Estimates::new(
        labels.clone(),
        (0..q).map(|j| i2_of(tau_diag[j], j)).collect(),
        vec![None; q],
    );
    if opts.lb_ci {
        let prof = Profile {
            obj: &obj,
            x: &x,
            fmin: m.value,
            qcrit: qchisq(0.95, 1.0),
            h: &h,
            lower: &lower,
        };
        likelihood_intervals(&prof, &mut pooled, &mut tau2, &mut i2, &i2_of);
    }
    let qtest = q_statistic(&obj.studies, q)
        .ok_or_else(|| MetaError::new("the Q statistic could not be computed"))?;
    let n_par = obj.dim();
    let all: Vec<usize> = (0..q).collect();
    Ok(RandomEffects {
        variables: set.variables.clone(),
        tau_type: opts.tau,
        pooled_r: {
            pooled.labels = labels;
            pooled
        },
        pooled_r_matrix: correlation_matrix(set.p(), &rho),
        pooled_r_acov: vcov.select(&all, &all).to_rows(),
        tau2,
        tau2_matrix: tm.to_rows(),
        tau2_at_lower_bound: at_bound,
        i2,
        typical_within_variance: typical,
        q: qtest,
        minus2ll: m.value,
        n_studies: set.studies.len(),
        n_observed_statistics: n_obs,
        n_parameters: n_par,
        df: n_obs.saturating_sub(n_par),
        total_n: set.total_n(),
        vcov_all: vcov.to_rows(),
        vcov_pseudo_inverse: pseudo,
        rbar_weighted: rbar,
        converged: m.converged,
        iterations: m.iterations,
        warnings,
    })
}
