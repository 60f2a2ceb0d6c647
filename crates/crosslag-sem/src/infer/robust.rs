//! Robust inference: Huber–White sandwich standard errors (MLR, cluster-robust), the
//! Yuan–Bentler scaled test in its Mplus variant, and the ingredients of lavaan's
//! FIML-corrected robust RMSEA/CFI.
//!
//! Notation (lavaan-conventions §4.8–4.10): per group g with weight f_g = N_g/N, `Δ_g = ∂σ_g/∂θ`
//! ([`crate::observe::h1::delta`]), `E` the information of the fit with respect to θ (observed = the
//! Hessian of fx by default for MLR and FIML), `E⁻¹ = J (Jᵀ E J)⁻¹ Jᵀ` through the Jacobian of
//! the equality constraints ([`crate::specify::constraints`]), and the first-order (cross-product)
//! informations in the saturated parameterisation of [`crate::observe::h1`].
//!
//! * Sandwich (`lav_model_nvcov_robust_sandwich`): `B0 = Σ_g f_g Δ_gᵀ B1_g Δ_g` with `B1_g` the
//!   first-order information at the model-implied moments (casewise scores; with clusters summed
//!   per cluster and scaled by √(G/(G−1))); `vcov = E⁻¹ B0 E⁻¹ / N`.
//! * Yuan–Bentler, Mplus variant (`lav_test_yuan_bentler_mplus_trace`):
//!   `tr(UΓ) = Σ_g [tr(A1_g⁻¹ B1u_g) − f_g tr(Δ_gᵀ B1_g Δ_g E⁻¹)]`, with `A1_g` the h1 observed
//!   information and `B1u_g` the h1 first-order information, both *unstructured* (at the sample
//!   moments, or the EM moments under FIML); the moments of fixed.x covariates are masked out of
//!   `A1`. For complete data `B1u = A1 Γ A1` with the sample Γ equals the cross-product of the
//!   casewise scores at the sample moments; with clusters lavaan 0.6.14's value carries the
//!   G/(G−1) factor here too (checked against case06: without it `scaling.factor.h1` is low by
//!   exactly 45/44 for 45 classrooms). `scaling.factor.h1 = Σ tr_h1 /
//!   ndat`, `scaling.factor.h0 = Σ tr_h0 / (free parameters)`. The baseline (independence)
//!   model's trace takes its own `E` and `B1` at its own estimates.
//! * FIML-corrected RMSEA/CFI (Zhang & Savalei; `lav_fit_fiml_corrected`): see
//!   [`crate::measures::FimlCorrected`] for the formulas; here `W_m` is the FIML h1 observed
//!   information at the EM moments, `W_c` the complete-data h1 information at the same moments,
//!   `J_m` the h1 first-order information, and `E = Σ_g f_g Δ_gᵀ W_m,g Δ_g` (lavaan's
//!   `observed.information = "h1"`).

use crate::implied::Implied;
use crate::linalg;
use crate::observe::h1::{self, Layout};
use crate::observe::missing::GroupData;
use crate::specify::constraints::Reduction;
use crate::specify::ram::RamModel;
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2};

/// What robust inference needs of one group.
pub struct RobustGroup<'a> {
    pub data: &'a GroupData,
    /// Saturated (h1) moments: sample moments (divisor N), or the EM estimates under FIML.
    pub h1_mean: ArrayView1<'a, f64>,
    pub h1_cov: ArrayView2<'a, f64>,
    /// Indices of the fixed.x covariates.
    pub fixed_x: &'a [usize],
    /// N_g / N.
    pub weight: f64,
    /// `missing = "ml"`.
    pub fiml: bool,
}

impl RobustGroup<'_> {
    fn cluster(&self) -> Option<&[usize]> {
        self.data.cluster.as_deref()
    }

    /// Scores with the fixed.x columns zeroed.
    fn scores(
        &self,
        lay: &Layout,
        mu: ArrayView1<f64>,
        sigma: ArrayView2<f64>,
    ) -> Option<Array2<f64>> {
        let mut sc = h1::scores(self.data, mu, sigma, lay.meanstructure)?;
        for k in lay.fixed_x_index(self.fixed_x) {
            sc.column_mut(k).fill(0.0);
        }
        Some(sc)
    }
}

/// `J M Jᵀ`-type inverse of an information matrix in θ: `E⁻¹_θ = J (JᵀEJ + C)⁻¹ Jᵀ`, where `C`
/// is the constraint curvature (observed information of non-linear constraints).
pub fn inverse_in_theta(
    e_theta: &Array2<f64>,
    red: &Reduction,
    phi: &[f64],
    curvature: Option<&Array2<f64>>,
) -> Option<Array2<f64>> {
    let j = red.jacobian(phi);
    let mut e_phi = j.t().dot(e_theta).dot(&j);
    if let Some(c) = curvature {
        e_phi += c;
    }
    let inv = linalg::symmetric_inverse(e_phi.view())?;
    Some(j.dot(&inv).dot(&j.t()))
}

/// Per group, the unweighted `B0_g = Δ_gᵀ B1_g Δ_g` at the implied moments.
pub fn first_order_theta(
    model: &RamModel,
    implied: &[Implied],
    groups: &[RobustGroup],
) -> Option<Vec<Array2<f64>>> {
    let ms = model.meanstructure;
    let mut out = Vec::with_capacity(groups.len());
    for (g, rg) in groups.iter().enumerate() {
        let lay = Layout::new(model.nov, ms);
        let imp = &implied[g];
        // without a mean structure the scores are taken at the sample means
        let mu = if ms { imp.mu.view() } else { rg.h1_mean.view() };
        let sc = rg.scores(&lay, mu, imp.sigma.view())?;
        let b1 = h1::crossprod_scores(&sc, rg.cluster(), true);
        let delta = crate::loss::information::delta(model, imp, g, &lay);
        out.push(delta.t().dot(&b1).dot(&delta));
    }
    Some(out)
}

/// Σ_g f_g B0_g.
pub fn weighted_sum(b0: &[Array2<f64>], groups: &[RobustGroup]) -> Array2<f64> {
    let mut total = Array2::zeros(b0[0].raw_dim());
    for (b, rg) in b0.iter().zip(groups) {
        total.scaled_add(rg.weight, b);
    }
    total
}

/// The h1 part of the Yuan–Bentler trace of every group: (tr(A1⁻¹B1), ndat).
pub fn h1_traces(groups: &[RobustGroup], meanstructure: bool) -> Option<Vec<(f64, usize)>> {
    let mut out = Vec::new();
    for rg in groups {
        let lay = Layout::new(rg.data.p, meanstructure);
        let a1 = h1::observed_information(rg.data, rg.h1_mean, rg.h1_cov, meanstructure)?;
        let sc = rg.scores(&lay, rg.h1_mean, rg.h1_cov)?;
        let b1 = h1::crossprod_scores(&sc, rg.cluster(), true);
        let masked = lay.fixed_x_index(rg.fixed_x);
        let a1_inv = h1::masked_inverse(&a1, &masked)?;
        out.push((h1::trace_product(&b1, &a1_inv), lay.q() - masked.len()));
    }
    Some(out)
}

/// The Yuan–Bentler (Mplus) trace of a fitted model.
#[derive(Debug, Clone, Copy)]
pub struct YbTrace {
    /// tr(UΓ) = Σ (tr_h1 − tr_h0).
    pub trace_ugamma: f64,
    pub scaling_factor_h1: f64,
    pub scaling_factor_h0: f64,
}

/// tr(UΓ) from the h1 traces, the per-group `B0_g` and `E⁻¹` (θ space).
pub fn yb_trace(
    h1: &[(f64, usize)],
    b0: &[Array2<f64>],
    e_inv: &Array2<f64>,
    groups: &[RobustGroup],
) -> YbTrace {
    let tr_h1: f64 = h1.iter().map(|t| t.0).sum();
    let ndat: usize = h1.iter().map(|t| t.1).sum();
    let tr_h0: f64 = b0
        .iter()
        .zip(groups)
        .map(|(b, rg)| rg.weight * h1::trace_product(b, e_inv))
        .sum();
    YbTrace {
        trace_ugamma: tr_h1 - tr_h0,
        scaling_factor_h1: tr_h1 / ndat as f64,
        scaling_factor_h0: tr_h0 / e_inv.nrows() as f64,
    }
}

/// Moments of the independence (baseline) model of a group: diagonal Σ (variances of the
/// non-x variables; the fixed.x block kept) and free means. `var`, `mean`: the baseline
/// estimates (sample or available-case); `xx`: the moments of the x block.
pub fn baseline_moments(
    p: usize,
    mean: &Array1<f64>,
    var: &Array1<f64>,
    fixed_x: &[usize],
    x_cov: &Array2<f64>,
) -> (Array1<f64>, Array2<f64>) {
    let mut sigma = Array2::zeros((p, p));
    for i in 0..p {
        sigma[[i, i]] = var[i];
    }
    for (a, &i) in fixed_x.iter().enumerate() {
        for (b, &j) in fixed_x.iter().enumerate() {
            sigma[[i, j]] = x_cov[[a, b]];
        }
    }
    (mean.clone(), sigma)
}

/// The Yuan–Bentler trace of the independence model: Σ_g [tr_h1,g − tr(B1_B,g H_B,g⁻¹)], with
/// `H_B,g` the observed information and `B1_B,g` the first-order information of the baseline
/// parameters (free means and variances) at the baseline estimates (the information is
/// block-diagonal over groups, so `f_g tr(B (f_g H)⁻¹) = tr(B H⁻¹)`).
pub fn baseline_yb_trace(
    h1: &[(f64, usize)],
    groups: &[RobustGroup],
    baseline: &[(Array1<f64>, Array2<f64>)],
    meanstructure: bool,
    free_x: &[usize],
) -> Option<f64> {
    let mut total = 0.0;
    for ((rg, (mu, sigma)), t) in groups.iter().zip(baseline).zip(h1) {
        let lay = Layout::new(rg.data.p, meanstructure);
        let idx = lay.baseline_index(rg.fixed_x, free_x);
        let h = h1::observed_information(rg.data, mu.view(), sigma.view(), meanstructure)?;
        let sc = rg.scores(&lay, mu.view(), sigma.view())?;
        let b = h1::crossprod_scores(&sc, rg.cluster(), true);
        let hs = Array2::from_shape_fn((idx.len(), idx.len()), |(i, j)| h[[idx[i], idx[j]]]);
        let bs = Array2::from_shape_fn((idx.len(), idx.len()), |(i, j)| b[[idx[i], idx[j]]]);
        let hinv = linalg::symmetric_inverse(hs.view())?;
        total += t.0 - h1::trace_product(&bs, &hinv);
    }
    Some(total)
}

/// Block-diagonal matrix of the given blocks.
fn bdiag(blocks: &[Array2<f64>]) -> Array2<f64> {
    let n: usize = blocks.iter().map(|b| b.nrows()).sum();
    let mut out = Array2::zeros((n, n));
    let mut off = 0;
    for b in blocks {
        let k = b.nrows();
        out.slice_mut(s![off..off + k, off..off + k]).assign(b);
        off += k;
    }
    out
}

/// `k` of the FIML-corrected robust RMSEA/CFI for the user model and the baseline model:
/// V3 (`scaled = true`, with a Yuan–Bentler test) `tr(U W_m⁻¹ W_c W_m⁻¹ U Γ)`, V6
/// `tr(W_c W_m⁻¹ U W_m⁻¹)`, where `U = W_m − W_m Δ E⁻¹ Δᵀ W_m` (block-diagonal over groups with
/// weights f_g, `Γ_g = W_m,g⁻¹ J_m,g W_m,g⁻¹ / f_g`). Returns (k, k_baseline).
pub fn fiml_corrected_k(
    model: &RamModel,
    implied: &[Implied],
    red: &Reduction,
    phi: &[f64],
    groups: &[RobustGroup],
    scaled: bool,
    free_x: &[usize],
) -> Option<(f64, f64)> {
    let p = model.nov;
    let lay = Layout::new(p, true);
    let q = lay.q();
    let ng = groups.len();
    let mut wm = Vec::with_capacity(ng);
    let mut wmi = Vec::with_capacity(ng);
    let mut wc = Vec::with_capacity(ng);
    let mut gam = Vec::with_capacity(ng);
    let mut deltas = Vec::with_capacity(ng);
    let mut e_theta = Array2::zeros((model.free.len(), model.free.len()));
    let mut base_idx: Vec<usize> = Vec::new();
    let mut e_base: Vec<Array2<f64>> = Vec::new();
    for (g, rg) in groups.iter().enumerate() {
        let f = rg.weight;
        // the moments of fixed.x covariates are zeroed (lavaan's `x.idx` handling) and left
        // out of the inverses (`lav_matrix_symmetric_inverse` drops zero rows/columns)
        let masked = lay.fixed_x_index(rg.fixed_x);
        let mut w = h1::observed_information(rg.data, rg.h1_mean, rg.h1_cov, true)?;
        let mut c = h1::normal_information(rg.h1_cov, true)?;
        for &k in &masked {
            for m in [&mut w, &mut c] {
                m.row_mut(k).fill(0.0);
                m.column_mut(k).fill(0.0);
            }
        }
        let w_inv = h1::masked_inverse(&w, &masked)?;
        let delta = crate::loss::information::delta(model, &implied[g], g, &lay);
        e_theta.scaled_add(f, &delta.t().dot(&w).dot(&delta));
        let idx = lay.baseline_index(rg.fixed_x, free_x);
        e_base.push(Array2::from_shape_fn((idx.len(), idx.len()), |(i, j)| {
            f * w[[idx[i], idx[j]]]
        }));
        base_idx.extend(idx.iter().map(|i| g * q + i));
        if scaled {
            let sc = rg.scores(&lay, rg.h1_mean, rg.h1_cov)?;
            let jm = h1::crossprod_scores(&sc, rg.cluster(), true);
            gam.push(w_inv.dot(&jm).dot(&w_inv) / f);
        }
        wm.push(&w * f);
        wmi.push(&w_inv / f);
        wc.push(&c * f);
        deltas.push(delta);
    }
    let e_inv = inverse_in_theta(&e_theta, red, phi, None)?;
    let wm_all = bdiag(&wm);
    let wmi_all = bdiag(&wmi);
    let wc_all = bdiag(&wc);
    let nt = model.free.len();
    let mut delta_all = Array2::zeros((q * ng, nt));
    for (g, d) in deltas.iter().enumerate() {
        delta_all.slice_mut(s![g * q..(g + 1) * q, ..]).assign(d);
    }
    let gamma_all = scaled.then(|| bdiag(&gam));
    let k_of = |u: &Array2<f64>| -> f64 {
        let wmi_wc_wmi = wmi_all.dot(&wc_all).dot(&wmi_all);
        match &gamma_all {
            Some(gm) => {
                let x = u.dot(&wmi_wc_wmi).dot(u);
                h1::trace_product(&x, gm)
            }
            None => h1::trace_product(&wc_all, &wmi_all.dot(u).dot(&wmi_all)),
        }
    };
    let wd = wm_all.dot(&delta_all);
    let u = &wm_all - &wd.dot(&e_inv).dot(&wd.t());
    let k = k_of(&u);
    // baseline: Δ_B selects the free means and variances
    let eb_inv = linalg::symmetric_inverse(bdiag(&e_base).view())?;
    let wdb = Array2::from_shape_fn((q * ng, base_idx.len()), |(r, c)| wm_all[[r, base_idx[c]]]);
    let ub = &wm_all - &wdb.dot(&eb_inv).dot(&wdb.t());
    let kb = k_of(&ub);
    Some((k, kb))
}
