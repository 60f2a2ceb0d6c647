//! `crosslag compare` end to end: models fitted in one call, and saved results of
//! `crosslag fit --format json` fitted with different options, against lavaan 0.6.14's
//! `anova(fit_case07a, fit_case07b)` (reference case07b's `lrt` table).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_crosslag"))
}

/// The lavaan reference fits: the repository's `tests/fixtures/lavaan/`, or `$CROSSLAG_REFERENCE`.
fn reference() -> PathBuf {
    match std::env::var_os("CROSSLAG_REFERENCE") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/lavaan"),
    }
}

fn tmp_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("compare-cli");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn case(name: &str) -> Value {
    let text = std::fs::read_to_string(reference().join(format!("{name}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `crosslag fit` of case07a's model (two groups by ses_low), with extra options, saved.
fn save_fit(model: &Path, extra: &[&str], out: &Path) {
    let data = reference().join("panel_A_complete.csv");
    let status = bin()
        .args([
            "fit",
            "--function",
            "lavaan",
            "--meanstructure",
            "--int-ov-free",
        ])
        .args(["--group", "ses_low"])
        .args(["--format", "json"])
        .arg("--model")
        .arg(model)
        .arg("--data")
        .arg(&data)
        .args(extra)
        .arg("--output")
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Run a command that must succeed, and parse its JSON output.
fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

#[test]
fn saved_results_with_different_group_equal_match_lavaan_anova() {
    let b = case("case07b_riclpm_multigroup_equal_regressions");
    let dir = tmp_dir();
    let model = dir.join("riclpm.lav");
    std::fs::write(&model, b["lavaan_syntax"].as_str().unwrap()).unwrap();
    let configural = dir.join("configural.json");
    let equal = dir.join("equal_regressions.json");
    save_fit(&model, &[], &configural);
    save_fit(&model, &["--group-equal", "regressions"], &equal);

    let v = json_of(
        bin()
            .args(["compare", "--format", "json", "--result"])
            .arg(&equal)
            .arg("--result")
            .arg(&configural),
    );
    assert_eq!(v["method"], "standard");
    let ours = v["table"].as_array().unwrap();
    let want = b["lrt"]["table"].as_array().unwrap();
    // sorted by df: configural (18) first, as lavaan
    assert_eq!(ours[0]["model"], "configural");
    assert_eq!(ours[1]["model"], "equal_regressions");
    for (o, w) in ours.iter().zip(want) {
        for (ok, wk) in [
            ("df", "Df"),
            ("AIC", "AIC"),
            ("BIC", "BIC"),
            ("chisq", "Chisq"),
        ] {
            let (x, y) = (o[ok].as_f64().unwrap(), w[wk].as_f64().unwrap());
            assert!(close(x, y, 1e-8), "{ok}: {x} vs lavaan {y}");
        }
    }
    for (ok, wk) in [
        ("chisq_diff", "Chisq_diff"),
        ("RMSEA", "RMSEA"),
        ("df_diff", "Df_diff"),
        ("pvalue", "pvalue"),
    ] {
        let (x, y) = (ours[1][ok].as_f64().unwrap(), want[1][wk].as_f64().unwrap());
        assert!(close(x, y, 1e-6), "{ok}: {x} vs lavaan {y}");
    }

    // the same comparison with one model fitted in the call and one saved result
    let mixed = json_of(
        bin()
            .args(["compare", "--format", "json", "--function", "lavaan"])
            .args(["--meanstructure", "--int-ov-free"])
            .args(["--group", "ses_low", "--model"])
            .arg(&model)
            .arg("--data")
            .arg(reference().join("panel_A_complete.csv"))
            .arg("--result")
            .arg(&equal),
    );
    let d = mixed["table"][1]["chisq_diff"].as_f64().unwrap();
    assert!(close(d, want[1]["Chisq_diff"].as_f64().unwrap(), 1e-6));
}

#[test]
fn a_file_that_is_not_a_result_is_one_line() {
    let dir = tmp_dir();
    let not_json = dir.join("model.lav");
    std::fs::write(&not_json, "a =~ x1 + x2 + x3\n").unwrap();
    let old = dir.join("old.json");
    std::fs::write(&old, "{\"converged\": true}\n").unwrap();
    for (file, what) in [
        (&not_json, "not a JSON result"),
        (&old, "no \"comparison\""),
    ] {
        let out = bin()
            .args(["compare", "--result"])
            .arg(file)
            .arg("--result")
            .arg(file)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(what), "{err}");
    }
    let out = bin()
        .args(["compare", "--result"])
        .arg(&old)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least two models"));
}
