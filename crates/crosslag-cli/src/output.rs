//! Printing results: the JSON of CONTRACT.md, a lavaan-style summary table, and writing
//! output files atomically (a temporary file renamed into place, so that a failed run never
//! leaves a half-written file).

use crosslag_sem::analyses::bootstrap::{BootCiType, BootSeInfo};
use crosslag_sem::{FitResult, ParameterRow};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

fn matrix(m: &ndarray::Array2<f64>) -> Value {
    Value::Array(m.rows().into_iter().map(|r| json!(r.to_vec())).collect())
}

/// The JSON document of a fit.
pub fn json_value(res: &FitResult, with_vcov: bool) -> Value {
    let groups: Vec<Value> = res
        .groups
        .iter()
        .map(|g| {
            json!({
                "names": g.names,
                "nobs": g.nobs,
                "sample_cov": matrix(&g.sample_cov),
                "sample_mean": g.sample_mean.as_ref().map(|m| m.to_vec()),
                "implied_cov": matrix(&g.implied_cov),
                "implied_mean": g.implied_mean.as_ref().map(|m| m.to_vec()),
            })
        })
        .collect();
    let mut doc = json!({
        "converged": res.converged,
        "iterations": res.iterations,
        "optimizer": {"reason": res.optimizer_reason, "max_abs_gradient": res.max_abs_gradient},
        "ngroups": res.ngroups,
        "group_labels": res.group_labels,
        "nobs": res.nobs,
        "norig": res.norig,
        "npar": res.npar,
        "loglik": res.loglik,
        "information": res.information,
        "parameters": res.parameters,
        "fit": res.fit,
        "r2": res.r2,
        "groups": groups,
        "warnings": res.warnings,
        // what `crosslag compare --result` needs to compare this fit with others
        "comparison": crosslag_sem::analyses::compare::ModelFit::from(res),
    });
    if !res.modindices.is_empty() {
        doc["modindices"] = json!(res.modindices);
    }
    if with_vcov {
        if let Some(v) = &res.vcov {
            doc["vcov"] = matrix(v);
        }
    }
    doc
}

pub fn json(res: &FitResult, with_vcov: bool) -> Result<String, String> {
    serde_json::to_string_pretty(&json_value(res, with_vcov))
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| format!("could not write JSON: {e}"))
}

/// Write `text` to `path` (via a temporary file in the same folder, then rename) or stdout.
pub fn emit(text: &str, path: Option<&Path>) -> Result<(), String> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .map_err(|e| format!("cannot write to stdout: {e}"))
        }
        Some(p) => {
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let tmp = dir.join(format!(
                ".{}.tmp{}",
                p.file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                std::process::id()
            ));
            let write = std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, p));
            write.map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                format!("{}: cannot write the output file: {e}", p.display())
            })
        }
    }
}

fn num(v: Option<f64>, w: usize, d: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:>w$.d$}"),
        _ => format!("{:>w$}", ""),
    }
}

fn line(out: &mut String, label: &str, value: String) {
    let _ = writeln!(out, "  {label:<44}{value:>14}");
}

/// lavaan's `summary(fit, fit.measures = TRUE, standardized = TRUE)` layout.
pub fn table(res: &FitResult) -> String {
    table_with(res, None)
}

/// The table; with bootstrap standard errors (lavaan's `se = "bootstrap"`) also the
/// bootstrap's settings, the Bollen–Stine p-value (if computed) and the interval columns
/// (`summary(fit, ci = TRUE)`).
pub fn table_with(res: &FitResult, boot: Option<&BootSeInfo>) -> String {
    let ci = boot.is_some();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "crosslag {}: ML estimation {} after {} iterations\n",
        env!("CARGO_PKG_VERSION"),
        if res.converged {
            "ended normally"
        } else {
            "did NOT converge"
        },
        res.iterations
    );
    line(&mut out, "Estimator", "ML".into());
    line(&mut out, "Number of model parameters", res.npar.to_string());
    if res.ngroups > 1 {
        line(&mut out, "Number of groups", res.ngroups.to_string());
    }
    out.push('\n');
    line(
        &mut out,
        "Number of observations",
        res.nobs.iter().sum::<usize>().to_string(),
    );
    if res.ngroups > 1 {
        for (l, n) in res.group_labels.iter().zip(&res.nobs) {
            line(&mut out, &format!("  {l}"), n.to_string());
        }
    }
    model_tests(&mut out, res, boot);
    out.push_str("\nParameter Estimates:\n");
    standard_error_settings(&mut out, res, boot);
    for g in 1..=res.ngroups {
        if res.ngroups > 1 {
            let label = res.group_labels.get(g - 1).cloned().unwrap_or_default();
            let _ = writeln!(out, "\n\nGroup {g} [{label}]:");
        }
        let rows: Vec<&ParameterRow> = res.parameters.iter().filter(|p| p.group == g).collect();
        section(&mut out, "Latent Variables", &rows, "=~", res, ci);
        section(&mut out, "Regressions", &rows, "~", res, ci);
        section(&mut out, "Covariances", &rows, "~~", res, ci);
        section(&mut out, "Intercepts", &rows, "~1", res, ci);
        section(&mut out, "Variances", &rows, "~~", res, ci);
    }
    let defined: Vec<&ParameterRow> = res
        .parameters
        .iter()
        .filter(|p| p.op.as_str() == ":=")
        .collect();
    if !defined.is_empty() {
        header(&mut out, "Defined Parameters", ci);
        for p in defined {
            row(&mut out, &format!("{} := {}", p.lhs, p.rhs), p, 4, ci);
        }
    }
    modification_indices(&mut out, res);
    if !res.warnings.is_empty() {
        out.push_str("\nWarnings:\n");
        for w in &res.warnings {
            let _ = writeln!(out, "  - {w}");
        }
    }
    out
}

/// The test statistics and fit measures: the user and baseline models' χ² tests (and the
/// Bollen–Stine p-value), CFI/TLI, loglikelihoods and information criteria, RMSEA, SRMR.
fn model_tests(out: &mut String, res: &FitResult, boot: Option<&BootSeInfo>) {
    let f = |k: &str| res.fit.get(k);
    out.push_str("\nModel Test User Model:\n");
    line(out, "Test statistic", num(f("chisq"), 0, 3));
    line(out, "Degrees of freedom", num(f("df"), 0, 0));
    line(out, "P-value (Chi-square)", num(f("pvalue"), 0, 3));
    if let Some(bs) = boot.and_then(|b| b.bollen_stine.as_ref()) {
        line(
            out,
            "P-value (Bollen-Stine bootstrap)",
            num(Some(bs.pvalue), 0, 3),
        );
        line(out, "  Bollen-Stine draws converged", bs.used.to_string());
    }
    out.push_str("\nModel Test Baseline Model:\n");
    line(out, "Test statistic", num(f("baseline.chisq"), 0, 3));
    line(out, "Degrees of freedom", num(f("baseline.df"), 0, 0));
    line(out, "P-value", num(f("baseline.pvalue"), 0, 3));
    out.push_str("\nUser Model versus Baseline Model:\n");
    line(out, "Comparative Fit Index (CFI)", num(f("cfi"), 0, 3));
    line(out, "Tucker-Lewis Index (TLI)", num(f("tli"), 0, 3));
    out.push_str("\nLoglikelihood and Information Criteria:\n");
    line(out, "Loglikelihood user model (H0)", num(f("logl"), 0, 3));
    line(
        out,
        "Loglikelihood unrestricted model (H1)",
        num(f("unrestricted.logl"), 0, 3),
    );
    line(out, "Akaike (AIC)", num(f("aic"), 0, 3));
    line(out, "Bayesian (BIC)", num(f("bic"), 0, 3));
    line(
        out,
        "Sample-size adjusted Bayesian (SABIC)",
        num(f("bic2"), 0, 3),
    );
    out.push_str("\nRoot Mean Square Error of Approximation:\n");
    line(out, "RMSEA", num(f("rmsea"), 0, 3));
    line(
        out,
        "90 Percent confidence interval - lower",
        num(f("rmsea.ci.lower"), 0, 3),
    );
    line(
        out,
        "90 Percent confidence interval - upper",
        num(f("rmsea.ci.upper"), 0, 3),
    );
    line(
        out,
        "P-value H_0: RMSEA <= 0.050",
        num(f("rmsea.pvalue"), 0, 3),
    );
    out.push_str("\nStandardized Root Mean Square Residual:\n");
    line(out, "SRMR", num(f("srmr"), 0, 3));
}

/// How the standard errors were computed: the information matrix, or the bootstrap's
/// settings (draws, seed, resampling unit, interval type).
fn standard_error_settings(out: &mut String, res: &FitResult, boot: Option<&BootSeInfo>) {
    match boot {
        Some(b) => {
            line(out, "Standard errors", "Bootstrap".into());
            line(
                out,
                "Number of requested bootstrap draws",
                b.reps.to_string(),
            );
            line(
                out,
                "Number of successful bootstrap draws",
                b.converged.to_string(),
            );
            line(out, "Bootstrap seed", b.seed.to_string());
            line(out, "Resampled", b.resampled.clone());
            line(
                out,
                "Confidence intervals",
                format!(
                    "{}% {}",
                    100.0 * b.level,
                    match b.ci_type {
                        BootCiType::Perc => "percentile",
                        BootCiType::Bca => "BCa",
                    }
                ),
            );
        }
        None => line(
            out,
            "Information",
            match res.information {
                crosslag_sem::Information::Expected => "Expected".into(),
                crosslag_sem::Information::Observed => "Observed".into(),
            },
        ),
    }
}

/// The largest 20 modification indices (none when they were not computed).
fn modification_indices(out: &mut String, res: &FitResult) {
    if !res.modindices.is_empty() {
        let _ = writeln!(
            out,
            "\nModification Indices (largest 20):\n{:<34}{:>10}{:>10}{:>10}{:>10}",
            "", "mi", "epc", "sepc.lv", "sepc.all"
        );
        for m in res.modindices.iter().take(20) {
            let name = format!("{} {} {}", m.lhs, m.op, m.rhs);
            let group = if res.ngroups > 1 {
                format!(" [{}]", m.group)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {:<32}{}{}{}{}",
                format!("{name}{group}"),
                num(Some(m.mi), 10, 3),
                num(Some(m.epc), 10, 3),
                num(Some(m.sepc_lv), 10, 3),
                num(Some(m.sepc_all), 10, 3)
            );
        }
    }
}

fn header(out: &mut String, title: &str, ci: bool) {
    let ci_cols = if ci {
        format!("{:>9}{:>9}", "ci.lower", "ci.upper")
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "\n{title}:\n{:<22}{:>10}{:>9}{:>9}{:>9}{ci_cols}{:>9}{:>9}",
        "", "Estimate", "Std.Err", "z-value", "P(>|z|)", "Std.lv", "Std.all"
    );
}

fn row(out: &mut String, name: &str, p: &ParameterRow, indent: usize, ci: bool) {
    let name = format!("{:indent$}{name}", "");
    let ci_cols = if ci {
        format!(
            "{}{}",
            num(p.estimate.ci_lower, 9, 3),
            num(p.estimate.ci_upper, 9, 3)
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{name:<22}{}{}{}{}{ci_cols}{}{}",
        num(Some(p.estimate.est), 10, 3),
        if p.free > 0 || p.op.as_str() == ":=" {
            num(p.estimate.se, 9, 3)
        } else {
            format!("{:>9}", "")
        },
        num(p.estimate.z, 9, 3),
        num(p.estimate.pvalue, 9, 3),
        num(p.std_lv, 9, 3),
        num(p.std_all, 9, 3)
    );
}

/// Endogenous variables (lhs of `~` or indicators) carry lavaan's "." prefix on their
/// intercepts and (residual) variances.
fn is_endogenous(res: &FitResult, name: &str, group: usize) -> bool {
    res.parameters.iter().any(|p| {
        p.group == group
            && ((p.op.as_str() == "~" && p.lhs == name) || (p.op.as_str() == "=~" && p.rhs == name))
    })
}

fn section(
    out: &mut String,
    title: &str,
    rows: &[&ParameterRow],
    op: &str,
    res: &FitResult,
    ci: bool,
) {
    let variances = title == "Variances";
    let chosen: Vec<&&ParameterRow> = rows
        .iter()
        .filter(|p| p.op.as_str() == op && (op != "~~" || (p.lhs == p.rhs) == variances))
        .collect();
    if chosen.is_empty() {
        return;
    }
    header(out, title, ci);
    match op {
        "=~" | "~" | "~~" if !variances => {
            let mut last = String::new();
            for p in chosen {
                if p.lhs != last {
                    let _ = writeln!(out, "  {} {} ", p.lhs, p.op);
                    last = p.lhs.clone();
                }
                let name = if p.label.is_empty() {
                    p.rhs.clone()
                } else {
                    format!("{} ({})", p.rhs, p.label)
                };
                row(out, &name, p, 4, ci);
            }
        }
        _ => {
            for p in chosen {
                let dot = if is_endogenous(res, &p.lhs, p.group) {
                    "."
                } else {
                    ""
                };
                let name = if p.label.is_empty() {
                    format!("{dot}{}", p.lhs)
                } else {
                    format!("{dot}{} ({})", p.lhs, p.label)
                };
                row(out, &name, p, 3, ci);
            }
        }
    }
}
