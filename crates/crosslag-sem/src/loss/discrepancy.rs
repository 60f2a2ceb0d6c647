//! The discrepancy of one group behind one trait, [`Loss`]: value, gradient (with respect to
//! the RAM entries, by the chain rule of [`MlGroup::map_to_ram`]) and information/Hessian.
//! Two implementations: normal-theory ML on the sample moments ([`Ml`],
//! `F = log|Σ| + tr(WΣ⁻¹) − log|S| − p`) and FIML on the raw data by missing-data pattern
//! ([`Fiml`], `F = −2logL(θ)/N − h1`). A fit uses one of them for every group, as a
//! [`Discrepancy`] (an enum: static dispatch, nothing allocated per evaluation); the
//! multi-group objective is their weighted sum ([`super::objective`]).

use super::information;
use super::ml::MlGroup;
use super::workspace::{FimlData, Workspace};
use crate::implied::Implied;
use crate::observe::missing::FimlWork;
use crate::observe::moments::Moments;
use crate::specify::ram::{RamMatrices, RamModel};
use ndarray::Array2;
use std::sync::Arc;

/// What the evaluation of one group works on.
pub struct GroupEval<'w> {
    /// The implied moments (already computed) and the RAM matrices they come from.
    pub imp: &'w Implied,
    pub mats: &'w RamMatrices,
    /// The group's ML buffers; the gradient with respect to the RAM entries is left in
    /// `grad_a`, `grad_s`, `grad_m`.
    pub ml: &'w mut MlGroup,
    /// The FIML buffers of every group (empty for complete-data ML).
    pub fiml_work: &'w mut [FimlWork],
    pub meanstructure: bool,
}

/// The discrepancy F_g of one group.
pub trait Loss {
    /// F_g of group `g` at its implied moments; `None` when Σ is not positive definite. With
    /// `want_grad`, also its gradient with respect to the RAM entries (in `ev.ml`).
    fn group_value(&self, g: usize, ev: GroupEval<'_>, want_grad: bool) -> Option<f64>;

    /// The information per observation with respect to θ at the point `ws` was evaluated at:
    /// the analytic Hessian of fx (`observed`) or its expectation, summed over the groups
    /// with the weights N_g/N.
    fn information(
        &self,
        model: &RamModel,
        ws: &Workspace,
        weights: &[f64],
        observed: bool,
    ) -> Array2<f64>;
}

/// Normal-theory ML on the sample moments of each group (lavaan `lav_model_objective_ml`).
#[derive(Debug, Clone, Copy)]
pub struct Ml<'a> {
    pub moments: &'a [Moments],
}

impl<'a> Ml<'a> {
    pub fn new(moments: &'a [Moments]) -> Ml<'a> {
        Ml { moments }
    }
}

impl Loss for Ml<'_> {
    #[inline]
    fn group_value(&self, g: usize, ev: GroupEval<'_>, want_grad: bool) -> Option<f64> {
        let f = ev.ml.value(&self.moments[g], ev.imp, ev.meanstructure)?;
        if want_grad {
            ev.ml.gradient(ev.imp, ev.mats, ev.meanstructure);
        }
        Some(f)
    }

    /// Needs only what the evaluation left in `ws` (Σ⁻¹, W, ȳ − μ), not the moments.
    fn information(
        &self,
        model: &RamModel,
        ws: &Workspace,
        weights: &[f64],
        observed: bool,
    ) -> Array2<f64> {
        if observed {
            information::ml_hessian(model, ws, weights)
        } else {
            information::expected_without_x(model, ws, weights, &[])
        }
    }
}

/// FIML on the raw data of every group (`missing = "ml"`): `F_g = −2logL_g(θ)/N_g − h1_g`,
/// whose derivative with respect to (μ, Σ) has the form of complete-data ML (`Ω`,
/// `g_μ = −2h`, [`crate::observe::missing`]).
#[derive(Debug, Clone)]
pub struct Fiml {
    pub data: Arc<FimlData>,
}

impl Fiml {
    pub fn new(data: Arc<FimlData>) -> Fiml {
        Fiml { data }
    }
}

impl Loss for Fiml {
    #[inline]
    fn group_value(&self, g: usize, ev: GroupEval<'_>, want_grad: bool) -> Option<f64> {
        let GroupEval { imp, mats, ml, .. } = ev;
        let gd = &self.data.groups[g];
        let fw = &mut ev.fiml_work[g];
        let m2ll = fw.value(gd, imp.mu.view(), imp.sigma.view(), want_grad)?;
        let f = m2ll / gd.nobs() as f64 - self.data.h1[g];
        if want_grad {
            ml.omega.assign(&fw.omega);
            ml.gmu.assign(&fw.h);
            ml.gmu *= -2.0;
            ml.map_to_ram(imp, mats, true);
        }
        Some(f)
    }

    fn information(
        &self,
        model: &RamModel,
        ws: &Workspace,
        weights: &[f64],
        observed: bool,
    ) -> Array2<f64> {
        information::fiml_information(model, ws, &self.data, weights, observed)
    }
}

/// The discrepancy of a fit: ML or FIML.
#[derive(Debug, Clone)]
pub enum Discrepancy<'a> {
    Ml(Ml<'a>),
    Fiml(Fiml),
}

impl Discrepancy<'_> {
    /// The discrepancy a workspace was evaluated with, for its information matrices (which
    /// need only what the evaluation left in the workspace, not the sample moments).
    pub fn of_workspace(ws: &Workspace) -> Discrepancy<'static> {
        match &ws.fiml {
            Some(data) => Discrepancy::Fiml(Fiml::new(data.clone())),
            None => Discrepancy::Ml(Ml::new(&[])),
        }
    }
}

impl Loss for Discrepancy<'_> {
    #[inline]
    fn group_value(&self, g: usize, ev: GroupEval<'_>, want_grad: bool) -> Option<f64> {
        match self {
            Discrepancy::Ml(l) => l.group_value(g, ev, want_grad),
            Discrepancy::Fiml(l) => l.group_value(g, ev, want_grad),
        }
    }

    fn information(
        &self,
        model: &RamModel,
        ws: &Workspace,
        weights: &[f64],
        observed: bool,
    ) -> Array2<f64> {
        match self {
            Discrepancy::Ml(l) => l.information(model, ws, weights, observed),
            Discrepancy::Fiml(l) => l.information(model, ws, weights, observed),
        }
    }
}

/// Expected information (per observation) with respect to θ, of the discrepancy `ws` was
/// evaluated with.
pub fn expected(model: &RamModel, ws: &Workspace, weights: &[f64]) -> Array2<f64> {
    Discrepancy::of_workspace(ws).information(model, ws, weights, false)
}

/// Analytic Hessian of fx with respect to θ (observed information per observation), of the
/// discrepancy `ws` was evaluated with.
pub fn hessian(model: &RamModel, ws: &Workspace, weights: &[f64]) -> Array2<f64> {
    Discrepancy::of_workspace(ws).information(model, ws, weights, true)
}
