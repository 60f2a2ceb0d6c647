//! Recursive-descent parser for the arithmetic of `:=` and constraints (grammar in
//! [`super::expr`]).
//!
//! Two limits keep every later walk over the tree (evaluation, derivatives, printing, even
//! dropping it) within the stack of any thread:
//!
//! * nesting — minus signs, powers, function calls and parenthesised operations inside one
//!   another — is limited to [`MAX_NESTING`] levels; the parser's own recursion (which also
//!   counts redundant parentheses and plus signs) to four times that. Printing an accepted
//!   tree ([`Expr::to_lavaan`]) adds at most one level per minus sign (`- -a` prints as
//!   `-(-a)`), so what it prints is always accepted again;
//! * the depth of the resulting tree is limited to [`MAX_EXPR_DEPTH`]; a flat chain such as
//!   a sum of many terms is a tree as deep as it has operators.
//!
//! Calls are checked here too: only the functions [`Expr::eval`] knows, with one argument.

use super::ast::SyntaxError;
use super::cursor::Cursor;
use super::expr::{apply_function, BinOp, Expr, KNOWN_FUNCTIONS};
use super::lexer::{Tok, Token};

/// The most parentheses, signs, powers and calls that may be nested in one expression.
pub const MAX_NESTING: usize = 200;

/// The deepest expression tree accepted (a sum of `n` terms is `n - 1` deep).
pub const MAX_EXPR_DEPTH: usize = 1000;

/// The parser's recursion limit (redundant parentheses and plus signs count here only).
const MAX_RECURSION: usize = 4 * MAX_NESTING;

/// An expression, the depth of its tree (a leaf is 1 deep) and its nesting (minus signs,
/// power exponents, calls and parenthesised operations along the deepest path).
type Deep = (Expr, usize, usize);

/// Parses the cursor's whole range as one expression.
pub(crate) fn parse_expression(c: &mut Cursor) -> Result<Expr, SyntaxError> {
    let (e, _, _) = additive(c, 0)?;
    match c.peek() {
        None => Ok(e),
        Some(t) => Err(SyntaxError::at(
            t.pos,
            format!(
                "unexpected `{}` (expected an arithmetic operator or the end of the expression)",
                t.text
            ),
        )),
    }
}

fn too_deep(at: &Token) -> SyntaxError {
    SyntaxError::at(
        at.pos,
        format!(
            "expression nested too deeply at line {}: more than {MAX_EXPR_DEPTH} operations in a chain (split it into several `:=` definitions)",
            at.pos.line
        ),
    )
}

fn binary(
    op: BinOp,
    (a, da, na): Deep,
    (b, db, nb): Deep,
    at: &Token,
) -> Result<Deep, SyntaxError> {
    let depth = 1 + da.max(db);
    if depth > MAX_EXPR_DEPTH {
        return Err(too_deep(at));
    }
    let nesting = if op == BinOp::Pow {
        na.max(checked_nesting(nb + 1, at)?)
    } else {
        na.max(nb)
    };
    Ok((Expr::Binary(op, Box::new(a), Box::new(b)), depth, nesting))
}

fn too_nested(at: &Token) -> SyntaxError {
    SyntaxError::at(
        at.pos,
        format!(
            "expression nested too deeply at line {}: more than {MAX_NESTING} levels of parentheses, signs, powers or function calls",
            at.pos.line
        ),
    )
}

/// `nesting`, or an error past [`MAX_NESTING`].
fn checked_nesting(nesting: usize, at: &Token) -> Result<usize, SyntaxError> {
    if nesting > MAX_NESTING {
        return Err(too_nested(at));
    }
    Ok(nesting)
}

/// One level deeper in the parser's recursion; an error past [`MAX_RECURSION`].
fn nest(level: usize, at: &Token) -> Result<usize, SyntaxError> {
    if level >= MAX_RECURSION {
        return Err(too_nested(at));
    }
    Ok(level + 1)
}

fn additive(c: &mut Cursor, level: usize) -> Result<Deep, SyntaxError> {
    let mut e = multiplicative(c, level)?;
    loop {
        let Some(at) = c.peek() else {
            return Ok(e);
        };
        let op = if c.eat(&Tok::Plus) {
            BinOp::Add
        } else if c.eat(&Tok::Minus) {
            BinOp::Sub
        } else {
            return Ok(e);
        };
        let rhs = multiplicative(c, level)?;
        e = binary(op, e, rhs, at)?;
    }
}

fn multiplicative(c: &mut Cursor, level: usize) -> Result<Deep, SyntaxError> {
    let mut e = unary(c, level)?;
    loop {
        let Some(at) = c.peek() else {
            return Ok(e);
        };
        let op = if c.eat(&Tok::Star) {
            BinOp::Mul
        } else if c.eat(&Tok::Slash) {
            BinOp::Div
        } else {
            return Ok(e);
        };
        let rhs = unary(c, level)?;
        e = binary(op, e, rhs, at)?;
    }
}

fn unary(c: &mut Cursor, level: usize) -> Result<Deep, SyntaxError> {
    let Some(at) = c.peek() else {
        return power(c, level);
    };
    if c.eat(&Tok::Minus) {
        let (a, d, n) = unary(c, nest(level, at)?)?;
        if d + 1 > MAX_EXPR_DEPTH {
            return Err(too_deep(at));
        }
        Ok((Expr::Neg(Box::new(a)), d + 1, checked_nesting(n + 1, at)?))
    } else if c.eat(&Tok::Plus) {
        unary(c, nest(level, at)?)
    } else {
        power(c, level)
    }
}

fn power(c: &mut Cursor, level: usize) -> Result<Deep, SyntaxError> {
    let base = primary(c, level)?;
    match c.peek() {
        Some(at) if at.tok == Tok::Caret => {
            c.next();
            let exponent = unary(c, nest(level, at)?)?;
            binary(BinOp::Pow, base, exponent, at)
        }
        _ => Ok(base),
    }
}

fn primary(c: &mut Cursor, level: usize) -> Result<Deep, SyntaxError> {
    let Some(t) = c.next() else {
        return Err(c.error_at_end("expected a number, a name or `(`"));
    };
    match &t.tok {
        Tok::Number(v) => Ok((Expr::Number(*v), 1, 0)),
        Tok::Ident(name) if name == "NA" => Err(SyntaxError::at(
            t.pos,
            "`NA` cannot be used in an expression",
        )),
        Tok::Ident(name) if c.eat(&Tok::LParen) => {
            let (args, d, n) = arguments(c, t, nest(level, t)?)?;
            check_call(name, args.len(), t)?;
            if d + 1 > MAX_EXPR_DEPTH {
                return Err(too_deep(t));
            }
            Ok((
                Expr::Call(name.clone(), args),
                d + 1,
                checked_nesting(n + 1, t)?,
            ))
        }
        Tok::Ident(name) => Ok((Expr::Var(name.clone()), 1, 0)),
        Tok::LParen => {
            let (e, d, n) = additive(c, nest(level, t)?)?;
            expect_close(c, t)?;
            // parentheses around an operation are a level; around anything else they are
            // redundant (and are not printed back)
            let n = if matches!(e, Expr::Binary(..)) {
                checked_nesting(n + 1, t)?
            } else {
                n
            };
            Ok((e, d, n))
        }
        _ => Err(SyntaxError::at(
            t.pos,
            format!("unexpected `{}` in an expression", t.text),
        )),
    }
}

/// A call must be of a function [`Expr::eval`] knows, with one argument.
fn check_call(name: &str, nargs: usize, at: &Token) -> Result<(), SyntaxError> {
    if apply_function(name, 0.0).is_none() {
        return Err(SyntaxError::at(
            at.pos,
            format!(
                "unknown function `{name}` (known: {})",
                KNOWN_FUNCTIONS.join(", ")
            ),
        ));
    }
    if nargs != 1 {
        return Err(SyntaxError::at(
            at.pos,
            format!("function `{name}` takes 1 argument, {nargs} given"),
        ));
    }
    Ok(())
}

/// `[ expr { "," expr } ] ")"`, after the `(` of a call of `function`; also the depth and
/// the nesting of the deepest argument.
fn arguments(
    c: &mut Cursor,
    function: &Token,
    level: usize,
) -> Result<(Vec<Expr>, usize, usize), SyntaxError> {
    let mut args = Vec::new();
    let (mut depth, mut nesting) = (0, 0);
    if c.eat(&Tok::RParen) {
        return Ok((args, depth, nesting));
    }
    loop {
        let (a, d, n) = additive(c, level)?;
        args.push(a);
        depth = depth.max(d);
        nesting = nesting.max(n);
        if !c.eat(&Tok::Comma) {
            expect_close(c, function)?;
            return Ok((args, depth, nesting));
        }
    }
}

fn expect_close(c: &mut Cursor, opener: &Token) -> Result<(), SyntaxError> {
    if c.eat(&Tok::RParen) {
        return Ok(());
    }
    Err(match c.peek() {
        Some(t) => SyntaxError::at(
            t.pos,
            format!("expected `)` or an operator, found `{}`", t.text),
        ),
        None => SyntaxError::at(opener.pos, format!("unclosed `(` of `{}`", opener.text)),
    })
}
