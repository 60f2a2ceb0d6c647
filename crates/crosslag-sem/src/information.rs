//! Information matrices of the ML objective with respect to θ (every free copy).
//!
//! Expected (Fisher) information per observation, lavaan's `information = "expected"` with
//! `h1.information = "structured"`:
//! ```text
//!   I_kl = Σ_g (N_g/N) [ ½ tr(Σ⁻¹ ∂_kΣ Σ⁻¹ ∂_lΣ) + ∂_kμᵀ Σ⁻¹ ∂_lμ ]
//! ```
//! Observed information: the analytic Hessian of `fx = ½ Σ_g (N_g/N) F_g`, with
//! `P_k = Σ⁻¹∂_kΣ`, `h = Σ⁻¹(ȳ − μ)`, `Ω = Σ⁻¹ − Σ⁻¹WΣ⁻¹`:
//! ```text
//!   ∂²F = tr(Ω ∂²Σ) − tr(P_l P_k) + 2 tr(P_l Σ⁻¹W P_k)
//!         + 2 (∂_kΣ h)ᵀΣ⁻¹∂_lμ + 2 (∂_lΣ h)ᵀΣ⁻¹∂_kμ − 2 (∂²μ)ᵀh + 2 ∂_kμᵀΣ⁻¹∂_lμ
//! ```
//! (lavaan approximates this Hessian numerically, `lav_model_hessian`; here it is exact.)

use crate::derivatives::{self, SecondCache};
use crate::objective::Workspace;
use crate::ram::RamModel;
use ndarray::{Array1, Array2};

struct FirstDerivs {
    idx: Vec<usize>,
    /// P_k = Σ⁻¹ ∂_kΣ
    p: Vec<Array2<f64>>,
    /// ∂_kΣ
    ds: Vec<Array2<f64>>,
    /// Σ⁻¹ ∂_kμ
    sdm: Vec<Array1<f64>>,
    dm: Vec<Array1<f64>>,
}

fn first_derivs(model: &RamModel, ws: &Workspace, g: usize) -> FirstDerivs {
    let p = model.nov;
    let imp = &ws.implied[g];
    let sinv = &ws.ml[g].sigma_inv;
    let mut out = FirstDerivs {
        idx: Vec::new(),
        p: Vec::new(),
        ds: Vec::new(),
        sdm: Vec::new(),
        dm: Vec::new(),
    };
    let mut ds = Array2::zeros((p, p));
    let mut dm = Array1::zeros(p);
    for (k, &(gk, slot)) in model.free.iter().enumerate() {
        if gk != g {
            continue;
        }
        derivatives::first(imp, slot, &mut ds, &mut dm);
        out.idx.push(k);
        out.p.push(sinv.dot(&ds));
        out.sdm.push(sinv.dot(&dm));
        out.ds.push(ds.clone());
        out.dm.push(dm.clone());
    }
    out
}

fn trace_product(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let n = a.nrows();
    let mut t = 0.0;
    for i in 0..n {
        for j in 0..n {
            t += a[[i, j]] * b[[j, i]];
        }
    }
    t
}

/// Expected information (per observation) with respect to θ.
pub fn expected(model: &RamModel, ws: &Workspace, weights: &[f64]) -> Array2<f64> {
    let n = model.free.len();
    let mut info = Array2::zeros((n, n));
    let ms = model.meanstructure;
    for g in 0..model.ngroups() {
        let fd = first_derivs(model, ws, g);
        for a in 0..fd.idx.len() {
            for b in 0..=a {
                let mut v = 0.5 * trace_product(&fd.p[a], &fd.p[b]);
                if ms {
                    v += fd.dm[a].dot(&fd.sdm[b]);
                }
                let v = weights[g] * v;
                info[[fd.idx[a], fd.idx[b]]] = v;
                info[[fd.idx[b], fd.idx[a]]] = v;
            }
        }
    }
    info
}

/// Analytic Hessian of fx with respect to θ (observed information per observation).
pub fn hessian(model: &RamModel, ws: &Workspace, weights: &[f64]) -> Array2<f64> {
    let n = model.free.len();
    let mut hess = Array2::zeros((n, n));
    let ms = model.meanstructure;
    for g in 0..model.ngroups() {
        let fd = first_derivs(model, ws, g);
        let ml = &ws.ml[g];
        let imp = &ws.implied[g];
        let sinv = &ml.sigma_inv;
        let h = sinv.dot(&ml.d);
        let cache = SecondCache::new(imp, ml.omega.view(), &h);
        let sinv_w = sinv.dot(&ml.w);
        // R_k = Σ⁻¹ W P_k ; v_k = ∂_kΣ h
        let r: Vec<Array2<f64>> = fd.p.iter().map(|pk| sinv_w.dot(pk)).collect();
        let v: Vec<Array1<f64>> = fd.ds.iter().map(|d| d.dot(&h)).collect();
        for a in 0..fd.idx.len() {
            for b in 0..=a {
                let (ka, kb) = (fd.idx[a], fd.idx[b]);
                let (tr2, mu2) =
                    derivatives::second_trace(imp, &cache, model.free[ka].1, model.free[kb].1);
                let mut val = tr2 - trace_product(&fd.p[b], &fd.p[a]) + 2.0 * trace_product(&fd.p[b], &r[a]);
                if ms {
                    val += 2.0 * v[a].dot(&fd.sdm[b]) + 2.0 * v[b].dot(&fd.sdm[a]) - 2.0 * mu2
                        + 2.0 * fd.dm[a].dot(&fd.sdm[b]);
                }
                let val = 0.5 * weights[g] * val;
                hess[[ka, kb]] = val;
                hess[[kb, ka]] = val;
            }
        }
    }
    hess
}
