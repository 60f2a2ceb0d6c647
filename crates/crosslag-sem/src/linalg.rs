//! Dense linear algebra for the small symmetric matrices of SEM (tens of variables).
//!
//! One seam for the whole crate: Cholesky factorisation, log-determinant, inverse of a
//! symmetric positive-definite matrix, and the inverse of a general square matrix
//! (`(I − A)⁻¹` of the RAM model). The default build uses the pure-Rust kernels below;
//! the `lapack` feature routes the same calls to LAPACK through `ndarray-linalg`.
//!
//! The kernels write into caller-owned buffers so that the objective function does not
//! allocate.

use ndarray::{Array2, ArrayView2, ArrayViewMut2};

/// In-place lower Cholesky factor of a symmetric matrix (only the lower triangle is read).
/// Returns `false` if the matrix is not positive definite. The upper triangle is zeroed.
pub fn cholesky_in_place(mut a: ArrayViewMut2<f64>) -> bool {
    let n = a.nrows();
    for j in 0..n {
        let mut d = a[[j, j]];
        for k in 0..j {
            d -= a[[j, k]] * a[[j, k]];
        }
        if !(d > 0.0) || !d.is_finite() {
            return false;
        }
        let d = d.sqrt();
        a[[j, j]] = d;
        for i in (j + 1)..n {
            let mut s = a[[i, j]];
            for k in 0..j {
                s -= a[[i, k]] * a[[j, k]];
            }
            a[[i, j]] = s / d;
        }
        for i in 0..j {
            a[[i, j]] = 0.0;
        }
    }
    true
}

/// Inverse and log-determinant of a symmetric positive-definite matrix.
///
/// `work` must be `n × n`; on success `inv` holds `a⁻¹` and the log-determinant is returned.
/// Returns `None` when `a` is not positive definite.
pub fn spd_inverse_into(
    a: ArrayView2<f64>,
    mut inv: ArrayViewMut2<f64>,
    mut work: ArrayViewMut2<f64>,
) -> Option<f64> {
    let n = a.nrows();
    work.assign(&a);
    #[cfg(feature = "lapack")]
    {
        return lapack::spd_inverse_into(a, inv, work);
    }
    #[allow(unreachable_code)]
    {
        if !cholesky_in_place(work.view_mut()) {
            return None;
        }
        let l = &work;
        let mut logdet = 0.0;
        for i in 0..n {
            logdet += 2.0 * l[[i, i]].ln();
        }
        // inv = L⁻ᵀ L⁻¹: first invert L into the lower triangle of `inv`.
        inv.fill(0.0);
        for j in 0..n {
            inv[[j, j]] = 1.0 / l[[j, j]];
            for i in (j + 1)..n {
                let mut s = 0.0;
                for k in j..i {
                    s -= l[[i, k]] * inv[[k, j]];
                }
                inv[[i, j]] = s / l[[i, i]];
            }
        }
        // (L⁻¹)ᵀ L⁻¹, lower triangle, then mirror.
        for i in 0..n {
            for j in 0..=i {
                let mut s = 0.0;
                for k in i..n {
                    s += inv[[k, i]] * inv[[k, j]];
                }
                inv[[j, i]] = s;
            }
        }
        for i in 0..n {
            for j in 0..i {
                inv[[i, j]] = inv[[j, i]];
            }
        }
        Some(logdet)
    }
}

/// Allocating convenience wrapper of [`spd_inverse_into`].
pub fn spd_inverse(a: ArrayView2<f64>) -> Option<(Array2<f64>, f64)> {
    let n = a.nrows();
    let mut inv = Array2::zeros((n, n));
    let mut work = Array2::zeros((n, n));
    spd_inverse_into(a, inv.view_mut(), work.view_mut()).map(|ld| (inv, ld))
}

/// Inverse of a general square matrix by Gauss–Jordan elimination with partial pivoting.
/// `work` must be `n × n`. Returns `false` when the matrix is numerically singular.
pub fn inverse_into(
    a: ArrayView2<f64>,
    mut inv: ArrayViewMut2<f64>,
    mut work: ArrayViewMut2<f64>,
) -> bool {
    let n = a.nrows();
    work.assign(&a);
    inv.fill(0.0);
    for i in 0..n {
        inv[[i, i]] = 1.0;
    }
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1.0);
    for col in 0..n {
        let mut piv = col;
        let mut best = work[[col, col]].abs();
        for r in (col + 1)..n {
            let v = work[[r, col]].abs();
            if v > best {
                best = v;
                piv = r;
            }
        }
        if best <= 1e-14 * scale || !best.is_finite() {
            return false;
        }
        if piv != col {
            for k in 0..n {
                work.swap([piv, k], [col, k]);
                inv.swap([piv, k], [col, k]);
            }
        }
        let d = 1.0 / work[[col, col]];
        for k in 0..n {
            work[[col, k]] *= d;
            inv[[col, k]] *= d;
        }
        for r in 0..n {
            if r == col {
                continue;
            }
            let f = work[[r, col]];
            if f != 0.0 {
                for k in 0..n {
                    work[[r, k]] -= f * work[[col, k]];
                    inv[[r, k]] -= f * inv[[col, k]];
                }
            }
        }
    }
    true
}

/// Allocating convenience wrapper of [`inverse_into`].
pub fn inverse(a: ArrayView2<f64>) -> Option<Array2<f64>> {
    let n = a.nrows();
    let mut inv = Array2::zeros((n, n));
    let mut work = Array2::zeros((n, n));
    inverse_into(a, inv.view_mut(), work.view_mut()).then_some(inv)
}

/// Inverse of a symmetric matrix that may be only positive semi-definite or indefinite
/// (an information matrix of an unidentified model): Cholesky when possible, otherwise
/// Gauss–Jordan. Returns `None` when singular.
pub fn symmetric_inverse(a: ArrayView2<f64>) -> Option<Array2<f64>> {
    spd_inverse(a).map(|(inv, _)| inv).or_else(|| inverse(a))
}

/// Eigenvalues of a symmetric matrix (cyclic Jacobi; for checks of positive definiteness
/// and of the rank of small information matrices), in ascending order.
pub fn symmetric_eigenvalues(a: ArrayView2<f64>) -> Vec<f64> {
    let n = a.nrows();
    let mut m = a.to_owned();
    for _sweep in 0..100 {
        let mut off = 0.0;
        for i in 0..n {
            for j in 0..i {
                off += m[[i, j]] * m[[i, j]];
            }
        }
        let total: f64 = m.iter().map(|v| v * v).sum();
        if off <= 1e-30 * total.max(1e-300) {
            break;
        }
        for p in 0..n {
            for q in (p + 1)..n {
                let apq = m[[p, q]];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (m[[q, q]] - m[[p, p]]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let mkp = m[[k, p]];
                    let mkq = m[[k, q]];
                    m[[k, p]] = c * mkp - s * mkq;
                    m[[k, q]] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let mpk = m[[p, k]];
                    let mqk = m[[q, k]];
                    m[[p, k]] = c * mpk - s * mqk;
                    m[[q, k]] = s * mpk + c * mqk;
                }
            }
        }
    }
    let mut ev: Vec<f64> = (0..n).map(|i| m[[i, i]]).collect();
    ev.sort_by(|a, b| a.total_cmp(b));
    ev
}

#[cfg(feature = "lapack")]
mod lapack {
    use ndarray::{ArrayView2, ArrayViewMut2};
    use ndarray_linalg::{Cholesky, InverseC, UPLO};

    pub fn spd_inverse_into(
        a: ArrayView2<f64>,
        mut inv: ArrayViewMut2<f64>,
        _work: ArrayViewMut2<f64>,
    ) -> Option<f64> {
        let l = a.cholesky(UPLO::Lower).ok()?;
        let logdet = l.diag().iter().map(|d| 2.0 * d.ln()).sum();
        let i = a.invc().ok()?;
        inv.assign(&i);
        Some(logdet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn spd_inverse_and_logdet() {
        let a = array![[4.0, 2.0, 0.6], [2.0, 5.0, 1.0], [0.6, 1.0, 3.0]];
        let (inv, ld) = spd_inverse(a.view()).unwrap();
        let prod = a.dot(&inv);
        for i in 0..3 {
            for j in 0..3 {
                let e = if i == j { 1.0 } else { 0.0 };
                assert!((prod[[i, j]] - e).abs() < 1e-12);
            }
        }
        // det = 4(15-1) - 2(6-0.6) + 0.6(2-3) = 56 - 10.8 - 0.6 = 44.6
        assert!((ld - 44.6f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn not_positive_definite_is_detected() {
        let a = array![[1.0, 2.0], [2.0, 1.0]];
        assert!(spd_inverse(a.view()).is_none());
    }

    #[test]
    fn general_inverse() {
        let a = array![[1.0, 0.0, 0.0], [-0.5, 1.0, 0.0], [0.2, -0.3, 1.0]];
        let inv = inverse(a.view()).unwrap();
        let prod = a.dot(&inv);
        for i in 0..3 {
            for j in 0..3 {
                let e = if i == j { 1.0 } else { 0.0 };
                assert!((prod[[i, j]] - e).abs() < 1e-13);
            }
        }
        assert!(inverse(array![[1.0, 2.0], [2.0, 4.0]].view()).is_none());
    }

    #[test]
    fn jacobi_eigenvalues() {
        let a = array![[2.0, 1.0], [1.0, 2.0]];
        let ev = symmetric_eigenvalues(a.view());
        assert!((ev[0] - 1.0).abs() < 1e-12 && (ev[1] - 3.0).abs() < 1e-12);
    }
}
