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
//!
//! Files: [`design`] (the design, shards, replication records, summaries and the output),
//! [`summary`] (summaries from records, merging shards); this file prepares and runs the
//! replications ([`PowerRun`]).

pub mod design;
pub mod summary;

pub use design::{
    Mcse, NSummary, ParamSummary, ParameterTruth, PowerDesign, PowerError, PowerOutput,
    PowerSummary, Record, Shard, TargetN, POWER_KIND,
};
pub use summary::{merge, summarize};

use crate::analyses::refit::{Analysis, Refit};
use crate::analyses::simulate::{self, derive_seed, SimData, Simulator};
use crate::error::SemError;
use crate::estimate::optimize::{self, OptimOptions};
use crate::estimate::start::StartStyle;
use crate::loss::objective::Objective;
use crate::observe::moments::Moments;
use design::VERSION;
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// Prepare and run a power analysis (all replications, or one shard).
pub fn run(
    design: &PowerDesign,
    shard: Option<Shard>,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<PowerOutput, PowerError> {
    Ok(PowerRun::new(design)?.run(shard, progress))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::specify::options::FitOptions;

    const POP: &str = "
        y ~ 0.3*x
        x ~~ 1*x
        y ~~ 0.91*y
        x ~ 0*1
        y ~ 0*1
    ";

    fn design(reps: usize) -> PowerDesign {
        let mut d = PowerDesign::new(POP, "y ~ x", vec![50, 100], reps, 11);
        d.analysis.model.meanstructure = Some(true);
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
                meanstructure: Some(true),
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
                .find(|r| r.lhs == p.info.lhs && r.op.as_str() == p.info.op && r.rhs == p.info.rhs)
                .unwrap();
            assert!(
                (row.estimate.est - rec.est[k].unwrap()).abs()
                    < 1e-8 * row.estimate.est.abs().max(1.0)
            );
            assert!(
                (row.estimate.se.unwrap() - rec.se[k].unwrap()).abs()
                    < 1e-7 * row.estimate.se.unwrap()
            );
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
        d.analysis.model.meanstructure = Some(true);
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
        d.analysis.model.meanstructure = Some(true);
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
}
