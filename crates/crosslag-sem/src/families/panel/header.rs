//! The header comment of a generated model: family and sources, variables, options, how to
//! fit it, and its counts.

use super::declaration::{
    Constraint, Family, GroupLagged, Invariance, ModelCount, PanelDeclaration, PanelOptions,
};
use super::layout::Layout;
use crate::specify::options::FitOptions;

/// Header comment lines: family, sources, variables, options, how to fit, counts.
pub(crate) fn header(
    decl: &PanelDeclaration,
    lay: &Layout,
    fo: &FitOptions,
    count: &ModelCount,
) -> Vec<String> {
    let o = &decl.options;
    let mut h = Vec::new();
    h.push(match decl.family {
        Family::Clpm => "CLPM: cross-lagged panel model on the observed scores".to_string(),
        Family::Riclpm => "RI-CLPM (Hamaker, Kuiper & Grasman, 2015; syntax after Mulder & Hamaker, 2021)".to_string(),
        Family::MiRiclpm => format!(
            "MI-RICLPM, {} invariance (Mulder & Hamaker, 2021, extension 3)",
            match o.invariance {
                Invariance::Configural => "configural",
                Invariance::Weak => "weak",
                Invariance::Strong => "strong",
            }
        ),
        Family::Starts if lay.cons.len() == 1 => "univariate STARTS (Kenny & Zautra, 1995, 2001): trait, stationary AR(1) trait, state".to_string(),
        Family::Starts => "STARTS as RI-CLPM plus measurement-error variances (Kenny & Zautra, 2001; Mulder, powRICLPM)".to_string(),
        Family::LcmSr => "LCM-SR: latent curve model with structured residuals (Curran et al., 2014)".to_string(),
    });
    let waves = &lay.waves;
    for k in &lay.cons {
        if decl.family == Family::MiRiclpm {
            let items: Vec<String> = k
                .items
                .iter()
                .map(|(it, cols)| format!("{it}: {} … {}", cols[0], cols[cols.len() - 1]))
                .collect();
            h.push(format!("construct {}: {}", k.name, items.join("; ")));
        } else {
            h.push(format!("construct {}: {}", k.name, k.cols.join(", ")));
        }
    }
    h.push(format!("waves: {}", waves.join(", ")));
    let opts = option_notes(decl, lay);
    if !opts.is_empty() {
        h.push(format!("options: {}", opts.join("; ")));
    }
    h.push(fit_call(fo, o));
    let per = match &o.groups {
        Some(g) if g.labels.is_empty() => " (counted for 2 groups)",
        _ => "",
    };
    h.push(format!(
        "{} free parameters, {} sample moments, df = {}{per}",
        count.npar, count.moments, count.df
    ));
    h
}

/// The options of a declaration in words (equality constraints, lag-2 effects, predictors,
/// outcomes, groups).
fn option_notes(decl: &PanelDeclaration, lay: &Layout) -> Vec<String> {
    let o = &decl.options;
    let mut opts = Vec::new();
    let has = |c: Constraint| o.constrain.contains(&c);
    if has(Constraint::Lagged) {
        opts.push("lagged effects equal over time".to_string());
    }
    if has(Constraint::Residuals)
        || (has(Constraint::ResidualVariances) && has(Constraint::ResidualCovariances))
    {
        opts.push("residual variances and covariances equal over time".to_string());
    } else if has(Constraint::ResidualVariances) {
        opts.push("residual variances equal over time".to_string());
    } else if has(Constraint::ResidualCovariances) {
        opts.push("residual covariances equal over time".to_string());
    }
    if has(Constraint::Means) {
        opts.push("grand means equal over time".to_string());
    }
    if has(Constraint::MeasurementError) && !(decl.family == Family::Starts && lay.cons.len() == 1)
    {
        opts.push("measurement-error variances equal over time".to_string());
    }
    if o.lag2 {
        opts.push("lag-2 effects".to_string());
    }
    if !o.ri_predictors.is_empty() {
        opts.push(format!(
            "predictors of the between factors: {}",
            o.ri_predictors.join(", ")
        ));
    }
    if !o.observed_predictors.is_empty() {
        opts.push(format!(
            "predictors of the observed scores: {}",
            o.observed_predictors.join(", ")
        ));
    }
    if !o.outcomes.is_empty() {
        opts.push(format!("outcomes: {}", o.outcomes.join(", ")));
    }
    if let Some(g) = &o.groups {
        opts.push(format!(
            "groups by {}{}: lagged effects {}",
            g.variable,
            if g.labels.is_empty() {
                String::new()
            } else {
                format!(" ({})", g.labels.join(", "))
            },
            match g.lagged {
                GroupLagged::Free => "free across groups",
                GroupLagged::GroupEqual => "equal across groups (group.equal = \"regressions\")",
                GroupLagged::Labels => "equal across groups (shared labels)",
            }
        ));
    }
    opts
}

/// The lavaan call that fits the model (`sem(model, data, …)` with the needed arguments).
fn fit_call(fo: &FitOptions, o: &PanelOptions) -> String {
    let func = fo.model.entry.as_lavaan();
    let mut args = vec!["model".to_string(), "data".to_string()];
    if fo.model.meanstructure == Some(true) {
        args.push("meanstructure = TRUE".into());
    }
    if fo.model.int_ov_free == Some(true) {
        args.push("int.ov.free = TRUE".into());
    }
    if let Some(g) = &o.groups {
        args.push(format!("group = \"{}\"", g.variable));
        if !fo.model.group_equal.is_empty() {
            args.push("group.equal = \"regressions\"".into());
        }
    }
    format!("fit with {func}({})", args.join(", "))
}
