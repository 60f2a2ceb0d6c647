//! Issue #13: inputs that used to overflow the stack or pass silently (items 1, 2, 7, 10).

use crate::syntax::*;

fn err(text: &str) -> SyntaxError {
    match parse(text) {
        Ok(_) => panic!("{:?} parsed", &text[..text.len().min(80)]),
        Err(e) => e,
    }
}

fn has(e: &SyntaxError, needle: &str) {
    assert!(e.message.contains(needle), "{e} lacks {needle:?}");
    assert!(!e.to_string().contains('\n'), "one line: {e}");
}

fn check(text: &str, ngroups: usize) -> Result<(), SyntaxError> {
    check_model(&parse(text).unwrap(), ngroups, &|_| false)
}

// ---- item 1: definitions that refer to themselves or loop ----

#[test]
fn definition_referring_to_itself() {
    let e = err("y ~ a*x\nb := b + a");
    assert_eq!((e.line, e.column), (2, 1));
    has(&e, "`b` refers to itself");
    has(&e, "b := b+a");
}

#[test]
fn definitions_in_a_loop() {
    let e = err("y ~ a*x\nb := c + a\nc := b*2");
    has(&e, "loop: b → c → b");
    let e = err("y ~ a*x\nb := c\nc := d + 1\nd := sqrt(b)\ne := a");
    has(&e, "b → c → d → b");
    // a definition may use a later one as long as there is no loop
    parse("y ~ a*x\nb := c + a\nc := a*2").unwrap();
}

#[test]
fn definition_given_twice() {
    has(
        &err("y ~ a*x\nb := a\nb := 2*a"),
        "`b` is defined twice (lines 2 and 3)",
    );
}

#[test]
fn long_chain_of_definitions_is_refused_not_overflowed() {
    let mut text = String::from("y ~ a*x\nd0 := a\n");
    for k in 1..20_000 {
        text.push_str(&format!("d{k} := d{} + 1\n", k - 1));
    }
    has(&err(&text), "nested too deeply through other definitions");
    // a modest chain is fine
    let mut text = String::from("y ~ a*x\nd0 := a\n");
    for k in 1..200 {
        text.push_str(&format!("d{k} := d{} + 1\n", k - 1));
    }
    parse(&text).unwrap();
}

// ---- item 2: deep expressions ----

#[test]
fn deep_parentheses_are_refused() {
    let n = 100_000;
    let text = format!("y ~ a*x\nd := {}a{}", "(".repeat(n), ")".repeat(n));
    let e = err(&text);
    has(&e, "expression nested too deeply at line 2");
    let text = format!("y ~ a*x\na == {}1{}", "(".repeat(n), ")".repeat(n));
    has(&err(&text), "nested too deeply at line 2");
}

#[test]
fn deep_unary_minus_powers_and_calls_are_refused() {
    let n = 100_000;
    has(
        &err(&format!("d := {}a", "-".repeat(n))),
        "nested too deeply",
    );
    has(
        &err(&format!("d := {}a", "+".repeat(n))),
        "nested too deeply",
    );
    has(
        &err(&format!("d := a{}", "^a".repeat(n))),
        "nested too deeply",
    );
    has(
        &err(&format!("d := {}a{}", "exp(".repeat(n), ")".repeat(n))),
        "nested too deeply",
    );
    // within the limit it parses
    let m = MAX_NESTING - 1;
    parse(&format!("d := {}a{}", "(".repeat(m), ")".repeat(m))).unwrap();
}

#[test]
fn long_flat_sum_is_refused_clearly() {
    let text = format!("y ~ a*x\nd := a{}", " + a".repeat(100_000));
    let e = err(&text);
    has(&e, "more than 1000 operations in a chain");
    assert_eq!(e.line, 2);
    let text = format!("y ~ a*x\nd := a{}", " * a".repeat(100_000));
    has(&err(&text), "in a chain");
}

#[test]
fn expression_at_the_limits_is_usable() {
    // a 1000-term sum and a product chain within the depth limit: evaluate, differentiate,
    // print and read back, all on a test thread's stack
    let count = MAX_EXPR_DEPTH - 5;
    let sum = format!("d := a{}", " + a*b/a".repeat(count));
    let m = parse(&sum).unwrap();
    let Statement::Definition { expr, .. } = &m.statements[0] else {
        panic!()
    };
    assert!(expr.depth() <= MAX_EXPR_DEPTH);
    let lookup = |n: &str| match n {
        "a" => Some(2.0),
        "b" => Some(3.0),
        _ => None,
    };
    let v = expr.eval(&lookup).unwrap();
    assert!((v - (2.0 + 3.0 * count as f64)).abs() < 1e-9, "{v}");
    let da = expr.partial("a").eval(&lookup).unwrap();
    assert!((da - 1.0).abs() < 1e-9, "{da}");
    let db = expr.partial("b").eval(&lookup).unwrap();
    assert!((db - count as f64).abs() < 1e-9, "{db}");
    let back = parse(&format!("d := {}", expr.to_lavaan())).unwrap();
    assert_eq!(back, m);
}

#[test]
fn derivative_of_a_hand_built_deep_tree_does_not_recurse() {
    let mut e = Expr::Var("a".into());
    for _ in 0..3 * MAX_EXPR_DEPTH {
        e = Expr::Binary(BinOp::Add, Box::new(e), Box::new(Expr::Number(1.0)));
    }
    assert_eq!(e.depth(), 3 * MAX_EXPR_DEPTH + 1);
    let d = e.partial("a");
    assert_eq!(
        d.eval(&|_| Some(1.0)),
        Err(EvalError::UnknownFunction("D.too_deep".into()))
    );
}

#[test]
fn nested_c_vectors_are_refused() {
    let n = 100_000;
    let text = format!("y ~ {}1{}*x", "c(".repeat(n), ")".repeat(n));
    has(&err(&text), "values nested too deeply at line 1");
}

// ---- item 7: unknown functions and labels ----

#[test]
fn unknown_function_is_a_syntax_error() {
    let e = err("y ~ a*x\nd := foo(a)");
    assert_eq!((e.line, e.column), (2, 6));
    has(&e, "unknown function `foo`");
    has(&e, "known: sqrt, exp");
    has(
        &err("d := sqrt(a, a)"),
        "function `sqrt` takes 1 argument, 2 given",
    );
    has(
        &err("a == exp()"),
        "function `exp` takes 1 argument, 0 given",
    );
}

#[test]
fn unknown_label_in_a_definition() {
    let e = check("y ~ a*x\nd := a*zz", 1).unwrap_err();
    assert_eq!(e.line, 2);
    has(&e, "unknown label `zz` in the definition `d := a*zz`");
    // labels from c(), label(), equal(), other definitions and the table are known
    check(
        "y ~ c(a1, a2)*x + label(\"b\")*z\nw ~ equal(\"q\")*x\nd := a1 + a2 + b + q + e\ne := a1*2",
        2,
    )
    .unwrap();
    let m = parse("y ~ x\nd := .p1. * 2").unwrap();
    check_model(&m, 1, &|l| l == ".p1.").unwrap();
}

// ---- item 10: modifier vectors and constraints ----

#[test]
fn modifier_vector_longer_than_the_groups() {
    let e = check("y ~ c(a, b)*x", 1).unwrap_err();
    has(
        &e,
        "wrong number of values in the modifier of `y ~ x`: 2 given, but the model has 1 group",
    );
    check("y ~ c(a, b)*x", 2).unwrap();
    has(
        &check("y ~ c(1, NA, 2)*x", 2).unwrap_err(),
        "3 given, but the model has 2 groups",
    );
    has(
        &check("f =~ start(c(1, 2))*x1", 3).unwrap_err(),
        "`f =~ x1`: 2 given",
    );
    check("y ~ a*x + c(1)*z", 3).unwrap();
}

#[test]
fn contradicting_and_repeated_constraints() {
    let e = err("y ~ a*x\na == 1\na == 2");
    assert_eq!(e.line, 3);
    has(
        &e,
        "contradicting constraints on `a`: `a == 1` (line 2) and `a == 2` (line 3)",
    );
    has(
        &err("y ~ a*x\na == 1; 1 == a"),
        "`1 == a` is given twice (lines 2 and 2)",
    );
    // different labels, or a label against an expression, are fine here
    parse("y ~ a*x + b*z\na == 1\nb == 2\na == b").unwrap();
}

#[test]
fn unknown_label_in_a_constraint() {
    let e = check("y ~ a*x\nzz == 1", 1).unwrap_err();
    has(&e, "unknown label `zz` in the constraint `zz == 1`");
    has(
        &check("y ~ a*x\na > zz", 1).unwrap_err(),
        "unknown label `zz`",
    );
}

#[test]
fn overflowing_number_literal_is_an_error() {
    // it would print as `Inf`, which reads back as a name
    has(&err("y ~ 1e999*x"), "number `1e999` is too large");
    has(&err("d := 2 * 1e400"), "too large for a 64-bit float");
    parse("d := 1e300 * 2").unwrap();
}

#[test]
fn accepted_expressions_print_to_accepted_text() {
    // found by the expr_eval fuzz target: `- -a` prints as `-(-a)`, one level more per sign,
    // so an expression near the nesting limit printed to text that was refused
    let crash = "-a^+ (-a)^+-_iwa^+ --------------------+ ----------------------------------------------------------------------------------------(-a)^+b/bb/b/c";
    let signs = format!("{}a", "- ".repeat(MAX_NESTING));
    for text in [crash, signs.as_str()] {
        let m = parse(&format!("d := {text}")).unwrap();
        let Statement::Definition { expr, .. } = &m.statements[0] else {
            panic!()
        };
        let again = parse(&format!("d := {}", expr.to_lavaan())).unwrap();
        assert_eq!(again, m);
    }
    has(
        &err(&format!("d := {}a", "- ".repeat(MAX_NESTING + 1))),
        "nested too deeply",
    );
    // redundant parentheses are not nesting (only the parser's recursion limit applies)
    parse(&format!(
        "d := {}a{}",
        "(".repeat(3 * MAX_NESTING),
        ")".repeat(3 * MAX_NESTING)
    ))
    .unwrap();
}
