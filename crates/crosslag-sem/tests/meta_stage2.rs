#![allow(clippy::needless_range_loop)]
//! Stage 2 of TSSEM (WLS path model on the pooled matrix) against metaSEM 1.5.5: estimates,
//! standard errors in both diag.constraints conventions, likelihood-based CIs (against the
//! tight `profile_exact_*` bounds), indirect effects, fit indices; Roorda11 (REM and FEM) and
//! the two-wave CLPM of Nohe15A1/A2.

use crosslag_sem::meta::mat::Mat;
use crosslag_sem::meta::stage2::{
    fit_stage2, GroupData, PathModel, SeType, Sharing, Stage2, Stage2Options,
};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../../tests/fixtures/meta/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

fn rel(a: f64, b: f64, floor: f64) -> f64 {
    (a - b).abs() / b.abs().max(floor)
}

struct Worst(Vec<(String, f64)>);

impl Worst {
    fn check(&mut self, what: &str, ours: Option<f64>, theirs: Option<f64>, tol: f64, floor: f64) {
        let (Some(a), Some(b)) = (ours, theirs) else {
            assert!(
                theirs.is_none(),
                "{what}: crosslag has none, metaSEM {theirs:?}"
            );
            return;
        };
        let d = rel(a, b, floor);
        assert!(
            d <= tol,
            "{what}: crosslag {a} vs metaSEM {b} (rel {d:.2e} > {tol:.0e})"
        );
        match self.0.iter_mut().find(|(k, _)| k == what) {
            Some(e) => e.1 = e.1.max(d),
            None => self.0.push((what.to_string(), d)),
        }
    }
    fn report(&self, case: &str) {
        for (k, d) in &self.0 {
            eprintln!("{case}: {k}: largest relative difference {d:.2e}");
        }
    }
}

/// Runs stage 2 on exactly the input metaSEM's wls() received.
fn run(fx: &Value, se: SeType) -> Stage2 {
    let input = &fx["input"];
    let vars = strings(&input["pooled_r_matrix"]["rows"]);
    let r = matrix(&input["pooled_r_matrix"]);
    let p = vars.len();
    let mut rv = Vec::new();
    for j in 0..p {
        for i in j + 1..p {
            rv.push(r[i][j]);
        }
    }
    let model = PathModel::from_syntax(fx["model_lavaan"].as_str().unwrap(), &vars).unwrap();
    let g = GroupData {
        r: rv,
        acov: Mat::from_rows(&matrix(&input["acov"])),
        n: input["n"].as_f64().unwrap(),
    };
    fit_stage2(
        &model,
        &[g],
        Stage2Options {
            se,
            lb_ci: true,
            sharing: Sharing::None,
        },
    )
    .unwrap()
}

/// Compares a metaSEM result block (`parameters`, `algebras`, `fit`) with ours.
fn compare(case: &str, ours: &Stage2, res: &Value, ci_from: &Value, _model: &Value) {
    let mut w = Worst(Vec::new());
    let pars = &res["parameters"];
    let names = strings(&pars["name"]);
    for (k, name) in names.iter().enumerate() {
        // metaSEM's parameter: find our row by label
        let row = ours
            .parameters
            .iter()
            .find(|r| &r.label == name)
            .unwrap_or_else(|| panic!("{case}: no row labelled {name}"));
        let get = |key: &str| pars[key][k].as_f64();
        w.check("est", Some(row.est), get("estimate"), 1e-6, 1.0);
        w.check("se", row.se, get("se"), 1e-4, 0.01);
        w.check("z", row.z, get("z"), 1e-4, 1.0);
        let ci = ci_from["parameters"]["name"]
            .as_array()
            .unwrap()
            .iter()
            .position(|n| n.as_str() == Some(name));
        match ci {
            Some(c) => {
                w.check(
                    "ci.lower",
                    row.ci_lower,
                    ci_from["parameters"]["profile_exact_lbound"][c].as_f64(),
                    1e-5,
                    0.0,
                );
                w.check(
                    "ci.upper",
                    row.ci_upper,
                    ci_from["parameters"]["profile_exact_ubound"][c].as_f64(),
                    1e-5,
                    0.0,
                );
            }
            None => {
                w.check(
                    "ci.lower",
                    row.ci_lower,
                    get("profile_exact_lbound"),
                    1e-5,
                    0.0,
                );
                w.check(
                    "ci.upper",
                    row.ci_upper,
                    get("profile_exact_ubound"),
                    1e-5,
                    0.0,
                );
            }
        }
    }
    if let Some(alg) = res.get("algebras").filter(|a| !a.is_null()) {
        for (k, name) in strings(&alg["name"]).iter().enumerate() {
            let row = ours
                .parameters
                .iter()
                .find(|r| r.op == ":=" && &r.lhs == name)
                .unwrap();
            let get = |key: &str| alg[key][k].as_f64();
            w.check("defined est", Some(row.est), get("estimate"), 1e-6, 1.0);
            w.check("defined se", row.se, get("se_delta"), 1e-4, 0.01);
            w.check(
                "defined ci.lower",
                row.ci_lower,
                get("profile_exact_lbound"),
                1e-5,
                0.0,
            );
            w.check(
                "defined ci.upper",
                row.ci_upper,
                get("profile_exact_ubound"),
                1e-5,
                0.0,
            );
        }
    }
    let f = &res["fit"];
    let fit = &ours.fit;
    w.check("chisq", Some(fit.chisq), f["chisq"].as_f64(), 1e-6, 1.0);
    assert_eq!(fit.df as f64, f["df"].as_f64().unwrap(), "{case}: df");
    w.check(
        "baseline chisq",
        Some(fit.baseline_chisq),
        f["chisq_independence"].as_f64(),
        1e-8,
        1.0,
    );
    for (k, ours) in [
        ("RMSEA", Some(fit.rmsea)),
        ("RMSEA_lower", Some(fit.rmsea_ci_lower)),
        ("RMSEA_upper", Some(fit.rmsea_ci_upper)),
        ("SRMR", Some(fit.srmr)),
        ("CFI", Some(fit.cfi)),
        ("TLI", fit.tli),
    ] {
        let theirs = f[k].as_f64();
        match (ours, theirs) {
            (Some(a), Some(b)) => {
                assert!(
                    (a - b).abs() < 1e-6,
                    "{case}: {k} crosslag {a} vs metaSEM {b}"
                );
                w.check(k, Some(a), Some(b), 1e-4, 1e-3);
            }
            (None, None) => {}
            _ => panic!("{case}: {k}: {ours:?} vs {theirs:?}"),
        }
    }
    if fit.df > 0 {
        w.check("AIC", Some(fit.aic), f["AIC"].as_f64(), 1e-6, 1.0);
        w.check("BIC", Some(fit.bic), f["BIC"].as_f64(), 1e-6, 1.0);
        w.check("p", fit.pvalue, f["p"].as_f64(), 1e-5, 1e-3);
    }
    w.report(case);
}

#[test]
fn roorda_rem_stage2_matches_metasem_both_conventions() {
    let fx = fixture("roorda11_tssem2_rem.json");
    let t = std::time::Instant::now();
    let ours = run(&fx, SeType::Constrained);
    eprintln!("stage 2 with LB CIs: {:.3} s", t.elapsed().as_secs_f64());
    // diag.constraints = TRUE (metaSEM `result`); CIs of the error variances from the FALSE fit
    compare("REM TRUE", &ours, &fx["result"], &fx["result"], &fx);
    let ours = run(&fx, SeType::Computed);
    compare(
        "REM FALSE",
        &ours,
        &fx["result_diag_constraints_false"],
        &fx["result_diag_constraints_false"],
        &fx,
    );
}

#[test]
fn roorda_fem_stage2_matches_metasem() {
    let fx = fixture("roorda11_tssem2_fem.json");
    let ours = run(&fx, SeType::Constrained);
    compare("FEM TRUE", &ours, &fx["result"], &fx["result"], &fx);
    let ours = run(&fx, SeType::Computed);
    compare(
        "FEM FALSE",
        &ours,
        &fx["result_diag_constraints_false"],
        &fx["result_diag_constraints_false"],
        &fx,
    );
}

#[test]
fn nohe_clpm_stage2_matches_metasem() {
    for name in ["nohe15a1_tssem_rem.json", "nohe15a2_tssem_rem.json"] {
        let fx = fixture(name);
        let mut s2 = fx["stage2"].clone();
        s2["model_lavaan"] = fx["model_lavaan"].clone();
        for se in [SeType::Computed, SeType::Constrained] {
            let ours = run(&s2, se);
            compare(name, &ours, &s2, &s2, &fx);
        }
    }
}
