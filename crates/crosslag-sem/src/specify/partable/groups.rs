//! The parameter rows of every group: block 0 copied per group, with the modifiers of each
//! group (`c(a, b)*x`), lavaan's fixing rules (auto.fix.first, auto.fix.single, std.lv,
//! int.ov.free / int.lv.free) and `group.equal`.

use super::auto::Template;
use super::statements::Statements;
use super::table::{invalid, Op, ParRow, TableError};
use super::vnames::Vars;
use crate::specify::options::{GroupEqual, ModelOptions};
use std::collections::HashMap;

/// The rows of all groups, free rows marked `free = 1` (numbered later).
pub(super) fn expand(
    template: &Template,
    st: &Statements,
    vars: &Vars,
    opts: &ModelOptions,
    auto: bool,
    ngroups: usize,
) -> Result<Vec<ParRow>, TableError> {
    let user_rows = &st.user_rows;
    let lv_names = &vars.lv_names;
    let is_lv = |s: &str| vars.is_lv(s);
    let int_ov_free = opts.int_ov_free.unwrap_or(auto);
    // first indicator of every latent variable (auto.fix.first)
    let mut first_indicator: HashMap<&str, usize> = HashMap::new();
    for (k, u) in user_rows.iter().enumerate() {
        if u.op == Op::Loading {
            first_indicator.entry(u.lhs.as_str()).or_insert(k);
        }
    }
    // single-indicator latent variables (auto.fix.single)
    let single: Vec<&str> = lv_names
        .iter()
        .filter(|v| {
            user_rows
                .iter()
                .filter(|u| u.op == Op::Loading && &u.lhs == *v)
                .count()
                == 1
        })
        .map(|s| s.as_str())
        .collect();
    let single_indicator_of = |ov: &str| {
        single.iter().any(|lv| {
            user_rows
                .iter()
                .any(|u| u.op == Op::Loading && u.lhs == *lv && u.rhs == ov)
        })
    };

    let mut rows: Vec<ParRow> = Vec::new();
    for g in 0..ngroups {
        for (proto, user_index) in template {
            let mut r = proto.clone();
            r.group = g;
            let mut is_free = true;
            // defaults
            match r.op {
                Op::Covariance if r.exo => is_free = false,
                Op::Intercept if r.exo => is_free = false,
                Op::Intercept if !r.user => {
                    is_free = if lv_names.contains(&r.lhs) {
                        opts.int_lv_free
                    } else {
                        int_ov_free
                    };
                    if !is_free {
                        r.ustart = Some(0.0);
                    }
                }
                Op::Covariance if auto && !r.user && r.lhs == r.rhs => {
                    if opts.std_lv && lv_names.contains(&r.lhs) {
                        is_free = false;
                        r.ustart = Some(1.0);
                    } else if single_indicator_of(&r.lhs) {
                        is_free = false;
                        r.ustart = Some(0.0);
                    }
                }
                _ => {}
            }
            if let Some(k) = user_index {
                let u = &user_rows[*k];
                let (fixed, label, start) = u.term.modifiers.for_group(g);
                if auto
                    && !opts.std_lv
                    && u.op == Op::Loading
                    && first_indicator[u.lhs.as_str()] == *k
                {
                    is_free = false;
                    r.ustart = Some(1.0);
                }
                if auto && u.op == Op::Covariance && u.lhs == u.rhs && opts.std_lv && is_lv(&u.lhs)
                {
                    is_free = false;
                    r.ustart = Some(1.0);
                }
                match fixed {
                    Some(Some(v)) => {
                        is_free = false;
                        r.ustart = Some(v);
                    }
                    Some(None) => {
                        is_free = true;
                        r.ustart = None;
                    }
                    None => {}
                }
                if let Some(Some(l)) = label {
                    r.label = l;
                    r.user_label = true;
                }
                if let Some(s) = start {
                    if is_free {
                        r.ustart = Some(s);
                    }
                }
                if u.term.var == "1" && u.op != Op::Intercept {
                    return Err(invalid(u.line, "misplaced intercept"));
                }
            }
            if !is_free && r.ustart.is_none() {
                r.ustart = Some(0.0);
            }
            r.free = if is_free { 1 } else { 0 };
            rows.push(r);
        }
    }

    Ok(rows)
}

/// lavaan's `group.equal`: each free parameter of a listed kind in group g > 1 is held equal
/// to its counterpart in group 1 (lavaan writes `==` rows between `.pN.` labels). With
/// `intercepts` (or `means`) the latent means of groups 2.. are freed.
pub(super) fn apply_group_equal(
    rows: &mut [ParRow],
    opts: &ModelOptions,
    lv_names: &[String],
    ov_x: &[String],
) {
    let is_lv = |s: &str| lv_names.iter().any(|x| x == s);
    let kind_of = |r: &ParRow| -> Option<GroupEqual> {
        match r.op {
            Op::Loading => Some(GroupEqual::Loadings),
            Op::Regression => Some(GroupEqual::Regressions),
            Op::Intercept if is_lv(&r.lhs) => Some(GroupEqual::Means),
            Op::Intercept => Some(GroupEqual::Intercepts),
            Op::Covariance if is_lv(&r.lhs) && is_lv(&r.rhs) => Some(if r.lhs == r.rhs {
                GroupEqual::LvVariances
            } else {
                GroupEqual::LvCovariances
            }),
            Op::Covariance if r.lhs == r.rhs => Some(GroupEqual::Residuals),
            Op::Covariance => Some(GroupEqual::ResidualCovariances),
            Op::Defined => None,
        }
    };
    let partial: Vec<String> = opts
        .group_partial
        .iter()
        .map(|s| s.chars().filter(|c| !c.is_whitespace()).collect())
        .collect();
    let ints_equal = opts.group_equal.contains(&GroupEqual::Intercepts);
    let means_equal = opts.group_equal.contains(&GroupEqual::Means);
    let n = rows.len();
    for i in 0..n {
        if rows[i].group != 0 || rows[i].free == 0 || rows[i].exo {
            continue;
        }
        let kind = match kind_of(&rows[i]) {
            Some(k) => k,
            None => continue,
        };
        if !opts.group_equal.contains(&kind) || partial.contains(&rows[i].name()) {
            continue;
        }
        if rows[i].label.is_empty() {
            rows[i].label = format!(".p{}.", i + 1);
        }
        let label = rows[i].label.clone();
        for j in 0..n {
            let same = rows[j].group != 0
                && rows[j].op == rows[i].op
                && rows[j].lhs == rows[i].lhs
                && rows[j].rhs == rows[i].rhs
                && rows[j].free > 0
                && !rows[j].user_label;
            if same {
                rows[j].label = label.clone();
            }
        }
    }
    // latent means: free in groups 2.. when intercepts are equal but means are not
    if ints_equal && !means_equal {
        for r in rows.iter_mut() {
            if r.group > 0
                && r.op == Op::Intercept
                && is_lv(&r.lhs)
                && !r.user
                && !ov_x.contains(&r.lhs)
            {
                r.free = 1;
                r.ustart = None;
            }
        }
    }
}
