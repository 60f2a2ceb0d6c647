//! `crosslag meta` end to end: the JSON of stage 1 and stage 2 against metaSEM 1.5.5
//! (tests/fixtures/meta), the table report, subgroups, and one-line errors naming the study.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn path(rel: &str) -> String {
    root().join(rel).display().to_string()
}

fn fixture(name: &str) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/meta").join(name)).unwrap(),
    )
    .unwrap()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crosslag"))
        .arg("meta")
        .args(args)
        .output()
        .unwrap()
}

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn rel(a: f64, b: f64, floor: f64) -> f64 {
    (a - b).abs() / b.abs().max(floor)
}

#[test]
fn roorda_two_stage_json_matches_metasem() {
    let data = path("datasets/meta/roorda11_correlations_long.csv");
    let model = path("datasets/meta/roorda11_mediation.lav");
    let doc = json_of(&run(&[
        "--data", &data, "--model", &model, "--format", "json",
    ]));
    let s1 = fixture("roorda11_tssem1_rem.json");
    for i in 0..6 {
        let a = doc["pooled_r"]["estimate"][i].as_f64().unwrap();
        let b = s1["pooled_r"]["estimate"][i].as_f64().unwrap();
        assert!(rel(a, b, 1.0) < 1e-4, "pooled r {i}: {a} vs {b}");
        let a = doc["tau2"]["estimate"][i].as_f64().unwrap();
        let b = s1["tau2"]["estimate"][i].as_f64().unwrap();
        assert!(rel(a, b, 0.0) < 1e-4, "tau2 {i}: {a} vs {b}");
        let a = doc["pooled_r"]["ci.lower"][i].as_f64().unwrap();
        let b = s1["pooled_r"]["profile_exact"]["lbound"][i]
            .as_f64()
            .unwrap();
        assert!(rel(a, b, 0.0) < 1e-3, "pooled r lower {i}: {a} vs {b}");
        for j in 0..6 {
            let a = doc["pooled_r_acov"]["values"][i][j].as_f64().unwrap();
            let b = s1["pooled_r_acov"]["values"][i][j].as_f64().unwrap();
            assert!((a - b).abs() < 1e-3 * 1.6e-3, "acov {i},{j}: {a} vs {b}");
        }
    }
    assert!(
        rel(
            doc["Q"]["Q"].as_f64().unwrap(),
            s1["Q"]["Q"].as_f64().unwrap(),
            1.0
        ) < 1e-6
    );
    assert_eq!(doc["Q"]["df"], 95);
    assert_eq!(
        doc["data"]["dropped_by_missing_diagonal"]
            .as_array()
            .unwrap()
            .len(),
        13
    );
    let s2 = fixture("roorda11_tssem2_rem.json");
    let res = &s2["result"]["parameters"];
    for (k, name) in res["name"].as_array().unwrap().iter().enumerate() {
        let row = doc["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["label"] == *name)
            .unwrap_or_else(|| panic!("no row {name}"));
        for (ours, theirs, tol, floor) in [
            ("est", "estimate", 1e-4, 1.0),
            ("se", "se", 1e-3, 0.01),
            ("ci.lower", "profile_exact_lbound", 1e-3, 0.0),
            ("ci.upper", "profile_exact_ubound", 1e-3, 0.0),
        ] {
            let a = row[ours].as_f64().unwrap();
            let b = res[theirs][k].as_f64().unwrap();
            assert!(rel(a, b, floor) < tol, "{name} {ours}: {a} vs {b}");
        }
    }
    let alg = &s2["result"]["algebras"];
    for (k, name) in alg["name"].as_array().unwrap().iter().enumerate() {
        let row = doc["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["lhs"] == *name && r["op"] == ":=")
            .unwrap();
        for (ours, theirs) in [
            ("est", "estimate"),
            ("ci.lower", "profile_exact_lbound"),
            ("ci.upper", "profile_exact_ubound"),
        ] {
            let a = row[ours].as_f64().unwrap();
            let b = alg[theirs][k].as_f64().unwrap();
            assert!(rel(a, b, 0.0) < 1e-3, "{name} {ours}: {a} vs {b}");
        }
    }
    let f = &s2["result"]["fit"];
    assert!(
        rel(
            doc["fit"]["chisq"].as_f64().unwrap(),
            f["chisq"].as_f64().unwrap(),
            1.0
        ) < 1e-4
    );
    assert_eq!(doc["fit"]["df"], 2);
    for (ours, theirs) in [
        ("rmsea", "RMSEA"),
        ("srmr", "SRMR"),
        ("cfi", "CFI"),
        ("tli", "TLI"),
    ] {
        let a = doc["fit"][ours].as_f64().unwrap();
        let b = f[theirs].as_f64().unwrap();
        assert!((a - b).abs() < 1e-4, "{ours}: {a} vs {b}");
    }
    // the table report says the same
    let out = run(&["--data", &data, "--model", &model, "--no-lb-ci"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Q(95) = 684.10"), "{text}");
    assert!(text.contains("chisq(2) = 10.464"), "{text}");
    assert!(text.contains("13 reported correlations dropped"), "{text}");
}

#[test]
fn fixed_effects_and_layouts() {
    let fem = fixture("roorda11_tssem1_fem.json");
    for data in [
        "datasets/meta/roorda11.json",
        "datasets/meta/roorda11_studies_wide.csv",
    ] {
        let doc = json_of(&run(&[
            "--data",
            &path(data),
            "--stage1",
            "fixed",
            "--format",
            "json",
        ]));
        for i in 0..6 {
            let a = doc["pooled_r"]["estimate"][i].as_f64().unwrap();
            let b = fem["pooled_r"]["estimate"][i].as_f64().unwrap();
            assert!(rel(a, b, 1.0) < 1e-4);
        }
        let a = doc["stage1"]["fit"]["chisq"].as_f64().unwrap();
        assert!(rel(a, fem["fit"]["chisq"].as_f64().unwrap(), 1.0) < 1e-4);
    }
}

#[test]
fn nohe_clpm_json() {
    let doc = json_of(&run(&[
        "--data",
        &path("datasets/meta/nohe15a1_studies.csv"),
        "--model",
        &path("datasets/meta/nohe15a1_clpm.lav"),
        "--format",
        "json",
    ]));
    let fx = fixture("nohe15a1_tssem_rem.json");
    let p = &fx["stage2"]["parameters"];
    for (k, name) in p["name"].as_array().unwrap().iter().enumerate() {
        let row = doc["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["label"] == *name)
            .unwrap();
        for (ours, theirs, floor) in [
            ("est", "estimate", 1.0),
            ("se", "se", 0.01),
            ("ci.lower", "profile_exact_lbound", 0.0),
            ("ci.upper", "profile_exact_ubound", 0.0),
        ] {
            let a = row[ours].as_f64().unwrap();
            let b = p[theirs][k].as_f64().unwrap();
            assert!(rel(a, b, floor) < 1e-3, "{name} {ours}: {a} vs {b}");
        }
    }
    assert_eq!(doc["fit"]["df"], 0);
    assert!(doc["fit"]["tli"].is_null());
}

#[test]
fn subgroup_equality_test() {
    let doc = json_of(&run(&[
        "--data",
        &path("datasets/meta/roorda11_correlations_long.csv"),
        "--model",
        &path("datasets/meta/roorda11_mediation.lav"),
        "--subgroup",
        "SES > 50",
        "--no-lb-ci",
        "--format",
        "json",
    ]));
    let fx = fixture("roorda11_subgroup_ses.json");
    let eq = &fx["equality_test"];
    let a = doc["equality_test"]["chisq_diff"].as_f64().unwrap();
    assert!(
        rel(a, eq["chisq_diff"].as_f64().unwrap(), 1.0) < 1e-4,
        "{a}"
    );
    assert_eq!(doc["equality_test"]["df_diff"], 3);
}

fn write(name: &str, text: &str) -> String {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("meta-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn one_line_error(args: &[&str], needle: &str) {
    let out = run(args);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains(needle), "expected `{needle}` in: {err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn bad_input_gets_one_line_naming_the_study() {
    let head = "study,n,SES,var1,var2,r\n";
    let good = "A,100,10,x,y,0.3\nA,100,10,x,z,0.2\nA,100,10,y,z,0.1\nB,120,60,x,y,0.4\nB,120,60,x,z,0.3\nB,120,60,y,z,0.2\n";
    let cases = [
        (
            "nonpd.csv",
            format!("{head}{good}C,90,30,x,y,0.9\nC,90,30,x,z,0.9\nC,90,30,y,z,-0.9\n"),
            "study C",
            vec![],
        ),
        (
            "onevar.csv",
            format!("{head}{good}D,90,30,x,x,1\n"),
            "study D",
            vec![],
        ),
        (
            "smalln.csv",
            format!("{head}{good}E,3,30,x,y,0.2\n"),
            "study E",
            vec![],
        ),
        (
            "range.csv",
            format!("{head}{good}F,50,30,x,y,1.2\n"),
            "study F",
            vec![],
        ),
        (
            "modmiss.csv",
            format!("{head}{good}G,50,,x,y,0.2\nG,50,,x,z,0.1\nG,50,,y,z,0.3\n"),
            "study G",
            vec!["--subgroup", "SES > 50"],
        ),
    ];
    for (name, text, needle, extra) in cases {
        let f = write(name, &text);
        let mut args = vec!["--data", f.as_str()];
        args.extend(extra);
        one_line_error(&args, needle);
    }
    let f = write("ok.csv", &format!("{head}{good}"));
    one_line_error(
        &["--data", &f, "--model", &write("bad.lav", "y ~ q\n")],
        "`q`",
    );
}
