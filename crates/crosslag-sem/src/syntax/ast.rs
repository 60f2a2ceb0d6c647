//! The parsed form of a lavaan model: statements, terms, modifiers and positions.

use super::expr::Expr;

/// A whole parsed model: its statements in the order written.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSyntax {
    /// One entry per statement (after comments were dropped and continued lines joined).
    pub statements: Vec<Statement>,
}

/// One lavaan statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `lhs op rhs`: for `=~`, `~`, `~~`. Multiple lhs (`y1 + y2 ~ x`) are kept as a list.
    /// For `~`, a term whose `var` is "1" is an intercept (`y ~ 1`, `y ~ a*1`, `y ~ 1 + x`).
    Relation {
        lhs: Vec<String>,
        op: RelOp,
        rhs: Vec<Term>,
        pos: Pos,
    },
    /// `lhs == rhs`, `lhs < rhs`, `lhs > rhs` between expressions of labels and numbers.
    Constraint {
        lhs: Expr,
        op: ConstraintOp,
        rhs: Expr,
        pos: Pos,
    },
    /// `name := expr` defined parameter.
    Definition { name: String, expr: Expr, pos: Pos },
}

impl Statement {
    /// Where the statement starts in the original text.
    pub fn pos(&self) -> Pos {
        match self {
            Statement::Relation { pos, .. }
            | Statement::Constraint { pos, .. }
            | Statement::Definition { pos, .. } => *pos,
        }
    }
}

/// The operator of a [`Statement::Relation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelOp {
    /// `=~` (is measured by).
    Loading,
    /// `~` (is regressed on); `~ 1` is an intercept.
    Regression,
    /// `~~` (covaries with).
    Covariance,
}

impl RelOp {
    /// The operator as written in lavaan syntax.
    pub fn as_str(self) -> &'static str {
        match self {
            RelOp::Loading => "=~",
            RelOp::Regression => "~",
            RelOp::Covariance => "~~",
        }
    }
}

/// The operator of a [`Statement::Constraint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintOp {
    /// `==`
    Eq,
    /// `<`
    Lt,
    /// `>`
    Gt,
}

impl ConstraintOp {
    /// The operator as written in lavaan syntax.
    pub fn as_str(self) -> &'static str {
        match self {
            ConstraintOp::Eq => "==",
            ConstraintOp::Lt => "<",
            ConstraintOp::Gt => ">",
        }
    }
}

/// A 1-based line and column (in characters) in the original model text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// One right-hand-side term of a relation: a variable with its modifiers.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// The variable name; "1" for an intercept (only with `~`).
    pub var: String,
    pub modifiers: Modifiers,
    /// Where the term (its first modifier, or the variable) starts.
    pub pos: Pos,
}

/// Per-group vectors: a single value `a*x` gives a vector of length 1 (applies to all groups);
/// `c(a,b)*x` gives one per group.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Modifiers {
    /// `1*x`, `0*x`, `c(1, NA)*x`; a `None` entry (`NA`) means explicitly free.
    pub fixed: Option<Vec<Option<f64>>>,
    /// `a*x`, `c(a1, a2)*x`, `"a"*x`, `label("a")*x`, `equal("a")*x`; a `None` entry is `NA` (no label).
    pub label: Option<Vec<Option<String>>>,
    /// `start(0.5)*x`, `start(c(1,2))*x`, `0.5?x`.
    pub start: Option<Vec<f64>>,
}

impl Modifiers {
    /// True when no modifier was given.
    pub fn is_empty(&self) -> bool {
        self.fixed.is_none() && self.label.is_none() && self.start.is_none()
    }

    /// The modifiers that apply to group `g` (0-based): `(fixed, label, start)`.
    ///
    /// A length-1 vector applies to every group; a longer one is indexed by `g`.
    /// `None` means "not given for this group" (absent, or `g` beyond the vector's length —
    /// checking that vector lengths match the number of groups is the caller's business);
    /// `Some(None)` for `fixed`/`label` is an explicit `NA`.
    pub fn for_group(
        &self,
        g: usize,
    ) -> (Option<Option<f64>>, Option<Option<String>>, Option<f64>) {
        fn pick<T: Clone>(v: &Option<Vec<T>>, g: usize) -> Option<T> {
            let v = v.as_ref()?;
            if v.len() == 1 {
                v.first().cloned()
            } else {
                v.get(g).cloned()
            }
        }
        (
            pick(&self.fixed, g),
            pick(&self.label, g),
            pick(&self.start, g),
        )
    }
}

/// A syntax error, located at the offending token in the original text.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("line {line}, column {column}: {message}")]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl SyntaxError {
    pub(crate) fn at(pos: Pos, message: impl Into<String>) -> Self {
        SyntaxError {
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }
}
