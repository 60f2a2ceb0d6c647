//! lavaan 0.6.14's `fitMeasures()` as pure functions of their ingredients.
//!
//! [`fit_measures`] takes what an estimation produced ([`FitInputs`]: test statistics, the
//! baseline model's statistics, log-likelihoods, per-group sample and implied moments
//! ([`GroupMoments`]), and for MLR the scaled-test ingredients ([`RobustInputs`])) and returns
//! every entry of `fitMeasures(fit)` under lavaan's names, in lavaan's order, `None` where lavaan
//! gives `NA` (or a non-finite number). Each family of indices lives in its own file, one small
//! function per index, with the formula and the lavaan function it reproduces:
//!
//! - [`chisq`]: p-values of the χ² tests, the ML discrepancy F_ML (`lav_test.R`);
//! - [`incremental`]: CFI, TLI/NNFI, RFI, NFI, PNFI, IFI, RNI and robust CFI/TLI
//!   (`lav_fit_cfi.R`);
//! - [`information_criteria`]: AIC, BIC, sample-size adjusted BIC (`lav_fit_aic.R`);
//! - [`rmsea`]: RMSEA, its confidence interval and tests of close / not-close fit
//!   (`lav_fit_rmsea.R`);
//! - [`residual`]: RMR, SRMR (Bentler), CRMR (Bollen), SRMR (Mplus) (`lav_residuals.R`,
//!   `lav_fit_srmr.R`);
//! - [`other`]: Hoelter's CN, GFI/AGFI/PGFI, McDonald's MFI, ECVI (`lav_fit_other.R`,
//!   `lav_fit_gfi.R`).
//!
//! Scope: single-level, continuous data, estimator ML with the normal likelihood (so N is
//! `ntotal`, not N − G), `mimic = "lavaan"` (so `srmr` is `srmr_bentler`), the independence
//! baseline model, `test = "standard"` plus optionally one scaled test of the Yuan–Bentler
//! (MLR) or Satorra–Bentler (MLM) type, complete data or `missing = "ml"`.

pub mod chisq;
mod fit_measures;
pub mod incremental;
pub mod information_criteria;
pub mod inputs;
pub use fit_measures::{fit_measures, get};
pub use inputs::{
    group_moments, missing_parts, r_squared, FimlCorrected, FitInputs, FitMeasureOptions,
    GroupMatrices, GroupMoments, MissingMoments, MissingPattern, NamedValues, RobustInputs,
};
mod linalg;
pub mod loglik;
pub mod modindices;
pub mod other;
pub mod residual;
pub mod rmsea;
pub mod robust_tests;
pub mod standardize;
