//! Stage 1 of two-stage SEM (TSSEM): pooling the study correlation matrices.
//!
//! * Random effects ([`random_effects`]): r_i ~ N(ρ, T + V_i) over the correlations study i
//!   reports, by maximum likelihood (not REML); V_i = Acov(r̄)/n_i, the Olkin–Siotani
//!   covariance at metaSEM's weighted mean matrix r̄; T diagonal (one τ² per correlation,
//!   τ² ≥ 1e-10) or a full symmetric matrix (T = LLᵀ). Q statistic and I² as metaSEM.
//! * Fixed effects ([`fixed_effects`]): multi-group ML with Σ_i = D_i P D_i, a common
//!   correlation matrix P and free standard deviations per study, on each study's present
//!   variables; χ² of homogeneity against the saturated model and metaSEM's fit indices.
//!
//! Standard errors are 2 H⁻¹ with H the Hessian of −2LL over all parameters (central
//! differences of the analytic gradient); the acov of the pooled correlations is the
//! intercept block of that inverse.
//!
//! Files: `acov` (the Olkin–Siotani sampling covariance), `estimates` (estimates with Wald and
//! likelihood-based intervals), `rem` (the random-effects likelihood), `random` (the
//! random-effects fit), `fixed` (the fixed-effects model and fit).

mod acov;
mod estimates;
mod fixed;
mod random;
mod rem;

pub use crate::meta::fit_indices::rmsea_ci;
pub use acov::acov_correlations;
pub use estimates::{Estimates, QTest};
pub use fixed::{fixed_effects, FemFit, FixedEffects};
pub use random::{random_effects, RandomEffects, RemOptions};
pub use rem::{q_statistic, rem_studies, RemObjective, RemStudy, TauType, TAU2_LOWER};
