//! The two dense operations the fit measures need: inverse and log-determinant (LU with partial
//! pivoting). Matrices here are small (one row per observed variable).

use ndarray::{Array2, ArrayView2};

/// LU factorisation with partial pivoting: (LU packed, permutation sign), None if singular.
fn lu(a: ArrayView2<f64>) -> Option<(Array2<f64>, f64)> {
    let n = a.nrows();
    let mut m = a.to_owned();
    let mut sign = 1.0;
    for k in 0..n {
        let (piv, max) = (k..n)
            .map(|i| (i, m[[i, k]].abs()))
            .fold((k, -1.0), |acc, x| if x.1 > acc.1 { x } else { acc });
        if max.is_nan() || max <= 0.0 || max.is_infinite() {
            return None;
        }
        if piv != k {
            for j in 0..n {
                m.swap([k, j], [piv, j]);
            }
            sign = -sign;
        }
        let d = m[[k, k]];
        for i in (k + 1)..n {
            let l = m[[i, k]] / d;
            m[[i, k]] = l;
            if l != 0.0 {
                for j in (k + 1)..n {
                    m[[i, j]] -= l * m[[k, j]];
                }
            }
        }
    }
    Some((m, sign))
}

/// ln det(A) for a matrix with positive determinant; None if singular or det ≤ 0.
pub(crate) fn ln_det(a: ArrayView2<f64>) -> Option<f64> {
    let (m, mut sign) = lu(a)?;
    let mut s = 0.0;
    for k in 0..m.nrows() {
        let d = m[[k, k]];
        if d < 0.0 {
            sign = -sign;
        }
        s += d.abs().ln();
    }
    (sign > 0.0).then_some(s)
}

/// A⁻¹ by Gauss–Jordan elimination with partial pivoting; None if singular.
pub(crate) fn inverse(a: ArrayView2<f64>) -> Option<Array2<f64>> {
    let n = a.nrows();
    let mut m = a.to_owned();
    let mut inv = Array2::<f64>::eye(n);
    for k in 0..n {
        let (piv, max) = (k..n)
            .map(|i| (i, m[[i, k]].abs()))
            .fold((k, -1.0), |acc, x| if x.1 > acc.1 { x } else { acc });
        if max.is_nan() || max <= 0.0 || max.is_infinite() {
            return None;
        }
        if piv != k {
            for j in 0..n {
                m.swap([k, j], [piv, j]);
                inv.swap([k, j], [piv, j]);
            }
        }
        let d = m[[k, k]];
        for j in 0..n {
            m[[k, j]] /= d;
            inv[[k, j]] /= d;
        }
        for i in 0..n {
            if i != k {
                let l = m[[i, k]];
                if l != 0.0 {
                    for j in 0..n {
                        m[[i, j]] -= l * m[[k, j]];
                        inv[[i, j]] -= l * inv[[k, j]];
                    }
                }
            }
        }
    }
    // symmetrise (inputs are covariance matrices)
    let sym = (&inv + &inv.t()) * 0.5;
    Some(if is_symmetric(a) { sym } else { inv })
}

fn is_symmetric(a: ArrayView2<f64>) -> bool {
    let n = a.nrows();
    (0..n).all(|i| (0..i).all(|j| a[[i, j]] == a[[j, i]]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn inverse_and_ln_det() {
        let a = array![[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]];
        let inv = inverse(a.view()).unwrap();
        let id = a.dot(&inv);
        for i in 0..3 {
            for j in 0..3 {
                let e = if i == j { 1.0 } else { 0.0 };
                assert!((id[[i, j]] - e).abs() < 1e-14);
            }
        }
        // det = 4(6 − 0.04) − 1(2 − 0.1) + 0.5(0.2 − 1.5) = 23.84 − 1.9 − 0.65 = 21.29
        assert!((ln_det(a.view()).unwrap() - 21.29_f64.ln()).abs() < 1e-14);
        assert!(ln_det(array![[1.0, 2.0], [2.0, 1.0]].view()).is_none());
        assert!(inverse(array![[1.0, 2.0], [2.0, 4.0]].view()).is_none());
    }
}
