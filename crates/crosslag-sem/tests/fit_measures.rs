//! `crosslag_sem::measures::fit_measures` against lavaan 0.6.14's `fitMeasures()` for every
//! reference case: each `FitInputs` is built from the reference file's own inputs (test
//! statistics, log-likelihoods, sample and implied moments, scaled-test traces), and every fit
//! measure lavaan reports must come out with lavaan's name, in lavaan's order, within 1e-8
//! relative (or 1e-10 absolute for values in [−1, 1]).
//!
//! Inputs an engine computes but the reference files do not hold:
//! - `RobustInputs::baseline_trace_ugamma` is taken as `baseline.chisq.scaling.factor ×
//!   baseline.df` from the file (so `baseline.chisq.scaling.factor` is checked only through
//!   the quantities derived from it);
//! - with `missing = "ml"` (cases 04a/04b) the GFI ingredients (missing-data patterns, pairwise
//!   covariances, available-case means) and the independence model's FIML estimates are
//!   computed here from the CSV; the FIML-corrected scaling factors `c.hat3` and `c.hat3.null`
//!   (traces of information matrices) are solved from lavaan's `rmsea.robust` and
//!   `cfi.robust`, so those two are not independent checks; the other robust measures
//!   (confidence bounds, p-values, TLI/NNFI/RNI) are.

use crosslag_sem::measures::{
    self, chisq::ml_chisq, fit_measures, FimlCorrected, FitInputs, FitMeasureOptions, GroupMoments,
    MissingMoments, MissingPattern, RobustInputs,
};
use ndarray::{Array1, Array2};
use serde_json::Value;
use std::collections::BTreeMap;

const REF_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/lavaan/");

/// The parsed case and the key order of its `fit` object (serde_json sorts object keys).
fn load(name: &str) -> (Value, Vec<String>) {
    let text = std::fs::read_to_string(format!("{REF_DIR}{name}.json"))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    // the `fit` object holds only numbers and nulls: its keys are the `"…":` up to the first `}`
    let start = text.find("\"fit\": {").expect("fit object") + "\"fit\": {".len();
    let body = &text[start..start + text[start..].find('}').unwrap()];
    let order = body
        .split(',')
        .map(|kv| {
            kv.split(':')
                .next()
                .unwrap()
                .trim()
                .trim_matches('"')
                .to_string()
        })
        .collect();
    (serde_json::from_str(&text).unwrap(), order)
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn names(v: &Value) -> Vec<String> {
    v["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// Symmetric matrix `{"names", "matrix"}` reordered to `order`.
fn matrix(v: &Value, order: &[String]) -> Array2<f64> {
    let nm = names(v);
    let rows = v["matrix"].as_array().unwrap();
    let idx: Vec<usize> = order
        .iter()
        .map(|o| nm.iter().position(|n| n == o).unwrap())
        .collect();
    Array2::from_shape_fn((order.len(), order.len()), |(i, j)| {
        num(&rows[idx[i]][idx[j]])
    })
}

/// Named vector `{"names", "values"}` reordered to `order`; None for `null`.
fn vector(v: &Value, order: &[String]) -> Option<Array1<f64>> {
    if v.is_null() {
        return None;
    }
    let nm = names(v);
    let vals = v["values"].as_array().unwrap();
    Some(Array1::from_iter(order.iter().map(|o| {
        num(&vals[nm.iter().position(|n| n == o).unwrap()])
    })))
}

/// One group's owned moments.
struct Group {
    nobs: usize,
    s: Array2<f64>,
    m: Option<Array1<f64>>,
    sigma: Array2<f64>,
    mu: Option<Array1<f64>>,
    fixed_x: Vec<usize>,
    missing: Option<MissingData>,
}

/// What the engine derives from the raw data under missing = "ml".
struct MissingData {
    patterns: Vec<MissingPattern>,
    pairwise_cov: Array2<f64>,
    available_mean: Array1<f64>,
    /// FIML independence model: available-case means and ML variances.
    indep_mean: Array1<f64>,
    indep_var: Array1<f64>,
    /// its log-likelihood
    indep_logl: f64,
}

/// Reads the CSV columns `vars` (NA = missing).
fn read_columns(file: &str, vars: &[String]) -> Vec<Vec<Option<f64>>> {
    let text = std::fs::read_to_string(format!("{REF_DIR}{file}")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let idx: Vec<usize> = vars
        .iter()
        .map(|v| header.iter().position(|h| h == v).unwrap())
        .collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            idx.iter()
                .map(|&i| {
                    if f[i] == "NA" {
                        None
                    } else {
                        Some(f[i].parse().unwrap())
                    }
                })
                .collect()
        })
        .collect()
}

fn missing_data(rows: &[Vec<Option<f64>>], p: usize) -> MissingData {
    let rows: Vec<&Vec<Option<f64>>> = rows
        .iter()
        .filter(|r| r.iter().any(|x| x.is_some()))
        .collect();
    let n = rows.len() as f64;
    let mut pats: BTreeMap<Vec<bool>, usize> = BTreeMap::new();
    for r in &rows {
        *pats
            .entry(r.iter().map(|x| x.is_some()).collect())
            .or_default() += 1;
    }
    let patterns = pats
        .into_iter()
        .map(|(observed, freq)| MissingPattern { observed, freq })
        .collect();
    // available-case means and ML variances
    let mut mean = Array1::zeros(p);
    let mut var = Array1::zeros(p);
    let mut logl = 0.0;
    for j in 0..p {
        let xs: Vec<f64> = rows.iter().filter_map(|r| r[j]).collect();
        let k = xs.len() as f64;
        let m = xs.iter().sum::<f64>() / k;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / k;
        mean[j] = m;
        var[j] = v;
        logl += xs
            .iter()
            .map(|x| -0.5 * ((2.0 * std::f64::consts::PI * v).ln() + (x - m) * (x - m) / v))
            .sum::<f64>();
    }
    // R: cov(X, use = "pairwise") * (n − 1)/n
    let mut cov = Array2::zeros((p, p));
    for i in 0..p {
        for j in 0..=i {
            let pairs: Vec<(f64, f64)> = rows
                .iter()
                .filter_map(|r| match (r[i], r[j]) {
                    (Some(a), Some(b)) => Some((a, b)),
                    _ => None,
                })
                .collect();
            let k = pairs.len() as f64;
            let (ma, mb) = (
                pairs.iter().map(|x| x.0).sum::<f64>() / k,
                pairs.iter().map(|x| x.1).sum::<f64>() / k,
            );
            let c = pairs.iter().map(|(a, b)| (a - ma) * (b - mb)).sum::<f64>() / (k - 1.0);
            cov[[i, j]] = c * (n - 1.0) / n;
            cov[[j, i]] = cov[[i, j]];
        }
    }
    MissingData {
        patterns,
        pairwise_cov: cov,
        indep_mean: mean.clone(),
        available_mean: mean,
        indep_var: var,
        indep_logl: logl,
    }
}

fn groups_of(d: &Value, missing_ml: bool) -> Vec<Group> {
    let ss = d["sample_stats"].as_array().unwrap();
    let im = d["implied"].as_array().unwrap();
    let multigroup = ss.len() > 1;
    ss.iter()
        .zip(im)
        .enumerate()
        .map(|(gi, (s, i))| {
            let order = names(&s["cov"]);
            // exogenous covariates: variables of the exo = 1 rows of this group
            let mut fixed_x: Vec<usize> = Vec::new();
            for par in d["parameters"].as_array().unwrap() {
                let in_group = !multigroup || par["group"].as_i64() == Some(gi as i64 + 1);
                if par["exo"].as_i64() == Some(1) && in_group {
                    for side in ["lhs", "rhs"] {
                        if let Some(pos) =
                            order.iter().position(|o| o == par[side].as_str().unwrap())
                        {
                            if !fixed_x.contains(&pos) {
                                fixed_x.push(pos);
                            }
                        }
                    }
                }
            }
            let missing = missing_ml.then(|| {
                assert!(!multigroup);
                let rows = read_columns(d["data"].as_str().unwrap(), &order);
                missing_data(&rows, order.len())
            });
            Group {
                nobs: s["nobs"].as_u64().unwrap() as usize,
                s: matrix(&s["cov"], &order),
                m: vector(&s["mean"], &order),
                sigma: matrix(&i["cov"], &order),
                mu: vector(&i["mean"], &order),
                fixed_x,
                missing,
            }
        })
        .collect()
}

fn moments<'a>(gs: &'a [Group]) -> Vec<GroupMoments<'a>> {
    gs.iter()
        .map(|g| GroupMoments {
            nobs: g.nobs,
            sample_cov: g.s.view(),
            sample_mean: g.m.as_ref().map(|m| m.view()),
            implied_cov: g.sigma.view(),
            implied_mean: g.mu.as_ref().map(|m| m.view()),
            fixed_x: &g.fixed_x,
            missing: g.missing.as_ref().map(|m| MissingMoments {
                patterns: &m.patterns,
                pairwise_cov: m.pairwise_cov.view(),
                available_mean: m.available_mean.view(),
            }),
        })
        .collect()
}

/// The comparison rule: 1e-8 relative, or 1e-10 absolute for values in [−1, 1].
fn close(ours: Option<f64>, lavaan: Option<f64>) -> (bool, f64) {
    match (ours, lavaan) {
        (None, None) => (true, 0.0),
        (Some(a), Some(b)) => {
            let abs = (a - b).abs();
            let rel = if b == 0.0 { abs } else { abs / b.abs() };
            (rel <= 1e-8 || (b.abs() <= 1.0 && abs <= 1e-10), rel)
        }
        _ => (false, f64::INFINITY),
    }
}

const CASES: [&str; 20] = [
    "case01_clpm_ml",
    "case02_riclpm_ml",
    "case03_riclpm_constrained",
    "case04a_riclpm_fiml_ml",
    "case04b_riclpm_fiml_mlr",
    "case05_riclpm_nonnormal_mlr",
    "case06_riclpm_cluster_mlr",
    "case07a_riclpm_multigroup_configural",
    "case07b_riclpm_multigroup_equal_regressions",
    "case08_riclpm_three_constructs",
    "case09_mi_riclpm_strong_invariance",
    "case10_mediation_indirect",
    "case11_clpm_summary_stats",
    "case12_riclpm_gender_predictor",
    "case13_riclpm_small_n",
    "case14_political_democracy_sem",
    "case15a_holzinger_cfa",
    "case15b_holzinger_multigroup_scalar",
    "case16a_lcmsr",
    "case16b_starts_lang",
];

/// Runs one case; returns (measure, relative difference) for every measure, and failures.
fn run_case(name: &str) -> (Vec<(String, f64)>, Vec<String>) {
    let (d, lav_order) = load(name);
    let f = &d["fit"];
    let missing_ml = d["options"]["missing"].as_str() == Some("ml");
    let gs = groups_of(&d, missing_ml);
    let groups = moments(&gs);
    let ntotal: usize = gs.iter().map(|g| g.nobs).sum();
    let n = ntotal as f64;
    let df = num(&f["df"]);
    let df_b = num(&f["baseline.df"]);

    let robust = d["tests"].get("yuan.bentler.mplus").map(|t| RobustInputs {
        trace_ugamma: num(&t["trace_UGamma"]),
        baseline_trace_ugamma: num(&f["baseline.chisq.scaling.factor"]) * df_b,
        scaling_factor_h1: Some(num(&t["scaling_factor_h1"])),
        scaling_factor_h0: Some(num(&t["scaling_factor_h0"])),
    });

    let mut failures = Vec::new();
    let fiml_corrected = missing_ml.then(|| {
        // XX3: the model's ML statistic at the EM moments
        let xx3 = ml_chisq(&groups);
        // XX3.null: the FIML independence model at the EM moments
        let md = gs[0].missing.as_ref().unwrap();
        let diag = Array2::from_diag(&md.indep_var);
        let indep = [GroupMoments {
            nobs: gs[0].nobs,
            sample_cov: gs[0].s.view(),
            sample_mean: gs[0].m.as_ref().map(|m| m.view()),
            implied_cov: diag.view(),
            implied_mean: Some(md.indep_mean.view()),
            fixed_x: &[],
            missing: None,
        }];
        let xx3_null = ml_chisq(&indep);
        // the independence estimates reproduce lavaan's baseline.chisq
        let x2_b = 2.0 * (num(&f["unrestricted.logl"]) - md.indep_logl);
        if (x2_b / num(&f["baseline.chisq"]) - 1.0).abs() > 1e-9 {
            failures.push(format!(
                "{name}: FIML baseline chisq {x2_b} vs {}",
                num(&f["baseline.chisq"])
            ));
        }
        // c.hat3 from rmsea.robust² = (XX3/N)/df − c/N
        let r = num(&f["rmsea.robust"]);
        let c = xx3 / df - n * r * r;
        // c.hat3.null from cfi.robust = 1 − t1/t2, t2 = XX3.null − c_B df_B
        let t1 = (xx3 - c * df).max(0.0);
        let t2 = t1 / (1.0 - num(&f["cfi.robust"]));
        let c_b = (xx3_null - t2) / df_b;
        FimlCorrected {
            chisq: xx3,
            scaling_factor: c,
            baseline_chisq: xx3_null,
            baseline_scaling_factor: c_b,
        }
    });

    let inp = FitInputs {
        npar: num(&f["npar"]) as usize,
        fmin: num(&f["fmin"]),
        chisq: num(&f["chisq"]),
        df,
        baseline_chisq: num(&f["baseline.chisq"]),
        baseline_df: df_b,
        logl: num(&f["logl"]),
        unrestricted_logl: num(&f["unrestricted.logl"]),
        groups: &groups,
        robust,
        missing_ml,
        fiml_corrected,
        options: FitMeasureOptions::default(),
        wishart: false,
    };
    let ours = fit_measures(&inp);

    // chisq is itself Σ n_g F_ML(S, Σ̂) for complete data (consistency of the file's moments)
    if !missing_ml {
        let x2 = ml_chisq(&groups);
        if ((x2 - inp.chisq) / inp.chisq.max(1e-3)).abs() > 1e-7 {
            failures.push(format!("{name}: ml_chisq {x2} vs chisq {}", inp.chisq));
        }
    }

    let lav: Vec<(&String, &Value)> = lav_order.iter().map(|k| (k, &f[k.as_str()])).collect();
    let our_names: Vec<&str> = ours.iter().map(|(k, _)| *k).collect();
    let lav_names: Vec<&str> = lav_order.iter().map(|k| k.as_str()).collect();
    if our_names != lav_names {
        failures.push(format!(
            "{name}: names/order differ\n ours:   {our_names:?}\n lavaan: {lav_names:?}"
        ));
    }
    let mut diffs = Vec::new();
    for (k, v) in &lav {
        let want = v.as_f64();
        let got = measures::get(&ours, k);
        let present = ours.iter().any(|(n, _)| n == k);
        let (ok, rel) = close(got, want);
        if !present || !ok {
            failures.push(format!(
                "{name}: {k}: ours {got:?} lavaan {want:?} (rel {rel:e})"
            ));
        }
        diffs.push((k.to_string(), rel));
    }
    (diffs, failures)
}

#[test]
fn every_fit_measure_of_every_reference_case() {
    let mut all_failures = Vec::new();
    let mut worst: BTreeMap<String, (f64, String)> = BTreeMap::new();
    for case in CASES {
        let (diffs, failures) = run_case(case);
        let max = diffs.iter().fold(("".to_string(), 0.0), |acc, (k, r)| {
            if *r > acc.1 {
                (k.clone(), *r)
            } else {
                acc
            }
        });
        println!(
            "{case:48} {:3} measures, largest rel. diff {:.2e} ({})",
            diffs.len(),
            max.1,
            max.0
        );
        for (k, r) in diffs {
            let e = worst.entry(k).or_insert((0.0, String::new()));
            if r > e.0 {
                *e = (r, case.to_string());
            }
        }
        all_failures.extend(failures);
    }
    println!("\nlargest relative difference per measure:");
    for (k, (r, case)) in &worst {
        println!("  {k:32} {r:.2e}  {case}");
    }
    assert!(
        all_failures.is_empty(),
        "{} failures:\n{}",
        all_failures.len(),
        all_failures.join("\n")
    );
}
