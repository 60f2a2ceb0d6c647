//! lavaan model syntax → statements.
//!
//! [`parse`] reads the text of a lavaan model (as given to `lavaan::sem()`/`cfa()`/`lavaan()`)
//! into a [`ModelSyntax`]: a list of [`Statement`]s that the parameter-table builder expands.
//!
//! # Grammar
//!
//! ```text
//! model      = { statement (newline | ";") }
//! statement  = relation | definition | constraint
//! relation   = name { "+" name } ("=~" | "~" | "~~") term { "+" term }
//! term       = { modifier ("*" | "?") } (name | "1")          ("1": intercept, after `~` only)
//! modifier   = ["-"] number | "NA" | name | string
//!            | ("c" | "start" | "label" | "equal") "(" value { "," value } ")"
//! definition = name ":=" expr
//! constraint = expr ("==" | "<" | ">") expr
//! expr       = arithmetic with + - * / ^, unary minus, parentheses, numbers, names, f(x)
//! ```
//!
//! Lexical rules (see `lexer`): comments run from `#` or `!` to the end of the line (not
//! inside quotes); names are made of letters, digits, `_` and `.`; numbers are `1`, `.5`,
//! `0.25`, `1e-3`; strings are `"a"` or `'a'`.
//!
//! A statement may span lines (see `split`): a newline continues the statement when a
//! parenthesis is open, when the line ends with an operator (`+ - * / ^ ? , (` or a
//! relational one), when the next line starts with one, or when the next line has no
//! relational operator. `;` always ends a statement.
//!
//! Modifiers (see `terms`): `1*x` / `0*x` fix, `NA*x` frees, `a*x`, `"a"*x`, `label("a")*x`
//! and `equal("a")*x` label, `start(0.5)*x` and `0.5?x` give start values; `c(...)` gives one
//! value per group. Modifiers chain: `a*start(1)*x`.
//!
//! Limits and checks (see `expr_parser` and `check`): expressions may nest at most
//! [`MAX_NESTING`] levels and be at most [`MAX_EXPR_DEPTH`] deep (a sum of more terms is
//! refused); calls must be of the functions [`Expr::eval`] knows, with one argument; a `:=`
//! may not be defined twice nor refer to itself or loop through other definitions; two
//! constraints may not fix the same label. [`check_model`] adds the checks that need the
//! parameter table (modifier vectors against the number of groups, unknown labels).
//!
//! Errors ([`SyntaxError`]) carry the line and column of the offending token in the original
//! text. Not supported (reported as errors): `<~`, `~*~`, `|` (thresholds), block headers
//! (`group: 1`), interaction terms `x1:x2`, and modifiers other than those above
//! (`lower()`, `upper()`, `efa()`, ...).

mod ast;
mod check;
mod cursor;
mod deriv;
mod expr;
mod expr_parser;
mod lexer;
mod parser;
mod print;
mod split;
mod terms;

#[cfg(test)]
mod tests;

pub use ast::{ConstraintOp, ModelSyntax, Modifiers, Pos, RelOp, Statement, SyntaxError, Term};
pub use check::{check_model, MAX_DEFINITION_DEPTH};
pub use expr::{BinOp, EvalError, Expr, KNOWN_FUNCTIONS};
pub use expr_parser::{MAX_EXPR_DEPTH, MAX_NESTING};

/// Parses lavaan model syntax. An empty model (or one of comments only) gives no statements.
pub fn parse(text: &str) -> Result<ModelSyntax, SyntaxError> {
    let statements = split::split_statements(lexer::tokenize(text))
        .iter()
        .map(|tokens| parser::parse_statement(tokens))
        .collect::<Result<Vec<_>, _>>()?;
    check::check_statements(&statements)?;
    Ok(ModelSyntax { statements })
}

impl std::str::FromStr for ModelSyntax {
    type Err = SyntaxError;

    fn from_str(text: &str) -> Result<Self, SyntaxError> {
        parse(text)
    }
}
