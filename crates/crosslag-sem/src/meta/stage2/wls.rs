//! The weighted-least-squares objective of stage 2, F(θ) = Σ_g (r_g − ρ_g(θ))ᵀ W_g (r_g − ρ_g(θ))
//! with W_g = Acov(r_g)⁻¹, over one or several groups (parameters shared by label or by
//! [`Sharing`]), and its form with the error variances as free parameters.

use super::model::PathModel;
use crate::meta::data::vechs_pairs;
use crate::meta::mat::{spd_inverse, Mat};
use crate::meta::optim::{numeric_gradient, Objective};
use crate::meta::MetaError;

/// The correlations of a matrix in vechs order.
pub(super) fn vechs(m: &Mat) -> Vec<f64> {
    vechs_pairs(m.rows)
        .iter()
        .map(|&(i, j)| m[(i, j)])
        .collect()
}

/// One group's data: pooled correlations (vechs), the weight matrix and N.
#[derive(Debug, Clone)]
pub struct GroupData {
    pub r: Vec<f64>,
    pub acov: Mat,
    pub n: f64,
}

/// How parameters are shared across groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// Each group has its own parameters (labels are per group).
    None,
    /// Regression coefficients are equal across groups; other parameters per group.
    Paths,
}

/// The WLS objective over one or several groups.
pub(super) struct Wls<'a> {
    pub(super) model: &'a PathModel,
    pub(super) groups: Vec<(GroupData, Mat)>,
    /// per group: global index of each model parameter
    pub(super) map: Vec<Vec<usize>>,
    pub(super) dim: usize,
}

impl<'a> Wls<'a> {
    pub(super) fn new(
        model: &'a PathModel,
        groups: &[GroupData],
        sharing: Sharing,
    ) -> Result<Wls<'a>, MetaError> {
        let mut map = Vec::new();
        let np = model.params.len();
        let mut shared_idx: Vec<Option<usize>> = vec![None; np];
        let mut dim = 0;
        for _ in groups {
            let mut m = Vec::with_capacity(np);
            for k in 0..np {
                let shared = sharing == Sharing::Paths && model.params[k].is_path;
                if shared {
                    if let Some(i) = shared_idx[k] {
                        m.push(i);
                        continue;
                    }
                    shared_idx[k] = Some(dim);
                }
                m.push(dim);
                dim += 1;
            }
            map.push(m);
        }
        let groups = groups
            .iter()
            .map(|g| {
                let w = spd_inverse(&g.acov)
                    .map(|x| x.0)
                    .ok_or_else(|| MetaError::new("the asymptotic covariance of the pooled correlations is not positive definite"))?;
                Ok((g.clone(), w))
            })
            .collect::<Result<_, MetaError>>()?;
        Ok(Wls {
            model,
            groups,
            map,
            dim,
        })
    }

    pub(super) fn local(&self, g: usize, x: &[f64]) -> Vec<f64> {
        self.map[g].iter().map(|&i| x[i]).collect()
    }

    fn rho(&self, g: usize, x: &[f64]) -> Option<Vec<f64>> {
        self.model
            .implied(&self.local(g, x))
            .map(|(s, _)| vechs(&s))
    }

    fn group_value(&self, g: usize, x: &[f64]) -> f64 {
        let (data, w) = &self.groups[g];
        let Some(rho) = self.rho(g, x) else {
            return f64::INFINITY;
        };
        let e: Vec<f64> = data.r.iter().zip(&rho).map(|(a, b)| a - b).collect();
        let we = w.matvec(&e);
        e.iter().zip(&we).map(|(a, b)| a * b).sum()
    }
}

impl Objective for Wls<'_> {
    fn dim(&self) -> usize {
        self.dim
    }

    fn value(&self, x: &[f64]) -> f64 {
        (0..self.groups.len()).map(|g| self.group_value(g, x)).sum()
    }

    fn gradient(&self, x: &[f64]) -> Vec<f64> {
        let mut grad = vec![0.0; self.dim];
        for g in 0..self.groups.len() {
            let (data, w) = &self.groups[g];
            let Some(rho) = self.rho(g, x) else {
                return vec![f64::NAN; self.dim];
            };
            let e: Vec<f64> = data.r.iter().zip(&rho).map(|(a, b)| a - b).collect();
            let we = w.matvec(&e);
            // Jacobian of rho by central differences over the parameters this group uses
            let mut y = x.to_vec();
            for &i in &self.map[g] {
                let h = 1e-6 * x[i].abs().max(1e-2);
                y[i] = x[i] + h;
                let rp = self.rho(g, &y);
                y[i] = x[i] - h;
                let rm = self.rho(g, &y);
                y[i] = x[i];
                let (Some(rp), Some(rm)) = (rp, rm) else {
                    return vec![f64::NAN; self.dim];
                };
                let d: f64 = (0..rho.len())
                    .map(|k| (rp[k] - rm[k]) / (2.0 * h) * we[k])
                    .sum();
                grad[i] -= 2.0 * d;
            }
        }
        grad
    }
}

/// The WLS objective of one group with the error variances as free parameters
/// (θ, ψ): the Hessian of the `diag.constraints = TRUE` parametrisation.
pub(super) struct WlsFull<'a> {
    pub(super) model: &'a PathModel,
    pub(super) data: GroupData,
    pub(super) w: Mat,
}

impl WlsFull<'_> {
    fn split<'b>(&self, x: &'b [f64]) -> (&'b [f64], &'b [f64]) {
        x.split_at(self.model.params.len())
    }
}

impl Objective for WlsFull<'_> {
    fn dim(&self) -> usize {
        self.model.params.len() + self.model.endogenous.len()
    }

    fn value(&self, x: &[f64]) -> f64 {
        let (t, psi) = self.split(x);
        let Some(s) = self.model.implied_with_psi(t, psi) else {
            return f64::INFINITY;
        };
        let e: Vec<f64> = self
            .data
            .r
            .iter()
            .zip(vechs(&s))
            .map(|(a, b)| a - b)
            .collect();
        let we = self.w.matvec(&e);
        e.iter().zip(&we).map(|(a, b)| a * b).sum()
    }

    fn gradient(&self, x: &[f64]) -> Vec<f64> {
        numeric_gradient(&|y: &[f64]| self.value(y), x)
    }
}
