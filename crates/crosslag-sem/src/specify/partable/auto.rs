//! The rows of one group (block 0), as lavaan 0.6.14's `lav_partable_flat` builds them: the
//! user's rows, then the rows lavaan adds itself, then its fixing rules.
//!
//! Rows lavaan adds (those the user wrote are not added twice):
//! a. a variance for every observed variable that is not `ov.x` and every latent variable —
//!    always; free only with `auto.var` (otherwise fixed at 0, the rows `lavaan()` lists);
//! b. covariances among exogenous latent variables (`auto.cov.lv.x`);
//! c. covariances among purely endogenous variables, latent and observed (`auto.cov.y`);
//! d. the variances and covariances of the exogenous covariates `ov.x`;
//! e. with a mean structure, an intercept for every observed and latent variable.
//!
//! Then the rules, in lavaan's order: unwritten variances fixed at 0 without `auto.var`;
//! `std.lv` fixes every latent variance at 1, `auto.fix.first` the first loading of every
//! factor at 1; `auto.fix.single` fixes the residual variance of a single indicator at 0;
//! `orthogonal` (`.x`, `.y`) fixes the added latent covariances at 0; intercepts fixed at 0
//! unless `int.ov.free` / `int.lv.free`; with `fixed.x` the moments of `ov.x` are fixed at
//! their sample values (`exo`).

use super::statements::Statements;
use super::table::{Op, ParRow};
use super::vnames::Vars;
use crate::specify::options::TableSwitches;

/// A row of block 0 and the user statement it comes from (`None`: added by lavaan's rules).
pub(super) type Template = Vec<(ParRow, Option<usize>)>;

/// The rows of block 0 with `free` (0/1), `ustart` and `exo` set by lavaan's rules.
pub(super) fn template(st: &Statements, vars: &Vars, sw: &TableSwitches) -> Template {
    let mut t: Template = Vec::new();
    for (k, u) in st.user_rows.iter().enumerate() {
        let mut r = ParRow::new(&u.lhs, u.op, &u.rhs, 0, true);
        r.free = 1;
        t.push((r, Some(k)));
    }
    let nuser = t.len();
    for (lhs, op, rhs) in default_rows(vars, sw) {
        let written = t[..nuser]
            .iter()
            .any(|(r, _)| r.op == op && r.lhs == lhs && r.rhs == rhs);
        if !written {
            let mut r = ParRow::new(&lhs, op, &rhs, 0, false);
            r.free = 1;
            t.push((r, None));
        }
    }
    fix_by_rules(&mut t, st, vars, sw);
    t
}

/// Steps a–e of `lav_partable_flat`: the rows lavaan adds, in its order.
fn default_rows(vars: &Vars, sw: &TableSwitches) -> Vec<(String, Op, String)> {
    let cov = |a: &String, b: &String| (a.clone(), Op::Covariance, b.clone());
    let mut rows = Vec::new();
    // a. (residual) variances
    for v in vars.ov_nox.iter().chain(&vars.lv_names) {
        rows.push(cov(v, v));
    }
    // b. covariances of exogenous latent variables; c. of purely endogenous variables
    let pairs = |names: &[String], rows: &mut Vec<(String, Op, String)>| {
        for i in 0..names.len() {
            for j in (i + 1)..names.len() {
                rows.push(cov(&names[i], &names[j]));
            }
        }
    };
    if sw.auto_cov_lv_x {
        pairs(&vars.lv_x, &mut rows);
    }
    if sw.auto_cov_y {
        pairs(&vars.lvov_y, &mut rows);
    }
    // d. variances and covariances of the exogenous covariates
    for j in 0..vars.ov_x.len() {
        for i in j..vars.ov_x.len() {
            rows.push(cov(&vars.ov_x[j], &vars.ov_x[i]));
        }
    }
    // e. intercepts
    if sw.meanstructure {
        for v in vars.ov_names.iter().chain(&vars.lv_names) {
            rows.push((v.clone(), Op::Intercept, String::new()));
        }
    }
    rows
}

fn fix(r: &mut ParRow, value: Option<f64>) {
    r.free = 0;
    r.ustart = value;
}

/// lavaan's fixing rules on block 0 (`lav_partable_flat`, steps 0b–5a).
fn fix_by_rules(t: &mut Template, st: &Statements, vars: &Vars, sw: &TableSwitches) {
    let is_lv = |s: &str| vars.is_lv(s);
    let in_list = |list: &[String], s: &str| list.iter().any(|x| x == s);
    // 0b. unwritten variances fixed at 0 without auto.var
    if !sw.auto_var {
        for (r, _) in t.iter_mut() {
            if r.op == Op::Covariance && r.lhs == r.rhs && !r.user {
                fix(r, Some(0.0));
            }
        }
    }
    // 1. std.lv: every latent variance at 1; auto.fix.first: the first loading at 1
    if sw.std_lv {
        for (r, _) in t.iter_mut() {
            if r.op == Op::Covariance && r.lhs == r.rhs && is_lv(&r.lhs) {
                fix(r, Some(1.0));
            }
        }
    }
    if sw.auto_fix_first {
        let mut seen: Vec<String> = Vec::new();
        for (r, _) in t.iter_mut().filter(|(r, _)| r.op == Op::Loading) {
            if !seen.contains(&r.lhs) {
                seen.push(r.lhs.clone());
                fix(r, Some(1.0));
            }
        }
    }
    // 2. the residual variance of a single indicator at 0
    if sw.auto_var && sw.auto_fix_single {
        let loadings: Vec<(&str, &str)> = st
            .user_rows
            .iter()
            .filter(|u| u.op == Op::Loading)
            .map(|u| (u.lhs.as_str(), u.rhs.as_str()))
            .collect();
        let count = |f: &dyn Fn(&(&str, &str)) -> bool| loadings.iter().filter(|x| f(x)).count();
        let single: Vec<&str> = loadings
            .iter()
            .filter(|(l, r)| l != r && count(&|x| x.0 == *l) == 1 && count(&|x| x.1 == *r) == 1)
            .map(|(_, r)| *r)
            .collect();
        for (r, _) in t.iter_mut() {
            if r.op == Op::Covariance && r.lhs == r.rhs && !r.user && single.contains(&&*r.lhs) {
                fix(r, Some(0.0));
            }
        }
    }
    // 3. orthogonal, orthogonal.y, orthogonal.x: the added latent covariances at 0
    for (r, _) in t.iter_mut() {
        if r.op != Op::Covariance || r.lhs == r.rhs || r.user {
            continue;
        }
        let both = |list: &[String]| in_list(list, &r.lhs) && in_list(list, &r.rhs);
        if (sw.orthogonal && both(&vars.lv_names))
            || (sw.orthogonal_y && both(&vars.lv_y))
            || (sw.orthogonal_x && both(&vars.lv_x))
        {
            fix(r, Some(0.0));
        }
    }
    // 4. intercepts
    if sw.meanstructure {
        for (r, _) in t.iter_mut() {
            if r.op != Op::Intercept || r.user {
                continue;
            }
            let free = if is_lv(&r.lhs) {
                sw.int_lv_free
            } else {
                sw.int_ov_free
            };
            if !free {
                fix(r, Some(0.0));
            }
        }
    }
    // 5a. fixed.x: the moments of the exogenous covariates at their sample values
    if sw.fixed_x && !vars.ov_x.is_empty() {
        for (r, _) in t.iter_mut() {
            let exo = !r.user
                && match r.op {
                    Op::Covariance => in_list(&vars.ov_x, &r.lhs) && in_list(&vars.ov_x, &r.rhs),
                    Op::Intercept => in_list(&vars.ov_x, &r.lhs),
                    _ => false,
                };
            if exo {
                fix(r, None);
                r.exo = true;
            }
        }
    }
}
