//! Recursive-descent parser for the arithmetic of `:=` and constraints (grammar in
//! [`super::expr`]).

use super::ast::SyntaxError;
use super::expr::{BinOp, Expr};
use super::lexer::{Tok, Token};
use super::parser::Cursor;

/// Parses the cursor's whole range as one expression.
pub(crate) fn parse_expression(c: &mut Cursor) -> Result<Expr, SyntaxError> {
    let e = additive(c)?;
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

fn binary(op: BinOp, a: Expr, b: Expr) -> Expr {
    Expr::Binary(op, Box::new(a), Box::new(b))
}

fn additive(c: &mut Cursor) -> Result<Expr, SyntaxError> {
    let mut e = multiplicative(c)?;
    loop {
        let op = if c.eat(&Tok::Plus) {
            BinOp::Add
        } else if c.eat(&Tok::Minus) {
            BinOp::Sub
        } else {
            return Ok(e);
        };
        e = binary(op, e, multiplicative(c)?);
    }
}

fn multiplicative(c: &mut Cursor) -> Result<Expr, SyntaxError> {
    let mut e = unary(c)?;
    loop {
        let op = if c.eat(&Tok::Star) {
            BinOp::Mul
        } else if c.eat(&Tok::Slash) {
            BinOp::Div
        } else {
            return Ok(e);
        };
        e = binary(op, e, unary(c)?);
    }
}

fn unary(c: &mut Cursor) -> Result<Expr, SyntaxError> {
    if c.eat(&Tok::Minus) {
        Ok(Expr::Neg(Box::new(unary(c)?)))
    } else if c.eat(&Tok::Plus) {
        unary(c)
    } else {
        power(c)
    }
}

fn power(c: &mut Cursor) -> Result<Expr, SyntaxError> {
    let base = primary(c)?;
    if c.eat(&Tok::Caret) {
        Ok(binary(BinOp::Pow, base, unary(c)?))
    } else {
        Ok(base)
    }
}

fn primary(c: &mut Cursor) -> Result<Expr, SyntaxError> {
    let Some(t) = c.next() else {
        return Err(c.error_at_end("expected a number, a name or `(`"));
    };
    match &t.tok {
        Tok::Number(v) => Ok(Expr::Number(*v)),
        Tok::Ident(name) if name == "NA" => Err(SyntaxError::at(
            t.pos,
            "`NA` cannot be used in an expression",
        )),
        Tok::Ident(name) if c.eat(&Tok::LParen) => Ok(Expr::Call(name.clone(), arguments(c, t)?)),
        Tok::Ident(name) => Ok(Expr::Var(name.clone())),
        Tok::LParen => {
            let e = additive(c)?;
            expect_close(c, t)?;
            Ok(e)
        }
        _ => Err(SyntaxError::at(
            t.pos,
            format!("unexpected `{}` in an expression", t.text),
        )),
    }
}

/// `[ expr { "," expr } ] ")"`, after the `(` of a call of `function`.
fn arguments(c: &mut Cursor, function: &Token) -> Result<Vec<Expr>, SyntaxError> {
    let mut args = Vec::new();
    if c.eat(&Tok::RParen) {
        return Ok(args);
    }
    loop {
        args.push(additive(c)?);
        if !c.eat(&Tok::Comma) {
            expect_close(c, function)?;
            return Ok(args);
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
