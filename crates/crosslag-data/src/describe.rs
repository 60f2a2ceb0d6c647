//! Descriptive statistics of a data set: per-variable summaries, missing-data patterns,
//! coverage and pairwise correlations, overall and per group. Pure computation; the CLI prints.

use crate::columns::{from_column, parse_number, ColData, Key, MissingCodes};
use crate::error::DataError;
use crate::labels::ValueLabels;
use crate::select::{index_by_first_appearance, near_matches};
use polars::prelude::DataFrame;
use serde::Serialize;

/// Everything `describe` computes.
#[derive(Debug, Clone, Serialize)]
pub struct Description {
    /// Rows in the data.
    pub n: usize,
    /// The variables described, in order.
    pub variables: Vec<String>,
    /// Statistics over all rows.
    pub overall: Summary,
    /// The grouping column, if any.
    pub group: Option<String>,
    /// Per group, in order of first appearance (empty without a grouping column).
    pub groups: Vec<GroupSummary>,
    /// Rows left out of every group because their group value is missing.
    pub rows_without_group: usize,
}

/// The statistics of one group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupSummary {
    /// Group label (integers without ".0"; value labels where the file has them).
    pub label: String,
    /// The group's statistics.
    #[serde(flatten)]
    pub summary: Summary,
}

/// Statistics of a set of rows.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Rows.
    pub n: usize,
    /// Rows with every variable observed.
    pub complete_cases: usize,
    /// One entry per variable.
    pub variables: Vec<VariableSummary>,
    /// Missing-data patterns (see [`MissingPattern`]).
    pub patterns: Vec<MissingPattern>,
    /// `coverage[i][j]`: proportion of rows where variables i and j are both observed
    /// (diagonal: proportion observed), as lavaan's `lavInspect(fit, "coverage")`.
    pub coverage: Vec<Vec<f64>>,
    /// Pearson correlations over the rows where both variables are observed (pairwise
    /// deletion); `None` (JSON null) when fewer than 2 such rows or a zero variance among them.
    pub correlations: Vec<Vec<Option<f64>>>,
}

/// Summary of one variable over observed values x₁…xₙ.
///
/// * `mean` = Σx/n; `sd` = √(Σ(x−mean)²/(n−1));
/// * `skewness` = g₁ = m₃/m₂^{3/2} and `kurtosis` = g₂ = m₄/m₂² − 3 (excess kurtosis), with
///   central moments m_k = Σ(x−mean)^k / n (the moment-based estimators, not the
///   small-sample-adjusted G₁/G₂);
/// * statistics that need more observations (sd, skewness, kurtosis: n ≥ 2 and m₂ > 0) or any
///   (mean, min, max: n ≥ 1) are `None` (JSON null) otherwise.
#[derive(Debug, Clone, Serialize)]
pub struct VariableSummary {
    /// Variable name.
    pub name: String,
    /// Observed values.
    pub n: usize,
    /// Missing values.
    pub missing: usize,
    /// 100 × missing / rows.
    pub percent_missing: f64,
    /// Mean.
    pub mean: Option<f64>,
    /// Standard deviation (divisor n − 1).
    pub sd: Option<f64>,
    /// Smallest value.
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// g₁ = m₃/m₂^{3/2}.
    pub skewness: Option<f64>,
    /// g₂ = m₄/m₂² − 3.
    pub kurtosis: Option<f64>,
}

/// One missing-data pattern, as lavaan's `lavInspect(fit, "patterns")` / mice's `md.pattern`.
///
/// Patterns are sorted by count (largest first) with the complete pattern first when present;
/// ties go to fewer missing variables, then to the pattern with observed values earlier.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MissingPattern {
    /// Per variable: 1 = observed, 0 = missing.
    pub observed: Vec<u8>,
    /// Rows with this pattern.
    pub count: usize,
    /// 100 × count / rows.
    pub percent: f64,
    /// Variables missing in this pattern.
    pub n_missing: usize,
}

/// Describe `vars` (default: every numeric column, except the grouping column) of a data frame,
/// overall and, with `group`, per group.
pub fn describe(
    df: &DataFrame,
    vars: Option<&[String]>,
    group: Option<&str>,
) -> Result<Description, DataError> {
    describe_with_labels(df, vars, group, &ValueLabels::new(), "the data")
}

/// [`describe`], naming groups by value labels and naming `source` in error messages.
pub fn describe_with_labels(
    df: &DataFrame,
    vars: Option<&[String]>,
    group: Option<&str>,
    labels: &ValueLabels,
    source: &str,
) -> Result<Description, DataError> {
    let file = source.to_string();
    let names = crate::table::column_names(df);
    let group_col = match group {
        Some(g) => Some(
            df.column(g)
                .map_err(|_| DataError::UnknownColumn {
                    role: "group",
                    file: file.clone(),
                    name: g.to_string(),
                    suggestions: near_matches(g, &names),
                })
                .and_then(|c| from_column(c, &file))?,
        ),
        None => None,
    };
    let variables: Vec<String> = match vars {
        Some(v) => {
            let mut seen = std::collections::HashSet::new();
            for name in v {
                if !seen.insert(name.as_str()) {
                    return Err(DataError::DuplicateVariable { name: name.clone() });
                }
            }
            v.to_vec()
        }
        None => {
            let mut out = Vec::new();
            for c in df.columns() {
                if Some(c.name().as_str()) == group {
                    continue;
                }
                if from_column(c, &file)?.is_numeric() {
                    out.push(c.name().to_string());
                }
            }
            out
        }
    };
    if variables.is_empty() {
        return Err(DataError::NoVariables { file });
    }
    let csv = source.to_ascii_lowercase().ends_with(".csv");
    let missing_text = MissingCodes::new(&[]);
    let mut columns: Vec<Vec<f64>> = Vec::with_capacity(variables.len());
    for name in &variables {
        let col = df.column(name).map_err(|_| DataError::UnknownVariable {
            file: file.clone(),
            name: name.clone(),
            suggestions: near_matches(name, &names),
        })?;
        let values = match from_column(col, &file)? {
            ColData::Int(v) => v.iter().map(|o| o.map_or(f64::NAN, |x| x as f64)).collect(),
            ColData::Float(v) => v.iter().map(|o| o.unwrap_or(f64::NAN)).collect(),
            ColData::Str(v) => {
                let mut out = Vec::with_capacity(v.len());
                for (i, o) in v.iter().enumerate() {
                    let x = match o.as_deref() {
                        None => f64::NAN,
                        Some(s) if missing_text.is_missing_text(s) => f64::NAN,
                        Some(s) => parse_number(s).ok_or_else(|| DataError::NonNumeric {
                            file: file.clone(),
                            variable: name.clone(),
                            place: if csv {
                                format!("line {}", i + 2)
                            } else {
                                format!("row {}", i + 1)
                            },
                            value: s.to_string(),
                        })?,
                    };
                    out.push(x);
                }
                out
            }
        };
        columns.push(values);
    }

    let n = df.height();
    let all_rows: Vec<usize> = (0..n).collect();
    let overall = summarise(&variables, &columns, &all_rows);
    let mut groups = Vec::new();
    let mut rows_without_group = 0;
    if let (Some(g), Some(gname)) = (&group_col, group) {
        let rows: Vec<usize> = (0..n).filter(|&i| g.key(i).is_some()).collect();
        rows_without_group = n - rows.len();
        let (idx, keys) = index_by_first_appearance(rows.iter().filter_map(|&i| g.key(i)));
        for (k, key) in keys.iter().enumerate() {
            let members: Vec<usize> = rows
                .iter()
                .zip(&idx)
                .filter(|(_, &gi)| gi == k)
                .map(|(&r, _)| r)
                .collect();
            groups.push(GroupSummary {
                label: group_label(key, gname, labels),
                summary: summarise(&variables, &columns, &members),
            });
        }
    }
    Ok(Description {
        n,
        variables,
        overall,
        group: group.map(str::to_string),
        groups,
        rows_without_group,
    })
}

fn group_label(key: &Key, column: &str, labels: &ValueLabels) -> String {
    match key {
        Key::Text(_) => key.label(),
        _ => key
            .as_f64()
            .and_then(|x| labels.get(column, x))
            .map_or_else(|| key.label(), str::to_string),
    }
}

fn summarise(names: &[String], columns: &[Vec<f64>], rows: &[usize]) -> Summary {
    let n = rows.len();
    let p = columns.len();
    let present = |j: usize, r: usize| !columns[j][r].is_nan();
    let variables = names
        .iter()
        .zip(columns)
        .map(|(name, col)| {
            let xs: Vec<f64> = rows
                .iter()
                .map(|&r| col[r])
                .filter(|x| !x.is_nan())
                .collect();
            variable_summary(name, &xs, n)
        })
        .collect();

    // Patterns.
    let mut counts: std::collections::HashMap<Vec<u8>, usize> = std::collections::HashMap::new();
    for &r in rows {
        let pat: Vec<u8> = (0..p).map(|j| u8::from(present(j, r))).collect();
        *counts.entry(pat).or_insert(0) += 1;
    }
    let mut patterns: Vec<MissingPattern> = counts
        .into_iter()
        .map(|(observed, count)| {
            let n_missing = observed.iter().filter(|&&o| o == 0).count();
            MissingPattern {
                observed,
                count,
                percent: percent(count, n),
                n_missing,
            }
        })
        .collect();
    patterns.sort_by(|a, b| {
        (a.n_missing != 0)
            .cmp(&(b.n_missing != 0))
            .then(b.count.cmp(&a.count))
            .then(a.n_missing.cmp(&b.n_missing))
            .then(b.observed.cmp(&a.observed))
    });
    let complete_cases = patterns
        .iter()
        .find(|pt| pt.n_missing == 0)
        .map_or(0, |pt| pt.count);

    // Coverage and pairwise correlations.
    let mut coverage = vec![vec![0.0; p]; p];
    let mut correlations = vec![vec![None; p]; p];
    for i in 0..p {
        for j in 0..=i {
            let pairs: Vec<(f64, f64)> = rows
                .iter()
                .filter(|&&r| present(i, r) && present(j, r))
                .map(|&r| (columns[i][r], columns[j][r]))
                .collect();
            let cov = if n == 0 {
                0.0
            } else {
                pairs.len() as f64 / n as f64
            };
            coverage[i][j] = cov;
            coverage[j][i] = cov;
            let r = correlation(&pairs);
            correlations[i][j] = r;
            correlations[j][i] = r;
        }
    }
    Summary {
        n,
        complete_cases,
        variables,
        patterns,
        coverage,
        correlations,
    }
}

fn percent(count: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        100.0 * count as f64 / n as f64
    }
}

fn variable_summary(name: &str, xs: &[f64], rows: usize) -> VariableSummary {
    let n = xs.len();
    let nf = n as f64;
    let mean = (n > 0).then(|| xs.iter().sum::<f64>() / nf);
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    if let Some(m) = mean {
        for &x in xs {
            let d = x - m;
            let d2 = d * d;
            m2 += d2;
            m3 += d2 * d;
            m4 += d2 * d2;
        }
    }
    let ss = m2;
    m2 /= nf.max(1.0);
    m3 /= nf.max(1.0);
    m4 /= nf.max(1.0);
    let spread = n >= 2 && m2 > 0.0;
    VariableSummary {
        name: name.to_string(),
        n,
        missing: rows - n,
        percent_missing: percent(rows - n, rows),
        mean,
        sd: (n >= 2).then(|| (ss / (nf - 1.0)).sqrt()),
        min: xs.iter().copied().reduce(f64::min),
        max: xs.iter().copied().reduce(f64::max),
        skewness: spread.then(|| m3 / m2.powf(1.5)),
        kurtosis: spread.then(|| m4 / (m2 * m2) - 3.0),
    }
}

fn correlation(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.len() < 2 {
        return None;
    }
    let k = pairs.len() as f64;
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / k;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / k;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for &(x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return None;
    }
    Some((sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_by_hand() {
        // x = 1, 2, 3, 4, 10: mean 4, deviations -3 -2 -1 0 6.
        let s = variable_summary("x", &[1.0, 2.0, 3.0, 4.0, 10.0], 6);
        assert_eq!(s.mean, Some(4.0));
        let (m2, m3, m4) = (
            50.0 / 5.0,
            (-27.0 - 8.0 - 1.0 + 216.0) / 5.0,
            (81.0 + 16.0 + 1.0 + 1296.0) / 5.0,
        );
        assert!((s.sd.unwrap() - (50.0f64 / 4.0).sqrt()).abs() < 1e-12);
        assert!((s.skewness.unwrap() - m3 / f64::powf(m2, 1.5)).abs() < 1e-12);
        assert!((s.kurtosis.unwrap() - (m4 / (m2 * m2) - 3.0)).abs() < 1e-12);
        assert_eq!((s.min, s.max, s.missing), (Some(1.0), Some(10.0), 1));
        assert!((s.percent_missing - 100.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn degenerate_variables_give_none() {
        let s = variable_summary("x", &[], 3);
        assert_eq!((s.mean, s.sd, s.skewness), (None, None, None));
        let s = variable_summary("x", &[2.0, 2.0], 2);
        assert_eq!(s.sd, Some(0.0));
        assert_eq!((s.skewness, s.kurtosis), (None, None));
        assert_eq!(correlation(&[(1.0, 2.0)]), None);
        assert_eq!(correlation(&[(1.0, 2.0), (1.0, 3.0)]), None);
        assert_eq!(
            correlation(&[(1.0, 2.0), (2.0, 4.0), (3.0, 5.0)]).map(|r| r > 0.98),
            Some(true)
        );
    }
}
