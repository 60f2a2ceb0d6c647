//! Panel model families built from a declaration (`crosslag_sem::families::panel`), not from the
//! reference syntax, fitted to the reference data and held against lavaan 0.6.14
//! (`tests/fixtures/lavaan/case*.json`): chisq, df, npar, logl, and every row of
//! `parameterEstimates()` (matched by lhs/op/rhs/group; est to 1e-4·max(1, |ref|), se to
//! 1e-3·max(0.01, |ref|)), and the same set of rows with the same free/fixed status.

use crosslag_sem::families::panel::{
    self, Constraint, Construct, Family, GroupLagged, Indicator, Invariance, MultiGroup,
    PanelDeclaration,
};
use crosslag_sem::{Data, FitOptions, FitResult, Missing};
use crosslag_tests::{close, load_raw, reference_dir};
use serde_json::Value;

fn reference(name: &str) -> Value {
    let path = reference_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("reference JSON")
}

/// The case's data, with the model's observed variables (and the group column).
fn data(case: &Value, vars: &[String], group: Option<&str>) -> Data {
    let csv = reference_dir().join(case["data"].as_str().expect("data file"));
    load_raw(&csv, vars, group, None)
}

fn two(family: Family) -> PanelDeclaration {
    PanelDeclaration::new(
        family,
        vec![Construct::new("close"), Construct::new("lang")],
        4,
    )
}

fn ses_low(lagged: GroupLagged) -> Option<MultiGroup> {
    Some(MultiGroup {
        variable: "ses_low".into(),
        labels: vec!["0".into(), "1".into()],
        lagged,
    })
}

/// Generate, fit and compare; `tweak` adjusts the fit options (e.g. missing = "ml").
fn check(case_name: &str, decl: &PanelDeclaration, tweak: impl Fn(&mut FitOptions)) -> FitResult {
    check_with(case_name, decl, tweak, true)
}

/// [`check`], optionally without comparing standard errors.
fn check_with(
    case_name: &str,
    decl: &PanelDeclaration,
    tweak: impl Fn(&mut FitOptions),
    compare_se: bool,
) -> FitResult {
    let case = reference(case_name);
    let model = panel::generate(decl).unwrap_or_else(|e| panic!("{case_name}: {e}"));
    let vars = crosslag_sem::model_variables(&model.syntax).expect("model variables");
    assert_eq!(vars, model.observed, "{case_name}: observed variables");
    let data = data(&case, &vars, model.group.as_deref());
    let mut opts = model.fit_options.clone();
    tweak(&mut opts);
    let res = crosslag_sem::fit(&model.syntax, &data, &opts)
        .unwrap_or_else(|e| panic!("{case_name}: {e}\n{}", model.syntax));
    assert!(
        res.converged,
        "{case_name}: not converged ({})",
        res.optimizer_reason
    );

    // the declaration's own count agrees with lavaan's and with the fit
    let npar = case["npar"].as_u64().unwrap() as usize;
    let df = case["fit"]["df"].as_f64().unwrap();
    assert_eq!(res.npar, npar, "{case_name}: npar");
    assert_eq!(
        model.count.npar, npar,
        "{case_name}: npar of the declaration"
    );
    assert_eq!(res.df, df, "{case_name}: df");
    assert_eq!(
        model.count.df as f64, df,
        "{case_name}: df of the declaration"
    );
    let chisq = case["fit"]["chisq"].as_f64().unwrap();
    assert!(
        close(res.chisq, chisq, 1e-4, 1.0),
        "{case_name}: chisq {} vs lavaan {chisq}",
        res.chisq
    );
    let logl = case["loglik"].as_f64().unwrap();
    assert!(
        close(res.loglik, logl, 1e-8, 1.0),
        "{case_name}: logl {} vs lavaan {logl}",
        res.loglik
    );

    // every row of parameterEstimates(), matched by lhs/op/rhs/group
    let rows = case["parameters"].as_array().expect("parameters");
    let (mut worst_est, mut worst_se) = (0.0f64, 0.0f64);
    for r in rows {
        let (lhs, op, rhs) = (
            r["lhs"].as_str().unwrap(),
            r["op"].as_str().unwrap(),
            r["rhs"].as_str().unwrap_or(""),
        );
        let group = r["group"].as_u64().unwrap_or(1) as usize;
        let what = format!("{case_name}: {lhs} {op} {rhs} (group {group})");
        let mine = res
            .parameters
            .iter()
            .find(|p| {
                p.lhs == lhs
                    && p.op.as_str() == op
                    && p.rhs == rhs
                    && (p.group == group || op == ":=")
            })
            .unwrap_or_else(|| panic!("{what}: not in the generated model"));
        let free = r["free"].as_u64().unwrap_or(0) > 0;
        assert_eq!(mine.free > 0, free, "{what}: free/fixed differs");
        let est = r["est"].as_f64().unwrap();
        assert!(
            close(mine.estimate.est, est, 1e-4, 1.0),
            "{what}: est {} vs lavaan {est}",
            mine.estimate.est
        );
        worst_est = worst_est.max((mine.estimate.est - est).abs() / est.abs().max(1.0));
        if free && compare_se {
            let se = r["se"].as_f64().unwrap();
            let m = mine.estimate.se.unwrap_or(f64::NAN);
            assert!(close(m, se, 1e-3, 0.01), "{what}: se {m} vs lavaan {se}");
            worst_se = worst_se.max((m - se).abs() / se.abs().max(0.01));
        }
    }
    // and nothing more: the generated model has exactly lavaan's rows
    let ours = res
        .parameters
        .iter()
        .filter(|p| p.op.as_str() != ":=")
        .count();
    let theirs = rows.iter().filter(|r| r["op"] != ":=").count();
    assert_eq!(ours, theirs, "{case_name}: number of parameter rows");
    eprintln!(
        "{case_name}: chisq {:.6} (lavaan {chisq:.6}), df {}, npar {}, logl {:.6}; worst rel diff est {worst_est:.1e}, se {worst_se:.1e}",
        res.chisq, res.df, res.npar, res.loglik
    );
    res
}

#[test]
fn case01_clpm() {
    check("case01_clpm_ml", &two(Family::Clpm), |_| {});
}

#[test]
fn case02_riclpm() {
    check("case02_riclpm_ml", &two(Family::Riclpm), |_| {});
}

#[test]
fn case03_riclpm_lagged_and_residual_covariances_equal_over_time() {
    let mut d = two(Family::Riclpm);
    d.options.constrain = vec![Constraint::Lagged, Constraint::ResidualCovariances];
    check("case03_riclpm_constrained", &d, |_| {});
}

#[test]
fn case04a_riclpm_fiml() {
    check("case04a_riclpm_fiml_ml", &two(Family::Riclpm), |o| {
        o.estimation.missing = Missing::Ml
    });
}

#[test]
fn case07a_riclpm_two_groups_configural() {
    let mut d = two(Family::Riclpm);
    d.options.groups = ses_low(GroupLagged::Free);
    check("case07a_riclpm_multigroup_configural", &d, |_| {});
}

#[test]
fn case07b_riclpm_lagged_equal_across_groups_by_group_equal() {
    let mut d = two(Family::Riclpm);
    d.options.groups = ses_low(GroupLagged::GroupEqual);
    check("case07b_riclpm_multigroup_equal_regressions", &d, |_| {});
}

#[test]
fn case07b_riclpm_lagged_equal_across_groups_by_labels() {
    // c(a, a) labels instead of group.equal: the same model and estimates
    let mut d = two(Family::Riclpm);
    d.options.groups = ses_low(GroupLagged::Labels);
    let m = panel::generate(&d).unwrap();
    assert!(m.fit_options.model.group_equal.is_empty());
    assert!(m.syntax.contains("c(ar_close_2, ar_close_2)*w_close_1"));
    check("case07b_riclpm_multigroup_equal_regressions", &d, |_| {});
}

#[test]
fn case08_riclpm_three_constructs() {
    let d = PanelDeclaration::new(
        Family::Riclpm,
        vec![
            Construct::new("close"),
            Construct::new("confl"),
            Construct::new("lang"),
        ],
        4,
    );
    check("case08_riclpm_three_constructs", &d, |_| {});
}

#[test]
fn case09_mi_riclpm_strong_invariance() {
    let items = |name: &str| Construct {
        indicators: ["i1", "i2", "i3"]
            .iter()
            .map(|i| Indicator {
                name: i.to_string(),
                columns: None,
            })
            .collect(),
        ..Construct::new(name)
    };
    let mut d = PanelDeclaration::new(Family::MiRiclpm, vec![items("close"), items("lang")], 4);
    d.options.invariance = Invariance::Strong;
    check("case09_mi_riclpm_strong_invariance", &d, |_| {});
}

#[test]
fn case12_riclpm_gender_predicts_the_random_intercepts() {
    let mut d = two(Family::Riclpm);
    d.options.ri_predictors = vec!["gender".into()];
    check("case12_riclpm_gender_predictor", &d, |_| {});
}

fn lcm_sr() -> PanelDeclaration {
    let mut d = two(Family::LcmSr);
    d.options.constrain = vec![Constraint::Lagged];
    d
}

/// LCM-SR: the inadmissible optimum (negative growth-factor variances); chisq, df, npar, logl
/// and every estimate and standard error against lavaan (the standard errors through lavaan
/// 0.6.14's generalized inverse of the bordered information, see vcov.rs).
#[test]
fn case16a_lcm_sr() {
    check("case16a_lcmsr", &lcm_sr(), |_| {});
}

#[test]
fn case16b_univariate_starts() {
    let d = PanelDeclaration::new(Family::Starts, vec![Construct::new("lang")], 4);
    check("case16b_starts_lang", &d, |_| {});
}

// ---- models without a lavaan reference: structure checks on the same data ----

/// Generate and fit a declaration to a reference CSV; the fit's npar and df must be the
/// declaration's own count.
fn fit_file(csv: &str, decl: &PanelDeclaration) -> FitResult {
    let model = panel::generate(decl).unwrap_or_else(|e| panic!("{e}"));
    let case = serde_json::json!({ "data": csv });
    let data = data(&case, &model.observed, model.group.as_deref());
    let res = crosslag_sem::fit(&model.syntax, &data, &model.fit_options)
        .unwrap_or_else(|e| panic!("{e}\n{}", model.syntax));
    assert!(
        res.converged,
        "not converged ({}):\n{}",
        res.optimizer_reason, model.syntax
    );
    assert_eq!(res.npar, model.count.npar, "npar:\n{}", model.syntax);
    assert_eq!(res.df, model.count.df as f64, "df:\n{}", model.syntax);
    res
}

fn mi(inv: Invariance) -> PanelDeclaration {
    let items = |name: &str| Construct {
        indicators: ["i1", "i2", "i3"]
            .iter()
            .map(|i| Indicator {
                name: i.to_string(),
                columns: None,
            })
            .collect(),
        ..Construct::new(name)
    };
    let mut d = PanelDeclaration::new(Family::MiRiclpm, vec![items("close"), items("lang")], 4);
    d.options.invariance = inv;
    d
}

/// Configural ⊃ weak ⊃ strong: chi-squares increase, and the strong model is case09's.
#[test]
fn mi_riclpm_invariance_steps_are_nested() {
    let conf = fit_file("items_A.csv", &mi(Invariance::Configural));
    let weak = fit_file("items_A.csv", &mi(Invariance::Weak));
    let strong = fit_file("items_A.csv", &mi(Invariance::Strong));
    assert!(conf.chisq <= weak.chisq + 1e-6 && weak.chisq <= strong.chisq + 1e-6);
    assert_eq!(weak.df - conf.df, 12.0);
    assert_eq!(strong.df - weak.df, 12.0);
    let case09 = reference("case09_mi_riclpm_strong_invariance");
    assert!(close(
        strong.chisq,
        case09["fit"]["chisq"].as_f64().unwrap(),
        1e-6,
        1.0
    ));
    eprintln!(
        "MI-RICLPM chisq/df: configural {:.3}/{}, weak {:.3}/{}, strong {:.3}/{}",
        conf.chisq, conf.df, weak.chisq, weak.df, strong.chisq, strong.df
    );
}

/// Restricted RI-CLPMs are nested in case02: each fits, counts as declared, and its
/// chi-square is at least case02's.
#[test]
fn riclpm_options_fit_and_nest() {
    let free = fit_file("panel_A_complete.csv", &two(Family::Riclpm));
    for constrain in [
        vec![Constraint::Lagged],
        vec![Constraint::ResidualVariances],
        vec![Constraint::Residuals],
        vec![Constraint::Means],
        vec![Constraint::Lagged, Constraint::Residuals, Constraint::Means],
    ] {
        let mut d = two(Family::Riclpm);
        d.options.constrain = constrain.clone();
        let res = fit_file("panel_A_complete.csv", &d);
        assert!(
            res.chisq >= free.chisq - 1e-6,
            "{constrain:?}: {} < {}",
            res.chisq,
            free.chisq
        );
        eprintln!(
            "RI-CLPM {constrain:?}: chisq {:.3}, df {}",
            res.chisq, res.df
        );
    }
    // lag-2 effects free the model further: chi-square at most case02's
    let mut d = two(Family::Riclpm);
    d.options.lag2 = true;
    let res = fit_file("panel_A_complete.csv", &d);
    assert!(res.chisq <= free.chisq + 1e-6);
    assert_eq!(free.df - res.df, 8.0);
}

/// Extension 1: a time-invariant predictor of the observed scores (effects equal over
/// time) and a time-invariant outcome of the random intercepts.
#[test]
fn riclpm_time_invariant_predictor_and_outcome() {
    let mut d = two(Family::Riclpm);
    d.options.observed_predictors = vec!["gender".into()];
    d.options.outcomes = vec!["lp".into()];
    let res = fit_file("panel_A_complete.csv", &d);
    let effect = res
        .parameters
        .iter()
        .filter(|p| p.op.as_str() == "~" && p.rhs == "gender" && p.lhs.starts_with("close_"))
        .map(|p| p.estimate.est)
        .collect::<Vec<_>>();
    assert_eq!(effect.len(), 4);
    assert!(
        effect.iter().all(|e| (e - effect[0]).abs() < 1e-12),
        "equal over time"
    );
    assert!(res
        .parameters
        .iter()
        .any(|p| p.lhs == "lp" && p.op.as_str() == "~" && p.rhs == "RI_lang"));
    eprintln!(
        "RI-CLPM + gender → x_t, RIs → lp: chisq {:.3}, df {}",
        res.chisq, res.df
    );
}

/// Time-invariant lagged effects that stay free across groups (`c(ar_g1, ar_g2)` labels):
/// the two-group fit is the two single-group fits side by side.
#[test]
fn per_group_labels_equal_separate_fits() {
    let mut d = two(Family::Riclpm);
    d.options.constrain = vec![Constraint::Lagged, Constraint::ResidualCovariances];
    d.options.groups = ses_low(GroupLagged::Free);
    let both = fit_file("panel_A_complete.csv", &d);
    let single = panel::generate(&two_constrained()).unwrap();
    let mut chisq = 0.0;
    let mut logl = 0.0;
    for g in 0..2 {
        let case = serde_json::json!({ "data": "panel_A_complete.csv" });
        let Data::Raw {
            names,
            values,
            group,
            ..
        } = data(&case, &single.observed, Some("ses_low"))
        else {
            unreachable!()
        };
        let group = group.expect("groups");
        let rows: Vec<usize> = (0..values.nrows()).filter(|&r| group[r] == g).collect();
        let values = values.select(ndarray::Axis(0), &rows);
        let data = Data::Raw {
            names,
            values,
            group: None,
            group_labels: Vec::new(),
            cluster: None,
        };
        let res = crosslag_sem::fit(&single.syntax, &data, &single.fit_options).unwrap();
        assert!(res.converged);
        chisq += res.chisq;
        logl += res.loglik;
        // group-specific estimates equal the single-group ones
        for p in res.parameters.iter().filter(|p| p.free > 0) {
            let q = both
                .parameters
                .iter()
                .find(|q| q.lhs == p.lhs && q.op == p.op && q.rhs == p.rhs && q.group == g + 1)
                .unwrap();
            assert!(
                close(q.estimate.est, p.estimate.est, 1e-6, 1.0),
                "{} {} {} group {}: {} vs {}",
                p.lhs,
                p.op,
                p.rhs,
                g + 1,
                q.estimate.est,
                p.estimate.est
            );
        }
    }
    assert!(
        close(both.chisq, chisq, 1e-6, 1.0),
        "{} vs {chisq}",
        both.chisq
    );
    assert!(close(both.loglik, logl, 1e-9, 1.0));
}

fn two_constrained() -> PanelDeclaration {
    let mut d = two(Family::Riclpm);
    d.options.constrain = vec![Constraint::Lagged, Constraint::ResidualCovariances];
    d
}

/// Other families and options fit with the counts they declare.
#[test]
fn other_families_fit() {
    let mut clpm = two(Family::Clpm);
    clpm.options.lag2 = true;
    clpm.options.constrain = vec![Constraint::ResidualVariances];
    let mut clpm_gender = two(Family::Clpm);
    clpm_gender.options.observed_predictors = vec!["gender".into()];
    let mut lcm = two(Family::LcmSr);
    lcm.options.time_scores = Some(vec![0.0, 1.0, 2.0, 3.0]);
    let three = PanelDeclaration::new(
        Family::Riclpm,
        vec![
            Construct::new("close"),
            Construct::new("confl"),
            Construct::new("engage"),
        ],
        4,
    );
    let mut starts = two(Family::Starts);
    starts.options.constrain = vec![Constraint::MeasurementError];
    for (what, d) in [
        ("CLPM lag 2, residual variances equal", clpm),
        ("CLPM with gender", clpm_gender),
        ("RI-CLPM close/confl/engage", three),
        ("bivariate STARTS, equal measurement error", starts),
        ("LCM-SR, time-varying lagged effects", lcm),
    ] {
        let res = fit_file("panel_A_complete.csv", &d);
        eprintln!("{what}: chisq {:.3}, df {}", res.chisq, res.df);
    }
}
