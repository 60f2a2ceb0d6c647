//! Monte Carlo power analysis: simulate from a population model, fit an analysis model, and
//! summarise the estimates over replications and sample sizes.
//!
//! For every sample size N of a grid and replication r = 0..R−1, data are drawn from the
//! population ([`crate::analyses::simulate`], seed [`derive_seed`]`(seed, [N, r])`) and the analysis
//! model is refitted by a lean path ([`Analysis`]): the parameter table, the reparameterisation
//! and the RAM model are built once; per replication only the sample moments are computed,
//! the objective is minimised by Newton's method with the analytic Hessian starting from the
//! *pseudo-true* values (see below), and the standard errors come from the expected information
//! (`vcov = J (Jᵀ I J)⁻¹ Jᵀ / N`, lavaan's default for complete data; the observed information
//! under FIML), with delta-method SEs for `:=` parameters. No fit measures, standardized
//! solutions or restarts are computed. A replication whose Newton search fails falls back on
//! [`optimize::minimize`] from the same start.
//!
//! **Reference values.** Bias and coverage are judged against the *pseudo-true* value of each
//! parameter: the analysis model fitted to the population moments themselves (for a correctly
//! specified model these are the population values; for a misspecified one they are what the
//! estimator converges to). The population value of the matching row of the population
//! model, where there is one, is reported beside it.
//!
//! **Summaries** (per N and parameter, over the converged replications; Morris, White &
//! Crowther 2019, with their Monte Carlo standard errors): mean estimate, bias, relative bias
//! (bias / true, when true ≠ 0), empirical SD, mean SE, coverage of the `level` Wald interval
//! `est ± z·SE`, MSE, and power = share of replications with two-sided p < alpha (for a
//! parameter whose true value is 0 this is the type-I error rate); the shares of converged and
//! admissible replications (admissible: no negative variance estimate and no covariance with
//! |correlation| > 1 among the model's variance parameters); and the smallest N of the grid
//! whose power reaches the target.
//!
//! **Sharding.** [`Shard`] `K/N` runs only the replications `r` with
//! `⌊(K−1)R/N⌋ ≤ r < ⌊KR/N⌋` (for every sample size). Each replication's result is a
//! serializable [`Record`]; [`merge`] combines the parts, orders the records by (N, r) and
//! computes the summary from them, which is exactly what a single run gives.

use crate::analyses::refit::{Analysis, ParamInfo, Refit};
use crate::analyses::simulate::{
    self, derive_seed, PopulationOptions, SimData, SimError, SimOptions, Simulator,
};
use crate::error::SemError;
use crate::estimate::optimize::{self, OptimOptions};
use crate::estimate::start::StartStyle;
use crate::loss::objective::Objective;
use crate::observe::moments::Moments;
use crate::specify::options::FitOptions;
use crate::stats;
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};

// ---------------------------------------------------------------------------------------
// Power runs
// ---------------------------------------------------------------------------------------

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
const VERSION: u32 = 1;

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

/// A prepared power analysis: population, simulator, analysis model and pseudo-true values.
pub struct PowerRun {
    pub design: PowerDesign,
    pub simulator: Simulator,
    pub analysis: Analysis,
    pub parameters: Vec<ParameterTruth>,
    /// Start of every replication's refit.
    pub phi_true: Vec<f64>,
}

impl PowerRun {
    pub fn new(design: &PowerDesign) -> Result<PowerRun, PowerError> {
        if design.ns.is_empty() {
            return Err(PowerError::Invalid("no sample size given".into()));
        }
        let unit = |x: f64| x > 0.0 && x < 1.0;
        if !unit(design.alpha) || !unit(design.level) {
            return Err(PowerError::Invalid(
                "alpha and the confidence level must be in (0, 1)".into(),
            ));
        }
        let mut seen = design.ns.clone();
        seen.sort_unstable();
        seen.dedup();
        if seen.len() != design.ns.len() {
            return Err(PowerError::Invalid(
                "the sample sizes must be distinct".into(),
            ));
        }
        let pop =
            simulate::Population::from_syntax(&design.population, &design.population_options)?;
        let ngroups = pop.ngroups();
        if design.group_shares.len() > 1 && design.group_shares.len() != ngroups {
            return Err(PowerError::Invalid(format!(
                "{} group shares for a population with {ngroups} groups",
                design.group_shares.len()
            )));
        }
        if ngroups > 1 && design.group_shares.len() != ngroups {
            return Err(PowerError::Invalid(format!(
                "the population has {ngroups} groups: give their relative sizes"
            )));
        }
        if let Some(&small) = design.ns.iter().find(|&&n| {
            simulate::split_sizes(n, &design.group_shares)
                .iter()
                .any(|&g| g < 2)
        }) {
            return Err(PowerError::Invalid(format!(
                "N = {small} leaves a group with fewer than 2 cases"
            )));
        }
        let simulator = Simulator::new(&pop, &design.simulation)?;
        let analysis = Analysis::new(&design.model, &design.analysis, ngroups)?;
        // pseudo-true values: the analysis model at the population moments
        let cols = analysis.columns(&pop.names).map_err(|e| match e {
            SemError::UnknownVariable { name, .. } => PowerError::Invalid(format!(
                "the analysis model uses '{name}', which the population model does not generate"
            )),
            other => PowerError::Model(other),
        })?;
        let sizes = simulate::split_sizes(1_000_000, &design.group_shares);
        let moments: Vec<Moments> = (0..ngroups)
            .map(|g| {
                let s = Array2::from_shape_fn((cols.len(), cols.len()), |(i, j)| {
                    pop.sigma[g][[cols[i], cols[j]]]
                });
                let m = Array1::from_shape_fn(cols.len(), |i| pop.mu[g][cols[i]]);
                Moments::new(sizes[g], s, m)
            })
            .collect();
        let fit = population_fit(&analysis, &pop, &moments).ok_or_else(|| {
            PowerError::Invalid(
                "the analysis model could not be fitted to the population moments".into(),
            )
        })?;
        if !fit.converged {
            return Err(PowerError::Invalid(
                "the analysis model did not converge at the population moments (is it identified?)"
                    .into(),
            ));
        }
        let parameters = analysis
            .params
            .iter()
            .zip(&fit.est)
            .map(|(info, &t)| ParameterTruth {
                info: info.clone(),
                true_value: t,
                population: if info.op == ":=" {
                    None
                } else {
                    pop.value(&info.lhs, &info.op, &info.rhs, info.group)
                },
            })
            .collect();
        Ok(PowerRun {
            design: design.clone(),
            simulator,
            analysis,
            parameters,
            phi_true: fit.phi,
        })
    }

    /// The data of replication `rep` at total sample size `n`.
    pub fn data(&self, n: usize, rep: usize) -> SimData {
        let sizes = simulate::split_sizes(n, &self.design.group_shares);
        self.simulator.draw_seeded(
            &sizes,
            derive_seed(self.design.seed, &[n as u64, rep as u64]),
        )
    }

    /// One replication.
    pub fn replicate(&self, n: usize, rep: usize) -> Record {
        let data = self.data(n, rep);
        let fit = self
            .analysis
            .refit_data(&data, &self.phi_true)
            .ok()
            .flatten();
        let k = self.parameters.len();
        match fit {
            Some(f) => Record {
                n,
                rep,
                converged: f.converged,
                admissible: f.admissible,
                iterations: f.iterations,
                est: f.est.iter().map(|&v| v.is_finite().then_some(v)).collect(),
                se: f.se.iter().map(|v| v.filter(|x| x.is_finite())).collect(),
            },
            None => Record {
                n,
                rep,
                converged: false,
                admissible: false,
                iterations: 0,
                est: vec![None; k],
                se: vec![None; k],
            },
        }
    }

    /// Run the replications of `shard` (all when `None`) in parallel (rayon's current pool);
    /// `progress(done, total)` is called after each replication.
    pub fn run(
        &self,
        shard: Option<Shard>,
        progress: Option<&(dyn Fn(usize, usize) + Sync)>,
    ) -> PowerOutput {
        let range = shard
            .map(|s| s.range(self.design.reps))
            .unwrap_or(0..self.design.reps);
        let tasks: Vec<(usize, usize)> = self
            .design
            .ns
            .iter()
            .flat_map(|&n| range.clone().map(move |r| (n, r)))
            .collect();
        let total = tasks.len();
        let done = AtomicUsize::new(0);
        let records: Vec<Record> = tasks
            .par_iter()
            .map(|&(n, r)| {
                let rec = self.replicate(n, r);
                let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                if let Some(p) = progress {
                    p(d, total);
                }
                rec
            })
            .collect();
        let mut out = PowerOutput {
            kind: POWER_KIND.into(),
            version: VERSION,
            design: self.design.clone(),
            parameters: self.parameters.clone(),
            shard,
            records,
            summary: None,
        };
        if shard.is_none() {
            out.summary = Some(summarize(&out.design, &out.parameters, &out.records));
        }
        out
    }
}

/// The analysis model at the population moments, from the population values where the rows
/// match and lavaan-style start values elsewhere.
fn population_fit(
    analysis: &Analysis,
    pop: &simulate::Population,
    moments: &[Moments],
) -> Option<Refit> {
    let mut best: Option<Refit> = None;
    for style in [StartStyle::Scaled, StartStyle::Lavaan] {
        let base = analysis.start_phi(moments, style);
        let phi0 = analysis.phi_from_rows(&base, |r| {
            pop.value(&r.lhs, r.op.as_str(), &r.rhs, r.group + 1)
        });
        let ram = analysis.ram_for(moments);
        let obj = Objective::new(&ram, &analysis.model.red, moments);
        let phi0 = if obj.value(&phi0).is_finite() {
            phi0
        } else {
            base
        };
        if !obj.value(&phi0).is_finite() {
            continue;
        }
        let opt = optimize::minimize(&obj, &phi0, &OptimOptions::default());
        drop(obj);
        if let Some(fit) = analysis.refit(moments, None, &opt.phi) {
            let better = best.as_ref().is_none_or(|b| {
                (fit.converged && !b.converged) || (fit.converged == b.converged && fit.fx < b.fx)
            });
            if better {
                best = Some(fit);
            }
        }
        if best.as_ref().is_some_and(|b| b.converged) {
            break;
        }
    }
    best
}

/// Summaries from the records (see the module documentation).
pub fn summarize(
    design: &PowerDesign,
    params: &[ParameterTruth],
    records: &[Record],
) -> PowerSummary {
    let z = stats::qnorm(1.0 - (1.0 - design.level) / 2.0);
    let mut by_n = Vec::new();
    for &n in &design.ns {
        let recs: Vec<&Record> = records.iter().filter(|r| r.n == n).collect();
        let reps = recs.len();
        let converged = recs.iter().filter(|r| r.converged).count();
        let admissible = recs.iter().filter(|r| r.converged && r.admissible).count();
        let mut parameters = Vec::new();
        for (k, p) in params.iter().enumerate() {
            let t = p.true_value;
            let pairs: Vec<(f64, f64)> = recs
                .iter()
                .filter(|r| r.converged)
                .filter_map(|r| match (r.est[k], r.se[k]) {
                    (Some(e), Some(s)) => Some((e, s)),
                    _ => None,
                })
                .collect();
            parameters.push(summarize_parameter(
                &p.info.name,
                t,
                &pairs,
                z,
                design.alpha,
            ));
        }
        by_n.push(NSummary {
            n,
            reps,
            converged,
            admissible,
            share_converged: converged as f64 / reps.max(1) as f64,
            share_admissible: admissible as f64 / reps.max(1) as f64,
            parameters,
        });
    }
    let mut order: Vec<usize> = (0..design.ns.len()).collect();
    order.sort_by_key(|&i| design.ns[i]);
    let target_n = params
        .iter()
        .enumerate()
        .map(|(k, p)| TargetN {
            name: p.info.name.clone(),
            n: order
                .iter()
                .find(|&&i| by_n[i].parameters[k].power >= design.target)
                .map(|&i| design.ns[i]),
        })
        .collect();
    PowerSummary { by_n, target_n }
}

fn summarize_parameter(
    name: &str,
    t: f64,
    pairs: &[(f64, f64)],
    z: f64,
    alpha: f64,
) -> ParamSummary {
    let r = pairs.len() as f64;
    let mean = pairs.iter().map(|p| p.0).sum::<f64>() / r;
    let var = pairs.iter().map(|p| (p.0 - mean).powi(2)).sum::<f64>() / (r - 1.0);
    let emp_sd = var.sqrt();
    let mean_se = pairs.iter().map(|p| p.1).sum::<f64>() / r;
    let se_var = pairs.iter().map(|p| (p.1 - mean_se).powi(2)).sum::<f64>() / (r - 1.0);
    let covered = pairs
        .iter()
        .filter(|(e, s)| (e - z * s) <= t && t <= (e + z * s))
        .count() as f64
        / r;
    let sq: Vec<f64> = pairs.iter().map(|(e, _)| (e - t).powi(2)).collect();
    let mse = sq.iter().sum::<f64>() / r;
    let mse_mcse = (sq.iter().map(|s| (s - mse).powi(2)).sum::<f64>() / (r * (r - 1.0))).sqrt();
    let power = pairs
        .iter()
        .filter(|(e, s)| *s > 0.0 && 2.0 * stats::pnorm(-(e / s).abs()) < alpha)
        .count() as f64
        / r;
    let bias = mean - t;
    let rel = (t != 0.0).then(|| bias / t.abs());
    let mcse_mean = emp_sd / r.sqrt();
    ParamSummary {
        name: name.to_string(),
        true_value: t,
        used: pairs.len(),
        mean,
        bias,
        rel_bias: rel,
        emp_sd,
        mean_se,
        coverage: covered,
        mse,
        power,
        mcse: Mcse {
            mean: mcse_mean,
            bias: mcse_mean,
            rel_bias: (t != 0.0).then(|| mcse_mean / t.abs()),
            emp_sd: emp_sd / (2.0 * (r - 1.0)).sqrt(),
            mean_se: (se_var / r).sqrt(),
            coverage: (covered * (1.0 - covered) / r).sqrt(),
            mse: mse_mcse,
            power: (power * (1.0 - power) / r).sqrt(),
        },
    }
}

/// Prepare and run a power analysis (all replications, or one shard).
pub fn run(
    design: &PowerDesign,
    shard: Option<Shard>,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<PowerOutput, PowerError> {
    Ok(PowerRun::new(design)?.run(shard, progress))
}

/// Combine the outputs of the shards of one power analysis into the output of a single run.
pub fn merge(parts: Vec<PowerOutput>) -> Result<PowerOutput, String> {
    let first = parts.first().ok_or("nothing to merge")?;
    let count = match first.shard {
        Some(s) => s.count,
        None => return Err("part 1 is a complete run, not a shard".into()),
    };
    let mut seen = vec![false; count];
    for (i, p) in parts.iter().enumerate() {
        if p.kind != POWER_KIND || p.version != first.version {
            return Err(format!(
                "part {}: not a power-analysis output of version {}",
                i + 1,
                first.version
            ));
        }
        if p.design != first.design {
            return Err(format!(
                "part {}: a different design (models, options, sample sizes, seed or replications)",
                i + 1
            ));
        }
        if p.parameters != first.parameters {
            return Err(format!(
                "part {}: different parameters or reference values",
                i + 1
            ));
        }
        let Some(s) = p.shard else {
            return Err(format!("part {}: a complete run, not a shard", i + 1));
        };
        if s.count != count {
            return Err(format!(
                "part {}: shard {}/{} does not belong to a split into {count}",
                i + 1,
                s.index,
                s.count
            ));
        }
        if std::mem::replace(&mut seen[s.index - 1], true) {
            return Err(format!("shard {}/{count} given twice", s.index));
        }
    }
    if let Some(k) = seen.iter().position(|s| !s) {
        return Err(format!("shard {}/{count} is missing", k + 1));
    }
    let design = first.design.clone();
    let parameters = first.parameters.clone();
    let mut records: Vec<Record> = parts.into_iter().flat_map(|p| p.records).collect();
    let pos = |n: usize| design.ns.iter().position(|&m| m == n).unwrap_or(usize::MAX);
    records.sort_by_key(|r| (pos(r.n), r.rep));
    let expected = design.ns.len() * design.reps;
    let complete = records.len() == expected
        && records
            .iter()
            .enumerate()
            .all(|(i, r)| pos(r.n) == i / design.reps && r.rep == i % design.reps);
    if !complete {
        return Err(format!(
            "the parts hold {} replication records, not the {expected} (each N and replication once) of the design",
            records.len()
        ));
    }
    let summary = Some(summarize(&design, &parameters, &records));
    Ok(PowerOutput {
        kind: POWER_KIND.into(),
        version: VERSION,
        design,
        parameters,
        shard: None,
        records,
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const POP: &str = "
        y ~ 0.3*x
        x ~~ 1*x
        y ~~ 0.91*y
        x ~ 0*1
        y ~ 0*1
    ";

    fn design(reps: usize) -> PowerDesign {
        let mut d = PowerDesign::new(POP, "y ~ x", vec![50, 100], reps, 11);
        d.analysis.model.meanstructure = true;
        d
    }

    #[test]
    fn pseudo_true_values_and_records() {
        let run = PowerRun::new(&design(20)).unwrap();
        let b = run
            .parameters
            .iter()
            .find(|p| p.info.name == "y~x")
            .unwrap();
        assert!((b.true_value - 0.3).abs() < 1e-8, "{}", b.true_value);
        assert_eq!(b.population, Some(0.3));
        let rec = run.replicate(100, 3);
        assert!(rec.converged && rec.admissible);
        assert_eq!(rec, run.replicate(100, 3));
        assert_ne!(rec.est, run.replicate(100, 4).est);
    }

    #[test]
    fn refit_matches_the_engine() {
        let run = PowerRun::new(&design(1)).unwrap();
        let data = run.data(100, 0);
        let rec = run.replicate(100, 0);
        let mut opts = FitOptions {
            model: crate::specify::options::ModelOptions {
                meanstructure: true,
                ..crate::specify::options::ModelOptions::default()
            },
            ..FitOptions::default()
        };
        opts.estimation.optim.grad_tol = 1e-12;
        let res = crate::engine::fit("y ~ x", &data.to_data(&[]), &opts).unwrap();
        for (k, p) in run.parameters.iter().enumerate() {
            let row = res
                .parameters
                .iter()
                .find(|r| r.lhs == p.info.lhs && r.op == p.info.op && r.rhs == p.info.rhs)
                .unwrap();
            assert!((row.est - rec.est[k].unwrap()).abs() < 1e-8 * row.est.abs().max(1.0));
            assert!((row.se.unwrap() - rec.se[k].unwrap()).abs() < 1e-7 * row.se.unwrap());
        }
    }

    #[test]
    fn shards_merge_to_the_single_run() {
        let d = design(10);
        let run = PowerRun::new(&d).unwrap();
        let all = run.run(None, None);
        let parts: Vec<PowerOutput> = (1..=3)
            .map(|k| run.run(Some(Shard { index: k, count: 3 }), None))
            .collect();
        assert_eq!(parts.iter().map(|p| p.records.len()).sum::<usize>(), 20);
        // through JSON, in another order
        let json: Vec<String> = parts
            .iter()
            .rev()
            .map(|p| serde_json::to_string(p).unwrap())
            .collect();
        let back: Vec<PowerOutput> = json
            .iter()
            .map(|s| serde_json::from_str(s).unwrap())
            .collect();
        let merged = merge(back).unwrap();
        assert_eq!(
            serde_json::to_string(&merged).unwrap(),
            serde_json::to_string(&all).unwrap()
        );
        // a missing shard is an error
        assert!(merge(parts[..2].to_vec()).is_err());
    }

    #[test]
    fn multigroup_population_and_misspecified_analysis() {
        let pop = "
            y ~ c(0.3, 0.6)*x
            x ~~ c(1, 2)*x
            y ~~ c(0.91, 0.5)*y
            x ~ c(0, 1)*1
            y ~ c(0, 0.5)*1
        ";
        let mut d = PowerDesign::new(pop, "y ~ c(b, b)*x", vec![400], 30, 5);
        d.population_options.ngroups = 2;
        d.group_shares = vec![0.5, 0.5];
        d.analysis.model.meanstructure = true;
        let run = PowerRun::new(&d).unwrap();
        // the slope is held equal although it differs: the pseudo-true value lies between
        let b = &run.parameters[0];
        assert_eq!(b.info.name, "y~x");
        assert!(b.true_value > 0.3 && b.true_value < 0.6, "{}", b.true_value);
        assert_eq!(b.population, Some(0.3));
        let data = run.data(400, 0);
        assert_eq!(data.sizes, vec![200, 200]);
        let out = run.run(None, None);
        let s = &out.summary.unwrap().by_n[0];
        assert_eq!(s.converged, 30);
        // group 2's residual variance is a separate parameter
        assert!(out.parameters.iter().any(|p| p.info.name == "y~~y.g2"));
    }

    /// Timing of the issue-6 benchmark: 1000 replications of the RI-CLPM (2 constructs,
    /// 4 waves, N = 500) of datasets/models (`cargo test --release -p crosslag-sem --lib --
    /// --ignored bench_ --nocapture`).
    #[test]
    #[ignore]
    fn bench_riclpm_power_1000() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/models");
        let pop = std::fs::read_to_string(root.join("riclpm_close_lang_population.lav")).unwrap();
        let model = std::fs::read_to_string(root.join("riclpm_close_lang.lav")).unwrap();
        let mut d = PowerDesign::new(&pop, &model, vec![500], 1000, 1);
        d.analysis.model.entry = crate::specify::options::EntryPoint::Lavaan;
        d.analysis.model.meanstructure = true;
        d.analysis.model.int_ov_free = Some(true);
        let t0 = std::time::Instant::now();
        let run = PowerRun::new(&d).unwrap();
        let prep = t0.elapsed().as_secs_f64();
        let out = run.run(None, None);
        let secs = t0.elapsed().as_secs_f64();
        let s = &out.summary.unwrap().by_n[0];
        let iters: f64 = out.records.iter().map(|r| r.iterations as f64).sum::<f64>() / 1000.0;
        eprintln!(
            "RI-CLPM N = 500, 1000 replications, {} threads: {secs:.3} s (setup {prep:.3} s); {} parameters, converged {}, mean Newton steps {iters:.2}",
            rayon::current_num_threads(),
            run.parameters.len(),
            s.converged
        );
        assert_eq!(s.converged, 1000);
    }

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

    #[test]
    fn summary_statistics() {
        let pairs = [(1.0, 0.5), (2.0, 0.5), (3.0, 0.5)];
        let s = summarize_parameter("x", 2.0, &pairs, 1.96, 0.05);
        assert_eq!(s.mean, 2.0);
        assert_eq!(s.bias, 0.0);
        assert!((s.emp_sd - 1.0).abs() < 1e-15);
        assert!((s.mse - 2.0 / 3.0).abs() < 1e-15);
        // intervals ±0.98: only the middle one covers 2
        assert!((s.coverage - 1.0 / 3.0).abs() < 1e-15);
        // z = 2, 4, 6: all significant
        assert_eq!(s.power, 1.0);
    }
}
