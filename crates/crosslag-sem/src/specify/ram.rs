//! RAM representation (McArdle & McDonald 1984) of a parameter table.
//!
//! All variables, observed first (in the parameter table's order) then latent, form a vector
//! `v = A v + u` with `Cov(u) = S` and `E(u) = m`. With `B = (I − A)⁻¹` and the filter `F`
//! selecting the observed variables,
//!
//! ```text
//!     Σ(θ) = F B S Bᵀ Fᵀ,        μ(θ) = F B m.
//! ```
//!
//! Loadings `f =~ x` are `A[x, f]`, regressions `y ~ x` are `A[y, x]`, (co)variances are
//! `S[a, b] = S[b, a]`, intercepts are `m[v]`.

use crate::specify::partable::{Op, ParTable};
use ndarray::{Array1, Array2};

/// Which matrix entry a parameter occupies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Directed path `A[to, from]`.
    A(usize, usize),
    /// Symmetric (co)variance `S[i, j]` (and `S[j, i]`).
    S(usize, usize),
    /// Mean/intercept `m[i]`.
    M(usize),
}

/// The RAM matrices of one group.
#[derive(Debug, Clone)]
pub struct RamMatrices {
    pub a: Array2<f64>,
    pub s: Array2<f64>,
    pub m: Array1<f64>,
}

impl RamMatrices {
    fn zeros(m: usize) -> Self {
        RamMatrices {
            a: Array2::zeros((m, m)),
            s: Array2::zeros((m, m)),
            m: Array1::zeros(m),
        }
    }

    /// Write `value` into `slot`.
    pub fn set(&mut self, slot: Slot, value: f64) {
        match slot {
            Slot::A(i, j) => self.a[[i, j]] = value,
            Slot::S(i, j) => {
                self.s[[i, j]] = value;
                self.s[[j, i]] = value;
            }
            Slot::M(i) => self.m[i] = value,
        }
    }

    pub fn get(&self, slot: Slot) -> f64 {
        match slot {
            Slot::A(i, j) => self.a[[i, j]],
            Slot::S(i, j) => self.s[[i, j]],
            Slot::M(i) => self.m[i],
        }
    }
}

/// A model in RAM form: fixed values per group and the slot of every free parameter.
#[derive(Debug, Clone)]
pub struct RamModel {
    /// Observed variables (the first `nov` of `var_names`).
    pub nov: usize,
    /// All variables: observed then latent.
    pub var_names: Vec<String>,
    /// Fixed values (and zeros for free slots), per group.
    pub fixed: Vec<RamMatrices>,
    /// `(group, slot)` of each free parameter θ_k (every equality copy separately).
    pub free: Vec<(usize, Slot)>,
    /// `(group, slot)` of every row of the parameter table (`None` for `:=` rows).
    pub row_slots: Vec<Option<(usize, Slot)>>,
    pub meanstructure: bool,
}

impl RamModel {
    /// Lay out the parameter table in RAM matrices.
    pub fn from_partable(pt: &ParTable) -> RamModel {
        let mut var_names = pt.ov_names.clone();
        var_names.extend(pt.lv_names.iter().cloned());
        let m = var_names.len();
        let idx = |s: &str| {
            var_names
                .iter()
                .position(|v| v == s)
                .expect("variable in table")
        };
        let mut fixed = vec![RamMatrices::zeros(m); pt.ngroups];
        let mut free = vec![(0, Slot::M(0)); pt.nfree];
        let mut row_slots = Vec::with_capacity(pt.rows.len());
        for r in &pt.rows {
            let slot = match r.op {
                Op::Loading => Slot::A(idx(&r.rhs), idx(&r.lhs)),
                Op::Regression => Slot::A(idx(&r.lhs), idx(&r.rhs)),
                Op::Covariance => {
                    let (i, j) = (idx(&r.lhs), idx(&r.rhs));
                    Slot::S(i.max(j), i.min(j))
                }
                Op::Intercept => Slot::M(idx(&r.lhs)),
                Op::Defined => {
                    row_slots.push(None);
                    continue;
                }
            };
            row_slots.push(Some((r.group, slot)));
            if r.free > 0 {
                free[r.free - 1] = (r.group, slot);
            } else {
                fixed[r.group].set(slot, r.ustart.unwrap_or(0.0));
            }
        }
        RamModel {
            nov: pt.ov_names.len(),
            var_names,
            fixed,
            free,
            row_slots,
            meanstructure: pt.meanstructure,
        }
    }

    pub fn nvar(&self) -> usize {
        self.var_names.len()
    }

    pub fn ngroups(&self) -> usize {
        self.fixed.len()
    }

    /// Write θ into `mats` (which must start as a copy of `fixed`).
    pub fn fill(&self, theta: &[f64], mats: &mut [RamMatrices]) {
        for (k, &(g, slot)) in self.free.iter().enumerate() {
            mats[g].set(slot, theta[k]);
        }
    }
}
