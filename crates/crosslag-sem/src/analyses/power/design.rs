//! What defines a power analysis and what it produces: the design, shards of its
//! replications, one record per replication, the summaries and the (mergeable) output.

use crate::analyses::refit::ParamInfo;
use crate::analyses::simulate::{PopulationOptions, SimError, SimOptions};
use crate::error::SemError;
use crate::specify::options::FitOptions;
use serde::{Deserialize, Serialize};

/// Everything that defines a power analysis (kept in its output, so that parts can be merged
/// and checked).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PowerDesign {
    /// Population model (lavaan syntax).
    pub population: String,
    pub population_options: PopulationOptions,
    /// Analysis model (lavaan syntax).
    pub model: String,
    pub analysis: FitOptions,
    pub simulation: SimOptions,
    /// Relative group sizes (empty or one entry: one group).
    pub group_shares: Vec<f64>,
    /// Total sample sizes.
    pub ns: Vec<usize>,
    pub reps: usize,
    pub seed: u64,
    pub alpha: f64,
    /// Confidence level of the intervals whose coverage is reported.
    pub level: f64,
    /// Target power.
    pub target: f64,
}

impl PowerDesign {
    /// A design with the usual settings: α = .05, 95% intervals, target power .8.
    pub fn new(
        population: &str,
        model: &str,
        ns: Vec<usize>,
        reps: usize,
        seed: u64,
    ) -> PowerDesign {
        PowerDesign {
            population: population.to_string(),
            population_options: PopulationOptions::default(),
            model: model.to_string(),
            analysis: FitOptions::default(),
            simulation: SimOptions::default(),
            group_shares: Vec::new(),
            ns,
            reps,
            seed,
            alpha: 0.05,
            level: 0.95,
            target: 0.8,
        }
    }
}

/// The K-th (1-based) of `count` slices of the replications.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Parse `K/N`.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("shard '{s}': write K/N, e.g. 3/10"))?;
        let index: usize = k
            .trim()
            .parse()
            .map_err(|_| format!("shard '{s}': K is not a number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("shard '{s}': N is not a number"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("shard '{s}': need 1 ≤ K ≤ N"));
        }
        Ok(Shard { index, count })
    }

    /// The replications of this slice out of `reps`.
    pub fn range(&self, reps: usize) -> std::ops::Range<usize> {
        ((self.index - 1) * reps / self.count)..(self.index * reps / self.count)
    }
}

/// The reference values of a reported parameter.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ParameterTruth {
    #[serde(flatten)]
    pub info: ParamInfo,
    /// The analysis model fitted to the population moments.
    pub true_value: f64,
    /// The value of the same row in the population model, if it has one.
    pub population: Option<f64>,
}

/// One replication's result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Record {
    /// Total sample size.
    pub n: usize,
    /// 0-based replication index.
    pub rep: usize,
    pub converged: bool,
    pub admissible: bool,
    pub iterations: u32,
    /// Estimates per reported parameter (`None`: the fit failed).
    pub est: Vec<Option<f64>>,
    pub se: Vec<Option<f64>>,
}

/// Monte Carlo standard errors of the summaries.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Mcse {
    pub mean: f64,
    pub bias: f64,
    pub rel_bias: Option<f64>,
    pub emp_sd: f64,
    pub mean_se: f64,
    pub coverage: f64,
    pub mse: f64,
    pub power: f64,
}

/// Summary of one parameter at one sample size.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ParamSummary {
    pub name: String,
    pub true_value: f64,
    /// Replications used (converged, with estimate and SE).
    pub used: usize,
    pub mean: f64,
    pub bias: f64,
    pub rel_bias: Option<f64>,
    pub emp_sd: f64,
    pub mean_se: f64,
    pub coverage: f64,
    pub mse: f64,
    pub power: f64,
    pub mcse: Mcse,
}

/// Summary at one sample size.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NSummary {
    pub n: usize,
    pub reps: usize,
    pub converged: usize,
    pub admissible: usize,
    pub share_converged: f64,
    pub share_admissible: f64,
    pub parameters: Vec<ParamSummary>,
}

/// The smallest N of the grid whose power reaches the target (`None`: none does).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TargetN {
    pub name: String,
    pub n: Option<usize>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PowerSummary {
    pub by_n: Vec<NSummary>,
    pub target_n: Vec<TargetN>,
}

/// The output of a power run or of a merge.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PowerOutput {
    /// `"power"`.
    pub kind: String,
    pub version: u32,
    pub design: PowerDesign,
    pub parameters: Vec<ParameterTruth>,
    /// The slice this output holds (`None`: all replications).
    pub shard: Option<Shard>,
    /// Per replication, ordered by (position of N in the grid, replication).
    pub records: Vec<Record>,
    /// Computed from the records when they are complete (not for a shard).
    #[serde(skip_deserializing)]
    pub summary: Option<PowerSummary>,
}

pub const POWER_KIND: &str = "power";
pub(super) const VERSION: u32 = 1;

/// Why a power analysis could not run.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum PowerError {
    #[error("{0}")]
    Sim(#[from] SimError),
    #[error("analysis model: {0}")]
    Model(#[from] SemError),
    #[error("{0}")]
    Invalid(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_ranges_cover_every_replication() {
        let mut next = 0;
        for k in 1..=7 {
            let r = Shard { index: k, count: 7 }.range(100);
            assert_eq!(r.start, next);
            next = r.end;
        }
        assert_eq!(next, 100);
        assert!(Shard::parse("0/3").is_err());
        assert_eq!(Shard::parse("2/3").unwrap(), Shard { index: 2, count: 3 });
    }
}
