//! Modification indices: univariate score tests for parameters the model fixes or leaves out
//! (lavaan `modindices()`, Sörbom 1989).
//!
//! The candidate set is lavaan's `lav_partable_full`: every loading `lv =~ ov`, every
//! (co)variance among observed and among latent variables, every regression among the
//! variables that take part in regressions, every intercept; plus every fixed row of the model
//! (lavaan's `all.free`). With the information matrix `I` of the model extended by all
//! candidates (free parameters `2`, candidates `1`) and the per-case score `s = −∂fx/∂θ₁`:
//! ```text
//!   V  = I₁₁ − I₁₂ J (Jᵀ I₂₂ J)⁻¹ Jᵀ I₂₁          (J: equality constraints of the model)
//!   MI = N s² / V_kk,     EPC = s / V_kk
//! ```
//! Candidates with `V_kk < ε^(1/3)` (not identified when freed) are dropped, as lavaan 0.6-14
//! does.

use crate::linalg;
use crate::loss::objective::Objective;
use crate::loss::{discrepancy, information};
use crate::measures::standardize::{self, Kind};
use crate::observe::moments::Moments;
use crate::specify::constraints::Reduction;
use crate::specify::partable::{Op, ParRow, ParTable};
use crate::specify::ram::RamModel;
use ndarray::{Array1, Array2};
use serde::Serialize;

/// One modification index.
#[derive(Debug, Clone, Serialize)]
pub struct ModIndex {
    pub lhs: String,
    pub op: Op,
    pub rhs: String,
    /// 1-based group.
    pub group: usize,
    pub mi: f64,
    pub epc: f64,
    pub sepc_lv: f64,
    pub sepc_all: f64,
    pub sepc_nox: f64,
}

fn same(r: &ParRow, lhs: &str, op: Op, rhs: &str, g: usize) -> bool {
    r.group == g
        && r.op == op
        && ((r.lhs == lhs && r.rhs == rhs)
            || (op == Op::Covariance && r.lhs == rhs && r.rhs == lhs))
}

/// lavaan's `lav_partable_full` candidates of group `g` (lhs, op, rhs).
fn full_candidates(pt: &ParTable, g: usize) -> Vec<(String, Op, String)> {
    let mut out = Vec::new();
    let ov_nox: Vec<&String> = pt
        .ov_names
        .iter()
        .filter(|v| !pt.ov_x.contains(v))
        .collect();
    let rows = || pt.rows.iter().filter(move |r| r.group == g);
    let mut eqs: Vec<String> = Vec::new();
    for r in rows().filter(|r| r.op == Op::Regression) {
        for v in [&r.lhs, &r.rhs] {
            if !eqs.contains(v) {
                eqs.push(v.clone());
            }
        }
    }
    let indicators: Vec<&String> = rows()
        .filter(|r| r.op == Op::Loading)
        .map(|r| &r.rhs)
        .collect();
    // 1. loadings lv =~ ov (not onto variables that take part in regressions)
    for lv in &pt.lv_names {
        for ov in &ov_nox {
            if !eqs.contains(ov) {
                out.push((lv.clone(), Op::Loading, (*ov).clone()));
            }
        }
    }
    // 2. (co)variances among observed (non-x), among x, among latent variables
    let tri = |names: &[&String], out: &mut Vec<(String, Op, String)>| {
        for i in 0..names.len() {
            for j in i..names.len() {
                out.push((names[i].clone(), Op::Covariance, names[j].clone()));
            }
        }
    };
    // lavaan 0.6-14 drops every (co)variance that involves an observed variable which is
    // neither an indicator nor an exogenous covariate ("dummy indicators", new in 0.6-14 and
    // narrowed in 0.6-16): in a path model such as the CLPM no residual covariance among
    // observed variables is a candidate. crosslag reproduces the version it is tested against.
    let other = |v: &String| !indicators.contains(&v) && !pt.ov_x.contains(v);
    let ov_cov: Vec<&String> = ov_nox.iter().copied().filter(|v| !other(v)).collect();
    tri(&ov_cov, &mut out);
    let x: Vec<&String> = pt.ov_x.iter().collect();
    tri(&x, &mut out);
    let lv: Vec<&String> = pt.lv_names.iter().collect();
    tri(&lv, &mut out);
    // 3. regressions among the variables of the structural equations
    for y in &eqs {
        for xx in &eqs {
            if y == xx || (indicators.contains(&y) && pt.lv_names.contains(xx)) {
                continue;
            }
            out.push((y.clone(), Op::Regression, xx.clone()));
        }
    }
    // 4. intercepts
    if pt.meanstructure {
        for v in pt.ov_names.iter().chain(pt.lv_names.iter()) {
            out.push((v.clone(), Op::Intercept, String::new()));
        }
    }
    out
}

/// The expected information without the fixed.x moments
/// ([`information::expected_without_x`]) and the score `∂fx/∂θ` from the same derivatives:
/// `Σ_g w_g [½ tr(Σ⁻¹(W − Σ)Σ⁻¹ ∂_kΣ) + ∂_kμᵀ Σ⁻¹ d]`.
fn expected_without_x(
    ram: &RamModel,
    ws: &crate::loss::workspace::Workspace,
    weights: &[f64],
    x_idx: &[usize],
) -> (Array2<f64>, Vec<f64>) {
    let info = information::expected_without_x(ram, ws, weights, x_idx);
    let mut score = vec![0.0; ram.free.len()];
    for g in 0..ram.ngroups() {
        let sinv = &ws.ml[g].sigma_inv;
        let resid = &ws.ml[g].w - &ws.implied[g].sigma;
        let r = sinv.dot(&resid).dot(sinv);
        let h = sinv.dot(&ws.ml[g].d);
        let fd = information::first_derivs(ram, ws, g, x_idx);
        for (a, &k) in fd.idx.iter().enumerate() {
            let mut sc = 0.5 * (&r * &fd.ds[a].t()).sum();
            if ram.meanstructure {
                sc += fd.dm[a].dot(&h);
            }
            score[k] = weights[g] * sc;
        }
    }
    (info, score)
}

/// The model's table extended by the candidates: model rows keep their free index; fixed
/// rows (at their fitted values, `ram`) and new candidates (at 0) are appended as free "extra"
/// parameters. Returns the table, the values of all its parameters (θ̂ first) and the rows of
/// the extra parameters.
fn extended_table(
    pt: &ParTable,
    fit_ram: &RamModel,
    theta: &[f64],
) -> (ParTable, Vec<f64>, Vec<usize>) {
    let mut ext = pt.clone();
    let mut values: Vec<f64> = theta.to_vec();
    let mut extra_rows: Vec<usize> = Vec::new();
    for i in 0..ext.rows.len() {
        if ext.rows[i].free == 0 && ext.rows[i].op != Op::Defined {
            let fixed = fit_ram.row_slots[i].map(|(g, slot)| fit_ram.fixed[g].get(slot));
            values.push(fixed.or(ext.rows[i].ustart).unwrap_or(0.0));
            ext.rows[i].free = values.len();
            ext.rows[i].label.clear();
            extra_rows.push(i);
        }
    }
    for g in 0..pt.ngroups {
        for (lhs, op, rhs) in full_candidates(pt, g) {
            if ext.rows.iter().any(|r| same(r, &lhs, op, &rhs, g)) {
                continue;
            }
            values.push(0.0);
            ext.rows.push(ParRow {
                lhs,
                op,
                rhs,
                user: false,
                group: g,
                free: values.len(),
                ustart: Some(0.0),
                exo: false,
                label: String::new(),
                user_label: false,
            });
            extra_rows.push(ext.rows.len() - 1);
        }
    }
    ext.nfree = values.len();
    (ext, values, extra_rows)
}

/// `V = I₁₁ − I₁₂ J (Jᵀ I₂₂ J)⁻¹ Jᵀ I₂₁` (see the module documentation); `None` when
/// `Jᵀ I₂₂ J` cannot be inverted.
fn candidate_variance(
    info: &Array2<f64>,
    red: &Reduction,
    phi: &[f64],
    n_model: usize,
) -> Option<Array2<f64>> {
    let j = red.jacobian(phi);
    let i22 = info.slice(ndarray::s![..n_model, ..n_model]).to_owned();
    let i12 = info.slice(ndarray::s![n_model.., ..n_model]).to_owned();
    let i11 = info.slice(ndarray::s![n_model.., n_model..]).to_owned();
    let i22_phi = j.t().dot(&i22).dot(&j);
    let inv = linalg::symmetric_inverse(i22_phi.view())?;
    let i12_phi = i12.dot(&j);
    Some(&i11 - &i12_phi.dot(&inv).dot(&i12_phi.t()))
}

/// Modification indices at the estimates φ, with the expected (`observed = false`) or
/// observed information. Sorted by MI, largest first. `ram` gives the values of the fixed
/// rows (the fixed.x moments at their sample values).
pub fn modification_indices(
    pt: &ParTable,
    fit_ram: &RamModel,
    red: &Reduction,
    phi: &[f64],
    moments: &[Moments],
    observed: bool,
) -> Vec<ModIndex> {
    let mut theta = vec![0.0; red.ntheta()];
    red.theta(phi, &mut theta);
    let (ext, values, extra_rows) = extended_table(pt, fit_ram, &theta);
    let ram = RamModel::from_partable(&ext);
    let Ok(ext_red) = Reduction::build(&ext) else {
        return Vec::new();
    };
    let obj = Objective::new(&ram, &ext_red, moments);
    let Some(ws) = obj.workspace_at(&values) else {
        return Vec::new();
    };
    let x_idx: Vec<usize> = pt
        .ov_x
        .iter()
        .filter_map(|x| pt.ov_names.iter().position(|v| v == x))
        .collect();
    let (info_x, score_x) = expected_without_x(&ram, &ws, &obj.weights, &x_idx);
    let info = if observed {
        discrepancy::hessian(&ram, &ws, &obj.weights)
    } else {
        info_x
    };
    let n_model = theta.len();
    let n_extra = values.len() - n_model;
    let Some(v) = candidate_variance(&info, red, phi, n_model) else {
        return Vec::new();
    };
    let ntotal: usize = moments.iter().map(|m| m.nobs).sum();
    // standardization uses the fitted model's implied moments
    let fit_obj = Objective::new(fit_ram, red, moments);
    let Some(fit_ws) = fit_obj.workspace_at(&theta) else {
        return Vec::new();
    };
    let p = pt.ov_names.len();
    let m_all = fit_ram.nvar();
    let is_lv: Vec<bool> = (0..m_all).map(|v| v >= p).collect();
    let is_x: Vec<bool> = (0..m_all)
        .map(|v| v < p && pt.ov_x.contains(&fit_ram.var_names[v]))
        .collect();
    let index = |s: &str| fit_ram.var_names.iter().position(|v| v == s).unwrap_or(0);
    let mut out = Vec::new();
    for (e, &ri) in extra_rows.iter().enumerate().take(n_extra) {
        let r = &ext.rows[ri];
        if r.exo {
            continue;
        }
        let vkk = v[[e, e]];
        if vkk.is_nan() || vkk < f64::EPSILON.cbrt() {
            continue;
        }
        let score = score_x[n_model + e];
        let mi = ntotal as f64 * score * score / vkk;
        let epc = score / vkk;
        let g = r.group;
        let e_mat = &fit_ws.implied[g].e;
        let sd = Array1::from_shape_fn(m_all, |k| e_mat[[k, k]].sqrt());
        let s = &fit_ws.mats[g].s;
        let std = |kind| {
            if r.op == Op::Covariance && r.lhs == r.rhs {
                0.0
            } else {
                standardize::row_value(kind, r, epc, &sd, s, &is_lv, &is_x, &index)
            }
        };
        out.push(ModIndex {
            lhs: r.lhs.clone(),
            op: r.op,
            rhs: r.rhs.clone(),
            group: g + 1,
            mi,
            epc,
            sepc_lv: std(Kind::Lv),
            sepc_all: std(Kind::All),
            sepc_nox: std(Kind::NoX),
        });
    }
    out.sort_by(|a, b| b.mi.total_cmp(&a.mi));
    out
}
