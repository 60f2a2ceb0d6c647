//! Model-implied moments Σ(θ), μ(θ) of one group, with the intermediate matrices that the
//! gradient and information matrices reuse. Buffers are allocated once per group.

use crate::linalg;
use crate::ram::RamMatrices;
use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array1, Array2};

/// Implied moments and their building blocks (see [`crate::ram`] for the notation).
#[derive(Debug, Clone)]
pub struct Implied {
    /// Number of observed variables `p`.
    pub p: usize,
    /// `B = (I − A)⁻¹` (m × m).
    pub b: Array2<f64>,
    /// `E = B S Bᵀ`: implied covariance of all variables (m × m).
    pub e: Array2<f64>,
    /// `B m`: implied means of all variables.
    pub bm: Array1<f64>,
    /// Σ: the observed block of `E` (p × p).
    pub sigma: Array2<f64>,
    /// μ: the observed part of `B m`.
    pub mu: Array1<f64>,
    i_minus_a: Array2<f64>,
    bs: Array2<f64>,
    work: Array2<f64>,
}

impl Implied {
    pub fn new(p: usize, m: usize) -> Implied {
        Implied {
            p,
            b: Array2::zeros((m, m)),
            e: Array2::zeros((m, m)),
            bm: Array1::zeros(m),
            sigma: Array2::zeros((p, p)),
            mu: Array1::zeros(p),
            i_minus_a: Array2::zeros((m, m)),
            bs: Array2::zeros((m, m)),
            work: Array2::zeros((m, m)),
        }
    }

    /// Compute all quantities for the given matrices. Returns `false` when `I − A` is singular.
    pub fn compute(&mut self, mats: &RamMatrices) -> bool {
        let m = self.b.nrows();
        self.i_minus_a.assign(&mats.a);
        self.i_minus_a.mapv_inplace(|v| -v);
        for i in 0..m {
            self.i_minus_a[[i, i]] += 1.0;
        }
        if !linalg::inverse_into(self.i_minus_a.view(), self.b.view_mut(), self.work.view_mut()) {
            return false;
        }
        general_mat_mul(1.0, &self.b, &mats.s, 0.0, &mut self.bs);
        general_mat_mul(1.0, &self.bs, &self.b.t(), 0.0, &mut self.e);
        // symmetrise against rounding
        for i in 0..m {
            for j in 0..i {
                let v = 0.5 * (self.e[[i, j]] + self.e[[j, i]]);
                self.e[[i, j]] = v;
                self.e[[j, i]] = v;
            }
        }
        let p = self.p;
        self.sigma.assign(&self.e.slice(s![..p, ..p]));
        for i in 0..m {
            let mut acc = 0.0;
            for j in 0..m {
                acc += self.b[[i, j]] * mats.m[j];
            }
            self.bm[i] = acc;
        }
        self.mu.assign(&self.bm.slice(s![..p]));
        true
    }

    /// `G = F B`: the observed rows of `B` (p × m).
    pub fn g(&self) -> ndarray::ArrayView2<'_, f64> {
        self.b.slice(s![..self.p, ..])
    }
}
