//! Bootstrap standard errors of a fit: the original fit with lavaan's `se = "bootstrap"`
//! inference (SEs, z and p-values, percentile or BCa intervals by boot's `norm.inter`).

use super::design::{BollenStine, BootOutput, BootRecord};
use super::resample::Bootstrap;
use super::summary::summarize;
use crate::error::SemError;
use crate::report::{FitResult, ParameterRow};
use crate::specify::constraints::Reduction;
use crate::specify::partable::Op;
use crate::stats;
use ndarray::Array2;
use serde::Serialize;

pub use crate::infer::BootCiType;

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
        let opts = &out.design.options;
        let red = &self.analysis.model.red;
        let ok: Vec<&BootRecord> = out.records.iter().filter(|r| r.converged).collect();
        check_complete(out, ok.len(), ci)?;
        let ntheta = red.ntheta();
        let thetas = replication_thetas(red, &ok);
        let (lo_p, hi_p) = ((1.0 - opts.level) / 2.0, (1.0 + opts.level) / 2.0);
        let zq = [stats::qnorm(lo_p), stats::qnorm(hi_p)];
        let mut res = self.fit.clone();
        let mut extreme = Vec::new();
        let mut no_acc = Vec::new();
        for row in res.parameters.iter_mut() {
            // the bootstrap values of this row, the SE divisor, the acceleration
            let Some((mut v, divisor_n, acc)) = self.row_replicates(row, &ok, &thetas, out) else {
                continue;
            };
            v.retain(|x| x.is_finite());
            v.sort_by(|a, b| a.total_cmp(b));
            let name = if row.op == Op::Defined {
                row.lhs.clone()
            } else if self.fit.ngroups > 1 {
                format!("{} {} {} (group {})", row.lhs, row.op, row.rhs, row.group)
            } else {
                format!("{} {} {}", row.lhs, row.op, row.rhs)
            };
            if v.len() < 2 {
                row.estimate.se = None;
                row.estimate.z = None;
                row.estimate.pvalue = None;
                row.estimate.ci_lower = None;
                row.estimate.ci_upper = None;
                continue;
            }
            let se = sd_with(&v, divisor_n);
            row.estimate.se = Some(se);
            if se > 0.0 {
                let z = row.estimate.est / se;
                row.estimate.z = Some(z);
                row.estimate.pvalue = Some(2.0 * stats::pnorm(-z.abs()));
            } else {
                row.estimate.z = None;
                row.estimate.pvalue = None;
            }
            let alphas = match ci {
                BootCiType::Perc => Some([lo_p, hi_p]),
                BootCiType::Bca if se > 0.0 => {
                    let a = acc.unwrap_or_else(|| {
                        no_acc.push(name.clone());
                        0.0
                    });
                    let below = v.iter().filter(|&&x| x < row.estimate.est).count() as f64;
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
                    row.estimate.ci_lower = Some(lo);
                    row.estimate.ci_upper = Some(hi);
                }
                None => {
                    row.estimate.ci_lower = Some(row.estimate.est);
                    row.estimate.ci_upper = Some(row.estimate.est);
                }
            }
        }
        if let Some(vc) = res.vcov.as_mut() {
            if vc.nrows() == ntheta && thetas.len() >= 2 {
                *vc = bootstrap_vcov(&thetas, ntheta);
            }
        }
        let summary = match &out.summary {
            Some(s) => s.clone(),
            None => summarize(out),
        };
        push_bootstrap_warnings(
            &mut res.warnings,
            out.records.len(),
            ok.len(),
            summary.admissible,
            extreme,
            no_acc,
        );
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

    /// The bootstrap values of one parameter row, whether its SE divides by B (free
    /// parameters, from θ* = g(φ*)) or by B − 1 (`:=` parameters), and its jackknife
    /// acceleration; `None` for fixed rows and rows the lean refit does not know.
    fn row_replicates(
        &self,
        row: &ParameterRow,
        ok: &[&BootRecord],
        thetas: &[Vec<f64>],
        out: &BootOutput,
    ) -> Option<(Vec<f64>, bool, Option<f64>)> {
        let red = &self.analysis.model.red;
        if row.op == Op::Defined {
            let k = self
                .parameters
                .iter()
                .position(|p| p.info.op == ":=" && p.info.lhs == row.lhs)?;
            let v: Vec<f64> = ok.iter().filter_map(|r| r.est[k]).collect();
            let acc = out.acceleration.as_ref().and_then(|a| a[k]);
            Some((v, false, acc))
        } else if row.free > 0 {
            let k = self
                .analysis
                .model
                .pt
                .rows
                .iter()
                .find(|r| {
                    r.free > 0
                        && r.lhs == row.lhs
                        && r.op == row.op
                        && r.rhs == row.rhs
                        && r.group + 1 == row.group
                })
                .map(|r| r.free - 1)?;
            let v: Vec<f64> = thetas.iter().map(|t| t[k]).collect();
            let acc = red
                .phi_of_theta(k)
                .and_then(|i| out.acceleration.as_ref().and_then(|a| a[i]));
            Some((v, true, acc))
        } else {
            None
        }
    }
}

/// A fit with bootstrap standard errors needs every replication (not a shard), at least two
/// converged ones and, for BCa intervals, the jackknife.
fn check_complete(out: &BootOutput, converged: usize, ci: BootCiType) -> Result<(), SemError> {
    if out.shard.is_some() {
        return Err(SemError::Data(
            "bootstrap standard errors need every replication, not a shard".into(),
        ));
    }
    if converged < 2 {
        return Err(SemError::Data(format!(
            "only {} of {} bootstrap replications converged: no bootstrap standard errors",
            converged,
            out.records.len()
        )));
    }
    if ci == BootCiType::Bca && out.acceleration.is_none() {
        return Err(SemError::Data(
            "BCa intervals need the jackknife (bootstrap options bca = true)".into(),
        ));
    }
    Ok(())
}

/// θ* = g(φ*) of every converged replication with finite φ*.
fn replication_thetas(red: &Reduction, ok: &[&BootRecord]) -> Vec<Vec<f64>> {
    let nphi = red.nphi;
    let ntheta = red.ntheta();
    ok.iter()
        .filter_map(|r| {
            let phi: Option<Vec<f64>> = r.est[..nphi].iter().copied().collect();
            let phi = phi?;
            let mut th = vec![0.0; ntheta];
            red.theta(&phi, &mut th);
            Some(th)
        })
        .collect()
}

/// The covariance matrix of the replications' θ* with divisor B (lavaan's bootstrap `vcov`).
fn bootstrap_vcov(thetas: &[Vec<f64>], ntheta: usize) -> Array2<f64> {
    let b = thetas.len() as f64;
    let mean: Vec<f64> = (0..ntheta)
        .map(|k| thetas.iter().map(|t| t[k]).sum::<f64>() / b)
        .collect();
    Array2::from_shape_fn((ntheta, ntheta), |(i, j)| {
        thetas
            .iter()
            .map(|t| (t[i] - mean[i]) * (t[j] - mean[j]))
            .sum::<f64>()
            / b
    })
}

/// lavaan's warnings about a bootstrap: failed and inadmissible replications, extreme order
/// statistics used as interval endpoints, BCa intervals without acceleration.
fn push_bootstrap_warnings(
    warnings: &mut Vec<String>,
    reps: usize,
    converged: usize,
    admissible: usize,
    mut extreme: Vec<String>,
    no_acc: Vec<String>,
) {
    let failed = reps - converged;
    if failed > 0 {
        warnings.push(format!(
                "{failed} of {reps} bootstrap replications failed or did not converge; standard errors and intervals use the {converged} that converged"
            ));
    }
    let inadmissible = converged - admissible;
    if inadmissible > 0 {
        warnings.push(format!(
                "{inadmissible} bootstrap replications resulted in inadmissible solutions (they are used, as in lavaan)"
            ));
    }
    if !extreme.is_empty() {
        let more = extreme.len().saturating_sub(5);
        extreme.truncate(5);
        warnings.push(format!(
                "extreme order statistics used as interval endpoints (too few replications for the level) for: {}{}",
                extreme.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            ));
    }
    if !no_acc.is_empty() {
        warnings.push(format!(
                "no jackknife acceleration for parameters computed by a constraint: their BCa intervals are bias-corrected only ({})",
                no_acc.join(", ")
            ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyses::bootstrap::BootstrapOptions;
    use crate::analyses::power::Shard;
    use crate::specify::options::FitOptions;

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
                .find(|p| p.lhs == lhs && p.op.as_str() == op && p.rhs == rhs)
                .unwrap()
        };
        let a = col("a");
        let ra = row("m", "~", "x");
        assert!((ra.estimate.se.unwrap() - sd(&a, 60.0)).abs() < 1e-14);
        assert!((ra.estimate.z.unwrap() - ra.estimate.est / ra.estimate.se.unwrap()).abs() < 1e-12);
        // (to rounding: with the `lapack` feature the estimates of a replication may differ
        // from the recorded ones in the last bit)
        let near = |x: Option<f64>, y: f64| (x.unwrap() - y).abs() <= 1e-14 * y.abs().max(1.0);
        assert!(near(ra.estimate.ci_lower, norm_inter(&a, 0.025).0));
        assert!(near(ra.estimate.ci_upper, norm_inter(&a, 0.975).0));
        let v = col("v");
        let (rm, ry) = (row("m", "~~", "m"), row("y", "~~", "y"));
        assert!((rm.estimate.se.unwrap() - sd(&v, 60.0)).abs() < 1e-14);
        // copies of one label: the same SE up to rounding (the covariance matrix of the
        // copies is a matrix product, whose summation order LAPACK may change)
        assert!((rm.estimate.se.unwrap() - ry.estimate.se.unwrap()).abs() < 1e-14);
        assert!(near(rm.estimate.ci_lower, ry.estimate.ci_lower.unwrap()));
        let ind = col("ind");
        let ri = row("ind", ":=", "a*b");
        assert!((ri.estimate.se.unwrap() - sd(&ind, 59.0)).abs() < 1e-14);
        assert!(near(ri.estimate.ci_upper, norm_inter(&ind, 0.975).0));
        // fixed.x rows keep SE 0 and [est, est]
        let rx = row("x", "~~", "x");
        assert_eq!(rx.estimate.se, Some(0.0));
        assert_eq!(rx.estimate.ci_lower, Some(rx.estimate.est));
        // vcov: the covariance of the replications (divisor B) over every free copy
        let vc = res.vcov.as_ref().unwrap();
        let k = ra.free - 1;
        assert!((vc[[k, k]].sqrt() - ra.estimate.se.unwrap()).abs() < 1e-14);
        // BCa: inside the range of the replications, differs from the percentile interval
        let (bres, binfo) = boot.fit_with_bootstrap_se(&out, BootCiType::Bca).unwrap();
        assert_eq!(binfo.ci_type, BootCiType::Bca);
        let bi = bres
            .parameters
            .iter()
            .find(|p| p.op == Op::Defined)
            .unwrap();
        assert!(
            bi.estimate.ci_lower.unwrap() >= ind[0] && bi.estimate.ci_upper.unwrap() <= ind[59]
        );
        assert_eq!(bi.estimate.se, ri.estimate.se);
        // a shard is refused
        let part = boot.run(Some(Shard { index: 1, count: 2 }), None);
        assert!(boot.fit_with_bootstrap_se(&part, BootCiType::Perc).is_err());
    }
}
