//! The statements of a model as rows before groups: relations with their terms (whose
//! modifiers stay per group), `==`/`<`/`>` constraints and `:=` definitions.
//!
//! As lavaan's parser (`lavParseModelString`): a variable named twice on the right of one
//! formula is one term whose modifiers are merged (`f =~ a*x2 + start(.7)*x2`: the first of
//! each kind counts); the same relation in two formulas is an error ("duplicate model
//! element"), for covariances in either order.

use super::table::{invalid, Constraint, Definition, Op, TableError, UserRow};
use crate::syntax::{ModelSyntax, Modifiers, RelOp, Statement};

/// What the syntax says, before lavaan's defaults.
pub(super) struct Statements {
    pub(super) user_rows: Vec<UserRow>,
    pub(super) constraints: Vec<Constraint>,
    pub(super) definitions: Vec<Definition>,
    /// Some `x ~ 1` was written (a mean structure).
    pub(super) has_intercepts: bool,
}

/// Collect the statements; a relation written twice is an error.
pub(super) fn collect(model: &ModelSyntax) -> Result<Statements, TableError> {
    let mut user_rows: Vec<UserRow> = Vec::new();
    let mut constraints = Vec::new();
    let mut definitions = Vec::new();
    let mut has_intercepts = false;
    for st in &model.statements {
        match st {
            Statement::Relation { lhs, op, rhs, pos } => {
                let first_of_statement = user_rows.len();
                for l in lhs {
                    for t in rhs {
                        let (op, r) = match op {
                            RelOp::Loading => (Op::Loading, t.var.clone()),
                            RelOp::Covariance => (Op::Covariance, t.var.clone()),
                            RelOp::Regression if t.var == "1" => {
                                has_intercepts = true;
                                (Op::Intercept, String::new())
                            }
                            RelOp::Regression => (Op::Regression, t.var.clone()),
                        };
                        if op == Op::Loading && t.var == "1" {
                            return Err(invalid(pos.line, format!("'{l} =~ 1' is not a loading")));
                        }
                        let same = |u: &UserRow| {
                            u.op == op
                                && ((u.lhs == *l && u.rhs == r)
                                    || (op == Op::Covariance && u.lhs == r && u.rhs == *l))
                        };
                        if let Some(k) = user_rows[first_of_statement..].iter().position(same) {
                            let u = &mut user_rows[first_of_statement + k];
                            u.modifiers = merged(&u.modifiers, &t.modifiers);
                            continue;
                        }
                        if user_rows.iter().any(same) {
                            return Err(invalid(
                                pos.line,
                                format!("'{l} {} {r}' is specified twice", op.as_str()),
                            ));
                        }
                        user_rows.push(UserRow {
                            lhs: l.clone(),
                            op,
                            rhs: r,
                            is_one: t.var == "1",
                            modifiers: t.modifiers.clone(),
                            line: pos.line,
                        });
                    }
                }
            }
            Statement::Constraint { lhs, op, rhs, pos } => constraints.push(Constraint {
                lhs: lhs.clone(),
                op: *op,
                rhs: rhs.clone(),
                line: pos.line,
            }),
            Statement::Definition { name, expr, pos } => definitions.push(Definition {
                name: name.clone(),
                expr: expr.clone(),
                line: pos.line,
            }),
        }
    }
    if user_rows.is_empty() {
        return Err(TableError::Empty);
    }

    Ok(Statements {
        user_rows,
        constraints,
        definitions,
        has_intercepts,
    })
}

/// The modifiers of a term written twice in one formula: the first given of each kind
/// (R's `c(list(label = "a"), list(start = .7))$label`).
fn merged(first: &Modifiers, second: &Modifiers) -> Modifiers {
    Modifiers {
        fixed: first.fixed.clone().or_else(|| second.fixed.clone()),
        label: first.label.clone().or_else(|| second.label.clone()),
        start: first.start.clone().or_else(|| second.start.clone()),
    }
}
