//! The verdict in words: which model, which direction(s), and what to be careful about.

use super::options::TransactOptions;
use super::report::{
    Conclusion, Direction, Effect, GroupVerdict, JointTest, LrtTest, ModelComparison, ModelReport,
    Verdict, WaldTest,
};
use crate::analyses::compare::LrtMethod;
use crate::families::panel::Family;

/// `< .001` or `= .023` (APA style).
pub(crate) fn fmt_p(p: f64) -> String {
    if p < 0.001 {
        "< .001".into()
    } else {
        format!("= {}", strip_zero(&format!("{p:.3}")))
    }
}

fn strip_zero(s: &str) -> String {
    if let Some(rest) = s.strip_prefix("0.") {
        format!(".{rest}")
    } else if let Some(rest) = s.strip_prefix("-0.") {
        format!("−.{rest}")
    } else if let Some(rest) = s.strip_prefix('-') {
        format!("−{rest}")
    } else {
        s.to_string()
    }
}

/// A coefficient bounded by 1 in absolute value (std.all, correlation, index): `.45`, `−.06`.
pub(crate) fn fmt_std(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => strip_zero(&format!("{v:.2}")),
        _ => "NA".into(),
    }
}

/// A fit index with three decimals: `.998`.
fn fmt_index(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => strip_zero(&format!("{v:.3}")),
        _ => "NA".into(),
    }
}

/// An unstandardized value with three decimals.
fn fmt_num(v: f64) -> String {
    if v.is_finite() {
        let s = format!("{v:.3}");
        if let Some(rest) = s.strip_prefix('-') {
            format!("−{rest}")
        } else {
            s
        }
    } else {
        "NA".into()
    }
}

fn fmt_df(df: f64) -> String {
    format!("{}", df.round() as i64)
}

fn lrt_text(t: &LrtTest) -> Option<String> {
    let (c, d, p) = (t.chisq?, t.df?, t.pvalue?);
    let scaled = if t.method == Some(LrtMethod::Standard) {
        ""
    } else {
        " (scaled)"
    };
    Some(format!(
        "LRT{scaled} χ²({}) = {c:.2}, p {}",
        fmt_df(d),
        fmt_p(p)
    ))
}

fn wald_text(w: &WaldTest) -> String {
    format!("Wald χ²({}) = {:.2}, p {}", w.df, w.chisq, fmt_p(w.pvalue))
}

fn tests_text(lrt: Option<&LrtTest>, wald: Option<&WaldTest>) -> String {
    let mut parts = Vec::new();
    if let Some(t) = lrt.and_then(lrt_text) {
        parts.push(t);
    }
    if let Some(w) = wald {
        parts.push(wald_text(w));
    }
    if parts.is_empty() {
        "no test available".into()
    } else {
        parts.join("; ")
    }
}

fn effects_text(effects: &[Effect], constrained: bool) -> String {
    if effects.is_empty() {
        return "no effects".into();
    }
    let std: Vec<String> = effects.iter().map(|e| fmt_std(e.std_all)).collect();
    if constrained {
        format!(
            "{} (equal over time; std. {})",
            fmt_num(effects[0].estimate.est),
            std.join(", ")
        )
    } else {
        let raw: Vec<String> = effects.iter().map(|e| fmt_num(e.estimate.est)).collect();
        format!("{} (std. {})", raw.join(", "), std.join(", "))
    }
}

fn direction_line(d: &Direction, prefix: &str) -> String {
    let per = if d.constrained { "" } else { " per interval" };
    format!(
        "{prefix}{} → {}: {}{per}; {}",
        d.from,
        d.to,
        effects_text(&d.effects, d.constrained),
        tests_text(d.lrt.as_ref(), d.wald.as_ref())
    )
}

fn disagreement(
    what: &str,
    lrt: Option<&LrtTest>,
    wald: Option<&WaldTest>,
    alpha: f64,
    out: &mut Vec<String>,
) {
    if let (Some(pl), Some(w)) = (lrt.and_then(|t| t.pvalue), wald) {
        if (pl < alpha) != (w.pvalue < alpha) {
            out.push(format!(
                "{what}: the likelihood-ratio test (p {}) and the Wald test (p {}) disagree at α = {}; the verdict follows the likelihood-ratio test",
                fmt_p(pl),
                fmt_p(w.pvalue),
                strip_zero(&format!("{alpha}"))
            ));
        }
    }
}

fn fit_line(m: &ModelReport) -> String {
    let f = &m.fit;
    let mut s = format!(
        "fit of the {}: χ²({}) = {:.2}, p {}; CFI = {}; TLI = {}; RMSEA = {}; SRMR = {}",
        m.name,
        fmt_df(f.df),
        f.chisq,
        f.pvalue.map_or("NA".into(), fmt_p),
        fmt_index(f.cfi),
        fmt_index(f.tli),
        fmt_index(f.rmsea),
        fmt_index(f.srmr)
    );
    if let Some(c) = f.chisq_scaled {
        s.push_str(&format!(
            "; scaled χ² = {c:.2}, p {}; robust CFI = {}; robust RMSEA = {}",
            f.pvalue_scaled.map_or("NA".into(), fmt_p),
            fmt_index(f.cfi_robust),
            fmt_index(f.rmsea_robust)
        ));
    }
    s
}

/// The verdict from the fitted models and their comparison.
pub(crate) fn verdict(
    opts: &TransactOptions,
    models: &[ModelReport],
    comparison: Option<&ModelComparison>,
) -> Verdict {
    let family = comparison.map_or_else(|| models[0].family, |c| c.preferred);
    let m = models
        .iter()
        .find(|m| m.family == family)
        .unwrap_or(&models[0]);
    let (x, y) = (opts.x.as_str(), opts.y.as_str());
    let alpha = opts.alpha;
    let mut details = Vec::new();
    let mut warnings = Vec::new();
    let within = m.family == Family::Riclpm;

    model_lines(m, models, comparison, within, &mut details, &mut warnings);

    // directions
    let multi = m.groups.len() > 1;
    let (x_to_y, y_to_x, px, py) = if multi {
        let find = |from: &str| m.overall.iter().find(|j| j.from == from);
        let sig = |j: Option<&JointTest>| j.is_some_and(|j| j.significant);
        let p = |j: Option<&JointTest>| j.and_then(|j| j.pvalue);
        (sig(find(x)), sig(find(y)), p(find(x)), p(find(y)))
    } else {
        let g = &m.groups[0];
        (
            g.x_to_y.significant,
            g.y_to_x.significant,
            g.x_to_y.pvalue,
            g.y_to_x.pvalue,
        )
    };
    let conclusion = Conclusion::of(x_to_y, y_to_x);
    direction_lines(m, multi, alpha, &mut details, &mut warnings);

    stability_lines(m, x, y, multi, within, &mut details);
    details.push(fit_line(m));

    let (groups, groups_differ) = if multi {
        group_lines(m, alpha, &mut details, &mut warnings)
    } else {
        (Vec::new(), None)
    };

    fit_warnings(m, models, opts, within, &mut warnings);

    let summary = summary_line(conclusion, x, y, within, alpha, (px, py), &warnings);
    Verdict {
        model: m.family,
        model_name: m.name.clone(),
        conclusion,
        label: conclusion.label(x, y),
        summary,
        groups,
        groups_differ,
        details,
        warnings,
    }
}

/// Which model the verdict rests on and why (with the χ̄² test of the comparison), the
/// models' notes, and the CLPM's caveat about between-person differences.
fn model_lines(
    m: &ModelReport,
    models: &[ModelReport],
    comparison: Option<&ModelComparison>,
    within: bool,
    details: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    match comparison {
        Some(c) => {
            let mut line = format!("model: {} — {}", m.name, c.reason);
            if let Some(cb) = &c.chibar {
                let w: Vec<String> = cb
                    .weights
                    .weights
                    .iter()
                    .map(|w| format!("{w:.3}"))
                    .collect();
                line.push_str(&format!(
                    " (χ̄²({}) = {:.2} with weights {} on χ²({}..{}), p {}, critical value {:.2}",
                    cb.df,
                    cb.statistic,
                    w.join("/"),
                    cb.u,
                    cb.u + cb.k,
                    fmt_p(cb.pvalue),
                    cb.critical_value
                ));
                if let Some(p) = c.naive.pvalue {
                    line.push_str(&format!("; naive χ²({}) test p {}", cb.df, fmt_p(p)));
                }
                line.push(')');
            }
            details.push(line);
            warnings.extend(c.warnings.iter().cloned());
        }
        None => details.push(format!("model: {} (the only model fitted)", m.name)),
    }
    for mm in models {
        details.extend(mm.notes.iter().map(|n| format!("note ({}): {n}", mm.name)));
    }
    if !within {
        details.push(
            "note: the CLPM does not separate stable between-person differences from within-person change; its lagged effects are within-person effects only when the random intercepts have no variance".into(),
        );
    }
}

/// The lagged effects in both directions, per group and over all groups: the tests' text,
/// disagreements between the likelihood-ratio and the Wald test, the tests' own warnings.
fn direction_lines(
    m: &ModelReport,
    multi: bool,
    alpha: f64,
    details: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    for g in &m.groups {
        let prefix = if multi {
            format!("group {}: ", g.label)
        } else {
            String::new()
        };
        for d in [&g.x_to_y, &g.y_to_x] {
            details.push(direction_line(d, &prefix));
            let what = format!("{}{} → {}", prefix, d.from, d.to);
            disagreement(&what, d.lrt.as_ref(), d.wald.as_ref(), alpha, warnings);
            if let Some(t) = &d.lrt {
                warnings.extend(t.warnings.iter().map(|w| format!("{what} test: {w}")));
            }
        }
    }
    for j in &m.overall {
        let what = format!("all groups, {} → {}", j.from, j.to);
        details.push(format!(
            "{what}: {}",
            tests_text(j.lrt.as_ref(), j.wald.as_ref())
        ));
        disagreement(&what, j.lrt.as_ref(), j.wald.as_ref(), alpha, warnings);
    }
}

/// The autoregressive effects (stability) of every group and, for the RI-CLPM, the stable
/// between-person association of the random intercepts.
fn stability_lines(
    m: &ModelReport,
    x: &str,
    y: &str,
    multi: bool,
    within: bool,
    details: &mut Vec<String>,
) {
    for g in &m.groups {
        let prefix = if multi {
            format!("group {}: ", g.label)
        } else {
            String::new()
        };
        let ar = |e: &[Effect]| {
            e.iter()
                .map(|e| fmt_std(e.std_all))
                .collect::<Vec<_>>()
                .join(", ")
        };
        details.push(format!(
            "{prefix}autoregressive effects{} (std.): {x} {}; {y} {}",
            if within { " within persons" } else { "" },
            ar(&g.autoregressive_x),
            ar(&g.autoregressive_y)
        ));
        if let Some(b) = &g.between {
            let line = match b.correlation {
                Some(r) => format!(
                    "{prefix}stable between-person association: the random intercepts correlate {} (covariance {}, p {}); RI variances {x} {}, {y} {}",
                    fmt_std(Some(r)),
                    fmt_num(b.cov.estimate.est),
                    b.cov.estimate.pvalue.map_or("NA".into(), fmt_p),
                    fmt_num(b.var_x.estimate.est),
                    fmt_num(b.var_y.estimate.est)
                ),
                None => format!(
                    "{prefix}the random-intercept correlation is not defined: a random-intercept variance is not positive ({x} {}, {y} {})",
                    fmt_num(b.var_x.estimate.est),
                    fmt_num(b.var_y.estimate.est)
                ),
            };
            details.push(line);
        }
    }
}

/// Several groups: the conclusion of every group and the tests of equal effects across
/// groups; also whether the first of those tests rejects.
fn group_lines(
    m: &ModelReport,
    alpha: f64,
    details: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> (Vec<GroupVerdict>, Option<bool>) {
    let mut groups = Vec::new();
    for g in &m.groups {
        groups.push(GroupVerdict {
            group: g.label.clone(),
            conclusion: Conclusion::of(g.x_to_y.significant, g.y_to_x.significant),
            x_to_y_pvalue: g.x_to_y.pvalue,
            y_to_x_pvalue: g.y_to_x.pvalue,
        });
    }
    for t in &m.group_tests {
        let text = lrt_text(t).unwrap_or_else(|| "not available".into());
        let rejected = t.pvalue.map(|p| p < alpha);
        details.push(format!(
            "{}: {text}{}",
            t.hypothesis,
            match rejected {
                Some(true) => " — rejected: the effects differ between groups",
                Some(false) => " — not rejected",
                None => "",
            }
        ));
        warnings.extend(t.warnings.iter().map(|w| format!("{}: {w}", t.hypothesis)));
    }
    let groups_differ = m
        .group_tests
        .first()
        .and_then(|t| t.pvalue)
        .map(|p| p < alpha);
    (groups, groups_differ)
}

/// The fits' own warnings (the verdict's model first), non-convergence, and advice for an
/// inadmissible RI-CLPM solution.
fn fit_warnings(
    m: &ModelReport,
    models: &[ModelReport],
    opts: &TransactOptions,
    within: bool,
    warnings: &mut Vec<String>,
) {
    for mm in std::iter::once(m).chain(models.iter().filter(|o| o.family != m.family)) {
        for w in &mm.warnings {
            warnings.push(format!("{}: {w}", mm.name));
        }
        if !mm.converged {
            warnings.push(format!(
                "{}: the fit did not converge; its numbers are not trustworthy",
                mm.name
            ));
        }
    }
    if within
        && m.warnings
            .iter()
            .any(|w| w.contains("not admissible") || w.contains("not positive definite"))
        && !opts
            .constrain
            .contains(&crate::families::panel::Constraint::Lagged)
    {
        warnings.push(
            "the RI-CLPM solution is inadmissible: interpret it with care; holding the lagged effects equal over time (--constrain lagged) often gives an admissible solution".into(),
        );
    }
}

/// The one-sentence verdict with both p-values, and a caution when a solution is
/// inadmissible or did not converge.
fn summary_line(
    conclusion: Conclusion,
    x: &str,
    y: &str,
    within: bool,
    alpha: f64,
    (px, py): (Option<f64>, Option<f64>),
    warnings: &[String],
) -> String {
    let level = if within {
        "within persons (RI-CLPM)"
    } else {
        "in the CLPM"
    };
    let p = |p: Option<f64>| p.map_or("NA".into(), fmt_p);
    let summary = match conclusion {
        Conclusion::Transactional => format!(
            "transactional: {x} and {y} predict each other over time {level} ({x} → {y} p {}, {y} → {x} p {})",
            p(px),
            p(py)
        ),
        Conclusion::XDrivesY => format!(
            "{x} drives {y}: {x} predicts later {y} {level} (p {}), {y} does not predict later {x} (p {})",
            p(px),
            p(py)
        ),
        Conclusion::YDrivesX => format!(
            "{y} drives {x}: {y} predicts later {x} {level} (p {}), {x} does not predict later {y} (p {})",
            p(py),
            p(px)
        ),
        Conclusion::NoLaggedEffects => format!(
            "no evidence of lagged effects between {x} and {y} {level} at α = {} ({x} → {y} p {}, {y} → {x} p {})",
            strip_zero(&format!("{alpha}")),
            p(px),
            p(py)
        ),
    };
    if warnings.iter().any(|w| {
        w.contains("not admissible")
            || w.contains("not positive definite")
            || w.contains("did not converge")
    }) {
        format!("{summary} — caution: see the warnings (inadmissible or non-converged solutions)")
    } else {
        summary
    }
}
