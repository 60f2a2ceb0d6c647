//! The replication commands end to end: `fit --se bootstrap`, `simulate`, `power`,
//! `bootstrap` and `merge` — determinism (seeds, threads, shards), the numbers they report,
//! and one-line errors that leave no output file behind.
//!
//! Every run is small (tens to hundreds of replications of small models) so that the debug
//! build finishes each test in well under a second.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_crosslag"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The lavaan reference fits: the repository's `tests/fixtures/lavaan/`, or `$CROSSLAG_REFERENCE`.
fn reference() -> PathBuf {
    match std::env::var_os("CROSSLAG_REFERENCE") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => root().join("tests/fixtures/lavaan"),
    }
}

/// A fresh folder for one test's files.
fn tmpdir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "crosslag-replication-cli-{}-{test}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// case10 of the lavaan reference fits: its syntax in a file, and its parameter rows.
fn case10(dir: &Path) -> (PathBuf, Vec<Value>) {
    let text = std::fs::read_to_string(reference().join("case10_mediation_indirect.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let model = write(
        dir,
        "case10.lav",
        v["lavaan_syntax"].as_str().expect("lavaan_syntax"),
    );
    (model, v["parameters"].as_array().unwrap().clone())
}

fn data_a() -> PathBuf {
    reference().join("panel_A_complete.csv")
}

fn ok(out: &Output) -> &[u8] {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    &out.stdout
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(ok(out)).expect("JSON on stdout")
}

fn row<'a>(params: &'a Value, lhs: &str, op: &str, rhs: &str) -> &'a Value {
    params
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["lhs"] == lhs && p["op"] == op && (op == ":=" || p["rhs"] == rhs))
        .unwrap_or_else(|| panic!("no row {lhs} {op} {rhs}"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

// ---------------------------------------------------------------------------------------
// fit --se bootstrap

fn fit_boot(model: &Path, extra: &[&str], threads: &str) -> Output {
    bin()
        .env("RAYON_NUM_THREADS", threads)
        .args(["fit", "--data"])
        .arg(data_a())
        .arg("--model")
        .arg(model)
        .args(["--se", "bootstrap", "--format", "json"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn fit_bootstrap_is_deterministic_and_agrees_with_the_delta_method() {
    let dir = tmpdir("fit-boot");
    let (model, lavaan) = case10(&dir);
    let args = ["--bootstrap", "500", "--seed", "7"];
    let one = fit_boot(&model, &args, "1");
    let two = fit_boot(&model, &args, "2");
    let again = fit_boot(&model, &args, "2");
    // same seed: the same bytes, whatever the number of threads
    assert_eq!(ok(&one), ok(&two), "1 vs 2 threads");
    assert_eq!(ok(&two), ok(&again), "same seed twice");
    let b = json(&two);
    let info = &b["bootstrap"];
    assert_eq!(info["se"], "bootstrap");
    assert_eq!(info["reps"], 500);
    assert_eq!(info["converged"], 500);
    assert_eq!(info["seed"], 7);
    assert_eq!(info["ci_type"], "perc");
    assert_eq!(info["resampled"], "rows");
    assert!(
        b["warnings"].as_array().unwrap().is_empty(),
        "{}",
        b["warnings"]
    );

    // the estimates are the original ones (lavaan's est of case10)
    let lav_ind = lavaan
        .iter()
        .find(|p| p["op"] == ":=" && p["lhs"] == "ind")
        .unwrap();
    let ind = row(&b["parameters"], "ind", ":=", "");
    assert!((f(&ind["est"]) - f(&lav_ind["est"])).abs() < 1e-6);

    // bootstrap SE of the indirect effect against the delta method (lavaan's SE 0.12406).
    // With B = 500 the bootstrap SD has a relative Monte Carlo SE of about
    // sqrt((kurtosis − 1) / 4B) ≈ 3.5% (kurtosis of a·b ≈ 3.4), and the bootstrap SE of
    // this slightly skewed product is itself about 3% above the delta-method value (0.1277
    // with B = 2000, 0.1260 in lavaan with B = 500): ±15% leaves more than 3 Monte Carlo SEs
    // beyond that gap, while a wrong divisor, a resampling bug or a delta-method SE left in
    // place (identical to 1e-12, checked below) would show.
    let delta = json(
        &bin()
            .args(["fit", "--data"])
            .arg(data_a())
            .arg("--model")
            .arg(&model)
            .args(["--format", "json"])
            .output()
            .unwrap(),
    );
    let delta_se = f(&row(&delta["parameters"], "ind", ":=", "")["se"]);
    assert!((delta_se - f(&lav_ind["se"])).abs() < 1e-6, "{delta_se}");
    let boot_se = f(&ind["se"]);
    let ratio = boot_se / delta_se;
    assert!(
        (0.85..1.15).contains(&ratio),
        "boot {boot_se} delta {delta_se}"
    );
    assert!(
        (boot_se - delta_se).abs() > 1e-9,
        "still the delta-method SE"
    );
    // z and p from est/SE
    let z = f(&ind["est"]) / boot_se;
    assert!((f(&ind["z"]) - z).abs() < 1e-12);
    // every free and defined parameter: SE > 0 and an interval around the estimate
    for p in b["parameters"].as_array().unwrap() {
        let (est, lo, hi) = (f(&p["est"]), f(&p["ci_lower"]), f(&p["ci_upper"]));
        assert!(lo <= est && est <= hi, "{p}");
        if p["free"].as_u64().unwrap() > 0 || p["op"] == ":=" {
            assert!(f(&p["se"]) > 0.0 && lo < hi, "{p}");
        } else {
            assert_eq!((f(&p["se"]), lo, hi), (0.0, est, est), "fixed: {p}");
        }
    }
    // a percentile interval, not est ± 1.96 SE: asymmetric for the indirect effect
    let (lo, hi) = (f(&ind["ci_lower"]), f(&ind["ci_upper"]));
    let est = f(&ind["est"]);
    assert!(
        ((hi - est) - (est - lo)).abs() > 0.01,
        "[{lo}, {hi}] around {est}"
    );

    // another seed: other replications
    let other = json(&fit_boot(
        &model,
        &["--bootstrap", "500", "--seed", "8"],
        "2",
    ));
    assert_ne!(
        f(&row(&other["parameters"], "ind", ":=", "")["se"]),
        boot_se
    );
}

#[test]
fn fit_bootstrap_uses_the_replications_of_crosslag_bootstrap() {
    // The same seed and R resample the same rows in both commands, so lavaan's SE of a free
    // parameter (SD with divisor B) is the bootstrap command's SD (divisor B − 1) times
    // sqrt((B − 1)/B), and a := parameter's SE (lavaan: divisor B − 1) is the same number.
    let dir = tmpdir("fit-vs-bootstrap");
    let (model, _) = case10(&dir);
    let reps = 60.0_f64;
    let fit = json(&fit_boot(
        &model,
        &["--bootstrap", "60", "--seed", "3", "--bollen-stine"],
        "2",
    ));
    let boot = json(
        &bin()
            .args(["bootstrap", "--data"])
            .arg(data_a())
            .arg("--model")
            .arg(&model)
            .args([
                "--reps", "60", "--seed", "3", "--no-bca", "--format", "json",
            ])
            .output()
            .unwrap(),
    );
    let summary = &boot["summary"]["parameters"];
    let by_name = |name: &str| {
        summary
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let a = row(&fit["parameters"], "engage_2", "~", "close_1");
    let expect = f(&by_name("engage_2~close_1")["boot_se"]) * ((reps - 1.0) / reps).sqrt();
    assert!((f(&a["se"]) - expect).abs() < 1e-12 * expect, "{a}");
    let ind = row(&fit["parameters"], "ind", ":=", "");
    assert!((f(&ind["se"]) - f(&by_name("ind")["boot_se"])).abs() < 1e-12);
    // Bollen–Stine: the same p-value, beside the chi-square of case10 (lavaan 3.18860 on 1 df)
    let bs_fit = &fit["bootstrap"]["bollen_stine"];
    let bs_boot = &boot["summary"]["bollen_stine"];
    assert_eq!(bs_fit, bs_boot);
    assert!((f(&bs_fit["chisq"]) - 3.18860).abs() < 1e-4);
    let p = f(&bs_fit["pvalue"]);
    assert!(p > 0.0 && p < 1.0, "{p}");
}

#[test]
fn fit_bootstrap_table_reports_the_bootstrap() {
    let dir = tmpdir("fit-boot-table");
    let (model, _) = case10(&dir);
    let out = bin()
        .args(["fit", "--data"])
        .arg(data_a())
        .arg("--model")
        .arg(&model)
        .args(["--se", "bootstrap", "--bootstrap", "50", "--seed", "4"])
        .args(["--boot-ci", "bca", "--cluster", "teacher"])
        .output()
        .unwrap();
    let text = String::from_utf8(ok(&out).to_vec()).unwrap();
    for s in [
        "Standard errors                                  Bootstrap",
        "Number of requested bootstrap draws                     50",
        "Number of successful bootstrap draws                    50",
        "Bootstrap seed                                           4",
        "Resampled                                         clusters",
        "95% BCa",
        "ci.lower ci.upper",
        "ind := a*b",
    ] {
        assert!(text.contains(s), "missing '{s}'\n{text}");
    }
    // stderr is not a terminal here: no progress bar
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Exit status 1, exactly one line on stderr, nothing written to `--output`.
fn refused(mut cmd: Command, output: &Path) -> String {
    let out = cmd.arg("--output").arg(output).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(!output.exists(), "{} was written", output.display());
    err
}

#[test]
fn fit_bootstrap_bad_options_are_one_line_errors() {
    let dir = tmpdir("fit-boot-errors");
    let (model, _) = case10(&dir);
    let out = dir.join("fit.json");
    let fit = |extra: &[&str]| {
        let mut c = bin();
        c.args(["fit", "--data"])
            .arg(data_a())
            .arg("--model")
            .arg(&model)
            .args(extra);
        c
    };
    let err = refused(fit(&["--se", "bootstrap", "--bootstrap", "1"]), &out);
    assert!(
        err.contains("--bootstrap") && err.contains("at least 2"),
        "{err}"
    );
    let err = refused(fit(&["--se", "bootstrap", "--bootstrap", "-5"]), &out);
    assert!(err.contains("--bootstrap"), "{err}");
    let err = refused(fit(&["--boot-ci", "bca"]), &out);
    assert!(
        err.contains("--boot-ci") && err.contains("--se bootstrap"),
        "{err}"
    );
    let err = refused(fit(&["--bootstrap", "100"]), &out);
    assert!(err.contains("--se bootstrap"), "{err}");
    let err = refused(fit(&["--se", "bootstrap", "--boot-ci", "basic"]), &out);
    assert!(err.contains("--boot-ci") && err.contains("perc"), "{err}");
    let err = refused(fit(&["--se", "jackknife"]), &out);
    assert!(err.contains("--se") && err.contains("bootstrap"), "{err}");
    let err = refused(fit(&["--se", "bootstrap", "--seed", "x"]), &out);
    assert!(err.contains("--seed"), "{err}");
    let err = refused(
        fit(&["--se", "bootstrap", "--missing", "ml", "--bollen-stine"]),
        &out,
    );
    assert!(err.contains("--bollen-stine"), "{err}");
}

// ---------------------------------------------------------------------------------------
// simulate

fn population() -> PathBuf {
    root().join("datasets/models/riclpm_close_lang_population.lav")
}

fn simulate(extra: &[&str]) -> Output {
    bin()
        .arg("simulate")
        .arg("--model")
        .arg(population())
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn simulate_is_reproducible_and_has_the_requested_shape() {
    let a = simulate(&["--n", "300", "--seed", "11"]);
    let b = simulate(&["--n", "300", "--seed", "11"]);
    let c = simulate(&["--n", "300", "--seed", "12"]);
    assert_eq!(ok(&a), ok(&b), "same seed, same bytes");
    assert_ne!(ok(&a), ok(&c), "another seed, other data");
    let text = String::from_utf8(a.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "close_1,close_2,close_3,close_4,lang_1,lang_2,lang_3,lang_4"
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 300);
    assert!(rows
        .iter()
        .all(|r| r.len() == 8 && r.iter().all(|v| v.is_finite())));
    // the means of the population (close_1 ~ 4.15*1 etc.) within 4 standard errors
    // (close_1: SD sqrt(0.128 + 0.16) ≈ 0.54, SE 0.031 at N = 300)
    let mean = |j: usize| rows.iter().map(|r| r[j]).sum::<f64>() / rows.len() as f64;
    let pop = std::fs::read_to_string(population()).unwrap();
    assert!(pop.contains("close_1 ~ 4.15*1"), "population changed");
    assert!(
        (mean(0) - 4.15).abs() < 4.0 * 0.54 / 300f64.sqrt(),
        "{}",
        mean(0)
    );
}

#[test]
fn simulate_mcar_gives_the_requested_share_of_missing_values() {
    let out = simulate(&["--n", "500", "--seed", "3", "--mcar", "0.2"]);
    let text = String::from_utf8(ok(&out).to_vec()).unwrap();
    let cells: Vec<&str> = text.lines().skip(1).flat_map(|l| l.split(',')).collect();
    assert_eq!(cells.len(), 500 * 8);
    let share = cells.iter().filter(|c| **c == "NA").count() as f64 / cells.len() as f64;
    // 4000 independent cells with p = 0.2: SE sqrt(0.2 · 0.8 / 4000) = 0.0063; ±0.025 = 4 SE
    assert!((share - 0.2).abs() < 0.025, "{share}");
    // the observed cells are the complete draw's values (MCAR only blanks cells)
    let complete =
        String::from_utf8(ok(&simulate(&["--n", "500", "--seed", "3"])).to_vec()).unwrap();
    let full: Vec<&str> = complete
        .lines()
        .skip(1)
        .flat_map(|l| l.split(','))
        .collect();
    assert!(cells.iter().zip(&full).all(|(m, c)| *m == "NA" || m == c));
}

// ---------------------------------------------------------------------------------------
// power, merge

fn power_cmd(extra: &[&str], threads: &str) -> Command {
    let m = root().join("datasets/models");
    let mut c = bin();
    c.env("RAYON_NUM_THREADS", threads)
        .arg("power")
        .arg("--population")
        .arg(m.join("riclpm_close_lang_population.lav"))
        .arg("--model")
        .arg(m.join("riclpm_close_lang.lav"))
        .args(["--function", "lavaan", "--meanstructure", "--int-ov-free"])
        .args(["--n", "200,400", "--reps", "25", "--seed", "9"])
        .args(extra);
    c
}

#[test]
fn power_shards_merge_to_the_single_run_and_threads_do_not_matter() {
    let dir = tmpdir("power");
    let single = power_cmd(&["--format", "json"], "2").output().unwrap();
    let one_thread = power_cmd(&["--format", "json"], "1").output().unwrap();
    assert_eq!(ok(&single), ok(&one_thread), "1 vs 2 threads");
    let mut parts = Vec::new();
    for k in ["1/2", "2/2"] {
        let p = dir.join(format!("part{}.json", &k[..1]));
        ok(&power_cmd(&["--shard", k, "--output"], "2")
            .arg(&p)
            .output()
            .unwrap());
        parts.push(p);
    }
    // order of the parts does not matter
    let merged = bin()
        .arg("merge")
        .arg(&parts[1])
        .arg(&parts[0])
        .args(["--format", "json"])
        .output()
        .unwrap();
    let (s, m) = (json(&single), json(&merged));
    assert_eq!(s["summary"], m["summary"]);
    assert_eq!(ok(&single), ok(&merged), "the whole JSON");

    // the numbers: a correctly specified model's pseudo-true values are the population's
    let w = s["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "w_lang_2~w_close_1")
        .unwrap();
    assert!((f(&w["true_value"]) - 2.5).abs() < 1e-6, "{w}");
    // the summary is the replications' statistics: recompute power and mean from the records
    let kept = json(
        &power_cmd(&["--format", "json", "--keep-records"], "2")
            .output()
            .unwrap(),
    );
    let k = kept["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .position(|p| p["name"] == "w_lang_2~w_close_1")
        .unwrap();
    let z975 = 1.959963984540054;
    for (i, n) in [200, 400].into_iter().enumerate() {
        let recs: Vec<&Value> = kept["records"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["n"] == n && r["converged"] == true)
            .collect();
        assert_eq!(recs.len(), 25);
        let est: Vec<f64> = recs.iter().map(|r| f(&r["est"][k])).collect();
        let sig = recs
            .iter()
            .filter(|r| (f(&r["est"][k]) / f(&r["se"][k])).abs() > z975)
            .count();
        let summary = &kept["summary"]["by_n"][i];
        assert_eq!(summary["n"], n);
        let ps = summary["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "w_lang_2~w_close_1")
            .unwrap();
        assert!((f(&ps["power"]) - sig as f64 / 25.0).abs() < 1e-12, "{ps}");
        let mean = est.iter().sum::<f64>() / 25.0;
        assert!((f(&ps["mean"]) - mean).abs() < 1e-9 * mean.abs().max(1.0));
        assert_eq!(summary, &s["summary"]["by_n"][i]);
    }
}

// ---------------------------------------------------------------------------------------
// bootstrap, merge

fn bootstrap_cmd(model: &Path, extra: &[&str]) -> Command {
    let mut c = bin();
    c.args(["bootstrap", "--data"])
        .arg(data_a())
        .arg("--model")
        .arg(model)
        .args(["--reps", "40", "--seed", "5"])
        .args(extra);
    c
}

#[test]
fn bootstrap_shards_merge_to_the_single_run() {
    let dir = tmpdir("bootstrap");
    let (model, lavaan) = case10(&dir);
    let single = bootstrap_cmd(&model, &["--format", "json"])
        .output()
        .unwrap();
    let mut merge = bin();
    merge.arg("merge");
    for k in ["1/3", "2/3", "3/3"] {
        let p = dir.join(format!("b{}.json", &k[..1]));
        ok(&bootstrap_cmd(&model, &["--shard", k, "--output"])
            .arg(&p)
            .output()
            .unwrap());
        merge.arg(&p);
    }
    let merged = merge.args(["--format", "json"]).output().unwrap();
    assert_eq!(ok(&single), ok(&merged));
    let s = json(&single);
    let sum = &s["summary"];
    assert_eq!(sum["reps"], 40);
    assert_eq!(sum["converged"], 40);
    let ind = sum["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "ind")
        .unwrap();
    let lav = lavaan
        .iter()
        .find(|p| p["op"] == ":=" && p["lhs"] == "ind")
        .unwrap();
    // original estimate and delta-method SE are lavaan's
    assert!((f(&ind["est"]) - f(&lav["est"])).abs() < 1e-6);
    assert!((f(&ind["se"]) - f(&lav["se"])).abs() < 1e-6);
    // the intervals bracket the estimate; BCa from shard 1's jackknife
    let (lo, hi) = (f(&ind["percentile"][0]), f(&ind["percentile"][1]));
    assert!(lo < f(&ind["est"]) && f(&ind["est"]) < hi);
    assert!(ind["bca"].is_array() && ind["acceleration"].is_number());
    assert!((f(&sum["bollen_stine"]["chisq"]) - 3.18860).abs() < 1e-4);
}

// ---------------------------------------------------------------------------------------
// bad input

#[test]
fn bad_input_is_one_line_and_leaves_no_file() {
    let dir = tmpdir("bad-input");
    let (model, _) = case10(&dir);
    let out = dir.join("out.json");
    // a missing data file
    let mut c = bin();
    c.args(["bootstrap", "--data"])
        .arg(dir.join("no_such_file.csv"))
        .arg("--model")
        .arg(&model)
        .args(["--reps", "10"]);
    let err = refused(c, &out);
    assert!(err.contains("no_such_file.csv"), "{err}");
    let mut c = bin();
    c.args(["fit", "--se", "bootstrap", "--data"])
        .arg(dir.join("no_such_file.csv"))
        .arg("--model")
        .arg(&model);
    refused(c, &out);
    // an unknown variable
    let bad = write(&dir, "bad.lav", "lang_3 ~ engage2 + lang_1\n");
    let mut c = bin();
    c.args(["bootstrap", "--data"])
        .arg(data_a())
        .arg("--model")
        .arg(&bad)
        .args(["--reps", "10"]);
    let err = refused(c, &out);
    assert!(err.contains("engage2") && err.contains("engage_2"), "{err}");
    let mut c = bin();
    c.args(["fit", "--se", "bootstrap", "--data"])
        .arg(data_a())
        .arg("--model")
        .arg(&bad);
    refused(c, &out);
    // a population model with an unknown attrition driver
    let mut c = bin();
    c.arg("simulate").arg("--model").arg(population()).args([
        "--n",
        "50",
        "--attrition",
        "0.1",
        "--attrition-driver",
        "nosuch",
    ]);
    let err = refused(c, &out);
    assert!(err.contains("nosuch"), "{err}");
    // bad --shard values
    for shard in ["3/2", "0/2", "two", "1/0"] {
        let err = refused(power_cmd(&["--shard", shard], "1"), &out);
        assert!(err.contains("shard"), "{shard}: {err}");
        let err = refused(bootstrap_cmd(&model, &["--shard", shard]), &out);
        assert!(err.contains("shard"), "{shard}: {err}");
    }
    // merge: a part missing, and parts of different runs
    let p1 = dir.join("p1.json");
    ok(&power_cmd(&["--shard", "1/2", "--output"], "1")
        .arg(&p1)
        .output()
        .unwrap());
    let mut c = bin();
    c.arg("merge").arg(&p1);
    let err = refused(c, &out);
    assert!(err.contains("2/2"), "{err}");
    let b2 = dir.join("b2.json");
    ok(&bootstrap_cmd(&model, &["--shard", "2/2", "--output"])
        .arg(&b2)
        .output()
        .unwrap());
    let mut c = bin();
    c.arg("merge").arg(&p1).arg(&b2);
    refused(c, &out);
}
