//! Issue #13 from the command line: each bad model or data file gives exit status 1 and one
//! line on stderr (no panic, no stack overflow), and a closed pipe ends `syntax` and
//! `describe` quietly (item 4).

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_crosslag"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tmp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("crosslag-hardening-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const DATA: &str =
    "x,y,z\n1,2,3\n2,1,5\n3,5,4\n4,3,8\n5,6,6\n6,4,9\n7,8,7\n8,7,12\n9,9,10\n10,12,11\n";

/// `crosslag fit` of `model` on `data`: the one line of stderr (status 1 asserted).
fn fit_error(name: &str, model: &str, data: &str) -> String {
    let m = tmp(&format!("{name}.lav"), model);
    let d = tmp(&format!("{name}.csv"), data);
    let out = bin()
        .args(["fit", "--model"])
        .arg(&m)
        .arg("--data")
        .arg(&d)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{name}: one line: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn model_error(name: &str, model: &str) -> String {
    fit_error(name, model, DATA)
}

#[test]
fn definition_loops_are_errors() {
    let e = model_error("self", "y ~ a*x + z\nb := b + a\n");
    assert!(e.contains("`b` refers to itself"), "{e}");
    let e = model_error("loop", "y ~ a*x + z\nb := c + a\nc := b*2\n");
    assert!(e.contains("loop: b → c → b"), "{e}");
}

#[test]
fn deep_expressions_are_errors() {
    let deep = format!(
        "y ~ a*x + z\nd := {}a{}\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let e = model_error("deep", &deep);
    assert!(e.contains("expression nested too deeply at line 2"), "{e}");
    let long = format!("y ~ a*x + z\na == 1{}\n", " + a".repeat(100_000));
    let e = model_error("long", &long);
    assert!(e.contains("more than 1000 operations in a chain"), "{e}");
    let minus = format!("y ~ a*x + z\nd := {}a\n", "-".repeat(100_000));
    assert!(model_error("minus", &minus).contains("nested too deeply"));
}

#[test]
fn unknown_labels_and_functions_are_errors() {
    let e = model_error("zz", "y ~ a*x + z\nd := a*zz\n");
    assert!(
        e.contains("unknown label `zz` in the definition `d := a*zz`"),
        "{e}"
    );
    let e = model_error("foo", "y ~ a*x + z\nd := foo(a)\n");
    assert!(e.contains("unknown function `foo`"), "{e}");
    let e = model_error("zz_constraint", "y ~ a*x + z\nzz == 1\n");
    assert!(
        e.contains("unknown label `zz` in the constraint `zz == 1`"),
        "{e}"
    );
}

#[test]
fn modifier_vectors_and_constraints() {
    let e = model_error("vector", "y ~ c(a, b)*x + z\n");
    assert!(
        e.contains(
            "wrong number of values in the modifier of `y ~ x`: 2 given, but the model has 1 group"
        ),
        "{e}"
    );
    let e = model_error("twice", "y ~ a*x + z\na == 1\na == 2\n");
    assert!(
        e.contains("contradicting constraints on `a`: `a == 1` (line 2) and `a == 2` (line 3)"),
        "{e}"
    );
}

#[test]
fn bad_csv_files_are_one_line_errors() {
    let model = "y ~ x + z\n";
    let e = fit_error("few", model, "x,y,z\n1,2,3\n2,1\n3,5,4\n");
    assert!(
        e.contains("line 3: 2 fields, but the header has 3; column 'z'"),
        "{e}"
    );
    let e = fit_error("inf", model, &DATA.replace("5,6,6", "5,1e309,6"));
    assert!(
        e.contains("line 6, column 'y': value '1e309' is too large"),
        "{e}"
    );
    let mut quoted = DATA.replace("3,5,4", "3,\"5,4");
    quoted.push_str(&"11,12,13\n".repeat(40));
    let e = fit_error("quote", model, &quoted);
    assert!(
        e.contains("line 4, column 3: this quote opens a field that is never closed"),
        "{e}"
    );
    assert!(e.len() < 300, "{e}");
    let e = fit_error("semicolon", model, "x;y;z\n1,5;2;3\n2;1,5;4\n");
    assert!(e.contains("the file looks semicolon-delimited"), "{e}");
    let e = fit_error("extreme", model, &DATA.replace("5,6,6", "5,1e308,6"));
    assert!(
        e.contains("line 6, variable 'y': value 1e308 is too large in magnitude"),
        "{e}"
    );
}

/// Runs `args` with stdout a pipe that is closed before the command writes: the command must
/// not panic, and ends with status 0.
fn closed_pipe(args: &[&str]) {
    let mut child = bin()
        .args(args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(status.success(), "{args:?}: {status} {stderr}");
    assert!(stderr.is_empty(), "{args:?}: quiet: {stderr}");
}

#[test]
fn closed_pipe_ends_syntax_and_describe_quietly() {
    closed_pipe(&[
        "syntax", "--family", "clpm", "--x", "close", "--y", "lang", "--waves", "4",
    ]);
    closed_pipe(&["describe", "--data", "datasets/panel_A_complete.csv"]);
}
