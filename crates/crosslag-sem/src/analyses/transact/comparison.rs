//! Which model the data support: the χ̄² test of the random-intercept variances of the
//! RI-CLPM against the CLPM (Stoel et al., 2006; Hamaker et al., 2015), next to the naive χ²
//! difference test.

use super::chibar::{self, ChiBarTest};
use super::fitted::Fitted;
use super::hypotheses::{cov_row, fit_model, lrt};
use super::options::TransactOptions;
use super::report::{LrtTest, ModelComparison};
use super::verdict;
use crate::families::panel::Family;
use crate::report::FitResult;

/// The random-intercept variances of the RI-CLPM (all groups), whose sampling covariance S
/// gives the χ̄² weights.
struct RiVariances {
    /// `RI_x ~~ RI_x (group …)`.
    names: Vec<String>,
    /// Their indices in the covariance matrix of the estimates.
    idx: Vec<usize>,
    /// The negative estimates, in words.
    negative: Vec<String>,
    /// The random intercepts of x and y.
    rx: String,
    ry: String,
}

fn ri_variances(riclpm: &Fitted) -> RiVariances {
    let res = &riclpm.res;
    let (rx, ry) = (
        riclpm.layout.x.intercept.clone().unwrap_or_default(),
        riclpm.layout.y.intercept.clone().unwrap_or_default(),
    );
    let mut names = Vec::new();
    let mut idx = Vec::new();
    let mut negative = Vec::new();
    for g in 1..=res.ngroups {
        for ri in [&rx, &ry] {
            if let Some(r) = cov_row(res, ri, ri, g).filter(|r| r.free > 0) {
                let in_group = if res.ngroups > 1 {
                    format!(
                        " (group {})",
                        riclpm.group_labels.get(g - 1).cloned().unwrap_or_default()
                    )
                } else {
                    String::new()
                };
                names.push(format!("{ri} ~~ {ri}{in_group}"));
                idx.push(r.free - 1);
                if r.estimate.est < 0.0 {
                    negative.push(format!("{ri}{in_group} ({:.4})", r.estimate.est));
                }
            }
        }
    }
    RiVariances {
        names,
        idx,
        negative,
        rx,
        ry,
    }
}

/// The statistic T of the χ̄² test. The χ̄² distribution is that of the likelihood ratio with
/// the variances kept in their parameter space (Stoel et al. 2006; Self & Liang 1987): where
/// an unrestricted RI variance estimate is negative, T comes from the RI-CLPM refitted with
/// the RI variances held at or above 0 (otherwise T would be the regular χ²(k + u)
/// statistic, and the mixture's p-value too small).
fn chibar_statistic(
    clpm: &Fitted,
    riclpm: &Fitted,
    ri: &RiVariances,
    naive: &LrtTest,
    warnings: &mut Vec<String>,
) -> Option<f64> {
    if ri.negative.is_empty() {
        return naive.chisq;
    }
    let (rx, ry) = (&ri.rx, &ri.ry);
    let mut fo = riclpm.fo.clone();
    fo.model.nonnegative = vec![format!("{rx}~~{rx}"), format!("{ry}~~{ry}")];
    match fit_model(
        &riclpm.syntax,
        riclpm.data,
        &fo,
        "RI-CLPM (RI variances ≥ 0)",
    ) {
        Ok(bounded) => {
            let t = lrt(String::new(), &bounded, &clpm.res, clpm.syntax.clone()).chisq;
            warnings.push(format!(
                "the unrestricted RI-CLPM estimate of the variance of {} is negative: for the χ̄² test the RI-CLPM was refitted with the random-intercept variances held at or above 0 (difference statistic {} instead of {})",
                ri.negative.join(", "),
                t.map_or("NA".into(), |v| format!("{v:.3}")),
                naive.chisq.map_or("NA".into(), |v| format!("{v:.3}"))
            ));
            t
        }
        Err(e) => {
            warnings.push(format!(
                "the RI-CLPM with the random-intercept variances held at or above 0 could not be fitted ({e}); the χ̄² statistic comes from the unrestricted fit and overstates the evidence for random intercepts"
            ));
            naive.chisq
        }
    }
}

/// The χ̄² test of statistic `t` with weights from S, the sampling covariance of the RI
/// variance estimates; u = one RI covariance per group.
fn chibar_test(
    res: &FitResult,
    ri: RiVariances,
    statistic: Option<f64>,
    opts: &TransactOptions,
    warnings: &mut Vec<String>,
) -> Option<ChiBarTest> {
    let idx = &ri.idx;
    let u = res.ngroups; // one RI covariance per group
    match (&res.vcov, statistic) {
        (Some(v), Some(t)) if !idx.is_empty() && idx.iter().all(|&i| i < v.nrows()) => {
            let s: Vec<Vec<f64>> = idx
                .iter()
                .map(|&a| idx.iter().map(|&b| v[[a, b]]).collect())
                .collect();
            match chibar::test(
                ri.names,
                s,
                u,
                t.max(0.0),
                opts.alpha,
                opts.chibar_draws,
                opts.seed,
            ) {
                Ok(test) => Some(test),
                Err(e) => {
                    warnings.push(format!("χ̄² weights: {e}; the naive test is used instead"));
                    None
                }
            }
        }
        (None, _) => {
            warnings.push("the RI-CLPM has no covariance matrix of the estimates: the χ̄² test is not available".into());
            None
        }
        _ => {
            warnings
                .push("the χ² difference is not available: the χ̄² test is not available".into());
            None
        }
    }
}

/// The preferred model at α: the RI-CLPM when the χ̄² test (else the naive test) rejects the
/// CLPM, the CLPM when it does not, the RI-CLPM when there is no test; with the reason.
fn preference(chibar: Option<&ChiBarTest>, naive: &LrtTest, alpha: f64) -> (Family, String) {
    let (p, how) = match (chibar, naive.pvalue) {
        (Some(c), _) => (Some(c.pvalue), "χ̄² test"),
        (None, Some(p)) => (Some(p), "naive χ² difference test (conservative)"),
        (None, None) => (None, "no test"),
    };
    match p {
        Some(p) if p < alpha => (
            Family::Riclpm,
            format!(
                "the {how} rejects the CLPM (p {}): there are stable between-person differences, so the RI-CLPM separates within-person from between-person effects",
                verdict::fmt_p(p)
            ),
        ),
        Some(p) => (
            Family::Clpm,
            format!(
                "the {how} does not reject the CLPM (p {}): no evidence of stable between-person differences, so the simpler CLPM suffices",
                verdict::fmt_p(p)
            ),
        ),
        None => (
            Family::Riclpm,
            "the models could not be compared; the RI-CLPM is kept because it does not confound within- and between-person effects".to_string(),
        ),
    }
}

/// The χ̄² and the naive test of the CLPM against the RI-CLPM.
pub(super) fn compare_models(
    clpm: &Fitted,
    riclpm: &Fitted,
    opts: &TransactOptions,
) -> ModelComparison {
    let res = &riclpm.res;
    let mut warnings = Vec::new();
    let naive = lrt(
        "no random intercepts (CLPM): RI variances and covariance 0".into(),
        res,
        &clpm.res,
        clpm.syntax.clone(),
    );
    warnings.extend(naive.warnings.iter().cloned());
    // S: sampling covariance of the RI variance estimates, all groups
    let ri = ri_variances(riclpm);
    let statistic = chibar_statistic(clpm, riclpm, &ri, &naive, &mut warnings);
    let chibar = chibar_test(res, ri, statistic, opts, &mut warnings);
    if let Some(c) = &chibar {
        if naive.df.is_some_and(|d| (d - c.df as f64).abs() > 0.5) {
            warnings.push(format!(
                "the models differ by {} degrees of freedom, not by the {} of the random-intercept (co)variances",
                naive.df.unwrap_or(f64::NAN),
                c.df
            ));
        }
    }
    let (preferred, reason) = preference(chibar.as_ref(), &naive, opts.alpha);
    ModelComparison {
        chibar,
        naive,
        preferred,
        reason,
        warnings,
    }
}
