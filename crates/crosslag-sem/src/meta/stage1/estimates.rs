//! Pooled estimates with their Wald and likelihood-based intervals, and the Q test.

use crate::meta::data::vechs_pairs;
use crate::stats::pnorm;
use serde::Serialize;

/// A vector of estimates with their inference (Wald and likelihood-based).
#[derive(Debug, Clone, Serialize)]
pub struct Estimates {
    pub labels: Vec<String>,
    pub estimate: Vec<f64>,
    pub se: Vec<Option<f64>>,
    pub z: Vec<Option<f64>>,
    pub p: Vec<Option<f64>>,
    pub wald_lbound: Vec<Option<f64>>,
    pub wald_ubound: Vec<Option<f64>>,
    /// Likelihood-based bounds (None when not computed or not found).
    pub lb_lbound: Vec<Option<f64>>,
    pub lb_ubound: Vec<Option<f64>>,
}

impl Estimates {
    pub fn new(labels: Vec<String>, estimate: Vec<f64>, se: Vec<Option<f64>>) -> Estimates {
        let zc = 1.959963984540054;
        let n = estimate.len();
        let z: Vec<Option<f64>> = (0..n).map(|i| se[i].map(|s| estimate[i] / s)).collect();
        Estimates {
            labels,
            p: z.iter()
                .map(|z| z.map(|z| 2.0 * (1.0 - pnorm(z.abs()))))
                .collect(),
            wald_lbound: (0..n)
                .map(|i| se[i].map(|s| estimate[i] - zc * s))
                .collect(),
            wald_ubound: (0..n)
                .map(|i| se[i].map(|s| estimate[i] + zc * s))
                .collect(),
            z,
            estimate,
            se,
            lb_lbound: vec![None; n],
            lb_ubound: vec![None; n],
        }
    }
}

/// Q statistic of homogeneity.
#[derive(Debug, Clone, Serialize)]
pub struct QTest {
    pub q: f64,
    pub df: usize,
    pub p: f64,
}

/// The p × p correlation matrix (unit diagonal) of correlations `rho` in vechs order.
pub(super) fn correlation_matrix(p: usize, rho: &[f64]) -> Vec<Vec<f64>> {
    let mut pm = vec![vec![1.0; p]; p];
    for (k, &(i, j)) in vechs_pairs(p).iter().enumerate() {
        pm[i][j] = rho[k];
        pm[j][i] = rho[k];
    }
    pm
}
