//! The prepared bootstrap: the original fit, the rows (or clusters) of each group and, for
//! Bollen–Stine, their transformation to the model-implied moments; resampling, the lean refit
//! of each replication and the jackknife acceleration.

use super::design::{
    BootOutput, BootParameter, BootRecord, BootstrapDesign, BootstrapOptions, BOOTSTRAP_KIND,
    VERSION,
};
use super::summary::summarize;
use crate::analyses::power::Shard;
use crate::analyses::refit::{moments_of_rows, Analysis, Refit};
use crate::analyses::simulate::{derive_seed, rng_from_seed};
use crate::engine;
use crate::error::SemError;
use crate::observe::missing::GroupData;
use crate::observe::moments::Moments;
use crate::observe::Data;
use crate::report::{FitResult, GroupMatrices};
use crate::specify::options::{Estimator, FitOptions, Missing};
use crate::specify::partable::Op;
use ndarray::Array2;
use rand::RngExt;
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    pub(super) clustered: bool,
}

impl Bootstrap {
    /// Fit the model once (by [`engine::fit`]) and prepare the bootstrap: θ̂ as the refit's
    /// start, the rows or clusters of every group and, for Bollen–Stine, their transformation.
    pub fn new(
        model: &str,
        data: &Data,
        opts: &FitOptions,
        bopts: &BootstrapOptions,
    ) -> Result<Bootstrap, SemError> {
        check_bootstrap_options(bopts)?;
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
                .find(|p| p.lhs == lhs && p.op.as_str() == op && p.rhs == rhs && p.group == g)
                .map(|p| p.estimate.est)
        };
        let base = vec![0.0; analysis.model.red.nphi];
        let phi_hat =
            analysis.phi_from_rows(&base, |r| find(&r.lhs, r.op.as_str(), &r.rhs, r.group + 1));
        let parameters = boot_parameters(&analysis, &fit);
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
            let units = resampling_units(&rows, cluster.as_deref());
            if units.len() < 2 {
                let label = group_labels.get(g).cloned().unwrap_or_default();
                return Err(SemError::Data(format!(
                    "group {label}: fewer than two resampling units"
                )));
            }
            let y = if bollen_stine {
                Some(bollen_stine_rows(&x, &fit.groups[g])?)
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

/// At least 2 replications and a confidence level in (0, 1).
fn check_bootstrap_options(bopts: &BootstrapOptions) -> Result<(), SemError> {
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
    Ok(())
}

/// The free and `:=` parameters of the lean refit with the original fit's estimate and
/// standard error (matched by `lhs op rhs` and group, `:=` parameters by name).
fn boot_parameters(analysis: &Analysis, fit: &FitResult) -> Vec<BootParameter> {
    analysis
        .params
        .iter()
        .map(|info| {
            let row = fit.parameters.iter().find(|p| {
                if info.op == ":=" {
                    p.op == Op::Defined && p.lhs == info.lhs
                } else {
                    p.lhs == info.lhs
                        && p.op.as_str() == info.op
                        && p.rhs == info.rhs
                        && p.group == info.group
                }
            });
            BootParameter {
                info: info.clone(),
                est: row.map(|r| r.estimate.est).unwrap_or(f64::NAN),
                se: row.and_then(|r| r.estimate.se),
            }
        })
        .collect()
}

/// The resampling units of a group as indices into its `rows`: one unit per row, or with
/// clusters (`cluster` = the 0-based cluster of every row of the data) all rows of a cluster.
fn resampling_units(rows: &[usize], cluster: Option<&[usize]>) -> Vec<Vec<usize>> {
    match cluster {
        Some(cl) => {
            let mut ids: Vec<usize> = rows.iter().map(|&r| cl[r]).collect();
            ids.sort_unstable();
            ids.dedup();
            ids.iter()
                .map(|&id| (0..rows.len()).filter(|&i| cl[rows[i]] == id).collect())
                .collect()
        }
        None => (0..rows.len()).map(|i| vec![i]).collect(),
    }
}

/// Bollen–Stine: the rows `x` of a group transformed to the model-implied moments of `gm`,
/// `y = Σ̂^{1/2} S^{−1/2} (x − x̄) + μ̂`, so that they fit the model exactly.
fn bollen_stine_rows(x: &Array2<f64>, gm: &GroupMatrices) -> Result<Array2<f64>, SemError> {
    let m = moments_of_rows(x, 0..x.nrows(), &(0..x.ncols()).collect::<Vec<_>>())
        .ok_or_else(|| SemError::Data("the sample covariance matrix is singular".into()))?;
    let (_, s_inv_sqrt) = symmetric_sqrt(&m.cov).ok_or_else(|| {
        SemError::Data("the sample covariance matrix is not positive definite".into())
    })?;
    let (sigma_sqrt, _) = symmetric_sqrt(&gm.implied_cov).ok_or_else(|| {
        SemError::Data(
            "Bollen–Stine: the implied covariance matrix is not positive definite".into(),
        )
    })?;
    let a = s_inv_sqrt.dot(&sigma_sqrt);
    let mu_hat = gm.implied_mean.clone().unwrap_or_else(|| m.mean.clone());
    let centred = x - &m.mean;
    Ok(centred.dot(&a) + &mu_hat)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyses::bootstrap::merge;

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
                            && r.op.as_str() == p.info.op
                            && (p.info.op == ":=" || r.rhs == p.info.rhs)
                    })
                    .unwrap();
                let e = est.unwrap();
                assert!(
                    (row.estimate.est - e).abs() < 1e-8 * row.estimate.est.abs().max(1.0),
                    "replication {b}, {}: {} vs {e}",
                    p.info.name,
                    row.estimate.est
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
