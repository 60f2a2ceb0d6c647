//! The JSON document of `crosslag meta --format json`.

use super::stage::Stage1;
use crosslag_sem::meta::data::StudySet;
use crosslag_sem::meta::stage1::{Estimates, RandomEffects, TauType};
use crosslag_sem::meta::stage2::{SeType, Stage2};
use serde_json::{json, Value};

pub(super) fn opt(v: Option<f64>) -> Value {
    match v {
        Some(x) if x.is_finite() => json!(x),
        _ => Value::Null,
    }
}

pub(super) fn opts(v: &[Option<f64>]) -> Value {
    Value::Array(v.iter().map(|x| opt(*x)).collect())
}

pub(super) fn nums(v: &[f64]) -> Value {
    Value::Array(v.iter().map(|x| opt(Some(*x))).collect())
}

pub(super) fn mat(rows: &[String], cols: &[String], m: &[Vec<f64>]) -> Value {
    json!({"rows": rows, "cols": cols, "values": m.iter().map(|r| nums(r)).collect::<Vec<_>>()})
}

pub(super) fn estimates_json(e: &Estimates) -> Value {
    json!({
        "labels": e.labels,
        "estimate": nums(&e.estimate),
        "se": opts(&e.se),
        "z": opts(&e.z),
        "p": opts(&e.p),
        "wald_lbound": opts(&e.wald_lbound),
        "wald_ubound": opts(&e.wald_ubound),
        "ci.lower": opts(&e.lb_lbound),
        "ci.upper": opts(&e.lb_ubound),
        "lb": {"lbound": opts(&e.lb_lbound), "ubound": opts(&e.lb_ubound)},
    })
}

pub(super) fn tau2_json(r: &RandomEffects) -> Value {
    let mut t = estimates_json(&r.tau2);
    t["at_lower_bound"] = json!(r.tau2_at_lower_bound);
    t
}

pub(super) fn i2_json(r: &RandomEffects) -> Value {
    let mut t = estimates_json(&r.i2);
    t["type"] = json!("I2q");
    t["typical_within_variance"] = nums(&r.typical_within_variance);
    t
}

pub(super) fn stage1_json(s1: &Stage1, set: &StudySet) -> Value {
    let labels = set.pair_labels();
    let counts = set.counts();
    let k: Vec<usize> = counts.iter().map(|c| c.0).collect();
    let n: Vec<f64> = counts.iter().map(|c| c.1).collect();
    match s1 {
        Stage1::Random(r) => json!({
            "method": "REM",
            "tau2_type": match r.tau_type { TauType::Diag => "diag", TauType::Full => "full" },
            "pooled_r": estimates_json(&r.pooled_r),
            "studies_per_correlation": k,
            "n_per_correlation": n,
            "pooled_r_matrix": mat(&r.variables, &r.variables, &r.pooled_r_matrix),
            "pooled_r_acov": mat(&labels, &labels, &r.pooled_r_acov),
            "tau2": tau2_json(r),
            "tau2_matrix": mat(&labels, &labels, &r.tau2_matrix),
            "I2": i2_json(r),
            "Q": {"Q": r.q.q, "df": r.q.df, "p": r.q.p},
            "minus2LL": r.minus2ll,
            "n_studies": r.n_studies,
            "n_observed_statistics": r.n_observed_statistics,
            "n_parameters": r.n_parameters,
            "df": r.df,
            "total_n": r.total_n,
            "rbar_weighted": mat(&r.variables, &r.variables, &r.rbar_weighted),
            "converged": r.converged,
            "warnings": r.warnings,
        }),
        Stage1::Fixed(f) => json!({
            "method": "FEM",
            "pooled_r": estimates_json(&f.pooled_r),
            "studies_per_correlation": k,
            "n_per_correlation": n,
            "pooled_r_matrix": mat(&f.variables, &f.variables, &f.pooled_r_matrix),
            "pooled_r_acov": mat(&labels, &labels, &f.pooled_r_acov),
            "fit": {
                "sample_size": f.fit.sample_size, "chisq": f.fit.chisq, "df": f.fit.df, "p": f.fit.p,
                "chisq_independence": f.fit.chisq_independence, "df_independence": f.fit.df_independence,
                "RMSEA": f.fit.rmsea, "RMSEA_lower": f.fit.rmsea_lower, "RMSEA_upper": f.fit.rmsea_upper,
                "SRMR": f.fit.srmr, "TLI": f.fit.tli, "CFI": f.fit.cfi, "AIC": f.fit.aic, "BIC": f.fit.bic,
            },
            "minus2LL": {"model": f.minus2ll_model, "saturated": f.minus2ll_saturated, "independence": f.minus2ll_independence},
            "n_groups": f.n_groups,
            "total_n": f.total_n,
            "converged": f.converged,
            "warnings": f.warnings,
        }),
    }
}

pub(super) fn stage2_json(s2: &Stage2) -> Value {
    let rows: Vec<Value> = s2
        .parameters
        .iter()
        .map(|r| {
            json!({
                "lhs": r.lhs, "op": r.op, "rhs": r.rhs, "group": r.group, "label": r.label,
                "kind": r.kind, "est": opt(Some(r.est)), "se": opt(r.se), "z": opt(r.z),
                "pvalue": opt(r.pvalue), "ci.lower": opt(r.ci_lower), "ci.upper": opt(r.ci_upper),
                "wald.lower": opt(r.wald_lower), "wald.upper": opt(r.wald_upper),
            })
        })
        .collect();
    let f = &s2.fit;
    json!({
        "parameters": rows,
        "fit": {
            "chisq": f.chisq, "df": f.df, "pvalue": opt(f.pvalue), "ntotal": f.ntotal,
            "baseline.chisq": f.baseline_chisq, "baseline.df": f.baseline_df,
            "rmsea": f.rmsea, "rmsea.ci.lower": f.rmsea_ci_lower, "rmsea.ci.upper": f.rmsea_ci_upper,
            "srmr": f.srmr, "cfi": f.cfi, "tli": opt(f.tli), "aic": f.aic, "bic": f.bic,
            "n_constraints": f.n_constraints,
        },
        "se_type": match s2.se_type { SeType::Constrained => "diag.constraints = TRUE", SeType::Computed => "diag.constraints = FALSE" },
        "vcov": {"rows": s2.vcov_labels, "cols": s2.vcov_labels, "values": s2.vcov.iter().map(|r| nums(r)).collect::<Vec<_>>()},
        "implied_R": s2.implied.iter().map(|m| m.iter().map(|r| nums(r)).collect::<Vec<_>>()).collect::<Vec<_>>(),
        "converged": s2.converged,
        "warnings": s2.warnings,
    })
}

pub(super) fn data_json(set: &StudySet) -> Value {
    let labels = set.pair_labels();
    let counts = set.counts();
    json!({
        "variables": set.variables,
        "n_studies": set.studies.len(),
        "total_n": set.total_n(),
        "studies": set.studies.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        "n": set.studies.iter().map(|s| s.n).collect::<Vec<_>>(),
        "correlations": labels.iter().zip(&counts).map(|(l, c)| json!({"pair": l, "k": c.0, "n": c.1})).collect::<Vec<_>>(),
        "dropped_by_missing_diagonal": set.dropped_values().iter().map(|(s, a, b)| json!({"study": s, "pair": format!("{a}_{b}")})).collect::<Vec<_>>(),
    })
}
