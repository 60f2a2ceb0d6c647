//! Checks that a declaration's options make sense for its family.

use super::declaration::{
    Constraint, Family, MultiGroup, PanelDeclaration, PanelError, PanelOptions,
};
use super::layout::{invalid, is_name, Layout};

/// Checks that the options make sense for the family.
pub(super) fn check_options(decl: &PanelDeclaration, lay: &Layout) -> Result<(), PanelError> {
    let o = &decl.options;
    check_family_options(decl, lay)?;
    check_time_invariant(o, lay)?;
    check_indicators_and_time_scores(decl, lay)?;
    if let Some(g) = &o.groups {
        check_groups(g)?;
    }
    Ok(())
}

/// Options the family has: grand means, measurement error, lag-2 effects, predictors and
/// outcomes only where the family defines them.
fn check_family_options(decl: &PanelDeclaration, lay: &Layout) -> Result<(), PanelError> {
    let o = &decl.options;
    let fam = decl.family;
    let title = fam.title();
    let has = |c: Constraint| o.constrain.contains(&c);
    if has(Constraint::Means) && matches!(fam, Family::Clpm | Family::MiRiclpm | Family::LcmSr) {
        return Err(invalid(format!(
            "grand means are not parameters of the {title} (its means are {}); drop the 'means' constraint",
            match fam {
                Family::Clpm => "intercepts of the regressions, wave 1 exogenous",
                Family::MiRiclpm => "item intercepts: use invariance = strong",
                _ => "growth factor means",
            }
        )));
    }
    if has(Constraint::MeasurementError) && fam != Family::Starts {
        return Err(invalid(format!(
            "measurement-error variances are part of STARTS, not of the {title}"
        )));
    }
    let univariate_starts = fam == Family::Starts && lay.cons.len() == 1;
    if univariate_starts && o.lag2 {
        return Err(invalid(
            "the univariate STARTS model has an AR(1) trait: lag-2 effects are not available",
        ));
    }
    if o.lag2 && lay.t() < 3 {
        return Err(invalid("lag-2 effects need at least 3 waves"));
    }
    if !o.ri_predictors.is_empty() && matches!(fam, Family::Clpm | Family::MiRiclpm) {
        return Err(invalid(format!(
            "the {title} has no random intercepts to predict; use observed-score predictors{}",
            if fam == Family::MiRiclpm {
                " in the RI-CLPM"
            } else {
                ""
            }
        )));
    }
    if !o.observed_predictors.is_empty() && matches!(fam, Family::MiRiclpm | Family::LcmSr) {
        return Err(invalid(format!(
            "observed-score predictors are not available for the {title}"
        )));
    }
    if !o.outcomes.is_empty() && matches!(fam, Family::Clpm | Family::MiRiclpm) {
        return Err(invalid(format!(
            "time-invariant outcomes of random intercepts are not available for the {title}"
        )));
    }
    Ok(())
}

/// Time-invariant predictors and outcomes: valid names, not repeated measures, each in one
/// role only.
fn check_time_invariant(o: &PanelOptions, lay: &Layout) -> Result<(), PanelError> {
    for z in o
        .ri_predictors
        .iter()
        .chain(&o.observed_predictors)
        .chain(&o.outcomes)
    {
        if !is_name(z) {
            return Err(invalid(format!("'{z}' is not a valid variable name")));
        }
        let used = lay
            .cons
            .iter()
            .any(|c| c.cols.contains(z) || c.items.iter().any(|(_, v)| v.contains(z)));
        if used {
            return Err(invalid(format!(
                "'{z}' is one of the repeated measures, not a time-invariant variable"
            )));
        }
    }
    for z in &o.ri_predictors {
        if o.observed_predictors.contains(z) {
            return Err(invalid(format!(
                "'{z}' predicts both the random intercepts and the observed scores: its effects are then not identified (x_t = … + (γ + s)·{z}); choose one"
            )));
        }
    }
    for z in &o.outcomes {
        if o.ri_predictors.contains(z) || o.observed_predictors.contains(z) {
            return Err(invalid(format!(
                "'{z}' cannot be both a predictor and an outcome"
            )));
        }
    }
    Ok(())
}

/// Indicators only (and at least two per construct) in the MI-RICLPM; time scores only in the
/// LCM-SR, one finite score per wave.
fn check_indicators_and_time_scores(
    decl: &PanelDeclaration,
    lay: &Layout,
) -> Result<(), PanelError> {
    let o = &decl.options;
    let fam = decl.family;
    if fam == Family::MiRiclpm {
        for c in &lay.cons {
            if c.items.len() < 2 {
                return Err(invalid(format!(
                    "MI-RICLPM: construct '{}' needs at least 2 indicators (got {})",
                    c.name,
                    c.items.len()
                )));
            }
        }
    } else if let Some(c) = decl.constructs.iter().find(|c| !c.indicators.is_empty()) {
        return Err(invalid(format!(
            "construct '{}' has indicators, which only the MI-RICLPM uses",
            c.name
        )));
    }
    if let Some(ts) = &o.time_scores {
        if fam != Family::LcmSr {
            return Err(invalid("time scores are for the LCM-SR"));
        }
        if ts.len() != lay.t() {
            return Err(invalid(format!(
                "{} time scores for {} waves",
                ts.len(),
                lay.t()
            )));
        }
        if ts.iter().any(|x| !x.is_finite()) {
            return Err(invalid("time scores must be finite numbers"));
        }
    }
    Ok(())
}

/// Several groups: a valid group variable, at least two groups, distinct labels.
fn check_groups(g: &MultiGroup) -> Result<(), PanelError> {
    if !is_name(&g.variable) {
        return Err(invalid(format!(
            "group variable '{}' is not a valid name",
            g.variable
        )));
    }
    if g.labels.len() == 1 {
        return Err(invalid("a multi-group model needs at least two groups"));
    }
    for (k, l) in g.labels.iter().enumerate() {
        if g.labels[..k].contains(l) {
            return Err(invalid(format!("group label '{l}' is given twice")));
        }
    }
    Ok(())
}
