//! `describe` against numbers computed independently (pandas/NumPy, see comments) on the
//! shipped Curran data, and by hand on a tiny file.

mod common;
use common::*;
use crosslag_data::*;

fn close(a: Option<f64>, b: f64) {
    let a = a.expect("a value");
    assert!((a - b).abs() < 1e-10 * b.abs().max(1.0), "{a} vs {b}");
}

fn curran() -> DataFrame {
    read_frame(
        &dataset("curran_reading_antisocial.csv"),
        &ReadOptions::default(),
    )
    .unwrap()
}

#[test]
fn curran_missing_counts_patterns_and_moments() {
    let d = describe(&curran(), None, None).unwrap();
    assert_eq!(d.n, 405);
    assert_eq!(d.variables.len(), 14, "every column is numeric");
    let missing: Vec<(String, usize)> = d
        .overall
        .variables
        .iter()
        .filter(|v| v.missing > 0)
        .map(|v| (v.name.clone(), v.missing))
        .collect();
    assert_eq!(
        missing,
        vec![
            ("anti2".to_string(), 31),
            ("anti3".to_string(), 108),
            ("anti4".to_string(), 111),
            ("read2".to_string(), 30),
            ("read3".to_string(), 130),
            ("read4".to_string(), 135)
        ]
    );
    assert_eq!(d.overall.complete_cases, 221);
    // pandas: value_counts of the observed/missing pattern strings.
    let top: Vec<(String, usize)> = d.overall.patterns[..4]
        .iter()
        .map(|p| (p.observed.iter().map(|o| o.to_string()).collect(), p.count))
        .collect();
    assert_eq!(
        top,
        vec![
            ("11111111111111".to_string(), 221),
            ("11111111001100".to_string(), 73),
            ("11111111111110".to_string(), 16),
            ("11111111111101".to_string(), 15)
        ]
    );
    assert_eq!(
        d.overall.patterns.iter().map(|p| p.count).sum::<usize>(),
        405
    );
    assert!((d.overall.patterns[0].percent - 100.0 * 221.0 / 405.0).abs() < 1e-12);

    // NumPy: mean, sd (ddof=1), g1 = m3/m2^1.5, g2 = m4/m2^2 - 3 over observed values.
    let read4 = &d.overall.variables[13];
    assert_eq!((read4.name.as_str(), read4.n), ("read4", 270));
    close(read4.mean, 5.774074074074074);
    close(read4.sd, 1.2480445947472245);
    close(read4.skewness, -0.24404672923636844);
    close(read4.kurtosis, -0.369392578747644);
    close(read4.min, 2.5);
    close(read4.max, 8.3);
    assert!((read4.percent_missing - 100.0 * 135.0 / 405.0).abs() < 1e-12);
    let anti3 = &d.overall.variables[8];
    close(anti3.skewness, 1.3165581321269026);
    close(anti3.kurtosis, 2.072559334855052);
    let momage = &d.overall.variables[3];
    close(momage.sd, 1.8766835329903624);

    // pandas DataFrame.corr (pairwise complete) and coverage by hand.
    let idx = |n: &str| d.variables.iter().position(|v| v == n).unwrap();
    close(
        d.overall.correlations[idx("anti4")][idx("read4")],
        -0.13659387374337578,
    );
    close(
        d.overall.correlations[idx("read3")][idx("read1")],
        0.5429115957313692,
    );
    close(
        Some(d.overall.coverage[idx("anti3")][idx("read4")]),
        0.6320987654320988,
    );
    close(Some(d.overall.coverage[idx("read1")][idx("read1")]), 1.0);
    close(d.overall.correlations[idx("read1")][idx("read1")], 1.0);
}

#[test]
fn curran_by_group() {
    let vars = strings(&["read1", "read4", "anti4"]);
    let d = describe(&curran(), Some(&vars), Some("male")).unwrap();
    assert_eq!(d.group.as_deref(), Some("male"));
    let labels: Vec<&str> = d.groups.iter().map(|g| g.label.as_str()).collect();
    assert_eq!(labels, vec!["0", "1"], "first row is a girl");
    assert_eq!(d.groups[0].summary.n, 202);
    assert_eq!(d.groups[1].summary.n, 203);
    close(d.groups[0].summary.variables[1].mean, 5.825757575757576);
    close(d.groups[1].summary.variables[1].mean, 5.72463768115942);
    assert_eq!(d.rows_without_group, 0);
    // Without vars, the group column itself is not described.
    let d = describe(&curran(), None, Some("male")).unwrap();
    assert!(!d.variables.contains(&"male".to_string()));
    assert_eq!(d.variables.len(), 13);
    // pandas: complete cases per group 105 (girls) and 116 (boys).
    assert_eq!(d.groups[0].summary.complete_cases, 105);
    assert_eq!(d.groups[1].summary.complete_cases, 116);
}

#[test]
fn small_file_by_hand() {
    // x: 1, 2, NA, 4   y: 2, NA, NA, 8   g: b, a, b, NA   t: text
    let p = temp_file(
        "desc_small",
        "s.csv",
        b"g,x,y,t\nb,1,2,u\na,2,NA,v\nb,,,w\n,4,8,z\n",
    );
    let df = read_frame(&p, &ReadOptions::default()).unwrap();
    let d = describe(&df, None, Some("g")).unwrap();
    assert_eq!(
        d.variables,
        strings(&["x", "y"]),
        "text columns are skipped"
    );
    let o = &d.overall;
    assert_eq!(o.n, 4);
    assert_eq!(o.complete_cases, 2);
    let pats: Vec<(Vec<u8>, usize, usize)> = o
        .patterns
        .iter()
        .map(|p| (p.observed.clone(), p.count, p.n_missing))
        .collect();
    assert_eq!(
        pats,
        vec![(vec![1, 1], 2, 0), (vec![1, 0], 1, 1), (vec![0, 0], 1, 2)]
    );
    assert_eq!(o.coverage, vec![vec![0.75, 0.5], vec![0.5, 0.5]]);
    // x,y pairs (1,2), (4,8): correlation 1.
    close(o.correlations[0][1], 1.0);
    close(o.variables[0].mean, 7.0 / 3.0);
    let m = 7.0 / 3.0;
    let ss = (1.0f64 - m).powi(2) + (2.0f64 - m).powi(2) + (4.0f64 - m).powi(2);
    close(o.variables[0].sd, (ss / 2.0).sqrt());
    assert_eq!(o.variables[1].missing, 2);
    // Groups: b (rows 1, 3), a (row 2); the last row has no group.
    assert_eq!(d.rows_without_group, 1);
    let g: Vec<(&str, usize, usize)> = d
        .groups
        .iter()
        .map(|g| (g.label.as_str(), g.summary.n, g.summary.complete_cases))
        .collect();
    assert_eq!(g, vec![("b", 2, 1), ("a", 1, 0)]);
    // Group a has one value of x: no sd, no correlation.
    let a = &d.groups[1].summary;
    assert_eq!(a.variables[0].sd, None);
    assert_eq!(a.correlations[0][1], None);
    // JSON: undefined statistics are null.
    let json = serde_json::to_value(&d).unwrap();
    assert!(json["groups"][1]["variables"][0]["sd"].is_null());
    assert_eq!(json["groups"][0]["label"], "b");
    assert_eq!(
        json["overall"]["patterns"][0]["observed"],
        serde_json::json!([1, 1])
    );
}

#[test]
fn value_labels_name_groups() {
    let (df, labels) =
        read_frame_with_labels(&fixture("panel.dta"), &ReadOptions::default()).unwrap();
    let vars = strings(&["lang_1"]);
    let d = describe_with_labels(&df, Some(&vars), Some("gender"), &labels, "panel.dta").unwrap();
    let g: Vec<&str> = d.groups.iter().map(|g| g.label.as_str()).collect();
    assert_eq!(g, vec!["boy", "girl"]);
}
