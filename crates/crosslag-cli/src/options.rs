//! The command line's options, one struct per concern, shared by every command:
//! [`ModelArgs`] (what the model is), [`EstimationArgs`] (how it is estimated), [`Format`]
//! (how results are written). Values are read by the estimation crate's typed options
//! ([`crosslag_sem::specify::options`]), so every command reads `--missing FIML` or
//! `--estimator mlr` as lavaan does, and an unknown value is one clear error naming the
//! option and the values it takes; nothing falls back silently.

use clap::{Args, ValueEnum};
use crosslag_sem::error::OptionError;
use crosslag_sem::{
    Bounds, EntryPoint, EstimationOptions, Estimator, GroupEqual, Information, Missing,
    ModelOptions,
};
use std::str::FromStr;

/// clap's value parser for an option read as lavaan reads it.
pub fn lavaan<T: FromStr<Err = OptionError>>(s: &str) -> Result<T, String> {
    s.parse().map_err(|e: OptionError| e.to_string())
}

/// lavaan's options that change the model.
#[derive(Args, Debug, Clone)]
pub struct ModelArgs {
    /// Which lavaan entry point's defaults apply: sem, cfa (the same defaults) or lavaan
    /// (nothing automatic: every variance and intercept written in the model).
    #[arg(long = "function", value_name = "sem|cfa|lavaan", default_value = "sem", value_parser = lavaan::<EntryPoint>)]
    pub function: EntryPoint,
    /// Model the means and intercepts (lavaan meanstructure = TRUE); switched on anyway by
    /// --missing ml and --cluster.
    #[arg(long)]
    pub meanstructure: bool,
    /// Free the intercepts of the observed variables (lavaan int.ov.free = TRUE; automatic
    /// with sem and cfa, to be asked for with --function lavaan).
    #[arg(long)]
    pub int_ov_free: bool,
    /// Parameters held equal across groups (lavaan group.equal), comma separated: loadings,
    /// intercepts, regressions, residuals, residual.covariances, lv.variances,
    /// lv.covariances, means.
    #[arg(long, value_delimiter = ',', value_parser = lavaan::<GroupEqual>)]
    pub group_equal: Vec<GroupEqual>,
    /// Parameters freed from --group-equal (lavaan group.partial), comma separated
    /// (e.g. "f=~x2,y~1").
    #[arg(long, value_delimiter = ',')]
    pub group_partial: Vec<String>,
    /// Bounds on parameters (lavaan bounds): none, or pos.var (every free variance kept at or
    /// above 0, for an admissible solution where the unrestricted one has negative variances).
    #[arg(long, value_name = "none|pos.var", default_value = "none", value_parser = lavaan::<Bounds>)]
    pub bounds: Bounds,
}

impl ModelArgs {
    /// The model options; `grouped`: a grouping variable is given (--group-equal and
    /// --group-partial need one).
    pub fn options(&self, grouped: bool) -> Result<ModelOptions, String> {
        let group_partial: Vec<String> = self
            .group_partial
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if !grouped && !self.group_equal.is_empty() {
            return Err("--group-equal needs --group".into());
        }
        if !grouped && !group_partial.is_empty() {
            return Err("--group-partial needs --group (and --group-equal)".into());
        }
        Ok(ModelOptions {
            entry: self.function,
            meanstructure: self.meanstructure,
            int_ov_free: self.int_ov_free.then_some(true),
            group_equal: self.group_equal.clone(),
            group_partial,
            bounds: self.bounds,
            ..ModelOptions::default()
        })
    }
}

/// How the model is estimated.
#[derive(Args, Debug, Clone)]
pub struct EstimationArgs {
    /// Estimator (lavaan estimator): ML, or MLR (ML estimates with Huber–White standard
    /// errors and the Yuan–Bentler scaled test); any case.
    #[arg(long, value_name = "ML|MLR", default_value = "ML", value_parser = lavaan::<Estimator>)]
    pub estimator: Estimator,
    /// Missing data (lavaan missing): listwise, or ml for full-information ML (also fiml,
    /// direct; any case).
    #[arg(long, value_name = "listwise|ml", default_value = "listwise", value_parser = lavaan::<Missing>)]
    pub missing: Missing,
    /// Information matrix of the standard errors (lavaan information): expected or observed;
    /// default as lavaan: observed with --missing ml, MLR and --cluster, else expected.
    #[arg(long, value_name = "expected|observed", value_parser = lavaan::<Information>)]
    pub information: Option<Information>,
}

impl EstimationArgs {
    pub fn options(&self) -> EstimationOptions {
        EstimationOptions {
            estimator: self.estimator,
            missing: self.missing,
            information: self.information,
            ..EstimationOptions::default()
        }
    }
}

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable table (lavaan-style summary).
    Table,
    /// JSON on stdout (docs/json-output.md).
    Json,
}
