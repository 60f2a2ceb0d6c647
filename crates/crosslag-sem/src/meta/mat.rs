//! Small dense matrices for the meta-analytic code (matrices here are at most a few dozen
//! rows): row-major storage, Cholesky, inverses, a symmetric eigen-decomposition (Jacobi) and
//! a pseudo-inverse. Kept inside `meta` so that it does not depend on the engine's internals.

use std::ops::{Index, IndexMut};

/// A dense row-major matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Mat {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
}

impl Index<(usize, usize)> for Mat {
    type Output = f64;
    fn index(&self, (i, j): (usize, usize)) -> &f64 {
        &self.data[i * self.cols + j]
    }
}

impl IndexMut<(usize, usize)> for Mat {
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut f64 {
        &mut self.data[i * self.cols + j]
    }
}

impl Mat {
    pub fn zeros(rows: usize, cols: usize) -> Mat {
        Mat {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    pub fn identity(n: usize) -> Mat {
        let mut m = Mat::zeros(n, n);
        for i in 0..n {
            m[(i, i)] = 1.0;
        }
        m
    }

    pub fn from_rows(rows: &[Vec<f64>]) -> Mat {
        let r = rows.len();
        let c = rows.first().map_or(0, |x| x.len());
        let mut m = Mat::zeros(r, c);
        for i in 0..r {
            for j in 0..c {
                m[(i, j)] = rows[i][j];
            }
        }
        m
    }

    pub fn to_rows(&self) -> Vec<Vec<f64>> {
        (0..self.rows)
            .map(|i| self.data[i * self.cols..(i + 1) * self.cols].to_vec())
            .collect()
    }

    pub fn transpose(&self) -> Mat {
        let mut t = Mat::zeros(self.cols, self.rows);
        for i in 0..self.rows {
            for j in 0..self.cols {
                t[(j, i)] = self[(i, j)];
            }
        }
        t
    }

    pub fn matmul(&self, b: &Mat) -> Mat {
        assert_eq!(self.cols, b.rows);
        let mut c = Mat::zeros(self.rows, b.cols);
        for i in 0..self.rows {
            for k in 0..self.cols {
                let a = self[(i, k)];
                if a == 0.0 {
                    continue;
                }
                for j in 0..b.cols {
                    c.data[i * b.cols + j] += a * b.data[k * b.cols + j];
                }
            }
        }
        c
    }

    pub fn matvec(&self, x: &[f64]) -> Vec<f64> {
        (0..self.rows)
            .map(|i| (0..self.cols).map(|j| self[(i, j)] * x[j]).sum())
            .collect()
    }

    /// The submatrix of the given rows and columns.
    pub fn select(&self, rows: &[usize], cols: &[usize]) -> Mat {
        let mut m = Mat::zeros(rows.len(), cols.len());
        for (a, &i) in rows.iter().enumerate() {
            for (b, &j) in cols.iter().enumerate() {
                m[(a, b)] = self[(i, j)];
            }
        }
        m
    }

    pub fn scale(&self, s: f64) -> Mat {
        Mat {
            rows: self.rows,
            cols: self.cols,
            data: self.data.iter().map(|v| v * s).collect(),
        }
    }

    pub fn add(&self, b: &Mat) -> Mat {
        Mat {
            rows: self.rows,
            cols: self.cols,
            data: self.data.iter().zip(&b.data).map(|(x, y)| x + y).collect(),
        }
    }

    pub fn symmetrize(&mut self) {
        for i in 0..self.rows {
            for j in 0..i {
                let v = 0.5 * (self[(i, j)] + self[(j, i)]);
                self[(i, j)] = v;
                self[(j, i)] = v;
            }
        }
    }

    pub fn diag(&self) -> Vec<f64> {
        (0..self.rows.min(self.cols))
            .map(|i| self[(i, i)])
            .collect()
    }
}

/// Lower Cholesky factor L (A = L L'), or `None` when A is not positive definite.
pub fn cholesky(a: &Mat) -> Option<Mat> {
    let n = a.rows;
    let mut l = Mat::zeros(n, n);
    for j in 0..n {
        let mut d = a[(j, j)];
        for k in 0..j {
            d -= l[(j, k)] * l[(j, k)];
        }
        if d.is_nan() || d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        l[(j, j)] = d;
        for i in j + 1..n {
            let mut s = a[(i, j)];
            for k in 0..j {
                s -= l[(i, k)] * l[(j, k)];
            }
            l[(i, j)] = s / d;
        }
    }
    Some(l)
}

/// Solves L L' x = b for a Cholesky factor L.
pub fn chol_solve(l: &Mat, b: &[f64]) -> Vec<f64> {
    let n = l.rows;
    let mut y = b.to_vec();
    for i in 0..n {
        let mut s = y[i];
        for k in 0..i {
            s -= l[(i, k)] * y[k];
        }
        y[i] = s / l[(i, i)];
    }
    for i in (0..n).rev() {
        let mut s = y[i];
        for k in i + 1..n {
            s -= l[(k, i)] * y[k];
        }
        y[i] = s / l[(i, i)];
    }
    y
}

/// log|A| from a Cholesky factor.
pub fn chol_logdet(l: &Mat) -> f64 {
    2.0 * (0..l.rows).map(|i| l[(i, i)].ln()).sum::<f64>()
}

/// Inverse of a symmetric positive definite matrix with its log-determinant.
pub fn spd_inverse(a: &Mat) -> Option<(Mat, f64)> {
    let l = cholesky(a)?;
    let n = a.rows;
    let mut inv = Mat::zeros(n, n);
    let mut e = vec![0.0; n];
    for j in 0..n {
        e.iter_mut().for_each(|v| *v = 0.0);
        e[j] = 1.0;
        let x = chol_solve(&l, &e);
        for i in 0..n {
            inv[(i, j)] = x[i];
        }
    }
    inv.symmetrize();
    Some((inv, chol_logdet(&l)))
}

/// Inverse of a general square matrix (Gauss–Jordan with partial pivoting).
pub fn inverse(a: &Mat) -> Option<Mat> {
    let n = a.rows;
    let mut m = a.clone();
    let mut inv = Mat::identity(n);
    for c in 0..n {
        let p = (c..n).max_by(|&x, &y| m[(x, c)].abs().total_cmp(&m[(y, c)].abs()))?;
        if m[(p, c)].is_nan() || m[(p, c)].abs() <= 1e-300 {
            return None;
        }
        if p != c {
            for j in 0..n {
                m.data.swap(p * n + j, c * n + j);
                inv.data.swap(p * n + j, c * n + j);
            }
        }
        let d = m[(c, c)];
        for j in 0..n {
            m[(c, j)] /= d;
            inv[(c, j)] /= d;
        }
        for i in 0..n {
            if i != c {
                let f = m[(i, c)];
                if f != 0.0 {
                    for j in 0..n {
                        m[(i, j)] -= f * m[(c, j)];
                        inv[(i, j)] -= f * inv[(c, j)];
                    }
                }
            }
        }
    }
    Some(inv)
}

/// Solves A x = b for a general square A.
pub fn solve(a: &Mat, b: &[f64]) -> Option<Vec<f64>> {
    Some(inverse(a)?.matvec(b))
}

/// Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix (cyclic Jacobi).
pub fn symmetric_eigen(a: &Mat) -> (Vec<f64>, Mat) {
    let n = a.rows;
    let mut m = a.clone();
    m.symmetrize();
    let mut v = Mat::identity(n);
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[(i, j)] * m[(i, j)])
            .sum();
        let scale: f64 = m.data.iter().map(|x| x * x).sum::<f64>().max(1e-300);
        if off <= 1e-30 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[(p, q)];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (m[(q, q)] - m[(p, p)]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let mkp = m[(k, p)];
                    let mkq = m[(k, q)];
                    m[(k, p)] = c * mkp - s * mkq;
                    m[(k, q)] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let mpk = m[(p, k)];
                    let mqk = m[(q, k)];
                    m[(p, k)] = c * mpk - s * mqk;
                    m[(q, k)] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let vkp = v[(k, p)];
                    let vkq = v[(k, q)];
                    v[(k, p)] = c * vkp - s * vkq;
                    v[(k, q)] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| m[(x, x)].total_cmp(&m[(y, y)]));
    let vals = order.iter().map(|&i| m[(i, i)]).collect();
    let mut vecs = Mat::zeros(n, n);
    for (c, &i) in order.iter().enumerate() {
        for k in 0..n {
            vecs[(k, c)] = v[(k, i)];
        }
    }
    (vals, vecs)
}

/// Moore–Penrose inverse of a symmetric matrix (eigenvalues below `sqrt(eps)` times the
/// largest in absolute value count as zero, as `MASS::ginv` does with singular values).
pub fn symmetric_pinv(a: &Mat) -> Mat {
    let n = a.rows;
    let (vals, vecs) = symmetric_eigen(a);
    let maxabs = vals.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let tol = f64::EPSILON.sqrt() * maxabs;
    let mut out = Mat::zeros(n, n);
    for (k, &l) in vals.iter().enumerate() {
        if l.abs() > tol {
            for i in 0..n {
                for j in 0..n {
                    out[(i, j)] += vecs[(i, k)] * vecs[(j, k)] / l;
                }
            }
        }
    }
    out
}
