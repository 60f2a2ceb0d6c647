//! The wide layout: one row per study with `study`, `n`, correlation columns `r_<a>_<b>`,
//! optional presence flags `has_<a>` (0 = the variable is absent) and a study name `label`;
//! other columns are moderators.

use super::csv::{find_col, mod_value, parse_csv, parse_num};
use super::set::{Study, StudySet};
use crate::meta::MetaError;
use std::collections::BTreeMap;

/// The columns of a wide studies file.
struct WideColumns {
    study: Option<usize>,
    n: usize,
    /// `has_<a>` flags: (column, variable).
    has: Vec<(usize, String)>,
    /// `r_<a>_<b>` correlations: (column, a, b).
    pairs: Vec<(usize, String, String)>,
    variables: Vec<String>,
    moderators: Vec<usize>,
}

/// The two variables of each `r_` column. With `has_` flags the variables are known and the
/// column name is split where both halves are variables; without them it is split at its
/// first `_`.
fn correlation_pairs(
    r_cols: &[(usize, &str)],
    vars: &[String],
) -> Result<Vec<(usize, String, String)>, MetaError> {
    let mut pairs = Vec::new();
    for (c, name) in r_cols {
        let split = if vars.is_empty() {
            name.split_once('_')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        } else {
            vars.iter()
                .filter_map(|a| {
                    name.strip_prefix(a.as_str())
                        .and_then(|rest| rest.strip_prefix('_'))
                        .filter(|b| vars.iter().any(|v| v == b))
                        .map(|b| (a.clone(), b.to_string()))
                })
                .next()
        };
        let Some((a, b)) = split else {
            return Err(MetaError::new(format!(
                "column `r_{name}`: cannot tell the two variables apart"
            )));
        };
        pairs.push((*c, a, b));
    }
    Ok(pairs)
}

impl WideColumns {
    fn find(header: &[String]) -> Result<WideColumns, MetaError> {
        let c_study = find_col(header, "study");
        let c_n = find_col(header, "n")
            .ok_or_else(|| MetaError::new("the wide studies file needs a column `n`"))?;
        let c_label = find_col(header, "label");
        let has_cols: Vec<(usize, String)> = header
            .iter()
            .enumerate()
            .filter_map(|(c, h)| h.strip_prefix("has_").map(|v| (c, v.to_string())))
            .collect();
        let r_cols: Vec<(usize, &str)> = header
            .iter()
            .enumerate()
            .filter_map(|(c, h)| h.strip_prefix("r_").map(|v| (c, v)))
            .collect();
        if r_cols.is_empty() {
            return Err(MetaError::new(
                "the wide studies file needs correlation columns r_<var1>_<var2>",
            ));
        }
        // Variables: from has_ columns when present, else from the r_ names.
        let mut vars: Vec<String> = has_cols.iter().map(|(_, v)| v.clone()).collect();
        let pairs = correlation_pairs(&r_cols, &vars)?;
        if has_cols.is_empty() {
            for (_, a, b) in &pairs {
                for v in [a, b] {
                    if !vars.contains(v) {
                        vars.push(v.clone());
                    }
                }
            }
        }
        let used: Vec<usize> = [c_study, Some(c_n), c_label]
            .into_iter()
            .flatten()
            .chain(has_cols.iter().map(|(c, _)| *c))
            .chain(r_cols.iter().map(|(c, _)| *c))
            .collect();
        let moderators: Vec<usize> = (0..header.len()).filter(|c| !used.contains(c)).collect();
        Ok(WideColumns {
            study: c_study,
            n: c_n,
            has: has_cols,
            pairs,
            variables: vars,
            moderators,
        })
    }

    /// The study of record `k` (1-based after the header).
    fn study(&self, k: usize, rec: &[String], header: &[String]) -> Result<Study, MetaError> {
        let p = self.variables.len();
        let vidx = |v: &str| self.variables.iter().position(|x| x == v).unwrap_or(0);
        let get = |c: usize| rec.get(c).map(|s| s.trim().to_string()).unwrap_or_default();
        let id = match self.study {
            Some(c) => get(c),
            None => k.to_string(),
        };
        let n = match parse_num(&get(self.n)) {
            Ok(Some(n)) => n,
            _ => {
                return Err(MetaError::new(format!(
                    "study {id}: the sample size `{}` is not a number",
                    get(self.n)
                )))
            }
        };
        let mut raw = vec![vec![None; p]; p];
        let mut present = vec![true; p];
        for (c, v) in &self.has {
            present[vidx(v)] = matches!(get(*c).as_str(), "1" | "TRUE" | "true" | "T");
        }
        for (c, a, b) in &self.pairs {
            let r = parse_num(&get(*c)).map_err(|_| {
                MetaError::new(format!(
                    "study {id}: the correlation r_{a}_{b} = `{}` is not a number",
                    get(*c)
                ))
            })?;
            let (i, j) = (vidx(a), vidx(b));
            raw[i][j] = r;
            raw[j][i] = r;
        }
        if self.has.is_empty() {
            // without flags, a variable is present when any of its correlations is
            for j in 0..p {
                present[j] = (0..p).any(|i| i != j && raw[i][j].is_some());
            }
        }
        for j in 0..p {
            raw[j][j] = if present[j] { Some(1.0) } else { None };
        }
        let mut moderators = BTreeMap::new();
        for &c in &self.moderators {
            moderators.insert(header[c].clone(), mod_value(&get(c)));
        }
        Ok(Study {
            id,
            n,
            raw,
            present,
            moderators,
        })
    }
}

impl StudySet {
    /// Reads the wide layout (one row per study, `r_<a>_<b>` columns, optional `has_<a>`).
    pub fn from_wide_csv(text: &str) -> Result<StudySet, MetaError> {
        let rows = parse_csv(text);
        let Some(header) = rows.first() else {
            return Err(MetaError::new("the studies file is empty"));
        };
        let header: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
        let cols = WideColumns::find(&header)?;
        let studies = rows
            .iter()
            .enumerate()
            .skip(1)
            .map(|(k, rec)| cols.study(k, rec, &header))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(StudySet {
            moderator_names: cols.moderators.iter().map(|&c| header[c].clone()).collect(),
            variables: cols.variables,
            studies,
        })
    }
}
