//! The random-effects model of stage 1: r_i ~ N(ρ, T + V_i) over the correlations study i
//! reports; its −2 log-likelihood with the analytic gradient, the per-study data and the Q
//! statistic of homogeneity.

use super::acov::acov_correlations;
use super::estimates::QTest;
use crate::meta::data::StudySet;
use crate::meta::mat::{chol_solve, cholesky, spd_inverse, Mat};
use crate::meta::optim::Objective;
use crate::stats::pchisq_upper;
use serde::Serialize;

/// Lower bound of the τ² (metaSEM's `RE.lbound`).
pub const TAU2_LOWER: f64 = 1e-10;

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

pub(super) fn chol_from(t: &[f64], q: usize) -> Mat {
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
    let sol = chol_solve(&l, &xwy);
    let qv = yy - xwy.iter().zip(&sol).map(|(a, b)| a * b).sum::<f64>();
    let df = n_obs.saturating_sub(q);
    Some(QTest {
        q: qv,
        df,
        p: pchisq_upper(qv, df as f64),
    })
}
