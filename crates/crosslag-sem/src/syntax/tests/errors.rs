//! Every kind of syntax error, with the line and column it is reported at.

use crate::syntax::*;

/// Parses `text`, expecting an error at `line`:`column` whose message contains `needle`.
fn fails(text: &str, line: usize, column: usize, needle: &str) {
    let err = parse(text).expect_err(text);
    assert_eq!((err.line, err.column), (line, column), "{text:?}: {err}");
    assert!(
        err.message.contains(needle),
        "{text:?}: {err} lacks {needle:?}"
    );
    assert!(err
        .to_string()
        .starts_with(&format!("line {line}, column {column}: ")));
}

#[test]
fn unknown_operators() {
    fails("y = x", 1, 3, "unknown operator `=`");
    fails("f =~ x1\ny <~ x1 + x2", 2, 3, "`<~`");
    fails("y ~*~ y", 1, 3, "`~*~`");
    fails("x | t1", 1, 3, "`|`");
    fails("a <= b", 1, 3, "`<=`");
    fails("group: 1\nf =~ x", 1, 6, "`:`");
    fails("y ~ x1:x2", 1, 7, "`:`");
    fails("y ~ x @ z", 1, 7, "unknown operator `@`");
}

#[test]
fn unbalanced_parentheses() {
    fails("y ~ c(a, b*x", 1, 6, "unclosed `(`");
    fails("a := (b + c))", 1, 13, "unmatched `)`");
    fails("a := b)", 1, 7, "unmatched `)`");
    // the open parenthesis swallows the following lines; the error points at it
    fails("y ~ x\nv := sqrt(a\nz ~ w\n", 2, 10, "unclosed `(`");
    // a constraint operator inside parentheses
    fails("(a == b)", 1, 1, "unclosed `(`");
}

#[test]
fn empty_right_hand_side() {
    fails("y ~", 1, 3, "empty right-hand side");
    fails(
        "x ~ y\nf =~   # nothing here\n",
        2,
        3,
        "empty right-hand side after `=~`",
    );
    fails("a := ; b ~ c", 1, 3, "empty right-hand side");
    fails("a ==", 1, 3, "empty right-hand side");
    fails("y ~ x +", 1, 7, "`+` is not followed by a term");
    fails("y ~ x + ; z ~ w", 1, 7, "`+` is not followed by a term");
}

#[test]
fn missing_left_hand_side() {
    fails("~ x", 1, 1, "missing left-hand side");
    fails("a ~ b\n;=~ x", 2, 2, "missing left-hand side");
}

#[test]
fn modifier_without_variable() {
    fails(
        "y ~ a*",
        1,
        5,
        "modifier `a*` is not followed by a variable",
    );
    fails("y ~ x1 + 0.5*\n + x2", 1, 10, "modifier `0.5*`");
    fails("y ~ c(a, b)* + x", 1, 5, "modifier `c(a,b)*`");
    fails("y ~ 0.5?", 1, 5, "`0.5?`");
    fails(
        "y ~ x + start(1)",
        1,
        9,
        "modifier `start(1)` must be followed by `*`",
    );
}

#[test]
fn bad_numbers() {
    fails("y ~ 1.2.3*x", 1, 5, "bad number `1.2.3`");
    fails("y ~ x\n\nf =~ 2x*y1", 3, 6, "bad number `2x`");
    fails("a == 1e", 1, 6, "bad number `1e`");
    fails("y ~ c(1, 0..5)*x", 1, 10, "bad number");
}

#[test]
fn statement_without_operator() {
    fails("x1 + x2", 1, 1, "no operator");
    fails("f =~ x\n; x1 + x2", 2, 3, "no operator");
    fails("  # comment\n\n   lonely", 3, 4, "no operator");
}

#[test]
fn two_operators() {
    fails("a ~ b ~ c", 1, 7, "second operator `~`");
    // a dangling operator glues the next line: reported at the second operator
    fails("y ~\nz ~~ w", 2, 3, "second operator `~~`");
}

#[test]
fn bad_terms() {
    fails(
        "f =~ x1 x2",
        1,
        9,
        "expected `+` or the end of the statement, found `x2`",
    );
    fails("f =~ x1\n  x2", 2, 3, "found `x2`");
    fails("y ~ 2", 1, 5, "a number cannot be a variable");
    fails("y ~~ 1", 1, 6, "only be used with `~`");
    fails("y ~ NA", 1, 5, "`NA` cannot be a variable");
    fails("y ~ \"x\"", 1, 5, "a quoted name cannot be a variable");
    fails("y ~ -x", 1, 5, "`-` must be followed by a number");
    fails("y ~ (x)", 1, 5, "found `(`");
    fails("y ~ lower(0)*x", 1, 5, "unknown modifier `lower(...)`");
    fails("y ~ c()*x", 1, 6, "empty list");
    fails("y ~ c(a b)*x", 1, 9, "expected `,` or `)`");
    fails("y ~ c(a, 1)*x", 1, 5, "mixes numbers and labels");
    fails("y ~ start(a)*x", 1, 5, "start values must be numbers");
    fails("y ~ label(1)*x", 1, 5, "labels must be names");
    fails("y ~ a?x", 1, 5, "only numbers can precede `?`");
    fails("y ~ a*b*x", 1, 7, "more than one label");
    fails("y ~ 1*0*x", 1, 7, "more than one fixed value");
    fails("y ~ start(1)*2?x", 1, 14, "more than one start value");
    fails("y ~ x\nz ~ 'abc", 2, 5, "unterminated string");
}

#[test]
fn bad_left_hand_sides() {
    fails(
        "1 ~ x",
        1,
        1,
        "expected a variable name on the left-hand side",
    );
    fails("a b ~ x", 1, 3, "expected `+` between left-hand-side names");
    fails("a + ~ x", 1, 3, "expected a variable name after `+`");
    fails("a*b =~ x", 1, 2, "expected `+` between");
    fails("a b := c", 1, 3, "single name");
    fails("2 := c", 1, 1, "must be a name");
}

#[test]
fn bad_expressions() {
    fails(
        "a := b *",
        1,
        8,
        "expected a number, a name or `(` after `*`",
    );
    fails("a := b c", 1, 8, "unexpected `c`");
    fails("a := (b c)", 1, 9, "expected `)` or an operator, found `c`");
    fails(
        "a := f(b c)",
        1,
        10,
        "expected `)` or an operator, found `c`",
    );
    fails("a := NA", 1, 6, "`NA` cannot be used");
    fails("a := 'b'", 1, 6, "unexpected `'b'`");
    fails("a == b ^", 1, 8, "after `^`");
    fails("a := b ? c", 1, 8, "unexpected `?`");
}

#[test]
fn first_error_wins_in_text_order() {
    fails("y ~ x +;\n\nz ~ 1.2.3*w", 1, 7, "`+`");
    fails("y ~ x x\n\nz ~ 1.2.3*w", 1, 7, "found `x`");
    fails("y ~ 1.2.3*x\nz = w", 1, 5, "bad number");
}
