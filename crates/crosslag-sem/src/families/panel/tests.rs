//! Unit tests of the generated syntax: parameter counts against the formulas and the
//! reference cases' lavaan counts, the text itself, the Mplus text, and errors.

use super::*;
use crate::specify::partable::{EntryPoint, GroupEqual};

fn two(family: Family, waves: usize) -> PanelDeclaration {
    PanelDeclaration::new(
        family,
        vec![Construct::new("close"), Construct::new("lang")],
        waves,
    )
}

fn count(decl: &PanelDeclaration) -> ModelCount {
    generate(decl).expect("generates").count
}

fn groups(decl: &mut PanelDeclaration, lagged: GroupLagged) {
    decl.options.groups = Some(MultiGroup {
        variable: "ses_low".into(),
        labels: vec!["0".into(), "1".into()],
        lagged,
    });
}

#[test]
fn riclpm_parameter_count_formula() {
    // npar = 2T + 6 + 7(T − 1) for two constructs; moments 2T(2T + 3)/2
    for t in 3..=8 {
        let c = count(&two(Family::Riclpm, t));
        assert_eq!(c.npar, 2 * t + 6 + 7 * (t - 1), "T = {t}");
        assert_eq!(c.moments, 2 * t * (2 * t + 3) / 2, "T = {t}");
        assert_eq!(c.df, c.moments as i64 - c.npar as i64);
    }
    let c5 = count(&two(Family::Riclpm, 5));
    assert_eq!((c5.npar, c5.df), (44, 21));
    // T = 3: df 1 (the ChiBarSq.DiffTest example), the CLPM df 4 more... (RIs removed: +3)
    assert_eq!(count(&two(Family::Riclpm, 3)).df, 1);
}

#[test]
fn counts_of_the_reference_cases() {
    // lavaan's npar and df of cases 01, 02, 03, 07a, 07b, 08, 09, 12, 16a, 16b
    let c = count(&two(Family::Clpm, 4));
    assert_eq!((c.npar, c.df), (27, 12));
    let c = count(&two(Family::Riclpm, 4));
    assert_eq!((c.npar, c.df), (35, 9));
    let mut d = two(Family::Riclpm, 4);
    d.options.constrain = vec![Constraint::Lagged, Constraint::ResidualCovariances];
    let c = count(&d);
    assert_eq!((c.npar, c.df), (25, 19));
    let mut d = two(Family::Riclpm, 4);
    groups(&mut d, GroupLagged::Free);
    let c = count(&d);
    assert_eq!((c.npar, c.df), (70, 18));
    groups(&mut d, GroupLagged::GroupEqual);
    let c = count(&d);
    assert_eq!((c.npar, c.df), (58, 30));
    groups(&mut d, GroupLagged::Labels);
    let c = count(&d);
    assert_eq!((c.npar, c.df), (58, 30));
    let d = PanelDeclaration::new(
        Family::Riclpm,
        vec![
            Construct::new("close"),
            Construct::new("confl"),
            Construct::new("lang"),
        ],
        4,
    );
    let c = count(&d);
    assert_eq!((c.npar, c.df), (69, 21));
    let c = count(&mi_declaration(Invariance::Strong));
    assert_eq!((c.npar, c.df), (85, 239));
    let mut d = two(Family::Riclpm, 4);
    d.options.ri_predictors = vec!["gender".into()];
    let c = count(&d);
    assert_eq!((c.npar, c.df), (37, 15));
    let mut d = two(Family::LcmSr, 4);
    d.options.constrain = vec![Constraint::Lagged];
    let c = count(&d);
    assert_eq!((c.npar, c.df), (30, 14));
    let d = PanelDeclaration::new(Family::Starts, vec![Construct::new("lang")], 4);
    let c = count(&d);
    assert_eq!((c.npar, c.df), (8, 6));
}

fn mi_declaration(inv: Invariance) -> PanelDeclaration {
    let items = |n: &str| Construct {
        indicators: ["i1", "i2", "i3"]
            .iter()
            .map(|i| Indicator {
                name: i.to_string(),
                columns: None,
            })
            .collect(),
        ..Construct::new(n)
    };
    let mut d = PanelDeclaration::new(Family::MiRiclpm, vec![items("close"), items("lang")], 4);
    d.options.invariance = inv;
    d
}

#[test]
fn mi_riclpm_invariance_steps() {
    // configural → weak frees 2 loadings × 2 constructs × 3 later waves; weak → strong adds
    // 3 × 2 × 3 intercept equalities and frees 2 × 3 within factor means
    let conf = count(&mi_declaration(Invariance::Configural));
    let weak = count(&mi_declaration(Invariance::Weak));
    let strong = count(&mi_declaration(Invariance::Strong));
    assert_eq!(conf.npar - weak.npar, 2 * 2 * 3);
    assert_eq!(weak.npar - strong.npar, 3 * 2 * 3 - 2 * 3);
    assert_eq!(strong.npar, 85);
    let text = generate(&mi_declaration(Invariance::Strong))
        .unwrap()
        .syntax;
    assert!(text.contains(
        "WF_close_2 =~ 1*close_2_i1 + lam_close_i2*close_2_i2 + lam_close_i3*close_2_i3\n"
    ));
    assert!(text.contains("close_1_i2 + close_2_i2 + close_3_i2 + close_4_i2 ~ nu_close_i2*1\n"));
    assert!(text.contains("RI_close_i1 + RI_close_i2 + RI_close_i3 + RI_lang_i1 + RI_lang_i2 + RI_lang_i3 ~~ 0*WF_close_1 + 0*WF_lang_1\n"));
    assert!(text.contains(
        "WF_close_2 + WF_close_3 + WF_close_4 + WF_lang_2 + WF_lang_3 + WF_lang_4 ~ 1\n"
    ));
}

#[test]
fn riclpm_text_reads_like_mulder_and_hamaker() {
    let m = generate(&two(Family::Riclpm, 4)).unwrap();
    let t = &m.syntax;
    for line in [
        "# between part: random intercepts (all loadings fixed at 1)\n",
        "RI_close =~ 1*close_1 + 1*close_2 + 1*close_3 + 1*close_4\n",
        "w_lang_3 =~ 1*lang_3\n",
        "w_close_2 ~ w_close_1 + w_lang_1\n",
        "w_lang_4 ~ w_close_3 + w_lang_3\n",
        "w_close_1 ~~ w_lang_1\n",
        "w_close_4 ~~ w_lang_4\n",
        "RI_close ~~ RI_lang\n",
        "w_lang_4 ~~ w_lang_4\n",
        "close_3 ~~ 0*close_3\n",
        "close_1 + close_2 + close_3 + close_4 ~ 1\n",
        "# fit with lavaan(model, data, meanstructure = TRUE, int.ov.free = TRUE)\n",
        "# 35 free parameters, 44 sample moments, df = 9\n",
    ] {
        assert!(t.contains(line), "missing {line:?} in\n{t}");
    }
    // RIs are not correlated with the wave-1 within components
    assert!(!t.contains("RI_close ~~ w_"));
    assert_eq!(m.fit_options.model.entry, EntryPoint::Lavaan);
    assert_eq!(m.fit_options.model.meanstructure, Some(true));
    assert_eq!(m.fit_options.model.int_ov_free, Some(true));
    assert_eq!(
        m.observed,
        ["close_1", "close_2", "close_3", "close_4", "lang_1", "lang_2", "lang_3", "lang_4"]
    );
    assert_eq!(crate::model_variables(&m.syntax).unwrap(), m.observed);
}

#[test]
fn constraints_are_separate_options() {
    let mut d = two(Family::Riclpm, 4);
    d.options.constrain = vec![Constraint::Lagged, Constraint::ResidualCovariances];
    let t = generate(&d).unwrap().syntax;
    assert!(t.contains("w_close_3 ~ ar_close*w_close_2 + cl_lang_to_close*w_lang_2\n"));
    assert!(t.contains("w_lang_3 ~ cl_close_to_lang*w_close_2 + ar_lang*w_lang_2\n"));
    assert!(t.contains("w_close_4 ~~ rcov_close_lang*w_lang_4\n"));
    assert!(
        t.contains("w_close_4 ~~ w_close_4\n"),
        "variances stay free"
    );
    assert!(
        t.contains("w_close_1 ~~ w_lang_1\n"),
        "wave-1 covariance stays free"
    );
    // each constraint on its own: counts
    let base = count(&two(Family::Riclpm, 4)).npar;
    let with = |c: Vec<Constraint>| {
        let mut d = two(Family::Riclpm, 4);
        d.options.constrain = c;
        count(&d).npar
    };
    assert_eq!(base - with(vec![Constraint::Lagged]), 8);
    assert_eq!(base - with(vec![Constraint::ResidualVariances]), 4);
    assert_eq!(base - with(vec![Constraint::ResidualCovariances]), 2);
    assert_eq!(base - with(vec![Constraint::Residuals]), 6);
    assert_eq!(base - with(vec![Constraint::Means]), 6);
    let mut d = two(Family::Riclpm, 4);
    d.options.constrain = vec![Constraint::Means, Constraint::ResidualVariances];
    let t = generate(&d).unwrap().syntax;
    assert!(t.contains("close_1 + close_2 + close_3 + close_4 ~ mean_close*1\n"));
    assert!(t.contains("w_lang_3 ~~ rvar_lang*w_lang_3\n"));
    assert!(t.contains("w_lang_1 ~~ w_lang_1\n"));
}

#[test]
fn lag2_predictors_and_outcomes() {
    let mut d = two(Family::Riclpm, 4);
    d.options.lag2 = true;
    d.options.constrain = vec![Constraint::Lagged];
    let t = generate(&d).unwrap().syntax;
    assert!(t.contains("w_close_2 ~ ar_close*w_close_1 + cl_lang_to_close*w_lang_1\n"));
    assert!(t.contains(
        "w_close_4 ~ ar_close*w_close_3 + cl_lang_to_close*w_lang_3 + ar2_close*w_close_2 + cl2_lang_to_close*w_lang_2\n"
    ));
    // 4 lag-2 labels more than the lag-1-constrained model
    let mut d1 = two(Family::Riclpm, 4);
    d1.options.constrain = vec![Constraint::Lagged];
    assert_eq!(count(&d).npar - count(&d1).npar, 4);

    let mut d = two(Family::Riclpm, 4);
    d.options.observed_predictors = vec!["gender".into()];
    d.options.outcomes = vec!["lp".into()];
    let m = generate(&d).unwrap();
    assert!(m
        .syntax
        .contains("close_1 + close_2 + close_3 + close_4 ~ s_close_gender*gender\n"));
    assert!(m.syntax.contains("lp ~ RI_close + RI_lang\n"));
    assert!(m.syntax.contains("lp ~~ lp\n"));
    // + 2 predictor effects, + 2 outcome regressions, residual variance, intercept;
    // moments: gender is fixed.x (its moments do not count), lp adds 10 + 1 (cov with 8 ov + var, mean)...
    let base = count(&two(Family::Riclpm, 4));
    assert_eq!(m.count.npar, base.npar + 2 + 4);
    // p = 10 (8 + gender + lp), px = 1: 65 - 2 = 63 moments... with meanstructure
    assert_eq!(m.count.moments, (10 * 11 / 2 + 10) - (1 + 1));
    assert!(m.observed.contains(&"gender".to_string()) && m.observed.contains(&"lp".to_string()));
}

#[test]
fn predictor_in_both_roles_is_refused() {
    let mut d = two(Family::Riclpm, 4);
    d.options.observed_predictors = vec!["gender".into()];
    d.options.ri_predictors = vec!["gender".into()];
    assert!(matches!(generate(&d), Err(PanelError::Invalid(m)) if m.contains("not identified")));
}

#[test]
fn errors_name_the_problem() {
    let err = |d: PanelDeclaration| match generate(&d) {
        Err(PanelError::Invalid(m)) => m,
        other => panic!("expected an error, got {other:?}"),
    };
    assert!(err(two(Family::Riclpm, 2)).contains("at least 3 waves"));
    let mut d = two(Family::Clpm, 4);
    d.options.constrain = vec![Constraint::Means];
    assert!(err(d).contains("grand means"));
    let mut d = two(Family::Riclpm, 4);
    d.constructs[0].columns = Some(vec!["a".into(), "b".into()]);
    assert!(err(d).contains("2 columns for 4 waves"));
    let d = PanelDeclaration::new(
        Family::Riclpm,
        vec![Construct::new("close"), Construct::new("close")],
        4,
    );
    assert!(err(d).contains("twice"));
    let d = PanelDeclaration::new(Family::MiRiclpm, vec![Construct::new("close")], 4);
    assert!(err(d).contains("at least 2 indicators"));
    let mut d = two(Family::Riclpm, 4);
    d.options.constrain = vec![Constraint::Lagged];
    d.options.groups = Some(MultiGroup {
        variable: "g".into(),
        labels: vec![],
        lagged: GroupLagged::Free,
    });
    assert!(err(d).contains("group labels"));
    let mut d = two(Family::Riclpm, 4);
    d.options.ri_predictors = vec!["close_2".into()];
    assert!(err(d).contains("repeated measures"));
}

#[test]
fn explicit_columns_and_wave_labels() {
    let mut d = two(Family::Riclpm, 0);
    d.waves = Waves::Labels(vec!["k".into(), "g1".into(), "g2".into()]);
    d.constructs[1].columns = Some(vec!["ppvt_a".into(), "ppvt_b".into(), "ppvt_c".into()]);
    d.column_pattern = "{stem}{wave}".into();
    let m = generate(&d).unwrap();
    assert!(m
        .syntax
        .contains("RI_close =~ 1*closek + 1*closeg1 + 1*closeg2\n"));
    assert!(m
        .syntax
        .contains("RI_lang =~ 1*ppvt_a + 1*ppvt_b + 1*ppvt_c\n"));
    assert!(m.syntax.contains("w_lang_g2 ~ w_close_g1 + w_lang_g1\n"));
    assert_eq!(m.count.df, 1);
}

#[test]
fn declaration_round_trips_through_json() {
    let json = r#"{
        "family": "riclpm",
        "constructs": [{"name": "close"}, {"name": "lang", "stem": "ppvt"}],
        "waves": 4,
        "options": {"constrain": ["lagged", "residual-covariances"],
                    "groups": {"variable": "ses_low", "labels": ["0", "1"], "lagged": "labels"}}
    }"#;
    let d: PanelDeclaration = serde_json::from_str(json).unwrap();
    assert_eq!(d.column_pattern, "{stem}_{wave}");
    assert_eq!(d.constructs[1].stem.as_deref(), Some("ppvt"));
    let back: PanelDeclaration = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
    assert_eq!(back, d);
    let t = generate(&d).unwrap().syntax;
    // time-invariant and equal across groups: one label shared by both groups
    assert!(t.contains("w_close_2 ~ c(ar_close, ar_close)*w_close_1 + c(cl_ppvt_to_close, cl_ppvt_to_close)*w_ppvt_1\n") || t.contains("c(ar_close, ar_close)*w_close_1"));
    // residual covariances equal over time but free across groups
    assert!(t.contains("w_close_3 ~~ c(rcov_close_lang_g1, rcov_close_lang_g2)*w_lang_3\n"));
}

#[test]
fn multigroup_labels_for_time_varying_lags() {
    let mut d = two(Family::Riclpm, 4);
    groups(&mut d, GroupLagged::Labels);
    let m = generate(&d).unwrap();
    assert!(m
        .syntax
        .contains("w_close_3 ~ c(ar_close_3, ar_close_3)*w_close_2 + c(cl_lang_to_close_3, cl_lang_to_close_3)*w_lang_2\n"));
    assert!(m.fit_options.model.group_equal.is_empty());
    groups(&mut d, GroupLagged::GroupEqual);
    let m = generate(&d).unwrap();
    assert_eq!(
        m.fit_options.model.group_equal,
        vec![GroupEqual::Regressions]
    );
    assert!(m
        .syntax
        .contains("group = \"ses_low\", group.equal = \"regressions\""));
}

#[test]
fn starts_and_lcm_sr_text() {
    let m = generate(&PanelDeclaration::new(
        Family::Starts,
        vec![Construct::new("lang")],
        4,
    ))
    .unwrap();
    for line in [
        "TRAIT_lang =~ 1*lang_1 + 1*lang_2 + 1*lang_3 + 1*lang_4\n",
        "ART_lang_3 ~ ar*ART_lang_2\n",
        "ART_lang_1 ~~ var_art1*ART_lang_1\n",
        "var_art1 == var_innov / (1 - ar^2)\n",
        "lang_2 ~~ var_state*lang_2\n",
    ] {
        assert!(m.syntax.contains(line), "missing {line:?}");
    }
    // bivariate STARTS: RI-CLPM + 8 measurement-error variances (or 2 when equal over time)
    let riclpm = count(&two(Family::Riclpm, 4)).npar;
    assert_eq!(count(&two(Family::Starts, 4)).npar, riclpm + 8);
    let mut d = two(Family::Starts, 4);
    d.options.constrain = vec![Constraint::MeasurementError];
    let m = generate(&d).unwrap();
    assert_eq!(m.count.npar, riclpm + 2);
    assert!(m.syntax.contains("close_4 ~~ me_close*close_4\n"));

    let mut d = two(Family::LcmSr, 4);
    d.options.time_scores = Some(vec![0.0, 1.0, 2.5, 4.0]);
    let m = generate(&d).unwrap();
    assert!(m
        .syntax
        .contains("s_close =~ 0*close_1 + 1*close_2 + 2.5*close_3 + 4*close_4\n"));
    assert!(m
        .syntax
        .contains("close_1 + close_2 + close_3 + close_4 ~ 0*1\n"));
    assert!(m.syntax.contains("i_close ~~ s_lang\n"));
    assert_eq!(m.fit_options.model.int_ov_free, None);
}

#[test]
fn clpm_text_and_options() {
    let m = generate(&two(Family::Clpm, 4)).unwrap();
    assert!(m.syntax.contains("close_2 ~ close_1 + lang_1\n"));
    assert!(m.syntax.contains("close_4 ~~ lang_4\n"));
    assert!(
        !m.syntax.contains("close_1 ~~ lang_1"),
        "wave 1 is exogenous (fixed.x)"
    );
    assert_eq!(m.fit_options.model.entry, EntryPoint::Sem);
    let mut d = two(Family::Clpm, 4);
    d.options.observed_predictors = vec!["gender".into()];
    let m = generate(&d).unwrap();
    assert!(
        m.syntax.contains("close_1 ~~ lang_1\n"),
        "wave 1 is endogenous with a predictor"
    );
    assert!(m
        .syntax
        .contains("lang_1 + lang_2 + lang_3 + lang_4 ~ s_lang_gender*gender\n"));
}

#[test]
fn mplus_text_of_the_riclpm() {
    let mut d = two(Family::Riclpm, 4);
    d.options.constrain = vec![Constraint::Lagged, Constraint::Means];
    let m = generate(&d).unwrap().mplus;
    for line in [
        "MODEL:\n",
        "  RI_close BY close_1@1 close_2@1 close_3@1 close_4@1;\n",
        "  w_close_2 BY close_2@1;\n",
        "  w_close_3 ON w_close_2 (ar_close);\n",
        "  w_close_3 ON w_lang_2 (cl_lang_to_close);\n",
        "  w_close_1 WITH w_lang_1;\n",
        "  RI_close WITH RI_lang;\n",
        "  RI_close;\n",
        "  close_2@0;\n",
        "  [close_1 close_2 close_3 close_4] (mean_close);\n",
    ] {
        assert!(m.contains(line), "missing {line:?} in\n{m}");
    }
    assert!(m.contains("MODEL = NOCOVARIANCES"));
    for line in m.lines() {
        assert!(line.len() <= 90, "line longer than 90 characters: {line}");
        assert!(
            line.matches('(').count() <= 1 || line.trim_start().starts_with('!'),
            "two labels on a line: {line}"
        );
    }
    // without constraints the lagged effects share a line
    let m = generate(&two(Family::Riclpm, 4)).unwrap().mplus;
    assert!(m.contains("  w_lang_4 ON w_close_3 w_lang_3;\n"));
    assert!(m.contains("  [close_1 close_2 close_3 close_4];\n"));
}

#[test]
fn mplus_text_of_other_families() {
    let m = generate(&PanelDeclaration::new(
        Family::Starts,
        vec![Construct::new("lang")],
        4,
    ))
    .unwrap()
    .mplus;
    assert!(m.contains("MODEL CONSTRAINT:\n  var_art1 = var_innov / (1 - ar*ar);\n"));
    assert!(m.contains("  lang_1 (var_state);\n"));
    let m = generate(&mi_declaration(Invariance::Strong)).unwrap().mplus;
    assert!(m.contains("  WF_close_2 BY close_2_i1@1;\n"));
    assert!(m.contains("  WF_close_2 BY close_2_i2* (lam_close_i2);\n"));
    assert!(m.contains("  [close_1_i3 close_2_i3 close_3_i3 close_4_i3] (nu_close_i3);\n"));
    assert!(m.contains("  RI_close_i1 WITH WF_close_1@0 WF_lang_1@0;\n"));
    assert!(m.contains("  [WF_close_2 WF_close_3 WF_close_4 WF_lang_2 WF_lang_3 WF_lang_4];\n"));
    let m = generate(&two(Family::LcmSr, 4)).unwrap().mplus;
    assert!(m.contains("  s_lang BY lang_1@0 lang_2@1 lang_3@2 lang_4@3;\n"));
    assert!(m.contains("  [close_1@0 close_2@0 close_3@0 close_4@0];\n"));
    assert!(m.contains("  [i_close];\n"));
}

#[test]
fn mplus_multigroup_sections() {
    let mut d = two(Family::Riclpm, 4);
    d.options.constrain = vec![Constraint::Lagged];
    groups(&mut d, GroupLagged::Free);
    let m = generate(&d).unwrap().mplus;
    assert!(m.contains("VARIABLE: GROUPING = ses_low (0 = g1 1 = g2);"));
    assert!(m.contains("  w_close_2 ON w_close_1 (ar_close_g1);\n"));
    let g2 = &m[m.find("MODEL g2:").expect("group section")..];
    assert!(g2.contains("  w_close_2 ON w_close_1 (ar_close_g2);\n"));
    assert!(
        g2.contains("  [close_1 close_2 close_3 close_4];\n"),
        "intercepts free per group"
    );
    assert!(
        g2.contains("[RI_close@0 RI_lang@0"),
        "latent means 0 in every group"
    );
    // group.equal = "regressions": one shared label per regression
    let mut d = two(Family::Riclpm, 4);
    groups(&mut d, GroupLagged::GroupEqual);
    let m = generate(&d).unwrap().mplus;
    assert!(m.contains("  w_close_2 ON w_close_1 (gr1);\n"));
    assert!(m.contains("  w_lang_4 ON w_lang_3 (gr12);\n"));
}
