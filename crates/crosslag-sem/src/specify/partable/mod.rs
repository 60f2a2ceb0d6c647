//! The parameter table: lavaan model syntax plus an entry point's defaults → one row per
//! model parameter per group, as lavaan's `lavaanify()`/`parTable()` builds it.
//!
//! Rules follow lavaan 0.6 (`lav_partable_flat`, `lav_partable_vnames`): observed variables
//! are ordered indicators → dependent → independent → others; every variance is a row (free
//! with `auto.var`, else fixed at 0); `sem()`/`cfa()`/`growth()` fix the first loading
//! (`auto.fix.first`), fix the residual variance of a single indicator (`auto.fix.single`),
//! free covariances of exogenous latents (`auto.cov.lv.x`) and of purely endogenous variables
//! (`auto.cov.y`); `fixed.x` fixes the moments of exogenous observed covariates at their
//! sample values (`exo = 1`).
//!
//! The steps, one file each: [`statements`] (the syntax as rows), [`vnames`] (variable
//! classification), [`auto`] (block 0 with the automatic rows), [`groups`] (the rows of every
//! group with their modifiers and `group.equal`); [`table`] holds the types.

mod auto;
mod groups;
mod statements;
mod table;
mod vnames;

pub use super::options::{EntryPoint, GroupEqual, ModelOptions, TableSwitches};
pub use table::{Constraint, Definition, Op, ParRow, ParTable, TableError};

use crate::syntax::ModelSyntax;

/// Build the parameter table (one block per group) with the switches lavaan's defaulting
/// rules gave ([`ModelOptions::resolve`]).
pub fn build(
    model: &ModelSyntax,
    opts: &ModelOptions,
    switches: &TableSwitches,
    ngroups: usize,
) -> Result<ParTable, TableError> {
    let mut st = statements::collect(model)?;
    // intercepts in the syntax switch the mean structure on (lavaanify)
    let sw = TableSwitches {
        meanstructure: switches.meanstructure || st.has_intercepts,
        ..*switches
    };
    // covariances are written with the earlier variable (latent, then observed, in lavaan's
    // order) on the left (`lav_partable_covariance_reorder`); the order of the variables is
    // then taken from the reordered rows, as lavaan does.
    let vars = vnames::classify(&st)?;
    for u in st.user_rows.iter_mut() {
        if u.op == Op::Covariance && vars.order(&u.lhs) > vars.order(&u.rhs) {
            std::mem::swap(&mut u.lhs, &mut u.rhs);
        }
    }
    let vars = vnames::classify(&st)?;
    let template = auto::template(&st, &vars, &sw);
    let mut rows = groups::expand(&template, &st, &vars, opts, &sw, ngroups)?;
    // group.equal: tie group g > 0 copies to group 0 through internal labels
    if ngroups > 1 && !opts.group_equal.is_empty() {
        groups::apply_group_equal(&mut rows, opts, &vars.lv_names);
    }
    tie_equal_modifiers(&mut rows);
    // unknown labels in `:=` and constraints; modifier vectors against the number of groups
    crate::syntax::check_model(model, ngroups, &|l| rows.iter().any(|r| r.label == l))
        .map_err(|e| table::invalid(e.line, e.message))?;
    // number the free rows
    let mut nfree = 0;
    for r in rows.iter_mut().filter(|r| r.free > 0) {
        nfree += 1;
        r.free = nfree;
    }
    if nfree == 0 && st.definitions.is_empty() {
        return Err(TableError::Empty);
    }
    Ok(ParTable {
        rows,
        ngroups,
        ov_names: vars.ov_names,
        lv_names: vars.lv_names,
        ov_x: if sw.fixed_x {
            vars.ov_x.clone()
        } else {
            Vec::new()
        },
        ov_exo: vars.ov_x,
        meanstructure: sw.meanstructure,
        constraints: st.constraints,
        definitions: st.definitions,
        nfree,
        warnings: Vec::new(),
    })
}

/// `equal("f1=~x2")*x3`: a label that is another parameter's lavaan name (`lhs op rhs`, with
/// `.g2`, `.g3` … in later groups; `lav_partable_labels`) holds the two equal, as lavaan does
/// through duplicated labels.
fn tie_equal_modifiers(rows: &mut [ParRow]) {
    let default_label = |r: &ParRow| match r.group {
        0 => r.name(),
        g => format!("{}.g{}", r.name(), g + 1),
    };
    for i in 0..rows.len() {
        if !rows[i].user_label {
            continue;
        }
        let label = rows[i].label.clone();
        if rows
            .iter()
            .enumerate()
            .any(|(j, r)| j != i && r.label == label)
        {
            continue;
        }
        if let Some(j) = (0..rows.len())
            .find(|&j| j != i && rows[j].label.is_empty() && default_label(&rows[j]) == label)
        {
            rows[j].label = label;
        }
    }
}
