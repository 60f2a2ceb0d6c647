//! Variable classification, as lavaan 0.6.14's `lav_partable_vnames` does it for one block:
//! latent variables, observed variables in lavaan's order, exogenous covariates, and the
//! exogenous and purely endogenous variables that the automatic covariances are added for.
//!
//! With `=~` rows giving the latent variables (`lv`) and the indicators (`v.ind`), and `~`
//! rows giving the dependent (`eqs.y`) and predicting (`eqs.x`) variables:
//! - `ov.ind` = indicators that are not latent; `ov` = `ov.ind`, then dependent observed
//!   variables, then observed predictors, then the other variables named in `~~` rows (every
//!   left-hand side, then every right-hand side) and `~1` rows;
//! - `ov.x` = observed predictors that are not indicators or dependent, less those whose
//!   variance, covariance or intercept the syntax writes (lavaan ≥ 0.6-12);
//! - `lv.x` = latent variables that are neither indicators nor dependent (so a first-order
//!   factor of a higher-order factor is not exogenous);
//! - `ov.y`, `lv.y` = dependent variables that are not indicators and predict nothing.

use super::statements::Statements;
use super::table::{invalid, push_unique, Op, TableError};

/// The variables of a model.
pub(super) struct Vars {
    pub(super) lv_names: Vec<String>,
    /// Observed variables in lavaan's order.
    pub(super) ov_names: Vec<String>,
    /// Exogenous observed covariates (`ov.x`): with fixed.x their moments are fixed at the
    /// sample values, without it they are free parameters.
    pub(super) ov_x: Vec<String>,
    /// Observed variables that are not `ov.x` (`ov.nox`).
    pub(super) ov_nox: Vec<String>,
    /// Exogenous latent variables (`lv.x`).
    pub(super) lv_x: Vec<String>,
    /// Purely endogenous latent, then observed, variables (`lv.y`, `ov.y`).
    pub(super) lvov_y: Vec<String>,
    /// `lv.y` alone.
    pub(super) lv_y: Vec<String>,
}

impl Vars {
    pub(super) fn is_lv(&self, s: &str) -> bool {
        self.lv_names.iter().any(|x| x == s)
    }

    /// Position of a variable in lavaan's order of all variables (latent, then observed):
    /// a covariance is written with the earlier variable on the left.
    pub(super) fn order(&self, s: &str) -> usize {
        self.lv_names
            .iter()
            .chain(self.ov_names.iter())
            .position(|x| x == s)
            .unwrap_or(usize::MAX)
    }
}

fn unique<'a>(it: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut v = Vec::new();
    for s in it {
        push_unique(&mut v, s);
    }
    v
}

/// Classify the variables of the statements.
pub(super) fn classify(st: &Statements) -> Result<Vars, TableError> {
    let rows = &st.user_rows;
    let of = |op: Op| rows.iter().filter(move |u| u.op == op);
    let lv_names = unique(of(Op::Loading).map(|u| &u.lhs));
    let is_lv = |s: &String| lv_names.contains(s);
    let v_ind = unique(of(Op::Loading).map(|u| &u.rhs));
    let eqs_y = unique(of(Op::Regression).map(|u| &u.lhs));
    let eqs_x = unique(of(Op::Regression).map(|u| &u.rhs));

    let ov_ind: Vec<String> = v_ind.iter().filter(|v| !is_lv(v)).cloned().collect();
    let ov_dep: Vec<String> = eqs_y
        .iter()
        .filter(|v| !is_lv(v) && !ov_ind.contains(v))
        .cloned()
        .collect();
    let ov_pred: Vec<String> = eqs_x
        .iter()
        .filter(|v| !is_lv(v) && !ov_ind.contains(v) && !ov_dep.contains(v))
        .cloned()
        .collect();
    let mut ov_names: Vec<String> = ov_ind
        .iter()
        .chain(&ov_dep)
        .chain(&ov_pred)
        .cloned()
        .collect();
    let cov_lhs = of(Op::Covariance).map(|u| &u.lhs);
    let cov_rhs = of(Op::Covariance).map(|u| &u.rhs);
    let int_lhs = of(Op::Intercept).map(|u| &u.lhs);
    for v in cov_lhs.chain(cov_rhs).chain(int_lhs) {
        if !is_lv(v) {
            push_unique(&mut ov_names, v);
        }
    }
    for d in st.definitions.iter() {
        if lv_names.contains(&d.name) || ov_names.contains(&d.name) {
            return Err(invalid(
                d.line,
                format!("defined parameter '{}' has the name of a variable", d.name),
            ));
        }
    }

    // A predictor whose variance, covariance or mean the user writes is not an exogenous
    // covariate (lavaan ≥ 0.6-12, `lav_partable_vnames` type "ov.x").
    let user_moment = |v: &String| {
        rows.iter().any(|u| {
            (u.op == Op::Covariance && (u.lhs == *v || u.rhs == *v))
                || (u.op == Op::Intercept && u.lhs == *v)
        })
    };
    let ov_x: Vec<String> = ov_pred
        .iter()
        .filter(|v| !user_moment(v))
        .cloned()
        .collect();
    let ov_nox: Vec<String> = ov_names
        .iter()
        .filter(|v| !ov_x.contains(v))
        .cloned()
        .collect();

    let lv_x: Vec<String> = lv_names
        .iter()
        .filter(|v| !v_ind.contains(v) && !eqs_y.contains(v))
        .cloned()
        .collect();
    let pure_y = |v: &String| eqs_y.contains(v) && !v_ind.contains(v) && !eqs_x.contains(v);
    let lv_y: Vec<String> = lv_names.iter().filter(|v| pure_y(v)).cloned().collect();
    let ov_y: Vec<String> = ov_names
        .iter()
        .filter(|v| pure_y(v) && !is_lv(v))
        .cloned()
        .collect();
    let lvov_y = lv_y.iter().chain(&ov_y).cloned().collect();

    Ok(Vars {
        lv_names,
        ov_names,
        ov_x,
        ov_nox,
        lv_x,
        lvov_y,
        lv_y,
    })
}
