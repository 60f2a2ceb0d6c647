//! FIML (`missing = "ml"`), MLR (sandwich SEs, Yuan–Bentler test), cluster-robust inference and
//! admissibility warnings against lavaan 0.6.14: every parameter (estimate, SE, std.all) and
//! every fit measure of reference cases 04a, 04b, 05 and 06; FIML on complete data against
//! complete-data ML; the three FIML fits of the Curran reading/antisocial data given in
//! tests/fixtures/lavaan/README.md (data: datasets/curran_reading_antisocial.csv).
//!

use crosslag_sem::{fit, Data, EntryPoint, FitOptions, FitResult, Information, Missing};
use crosslag_tests::{
    close, datasets_dir, fit_case, load_case, load_raw as raw_data, reference_dir,
};
use serde_json::Value;

/// A lavaan reference case: its JSON, and crosslag's fit with the same call.
fn fit_reference(name: &str) -> (Value, FitResult) {
    let case = load_case(name);
    let res = fit_case(&case);
    (case.json, res)
}

/// Fit measures that lie in [0, 1] (compared absolutely, as the tolerances of tests/fixtures/lavaan/README.md do).
fn unit_measure(name: &str) -> bool {
    let base = name.trim_end_matches(".scaled").trim_end_matches(".robust");
    [
        "pvalue", "cfi", "tli", "nnfi", "rfi", "nfi", "pnfi", "ifi", "rni", "rmsea", "srmr", "gfi",
        "agfi", "pgfi", "mfi",
    ]
    .iter()
    .any(|k| base == *k || base.starts_with(&format!("{k}.")) || base.starts_with(&format!("{k}_")))
        || base.starts_with("rmsea")
        || base.starts_with("srmr")
        || base.starts_with("crmr")
        || base.starts_with("baseline.pvalue")
}

/// Every parameter and every fit measure against lavaan. Tolerances are tighter than the
/// fixtures' tolerances (est/std 1e-4, SE 1e-3): lavaan's reference solutions are converged
/// to ~1e-10, and its numerical Hessian agrees with the analytic one to ~1e-7.
fn assert_matches_lavaan(name: &str, json: &Value, res: &FitResult) {
    assert!(res.converged, "{name}: not converged");
    assert_eq!(
        res.npar as u64,
        json["npar"].as_u64().unwrap(),
        "{name}: npar"
    );
    assert_eq!(
        res.nobs[0] as u64,
        json["nobs"][0].as_u64().unwrap(),
        "{name}: nobs"
    );
    let logl = json["loglik"].as_f64().unwrap();
    assert!(
        close(res.loglik, logl, 1e-9, 1.0),
        "{name}: logl {} vs {logl}",
        res.loglik
    );
    let h1 = json["unrestricted_loglik"].as_f64().unwrap();
    assert!(
        close(res.unrestricted_loglik, h1, 1e-9, 1.0),
        "{name}: unrestricted logl {} vs {h1}",
        res.unrestricted_loglik
    );
    let mut checked = 0;
    for p in json["parameters"].as_array().unwrap() {
        let (lhs, op, rhs) = (
            p["lhs"].as_str().unwrap(),
            p["op"].as_str().unwrap(),
            p["rhs"].as_str().unwrap(),
        );
        let group = p["group"].as_u64().unwrap_or(1) as usize;
        let mine = res
            .parameters
            .iter()
            .find(|r| {
                r.lhs == lhs
                    && r.op.as_str() == op
                    && r.rhs == rhs
                    && (r.group == group || op == ":=")
            })
            .unwrap_or_else(|| panic!("{name}: no row {lhs} {op} {rhs}"));
        let what = format!("{name}: {lhs} {op} {rhs}");
        let est = p["est"].as_f64().unwrap();
        assert!(
            close(mine.estimate.est, est, 1e-6, 1.0),
            "{what} est {} vs {est}",
            mine.estimate.est
        );
        if let Some(s) = p["std_all"].as_f64() {
            let m = mine.std_all.unwrap();
            assert!(close(m, s, 1e-6, 1.0), "{what} std.all {m} vs {s}");
        }
        if p["free"].as_u64().unwrap_or(0) > 0 {
            let se = p["se"].as_f64().unwrap();
            let m = mine.estimate.se.unwrap();
            assert!(close(m, se, 1e-5, 0.01), "{what} se {m} vs {se}");
        }
        checked += 1;
    }
    assert!(checked >= 40, "{name}: only {checked} parameters");
    for (k, v) in json["fit"].as_object().unwrap() {
        let mine = res.fit.get(k);
        match v.as_f64() {
            None => assert!(mine.is_none(), "{name}: fit {k} = {mine:?}, lavaan NA"),
            Some(v) => {
                let m = mine.unwrap_or_else(|| panic!("{name}: fit {k} missing (lavaan {v})"));
                let ok = if unit_measure(k) {
                    (m - v).abs() <= 1e-5
                } else {
                    close(m, v, 1e-5, 1.0)
                };
                assert!(ok, "{name}: fit {k} = {m} vs lavaan {v}");
            }
        }
    }
}

/// The scaled test as lavaan's `lavInspect(fit, "test")`.
fn assert_scaled_test(name: &str, json: &Value, res: &FitResult) {
    let t = &json["tests"]["yuan.bentler.mplus"];
    let s = res
        .scaled_test
        .as_ref()
        .unwrap_or_else(|| panic!("{name}: no scaled test"));
    for (mine, key) in [
        (s.chisq_scaled, "stat"),
        (s.scaling_factor, "scaling_factor"),
        (s.trace_ugamma, "trace_UGamma"),
        (s.scaling_factor_h1, "scaling_factor_h1"),
        (s.scaling_factor_h0, "scaling_factor_h0"),
    ] {
        let v = t[key].as_f64().unwrap();
        assert!(close(mine, v, 1e-6, 1.0), "{name}: {key} {mine} vs {v}");
    }
}

#[test]
fn case04a_fiml() {
    let (json, res) = fit_reference("case04a_riclpm_fiml_ml");
    assert_matches_lavaan("case04a", &json, &res);
    assert_eq!(res.information, Information::Observed);
    assert!(res.scaled_test.is_none());
    // the EM (h1) moments are lavaan's sampstat (lavaan stops EM at 1e-5, so agreement is ~1e-5)
    let ss = &json["sample_stats"][0];
    let names: Vec<&str> = ss["cov"]["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let g = &res.groups[0];
    for (a, na) in names.iter().enumerate() {
        let i = g.names.iter().position(|n| n == na).unwrap();
        for (b, nb) in names.iter().enumerate() {
            let j = g.names.iter().position(|n| n == nb).unwrap();
            let v = ss["cov"]["matrix"][a][b].as_f64().unwrap();
            assert!(
                close(g.sample_cov[[i, j]], v, 1e-5, 1.0),
                "EM cov {na},{nb}"
            );
        }
    }
}

#[test]
fn case04b_fiml_mlr() {
    let (json, res) = fit_reference("case04b_riclpm_fiml_mlr");
    assert_matches_lavaan("case04b", &json, &res);
    assert_scaled_test("case04b", &json, &res);
}

#[test]
fn case05_mlr_nonnormal() {
    let (json, res) = fit_reference("case05_riclpm_nonnormal_mlr");
    assert_matches_lavaan("case05", &json, &res);
    assert_scaled_test("case05", &json, &res);
}

#[test]
fn case06_cluster_robust() {
    let (json, res) = fit_reference("case06_riclpm_cluster_mlr");
    assert_matches_lavaan("case06", &json, &res);
    assert_scaled_test("case06", &json, &res);
    assert!(res.clustered);
}

#[test]
fn fiml_on_complete_data_equals_ml() {
    let case = load_case("case02_riclpm_ml");
    let (syntax, data) = (case.syntax.as_str(), case.data.clone());
    let base = FitOptions {
        model: crosslag_sem::ModelOptions {
            entry: EntryPoint::Lavaan,
            meanstructure: Some(true),
            int_ov_free: Some(true),
            ..crosslag_sem::ModelOptions::default()
        },
        estimation: crosslag_sem::EstimationOptions {
            information: Some(Information::Observed),
            ..crosslag_sem::EstimationOptions::default()
        },
        ..FitOptions::default()
    };
    let ml = fit(syntax, &data, &base).unwrap();
    let fiml = fit(
        syntax,
        &data,
        &FitOptions {
            estimation: crosslag_sem::EstimationOptions {
                missing: Missing::Ml,
                ..base.estimation.clone()
            },
            ..base.clone()
        },
    )
    .unwrap();
    assert!(
        close(fiml.loglik, ml.loglik, 1e-10, 1.0),
        "logl {} vs {}",
        fiml.loglik,
        ml.loglik
    );
    assert!(close(
        fiml.unrestricted_loglik,
        ml.unrestricted_loglik,
        1e-10,
        1.0
    ));
    assert!(
        close(fiml.chisq, ml.chisq, 1e-7, 1.0),
        "chisq {} vs {}",
        fiml.chisq,
        ml.chisq
    );
    for (a, b) in fiml.parameters.iter().zip(&ml.parameters) {
        assert_eq!((&a.lhs, &a.op, &a.rhs), (&b.lhs, &b.op, &b.rhs));
        assert!(
            close(a.estimate.est, b.estimate.est, 1e-7, 1.0),
            "{} {} {}: {} vs {}",
            a.lhs,
            a.op,
            a.rhs,
            a.estimate.est,
            b.estimate.est
        );
        if let (Some(x), Some(y)) = (a.estimate.se, b.estimate.se) {
            assert!(
                close(x, y, 1e-6, 0.01),
                "{} {} {} se: {x} vs {y}",
                a.lhs,
                a.op,
                a.rhs
            );
        }
    }
    // the EM estimates of complete data are the sample moments
    let (sa, sb) = (&fiml.groups[0].sample_cov, &ml.groups[0].sample_cov);
    assert!(sa
        .iter()
        .zip(sb.iter())
        .all(|(x, y)| (x - y).abs() < 1e-9 * y.abs().max(1.0)));
}

#[test]
fn cases_without_observed_values_are_dropped_with_a_warning() {
    let path = reference_dir().join("case04a_riclpm_fiml_ml.json");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let syntax = json["lavaan_syntax"].as_str().unwrap();
    let vars = crosslag_sem::model_variables(syntax).unwrap();
    let Data::Raw {
        names, mut values, ..
    } = raw_data(&reference_dir().join("panel_A_mar.csv"), &vars, None, None)
    else {
        unreachable!()
    };
    let opts = FitOptions {
        model: crosslag_sem::ModelOptions {
            entry: EntryPoint::Lavaan,
            meanstructure: Some(true),
            int_ov_free: Some(true),
            ..crosslag_sem::ModelOptions::default()
        },
        estimation: crosslag_sem::EstimationOptions {
            missing: Missing::Ml,
            ..crosslag_sem::EstimationOptions::default()
        },
        ..FitOptions::default()
    };
    let plain = Data::Raw {
        names: names.clone(),
        values: values.clone(),
        group: None,
        group_labels: vec![],
        cluster: None,
    };
    let reference = fit(syntax, &plain, &opts).unwrap();
    let mut rows: Vec<Vec<f64>> = values.rows().into_iter().map(|r| r.to_vec()).collect();
    rows.push(vec![f64::NAN; names.len()]);
    rows.push(vec![f64::NAN; names.len()]);
    values = ndarray::Array2::from_shape_fn((rows.len(), names.len()), |(i, j)| rows[i][j]);
    let data = Data::Raw {
        names,
        values,
        group: None,
        group_labels: vec![],
        cluster: None,
    };
    let res = fit(syntax, &data, &opts).unwrap();
    assert_eq!(res.nobs, vec![1000]);
    assert_eq!(res.norig, vec![1002]);
    assert!(
        res.warnings
            .iter()
            .any(|w| w.starts_with("2 cases with no observed value")),
        "{:?}",
        res.warnings
    );
    assert!(close(res.chisq, reference.chisq, 1e-10, 1.0));
}

// ---- Curran reading / antisocial behaviour (N = 405, FIML) ----

fn curran(model: &str, entry: EntryPoint) -> FitResult {
    let vars = crosslag_sem::model_variables(model).unwrap();
    let data = raw_data(
        &datasets_dir().join("curran_reading_antisocial.csv"),
        &vars,
        None,
        None,
    );
    let opts = FitOptions {
        model: crosslag_sem::ModelOptions {
            entry,
            // wave-1 variables are random (their covariance is written in the syntax; lavaan then
            // does not treat them as fixed.x covariates): the README's logL is the joint one
            fixed_x: false,
            meanstructure: Some(true),
            int_ov_free: Some(true),
            ..crosslag_sem::ModelOptions::default()
        },
        estimation: crosslag_sem::EstimationOptions {
            missing: Missing::Ml,
            ..crosslag_sem::EstimationOptions::default()
        },
        ..FitOptions::default()
    };
    fit(model, &data, &opts).unwrap()
}

/// `value` printed with `digits` decimals is `shown`.
fn rounds_to(value: f64, shown: f64, digits: i32) -> bool {
    let s = 10f64.powi(digits);
    ((value * s).round() - shown * s).abs() < 0.5
}

fn est_se(res: &FitResult, lhs: &str, op: &str, rhs: &str) -> (f64, f64) {
    let r = res
        .parameters
        .iter()
        .find(|r| r.lhs == lhs && r.op.as_str() == op && r.rhs == rhs)
        .unwrap_or_else(|| panic!("{lhs} {op} {rhs}"));
    (r.estimate.est, r.estimate.se.unwrap())
}

fn assert_path(res: &FitResult, lhs: &str, rhs: &str, est: f64, se: Option<f64>) {
    let (e, s) = est_se(res, lhs, "~", rhs);
    assert!(rounds_to(e, est, 3), "{lhs} ~ {rhs}: {e} vs {est}");
    if let Some(se) = se {
        assert!(rounds_to(s, se, 3), "{lhs} ~ {rhs} se: {s} vs {se}");
    }
}

fn assert_fit(res: &FitResult, chisq: f64, df: f64, more: &[(&str, f64, i32)]) {
    assert!(res.converged);
    assert!(
        rounds_to(res.chisq, chisq, 2),
        "chisq {} vs {chisq}",
        res.chisq
    );
    assert_eq!(res.df, df);
    for &(k, v, d) in more {
        let m = res.fit.get(k).unwrap();
        assert!(rounds_to(m, v, d), "{k}: {m} vs {v}");
    }
}

const CLPM: &str = "
read2 ~ read1 + anti1
anti2 ~ read1 + anti1
read3 ~ read2 + anti2
anti3 ~ read2 + anti2
read4 ~ read3 + anti3
anti4 ~ read3 + anti3
read1 ~~ anti1
read2 ~~ anti2
read3 ~~ anti3
read4 ~~ anti4
";

#[test]
fn curran_clpm() {
    let res = curran(CLPM, EntryPoint::Sem);
    assert_fit(
        &res,
        100.45,
        12.0,
        &[
            ("cfi", 0.922, 3),
            ("rmsea", 0.135, 3),
            ("srmr", 0.068, 3),
            ("logl", -4273.58, 2),
        ],
    );
    for (t, (ar, ra)) in [(-0.047, 0.025), (-0.016, 0.023), (-0.052, 0.025)]
        .iter()
        .zip([(-0.091, 0.101), (-0.149, 0.085), (0.012, 0.090)])
        .enumerate()
    {
        let (w, p) = (t + 2, t + 1);
        assert_path(
            &res,
            &format!("read{w}"),
            &format!("anti{p}"),
            ar.0,
            Some(ar.1),
        );
        assert_path(
            &res,
            &format!("anti{w}"),
            &format!("read{p}"),
            ra.0,
            Some(ra.1),
        );
    }
    for (t, (rr, aa)) in [(0.762, 0.539), (0.870, 0.565), (0.891, 0.686)]
        .into_iter()
        .enumerate()
    {
        let (w, p) = (t + 2, t + 1);
        assert_path(&res, &format!("read{w}"), &format!("read{p}"), rr, None);
        assert_path(&res, &format!("anti{w}"), &format!("anti{p}"), aa, None);
    }
    // with the wave-1 variables as fixed.x covariates (sem() without the wave-1 covariance) the
    // test and the estimates are the same, the log-likelihood is conditional on wave 1
    let fixed = {
        let model = CLPM.replace("read1 ~~ anti1\n", "");
        let vars = crosslag_sem::model_variables(&model).unwrap();
        let data = raw_data(
            &datasets_dir().join("curran_reading_antisocial.csv"),
            &vars,
            None,
            None,
        );
        let opts = FitOptions {
            estimation: crosslag_sem::EstimationOptions {
                missing: Missing::Ml,
                ..crosslag_sem::EstimationOptions::default()
            },
            ..FitOptions::default()
        };
        fit(&model, &data, &opts).unwrap()
    };
    assert!(close(fixed.chisq, res.chisq, 1e-7, 1.0));
    assert!(
        rounds_to(fixed.loglik, -2953.04, 2),
        "conditional logl {}",
        fixed.loglik
    );
}

#[test]
fn curran_clpm_equal_paths() {
    let model = "
read2 ~ rr*read1 + ar*anti1
anti2 ~ ra*read1 + aa*anti1
read3 ~ rr*read2 + ar*anti2
anti3 ~ ra*read2 + aa*anti2
read4 ~ rr*read3 + ar*anti3
anti4 ~ ra*read3 + aa*anti3
read1 ~~ anti1
read2 ~~ anti2
read3 ~~ anti3
read4 ~~ anti4
";
    let res = curran(model, EntryPoint::Sem);
    assert_fit(&res, 111.85, 20.0, &[]);
    assert_path(&res, "read3", "read2", 0.847, Some(0.024));
    assert_path(&res, "read3", "anti2", -0.038, Some(0.014));
    assert_path(&res, "anti3", "anti2", 0.593, Some(0.031));
    assert_path(&res, "anti3", "read2", -0.082, Some(0.052));
}

/// RI-CLPM in Mulder & Hamaker's lavaan() syntax; `equal` labels the lagged paths.
fn riclpm(equal: bool) -> String {
    let mut m = String::from("RI_read =~ 1*read1 + 1*read2 + 1*read3 + 1*read4\nRI_anti =~ 1*anti1 + 1*anti2 + 1*anti3 + 1*anti4\n");
    for t in 1..=4 {
        m += &format!("w_read{t} =~ 1*read{t}\nw_anti{t} =~ 1*anti{t}\n");
    }
    let l = |s: &str| {
        if equal {
            format!("{s}*")
        } else {
            String::new()
        }
    };
    for t in 2..=4 {
        let p = t - 1;
        m += &format!("w_read{t} ~ {}w_read{p} + {}w_anti{p}\n", l("rr"), l("ar"));
        m += &format!("w_anti{t} ~ {}w_read{p} + {}w_anti{p}\n", l("ra"), l("aa"));
    }
    for t in 1..=4 {
        m += &format!("w_read{t} ~~ w_anti{t}\nw_read{t} ~~ w_read{t}\nw_anti{t} ~~ w_anti{t}\n");
    }
    m += "RI_read ~~ RI_read\nRI_anti ~~ RI_anti\nRI_read ~~ RI_anti\n";
    for t in 1..=4 {
        m += &format!("read{t} ~~ 0*read{t}\nanti{t} ~~ 0*anti{t}\n");
    }
    m
}

#[test]
fn curran_riclpm_equal_paths() {
    let res = curran(&riclpm(true), EntryPoint::Lavaan);
    assert_fit(
        &res,
        83.78,
        17.0,
        &[
            ("cfi", 0.941, 3),
            ("rmsea", 0.098, 3),
            ("srmr", 0.068, 3),
            ("logl", -4265.24, 2),
        ],
    );
    assert_path(&res, "w_read3", "w_read2", 0.806, Some(0.045));
    assert_path(&res, "w_read3", "w_anti2", -0.028, Some(0.023));
    assert_path(&res, "w_anti3", "w_anti2", 0.342, Some(0.074));
    assert_path(&res, "w_anti3", "w_read2", -0.023, Some(0.099));
    for (lhs, rhs, v) in [
        ("RI_read", "RI_read", 0.250),
        ("RI_anti", "RI_anti", 1.239),
        ("RI_read", "RI_anti", -0.200),
    ] {
        let (e, _) = est_se(&res, lhs, "~~", rhs);
        assert!(rounds_to(e, v, 3), "{lhs} ~~ {rhs}: {e}");
    }
    assert!(res.warnings.is_empty(), "{:?}", res.warnings);
}

#[test]
fn curran_riclpm_free_paths_is_inadmissible() {
    let res = curran(&riclpm(false), EntryPoint::Lavaan);
    assert!(res.converged);
    assert_eq!(res.df, 9.0);
    assert!(
        res.warnings.iter().any(|w| w
            .starts_with("the covariance matrix of the latent variables is not positive definite")),
        "{:?}",
        res.warnings
    );
    // the offending residual covariance is named with its implied correlation
    assert!(
        res.warnings
            .iter()
            .any(|w| w.contains("w_read2 ~~ w_anti2 (correlation")),
        "{:?}",
        res.warnings
    );
}

#[test]
fn negative_variances_are_named() {
    // case16a (LCM-SR): lavaan warns "some estimated lv variances are negative"
    let case = load_case("case16a_lcmsr");
    let (syntax, data) = (case.syntax.as_str(), case.data.clone());
    let opts = FitOptions {
        model: crosslag_sem::ModelOptions {
            entry: EntryPoint::Lavaan,
            meanstructure: Some(true),
            ..crosslag_sem::ModelOptions::default()
        },
        ..FitOptions::default()
    };
    let res = fit(syntax, &data, &opts).unwrap();
    let w = res
        .warnings
        .iter()
        .find(|w| w.starts_with("some variance estimates are negative"))
        .unwrap_or_else(|| panic!("{:?}", res.warnings));
    assert!(w.contains("i_lang ~~ i_lang = -"), "{w}");
    // case13 (N = 150): an admissible solution, no warnings (as lavaan)
    let path = reference_dir().join("case13_riclpm_small_n.json");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let syntax = json["lavaan_syntax"].as_str().unwrap();
    let vars = crosslag_sem::model_variables(syntax).unwrap();
    let data = raw_data(
        &reference_dir().join("panel_A_small.csv"),
        &vars,
        None,
        None,
    );
    let opts = FitOptions {
        model: crosslag_sem::ModelOptions {
            entry: EntryPoint::Lavaan,
            meanstructure: Some(true),
            int_ov_free: Some(true),
            ..crosslag_sem::ModelOptions::default()
        },
        ..FitOptions::default()
    };
    let res = fit(syntax, &data, &opts).unwrap();
    assert!(res.warnings.is_empty(), "{:?}", res.warnings);
}
