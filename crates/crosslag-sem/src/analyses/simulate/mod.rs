//! Drawing data from a population model.
//!
//! A population is a model in lavaan syntax whose every parameter has a value: fixed values
//! written as modifiers (`0.45*w_close_1`, `close_1 ~ 4.15*1`), start values (`start(0.4)*x`),
//! or values given separately by label or by `lhs op rhs` name. The RAM machinery of the
//! estimation ([`crate::specify::partable`] → [`crate::specify::ram::RamModel`] → [`crate::implied::Implied`])
//! turns them into the population moments Σ_g, μ_g of every group, and rows are drawn as
//!
//! ```text
//!     x = μ + L z,     L Lᵀ = Σ (Cholesky),   z ~ N(0, I)
//! ```
//!
//! with, optionally:
//!
//! * **non-normal scores** (Vale & Maurelli 1983): per variable a target skewness γ₁ and excess
//!   kurtosis γ₂ give Fleishman's (1978) polynomial `y = −c + b z + c z² + d z³` of a standard
//!   normal `z`; the normal scores are drawn with the *intermediate* correlation matrix that
//!   makes the polynomials' correlations equal to those of Σ, so the population means and
//!   covariances are exactly μ and Σ while the margins have the requested skewness and kurtosis;
//! * **monotone attrition (MAR)**: with the columns grouped by wave, a case present at wave t
//!   drops out before wave t + 1 with probability `plogis(logit(h_t) + slope · z_t)`, where
//!   `z_t` is the (population-standardized) value of a driver column observed at wave t; all
//!   later waves are then missing;
//! * **MCAR**: afterwards every remaining cell of variable j is set missing with probability
//!   `mcar_j`;
//! * **several groups**, each with its own population moments and size.
//!
//! **Determinism.** Every draw uses a `ChaCha8Rng` seeded from a single `u64`. Replication
//! seeds are derived from a master seed with SplitMix64 ([`derive_seed`]), so a replication's
//! data depend only on (master seed, keys), never on the number of threads or on which other
//! replications run. Within a draw the order of random numbers is fixed: groups in order,
//! rows in order, variables in order for the normal scores; then attrition (one uniform per
//! case and wave transition while present); then MCAR (one uniform per cell of a variable
//! with a positive rate, row-major).
//!
//! Files: [`population`] (a population model's moments and parameter values), [`draw`] (the
//! draw options and the prepared [`Simulator`]), [`nonnormal`] (Fleishman's polynomials and
//! the Vale–Maurelli intermediate correlations); this file holds the seeds, the error type
//! and the helpers that split a sample over groups and columns over waves.

pub mod draw;
pub mod nonnormal;
pub mod population;

pub use draw::{Attrition, NonNormal, SimData, SimOptions, Simulator};
pub use nonnormal::{fleishman, intermediate_correlation};
pub use population::{Population, PopulationOptions, PopulationValue};

use crate::error::SemError;
use rand::rngs::ChaCha8Rng;
use rand::SeedableRng;

/// SplitMix64's output function (Steele, Lea & Flood 2014) applied to `x`.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of one replication: `s₀ = splitmix64(master)`, then for each key
/// `s ← splitmix64(rotl(s, 32) ⊕ splitmix64(key))` (the rotation makes the derivation
/// asymmetric: master 0 with key 1 differs from master 1 with key 0). Power analyses use the keys `[N, r]` (total sample
/// size, 0-based replication index), bootstraps `[r]`.
pub fn derive_seed(master: u64, keys: &[u64]) -> u64 {
    keys.iter().fold(splitmix64(master), |s, &k| {
        splitmix64(s.rotate_left(32) ^ splitmix64(k))
    })
}

/// The generator of a replication (`ChaCha8Rng::seed_from_u64`).
pub fn rng_from_seed(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Why a population or a simulation could not be set up.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum SimError {
    #[error("{0}")]
    Model(#[from] SemError),
    #[error("population model: no value for {0}; write it as a fixed value (e.g. 0.3*x) or give it in the value list")]
    MissingValue(String),
    #[error("population model{0}: the implied covariance matrix is not positive definite")]
    NotPositiveDefinite(String),
    #[error("{0}")]
    Invalid(String),
}

/// Split a total sample size over groups in proportion to `shares` (largest remainders; the
/// result sums to `n`). Empty shares = one group.
pub fn split_sizes(n: usize, shares: &[f64]) -> Vec<usize> {
    if shares.len() <= 1 {
        return vec![n];
    }
    let total: f64 = shares.iter().sum();
    let exact: Vec<f64> = shares.iter().map(|s| n as f64 * s / total).collect();
    let mut sizes: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut left = n - sizes.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &g in &order {
        if left == 0 {
            break;
        }
        sizes[g] += 1;
        left -= 1;
    }
    sizes
}

/// Group columns into waves by a trailing number (`close_1`, `lang_1` → wave 1; `x3` → 3), in
/// ascending wave order; columns without a trailing number are left out.
pub fn waves_by_suffix(names: &[String]) -> Vec<Vec<String>> {
    let mut waves: Vec<(u64, Vec<String>)> = Vec::new();
    for n in names {
        let digits: String = n.chars().rev().take_while(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            continue;
        }
        let t: u64 = digits
            .chars()
            .rev()
            .collect::<String>()
            .parse()
            .unwrap_or(0);
        match waves.iter_mut().find(|(w, _)| *w == t) {
            Some((_, v)) => v.push(n.clone()),
            None => waves.push((t, vec![n.clone()])),
        }
    }
    waves.sort_by_key(|(t, _)| *t);
    waves.into_iter().map(|(_, v)| v).collect()
}

/// The stem of a column name without its trailing wave number and separator (`lang_3` → `lang`).
pub fn name_stem(name: &str) -> &str {
    let t = name.trim_end_matches(|c: char| c.is_ascii_digit());
    t.trim_end_matches(['_', '.', '-'])
}

#[cfg(test)]
/// The population model shared by the tests of the simulation files.
const POP: &str = "
    f =~ 1*x1 + 0.8*x2 + 1.2*x3
    f ~~ 0.5*f
    x1 ~~ 0.5*x1
    x2 ~~ 0.4*x2
    x3 ~~ 0.6*x3
    x1 ~ 1*1
    x2 ~ 2*1
    x3 ~ 3*1
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_derived_and_distinct() {
        assert_ne!(derive_seed(1, &[500, 0]), derive_seed(1, &[500, 1]));
        assert_ne!(derive_seed(1, &[500, 0]), derive_seed(2, &[500, 0]));
        assert_ne!(derive_seed(0, &[1]), derive_seed(1, &[0]));
        assert_eq!(derive_seed(7, &[3]), derive_seed(7, &[3]));
    }
}
