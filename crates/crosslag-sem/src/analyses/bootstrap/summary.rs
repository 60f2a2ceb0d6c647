//! Bootstrap summaries from the records of a complete bootstrap (percentile and BCa
//! intervals, the Bollen–Stine p-value) and merging the outputs of shards.

use super::design::{
    BollenStine, BootOutput, BootParamSummary, BootRecord, BootSummary, BOOTSTRAP_KIND,
};
use crate::stats;

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

    #[test]
    fn quantiles_type7() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&x, 0.0), 1.0);
        assert_eq!(quantile_sorted(&x, 1.0), 4.0);
        assert!((quantile_sorted(&x, 0.5) - 2.5).abs() < 1e-15);
        assert!((quantile_sorted(&x, 0.25) - 1.75).abs() < 1e-15);
    }
}
