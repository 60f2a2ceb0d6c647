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
//!
//! With `missing = "ml"` both are assembled in the saturated parameterisation of
//! [`crate::observe::h1`]: with `Δ_g = ∂σ_g/∂θ`, `H_g` the FIML observed (or expected) information per
//! case with respect to σ at (μ(θ), Σ(θ)), and the aggregated `Ω_g`, `h_g` of
//! [`crate::observe::missing`],
//! ```text
//!   I = Σ_g (N_g/N) [ Δ_gᵀ H_g Δ_g + ½ tr(Ω_g ∂²Σ) − (∂²μ)ᵀ h_g ]
//! ```
//! (the second-derivative part only for the observed information).

use super::workspace::{FimlData, Workspace};
use crate::implied::derivatives::{self, SecondCache};
use crate::implied::Implied;
use crate::observe::h1::{self, Layout};
use crate::specify::ram::RamModel;
use ndarray::{Array1, Array2};

/// First derivatives of (Σ, μ) of group g with respect to its free parameters.
pub(crate) struct FirstDerivs {
    /// θ index of each parameter.
    pub idx: Vec<usize>,
    /// P_k = Σ⁻¹ ∂_kΣ
    pub p: Vec<Array2<f64>>,
    /// ∂_kΣ
    pub ds: Vec<Array2<f64>>,
    /// Σ⁻¹ ∂_kμ
    pub sdm: Vec<Array1<f64>>,
    pub dm: Vec<Array1<f64>>,
}

/// [`FirstDerivs`] of group g; the rows and columns `x_idx` of ∂Σ and the entries `x_idx` of
/// ∂μ are set to zero (the moments of fixed.x covariates, which lavaan leaves out of the
/// information of the score tests).
pub(crate) fn first_derivs(
    model: &RamModel,
    ws: &Workspace,
    g: usize,
    x_idx: &[usize],
) -> FirstDerivs {
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
        for &a in x_idx {
            dm[a] = 0.0;
            for &b in x_idx {
                ds[[a, b]] = 0.0;
            }
        }
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

/// FIML information with respect to θ (see the module documentation); `observed` adds the
/// second-derivative terms. Groups whose Σ_p are not positive definite contribute nothing.
pub(crate) fn fiml_information(
    model: &RamModel,
    ws: &Workspace,
    fd: &FimlData,
    weights: &[f64],
    observed: bool,
) -> Array2<f64> {
    let n = model.free.len();
    let mut info = Array2::zeros((n, n));
    for g in 0..model.ngroups() {
        let imp = &ws.implied[g];
        let gd = &fd.groups[g];
        let lay = h1::Layout::new(model.nov, true);
        let hs = if observed {
            h1::observed_information(gd, imp.mu.view(), imp.sigma.view(), true)
        } else {
            h1::expected_information(gd, imp.mu.view(), imp.sigma.view(), true)
        };
        let Some(hs) = hs else { continue };
        let delta = delta(model, imp, g, &lay);
        let idx: Vec<usize> = (0..n).filter(|&k| model.free[k].0 == g).collect();
        let dsub = Array2::from_shape_fn((lay.q(), idx.len()), |(r, c)| delta[[r, idx[c]]]);
        let part = dsub.t().dot(&hs).dot(&dsub);
        let cache = observed
            .then(|| SecondCache::new(imp, ws.fiml_work[g].omega.view(), &ws.fiml_work[g].h));
        for a in 0..idx.len() {
            for b in 0..=a {
                let mut v = part[[a, b]];
                if let Some(c) = cache.as_ref() {
                    let (tr2, mu2) = derivatives::second_trace(
                        imp,
                        c,
                        model.free[idx[a]].1,
                        model.free[idx[b]].1,
                    );
                    v += 0.5 * tr2 - mu2;
                }
                let v = weights[g] * v;
                info[[idx[a], idx[b]]] = v;
                info[[idx[b], idx[a]]] = v;
            }
        }
    }
    info
}

/// Complete-data expected information with the moments of the fixed.x covariates `x_idx` left
/// out, as lavaan's score tests (`modindices()`) compute it: `I_kl = Σ_g w_g Δ_kᵀ W Δ_l` with
/// the x–x covariances and x means of each `Δ_k = ∂(vech Σ, μ)/∂θ_k` set to zero. With no
/// covariates this is [`expected`].
pub fn expected_without_x(
    model: &RamModel,
    ws: &Workspace,
    weights: &[f64],
    x_idx: &[usize],
) -> Array2<f64> {
    let n = model.free.len();
    let mut info = Array2::zeros((n, n));
    let ms = model.meanstructure;
    for g in 0..model.ngroups() {
        let fd = first_derivs(model, ws, g, x_idx);
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

/// Analytic Hessian of the complete-data ML fx with respect to θ (observed information per
/// observation).
pub(crate) fn ml_hessian(model: &RamModel, ws: &Workspace, weights: &[f64]) -> Array2<f64> {
    let n = model.free.len();
    let mut hess = Array2::zeros((n, n));
    let ms = model.meanstructure;
    for g in 0..model.ngroups() {
        let fd = first_derivs(model, ws, g, &[]);
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
                let mut val =
                    tr2 - trace_product(&fd.p[b], &fd.p[a]) + 2.0 * trace_product(&fd.p[b], &r[a]);
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

/// Δ = ∂σ/∂θ of group `g` (q × nθ, zero columns for other groups' parameters).
pub fn delta(model: &RamModel, imp: &Implied, g: usize, lay: &Layout) -> Array2<f64> {
    let p = model.nov;
    let nt = model.free.len();
    let mut out = Array2::zeros((lay.q(), nt));
    let mut ds = Array2::zeros((p, p));
    let mut dm = Array1::zeros(p);
    for (k, &(gk, slot)) in model.free.iter().enumerate() {
        if gk != g {
            continue;
        }
        derivatives::first(imp, slot, &mut ds, &mut dm);
        if lay.meanstructure {
            for i in 0..p {
                out[[i, k]] = dm[i];
            }
        }
        for &(i, j) in &lay.pairs {
            out[[lay.cov(i, j), k]] = ds[[i, j]];
        }
    }
    out
}
