//! Complete-data ML against lavaan 0.6.14: every parameter (estimate, SE, z, std.lv,
//! std.all) and every fit measure of the reference cases, within CONTRACT.md's tolerances.

use crosslag_tests::*;

fn check(name: &str) {
    let case = load_case(name);
    let res = fit_case(&case);
    assert!(res.converged, "{name}: not converged ({})", res.optimizer_reason);
    assert_eq!(res.npar as u64, case.json["npar"].as_u64().unwrap(), "{name}: npar");
    assert_parameters(&case, &res, "parameters");
    assert_fit_measures(&case, &res);
    let logl = case.json["loglik"].as_f64().unwrap();
    assert!(close(res.loglik, logl, 1e-8, 1.0), "{name}: logl {} vs {logl}", res.loglik);
}

#[test]
fn case01_clpm() {
    check("case01_clpm_ml");
}

#[test]
fn case02_riclpm() {
    check("case02_riclpm_ml");
}

#[test]
fn case03_riclpm_equality_constraints() {
    check("case03_riclpm_constrained");
}

#[test]
fn case07a_multigroup_configural() {
    check("case07a_riclpm_multigroup_configural");
}

#[test]
fn case07b_multigroup_equal_regressions() {
    check("case07b_riclpm_multigroup_equal_regressions");
}

#[test]
fn case08_three_constructs() {
    check("case08_riclpm_three_constructs");
}

#[test]
fn case09_multiple_indicator_riclpm() {
    check("case09_mi_riclpm_strong_invariance");
}

#[test]
fn case10_indirect_effect_delta_method() {
    check("case10_mediation_indirect");
}

#[test]
fn case11_summary_statistics_equal_raw_data() {
    check("case11_clpm_summary_stats");
    let raw = fit_case(&load_case("case01_clpm_ml"));
    let summary = fit_case(&load_case("case11_clpm_summary_stats"));
    for (a, b) in raw.parameters.iter().zip(&summary.parameters) {
        assert!(close(a.est, b.est, 1e-9, 1.0), "{} {} {}", a.lhs, a.op, a.rhs);
    }
}

#[test]
fn case12_time_invariant_predictor() {
    check("case12_riclpm_gender_predictor");
}

#[test]
fn case13_small_sample() {
    check("case13_riclpm_small_n");
}

#[test]
fn case14_political_democracy() {
    check("case14_political_democracy_sem");
}

#[test]
fn case15a_holzinger_cfa() {
    check("case15a_holzinger_cfa");
}

#[test]
fn case15b_holzinger_scalar_invariance() {
    check("case15b_holzinger_multigroup_scalar");
}

#[test]
fn case16a_lcmsr_inadmissible_optimum() {
    check("case16a_lcmsr");
}

#[test]
fn case16b_starts_nonlinear_constraint() {
    check("case16b_starts_lang");
}

/// Standard errors from the analytic observed information (lavaan: numerical Hessian).
#[test]
fn observed_information_case01_case02() {
    for name in ["case01_clpm_ml", "case02_riclpm_ml"] {
        let mut case = load_case(name);
        case.options.information = Some(crosslag_sem::Information::Observed);
        let res = fit_case(&case);
        let (_, worst_se) = assert_parameters(&case, &res, "parameters_observed");
        assert!(worst_se < 1e-3, "{name}: {worst_se}");
    }
}
