//! Parsing one statement's tokens: the operator decides the kind of statement.
//!
//! ```text
//! statement  = relation | definition | constraint
//! relation   = name { "+" name } ("=~" | "~" | "~~") term { "+" term }
//! definition = name ":=" expr
//! constraint = expr ("==" | "<" | ">") expr
//! ```
//!
//! Before that, a statement is checked for bad tokens, for balanced parentheses and for
//! exactly one relational operator.

use super::ast::{Pos, Statement, SyntaxError};
use super::cursor::Cursor;
use super::expr_parser::parse_expression;
use super::lexer::{Rel, Tok, Token};
use super::terms::parse_terms;

/// Parses the tokens of one statement (non-empty, as produced by `split_statements`).
pub(crate) fn parse_statement(toks: &[Token]) -> Result<Statement, SyntaxError> {
    let pos = toks[0].pos;
    if let Some(bad) = toks
        .iter()
        .find(|t| matches!(t.tok, Tok::Unknown(_) | Tok::Invalid(_)))
    {
        let (Tok::Unknown(message) | Tok::Invalid(message)) = &bad.tok else {
            unreachable!()
        };
        return Err(SyntaxError::at(bad.pos, message.clone()));
    }
    check_parentheses(toks)?;

    let mut operators = toks.iter().enumerate().filter_map(|(k, t)| match t.tok {
        Tok::Rel(rel) => Some((k, rel)),
        _ => None,
    });
    let Some((k, rel)) = operators.next() else {
        return Err(SyntaxError::at(
            pos,
            "statement has no operator (expected one of `=~`, `~`, `~~`, `:=`, `==`, `<`, `>`)",
        ));
    };
    if let Some((second, _)) = operators.next() {
        let t = &toks[second];
        return Err(SyntaxError::at(
            t.pos,
            format!(
                "a second operator `{}` in one statement (is a line incomplete?)",
                t.text
            ),
        ));
    }
    let op = &toks[k];
    if k == 0 {
        return Err(SyntaxError::at(
            op.pos,
            format!("missing left-hand side before `{}`", op.text),
        ));
    }
    if k + 1 == toks.len() {
        return Err(SyntaxError::at(
            op.pos,
            format!("empty right-hand side after `{}`", op.text),
        ));
    }

    match rel {
        Rel::Relation(op) => {
            let lhs = parse_names(&mut Cursor::new(toks, 0, k))?;
            let rhs = parse_terms(&mut Cursor::new(toks, k + 1, toks.len()), op)?;
            Ok(Statement::Relation { lhs, op, rhs, pos })
        }
        Rel::Define => {
            let name = match &toks[..k] {
                [Token {
                    tok: Tok::Ident(name),
                    ..
                }] if name != "NA" => name.clone(),
                [first, second, ..] if matches!(first.tok, Tok::Ident(_)) => {
                    return Err(SyntaxError::at(
                        second.pos,
                        format!(
                            "the left-hand side of `:=` must be a single name, found `{}`",
                            second.text
                        ),
                    ))
                }
                [first, ..] => {
                    return Err(SyntaxError::at(
                        first.pos,
                        format!(
                            "the left-hand side of `:=` must be a name, found `{}`",
                            first.text
                        ),
                    ))
                }
                [] => unreachable!("checked above"),
            };
            let expr = parse_expression(&mut Cursor::new(toks, k + 1, toks.len()))?;
            Ok(Statement::Definition { name, expr, pos })
        }
        Rel::Constraint(op) => {
            let lhs = parse_expression(&mut Cursor::new(toks, 0, k))?;
            let rhs = parse_expression(&mut Cursor::new(toks, k + 1, toks.len()))?;
            Ok(Statement::Constraint { lhs, op, rhs, pos })
        }
    }
}

/// Every `)` must close a `(` of the same statement, and every `(` must be closed.
fn check_parentheses(toks: &[Token]) -> Result<(), SyntaxError> {
    let mut open: Vec<Pos> = Vec::new();
    for t in toks {
        match t.tok {
            Tok::LParen => open.push(t.pos),
            Tok::RParen if open.pop().is_none() => {
                return Err(SyntaxError::at(t.pos, "unmatched `)`"));
            }
            _ => {}
        }
    }
    match open.first() {
        Some(&pos) => Err(SyntaxError::at(pos, "unclosed `(`")),
        None => Ok(()),
    }
}

/// `name { "+" name }`: the left-hand side of `=~`, `~`, `~~`.
fn parse_names(c: &mut Cursor) -> Result<Vec<String>, SyntaxError> {
    let mut names = Vec::new();
    loop {
        match c.next() {
            Some(Token {
                tok: Tok::Ident(name),
                ..
            }) if name != "NA" => names.push(name.clone()),
            Some(t) => {
                return Err(SyntaxError::at(
                    t.pos,
                    format!(
                        "expected a variable name on the left-hand side, found `{}`",
                        t.text
                    ),
                ))
            }
            None => return Err(c.error_at_end("expected a variable name")),
        }
        match c.next() {
            None => return Ok(names),
            Some(Token { tok: Tok::Plus, .. }) => {}
            Some(t) => {
                return Err(SyntaxError::at(
                    t.pos,
                    format!(
                        "expected `+` between left-hand-side names, found `{}`",
                        t.text
                    ),
                ))
            }
        }
    }
}
