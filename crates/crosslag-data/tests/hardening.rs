//! Issue #13, items 9 and 11: CSV files that used to lose data silently or fail with a long,
//! vague message. Each gives one line naming the line (and column or variable).

mod common;
use common::*;
use crosslag_data::*;

fn read_err(test: &str, content: &str) -> String {
    let path = temp_file(test, &format!("{test}.csv"), content.as_bytes());
    let e = read_frame(&path, &ReadOptions::default())
        .map(|df| format!("read {} rows", df.height()))
        .expect_err(content);
    let e = e.to_string();
    assert!(!e.contains('\n'), "message is one line: {e}");
    assert!(e.len() < 400, "message is short: {e}");
    e
}

fn rows(n: usize) -> String {
    (0..n)
        .map(|i| format!("{i},{},{}\n", i * 2, i % 7))
        .collect()
}

#[test]
fn row_with_too_few_fields_is_an_error() {
    let e = read_err("few", "x,y,z\n1,2,3\n4,5\n6,7,8\n");
    assert_eq!(
        e,
        "few.csv is not a readable CSV file: line 3: 2 fields, but the header has 3; column 'z' (field 3) and later are missing"
    );
}

#[test]
fn row_with_too_many_fields_is_an_error() {
    let e = read_err("many", "x,y,z\n1,2,3\n4,5,6,7\n");
    assert!(
        e.starts_with(
            "many.csv is not a readable CSV file: line 3: 4 fields, but the header has 3"
        ),
        "{e}"
    );
}

#[test]
fn overflowing_number_is_an_error_not_missing() {
    let e = read_err("overflow", "x,y\n1,2\n1e309,3\n4,5\n");
    assert_eq!(
        e,
        "overflow.csv, line 3, column 'x': value '1e309' is too large for a 64-bit number (it overflows to infinity); fix it, rescale the variable, or declare it missing"
    );
    let e = read_err("overflow_neg", "x,y\n1,2\n3,-2e400\n");
    assert!(e.contains("line 3, column 'y': value '-2e400'"), "{e}");
    // a declared missing code is not an overflow
    let path = temp_file("overflow_code", "c.csv", b"x,y\n1,2\n1e999,3\n4,5\n");
    let df = read_frame(
        &path,
        &ReadOptions {
            missing_codes: vec!["1e999".into()],
            long: None,
        },
    )
    .unwrap();
    assert_eq!(df.column("x").unwrap().null_count(), 1);
}

#[test]
fn stray_quote_gives_one_short_line() {
    let mut text = String::from("id,x,y\n");
    text.push_str(&rows(3));
    text.push_str("3,\"6,1\n");
    text.push_str(&rows(40));
    let e = read_err("quote", &text);
    assert!(e.starts_with("quote.csv is not a readable CSV file: line 5, column 3: this quote opens a field that is never closed"), "{e}");
    // no swallowed row is quoted
    assert!(!e.contains("10,20"), "{e}");
    let e = read_err("quote_mid", "id,x\n1,2\n2,3\"4\n");
    assert!(e.contains("line 3, column 4: a stray quote"), "{e}");
}

#[test]
fn semicolon_file_gets_a_delimiter_hint() {
    // decimal commas and semicolons (write.csv2): the commas split the fields
    let e = read_err("semi", "id;x;y\n1;2,5;3\n2;4,5;1,25\n");
    assert!(e.contains("line 2: 2 fields, but the header has 1"), "{e}");
    assert!(e.contains("the file looks semicolon-delimited"), "{e}");
    // semicolons only: one column, as before
    let e = read_err("semi_only", "id;x;y\n1;2;3\n");
    assert!(e.contains("separated by semicolons"), "{e}");
}

#[test]
fn ragged_file_names_the_line() {
    let mut text = String::from("a,b,c,d\n");
    text.push_str("1,2,3,4\n");
    text.push_str("\n5,6,7,8\n");
    text.push_str("9,10,11\n");
    let e = read_err("ragged", &text);
    assert!(
        e.contains("line 5: 3 fields, but the header has 4; column 'd'"),
        "{e}"
    );
}

#[test]
fn extreme_value_names_variable_and_line() {
    let path = temp_file("extreme", "extreme.csv", b"x,y\n1,2\n2,1e308\n3,4\n");
    let df = read_frame(&path, &ReadOptions::default()).unwrap();
    let vars = strings(&["x", "y"]);
    let e = select(
        &df,
        &Selection {
            variables: &vars,
            group: None,
            cluster: None,
        },
        "extreme.csv",
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "extreme.csv, line 3, variable 'y': value 1e308 is too large in magnitude (beyond ±1e150, its square overflows variances); rescale the variable, e.g. divide it by a power of ten"
    );
}

#[test]
fn multiline_text_cell_in_a_message_stays_one_line() {
    let path = temp_file("multiline", "m.csv", b"x,y\n1,2\n\"3\n4\",5\n6,7\n");
    let df = read_frame(&path, &ReadOptions::default()).unwrap();
    let vars = strings(&["x", "y"]);
    let e = select(
        &df,
        &Selection {
            variables: &vars,
            group: None,
            cluster: None,
        },
        "m.csv",
    )
    .unwrap_err()
    .to_string();
    assert!(!e.contains('\n'), "{e}");
    assert!(e.contains("value '3\\n4' is not a number"), "{e}");
}

#[test]
fn good_files_still_read() {
    for (name, text) in [
        ("crlf", "x,y\r\n1,2\r\n\r\n3,4\r\n"),
        ("quoted", "\"x\",\"y\"\n\"1\",\"2\"\n3,4"),
        ("blank_lines", "x,y\n\n1,2\n   \n3,4\n\n"),
        ("trailing_missing", "x,y\n1,\n,4\n"),
    ] {
        let path = temp_file("good", &format!("{name}.csv"), text.as_bytes());
        let df =
            read_frame(&path, &ReadOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(df.height(), 2, "{name}");
    }
    read_frame(&dataset("panel_A_mar.csv"), &ReadOptions::default()).unwrap();
}
