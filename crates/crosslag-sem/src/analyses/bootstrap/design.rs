//! What a bootstrap is and what it produces: its options and design, the parameters and the
//! record of each replication, the summaries and the (mergeable) output.

use crate::analyses::power::Shard;
use crate::analyses::refit::ParamInfo;
use crate::infer::{BootCiType, BootstrapSe};
use crate::specify::options::FitOptions;
use serde::{Deserialize, Serialize};

/// Settings of a bootstrap.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BootstrapOptions {
    pub reps: usize,
    pub seed: u64,
    /// Confidence level of the intervals.
    pub level: f64,
    /// Compute the Bollen–Stine p-value.
    pub bollen_stine: bool,
    /// Compute BCa intervals (needs the jackknife: one refit per row or cluster).
    pub bca: bool,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions {
            reps: 1000,
            seed: 1,
            level: 0.95,
            bollen_stine: true,
            bca: true,
        }
    }
}

impl BootstrapOptions {
    /// The options of bootstrap standard errors in a fit ([`crate::infer::se_method`]):
    /// 95 % intervals, the jackknife only for BCa intervals.
    pub fn for_se(b: &BootstrapSe) -> BootstrapOptions {
        BootstrapOptions {
            reps: b.replications,
            seed: b.seed,
            level: 0.95,
            bollen_stine: b.bollen_stine,
            bca: b.ci == BootCiType::Bca,
        }
    }
}

/// What identifies a bootstrap (kept in its output for merging).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BootstrapDesign {
    pub model: String,
    pub analysis: FitOptions,
    pub options: BootstrapOptions,
    /// Rows used per group.
    pub nobs: Vec<usize>,
    /// FNV-1a hash of the data used (a check that parts come from the same data).
    pub data_hash: String,
}

/// A parameter's original estimate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BootParameter {
    #[serde(flatten)]
    pub info: ParamInfo,
    pub est: f64,
    /// Standard error of the original fit (delta method for `:=`).
    pub se: Option<f64>,
}

/// One bootstrap replication.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BootRecord {
    pub rep: usize,
    pub converged: bool,
    pub admissible: bool,
    pub est: Vec<Option<f64>>,
    /// Chi-square of the Bollen–Stine refit (`None`: not computed or not converged).
    pub bs_chisq: Option<f64>,
}

/// Interval and bootstrap statistics of one parameter.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BootParamSummary {
    pub name: String,
    pub est: f64,
    pub se: Option<f64>,
    pub boot_mean: f64,
    pub boot_se: f64,
    pub bias: f64,
    pub percentile: (f64, f64),
    pub bca: Option<(f64, f64)>,
    pub z0: f64,
    pub acceleration: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BollenStine {
    pub chisq: f64,
    pub df: f64,
    /// Replications whose Bollen–Stine refit converged.
    pub used: usize,
    pub pvalue: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BootSummary {
    pub reps: usize,
    pub converged: usize,
    pub admissible: usize,
    pub parameters: Vec<BootParamSummary>,
    pub bollen_stine: Option<BollenStine>,
}

/// The output of a bootstrap (or of a shard of it).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BootOutput {
    /// `"bootstrap"`.
    pub kind: String,
    pub version: u32,
    pub design: BootstrapDesign,
    pub parameters: Vec<BootParameter>,
    pub chisq: f64,
    pub df: f64,
    /// Jackknife acceleration per parameter (BCa; a single run and shard 1 carry it).
    pub acceleration: Option<Vec<Option<f64>>>,
    pub shard: Option<Shard>,
    pub records: Vec<BootRecord>,
    #[serde(skip_deserializing)]
    pub summary: Option<BootSummary>,
    pub warnings: Vec<String>,
}

pub const BOOTSTRAP_KIND: &str = "bootstrap";
pub(super) const VERSION: u32 = 1;
