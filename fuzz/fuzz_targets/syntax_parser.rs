//! Any text through the lavaan model-syntax parser, the checks of the parameter-table builder
//! and the builder itself: an error or a model, never a panic or a stack overflow.
#![no_main]

use crosslag_sem::partable::{self, TableOptions};
use crosslag_sem::syntax::{self, Statement};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(model) = syntax::parse(text) else {
        return;
    };
    for ngroups in 1..=2 {
        let _ = syntax::check_model(&model, ngroups, &|_| false);
        let opts = TableOptions {
            ngroups,
            ..TableOptions::default()
        };
        let _ = partable::build(&model, &opts);
    }
    // every expression the parser accepts prints back to itself
    for st in &model.statements {
        let exprs = match st {
            Statement::Definition { expr, .. } => vec![expr],
            Statement::Constraint { lhs, rhs, .. } => vec![lhs, rhs],
            Statement::Relation { .. } => Vec::new(),
        };
        for e in exprs {
            let again = syntax::parse(&format!("fuzz__ := {}", e.to_lavaan()))
                .unwrap_or_else(|err| panic!("{} does not read back: {err}", e.to_lavaan()));
            match &again.statements[..] {
                [Statement::Definition { expr, .. }] => assert_eq!(expr, e),
                other => panic!("{other:?}"),
            }
        }
    }
});
