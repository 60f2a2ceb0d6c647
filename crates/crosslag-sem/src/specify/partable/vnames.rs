//! Variable classification (lavaan `lav_partable_vnames`): latent variables, observed
//! variables in lavaan's order (indicators, dependent, independent, others), the exogenous
//! covariates that fixed.x fixes, and the exogenous latent variables.

use super::statements::Statements;
use super::table::{invalid, push_unique, Op, TableError};
use crate::specify::options::ModelOptions;

/// The variables of a model.
pub(super) struct Vars {
    pub(super) lv_names: Vec<String>,
    /// Observed variables in lavaan's order.
    pub(super) ov_names: Vec<String>,
    /// Exogenous observed covariates whose moments fixed.x fixes.
    pub(super) ov_x: Vec<String>,
    /// Exogenous observed covariates with free moments (fixed.x = FALSE).
    pub(super) free_x: Vec<String>,
    /// Latent variables that are not regressed on anything.
    pub(super) lv_x: Vec<String>,
}

impl Vars {
    pub(super) fn is_lv(&self, s: &str) -> bool {
        self.lv_names.iter().any(|x| x == s)
    }
}

/// Classify the variables of the statements.
pub(super) fn classify(st: &Statements, opts: &ModelOptions) -> Result<Vars, TableError> {
    let user_rows = &st.user_rows;
    let definitions = &st.definitions;
    // ---- variable classification (lav_partable_vnames) ----
    let mut lv_names: Vec<String> = Vec::new();
    for u in user_rows.iter() {
        if u.op == Op::Loading {
            push_unique(&mut lv_names, &u.lhs);
        }
    }
    let is_lv = |s: &str| lv_names.iter().any(|x| x == s);
    let mut ov_ind = Vec::new();
    for u in user_rows.iter().filter(|u| u.op == Op::Loading) {
        if !is_lv(&u.rhs) {
            push_unique(&mut ov_ind, &u.rhs);
        }
    }
    let mut ov_y = Vec::new();
    for u in user_rows.iter().filter(|u| u.op == Op::Regression) {
        if !is_lv(&u.lhs) && !ov_ind.contains(&u.lhs) {
            push_unique(&mut ov_y, &u.lhs);
        }
    }
    let mut ov_xs = Vec::new();
    for u in user_rows.iter().filter(|u| u.op == Op::Regression) {
        if !is_lv(&u.rhs) && !ov_ind.contains(&u.rhs) && !ov_y.contains(&u.rhs) {
            push_unique(&mut ov_xs, &u.rhs);
        }
    }
    let mut ov_names: Vec<String> = ov_ind.clone();
    ov_names.extend(ov_y.iter().cloned());
    ov_names.extend(ov_xs.iter().cloned());
    for u in user_rows.iter() {
        if matches!(u.op, Op::Covariance | Op::Intercept) {
            if !is_lv(&u.lhs) {
                push_unique(&mut ov_names, &u.lhs);
            }
            if u.op == Op::Covariance && !is_lv(&u.rhs) {
                push_unique(&mut ov_names, &u.rhs);
            }
        }
    }
    // Latent variables that are regressed on something or predict something but have no
    // indicators are an error (lavaan would treat them as observed and fail on the data).
    for d in definitions.iter() {
        if lv_names.contains(&d.name) || ov_names.contains(&d.name) {
            return Err(invalid(
                d.line,
                format!("defined parameter '{}' has the name of a variable", d.name),
            ));
        }
    }

    // Exogenous observed covariates (fixed.x): independent observed variables of `~`.
    let fixed_x = opts.fixed_x;
    // A predictor whose variance, covariance or mean the user writes is not a fixed.x
    // covariate (lavaan ≥ 0.6-12, `lav_partable_vnames`).
    let user_moment = |v: &String| {
        user_rows.iter().any(|u| {
            (u.op == Op::Covariance && (u.lhs == *v || u.rhs == *v))
                || (u.op == Op::Intercept && u.lhs == *v)
        })
    };
    let xs: Vec<String> = ov_xs.iter().filter(|v| !user_moment(v)).cloned().collect();
    // With fixed.x their moments are fixed at the sample values; without, they are free
    // parameters (lavaan adds the variances and covariances of the exogenous covariates in
    // either case, `lav_partable_flat` step d).
    let (ov_x, free_x): (Vec<String>, Vec<String>) = if fixed_x {
        (xs, Vec::new())
    } else {
        (Vec::new(), xs)
    };

    // endogenous = appears as lhs of ~ or as indicator
    let lv_y: Vec<&String> = lv_names
        .iter()
        .filter(|v| {
            user_rows
                .iter()
                .any(|u| u.op == Op::Regression && &u.lhs == *v)
        })
        .collect();
    let lv_x: Vec<String> = lv_names
        .iter()
        .filter(|v| !lv_y.contains(v))
        .cloned()
        .collect();

    Ok(Vars {
        lv_names,
        ov_names,
        ov_x,
        free_x,
        lv_x,
    })
}
