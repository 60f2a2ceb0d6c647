//! One test per syntax feature.

use crate::syntax::*;

fn one(text: &str) -> Statement {
    let m = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    assert_eq!(m.statements.len(), 1, "{text:?}: {m:?}");
    m.statements.into_iter().next().unwrap()
}

fn relation(text: &str) -> (Vec<String>, RelOp, Vec<Term>) {
    match one(text) {
        Statement::Relation { lhs, op, rhs, .. } => (lhs, op, rhs),
        other => panic!("{text:?}: not a relation: {other:?}"),
    }
}

fn terms(text: &str) -> Vec<Term> {
    relation(text).2
}

fn vars(ts: &[Term]) -> Vec<&str> {
    ts.iter().map(|t| t.var.as_str()).collect()
}

fn pos(line: usize, column: usize) -> Pos {
    Pos { line, column }
}

fn fixed(v: &[Option<f64>]) -> Modifiers {
    Modifiers {
        fixed: Some(v.to_vec()),
        ..Modifiers::default()
    }
}

fn label(v: &[Option<&str>]) -> Modifiers {
    Modifiers {
        label: Some(v.iter().map(|s| s.map(str::to_string)).collect()),
        ..Modifiers::default()
    }
}

fn start(v: &[f64]) -> Modifiers {
    Modifiers {
        start: Some(v.to_vec()),
        ..Modifiers::default()
    }
}

fn var(name: &str) -> Expr {
    Expr::Var(name.into())
}

fn num(v: f64) -> Expr {
    Expr::Number(v)
}

fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
    Expr::Binary(op, Box::new(a), Box::new(b))
}

#[test]
fn the_three_relations() {
    let (lhs, op, rhs) = relation("f =~ x1 + x2 + x3");
    assert_eq!(
        (lhs, op, vars(&rhs)),
        (
            vec!["f".to_string()],
            RelOp::Loading,
            vec!["x1", "x2", "x3"]
        )
    );
    let (lhs, op, rhs) = relation("y ~ x1 + x2");
    assert_eq!(
        (lhs, op, vars(&rhs)),
        (vec!["y".to_string()], RelOp::Regression, vec!["x1", "x2"])
    );
    let (lhs, op, rhs) = relation("x ~~ y + z");
    assert_eq!(
        (lhs, op, vars(&rhs)),
        (vec!["x".to_string()], RelOp::Covariance, vec!["y", "z"])
    );
    assert!(rhs.iter().all(|t| t.modifiers.is_empty()));
}

#[test]
fn no_spaces_needed() {
    let (l1, o1, r1) = relation("y~x1+x2");
    let (l2, o2, r2) = relation("y ~ x1 + x2");
    assert_eq!((l1, o1, vars(&r1)), (l2, o2, vars(&r2)));
    let (_, op, rhs) = relation("a~~b");
    assert_eq!((op, vars(&rhs)), (RelOp::Covariance, vec!["b"]));
    let (_, op, _) = relation("f=~x");
    assert_eq!(op, RelOp::Loading);
}

#[test]
fn multiple_left_hand_sides() {
    let (lhs, op, rhs) = relation("y1 + y2 ~ x1 + x2");
    assert_eq!(lhs, ["y1", "y2"]);
    assert_eq!(op, RelOp::Regression);
    assert_eq!(vars(&rhs), ["x1", "x2"]);
}

#[test]
fn intercepts() {
    let t = terms("y ~ 1");
    assert_eq!(
        (t[0].var.as_str(), &t[0].modifiers),
        ("1", &Modifiers::default())
    );
    let t = terms("y ~ a*1");
    assert_eq!(
        (t[0].var.as_str(), &t[0].modifiers),
        ("1", &label(&[Some("a")]))
    );
    let t = terms("y ~ 0*1");
    assert_eq!(
        (t[0].var.as_str(), &t[0].modifiers),
        ("1", &fixed(&[Some(0.0)]))
    );
    let t = terms("y ~ 1 + x");
    assert_eq!(vars(&t), ["1", "x"]);
    let t = terms("y ~ 1*x");
    assert_eq!(
        (t[0].var.as_str(), &t[0].modifiers),
        ("x", &fixed(&[Some(1.0)]))
    );
    let t = terms("y~1");
    assert_eq!(vars(&t), ["1"]);
}

#[test]
fn fixed_values_and_na() {
    assert_eq!(terms("f =~ 1*x")[0].modifiers, fixed(&[Some(1.0)]));
    assert_eq!(terms("f =~ 0.5*x")[0].modifiers, fixed(&[Some(0.5)]));
    assert_eq!(terms("f =~ .5*x")[0].modifiers, fixed(&[Some(0.5)]));
    assert_eq!(terms("f =~ -0.3*x")[0].modifiers, fixed(&[Some(-0.3)]));
    assert_eq!(terms("f =~ 1e-3*x")[0].modifiers, fixed(&[Some(1e-3)]));
    assert_eq!(terms("f =~ NA*x1 + x2")[0].modifiers, fixed(&[None]));
    assert_eq!(
        terms("f =~ c(1, NA)*x")[0].modifiers,
        fixed(&[Some(1.0), None])
    );
    assert_eq!(
        terms("f =~ c(-1, 2.5)*x")[0].modifiers,
        fixed(&[Some(-1.0), Some(2.5)])
    );
    assert_eq!(terms("f =~ c(NA, NA)*x")[0].modifiers, fixed(&[None, None]));
}

#[test]
fn labels() {
    assert_eq!(terms("y ~ a*x")[0].modifiers, label(&[Some("a")]));
    assert_eq!(terms("y ~ c*x")[0].modifiers, label(&[Some("c")]));
    assert_eq!(terms("y ~ start*x")[0].modifiers, label(&[Some("start")]));
    assert_eq!(terms("y ~ \"a b\"*x")[0].modifiers, label(&[Some("a b")]));
    assert_eq!(terms("y ~ 'a'*x")[0].modifiers, label(&[Some("a")]));
    assert_eq!(
        terms("y ~ c(a1, a2)*x")[0].modifiers,
        label(&[Some("a1"), Some("a2")])
    );
    assert_eq!(
        terms("y ~ c(a1, NA)*x")[0].modifiers,
        label(&[Some("a1"), None])
    );
    assert_eq!(
        terms("y ~ c(\"a1\", 'a2')*x")[0].modifiers,
        label(&[Some("a1"), Some("a2")])
    );
    assert_eq!(
        terms("y ~ label(\"a\")*x")[0].modifiers,
        label(&[Some("a")])
    );
    assert_eq!(
        terms("y ~ label(c(\"a\", \"b\"))*x")[0].modifiers,
        label(&[Some("a"), Some("b")])
    );
    assert_eq!(
        terms("y ~ equal(\"a\")*x")[0].modifiers,
        label(&[Some("a")])
    );
    assert_eq!(terms("y ~ a.b_2*x")[0].modifiers, label(&[Some("a.b_2")]));
}

#[test]
fn start_values() {
    assert_eq!(terms("y ~ start(0.5)*x")[0].modifiers, start(&[0.5]));
    assert_eq!(
        terms("y ~ start(c(1, 2))*x")[0].modifiers,
        start(&[1.0, 2.0])
    );
    assert_eq!(
        terms("y ~ start(1, -2)*x")[0].modifiers,
        start(&[1.0, -2.0])
    );
    assert_eq!(terms("y ~ 0.5?x")[0].modifiers, start(&[0.5]));
    assert_eq!(terms("y ~ c(0.5, 1)?x")[0].modifiers, start(&[0.5, 1.0]));
}

#[test]
fn modifier_chains() {
    let m = &terms("y ~ a*start(1)*x")[0].modifiers;
    assert_eq!(m.label, Some(vec![Some("a".to_string())]));
    assert_eq!(m.start, Some(vec![1.0]));
    assert_eq!(m.fixed, None);
    let m = &terms("y ~ a*1*x")[0].modifiers;
    assert_eq!(m.label, Some(vec![Some("a".to_string())]));
    assert_eq!(m.fixed, Some(vec![Some(1.0)]));
    let m = &terms("y ~ c(1, 1)*c(b1, b2)*0.8?x")[0].modifiers;
    assert_eq!(m.fixed, Some(vec![Some(1.0), Some(1.0)]));
    assert_eq!(
        m.label,
        Some(vec![Some("b1".to_string()), Some("b2".to_string())])
    );
    assert_eq!(m.start, Some(vec![0.8]));
}

#[test]
fn for_group_recycles_length_one() {
    let m = &terms("y ~ c(1, NA)*a*start(c(0.1, 0.2))*x")[0].modifiers;
    assert_eq!(
        m.for_group(0),
        (Some(Some(1.0)), Some(Some("a".to_string())), Some(0.1))
    );
    assert_eq!(
        m.for_group(1),
        (Some(None), Some(Some("a".to_string())), Some(0.2))
    );
    assert_eq!(m.for_group(2), (None, Some(Some("a".to_string())), None));
    assert_eq!(Modifiers::default().for_group(0), (None, None, None));
}

#[test]
fn term_positions() {
    let t = terms("f =~ x1 + 0.5*x2 +\n   c(a, b)*x3");
    let p: Vec<Pos> = t.iter().map(|t| t.pos).collect();
    assert_eq!(p, [pos(1, 6), pos(1, 11), pos(2, 4)]);
}

#[test]
fn comments() {
    let m = parse("# a model\nf =~ x1 + x2 # the factor\n! another comment\ny ~ \"#a\"*f").unwrap();
    assert_eq!(m.statements.len(), 2);
    let Statement::Relation { rhs, pos: p, .. } = &m.statements[1] else {
        panic!()
    };
    assert_eq!(rhs[0].modifiers, label(&[Some("#a")]));
    assert_eq!(*p, pos(4, 1));
}

#[test]
fn semicolons_separate_statements() {
    let m = parse("y ~ x; z ~~ w;f =~ a + b").unwrap();
    let p: Vec<Pos> = m.statements.iter().map(Statement::pos).collect();
    assert_eq!(p, [pos(1, 1), pos(1, 8), pos(1, 15)]);
}

#[test]
fn statements_spanning_lines() {
    let text = "f =~ x1 +\n      x2\n    + x3\n  x4 ~~\n x5\ny ~ c(a,\n b)*x\nf2 =~ a\n  b";
    let err = parse(text).unwrap_err();
    // `f2 =~ a` followed by a line without operator is joined: `f2 =~ a b` lacks a `+`
    assert_eq!((err.line, err.column), (9, 3));
    let m = parse(&text[..text.rfind("\nf2").unwrap()]).unwrap();
    assert_eq!(m.statements.len(), 3);
    let p: Vec<Pos> = m.statements.iter().map(Statement::pos).collect();
    assert_eq!(p, [pos(1, 1), pos(4, 3), pos(6, 1)]);
    let Statement::Relation { rhs, .. } = &m.statements[0] else {
        panic!()
    };
    assert_eq!(vars(rhs), ["x1", "x2", "x3"]);
    let Statement::Relation { lhs, rhs, .. } = &m.statements[1] else {
        panic!()
    };
    assert_eq!(
        (lhs.as_slice(), vars(rhs)),
        (&["x4".to_string()][..], vec!["x5"])
    );
    let Statement::Relation { rhs, .. } = &m.statements[2] else {
        panic!()
    };
    assert_eq!(rhs[0].modifiers, label(&[Some("a"), Some("b")]));
    // a line with only a name continues the statement, as in lavaan
    let m = parse("f =~ x1 + x2 +\nx3\ntotal := c +\n  a*b").unwrap();
    assert_eq!(m.statements.len(), 2);
    // the left-hand side on its own line
    assert_eq!(vars(&terms("f\n  =~ x1 + x2")), ["x1", "x2"]);
}

#[test]
fn crlf_tabs_and_blank_lines() {
    let m = parse("\r\n\tf =~ x1 +\r\n\t\tx2\r\n\r\n y ~ f\r\n").unwrap();
    assert_eq!(m.statements.len(), 2);
    assert_eq!(m.statements[1].pos(), pos(5, 2));
}

#[test]
fn empty_model() {
    assert_eq!(parse("").unwrap().statements, []);
    assert_eq!(parse("  # only a comment\n\n;;").unwrap().statements, []);
}

#[test]
fn definitions() {
    assert_eq!(
        one("ind := a*b"),
        Statement::Definition {
            name: "ind".into(),
            expr: bin(BinOp::Mul, var("a"), var("b")),
            pos: pos(1, 1)
        }
    );
    let Statement::Definition { expr, .. } = one("total := c + a*b") else {
        panic!()
    };
    assert_eq!(
        expr,
        bin(BinOp::Add, var("c"), bin(BinOp::Mul, var("a"), var("b")))
    );
    let Statement::Definition { expr, .. } = one("r := sqrt(v1)/exp(-b) - 2^-1") else {
        panic!()
    };
    assert_eq!(expr.to_lavaan(), "sqrt(v1)/exp(-b)-2^(-1)");
}

#[test]
fn constraints() {
    let cases = [
        ("a == b", ConstraintOp::Eq, var("a"), var("b")),
        (
            "a == 2*b",
            ConstraintOp::Eq,
            var("a"),
            bin(BinOp::Mul, num(2.0), var("b")),
        ),
        ("a > 0", ConstraintOp::Gt, var("a"), num(0.0)),
        (
            "a < -1",
            ConstraintOp::Lt,
            var("a"),
            Expr::Neg(Box::new(num(1.0))),
        ),
        (
            "a+b==1",
            ConstraintOp::Eq,
            bin(BinOp::Add, var("a"), var("b")),
            num(1.0),
        ),
    ];
    for (text, op, lhs, rhs) in cases {
        assert_eq!(
            one(text),
            Statement::Constraint {
                lhs,
                op,
                rhs,
                pos: pos(1, 1)
            },
            "{text}"
        );
    }
    let Statement::Constraint { rhs, .. } = one("v == w / (1 - ar^2)") else {
        panic!()
    };
    let expected = bin(
        BinOp::Div,
        var("w"),
        bin(BinOp::Sub, num(1.0), bin(BinOp::Pow, var("ar"), num(2.0))),
    );
    assert_eq!(rhs, expected);
}

#[test]
fn operator_look_alikes() {
    // `~~` vs `~`, `=~` vs `==`
    assert!(matches!(
        one("a ~~ b"),
        Statement::Relation {
            op: RelOp::Covariance,
            ..
        }
    ));
    assert!(matches!(
        one("a ~ b"),
        Statement::Relation {
            op: RelOp::Regression,
            ..
        }
    ));
    assert!(matches!(
        one("a =~ b"),
        Statement::Relation {
            op: RelOp::Loading,
            ..
        }
    ));
    assert!(matches!(
        one("a == b"),
        Statement::Constraint {
            op: ConstraintOp::Eq,
            ..
        }
    ));
    assert!(matches!(
        one("a<-b"),
        Statement::Constraint {
            op: ConstraintOp::Lt,
            ..
        }
    ));
}

#[test]
fn names_with_dots_and_digits() {
    let (lhs, _, rhs) = relation("f.1 =~ x.1 + x_2 + .x3");
    assert_eq!(lhs, ["f.1"]);
    assert_eq!(vars(&rhs), ["x.1", "x_2", ".x3"]);
}

#[test]
fn from_str() {
    let m: ModelSyntax = "y ~ x".parse().unwrap();
    assert_eq!(m.statements.len(), 1);
}
