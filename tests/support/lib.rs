//! Shared helpers for the whole-program tests: load a lavaan reference case
//! (`tests/fixtures/lavaan/case*.json`), build the data and options lavaan used, and compare
//! crosslag's results with lavaan's under the tolerances of tests/fixtures/lavaan/README.md.

use crosslag_sem::{Data, EntryPoint, FitOptions, FitResult, GroupEqual, ParameterRow};
use ndarray::{Array1, Array2};
use serde_json::Value;
use std::path::PathBuf;

/// The folder of the lavaan reference cases: the repository's `tests/fixtures/lavaan/`
/// (see its README), or `$CROSSLAG_REFERENCE` when set to another folder with the same files.
pub fn reference_dir() -> PathBuf {
    match std::env::var_os("CROSSLAG_REFERENCE") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lavaan"),
    }
}

/// The repository's bundled data sets (`datasets/`, see its README).
pub fn datasets_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("datasets")
}

/// A reference case: lavaan's results, and the syntax, data and options to reproduce them.
pub struct Case {
    pub name: String,
    pub json: Value,
    pub syntax: String,
    pub options: FitOptions,
    pub data: Data,
}

/// Read a reference case and prepare everything to fit it as lavaan did.
pub fn load_case(name: &str) -> Case {
    let path = reference_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: Value = serde_json::from_str(&text).expect("reference JSON");
    let syntax = json["lavaan_syntax"].as_str().expect("syntax").to_string();
    let mut options = FitOptions::default();
    options.model.entry = json["lavaan_function"]
        .as_str()
        .unwrap_or("sem")
        .parse::<EntryPoint>()
        .expect("lavaan function");
    let passed = json["options_passed"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut group: Option<String> = None;
    let mut cluster: Option<String> = None;
    for (k, v) in &passed {
        match k.as_str() {
            "meanstructure" => options.model.meanstructure = v.as_bool(),
            "int.ov.free" => options.model.int_ov_free = v.as_bool(),
            "missing" => {
                options.estimation.missing = v.as_str().unwrap_or("").parse().expect("missing")
            }
            "estimator" => {
                options.estimation.estimator = v.as_str().unwrap_or("").parse().expect("estimator")
            }
            "group" => group = v.as_str().map(String::from),
            "cluster" => cluster = v.as_str().map(String::from),
            "group.equal" => {
                let list: Vec<String> = match v {
                    Value::Array(a) => a
                        .iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect(),
                    Value::String(s) => vec![s.clone()],
                    _ => vec![],
                };
                options.model.group_equal = list
                    .iter()
                    .map(|s| s.parse::<GroupEqual>().expect("group.equal"))
                    .collect();
            }
            "sample.cov" | "sample.mean" | "sample.nobs" => {}
            other => panic!("{name}: option {other} not mapped"),
        }
    }
    let vars = crosslag_sem::model_variables(&syntax).expect("model variables");
    let data = if passed.contains_key("sample.cov") {
        let si = &json["summary_input"];
        let names: Vec<String> = si["sample.cov"]["names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let p = names.len();
        let m = &si["sample.cov"]["matrix"];
        let cov = Array2::from_shape_fn((p, p), |(i, j)| m[i][j].as_f64().unwrap());
        let mean = Array1::from_shape_fn(p, |i| si["sample.mean"]["values"][i].as_f64().unwrap());
        let n = si["sample.nobs"].as_u64().unwrap() as usize;
        Data::Moments {
            names,
            groups: vec![(cov, Some(mean), n)],
            group_labels: vec![],
        }
    } else {
        let csv = reference_dir().join(json["data"].as_str().unwrap());
        load_raw(&csv, &vars, group.as_deref(), cluster.as_deref())
    };
    Case {
        name: name.to_string(),
        json,
        syntax,
        options,
        data,
    }
}

/// Read a CSV with crosslag-data and select the model variables.
pub fn load_raw(
    csv: &std::path::Path,
    vars: &[String],
    group: Option<&str>,
    cluster: Option<&str>,
) -> Data {
    let df = crosslag_data::read_frame(csv, &Default::default()).expect("read data");
    let md = crosslag_data::select(
        &df,
        &crosslag_data::Selection {
            variables: vars,
            group,
            cluster,
        },
        "data.csv",
    )
    .expect("select");
    Data::Raw {
        names: md.names,
        values: md.values,
        group: md.group,
        group_labels: md.group_labels,
        cluster: md.cluster,
    }
}

/// Fit a reference case.
pub fn fit_case(case: &Case) -> FitResult {
    crosslag_sem::fit(&case.syntax, &case.data, &case.options)
        .unwrap_or_else(|e| panic!("{}: {e}", case.name))
}

/// |a − b| ≤ rel · max(floor, |b|).
pub fn close(a: f64, b: f64, rel: f64, floor: f64) -> bool {
    (a - b).abs() <= rel * floor.max(b.abs())
}

fn find<'a>(res: &'a FitResult, r: &Value) -> Option<&'a ParameterRow> {
    let op = r["op"].as_str().unwrap();
    let lhs = r["lhs"].as_str().unwrap();
    let rhs = r["rhs"].as_str().unwrap_or("");
    let group = r["group"].as_u64().unwrap_or(1) as usize;
    res.parameters.iter().find(|p| {
        p.op.as_str() == op && p.lhs == lhs && (op == ":=" || (p.rhs == rhs && p.group == group))
    })
}

/// Compare every row of `case.json[key]` (lavaan's parameterEstimates) with ours:
/// estimates and standardized values to 1e-4·max(1,|ref|), SE and z to 1e-3·max(0.01,|ref|).
/// Returns the largest relative difference of (est, se).
pub fn assert_parameters(case: &Case, res: &FitResult, key: &str) -> (f64, f64) {
    let mut worst = (0.0f64, 0.0f64);
    let rows = case.json[key]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no {key}", case.name));
    for r in rows {
        let mine = find(res, r).unwrap_or_else(|| {
            panic!(
                "{}: parameter {} {} {} missing",
                case.name, r["lhs"], r["op"], r["rhs"]
            )
        });
        let what = format!(
            "{}: {} {} {} (group {})",
            case.name, r["lhs"], r["op"], r["rhs"], r["group"]
        );
        let est = r["est"].as_f64().unwrap();
        assert!(
            close(mine.estimate.est, est, 1e-4, 1.0),
            "{what} est {} vs lavaan {est}",
            mine.estimate.est
        );
        worst.0 = worst
            .0
            .max((mine.estimate.est - est).abs() / est.abs().max(1.0));
        for (field, ours) in [("std_lv", mine.std_lv), ("std_all", mine.std_all)] {
            match (r[field].as_f64(), ours) {
                (Some(v), Some(o)) => {
                    assert!(close(o, v, 1e-4, 1.0), "{what} {field} {o} vs lavaan {v}")
                }
                (None, Some(o)) => assert!(!o.is_finite(), "{what} {field} {o} vs lavaan NA"),
                (Some(v), None) => panic!("{what} {field} missing (lavaan {v})"),
                (None, None) => {}
            }
        }
        let free = r["free"].as_u64().unwrap_or(0) > 0 || r["op"] == ":=";
        if free {
            let se = r["se"].as_f64().unwrap();
            let mse = mine.estimate.se.unwrap_or(f64::NAN);
            assert!(close(mse, se, 1e-3, 0.01), "{what} se {mse} vs lavaan {se}");
            worst.1 = worst.1.max((mse - se).abs() / se.abs().max(0.01));
            if let Some(z) = r["z"].as_f64() {
                let mz = mine.estimate.z.unwrap_or(f64::NAN);
                assert!(close(mz, z, 1e-3, 0.01), "{what} z {mz} vs lavaan {z}");
            }
        }
    }
    worst
}

/// Names of fit measures whose values are indices in [0, 1] (compared absolutely).
const UNIT: &[&str] = &[
    "pvalue",
    "baseline.pvalue",
    "cfi",
    "tli",
    "nnfi",
    "rfi",
    "nfi",
    "pnfi",
    "ifi",
    "rni",
    "rmsea",
    "rmsea.ci.lower",
    "rmsea.ci.upper",
    "rmsea.ci.level",
    "rmsea.pvalue",
    "rmsea.close.h0",
    "rmsea.notclose.pvalue",
    "rmsea.notclose.h0",
    "srmr",
    "srmr_bentler",
    "srmr_bentler_nomean",
    "crmr",
    "crmr_nomean",
    "srmr_mplus",
    "srmr_mplus_nomean",
    "gfi",
    "agfi",
    "pgfi",
    "mfi",
];

/// Compare every fit measure lavaan reports: chi-square-like values to 1e-4 relative,
/// indices in [0, 1] to 1e-4 absolute.
pub fn assert_fit_measures(case: &Case, res: &FitResult) {
    let reference = case.json["fit"].as_object().expect("fit");
    for (name, v) in reference {
        let mine = res.fit.0.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
        let mine = mine.unwrap_or_else(|| panic!("{}: fit measure {name} missing", case.name));
        match (v.as_f64(), mine) {
            (None, m) => assert!(
                m.is_none_or(|x| !x.is_finite()),
                "{}: {name} {m:?} vs lavaan NA",
                case.name
            ),
            (Some(r), Some(m)) => {
                let ok = if UNIT.contains(&name.as_str())
                    || name.ends_with(".scaled")
                    || name.ends_with(".robust") && r.abs() <= 1.0
                {
                    (m - r).abs() <= 1e-4
                } else {
                    close(m, r, 1e-4, 1.0)
                };
                assert!(ok, "{}: {name} {m} vs lavaan {r}", case.name);
            }
            (Some(r), None) => panic!("{}: {name} is NA, lavaan {r}", case.name),
        }
    }
}
