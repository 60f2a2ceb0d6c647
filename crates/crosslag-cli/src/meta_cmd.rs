//! `crosslag meta`: meta-analytic SEM (two-stage SEM as R's metaSEM): pool study
//! correlation matrices (random or fixed effects), fit a path model in lavaan syntax to the
//! pooled matrix by WLS, and compare subgroups.
//!
//! ```text
//! crosslag meta --data datasets/meta/roorda11_correlations_long.csv --model roorda.lav
//! crosslag meta --data studies.csv --model model.lav --stage1 fixed --format json
//! crosslag meta --data studies.csv --model model.lav --subgroup "SES > 50"
//! ```

use clap::{Args, ValueEnum};
use crosslag_sem::meta::data::StudySet;
use crosslag_sem::meta::stage1::{
    fixed_effects, random_effects, Estimates, FixedEffects, RandomEffects, RemOptions, TauType,
};
use crosslag_sem::meta::stage2::{
    fit_stage2, group_from_stage1, GroupData, PathModel, SeType, Sharing, Stage2, Stage2Options,
};
use crosslag_sem::meta::subgroup::split;
use crosslag_sem::stats::pchisq_upper;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Stage1Arg {
    /// Random effects (ML multivariate meta-analysis; metaSEM's default).
    Random,
    /// Fixed effects (multi-group ML with a common correlation matrix).
    Fixed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Tau2Arg {
    /// One heterogeneity variance per correlation (metaSEM `RE.type = "Diag"`).
    Diag,
    /// A full heterogeneity covariance matrix (`RE.type = "Symm"`).
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetaFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct MetaArgs {
    /// Studies: long CSV (`study,n,var1,var2,r` + moderator columns), wide CSV (`study,n,r_<a>_<b>`, optional `has_<a>`) or JSON (`variables`, `studies[].cor`).
    #[arg(long)]
    pub data: PathBuf,
    /// Stage-2 path model in lavaan syntax (`~`, `~~`, labels, fixed values, `:=`). Without it only stage 1 runs.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Stage-1 pooling.
    #[arg(long, value_enum, default_value_t = Stage1Arg::Random)]
    pub stage1: Stage1Arg,
    /// Heterogeneity structure of the random-effects stage 1.
    #[arg(long, value_enum, default_value_t = Tau2Arg::Diag)]
    pub tau2: Tau2Arg,
    /// Subgroup analysis: `COL OP VALUE` (e.g. "SES > 50"; OP one of > >= < <= == !=) splits the studies in two; a bare column name gives one group per value. Adds the χ²-difference test of equal regression paths.
    #[arg(long)]
    pub subgroup: Option<String>,
    /// Continuous study-level moderator (OSMASEM): not available yet in this version.
    #[arg(long)]
    pub moderator: Option<String>,
    /// Variables to analyse, in this order (default: all, in the file's order).
    #[arg(long, value_delimiter = ',')]
    pub variables: Option<Vec<String>>,
    /// Standard errors of stage 2 as metaSEM's `diag.constraints = TRUE` (error variances as constrained parameters; default) or `false` (error variances computed).
    #[arg(long, default_value = "true")]
    pub diag_constraints: String,
    /// Skip the likelihood-based confidence intervals (Wald intervals only).
    #[arg(long)]
    pub no_lb_ci: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = MetaFormat::Table)]
    pub format: MetaFormat,
    /// Write the output to this file instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "t" | "1" | "yes" => Ok(true),
        "false" | "f" | "0" | "no" => Ok(false),
        _ => Err(format!(
            "--diag-constraints takes true or false (got `{s}`)"
        )),
    }
}

enum Stage1 {
    Random(Box<RandomEffects>),
    Fixed(Box<FixedEffects>),
}

impl Stage1 {
    fn group(&self) -> GroupData {
        match self {
            Stage1::Random(r) => {
                group_from_stage1(&r.pooled_r.estimate, &r.pooled_r_acov, r.total_n)
            }
            Stage1::Fixed(f) => {
                group_from_stage1(&f.pooled_r.estimate, &f.pooled_r_acov, f.total_n)
            }
        }
    }
}

fn run_stage1(set: &StudySet, args: &MetaArgs, lb: bool) -> Result<Stage1, String> {
    Ok(match args.stage1 {
        Stage1Arg::Random => Stage1::Random(Box::new(
            random_effects(
                set,
                RemOptions {
                    tau: match args.tau2 {
                        Tau2Arg::Diag => TauType::Diag,
                        Tau2Arg::Full => TauType::Full,
                    },
                    lb_ci: lb,
                },
            )
            .map_err(|e| e.to_string())?,
        )),
        Stage1Arg::Fixed => Stage1::Fixed(Box::new(fixed_effects(set).map_err(|e| e.to_string())?)),
    })
}

fn opt(v: Option<f64>) -> Value {
    match v {
        Some(x) if x.is_finite() => json!(x),
        _ => Value::Null,
    }
}

fn opts(v: &[Option<f64>]) -> Value {
    Value::Array(v.iter().map(|x| opt(*x)).collect())
}

fn nums(v: &[f64]) -> Value {
    Value::Array(v.iter().map(|x| opt(Some(*x))).collect())
}

fn mat(rows: &[String], cols: &[String], m: &[Vec<f64>]) -> Value {
    json!({"rows": rows, "cols": cols, "values": m.iter().map(|r| nums(r)).collect::<Vec<_>>()})
}

fn estimates_json(e: &Estimates) -> Value {
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

fn tau2_json(r: &RandomEffects) -> Value {
    let mut t = estimates_json(&r.tau2);
    t["at_lower_bound"] = json!(r.tau2_at_lower_bound);
    t
}

fn i2_json(r: &RandomEffects) -> Value {
    let mut t = estimates_json(&r.i2);
    t["type"] = json!("I2q");
    t["typical_within_variance"] = nums(&r.typical_within_variance);
    t
}

fn stage1_json(s1: &Stage1, set: &StudySet) -> Value {
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

fn stage2_json(s2: &Stage2) -> Value {
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

fn data_json(set: &StudySet) -> Value {
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

fn fmt(x: Option<f64>, w: usize, d: usize) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:>w$.d$}"),
        _ => format!("{:>w$}", "NA"),
    }
}

fn data_table(out: &mut String, set: &StudySet) {
    let labels = set.pair_labels();
    let _ = writeln!(
        out,
        "{} studies, N = {}, variables: {}",
        set.studies.len(),
        set.total_n(),
        set.variables.join(", ")
    );
    let dropped = set.dropped_values();
    if !dropped.is_empty() {
        let mut studies: Vec<&str> = dropped.iter().map(|d| d.0.as_str()).collect();
        studies.dedup();
        let _ = writeln!(
            out,
            "Missing data (metaSEM's rule): {} reported correlations dropped because a variable's diagonal is missing (studies {}).",
            dropped.len(),
            studies.join(", ")
        );
    }
    let counts = set.counts();
    let used: usize = counts.iter().map(|c| c.0).sum();
    let _ = writeln!(
        out,
        "Correlations used: {used}; per correlation (k studies, N):"
    );
    for (l, c) in labels.iter().zip(&counts) {
        let _ = writeln!(out, "  {:<24} k = {:>3}  N = {}", l, c.0, c.1);
    }
}

fn stage1_table(out: &mut String, s1: &Stage1, set: &StudySet) {
    let counts = set.counts();
    match s1 {
        Stage1::Random(r) => {
            let _ = writeln!(
                out,
                "\nStage 1: random-effects pooling (ML, {} τ²)",
                match r.tau_type {
                    TauType::Diag => "diagonal",
                    TauType::Full => "full",
                }
            );
            let _ = writeln!(
                out,
                "  {:<22} {:>4} {:>8} {:>8} {:>8} {:>8} {:>9} {:>6}",
                "correlation", "k", "r", "SE", "ci.lower", "ci.upper", "tau2", "I2"
            );
            let q = r.pooled_r.estimate.len();
            for i in 0..q {
                let (tau, i2) = if r.tau_type == TauType::Diag {
                    (Some(r.tau2.estimate[i]), Some(r.i2.estimate[i]))
                } else {
                    (Some(r.tau2_matrix[i][i]), Some(r.i2.estimate[i]))
                };
                let _ = writeln!(
                    out,
                    "  {:<22} {:>4} {} {} {} {} {} {}",
                    r.pooled_r.labels[i],
                    counts[i].0,
                    fmt(Some(r.pooled_r.estimate[i]), 8, 4),
                    fmt(r.pooled_r.se[i], 8, 4),
                    fmt(r.pooled_r.lb_lbound[i].or(r.pooled_r.wald_lbound[i]), 8, 4),
                    fmt(r.pooled_r.lb_ubound[i].or(r.pooled_r.wald_ubound[i]), 8, 4),
                    fmt(tau, 9, 5),
                    fmt(i2, 6, 3)
                );
            }
            let _ = writeln!(
                out,
                "  Q({}) = {:.2}, p = {:.3e}; -2LL = {:.4}; {} observed correlations, {} parameters",
                r.q.df, r.q.q, r.q.p, r.minus2ll, r.n_observed_statistics, r.n_parameters
            );
            for w in &r.warnings {
                let _ = writeln!(out, "  warning: {w}");
            }
        }
        Stage1::Fixed(f) => {
            let _ = writeln!(out, "\nStage 1: fixed-effects pooling (multi-group ML)");
            let _ = writeln!(
                out,
                "  {:<22} {:>4} {:>8} {:>8} {:>8} {:>8}",
                "correlation", "k", "r", "SE", "wald.lo", "wald.up"
            );
            for i in 0..f.pooled_r.estimate.len() {
                let _ = writeln!(
                    out,
                    "  {:<22} {:>4} {} {} {} {}",
                    f.pooled_r.labels[i],
                    counts[i].0,
                    fmt(Some(f.pooled_r.estimate[i]), 8, 4),
                    fmt(f.pooled_r.se[i], 8, 4),
                    fmt(f.pooled_r.wald_lbound[i], 8, 4),
                    fmt(f.pooled_r.wald_ubound[i], 8, 4)
                );
            }
            let x = &f.fit;
            let _ = writeln!(
                out,
                "  Homogeneity: chisq({}) = {:.2}, p = {:.3e}; RMSEA = {:.4} [{:.4}, {:.4}]; SRMR = {:.4}; CFI = {:.4}; TLI = {:.4}",
                x.df, x.chisq, x.p, x.rmsea, x.rmsea_lower, x.rmsea_upper, x.srmr, x.cfi, x.tli
            );
            for w in &f.warnings {
                let _ = writeln!(out, "  warning: {w}");
            }
        }
    }
}

fn stage2_table(out: &mut String, s2: &Stage2, title: &str) {
    let _ = writeln!(out, "\n{title}");
    let _ = writeln!(
        out,
        "  {:<28} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}",
        "parameter", "est", "SE", "z", "p", "ci.lower", "ci.upper"
    );
    for r in &s2.parameters {
        if r.kind == "fixed" {
            continue;
        }
        let name = if r.op == ":=" {
            format!("{} := {}", r.lhs, r.rhs)
        } else {
            let g = if s2.implied.len() > 1 {
                format!(" [g{}]", r.group)
            } else {
                String::new()
            };
            let l = if r.label.is_empty() {
                String::new()
            } else {
                format!(" ({})", r.label)
            };
            format!("{} {} {}{}{}", r.lhs, r.op, r.rhs, l, g)
        };
        let _ = writeln!(
            out,
            "  {:<28} {} {} {} {} {} {}",
            name,
            fmt(Some(r.est), 8, 4),
            fmt(r.se, 8, 4),
            fmt(r.z, 8, 2),
            fmt(r.pvalue, 8, 4),
            fmt(r.ci_lower, 9, 4),
            fmt(r.ci_upper, 9, 4)
        );
    }
    let f = &s2.fit;
    let _ = writeln!(
        out,
        "  chisq({}) = {:.3}, p = {}; N = {}; RMSEA = {:.4} (90% CI {:.4}, {:.4}); SRMR = {:.4}; CFI = {:.4}; TLI = {}",
        f.df,
        f.chisq,
        f.pvalue.map_or("NA".into(), |p| format!("{p:.4}")),
        f.ntotal,
        f.rmsea,
        f.rmsea_ci_lower,
        f.rmsea_ci_upper,
        f.srmr,
        f.cfi,
        f.tli.map_or("NA".into(), |t| format!("{t:.4}"))
    );
    let _ = writeln!(
        out,
        "  CIs: likelihood-based (χ² rises by 3.84). SEs: {}.",
        match s2.se_type {
            SeType::Constrained =>
                "error variances as constrained parameters (metaSEM diag.constraints = TRUE)",
            SeType::Computed => "error variances computed (metaSEM diag.constraints = FALSE)",
        }
    );
    for w in &s2.warnings {
        let _ = writeln!(out, "  note: {w}");
    }
}

pub fn run(args: &MetaArgs) -> Result<(), String> {
    if let Some(m) = &args.moderator {
        return Err(format!(
            "--moderator {m}: one-stage MASEM with continuous moderators is not available yet; use --subgroup"
        ));
    }
    let se = if parse_bool(&args.diag_constraints)? {
        SeType::Constrained
    } else {
        SeType::Computed
    };
    let text = std::fs::read_to_string(&args.data)
        .map_err(|e| format!("cannot read {}: {e}", args.data.display()))?;
    let set = StudySet::from_text(&text, args.variables.as_deref()).map_err(|e| e.to_string())?;
    set.validate().map_err(|e| e.to_string())?;
    let model = match &args.model {
        Some(p) => {
            let t = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            Some(PathModel::from_syntax(&t, &set.variables).map_err(|e| e.to_string())?)
        }
        None => None,
    };
    let lb = !args.no_lb_ci;
    let s2opts = Stage2Options {
        se,
        lb_ci: lb,
        sharing: Sharing::None,
    };
    let mut doc = json!({"data": data_json(&set)});
    let mut table = String::new();
    data_table(&mut table, &set);
    let s1 = run_stage1(&set, args, lb)?;
    let s1j = stage1_json(&s1, &set);
    stage1_table(&mut table, &s1, &set);
    for key in [
        "pooled_r",
        "pooled_r_matrix",
        "pooled_r_acov",
        "tau2",
        "I2",
        "Q",
    ] {
        if let Some(v) = s1j.get(key) {
            doc[key] = v.clone();
        }
    }
    doc["stage1"] = s1j;
    if let Some(model) = &model {
        let s2 = fit_stage2(model, &[s1.group()], s2opts).map_err(|e| e.to_string())?;
        let j = stage2_json(&s2);
        doc["parameters"] = j["parameters"].clone();
        doc["fit"] = j["fit"].clone();
        doc["stage2"] = j;
        stage2_table(
            &mut table,
            &s2,
            "Stage 2: path model (WLS on the pooled matrix)",
        );
    }
    if let Some(expr) = &args.subgroup {
        let groups = split(&set, expr).map_err(|e| e.to_string())?;
        let mut sub_docs = Vec::new();
        let mut free_chisq = 0.0;
        let mut free_df = 0usize;
        let mut gdata = Vec::new();
        for (name, keep) in &groups {
            let sub = set.subset(keep);
            if sub.studies.is_empty() {
                return Err(format!("--subgroup: no study has {name}"));
            }
            let _ = writeln!(
                table,
                "\n=== Subgroup {name}: {} studies, N = {}",
                sub.studies.len(),
                sub.total_n()
            );
            let s1g = run_stage1(&sub, args, false).map_err(|e| format!("subgroup {name}: {e}"))?;
            stage1_table(&mut table, &s1g, &sub);
            let mut d =
                json!({"name": name, "data": data_json(&sub), "stage1": stage1_json(&s1g, &sub)});
            if let Some(model) = &model {
                let s2 = fit_stage2(model, &[s1g.group()], s2opts)
                    .map_err(|e| format!("subgroup {name}: {e}"))?;
                free_chisq += s2.fit.chisq;
                free_df += s2.fit.df;
                stage2_table(&mut table, &s2, &format!("Stage 2 in subgroup {name}"));
                d["stage2"] = stage2_json(&s2);
            }
            gdata.push(s1g.group());
            sub_docs.push(d);
        }
        doc["subgroups"] = Value::Array(sub_docs);
        if let Some(model) = &model {
            let constrained = fit_stage2(
                model,
                &gdata,
                Stage2Options {
                    se: SeType::Computed,
                    lb_ci: false,
                    sharing: Sharing::Paths,
                },
            )
            .map_err(|e| format!("subgroups with equal paths: {e}"))?;
            let dchi = constrained.fit.chisq - free_chisq;
            let ddf = constrained.fit.df.saturating_sub(free_df);
            let p = pchisq_upper(dchi.max(0.0), ddf as f64);
            stage2_table(
                &mut table,
                &constrained,
                "Stage 2 with regression paths equal across subgroups",
            );
            let _ = writeln!(
                table,
                "\nEquality of the regression paths across subgroups: Δχ²({ddf}) = {dchi:.3}, p = {p:.4} (free: χ²({free_df}) = {free_chisq:.3}; equal: χ²({}) = {:.3})",
                constrained.fit.df, constrained.fit.chisq
            );
            doc["equality_test"] = json!({
                "free_model": {"chisq": free_chisq, "df": free_df},
                "constrained_model": {"chisq": constrained.fit.chisq, "df": constrained.fit.df, "parameters": stage2_json(&constrained)["parameters"].clone()},
                "chisq_diff": dchi, "df_diff": ddf, "p": p,
            });
        }
    }
    let text = match args.format {
        MetaFormat::Json => {
            serde_json::to_string_pretty(&doc).map_err(|e| format!("could not write JSON: {e}"))?
                + "\n"
        }
        MetaFormat::Table => table,
    };
    match &args.output {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}
