//! Power summaries from replication records (bias, empirical SD, coverage, power with
//! their Monte Carlo standard errors; the smallest N reaching the target power), and merging
//! the outputs of shards into the output of a single run.

use super::design::{
    Mcse, NSummary, ParamSummary, ParameterTruth, PowerDesign, PowerOutput, PowerSummary, Record,
    TargetN, POWER_KIND, VERSION,
};
use crate::stats;

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
