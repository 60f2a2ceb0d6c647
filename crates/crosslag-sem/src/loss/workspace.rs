//! The buffers of one evaluation of the objective, per group: the RAM matrices, the implied
//! moments, the ML (or FIML-mapped) gradient pieces and, for FIML, the raw data by pattern and
//! the casewise buffers. After an evaluation they hold everything the information matrices,
//! the robust tests and the standardized solution read.

use super::ml::MlGroup;
use crate::implied::Implied;
use crate::observe::missing::{FimlWork, GroupData};
use crate::specify::ram::RamMatrices;
use std::sync::Arc;

/// The data of a FIML fit: raw data by pattern per group, and the saturated model's value.
#[derive(Debug)]
pub struct FimlData {
    pub groups: Vec<GroupData>,
    /// −2logL/N_g of the saturated (h1) model per group, without the 2π constant (lavaan's
    /// `missing.h1$h1`).
    pub h1: Vec<f64>,
}

/// Everything one evaluation needs, per group.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub mats: Vec<RamMatrices>,
    pub implied: Vec<Implied>,
    pub ml: Vec<MlGroup>,
    pub theta: Vec<f64>,
    pub grad_theta: Vec<f64>,
    /// FIML data (`missing = "ml"`); `None` for complete-data ML.
    pub fiml: Option<Arc<FimlData>>,
    /// Per-group FIML buffers (empty for complete-data ML); after an evaluation with gradient
    /// they hold `Ω` and `h` per unit.
    pub fiml_work: Vec<FimlWork>,
}
