//! The structural equation modelling engine of crosslag.
//!
//! It reads as the estimation does: [`syntax`] (lavaan model syntax → statements),
//! [`partable`] (statements → lavaan's parameter table), [`constraints`] (labels and `==` as
//! θ = g(φ)), [`ram`] (parameter table → RAM matrices), [`observed`] (sample moments),
//! [`implied`] (Σ(θ), μ(θ)), [`loss`] (ML discrepancy and gradient), [`objective`],
//! [`optimize`] (argmin), [`derivatives`] and [`information`] (expected and observed
//! information), [`standardize`], [`fit`] (fit measures), [`engine`] (the front door) and
//! [`results`]. It knows nothing of files or terminals.

// Index loops mirror the matrix formulas in the doc comments; iterator chains would hide them.
#![allow(clippy::needless_range_loop)]

pub mod bootstrap;
pub mod compare;
pub mod constraints;
pub mod derivatives;
pub mod engine;
pub mod estimate;
pub mod fit;
pub mod h1;
pub mod implied;
pub mod inference;
pub mod information;
pub mod linalg;
pub mod loss;
pub mod meta;
pub mod missing;
pub mod modindices;
pub mod objective;
pub mod observed;
pub mod optimize;
pub mod panel;
pub mod partable;
pub mod power;
pub mod ram;
pub mod results;
pub mod robust;
pub mod simulate;
pub mod standardize;
pub mod start;
pub mod stats;
pub mod syntax;
pub mod transact;
pub mod vcov;

pub use engine::{
    fit, model_variables, Bounds, Data, Estimator, FitOptions, Information, Missing, SemError,
};
pub use partable::{EntryPoint, GroupEqual};
pub use results::{FitResult, ParameterRow};
