//! The estimation objective: lavaan's `fx = ½ Σ_g (N_g/N) F_g(θ(φ))` — the weighted sum of
//! the groups' discrepancies ([`Discrepancy`]: ML, or FIML with `missing = "ml"`) — as a
//! function of the optimiser's free vector φ, with its analytic gradient `Jᵀ ∂fx/∂θ`.
//!
//! Buffers live in a `RefCell` so that evaluating the objective allocates nothing.

use super::discrepancy::{Discrepancy, Fiml, GroupEval, Loss, Ml};
use super::workspace::{FimlData, Workspace};
use crate::implied::Implied;
use crate::loss::ml::MlGroup;
use crate::observe::missing::FimlWork;
use crate::observe::moments::Moments;
use crate::observe::prepare::SampleData;
use crate::specify::constraints::Reduction;
use crate::specify::ram::{RamModel, Slot};
use std::cell::RefCell;
use std::sync::Arc;

/// The objective of a multi-group model.
#[derive(Debug)]
pub struct Objective<'a> {
    pub model: &'a RamModel,
    pub reduction: &'a Reduction,
    pub moments: &'a [Moments],
    /// N_g / N per group.
    pub weights: Vec<f64>,
    /// The discrepancy of each group.
    pub loss: Discrepancy<'a>,
    ws: RefCell<Workspace>,
}

impl<'a> Objective<'a> {
    pub fn new(model: &'a RamModel, reduction: &'a Reduction, moments: &'a [Moments]) -> Self {
        Self::build(model, reduction, moments, None)
    }

    /// The objective of a fit's sample: FIML by missing-data pattern when the sample has the
    /// EM saturated model (`missing = "ml"`), else complete-data ML of the moments.
    pub fn of_sample(
        model: &'a RamModel,
        reduction: &'a Reduction,
        sample: &'a SampleData,
    ) -> Self {
        if sample.h1.is_empty() {
            return Self::new(model, reduction, &sample.moments);
        }
        let data = FimlData {
            groups: sample.raw.clone(),
            h1: sample
                .h1
                .iter()
                .zip(&sample.raw)
                .map(|(h, gd)| h.m2ll / gd.nobs() as f64)
                .collect(),
        };
        Self::fiml(model, reduction, &sample.moments, Arc::new(data))
    }

    /// The FIML objective; `moments` (the saturated estimates) serve starting values only.
    pub fn fiml(
        model: &'a RamModel,
        reduction: &'a Reduction,
        moments: &'a [Moments],
        data: Arc<FimlData>,
    ) -> Self {
        Self::build(model, reduction, moments, Some(data))
    }

    fn build(
        model: &'a RamModel,
        reduction: &'a Reduction,
        moments: &'a [Moments],
        fiml: Option<Arc<FimlData>>,
    ) -> Self {
        let ntotal: usize = moments.iter().map(|m| m.nobs).sum();
        let weights = moments
            .iter()
            .map(|m| m.nobs as f64 / ntotal as f64)
            .collect();
        let p = model.nov;
        let m = model.nvar();
        let ng = model.ngroups();
        let ws = Workspace {
            mats: model.fixed.clone(),
            implied: (0..ng).map(|_| Implied::new(p, m)).collect(),
            ml: (0..ng).map(|_| MlGroup::new(p, m)).collect(),
            theta: vec![0.0; reduction.ntheta()],
            grad_theta: vec![0.0; reduction.ntheta()],
            fiml_work: fiml
                .as_ref()
                .map(|f| f.groups.iter().map(FimlWork::new).collect())
                .unwrap_or_default(),
            fiml: fiml.clone(),
        };
        let loss = match fiml {
            Some(data) => Discrepancy::Fiml(Fiml::new(data)),
            None => Discrepancy::Ml(Ml::new(moments)),
        };
        Objective {
            model,
            reduction,
            moments,
            weights,
            loss,
            ws: RefCell::new(ws),
        }
    }

    /// The same objective (model, data, FIML patterns) through another map θ = g(φ), e.g.
    /// one with active bounds pinned.
    pub fn with_reduction<'b>(&'b self, reduction: &'b Reduction) -> Objective<'b> {
        let fiml = self.ws.borrow().fiml.clone();
        Objective::build(self.model, reduction, self.moments, fiml)
    }

    /// Evaluate at θ into `ws`: fx, and ∂fx/∂θ when `want_grad`. `None` if Σ is not PD.
    fn eval_theta(&self, ws: &mut Workspace, want_grad: bool) -> Option<f64> {
        let Workspace {
            mats,
            implied,
            ml,
            theta,
            grad_theta,
            fiml_work,
            ..
        } = ws;
        self.model.fill(theta, mats);
        let ms = self.model.meanstructure;
        let mut fx = 0.0;
        for g in 0..mats.len() {
            if !implied[g].compute(&mats[g]) {
                return None;
            }
            let ev = GroupEval {
                imp: &implied[g],
                mats: &mats[g],
                ml: &mut ml[g],
                fiml_work,
                meanstructure: ms,
            };
            let f = self.loss.group_value(g, ev, want_grad)?;
            fx += 0.5 * self.weights[g] * f;
        }
        if want_grad {
            for (k, &(g, slot)) in self.model.free.iter().enumerate() {
                let w = 0.5 * self.weights[g];
                let d = match slot {
                    Slot::A(i, j) => ml[g].grad_a[[i, j]],
                    Slot::S(i, j) if i == j => ml[g].grad_s[[i, i]],
                    Slot::S(i, j) => 2.0 * ml[g].grad_s[[i, j]],
                    Slot::M(i) => ml[g].grad_m[i],
                };
                grad_theta[k] = w * d;
            }
        }
        Some(fx)
    }

    /// fx(φ); +∞ where Σ(θ) is not positive definite.
    pub fn value(&self, phi: &[f64]) -> f64 {
        let mut ws = self.ws.borrow_mut();
        let mut theta = std::mem::take(&mut ws.theta);
        self.reduction.theta(phi, &mut theta);
        ws.theta = theta;
        self.eval_theta(&mut ws, false).unwrap_or(f64::INFINITY)
    }

    /// fx(φ) and its gradient with respect to φ (written into `grad`).
    pub fn value_and_gradient(&self, phi: &[f64], grad: &mut [f64]) -> f64 {
        let mut ws = self.ws.borrow_mut();
        let mut theta = std::mem::take(&mut ws.theta);
        self.reduction.theta(phi, &mut theta);
        ws.theta = theta;
        match self.eval_theta(&mut ws, true) {
            None => {
                grad.fill(f64::NAN);
                f64::INFINITY
            }
            Some(fx) => {
                self.project_gradient(phi, &ws.grad_theta, grad);
                fx
            }
        }
    }

    /// ∂fx/∂θ at θ (for inference and modification indices). `None` if Σ is not PD.
    pub fn gradient_theta(&self, theta: &[f64]) -> Option<(f64, Vec<f64>)> {
        let mut ws = self.ws.borrow_mut();
        ws.theta.copy_from_slice(theta);
        let fx = self.eval_theta(&mut ws, true)?;
        Some((fx, ws.grad_theta.clone()))
    }

    /// Jᵀ g_θ.
    pub fn project_gradient(&self, phi: &[f64], grad_theta: &[f64], grad: &mut [f64]) {
        if self.reduction.linear {
            grad.fill(0.0);
            for (k, g) in grad_theta.iter().enumerate() {
                if let Some(i) = self.reduction.phi_of_theta(k) {
                    grad[i] += g;
                }
            }
        } else {
            let j = self.reduction.jacobian(phi);
            for i in 0..grad.len() {
                grad[i] = (0..grad_theta.len())
                    .map(|k| j[[k, i]] * grad_theta[k])
                    .sum();
            }
        }
    }

    /// Evaluate everything at θ and hand out the workspace (implied moments, Σ⁻¹, Ω, …).
    pub fn workspace_at(&self, theta: &[f64]) -> Option<Workspace> {
        let mut ws = self.ws.borrow_mut();
        ws.theta.copy_from_slice(theta);
        self.eval_theta(&mut ws, true)?;
        Some(ws.clone())
    }
}
