//! Generating a model from a declaration: the lavaan syntax with its header, the Mplus text,
//! the fit options, and the parameter count.

use super::declaration::{
    Family, GroupLagged, ModelCount, PanelDeclaration, PanelError, PanelModel,
};
use super::{build, header, ir, layout, mplus};
use crate::error::SemError;
use crate::specify::options::{FitOptions, ModelOptions};
use crate::specify::partable::{EntryPoint, GroupEqual};
use crate::specify::{DataSetting, Model};

/// Generates the model a declaration describes.
pub fn generate(decl: &PanelDeclaration) -> Result<PanelModel, PanelError> {
    let layout = layout::Layout::resolve(decl)?;
    let body = build::build(decl, &layout)?;
    let fit_options = fit_options(decl);
    let ngroups = decl
        .options
        .groups
        .as_ref()
        .map_or(1, |g| g.labels.len().max(2));
    let (count, observed) = count_model(&body.lavaan(), &fit_options, ngroups)?;
    let header = header::header(decl, &layout, &fit_options, &count);
    let mut syntax = String::new();
    for h in &header {
        syntax.push_str("# ");
        syntax.push_str(h);
        syntax.push('\n');
    }
    syntax.push('\n');
    syntax.push_str(&body.lavaan());
    let groups = decl.options.groups.as_ref();
    let group_names: Vec<String> = groups.map_or_else(Vec::new, |g| mplus_group_names(&g.labels));
    // the Mplus text keeps the description and counts, not the lavaan call
    let mut mheader: Vec<String> = header
        .iter()
        .filter(|h| !h.starts_with("fit with "))
        .cloned()
        .collect();
    mheader.push("for ANALYSIS: MODEL = NOCOVARIANCES; (every covariance is written out)".into());
    if let Some(g) = groups {
        if g.labels.is_empty() {
            mheader.push(
                "several groups: give the group labels for group-specific MODEL sections".into(),
            );
        } else {
            let map: Vec<String> = g
                .labels
                .iter()
                .zip(&group_names)
                .map(|(l, n)| format!("{l} = {n}"))
                .collect();
            mheader.push(format!(
                "VARIABLE: GROUPING = {} ({});",
                g.variable,
                map.join(" ")
            ));
        }
    }
    let long: Vec<String> = mplus_long_names(&body);
    if !long.is_empty() {
        mheader.push(format!(
            "note: the Mplus User's Guide limits names and labels to 8 characters; shorten {}",
            long.join(", ")
        ));
    }
    let mplus = mplus::render(
        &body,
        &mplus::MplusContext {
            header: &mheader,
            groups: &group_names,
            regressions_equal: fit_options
                .model
                .group_equal
                .contains(&GroupEqual::Regressions),
        },
    );
    Ok(PanelModel {
        family: decl.family,
        syntax,
        mplus,
        fit_options,
        observed,
        group: groups.map(|g| g.variable.clone()),
        count,
    })
}

/// The lavaan syntax of a declaration ([`generate`]`(decl)?.syntax`).
pub fn lavaan_syntax(decl: &PanelDeclaration) -> Result<String, PanelError> {
    Ok(generate(decl)?.syntax)
}

/// The Mplus MODEL section of a declaration ([`generate`]`(decl)?.mplus`).
pub fn mplus_syntax(decl: &PanelDeclaration) -> Result<String, PanelError> {
    Ok(generate(decl)?.mplus)
}

/// The entry point and flags a family is fitted with (lavaan's call in the comments):
/// CLPM `sem(meanstructure = TRUE)`; RI-CLPM and STARTS `lavaan(meanstructure = TRUE,
/// int.ov.free = TRUE)`; MI-RICLPM `cfa(meanstructure = TRUE)`; LCM-SR `lavaan(meanstructure
/// = TRUE)`; plus `group.equal = "regressions"` for [`GroupLagged::GroupEqual`].
pub fn fit_options(decl: &PanelDeclaration) -> FitOptions {
    let (entry, int_ov_free) = match decl.family {
        Family::Clpm => (EntryPoint::Sem, None),
        Family::Riclpm | Family::Starts => (EntryPoint::Lavaan, Some(true)),
        Family::MiRiclpm => (EntryPoint::Cfa, None),
        Family::LcmSr => (EntryPoint::Lavaan, None),
    };
    let group_equal = match &decl.options.groups {
        Some(g) if g.lagged == GroupLagged::GroupEqual => vec![GroupEqual::Regressions],
        _ => Vec::new(),
    };
    FitOptions {
        model: ModelOptions {
            entry,
            meanstructure: Some(true),
            int_ov_free,
            group_equal,
            ..ModelOptions::default()
        },
        ..FitOptions::default()
    }
}

/// Counts free parameters (net of equality constraints) and sample moments as lavaan does
/// (`lav_partable_ndat`: per group p(p+1)/2 + p, less the moments of fixed.x covariates);
/// also returns the observed variables in lavaan's order.
pub fn count_model(
    syntax_text: &str,
    opts: &FitOptions,
    ngroups: usize,
) -> Result<(ModelCount, Vec<String>), SemError> {
    let setting = DataSetting {
        ngroups,
        ..DataSetting::single()
    };
    let model = Model::new(syntax_text, &opts.model, setting)?;
    let count = ModelCount {
        npar: model.npar,
        moments: model.ndat,
        df: model.ndat as i64 - model.npar as i64,
    };
    Ok((count, model.pt.ov_names))
}

/// Mplus group names for group labels: the labels when all are names (letters, digits, `_`,
/// starting with a letter), else `g1`, `g2`, … in lavaan's group order.
fn mplus_group_names(labels: &[String]) -> Vec<String> {
    let is_name = |l: &String| {
        l.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if labels.iter().all(is_name) {
        labels.to_vec()
    } else {
        (1..=labels.len()).map(|k| format!("g{k}")).collect()
    }
}

/// Variable names and labels longer than Mplus' 8 characters.
fn mplus_long_names(spec: &ir::Spec) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        if s.len() > 8 && s != "1" && !out.iter().any(|x| x == s) {
            out.push(s.to_string());
        }
    };
    for it in &spec.items {
        if let ir::Item::Relation { lhs, rhs, .. } = it {
            for l in lhs {
                add(l);
            }
            for t in rhs {
                add(&t.var);
                match &t.coef {
                    ir::Coef::Label(l) => add(l),
                    ir::Coef::PerGroup(v) => v.iter().for_each(|l| add(l)),
                    _ => {}
                }
            }
        }
    }
    if out.len() > 6 {
        let n = out.len();
        out.truncate(6);
        out.push(format!("… ({n} in all)"));
    }
    out
}
