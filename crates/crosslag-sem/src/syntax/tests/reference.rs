//! The `lavaan_syntax` of every reference case parses, with the expected statements.

use crate::syntax::*;

const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/lavaan");

/// (case file stem, statements, `=~`, `~`, `~~`, `:=`, constraints)
const CASES: [(&str, usize, usize, usize, usize, usize, usize); 20] = [
    ("case01_clpm_ml", 9, 0, 6, 3, 0, 0),
    ("case02_riclpm_ml", 39, 10, 6, 23, 0, 0),
    ("case03_riclpm_constrained", 39, 10, 6, 23, 0, 0),
    ("case04a_riclpm_fiml_ml", 39, 10, 6, 23, 0, 0),
    ("case04b_riclpm_fiml_mlr", 39, 10, 6, 23, 0, 0),
    ("case05_riclpm_nonnormal_mlr", 39, 10, 6, 23, 0, 0),
    ("case06_riclpm_cluster_mlr", 39, 10, 6, 23, 0, 0),
    ("case07a_riclpm_multigroup_configural", 39, 10, 6, 23, 0, 0),
    (
        "case07b_riclpm_multigroup_equal_regressions",
        39,
        10,
        6,
        23,
        0,
        0,
    ),
    ("case08_riclpm_three_constructs", 66, 15, 9, 42, 0, 0),
    ("case09_mi_riclpm_strong_invariance", 32, 14, 13, 5, 0, 0),
    ("case10_mediation_indirect", 4, 0, 2, 0, 2, 0),
    ("case11_clpm_summary_stats", 9, 0, 6, 3, 0, 0),
    ("case12_riclpm_gender_predictor", 41, 10, 8, 23, 0, 0),
    ("case13_riclpm_small_n", 39, 10, 6, 23, 0, 0),
    ("case14_political_democracy_sem", 10, 3, 2, 5, 0, 0),
    ("case15a_holzinger_cfa", 3, 3, 0, 0, 0, 0),
    ("case15b_holzinger_multigroup_scalar", 3, 3, 0, 0, 0, 0),
    ("case16a_lcmsr", 60, 12, 18, 30, 0, 0),
    ("case16b_starts_lang", 18, 5, 3, 9, 0, 1),
];

fn syntax_of(stem: &str) -> String {
    let path = format!("{REFERENCE}/{stem}.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["lavaan_syntax"]
        .as_str()
        .expect("lavaan_syntax")
        .to_string()
}

fn model(stem: &str) -> ModelSyntax {
    parse(&syntax_of(stem)).unwrap_or_else(|e| panic!("{stem}: {e}"))
}

fn relations(m: &ModelSyntax) -> impl Iterator<Item = (&Vec<String>, RelOp, &Vec<Term>)> {
    m.statements.iter().filter_map(|s| match s {
        Statement::Relation { lhs, op, rhs, .. } => Some((lhs, *op, rhs)),
        _ => None,
    })
}

fn labels(m: &ModelSyntax) -> Vec<String> {
    relations(m)
        .flat_map(|(_, _, rhs)| rhs.iter())
        .filter_map(|t| t.modifiers.label.as_ref())
        .flatten()
        .flatten()
        .cloned()
        .collect()
}

#[test]
fn every_reference_case_parses_with_the_expected_statements() {
    for (stem, n, loadings, regressions, covariances, definitions, constraints) in CASES {
        let m = model(stem);
        let count = |op| relations(&m).filter(|r| r.1 == op).count();
        let definitions_found = m
            .statements
            .iter()
            .filter(|s| matches!(s, Statement::Definition { .. }))
            .count();
        let constraints_found = m
            .statements
            .iter()
            .filter(|s| matches!(s, Statement::Constraint { .. }))
            .count();
        assert_eq!(
            (
                m.statements.len(),
                count(RelOp::Loading),
                count(RelOp::Regression),
                count(RelOp::Covariance),
                definitions_found,
                constraints_found
            ),
            (
                n,
                loadings,
                regressions,
                covariances,
                definitions,
                constraints
            ),
            "{stem}"
        );
        // statement positions point at the statement's first character in the original text
        let syntax = syntax_of(stem);
        let lines: Vec<&str> = syntax.lines().collect();
        for s in &m.statements {
            let p = s.pos();
            let first = lines[p.line - 1].chars().nth(p.column - 1).unwrap();
            assert!(first.is_alphabetic(), "{stem}: {p:?}");
            assert!(p.column == 1);
        }
    }
}

#[test]
fn case16b_stationarity_constraint() {
    let m = model("case16b_starts_lang");
    let Some(Statement::Constraint { lhs, op, rhs, pos }) = m
        .statements
        .iter()
        .find(|s| matches!(s, Statement::Constraint { .. }))
    else {
        panic!("no constraint");
    };
    assert_eq!(*op, ConstraintOp::Eq);
    assert_eq!(*lhs, Expr::Var("var_art1".into()));
    assert_eq!(rhs.to_lavaan(), "var_innov/(1-ar^2)");
    assert_eq!(rhs.variables(), ["var_innov", "ar"]);
    assert_eq!(
        *pos,
        Pos {
            line: 16,
            column: 1
        }
    );
    let lookup = |v: &str| match v {
        "var_innov" => Some(0.75),
        "ar" => Some(0.5),
        _ => None,
    };
    assert_eq!(rhs.eval(&lookup), Ok(1.0));
    // `TRAIT_lang ~~ var_trait*TRAIT_lang`
    let (lhs, op, rhs) = relations(&m).nth(1).unwrap();
    assert_eq!(
        (lhs.as_slice(), op),
        (&["TRAIT_lang".to_string()][..], RelOp::Covariance)
    );
    assert_eq!(rhs[0].var, "TRAIT_lang");
    assert_eq!(rhs[0].modifiers.label, Some(vec![Some("var_trait".into())]));
}

#[test]
fn case10_defined_parameters() {
    let m = model("case10_mediation_indirect");
    let defs: Vec<(&str, String)> = m
        .statements
        .iter()
        .filter_map(|s| match s {
            Statement::Definition { name, expr, .. } => Some((name.as_str(), expr.to_lavaan())),
            _ => None,
        })
        .collect();
    // lavaan's parameter table spells these rhs exactly so
    assert_eq!(
        defs,
        [("ind", "a*b".to_string()), ("total", "c+a*b".to_string())]
    );
    assert_eq!(labels(&m), ["a", "b", "c"]);
    let (lhs, _, rhs) = relations(&m).nth(1).unwrap();
    assert_eq!(lhs, &["lang_3"]);
    assert_eq!(rhs[1].var, "close_1");
    assert_eq!(rhs[1].modifiers.label, Some(vec![Some("c".into())]));
    assert!(rhs[2].modifiers.is_empty());
}

#[test]
fn case09_labels_and_intercepts() {
    let m = model("case09_mi_riclpm_strong_invariance");
    let labels = labels(&m);
    assert_eq!(labels.len(), 8 * 3 + 6);
    assert_eq!(labels.iter().filter(|l| *l == "lam_close_i2").count(), 4);
    // `close_1_i1 + close_2_i1 + close_3_i1 + close_4_i1 ~ nu_close_i1*1`
    let (lhs, op, rhs) = relations(&m).find(|(_, _, rhs)| rhs[0].var == "1").unwrap();
    assert_eq!(op, RelOp::Regression);
    assert_eq!(
        lhs,
        &["close_1_i1", "close_2_i1", "close_3_i1", "close_4_i1"]
    );
    assert_eq!(
        rhs[0].modifiers.label,
        Some(vec![Some("nu_close_i1".into())])
    );
    // free latent means: six left-hand sides, a bare intercept
    let (lhs, _, rhs) = relations(&m)
        .find(|(lhs, _, _)| lhs.len() == 6 && lhs[0] == "WF_close_2")
        .unwrap();
    assert_eq!(lhs.len(), 6);
    assert_eq!(
        (rhs[0].var.as_str(), rhs[0].modifiers.is_empty()),
        ("1", true)
    );
    // the last statement: six lhs, two rhs fixed at zero
    let (lhs, op, rhs) = relations(&m).last().unwrap();
    assert_eq!((lhs.len(), op), (6, RelOp::Covariance));
    assert!(rhs
        .iter()
        .all(|t| t.modifiers.fixed == Some(vec![Some(0.0)])));
}

#[test]
fn case07_has_no_modifiers_beyond_fixed_values() {
    for stem in [
        "case07a_riclpm_multigroup_configural",
        "case07b_riclpm_multigroup_equal_regressions",
    ] {
        let m = model(stem);
        assert!(labels(&m).is_empty(), "{stem}");
        assert!(relations(&m)
            .flat_map(|r| r.2.iter())
            .all(|t| t.modifiers.label.is_none() && t.modifiers.start.is_none()));
        let fixed: Vec<f64> = relations(&m)
            .flat_map(|r| r.2.iter())
            .filter_map(|t| t.modifiers.fixed.as_ref().map(|f| f[0].unwrap()))
            .collect();
        assert_eq!(fixed.len(), 8 + 8 + 8);
    }
}

#[test]
fn case16a_fixed_intercepts_and_slope_loadings() {
    let m = model("case16a_lcmsr");
    let (_, _, rhs) = relations(&m).nth(1).unwrap();
    let loadings: Vec<Option<f64>> = rhs
        .iter()
        .map(|t| t.modifiers.fixed.as_ref().unwrap()[0])
        .collect();
    assert_eq!(loadings, [Some(0.0), Some(1.0), Some(2.0), Some(3.0)]);
    let zero_intercepts = relations(&m)
        .filter(|(_, op, rhs)| {
            *op == RelOp::Regression
                && rhs[0].var == "1"
                && rhs[0].modifiers.fixed == Some(vec![Some(0.0)])
        })
        .count();
    assert_eq!(zero_intercepts, 8);
}
