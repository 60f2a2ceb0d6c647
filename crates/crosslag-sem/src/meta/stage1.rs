//! Stage 1 of two-stage SEM (TSSEM): pooling the study correlation matrices.
//!
//! * Random effects ([`random_effects`]): r_i ~ N(ρ, T + V_i) over the correlations study i
//!   reports, by maximum likelihood (not REML); V_i = Acov(r̄)/n_i, the Olkin–Siotani
//!   covariance at metaSEM's weighted mean matrix r̄; T diagonal (one τ² per correlation,
//!   τ² ≥ 1e-10) or a full symmetric matrix (T = LLᵀ). Q statistic and I² as metaSEM.
//! * Fixed effects ([`fixed_effects`]): multi-group ML with Σ_i = D_i P D_i, a common
//!   correlation matrix P and free standard deviations per study, on each study's present
//!   variables; χ² of homogeneity against the saturated model and metaSEM's fit indices.
//!
//! Standard errors are 2 H⁻¹ with H the Hessian of −2LL over all parameters (central
//! differences of the analytic gradient); the acov of the pooled correlations is the
//! intercept block of that inverse.

use super::data::{n_pairs, vechs_pairs, StudySet};
use super::mat::{cholesky, spd_inverse, symmetric_pinv, Mat};
use super::optim::{hessian, minimize, profile_bound, profile_parameter, Objective};
use super::MetaError;
use crate::stats::{pchisq_nc, pchisq_upper, pnorm, qchisq};
use serde::Serialize;

/// Lower bound of the τ² (metaSEM's `RE.lbound`).
pub const TAU2_LOWER: f64 = 1e-10;

/// Olkin–Siotani large-sample covariance (times n) of the correlations of `r` (vechs order).
pub fn acov_correlations(r: &[Vec<f64>]) -> Mat {
    let p = r.len();
    let pairs = vechs_pairs(p);
    let q = pairs.len();
    let mut m = Mat::zeros(q, q);
    for (a, &(t, s)) in pairs.iter().enumerate() {
        for (b, &(v, u)) in pairs.iter().enumerate() {
            let x = |i: usize, j: usize| r[i][j];
            let val = 0.5
                * x(s, t)
                * x(u, v)
                * (x(s, u).powi(2) + x(s, v).powi(2) + x(t, u).powi(2) + x(t, v).powi(2))
                + x(s, u) * x(t, v)
                + x(s, v) * x(t, u)
                - (x(s, t) * x(s, u) * x(s, v)
                    + x(t, s) * x(t, u) * x(t, v)
                    + x(u, s) * x(u, t) * x(u, v)
                    + x(v, s) * x(v, t) * x(v, u));
            m[(a, b)] = val;
        }
    }
    m.symmetrize();
    m
}

/// Heterogeneity structure of the random effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TauType {
    Diag,
    Full,
}

/// Per-study data of the random-effects model.
#[derive(Debug, Clone)]
pub struct RemStudy {
    pub obs: Vec<usize>,
    pub y: Vec<f64>,
    /// V_i (full q × q).
    pub v: Mat,
}

/// The −2 log-likelihood of the random-effects model.
pub struct RemObjective {
    pub q: usize,
    pub tau: TauType,
    pub studies: Vec<RemStudy>,
    /// Extra constraint: intercepts given by a function (for OSMASEM-like use); unused here.
    pub n_obs: usize,
}

impl RemObjective {
    pub fn n_tau(&self) -> usize {
        match self.tau {
            TauType::Diag => self.q,
            TauType::Full => self.q * (self.q + 1) / 2,
        }
    }

    /// T from the parameters (diag: τ²; full: lower Cholesky factor, row-major lower).
    pub fn tau_matrix(&self, x: &[f64]) -> Mat {
        let q = self.q;
        let t = &x[q..];
        match self.tau {
            TauType::Diag => {
                let mut m = Mat::zeros(q, q);
                for j in 0..q {
                    m[(j, j)] = t[j];
                }
                m
            }
            TauType::Full => {
                let l = chol_from(t, q);
                l.matmul(&l.transpose())
            }
        }
    }

    fn study_terms(&self, x: &[f64], tm: &Mat, s: &RemStudy) -> Option<(f64, Vec<f64>, Mat)> {
        let k = s.obs.len();
        let mut sig = Mat::zeros(k, k);
        for a in 0..k {
            for b in 0..k {
                sig[(a, b)] = tm[(s.obs[a], s.obs[b])] + s.v[(s.obs[a], s.obs[b])];
            }
        }
        let (inv, logdet) = spd_inverse(&sig)?;
        let e: Vec<f64> = (0..k).map(|a| s.y[a] - x[s.obs[a]]).collect();
        let se = inv.matvec(&e);
        let quad: f64 = e.iter().zip(&se).map(|(a, b)| a * b).sum();
        let f = logdet + quad + k as f64 * (2.0 * std::f64::consts::PI).ln();
        // dF/dSigma = inv - se se'
        let mut g = inv;
        for a in 0..k {
            for b in 0..k {
                g[(a, b)] -= se[a] * se[b];
            }
        }
        Some((f, se, g))
    }
}

fn chol_from(t: &[f64], q: usize) -> Mat {
    let mut l = Mat::zeros(q, q);
    let mut k = 0;
    for i in 0..q {
        for j in 0..=i {
            l[(i, j)] = t[k];
            k += 1;
        }
    }
    l
}

impl Objective for RemObjective {
    fn dim(&self) -> usize {
        self.q + self.n_tau()
    }

    fn value(&self, x: &[f64]) -> f64 {
        let tm = self.tau_matrix(x);
        let mut f = 0.0;
        for s in &self.studies {
            match self.study_terms(x, &tm, s) {
                Some((v, _, _)) => f += v,
                None => return f64::INFINITY,
            }
        }
        f
    }

    fn gradient(&self, x: &[f64]) -> Vec<f64> {
        let q = self.q;
        let tm = self.tau_matrix(x);
        let mut grad = vec![0.0; self.dim()];
        let mut gt = Mat::zeros(q, q);
        for s in &self.studies {
            let Some((_, se, g)) = self.study_terms(x, &tm, s) else {
                return vec![f64::NAN; self.dim()];
            };
            for (a, &oa) in s.obs.iter().enumerate() {
                grad[oa] -= 2.0 * se[a];
                for (b, &ob) in s.obs.iter().enumerate() {
                    gt[(oa, ob)] += g[(a, b)];
                }
            }
        }
        match self.tau {
            TauType::Diag => {
                for j in 0..q {
                    grad[q + j] = gt[(j, j)];
                }
            }
            TauType::Full => {
                let l = chol_from(&x[q..], q);
                let d = gt.matmul(&l).scale(2.0);
                let mut k = 0;
                for i in 0..q {
                    for j in 0..=i {
                        grad[q + k] = d[(i, j)];
                        k += 1;
                    }
                }
            }
        }
        grad
    }
}

/// A vector of estimates with their inference (Wald and likelihood-based).
#[derive(Debug, Clone, Serialize)]
pub struct Estimates {
    pub labels: Vec<String>,
    pub estimate: Vec<f64>,
    pub se: Vec<Option<f64>>,
    pub z: Vec<Option<f64>>,
    pub p: Vec<Option<f64>>,
    pub wald_lbound: Vec<Option<f64>>,
    pub wald_ubound: Vec<Option<f64>>,
    /// Likelihood-based bounds (None when not computed or not found).
    pub lb_lbound: Vec<Option<f64>>,
    pub lb_ubound: Vec<Option<f64>>,
}

impl Estimates {
    pub fn new(labels: Vec<String>, estimate: Vec<f64>, se: Vec<Option<f64>>) -> Estimates {
        let zc = 1.959963984540054;
        let n = estimate.len();
        let z: Vec<Option<f64>> = (0..n).map(|i| se[i].map(|s| estimate[i] / s)).collect();
        Estimates {
            labels,
            p: z.iter()
                .map(|z| z.map(|z| 2.0 * (1.0 - pnorm(z.abs()))))
                .collect(),
            wald_lbound: (0..n)
                .map(|i| se[i].map(|s| estimate[i] - zc * s))
                .collect(),
            wald_ubound: (0..n)
                .map(|i| se[i].map(|s| estimate[i] + zc * s))
                .collect(),
            z,
            estimate,
            se,
            lb_lbound: vec![None; n],
            lb_ubound: vec![None; n],
        }
    }
}

/// Q statistic of homogeneity.
#[derive(Debug, Clone, Serialize)]
pub struct QTest {
    pub q: f64,
    pub df: usize,
    pub p: f64,
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

/// Builds the per-study data of the random-effects model (also used by OSMASEM).
pub fn rem_studies(set: &StudySet) -> (Vec<RemStudy>, Mat, Vec<Vec<f64>>) {
    let rbar = set.rbar_weighted();
    let acov = acov_correlations(&rbar);
    let studies = (0..set.studies.len())
        .map(|s| {
            let es = set.effect_sizes(s);
            let obs: Vec<usize> = (0..es.len()).filter(|&k| es[k].is_some()).collect();
            RemStudy {
                y: obs.iter().map(|&k| es[k].unwrap_or(0.0)).collect(),
                obs,
                v: acov.scale(1.0 / set.studies[s].n),
            }
        })
        .collect();
    (studies, acov, rbar)
}

/// Q = Σ yᵢ'Wᵢyᵢ − (Σ Xᵢ'Wᵢyᵢ)'(Σ Xᵢ'WᵢXᵢ)⁻¹(Σ Xᵢ'Wᵢyᵢ), Wᵢ = Vᵢ⁻¹ on the observed elements.
pub fn q_statistic(studies: &[RemStudy], q: usize) -> Option<QTest> {
    let mut yy = 0.0;
    let mut xwy = vec![0.0; q];
    let mut xwx = Mat::zeros(q, q);
    let mut n_obs = 0;
    for s in studies {
        if s.obs.is_empty() {
            continue;
        }
        n_obs += s.obs.len();
        let w = spd_inverse(&s.v.select(&s.obs, &s.obs))?.0;
        let wy = w.matvec(&s.y);
        yy += s.y.iter().zip(&wy).map(|(a, b)| a * b).sum::<f64>();
        for (a, &oa) in s.obs.iter().enumerate() {
            xwy[oa] += wy[a];
            for (b, &ob) in s.obs.iter().enumerate() {
                xwx[(oa, ob)] += w[(a, b)];
            }
        }
    }
    let l = cholesky(&xwx)?;
    let sol = super::mat::chol_solve(&l, &xwy);
    let qv = yy - xwy.iter().zip(&sol).map(|(a, b)| a * b).sum::<f64>();
    let df = n_obs.saturating_sub(q);
    Some(QTest {
        q: qv,
        df,
        p: pchisq_upper(qv, df as f64),
    })
}

/// Options of the random-effects stage 1.
#[derive(Debug, Clone, Copy)]
pub struct RemOptions {
    pub tau: TauType,
    /// Compute likelihood-based CIs of the pooled correlations and τ² (and I²).
    pub lb_ci: bool,
}

/// The random-effects stage 1 (metaSEM's `tssem1(method = "REM")`).
pub fn random_effects(set: &StudySet, opts: RemOptions) -> Result<RandomEffects, MetaError> {
    set.validate()?;
    let q = n_pairs(set.p());
    let labels = set.pair_labels();
    let counts = set.counts();
    for (k, (c, _)) in counts.iter().enumerate() {
        if *c == 0 {
            return Err(MetaError::new(format!(
                "no study reports the correlation {} (drop a variable or add studies)",
                labels[k]
            )));
        }
    }
    let (studies, _acov, rbar) = rem_studies(set);
    let n_obs: usize = studies.iter().map(|s| s.obs.len()).sum();
    let obj = RemObjective {
        q,
        tau: opts.tau,
        studies,
        n_obs,
    };
    let mut x0 = vec![0.0; obj.dim()];
    let mut lower = vec![f64::NEG_INFINITY; obj.dim()];
    match opts.tau {
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
    let se_of = |i: usize| {
        let v = vcov[(i, i)];
        if v > 0.0 {
            Some(v.sqrt())
        } else {
            None
        }
    };
    let rho: Vec<f64> = x[..q].to_vec();
    let mut pooled = Estimates::new(labels.clone(), rho.clone(), (0..q).map(se_of).collect());
    let tm = obj.tau_matrix(&x);
    let tau_diag = tm.diag();
    let (tau_labels, tau_est, tau_se): (Vec<String>, Vec<f64>, Vec<Option<f64>>) = match opts.tau {
        TauType::Diag => (
            labels.clone(),
            tau_diag.clone(),
            (0..q).map(|j| se_of(q + j)).collect(),
        ),
        TauType::Full => {
            // delta method from the Cholesky parameters to the elements of T
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
                    let gr = super::optim::numeric_gradient(&f, &x[q..]);
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
    };
    let mut tau2 = Estimates::new(tau_labels, tau_est, tau_se);
    let at_bound: Vec<bool> = tau_diag.iter().map(|&t| t <= TAU2_LOWER * 1.0001).collect();
    // I² (I2q): tau² / (tau² + typical within variance), over all k studies
    let k = set.studies.len() as f64;
    let typical: Vec<f64> = (0..q)
        .map(|j| {
            let w: Vec<f64> = obj.studies.iter().map(|s| 1.0 / s.v[(j, j)]).collect();
            let sw: f64 = w.iter().sum();
            let sw2: f64 = w.iter().map(|v| v * v).sum();
            (k - 1.0) * sw / (sw * sw - sw2)
        })
        .collect();
    let i2_of = |t: f64, j: usize| (t / (t + typical[j])).clamp(0.0, 1.0);
    let mut i2 = Estimates::new(
        labels.clone(),
        (0..q).map(|j| i2_of(tau_diag[j], j)).collect(),
        vec![None; q],
    );
    if opts.lb_ci {
        let qcrit = qchisq(0.95, 1.0);
        let fmin = m.value;
        for i in 0..q {
            for upper in [false, true] {
                let g = |x: &[f64]| x[i];
                let gg = |x: &[f64]| {
                    let mut v = vec![0.0; x.len()];
                    v[i] = 1.0;
                    v
                };
                let b = profile_bound(&obj, &x, fmin, qcrit, &g, &gg, &h, upper);
                // the Lagrange solution ignores the bounds of the τ²: when it crosses one,
                // profile with the bounds respected
                let inside = b.x.iter().zip(&lower).all(|(v, l)| v >= l);
                let val = if b.converged && inside {
                    Some(b.value)
                } else {
                    let se = pooled.se[i].unwrap_or(f64::NAN);
                    profile_parameter(&obj, &x, fmin, qcrit, i, &lower, se, upper)
                };
                if upper {
                    pooled.lb_ubound[i] = val;
                } else {
                    pooled.lb_lbound[i] = val;
                }
            }
        }
        if opts.tau == TauType::Diag {
            for j in 0..q {
                for upper in [false, true] {
                    let g = |x: &[f64]| x[q + j];
                    let gg = |x: &[f64]| {
                        let mut v = vec![0.0; x.len()];
                        v[q + j] = 1.0;
                        v
                    };
                    let b = profile_bound(&obj, &x, fmin, qcrit, &g, &gg, &h, upper);
                    let inside = b.x.iter().zip(&lower).all(|(v, l)| v >= l);
                    let val = if b.converged && inside {
                        Some(b.value)
                    } else {
                        let se = tau2.se[j].unwrap_or(f64::NAN);
                        profile_parameter(&obj, &x, fmin, qcrit, q + j, &lower, se, upper)
                    };
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
    let qtest = q_statistic(&obj.studies, q)
        .ok_or_else(|| MetaError::new("the Q statistic could not be computed"))?;
    let p = set.p();
    let mut pm = vec![vec![1.0; p]; p];
    for (k, &(i, j)) in vechs_pairs(p).iter().enumerate() {
        pm[i][j] = rho[k];
        pm[j][i] = rho[k];
    }
    let n_par = obj.dim();
    Ok(RandomEffects {
        variables: set.variables.clone(),
        tau_type: opts.tau,
        pooled_r: {
            pooled.labels = labels;
            pooled
        },
        pooled_r_matrix: pm,
        pooled_r_acov: vcov
            .select(&(0..q).collect::<Vec<_>>(), &(0..q).collect::<Vec<_>>())
            .to_rows(),
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

// ---------------------------------------------------------------------------------------
// Fixed effects

struct FemStudy {
    vars: Vec<usize>,
    r: Mat,
    n: f64,
    /// offset of this study's SDs in the parameter vector
    offset: usize,
}

struct FemObjective {
    p: usize,
    q: usize,
    studies: Vec<FemStudy>,
    dim: usize,
}

impl FemObjective {
    fn pmat(&self, x: &[f64]) -> Mat {
        let mut m = Mat::identity(self.p);
        for (k, &(i, j)) in vechs_pairs(self.p).iter().enumerate() {
            m[(i, j)] = x[k];
            m[(j, i)] = x[k];
        }
        m
    }

    fn terms(&self, x: &[f64], pm: &Mat, s: &FemStudy) -> Option<(f64, Mat, Vec<f64>)> {
        let k = s.vars.len();
        let d: Vec<f64> = (0..k).map(|a| x[s.offset + a]).collect();
        let mut sig = Mat::zeros(k, k);
        for a in 0..k {
            for b in 0..k {
                sig[(a, b)] = d[a] * pm[(s.vars[a], s.vars[b])] * d[b];
            }
        }
        let (inv, logdet) = spd_inverse(&sig)?;
        let ri = s.r.matmul(&inv);
        let tr: f64 = (0..k).map(|a| ri[(a, a)]).sum();
        let f = s.n * logdet + (s.n - 1.0) * tr;
        // G = n Σ⁻¹ − (n−1) Σ⁻¹ R Σ⁻¹
        let sri = inv.matmul(&s.r).matmul(&inv);
        let g = inv.scale(s.n).add(&sri.scale(-(s.n - 1.0)));
        Some((f, g, d))
    }
}

impl Objective for FemObjective {
    fn dim(&self) -> usize {
        self.dim
    }

    fn value(&self, x: &[f64]) -> f64 {
        let pm = self.pmat(x);
        let mut f = 0.0;
        for s in &self.studies {
            match self.terms(x, &pm, s) {
                Some((v, _, _)) => f += v,
                None => return f64::INFINITY,
            }
        }
        f
    }

    fn gradient(&self, x: &[f64]) -> Vec<f64> {
        let pm = self.pmat(x);
        let mut grad = vec![0.0; self.dim];
        let idx = {
            let mut m = vec![vec![usize::MAX; self.p]; self.p];
            for (k, &(i, j)) in vechs_pairs(self.p).iter().enumerate() {
                m[i][j] = k;
                m[j][i] = k;
            }
            m
        };
        for s in &self.studies {
            let Some((_, g, d)) = self.terms(x, &pm, s) else {
                return vec![f64::NAN; self.dim];
            };
            let k = s.vars.len();
            for a in 0..k {
                for b in 0..k {
                    if a != b {
                        // dF/dP_ab through both symmetric entries
                        grad[idx[s.vars[a]][s.vars[b]]] += g[(a, b)] * d[a] * d[b];
                    }
                }
                // dF/dd_a = 2 (P D G)_aa
                let mut v = 0.0;
                for b in 0..k {
                    v += pm[(s.vars[a], s.vars[b])] * d[b] * g[(b, a)];
                }
                grad[s.offset + a] = 2.0 * v;
            }
        }
        let _ = self.q;
        grad
    }
}

/// Fit of the fixed-effects stage 1 (metaSEM's summary of `tssem1FEM`).
#[derive(Debug, Clone, Serialize)]
pub struct FemFit {
    pub sample_size: f64,
    pub chisq: f64,
    pub df: usize,
    pub p: f64,
    pub chisq_independence: f64,
    pub df_independence: usize,
    pub rmsea: f64,
    pub rmsea_lower: f64,
    pub rmsea_upper: f64,
    pub srmr: f64,
    pub tli: f64,
    pub cfi: f64,
    pub aic: f64,
    pub bic: f64,
}

/// The fixed-effects stage 1.
#[derive(Debug, Clone, Serialize)]
pub struct FixedEffects {
    pub variables: Vec<String>,
    pub pooled_r: Estimates,
    pub pooled_r_matrix: Vec<Vec<f64>>,
    pub pooled_r_acov: Vec<Vec<f64>>,
    pub fit: FemFit,
    pub minus2ll_model: f64,
    pub minus2ll_saturated: f64,
    pub minus2ll_independence: f64,
    pub n_groups: usize,
    pub total_n: f64,
    pub converged: bool,
    pub warnings: Vec<String>,
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

/// The fixed-effects stage 1 (metaSEM's `tssem1(method = "FEM")`).
pub fn fixed_effects(set: &StudySet) -> Result<FixedEffects, MetaError> {
    set.validate()?;
    let p = set.p();
    let q = n_pairs(p);
    let labels = set.pair_labels();
    let mut studies = Vec::new();
    let mut offset = q;
    for st in &set.studies {
        let vars: Vec<usize> = (0..p).filter(|&j| st.present[j]).collect();
        let k = vars.len();
        let mut r = Mat::identity(k);
        for a in 0..k {
            for b in 0..k {
                if a != b {
                    r[(a, b)] = st.raw[vars[a]][vars[b]].ok_or_else(|| {
                        MetaError::new(format!(
                            "study {}: the correlation {}–{} is missing while both variables are present; the fixed-effects model needs complete matrices of the present variables",
                            st.id, set.variables[vars[a]], set.variables[vars[b]]
                        ))
                    })?;
                }
            }
        }
        studies.push(FemStudy {
            vars,
            r,
            n: st.n,
            offset,
        });
        offset += k;
    }
    for (k, (c, _)) in set.counts().iter().enumerate() {
        if *c == 0 {
            return Err(MetaError::new(format!(
                "no study reports the correlation {}",
                labels[k]
            )));
        }
    }
    let obj = FemObjective {
        p,
        q,
        studies,
        dim: offset,
    };
    let mut x0 = vec![1.0; obj.dim];
    let rbar = set.rbar_weighted();
    for (k, &(i, j)) in vechs_pairs(p).iter().enumerate() {
        x0[k] = rbar[i][j];
    }
    let mut lower = vec![f64::NEG_INFINITY; obj.dim];
    for l in lower.iter_mut().skip(q) {
        *l = 1e-6;
    }
    let m = minimize(&obj, &x0, &lower, 500);
    let mut warnings = Vec::new();
    if !m.converged {
        warnings.push(format!(
            "stage 1 (fixed effects) did not converge (largest gradient {:.2e})",
            m.max_abs_gradient
        ));
    }
    let h = hessian(&obj, &m.x);
    let vcov = match spd_inverse(&h) {
        Some((inv, _)) => inv.scale(2.0),
        None => {
            warnings.push("the Hessian of stage 1 is not positive definite; standard errors use its pseudo-inverse".to_string());
            symmetric_pinv(&h).scale(2.0)
        }
    };
    let idx: Vec<usize> = (0..q).collect();
    let acov = vcov.select(&idx, &idx);
    let se = (0..q)
        .map(|i| (acov[(i, i)] > 0.0).then(|| acov[(i, i)].sqrt()))
        .collect();
    let rho = m.x[..q].to_vec();
    let pooled = Estimates::new(labels, rho.clone(), se);
    // saturated and independence models
    let mut sat = 0.0;
    let mut ind = 0.0;
    let mut n_stats = 0usize;
    let mut srmr_num = 0.0;
    let mut srmr_den = 0.0;
    let pm = obj.pmat(&m.x);
    for s in &obj.studies {
        let k = s.vars.len() as f64;
        let l = cholesky(&s.r)
            .ok_or_else(|| MetaError::new("a study matrix is not positive definite"))?;
        sat += s.n * super::mat::chol_logdet(&l) + (s.n - 1.0) * k;
        // independence model: Σ = I (OpenMx's independence model of correlation data)
        ind += (s.n - 1.0) * k;
        let kk = s.vars.len();
        n_stats += kk * (kk - 1) / 2;
        let mut ss = 0.0;
        let mut cnt = 0.0;
        for a in 0..kk {
            for b in 0..a {
                ss += (s.r[(a, b)] - pm[(s.vars[a], s.vars[b])]).powi(2);
                cnt += 1.0;
            }
        }
        if cnt > 0.0 {
            srmr_num += (s.n - 1.0) * (ss / cnt).sqrt();
        }
        srmr_den += s.n - 1.0;
    }
    let chisq = m.value - sat;
    let df = n_stats - q;
    let chisq_b = ind - sat;
    let df_b = n_stats;
    let n_total = set.total_n();
    let g = set.studies.len() as f64;
    let dff = df as f64;
    let rmsea = if df > 0 {
        g.sqrt() * (((chisq - dff) / (n_total - 1.0)).max(0.0) / dff).sqrt()
    } else {
        0.0
    };
    let (rl, ru) = rmsea_ci(chisq, dff, n_total, g);
    let cfi = {
        let num = (chisq - dff).max(0.0);
        let den = (chisq - dff).max(chisq_b - df_b as f64).max(0.0);
        if den > 0.0 {
            1.0 - num / den
        } else {
            1.0
        }
    };
    let tli = (chisq_b / df_b as f64 - chisq / dff) / (chisq_b / df_b as f64 - 1.0);
    let mut pmr = vec![vec![1.0; p]; p];
    for (k, &(i, j)) in vechs_pairs(p).iter().enumerate() {
        pmr[i][j] = rho[k];
        pmr[j][i] = rho[k];
    }
    Ok(FixedEffects {
        variables: set.variables.clone(),
        pooled_r: pooled,
        pooled_r_matrix: pmr,
        pooled_r_acov: acov.to_rows(),
        fit: FemFit {
            sample_size: n_total,
            chisq,
            df,
            p: pchisq_upper(chisq, dff),
            chisq_independence: chisq_b,
            df_independence: df_b,
            rmsea,
            rmsea_lower: rl,
            rmsea_upper: ru,
            srmr: srmr_num / srmr_den,
            tli,
            cfi,
            aic: chisq - 2.0 * dff,
            bic: chisq - n_total.ln() * dff,
        },
        minus2ll_model: m.value,
        minus2ll_saturated: sat,
        minus2ll_independence: ind,
        n_groups: set.studies.len(),
        total_n: n_total,
        converged: m.converged,
        warnings,
    })
}
