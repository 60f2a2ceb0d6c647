//! `crosslag fit` end to end: the JSON of docs/json-output.md, the table, and one-line errors.

use std::path::PathBuf;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_crosslag"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tmp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("crosslag-fit-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn riclpm_args() -> Vec<String> {
    let r = root();
    vec![
        "fit".into(),
        "--data".into(),
        r.join("datasets/panel_A_complete.csv")
            .display()
            .to_string(),
        "--model".into(),
        r.join("datasets/models/riclpm_close_lang.lav")
            .display()
            .to_string(),
        "--function".into(),
        "lavaan".into(),
        "--meanstructure".into(),
        "--int-ov-free".into(),
    ]
}

#[test]
fn json_output_follows_the_contract() {
    let out = bin()
        .args(riclpm_args())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["converged"], true);
    assert_eq!(v["ngroups"], 1);
    assert_eq!(v["npar"], 35);
    assert_eq!(v["nobs"][0], 1000);
    // lavaan: chisq 14.7718, df 9 (case02)
    let chisq = v["fit"]["chisq"].as_f64().unwrap();
    assert!((chisq - 14.771793464731786).abs() < 1e-6, "{chisq}");
    assert_eq!(v["fit"]["df"], 9.0);
    let params = v["parameters"].as_array().unwrap();
    let row = params
        .iter()
        .find(|p| p["lhs"] == "w_lang_2" && p["op"] == "~" && p["rhs"] == "w_close_1")
        .expect("cross-lagged row");
    for key in [
        "est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_lv", "std_all", "group", "label",
    ] {
        assert!(row.get(key).is_some(), "missing {key}");
    }
    // fixed parameters: z and p are null
    let fixed = params
        .iter()
        .find(|p| p["lhs"] == "RI_close" && p["rhs"] == "close_1")
        .unwrap();
    assert!(fixed["z"].is_null() && fixed["pvalue"].is_null());
    assert!(v["warnings"].as_array().unwrap().is_empty());
}

#[test]
fn table_output_has_lavaan_sections() {
    let out = bin().args(riclpm_args()).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for section in [
        "Latent Variables:",
        "Regressions:",
        "Covariances:",
        "Intercepts:",
        "Variances:",
        "RMSEA",
        "14.772",
    ] {
        assert!(text.contains(section), "missing {section}\n{text}");
    }
}

#[test]
fn output_file_is_written_whole() {
    let dir = std::env::temp_dir().join(format!("crosslag-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("fit.json");
    let out = bin()
        .args(riclpm_args())
        .args(["--format", "json", "--output"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["npar"], 35);
    // a failing run leaves no file behind
    let bad = dir.join("bad.json");
    let model = tmp("bad_var.lav", "y ~ nosuchvar\n");
    let out = bin()
        .args(["fit", "--data"])
        .arg(root().join("datasets/panel_A_complete.csv"))
        .arg("--model")
        .arg(&model)
        .arg("--output")
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!bad.exists());
}

fn error_line(model_text: &str, extra: &[&str]) -> String {
    let model = tmp(&format!("m{}.lav", model_text.len()), model_text);
    let out = bin()
        .args(["fit", "--data"])
        .arg(root().join("datasets/panel_A_complete.csv"))
        .arg("--model")
        .arg(&model)
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    err
}

#[test]
fn syntax_error_names_line_and_column() {
    let err = error_line("close_2 ~ close_1\nlang_2 ~~~ lang_1\n", &[]);
    assert!(err.contains("line 2"), "{err}");
    assert!(err.contains("column"), "{err}");
}

#[test]
fn unknown_variable_suggests_near_matches() {
    let err = error_line("close_2 ~ close1\n", &[]);
    assert!(err.contains("close1"), "{err}");
    assert!(err.contains("close_1"), "{err}");
}

#[test]
fn more_parameters_than_moments_is_refused() {
    // 2 observed variables: 3 moments; a factor with 2 free loadings, 2 residual variances and
    // a free latent variance has 5 parameters
    let err = error_line("f =~ NA*close_1 + close_2\nf ~~ f\n", &[]);
    assert!(err.contains("not identified"), "{err}");
}

#[test]
fn unknown_group_equal_is_refused() {
    let model = tmp("ge.lav", "close_2 ~ close_1\n");
    let out = bin()
        .args(["fit", "--data"])
        .arg(root().join("datasets/panel_A_complete.csv"))
        .arg("--model")
        .arg(&model)
        .args(["--group", "ses_low", "--group-equal", "loadings,slopes"])
        .output()
        .unwrap();
    // a mistake on the command line: exit status 2, one line naming the value and the choices
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("'slopes'") && err.contains("residual.covariances"),
        "{err}"
    );
}

/// Option values are read as lavaan reads them: `--missing ML`, `FIML`, `direct`, and
/// `--estimator mlr` are accepted; a value lavaan knows but crosslag does not implement is
/// one line naming it.
#[test]
fn option_values_as_lavaan_reads_them() {
    let model = tmp("lv.lav", "close_2 ~ close_1\n");
    let run = |extra: &[&str]| {
        bin()
            .args(["fit", "--data"])
            .arg(root().join("datasets/panel_A_mar.csv"))
            .arg("--model")
            .arg(&model)
            .args(["--format", "json"])
            .args(extra)
            .output()
            .unwrap()
    };
    let chisq = |out: &std::process::Output| -> f64 {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["loglik"].as_f64().unwrap()
    };
    let ml = chisq(&run(&["--missing", "ml"]));
    for spelling in ["ML", "FIML", "direct", "Fiml"] {
        assert_eq!(chisq(&run(&["--missing", spelling])), ml, "{spelling}");
    }
    let mlr = run(&["--estimator", "mlr"]);
    assert!(mlr.status.success());
    let out = run(&["--estimator", "WLSMV"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("estimator = \"WLSMV\" is not supported"),
        "{err}"
    );
}

/// `--bounds pos-var` on the LCM-SR whose unbounded optimum has negative variances
/// (tests/data/lavaan_bounds_case16a.json, lavaan 0.6.14 with bounds = "pos.var"): no
/// negative variance, `s_close ~~ s_close` on its bound, lavaan's chi-square.
#[test]
fn bounds_pos_var_gives_an_admissible_solution() {
    let oracle: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/lavaan_bounds_case16a.json")).unwrap(),
    )
    .unwrap();
    let model = tmp("lcmsr_free.lav", oracle["syntax"].as_str().unwrap());
    let data = root()
        .join("tests/fixtures/lavaan")
        .join(oracle["data"].as_str().unwrap());
    let fit = |extra: &[&str]| {
        bin()
            .args(["fit", "--function", "lavaan", "--format", "json"])
            .args(extra)
            .arg("--model")
            .arg(&model)
            .arg("--data")
            .arg(&data)
            .output()
            .unwrap()
    };
    let run = |bounds: &str| {
        let out = fit(&["--bounds", bounds]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let variances = |v: &serde_json::Value| -> Vec<(String, f64)> {
        v["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["op"] == "~~" && p["lhs"] == p["rhs"] && p["free"].as_u64() > Some(0))
            .map(|p| {
                (
                    p["lhs"].as_str().unwrap().to_string(),
                    p["est"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    let free = run("none");
    assert!(variances(&free).iter().any(|(_, v)| *v < 0.0));
    let bounded = run("pos.var");
    let vars = variances(&bounded);
    assert!(vars.iter().all(|(_, v)| *v >= 0.0), "{vars:?}");
    assert!(
        vars.iter().any(|(n, v)| n == "s_close" && *v == 0.0),
        "{vars:?}"
    );
    // lavaan's nlminb stops at a local minimum (chi-square 11.646); crosslag reports the
    // lowest it finds and names lavaan's as the next one (tests/bounds.rs checks the numbers)
    let chisq = bounded["fit"]["chisq"].as_f64().unwrap();
    let want = oracle["chisq"].as_f64().unwrap();
    assert!(chisq <= want + 1e-4 * want, "{chisq} vs lavaan {want}");
    let warnings = bounded["warnings"].to_string();
    assert!(warnings.contains("other local minima"), "{warnings}");
    // a bad value is one line naming the choices
    let out = fit(&["--bounds", "positive"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pos.var"), "{err}");
}

/// lavaan's model options as flags (CONTRACT.md): logical values as lavaan reads them, the
/// options `cfa()` sets itself, the mean structure that groups switch on, `growth()`, and the
/// Wishart likelihood (tests/fixtures/corpus/data: simulated for the conformance corpus).
#[test]
fn model_options_as_lavaan_sets_them() {
    let data = |name: &str| root().join("tests/fixtures/corpus/data").join(name);
    let run = |model: &str, csv: &str, extra: &[&str]| -> serde_json::Value {
        let out = bin()
            .args(["fit", "--format", "json", "--data"])
            .arg(data(csv))
            .arg("--model")
            .arg(tmp("opts.lav", model))
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{extra:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let row = |v: &serde_json::Value, lhs: &str, op: &str, rhs: &str| -> serde_json::Value {
        v["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["lhs"] == lhs && p["op"] == op && p["rhs"] == rhs)
            .cloned()
            .unwrap_or_else(|| panic!("no row {lhs} {op} {rhs}"))
    };
    let cfa = "f =~ x1 + x2 + x3 + x4\n";
    // std.lv: bare, TRUE and T are the same; F is the default (first loading fixed)
    let std_lv = run(cfa, "cfa2g.csv", &["--function", "cfa", "--std-lv"]);
    for v in ["TRUE", "T", "true"] {
        let again = run(cfa, "cfa2g.csv", &["--function", "cfa", "--std-lv", v]);
        assert_eq!(again["loglik"], std_lv["loglik"], "{v}");
    }
    assert_eq!(row(&std_lv, "f", "~~", "f")["free"], 0);
    assert_eq!(row(&std_lv, "f", "~~", "f")["est"], 1.0);
    assert!(row(&std_lv, "f", "=~", "x1")["free"].as_u64() > Some(0));
    let plain = run(cfa, "cfa2g.csv", &["--function", "cfa", "--std-lv", "F"]);
    assert_eq!(row(&plain, "f", "=~", "x1")["free"], 0);
    let (chisq_std, chisq_plain) = (
        std_lv["fit"]["chisq"].as_f64().unwrap(),
        plain["fit"]["chisq"].as_f64().unwrap(),
    );
    assert!((chisq_std - chisq_plain).abs() < 1e-6 * chisq_plain);
    // cfa() sets auto.var itself (lavaan 0.6.14): same model, and a warning that says so
    let auto = run(
        cfa,
        "cfa2g.csv",
        &["--function", "cfa", "--auto-var", "FALSE"],
    );
    assert_eq!(auto["fit"]["npar"], plain["fit"]["npar"]);
    let w = auto["warnings"].to_string();
    assert!(w.contains("cfa() sets auto.var itself"), "{w}");
    // groups switch the mean structure on, unless meanstructure is given
    let grouped = run(cfa, "cfa2g.csv", &["--function", "cfa", "--group", "grp"]);
    assert!(row(&grouped, "x1", "~1", "")["free"].as_u64() > Some(0));
    let no_means = run(
        cfa,
        "cfa2g.csv",
        &[
            "--function",
            "cfa",
            "--group",
            "grp",
            "--meanstructure",
            "false",
        ],
    );
    let npar = |v: &serde_json::Value| v["fit"]["npar"].as_f64().unwrap();
    // 4 intercepts per group, latent means fixed at 0
    assert_eq!(npar(&grouped) - npar(&no_means), 8.0);
    // likelihood = "wishart": a scale-free model has the same F at S·N/(N−1), so
    // χ² = (N − 1)·F against N·F
    let wishart = run(
        cfa,
        "cfa2g.csv",
        &["--function", "cfa", "--likelihood", "Wishart"],
    );
    let n = plain["fit"]["ntotal"].as_f64().unwrap();
    let ratio = wishart["fit"]["chisq"].as_f64().unwrap() / chisq_plain;
    assert!((ratio - (n - 1.0) / n).abs() < 1e-6, "{ratio}");
    // se = "robust.huber.white" with ML: MLR's standard errors beside the normal-theory test;
    // se = "standard" with MLR: ML's (expected-information) standard errors beside the scaled
    // test, as lavaan
    let se_of = |v: &serde_json::Value| row(v, "f", "=~", "x2")["se"].as_f64().unwrap();
    let ml = run(cfa, "cfa2g.csv", &["--function", "cfa"]);
    let mlr = run(
        cfa,
        "cfa2g.csv",
        &["--function", "cfa", "--estimator", "MLR"],
    );
    let robust_ml = run(
        cfa,
        "cfa2g.csv",
        &["--function", "cfa", "--se", "robust.huber.white"],
    );
    assert!((se_of(&robust_ml) - se_of(&mlr)).abs() < 1e-9 * se_of(&mlr));
    assert!((se_of(&robust_ml) - se_of(&ml)).abs() > 1e-4 * se_of(&ml));
    assert!(robust_ml["fit"]["chisq.scaled"].is_null());
    let mlr_standard = run(
        cfa,
        "cfa2g.csv",
        &[
            "--function",
            "cfa",
            "--estimator",
            "mlr",
            "--se",
            "standard",
        ],
    );
    assert!((se_of(&mlr_standard) - se_of(&ml)).abs() < 1e-9 * se_of(&ml));
    // the scaled test is there, computed with the expected information (as lavaan: the
    // corpus case opt_mlr_se_standard checks the number)
    assert!(mlr_standard["fit"]["chisq.scaled"].as_f64().is_some());
    assert_eq!(mlr_standard["fit"]["chisq"], mlr["fit"]["chisq"]);
    // growth(): observed intercepts fixed at 0, latent means free
    let growth = run(
        "i =~ 1*y1 + 1*y2 + 1*y3 + 1*y4 + 1*y5\ns =~ 0*y1 + 1*y2 + 2*y3 + 3*y4 + 4*y5\n",
        "growth.csv",
        &["--function", "growth"],
    );
    assert_eq!(row(&growth, "y1", "~1", "")["free"], 0);
    assert!(row(&growth, "s", "~1", "")["free"].as_u64() > Some(0));
}
