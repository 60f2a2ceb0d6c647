//! Nested-model comparison (`crosslag_sem::analyses::compare`) against lavaan 0.6.14's `anova()`: the
//! `lrt` tables of reference cases 03 (vs 02) and 07b (vs 07a), and the Satorra–Bentler (2001)
//! scaled difference for MLR fits. Helpers are local to this file.

use crosslag_data::{read_frame, select, ReadOptions, Selection};
use crosslag_sem::analyses::compare::{lrt, satorra_bentler_2001, CompareError};
use crosslag_sem::{fit, Data, EntryPoint, Estimator, FitOptions, FitResult, GroupEqual};
use serde_json::Value;
use std::path::PathBuf;

fn reference() -> PathBuf {
    crosslag_tests::reference_dir()
}

fn load(name: &str) -> Value {
    let path = reference().join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Fit a reference case's model with its options (optionally with another estimator/data).
fn fit_case(json: &Value, estimator: Estimator, csv: Option<&str>) -> FitResult {
    let syntax = json["lavaan_syntax"].as_str().unwrap();
    let mut opts = FitOptions {
        model: crosslag_sem::ModelOptions {
            entry: match json["lavaan_function"].as_str() {
                Some("lavaan") => EntryPoint::Lavaan,
                _ => EntryPoint::Sem,
            },
            ..crosslag_sem::ModelOptions::default()
        },
        estimation: crosslag_sem::EstimationOptions {
            estimator,
            ..crosslag_sem::EstimationOptions::default()
        },
        ..FitOptions::default()
    };
    let mut group = None;
    for (k, v) in json["options_passed"].as_object().unwrap() {
        match k.as_str() {
            "meanstructure" => opts.model.meanstructure = v.as_bool(),
            "int.ov.free" => opts.model.int_ov_free = v.as_bool(),
            "group" => group = v.as_str().map(String::from),
            "group.equal" => {
                let list: Vec<&str> = match v {
                    Value::Array(a) => a.iter().map(|x| x.as_str().unwrap()).collect(),
                    other => vec![other.as_str().unwrap()],
                };
                opts.model.group_equal = list
                    .iter()
                    .map(|s| s.parse::<GroupEqual>().unwrap())
                    .collect();
            }
            other => panic!("option {other} not handled here"),
        }
    }
    let vars = crosslag_sem::model_variables(syntax).unwrap();
    let file = csv.unwrap_or_else(|| json["data"].as_str().unwrap());
    let df = read_frame(&reference().join(file), &ReadOptions::default()).unwrap();
    let md = select(
        &df,
        &Selection {
            variables: &vars,
            group: group.as_deref(),
            cluster: None,
        },
        "data.csv",
    )
    .unwrap();
    let data = Data::Raw {
        names: md.names,
        values: md.values,
        group: md.group,
        group_labels: md.group_labels,
        cluster: md.cluster,
    };
    fit(syntax, &data, &opts).unwrap()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1.0)
}

/// The comparison reproduces lavaan's `anova(less, more)` table.
fn check_lrt(less: &str, more: &str) {
    let (jl, jm) = (load(less), load(more));
    let (fl, fm) = (
        fit_case(&jl, Estimator::Ml, None),
        fit_case(&jm, Estimator::Ml, None),
    );
    // given in the "wrong" order: lavaan sorts by degrees of freedom
    let cmp = lrt(&[(more.to_string(), &fm), (less.to_string(), &fl)]).unwrap();
    assert_eq!(cmp.method.as_str(), "standard");
    assert!(cmp.warnings.is_empty(), "{:?}", cmp.warnings);
    let table = jm["lrt"]["table"].as_array().unwrap();
    assert_eq!(cmp.rows.len(), table.len());
    for (row, t) in cmp.rows.iter().zip(table) {
        assert_eq!(row.model, t["model"].as_str().unwrap());
        assert_eq!(row.df, t["Df"].as_f64().unwrap());
        for (mine, key) in [
            (row.aic, "AIC"),
            (row.bic, "BIC"),
            (Some(row.chisq), "Chisq"),
        ] {
            let v = t[key].as_f64().unwrap();
            assert!(
                close(mine.unwrap(), v, 1e-8),
                "{} {key}: {mine:?} vs {v}",
                row.model
            );
        }
        for (mine, key, rel) in [
            (row.chisq_diff, "Chisq_diff", 1e-6),
            (row.df_diff, "Df_diff", 0.0),
            (row.rmsea, "RMSEA", 1e-6),
            (row.pvalue, "pvalue", 1e-6),
        ] {
            match t[key].as_f64() {
                None => assert!(mine.is_none(), "{} {key}: {mine:?}, lavaan NA", row.model),
                Some(v) => assert!(
                    close(mine.unwrap(), v, rel),
                    "{} {key}: {mine:?} vs {v}",
                    row.model
                ),
            }
        }
    }
}

#[test]
fn lrt_case03_versus_case02() {
    check_lrt("case02_riclpm_ml", "case03_riclpm_constrained");
}

#[test]
fn lrt_case07b_versus_case07a() {
    check_lrt(
        "case07a_riclpm_multigroup_configural",
        "case07b_riclpm_multigroup_equal_regressions",
    );
}

#[test]
fn scaled_difference_for_mlr() {
    let (j2, j3) = (load("case02_riclpm_ml"), load("case03_riclpm_constrained"));
    let data = Some("panel_A_nonnormal.csv");
    let (f2, f3) = (
        fit_case(&j2, Estimator::Mlr, data),
        fit_case(&j3, Estimator::Mlr, data),
    );
    let cmp = lrt(&[("free".into(), &f2), ("equal".into(), &f3)]).unwrap();
    assert_eq!(cmp.method.as_str(), "satorra.bentler.2001");
    let (s2, s3) = (
        f2.scaled_test.as_ref().unwrap(),
        f3.scaled_test.as_ref().unwrap(),
    );
    // c_d = (df0 c0 − df1 c1)/(df0 − df1), T_d = (T0 − T1)/c_d with the unscaled statistics
    let cd = (f3.df * s3.scaling_factor - f2.df * s2.scaling_factor) / (f3.df - f2.df);
    let td = (f3.chisq - f2.chisq) / cd;
    let row = &cmp.rows[1];
    assert!(close(row.scaling_factor_diff.unwrap(), cd, 1e-12));
    assert!(close(row.chisq_diff.unwrap(), td, 1e-12));
    assert_eq!(row.df_diff, Some(10.0));
    assert!(row.rmsea.is_none());
    let p = crosslag_sem::stats::pchisq_upper(td, 10.0);
    assert!(close(row.pvalue.unwrap(), p, 1e-12));
    assert_eq!(
        satorra_bentler_2001(
            f2.chisq,
            f2.df,
            s2.scaling_factor,
            f3.chisq,
            f3.df,
            s3.scaling_factor
        )
        .2,
        cd
    );
    // ML and MLR fits cannot be mixed
    let ml = fit_case(&j3, Estimator::Ml, data);
    assert_eq!(
        lrt(&[("a".into(), &f2), ("b".into(), &ml)]).unwrap_err(),
        CompareError::MixedScaling
    );
}
