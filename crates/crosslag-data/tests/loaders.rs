//! Every loader gives the same numbers for the same data (fixtures written by pandas, pyarrow
//! and ReadStat: tests/fixtures/make_fixtures.py), and the long→wide reshape.

mod common;
use common::*;
use crosslag_data::*;
use ndarray::Array2;

const NAN: f64 = f64::NAN;

fn column(values: &Array2<f64>, j: usize) -> Vec<f64> {
    values.column(j).to_vec()
}

fn codes() -> ReadOptions {
    ReadOptions {
        missing_codes: strings(&["-99"]),
        long: None,
    }
}

/// The panel fixture's three variables, as the file defines them (-99 = missing).
fn check_panel(md: &ModelData, tol: f64) {
    assert_eq!(md.names, strings(&["lang_1", "lang_2", "close_1"]));
    assert_eq!(md.values.nrows(), 6);
    assert_close(
        &column(&md.values, 0),
        &[98.5, 102.0, 95.25, 110.0, 87.0, 100.0],
        0.0,
    );
    assert_close(
        &column(&md.values, 1),
        &[101.2, NAN, 97.0, NAN, 90.5, 104.0],
        0.0,
    );
    assert_close(&column(&md.values, 2), &[4.1, 3.9, NAN, 4.5, 3.2, 4.0], tol);
}

fn select_panel(df: &DataFrame, source: &str, group: Option<&str>) -> ModelData {
    let vars = strings(&["lang_1", "lang_2", "close_1"]);
    select(
        df,
        &Selection {
            variables: &vars,
            group,
            cluster: Some("teacher"),
        },
        source,
    )
    .unwrap()
}

#[test]
fn csv_missing_values_and_codes() {
    let df = read_frame(&fixture("panel.csv"), &codes()).unwrap();
    assert_eq!(
        column_names(&df),
        strings(&["id", "teacher", "gender", "school", "lang_1", "lang_2", "close_1"])
    );
    let md = select_panel(&df, "panel.csv", None);
    check_panel(&md, 0.0);
    assert_eq!(md.cluster, Some(vec![0, 0, 1, 1, 2, 2]));
    assert_eq!(md.dropped_rows, 0);
    assert_eq!(md.source, "panel.csv");

    // Without the code, -99 is an ordinary number.
    let df = read_frame(&fixture("panel.csv"), &ReadOptions::default()).unwrap();
    let md = select_panel(&df, "panel.csv", None);
    assert_eq!(md.values[[3, 1]], -99.0);
    assert!(md.values[[1, 1]].is_nan(), "NA is always missing");
    assert!(
        md.values[[2, 2]].is_nan(),
        "an empty cell is always missing"
    );
}

#[test]
fn csv_missing_code_matches_numerically_and_textually() {
    let path = temp_file(
        "codes",
        "codes.csv",
        b"a,b,c\n1,-99.0,x\n2,3,-999\n3,-999,y\n4,5,.\n",
    );
    let opts = ReadOptions {
        missing_codes: strings(&["-99", "-999", "."]),
        long: None,
    };
    let df = read_frame(&path, &opts).unwrap();
    let md = select(
        &df,
        &Selection {
            variables: &strings(&["a", "b"]),
            group: Some("c"),
            cluster: None,
        },
        "codes.csv",
    );
    // group c: x, missing, y, missing -> rows 2 and 4 dropped; b: missing, missing
    // in the kept rows -> all missing.
    let err = md.unwrap_err().to_string();
    assert_eq!(
        err,
        "variable 'b' in codes.csv is missing in every row; drop it from the model or check the missing-value codes"
    );
    let md = select(
        &df,
        &Selection {
            variables: &strings(&["a", "b"]),
            group: None,
            cluster: None,
        },
        "codes.csv",
    )
    .unwrap();
    assert_close(&column(&md.values, 1), &[NAN, 3.0, NAN, 5.0], 0.0);
}

#[test]
fn csv_group_labels_in_order_of_first_appearance() {
    let df = read_frame(&fixture("panel.csv"), &codes()).unwrap();
    let vars = strings(&["lang_1", "lang_2"]);
    let md = select(
        &df,
        &Selection {
            variables: &vars,
            group: Some("gender"),
            cluster: None,
        },
        "panel.csv",
    )
    .unwrap();
    assert_eq!(md.group_labels, strings(&["1", "0"]));
    assert_eq!(md.group, Some(vec![0, 1, 1, 0, 1, 0]));

    // Text groups; the NA school row is dropped.
    let md = select(
        &df,
        &Selection {
            variables: &vars,
            group: Some("school"),
            cluster: Some("teacher"),
        },
        "panel.csv",
    );
    // Grant-White keeps rows 2 and 4, both without lang_2.
    assert_eq!(
        md.unwrap_err().to_string(),
        "variable 'lang_2' in panel.csv is missing in every row of group 'Grant-White' of 'school'; drop it from the model or check the missing-value codes"
    );
    let one = strings(&["lang_1"]);
    let md = select(
        &df,
        &Selection {
            variables: &one,
            group: Some("school"),
            cluster: Some("teacher"),
        },
        "panel.csv",
    )
    .unwrap();
    assert_eq!(md.group_labels, strings(&["Pasteur", "Grant-White"]));
    assert_eq!(md.group, Some(vec![0, 1, 0, 1, 0]));
    assert_eq!(md.cluster, Some(vec![0, 0, 1, 1, 2]));
    assert_eq!(md.dropped_rows, 1);
    assert_close(
        &column(&md.values, 0),
        &[98.5, 102.0, 95.25, 110.0, 87.0],
        0.0,
    );
}

#[test]
fn float_group_values_print_without_decimal_point() {
    let path = temp_file(
        "floatgroup",
        "g.csv",
        b"g,x\n2.0,1\n1.0,2\n2.0,3\n1.5,4\n1.5,5\n1.0,6\n",
    );
    let df = read_frame(&path, &ReadOptions::default()).unwrap();
    let md = select(
        &df,
        &Selection {
            variables: &strings(&["x"]),
            group: Some("g"),
            cluster: None,
        },
        "g.csv",
    )
    .unwrap();
    assert_eq!(md.group_labels, strings(&["2", "1", "1.5"]));
    assert_eq!(md.group, Some(vec![0, 1, 0, 2, 2, 1]));
}

#[test]
fn parquet_written_by_pyarrow() {
    let df = read_frame(&fixture("panel.parquet"), &codes()).unwrap();
    assert_eq!(
        column_names(&df),
        strings(&["id", "teacher", "gender", "school", "lang_1", "lang_2", "close_1"])
    );
    // close_1 is float32 in the file: compare at float32 precision.
    check_panel(&select_panel(&df, "panel.parquet", None), 1e-6);
    // Boolean gender groups: true first.
    let md = select(
        &df,
        &Selection {
            variables: &strings(&["lang_1"]),
            group: Some("gender"),
            cluster: None,
        },
        "panel.parquet",
    )
    .unwrap();
    assert_eq!(md.group_labels, strings(&["1", "0"]));
}

#[test]
fn parquet_round_trip_through_polars_writer() {
    use polars::prelude::*;
    let mut df = df!(
        "wave" => [1i64, 2, 3],
        "score" => [Some(1.5f64), None, Some(-2.25)],
        "label" => ["a", "b", "a"],
    )
    .unwrap();
    let path = temp_file("pqwrite", "w.pq", b"");
    let f = std::fs::File::create(&path).unwrap();
    ParquetWriter::new(f).finish(&mut df).unwrap();
    let back = read_frame(&path, &ReadOptions::default()).unwrap();
    assert_eq!(column_names(&back), strings(&["wave", "score", "label"]));
    let md = select(
        &back,
        &Selection {
            variables: &strings(&["score", "wave"]),
            group: Some("label"),
            cluster: None,
        },
        "w.pq",
    );
    // group "b" has no score
    assert!(md
        .unwrap_err()
        .to_string()
        .contains("'score' in w.pq is missing in every row of group 'b' of 'label'"));
    let md = select(
        &back,
        &Selection {
            variables: &strings(&["score", "wave"]),
            group: None,
            cluster: None,
        },
        "w.pq",
    )
    .unwrap();
    assert_close(&column(&md.values, 0), &[1.5, NAN, -2.25], 0.0);
    assert_close(&column(&md.values, 1), &[1.0, 2.0, 3.0], 0.0);
}

#[test]
fn stata_written_by_pandas_with_value_labels() {
    let (df, labels) = read_frame_with_labels(&fixture("panel.dta"), &codes()).unwrap();
    assert_eq!(
        column_names(&df),
        strings(&["id", "teacher", "gender", "school", "lang_1", "lang_2", "close_1"])
    );
    check_panel(&select_panel(&df, "panel.dta", None), 0.0);
    assert_eq!(labels.get("gender", 0.0), Some("girl"));
    assert_eq!(labels.get("gender", 1.0), Some("boy"));
    let vars = strings(&["lang_1"]);
    let sel = Selection {
        variables: &vars,
        group: Some("gender"),
        cluster: None,
    };
    let md = select_with_labels(&df, &sel, "panel.dta", &labels).unwrap();
    assert_eq!(md.group_labels, strings(&["boy", "girl"]));
    // Without labels, the codes.
    let md = select(&df, &sel, "panel.dta").unwrap();
    assert_eq!(md.group_labels, strings(&["1", "0"]));
    // The empty school string of the last row is missing.
    let md = select(
        &df,
        &Selection {
            variables: &vars,
            group: Some("school"),
            cluster: None,
        },
        "panel.dta",
    )
    .unwrap();
    // school is a strL column in the file.
    assert_eq!(md.group_labels, strings(&["Pasteur", "Grant-White"]));
    assert_eq!(md.dropped_rows, 1);
}

#[cfg(feature = "spss")]
#[test]
fn spss_written_by_readstat_with_user_missing_and_labels() {
    // No missing codes given: -99 is declared user-missing in the file itself.
    let (df, labels) =
        read_frame_with_labels(&fixture("panel.sav"), &ReadOptions::default()).unwrap();
    assert_eq!(
        column_names(&df),
        strings(&["id", "teacher", "gender", "school", "lang_1", "lang_2", "close_1"])
    );
    check_panel(&select_panel(&df, "panel.sav", None), 1e-12);
    let vars = strings(&["lang_1"]);
    let sel = Selection {
        variables: &vars,
        group: Some("gender"),
        cluster: None,
    };
    let md = select_with_labels(&df, &sel, "panel.sav", &labels).unwrap();
    assert_eq!(md.group_labels, strings(&["boy", "girl"]));
    assert_eq!(md.group, Some(vec![0, 1, 1, 0, 1, 0]));
}

#[cfg(not(feature = "spss"))]
#[test]
fn spss_without_feature_says_how_to_enable_it() {
    let err = read_frame(&fixture("panel.sav"), &ReadOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "panel.sav: SPSS .sav files need crosslag built with the 'spss' feature (cargo install --path crates/crosslag-cli --features spss) or the data exported to CSV"
    );
}

#[test]
fn long_to_wide_orders_ids_by_appearance_and_waves_numerically() {
    let opts = ReadOptions {
        missing_codes: strings(&["-99"]),
        long: Some(LongSpec {
            id: "id".into(),
            wave: "wave".into(),
        }),
    };
    let df = read_frame(&fixture("long.csv"), &opts).unwrap();
    assert_eq!(
        column_names(&df),
        strings(&[
            "id", "lang_1", "lang_2", "lang_10", "close_1", "close_2", "close_10", "rater_1",
            "rater_2", "rater_10"
        ])
    );
    let vars = strings(&[
        "id", "lang_1", "lang_2", "lang_10", "close_1", "close_2", "close_10",
    ]);
    let md = select(
        &df,
        &Selection {
            variables: &vars,
            group: Some("rater_1"),
            cluster: None,
        },
        "long.csv",
    );
    // rater_1 groups: b (id 3), a (ids 1, 2): group b has 0 complete cases.
    assert!(md
        .unwrap_err()
        .to_string()
        .contains("group 'b' of 'rater_1'"));
    let md = select(
        &df,
        &Selection {
            variables: &vars,
            group: None,
            cluster: None,
        },
        "long.csv",
    )
    .unwrap();
    assert_close(&column(&md.values, 0), &[3.0, 1.0, 2.0], 0.0);
    assert_close(&column(&md.values, 1), &[95.25, 98.5, 102.0], 0.0);
    assert_close(&column(&md.values, 2), &[97.0, 101.2, NAN], 0.0);
    assert_close(&column(&md.values, 3), &[99.5, 103.0, NAN], 0.0);
    assert_close(&column(&md.values, 4), &[NAN, 4.1, 3.9], 0.0);
    assert_close(&column(&md.values, 5), &[3.8, 4.3, 4.0], 0.0);
    assert_close(&column(&md.values, 6), &[3.7, 4.4, NAN], 0.0);
}

#[test]
fn long_to_wide_with_text_waves_and_labels_carried_over() {
    let path = temp_file(
        "textwaves",
        "tw.csv",
        b"person,time,x\nann,pre,1\nann,post,2\nbob,post,4\nbob,pre,3\n",
    );
    let opts = ReadOptions {
        missing_codes: vec![],
        long: Some(LongSpec {
            id: "person".into(),
            wave: "time".into(),
        }),
    };
    let df = read_frame(&path, &opts).unwrap();
    assert_eq!(column_names(&df), strings(&["person", "x_post", "x_pre"]));
    let md = select(
        &df,
        &Selection {
            variables: &strings(&["x_pre", "x_post"]),
            group: Some("person"),
            cluster: None,
        },
        "tw.csv",
    );
    // one row per person: 1 complete case < 2 variables
    assert!(md.is_err());
    let md = select(
        &df,
        &Selection {
            variables: &strings(&["x_pre", "x_post"]),
            group: None,
            cluster: None,
        },
        "tw.csv",
    )
    .unwrap();
    assert_close(
        &md.values.iter().copied().collect::<Vec<_>>(),
        &[1.0, 2.0, 3.0, 4.0],
        0.0,
    );

    // Stata value labels follow a long column into its wide columns.
    let (df, labels) = read_frame_with_labels(
        &fixture("panel.dta"),
        &ReadOptions {
            missing_codes: vec![],
            long: Some(LongSpec {
                id: "id".into(),
                wave: "teacher".into(),
            }),
        },
    )
    .unwrap();
    assert_eq!(labels.get("gender_10", 1.0), Some("boy"));
    assert_eq!(labels.get("gender", 1.0), None);
    assert_eq!(df.height(), 6);
}

#[test]
fn csv_blank_lines_are_skipped_and_lines_still_named() {
    let path = temp_file(
        "blank",
        "blank.csv",
        b"id,wave,x,note\r\n1,1,5,a\r\n\r\n1,2,6,\"two\nlines\"\r\n   \r\n2,1,7,b\r\n1,2,8,c\r\n\r\n\r\n",
    );
    let df = read_frame(&path, &ReadOptions::default()).unwrap();
    assert_eq!(df.height(), 4, "blank lines are not rows");
    let md = select(
        &df,
        &Selection {
            variables: &strings(&["x"]),
            group: None,
            cluster: None,
        },
        "blank.csv",
    )
    .unwrap();
    assert_close(&column(&md.values, 0), &[5.0, 6.0, 7.0, 8.0], 0.0);
    // The reshape knows the true lines: 4 (after a blank line) and 8 (after a quoted line break
    // and another blank line).
    let err = read_frame(
        &path,
        &ReadOptions {
            missing_codes: vec![],
            long: Some(LongSpec {
                id: "id".into(),
                wave: "wave".into(),
            }),
        },
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "blank.csv: id 1 has two rows for wave 2 (line 4 and line 8); each (id, wave) pair must appear once in long data"
    );
}

#[test]
fn long_data_from_stata_names_rows() {
    // school (Pasteur, Grant-White, Pasteur, ...) as id and gender as wave: rows 3 and 5 are
    // both (Pasteur, 0).
    let err = read_frame(
        &fixture("panel.dta"),
        &ReadOptions {
            missing_codes: vec![],
            long: Some(LongSpec {
                id: "school".into(),
                wave: "gender".into(),
            }),
        },
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "panel.dta: id Pasteur has two rows for wave 0 (row 3 and row 5); each (id, wave) pair must appear once in long data"
    );
}
