//! Summary-statistics input: a small numeric matrix in a CSV file.

use crate::columns::parse_number;
use crate::error::DataError;
use crate::table::file_name;
use std::path::Path;

/// Read a CSV matrix with a header row of variable names: a covariance (or correlation) matrix,
/// one row per variable, or a one-row mean vector.
///
/// Fields are separated by commas and may be quoted with `"`. When the header's first field is
/// empty (as R's `write.csv` writes row names), the first column holds row names and is dropped.
/// Blank lines are skipped. Every cell must be a number; the result has one inner vector per
/// data row, each as long as the header. The caller checks the shape it needs.
pub fn read_matrix_csv(path: &Path) -> Result<(Vec<String>, Vec<Vec<f64>>), DataError> {
    let file = file_name(path);
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| DataError::Unreadable {
            file: file.clone(),
            format: "CSV",
            reason: "it is not UTF-8 text".into(),
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(DataError::NotFound {
                path: path.display().to_string(),
            })
        }
        Err(e) => {
            return Err(DataError::Io {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
        }
    };
    let err = |line: usize, reason: String| DataError::Matrix {
        file: file.clone(),
        place: format!("line {line}"),
        reason,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty());
    let (header_line, header) = lines.next().ok_or_else(|| {
        err(
            1,
            "the file is empty; a header row of variable names is needed".into(),
        )
    })?;
    let mut names = split_fields(header);
    let row_names = names.first().is_some_and(|n| n.is_empty());
    if row_names {
        names.remove(0);
    }
    if names.is_empty() {
        return Err(err(header_line, "the header names no variables".into()));
    }
    if let Some(pos) = names.iter().position(|n| n.is_empty()) {
        return Err(err(
            header_line,
            format!(
                "header field {} is empty; name every column",
                pos + 1 + usize::from(row_names)
            ),
        ));
    }
    if let Some(num) = names.iter().find(|n| parse_number(n).is_some()) {
        return Err(err(
            header_line,
            format!("the first row must name the variables, but it holds the number '{num}'"),
        ));
    }
    let mut rows = Vec::new();
    for (line, l) in lines {
        let mut fields = split_fields(l);
        if row_names && !fields.is_empty() {
            fields.remove(0);
        }
        if fields.len() != names.len() {
            return Err(err(
                line,
                format!(
                    "{} values for {} variables in the header",
                    fields.len(),
                    names.len()
                ),
            ));
        }
        let mut row = Vec::with_capacity(fields.len());
        for (f, name) in fields.iter().zip(&names) {
            match parse_number(f).filter(|x| !x.is_nan()) {
                Some(x) => row.push(x),
                None => {
                    return Err(DataError::Matrix {
                        file: file.clone(),
                        place: format!("line {line}, column '{name}'"),
                        reason: format!(
                            "'{f}' is not a number; summary statistics cannot have missing values"
                        ),
                    })
                }
            }
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(err(
            header_line,
            "no rows of numbers after the header".into(),
        ));
    }
    Ok((names, rows))
}

/// Split one CSV line on commas, honouring double quotes ("" inside quotes is a quote).
pub(crate) fn split_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

#[cfg(test)]
mod tests {
    use super::split_fields;

    #[test]
    fn fields_with_quotes() {
        assert_eq!(split_fields(r#""a","b,c", d"#), vec!["a", "b,c", "d"]);
        assert_eq!(split_fields(r#""x""y",1"#), vec![r#"x"y"#, "1"]);
        assert_eq!(split_fields(""), vec![""]);
    }
}
