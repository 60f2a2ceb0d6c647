//! The rows of one group (block 0) with lavaan's automatic parameters (`lav_partable_flat`):
//! residual variances (auto.var), covariances of exogenous latent variables (auto.cov.lv.x)
//! and of terminal endogenous variables (auto.cov.y), the moments of exogenous covariates,
//! intercepts and latent means with a mean structure.

use super::statements::Statements;
use super::table::{push_unique, Op, ParRow};
use super::vnames::Vars;
use crate::specify::options::ModelOptions;
use std::collections::BTreeSet;

/// A row of block 0 and the user statement it comes from (`None`: added by lavaan's rules).
pub(super) type Template = Vec<(ParRow, Option<usize>)>;

/// Whether the template has the row `l op r` (covariances in either order).
pub(super) fn has_row(t: &Template, l: &str, op: Op, r: &str) -> bool {
    t.iter().any(|(row, _)| {
        row.op == op
            && ((row.lhs == l && row.rhs == r)
                || (op == Op::Covariance && row.lhs == r && row.rhs == l))
    })
}

/// The rows of block 0: the user's rows, then the automatic ones.
pub(super) fn template(
    st: &Statements,
    vars: &Vars,
    opts: &ModelOptions,
    auto: bool,
    meanstructure: bool,
) -> Template {
    let user_rows = &st.user_rows;
    let Vars {
        lv_names,
        ov_names,
        ov_x,
        free_x,
        lv_x,
    } = vars;
    let is_lv = |s: &str| vars.is_lv(s);
    let mut template: Template = Vec::new();
    for (k, u) in user_rows.iter().enumerate() {
        template.push((ParRow::new(&u.lhs, u.op, &u.rhs, 0, true), Some(k)));
    }
    if auto {
        // residual variances: observed (not fixed.x covariates), then latent
        for v in ov_names.iter().filter(|v| !ov_x.contains(v)) {
            if !has_row(&template, v, Op::Covariance, v) {
                template.push((ParRow::new(v, Op::Covariance, v, 0, false), None));
            }
        }
        for v in lv_names.iter() {
            if !has_row(&template, v, Op::Covariance, v) {
                template.push((ParRow::new(v, Op::Covariance, v, 0, false), None));
            }
        }
        // covariances among exogenous latent variables (auto.cov.lv.x)
        if !opts.orthogonal {
            for i in 0..lv_x.len() {
                for j in (i + 1)..lv_x.len() {
                    if !has_row(&template, &lv_x[i], Op::Covariance, &lv_x[j]) {
                        template.push((
                            ParRow::new(&lv_x[i], Op::Covariance, &lv_x[j], 0, false),
                            None,
                        ));
                    }
                }
            }
        }
        // covariances among terminal endogenous variables (auto.cov.y)
        let predictors: BTreeSet<&str> = user_rows
            .iter()
            .filter(|u| u.op == Op::Regression)
            .map(|u| u.rhs.as_str())
            .collect();
        let mut ys: Vec<String> = Vec::new();
        for u in user_rows.iter().filter(|u| u.op == Op::Regression) {
            let indicator = user_rows
                .iter()
                .any(|w| w.op == Op::Loading && w.rhs == u.lhs);
            if !predictors.contains(u.lhs.as_str()) && !indicator {
                push_unique(&mut ys, &u.lhs);
            }
        }
        // lavaan correlates observed with observed and latent with latent terminal y's.
        for i in 0..ys.len() {
            for j in (i + 1)..ys.len() {
                if is_lv(&ys[i]) != is_lv(&ys[j]) {
                    continue;
                }
                if !has_row(&template, &ys[i], Op::Covariance, &ys[j]) {
                    template.push((ParRow::new(&ys[i], Op::Covariance, &ys[j], 0, false), None));
                }
            }
        }
    }
    // variances and covariances of exogenous covariates that are not fixed.x: free
    for i in 0..free_x.len() {
        for j in i..free_x.len() {
            if !has_row(&template, &free_x[i], Op::Covariance, &free_x[j]) {
                template.push((
                    ParRow::new(&free_x[i], Op::Covariance, &free_x[j], 0, false),
                    None,
                ));
            }
        }
    }
    // moments of fixed.x covariates
    for i in 0..ov_x.len() {
        for j in i..ov_x.len() {
            if !has_row(&template, &ov_x[i], Op::Covariance, &ov_x[j]) {
                let mut r = ParRow::new(&ov_x[i], Op::Covariance, &ov_x[j], 0, false);
                r.exo = true;
                template.push((r, None));
            }
        }
    }
    if meanstructure {
        for v in ov_names.iter() {
            if !has_row(&template, v, Op::Intercept, "") {
                let mut r = ParRow::new(v, Op::Intercept, "", 0, false);
                r.exo = ov_x.contains(v);
                template.push((r, None));
            }
        }
        for v in lv_names.iter() {
            if !has_row(&template, v, Op::Intercept, "") {
                template.push((ParRow::new(v, Op::Intercept, "", 0, false), None));
            }
        }
    }

    template
}
