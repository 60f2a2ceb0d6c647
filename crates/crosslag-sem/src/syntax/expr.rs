//! Arithmetic expressions of `:=` definitions and `==`/`<`/`>` constraints, and their evaluation.
//!
//! ```text
//! expr    = term { ("+" | "-") term }
//! term    = unary { ("*" | "/") unary }
//! unary   = ("-" | "+") unary | power
//! power   = primary [ "^" unary ]                 (right associative: a^b^c = a^(b^c))
//! primary = number | name | name "(" [ expr { "," expr } ] ")" | "(" expr ")"
//! ```
//!
//! As in R, `-a^2` is `-(a^2)` and `-a*b` is `(-a)*b`.
//! Functions known to [`Expr::eval`]: `sqrt exp log log10 abs sign sin cos tan asin acos atan
//! pnorm dnorm` (one argument each).

/// An arithmetic expression over parameter labels and numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    Var(String),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

/// A binary arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

impl BinOp {
    /// The operator's symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "^",
        }
    }

    fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            BinOp::Add => a + b,
            BinOp::Sub => a - b,
            BinOp::Mul => a * b,
            BinOp::Div => a / b,
            BinOp::Pow => a.powf(b),
        }
    }
}

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum EvalError {
    #[error("unknown variable `{0}`")]
    UnknownVariable(String),
    #[error("unknown function `{0}`")]
    UnknownFunction(String),
    #[error("function `{name}` takes {expected} argument(s), {found} given")]
    WrongArity {
        name: String,
        expected: usize,
        found: usize,
    },
}

/// The standard normal density.
pub(crate) fn dnorm(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// The standard normal distribution function, via the complementary error function.
pub(crate) fn pnorm(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Complementary error function: Maclaurin series of erf for |x| < 2, a continued
/// fraction (evaluated with Lentz's method) beyond; about 1e-14 relative accuracy.
fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let z = x.abs();
    let r = if z < 2.0 {
        1.0 - erf_series(z)
    } else if z > 27.0 {
        0.0
    } else {
        erfc_continued_fraction(z)
    };
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// erf(z) = 2/sqrt(pi) * sum_n (-1)^n z^(2n+1) / (n! (2n+1)).
fn erf_series(z: f64) -> f64 {
    let mut power = z; // (-1)^n z^(2n+1) / n!
    let mut sum = z;
    for n in 1..200 {
        let n = f64::from(n);
        power *= -z * z / n;
        let add = power / (2.0 * n + 1.0);
        sum += add;
        if add.abs() <= 1e-17 * sum.abs() {
            break;
        }
    }
    sum * 2.0 / std::f64::consts::PI.sqrt()
}

/// erfc(z) = exp(-z^2)/sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))) for z > 0.
fn erfc_continued_fraction(z: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (mut f, mut c, mut d) = (z, z, 0.0);
    for n in 1..500 {
        let a = f64::from(n) / 2.0;
        d = z + a * d;
        if d == 0.0 {
            d = TINY;
        }
        c = z + a / c;
        if c == 0.0 {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-z * z).exp() / std::f64::consts::PI.sqrt() / f
}

/// The functions [`Expr::eval`] knows (each takes one argument).
pub const KNOWN_FUNCTIONS: [&str; 14] = [
    "sqrt", "exp", "log", "log10", "abs", "sign", "sin", "cos", "tan", "asin", "acos", "atan",
    "pnorm", "dnorm",
];

/// Applies a known one-argument function; `None` if the name is unknown.
pub(crate) fn apply_function(name: &str, x: f64) -> Option<f64> {
    Some(match name {
        "sqrt" => x.sqrt(),
        "exp" => x.exp(),
        "log" => x.ln(),
        "log10" => x.log10(),
        "abs" => x.abs(),
        "sign" => {
            if x == 0.0 || x.is_nan() {
                x
            } else {
                x.signum()
            }
        }
        "sin" => x.sin(),
        "cos" => x.cos(),
        "tan" => x.tan(),
        "asin" => x.asin(),
        "acos" => x.acos(),
        "atan" => x.atan(),
        "pnorm" => pnorm(x),
        "dnorm" => dnorm(x),
        _ => return None,
    })
}

impl Expr {
    /// Evaluates the expression, looking variables up with `lookup`.
    pub fn eval(&self, lookup: &dyn Fn(&str) -> Option<f64>) -> Result<f64, EvalError> {
        match self {
            Expr::Number(v) => Ok(*v),
            Expr::Var(name) => lookup(name).ok_or_else(|| EvalError::UnknownVariable(name.clone())),
            Expr::Neg(a) => Ok(-a.eval(lookup)?),
            Expr::Binary(op, a, b) => Ok(op.apply(a.eval(lookup)?, b.eval(lookup)?)),
            Expr::Call(name, args) => {
                if apply_function(name, 0.0).is_none() {
                    return Err(EvalError::UnknownFunction(name.clone()));
                }
                let [arg] = args.as_slice() else {
                    return Err(EvalError::WrongArity {
                        name: name.clone(),
                        expected: 1,
                        found: args.len(),
                    });
                };
                let x = arg.eval(lookup)?;
                Ok(apply_function(name, x).unwrap_or(f64::NAN))
            }
        }
    }

    /// The depth of the tree (a number or a name is 1 deep), computed without recursion.
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 1usize)];
        while let Some((e, d)) = stack.pop() {
            deepest = deepest.max(d);
            match e {
                Expr::Number(_) | Expr::Var(_) => {}
                Expr::Neg(a) => stack.push((a, d + 1)),
                Expr::Binary(_, a, b) => {
                    stack.push((a, d + 1));
                    stack.push((b, d + 1));
                }
                Expr::Call(_, args) => stack.extend(args.iter().map(|a| (a, d + 1))),
            }
        }
        deepest
    }

    /// The distinct variable names, in order of first appearance (function names excluded).
    pub fn variables(&self) -> Vec<String> {
        fn walk(e: &Expr, out: &mut Vec<String>) {
            match e {
                Expr::Number(_) => {}
                Expr::Var(name) => {
                    if !out.contains(name) {
                        out.push(name.clone());
                    }
                }
                Expr::Neg(a) => walk(a, out),
                Expr::Binary(_, a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
                Expr::Call(_, args) => args.iter().for_each(|a| walk(a, out)),
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }

    /// Whether `var` occurs in the expression.
    pub fn contains(&self, var: &str) -> bool {
        match self {
            Expr::Number(_) => false,
            Expr::Var(name) => name == var,
            Expr::Neg(a) => a.contains(var),
            Expr::Binary(_, a, b) => a.contains(var) || b.contains(var),
            Expr::Call(_, args) => args.iter().any(|a| a.contains(var)),
        }
    }
}
