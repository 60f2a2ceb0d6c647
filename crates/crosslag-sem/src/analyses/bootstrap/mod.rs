//! Nonparametric bootstrap of a fitted model: percentile and BCa intervals for every free
//! parameter and every `:=` defined parameter, and the Bollen–Stine bootstrap p-value of the
//! chi-square test.
//!
//! 1. The model is fitted once by the front door ([`crate::engine::fit`]): the estimates θ̂,
//!    their (delta-method) standard errors and the chi-square T.
//! 2. Replication b draws, within each group, as many rows as the group has (with clusters:
//!    as many clusters as the group has, taking all their rows) with replacement, using a
//!    `ChaCha8Rng` seeded by [`derive_seed`]`(seed, [b])`, and refits the model by the lean
//!    path of [`crate::analyses::power::Analysis`] from θ̂ (fixed.x moments are those of the resample).
//! 3. Bollen–Stine: the complete rows of each group are transformed to the model-implied
//!    moments, `y = Σ̂^{1/2} S^{−1/2} (x − x̄) + μ̂` with symmetric square roots (as lavaan's
//!    `bootstrapLavaan(type = "bollen.stine")`), so that the transformed data fit the model
//!    exactly; the same resampled row indices are drawn from them and the chi-square of each
//!    refit is recorded. p = share of replications with T*_b ≥ T (of those that converged).
//! 4. Intervals, over the converged replications: percentile = quantiles (R's type 7) at
//!    (1 ∓ level)/2; BCa (Efron 1987) with bias correction `z₀ = Φ⁻¹((#{θ* < θ̂} + ½#{θ* = θ̂})/B)`
//!    and acceleration from the jackknife (delete one row, or one cluster, at a time):
//!    `a = Σ(θ̄ − θ₍ᵢ₎)³ / (6 [Σ(θ̄ − θ₍ᵢ₎)²]^{3/2})`; the interval takes the quantiles at
//!    `Φ(z₀ + (z₀ + z_α)/(1 − a(z₀ + z_α)))`.
//!
//! Replications and jackknife run in parallel with rayon; each replication depends only on
//! (seed, b), so results do not depend on the number of threads. Sharding works as for power
//! analyses ([`crate::analyses::power::Shard`]): the jackknife is computed by shard 1 (and by a single
//! run) and carried in its output; [`merge`] checks the parts and computes the summary.
//!
//! Complete-data ML with listwise deletion. FIML (`missing = "ml"`) bootstraps the raw rows
//! (with their missing values) by the FIML refit; the Bollen–Stine test is then not computed
//! (its transformation needs complete data).
//!
//! Files: [`design`] (options, design, replication records, summaries and the mergeable
//! output), [`resample`] (the prepared [`Bootstrap`]: original fit, resampling, refits,
//! jackknife), [`summary`] (intervals and the Bollen–Stine p-value from the records, merging
//! shards), [`se`] (the original fit with bootstrap standard errors, lavaan's
//! `se = "bootstrap"`).

pub mod design;
pub mod resample;
pub mod se;
pub mod summary;

pub use design::{
    BollenStine, BootOutput, BootParamSummary, BootParameter, BootRecord, BootSummary,
    BootstrapDesign, BootstrapOptions, BOOTSTRAP_KIND,
};
pub use resample::{bootstrap, symmetric_sqrt, Bootstrap};
pub use se::{norm_inter, BootCiType, BootSeInfo};
pub use summary::{merge, quantile_sorted, summarize};
