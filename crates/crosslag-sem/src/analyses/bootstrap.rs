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

use crate::analyses::power::Shard;
use crate::analyses::refit::{moments_of_rows, Analysis, ParamInfo, Refit};
use crate::analyses::simulate::{derive_seed, rng_from_seed};
use crate::engine;
use crate::error::SemError;
use crate::observe::missing::GroupData;
use crate::observe::moments::Moments;
use crate::observe::Data;
use crate::report::FitResult;
use crate::specify::options::{Estimator, FitOptions, Missing};
use crate::stats;
use ndarray::Array2;
use rand::RngExt;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};

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
const VERSION: u32 = 1;

/// The data of one group as used by the bootstrap.
struct GroupRows {
    /// Rows × model variables (complete rows, or FIML rows with missing values).
    x: Array2<f64>,
    /// Bollen–Stine transformed rows.
    y: Option<Array2<f64>>,
    /// Rows of each cluster (resampling units); one row each without clusters.
    units: Vec<Vec<usize>>,
}

fn fnv1a(values: &Array2<f64>, extra: &[usize]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u64| {
        for byte in b.to_le_bytes() {
            h ^= byte as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01B3);
        }
    };
    for v in values.iter() {
        eat(v.to_bits());
    }
    for &e in extra {
        eat(e as u64);
    }
    format!("{h:016x}")
}

/// Symmetric square root and inverse square root of an SPD matrix (cyclic Jacobi).
pub fn symmetric_sqrt(a: &Array2<f64>) -> Option<(Array2<f64>, Array2<f64>)> {
    let n = a.nrows();
    let mut m = a.clone();
    let mut v = Array2::<f64>::eye(n);
    for _ in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[[i, j]].powi(2))
            .sum();
        let scale: f64 = (0..n).map(|i| m[[i, i]].powi(2)).sum();
        if off <= 1e-30 * scale {
            break;
        }
        for p in 0..n {
            for q in (p + 1)..n {
                if m[[p, q]].abs() < 1e-300 {
                    continue;
                }
                let theta = (m[[q, q]] - m[[p, p]]) / (2.0 * m[[p, q]]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (mkp, mkq) = (m[[k, p]], m[[k, q]]);
                    m[[k, p]] = c * mkp - s * mkq;
                    m[[k, q]] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let (mpk, mqk) = (m[[p, k]], m[[q, k]]);
                    m[[p, k]] = c * mpk - s * mqk;
                    m[[q, k]] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[[k, p]], v[[k, q]]);
                    v[[k, p]] = c * vkp - s * vkq;
                    v[[k, q]] = s * vkp + c * vkq;
                }
            }
        }
    }
    let ev: Vec<f64> = (0..n).map(|i| m[[i, i]]).collect();
    if ev.iter().any(|&e| e.is_nan() || e <= 0.0) {
        return None;
    }
    let build = |f: &dyn Fn(f64) -> f64| {
        Array2::from_shape_fn((n, n), |(i, j)| {
            (0..n).map(|k| v[[i, k]] * f(ev[k]) * v[[j, k]]).sum()
        })
    };
    Some((build(&|e| e.sqrt()), build(&|e| 1.0 / e.sqrt())))
}

/// Quantile of sorted values, R's type 7.
pub fn quantile_sorted(x: &[f64], p: f64) -> f64 {
    let n = x.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    x[lo] + (h - lo as f64) * (x[hi] - x[lo])
}

/// A prepared bootstrap: the original fit, the data by group, the lean refit.
pub struct Bootstrap {
    pub design: BootstrapDesign,
    pub fit: FitResult,
    pub analysis: Analysis,
    pub parameters: Vec<BootParameter>,
    phi_hat: Vec<f64>,
    groups: Vec<GroupRows>,
    warnings: Vec<String>,
    /// Whole clusters are resampled.
    clustered: bool,
}

impl Bootstrap {
    pub fn new(
        model: &str,
        data: &Data,
        opts: &FitOptions,
        bopts: &BootstrapOptions,
    ) -> Result<Bootstrap, SemError> {
        if bopts.reps < 2 {
            return Err(SemError::Data(
                "a bootstrap needs at least 2 replications".into(),
            ));
        }
        if !(bopts.level > 0.0 && bopts.level < 1.0) {
            return Err(SemError::Data(
                "the confidence level must be in (0, 1)".into(),
            ));
        }
        let Data::Raw {
            names,
            values,
            group,
            group_labels,
            cluster,
        } = data
        else {
            return Err(SemError::Data(
                "a bootstrap needs raw data, not summary statistics".into(),
            ));
        };
        let fit = engine::fit(model, data, opts)?;
        let mut ml = opts.clone();
        ml.estimation.estimator = Estimator::Ml;
        let analysis = Analysis::new(model, &ml, fit.ngroups)?;
        let fiml = opts.estimation.missing == Missing::Ml;
        let mut warnings = Vec::new();
        if !fit.converged {
            warnings
                .push("the original fit did not converge: the bootstrap is not trustworthy".into());
        }
        let bollen_stine = bopts.bollen_stine && !fiml;
        if bopts.bollen_stine && fiml {
            warnings.push(
                "the Bollen–Stine test needs complete data: not computed with missing = \"ml\""
                    .into(),
            );
        }
        // θ̂ → φ̂ by matching rows
        let find = |lhs: &str, op: &str, rhs: &str, g: usize| {
            fit.parameters
                .iter()
                .find(|p| p.lhs == lhs && p.op == op && p.rhs == rhs && p.group == g)
                .map(|p| p.est)
        };
        let base = vec![0.0; analysis.model.red.nphi];
        let phi_hat =
            analysis.phi_from_rows(&base, |r| find(&r.lhs, r.op.as_str(), &r.rhs, r.group + 1));
        let parameters: Vec<BootParameter> = analysis
            .params
            .iter()
            .map(|info| {
                let row = fit.parameters.iter().find(|p| {
                    if info.op == ":=" {
                        p.op == ":=" && p.lhs == info.lhs
                    } else {
                        p.lhs == info.lhs
                            && p.op == info.op
                            && p.rhs == info.rhs
                            && p.group == info.group
                    }
                });
                BootParameter {
                    info: info.clone(),
                    est: row.map(|r| r.est).unwrap_or(f64::NAN),
                    se: row.and_then(|r| r.se),
                }
            })
            .collect();
        // the rows of each group
        let cols = analysis.columns(names)?;
        let ngroups = fit.ngroups;
        let mut groups = Vec::new();
        let mut nobs = Vec::new();
        let mut hash_values = Vec::new();
        for g in 0..ngroups {
            let rows: Vec<usize> = (0..values.nrows())
                .filter(|&r| group.as_ref().is_none_or(|gr| gr[r] == g))
                .filter(|&r| {
                    if fiml {
                        cols.iter().any(|&c| values[[r, c]].is_finite())
                    } else {
                        cols.iter().all(|&c| values[[r, c]].is_finite())
                    }
                })
                .collect();
            let x = Array2::from_shape_fn((rows.len(), cols.len()), |(i, j)| {
                values[[rows[i], cols[j]]]
            });
            let units: Vec<Vec<usize>> = match cluster {
                Some(cl) => {
                    let mut ids: Vec<usize> = rows.iter().map(|&r| cl[r]).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    ids.iter()
                        .map(|&id| (0..rows.len()).filter(|&i| cl[rows[i]] == id).collect())
                        .collect()
                }
                None => (0..rows.len()).map(|i| vec![i]).collect(),
            };
            if units.len() < 2 {
                let label = group_labels.get(g).cloned().unwrap_or_default();
                return Err(SemError::Data(format!(
                    "group {label}: fewer than two resampling units"
                )));
            }
            let y = if bollen_stine {
                let gm = &fit.groups[g];
                let m = moments_of_rows(&x, 0..x.nrows(), &(0..cols.len()).collect::<Vec<_>>())
                    .ok_or_else(|| {
                        SemError::Data("the sample covariance matrix is singular".into())
                    })?;
                let (_, s_inv_sqrt) = symmetric_sqrt(&m.cov).ok_or_else(|| {
                    SemError::Data("the sample covariance matrix is not positive definite".into())
                })?;
                let (sigma_sqrt, _) = symmetric_sqrt(&gm.implied_cov).ok_or_else(|| {
                    SemError::Data(
                        "Bollen–Stine: the implied covariance matrix is not positive definite"
                            .into(),
                    )
                })?;
                let a = s_inv_sqrt.dot(&sigma_sqrt);
                let mu_hat = gm.implied_mean.clone().unwrap_or_else(|| m.mean.clone());
                let centred = &x - &m.mean;
                Some(centred.dot(&a) + &mu_hat)
            } else {
                None
            };
            nobs.push(x.nrows());
            hash_values.push(x.nrows());
            hash_values.push(units.len());
            groups.push((x, y, units));
        }
        let all = ndarray::concatenate(
            ndarray::Axis(0),
            &groups.iter().map(|g| g.0.view()).collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| Array2::zeros((0, 0)));
        let data_hash = fnv1a(&all, &hash_values);
        let groups = groups
            .into_iter()
            .map(|(x, y, units)| GroupRows { x, y, units })
            .collect();
        let options = BootstrapOptions {
            bollen_stine,
            ..bopts.clone()
        };
        Ok(Bootstrap {
            design: BootstrapDesign {
                model: model.to_string(),
                analysis: opts.clone(),
                options,
                nobs,
                data_hash,
            },
            fit,
            analysis,
            parameters,
            phi_hat,
            groups,
            warnings,
            clustered: cluster.is_some(),
        })
    }

    /// Refit to the rows `rows[g]` of every group (of the original or transformed data).
    fn refit_rows(&self, rows: &[Vec<usize>], transformed: bool) -> Option<Refit> {
        let fiml = self.analysis.fiml();
        if fiml {
            let gds: Vec<GroupData> = self
                .groups
                .iter()
                .zip(rows)
                .map(|(g, r)| {
                    GroupData::new(
                        Array2::from_shape_fn((r.len(), g.x.ncols()), |(i, j)| g.x[[r[i], j]]),
                        None,
                    )
                })
                .collect();
            if gds
                .iter()
                .any(|gd| (0..gd.p).any(|j| !gd.values.column(j).iter().any(|v| v.is_finite())))
            {
                return None;
            }
            return self.analysis.refit_fiml(gds, &self.phi_hat);
        }
        let mut moments: Vec<Moments> = Vec::with_capacity(rows.len());
        for (g, r) in self.groups.iter().zip(rows) {
            let src = if transformed { g.y.as_ref()? } else { &g.x };
            moments.push(resampled_moments(src, r)?);
        }
        self.analysis.refit(&moments, None, &self.phi_hat)
    }

    /// Replication `b`.
    pub fn replicate(&self, b: usize) -> BootRecord {
        let mut rng = rng_from_seed(derive_seed(self.design.options.seed, &[b as u64]));
        let rows: Vec<Vec<usize>> = self
            .groups
            .iter()
            .map(|g| {
                let k = g.units.len();
                let mut r = Vec::with_capacity(g.x.nrows());
                for _ in 0..k {
                    let u = rng.random_range(0..k);
                    r.extend_from_slice(&g.units[u]);
                }
                r
            })
            .collect();
        let k = self.parameters.len();
        let (converged, admissible, est) = match self.refit_rows(&rows, false) {
            Some(f) => (
                f.converged,
                f.admissible,
                f.est.iter().map(|&v| v.is_finite().then_some(v)).collect(),
            ),
            None => (false, false, vec![None; k]),
        };
        let bs_chisq = if self.design.options.bollen_stine {
            self.refit_rows(&rows, true)
                .filter(|f| f.converged)
                .map(|f| f.chisq)
        } else {
            None
        };
        BootRecord {
            rep: b,
            converged,
            admissible,
            est,
            bs_chisq,
        }
    }

    /// Jackknife acceleration per parameter (delete one resampling unit at a time).
    pub fn acceleration(&self) -> Vec<Option<f64>> {
        let units: Vec<(usize, usize)> = self
            .groups
            .iter()
            .enumerate()
            .flat_map(|(g, gr)| (0..gr.units.len()).map(move |u| (g, u)))
            .collect();
        let values: Vec<Option<Vec<f64>>> = units
            .par_iter()
            .map(|&(g, u)| {
                let rows: Vec<Vec<usize>> = self
                    .groups
                    .iter()
                    .enumerate()
                    .map(|(h, gr)| {
                        (0..gr.units.len())
                            .filter(|&v| !(h == g && v == u))
                            .flat_map(|v| gr.units[v].iter().copied())
                            .collect()
                    })
                    .collect();
                self.refit_rows(&rows, false)
                    .filter(|f| f.converged)
                    .map(|f| f.est)
            })
            .collect();
        let ok: Vec<&Vec<f64>> = values.iter().flatten().collect();
        (0..self.parameters.len())
            .map(|k| {
                let v: Vec<f64> = ok.iter().map(|e| e[k]).filter(|x| x.is_finite()).collect();
                if v.len() < 3 {
                    return None;
                }
                let m = v.iter().sum::<f64>() / v.len() as f64;
                let s2: f64 = v.iter().map(|x| (m - x).powi(2)).sum();
                let s3: f64 = v.iter().map(|x| (m - x).powi(3)).sum();
                Some(if s2 > 0.0 {
                    s3 / (6.0 * s2.powf(1.5))
                } else {
                    0.0
                })
            })
            .collect()
    }

    /// Run the replications of `shard` (all when `None`).
    pub fn run(
        &self,
        shard: Option<Shard>,
        progress: Option<&(dyn Fn(usize, usize) + Sync)>,
    ) -> BootOutput {
        let reps = self.design.options.reps;
        let range = shard.map(|s| s.range(reps)).unwrap_or(0..reps);
        let total = range.len();
        let done = AtomicUsize::new(0);
        let records: Vec<BootRecord> = range
            .into_par_iter()
            .map(|b| {
                let r = self.replicate(b);
                let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                if let Some(p) = progress {
                    p(d, total);
                }
                r
            })
            .collect();
        let carries_jackknife = shard.is_none_or(|s| s.index == 1);
        let acceleration =
            (self.design.options.bca && carries_jackknife).then(|| self.acceleration());
        let mut out = BootOutput {
            kind: BOOTSTRAP_KIND.into(),
            version: VERSION,
            design: self.design.clone(),
            parameters: self.parameters.clone(),
            chisq: self.fit.chisq,
            df: self.fit.df,
            acceleration,
            shard,
            records,
            summary: None,
            warnings: self.warnings.clone(),
        };
        if shard.is_none() {
            out.summary = Some(summarize(&out));
        }
        out
    }
}

/// Moments of a resample: row indices of `x`, with repeats.
fn resampled_moments(x: &Array2<f64>, rows: &[usize]) -> Option<Moments> {
    let cols: Vec<usize> = (0..x.ncols()).collect();
    crate::observe::moments::moments_of(x, rows, &cols)
}

/// Bootstrap a model fitted to raw data (all replications, or one shard).
pub fn bootstrap(
    model: &str,
    data: &Data,
    opts: &FitOptions,
    bopts: &BootstrapOptions,
    shard: Option<Shard>,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<BootOutput, SemError> {
    Ok(Bootstrap::new(model, data, opts, bopts)?.run(shard, progress))
}

/// Intervals and the Bollen–Stine p-value from the records of a complete bootstrap.
pub fn summarize(out: &BootOutput) -> BootSummary {
    let o = &out.design.options;
    let ok: Vec<&BootRecord> = out.records.iter().filter(|r| r.converged).collect();
    let lo_p = (1.0 - o.level) / 2.0;
    let hi_p = 1.0 - lo_p;
    let parameters = out
        .parameters
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let mut v: Vec<f64> = ok.iter().filter_map(|r| r.est[k]).collect();
            v.sort_by(|a, b| a.total_cmp(b));
            let b = v.len() as f64;
            let mean = v.iter().sum::<f64>() / b;
            let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (b - 1.0)).sqrt();
            let below = v.iter().filter(|&&x| x < p.est).count() as f64;
            let ties = v.iter().filter(|&&x| x == p.est).count() as f64;
            let z0 = stats::qnorm((below + 0.5 * ties) / b);
            let acc = out
                .acceleration
                .as_ref()
                .and_then(|a| a.get(k).copied().flatten());
            let bca = acc.filter(|_| z0.is_finite()).map(|a| {
                let adj = |q: f64| {
                    let zq = stats::qnorm(q);
                    stats::pnorm(z0 + (z0 + zq) / (1.0 - a * (z0 + zq)))
                };
                (
                    quantile_sorted(&v, adj(lo_p)),
                    quantile_sorted(&v, adj(hi_p)),
                )
            });
            BootParamSummary {
                name: p.info.name.clone(),
                est: p.est,
                se: p.se,
                boot_mean: mean,
                boot_se: sd,
                bias: mean - p.est,
                percentile: (quantile_sorted(&v, lo_p), quantile_sorted(&v, hi_p)),
                bca,
                z0,
                acceleration: acc,
            }
        })
        .collect();
    let bollen_stine = o.bollen_stine.then(|| {
        let t: Vec<f64> = out.records.iter().filter_map(|r| r.bs_chisq).collect();
        let exceed = t.iter().filter(|&&x| x >= out.chisq).count();
        BollenStine {
            chisq: out.chisq,
            df: out.df,
            used: t.len(),
            pvalue: exceed as f64 / t.len().max(1) as f64,
        }
    });
    BootSummary {
        reps: out.records.len(),
        converged: ok.len(),
        admissible: ok.iter().filter(|r| r.admissible).count(),
        parameters,
        bollen_stine,
    }
}

/// Interval type of bootstrap standard errors in a fit (lavaan's
/// `parameterEstimates(boot.ci.type = )`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BootCiType {
    /// Percentile interval (lavaan's default `"perc"`).
    Perc,
    /// Bias-corrected and accelerated interval (`"bca"`).
    Bca,
}

/// What a fit with bootstrap standard errors reports about its bootstrap (lavaan's
/// `se = "bootstrap"`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BootSeInfo {
    /// `"bootstrap"` (lavaan's `se` option).
    pub se: String,
    /// Requested replications.
    pub reps: usize,
    /// Replications whose refit converged (the ones used).
    pub converged: usize,
    /// Converged replications with an admissible solution (the others are used too, as lavaan).
    pub admissible: usize,
    pub seed: u64,
    pub ci_type: BootCiType,
    pub level: f64,
    /// Resampling unit: `"rows"` or `"clusters"`.
    pub resampled: String,
    /// Bollen–Stine bootstrap p-value of the chi-square test (when asked for).
    pub bollen_stine: Option<BollenStine>,
}

/// boot's `norm.inter` (used by lavaan's `parameterEstimates()` for bootstrap intervals): the
/// order statistic `(R + 1) α` of the sorted values `t`, interpolated on the normal quantile
/// scale between neighbours; the extremes when `(R + 1) α` falls outside `[1, R]`. The flag
/// is boot's warning "extreme order statistics used as endpoints".
pub fn norm_inter(t: &[f64], alpha: f64) -> (f64, bool) {
    let r = t.len();
    if r == 0 || alpha.is_nan() {
        return (f64::NAN, true);
    }
    let rk = (r + 1) as f64 * alpha;
    let extreme = !(rk > 1.0 && rk < r as f64);
    let k = rk.trunc();
    if k <= 0.0 {
        return (t[0], extreme);
    }
    if k >= r as f64 {
        return (t[r - 1], extreme);
    }
    let ki = k as usize;
    if k == rk {
        return (t[ki - 1], extreme);
    }
    let z = stats::qnorm(alpha);
    let z1 = stats::qnorm(k / (r + 1) as f64);
    let z2 = stats::qnorm((k + 1.0) / (r + 1) as f64);
    let (tk, tk1) = (t[ki - 1], t[ki]);
    (tk + (z - z1) / (z2 - z1) * (tk1 - tk), extreme)
}

/// `sqrt(Σ (x − x̄)² / d)`, `d = n` or `n − 1`.
fn sd_with(v: &[f64], divisor_n: bool) -> f64 {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let ss: f64 = v.iter().map(|x| (x - m).powi(2)).sum();
    (ss / if divisor_n { n } else { n - 1.0 }).sqrt()
}

impl Bootstrap {
    /// The original fit with lavaan's `se = "bootstrap"` inference (lavaan 0.6-14,
    /// `lav_model_nvcov_bootstrap`, `lav_model_vcov_se`, `parameterEstimates`), from the
    /// complete output `out` of [`Bootstrap::run`] (records kept):
    ///
    /// * free parameters: SE = SD of the converged replications' estimates with divisor B
    ///   (lavaan: `N · cov(COEF)(B − 1)/B`, divided by N again); every copy of an
    ///   equality-constrained parameter, and a parameter a `==` constraint computes, from
    ///   θ* = g(φ*) of each replication; `vcov` (when kept) the same covariance matrix;
    /// * `:=` parameters: SE = SD of the defined values of the replications with divisor
    ///   B − 1 (lavaan's `cov(BOOT.def)`), not the delta method;
    /// * z = est/SE, two-sided normal p-value;
    /// * intervals: percentile by boot's `norm.inter` at (1 ∓ level)/2, or BCa with
    ///   `w = Φ⁻¹(#{θ* < θ̂}/B)` and the acceleration of the jackknife (lavaan 0.6-14 estimates
    ///   it by regressing the estimates on the resampling frequencies and needs B ≥ N; the
    ///   jackknife is the classical estimate of the same influence values); a parameter with
    ///   no bootstrap variance keeps [est, est];
    /// * fixed parameters keep SE 0 and [est, est], as lavaan.
    ///
    /// Warnings (as lavaan's) name failed and inadmissible replications.
    pub fn fit_with_bootstrap_se(
        &self,
        out: &BootOutput,
        ci: BootCiType,
    ) -> Result<(FitResult, BootSeInfo), SemError> {
        if out.shard.is_some() {
            return Err(SemError::Data(
                "bootstrap standard errors need every replication, not a shard".into(),
            ));
        }
        let opts = &out.design.options;
        let red = &self.analysis.model.red;
        let nphi = red.nphi;
        let ok: Vec<&BootRecord> = out.records.iter().filter(|r| r.converged).collect();
        if ok.len() < 2 {
            return Err(SemError::Data(format!(
                "only {} of {} bootstrap replications converged: no bootstrap standard errors",
                ok.len(),
                out.records.len()
            )));
        }
        if ci == BootCiType::Bca && out.acceleration.is_none() {
            return Err(SemError::Data(
                "BCa intervals need the jackknife (bootstrap options bca = true)".into(),
            ));
        }
        // θ* = g(φ*) of every converged replication with finite φ*
        let ntheta = red.ntheta();
        let thetas: Vec<Vec<f64>> = ok
            .iter()
            .filter_map(|r| {
                let phi: Option<Vec<f64>> = r.est[..nphi].iter().copied().collect();
                let phi = phi?;
                let mut th = vec![0.0; ntheta];
                red.theta(&phi, &mut th);
                Some(th)
            })
            .collect();
        let (lo_p, hi_p) = ((1.0 - opts.level) / 2.0, (1.0 + opts.level) / 2.0);
        let zq = [stats::qnorm(lo_p), stats::qnorm(hi_p)];
        let mut res = self.fit.clone();
        let mut extreme = Vec::new();
        let mut no_acc = Vec::new();
        for row in res.parameters.iter_mut() {
            // the bootstrap values of this row, the SE divisor, the acceleration
            let (mut v, divisor_n, acc) = if row.op == ":=" {
                let Some(k) = self
                    .parameters
                    .iter()
                    .position(|p| p.info.op == ":=" && p.info.lhs == row.lhs)
                else {
                    continue;
                };
                let v: Vec<f64> = ok.iter().filter_map(|r| r.est[k]).collect();
                let acc = out.acceleration.as_ref().and_then(|a| a[k]);
                (v, false, acc)
            } else if row.free > 0 {
                let Some(k) = self
                    .analysis
                    .model
                    .pt
                    .rows
                    .iter()
                    .find(|r| {
                        r.free > 0
                            && r.lhs == row.lhs
                            && r.op.as_str() == row.op
                            && r.rhs == row.rhs
                            && r.group + 1 == row.group
                    })
                    .map(|r| r.free - 1)
                else {
                    continue;
                };
                let v: Vec<f64> = thetas.iter().map(|t| t[k]).collect();
                let acc = red
                    .phi_of_theta(k)
                    .and_then(|i| out.acceleration.as_ref().and_then(|a| a[i]));
                (v, true, acc)
            } else {
                continue;
            };
            v.retain(|x| x.is_finite());
            v.sort_by(|a, b| a.total_cmp(b));
            let name = if row.op == ":=" {
                row.lhs.clone()
            } else if self.fit.ngroups > 1 {
                format!("{} {} {} (group {})", row.lhs, row.op, row.rhs, row.group)
            } else {
                format!("{} {} {}", row.lhs, row.op, row.rhs)
            };
            if v.len() < 2 {
                row.se = None;
                row.z = None;
                row.pvalue = None;
                row.ci_lower = None;
                row.ci_upper = None;
                continue;
            }
            let se = sd_with(&v, divisor_n);
            row.se = Some(se);
            if se > 0.0 {
                let z = row.est / se;
                row.z = Some(z);
                row.pvalue = Some(2.0 * stats::pnorm(-z.abs()));
            } else {
                row.z = None;
                row.pvalue = None;
            }
            let alphas = match ci {
                BootCiType::Perc => Some([lo_p, hi_p]),
                BootCiType::Bca if se > 0.0 => {
                    let a = acc.unwrap_or_else(|| {
                        no_acc.push(name.clone());
                        0.0
                    });
                    let below = v.iter().filter(|&&x| x < row.est).count() as f64;
                    let w = stats::qnorm(below / v.len() as f64);
                    Some(zq.map(|z| stats::pnorm(w + (w + z) / (1.0 - a * (w + z)))))
                }
                BootCiType::Bca => None,
            };
            match alphas {
                Some([a_lo, a_hi]) => {
                    let (lo, e1) = norm_inter(&v, a_lo);
                    let (hi, e2) = norm_inter(&v, a_hi);
                    if e1 || e2 {
                        extreme.push(name);
                    }
                    row.ci_lower = Some(lo);
                    row.ci_upper = Some(hi);
                }
                None => {
                    row.ci_lower = Some(row.est);
                    row.ci_upper = Some(row.est);
                }
            }
        }
        if let Some(vc) = res.vcov.as_mut() {
            if vc.nrows() == ntheta && thetas.len() >= 2 {
                let b = thetas.len() as f64;
                let mean: Vec<f64> = (0..ntheta)
                    .map(|k| thetas.iter().map(|t| t[k]).sum::<f64>() / b)
                    .collect();
                *vc = Array2::from_shape_fn((ntheta, ntheta), |(i, j)| {
                    thetas
                        .iter()
                        .map(|t| (t[i] - mean[i]) * (t[j] - mean[j]))
                        .sum::<f64>()
                        / b
                });
            }
        }
        let summary = match &out.summary {
            Some(s) => s.clone(),
            None => summarize(out),
        };
        let failed = out.records.len() - ok.len();
        if failed > 0 {
            res.warnings.push(format!(
                "{failed} of {} bootstrap replications failed or did not converge; standard errors and intervals use the {} that converged",
                out.records.len(),
                ok.len()
            ));
        }
        let inadmissible = ok.len() - summary.admissible;
        if inadmissible > 0 {
            res.warnings.push(format!(
                "{inadmissible} bootstrap replications resulted in inadmissible solutions (they are used, as in lavaan)"
            ));
        }
        if !extreme.is_empty() {
            let more = extreme.len().saturating_sub(5);
            extreme.truncate(5);
            res.warnings.push(format!(
                "extreme order statistics used as interval endpoints (too few replications for the level) for: {}{}",
                extreme.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            ));
        }
        if !no_acc.is_empty() {
            res.warnings.push(format!(
                "no jackknife acceleration for parameters computed by a constraint: their BCa intervals are bias-corrected only ({})",
                no_acc.join(", ")
            ));
        }
        res.warnings.extend(out.warnings.iter().cloned());
        let info = BootSeInfo {
            se: "bootstrap".into(),
            reps: out.records.len(),
            converged: ok.len(),
            admissible: summary.admissible,
            seed: opts.seed,
            ci_type: ci,
            level: opts.level,
            resampled: if self.clustered { "clusters" } else { "rows" }.into(),
            bollen_stine: summary.bollen_stine,
        };
        Ok((res, info))
    }
}

/// Combine the shards of one bootstrap into the output of a single run.
pub fn merge(parts: Vec<BootOutput>) -> Result<BootOutput, String> {
    let first = parts.first().ok_or("nothing to merge")?;
    let count = first
        .shard
        .map(|s| s.count)
        .ok_or("part 1 is a complete run, not a shard")?;
    let mut seen = vec![false; count];
    let mut acceleration = None;
    for (i, p) in parts.iter().enumerate() {
        if p.kind != BOOTSTRAP_KIND || p.version != first.version {
            return Err(format!(
                "part {}: not a bootstrap output of version {}",
                i + 1,
                first.version
            ));
        }
        if p.design != first.design
            || p.parameters != first.parameters
            || p.chisq.to_bits() != first.chisq.to_bits()
        {
            return Err(format!(
                "part {}: a different model, data or bootstrap setting",
                i + 1
            ));
        }
        let s = p
            .shard
            .ok_or(format!("part {}: a complete run, not a shard", i + 1))?;
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
        if s.index == 1 {
            acceleration = p.acceleration.clone();
        }
    }
    if let Some(k) = seen.iter().position(|s| !s) {
        return Err(format!("shard {}/{count} is missing", k + 1));
    }
    let mut out = first.clone();
    out.acceleration = acceleration;
    out.shard = None;
    out.records = parts.into_iter().flat_map(|p| p.records).collect();
    out.records.sort_by_key(|r| r.rep);
    let reps = out.design.options.reps;
    if out.records.len() != reps || out.records.iter().enumerate().any(|(i, r)| r.rep != i) {
        return Err(format!(
            "the parts hold {} replication records, not the {reps} of the design",
            out.records.len()
        ));
    }
    out.summary = Some(summarize(&out));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Timing of the issue-6 benchmark: 2000 replications of case10's indirect effect
    /// (`cargo test --release -p crosslag-sem --lib -- --ignored bench_ --nocapture`; reads the
    /// reference CSV in tests/fixtures/lavaan).
    #[test]
    #[ignore]
    fn bench_case10_bootstrap_2000() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/lavaan");
        let text = std::fs::read_to_string(dir.join("panel_A_complete.csv")).unwrap();
        let mut lines = text.lines();
        let names: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
        let rows: Vec<Vec<f64>> = lines
            .map(|l| {
                l.split(',')
                    .map(|v| v.parse().unwrap_or(f64::NAN))
                    .collect()
            })
            .collect();
        let values = Array2::from_shape_fn((rows.len(), names.len()), |(i, j)| rows[i][j]);
        let data = Data::Raw {
            names,
            values,
            group: None,
            group_labels: Vec::new(),
            cluster: None,
        };
        let model = "engage_2 ~ a*close_1 + engage_1 + lang_1\nlang_3 ~ b*engage_2 + c*close_1 + lang_1\nind := a*b\ntotal := c + a*b";
        let bopts = BootstrapOptions {
            reps: 2000,
            seed: 1,
            ..BootstrapOptions::default()
        };
        let t0 = std::time::Instant::now();
        let out = bootstrap(model, &data, &FitOptions::default(), &bopts, None, None).unwrap();
        let secs = t0.elapsed().as_secs_f64();
        let s = out.summary.unwrap();
        let ind = s.parameters.iter().find(|p| p.name == "ind").unwrap();
        eprintln!(
            "case10 bootstrap 2000 + jackknife 1000 + Bollen-Stine, {} threads: {secs:.2} s; ind {:.4} SE {:.4} boot SE {:.4} perc {:?} BCa {:?} BS p {:.4}",
            rayon::current_num_threads(),
            ind.est,
            ind.se.unwrap(),
            ind.boot_se,
            ind.percentile,
            ind.bca,
            s.bollen_stine.unwrap().pvalue
        );
        assert_eq!(s.converged, 2000);
    }

    #[test]
    fn quantiles_type7() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&x, 0.0), 1.0);
        assert_eq!(quantile_sorted(&x, 1.0), 4.0);
        assert!((quantile_sorted(&x, 0.5) - 2.5).abs() < 1e-15);
        assert!((quantile_sorted(&x, 0.25) - 1.75).abs() < 1e-15);
    }

    /// boot's `norm.inter` as lavaan 0.6-14 copies it; the reference values are from R.
    #[test]
    fn norm_inter_matches_boot() {
        let t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.5];
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(norm_inter(&t, 0.35).0, 3.513109377668262));
        assert!(close(norm_inter(&t, 0.83).0, 8.383733552999898));
        assert_eq!(norm_inter(&t, 0.5), (5.0, false));
        // (R + 1) α outside [1, R]: the extremes, flagged
        assert_eq!(norm_inter(&t, 0.025), (1.0, true));
        assert_eq!(norm_inter(&t, 0.97), (9.5, true));
    }

    /// `fit_with_bootstrap_se` against the formulas applied to the records by hand: SD with
    /// divisor B for free parameters (every equality copy alike), B − 1 for `:=` parameters,
    /// intervals by `norm_inter`, fixed rows untouched.
    #[test]
    fn bootstrap_se_of_a_fit_follows_lavaan() {
        let pop = "y ~ 0.4*m + 0.1*x\nm ~ 0.5*x\nx ~~ 1*x\nm ~~ 0.75*m\ny ~~ 0.8*y";
        let popn =
            crate::analyses::simulate::Population::from_syntax(pop, &Default::default()).unwrap();
        let sim = crate::analyses::simulate::Simulator::new(&popn, &Default::default()).unwrap();
        let data = sim.draw_seeded(&[150], 11).to_data(&[]);
        // equal residual variances through a label: two rows, one φ
        let model = "y ~ b*m + x\nm ~ a*x\nm ~~ v*m\ny ~~ v*y\nind := a*b";
        let opts = FitOptions {
            output: crate::specify::options::OutputOptions {
                vcov: true,
                ..crate::specify::options::OutputOptions::default()
            },
            ..FitOptions::default()
        };
        let bopts = BootstrapOptions {
            reps: 60,
            seed: 7,
            bollen_stine: false,
            bca: true,
            ..BootstrapOptions::default()
        };
        let boot = Bootstrap::new(model, &data, &opts, &bopts).unwrap();
        let out = boot.run(None, None);
        let (res, info) = boot.fit_with_bootstrap_se(&out, BootCiType::Perc).unwrap();
        assert_eq!((info.reps, info.converged), (60, 60));
        let col = |name: &str| {
            let k = boot
                .parameters
                .iter()
                .position(|p| p.info.label == name)
                .unwrap();
            let mut v: Vec<f64> = out.records.iter().map(|r| r.est[k].unwrap()).collect();
            v.sort_by(|a, b| a.total_cmp(b));
            v
        };
        let sd = |v: &[f64], d: f64| {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / d).sqrt()
        };
        let row = |lhs: &str, op: &str, rhs: &str| {
            res.parameters
                .iter()
                .find(|p| p.lhs == lhs && p.op == op && p.rhs == rhs)
                .unwrap()
        };
        let a = col("a");
        let ra = row("m", "~", "x");
        assert!((ra.se.unwrap() - sd(&a, 60.0)).abs() < 1e-14);
        assert!((ra.z.unwrap() - ra.est / ra.se.unwrap()).abs() < 1e-12);
        // (to rounding: with the `lapack` feature the estimates of a replication may differ
        // from the recorded ones in the last bit)
        let near = |x: Option<f64>, y: f64| (x.unwrap() - y).abs() <= 1e-14 * y.abs().max(1.0);
        assert!(near(ra.ci_lower, norm_inter(&a, 0.025).0));
        assert!(near(ra.ci_upper, norm_inter(&a, 0.975).0));
        let v = col("v");
        let (rm, ry) = (row("m", "~~", "m"), row("y", "~~", "y"));
        assert!((rm.se.unwrap() - sd(&v, 60.0)).abs() < 1e-14);
        // copies of one label: the same SE up to rounding (the covariance matrix of the
        // copies is a matrix product, whose summation order LAPACK may change)
        assert!((rm.se.unwrap() - ry.se.unwrap()).abs() < 1e-14);
        assert!(near(rm.ci_lower, ry.ci_lower.unwrap()));
        let ind = col("ind");
        let ri = row("ind", ":=", "a*b");
        assert!((ri.se.unwrap() - sd(&ind, 59.0)).abs() < 1e-14);
        assert!(near(ri.ci_upper, norm_inter(&ind, 0.975).0));
        // fixed.x rows keep SE 0 and [est, est]
        let rx = row("x", "~~", "x");
        assert_eq!(rx.se, Some(0.0));
        assert_eq!(rx.ci_lower, Some(rx.est));
        // vcov: the covariance of the replications (divisor B) over every free copy
        let vc = res.vcov.as_ref().unwrap();
        let k = ra.free - 1;
        assert!((vc[[k, k]].sqrt() - ra.se.unwrap()).abs() < 1e-14);
        // BCa: inside the range of the replications, differs from the percentile interval
        let (bres, binfo) = boot.fit_with_bootstrap_se(&out, BootCiType::Bca).unwrap();
        assert_eq!(binfo.ci_type, BootCiType::Bca);
        let bi = bres.parameters.iter().find(|p| p.op == ":=").unwrap();
        assert!(bi.ci_lower.unwrap() >= ind[0] && bi.ci_upper.unwrap() <= ind[59]);
        assert_eq!(bi.se, ri.se);
        // a shard is refused
        let part = boot.run(Some(Shard { index: 1, count: 2 }), None);
        assert!(boot.fit_with_bootstrap_se(&part, BootCiType::Perc).is_err());
    }

    /// Each replication's estimates are those of the front door fitted to the resampled rows
    /// (the lean refit loses nothing), so a bootstrap SE differs from lavaan's only by the
    /// random resamples.
    #[test]
    fn replications_equal_full_fits_to_the_resamples() {
        let pop = "y ~ 0.4*m + 0.1*x\nm ~ 0.5*x\nx ~~ 1*x\nm ~~ 0.75*m\ny ~~ 0.8*y";
        let popn =
            crate::analyses::simulate::Population::from_syntax(pop, &Default::default()).unwrap();
        let sim = crate::analyses::simulate::Simulator::new(&popn, &Default::default()).unwrap();
        let data = sim.draw_seeded(&[150], 4).to_data(&[]);
        let Data::Raw { names, values, .. } = &data else {
            unreachable!()
        };
        let model = "y ~ b*m + x\nm ~ a*x\nind := a*b";
        let bopts = BootstrapOptions {
            reps: 8,
            seed: 21,
            bollen_stine: false,
            bca: false,
            ..BootstrapOptions::default()
        };
        let boot = Bootstrap::new(model, &data, &FitOptions::default(), &bopts).unwrap();
        let out = boot.run(None, None);
        let n = values.nrows();
        for (b, rec) in out.records.iter().enumerate() {
            // the rows replication b draws (one unit per row without clusters)
            let mut rng = rng_from_seed(derive_seed(21, &[b as u64]));
            let idx: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
            let resample = Data::Raw {
                names: names.clone(),
                values: values.select(ndarray::Axis(0), &idx),
                group: None,
                group_labels: Vec::new(),
                cluster: None,
            };
            let full = engine::fit(model, &resample, &FitOptions::default()).unwrap();
            for (p, est) in boot.parameters.iter().zip(&rec.est) {
                let row = full
                    .parameters
                    .iter()
                    .find(|r| {
                        r.lhs == p.info.lhs
                            && r.op == p.info.op
                            && (p.info.op == ":=" || r.rhs == p.info.rhs)
                    })
                    .unwrap();
                let e = est.unwrap();
                assert!(
                    (row.est - e).abs() < 1e-8 * row.est.abs().max(1.0),
                    "replication {b}, {}: {} vs {e}",
                    p.info.name,
                    row.est
                );
            }
        }
    }

    #[test]
    fn symmetric_square_root() {
        let a = ndarray::array![[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]];
        let (s, si) = symmetric_sqrt(&a).unwrap();
        let back = s.dot(&s);
        let id = s.dot(&si);
        for i in 0..3 {
            for j in 0..3 {
                assert!((back[[i, j]] - a[[i, j]]).abs() < 1e-12);
                assert!((id[[i, j]] - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
                assert!((s[[i, j]] - s[[j, i]]).abs() < 1e-14);
            }
        }
    }

    #[test]
    fn bollen_stine_data_fit_exactly_and_shards_merge() {
        // data from a population that the model does not fit (y ~ x omits z's effect)
        let pop = "y ~ 0.4*x + 0.3*z\nx ~~ 1*x\nz ~~ 1*z\nx ~~ 0.3*z\ny ~~ 0.7*y";
        let popn =
            crate::analyses::simulate::Population::from_syntax(pop, &Default::default()).unwrap();
        let sim = crate::analyses::simulate::Simulator::new(&popn, &Default::default()).unwrap();
        let d = sim.draw_seeded(&[200], 5);
        let data = d.to_data(&[]);
        let model = "y ~ b*z\nz ~ a*x\nind := a*b";
        let opts = FitOptions::default();
        let bopts = BootstrapOptions {
            reps: 40,
            seed: 3,
            ..BootstrapOptions::default()
        };
        let boot = Bootstrap::new(model, &data, &opts, &bopts).unwrap();
        // the transformed data have exactly the implied moments: chi-square 0 at θ̂
        let all: Vec<Vec<usize>> = boot
            .groups
            .iter()
            .map(|g| (0..g.x.nrows()).collect())
            .collect();
        let f = boot.refit_rows(&all, true).unwrap();
        assert!(f.chisq.abs() < 1e-8, "{}", f.chisq);
        let orig = boot.refit_rows(&all, false).unwrap();
        assert!((orig.chisq - boot.fit.chisq).abs() < 1e-6 * boot.fit.chisq.max(1.0));
        let single = boot.run(None, None);
        let parts: Vec<BootOutput> = (1..=2)
            .map(|k| boot.run(Some(Shard { index: k, count: 2 }), None))
            .collect();
        let back: Vec<BootOutput> = parts
            .iter()
            .map(|p| serde_json::from_str(&serde_json::to_string(p).unwrap()).unwrap())
            .collect();
        let merged = merge(back).unwrap();
        assert_eq!(
            serde_json::to_string(&merged).unwrap(),
            serde_json::to_string(&single).unwrap()
        );
        let s = single.summary.unwrap();
        let bs = s.bollen_stine.unwrap();
        assert!(bs.used > 30);
        assert!(
            bs.pvalue < 0.2,
            "misfit should give a small p: {}",
            bs.pvalue
        );
    }
}
