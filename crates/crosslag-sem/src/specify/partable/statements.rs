//! The statements of a model as rows before groups: relations with their terms (whose
//! modifiers stay per group), `==`/`<`/`>` constraints and `:=` definitions.

use super::table::{invalid, Constraint, Definition, Op, TableError, UserRow};
use crate::syntax::{ModelSyntax, RelOp, Statement};

/// What the syntax says, before lavaan's defaults.
pub(super) struct Statements<'a> {
    pub(super) user_rows: Vec<UserRow<'a>>,
    pub(super) constraints: Vec<Constraint>,
    pub(super) definitions: Vec<Definition>,
    /// Some `x ~ 1` was written (a mean structure).
    pub(super) has_intercepts: bool,
}

/// Collect the statements; a relation written twice is an error.
pub(super) fn collect(model: &ModelSyntax) -> Result<Statements<'_>, TableError> {
    let mut user_rows: Vec<UserRow> = Vec::new();
    let mut constraints = Vec::new();
    let mut definitions = Vec::new();
    let mut has_intercepts = false;
    for st in &model.statements {
        match st {
            Statement::Relation { lhs, op, rhs, pos } => {
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
                        let dup = user_rows.iter().any(|u| {
                            u.op == op
                                && ((u.lhs == *l && u.rhs == r)
                                    || (op == Op::Covariance && u.lhs == r && u.rhs == *l))
                        });
                        if dup {
                            return Err(invalid(
                                pos.line,
                                format!("'{l} {} {r}' is specified twice", op.as_str()),
                            ));
                        }
                        user_rows.push(UserRow {
                            lhs: l.clone(),
                            op,
                            rhs: r,
                            term: t,
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
