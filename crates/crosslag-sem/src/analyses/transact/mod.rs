//! The transactional-effects analysis (`crosslag transact`): does x drive y, y drive x, both
//! (a transactional process), or neither?
//!
//! [`analyze`] builds the CLPM and the RI-CLPM of two constructs from panel declarations
//! ([`crate::families::panel`]; never hand-written syntax), fits both, and reports:
//!
//! 1. **Which model the data support**: the χ̄² test of the random-intercept variances
//!    ([`chibar`]; Stoel et al., 2006; Hamaker et al., 2015), with weights from the sampling
//!    covariance matrix of the RI variance estimates (the RI-CLPM's covariance matrix of the
//!    estimates), next to the naive χ² difference test. The RI-CLPM is preferred when the
//!    χ̄² test rejects the CLPM at α.
//! 2. **Per model, group and direction** (x → y, y → x): the cross-lagged effects per interval
//!    (one shared effect when lagged effects are constrained over time), unstandardized and
//!    standardized (std.all), with SE, z, p and a (1 − α) Wald interval; a joint Wald test
//!    that all effects of the direction are zero, `W = b̂ᵀ V̂⁻¹ b̂ ~ χ²(m)` with one element
//!    per *free parameter* (copies of a labelled, equality-constrained effect count once:
//!    rows are reduced to distinct labels, each taken at the first copy's index in the
//!    covariance matrix of the estimates); and a likelihood-ratio test against the model with
//!    those effects fixed at 0. The restricted model is the generated syntax with the terms
//!    edited ([`edit`]: parsed, the selected regression terms given the fixed value 0,
//!    written back), so it is nested by construction. With MLR the LRT is the
//!    Satorra–Bentler (2001) scaled difference ([`crate::analyses::compare`]).
//! 3. **A verdict** ([`Verdict`]) at α from the preferred model: *transactional* (both
//!    directions), *x drives y*, *y drives x*, or *no evidence of lagged effects*. A direction
//!    counts when its likelihood-ratio test rejects at α (the Wald test when the LRT is not
//!    available); a Wald test that disagrees is mentioned. The verdict carries the
//!    autoregressive effects, the correlation of the random intercepts (the stable
//!    between-person association), the fit indices, and every warning about the fits —
//!    inadmissible solutions (negative variances, non-positive-definite covariance matrices,
//!    common with three waves) among them.
//! 4. **Several groups** (`group`): everything per group, a joint test over groups, and two
//!    tests of group differences: cross-lagged effects equal across groups (the edited
//!    model, labels shared across groups on the cross-lagged terms only) and all lagged
//!    effects equal across groups (the panel declaration's `groups.lagged = labels`), each
//!    against the model with everything free per group.
//!
//! A time-invariant covariate enters both models as a predictor of the observed scores with
//! effects equal over time (the declaration's `observed_predictors`; Mulder & Hamaker, 2021,
//! extension 1), which keeps the CLPM nested in the RI-CLPM.
//!
//! Everything here is a pure function of the data and the options; the result types are
//! serde-serializable (the JSON of `crosslag transact --format json`).
//!
//! References: Hamaker, Kuiper & Grasman (2015), *Psychological Methods* 20, 102–116; Stoel,
//! Garre, Dolan & van den Wittenboer (2006), *Psychological Methods* 11, 439–455; Mulder &
//! Hamaker (2021), *Structural Equation Modeling* 28, 638–648.
//!
//! Files: `options` (what to analyse, the panel declarations), `report` (the result types),
//! `hypotheses` (Wald and likelihood-ratio tests of effects), `fitted` (one fitted model read
//! per group), `comparison` (CLPM against RI-CLPM), `analyze` (the whole analysis),
//! `verdict` (the conclusion in words), [`chibar`] and [`edit`].

mod analyze;
pub mod chibar;
mod comparison;
pub mod edit;
mod fitted;
mod hypotheses;
mod options;
mod report;
mod verdict;

pub use analyze::analyze;
pub use chibar::ChiBarTest;
pub use options::{columns, declaration, Models, TransactError, TransactOptions};
pub use report::{
    Between, Conclusion, ConstructNodes, Direction, Effect, FitIndices, GroupReport, GroupVerdict,
    JointTest, Layout, LrtTest, ModelComparison, ModelReport, Transact, Verdict, WaldTest,
};

#[cfg(test)]
mod tests;
