//! The parameter table's types: one row per parameter per group, as lavaan's `parTable()`.

use crate::syntax::{ConstraintOp, Expr, Modifiers};
use serde::Serialize;
use std::fmt;

/// Operator of a parameter-table row, spelled as lavaan spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Op {
    #[serde(rename = "=~")]
    Loading,
    #[serde(rename = "~")]
    Regression,
    #[serde(rename = "~~")]
    Covariance,
    #[serde(rename = "~1")]
    Intercept,
    #[serde(rename = ":=")]
    Defined,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Loading => "=~",
            Op::Regression => "~",
            Op::Covariance => "~~",
            Op::Intercept => "~1",
            Op::Defined => ":=",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the parameter table.
#[derive(Debug, Clone, Serialize)]
pub struct ParRow {
    pub lhs: String,
    pub op: Op,
    pub rhs: String,
    /// Written by the user (true) or added by the entry point's defaults.
    pub user: bool,
    /// 0-based group (block).
    pub group: usize,
    /// 0 = fixed; k > 0: the k-th free parameter (1-based, every copy counts, as lavaan 0.6.14).
    pub free: usize,
    /// User-given fixed value or starting value.
    pub ustart: Option<f64>,
    /// Fixed at a sample moment of an exogenous covariate (`fixed.x`).
    pub exo: bool,
    /// User label (`a*x`), or the internal label of a `group.equal` constraint.
    pub label: String,
    /// Whether `label` was written by the user (shown in output) or is internal.
    pub user_label: bool,
}

impl ParRow {
    pub(super) fn new(lhs: &str, op: Op, rhs: &str, group: usize, user: bool) -> ParRow {
        ParRow {
            lhs: lhs.to_string(),
            op,
            rhs: rhs.to_string(),
            user,
            group,
            free: 0,
            ustart: None,
            exo: false,
            label: String::new(),
            user_label: false,
        }
    }

    /// `lhs op rhs`, as lavaan prints a parameter.
    pub fn name(&self) -> String {
        match self.op {
            Op::Intercept => format!("{}~1", self.lhs),
            _ => format!("{}{}{}", self.lhs, self.op, self.rhs),
        }
    }
}

/// A general constraint between expressions of labels (`a == 2*b`, `v == w/(1-r^2)`, `a > 0`).
#[derive(Debug, Clone)]
pub struct Constraint {
    pub lhs: Expr,
    pub op: ConstraintOp,
    pub rhs: Expr,
    pub line: usize,
}

/// A `:=` defined parameter.
#[derive(Debug, Clone)]
pub struct Definition {
    pub name: String,
    pub expr: Expr,
    pub line: usize,
}

/// The parameter table of a model and the variables it names.
#[derive(Debug, Clone)]
pub struct ParTable {
    pub rows: Vec<ParRow>,
    pub ngroups: usize,
    /// Observed variables in lavaan's order.
    pub ov_names: Vec<String>,
    /// Latent variables in order of definition.
    pub lv_names: Vec<String>,
    /// Exogenous observed covariates whose moments are fixed (`fixed.x`).
    pub ov_x: Vec<String>,
    /// The exogenous observed covariates whether or not fixed.x fixes their moments
    /// (lavaan's `ov.x` names, which the independence model keeps saturated).
    pub ov_exo: Vec<String>,
    pub meanstructure: bool,
    pub constraints: Vec<Constraint>,
    pub definitions: Vec<Definition>,
    /// Number of free rows (every equality copy counted).
    pub nfree: usize,
    /// What lavaan would warn about while building the table (options an entry point
    /// overrides).
    pub warnings: Vec<String>,
}

pub use crate::error::TableError;

pub(super) fn invalid(line: usize, message: impl Into<String>) -> TableError {
    TableError::Invalid {
        line,
        message: message.into(),
    }
}

/// A user row before it is copied into groups: the term's modifiers stay per group.
pub(super) struct UserRow {
    pub(super) lhs: String,
    pub(super) op: Op,
    pub(super) rhs: String,
    /// The term was `1` (an intercept).
    pub(super) is_one: bool,
    pub(super) modifiers: Modifiers,
    pub(super) line: usize,
}

pub(super) fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}
