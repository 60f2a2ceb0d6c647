//! `crosslag transact` end to end: JSON fields, exit codes, one-line errors, atomic files, and
//! the path diagram (parsed as XML, counted against the parameter table, rendered to PNG).

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_crosslag"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn panel_a() -> String {
    root()
        .join("datasets/panel_A_complete.csv")
        .display()
        .to_string()
}

fn tmp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("transact-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    bin().arg("transact").args(args).output().unwrap()
}

/// `crosslag transact` on the bundled teacher–child panel (close, lang, 4 waves) with more
/// arguments.
fn run_a(extra: &[&str]) -> Output {
    let data = panel_a();
    let mut args = vec![
        "--data",
        data.as_str(),
        "--x",
        "close",
        "--y",
        "lang",
        "--waves",
        "4",
    ];
    args.extend(extra);
    run(&args)
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// The error message: exactly one line on stderr.
fn one_line_error(out: &Output) -> String {
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}

#[test]
fn json_output_has_the_analysis() {
    let out = run_a(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["x"], "close");
    assert_eq!(v["y"], "lang");
    assert_eq!(v["nobs"][0], 1000);
    assert_eq!(v["alpha"], 0.05);
    // verdict
    let verdict = &v["verdict"];
    assert_eq!(verdict["model"], "riclpm");
    assert_eq!(verdict["conclusion"], "transactional");
    assert_eq!(verdict["label"], "transactional");
    assert!(verdict["summary"]
        .as_str()
        .unwrap()
        .starts_with("transactional"));
    assert!(verdict["details"].as_array().unwrap().len() >= 5);
    assert!(verdict["warnings"].as_array().unwrap().is_empty());
    // comparison
    let cmp = &v["comparison"];
    assert_eq!(cmp["preferred"], "riclpm");
    let cb = &cmp["chibar"];
    assert_eq!(cb["k"], 2);
    assert_eq!(cb["u"], 1);
    assert_eq!(cb["df"], 3);
    assert_eq!(cb["method"], "closed-form");
    let w: Vec<f64> = cb["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(w.len(), 3);
    assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12 && (w[1] - 0.5).abs() < 1e-12);
    for key in [
        "statistic",
        "pvalue",
        "critical_value",
        "sampling_cov",
        "parameters",
    ] {
        assert!(!cb[key].is_null(), "chibar.{key}");
    }
    assert_eq!(cmp["naive"]["df"], 3.0);
    // models
    let models = v["models"].as_array().unwrap();
    assert_eq!(models.len(), 2);
    assert_eq!(models[0]["name"], "CLPM");
    assert_eq!(models[1]["name"], "RI-CLPM");
    let ri = &models[1];
    // lavaan: case02 chisq 14.7718, df 9
    assert!((ri["fit"]["chisq"].as_f64().unwrap() - 14.771793464731786).abs() < 1e-6);
    for key in ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr"] {
        assert!(ri["fit"][key].is_number(), "fit.{key}");
    }
    let g = &ri["groups"][0];
    for dir in ["x_to_y", "y_to_x"] {
        let d = &g[dir];
        assert_eq!(d["effects"].as_array().unwrap().len(), 3);
        for key in [
            "est",
            "se",
            "z",
            "pvalue",
            "ci_lower",
            "ci_upper",
            "std_all",
            "from_wave",
            "to_wave",
        ] {
            assert!(!d["effects"][0][key].is_null(), "{dir}.effects[0].{key}");
        }
        assert_eq!(d["wald"]["df"], 3);
        assert_eq!(d["lrt"]["df"], 3.0);
        assert_eq!(d["significant"], true);
        assert!(d["lrt"]["restricted_syntax"]
            .as_str()
            .unwrap()
            .contains("0*w_"));
    }
    assert_eq!(g["x_to_y"]["effects"][0]["lhs"], "w_lang_2");
    assert_eq!(g["x_to_y"]["effects"][0]["rhs"], "w_close_1");
    assert_eq!(g["autoregressive_x"].as_array().unwrap().len(), 3);
    assert!(g["between"]["correlation"].as_f64().unwrap() > 0.0);
    assert!(ri["syntax"]
        .as_str()
        .unwrap()
        .contains("RI_close =~ 1*close_1"));
    assert!(ri["parameters"].as_array().unwrap().len() > 40);
}

#[test]
fn curran_with_a_wave_pattern_and_fiml() {
    let csv = root().join("datasets/curran_reading_antisocial.csv");
    let out = run(&[
        "--data",
        csv.to_str().unwrap(),
        "--x",
        "anti",
        "--y",
        "read",
        "--waves",
        "4",
        "--wave-pattern",
        "{stem}{wave}",
        "--constrain",
        "lagged",
        "--missing",
        "ml",
        "--format",
        "json",
    ]);
    let v = json(&out);
    let ri = &v["models"][1];
    // README: RI-CLPM with lagged paths equal over time, χ²(17) = 83.78
    assert!((ri["fit"]["chisq"].as_f64().unwrap() - 83.78).abs() < 0.006);
    assert_eq!(ri["fit"]["df"], 17.0);
    assert_eq!(v["verdict"]["conclusion"], "no-lagged-effects");
    assert_eq!(v["missing"], "ml");
}

#[test]
fn table_output_reads_as_a_report() {
    let out = run_a(&["--model", "riclpm"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for s in [
        "Verdict (RI-CLPM",
        "transactional",
        "Cross-lagged effects",
        "Autoregressive effects",
        "Random intercepts",
        "w_close_1 → w_lang_2",
        "Wald χ²(3)",
    ] {
        assert!(text.contains(s), "missing {s}\n{text}");
    }
    assert!(
        !text.contains("CLPM versus RI-CLPM"),
        "one model: no comparison"
    );
}

#[test]
fn errors_are_one_line_with_exit_code_1() {
    // a construct whose columns are not in the data
    let out = run(&[
        "--data",
        &panel_a(),
        "--x",
        "clse",
        "--y",
        "lang",
        "--waves",
        "4",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = one_line_error(&out);
    assert!(
        err.contains("--x clse") && err.contains("clse_1") && err.contains("did you mean close_1"),
        "{err}"
    );
    // a wave that does not exist
    let out = run(&[
        "--data",
        &panel_a(),
        "--x",
        "close",
        "--y",
        "lang",
        "--waves",
        "5",
    ]);
    let err = one_line_error(&out);
    assert!(err.contains("close_5"), "{err}");
    // bad options
    let data = panel_a();
    for args in [
        vec!["--alpha", "1.5"],
        vec!["--constrain", "lagged,sideways"],
        vec!["--wave-pattern", "{stem}"],
        vec!["--covariate", "gendr"],
        vec!["--group", "nosuchcolumn"],
    ] {
        let mut all = vec![
            "--data",
            data.as_str(),
            "--x",
            "close",
            "--y",
            "lang",
            "--waves",
            "4",
        ];
        all.extend(args.iter());
        let out = run(&all);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        one_line_error(&out);
    }
    // a missing data file
    let out = run(&[
        "--data",
        "/nonexistent/panel.csv",
        "--x",
        "close",
        "--y",
        "lang",
        "--waves",
        "4",
    ]);
    assert_eq!(out.status.code(), Some(1));
    one_line_error(&out);
    // usage errors are clap's (exit code 2)
    let out = run(&["--data", &panel_a(), "--x", "close", "--y", "lang"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn output_and_diagram_files_are_written_whole() {
    let dir = tmp_dir("files");
    let json_path = dir.join("transact.json");
    let svg_path = dir.join("transact.svg");
    let out = run_a(&[
        "--format",
        "json",
        "--output",
        json_path.to_str().unwrap(),
        "--diagram",
        svg_path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(v["verdict"]["conclusion"], "transactional");
    assert!(std::fs::read_to_string(&svg_path)
        .unwrap()
        .starts_with("<svg"));
    // nothing else is left in the folder (no temporary files)
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["transact.json", "transact.svg"]);
    // a diagram that cannot be written: one line, and no output file either
    let bad = dir.join("missing-folder/fig.svg");
    let out = run_a(&["--diagram", bad.to_str().unwrap()]);
    one_line_error(&out);
}

/// The variables and paths the diagram must show: every `=~`, `~` between model variables of
/// the panel, and `~~` between two different ones, per group.
fn expected_graph(model: &Value, covariates: &[String]) -> (usize, usize) {
    let lay = &model["layout"];
    let mut vars: Vec<String> = covariates.to_vec();
    for c in ["x", "y"] {
        for key in ["observed", "within"] {
            for v in lay[c][key].as_array().unwrap() {
                let v = v.as_str().unwrap().to_string();
                if !vars.contains(&v) {
                    vars.push(v);
                }
            }
        }
        if let Some(ri) = lay[c]["intercept"].as_str() {
            vars.push(ri.to_string());
        }
    }
    let ngroups = model["groups"].as_array().unwrap().len();
    let edges = model["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            let (l, op, rh) = (
                r["lhs"].as_str().unwrap(),
                r["op"].as_str().unwrap(),
                r["rhs"].as_str().unwrap(),
            );
            vars.iter().any(|v| v == l)
                && vars.iter().any(|v| v == rh)
                && (op == "=~" || op == "~" || (op == "~~" && l != rh))
        })
        .count();
    (vars.len() * ngroups, edges)
}

fn render_png(svg: &str, path: &std::path::Path) -> usize {
    let mut opt = resvg::usvg::Options::default();
    opt.fontdb_mut().load_system_fonts();
    let tree = resvg::usvg::Tree::from_str(svg, &opt).expect("resvg parses the SVG");
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    pixmap.save_png(path).unwrap();
    // dark pixels: lines, arrowheads, text
    pixmap
        .data()
        .chunks(4)
        .filter(|p| p[0] < 128 && p[3] > 0)
        .count()
}

fn diagram_case(name: &str, extra: &[&str]) -> (Value, String) {
    let dir = tmp_dir(name);
    let svg_path = dir.join(format!("{name}.svg"));
    let data = panel_a();
    let mut args = vec![
        "--data",
        data.as_str(),
        "--x",
        "close",
        "--y",
        "lang",
        "--waves",
        "4",
        "--format",
        "json",
    ];
    args.extend(extra);
    args.extend(["--diagram", svg_path.to_str().unwrap()]);
    let v = json(&run(&args));
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    (v, svg)
}

fn check_graph(v: &Value, svg: &str, family: &str, name: &str) -> PathBuf {
    let doc = roxmltree::Document::parse(svg).expect("the diagram is well-formed XML");
    let class = |c: &str| {
        doc.descendants()
            .filter(|n| n.attribute("class") == Some(c))
            .count()
    };
    let model = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["family"] == family)
        .unwrap();
    let covariates: Vec<String> = v["covariates"]
        .as_array()
        .map(|a| a.iter().map(|c| c.as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    let (nodes, edges) = expected_graph(model, &covariates);
    assert_eq!(class("node"), nodes, "one node per variable (and group)");
    assert_eq!(class("edge"), edges, "one edge per path");
    // every edge joins two drawn nodes of its group
    let node_keys: Vec<(String, String)> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("node"))
        .map(|n| {
            (
                n.attribute("data-var").unwrap().to_string(),
                n.attribute("data-group").unwrap().to_string(),
            )
        })
        .collect();
    for e in doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("edge"))
    {
        let g = e.attribute("data-group").unwrap().to_string();
        for end in ["data-from", "data-to"] {
            let key = (e.attribute(end).unwrap().to_string(), g.clone());
            assert!(node_keys.contains(&key), "{key:?}");
        }
    }
    // significant paths solid, others dashed
    let dashed = doc
        .descendants()
        .filter(|n| n.attribute("stroke-dasharray").is_some())
        .count();
    let not_significant = model["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["free"].as_u64().unwrap() > 0 && r["pvalue"].as_f64().is_some_and(|p| p >= 0.05)
        })
        .filter(|r| r["op"] == "~" || (r["op"] == "~~" && r["lhs"] != r["rhs"]))
        .count();
    assert_eq!(
        dashed,
        not_significant + 1,
        "dashed paths (and the legend's sample)"
    );
    let png =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("transact-diagram-{name}.png"));
    let dark = render_png(svg, &png);
    assert!(dark > 2000, "{dark} dark pixels");
    png
}

#[test]
fn diagram_has_a_node_per_variable_and_an_edge_per_path() {
    let (v, svg) = diagram_case("riclpm", &[]);
    let png = check_graph(&v, &svg, "riclpm", "riclpm");
    // 2 RIs + 8 observed + 8 within; 8 + 8 loadings, 12 lagged effects, 4 within-wave and 1
    // RI covariance
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert_eq!(
        doc.descendants()
            .filter(|n| n.attribute("class") == Some("node"))
            .count(),
        18
    );
    assert_eq!(
        doc.descendants()
            .filter(|n| n.attribute("class") == Some("edge"))
            .count(),
        33
    );
    println!("RI-CLPM diagram: {}", png.display());

    let (v, svg) = diagram_case("clpm", &["--model", "clpm"]);
    let png = check_graph(&v, &svg, "clpm", "clpm");
    println!("CLPM diagram: {}", png.display());

    let (v, svg) = diagram_case("groups", &["--model", "riclpm", "--group", "ses_low"]);
    let png = check_graph(&v, &svg, "riclpm", "groups");
    println!("two-group diagram: {}", png.display());

    // a covariate: one more node, and an edge to each of the 8 scores it predicts
    let (v, svg) = diagram_case("covariate", &["--model", "riclpm", "--covariate", "gender"]);
    let png = check_graph(&v, &svg, "riclpm", "covariate");
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let from_gender = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("edge"))
        .filter(|n| n.attribute("data-from") == Some("gender"))
        .count();
    assert_eq!(from_gender, 8);
    println!("diagram with a covariate: {}", png.display());
}
