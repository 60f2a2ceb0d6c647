//! Checks across statements.
//!
//! [`check_statements`] runs inside [`super::parse`]: what is wrong whatever the data and
//! options are — a `:=` defined twice, definitions that refer to themselves or to each other in
//! a loop, chains of definitions nested too deeply to evaluate, and two constraints that fix the
//! same label (`a == 1; a == 2`).
//!
//! [`check_model`] needs what only the parameter table knows (the number of groups, labels the
//! table adds itself) and is called when the table is built: every modifier vector must have
//! one value or one per group, and every name in a `:=` or a constraint must be a label or a
//! defined parameter.

use std::collections::HashMap;

use super::ast::{ConstraintOp, ModelSyntax, Pos, Statement, SyntaxError};
use super::expr::Expr;
use super::expr_parser::MAX_EXPR_DEPTH;

/// The deepest a definition (or constraint) may be once the definitions it uses are expanded:
/// the sum of the depths of the expressions along the longest chain of references.
pub const MAX_DEFINITION_DEPTH: usize = 2 * MAX_EXPR_DEPTH;

/// At most this many characters of an expression are quoted in a message.
const QUOTE: usize = 60;

fn quoted(text: String) -> String {
    if text.chars().count() <= QUOTE {
        text
    } else {
        let mut s: String = text.chars().take(QUOTE).collect();
        s.push('…');
        s
    }
}

fn definition_text(name: &str, expr: &Expr) -> String {
    quoted(format!("{name} := {}", expr.to_lavaan()))
}

fn constraint_text(lhs: &Expr, op: ConstraintOp, rhs: &Expr) -> String {
    quoted(format!(
        "{} {} {}",
        lhs.to_lavaan(),
        op.as_str(),
        rhs.to_lavaan()
    ))
}

struct Def<'a> {
    name: &'a str,
    expr: &'a Expr,
    pos: Pos,
}

/// The checks of [`super::parse`] (see the module documentation).
pub(crate) fn check_statements(statements: &[Statement]) -> Result<(), SyntaxError> {
    let mut defs: Vec<Def> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for st in statements {
        if let Statement::Definition { name, expr, pos } = st {
            if let Some(&k) = index.get(name.as_str()) {
                return Err(SyntaxError::at(
                    *pos,
                    format!(
                        "`{name}` is defined twice (lines {} and {}); give each `:=` its own name",
                        defs[k].pos.line, pos.line
                    ),
                ));
            }
            index.insert(name, defs.len());
            defs.push(Def {
                name,
                expr,
                pos: *pos,
            });
        }
    }
    let refs: Vec<Vec<usize>> = defs
        .iter()
        .map(|d| {
            d.expr
                .variables()
                .iter()
                .filter_map(|v| index.get(v.as_str()).copied())
                .collect()
        })
        .collect();
    let order = post_order(&defs, &refs)?;

    // Depth once the definitions used are expanded, in an order where the used come first.
    let mut expanded = vec![0usize; defs.len()];
    for &i in &order {
        let below = refs[i].iter().map(|&j| expanded[j]).max().unwrap_or(0);
        expanded[i] = defs[i].expr.depth() + below;
        if expanded[i] > MAX_DEFINITION_DEPTH {
            let d = &defs[i];
            return Err(SyntaxError::at(
                d.pos,
                format!(
                    "`{}` is nested too deeply through other definitions: more than {MAX_DEFINITION_DEPTH} levels once they are expanded",
                    d.name
                ),
            ));
        }
    }

    let mut fixed_by: HashMap<&str, (f64, String, usize)> = HashMap::new();
    for st in statements {
        let Statement::Constraint { lhs, op, rhs, pos } = st else {
            continue;
        };
        let below = lhs
            .variables()
            .iter()
            .chain(rhs.variables().iter())
            .filter_map(|v| index.get(v.as_str()).map(|&j| expanded[j]))
            .max()
            .unwrap_or(0);
        if lhs.depth().max(rhs.depth()) + below > MAX_DEFINITION_DEPTH {
            return Err(SyntaxError::at(
                *pos,
                format!(
                    "the constraint `{}` is nested too deeply through definitions: more than {MAX_DEFINITION_DEPTH} levels once they are expanded",
                    constraint_text(lhs, *op, rhs)
                ),
            ));
        }
        if *op != ConstraintOp::Eq {
            continue;
        }
        let pinned = match (lhs, rhs) {
            (Expr::Var(name), other) | (other, Expr::Var(name)) if other.variables().is_empty() => {
                other.eval(&|_| None).ok().map(|v| (name, v))
            }
            _ => None,
        };
        let Some((name, value)) = pinned else {
            continue;
        };
        let text = constraint_text(lhs, *op, rhs);
        match fixed_by.get(name.as_str()) {
            Some((first, first_text, line)) => {
                let message = if first.to_bits() == value.to_bits() {
                    format!(
                        "`{text}` is given twice (lines {line} and {}); drop one",
                        pos.line
                    )
                } else {
                    format!(
                        "contradicting constraints on `{name}`: `{first_text}` (line {line}) and `{text}` (line {})",
                        pos.line
                    )
                };
                return Err(SyntaxError::at(*pos, message));
            }
            None => {
                fixed_by.insert(name, (value, text, pos.line));
            }
        }
    }
    Ok(())
}

/// The definitions in an order where every definition comes after those it uses; an error
/// naming the labels when definitions refer to themselves or to each other in a loop.
/// Iterative, so a long chain of definitions cannot exhaust the stack.
fn post_order(defs: &[Def], refs: &[Vec<usize>]) -> Result<Vec<usize>, SyntaxError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark = vec![Mark::New; defs.len()];
    let mut order = Vec::with_capacity(defs.len());
    for root in 0..defs.len() {
        if mark[root] != Mark::New {
            continue;
        }
        // (definition, next reference to follow)
        let mut stack = vec![(root, 0usize)];
        mark[root] = Mark::Open;
        while let Some(top) = stack.last_mut() {
            let (i, k) = *top;
            let Some(&j) = refs[i].get(k) else {
                mark[i] = Mark::Done;
                order.push(i);
                stack.pop();
                continue;
            };
            top.1 += 1;
            match mark[j] {
                Mark::Done => {}
                Mark::New => {
                    mark[j] = Mark::Open;
                    stack.push((j, 0));
                }
                Mark::Open => {
                    let d = &defs[j];
                    if i == j {
                        return Err(SyntaxError::at(
                            d.pos,
                            format!(
                                "`{}` refers to itself (`{}`); a defined parameter cannot be used in its own definition",
                                d.name,
                                definition_text(d.name, d.expr)
                            ),
                        ));
                    }
                    let from = stack.iter().position(|&(s, _)| s == j).unwrap_or(0);
                    let mut names: Vec<&str> =
                        stack[from..].iter().map(|&(s, _)| defs[s].name).collect();
                    names.push(d.name);
                    return Err(SyntaxError::at(
                        d.pos,
                        format!(
                            "defined parameters refer to each other in a loop: {} (each `:=` must be computable from labels and earlier-resolved definitions)",
                            names.join(" → ")
                        ),
                    ));
                }
            }
        }
    }
    Ok(order)
}

/// Checks a model against what the parameter table knows: `ngroups` groups, and `is_label`
/// for the labels the table has beyond those written in the syntax (e.g. `.p1.` from
/// `group.equal`).
///
/// * every modifier vector (`c(a, b)*x`, `c(1, NA)*x`, `start(c(1, 2))*x`) has one value or
///   one per group;
/// * every name used in a `:=` or a constraint is a label of the model (written with a
///   modifier, or known to `is_label`) or a defined parameter.
///
/// [`super::parse`] does not call this; the builder of the parameter table must.
pub fn check_model(
    model: &ModelSyntax,
    ngroups: usize,
    is_label: &dyn Fn(&str) -> bool,
) -> Result<(), SyntaxError> {
    let mut labels: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for st in &model.statements {
        match st {
            Statement::Relation { lhs, op, rhs, .. } => {
                for t in rhs {
                    let m = &t.modifiers;
                    let lengths = [
                        m.fixed.as_ref().map(Vec::len),
                        m.label.as_ref().map(Vec::len),
                        m.start.as_ref().map(Vec::len),
                    ];
                    if let Some(n) = lengths
                        .into_iter()
                        .flatten()
                        .find(|&n| n != 1 && n != ngroups)
                    {
                        let var = if t.var == "1" { "1" } else { t.var.as_str() };
                        return Err(SyntaxError::at(
                            t.pos,
                            format!(
                                "wrong number of values in the modifier of `{} {} {var}`: {n} given, but the model has {ngroups} group{} (give one value for all groups, or one per group)",
                                lhs.join(" + "),
                                op.as_str(),
                                if ngroups == 1 { "" } else { "s" }
                            ),
                        ));
                    }
                    if let Some(ls) = &m.label {
                        labels.extend(ls.iter().flatten().map(String::as_str));
                    }
                }
            }
            Statement::Definition { name, .. } => {
                labels.insert(name);
            }
            Statement::Constraint { .. } => {}
        }
    }
    let known = |v: &str| labels.contains(v) || is_label(v);
    let hint = "label a parameter with a modifier (e.g. `y ~ b*x`) or define the name with `:=`";
    for st in &model.statements {
        match st {
            Statement::Definition { name, expr, pos } => {
                if let Some(v) = expr.variables().into_iter().find(|v| !known(v)) {
                    return Err(SyntaxError::at(
                        *pos,
                        format!(
                            "unknown label `{v}` in the definition `{}`; {hint}",
                            definition_text(name, expr)
                        ),
                    ));
                }
            }
            Statement::Constraint { lhs, op, rhs, pos } => {
                let vars = lhs.variables().into_iter().chain(rhs.variables());
                if let Some(v) = vars.into_iter().find(|v| !known(v)) {
                    return Err(SyntaxError::at(
                        *pos,
                        format!(
                            "unknown label `{v}` in the constraint `{}`; {hint}",
                            constraint_text(lhs, *op, rhs)
                        ),
                    ));
                }
            }
            Statement::Relation { .. } => {}
        }
    }
    Ok(())
}
