//! Right-hand-side terms of `=~`, `~`, `~~` and their modifiers.
//!
//! ```text
//! terms    = term { "+" term }
//! term     = { modifier ("*" | "?") } variable
//! variable = name | "1"                       ("1" only after `~`: an intercept)
//! modifier = ["-"] number | "NA" | name | string
//!          | "c" "(" values ")" | "start" "(" values ")"
//!          | "label" "(" values ")" | "equal" "(" values ")"
//! values   = value { "," value }                (a nested `c(...)` is flattened)
//! value    = ["-"] number | "NA" | name | string
//! ```
//!
//! With `*`: a number (or `NA`, or `c()` of numbers and `NA`) fixes the parameter (`NA`
//! frees it); a name or string (or `c()` of them) labels it; `start()` gives start values;
//! `label()` and `equal()` label it. With `?`: a number (or `c()` of numbers) is a start value.
//! Each of fixed value, label and start value may be given once per term.

use super::ast::{Modifiers, RelOp, SyntaxError, Term};
use super::cursor::Cursor;
use super::expr_parser::MAX_NESTING;
use super::lexer::{Tok, Token};

/// One element of a `c(...)`/`start(...)`/`label(...)` list.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Number(f64),
    Na,
    Name(String),
}

/// What stands before a `*`, `?`, or is the variable itself.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Value { value: Value, quoted: bool },
    Vector(Vec<Value>),
    Start(Vec<Value>),
    Label(Vec<Value>),
}

/// `term { "+" term }` up to the end of the cursor's range.
pub(crate) fn parse_terms(c: &mut Cursor, op: RelOp) -> Result<Vec<Term>, SyntaxError> {
    let mut terms = Vec::new();
    loop {
        terms.push(parse_term(c, op)?);
        match c.next() {
            None => return Ok(terms),
            Some(plus) if plus.tok == Tok::Plus => {
                if c.is_done() {
                    return Err(SyntaxError::at(plus.pos, "`+` is not followed by a term"));
                }
            }
            Some(t) => {
                return Err(SyntaxError::at(
                    t.pos,
                    format!(
                        "expected `+` or the end of the statement, found `{}`",
                        t.text
                    ),
                ))
            }
        }
    }
}

fn parse_term(c: &mut Cursor, op: RelOp) -> Result<Term, SyntaxError> {
    let Some(first) = c.peek() else {
        return Err(c.error_at_end("expected a term"));
    };
    let mut modifiers = Modifiers::default();
    loop {
        let start = c.index();
        let head = c.peek().expect("checked by the caller or below");
        let item = parse_item(c)?;
        let text = c.text_since(start);
        let question = if c.eat(&Tok::Star) {
            false
        } else if c.eat(&Tok::Question) {
            true
        } else {
            let var = as_variable(item, op, head, &text)?;
            return Ok(Term {
                var,
                modifiers,
                pos: first.pos,
            });
        };
        if c.peek().is_none_or(|t| t.tok == Tok::Plus) {
            let sep = if question { '?' } else { '*' };
            return Err(SyntaxError::at(
                head.pos,
                format!("modifier `{text}{sep}` is not followed by a variable"),
            ));
        }
        apply(&mut modifiers, item, question)
            .map_err(|m| SyntaxError::at(head.pos, format!("`{text}`: {m}")))?;
    }
}

fn parse_item(c: &mut Cursor) -> Result<Item, SyntaxError> {
    let t = c.peek().expect("the caller checked that a token follows");
    if let Tok::Ident(name) = &t.tok {
        if c.peek_at(1).is_some_and(|n| n.tok == Tok::LParen) {
            let make: fn(Vec<Value>) -> Item = match name.as_str() {
                "c" => Item::Vector,
                "start" => Item::Start,
                "label" | "equal" => Item::Label,
                _ => {
                    return Err(SyntaxError::at(
                        t.pos,
                        format!("unknown modifier `{name}(...)` (expected `c()`, `start()`, `label()` or `equal()`)"),
                    ))
                }
            };
            c.next();
            return Ok(make(parse_list(c, 0)?));
        }
    }
    let quoted = matches!(t.tok, Tok::Str(_));
    Ok(Item::Value {
        value: parse_value(c)?,
        quoted,
    })
}

/// `"(" value { "," value } ")"`; the name before `(` was consumed. `level` counts the
/// `c(...)` this list is nested in (at most [`MAX_NESTING`]).
fn parse_list(c: &mut Cursor, level: usize) -> Result<Vec<Value>, SyntaxError> {
    let open = c.next().expect("the caller saw `(`");
    if level >= MAX_NESTING {
        return Err(SyntaxError::at(
            open.pos,
            format!(
                "values nested too deeply at line {}: more than {MAX_NESTING} levels of `c(...)`",
                open.pos.line
            ),
        ));
    }
    let mut values = Vec::new();
    if c.peek_is(&Tok::RParen) {
        return Err(SyntaxError::at(open.pos, "empty list of values"));
    }
    loop {
        let nested_c = matches!(c.peek(), Some(Token { tok: Tok::Ident(n), .. }) if n == "c")
            && c.peek_at(1).is_some_and(|t| t.tok == Tok::LParen);
        if nested_c {
            c.next();
            values.extend(parse_list(c, level + 1)?);
        } else {
            values.push(parse_value(c)?);
        }
        match c.next() {
            Some(t) if t.tok == Tok::Comma => {}
            Some(t) if t.tok == Tok::RParen => return Ok(values),
            Some(t) => {
                return Err(SyntaxError::at(
                    t.pos,
                    format!("expected `,` or `)`, found `{}`", t.text),
                ))
            }
            None => return Err(SyntaxError::at(open.pos, "unclosed `(`")),
        }
    }
}

/// `["-"] number | "NA" | name | string`.
fn parse_value(c: &mut Cursor) -> Result<Value, SyntaxError> {
    let Some(t) = c.next() else {
        return Err(c.error_at_end("expected a value"));
    };
    match &t.tok {
        Tok::Number(v) => Ok(Value::Number(*v)),
        Tok::Minus => match c.next() {
            Some(Token {
                tok: Tok::Number(v),
                ..
            }) => Ok(Value::Number(-v)),
            _ => Err(SyntaxError::at(t.pos, "`-` must be followed by a number")),
        },
        Tok::Ident(name) if name == "NA" => Ok(Value::Na),
        Tok::Ident(name) | Tok::Str(name) => Ok(Value::Name(name.clone())),
        _ => Err(SyntaxError::at(
            t.pos,
            format!("expected a variable or a modifier, found `{}`", t.text),
        )),
    }
}

/// The item that ends a term: a variable name, or `1` (intercept) after `~`.
fn as_variable(item: Item, op: RelOp, head: &Token, text: &str) -> Result<String, SyntaxError> {
    let message = match item {
        Item::Value {
            value: Value::Name(name),
            quoted: false,
        } => return Ok(name),
        Item::Value {
            value: Value::Number(1.0),
            ..
        } if op == RelOp::Regression => return Ok("1".into()),
        Item::Value {
            value: Value::Number(1.0),
            ..
        } => {
            format!(
                "`1` (an intercept) can only be used with `~`, not with `{}`",
                op.as_str()
            )
        }
        Item::Value {
            value: Value::Number(_),
            ..
        } => {
            format!("a number cannot be a variable: `{text}` (missing `*`?)")
        }
        Item::Value {
            value: Value::Na, ..
        } => "`NA` cannot be a variable (missing `*`?)".to_string(),
        Item::Value { quoted: true, .. } => {
            format!("a quoted name cannot be a variable: `{text}` (missing `*`?)")
        }
        Item::Vector(_) | Item::Start(_) | Item::Label(_) => {
            format!("modifier `{text}` must be followed by `*` and a variable")
        }
    };
    Err(SyntaxError::at(head.pos, message))
}

fn set<T>(slot: &mut Option<T>, value: T, what: &str) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("more than one {what} for the same term"));
    }
    *slot = Some(value);
    Ok(())
}

fn numbers(values: &[Value]) -> Option<Vec<f64>> {
    values
        .iter()
        .map(|v| match v {
            Value::Number(x) => Some(*x),
            _ => None,
        })
        .collect()
}

fn fixed_values(values: &[Value]) -> Option<Vec<Option<f64>>> {
    values
        .iter()
        .map(|v| match v {
            Value::Number(x) => Some(Some(*x)),
            Value::Na => Some(None),
            Value::Name(_) => None,
        })
        .collect()
}

fn labels(values: &[Value]) -> Option<Vec<Option<String>>> {
    values
        .iter()
        .map(|v| match v {
            Value::Name(s) => Some(Some(s.clone())),
            Value::Na => Some(None),
            Value::Number(_) => None,
        })
        .collect()
}

/// Records a modifier on the term; the error is a message without position.
fn apply(m: &mut Modifiers, item: Item, question: bool) -> Result<(), String> {
    const FIXED: &str = "fixed value";
    const LABEL: &str = "label";
    const START: &str = "start value";
    if question {
        let values = match item {
            Item::Value { value, .. } => vec![value],
            Item::Vector(values) => values,
            _ => return Err("only numbers can precede `?` (a start value)".into()),
        };
        let starts = numbers(&values).ok_or("only numbers can precede `?` (a start value)")?;
        return set(&mut m.start, starts, START);
    }
    match item {
        Item::Value {
            value: Value::Number(x),
            ..
        } => set(&mut m.fixed, vec![Some(x)], FIXED),
        Item::Value {
            value: Value::Na, ..
        } => set(&mut m.fixed, vec![None], FIXED),
        Item::Value {
            value: Value::Name(s),
            ..
        } => set(&mut m.label, vec![Some(s)], LABEL),
        Item::Vector(values) => {
            if let Some(fixed) = fixed_values(&values) {
                set(&mut m.fixed, fixed, FIXED)
            } else if let Some(labels) = labels(&values) {
                set(&mut m.label, labels, LABEL)
            } else {
                Err("`c()` mixes numbers and labels".into())
            }
        }
        Item::Start(values) => {
            let starts = numbers(&values).ok_or("start values must be numbers")?;
            set(&mut m.start, starts, START)
        }
        Item::Label(values) => {
            let labels = labels(&values).ok_or("labels must be names or quoted strings")?;
            set(&mut m.label, labels, LABEL)
        }
    }
}
