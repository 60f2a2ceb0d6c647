//! The tests of effects: the joint Wald test that a set of free parameters is zero, the
//! likelihood-ratio test of a restricted model (fitted from edited syntax), and the decision
//! at α.

use super::edit::EditError;
use super::options::TransactError;
use super::report::{LrtTest, WaldTest};
use crate::analyses::compare;
use crate::linalg;
use crate::observe::Data;
use crate::report::{FitResult, ParameterRow};
use crate::specify::options::FitOptions;
use crate::specify::partable::Op;
use crate::stats;
use ndarray::Array2;

pub(super) fn fit_model(
    syntax: &str,
    data: &Data,
    fo: &FitOptions,
    name: &str,
) -> Result<FitResult, TransactError> {
    crate::engine::fit(syntax, data, fo).map_err(|source| TransactError::Fit {
        model: name.to_string(),
        source,
    })
}

/// The parameter row `lhs op rhs` of group `g` (1-based).
pub(super) fn row<'a>(
    res: &'a FitResult,
    lhs: &str,
    op: Op,
    rhs: &str,
    g: usize,
) -> Option<&'a ParameterRow> {
    res.parameters
        .iter()
        .find(|r| r.group == g && r.op == op && r.lhs == lhs && r.rhs == rhs)
}

/// The symmetric row `a ~~ b` (either order).
pub(super) fn cov_row<'a>(
    res: &'a FitResult,
    a: &str,
    b: &str,
    g: usize,
) -> Option<&'a ParameterRow> {
    row(res, a, Op::Covariance, b, g).or_else(|| row(res, b, Op::Covariance, a, g))
}

/// The joint Wald test that the free parameters among `rows` are zero; copies of a label
/// count once.
pub(super) fn wald(res: &FitResult, rows: &[&ParameterRow]) -> Option<WaldTest> {
    let vcov = res.vcov.as_ref()?;
    let mut keys: Vec<String> = Vec::new();
    let mut idx: Vec<usize> = Vec::new();
    let mut est: Vec<f64> = Vec::new();
    for r in rows.iter().filter(|r| r.free > 0) {
        let key = if r.label.is_empty() {
            let g = if res.ngroups > 1 {
                format!(" (group {})", r.group)
            } else {
                String::new()
            };
            format!("{}~{}{g}", r.lhs, r.rhs)
        } else {
            r.label.clone()
        };
        if keys.contains(&key) {
            continue;
        }
        keys.push(key);
        idx.push(r.free - 1);
        est.push(r.estimate.est);
    }
    if idx.is_empty() || idx.iter().any(|&i| i >= vcov.nrows()) {
        return None;
    }
    let m = idx.len();
    let v = Array2::from_shape_fn((m, m), |(a, b)| vcov[[idx[a], idx[b]]]);
    let (inv, _) = linalg::spd_inverse(v.view())?;
    let mut w = 0.0;
    for a in 0..m {
        for b in 0..m {
            w += est[a] * inv[[a, b]] * est[b];
        }
    }
    Some(WaldTest {
        chisq: w,
        df: m,
        pvalue: stats::pchisq_upper(w, m as f64),
        parameters: keys,
    })
}

/// The likelihood-ratio test of `restricted` against `full`.
pub(super) fn lrt(
    hypothesis: String,
    full: &FitResult,
    restricted: &FitResult,
    restricted_syntax: String,
) -> LrtTest {
    let mut warnings = Vec::new();
    if !restricted.converged {
        warnings.push("the restricted model did not converge".to_string());
    }
    match compare::lrt(&[
        ("full".to_string(), full),
        ("restricted".to_string(), restricted),
    ]) {
        Ok(cmp) => {
            warnings.extend(cmp.warnings.iter().cloned());
            let r = &cmp.rows[1];
            LrtTest {
                hypothesis,
                chisq: r.chisq_diff,
                df: r.df_diff,
                pvalue: r.pvalue.filter(|_| restricted.converged),
                method: Some(cmp.method),
                restricted_syntax,
                warnings,
            }
        }
        Err(e) => {
            warnings.push(e.to_string());
            LrtTest {
                hypothesis,
                chisq: None,
                df: None,
                pvalue: None,
                method: None,
                restricted_syntax,
                warnings,
            }
        }
    }
}

/// Fits a restricted syntax and tests it against `full`; a fit that fails becomes a test
/// without a p-value.
pub(super) fn restricted_lrt(
    hypothesis: String,
    full: &FitResult,
    syntax: Result<String, EditError>,
    data: &Data,
    fo: &FitOptions,
) -> Result<LrtTest, TransactError> {
    let syntax = syntax?;
    let mut fo = fo.clone();
    fo.output.vcov = false;
    Ok(match crate::engine::fit(&syntax, data, &fo) {
        Ok(res) => lrt(hypothesis, full, &res, syntax),
        Err(e) => LrtTest {
            hypothesis,
            chisq: None,
            df: None,
            pvalue: None,
            method: None,
            restricted_syntax: syntax,
            warnings: vec![format!("the restricted model could not be fitted: {e}")],
        },
    })
}

/// Decision at α: the LRT's p-value when available, else the Wald test's.
pub(super) fn decide(
    lrt: Option<&LrtTest>,
    wald: Option<&WaldTest>,
    alpha: f64,
) -> (bool, Option<f64>) {
    let p = lrt
        .and_then(|t| t.pvalue)
        .or_else(|| wald.map(|w| w.pvalue));
    (p.is_some_and(|p| p < alpha), p)
}
