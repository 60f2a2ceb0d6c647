//! Model-implied moments Σ(θ), μ(θ) of one group, with the intermediate matrices that the
//! gradient and information matrices reuse. Buffers are allocated once per group.
//!
//! This runs at every evaluation of the objective, so it uses the sparsity of SEM matrices
//! (tens of variables, a few paths each):
//!
//! * `B = (I − A)⁻¹`: when the directed paths have no cycle (every recursive model, and all
//!   the panel models), the variables are put in topological order (causes first) and
//!   `B = I + A B` is solved row by row, `B[i,·] = e_i + Σ_j A[i,j] B[j,·]` over the paths
//!   into `i` — O(m · paths) instead of O(m³), and exact (no pivoting). A model with a cycle
//!   (non-recursive) uses the general inverse of [`crate::linalg`].
//! * `E = B S Bᵀ`: with the non-zeros of each row of `B`, `(B S)[i,·] = Σ_l B[i,l] S[l,·]`
//!   and `E[i,j] = Σ_k (B S)[i,k] B[j,k]`, lower triangle only, mirrored (so `E` is exactly
//!   symmetric).
//!
//! The sparsity pattern is read from the values at each call (a path that is 0 at the
//! current θ is skipped), so nothing has to be set up from the parameter table.

pub mod admissible;
pub mod derivatives;

use crate::linalg;
use crate::specify::ram::RamMatrices;
use ndarray::{s, Array1, Array2};

/// Implied moments and their building blocks (see [`crate::specify::ram`] for the notation).
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
    /// `B S` (m × m).
    bs: Array2<f64>,
    /// Work space of the general inverse (models with cycles).
    i_minus_a: Array2<f64>,
    work: Array2<f64>,
    /// Non-zeros of `B` by row, compressed: row `i` is `nz_col[nz_ptr[i]..nz_ptr[i + 1]]`.
    nz_ptr: Vec<usize>,
    nz_col: Vec<usize>,
    /// Topological order of the variables (causes first) and Kahn's algorithm's work space.
    order: Vec<usize>,
    indegree: Vec<usize>,
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
            bs: Array2::zeros((m, m)),
            i_minus_a: Array2::zeros((m, m)),
            work: Array2::zeros((m, m)),
            nz_ptr: Vec::with_capacity(m + 1),
            nz_col: Vec::with_capacity(m * m),
            order: Vec::with_capacity(m),
            indegree: Vec::with_capacity(m),
        }
    }

    /// Compute all quantities for the given matrices. Returns `false` when `I − A` is singular.
    pub fn compute(&mut self, mats: &RamMatrices) -> bool {
        let m = self.b.nrows();
        let a = mats.a.as_standard_layout();
        let a = a.as_slice().expect("standard layout");
        if !self.b_acyclic(a, m) && !self.b_general(mats) {
            return false;
        }
        let b = self.b.as_slice().expect("standard layout");

        // non-zeros of each row of B
        self.nz_ptr.clear();
        self.nz_col.clear();
        self.nz_ptr.push(0);
        for i in 0..m {
            let row = &b[i * m..(i + 1) * m];
            self.nz_col.extend((0..m).filter(|&k| row[k] != 0.0));
            self.nz_ptr.push(self.nz_col.len());
        }
        let nz = |i: usize| &self.nz_col[self.nz_ptr[i]..self.nz_ptr[i + 1]];

        // B S: row i = Σ_l B[i,l] S[l,·]
        let sm = mats.s.as_standard_layout();
        let sm = sm.as_slice().expect("standard layout");
        let bs = self.bs.as_slice_mut().expect("standard layout");
        bs.fill(0.0);
        for i in 0..m {
            let out = &mut bs[i * m..(i + 1) * m];
            for &l in nz(i) {
                let bil = b[i * m + l];
                let srow = &sm[l * m..(l + 1) * m];
                for (o, &v) in out.iter_mut().zip(srow) {
                    *o += bil * v;
                }
            }
        }

        // E = (B S) Bᵀ, lower triangle, mirrored
        let bs = self.bs.as_slice().expect("standard layout");
        let e = self.e.as_slice_mut().expect("standard layout");
        for i in 0..m {
            let bsi = &bs[i * m..(i + 1) * m];
            for j in 0..=i {
                let bj = &b[j * m..(j + 1) * m];
                let mut acc = 0.0;
                for &k in nz(j) {
                    acc += bsi[k] * bj[k];
                }
                e[i * m + j] = acc;
                e[j * m + i] = acc;
            }
        }

        // B m
        let mv = &mats.m;
        for i in 0..m {
            let mut acc = 0.0;
            for &k in nz(i) {
                acc += b[i * m + k] * mv[k];
            }
            self.bm[i] = acc;
        }

        let p = self.p;
        self.sigma.assign(&self.e.slice(s![..p, ..p]));
        self.mu.assign(&self.bm.slice(s![..p]));
        true
    }

    /// `B` when the paths of `A` have no cycle; `false` (and `B` untouched) otherwise.
    fn b_acyclic(&mut self, a: &[f64], m: usize) -> bool {
        // Kahn's algorithm on the graph j → i for A[i,j] ≠ 0 (i ≠ j); a self-loop is a cycle.
        self.indegree.clear();
        for i in 0..m {
            let row = &a[i * m..(i + 1) * m];
            if row[i] != 0.0 {
                return false;
            }
            self.indegree
                .push(row.iter().filter(|&&v| v != 0.0).count());
        }
        self.order.clear();
        self.order.extend((0..m).filter(|&i| self.indegree[i] == 0));
        let mut head = 0;
        while head < self.order.len() {
            let j = self.order[head];
            head += 1;
            for i in 0..m {
                if a[i * m + j] != 0.0 {
                    self.indegree[i] -= 1;
                    if self.indegree[i] == 0 {
                        self.order.push(i);
                    }
                }
            }
        }
        if self.order.len() < m {
            return false;
        }
        // B[i,·] = e_i + Σ_j A[i,j] B[j,·], causes first
        let b = self.b.as_slice_mut().expect("standard layout");
        for &i in &self.order {
            let (before, rest) = b.split_at_mut(i * m);
            let (row, after) = rest.split_at_mut(m);
            row.fill(0.0);
            row[i] = 1.0;
            for (j, &aij) in a[i * m..(i + 1) * m].iter().enumerate() {
                if aij == 0.0 {
                    continue;
                }
                let bj = if j < i {
                    &before[j * m..(j + 1) * m]
                } else {
                    &after[(j - i - 1) * m..(j - i) * m]
                };
                for (o, &v) in row.iter_mut().zip(bj) {
                    *o += aij * v;
                }
            }
        }
        true
    }

    /// `B` by the general inverse of `I − A` (models with cycles).
    fn b_general(&mut self, mats: &RamMatrices) -> bool {
        let m = self.b.nrows();
        self.i_minus_a.assign(&mats.a);
        self.i_minus_a.mapv_inplace(|v| -v);
        for i in 0..m {
            self.i_minus_a[[i, i]] += 1.0;
        }
        linalg::inverse_into(
            self.i_minus_a.view(),
            self.b.view_mut(),
            self.work.view_mut(),
        )
    }

    /// `G = F B`: the observed rows of `B` (p × m).
    pub fn g(&self) -> ndarray::ArrayView2<'_, f64> {
        self.b.slice(s![..self.p, ..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::linalg::general_mat_mul;

    /// The dense computation: B = (I − A)⁻¹, E = B S Bᵀ, B m.
    fn dense(mats: &RamMatrices) -> (Array2<f64>, Array2<f64>, Array1<f64>) {
        let m = mats.a.nrows();
        let ima = Array2::<f64>::eye(m) - &mats.a;
        let b = linalg::inverse(ima.view()).expect("invertible");
        let mut bs = Array2::zeros((m, m));
        general_mat_mul(1.0, &b, &mats.s, 0.0, &mut bs);
        let e = bs.dot(&b.t());
        let bm = b.dot(&mats.m);
        (b, e, bm)
    }

    fn check(mats: &RamMatrices, p: usize) {
        let m = mats.a.nrows();
        let mut imp = Implied::new(p, m);
        assert!(imp.compute(mats));
        let (b, e, bm) = dense(mats);
        for i in 0..m {
            assert!((imp.bm[i] - bm[i]).abs() < 1e-12);
            for j in 0..m {
                assert!((imp.b[[i, j]] - b[[i, j]]).abs() < 1e-12);
                assert!((imp.e[[i, j]] - e[[i, j]]).abs() < 1e-12 * e[[i, j]].abs().max(1.0));
                assert_eq!(imp.e[[i, j]], imp.e[[j, i]]);
            }
        }
        for i in 0..p {
            assert_eq!(imp.mu[i], imp.bm[i]);
            for j in 0..p {
                assert_eq!(imp.sigma[[i, j]], imp.e[[i, j]]);
            }
        }
        // the buffers are reused: a second call gives the same result
        let before = imp.e.clone();
        assert!(imp.compute(mats));
        assert_eq!(before, imp.e);
    }

    /// Observed x1..x4 (0..3), latent f (4) → g (5) with loadings and a regression, and
    /// variables listed so that a cause comes after its effect.
    fn recursive() -> RamMatrices {
        let m = 6;
        let mut a = Array2::zeros((m, m));
        let mut s = Array2::zeros((m, m));
        a[[0, 4]] = 1.0;
        a[[1, 4]] = 0.8;
        a[[2, 5]] = 1.0;
        a[[3, 5]] = 1.2;
        a[[5, 4]] = 0.5;
        a[[3, 1]] = 0.1; // observed on observed
        for i in 0..4 {
            s[[i, i]] = 0.3 + 0.1 * i as f64;
        }
        s[[4, 4]] = 1.5;
        s[[5, 5]] = 0.7;
        s[[0, 2]] = 0.05;
        s[[2, 0]] = 0.05;
        let m = Array1::from(vec![1.0, 2.0, 3.0, 4.0, 0.0, 0.2]);
        RamMatrices { a, s, m }
    }

    #[test]
    fn acyclic_matches_dense() {
        check(&recursive(), 4);
    }

    #[test]
    fn cyclic_matches_dense() {
        // a feedback loop between the two latent variables: the general inverse
        let mut mats = recursive();
        mats.a[[4, 5]] = -0.3;
        check(&mats, 4);
    }

    #[test]
    fn singular_is_reported() {
        let mut mats = recursive();
        mats.a[[4, 5]] = 2.0; // (I − A) singular: 1 − 0.5 · 2 = 0
        let mut imp = Implied::new(4, 6);
        assert!(!imp.compute(&mats));
    }
}
