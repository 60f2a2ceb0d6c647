//! The inverse information under equality constraints, as lavaan 0.6.14 computes it.
//!
//! lavaan keeps every copy of an equality-constrained parameter as its own θ_k and ties the
//! copies with constraint rows. Its covariance matrix of the estimates is a slice of the
//! Moore–Penrose inverse of the bordered information matrix
//! (`lav_model_information_augment_invert`, lavaan 0.6.14):
//!
//! ```text
//!     B = [ I + HᵀH   Hᵀ ]        vcov(θ̂) = B⁺[1..q, 1..q] / N
//!         [   H       0  ]
//! ```
//!
//! with `I` the unit information in θ (q × q) and `H` the Jacobian of the active
//! constraints: one row `e_first − e_k` for every further copy of a label, `∂(lhs − rhs)/∂θ`
//! for every `==` constraint, `e_k` for an inequality constraint that holds with equality.
//! `B⁺` is `MASS::ginv(B, tol = ε^(3/4))`: singular values at or below `ε^(3/4)` times the
//! largest one are treated as zero.
//!
//! When no singular value is dropped, the slice equals `J (Jᵀ I J)⁻¹ Jᵀ` exactly, the inverse
//! crosslag computes in its reduced parameters φ (`constraints.rs`), and nothing here is
//! needed. When one is dropped — a model that is empirically not identified along some
//! direction, often also badly scaled, such as case16a's latent curve model with its
//! negative growth-factor variances — lavaan's standard errors leave that direction out.
//! [`bordered_pseudo_inverse`] reproduces that, so crosslag reports lavaan's numbers, and
//! returns the dropped directions so that the caller can name the parameters involved.
//! (Later lavaan releases replaced this by a null-space inverse without the tolerance, which
//! does not drop directions; 0.6.14 is the reference here.)

use crate::linalg;
use crate::specify::constraints::Reduction;
use crate::specify::partable::ParTable;
use crate::syntax::{ConstraintOp, Expr};
use ndarray::{Array1, Array2, ArrayView2};
use std::collections::HashMap;

/// The inverse of the unit information in θ under the model's constraints, with the warnings
/// it calls for: `J (Jᵀ I J + C)⁻¹ Jᵀ` in the reduced parameters φ (`C`: the curvature of
/// non-linear constraints, for the observed information), or lavaan 0.6.14's generalized
/// inverse of the bordered information where that drops a direction or an inequality
/// constraint is active ([`bordered_pseudo_inverse`]). `None` when the information is singular.
pub fn inverse_information(
    pt: &ParTable,
    red: &Reduction,
    phi: &[f64],
    theta: &[f64],
    i_theta: &Array2<f64>,
    curvature: Option<&Array2<f64>>,
    group_labels: &[String],
) -> (Option<Array2<f64>>, Vec<String>) {
    let mut warnings = Vec::new();
    let j = red.jacobian(phi);
    let mut i_phi = j.t().dot(i_theta).dot(&j);
    if let Some(c) = curvature {
        i_phi += c;
    }
    let lavaan_ginv = constraint_jacobian(pt, theta)
        .and_then(|c| bordered_pseudo_inverse(i_theta.view(), c.h.view(), c.active_inequality));
    if let Some(b) = lavaan_ginv.as_ref().filter(|b| !b.dropped.is_empty()) {
        warnings.push(dropped_directions_warning(pt, &b.dropped, group_labels));
    }
    let exact = linalg::symmetric_inverse(i_phi.view()).map(|inv| {
        let ev = linalg::symmetric_eigenvalues(i_phi.view());
        if lavaan_ginv.is_none()
            && ev.first().copied().unwrap_or(0.0) <= 1e-10 * ev.last().copied().unwrap_or(1.0).abs()
        {
            warnings.push(
                "the information matrix is close to singular: the model may not be identified"
                    .into(),
            );
        }
        j.dot(&inv).dot(&j.t())
    });
    (lavaan_ginv.map(|b| b.inverse).or(exact), warnings)
}

/// `MASS::ginv`'s tolerance as lavaan 0.6.14 sets it: ε^(3/4) ≈ 1.8e-12, relative to the
/// largest singular value.
pub fn ginv_tolerance() -> f64 {
    f64::EPSILON.powf(0.75)
}

/// lavaan's constraint Jacobian at the estimates.
#[derive(Debug, Clone)]
pub struct ConstraintRows {
    /// `H` (rows × θ).
    pub h: Array2<f64>,
    /// Some `label > c` constraint holds with equality: its row makes the bordered inverse
    /// differ from `J (Jᵀ I J)⁻¹ Jᵀ` (the parameter on its bound gets a standard error of 0).
    pub active_inequality: bool,
}

/// lavaan's constraint Jacobian `H` at the estimates `theta`, or `None` when a constraint
/// refers to something other than parameter labels and numbers (a `:=` definition), which
/// lavaan would differentiate numerically.
pub fn constraint_jacobian(pt: &ParTable, theta: &[f64]) -> Option<ConstraintRows> {
    let q = theta.len();
    let mut first: HashMap<&str, usize> = HashMap::new();
    let mut fixed: HashMap<&str, f64> = HashMap::new();
    let mut rows: Vec<Array1<f64>> = Vec::new();
    let mut active_inequality = false;
    for r in &pt.rows {
        if r.label.is_empty() {
            continue;
        }
        if r.free == 0 {
            fixed
                .entry(r.label.as_str())
                .or_insert(r.ustart.unwrap_or(0.0));
            continue;
        }
        let k = r.free - 1;
        match first.get(r.label.as_str()) {
            Some(&f) => {
                let mut h = Array1::zeros(q);
                h[f] = 1.0;
                h[k] = -1.0;
                rows.push(h);
            }
            None => {
                first.insert(r.label.as_str(), k);
            }
        }
    }
    let lookup = |name: &str| -> Option<f64> {
        first
            .get(name)
            .map(|&k| theta[k])
            .or_else(|| fixed.get(name).copied())
    };
    for c in &pt.constraints {
        let vars: Vec<String> = c
            .lhs
            .variables()
            .into_iter()
            .chain(c.rhs.variables())
            .collect();
        if vars.iter().any(|v| lookup(v).is_none()) {
            return None;
        }
        match c.op {
            ConstraintOp::Eq => {
                let mut h = Array1::zeros(q);
                for v in &vars {
                    let Some(&k) = first.get(v.as_str()) else {
                        continue;
                    };
                    if h[k] != 0.0 {
                        continue; // a variable on both sides: its partial is taken once
                    }
                    let d = partial(&c.lhs, v, &lookup)? - partial(&c.rhs, v, &lookup)?;
                    h[k] = d;
                }
                rows.push(h);
            }
            ConstraintOp::Lt | ConstraintOp::Gt => {
                // `label > number`: active when the estimate sits on the bound
                let (name, bound) = match (&c.lhs, &c.rhs) {
                    (Expr::Var(n), e) | (e, Expr::Var(n)) if e.variables().is_empty() => {
                        (n, e.eval(&|_| None).ok()?)
                    }
                    _ => return None,
                };
                let &k = first.get(name.as_str())?;
                if (theta[k] - bound).abs() <= 1e-8 * bound.abs().max(1.0) {
                    let mut h = Array1::zeros(q);
                    h[k] = 1.0;
                    rows.push(h);
                    active_inequality = true;
                }
            }
        }
    }
    let mut h = Array2::zeros((rows.len(), q));
    for (i, r) in rows.iter().enumerate() {
        h.row_mut(i).assign(r);
    }
    Some(ConstraintRows {
        h,
        active_inequality,
    })
}

fn partial(e: &Expr, var: &str, lookup: &dyn Fn(&str) -> Option<f64>) -> Option<f64> {
    e.partial(var).eval(lookup).ok()
}

/// lavaan's generalized inverse of the bordered information, when it differs from the
/// exact constrained inverse.
#[derive(Debug, Clone)]
pub struct BorderedInverse {
    /// `B⁺[1..q, 1..q]` (unit information: divide by N for the covariance matrix).
    pub inverse: Array2<f64>,
    /// The θ part of each dropped direction (an eigenvector of `B`).
    pub dropped: Vec<Array1<f64>>,
}

/// The bordered matrix `B` above, for unit information `info` (q × q) and constraint
/// Jacobian `h` (m × q).
pub fn bordered(info: ArrayView2<f64>, h: ArrayView2<f64>) -> Array2<f64> {
    let q = info.nrows();
    let m = h.nrows();
    let mut b = Array2::zeros((q + m, q + m));
    let hth = h.t().dot(&h);
    for i in 0..q {
        for j in 0..q {
            b[[i, j]] = info[[i, j]] + hth[[i, j]];
        }
    }
    for r in 0..m {
        for j in 0..q {
            b[[q + r, j]] = h[[r, j]];
            b[[j, q + r]] = h[[r, j]];
        }
    }
    b
}

/// lavaan 0.6.14's constrained inverse when `MASS::ginv` drops at least one direction of the
/// bordered information, or always with `force`; `None` when it drops none (and `force` is
/// false): the exact inverse `J (Jᵀ I J)⁻¹ Jᵀ` is then lavaan's result.
///
/// `B` is symmetric, so its singular values are the absolute eigenvalues and
/// `B⁺ = Σ_{|λ_i| > tol·max|λ|} v_i v_iᵀ / λ_i`. (lavaan's `B` also carries a block
/// `2·diag(λ)` of Lagrange multipliers, decoupled from the rest, which cannot change the
/// slice; it is left out.)
pub fn bordered_pseudo_inverse(
    info: ArrayView2<f64>,
    h: ArrayView2<f64>,
    force: bool,
) -> Option<BorderedInverse> {
    if h.nrows() == 0 {
        return None;
    }
    let q = info.nrows();
    let b = bordered(info, h);
    if b.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let ev = linalg::symmetric_eigenvalues(b.view());
    let largest = ev.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let cut = ginv_tolerance() * largest;
    if !force && ev.iter().all(|v| v.abs() > cut) {
        return None;
    }
    let (values, vectors) = linalg::symmetric_eigen(b.view());
    let mut inverse = Array2::zeros((q, q));
    let mut dropped = Vec::new();
    for (i, &lambda) in values.iter().enumerate() {
        let v = vectors.column(i);
        if lambda.abs() > cut {
            for r in 0..q {
                let s = v[r] / lambda;
                for c in 0..q {
                    inverse[[r, c]] += s * v[c];
                }
            }
        } else {
            dropped.push(v.slice(ndarray::s![..q]).to_owned());
        }
    }
    // the θ part of a dropped direction can be empty (a direction of the multipliers only)
    dropped.retain(|d| d.iter().any(|x| x.abs() > 1e-8));
    Some(BorderedInverse { inverse, dropped })
}

/// The warning for directions the generalized inverse dropped, naming the parameters that
/// carry each (components of at least a fifth of the largest).
pub fn dropped_directions_warning(
    pt: &ParTable,
    dropped: &[Array1<f64>],
    group_labels: &[String],
) -> String {
    let mut parts = Vec::new();
    for d in dropped {
        let big = d.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let mut names: Vec<String> = Vec::new();
        for r in pt.rows.iter().filter(|r| r.free > 0) {
            if d[r.free - 1].abs() >= 0.2 * big {
                let mut name = r.name();
                if pt.ngroups > 1 {
                    let g = group_labels
                        .get(r.group)
                        .cloned()
                        .unwrap_or_else(|| (r.group + 1).to_string());
                    name = format!("{name} (group {g})");
                }
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        parts.push(names.join(", "));
    }
    format!(
        "the information matrix is singular to working precision along {} direction{} ({}): the model is empirically not identified there; as lavaan 0.6 does, the standard errors use the generalized inverse, which leaves {} out",
        dropped.len(),
        if dropped.len() == 1 { "" } else { "s" },
        parts.join("; "),
        if dropped.len() == 1 { "that direction" } else { "those directions" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// Without a dropped direction the bordered slice equals Z (Zᵀ I Z)⁻¹ Zᵀ: here a copy
    /// constraint θ₁ = θ₂ with J = (1, 1, 0; 0, 0, 1)ᵀ.
    #[test]
    fn well_conditioned_needs_no_pseudo_inverse() {
        let info = array![[2.0, 0.5, 0.1], [0.5, 3.0, 0.2], [0.1, 0.2, 1.0]];
        let h = array![[1.0, -1.0, 0.0]];
        assert!(bordered_pseudo_inverse(info.view(), h.view(), false).is_none());
        // and the full inverse of B has that slice
        let b = bordered(info.view(), h.view());
        let binv = linalg::inverse(b.view()).unwrap();
        let j = array![[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]];
        let jij = j.t().dot(&info).dot(&j);
        let exact = j.dot(&linalg::inverse(jij.view()).unwrap()).dot(&j.t());
        for r in 0..3 {
            for c in 0..3 {
                assert!((binv[[r, c]] - exact[[r, c]]).abs() < 1e-12);
            }
        }
    }

    /// A nearly unidentified direction (θ₂ − θ₃ almost free) far below the tolerance is
    /// dropped: the pseudo-inverse keeps the identified part and reports the direction.
    #[test]
    fn drops_a_direction_below_the_tolerance() {
        let e = 1e-14;
        let info = array![
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 1.0 + e, 1.0, 0.0],
            [0.0, 1.0, 1.0 + e, 0.0],
            [0.0, 0.0, 0.0, 5.0]
        ];
        let h = array![[1.0, 0.0, 0.0, -1.0]];
        let out =
            bordered_pseudo_inverse(info.view(), h.view(), false).expect("a dropped direction");
        assert_eq!(out.dropped.len(), 1);
        let d = &out.dropped[0];
        assert!((d[1].abs() - d[2].abs()).abs() < 1e-6 && d[1] * d[2] < 0.0);
        assert!(d[0].abs() < 1e-8 && d[3].abs() < 1e-8);
        // the sum θ₂ + θ₃ keeps its variance: (1, 1)ᵀ/√2 has information 2(1 + e)
        let s = 0.25 * (out.inverse[[1, 1]] + out.inverse[[2, 2]] + 2.0 * out.inverse[[1, 2]]);
        assert!((s - 1.0 / (2.0 * 2.0)).abs() < 1e-9, "{s}");
        // the copies θ₁ = θ₄ share information 1 + 5
        assert!((out.inverse[[0, 0]] - 1.0 / 6.0).abs() < 1e-12);
    }
}
