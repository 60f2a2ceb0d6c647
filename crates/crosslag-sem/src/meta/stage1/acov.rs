//! The large-sample sampling covariance of correlations (Olkin & Siotani, 1976), the V_i of
//! the random-effects model.

use crate::meta::data::vechs_pairs;
use crate::meta::mat::Mat;

/// Olkin–Siotani large-sample covariance (times n) of the correlations of `r` (vechs order).
pub fn acov_correlations(r: &[Vec<f64>]) -> Mat {
    let p = r.len();
    let pairs = vechs_pairs(p);
    let q = pairs.len();
    let mut m = Mat::zeros(q, q);
    for (a, &(t, s)) in pairs.iter().enumerate() {
        for (b, &(v, u)) in pairs.iter().enumerate() {
            let x = |i: usize, j: usize| r[i][j];
            let val = 0.5
                * x(s, t)
                * x(u, v)
                * (x(s, u).powi(2) + x(s, v).powi(2) + x(t, u).powi(2) + x(t, v).powi(2))
                + x(s, u) * x(t, v)
                + x(s, v) * x(t, u)
                - (x(s, t) * x(s, u) * x(s, v)
                    + x(t, s) * x(t, u) * x(t, v)
                    + x(u, s) * x(u, t) * x(u, v)
                    + x(v, s) * x(v, t) * x(v, u));
            m[(a, b)] = val;
        }
    }
    m.symmetrize();
    m
}
