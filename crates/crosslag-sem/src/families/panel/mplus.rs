//! The generated model as an Mplus `MODEL` section.
//!
//! Mplus spelling (Mplus User's Guide, ch. 17): `f BY y@1` (loading fixed), `y ON x`
//! (regression), `a WITH b` (covariance), `v` / `v@0` (variance, fixed variance), `[y]` /
//! `[y@0]` (intercept or mean), `*` frees a parameter, and a label in parentheses at the end of
//! a line names every parameter on that line; parameters that share a label are equal. "Only
//! one label can appear on a line", so labelled terms get lines of their own. Mplus lines are
//! limited to 90 characters; long lists are split into several statements (which is the same
//! model). Non-linear constraints go to `MODEL CONSTRAINT`, with `*` and `/` for the arithmetic.
//!
//! Defaults that differ from lavaan's, and how the text makes the model the same:
//! - Mplus correlates exogenous factors (and some residuals) by default; every covariance of
//!   the model is written out, so the section is meant for `ANALYSIS: MODEL = NOCOVARIANCES;`
//!   (as the RI-CLPM site's Mplus code does), and the zero covariances are also written (`@0`).
//! - In several groups Mplus holds loadings and intercepts equal across groups and frees the
//!   latent means of groups 2, …; lavaan frees everything per group. The group-specific
//!   sections (`MODEL g2:`) restate the free loadings and intercepts and fix the latent means
//!   at 0, so that only labels tie groups together, as in lavaan. lavaan's
//!   `group.equal = "regressions"` becomes one label per regression, shared by all groups.

use super::ir::{number, Coef, Item, Rel, Spec, Term};

/// Longest line written (Mplus reads at most 90 characters per line).
const WIDTH: usize = 85;

/// How the model is fitted, as far as the Mplus text depends on it.
pub(crate) struct MplusContext<'a> {
    /// Header comment lines (without `!`).
    pub header: &'a [String],
    /// Group names for `MODEL name:` sections; empty for one group.
    pub groups: &'a [String],
    /// lavaan `group.equal = "regressions"`: every regression equal across groups.
    pub regressions_equal: bool,
}

/// Writes `spec` as an Mplus MODEL section (with MODEL CONSTRAINT when needed).
pub(crate) fn render(spec: &Spec, ctx: &MplusContext<'_>) -> String {
    let spec = if ctx.regressions_equal && ctx.groups.len() > 1 {
        label_regressions(spec)
    } else {
        spec.clone()
    };
    let mut out = String::new();
    for h in ctx.header {
        for line in wrap_comment(h) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push_str("MODEL:\n");
    let mut after_statement = false;
    for it in &spec.items {
        match it {
            Item::Comment(c) if c.is_empty() => out.push('\n'),
            Item::Comment(c) => {
                if after_statement {
                    out.push('\n');
                }
                for line in wrap_comment(c) {
                    out.push_str("  ");
                    out.push_str(&line);
                    out.push('\n');
                }
            }
            Item::Relation { lhs, rel, rhs } => {
                for line in relation(lhs, *rel, rhs, 0) {
                    out.push_str("  ");
                    out.push_str(&line);
                    out.push('\n');
                }
            }
            Item::Constraint { .. } => {}
        }
        after_statement = matches!(it, Item::Relation { .. });
    }
    // group-specific sections: what lavaan frees per group but Mplus would hold equal,
    // and group-specific labels
    let latent = spec.latent_variables();
    let with_mean: Vec<&String> = spec
        .items
        .iter()
        .filter_map(|it| match it {
            Item::Relation {
                lhs,
                rel: Rel::Intercept,
                ..
            } => Some(lhs),
            _ => None,
        })
        .flatten()
        .collect();
    for (g, name) in ctx.groups.iter().enumerate().skip(1) {
        out.push('\n');
        out.push_str(&format!("MODEL {name}:\n"));
        out.push_str(
            "  ! free per group in lavaan: loadings, intercepts and group-specific labels\n",
        );
        for it in &spec.items {
            if let Item::Relation { lhs, rel, rhs } = it {
                let keep: Vec<Term> = rhs
                    .iter()
                    .filter(|t| match &t.coef {
                        Coef::PerGroup(_) => true,
                        Coef::Free => matches!(rel, Rel::Intercept | Rel::Loading),
                        _ => false,
                    })
                    .cloned()
                    .collect();
                if keep.is_empty() {
                    continue;
                }
                for line in relation(lhs, *rel, &keep, g) {
                    out.push_str("  ");
                    out.push_str(&line);
                    out.push('\n');
                }
            }
        }
        let zero_means: Vec<String> = latent
            .iter()
            .filter(|l| !with_mean.contains(l))
            .map(|l| format!("{l}@0"))
            .collect();
        if !zero_means.is_empty() {
            out.push_str("  ! latent means fixed at 0 in every group, as in lavaan\n");
            for line in chunk("[", &zero_means, "];") {
                out.push_str("  ");
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    let constraints: Vec<&String> = spec
        .items
        .iter()
        .filter_map(|it| match it {
            Item::Constraint { mplus, .. } => Some(mplus),
            _ => None,
        })
        .collect();
    if !constraints.is_empty() {
        out.push('\n');
        out.push_str("MODEL CONSTRAINT:\n");
        for c in constraints {
            out.push_str("  ");
            out.push_str(c);
            out.push_str(";\n");
        }
    }
    out
}

/// A copy of `spec` in which every free regression coefficient has a label of its own
/// (`gr1`, `gr2`, …), so that it is equal across groups (lavaan's `group.equal`).
fn label_regressions(spec: &Spec) -> Spec {
    let mut out = Spec::default();
    let mut k = 0;
    for it in &spec.items {
        match it {
            Item::Relation {
                lhs,
                rel: Rel::Regression,
                rhs,
            } if rhs.iter().any(|t| t.coef == Coef::Free) => {
                for l in lhs {
                    let terms: Vec<Term> = rhs
                        .iter()
                        .map(|t| {
                            if t.coef == Coef::Free {
                                k += 1;
                                Term {
                                    coef: Coef::Label(format!("gr{k}")),
                                    var: t.var.clone(),
                                }
                            } else {
                                t.clone()
                            }
                        })
                        .collect();
                    out.relation(vec![l.clone()], Rel::Regression, terms);
                }
            }
            other => out.items.push(other.clone()),
        }
    }
    out
}

fn wrap_comment(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::from("!");
    for w in text.split_whitespace() {
        if cur.len() + 1 + w.len() > WIDTH && cur.len() > 1 {
            lines.push(std::mem::replace(&mut cur, String::from("!")));
        }
        cur.push(' ');
        cur.push_str(w);
    }
    lines.push(cur);
    lines
}

/// `prefix tok tok …suffix`, split into several statements when longer than [`WIDTH`].
fn chunk(prefix: &str, tokens: &[String], suffix: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    let sep = if prefix.ends_with('[') { "" } else { " " };
    let len = |cur: &[&str], extra: usize| {
        prefix.len()
            + sep.len()
            + cur.iter().map(|t| t.len() + 1).sum::<usize>()
            + extra
            + suffix.len()
    };
    for t in tokens {
        if !cur.is_empty() && len(&cur, t.len()) > WIDTH {
            lines.push(format!("{prefix}{sep}{}{suffix}", cur.join(" ")));
            cur.clear();
        }
        cur.push(t);
    }
    if !cur.is_empty() {
        lines.push(format!("{prefix}{sep}{}{suffix}", cur.join(" ")));
    }
    lines
}

/// The Mplus lines of one relation in group `g` (0-based).
fn relation(lhs: &[String], rel: Rel, rhs: &[Term], g: usize) -> Vec<String> {
    // partition the terms: fixed and free ones can share a statement; each label gets its own
    let mut plain: Vec<&Term> = Vec::new();
    let mut labelled: Vec<(String, Vec<&Term>)> = Vec::new();
    for t in rhs {
        match t.coef.label_in(g) {
            Some(l) => match labelled.iter_mut().find(|(x, _)| x == l) {
                Some((_, v)) => v.push(t),
                None => labelled.push((l.to_string(), vec![t])),
            },
            None => plain.push(t),
        }
    }
    let mut lines = Vec::new();
    match rel {
        Rel::Intercept => {
            // lhs are the variables; rhs is the single term "1"
            for t in &plain {
                let toks: Vec<String> = lhs.iter().map(|v| with_coef(v, &t.coef, false)).collect();
                lines.extend(chunk("[", &toks, "];"));
            }
            for (l, _) in &labelled {
                lines.extend(chunk("[", lhs, &format!("] ({l});")));
            }
        }
        Rel::Covariance if lhs.len() == 1 && rhs.iter().all(|t| t.var == lhs[0]) => {
            for t in &plain {
                lines.push(format!("{};", with_coef(&lhs[0], &t.coef, false)));
            }
            for (l, _) in &labelled {
                lines.push(format!("{} ({l});", lhs[0]));
            }
        }
        _ => {
            let op = match rel {
                Rel::Loading => "BY",
                Rel::Regression => "ON",
                _ => "WITH",
            };
            let loading = rel == Rel::Loading;
            for l in lhs {
                let prefix = format!("{l} {op}");
                if !plain.is_empty() {
                    let toks: Vec<String> = plain
                        .iter()
                        .map(|t| with_coef(&t.var, &t.coef, loading))
                        .collect();
                    lines.extend(chunk(&prefix, &toks, ";"));
                }
                for (lab, terms) in &labelled {
                    let toks: Vec<String> = terms
                        .iter()
                        .map(|t| {
                            if loading {
                                format!("{}*", t.var)
                            } else {
                                t.var.clone()
                            }
                        })
                        .collect();
                    lines.extend(chunk(&prefix, &toks, &format!(" ({lab});")));
                }
            }
        }
    }
    lines
}

/// `v@value` for fixed, `v*` for a free loading (Mplus would fix the first one), else `v`.
fn with_coef(v: &str, coef: &Coef, loading: bool) -> String {
    match coef {
        Coef::Fixed(x) => format!("{v}@{}", number(*x)),
        _ if loading => format!("{v}*"),
        _ => v.to_string(),
    }
}
