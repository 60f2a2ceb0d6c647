//! The command line's options, one struct per concern, shared by every command:
//! [`ModelArgs`] (what the model is), [`EstimationArgs`] (how it is estimated), [`Format`]
//! (how results are written). Values are read by the estimation crate's typed options
//! ([`crosslag_sem::specify::options`]), so every command reads `--missing FIML` or
//! `--estimator mlr` as lavaan does, and an unknown value is one clear error naming the
//! option and the values it takes; nothing falls back silently.

use clap::{Args, ValueEnum};
use crosslag_sem::error::OptionError;
use crosslag_sem::specify::options::{parse_logical, AutoOptions};
use crosslag_sem::{
    Bounds, EntryPoint, EstimationOptions, Estimator, GroupEqual, Information, Likelihood, Missing,
    ModelOptions,
};
use std::str::FromStr;

/// clap's value parser for an option read as lavaan reads it.
pub fn lavaan<T: FromStr<Err = OptionError>>(s: &str) -> Result<T, String> {
    s.parse().map_err(|e: OptionError| e.to_string())
}

/// lavaan's options that change the model. A logical option is given bare (true) or with a
/// value as lavaan reads it (`true`, `FALSE`, `T`, `F`); an option not given takes lavaan's
/// default for the entry point.
#[derive(Args, Debug, Clone)]
pub struct ModelArgs {
    /// Which lavaan entry point's defaults apply: sem or cfa (the same defaults), growth
    /// (intercepts of the observed variables fixed at 0, latent means free, a mean
    /// structure), or lavaan (nothing automatic: unwritten variances are fixed at 0).
    #[arg(long = "function", value_name = "sem|cfa|growth|lavaan", default_value = "sem", value_parser = lavaan::<EntryPoint>)]
    pub function: EntryPoint,
    /// Model the means and intercepts (lavaan meanstructure); default as lavaan: on with
    /// --group, --sample-mean, --missing ml, --cluster, growth and intercepts in the model.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", value_parser = logical("meanstructure"))]
    pub meanstructure: Option<bool>,
    /// Free the intercepts of the observed variables (lavaan int.ov.free; sem/cfa set it
    /// themselves, for --function lavaan).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", value_parser = logical("int.ov.free"))]
    pub int_ov_free: Option<bool>,
    /// Free the latent means (lavaan int.lv.free; for --function lavaan).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", value_parser = logical("int.lv.free"))]
    pub int_lv_free: Option<bool>,
    /// Identify each factor by fixing its variance at 1 and freeing every loading (lavaan
    /// std.lv).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", value_parser = logical("std.lv"))]
    pub std_lv: Option<bool>,
    /// Fix the automatic covariances among latent variables at 0 (lavaan orthogonal).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", value_parser = logical("orthogonal"))]
    pub orthogonal: Option<bool>,
    /// Fix the automatic covariances among exogenous latent variables at 0 (lavaan
    /// orthogonal.x).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", value_parser = logical("orthogonal.x"))]
    pub orthogonal_x: Option<bool>,
    /// Fix the automatic covariances among endogenous latent variables at 0 (lavaan
    /// orthogonal.y).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", value_parser = logical("orthogonal.y"))]
    pub orthogonal_y: Option<bool>,
    /// Fix the variances and covariances of exogenous observed covariates at their sample
    /// values (lavaan fixed.x; default true).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", value_parser = logical("fixed.x"))]
    pub fixed_x: Option<bool>,
    /// Free the variances the model does not write (lavaan auto.var; for --function lavaan:
    /// sem, cfa and growth set it themselves, as lavaan 0.6.14 does).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", value_parser = logical("auto.var"))]
    pub auto_var: Option<bool>,
    /// Fix the first loading of every factor at 1 (lavaan auto.fix.first; for --function
    /// lavaan).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", value_parser = logical("auto.fix.first"))]
    pub auto_fix_first: Option<bool>,
    /// Fix the residual variance of a single indicator at 0 (lavaan auto.fix.single; for
    /// --function lavaan).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", value_parser = logical("auto.fix.single"))]
    pub auto_fix_single: Option<bool>,
    /// Free the covariances among exogenous latent variables (lavaan auto.cov.lv.x; for
    /// --function lavaan).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", value_parser = logical("auto.cov.lv.x"))]
    pub auto_cov_lv_x: Option<bool>,
    /// Free the covariances among purely endogenous variables (lavaan auto.cov.y; for
    /// --function lavaan).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", value_parser = logical("auto.cov.y"))]
    pub auto_cov_y: Option<bool>,
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

/// clap's value parser for a logical lavaan option.
fn logical(option: &'static str) -> impl Fn(&str) -> Result<bool, String> + Clone {
    move |s| parse_logical(option, s).map_err(|e| e.to_string())
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
            int_ov_free: self.int_ov_free,
            int_lv_free: self.int_lv_free,
            fixed_x: self.fixed_x.unwrap_or(true),
            std_lv: self.std_lv.unwrap_or(false),
            orthogonal: self.orthogonal.unwrap_or(false),
            orthogonal_x: self.orthogonal_x.unwrap_or(false),
            orthogonal_y: self.orthogonal_y.unwrap_or(false),
            auto: AutoOptions {
                var: self.auto_var,
                fix_first: self.auto_fix_first,
                fix_single: self.auto_fix_single,
                cov_lv_x: self.auto_cov_lv_x,
                cov_y: self.auto_cov_y,
            },
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
    /// Likelihood (lavaan likelihood): normal, or wishart (the sample covariance divided by
    /// N − 1, χ² = (N − 1)·F).
    #[arg(long, value_name = "normal|wishart", default_value = "normal", value_parser = lavaan::<Likelihood>)]
    pub likelihood: Likelihood,
}

impl EstimationArgs {
    pub fn options(&self) -> EstimationOptions {
        EstimationOptions {
            estimator: self.estimator,
            missing: self.missing,
            information: self.information,
            likelihood: self.likelihood,
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
