//! Dense linear algebra for the small symmetric matrices of SEM (tens of variables).
//!
//! One seam for the whole crate: Cholesky factorisation, log-determinant, inverse of a
//! symmetric positive-definite matrix, the inverse of a general square matrix (`(I − A)⁻¹` of
//! a non-recursive RAM model) and the eigenvalues of a symmetric matrix. The default build
//! uses the pure-Rust kernels below; the `lapack` feature routes the same calls to LAPACK
//! (`dpotrf`/`dpotri`, `dgetrf`/`dgetri`, `dsyev`) through `ndarray-linalg`.
//!
//! The kernels write into caller-owned buffers so that the objective function does not
//! allocate. They work on the rows of contiguous (standard-layout) buffers as slices; other
//! layouts are copied first.

use ndarray::{Array2, ArrayView2, ArrayViewMut2};

/// `Σ_k x_k y_k` of two equally long slices.
#[inline]
fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// Run `f` on the row-major storage of `a` (copied there and back if `a` is not contiguous).
fn with_slice<R>(mut a: ArrayViewMut2<f64>, f: impl FnOnce(&mut [f64]) -> R) -> R {
    if let Some(buf) = a.as_slice_mut() {
        return f(buf);
    }
    let mut owned = a.to_owned();
    let r = f(owned.as_slice_mut().expect("owned arrays are contiguous"));
    a.assign(&owned);
    r
}

/// Lower Cholesky factor in place on row-major `n × n` storage (lower triangle read, upper
/// triangle zeroed); `false` if not positive definite.
fn cholesky_slice(a: &mut [f64], n: usize) -> bool {
    for j in 0..n {
        let (rowj, below) = a[j * n..].split_at_mut(n);
        let d = rowj[j] - dot(&rowj[..j], &rowj[..j]);
        if d.is_nan() || d <= 0.0 || d.is_infinite() {
            return false;
        }
        let d = d.sqrt();
        rowj[j] = d;
        rowj[j + 1..].fill(0.0);
        for rowi in below.chunks_exact_mut(n) {
            rowi[j] = (rowi[j] - dot(&rowi[..j], &rowj[..j])) / d;
        }
    }
    true
}

/// In-place lower Cholesky factor of a symmetric matrix (only the lower triangle is read).
/// Returns `false` if the matrix is not positive definite. The upper triangle is zeroed.
pub fn cholesky_in_place(a: ArrayViewMut2<f64>) -> bool {
    let n = a.nrows();
    with_slice(a, |buf| cholesky_slice(buf, n))
}

/// Inverse and log-determinant of a symmetric positive-definite matrix.
///
/// `work` must be `n × n`; on success `inv` holds `a⁻¹` and the log-determinant is returned.
/// Returns `None` when `a` is not positive definite.
pub fn spd_inverse_into(
    a: ArrayView2<f64>,
    inv: ArrayViewMut2<f64>,
    work: ArrayViewMut2<f64>,
) -> Option<f64> {
    #[cfg(feature = "lapack")]
    let (inv, work) = match lapack::spd_inverse_into(a, inv, work) {
        Ok(result) => return result,
        Err(buffers) => buffers,
    };
    spd_inverse_into_rust(a, inv, work)
}

/// The pure-Rust kernel of [`spd_inverse_into`]: `A = L Lᵀ`, `Y = L⁻ᵀ` (upper triangular, by
/// rows), `A⁻¹ = Y Yᵀ`; every inner loop is a dot product of two contiguous row pieces.
fn spd_inverse_into_rust(
    a: ArrayView2<f64>,
    inv: ArrayViewMut2<f64>,
    mut work: ArrayViewMut2<f64>,
) -> Option<f64> {
    let n = a.nrows();
    work.assign(&a);
    with_slice(work, |l| {
        if !cholesky_slice(l, n) {
            return None;
        }
        let logdet: f64 = (0..n).map(|i| 2.0 * l[i * n + i].ln()).sum();
        with_slice(inv, |y| {
            // Y = L⁻ᵀ: row j holds column j of L⁻¹, Y[j][i] = −(Σ_{k=j}^{i−1} L[i][k] Y[j][k]) / L[i][i]
            for j in 0..n {
                let yj = &mut y[j * n..(j + 1) * n];
                yj[..j].fill(0.0);
                yj[j] = 1.0 / l[j * n + j];
                for i in (j + 1)..n {
                    yj[i] = -dot(&l[i * n + j..i * n + i], &yj[j..i]) / l[i * n + i];
                }
            }
            // A⁻¹[i][j] = Σ_{k≥i} Y[i][k] Y[j][k] for j ≤ i, written into the strictly lower
            // triangle (where Y is zero) and then the diagonal of row i, which only row i
            // reads; the upper triangle is mirrored at the end.
            for i in 0..n {
                for j in 0..i {
                    y[i * n + j] = dot(&y[i * n + i..(i + 1) * n], &y[j * n + i..(j + 1) * n]);
                }
                let yi = &y[i * n + i..(i + 1) * n];
                y[i * n + i] = dot(yi, yi);
            }
            for i in 0..n {
                for j in 0..i {
                    y[j * n + i] = y[i * n + j];
                }
            }
        });
        Some(logdet)
    })
}

/// Allocating convenience wrapper of [`spd_inverse_into`].
pub fn spd_inverse(a: ArrayView2<f64>) -> Option<(Array2<f64>, f64)> {
    let n = a.nrows();
    let mut inv = Array2::zeros((n, n));
    let mut work = Array2::zeros((n, n));
    spd_inverse_into(a, inv.view_mut(), work.view_mut()).map(|ld| (inv, ld))
}

/// Inverse of a general square matrix: Gauss–Jordan elimination with partial pivoting (LU
/// with partial pivoting, `dgetrf` + `dgetri`, with the `lapack` feature). `work` must be
/// `n × n`. Returns `false` when the matrix is numerically singular (a pivot below
/// `1e-14 · max(1, max |a_ij|)`).
pub fn inverse_into(a: ArrayView2<f64>, inv: ArrayViewMut2<f64>, work: ArrayViewMut2<f64>) -> bool {
    #[cfg(feature = "lapack")]
    let (inv, work) = match lapack::inverse_into(a, inv, work) {
        Ok(result) => return result,
        Err(buffers) => buffers,
    };
    inverse_into_rust(a, inv, work)
}

/// The pure-Rust kernel of [`inverse_into`] (Gauss–Jordan on rows as slices).
fn inverse_into_rust(
    a: ArrayView2<f64>,
    inv: ArrayViewMut2<f64>,
    mut work: ArrayViewMut2<f64>,
) -> bool {
    let n = a.nrows();
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1.0);
    work.assign(&a);
    with_slice(work, |w| {
        with_slice(inv, |x| {
            x.fill(0.0);
            for i in 0..n {
                x[i * n + i] = 1.0;
            }
            for col in 0..n {
                let mut piv = col;
                let mut best = w[col * n + col].abs();
                for r in (col + 1)..n {
                    let v = w[r * n + col].abs();
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
                        w.swap(piv * n + k, col * n + k);
                        x.swap(piv * n + k, col * n + k);
                    }
                }
                let d = 1.0 / w[col * n + col];
                // columns < col of the pivot row of `w` are already 0
                for v in &mut w[col * n + col..(col + 1) * n] {
                    *v *= d;
                }
                for v in &mut x[col * n..(col + 1) * n] {
                    *v *= d;
                }
                let wp = w[col * n + col..(col + 1) * n].to_vec();
                let xp = x[col * n..(col + 1) * n].to_vec();
                for r in (0..n).filter(|&r| r != col) {
                    let f = w[r * n + col];
                    if f != 0.0 {
                        for (v, p) in w[r * n + col..(r + 1) * n].iter_mut().zip(&wp) {
                            *v -= f * p;
                        }
                        for (v, p) in x[r * n..(r + 1) * n].iter_mut().zip(&xp) {
                            *v -= f * p;
                        }
                    }
                }
            }
            true
        })
    })
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

/// Eigenvalues of a symmetric matrix (for checks of positive definiteness and of the rank of
/// small information matrices), in ascending order: Householder tridiagonalisation and the
/// implicit QL algorithm (cyclic Jacobi if that does not converge), or `dsyev` with the
/// `lapack` feature.
pub fn symmetric_eigenvalues(a: ArrayView2<f64>) -> Vec<f64> {
    #[cfg(feature = "lapack")]
    if let Some(ev) = lapack::symmetric_eigenvalues(a) {
        return ev;
    }
    let mut ev = tridiagonal_ql(a).unwrap_or_else(|| jacobi_eigenvalues(a));
    ev.sort_by(|x, y| x.total_cmp(y));
    ev
}

/// Eigenvalues by Householder reduction to tridiagonal form (`tred2` without eigenvectors)
/// and the implicit QL algorithm with Wilkinson shifts (`tqli`); `None` when QL needs more
/// than 60 iterations for one eigenvalue or meets a non-finite value.
fn tridiagonal_ql(a: ArrayView2<f64>) -> Option<Vec<f64>> {
    let n = a.nrows();
    if n == 0 {
        return Some(Vec::new());
    }
    let mut m: Vec<f64> = a.iter().copied().collect();
    let mut d = vec![0.0; n];
    let mut e = vec![0.0; n];
    // Householder: rows n−1 … 1, the lower triangle of m is read and updated.
    for i in (1..n).rev() {
        let l = i - 1;
        if l > 0 {
            let scale: f64 = m[i * n..i * n + l + 1].iter().map(|v| v.abs()).sum();
            if scale == 0.0 {
                e[i] = m[i * n + l];
            } else {
                let mut h = 0.0;
                for k in 0..=l {
                    m[i * n + k] /= scale;
                    h += m[i * n + k] * m[i * n + k];
                }
                let f = m[i * n + l];
                let g = if f >= 0.0 { -h.sqrt() } else { h.sqrt() };
                e[i] = scale * g;
                h -= f * g;
                m[i * n + l] = f - g;
                let mut f = 0.0;
                for j in 0..=l {
                    let mut g = 0.0;
                    for k in 0..=j {
                        g += m[j * n + k] * m[i * n + k];
                    }
                    for k in (j + 1)..=l {
                        g += m[k * n + j] * m[i * n + k];
                    }
                    e[j] = g / h;
                    f += e[j] * m[i * n + j];
                }
                let hh = f / (h + h);
                for j in 0..=l {
                    let f = m[i * n + j];
                    let g = e[j] - hh * f;
                    e[j] = g;
                    for k in 0..=j {
                        m[j * n + k] -= f * e[k] + g * m[i * n + k];
                    }
                }
            }
        } else {
            e[i] = m[i * n + l];
        }
    }
    for i in 0..n {
        d[i] = m[i * n + i];
    }
    // QL with implicit shifts on (d, e): e[i] couples d[i] and d[i + 1].
    for i in 1..n {
        e[i - 1] = e[i];
    }
    e[n - 1] = 0.0;
    for l in 0..n {
        let mut iter = 0;
        loop {
            let mut mm = l;
            while mm + 1 < n {
                let dd = d[mm].abs() + d[mm + 1].abs();
                if e[mm].abs() <= f64::EPSILON * dd {
                    break;
                }
                mm += 1;
            }
            if mm == l {
                break;
            }
            iter += 1;
            if iter > 60 {
                return None;
            }
            let mut g = (d[l + 1] - d[l]) / (2.0 * e[l]);
            let mut r = g.hypot(1.0);
            g = d[mm] - d[l] + e[l] / (g + if g >= 0.0 { r.abs() } else { -r.abs() });
            let (mut s, mut c, mut p) = (1.0, 1.0, 0.0);
            let mut underflow = false;
            for i in (l..mm).rev() {
                let f = s * e[i];
                let b = c * e[i];
                r = f.hypot(g);
                e[i + 1] = r;
                if r == 0.0 {
                    d[i + 1] -= p;
                    e[mm] = 0.0;
                    underflow = true;
                    break;
                }
                s = f / r;
                c = g / r;
                g = d[i + 1] - p;
                r = (d[i] - g) * s + 2.0 * c * b;
                p = s * r;
                d[i + 1] = g + p;
                g = c * r - b;
            }
            if underflow {
                continue;
            }
            d[l] -= p;
            e[l] = g;
            e[mm] = 0.0;
        }
    }
    d.iter().all(|v| v.is_finite()).then_some(d)
}

/// Eigenvalues by the cyclic Jacobi method (the fallback of [`tridiagonal_ql`]), unsorted.
fn jacobi_eigenvalues(a: ArrayView2<f64>) -> Vec<f64> {
    jacobi(a, false).0
}

/// Eigenvalues and eigenvectors (columns) of a symmetric matrix, eigenvalues in ascending
/// order, by the cyclic Jacobi method. Slow (O(n³) per sweep) but accurate for small
/// eigenvalues of badly scaled matrices; used off the hot path, e.g. for the generalized
/// inverse of a bordered information matrix.
pub fn symmetric_eigen(a: ArrayView2<f64>) -> (Vec<f64>, Array2<f64>) {
    let (values, vectors) = jacobi(a, true);
    let vectors = vectors.expect("vectors requested");
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&x, &y| values[x].total_cmp(&values[y]));
    let sorted_values = order.iter().map(|&i| values[i]).collect();
    let sorted_vectors = Array2::from_shape_fn(vectors.dim(), |(r, c)| vectors[[r, order[c]]]);
    (sorted_values, sorted_vectors)
}

/// Cyclic Jacobi rotations until the off-diagonal mass is below 1e-30 of the total
/// (Golub & Van Loan, Matrix Computations, 4th ed., §8.5); `V` accumulates the rotations
/// when asked, so that `A = V diag(λ) Vᵀ`.
fn jacobi(a: ArrayView2<f64>, with_vectors: bool) -> (Vec<f64>, Option<Array2<f64>>) {
    let n = a.nrows();
    let mut m = a.to_owned();
    let mut v = with_vectors.then(|| Array2::<f64>::eye(n));
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
                if let Some(v) = v.as_mut() {
                    for k in 0..n {
                        let vkp = v[[k, p]];
                        let vkq = v[[k, q]];
                        v[[k, p]] = c * vkp - s * vkq;
                        v[[k, q]] = s * vkp + c * vkq;
                    }
                }
            }
        }
    }
    ((0..n).map(|i| m[[i, i]]).collect(), v)
}

/// LAPACK (through `ndarray-linalg`'s `lax`) versions of the kernels, without allocation
/// for the two that the objective calls at every evaluation.
///
/// The buffers are row-major; LAPACK is column-major. A row-major buffer read as
/// column-major is the transpose, and no copy is needed: a symmetric matrix is its own
/// transpose (its upper triangle in LAPACK's view is the lower one here), and
/// `(Aᵀ)⁻¹ = (A⁻¹)ᵀ` for the general inverse.
///
/// Each function hands the buffers back (`Err`) when they are not contiguous, so that the
/// caller can use the pure-Rust kernel.
#[cfg(feature = "lapack")]
mod lapack {
    use ndarray::{ArrayView2, ArrayViewMut2};
    use ndarray_linalg::{Lapack, MatrixLayout, UPLO};

    type Buffers<'a, 'b> = (ArrayViewMut2<'a, f64>, ArrayViewMut2<'b, f64>);

    fn layout(n: usize) -> MatrixLayout {
        MatrixLayout::F {
            col: n as i32,
            lda: n as i32,
        }
    }

    pub fn spd_inverse_into<'a, 'b>(
        a: ArrayView2<f64>,
        mut inv: ArrayViewMut2<'a, f64>,
        work: ArrayViewMut2<'b, f64>,
    ) -> Result<Option<f64>, Buffers<'a, 'b>> {
        let n = a.nrows();
        if n == 0 || !inv.is_standard_layout() {
            return Err((inv, work));
        }
        inv.assign(&a);
        let buf = inv.as_slice_mut().expect("standard layout");
        // dpotrf on "U" of the column-major view = the lower triangle here: buf = Lᵀ (column-major).
        if f64::cholesky(layout(n), UPLO::Upper, buf).is_err() {
            return Ok(None);
        }
        let mut logdet = 0.0;
        for i in 0..n {
            let d = buf[i * n + i];
            if d.is_nan() || d <= 0.0 || d.is_infinite() {
                return Ok(None);
            }
            logdet += 2.0 * d.ln();
        }
        if f64::inv_cholesky(layout(n), UPLO::Upper, buf).is_err() {
            return Ok(None);
        }
        // dpotri filled the lower triangle (row-major view): mirror it.
        for i in 0..n {
            for j in 0..i {
                buf[j * n + i] = buf[i * n + j];
            }
        }
        Ok(Some(logdet))
    }

    pub fn inverse_into<'a, 'b>(
        a: ArrayView2<f64>,
        mut inv: ArrayViewMut2<'a, f64>,
        work: ArrayViewMut2<'b, f64>,
    ) -> Result<bool, Buffers<'a, 'b>> {
        let n = a.nrows();
        if n == 0 || !inv.is_standard_layout() {
            return Err((inv, work));
        }
        inv.assign(&a);
        let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1.0);
        let buf = inv.as_slice_mut().expect("standard layout");
        let Ok(pivots) = f64::lu(layout(n), buf) else {
            return Ok(false);
        };
        if (0..n).any(|i| {
            let u = buf[i * n + i].abs();
            u <= 1e-14 * scale || !u.is_finite()
        }) {
            return Ok(false);
        }
        Ok(f64::inv(layout(n), buf, &pivots).is_ok())
    }

    pub fn symmetric_eigenvalues(a: ArrayView2<f64>) -> Option<Vec<f64>> {
        let n = a.nrows();
        if n == 0 {
            return None;
        }
        let mut buf: Vec<f64> = a.iter().copied().collect();
        let mut ev = f64::eigh(false, layout(n), UPLO::Upper, &mut buf).ok()?;
        ev.sort_by(|x, y| x.total_cmp(y));
        Some(ev)
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

    /// A reproducible pseudo-random matrix (no rand dependency).
    fn pseudo_random(n: usize, seed: u64) -> Array2<f64> {
        let mut x = seed;
        Array2::from_shape_fn((n, n), |_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        })
    }

    /// The public functions (LAPACK with the `lapack` feature) agree with the pure-Rust kernels.
    #[test]
    fn kernels_agree() {
        for &n in &[1usize, 2, 8, 18, 35] {
            let r = pseudo_random(n, 7 + n as u64);
            let mut spd = r.t().dot(&r);
            for i in 0..n {
                spd[[i, i]] += 0.5;
            }
            let mut inv1 = Array2::zeros((n, n));
            let mut inv2 = Array2::zeros((n, n));
            let mut work = Array2::zeros((n, n));
            let ld1 = spd_inverse_into(spd.view(), inv1.view_mut(), work.view_mut()).unwrap();
            let prod = spd.dot(&inv1);
            for i in 0..n {
                for j in 0..n {
                    let e = if i == j { 1.0 } else { 0.0 };
                    assert!((prod[[i, j]] - e).abs() < 1e-9, "n = {n}");
                }
            }
            let ld2 = spd_inverse_into_rust(spd.view(), inv2.view_mut(), work.view_mut()).unwrap();
            assert!((ld1 - ld2).abs() < 1e-10 * ld2.abs().max(1.0), "n = {n}");
            let scale = inv2.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (x, y) in inv1.iter().zip(inv2.iter()) {
                assert!((x - y).abs() < 1e-10 * scale, "n = {n}");
            }
            // I − A with A strictly lower triangular plus a few feedback entries: not symmetric
            let mut ima = Array2::<f64>::eye(n) - &(&r * 0.3);
            if n > 1 {
                ima[[0, n - 1]] = 0.2;
            }
            assert!(
                inverse_into(ima.view(), inv1.view_mut(), work.view_mut()),
                "n = {n}"
            );
            assert!(
                inverse_into_rust(ima.view(), inv2.view_mut(), work.view_mut()),
                "n = {n}"
            );
            let prod = ima.dot(&inv1);
            for i in 0..n {
                for j in 0..n {
                    let e = if i == j { 1.0 } else { 0.0 };
                    assert!((prod[[i, j]] - e).abs() < 1e-10, "n = {n}");
                    assert!(
                        (inv1[[i, j]] - inv2[[i, j]]).abs() < 1e-10 * inv2[[i, j]].abs().max(1.0)
                    );
                }
            }
            let ev1 = symmetric_eigenvalues(spd.view());
            let mut ev2 = super::jacobi_eigenvalues(spd.view());
            ev2.sort_by(|x, y| x.total_cmp(y));
            for (x, y) in ev1.iter().zip(ev2.iter()) {
                assert!((x - y).abs() < 1e-10 * ev2[n - 1].abs(), "n = {n}");
            }
        }
        // eigenvalues of indefinite, rank-deficient, diagonal and repeated-eigenvalue matrices
        for &n in &[3usize, 10, 35, 70] {
            let r = pseudo_random(n, 99 + n as u64);
            let low_rank = r.slice(ndarray::s![.., ..n / 3]).to_owned();
            let cases = [
                &r + &r.t(),
                low_rank.dot(&low_rank.t()),
                Array2::from_diag(&ndarray::Array1::from_iter((0..n).map(|i| (i % 4) as f64))),
                Array2::eye(n) * 2.0,
            ];
            for m in cases {
                let ev1 = symmetric_eigenvalues(m.view());
                let mut ev2 = super::jacobi_eigenvalues(m.view());
                ev2.sort_by(|x, y| x.total_cmp(y));
                let scale = ev2.iter().fold(1.0f64, |a, v| a.max(v.abs()));
                for (x, y) in ev1.iter().zip(ev2.iter()) {
                    assert!((x - y).abs() < 1e-11 * scale, "n = {n}: {x} vs {y}");
                }
            }
        }
        // not positive definite / singular through the public functions
        let mut inv = Array2::zeros((2, 2));
        let mut work = Array2::zeros((2, 2));
        let indefinite = array![[1.0, 2.0], [2.0, 1.0]];
        assert!(spd_inverse_into(indefinite.view(), inv.view_mut(), work.view_mut()).is_none());
        let singular = array![[1.0, 2.0], [0.5, 1.0]];
        assert!(!inverse_into(
            singular.view(),
            inv.view_mut(),
            work.view_mut()
        ));
    }

    #[test]
    fn jacobi_eigen_reconstructs() {
        let a = array![[4.0, 1.0, -2.0], [1.0, 0.0, 3.0], [-2.0, 3.0, 1e-9]];
        let (ev, v) = symmetric_eigen(a.view());
        assert!(ev.windows(2).all(|w| w[0] <= w[1]));
        let back = v
            .dot(&Array2::from_diag(&ndarray::Array1::from(ev.clone())))
            .dot(&v.t());
        for (x, y) in back.iter().zip(a.iter()) {
            assert!((x - y).abs() < 1e-12, "{x} vs {y}");
        }
        let vtv = v.t().dot(&v);
        for ((i, j), x) in vtv.indexed_iter() {
            assert!((x - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
        }
    }

    #[test]
    fn jacobi_eigenvalues() {
        let a = array![[2.0, 1.0], [1.0, 2.0]];
        let ev = symmetric_eigenvalues(a.view());
        assert!((ev[0] - 1.0).abs() < 1e-12 && (ev[1] - 3.0).abs() < 1e-12);
    }
}
