//! Restricted versions of a generated panel model, by editing its parsed statements.
//!
//! The panel declaration has no option "cross-lagged effects fixed at 0" or "cross-lagged
//! (but not autoregressive) effects equal across groups", so the restricted models are made
//! from the generated syntax: it is parsed ([`crate::syntax::parse`]), every relation with
//! several left-hand sides is split into one relation per left-hand side (the same model in
//! lavaan's semantics), the modifiers of the selected regression terms are changed, and the
//! statements are written back as lavaan syntax ([`render`]). Nothing else changes, so the
//! restricted model is nested in the generated one by construction.
//!
//! * [`fix_at_zero`]: the terms `lhs ~ rhs` of the given pairs get the fixed value 0 (in every
//!   group, or only in one group: `c(0, NA)*w_x_1`); their label is dropped in the groups
//!   where they are fixed (a label shared by the fixed copies only would otherwise tie them
//!   to nothing).
//! * [`equal_across_groups`]: the terms get one label for all groups (`lab*w_x_1`), replacing
//!   any label; a term that shares its label over waves (constrained lagged effects) keeps
//!   sharing it, so equality over time is kept.

use crate::syntax::{self, ModelSyntax, Modifiers, RelOp, Statement, SyntaxError, Term};

/// A regression `lhs ~ rhs` (a term of a relation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub lhs: String,
    pub rhs: String,
}

fn vector<T: Clone>(v: &Option<Vec<T>>, ngroups: usize) -> Option<Vec<T>> {
    v.as_ref().map(|v| {
        if v.len() == 1 {
            vec![v[0].clone(); ngroups]
        } else {
            v.clone()
        }
    })
}

/// Splits `a + b ~ x` into `a ~ x` and `b ~ x`.
fn split_lhs(syn: ModelSyntax) -> ModelSyntax {
    let mut out = Vec::new();
    for st in syn.statements {
        match st {
            Statement::Relation { lhs, op, rhs, pos } if lhs.len() > 1 => {
                for l in lhs {
                    out.push(Statement::Relation {
                        lhs: vec![l],
                        op,
                        rhs: rhs.clone(),
                        pos,
                    });
                }
            }
            other => out.push(other),
        }
    }
    ModelSyntax { statements: out }
}

/// Applies `f` to every regression term that is one of `paths`; returns how many matched.
fn edit_terms(syn: &mut ModelSyntax, paths: &[Path], mut f: impl FnMut(&mut Term, usize)) -> usize {
    let mut n = 0;
    for st in &mut syn.statements {
        if let Statement::Relation {
            lhs,
            op: RelOp::Regression,
            rhs,
            ..
        } = st
        {
            for t in rhs.iter_mut() {
                if let Some(k) = paths.iter().position(|p| p.lhs == lhs[0] && p.rhs == t.var) {
                    f(t, k);
                    n += 1;
                }
            }
        }
    }
    n
}

/// Why a model cannot be edited.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    #[error("the generated model does not parse: {0}")]
    Syntax(#[from] SyntaxError),
    #[error("the model has no regression {0}")]
    Missing(String),
}

fn parse(text: &str) -> Result<ModelSyntax, EditError> {
    Ok(split_lhs(syntax::parse(text)?))
}

fn check_all(found: usize, paths: &[Path]) -> Result<(), EditError> {
    if found < paths.len() {
        return Err(EditError::Missing(
            paths
                .iter()
                .map(|p| format!("{} ~ {}", p.lhs, p.rhs))
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    Ok(())
}

/// The model with the regressions `paths` fixed at 0: in every group (`group = None`) or in
/// group `g` (0-based) of `ngroups` only.
pub fn fix_at_zero(
    text: &str,
    paths: &[Path],
    group: Option<usize>,
    ngroups: usize,
) -> Result<String, EditError> {
    let mut syn = parse(text)?;
    let found = edit_terms(&mut syn, paths, |t, _| match group {
        None => {
            t.modifiers.fixed = Some(vec![Some(0.0)]);
            t.modifiers.label = None;
            t.modifiers.start = None;
        }
        Some(g) => {
            let mut fixed =
                vector(&t.modifiers.fixed, ngroups).unwrap_or_else(|| vec![None; ngroups]);
            fixed[g] = Some(0.0);
            t.modifiers.fixed = Some(fixed);
            if let Some(mut labels) = vector(&t.modifiers.label, ngroups) {
                labels[g] = None;
                t.modifiers.label = labels.iter().any(Option::is_some).then_some(labels);
            }
            if let Some(mut start) = vector(&t.modifiers.start, ngroups) {
                start[g] = 0.0;
                t.modifiers.start = Some(start);
            }
        }
    });
    check_all(found, paths)?;
    Ok(render(&syn))
}

/// The model with the regressions `paths` equal across groups: term k gets the label
/// `labels[k]` in every group.
pub fn equal_across_groups(
    text: &str,
    paths: &[Path],
    labels: &[String],
) -> Result<String, EditError> {
    let mut syn = parse(text)?;
    let found = edit_terms(&mut syn, paths, |t, k| {
        t.modifiers.label = Some(vec![Some(labels[k].clone())]);
    });
    check_all(found, paths)?;
    Ok(render(&syn))
}

/// A number as lavaan reads it back: integers without a decimal point, otherwise the
/// shortest form that parses to the same value.
fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:?}")
    }
}

fn modifier_text(m: &Modifiers) -> String {
    let mut out = String::new();
    let num = |v: &Option<f64>| v.map_or("NA".to_string(), format_number);
    if let Some(f) = &m.fixed {
        if f.len() == 1 {
            out.push_str(&num(&f[0]));
        } else {
            out.push_str(&format!(
                "c({})",
                f.iter().map(num).collect::<Vec<_>>().join(",")
            ));
        }
        out.push('*');
    }
    if let Some(l) = &m.label {
        let text: Vec<String> = l
            .iter()
            .map(|x| x.clone().unwrap_or_else(|| "NA".into()))
            .collect();
        if l.len() == 1 {
            out.push_str(&text[0]);
        } else if l.iter().any(Option::is_none) {
            out.push_str(&format!("label({})", text.join(",")));
        } else {
            out.push_str(&format!("c({})", text.join(",")));
        }
        out.push('*');
    }
    if let Some(s) = &m.start {
        let text: Vec<String> = s.iter().map(|v| format_number(*v)).collect();
        out.push_str(&format!("start(c({}))*", text.join(",")));
    }
    out
}

/// Writes statements back as lavaan syntax, one per line.
pub fn render(syn: &ModelSyntax) -> String {
    let mut out = String::new();
    for st in &syn.statements {
        match st {
            Statement::Relation { lhs, op, rhs, .. } => {
                let terms: Vec<String> = rhs
                    .iter()
                    .map(|t| format!("{}{}", modifier_text(&t.modifiers), t.var))
                    .collect();
                out.push_str(&format!(
                    "{} {} {}\n",
                    lhs.join(" + "),
                    op.as_str(),
                    terms.join(" + ")
                ));
            }
            Statement::Constraint { lhs, op, rhs, .. } => {
                out.push_str(&format!(
                    "{} {} {}\n",
                    lhs.to_lavaan(),
                    op.as_str(),
                    rhs.to_lavaan()
                ));
            }
            Statement::Definition { name, expr, .. } => {
                out.push_str(&format!("{name} := {}\n", expr.to_lavaan()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = "RI_x =~ 1*x_1 + 1*x_2\nw_x_2 + w_y_2 ~ c(a_g1, a_g2)*w_x_1 + w_y_1\nw_x_2 ~~ start(0.5)*w_x_2\nd := a_g1 - a_g2\n";

    fn path(l: &str, r: &str) -> Path {
        Path {
            lhs: l.into(),
            rhs: r.into(),
        }
    }

    #[test]
    fn renders_what_it_parses() {
        let syn = parse(MODEL).unwrap();
        let text = render(&syn);
        assert!(
            text.contains("w_x_2 ~ c(a_g1,a_g2)*w_x_1 + w_y_1\n"),
            "{text}"
        );
        assert!(text.contains("w_y_2 ~ c(a_g1,a_g2)*w_x_1 + w_y_1\n"));
        assert!(text.contains("w_x_2 ~~ start(c(0.5))*w_x_2\n"));
        assert!(text.contains("d := a_g1-a_g2\n"));
        // statements are equal after a round trip (positions aside)
        let again = parse(&text).unwrap();
        assert_eq!(again.statements.len(), syn.statements.len());
    }

    #[test]
    fn fixes_paths_in_all_or_one_group() {
        let all = fix_at_zero(MODEL, &[path("w_y_2", "w_x_1")], None, 2).unwrap();
        assert!(all.contains("w_y_2 ~ 0*w_x_1 + w_y_1\n"), "{all}");
        assert!(all.contains("w_x_2 ~ c(a_g1,a_g2)*w_x_1"));
        let one = fix_at_zero(MODEL, &[path("w_y_2", "w_x_1")], Some(1), 2).unwrap();
        assert!(
            one.contains("w_y_2 ~ c(NA,0)*label(a_g1,NA)*w_x_1 + w_y_1\n"),
            "{one}"
        );
        let back = syntax::parse(&one).unwrap();
        assert_eq!(back.statements.len(), 5);
        assert!(matches!(
            fix_at_zero(MODEL, &[path("w_y_2", "w_z_1")], None, 1),
            Err(EditError::Missing(_))
        ));
    }

    #[test]
    fn equal_labels_across_groups() {
        let eq = equal_across_groups(
            MODEL,
            &[path("w_y_2", "w_x_1"), path("w_x_2", "w_y_1")],
            &["e1".into(), "e2".into()],
        )
        .unwrap();
        assert!(eq.contains("w_y_2 ~ e1*w_x_1 + w_y_1\n"), "{eq}");
        assert!(
            eq.contains("w_x_2 ~ c(a_g1,a_g2)*w_x_1 + e2*w_y_1\n"),
            "{eq}"
        );
    }
}
