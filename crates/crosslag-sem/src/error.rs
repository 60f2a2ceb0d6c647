//! Why a model cannot be specified or fitted: one error type for every step.

use crate::syntax;

/// Why a model could not be turned into a parameter table.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum TableError {
    #[error("line {line}: {message}")]
    Invalid { line: usize, message: String },
    #[error("the model has no parameters")]
    Empty,
}
/// An option value that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptionError {
    #[error("{option} = \"{value}\" is not a value lavaan knows; use one of: {accepted}")]
    Unknown {
        option: &'static str,
        value: String,
        accepted: String,
    },
    #[error("{option} = \"{value}\" is not supported by crosslag yet")]
    Unsupported { option: &'static str, value: String },
}

/// Why a fit could not be run.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum SemError {
    #[error("model syntax, {0}")]
    Syntax(#[from] syntax::SyntaxError),
    #[error("model, {0}")]
    Table(#[from] TableError),
    #[error("{0}")]
    Option(#[from] OptionError),
    #[error("variable '{name}' is not in the data{hint}")]
    UnknownVariable { name: String, hint: String },
    #[error("{0}")]
    Data(String),
    #[error("the model is not identified: {npar} free parameters but only {moments} sample moments; fix or constrain parameters")]
    TooManyParameters { npar: usize, moments: usize },
    #[error("{0} is not supported yet")]
    Unsupported(String),
    #[error("the starting values give a covariance matrix that is not positive definite; give start values with start()")]
    BadStart,
}
