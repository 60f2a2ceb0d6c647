//! `crosslag describe`, run as a program.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dataset(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crosslag"))
        .arg("describe")
        .args(args)
        .output()
        .expect("the crosslag binary runs")
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "describe {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    serde_json::from_str(&ok(&a)).expect("valid JSON")
}

/// Exit status 1 and one `error: ...` line on stderr.
fn fails(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(1), "{args:?}");
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    err.trim_end().to_string()
}

fn temp_csv(test: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "crosslag-cli-describe-{}-{test}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{test}.csv"));
    std::fs::write(&p, content).unwrap();
    p
}

const CURRAN_MISSING: [(&str, u64); 6] = [
    ("anti2", 31),
    ("anti3", 108),
    ("anti4", 111),
    ("read2", 30),
    ("read3", 130),
    ("read4", 135),
];

#[test]
fn curran_table_reports_missing_counts_and_complete_cases() {
    let data = dataset("curran_reading_antisocial.csv");
    let out = ok(&["--data", data.to_str().unwrap()]);
    assert!(out.contains("N = 405 rows, 14 variables"), "{out}");
    // The variable table: name, n, missing, ...
    let rows: Vec<Vec<&str>> = out
        .lines()
        .skip_while(|l| !l.starts_with("variable "))
        .skip(1)
        .take_while(|l| !l.starts_with("Complete cases"))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 14);
    for (name, missing) in CURRAN_MISSING {
        let row = rows.iter().find(|r| r[0] == name).unwrap();
        assert_eq!(row[2], missing.to_string(), "{name}");
        assert_eq!(row[1], (405 - missing).to_string(), "{name}");
    }
    for row in &rows {
        if !CURRAN_MISSING.iter().any(|(n, _)| *n == row[0]) {
            assert_eq!(row[2], "0", "{}", row[0]);
        }
    }
    assert!(out.contains("Complete cases: 221 of 405"), "{out}");
    // First pattern: the complete one, 221 rows, 54.6 %.
    let first_pattern: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with(" count"))
        .nth(1)
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(&first_pattern[..3], &["221", "54.6", "0"]);
    assert!(first_pattern[3..].iter().all(|o| *o == "1"));
    assert!(out.contains("Coverage (proportion of rows with both variables observed)"));
    assert!(out.contains("Correlations (pairwise complete observations)"));
}

#[test]
fn curran_json_reports_missing_counts_and_complete_cases() {
    let data = dataset("curran_reading_antisocial.csv");
    let d = json(&["--data", data.to_str().unwrap()]);
    assert_eq!(d["n"], 405);
    let vars = d["overall"]["variables"].as_array().unwrap();
    for (name, missing) in CURRAN_MISSING {
        let v = vars.iter().find(|v| v["name"] == name).unwrap();
        assert_eq!(v["missing"].as_u64(), Some(missing), "{name}");
    }
    let patterns = d["overall"]["patterns"].as_array().unwrap();
    assert_eq!(patterns[0]["count"], 221);
    assert_eq!(patterns[0]["n_missing"], 0);
    assert_eq!(d["overall"]["complete_cases"], 221);
}

#[test]
fn groups_in_order_of_first_appearance() {
    // Reference README: ses_low groups "0" then "1", 681 / 319 children.
    let data = dataset("panel_A_complete.csv");
    let d = json(&[
        "--data",
        data.to_str().unwrap(),
        "--vars",
        "lang_1, close_1",
        "--group",
        "ses_low",
    ]);
    assert_eq!(d["variables"], serde_json::json!(["lang_1", "close_1"]));
    let groups = d["groups"].as_array().unwrap();
    let g: Vec<(String, u64)> = groups
        .iter()
        .map(|g| {
            (
                g["label"].as_str().unwrap().to_string(),
                g["n"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(g, vec![("0".to_string(), 681), ("1".to_string(), 319)]);
    let table = ok(&[
        "--data",
        data.to_str().unwrap(),
        "--vars",
        "lang_1",
        "--group",
        "ses_low",
    ]);
    assert!(table.contains("Group ses_low = 0 (n = 681)"), "{table}");
    assert!(table.contains("Group ses_low = 1 (n = 319)"), "{table}");
}

#[test]
fn missing_codes_option() {
    let p = temp_csv("codes", "id,x,y\n1,-99,2\n2,3,-999\n3,4,5\n4,-99,6\n");
    let d = json(&["--data", p.to_str().unwrap(), "--missing-codes", "-99,-999"]);
    let vars = d["overall"]["variables"].as_array().unwrap();
    assert_eq!(vars[1]["missing"], 2);
    assert_eq!(vars[2]["missing"], 1);
    assert_eq!(vars[1]["mean"], 3.5);
    let d = json(&["--data", p.to_str().unwrap(), "--missing-codes=-99"]);
    assert_eq!(d["overall"]["variables"][2]["missing"], 0);
    assert_eq!(d["overall"]["variables"][2]["min"], -999.0);
    let d = json(&["--data", p.to_str().unwrap()]);
    assert_eq!(d["overall"]["variables"][1]["missing"], 0);
}

#[test]
fn long_data() {
    let p = temp_csv("long", "id,wave,x\n7,2,5\n7,1,4\n8,1,6\n8,2,9\n9,1,1\n");
    let d = json(&[
        "--data",
        p.to_str().unwrap(),
        "--long-id",
        "id",
        "--long-wave",
        "wave",
    ]);
    assert_eq!(d["n"], 3);
    assert_eq!(d["variables"], serde_json::json!(["id", "x_1", "x_2"]));
    assert_eq!(d["overall"]["variables"][2]["missing"], 1);
    let err = fails(&[
        "--data",
        p.to_str().unwrap(),
        "--long-id",
        "id",
        "--long-wave",
        "time",
    ]);
    assert_eq!(err, "error: wave column 'time' is not in long.csv");
    // --long-id without --long-wave is a usage error (clap, status 2).
    let out = run(&["--data", p.to_str().unwrap(), "--long-id", "id"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn political_democracy_is_complete() {
    let data = dataset("political_democracy.csv");
    let d = json(&["--data", data.to_str().unwrap()]);
    assert_eq!(d["n"], 75);
    assert_eq!(d["overall"]["patterns"].as_array().unwrap().len(), 1);
    assert_eq!(d["overall"]["patterns"][0]["count"], 75);
    assert_eq!(d["overall"]["variables"].as_array().unwrap().len(), 12);
}

#[test]
fn bad_input_is_one_error_line() {
    assert_eq!(
        fails(&["--data", "no/such/file.csv"]),
        "error: data file no/such/file.csv not found; check the path and the working directory"
    );
    let data = dataset("panel_A_mar.csv");
    assert_eq!(
        fails(&["--data", data.to_str().unwrap(), "--vars", "lang1"]),
        "error: variable 'lang1' is not in panel_A_mar.csv; did you mean lang_1, lang_2, lang_3?"
    );
    assert_eq!(
        fails(&["--data", data.to_str().unwrap(), "--group", "school"]),
        "error: group column 'school' is not in panel_A_mar.csv"
    );
    let p = temp_csv("text", "id,x\n1,2\n2,oops\n");
    assert_eq!(
        fails(&["--data", p.to_str().unwrap(), "--vars", "x"]),
        "error: text.csv, line 3, column 'x': value 'oops' is not a number; fix it, or declare it missing (e.g. --missing-codes oops)"
    );
    let p = temp_csv("xlsx", "a\n1\n").with_extension("xlsx");
    std::fs::write(&p, "a\n1\n").unwrap();
    assert_eq!(
        fails(&["--data", p.to_str().unwrap()]),
        "error: xlsx.xlsx: unsupported file type '.xlsx'; use .csv, .parquet/.pq, .dta or .sav"
    );
}

#[test]
fn stata_value_labels_name_groups_and_parquet_reads() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crosslag-data/tests/fixtures");
    let dta = fixtures.join("panel.dta");
    let d = json(&[
        "--data",
        dta.to_str().unwrap(),
        "--group",
        "gender",
        "--vars",
        "lang_1,lang_2",
        "--missing-codes",
        "-99",
    ]);
    let labels: Vec<&str> = d["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, vec!["boy", "girl"]);
    assert_eq!(d["overall"]["variables"][1]["missing"], 2);
    let pq = fixtures.join("panel.parquet");
    let d = json(&["--data", pq.to_str().unwrap()]);
    // school (text) is not described; gender (boolean) is, as 0/1.
    assert_eq!(
        d["variables"],
        serde_json::json!(["id", "teacher", "gender", "lang_1", "lang_2", "close_1"])
    );
    assert_eq!(d["overall"]["variables"][2]["mean"], 0.5);
}
