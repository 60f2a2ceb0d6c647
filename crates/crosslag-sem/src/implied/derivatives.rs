//! First and second derivatives of the implied moments with respect to one RAM entry.
//!
//! With `G = F B`, `E = B S Bᵀ` (see [`crate::specify::ram`]) and `e_j = E[obs, j]`:
//! ```text
//!   A(i,j):  ∂Σ = G_i e_jᵀ + e_j G_iᵀ,          ∂μ = G_i (Bm)_j
//!   S(i,j):  ∂Σ = G_i G_jᵀ + G_j G_iᵀ (i ≠ j),  G_i G_iᵀ (i = j)
//!   m(i):    ∂Σ = 0,                            ∂μ = G_i
//! ```
//! Second derivatives are non-zero only when one of the two entries is in `A`
//! (`∂²B = B A_l B A_k B + B A_k B A_l B`); [`second_trace`] returns the two scalars the
//! Hessian needs, `tr(Ω ∂²Σ)` and `(∂²μ)ᵀ h` for given Ω and h, without forming ∂²Σ.

use crate::implied::Implied;
use crate::specify::ram::Slot;
use ndarray::{Array1, Array2, ArrayView2};

/// `∂Σ` (p × p) and `∂μ` (p) of one parameter.
pub fn first(imp: &Implied, slot: Slot, ds: &mut Array2<f64>, dm: &mut Array1<f64>) {
    let p = imp.p;
    let g = imp.g();
    ds.fill(0.0);
    dm.fill(0.0);
    match slot {
        Slot::A(i, j) => {
            for r in 0..p {
                for c in 0..p {
                    ds[[r, c]] = g[[r, i]] * imp.e[[c, j]] + imp.e[[r, j]] * g[[c, i]];
                }
                dm[r] = g[[r, i]] * imp.bm[j];
            }
        }
        Slot::S(i, j) => {
            for r in 0..p {
                for c in 0..p {
                    ds[[r, c]] = if i == j {
                        g[[r, i]] * g[[c, i]]
                    } else {
                        g[[r, i]] * g[[c, j]] + g[[r, j]] * g[[c, i]]
                    };
                }
            }
        }
        Slot::M(i) => {
            for r in 0..p {
                dm[r] = g[[r, i]];
            }
        }
    }
}

/// Precomputed products for [`second_trace`]: `GᵀΩG`, `EᵀΩG` (m × m) and `Gᵀh` (m).
pub struct SecondCache {
    gog: Array2<f64>,
    eog: Array2<f64>,
    gh: Array1<f64>,
}

impl SecondCache {
    pub fn new(imp: &Implied, omega: ArrayView2<f64>, h: &Array1<f64>) -> SecondCache {
        let p = imp.p;
        let g = imp.g();
        let og = omega.dot(&g);
        let gog = g.t().dot(&og);
        let ep = imp.e.slice(ndarray::s![..p, ..]);
        let eog = ep.t().dot(&og);
        let gh = g.t().dot(h);
        SecondCache { gog, eog, gh }
    }
}

/// `(tr(Ω ∂²Σ/∂θ_k∂θ_l), (∂²μ/∂θ_k∂θ_l)ᵀ h)` for the two slots (same group).
pub fn second_trace(imp: &Implied, c: &SecondCache, k: Slot, l: Slot) -> (f64, f64) {
    let (k, l) = match (k, l) {
        (Slot::A(..), _) => (k, l),
        (_, Slot::A(..)) => (l, k),
        _ => return (0.0, 0.0),
    };
    let b = &imp.b;
    let Slot::A(i, j) = k else { unreachable!() };
    match l {
        Slot::A(a, bb) => {
            // X = B_bi G_a e_jᵀ + B_ja G_i e_bᵀ + E_jb G_i G_aᵀ ; tr(Ω(X+Xᵀ)) = 2 tr(ΩX)
            let t = 2.0
                * (b[[bb, i]] * c.eog[[j, a]]
                    + b[[j, a]] * c.eog[[bb, i]]
                    + imp.e[[j, bb]] * c.gog[[a, i]]);
            let mu = b[[bb, i]] * c.gh[a] * imp.bm[j] + b[[j, a]] * c.gh[i] * imp.bm[bb];
            (t, mu)
        }
        Slot::S(a, bb) => {
            let t = if a == bb {
                2.0 * b[[j, a]] * c.gog[[a, i]]
            } else {
                2.0 * (b[[j, a]] * c.gog[[bb, i]] + b[[j, bb]] * c.gog[[a, i]])
            };
            (t, 0.0)
        }
        Slot::M(a) => (0.0, c.gh[i] * b[[j, a]]),
    }
}
