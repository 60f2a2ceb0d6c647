//! The structural equation modelling engine of crosslag.
//!
//! Every command goes through the same steps of an SEM fit, one folder each, in the order a
//! textbook tells it (docs/architecture.md draws the flow):
//!
//! 1. [`specify`]: lavaan model syntax ([`syntax`]) + typed options → the model (parameter
//!    table, constraints, RAM matrices, counts);
//! 2. [`observe`]: data → sample moments, missing-data patterns, the EM saturated model;
//! 3. [`implied`] and [`loss`]: Σ(θ), μ(θ); the ML / FIML objective with its gradient and
//!    Hessian;
//! 4. [`estimate`]: starts, optimiser, bounds, restarts;
//! 5. [`infer`]: vcov (lavaan's generalized inverse), sandwich and robust tests, delta method;
//! 6. [`measures`] (fit measures, standardized solutions, modification indices, comparisons)
//!    and [`report`] (the result rows);
//!
//! [`engine`] wires them into [`fit`]; [`families`] writes panel models from declarations and
//! [`analyses`] (transact, power, bootstrap, simulate) build on the same steps. The crate knows
//! nothing of files or terminals.

// Index loops mirror the matrix formulas in the doc comments; iterator chains would hide them.
#![allow(clippy::needless_range_loop)]

pub mod analyses;
pub mod engine;
pub mod error;
pub mod estimate;
pub mod families;
pub mod implied;
pub mod infer;
pub mod linalg;
pub mod loss;
pub mod measures;
pub mod meta;
pub mod observe;
pub mod report;
pub mod specify;
pub mod stats;
pub mod syntax;

// The analyses and families under their short names (the crate's public API).
pub use analyses::{bootstrap, compare, power, simulate, transact};
pub use families::panel;

pub use engine::fit;
pub use error::SemError;
pub use observe::Data;
pub use report::{FitResult, ParameterRow};
pub use specify::model_variables;
pub use specify::options::{
    Bounds, EntryPoint, EstimationOptions, Estimator, FitOptions, GroupEqual, Information,
    Likelihood, Missing, ModelOptions, OptimOptions, OutputOptions,
};
