//! The parameter table: lavaan model syntax plus an entry point's defaults → one row per
//! model parameter per group, as lavaan's `lavaanify()`/`parTable()` builds it.
//!
//! Rules follow lavaan 0.6 (`lav_partable_flat`, `lav_partable_vnames`): observed variables
//! are ordered indicators → dependent → independent → others; `sem()`/`cfa()` add residual
//! variances (`auto.var`), fix the first loading (`auto.fix.first`), fix the residual variance
//! of a single indicator (`auto.fix.single`), free covariances of exogenous latents
//! (`auto.cov.lv.x`) and of terminal endogenous variables (`auto.cov.y`); `fixed.x` fixes the
//! moments of exogenous observed covariates at their sample values (`exo = 1`).
//!
//! The steps, one file each: [`statements`] (the syntax as rows), [`vnames`] (variable
//! classification), [`auto`] (block 0 with the automatic rows), [`groups`] (the rows of every
//! group with their modifiers and `group.equal`); [`table`] holds the types.

mod auto;
mod groups;
mod statements;
mod table;
mod vnames;

pub use super::options::{EntryPoint, GroupEqual, ModelOptions};
pub use table::{Constraint, Definition, Op, ParRow, ParTable, TableError};

use crate::syntax::ModelSyntax;

/// Build the parameter table (one block per group).
pub fn build(
    model: &ModelSyntax,
    opts: &ModelOptions,
    ngroups: usize,
) -> Result<ParTable, TableError> {
    let st = statements::collect(model)?;
    let vars = vnames::classify(&st, opts)?;
    let auto = opts.entry != EntryPoint::Lavaan;
    let meanstructure = opts.meanstructure
        || st.has_intercepts
        || opts
            .group_equal
            .iter()
            .any(|g| matches!(g, GroupEqual::Intercepts | GroupEqual::Means));
    let template = auto::template(&st, &vars, opts, auto, meanstructure);
    let mut rows = groups::expand(&template, &st, &vars, opts, auto, ngroups)?;
    // group.equal: tie group g > 0 copies to group 0 through internal labels
    if ngroups > 1 && !opts.group_equal.is_empty() {
        groups::apply_group_equal(&mut rows, opts, &vars.lv_names, &vars.ov_x);
    }
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
        ov_x: vars.ov_x,
        meanstructure,
        constraints: st.constraints,
        definitions: st.definitions,
        nfree,
    })
}
