//! The declaration of a panel model (constructs, waves, family, options) and what a
//! generated model is; see the folder's documentation for the families.

use crate::error::SemError;
use crate::specify::options::FitOptions;
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
