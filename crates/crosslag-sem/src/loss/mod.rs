//! Discrepancy functions: each a function of observed and implied moments.
pub mod ml;
