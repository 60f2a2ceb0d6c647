//! The fixed-effects stage 1 (metaSEM's `tssem1(method = "FEM")`): multi-group ML with
//! Σ_i = D_i P D_i, a common correlation matrix P and free standard deviations per study, on
//! each study's present variables; χ² of homogeneity against the saturated model and
//! metaSEM's fit indices.

use super::estimates::{correlation_matrix, Estimates};
use crate::meta::data::{n_pairs, vechs_pairs, StudySet};
use crate::meta::fit_indices::{cfi, rmsea, rmsea_ci, tli};
use crate::meta::mat::{chol_logdet, cholesky, spd_inverse, symmetric_pinv, Mat};
use crate::meta::optim::{hessian, minimize, Objective};
use crate::meta::MetaError;
use crate::stats::pchisq_upper;
use serde::Serialize;

/// One study of the fixed-effects model: its present variables, their correlation matrix R_i
/// and n_i.
struct FemStudy {
    vars: Vec<usize>,
    r: Mat,
    n: f64,
    /// offset of this study's SDs in the parameter vector
    offset: usize,
}

/// −2 log-likelihood (up to a constant) of Σ_i = D_i P D_i over the studies:
/// `Σ_i n_i log|Σ_i| + (n_i − 1) tr(R_i Σ_i⁻¹)`; parameters: the correlations of P (vechs),
/// then the standard deviations D_i of each study.
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

/// The studies of the model (parameters: q correlations, then each study's SDs); every
/// correlation among a study's present variables must be given.
fn fem_studies(set: &StudySet, q: usize) -> Result<(Vec<FemStudy>, usize), MetaError> {
    let p = set.p();
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
    Ok((studies, offset))
}

/// −2LL of the saturated model (Σ_i = R_i) and of the independence model (Σ_i = I, OpenMx's
/// independence model of correlation data), the number of observed correlations, and the
/// SRMR: the (n_i − 1)-weighted mean over studies of the root mean squared residual
/// correlation.
struct Baselines {
    saturated: f64,
    independence: f64,
    n_stats: usize,
    srmr: f64,
}

fn baselines(obj: &FemObjective, pm: &Mat) -> Result<Baselines, MetaError> {
    let mut sat = 0.0;
    let mut ind = 0.0;
    let mut n_stats = 0usize;
    let mut srmr_num = 0.0;
    let mut srmr_den = 0.0;
    for s in &obj.studies {
        let k = s.vars.len() as f64;
        let l = cholesky(&s.r)
            .ok_or_else(|| MetaError::new("a study matrix is not positive definite"))?;
        sat += s.n * chol_logdet(&l) + (s.n - 1.0) * k;
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
    Ok(Baselines {
        saturated: sat,
        independence: ind,
        n_stats,
        srmr: srmr_num / srmr_den,
    })
}

/// metaSEM's fit summary from −2LL of the model and the baselines (χ² = −2LL − −2LL_sat on
/// Σ k_i(k_i − 1)/2 − q df; the independence model has every correlation 0).
fn fem_fit(minus2ll: f64, b: &Baselines, q: usize, n_total: f64, groups: f64) -> FemFit {
    let chisq = minus2ll - b.saturated;
    let df = b.n_stats - q;
    let chisq_b = b.independence - b.saturated;
    let df_b = b.n_stats;
    let dff = df as f64;
    let (rl, ru) = rmsea_ci(chisq, dff, n_total, groups);
    FemFit {
        sample_size: n_total,
        chisq,
        df,
        p: pchisq_upper(chisq, dff),
        chisq_independence: chisq_b,
        df_independence: df_b,
        rmsea: rmsea(chisq, dff, n_total, groups),
        rmsea_lower: rl,
        rmsea_upper: ru,
        srmr: b.srmr,
        tli: tli(chisq, dff, chisq_b, df_b as f64),
        cfi: cfi(chisq, dff, chisq_b, df_b as f64),
        aic: chisq - 2.0 * dff,
        bic: chisq - n_total.ln() * dff,
    }
}

/// The fixed-effects stage 1 (metaSEM's `tssem1(method = "FEM")`).
pub fn fixed_effects(set: &StudySet) -> Result<FixedEffects, MetaError> {
    set.validate()?;
    let p = set.p();
    let q = n_pairs(p);
    let labels = set.pair_labels();
    let (studies, dim) = fem_studies(set, q)?;
    for (k, (c, _)) in set.counts().iter().enumerate() {
        if *c == 0 {
            return Err(MetaError::new(format!(
                "no study reports the correlation {}",
                labels[k]
            )));
        }
    }
    let obj = FemObjective { p, q, studies, dim };
    // start: P at metaSEM's weighted mean matrix, every SD 1 (bounded below by 1e-6)
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
    let b = baselines(&obj, &obj.pmat(&m.x))?;
    let n_total = set.total_n();
    let fit = fem_fit(m.value, &b, q, n_total, set.studies.len() as f64);
    Ok(FixedEffects {
        variables: set.variables.clone(),
        pooled_r: pooled,
        pooled_r_matrix: correlation_matrix(p, &rho),
        pooled_r_acov: acov.to_rows(),
        fit,
        minus2ll_model: m.value,
        minus2ll_saturated: b.saturated,
        minus2ll_independence: b.independence,
        n_groups: set.studies.len(),
        total_n: n_total,
        converged: m.converged,
        warnings,
    })
}
