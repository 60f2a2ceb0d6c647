//! Stage 2 of TSSEM: a path model in lavaan syntax fitted to pooled correlation matrices by
//! weighted least squares, F(θ) = (r − ρ(θ))' Acov⁻¹ (r − ρ(θ)) over the off-diagonal
//! correlations, ρ = (I − A)⁻¹ S (I − A)⁻ᵀ.
//!
//! Correlation structure (metaSEM's diagonal constraints): the implied matrix has a unit
//! diagonal. The variances of exogenous variables are 1; the error variances of endogenous
//! variables are not free parameters but 1 − explained variance (solved from the linear
//! system diag(ρ) = 1). Estimates, χ² and likelihood-based intervals are those of metaSEM
//! with either setting of `diag.constraints`; the standard errors differ between the two:
//!
//! * [`SeType::Constrained`] (metaSEM `diag.constraints = TRUE`): the error variances are
//!   parameters under the nonlinear constraints diag(ρ) = 1, and
//!   acov = 2 Z (Z'HZ)⁻¹ Z' with H the Hessian of F in all parameters and Z a basis of the
//!   null space of the constraint Jacobian (what OpenMx reports);
//! * [`SeType::Computed`] (`diag.constraints = FALSE`): acov = 2 H⁻¹ in the free
//!   parameters only; error variances and `:=` parameters by the delta method.
//!
//! The two agree when χ² = 0 (saturated models). Several groups (subgroup analysis) share
//! parameters by label or by [`Sharing`].
//!
//! Files: `model` (the matrices and the implied correlation matrix), `syntax` (lavaan syntax →
//! model), `wls` (the objective), `fit` (estimates, covariance matrix, fit indices), `rows`
//! (the parameter table with its intervals).

mod fit;
mod model;
mod rows;
mod syntax;
mod wls;

pub use fit::{fit_stage2, group_from_stage1, SeType, Stage2, Stage2Fit, Stage2Options};
pub use model::{ModelParam, PathModel};
pub use rows::ParamRow;
pub use wls::{GroupData, Sharing};
