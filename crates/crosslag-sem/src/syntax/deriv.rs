//! Symbolic differentiation of expressions (for delta-method standard errors of `:=`
//! parameters and Jacobians of constraints).
//!
//! Results are lightly simplified while they are built: constants are folded, and
//! `0*x → 0`, `1*x → x`, `x+0 → x`, `x-0 → x`, `0-x → -x`, `x/1 → x`, `0/x → 0`, `x^1 → x`,
//! `x^0 → 1`, `--x → x`.

use super::expr::{BinOp, Expr};
use super::expr_parser::MAX_EXPR_DEPTH;

fn num(e: &Expr) -> Option<f64> {
    match e {
        Expr::Number(v) => Some(*v),
        _ => None,
    }
}

fn n(v: f64) -> Expr {
    Expr::Number(v)
}

fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
    Expr::Binary(op, Box::new(a), Box::new(b))
}

fn call(name: &str, arg: Expr) -> Expr {
    Expr::Call(name.to_string(), vec![arg])
}

pub(crate) fn neg(a: Expr) -> Expr {
    match a {
        Expr::Number(v) => n(-v),
        Expr::Neg(inner) => *inner,
        other => Expr::Neg(Box::new(other)),
    }
}

pub(crate) fn add(a: Expr, b: Expr) -> Expr {
    match (num(&a), num(&b)) {
        (Some(x), Some(y)) => n(x + y),
        (Some(0.0), _) => b,
        (_, Some(0.0)) => a,
        _ => bin(BinOp::Add, a, b),
    }
}

pub(crate) fn sub(a: Expr, b: Expr) -> Expr {
    match (num(&a), num(&b)) {
        (Some(x), Some(y)) => n(x - y),
        (Some(0.0), _) => neg(b),
        (_, Some(0.0)) => a,
        _ => bin(BinOp::Sub, a, b),
    }
}

pub(crate) fn mul(a: Expr, b: Expr) -> Expr {
    match (num(&a), num(&b)) {
        (Some(x), Some(y)) => n(x * y),
        (Some(0.0), _) => n(0.0),
        (_, Some(0.0)) => n(0.0),
        (Some(1.0), _) => b,
        (_, Some(1.0)) => a,
        (Some(-1.0), _) => neg(b),
        (_, Some(-1.0)) => neg(a),
        _ => bin(BinOp::Mul, a, b),
    }
}

pub(crate) fn div(a: Expr, b: Expr) -> Expr {
    match (num(&a), num(&b)) {
        (Some(x), Some(y)) if y != 0.0 => n(x / y),
        (Some(0.0), _) => n(0.0),
        (_, Some(1.0)) => a,
        _ => bin(BinOp::Div, a, b),
    }
}

pub(crate) fn pow(a: Expr, b: Expr) -> Expr {
    match (num(&a), num(&b)) {
        (Some(x), Some(y)) => n(x.powf(y)),
        (_, Some(1.0)) => a,
        (_, Some(0.0)) => n(1.0),
        _ => bin(BinOp::Pow, a, b),
    }
}

impl Expr {
    /// The symbolic partial derivative with respect to `var`, lightly simplified.
    ///
    /// The derivative of a function [`Expr::eval`] does not know (or of a known one called with
    /// the wrong number of arguments) is left as a call of `D.<name>` with the same arguments,
    /// times the chain-rule factor; evaluating it fails with `UnknownFunction`.
    ///
    /// The recursion follows the tree, so it is bounded by the depth [`super::parse`] allows
    /// ([`MAX_EXPR_DEPTH`]); a deeper tree built by hand is not differentiated: the result is
    /// the call `D.too_deep()`, whose evaluation fails with `UnknownFunction`.
    pub fn partial(&self, var: &str) -> Expr {
        if self.depth() > MAX_EXPR_DEPTH {
            return Expr::Call("D.too_deep".into(), Vec::new());
        }
        self.derivative(var)
    }

    /// [`Expr::partial`] without the depth check.
    fn derivative(&self, var: &str) -> Expr {
        if !self.contains(var) {
            return n(0.0);
        }
        match self {
            Expr::Number(_) => n(0.0),
            Expr::Var(name) => n(if name == var { 1.0 } else { 0.0 }),
            Expr::Neg(a) => neg(a.derivative(var)),
            Expr::Binary(op, a, b) => {
                let (a, b) = (a.as_ref(), b.as_ref());
                let (da, db) = (a.derivative(var), b.derivative(var));
                match op {
                    BinOp::Add => add(da, db),
                    BinOp::Sub => sub(da, db),
                    BinOp::Mul => add(mul(da, b.clone()), mul(a.clone(), db)),
                    // (a/b)' = a'/b - a*b'/b^2
                    BinOp::Div => sub(
                        div(da, b.clone()),
                        div(mul(a.clone(), db), pow(b.clone(), n(2.0))),
                    ),
                    BinOp::Pow if !b.contains(var) => {
                        // (a^c)' = c * a^(c-1) * a'
                        let lowered = pow(a.clone(), sub(b.clone(), n(1.0)));
                        mul(mul(b.clone(), lowered), da)
                    }
                    // (a^b)' = a^b * (b' * log(a) + b * a'/a)
                    BinOp::Pow => mul(
                        self.clone(),
                        add(
                            mul(db, call("log", a.clone())),
                            mul(b.clone(), div(da, a.clone())),
                        ),
                    ),
                }
            }
            Expr::Call(name, args) => {
                let [a] = args.as_slice() else {
                    return unknown_derivative(name, args, var);
                };
                let da = a.derivative(var);
                let outer = match name.as_str() {
                    "sqrt" => div(n(1.0), mul(n(2.0), self.clone())),
                    "exp" => self.clone(),
                    "log" => div(n(1.0), a.clone()),
                    "log10" => div(n(1.0), mul(a.clone(), call("log", n(10.0)))),
                    "abs" => call("sign", a.clone()),
                    "sign" => n(0.0),
                    "sin" => call("cos", a.clone()),
                    "cos" => neg(call("sin", a.clone())),
                    "tan" => div(n(1.0), pow(call("cos", a.clone()), n(2.0))),
                    "asin" => div(n(1.0), call("sqrt", sub(n(1.0), pow(a.clone(), n(2.0))))),
                    "acos" => neg(div(
                        n(1.0),
                        call("sqrt", sub(n(1.0), pow(a.clone(), n(2.0)))),
                    )),
                    "atan" => div(n(1.0), add(n(1.0), pow(a.clone(), n(2.0)))),
                    "pnorm" => call("dnorm", a.clone()),
                    "dnorm" => neg(mul(a.clone(), call("dnorm", a.clone()))),
                    _ => return unknown_derivative(name, args, var),
                };
                mul(outer, da)
            }
        }
    }
}

/// Chain rule for a function without a known derivative: sum_i D.f_i(args) * args_i'
/// (written `D.f(args)` for a single argument).
fn unknown_derivative(name: &str, args: &[Expr], var: &str) -> Expr {
    let dname = format!("D.{name}");
    if args.len() == 1 {
        return mul(Expr::Call(dname, args.to_vec()), args[0].derivative(var));
    }
    args.iter().enumerate().fold(n(0.0), |acc, (i, a)| {
        let d = Expr::Call(format!("{dname}.{}", i + 1), args.to_vec());
        add(acc, mul(d, a.derivative(var)))
    })
}
