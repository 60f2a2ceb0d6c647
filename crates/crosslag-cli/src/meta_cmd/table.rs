//! The text tables of `crosslag meta`.

use super::stage::Stage1;
use crosslag_sem::meta::data::StudySet;
use crosslag_sem::meta::stage1::TauType;
use crosslag_sem::meta::stage2::{SeType, Stage2};
use std::fmt::Write as _;

pub(super) fn fmt(x: Option<f64>, w: usize, d: usize) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:>w$.d$}"),
        _ => format!("{:>w$}", "NA"),
    }
}

pub(super) fn data_table(out: &mut String, set: &StudySet) {
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

pub(super) fn stage1_table(out: &mut String, s1: &Stage1, set: &StudySet) {
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

pub(super) fn stage2_table(out: &mut String, s2: &Stage2, title: &str) {
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
