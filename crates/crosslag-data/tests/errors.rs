//! Each bad input gives its one-line message (asserted in full) and never a panic.

mod common;
use common::*;
use crosslag_data::*;

fn read_err(path: &std::path::Path, opts: &ReadOptions) -> String {
    let e = read_frame(path, opts).unwrap_err().to_string();
    assert!(!e.contains('\n'), "message is one line: {e}");
    e
}

fn select_err(
    df: &DataFrame,
    vars: &[&str],
    group: Option<&str>,
    cluster: Option<&str>,
    source: &str,
) -> String {
    let vars = strings(vars);
    let e = select(
        df,
        &Selection {
            variables: &vars,
            group,
            cluster,
        },
        source,
    )
    .unwrap_err()
    .to_string();
    assert!(!e.contains('\n'), "message is one line: {e}");
    e
}

fn csv(test: &str, content: &str) -> (DataFrame, String) {
    let name = format!("{test}.csv");
    let path = temp_file(test, &name, content.as_bytes());
    (read_frame(&path, &ReadOptions::default()).unwrap(), name)
}

#[test]
fn file_not_found() {
    let e = read_err(
        std::path::Path::new("no/such/panel.csv"),
        &ReadOptions::default(),
    );
    assert_eq!(
        e,
        "data file no/such/panel.csv not found; check the path and the working directory"
    );
    let e = read_matrix_csv(std::path::Path::new("no/such/cov.csv"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "data file no/such/cov.csv not found; check the path and the working directory"
    );
}

#[test]
fn directory_instead_of_file() {
    let dir = temp_file("dir", "x.csv", b"a\n1\n");
    let dir = dir.parent().unwrap();
    let e = read_err(dir, &ReadOptions::default());
    assert!(e.starts_with("cannot read "), "{e}");
    assert!(e.ends_with(": it is a directory, not a data file"), "{e}");
}

#[test]
fn unsupported_extension() {
    let p = temp_file("ext", "panel.xlsx", b"PK\x03\x04");
    assert_eq!(
        read_err(&p, &ReadOptions::default()),
        "panel.xlsx: unsupported file type '.xlsx'; use .csv, .parquet/.pq, .dta or .sav"
    );
    let p = temp_file("ext", "panel", b"a,b\n1,2\n");
    assert_eq!(
        read_err(&p, &ReadOptions::default()),
        "panel: unsupported file type '(none)'; use .csv, .parquet/.pq, .dta or .sav"
    );
}

#[test]
fn not_a_csv() {
    let p = temp_file(
        "notcsv",
        "binary.csv",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    );
    assert_eq!(
        read_err(&p, &ReadOptions::default()),
        "binary.csv is not a readable CSV file: it contains binary data (NUL bytes); save the data as comma-separated text"
    );
    let p = temp_file("notcsv", "latin1.csv", b"name,x\nJos\xe9,1\n");
    assert_eq!(
        read_err(&p, &ReadOptions::default()),
        "latin1.csv is not a readable CSV file: line 2 is not valid UTF-8 text; save the file with UTF-8 encoding"
    );
    let p = temp_file("notcsv", "empty.csv", b"\n\n");
    assert_eq!(
        read_err(&p, &ReadOptions::default()),
        "empty.csv is not a readable CSV file: the file is empty"
    );
    let p = temp_file("notcsv", "semi.csv", b"a;b;c\n1;2;3\n");
    assert_eq!(
        read_err(&p, &ReadOptions::default()),
        "semi.csv is not a readable CSV file: the header has one column separated by semicolons; crosslag reads comma-separated files"
    );
    let p = temp_file("notcsv", "ragged.csv", b"a,b\n1,2\n3,4,5,6\n");
    let e = read_err(&p, &ReadOptions::default());
    assert!(
        e.starts_with("ragged.csv is not a readable CSV file: "),
        "{e}"
    );
}

#[test]
fn header_only() {
    let p = temp_file("hdr", "hdr.csv", b"a,b\n");
    assert_eq!(
        read_err(&p, &ReadOptions::default()),
        "hdr.csv has no data rows; a header line followed by one line per case is needed"
    );
}

#[test]
fn duplicate_column_names() {
    let p = temp_file("dupcol", "dup.csv", b"a,b,a\n1,2,3\n");
    assert_eq!(
        read_err(&p, &ReadOptions::default()),
        "dup.csv: column name 'a' appears twice; give every column a distinct name"
    );
}

#[test]
fn damaged_binary_files() {
    let p = temp_file("damaged", "bad.parquet", b"this is not parquet at all");
    let e = read_err(&p, &ReadOptions::default());
    assert!(
        e.starts_with("bad.parquet is not a readable Parquet file: "),
        "{e}"
    );
    let p = temp_file("damaged", "bad.dta", b"<stata_dta><header>garbage");
    let e = read_err(&p, &ReadOptions::default());
    assert!(
        e.starts_with("bad.dta is not a readable Stata file: "),
        "{e}"
    );
    // A truncated real file.
    let bytes = std::fs::read(fixture("panel.dta")).unwrap();
    let p = temp_file("damaged", "cut.dta", &bytes[..bytes.len() / 2]);
    let e = read_err(&p, &ReadOptions::default());
    assert!(
        e.starts_with("cut.dta is not a readable Stata file: "),
        "{e}"
    );
    let bytes = std::fs::read(fixture("panel.parquet")).unwrap();
    let p = temp_file("damaged", "cut.parquet", &bytes[..bytes.len() / 2]);
    let e = read_err(&p, &ReadOptions::default());
    assert!(
        e.starts_with("cut.parquet is not a readable Parquet file: "),
        "{e}"
    );
}

#[test]
fn unsupported_parquet_column_type() {
    assert_eq!(
        read_err(&fixture("dates.parquet"), &ReadOptions::default()),
        "dates.parquet: column 'when' has type Date32, which crosslag cannot read; drop the column or convert it to numbers or text before saving"
    );
}

#[cfg(feature = "spss")]
#[test]
fn damaged_spss_file() {
    let p = temp_file("damaged", "bad.sav", b"$FL2 not really spss");
    let e = read_err(&p, &ReadOptions::default());
    assert!(
        e.starts_with("bad.sav is not a readable SPSS file: "),
        "{e}"
    );
    let bytes = std::fs::read(fixture("panel.sav")).unwrap();
    let p = temp_file("damaged", "cut.sav", &bytes[..bytes.len() / 2]);
    let e = read_err(&p, &ReadOptions::default());
    assert!(
        e.starts_with("cut.sav is not a readable SPSS file: "),
        "{e}"
    );
}

#[test]
fn unknown_variable_with_suggestions() {
    let df = read_frame(&dataset("panel_A_complete.csv"), &ReadOptions::default()).unwrap();
    assert_eq!(
        select_err(&df, &["close_1", "lang1"], None, None, "panel.csv"),
        "variable 'lang1' is not in panel.csv; did you mean lang_1, lang_2, lang_3?"
    );
    assert_eq!(
        select_err(&df, &["wellbeing"], None, None, "panel.csv"),
        "variable 'wellbeing' is not in panel.csv"
    );
    assert_eq!(
        select_err(&df, &["Close_2"], None, None, "panel.csv"),
        "variable 'Close_2' is not in panel.csv; did you mean close_2, close_1, close_3?"
    );
}

#[test]
fn group_or_cluster_column_missing() {
    let df = read_frame(&dataset("panel_A_complete.csv"), &ReadOptions::default()).unwrap();
    assert_eq!(
        select_err(&df, &["lang_1"], Some("ses"), None, "panel.csv"),
        "group column 'ses' is not in panel.csv; did you mean ses_low?"
    );
    assert_eq!(
        select_err(&df, &["lang_1"], None, Some("teachers"), "panel.csv"),
        "cluster column 'teachers' is not in panel.csv; did you mean teacher?"
    );
}

#[test]
fn non_numeric_value_names_line_and_column() {
    let (df, name) = csv("nonnum", "id,x,y\n1,2.5,3\n2,abc,4\n3,1,n/a\n");
    assert_eq!(
        select_err(&df, &["y", "x"], None, None, &name),
        "nonnum.csv, line 4, column 'y': value 'n/a' is not a number; fix it, or declare it missing (e.g. --missing-codes n/a)"
    );
    assert_eq!(
        select_err(&df, &["x"], None, None, &name),
        "nonnum.csv, line 3, column 'x': value 'abc' is not a number; fix it, or declare it missing (e.g. --missing-codes abc)"
    );
    // Non-CSV sources give the data row.
    assert_eq!(
        select_err(&df, &["x"], None, None, "data.parquet"),
        "data.parquet, row 2, column 'x': value 'abc' is not a number; fix it, or declare it missing (e.g. --missing-codes abc)"
    );
    // Declared missing, the column is numeric.
    let p = temp_file("nonnum", "ok.csv", b"id,x\n1,2.5\n2,abc\n3,1\n");
    let df = read_frame(
        &p,
        &ReadOptions {
            missing_codes: strings(&["abc"]),
            long: None,
        },
    )
    .unwrap();
    let vars = strings(&["x"]);
    let md = select(
        &df,
        &Selection {
            variables: &vars,
            group: None,
            cluster: None,
        },
        "ok.csv",
    )
    .unwrap();
    assert!(md.values[[1, 0]].is_nan());
}

#[test]
fn all_missing_and_constant_variables() {
    let (df, name) = csv(
        "degenerate",
        "g,x,y,z\n1,NA,5,1\n1,,5,2\n2,NA,5,3\n2,NA,NA,3\n",
    );
    assert_eq!(
        select_err(&df, &["z", "x"], None, None, &name),
        "variable 'x' in degenerate.csv is missing in every row; drop it from the model or check the missing-value codes"
    );
    assert_eq!(
        select_err(&df, &["z", "y"], None, None, &name),
        "variable 'y' in degenerate.csv is constant (5 in all 3 observed rows); a variable without variance cannot be modelled, drop it"
    );
    // z varies overall but not within group 2.
    assert_eq!(
        select_err(&df, &["z"], Some("g"), None, &name),
        "variable 'z' in degenerate.csv is constant (3 in all 2 observed rows of group '2' of 'g'); a variable without variance cannot be modelled, drop it"
    );
}

#[test]
fn group_with_too_few_complete_cases() {
    let (df, name) = csv(
        "fewcases",
        "school,a,b,c\nA,1,2,3\nA,2,3,1\nA,3,1,2\nA,4,4,5\nB,1,2,3\nB,2,NA,4\nB,3,1,\n",
    );
    assert_eq!(
        select_err(&df, &["a", "b", "c"], Some("school"), None, &name),
        "fewcases.csv: group 'B' of 'school' has 1 complete cases for 3 variables; at least 3 are needed (merge small groups or select fewer variables)"
    );
}

#[test]
fn duplicate_or_missing_long_keys() {
    let long = |test: &str, content: &str| {
        let p = temp_file(test, "long.csv", content.as_bytes());
        read_err(
            &p,
            &ReadOptions {
                missing_codes: vec![],
                long: Some(LongSpec {
                    id: "id".into(),
                    wave: "wave".into(),
                }),
            },
        )
    };
    assert_eq!(
        long("dupkey", "id,wave,x\n1,1,5\n1,2,6\n2,1,7\n1,2,8\n"),
        "long.csv: id 1 has two rows for wave 2 (line 3 and line 5); each (id, wave) pair must appear once in long data"
    );
    assert_eq!(
        long("nokey", "id,wave,x\n1,1,5\n,2,6\n"),
        "long.csv, line 3: the id column 'id' is empty; every row of long data needs an id and a wave"
    );
    assert_eq!(
        long("nowave", "id,wave,x\n1,1,5\n1,NA,6\n"),
        "long.csv, line 3: the wave column 'wave' is empty; every row of long data needs an id and a wave"
    );
    assert_eq!(
        long("nocol", "id,time,x\n1,1,5\n"),
        "wave column 'wave' is not in long.csv"
    );
    // The generated x_1 clashes with an id column named x_1.
    let p = temp_file("clash", "long.csv", b"x_1,wave,x\n1,1,5\n");
    let e = read_frame(
        &p,
        &ReadOptions {
            missing_codes: vec![],
            long: Some(LongSpec {
                id: "x_1".into(),
                wave: "wave".into(),
            }),
        },
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "long.csv: column name 'x_1 (made by the long-to-wide reshape)' appears twice; give every column a distinct name"
    );
    // A column x_1 next to x does not clash: it becomes x_1_1.
    let p = temp_file("noclash", "long.csv", b"id,wave,x,x_1\n1,1,5,6\n");
    let opts = ReadOptions {
        missing_codes: vec![],
        long: Some(LongSpec {
            id: "id".into(),
            wave: "wave".into(),
        }),
    };
    assert_eq!(
        column_names(&read_frame(&p, &opts).unwrap()),
        strings(&["id", "x_1", "x_1_1"])
    );
}

#[test]
fn selection_mistakes() {
    let (df, name) = csv("selection", "a,b\n1,2\n3,5\n");
    assert_eq!(
        select_err(&df, &[], None, None, &name),
        "no variables selected from selection.csv; name at least one column"
    );
    assert_eq!(
        select_err(&df, &["a", "b", "a"], None, None, &name),
        "variable 'a' is selected twice; list each variable once"
    );
}

#[test]
fn matrix_csv_errors() {
    let m = |test: &str, content: &str| {
        let p = temp_file(test, "cov.csv", content.as_bytes());
        read_matrix_csv(&p).unwrap_err().to_string()
    };
    assert_eq!(m("m1", "x,y\n1,0.5\n0.5,NA\n"), "cov.csv, line 3, column 'y': 'NA' is not a number; summary statistics cannot have missing values");
    assert_eq!(
        m("m2", "x,y\n1,0.5,3\n"),
        "cov.csv, line 2: 3 values for 2 variables in the header"
    );
    assert_eq!(
        m("m3", "1,0.5\n0.5,1\n"),
        "cov.csv, line 1: the first row must name the variables, but it holds the number '1'"
    );
    assert_eq!(
        m("m4", "x,y\n"),
        "cov.csv, line 1: no rows of numbers after the header"
    );
    assert_eq!(
        m("m5", ""),
        "cov.csv, line 1: the file is empty; a header row of variable names is needed"
    );
    assert_eq!(
        m("m6", "x,,z\n1,2,3\n"),
        "cov.csv, line 1: header field 2 is empty; name every column"
    );
}

#[test]
fn matrix_csv_reads_covariances_means_and_r_row_names() {
    let p = temp_file("mat", "cov.csv", b"x1,\"x2\"\n2.5,0.5\n0.5,1e-1\n");
    let (names, rows) = read_matrix_csv(&p).unwrap();
    assert_eq!(names, strings(&["x1", "x2"]));
    assert_eq!(rows, vec![vec![2.5, 0.5], vec![0.5, 0.1]]);
    // R's write.csv: an empty first header field, row names in the first column.
    let p = temp_file(
        "mat",
        "rcov.csv",
        b"\"\",\"a\",\"b\"\n\"a\",1,2\n\r\n\"b\",2,5\n",
    );
    let (names, rows) = read_matrix_csv(&p).unwrap();
    assert_eq!(names, strings(&["a", "b"]));
    assert_eq!(rows, vec![vec![1.0, 2.0], vec![2.0, 5.0]]);
    let p = temp_file("mat", "means.csv", b"a,b,c\n0.1,-2,3.5\n");
    let (names, rows) = read_matrix_csv(&p).unwrap();
    assert_eq!(names.len(), 3);
    assert_eq!(rows, vec![vec![0.1, -2.0, 3.5]]);
}

#[test]
fn describe_errors() {
    let (df, name) = csv("describe_err", "g,x,t\n1,2,a\n2,3,b\n");
    let labels = ValueLabels::new();
    let e = describe_with_labels(&df, Some(&strings(&["x", "t"])), None, &labels, &name)
        .unwrap_err()
        .to_string();
    assert_eq!(e, "describe_err.csv, line 2, column 't': value 'a' is not a number; fix it, or declare it missing (e.g. --missing-codes a)");
    let e = describe(&df, Some(&strings(&["xx"])), None)
        .unwrap_err()
        .to_string();
    assert_eq!(e, "variable 'xx' is not in the data; did you mean x?");
    let e = describe(&df, None, Some("group")).unwrap_err().to_string();
    assert_eq!(e, "group column 'group' is not in the data");
}
