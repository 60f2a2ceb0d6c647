//! Complete-data ML against lavaan 0.6.14: every parameter (estimate, SE, z, std.lv,
//! std.all) and every fit measure of the reference cases, within the tolerances of tests/fixtures/lavaan/README.md.

use crosslag_tests::*;

fn check(name: &str) -> crosslag_sem::FitResult {
    let case = load_case(name);
    let res = fit_case(&case);
    assert!(
        res.converged,
        "{name}: not converged ({})",
        res.optimizer_reason
    );
    assert_eq!(
        res.npar as u64,
        case.json["npar"].as_u64().unwrap(),
        "{name}: npar"
    );
    assert_parameters(&case, &res, "parameters");
    assert_fit_measures(&case, &res);
    let logl = case.json["loglik"].as_f64().unwrap();
    assert!(
        close(res.loglik, logl, 1e-8, 1.0),
        "{name}: logl {} vs {logl}",
        res.loglik
    );
    res
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
        assert!(
            close(a.estimate.est, b.estimate.est, 1e-9, 1.0),
            "{} {} {}",
            a.lhs,
            a.op,
            a.rhs
        );
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

/// The LCM-SR optimum is inadmissible (negative growth-factor variances) and reached from
/// lavaan's own starting values only by some paths; crosslag's restarts find it. Every number
/// matches lavaan, standard errors included: the bordered information is singular to working
/// precision along the `i_lang ~~ i_lang` / `w_lang_1 ~~ w_lang_1` direction, and lavaan
/// 0.6.14's generalized inverse drops that direction (vcov.rs does the same and warns).
#[test]
fn case16a_lcmsr_inadmissible_optimum() {
    let res = check("case16a_lcmsr");
    assert_eq!(res.npar, 30);
    assert!(
        res.parameters
            .iter()
            .any(|p| p.op.as_str() == "~~" && p.lhs == p.rhs && p.estimate.est < 0.0),
        "the solution has negative variances"
    );
    let dropped = res
        .warnings
        .iter()
        .find(|w| w.contains("singular to working precision along 1 direction"))
        .unwrap_or_else(|| panic!("no warning of the dropped direction: {:?}", res.warnings));
    assert!(
        dropped.contains("i_lang~~i_lang") && dropped.contains("w_lang_1~~w_lang_1"),
        "{dropped}"
    );
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
        case.options.estimation.information = Some(crosslag_sem::Information::Observed);
        let res = fit_case(&case);
        let (_, worst_se) = assert_parameters(&case, &res, "parameters_observed");
        assert!(worst_se < 1e-3, "{name}: {worst_se}");
    }
}

/// The 20 largest modification indices of case01 and case02 (lavaan `modindices(fit,
/// sort. = TRUE, maximum.number = 20)`): same parameters in the same order, MI and EPC.
#[test]
fn modification_indices_case01_case02() {
    for name in ["case01_clpm_ml", "case02_riclpm_ml"] {
        let mut case = load_case(name);
        case.options.output.modindices = true;
        let res = fit_case(&case);
        let reference = case.json["modindices_top20"].as_array().unwrap();
        for (k, r) in reference.iter().enumerate() {
            let mine = &res.modindices[k];
            let what = format!("{name} #{k}: {} {} {}", r["lhs"], r["op"], r["rhs"]);
            let found = res.modindices.iter().find(|m| {
                m.lhs == r["lhs"].as_str().unwrap()
                    && m.op.as_str() == r["op"].as_str().unwrap()
                    && m.rhs == r["rhs"].as_str().unwrap()
            });
            let found = found.unwrap_or_else(|| panic!("{what} missing"));
            let mi = r["mi"].as_f64().unwrap();
            assert!(
                close(found.mi, mi, 1e-4, 1.0),
                "{what} mi {} vs {mi}",
                found.mi
            );
            assert!(
                close(mine.mi, mi, 1e-4, 1.0),
                "{what}: rank differs ({} {} {} at this rank)",
                mine.lhs,
                mine.op,
                mine.rhs
            );
            for (field, ours) in [
                ("epc", found.epc),
                ("sepc_lv", found.sepc_lv),
                ("sepc_all", found.sepc_all),
                ("sepc_nox", found.sepc_nox),
            ] {
                match r[field].as_f64() {
                    Some(v) => assert!(close(ours, v, 1e-4, 1.0), "{what} {field} {ours} vs {v}"),
                    None => assert!(!ours.is_finite(), "{what} {field} {ours} vs NA"),
                }
            }
        }
    }
}

/// `fixed.x = FALSE`: the wave-1 scores of the CLPM (case01) become ordinary variables, with
/// free means, variances and their covariance (lavaan adds those rows in either case, and
/// fixes them only under fixed.x). The model is saturated in those moments, so χ², df and
/// every other estimate stay lavaan's; npar grows by 5 and the new estimates are the sample
/// moments (divisor N).
#[test]
fn fixed_x_false_frees_the_covariate_moments() {
    let mut case = load_case("case01_clpm_ml");
    let fixed = fit_case(&case);
    case.options.model.fixed_x = false;
    let free = fit_case(&case);
    assert!(free.converged);
    assert_eq!(free.npar, fixed.npar + 5);
    assert!(
        close(free.chisq, fixed.chisq, 1e-8, 1.0),
        "{} vs {}",
        free.chisq,
        fixed.chisq
    );
    assert_eq!(free.df, fixed.df);
    let row = |r: &crosslag_sem::FitResult, l: &str, op: &str, rhs: &str| {
        r.parameters
            .iter()
            .find(|p| p.lhs == l && p.op.as_str() == op && p.rhs == rhs)
            .unwrap_or_else(|| panic!("{l} {op} {rhs}"))
            .clone()
    };
    for (l, op, rhs) in [
        ("close_1", "~~", "lang_1"),
        ("close_1", "~~", "close_1"),
        ("lang_1", "~~", "lang_1"),
        ("close_1", "~1", ""),
    ] {
        let (a, b) = (row(&fixed, l, op, rhs), row(&free, l, op, rhs));
        assert!(
            close(a.estimate.est, b.estimate.est, 1e-7, 1.0),
            "{l} {op} {rhs}: {} vs {}",
            a.estimate.est,
            b.estimate.est
        );
        assert!(
            a.estimate.se.unwrap_or(0.0) == 0.0 && b.estimate.se.unwrap() > 0.0,
            "{l} {op} {rhs}"
        );
    }
    for (a, b) in fixed.parameters.iter().zip(&free.parameters) {
        if a.op.as_str() == "~" {
            assert!(close(a.estimate.est, b.estimate.est, 1e-7, 1.0));
        }
    }
}
