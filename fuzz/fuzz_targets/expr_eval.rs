//! Any text as the right-hand side of `:=`: parse, evaluate, differentiate with respect to every
//! variable and evaluate the derivatives, print and read back. Never a panic or a stack
//! overflow; the printed form evaluates to the same value.
#![no_main]

use crosslag_sem::syntax::{self, Statement};
use libfuzzer_sys::fuzz_target;

fn value(name: &str) -> Option<f64> {
    // a fixed, name-dependent value; names starting with `u` are unknown
    if name.starts_with('u') {
        return None;
    }
    let h = name
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    Some(f64::from(h % 2000) / 100.0 - 10.0)
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.contains([';', '\n', '\r']) {
        return;
    }
    let Ok(model) = syntax::parse(&format!("d := {text}")) else {
        return;
    };
    let Some(Statement::Definition { expr, .. }) = model.statements.first() else {
        return;
    };
    let v = expr.eval(&value);
    for var in expr.variables() {
        let d = expr.partial(&var);
        let _ = d.eval(&value);
        let _ = d.to_lavaan();
    }
    let back = syntax::parse(&format!("d := {}", expr.to_lavaan())).expect("prints back");
    let Some(Statement::Definition { expr: again, .. }) = back.statements.first() else {
        panic!("not a definition");
    };
    match (v, again.eval(&value)) {
        (Ok(a), Ok(b)) => assert!(same(a, b), "{a} vs {b}"),
        (Err(a), Err(b)) => assert_eq!(a, b),
        (a, b) => panic!("{a:?} vs {b:?}"),
    }
});
