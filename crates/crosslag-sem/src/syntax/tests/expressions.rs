//! Expression evaluation, variables, symbolic derivatives and printing.

use crate::syntax::*;

fn expr(text: &str) -> Expr {
    match parse(&format!("x__ := {text}")) {
        Ok(m) => match m.statements.into_iter().next() {
            Some(Statement::Definition { expr, .. }) => expr,
            other => panic!("{text:?}: {other:?}"),
        },
        Err(e) => panic!("{text:?}: {e}"),
    }
}

fn values(name: &str) -> Option<f64> {
    match name {
        "a" => Some(0.7),
        "b" => Some(-1.3),
        "c" => Some(2.1),
        "ar" => Some(0.45),
        "v" => Some(1.9),
        _ => None,
    }
}

fn eval(text: &str) -> f64 {
    expr(text)
        .eval(&values)
        .unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn close(x: f64, y: f64, tol: f64) -> bool {
    (x - y).abs() <= tol * (1.0 + x.abs().max(y.abs()))
}

#[test]
fn precedence_and_associativity() {
    let (a, b, c) = (0.7f64, -1.3f64, 2.1f64);
    let cases = [
        ("a + b * c", a + b * c),
        ("(a + b) * c", (a + b) * c),
        ("a - b - c", a - b - c),
        ("a / b / c", a / b / c),
        ("a / b * c", a / b * c),
        ("-a^2", -(a * a)),
        ("(-a)^2", a * a),
        ("2^3^2", 512.0),
        ("2^-1", 0.5),
        ("-a*b", -a * b),
        ("a - -b", a + b),
        ("+a", a),
        ("c^0.5 + 1e-3", c.sqrt() + 1e-3),
        ("v / (1 - ar^2)", 1.9 / (1.0 - 0.45 * 0.45)),
    ];
    for (text, want) in cases {
        assert!(
            close(eval(text), want, 1e-14),
            "{text}: {} vs {want}",
            eval(text)
        );
    }
}

#[test]
fn functions() {
    let cases = [
        ("sqrt(c)", 2.1f64.sqrt()),
        ("exp(a)", 0.7f64.exp()),
        ("log(c)", 2.1f64.ln()),
        ("log10(100)", 2.0),
        ("abs(b)", 1.3),
        ("sign(b)", -1.0),
        (
            "sin(a) + cos(a) + tan(a)",
            0.7f64.sin() + 0.7f64.cos() + 0.7f64.tan(),
        ),
        (
            "asin(ar) + acos(ar) + atan(b)",
            0.45f64.asin() + 0.45f64.acos() + (-1.3f64).atan(),
        ),
        ("pnorm(0)", 0.5),
        ("pnorm(1.96)", 0.975_002_104_851_779_5),
        ("pnorm(-3)", 0.001_349_898_031_630_094_6),
        ("pnorm(-10)", 7.619_853_024_160_527e-24),
        ("pnorm(0.3)", 0.617_911_422_188_952_7),
        ("dnorm(0)", 0.398_942_280_401_432_7),
    ];
    for (text, want) in cases {
        let got = eval(text);
        let relative = (got - want).abs() / want.abs();
        assert!(
            relative < 1e-12,
            "{text}: {got} vs {want} (relative error {relative:e})"
        );
    }
}

#[test]
fn eval_errors() {
    assert_eq!(
        expr("a * zz").eval(&values),
        Err(EvalError::UnknownVariable("zz".into()))
    );
    // parse refuses these calls; an expression built by hand still fails to evaluate
    let call =
        |name: &str, args: &[&str]| Expr::Call(name.into(), args.iter().map(|a| expr(a)).collect());
    assert_eq!(
        call("foo", &["a"]).eval(&values),
        Err(EvalError::UnknownFunction("foo".into()))
    );
    assert_eq!(
        call("sqrt", &["a", "b"]).eval(&values),
        Err(EvalError::WrongArity {
            name: "sqrt".into(),
            expected: 1,
            found: 2
        })
    );
    assert_eq!(
        EvalError::UnknownVariable("zz".into()).to_string(),
        "unknown variable `zz`"
    );
}

#[test]
fn variables_in_order_of_first_appearance() {
    assert_eq!(expr("c + a*b - a/c + sqrt(b)").variables(), ["c", "a", "b"]);
    assert_eq!(expr("2 * exp(1)").variables(), Vec::<String>::new());
}

const DERIVATIVE_CASES: [&str; 16] = [
    "a*b",
    "c + a*b",
    "a/b",
    "v / (1 - ar^2)",
    "a^3 - 2*a^2*b",
    "a^b",
    "c^(a*b)",
    "-a*b + -(c - a)",
    "sqrt(a*c)",
    "exp(a - b) * log(c)",
    "log10(c) + abs(b*a)",
    "sin(a) * cos(b) + tan(a*c)",
    "asin(ar) + acos(ar*a) + atan(a/b)",
    "pnorm(a*b) + dnorm(c - a)",
    "a*b / sqrt(a^2*v + b^2*c)",
    "(a + b)^2 / (c - a)^0.5",
];

#[test]
fn partial_derivatives_match_finite_differences() {
    for text in DERIVATIVE_CASES {
        let e = expr(text);
        for x in ["a", "b", "c", "ar", "v", "unused"] {
            let d = e.partial(x);
            let got = d
                .eval(&values)
                .unwrap_or_else(|err| panic!("d({text})/d{x} = {d}: {err}"));
            let h = 1e-6;
            let shifted = |delta: f64| {
                let f = |name: &str| values(name).map(|v| if name == x { v + delta } else { v });
                e.eval(&f).unwrap()
            };
            let want = (shifted(h) - shifted(-h)) / (2.0 * h);
            assert!(
                close(got, want, 1e-6),
                "d({text})/d{x} = {d} = {got}, numerically {want}"
            );
        }
    }
}

#[test]
fn partial_derivatives_are_simplified() {
    assert_eq!(expr("a*b").partial("a"), Expr::Var("b".into()));
    assert_eq!(expr("a*b").partial("b"), Expr::Var("a".into()));
    assert_eq!(expr("c + a*b").partial("c"), Expr::Number(1.0));
    assert_eq!(expr("c + a*b").partial("zz"), Expr::Number(0.0));
    assert_eq!(expr("2*a*3").partial("a"), Expr::Number(6.0));
    assert_eq!(expr("a - b").partial("b"), Expr::Number(-1.0));
    assert_eq!(expr("a^2").partial("a").to_lavaan(), "2*a");
    assert_eq!(expr("a^3").partial("a").to_lavaan(), "3*a^2");
    assert_eq!(expr("a/b").partial("a").to_lavaan(), "1/b");
    assert_eq!(expr("-a").partial("a"), Expr::Number(-1.0));
    assert_eq!(expr("exp(a)").partial("a").to_lavaan(), "exp(a)");
}

#[test]
fn unknown_function_derivative_fails_to_evaluate() {
    // built by hand: parse refuses unknown functions
    let foo = |arg: &str| Expr::Call("foo".into(), vec![expr(arg)]);
    let d = foo("a*b").partial("a");
    assert_eq!(d.to_lavaan(), "D.foo(a*b)*b");
    assert_eq!(
        d.eval(&values),
        Err(EvalError::UnknownFunction("D.foo".into()))
    );
    assert_eq!(foo("c").partial("a"), Expr::Number(0.0));
}

#[test]
fn to_lavaan_matches_lavaan_spelling() {
    let cases = [
        ("a*b", "a*b"),
        ("c + a*b", "c+a*b"),
        ("var_innov / (1 - ar^2)", "var_innov/(1-ar^2)"),
        ("(a)", "a"),
        ("a - (b - c)", "a-(b-c)"),
        ("a - (b + c)", "a-(b+c)"),
        ("(a - b) - c", "a-b-c"),
        ("a / (b * c)", "a/(b*c)"),
        ("a * (b / c)", "a*(b/c)"),
        ("(a^b)^c", "(a^b)^c"),
        ("a^b^c", "a^b^c"),
        ("-a^2", "-a^2"),
        ("(-a)^2", "(-a)^2"),
        ("-(a*b)", "-(a*b)"),
        ("-a*b", "-a*b"),
        ("a * -b", "a*(-b)"),
        ("- -a", "-(-a)"),
        ("0.5 * a + 1e-7 + 2.50", "0.5*a+1e-7+2.5"),
        ("2 * (1 + 3)", "2*(1+3)"),
    ];
    for (text, want) in cases {
        assert_eq!(expr(text).to_lavaan(), want, "{text}");
        assert_eq!(format!("{}", expr(text)), want);
    }
    // calls of several arguments (parse refuses them; built by hand)
    let f = Expr::Call("f".into(), vec![expr("a"), expr("b + 1")]);
    assert_eq!(f.to_lavaan(), "f(a,b+1)");
    assert_eq!(Expr::Call("f".into(), Vec::new()).to_lavaan(), "f()");
}

/// Folds `-number` into a negative number, the only difference `to_lavaan` introduces.
fn normalize(e: &Expr) -> Expr {
    match e {
        Expr::Neg(a) => match normalize(a) {
            Expr::Number(v) => Expr::Number(-v),
            other => Expr::Neg(Box::new(other)),
        },
        Expr::Binary(op, a, b) => Expr::Binary(*op, Box::new(normalize(a)), Box::new(normalize(b))),
        Expr::Call(f, args) => Expr::Call(f.clone(), args.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

#[test]
fn to_lavaan_round_trips() {
    let mut all: Vec<Expr> = DERIVATIVE_CASES.iter().map(|t| expr(t)).collect();
    for t in [
        "a - (b - c)",
        "(a^b)^c",
        "- -a",
        "a / (b / c) * -(2 - -c)",
        "((a))",
        "-2^-a",
        "exp(-a)",
    ] {
        all.push(expr(t));
    }
    // derivatives contain trees the parser would not build (e.g. negative numbers)
    let derivatives: Vec<Expr> = all
        .iter()
        .flat_map(|e| ["a", "b", "c"].map(|x| e.partial(x)))
        .collect();
    for e in all.iter() {
        assert_eq!(&expr(&e.to_lavaan()), e, "{}", e.to_lavaan());
    }
    for e in derivatives.iter() {
        assert_eq!(
            normalize(&expr(&e.to_lavaan())),
            normalize(e),
            "{}",
            e.to_lavaan()
        );
    }
    // hand-built trees with right-nested sums and negative constants
    let v = |s: &str| Box::new(Expr::Var(s.into()));
    let built = [
        Expr::Binary(
            BinOp::Add,
            v("a"),
            Box::new(Expr::Binary(BinOp::Add, v("b"), v("c"))),
        ),
        Expr::Binary(BinOp::Sub, v("a"), Box::new(Expr::Number(-2.0))),
        Expr::Binary(BinOp::Pow, Box::new(Expr::Number(-2.0)), v("a")),
        Expr::Neg(Box::new(Expr::Number(-0.25))),
    ];
    for e in built {
        assert_eq!(
            normalize(&expr(&e.to_lavaan())),
            normalize(&e),
            "{}",
            e.to_lavaan()
        );
    }
}
