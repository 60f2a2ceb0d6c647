//! Turning the columns a model uses into a numeric matrix.

use crate::columns::{from_column, parse_number, ColData, Key, MissingCodes};
use crate::error::DataError;
use crate::labels::ValueLabels;
use ndarray::Array2;
use polars::prelude::DataFrame;
use std::collections::HashMap;

/// The columns a model uses.
#[derive(Debug, Clone, Copy)]
pub struct Selection<'a> {
    /// Model variables, in the order the model wants them.
    pub variables: &'a [String],
    /// Grouping column for a multi-group model (any type).
    pub group: Option<&'a str>,
    /// Cluster column for cluster-robust standard errors (any type).
    pub cluster: Option<&'a str>,
}

/// The numeric data of a model.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ModelData {
    /// File name, for messages.
    pub source: String,
    /// The selected variables, in the order of the selection.
    pub names: Vec<String>,
    /// Rows × variables; NaN = missing.
    pub values: Array2<f64>,
    /// 0-based group index of each row.
    pub group: Option<Vec<usize>>,
    /// Group labels in order of first appearance in the data (as lavaan 0.6.14 orders groups);
    /// integers print without ".0"; Stata/SPSS value labels replace codes when given.
    pub group_labels: Vec<String>,
    /// 0-based cluster index of each row (clusters in order of first appearance).
    pub cluster: Option<Vec<usize>>,
    /// Rows dropped because the group or cluster value was missing.
    pub dropped_rows: usize,
}

/// Select model variables (and optional group and cluster columns) from a data frame.
///
/// Checks, each with its own [`DataError`]: variables exist (with near-miss suggestions) and are
/// listed once; group/cluster columns exist; every selected value is a number or missing (text
/// cells "", "NA", "NaN" count as missing); no variable is missing in every row or constant; with
/// a group, each group has at least as many complete cases as there are variables and no variable
/// is constant within a group. Rows whose group or cluster value is missing are dropped and
/// counted in `dropped_rows`.
///
/// `source` is the file name used in messages; when it ends in `.csv`, places are given as lines
/// of the file (data row r = line r + 1), which holds for files read by [`crate::read_frame`]
/// without a long→wide reshape and without blank lines.
pub fn select(df: &DataFrame, sel: &Selection<'_>, source: &str) -> Result<ModelData, DataError> {
    select_with_labels(df, sel, source, &ValueLabels::new())
}

/// The selected columns of a frame.
struct SelectedColumns {
    variables: Vec<ColData>,
    group: Option<ColData>,
    cluster: Option<ColData>,
}

/// The selected columns: the variables (listed once, each a column of the frame, with
/// near-miss suggestions), and the group and cluster columns.
fn selected_columns(
    df: &DataFrame,
    sel: &Selection<'_>,
    file: &str,
) -> Result<SelectedColumns, DataError> {
    let names = crate::table::column_names(df);
    if sel.variables.is_empty() {
        return Err(DataError::NoVariables {
            file: file.to_string(),
        });
    }
    let mut seen = std::collections::HashSet::new();
    for v in sel.variables {
        if !seen.insert(v.as_str()) {
            return Err(DataError::DuplicateVariable { name: v.clone() });
        }
    }
    let column = |name: &str| -> Result<ColData, DataError> {
        let c = df.column(name).map_err(|_| DataError::UnknownVariable {
            file: file.to_string(),
            name: name.to_string(),
            suggestions: near_matches(name, &names),
        })?;
        from_column(c, file)
    };
    let role_column = |name: &str, role: &'static str| -> Result<ColData, DataError> {
        let c = df.column(name).map_err(|_| DataError::UnknownColumn {
            role,
            file: file.to_string(),
            name: name.to_string(),
            suggestions: near_matches(name, &names),
        })?;
        from_column(c, file)
    };
    let var_cols: Vec<ColData> = sel
        .variables
        .iter()
        .map(|v| column(v))
        .collect::<Result<_, _>>()?;
    let group_col = sel.group.map(|g| role_column(g, "group")).transpose()?;
    let cluster_col = sel.cluster.map(|c| role_column(c, "cluster")).transpose()?;
    Ok(SelectedColumns {
        variables: var_cols,
        group: group_col,
        cluster: cluster_col,
    })
}

/// Where row i of the frame is, for messages: a line of a CSV file (data row r = line r + 1),
/// else a row.
fn place_of(csv: bool, i: usize) -> String {
    if csv {
        format!("line {}", i + 2)
    } else {
        format!("row {}", i + 1)
    }
}

/// The numeric values of the variables on the kept rows (text cells "", "NA", "NaN" are
/// missing; other text is an error naming its place, as is a value beyond [`MAX_MAGNITUDE`]).
fn numeric_values(
    sel: &Selection<'_>,
    var_cols: &[ColData],
    keep: &[usize],
    file: &str,
    csv: bool,
) -> Result<Array2<f64>, DataError> {
    let place = |i: usize| place_of(csv, i);
    // Numeric values of every variable (all rows, so that places refer to the file).
    let missing_text = MissingCodes::new(&[]);
    let mut values = Array2::<f64>::from_elem((keep.len(), sel.variables.len()), f64::NAN);
    for (j, (name, col)) in sel.variables.iter().zip(var_cols).enumerate() {
        let numeric: Vec<f64> = match col {
            ColData::Int(v) => v.iter().map(|o| o.map_or(f64::NAN, |x| x as f64)).collect(),
            ColData::Float(v) => v.iter().map(|o| o.unwrap_or(f64::NAN)).collect(),
            ColData::Str(v) => {
                let mut out = Vec::with_capacity(v.len());
                for (i, o) in v.iter().enumerate() {
                    match o {
                        None => out.push(f64::NAN),
                        Some(s) if missing_text.is_missing_text(s) => out.push(f64::NAN),
                        Some(s) => match parse_number(s) {
                            Some(x) => out.push(x),
                            None => {
                                return Err(DataError::NonNumeric {
                                    file: file.to_string(),
                                    variable: name.clone(),
                                    place: place(i),
                                    value: one_line(s),
                                })
                            }
                        },
                    }
                }
                out
            }
        };
        for (r, &i) in keep.iter().enumerate() {
            let x = numeric[i];
            if x.abs() > MAX_MAGNITUDE {
                return Err(DataError::Extreme {
                    file: file.to_string(),
                    place: place(i),
                    variable: name.clone(),
                    value: format!("{x:e}"),
                });
            }
            values[[r, j]] = x;
        }
    }
    Ok(values)
}

/// Variable checks on all kept rows and then within each group: no variable missing in
/// every row or constant, and each group with at least as many complete cases as variables.
fn check_values(
    sel: &Selection<'_>,
    values: &Array2<f64>,
    group: Option<&Vec<usize>>,
    group_labels: &[String],
    file: &str,
) -> Result<(), DataError> {
    for (j, name) in sel.variables.iter().enumerate() {
        let col = values.column(j);
        check_variable(col.iter().copied(), file, name, "")?;
    }
    if let (Some(gidx), Some(gname)) = (group, sel.group) {
        for (g, glabel) in group_labels.iter().enumerate() {
            let rows: Vec<usize> = (0..values.nrows()).filter(|&r| gidx[r] == g).collect();
            let within = format!(" of group '{glabel}' of '{gname}'");
            for (j, name) in sel.variables.iter().enumerate() {
                check_variable(rows.iter().map(|&r| values[[r, j]]), file, name, &within)?;
            }
            let complete = rows
                .iter()
                .filter(|&&r| values.row(r).iter().all(|x| !x.is_nan()))
                .count();
            if complete < sel.variables.len() {
                return Err(DataError::TooFewCases {
                    file: file.to_string(),
                    group_column: gname.to_string(),
                    group: glabel.clone(),
                    complete,
                    needed: sel.variables.len(),
                });
            }
        }
    }
    Ok(())
}

/// [`select`], naming groups by the value labels of the group column where it has them.
pub fn select_with_labels(
    df: &DataFrame,
    sel: &Selection<'_>,
    source: &str,
    labels: &ValueLabels,
) -> Result<ModelData, DataError> {
    let file = source.to_string();
    let SelectedColumns {
        variables: var_cols,
        group: group_col,
        cluster: cluster_col,
    } = selected_columns(df, sel, &file)?;
    let csv = source.to_ascii_lowercase().ends_with(".csv");
    let n = df.height();

    // Rows kept: those with a group and a cluster value.
    let keep: Vec<usize> = (0..n)
        .filter(|&i| {
            group_col.as_ref().is_none_or(|g| g.key(i).is_some())
                && cluster_col.as_ref().is_none_or(|c| c.key(i).is_some())
        })
        .collect();
    let dropped_rows = n - keep.len();
    let values = numeric_values(sel, &var_cols, &keep, &file, csv)?;

    let group_key = |c: &ColData, i: usize| c.key(i).expect("kept rows have a key");
    let (group, group_labels) = match (&group_col, sel.group) {
        (Some(g), Some(gname)) => {
            let (idx, keys) = index_by_first_appearance(keep.iter().map(|&i| group_key(g, i)));
            let labels = keys
                .iter()
                .map(|k| label_of(k, gname, labels))
                .collect::<Vec<_>>();
            (Some(idx), labels)
        }
        _ => (None, Vec::new()),
    };
    let cluster = cluster_col
        .as_ref()
        .map(|c| index_by_first_appearance(keep.iter().map(|&i| group_key(c, i))).0);
    check_values(sel, &values, group.as_ref(), &group_labels, &file)?;

    Ok(ModelData {
        source: file,
        names: sel.variables.to_vec(),
        values,
        group,
        group_labels,
        cluster,
        dropped_rows,
    })
}

/// The largest magnitude a value may have: its square, and sums of squares over many rows,
/// stay far from overflowing.
pub(crate) const MAX_MAGNITUDE: f64 = 1e150;

/// A cell's text for a one-line message: control characters (line breaks of a quoted cell)
/// escaped, and at most 40 characters.
fn one_line(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(40)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

fn check_variable(
    values: impl Iterator<Item = f64>,
    file: &str,
    name: &str,
    within: &str,
) -> Result<(), DataError> {
    let mut first: Option<f64> = None;
    let mut n = 0usize;
    let mut constant = true;
    for x in values.filter(|x| !x.is_nan()) {
        n += 1;
        match first {
            None => first = Some(x),
            Some(f) if f != x => constant = false,
            Some(_) => {}
        }
    }
    match first {
        None => Err(DataError::AllMissing {
            file: file.to_string(),
            variable: name.to_string(),
            within: within.to_string(),
        }),
        Some(v) if constant => Err(DataError::Constant {
            file: file.to_string(),
            variable: name.to_string(),
            within: within.to_string(),
            value: crate::columns::format_number(v),
            n,
        }),
        Some(_) => Ok(()),
    }
}

fn label_of(key: &Key, column: &str, labels: &ValueLabels) -> String {
    key.as_f64()
        .filter(|_| !matches!(key, Key::Text(_)))
        .and_then(|x| labels.get(column, x))
        .map(str::to_string)
        .unwrap_or_else(|| key.label())
}

/// 0-based indices of keys in order of first appearance, and the distinct keys in that order.
pub(crate) fn index_by_first_appearance(keys: impl Iterator<Item = Key>) -> (Vec<usize>, Vec<Key>) {
    let mut map: HashMap<Key, usize> = HashMap::new();
    let mut order = Vec::new();
    let idx = keys
        .map(|k| {
            let next = map.len();
            *map.entry(k.clone()).or_insert_with(|| {
                order.push(k);
                next
            })
        })
        .collect();
    (idx, order)
}

/// Up to three column names close to `name`, closest first: case-insensitive edit distance at
/// most ⌈len/3⌉, or one name containing the other (for names of 3 or more characters).
pub(crate) fn near_matches(name: &str, candidates: &[String]) -> Vec<String> {
    let target = name.to_lowercase();
    let len = target.chars().count();
    let limit = len.div_ceil(3).max(1);
    let mut scored: Vec<(usize, &String)> = candidates
        .iter()
        .filter_map(|c| {
            let lc = c.to_lowercase();
            let d = levenshtein(&target, &lc);
            let contains = len >= 3
                && lc.chars().count() >= 3
                && (lc.contains(&target) || target.contains(&lc));
            (d <= limit || contains).then_some((d, c))
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, c)| c.clone()).collect()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance() {
        assert_eq!(levenshtein("lang1", "lang_1"), 1);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }

    #[test]
    fn near_matches_are_closest_first_and_at_most_three() {
        let c: Vec<String> = ["id", "lang_1", "lang_2", "lang_3", "lang_4", "close_1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            near_matches("lang1", &c),
            vec!["lang_1", "lang_2", "lang_3"]
        );
        assert_eq!(
            near_matches("LANG_4", &c),
            vec!["lang_4", "lang_1", "lang_2"]
        );
        assert!(near_matches("zzzzzzzz", &c).is_empty());
        assert_eq!(near_matches("xd", &c), vec!["id"]);
        assert_eq!(near_matches("close", &c), vec!["close_1"]);
        assert_eq!(near_matches("anguage_lang_1", &c), vec!["lang_1"]);
    }
}
