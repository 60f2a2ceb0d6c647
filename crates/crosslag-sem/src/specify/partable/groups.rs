//! The parameter rows of every group: block 0 copied per group, lavaan's rules for groups
//! 2.. (`lav_partable_flat` step 6), the modifiers of each group (`c(a, b)*x`; lavaanify) and
//! `group.equal`.

use super::auto::Template;
use super::statements::Statements;
use super::table::{invalid, Op, ParRow, TableError};
use super::vnames::Vars;
use crate::specify::options::{GroupEqual, ModelOptions, TableSwitches};

/// The rows of all groups, free rows marked `free = 1` (numbered later).
///
/// In groups 2.., as lavaan: with equal intercepts (and not equal means) the latent means
/// are free; with `std.lv` and equal loadings (and not equal latent variances) the latent
/// variances are free. Then the modifiers: a number fixes, `NA` frees, `start()` sets the
/// starting (or fixed) value, a label names the parameter.
pub(super) fn expand(
    template: &Template,
    st: &Statements,
    vars: &Vars,
    opts: &ModelOptions,
    sw: &TableSwitches,
    ngroups: usize,
) -> Result<Vec<ParRow>, TableError> {
    let equal = |k: GroupEqual| opts.group_equal.contains(&k);
    let free_lv_means = sw.meanstructure
        && !sw.int_lv_free
        && equal(GroupEqual::Intercepts)
        && !equal(GroupEqual::Means);
    let free_lv_vars = sw.std_lv && equal(GroupEqual::Loadings) && !equal(GroupEqual::LvVariances);
    let mut rows: Vec<ParRow> = Vec::new();
    for g in 0..ngroups {
        for (proto, user_index) in template {
            let mut r = proto.clone();
            r.group = g;
            if g > 0 && !r.user && vars.is_lv(&r.lhs) {
                let lv_mean = r.op == Op::Intercept;
                let lv_var = r.op == Op::Covariance && r.lhs == r.rhs;
                if (free_lv_means && lv_mean) || (free_lv_vars && lv_var) {
                    r.free = 1;
                    r.ustart = None;
                }
            }
            if let Some(k) = user_index {
                let u = &st.user_rows[*k];
                if u.is_one && u.op != Op::Intercept {
                    return Err(invalid(u.line, "misplaced intercept"));
                }
                let (fixed, label, start) = u.modifiers.for_group(g);
                match fixed {
                    Some(Some(v)) => {
                        r.free = 0;
                        r.ustart = Some(v);
                    }
                    Some(None) => {
                        r.free = 1;
                        r.ustart = None;
                    }
                    None => {}
                }
                if let Some(s) = start {
                    r.ustart = Some(s);
                }
                if let Some(Some(l)) = label {
                    r.label = l;
                    r.user_label = true;
                }
            }
            if r.free == 0 && r.ustart.is_none() {
                r.ustart = Some(0.0);
            }
            rows.push(r);
        }
    }
    Ok(rows)
}

/// lavaan's `group.equal`: each free parameter of a listed kind in group g > 1 is held equal
/// to its counterpart in group 1 (lavaan writes `==` rows between `.pN.` labels).
pub(super) fn apply_group_equal(rows: &mut [ParRow], opts: &ModelOptions, lv_names: &[String]) {
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
}
