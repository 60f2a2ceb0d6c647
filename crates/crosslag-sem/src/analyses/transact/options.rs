//! What to analyse (constructs, waves, models, constraints, α) and the panel declarations
//! of the models; why an analysis cannot be run.

use super::chibar;
use super::edit::EditError;
use crate::error::SemError;
use crate::families::panel::{
    self, Constraint, Construct, Family, GroupLagged, MultiGroup, PanelDeclaration, PanelError,
    Waves,
};
use crate::specify::options::{Estimator, Missing};
use serde::Serialize;

/// Which models to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Models {
    /// CLPM and RI-CLPM, compared by the χ̄² test.
    Both,
    Riclpm,
    Clpm,
}

/// What to analyse and how.
#[derive(Debug, Clone)]
pub struct TransactOptions {
    /// First construct (name and column stem): the "x" of x → y.
    pub x: String,
    /// Second construct.
    pub y: String,
    pub waves: Waves,
    /// Column names: `{stem}` and `{wave}` are replaced (default `{stem}_{wave}`).
    pub column_pattern: String,
    pub models: Models,
    /// Parameters held equal over time (in both models).
    pub constrain: Vec<Constraint>,
    /// Time-invariant covariates (predictors of the observed scores, effects equal over time).
    pub covariates: Vec<String>,
    /// Grouping column (the data must carry the groups).
    pub group: Option<String>,
    pub estimator: Estimator,
    pub missing: Missing,
    /// Significance level of the tests and the verdict; intervals are (1 − α) intervals.
    pub alpha: f64,
    /// Monte Carlo draws and seed for χ̄² weights with more than three variances (several
    /// groups).
    pub chibar_draws: usize,
    pub seed: u64,
}

impl TransactOptions {
    /// Both models, no constraints, ML, listwise, α = 0.05.
    pub fn new(x: &str, y: &str, waves: usize) -> TransactOptions {
        TransactOptions {
            x: x.to_string(),
            y: y.to_string(),
            waves: Waves::Count(waves),
            column_pattern: panel::DEFAULT_COLUMN_PATTERN.to_string(),
            models: Models::Both,
            constrain: Vec::new(),
            covariates: Vec::new(),
            group: None,
            estimator: Estimator::Ml,
            missing: Missing::Listwise,
            alpha: 0.05,
            chibar_draws: chibar::DEFAULT_DRAWS,
            seed: chibar::DEFAULT_SEED,
        }
    }

    pub(super) fn families(&self) -> Vec<Family> {
        match self.models {
            Models::Both => vec![Family::Clpm, Family::Riclpm],
            Models::Riclpm => vec![Family::Riclpm],
            Models::Clpm => vec![Family::Clpm],
        }
    }
}

/// Why the analysis cannot be run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransactError {
    #[error("{0}")]
    Options(String),
    #[error("{0}")]
    Panel(#[from] PanelError),
    #[error("{model}: {source}")]
    Fit { model: String, source: SemError },
    #[error("{0}")]
    Edit(#[from] EditError),
}

/// The panel declaration of one family (constructs x and y; `group_labels` in the data's
/// order, needed when labels differ between groups).
pub fn declaration(
    opts: &TransactOptions,
    family: Family,
    group_labels: &[String],
    lagged: GroupLagged,
) -> PanelDeclaration {
    let mut decl = PanelDeclaration::new(
        family,
        vec![Construct::new(&opts.x), Construct::new(&opts.y)],
        0,
    );
    decl.waves = opts.waves.clone();
    decl.column_pattern = opts.column_pattern.clone();
    // grand means are not parameters of the CLPM (its means are regression intercepts)
    decl.options.constrain = opts
        .constrain
        .iter()
        .copied()
        .filter(|c| !(family == Family::Clpm && *c == Constraint::Means))
        .collect();
    decl.options.observed_predictors = opts.covariates.clone();
    decl.options.groups = opts.group.as_ref().map(|g| MultiGroup {
        variable: g.clone(),
        labels: group_labels.to_vec(),
        lagged,
    });
    decl
}

/// The data columns the analysis needs: the repeated measures of x and y and the covariates
/// (not the group or cluster column).
pub fn columns(opts: &TransactOptions) -> Result<Vec<String>, TransactError> {
    let labels: Vec<String> = if opts.group.is_some() {
        vec!["1".into(), "2".into()]
    } else {
        Vec::new()
    };
    let model = panel::generate(&declaration(
        opts,
        Family::Riclpm,
        &labels,
        GroupLagged::Free,
    ))?;
    Ok(model.observed)
}

/// The column of construct `stem` at `wave`.
pub(super) fn column(opts: &TransactOptions, stem: &str, wave: &str) -> String {
    opts.column_pattern
        .replace("{stem}", stem)
        .replace("{wave}", wave)
}
