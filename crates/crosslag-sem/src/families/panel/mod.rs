//! Panel model families from a short declaration: lavaan model syntax (and Mplus text) for
//! the cross-lagged panel model and its relatives, plus the [`FitOptions`] they must be
//! fitted with.
//!
//! A [`PanelDeclaration`] names the constructs (a variable stem, or one column per wave), the
//! waves, the [`Family`] and the [`PanelOptions`]; [`generate`] returns a [`PanelModel`]:
//! readable, commented lavaan syntax in the style of Mulder & Hamaker (2021), the matching
//! Mplus `MODEL` section, the entry point and flags for [`crate::measures`], the observed
//! variables the model uses, and its parameter count and degrees of freedom.
//!
//! # Families
//!
//! Notation for construct x at wave t = 1, …, T (Hamaker, Kuiper & Grasman, 2015):
//!
//! - **CLPM** ([`Family::Clpm`]): `x_t = ν_t + Σ_y β_{xy,t} y_{t−1} + u_t` on the observed
//!   scores (y over all constructs, x included), wave-1 scores exogenous (their (co)variances and means fixed at the sample values,
//!   lavaan's `fixed.x`), within-wave residual covariances at t ≥ 2; fitted with `sem()`.
//! - **RI-CLPM** ([`Family::Riclpm`]; Hamaker et al., 2015; lavaan code of Mulder & Hamaker,
//!   2021): `x_t = μ_t + κ + p_t`, a random intercept κ (`RI_x =~ 1*x_1 + … + 1*x_T`) and a
//!   within component `p_t` (`w_x_t =~ 1*x_t`) with `p_t = α_t p_{t−1} + β_t q_{t−1} + u_t`;
//!   observed residual variances 0, random intercepts uncorrelated with the wave-1 within
//!   components, grand means μ_t free per wave; fitted with `lavaan(meanstructure = TRUE,
//!   int.ov.free = TRUE)`. With two constructs npar = 2T + 6 + 7(T − 1) (2T means, three RI
//!   (co)variances, three wave-1 (co)variances, and per later wave four lagged effects, two
//!   innovation variances and one innovation covariance), against 2T(2T + 3)/2 moments.
//! - **MI-RICLPM** ([`Family::MiRiclpm`]; Mulder & Hamaker, 2021, extension 3): one random
//!   intercept per indicator, a within factor per construct and wave (`WF_x_t =~ x_t_i1 + …`),
//!   the lagged model among the within factors; measurement invariance over waves by
//!   [`Invariance`] (configural, weak = equal loadings, strong = equal loadings and item
//!   intercepts with within factor means free from wave 2); fitted with `cfa(meanstructure =
//!   TRUE)`.
//! - **STARTS** ([`Family::Starts`]; Kenny & Zautra, 1995, 2001): with one construct the
//!   univariate model `Var(x_t) = σ²_trait + σ²_AR + σ²_state`, `Cov(x_s, x_t) = σ²_trait +
//!   a^{|s−t|} σ²_AR`: a trait factor, a stationary AR(1) factor (`σ²_{AR,1} = σ²_innov / (1 −
//!   a²)`) and one state variance; with several constructs the RI-CLPM plus a free
//!   measurement-error (state) variance per observed variable (powRICLPM's `estimate_ME`).
//! - **LCM-SR** ([`Family::LcmSr`]; Curran, Howard, Bainter, Lane & McGinley, 2014): per
//!   construct an intercept and a linear slope factor (time scores 0, 1, …, T − 1 unless
//!   given) with free means and a full covariance matrix, and the lagged model among the
//!   structured residuals `w_x_t`; observed intercepts and residual variances 0; fitted with
//!   `lavaan(meanstructure = TRUE)`.
//!
//! # Names
//!
//! Columns are `{stem}_{wave}` (see [`PanelDeclaration::column_pattern`]) and, for indicators,
//! `{stem}_{wave}_{item}`. Latent variables: `RI_x`, `w_x_t` (RI-CLPM, bivariate STARTS),
//! `RI_x_i`, `WF_x_t` (MI-RICLPM), `TRAIT_x`, `ART_x_t` (univariate STARTS), `i_x`, `s_x`,
//! `w_x_t` (LCM-SR), where x is the construct's name and t the wave label. Labels of
//! constrained parameters: `ar_x` (x on its own lag), `cl_y_to_x` (x on lagged y), `ar2_x`,
//! `cl2_y_to_x` (lag 2), `rvar_x`, `rcov_x_y` (innovation variances and covariances),
//! `mean_x` (grand means), `me_x` (measurement error), `s_x_z` (effect of a time-invariant z
//! on x_t), `lam_x_i`, `nu_x_i` (loadings, item intercepts); a wave suffix (`ar_x_3`) when
//! time-varying effects are held equal across groups, a group suffix (`ar_x_g2`) when a
//! constrained parameter stays free across groups.
//!
//! # Sources
//!
//! Hamaker, Kuiper & Grasman (2015), *Psychological Methods* 20, 102–116; Mulder & Hamaker
//! (2021), *Structural Equation Modeling* 28, 638–648, and their lavaan/Mplus code
//! (GitHub `JeroenDMulder/RI-CLPM`); Kenny & Zautra (1995), *J. Consulting and Clinical
//! Psychology* 63, 52–59; Kenny & Zautra (2001) in Collins & Sayer (eds.), *New Methods for
//! the Analysis of Change*; Curran et al. (2014), *J. Consulting and Clinical Psychology* 82,
//! 879–894; Mulder, `powRICLPM` (measurement-error and constraint options).

mod build;
mod check;
mod ctx;
mod header;
mod ir;
mod layout;
mod mplus;
#[cfg(test)]
mod tests;

use crate::error::SemError;
use crate::specify::options::{FitOptions, ModelOptions};
use crate::specify::partable::{EntryPoint, GroupEqual};
use crate::specify::{DataSetting, Model};
use serde::{Deserialize, Serialize};

/// The model family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// Cross-lagged panel model on the observed scores.
    Clpm,
    /// Random-intercept cross-lagged panel model.
    Riclpm,
    /// Multiple-indicator RI-CLPM.
    MiRiclpm,
    /// Stable trait, autoregressive trait, state model.
    Starts,
    /// Latent curve model with structured residuals.
    LcmSr,
}

impl Family {
    /// Parses `clpm`, `riclpm`, `mi-riclpm`, `starts`, `lcm-sr` (also `ri-clpm`, `lcmsr`).
    pub fn parse(s: &str) -> Option<Family> {
        Some(match s.trim().to_lowercase().replace('_', "-").as_str() {
            "clpm" => Family::Clpm,
            "riclpm" | "ri-clpm" => Family::Riclpm,
            "mi-riclpm" | "miriclpm" | "mi-ri-clpm" => Family::MiRiclpm,
            "starts" => Family::Starts,
            "lcm-sr" | "lcmsr" => Family::LcmSr,
            _ => return None,
        })
    }

    /// The family's usual name.
    pub fn title(self) -> &'static str {
        match self {
            Family::Clpm => "CLPM",
            Family::Riclpm => "RI-CLPM",
            Family::MiRiclpm => "MI-RICLPM",
            Family::Starts => "STARTS",
            Family::LcmSr => "LCM-SR",
        }
    }
}

/// One indicator of a construct (multiple-indicator models).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    /// Name of the indicator (`i1`): the `{item}` of [`PanelDeclaration::item_pattern`] and the
    /// suffix of its random intercept (`RI_close_i1`) and labels.
    pub name: String,
    /// Explicit column per wave, instead of the item pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
}

/// A construct measured at every wave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Construct {
    /// Name used in the latent variables and labels (`RI_close`, `w_close_2`, `ar_close`).
    pub name: String,
    /// Column stem (`{stem}` of the patterns); the name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stem: Option<String>,
    /// Explicit column per wave, instead of the column pattern (single-indicator families).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// Indicators (MI-RICLPM only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<Indicator>,
}

impl Construct {
    /// A construct whose columns are the stem `name` in the column pattern.
    pub fn new(name: &str) -> Construct {
        Construct {
            name: name.to_string(),
            stem: None,
            columns: None,
            indicators: Vec::new(),
        }
    }

    /// A construct with a column stem different from its name.
    pub fn with_stem(name: &str, stem: &str) -> Construct {
        Construct {
            stem: Some(stem.to_string()),
            ..Construct::new(name)
        }
    }
}

/// The waves: a number (labelled 1, …, T) or explicit labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Waves {
    Count(usize),
    Labels(Vec<String>),
}

impl Waves {
    /// The wave labels.
    pub fn labels(&self) -> Vec<String> {
        match self {
            Waves::Count(n) => (1..=*n).map(|t| t.to_string()).collect(),
            Waves::Labels(l) => l.clone(),
        }
    }
}

/// Parameters that can be held equal over waves (each separately).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Constraint {
    /// Lagged (autoregressive and cross-lagged) effects: `w_x_t ~ ar_x*w_x_{t−1} + cl_y_to_x*w_y_{t−1}`.
    Lagged,
    /// Innovation variances and covariances at waves 2, …, T (both of the next two).
    Residuals,
    /// Innovation (residual) variances at waves 2, …, T: `w_x_t ~~ rvar_x*w_x_t`.
    ResidualVariances,
    /// Within-wave innovation covariances at waves 2, …, T: `w_x_t ~~ rcov_x_y*w_y_t`.
    ResidualCovariances,
    /// Grand means: `x_t ~ mean_x*1` (families with a random intercept or trait).
    Means,
    /// Measurement-error (state) variances: `x_t ~~ me_x*x_t` (STARTS).
    MeasurementError,
}

impl Constraint {
    /// Parses `lagged`, `residuals`, `residual-variances`, `residual-covariances`, `means`,
    /// `measurement-error` (also `me`, `ME`).
    pub fn parse(s: &str) -> Option<Constraint> {
        Some(match s.trim().to_lowercase().replace('_', "-").as_str() {
            "lagged" | "lags" => Constraint::Lagged,
            "residuals" | "innovations" => Constraint::Residuals,
            "residual-variances" | "rvar" => Constraint::ResidualVariances,
            "residual-covariances" | "rcov" => Constraint::ResidualCovariances,
            "means" | "grand-means" => Constraint::Means,
            "measurement-error" | "me" => Constraint::MeasurementError,
            _ => return None,
        })
    }
}

/// Steps of measurement invariance over waves (MI-RICLPM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Invariance {
    /// Same factor structure at every wave; loadings (first fixed at 1) and item intercepts
    /// free per wave, within factor means 0.
    Configural,
    /// Loadings equal over waves (`lam_x_i`).
    Weak,
    /// Loadings and item intercepts (`nu_x_i`) equal over waves; within factor means free
    /// from wave 2 on.
    #[default]
    Strong,
}

/// How lagged effects relate across groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroupLagged {
    /// Free in every group (configural multi-group model).
    #[default]
    Free,
    /// Equal across groups through lavaan's `group.equal = "regressions"` (every `~`
    /// parameter, including effects of time-invariant predictors).
    GroupEqual,
    /// Equal across groups through shared labels, `c(a, a)*x` (lagged effects only).
    Labels,
}

/// A multi-group model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiGroup {
    /// The grouping column (lavaan `group =`).
    pub variable: String,
    /// Group labels in lavaan's order (order of first appearance in the data). Needed when
    /// parameters get one label per group, and for the Mplus text; may be empty otherwise.
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub lagged: GroupLagged,
}

/// Options of a family (all off by default).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PanelOptions {
    /// Parameters held equal over waves.
    #[serde(default)]
    pub constrain: Vec<Constraint>,
    /// Lag-2 effects (`w_x_t ~ … + w_x_{t−2} + w_y_{t−2}`, t ≥ 3).
    #[serde(default)]
    pub lag2: bool,
    /// Time-invariant predictors of the random intercepts (`RI_x ~ z`; trait / growth factors
    /// in STARTS and LCM-SR) — Mulder & Hamaker's extension 1.
    #[serde(default)]
    pub ri_predictors: Vec<String>,
    /// Time-invariant predictors of the observed scores with effects equal over waves
    /// (`x_1 + … + x_T ~ s_x_z*z`).
    #[serde(default)]
    pub observed_predictors: Vec<String>,
    /// Time-invariant outcomes of the random intercepts (`z ~ RI_x + RI_y`).
    #[serde(default)]
    pub outcomes: Vec<String>,
    /// Multi-group model.
    #[serde(default)]
    pub groups: Option<MultiGroup>,
    /// Measurement invariance over waves (MI-RICLPM).
    #[serde(default)]
    pub invariance: Invariance,
    /// Time scores of the slope factor (LCM-SR); 0, 1, …, T − 1 when absent.
    #[serde(default)]
    pub time_scores: Option<Vec<f64>>,
}

/// Default column pattern `{stem}_{wave}`.
pub const DEFAULT_COLUMN_PATTERN: &str = "{stem}_{wave}";
/// Default indicator pattern `{stem}_{wave}_{item}`.
pub const DEFAULT_ITEM_PATTERN: &str = "{stem}_{wave}_{item}";

fn default_column_pattern() -> String {
    DEFAULT_COLUMN_PATTERN.to_string()
}

fn default_item_pattern() -> String {
    DEFAULT_ITEM_PATTERN.to_string()
}

/// A panel model in a few words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelDeclaration {
    pub family: Family,
    pub constructs: Vec<Construct>,
    pub waves: Waves,
    /// Column names of single-indicator constructs: `{stem}` and `{wave}` are replaced.
    #[serde(default = "default_column_pattern")]
    pub column_pattern: String,
    /// Column names of indicators: `{stem}`, `{wave}` and `{item}` are replaced.
    #[serde(default = "default_item_pattern")]
    pub item_pattern: String,
    #[serde(default)]
    pub options: PanelOptions,
}

impl PanelDeclaration {
    /// A declaration with the default patterns and no options.
    pub fn new(family: Family, constructs: Vec<Construct>, waves: usize) -> PanelDeclaration {
        PanelDeclaration {
            family,
            constructs,
            waves: Waves::Count(waves),
            column_pattern: default_column_pattern(),
            item_pattern: default_item_pattern(),
            options: PanelOptions::default(),
        }
    }
}

/// Free parameters and degrees of freedom of a generated model (lavaan's `npar` and `df`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ModelCount {
    /// Free parameters net of equality constraints.
    pub npar: usize,
    /// Sample moments: per group p(p+1)/2 + p (mean structure), less those of fixed.x covariates.
    pub moments: usize,
    /// `moments − npar` (may be negative for an unidentified model).
    pub df: i64,
}

/// A generated panel model.
#[derive(Debug, Clone, Serialize)]
pub struct PanelModel {
    pub family: Family,
    /// lavaan model syntax (commented).
    pub syntax: String,
    /// The same model as an Mplus MODEL section.
    pub mplus: String,
    /// How the syntax must be fitted: entry point, mean structure, `int.ov.free`, `group.equal`.
    /// Missing-data treatment, estimator and information are the caller's choice.
    pub fit_options: FitOptions,
    /// The observed variables of the model (data columns), in lavaan's order.
    pub observed: Vec<String>,
    /// Grouping column of a multi-group model.
    pub group: Option<String>,
    /// Parameter count and degrees of freedom.
    pub count: ModelCount,
}

/// Why a declaration cannot be turned into a model.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum PanelError {
    #[error("{0}")]
    Invalid(String),
    #[error("the generated model does not build: {0}")]
    Model(#[from] SemError),
}

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
