//! Writing expressions back as lavaan text.
//!
//! The output has no spaces and the fewest parentheses that keep the tree, as lavaan writes
//! the `rhs` of `:=` and `==` rows (`c+a*b`, `var_innov/(1-ar^2)`), so that
//! `parse(to_lavaan(e))` gives back `e`. Redundant parentheses the user wrote are not kept.

use std::fmt;

use super::expr::{BinOp, Expr};

const ADDITIVE: u8 = 1;
const MULTIPLICATIVE: u8 = 2;
const UNARY: u8 = 3;
const POWER: u8 = 4;
const ATOM: u8 = 5;

fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Binary(op, ..) => op_precedence(*op),
        Expr::Neg(_) => UNARY,
        Expr::Number(v) if v.is_sign_negative() && *v != 0.0 => UNARY,
        Expr::Number(_) | Expr::Var(_) | Expr::Call(..) => ATOM,
    }
}

fn op_precedence(op: BinOp) -> u8 {
    match op {
        BinOp::Add | BinOp::Sub => ADDITIVE,
        BinOp::Mul | BinOp::Div => MULTIPLICATIVE,
        BinOp::Pow => POWER,
    }
}

/// Numbers print as integers when whole, otherwise in the shortest form that reads back
/// exactly (`0.5`, `1e-7`); non-finite values print as R does (`Inf`, `-Inf`, `NaN`).
pub(crate) fn format_number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "Inf" } else { "-Inf" }.into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:?}")
    }
}

fn write(e: &Expr, out: &mut String) {
    let child = |c: &Expr, parens: bool, out: &mut String| {
        if parens {
            out.push('(');
            write(c, out);
            out.push(')');
        } else {
            write(c, out);
        }
    };
    match e {
        Expr::Number(v) => out.push_str(&format_number(*v)),
        Expr::Var(name) => out.push_str(name),
        Expr::Neg(a) => {
            out.push('-');
            child(a, precedence(a) < POWER, out);
        }
        Expr::Binary(op, a, b) => {
            let p = op_precedence(*op);
            let (left, right) = if *op == BinOp::Pow {
                (precedence(a) <= POWER, precedence(b) < POWER)
            } else {
                (
                    precedence(a) < p,
                    precedence(b) <= p || precedence(b) == UNARY,
                )
            };
            child(a, left, out);
            out.push_str(op.symbol());
            child(b, right, out);
        }
        Expr::Call(name, args) => {
            out.push_str(name);
            out.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(a, out);
            }
            out.push(')');
        }
    }
}

impl Expr {
    /// Round-trippable lavaan text without spaces, e.g. `a*b`, `c+a*b`, `v/(1-ar^2)`.
    pub fn to_lavaan(&self) -> String {
        let mut out = String::new();
        write(self, &mut out);
        out
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_lavaan())
    }
}
