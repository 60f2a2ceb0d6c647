//! Meta-analytic structural equation modelling (MASEM), as R's metaSEM does it.
//!
//! [`data`] reads study-level correlation matrices (long CSV, wide CSV, JSON) with metaSEM's
//! missing-data rule; [`stage1`] pools them (fixed or random effects, TSSEM stage 1);
//! [`stage2`] fits a path model in lavaan syntax to the pooled matrix by WLS with the
//! stage-1 sampling covariance as weight (TSSEM stage 2), with likelihood-based intervals
//! ([`optim::profile_bound`]); [`fit_indices`] has metaSEM's RMSEA, CFI and TLI, and
//! [`subgroup`] the subgroup splits with the χ²-difference test of equal paths. [`mat`] holds
//! the small dense linear algebra this needs.

pub mod data;
pub mod fit_indices;
pub mod json;
pub mod mat;
pub mod optim;
pub mod stage1;
pub mod stage2;
pub mod subgroup;

/// A meta-analysis could not be run: one sentence for the user (naming the study when a
/// study is at fault).
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct MetaError(pub String);

impl MetaError {
    pub fn new(message: impl Into<String>) -> MetaError {
        MetaError(message.into())
    }
}
